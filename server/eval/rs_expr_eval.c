/*
 * rs_expr_eval.c - evaluates a parsed expression (rs_expr.h): exact
 * fractions, absent values with their reasons, three-valued conditions,
 * aggregates over records with their filters' tallies.
 *
 * Arithmetic is done on int64 fractions through 128-bit intermediates.  A
 * quotient of two integers keeps both as they are (10/13 stays 10/13,
 * 2019.15万 over 2024.87万 stays fen over fen), and so do sums and products
 * of integers; any other result is reduced by the gcd, and one that does
 * not fit int64 even so is absent ("超出可计算范围").
 * Reasons and sources are short Chinese texts kept in the evaluation's
 * context and referred to by index from the values.
 *
 * Does not: parse (rs_expr_parse.c), know global names (the caller's
 * callbacks), or allocate.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rs_expr.h"
#include "rs_util.h"

__extension__ typedef __int128 i128;

/* ------------------------------------------------------------ context */

void rs_xctx_init(struct rs_xctx *ctx, const struct rs_xenv *env, void *user,
                  const Rs__Record *rec)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->env = env;
    ctx->user = user;
    ctx->rec = rec;
}

const char *rs_xctx_text(const struct rs_xctx *ctx, int idx)
{
    if (idx < 0 || (size_t)idx >= ctx->ntexts)
        return "";
    return ctx->text + ctx->off[idx];
}

static int add_v(struct rs_xctx *ctx, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int add_v(struct rs_xctx *ctx, const char *fmt, va_list ap)
{
    size_t room;
    int n;

    if (ctx->ntexts == RS_XCTX_MAX_TEXTS || ctx->used + 1 >= sizeof ctx->text)
        return -1;
    room = sizeof ctx->text - ctx->used;
    n = vsnprintf(ctx->text + ctx->used, room, fmt, ap);
    if (n < 0)
        return -1;
    if ((size_t)n >= room) {
        /* Cut at a character boundary. */
        size_t len = room - 1;

        while (len > 0 && ((unsigned char)ctx->text[ctx->used + len] & 0xC0) == 0x80)
            len--;
        ctx->text[ctx->used + len] = '\0';
        n = (int)len;
    }
    ctx->off[ctx->ntexts] = (uint16_t)ctx->used;
    ctx->used += (size_t)n + 1;
    return (int)ctx->ntexts++;
}

int rs_xctx_add(struct rs_xctx *ctx, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = add_v(ctx, fmt, ap);
    va_end(ap);
    return r;
}

void rs_xctx_absent(struct rs_xctx *ctx, struct rs_xval *v, enum rs_xtype type, const char *fmt,
                    ...)
{
    va_list ap;

    memset(v, 0, sizeof *v);
    v->state = RS_XS_ABSENT;
    v->type = (uint8_t)type;
    v->den = 1;
    v->src = -1;
    va_start(ap, fmt);
    v->why = (int16_t)add_v(ctx, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ numbers */

static i128 gcd128(i128 a, i128 b)
{
    if (a < 0)
        a = -a;
    if (b < 0)
        b = -b;
    while (b) {
        i128 t = a % b;

        a = b;
        b = t;
    }
    return a ? a : 1;
}

static bool fits(i128 v)
{
    return v >= INT64_MIN && v <= INT64_MAX;
}

/* Sets v to num/den (den != 0), reducing only if asked or needed. */
static bool set_frac(struct rs_xval *v, i128 num, i128 den, bool reduce)
{
    if (den < 0) {
        num = -num;
        den = -den;
    }
    if (reduce || !fits(num) || !fits(den)) {
        i128 g = gcd128(num, den);

        num /= g;
        den /= g;
    }
    if (!fits(num) || !fits(den))
        return false;
    v->num = (int64_t)num;
    v->den = (int64_t)den;
    return true;
}

static void given(struct rs_xval *v, enum rs_xtype t, int64_t num, int64_t den)
{
    memset(v, 0, sizeof *v);
    v->state = RS_XS_GIVEN;
    v->type = (uint8_t)t;
    v->why = -1;
    v->src = -1;
    v->num = num;
    v->den = den;
}

int rs_xval_cmp(const struct rs_xval *a, const struct rs_xval *b)
{
    i128 l, r;

    switch ((enum rs_xtype)a->type) {
    case RS_XT_NUM:
    case RS_XT_MONEY:
    case RS_XT_ANSWER:
        l = (i128)a->num * b->den;
        r = (i128)b->num * a->den;
        return l < r ? -1 : l > r;
    case RS_XT_STR:
        return strcmp(a->str ? a->str : "", b->str ? b->str : "");
    default:
        return a->num < b->num ? -1 : a->num > b->num;
    }
}

/* ------------------------------------------------------------ labels */

/* A field's Chinese name: its first alias, else its column. */
static void field_label(const struct rs_field *f, char *out, size_t n)
{
    const char *bar = f->aliases ? strchr(f->aliases, '|') : NULL;
    size_t k = f->aliases && f->aliases[0] ? (bar ? (size_t)(bar - f->aliases)
                                                  : strlen(f->aliases))
                                           : 0;

    if (k == 0) {
        snprintf(out, n, "%s", f->column);
        return;
    }
    if (k >= n)
        k = n - 1;
    memcpy(out, f->aliases, k);
    out[k] = '\0';
}

static void node_text(const struct rs_expr *e, int i, char *out, size_t n)
{
    const struct rs_xnode *x = &e->n[i];
    size_t k = x->len < n ? x->len : n - 1;

    while (k > 0 && k < x->len && ((unsigned char)e->src[x->pos + k] & 0xC0) == 0x80)
        k--;
    memcpy(out, e->src + x->pos, k);
    out[k] = '\0';
}

void rs_expr_label(const struct rs_expr *e, int i, char *out, size_t n)
{
    const struct rs_xnode *x = &e->n[i];
    char what[96], filter[160] = "";

    if (n == 0)
        return;
    if (x->op == RS_XO_FIELD) {
        field_label(x->field, out, n);
        return;
    }
    if (x->op != RS_XO_COUNT && x->op != RS_XO_SUM) {
        node_text(e, i, out, n);
        return;
    }
    if (x->where >= 0) {
        char w[144];

        node_text(e, x->where, w, sizeof w);
        snprintf(filter, sizeof filter, "（%s）", w);
    }
    if (x->op == RS_XO_COUNT) {
        snprintf(out, n, "%s数%s", x->rdef->label, filter);
    } else if (x->field) {
        field_label(x->field, what, sizeof what);
        snprintf(out, n, "%s%s合计%s", x->rdef->label, what, filter);
    } else {
        char t[80];

        node_text(e, x->a, t, sizeof t);
        snprintf(out, n, "%s（%s）合计%s", x->rdef->label, t, filter);
    }
}

/* The Chinese name of a node for a reason: a global's label or its label. */
static void reason_label(const struct rs_expr *e, int i, struct rs_xctx *ctx, char *out,
                         size_t n)
{
    const struct rs_xnode *x = &e->n[i];

    if (x->op == RS_XO_NAME && ctx->env && ctx->env->label) {
        ctx->env->label(ctx->user, x->id, out, n);
        return;
    }
    rs_expr_label(e, i, out, n);
}

/* ------------------------------------------------------------ fields */

static const void *field_msg(const struct rs_xnode *x, const Rs__Record *r)
{
    if (!r)
        return NULL;
    if (!x->rdef)
        return r;
    if (r->body_case != x->rdef->type)
        return NULL;
    return rs_rtype_body(r);
}

static bool field_has(const ProtobufCFieldDescriptor *fd, const void *msg)
{
    if (fd->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = *(const char *const *)((const char *)msg + fd->offset);

        return s && s[0];
    }
    if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset)
        return *(const protobuf_c_boolean *)((const char *)msg + fd->quantifier_offset) != 0;
    return true;
}

/* "项目 P-2023-001" for a record, or the type label alone; a long key is
 * cut on a character boundary (n > 0). */
static void record_name(const Rs__Record *r, char *out, size_t n)
{
    const struct rs_rtype_def *def = rs_rtype_find(r->body_case);
    const char *key = rs_record_label_key(r);
    size_t len;

    (void)rs_utf8_copy(out, n, def ? def->label : "记录");
    len = strlen(out);
    if (key && rs_utf8_append(out, n, &len, " ", 1))
        (void)rs_utf8_append(out, n, &len, key, strlen(key));
}

static void eval_field(const struct rs_xnode *x, struct rs_xctx *ctx, struct rs_xval *out)
{
    const void *msg = field_msg(x, ctx->rec);
    const ProtobufCFieldDescriptor *fd = x->fd;
    const char *base = msg;
    char fl[64], rn[96];

    if (!msg || !field_has(fd, msg)) {
        field_label(x->field, fl, sizeof fl);
        ctx->missing = x->field;
        if (ctx->rec)
            record_name(ctx->rec, rn, sizeof rn);
        else
            snprintf(rn, sizeof rn, "记录");
        rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "%s未填报%s", rn, fl);
        return;
    }
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING:
        given(out, RS_XT_STR, 0, 1);
        out->str = *(const char *const *)(base + fd->offset);
        return;
    case PROTOBUF_C_TYPE_INT64: {
        int64_t v = *(const int64_t *)(base + fd->offset);

        if (x->field->kind == RS_FK_QUANTITY || x->field->kind == RS_FK_SCORE)
            given(out, RS_XT_NUM, v, 1000);
        else
            given(out, (enum rs_xtype)x->type, v, 1);
        if (out->den != 1)
            (void)set_frac(out, out->num, out->den, true);
        return;
    }
    case PROTOBUF_C_TYPE_UINT32:
        given(out, (enum rs_xtype)x->type, *(const uint32_t *)(base + fd->offset), 1);
        return;
    case PROTOBUF_C_TYPE_ENUM:
        given(out, RS_XT_ENUM, *(const int *)(base + fd->offset), 1);
        return;
    case PROTOBUF_C_TYPE_BOOL:
        given(out, RS_XT_BOOL, *(const protobuf_c_boolean *)(base + fd->offset) ? 1 : 0, 1);
        return;
    default:
        rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "字段%s无法读取", fd->name);
        return;
    }
}

/* ------------------------------------------------------------ evaluation */

static void eval(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out);

static void overflow(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out)
{
    char t[96];

    node_text(e, i, t, sizeof t);
    rs_xctx_absent(ctx, out, (enum rs_xtype)e->n[i].type, "数值超出可计算范围（%s）", t);
}

static void arith(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out)
{
    const struct rs_xnode *x = &e->n[i];
    struct rs_xval a, b;
    i128 num, den;
    bool reduce = true;

    eval(e, x->a, ctx, &a);
    if (a.state != RS_XS_GIVEN) {
        *out = a;
        out->type = x->type;
        return;
    }
    eval(e, x->b, ctx, &b);
    if (b.state != RS_XS_GIVEN) {
        *out = b;
        out->type = x->type;
        return;
    }
    switch ((enum rs_xop)x->op) {
    case RS_XO_ADD:
    case RS_XO_SUB:
        if (a.den == b.den) {
            num = x->op == RS_XO_ADD ? (i128)a.num + b.num : (i128)a.num - b.num;
            den = a.den;
            reduce = den != 1;
        } else {
            num = x->op == RS_XO_ADD ? (i128)a.num * b.den + (i128)b.num * a.den
                                     : (i128)a.num * b.den - (i128)b.num * a.den;
            den = (i128)a.den * b.den;
        }
        break;
    case RS_XO_MUL:
        num = (i128)a.num * b.num;
        den = (i128)a.den * b.den;
        reduce = den != 1;
        break;
    default:
        if (b.num == 0) {
            char l[96];

            reason_label(e, x->b, ctx, l, sizeof l);
            rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "%s为0，除数为0", l);
            return;
        }
        num = (i128)a.num * b.den;
        den = (i128)a.den * b.num;
        reduce = !(a.den == 1 && b.den == 1);
        break;
    }
    given(out, (enum rs_xtype)x->type, 0, 1);
    out->src = a.src >= 0 ? a.src : b.src;
    if (!set_frac(out, num, den, reduce))
        overflow(e, i, ctx, out);
}

static void compare(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out)
{
    const struct rs_xnode *x = &e->n[i];
    struct rs_xval a, b;
    int c;
    bool r;

    eval(e, x->a, ctx, &a);
    eval(e, x->b, ctx, &b);
    if (a.state != RS_XS_GIVEN || b.state != RS_XS_GIVEN) {
        *out = a.state != RS_XS_GIVEN ? a : b;
        out->type = RS_XT_BOOL;
        return;
    }
    c = rs_xval_cmp(&a, &b);
    switch ((enum rs_xop)x->op) {
    case RS_XO_EQ:
        r = c == 0;
        break;
    case RS_XO_NE:
        r = c != 0;
        break;
    case RS_XO_LT:
        r = c < 0;
        break;
    case RS_XO_LE:
        r = c <= 0;
        break;
    case RS_XO_GT:
        r = c > 0;
        break;
    default:
        r = c >= 0;
        break;
    }
    given(out, RS_XT_BOOL, r, 1);
}

static void logic(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out)
{
    const struct rs_xnode *x = &e->n[i];
    struct rs_xval a, b;

    eval(e, x->a, ctx, &a);
    if (x->op == RS_XO_NOT) {
        *out = a;
        if (a.state == RS_XS_GIVEN)
            out->num = !a.num;
        return;
    }
    /* false and anything is false; true or anything is true. */
    if (a.state == RS_XS_GIVEN && a.num == (x->op == RS_XO_OR)) {
        *out = a;
        return;
    }
    eval(e, x->b, ctx, &b);
    if (b.state == RS_XS_GIVEN && b.num == (x->op == RS_XO_OR)) {
        *out = b;
        return;
    }
    *out = a.state != RS_XS_GIVEN ? a : b;
}

/* Counts a record a filter left out. */
static void tally(struct rs_xctx *ctx, const struct rs_rtype_def *def, const struct rs_field *f,
                  bool unknown)
{
    struct rs_xtally *t;
    char fl[64];

    for (size_t k = 0; k < ctx->ntallies; k++) {
        t = &ctx->tally[k];
        if (t->rdef == def && t->field == f && t->unknown == unknown) {
            t->n++;
            return;
        }
    }
    if (ctx->ntallies == RS_XCTX_MAX_TALLIES)
        return;
    t = &ctx->tally[ctx->ntallies++];
    t->rdef = def;
    t->field = f;
    t->unknown = unknown;
    t->n = 1;
    if (f) {
        field_label(f, fl, sizeof fl);
        t->field_label = rs_xctx_text(ctx, rs_xctx_add(ctx, "%s", fl));
    } else {
        t->field_label = "";
    }
}

static void aggregate(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out)
{
    const struct rs_xnode *x = &e->n[i];
    const Rs__Record *saved = ctx->rec;
    const Rs__Record *const *recs = NULL;
    size_t n = 0, matched = 0, lacking = 0, unknown = 0, ungiven = 0;
    struct rs_xval acc, first_bad;
    const struct rs_field *unknown_field = NULL, *ungiven_field = NULL;
    bool bad = false;

    if (ctx->env && ctx->env->records)
        recs = ctx->env->records(ctx->user, x->rdef->type, &n);
    if (!recs || n == 0) {
        rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "没有%s记录", x->rdef->label);
        return;
    }
    given(&acc, (enum rs_xtype)x->type, 0, 1);
    memset(&first_bad, 0, sizeof first_bad);
    for (size_t k = 0; k < n; k++) {
        struct rs_xval w, v;

        ctx->rec = recs[k];
        if (x->where >= 0) {
            ctx->missing = NULL;
            ctx->not_given = NULL;
            eval(e, x->where, ctx, &w);
            if (w.state != RS_XS_GIVEN) {
                tally(ctx, x->rdef, ctx->missing, true);
                if (!unknown++)
                    unknown_field = ctx->missing;
                continue;
            }
            if (!w.num) {
                if (ctx->not_given) {
                    tally(ctx, x->rdef, ctx->not_given, false);
                    if (!ungiven++)
                        ungiven_field = ctx->not_given;
                }
                continue;
            }
        }
        matched++;
        if (x->op == RS_XO_COUNT)
            continue;
        eval(e, x->a, ctx, &v);
        if (v.state != RS_XS_GIVEN) {
            if (!bad)
                first_bad = v;
            bad = true;
            lacking++;
            continue;
        }
        if (!bad) {
            i128 num, den;
            bool reduce = true;

            if (acc.den == v.den) {
                num = (i128)acc.num + v.num;
                den = acc.den;
                reduce = den != 1;
            } else {
                num = (i128)acc.num * v.den + (i128)v.num * acc.den;
                den = (i128)acc.den * v.den;
            }
            if (!set_frac(&acc, num, den, reduce)) {
                ctx->rec = saved;
                overflow(e, i, ctx, out);
                return;
            }
        }
    }
    ctx->rec = saved;
    if (unknown == n) {
        /* No record could be judged: the count or sum is not known, not 0. */
        char fl[64] = "所需数据";

        if (unknown_field)
            field_label(unknown_field, fl, sizeof fl);
        rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "没有一条%s记录填报%s（共%zu条），无法判断",
                       x->rdef->label, fl, n);
        return;
    }
    if (x->op == RS_XO_SUM && matched == 0 && ungiven > 0) {
        /* A sum over the records that give a field, when none does, is not
         * known: not 0.  (Records a filter cannot judge are tallied and the
         * sum is over the rest, as a count is.) */
        char fl[64] = "所需数据";
        const struct rs_field *f = ungiven_field;

        if (f)
            field_label(f, fl, sizeof fl);
        rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "%s记录均未填报%s（共%zu条）",
                       x->rdef->label, fl, n);
        return;
    }
    if (x->op == RS_XO_SUM && matched == 0 && x->where >= 0 &&
        !rs_rtype_is_township(x->rdef->type)) {
        /* The unit's own rows (三公 by kind, budget lines): none of the kind
         * asked for was entered, which is not an entry of 0. */
        rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "没有符合条件的%s记录（已填报%zu条，均不符合）",
                       x->rdef->label, n);
        return;
    }
    if (bad) {
        *out = first_bad;
        out->type = x->type;
        if (lacking > 1)
            out->why = (int16_t)rs_xctx_add(ctx, "%s（共%zu条记录未填报）",
                                            rs_xctx_text(ctx, first_bad.why), lacking);
        return;
    }
    if (x->op == RS_XO_COUNT)
        acc.num = (int64_t)matched;
    *out = acc;
    out->src = (int16_t)rs_xctx_add(ctx, "%s记录%zu条%s", x->rdef->label, n,
                                    rs_rtype_is_township(x->rdef->type) && ctx->note
                                        ? ctx->note
                                        : "");
}

static void call(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out)
{
    const struct rs_xnode *x = &e->n[i];
    struct rs_xval a, b;
    int arg = x->b;

    switch ((enum rs_xop)x->op) {
    case RS_XO_COALESCE:
        /* The first given argument.  If none is, the reason that says most:
         * the first naming a missing field ("...未填报..."), else the last
         * ("没有...记录"). */
        eval(e, arg, ctx, &b);
        for (arg = e->n[arg].next; arg >= 0 && b.state != RS_XS_GIVEN; arg = e->n[arg].next) {
            eval(e, arg, ctx, &a);
            if (a.state == RS_XS_GIVEN ||
                strncmp(rs_xctx_text(ctx, b.why), "没有", strlen("没有")) == 0)
                b = a;
        }
        *out = b;
        out->type = x->type;
        return;
    case RS_XO_GIVEN:
        ctx->not_given = NULL;
        eval(e, arg, ctx, &a);
        given(out, RS_XT_BOOL, a.state == RS_XS_GIVEN, 1);
        if (a.state != RS_XS_GIVEN && e->n[arg].op == RS_XO_FIELD)
            ctx->not_given = e->n[arg].field;
        return;
    case RS_XO_KNOWN:
        /* Whether the condition can be judged; what it lacks is the
         * numerator's to tally, not this filter's. */
        eval(e, arg, ctx, &a);
        given(out, RS_XT_BOOL, a.state == RS_XS_GIVEN, 1);
        ctx->not_given = NULL;
        ctx->missing = NULL;
        return;
    case RS_XO_MIN:
    case RS_XO_MAX:
        eval(e, arg, ctx, out);
        for (arg = e->n[arg].next; arg >= 0 && out->state == RS_XS_GIVEN; arg = e->n[arg].next) {
            eval(e, arg, ctx, &a);
            if (a.state != RS_XS_GIVEN || (x->op == RS_XO_MIN ? rs_xval_cmp(&a, out) < 0
                                                               : rs_xval_cmp(&a, out) > 0))
                *out = a;
        }
        out->type = x->type;
        return;
    case RS_XO_ABS:
        eval(e, arg, ctx, out);
        if (out->state == RS_XS_GIVEN && out->num < 0) {
            if (out->num == INT64_MIN)
                overflow(e, i, ctx, out);
            else
                out->num = -out->num;
        }
        return;
    case RS_XO_IF:
        eval(e, arg, ctx, &a);
        if (a.state != RS_XS_GIVEN) {
            *out = a;
            out->type = x->type;
            return;
        }
        arg = e->n[arg].next;
        if (!a.num)
            arg = e->n[arg].next;
        eval(e, arg, ctx, out);
        return;
    case RS_XO_WHOLE_FEN:
    case RS_XO_WHOLE:
        eval(e, arg, ctx, &a);
        if (a.state != RS_XS_GIVEN) {
            *out = a;
            out->type = RS_XT_BOOL;
            return;
        }
        given(out, RS_XT_BOOL, a.num % a.den == 0, 1);
        return;
    case RS_XO_CONTAINS: {
        const char *needle = e->strs + e->n[e->n[arg].next].num;

        eval(e, arg, ctx, &a);
        if (a.state != RS_XS_GIVEN) {
            *out = a;
            out->type = RS_XT_BOOL;
            return;
        }
        given(out, RS_XT_BOOL, a.str && strstr(a.str, needle) != NULL, 1);
        return;
    }
    default:
        if (ctx->env && ctx->env->answer) {
            ctx->env->answer(ctx->user, ctx, (enum rs_xop)x->op, out);
            return;
        }
        rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "没有评审答复");
        return;
    }
}

static void eval(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out)
{
    const struct rs_xnode *x = &e->n[i];

    switch ((enum rs_xop)x->op) {
    case RS_XO_NUM:
        given(out, (enum rs_xtype)x->type, x->num, x->den);
        return;
    case RS_XO_STR:
        given(out, RS_XT_STR, 0, 1);
        out->str = e->strs + x->num;
        return;
    case RS_XO_ENUMV:
        given(out, RS_XT_ENUM, x->num, 1);
        return;
    case RS_XO_NAME:
        if (ctx->env && ctx->env->name && ctx->depth < RS_EXPR_MAX_DEPTH) {
            ctx->depth++;
            ctx->env->name(ctx->user, ctx, x->id, out);
            ctx->depth--;
        } else {
            rs_xctx_absent(ctx, out, (enum rs_xtype)x->type, "引用层次过深");
        }
        out->type = x->type;
        return;
    case RS_XO_FIELD:
        eval_field(x, ctx, out);
        return;
    case RS_XO_NEG:
        eval(e, x->a, ctx, out);
        if (out->state == RS_XS_GIVEN) {
            if (out->num == INT64_MIN)
                overflow(e, i, ctx, out);
            else
                out->num = -out->num;
        }
        return;
    case RS_XO_ADD:
    case RS_XO_SUB:
    case RS_XO_MUL:
    case RS_XO_DIV:
        arith(e, i, ctx, out);
        return;
    case RS_XO_EQ:
    case RS_XO_NE:
    case RS_XO_LT:
    case RS_XO_LE:
    case RS_XO_GT:
    case RS_XO_GE:
        compare(e, i, ctx, out);
        return;
    case RS_XO_AND:
    case RS_XO_OR:
    case RS_XO_NOT:
        logic(e, i, ctx, out);
        return;
    case RS_XO_COUNT:
    case RS_XO_SUM:
        aggregate(e, i, ctx, out);
        return;
    default:
        call(e, i, ctx, out);
        return;
    }
}

void rs_expr_eval(const struct rs_expr *e, struct rs_xctx *ctx, struct rs_xval *out)
{
    eval(e, e->root, ctx, out);
}

void rs_expr_eval_node(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out)
{
    if (i < 0 || (size_t)i >= e->nn) {
        rs_xctx_absent(ctx, out, RS_XT_NUM, "没有该项");
        return;
    }
    eval(e, i, ctx, out);
}

/* ------------------------------------------------------------ inputs */

static bool same_input(const struct rs_expr *e, int a, int b)
{
    const struct rs_xnode *x = &e->n[a], *y = &e->n[b];

    if (x->op != y->op)
        return false;
    if (x->op == RS_XO_NAME)
        return x->id == y->id;
    if (x->op == RS_XO_FIELD)
        return x->field == y->field;
    if (x->op >= RS_XO_CHECKLIST && x->op <= RS_XO_ITEMS_TOTAL)
        return true;
    return x->len == y->len && memcmp(e->src + x->pos, e->src + y->pos, x->len) == 0;
}

static void walk_inputs(const struct rs_expr *e, int i, int *idx, size_t max, size_t *n)
{
    const struct rs_xnode *x;

    if (i < 0)
        return;
    x = &e->n[i];
    if (x->op == RS_XO_NAME || x->op == RS_XO_FIELD || x->op == RS_XO_COUNT ||
        x->op == RS_XO_SUM || (x->op >= RS_XO_CHECKLIST && x->op <= RS_XO_ITEMS_TOTAL)) {
        for (size_t k = 0; k < *n && k < max; k++) {
            if (same_input(e, idx[k], i))
                return;
        }
        if (*n < max)
            idx[*n] = i;
        (*n)++;
        return;
    }
    walk_inputs(e, x->a, idx, max, n);
    if (x->op == RS_XO_NEG || x->op == RS_XO_NOT)
        return;
    if (x->op >= RS_XO_COALESCE) {
        for (int arg = x->b; arg >= 0; arg = e->n[arg].next)
            walk_inputs(e, arg, idx, max, n);
        return;
    }
    walk_inputs(e, x->b, idx, max, n);
}

size_t rs_expr_inputs(const struct rs_expr *e, int *idx, size_t max)
{
    size_t n = 0;

    walk_inputs(e, e->root, idx, max, &n);
    return n;
}

bool rs_expr_sides(const struct rs_expr *e, int *left, int *right, enum rs_xop *op)
{
    const struct rs_xnode *x = &e->n[e->root];

    if (x->op < RS_XO_EQ || x->op > RS_XO_GE)
        return false;
    *left = x->a;
    *right = x->b;
    *op = (enum rs_xop)x->op;
    return true;
}

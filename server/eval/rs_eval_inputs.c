/*
 * rs_eval_inputs.c - the built-in inputs of formulas, named from the
 * record-type table, and their values (rs_eval_inputs.h).
 *
 * An input's number packs where it is: the record type (its body case),
 * the kind of a per-kind type (a BudgetLineKind or SanGongKind value, 0
 * otherwise) and the field's row in the table; the relief sums are rows
 * 100 to 104 of the relief type.  Nothing is listed by hand: a field added
 * to the table (a money or count field of these types) is an input at once.
 *
 * Does not: parse expressions (rs_expr.h) or know the library's entries.
 */
#include <stdio.h>
#include <string.h>

#include "rs_eval.h"
#include "rs_eval_inputs.h"
#include "rs_eval_text.h"
#include "rs_rtype.h"

#define ID(body, kind, row) (((uint32_t)(body) << 16) | ((uint32_t)(kind) << 8) | (uint32_t)(row))
#define ID_BODY(id) ((rs_rtype)(((id) >> 16) & 0xFFu))
#define ID_KIND(id) ((int)(((id) >> 8) & 0xFFu))
#define ID_ROW(id) ((size_t)((id) & 0xFFu))
#define RELIEF_ROW 100

static const rs_rtype singles[] = {RS__RECORD__BODY_STAFFING, RS__RECORD__BODY_PROCUREMENT,
                                   RS__RECORD__BODY_CARRY_OVER, RS__RECORD__BODY_FIXED_ASSETS};

static const struct {
    const char *name, *label;
    enum rs_xtype type;
    const char *unit;
} relief_sums[] = {
    {"records", "救助记录数", RS_XT_NUM, "条"},
    {"delivered", "已发放救助记录数", RS_XT_NUM, "条"},
    {"amount", "救助资金合计", RS_XT_MONEY, ""},
    {"households", "受益移民户数（不重复户）", RS_XT_NUM, "户"},
    {"judged", "可判断是否发放的救助记录数", RS_XT_NUM, "条"},
};

/* The enum of the kinds of a per-kind type, or NULL for a single type. */
static const ProtobufCEnumDescriptor *kinds_of(rs_rtype t)
{
    if (t == RS__RECORD__BODY_BUDGET_LINE)
        return &rs__budget_line_kind__descriptor;
    if (t == RS__RECORD__BODY_SAN_GONG)
        return &rs__san_gong_kind__descriptor;
    return NULL;
}

static bool single(rs_rtype t)
{
    for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++) {
        if (singles[i] == t)
            return true;
    }
    return false;
}

/* A field that is an input: money or a count, with a field of its own. */
static bool eligible(const struct rs_field *f)
{
    return !(f->flags & RS_FF_CSV_ONLY) && (f->kind == RS_FK_MONEY || f->kind == RS_FK_COUNT);
}

static bool ascii_ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];

        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

static bool in_aliases(const char *list, const char *s, size_t n)
{
    for (const char *p = list; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t k = bar ? (size_t)(bar - p) : strlen(p);

        if (k == n && memcmp(p, s, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* The first alias of a field, else its column. */
static void field_name(const struct rs_field *f, char *out, size_t n)
{
    const char *bar = strchr(f->aliases, '|');
    size_t k = bar ? (size_t)(bar - f->aliases) : strlen(f->aliases);

    if (k == 0)
        snprintf(out, n, "%s", f->column);
    else
        snprintf(out, n, "%.*s", (int)k, f->aliases);
}

bool rs_eval_input_find(const char *s, uint32_t *id, enum rs_xtype *type)
{
    const char *seg[3];
    size_t len[3], nseg = 0;
    const char *p = s;
    char tname[64];
    const struct rs_rtype_def *def;
    const ProtobufCEnumDescriptor *kd;
    rs_rtype t;
    int kind = 0;

    while (nseg < 3) {
        const char *dot = strchr(p, '.');

        seg[nseg] = p;
        len[nseg] = dot ? (size_t)(dot - p) : strlen(p);
        nseg++;
        if (!dot)
            break;
        p = dot + 1;
    }
    if (strchr(p, '.') || nseg < 2 || len[0] >= sizeof tname)
        return false;
    memcpy(tname, seg[0], len[0]);
    tname[len[0]] = '\0';
    t = rs_rtype_parse(tname);
    if (t == RS__RECORD__BODY_RELIEF && nseg == 2) {
        for (size_t i = 0; i < sizeof relief_sums / sizeof relief_sums[0]; i++) {
            if (ascii_ieq(seg[1], len[1], relief_sums[i].name)) {
                *id = ID(t, 0, RELIEF_ROW + i);
                *type = relief_sums[i].type;
                return true;
            }
        }
        return false;
    }
    def = rs_rtype_find(t);
    kd = kinds_of(t);
    if (!def || (kd ? nseg != 3 : (nseg != 2 || !single(t))))
        return false;
    if (kd && (!rs_enum_parse(kd, seg[1], len[1], &kind) || kind <= 0 || kind > 0xFF))
        return false;
    for (size_t i = 0; i < def->nfields; i++) {
        const struct rs_field *f = &def->fields[i];
        size_t k = nseg - 1;

        if (!eligible(f))
            continue;
        if (ascii_ieq(seg[k], len[k], f->column) || in_aliases(f->aliases, seg[k], len[k])) {
            *id = ID(t, kind, i);
            *type = f->kind == RS_FK_MONEY ? RS_XT_MONEY : RS_XT_NUM;
            return true;
        }
    }
    return false;
}

static const struct rs_field *row_of(uint32_t id)
{
    const struct rs_rtype_def *def = rs_rtype_find(ID_BODY(id));

    if (!def || ID_ROW(id) >= def->nfields)
        return NULL;
    return &def->fields[ID_ROW(id)];
}

/* "人员经费" / "预算合计" / "公务接待费" for a kind; "" for a single type. */
static const char *kind_name(rs_rtype t, int kind)
{
    if (t == RS__RECORD__BODY_BUDGET_LINE && kind == RS__BUDGET_LINE_KIND__LINE_TOTAL)
        return "预算合计";
    return kinds_of(t) ? rs_enum_display(kinds_of(t), kind) : "";
}

void rs_eval_input_label(uint32_t id, char *out, size_t n)
{
    const struct rs_field *f;
    char fn[64];

    if (ID_BODY(id) == RS__RECORD__BODY_RELIEF && ID_ROW(id) >= RELIEF_ROW &&
        ID_ROW(id) - RELIEF_ROW < sizeof relief_sums / sizeof relief_sums[0]) {
        snprintf(out, n, "%s", relief_sums[ID_ROW(id) - RELIEF_ROW].label);
        return;
    }
    f = row_of(id);
    if (!f) {
        snprintf(out, n, "?");
        return;
    }
    field_name(f, fn, sizeof fn);
    rs_eval_fmt(out, n, "%s%s", kind_name(ID_BODY(id), ID_KIND(id)), fn);
}

const char *rs_eval_input_unit(uint32_t id)
{
    const struct rs_field *f;

    if (ID_BODY(id) == RS__RECORD__BODY_RELIEF && ID_ROW(id) >= RELIEF_ROW &&
        ID_ROW(id) - RELIEF_ROW < sizeof relief_sums / sizeof relief_sums[0])
        return relief_sums[ID_ROW(id) - RELIEF_ROW].unit;
    f = row_of(id);
    return f && f->kind == RS_FK_COUNT && f->unit ? f->unit : "";
}

bool rs_eval_input_at(size_t i, char *out, size_t n, uint32_t *id)
{
    static const rs_rtype keyed[] = {RS__RECORD__BODY_BUDGET_LINE, RS__RECORD__BODY_SAN_GONG};
    char slug[RS_ENUM_SLUG_MAX];

    for (size_t s = 0; s < sizeof singles / sizeof singles[0]; s++) {
        const struct rs_rtype_def *def = rs_rtype_find(singles[s]);

        for (size_t r = 0; def && r < def->nfields; r++) {
            if (!eligible(&def->fields[r]))
                continue;
            if (i-- == 0) {
                snprintf(out, n, "%s.%s", def->name, def->fields[r].column);
                *id = ID(singles[s], 0, r);
                return true;
            }
        }
    }
    for (size_t s = 0; s < sizeof keyed / sizeof keyed[0]; s++) {
        const struct rs_rtype_def *def = rs_rtype_find(keyed[s]);
        const ProtobufCEnumDescriptor *kd = kinds_of(keyed[s]);

        for (unsigned k = 1; def && k < kd->n_values; k++) {
            for (size_t r = 0; r < def->nfields; r++) {
                if (!eligible(&def->fields[r]))
                    continue;
                if (i-- == 0) {
                    snprintf(out, n, "%s.%s.%s", def->name,
                             rs_enum_slug(kd, kd->values[k].value, slug), def->fields[r].column);
                    *id = ID(keyed[s], kd->values[k].value, r);
                    return true;
                }
            }
        }
    }
    if (i < sizeof relief_sums / sizeof relief_sums[0]) {
        snprintf(out, n, "relief.%s", relief_sums[i].name);
        *id = ID(RS__RECORD__BODY_RELIEF, 0, RELIEF_ROW + i);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------ values */

/* Reads an int64 or uint32 field of msg; false if it is absent. */
static bool read_num(const void *msg, const ProtobufCFieldDescriptor *fd, int64_t *v)
{
    const char *base = msg;

    if (fd->quantifier_offset && !*(const protobuf_c_boolean *)(base + fd->quantifier_offset))
        return false;
    if (fd->type == PROTOBUF_C_TYPE_INT64)
        *v = *(const int64_t *)(base + fd->offset);
    else if (fd->type == PROTOBUF_C_TYPE_UINT32)
        *v = *(const uint32_t *)(base + fd->offset);
    else
        return false;
    return true;
}

static void given(struct rs_xval *v, enum rs_xtype t, int64_t num, int src)
{
    memset(v, 0, sizeof *v);
    v->state = RS_XS_GIVEN;
    v->type = (uint8_t)t;
    v->num = num;
    v->den = 1;
    v->why = -1;
    v->src = (int16_t)src;
}

/* The field of one record; absent "<what>未填报<field>". */
static void from_record(const Rs__Record *r, const struct rs_field *f, const char *what,
                        struct rs_xctx *ctx, struct rs_xval *out)
{
    const struct rs_rtype_def *def = rs_rtype_find(r->body_case);
    const ProtobufCFieldDescriptor *fd =
        def ? protobuf_c_message_descriptor_get_field_by_name(def->desc, f->name) : NULL;
    enum rs_xtype t = f->kind == RS_FK_MONEY ? RS_XT_MONEY : RS_XT_NUM;
    const void *body = rs_rtype_body(r);
    char fn[64], lab[96];
    int64_t v;

    field_name(f, fn, sizeof fn);
    if (!fd || !body || !read_num(body, fd, &v)) {
        rs_xctx_absent(ctx, out, t, "%s未填报%s", what, fn);
        return;
    }
    rs_eval_rec_label(r, lab, sizeof lab);
    given(out, t, v, rs_xctx_add(ctx, "%s", lab));
}

static void staffing_value(const struct rs_eval_unit *u, const struct rs_field *f,
                           struct rs_xctx *ctx, struct rs_xval *out)
{
    enum rs_xtype t = f->kind == RS_FK_MONEY ? RS_XT_MONEY : RS_XT_NUM;
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(&rs__staffing__descriptor, f->name);
    int64_t sum = 0, v;
    char fn[64];

    if (u->staffing) {
        from_record(u->staffing, f, "人员编制记录", ctx, out);
        return;
    }
    if (u->nsub == 0) {
        rs_xctx_absent(ctx, out, t, "没有人员编制记录");
        return;
    }
    /* The sub-units' sums; each must give the field. */
    field_name(f, fn, sizeof fn);
    for (size_t i = 0; i < u->nsub; i++) {
        if (!fd || !read_num(u->staff_sub[i]->staffing, fd, &v)) {
            rs_xctx_absent(ctx, out, t, "二级单位%s未填报%s",
                           u->staff_sub[i]->staffing->sub_unit, fn);
            return;
        }
        sum += v;
    }
    given(out, t, sum, rs_xctx_add(ctx, "人员编制记录%zu条（二级单位合计）", u->nsub));
}

void rs_eval_input_value(const struct rs_eval_result *res, uint32_t id, struct rs_xctx *ctx,
                         struct rs_xval *out)
{
    const struct rs_eval_unit *u = &res->unit;
    rs_rtype t = ID_BODY(id);
    int kind = ID_KIND(id);
    const struct rs_field *f;
    const Rs__Record *r = NULL;
    char what[96];

    if (t == RS__RECORD__BODY_RELIEF) {
        const struct rs_eval_town *tot = &res->total;
        size_t k = ID_ROW(id) - RELIEF_ROW;
        int64_t v = k == 0   ? tot->rl_n
                    : k == 1 ? tot->rl_delivered
                    : k == 2 ? tot->rl_fen
                    : k == 3 ? tot->rl_households
                             : tot->rl_judged;

        if (tot->rl_n == 0) {
            rs_xctx_absent(ctx, out, k == 2 ? RS_XT_MONEY : RS_XT_NUM, "没有救助记录");
            return;
        }
        if (k == 2 && tot->rl_no_amount) {
            /* A sum with a part nobody entered is not known. */
            rs_xctx_absent(ctx, out, RS_XT_MONEY, "救助金额未填报（共%u条救助记录未填报）",
                           tot->rl_no_amount);
            return;
        }
        if (k == 4 && tot->rl_judged == 0) {
            rs_xctx_absent(ctx, out, RS_XT_NUM, "救助记录均未填报救助金额（共%u条），无法判断是否发放",
                           tot->rl_n);
            return;
        }
        if ((k == 1 || k == 4) && tot->rl_judged < tot->rl_n) {
            given(out, RS_XT_NUM, v,
                  rs_xctx_add(ctx, "救助记录%u条，其中%u条未填报救助金额（无法判断是否发放，未计入）%s",
                              tot->rl_n, tot->rl_n - tot->rl_judged, ctx->note ? ctx->note : ""));
            return;
        }
        given(out, k == 2 ? RS_XT_MONEY : RS_XT_NUM, v,
              rs_xctx_add(ctx, "救助记录%u条%s", tot->rl_n, ctx->note ? ctx->note : ""));
        return;
    }
    f = row_of(id);
    if (!f) {
        rs_xctx_absent(ctx, out, RS_XT_NUM, "没有该数据");
        return;
    }
    switch (t) {
    case RS__RECORD__BODY_STAFFING:
        staffing_value(u, f, ctx, out);
        return;
    case RS__RECORD__BODY_PROCUREMENT:
        r = u->procurement;
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        r = u->carry;
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        r = u->assets;
        break;
    case RS__RECORD__BODY_BUDGET_LINE:
        r = kind > 0 && kind < (int)RS_EVAL_NLINES ? u->line[kind].rec : NULL;
        break;
    case RS__RECORD__BODY_SAN_GONG:
        r = kind > 0 && kind < (int)RS_EVAL_NSANGONG ? u->sg[kind].rec : NULL;
        break;
    default:
        break;
    }
    if (t == RS__RECORD__BODY_BUDGET_LINE && kind == RS__BUDGET_LINE_KIND__LINE_TOTAL)
        RS_SF(what, "预算合计行");
    else if (t == RS__RECORD__BODY_BUDGET_LINE)
        RS_SF(what, "%s预算行", kind_name(t, kind));
    else if (t == RS__RECORD__BODY_SAN_GONG)
        RS_SF(what, "“三公”经费%s", kind_name(t, kind));
    else
        RS_SF(what, "%s记录", rs_rtype_label(t));
    if (!r) {
        rs_xctx_absent(ctx, out, f->kind == RS_FK_MONEY ? RS_XT_MONEY : RS_XT_NUM, "没有%s%s",
                       what, t == RS__RECORD__BODY_SAN_GONG ? "记录" : "");
        return;
    }
    from_record(r, f, what, ctx, out);
}

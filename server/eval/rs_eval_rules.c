/*
 * rs_eval_rules.c - the consistency checks written as data: the rules of
 * the framework's check file (rs_flib.h), run over a result.
 *
 * A rule of scope `unit` is evaluated once over the figures (consolidated
 * results only); a rule of a record type once per current record of that
 * type in scope (its `where` first): the township records of the
 * evaluation's divisions, or the unit's slots (each budget line and 三公
 * component, the total kinds included; the unit's and each sub-unit's
 * staffing; the one procurement, carry-over or fixed-assets record).  An
 * assertion that holds adds nothing; one that fails adds a finding of the
 * rule's code and severity that shows what was found (the left side) and
 * what was expected (the right side), each with its inputs, and their
 * difference; one that cannot be decided because an operand is absent adds
 * nothing, or a note naming what is missing if the rule says so.  A
 * tolerance widens each comparison by its amount.
 *
 * Does not: hold any rule itself, or run the checks that are not
 * arithmetic (rs_eval_check.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rs_eval_steps.h"
#include "rs_eval_text.h"
#include "rs_util.h"

__extension__ typedef __int128 i128;

/* Money of a finding is shown in 元 if both sides are below 1万元. */
#define SMALL_FEN 1000000

static const char *op_text(enum rs_xop op)
{
    switch (op) {
    case RS_XO_EQ:
        return "=";
    case RS_XO_NE:
        return "≠";
    case RS_XO_LT:
        return "<";
    case RS_XO_LE:
        return "≤";
    case RS_XO_GT:
        return ">";
    default:
        return "≥";
    }
}

/* |v| < 1万元 for a given money value (or anything else). */
static bool small(const struct rs_xval *v)
{
    if (v->state != RS_XS_GIVEN || v->type != RS_XT_MONEY)
        return true;
    return (v->num < 0 ? -(i128)v->num : (i128)v->num) < (i128)SMALL_FEN * v->den;
}

/* A node's value for a reader, in the finding's money unit. */
static void show_node(const struct rs_eval_result *res, const struct rs_expr *e, int i,
                      const struct rs_xval *v, const struct rs_xctx *ctx, bool yuan, char *label,
                      size_t ln, char out[48])
{
    struct rs_eval_shown sh = rs_eval_input_kind(res, e, i, label, ln);

    if (e->n[i].type == RS_XT_DATE) {
        if (v->state == RS_XS_GIVEN) {
            char dt[11];

            rs_date_format((uint32_t)v->num, dt);
            snprintf(out, 48, "%s", dt);
        } else {
            snprintf(out, 48, "未填报");
        }
        return;
    }
    if (sh.kind == RS_VK_MONEY)
        sh.unit = yuan ? "元" : "万元";
    if (e->n[i].op != RS_XO_NAME && e->n[i].op != RS_XO_FIELD && e->n[i].type == RS_XT_NUM &&
        sh.kind == RS_VK_COUNT)
        sh.unit = "";
    rs_eval_show_value(v, sh.kind, sh.unit, rs_xctx_text(ctx, v->why), out);
}

/* "调整后预算716.41万元、年初预算48.00万元": the inputs of the subtree at i. */
static void inputs_text(const struct rs_eval_result *res, const struct rs_expr *e, int i,
                        struct rs_xctx *ctx, bool yuan, char *out, size_t n)
{
    struct rs_expr sub = *e;
    int idx[6];
    size_t m, len = 0;

    out[0] = '\0';
    sub.root = (int16_t)i;
    m = rs_expr_inputs(&sub, idx, 6);
    for (size_t k = 0; k < m && k < 6 && len + 1 < n; k++) {
        struct rs_xval iv;
        char il[96], ivs[48];

        rs_expr_eval_node(e, idx[k], ctx, &iv);
        show_node(res, e, idx[k], &iv, ctx, yuan, il, sizeof il, ivs);
        rs_eval_fmt(out + len, n - len, "%s%s%s", k ? "、" : "", il, ivs);
        len = strlen(out);
    }
}

/* "668.41万元（调整后预算716.41万元、年初预算48.00万元）": node i and the
 * inputs under it, unless it is an input itself. */
static void side_text(const struct rs_eval_result *res, const struct rs_expr *e, int i,
                      struct rs_xctx *ctx, bool yuan, char *out, size_t n)
{
    const struct rs_xnode *x = &e->n[i];
    struct rs_xval v;
    char label[96], value[48], in[260];

    rs_expr_eval_node(e, i, ctx, &v);
    show_node(res, e, i, &v, ctx, yuan, label, sizeof label, value);
    if (x->op == RS_XO_NAME && !(x->id & RS_FLIB_INPUT) && x->id < res->fw->lib->n) {
        /* A figure of the library: the inputs of its own formula. */
        const struct rs_expr *fe = res->fw->lib->e[x->id].expr;

        if (fe->n[fe->root].op == RS_XO_NAME) {
            rs_eval_fmt(out, n, "%s", value);
            return;
        }
        inputs_text(res, fe, fe->root, ctx, yuan, in, sizeof in);
    } else if (x->op == RS_XO_NAME || x->op == RS_XO_FIELD || x->op == RS_XO_NUM) {
        rs_eval_fmt(out, n, "%s", value);
        return;
    } else {
        inputs_text(res, e, i, ctx, yuan, in, sizeof in);
    }
    rs_eval_fmt(out, n, in[0] ? "%s（%s）" : "%s%s", value, in);
}

/* The rule's text with {} replaced by the record's name. */
static void rule_text(const struct rs_flib_check *c, const Rs__Record *r, char *out, size_t n)
{
    const char *mark = strstr(c->text, "{}");
    const char *key = r ? rs_record_label_key(r) : NULL;

    if (!mark) {
        rs_eval_copy(out, n, c->text);
        return;
    }
    if (!key)
        key = r ? rs_rtype_label(r->body_case) : "";
    rs_eval_fmt(out, n, "%.*s%s%s", (int)(mark - c->text), c->text, key, mark + 2);
}

/* L op R with the tolerance: true if it holds. */
static bool holds(const struct rs_flib_check *c, enum rs_xop op, const struct rs_xval *l,
                  const struct rs_xval *r)
{
    /* d = L - R, compared with tol as fractions: d*ld*... in 128 bits. */
    i128 dn = (i128)l->num * r->den - (i128)r->num * l->den, dd = (i128)l->den * r->den;
    i128 tn = c->tol_num, td = c->tol_den;
    i128 lhs = dn * td, tol = tn * dd;        /* compare d with tol: lhs vs tol (dd, td > 0) */

    switch (op) {
    case RS_XO_EQ:
        return lhs <= tol && -lhs <= tol;
    case RS_XO_NE:
        return lhs > tol || -lhs > tol;
    case RS_XO_LT:
        return lhs < tol;
    case RS_XO_LE:
        return lhs <= tol;
    case RS_XO_GT:
        return -lhs < tol;
    default:
        return -lhs <= tol;
    }
}

/* "，相差+2000.00元" for an equality that failed. */
static void difference(const struct rs_xval *l, const struct rs_xval *r, bool yuan,
                       const char *unit, char *out, size_t n)
{
    struct rs_xval d = *l;
    char v[48];
    i128 dn = (i128)l->num * r->den - (i128)r->num * l->den, dd = (i128)l->den * r->den;

    out[0] = '\0';
    if (dn > INT64_MAX || dn < INT64_MIN || dd > INT64_MAX)
        return;
    d.num = (int64_t)(dn < 0 ? -dn : dn);
    d.den = (int64_t)dd;
    if (d.den != 1 && d.num % d.den == 0) {
        d.num /= d.den;
        d.den = 1;
    }
    if (l->type == RS_XT_MONEY && d.den == 1 && !yuan)
        rs_money_text(d.num, v);       /* in 元 when 万元 would print 0.00 */
    else
        rs_eval_show_value(&d, l->type == RS_XT_MONEY ? RS_VK_MONEY : RS_VK_COUNT,
                           l->type == RS_XT_MONEY ? (yuan ? "元" : "万元") : unit, "", v);
    rs_eval_fmt(out, n, "，相差%s%s", dn < 0 ? "-" : "+", v);
}

/* Where a unit rule looked: the source of its first given input, else the rule's line. */
static void unit_where(const struct rs_flib_check *c, struct rs_xctx *ctx,
                       const struct rs_eval_result *res, char *w, size_t n)
{
    int idx[4];
    size_t m = rs_expr_inputs(c->assert, idx, 4);

    for (size_t k = 0; k < m && k < 4; k++) {
        struct rs_xval iv;

        rs_expr_eval_node(c->assert, idx[k], ctx, &iv);
        if (iv.state == RS_XS_GIVEN && rs_xctx_text(ctx, iv.src)[0]) {
            rs_eval_copy(w, n, rs_xctx_text(ctx, iv.src));
            return;
        }
    }
    rs_eval_fmt(w, n, "单位数据（核查规则%s第%u行）", res->fw->lib->checks_name, c->line);
}

/* Runs rule c once: for the record r (NULL for a unit rule). */
static rs_status run_one(struct rs_eval_result *res, const struct rs_flib_check *c,
                         const Rs__Record *r)
{
    struct rs_eval_env fe;
    struct rs_xctx ctx;
    struct rs_xval v, lv, rv;
    char chk[200], e[320], f[320], w[200], d[64];
    const char *div = r && r->division_code && rs_rtype_is_township(r->body_case)
                          ? r->division_code
                          : "";
    int left, right;
    enum rs_xop op;
    bool cmp, yuan;

    rs_eval_env_init(&fe, res, NULL, NULL);
    rs_eval_ctx_init(&ctx, &fe, r);
    if (c->where) {
        rs_expr_eval(c->where, &ctx, &v);
        if (v.state != RS_XS_GIVEN || !v.num)
            return RS_OK;
    }
    cmp = rs_expr_sides(c->assert, &left, &right, &op);
    if (cmp) {
        rs_expr_eval_node(c->assert, left, &ctx, &lv);
        rs_expr_eval_node(c->assert, right, &ctx, &rv);
        v = lv.state != RS_XS_GIVEN ? lv : rv;
        if (v.state == RS_XS_GIVEN) {
            v.num = holds(c, op, &lv, &rv);
            v.type = RS_XT_BOOL;
        }
    } else {
        rs_expr_eval(c->assert, &ctx, &v);
    }
    if (v.state == RS_XS_GIVEN && v.num)
        return RS_OK;
    rule_text(c, r, chk, sizeof chk);
    if (r)
        rs_eval_rec_label(r, w, sizeof w);
    else
        unit_where(c, &ctx, res, w, sizeof w);
    if (v.state != RS_XS_GIVEN) {
        /* Nothing is derived from an absent value; the rule may say it is
         * missing, when the other side is there to be checked. */
        if (!c->missing_note || !cmp || (lv.state != RS_XS_GIVEN && rv.state != RS_XS_GIVEN))
            return RS_OK;
        return rs_eval_finding_add(res, RS_SEV_NOTE, c->code, div, chk, "所需数据均已填报",
                                   RS_SF(f, "未能核对：%s", rs_xctx_text(&ctx, v.why)), w);
    }
    if (cmp) {
        char rs[300];

        yuan = small(&lv) && small(&rv);
        side_text(res, c->assert, right, &ctx, yuan, rs, sizeof rs);
        RS_SF(e, "%s%s", op == RS_XO_EQ ? "" : op_text(op), rs);
        side_text(res, c->assert, left, &ctx, yuan, f, sizeof f);
        if (op == RS_XO_EQ) {
            char label[96];
            struct rs_eval_shown sh =
                rs_eval_input_kind(res, c->assert, left, label, sizeof label);

            difference(&lv, &rv, yuan, sh.unit, d, sizeof d);
            rs_eval_fmt(f + strlen(f), sizeof f - strlen(f), "%s", d);
        }
    } else {
        char fs[300];

        RS_SF(e, "成立");
        inputs_text(res, c->assert, c->assert->root, &ctx, true, fs, sizeof fs);
        RS_SF(f, "不成立（%s）", fs);
        /* whole_fen(x): the amount that is not whole fen, and its inputs. */
        if (c->assert->n[c->assert->root].op == RS_XO_WHOLE_FEN) {
            side_text(res, c->assert, c->assert->n[c->assert->root].b, &ctx, true, fs,
                      sizeof fs);
            RS_SF(f, "%s，不是整分", fs);
            RS_SF(e, "整分金额");
        }
        /* whole(x): the number that is not whole, and its inputs. */
        if (c->assert->n[c->assert->root].op == RS_XO_WHOLE) {
            side_text(res, c->assert, c->assert->n[c->assert->root].b, &ctx, true, fs,
                      sizeof fs);
            RS_SF(f, "%s，不是整数", fs);
            RS_SF(e, "整数");
        }
    }
    return rs_eval_finding_add(res, (enum rs_eval_sev)c->sev, c->code, div, chk, e, f, w);
}

/* The records a rule of type t runs over, into v (at most cap). */
static size_t records_of(const struct rs_eval_result *res, rs_rtype t, const Rs__Record **v,
                         size_t cap)
{
    const struct rs_eval_unit *u = &res->unit;
    size_t n = 0;

    switch (t) {
    case RS__RECORD__BODY_BUDGET_LINE:
        for (size_t k = 1; k < RS_EVAL_NLINES && n < cap; k++)
            if (u->line[k].rec)
                v[n++] = u->line[k].rec;
        return n;
    case RS__RECORD__BODY_SAN_GONG:
        for (size_t k = 1; k < RS_EVAL_NSANGONG && n < cap; k++)
            if (u->sg[k].rec)
                v[n++] = u->sg[k].rec;
        return n;
    case RS__RECORD__BODY_STAFFING:
        if (u->staffing)
            v[n++] = u->staffing;
        for (size_t k = 0; k < u->nsub && n < cap; k++)
            v[n++] = u->staff_sub[k];
        return n;
    case RS__RECORD__BODY_PROCUREMENT:
        v[0] = u->procurement;
        return u->procurement ? 1 : 0;
    case RS__RECORD__BODY_CARRY_OVER:
        v[0] = u->carry;
        return u->carry ? 1 : 0;
    case RS__RECORD__BODY_FIXED_ASSETS:
        v[0] = u->assets;
        return u->assets ? 1 : 0;
    default:
        return 0;
    }
}

rs_status rs_eval_check_rules(struct rs_eval_result *res)
{
    const struct rs_flib *lib = res->fw->lib;
    rs_status rv = RS_OK;

    for (size_t i = 0; i < lib->nc && rv == RS_OK; i++) {
        const struct rs_flib_check *c = &lib->c[i];
        rs_rtype t;

        if (!c->scope) {
            if (!res->is_township)
                rv = run_one(res, c, NULL);
            continue;
        }
        t = c->scope->type;
        if (rs_rtype_is_township(t)) {
            const struct rs_eval_list *l = rs_eval_dataset_of(res->ds, t);

            for (size_t k = 0; k < l->n && rv == RS_OK; k++) {
                const Rs__Record *r = l->rec[k];

                if (res->is_township &&
                    strcmp(r->division_code ? r->division_code : "", res->division) != 0)
                    continue;
                rv = run_one(res, c, r);
            }
        } else if (!res->is_township) {
            const Rs__Record *v[RS_EVAL_NLINES + RS_EVAL_MAX_SUBUNITS + 1];
            size_t n = records_of(res, t, v, sizeof v / sizeof v[0]);

            for (size_t k = 0; k < n && rv == RS_OK; k++)
                rv = run_one(res, c, v[k]);
        }
    }
    return rv;
}

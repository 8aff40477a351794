/*
 * rs_eval_formula.c - indicator values from the formula library, their
 * scores and the total.
 *
 * For every indicator of the framework: evaluate its formula (an entry of
 * the library, rs_flib.h, or the row's own expression) over the figures of
 * the year, through the callbacks of rs_expr.h: the built-in inputs
 * (rs_eval_inputs.h), the library's other entries, the records of a type
 * (the dataset's lists; the budget lines and 三公 components for their
 * types), and the reviewer's answer (ManualScore) for checklist and manual
 * indicators.  Record each input of the formula and where it came from;
 * score the value under the indicator's rule (rs_eval_score,
 * rs_eval_rule.c); sum the dimensions, the total and the grade.  A value
 * that cannot be computed scores 0 and adds a finding naming what is
 * missing; records a filter left out for want of a field are named on the
 * item and in a note.  The same formulas, unscored, fill the table of
 * every listed library indicator.  docs/evaluation.md §2 defines each.
 *
 * Does not: build figures (rs_eval_figures.c), define rule shapes
 * (rs_eval_rule.c), parse expressions (rs_expr.h) or run the consistency
 * checks (rs_eval_check.c).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_eval_inputs.h"
#include "rs_eval_steps.h"
#include "rs_eval_text.h"
#include "rs_util.h"

/* ------------------------------------------------------------ the environment */

void rs_eval_env_init(struct rs_eval_env *fe, const struct rs_eval_result *res,
                      const struct rs_fw_indicator *ind, struct rs_eval_item *it)
{
    const struct rs_eval_unit *u = &res->unit;

    memset(fe, 0, sizeof *fe);
    fe->res = res;
    fe->ind = ind;
    fe->it = it;
    for (size_t k = 1; k < RS_EVAL_LINE_TOTAL; k++) {
        if (u->line[k].rec)
            fe->lines[fe->nlines++] = u->line[k].rec;
    }
    for (size_t k = 1; k < RS_EVAL_SG_TOTAL; k++) {
        if (u->sg[k].rec)
            fe->sgs[fe->nsgs++] = u->sg[k].rec;
    }
    RS_SF(fe->note, "（%zu个乡镇/街道）", res->ntowns);
}

const Rs__Record *rs_eval_manual_for(const struct rs_eval_result *res,
                                     const struct rs_fw_indicator *ind)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(res->ds, RS__RECORD__BODY_MANUAL_SCORE);
    const Rs__Record *by_code = NULL, *by_formula = NULL;
    const struct rs_formula_info *fi = ind->fi;

    for (size_t i = 0; i < l->n; i++) {
        const Rs__Record *r = l->rec[i];
        const char *k = r->manual_score->indicator;

        if (!k)
            continue;
        if (strcmp(k, ind->code) == 0)
            by_code = r;
        else if (strcmp(k, fi->code) == 0 || (fi->slug[0] && strcmp(k, fi->slug) == 0))
            by_formula = r;
    }
    return by_code ? by_code : by_formula;
}

static void env_name(void *user, struct rs_xctx *ctx, uint32_t id, struct rs_xval *out)
{
    struct rs_eval_env *fe = user;
    const struct rs_flib *lib = fe->res->fw->lib;
    const struct rs_formula_info *fi;
    const char *why;

    if (id & RS_FLIB_INPUT) {
        rs_eval_input_value(fe->res, id & ~RS_FLIB_INPUT, ctx, out);
        return;
    }
    if (id >= lib->n) {
        rs_xctx_absent(ctx, out, RS_XT_NUM, "公式库中没有该项");
        return;
    }
    fi = &lib->e[id];
    rs_expr_eval(fi->expr, ctx, out);
    if (out->state == RS_XS_GIVEN)
        return;
    /* Name the figure that is missing, once: the innermost one. */
    why = rs_xctx_text(ctx, out->why);
    if (strncmp(why, "没有", strlen("没有")) != 0)
        out->why = (int16_t)rs_xctx_add(ctx, "没有%s（%s）", fi->name, why);
}

static const Rs__Record *const *env_records(void *user, rs_rtype t, size_t *n)
{
    struct rs_eval_env *fe = user;
    const struct rs_eval_list *l;

    if (t == RS__RECORD__BODY_BUDGET_LINE) {
        *n = fe->nlines;
        return fe->lines;
    }
    if (t == RS__RECORD__BODY_SAN_GONG) {
        *n = fe->nsgs;
        return fe->sgs;
    }
    l = rs_eval_dataset_of(fe->res->ds, t);
    *n = l->n;
    return (const Rs__Record *const *)l->rec;
}

static void num_given(struct rs_xval *v, enum rs_xtype t, int64_t num, int64_t den, int src)
{
    memset(v, 0, sizeof *v);
    v->state = RS_XS_GIVEN;
    v->type = (uint8_t)t;
    v->num = num;
    v->den = den;
    v->why = -1;
    v->src = (int16_t)src;
}

static void env_answer(void *user, struct rs_xctx *ctx, enum rs_xop fn, struct rs_xval *out)
{
    struct rs_eval_env *fe = user;
    enum rs_xtype t = fn == RS_XO_CHECKLIST ? RS_XT_ANSWER : RS_XT_NUM;
    const Rs__Record *r;
    const Rs__ManualScore *m;
    char lab[96];
    int src;

    if (!fe->ind) {
        rs_xctx_absent(ctx, out, t, "没有评审答复（只用于评分框架的指标）");
        return;
    }
    r = rs_eval_manual_for(fe->res, fe->ind);
    if (!r) {
        rs_xctx_absent(ctx, out, t, "没有指标“%s”的人工评分记录", fe->ind->code);
        return;
    }
    if (fe->it)
        fe->it->manual = r;
    m = r->manual_score;
    rs_eval_rec_label(r, lab, sizeof lab);
    src = rs_xctx_add(ctx, "%s", lab);
    switch (fn) {
    case RS_XO_MANUAL:
        if (!m->has_score_milli) {
            rs_xctx_absent(ctx, out, t, "人工评分记录未填写评分（score_milli）");
            return;
        }
        num_given(out, t, m->score_milli, 1000, src);
        return;
    case RS_XO_ITEMS_PASSED:
    case RS_XO_ITEMS_TOTAL:
    case RS_XO_CHECKLIST:
        if (!m->has_items_total || !m->has_items_passed) {
            rs_xctx_absent(ctx, out, t, "人工评分记录未填写%s",
                           !m->has_items_total ? "核查项数（items_total）"
                                               : "达标项数（items_passed）");
            return;
        }
        if (m->items_passed > m->items_total) {
            rs_xctx_absent(ctx, out, t, "达标项数%u大于核查项数%u", m->items_passed,
                           m->items_total);
            return;
        }
        if (fn == RS_XO_CHECKLIST && m->items_total == 0) {
            rs_xctx_absent(ctx, out, t, "核查项数为0");
            return;
        }
        if (fn == RS_XO_CHECKLIST)
            num_given(out, t, m->items_passed, m->items_total, src);
        else
            num_given(out, t, fn == RS_XO_ITEMS_PASSED ? m->items_passed : m->items_total, 1,
                      src);
        return;
    default:
        rs_xctx_absent(ctx, out, t, "没有评审答复");
        return;
    }
}

static void env_label(void *user, uint32_t id, char *out, size_t n)
{
    struct rs_eval_env *fe = user;
    const struct rs_flib *lib = fe->res->fw->lib;

    if (id & RS_FLIB_INPUT)
        rs_eval_input_label(id & ~RS_FLIB_INPUT, out, n);
    else if (id < lib->n)
        rs_eval_copy(out, n, lib->e[id].name);
    else
        rs_eval_copy(out, n, "?");
}

static const struct rs_xenv env = {env_name, env_records, env_answer, env_label};

void rs_eval_ctx_init(struct rs_xctx *ctx, struct rs_eval_env *fe, const Rs__Record *rec)
{
    rs_xctx_init(ctx, &env, fe, rec);
    ctx->note = fe->note;
}

/* ------------------------------------------------------------ display */

void rs_eval_show_value(const struct rs_xval *v, enum rs_fw_vkind kind, const char *unit,
                        const char *why, char out[48])
{
    char p[40];

    if (v->state != RS_XS_GIVEN) {
        snprintf(out, 48, "%s", strstr(why, "未填报") || strncmp(why, "没有", 6) == 0
                                     ? "未填报"
                                     : "无法计算");
        return;
    }
    switch (kind) {
    case RS_VK_RATE:
        rs_eval_pct(v->num, v->den, p);
        snprintf(out, 48, "%s%%", p);
        return;
    case RS_VK_MONEY:
        if (v->num % v->den != 0) {
            /* Not a whole number of fen: shown to 0.0001 元, marked. */
            rs_i128 q = ((rs_i128)v->num * 100 + (v->num < 0 ? -v->den : v->den) / 2) / v->den;
            int64_t w = (int64_t)(q < 0 ? -q : q);

            snprintf(out, 48, "约%s%" PRId64 ".%04" PRId64 "元", q < 0 ? "-" : "", w / 10000,
                     w % 10000);
            return;
        }
        if (unit && strcmp(unit, "元") == 0)
            rs_eval_yuan(v->num / v->den, p);
        else
            rs_eval_wan(v->num / v->den, p);
        snprintf(out, 48, "%s", p);
        return;
    case RS_VK_CHECKLIST:
        snprintf(out, 48, "%" PRId64 "/%" PRId64 "项", v->num, v->den);
        return;
    case RS_VK_MANUAL:
        rs_milli_format(v->num * 1000 / v->den, p);
        snprintf(out, 48, "%s分", p);
        return;
    case RS_VK_COUNT:
        if (v->den == 1)
            snprintf(out, 48, "%" PRId64 "%s", v->num, unit ? unit : "");
        else {
            char pct[32];

            rs_eval_pct(v->num, v->den * 100, pct);
            snprintf(out, 48, "%s%s", pct, unit ? unit : "");
        }
        return;
    }
    out[0] = '\0';
}

struct rs_eval_shown rs_eval_input_kind(const struct rs_eval_result *res, const struct rs_expr *e, int i,
                               char *label, size_t n)
{
    const struct rs_xnode *x = &e->n[i];
    const struct rs_flib *lib = res->fw->lib;
    struct rs_eval_shown sh = {x->type == RS_XT_MONEY ? RS_VK_MONEY : RS_VK_COUNT, ""};

    switch ((enum rs_xop)x->op) {
    case RS_XO_NAME:
        if (x->id & RS_FLIB_INPUT) {
            rs_eval_input_label(x->id & ~RS_FLIB_INPUT, label, n);
            sh.unit = rs_eval_input_unit(x->id & ~RS_FLIB_INPUT);
        } else if (x->id < lib->n) {
            rs_eval_copy(label, n, lib->e[x->id].name);
            sh.kind = lib->e[x->id].kind;
            sh.unit = lib->e[x->id].unit;
        }
        return sh;
    case RS_XO_ITEMS_PASSED:
        rs_eval_copy(label, n, "达标项数");
        sh.unit = "项";
        return sh;
    case RS_XO_ITEMS_TOTAL:
        rs_eval_copy(label, n, "核查项数");
        sh.unit = "项";
        return sh;
    case RS_XO_MANUAL:
        rs_eval_copy(label, n, "评审评分");
        sh.kind = RS_VK_MANUAL;
        return sh;
    case RS_XO_CHECKLIST:
        rs_eval_copy(label, n, "达标项数/核查项数");
        sh.kind = RS_VK_CHECKLIST;
        return sh;
    case RS_XO_FIELD:
        sh.unit = x->field->unit && x->field->kind == RS_FK_COUNT ? x->field->unit : "";
        rs_expr_label(e, i, label, n);
        return sh;
    default:
        sh.unit = x->op == RS_XO_COUNT ? "条" : x->field && x->field->unit ? x->field->unit : "";
        rs_expr_label(e, i, label, n);
        return sh;
    }
}

static void add_input(struct rs_eval_item *it, const char *label, const char *value,
                      const char *source)
{
    struct rs_eval_input *in;

    if (it->ninputs == RS_EVAL_MAX_INPUTS)
        return;
    in = &it->in[it->ninputs++];
    rs_eval_copy(in->label, sizeof in->label, label);
    rs_eval_copy(in->value, sizeof in->value, value);
    rs_eval_copy(in->source, sizeof in->source, source);
}

/* The inputs of the formula, each with its value and source. */
static void item_inputs(const struct rs_eval_result *res, struct rs_eval_item *it,
                        struct rs_xctx *ctx)
{
    const struct rs_expr *e = it->fi->expr;
    int idx[RS_EVAL_MAX_INPUTS];
    size_t n = rs_expr_inputs(e, idx, RS_EVAL_MAX_INPUTS);

    for (size_t k = 0; k < n && k < RS_EVAL_MAX_INPUTS; k++) {
        struct rs_xval v;
        char label[96], value[48];
        struct rs_eval_shown sh = rs_eval_input_kind(res, e, idx[k], label, sizeof label);

        rs_expr_eval_node(e, idx[k], ctx, &v);
        if (e->n[idx[k]].op == RS_XO_CHECKLIST && v.state == RS_XS_GIVEN) {
            char a[24], b[24];

            snprintf(a, sizeof a, "%" PRId64 "项", v.num);
            snprintf(b, sizeof b, "%" PRId64 "项", v.den);
            add_input(it, "达标项数", a, rs_xctx_text(ctx, v.src));
            add_input(it, "核查项数", b, rs_xctx_text(ctx, v.src));
            continue;
        }
        rs_eval_show_value(&v, sh.kind, sh.unit, rs_xctx_text(ctx, v.why), value);
        add_input(it, label, value, v.state == RS_XS_GIVEN ? rs_xctx_text(ctx, v.src) : "");
    }
}

/* "3条直补记录未填报发放日期（未计入）；..." from the filters' tallies. */
static void left_out(const struct rs_xctx *ctx, char *out, size_t n)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t k = 0; k < ctx->ntallies && len + 1 < n; k++) {
        const struct rs_xtally *t = &ctx->tally[k];

        rs_eval_fmt(out + len, n - len, "%s%u条%s记录未填报%s（%s）", len ? "；" : "", t->n,
                    t->rdef->label, t->field_label[0] ? t->field_label : "所需数据",
                    t->unknown ? "无法判断，未计入" : "未计入");
        len = strlen(out);
    }
}

/* The first input's source that is known, else "无相关记录". */
static const char *first_source(const struct rs_eval_item *it)
{
    for (size_t k = 0; k < it->ninputs; k++) {
        if (it->in[k].source[0])
            return it->in[k].source;
    }
    return "无相关记录";
}

static void nc(struct rs_eval_item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void nc(struct rs_eval_item *it, const char *fmt, ...)
{
    va_list ap;

    it->state = RS_EVAL_NOT_COMPUTABLE;
    it->num = 0;
    it->den = 1;
    va_start(ap, fmt);
    vsnprintf(it->reason, sizeof it->reason, fmt, ap);
    rs_eval_utf8_trim(it->reason);
    va_end(ap);
}

/* Evaluates it->fi for it->ind: value, inputs, what was left out. */
static void compute(const struct rs_eval_result *res, struct rs_eval_item *it)
{
    struct rs_eval_env fe;
    struct rs_xctx ctx;
    struct rs_xval v;

    rs_eval_env_init(&fe, res, it->ind, it);
    rs_eval_ctx_init(&ctx, &fe, NULL);
    rs_expr_eval(it->fi->expr, &ctx, &v);
    /* Before the inputs are shown: showing evaluates them again, and the
     * records their filters leave out would be counted twice. */
    left_out(&ctx, it->left_out, sizeof it->left_out);
    item_inputs(res, it, &ctx);
    if (v.state != RS_XS_GIVEN) {
        /* "计划培训人次为0，除数为0" alone hides why it is 0. */
        if (it->left_out[0])
            nc(it, "%s；%s", rs_xctx_text(&ctx, v.why), it->left_out);
        else
            nc(it, "%s", rs_xctx_text(&ctx, v.why));
        return;
    }
    it->state = RS_EVAL_OK;
    it->num = v.num;
    it->den = v.den;
    if (it->fi->kind == RS_VK_MANUAL) {
        char p[32], q[32];

        /* Points with at most 3 decimals, within the indicator's. */
        if ((rs_i128)v.num * 1000 % v.den != 0) {
            nc(it, "人工评分超过3位小数");
            return;
        }
        it->num = (int64_t)((rs_i128)v.num * 1000 / v.den);
        it->den = 1;
        if (it->num < 0 || it->num > it->ind->points_milli) {
            rs_milli_format(it->num, p);
            rs_milli_format(it->ind->points_milli, q);
            nc(it, "人工评分%s分超出0至%s分", p, q);
        }
    }
}

/* ------------------------------------------------------------ scoring */

rs_status rs_eval_score_items(struct rs_eval_result *res)
{
    const struct rs_framework *fw = res->fw;
    rs_status rv;

    for (size_t i = 0; i < fw->n; i++) {
        struct rs_eval_item *it = &res->items[res->nitems++];
        char w[200], chk[160];

        memset(it, 0, sizeof *it);
        it->ind = &fw->ind[i];
        it->fi = it->ind->fi;
        it->den = 1;
        compute(res, it);
        if (it->state == RS_EVAL_OK &&
            rs_eval_score(it->ind, it->fi->kind, it->num, it->den, &it->score_milli, it->reason,
                          sizeof it->reason) != RS_OK) {
            nc(it, "数值不适用于评分规则%s", rs_framework_rule_name(it->ind->rule));
        }
        if (it->state == RS_EVAL_OK && it->manual && it->score_milli < it->ind->points_milli &&
            it->manual->manual_score->justification &&
            it->manual->manual_score->justification[0])
            RS_SF(it->reason, "评审评分：%s", it->manual->manual_score->justification);
        RS_SF(w, "框架%s第%u行 %s；%s", fw->name, it->ind->line, it->ind->code,
              first_source(it));
        if (it->state == RS_EVAL_NOT_COMPUTABLE) {
            char why[288];

            it->score_milli = 0;
            RS_SF(why, "无法计算：%s", it->reason);
            rs_eval_copy(it->reason, sizeof it->reason, why);
            rv = rs_eval_finding_add(res, RS_SEV_WARNING, "indicator.not_computable", "",
                                     RS_SF(chk, "指标“%s”无法计算（计0分）", it->ind->name),
                                     "可计算的指标值", it->reason + strlen("无法计算："), w);
            if (rv)
                return rv;
        }
        if (it->left_out[0]) {
            /* A point lost for want of data says so, and so does a note. */
            if (it->score_milli < it->ind->points_milli && it->state == RS_EVAL_OK) {
                char r[512];

                RS_SF(r, "%s；其中%s", it->reason, it->left_out);
                rs_eval_copy(it->reason, sizeof it->reason, r);
            }
            rv = rs_eval_finding_add(res, RS_SEV_NOTE, "indicator.left_out", "",
                                     RS_SF(chk, "计算“%s”时有记录因数据未填报未计入",
                                           it->ind->name),
                                     "每条记录均填报计算所需的数据", it->left_out, w);
            if (rv)
                return rv;
        }
        res->dim_score_milli[it->ind->dim] += it->score_milli;
        res->total_milli += it->score_milli;
    }
    res->grade = rs_framework_partial(fw) ? NULL : rs_eval_grade(res->total_milli);
    return RS_OK;
}

rs_status rs_eval_all_formulas(struct rs_eval_result *res)
{
    const struct rs_flib *lib = res->fw->lib;
    size_t n = 0;

    res->nfx = 0;
    for (size_t i = 0; i < lib->n; i++)
        n += lib->e[i].indicator;
    if (n == 0)
        return RS_OK;
    res->fx = calloc(n, sizeof *res->fx);
    res->fx_ind = calloc(n, sizeof *res->fx_ind);
    if (!res->fx || !res->fx_ind)
        return RS_ENOMEM;
    for (size_t i = 0; i < lib->n; i++) {
        const struct rs_formula_info *fi = &lib->e[i];
        struct rs_fw_indicator *ind = &res->fx_ind[res->nfx];
        struct rs_eval_item *it = &res->fx[res->nfx];

        if (!fi->indicator)
            continue;
        rs_eval_copy(ind->code, sizeof ind->code, fi->code);
        rs_eval_copy(ind->name, sizeof ind->name, fi->name);
        ind->fi = fi;
        ind->rule = fi->kind == RS_VK_CHECKLIST ? RS_RULE_CHECKLIST
                    : fi->kind == RS_VK_MANUAL  ? RS_RULE_MANUAL
                                                : RS_RULE_PROPORTIONAL;
        ind->points_milli = RS_FW_TOTAL_MILLI;
        it->ind = ind;
        it->fi = fi;
        it->den = 1;
        compute(res, it);
        if (it->state == RS_EVAL_NOT_COMPUTABLE) {
            char why[288];

            RS_SF(why, "无法计算：%s", it->reason);
            rs_eval_copy(it->reason, sizeof it->reason, why);
        }
        res->nfx++;
    }
    return RS_OK;
}

void rs_eval_item_value(const struct rs_eval_item *it, char out[48])
{
    struct rs_xval v;

    if (it->state != RS_EVAL_OK) {
        snprintf(out, 48, "无法计算");
        return;
    }
    memset(&v, 0, sizeof v);
    v.state = RS_XS_GIVEN;
    v.num = it->fi->kind == RS_VK_MANUAL ? it->num : it->num;
    v.den = it->fi->kind == RS_VK_MANUAL ? 1000 : it->den;
    rs_eval_show_value(&v, it->fi->kind, it->fi->unit, "", out);
}

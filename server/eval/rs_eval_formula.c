/*
 * rs_eval_formula.c - indicator values (formulas), their scores and the
 * total.
 *
 * For every indicator of the framework: compute its value from the figures
 * rs_eval_figures.c built, recording each input and where it came from;
 * score it under its rule (rs_eval_score, rs_eval_rule.c); and sum the
 * dimensions, the total and the grade.  A value that cannot be computed
 * scores 0 and adds a finding.  The same formulas, unscored, fill the
 * table of every catalogue formula.  docs/evaluation.md §2 defines each.
 *
 * Does not: build figures (rs_eval_figures.c), define rule shapes
 * (rs_eval_rule.c) or run the consistency checks (rs_eval_check.c).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_eval_steps.h"
#include "rs_eval_text.h"
#include "rs_util.h"

/* ------------------------------------------------------------ formulas */

static void input(struct rs_eval_item *it, const char *label, const char *value,
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

/* Sets num/den, or not computable with why_zero if den is 0. */
static void ratio(struct rs_eval_item *it, int64_t num, int64_t den, const char *why_zero)
{
    if (den == 0) {
        nc(it, "%s，除数为0", why_zero);
        return;
    }
    if (den < 0) {
        num = -num;
        den = -den;
    }
    it->state = RS_EVAL_OK;
    it->num = num;
    it->den = den;
}

static const char *src(const Rs__Record *r, char out[96])
{
    rs_eval_rec_label(r, out, 96);
    return out;
}

static const char *cnt(uint32_t v, const char *unit, char out[40])
{
    snprintf(out, 40, "%u%s", v, unit);
    return out;
}

/* "项目记录20条（3个乡镇/街道）" */
static const char *town_src(const struct rs_eval_result *res, const char *what, uint32_t n,
                            char out[96])
{
    snprintf(out, 96, "%s%u条（%zu个乡镇/街道）", what, n, res->ntowns);
    return out;
}

static const Rs__Record *manual_for(const struct rs_eval_result *res,
                                    const struct rs_fw_indicator *ind)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(res->ds, RS__RECORD__BODY_MANUAL_SCORE);
    const Rs__Record *by_code = NULL, *by_formula = NULL;
    const struct rs_formula_info *fi = rs_framework_formula(ind->formula);

    for (size_t i = 0; i < l->n; i++) {
        const Rs__Record *r = l->rec[i];
        const char *k;

        if (!r->manual_score->indicator)
            continue;
        k = r->manual_score->indicator;
        if (strcmp(k, ind->code) == 0)
            by_code = r;
        else if (strcmp(k, fi->code) == 0 || strcmp(k, fi->slug) == 0)
            by_formula = r;
    }
    return by_code ? by_code : by_formula;
}

static void line_input(struct rs_eval_item *it, const struct rs_eval_unit *u, size_t k,
                       const char *what, int64_t fen)
{
    char l[64], v[40], s[96];

    snprintf(l, sizeof l, "%s%s", rs_eval_line_name(k), what);
    input(it, l, rs_eval_wan(fen, v), u->line[k].rec ? src(u->line[k].rec, s) : "无记录");
}

static void f_budget(struct rs_eval_result *res, struct rs_eval_item *it)
{
    const struct rs_eval_unit *u = &res->unit;
    char v[40], s[96];

    RS_SF(s, "预算行记录%zu条", u->nlines);
    if (u->nlines == 0) {
        nc(it, "没有预算行（BudgetLine）记录");
        return;
    }
    switch (it->ind->formula) {
    case RS_F_BUDGET_COMPLETION:
        input(it, "决算数合计", rs_eval_wan(u->final_total, v), s);
        input(it, "年初预算数合计", rs_eval_wan(u->ys_total, v), s);
        ratio(it, u->final_total, u->ys_total, "年初预算数合计为0");
        break;
    case RS_F_BUDGET_EXECUTION:
        input(it, "决算数合计", rs_eval_wan(u->final_total, v), s);
        input(it, "全年预算数（调整后预算）合计", rs_eval_wan(u->adj_total, v), s);
        ratio(it, u->final_total, u->adj_total, "全年预算数合计为0");
        break;
    case RS_F_BUDGET_ADJUSTMENT:
        input(it, "调整后预算合计", rs_eval_wan(u->adj_total, v), s);
        input(it, "年初预算合计", rs_eval_wan(u->ys_total, v), s);
        input(it, "上级转移支付合计", rs_eval_wan(u->transfer_total, v), s);
        ratio(it, u->adj_total - u->ys_total - u->transfer_total, u->ys_total,
              "年初预算合计为0");
        break;
    case RS_F_KEY_SPENDING: {
        size_t kp = RS__BUDGET_LINE_KIND__LINE_PROJECT, kg = RS__BUDGET_LINE_KIND__LINE_GOV_FUND;
        bool has_key = u->line[kp].has_key || u->line[kg].has_key;

        input(it, "重点项目支出", rs_eval_wan(u->line[kp].key + u->line[kg].key, v), s);
        input(it, "项目支出与政府性基金决算数",
              rs_eval_wan(u->line[kp].final + u->line[kg].final, v), s);
        if (!has_key) {
            nc(it, "项目支出、政府性基金预算行均未填写重点项目支出（key_fen）");
            return;
        }
        ratio(it, u->line[kp].key + u->line[kg].key, u->line[kp].final + u->line[kg].final,
              "项目支出与政府性基金决算数为0");
        break;
    }
    case RS_F_PUBLIC_CONTROL: {
        size_t k = RS__BUDGET_LINE_KIND__LINE_PUBLIC;

        if (!u->line[k].rec) {
            nc(it, "没有公用经费预算行记录");
            return;
        }
        line_input(it, u, k, "决算数", u->line[k].final);
        line_input(it, u, k, "全年预算数", u->line[k].adjusted);
        ratio(it, u->line[k].final, u->line[k].adjusted, "公用经费全年预算数为0");
        break;
    }
    default:
        break;
    }
}

static void f_sangong(struct rs_eval_result *res, struct rs_eval_item *it)
{
    const struct rs_eval_unit *u = &res->unit;
    int64_t cur = 0, prev = 0;
    bool has_prev = true;
    size_t n = 0;
    char v[40], s[96];

    for (size_t k = 1; k < RS_EVAL_SG_TOTAL; k++) {
        bool take = it->ind->formula == RS_F_SANGONG_CHANGE ||
                    it->ind->formula == RS_F_SANGONG_CONTROL ||
                    (it->ind->formula == RS_F_RECEPTION_CHANGE &&
                     k == RS__SAN_GONG_KIND__SG_RECEPTION) ||
                    (it->ind->formula == RS_F_VEHICLE_CHANGE &&
                     (k == RS__SAN_GONG_KIND__SG_VEHICLE_PURCHASE ||
                      k == RS__SAN_GONG_KIND__SG_VEHICLE_UPKEEP));

        if (!take || !u->sg[k].rec)
            continue;
        n++;
        cur += it->ind->formula == RS_F_SANGONG_CONTROL ? u->sg[k].final : u->sg[k].budget;
        prev += it->ind->formula == RS_F_SANGONG_CONTROL ? u->sg[k].budget
                                                         : u->sg[k].prev_budget;
        if (!u->sg[k].has_prev_budget)
            has_prev = false;
    }
    RS_SF(s, "“三公”经费记录%zu条", n);
    if (n == 0) {
        nc(it, "没有相应的“三公”经费（SanGong）记录");
        return;
    }
    if (it->ind->formula == RS_F_SANGONG_CONTROL) {
        input(it, "实际支出数", rs_eval_wan(cur, v), s);
        input(it, "预算安排数", rs_eval_wan(prev, v), s);
        ratio(it, cur, prev, cur ? "“三公”经费预算数为0而有实际支出" : "“三公”经费预算数为0");
        return;
    }
    input(it, "本年预算数", rs_eval_wan(cur, v), s);
    input(it, "上年预算数", rs_eval_wan(prev, v), s);
    if (!has_prev) {
        nc(it, "“三公”经费记录未填写上年预算数（prev_budget_fen）");
        return;
    }
    /* 0 -> 0 is a division by zero too: reported, never full marks. */
    ratio(it, cur - prev, prev, cur ? "上年预算数为0而本年有预算" : "上年与本年预算数均为0");
}

static void f_single(struct rs_eval_result *res, struct rs_eval_item *it)
{
    const struct rs_eval_unit *u = &res->unit;
    char v[40], s[96];

    switch (it->ind->formula) {
    case RS_F_STAFF_CONTROL: {
        const Rs__Staffing *st;

        if (!u->staffing) {
            nc(it, "没有人员编制（Staffing）记录");
            return;
        }
        st = u->staffing->staffing;
        src(u->staffing, s);
        input(it, "在职人员数", cnt(st->in_service, "人", v), s);
        input(it, "编制数", cnt(st->establishment, "人", v), s);
        if (!st->has_in_service || !st->has_establishment) {
            nc(it, "人员编制记录缺少%s", !st->has_in_service ? "在职人员数" : "编制数");
            return;
        }
        ratio(it, st->in_service, st->establishment, "编制数为0");
        return;
    }
    case RS_F_PROCUREMENT: {
        const Rs__Procurement *p;

        if (!u->procurement) {
            nc(it, "没有政府采购（Procurement）记录");
            return;
        }
        p = u->procurement->procurement;
        src(u->procurement, s);
        input(it, "实际采购金额", rs_eval_wan(p->actual_fen, v), s);
        input(it, "政府采购预算数", rs_eval_wan(p->budget_fen, v), s);
        if (!p->has_actual_fen || !p->has_budget_fen) {
            nc(it, "政府采购记录缺少%s", !p->has_actual_fen ? "实际采购金额" : "预算数");
            return;
        }
        ratio(it, p->actual_fen, p->budget_fen, "政府采购预算数为0");
        return;
    }
    case RS_F_ASSET_USE: {
        const Rs__FixedAssets *a;

        if (!u->assets) {
            nc(it, "没有固定资产（FixedAssets）记录");
            return;
        }
        a = u->assets->fixed_assets;
        src(u->assets, s);
        input(it, "在用固定资产总额", rs_eval_wan(a->in_use_fen, v), s);
        input(it, "固定资产总额", rs_eval_wan(a->total_fen, v), s);
        if (!a->has_in_use_fen || !a->has_total_fen) {
            nc(it, "固定资产记录缺少%s", !a->has_in_use_fen ? "在用总额" : "总额");
            return;
        }
        ratio(it, a->in_use_fen, a->total_fen, "固定资产总额为0");
        return;
    }
    case RS_F_CARRYOVER_RATE:
    case RS_F_CARRYOVER_CHANGE: {
        const Rs__CarryOver *c;
        char s2[96];

        if (!u->carry) {
            nc(it, "没有结转结余（CarryOver）记录");
            return;
        }
        c = u->carry->carry_over;
        src(u->carry, s);
        input(it, "年末结转结余", rs_eval_wan(c->end_fen, v), s);
        if (!c->has_end_fen) {
            nc(it, "结转结余记录缺少年末数");
            return;
        }
        if (it->ind->formula == RS_F_CARRYOVER_RATE) {
            if (u->nlines == 0) {
                nc(it, "没有预算行（BudgetLine）记录");
                return;
            }
            input(it, "全年预算数合计", rs_eval_wan(u->adj_total, v),
                  RS_SF(s2, "预算行记录%zu条", u->nlines));
            ratio(it, c->end_fen, u->adj_total, "全年预算数合计为0");
            return;
        }
        input(it, "年初结转结余", rs_eval_wan(c->start_fen, v), s);
        if (!c->has_start_fen) {
            nc(it, "结转结余记录缺少年初数");
            return;
        }
        ratio(it, c->end_fen - c->start_fen, c->start_fen, "年初结转结余为0");
        return;
    }
    default:
        return;
    }
}

static void f_town(struct rs_eval_result *res, struct rs_eval_item *it)
{
    const struct rs_eval_town *t = &res->total;
    char v[40], s[96];

    switch (it->ind->formula) {
    case RS_F_PROJECT_COMPLETION:
    case RS_F_PROJECT_TIMELINESS:
    case RS_F_PROJECT_ACCEPTANCE:
    case RS_F_PROJECT_MAINTENANCE:
    case RS_F_INVESTMENT_CONTROL:
    case RS_F_PAYMENT_PROGRESS:
        town_src(res, "项目记录", t->proj_n, s);
        if (t->proj_n == 0) {
            nc(it, "没有后扶项目（Project）记录");
            return;
        }
        break;
    default:
        break;
    }
    switch (it->ind->formula) {
    case RS_F_PROJECT_COMPLETION:
        input(it, "已完工项目数", cnt(t->proj_completed, "个", v), s);
        input(it, "项目总数", cnt(t->proj_n, "个", v), s);
        ratio(it, t->proj_completed, t->proj_n, "项目总数为0");
        return;
    case RS_F_PROJECT_TIMELINESS:
        input(it, "按期完工项目数", cnt(t->proj_on_time, "个", v), s);
        input(it, "项目总数", cnt(t->proj_n, "个", v), s);
        ratio(it, t->proj_on_time, t->proj_n, "项目总数为0");
        return;
    case RS_F_PROJECT_ACCEPTANCE:
        input(it, "验收合格项目数", cnt(t->proj_passed, "个", v), s);
        input(it, "已完工项目数", cnt(t->proj_completed, "个", v), s);
        ratio(it, t->proj_passed, t->proj_completed, "已完工项目数为0");
        return;
    case RS_F_PROJECT_MAINTENANCE:
        input(it, "已落实管护主体的完工项目数", cnt(t->proj_maint, "个", v), s);
        input(it, "已完工项目数", cnt(t->proj_completed, "个", v), s);
        ratio(it, t->proj_maint, t->proj_completed, "已完工项目数为0");
        return;
    case RS_F_INVESTMENT_CONTROL:
        input(it, "完成投资合计", rs_eval_wan(t->proj_completed_fen, v), s);
        input(it, "计划投资合计", rs_eval_wan(t->proj_planned_fen, v), s);
        ratio(it, t->proj_completed_fen, t->proj_planned_fen, "计划投资合计为0");
        return;
    case RS_F_PAYMENT_PROGRESS:
        input(it, "已支付资金", rs_eval_wan(t->proj_alloc_paid_fen, v), s);
        input(it, "已下达资金", rs_eval_wan(t->proj_allocated_fen, v), s);
        if (t->proj_allocated_n == 0) {
            nc(it, "项目记录均未填写已下达资金（allocated_fen）");
            return;
        }
        ratio(it, t->proj_alloc_paid_fen, t->proj_allocated_fen, "已下达资金为0");
        return;
    case RS_F_TRAINING_COMPLETION:
        town_src(res, "培训记录", t->tr_n, s);
        input(it, "实际培训人次（有计划的批次）", cnt(t->tr_planned_trainees, "人次", v), s);
        input(it, "计划培训人次", cnt(t->tr_planned, "人次", v), s);
        if (t->tr_n == 0) {
            nc(it, "没有组织培训（Training，自主培训除外）记录");
            return;
        }
        if (t->tr_n == t->tr_no_plan) {
            nc(it, "培训记录均未填写计划人次（planned_trainees）");
            return;
        }
        ratio(it, t->tr_planned_trainees, t->tr_planned, "计划培训人次为0");
        return;
    case RS_F_CERTIFICATION:
        town_src(res, "培训记录", t->tr_n, s);
        input(it, "考证人数", cnt(t->tr_certified, "人", v), s);
        input(it, "培训人次", cnt(t->tr_trainees, "人次", v), s);
        if (t->tr_n == 0) {
            nc(it, "没有组织培训（Training，自主培训除外）记录");
            return;
        }
        ratio(it, t->tr_certified, t->tr_trainees, "培训人次为0");
        return;
    case RS_F_SUBSIDY_ON_TIME:
        town_src(res, "直补记录", t->sub_n, s);
        input(it, "按时足额发放记录数", cnt(t->sub_ok, "条", v), s);
        input(it, "直补记录数", cnt(t->sub_n, "条", v), s);
        ratio(it, t->sub_ok, t->sub_n, "没有直补资金（SubsidyPayout）记录");
        return;
    case RS_F_RELIEF_DELIVERED:
        town_src(res, "救助记录", t->rl_n, s);
        input(it, "已发放救助记录数", cnt(t->rl_delivered, "条", v), s);
        input(it, "救助记录数", cnt(t->rl_n, "条", v), s);
        ratio(it, t->rl_delivered, t->rl_n, "没有救助（Relief）记录");
        return;
    case RS_F_RELIEF_HOUSEHOLDS:
        town_src(res, "救助记录", t->rl_n, s);
        input(it, "受益户数（不重复）", cnt(t->rl_households, "户", v), s);
        if (t->rl_n == 0) {
            nc(it, "没有救助（Relief）记录");
            return;
        }
        ratio(it, t->rl_households, 1, "");
        return;
    case RS_F_PETITION_CLOSED:
        town_src(res, "信访记录", t->pt_n, s);
        input(it, "办结件数", cnt(t->pt_closed, "件", v), s);
        input(it, "信访件数（不含重复件）", cnt(t->pt_n - t->pt_repeat, "件", v), s);
        ratio(it, t->pt_closed, (int64_t)t->pt_n - t->pt_repeat,
              "没有信访（Petition）记录（重复件除外）");
        return;
    case RS_F_PETITION_ABOVE:
        town_src(res, "信访记录", t->pt_n, s);
        input(it, "到区以上上访人数", cnt(t->pt_above, "人", v), s);
        if (t->pt_n == 0) {
            /* No register is not the same as no petitioners. */
            nc(it, "没有信访（Petition）记录");
            return;
        }
        ratio(it, t->pt_above, 1, "");
        return;
    case RS_F_SATISFACTION: {
        uint32_t ok = t->sv_satisfied + (it->ind->count_basic ? t->sv_basic : 0);

        town_src(res, "满意度调查记录", t->sv_n, s);
        input(it, it->ind->count_basic ? "满意与基本满意人数" : "满意人数", cnt(ok, "人", v), s);
        input(it, "有效样本数", cnt(t->sv_valid, "份", v), s);
        if (t->sv_n == 0) {
            nc(it, "没有满意度调查（Survey）记录");
            return;
        }
        ratio(it, ok, t->sv_valid, "有效样本数为0");
        return;
    }
    default:
        return;
    }
}

static void f_manual(struct rs_eval_result *res, struct rs_eval_item *it)
{
    const Rs__Record *r = manual_for(res, it->ind);
    const Rs__ManualScore *m;
    char v[40], s[96];

    if (!r) {
        nc(it, "没有指标“%s”的人工评分（ManualScore）记录", it->ind->code);
        return;
    }
    m = r->manual_score;
    it->manual = r;
    src(r, s);
    if (it->fi->kind == RS_VK_MANUAL) {
        char p[32];

        rs_milli_format(m->score_milli, p);
        input(it, "评审评分", RS_SF(v, "%s分", p), s);
        if (!m->has_score_milli) {
            nc(it, "人工评分记录未填写评分（score_milli）");
            return;
        }
        if (m->score_milli < 0 || m->score_milli > it->ind->points_milli) {
            char q[32];

            rs_milli_format(it->ind->points_milli, q);
            nc(it, "人工评分%s分超出0至%s分", p, q);
            return;
        }
        it->state = RS_EVAL_OK;
        it->num = m->score_milli;
        it->den = 1;
        return;
    }
    input(it, "达标项数", cnt(m->items_passed, "项", v), s);
    input(it, it->fi->kind == RS_VK_CHECKLIST ? "核查项数" : "交办数",
          cnt(m->items_total, "项", v), s);
    if (!m->has_items_total || !m->has_items_passed) {
        nc(it, "人工评分记录未填写%s", !m->has_items_total ? "核查项数（items_total）"
                                                          : "达标项数（items_passed）");
        return;
    }
    if (m->items_passed > m->items_total) {
        nc(it, "达标项数%u大于核查项数%u", m->items_passed, m->items_total);
        return;
    }
    ratio(it, m->items_passed, m->items_total, "核查项数为0");
}

static void compute(struct rs_eval_result *res, struct rs_eval_item *it)
{
    switch (it->ind->formula) {
    case RS_F_BUDGET_COMPLETION:
    case RS_F_BUDGET_EXECUTION:
    case RS_F_BUDGET_ADJUSTMENT:
    case RS_F_KEY_SPENDING:
    case RS_F_PUBLIC_CONTROL:
        f_budget(res, it);
        break;
    case RS_F_SANGONG_CHANGE:
    case RS_F_SANGONG_CONTROL:
    case RS_F_RECEPTION_CHANGE:
    case RS_F_VEHICLE_CHANGE:
        f_sangong(res, it);
        break;
    case RS_F_STAFF_CONTROL:
    case RS_F_PROCUREMENT:
    case RS_F_ASSET_USE:
    case RS_F_CARRYOVER_RATE:
    case RS_F_CARRYOVER_CHANGE:
        f_single(res, it);
        break;
    case RS_F_KEY_TASKS:
    case RS_F_FUND_COMPLIANCE:
    case RS_F_MANAGEMENT_RULES:
    case RS_F_DISCLOSURE:
    case RS_F_CHECKLIST:
    case RS_F_MANUAL:
        f_manual(res, it);
        break;
    default:
        f_town(res, it);
        break;
    }
}

rs_status rs_eval_score_items(struct rs_eval_result *res)
{
    const struct rs_framework *fw = res->fw;
    rs_status rv;

    for (size_t i = 0; i < fw->n; i++) {
        struct rs_eval_item *it = &res->items[res->nitems++];
        char w[200], chk[160];

        memset(it, 0, sizeof *it);
        it->ind = &fw->ind[i];
        it->fi = rs_framework_formula(it->ind->formula);
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
        if (it->state == RS_EVAL_NOT_COMPUTABLE) {
            char why[288];

            it->score_milli = 0;
            RS_SF(why, "无法计算：%s", it->reason);
            rs_eval_copy(it->reason, sizeof it->reason, why);
            RS_SF(w, "框架%s第%u行 %s；%s", fw->name, it->ind->line, it->ind->code,
                  it->ninputs ? it->in[0].source : "无相关记录");
            rv = rs_eval_finding_add(res, RS_SEV_WARNING, "indicator.not_computable", "",
                                     RS_SF(chk, "指标“%s”无法计算（计0分）", it->ind->name),
                                     "可计算的指标值", it->reason + strlen("无法计算："), w);
            if (rv)
                return rv;
        }
        res->dim_score_milli[it->ind->dim] += it->score_milli;
        res->total_milli += it->score_milli;
    }
    res->grade = rs_eval_grade(res->total_milli);
    return RS_OK;
}

void rs_eval_all_formulas(struct rs_eval_result *res)
{
    res->nfx = 0;
    for (int f = 0; f < RS_FORMULA_COUNT; f++) {
        const struct rs_formula_info *fi = rs_framework_formula((enum rs_formula)f);
        struct rs_fw_indicator *ind = &res->fx_ind[res->nfx];
        struct rs_eval_item *it = &res->fx[res->nfx];

        if (fi->id == RS_F_CHECKLIST || fi->id == RS_F_MANUAL)
            continue;
        memset(ind, 0, sizeof *ind);
        rs_eval_copy(ind->code, sizeof ind->code, fi->code);
        rs_eval_copy(ind->name, sizeof ind->name, fi->name);
        ind->formula = fi->id;
        ind->rule = fi->kind == RS_VK_CHECKLIST ? RS_RULE_CHECKLIST : RS_RULE_PROPORTIONAL;
        ind->points_milli = RS_FW_TOTAL_MILLI;
        ind->count_basic = true;
        memset(it, 0, sizeof *it);
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
}

void rs_eval_item_value(const struct rs_eval_item *it, char out[48])
{
    char p[32];

    if (it->state != RS_EVAL_OK) {
        snprintf(out, 48, "无法计算");
        return;
    }
    switch (it->fi->kind) {
    case RS_VK_RATE:
        rs_eval_pct(it->num, it->den, p);
        snprintf(out, 48, "%s%%", p);
        return;
    case RS_VK_COUNT:
        if (it->den == 1) {
            snprintf(out, 48, "%" PRId64 "%s", it->num,
                     it->ind->formula == RS_F_RELIEF_HOUSEHOLDS ? "户" : "人");
        } else {
            rs_eval_pct(it->num, it->den * 100, p);
            snprintf(out, 48, "%s", p);
        }
        return;
    case RS_VK_CHECKLIST:
        snprintf(out, 48, "%" PRId64 "/%" PRId64 "项", it->num, it->den);
        return;
    case RS_VK_MANUAL:
        rs_milli_format(it->num, p);
        snprintf(out, 48, "%s分", p);
        return;
    }
    out[0] = '\0';
}


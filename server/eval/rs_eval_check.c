/*
 * rs_eval_check.c - the consistency checker.
 *
 * Runs after the figures and the items (rs_eval_run.c) and adds one
 * finding per problem: what was checked, what the records give, what was
 * stated or found, and where.  Checks:
 *   - the stated figures (rs_eval_stated.c);
 *   - staff total = in-service + retired (+ temporary);
 *   - each budget line raised by more than 30% without a higher-level
 *     transfer that explains it, and changes without a stated reason;
 *   - each subsidy payout: persons x standard x months / 12 against the
 *     due and the paid amount, whole fen, and the payment date;
 *   - each training batch: per-person subsidy x persons against the total,
 *     certified <= trainees, batches without a plan;
 *   - each project: completed <= planned, paid <= completed, acceptance of
 *     completed projects, end dates;
 *   - each survey: answers add up to the valid count, valid <= sample;
 *   - relief records without a household reference;
 *   - township records submitted twice (the dataset's repeats);
 *   - checklist answers whose item count differs from the framework,
 *     manual scores without a justification, and manual scores that no
 *     indicator reads.
 * A township-scope evaluation runs only the checks on its own records.
 * docs/evaluation.md §6 lists them with their codes.
 *
 * Does not: score, or change any figure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rs_eval_steps.h"
#include "rs_eval_text.h"
#include "rs_util.h"

/* ------------------------------------------------------------ unit checks */

static rs_status check_staff(struct rs_eval_result *res)
{
    const Rs__Record *r = res->unit.staffing;
    const Rs__Staffing *s;
    int64_t sum;
    char e[160], f[160], w[96];

    if (!r)
        return RS_OK;
    s = r->staffing;
    if (!s->has_stated_total)
        return RS_OK;
    sum = (int64_t)s->in_service + s->retired + (s->has_temporary ? s->temporary : 0);
    if (sum == s->stated_total)
        return RS_OK;
    rs_eval_rec_label(r, w, sizeof w);
    return rs_eval_finding_add(
        res, RS_SEV_ERROR, "staff.total", "",
        s->has_temporary ? "人员总计 = 在职 + 退休 + 临聘" : "人员总计 = 在职 + 退休",
        RS_SF(e, "%" PRId64 "人（在职%u+退休%u%s）", sum, s->in_service, s->retired,
              s->has_temporary ? "+临聘" : ""),
        RS_SF(f, "%u人", s->stated_total), w);
}

static rs_status check_lines(struct rs_eval_result *res)
{
    const struct rs_eval_unit *u = &res->unit;
    rs_status rv;

    for (size_t k = 1; k < RS_EVAL_LINE_TOTAL; k++) {
        const struct rs_eval_line *l = &u->line[k];
        int64_t peak, excess;
        char e[160], f[160], w[96], chk[160], w1[40], w2[40], w3[40], w4[40], pct[32];
        char pp[48] = "";
        const char *reason;

        if (!l->rec)
            continue;
        rs_eval_rec_label(l->rec, w, sizeof w);
        peak = l->adjusted > l->final ? l->adjusted : l->final;
        excess = peak - l->year_start - l->transfer;
        /* More than 30% of the year-start budget, not covered by transfers. */
        if (excess > 0 && (rs_i128)excess * 100 > (rs_i128)l->year_start * 30) {
            rs_eval_wan(l->year_start, w1);
            if (l->year_start > 0) {
                rs_eval_pct(peak - l->year_start, l->year_start, pct);
                RS_SF(pp, "（+%s%%）", pct);
            }
            rv = rs_eval_finding_add(
                res, RS_SEV_WARNING, "budget.adjustment_unexplained", "",
                RS_SF(chk, "%s预算调整幅度超过30%%且未由上级转移支付说明",
                      rs_eval_line_name(k)),
                RS_SF(e, "调整不超过年初预算%s的30%%，或填报上级转移支付", w1),
                RS_SF(f, "年初%s→%s%s，增加%s%s；上级转移支付%s", w1,
                      l->adjusted >= l->final ? "调整后" : "决算", rs_eval_wan(peak, w2),
                      rs_eval_wan(peak - l->year_start, w3), pp, rs_eval_wan(l->transfer, w4)),
                w);
            if (rv)
                return rv;
        }
        reason = l->rec->budget_line->change_reason;
        if (l->final != l->year_start && !(reason && reason[0])) {
            rv = rs_eval_finding_add(
                res, RS_SEV_NOTE, "budget.change_reason", "",
                RS_SF(chk, "%s决算数与年初预算不同，应说明原因", rs_eval_line_name(k)),
                "填写变动原因（change_reason）",
                RS_SF(f, "年初%s，决算%s，未说明原因", rs_eval_wan(l->year_start, w1),
                      rs_eval_wan(l->final, w2)),
                w);
            if (rv)
                return rv;
        }
    }
    return RS_OK;
}

/* ------------------------------------------------------------ township checks */

static rs_status check_subsidy(struct rs_eval_result *res, const Rs__Record *r)
{
    const Rs__SubsidyPayout *s = r->subsidy;
    const char *div = r->division_code ? r->division_code : "";
    char e[160], f[160], w[96], w1[40], w2[40];
    bool has_calc = s->has_persons_paid && s->has_standard_fen_per_year && s->has_months;
    rs_i128 calc12 = has_calc ? (rs_i128)s->persons_paid * s->standard_fen_per_year * s->months
                              : 0;
    int64_t calc = (int64_t)(calc12 / 12), due;
    rs_status rv;

    rs_eval_rec_label(r, w, sizeof w);
    if (has_calc && calc12 % 12 != 0) {
        rv = rs_eval_finding_add(res, RS_SEV_WARNING, "subsidy.fractional_due", div,
                                 "应发金额 = 人数 × 标准 × 月数 ÷ 12 应为整分",
                                 "整分金额",
                                 RS_SF(f, "%u人 × %s × %u个月 ÷ 12 不是整分", s->persons_paid,
                                       rs_eval_yuan(s->standard_fen_per_year, w1), s->months),
                                 w);
        if (rv)
            return rv;
    }
    if (has_calc && s->has_amount_due_fen && s->amount_due_fen != calc) {
        rv = rs_eval_finding_add(
            res, RS_SEV_ERROR, "subsidy.due_vs_standard", div,
            "应发金额 = 发放人数 × 年标准 × 月数 ÷ 12",
            RS_SF(e, "%s（%u人 × %s/年 × %u个月 ÷ 12）", rs_eval_yuan(calc, w1),
                  s->persons_paid, rs_eval_yuan(s->standard_fen_per_year, w2), s->months),
            RS_SF(f, "应发%s", rs_eval_yuan(s->amount_due_fen, w1)), w);
        if (rv)
            return rv;
    }
    if (s->has_amount_due_fen || has_calc) {
        due = s->has_amount_due_fen ? s->amount_due_fen : calc;
        if (s->has_amount_paid_fen && s->amount_paid_fen != due) {
            rv = rs_eval_finding_add(
                res, s->amount_paid_fen > due ? RS_SEV_ERROR : RS_SEV_WARNING,
                "subsidy.paid_vs_due", div,
                s->has_amount_due_fen ? "实发金额与应发金额核对"
                                      : "实发金额与人数 × 标准 × 月数 ÷ 12 核对",
                RS_SF(e, "%s", rs_eval_yuan(due, w1)),
                RS_SF(f, "实发%s", rs_eval_yuan(s->amount_paid_fen, w2)), w);
            if (rv)
                return rv;
        }
    }
    if (s->has_paid_date && s->has_due_date && s->paid_date > s->due_date) {
        char d1[11], d2[11];

        rs_date_format(s->due_date, d1);
        rs_date_format(s->paid_date, d2);
        rv = rs_eval_finding_add(res, RS_SEV_WARNING, "subsidy.late", div, "直补资金按时发放",
                                 RS_SF(e, "%s前发放", d1), RS_SF(f, "%s发放", d2), w);
        if (rv)
            return rv;
    }
    return RS_OK;
}

static rs_status check_training(struct rs_eval_result *res, const Rs__Record *r)
{
    const Rs__Training *t = r->training;
    const char *div = r->division_code ? r->division_code : "";
    char e[160], f[160], w[96], w1[40], w2[40];
    rs_status rv;

    rs_eval_rec_label(r, w, sizeof w);
    if (t->has_subsidy_per_person_fen && t->has_subsidy_persons && t->has_subsidy_total_fen &&
        (rs_i128)t->subsidy_per_person_fen * t->subsidy_persons != t->subsidy_total_fen) {
        rv = rs_eval_finding_add(
            res, RS_SEV_ERROR, "training.subsidy_total", div,
            "培训补助：每人标准 × 人数 = 补助总额",
            RS_SF(e, "%s（%u人 × %s）",
                  rs_eval_yuan(t->subsidy_per_person_fen * (int64_t)t->subsidy_persons, w1),
                  t->subsidy_persons, rs_eval_yuan(t->subsidy_per_person_fen, w2)),
            RS_SF(f, "%s", rs_eval_yuan(t->subsidy_total_fen, w1)), w);
        if (rv)
            return rv;
    }
    if (t->certified > t->trainees) {
        rv = rs_eval_finding_add(res, RS_SEV_ERROR, "training.certified", div,
                                 "考证人数不应多于培训人次",
                                 RS_SF(e, "不多于%u人", t->trainees),
                                 RS_SF(f, "%u人", t->certified), w);
        if (rv)
            return rv;
    }
    return RS_OK;
}

static rs_status check_project(struct rs_eval_result *res, const Rs__Record *r)
{
    const Rs__Project *p = r->project;
    const char *div = r->division_code ? r->division_code : "";
    char e[160], f[160], w[96], w1[40], w2[40];
    rs_status rv;

    rs_eval_rec_label(r, w, sizeof w);
    if (p->has_planned_investment_fen && p->completed_investment_fen > p->planned_investment_fen) {
        rv = rs_eval_finding_add(res, RS_SEV_WARNING, "project.overrun", div,
                                 "项目完成投资不超过计划投资",
                                 RS_SF(e, "不超过%s", rs_eval_wan(p->planned_investment_fen, w1)),
                                 RS_SF(f, "%s", rs_eval_wan(p->completed_investment_fen, w2)), w);
        if (rv)
            return rv;
    }
    if (p->has_paid_fen && p->paid_fen > p->completed_investment_fen) {
        rv = rs_eval_finding_add(res, RS_SEV_ERROR, "project.paid_over_completed", div,
                                 "项目已支付资金不超过完成投资",
                                 RS_SF(e, "不超过%s", rs_eval_wan(p->completed_investment_fen, w1)),
                                 RS_SF(f, "%s", rs_eval_wan(p->paid_fen, w2)), w);
        if (rv)
            return rv;
    }
    if (p->has_stage && p->stage >= RS__PROJECT_STAGE__STAGE_COMPLETED &&
        (!p->has_acceptance_result || p->acceptance_result == RS__ACCEPTANCE__ACCEPT_UNSPECIFIED ||
         p->acceptance_result == RS__ACCEPTANCE__ACCEPT_PENDING)) {
        rv = rs_eval_finding_add(res, RS_SEV_NOTE, "project.acceptance", div,
                                 "已完工项目应有验收结果", "合格或不合格", "未验收或未填写", w);
        if (rv)
            return rv;
    }
    if (p->has_stage && p->stage >= RS__PROJECT_STAGE__STAGE_COMPLETED &&
        !(p->has_actual_end && p->has_planned_end)) {
        rv = rs_eval_finding_add(res, RS_SEV_NOTE, "project.end_dates", div,
                                 "已完工项目应有计划和实际完工日期（计入完成及时率）",
                                 "两个日期均已填写", "缺少日期（按未按期完工计）", w);
        if (rv)
            return rv;
    }
    if (p->has_actual_start && p->has_actual_end && p->actual_end < p->actual_start) {
        rv = rs_eval_finding_add(res, RS_SEV_ERROR, "project.dates", div,
                                 "实际完工日期不早于实际开工日期", "完工 ≥ 开工",
                                 "完工早于开工", w);
        if (rv)
            return rv;
    }
    return RS_OK;
}

static rs_status check_survey(struct rs_eval_result *res, const Rs__Record *r)
{
    const Rs__Survey *s = r->survey;
    const char *div = r->division_code ? r->division_code : "";
    char e[160], f[160], w[96];
    int64_t sum = (int64_t)s->satisfied + s->basically_satisfied + s->dissatisfied;
    rs_status rv;

    rs_eval_rec_label(r, w, sizeof w);
    if (s->has_valid && sum != s->valid) {
        rv = rs_eval_finding_add(res, RS_SEV_ERROR, "survey.sum", div,
                                 "满意 + 基本满意 + 不满意 = 有效样本数",
                                 RS_SF(e, "%u份", s->valid), RS_SF(f, "%" PRId64 "份", sum), w);
        if (rv)
            return rv;
    }
    if (s->has_sample_size && s->valid > s->sample_size) {
        rv = rs_eval_finding_add(res, RS_SEV_ERROR, "survey.valid", div,
                                 "有效样本数不超过样本数", RS_SF(e, "不超过%u份", s->sample_size),
                                 RS_SF(f, "%u份", s->valid), w);
        if (rv)
            return rv;
    }
    return RS_OK;
}

static rs_status check_relief(struct rs_eval_result *res, const Rs__Record *r)
{
    char w[96];

    if (r->relief->household_ref && r->relief->household_ref[0])
        return RS_OK;
    rs_eval_rec_label(r, w, sizeof w);
    return rs_eval_finding_add(res, RS_SEV_WARNING, "relief.household_ref",
                               r->division_code ? r->division_code : "",
                               "救助记录应有户编号（用于统计不重复户数）", "户编号",
                               "未填写（按单独一户计）", w);
}

static rs_status check_towns(struct rs_eval_result *res)
{
    rs_status rv = RS_OK;

    for (size_t i = 0; i < res->ds->n && rv == RS_OK; i++) {
        const Rs__Record *r = res->ds->rec[i];
        const char *div = r->division_code ? r->division_code : "";

        if (res->is_township && strcmp(div, res->division) != 0)
            continue;
        switch (r->body_case) {
        case RS__RECORD__BODY_SUBSIDY:
            rv = check_subsidy(res, r);
            break;
        case RS__RECORD__BODY_TRAINING:
            rv = check_training(res, r);
            break;
        case RS__RECORD__BODY_PROJECT:
            rv = check_project(res, r);
            break;
        case RS__RECORD__BODY_SURVEY:
            rv = check_survey(res, r);
            break;
        case RS__RECORD__BODY_RELIEF:
            rv = check_relief(res, r);
            break;
        default:
            break;
        }
    }
    if (rv)
        return rv;
    for (size_t i = 0; i < res->ntowns; i++) {
        const struct rs_eval_town *t = &res->towns[i];
        char f[160], w[96];

        if (t->tr_no_plan == 0 || t->tr_no_plan == t->tr_n)
            continue;
        rv = rs_eval_finding_add(res, RS_SEV_NOTE, "training.no_plan", t->code,
                                 "培训批次应填写计划人次（计入培训完成率）", "每批次均有计划人次",
                                 RS_SF(f, "%u个批次未填写，未计入培训完成率", t->tr_no_plan),
                                 RS_SF(w, "%s的培训记录", t->name));
        if (rv)
            return rv;
    }
    return RS_OK;
}

/* ------------------------------------------------------------ framework answers */

static rs_status check_answers(struct rs_eval_result *res)
{
    for (size_t i = 0; i < res->nitems; i++) {
        const struct rs_eval_item *it = &res->items[i];
        char e[160], f[160], w[200], chk[160];
        rs_status rv = RS_OK;

        if (it->state != RS_EVAL_OK)
            continue;
        RS_SF(w, "框架%s第%u行 %s；%s", res->fw->name, it->ind->line, it->ind->code,
              it->ninputs ? it->in[0].source : "");
        if (it->ind->rule == RS_RULE_CHECKLIST && it->den != (int64_t)it->ind->items) {
            rv = rs_eval_finding_add(res, RS_SEV_NOTE, "checklist.items", "",
                                     RS_SF(chk, "“%s”核查项数与框架一致", it->ind->name),
                                     RS_SF(e, "%u项", it->ind->items),
                                     RS_SF(f, "%" PRId64 "项（按记录扣分）", it->den), w);
        } else if (it->ind->rule == RS_RULE_MANUAL && it->manual &&
                   !(it->manual->manual_score->justification &&
                     it->manual->manual_score->justification[0])) {
            rv = rs_eval_finding_add(res, RS_SEV_NOTE, "manual.justification", "",
                                     RS_SF(chk, "“%s”人工评分应说明理由", it->ind->name),
                                     "评分理由（justification）", "未填写", w);
        }
        if (rv)
            return rv;
    }
    return RS_OK;
}

/* A ManualScore that no indicator of the framework reads. */
static rs_status check_unused_manual(struct rs_eval_result *res)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(res->ds, RS__RECORD__BODY_MANUAL_SCORE);

    for (size_t i = 0; i < l->n; i++) {
        const Rs__Record *r = l->rec[i];
        const char *k;
        bool used = false;
        char w[96], f[160];
        rs_status rv;

        k = r->manual_score->indicator ? r->manual_score->indicator : "";
        for (size_t j = 0; j < res->nitems && !used; j++) {
            const struct rs_eval_item *it = &res->items[j];

            used = it->manual == r || strcmp(it->ind->code, k) == 0;
        }
        if (used)
            continue;
        rs_eval_rec_label(r, w, sizeof w);
        rv = rs_eval_finding_add(res, RS_SEV_NOTE, "manual.unused", "",
                                 "人工评分记录应对应评分框架中的指标",
                                 RS_SF(f, "框架%s中编码或公式为“%s”的指标", res->fw->name, k),
                                 "框架中没有该指标（未计分）", w);
        if (rv)
            return rv;
    }
    return RS_OK;
}

/* ------------------------------------------------------------ repeats */

/*
 * Township records stored twice under two ids with one natural key (see
 * rs_eval_dataset_add_packed): counted once; one finding per division and
 * type, a note when the repeats match what they repeat, a warning when
 * they differ and the later content was counted.
 */
static rs_status check_repeats(struct rs_eval_result *res)
{
    const struct rs_eval_dataset *ds = res->ds;
    rs_status rv = RS_OK;

    for (size_t i = 0; i < ds->nrepeats && rv == RS_OK; i++) {
        const struct rs_eval_repeat *g = &ds->repeats[i];
        char f[160], w[200];

        if (res->is_township && strcmp(g->division, res->division) != 0)
            continue;
        RS_SF(w, "如：%s", g->example);
        if (g->same)
            rv = rs_eval_finding_add(res, RS_SEV_NOTE, "record.repeated", g->division,
                                     "同一记录（自然键相同）只应报送一次", "每条记录1条",
                                     RS_SF(f, "重复报送%u条，内容相同，只计一次", g->same), w);
        if (rv == RS_OK && g->changed)
            rv = rs_eval_finding_add(
                res, RS_SEV_WARNING, "record.repeated_changed", g->division,
                "同一记录（自然键相同）的修改应作为新版本报送（注明所替代的记录）", "每条记录1条当前版本",
                RS_SF(f, "另有%u条内容不同的重复记录，按后报送的计", g->changed), w);
    }
    if (rv == RS_OK && ds->repeats_dropped && !res->is_township) {
        char f[160];

        rv = rs_eval_finding_add(res, RS_SEV_NOTE, "record.repeated", "",
                                 "同一记录（自然键相同）只应报送一次", "每条记录1条",
                                 RS_SF(f, "另有%zu条重复记录（分组过多，未逐组列出），只计一次",
                                       ds->repeats_dropped),
                                 "");
    }
    return rv;
}

/* ------------------------------------------------------------ all */

rs_status rs_eval_check_all(struct rs_eval_result *res)
{
    rs_status rv;

    if (!res->is_township) {
        rv = rs_eval_check_stated(res);
        if (rv)
            return rv;
        rv = check_staff(res);
        if (rv)
            return rv;
        rv = check_lines(res);
        if (rv)
            return rv;
    }
    rv = check_towns(res);
    if (rv == RS_OK)
        rv = check_repeats(res);
    if (rv)
        return rv;
    if (!res->is_township)
        rv = check_answers(res);
    if (rv == RS_OK && !res->is_township)
        rv = check_unused_manual(res);
    return rv;
}

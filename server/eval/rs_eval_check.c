/*
 * rs_eval_check.c - the consistency checker.
 *
 * Runs after the figures and the items (rs_eval_run.c) and adds one
 * finding per problem: what was checked, what the records give, what was
 * stated or found, and where.  The arithmetic checks are the rules of the
 * framework's check file (checks.txt, run by rs_eval_rules.c); here are
 * the stated figures (rs_eval_stated.c), the published scores
 * (rs_eval_published.c) and the checks that are not arithmetic:
 *   - budget lines whose final differs from their year-start budget with
 *     no reason given (when both are given);
 *   - completed projects without an acceptance result or without end
 *     dates; training batches without a plan;
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

static rs_status check_lines(struct rs_eval_result *res)
{
    const struct rs_eval_unit *u = &res->unit;
    rs_status rv;

    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        const struct rs_eval_line *l = &u->line[k];
        const Rs__BudgetLine *b;
        char f[160], w[96], chk[160], w1[40], w2[40];
        const char *reason;

        if (!l->rec)
            continue;
        b = l->rec->budget_line;
        reason = b->change_reason;
        /* Only two given figures can differ. */
        if (!b->has_year_start_fen || !b->has_final_fen || b->final_fen == b->year_start_fen ||
            (reason && reason[0]))
            continue;
        rs_eval_rec_label(l->rec, w, sizeof w);
        rv = rs_eval_finding_add(
            res, RS_SEV_NOTE, "budget.change_reason", "",
            RS_SF(chk, "%s决算数与年初预算不同，应说明原因", rs_eval_line_name(k)),
            "填写变动原因（change_reason）",
            RS_SF(f, "年初%s，决算%s，未说明原因", rs_eval_wan(b->year_start_fen, w1),
                  rs_eval_wan(b->final_fen, w2)),
            w);
        if (rv)
            return rv;
    }
    return RS_OK;
}

/* ------------------------------------------------------------ township checks */

static rs_status check_project(struct rs_eval_result *res, const Rs__Record *r)
{
    const Rs__Project *p = r->project;
    const char *div = r->division_code ? r->division_code : "";
    char w[96];
    rs_status rv;

    rs_eval_rec_label(r, w, sizeof w);
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
        case RS__RECORD__BODY_PROJECT:
            rv = check_project(res, r);
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
        char f[RS_EVAL_FOUND_MAX], w[RS_EVAL_WHERE_MAX];

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
        char w[96], f[RS_EVAL_FOUND_MAX];
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
        if (rv == RS_OK)
            rv = rs_eval_check_published(res);
        if (rv)
            return rv;
    }
    rv = rs_eval_check_rules(res);
    if (rv)
        return rv;
    if (!res->is_township) {
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

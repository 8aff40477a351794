/*
 * rs_rules.c - the cross-field rules of the production record types: a date
 * not before another, a count not above another, a field required once
 * another has a value.
 *
 * Each rule reads the generated struct of its message and names the field
 * it blames in full ("project.actual_end"), with the reason in English and
 * in Chinese, whose "{}" and "{field}" rs_verdict_reject replaces with the
 * fields' labels in the table.  The rows of
 * proto/rs_rtype_table.c say after which field each one runs.
 *
 * Does not: check a field's own range or format (rs_validate.c does, from
 * the row), or reject arithmetic that real reports get wrong: persons x
 * standard != amount paid, paid > completed, completed > planned,
 * subsidy_total != per-person x persons pass here and the consistency
 * checker flags them.
 */
#include "rs_rules.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rs_rtype.h"
#include "rs_util.h"

static bool empty(const char *s)
{
    return !s || !s[0];
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

/* ASCII case-insensitive equality (UUIDs may come in either case). */
static bool same_ci(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a, y = *b;

        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

/* 18 chars (17 digits + digit/X/x) or 15 digits: the two PRC ID-card formats. */
static bool looks_like_id_card(const char *s)
{
    size_t n = strlen(s);

    if (n == 15)
        return all_digits(s, 15);
    if (n == 18)
        return all_digits(s, 17) && ((s[17] >= '0' && s[17] <= '9') || s[17] == 'X' ||
                                     s[17] == 'x');
    return false;
}

/* a + b into *sum unless it would exceed INT64_MAX; both are >= 0. */
static bool add_fen(int64_t a, int64_t b, int64_t *sum)
{
    if (a > INT64_MAX - b)
        return false;
    *sum = a + b;
    return true;
}

/* ---------------------------------------------------------------- envelope */

/* An empty supersedes means "none", as the server reads it; the row's UUID
 * flag has checked the format. */
bool rs_rule_supersedes(const void *msg, struct rs_verdict *v)
{
    const Rs__Record *r = msg;

    if (!empty(r->supersedes) && same_ci(r->supersedes, r->id))
        return rs_verdict_reject(v, "supersedes", "must differ from id",
                                 "{}不能与{id}相同");
    return true;
}

bool rs_rule_division(const void *msg, struct rs_verdict *v)
{
    const Rs__Record *r = msg;

    if (!rs_division_code_valid(r->division_code))
        return rs_verdict_reject(v, "division_code", "must be 6, 9 or 12 digits",
                                 "{}须为6位、9位或12位数字");
    if (strlen(r->division_code) == 6 && rs_rtype_is_township(r->body_case))
        return rs_verdict_reject(v, "division_code",
                                 "township records need a 9- or 12-digit code",
                                 "乡镇（街道）的记录须填9位或12位的{}");
    return true;
}

/* ---------------------------------------------------------------- project */

/* True if the stage is a known value at or after 完工. */
static bool stage_done(const Rs__Project *p)
{
    return p->has_stage && p->stage >= RS__PROJECT_STAGE__STAGE_COMPLETED &&
           p->stage <= RS__PROJECT_STAGE__STAGE_HANDED_OVER;
}

static bool stage_accepted(const Rs__Project *p)
{
    return p->has_stage && (p->stage == RS__PROJECT_STAGE__STAGE_ACCEPTED ||
                            p->stage == RS__PROJECT_STAGE__STAGE_HANDED_OVER);
}

bool rs_rule_project_scale_unit(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (p->has_scale_qty_milli && empty(p->scale_unit))
        return rs_verdict_reject(v, "project.scale_unit",
                                 "required when scale_qty_milli is given",
                                 "填了{scale_qty_milli}时{}为必填项");
    return true;
}

/* Runs after the last fund_* field: the funds may not add up past the plan. */
bool rs_rule_project_funds(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;
    const struct {
        protobuf_c_boolean has;
        int64_t fen;
    } funds[] = {
        {p->has_fund_houfu_fen, p->fund_houfu_fen},
        {p->has_fund_kuqu_fen, p->fund_kuqu_fen},
        {p->has_fund_integrated_fen, p->fund_integrated_fen},
        {p->has_fund_self_fen, p->fund_self_fen},
    };
    int64_t sum = 0;
    bool any = false;

    if (!p->has_planned_investment_fen)
        return true;
    for (size_t i = 0; i < sizeof funds / sizeof funds[0]; i++) {
        if (!funds[i].has)
            continue;
        any = true;
        if (!add_fen(sum, funds[i].fen, &sum))
            return rs_verdict_reject(v, "project.planned_investment_fen",
                                     "sum of fund_* fields overflows",
                                     "各项资金来源之和超出可记录的范围");
    }
    if (any && sum > p->planned_investment_fen)
        return rs_verdict_reject(v, "project.planned_investment_fen",
                                 "must not be less than the sum of the fund_* fields",
                                 "{}不能小于{fund_houfu_fen}、{fund_kuqu_fen}、"
                                 "{fund_integrated_fen}、{fund_self_fen}之和");
    return true;
}

bool rs_rule_project_progress(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (p->has_progress_pct && stage_done(p) && p->progress_pct != 100)
        return rs_verdict_reject(v, "project.progress_pct",
                                 "must be 100 when stage is completed or later",
                                 "{stage}为完工及以后时{}须为100");
    return true;
}

bool rs_rule_project_planned_end(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (p->has_planned_start && p->has_planned_end && p->planned_end < p->planned_start)
        return rs_verdict_reject(v, "project.planned_end", "must not be before planned_start",
                                 "{}不能早于{planned_start}");
    return true;
}

bool rs_rule_project_actual_end(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (!p->has_actual_end) {
        if (stage_done(p))
            return rs_verdict_reject(v, "project.actual_end",
                                     "required when stage is completed or later",
                                     "{stage}为完工及以后时{}为必填项");
        return true;
    }
    if (p->has_actual_start && p->actual_end < p->actual_start)
        return rs_verdict_reject(v, "project.actual_end", "must not be before actual_start",
                                 "{}不能早于{actual_start}");
    return true;
}

bool rs_rule_project_acceptance_date(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (!p->has_acceptance_date) {
        if (stage_accepted(p))
            return rs_verdict_reject(v, "project.acceptance_date",
                                     "required when stage is accepted or handed over",
                                     "{stage}为竣工验收或移交管护时{}为必填项");
        return true;
    }
    if (p->has_actual_end && p->acceptance_date < p->actual_end)
        return rs_verdict_reject(v, "project.acceptance_date", "must not be before actual_end",
                                 "{}不能早于{actual_end}");
    return true;
}

bool rs_rule_project_acceptance_result(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (stage_accepted(p) &&
        (!p->has_acceptance_result || p->acceptance_result != RS__ACCEPTANCE__ACCEPT_PASSED))
        return rs_verdict_reject(v, "project.acceptance_result",
                                 "must be passed when stage is accepted or handed over",
                                 "{stage}为竣工验收或移交管护时{}须为合格");
    return true;
}

/* ---------------------------------------------------------------- subsidy */

/* registered + added, or -1 if registered is not given. */
static int64_t subsidy_roll(const Rs__SubsidyPayout *s)
{
    if (!s->has_registered_persons)
        return -1;
    return (int64_t)s->registered_persons + (s->has_persons_added ? s->persons_added : 0);
}

bool rs_rule_subsidy_removed(const void *msg, struct rs_verdict *v)
{
    const Rs__SubsidyPayout *s = msg;
    int64_t roll = subsidy_roll(s);

    if (s->has_persons_removed && roll >= 0 && s->persons_removed > roll)
        return rs_verdict_reject(v, "subsidy.persons_removed",
                                 "must not exceed registered_persons + persons_added",
                                 "{}不能超过{registered_persons}与{persons_added}之和");
    return true;
}

bool rs_rule_subsidy_paid(const void *msg, struct rs_verdict *v)
{
    const Rs__SubsidyPayout *s = msg;
    int64_t roll = subsidy_roll(s);

    if (s->has_persons_paid && roll >= 0 && s->persons_paid > roll)
        return rs_verdict_reject(v, "subsidy.persons_paid",
                                 "must not exceed registered_persons + persons_added",
                                 "{}不能超过{registered_persons}与{persons_added}之和");
    return true;
}

/* ---------------------------------------------------------------- training */

bool rs_rule_training_end_date(const void *msg, struct rs_verdict *v)
{
    const Rs__Training *t = msg;

    if (t->has_start_date && t->has_end_date && t->end_date < t->start_date)
        return rs_verdict_reject(v, "training.end_date", "must not be before start_date",
                                 "{}不能早于{start_date}");
    return true;
}

bool rs_rule_training_resettler_trainees(const void *msg, struct rs_verdict *v)
{
    const Rs__Training *t = msg;

    if (t->has_resettler_trainees && t->resettler_trainees > t->trainees)
        return rs_verdict_reject(v, "training.resettler_trainees", "must not exceed trainees",
                                 "{}不能超过{trainees}");
    return true;
}

bool rs_rule_training_certified(const void *msg, struct rs_verdict *v)
{
    const Rs__Training *t = msg;

    if (t->has_certified && t->certified > t->trainees)
        return rs_verdict_reject(v, "training.certified", "must not exceed trainees",
                                 "{}不能超过{trainees}");
    return true;
}

bool rs_rule_training_subsidy_persons(const void *msg, struct rs_verdict *v)
{
    const Rs__Training *t = msg;

    if (t->has_subsidy_persons && t->subsidy_persons > t->trainees)
        return rs_verdict_reject(v, "training.subsidy_persons", "must not exceed trainees",
                                 "{}不能超过{trainees}");
    return true;
}

/* ---------------------------------------------------------------- relief */

bool rs_rule_relief_household(const void *msg, struct rs_verdict *v)
{
    const Rs__Relief *r = msg;

    if (looks_like_id_card(r->household_ref))
        return rs_verdict_reject(v, "relief.household_ref",
                                 "looks like an ID-card number; send a household code or "
                                 "keyed hash",
                                 "{}看起来是身份证号码；请填户编码或身份证号的加密摘要，"
                                 "不要填身份证号本身");
    return true;
}

/* ---------------------------------------------------------------- petition */

bool rs_rule_petition_due(const void *msg, struct rs_verdict *v)
{
    const Rs__Petition *p = msg;

    if (p->has_due_date && p->due_date < p->received_date)
        return rs_verdict_reject(v, "petition.due_date", "must not be before received_date",
                                 "{}不能早于{received_date}");
    return true;
}

bool rs_rule_petition_closed(const void *msg, struct rs_verdict *v)
{
    const Rs__Petition *p = msg;

    if (!p->has_closed_date) {
        if (p->has_status && p->status == RS__PETITION_STATUS__PST_CLOSED)
            return rs_verdict_reject(v, "petition.closed_date",
                                     "required when status is closed",
                                     "{status}为办结时{}为必填项");
        return true;
    }
    if (p->closed_date < p->received_date)
        return rs_verdict_reject(v, "petition.closed_date", "must not be before received_date",
                                 "{}不能早于{received_date}");
    return true;
}

/* ---------------------------------------------------------------- survey */

bool rs_rule_survey_valid(const void *msg, struct rs_verdict *v)
{
    const Rs__Survey *s = msg;

    if (s->has_sample_size && s->valid > s->sample_size)
        return rs_verdict_reject(v, "survey.valid", "must not exceed sample_size",
                                 "{}不能超过{sample_size}");
    return true;
}

/* Runs after dissatisfied; valid is required and already checked. */
bool rs_rule_survey_answers(const void *msg, struct rs_verdict *v)
{
    const Rs__Survey *s = msg;
    uint64_t sum = (uint64_t)(s->has_satisfied ? s->satisfied : 0) +
                   (uint64_t)(s->has_basically_satisfied ? s->basically_satisfied : 0) +
                   (uint64_t)(s->has_dissatisfied ? s->dissatisfied : 0);

    if (sum > s->valid)
        return rs_verdict_reject(v, "survey.valid",
                                 "less than satisfied + basically_satisfied + dissatisfied",
                                 "{}不能小于{satisfied}、{basically_satisfied}、"
                                 "{dissatisfied}之和");
    return true;
}

/* ---------------------------------------------------------------- unit level */

bool rs_rule_procurement(const void *msg, struct rs_verdict *v)
{
    const Rs__Procurement *p = msg;

    if (!p->has_budget_fen && !p->has_actual_fen)
        return rs_verdict_reject(v, "procurement.budget_fen", "give budget_fen or actual_fen",
                                 "{}和{actual_fen}至少填一项");
    return true;
}

bool rs_rule_carry_over(const void *msg, struct rs_verdict *v)
{
    const Rs__CarryOver *c = msg;

    if (!c->has_start_fen && !c->has_end_fen)
        return rs_verdict_reject(v, "carry_over.start_fen", "give start_fen or end_fen",
                                 "{}和{end_fen}至少填一项");
    return true;
}

bool rs_rule_fixed_assets(const void *msg, struct rs_verdict *v)
{
    const Rs__FixedAssets *f = msg;

    if (!f->has_total_fen && !f->has_in_use_fen)
        return rs_verdict_reject(v, "fixed_assets.total_fen", "give total_fen or in_use_fen",
                                 "{}和{in_use_fen}至少填一项");
    if (f->has_total_fen && f->has_in_use_fen && f->in_use_fen > f->total_fen)
        return rs_verdict_reject(v, "fixed_assets.in_use_fen", "must not exceed total_fen",
                                 "{}不能超过{total_fen}");
    return true;
}

bool rs_rule_manual_score_items(const void *msg, struct rs_verdict *v)
{
    const Rs__ManualScore *m = msg;

    if (m->has_items_passed && m->has_items_total && m->items_passed > m->items_total)
        return rs_verdict_reject(v, "manual_score.items_passed", "must not exceed items_total",
                                 "{}不能超过{items_total}");
    return true;
}

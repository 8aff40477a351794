/*
 * rs_report_json.c - the report as JSON.
 *
 * See rs_report_fmt.h and docs/evaluation.md §7.2.  The same numbers as the
 * document, unrounded: money as integer fen next to a 万元 string, rates as
 * num/den next to a percentage with two decimals, scores as integer
 * milli-points next to their text; a rate that cannot be computed is null.
 * Pretty-printed with two-space indents, keys in a fixed order, so two
 * reports of the same records compare line by line.
 *
 * The reporting year's parts (rs_report.h, struct rs_report_extra) come
 * last, only when present: "accepted_only", "issue", "completeness"; the
 * board alone is the same "completeness" object at the top.
 *
 * Does not: read JSON, or escape anything beyond what RFC 8259 requires
 * (the text is UTF-8 and stays so).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "rs_report_fmt.h"
#include "rs_report_slug.h"
#include "rs_util.h"

#define JSON_MAX_DEPTH 16

struct json {
    struct rs_rbuf *b;
    int depth;
    bool first[JSON_MAX_DEPTH];
};

static void j_escape(struct rs_rbuf *b, const char *s)
{
    rs_rbuf_puts(b, "\"");
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char ch = (unsigned char)*p;

        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};

            rs_rbuf_add(b, e, 2);
        } else if (ch == '\n') {
            rs_rbuf_puts(b, "\\n");
        } else if (ch == '\r') {
            rs_rbuf_puts(b, "\\r");
        } else if (ch == '\t') {
            rs_rbuf_puts(b, "\\t");
        } else if (ch < 0x20) {
            rs_rbuf_printf(b, "\\u%04x", ch);
        } else {
            rs_rbuf_add(b, (const char *)p, 1);
        }
    }
    rs_rbuf_puts(b, "\"");
}

/* Starts a member (key set) or an element (key NULL). */
static void j_key(struct json *j, const char *key)
{
    if (!j->first[j->depth])
        rs_rbuf_puts(j->b, ",");
    j->first[j->depth] = false;
    rs_rbuf_puts(j->b, "\n");
    for (int i = 0; i <= j->depth; i++)
        rs_rbuf_puts(j->b, "  ");
    if (key) {
        j_escape(j->b, key);
        rs_rbuf_puts(j->b, ": ");
    }
}

static void j_open(struct json *j, const char *key, const char *brace)
{
    if (j->depth >= 0)
        j_key(j, key);
    rs_rbuf_puts(j->b, brace);
    if (j->depth + 1 < JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void j_close(struct json *j, const char *brace)
{
    bool empty = j->first[j->depth];

    j->depth--;
    if (!empty) {
        rs_rbuf_puts(j->b, "\n");
        for (int i = 0; i <= j->depth; i++)
            rs_rbuf_puts(j->b, "  ");
    }
    rs_rbuf_puts(j->b, brace);
}

static void j_obj(struct json *j, const char *key)
{
    j_open(j, key, "{");
}

static void j_arr(struct json *j, const char *key)
{
    j_open(j, key, "[");
}

static void j_end_obj(struct json *j)
{
    j_close(j, "}");
}

static void j_end_arr(struct json *j)
{
    j_close(j, "]");
}

static void j_str(struct json *j, const char *key, const char *v)
{
    j_key(j, key);
    if (v)
        j_escape(j->b, v);
    else
        rs_rbuf_puts(j->b, "null");
}

static void j_int(struct json *j, const char *key, int64_t v)
{
    j_key(j, key);
    rs_rbuf_printf(j->b, "%" PRId64, v);
}

static void j_bool(struct json *j, const char *key, bool v)
{
    j_key(j, key);
    rs_rbuf_puts(j->b, v ? "true" : "false");
}

static void j_null(struct json *j, const char *key)
{
    j_key(j, key);
    rs_rbuf_puts(j->b, "null");
}

static void j_money(struct json *j, const char *key, int64_t fen)
{
    char w[32];

    rs_money_wan(fen, w);
    j_obj(j, key);
    j_int(j, "fen", fen);
    j_str(j, "wan", w);
    j_end_obj(j);
}

/* Money that is given, or null. */
static void j_amt(struct json *j, const char *key, struct rs_eval_amt a)
{
    if (a.has)
        j_money(j, key, a.v);
    else
        j_null(j, key);
}

/* A count that is given, or null. */
static void j_count(struct json *j, const char *key, struct rs_eval_amt a)
{
    if (a.has)
        j_int(j, key, a.v);
    else
        j_null(j, key);
}

/* A sum over n records of which miss do not give its field: null when none
 * does (all n miss), so a figure nobody entered is never 0. */
static void j_sum_int(struct json *j, const char *key, int64_t v, uint32_t miss, uint32_t n)
{
    if (n && miss == n)
        j_null(j, key);
    else
        j_int(j, key, v);
}

static void j_sum_money(struct json *j, const char *key, int64_t fen, uint32_t miss, uint32_t n)
{
    if (n && miss == n)
        j_null(j, key);
    else
        j_money(j, key, fen);
}

/* A rate: {"num","den","pct"}, or null if den <= 0 (not computable). */
static void j_rate(struct json *j, const char *key, int64_t num, int64_t den)
{
    char p[32];

    if (den <= 0) {
        j_null(j, key);
        return;
    }
    rs_eval_pct(num, den, p);
    j_obj(j, key);
    j_int(j, "num", num);
    j_int(j, "den", den);
    j_str(j, "pct", p);
    j_end_obj(j);
}

static void j_milli(struct json *j, const char *key, int64_t milli)
{
    char m[32];

    rs_milli_format(milli, m);
    j_str(j, key, m);
}

static void j_town(struct json *j, const char *key, const struct rs_eval_town *t)
{
    j_obj(j, key);
    j_str(j, "code", t->code[0] ? t->code : NULL);
    j_str(j, "name", t->name);
    j_int(j, "records", t->records);
    j_obj(j, "projects");
    j_int(j, "count", t->proj_n);
    j_sum_int(j, "completed", t->proj_completed, t->proj_stage_miss, t->proj_n);
    j_sum_int(j, "on_time", t->proj_on_time, t->proj_stage_miss, t->proj_n);
    j_sum_int(j, "accepted", t->proj_passed, t->proj_stage_miss, t->proj_n);
    j_int(j, "maintenance_set", t->proj_maint);
    j_sum_money(j, "planned_investment", t->proj_planned_fen, t->proj_planned_miss, t->proj_n);
    j_sum_money(j, "completed_investment", t->proj_completed_fen, t->proj_completed_miss,
                t->proj_n);
    j_sum_money(j, "paid", t->proj_paid_fen, t->proj_paid_miss, t->proj_n);
    /* Projects that do not give a field summed above (stage: neither counted
     * as completed nor as not; completed_without_dates: not in on_time). */
    j_obj(j, "missing");
    j_int(j, "planned_investment", t->proj_planned_miss);
    j_int(j, "completed_investment", t->proj_completed_miss);
    j_int(j, "paid", t->proj_paid_miss);
    j_int(j, "stage", t->proj_stage_miss);
    j_int(j, "completed_without_dates", t->proj_no_dates);
    j_end_obj(j);
    j_arr(j, "by_category");
    for (size_t c = 0; c < RS_EVAL_NCAT; c++) {
        const struct rs_eval_cat *k = &t->cat[c];
        char sl[RS_ENUM_SLUG_MAX];

        if (!k->count)
            continue;
        j_obj(j, NULL);
        j_str(j, "category", rs_report_cat_slug(c, sl));
        j_str(j, "name", rs_eval_cat_name(c));
        j_int(j, "count", k->count);
        j_arr(j, "quantities");
        for (size_t q = 0; q < k->nqty; q++) {
            j_obj(j, NULL);
            j_str(j, "unit", k->qty[q].unit);
            j_int(j, "milli", k->qty[q].milli);
            j_milli(j, "value", k->qty[q].milli);
            j_end_obj(j);
        }
        j_end_arr(j);
        if (k->qty_other_milli)
            j_int(j, "other_units_milli", k->qty_other_milli);
        j_money(j, "planned_investment", k->planned_fen);
        j_money(j, "completed_investment", k->completed_fen);
        j_money(j, "paid", k->paid_fen);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_end_obj(j);
    j_obj(j, "training");
    j_int(j, "batches", t->tr_n);
    j_int(j, "person_times", t->tr_trainees);
    /* Over the batches that give it; none does: not given, not 0. */
    if (t->tr_n && t->tr_cert_n == 0)
        j_null(j, "certified");
    else
        j_int(j, "certified", t->tr_certified);
    j_int(j, "certified_batches", t->tr_cert_n);
    j_rate(j, "certification_rate", t->tr_certified, t->tr_cert_trainees);
    j_int(j, "planned", t->tr_planned);
    j_rate(j, "completion_rate", t->tr_planned_trainees, t->tr_planned);
    j_int(j, "self_batches", t->tr_self_n);
    j_int(j, "self_persons", t->tr_self_persons);
    j_money(j, "self_paid", t->tr_self_paid_fen);
    j_money(j, "funds", t->tr_cost_fen);
    j_int(j, "funds_missing", t->tr_cost_miss);
    j_end_obj(j);
    j_obj(j, "subsidy");
    j_int(j, "records", t->sub_n);
    j_sum_int(j, "persons_paid", t->sub_persons, t->sub_persons_miss, t->sub_n);
    j_sum_money(j, "due", t->sub_due_fen, t->sub_due_miss, t->sub_n);
    j_sum_money(j, "paid", t->sub_paid_fen, t->sub_paid_miss, t->sub_n);
    j_sum_int(j, "in_full_on_time", t->sub_ok, t->sub_ok_miss, t->sub_n);
    j_obj(j, "missing");
    j_int(j, "persons_paid", t->sub_persons_miss);
    j_int(j, "due", t->sub_due_miss);
    j_int(j, "paid", t->sub_paid_miss);
    j_int(j, "in_full_on_time", t->sub_ok_miss);
    j_end_obj(j);
    j_end_obj(j);
    j_obj(j, "relief");
    j_int(j, "records", t->rl_n);
    j_int(j, "households", t->rl_households);
    j_money(j, "funds", t->rl_fen);
    j_int(j, "delivered", t->rl_delivered);
    j_int(j, "without_amount", t->rl_no_amount);
    j_arr(j, "by_kind");
    for (size_t k = 0; k < RS_EVAL_NRKIND; k++) {
        char sl[RS_ENUM_SLUG_MAX];

        if (!t->rl_kind_households[k] && !t->rl_kind_fen[k])
            continue;
        j_obj(j, NULL);
        j_str(j, "kind", rs_report_rkind_slug(k, sl));
        j_str(j, "name", rs_eval_rkind_name(k));
        j_int(j, "households", t->rl_kind_households[k]);
        j_money(j, "funds", t->rl_kind_fen[k]);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_end_obj(j);
    j_obj(j, "petitions");
    j_int(j, "cases", t->pt_n);
    j_int(j, "closed", t->pt_closed);
    j_int(j, "repeat", t->pt_repeat);
    j_rate(j, "closed_rate", t->pt_closed, (int64_t)t->pt_n - t->pt_repeat);
    j_sum_int(j, "above_district", t->pt_above, t->pt_level_miss, t->pt_n);
    j_int(j, "level_missing", t->pt_level_miss);
    j_end_obj(j);
    j_obj(j, "survey");
    j_int(j, "surveys", t->sv_n);
    j_int(j, "sample", t->sv_sample);
    j_int(j, "valid", t->sv_valid);
    /* The answers are sums over every survey: null unless each gives all three. */
    if (t->sv_answers_miss) {
        j_null(j, "satisfied");
        j_null(j, "basically_satisfied");
        j_null(j, "dissatisfied");
        j_null(j, "satisfaction_rate");
    } else {
        j_int(j, "satisfied", t->sv_satisfied);
        j_int(j, "basically_satisfied", t->sv_basic);
        j_int(j, "dissatisfied", t->sv_dissatisfied);
        j_rate(j, "satisfaction_rate", (int64_t)t->sv_satisfied + t->sv_basic, t->sv_valid);
    }
    j_int(j, "answers_missing", t->sv_answers_miss);
    j_end_obj(j);
    j_end_obj(j);
}

static void j_unit(struct json *j, const struct rs_eval_result *res)
{
    const struct rs_eval_unit *u = &res->unit;

    j_obj(j, "unit");
    if (u->profile) {
        const Rs__UnitProfile *p = u->profile->unit_profile;

        j_str(j, "name", p->unit_name);
        j_str(j, "admin_level", p->admin_level);
        j_str(j, "funding", p->funding);
        j_str(j, "accounting", p->accounting);
        j_str(j, "departments", p->departments);
        j_str(j, "functions", p->functions);
        j_str(j, "disclosure", p->disclosure);
    }
    if (u->staff.any) {
        const struct rs_eval_staff *st = &u->staff;

        j_obj(j, "staffing");
        j_count(j, "establishment", st->establishment);
        j_count(j, "in_service", st->in_service);
        j_count(j, "veteran_retired", st->veteran_retired);
        j_count(j, "retired", st->retired);
        j_count(j, "temporary", st->temporary);
        j_count(j, "stated_total", st->stated_total);
        j_int(j, "sub_units", (int64_t)u->nsub);
        j_end_obj(j);
    } else {
        j_null(j, "staffing");
    }
    j_end_obj(j);

    j_obj(j, "budget");
    j_arr(j, "lines");
    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        const struct rs_eval_line *l = &u->line[k];
        struct rs_eval_amt dl = {l->final.v - l->year_start.v, l->final.has && l->year_start.has};
        char sl[RS_ENUM_SLUG_MAX];

        if (!l->rec)
            continue;
        j_obj(j, NULL);
        j_str(j, "line", rs_report_line_slug(k, sl));
        j_str(j, "name", rs_eval_line_name(k));
        j_amt(j, "year_start", l->year_start);
        j_amt(j, "addition", l->addition);
        /* Not given: null (the evaluation reads it as the year-start budget). */
        if (l->adjusted_given)
            j_amt(j, "adjusted", l->adjusted);
        else
            j_null(j, "adjusted");
        j_bool(j, "adjusted_given", l->adjusted_given);
        j_amt(j, "final", l->final);
        j_amt(j, "change", dl);
        j_amt(j, "higher_transfer", l->transfer);
        j_amt(j, "key", l->key);
        j_amt(j, "prev_year_start", l->prev_year_start);
        j_amt(j, "prev_final", l->prev_final);
        j_str(j, "change_reason", l->rec->budget_line->change_reason);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_obj(j, "total");
    j_amt(j, "year_start", u->ys_total);
    j_amt(j, "adjusted", u->adj_total);
    j_amt(j, "final", u->final_total);
    if (rs_report_transfer_given(u))
        j_amt(j, "higher_transfer", u->transfer_total);
    else
        j_null(j, "higher_transfer");
    if (u->final_total.has && u->adj_total.has)
        j_rate(j, "execution_rate", u->final_total.v, u->adj_total.v);
    else
        j_null(j, "execution_rate");
    j_end_obj(j);
    j_obj(j, "basic");
    j_amt(j, "year_start", u->basic_ys);
    j_amt(j, "adjusted", u->basic_adj);
    j_amt(j, "final", u->basic_final);
    j_end_obj(j);
    j_end_obj(j);

    j_obj(j, "sangong");
    j_amt(j, "budget", u->sg_budget);
    j_amt(j, "final", u->sg_final);
    j_amt(j, "prev_budget", u->sg_prev_budget);
    j_amt(j, "prev_final", u->sg_prev_final);
    j_arr(j, "items");
    for (size_t k = 1; k < RS_EVAL_NSANGONG; k++) {
        const struct rs_eval_sangong *sg = &u->sg[k];
        char sl[RS_ENUM_SLUG_MAX];

        if (!sg->rec)
            continue;
        j_obj(j, NULL);
        j_str(j, "kind", rs_report_sangong_slug(k, sl));
        j_str(j, "name", rs_eval_sangong_name(k));
        j_amt(j, "budget", sg->budget);
        j_amt(j, "final", sg->final);
        j_amt(j, "prev_budget", sg->prev_budget);
        j_amt(j, "prev_final", sg->prev_final);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_end_obj(j);

    if (u->procurement) {
        const Rs__Procurement *p = u->procurement->procurement;
        struct rs_eval_amt b = {p->budget_fen, p->has_budget_fen};
        struct rs_eval_amt a = {p->actual_fen, p->has_actual_fen};

        j_obj(j, "procurement");
        j_amt(j, "budget", b);
        j_amt(j, "actual", a);
        if (a.has && b.has)
            j_rate(j, "rate", a.v, b.v);
        else
            j_null(j, "rate");
        j_end_obj(j);
    } else {
        j_null(j, "procurement");
    }
    if (u->carry) {
        const Rs__CarryOver *c = u->carry->carry_over;
        struct rs_eval_amt st = {c->start_fen, c->has_start_fen};
        struct rs_eval_amt en = {c->end_fen, c->has_end_fen};

        j_obj(j, "carry_over");
        j_amt(j, "start", st);
        j_amt(j, "end", en);
        j_end_obj(j);
    } else {
        j_null(j, "carry_over");
    }
    if (u->assets) {
        const Rs__FixedAssets *fa = u->assets->fixed_assets;
        struct rs_eval_amt tot = {fa->total_fen, fa->has_total_fen};
        struct rs_eval_amt use = {fa->in_use_fen, fa->has_in_use_fen};

        j_obj(j, "fixed_assets");
        j_amt(j, "total", tot);
        j_amt(j, "in_use", use);
        j_end_obj(j);
    } else {
        j_null(j, "fixed_assets");
    }
}

/* The value of an indicator or formula: status, exact value, text, reason. */
static void j_item_value(struct json *j, const struct rs_eval_item *it)
{
    char v[48];

    j_str(j, "status", it->state == RS_EVAL_OK ? "ok" : "not_computable");
    if (it->state != RS_EVAL_OK) {
        j_null(j, "value");
    } else if (it->fi->kind == RS_VK_RATE) {
        j_rate(j, "value", it->num, it->den);
    } else {
        j_obj(j, "value");
        j_int(j, "num", it->num);
        j_int(j, "den", it->den);
        j_end_obj(j);
    }
    rs_eval_item_value(it, v);
    j_str(j, "value_text", v);
    j_str(j, "reason", it->reason);
}

static void j_indicators(struct json *j, const struct rs_eval_result *res)
{
    j_arr(j, "indicators");
    for (size_t i = 0; i < res->nitems; i++) {
        const struct rs_eval_item *it = &res->items[i];

        j_obj(j, NULL);
        j_str(j, "code", it->ind->code);
        j_str(j, "dimension", it->ind->dimension);
        j_str(j, "name", it->ind->name);
        j_str(j, "formula", it->fi->code);
        j_str(j, "rule", rs_framework_rule_name(it->ind->rule));
        j_str(j, "params", it->ind->params);
        j_str(j, "target", it->ind->target);
        j_int(j, "points_milli", it->ind->points_milli);
        j_milli(j, "points", it->ind->points_milli);
        j_int(j, "score_milli", it->score_milli);
        j_milli(j, "score", it->score_milli);
        j_item_value(j, it);
        j_arr(j, "inputs");
        for (size_t k = 0; k < it->ninputs; k++) {
            j_obj(j, NULL);
            j_str(j, "label", it->in[k].label);
            j_str(j, "value", it->in[k].value);
            j_str(j, "source", it->in[k].source);
            j_end_obj(j);
        }
        j_end_arr(j);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_arr(j, "dimensions");
    for (size_t d = 0; d < res->fw->ndims; d++) {
        j_obj(j, NULL);
        j_str(j, "name", res->fw->dims[d].name);
        j_int(j, "points_milli", res->fw->dims[d].points_milli);
        j_int(j, "score_milli", res->dim_score_milli[d]);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_arr(j, "formulas");
    for (size_t i = 0; i < res->nfx; i++) {
        const struct rs_eval_item *it = &res->fx[i];

        j_obj(j, NULL);
        j_str(j, "formula", it->fi->code);
        j_str(j, "name", it->fi->name);
        j_item_value(j, it);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_obj(j, "total");
    j_int(j, "score_milli", res->total_milli);
    j_milli(j, "score", res->total_milli);
    j_str(j, "grade", res->grade);
    /* A framework that covers part of a published table: its points and the table's. */
    if (res->fw->published_milli) {
        j_milli(j, "covered_points", res->fw->total_milli);
        j_milli(j, "published_points", res->fw->published_milli);
    }
    j_end_obj(j);
}

/* ------------------------------------------------------------ the reporting year */

/* A date, or null for 0. */
static void j_date(struct json *j, const char *key, uint32_t d)
{
    char day[11];

    if (!d) {
        j_null(j, key);
        return;
    }
    rs_date_format(d, day);
    j_str(j, key, day);
}

static void j_compl_rate(struct json *j, const char *key, const struct rs_compl_rate *r)
{
    j_obj(j, key);
    j_int(j, "expected", r->expected);
    j_int(j, "reported", r->reported);
    j_int(j, "on_time", r->on_time);
    j_int(j, "late", r->late);
    j_int(j, "missing", r->missing);
    j_int(j, "nil", r->nil);
    j_rate(j, "reporting_rate", r->reported, r->expected);
    j_rate(j, "timeliness_rate", r->on_time, r->expected);
    j_end_obj(j);
}

/* The completeness board: schedule, townships with their returns, total. */
static void j_board(struct json *j, const char *key, const struct rs_compl_board *bd)
{
    char sl[RS_ENUM_SLUG_MAX];

    j_obj(j, key);
    j_int(j, "year", bd->year);
    j_date(j, "as_of", bd->as_of);
    j_str(j, "period", bd->period == RS__PERIOD__PERIOD_UNSPECIFIED
                           ? NULL
                           : rs_enum_slug(&rs__period__descriptor, (int)bd->period, sl));
    j_arr(j, "schedule");
    for (size_t l = 0; l < bd->sched.n; l++) {
        const struct rs_sched_line *ln = &bd->sched.lines[l];

        j_obj(j, NULL);
        j_str(j, "type", rs_rtype_name(rs_compl_line_type(bd, l)));
        j_str(j, "period_kind", rs_period_kind_name(ln->kind));
        j_int(j, "deadline_days", ln->deadline_days);
        j_arr(j, "townships");
        for (size_t k = 0; k < ln->ntownships; k++)
            j_str(j, NULL, ln->townships[k]);
        j_end_arr(j);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_arr(j, "townships");
    for (size_t t = 0; t < bd->ntowns; t++) {
        j_obj(j, NULL);
        j_str(j, "code", bd->towns[t].code);
        j_str(j, "name", bd->towns[t].name);
        j_compl_rate(j, "counts", &bd->rates[t]);
        j_arr(j, "returns");
        for (size_t i = 0; i < bd->ncells; i++) {
            const struct rs_compl_cell *c = &bd->cells[i];

            if (c->town != t)
                continue;
            j_obj(j, NULL);
            j_str(j, "type", rs_rtype_name(rs_compl_line_type(bd, c->line)));
            j_str(j, "period", rs_enum_slug(&rs__period__descriptor, (int)c->period, sl));
            j_date(j, "deadline", c->deadline);
            j_str(j, "state", rs_compl_state_name(c->state));
            j_date(j, "reported_on", c->reported_on);
            j_int(j, "days_late", c->days_late);
            j_end_obj(j);
        }
        j_end_arr(j);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_compl_rate(j, "total", &bd->total);
    j_end_obj(j);
}

/* Which issue of a closed year this report is. */
static void j_issue(struct json *j, const struct rs_report_extra *x)
{
    j_obj(j, "issue");
    j_int(j, "number", x->issues[x->nissues - 1].issue);
    j_arr(j, "issues");
    for (size_t i = 0; i < x->nissues; i++) {
        j_obj(j, NULL);
        j_int(j, "number", x->issues[i].issue);
        j_date(j, "issued_on", x->issues[i].issued_on);
        j_str(j, "by", x->issues[i].by);
        j_str(j, "reason", x->issues[i].reason[0] ? x->issues[i].reason : NULL);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_end_obj(j);
}

void rs_report_json_board(const struct rs_compl_board *board, struct rs_rbuf *b)
{
    struct json j = {b, -1, {false}};

    j_board(&j, NULL, board);
    rs_rbuf_puts(b, "\n");
}

void rs_report_json(const struct rs_eval_result *res, const struct rs_report_extra *x,
                    struct rs_rbuf *b)
{
    struct json j = {b, -1, {false}};

    j_obj(&j, NULL);
    j_int(&j, "year", res->year);
    j_str(&j, "scope", res->is_township ? "township" : "consolidated");
    j_str(&j, "division", res->is_township ? res->division : NULL);
    j_obj(&j, "framework");
    j_str(&j, "name", res->fw->name);
    j_str(&j, "sha256", res->fw->hash);
    j_obj(&j, "formulas");
    j_str(&j, "name", res->fw->lib->name);
    j_str(&j, "sha256", res->fw->lib->hash);
    j_end_obj(&j);
    j_obj(&j, "checks");
    j_str(&j, "name", res->fw->lib->checks_name[0] ? res->fw->lib->checks_name : NULL);
    j_str(&j, "sha256", res->fw->lib->checks_name[0] ? res->fw->lib->checks_hash : NULL);
    j_end_obj(&j);
    j_end_obj(&j);
    j_int(&j, "records", (int64_t)res->nrecords);
    j_int(&j, "records_ignored", (int64_t)res->ds->ignored);
    if (!res->is_township) {
        j_unit(&j, res);
        j_indicators(&j, res);
        j_town(&j, "district", &res->total);
    }
    j_arr(&j, "townships");
    for (size_t i = 0; i < res->ntowns; i++)
        j_town(&j, NULL, &res->towns[i]);
    j_end_arr(&j);
    j_arr(&j, "findings");
    for (size_t i = 0; i < res->nfindings; i++) {
        const struct rs_eval_finding *f = &res->findings[i];

        j_obj(&j, NULL);
        j_str(&j, "severity", rs_report_sev_slug(f->sev));
        j_str(&j, "code", f->code);
        j_str(&j, "check", f->check);
        j_str(&j, "expected", f->expected);
        j_str(&j, "found", f->found);
        j_str(&j, "where", f->where);
        j_str(&j, "division", f->division[0] ? f->division : NULL);
        j_end_obj(&j);
    }
    j_end_arr(&j);
    j_int(&j, "findings_dropped", (int64_t)res->findings_dropped);
    if (x && x->accepted_only)
        j_bool(&j, "accepted_only", true);
    if (x && x->nissues)
        j_issue(&j, x);
    if (x && x->board)
        j_board(&j, "completeness", x->board);
    j_end_obj(&j);
    rs_rbuf_puts(b, "\n");
}

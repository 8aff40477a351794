/*
 * rs_report_csv.c - the report as CSV, one number per row.
 *
 * See rs_report_fmt.h and docs/evaluation.md §7.3.  Rows are
 * section,key,division,metric,value with CRLF line ends (what Excel
 * expects); money is two rows (<metric>_fen and <metric>_wan), a rate
 * three (_num, _den, _pct), and a rate whose denominator is not positive
 * none.  Fields are quoted only when they hold a comma, quote or line
 * break.
 *
 * The reporting year's parts, when present, come last: a meta row
 * accepted_only, rows of section "issue" (one key per issue), rows of
 * section "completeness" (the board; the board alone is the same rows).
 *
 * Does not: write a BOM or any encoding but UTF-8, or read CSV.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rs_report_fmt.h"
#include "rs_report_slug.h"
#include "rs_util.h"

static void c_field(struct rs_rbuf *b, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;

    if (!quote) {
        rs_rbuf_puts(b, s);
        return;
    }
    rs_rbuf_puts(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            rs_rbuf_puts(b, "\"");
        rs_rbuf_add(b, p, 1);
    }
    rs_rbuf_puts(b, "\"");
}

static void c_row(struct rs_rbuf *b, const char *section, const char *key, const char *div,
                  const char *metric, const char *value)
{
    c_field(b, section);
    rs_rbuf_puts(b, ",");
    c_field(b, key);
    rs_rbuf_puts(b, ",");
    c_field(b, div);
    rs_rbuf_puts(b, ",");
    c_field(b, metric);
    rs_rbuf_puts(b, ",");
    c_field(b, value ? value : "");
    rs_rbuf_puts(b, "\r\n");
}

static void c_int(struct rs_rbuf *b, const char *section, const char *key, const char *div,
                  const char *metric, int64_t v)
{
    char s[32];

    snprintf(s, sizeof s, "%" PRId64, v);
    c_row(b, section, key, div, metric, s);
}

/* Two rows: <metric>_fen and <metric>_wan. */
static void c_money(struct rs_rbuf *b, const char *section, const char *key, const char *div,
                    const char *metric, int64_t fen)
{
    char m[64], w[32];

    snprintf(m, sizeof m, "%s_fen", metric);
    c_int(b, section, key, div, m, fen);
    snprintf(m, sizeof m, "%s_wan", metric);
    rs_money_wan(fen, w);
    c_row(b, section, key, div, m, w);
}

/* Three rows: <metric>_num, _den and _pct; none if den <= 0. */
static void c_rate(struct rs_rbuf *b, const char *section, const char *key, const char *div,
                   const char *metric, int64_t num, int64_t den)
{
    char m[64], p[32];

    if (den <= 0)
        return;
    snprintf(m, sizeof m, "%s_num", metric);
    c_int(b, section, key, div, m, num);
    snprintf(m, sizeof m, "%s_den", metric);
    c_int(b, section, key, div, m, den);
    snprintf(m, sizeof m, "%s_pct", metric);
    rs_eval_pct(num, den, p);
    c_row(b, section, key, div, m, p);
}

/* True when none of n records gives the field (a sum that is not given:
 * its row is left out, and the *_missing row says why). */
static bool all_miss(uint32_t miss, uint32_t n)
{
    return n && miss == n;
}

static void c_town(struct rs_rbuf *b, const struct rs_eval_town *t, const char *div)
{
    c_int(b, "township", "projects", div, "count", t->proj_n);
    if (!all_miss(t->proj_stage_miss, t->proj_n))
        c_int(b, "township", "projects", div, "completed", t->proj_completed);
    if (!all_miss(t->proj_planned_miss, t->proj_n))
        c_money(b, "township", "projects", div, "planned_investment", t->proj_planned_fen);
    if (!all_miss(t->proj_completed_miss, t->proj_n))
        c_money(b, "township", "projects", div, "completed_investment", t->proj_completed_fen);
    if (!all_miss(t->proj_paid_miss, t->proj_n))
        c_money(b, "township", "projects", div, "paid", t->proj_paid_fen);
    for (size_t c = 0; c < RS_EVAL_NCAT; c++) {
        const struct rs_eval_cat *k = &t->cat[c];
        char key[48], sl[RS_ENUM_SLUG_MAX];

        if (!k->count)
            continue;
        snprintf(key, sizeof key, "category.%s", rs_report_cat_slug(c, sl));
        c_int(b, "township", key, div, "count", k->count);
        for (size_t q = 0; q < k->nqty; q++) {
            char m[64], v[32];

            snprintf(m, sizeof m, "quantity[%s]", k->qty[q].unit);
            rs_milli_format(k->qty[q].milli, v);
            c_row(b, "township", key, div, m, v);
        }
        c_money(b, "township", key, div, "planned_investment", k->planned_fen);
        c_money(b, "township", key, div, "completed_investment", k->completed_fen);
        c_money(b, "township", key, div, "paid", k->paid_fen);
    }
    c_int(b, "township", "training", div, "batches", t->tr_n);
    c_int(b, "township", "training", div, "person_times", t->tr_trainees);
    if (!(t->tr_n && t->tr_cert_n == 0))      /* no batch gives it: no row, not 0 */
        c_int(b, "township", "training", div, "certified", t->tr_certified);
    c_int(b, "township", "training", div, "certified_batches", t->tr_cert_n);
    c_rate(b, "township", "training", div, "certification_rate", t->tr_certified,
           t->tr_cert_trainees);
    c_int(b, "township", "training", div, "self_persons", t->tr_self_persons);
    c_money(b, "township", "training", div, "self_paid", t->tr_self_paid_fen);
    c_money(b, "township", "training", div, "funds", t->tr_cost_fen);
    c_int(b, "township", "subsidy", div, "records", t->sub_n);
    if (!all_miss(t->sub_persons_miss, t->sub_n))
        c_int(b, "township", "subsidy", div, "persons_paid", t->sub_persons);
    if (!all_miss(t->sub_due_miss, t->sub_n))
        c_money(b, "township", "subsidy", div, "due", t->sub_due_fen);
    if (!all_miss(t->sub_paid_miss, t->sub_n))
        c_money(b, "township", "subsidy", div, "paid", t->sub_paid_fen);
    if (!all_miss(t->sub_ok_miss, t->sub_n))
        c_int(b, "township", "subsidy", div, "in_full_on_time", t->sub_ok);
    {
        /* Records that do not give a field summed above. */
        const struct {
            const char *key, *metric;
            uint32_t n;
        } miss[] = {
            {"projects", "planned_investment_missing", t->proj_planned_miss},
            {"projects", "completed_investment_missing", t->proj_completed_miss},
            {"projects", "paid_missing", t->proj_paid_miss},
            {"projects", "stage_missing", t->proj_stage_miss},
            {"training", "funds_missing", t->tr_cost_miss},
            {"subsidy", "persons_paid_missing", t->sub_persons_miss},
            {"subsidy", "due_missing", t->sub_due_miss},
            {"subsidy", "paid_missing", t->sub_paid_miss},
            {"subsidy", "in_full_on_time_missing", t->sub_ok_miss},
            {"petitions", "level_missing", t->pt_level_miss},
            {"survey", "answers_missing", t->sv_answers_miss},
        };

        for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++) {
            if (miss[i].n)
                c_int(b, "township", miss[i].key, div, miss[i].metric, miss[i].n);
        }
    }
    c_int(b, "township", "relief", div, "households", t->rl_households);
    c_money(b, "township", "relief", div, "funds", t->rl_fen);
    for (size_t k = 0; k < RS_EVAL_NRKIND; k++) {
        char key[48], sl[RS_ENUM_SLUG_MAX];

        if (!t->rl_kind_households[k] && !t->rl_kind_fen[k])
            continue;
        snprintf(key, sizeof key, "relief.%s", rs_report_rkind_slug(k, sl));
        c_int(b, "township", key, div, "households", t->rl_kind_households[k]);
        c_money(b, "township", key, div, "funds", t->rl_kind_fen[k]);
    }
    c_int(b, "township", "petitions", div, "cases", t->pt_n);
    c_int(b, "township", "petitions", div, "closed", t->pt_closed);
    if (!all_miss(t->pt_level_miss, t->pt_n))
        c_int(b, "township", "petitions", div, "above_district", t->pt_above);
    c_int(b, "township", "survey", div, "valid", t->sv_valid);
    /* Over every survey: only when each gives all three answers. */
    if (!t->sv_answers_miss)
        c_rate(b, "township", "survey", div, "satisfaction_rate",
               (int64_t)t->sv_satisfied + t->sv_basic, t->sv_valid);
}

/* A money pair for a figure that is given; an absent one has no row. */
static void c_amt(struct rs_rbuf *b, const char *section, const char *key, const char *metric,
                  struct rs_eval_amt a)
{
    if (a.has)
        c_money(b, section, key, "", metric, a.v);
}

static void c_unit(struct rs_rbuf *b, const struct rs_eval_result *res)
{
    const struct rs_eval_unit *u = &res->unit;
    const struct rs_eval_staff *st = &u->staff;
    const struct {
        const char *metric;
        const struct rs_eval_amt *a;
    } staff[] = {{"establishment", &st->establishment}, {"in_service", &st->in_service},
                 {"veteran_retired", &st->veteran_retired}, {"retired", &st->retired},
                 {"temporary", &st->temporary}, {"stated_total", &st->stated_total}};

    for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
        if (staff[i].a->has)
            c_int(b, "unit", "staffing", "", staff[i].metric, staff[i].a->v);
    }
    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        const struct rs_eval_line *l = &u->line[k];
        char sl[RS_ENUM_SLUG_MAX], key[RS_ENUM_SLUG_MAX + 8];

        if (!l->rec)
            continue;
        /* The 合计 record is "total_line"; "total" is the budget's total. */
        snprintf(key, sizeof key, "%s%s", rs_report_line_slug(k, sl),
                 k == RS_EVAL_LINE_TOTAL ? "_line" : "");
        c_amt(b, "budget", key, "year_start", l->year_start);
        c_amt(b, "budget", key, "addition", l->addition);
        if (l->adjusted_given)
            c_amt(b, "budget", key, "adjusted", l->adjusted);
        c_amt(b, "budget", key, "final", l->final);
        c_amt(b, "budget", key, "higher_transfer", l->transfer);
        c_amt(b, "budget", key, "prev_year_start", l->prev_year_start);
        c_amt(b, "budget", key, "prev_final", l->prev_final);
    }
    c_amt(b, "budget", "total", "year_start", u->ys_total);
    c_amt(b, "budget", "total", "adjusted", u->adj_total);
    c_amt(b, "budget", "total", "final", u->final_total);
    if (rs_report_adj_missing(u))
        c_int(b, "budget", "total", "", "adjusted_missing", rs_report_adj_missing(u));
    if (u->final_total.has && u->adj_total.has)
        c_rate(b, "budget", "total", "", "execution_rate", u->final_total.v, u->adj_total.v);
    c_amt(b, "budget", "basic", "year_start", u->basic_ys);
    c_amt(b, "budget", "basic", "final", u->basic_final);
    for (size_t k = 1; k < RS_EVAL_NSANGONG; k++) {
        char sl[RS_ENUM_SLUG_MAX], key[RS_ENUM_SLUG_MAX + 8];

        if (!u->sg[k].rec)
            continue;
        snprintf(key, sizeof key, "%s%s", rs_report_sangong_slug(k, sl),
                 k == RS_EVAL_SG_TOTAL ? "_line" : "");
        c_amt(b, "sangong", key, "budget", u->sg[k].budget);
        c_amt(b, "sangong", key, "final", u->sg[k].final);
        c_amt(b, "sangong", key, "prev_budget", u->sg[k].prev_budget);
        c_amt(b, "sangong", key, "prev_final", u->sg[k].prev_final);
    }
    c_amt(b, "sangong", "total", "budget", u->sg_budget);
    c_amt(b, "sangong", "total", "final", u->sg_final);
    if (u->procurement) {
        const Rs__Procurement *p = u->procurement->procurement;

        if (p->has_budget_fen)
            c_money(b, "procurement", "total", "", "budget", p->budget_fen);
        if (p->has_actual_fen)
            c_money(b, "procurement", "total", "", "actual", p->actual_fen);
        if (p->has_budget_fen && p->has_actual_fen)
            c_rate(b, "procurement", "total", "", "rate", p->actual_fen, p->budget_fen);
    }
}

/*
 * An indicator's or formula's status, exact value and text; the reason
 * always (indicators) or only when not computable (formulas).
 */
static void c_item_value(struct rs_rbuf *b, const char *section, const char *k,
                         const struct rs_eval_item *it, bool always_reason)
{
    char v[48];

    c_row(b, section, k, "", "status", it->state == RS_EVAL_OK ? "ok" : "not_computable");
    if (it->state == RS_EVAL_OK) {
        c_int(b, section, k, "", "value_num", it->num);
        c_int(b, section, k, "", "value_den", it->den);
        if (it->fi->kind == RS_VK_RATE) {
            char p[32];

            rs_eval_pct(it->num, it->den, p);
            c_row(b, section, k, "", "value_pct", p);
        }
    }
    rs_eval_item_value(it, v);
    c_row(b, section, k, "", "value", v);
    if (always_reason || it->state != RS_EVAL_OK)
        c_row(b, section, k, "", "reason", it->reason);
}

static void c_indicators(struct rs_rbuf *b, const struct rs_eval_result *res)
{
    for (size_t i = 0; i < res->nitems; i++) {
        const struct rs_eval_item *it = &res->items[i];
        const char *k = it->ind->code;
        char m[32];

        c_row(b, "indicator", k, "", "dimension", it->ind->dimension);
        c_row(b, "indicator", k, "", "name", it->ind->name);
        c_row(b, "indicator", k, "", "formula", it->fi->code);
        c_row(b, "indicator", k, "", "rule", rs_framework_rule_name(it->ind->rule));
        c_row(b, "indicator", k, "", "target", it->ind->target);
        c_int(b, "indicator", k, "", "points_milli", it->ind->points_milli);
        c_int(b, "indicator", k, "", "score_milli", it->score_milli);
        rs_milli_format(it->score_milli, m);
        c_row(b, "indicator", k, "", "score", m);
        c_item_value(b, "indicator", k, it, true);
    }
    for (size_t d = 0; d < res->fw->ndims; d++) {
        c_int(b, "dimension", res->fw->dims[d].name, "", "points_milli",
              res->fw->dims[d].points_milli);
        c_int(b, "dimension", res->fw->dims[d].name, "", "score_milli", res->dim_score_milli[d]);
    }
    for (size_t i = 0; i < res->nfx; i++) {
        const struct rs_eval_item *it = &res->fx[i];

        c_item_value(b, "formula", it->fi->code, it, false);
    }
    {
        char m[32];

        c_int(b, "total", "total", "", "score_milli", res->total_milli);
        rs_milli_format(res->total_milli, m);
        c_row(b, "total", "total", "", "score", m);
        c_row(b, "total", "total", "", "grade", res->grade);
        if (res->fw->published_milli) {
            rs_milli_format(res->fw->total_milli, m);
            c_row(b, "total", "total", "", "covered_points", m);
            rs_milli_format(res->fw->published_milli, m);
            c_row(b, "total", "total", "", "published_points", m);
        }
    }
}

/* ------------------------------------------------------------ the reporting year */

static void c_date(struct rs_rbuf *b, const char *section, const char *key, const char *div,
                   const char *metric, uint32_t d)
{
    char day[11];

    if (!d)
        return;
    rs_date_format(d, day);
    c_row(b, section, key, div, metric, day);
}

static void c_compl_rate(struct rs_rbuf *b, const char *div, const struct rs_compl_rate *r)
{
    c_int(b, "completeness", "counts", div, "expected", r->expected);
    c_int(b, "completeness", "counts", div, "reported", r->reported);
    c_int(b, "completeness", "counts", div, "on_time", r->on_time);
    c_int(b, "completeness", "counts", div, "late", r->late);
    c_int(b, "completeness", "counts", div, "missing", r->missing);
    c_int(b, "completeness", "counts", div, "nil", r->nil);
    c_rate(b, "completeness", "counts", div, "reporting_rate", r->reported, r->expected);
    c_rate(b, "completeness", "counts", div, "timeliness_rate", r->on_time, r->expected);
}

/* The board's rows: its date, each return (key <type>.<period>), each township's counts. */
static void c_board(struct rs_rbuf *b, const struct rs_compl_board *bd)
{
    char sl[RS_ENUM_SLUG_MAX];

    c_int(b, "completeness", "board", "", "year", bd->year);
    c_date(b, "completeness", "board", "", "as_of", bd->as_of);
    if (bd->period != RS__PERIOD__PERIOD_UNSPECIFIED)
        c_row(b, "completeness", "board", "", "period",
              rs_enum_slug(&rs__period__descriptor, (int)bd->period, sl));
    for (size_t t = 0; t < bd->ntowns; t++) {
        const char *div = bd->towns[t].code;

        for (size_t i = 0; i < bd->ncells; i++) {
            const struct rs_compl_cell *c = &bd->cells[i];
            char key[64];

            if (c->town != t)
                continue;
            snprintf(key, sizeof key, "%s.%s", rs_rtype_name(rs_compl_line_type(bd, c->line)),
                     rs_enum_slug(&rs__period__descriptor, (int)c->period, sl));
            c_date(b, "completeness", key, div, "deadline", c->deadline);
            c_row(b, "completeness", key, div, "state", rs_compl_state_name(c->state));
            c_date(b, "completeness", key, div, "reported_on", c->reported_on);
            if (c->days_late)
                c_int(b, "completeness", key, div, "days_late", c->days_late);
        }
        c_compl_rate(b, div, &bd->rates[t]);
    }
    c_compl_rate(b, "all", &bd->total);
}

void rs_report_csv_board(const struct rs_compl_board *board, struct rs_rbuf *b)
{
    c_row(b, "section", "key", "division", "metric", "value");
    c_board(b, board);
}

void rs_report_csv(const struct rs_eval_result *res, const struct rs_report_extra *x,
                   struct rs_rbuf *b)
{
    c_row(b, "section", "key", "division", "metric", "value");
    c_int(b, "meta", "report", "", "year", res->year);
    c_row(b, "meta", "report", "", "scope", res->is_township ? "township" : "consolidated");
    if (res->is_township)
        c_row(b, "meta", "report", "", "division", res->division);
    c_row(b, "meta", "framework", "", "name", res->fw->name);
    c_row(b, "meta", "framework", "", "sha256", res->fw->hash);
    c_row(b, "meta", "formulas", "", "name", res->fw->lib->name);
    c_row(b, "meta", "formulas", "", "sha256", res->fw->lib->hash);
    if (res->fw->lib->checks_name[0]) {
        c_row(b, "meta", "checks", "", "name", res->fw->lib->checks_name);
        c_row(b, "meta", "checks", "", "sha256", res->fw->lib->checks_hash);
    }
    c_int(b, "meta", "report", "", "records", (int64_t)res->nrecords);
    if (!res->is_township) {
        c_unit(b, res);
        c_indicators(b, res);
        c_town(b, &res->total, "all");
    }
    for (size_t i = 0; i < res->ntowns; i++)
        c_town(b, &res->towns[i], res->towns[i].code);
    for (size_t i = 0; i < res->nfindings; i++) {
        const struct rs_eval_finding *f = &res->findings[i];
        char k[24];

        snprintf(k, sizeof k, "%zu", i + 1);
        c_row(b, "finding", k, f->division, "severity", rs_report_sev_slug(f->sev));
        c_row(b, "finding", k, f->division, "code", f->code);
        c_row(b, "finding", k, f->division, "check", f->check);
        c_row(b, "finding", k, f->division, "expected", f->expected);
        c_row(b, "finding", k, f->division, "found", f->found);
        c_row(b, "finding", k, f->division, "where", f->where);
    }
    if (x && x->accepted_only)
        c_row(b, "meta", "report", "", "accepted_only", "yes");
    for (size_t i = 0; x && i < x->nissues; i++) {
        char k[24];

        snprintf(k, sizeof k, "%u", (unsigned)x->issues[i].issue);
        c_date(b, "issue", k, "", "issued_on", x->issues[i].issued_on);
        c_row(b, "issue", k, "", "by", x->issues[i].by);
        if (x->issues[i].reason[0])
            c_row(b, "issue", k, "", "reason", x->issues[i].reason);
    }
    if (x && x->board)
        c_board(b, x->board);
}

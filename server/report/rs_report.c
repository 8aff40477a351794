/*
 * rs_report.c - builds the report from the store; renders JSON and CSV.
 *
 * See rs_report.h.  rs_report_build is the only function here that touches
 * the store (read-only: one scan of the year, one list of offices), and the
 * only one that starts a thread (one helper that unpacks the scanned bodies
 * while the scan goes on, joined before it returns); all else is pure.  The
 * Markdown/text document is rendered by rs_render.c; this file renders the
 * machine formats, which carry the same numbers unrounded:
 * money as integer fen next to a 万元 string, rates as num/den next to a
 * percentage with two decimals, scores as integer milli-points.
 *
 * Does not: compute figures or scores (rs_eval.c), or write anywhere but
 * the caller's buffer.
 */
#include "rs_report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "rs_framework.h"
#include "rs_report_int.h"
#include "rs_util.h"

#ifndef RS_FRAMEWORK_DIR
#define RS_FRAMEWORK_DIR "server/frameworks"
#endif

/* ------------------------------------------------------------ buffer */

void rs_rbuf_add(struct rs_rbuf *b, const char *s, size_t n)
{
    if (b->err)
        return;
    if (b->len + n + 1 > RS_REPORT_MAX_BYTES) {
        b->err = RS_ETOOBIG;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > RS_REPORT_MAX_BYTES)
            cap = RS_REPORT_MAX_BYTES;
        p = realloc(b->p, cap);
        if (!p) {
            b->err = RS_ENOMEM;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void rs_rbuf_puts(struct rs_rbuf *b, const char *s)
{
    rs_rbuf_add(b, s, strlen(s));
}

void rs_rbuf_vprintf(struct rs_rbuf *b, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        b->err = b->err ? b->err : RS_EINTERNAL;
    } else if ((size_t)n < sizeof small) {
        rs_rbuf_add(b, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);

        if (!big) {
            b->err = b->err ? b->err : RS_ENOMEM;
        } else {
            vsnprintf(big, (size_t)n + 1, fmt, ap2);
            rs_rbuf_add(b, big, (size_t)n);
            free(big);
        }
    }
    va_end(ap2);
}

void rs_rbuf_printf(struct rs_rbuf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    rs_rbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ slugs */

static const char *const cat_slugs[RS_EVAL_NCAT] = {
    "unspecified", "road",     "pond",    "canal",    "water",    "sewer",
    "bridge",      "grid",     "industry", "village", "capacity", "other",
};
static const char *const line_slugs[RS_EVAL_NLINES] = {
    "", "personnel", "public", "project", "gov_fund", "state_capital", "social_insurance",
};
static const char *const rkind_slugs[RS_EVAL_NRKIND] = {
    "unspecified", "hardship", "study_award", "new_year", "other",
};
static const char *const sangong_slugs[RS_EVAL_NSANGONG] = {
    "", "outbound", "reception", "vehicle_purchase", "vehicle_upkeep",
};

const char *rs_report_cat_slug(size_t cat)
{
    return cat < RS_EVAL_NCAT ? cat_slugs[cat] : "";
}

const char *rs_report_line_slug(size_t line)
{
    return line < RS_EVAL_NLINES ? line_slugs[line] : "";
}

const char *rs_report_rkind_slug(size_t kind)
{
    return kind < RS_EVAL_NRKIND ? rkind_slugs[kind] : "";
}

const char *rs_report_sangong_slug(size_t kind)
{
    return kind < RS_EVAL_NSANGONG ? sangong_slugs[kind] : "";
}

static const char *sev_slug(enum rs_eval_sev s)
{
    return s == RS_SEV_ERROR ? "error" : s == RS_SEV_WARNING ? "warning" : "note";
}

/* ------------------------------------------------------------ JSON */

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
    j_int(j, "completed", t->proj_completed);
    j_int(j, "on_time", t->proj_on_time);
    j_int(j, "accepted", t->proj_passed);
    j_int(j, "maintenance_set", t->proj_maint);
    j_money(j, "planned_investment", t->proj_planned_fen);
    j_money(j, "completed_investment", t->proj_completed_fen);
    j_money(j, "paid", t->proj_paid_fen);
    j_arr(j, "by_category");
    for (size_t c = 0; c < RS_EVAL_NCAT; c++) {
        const struct rs_eval_cat *k = &t->cat[c];

        if (!k->count)
            continue;
        j_obj(j, NULL);
        j_str(j, "category", rs_report_cat_slug(c));
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
    j_int(j, "certified", t->tr_certified);
    j_rate(j, "certification_rate", t->tr_certified, t->tr_trainees);
    j_int(j, "planned", t->tr_planned);
    j_rate(j, "completion_rate", t->tr_planned_trainees, t->tr_planned);
    j_int(j, "self_batches", t->tr_self_n);
    j_int(j, "self_persons", t->tr_self_persons);
    j_money(j, "self_paid", t->tr_self_paid_fen);
    j_money(j, "funds", t->tr_cost_fen);
    j_end_obj(j);
    j_obj(j, "subsidy");
    j_int(j, "records", t->sub_n);
    j_int(j, "persons_paid", t->sub_persons);
    j_money(j, "due", t->sub_due_fen);
    j_money(j, "paid", t->sub_paid_fen);
    j_int(j, "in_full_on_time", t->sub_ok);
    j_end_obj(j);
    j_obj(j, "relief");
    j_int(j, "records", t->rl_n);
    j_int(j, "households", t->rl_households);
    j_money(j, "funds", t->rl_fen);
    j_int(j, "delivered", t->rl_delivered);
    j_arr(j, "by_kind");
    for (size_t k = 0; k < RS_EVAL_NRKIND; k++) {
        if (!t->rl_kind_households[k] && !t->rl_kind_fen[k])
            continue;
        j_obj(j, NULL);
        j_str(j, "kind", rs_report_rkind_slug(k));
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
    j_int(j, "above_district", t->pt_above);
    j_end_obj(j);
    j_obj(j, "survey");
    j_int(j, "surveys", t->sv_n);
    j_int(j, "sample", t->sv_sample);
    j_int(j, "valid", t->sv_valid);
    j_int(j, "satisfied", t->sv_satisfied);
    j_int(j, "basically_satisfied", t->sv_basic);
    j_int(j, "dissatisfied", t->sv_dissatisfied);
    j_rate(j, "satisfaction_rate", (int64_t)t->sv_satisfied + t->sv_basic, t->sv_valid);
    j_end_obj(j);
    j_end_obj(j);
}

static const char *pstr(const char *s)
{
    return s ? s : NULL;
}

static void j_unit(struct json *j, const struct rs_eval_result *res)
{
    const struct rs_eval_unit *u = &res->unit;

    j_obj(j, "unit");
    if (u->profile) {
        const Rs__UnitProfile *p = u->profile->unit_profile;

        j_str(j, "name", pstr(p->unit_name));
        j_str(j, "admin_level", pstr(p->admin_level));
        j_str(j, "funding", pstr(p->funding));
        j_str(j, "accounting", pstr(p->accounting));
        j_str(j, "departments", pstr(p->departments));
        j_str(j, "functions", pstr(p->functions));
        j_str(j, "disclosure", pstr(p->disclosure));
    }
    if (u->staffing) {
        const Rs__Staffing *s = u->staffing->staffing;

        j_obj(j, "staffing");
        j_int(j, "establishment", s->establishment);
        j_int(j, "in_service", s->in_service);
        j_int(j, "retired", s->retired);
        if (s->has_temporary)
            j_int(j, "temporary", s->temporary);
        if (s->has_stated_total)
            j_int(j, "stated_total", s->stated_total);
        j_end_obj(j);
    } else {
        j_null(j, "staffing");
    }
    j_end_obj(j);

    j_obj(j, "budget");
    j_arr(j, "lines");
    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        const struct rs_eval_line *l = &u->line[k];

        if (!l->rec)
            continue;
        j_obj(j, NULL);
        j_str(j, "line", rs_report_line_slug(k));
        j_str(j, "name", rs_eval_line_name(k));
        j_money(j, "year_start", l->year_start);
        j_money(j, "adjusted", l->adjusted);
        j_bool(j, "adjusted_given", l->has_adjusted);
        j_money(j, "final", l->final);
        j_money(j, "change", l->final - l->year_start);
        j_money(j, "higher_transfer", l->transfer);
        if (l->has_key)
            j_money(j, "key", l->key);
        j_str(j, "change_reason", pstr(l->rec->budget_line->change_reason));
        j_end_obj(j);
    }
    j_end_arr(j);
    j_obj(j, "total");
    j_money(j, "year_start", u->ys_total);
    j_money(j, "adjusted", u->adj_total);
    j_money(j, "final", u->final_total);
    j_money(j, "higher_transfer", u->transfer_total);
    j_rate(j, "execution_rate", u->final_total, u->adj_total);
    j_end_obj(j);
    j_obj(j, "basic");
    j_money(j, "year_start", u->basic_ys);
    j_money(j, "adjusted", u->basic_adj);
    j_money(j, "final", u->basic_final);
    j_end_obj(j);
    j_end_obj(j);

    j_obj(j, "sangong");
    j_money(j, "budget", u->sg_budget);
    j_money(j, "final", u->sg_final);
    if (u->sg_has_prev)
        j_money(j, "prev_budget", u->sg_prev_budget);
    j_arr(j, "items");
    for (size_t k = 1; k < RS_EVAL_NSANGONG; k++) {
        const struct rs_eval_sangong *s = &u->sg[k];

        if (!s->rec)
            continue;
        j_obj(j, NULL);
        j_str(j, "kind", rs_report_sangong_slug(k));
        j_str(j, "name", rs_eval_sangong_name(k));
        j_money(j, "budget", s->budget);
        j_money(j, "final", s->final);
        if (s->has_prev_budget)
            j_money(j, "prev_budget", s->prev_budget);
        j_end_obj(j);
    }
    j_end_arr(j);
    j_end_obj(j);

    if (u->procurement) {
        const Rs__Procurement *p = u->procurement->procurement;

        j_obj(j, "procurement");
        j_money(j, "budget", p->budget_fen);
        j_money(j, "actual", p->actual_fen);
        j_rate(j, "rate", p->actual_fen, p->budget_fen);
        j_end_obj(j);
    } else {
        j_null(j, "procurement");
    }
    if (u->carry) {
        j_obj(j, "carry_over");
        j_money(j, "start", u->carry->carry_over->start_fen);
        j_money(j, "end", u->carry->carry_over->end_fen);
        j_end_obj(j);
    } else {
        j_null(j, "carry_over");
    }
    if (u->assets) {
        j_obj(j, "fixed_assets");
        j_money(j, "total", u->assets->fixed_assets->total_fen);
        j_money(j, "in_use", u->assets->fixed_assets->in_use_fen);
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
    j_end_obj(j);
}

static void render_json(const struct rs_eval_result *res, struct rs_rbuf *b)
{
    struct json j = {b, -1, {false}};

    j_obj(&j, NULL);
    j_int(&j, "year", res->year);
    j_str(&j, "scope", res->is_township ? "township" : "consolidated");
    j_str(&j, "division", res->is_township ? res->division : NULL);
    j_obj(&j, "framework");
    j_str(&j, "name", res->fw->name);
    j_str(&j, "sha256", res->fw->hash);
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
        j_str(&j, "severity", sev_slug(f->sev));
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
    j_end_obj(&j);
    rs_rbuf_puts(b, "\n");
}

/* ------------------------------------------------------------ CSV */

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

static void c_town(struct rs_rbuf *b, const struct rs_eval_town *t, const char *div)
{
    c_int(b, "township", "projects", div, "count", t->proj_n);
    c_int(b, "township", "projects", div, "completed", t->proj_completed);
    c_money(b, "township", "projects", div, "planned_investment", t->proj_planned_fen);
    c_money(b, "township", "projects", div, "completed_investment", t->proj_completed_fen);
    c_money(b, "township", "projects", div, "paid", t->proj_paid_fen);
    for (size_t c = 0; c < RS_EVAL_NCAT; c++) {
        const struct rs_eval_cat *k = &t->cat[c];
        char key[48];

        if (!k->count)
            continue;
        snprintf(key, sizeof key, "category.%s", rs_report_cat_slug(c));
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
    c_int(b, "township", "training", div, "certified", t->tr_certified);
    c_rate(b, "township", "training", div, "certification_rate", t->tr_certified,
           t->tr_trainees);
    c_int(b, "township", "training", div, "self_persons", t->tr_self_persons);
    c_money(b, "township", "training", div, "self_paid", t->tr_self_paid_fen);
    c_money(b, "township", "training", div, "funds", t->tr_cost_fen);
    c_int(b, "township", "subsidy", div, "records", t->sub_n);
    c_int(b, "township", "subsidy", div, "persons_paid", t->sub_persons);
    c_money(b, "township", "subsidy", div, "due", t->sub_due_fen);
    c_money(b, "township", "subsidy", div, "paid", t->sub_paid_fen);
    c_int(b, "township", "subsidy", div, "in_full_on_time", t->sub_ok);
    c_int(b, "township", "relief", div, "households", t->rl_households);
    c_money(b, "township", "relief", div, "funds", t->rl_fen);
    for (size_t k = 0; k < RS_EVAL_NRKIND; k++) {
        char key[48];

        if (!t->rl_kind_households[k] && !t->rl_kind_fen[k])
            continue;
        snprintf(key, sizeof key, "relief.%s", rs_report_rkind_slug(k));
        c_int(b, "township", key, div, "households", t->rl_kind_households[k]);
        c_money(b, "township", key, div, "funds", t->rl_kind_fen[k]);
    }
    c_int(b, "township", "petitions", div, "cases", t->pt_n);
    c_int(b, "township", "petitions", div, "closed", t->pt_closed);
    c_int(b, "township", "petitions", div, "above_district", t->pt_above);
    c_int(b, "township", "survey", div, "valid", t->sv_valid);
    c_rate(b, "township", "survey", div, "satisfaction_rate",
           (int64_t)t->sv_satisfied + t->sv_basic, t->sv_valid);
}

static void c_unit(struct rs_rbuf *b, const struct rs_eval_result *res)
{
    const struct rs_eval_unit *u = &res->unit;

    if (u->staffing) {
        const Rs__Staffing *s = u->staffing->staffing;

        c_int(b, "unit", "staffing", "", "establishment", s->establishment);
        c_int(b, "unit", "staffing", "", "in_service", s->in_service);
        c_int(b, "unit", "staffing", "", "retired", s->retired);
        if (s->has_stated_total)
            c_int(b, "unit", "staffing", "", "stated_total", s->stated_total);
    }
    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        const struct rs_eval_line *l = &u->line[k];

        if (!l->rec)
            continue;
        c_money(b, "budget", rs_report_line_slug(k), "", "year_start", l->year_start);
        c_money(b, "budget", rs_report_line_slug(k), "", "adjusted", l->adjusted);
        c_money(b, "budget", rs_report_line_slug(k), "", "final", l->final);
        c_money(b, "budget", rs_report_line_slug(k), "", "higher_transfer", l->transfer);
    }
    c_money(b, "budget", "total", "", "year_start", u->ys_total);
    c_money(b, "budget", "total", "", "adjusted", u->adj_total);
    c_money(b, "budget", "total", "", "final", u->final_total);
    c_rate(b, "budget", "total", "", "execution_rate", u->final_total, u->adj_total);
    c_money(b, "budget", "basic", "", "year_start", u->basic_ys);
    c_money(b, "budget", "basic", "", "final", u->basic_final);
    for (size_t k = 1; k < RS_EVAL_NSANGONG; k++) {
        if (!u->sg[k].rec)
            continue;
        c_money(b, "sangong", rs_report_sangong_slug(k), "", "budget", u->sg[k].budget);
        c_money(b, "sangong", rs_report_sangong_slug(k), "", "final", u->sg[k].final);
    }
    c_money(b, "sangong", "total", "", "budget", u->sg_budget);
    c_money(b, "sangong", "total", "", "final", u->sg_final);
    if (u->procurement) {
        const Rs__Procurement *p = u->procurement->procurement;

        c_money(b, "procurement", "total", "", "budget", p->budget_fen);
        c_money(b, "procurement", "total", "", "actual", p->actual_fen);
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
    }
}

static void render_csv(const struct rs_eval_result *res, struct rs_rbuf *b)
{
    c_row(b, "section", "key", "division", "metric", "value");
    c_int(b, "meta", "report", "", "year", res->year);
    c_row(b, "meta", "report", "", "scope", res->is_township ? "township" : "consolidated");
    if (res->is_township)
        c_row(b, "meta", "report", "", "division", res->division);
    c_row(b, "meta", "framework", "", "name", res->fw->name);
    c_row(b, "meta", "framework", "", "sha256", res->fw->hash);
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
        c_row(b, "finding", k, f->division, "severity", sev_slug(f->sev));
        c_row(b, "finding", k, f->division, "code", f->code);
        c_row(b, "finding", k, f->division, "check", f->check);
        c_row(b, "finding", k, f->division, "expected", f->expected);
        c_row(b, "finding", k, f->division, "found", f->found);
        c_row(b, "finding", k, f->division, "where", f->where);
    }
}

/* ------------------------------------------------------------ entry points */

rs_status rs_report_render(const struct rs_eval_result *res, Rs__ReportFormat format, char **out,
                           size_t *outlen)
{
    struct rs_rbuf b = {NULL, 0, 0, RS_OK};

    *out = NULL;
    *outlen = 0;
    switch (format) {
    case RS__REPORT_FORMAT__FMT_UNSPECIFIED:
    case RS__REPORT_FORMAT__FMT_MARKDOWN:
        rs_render_doc(res, true, &b);
        break;
    case RS__REPORT_FORMAT__FMT_TEXT:
        rs_render_doc(res, false, &b);
        break;
    case RS__REPORT_FORMAT__FMT_JSON:
        render_json(res, &b);
        break;
    case RS__REPORT_FORMAT__FMT_CSV:
        render_csv(res, &b);
        break;
    default:
        return RS_EINVAL;
    }
    rs_rbuf_add(&b, "", 0);
    if (b.err) {
        free(b.p);
        return b.err;
    }
    *out = b.p;
    *outlen = b.len;
    return RS_OK;
}

/* ------------------------------------------------------------ reading the year */

/*
 * The scan and the unpacking overlap.  The store's scan (this thread)
 * copies each body into a batch; one helper thread unpacks the batches into
 * the dataset in the order they were read.  PIPE_SLOTS batches of about
 * PIPE_BATCH bytes go round, so the copies stay in cache.  If the helper
 * cannot be started, this thread unpacks each body as it is read.
 */
#define PIPE_SLOTS 8
#define PIPE_BATCH ((size_t)128 << 10)

struct batch {
    uint8_t *buf;                      /* records: a uint32_t length, then the body */
    size_t len, cap;
};

struct scan {
    struct rs_eval_dataset *ds;        /* only the helper touches it while it runs */
    rs_status rv;                      /* why the scan was stopped */
    bool threaded;                     /* the helper runs */
    uv_thread_t thread;
    uv_mutex_t mu;
    uv_cond_t cv;                      /* a batch was filled or freed */
    struct batch b[PIPE_SLOTS];        /* batch i % PIPE_SLOTS */
    size_t head, tail;                 /* [head, tail) are full; tail is being filled */
    bool done;                         /* no batch will follow */
    rs_status urv;                     /* the helper's first failure */
};

/* Adds one body to the dataset; a body that no longer decodes is counted. */
static rs_status add_body(struct rs_eval_dataset *ds, const uint8_t *body, size_t len)
{
    rs_status rv = rs_eval_dataset_add_packed(ds, body, len);

    if (rv == RS_EINVAL) {
        /* The store holds only records that were validated and packed by
         * the server; one that no longer decodes is counted, not fatal. */
        ds->ignored++;
        rv = RS_OK;
    }
    return rv;
}

static rs_status unpack_batch(struct rs_eval_dataset *ds, const struct batch *b)
{
    size_t off = 0;

    while (off < b->len) {
        uint32_t n;
        rs_status rv;

        memcpy(&n, b->buf + off, sizeof n);
        off += sizeof n;
        rv = add_body(ds, b->buf + off, n);
        if (rv)
            return rv;
        off += n;
    }
    return RS_OK;
}

/* The helper: unpacks every batch until done; after a failure it only
 * drains them. */
static void unpacker(void *arg)
{
    struct scan *sc = arg;
    rs_status rv = RS_OK;

    uv_mutex_lock(&sc->mu);
    for (;;) {
        const struct batch *b;

        while (sc->head == sc->tail && !sc->done)
            uv_cond_wait(&sc->cv, &sc->mu);
        if (sc->head == sc->tail)
            break;
        b = &sc->b[sc->head % PIPE_SLOTS];
        uv_mutex_unlock(&sc->mu);
        if (rv == RS_OK)
            rv = unpack_batch(sc->ds, b);
        uv_mutex_lock(&sc->mu);
        if (rv && !sc->urv)
            sc->urv = rv;
        sc->head++;
        uv_cond_signal(&sc->cv);
    }
    uv_mutex_unlock(&sc->mu);
}

static void scan_start(struct scan *sc)
{
    if (uv_mutex_init(&sc->mu) != 0)
        return;
    if (uv_cond_init(&sc->cv) != 0) {
        uv_mutex_destroy(&sc->mu);
        return;
    }
    if (uv_thread_create(&sc->thread, unpacker, sc) != 0) {
        uv_cond_destroy(&sc->cv);
        uv_mutex_destroy(&sc->mu);
        return;
    }
    sc->threaded = true;
}

/* Hands the batch being filled to the helper and waits for a free one.
 * RS_OK, or the helper's failure (the batches may then still be in use). */
static rs_status publish(struct scan *sc)
{
    rs_status rv;

    uv_mutex_lock(&sc->mu);
    sc->tail++;
    uv_cond_signal(&sc->cv);
    while (sc->tail - sc->head == PIPE_SLOTS && !sc->urv)
        uv_cond_wait(&sc->cv, &sc->mu);
    rv = sc->urv;
    uv_mutex_unlock(&sc->mu);
    if (rv == RS_OK)
        sc->b[sc->tail % PIPE_SLOTS].len = 0;
    return rv;
}

/* Publishes the last batch, waits for the helper to finish and stops it.
 * The helper's failure, or RS_OK. */
static rs_status scan_finish(struct scan *sc)
{
    if (!sc->threaded)
        return RS_OK;
    uv_mutex_lock(&sc->mu);
    if (sc->rv == RS_OK && sc->b[sc->tail % PIPE_SLOTS].len)
        sc->tail++;
    sc->done = true;
    uv_cond_signal(&sc->cv);
    uv_mutex_unlock(&sc->mu);
    uv_thread_join(&sc->thread);
    uv_cond_destroy(&sc->cv);
    uv_mutex_destroy(&sc->mu);
    sc->threaded = false;
    return sc->urv;
}

static void scan_free(struct scan *sc)
{
    scan_finish(sc);
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        free(sc->b[i].buf);
}

static int on_record(const uint8_t *body, size_t len, void *arg)
{
    struct scan *sc = arg;
    struct batch *b;
    uint32_t n = (uint32_t)len;

    if (!sc->threaded) {
        sc->rv = add_body(sc->ds, body, len);
        return sc->rv != RS_OK;
    }
    sc->rv = RS_ETOOBIG;
    if (len > UINT32_MAX || len > SIZE_MAX - PIPE_BATCH)
        return 1;
    b = &sc->b[sc->tail % PIPE_SLOTS];
    if (b->len && sizeof n + len > b->cap - b->len) {
        sc->rv = publish(sc);
        if (sc->rv)
            return 1;
        b = &sc->b[sc->tail % PIPE_SLOTS];
    }
    if (sizeof n + len > b->cap - b->len) {
        /* An empty batch, too small for this body. */
        size_t cap = sizeof n + len > PIPE_BATCH ? sizeof n + len : PIPE_BATCH;
        uint8_t *p = realloc(b->buf, cap);

        sc->rv = RS_ENOMEM;
        if (!p)
            return 1;
        b->buf = p;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, &n, sizeof n);
    memcpy(b->buf + b->len + sizeof n, body, len);
    b->len += sizeof n + len;
    sc->rv = RS_OK;
    return 0;
}

static int on_office(const struct rs_office *o, void *arg)
{
    struct scan *sc = arg;

    sc->rv = rs_eval_dataset_office(sc->ds, o->code, o->name);
    return sc->rv != RS_OK;
}

rs_status rs_report_build(struct rs_store *store, const struct rs_report_req *req, char **out,
                          size_t *outlen, char fw_name[64], char fw_hash[65], char *err,
                          size_t errlen)
{
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    struct scan sc;
    const char *dir = req->framework_dir ? req->framework_dir : RS_FRAMEWORK_DIR;
    rs_status rv, urv;

    memset(&sc, 0, sizeof sc);
    *out = NULL;
    *outlen = 0;
    if (err && errlen)
        err[0] = '\0';
    rv = rs_framework_load(dir, req->framework, &fw, err, errlen);
    if (rv)
        goto out;
    snprintf(fw_name, 64, "%s", fw->name);
    snprintf(fw_hash, 65, "%s", fw->hash);
    rv = rs_eval_dataset_new(req->year, &sc.ds);
    if (rv)
        goto out;
    if (req->max_bytes)
        sc.ds->max_bytes = req->max_bytes;
    rv = rs_store_office_list(store, on_office, &sc);
    if (rv == RS_OK)
        rv = sc.rv;
    if (rv) {
        snprintf(err, errlen, "reading offices: %s", rs_store_errmsg(store));
        goto out;
    }
    scan_start(&sc);
    rv = rs_store_scan_year(store, req->year, req->division, on_record, &sc);
    urv = scan_finish(&sc);
    if (rv == RS_OK)
        rv = sc.rv;
    if (rv == RS_OK)
        rv = urv;
    if (rv) {
        size_t cap = sc.ds->max_bytes;
        bool mib = cap % ((size_t)1 << 20) == 0;

        if (rv == RS_ETOOBIG && sc.ds->n + sc.ds->folded >= RS_EVAL_MAX_RECORDS)
            snprintf(err, errlen, "reading the records of %u: more than %u current records, "
                     "more than a report can hold", req->year, (unsigned)RS_EVAL_MAX_RECORDS);
        else if (rv == RS_ETOOBIG)
            snprintf(err, errlen, "reading the records of %u: after %zu records they take "
                     "more than the %zu %s a report can hold", req->year,
                     sc.ds->n + sc.ds->folded, cap >> (mib ? 20 : 10), mib ? "MiB" : "KiB");
        else
            snprintf(err, errlen, "reading the records of %u: %s", req->year,
                     rv == RS_ENOMEM ? "out of memory" : rs_store_errmsg(store));
        goto out;
    }
    rv = rs_eval_run(sc.ds, fw, req->division, &res);
    if (rv)
        goto out;
    rv = rs_report_render(res, req->format, out, outlen);
out:
    scan_free(&sc);
    rs_eval_result_free(res);
    rs_eval_dataset_free(sc.ds);
    rs_framework_free(fw);
    return rv;
}

/*
 * rs_year_build.c - a year's completeness board and findings, read from the
 * store.
 *
 * See rs_year_build.h.  The board's inputs come from three reads: the
 * schedule (rs_store_schedule_get), the township offices that are not
 * revoked (rs_store_office_list), and what each division has returned
 * (rs_store_returns; a nil return's body is unpacked for the type it
 * names).  The findings come from the board's missing cells and from the
 * returned records (rs_store_review_list).
 *
 * Does not: write the store, render, or check scope.
 */
#include "rs_year_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_eval_text.h"
#include "rs_rtype.h"
#include "rs_util.h"

/* The board's inputs, gathered from the store. */
struct gather {
    struct rs_compl_town *towns;
    size_t ntowns, tcap;
    struct rs_compl_fact *facts;
    size_t nfacts, fcap;
    rs_status rv;
};

static int on_office(const struct rs_office *o, void *arg)
{
    struct gather *g = arg;

    if (o->role != RS__ROLE__ROLE_TOWNSHIP || o->revoked)
        return 0;
    if (g->ntowns == RS_COMPL_MAX_TOWNS) {
        g->rv = RS_ETOOBIG;
        return 1;
    }
    if (g->ntowns == g->tcap) {
        size_t cap = g->tcap ? g->tcap * 2 : 16;
        struct rs_compl_town *v = realloc(g->towns, cap * sizeof(*v));

        if (!v) {
            g->rv = RS_ENOMEM;
            return 1;
        }
        g->towns = v;
        g->tcap = cap;
    }
    snprintf(g->towns[g->ntowns].code, sizeof(g->towns[0].code), "%s", o->code);
    snprintf(g->towns[g->ntowns].name, sizeof(g->towns[0].name), "%s", o->name);
    g->ntowns++;
    return 0;
}

static int on_return(const struct rs_store_return *r, void *arg)
{
    struct gather *g = arg;
    struct rs_compl_fact *f;
    rs_rtype type = r->type;

    if (r->body) {
        Rs__Record *rec = rs__record__unpack(NULL, r->body_len, r->body);

        /* The store holds validated records; one that no longer decodes names nothing. */
        type = rec && rec->body_case == RS__RECORD__BODY_NIL_RETURN && rec->nil_return &&
                       rec->nil_return->has_record_type
                   ? rs_rtype_of_record_type(rec->nil_return->record_type)
                   : RS__RECORD__BODY__NOT_SET;
        if (rec)
            rs__record__free_unpacked(rec, NULL);
        if (type == RS__RECORD__BODY__NOT_SET)
            return 0;
    }
    if (!rs_rtype_is_township(type))
        return 0;
    if (g->nfacts == RS_YEAR_MAX_FACTS) {
        g->rv = RS_ETOOBIG;
        return 1;
    }
    if (g->nfacts == g->fcap) {
        size_t cap = g->fcap ? g->fcap * 2 : 256;
        struct rs_compl_fact *v = realloc(g->facts, cap * sizeof(*v));

        if (!v) {
            g->rv = RS_ENOMEM;
            return 1;
        }
        g->facts = v;
        g->fcap = cap;
    }
    f = &g->facts[g->nfacts++];
    memset(f, 0, sizeof(*f));
    snprintf(f->division, sizeof(f->division), "%s", r->division);
    f->type = type;
    f->period = r->period;
    f->nil = r->body != NULL;
    f->current = r->current;
    f->first_at = r->first_at;
    return 0;
}

rs_status rs_year_board(struct rs_store *store, uint32_t year, int64_t now, Rs__Period period,
                        const char *only, struct rs_compl_board **out, char *err, size_t errlen)
{
    struct rs_schedule sched;
    struct gather g;
    int64_t set_at = 0;
    rs_status rv;

    *out = NULL;
    memset(&g, 0, sizeof(g));
    rv = rs_store_schedule_get(store, year, &sched, &set_at, NULL, 0);
    if (rv) {
        snprintf(err, errlen, "reading the schedule of %u: %s", (unsigned)year,
                 rs_store_errmsg(store));
        return rv;
    }
    if (sched.n == 0)
        goto out;
    rv = rs_store_office_list(store, on_office, &g);
    if (rv == RS_OK)
        rv = g.rv;
    if (rv == RS_OK)
        rv = rs_store_returns(store, year, on_return, &g);
    if (rv == RS_OK)
        rv = g.rv;
    if (rv == RS_OK)
        rv = rs_compl_build(&sched, g.towns, g.ntowns, g.facts, g.nfacts, now, period, only, out);
    if (rv)
        snprintf(err, errlen, "%u年度报送情况表：%s", (unsigned)year,
                 rv == RS_ENOMEM   ? "内存不足"
                 : rv == RS_ETOOBIG ? "乡镇、应报项或单元格过多，超出报送情况表的容量"
                                    : rs_store_errmsg(store));
out:
    rs_schedule_free(&sched);
    free(g.towns);
    free(g.facts);
    return rv;
}

/* ------------------------------------------------------------ findings */

static const char *kind_word(Rs__PeriodKind k)
{
    switch (k) {
    case RS__PERIOD_KIND__PK_QUARTER: return "按季度";
    case RS__PERIOD_KIND__PK_HALF: return "按半年";
    case RS__PERIOD_KIND__PK_YEAR: return "按年度";
    default: return "";
    }
}

static rs_status missing_findings(const struct rs_compl_board *b, struct rs_eval_result *res)
{
    for (size_t i = 0; i < b->ncells; i++) {
        const struct rs_compl_cell *c = &b->cells[i];
        const struct rs_sched_line *l = &b->sched.lines[c->line];
        const char *label = rs_rtype_label(rs_compl_line_type(b, c->line));
        const char *pname = rs_enum_display(&rs__period__descriptor, (int)c->period);
        char check[160], expected[160], found[160], where[200], d1[11], d2[11];
        rs_status rv;

        if (c->state != RS_COMPL_MISSING)
            continue;
        rs_date_format(c->deadline, d1);
        rs_date_format(b->as_of, d2);
        snprintf(check, sizeof(check), "按报送计划应报送%s%s记录", label, pname);
        snprintf(expected, sizeof(expected), "%s前报送", d1);
        snprintf(found, sizeof(found), "截至%s未报送", d2);
        snprintf(where, sizeof(where), "报送计划：%s%s报送，期末后%u天内", label,
                 kind_word(l->kind), (unsigned)l->deadline_days);
        rv = rs_eval_add_finding(res, RS_SEV_WARNING, "completeness.missing",
                                 b->towns[c->town].code, check, expected, found, where);
        if (rv)
            return rv;
    }
    return RS_OK;
}

struct returned {
    struct rs_eval_result *res;
    rs_status rv;
};

static int on_returned(const struct rs_review_row *r, void *arg)
{
    struct returned *rt = arg;
    Rs__Record *rec = rs__record__unpack(NULL, r->body_len, r->body);
    const char *key = rec ? rs_record_label_key(rec) : NULL;
    /* Long enough for any comment; the finding cuts it on a character boundary. */
    char found[RS_REVIEW_COMMENT_MAX + 256], where[200], day[11];

    rs_date_format(rs_date_cst(r->at), day);
    snprintf(found, sizeof(found), "退回意见：%s（%s，%s）", r->comment, r->reviewer_name, day);
    rs_eval_label_parts(where, sizeof(where), rs_rtype_label(r->type), key,
                        key ? strlen(key) : 0, r->record_id, strlen(r->record_id));
    rt->rv = rs_eval_add_finding(rt->res, RS_SEV_WARNING, "review.returned", r->division,
                                 "中心退回的记录尚未更正", "按退回意见更正后重新报送", found,
                                 where);
    if (rec)
        rs__record__free_unpacked(rec, NULL);
    return rt->rv != RS_OK;
}

rs_status rs_year_findings(struct rs_store *store, const struct rs_compl_board *board,
                           struct rs_eval_result *res, char *err, size_t errlen)
{
    struct returned rt = {res, RS_OK};
    rs_status rv = board ? missing_findings(board, res) : RS_OK;

    if (rv == RS_OK)
        rv = rs_store_review_list(store, res->year, res->is_township ? res->division : "",
                                  res->is_township, true, on_returned, &rt);
    if (rv == RS_OK)
        rv = rt.rv;
    if (rv)
        snprintf(err, errlen, "the findings of %u: %s", (unsigned)res->year,
                 rv == RS_ENOMEM ? "out of memory" : rs_store_errmsg(store));
    return rv;
}

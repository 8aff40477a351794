/*
 * rs_eval_unit.c - the unit's figures from the central office's records.
 *
 * See rs_eval_figures.h.  The unit has one current record of each kind
 * (profile, staffing, procurement, carry-over, fixed assets) and one per
 * budget line and per 三公 component (the 合计 kinds included); the totals
 * are the 合计 record's figures where it gives them, else the sums over the
 * lines and components that have a record, given only if each of those
 * gives the figure.  An absent line is not a line of zeros, and an absent
 * figure is not 0: every figure here carries whether it is given.
 *
 * Does not: compute rates (rs_eval_formula.c) or check stated figures
 * against these (rs_eval_stated.c).
 */
#include <string.h>

#include "rs_eval_figures.h"
#include "rs_eval_text.h"

#define RS_EVAL_STR2(x) #x
#define RS_EVAL_STR(x) RS_EVAL_STR2(x)

static rs_status dup_finding(struct rs_eval_result *res, const Rs__Record *old,
                             const Rs__Record *r)
{
    char a[96], b[96], w[200];

    rs_eval_rec_label(old, a, sizeof a);
    rs_eval_rec_label(r, b, sizeof b);
    return rs_eval_finding_add(res, RS_SEV_WARNING, "record.duplicate", "",
                               "同一单位级数据只应有一条当前记录", "1条",
                               "2条或以上（采用后一条）", RS_SF(w, "%s；%s", a, b));
}

rs_status rs_eval_unit_add(struct rs_eval_result *res, const Rs__Record *r)
{
    struct rs_eval_unit *u = &res->unit;
    const Rs__Record **slot = NULL;

    switch (r->body_case) {
    case RS__RECORD__BODY_UNIT_PROFILE:
        slot = &u->profile;
        break;
    case RS__RECORD__BODY_STAFFING: {
        const char *sub = r->staffing->sub_unit;
        size_t i;

        if (!sub || !sub[0]) {
            slot = &u->staffing;
            break;
        }
        /* A sub-unit's headcount is not the unit's own: one per sub-unit. */
        for (i = 0; i < u->nsub; i++) {
            if (strcmp(u->staff_sub[i]->staffing->sub_unit, sub) == 0)
                break;
        }
        if (i == u->nsub) {
            if (u->nsub == RS_EVAL_MAX_SUBUNITS) {
                char w[96];

                rs_eval_rec_label(r, w, sizeof w);
                return rs_eval_finding_add(res, RS_SEV_WARNING, "staff.sub_units", "",
                                           "二级单位人员编制记录不超过上限",
                                           "至多" RS_EVAL_STR(RS_EVAL_MAX_SUBUNITS) "个二级单位",
                                           "超出上限（未计入）", w);
            }
            u->staff_sub[u->nsub++] = NULL;
        }
        slot = &u->staff_sub[i];
        break;
    }
    case RS__RECORD__BODY_PROCUREMENT:
        slot = &u->procurement;
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        slot = &u->carry;
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        slot = &u->assets;
        break;
    case RS__RECORD__BODY_BUDGET_LINE: {
        size_t k = r->budget_line->has_line ? (size_t)r->budget_line->line : 0;

        if (k == 0 || k >= RS_EVAL_NLINES) {
            char w[96];

            rs_eval_rec_label(r, w, sizeof w);
            return rs_eval_finding_add(res, RS_SEV_WARNING, "budget.line_kind", "",
                                       "预算行须注明类别", "人员经费/公用经费/项目支出等",
                                       "未注明（未计入）", w);
        }
        slot = &u->line[k].rec;
        break;
    }
    case RS__RECORD__BODY_SAN_GONG: {
        size_t k = r->san_gong->has_kind ? (size_t)r->san_gong->kind : 0;

        if (k == 0 || k >= RS_EVAL_NSANGONG) {
            char w[96];

            rs_eval_rec_label(r, w, sizeof w);
            return rs_eval_finding_add(res, RS_SEV_WARNING, "sangong.kind", "",
                                       "“三公”经费记录须注明类别", "出国/接待/购车/运行",
                                       "未注明（未计入）", w);
        }
        slot = &u->sg[k].rec;
        break;
    }
    default:
        return RS_OK;
    }
    if (*slot) {
        rs_status rv = dup_finding(res, *slot, r);

        if (rv)
            return rv;
    }
    *slot = r;
    return RS_OK;
}

static struct rs_eval_amt amt(bool has, int64_t v)
{
    struct rs_eval_amt a = {has ? v : 0, has};

    return a;
}

/* a + b, given only if both are. */
static struct rs_eval_amt plus(struct rs_eval_amt a, struct rs_eval_amt b)
{
    return amt(a.has && b.has, a.v + b.v);
}

static void take_line(struct rs_eval_line *l)
{
    const Rs__BudgetLine *b = l->rec->budget_line;

    l->year_start = amt(b->has_year_start_fen, b->year_start_fen);
    l->final = amt(b->has_final_fen, b->final_fen);
    l->transfer = amt(b->has_higher_transfer_fen, b->higher_transfer_fen);
    l->key = amt(b->has_key_fen, b->key_fen);
    l->addition = amt(b->has_addition_fen, b->addition_fen);
    l->prev_year_start = amt(b->has_prev_year_start_fen, b->prev_year_start_fen);
    l->prev_final = amt(b->has_prev_final_fen, b->prev_final_fen);
    l->adjusted_given = b->has_adjusted_fen;
    l->adjusted = b->has_adjusted_fen ? amt(true, b->adjusted_fen) : l->year_start;
}

/* The total of one column: the total record's if it gives it, else the sum
 * over the n parts with a record, given only if each gives it (or, for
 * absent_is_none, counting one that does not as none); no part: not given. */
static struct rs_eval_amt column(const struct rs_eval_amt *total, const struct rs_eval_amt *parts,
                                 size_t n, bool absent_is_none)
{
    struct rs_eval_amt sum = {0, n > 0};

    if (total && total->has)
        return *total;
    for (size_t k = 0; k < n; k++) {
        if (!parts[k].has) {
            if (!absent_is_none)
                return amt(false, 0);
            continue;
        }
        sum.v += parts[k].v;
    }
    return sum;
}

/* One count field of a staffing record. */
static struct rs_eval_amt staff_field(const Rs__Staffing *s, int which)
{
    switch (which) {
    case 0:
        return amt(s->has_establishment, s->establishment);
    case 1:
        return amt(s->has_in_service, s->in_service);
    case 2:
        return amt(s->has_veteran_retired, s->veteran_retired);
    case 3:
        return amt(s->has_retired, s->retired);
    case 4:
        return amt(s->has_temporary, s->temporary);
    default:
        return amt(s->has_stated_total, s->stated_total);
    }
}

/* The unit's own staffing, else the sums over its sub-units. */
static void staff_totals(struct rs_eval_unit *u)
{
    struct rs_eval_amt *dst[6] = {&u->staff.establishment, &u->staff.in_service,
                                  &u->staff.veteran_retired, &u->staff.retired,
                                  &u->staff.temporary, &u->staff.stated_total};

    u->staff.any = u->staffing || u->nsub;
    for (int w = 0; w < 6; w++) {
        struct rs_eval_amt parts[RS_EVAL_MAX_SUBUNITS];

        if (u->staffing) {
            *dst[w] = staff_field(u->staffing->staffing, w);
            continue;
        }
        for (size_t k = 0; k < u->nsub; k++)
            parts[k] = staff_field(u->staff_sub[k]->staffing, w);
        *dst[w] = column(NULL, parts, u->nsub, false);
    }
}

void rs_eval_unit_totals(struct rs_eval_unit *u)
{
    struct rs_eval_line *tl = &u->line[RS_EVAL_LINE_TOTAL];
    struct rs_eval_sangong *ts = &u->sg[RS_EVAL_SG_TOTAL];
    struct rs_eval_amt ys[RS_EVAL_NLINES], adj[RS_EVAL_NLINES], fin[RS_EVAL_NLINES],
        tr[RS_EVAL_NLINES];
    struct rs_eval_amt b[RS_EVAL_NSANGONG], f[RS_EVAL_NSANGONG], pb[RS_EVAL_NSANGONG],
        pf[RS_EVAL_NSANGONG];
    size_t n = 0;

    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        if (u->line[k].rec)
            take_line(&u->line[k]);
    }
    for (size_t k = 1; k < RS_EVAL_LINE_TOTAL; k++) {
        const struct rs_eval_line *l = &u->line[k];

        if (!l->rec)
            continue;
        ys[n] = l->year_start;
        adj[n] = l->adjusted;
        fin[n] = l->final;
        tr[n] = l->transfer;
        n++;
    }
    u->nlines = n;
    u->ys_total = column(tl->rec ? &tl->year_start : NULL, ys, n, false);
    u->adj_total = column(tl->rec ? &tl->adjusted : NULL, adj, n, false);
    u->final_total = column(tl->rec ? &tl->final : NULL, fin, n, false);
    u->transfer_total = column(tl->rec ? &tl->transfer : NULL, tr, n, true);
    {
        const struct rs_eval_line *pe = &u->line[RS__BUDGET_LINE_KIND__LINE_PERSONNEL];
        const struct rs_eval_line *pu = &u->line[RS__BUDGET_LINE_KIND__LINE_PUBLIC];

        u->basic_ys = plus(pe->year_start, pu->year_start);
        u->basic_adj = plus(pe->adjusted, pu->adjusted);
        u->basic_final = plus(pe->final, pu->final);
        if (!pe->rec || !pu->rec)
            u->basic_ys.has = u->basic_adj.has = u->basic_final.has = false;
    }
    n = 0;
    for (size_t k = 1; k < RS_EVAL_NSANGONG; k++) {
        struct rs_eval_sangong *s = &u->sg[k];
        const Rs__SanGong *g;

        if (!s->rec)
            continue;
        g = s->rec->san_gong;
        s->budget = amt(g->has_budget_fen, g->budget_fen);
        s->final = amt(g->has_final_fen, g->final_fen);
        s->prev_budget = amt(g->has_prev_budget_fen, g->prev_budget_fen);
        s->prev_final = amt(g->has_prev_final_fen, g->prev_final_fen);
        if (k == RS_EVAL_SG_TOTAL)
            continue;
        b[n] = s->budget;
        f[n] = s->final;
        pb[n] = s->prev_budget;
        pf[n] = s->prev_final;
        n++;
    }
    u->nsg = n;
    u->sg_budget = column(ts->rec ? &ts->budget : NULL, b, n, false);
    u->sg_final = column(ts->rec ? &ts->final : NULL, f, n, false);
    u->sg_prev_budget = column(ts->rec ? &ts->prev_budget : NULL, pb, n, false);
    u->sg_prev_final = column(ts->rec ? &ts->prev_final : NULL, pf, n, false);
    staff_totals(u);
}

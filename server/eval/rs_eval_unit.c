/*
 * rs_eval_unit.c - the unit's figures from the central office's records.
 *
 * See rs_eval_figures.h.  The unit has one current record of each kind
 * (profile, staffing, procurement, carry-over, fixed assets) and one per
 * budget line and per 三公 component; the totals are the sums over the
 * lines and components that have a record.  An absent line is not a line
 * of zeros: it is left out of every sum and the formulas say so.
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

void rs_eval_unit_totals(struct rs_eval_unit *u)
{
    for (size_t k = 1; k < RS_EVAL_LINE_TOTAL; k++) {
        struct rs_eval_line *l = &u->line[k];
        const Rs__BudgetLine *b;

        if (!l->rec)
            continue;
        b = l->rec->budget_line;
        u->nlines++;
        l->year_start = b->year_start_fen;
        l->has_adjusted = b->has_adjusted_fen;
        l->adjusted = b->has_adjusted_fen ? b->adjusted_fen : b->year_start_fen;
        l->final = b->final_fen;
        l->transfer = b->higher_transfer_fen;
        l->has_key = b->has_key_fen;
        l->key = b->key_fen;
        u->ys_total += l->year_start;
        u->adj_total += l->adjusted;
        u->final_total += l->final;
        u->transfer_total += l->transfer;
        if (k == RS__BUDGET_LINE_KIND__LINE_PERSONNEL || k == RS__BUDGET_LINE_KIND__LINE_PUBLIC) {
            u->basic_ys += l->year_start;
            u->basic_adj += l->adjusted;
            u->basic_final += l->final;
        }
    }
    u->sg_has_prev = true;
    for (size_t k = 1; k < RS_EVAL_SG_TOTAL; k++) {
        struct rs_eval_sangong *s = &u->sg[k];
        const Rs__SanGong *g;

        if (!s->rec)
            continue;
        g = s->rec->san_gong;
        u->nsg++;
        s->budget = g->budget_fen;
        s->final = g->final_fen;
        s->prev_budget = g->prev_budget_fen;
        s->has_prev_budget = g->has_prev_budget_fen;
        u->sg_budget += s->budget;
        u->sg_final += s->final;
        u->sg_prev_budget += s->prev_budget;
        if (!s->has_prev_budget)
            u->sg_has_prev = false;
    }
    if (u->nsg == 0)
        u->sg_has_prev = false;
}

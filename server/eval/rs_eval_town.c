/*
 * rs_eval_town.c - township figures: each division's, and their total.
 *
 * See rs_eval_figures.h.  A kept record adds to its division's figures
 * and to the total alike: projects by category (with up to RS_EVAL_MAX_QTY
 * scale units each), subsidy due and paid, organised and self-training,
 * relief, petitions and surveys.  The folded relief records arrive as
 * sums per division (rs_eval_data.h) and their households as a set, so
 * "distinct households" is the size of that set plus one for each kept
 * relief record without a household_ref.  Divisions are found through a
 * hash map while the figures are built, and sorted by code afterwards.
 *
 * Does not: compute rates (rs_eval_formula.c), check records
 * (rs_eval_check.c) or decide which division is in scope (the walk in
 * rs_eval_figures.c does, and rs_eval_town_add_folds for the folds).
 */
#include <stdlib.h>
#include <string.h>

#include "rs_eval_data.h"
#include "rs_eval_figures.h"
#include "rs_eval_hash.h"
#include "rs_eval_text.h"

static size_t town_slot(const struct rs_eval_town_map *m, const struct rs_eval_result *res,
                        const char *code, uint64_t h)
{
    size_t i = (size_t)h & m->mask;

    while (m->slot[i] && strcmp(res->towns[m->slot[i] - 1].code, code) != 0)
        i = (i + 1) & m->mask;
    return i;
}

static rs_status town_map_grow(struct rs_eval_town_map *m, const struct rs_eval_result *res)
{
    size_t n = m->slot ? (m->mask + 1) * 2 : 64;
    uint32_t *v = calloc(n, sizeof *v);

    if (!v)
        return RS_ENOMEM;
    free(m->slot);
    m->slot = v;
    m->mask = n - 1;
    for (size_t t = 0; t < res->ntowns; t++) {
        const char *code = res->towns[t].code;

        m->slot[town_slot(m, res, code, rs_eval_hash_mix(rs_eval_hash_str(code)))] =
            (uint32_t)(t + 1);
    }
    return RS_OK;
}

size_t rs_eval_town_get(struct rs_eval_result *res, struct rs_eval_town_map *m, const char *code)
{
    struct rs_eval_town *t;
    uint64_t h;
    size_t i;

    if (m->last != SIZE_MAX && strcmp(res->towns[m->last].code, code) == 0)
        return m->last;
    if ((!m->slot || (res->ntowns + 1) * 2 > m->mask + 1) && town_map_grow(m, res) != RS_OK)
        return SIZE_MAX;
    h = rs_eval_hash_mix(rs_eval_hash_str(code));
    i = town_slot(m, res, code, h);
    if (m->slot[i])
        return m->last = m->slot[i] - 1;
    if (res->ntowns == m->tcap) {
        size_t nc = m->tcap ? m->tcap * 2 : 16;
        struct rs_eval_town *v = realloc(res->towns, nc * sizeof *v);

        if (!v)
            return SIZE_MAX;
        res->towns = v;
        m->tcap = nc;
    }
    t = &res->towns[res->ntowns];
    memset(t, 0, sizeof *t);
    rs_eval_copy(t->code, sizeof t->code, code);
    rs_eval_copy(t->name, sizeof t->name, rs_eval_division_name(res->ds, code));
    m->slot[i] = (uint32_t)(res->ntowns + 1);
    return m->last = res->ntowns++;
}

static void add_qty(struct rs_eval_cat *c, const char *unit, int64_t milli)
{
    const char *u = unit ? unit : "";

    for (size_t i = 0; i < c->nqty; i++) {
        if (strcmp(c->qty[i].unit, u) == 0) {
            c->qty[i].milli += milli;
            return;
        }
    }
    if (c->nqty == RS_EVAL_MAX_QTY || strlen(u) >= sizeof c->qty[0].unit) {
        c->qty_other_milli += milli;
        return;
    }
    rs_eval_copy(c->qty[c->nqty].unit, sizeof c->qty[0].unit, u);
    c->qty[c->nqty].milli = milli;
    c->nqty++;
}

static void add_project(struct rs_eval_town *t, const Rs__Project *p)
{
    size_t cat = p->has_category && (size_t)p->category < RS_EVAL_NCAT ? (size_t)p->category : 0;
    struct rs_eval_cat *c = &t->cat[cat];
    bool done = p->has_stage && p->stage >= RS__PROJECT_STAGE__STAGE_COMPLETED;

    t->proj_n++;
    if (!p->has_stage)
        t->proj_stage_miss++;
    c->count++;
    if (p->has_scale_qty_milli)
        add_qty(c, p->scale_unit, p->scale_qty_milli);
    /* Each sum over the projects that give its field; the others counted. */
    if (p->has_planned_investment_fen) {
        c->planned_fen += p->planned_investment_fen;
        t->proj_planned_fen += p->planned_investment_fen;
    } else {
        c->planned_miss++;
        t->proj_planned_miss++;
    }
    if (p->has_completed_investment_fen) {
        c->completed_fen += p->completed_investment_fen;
        t->proj_completed_fen += p->completed_investment_fen;
    } else {
        c->completed_miss++;
        t->proj_completed_miss++;
    }
    if (p->has_paid_fen) {
        c->paid_fen += p->paid_fen;
        t->proj_paid_fen += p->paid_fen;
    } else {
        c->paid_miss++;
        t->proj_paid_miss++;
    }
    if (p->has_allocated_fen) {
        t->proj_allocated_n++;
        t->proj_allocated_fen += p->allocated_fen;
        t->proj_alloc_paid_fen += p->paid_fen;
    }
    if (!done)
        return;
    t->proj_completed++;
    if (p->has_actual_end && p->has_planned_end) {
        if (p->actual_end <= p->planned_end)
            t->proj_on_time++;
    } else {
        t->proj_no_dates++;
    }
    if (p->has_acceptance_result && p->acceptance_result == RS__ACCEPTANCE__ACCEPT_PASSED)
        t->proj_passed++;
    if (p->maintenance_owner && p->maintenance_owner[0])
        t->proj_maint++;
}

/*
 * The due amount of a payout in twelfths of a fen: as stated (x 12), else
 * persons x standard x months, whose / 12 need not be whole fen
 * (rs_eval_check.c reports a due that is not).  False when neither can be
 * had, or when the product does not fit: never a wrapped figure.
 */
static bool subsidy_due12(const Rs__SubsidyPayout *s, int64_t *due12)
{
    if (s->has_amount_due_fen)
        return !__builtin_mul_overflow(s->amount_due_fen, (int64_t)12, due12);
    if (s->has_persons_paid && s->has_standard_fen_per_year && s->has_months) {
        int64_t pm;

        return !__builtin_mul_overflow((int64_t)s->persons_paid, (int64_t)s->months, &pm) &&
               !__builtin_mul_overflow(pm, s->standard_fen_per_year, due12);
    }
    return false;
}

/*
 * The due of the payouts is summed exactly, in twelfths of a fen, and
 * sub_due_fen is that sum rounded half away from zero: three payouts of
 * 16.6675 元 are 50.00 元, not 3 x 16.66.  A payout whose due would carry
 * the sum past int64 counts as one without a due.
 */
static void add_subsidy(struct rs_eval_town *t, const Rs__SubsidyPayout *s)
{
    int64_t due12 = 0, sum12;
    bool has_due = subsidy_due12(s, &due12) &&
                   !__builtin_add_overflow(t->sub_due_twelfths, due12, &sum12);
    int64_t due = due12 / 12;     /* the record's own due, cut to whole fen */

    t->sub_n++;
    if (s->has_persons_paid)
        t->sub_persons += s->persons_paid;
    else
        t->sub_persons_miss++;
    if (has_due) {
        t->sub_due_twelfths = sum12;
        t->sub_due_fen = (sum12 < 0 ? sum12 - 6 : sum12 + 6) / 12;
    } else {
        t->sub_due_miss++;
    }
    if (s->has_amount_paid_fen)
        t->sub_paid_fen += s->amount_paid_fen;
    else
        t->sub_paid_miss++;
    if (!(has_due && s->has_amount_paid_fen && s->has_paid_date && s->has_due_date))
        t->sub_ok_miss++;
    else if (s->amount_paid_fen >= due && s->paid_date <= s->due_date)
        t->sub_ok++;
}

static void add_training(struct rs_eval_town *t, const Rs__Training *tr)
{
    if (tr->has_cost_fen)
        t->tr_cost_fen += tr->cost_fen;
    else
        t->tr_cost_miss++;
    if (tr->has_type && tr->type == RS__TRAINING_TYPE__TRAIN_SELF) {
        t->tr_self_n++;
        if (tr->has_subsidy_persons)
            t->tr_self_persons += tr->subsidy_persons;
        else
            t->tr_self_persons_miss++;
        if (tr->has_subsidy_total_fen || tr->has_cost_fen)
            t->tr_self_paid_fen += tr->has_subsidy_total_fen ? tr->subsidy_total_fen
                                                             : tr->cost_fen;
        else
            t->tr_self_paid_miss++;
        return;
    }
    t->tr_n++;
    t->tr_trainees += tr->trainees;
    if (tr->has_certified) {
        t->tr_certified += tr->certified;
        t->tr_cert_n++;
        t->tr_cert_trainees += tr->trainees;
    }
    if (tr->has_planned_trainees) {
        t->tr_planned += tr->planned_trainees;
        t->tr_planned_trainees += tr->trainees;
    } else {
        t->tr_no_plan++;
    }
}

static void add_relief(struct rs_eval_town *t, const Rs__Relief *r)
{
    size_t k = r->has_kind && (size_t)r->kind < RS_EVAL_NRKIND ? (size_t)r->kind : 0;

    unsigned flags = rs_eval_relief_flags(r->has_amount_fen, r->amount_fen, r->has_paid_date);

    t->rl_n++;
    t->rl_fen += r->amount_fen;
    t->rl_kind_fen[k] += r->amount_fen;
    t->rl_delivered += (flags & RS_EVAL_RL_DELIVERED) != 0;
    t->rl_judged += (flags & RS_EVAL_RL_JUDGED) != 0;
    t->rl_no_amount += (flags & RS_EVAL_RL_NOAMT) != 0;
}

static void add_petition(struct rs_eval_town *t, const Rs__Petition *p)
{
    t->pt_n++;
    if (p->has_status && p->status == RS__PETITION_STATUS__PST_CLOSED)
        t->pt_closed++;
    if (p->has_status && p->status == RS__PETITION_STATUS__PST_REPEAT)
        t->pt_repeat++;
    if (p->has_level && p->level >= RS__PETITION_LEVEL__PLV_DISTRICT)
        t->pt_above += p->has_visitors ? p->visitors : 1;
    if (!p->has_level)
        t->pt_level_miss++;
}

static void add_survey(struct rs_eval_town *t, const Rs__Survey *s)
{
    t->sv_n++;
    t->sv_sample += s->sample_size;
    t->sv_sample_miss += !s->has_sample_size;
    t->sv_answers_miss += !(s->has_satisfied && s->has_basically_satisfied && s->has_dissatisfied);
    t->sv_valid += s->valid;
    t->sv_satisfied += s->satisfied;
    t->sv_basic += s->basically_satisfied;
    t->sv_dissatisfied += s->dissatisfied;
}

void rs_eval_town_add(struct rs_eval_town *t, const Rs__Record *r)
{
    t->records++;
    switch (r->body_case) {
    case RS__RECORD__BODY_PROJECT:
        add_project(t, r->project);
        break;
    case RS__RECORD__BODY_SUBSIDY:
        add_subsidy(t, r->subsidy);
        break;
    case RS__RECORD__BODY_TRAINING:
        add_training(t, r->training);
        break;
    case RS__RECORD__BODY_RELIEF:
        add_relief(t, r->relief);
        break;
    case RS__RECORD__BODY_PETITION:
        add_petition(t, r->petition);
        break;
    case RS__RECORD__BODY_SURVEY:
        add_survey(t, r->survey);
        break;
    default:
        break;
    }
}

/* A relief record kept in the dataset has no household_ref (the others are
 * folded, see rs_eval_fold.c): it cannot be matched to any other, so it
 * counts as its own household (the checker reports it). */
void rs_eval_town_own_household(struct rs_eval_result *res, struct rs_eval_town *t,
                                const Rs__Relief *rl)
{
    size_t kind = rl->has_kind && (size_t)rl->kind < RS_EVAL_NRKIND ? (size_t)rl->kind : 0;

    res->total.rl_households++;
    t->rl_households++;
    res->total.rl_kind_households[kind]++;
    t->rl_kind_households[kind]++;
}

rs_status rs_eval_town_add_folds(struct rs_eval_result *res, struct rs_eval_town_map *map)
{
    size_t nfolds, nhh;
    const struct rs_eval_fold *folds = rs_eval_folds(res->ds, &nfolds);
    const struct rs_eval_hh_info *infos = rs_eval_households(res->ds, &nhh);
    size_t *town = NULL;

    if (nfolds == 0)
        return RS_OK;
    town = malloc(nfolds * sizeof *town);
    if (!town)
        return RS_ENOMEM;
    for (size_t f = 0; f < nfolds; f++) {
        const struct rs_eval_fold *fd = &folds[f];

        town[f] = SIZE_MAX;
        if (fd->n == 0 || (res->is_township && strcmp(fd->division, res->division) != 0))
            continue;
        town[f] = rs_eval_town_get(res, map, fd->division);
        if (town[f] == SIZE_MAX) {
            free(town);
            return RS_ENOMEM;
        }
        for (int pass = 0; pass < 2; pass++) {
            struct rs_eval_town *t = pass ? &res->total : &res->towns[town[f]];

            t->records += fd->n;
            t->rl_n += fd->n;
            t->rl_fen += fd->fen;
            t->rl_delivered += fd->delivered;
            t->rl_judged += fd->judged;
            t->rl_no_amount += fd->no_amount;
            for (size_t k = 0; k < RS_EVAL_NRKIND; k++)
                t->rl_kind_fen[k] += fd->kind_fen[k];
        }
        res->nrecords += fd->n;
    }
    for (size_t i = 0; i < nhh; i++) {
        const struct rs_eval_hh_info *e = &infos[i];
        struct rs_eval_town *t;

        if (town[e->fold] == SIZE_MAX)
            continue;
        t = &res->towns[town[e->fold]];
        res->total.rl_households++;
        t->rl_households++;
        for (size_t k = 0; k < RS_EVAL_NRKIND; k++) {
            if (e->kinds & (1u << k)) {
                res->total.rl_kind_households[k]++;
                t->rl_kind_households[k]++;
            }
        }
    }
    free(town);
    return RS_OK;
}

void rs_eval_town_map_free(struct rs_eval_town_map *m)
{
    free(m->slot);
    m->slot = NULL;
}

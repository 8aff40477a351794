/*
 * rs_eval_fold.c - relief records with a household_ref, summed instead of
 * kept.
 *
 * See rs_eval_data.h.  A year may hold a million relief records and the
 * evaluation reads four things of each: its division, amount, kind and
 * whether it was delivered, and its household for the count of distinct
 * households.  So each is added to its division's sums (a fold, found
 * through an open-addressing table of division codes) and its household to
 * a table keyed by (fold, household_ref); the record itself is not kept.
 * The first record of a household carries its natural key in the
 * household's entry; later ones of the same household go through the
 * natural-key table (rs_eval_keys.c), so a repeated record replaces the
 * amount it repeats instead of adding to it.
 *
 * Does not: keep relief records without a household_ref (rs_eval_dataset.c
 * keeps them, for the checker names each), or compute township figures
 * from the sums (rs_eval_town.c).
 */
#include <stdlib.h>
#include <string.h>

#include "rs_eval_data.h"
#include "rs_eval_hash.h"

static size_t fold_slot(const struct rs_eval_mem *mem, const char *div, size_t n, uint64_t h)
{
    size_t i = (size_t)h & mem->fmask;

    while (mem->fslot[i] && !rs_eval_same_bytes(mem->folds[mem->fslot[i] - 1].division, div, n))
        i = (i + 1) & mem->fmask;
    return i;
}

static rs_status fold_rehash(struct rs_eval_mem *mem)
{
    size_t n = mem->fslot ? (mem->fmask + 1) * 2 : 64;
    uint32_t *v = rs_eval_mem_calloc(mem, n, sizeof *v);

    if (!v)
        return mem->err;
    if (mem->fslot) {
        mem->bytes -= (mem->fmask + 1) * sizeof *v;
        free(mem->fslot);
    }
    mem->fslot = v;
    mem->fmask = n - 1;
    for (size_t f = 0; f < mem->nfolds; f++) {
        const char *div = mem->folds[f].division;

        mem->fslot[fold_slot(mem, div, strlen(div), rs_eval_hash_mix(rs_eval_hash_str(div)))] =
            (uint32_t)(f + 1);
    }
    return RS_OK;
}

/* The index of the sums of division `div`, made if new; SIZE_MAX (mem->err
 * set) if out of memory. */
static size_t fold_get(struct rs_eval_mem *mem, const char *div, size_t n)
{
    struct rs_eval_fold *fd;
    size_t i;

    if (mem->flast != SIZE_MAX && rs_eval_same_bytes(mem->folds[mem->flast].division, div, n))
        return mem->flast;
    if ((!mem->fslot || (mem->nfolds + 1) * 2 > mem->fmask + 1) && fold_rehash(mem) != RS_OK)
        return SIZE_MAX;
    i = fold_slot(mem, div, n, rs_eval_hash_mix(rs_eval_hash_bytes(div, n)));
    if (mem->fslot[i])
        return mem->flast = mem->fslot[i] - 1;
    if (mem->nfolds == mem->foldcap) {
        size_t nc = mem->foldcap ? mem->foldcap * 2 : 16;
        struct rs_eval_fold *v;

        if (!rs_eval_mem_charge(mem, (nc - mem->foldcap) * sizeof *v))
            return SIZE_MAX;
        v = realloc(mem->folds, nc * sizeof *v);
        if (!v) {
            mem->bytes -= (nc - mem->foldcap) * sizeof *v;
            mem->err = RS_ENOMEM;
            return SIZE_MAX;
        }
        mem->folds = v;
        mem->foldcap = nc;
    }
    fd = &mem->folds[mem->nfolds];
    memset(fd, 0, sizeof *fd);
    fd->division = rs_eval_key_copy(mem, div, n);
    if (!fd->division)
        return SIZE_MAX;
    mem->fslot[i] = (uint32_t)(mem->nfolds + 1);
    return mem->flast = mem->nfolds++;
}

static size_t hh_slot(const struct rs_eval_mem *mem, uint64_t h, uint32_t fold,
                      const struct rs_eval_slice *ref)
{
    size_t i = (size_t)h & mem->hhmask;

    while (mem->hh[i].hash &&
           !(mem->hh[i].hash == h && mem->hh[i].fold == fold &&
             rs_eval_same_bytes(mem->infos[mem->hh[i].info].ref, ref->p, ref->n)))
        i = (i + 1) & mem->hhmask;
    return i;
}

/* Room for one more household: in the table (at most half the slots used)
 * and in infos. */
static rs_status hh_room(struct rs_eval_mem *mem)
{
    size_t n;
    struct rs_eval_hh_ent *v, *old = mem->hh;
    size_t oldn = old ? mem->hhmask + 1 : 0;

    if (mem->nhh == mem->infocap) {
        size_t nc = mem->infocap ? mem->infocap * 2 : 1024;
        struct rs_eval_hh_info *w;

        if (!rs_eval_mem_charge(mem, (nc - mem->infocap) * sizeof *w))
            return mem->err;
        w = realloc(mem->infos, nc * sizeof *w);
        if (!w) {
            mem->bytes -= (nc - mem->infocap) * sizeof *w;
            return mem->err = RS_ENOMEM;
        }
        mem->infos = w;
        mem->infocap = nc;
    }
    if ((mem->nhh + 1) * 2 <= oldn)
        return RS_OK;
    n = oldn ? oldn * 2 : 1024;
    v = rs_eval_table_alloc(mem, n, sizeof *v);
    if (!v)
        return mem->err;
    mem->hh = v;
    mem->hhmask = n - 1;
    /* Every household is distinct: each goes to the first empty slot. */
    for (size_t i = 0; i < oldn; i++) {
        size_t j;

        if (!old[i].hash)
            continue;
        for (j = (size_t)old[i].hash & mem->hhmask; v[j].hash; j = (j + 1) & mem->hhmask)
            ;
        v[j] = old[i];
    }
    mem->bytes -= oldn * sizeof *v;
    rs_eval_table_free(old, oldn, sizeof *v);
    return RS_OK;
}

/* A repeated relief record's later amount replaces the earlier in the sums. */
static void count(struct rs_eval_fold *fd, unsigned flags, int by)
{
    if (flags & RS_EVAL_RL_DELIVERED)
        fd->delivered += (uint32_t)by;
    if (flags & RS_EVAL_RL_JUDGED)
        fd->judged += (uint32_t)by;
    if (flags & RS_EVAL_RL_NOAMT)
        fd->no_amount += (uint32_t)by;
}

static void adjust(struct rs_eval_fold *fd, size_t k, int64_t old_fen, unsigned old_flags,
                   int64_t fen, unsigned flags)
{
    fd->fen += fen - old_fen;
    fd->kind_fen[k] += fen - old_fen;
    count(fd, old_flags, -1);
    count(fd, flags, 1);
}

unsigned rs_eval_relief_flags(bool has_amount, int64_t fen, bool has_paid_date)
{
    if (!has_amount)
        return RS_EVAL_RL_NOAMT;
    if (fen <= 0 || !has_paid_date)
        return RS_EVAL_RL_JUDGED;
    return RS_EVAL_RL_JUDGED | RS_EVAL_RL_DELIVERED;
}

rs_status rs_eval_fold_relief(struct rs_eval_dataset *ds, const struct rs_eval_relief_fields *rf)
{
    struct rs_eval_mem *mem = ds->mem;
    const char *div = rf->division.p ? rf->division.p : "";
    size_t k = rf->has_kind && rf->kind >= 0 && rf->kind < RS_EVAL_NRKIND ? (size_t)rf->kind : 0;
    size_t f = fold_get(mem, div, rf->division.n);
    int64_t fen = rf->has_amount_fen ? rf->amount_fen : 0;
    struct rs_eval_fold *fd;
    struct rs_eval_hh_ent *e;
    struct rs_eval_hh_info *hi;
    uint64_t h, nh;
    uint32_t nh2;
    uint32_t date = rf->has_paid_date ? rf->paid_date : 0;
    bool keyed = rf->has_kind && rf->kind > 0 && rf->kind <= UINT8_MAX;
    unsigned flags = rs_eval_relief_flags(rf->has_amount_fen, fen, rf->has_paid_date);

    if (f == SIZE_MAX || hh_room(mem) != RS_OK)
        return mem->err ? mem->err : RS_ENOMEM;
    fd = &mem->folds[f];
    h = rs_eval_hash_mix(rs_eval_hash_bytes(rf->household_ref.p, rf->household_ref.n) ^
                         ((uint64_t)f * 0x9e3779b97f4a7c15u)) | 1;
    e = &mem->hh[hh_slot(mem, h, (uint32_t)f, &rf->household_ref)];
    if (!e->hash) {
        const char *ref = rs_eval_key_copy(mem, rf->household_ref.p, rf->household_ref.n);

        if (!ref)
            return mem->err ? mem->err : RS_ENOMEM;
        hi = &mem->infos[mem->nhh];
        hi->ref = ref;
        hi->fold = (uint32_t)f;
        hi->kinds = 0;
        hi->first_kind = keyed ? (uint8_t)rf->kind : 0;
        hi->first_date = date;
        hi->first_fen = fen;
        hi->first_flags = (uint8_t)flags;
        e->hash = h;
        e->fold = (uint32_t)f;
        e->info = (uint32_t)mem->nhh++;
    } else {
        hi = &mem->infos[e->info];
        if (keyed && hi->first_kind == (uint8_t)rf->kind && hi->first_date == date) {
            /* The household's first record again: the later amount counts. */
            rs_eval_repeat_relief(ds, rf, hi->first_fen == fen);
            adjust(fd, k, hi->first_fen, hi->first_flags, fen, flags);
            hi->first_fen = fen;
            hi->first_flags = (uint8_t)flags;
            return RS_OK;
        }
        if (keyed) {
            struct rs_eval_nk_ent *ne;

            rs_eval_nk_relief(rf, &nh, &nh2);
            if (rs_eval_nk_room(mem) != RS_OK)
                return mem->err ? mem->err : RS_ENOMEM;
            ne = rs_eval_nk_find(mem, nh, nh2);
            if (ne->h) {
                /* Another record of the household again. */
                rs_eval_repeat_relief(ds, rf, ne->v == fen);
                adjust(fd, k, ne->v, (ne->at & RS_EVAL_NK_FLAGS) >> RS_EVAL_NK_FLAGS_SHIFT, fen,
                       flags);
                ne->v = fen;
                ne->at = (ne->at & ~RS_EVAL_NK_FLAGS) | flags << RS_EVAL_NK_FLAGS_SHIFT;
                return RS_OK;
            }
            ne->h = nh;
            ne->h2 = nh2;
            ne->at = (uint32_t)f | RS_EVAL_NK_FOLDED | flags << RS_EVAL_NK_FLAGS_SHIFT;
            ne->v = fen;
            mem->nnk++;
        }
    }
    hi->kinds = (uint8_t)(hi->kinds | 1u << k);
    fd->n++;
    fd->fen += fen;
    fd->kind_fen[k] += fen;
    count(fd, flags, 1);
    ds->folded++;
    return RS_OK;
}

void rs_eval_relief_fields_of(const Rs__Record *r, struct rs_eval_relief_fields *f)
{
    const Rs__Relief *rl = r->relief;

    memset(f, 0, sizeof *f);
    f->id.p = r->id;
    f->id.n = r->id ? strlen(r->id) : 0;
    f->division.p = r->division_code;
    f->division.n = r->division_code ? strlen(r->division_code) : 0;
    f->has_division = r->division_code != NULL;
    f->has_year = r->has_year;
    f->year = r->year;
    f->household_ref.p = rl->household_ref;
    f->household_ref.n = rl->household_ref ? strlen(rl->household_ref) : 0;
    f->has_household_ref = rl->household_ref != NULL;
    f->has_kind = rl->has_kind;
    f->kind = (int32_t)rl->kind;
    f->has_amount_fen = rl->has_amount_fen;
    f->amount_fen = rl->amount_fen;
    f->has_paid_date = rl->has_paid_date;
    f->paid_date = rl->paid_date;
}

const struct rs_eval_fold *rs_eval_folds(const struct rs_eval_dataset *ds, size_t *n)
{
    *n = ds->mem->nfolds;
    return ds->mem->folds;
}

const struct rs_eval_hh_info *rs_eval_households(const struct rs_eval_dataset *ds, size_t *n)
{
    *n = ds->mem->nhh;
    return ds->mem->infos;
}

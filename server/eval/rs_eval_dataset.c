/*
 * rs_eval_dataset.c - the dataset: what is kept of each record added.
 *
 * See rs_eval_dataset.h.  Each packed record is read once: a relief record
 * with a household is folded straight from its bytes when its encoding is
 * the plain one (rs_eval_peek.c), or after unpacking otherwise
 * (rs_eval_fold.c); any other record of the year is unpacked into the
 * arena and kept, in the order added and in its body type's list, so a
 * loop over projects does not walk relief.  A township record whose
 * natural key is already held takes the place of the record that holds it
 * (rs_eval_keys.c).  A failed add gives back what it took.
 *
 * Does not: compute figures (rs_eval_figures.c) or look at a record's
 * values beyond its year, type, natural key and relief fields.
 */
#include <stdlib.h>
#include <string.h>

#include "rs_eval_data.h"
#include "rs_eval_text.h"
#include "rs_rtype.h"

static const struct rs_eval_list no_records;

const struct rs_eval_list *rs_eval_dataset_of(const struct rs_eval_dataset *ds,
                                              Rs__Record__BodyCase body)
{
    if ((unsigned)body >= RS_EVAL_NBODY)
        return &no_records;
    return &ds->by_body[body];
}

rs_status rs_eval_dataset_new(uint32_t year, struct rs_eval_dataset **out)
{
    struct rs_eval_dataset *ds = calloc(1, sizeof *ds);

    *out = NULL;
    if (!ds)
        return RS_ENOMEM;
    ds->mem = rs_eval_mem_new(ds);
    if (!ds->mem) {
        free(ds);
        return RS_ENOMEM;
    }
    ds->year = year;
    ds->max_bytes = RS_EVAL_MAX_BYTES;
    *out = ds;
    return RS_OK;
}

void rs_eval_dataset_free(struct rs_eval_dataset *ds)
{
    if (!ds)
        return;
    rs_eval_mem_free(ds->mem);
    free(ds->repeats);
    for (size_t i = 0; i < RS_EVAL_NBODY; i++)
        free(ds->by_body[i].rec);
    free(ds->rec);
    free(ds->offices);
    free(ds);
}

/* The next capacity of an array of n records (doubling, at most
 * RS_EVAL_MAX_RECORDS), or 0 if it has room. */
static size_t next_cap(size_t n, size_t cap, size_t first)
{
    size_t nc;

    if (n < cap)
        return 0;
    nc = cap ? cap * 2 : first;
    return nc > RS_EVAL_MAX_RECORDS ? RS_EVAL_MAX_RECORDS : nc;
}

/* Room for one more record in ds->rec and in its body's list l. */
static rs_status make_room(struct rs_eval_dataset *ds, struct rs_eval_list *l)
{
    size_t nc = next_cap(ds->n, ds->cap, 256);

    if (nc) {
        Rs__Record **v = realloc(ds->rec, nc * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        ds->rec = v;
        ds->cap = nc;
    }
    nc = next_cap(l->n, l->cap, 16);
    if (nc) {
        const Rs__Record **v = realloc(l->rec, nc * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        l->rec = v;
        l->cap = nc;
    }
    return RS_OK;
}

rs_status rs_eval_dataset_add_packed(struct rs_eval_dataset *ds, const uint8_t *body, size_t len)
{
    struct rs_eval_mem *mem = ds->mem;
    struct rs_eval_arena_mark m = rs_eval_arena_mark(&mem->recs);
    struct rs_eval_list *l;
    struct rs_eval_nk_ent *e = NULL;
    struct rs_eval_relief_fields rf;
    uint64_t nh = 0;
    uint32_t nh2 = 0;
    Rs__Record *r;
    rs_status rv;

    mem->err = RS_OK;
    /* A relief record with a household is folded straight from its bytes
     * when its encoding is the plain one (rs_eval_peek.c). */
    if (rs_eval_relief_peek(body, len, &rf) && rf.has_year && rf.year == ds->year &&
        rf.household_ref.n > 0) {
        if (ds->n + ds->folded >= RS_EVAL_MAX_RECORDS)
            return RS_ETOOBIG;
        return rs_eval_fold_relief(ds, &rf);
    }
    r = rs__record__unpack(&mem->alloc, len, body);
    if (!r) {
        rv = mem->err ? mem->err : RS_EINVAL;
        goto fail;
    }
    if (!r->has_year || r->year != ds->year || r->body_case == RS__RECORD__BODY__NOT_SET ||
        (unsigned)r->body_case >= RS_EVAL_NBODY) {
        ds->ignored++;
        rs_eval_arena_rewind(mem, &mem->recs, &m);
        return RS_OK;
    }
    rv = RS_ETOOBIG;
    if (ds->n + ds->folded >= RS_EVAL_MAX_RECORDS)
        goto fail;
    if (r->body_case == RS__RECORD__BODY_RELIEF && r->relief->household_ref &&
        r->relief->household_ref[0]) {
        rs_eval_relief_fields_of(r, &rf);
        rv = rs_eval_fold_relief(ds, &rf);
        rs_eval_arena_rewind(mem, &mem->recs, &m);
        return rv;
    }
    l = &ds->by_body[r->body_case];
    if (rs_rtype_is_township(r->body_case) && rs_eval_nk_of(r, &nh, &nh2)) {
        rv = rs_eval_nk_room(mem);
        if (rv)
            goto fail;
        e = rs_eval_nk_find(mem, nh, nh2);
        if (e->h) {
            /* Takes the place of the earlier record of the same key (a
             * kept key is never a folded one: folded records are relief
             * with a household_ref, kept relief has none). */
            rs_eval_repeat_record(ds, ds->rec[e->at & RS_EVAL_NK_AT], r);
            ds->rec[e->at & RS_EVAL_NK_AT] = r;
            l->rec[e->v] = r;
            return RS_OK;
        }
    }
    rv = make_room(ds, l);
    if (rv)
        goto fail;
    if (e) {
        e->h = nh;
        e->h2 = nh2;
        e->at = (uint32_t)ds->n;
        e->v = (int64_t)l->n;
        mem->nnk++;
    }
    ds->rec[ds->n++] = r;
    l->rec[l->n++] = r;
    return RS_OK;
fail:
    rs_eval_arena_rewind(mem, &mem->recs, &m);
    return rv;
}

size_t rs_eval_dataset_bytes(const struct rs_eval_dataset *ds)
{
    return ds->mem->bytes;
}

rs_status rs_eval_dataset_office(struct rs_eval_dataset *ds, const char *code, const char *name)
{
    struct rs_eval_office *o;

    if (!code || !name)
        return RS_EINVAL;
    if (ds->noffices == RS_EVAL_MAX_OFFICES)
        return RS_ETOOBIG;
    if (ds->noffices == ds->offcap) {
        size_t cap = ds->offcap ? ds->offcap * 2 : 16;
        struct rs_eval_office *v = realloc(ds->offices, cap * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        ds->offices = v;
        ds->offcap = cap;
    }
    o = &ds->offices[ds->noffices++];
    rs_eval_copy(o->code, sizeof o->code, code);
    rs_eval_copy(o->name, sizeof o->name, name);
    return RS_OK;
}

const char *rs_eval_division_name(const struct rs_eval_dataset *ds, const char *code)
{
    for (size_t i = 0; i < ds->noffices; i++) {
        if (strcmp(ds->offices[i].code, code) == 0)
            return ds->offices[i].name;
    }
    return code;
}

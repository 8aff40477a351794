/*
 * rs_eval_keys.c - natural keys of township records, and the repeats they
 * reveal.
 *
 * See rs_eval_data.h.  The same real record stored twice under two ids (a
 * file imported again into a fresh outbox) has one natural key: division,
 * type and rs_record_key.  The key is hashed twice with independent seeds
 * (128 bits), so two different keys are taken for one with a chance far
 * below 2^-64 per year; the key text itself is not kept, which keeps a
 * million folded relief records at a few bytes each.  A repeat is noted in
 * its (division, type) group of ds->repeats, with the first one labelled
 * as an example.
 *
 * Does not: decide what a repeat replaces (rs_eval_dataset.c for kept
 * records, rs_eval_fold.c for folded relief), or report it (rs_eval_check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_eval_data.h"
#include "rs_eval_hash.h"
#include "rs_eval_text.h"
#include "rs_validate.h"

#define NK_MAX 512                             /* bytes of one key */

static void nk_hash(const uint8_t *p, size_t n, uint64_t *h, uint32_t *h2)
{
    uint64_t a = RS_EVAL_FNV_OFFSET, b = 0x84222325cbf29ce4u;

    for (size_t i = 0; i < n; i++) {
        a = (a ^ p[i]) * RS_EVAL_FNV_PRIME;
        b = (b ^ p[i]) * 0x00000100000001b3u;
        b ^= b >> 29;
    }
    *h = rs_eval_hash_mix(a) | 1;              /* never 0: 0 marks an empty slot */
    *h2 = (uint32_t)(rs_eval_hash_mix(b ^ 0x9e3779b97f4a7c15u) >> 32);
}

/* Appends n bytes, then a separator, to the key in buf; false if they do
 * not fit. */
static bool nk_put(uint8_t *buf, size_t *len, const void *p, size_t n)
{
    if (n + 1 > NK_MAX - *len)
        return false;
    memcpy(buf + *len, p, n);
    buf[*len + n] = 0x1f;
    *len += n + 1;
    return true;
}

static bool nk_str(uint8_t *buf, size_t *len, const char *s)
{
    return nk_put(buf, len, s ? s : "", s ? strlen(s) : 0);
}

bool rs_eval_nk_of(const Rs__Record *r, uint64_t *h, uint32_t *h2)
{
    uint8_t buf[NK_MAX], type = (uint8_t)r->body_case;
    char key[NK_MAX];
    size_t n = 0;

    if (!nk_str(buf, &n, r->division_code) || !nk_put(buf, &n, &type, 1))
        return false;
    if (r->body_case == RS__RECORD__BODY_RELIEF)
        return false;
    if (rs_record_key(r, key, sizeof key) != RS_OK || !nk_str(buf, &n, key))
        return false;
    nk_hash(buf, n, h, h2);
    return true;
}

void rs_eval_nk_relief(const struct rs_eval_relief_fields *f, uint64_t *h, uint32_t *h2)
{
    uint8_t buf[NK_MAX], type = (uint8_t)RS__RECORD__BODY_RELIEF;
    uint32_t kd[2] = {(uint32_t)f->kind, f->has_paid_date ? f->paid_date : 0};
    size_t n = 0;

    if (nk_put(buf, &n, f->division.p ? f->division.p : "", f->division.n) &&
        nk_put(buf, &n, &type, 1) && nk_put(buf, &n, f->household_ref.p, f->household_ref.n) &&
        nk_put(buf, &n, kd, sizeof kd)) {
        nk_hash(buf, n, h, h2);
        return;
    }
    /* Longer than NK_MAX (the store caps every string far below): hash the
     * parts one after another instead. */
    nk_hash((const uint8_t *)f->household_ref.p, f->household_ref.n, h, h2);
    *h = rs_eval_hash_mix(*h ^ rs_eval_hash_bytes(f->division.p ? f->division.p : "",
                                                  f->division.n) ^
                          ((uint64_t)kd[0] << 32 | kd[1])) | 1;
}

static size_t nk_slot(const struct rs_eval_mem *mem, uint64_t h, uint32_t h2)
{
    size_t i = (size_t)h & mem->nkmask;

    while (mem->nk[i].h && !(mem->nk[i].h == h && mem->nk[i].h2 == h2))
        i = (i + 1) & mem->nkmask;
    return i;
}

struct rs_eval_nk_ent *rs_eval_nk_find(struct rs_eval_mem *mem, uint64_t h, uint32_t h2)
{
    return &mem->nk[nk_slot(mem, h, h2)];
}

rs_status rs_eval_nk_room(struct rs_eval_mem *mem)
{
    struct rs_eval_nk_ent *v, *old = mem->nk;
    size_t oldn = old ? mem->nkmask + 1 : 0, n;

    if ((mem->nnk + 1) * 4 <= oldn * 3)
        return RS_OK;
    n = oldn ? oldn * 2 : 1024;
    v = rs_eval_table_alloc(mem, n, sizeof *v);
    if (!v)
        return mem->err;
    mem->nk = v;
    mem->nkmask = n - 1;
    for (size_t i = 0; i < oldn; i++) {
        if (old[i].h)
            v[nk_slot(mem, old[i].h, old[i].h2)] = old[i];
    }
    mem->bytes -= oldn * sizeof *v;
    rs_eval_table_free(old, oldn, sizeof *v);
    return RS_OK;
}

/* Notes a record of `type` in division div[0..divlen) that repeated an
 * earlier record's key, same content or not; label names it (called only
 * for the first repeat of a division and type). */
static void note_repeat(struct rs_eval_dataset *ds, const char *div, size_t divlen,
                        Rs__Record__BodyCase type, bool same,
                        void (*label)(const void *rec, char *out, size_t outlen),
                        const void *rec)
{
    struct rs_eval_repeat *g = NULL;

    ds->repeated++;
    for (size_t i = ds->nrepeats; i-- > 0;) {
        if (ds->repeats[i].type == type &&
            rs_eval_same_bytes(ds->repeats[i].division, div, divlen)) {
            g = &ds->repeats[i];
            break;
        }
    }
    if (!g) {
        if (ds->nrepeats == RS_EVAL_MAX_REPEAT_GROUPS) {
            ds->repeats_dropped++;
            return;
        }
        if (!ds->repeats) {
            ds->repeats = calloc(RS_EVAL_MAX_REPEAT_GROUPS, sizeof *ds->repeats);
            if (!ds->repeats) {
                ds->repeats_dropped++;
                return;
            }
        }
        g = &ds->repeats[ds->nrepeats++];
        snprintf(g->division, sizeof g->division, "%.*s", (int)divlen, div);
        g->type = type;
        label(rec, g->example, sizeof g->example);
    }
    if (same)
        g->same++;
    else
        g->changed++;
}

static void record_label(const void *rec, char *out, size_t outlen)
{
    rs_eval_rec_label(rec, out, outlen);
}

/* A folded relief record's label, as rs_eval_rec_label gives it. */
static void relief_label(const void *rec, char *out, size_t outlen)
{
    const struct rs_eval_relief_fields *f = rec;

    rs_eval_label_parts(out, outlen, "救助", f->household_ref.p, f->household_ref.n, f->id.p,
                        f->id.n);
}

/* Whether two records hold the same content, their ids and supersedes
 * aside (packed and compared; only for repeats, which are rare). */
static bool same_content(Rs__Record *a, Rs__Record *b)
{
    char *ida = a->id, *idb = b->id, *sa = a->supersedes, *sb = b->supersedes;
    size_t la, lb;
    uint8_t *pa = NULL, *pb = NULL;
    bool same = false;

    a->id = b->id = a->supersedes = b->supersedes = NULL;
    la = rs__record__get_packed_size(a);
    lb = rs__record__get_packed_size(b);
    if (la == lb) {
        pa = malloc(la ? la : 1);
        pb = malloc(lb ? lb : 1);
        if (pa && pb) {
            rs__record__pack(a, pa);
            rs__record__pack(b, pb);
            same = memcmp(pa, pb, la) == 0;
        }
    }
    free(pa);
    free(pb);
    a->id = ida;
    b->id = idb;
    a->supersedes = sa;
    b->supersedes = sb;
    return same;
}

void rs_eval_repeat_record(struct rs_eval_dataset *ds, Rs__Record *old, Rs__Record *r)
{
    note_repeat(ds, r->division_code ? r->division_code : "",
                r->division_code ? strlen(r->division_code) : 0, r->body_case,
                same_content(old, r), record_label, r);
}

void rs_eval_repeat_relief(struct rs_eval_dataset *ds, const struct rs_eval_relief_fields *rf,
                           bool same)
{
    note_repeat(ds, rf->division.p ? rf->division.p : "", rf->division.n,
                RS__RECORD__BODY_RELIEF, same, relief_label, rf);
}

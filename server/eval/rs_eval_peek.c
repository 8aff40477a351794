/*
 * rs_eval_peek.c - reads the few fields of a packed relief record that the
 * evaluation folds, straight from the wire bytes, without unpacking it.
 *
 * A year may hold a million relief records; unpacking each one with
 * protobuf-c (allocations, every field, a two-pass scan) was the largest
 * cost of a report after the household table.  The fold needs only the
 * division, year, household_ref, kind, amount and paid date (and the id,
 * to name a repeated record).
 *
 * Conservative by design: it accepts only the plain encoding the server
 * itself packs (every known field at most once, with its own wire type,
 * varints of canonical length, strings without NUL bytes, the body a
 * Relief and nothing else) and answers false for anything else, which the
 * caller then unpacks with protobuf-c as before.  When it answers true,
 * rs__record__unpack of the same bytes gives the same values (the
 * differential fuzz target fuzz_peek checks exactly that).
 *
 * Does not: allocate, validate the values (the server validated them when
 * it stored the record), or read any other record type.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rs_eval_peek.h"

enum { WT_VARINT = 0, WT_LEN = 2 };

struct rd {
    const uint8_t *p, *end;
};

/* A varint of at most max bytes, the last without its high bit. */
static bool rd_varint(struct rd *r, uint64_t *v, int max)
{
    uint64_t x = 0;

    for (int i = 0; i < max && r->p < r->end; i++) {
        uint8_t b = *r->p++;

        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            /* A longer encoding than needed (a trailing 0x00 byte) is not
             * what the server packs. */
            if (i > 0 && b == 0)
                return false;
            *v = x;
            return true;
        }
    }
    return false;
}

static bool rd_tag(struct rd *r, uint32_t *field, uint32_t *wt)
{
    uint64_t t;

    if (!rd_varint(r, &t, 5) || t > UINT32_MAX || (t >> 3) == 0)
        return false;
    *field = (uint32_t)(t >> 3);
    *wt = (uint32_t)(t & 7);
    return true;
}

static bool rd_bytes(struct rd *r, const uint8_t **p, size_t *n)
{
    uint64_t len;

    if (!rd_varint(r, &len, 10) || len > (uint64_t)(r->end - r->p))
        return false;
    *p = r->p;
    *n = (size_t)len;
    r->p += len;
    return true;
}

/* A string field: no NUL inside (protobuf-c's C string would stop there). */
static bool rd_string(struct rd *r, struct rs_eval_slice *s)
{
    const uint8_t *p;
    size_t n;

    if (!rd_bytes(r, &p, &n) || memchr(p, 0, n))
        return false;
    s->p = (const char *)p;
    s->n = n;
    return true;
}

static bool rd_u32(struct rd *r, uint32_t *v)
{
    uint64_t x;

    if (!rd_varint(r, &x, 5) || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

/* An enum: protobuf-c keeps it as a 32-bit int; accept 0..INT32_MAX. */
static bool rd_enum(struct rd *r, int32_t *v)
{
    uint64_t x;

    if (!rd_varint(r, &x, 5) || x > INT32_MAX)
        return false;
    *v = (int32_t)x;
    return true;
}

static bool read_relief(const uint8_t *p, size_t n, struct rs_eval_relief_fields *f)
{
    struct rd r = {p, p + n};
    uint32_t seen = 0;

    while (r.p < r.end) {
        uint32_t field, wt, skip32;
        int32_t skipe;
        struct rs_eval_slice skips;
        uint64_t amount = 0;
        bool ok;

        if (!rd_tag(&r, &field, &wt) || field > RS_EVAL_PF_RELIEF_PAID_DATE ||
            (seen & (1u << field)))
            return false;
        seen |= 1u << field;
        switch (field) {
        case RS_EVAL_PF_RELIEF_HOUSEHOLD_REF:
            ok = wt == WT_LEN && rd_string(&r, &f->household_ref);
            f->has_household_ref = ok;
            break;
        case RS_EVAL_PF_RELIEF_VILLAGE:
        case RS_EVAL_PF_RELIEF_APPROVED_BY:
            ok = wt == WT_LEN && rd_string(&r, &skips);
            break;
        case RS_EVAL_PF_RELIEF_REASON:
            ok = wt == WT_VARINT && rd_enum(&r, &skipe);
            break;
        case RS_EVAL_PF_RELIEF_KIND:
            ok = wt == WT_VARINT && rd_enum(&r, &f->kind);
            f->has_kind = ok;
            break;
        case RS_EVAL_PF_RELIEF_PERSONS:
            ok = wt == WT_VARINT && rd_u32(&r, &skip32);
            break;
        case RS_EVAL_PF_RELIEF_AMOUNT_FEN:
            ok = wt == WT_VARINT && rd_varint(&r, &amount, 10);
            f->amount_fen = (int64_t)amount;
            f->has_amount_fen = ok;
            break;
        case RS_EVAL_PF_RELIEF_PAID_DATE:
            ok = wt == WT_VARINT && rd_u32(&r, &f->paid_date);
            f->has_paid_date = ok;
            break;
        default:
            return false;
        }
        if (!ok)
            return false;
    }
    return true;
}

bool rs_eval_relief_peek(const uint8_t *p, size_t n, struct rs_eval_relief_fields *f)
{
    struct rd r = {p, p + n};
    uint32_t seen = 0;
    bool has_body = false;

    memset(f, 0, sizeof *f);
    while (r.p < r.end) {
        uint32_t field, wt;
        int32_t skipe;
        struct rs_eval_slice skips;
        const uint8_t *body;
        size_t blen;
        bool ok;

        if (!rd_tag(&r, &field, &wt))
            return false;
        if (field == RS_EVAL_PF_RECORD_RELIEF) {
            if (has_body || wt != WT_LEN || !rd_bytes(&r, &body, &blen) ||
                !read_relief(body, blen, f))
                return false;
            has_body = true;
            continue;
        }
        if (field > RS_EVAL_PF_RECORD_REMARKS || (seen & (1u << field)))
            return false;
        seen |= 1u << field;
        switch (field) {
        case RS_EVAL_PF_RECORD_ID:
            ok = wt == WT_LEN && rd_string(&r, &f->id);
            break;
        case RS_EVAL_PF_RECORD_DIVISION_CODE:
            ok = wt == WT_LEN && rd_string(&r, &f->division);
            f->has_division = ok;
            break;
        case RS_EVAL_PF_RECORD_SUPERSEDES:
        case RS_EVAL_PF_RECORD_SUBMITTED_BY:
        case RS_EVAL_PF_RECORD_REMARKS:
            ok = wt == WT_LEN && rd_string(&r, &skips);
            break;
        case RS_EVAL_PF_RECORD_YEAR:
            ok = wt == WT_VARINT && rd_u32(&r, &f->year);
            f->has_year = ok;
            break;
        case RS_EVAL_PF_RECORD_PERIOD:
            ok = wt == WT_VARINT && rd_enum(&r, &skipe);
            break;
        default:
            return false;
        }
        if (!ok)
            return false;
    }
    return has_body;
}

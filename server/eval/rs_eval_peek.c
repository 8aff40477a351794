/*
 * rs_eval_peek.c - reads the few fields of a packed relief record that the
 * evaluation folds, straight from the stored bytes, without unpacking it.
 *
 * A year may hold a million relief records; unpacking each one with
 * protobuf-c (allocations, every field, a two-pass scan) was the largest
 * cost of a report after the household table.  The fold needs only the
 * division, year, household_ref, kind, amount and paid date (and the id,
 * to name a repeated record).
 *
 * The bytes are walked by the canonical-encoding check (rs_pb_check,
 * rs_pbscan.h), and the fields are picked up as it accepts them.  So the
 * peek answers true only for a canonical relief record, which is what the
 * server stores, and then rs__record__unpack of the same bytes gives the
 * same values (the differential fuzz target fuzz_peek checks exactly
 * that); anything else is false, and the caller unpacks it with protobuf-c
 * as before.  Fields are told apart by their place in the generated
 * structs, never by a number written here.
 *
 * Does not: allocate, validate the values (the server validated them when
 * it stored the record), or read any other record type.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rs_eval_peek.h"
#include "rs_pbscan.h"

static void slice(struct rs_eval_slice *s, const struct rs_pb_field *v)
{
    s->p = (const char *)v->p;
    s->n = v->n;
}

/* Keeps the fields the fold needs; stops (RS_ENOTFOUND) at a body other than relief. */
static rs_status pick(void *arg, const ProtobufCMessageDescriptor *msg,
                      const ProtobufCFieldDescriptor *fd, const struct rs_pb_field *v)
{
    struct rs_eval_relief_fields *f = arg;

    if (msg == &rs__relief__descriptor) {
        switch ((size_t)fd->offset) {
        case offsetof(Rs__Relief, household_ref):
            slice(&f->household_ref, v);
            f->has_household_ref = true;
            break;
        case offsetof(Rs__Relief, kind):
            f->kind = (int32_t)(uint32_t)v->v;      /* sign-extended if negative */
            f->has_kind = true;
            break;
        case offsetof(Rs__Relief, amount_fen):
            f->amount_fen = (int64_t)v->v;
            f->has_amount_fen = true;
            break;
        case offsetof(Rs__Relief, paid_date):
            f->paid_date = (uint32_t)v->v;
            f->has_paid_date = true;
            break;
        default:
            break;
        }
        return RS_OK;
    }
    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        /* A body: the oneof's case is the member's field number. */
        if (fd->id != RS__RECORD__BODY_RELIEF)
            return RS_ENOTFOUND;
        f->is_relief = true;
        return RS_OK;
    }
    switch ((size_t)fd->offset) {
    case offsetof(Rs__Record, id):
        slice(&f->id, v);
        break;
    case offsetof(Rs__Record, division_code):
        slice(&f->division, v);
        f->has_division = true;
        break;
    case offsetof(Rs__Record, year):
        f->year = (uint32_t)v->v;
        f->has_year = true;
        break;
    default:
        break;
    }
    return RS_OK;
}

bool rs_eval_relief_peek(const uint8_t *p, size_t n, struct rs_eval_relief_fields *f)
{
    memset(f, 0, sizeof *f);
    return rs_pb_check(&rs__record__descriptor, p, n, pick, f, NULL, 0) == RS_OK && f->is_relief;
}

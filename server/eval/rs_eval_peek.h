/*
 * rs_eval_peek.h - the fields of a packed relief record the dataset folds,
 * read without unpacking it (rs_eval_peek.c).  Private to server/eval/:
 * the dataset (rs_eval_dataset.c), the relief fold (rs_eval_fold.c) and the
 * natural keys (rs_eval_keys.c) use it, and so do test_eval and the
 * differential fuzz target fuzz_peek.
 *
 * Does not: define anything callers outside the evaluation should use.
 */
#ifndef RS_EVAL_PEEK_H
#define RS_EVAL_PEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_status.h"

/* The field numbers of rs.Record and rs.Relief (resettle.proto) the peek
 * reads or skips; test_eval checks each number and type against the
 * descriptors.  A field it does not know makes it answer false. */
enum rs_eval_peek_field {
    RS_EVAL_PF_RECORD_ID = 1,                  /* string */
    RS_EVAL_PF_RECORD_SUPERSEDES = 2,          /* string */
    RS_EVAL_PF_RECORD_DIVISION_CODE = 3,       /* string */
    RS_EVAL_PF_RECORD_YEAR = 4,                /* uint32 */
    RS_EVAL_PF_RECORD_PERIOD = 5,              /* enum */
    RS_EVAL_PF_RECORD_SUBMITTED_BY = 6,        /* string */
    RS_EVAL_PF_RECORD_REMARKS = 7,             /* string */
    RS_EVAL_PF_RECORD_RELIEF = RS__RECORD__BODY_RELIEF,    /* message, the body */
    RS_EVAL_PF_RELIEF_HOUSEHOLD_REF = 1,       /* string */
    RS_EVAL_PF_RELIEF_VILLAGE = 2,             /* string */
    RS_EVAL_PF_RELIEF_REASON = 3,              /* enum */
    RS_EVAL_PF_RELIEF_KIND = 4,                /* enum */
    RS_EVAL_PF_RELIEF_PERSONS = 5,             /* uint32 */
    RS_EVAL_PF_RELIEF_AMOUNT_FEN = 6,          /* int64 */
    RS_EVAL_PF_RELIEF_APPROVED_BY = 7,         /* string */
    RS_EVAL_PF_RELIEF_PAID_DATE = 8,           /* uint32 */
};

/* Bytes of a packed message, not NUL-terminated; p NULL when absent. */
struct rs_eval_slice {
    const char *p;
    size_t n;
};

/* What the evaluation folds of a relief record. */
struct rs_eval_relief_fields {
    struct rs_eval_slice id, division, household_ref;
    bool has_division, has_year, has_household_ref, has_kind, has_amount_fen, has_paid_date;
    uint32_t year;
    int32_t kind;
    int64_t amount_fen;
    uint32_t paid_date;
};

/*
 * Reads those fields of the packed Record p[0..n) if it is a relief record
 * in the plain encoding the server packs (rs_eval_peek.c says exactly
 * which); true then, and rs__record__unpack would give the same values.
 * false: anything else, the caller unpacks it.  *f points into p, which
 * must outlive it.  Pure: any thread.
 */
RS_NODISCARD bool rs_eval_relief_peek(const uint8_t *p, size_t n, struct rs_eval_relief_fields *f);

#endif

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

/* Bytes of a packed message, not NUL-terminated; p NULL when absent. */
struct rs_eval_slice {
    const char *p;
    size_t n;
};

/* What the evaluation folds of a relief record. */
struct rs_eval_relief_fields {
    struct rs_eval_slice id, division, household_ref;
    bool is_relief;             /* the body is a Relief */
    bool has_division, has_year, has_household_ref, has_kind, has_amount_fen, has_paid_date;
    uint32_t year;
    int32_t kind;
    int64_t amount_fen;
    uint32_t paid_date;
};

/*
 * Reads those fields of the packed Record p[0..n) if it is a relief record
 * in the canonical encoding (rs_pbscan.h), which is how the server stores
 * every record; true then, and rs__record__unpack would give the same values.
 * false: anything else, the caller unpacks it.  *f points into p, which
 * must outlive it.  Pure: any thread.
 */
RS_NODISCARD bool rs_eval_relief_peek(const uint8_t *p, size_t n, struct rs_eval_relief_fields *f);

#endif

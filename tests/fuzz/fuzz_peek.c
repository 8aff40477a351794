/*
 * fuzz_peek.c - differential libFuzzer target for rs_eval_relief_peek, the
 * report's shortcut past protobuf-c for relief records.
 *
 * The input is a packed rs.Record.  Whenever rs_eval_relief_peek accepts
 * it, rs__record__unpack must accept the same bytes, find a Relief body,
 * and give exactly the values the peek read: id, division_code, year,
 * household_ref, kind, amount_fen, paid_date, each present or absent
 * alike.  A disagreement aborts (and libFuzzer saves the input), because
 * the report would then count a record other than the one stored.
 *
 * Does not: check records the peek refuses (they are unpacked as before).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resettle.pb-c.h"
#include "rs_eval_peek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_peek: the peek and protobuf-c disagree on %s\n", what);
    abort();
}

static void same_str(const struct rs_eval_slice *s, const char *c, const char *what)
{
    if (!s->p) {
        if (c)
            fail(what);
        return;
    }
    if (!c || strlen(c) != s->n || memcmp(c, s->p, s->n) != 0)
        fail(what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_eval_relief_fields f;
    Rs__Record *r;
    const Rs__Relief *rl;

    if (!rs_eval_relief_peek(data, size, &f))
        return 0;
    r = rs__record__unpack(NULL, size, data);
    if (!r)
        fail("whether the record decodes");
    if (r->body_case != RS__RECORD__BODY_RELIEF)
        fail("the body");
    rl = r->relief;
    same_str(&f.id, r->id, "id");
    same_str(&f.division, r->division_code, "division_code");
    if (f.has_division != (r->division_code != NULL))
        fail("division_code presence");
    if (f.has_year != (bool)r->has_year || (f.has_year && f.year != r->year))
        fail("year");
    same_str(&f.household_ref, rl->household_ref, "household_ref");
    if (f.has_household_ref != (rl->household_ref != NULL))
        fail("household_ref presence");
    if (f.has_kind != (bool)rl->has_kind || (f.has_kind && f.kind != (int32_t)rl->kind))
        fail("kind");
    if (f.has_amount_fen != (bool)rl->has_amount_fen ||
        (f.has_amount_fen && f.amount_fen != rl->amount_fen))
        fail("amount_fen");
    if (f.has_paid_date != (bool)rl->has_paid_date ||
        (f.has_paid_date && f.paid_date != rl->paid_date))
        fail("paid_date");
    rs__record__free_unpacked(r, NULL);
    return 0;
}

/*
 * rs_eval_int.h - what rs_eval.c and rs_eval_check.c share; not for other
 * modules.
 *
 * rs_eval.c builds the figures and scores the indicators; rs_eval_check.c
 * runs the consistency checks over the same figures.  Both add findings
 * through rs_eval_finding_add and name records with rs_eval_rec_label.
 *
 * Does not: define anything callers outside the evaluation should use.
 */
#ifndef RS_EVAL_INT_H
#define RS_EVAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rs_eval.h"

__extension__ typedef __int128 rs_i128;

/* Bytes of a packed message, not NUL-terminated. */
struct rs_eval_slice {
    const char *p;
    size_t n;
};

/* What the evaluation folds of a relief record (rs_eval_relief_peek). */
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
 * false: anything else, the caller unpacks it.  *f points into p.
 */
bool rs_eval_relief_peek(const uint8_t *p, size_t n, struct rs_eval_relief_fields *f);

/*
 * Formats into buf[0..n) like snprintf, cutting at a UTF-8 character
 * boundary, and returns buf.  Texts of findings and inputs are capped, and
 * a cut one is still valid UTF-8.
 */
char *rs_eval_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* rs_eval_fmt into a char array. */
#define RS_SF(buf, ...) rs_eval_fmt((buf), sizeof(buf), __VA_ARGS__)

/* Drops a UTF-8 sequence cut short at the end of the NUL-terminated buf. */
void rs_eval_utf8_trim(char *buf);

/* Copies src into dst[0..n), cut at a UTF-8 character boundary. */
void rs_eval_copy(char *dst, size_t n, const char *src);

/*
 * Appends a finding (strings copied, cut to their caps).  Past
 * RS_EVAL_MAX_FINDINGS it only counts res->findings_dropped.  RS_ENOMEM.
 */
rs_status rs_eval_finding_add(struct rs_eval_result *res, enum rs_eval_sev sev,
                              const char *code, const char *division, const char *check,
                              const char *expected, const char *found, const char *where);

/* "Training B-03 (5d0c1e2a)": the record type, its own key if it has one,
 * and the first 8 characters of its id. */
void rs_eval_rec_label(const Rs__Record *r, char *out, size_t outlen);

/* fen as "2019.15万元" (two decimals, half away from zero). */
const char *rs_eval_wan(int64_t fen, char out[40]);

/* fen as "6000.00元". */
const char *rs_eval_yuan(int64_t fen, char out[40]);

/* Computes and scores every indicator, the total and the grade
 * (rs_eval_formula.c).  RS_ENOMEM. */
rs_status rs_eval_score_items(struct rs_eval_result *res);

/* Computes every catalogue formula into res->fx (rs_eval_formula.c). */
void rs_eval_all_formulas(struct rs_eval_result *res);

/* Runs every consistency check (rs_eval_check.c).  RS_ENOMEM. */
rs_status rs_eval_check_all(struct rs_eval_result *res);

#endif

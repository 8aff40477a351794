/*
 * rs_eval_figures.h - the figures of an evaluation: what the records add up
 * to, before any formula.  Private to server/eval/.
 *
 * Three files, each calling only those above it here (and the text layer,
 * rs_eval_text.h):
 *   rs_eval_unit.c     unit figures from the central office's records
 *   rs_eval_town.c     township figures of each division and their total,
 *                      including the dataset's relief folds (rs_eval_data.h)
 *   rs_eval_figures.c  rs_eval_figures_build: one walk over the dataset
 *                      that hands each record to the unit or its township
 * rs_eval_run (rs_eval_run.c) calls rs_eval_figures_build; the formulas and
 * checks above it read the figures from the result.  All run on the
 * thread that runs the evaluation.
 *
 * Does not: define anything callers outside the evaluation should use.
 */
#ifndef RS_EVAL_FIGURES_H
#define RS_EVAL_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_eval.h"
#include "rs_status.h"

/* ------------------------------------------------------------ unit (rs_eval_unit.c) */

/*
 * Takes a central-office record into res->unit: the one record of its
 * kind, or of its budget line or 三公 component.  A second record of the
 * same slot replaces the first and adds a finding (record.duplicate); a
 * budget line or 三公 record without its kind adds one and is not counted.
 * Other record types are ignored.  RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_eval_unit_add(struct rs_eval_result *res, const Rs__Record *r);

/* Fills the line, 三公 and total figures of u from the records taken. */
void rs_eval_unit_totals(struct rs_eval_unit *u);

/* ------------------------------------------------------------ townships (rs_eval_town.c) */

/* Division code -> index in res->towns, while the figures are built (the
 * towns are sorted only afterwards). */
struct rs_eval_town_map {
    uint32_t *slot;                    /* town index + 1; 0 is empty */
    size_t mask;                       /* slots - 1 */
    size_t tcap;                       /* capacity of res->towns */
    size_t last;                       /* the town found last, or SIZE_MAX */
};

#define RS_EVAL_TOWN_MAP_INIT {NULL, 0, 0, SIZE_MAX}

/* The index in res->towns of the town whose code is `code`, made (named
 * from the dataset's offices) if new; SIZE_MAX if out of memory. */
size_t rs_eval_town_get(struct rs_eval_result *res, struct rs_eval_town_map *m, const char *code);

/* Frees m's table (not the towns, which belong to res). */
void rs_eval_town_map_free(struct rs_eval_town_map *m);

/* Adds a kept township record to the figures of t. */
void rs_eval_town_add(struct rs_eval_town *t, const Rs__Record *r);

/* Counts a kept relief record (one without a household_ref) as a household
 * of its own in t and in res->total. */
void rs_eval_town_own_household(struct rs_eval_result *res, struct rs_eval_town *t,
                                const Rs__Relief *rl);

/* Adds the dataset's folded relief records of every division in scope:
 * their sums and their distinct households.  RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_town_add_folds(struct rs_eval_result *res,
                                              struct rs_eval_town_map *m);

/* ------------------------------------------------------------ the walk (rs_eval_figures.c) */

/*
 * Builds res->unit (consolidated only), res->towns (sorted by code) and
 * res->total from res->ds, counting res->nrecords; a township-scope result
 * gets its own division only, as a town even when it has no record.
 * RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_eval_figures_build(struct rs_eval_result *res);

#endif

/*
 * rs_year_build.h - the reporting year read from the store: a year's
 * completeness board, and the findings of the year a report lists (returns
 * the schedule expects that are missing, returned records not corrected).
 *
 * Called by the report's build (rs_report_build.c) and by the server's
 * completeness requests, on a thread that owns the store for the call (a
 * database job).  Everything after the reads is the pure board
 * (rs_compl.h).
 *
 * Does not: write the store, render, or decide who may see what (callers
 * pass the scope).
 */
#ifndef RS_YEAR_BUILD_H
#define RS_YEAR_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_compl.h"
#include "rs_eval.h"
#include "rs_status.h"
#include "rs_store.h"

#define RS_YEAR_MAX_FACTS 1000000        /* division x type x period rows a board reads */

/*
 * The completeness board of year as of now (unix seconds): its schedule,
 * the active township offices, and what every division has returned.
 * period and only as rs_compl_build (only: one township's row, NULL: all).
 * On RS_OK *out is the board (rs_compl_board_free), or NULL when the year
 * has no schedule (or an empty one).  RS_ENOMEM, RS_ETOOBIG past
 * RS_YEAR_MAX_FACTS or the board's caps, RS_ESTORAGE / RS_EIO; err says
 * why.
 */
RS_NODISCARD rs_status rs_year_board(struct rs_store *store, uint32_t year, int64_t now,
                                     Rs__Period period, const char *only,
                                     struct rs_compl_board **out, char *err, size_t errlen);

/*
 * Adds to res the reporting year's findings: one per return the board
 * shows missing (board may be NULL: none), and one per current record of
 * res's year, in res's scope (its division exactly for a township result,
 * every division otherwise), whose newest review returns it.  RS_ENOMEM,
 * RS_ESTORAGE / RS_EIO with err.
 */
RS_NODISCARD rs_status rs_year_findings(struct rs_store *store, const struct rs_compl_board *board,
                                        struct rs_eval_result *res, char *err, size_t errlen);

#endif

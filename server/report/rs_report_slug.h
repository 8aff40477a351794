/*
 * rs_report_slug.h - the English slugs the machine formats use for the
 * evaluation's enums.  Private to server/report/: the JSON and CSV writers
 * (rs_report_json.c, rs_report_csv.c) call these; they call nothing.
 *
 * Does not: define anything callers outside the report should use.
 */
#ifndef RS_REPORT_SLUG_H
#define RS_REPORT_SLUG_H

#include <stddef.h>

#include "rs_eval.h"
#include "rs_rtype.h"

/* English slugs used by JSON and CSV: "road", "personnel", "hardship",
 * "reception", written to out and returned; "" out of range. */
const char *rs_report_cat_slug(size_t cat, char out[RS_ENUM_SLUG_MAX]);
const char *rs_report_line_slug(size_t line, char out[RS_ENUM_SLUG_MAX]);
const char *rs_report_rkind_slug(size_t kind, char out[RS_ENUM_SLUG_MAX]);
const char *rs_report_sangong_slug(size_t kind, char out[RS_ENUM_SLUG_MAX]);

/* "note", "warning" or "error". */
const char *rs_report_sev_slug(enum rs_eval_sev s);

#endif

/*
 * rs_report_slug.c - English slugs of the evaluation's enums for JSON and
 * CSV: stable keys a spreadsheet or a script can match on, where the
 * document prints the Chinese name (rs_eval.h).
 *
 * See rs_report_slug.h.
 *
 * Does not: name anything in Chinese (rs_eval_names.c does).
 */
#include "rs_report_slug.h"

static const char *const cat_slugs[] = {
    "unspecified", "road",     "pond",    "canal",    "water",    "sewer",
    "bridge",      "grid",     "industry", "village", "capacity", "other",
};
_Static_assert(sizeof cat_slugs / sizeof cat_slugs[0] == RS_EVAL_NCAT, "one entry per value");

static const char *const line_slugs[] = {
    "", "personnel", "public", "project", "gov_fund", "state_capital", "social_insurance",
};
_Static_assert(sizeof line_slugs / sizeof line_slugs[0] == RS_EVAL_NLINES, "one entry per value");

static const char *const rkind_slugs[] = {
    "unspecified", "hardship", "study_award", "new_year", "other",
};
_Static_assert(sizeof rkind_slugs / sizeof rkind_slugs[0] == RS_EVAL_NRKIND, "one entry per value");

static const char *const sangong_slugs[] = {
    "", "outbound", "reception", "vehicle_purchase", "vehicle_upkeep",
};
_Static_assert(sizeof sangong_slugs / sizeof sangong_slugs[0] == RS_EVAL_NSANGONG,
               "one entry per value");

const char *rs_report_cat_slug(size_t cat)
{
    return cat < RS_EVAL_NCAT ? cat_slugs[cat] : "";
}

const char *rs_report_line_slug(size_t line)
{
    return line < RS_EVAL_NLINES ? line_slugs[line] : "";
}

const char *rs_report_rkind_slug(size_t kind)
{
    return kind < RS_EVAL_NRKIND ? rkind_slugs[kind] : "";
}

const char *rs_report_sangong_slug(size_t kind)
{
    return kind < RS_EVAL_NSANGONG ? sangong_slugs[kind] : "";
}

const char *rs_report_sev_slug(enum rs_eval_sev s)
{
    return s == RS_SEV_ERROR ? "error" : s == RS_SEV_WARNING ? "warning" : "note";
}

/*
 * rs_report_slug.c - English slugs of the evaluation's enums for JSON and
 * CSV: stable keys a spreadsheet or a script can match on, where the
 * document prints the Chinese name (rs_eval.h).  The slugs are the
 * protobuf-c value names, from the record-type table (rs_enum_slug).
 *
 * See rs_report_slug.h.
 *
 * Does not: name anything in Chinese (rs_eval_names.c does).
 */
#include "rs_report_slug.h"

#include <stdbool.h>

/* Value 0 (unspecified) of a budget line or 三公 kind is never written; a
 * value past the enum is "". */
static const char *slug(const ProtobufCEnumDescriptor *desc, size_t v, size_t n, bool zero,
                        char out[RS_ENUM_SLUG_MAX])
{
    out[0] = '\0';
    if (v >= n || (v == 0 && !zero))
        return out;
    return rs_enum_slug(desc, (int)v, out);
}

const char *rs_report_cat_slug(size_t cat, char out[RS_ENUM_SLUG_MAX])
{
    return slug(&rs__project_category__descriptor, cat, RS_EVAL_NCAT, true, out);
}

const char *rs_report_line_slug(size_t line, char out[RS_ENUM_SLUG_MAX])
{
    return slug(&rs__budget_line_kind__descriptor, line, RS_EVAL_NLINES, false, out);
}

const char *rs_report_rkind_slug(size_t kind, char out[RS_ENUM_SLUG_MAX])
{
    return slug(&rs__relief_kind__descriptor, kind, RS_EVAL_NRKIND, true, out);
}

const char *rs_report_sangong_slug(size_t kind, char out[RS_ENUM_SLUG_MAX])
{
    return slug(&rs__san_gong_kind__descriptor, kind, RS_EVAL_NSANGONG, false, out);
}

const char *rs_report_sev_slug(enum rs_eval_sev s)
{
    return s == RS_SEV_ERROR ? "error" : s == RS_SEV_WARNING ? "warning" : "note";
}

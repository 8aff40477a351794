/*
 * rs_eval_names.c - what the evaluation calls things: the Chinese names of
 * the enums it shows, severities and a record's label.
 *
 * See rs_eval.h (names) and rs_eval_text.h (labels).  A label names a
 * record the way a clerk finds it again: its type, its own key (project
 * id, village, batch, household, case, survey, budget line ...) and the
 * last 8 characters of its id.
 *
 * Does not: format numbers (rs_eval_text.c) or decide anything about a
 * record beyond its type.
 */
#include <string.h>

#include "rs_eval_text.h"
#include "rs_rtype.h"

/* The names come from the record-type table's enum names (rs_rtype.h);
 * value 0 (unspecified) of a budget line or 三公 kind is never shown, and a
 * value past the enum is "". */
static const char *enum_name(const ProtobufCEnumDescriptor *desc, size_t v, size_t n)
{
    return v < n ? rs_enum_display(desc, (int)v) : "";
}

const char *rs_eval_cat_name(size_t cat)
{
    return enum_name(&rs__project_category__descriptor, cat, RS_EVAL_NCAT);
}

const char *rs_eval_line_name(size_t line)
{
    return line ? enum_name(&rs__budget_line_kind__descriptor, line, RS_EVAL_NLINES) : "";
}

const char *rs_eval_rkind_name(size_t kind)
{
    return enum_name(&rs__relief_kind__descriptor, kind, RS_EVAL_NRKIND);
}

const char *rs_eval_sangong_name(size_t kind)
{
    return kind ? enum_name(&rs__san_gong_kind__descriptor, kind, RS_EVAL_NSANGONG) : "";
}

const char *rs_eval_sev_label(enum rs_eval_sev s)
{
    switch (s) {
    case RS_SEV_NOTE:
        return "提示";
    case RS_SEV_WARNING:
        return "警告";
    case RS_SEV_ERROR:
        return "错误";
    }
    return "";
}

void rs_eval_label_parts(char *out, size_t outlen, const char *type, const char *key,
                         size_t keylen, const char *id, size_t idlen)
{
    /* The tail: a UUIDv7 begins with its timestamp, so records sent in the
     * within a minute share their first 8 characters; the last 8 are random. */
    int il = (int)(idlen < 8 ? idlen : 8);
    const char *tail = id ? id + idlen - (size_t)il : "";

    if (keylen)
        rs_eval_fmt(out, outlen, "%s %.*s（记录%.*s）", type, (int)keylen, key, il, tail);
    else
        rs_eval_fmt(out, outlen, "%s（记录%.*s）", type, il, tail);
}

void rs_eval_rec_label(const Rs__Record *r, char *out, size_t outlen)
{
    const struct rs_rtype_def *d = rs_rtype_find(r->body_case);
    const char *type = d ? d->label : "记录", *key = rs_record_label_key(r);

    rs_eval_label_parts(out, outlen, type, key, key ? strlen(key) : 0, r->id,
                        r->id ? strlen(r->id) : 0);
}

/*
 * rs_validate.h - the rules every record must satisfy, on both ends.
 *
 * The client validates each CSV row before queueing it (a courtesy); the
 * server validates every record again before storing it (the authority).
 * Both call rs_validate_record, so they can never disagree.
 *
 * Also here: record type names (English and Chinese), which types only a
 * central office may submit, and each record's natural key (what identifies
 * "the same" project, relief payment or budget line across versions).
 *
 * Does not: check scope (which office may submit which division; that is
 * the server's), look at other records, or allocate.
 */
#ifndef RS_VALIDATE_H
#define RS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "resettle.pb-c.h"
#include "rs_status.h"

/* Why a record failed: the first failing field and a reason in English. */
struct rs_verdict {
    rs_status st;          /* RS_OK or RS_EINVAL / RS_ETOOBIG / RS_EENCODING */
    char field[64];        /* e.g. "relief.amount_fen"; "" when st == RS_OK */
    char reason[192];      /* e.g. "must be > 0" */
};

/* Records types, by the oneof case of rs.Record. */
typedef Rs__Record__BodyCase rs_rtype;

/*
 * Checks every field of r: the envelope (id is a UUID; supersedes, if set,
 * is a UUID other than id; division_code is 6, 9 or 12 digits; year in
 * 2000..2100; period set; every string valid UTF-8 within its cap) and the
 * body's own rules (domain.md section 8: amounts >= 0, progress 0..100,
 * dates real and ordered, certified <= trainees, ...).
 * Township types need a 9- or 12-digit division code.  Returns v->st.
 *
 * Only the impossible or malformed is rejected.  Arithmetic that real
 * reports get wrong (paid > completed, completed > planned, persons x
 * standard != amount, subsidy_total != per-person x persons) passes here;
 * the consistency checker flags it.  The verdict names the first failing
 * field in declaration order: envelope fields by proto name ("year"), body
 * fields as "<rs_rtype_name>.<field>" ("relief.amount_fen").
 */
rs_status rs_validate_record(const Rs__Record *r, struct rs_verdict *v);

/* "project", "subsidy", "training", "relief", "petition", "survey",
 * "unit_profile", "staffing", "budget_line", "san_gong", "procurement",
 * "carry_over", "fixed_assets", "manual_score", "stated_figure";
 * "unknown" otherwise. */
const char *rs_rtype_name(rs_rtype t);

/* Chinese display name, e.g. "后扶项目", "救助". */
const char *rs_rtype_label(rs_rtype t);

/* Parses an English or Chinese type name; NOT_SET if unknown. */
rs_rtype rs_rtype_parse(const char *name);

/* True for the types only a central office may submit. */
bool rs_rtype_is_unit_level(rs_rtype t);

/*
 * Writes the natural key of r into out, e.g. "project:P-2023-001",
 * "relief:HH0012:1:20231220", "budget_line:3".  It does not include the
 * division or year; callers prefix those.  RS_ETOOBIG if out is too small,
 * RS_EINVAL if the key fields are missing.
 */
rs_status rs_record_key(const Rs__Record *r, char *out, size_t outlen);

#endif

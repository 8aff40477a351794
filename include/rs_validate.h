/*
 * rs_validate.h - the rules every record must satisfy, on both ends.
 *
 * The client validates each CSV row before queueing it (a courtesy); the
 * server validates every record again before storing it (the authority).
 * Both call rs_validate_record, so they can never disagree.  The rules come
 * from the record-type table (rs_rtype.h): each field row's kind and flags,
 * and its cross-field rule.
 *
 * Record type names, levels and natural keys are in rs_rtype.h, included
 * here for the callers that use them with validation.
 *
 * Does not: check scope (which office may submit which division; that is
 * the server's), look at other records, or allocate.
 */
#ifndef RS_VALIDATE_H
#define RS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "resettle.pb-c.h"
#include "rs_rtype.h"
#include "rs_status.h"

#define RS_VERDICT_TEXT_MAX 256   /* bytes of rs_verdict.text, with its NUL */

/*
 * Why a record failed: the first failing field, a reason in English (what
 * the wire's RecordAck.reason and the logs carry, and what other-language
 * clients read) and the same in Chinese for a clerk (RecordAck.text, every
 * message of the client).  The Chinese names fields by their labels in the
 * record-type table (rs_field_label): "金额（元）须大于0".  Both are cut to
 * fit, text on a character boundary.
 */
struct rs_verdict {
    rs_status st;          /* RS_OK or RS_EINVAL / RS_ETOOBIG / RS_EENCODING */
    char field[64];        /* e.g. "relief.amount_fen"; "" when st == RS_OK */
    char reason[192];      /* e.g. "must be > 0" */
    char text[RS_VERDICT_TEXT_MAX];   /* UTF-8, e.g. "金额（元）须大于0"; "" when st == RS_OK */
};

/*
 * Checks every field of r: the envelope (id is a UUID in canonical form,
 * lower case (rs_uuid_canonical); supersedes, if set, is such a UUID other
 * than id; division_code is 6, 9 or 12 digits; year in
 * 2000..2100; period set; every string valid UTF-8 within its cap) and the
 * body's own rules (amounts >= 0, progress 0..100, dates real and ordered,
 * certified <= trainees, ...).  Township types need a 9- or 12-digit
 * division code.  A body type without a table entry is refused ("body").
 * Returns v->st.
 *
 * Only the impossible or malformed is rejected.  Arithmetic that real
 * reports get wrong (paid > completed, completed > planned, persons x
 * standard != amount, subsidy_total != per-person x persons) passes here;
 * the consistency checker flags it.  The verdict names the first failing
 * field in declaration order: envelope fields by proto name ("year"), body
 * fields as "<rs_rtype_name>.<field>" ("relief.amount_fen").
 */
RS_NODISCARD rs_status rs_validate_record(const Rs__Record *r, struct rs_verdict *v);

/*
 * Fills v for a cross-field rule that failed: RS_EINVAL, field named in
 * full ("project.actual_end", or an envelope field such as "supersedes"),
 * reason in English, text in Chinese.  In text, "{}" stands for the label
 * of the blamed field and "{name}" for the label of field `name` of the same
 * message (rs_field_label), so "{}不能早于{actual_start}" becomes
 * "实际完工日期不能早于实际开工日期"; a name the message does not have
 * stays as written.  text NULL leaves v->text "" (tests/test_verdict_zh.c
 * fails for such a rule).  All are cut to fit.  Returns false, so a rule
 * (rs_rule_fn) can end with `return rs_verdict_reject(v, ...)`.
 */
bool rs_verdict_reject(struct rs_verdict *v, const char *field, const char *reason,
                       const char *text);

#endif

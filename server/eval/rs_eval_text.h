/*
 * rs_eval_text.h - the bottom layer of the evaluation: capped UTF-8 text,
 * money for display, record labels and the list of findings.  Private to
 * server/eval/.
 *
 * Every file of the evaluation may call these; they call only each other
 * and rs_util.h.  Implemented by:
 *   rs_eval_text.c     rs_eval_fmt, rs_eval_utf8_trim, rs_eval_copy,
 *                      rs_eval_wan, rs_eval_yuan (and rs_eval_pct, rs_eval.h)
 *   rs_eval_names.c    rs_eval_label_parts, rs_eval_rec_label (and the names of
 *                      rs_eval.h)
 *   rs_eval_finding.c  rs_eval_finding_add
 * All are pure and may run on any thread.
 *
 * Does not: define anything callers outside the evaluation should use.
 */
#ifndef RS_EVAL_TEXT_H
#define RS_EVAL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_eval.h"
#include "rs_status.h"

/* Exact intermediate arithmetic of rules and checks (GCC and clang). */
__extension__ typedef __int128 rs_i128;

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

/* Copies src (NULL: "") into dst[0..n), cut at a UTF-8 character boundary. */
void rs_eval_copy(char *dst, size_t n, const char *src);

/* fen as "2019.15万元" (two decimals, half away from zero); returns out. */
const char *rs_eval_wan(int64_t fen, char out[40]);

/* fen as "6000.00元"; returns out. */
const char *rs_eval_yuan(int64_t fen, char out[40]);

/*
 * A record's label, "<type> <key>（记录<the id's last 8 bytes>）", without
 * the key when keylen is 0, into out[0..outlen).  key and id are byte
 * ranges, not NUL-terminated; id may be NULL.
 */
void rs_eval_label_parts(char *out, size_t outlen, const char *type, const char *key,
                         size_t keylen, const char *id, size_t idlen);

/* "培训 B-03（记录5d0c1e2a）": the record type, its own key if it has one,
 * and the last 8 characters of its id (a UUIDv7's random tail: its first
 * characters are a timestamp shared by records sent together), into
 * out[0..outlen). */
void rs_eval_rec_label(const Rs__Record *r, char *out, size_t outlen);

/*
 * Appends a finding to res (strings copied, cut to their caps; NULL reads
 * as "").  Past RS_EVAL_MAX_FINDINGS it only counts res->findings_dropped.
 * RS_ENOMEM, after which res is unchanged.
 */
RS_NODISCARD rs_status rs_eval_finding_add(struct rs_eval_result *res, enum rs_eval_sev sev,
                                           const char *code, const char *division,
                                           const char *check, const char *expected,
                                           const char *found, const char *where);

#endif

/*
 * rs_rowmap.h - turns CSV rows into rs.Record messages.
 *
 * A township clerk's CSV has a header row whose column names are English
 * (project_id, amount, ...) or Chinese aliases (项目编号, 金额, ...).  The
 * header decides the record type unless the caller forces one.  A money
 * column's unit is written in its name ("amount_yuan", "amount_wan",
 * "金额(元)", "金额（万元）") or given for the whole file by the caller
 * (rs_row_defaults.money_unit, the client's --money-unit); a column with
 * neither is never read as 元 by default: its first non-empty cell fails
 * with both readings of the value, and rs_rowmap_fatal says that the file
 * must be given up.  Amounts are parsed exactly into fen, never through
 * floating point.  Dates accept 2023-04-15, 2023/4/15 and 2023年4月15日.  Enum
 * columns accept the English value or its Chinese label (道路硬化, 办结, ...).
 *
 * The columns and their aliases are the rows of the record-type table
 * (rs_rtype.h); docs/csv.md, generated from it, lists them, with one sample
 * file per type in samples/.  Relief files may instead give the household's identifier as
 * `household_id` (身份证号) or `head_name` (户主姓名): with a district key
 * (rs_rowmap_open_keyed) the record's household_ref becomes the keyed hash
 * rs_rowmap_keyed_ref of it and the identifier itself is dropped;
 * without a key such a header is refused (docs/security.md).
 *
 * Does not: give records their id (the outbox does), read files, or send.
 */
#ifndef RS_ROWMAP_H
#define RS_ROWMAP_H

#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_status.h"
#include "rs_validate.h"

/* The unit of money columns whose names do not say it. */
enum rs_money_unit {
    RS_MONEY_UNIT_NONE,          /* none: such a column's values cannot be read */
    RS_MONEY_UNIT_YUAN,          /* 元 */
    RS_MONEY_UNIT_WAN            /* 万元 */
};

/* Values for columns a file leaves out. */
struct rs_row_defaults {
    const char *division_code;   /* the office's own code; may be NULL */
    uint32_t year;               /* 0 = the file must have a year column */
    Rs__Period period;           /* 0 = RS__PERIOD__PERIOD_YEAR */
    const char *submitted_by;    /* may be NULL */
    enum rs_money_unit money_unit;   /* money columns without a unit in their name */
};

struct rs_rowmap;

/*
 * Reads the header.  forced = RS__RECORD__BODY__NOT_SET detects the type
 * from the columns; otherwise the columns must fit that type.  RS_EINVAL
 * with a message in err (in Chinese, for the clerk) for an unknown column,
 * a duplicated column or a missing required column of the type found or
 * forced; RS_ENOTFOUND, with the columns looked for in err, for a header
 * in which no type is found (a sheet of notes, say).  defaults is
 * copied (its strings are not; they must outlive the rowmap).
 */
RS_NODISCARD rs_status rs_rowmap_open(char *const *header, size_t ncols, rs_rtype forced,
                                      const struct rs_row_defaults *defaults,
                                      struct rs_rowmap **out, char *err, size_t errlen);

#define RS_DISTRICT_KEY_LEN 32       /* bytes of the district key */
#define RS_KEYED_REF_LEN 35          /* "k1:" + 32 hex digits */

/* What kind of personal identifier is hashed (the kind is part of the hash). */
enum rs_ident_kind {
    RS_IDENT_ID_CARD,            /* ID-card number (or another district-wide household id) */
    RS_IDENT_NAME                /* name of the head of household */
};

/*
 * rs_rowmap_open with a district key (RS_DISTRICT_KEY_LEN bytes, copied;
 * NULL = none): identifier columns are accepted and hashed.  A header
 * with an identifier column and no key is RS_EINVAL naming the column;
 * one with both household_ref and an identifier column is RS_EINVAL too.
 */
RS_NODISCARD rs_status rs_rowmap_open_keyed(char *const *header, size_t ncols, rs_rtype forced,
                                            const struct rs_row_defaults *defaults,
                                            const uint8_t *district_key, struct rs_rowmap **out,
                                            char *err, size_t errlen);

/*
 * The keyed household reference of one identifier value[0..n):
 * "k1:" + the first 32 lower-case hex digits of
 * HMAC-SHA256(key, prefix + normalized value), prefix "id:" or "name:".
 * Normalized: blanks (ASCII, NBSP, U+3000) removed everywhere, ASCII
 * letters upper-cased, and a 15-digit ID-card number widened to its
 * 18-digit form.  RS_EINVAL if the value is empty, over 128 bytes or not
 * UTF-8; RS_EINTERNAL if HMAC fails.  out is "" unless RS_OK.  Pure: any
 * thread.  Implemented in client/rs_keyed.c.
 */
RS_NODISCARD rs_status rs_rowmap_keyed_ref(const uint8_t key[RS_DISTRICT_KEY_LEN],
                                           enum rs_ident_kind kind, const char *value, size_t n,
                                           char out[RS_KEYED_REF_LEN + 1]);

/* Frees m, wiping its copy of the district key.  m may be NULL. */
void rs_rowmap_close(struct rs_rowmap *m);

/* The record type m maps rows to; RS__RECORD__BODY__NOT_SET if m is NULL. */
rs_rtype rs_rowmap_type(const struct rs_rowmap *m);

/*
 * Converts one row.  On RS_OK *out is a new heap record (every string and
 * sub-message malloc'd) that the caller frees with
 * rs__record__free_unpacked(*out, NULL); its id is unset.  On failure v
 * names the column (as written in the header; a field the file has no
 * column for by its Chinese label), the reason in English and in Chinese
 * (v->text, what a clerk reads), and nothing is returned.  The record is checked with rs_validate_record before it is
 * returned; a validation failure is reported against the column it came
 * from.  A non-empty cell in a money column whose unit is not known fails
 * the row with both readings of the value (in Chinese) and marks the map
 * fatal.
 */
RS_NODISCARD rs_status rs_rowmap_row(struct rs_rowmap *m, char *const *cells, size_t ncells,
                                     Rs__Record **out, struct rs_verdict *v);

/* Bad cells of one row named besides the first (rs_rowmap_more). */
#define RS_ROWMAP_MORE_MAX 8

/*
 * The other bad cells of the row rs_rowmap_row last refused, after the one
 * its verdict names, in column order (at most RS_ROWMAP_MORE_MAX): a clerk
 * corrects them all at once.  Empty after a row refused for something other
 * than its cells (its cell count, or a rule across fields, which is judged
 * only when every cell reads).  *more is valid until the next call on m.
 */
size_t rs_rowmap_more(const struct rs_rowmap *m, const struct rs_verdict **more);

/*
 * True once a row failed for a reason that holds for every row of the file
 * (a money column whose unit is not known): the caller should queue nothing
 * of the file and report that row's verdict.  False for m NULL.
 */
bool rs_rowmap_fatal(const struct rs_rowmap *m);

#endif

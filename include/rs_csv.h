/*
 * rs_csv.h - a CSV reader for what Excel writes.
 *
 * Reads RFC 4180 CSV from memory: fields separated by commas, optionally
 * quoted with "..." (with "" for a quote inside), quoted fields may contain
 * commas, CR, LF and CRLF; records end at LF, CRLF or a lone CR (the last
 * record may lack one).  Line numbers count physical lines: each LF, CRLF
 * or lone CR, inside quotes or not, starts a new one.  Input may be UTF-8
 * (with or without a BOM) or GB18030 (what Excel writes on Chinese
 * Windows); rs_csv_open detects which and converts GB18030 to UTF-8 with
 * iconv(3).  Every field handed out is valid UTF-8.
 *
 * Caps: RS_CSV_MAX_FIELD bytes per field, RS_CSV_MAX_COLS fields per record,
 * RS_CSV_MAX_BYTES per file.  Past a cap the reader stops with RS_ETOOBIG
 * and names the line.
 *
 * Does not: know record types or column meanings (rs_rowmap.h), read files
 * from disk (the caller passes the bytes), or guess other encodings.
 */
#ifndef RS_CSV_H
#define RS_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "rs_status.h"

#define RS_CSV_MAX_FIELD 16384
#define RS_CSV_MAX_COLS 128
#define RS_CSV_MAX_BYTES (64u << 20)

enum rs_csv_encoding { RS_CSV_UTF8, RS_CSV_UTF8_BOM, RS_CSV_GB18030 };

struct rs_csv;

/*
 * Prepares to read data[0..n).  The bytes are copied (and converted to UTF-8
 * if needed), so the caller may free data afterwards.  Detection: a UTF-8
 * BOM (dropped) means UTF-8; else valid UTF-8 is UTF-8; else GB18030.
 * RS_EENCODING if the bytes are neither valid UTF-8 nor valid GB18030, or
 * hold a NUL byte, or start with a UTF-16 BOM; err names the line and the
 * 0-based byte offset into data ("line 3: byte 57: not UTF-8 or GB18030").
 * RS_ETOOBIG past RS_CSV_MAX_BYTES, before or after conversion to UTF-8.
 * RS_ENOMEM if allocation fails.  err may be NULL.
 * On RS_OK *out is owned by the caller: free with rs_csv_close.
 */
rs_status rs_csv_open(const void *data, size_t n, struct rs_csv **out,
                      char *err, size_t errlen);

/*
 * rs_csv_open, with every message of the reader, now and from rs_csv_next,
 * in Chinese ("第3行（第57字节）：既不是 UTF-8 也不是 GB18030 编码",
 * "第4行第2个字段：引号位置不对"): for a clerk's file, where the clerk reads
 * them.  The line and field numbers are the same as in English.
 */
rs_status rs_csv_open_zh(const void *data, size_t n, struct rs_csv **out,
                         char *err, size_t errlen);

/* Frees c and everything it handed out.  NULL is allowed. */
void rs_csv_close(struct rs_csv *c);

/* Which encoding rs_csv_open detected. */
enum rs_csv_encoding rs_csv_encoding(const struct rs_csv *c);

/*
 * Reads the next record.  RS_OK with *fields (an array of *nfields
 * NUL-terminated UTF-8 strings) and *line (the 1-based line where the
 * record starts); they stay valid until the next call.  RS_ENOTFOUND at end
 * of input.  RS_EINVAL on a malformed record (a quote in the middle of an
 * unquoted field, an unterminated quoted field) and RS_ETOOBIG past a cap;
 * err then names the line and the problem ("line 4: field 2: unexpected
 * quote"; an unterminated quoted field names the line where it began).
 * Blank lines, and lines of only spaces and tabs, are skipped.  Leading and
 * trailing spaces and tabs of unquoted fields are trimmed; a quoted field is
 * kept exactly, and blanks around its quotes are ignored.  After an error
 * other than RS_ENOTFOUND the reader stops: later calls return the same
 * status and message.  err may be NULL.
 */
rs_status rs_csv_next(struct rs_csv *c, char ***fields, size_t *nfields,
                      uint32_t *line, char *err, size_t errlen);

#endif

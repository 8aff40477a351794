/*
 * rs_report_buf.h - the capped, growable text buffer every report format
 * writes into.  Private to server/report/: the JSON and CSV writers
 * (rs_report_json.c, rs_report_csv.c), the document (rs_render.c,
 * rs_render_skin.c) and the entry point (rs_report.c) use it; it uses
 * nothing of the report's own.
 *
 * Does not: define anything callers outside the report should use.
 */
#ifndef RS_REPORT_BUF_H
#define RS_REPORT_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "rs_status.h"

/*
 * A growable output buffer capped at RS_REPORT_MAX_BYTES (rs_report.h),
 * NUL-terminated whenever it holds anything.  Start it as {NULL, 0, 0,
 * RS_OK}; p is malloc'd and belongs to whoever started it.  The first
 * failure (RS_ETOOBIG past the cap, RS_ENOMEM, RS_EINTERNAL for a format
 * that cannot be printed) sticks in err and later appends do nothing, so a
 * writer checks err once at the end.  One thread at a time.
 */
struct rs_rbuf {
    char *p;
    size_t len, cap;
    rs_status err;
};

/* Appends s[0..n). */
void rs_rbuf_add(struct rs_rbuf *b, const char *s, size_t n);

/* Appends the NUL-terminated s. */
void rs_rbuf_puts(struct rs_rbuf *b, const char *s);

/* Appends the formatted text, of any length. */
void rs_rbuf_printf(struct rs_rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rs_rbuf_vprintf(struct rs_rbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif

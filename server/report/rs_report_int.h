/*
 * rs_report_int.h - what the report renderers share; not for other modules.
 *
 * rs_report.c holds the capped output buffer, rs_report_build, and the
 * JSON and CSV renderers; rs_render.c holds the Markdown/text document.
 *
 * Does not: define anything callers outside the report should use.
 */
#ifndef RS_REPORT_INT_H
#define RS_REPORT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "rs_eval.h"
#include "rs_status.h"

/* A growable output buffer capped at RS_REPORT_MAX_BYTES.  The first
 * failure sticks in err and later appends do nothing. */
struct rs_rbuf {
    char *p;
    size_t len, cap;
    rs_status err;
};

void rs_rbuf_add(struct rs_rbuf *b, const char *s, size_t n);
void rs_rbuf_puts(struct rs_rbuf *b, const char *s);
void rs_rbuf_printf(struct rs_rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rs_rbuf_vprintf(struct rs_rbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* The Markdown (md) or plain-text report of res into b (rs_render.c). */
void rs_render_doc(const struct rs_eval_result *res, bool md, struct rs_rbuf *b);

/* English slugs used by JSON and CSV: "road", "personnel", "hardship",
 * "reception"; "" out of range. */
const char *rs_report_cat_slug(size_t cat);
const char *rs_report_line_slug(size_t line);
const char *rs_report_rkind_slug(size_t kind);
const char *rs_report_sangong_slug(size_t kind);

#endif

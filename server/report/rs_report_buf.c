/*
 * rs_report_buf.c - the capped text buffer of the report writers.
 *
 * See rs_report_buf.h.  The buffer doubles from 4 KiB up to the cap;
 * a formatted append is printed into a small stack buffer first and only
 * a longer one costs an allocation.
 *
 * Does not: know any format, or write anywhere but its own memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_report.h"
#include "rs_report_buf.h"

void rs_rbuf_add(struct rs_rbuf *b, const char *s, size_t n)
{
    if (b->err)
        return;
    if (b->len + n + 1 > RS_REPORT_MAX_BYTES) {
        b->err = RS_ETOOBIG;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > RS_REPORT_MAX_BYTES)
            cap = RS_REPORT_MAX_BYTES;
        p = realloc(b->p, cap);
        if (!p) {
            b->err = RS_ENOMEM;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void rs_rbuf_puts(struct rs_rbuf *b, const char *s)
{
    rs_rbuf_add(b, s, strlen(s));
}

void rs_rbuf_vprintf(struct rs_rbuf *b, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        b->err = b->err ? b->err : RS_EINTERNAL;
    } else if ((size_t)n < sizeof small) {
        rs_rbuf_add(b, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);

        if (!big) {
            b->err = b->err ? b->err : RS_ENOMEM;
        } else {
            vsnprintf(big, (size_t)n + 1, fmt, ap2);
            rs_rbuf_add(b, big, (size_t)n);
            free(big);
        }
    }
    va_end(ap2);
}

void rs_rbuf_printf(struct rs_rbuf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    rs_rbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

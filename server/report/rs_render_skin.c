/*
 * rs_render_skin.c - the document's two skins: headings, paragraphs and
 * tables written as Markdown or as plain text.
 *
 * See rs_render_skin.h.  Markdown gets '#' headings and pipe tables (a '|'
 * in a cell escaped); plain text gets bare headings and tables whose
 * columns are padded to display width, an East Asian wide character
 * counting two columns, with a rule of '-' under the header row.  A line
 * break inside a cell becomes a space in both.
 *
 * Does not: decide what a section says (rs_render.c), or format numbers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_render_skin.h"

void rs_render_heading(struct rs_render_ctx *d, int level, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (d->md) {
        for (int i = 0; i < level; i++)
            rs_rbuf_puts(d->b, "#");
        rs_rbuf_puts(d->b, " ");
    }
    rs_rbuf_puts(d->b, buf);
    rs_rbuf_puts(d->b, "\n\n");
}

void rs_render_para_end(struct rs_render_ctx *d, struct rs_rbuf *p)
{
    if (p->err && !d->b->err)
        d->b->err = p->err;
    if (p->len) {
        rs_rbuf_add(d->b, p->p, p->len);
        rs_rbuf_puts(d->b, "\n\n");
    }
    free(p->p);
    memset(p, 0, sizeof *p);
}

void rs_render_para(struct rs_render_ctx *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    rs_rbuf_vprintf(d->b, fmt, ap);
    va_end(ap);
    rs_rbuf_puts(d->b, "\n\n");
}

/* ------------------------------------------------------------ tables */

void rs_render_tbl_init(struct rs_render_tbl *t, const char *align)
{
    memset(t, 0, sizeof *t);
    t->align = align;
    t->ncols = strlen(align);
    if (t->ncols > RS_RENDER_TBL_MAX_COLS)
        t->ncols = RS_RENDER_TBL_MAX_COLS;
}

void rs_render_tbl_row(struct rs_render_tbl *t, ...)
{
    va_list ap;

    if (t->failed)
        return;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **v = realloc(t->cell, cap * t->ncols * sizeof *v);

        if (!v) {
            t->failed = true;
            return;
        }
        t->cell = v;
        t->cap = cap;
    }
    va_start(ap, t);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = va_arg(ap, const char *);
        size_t n = strlen(s ? s : "");
        char *copy = malloc(n + 1);

        if (copy) {
            memcpy(copy, s ? s : "", n + 1);
            for (char *q = copy; *q; q++) {
                if (*q == '\n' || *q == '\r')
                    *q = ' ';
            }
        } else {
            t->failed = true;
        }
        t->cell[t->nrows * t->ncols + c] = copy;
    }
    va_end(ap);
    t->nrows++;
}

void rs_render_tbl_free(struct rs_render_tbl *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cell[i]);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

/* Display columns of UTF-8 text: East Asian wide characters count two. */
static size_t disp_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        uint32_t cp;
        size_t k;

        if (*p < 0x80) {
            cp = *p;
            k = 1;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1Fu;
            k = 2;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0Fu;
            k = 3;
        } else {
            cp = *p & 0x07u;
            k = 4;
        }
        for (size_t i = 1; i < k && p[i]; i++)
            cp = (cp << 6) | (p[i] & 0x3Fu);
        for (size_t i = 0; i < k && *p; i++)
            p++;
        w += ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
              (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
              (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
              (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000)
                 ? 2
                 : 1;
    }
    return w;
}

static void spaces(struct rs_rbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rs_rbuf_puts(b, " ");
}

static void md_cell(struct rs_rbuf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '|')
            rs_rbuf_puts(b, "\\");
        rs_rbuf_add(b, p, 1);
    }
}

void rs_render_tbl_emit(struct rs_render_ctx *d, struct rs_render_tbl *t)
{
    size_t w[RS_RENDER_TBL_MAX_COLS] = {0};

    if (t->failed) {
        if (!d->b->err)
            d->b->err = RS_ENOMEM;
        rs_render_tbl_free(t);
        return;
    }
    if (d->md) {
        for (size_t r = 0; r < t->nrows; r++) {
            rs_rbuf_puts(d->b, "|");
            for (size_t c = 0; c < t->ncols; c++) {
                rs_rbuf_puts(d->b, " ");
                md_cell(d->b, t->cell[r * t->ncols + c]);
                rs_rbuf_puts(d->b, " |");
            }
            rs_rbuf_puts(d->b, "\n");
            if (r == 0) {
                rs_rbuf_puts(d->b, "|");
                for (size_t c = 0; c < t->ncols; c++)
                    rs_rbuf_puts(d->b, t->align[c] == 'r' ? "---:|" : "---|");
                rs_rbuf_puts(d->b, "\n");
            }
        }
        rs_rbuf_puts(d->b, "\n");
        rs_render_tbl_free(t);
        return;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            size_t k = disp_width(t->cell[r * t->ncols + c]);

            if (k > w[c])
                w[c] = k;
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        struct rs_rbuf line = {NULL, 0, 0, RS_OK};

        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cell[r * t->ncols + c];
            size_t pad = w[c] - disp_width(s);

            if (c)
                rs_rbuf_puts(&line, "  ");
            if (t->align[c] == 'r' && r > 0)
                spaces(&line, pad);
            rs_rbuf_puts(&line, s);
            if (!(t->align[c] == 'r' && r > 0))
                spaces(&line, pad);
        }
        while (line.len && line.p[line.len - 1] == ' ')
            line.p[--line.len] = '\0';
        if (line.err && !d->b->err)
            d->b->err = line.err;
        if (line.len)
            rs_rbuf_add(d->b, line.p, line.len);
        rs_rbuf_puts(d->b, "\n");
        free(line.p);
        if (r == 0) {
            for (size_t c = 0; c < t->ncols; c++) {
                if (c)
                    rs_rbuf_puts(d->b, "  ");
                for (size_t i = 0; i < w[c]; i++)
                    rs_rbuf_puts(d->b, "-");
            }
            rs_rbuf_puts(d->b, "\n");
        }
    }
    rs_rbuf_puts(d->b, "\n");
    rs_render_tbl_free(t);
}

/*
 * rs_render_skin.c - the skin interface of the drafted document, and its
 * two text skins: Markdown and plain text.
 *
 * See rs_render_skin.h.  The rs_render_* functions format the document's
 * text, collect tables and hand finished blocks to the context's skin.
 * Markdown gets '#' headings, "> " notes and pipe tables (a '|' in a cell
 * escaped); plain text gets bare headings and tables whose columns are
 * padded to display width, an East Asian wide character counting two
 * columns, with a rule of '-' under the header row.  A line break inside
 * a cell becomes a space in every skin.  Neither text skin uses table
 * kinds, subjects or charts.
 *
 * Does not: decide what a section says (rs_render.c), or format numbers.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_render_skin.h"

/* ------------------------------------------------------------ dispatch */

static const struct rs_render_about no_about = {RS_ABOUT_NONE, NULL, NULL, 0};

/* Formats into a buffer of its own and hands the text to emit. */
__attribute__((format(printf, 2, 0))) static void
block(struct rs_render_ctx *d, const char *fmt, va_list ap,
      void (*emit)(struct rs_render_ctx *, const char *))
{
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};

    rs_rbuf_vprintf(&p, fmt, ap);
    rs_rbuf_add(&p, "", 0);
    if (p.err && !d->b->err)
        d->b->err = p.err;
    if (!p.err)
        emit(d, p.p);
    free(p.p);
    d->about = no_about;
}

void rs_render_heading(struct rs_render_ctx *d, int level, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    d->skin->heading(d, level, buf);
    d->about = no_about;
}

void rs_render_para(struct rs_render_ctx *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    block(d, fmt, ap, d->skin->para);
    va_end(ap);
}

void rs_render_note(struct rs_render_ctx *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    block(d, fmt, ap, d->skin->note);
    va_end(ap);
}

void rs_render_item(struct rs_render_ctx *d, size_t n, const char *fmt, ...)
{
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    va_list ap;

    va_start(ap, fmt);
    rs_rbuf_vprintf(&p, fmt, ap);
    va_end(ap);
    rs_rbuf_add(&p, "", 0);
    if (p.err && !d->b->err)
        d->b->err = p.err;
    if (!p.err)
        d->skin->item(d, n, p.p);
    free(p.p);
    d->about = no_about;
}

void rs_render_list_end(struct rs_render_ctx *d)
{
    d->skin->list_end(d);
    d->about = no_about;
}

void rs_render_para_end(struct rs_render_ctx *d, struct rs_rbuf *p)
{
    if (p->err && !d->b->err)
        d->b->err = p->err;
    if (p->len && !p->err)
        d->skin->para(d, p->p);
    free(p->p);
    memset(p, 0, sizeof *p);
    d->about = no_about;
}

void rs_render_about(struct rs_render_ctx *d, struct rs_render_about a)
{
    d->about = a;
}

void rs_render_chart(struct rs_render_ctx *d, enum rs_render_chart c)
{
    if (d->skin->chart)
        d->skin->chart(d, c);
    d->about = no_about;
}

struct rs_render_about rs_render_about_ind(const struct rs_fw_indicator *ind)
{
    struct rs_render_about a = {RS_ABOUT_INDICATOR, ind, NULL, 0};

    return a;
}

struct rs_render_about rs_render_about_rec(const Rs__Record *rec)
{
    struct rs_render_about a = {RS_ABOUT_RECORD, NULL, rec, 0};

    return a;
}

struct rs_render_about rs_render_about_finding(size_t i)
{
    struct rs_render_about a = {RS_ABOUT_FINDING, NULL, NULL, i};

    return a;
}

/* ------------------------------------------------------------ tables */

void rs_render_tbl_init_kind(struct rs_render_tbl *t, const char *align,
                             enum rs_render_tbl_kind kind)
{
    memset(t, 0, sizeof *t);
    t->align = align;
    t->kind = kind;
    t->ncols = strlen(align);
    if (t->ncols > RS_RENDER_TBL_MAX_COLS)
        t->ncols = RS_RENDER_TBL_MAX_COLS;
}

void rs_render_tbl_init(struct rs_render_tbl *t, const char *align)
{
    rs_render_tbl_init_kind(t, align, RS_TBL_PLAIN);
}

void rs_render_tbl_rowv(struct rs_render_tbl *t, const char *const *cells, size_t n)
{
    if (t->failed)
        return;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **v = realloc(t->cell, cap * t->ncols * sizeof *v);
        struct rs_render_row *r;

        if (!v) {
            t->failed = true;
            return;
        }
        t->cell = v;
        r = realloc(t->row, cap * sizeof *r);
        if (!r) {
            t->failed = true;
            return;
        }
        t->row = r;
        t->cap = cap;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = c < n ? cells[c] : NULL;
        size_t len = strlen(s ? s : "");
        char *copy = malloc(len + 1);

        if (copy) {
            memcpy(copy, s ? s : "", len + 1);
            for (char *q = copy; *q; q++) {
                if (*q == '\n' || *q == '\r')
                    *q = ' ';
            }
        } else {
            t->failed = true;
        }
        t->cell[t->nrows * t->ncols + c] = copy;
    }
    t->row[t->nrows].about = no_about;
    t->row[t->nrows].total = false;
    t->nrows++;
}

void rs_render_tbl_row(struct rs_render_tbl *t, ...)
{
    const char *cells[RS_RENDER_TBL_MAX_COLS];
    va_list ap;

    va_start(ap, t);
    for (size_t c = 0; c < t->ncols && c < RS_RENDER_TBL_MAX_COLS; c++)
        cells[c] = va_arg(ap, const char *);
    va_end(ap);
    rs_render_tbl_rowv(t, cells, t->ncols);
}

void rs_render_tbl_about(struct rs_render_tbl *t, struct rs_render_about a)
{
    if (!t->failed && t->nrows)
        t->row[t->nrows - 1].about = a;
}

void rs_render_tbl_total(struct rs_render_tbl *t)
{
    if (!t->failed && t->nrows)
        t->row[t->nrows - 1].total = true;
}

void rs_render_tbl_free(struct rs_render_tbl *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cell[i]);
    free(t->cell);
    free(t->row);
    memset(t, 0, sizeof *t);
}

void rs_render_tbl_emit(struct rs_render_ctx *d, struct rs_render_tbl *t)
{
    if (t->failed) {
        if (!d->b->err)
            d->b->err = RS_ENOMEM;
    } else {
        d->skin->table(d, t);
    }
    rs_render_tbl_free(t);
    d->about = no_about;
}

/* ------------------------------------------------------------ width */

size_t rs_render_width(const char *s)
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

/* ------------------------------------------------------------ Markdown and text */

static void spaces(struct rs_rbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rs_rbuf_puts(b, " ");
}

static void md_heading(struct rs_render_ctx *d, int level, const char *text)
{
    for (int i = 0; i < level; i++)
        rs_rbuf_puts(d->b, "#");
    rs_rbuf_puts(d->b, " ");
    rs_rbuf_puts(d->b, text);
    rs_rbuf_puts(d->b, "\n\n");
}

static void text_heading(struct rs_render_ctx *d, int level, const char *text)
{
    (void)level;
    rs_rbuf_puts(d->b, text);
    rs_rbuf_puts(d->b, "\n\n");
}

static void plain_para(struct rs_render_ctx *d, const char *text)
{
    rs_rbuf_puts(d->b, text);
    rs_rbuf_puts(d->b, "\n\n");
}

static void md_note(struct rs_render_ctx *d, const char *text)
{
    rs_rbuf_puts(d->b, "> ");
    plain_para(d, text);
}

static void plain_item(struct rs_render_ctx *d, size_t n, const char *text)
{
    rs_rbuf_printf(d->b, "%zu. %s\n", n, text);
}

static void plain_list_end(struct rs_render_ctx *d)
{
    rs_rbuf_puts(d->b, "\n");
}

static void md_cell(struct rs_rbuf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '|')
            rs_rbuf_puts(b, "\\");
        rs_rbuf_add(b, p, 1);
    }
}

static void md_table(struct rs_render_ctx *d, const struct rs_render_tbl *t)
{
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
}

static void text_table(struct rs_render_ctx *d, const struct rs_render_tbl *t)
{
    size_t w[RS_RENDER_TBL_MAX_COLS] = {0};

    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            size_t k = rs_render_width(t->cell[r * t->ncols + c]);

            if (k > w[c])
                w[c] = k;
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        struct rs_rbuf line = {NULL, 0, 0, RS_OK};

        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cell[r * t->ncols + c];
            size_t pad = w[c] - rs_render_width(s);

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
}

const struct rs_render_skin rs_render_skin_md = {
    md_heading, plain_para, md_note, plain_item, plain_list_end, md_table, NULL,
};

const struct rs_render_skin rs_render_skin_text = {
    text_heading, plain_para, plain_para, plain_item, plain_list_end, text_table, NULL,
};

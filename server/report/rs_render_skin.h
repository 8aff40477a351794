/*
 * rs_render_skin.h - headings, paragraphs and tables of the Markdown/text
 * document.  Private to server/report/: only the document (rs_render.c)
 * calls these; they call only the buffer (rs_report_buf.h).
 *
 * Everything is written into ctx->b, whose first failure sticks (see
 * struct rs_rbuf); nothing here returns an error of its own.
 *
 * Does not: define anything callers outside the report should use.
 */
#ifndef RS_RENDER_SKIN_H
#define RS_RENDER_SKIN_H

#include <stdbool.h>
#include <stddef.h>

#include "rs_eval.h"
#include "rs_report_buf.h"

#define RS_RENDER_TBL_MAX_COLS 10

/* One document being written: the buffer, the skin, the result shown. */
struct rs_render_ctx {
    struct rs_rbuf *b;
    bool md;                      /* Markdown; false: plain text */
    const struct rs_eval_result *res;
};

/* A table collected row by row, then written at once (text tables need
 * every row to know a column's width). */
struct rs_render_tbl {
    size_t ncols;
    const char *align;            /* one 'l' or 'r' per column */
    size_t nrows, cap;
    char **cell;                  /* nrows * ncols, row 0 is the header */
    bool failed;
};

/* A heading of `level` (1 = the title), then a blank line. */
void rs_render_heading(struct rs_render_ctx *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A paragraph, then a blank line. */
void rs_render_para(struct rs_render_ctx *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Ends a paragraph composed in p (a buffer of its own, so it can be built
 * in pieces): writes it if it is not empty, carries p's failure over to
 * the document and frees p. */
void rs_render_para_end(struct rs_render_ctx *d, struct rs_rbuf *p);

/* Starts a table of strlen(align) columns (at most RS_RENDER_TBL_MAX_COLS),
 * aligned 'l' or 'r' each. */
void rs_render_tbl_init(struct rs_render_tbl *t, const char *align);

/* Adds a row: exactly t->ncols const char * cells (NULL reads as ""); the
 * first row is the header.  Cells are copied. */
void rs_render_tbl_row(struct rs_render_tbl *t, ...);

/* Writes t into the document and frees it.  An allocation that failed
 * while rows were added makes the document fail with RS_ENOMEM. */
void rs_render_tbl_emit(struct rs_render_ctx *d, struct rs_render_tbl *t);

/* Frees t without writing it. */
void rs_render_tbl_free(struct rs_render_tbl *t);

#endif

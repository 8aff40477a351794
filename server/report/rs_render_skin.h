/*
 * rs_render_skin.h - headings, paragraphs, lists and tables of the drafted
 * document, and the skins that write them: Markdown and plain text
 * (rs_render_skin.c), WordprocessingML for the docx package
 * (rs_render_docx.c) and HTML for the web page (rs_render_html.c).
 * Private to server/report/: the document (rs_render.c) and the
 * completeness board's section (rs_render_compl.c) call the rs_render_*
 * functions below; they call the skin of the context, and the
 * skins call only the buffer (rs_report_buf.h), the XML text helpers
 * (rs_report_xml.h) and, for HTML, the charts (rs_render_svg.h).
 *
 * The document says what a block is (a heading of a level, a paragraph, a
 * numbered item, a table of a kind, what a block is about, where a chart
 * goes); the skin decides how it looks.  Markdown and text ignore kinds,
 * subjects and charts, so their bytes do not depend on them.
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

#include "rs_compl.h"
#include "rs_eval.h"
#include "rs_report_buf.h"

#define RS_RENDER_TBL_MAX_COLS 10

/* What a table shows, for a skin that styles tables by kind. */
enum rs_render_tbl_kind {
    RS_TBL_PLAIN,
    RS_TBL_BUDGET,        /* budget lines: year-start, adjusted, final (预算执行) */
    RS_TBL_CATEGORY,      /* projects by category: the district's or one township's breakdown */
    RS_TBL_VILLAGES,      /* completed investment by village */
    RS_TBL_PROJECTS,      /* the largest projects */
    RS_TBL_TRAINING,      /* organised training batches */
    RS_TBL_SELF_TRAINING, /* self-training subsidies */
    RS_TBL_SCORES,        /* the 评分表 */
    RS_TBL_FINDINGS,      /* the consistency findings */
    RS_TBL_FORMULAS       /* every formula's value */
};

/* What a block (a paragraph, an item, a table row) is about, so that a
 * skin can link it to the findings on the same thing. */
enum rs_render_about_kind {
    RS_ABOUT_NONE,
    RS_ABOUT_INDICATOR,   /* ind: an indicator of the framework */
    RS_ABOUT_RECORD,      /* rec: the record the block shows */
    RS_ABOUT_FINDING      /* finding: an index into res->findings (the block restates it) */
};

struct rs_render_about {
    enum rs_render_about_kind kind;
    const struct rs_fw_indicator *ind;
    const Rs__Record *rec;
    size_t finding;
};

/* Where the document has room for a chart; a skin without charts skips it. */
enum rs_render_chart {
    RS_CHART_DIMENSIONS,  /* score of each dimension against its points */
    RS_CHART_BUDGET,      /* each budget line: year-start, adjusted, final */
    RS_CHART_TOWNS        /* per township: projects, relief, subsidy */
};

struct rs_render_skin;
struct rs_report_extra;

/* One document being written: the buffer, the skin and its state, the
 * result shown, and what the next block is about (reset by every block). */
struct rs_render_ctx {
    struct rs_rbuf *b;
    const struct rs_render_skin *skin;
    void *priv;                   /* the skin's own state, or NULL (see the skin) */
    const struct rs_eval_result *res;     /* NULL for a board alone */
    struct rs_render_about about;
    const struct rs_report_extra *x;      /* the reporting year's parts; may be NULL */
};

/* One table row's annotations. */
struct rs_render_row {
    struct rs_render_about about;
    bool total;                   /* a 合计 row */
};

/* A table collected row by row, then written at once (text tables need
 * every row to know a column's width). */
struct rs_render_tbl {
    size_t ncols;
    const char *align;            /* one 'l' or 'r' per column */
    enum rs_render_tbl_kind kind;
    size_t nrows, cap;
    char **cell;                  /* nrows * ncols, row 0 is the header */
    struct rs_render_row *row;    /* nrows */
    bool failed;
};

/*
 * A skin: each function gets finished UTF-8 text (NUL-terminated) and
 * writes it into d->b.  chart may be NULL.  A skin's functions run on the
 * caller's thread and keep no state outside d->priv.
 */
struct rs_render_skin {
    void (*heading)(struct rs_render_ctx *d, int level, const char *text);
    void (*para)(struct rs_render_ctx *d, const char *text);
    void (*note)(struct rs_render_ctx *d, const char *text);
    void (*item)(struct rs_render_ctx *d, size_t n, const char *text);
    void (*list_end)(struct rs_render_ctx *d);
    void (*table)(struct rs_render_ctx *d, const struct rs_render_tbl *t);
    void (*chart)(struct rs_render_ctx *d, enum rs_render_chart c);
};

extern const struct rs_render_skin rs_render_skin_md;    /* rs_render_skin.c */
extern const struct rs_render_skin rs_render_skin_text;  /* rs_render_skin.c */
extern const struct rs_render_skin rs_render_skin_docx;  /* rs_render_docx.c; priv: NULL or
                                                          * struct rs_render_docx */
extern const struct rs_render_skin rs_render_skin_html;  /* rs_render_html.c; priv: struct
                                                          * rs_render_html */

/* A heading of `level` (1 = the title, 2 = 一、, 3 = （一）, 4 = a
 * township). */
void rs_render_heading(struct rs_render_ctx *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A paragraph. */
void rs_render_para(struct rs_render_ctx *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A note about the document itself (the draft's provenance): a quote in
 * Markdown, a plain paragraph in text. */
void rs_render_note(struct rs_render_ctx *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Item n of a numbered list ("1. ..."); rs_render_list_end ends the list
 * (and must follow every list, even one with no item). */
void rs_render_item(struct rs_render_ctx *d, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rs_render_list_end(struct rs_render_ctx *d);

/* Ends a paragraph composed in p (a buffer of its own, so it can be built
 * in pieces): writes it if it is not empty, carries p's failure over to
 * the document and frees p. */
void rs_render_para_end(struct rs_render_ctx *d, struct rs_rbuf *p);

/* The next block is about a (an indicator, a record or a finding). */
void rs_render_about(struct rs_render_ctx *d, struct rs_render_about a);

/* A chart of kind c, if the skin draws charts. */
void rs_render_chart(struct rs_render_ctx *d, enum rs_render_chart c);

/* Constructors of struct rs_render_about. */
struct rs_render_about rs_render_about_ind(const struct rs_fw_indicator *ind);
struct rs_render_about rs_render_about_rec(const Rs__Record *rec);
struct rs_render_about rs_render_about_finding(size_t i);

/* Starts a table of strlen(align) columns (at most RS_RENDER_TBL_MAX_COLS),
 * aligned 'l' or 'r' each, of kind RS_TBL_PLAIN. */
void rs_render_tbl_init(struct rs_render_tbl *t, const char *align);

/* Starts a table as rs_render_tbl_init, of the given kind. */
void rs_render_tbl_init_kind(struct rs_render_tbl *t, const char *align,
                             enum rs_render_tbl_kind kind);

/* Adds a row: exactly t->ncols const char * cells (NULL reads as ""); the
 * first row is the header.  Cells are copied. */
void rs_render_tbl_row(struct rs_render_tbl *t, ...);

/* Adds a row from cells[0..n) (missing or NULL cells read as ""). */
void rs_render_tbl_rowv(struct rs_render_tbl *t, const char *const *cells, size_t n);

/* The row added last is about a / is a 合计 row. */
void rs_render_tbl_about(struct rs_render_tbl *t, struct rs_render_about a);
void rs_render_tbl_total(struct rs_render_tbl *t);

/* Writes t into the document and frees it.  An allocation that failed
 * while rows were added makes the document fail with RS_ENOMEM. */
void rs_render_tbl_emit(struct rs_render_ctx *d, struct rs_render_tbl *t);

/* Frees t without writing it. */
void rs_render_tbl_free(struct rs_render_tbl *t);

/* Display columns of UTF-8 text: East Asian wide characters count two. */
size_t rs_render_width(const char *s);

/* The completeness board as a section of `level` under heading
 * (rs_render_compl.c; rs_render.c calls it for a report's annex). */
void rs_render_compl_section(struct rs_render_ctx *d, const struct rs_compl_board *b, int level,
                             const char *heading);

#endif

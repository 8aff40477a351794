/*
 * rs_report_fmt.h - the report's formats, each written from an evaluation
 * result into a buffer (rs_report_buf.h).  Private to server/report/: only
 * the entry point rs_report_render (rs_report.c) calls these.
 *
 *   rs_report_json.c  rs_report_json
 *   rs_report_csv.c   rs_report_csv
 *   rs_render.c       rs_render_doc (the document, through a skin)
 *   rs_report_docx.c  rs_report_docx (the document as a Word package)
 *   rs_report_xlsx.c  rs_report_xlsx (the figures as an Excel workbook)
 *   rs_report_html.c  rs_report_html (the document as one web page)
 *   rs_render_compl.c the completeness board in the document's skin: the
 *                     annex rs_render.c calls, and rs_render_board_doc
 * Each calls the buffer, the slugs (rs_report_slug.h) or the document's
 * skin (rs_render_skin.h), and the evaluation's display helpers (rs_eval.h);
 * none calls another format.  All are pure and run on the caller's thread.
 *
 * Does not: define anything callers outside the report should use.
 */
#ifndef RS_REPORT_FMT_H
#define RS_REPORT_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_eval.h"
#include "rs_report.h"
#include "rs_report_buf.h"

struct rs_render_skin;

/* The part lines with a record that do not give their adjusted budget (the
 * evaluation reads each as its year-start budget, in the total too). */
static inline uint32_t rs_report_adj_missing(const struct rs_eval_unit *u)
{
    uint32_t n = 0;

    for (size_t k = 1; k < RS_EVAL_LINE_TOTAL; k++)
        n += u->line[k].rec && !u->line[k].adjusted_given;
    return n;
}

/* True if the total of 上级转移支付 is given: by the 合计 record, or by at
 * least one part line (a line that gives none has none, but when no line
 * gives it the sum of nothing is not 0). */
static inline bool rs_report_transfer_given(const struct rs_eval_unit *u)
{
    const struct rs_eval_line *tl = &u->line[RS_EVAL_LINE_TOTAL];

    if (tl->rec && tl->transfer.has)
        return true;
    for (size_t k = 1; k < RS_EVAL_LINE_TOTAL; k++) {
        if (u->line[k].rec && u->line[k].transfer.has)
            return true;
    }
    return false;
}

/* The JSON report of res (with the year's parts x, may be NULL) into b. */
void rs_report_json(const struct rs_eval_result *res, const struct rs_report_extra *x,
                    struct rs_rbuf *b);

/* The CSV report of res into b: section,key,division,metric,value rows. */
void rs_report_csv(const struct rs_eval_result *res, const struct rs_report_extra *x,
                   struct rs_rbuf *b);

/* The drafted document of res (with the year's parts x, may be NULL) into
 * b, written by skin (rs_render_skin.h) with the skin's state priv. */
void rs_render_doc(const struct rs_eval_result *res, const struct rs_report_extra *x,
                   const struct rs_render_skin *skin, void *priv, struct rs_rbuf *b);

/* The Word (.docx) package of res (with x, may be NULL) into b: binary, not
 * NUL-terminated text. */
void rs_report_docx(const struct rs_eval_result *res, const struct rs_report_extra *x,
                    struct rs_rbuf *b);

/* The Excel (.xlsx) workbook of res into b: binary.  Writes and removes
 * one temporary file (see rs_report_xlsx.c).  The workbook holds the
 * evaluation's figures only: the reporting year's parts are in the other
 * formats. */
void rs_report_xlsx(const struct rs_eval_result *res, struct rs_rbuf *b);

/* The self-contained HTML page of res (with x, may be NULL) into b (UTF-8
 * text). */
void rs_report_html(const struct rs_eval_result *res, const struct rs_report_extra *x,
                    struct rs_rbuf *b);

/* A completeness board alone, as JSON (rs_report_json.c), CSV
 * (rs_report_csv.c) or a document in skin (rs_render_compl.c: Markdown or
 * text). */
void rs_report_json_board(const struct rs_compl_board *board, struct rs_rbuf *b);
void rs_report_csv_board(const struct rs_compl_board *board, struct rs_rbuf *b);
void rs_render_board_doc(const struct rs_compl_board *board, const struct rs_render_skin *skin,
                         struct rs_rbuf *b);

#endif

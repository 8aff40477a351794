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
 * Each calls the buffer, the slugs (rs_report_slug.h) or the document's
 * skin (rs_render_skin.h), and the evaluation's display helpers (rs_eval.h);
 * none calls another format.  All are pure and run on the caller's thread.
 *
 * Does not: define anything callers outside the report should use.
 */
#ifndef RS_REPORT_FMT_H
#define RS_REPORT_FMT_H

#include <stdbool.h>

#include "rs_eval.h"
#include "rs_report_buf.h"

struct rs_render_skin;

/* The JSON report of res into b. */
void rs_report_json(const struct rs_eval_result *res, struct rs_rbuf *b);

/* The CSV report of res into b: section,key,division,metric,value rows. */
void rs_report_csv(const struct rs_eval_result *res, struct rs_rbuf *b);

/* The drafted document of res into b, written by skin (rs_render_skin.h)
 * with the skin's state priv. */
void rs_render_doc(const struct rs_eval_result *res, const struct rs_render_skin *skin, void *priv,
                   struct rs_rbuf *b);

/* The Word (.docx) package of res into b: binary, not NUL-terminated text. */
void rs_report_docx(const struct rs_eval_result *res, struct rs_rbuf *b);

/* The Excel (.xlsx) workbook of res into b: binary.  Writes and removes
 * one temporary file (see rs_report_xlsx.c). */
void rs_report_xlsx(const struct rs_eval_result *res, struct rs_rbuf *b);

/* The self-contained HTML page of res into b (UTF-8 text). */
void rs_report_html(const struct rs_eval_result *res, struct rs_rbuf *b);

#endif

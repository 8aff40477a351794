/*
 * rs_render_html.h - the state of the document's HTML skin
 * (rs_render_skin_html, rs_render_html.c): the sections it opened, the
 * table of contents it collected, and where it marked each finding.
 * Private to server/report/: the page (rs_report_html.c) creates it,
 * passes it to rs_render_doc as the skin's priv, writes the contents from
 * it and frees it.
 *
 * Does not: write the page's head, style or navigation (rs_report_html.c).
 */
#ifndef RS_RENDER_HTML_H
#define RS_RENDER_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "rs_eval.h"
#include "rs_report_buf.h"

#define RS_HTML_TOC_MAX 32        /* sections listed in the contents */
#define RS_HTML_TOC_TEXT 192
#define RS_HTML_NEEDLE_MAX 64     /* bytes of the figure a finding marks */

struct rs_html_toc {
    char id[16];
    char text[RS_HTML_TOC_TEXT];
};

/* Per finding: the figure it marks in the text (a stated figure's value as
 * the records give it; "" if none), whether that figure was marked, and
 * how many places of the text point at it (ids f<N>-1 ... f<N>-<places>). */
struct rs_html_finding {
    char needle[RS_HTML_NEEDLE_MAX];
    bool figure_marked;
    size_t places;
};

struct rs_render_html {
    const struct rs_eval_result *res;
    char title[512];              /* the level-1 heading */
    struct rs_html_toc toc[RS_HTML_TOC_MAX];
    size_t ntoc;
    size_t nsections;
    size_t section_start;         /* where the open section's body starts in the buffer */
    bool in_section, in_list;
    struct rs_html_finding *f;    /* res->nfindings */
};

/* A state for rendering res; NULL on RS_ENOMEM.  Free with
 * rs_render_html_free. */
struct rs_render_html *rs_render_html_new(const struct rs_eval_result *res);

/* Closes what the document left open (a list, a section) into b. */
void rs_render_html_finish(struct rs_render_html *st, struct rs_rbuf *b);

/* Frees st; NULL is allowed. */
void rs_render_html_free(struct rs_render_html *st);

#endif

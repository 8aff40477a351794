/*
 * rs_render_html.c - the document's HTML skin: each block as HTML, with
 * the findings marked where they apply.
 *
 * See rs_render_skin.h and rs_render_html.h.  Every 一、 heading opens a
 * <section> and an entry of the contents; a printed page starts there,
 * unless the section before was only a few lines (class "cont": 三、 to
 * 五、 often are one sentence each, and share a page);
 * numbered items are an <ol>; a table is a <table> whose class names its
 * kind (t-scores, t-findings, t-category, ...), with a <thead> that
 * repeats on printed pages, numbers right-aligned and 合计 rows marked;
 * charts come from rs_render_svg.c.
 *
 * Findings are linked to the text in two ways.  A block about an
 * indicator, a record or a finding (rs_render_about) is marked
 * "has-finding" when a finding concerns the same thing: a finding on an
 * indicator names the framework's line and code in its 位置 ("框架unit-2023
 * 第8行 F7"), one on a record names the record's type and label
 * ("培训 PX2023-03（记录…") in the record's own division.  And a finding on
 * a stated figure (code "stated.*") marks that figure, as the records give
 * it ("2024.87万元"), where the text first prints it outside the findings'
 * own restatements.  Each mark carries the finding on hover (title) and a
 * link to its row in the findings table (id f<N>, N its 序号), and that row
 * links back to every mark (ids f<N>-<k>).
 *
 * Does not: write the page around the body (rs_report_html.c), draw the
 * charts (rs_render_svg.c), or decide what a section says (rs_render.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_render_html.h"
#include "rs_render_skin.h"
#include "rs_render_svg.h"
#include "rs_report_slug.h"
#include "rs_report_xml.h"
#include "rs_rtype.h"

#define MAX_REFS 8        /* findings linked from one block */
#define MAX_BACK 6        /* links back from a finding's row */
#define MAX_MARKS 8       /* figures marked in one block */
#define SHORT_SECTION 800 /* bytes of a section after which the next one continues its page */

/* ------------------------------------------------------------ state */

/* The figure a stated-figure finding marks: the leading number of what the
 * records give, with its unit ("412户" of "412户（记录合计）"). */
static void needle_of(const struct rs_eval_finding *f, char out[RS_HTML_NEEDLE_MAX])
{
    static const char *const stops[] = {" ", ",", ";", "(", "（", "，", "；", "、"};
    const char *e = f->expected;
    size_t n = strlen(e);

    out[0] = '\0';
    if (strncmp(f->code, "stated.", 7) != 0 || !((e[0] >= '0' && e[0] <= '9') || e[0] == '-'))
        return;
    for (size_t k = 0; k < sizeof stops / sizeof stops[0]; k++) {
        const char *p = strstr(e, stops[k]);

        if (p && (size_t)(p - e) < n)
            n = (size_t)(p - e);
    }
    if (n == 0 || n >= RS_HTML_NEEDLE_MAX)
        return;
    memcpy(out, e, n);
    out[n] = '\0';
}

struct rs_render_html *rs_render_html_new(const struct rs_eval_result *res)
{
    struct rs_render_html *st = calloc(1, sizeof *st);

    if (!st)
        return NULL;
    st->res = res;
    st->f = calloc(res->nfindings ? res->nfindings : 1, sizeof *st->f);
    if (!st->f) {
        free(st);
        return NULL;
    }
    for (size_t i = 0; i < res->nfindings; i++)
        needle_of(&res->findings[i], st->f[i].needle);
    return st;
}

void rs_render_html_free(struct rs_render_html *st)
{
    if (!st)
        return;
    free(st->f);
    free(st);
}

static void close_list(struct rs_render_html *st, struct rs_rbuf *b)
{
    if (st->in_list)
        rs_rbuf_puts(b, "</ol>\n");
    st->in_list = false;
}

void rs_render_html_finish(struct rs_render_html *st, struct rs_rbuf *b)
{
    close_list(st, b);
    if (st->in_section)
        rs_rbuf_puts(b, "</section>\n");
    st->in_section = false;
}

/* ------------------------------------------------------------ findings */

static const char *sev_class(enum rs_eval_sev s)
{
    return rs_report_sev_slug(s);
}

/* True if hay contains key followed by the end or by "；". */
static bool names(const char *hay, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = strstr(hay, key); p; p = strstr(p + 1, key)) {
        if (p[n] == '\0' || strncmp(p + n, "；", 3) == 0)
            return true;
    }
    return false;
}

/* The findings about a (indices into res->findings), at most MAX_REFS. */
static size_t findings_about(const struct rs_render_html *st, const struct rs_render_about *a,
                             size_t out[MAX_REFS])
{
    const struct rs_eval_result *res = st->res;
    char key[RS_FW_NAME_MAX + RS_FW_CODE_MAX + 600];
    const char *div = NULL;
    size_t n = 0;

    switch (a->kind) {
    case RS_ABOUT_NONE:
        return 0;
    case RS_ABOUT_FINDING:
        if (a->finding >= res->nfindings)
            return 0;
        out[0] = a->finding;
        return 1;
    case RS_ABOUT_INDICATOR:
        snprintf(key, sizeof key, "框架%s第%u行 %s", res->fw->name, a->ind->line, a->ind->code);
        break;
    case RS_ABOUT_RECORD: {
        const struct rs_rtype_def *def = rs_rtype_find(a->rec->body_case);
        const char *label = rs_record_label_key(a->rec);

        if (!def || !label || !label[0])
            return 0;
        snprintf(key, sizeof key, "%s %s（记录", def->label, label);
        div = a->rec->division_code ? a->rec->division_code : "";
        break;
    }
    }
    for (size_t i = 0; i < res->nfindings && n < MAX_REFS; i++) {
        const struct rs_eval_finding *f = &res->findings[i];

        if (a->kind == RS_ABOUT_INDICATOR ? names(f->where, key)
                                          : (strstr(f->where, key) &&
                                             (!f->division[0] || strcmp(f->division, div) == 0)))
            out[n++] = i;
    }
    return n;
}

/* "[错误] 核查内容：记录为…，所载/发现为…", escaped for an attribute. */
static void finding_tip(struct rs_rbuf *b, const struct rs_eval_finding *f)
{
    rs_rbuf_puts(b, "[");
    rs_xml_text(b, rs_eval_sev_label(f->sev));
    rs_rbuf_puts(b, "] ");
    rs_xml_text(b, f->check);
    rs_rbuf_puts(b, "：记录为");
    rs_xml_text(b, f->expected);
    rs_rbuf_puts(b, "，所载/发现为");
    rs_xml_text(b, f->found);
}

/* An anchor for the next place of finding i. */
static void place(struct rs_render_html *st, struct rs_rbuf *b, size_t i)
{
    rs_rbuf_printf(b, "<span class=\"place\" id=\"f%zu-%zu\"></span>", i + 1, ++st->f[i].places);
}

/* A link to finding i's row, with the finding on hover. */
static void ref(struct rs_render_html *st, struct rs_rbuf *b, size_t i)
{
    const struct rs_eval_finding *f = &st->res->findings[i];

    rs_rbuf_printf(b, "<sup class=\"fref %s\"><a href=\"#f%zu\" title=\"", sev_class(f->sev),
                   i + 1);
    finding_tip(b, f);
    rs_rbuf_printf(b, "\">%zu</a></sup>", i + 1);
}

/* The most severe of the findings v[0..n). */
static enum rs_eval_sev worst(const struct rs_render_html *st, const size_t *v, size_t n)
{
    enum rs_eval_sev s = RS_SEV_NOTE;

    for (size_t k = 0; k < n; k++)
        s = st->res->findings[v[k]].sev > s ? st->res->findings[v[k]].sev : s;
    return s;
}

/* class="has-finding sev-..." for a block about findings v[0..n). */
static void block_class(const struct rs_render_html *st, struct rs_rbuf *b, const char *base,
                        const size_t *v, size_t n)
{
    if (!n && !base)
        return;
    rs_rbuf_puts(b, " class=\"");
    if (base)
        rs_rbuf_puts(b, base);
    if (n)
        rs_rbuf_printf(b, "%shas-finding sev-%s", base ? " " : "", sev_class(worst(st, v, n)));
    rs_rbuf_puts(b, "\"");
}

struct mark {
    size_t at, len;
    size_t who[MAX_REFS];
    size_t n;
};

/* Digits and the decimal point: a figure must not be part of a longer one. */
static bool numchar(char c)
{
    return (c >= '0' && c <= '9') || c == '.';
}

/* The stated figures not marked yet that text prints, first place each,
 * in order of position; overlapping ones wait for a later block. */
static size_t find_marks(struct rs_render_html *st, const char *text, struct mark m[MAX_MARKS])
{
    size_t nm = 0;

    for (size_t i = 0; i < st->res->nfindings; i++) {
        const char *needle = st->f[i].needle, *p;
        size_t len = strlen(needle), at;
        bool done = false;

        if (!len || st->f[i].figure_marked)
            continue;
        for (p = strstr(text, needle); p; p = strstr(p + 1, needle)) {
            if ((p == text || !numchar(p[-1])) && !numchar(p[len]))
                break;
        }
        if (!p)
            continue;
        at = (size_t)(p - text);
        for (size_t k = 0; k < nm && !done; k++) {
            if (m[k].at == at && m[k].len == len && m[k].n < MAX_REFS) {
                m[k].who[m[k].n++] = i;
                done = true;
            } else if (at < m[k].at + m[k].len && m[k].at < at + len) {
                done = true;          /* overlaps another figure: not here */
                at = SIZE_MAX;
            }
        }
        if (at == SIZE_MAX)
            continue;
        if (!done) {
            size_t k = nm;

            if (nm == MAX_MARKS)
                continue;
            while (k > 0 && m[k - 1].at > at) {
                m[k] = m[k - 1];
                k--;
            }
            m[k].at = at;
            m[k].len = len;
            m[k].who[0] = i;
            m[k].n = 1;
            nm++;
        }
        st->f[i].figure_marked = true;
    }
    return nm;
}

/* text with its stated figures marked (unless the block restates a
 * finding), escaped. */
static void marked_text(struct rs_render_html *st, struct rs_rbuf *b, const char *text,
                        bool marks)
{
    struct mark m[MAX_MARKS];
    size_t nm = marks ? find_marks(st, text, m) : 0, at = 0;

    for (size_t k = 0; k < nm; k++) {
        const struct rs_eval_finding *f = &st->res->findings[m[k].who[0]];

        rs_xml_textn(b, text + at, m[k].at - at);
        for (size_t j = 1; j < m[k].n; j++)
            place(st, b, m[k].who[j]);
        rs_rbuf_printf(b, "<mark class=\"fig sev-%s\" id=\"f%zu-%zu\" title=\"", sev_class(f->sev),
                       m[k].who[0] + 1, ++st->f[m[k].who[0]].places);
        finding_tip(b, f);
        rs_rbuf_puts(b, "\">");
        rs_xml_textn(b, text + m[k].at, m[k].len);
        rs_rbuf_puts(b, "</mark>");
        for (size_t j = 0; j < m[k].n; j++)
            ref(st, b, m[k].who[j]);
        at = m[k].at + m[k].len;
    }
    rs_xml_text(b, text + at);
}

/* One paragraph-like element: <tag class=...>anchors text refs</tag>. */
static void block(struct rs_render_ctx *d, const char *open, const char *tag, const char *base,
                  const char *text)
{
    struct rs_render_html *st = d->priv;
    size_t v[MAX_REFS], n = findings_about(st, &d->about, v);

    rs_rbuf_printf(d->b, "<%s", open);
    block_class(st, d->b, base, v, n);
    rs_rbuf_puts(d->b, ">");
    for (size_t k = 0; k < n; k++)
        place(st, d->b, v[k]);
    marked_text(st, d->b, text, d->about.kind != RS_ABOUT_FINDING);
    for (size_t k = 0; k < n; k++)
        ref(st, d->b, v[k]);
    rs_rbuf_printf(d->b, "</%s>\n", tag);
}

/* ------------------------------------------------------------ blocks */

static void html_heading(struct rs_render_ctx *d, int level, const char *text)
{
    struct rs_render_html *st = d->priv;

    close_list(st, d->b);
    if (level <= 1) {
        snprintf(st->title, sizeof st->title, "%s", text);
        rs_rbuf_puts(d->b, "<h1>");
        rs_xml_text(d->b, text);
        rs_rbuf_puts(d->b, "</h1>\n");
        return;
    }
    if (level == 2) {
        bool cont = st->in_section && d->b->len - st->section_start < SHORT_SECTION;

        if (st->in_section)
            rs_rbuf_puts(d->b, "</section>\n");
        st->nsections++;
        rs_rbuf_printf(d->b, "<section id=\"s%zu\"%s>\n", st->nsections,
                       cont ? " class=\"cont\"" : "");
        st->section_start = d->b->len;
        st->in_section = true;
        if (st->ntoc < RS_HTML_TOC_MAX) {
            struct rs_html_toc *e = &st->toc[st->ntoc++];

            snprintf(e->id, sizeof e->id, "s%zu", st->nsections);
            snprintf(e->text, sizeof e->text, "%s", text);
        }
    }
    rs_rbuf_printf(d->b, "<h%d>", level > 4 ? 4 : level);
    rs_xml_text(d->b, text);
    rs_rbuf_printf(d->b, "</h%d>\n", level > 4 ? 4 : level);
}

static void html_para(struct rs_render_ctx *d, const char *text)
{
    close_list(d->priv, d->b);
    block(d, "p", "p", NULL, text);
}

static void html_note(struct rs_render_ctx *d, const char *text)
{
    close_list(d->priv, d->b);
    block(d, "p", "p", "note", text);
}

static void html_item(struct rs_render_ctx *d, size_t n, const char *text)
{
    struct rs_render_html *st = d->priv;
    char open[32];

    if (!st->in_list)
        rs_rbuf_puts(d->b, "<ol class=\"items\">\n");
    st->in_list = true;
    snprintf(open, sizeof open, "li value=\"%zu\"", n);
    block(d, open, "li", NULL, text);
}

static void html_list_end(struct rs_render_ctx *d)
{
    close_list(d->priv, d->b);
}

static const char *kind_class(enum rs_render_tbl_kind k)
{
    switch (k) {
    case RS_TBL_PLAIN:
        break;
    case RS_TBL_BUDGET:
        return "t-budget";
    case RS_TBL_CATEGORY:
        return "t-category";
    case RS_TBL_VILLAGES:
        return "t-villages";
    case RS_TBL_PROJECTS:
        return "t-projects";
    case RS_TBL_TRAINING:
        return "t-training";
    case RS_TBL_SELF_TRAINING:
        return "t-self-training";
    case RS_TBL_SCORES:
        return "t-scores";
    case RS_TBL_FINDINGS:
        return "t-findings";
    case RS_TBL_FORMULAS:
        return "t-formulas";
    }
    return "t-plain";
}

/* A row of the findings table: the finding's anchor, with links back. */
static void finding_row(struct rs_render_ctx *d, const struct rs_render_tbl *t, size_t r)
{
    struct rs_render_html *st = d->priv;
    size_t i = t->row[r].about.finding;
    const struct rs_html_finding *hf = &st->f[i];

    rs_rbuf_printf(d->b, "<tr id=\"f%zu\" class=\"finding sev-%s\">", i + 1,
                   sev_class(st->res->findings[i].sev));
    for (size_t c = 0; c < t->ncols; c++) {
        rs_rbuf_puts(d->b, t->align[c] == 'r' ? "<td class=\"r\">" : "<td>");
        rs_xml_text(d->b, t->cell[r * t->ncols + c]);
        if (c + 1 == t->ncols && hf->places) {
            rs_rbuf_puts(d->b, "<span class=\"back\">");
            for (size_t k = 1; k <= hf->places && k <= MAX_BACK; k++)
                rs_rbuf_printf(d->b, "<a href=\"#f%zu-%zu\" title=\"正文中的位置\">↩%s</a>", i + 1, k,
                               k == 1 ? "正文" : "");
            rs_rbuf_puts(d->b, "</span>");
        }
        rs_rbuf_puts(d->b, "</td>");
    }
    rs_rbuf_puts(d->b, "</tr>\n");
}

static void html_table(struct rs_render_ctx *d, const struct rs_render_tbl *t)
{
    struct rs_render_html *st = d->priv;

    close_list(st, d->b);
    if (t->nrows == 0)
        return;
    rs_rbuf_printf(d->b, "<div class=\"table\"><table class=\"%s\">\n<thead><tr>",
                   kind_class(t->kind));
    for (size_t c = 0; c < t->ncols; c++) {
        rs_rbuf_puts(d->b, t->align[c] == 'r' ? "<th class=\"r\">" : "<th>");
        rs_xml_text(d->b, t->cell[c]);
        rs_rbuf_puts(d->b, "</th>");
    }
    rs_rbuf_puts(d->b, "</tr></thead>\n<tbody>\n");
    for (size_t r = 1; r < t->nrows; r++) {
        size_t v[MAX_REFS], n;

        if (t->kind == RS_TBL_FINDINGS && t->row[r].about.kind == RS_ABOUT_FINDING &&
            t->row[r].about.finding < st->res->nfindings) {
            finding_row(d, t, r);
            continue;
        }
        n = findings_about(st, &t->row[r].about, v);
        rs_rbuf_puts(d->b, "<tr");
        block_class(st, d->b, t->row[r].total ? "total" : NULL, v, n);
        rs_rbuf_puts(d->b, ">");
        for (size_t c = 0; c < t->ncols; c++) {
            rs_rbuf_puts(d->b, t->align[c] == 'r' ? "<td class=\"r\">" : "<td>");
            if (c == 0)
                for (size_t k = 0; k < n; k++)
                    place(st, d->b, v[k]);
            rs_xml_text(d->b, t->cell[r * t->ncols + c]);
            if (c == 0)
                for (size_t k = 0; k < n; k++)
                    ref(st, d->b, v[k]);
            rs_rbuf_puts(d->b, "</td>");
        }
        rs_rbuf_puts(d->b, "</tr>\n");
    }
    rs_rbuf_puts(d->b, "</tbody></table></div>\n");
}

static void html_chart(struct rs_render_ctx *d, enum rs_render_chart c)
{
    close_list(d->priv, d->b);
    rs_render_svg_chart(d->b, d->res, c);
}

const struct rs_render_skin rs_render_skin_html = {
    html_heading, html_para, html_note, html_item, html_list_end, html_table, html_chart,
};

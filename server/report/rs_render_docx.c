/*
 * rs_render_docx.c - the document's Word skin: each block as
 * WordprocessingML, the body of word/document.xml.
 *
 * See rs_render_skin.h.  Headings use the package's heading styles
 * (level 1 the Title, then Heading1 to Heading3, so Word's navigation pane
 * shows the 一、 / （一） outline), paragraphs the Normal style (仿宋, first
 * line indented two characters), the draft's note the Note style and
 * numbered items the ListItem style; rs_report_docx.c defines them all in
 * styles.xml.  A table becomes a Word table of fixed width across the text
 * area: single borders, a shaded header row that repeats on every page,
 * rows that do not break across pages, numbers right-aligned, 合计 rows in
 * bold, a smaller type for tables of eight columns or more, and column
 * widths from what the columns hold (see col_widths).  An empty paragraph of the
 * AfterTable style follows every table so that two tables never merge.
 * Line breaks inside a paragraph become <w:br/>.  The skin's state (priv,
 * struct rs_render_docx, or NULL) only keeps the title; it draws no charts.
 *
 * Does not: write the package parts or the zip (rs_report_docx.c), or
 * decide what a section says (rs_render.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_render_docx.h"
#include "rs_render_skin.h"
#include "rs_report_xml.h"

/* Twips (1/1440 inch) of the text area: A4 (11906) less the margins of
 * rs_render_docx.h. */
#define TEXT_TWIPS (RS_DOCX_PAGE_W - RS_DOCX_MARGIN_LEFT - RS_DOCX_MARGIN_RIGHT)
#define SMALL_TABLE_COLS 8
#define FIXED_COLS 8            /* display columns up to which a text column never wraps */
#define WIDE_COLS 30            /* natural width counted at most for a text column */
#define TABLE_HALF_POINTS 21    /* 五号, as the TableText style */
#define SMALL_HALF_POINTS 18    /* 小五, for tables of SMALL_TABLE_COLS or more */

/* A run of text: line feeds become breaks, carriage returns are dropped. */
static void run(struct rs_rbuf *b, const char *text, bool bold, int half_points)
{
    const char *p = text;

    rs_rbuf_puts(b, "<w:r>");
    if (bold || half_points) {
        rs_rbuf_puts(b, "<w:rPr>");
        if (bold)
            rs_rbuf_puts(b, "<w:b/><w:bCs/>");
        if (half_points)
            rs_rbuf_printf(b, "<w:sz w:val=\"%d\"/><w:szCs w:val=\"%d\"/>", half_points,
                           half_points);
        rs_rbuf_puts(b, "</w:rPr>");
    }
    for (;;) {
        size_t n = strcspn(p, "\r\n");

        rs_rbuf_puts(b, "<w:t xml:space=\"preserve\">");
        rs_xml_textn(b, p, n);
        rs_rbuf_puts(b, "</w:t>");
        p += n;
        while (*p == '\r')
            p++;
        if (*p != '\n')
            break;
        rs_rbuf_puts(b, "<w:br/>");
        p++;
    }
    rs_rbuf_puts(b, "</w:r>");
}

static void para(struct rs_rbuf *b, const char *style, const char *jc, const char *text, bool bold,
                 int half_points)
{
    rs_rbuf_printf(b, "<w:p><w:pPr><w:pStyle w:val=\"%s\"/>", style);
    if (jc)
        rs_rbuf_printf(b, "<w:jc w:val=\"%s\"/>", jc);
    rs_rbuf_puts(b, "</w:pPr>");
    if (text[0])
        run(b, text, bold, half_points);
    rs_rbuf_puts(b, "</w:p>");
}

static void docx_heading(struct rs_render_ctx *d, int level, const char *text)
{
    static const char *const style[] = {"Title", "Title", "Heading1", "Heading2", "Heading3"};
    struct rs_render_docx *st = d->priv;

    if (level <= 1 && st && !st->title[0])
        snprintf(st->title, sizeof st->title, "%s", text);
    para(d->b, style[level < 1 ? 1 : level > 4 ? 4 : level], NULL, text, false, 0);
}

static void docx_para(struct rs_render_ctx *d, const char *text)
{
    para(d->b, "Normal", NULL, text, false, 0);
}

static void docx_note(struct rs_render_ctx *d, const char *text)
{
    para(d->b, "Note", NULL, text, false, 0);
}

static void docx_item(struct rs_render_ctx *d, size_t n, const char *text)
{
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};

    rs_rbuf_printf(&p, "%zu. %s", n, text);
    if (p.err && !d->b->err)
        d->b->err = p.err;
    if (!p.err)
        para(d->b, "ListItem", NULL, p.p, false, 0);
    free(p.p);
}

static void docx_list_end(struct rs_render_ctx *d)
{
    (void)d;
}

/* Column widths in twips summing to TEXT_TWIPS, for type of half_points.
 * A column's natural width is its widest cell (the header counted at half,
 * since a header may take two lines) plus a margin, in display columns.
 * If the natural widths fit, they grow in proportion.  If not, the fixed
 * columns (numbers, and texts of a few characters) keep theirs and the
 * other text columns share the rest in proportion to their natural widths
 * capped at WIDE_COLS, so numbers never wrap and long texts do. */
static void col_widths(const struct rs_render_tbl *t, int half_points,
                       uint32_t tw[RS_RENDER_TBL_MAX_COLS])
{
    uint64_t nat[RS_RENDER_TBL_MAX_COLS], sum = 0, fixed = 0, flex = 0;
    uint64_t avail = (uint64_t)TEXT_TWIPS / ((uint64_t)half_points * 5);
    bool is_fixed[RS_RENDER_TBL_MAX_COLS];
    uint32_t used = 0;

    for (size_t c = 0; c < t->ncols; c++) {
        uint64_t w = (rs_render_width(t->cell[c]) + 1) / 2;

        for (size_t r = 1; r < t->nrows; r++) {
            uint64_t k = rs_render_width(t->cell[r * t->ncols + c]);

            if (k > w)
                w = k;
        }
        nat[c] = (w < 4 ? 4 : w) + 2;
        sum += nat[c];
        is_fixed[c] = t->align[c] == 'r' || nat[c] <= FIXED_COLS;
        if (is_fixed[c]) {
            fixed += nat[c];
        } else {
            nat[c] = nat[c] < WIDE_COLS ? nat[c] : WIDE_COLS;
            flex += nat[c];
        }
    }
    for (size_t c = 0; c < t->ncols; c++) {
        uint64_t x;

        if (sum <= avail || flex == 0 || fixed >= avail)
            x = (uint64_t)TEXT_TWIPS * nat[c] / (sum <= avail ? sum : fixed + flex);
        else if (is_fixed[c])
            x = (uint64_t)TEXT_TWIPS * nat[c] / avail;
        else
            x = (uint64_t)TEXT_TWIPS * (avail - fixed) * nat[c] / (avail * flex);
        tw[c] = (uint32_t)x;
        used += tw[c];
    }
    tw[t->ncols - 1] += (uint32_t)TEXT_TWIPS - used;
}

static void border(struct rs_rbuf *b, const char *side)
{
    rs_rbuf_printf(b, "<w:%s w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>",
                   side);
}

static void docx_table(struct rs_render_ctx *d, const struct rs_render_tbl *t)
{
    static const char *const sides[] = {"top", "left", "bottom", "right", "insideH", "insideV"};
    struct rs_rbuf *b = d->b;
    uint32_t tw[RS_RENDER_TBL_MAX_COLS];
    int small = t->ncols >= SMALL_TABLE_COLS ? SMALL_HALF_POINTS : 0;

    if (t->ncols == 0 || t->nrows == 0)
        return;
    col_widths(t, small ? small : TABLE_HALF_POINTS, tw);
    rs_rbuf_printf(b, "<w:tbl><w:tblPr><w:tblStyle w:val=\"ReportTable\"/>"
                      "<w:tblW w:w=\"%d\" w:type=\"dxa\"/><w:tblBorders>",
                   TEXT_TWIPS);
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++)
        border(b, sides[i]);
    rs_rbuf_puts(b, "</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
                    "<w:tblCellMar><w:left w:w=\"57\" w:type=\"dxa\"/>"
                    "<w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar>"
                    "<w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" "
                    "w:firstColumn=\"0\" w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/>"
                    "</w:tblPr><w:tblGrid>");
    for (size_t c = 0; c < t->ncols; c++)
        rs_rbuf_printf(b, "<w:gridCol w:w=\"%u\"/>", tw[c]);
    rs_rbuf_puts(b, "</w:tblGrid>");
    for (size_t r = 0; r < t->nrows; r++) {
        bool head = r == 0, bold = head || t->row[r].total;

        rs_rbuf_printf(b, "<w:tr><w:trPr><w:cantSplit/>%s</w:trPr>", head ? "<w:tblHeader/>" : "");
        for (size_t c = 0; c < t->ncols; c++) {
            const char *jc = head ? "center" : t->align[c] == 'r' ? "right" : NULL;

            rs_rbuf_printf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%u\" w:type=\"dxa\"/>", tw[c]);
            if (head)
                rs_rbuf_puts(b, "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"E7E6E6\"/>");
            rs_rbuf_puts(b, "<w:vAlign w:val=\"center\"/></w:tcPr>");
            para(b, head ? "TableHeading" : "TableText", jc, t->cell[r * t->ncols + c], bold,
                 small);
            rs_rbuf_puts(b, "</w:tc>");
        }
        rs_rbuf_puts(b, "</w:tr>");
    }
    rs_rbuf_puts(b, "</w:tbl>");
    para(b, "AfterTable", NULL, "", false, 0);
}

const struct rs_render_skin rs_render_skin_docx = {
    docx_heading, docx_para, docx_note, docx_item, docx_list_end, docx_table, NULL,
};

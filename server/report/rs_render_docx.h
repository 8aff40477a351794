/*
 * rs_render_docx.h - the Word page that the Word skin (rs_render_docx.c)
 * lays tables out on and the package (rs_report_docx.c) declares in the
 * section properties.  Private to server/report/.
 *
 * A4 portrait with the margins of GB/T 9704 (党政机关公文格式): top 37 mm,
 * bottom 35 mm, left 28 mm, right 26 mm, in twips (1/1440 inch; 1 mm is
 * 56.7 twips).
 *
 * Does not: declare functions; the skin itself is rs_render_skin_docx in
 * rs_render_skin.h.
 */
#ifndef RS_RENDER_DOCX_H
#define RS_RENDER_DOCX_H

#define RS_DOCX_PAGE_W 11906
#define RS_DOCX_PAGE_H 16838
#define RS_DOCX_MARGIN_TOP 2098
#define RS_DOCX_MARGIN_BOTTOM 1984
#define RS_DOCX_MARGIN_LEFT 1588
#define RS_DOCX_MARGIN_RIGHT 1474
#define RS_DOCX_HEADER 851
#define RS_DOCX_FOOTER 992

/* The Word skin's state (ctx->priv, or NULL): the text of the level-1
 * heading, which the package also writes as the document's title. */
struct rs_render_docx {
    char title[512];
};

#endif

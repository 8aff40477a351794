/*
 * rs_report_docx.c - the drafted 自评报告 as a Word document (OOXML
 * WordprocessingML, .docx).
 *
 * See rs_report_fmt.h.  The body is the document written through the Word
 * skin (rs_render_docx.c); this file adds the parts around it and zips the
 * package with libzip, in memory:
 *   [Content_Types].xml, _rels/.rels       the package and its parts
 *   docProps/core.xml, docProps/app.xml    title, creator, fixed times
 *   word/document.xml                      the body and its section: A4,
 *                                          the margins of rs_render_docx.h,
 *                                          the footer with the page number
 *   word/styles.xml                        Normal (正文) 仿宋_GB2312 三号 with
 *                                          28 pt lines; Title 宋体 二号;
 *                                          heading 1-3 (标题 1-3) 黑体, 楷体,
 *                                          仿宋 bold, with outline levels;
 *                                          the note, list, table and footer
 *                                          styles; Latin text Times New Roman
 *   word/fontTable.xml                     each Chinese font with its
 *                                          fallback (仿宋_GB2312 → 仿宋 →
 *                                          FangSong, 楷体, 黑体 SimHei, 宋体
 *                                          SimSun) and GB2312 charset
 *   word/settings.xml, word/footer1.xml,
 *   word/_rels/document.xml.rels
 * Every part is UTF-8 XML written here; every text from the records goes
 * through rs_xml_text.  Every zip entry is deflated and dated
 * RS_REPORT_EPOCH (rs_report_xml.h), as are the document's properties, so
 * the same result always gives the same bytes.
 *
 * Does not: decide what the document says (rs_render.c), or write files.
 */
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "rs_render_docx.h"
#include "rs_render_skin.h"
#include "rs_report.h"
#include "rs_report_fmt.h"
#include "rs_report_xml.h"

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define NS_W "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NS_R "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PR "http://schemas.openxmlformats.org/package/2006/relationships"
#define CT_W "application/vnd.openxmlformats-officedocument.wordprocessingml."
#define REL_O "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char content_types[] =
    XML_HEAD
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"" CT_W "document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" ContentType=\"" CT_W "styles+xml\"/>"
    "<Override PartName=\"/word/settings.xml\" ContentType=\"" CT_W "settings+xml\"/>"
    "<Override PartName=\"/word/fontTable.xml\" ContentType=\"" CT_W "fontTable+xml\"/>"
    "<Override PartName=\"/word/footer1.xml\" ContentType=\"" CT_W "footer+xml\"/>"
    "<Override PartName=\"/docProps/core.xml\" "
    "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
    "<Override PartName=\"/docProps/app.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
    "</Types>";

static const char package_rels[] =
    XML_HEAD "<Relationships xmlns=\"" NS_PR "\">"
    "<Relationship Id=\"rId1\" Type=\"" REL_O "officeDocument\" Target=\"word/document.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
    "core-properties\" Target=\"docProps/core.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" REL_O "extended-properties\" "
    "Target=\"docProps/app.xml\"/>"
    "</Relationships>";

static const char document_rels[] =
    XML_HEAD "<Relationships xmlns=\"" NS_PR "\">"
    "<Relationship Id=\"rId1\" Type=\"" REL_O "styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" REL_O "settings\" Target=\"settings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" REL_O "fontTable\" Target=\"fontTable.xml\"/>"
    "<Relationship Id=\"rId4\" Type=\"" REL_O "footer\" Target=\"footer1.xml\"/>"
    "</Relationships>";

static const char app_xml[] =
    XML_HEAD
    "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "extended-properties\" "
    "xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
    "<Application>resettle</Application><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
    "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    "</Properties>";

static const char settings_xml[] =
    XML_HEAD "<w:settings xmlns:w=\"" NS_W "\">"
    "<w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"420\"/>"
    "<w:characterSpacingControl w:val=\"compressPunctuation\"/>"
    "<w:compat><w:compatSetting w:name=\"compatibilityMode\" "
    "w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>"
    "<w:themeFontLang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/>"
    "</w:settings>";

/* Each Chinese font names the one Word takes when it is missing; charset
 * 86 (GB2312) and the family let Word choose a like font past that. */
#define CJK_FONT(name, alt, panose, family, pitch)                                                \
    "<w:font w:name=\"" name "\"><w:altName w:val=\"" alt "\"/><w:panose1 w:val=\"" panose      \
    "\"/><w:charset w:val=\"86\"/><w:family w:val=\"" family "\"/><w:pitch w:val=\"" pitch       \
    "\"/></w:font>"

static const char font_table[] =
    XML_HEAD "<w:fonts xmlns:w=\"" NS_W "\">"
    "<w:font w:name=\"Times New Roman\"><w:panose1 w:val=\"02020603050405020304\"/>"
    "<w:charset w:val=\"00\"/><w:family w:val=\"roman\"/><w:pitch w:val=\"variable\"/></w:font>"
    CJK_FONT("仿宋_GB2312", "仿宋", "02010609030101010101", "modern", "fixed")
    CJK_FONT("仿宋", "FangSong", "02010609060101010101", "modern", "fixed")
    CJK_FONT("楷体_GB2312", "楷体", "02010609030101010101", "modern", "fixed")
    CJK_FONT("楷体", "KaiTi", "02010609060101010101", "modern", "fixed")
    CJK_FONT("黑体", "SimHei", "02010609060101010101", "modern", "fixed")
    CJK_FONT("宋体", "SimSun", "02010600030101010101", "auto", "variable")
    "</w:fonts>";

#define FONTS(east) "<w:rFonts w:ascii=\"Times New Roman\" w:eastAsia=\"" east "\" " \
    "w:hAnsi=\"Times New Roman\" w:cs=\"Times New Roman\"/>"
#define SIZE(hp) "<w:sz w:val=\"" hp "\"/><w:szCs w:val=\"" hp "\"/>"
#define NO_INDENT "<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/>"
#define SINGLE "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/>"

static const char styles_xml[] =
    XML_HEAD "<w:styles xmlns:w=\"" NS_W "\">"
    "<w:docDefaults><w:rPrDefault><w:rPr>" FONTS("仿宋_GB2312")
    "<w:kern w:val=\"2\"/>" SIZE("32")
    "<w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>"
    "<w:pPrDefault><w:pPr><w:widowControl w:val=\"0\"/><w:jc w:val=\"both\"/></w:pPr>"
    "</w:pPrDefault></w:docDefaults>"
    /* 正文: 仿宋_GB2312 三号, 28 pt lines, first line indented two characters. */
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\">"
    "<w:name w:val=\"Normal\"/><w:aliases w:val=\"正文\"/><w:qFormat/>"
    "<w:pPr><w:spacing w:line=\"560\" w:lineRule=\"exact\"/>"
    "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/></w:pPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Title\">"
    "<w:name w:val=\"Title\"/><w:aliases w:val=\"标题\"/><w:basedOn w:val=\"Normal\"/>"
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"10\"/><w:qFormat/>"
    "<w:pPr><w:spacing w:before=\"240\" w:after=\"480\" w:line=\"240\" w:lineRule=\"auto\"/>"
    NO_INDENT "<w:jc w:val=\"center\"/></w:pPr>"
    "<w:rPr>" FONTS("宋体") "<w:b/><w:bCs/>" SIZE("44") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\">"
    "<w:name w:val=\"heading 1\"/><w:aliases w:val=\"标题 1\"/><w:basedOn w:val=\"Normal\"/>"
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val=\"0\"/></w:pPr>"
    "<w:rPr>" FONTS("黑体") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\">"
    "<w:name w:val=\"heading 2\"/><w:aliases w:val=\"标题 2\"/><w:basedOn w:val=\"Normal\"/>"
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:unhideWhenUsed/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val=\"1\"/></w:pPr>"
    "<w:rPr>" FONTS("楷体_GB2312") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading3\">"
    "<w:name w:val=\"heading 3\"/><w:aliases w:val=\"标题 3\"/><w:basedOn w:val=\"Normal\"/>"
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:unhideWhenUsed/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val=\"2\"/></w:pPr>"
    "<w:rPr><w:b/><w:bCs/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"Note\">"
    "<w:name w:val=\"说明\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
    "<w:pPr><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F2F2F2\"/>"
    "<w:spacing w:after=\"240\" w:line=\"400\" w:lineRule=\"exact\"/>" NO_INDENT
    "<w:jc w:val=\"left\"/></w:pPr>"
    "<w:rPr>" FONTS("楷体_GB2312") SIZE("24") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"ListItem\">"
    "<w:name w:val=\"列项\"/><w:basedOn w:val=\"Normal\"/><w:qFormat/></w:style>"
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"TableText\">"
    "<w:name w:val=\"表格文字\"/><w:basedOn w:val=\"Normal\"/><w:qFormat/>"
    "<w:pPr>" SINGLE NO_INDENT "<w:jc w:val=\"left\"/></w:pPr>"
    "<w:rPr>" FONTS("宋体") SIZE("21") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"TableHeading\">"
    "<w:name w:val=\"表头\"/><w:basedOn w:val=\"TableText\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:jc w:val=\"center\"/></w:pPr>"
    "<w:rPr><w:b/><w:bCs/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"AfterTable\">"
    "<w:name w:val=\"表后空行\"/><w:basedOn w:val=\"Normal\"/>"
    "<w:pPr><w:spacing w:before=\"0\" w:after=\"120\" w:line=\"240\" w:lineRule=\"auto\"/>"
    NO_INDENT "</w:pPr><w:rPr>" SIZE("12") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Footer\">"
    "<w:name w:val=\"footer\"/><w:aliases w:val=\"页脚\"/><w:basedOn w:val=\"Normal\"/>"
    "<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/>"
    "<w:pPr>" SINGLE NO_INDENT "<w:jc w:val=\"center\"/></w:pPr>"
    "<w:rPr>" FONTS("宋体") SIZE("28") "</w:rPr></w:style>"
    "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\">"
    "<w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/>"
    "<w:unhideWhenUsed/></w:style>"
    "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\">"
    "<w:name w:val=\"Normal Table\"/><w:uiPriority w:val=\"99\"/><w:semiHidden/>"
    "<w:unhideWhenUsed/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/>"
    "<w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>"
    "<w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar>"
    "</w:tblPr></w:style>"
    "<w:style w:type=\"table\" w:customStyle=\"1\" w:styleId=\"ReportTable\">"
    "<w:name w:val=\"报告表格\"/><w:basedOn w:val=\"TableNormal\"/><w:tblPr><w:tblBorders>"
    "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
    "<w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
    "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
    "<w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
    "<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
    "<w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
    "</w:tblBorders></w:tblPr></w:style>"
    "</w:styles>";

/* "— 1 —" centred in the footer: the PAGE field. */
static const char footer_xml[] =
    XML_HEAD "<w:ftr xmlns:w=\"" NS_W "\" xmlns:r=\"" NS_R "\">"
    "<w:p><w:pPr><w:pStyle w:val=\"Footer\"/></w:pPr>"
    "<w:r><w:t xml:space=\"preserve\">— </w:t></w:r>"
    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
    "<w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>"
    "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
    "<w:r><w:t>1</w:t></w:r>"
    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
    "<w:r><w:t xml:space=\"preserve\"> —</w:t></w:r></w:p></w:ftr>";

static void document_xml(struct rs_rbuf *b, const struct rs_rbuf *body)
{
    rs_rbuf_puts(b, XML_HEAD "<w:document xmlns:w=\"" NS_W "\" xmlns:r=\"" NS_R "\"><w:body>");
    rs_rbuf_add(b, body->p ? body->p : "", body->len);
    rs_rbuf_printf(b,
                   "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rId4\"/>"
                   "<w:pgSz w:w=\"%d\" w:h=\"%d\"/>"
                   "<w:pgMar w:top=\"%d\" w:right=\"%d\" w:bottom=\"%d\" w:left=\"%d\" "
                   "w:header=\"%d\" w:footer=\"%d\" w:gutter=\"0\"/>"
                   "<w:pgNumType w:start=\"1\"/><w:cols w:space=\"425\"/></w:sectPr>"
                   "</w:body></w:document>",
                   RS_DOCX_PAGE_W, RS_DOCX_PAGE_H, RS_DOCX_MARGIN_TOP, RS_DOCX_MARGIN_RIGHT,
                   RS_DOCX_MARGIN_BOTTOM, RS_DOCX_MARGIN_LEFT, RS_DOCX_HEADER, RS_DOCX_FOOTER);
}

static void core_xml(struct rs_rbuf *b, const char *title)
{
    rs_rbuf_puts(b, XML_HEAD
                 "<cp:coreProperties "
                 "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/"
                 "core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
                 "xmlns:dcterms=\"http://purl.org/dc/terms/\" "
                 "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
                 "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>");
    rs_xml_text(b, title);
    rs_rbuf_puts(b, "</dc:title><dc:creator>resettle</dc:creator>"
                    "<cp:lastModifiedBy>resettle</cp:lastModifiedBy>"
                    "<dcterms:created xsi:type=\"dcterms:W3CDTF\">" RS_REPORT_EPOCH_W3C
                    "</dcterms:created>"
                    "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">" RS_REPORT_EPOCH_W3C
                    "</dcterms:modified></cp:coreProperties>");
}

struct part {
    const char *name;
    const char *data;
    size_t len;
};

/* Copies the whole of the zip source src into b. */
static rs_status take_bytes(zip_source_t *src, struct rs_rbuf *b)
{
    zip_int64_t size;
    char *bytes;
    rs_status rc = RS_EINTERNAL;

    if (zip_source_open(src) != 0)
        return RS_EINTERNAL;
    if (zip_source_seek(src, 0, SEEK_END) != 0 || (size = zip_source_tell(src)) < 0 ||
        zip_source_seek(src, 0, SEEK_SET) != 0)
        goto out;
    if ((zip_uint64_t)size >= RS_REPORT_MAX_BYTES) {
        rc = RS_ETOOBIG;
        goto out;
    }
    bytes = malloc((size_t)size + 1);
    if (!bytes) {
        rc = RS_ENOMEM;
        goto out;
    }
    if (zip_source_read(src, bytes, (zip_uint64_t)size) == size) {
        rs_rbuf_add(b, bytes, (size_t)size);
        rc = RS_OK;
    }
    free(bytes);
out:
    zip_source_close(src);
    return rc;
}

/* Zips the parts, in order, into b; a failure (RS_ENOMEM, RS_ETOOBIG, or
 * RS_EINTERNAL when libzip fails) goes to b->err. */
static void zip_parts(const struct part *parts, size_t n, struct rs_rbuf *b)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    rs_status rc = RS_EINTERNAL;

    zip_error_init(&ze);
    src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!src)
        goto out;
    za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    if (!za) {
        zip_source_free(src);
        goto out;
    }
    zip_source_keep(src);   /* still ours after zip_close */
    for (size_t i = 0; i < n; i++) {
        zip_source_t *ps = zip_source_buffer(za, parts[i].data, parts[i].len, 0);
        zip_int64_t idx = ps ? zip_file_add(za, parts[i].name, ps, ZIP_FL_ENC_UTF_8) : -1;

        if (idx < 0) {
            zip_source_free(ps);
            zip_discard(za);
            goto free_src;
        }
        if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) != 0 ||
            zip_file_set_dostime(za, (zip_uint64_t)idx, RS_REPORT_EPOCH_DOSTIME,
                                 RS_REPORT_EPOCH_DOSDATE, 0) != 0) {
            zip_discard(za);
            goto free_src;
        }
    }
    if (zip_close(za) != 0) {
        zip_discard(za);
        goto free_src;
    }
    rc = take_bytes(src, b);
free_src:
    zip_source_free(src);
out:
    zip_error_fini(&ze);
    if (rc && !b->err)
        b->err = rc;
}

void rs_report_docx(const struct rs_eval_result *res, const struct rs_report_extra *x,
                    struct rs_rbuf *b)
{
    struct rs_rbuf body = {NULL, 0, 0, RS_OK}, doc = {NULL, 0, 0, RS_OK},
                   core = {NULL, 0, 0, RS_OK};
    struct rs_render_docx st;

    memset(&st, 0, sizeof st);
    rs_render_doc(res, x, &rs_render_skin_docx, &st, &body);
    document_xml(&doc, &body);
    core_xml(&core, st.title);
    if (body.err || doc.err || core.err) {
        b->err = b->err ? b->err : body.err ? body.err : doc.err ? doc.err : core.err;
    } else {
        const struct part parts[] = {
            {"[Content_Types].xml", content_types, sizeof content_types - 1},
            {"_rels/.rels", package_rels, sizeof package_rels - 1},
            {"docProps/core.xml", core.p, core.len},
            {"docProps/app.xml", app_xml, sizeof app_xml - 1},
            {"word/document.xml", doc.p, doc.len},
            {"word/styles.xml", styles_xml, sizeof styles_xml - 1},
            {"word/settings.xml", settings_xml, sizeof settings_xml - 1},
            {"word/fontTable.xml", font_table, sizeof font_table - 1},
            {"word/footer1.xml", footer_xml, sizeof footer_xml - 1},
            {"word/_rels/document.xml.rels", document_rels, sizeof document_rels - 1},
        };

        zip_parts(parts, sizeof parts / sizeof parts[0], b);
    }
    free(body.p);
    free(doc.p);
    free(core.p);
}

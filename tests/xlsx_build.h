/*
 * xlsx_build.h - builds .xlsx packages in memory for the workbook tests:
 * a zip (libzip, deflated) of named parts, and the usual parts of a small
 * workbook around the sheet XML a test gives.
 *
 * Does not: check anything (the tests do), or write files.
 */
#ifndef XLSX_BUILD_H
#define XLSX_BUILD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

struct xb_part {
    const char *name;
    const char *data;       /* NULL: this part is left out */
    size_t len;             /* 0: strlen(data) */
};

/* The zip of parts[0..n); *len gets its size.  Aborts on failure. */
static inline char *xb_zip(const struct xb_part *parts, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    char *out;
    zip_int64_t got;

    zip_error_init(&ze);
    src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!src)
        abort();
    zip_source_keep(src);
    za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    if (!za)
        abort();
    for (size_t i = 0; i < n; i++) {
        size_t l;
        zip_source_t *s;

        if (!parts[i].data)
            continue;
        l = parts[i].len ? parts[i].len : strlen(parts[i].data);
        s = zip_source_buffer(za, parts[i].data, l, 0);
        if (!s || zip_file_add(za, parts[i].name, s, ZIP_FL_ENC_UTF_8) < 0)
            abort();
    }
    if (zip_close(za) != 0)
        abort();
    if (zip_source_open(src) != 0 || zip_source_seek(src, 0, SEEK_END) != 0)
        abort();
    got = zip_source_tell(src);
    if (got < 0 || zip_source_seek(src, 0, SEEK_SET) != 0)
        abort();
    out = malloc((size_t)got + 1);
    if (!out || zip_source_read(src, out, (zip_uint64_t)got) != got)
        abort();
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    *len = (size_t)got;
    return out;
}

#define XB_NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
              "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define XB_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char xb_content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>";

static const char xb_root_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" XB_REL "officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";

static const char xb_book_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" XB_REL "worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" XB_REL "chartsheet\" Target=\"chartsheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId8\" Type=\"" XB_REL "styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId9\" Type=\"" XB_REL "sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";

/* A workbook of sheet "数据" (sheet1) and the hidden "备注" (sheet2). */
static inline const char *xb_workbook(int date1904)
{
    return date1904 ? "<?xml version=\"1.0\"?><workbook " XB_NS "><workbookPr date1904=\"1\"/>"
                      "<sheets><sheet name=\"数据\" sheetId=\"1\" r:id=\"rId1\"/>"
                      "<sheet name=\"备注\" sheetId=\"2\" state=\"hidden\" r:id=\"rId2\"/>"
                      "</sheets></workbook>"
                    : "<?xml version=\"1.0\"?><workbook " XB_NS "><workbookPr/>"
                      "<sheets><sheet name=\"数据\" sheetId=\"1\" r:id=\"rId1\"/>"
                      "<sheet name=\"图表\" sheetId=\"3\" r:id=\"rId3\"/>"
                      "<sheet name=\"备注\" sheetId=\"2\" state=\"hidden\" r:id=\"rId2\"/>"
                      "</sheets></workbook>";
}

/* Cell formats: 0 general, 1 date (14), 2 percent (9), 3 custom 年月日, 4 time, 5 text. */
static const char xb_styles[] =
    "<?xml version=\"1.0\"?><styleSheet " XB_NS ">"
    "<numFmts count=\"2\"><numFmt numFmtId=\"176\" formatCode=\"yyyy&quot;年&quot;m&quot;月"
    "&quot;d&quot;日&quot;\"/><numFmt numFmtId=\"177\" formatCode=\"[h]:mm\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"6\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"9\"/>"
    "<xf numFmtId=\"176\"/><xf numFmtId=\"177\"/><xf numFmtId=\"49\"/></cellXfs></styleSheet>";

/* Shared strings: 0 "项目编号", 1 "金额" (rich runs), 2 "" , 3 "村" (with a phonetic run). */
static const char xb_sst[] =
    "<?xml version=\"1.0\"?><sst " XB_NS " count=\"4\" uniqueCount=\"4\">"
    "<si><t>项目编号</t></si>"
    "<si><r><rPr><b/></rPr><t>金</t></r><r><t xml:space=\"preserve\">额</t></r></si>"
    "<si><t/></si>"
    "<si><t>村</t><rPh sb=\"0\" eb=\"1\"><t>cun</t></rPh></si></sst>";

/* A whole workbook around sheet1 (and sheet2) XML; NULL parts are left out. */
static inline char *xb_book(const char *sheet1, const char *sheet2, const char *sst,
                            const char *styles, int date1904, size_t *len)
{
    struct xb_part parts[] = {
        {"[Content_Types].xml", xb_content_types, 0},
        {"_rels/.rels", xb_root_rels, 0},
        {"xl/workbook.xml", xb_workbook(date1904), 0},
        {"xl/_rels/workbook.xml.rels", xb_book_rels, 0},
        {"xl/styles.xml", styles, 0},
        {"xl/sharedStrings.xml", sst, 0},
        {"xl/worksheets/sheet1.xml", sheet1, 0},
        {"xl/worksheets/sheet2.xml", sheet2, 0},
    };

    return xb_zip(parts, sizeof(parts) / sizeof(parts[0]), len);
}

#endif

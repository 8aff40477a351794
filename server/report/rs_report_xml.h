/*
 * rs_report_xml.h - UTF-8 text written into XML and HTML, and the one
 * fixed time the office formats carry.  Private to server/report/: the
 * Word skin and package (rs_render_docx.c, rs_report_docx.c), the
 * workbook (rs_report_xlsx.c), the HTML skin, charts and page
 * (rs_render_html.c, rs_render_svg.c, rs_report_html.c) call it; it calls
 * only the buffer (rs_report_buf.h).
 *
 * Does not: define anything callers outside the report should use, or
 * parse XML.
 */
#ifndef RS_REPORT_XML_H
#define RS_REPORT_XML_H

#include <stddef.h>

#include "rs_report_buf.h"

/* The time every office file says it was made (documents properties and
 * zip entries): 1980-01-01 00:00:00 UTC, the first time a zip entry can
 * hold, so the same result always gives the same bytes. */
#define RS_REPORT_EPOCH_W3C "1980-01-01T00:00:00Z"
#define RS_REPORT_EPOCH_UNIX 315532800
#define RS_REPORT_EPOCH_DOSDATE 0x0021   /* 1980-01-01 */
#define RS_REPORT_EPOCH_DOSTIME 0x0000   /* 00:00:00 */

/*
 * Appends s[0..n) as XML character data, safe in element content and in
 * an attribute value in double quotes: & < > " ' become references, a tab
 * or line break is kept, and anything XML 1.0 cannot hold is dropped (bytes
 * that are not well-formed UTF-8, C0 controls, U+FFFE and U+FFFF), so the
 * output is always well-formed whatever a record contains.
 */
void rs_xml_textn(struct rs_rbuf *b, const char *s, size_t n);

/* rs_xml_textn of the NUL-terminated s (NULL appends nothing). */
void rs_xml_text(struct rs_rbuf *b, const char *s);

/* Appends the NUL-terminated s (NULL appends nothing) with what XML 1.0
 * cannot hold dropped, as rs_xml_textn does, but nothing escaped: for a
 * library that escapes text itself (libxlsxwriter). */
void rs_xml_plain(struct rs_rbuf *b, const char *s);

#endif

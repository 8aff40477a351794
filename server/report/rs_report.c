/*
 * rs_report.c - renders an evaluation result in the format asked for.
 *
 * See rs_report.h.  One buffer (rs_report_buf.h) is started here and
 * handed to the format's writer (rs_report_fmt.h); whatever failed while
 * writing sticks in the buffer and is returned once at the end, so a
 * report is either whole or not returned at all.  A report that would not
 * fit in a reply (RS_MAX_REPORT_BYTES) is RS_ETOOBIG here, so the server
 * answers ERR_TOO_BIG instead of failing to send it.
 *
 * Does not: write any format itself, read the store (rs_report_build.c),
 * or compute anything (rs_eval.h).
 */
#include "rs_report.h"

#include <stdlib.h>

#include "rs_render_skin.h"
#include "rs_report_buf.h"
#include "rs_report_fmt.h"
#include "rs_wire.h"

rs_status rs_report_render(const struct rs_eval_result *res, Rs__ReportFormat format, char **out,
                           size_t *outlen)
{
    struct rs_rbuf b = {NULL, 0, 0, RS_OK};

    *out = NULL;
    *outlen = 0;
    switch (format) {
    case RS__REPORT_FORMAT__FMT_UNSPECIFIED:
    case RS__REPORT_FORMAT__FMT_MARKDOWN:
        rs_render_doc(res, &rs_render_skin_md, NULL, &b);
        break;
    case RS__REPORT_FORMAT__FMT_TEXT:
        rs_render_doc(res, &rs_render_skin_text, NULL, &b);
        break;
    case RS__REPORT_FORMAT__FMT_JSON:
        rs_report_json(res, &b);
        break;
    case RS__REPORT_FORMAT__FMT_CSV:
        rs_report_csv(res, &b);
        break;
    case RS__REPORT_FORMAT__FMT_DOCX:
        rs_report_docx(res, &b);
        break;
    case RS__REPORT_FORMAT__FMT_XLSX:
        rs_report_xlsx(res, &b);
        break;
    case RS__REPORT_FORMAT__FMT_HTML:
        rs_report_html(res, &b);
        break;
    default:
        return RS_EINVAL;
    }
    rs_rbuf_add(&b, "", 0);
    if (!b.err && b.len > RS_MAX_REPORT_BYTES)
        b.err = RS_ETOOBIG;
    if (b.err) {
        free(b.p);
        return b.err;
    }
    *out = b.p;
    *outlen = b.len;
    return RS_OK;
}

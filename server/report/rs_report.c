/*
 * rs_report.c - renders an evaluation result (with the reporting year's
 * parts) or a completeness board in the format asked for.
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

/* Ends b: whole and small enough for a reply (RS_MAX_REPORT_BYTES), or
 * nothing. */
static rs_status finish(struct rs_rbuf *b, char **out, size_t *outlen)
{
    rs_rbuf_add(b, "", 0);
    if (!b->err && b->len > RS_MAX_REPORT_BYTES)
        b->err = RS_ETOOBIG;
    if (b->err) {
        free(b->p);
        return b->err;
    }
    *out = b->p;
    *outlen = b->len;
    return RS_OK;
}

rs_status rs_report_render(const struct rs_eval_result *res, Rs__ReportFormat format, char **out,
                           size_t *outlen)
{
    return rs_report_render_ex(res, NULL, format, out, outlen);
}

rs_status rs_report_render_ex(const struct rs_eval_result *res, const struct rs_report_extra *x,
                              Rs__ReportFormat format, char **out, size_t *outlen)
{
    struct rs_rbuf b = {NULL, 0, 0, RS_OK};

    *out = NULL;
    *outlen = 0;
    switch (format) {
    case RS__REPORT_FORMAT__FMT_UNSPECIFIED:
    case RS__REPORT_FORMAT__FMT_MARKDOWN:
        rs_render_doc(res, x, &rs_render_skin_md, NULL, &b);
        break;
    case RS__REPORT_FORMAT__FMT_TEXT:
        rs_render_doc(res, x, &rs_render_skin_text, NULL, &b);
        break;
    case RS__REPORT_FORMAT__FMT_JSON:
        rs_report_json(res, x, &b);
        break;
    case RS__REPORT_FORMAT__FMT_CSV:
        rs_report_csv(res, x, &b);
        break;
    case RS__REPORT_FORMAT__FMT_DOCX:
        rs_report_docx(res, x, &b);
        break;
    case RS__REPORT_FORMAT__FMT_XLSX:
        rs_report_xlsx(res, &b);
        break;
    case RS__REPORT_FORMAT__FMT_HTML:
        rs_report_html(res, x, &b);
        break;
    default:
        return RS_EINVAL;
    }
    return finish(&b, out, outlen);
}

rs_status rs_report_render_board(const struct rs_compl_board *board, Rs__ReportFormat format,
                                 char **out, size_t *outlen)
{
    struct rs_rbuf b = {NULL, 0, 0, RS_OK};

    *out = NULL;
    *outlen = 0;
    switch (format) {
    case RS__REPORT_FORMAT__FMT_UNSPECIFIED:
    case RS__REPORT_FORMAT__FMT_MARKDOWN:
        rs_render_board_doc(board, &rs_render_skin_md, &b);
        break;
    case RS__REPORT_FORMAT__FMT_TEXT:
        rs_render_board_doc(board, &rs_render_skin_text, &b);
        break;
    case RS__REPORT_FORMAT__FMT_JSON:
        rs_report_json_board(board, &b);
        break;
    case RS__REPORT_FORMAT__FMT_CSV:
        rs_report_csv_board(board, &b);
        break;
    default:
        return RS_EINVAL;
    }
    return finish(&b, out, outlen);
}

/*
 * rs_report.h - the drafted self-evaluation report (自评报告) and its
 * machine-readable twins, rendered from an evaluation result.
 *
 * rs_report_render turns a result of rs_eval_run (rs_eval.h) into one of
 * seven formats:
 *   MARKDOWN, TEXT  the report in Chinese, in the seed's section order
 *                   (一、单位基本情况 ... 十、其他需要说明的情况): every figure
 *                   from the records, money as 万元 with two decimals, the
 *                   评分表, the per-township breakdown, the consistency
 *                   findings and a drafted 存在的问题.
 *   DOCX            the same document as a Word package (OOXML): heading
 *                   styles, 仿宋/宋体 fonts, A4, page numbers, real tables.
 *   HTML            the same document as one self-contained web page, with
 *                   charts drawn as inline SVG and the findings marked where
 *                   they apply; it prints on A4.
 *   XLSX            an Excel workbook of the figures: the 评分表, the
 *                   budget lines, the per-township breakdown, every formula
 *                   and the findings, one sheet each, with number formats.
 *   JSON            the same numbers: money as integer fen and a "wan"
 *                   string, rates as num/den and a rendered percentage,
 *                   scores as integer milli-points.
 *   CSV             the same numbers, one per row:
 *                   section,key,division,metric,value.
 * A township-scope result (the evaluation of one division) renders only
 * its own township's breakdown and the findings on its own records: no
 * unit finance, no score.  The reporting year adds its parts (struct
 * rs_report_extra): a completeness annex, the issue of a closed year, the
 * accepted-only basis.  rs_report_build.h builds a report from the store.
 * The same result always renders to the same bytes (the office formats
 * carry a fixed time, rs_report_xml.h).
 *
 * Rounding happens here and only here: money to 0.01万元 half away from
 * zero (rs_money_wan), rates to 0.01% half away from zero.  Scores are
 * shown exactly (milli-points, trailing zeros dropped).  The workbook's
 * cells hold the exact figures as Excel numbers and round only in their
 * number formats.
 *
 * Does not: read the store, talk to clients, or change the result; it
 * writes no file but the workbook's temporary one (rs_report_xlsx.c),
 * which it removes.
 */
#ifndef RS_REPORT_H
#define RS_REPORT_H

#include <stddef.h>

#include "resettle.pb-c.h"
#include "rs_compl.h"
#include "rs_eval.h"
#include "rs_status.h"

/* Cap on every buffer a format writes into (the document's text, a
 * package's XML parts).  The report itself must also fit in a reply:
 * RS_MAX_REPORT_BYTES (rs_wire.h). */
#define RS_REPORT_MAX_BYTES (16u << 20)

/* One issue of a closed year's report, as the report names it. */
struct rs_report_issue {
    uint32_t issue;              /* 1, 2, ... */
    uint32_t issued_on;          /* YYYYMMDD, China Standard Time */
    const char *by;              /* the issuing office's name */
    const char *reason;          /* why it was re-issued; "" for the first issue */
};

/*
 * What a report shows besides the evaluation: the reporting year's parts.
 * Each is optional; with all of them absent (or x NULL) the report is the
 * evaluation's alone, byte for byte.
 *   board          the completeness annex (a schedule exists): in the
 *                  document an annex 附件 报送完整性 (a township-scope
 *                  document: its section 四), in JSON "completeness", in CSV
 *                  rows of section "completeness".
 *   issues         the report is an issue of a closed year: issues[nissues
 *                  - 1] is this one, the others came before; the document
 *                  says when it was issued and, for a re-issue, when the
 *                  first was and why it was re-issued; JSON "issue" and
 *                  CSV rows of section "issue" say the same.
 *   accepted_only  township records were counted only once accepted: the
 *                  document says so, JSON "accepted_only": true, a CSV meta
 *                  row.
 */
struct rs_report_extra {
    const struct rs_compl_board *board;
    const struct rs_report_issue *issues;
    size_t nissues;
    bool accepted_only;
};

/*
 * Renders an evaluation result (rs_eval_run) in `format` (UNSPECIFIED
 * means MARKDOWN).  The result's is_township decides the township-only
 * form.  On RS_OK *out is a malloc'd buffer of *outlen bytes followed by a
 * NUL (not counted) that the caller frees: UTF-8 text, or for DOCX and
 * XLSX a zip package (binary).  RS_ENOMEM; RS_ETOOBIG past
 * RS_REPORT_MAX_BYTES while writing or past RS_MAX_REPORT_BYTES at the
 * end; RS_EINVAL for an unknown format; RS_EIO if the workbook's temporary
 * file cannot be written (XLSX); RS_EINTERNAL if the zip library fails
 * (DOCX); on failure *out is NULL.  Any thread; no state is shared between
 * calls.
 */
RS_NODISCARD rs_status rs_report_render(const struct rs_eval_result *res, Rs__ReportFormat format,
                                        char **out, size_t *outlen);

/* rs_report_render with the reporting year's parts x (may be NULL). */
RS_NODISCARD rs_status rs_report_render_ex(const struct rs_eval_result *res,
                                           const struct rs_report_extra *x,
                                           Rs__ReportFormat format, char **out, size_t *outlen);

/*
 * Renders a completeness board on its own (`resettle completeness`): in
 * Markdown or text a document 报送完整性 with the schedule, the board
 * (township x type, each period's state) and the rates; JSON and CSV as in
 * a report's annex.  Output and statuses as rs_report_render.  Pure.
 */
RS_NODISCARD rs_status rs_report_render_board(const struct rs_compl_board *board,
                                              Rs__ReportFormat format, char **out,
                                              size_t *outlen);

#endif

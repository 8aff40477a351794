/*
 * rs_render_svg.h - the HTML page's charts, drawn as inline SVG from an
 * evaluation result.  Private to server/report/: the HTML skin
 * (rs_render_html.c) calls it where the document has room for a chart; it
 * calls only the buffer, the XML text helpers and the evaluation's display
 * helpers.
 *
 * Does not: define anything callers outside the report should use.
 */
#ifndef RS_RENDER_SVG_H
#define RS_RENDER_SVG_H

#include "rs_eval.h"
#include "rs_render_skin.h"
#include "rs_report_buf.h"

/*
 * Writes chart c of res into b as <figure class="chart" id="chart-<name>"
 * data-chart="<name>"> with a caption and one <svg>, whose data marks are
 * <rect class="mark"> each with a <title>:
 *   RS_CHART_DIMENSIONS  "dimensions": each dimension's score against its
 *                        points
 *   RS_CHART_BUDGET      "budget": each budget line's year-start, adjusted
 *                        and final amounts (万元)
 *   RS_CHART_TOWNS       three figures, "town-projects" (planned against
 *                        completed investment), "town-relief" (relief
 *                        funds and households) and "town-subsidy" (direct
 *                        subsidy due against paid), one bar per township
 * Nothing is written for a chart with nothing to show (no dimension, no
 * budget line, no township).  Geometry is integer arithmetic on the exact
 * figures (fen, milli-points); labels are rounded for display only.
 */
void rs_render_svg_chart(struct rs_rbuf *b, const struct rs_eval_result *res,
                         enum rs_render_chart c);

#endif

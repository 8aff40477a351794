/*
 * rs_render_svg.c - the HTML page's charts as inline SVG.
 *
 * See rs_render_svg.h.  Every chart is a horizontal bar chart: one row per
 * dimension, budget line or township, its label on the left and its
 * figures on the right.  Two series of one row either overlap (a light bar
 * for what is possible or due, a dark one for what was reached or paid) or
 * stand one under the other (the three amounts of a budget line).  Bars
 * share one scale per chart, the largest figure taking the full width;
 * lengths are computed in integers from the exact figures, a negative
 * figure draws no bar.  Colours come from the page's style sheet through
 * the classes base, s0, s1 and s2.
 *
 * Does not: compute figures (rs_eval.h), or write the page (rs_report_html.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rs_render_svg.h"
#include "rs_report_xml.h"
#include "rs_util.h"

#define WIDTH 760
#define LABEL_W 150       /* label column; bars start here */
#define VALUE_W 250       /* room for the value text after the longest bar */
#define BAR_W (WIDTH - LABEL_W - VALUE_W)
#define MAX_SERIES 3
#define MAX_ROWS 64       /* townships drawn; the tables list every one */

struct series {
    const char *name;
    const char *cls;      /* "base" (light, behind) or "s0".."s2" */
};

struct row {
    const char *label;
    int64_t v[MAX_SERIES];
    bool absent[MAX_SERIES];   /* a figure not given: no bar, its <title> reads 未填报 */
    char text[160];       /* the value shown after the bars */
};

struct chart {
    const char *id, *caption;
    const struct series *s;
    size_t ns;
    bool overlay;         /* series drawn over each other; else one under another */
    void (*fmt)(int64_t v, char out[32]);   /* a figure in a <title> */
    const char *unit;     /* after a figure in a <title> */
};

static void fmt_wan(int64_t fen, char out[32])
{
    rs_money_wan(fen, out);
}

static void fmt_milli(int64_t m, char out[32])
{
    rs_milli_format(m, out);
}

/* Bar length of v on a scale whose largest figure is max (> 0). */
static int64_t len_of(int64_t v, int64_t max)
{
    if (v <= 0 || max <= 0)
        return 0;
    return (int64_t)((__int128)v * BAR_W / max);
}

static void bars(struct rs_rbuf *b, const struct chart *c, const struct row *r, size_t nr)
{
    int64_t max = 0;
    int row_h = c->overlay ? 30 : 14 * (int)c->ns + 10, bar_h = c->overlay ? 18 : 12;
    int top = 8, h = top + row_h * (int)nr + 34;

    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < c->ns; k++)
            max = !r[i].absent[k] && r[i].v[k] > max ? r[i].v[k] : max;
    rs_rbuf_printf(b, "<figure class=\"chart\" id=\"chart-%s\" data-chart=\"%s\">"
                      "<figcaption>", c->id, c->id);
    rs_xml_text(b, c->caption);
    rs_rbuf_printf(b, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
                   WIDTH, h);
    rs_xml_text(b, c->caption);
    rs_rbuf_puts(b, "\">\n");
    for (size_t i = 0; i < nr; i++) {
        int y = top + row_h * (int)i;
        int64_t end = 0;

        rs_rbuf_printf(b, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
                       LABEL_W - 8, y + row_h / 2 + 4);
        rs_xml_text(b, r[i].label);
        rs_rbuf_puts(b, "</text>\n");
        for (size_t k = 0; k < c->ns; k++) {
            int by = c->overlay ? y + (row_h - bar_h) / 2 : y + 5 + 14 * (int)k;
            int64_t w = r[i].absent[k] ? 0 : len_of(r[i].v[k], max);
            char v[32];

            if (r[i].absent[k])
                snprintf(v, sizeof v, "未填报");
            else
                c->fmt(r[i].v[k], v);
            end = w > end ? w : end;
            rs_rbuf_printf(b, "<rect class=\"mark %s\" x=\"%d\" y=\"%d\" width=\"%" PRId64
                              "\" height=\"%d\"><title>",
                           c->s[k].cls, LABEL_W, by, w, bar_h);
            rs_xml_text(b, r[i].label);
            rs_rbuf_puts(b, " ");
            rs_xml_text(b, c->s[k].name);
            rs_rbuf_puts(b, "：");
            rs_xml_text(b, v);
            if (!r[i].absent[k])
                rs_xml_text(b, c->unit);
            rs_rbuf_puts(b, "</title></rect>\n");
        }
        rs_rbuf_printf(b, "<text class=\"value\" x=\"%" PRId64 "\" y=\"%d\">", LABEL_W + end + 6,
                       y + row_h / 2 + 4);
        rs_xml_text(b, r[i].text);
        rs_rbuf_puts(b, "</text>\n");
    }
    rs_rbuf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LABEL_W,
                   top - 2, LABEL_W, top + row_h * (int)nr + 2);
    for (size_t k = 0, x = LABEL_W; k < c->ns; k++) {
        int ly = top + row_h * (int)nr + 14;

        rs_rbuf_printf(b, "<rect class=\"key %s\" x=\"%zu\" y=\"%d\" width=\"12\" height=\"12\"/>"
                          "<text class=\"legend\" x=\"%zu\" y=\"%d\">",
                       c->s[k].cls, x, ly, x + 16, ly + 10);
        rs_xml_text(b, c->s[k].name);
        rs_rbuf_puts(b, "</text>\n");
        x += 16 + 14 * rs_utf8_len(c->s[k].name, strlen(c->s[k].name)) + 20;
    }
    rs_rbuf_puts(b, "</svg></figure>\n");
}

static void dimensions(struct rs_rbuf *b, const struct rs_eval_result *res)
{
    static const struct series s[] = {{"分值", "base"}, {"得分", "s0"}};
    const struct chart c = {"dimensions", "各方面得分与分值（分）", s, 2, true, fmt_milli, "分"};
    struct row r[RS_FW_MAX_DIMENSIONS] = {{0}};
    size_t n = res->fw->ndims < RS_FW_MAX_DIMENSIONS ? res->fw->ndims : RS_FW_MAX_DIMENSIONS;

    if (n == 0)
        return;
    for (size_t k = 0; k < n; k++) {
        char a[32], p[32];

        r[k].label = res->fw->dims[k].name;
        r[k].v[0] = res->fw->dims[k].points_milli;
        r[k].v[1] = res->dim_score_milli[k];
        rs_milli_format(r[k].v[1], a);
        rs_milli_format(r[k].v[0], p);
        snprintf(r[k].text, sizeof r[k].text, "%s / %s分", a, p);
    }
    bars(b, &c, r, n);
}

/* An amount in 万元, or 未填报. */
static void amt_wan(struct rs_eval_amt a, char out[32])
{
    if (a.has)
        rs_money_wan(a.v, out);
    else
        snprintf(out, 32, "未填报");
}

static void budget(struct rs_rbuf *b, const struct rs_eval_result *res)
{
    static const struct series s[] = {{"年初预算", "s1"}, {"调整后预算", "s2"}, {"决算", "s0"}};
    const struct chart c = {"budget", "各预算行：年初预算、调整后预算与决算（万元）", s, 3, false,
                            fmt_wan, "万元"};
    struct row r[RS_EVAL_NLINES] = {{0}};
    size_t n = 0;

    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        const struct rs_eval_line *l = &res->unit.line[k];
        /* The evaluation reads an adjusted budget not given as the year-start
         * one; the chart shows only what was entered. */
        struct rs_eval_amt adj = {l->adjusted.v, l->adjusted.has && l->adjusted_given};
        char a[32], p[32], f[32];

        /* The 合计 line only for a unit that gives no parts. */
        if (!l->rec || (k == RS_EVAL_LINE_TOTAL && res->unit.nlines))
            continue;
        r[n].label = rs_eval_line_name(k);
        /* A figure not given has no bar and reads 未填报, never 0. */
        r[n].v[0] = l->year_start.v;
        r[n].v[1] = adj.v;
        r[n].v[2] = l->final.v;
        r[n].absent[0] = !l->year_start.has;
        r[n].absent[1] = !adj.has;
        r[n].absent[2] = !l->final.has;
        amt_wan(l->year_start, a);
        amt_wan(adj, p);
        amt_wan(l->final, f);
        snprintf(r[n].text, sizeof r[n].text, "%s / %s / %s", a, p, f);
        n++;
    }
    if (n)
        bars(b, &c, r, n);
}

static void towns(struct rs_rbuf *b, const struct rs_eval_result *res)
{
    static const struct series sp[] = {{"计划投资", "base"}, {"完成投资", "s0"}};
    static const struct series sr[] = {{"救助资金", "s2"}};
    static const struct series ss[] = {{"应发", "base"}, {"实发", "s1"}};
    const struct chart cp = {"town-projects", "分乡镇（街道）后扶项目：计划投资与完成投资（万元）",
                             sp, 2, true, fmt_wan, "万元"};
    const struct chart cr = {"town-relief", "分乡镇（街道）救助资金（万元）与受益户数", sr, 1, true,
                             fmt_wan, "万元"};
    const struct chart cs = {"town-subsidy", "分乡镇（街道）直补资金：应发与实发（万元）", ss, 2,
                             true, fmt_wan, "万元"};
    struct row r[MAX_ROWS] = {{0}};
    size_t n = res->ntowns < MAX_ROWS ? res->ntowns : MAX_ROWS;
    char x[32], y[32];

    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const struct rs_eval_town *t = &res->towns[i];

        r[i].label = t->name;
        r[i].v[0] = t->proj_planned_fen;
        r[i].v[1] = t->proj_completed_fen;
        rs_money_wan(t->proj_completed_fen, x);
        snprintf(r[i].text, sizeof r[i].text, "%s万元（%u个项目）", x, t->proj_n);
    }
    bars(b, &cp, r, n);
    for (size_t i = 0; i < n; i++) {
        const struct rs_eval_town *t = &res->towns[i];

        r[i].v[0] = t->rl_fen;
        rs_money_wan(t->rl_fen, x);
        snprintf(r[i].text, sizeof r[i].text, "%s万元（%u户）", x, t->rl_households);
    }
    bars(b, &cr, r, n);
    for (size_t i = 0; i < n; i++) {
        const struct rs_eval_town *t = &res->towns[i];

        r[i].v[0] = t->sub_due_fen;
        r[i].v[1] = t->sub_paid_fen;
        rs_money_wan(t->sub_due_fen, x);
        rs_money_wan(t->sub_paid_fen, y);
        snprintf(r[i].text, sizeof r[i].text, "实发%s / 应发%s万元（%u笔）", y, x, t->sub_n);
    }
    bars(b, &cs, r, n);
}

void rs_render_svg_chart(struct rs_rbuf *b, const struct rs_eval_result *res,
                         enum rs_render_chart c)
{
    switch (c) {
    case RS_CHART_DIMENSIONS:
        dimensions(b, res);
        break;
    case RS_CHART_BUDGET:
        budget(b, res);
        break;
    case RS_CHART_TOWNS:
        towns(b, res);
        break;
    }
}

/*
 * golden_formats.h - the golden test's checks of the office formats: the
 * Word document, the Excel workbook and the web page of the seed year,
 * each read back and held against the JSON report of the same records
 * (cJSON) and the Markdown one.
 *
 *   gf_docx   the package's parts and fixed times, the styles (Heading 1-3
 *             with their Chinese names, 仿宋_GB2312 body, Times New Roman),
 *             A4 and the page number in the footer; the outline (title and
 *             every 一、/（一）/1. heading, in the Markdown's order, as Word
 *             heading styles); the 评分表, budget and findings tables as real
 *             tables whose header rows repeat, every indicator's score, the
 *             total, the grade, every budget line, every finding
 *   gf_xlsx   the five sheets with frozen header rows and column widths;
 *             every indicator's score, the total and the grade, every budget
 *             line in exact fen with the 0.00 format, rates with 0.00%, every
 *             township's completed investment, every formula, every finding
 *   gf_html   one self-contained page (a policy that forbids every fetch, no
 *             script, no external reference), the five charts with marks,
 *             every section, every finding's row and the stated figures
 *             marked in the text, the total and the grade
 * Both read the packages with ooxml_read.h.  Money is compared in fen and
 * scores in milli-points, exactly: a decimal the writer put in a cell is
 * parsed digit by digit, never through a float.
 *
 * Does not: start processes (itest_golden.c fetches the files), or look at
 * layout (the browser and LibreOffice tests do, tests/formats/).
 */
#ifndef GOLDEN_FORMATS_H
#define GOLDEN_FORMATS_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ooxml_read.h"

/* ------------------------------------------------------------ helpers */

static const cJSON *gf_get(const cJSON *o, const char *path)
{
    char buf[256], *save = NULL, *key;

    snprintf(buf, sizeof buf, "%s", path);
    for (key = strtok_r(buf, ".", &save); key && o; key = strtok_r(NULL, ".", &save))
        o = cJSON_GetObjectItemCaseSensitive(o, key);
    return o;
}

static const char *gf_str(const cJSON *o, const char *path)
{
    const cJSON *v = gf_get(o, path);

    return cJSON_IsString(v) ? v->valuestring : "(missing)";
}

static long long gf_int(const cJSON *o, const char *path)
{
    const cJSON *v = gf_get(o, path);

    assert_true(cJSON_IsNumber(v));
    return (long long)v->valuedouble;
}

/* The decimal text s as an integer of `scale` decimals (s = "58.82685",
 * scale 6: 58826850); false if s has more decimals or is not a number. */
static bool gf_decimal(const char *s, int scale, long long *out)
{
    long long v = 0;
    int dec = -1;
    bool neg = *s == '-';

    s += neg;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s == '.' && dec < 0) {
            dec = 0;
            continue;
        }
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
        if (dec >= 0 && ++dec > scale)
            return false;
    }
    for (int k = dec < 0 ? 0 : dec; k < scale; k++)
        v *= 10;
    *out = neg ? -v : v;
    return true;
}

/* The Markdown's headings, "#"-level and text, in order. */
struct gf_heading {
    int level;
    char text[256];
};

static size_t gf_md_headings(const char *md, struct gf_heading *h, size_t max)
{
    size_t n = 0;

    for (const char *p = md; *p && n < max;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int level = 0;

        while (level < (int)len && p[level] == '#')
            level++;
        if (level && level < (int)len && p[level] == ' ') {
            h[n].level = level;
            snprintf(h[n].text, sizeof h[n].text, "%.*s", (int)(len - (size_t)level - 1),
                     p + level + 1);
            n++;
        }
        p = e ? e + 1 : p + len;
    }
    return n;
}

/* ------------------------------------------------------------ Word */

static void gf_docx_package(const char *z, size_t n)
{
    size_t len;
    char *ct = ox_part(z, n, "[Content_Types].xml", &len);
    char *core = ox_part(z, n, "docProps/core.xml", &len);
    char *styles = ox_part(z, n, "word/styles.xml", &len);
    char *footer = ox_part(z, n, "word/footer1.xml", &len);
    char *fonts = ox_part(z, n, "word/fontTable.xml", &len);
    char *doc = ox_part(z, n, "word/document.xml", &len);

    assert_non_null(ct);
    assert_non_null(core);
    assert_non_null(styles);
    assert_non_null(footer);
    assert_non_null(fonts);
    assert_non_null(doc);
    assert_non_null(strstr(ct, "wordprocessingml.document.main+xml"));
    assert_non_null(strstr(core, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">"
                                 "1980-01-01T00:00:00Z</dcterms:created>"));
    assert_non_null(strstr(core, "整体支出绩效自评报告</dc:title>"));
    /* Word's own heading styles, named in Chinese too. */
    for (int k = 1; k <= 3; k++) {
        char want[160];

        snprintf(want, sizeof want,
                 "w:styleId=\"Heading%d\"><w:name w:val=\"heading %d\"/>"
                 "<w:aliases w:val=\"标题 %d\"/>",
                 k, k, k);
        assert_non_null(strstr(styles, want));
        snprintf(want, sizeof want, "<w:outlineLvl w:val=\"%d\"/>", k - 1);
        assert_non_null(strstr(styles, want));
    }
    assert_non_null(strstr(styles, "<w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Times New Roman\" "
                                   "w:eastAsia=\"仿宋_GB2312\""));
    assert_non_null(strstr(fonts, "<w:font w:name=\"仿宋_GB2312\"><w:altName w:val=\"仿宋\"/>"));
    assert_non_null(strstr(fonts, "<w:font w:name=\"宋体\"><w:altName w:val=\"SimSun\"/>"));
    /* A4 with a page number in the footer. */
    assert_non_null(strstr(doc, "<w:pgSz w:w=\"11906\" w:h=\"16838\"/>"));
    assert_non_null(strstr(doc, "<w:footerReference w:type=\"default\" r:id=\"rId4\"/>"));
    assert_non_null(strstr(footer, "<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>"));
    free(ct);
    free(core);
    free(styles);
    free(footer);
    free(fonts);
    free(doc);
}

/* The title and every heading, in the Markdown's order and levels. */
static void gf_docx_outline(const struct ox_docx *d, const char *md)
{
    static const char *const style[] = {"", "Title", "Heading1", "Heading2", "Heading3"};
    struct gf_heading *h = calloc(512, sizeof *h);
    size_t nh, k = 0;

    assert_non_null(h);
    nh = gf_md_headings(md, h, 512);
    assert_true(nh > 20);
    for (size_t i = 0; i < d->np; i++) {
        const struct ox_para *p = &d->p[i];

        if (strcmp(p->style, "Title") && strncmp(p->style, "Heading", 7))
            continue;
        assert_true(k < nh);
        assert_true(h[k].level >= 1 && h[k].level <= 4);
        assert_string_equal(p->style, style[h[k].level]);
        assert_string_equal(p->text, h[k].text);
        k++;
    }
    assert_int_equal(k, nh);
    free(h);
}

static void gf_docx_tables(const struct ox_docx *d, const cJSON *json)
{
    const struct ox_table *score =
        ox_docx_table(d, "维度|指标|分值|目标值|实际值|得分|扣分原因");
    const struct ox_table *budget = ox_docx_table(
        d, "预算行|年初预算（万元）|调整后预算（万元）|决算（万元）|增减（万元）|上级转移支付（万元）");
    const struct ox_table *finds = ox_docx_table(d, "序号|级别|核查内容|记录为|所载/发现|位置");
    const cJSON *e;
    size_t r = 1;
    bool grade = false;
    char want[128];

    assert_non_null(score);
    assert_non_null(budget);
    assert_non_null(finds);
    assert_true(score->row[0].header && budget->row[0].header && finds->row[0].header);
    assert_false(score->row[1].header);
    cJSON_ArrayForEach(e, gf_get(json, "indicators"))
    {
        assert_true(r < score->nrows);
        assert_int_equal(score->row[r].ncells, 7);
        assert_string_equal(score->row[r].cell[1], gf_str(e, "name"));
        assert_string_equal(score->row[r].cell[2], gf_str(e, "points"));
        assert_string_equal(score->row[r].cell[5], gf_str(e, "score"));
        r++;
    }
    assert_int_equal(score->nrows, r + 1);
    assert_string_equal(score->row[r].cell[0], "合计");
    assert_string_equal(score->row[r].cell[5], gf_str(json, "total.score"));
    snprintf(want, sizeof want, "自评得分%s分，等级：%s", gf_str(json, "total.score"),
             gf_str(json, "total.grade"));
    for (size_t i = 0; i < d->np; i++)
        grade = grade || strstr(d->p[i].text, want);
    assert_true(grade);

    r = 1;
    cJSON_ArrayForEach(e, gf_get(json, "budget.lines"))
    {
        assert_true(r < budget->nrows);
        assert_string_equal(budget->row[r].cell[0], gf_str(e, "name"));
        assert_string_equal(budget->row[r].cell[1], gf_str(e, "year_start.wan"));
        assert_string_equal(budget->row[r].cell[2], gf_str(e, "adjusted.wan"));
        assert_string_equal(budget->row[r].cell[3], gf_str(e, "final.wan"));
        r++;
    }
    assert_string_equal(budget->row[r].cell[3], gf_str(json, "budget.total.final.wan"));

    assert_int_equal(finds->nrows, (size_t)cJSON_GetArraySize(gf_get(json, "findings")) + 1);
    r = 1;
    cJSON_ArrayForEach(e, gf_get(json, "findings"))
    {
        assert_string_equal(finds->row[r].cell[2], gf_str(e, "check"));
        assert_string_equal(finds->row[r].cell[3], gf_str(e, "expected"));
        r++;
    }
}

/* The Word document z[0..n) of the consolidated report. */
static void gf_docx(const char *z, size_t n, const cJSON *json, const char *md)
{
    size_t len = 0;
    char *xml = ox_part(z, n, "word/document.xml", &len);
    struct ox_docx d;

    assert_non_null(xml);
    gf_docx_package(z, n);
    assert_int_equal(ox_docx_read(xml, len, &d), 0);
    gf_docx_outline(&d, md);
    gf_docx_tables(&d, json);
    ox_docx_free(&d);
    free(xml);
}

/* ------------------------------------------------------------ Excel */

/* Cell (row, col) holds exactly `want` in units of `scale` decimals. */
static void gf_cell_exact(const struct ox_sheet *s, uint32_t row, uint32_t col, int scale,
                          long long want)
{
    const struct ox_cell *c = ox_cell(s, row, col);
    long long got = 0;

    assert_non_null(c);
    assert_false(c->is_string);
    if (!gf_decimal(c->value, scale, &got))
        fprintf(stderr, "%s row %u col %u: %s is not a decimal of %d places\n", s->name, row,
                col, c->value, scale);
    assert_true(gf_decimal(c->value, scale, &got));
    assert_int_equal(got, want);
}

static const char *gf_cell_text(const struct ox_sheet *s, uint32_t row, uint32_t col)
{
    const struct ox_cell *c = ox_cell(s, row, col);

    return c ? c->value : "";
}

static void gf_xlsx_scores(const struct ox_xlsx *x, const cJSON *json)
{
    const struct ox_sheet *s = ox_sheet(x, "评分表");
    const cJSON *e;
    uint32_t r = 1;

    assert_non_null(s);
    assert_string_equal(gf_cell_text(s, 0, 2), "指标");
    assert_string_equal(gf_cell_text(s, 0, 7), "得分");
    cJSON_ArrayForEach(e, gf_get(json, "indicators"))
    {
        const cJSON *pct = gf_get(e, "value.pct");

        assert_string_equal(gf_cell_text(s, r, 1), gf_str(e, "code"));
        assert_string_equal(gf_cell_text(s, r, 2), gf_str(e, "name"));
        gf_cell_exact(s, r, 4, 3, gf_int(e, "points_milli"));
        gf_cell_exact(s, r, 7, 3, gf_int(e, "score_milli"));
        if (strcmp(gf_str(e, "status"), "ok") != 0) {
            assert_string_equal(gf_cell_text(s, r, 6), "无法计算");
        } else if (cJSON_IsString(pct)) {
            const struct ox_cell *c = ox_cell(s, r, 6);
            double want = (double)gf_int(e, "value.num") / (double)gf_int(e, "value.den");

            assert_non_null(c);
            assert_false(c->is_string);
            assert_string_equal(ox_numfmt(x, c), "0.00%");
            assert_true(fabs(strtod(c->value, NULL) - want) < 1e-12);
        }
        r++;
    }
    assert_string_equal(gf_cell_text(s, r, 0), "合计");
    gf_cell_exact(s, r, 7, 3, gf_int(json, "total.score_milli"));
    assert_string_equal(gf_cell_text(s, r + 1, 0), "等级");
    assert_string_equal(gf_cell_text(s, r + 1, 7), gf_str(json, "total.grade"));
}

static void gf_xlsx_budget(const struct ox_xlsx *x, const cJSON *json)
{
    const struct ox_sheet *s = ox_sheet(x, "预算执行");
    const cJSON *e;
    uint32_t r = 1;

    assert_non_null(s);
    cJSON_ArrayForEach(e, gf_get(json, "budget.lines"))
    {
        static const char *const col[] = {NULL,           "year_start.fen", "addition.fen",
                                          "adjusted.fen", "final.fen",      NULL,
                                          "higher_transfer.fen", "prev_year_start.fen",
                                          "prev_final.fen"};

        assert_string_equal(gf_cell_text(s, r, 0), gf_str(e, "name"));
        /* A figure the JSON report gives is the same number; one it gives
         * as null is 未填, never 0. */
        for (uint32_t c = 1; c < sizeof col / sizeof col[0]; c++) {
            if (!col[c])
                continue;
            if (cJSON_IsNumber(gf_get(e, col[c])))
                gf_cell_exact(s, r, c, 6, gf_int(e, col[c]));
            else
                assert_string_equal(gf_cell_text(s, r, c), "未填");
        }
        assert_string_equal(ox_numfmt(x, ox_cell(s, r, 4)), "0.00");
        r++;
    }
    assert_string_equal(gf_cell_text(s, r, 0), "合计");
    gf_cell_exact(s, r, 3, 6, gf_int(json, "budget.total.adjusted.fen"));
    gf_cell_exact(s, r, 4, 6, gf_int(json, "budget.total.final.fen"));
    assert_string_equal(gf_cell_text(s, r + 1, 0), "预算执行率");
    assert_string_equal(ox_numfmt(x, ox_cell(s, r + 1, 4)), "0.00%");
}

static void gf_xlsx_rest(const struct ox_xlsx *x, const cJSON *json)
{
    const struct ox_sheet *t = ox_sheet(x, "分乡镇"), *f = ox_sheet(x, "公式"),
                          *k = ox_sheet(x, "核查发现");
    const cJSON *e;
    uint32_t r = 1;

    assert_non_null(t);
    assert_non_null(f);
    assert_non_null(k);
    cJSON_ArrayForEach(e, gf_get(json, "townships"))
    {
        long row = ox_find_row(t, 1, gf_str(e, "code"));

        assert_true(row > 0);
        assert_string_equal(gf_cell_text(t, (uint32_t)row, 0), gf_str(e, "name"));
        gf_cell_exact(t, (uint32_t)row, 5, 6, gf_int(e, "projects.completed_investment.fen"));
        gf_cell_exact(t, (uint32_t)row, 7, 0, gf_int(e, "relief.households"));
    }
    assert_true(ox_find_row(t, 0, "全区合计") > 0);
    gf_cell_exact(t, (uint32_t)ox_find_row(t, 0, "全区合计"), 5, 6,
                  gf_int(json, "district.projects.completed_investment.fen"));
    cJSON_ArrayForEach(e, gf_get(json, "formulas"))
        assert_true(ox_find_row(f, 0, gf_str(e, "formula")) > 0);
    cJSON_ArrayForEach(e, gf_get(json, "findings"))
    {
        gf_cell_exact(k, r, 0, 0, r);
        assert_string_equal(gf_cell_text(k, r, 2), gf_str(e, "code"));
        assert_string_equal(gf_cell_text(k, r, 4), gf_str(e, "check"));
        r++;
    }
    assert_int_equal(ox_rows(k), r);
}

/* The Excel workbook z[0..n) of the consolidated report. */
static void gf_xlsx(const char *z, size_t n, const cJSON *json)
{
    static const char *const sheets[] = {"评分表", "预算执行", "分乡镇", "公式", "核查发现"};
    struct ox_xlsx x;
    size_t len;
    char *core;

    assert_int_equal(ox_xlsx_read(z, n, &x), 0);
    assert_int_equal(x.ns, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(x.s[i].name, sheets[i]);
        assert_true(x.s[i].frozen_row);
        assert_true(x.s[i].has_cols);
    }
    gf_xlsx_scores(&x, json);
    gf_xlsx_budget(&x, json);
    gf_xlsx_rest(&x, json);
    core = ox_part(z, n, "docProps/core.xml", &len);
    assert_non_null(core);
    assert_non_null(strstr(core, ">1980-01-01T00:00:00Z</dcterms:created>"));
    free(core);
    ox_xlsx_free(&x);
}

/* ------------------------------------------------------------ HTML */

static size_t gf_count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The web page of the consolidated report. */
static void gf_html(const char *html, const cJSON *json)
{
    static const char *const charts[] = {"dimensions", "budget", "town-projects", "town-relief",
                                         "town-subsidy"};
    static const char *const sections[] = {"一、", "二、", "三、", "四、", "五、",
                                           "六、", "七、", "八、", "九、", "十、"};
    const cJSON *e;
    size_t i = 0, stated = 0;
    char want[256];

    assert_true(strncmp(html, "<!DOCTYPE html>\n<html lang=\"zh-CN\">", 35) == 0);
    assert_non_null(strstr(html, "<meta http-equiv=\"Content-Security-Policy\" "
                                 "content=\"default-src 'none';"));
    /* Nothing to fetch: no script, no link, no source, no url(). */
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, " src="));
    assert_null(strstr(html, "url("));
    assert_null(strstr(html, "@import"));
    assert_int_equal(gf_count(html, "https://"), 0);
    assert_int_equal(gf_count(html, "http://"),
                     gf_count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    for (size_t k = 0; k < sizeof charts / sizeof charts[0]; k++) {
        const char *c;

        snprintf(want, sizeof want, "<figure class=\"chart\" id=\"chart-%s\"", charts[k]);
        c = strstr(html, want);
        assert_non_null(c);
        assert_non_null(strstr(c, "<rect class=\"mark "));
        assert_true(strstr(c, "<rect class=\"mark ") < strstr(c, "</figure>"));
    }
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
        const char *sec, *h2;

        snprintf(want, sizeof want, "<section id=\"s%zu\"", k + 1);
        sec = strstr(html, want);
        assert_non_null(sec);
        snprintf(want, sizeof want, "<h2>%s", sections[k]);
        h2 = strstr(html, want);
        assert_non_null(h2);
        assert_true(h2 > sec && h2 - sec < 40);
    }
    cJSON_ArrayForEach(e, gf_get(json, "findings"))
    {
        snprintf(want, sizeof want, "<tr id=\"f%zu\" class=\"finding sev-%s\">", ++i,
                 gf_str(e, "severity"));
        assert_non_null(strstr(html, want));
        if (strncmp(gf_str(e, "code"), "stated.", 7) == 0) {
            snprintf(want, sizeof want, "<mark class=\"fig sev-%s\" id=\"f%zu-",
                     gf_str(e, "severity"), i);
            assert_non_null(strstr(html, want));
            stated++;
        }
    }
    assert_true(stated >= 5);
    snprintf(want, sizeof want, "自评得分%s分，等级为“%s”", gf_str(json, "total.score"),
             gf_str(json, "total.grade"));
    assert_non_null(strstr(html, want));
}

#endif

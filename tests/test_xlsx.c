/*
 * test_xlsx.c - tests for the xlsx reader (rs_xlsx.h): every cell type
 * (shared strings with rich and phonetic runs, inline strings, numbers as
 * Excel stores them, booleans, errors, ISO dates), dates and times by number
 * format in the 1900 and 1904 systems, percentages, formulas with and
 * without a cached value, sheets with gaps, hidden and chart sheets, the
 * shortest-decimal and serial conversions themselves, and hostile packages:
 * a zip bomb, huge shared strings, too many entries, cells, rows,
 * columns or merged ranges, missing parts, bad XML, a DTD, cells out of
 * order, a bad shared-string index; merged ranges over data rows (each
 * covered row a problem) and within or above the header (harmless).
 *
 * The workbooks are built in memory (xlsx_build.h); workbooks written by
 * LibreOffice are read in itest_libreoffice.c and by the fuzz target's seeds.
 *
 * Does not: test the template writer (test_xltpl.c) or the submit path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_xlsx.h"
#include "rs_xlsx_int.h"
#include "xlsx_build.h"

#define ERRLEN 512

struct book {
    char *data;
    size_t len;
    struct rs_xlsx *x;
    struct rs_xlsx_sheet *s;
};

static void book_free(struct book *b)
{
    rs_xlsx_sheet_close(b->s);
    rs_xlsx_close(b->x);
    free(b->data);
}

/* Opens a built workbook and its first sheet. */
static void book_open(struct book *b, const char *sheet1, int date1904)
{
    char err[ERRLEN] = "";

    b->data = xb_book(sheet1, "<worksheet " XB_NS "><sheetData/></worksheet>", xb_sst, xb_styles,
                      date1904, &b->len);
    assert_int_equal(rs_xlsx_open(b->data, b->len, NULL, &b->x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_open(b->x, 0, &b->s, err, sizeof(err)), RS_OK);
}

/* The next row is row with exactly the n cells given. */
static void expect_row(struct rs_xlsx_sheet *s, uint32_t row, size_t n, ...)
{
    struct rs_xlsx_row r;
    va_list ap;

    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_int_equal(r.row, row);
    assert_int_equal(r.ncells, n);
    assert_null(r.problem);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(r.cells[i], va_arg(ap, const char *));
    va_end(ap);
}

/* The next row has a problem in column col whose reason contains what. */
static void expect_problem(struct rs_xlsx_sheet *s, uint32_t row, uint32_t col,
                           const char *what)
{
    struct rs_xlsx_row r;

    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_int_equal(r.row, row);
    assert_non_null(r.problem);
    assert_int_equal(r.problem->col, col);
    assert_non_null(strstr(r.problem->reason, what));
}

static void expect_end(struct rs_xlsx_sheet *s)
{
    struct rs_xlsx_row r;

    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_ENOTFOUND);
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_ENOTFOUND);
}

#define SHEET(rows) "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet " XB_NS \
                    "><dimension ref=\"A1\"/><sheetData>" rows "</sheetData>" \
                    "<mergeCells count=\"0\"/></worksheet>"

/* ---------------------------------------------------------------- cells */

static void test_strings(void **state)
{
    struct book b = {0};

    (void)state;
    book_open(&b, SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v>"
                        "</c><c r=\"C1\" t=\"s\"><v>3</v></c></row>"
                        "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>P-1</t></is></c>"
                        "<c r=\"B2\" t=\"inlineStr\"><is><r><t>金鹗</t></r><r><t>村</t></r>"
                        "<rPh><t>jin</t></rPh></is></c>"
                        "<c r=\"C2\" t=\"str\"><v> 两边有空格 </v></c>"
                        "<c r=\"D2\" t=\"inlineStr\"><is><t>一_x000D__x000A_二_x005F_x0041_"
                        "_xD83D__xDE00_</t></is></c></row>"),
              0);
    assert_int_equal(rs_xlsx_nsheets(b.x), 2);     /* the chart sheet is not a worksheet */
    assert_string_equal(rs_xlsx_sheet_name(b.x, 0), "数据");
    assert_false(rs_xlsx_sheet_hidden(b.x, 0));
    assert_string_equal(rs_xlsx_sheet_name(b.x, 1), "备注");
    assert_true(rs_xlsx_sheet_hidden(b.x, 1));
    assert_null(rs_xlsx_sheet_name(b.x, 2));
    assert_int_equal(rs_xlsx_sheet_find(b.x, "备注"), 1);
    assert_int_equal(rs_xlsx_sheet_find(b.x, "图表"), -1);
    expect_row(b.s, 1, 3, "项目编号", "金额", "村");
    expect_row(b.s, 2, 4, "P-1", "金鹗村", " 两边有空格 ", "一\r\n二_x0041_\xF0\x9F\x98\x80");
    expect_end(b.s);
    book_free(&b);
}

static void test_numbers(void **state)
{
    struct book b = {0};

    (void)state;
    book_open(&b, SHEET("<row r=\"3\"><c r=\"A3\"><v>7.1641000000000005E2</v></c>"
                        "<c r=\"B3\" t=\"n\"><v>716.41000000000008</v></c>"
                        "<c r=\"C3\"><v>0.30000000000000004</v></c>"
                        "<c r=\"D3\"><v>1E-3</v></c><c r=\"E3\"><v>-12</v></c>"
                        "<c r=\"F3\"><v>1.5E+20</v></c><c r=\"G3\"><v>430602001</v></c>"
                        "<c r=\"H3\"><v>-0</v></c><c r=\"I3\"><v>158.93</v></c></row>"
                        "<row r=\"4\"><c r=\"A4\" s=\"2\"><v>0.85</v></c>"
                        "<c r=\"B4\" s=\"2\"><v>1</v></c><c r=\"C4\" s=\"2\"><v>0.125</v></c>"
                        "<c r=\"D4\" s=\"5\"><v>12</v></c><c r=\"E4\" t=\"b\"><v>1</v></c>"
                        "<c r=\"F4\" t=\"b\"><v>0</v></c></row>"),
              0);
    expect_row(b.s, 3, 9, "716.41", "716.41", "0.3", "0.001", "-12",
               "150000000000000000000", "430602001", "0", "158.93");
    expect_row(b.s, 4, 6, "85%", "100%", "12.5%", "12", "TRUE", "FALSE");
    expect_end(b.s);
    book_free(&b);
}

static void test_dates_1900(void **state)
{
    struct book b = {0};

    (void)state;
    book_open(&b, SHEET("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>45031</v></c>"
                        "<c r=\"B1\" s=\"3\"><v>45031</v></c>"
                        "<c r=\"C1\" s=\"1\"><v>45031.5</v></c>"
                        "<c r=\"D1\" s=\"4\"><v>1.25</v></c>"
                        "<c r=\"E1\" s=\"1\"><v>59</v></c><c r=\"F1\" s=\"1\"><v>61</v></c>"
                        "<c r=\"G1\" s=\"1\"><v>1</v></c>"
                        "<c r=\"H1\" t=\"d\"><v>2023-04-15T00:00:00</v>"
                        "</c><c r=\"I1\" t=\"d\"><v>2023-04-15T08:30:00</v></c></row>"
                        "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>60</v></c></row>"
                        "<row r=\"3\"><c r=\"B3\" s=\"1\"><v>-1</v></c></row>"
                        "<row r=\"4\"><c r=\"C4\" s=\"1\"><v>3000000</v></c></row>"),
              0);
    expect_row(b.s, 1, 9, "2023-04-15", "2023-04-15", "2023-04-15 12:00:00", "30:00:00",
               "1900-02-28", "1900-03-01", "1900-01-01", "2023-04-15", "2023-04-15T08:30:00");
    expect_problem(b.s, 2, 0, "日期序号 60 ");      /* Excel's 1900-02-29 */
    expect_problem(b.s, 3, 1, "日期序号 -1 ");
    expect_problem(b.s, 4, 2, "日期序号 3000000 ");
    expect_end(b.s);
    book_free(&b);
}

static void test_dates_1904(void **state)
{
    struct book b = {0};

    (void)state;
    book_open(&b, SHEET("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>43569</v></c>"
                        "<c r=\"B1\" s=\"1\"><v>0</v></c><c r=\"C1\" s=\"3\"><v>60</v></c></row>"),
              1);
    assert_true(rs_xlsx_date1904(b.x));
    expect_row(b.s, 1, 3, "2023-04-15", "1904-01-01", "1904-03-01");
    expect_end(b.s);
    book_free(&b);
}

static void test_formulas(void **state)
{
    struct book b = {0};

    (void)state;
    book_open(&b, SHEET("<row r=\"1\"><c r=\"A1\"><f>SUM(B1:C1)</f><v>3</v></c>"
                        "<c r=\"B1\" t=\"str\"><f>\"金\"&amp;\"额\"</f><v>金额</v></c>"
                        "<c r=\"C1\" s=\"1\"><f>DATE(2023,4,15)</f><v>45031</v></c>"
                        "<c r=\"D1\" t=\"b\"><f>TRUE()</f><v>1</v></c>"
                        "<c r=\"E1\" t=\"str\"><f>\"\"</f><v></v></c></row>"
                        "<row r=\"2\"><c r=\"A2\">1</c><c r=\"B2\"><f>A2*2</f></c></row>"
                        "<row r=\"3\"><c r=\"A3\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c></row>"
                        "<row r=\"4\"><c r=\"A4\" t=\"str\"><f t=\"shared\" si=\"0\"/></c></row>"
                        "<row r=\"5\"><c r=\"A5\"><v>abc</v></c></row>"
                        "<row r=\"6\"><c r=\"B6\" t=\"b\"><v>2</v></c></row>"
                        "<row r=\"7\"><c r=\"C7\" t=\"z\"><v>1</v></c></row>"),
              0);
    expect_row(b.s, 1, 4, "3", "金额", "2023-04-15", "TRUE");
    expect_problem(b.s, 2, 1, "公式没有保存计算结果");
    expect_problem(b.s, 3, 0, "单元格是错误值 #DIV/0!");
    expect_problem(b.s, 4, 0, "公式没有保存计算结果");
    expect_problem(b.s, 5, 0, "不是数字：“abc”");
    expect_problem(b.s, 6, 1, "不是逻辑值");
    expect_problem(b.s, 7, 2, "未知的单元格类型“z”");
    expect_end(b.s);
    book_free(&b);
}

static void test_gaps(void **state)
{
    struct book b = {0};

    (void)state;
    /* Empty rows, formatting-only cells, empty strings, cells without references. */
    book_open(&b, SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c>"
                        "<c r=\"C1\"><v>3</v></c><c r=\"F1\" s=\"1\"/></row>"
                        "<row r=\"2\"><c r=\"A2\" s=\"1\"/><c r=\"B2\" t=\"s\"><v>2</v></c></row>"
                        "<row r=\"5\"/>"
                        "<row r=\"7\" spans=\"1:3\"><c t=\"inlineStr\"><is><t>x</t></is></c>"
                        "<c><v>2</v></c><c r=\"E7\"><v>5</v></c><c><v>6</v></c></row>"
                        "<row><c r=\"B8\"><v>8</v></c></row>"),
              0);
    expect_row(b.s, 1, 3, "a", "", "3");
    expect_row(b.s, 7, 6, "x", "2", "", "", "5", "6");
    expect_row(b.s, 8, 2, "", "8");
    expect_end(b.s);
    book_free(&b);
}

static void test_hidden_sheet_and_names(void **state)
{
    char err[ERRLEN] = "";
    struct rs_xlsx *x = NULL;
    struct rs_xlsx_sheet *s = NULL;
    struct rs_xlsx_row r;
    size_t len;
    char *data = xb_book(SHEET(""), SHEET("<row r=\"2\"><c r=\"B2\"><v>1</v></c></row>"), NULL,
                         NULL, 0, &len);
    char name[16];

    (void)state;
    /* No styles and no shared strings: numbers are plain; the empty sheet has no rows. */
    assert_int_equal(rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_open(x, 0, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_ENOTFOUND);
    rs_xlsx_sheet_close(s);
    assert_int_equal(rs_xlsx_sheet_open(x, 1, &s, err, sizeof(err)), RS_OK);
    expect_row(s, 2, 2, "", "1");
    rs_xlsx_sheet_close(s);
    assert_int_equal(rs_xlsx_sheet_open(x, 2, &s, err, sizeof(err)), RS_ENOTFOUND);
    assert_null(s);
    rs_xlsx_close(x);
    free(data);
    rs_xlsx_cell_name(5, 6, name);
    assert_string_equal(name, "G5");
    rs_xlsx_cell_name(1048576, 16383, name);
    assert_string_equal(name, "XFD1048576");
    rs_xlsx_cell_name(1, 26, name);
    assert_string_equal(name, "AA1");
}

/* ---------------------------------------------------------------- value conversions */

static void expect_number(const char *v, bool pct, const char *want)
{
    char out[48];

    assert_int_equal(rs_xlsx_number_text(v, strlen(v), pct, out, sizeof(out)), RS_OK);
    assert_string_equal(out, want);
}

static void test_number_text(void **state)
{
    char out[48];

    (void)state;
    expect_number("7.1641000000000005E2", false, "716.41");
    expect_number("716.41", false, "716.41");
    expect_number("158.93", false, "158.93");
    expect_number("0.1", false, "0.1");
    expect_number(" 42 ", false, "42");
    expect_number("1e21", false, "1000000000000000000000");
    expect_number("123456789012345680000", false, "123456789012346000000");
    expect_number("0.000001234", false, "0.000001234");
    expect_number("2.5E-1", true, "25%");
    expect_number("0.0001", true, "0.01%");
    expect_number("-0.3", true, "-30%");
    expect_number("1E2", true, "10000%");
    expect_number("0", true, "0%");
    expect_number("99999999999999.99", false, "100000000000000");
    expect_number("99999999999999.9", false, "99999999999999.9");
    expect_number("123456789012.34", false, "123456789012.34");
    expect_number("0.30000000000000004", false, "0.3");
    expect_number("716.41000000000008", false, "716.41");
    expect_number("716.40999999999997", false, "716.41");
    expect_number("1.0000000000000002", false, "1");
    expect_number("12345678901234567", false, "12345678901234600");
    assert_int_equal(rs_xlsx_number_text("inf", 3, false, out, sizeof(out)), RS_EINVAL);
    assert_int_equal(rs_xlsx_number_text("nan", 3, false, out, sizeof(out)), RS_EINVAL);
    assert_int_equal(rs_xlsx_number_text("0x10", 4, false, out, sizeof(out)), RS_EINVAL);
    assert_int_equal(rs_xlsx_number_text("1e400", 5, false, out, sizeof(out)), RS_EINVAL);
    assert_int_equal(rs_xlsx_number_text("", 0, false, out, sizeof(out)), RS_EINVAL);
    assert_int_equal(rs_xlsx_number_text("1..2", 4, false, out, sizeof(out)), RS_EINVAL);
    assert_int_equal(rs_xlsx_number_text("5e-324", 6, false, out, sizeof(out)), RS_ETOOBIG);
    assert_int_equal(rs_xlsx_number_text("1e300", 5, false, out, sizeof(out)), RS_ETOOBIG);
    assert_int_equal(rs_xlsx_number_text("123", 3, false, out, 3), RS_ETOOBIG);
}

static void test_format_classes(void **state)
{
    (void)state;
    assert_int_equal(rs_xlsx_builtin_class(0), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_builtin_class(4), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_builtin_class(9), RS_XF_PERCENT);
    assert_int_equal(rs_xlsx_builtin_class(14), RS_XF_DATE);
    assert_int_equal(rs_xlsx_builtin_class(22), RS_XF_DATE);
    assert_int_equal(rs_xlsx_builtin_class(31), RS_XF_DATE);
    assert_int_equal(rs_xlsx_builtin_class(57), RS_XF_DATE);
    assert_int_equal(rs_xlsx_builtin_class(20), RS_XF_TIME);
    assert_int_equal(rs_xlsx_builtin_class(46), RS_XF_TIME);
    assert_int_equal(rs_xlsx_builtin_class(49), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_format_class("General"), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_format_class("#,##0.00_);[Red](#,##0.00)"), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_format_class("0.00E+00"), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_format_class("\"days\" 0"), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_format_class("@"), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_format_class("0.0%"), RS_XF_PERCENT);
    assert_int_equal(rs_xlsx_format_class("0\"%\""), RS_XF_PLAIN);
    assert_int_equal(rs_xlsx_format_class("yyyy\\-mm\\-dd"), RS_XF_DATE);
    assert_int_equal(rs_xlsx_format_class("yyyy\"年\"m\"月\"d\"日\""), RS_XF_DATE);
    assert_int_equal(rs_xlsx_format_class("[DBNum1][$-804]yyyy\"年\"m\"月\"d\"日\""),
                     RS_XF_DATE);
    assert_int_equal(rs_xlsx_format_class("[$-F800]dddd, mmmm dd, yyyy"), RS_XF_DATE);
    assert_int_equal(rs_xlsx_format_class("mmm"), RS_XF_DATE);
    assert_int_equal(rs_xlsx_format_class("h:mm:ss AM/PM"), RS_XF_TIME);
    assert_int_equal(rs_xlsx_format_class("[h]:mm"), RS_XF_TIME);
    assert_int_equal(rs_xlsx_format_class("[Red]0.00"), RS_XF_PLAIN);
}

static void test_refs_and_parts(void **state)
{
    char out[RS_XLSX_PART_MAX];
    uint32_t col, row;

    (void)state;
    assert_true(rs_xlsx_ref_parse("A1", &col, &row));
    assert_int_equal(col, 0);
    assert_int_equal(row, 1);
    assert_true(rs_xlsx_ref_parse("XFD1048576", &col, &row));
    assert_int_equal(col, 16383);
    assert_false(rs_xlsx_ref_parse("XFE1", &col, &row));
    assert_false(rs_xlsx_ref_parse("A0", &col, &row));
    assert_false(rs_xlsx_ref_parse("A1048577", &col, &row));
    assert_false(rs_xlsx_ref_parse("1A", &col, &row));
    assert_false(rs_xlsx_ref_parse("AAAA1", &col, &row));
    assert_false(rs_xlsx_ref_parse("A1:B2", &col, &row));
    assert_int_equal(rs_xlsx_part_resolve("xl/workbook.xml", "worksheets/sheet1.xml", out),
                     RS_OK);
    assert_string_equal(out, "xl/worksheets/sheet1.xml");
    assert_int_equal(rs_xlsx_part_resolve("xl/workbook.xml", "/xl/styles.xml", out), RS_OK);
    assert_string_equal(out, "xl/styles.xml");
    assert_int_equal(rs_xlsx_part_resolve("xl/workbook.xml", "./../xl/./a.xml", out), RS_OK);
    assert_string_equal(out, "xl/a.xml");
    assert_int_equal(rs_xlsx_part_resolve("xl/workbook.xml", "../../a.xml", out), RS_EINVAL);
    assert_int_equal(rs_xlsx_part_resolve("xl/workbook.xml", "", out), RS_EINVAL);
    assert_int_equal(rs_xlsx_part_resolve("xl/workbook.xml", "dir/", out), RS_EINVAL);
    assert_int_equal(rs_xlsx_rels_name("xl/workbook.xml", out), RS_OK);
    assert_string_equal(out, "xl/_rels/workbook.xml.rels");
    assert_int_equal(rs_xlsx_rels_name("a.xml", out), RS_OK);
    assert_string_equal(out, "_rels/a.xml.rels");
}

/* ---------------------------------------------------------------- hostile packages */

/* Opening fails with want and a message containing what. */
static void expect_open_fails(const char *data, size_t len, const struct rs_xlsx_limits *lim,
                              rs_status want, const char *what)
{
    char err[ERRLEN] = "";
    struct rs_xlsx *x = NULL;

    assert_int_equal(rs_xlsx_open(data, len, lim, &x, err, sizeof(err)), want);
    assert_null(x);
    if (!strstr(err, what))
        fail_msg("error '%s' does not mention '%s'", err, what);
}

/* The workbook opens but sheet 0 fails with want and a message containing what. */
static void expect_sheet_fails(const char *sheet1, const struct rs_xlsx_limits *lim,
                               rs_status want, const char *what)
{
    char err[ERRLEN] = "";
    struct rs_xlsx *x = NULL;
    struct rs_xlsx_sheet *s = NULL;
    size_t len;
    char *data = xb_book(sheet1, SHEET(""), xb_sst, xb_styles, 0, &len);

    assert_int_equal(rs_xlsx_open(data, len, lim, &x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_open(x, 0, &s, err, sizeof(err)), want);
    assert_null(s);
    if (!strstr(err, what))
        fail_msg("error '%s' does not mention '%s'", err, what);
    rs_xlsx_close(x);
    free(data);
}

static void test_zip_bomb(void **state)
{
    size_t big = RS_XLSX_MAX_PART + 4096, len;
    char *sheet = malloc(big + 1), *data;
    const char head[] = "<worksheet><sheetData>";
    struct rs_xlsx_limits lim;

    (void)state;
    assert_non_null(sheet);
    /* 64 MiB of blanks inside one sheet: a few dozen kilobytes deflated. */
    memset(sheet, ' ', big);
    memcpy(sheet, head, sizeof(head) - 1);
    sheet[big] = '\0';
    data = xb_book(sheet, SHEET(""), xb_sst, xb_styles, 0, &len);
    assert_true(len < big / 100);
    expect_sheet_fails(sheet, NULL, RS_ETOOBIG, "xl/worksheets/sheet1.xml：解压后超过");
    free(data);
    /* The cap on all parts together, with a smaller sheet and tight total. */
    rs_xlsx_limits_default(&lim);
    lim.max_total = 1u << 20;
    sheet[2u << 20] = '\0';
    expect_sheet_fails(sheet, &lim, RS_ETOOBIG, "（所有部件合计）");
    free(sheet);
}

static void test_huge_shared_strings(void **state)
{
    struct rs_xlsx_limits lim;
    size_t n = 0, cap = 1u << 20, len;
    char *sst = malloc(cap), *data, *longs;

    (void)state;
    assert_non_null(sst);
    n += (size_t)snprintf(sst + n, cap - n, "<sst " XB_NS ">");
    for (int i = 0; i < 2000; i++)
        n += (size_t)snprintf(sst + n, cap - n, "<si><t>s%d</t></si>", i);
    snprintf(sst + n, cap - n, "</sst>");
    data = xb_book(SHEET(""), SHEET(""), sst, xb_styles, 0, &len);
    rs_xlsx_limits_default(&lim);
    lim.max_strings = 1000;
    expect_open_fails(data, len, &lim, RS_ETOOBIG, "共享文本超过1000条");
    free(data);
    /* One string longer than a cell may be. */
    longs = malloc(RS_XLSX_MAX_TEXT + 100);
    assert_non_null(longs);
    memset(longs, 'x', RS_XLSX_MAX_TEXT + 99);
    longs[RS_XLSX_MAX_TEXT + 99] = '\0';
    snprintf(sst, cap, "<sst " XB_NS "><si><t>%s</t></si></sst>", longs);
    data = xb_book(SHEET(""), SHEET(""), sst, xb_styles, 0, &len);
    expect_open_fails(data, len, NULL, RS_ETOOBIG, "xl/sharedStrings.xml 第1行：有文字超过16384字节");
    free(data);
    free(longs);
    free(sst);
}

static void test_too_many(void **state)
{
    struct rs_xlsx_limits lim;
    struct xb_part parts[40];
    char names[40][32], *data;
    size_t len;

    (void)state;
    /* Zip entries. */
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "junk/%d.xml", i);
        parts[i].name = names[i];
        parts[i].data = "<a/>";
        parts[i].len = 0;
    }
    data = xb_zip(parts, 40, &len);
    rs_xlsx_limits_default(&lim);
    lim.max_entries = 30;
    expect_open_fails(data, len, &lim, RS_ETOOBIG, "压缩包中的条目超过30个");
    free(data);
    /* The file itself. */
    data = xb_book(SHEET(""), SHEET(""), xb_sst, xb_styles, 0, &len);
    rs_xlsx_limits_default(&lim);
    lim.max_file = len - 1;
    expect_open_fails(data, len, &lim, RS_ETOOBIG, "文件超过");
    lim.max_file = len;
    lim.max_sheets = 1;
    expect_open_fails(data, len, &lim, RS_ETOOBIG, "工作表超过1个");
    lim.max_sheets = 8;
    lim.max_styles = 3;
    expect_open_fails(data, len, &lim, RS_ETOOBIG, "单元格格式超过3种");
    free(data);
    /* Cells, rows and columns of a sheet. */
    rs_xlsx_limits_default(&lim);
    lim.max_cells = 3;
    expect_sheet_fails(SHEET("<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c>"
                             "<c><v>4</v></c></row>"),
                       &lim, RS_ETOOBIG, "有数据的单元格超过3个");
    rs_xlsx_limits_default(&lim);
    lim.max_rows = 1;
    expect_sheet_fails(SHEET("<row><c><v>1</v></c></row><row><c><v>3</v></c></row>"), &lim,
                       RS_ETOOBIG, "有数据的行超过1行");
    expect_sheet_fails(SHEET("<row r=\"4\"><c r=\"DY4\"><v>1</v></c></row>"), NULL, RS_ETOOBIG,
                       "单元格 DY4：数据超出了前128列");
    {
        /* A formatting-only cell far right is no value: fine. */
        struct book b = {0};

        book_open(&b, SHEET("<row r=\"4\"><c r=\"A4\"><v>1</v></c><c r=\"XFD4\" s=\"1\"/></row>"),
                  0);
        expect_row(b.s, 4, 1, "1");
        expect_end(b.s);
        book_free(&b);
    }
}

static void test_missing_parts(void **state)
{
    struct xb_part parts[] = {
        {"[Content_Types].xml", xb_content_types, 0},
        {"_rels/.rels", xb_root_rels, 0},
        {"xl/workbook.xml", xb_workbook(0), 0},
        {"xl/_rels/workbook.xml.rels", xb_book_rels, 0},
        {"xl/worksheets/sheet1.xml", SHEET("<row><c><v>1</v></c></row>"), 0},
    };
    char err[ERRLEN], *data;
    struct rs_xlsx *x = NULL;
    struct rs_xlsx_sheet *s = NULL;
    size_t len;

    (void)state;
    /* No workbook part. */
    parts[2].data = NULL;
    data = xb_zip(parts, 5, &len);
    expect_open_fails(data, len, NULL, RS_EINVAL, "缺少部件 xl/workbook.xml");
    free(data);
    parts[2].data = xb_workbook(0);
    /* No workbook relationships: the sheets cannot be found. */
    parts[3].data = NULL;
    data = xb_zip(parts, 5, &len);
    expect_open_fails(data, len, NULL, RS_EINVAL, "xl/_rels/workbook.xml.rels：缺少这一部件");
    free(data);
    parts[3].data = xb_book_rels;
    /* No package relationships: xl/workbook.xml is used; sheet2 is missing. */
    parts[1].data = NULL;
    data = xb_zip(parts, 5, &len);
    assert_int_equal(rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_open(x, 0, &s, err, sizeof(err)), RS_OK);
    expect_row(s, 1, 1, "1");
    rs_xlsx_sheet_close(s);
    assert_int_equal(rs_xlsx_sheet_open(x, 1, &s, err, sizeof(err)), RS_ENOTFOUND);
    assert_non_null(strstr(err, "xl/worksheets/sheet2.xml：缺少这一部件"));
    rs_xlsx_close(x);
    free(data);
    /* Not a zip at all, an empty file, a CSV. */
    expect_open_fails("项目编号,金额\n", strlen("项目编号,金额\n"), NULL, RS_EINVAL,
                      "不是 xlsx 工作簿");
    expect_open_fails("", 0, NULL, RS_EINVAL, "不是 xlsx 工作簿");
}

static void test_bad_xml(void **state)
{
    char *data;
    size_t len;

    (void)state;
    expect_sheet_fails("<worksheet><sheetData><row>\n<c><v>1</v></row></sheetData></worksheet>",
                       NULL, RS_EINVAL,
                       "xl/worksheets/sheet1.xml 第2行：不是有效的 XML");
    expect_sheet_fails("<worksheet><sheetData>", NULL, RS_EINVAL, "不是有效的 XML");
    expect_sheet_fails("", NULL, RS_EINVAL, "不是有效的 XML");
    expect_sheet_fails("<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\">"
                       "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><worksheet><sheetData>"
                       "<row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row></sheetData>"
                       "</worksheet>",
                       NULL, RS_EINVAL, "不允许文档类型声明（DTD）");
    expect_sheet_fails(SHEET("<row r=\"2\"/><row r=\"2\"/>"), NULL, RS_EINVAL,
                       "第2行出现在第2行之后");
    expect_sheet_fails(SHEET("<row r=\"0\"/>"), NULL, RS_EINVAL, "行号“0”无效");
    expect_sheet_fails(SHEET("<row r=\"3\"><c r=\"B3\"><v>1</v></c><c r=\"A3\"><v>1</v></c>"
                             "</row>"),
                       NULL, RS_EINVAL, "第3行：单元格“A3”顺序错乱");
    expect_sheet_fails(SHEET("<row r=\"3\"><c r=\"B4\"><v>1</v></c></row>"), NULL, RS_EINVAL,
                       "单元格“B4”顺序错乱");
    expect_sheet_fails(SHEET("<row r=\"3\"><c r=\"B\"><v>1</v></c></row>"), NULL, RS_EINVAL,
                       "“B”不是单元格引用");
    expect_sheet_fails(SHEET("<row r=\"3\"><c r=\"B3\" t=\"s\"><v>4</v></c></row>"), NULL,
                       RS_EINVAL, "单元格 B3：共享文本“4”不在共4条的文本表中");
    expect_sheet_fails(SHEET("<row r=\"3\"><c r=\"B3\" t=\"s\"><v>-1</v></c></row>"), NULL,
                       RS_EINVAL, "共享文本“-1”");
    /* Bad XML in the workbook part itself. */
    {
        struct xb_part parts[] = {
            {"_rels/.rels", xb_root_rels, 0},
            {"xl/workbook.xml", "<workbook><sheets><sheet name=\"a\"/></sheets></workbook>", 0},
            {"xl/_rels/workbook.xml.rels", xb_book_rels, 0},
        };

        data = xb_zip(parts, 3, &len);
        expect_open_fails(data, len, NULL, RS_EINVAL, "有工作表缺少名称或关系编号");
        free(data);
        parts[1].data = "<workbook " XB_NS "><sheets><sheet name=\"a\" r:id=\"rId7\"/></sheets>"
                        "</workbook>";
        data = xb_zip(parts, 3, &len);
        expect_open_fails(data, len, NULL, RS_EINVAL, "工作表“a”缺少关系 rId7");
        free(data);
        parts[1].data = "<workbook><sheets>";
        data = xb_zip(parts, 3, &len);
        expect_open_fails(data, len, NULL, RS_EINVAL, "xl/workbook.xml 第1行：不是有效的 XML");
        free(data);
    }
}

/* ---------------------------------------------------------------- merged cells */

#define MSHEET(rows, merges) "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet " XB_NS \
                             "><sheetData>" rows "</sheetData><mergeCells>" merges \
                             "</mergeCells></worksheet>"
#define MERGE(ref) "<mergeCell ref=\"" ref "\"/>"
#define ISC(ref, t) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" t "</t></is></c>"
#define NUMC(ref, v) "<c r=\"" ref "\"><v>" v "</v></c>"

/* The next row is row, ncells wide, with a problem in column col whose reason is what. */
static void expect_merge_problem(struct rs_xlsx_sheet *s, uint32_t row, size_t ncells,
                                 uint32_t col, const char *what)
{
    struct rs_xlsx_row r;

    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_int_equal(r.row, row);
    assert_int_equal(r.ncells, ncells);
    assert_non_null(r.problem);
    assert_int_equal(r.problem->col, col);
    assert_string_equal(r.problem->reason, what);
}

static void test_merged_over_data(void **state)
{
    struct book b = {0};

    (void)state;
    /*
     * 村 merged over A2:A4 (only A2 has the value), 人数 and 金额 merged
     * across B6:C6, a range right of row 7's last value, one over rows
     * that have nothing (8-9), one within the header (D1:E1).
     */
    book_open(&b,
              MSHEET("<row r=\"1\">" ISC("A1", "村") ISC("B1", "人数") ISC("C1", "金额")
                     ISC("D1", "备注") "</row>"
                     "<row r=\"2\">" ISC("A2", "金鹗村") NUMC("B2", "5") "</row>"
                     "<row r=\"3\">" NUMC("B3", "6") "</row>"
                     "<row r=\"4\">" NUMC("B4", "7") NUMC("C4", "70") "</row>"
                     "<row r=\"5\">" ISC("A5", "白马村") NUMC("B5", "1") "</row>"
                     "<row r=\"6\">" ISC("A6", "清水村") NUMC("B6", "2") "</row>"
                     "<row r=\"7\">" ISC("A7", "柳林村") "</row>",
                     MERGE("A2:A4") MERGE("B6:C6") MERGE("E7:E9") MERGE("A8:B9")
                     MERGE("D1:E1")),
              0);
    expect_row(b.s, 1, 4, "村", "人数", "金额", "备注");
    expect_merge_problem(b.s, 2, 2, 0,
                         "是合并单元格（A2:A4）的一部分，合并后只有 A2 有值；"
                         "请取消合并，并在每一行填写");
    expect_merge_problem(b.s, 3, 2, 0,
                         "是合并单元格（A2:A4）的一部分，合并后只有 A2 有值；"
                         "请取消合并，并在每一行填写");
    expect_merge_problem(b.s, 4, 3, 0,
                         "是合并单元格（A2:A4）的一部分，合并后只有 A2 有值；"
                         "请取消合并，并在每一行填写");
    expect_row(b.s, 5, 2, "白马村", "1");
    expect_merge_problem(b.s, 6, 2, 1,
                         "是合并单元格（B6:C6）的一部分，合并后只有 B6 有值；"
                         "请取消合并，并在每一行填写");
    expect_merge_problem(b.s, 7, 5, 4,
                         "是合并单元格（E7:E9）的一部分，合并后只有 E7 有值；"
                         "请取消合并，并在每一行填写");
    expect_end(b.s);
    book_free(&b);

    /* A cell's own problem left of the range is the row's first problem; right of it, not. */
    book_open(&b,
              MSHEET("<row r=\"1\">" ISC("A1", "村") ISC("B1", "人数") ISC("C1", "日期")
                     "</row>"
                     "<row r=\"2\"><c r=\"A2\" t=\"e\"><v>#N/A</v></c>" NUMC("B2", "1")
                     "<c r=\"C2\" t=\"e\"><v>#REF!</v></c></row>"
                     "<row r=\"3\">" NUMC("B3", "2") "</row>",
                     MERGE("C3:B2")),
              0);
    expect_row(b.s, 1, 3, "村", "人数", "日期");
    expect_problem(b.s, 2, 0, "#N/A");
    expect_merge_problem(b.s, 3, 2, 1,
                         "是合并单元格（B2:C3）的一部分，合并后只有 B2 有值；"
                         "请取消合并，并在每一行填写");
    expect_end(b.s);
    book_free(&b);
}

static void test_merged_header(void **state)
{
    struct book b = {0};

    (void)state;
    /*
     * An empty title row merged above the header (row 2), 金额 merged
     * across C2:D2 and 人数 down B1:B2 into the header: nothing is lost;
     * the range over rows 4-5 below is still refused.
     */
    book_open(&b,
              MSHEET("<row r=\"1\" ht=\"30\"><c r=\"A1\" s=\"1\"/></row>"
                     "<row r=\"2\">" ISC("A2", "村") ISC("B2", "人数") ISC("C2", "金额")
                     "</row>"
                     "<row r=\"3\">" ISC("A3", "金鹗村") NUMC("B3", "5") NUMC("C3", "100")
                     "</row>"
                     "<row r=\"4\">" ISC("A4", "白马村") NUMC("B4", "6") "</row>"
                     "<row r=\"5\">" NUMC("B5", "7") "</row>",
                     MERGE("A1:G1") MERGE("C2:D2") MERGE("B1:B2") MERGE("A4:A5")),
              0);
    expect_row(b.s, 2, 3, "村", "人数", "金额");
    expect_row(b.s, 3, 3, "金鹗村", "5", "100");
    expect_merge_problem(b.s, 4, 2, 0,
                         "是合并单元格（A4:A5）的一部分，合并后只有 A4 有值；"
                         "请取消合并，并在每一行填写");
    expect_merge_problem(b.s, 5, 2, 0,
                         "是合并单元格（A4:A5）的一部分，合并后只有 A4 有值；"
                         "请取消合并，并在每一行填写");
    expect_end(b.s);
    book_free(&b);

    /*
     * A title with text is the first row, so it is the header (the caller
     * then finds no record type in it): a range within it changes nothing,
     * one below it is refused.
     */
    book_open(&b,
              MSHEET("<row r=\"1\">" ISC("A1", "2023年直补发放表") "</row>"
                     "<row r=\"3\">" ISC("A3", "金鹗村") NUMC("B3", "5") "</row>",
                     MERGE("A1:G1") MERGE("B3:B4")),
              0);
    expect_row(b.s, 1, 1, "2023年直补发放表");
    expect_merge_problem(b.s, 3, 2, 1,
                         "是合并单元格（B3:B4）的一部分，合并后只有 B3 有值；"
                         "请取消合并，并在每一行填写");
    expect_end(b.s);
    book_free(&b);
}

static void test_merged_refused(void **state)
{
    struct rs_xlsx_limits lim;
    char *sheet, *p;
    size_t cap = RS_XLSX_MAX_MERGES + 1, len;

    (void)state;
    rs_xlsx_limits_default(&lim);
    assert_int_equal(lim.max_merges, 10000);
    lim.max_merges = 2;
    expect_sheet_fails(MSHEET("<row><c><v>1</v></c></row>",
                              MERGE("A2:A3") MERGE("B2:B3") MERGE("C2:C3")),
                       &lim, RS_ETOOBIG, "xl/worksheets/sheet1.xml 第1行：合并单元格超过2处");
    /* Ranges of one cell hide nothing and are not counted. */
    {
        struct book b = {0};
        char err[ERRLEN] = "";

        b.data = xb_book(MSHEET("<row><c><v>1</v></c></row><row><c><v>2</v></c></row>",
                                MERGE("A2:A2") MERGE("B2:B2") MERGE("C2:C2")),
                         SHEET(""), xb_sst, xb_styles, 0, &b.len);
        assert_int_equal(rs_xlsx_open(b.data, b.len, &lim, &b.x, err, sizeof(err)), RS_OK);
        assert_int_equal(rs_xlsx_sheet_open(b.x, 0, &b.s, err, sizeof(err)), RS_OK);
        expect_row(b.s, 1, 1, "1");
        expect_row(b.s, 2, 1, "2");
        expect_end(b.s);
        book_free(&b);
    }
    /* The default cap, one range past it (over an empty part of the sheet). */
    sheet = malloc(cap * 32 + 256);
    assert_non_null(sheet);
    p = sheet + sprintf(sheet, "<worksheet " XB_NS "><sheetData><row><c><v>1</v></c></row>"
                               "</sheetData><mergeCells>");
    for (size_t i = 0; i < cap; i++)
        p += sprintf(p, "<mergeCell ref=\"A%zu:B%zu\"/>", 2 * i + 2, 2 * i + 3);
    strcpy(p, "</mergeCells></worksheet>");
    len = strlen(sheet);
    assert_true(len < cap * 32 + 256);
    expect_sheet_fails(sheet, NULL, RS_ETOOBIG, "合并单元格超过10000处（请取消合并后再提交）");
    free(sheet);
    /* A range that is no range. */
    expect_sheet_fails(MSHEET("<row><c><v>1</v></c></row>", MERGE("B2")), NULL, RS_EINVAL,
                       "“B2”不是合并单元格的范围");
    expect_sheet_fails(MSHEET("<row><c><v>1</v></c></row>", MERGE("B2:B0")), NULL, RS_EINVAL,
                       "“B2:B0”不是合并单元格的范围");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_dates_1900),
        cmocka_unit_test(test_dates_1904),
        cmocka_unit_test(test_formulas),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_hidden_sheet_and_names),
        cmocka_unit_test(test_number_text),
        cmocka_unit_test(test_format_classes),
        cmocka_unit_test(test_refs_and_parts),
        cmocka_unit_test(test_merged_over_data),
        cmocka_unit_test(test_merged_header),
        cmocka_unit_test(test_merged_refused),
        cmocka_unit_test(test_zip_bomb),
        cmocka_unit_test(test_huge_shared_strings),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_missing_parts),
        cmocka_unit_test(test_bad_xml),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_intake.c - tests for rs_intake: a CSV file and a workbook into an
 * outbox, and the result that lists each problem with its sheet, row,
 * column and reason, the sheets read or passed over, and what was queued.
 *
 * The workbooks are built in memory (xlsx_build.h); each test has its own
 * outbox in a fresh folder (tmpdir_fixture.h).
 *
 * Does not: print or check printed output (itest_flow and itest_xlsx run
 * `resettle submit`), or send anything.
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

#include "rs_intake.h"
#include "rs_outbox.h"
#include "tmpdir_fixture.h"
#include "xlsx_build.h"

#define IS(t) "<c t=\"inlineStr\"><is><t>" t "</t></is></c>"
#define NUM(v) "<c><v>" v "</v></c>"
#define DATE(v) "<c s=\"1\"><v>" v "</v></c>"
#define ROW(cells) "<row>" cells "</row>"
#define SHEET(rows) "<worksheet " XB_NS "><sheetData>" rows "</sheetData></worksheet>"

static const char book[] =
    "<workbook " XB_NS "><sheets>"
    "<sheet name=\"项目\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"救助\" sheetId=\"2\" r:id=\"rId2\"/>"
    "<sheet name=\"说明\" sheetId=\"3\" r:id=\"rId3\"/>"
    "<sheet name=\"旧表\" sheetId=\"4\" state=\"hidden\" r:id=\"rId4\"/>"
    "</sheets></workbook>";

static const char rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet3.xml\"/>"
    "<Relationship Id=\"rId4\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet4.xml\"/>"
    "<Relationship Id=\"rId8\" Type=\"" XB_REL "styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

/* The workbook of book and rels with these four sheets. */
static char *book_of(const char *s1, const char *s2, const char *s3, const char *s4, size_t *len)
{
    struct xb_part parts[] = {
        {"_rels/.rels", xb_root_rels, 0},
        {"xl/workbook.xml", book, 0},
        {"xl/_rels/workbook.xml.rels", rels, 0},
        {"xl/styles.xml", xb_styles, 0},
        {"xl/worksheets/sheet1.xml", s1, 0},
        {"xl/worksheets/sheet2.xml", s2, 0},
        {"xl/worksheets/sheet3.xml", s3, 0},
        {"xl/worksheets/sheet4.xml", s4, 0},
    };

    return xb_zip(parts, sizeof(parts) / sizeof(parts[0]), len);
}

/* 项目: one valid row, a bad amount (row 3), a formula without a value (row 4). */
static char *workbook(size_t *len)
{
    return book_of(SHEET(ROW(IS("项目编号") IS("项目名称") IS("项目类别") IS("计划投资(万元)"))
                         ROW(IS("P-1") IS("村道硬化") IS("道路硬化") NUM("716.41"))
                         ROW(IS("P-2") IS("山塘") IS("山塘") IS("四十"))
                         ROW(IS("P-3") IS("桥") IS("桥梁") "<c><f>A1/0</f></c>")),
                   SHEET(ROW(IS("户编码") IS("救助类别") IS("金额(元)") IS("发放日期"))
                         ROW(IS("HH0012") IS("特困救助") NUM("2000") DATE("45280"))),
                   SHEET(ROW(IS("填表说明") IS("请按模板填写"))),
                   SHEET(ROW(IS("户编码") IS("救助类别") IS("金额(元)"))
                         ROW(IS("OLD") IS("特困救助") NUM("1"))),
                   len);
}

/* Rows of commas and spaces below the table, as Excel writes them, are blank lines. */
static const char csv[] = "项目编号,项目名称,项目类别,计划投资(万元)\n"
                          "P-1,村道硬化,道路硬化,158.93\n"
                          "P-2,山塘清淤,山塘,四十\n"
                          "P-3,桥梁维修,桥梁,12\n"
                          ",,,\n"
                          " ,\xe3\x80\x80, ,\n";

static struct rs_outbox *outbox(const struct fixture *f)
{
    struct rs_outbox *ob = NULL;
    char err[256];

    assert_int_equal(rs_outbox_open(f->db, &ob, err, sizeof(err)), RS_OK);
    return ob;
}

static struct rs_intake_opts opts(void)
{
    struct rs_intake_opts o = {0};

    o.division_code = "430602001";
    o.year = 2023;
    o.outbox_name = "test.outbox";
    return o;
}

static void test_csv_rows(void **state)
{
    struct rs_outbox *ob = outbox(*state);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    struct rs_outbox_counts k;

    assert_int_equal(rs_intake_buffer(ob, "2023-项目.csv", csv, strlen(csv), &o, &r), RS_OK);
    assert_true(r.queued);
    assert_false(r.is_workbook);
    assert_int_equal(r.type, RS__RECORD__BODY_PROJECT);
    assert_string_equal(r.file, "2023-项目.csv");
    assert_int_equal(r.added, 2);
    assert_int_equal(r.versions, 0);
    assert_int_equal(r.invalid, 1);
    assert_int_equal(r.nsheets, 0);
    assert_int_equal(r.nproblems, 1);
    assert_null(r.problems[0].sheet);
    assert_int_equal(r.problems[0].row, 3);
    assert_string_equal(r.problems[0].column, "计划投资(万元)");
    assert_string_equal(r.problems[0].cell, "");
    /* The clerk reads the reason in Chinese. */
    assert_string_equal(r.problems[0].reason, "不是以万元为单位的金额（只写数字，最多6位小数）");
    rs_intake_result_free(&r);
    assert_int_equal(r.nproblems, 0);
    assert_int_equal(rs_outbox_counts(ob, &k), RS_OK);
    assert_int_equal(k.pending, 2);

    /* The same file again adds nothing. */
    assert_int_equal(rs_intake_buffer(ob, "2023-项目.csv", csv, strlen(csv), &o, &r), RS_OK);
    assert_int_equal(r.added, 0);
    assert_int_equal(r.unchanged, 2);
    rs_intake_result_free(&r);
    rs_outbox_close(ob);
}

static void test_refused(void **state)
{
    struct fixture *f = *state;
    struct rs_outbox *ob = outbox(f);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    struct rs_outbox_counts k;
    char path[256];
    const char ole[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 the rest";
    const char bad_header[] = "甲,乙\n1,2\n";

    assert_int_equal(rs_intake_buffer(ob, "空.csv", "", 0, &o, &r), RS_EINVAL);
    assert_false(r.queued);
    assert_int_equal(r.nproblems, 1);
    assert_string_equal(r.problems[0].reason, "文件是空的");
    rs_intake_result_free(&r);

    assert_int_equal(rs_intake_buffer(ob, "旧.xls", ole, sizeof(ole) - 1, &o, &r), RS_EINVAL);
    assert_int_equal(r.nproblems, 1);
    assert_non_null(strstr(r.problems[0].reason, "这是 Excel 97-2003 工作簿（.xls）"));
    rs_intake_result_free(&r);

    assert_int_equal(rs_intake_buffer(ob, "乱.csv", bad_header, strlen(bad_header), &o, &r),
                     RS_EINVAL);
    assert_int_equal(r.nproblems, 1);
    assert_int_equal(r.problems[0].row, 1);
    assert_null(r.problems[0].column);
    rs_intake_result_free(&r);

    snprintf(path, sizeof(path), "%s/none.csv", f->dir);
    assert_int_equal(rs_intake_file(ob, path, &o, &r), RS_EIO);
    assert_int_equal(r.nproblems, 1);
    assert_string_equal(r.problems[0].reason, "找不到这个文件");
    rs_intake_result_free(&r);

    assert_int_equal(rs_outbox_counts(ob, &k), RS_OK);
    assert_int_equal(k.pending, 0);
    rs_outbox_close(ob);
}

/* As workbook(), but the 救助 sheet's header has a column relief does not have. */
static char *workbook_bad_header(size_t *len)
{
    return book_of(SHEET(ROW(IS("项目编号") IS("项目名称") IS("项目类别") IS("计划投资(万元)"))
                         ROW(IS("P-1") IS("村道硬化") IS("道路硬化") NUM("716.41"))),
                   SHEET(ROW(IS("户编码") IS("救助类别") IS("金额(元)") IS("发放日期") IS("颜色"))
                         ROW(IS("HH0012") IS("特困救助") NUM("2000") DATE("45280") IS("红"))),
                   SHEET(ROW(IS("填表说明") IS("请按模板填写"))), SHEET(""), len);
}

/* A sheet of records whose header has a wrong column is an error to
 * correct, with its row; a sheet of notes is still passed over. */
static void test_sheet_bad_header(void **state)
{
    struct rs_outbox *ob = outbox(*state);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    size_t len;
    char *data = workbook_bad_header(&len);

    assert_int_equal(rs_intake_buffer(ob, "2023年报.xlsx", data, len, &o, &r), RS_OK);
    assert_int_equal(r.nsheets, 3);
    assert_int_equal(r.sheets[0].state, RS_INTAKE_SHEET_READ);
    assert_string_equal(r.sheets[1].name, "救助");
    assert_int_equal(r.sheets[1].state, RS_INTAKE_SHEET_FAILED);
    assert_int_equal(r.sheets[2].state, RS_INTAKE_SHEET_SKIPPED);
    assert_int_equal(r.nproblems, 1);
    assert_string_equal(r.problems[0].sheet, "救助");
    assert_int_equal(r.problems[0].row, 1);
    assert_string_equal(r.problems[0].reason, "未知的列“颜色”：救助记录没有这一列");
    assert_int_equal(r.added, 1);
    rs_intake_result_free(&r);
    free(data);
    rs_outbox_close(ob);
}

/*
 * Rows left out while the rest of the file is queued: a second row of the
 * same record, a 替代记录 without the row's own 记录编号, a 记录编号 already
 * used by another row with other content.  The same file again stores
 * nothing new and refuses the same rows.
 */
static void test_rows_left_out(void **state)
{
    struct rs_outbox *ob = outbox(*state);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    struct rs_outbox_counts k;
    static const char rows[] =
        "记录编号,替代记录,household_ref,kind,金额(元),家庭人数,发放日期\n"
        ",,HH1,hardship,2000,3,2023-12-01\n"
        ",,HH1,hardship,3000,3,2023-12-01\n"
        ",0190a1b2-0000-7000-8000-000000000001,HH3,hardship,100,1,2023-12-02\n"
        "0190a1b2-0000-7000-8000-000000000002,,HH4,hardship,100,1,2023-12-03\n"
        "0190a1b2-0000-7000-8000-000000000002,,HH5,hardship,200,1,2023-12-04\n"
        ",,HH6,hardship,100,1,2023-12-05\n";

    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(rs_intake_buffer(ob, "救助.csv", rows, strlen(rows), &o, &r), RS_OK);
        assert_true(r.queued);
        assert_int_equal(r.added, pass ? 0 : 3);
        assert_int_equal(r.unchanged, pass ? 3 : 0);
        assert_int_equal(r.versions, 0);
        assert_int_equal(r.invalid, 3);
        assert_int_equal(r.nproblems, 3);
        assert_int_equal(r.problems[0].row, 3);
        assert_string_equal(r.problems[0].reason, "与第2行是同一条记录（自然键相同）；同一文件中一条"
                                                  "记录只能填一行，本行未加入发件箱");
        assert_int_equal(r.problems[1].row, 4);
        assert_string_equal(r.problems[1].column, "替代记录");
        assert_string_equal(r.problems[1].reason, "填了替代记录，须同时填本行的记录编号");
        assert_int_equal(r.problems[2].row, 6);
        assert_string_equal(r.problems[2].column, "记录编号");
        assert_non_null(strstr(r.problems[2].reason, "已用于另一条内容不同的记录"));
        rs_intake_result_free(&r);
        assert_int_equal(rs_outbox_counts(ob, &k), RS_OK);
        assert_int_equal(k.pending, 3);
    }
    rs_outbox_close(ob);
}

/* A row with two bad cells is listed with both, and counted once. */
static void test_row_two_bad_cells(void **state)
{
    struct rs_outbox *ob = outbox(*state);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    static const char rows[] = "household_ref,kind,金额(元),家庭人数,发放日期\n"
                               "HH1,hardship,abc,3,2023-02-30\n"
                               "HH2,hardship,100,3,2023-02-28\n";

    assert_int_equal(rs_intake_buffer(ob, "救助.csv", rows, strlen(rows), &o, &r), RS_OK);
    assert_int_equal(r.added, 1);
    assert_int_equal(r.invalid, 1);
    assert_int_equal(r.nproblems, 2);
    assert_int_equal(r.problems[0].row, 2);
    assert_string_equal(r.problems[0].column, "金额(元)");
    assert_int_equal(r.problems[1].row, 2);
    assert_string_equal(r.problems[1].column, "发放日期");
    rs_intake_result_free(&r);
    rs_outbox_close(ob);
}

/* 项目 under a title row; the other sheets empty. */
static char *workbook_titled(size_t *len)
{
    return book_of(SHEET(ROW(IS("2023年度移民项目表"))
                         ROW(IS("项目编号") IS("项目名称") IS("项目类别") IS("计划投资(万元)"))
                         ROW(IS("P-1") IS("村道硬化") IS("道路硬化") NUM("716.41"))),
                   SHEET(""), SHEET(""), SHEET(""), len);
}

/* A title above the header, as Excel users write one, is passed over. */
static void test_title_row(void **state)
{
    struct rs_outbox *ob = outbox(*state);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    static const char titled[] = "2023年度移民救助发放表,,,,\n"
                                 "household_ref,kind,金额(元),家庭人数,发放日期\n"
                                 "HH1,hardship,2000,3,2023-12-01\n";
    static const char title_only[] = "2023年度移民救助发放表,,,,\n说明,,,,\n";

    assert_int_equal(rs_intake_buffer(ob, "救助.csv", titled, strlen(titled), &o, &r), RS_OK);
    assert_true(r.queued);
    assert_int_equal(r.type, RS__RECORD__BODY_RELIEF);
    assert_int_equal(r.added, 1);
    assert_int_equal(r.nproblems, 0);
    rs_intake_result_free(&r);
    /* A title over no header: the title's line and reason. */
    assert_int_equal(rs_intake_buffer(ob, "说明.csv", title_only, strlen(title_only), &o, &r),
                     RS_EINVAL);
    assert_int_equal(r.nproblems, 1);
    assert_int_equal(r.problems[0].row, 1);
    assert_non_null(strstr(r.problems[0].reason, "无法从表头判断记录类型"));
    rs_intake_result_free(&r);
    {
        size_t len;
        char *data = workbook_titled(&len);

        assert_int_equal(rs_intake_buffer(ob, "项目.xlsx", data, len, &o, &r), RS_OK);
        assert_int_equal(r.sheets[0].state, RS_INTAKE_SHEET_READ);
        assert_int_equal(r.sheets[0].type, RS__RECORD__BODY_PROJECT);
        assert_int_equal(r.sheets[0].rows, 1);
        assert_int_equal(r.nproblems, 0);
        rs_intake_result_free(&r);
        free(data);
    }
    rs_outbox_close(ob);
}

/* A CSV whose quoting breaks mid-file is given up whole, not cut short. */
static void test_csv_unreadable(void **state)
{
    struct rs_outbox *ob = outbox(*state);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    struct rs_outbox_counts k;
    static const char rows[] = "household_ref,kind,金额(元),家庭人数,发放日期\n"
                               "HH1,hardship,2000,3,2023-12-01\n"
                               "HH2,\"hard\"ship,2000,3,2023-12-01\n"
                               "HH3,hardship,2000,3,2023-12-01\n";

    assert_int_equal(rs_intake_buffer(ob, "救助.csv", rows, strlen(rows), &o, &r), RS_EINVAL);
    assert_false(r.queued);
    assert_int_equal(r.nproblems, 2);
    assert_non_null(strstr(r.problems[0].reason, "引号"));
    assert_non_null(strstr(r.problems[1].reason, "整个文件都没有加入发件箱"));
    rs_intake_result_free(&r);
    assert_int_equal(rs_outbox_counts(ob, &k), RS_OK);
    assert_int_equal(k.pending, 0);
    rs_outbox_close(ob);
}

static void test_workbook(void **state)
{
    struct rs_outbox *ob = outbox(*state);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    size_t len;
    char *data = workbook(&len);

    assert_int_equal(rs_intake_buffer(ob, "2023年报.xlsx", data, len, &o, &r), RS_OK);
    assert_true(r.queued);
    assert_true(r.is_workbook);
    assert_int_equal(r.added, 2);
    assert_int_equal(r.invalid, 2);
    assert_int_equal(r.nproblems, 2);
    assert_string_equal(r.problems[0].sheet, "项目");
    assert_int_equal(r.problems[0].row, 3);
    assert_string_equal(r.problems[0].column, "计划投资(万元)");
    assert_string_equal(r.problems[1].sheet, "项目");
    assert_int_equal(r.problems[1].row, 4);
    assert_string_equal(r.problems[1].column, "计划投资(万元)");
    assert_string_equal(r.problems[1].cell, "D4");
    assert_string_equal(r.problems[0].reason, "不是以万元为单位的金额（只写数字，最多6位小数）");
    assert_string_equal(r.problems[1].reason,
                        "公式没有保存计算结果（请用 Excel 或 LibreOffice 打开后重新保存）");
    /* The hidden sheet is not listed; the notes sheet is passed over. */
    assert_int_equal(r.nsheets, 3);
    assert_string_equal(r.sheets[0].name, "项目");
    assert_int_equal(r.sheets[0].state, RS_INTAKE_SHEET_READ);
    assert_int_equal(r.sheets[0].type, RS__RECORD__BODY_PROJECT);
    assert_int_equal(r.sheets[0].rows, 1);
    assert_int_equal(r.sheets[0].invalid, 2);
    assert_int_equal(r.sheets[0].problems_before, 2);
    assert_string_equal(r.sheets[1].name, "救助");
    assert_int_equal(r.sheets[1].type, RS__RECORD__BODY_RELIEF);
    assert_int_equal(r.sheets[1].rows, 1);
    assert_int_equal(r.sheets[1].invalid, 0);
    assert_string_equal(r.sheets[2].name, "说明");
    assert_int_equal(r.sheets[2].state, RS_INTAKE_SHEET_SKIPPED);
    assert_non_null(strstr(r.sheets[2].skip_reason, "无法从表头判断记录类型"));
    rs_intake_result_free(&r);

    /* A sheet asked for that is no record sheet fails; one not there names those there are. */
    o.sheet = "说明";
    assert_int_equal(rs_intake_buffer(ob, "2023年报.xlsx", data, len, &o, &r), RS_OK);
    assert_int_equal(r.nsheets, 1);
    assert_int_equal(r.sheets[0].state, RS_INTAKE_SHEET_FAILED);
    assert_int_equal(r.nproblems, 1);
    assert_string_equal(r.problems[0].sheet, "说明");
    assert_int_equal(r.problems[0].row, 1);
    rs_intake_result_free(&r);
    o.sheet = "汇总";
    assert_int_equal(rs_intake_buffer(ob, "2023年报.xlsx", data, len, &o, &r), RS_EINVAL);
    assert_false(r.queued);
    assert_int_equal(r.nproblems, 1);
    assert_string_equal(r.problems[0].reason,
                        "没有名为“汇总”的工作表；工作簿中有：“项目”、“救助”、“说明”、“旧表”");
    rs_intake_result_free(&r);
    free(data);
    rs_outbox_close(ob);
}

/* Past RS_INTAKE_MAX_PROBLEMS the problems are counted, not kept. */
static void test_problem_cap(void **state)
{
    struct rs_outbox *ob = outbox(*state);
    struct rs_intake_opts o = opts();
    struct rs_intake_result r;
    size_t n = RS_INTAKE_MAX_PROBLEMS + 5, len = 0, cap = 64 + n * 32;
    char *data = malloc(cap);

    assert_non_null(data);
    len += (size_t)snprintf(data, cap, "项目编号,项目名称,项目类别,计划投资(万元)\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(data + len, cap - len, "P-%zu,路,道路硬化,x\n", i);
    assert_int_equal(rs_intake_buffer(ob, "many.csv", data, len, &o, &r), RS_OK);
    assert_int_equal(r.invalid, n);
    assert_int_equal(r.nproblems, RS_INTAKE_MAX_PROBLEMS);
    assert_int_equal(r.problems_omitted, 5);
    assert_int_equal(r.problems[RS_INTAKE_MAX_PROBLEMS - 1].row, RS_INTAKE_MAX_PROBLEMS + 1);
    rs_intake_result_free(&r);
    free(data);
    rs_outbox_close(ob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv_rows, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_refused, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_workbook, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_rows_left_out, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_sheet_bad_header, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_csv_unreadable, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_title_row, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_row_two_bad_cells, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_problem_cap, tmpdir_setup, tmpdir_teardown),
    };

    return cmocka_run_group_tests_name("intake", tests, NULL, NULL);
}

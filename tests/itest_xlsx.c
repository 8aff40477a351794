/*
 * itest_xlsx.c - `resettle submit` of Excel workbooks and `resettle
 * template`, with the real resettled and resettle processes on 127.0.0.1.
 *
 * Covers: a workbook with a project sheet, a relief sheet, a sheet of notes
 * (passed over) and a hidden sheet (left out), all queued in one go and
 * stored; errors named file:sheet:row: column: reason, for a bad value and
 * for a formula without a cached value; --sheet reading one sheet, and
 * refusing a sheet that is no record type or does not exist; a template
 * filled by a script and submitted, its hint row skipped; an .xls or
 * password-protected file and a damaged workbook refused with a message;
 * the template command's refusals (no --type, bad division codes); a
 * village merged down three rows of data refused row by row, naming the
 * merged range, while a merged (empty) title row, a merged header cell and
 * the other sheets are read as before.
 *
 * Does not: run LibreOffice (itest_libreoffice.c) or test cell types one by
 * one (test_xlsx.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "xlsx_build.h"

#define TOWN "430602001"

struct env {
    char dir[256];
    char db[512];
    char ob[512];
    char out[512];
    char *tok;
    struct it_server srv;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "xlsx");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    it_path(e->ob, sizeof(e->ob), e->dir, "outbox.db");
    it_path(e->out, sizeof(e->out), e->dir, "client.out");
    e->tok = it_office_add(e->dir, e->db, TOWN, "金鹗山街道", "township");
    if (!e->tok || it_server_start(&e->srv, e->dir, e->db) != 0)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    int st = it_server_stop_logged(&e->srv);

    if (it_rmtree(e->dir) != 0)
        st = -1;
    free(e->tok);
    free(e);
    return st == 0 ? 0 : -1;
}

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Runs the client; returns its exit status and leaves its output in e->out. */
static int run(struct env *e, const char *const *args)
{
    return it_client(e->dir, &e->srv, TOWN, e->tok, e->ob, e->out, args);
}

static void expect_output(struct env *e, const char *what)
{
    char *text = it_read_file(e->out);

    if (!strstr(text, what))
        fail_msg("output does not have '%s':\n%s", what, text);
    free(text);
}

#define IS(t) "<c t=\"inlineStr\"><is><t>" t "</t></is></c>"
#define NUM(v) "<c><v>" v "</v></c>"
#define DATE(v) "<c s=\"1\"><v>" v "</v></c>"
#define ROW(cells) "<row>" cells "</row>"
#define SHEET(rows) "<worksheet " XB_NS "><sheetData>" rows "</sheetData></worksheet>"

static const char book3[] =
    "<workbook " XB_NS "><sheets>"
    "<sheet name=\"项目\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"救助\" sheetId=\"2\" r:id=\"rId2\"/>"
    "<sheet name=\"说明\" sheetId=\"3\" r:id=\"rId3\"/>"
    "<sheet name=\"旧表\" sheetId=\"4\" state=\"hidden\" r:id=\"rId4\"/>"
    "</sheets></workbook>";

static const char rels3[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet3.xml\"/>"
    "<Relationship Id=\"rId4\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet4.xml\"/>"
    "<Relationship Id=\"rId8\" Type=\"" XB_REL "styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

static char *workbook3(size_t *len)
{
    struct xb_part parts[] = {
        {"_rels/.rels", xb_root_rels, 0},
        {"xl/workbook.xml", book3, 0},
        {"xl/_rels/workbook.xml.rels", rels3, 0},
        {"xl/styles.xml", xb_styles, 0},
        {"xl/worksheets/sheet1.xml",
         SHEET(ROW(IS("项目编号") IS("项目名称") IS("项目类别") IS("计划投资(万元)")
                       IS("实际开工日期"))
               ROW(IS("P-1") IS("村道硬化") IS("道路硬化") NUM("7.1641000000000005E2")
                       DATE("45000"))
               "<row r=\"4\"/>"
               ROW(IS("P-2") IS("山塘") IS("山塘") NUM("40.1234567") DATE("45001"))
               ROW(IS("P-3") IS("桥") IS("桥梁") "<c><f>A1/0</f></c>")),
         0},
        {"xl/worksheets/sheet2.xml",
         SHEET(ROW(IS("户编码") IS("救助类别") IS("金额(元)") IS("发放日期"))
               ROW(IS("HH0012") IS("特困救助") NUM("2000") DATE("45280"))),
         0},
        {"xl/worksheets/sheet3.xml", SHEET(ROW(IS("填表说明") IS("请按模板填写"))), 0},
        {"xl/worksheets/sheet4.xml",
         SHEET(ROW(IS("户编码") IS("救助类别") IS("金额(元)"))
               ROW(IS("OLD") IS("特困救助") NUM("1"))),
         0},
    };

    return xb_zip(parts, sizeof(parts) / sizeof(parts[0]), len);
}

static void test_sheets(void **state)
{
    struct env *e = *state;
    char path[512], *data;
    const char *submit[] = {"submit", "--year", "2023", path, NULL};
    const char *one[] = {"submit", "--year", "2023", "--sheet", "救助", path, NULL};
    const char *notes[] = {"submit", "--year", "2023", "--sheet", "说明", path, NULL};
    const char *missing[] = {"submit", "--year", "2023", "--sheet", "汇总", path, NULL};
    size_t len;

    it_path(path, sizeof(path), e->dir, "2023年报.xlsx");
    data = workbook3(&len);
    write_bytes(path, data, len);
    free(data);

    assert_int_equal(run(e, submit), 1);
    expect_output(e, "2023年报.xlsx:项目:5: 计划投资(万元): 不是以万元为单位的金额");
    expect_output(e, "2023年报.xlsx:项目:6: 计划投资(万元): 单元格 D6: 公式没有保存计算结果");
    expect_output(e, "2023年报.xlsx:项目: 项目，读取 1 行，无效 2 行");
    expect_output(e, "2023年报.xlsx:救助: 救助，读取 1 行，无效 0 行");
    expect_output(e, "2023年报.xlsx:说明: 不是记录表，已跳过");
    expect_output(e, "2023年报.xlsx: 入发件箱 2 条（新增 2，修改 0），未变 0 条，无效 2 条");
    expect_output(e, "入库 2，");
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 2);

    /* One sheet only; it is unchanged, so nothing is sent again. */
    assert_int_equal(run(e, one), 0);
    expect_output(e, "2023年报.xlsx:救助: 救助，读取 1 行，无效 0 行");
    expect_output(e, "入发件箱 0 条（新增 0，修改 0），未变 1 条，无效 0 条");
    assert_int_equal(run(e, notes), 1);
    expect_output(e, "2023年报.xlsx:说明:1: 无法从表头判断记录类型");
    {
        /* The sheet asked for holds no records; it is not empty. */
        char *text = it_read_file(e->out);

        assert_null(strstr(text, "都是空的"));
        free(text);
    }
    assert_int_equal(run(e, missing), 1);
    expect_output(e, "没有名为“汇总”的工作表；工作簿中有：“项目”、“救助”、“说明”、“旧表”");
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 2);
}

static const char book_empty[] =
    "<workbook " XB_NS "><sheets>"
    "<sheet name=\"救助\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"Sheet2\" sheetId=\"2\" r:id=\"rId2\"/>"
    "<sheet name=\"Sheet3\" sheetId=\"3\" r:id=\"rId3\"/>"
    "</sheets></workbook>";

static const char rels_empty[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" XB_REL "worksheet\" Target=\"worksheets/sheet3.xml\"/>"
    "<Relationship Id=\"rId8\" Type=\"" XB_REL "styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

/* Excel's Sheet2 and Sheet3 beside a sheet of records; with filled, sheet 1 holds a record. */
static char *workbook_empty(bool filled, size_t *len)
{
    struct xb_part parts[] = {
        {"_rels/.rels", xb_root_rels, 0},
        {"xl/workbook.xml", book_empty, 0},
        {"xl/_rels/workbook.xml.rels", rels_empty, 0},
        {"xl/styles.xml", xb_styles, 0},
        {"xl/worksheets/sheet1.xml",
         filled ? SHEET(ROW(IS("户编码") IS("救助类别") IS("金额(元)") IS("发放日期"))
                        ROW(IS("HH0099") IS("特困救助") NUM("800") DATE("45280")))
                : SHEET(""),
         0},
        {"xl/worksheets/sheet2.xml", SHEET(""), 0},
        {"xl/worksheets/sheet3.xml", SHEET(""), 0},
    };

    return xb_zip(parts, sizeof(parts) / sizeof(parts[0]), len);
}

/* Empty sheets beside the records do not fail the file; a workbook of
 * empty sheets only does, and says so. */
static void test_empty_sheets(void **state)
{
    struct env *e = *state;
    char path[512], *data;
    const char *submit[] = {"submit", "--year", "2023", path, NULL};
    size_t len;

    it_path(path, sizeof(path), e->dir, "救助.xlsx");
    data = workbook_empty(true, &len);
    write_bytes(path, data, len);
    free(data);
    assert_int_equal(run(e, submit), 0);
    expect_output(e, "救助.xlsx:救助: 救助，读取 1 行，无效 0 行");
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 1);

    it_path(path, sizeof(path), e->dir, "空.xlsx");
    data = workbook_empty(false, &len);
    write_bytes(path, data, len);
    free(data);
    assert_int_equal(run(e, submit), 1);
    expect_output(e, "空.xlsx: 工作簿中的工作表都是空的，没有读取到记录");
}

static void test_template_submitted(void **state)
{
    struct env *e = *state;
    char tpl[512], filled[512], *data, *grown;
    const char *make[] = {"template", "--type", "relief", "--out", tpl, NULL};
    const char *submit[] = {"submit", "--year", "2023", filled, NULL};
    const char *no_type[] = {"template", NULL};
    const char *bad_div[] = {"template", "--type", "救助", "--divisions", "4306,430602002", NULL};
    struct stat st;

    it_path(tpl, sizeof(tpl), e->dir, "救助模板.xlsx");
    it_path(filled, sizeof(filled), e->dir, "filled.xlsx");
    assert_int_equal(run(e, make), 0);
    expect_output(e, "救助（relief）模板，区划代码下拉列表 1 个");
    assert_int_equal(run(e, no_type), 2);
    assert_int_equal(run(e, bad_div), 2);
    expect_output(e, "“4306”不是区划代码");

    /* The script fills row 3 (household, kind, amount) in the template's sheet. */
    data = it_read_file(tpl);
    assert_int_equal(stat(tpl, &st), 0);
    {
        zip_error_t ze;
        zip_source_t *src;
        zip_t *za;
        zip_file_t *f;
        zip_stat_t zs;
        char *sheet, *end;
        static const char row[] = "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>HH0099</t>"
                                  "</is></c><c r=\"D3\" t=\"inlineStr\"><is><t>年终慰问</t></is>"
                                  "</c><c r=\"F3\"><v>300</v></c></row></sheetData>";
        const char *name = "xl/worksheets/sheet1.xml";
        size_t glen;

        zip_error_init(&ze);
        src = zip_source_buffer_create(data, (size_t)st.st_size, 0, &ze);
        za = zip_open_from_source(src, 0, &ze);
        assert_non_null(za);
        assert_int_equal(zip_stat(za, name, 0, &zs), 0);
        sheet = calloc(1, (size_t)zs.size + 1);
        f = zip_fopen(za, name, 0);
        assert_int_equal(zip_fread(f, sheet, zs.size), (zip_int64_t)zs.size);
        zip_fclose(f);
        end = strstr(sheet, "</sheetData>");
        assert_non_null(end);
        glen = (size_t)(end - sheet) + strlen(row) + strlen(end + 12);
        grown = malloc(glen + 1);
        memcpy(grown, sheet, (size_t)(end - sheet));
        strcpy(grown + (end - sheet), row);
        strcat(grown, end + 12);
        assert_true(zip_file_replace(za, zip_name_locate(za, name, 0),
                                     zip_source_buffer(za, grown, glen, 0), 0) == 0);
        zip_source_keep(src);
        assert_int_equal(zip_close(za), 0);
        {
            char *out;
            zip_int64_t n;

            assert_int_equal(zip_source_open(src), 0);
            zip_source_seek(src, 0, SEEK_END);
            n = zip_source_tell(src);
            zip_source_seek(src, 0, SEEK_SET);
            out = malloc((size_t)n);
            assert_int_equal(zip_source_read(src, out, (zip_uint64_t)n), n);
            zip_source_close(src);
            write_bytes(filled, out, (size_t)n);
            free(out);
        }
        zip_source_free(src);
        zip_error_fini(&ze);
        free(sheet);
        free(grown);
    }
    free(data);
    assert_int_equal(run(e, submit), 0);
    expect_output(e, "filled.xlsx:救助: 救助，读取 1 行，无效 0 行");
    expect_output(e, "入库 1，");
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 1);
}

#define ISR(ref, t) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" t "</t></is></c>"
#define NUMR(ref, v) "<c r=\"" ref "\"><v>" v "</v></c>"
#define MSHEET(rows, merges) "<worksheet " XB_NS "><sheetData>" rows "</sheetData><mergeCells>" \
                             merges "</mergeCells></worksheet>"
#define MERGE(ref) "<mergeCell ref=\"" ref "\"/>"

/*
 * 直补: 村(社区) merged down B2:B4 over rows 2-4, row 5 as it should be;
 * 项目: an empty title row merged across A1:F1 above the header (row 2),
 * whose last cell, 计划投资(万元), is merged across D2:F2; 说明: notes
 * merged under a title.
 */
static char *merged_workbook(size_t *len)
{
    struct xb_part parts[] = {
        {"_rels/.rels", xb_root_rels, 0},
        {"xl/workbook.xml",
         "<workbook " XB_NS "><sheets>"
         "<sheet name=\"直补\" sheetId=\"1\" r:id=\"rId1\"/>"
         "<sheet name=\"项目\" sheetId=\"2\" r:id=\"rId2\"/>"
         "<sheet name=\"说明\" sheetId=\"3\" r:id=\"rId3\"/>"
         "</sheets></workbook>",
         0},
        {"xl/_rels/workbook.xml.rels", rels3, 0},
        {"xl/styles.xml", xb_styles, 0},
        {"xl/worksheets/sheet1.xml",
         MSHEET("<row r=\"1\">" ISR("A1", "核定人数") ISR("B1", "村(社区)") ISR("C1", "发放月数")
                ISR("D1", "发放人数") "</row>"
                "<row r=\"2\">" NUMR("A2", "10") ISR("B2", "金鹗村") NUMR("C2", "12")
                NUMR("D2", "10") "</row>"
                "<row r=\"3\">" NUMR("A3", "8") NUMR("C3", "12") NUMR("D3", "8") "</row>"
                "<row r=\"4\">" NUMR("A4", "6") NUMR("C4", "12") NUMR("D4", "6") "</row>"
                "<row r=\"5\">" NUMR("A5", "5") ISR("B5", "白马村") NUMR("C5", "12")
                NUMR("D5", "5") "</row>",
                MERGE("B2:B4")),
         0},
        {"xl/worksheets/sheet2.xml",
         MSHEET("<row r=\"1\" ht=\"28\"><c r=\"A1\" s=\"5\"/></row>"
                "<row r=\"2\">" ISR("A2", "项目编号") ISR("B2", "项目名称") ISR("C2", "项目类别")
                ISR("D2", "计划投资(万元)") "</row>"
                "<row r=\"3\">" ISR("A3", "P-9") ISR("B3", "清水村组道路") ISR("C3", "道路硬化")
                NUMR("D3", "12.5") "</row>",
                MERGE("A1:F1") MERGE("D2:F2")),
         0},
        {"xl/worksheets/sheet3.xml",
         MSHEET("<row r=\"1\">" ISR("A1", "填表说明") "</row>"
                "<row r=\"2\">" ISR("A2", "村(社区)请每行填写") "</row>",
                MERGE("A1:D1") MERGE("A2:D6")),
         0},
    };

    return xb_zip(parts, sizeof(parts) / sizeof(parts[0]), len);
}

static void test_merged_cells(void **state)
{
    struct env *e = *state;
    char path[512], *data, *text;
    const char *submit[] = {"submit", "--year", "2023", path, NULL};
    size_t len;

    it_path(path, sizeof(path), e->dir, "合并.xlsx");
    data = merged_workbook(&len);
    write_bytes(path, data, len);
    free(data);

    assert_int_equal(run(e, submit), 1);
    expect_output(e, "合并.xlsx:直补:2: 村(社区): 单元格 B2: 是合并单元格（B2:B4）的一部分，"
                     "合并后只有 B2 有值；请取消合并，并在每一行填写");
    expect_output(e, "合并.xlsx:直补:3: 村(社区): 单元格 B3: 是合并单元格（B2:B4）的一部分");
    expect_output(e, "合并.xlsx:直补:4: 村(社区): 单元格 B4: 是合并单元格（B2:B4）的一部分");
    expect_output(e, "合并.xlsx:直补: 直补，读取 1 行，无效 3 行");
    expect_output(e, "合并.xlsx:项目: 项目，读取 1 行，无效 0 行");
    expect_output(e, "合并.xlsx:说明: 不是记录表，已跳过");
    text = it_read_file(e->out);
    assert_null(strstr(text, "必填"));
    assert_null(strstr(text, "合并.xlsx:项目:2"));
    assert_null(strstr(text, "合并.xlsx:项目:3"));
    assert_null(strstr(text, "合并.xlsx:说明:1"));
    free(text);
    expect_output(e, "入库 2，");
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 2);
    /* Nothing of rows 2-4 is stored: no 金鹗村, and no village left empty
     * (the bodies searched as bytes, in each backend's words). */
    assert_int_equal(it_sql_int(e->db, it_db_is_pg(e->db)
                                           ? "SELECT count(*) FROM records WHERE position("
                                             "convert_to('金鹗村', 'UTF8') in body) > 0"
                                           : "SELECT count(*) FROM records WHERE "
                                             "instr(body, CAST('金鹗村' AS BLOB)) > 0"),
                     0);
    assert_int_equal(it_sql_int(e->db, it_db_is_pg(e->db)
                                           ? "SELECT count(*) FROM records WHERE position("
                                             "convert_to('白马村', 'UTF8') in body) > 0"
                                           : "SELECT count(*) FROM records WHERE "
                                             "instr(body, CAST('白马村' AS BLOB)) > 0"),
                     1);
}

static void test_refused_files(void **state)
{
    struct env *e = *state;
    char xls[512], broken[512];
    const char *a[] = {"submit", xls, NULL}, *b[] = {"submit", broken, NULL};
    static const char ole[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest of an old workbook";

    it_path(xls, sizeof(xls), e->dir, "old.xls");
    it_path(broken, sizeof(broken), e->dir, "broken.xlsx");
    write_bytes(xls, ole, sizeof(ole) - 1);
    write_bytes(broken, "PK\3\4 not really", 15);
    assert_int_equal(run(e, a), 1);
    expect_output(e, "old.xls: 这是 Excel 97-2003 工作簿（.xls）或设了密码的工作簿");
    assert_int_equal(run(e, b), 1);
    expect_output(e, "broken.xlsx: 不是 xlsx 工作簿");
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sheets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_sheets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_template_submitted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merged_cells, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

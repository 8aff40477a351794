/*
 * test_xltpl.c - tests for the Excel templates (rs_xltpl.h): every record
 * type's template is written, read back with the xlsx reader, and its
 * header is accepted by the row mapper as that type, its hint row
 * recognised, its hidden sheet naming type, version and data sheet; a
 * round trip in which a script fills a template (cells added to the sheet
 * XML as Excel stores them: numbers as doubles, dates as serials in the
 * template's own date format, codes as text) and the rows come back as the
 * records typed; drop-down lists of division codes and enum names; and the
 * hidden sheet's refusals (newer version, unknown type).
 *
 * Does not: test the reader's cell types one by one (test_xlsx.c) or run
 * LibreOffice (itest_libreoffice.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include <cmocka.h>

#include "rs_rowmap.h"
#include "rs_rtype.h"
#include "rs_xlsx.h"
#include "rs_xltpl.h"
#include "tmpdir_fixture.h"
#include "xlsx_build.h"

#define ERRLEN 512

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* The entries of a package, read with libzip: names and bytes (NUL-terminated). */
struct entries {
    size_t n;
    char *name[64];
    char *data[64];
    size_t len[64];
};

static void entries_read(struct entries *e, const char *data, size_t len)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;

    zip_error_init(&ze);
    src = zip_source_buffer_create(data, len, 0, &ze);
    assert_non_null(src);
    za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    assert_non_null(za);
    e->n = (size_t)zip_get_num_entries(za, 0);
    assert_true(e->n <= 64);
    for (size_t i = 0; i < e->n; i++) {
        zip_stat_t st;
        zip_file_t *f;

        assert_int_equal(zip_stat_index(za, i, 0, &st), 0);
        e->name[i] = strdup(st.name);
        e->len[i] = (size_t)st.size;
        e->data[i] = malloc(e->len[i] + 1);
        f = zip_fopen_index(za, i, 0);
        assert_non_null(f);
        assert_int_equal(zip_fread(f, e->data[i], e->len[i]), (zip_int64_t)e->len[i]);
        e->data[i][e->len[i]] = '\0';
        zip_fclose(f);
    }
    zip_discard(za);
    zip_error_fini(&ze);
}

static void entries_free(struct entries *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->name[i]);
        free(e->data[i]);
    }
}

static char *entry(struct entries *e, const char *name)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->name[i], name) == 0)
            return e->data[i];
    fail_msg("no entry %s", name);
    return NULL;
}

static void write_template(const char *path, rs_rtype t, bool wan, const char *const *divs,
                           size_t ndivs)
{
    struct rs_xltpl_opts o = {.type = t, .money_wan = wan, .divisions = divs,
                              .ndivisions = ndivs};
    char err[ERRLEN] = "";

    if (rs_xltpl_write(path, &o, err, sizeof(err)) != RS_OK)
        fail_msg("template of %s: %s", rs_rtype_name(t), err);
}

/* Copies a row's cells (they live only until the next row). */
static char **copy_cells(const struct rs_xlsx_row *r)
{
    char **c = calloc(r->ncells + 1, sizeof(*c));

    assert_non_null(c);
    for (size_t i = 0; i < r->ncells; i++)
        c[i] = strdup(r->cells[i]);
    return c;
}

static void free_cells(char **c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i]);
    free(c);
}

/* ---------------------------------------------------------------- every type */

static void check_type(const char *dir, const struct rs_rtype_def *def, bool wan)
{
    char path[256], err[ERRLEN] = "", **header;
    struct rs_xltpl_meta meta;
    struct rs_xlsx *x = NULL;
    struct rs_xlsx_sheet *s = NULL;
    struct rs_xlsx_row r;
    struct rs_rowmap *m = NULL;
    struct rs_row_defaults defaults = {.division_code = "430602001", .year = 2023};
    size_t len, nh;
    char *data;

    snprintf(path, sizeof(path), "%s/%s.xlsx", dir, def->name);
    write_template(path, def->type, wan, NULL, 0);
    data = slurp(path, &len);
    assert_int_equal(rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_nsheets(x), 2);
    assert_string_equal(rs_xlsx_sheet_name(x, 0), def->label);
    assert_false(rs_xlsx_sheet_hidden(x, 0));
    assert_string_equal(rs_xlsx_sheet_name(x, 1), RS_XLTPL_META_SHEET);
    assert_true(rs_xlsx_sheet_hidden(x, 1));
    assert_int_equal(rs_xltpl_meta_read(x, &meta, err, sizeof(err)), RS_OK);
    assert_true(meta.found);
    assert_int_equal(meta.version, RS_XLTPL_VERSION);
    assert_int_equal(meta.type, def->type);
    assert_string_equal(meta.sheet, def->label);

    assert_int_equal(rs_xlsx_sheet_open(x, 0, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_int_equal(r.row, 1);
    header = copy_cells(&r);
    nh = r.ncells;
    /* Detected from the header alone, and every column bound. */
    if (rs_rowmap_open(header, nh, RS__RECORD__BODY__NOT_SET, &defaults, &m, err,
                       sizeof(err)) != RS_OK)
        fail_msg("%s: %s", def->name, err);
    assert_int_equal(rs_rowmap_type(m), def->type);
    assert_false(rs_xltpl_is_hint_row(def->type, header, nh));
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_int_equal(r.row, 2);
    assert_int_equal(r.ncells, nh);
    assert_true(rs_xltpl_is_hint_row(def->type, r.cells, r.ncells));
    for (size_t i = 0; i < r.ncells; i++)
        assert_true(r.cells[i][0] != '\0');
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_ENOTFOUND);
    /* Units in the header, from the table. */
    for (size_t i = 0; i < def->nfields; i++) {
        const struct rs_field *f = &def->fields[i];
        char want[64];

        if (f->flags & RS_FF_CSV_ONLY)
            continue;
        rs_xltpl_header(f, wan, want, sizeof(want));
        assert_true(want[0] != '\0');
        if (f->kind == RS_FK_MONEY)
            assert_non_null(strstr(want, f->unit ? f->unit : wan ? "（万元）" : "（元）"));
        {
            bool seen = false;

            for (size_t j = 0; j < nh && !seen; j++)
                seen = strcmp(header[j], want) == 0;
            if (!seen)
                fail_msg("%s: no column %s", def->name, want);
        }
    }
    rs_rowmap_close(m);
    free_cells(header, nh);
    rs_xlsx_sheet_close(s);
    rs_xlsx_close(x);
    free(data);
    unlink(path);
}

static void test_every_type(void **state)
{
    struct fixture *fx = *state;
    size_t n = 0;

    for (const struct rs_rtype_def *def; (def = rs_rtype_at(n)) != NULL; n++)
        check_type(fx->dir, def, n % 2 == 1);
    assert_true(n >= 15);
}

/* ---------------------------------------------------------------- filled by a script */

/* The style index libxlsxwriter gave column col (1-based) in <cols>. */
static int col_style(const char *sheet, int col)
{
    char key[64];
    const char *p, *st, *end;

    snprintf(key, sizeof(key), "<col min=\"%d\" max=\"%d\"", col, col);
    p = strstr(sheet, key);
    assert_non_null(p);
    end = strchr(p, '>');
    st = strstr(p, "style=\"");
    assert_true(st && st < end);
    return atoi(st + 7);
}

/* The 1-based column whose header is name (the shared strings are the template's). */
static int col_of(char **header, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(header[i], name) == 0)
            return (int)i + 1;
    fail_msg("no column %s", name);
    return 0;
}

static void test_round_trip(void **state)
{
    struct fixture *fx = *state;
    char path[256], err[ERRLEN] = "", **header = NULL;
    struct entries e = {0};
    struct xb_part parts[64];
    struct rs_xlsx *x = NULL;
    struct rs_xlsx_sheet *s = NULL;
    struct rs_xlsx_row r;
    struct rs_xltpl_meta meta;
    struct rs_rowmap *m = NULL;
    struct rs_row_defaults defaults = {.division_code = "430602001", .year = 2023};
    Rs__Record *rec = NULL;
    struct rs_verdict v;
    char *data, *sheet, *grown, rows[2048];
    size_t len, nh = 0;
    int date_style;

    snprintf(path, sizeof(path), "%s/project.xlsx", fx->dir);
    write_template(path, RS__RECORD__BODY_PROJECT, true, NULL, 0);
    data = slurp(path, &len);
    /* The header, as the reader sees it. */
    assert_int_equal(rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_open(x, 0, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    header = copy_cells(&r);
    nh = r.ncells;
    rs_xlsx_sheet_close(s);
    rs_xlsx_close(x);

    /* The script: rows 3 and 4 added to the sheet as Excel would store them. */
    entries_read(&e, data, len);
    sheet = entry(&e, "xl/worksheets/sheet1.xml");
    date_style = col_style(sheet, col_of(header, nh, "实际开工日期"));
    {
        char a[16], b[16], c[16], d[16], f[16], g[16], h[16], k[16];

        /* In column order, as Excel writes them. */
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, nh, "项目编号") - 1, a);
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, nh, "项目名称") - 1, b);
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, nh, "项目类别") - 1, c);
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, nh, "计划投资（万元）") - 1, d);
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, nh, "完成投资（万元）") - 1, k);
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, nh, "形象进度（%）") - 1, g);
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, nh, "实际开工日期") - 1, f);
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, nh, "是否公示") - 1, h);
        snprintf(rows, sizeof(rows),
                 "<row r=\"3\"><c r=\"%s\" t=\"inlineStr\"><is><t>0012</t></is></c>"
                 "<c r=\"%s\" t=\"inlineStr\"><is><t>金鹗村组道路硬化</t></is></c>"
                 "<c r=\"%s\" t=\"inlineStr\"><is><t>道路硬化</t></is></c>"
                 "<c r=\"%s\"><v>7.1641000000000005E2</v></c>"
                 "<c r=\"%s\"><f>%s*1</f><v>158.93</v></c>"
                 "<c r=\"%s\"><v>100</v></c>"
                 "<c r=\"%s\" s=\"%d\"><v>45000</v></c>"
                 "<c r=\"%s\" t=\"inlineStr\"><is><t>是</t></is></c></row>"
                 "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>P-2</t></is></c></row>"
                 "</sheetData>",
                 a, b, c, d, k, d, g, f, date_style, h);
    }
    grown = malloc(strlen(sheet) + strlen(rows) + 1);
    assert_non_null(grown);
    {
        const char *end = strstr(sheet, "</sheetData>");

        assert_non_null(end);
        memcpy(grown, sheet, (size_t)(end - sheet));
        strcpy(grown + (end - sheet), rows);
        strcat(grown, end + strlen("</sheetData>"));
    }
    for (size_t i = 0; i < e.n; i++) {
        parts[i].name = e.name[i];
        parts[i].data = strcmp(e.name[i], "xl/worksheets/sheet1.xml") == 0 ? grown : e.data[i];
        parts[i].len = strcmp(e.name[i], "xl/worksheets/sheet1.xml") == 0 ? strlen(grown)
                                                                             : e.len[i];
    }
    free(data);
    data = xb_zip(parts, e.n, &len);
    entries_free(&e);
    free(grown);

    /* Read back as the submit path does. */
    assert_int_equal(rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xltpl_meta_read(x, &meta, err, sizeof(err)), RS_OK);
    assert_true(meta.found);
    assert_int_equal(rs_xlsx_sheet_open(x, 0, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_int_equal(rs_rowmap_open(r.cells, r.ncells, meta.type, &defaults, &m, err,
                                    sizeof(err)),
                     RS_OK);
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_true(rs_xltpl_is_hint_row(meta.type, r.cells, r.ncells));
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_int_equal(r.row, 3);
    assert_null(r.problem);
    assert_false(rs_xltpl_is_hint_row(meta.type, r.cells, r.ncells));
    if (rs_rowmap_row(m, r.cells, r.ncells, &rec, &v) != RS_OK)
        fail_msg("row 3: %s: %s", v.field, v.reason);
    assert_int_equal(rec->body_case, RS__RECORD__BODY_PROJECT);
    assert_string_equal(rec->project->project_id, "0012");
    assert_string_equal(rec->project->name, "金鹗村组道路硬化");
    assert_int_equal(rec->project->category, RS__PROJECT_CATEGORY__CAT_ROAD);
    assert_true(rec->project->has_planned_investment_fen);
    assert_int_equal(rec->project->planned_investment_fen, 716410000);    /* 716.41 万元 */
    assert_int_equal(rec->project->completed_investment_fen, 158930000);
    assert_int_equal(rec->project->actual_start, 20230315);
    assert_int_equal(rec->project->progress_pct, 100);
    assert_true(rec->project->publicity_done);
    assert_string_equal(rec->division_code, "430602001");
    assert_int_equal(rec->year, 2023);
    rs__record__free_unpacked(rec, NULL);
    /* Row 4 lacks the required name and category. */
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    assert_int_equal(r.row, 4);
    assert_int_not_equal(rs_rowmap_row(m, r.cells, r.ncells, &rec, &v), RS_OK);
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_ENOTFOUND);
    rs_rowmap_close(m);
    rs_xlsx_sheet_close(s);
    rs_xlsx_close(x);
    free(data);
    free_cells(header, nh);
    unlink(path);
}

/* ---------------------------------------------------------------- lists */

static void test_lists(void **state)
{
    struct fixture *fx = *state;
    const char *divs[] = {"430602001", "430602002", "430602"};
    const char *bad[] = {"430602001", "43060200X"};
    const char *many[RS_XLTPL_LIST_MAX + 1];
    char path[256], codes[RS_XLTPL_LIST_MAX + 1][16], err[ERRLEN];
    struct rs_xltpl_opts o = {.type = RS__RECORD__BODY_RELIEF};
    struct entries e = {0};
    char *data, *sheet;
    size_t len;

    snprintf(path, sizeof(path), "%s/relief.xlsx", fx->dir);
    write_template(path, RS__RECORD__BODY_RELIEF, false, divs, 3);
    data = slurp(path, &len);
    entries_read(&e, data, len);
    sheet = entry(&e, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sheet, "<formula1>\"430602001,430602002,430602\"</formula1>"));
    assert_non_null(strstr(sheet, "<formula1>\"特困救助,"));   /* the kinds of relief */
    assert_non_null(strstr(sheet, "<pane ySplit=\"2\" topLeftCell=\"A3\""));
    /* Every kind of relief is offered, each as a name a cell may say. */
    {
        const ProtobufCEnumDescriptor *ed = &rs__relief_kind__descriptor;
        const char *list = strstr(sheet, "<formula1>\"特困救助,");
        const char *end;
        size_t n = 0;

        assert_non_null(list);
        list += strlen("<formula1>\"");
        end = strchr(list, '"');
        assert_non_null(end);
        while (list < end) {
            size_t w = strcspn(list, ",\"");
            int back;

            assert_true(rs_enum_parse(ed, list, w, &back));
            assert_int_not_equal(back, 0);
            n++;
            list += w + (list[w] == ',' ? 1 : 0);
        }
        assert_int_equal(n, ed->n_values - 1);
    }
    entries_free(&e);
    free(data);
    unlink(path);

    o.divisions = bad;
    o.ndivisions = 2;
    assert_int_equal(rs_xltpl_write(path, &o, err, sizeof(err)), RS_EINVAL);
    assert_non_null(strstr(err, "“43060200X”不是区划代码"));
    for (size_t i = 0; i < RS_XLTPL_LIST_MAX + 1; i++) {
        snprintf(codes[i], sizeof(codes[i]), "430602%03zu", i);
        many[i] = codes[i];
    }
    o.divisions = many;
    o.ndivisions = RS_XLTPL_LIST_MAX + 1;
    assert_int_equal(rs_xltpl_write(path, &o, err, sizeof(err)), RS_ETOOBIG);
    o.ndivisions = 30;     /* 299 bytes with the commas */
    assert_int_equal(rs_xltpl_write(path, &o, err, sizeof(err)), RS_ETOOBIG);
    assert_non_null(strstr(err, "放不进下拉列表"));
    assert_int_not_equal(access(path, F_OK), 0);
    o.ndivisions = 25;
    assert_int_equal(rs_xltpl_write(path, &o, err, sizeof(err)), RS_OK);
    unlink(path);
    o.type = RS__RECORD__BODY__NOT_SET;
    assert_int_equal(rs_xltpl_write(path, &o, err, sizeof(err)), RS_EINVAL);
}

/* ---------------------------------------------------------------- the hidden sheet */

static void expect_meta(const char *meta_sheet, rs_status want, bool found, const char *what)
{
    static const char book[] =
        "<?xml version=\"1.0\"?><workbook " XB_NS "><sheets>"
        "<sheet name=\"数据\" sheetId=\"1\" r:id=\"rId1\"/>"
        "<sheet name=\"resettle\" sheetId=\"2\" state=\"hidden\" r:id=\"rId2\"/>"
        "</sheets></workbook>";
    struct xb_part parts[] = {
        {"_rels/.rels", xb_root_rels, 0},
        {"xl/workbook.xml", book, 0},
        {"xl/_rels/workbook.xml.rels", xb_book_rels, 0},
        {"xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>", 0},
        {"xl/worksheets/sheet2.xml", meta_sheet, 0},
    };
    struct rs_xltpl_meta m;
    struct rs_xlsx *x = NULL;
    char err[ERRLEN] = "", *data;
    size_t len;

    data = xb_zip(parts, 5, &len);
    assert_int_equal(rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xltpl_meta_read(x, &m, err, sizeof(err)), want);
    assert_int_equal(m.found, found);
    if (what && !strstr(err, what))
        fail_msg("'%s' does not mention '%s'", err, what);
    rs_xlsx_close(x);
    free(data);
}

#define META(rows) "<worksheet><sheetData>" rows "</sheetData></worksheet>"
#define KV(r, k, v) "<row r=\"" #r "\"><c r=\"A" #r "\" t=\"inlineStr\"><is><t>" k "</t></is></c>" \
                    "<c r=\"B" #r "\" t=\"inlineStr\"><is><t>" v "</t></is></c></row>"

static void test_meta(void **state)
{
    (void)state;
    expect_meta(META(KV(1, "template", "resettle") KV(2, "version", "1") KV(3, "type", "救助")
                     KV(4, "sheet", "数据")),
                RS_OK, true, NULL);
    expect_meta(META(KV(1, "template", "resettle") KV(2, "version", "2") KV(3, "type", "relief")),
                RS_EINVAL, false, "模板版本为2，本程序只能读取版本1");
    expect_meta(META(KV(1, "template", "resettle") KV(2, "version", "1") KV(3, "type", "colour")),
                RS_EINVAL, false, "模板的记录类型“colour”未知");
    expect_meta(META(KV(1, "template", "resettle") KV(3, "type", "relief")), RS_EINVAL, false,
                "缺少版本号");
    /* A clerk's own sheet that happens to be called resettle. */
    expect_meta(META(KV(1, "姓名", "张三")), RS_OK, false, NULL);
    expect_meta(META(""), RS_OK, false, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_type, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_lists, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_meta),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

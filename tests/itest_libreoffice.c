/*
 * itest_libreoffice.c - a clerk's Excel round trip with LibreOffice itself:
 * `resettle template` writes a project template, LibreOffice (headless,
 * with a private profile) opens it, types a clerk's values into it and
 * saves it as .xlsx (tests/libreoffice/Fill.xba), and `resettle submit`
 * sends that workbook to a real resettled; the records are then read back
 * from the server's database and compared field by field (money in 万元
 * to fen, dates typed into date cells, a code typed into a text cell, a
 * formula's cached value, 是/否), the invalid row is named as
 * file:sheet:row: column: reason, and a second submit adds nothing.
 *
 * LibreOffice is required: without `soffice` on PATH the test fails and
 * says what to install (deploy/install-deps.sh installs it).
 *
 * Does not: test the reader's cell types one by one (test_xlsx.c) or the
 * template's layout (test_xltpl.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rawdb.h"
#include "rs_xlsx.h"

#define TOWN "430602001"
#define LO_TIMEOUT_MS 180000

struct env {
    char dir[256];
    char db[512];
    char *tok;
    struct it_server srv;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "lo");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
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

/* The soffice on PATH, into out; 0, or -1 if there is none. */
static int find_soffice(char *out, size_t n)
{
    const char *path = getenv("PATH");

    while (path && *path) {
        size_t len = strcspn(path, ":");

        snprintf(out, n, "%.*s/soffice", (int)len, path);
        if (len && access(out, X_OK) == 0)
            return 0;
        path += len + (path[len] == ':');
    }
    return -1;
}

/* The template's header cells (row 1 of its first sheet). */
static size_t read_header(const char *path, char header[][64], size_t max)
{
    char *data = it_read_file(path), err[512];
    struct stat st;
    struct rs_xlsx *x = NULL;
    struct rs_xlsx_sheet *s = NULL;
    struct rs_xlsx_row r;
    size_t n = 0;

    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(rs_xlsx_open(data, (size_t)st.st_size, NULL, &x, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_open(x, 0, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_xlsx_sheet_next(s, &r), RS_OK);
    for (; n < r.ncells && n < max; n++)
        snprintf(header[n], 64, "%s", r.cells[n]);
    rs_xlsx_sheet_close(s);
    rs_xlsx_close(x);
    free(data);
    return n;
}

static size_t col_of(char header[][64], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(header[i], name) == 0)
            return i;
    fail_msg("the template has no column %s", name);
    return 0;
}

/* One line of the clerk's typing: "header=value" pairs into a tab-separated line. */
static void put_row(FILE *f, char header[][64], size_t n, const char *const *pairs)
{
    const char *val[64] = {0};

    for (size_t i = 0; pairs[i]; i++) {
        const char *eq = strchr(pairs[i], '=');
        char name[64];

        assert_non_null(eq);
        snprintf(name, sizeof(name), "%.*s", (int)(eq - pairs[i]), pairs[i]);
        val[col_of(header, n, name)] = eq + 1;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? "\t" : "", val[i] ? val[i] : "");
    fputc('\n', f);
}

struct wanted {
    const char *id;
    Rs__Record *found;
};

static bool is_wanted(const void *body, size_t len, void *arg)
{
    struct wanted *w = arg;
    Rs__Record *r = rs__record__unpack(NULL, len, body);

    assert_non_null(r);
    if (r->body_case == RS__RECORD__BODY_PROJECT && strcmp(r->project->project_id, w->id) == 0) {
        w->found = r;
        return false;
    }
    rs__record__free_unpacked(r, NULL);
    return true;
}

/* The stored project whose id is id, unpacked (caller frees). */
static Rs__Record *stored(const struct env *e, const char *id)
{
    struct wanted w = {id, NULL};
    Rs__Record *found;

    rawdb_each_blob(e->db, "SELECT body FROM records", is_wanted, &w);
    found = w.found;
    if (!found)
        fail_msg("project %s was not stored", id);
    return found;
}

static void test_filled_by_libreoffice(void **state)
{
    struct env *e = *state;
    char soffice[1024], tpl[512], data[512], filled[512], profile[512], profile_url[600];
    char macro[2048], module[600], ob[512], out[512], lo_out[512], header[64][64], *text;
    const char *tpl_args[] = {"template", "--type", "项目", "--money-unit", "wan", "--out", tpl,
                              NULL};
    const char *submit[] = {"submit", filled, NULL};
    Rs__Record *r;
    size_t n;
    FILE *f;
    int st;

    if (find_soffice(soffice, sizeof(soffice)) != 0)
        fail_msg("LibreOffice is not installed (no soffice on PATH): apt-get install "
                 "libreoffice-calc-nogui, or run deploy/install-deps.sh");
    it_path(tpl, sizeof(tpl), e->dir, "项目模板.xlsx");
    it_path(data, sizeof(data), e->dir, "typed.tsv");
    it_path(filled, sizeof(filled), e->dir, "金鹗山街道2023项目.xlsx");
    it_path(profile, sizeof(profile), e->dir, "lo-profile");
    it_path(ob, sizeof(ob), e->dir, "outbox.db");
    it_path(out, sizeof(out), e->dir, "client.out");
    it_path(lo_out, sizeof(lo_out), e->dir, "soffice.out");
    snprintf(profile_url, sizeof(profile_url), "-env:UserInstallation=file://%s", profile);

    /* The centre hands out a template. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN, e->tok, ob, out, tpl_args), 0);
    n = read_header(tpl, header, 64);
    assert_true(n > 20);

    /* What the clerk types. */
    f = fopen(data, "wb");
    assert_non_null(f);
    {
        char formula[64];
        const char *row3[] = {"项目编号=P-2023-001", "村(社区)=金鹗村", "项目名称=金鹗村组道路硬化",
                              "项目类别=道路硬化", "建设规模=1.2", "规模单位=km",
                              "计划投资（万元）=716.41", "后扶资金（万元）=158.93", formula,
                              "已支付资金（万元）=150", "形象进度（%）=100", "项目阶段=竣工验收",
                              "实际开工日期=2023-03-15", "实际完工日期=2023-09-20",
                              "验收日期=2023-10-15", "验收结果=合格", "受益户数（户）=120",
                              "是否公示=是", "年度=2023", "填报人=张三", NULL};
        const char *row4[] = {"项目编号=0012", "项目名称=洞庭村山塘清淤", "项目类别=山塘",
                              "计划投资（万元）=40", "完成投资（万元）=12.5", "形象进度（%）=30",
                              "项目阶段=在建", "实际开工日期=2023-08-01", "是否公示=否",
                              "年度=2023", NULL};
        const char *row5[] = {"项目编号=P-2023-003", "项目名称=新桥", "项目类别=桥梁",
                              "项目阶段=完工", "年度=2023", NULL};
        char ref[16];

        /* 完成投资 is a formula on 后扶资金: LibreOffice saves its value with it. */
        rs_xlsx_cell_name(3, (uint32_t)col_of(header, n, "后扶资金（万元）"), ref);
        snprintf(formula, sizeof(formula), "完成投资（万元）==%s*1", ref);
        put_row(f, header, n, row3);
        put_row(f, header, n, row4);
        put_row(f, header, n, row5);
    }
    assert_int_equal(fclose(f), 0);

    /* LibreOffice: a private profile, the clerk's module in it, then the typing. */
    {
        char *init[] = {soffice, "--headless", profile_url, "--terminate_after_init", NULL};

        st = it_wait(it_spawn(init, lo_out, lo_out), LO_TIMEOUT_MS);
        assert_int_equal(st, 0);
    }
    snprintf(module, sizeof(module), "%s/user/basic/Standard/Module1.xba", profile);
    assert_int_equal(access(module, F_OK), 0);
    assert_int_equal(it_copy_file(RS_SOURCE_DIR "/tests/libreoffice/Fill.xba", module), 0);
    snprintf(macro, sizeof(macro), "macro:///Standard.Module1.Fill(\"%s\",\"%s\",\"%s\")", tpl,
             data, filled);
    {
        char *fill[] = {soffice, "--headless", "--norestore", profile_url, macro, NULL};

        st = it_wait(it_spawn(fill, lo_out, lo_out), LO_TIMEOUT_MS);
        if (st != 0 || access(filled, F_OK) != 0) {
            text = it_read_file(lo_out);
            fail_msg("LibreOffice exit %d, no %s; its output:\n%s", st, filled, text);
        }
    }

    /* The clerk submits what LibreOffice saved. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN, e->tok, ob, out, submit), 1);
    text = it_read_file(out);
    if (!strstr(text, ":项目:5: 实际完工日期: 项目阶段为完工及以后时实际完工日期为必填项") ||
        !strstr(text, ":项目: 项目，读取 2 行，无效 1 行") ||
        !strstr(text, "入发件箱 2 条（新增 2，修改 0），未变 0 条，无效 1 条") ||
        !strstr(text, "入库 2，"))
        fail_msg("unexpected client output:\n%s", text);
    free(text);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 2);

    r = stored(e, "P-2023-001");
    assert_string_equal(r->division_code, TOWN);
    assert_int_equal(r->year, 2023);
    assert_string_equal(r->submitted_by, "张三");
    assert_string_equal(r->project->name, "金鹗村组道路硬化");
    assert_string_equal(r->project->village, "金鹗村");
    assert_int_equal(r->project->category, RS__PROJECT_CATEGORY__CAT_ROAD);
    assert_int_equal(r->project->scale_qty_milli, 1200);
    assert_int_equal(r->project->planned_investment_fen, 716410000);
    assert_int_equal(r->project->fund_houfu_fen, 158930000);
    assert_int_equal(r->project->completed_investment_fen, 158930000);
    assert_int_equal(r->project->paid_fen, 150000000);
    assert_int_equal(r->project->progress_pct, 100);
    assert_int_equal(r->project->stage, RS__PROJECT_STAGE__STAGE_ACCEPTED);
    assert_int_equal(r->project->actual_start, 20230315);
    assert_int_equal(r->project->actual_end, 20230920);
    assert_int_equal(r->project->acceptance_date, 20231015);
    assert_int_equal(r->project->acceptance_result, RS__ACCEPTANCE__ACCEPT_PASSED);
    assert_int_equal(r->project->beneficiary_households, 120);
    assert_true(r->project->has_publicity_done && r->project->publicity_done);
    assert_false(r->project->has_fund_kuqu_fen);      /* left empty: absent, not 0 */
    rs__record__free_unpacked(r, NULL);
    r = stored(e, "0012");
    assert_int_equal(r->project->completed_investment_fen, 12500000);
    assert_int_equal(r->project->stage, RS__PROJECT_STAGE__STAGE_BUILDING);
    assert_int_equal(r->project->actual_start, 20230801);
    assert_true(r->project->has_publicity_done && !r->project->publicity_done);
    rs__record__free_unpacked(r, NULL);

    /* The same workbook again: nothing new. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN, e->tok, ob, out, submit), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "入发件箱 0 条（新增 0，修改 0），未变 2 条，无效 1 条"));
    free(text);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filled_by_libreoffice, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * itest_golden.c - the seed's 2023 year, end to end.
 *
 * Registers the offices of samples/yueyang-2023/offices.csv on a fresh
 * database, starts the real resettled, submits every sample CSV through
 * the real resettle client (each township its own files, the central
 * office the unit-level ones), pulls the 2023 report as JSON and as
 * Markdown, and asserts every figure of the seed report's table in
 * samples/yueyang-2023/README.md ("The published report") and each of the
 * five inconsistencies listed there (tests/golden_expect.md has the expected values and where they
 * come from).  JSON is read with cJSON so money is compared in fen.
 *
 * It also pulls the report as Word, Excel and HTML (twice each, which
 * must give the same bytes) and reads each back against the JSON
 * (golden_formats.h).  With RS_FORMATS_OUT set (CTest sets it), those
 * files and the JSON are written into that folder, where the browser and
 * LibreOffice tests (tests/formats/) render them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "golden_formats.h"
#include "itest_harness.h"

#define SAMPLES RS_SOURCE_DIR "/samples/yueyang-2023"
#define CENTRAL "430602"

struct blob {
    char *p;
    size_t len;
};

/* The office formats, in the order of fmt_name. */
enum { F_DOCX, F_XLSX, F_HTML, F_N };
static const char *const fmt_name[F_N] = {"docx", "xlsx", "html"};

struct golden {
    char dir[256];
    char db[512];
    char out[600];      /* where the report files go: RS_FORMATS_OUT, else dir */
    struct it_server srv;
    cJSON *json;        /* the consolidated report */
    char *md;           /* the same report in Markdown */
    char *township_md;  /* a township's own breakdown */
    struct blob fmt[F_N], again[F_N], township[F_N];
};

static struct golden g;

/* ------------------------------------------------------------ JSON helpers */

static const cJSON *jget(const cJSON *o, const char *path)
{
    char buf[256], *save = NULL, *key;

    snprintf(buf, sizeof(buf), "%s", path);
    for (key = strtok_r(buf, ".", &save); key && o; key = strtok_r(NULL, ".", &save))
        o = cJSON_GetObjectItemCaseSensitive(o, key);
    return o;
}

static long long jint(const cJSON *o, const char *path)
{
    const cJSON *v = jget(o, path);

    if (!cJSON_IsNumber(v)) {
        fprintf(stderr, "no number at %s\n", path);
        return -1;
    }
    return (long long)v->valuedouble;
}

static const char *jstr(const cJSON *o, const char *path)
{
    const cJSON *v = jget(o, path);

    return cJSON_IsString(v) ? v->valuestring : "(missing)";
}

/* The element of an array whose field `key` equals `value`. */
static const cJSON *jfind(const cJSON *arr, const char *key, const char *value)
{
    const cJSON *e;

    cJSON_ArrayForEach(e, arr)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, key);

        if (cJSON_IsString(k) && strcmp(k->valuestring, value) == 0)
            return e;
    }
    return NULL;
}

/* The finding with this code whose found text contains `needle`. */
static const cJSON *finding(const char *code, const char *needle)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, jget(g.json, "findings"))
    {
        if (strcmp(jstr(f, "code"), code) == 0 &&
            (!needle || strstr(jstr(f, "found"), needle) || strstr(jstr(f, "expected"), needle)))
            return f;
    }
    return NULL;
}

/* ------------------------------------------------------------ setup */

static int submit(const char *office, const char *token, char **files, int nfiles)
{
    char ob[600], out[600];
    const char *args[64];
    int n = 0, rc;

    snprintf(ob, sizeof(ob), "%s/%s.outbox", g.dir, office);
    snprintf(out, sizeof(out), "%s/%s.out", g.dir, office);
    args[n++] = "submit";
    for (int i = 0; i < nfiles && n < 63; i++)
        args[n++] = files[i];
    args[n] = NULL;
    rc = it_client(g.dir, &g.srv, office, token, ob, out, args);
    if (rc != 0) {
        char *text = it_read_file(out);

        fprintf(stderr, "submit by %s exited %d:\n%s\n", office, rc, text);
        free(text);
    }
    return rc;
}

static int report(const char *office, const char *token, const char *format, char **body)
{
    char ob[600], out[600], file[600];
    const char *args[] = {"report", "--year", "2023", "--format", format, "--out", file, NULL};
    int rc;

    snprintf(ob, sizeof(ob), "%s/%s-report.outbox", g.dir, office);
    snprintf(out, sizeof(out), "%s/%s-report.out", g.dir, office);
    snprintf(file, sizeof(file), "%s/report-%s.%s", g.dir, office, format);
    rc = it_client(g.dir, &g.srv, office, token, ob, out, args);
    *body = it_read_file(file);
    return rc;
}

/* Reads a whole file, binary; an empty blob if it is missing. */
static struct blob read_blob(const char *path)
{
    struct blob b = {NULL, 0};
    FILE *f = fopen(path, "rb");
    long n;

    if (!f)
        return b;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        abort();
    b.p = malloc((size_t)n + 1);
    if (!b.p || fread(b.p, 1, (size_t)n, f) != (size_t)n)
        abort();
    b.p[n] = '\0';
    b.len = (size_t)n;
    fclose(f);
    return b;
}

/* Pulls `format` into g.out/<name>.<format> (the client writes the file). */
static int report_blob(const char *office, const char *token, const char *format,
                       const char *name, struct blob *out)
{
    char ob[600], log[600], file[700];
    const char *args[] = {"report", "--year", "2023", "--format", format, "--out", file, NULL};
    int rc;

    snprintf(ob, sizeof(ob), "%s/%s-report.outbox", g.dir, office);
    snprintf(log, sizeof(log), "%s/%s-%s.out", g.dir, office, format);
    snprintf(file, sizeof(file), "%s/%s.%s", g.out, name, format);
    rc = it_client(g.dir, &g.srv, office, token, ob, log, args);
    *out = read_blob(file);
    return rc == 0 && out->len ? 0 : -1;
}

static int setup(void **state)
{
    char line[512], *tokens[16] = {0}, *codes[16] = {0}, *central_token = NULL;
    char *unit_files[32];
    int noffices = 0, nunit = 0, rc = -1;
    FILE *f;

    (void)state;
    it_tmpdir(g.dir, "golden");
    it_db_path(g.db, sizeof(g.db), g.dir, "resettle.db");
    if (getenv("RS_FORMATS_OUT") && getenv("RS_FORMATS_OUT")[0]) {
        snprintf(g.out, sizeof(g.out), "%s", getenv("RS_FORMATS_OUT"));
        if (mkdir(g.out, 0755) != 0 && errno != EEXIST)
            return -1;
    } else {
        snprintf(g.out, sizeof(g.out), "%s", g.dir);
    }
    f = fopen(SAMPLES "/offices.csv", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f) && noffices < 16) {
        char *save = NULL;
        char *code = strtok_r(line, ",\r\n", &save);
        char *name = strtok_r(NULL, ",\r\n", &save);
        char *role = strtok_r(NULL, ",\r\n", &save);

        if (!code || !name || !role || strcmp(code, "code") == 0)
            continue;
        codes[noffices] = strdup(code);
        tokens[noffices] = it_office_add(g.dir, g.db, code, name, role);
        if (!tokens[noffices])
            goto out;
        if (strcmp(role, "central") == 0)
            central_token = tokens[noffices];
        noffices++;
    }
    fclose(f);
    if (!central_token || it_server_start(&g.srv, g.dir, g.db) != 0)
        goto out;

    /* Each township submits its own files. */
    for (int i = 0; i < noffices; i++) {
        char *files[16];
        int n = 0;
        const char *kinds[] = {"project", "relief", "training", "petition", "subsidy", "survey"};

        if (tokens[i] == central_token)
            continue;
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
            char path[600];

            snprintf(path, sizeof(path), "%s/%s-%s.csv", SAMPLES, codes[i], kinds[k]);
            if (access(path, R_OK) == 0)
                files[n++] = strdup(path);
        }
        rc = n ? submit(codes[i], tokens[i], files, n) : 0;
        for (int k = 0; k < n; k++)
            free(files[k]);
        if (rc != 0)
            goto out;
    }
    /* The central office submits the unit-level files. */
    {
        const char *unit[] = {"unit_profile", "staffing",     "budget_line",  "san_gong",
                              "procurement",  "manual_score", "stated_figure"};

        for (size_t k = 0; k < sizeof(unit) / sizeof(unit[0]); k++) {
            char path[600];

            snprintf(path, sizeof(path), "%s/%s.csv", SAMPLES, unit[k]);
            unit_files[nunit++] = strdup(path);
        }
    }
    rc = submit(CENTRAL, central_token, unit_files, nunit);
    if (rc != 0)
        goto out;

    {
        char *text = NULL;

        rc = report(CENTRAL, central_token, "json", &text);
        g.json = cJSON_Parse(text);
        free(text);
        if (rc != 0 || !g.json) {
            rc = -1;
            goto out;
        }
    }
    rc = report(CENTRAL, central_token, "markdown", &g.md);
    if (rc == 0)
        rc = report("430602001", tokens[1], "markdown", &g.township_md);
    for (int k = 0; k < F_N && rc == 0; k++) {
        rc = report_blob(CENTRAL, central_token, fmt_name[k], "central", &g.fmt[k]);
        if (rc == 0)
            rc = report_blob(CENTRAL, central_token, fmt_name[k], "central-again", &g.again[k]);
        if (rc == 0)
            rc = report_blob("430602001", tokens[1], fmt_name[k], "430602001", &g.township[k]);
    }
    if (rc == 0 && strcmp(g.out, g.dir) != 0) {
        char path[700], *text = cJSON_Print(g.json);

        snprintf(path, sizeof(path), "%s/central.json", g.out);
        it_write_file(path, text);
        free(text);
    }
out:
    for (int i = 0; i < nunit; i++)
        free(unit_files[i]);
    for (int i = 0; i < noffices; i++) {
        free(codes[i]);
        free(tokens[i]);
    }
    return rc == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    int st;

    (void)state;
    st = it_server_stop(&g.srv);
    cJSON_Delete(g.json);
    free(g.md);
    free(g.township_md);
    for (int k = 0; k < F_N; k++) {
        free(g.fmt[k].p);
        free(g.again[k].p);
        free(g.township[k].p);
    }
    if (it_rmtree(g.dir) != 0)
        return -1;
    return st == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ the seed's figures */

static void test_records_all_stored(void **state)
{
    (void)state;
    assert_int_equal(jint(g.json, "records"), 639);
    assert_int_equal(jint(g.json, "records_ignored"), 0);
    assert_int_equal(it_sql_int(g.db, "SELECT count(*) FROM records"), 639);
}

static void test_staff(void **state)
{
    const cJSON *f1 = jfind(jget(g.json, "indicators"), "code", "F1");

    (void)state;
    assert_int_equal(jint(g.json, "unit.staffing.stated_total"), 14);
    assert_int_equal(jint(g.json, "unit.staffing.in_service"), 10);
    assert_int_equal(jint(g.json, "unit.staffing.retired"), 4);
    assert_int_equal(jint(g.json, "unit.staffing.establishment"), 13);
    assert_non_null(f1);
    /* In-service over establishment, never the total (14/13 = 107.7%). */
    assert_int_equal(jint(f1, "value.num"), 10);
    assert_int_equal(jint(f1, "value.den"), 13);
    assert_string_equal(jstr(f1, "value.pct"), "76.92");
    assert_string_equal(jstr(g.json, "unit.departments"), "办公室、政策法规股、计划工程股、财务股");
    assert_non_null(strstr(g.md, "内设机构4个：办公室、政策法规股、计划工程股、财务股"));
    assert_non_null(strstr(g.md, "在职人员控制率：76.92%"));
    /* The printed 77% is the same figure rounded: a note, not an error. */
    assert_non_null(finding("stated.rounded", "77%"));
}

static const cJSON *line(const char *name)
{
    const cJSON *l = jfind(jget(g.json, "budget.lines"), "line", name);

    assert_non_null(l);
    return l;
}

static void test_budget_lines(void **state)
{
    (void)state;
    assert_int_equal(jint(g.json, "budget.basic.year_start.fen"), 158930000);
    assert_int_equal(jint(line("personnel"), "year_start.fen"), 140930000);
    assert_int_equal(jint(line("public"), "year_start.fen"), 18000000);
    assert_int_equal(jint(g.json, "budget.basic.final.fen"), 153210000);
    assert_int_equal(jint(line("personnel"), "final.fen"), 137790000);
    assert_int_equal(jint(line("public"), "final.fen"), 15420000);
    assert_int_equal(jint(line("personnel"), "change.fen"), -3140000);
    assert_int_equal(jint(line("public"), "change.fen"), -2580000);
    assert_string_equal(jstr(line("personnel"), "change_reason"), "人员工资变动");
    assert_string_equal(jstr(line("public"), "change_reason"), "厉行节约");
    assert_int_equal(jint(line("project"), "year_start.fen"), 48000000);
    assert_int_equal(jint(line("project"), "final.fen"), 716410000);
    assert_int_equal(jint(line("gov_fund"), "year_start.fen"), 0);
    assert_int_equal(jint(line("gov_fund"), "final.fen"), 1149530000);
    assert_int_equal(jint(line("state_capital"), "final.fen"), 0);
    assert_int_equal(jint(line("social_insurance"), "final.fen"), 0);
    assert_non_null(strstr(g.md, "2023年初基本支出预算158.93万元，其中：人员经费140.93万元；"
                                 "公用经费18.00万元。2023年基本支出决算数153.21万元，其中人员经费"
                                 "137.79万元，较年初减少3.14万元，原因是人员工资变动；公用经费"
                                 "15.42万元，较年初减少2.58万元，原因是厉行节约。"));
    assert_non_null(strstr(g.md, "2023年项目支出决算数716.41万元"));
    assert_non_null(strstr(g.md, "政府性基金决算数1149.53万元"));
    assert_non_null(strstr(g.md, "2023年没有国有资本经营预算支出。"));
    assert_non_null(strstr(g.md, "2023年没有社会保险基金预算支出。"));
}

static void test_sangong_procurement_execution(void **state)
{
    (void)state;
    assert_int_equal(jint(g.json, "sangong.budget.fen"), 3000000);
    assert_int_equal(jint(g.json, "sangong.final.fen"), 0);
    assert_non_null(strstr(g.md, "“三公”经费预算3.00万元，实际支出0.00万元，其中：因公出国（境）费支出"
                                 "0.00万元，公务接待费支出0.00万元，公务用车运行维护费支出0.00万元。"));
    assert_int_equal(jint(g.json, "procurement.budget.fen"), 486910000);
    assert_int_equal(jint(g.json, "procurement.actual.fen"), 486910000);
    assert_string_equal(jstr(g.json, "procurement.rate.pct"), "100.00");
    /* Computed from the lines: 2019.15 of 2024.87, not the stated 2026.86 / 100%. */
    assert_int_equal(jint(g.json, "budget.total.final.fen"), 2019150000);
    assert_int_equal(jint(g.json, "budget.total.adjusted.fen"), 2024870000);
    assert_string_equal(jstr(g.json, "budget.total.execution_rate.pct"), "99.72");
}

static void test_projects(void **state)
{
    const cJSON *cats = jget(g.json, "district.projects.by_category");
    const cJSON *pond = jfind(cats, "category", "pond"), *road = jfind(cats, "category", "road"),
                *canal = jfind(cats, "category", "canal"), *sewer = jfind(cats, "category", "sewer");

    (void)state;
    assert_non_null(pond);
    assert_non_null(road);
    assert_non_null(canal);
    assert_non_null(sewer);
    assert_int_equal(jint(cJSON_GetArrayItem(jget(pond, "quantities"), 0), "milli"), 20000);
    assert_string_equal(jstr(cJSON_GetArrayItem(jget(pond, "quantities"), 0), "unit"), "口");
    assert_int_equal(jint(cJSON_GetArrayItem(jget(road, "quantities"), 0), "milli"), 50000);
    assert_string_equal(jstr(cJSON_GetArrayItem(jget(road, "quantities"), 0), "unit"), "条");
    assert_int_equal(jint(cJSON_GetArrayItem(jget(canal, "quantities"), 0), "milli"), 8000);
    assert_int_equal(jint(cJSON_GetArrayItem(jget(sewer, "quantities"), 0), "milli"), 420000);
    assert_int_equal(jint(sewer, "completed_investment.fen"), 30000000);
    assert_int_equal(jint(g.json, "district.projects.completed_investment.fen"), 597643860);
    assert_non_null(strstr(g.md, "| 道路硬化 | 47 | 50条 |"));
    assert_non_null(strstr(g.md, "| 山塘 | 15 | 20口 |"));
    assert_non_null(strstr(g.md, "| 渠道 | 7 | 8条 |"));
    assert_non_null(strstr(g.md, "| 郭镇乡 | 磨刀村 | 13 | 158.00 |"));
    assert_non_null(strstr(g.md, "| 石家坡路经适房小区下水道疏通改造 | 污水管网 | 420m | 30.00 |"));
    assert_non_null(strstr(g.md, "| 连云路社区道路硬化 | 道路硬化 | 1条 | 27.00 |"));
}

static void test_training(void **state)
{
    (void)state;
    assert_int_equal(jint(g.json, "district.training.person_times"), 80);
    assert_int_equal(jint(g.json, "district.training.funds.fen"), 32800000);
    assert_int_equal(jint(g.json, "district.training.self_persons"), 2);
    assert_int_equal(jint(g.json, "district.training.self_paid.fen"), 600000);
    /* April 家政: 50 trained, 50 certified, 100%; May 健康管理师: 30 trained. */
    assert_non_null(strstr(g.md, "| 家政服务短期技能培训 | 2023-04-10 | 50 | 50 | 50 | 100.00% |"));
    assert_non_null(strstr(g.md, "| 健康管理师技术培训 | 2023-05-15 | 30 | 30 |"));
    assert_non_null(strstr(g.md, "| 郭镇乡 | PX2023-03 | 2 | 2000.00 | 6000.00 | 4000.00 |"));
}

static void test_relief_and_petitions(void **state)
{
    (void)state;
    assert_int_equal(jint(g.json, "district.relief.households"), 412);
    assert_true(jint(g.json, "district.relief.households") > 400);
    assert_int_equal(jint(g.json, "district.relief.funds.fen"), 25000000);
    assert_int_equal(jint(g.json, "district.petitions.above_district"), 0);
    assert_non_null(strstr(g.md, "救助：受益移民412户（不重复户数），救助资金25.00万元"));
    assert_non_null(strstr(g.md, "到区以上上访0人"));
}

static void test_score_and_grade(void **state)
{
    (void)state;
    assert_string_equal(jstr(g.json, "framework.name"), "unit-2023");
    assert_int_equal(strlen(jstr(g.json, "framework.sha256")), 64);
    assert_int_equal(jint(g.json, "total.score_milli"), 82256);
    assert_string_equal(jstr(g.json, "total.grade"), "良");
    assert_non_null(strstr(g.md, "自评得分82.256分，等级为“良”"));
    /* Missing inputs are named, scored 0, never a silent full score. */
    assert_string_equal(jstr(jfind(jget(g.json, "indicators"), "code", "F7"), "status"),
                        "not_computable");
    assert_string_equal(jstr(jfind(jget(g.json, "indicators"), "code", "F12"), "status"),
                        "not_computable");
}

/* ------------------------------------------------------------ the five inconsistencies */

static void test_finding_executed_total_gap(void **state)
{
    const cJSON *f = finding("stated.mismatch", "相差+7.71万元");

    (void)state;
    assert_non_null(f);
    assert_string_equal(jstr(f, "expected"), "2019.15万元");
    assert_string_equal(jstr(f, "severity"), "error");
}

static void test_finding_execution_rate_basis(void **state)
{
    const cJSON *rate = finding("stated.rate_mismatch", NULL);
    const cJSON *basis = finding("budget.execution_basis", "少5.72万元");

    (void)state;
    assert_non_null(rate);
    assert_string_equal(jstr(rate, "expected"), "99.72%（决算数合计2019.15万元、全年预算数（调整后"
                                                "预算）合计2024.87万元）");
    assert_string_equal(jstr(rate, "found"), "100%，相差+0.28个百分点");
    assert_non_null(basis);
}

static void test_finding_self_training_subsidy(void **state)
{
    const cJSON *f = finding("training.subsidy_total", NULL);

    (void)state;
    assert_non_null(f);
    assert_string_equal(jstr(f, "expected"), "4000.00元（人均补助2000.00元、补助人数2人）");
    assert_string_equal(jstr(f, "found"), "6000.00元，相差+2000.00元");
}

static void test_finding_budget_adjustment(void **state)
{
    const cJSON *f = finding("budget.adjustment_unexplained", "716.41");
    const cJSON *e;
    int n = 0;

    (void)state;
    assert_non_null(f);
    /* Found: the rise beyond the year-start budget and transfers, with its
     * inputs; expected: at most 30% of the year-start budget. */
    assert_string_equal(jstr(f, "found"), "668.41万元（调整后预算716.41万元、年初预算48.00万元、"
                                          "决算716.41万元、上级转移支付未填报）");
    assert_string_equal(jstr(f, "expected"), "≤14.40万元（年初预算48.00万元）");
    /* The government fund line is explained by its higher-level transfer. */
    cJSON_ArrayForEach(e, jget(g.json, "findings"))
        n += strcmp(jstr(e, "code"), "budget.adjustment_unexplained") == 0;
    assert_int_equal(n, 1);
    assert_string_equal(jstr(jfind(jget(g.json, "indicators"), "code", "F5"), "value.pct"),
                        "323.01");
}

static void test_finding_approximations(void **state)
{
    const cJSON *hh = finding("stated.approximation", "400余户");
    const cJSON *proj = finding("stated.approximation", "近600万元");

    (void)state;
    assert_non_null(hh);
    assert_string_equal(jstr(hh, "expected"), "412户（记录合计）");
    assert_non_null(proj);
    assert_string_equal(jstr(proj, "expected"), "597.64万元（记录合计）");
}

static void test_township_sees_only_itself(void **state)
{
    (void)state;
    assert_non_null(strstr(g.township_md, "金鹗山街道"));
    assert_null(strstr(g.township_md, "王家河街道"));
    assert_null(strstr(g.township_md, "评分表"));
    assert_null(strstr(g.township_md, "2019.15"));
}

/* ------------------------------------------------------------ the office formats */

static void test_docx(void **state)
{
    (void)state;
    gf_docx(g.fmt[F_DOCX].p, g.fmt[F_DOCX].len, g.json, g.md);
}

static void test_xlsx(void **state)
{
    (void)state;
    gf_xlsx(g.fmt[F_XLSX].p, g.fmt[F_XLSX].len, g.json);
}

static void test_html(void **state)
{
    (void)state;
    assert_int_equal(strlen(g.fmt[F_HTML].p), g.fmt[F_HTML].len);
    gf_html(g.fmt[F_HTML].p, g.json);
}

/* The same records give the same bytes: fixed times, no randomness. */
static void test_formats_deterministic(void **state)
{
    (void)state;
    for (int k = 0; k < F_N; k++) {
        assert_int_equal(g.fmt[k].len, g.again[k].len);
        assert_memory_equal(g.fmt[k].p, g.again[k].p, g.fmt[k].len);
    }
}

/* A township's files hold its own breakdown only: no score, no unit. */
static void test_township_formats(void **state)
{
    struct ox_xlsx x;
    size_t len = 0;
    char *doc = ox_part(g.township[F_DOCX].p, g.township[F_DOCX].len, "word/document.xml", &len);

    (void)state;
    assert_non_null(doc);
    assert_non_null(strstr(doc, "金鹗山街道"));
    assert_null(strstr(doc, "王家河街道"));
    assert_null(strstr(doc, "评分表"));
    free(doc);
    assert_int_equal(ox_xlsx_read(g.township[F_XLSX].p, g.township[F_XLSX].len, &x), 0);
    assert_int_equal(x.ns, 2);
    assert_string_equal(x.s[0].name, "分乡镇");
    assert_string_equal(x.s[1].name, "核查发现");
    assert_int_equal(ox_rows(&x.s[0]), 2);
    assert_int_equal(ox_find_row(&x.s[0], 1, "430602001"), 1);
    ox_xlsx_free(&x);
    assert_non_null(strstr(g.township[F_HTML].p, "金鹗山街道"));
    assert_null(strstr(g.township[F_HTML].p, "王家河街道"));
    assert_null(strstr(g.township[F_HTML].p, "<figure class=\"chart\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_all_stored),
        cmocka_unit_test(test_staff),
        cmocka_unit_test(test_budget_lines),
        cmocka_unit_test(test_sangong_procurement_execution),
        cmocka_unit_test(test_projects),
        cmocka_unit_test(test_training),
        cmocka_unit_test(test_relief_and_petitions),
        cmocka_unit_test(test_score_and_grade),
        cmocka_unit_test(test_finding_executed_total_gap),
        cmocka_unit_test(test_finding_execution_rate_basis),
        cmocka_unit_test(test_finding_self_training_subsidy),
        cmocka_unit_test(test_finding_budget_adjustment),
        cmocka_unit_test(test_finding_approximations),
        cmocka_unit_test(test_township_sees_only_itself),
        cmocka_unit_test(test_docx),
        cmocka_unit_test(test_xlsx),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_formats_deterministic),
        cmocka_unit_test(test_township_formats),
    };

    return cmocka_run_group_tests_name("golden", tests, setup, teardown);
}

/*
 * itest_real.c - other units' published self-evaluations, end to end.
 *
 * Each sample under samples/ other than the seed is one real report
 * entered as a finance clerk would (its README names the source and lists
 * every figure it publishes).  For each, the offices of its offices.csv
 * are registered on a fresh database, the real resettled is started, every
 * other CSV of the folder is submitted by the central office through the
 * real resettle client, and the year's report is pulled as JSON and as
 * Markdown.  The tests assert the figures the report reproduces (in fen,
 * read with cJSON), the exact list of findings the sample must produce
 * (arithmetic ones and missing-data notes), and that nothing absent is
 * printed as 0.
 *
 * Samples:
 *   nanxian-zx-2021  政协南县委员会 2021: final accounts only (决算), no
 *                    budget, no headcount, no 三公; every figure
 *                    reproduces, so no arithmetic finding.
 *   hunan-basedata-2018  an unnamed unit's 2018 基础数据表: 编制/在职, the
 *                    whole budget as 年初 + 追加 = 全年 without 决算, 三公
 *                    by component with its total and last year's
 *                    figures, 年初/年末结余; every rate it prints reproduces
 *                    under its own definitions (95.10%, 98.31% against
 *                    last year's budget, 99.27% by the 上年结转+年初+追加
 *                    formula).
 *   daying-houfu-2020  大英县扶贫开发局 2020 (Sichuan): 移民后扶 funds 2272 on
 *                    the 政府性基金 line = 直补 609.22 + two fund batches
 *                    138.78 + 1524; the direct subsidy is 10153.67 persons
 *                    at 600元 (subsidy.whole_persons), and the batches'
 *                    missing stages make the project rates not computable,
 *                    never 0%.
 *   kexuecheng-media-2021  西部（重庆）科学城融媒体中心 2021: eight printed rates
 *                    without their inputs, each not reproducible with the
 *                    input named, the stated zeros never checked as zeros;
 *                    and its own scores (score.*), checked under unit-2023
 *                    and hunan-dept: 72.74% scored full, 三公 scored full
 *                    with no value, 76% scored 7.6 of 10.
 *
 * Published scores (stated figures score.<indicator>, score.total) are
 * entered where a README says the document prints them; the tests list
 * every score.* finding they give, so a lost one fails.
 *
 * In every sample each indicator below full marks names why.
 *
 * It also runs `resettled framework check` on the hunan-dept preset and on
 * a broken copy (the exit status and what it prints).
 *
 * Does not: check the seed year (itest_golden.c), or the Word, Excel and
 * HTML formats (golden_formats.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "itest_harness.h"

struct sample {
    const char *dir;     /* under samples/ */
    const char *year;
    char tmp[256];
    char db[512];
    char *central, *token;
    struct it_server srv;
    cJSON *json;
    char *md;
    const char *framework;   /* a second framework the report is also pulled with, or NULL */
    cJSON *json_fw;          /* the report under that framework */
};

static struct sample nanxian = {.dir = "nanxian-zx-2021", .year = "2021"};
static struct sample hunan = {
    .dir = "hunan-basedata-2018", .year = "2018", .framework = "hunan-dept"};
static struct sample daying = {.dir = "daying-houfu-2020", .year = "2020"};
static struct sample media = {
    .dir = "kexuecheng-media-2021", .year = "2021", .framework = "hunan-dept"};

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

/* True if path is present and JSON null (a figure not given). */
static bool jnull(const cJSON *o, const char *path)
{
    return cJSON_IsNull(jget(o, path));
}

/* The budget line named by its slug ("personnel", "total"). */
static const cJSON *jline(const struct sample *s, const char *slug)
{
    const cJSON *e;

    cJSON_ArrayForEach(e, jget(s->json, "budget.lines"))
    {
        if (strcmp(jstr(e, "line"), slug) == 0)
            return e;
    }
    return NULL;
}

/* ------------------------------------------------------------ setup */

static int run_client(struct sample *s, const char *tag, const char *const *args)
{
    char ob[600], out[600];
    int rc;

    snprintf(ob, sizeof(ob), "%s/%s.outbox", s->tmp, tag);
    snprintf(out, sizeof(out), "%s/%s.out", s->tmp, tag);
    rc = it_client(s->tmp, &s->srv, s->central, s->token, ob, out, args);
    if (rc != 0) {
        char *text = it_read_file(out);

        fprintf(stderr, "resettle %s exited %d:\n%s\n", args[0], rc, text);
        free(text);
    }
    return rc;
}

/* Pulls the year's report in `format`, under framework fw (NULL: the default). */
static int pull(struct sample *s, const char *format, const char *fw, char **body)
{
    char file[600];
    const char *args[] = {"report", "--year",      s->year, "--format", format, "--out",
                          file,     "--framework", fw,      NULL};
    int rc;

    if (!fw)
        args[7] = NULL;
    snprintf(file, sizeof(file), "%s/report-%s.%s", s->tmp, fw ? fw : "default", format);
    rc = run_client(s, "report", args);
    *body = it_read_file(file);
    return rc;
}

/* Registers the sample's offices (one central office), starts the server,
 * submits every CSV but offices.csv, pulls JSON and Markdown. */
static int sample_setup(struct sample *s)
{
    char dir[512], path[800], line[512];
    const char *args[40];
    char *files[32];
    int n = 0, nf = 0, rc = -1;
    DIR *d;
    struct dirent *e;
    FILE *f;

    snprintf(dir, sizeof(dir), "%s/samples/%s", RS_SOURCE_DIR, s->dir);
    it_tmpdir(s->tmp, s->dir);
    it_db_path(s->db, sizeof(s->db), s->tmp, "resettle.db");
    snprintf(path, sizeof(path), "%s/offices.csv", dir);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        char *save = NULL;
        char *code = strtok_r(line, ",\r\n", &save);
        char *name = strtok_r(NULL, ",\r\n", &save);
        char *role = strtok_r(NULL, ",\r\n", &save);

        if (!code || !name || !role || strcmp(code, "code") == 0)
            continue;
        if (strcmp(role, "central") != 0) {
            /* A township the central office submits for: registered for its name. */
            free(it_office_add(s->tmp, s->db, code, name, role));
            continue;
        }
        s->central = strdup(code);
        s->token = it_office_add(s->tmp, s->db, code, name, role);
    }
    fclose(f);
    if (!s->central || !s->token || it_server_start(&s->srv, s->tmp, s->db) != 0)
        return -1;
    d = opendir(dir);
    if (!d)
        return -1;
    args[n++] = "submit";
    while ((e = readdir(d)) != NULL && nf < 32) {
        size_t len = strlen(e->d_name);

        if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0 ||
            strcmp(e->d_name, "offices.csv") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        files[nf] = strdup(path);
        args[n++] = files[nf++];
    }
    closedir(d);
    args[n] = NULL;
    if (nf && run_client(s, "submit", args) == 0) {
        char *text = NULL;

        rc = pull(s, "json", NULL, &text);
        s->json = cJSON_Parse(text);
        free(text);
        if (rc == 0 && s->json)
            rc = pull(s, "markdown", NULL, &s->md);
        else
            rc = -1;
        if (rc == 0 && s->framework) {
            rc = pull(s, "json", s->framework, &text);
            s->json_fw = cJSON_Parse(text);
            free(text);
            rc = rc == 0 && s->json_fw ? 0 : -1;
        }
    }
    for (int i = 0; i < nf; i++)
        free(files[i]);
    return rc == 0 ? 0 : -1;
}

static void sample_teardown(struct sample *s)
{
    it_server_stop(&s->srv);
    cJSON_Delete(s->json);
    cJSON_Delete(s->json_fw);
    free(s->md);
    free(s->central);
    free(s->token);
    it_rmtree(s->tmp);
}

static int nanxian_setup(void **state)
{
    (void)state;
    return sample_setup(&nanxian);
}

static int nanxian_teardown(void **state)
{
    (void)state;
    sample_teardown(&nanxian);
    return 0;
}

static int hunan_setup(void **state)
{
    (void)state;
    return sample_setup(&hunan);
}

static int hunan_teardown(void **state)
{
    (void)state;
    sample_teardown(&hunan);
    return 0;
}

static int daying_setup(void **state)
{
    (void)state;
    return sample_setup(&daying);
}

static int daying_teardown(void **state)
{
    (void)state;
    sample_teardown(&daying);
    return 0;
}

static int media_setup(void **state)
{
    (void)state;
    return sample_setup(&media);
}

static int media_teardown(void **state)
{
    (void)state;
    sample_teardown(&media);
    return 0;
}

/* ------------------------------------------------------------ findings */

struct expect_finding {
    const char *code;
    const char *sev;
    const char *check;    /* in the check text */
    const char *found;    /* in the found text (the missing input); NULL: any */
};

/* The findings are exactly want[0..n) (each matched once, in any order). */
static void findings_are(const struct sample *s, const struct expect_finding *want, size_t n)
{
    const cJSON *f;
    bool used[64] = {false};
    size_t got = 0;

    assert_true(n <= 64);
    cJSON_ArrayForEach(f, jget(s->json, "findings"))
    {
        bool matched = false;

        for (size_t i = 0; i < n && !matched; i++) {
            if (used[i] || strcmp(jstr(f, "code"), want[i].code) != 0 ||
                strcmp(jstr(f, "severity"), want[i].sev) != 0)
                continue;
            if (!strstr(jstr(f, "check"), want[i].check) ||
                (want[i].found && !strstr(jstr(f, "found"), want[i].found)))
                continue;
            used[i] = matched = true;
        }
        if (!matched)
            fprintf(stderr, "unexpected finding %s (%s): %s | %s | %s\n", jstr(f, "code"),
                    jstr(f, "severity"), jstr(f, "check"), jstr(f, "expected"), jstr(f, "found"));
        assert_true(matched);
        got++;
    }
    assert_int_equal(got, n);
}

/* The findings of j whose code starts with "score." are exactly
 * want[0..n) (each matched once, in any order). */
static void score_findings_are(const cJSON *j, const struct expect_finding *want, size_t n)
{
    const cJSON *f;
    bool used[16] = {false};
    size_t got = 0;

    assert_true(n <= 16);
    cJSON_ArrayForEach(f, jget(j, "findings"))
    {
        bool matched = false;

        if (strncmp(jstr(f, "code"), "score.", 6) != 0)
            continue;
        for (size_t i = 0; i < n && !matched; i++) {
            if (used[i] || strcmp(jstr(f, "code"), want[i].code) != 0 ||
                strcmp(jstr(f, "severity"), want[i].sev) != 0 ||
                !strstr(jstr(f, "check"), want[i].check) ||
                (want[i].found && !strstr(jstr(f, "found"), want[i].found)))
                continue;
            used[i] = matched = true;
        }
        if (!matched)
            fprintf(stderr, "unexpected finding %s (%s): %s | %s | %s\n", jstr(f, "code"),
                    jstr(f, "severity"), jstr(f, "check"), jstr(f, "expected"), jstr(f, "found"));
        assert_true(matched);
        got++;
    }
    assert_int_equal(got, n);
}

/* Every point lost names its cause: each indicator below full marks has a
 * reason (a rule's deduction, or what could not be computed and why). */
static void losses_named(const struct sample *s)
{
    const cJSON *e;
    size_t n = 0;

    cJSON_ArrayForEach(e, jget(s->json, "indicators"))
    {
        if (jint(e, "score_milli") < jint(e, "points_milli") && jstr(e, "reason")[0] == '\0')
            fail_msg("%s: %s lost points without a reason", s->dir, jstr(e, "code"));
        n++;
    }
    assert_true(n > 0);
}

/* ------------------------------------------------------------ nanxian-zx-2021 */

/* 支出799.12 = 人员经费434.89 + 公用经费77.4 + 项目支出286.83, all 决算. */
/* The formula `code` of s's JSON report. */
static const cJSON *jformula(const struct sample *s, const char *code)
{
    const cJSON *e;

    cJSON_ArrayForEach(e, jget(s->json, "formulas"))
    {
        if (strcmp(jstr(e, "formula"), code) == 0)
            return e;
    }
    return NULL;
}

/* Formula `code` is num / den exactly, shown as pct. */
static void rate_is(const struct sample *s, const char *code, long long num, long long den,
                    const char *pct)
{
    const cJSON *f = jformula(s, code);

    assert_non_null(f);
    if (strcmp(jstr(f, "status"), "ok") != 0)
        fprintf(stderr, "%s: %s\n", code, jstr(f, "reason"));
    assert_string_equal(jstr(f, "status"), "ok");
    assert_int_equal(jint(f, "value.num"), num);
    assert_int_equal(jint(f, "value.den"), den);
    assert_string_equal(jstr(f, "value.pct"), pct);
}

static void test_nanxian_figures(void **state)
{
    const struct sample *s = &nanxian;
    const cJSON *pe = jline(s, "personnel"), *pu = jline(s, "public"), *pr = jline(s, "project");
    const cJSON *tl = jline(s, "total");
    static const char *const absent[] = {"year_start", "adjusted", "change", "addition"};

    (void)state;
    assert_non_null(pe);
    assert_non_null(pu);
    assert_non_null(pr);
    assert_non_null(tl);
    assert_int_equal(jint(pe, "final.fen"), 434890000LL);
    assert_int_equal(jint(pu, "final.fen"), 77400000LL);
    assert_int_equal(jint(pr, "final.fen"), 286830000LL);
    assert_int_equal(jint(tl, "final.fen"), 799120000LL);
    assert_int_equal(jint(s->json, "budget.total.final.fen"), 799120000LL);
    assert_int_equal(jint(s->json, "budget.basic.final.fen"), 512290000LL);
    /* Nothing budgeted was given: not 0. */
    for (size_t k = 0; k < sizeof absent / sizeof absent[0]; k++) {
        assert_true(jnull(pe, absent[k]));
        assert_true(jnull(pu, absent[k]));
        assert_true(jnull(pr, absent[k]));
        assert_true(jnull(tl, absent[k]));
    }
    assert_true(jnull(s->json, "budget.total.year_start"));
    assert_true(jnull(s->json, "budget.total.adjusted"));
    assert_true(jnull(s->json, "budget.total.execution_rate"));
    assert_true(jnull(s->json, "budget.basic.year_start"));
    assert_true(jnull(s->json, "unit.staffing"));
    assert_string_equal(jstr(s->json, "unit.name"), "政协南县委员会");
}

/* No budget: no adjustment warning, no 预算执行率; the rates that need a
 * budget or a headcount are not computable, naming what is missing. */
static void test_nanxian_rates(void **state)
{
    const struct sample *s = &nanxian;
    const cJSON *fx;
    bool seen_f4 = false;

    (void)state;
    cJSON_ArrayForEach(fx, jget(s->json, "formulas"))
    {
        const char *code = jstr(fx, "formula");

        if (strcmp(code, "F4") == 0 || strcmp(code, "F5") == 0 || strcmp(code, "F1") == 0) {
            assert_string_equal(jstr(fx, "status"), "not_computable");
            assert_true(jnull(fx, "value"));
            assert_non_null(strstr(jstr(fx, "reason"), "没有"));
            seen_f4 = seen_f4 || strcmp(code, "F4") == 0;
        }
    }
    assert_true(seen_f4);
}

/* Every stated figure reproduces; the only findings are the indicators
 * the framework scores that cannot be computed from a final-only report
 * (a warning each, with the missing input) and the notes that say which
 * checks could not be made. */
static void test_nanxian_findings(void **state)
{
#define NC(what, why) {"indicator.not_computable", "warning", "“" what "”", why}
    static const struct expect_finding want[] = {
        NC("在职人员控制率", "没有人员编制记录"),
        NC("“三公”经费控制率", "没有三公经费记录"),
        NC("公用经费控制率", "公用经费预算行未填报调整后预算"),
        NC("预算执行率", "预算合计行未填报调整后预算"),
        NC("预算调整率", "预算合计行未填报调整后预算"),
        NC("结转结余率", "没有结转结余记录"),
        NC("政府采购执行率", "没有政府采购记录"),
        NC("资金使用合规性", "F17"),
        NC("管理制度健全性", "F18"),
        NC("预决算信息公开性", "F19"),
        NC("固定资产利用率", "没有固定资产记录"),
        NC("项目实际完成率", "没有项目记录"),
        NC("项目完成及时率", "没有项目记录"),
        NC("项目验收合格率", "没有项目记录"),
        NC("培训完成率", "没有培训记录"),
        NC("直补资金按时足额发放率", "没有直补记录"),
        NC("救助资金到位率", "没有救助记录"),
        NC("信访办结率", "没有信访记录"),
        NC("到区以上上访人数", "没有信访记录"),
        NC("可持续发展能力（产业培育、技术指导、项目管护）", "sustainability"),
        NC("服务对象满意度", "没有满意度调查记录"),
    };
#undef NC
    const cJSON *f;

    (void)state;
    losses_named(&nanxian);
    cJSON_ArrayForEach(f, jget(nanxian.json, "findings"))
    {
        const char *code = jstr(f, "code");

        /* No arithmetic finding, no stated figure that fails to reproduce. */
        assert_true(strcmp(jstr(f, "severity"), "error") != 0);
        assert_null(strstr(code, "budget."));
        assert_null(strstr(code, "stated."));
    }
    findings_are(&nanxian, want, sizeof want / sizeof want[0]);
}

/* The drafted text never invents a year-start budget or a change from it. */
static void test_nanxian_text(void **state)
{
    const char *md = nanxian.md;

    (void)state;
    assert_non_null(md);
    assert_null(strstr(md, "年初基本支出预算"));
    assert_null(strstr(md, "年初人员经费预算"));
    assert_null(strstr(md, "较年初"));
    assert_null(strstr(md, "与年初预算持平"));
    assert_null(strstr(md, "调整后预算合计"));
    assert_null(strstr(md, "退休0人"));
    assert_non_null(strstr(md, "2021年基本支出决算数512.29万元，其中人员经费434.89万元；"
                               "公用经费77.40万元。"));
    assert_non_null(strstr(md, "2021年全部决算数799.12万元。"));
    assert_non_null(strstr(md, "预算执行数（决算数合计）799.12万元；全年预算数未填报，不计算预算执行率。"));
    assert_non_null(strstr(md, "（未录入人员编制记录。）"));
    /* No township register was entered: none is printed as 0 households or 0 cases. */
    assert_non_null(strstr(md, "（本年度没有培训记录。）"));
    assert_non_null(strstr(md, "救助：没有救助记录。"));
    assert_non_null(strstr(md, "信访：没有信访记录。"));
    assert_null(strstr(md, "受理0件"));
    assert_null(strstr(md, "受益移民0户"));
    assert_null(strstr(md, "培训0期"));
    /* The budget table shows 未填 where nothing was given, never 0.00. */
    assert_non_null(strstr(md, "| 人员经费 | 未填 | 未填 | 434.89 | 未填 |"));
}

/* ------------------------------------------------------------ hunan-basedata-2018 */

/* Every rate the document prints, by its own definition, and the ones it
 * does not print but its inputs give. */
static void test_hunan_rates(void **state)
{
    const struct sample *s = &hunan;

    (void)state;
    /* 在职人员控制率 136 ÷ 143 (printed 95.10%). */
    rate_is(s, "F1", 136, 143, "95.10");
    /* 三公经费变动率 against last year's budget: (63.46 − 32) ÷ 32 (printed 98.31%). */
    rate_is(s, "F2", 31460000LL, 32000000LL, "98.31");
    /* Against last year's final instead: (44.29 − 29.08) ÷ 29.08. */
    rate_is(s, "F2f", 15210000LL, 29080000LL, "52.30");
    /* 预算完成率 (上年结转 + 年初 + 追加 − 年末结余) ÷ (上年结转 + 年初 + 追加)
     * = 2690.62 ÷ 2710.42 (printed 99.27%). */
    rate_is(s, "F4h", 2690620000LL, 2710420000LL, "99.27");
    /* 预算控制率 = 本年追加 ÷ 年初预算 = 767.86 ÷ 1922.76 (the text stops before it). */
    rate_is(s, "F5h", 767860000LL, 1922760000LL, "39.94");
    rate_is(s, "F10", 44290000LL, 63460000LL, "69.79");
    rate_is(s, "F11", 30660000LL, 30660000LL, "100.00");
    rate_is(s, "F7", 19800000LL, 2690620000LL, "0.74");
    /* No 决算 for the whole budget: 预算执行率 and 预算完成率 (决算 ÷ 年初) are not
     * computable, and say which figure is missing. */
    assert_string_equal(jstr(jformula(s, "F4'"), "status"), "not_computable");
    assert_non_null(strstr(jstr(jformula(s, "F4'"), "reason"), "预算合计行未填报决算"));
    assert_string_equal(jstr(jformula(s, "F4"), "status"), "not_computable");
    assert_int_equal(jint(s->json, "budget.total.adjusted.fen"), 2690620000LL);
    assert_true(jnull(s->json, "budget.total.final"));
    assert_true(jnull(s->json, "unit.staffing.retired"));
}

/* The three printed rates reproduce once rounded (a note each); no
 * arithmetic finding; the rest is what the framework cannot compute. */
static void test_hunan_findings(void **state)
{
#define NC(what, why) {"indicator.not_computable", "warning", "“" what "”", why}
#define RD(what) {"stated.rounded", "note", what, "%"}
    static const struct expect_finding want[] = {
        NC("公用经费控制率", "没有公用经费预算行"),
        NC("预算执行率", "预算合计行未填报决算"),
        NC("预算调整率", "预算合计行未填报上级转移支付"),
        NC("资金使用合规性", "F17"),
        NC("管理制度健全性", "F18"),
        NC("预决算信息公开性", "F19"),
        NC("固定资产利用率", "没有固定资产记录"),
        NC("项目实际完成率", "没有项目记录"),
        NC("项目完成及时率", "没有项目记录"),
        NC("项目验收合格率", "没有项目记录"),
        NC("培训完成率", "没有培训记录"),
        NC("直补资金按时足额发放率", "没有直补记录"),
        NC("救助资金到位率", "没有救助记录"),
        NC("信访办结率", "没有信访记录"),
        NC("到区以上上访人数", "没有信访记录"),
        NC("可持续发展能力（产业培育、技术指导、项目管护）", "sustainability"),
        NC("服务对象满意度", "没有满意度调查记录"),
        RD("在职人员控制率"),
        RD("“三公”经费变动率"),
        RD("预算完成率（上年结转+年初+追加口径）"),
        /* The published 8 of 8 for 预算完成率: F4h is not in unit-2023. */
        {"score.unknown_indicator", "note", "评分框架unit-2023中",
         "score.budget_completion_available = 8/8分"},
    };
#undef RD
#undef NC

    (void)state;
    losses_named(&hunan);
    findings_are(&hunan, want, sizeof want / sizeof want[0]);
}

/* Scored with the published table's five visible rows (hunan-dept): 95.10%
 * full, 98.31% nothing, 99.27% full because only completed 5% steps count
 * (as the document scores it), 39.94% nothing, the building row not
 * answered; 10 of the 28 points covered, no grade. */
static void test_hunan_preset(void **state)
{
    const cJSON *j = hunan.json_fw, *e;
    static const struct {
        const char *code;
        long long score_milli;
    } want[] = {{"F1", 5000}, {"F2", 0}, {"F4h", 5000}, {"F5h", 0}, {"building_area", 0}};
    size_t n = 0;

    (void)state;
    assert_non_null(j);
    assert_string_equal(jstr(j, "framework.name"), "hunan-dept");
    assert_int_equal(jint(j, "total.score_milli"), 10000);
    assert_true(jnull(j, "total.grade"));
    assert_string_equal(jstr(j, "total.covered_points"), "28");
    assert_string_equal(jstr(j, "total.published_points"), "100");
    cJSON_ArrayForEach(e, jget(j, "indicators"))
    {
        assert_true(n < sizeof want / sizeof want[0]);
        assert_string_equal(jstr(e, "code"), want[n].code);
        assert_int_equal(jint(e, "score_milli"), want[n].score_milli);
        n++;
    }
    assert_int_equal(n, sizeof want / sizeof want[0]);
    /* The published 8 of 8 for 99.27% follows under this preset's rule
     * (only completed 5% steps count; full marks whatever the points). */
    {
        static const struct expect_finding pub[] = {
            {"score.reproduced", "note", "“预算完成率”满分按评分规则复核一致（分值不同）",
             "所载8分（满分8分）"},
        };

        score_findings_are(j, pub, 1);
    }
}

/* 年初 + 追加 = 全年 is said as published; nothing is said of a 决算 or a
 * change that was not given. */
static void test_hunan_text(void **state)
{
    const char *md = hunan.md;

    (void)state;
    assert_non_null(md);
    assert_non_null(strstr(md, "2018年初全部预算1922.76万元，本年追加预算767.86万元，"
                               "全年预算2690.62万元。"));
    assert_non_null(strstr(md, "2018年在职136人，退休人数未填报；编制数143人，"
                               "在职人员数少于编制核定数。"));
    assert_non_null(strstr(md, "上年“三公”经费预算32.00万元，决算29.08万元。"));
    assert_non_null(strstr(md, "决算数未填报（或部分预算行未填报），不计算预算执行率。"));
    assert_non_null(strstr(md, "| 合计 | 1922.76 | 767.86 | 2690.62 | 未填 | 未填 |"));
    assert_null(strstr(md, "较年初"));
    assert_null(strstr(md, "退休0人"));
    assert_null(strstr(md, "决算数0.00"));
}

/* ------------------------------------------------------------ daying-houfu-2020 */

/* 2272 = 609.22 + 138.78 + 1524, all of it 下达 from above on the 政府性基金
 * line; the direct subsidy's persons, dates and payment are not given. */
static void test_daying_figures(void **state)
{
    const struct sample *s = &daying;
    const cJSON *gf = jline(s, "gov_fund");

    (void)state;
    assert_non_null(gf);
    assert_int_equal(jint(gf, "adjusted.fen"), 2272000000LL);
    assert_int_equal(jint(gf, "higher_transfer.fen"), 2272000000LL);
    assert_true(jnull(gf, "year_start"));
    assert_true(jnull(gf, "final"));
    assert_true(jnull(s->json, "budget.total.execution_rate"));
    assert_int_equal(jint(s->json, "district.subsidy.records"), 1);
    assert_int_equal(jint(s->json, "district.subsidy.due.fen"), 609220000LL);
    assert_int_equal(jint(s->json, "district.subsidy.missing.persons_paid"), 1);
    assert_int_equal(jint(s->json, "district.subsidy.missing.paid"), 1);
    assert_int_equal(jint(s->json, "district.projects.count"), 2);
    assert_string_equal(jstr(s->json, "unit.name"), "大英县扶贫开发局");
    /* The uses add up to the allotment: 609.22 + (138.78 + 1524) = 2272. */
    assert_int_equal(jint(s->json, "district.projects.planned_investment.fen"), 1662780000LL);
    assert_int_equal(jint(s->json, "district.projects.missing.planned_investment"), 0);
    assert_int_equal(jint(s->json, "district.subsidy.due.fen") +
                         jint(s->json, "district.projects.planned_investment.fen"),
                     jint(gf, "adjusted.fen"));
    /* No stage, no planned end, no acceptance, no due date: not known, not 0%. */
    assert_string_equal(jstr(jformula(s, "F13"), "status"), "not_computable");
    assert_string_equal(jstr(jformula(s, "F14"), "status"), "not_computable");
    assert_string_equal(jstr(jformula(s, "T3"), "status"), "not_computable");
    assert_non_null(strstr(jstr(jformula(s, "F13"), "reason"),
                           "没有一条项目记录填报项目阶段（共2条），无法判断"));
}

/* The direct subsidy is 10153.67 persons at 600元; the stated figures
 * reproduce; everything else is what the framework cannot compute. */
static void test_daying_findings(void **state)
{
#define NC(what, why) {"indicator.not_computable", "warning", "“" what "”", why}
#define LO(what, why) {"indicator.left_out", "note", "“" what "”", why}
    static const struct expect_finding want[] = {
        NC("在职人员控制率", "没有人员编制记录"),
        NC("“三公”经费控制率", "没有三公经费记录"),
        NC("公用经费控制率", "没有公用经费预算行"),
        NC("预算执行率", "预算行 政府性基金未填报决算"),
        NC("预算调整率", "预算行 政府性基金未填报年初预算"),
        NC("结转结余率", "没有结转结余记录"),
        NC("政府采购执行率", "没有政府采购记录"),
        NC("资金使用合规性", "F17"),
        NC("管理制度健全性", "F18"),
        NC("预决算信息公开性", "F19"),
        NC("固定资产利用率", "没有固定资产记录"),
        NC("项目实际完成率", "没有一条项目记录填报项目阶段（共2条）"),
        NC("项目完成及时率", "没有一条项目记录填报计划完工日期（共2条）"),
        NC("项目验收合格率", "没有一条项目记录填报验收结果（共2条）"),
        NC("培训完成率", "没有培训记录"),
        NC("直补资金按时足额发放率", "没有一条直补记录填报应发日期（共1条）"),
        NC("救助资金到位率", "没有救助记录"),
        NC("信访办结率", "没有信访记录"),
        NC("到区以上上访人数", "没有信访记录"),
        NC("可持续发展能力（产业培育、技术指导、项目管护）", "sustainability"),
        NC("服务对象满意度", "没有满意度调查记录"),
        LO("项目实际完成率", "2条项目记录未填报项目阶段（无法判断，未计入）"),
        LO("项目完成及时率", "2条项目记录未填报计划完工日期（无法判断，未计入）"),
        LO("项目验收合格率", "2条项目记录未填报验收结果（无法判断，未计入）"),
        LO("直补资金按时足额发放率", "1条直补记录未填报应发日期（无法判断，未计入）"),
        {"subsidy.whole_persons", "warning", "直补金额 ÷（年标准 × 月数 ÷ 12）应为整数人数",
         "10153.67（应发金额6092200.00元、实发金额未填报、补助标准600.00元、发放月数12），"
         "不是整数"},
        /* The published total 95 without its table. */
        {"score.unverifiable", "warning", "报告所载总分无法核实",
         "所载总分95分；21项指标无法计算"},
    };
#undef LO
#undef NC

    (void)state;
    losses_named(&daying);
    findings_are(&daying, want, sizeof want / sizeof want[0]);
}

/* The drafted text: the fund line as published, the subsidy without persons. */
static void test_daying_text(void **state)
{
    const char *md = daying.md;

    (void)state;
    assert_non_null(md);
    assert_non_null(strstr(md, "直补资金：发放1笔，发放人数未填报，应发609.22万元，实发未填报"));
    assert_non_null(strstr(md, "| 政府性基金 | 未填 | 2272.00 | 未填 | 未填 | 2272.00 |"));
    assert_null(strstr(md, "发放0人"));
    assert_null(strstr(md, "实发0.00"));
    /* No project gives a stage and the payout no paid amount or date: nothing
     * is counted as 0 completed or 0 paid in full and on time. */
    assert_non_null(strstr(md, "项目阶段未填报"));
    assert_non_null(strstr(md, "是否按时足额发放无法判断（应发、实发金额或日期未填报）"));
    assert_null(strstr(md, "已完工0个"));
    assert_null(strstr(md, "按期完工0个"));
    assert_null(strstr(md, "按时足额发放0笔"));
    assert_true(cJSON_IsNull(jget(daying.json, "district.projects.completed")));
    assert_true(cJSON_IsNull(jget(daying.json, "district.subsidy.in_full_on_time")));
    assert_true(cJSON_IsNull(jget(daying.json, "district.subsidy.persons_paid")));
    assert_int_equal(jint(daying.json, "district.projects.missing.stage"), 2);
    assert_int_equal(jint(daying.json, "district.subsidy.missing.in_full_on_time"), 1);
}

/* ------------------------------------------------------------ kexuecheng-media-2021 */

/* Rates without inputs: nothing is given, nothing is 0. */
static void test_media_figures(void **state)
{
    const struct sample *s = &media;

    (void)state;
    assert_int_equal(cJSON_GetArraySize(jget(s->json, "budget.lines")), 0);
    assert_true(jnull(s->json, "budget.total.adjusted"));
    assert_true(jnull(s->json, "budget.total.execution_rate"));
    assert_true(jnull(s->json, "unit.staffing"));
    assert_true(jnull(s->json, "sangong.budget"));
    assert_true(jnull(s->json, "procurement"));
    assert_true(jnull(s->json, "carry_over"));
    assert_int_equal(jint(s->json, "total.score_milli"), 0);
    assert_string_equal(jstr(s->json, "unit.name"), "西部（重庆）科学城融媒体中心");
    /* 政府采购执行率 and “三公”经费控制率, scored full in the published table, are
     * not computable here and score 0, each with its reason. */
    {
        const cJSON *e;
        int seen = 0;

        cJSON_ArrayForEach(e, jget(s->json, "indicators"))
        {
            const char *code = jstr(e, "code");

            if (strcmp(code, "F11") != 0 && strcmp(code, "F10") != 0)
                continue;
            assert_string_equal(jstr(e, "status"), "not_computable");
            assert_int_equal(jint(e, "score_milli"), 0);
            assert_non_null(strstr(jstr(e, "reason"), strcmp(code, "F11") == 0
                                                          ? "没有政府采购记录"
                                                          : "没有三公经费记录"));
            seen++;
        }
        assert_int_equal(seen, 2);
    }
}

/* Each printed rate: not reproducible, naming the input not given. */
static void test_media_findings(void **state)
{
#define NC(what, why) {"indicator.not_computable", "warning", "“" what "”", why}
#define NR(what, found) {"stated.no_records", "warning", "报告所载" what "无法核对", found}
    static const struct expect_finding want[] = {
        NC("在职人员控制率", "没有人员编制记录"),
        NC("“三公”经费控制率", "没有三公经费记录"),
        NC("公用经费控制率", "没有公用经费预算行"),
        NC("预算执行率", "没有预算行记录"),
        NC("预算调整率", "没有预算行记录"),
        NC("结转结余率", "没有结转结余记录"),
        NC("政府采购执行率", "没有政府采购记录"),
        NC("资金使用合规性", "F17"),
        NC("管理制度健全性", "F18"),
        NC("预决算信息公开性", "F19"),
        NC("固定资产利用率", "没有固定资产记录"),
        NC("项目实际完成率", "没有项目记录"),
        NC("项目完成及时率", "没有项目记录"),
        NC("项目验收合格率", "没有项目记录"),
        NC("培训完成率", "没有培训记录"),
        NC("直补资金按时足额发放率", "没有直补记录"),
        NC("救助资金到位率", "没有救助记录"),
        NC("信访办结率", "没有信访记录"),
        NC("到区以上上访人数", "没有信访记录"),
        NC("可持续发展能力（产业培育、技术指导、项目管护）", "sustainability"),
        NC("服务对象满意度", "没有满意度调查记录"),
        NR("在职人员控制率", "92%（没有人员编制记录）"),
        NR("预算执行率", "76%（没有预算行记录）"),
        NR("预算完成率", "76%（没有预算行记录）"),
        NR("预算调整率", "0（没有预算行记录）"),
        NR("结转结余率", "0（没有结转结余记录）"),
        NR("公用经费控制率", "97%（没有公用经费预算行）"),
        NR("政府采购执行率", "72.74%（没有政府采购记录）"),
        NR("固定资产利用率", "100%（没有固定资产记录）"),
        /* The published scores (score.*): 76% does not earn 7.6 of 10 under
         * −2 per started 5 points below 100%; 72.74% does not earn full
         * marks; 三公 scored full with no value given; F2 and F4 are not
         * indicators of unit-2023; the four full marks that follow agree. */
        {"score.mismatch", "error", "“预算执行率”得分与评分规则不符",
         "所载7.6分（满分10分），多计7.6分"},
        {"score.mismatch", "error", "“政府采购执行率”得分与评分规则不符",
         "所载2分（满分2分）：给了满分，按规则不得满分"},
        {"score.unverifiable", "warning", "“三公”经费控制率”得分无法核实",
         "所载2分（满分2分）；没有三公经费记录"},
        {"score.unverifiable", "warning", "报告所载总分无法核实",
         "所载总分97.6分；21项指标无法计算"},
        {"score.unknown_indicator", "note", "评分框架unit-2023中", "score.sangong_change"},
        {"score.unknown_indicator", "note", "评分框架unit-2023中", "score.budget_completion ="},
        {"score.reproduced", "note", "“在职人员控制率”满分", NULL},
        {"score.reproduced", "note", "“预算调整率”满分", NULL},
        {"score.reproduced", "note", "“结转结余率”满分", NULL},
        {"score.reproduced", "note", "“公用经费控制率”满分", NULL},
        {"score.reproduced", "note", "“固定资产利用率”得分按评分规则复核一致", NULL},
    };
#undef NR
#undef NC

    (void)state;
    losses_named(&media);
    findings_are(&media, want, sizeof want / sizeof want[0]);
    /* The document's own scores stay the document's: resettle's are its own. */
    assert_int_equal(jint(media.json, "total.score_milli"), 0);
    /* The drafted report says what to do about them, and lists them. */
    assert_non_null(strstr(media.md, "按评分框架的评分标准逐项复核自评得分"));
    assert_non_null(strstr(media.md, "给了满分，按规则不得满分"));
}

/* Under the Hunan table's visible rows, “三公经费”变动率 is an indicator: its
 * published full marks have no value to be scored from. */
static void test_media_hunan(void **state)
{
    static const struct expect_finding want[] = {
        {"score.unverifiable", "warning", "“三公经费”变动率”得分无法核实", "没有三公经费记录"},
        {"score.reproduced", "note", "“在职人员控制率”满分", NULL},
        {"score.unverifiable", "warning", "报告所载总分无法核实", "只收录原表100分中的28分"},
        {"score.unknown_indicator", "note", "评分框架hunan-dept中", "score.budget_execution"},
        {"score.unknown_indicator", "note", "评分框架hunan-dept中", "score.budget_completion ="},
        {"score.unknown_indicator", "note", "评分框架hunan-dept中", "score.budget_adjustment"},
        {"score.unknown_indicator", "note", "评分框架hunan-dept中", "score.carryover_rate"},
        {"score.unknown_indicator", "note", "评分框架hunan-dept中", "score.public_control"},
        {"score.unknown_indicator", "note", "评分框架hunan-dept中", "score.sangong_control"},
        {"score.unknown_indicator", "note", "评分框架hunan-dept中", "score.procurement"},
        {"score.unknown_indicator", "note", "评分框架hunan-dept中", "score.asset_use"},
    };

    (void)state;
    assert_non_null(media.json_fw);
    score_findings_are(media.json_fw, want, sizeof want / sizeof want[0]);
}

/* ------------------------------------------------------------ framework check */

static int fwcheck(const char *dir, const char *file, char **out, char **err)
{
    char o[600], e[600];
    char *argv[] = {RS_SERVER_BIN, "framework", "check", (char *)file, NULL};
    int rc;

    snprintf(o, sizeof o, "%s/check.out", dir);
    snprintf(e, sizeof e, "%s/check.err", dir);
    rc = it_run(argv, o, e);
    *out = it_read_file(o);
    *err = it_read_file(e);
    return rc;
}

static void test_framework_check(void **state)
{
    char dir[256], path[512], *out, *err;

    (void)state;
    it_tmpdir(dir, "fwcheck");
    assert_int_equal(fwcheck(dir, RS_SOURCE_DIR "/server/frameworks/hunan-dept.csv", &out, &err),
                     0);
    assert_non_null(strstr(out, "hunan-dept.csv: valid, 5 indicators in 2 dimensions, 28 points "
                                "of a published table of 100 (partial: no grade)\n"));
    assert_non_null(strstr(out, "\nformulas formulas.txt sha256 "));
    assert_non_null(strstr(out, "| 预算完成率 | 5 points | step_below target=100; step=5; "
                                "deduct=2; steps=completed | F4h = (budget.available - "
                                "carryover.end) / budget.available\n"));
    free(out);
    free(err);
    /* A formula written in the row, with a bracket left open. */
    it_path(path, sizeof path, dir, "bad.csv");
    it_write_file(path, "code,dimension,indicator,points,formula,rule,params,target,note\n"
                        "x1,投入,测试,100,staff.in_service / (staff.establishment,"
                        "proportional,full_at=100,,\n");
    assert_int_equal(fwcheck(dir, path, &out, &err), 1);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "bad.csv:2: formula, character 40: expected ')'"));
    free(out);
    free(err);
    /* Points that do not add up to 100, without published_points. */
    it_write_file(path, "code,dimension,indicator,points,formula,rule,params,target,note\n"
                        "F1,投入,在职人员控制率,5,F1,cap_deduct,threshold=100; per=0.5,,\n");
    assert_int_equal(fwcheck(dir, path, &out, &err), 1);
    assert_non_null(strstr(err, "bad.csv:2: points sum to 5"));
    free(out);
    free(err);
    it_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest nanxian_tests[] = {
        cmocka_unit_test(test_nanxian_figures),
        cmocka_unit_test(test_nanxian_rates),
        cmocka_unit_test(test_nanxian_findings),
        cmocka_unit_test(test_nanxian_text),
    };

    const struct CMUnitTest hunan_tests[] = {
        cmocka_unit_test(test_hunan_rates),
        cmocka_unit_test(test_hunan_findings),
        cmocka_unit_test(test_hunan_text),
        cmocka_unit_test(test_hunan_preset),
    };
    const struct CMUnitTest daying_tests[] = {
        cmocka_unit_test(test_daying_figures),
        cmocka_unit_test(test_daying_findings),
        cmocka_unit_test(test_daying_text),
    };
    const struct CMUnitTest media_tests[] = {
        cmocka_unit_test(test_media_figures),
        cmocka_unit_test(test_media_findings),
        cmocka_unit_test(test_media_hunan),
    };
    const struct CMUnitTest check_tests[] = {
        cmocka_unit_test(test_framework_check),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("nanxian-zx-2021", nanxian_tests, nanxian_setup,
                                          nanxian_teardown);
    failed += cmocka_run_group_tests_name("hunan-basedata-2018", hunan_tests, hunan_setup,
                                          hunan_teardown);
    failed += cmocka_run_group_tests_name("daying-houfu-2020", daying_tests, daying_setup,
                                          daying_teardown);
    failed += cmocka_run_group_tests_name("kexuecheng-media-2021", media_tests, media_setup,
                                          media_teardown);
    failed += cmocka_run_group_tests_name("framework check", check_tests, NULL, NULL);
    return failed;
}

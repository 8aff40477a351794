/*
 * test_framework.c - the indicator framework file: presets, parsing and
 * every class of error (each must name its line).
 */
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_framework.h"
#include "rs_util.h"

#define FW_DIR RS_SOURCE_DIR "/server/frameworks"
#define HDR "code,dimension,indicator,points,formula,rule,params,target\n"

/* The shipped formula library, loaded once and shared by the frameworks parsed here. */
static struct rs_flib *shared_lib;

static const struct rs_flib *library(void)
{
    char err[256];

    if (!shared_lib && rs_flib_load(FW_DIR, NULL, RS_FLIB_DEFAULT, RS_FLIB_CHECKS_DEFAULT,
                                    &shared_lib, err, sizeof err) != RS_OK)
        fail_msg("%s", err);
    return shared_lib;
}

static int free_library(void **state)
{
    (void)state;
    rs_flib_free(shared_lib);
    shared_lib = NULL;
    return 0;
}

static rs_status parse(const char *text, struct rs_framework **fw, char *err, size_t errlen)
{
    return rs_framework_parse(text, strlen(text), "t", library(), fw, err, errlen);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(RS_FW_MAX_FILE_BYTES);

    assert_non_null(f);
    assert_non_null(buf);
    *n = fread(buf, 1, RS_FW_MAX_FILE_BYTES, f);
    fclose(f);
    return buf;
}

static void test_preset_unit(void **state)
{
    struct rs_framework *fw = NULL;
    char err[256] = "", hex[RS_SHA256_HEX + 1];
    uint8_t h[RS_SHA256_LEN];
    size_t n;
    char *bytes;
    static const char *const dims[] = {"运行成本", "管理效率", "履职效能", "社会效应",
                                       "可持续发展能力", "服务对象满意度"};
    static const int64_t dim_pts[] = {15000, 35000, 25000, 10000, 5000, 10000};

    (void)state;
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_string_equal(fw->name, "unit-2023");
    assert_int_equal(fw->total_milli, 100000);
    assert_int_equal(fw->n, 21);
    assert_int_equal(fw->ndims, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(fw->dims[i].name, dims[i]);
        assert_int_equal(fw->dims[i].points_milli, dim_pts[i]);
    }
    /* F1 on line 3 (line 1 is a comment, line 2 the header). */
    assert_string_equal(fw->ind[0].code, "F1");
    assert_int_equal(fw->ind[0].line, 3);
    assert_int_equal(fw->ind[0].rule, RS_RULE_CAP_DEDUCT);
    assert_int_equal(fw->ind[0].threshold, 100000);
    assert_int_equal(fw->ind[0].per, 500);
    assert_false(fw->ind[0].bad_below);
    assert_string_equal(fw->ind[0].target, "≤100%");
    /* F5: five bands, the first (-inf,0] worth 5. */
    assert_string_equal(fw->ind[4].code, "F5");
    assert_int_equal(fw->ind[4].nbands, 5);
    assert_true(fw->ind[4].bands[0].lo_inf);
    assert_true(fw->ind[4].bands[0].hi_incl);
    assert_int_equal(fw->ind[4].bands[0].hi, 0);
    assert_int_equal(fw->ind[4].bands[1].score_milli, 3750);
    assert_true(fw->ind[4].bands[4].hi_inf);
    assert_string_equal(fw->ind[3].fi->code, "F4'");
    assert_int_equal(fw->ind[3].rule, RS_RULE_STEP_BELOW);
    assert_int_equal(fw->ind[3].step, 5000);
    assert_int_equal(fw->ind[3].deduct, 2000);
    assert_int_equal(fw->ind[7].items, 5);
    assert_string_equal(fw->ind[19].fi->code, "M");
    assert_string_equal(fw->ind[19].code, "sustainability");
    assert_string_equal(fw->ind[20].fi->code, "F20");
    assert_int_equal(fw->ind[20].full_at, 90000);
    /* The hash is SHA-256 of the file's bytes. */
    bytes = slurp(FW_DIR "/unit-2023.csv", &n);
    rs_sha256(bytes, n, h);
    rs_hex(h, sizeof h, hex);
    assert_string_equal(fw->hash, hex);
    free(bytes);
    /* With its library and checks, named and hashed. */
    assert_string_equal(fw->lib->name, "formulas.txt");
    assert_string_equal(fw->lib->checks_name, "checks.txt");
    bytes = slurp(FW_DIR "/formulas.txt", &n);
    rs_sha256(bytes, n, h);
    rs_hex(h, sizeof h, hex);
    assert_string_equal(fw->lib->hash, hex);
    free(bytes);
    assert_false(rs_framework_partial(fw));
    rs_framework_free(fw);
}

static void test_preset_mof(void **state)
{
    struct rs_framework *fw = NULL;
    char err[256] = "";
    static const char *const dims[] = {"预算执行率", "产出指标", "效益指标", "满意度指标"};
    static const int64_t dim_pts[] = {10000, 50000, 30000, 10000};

    (void)state;
    assert_int_equal(rs_framework_load(FW_DIR, "mof-project", &fw, err, sizeof err), RS_OK);
    assert_string_equal(fw->name, "mof-project");
    assert_int_equal(fw->total_milli, 100000);
    assert_int_equal(fw->ndims, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(fw->dims[i].name, dims[i]);
        assert_int_equal(fw->dims[i].points_milli, dim_pts[i]);
    }
    assert_true(fw->ind[fw->n - 1].bad_below);
    assert_int_equal(fw->ind[fw->n - 1].threshold, 95000);
    assert_string_equal(fw->hash[64] == '\0' ? "ok" : "bad", "ok");
    rs_framework_free(fw);
    /* ".csv" suffix and a path both name the same file. */
    assert_int_equal(rs_framework_load(FW_DIR, "mof-project.csv", &fw, err, sizeof err), RS_OK);
    rs_framework_free(fw);
    assert_int_equal(rs_framework_load(NULL, FW_DIR "/mof-project.csv", &fw, err, sizeof err),
                     RS_OK);
    assert_string_equal(fw->name, "mof-project");
    rs_framework_free(fw);
}

static void test_load_errors(void **state)
{
    struct rs_framework *fw = NULL;
    char err[256] = "";

    (void)state;
    assert_int_equal(rs_framework_load(FW_DIR, "no-such", &fw, err, sizeof err), RS_ENOTFOUND);
    assert_null(fw);
    /* Named by its name, not the path it was looked up at (a server passes err on). */
    assert_string_equal(err, "no-such: no such framework");
    assert_int_equal(rs_framework_load(FW_DIR, "no-such.csv", &fw, err, sizeof err),
                     RS_ENOTFOUND);
    assert_string_equal(err, "no-such: no such framework");
    assert_int_equal(rs_framework_load(FW_DIR, "../etc", &fw, err, sizeof err), RS_EINVAL);
    assert_int_equal(rs_framework_load(FW_DIR, ".hidden", &fw, err, sizeof err), RS_EINVAL);
    assert_int_equal(rs_framework_load(FW_DIR, "/etc/passwd", &fw, err, sizeof err), RS_EINVAL);
    assert_int_equal(rs_framework_load(FW_DIR, "a b", &fw, err, sizeof err), RS_EINVAL);
}

static void test_minimal_and_aliases(void **state)
{
    struct rs_framework *fw = NULL;
    char err[256] = "";
    const char *csv = "\xef\xbb\xbf" /* BOM */
                      "# comment line\n"
                      "编码,维度,指标,分值,公式,规则,参数,目标值,备注\r\n"
                      "a,D1,x,40.5,staff_control,CAP_DEDUCT,threshold=100；per=0.25,,n\r\n"
                      ",,,,,,,,\r\n"
                      "b,\" D2 \",y,59.5,F4’,proportional,,,\r\n";

    (void)state;
    assert_int_equal(parse(csv, &fw, err, sizeof err), RS_OK);
    assert_int_equal(fw->n, 2);
    assert_int_equal(fw->ind[0].line, 3);
    assert_int_equal(fw->ind[0].points_milli, 40500);
    assert_int_equal(fw->ind[0].per, 250);
    assert_string_equal(fw->ind[0].target, "≤100%");
    assert_int_equal(fw->ind[1].line, 5);
    assert_string_equal(fw->ind[1].dimension, "D2");
    assert_string_equal(fw->ind[1].fi->code, "F4'");
    assert_int_equal(fw->ind[1].full_at, 100000);
    assert_string_equal(fw->ind[1].target, "≥100%");
    rs_framework_free(fw);
}

/* A row may write its own formula: an expression over the library. */
static void test_inline_formula(void **state)
{
    struct rs_framework *fw = NULL;
    char err[256] = "";
    const char *csv = "code,dimension,indicator,points,formula,rule,params,kind\n"
                      "a,D,预算完成率,50,(carryover.start + budget.year_start + budget.addition "
                      "- carryover.end) / budget.available,step_below,"
                      "target=100; step=5; deduct=2; steps=completed,\n"
                      "b,D,三公合计,50,sangong.final,cap_deduct,threshold=30000; per=0.01,money\n";

    (void)state;
    assert_int_equal(parse(csv, &fw, err, sizeof err), RS_OK);
    assert_int_equal(fw->nown, 1);
    assert_int_equal(fw->ind[0].fi->kind, RS_VK_RATE);
    assert_string_equal(fw->ind[0].fi->code, "a");
    assert_true(fw->ind[0].steps_completed);
    assert_non_null(strstr(fw->ind[0].fi->definition, "carryover.start"));
    /* A library name is its entry, whatever the kind column says. */
    assert_string_equal(fw->ind[1].fi->code, "sangong.final");
    rs_framework_free(fw);
    assert_int_equal(parse("code,dimension,indicator,points,formula,rule\n"
                           "a,D,x,100,budget.final / budget.adjustd,proportional\n",
                           &fw, err, sizeof err),
                     RS_EINVAL);
    assert_string_equal(err, "t.csv:2: formula, character 16: unknown name 'budget.adjustd'");
    assert_int_equal(parse("code,dimension,indicator,points,formula,rule,params,kind\n"
                           "a,D,x,100,budget.final / 2,proportional,,rate\n",
                           &fw, err, sizeof err),
                     RS_EINVAL);
    assert_string_equal(err, "t.csv:2: formula: kind rate, but the expression is money");
    assert_null(fw);
}

/* A framework that holds only part of a published table. */
static void test_partial(void **state)
{
    struct rs_framework *fw = NULL;
    char err[256] = "";

    (void)state;
    assert_int_equal(parse("#@ published_points=100\n" HDR "a,D,x,13,F1,proportional,,\n",
                           &fw, err, sizeof err),
                     RS_OK);
    assert_true(rs_framework_partial(fw));
    assert_int_equal(fw->published_milli, 100000);
    assert_int_equal(fw->total_milli, 13000);
    rs_framework_free(fw);
    assert_int_equal(parse("#@ published_points=10\n" HDR "a,D,x,13,F1,proportional,,\n",
                           &fw, err, sizeof err),
                     RS_EINVAL);
    assert_string_equal(err, "t.csv:3: points sum to 13, more than the published 10");
    assert_int_equal(parse("#@ colour=red\n" HDR "a,D,x,100,F1,proportional,,\n", &fw, err,
                           sizeof err),
                     RS_EINVAL);
    assert_string_equal(err, "t.csv:1: unknown directive \"colour\" (expected formulas, checks, "
                             "published_points)");
}

struct bad_case {
    const char *csv;
    const char *msg; /* expected start of err */
};

static const struct bad_case bad[] = {
    {HDR "a,D,x,100,F99,proportional,,\n", "t.csv:2: unknown formula \"F99\" (not in "
                                           "formulas.txt"},
    {HDR "a,D,x,50,F1,proportional,,\nb,D,y,50,F13,linear,,\n", "t.csv:3: unknown rule \"linear\""},
    {HDR "a,D,x,100,F1,cap_deduct,threshold=100,\n", "t.csv:2: bad params: missing per"},
    {HDR "a,D,x,100,F1,cap_deduct,threshold=100; per=0.5; pp=1,\n",
     "t.csv:2: bad params: unknown parameter \"pp\" for rule cap_deduct"},
    {HDR "a,D,x,100,F1,cap_deduct,threshold=abc; per=1,\n",
     "t.csv:2: bad params: threshold=\"abc\" is not a number"},
    {HDR "a,D,x,100,F1,cap_deduct,threshold=100; per=0.0001,\n",
     "t.csv:2: bad params: per=\"0.0001\" is not a number with at most 3 decimals"},
    {HDR "a,D,x,100,F1,cap_deduct,threshold=100; per=1; bad=sideways,\n",
     "t.csv:2: bad params: bad=\"sideways\" must be above or below"},
    {HDR "a,D,x,100,F1,cap_deduct,threshold 100,\n",
     "t.csv:2: bad params: \"threshold 100\" is not key=value"},
    {HDR "a,D,x,100,F5,bands,\"(0,10]=5; [10,20]=3\",\n",
     "t.csv:2: bad params: band [10,20] overlaps an earlier band"},
    {HDR "a,D,x,100,F5,bands,\"(0,10]=101\",\n",
     "t.csv:2: bad params: band (0,10] scores 101, more than the 100 points"},
    {HDR "a,D,x,100,F5,bands,\"(10,0]=1\",\n",
     "t.csv:2: bad params: \"(10,0]\" is not an interval"},
    {HDR "a,D,x,100,F5,bands,,\n", "t.csv:2: bad params: bands needs at least one"},
    {HDR "a,D,x,100,F13,step_below,target=100; step=0; deduct=2,\n",
     "t.csv:2: bad params: step and deduct must be > 0"},
    {HDR "a,D,x,100,F17,checklist,items=2.5; per_fail=1,\n",
     "t.csv:2: bad params: items must be a whole number"},
    {HDR "a,D,x,100,T6,proportional,,\n", "t.csv:2: bad params: missing full_at"},
    {HDR "a,D,x,100,F14,step_below,step=5; deduct=1; steps=some,\n",
     "t.csv:2: bad params: steps=\"some\" must be started or completed"},
    {HDR "a,D,x,100,F17,proportional,,\n", "t.csv:2: rule proportional does not fit formula F17"},
    {HDR "a,D,x,100,F1,checklist,items=3; per_fail=1,\n",
     "t.csv:2: rule checklist does not fit formula F1"},
    {HDR "a,D,x,100,F1,manual,,\n", "t.csv:2: rule manual does not fit formula F1"},
    {HDR "a,D,x,100,M,proportional,,\n", "t.csv:2: rule proportional does not fit formula M"},
    {HDR "a,D,x,60,F1,proportional,,\nb,D,y,30,F13,proportional,,\n",
     "t.csv:3: points sum to 90, expected 100 (a framework that covers part"},
    {HDR "a,D,x,60,F1,proportional,,\nb,D,y,30,F13,proportional,,\n\n# end\n",
     "t.csv:5: points sum to 90, expected 100"},
    {HDR "a,D,x,50,F1,proportional,,\na,D,y,50,F13,proportional,,\n",
     "t.csv:3: code \"a\" already used on line 2"},
    {HDR "a,D,x,0,F1,proportional,,\n", "t.csv:2: points \"0\" must be a number > 0"},
    {HDR "a,D,x,ten,F1,proportional,,\n", "t.csv:2: points \"ten\" must be a number > 0"},
    {HDR "a,,x,100,F1,proportional,,\n", "t.csv:2: dimension is empty"},
    {"code,dimension,indicator,points,formula,params\n", "t.csv:1: missing column \"rule\""},
    {"code,dimension,indicator,points,formula,rule,weight\n",
     "t.csv:1: unknown column \"weight\""},
    /* Malformed CSV: the shared reader's message, with the file and line. */
    {HDR "a,D,\"x,100,F1,proportional,,\n", "t.csv:2: field 3: quoted field never closed"},
    {HDR "a,D,x\"y,100,F1,proportional,,\n", "t.csv:2: field 3: unexpected quote"},
    {HDR "a,D,\"x\"y,100,F1,proportional,,\n", "t.csv:2: field 3: unexpected quote"},
    /* The framework's own caps on what the reader returns. */
    {"code,dimension,indicator,points,formula,rule,params,target,note,kind,a,b,c,d,e,f,g\n",
     "t.csv:1: more than 16 columns"},
    {HDR "\n\n,,,,,,,,,,,,,,,,,\n", "t.csv:4: more than 16 columns"},
    {HDR, "t.csv:1: no indicators"},
    {"# nothing\n", "t.csv:1: no header row"},
};

static void test_errors_name_the_line(void **state)
{
    char longcell[sizeof HDR + RS_FW_MAX_FIELD + 64], lerr[256] = "";
    struct rs_framework *lfw = NULL;

    (void)state;
    /* A cell of RS_FW_MAX_FIELD bytes is one too many. */
    snprintf(longcell, sizeof longcell, "%sa,D,%0*d,100,F1,proportional,,\n", HDR,
             RS_FW_MAX_FIELD, 0);
    assert_int_equal(parse(longcell, &lfw, lerr, sizeof lerr), RS_EINVAL);
    assert_string_equal(lerr, "t.csv:2: field longer than 1023 bytes");
    assert_null(lfw);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rs_framework *fw = NULL;
        char err[256] = "";
        rs_status rv = parse(bad[i].csv, &fw, err, sizeof err);

        if (rv != RS_EINVAL || strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("case %zu: rv=%d err=\"%s\", want \"%s...\"", i, (int)rv, err, bad[i].msg);
        assert_null(fw);
    }
}

static void test_gb18030(void **state)
{
    const char *utf8 = HDR "a,运行成本,在职人员控制率,100,F1,cap_deduct,threshold=100; per=0.5,\n";
    char gb[512];
    char *ip = (char *)(uintptr_t)utf8, *op = gb;
    size_t il = strlen(utf8), ol = sizeof gb;
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    struct rs_framework *fw = NULL;
    char err[256] = "";

    (void)state;
    assert_true(cd != (iconv_t)-1);
    assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    assert_false(rs_utf8_valid(gb, (size_t)(op - gb)));
    assert_int_equal(rs_framework_parse(gb, (size_t)(op - gb), "gb", library(), &fw, err,
                                        sizeof err),
                     RS_OK);
    assert_string_equal(fw->ind[0].dimension, "运行成本");
    assert_string_equal(fw->ind[0].name, "在职人员控制率");
    rs_framework_free(fw);
    /* Bytes that are neither UTF-8 nor GB18030 name the line. */
    assert_int_equal(rs_framework_parse(HDR "\xff\xff\xff\n", strlen(HDR) + 4, "x", library(),
                                        &fw, err, sizeof err),
                     RS_EINVAL);
    assert_non_null(strstr(err, "x.csv:2:"));
    /* So do NUL bytes (a UTF-16 file saved by mistake), and a UTF-16 BOM
     * names the first. */
    assert_int_equal(rs_framework_parse(HDR "a\0b\n", strlen(HDR) + 4, "x", library(), &fw, err,
                                        sizeof err),
                     RS_EINVAL);
    assert_int_equal(strncmp(err, "x.csv:2: byte ", 14), 0);
    assert_non_null(strstr(err, "NUL"));
    assert_int_equal(rs_framework_parse("\xff\xfe" "c\0", 4, "x", library(), &fw, err, sizeof err),
                     RS_EINVAL);
    assert_int_equal(strncmp(err, "x.csv:1: UTF-16", 15), 0);
    assert_null(fw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preset_unit),
        cmocka_unit_test(test_preset_mof),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_minimal_and_aliases),
        cmocka_unit_test(test_inline_formula),
        cmocka_unit_test(test_partial),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_gb18030),
    };

    return cmocka_run_group_tests_name("framework", tests, NULL, free_library);
}

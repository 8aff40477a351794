/*
 * test_flib.c - the formula library and check files (server/eval/rs_flib.h):
 * the shipped formulas.txt and checks.txt load; every entry's expression
 * binds; built-in inputs are named from the record-type table; errors name
 * the file, line and column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_eval_inputs.h"
#include "rs_flib.h"

#define FW_DIR RS_SOURCE_DIR "/server/frameworks"

static void lib_fails(const char *text, const char *want)
{
    struct rs_flib *lib = NULL;
    char err[512];
    rs_status rv = rs_flib_parse(text, strlen(text), "t.txt", &lib, err, sizeof err);

    if (rv == RS_OK)
        fail_msg("library parsed: %s", text);
    assert_null(lib);
    if (strcmp(err, want) != 0)
        fail_msg("error '%s', want '%s'", err, want);
}

static struct rs_flib *lib_ok(const char *text)
{
    struct rs_flib *lib = NULL;
    char err[512];

    if (rs_flib_parse(text, strlen(text), "t.txt", &lib, err, sizeof err) != RS_OK)
        fail_msg("%s", err);
    return lib;
}

static void checks_fail(struct rs_flib *lib, const char *text, const char *want)
{
    char err[512];

    assert_int_not_equal(rs_flib_parse_checks(lib, text, strlen(text), "c.txt", err, sizeof err),
                         RS_OK);
    assert_int_equal(lib->nc, 0);
    if (strcmp(err, want) != 0)
        fail_msg("error '%s', want '%s'", err, want);
}

static void test_shipped(void **state)
{
    struct rs_flib *lib = NULL;
    const struct rs_formula_info *fi;
    char err[512];

    (void)state;
    assert_int_equal(rs_flib_load(FW_DIR, NULL, RS_FLIB_DEFAULT, RS_FLIB_CHECKS_DEFAULT, &lib,
                                  err, sizeof err),
                     RS_OK);
    assert_string_equal(lib->name, "formulas.txt");
    assert_int_equal(strlen(lib->hash), 64);
    assert_string_equal(lib->checks_name, "checks.txt");
    assert_true(lib->nc > 0);
    /* Every indicator of the old catalogue is an entry, by code and slug. */
    {
        static const char *const codes[] = {
            "F1", "F2", "F3", "F4", "F4'", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
            "F13", "F14", "F15", "F16", "F17", "F18", "F19", "F20", "F21a", "F21b", "T1",
            "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "C", "M"};

        for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
            fi = rs_flib_find(lib, codes[i]);
            if (!fi)
                fail_msg("no entry %s", codes[i]);
            assert_true(fi->expr != NULL);
            if (fi->slug[0])
                assert_ptr_equal(rs_flib_find(lib, fi->slug), fi);
        }
    }
    fi = rs_flib_find(lib, "F4’");
    assert_non_null(fi);
    assert_string_equal(fi->code, "F4'");
    assert_string_equal(rs_flib_find(lib, "BUDGET_EXECUTION")->code, "F4'");
    assert_int_equal(rs_flib_find(lib, "F17")->kind, RS_VK_CHECKLIST);
    assert_int_equal(rs_flib_find(lib, "M")->kind, RS_VK_MANUAL);
    assert_false(rs_flib_find(lib, "M")->indicator);
    assert_true(rs_flib_find(lib, "F1")->indicator);
    assert_false(rs_flib_find(lib, "budget.final")->indicator);
    assert_int_equal(rs_flib_find(lib, "budget.final")->kind, RS_VK_MONEY);
    assert_string_equal(rs_flib_find(lib, "T9")->unit, "户");
    assert_null(rs_flib_find(lib, "F99"));
    rs_flib_free(lib);
}

static void test_inputs(void **state)
{
    uint32_t id, id2;
    enum rs_xtype t;
    char label[96], name[96];
    size_t n = 0;

    (void)state;
    assert_true(rs_eval_input_find("staffing.in_service", &id, &t));
    assert_int_equal(t, RS_XT_NUM);
    rs_eval_input_label(id, label, sizeof label);
    assert_string_equal(label, "在职人数");
    assert_string_equal(rs_eval_input_unit(id), "人");
    /* A Chinese type, kind or alias names the same input. */
    assert_true(rs_eval_input_find("人员编制.在职", &id2, &t));
    assert_int_equal(id2, id);
    assert_true(rs_eval_input_find("budget_line.personnel.year_start", &id, &t));
    assert_int_equal(t, RS_XT_MONEY);
    rs_eval_input_label(id, label, sizeof label);
    assert_string_equal(label, "人员经费年初预算");
    assert_true(rs_eval_input_find("预算行.人员经费.年初预算", &id2, &t));
    assert_int_equal(id2, id);
    assert_true(rs_eval_input_find("budget_line.total.addition", &id, &t));
    rs_eval_input_label(id, label, sizeof label);
    assert_string_equal(label, "预算合计本年追加");
    assert_true(rs_eval_input_find("san_gong.total.prev_final", &id, &t));
    assert_true(rs_eval_input_find("relief.households", &id, &t));
    assert_string_equal(rs_eval_input_unit(id), "户");
    assert_false(rs_eval_input_find("staffing.sub_unit", &id, &t));
    assert_false(rs_eval_input_find("budget_line.final", &id, &t));
    assert_false(rs_eval_input_find("project.planned_investment", &id, &t));
    assert_false(rs_eval_input_find("relief.amount.x", &id, &t));
    assert_false(rs_eval_input_find("budget_line.unspecified.final", &id, &t));
    /* Every name listed is found again as itself. */
    while (rs_eval_input_at(n, name, sizeof name, &id)) {
        if (!rs_eval_input_find(name, &id2, &t) || id2 != id)
            fail_msg("input %s not found again", name);
        n++;
    }
    assert_true(n > 50);
}

static void test_library_errors(void **state)
{
    struct rs_flib *lib;

    (void)state;
    lib_fails("", "t.txt:0: no entries");
    lib_fails("# only a comment\n", "t.txt:1: no entries");
    lib_fails("a.b | rate | 甲 | staffing.in_service / staffing.establishmnt\n",
              "t.txt:1:40: unknown name 'staffing.establishmnt'");
    lib_fails("\n\nF1 | rate | 甲\n", "t.txt:3:1: expected 'name [slug] | kind | 中文名称 | "
                                    "expression [| definition]'");
    lib_fails("F1 | ratio | 甲 | 1\n", "t.txt:1:6: kind must be rate, count <unit>, money "
                                      "[万元|元], checklist or manual (optionally followed by "
                                      "unlisted)");
    lib_fails("x.y | money | 金额 | staffing.in_service\n",
              "t.txt:1:20: kind money needs money, but the expression is a number");
    lib_fails("F1 a_b | rate | 甲 | 1\nF2 a_b | rate | 乙 | 2\n",
              "t.txt:2:1: 'F2' already defined on line 1");
    lib_fails("staffing.retired | count 人 | 退休 | 1\n",
              "t.txt:1:1: 'staffing.retired' is a built-in input's name");
    lib_fails("a.b | count 人 | 甲 | c.d + 1\nc.d | count 人 | 乙 | a.b * 2\n",
              "t.txt:1: 'a.b' refers to itself through other entries");
    lib_fails("9x | rate | 甲 | 1\n",
              "t.txt:1:1: name '9x' must be letters, digits, _ and dots (a trailing ' allowed)");
    lib_fails("x.y | count 人 | 甲 | checklist()\n",
              "t.txt:1:21: a reviewer's answer: only an indicator may use it");
    lib_fails("x.y | count 人 | 甲 | count(relief)\n",
              "t.txt:1:27: relief records are summed as they are read: use relief.records, "
              "relief.delivered, relief.judged, relief.amount or relief.households");
    /* Entries may refer to later ones; a BOM and CRLF are fine. */
    lib = lib_ok("\xEF\xBB\xBF" "F1 | rate | 甲 | a.b / 2\r\na.b | count 人 | 乙 | 3\r\n");
    assert_int_equal(lib->n, 2);
    assert_string_equal(lib->e[0].code, "F1");
    assert_string_equal(lib->e[1].unit, "人");
    rs_flib_free(lib);
}

static void test_check_errors(void **state)
{
    struct rs_flib *lib = lib_ok("x.total | count 人 | 合计 | staffing.in_service\n");
    char err[512];
    const char *good =
        "# comment\n"
        "t.one | error | training | subsidy_total = subsidy_per_person * subsidy_persons | 0.01元 | "
        "skip | 培训补助：每人标准 × 人数 = 补助总额\n"
        "t.two | 警告 | project where stage >= 完工 | completed_investment <= planned_investment "
        "| | note | {}完成投资不超过计划投资\n"
        "t.three | note | unit | x.total <= staffing.establishment | 1 | skip | 在职不超过编制\n";

    (void)state;
    checks_fail(lib, "a | error | unit | 1 = 1 | 0 | skip\n",
                "c.txt:1:1: expected 'code | severity | scope | assertion | tolerance | missing | "
                "核查内容'");
    checks_fail(lib, "A | error | unit | 1 = 1 | 0 | skip | 甲\n",
                "c.txt:1:1: code must be lower-case letters, digits, _ and dots, at most 39 bytes");
    checks_fail(lib, "a | fatal | unit | 1 = 1 | 0 | skip | 甲\n",
                "c.txt:1:5: severity must be error, warning or note");
    checks_fail(lib, "a | error | nosuch | 1 = 1 | 0 | skip | 甲\n",
                "c.txt:1:13: scope 'nosuch' is neither unit nor a record type");
    checks_fail(lib, "a | error | relief | amount > 0 | 0 | skip | 甲\n",
                "c.txt:1:13: relief records are summed as they are read: no check runs per "
                "relief record");
    checks_fail(lib, "a | error | unit | x.total + 1 | 0 | skip | 甲\n",
                "c.txt:1:20: a condition is needed here, not a number");
    checks_fail(lib, "a | error | training | trainees <= plannned | 0 | skip | 甲\n",
                "c.txt:1:36: unknown name 'plannned'");
    checks_fail(lib, "a | error | project where stage >= 蓝 | paid >= 0 | 0 | skip | 甲\n",
                "c.txt:1:36: '蓝' is not a value of stage");
    checks_fail(lib, "a | error | unit | 1 = 1 | x.total | skip | 甲\n",
                "c.txt:1:28: tolerance must be a number, an amount (0.01元) or a percentage");
    checks_fail(lib, "a | error | unit | 1 = 1 | 0 | maybe | 甲\n",
                "c.txt:1:32: missing must be skip or note");
    assert_int_equal(rs_flib_parse_checks(lib, good, strlen(good), "c.txt", err, sizeof err),
                     RS_OK);
    assert_int_equal(lib->nc, 3);
    assert_string_equal(lib->c[0].code, "t.one");
    assert_int_equal(lib->c[0].sev, 2);
    assert_int_equal(lib->c[0].scope->type, RS__RECORD__BODY_TRAINING);
    assert_true(lib->c[0].tol_money);
    assert_int_equal(lib->c[0].tol_num, 1);
    assert_int_equal(lib->c[1].sev, 1);
    assert_non_null(lib->c[1].where);
    assert_true(lib->c[1].missing_note);
    assert_null(lib->c[2].scope);
    assert_string_equal(lib->checks_name, "c.txt");
    /* A second check file is refused. */
    assert_int_equal(rs_flib_parse_checks(lib, good, strlen(good), "c.txt", err, sizeof err),
                     RS_EINVAL);
    rs_flib_free(lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_library_errors),
        cmocka_unit_test(test_check_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_expr.c - the expression language of formulas and checks
 * (server/eval/rs_expr.h): parse errors with their columns, types, exact
 * arithmetic, absent values and their reasons, three-valued filters and the
 * records they leave out, aggregates over records.
 *
 * The global names here are a tiny scope of the test's own (a, b, zero,
 * none, money, big); the real names are the formula library's
 * (test_flib.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_expr.h"

/* ------------------------------------------------------------ a scope */

static const struct {
    const char *name, *label;
    enum rs_xtype type;
    bool given;
    int64_t num, den;
} names[] = {
    {"a", "甲数", RS_XT_NUM, true, 10, 1},
    {"b", "乙数", RS_XT_NUM, true, 13, 1},
    {"zero", "零数", RS_XT_NUM, true, 0, 1},
    {"none", "未给数", RS_XT_NUM, false, 0, 1},
    {"money", "金额数", RS_XT_MONEY, true, 2019150000, 1},
    {"money2", "预算数", RS_XT_MONEY, true, 2024870000, 1},
    {"big", "大数", RS_XT_NUM, true, INT64_MAX / 2, 1},
    {"line.x.final", "某行决算", RS_XT_MONEY, true, 71641, 1},
    {"F4'", "撇号", RS_XT_NUM, true, 1, 2},
};

static bool lookup(const void *user, const char *s, struct rs_xname *out)
{
    (void)user;
    for (uint32_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i].name, s) == 0) {
            out->id = i;
            out->type = names[i].type;
            return true;
        }
    }
    return false;
}

static void name_val(void *user, struct rs_xctx *ctx, uint32_t id, struct rs_xval *out)
{
    (void)user;
    if (!names[id].given) {
        rs_xctx_absent(ctx, out, names[id].type, "没有%s（测试）", names[id].label);
        return;
    }
    memset(out, 0, sizeof *out);
    out->state = RS_XS_GIVEN;
    out->type = (uint8_t)names[id].type;
    out->num = names[id].num;
    out->den = names[id].den;
    out->why = out->src = -1;
}

static void name_label(void *user, uint32_t id, char *out, size_t n)
{
    (void)user;
    snprintf(out, n, "%s", names[id].label);
}

/* The records of the test, by type. */
static const Rs__Record *projects[8], *trainings[8];
static size_t nprojects, ntrainings;

static const Rs__Record *const *records(void *user, rs_rtype t, size_t *n)
{
    (void)user;
    if (t == RS__RECORD__BODY_PROJECT) {
        *n = nprojects;
        return projects;
    }
    if (t == RS__RECORD__BODY_TRAINING) {
        *n = ntrainings;
        return trainings;
    }
    *n = 0;
    return NULL;
}

static const struct rs_xenv env = {name_val, records, NULL, name_label};
static const struct rs_xscope scope = {NULL, lookup, NULL, false};

static struct rs_expr *parse_ok(const char *src, int want)
{
    struct rs_expr *e = NULL;
    struct rs_xerr err;
    rs_status rv = rs_expr_parse(src, strlen(src), &scope, want, &e, &err);

    if (rv != RS_OK)
        fail_msg("'%s': col %u: %s", src, err.col, err.msg);
    return e;
}

static void parse_fails(const char *src, int want, uint32_t col, const char *msg)
{
    struct rs_expr *e = NULL;
    struct rs_xerr err;
    rs_status rv = rs_expr_parse(src, strlen(src), &scope, want, &e, &err);

    if (rv == RS_OK)
        fail_msg("'%s' parsed", src);
    assert_null(e);
    if (err.col != col || strcmp(err.msg, msg) != 0)
        fail_msg("'%s': col %u '%s', want col %u '%s'", src, err.col, err.msg, col, msg);
}

/* Evaluates src; returns the value, with the reason in why. */
static struct rs_xval eval_src(const char *src, int want, char *why, size_t n)
{
    struct rs_expr *e = parse_ok(src, want);
    struct rs_xctx ctx;
    struct rs_xval v;

    rs_xctx_init(&ctx, &env, NULL, NULL);
    rs_expr_eval(e, &ctx, &v);
    if (why)
        snprintf(why, n, "%s", rs_xctx_text(&ctx, v.why));
    rs_expr_free(e);
    return v;
}

static void value_is(const char *src, int64_t num, int64_t den)
{
    char why[256];
    struct rs_xval v = eval_src(src, -1, why, sizeof why);

    if (v.state != RS_XS_GIVEN || v.num != num || v.den != den)
        fail_msg("'%s' = %s %lld/%lld (%s), want %lld/%lld", src,
                 v.state == RS_XS_GIVEN ? "given" : "absent", (long long)v.num,
                 (long long)v.den, why, (long long)num, (long long)den);
}

static void absent_is(const char *src, const char *reason)
{
    char why[256];
    struct rs_xval v = eval_src(src, -1, why, sizeof why);

    if (v.state != RS_XS_ABSENT || strcmp(why, reason) != 0)
        fail_msg("'%s': %s (%s), want absent (%s)", src,
                 v.state == RS_XS_GIVEN ? "given" : "absent", why, reason);
}

static void cond_is(const char *src, int want)
{
    struct rs_xval v = eval_src(src, RS_XT_BOOL, NULL, 0);

    if (want < 0)
        assert_int_equal(v.state, RS_XS_ABSENT);
    else if (v.state != RS_XS_GIVEN || v.num != want)
        fail_msg("'%s' is %s %lld, want %d", src, v.state == RS_XS_GIVEN ? "" : "unknown",
                 (long long)v.num, want);
}

/* ------------------------------------------------------------ tests */

static void test_parse_errors(void **state)
{
    char big[RS_EXPR_MAX_SRC + 8];

    (void)state;
    parse_fails("", -1, 1, "empty expression");
    parse_fails("a +", -1, 4, "unexpected end");
    parse_fails("a + nosuch", -1, 5, "unknown name 'nosuch'");
    parse_fails("a + no.such", -1, 5, "unknown name 'no.such'");
    parse_fails("(a + b", -1, 7, "expected ')'");
    parse_fails("a ÷ b)", -1, 6, "unexpected ')' after the expression");
    parse_fails("a # b", -1, 3, "unexpected character '#'");
    parse_fails("money + a", -1, 7, "cannot add money and a number (write the unit: 300元)");
    parse_fails("money * money", -1, 7, "cannot multiply money by money");
    parse_fails("a / money", -1, 3, "cannot divide a number by money");
    parse_fails("whole(money)", RS_XT_BOOL, 7, "whole() takes a number");
    parse_fails("money > 300", RS_XT_BOOL, 7,
                "cannot compare money with a number (write the unit: 300元)");
    parse_fails("0 < a < b", RS_XT_BOOL, 7, "comparisons do not chain: use 'and'");
    parse_fails("a > b", -1, 1, "a number or an amount is needed here, not a condition");
    parse_fails("a + b", RS_XT_BOOL, 1, "a condition is needed here, not a number");
    parse_fails("a and b", RS_XT_BOOL, 3, "'and' joins conditions, not a number");
    parse_fails("nosuch(a)", -1, 1, "unknown function 'nosuch'");
    parse_fails("coalesce(a)", -1, 1, "coalesce() takes 2 or more arguments");
    parse_fails("known(a)", RS_XT_BOOL, 7,
                "known() takes a condition, not a value (given() takes a value)");
    parse_fails("coalesce(a, money)", -1, 13,
                "arguments of one type needed, not a number and money");
    parse_fails("count(relief)", -1, 7,
                "relief records are summed as they are read: use relief.records, "
                "relief.delivered, relief.judged, relief.amount or relief.households");
    parse_fails("count(staffing)", -1, 7,
                "staffing records cannot be counted: use their figures (staffing.<field>)");
    parse_fails("count(nosuch)", -1, 7, "'nosuch' is not a record type");
    parse_fails("sum(project.colour)", -1, 13, "project has no field 'colour'");
    parse_fails("count(project where stage >= 蓝色)", -1, 30,
                "'蓝色' is not a value of stage");
    parse_fails("count(project where planned_investment > 5)", -1, 40,
                "cannot compare money with a number (write the unit: 300元)");
    parse_fails("sum(project.name)", -1, 5, "sum of text");
    parse_fails("checklist()", -1, 1, "a reviewer's answer: only an indicator may use it");
    parse_fails("3.555元 + money", -1, 1, "an amount has at most two decimals of 元");
    value_is("3.5元 + 0", 350, 1);
    /* Columns count characters, not bytes. */
    parse_fails("（甲 + b", -1, 2, "unknown name '甲'");
    memset(big, 'a', sizeof big);
    {
        struct rs_expr *e = NULL;
        struct rs_xerr err;

        assert_int_equal(rs_expr_parse(big, RS_EXPR_MAX_SRC + 1, &scope, -1, &e, &err),
                         RS_ETOOBIG);
        assert_null(e);
        assert_int_equal(rs_expr_parse("a\xff", 2, &scope, -1, &e, &err), RS_EINVAL);
        assert_string_equal(err.msg, "not UTF-8 text");
    }
    {
        /* Deep nesting and too many nodes are caps, not crashes. */
        char deep[200];
        size_t k = 0;

        for (int i = 0; i < 40; i++)
            deep[k++] = '(';
        deep[k++] = 'a';
        for (int i = 0; i < 40; i++)
            deep[k++] = ')';
        deep[k] = '\0';
        parse_fails(deep, -1, 33, "nested more than 32 deep");
    }
    {
        char many[RS_EXPR_MAX_SRC];
        size_t k = 0;
        struct rs_expr *e = NULL;
        struct rs_xerr err;

        while (k + 4 < sizeof many - 1) {
            memcpy(many + k, "a + ", 4);
            k += 4;
        }
        many[k++] = 'a';
        many[k] = '\0';
        assert_int_equal(rs_expr_parse(many, k, &scope, -1, &e, &err), RS_ETOOBIG);
        assert_string_equal(err.msg, "more than 256 operations");
    }
}

static void test_arithmetic(void **state)
{
    char why[256];
    struct rs_xval v;

    (void)state;
    /* A quotient of integers keeps both: 10/13, not reduced. */
    value_is("a / b", 10, 13);
    value_is("money / money2", 2019150000, 2024870000);
    value_is("a ÷ b × b", 10, 1);
    value_is("(a + b) * 2 - 1", 45, 1);
    value_is("a − b", -3, 1);
    value_is("-a", -10, 1);
    value_is("30% * a", 3, 1);
    value_is("1.5 + 0.25", 7, 4);
    value_is("money - 1.5万元", 2017650000, 1);
    value_is("money + 100元 - 0", 2019160000, 1);
    value_is("F4' * 2", 1, 1);
    value_is("line.x.final / 2", 71641, 2);
    value_is("min(a, b, 12)", 10, 1);
    value_is("max(a, b, 12)", 13, 1);
    value_is("abs(a - b)", 3, 1);
    value_is("if(a < b, a, b)", 10, 1);
    value_is("if(a > b, a, b)", 13, 1);
    value_is("coalesce(none, a)", 10, 1);
    value_is("coalesce(a, none)", 10, 1);
    /* Absent is not zero: it spreads, with the first reason. */
    absent_is("a + none", "没有未给数（测试）");
    absent_is("none / a", "没有未给数（测试）");
    absent_is("min(a, none)", "没有未给数（测试）");
    absent_is("coalesce(none, none)", "没有未给数（测试）");
    absent_is("if(none > a, a, b)", "没有未给数（测试）");
    /* 0/0 is not 100% and not 0. */
    absent_is("a / zero", "零数为0，除数为0");
    absent_is("zero / zero", "零数为0，除数为0");
    absent_is("a / (b - b)", "(b - b)为0，除数为0");
    /* Overflow is absent, never wrapped. */
    absent_is("big * 4", "数值超出可计算范围（big * 4）");
    absent_is("big * big / big", "数值超出可计算范围（big * big）");
    v = eval_src("a / b", -1, why, sizeof why);
    assert_int_equal(v.state, RS_XS_GIVEN);
    assert_int_equal(v.type, RS_XT_NUM);
    v = eval_src("money / a", -1, why, sizeof why);
    assert_int_equal(v.type, RS_XT_MONEY);
}

static void test_conditions(void **state)
{
    (void)state;
    cond_is("a < b", 1);
    cond_is("a >= b", 0);
    cond_is("a ≠ b", 1);
    cond_is("a = 10", 1);
    cond_is("money > 0", 1);
    cond_is("money >= 20191500元", 1);
    cond_is("money > 2019.15万元", 0);
    cond_is("not a < b", 0);
    /* Three values: unknown unless the known side decides. */
    cond_is("none > a", -1);
    cond_is("none > a and a > b", 0);
    cond_is("none > a or a < b", 1);
    cond_is("none > a or a > b", -1);
    cond_is("not none > a", -1);
    cond_is("given(none)", 0);
    cond_is("given(a)", 1);
    cond_is("whole_fen(money / 11)", 0);
    cond_is("whole_fen(money / 2)", 1);
    /* A number that is whole: persons implied by an amount at a standard. */
    cond_is("whole(money / 11元)", 0);
    cond_is("whole(money / 150元)", 1);
    cond_is("whole(b / a)", 0);
    cond_is("whole(a / 5)", 1);
    cond_is("whole(none)", -1);
}

static Rs__Record *project(const char *id, int stage, int64_t planned, bool has_end)
{
    Rs__Record *r = calloc(1, sizeof *r);
    Rs__Project *p = calloc(1, sizeof *p);

    assert_non_null(r);
    assert_non_null(p);
    rs__record__init(r);
    rs__project__init(p);
    r->body_case = RS__RECORD__BODY_PROJECT;
    r->project = p;
    r->division_code = "430602001";
    p->project_id = (char *)id;
    p->village = "磨刀村";
    if (stage) {
        p->has_stage = true;
        p->stage = (Rs__ProjectStage)stage;
    }
    if (planned >= 0) {
        p->has_planned_investment_fen = true;
        p->planned_investment_fen = planned;
    }
    if (has_end) {
        p->has_actual_end = p->has_planned_end = true;
        p->actual_end = 20231001;
        p->planned_end = 20231031;
    }
    p->has_scale_qty_milli = true;
    p->scale_qty_milli = 1500;
    return r;
}

static void free_records(void)
{
    for (size_t i = 0; i < nprojects; i++) {
        free(((Rs__Record *)projects[i])->project);
        free((void *)projects[i]);
    }
    nprojects = 0;
}

static void test_aggregates(void **state)
{
    struct rs_expr *e;
    struct rs_xctx ctx;
    struct rs_xval v;
    char why[256];

    (void)state;
    /* An empty register is not zero. */
    absent_is("count(project)", "没有项目记录");
    absent_is("sum(project.planned_investment)", "没有项目记录");
    projects[nprojects++] = project("P1", RS__PROJECT_STAGE__STAGE_ACCEPTED, 100000, true);
    projects[nprojects++] = project("P2", RS__PROJECT_STAGE__STAGE_BUILDING, 50000, false);
    projects[nprojects++] = project("P3", RS__PROJECT_STAGE__STAGE_COMPLETED, -1, false);
    projects[nprojects++] = project("P4", 0, 20000, true);
    value_is("count(project)", 4, 1);
    value_is("count(project where stage >= 完工)", 2, 1);
    value_is("count(项目 where 项目阶段 >= completed)", 2, 1);
    value_is("count(project where stage = building or stage = 计划)", 1, 1);
    value_is("count(project where village = \"磨刀村\")", 4, 1);
    value_is("count(project where contains(village, \"磨刀\"))", 4, 1);
    value_is("count(project where stage >= 竣工验收 and actual_end <= planned_end)", 1, 1);
    value_is("sum(project.scale_qty)", 6, 1);
    value_is("sum(project: scale_qty * 2 where stage >= 完工)", 6, 1);
    value_is("sum(project.planned_investment where given(planned_investment))", 170000, 1);
    /* A matching record without the field makes the sum absent, named. */
    absent_is("sum(project.planned_investment)", "项目 P3未填报计划投资");
    absent_is("sum(project.planned_investment where stage >= 完工)", "项目 P3未填报计划投资");
    value_is("sum(project.planned_investment where stage = 在建)", 50000, 1);
    /* None matching is 0: the register exists. */
    value_is("count(project where stage = 公示)", 0, 1);
    value_is("sum(project.planned_investment where stage = 公示)", 0, 1);

    /* Records a filter left out are tallied, by the field that was missing. */
    e = parse_ok("count(project where stage >= 完工 and given(actual_end))", -1);
    rs_xctx_init(&ctx, &env, NULL, NULL);
    ctx.note = "（1个乡镇/街道）";
    rs_expr_eval(e, &ctx, &v);
    assert_int_equal(v.state, RS_XS_GIVEN);
    assert_int_equal(v.num, 1);
    assert_string_equal(rs_xctx_text(&ctx, v.src), "项目记录4条（1个乡镇/街道）");
    assert_int_equal(ctx.ntallies, 2);
    /* P3 is completed without an end date; P4's stage is not given. */
    assert_false(ctx.tally[0].unknown);
    assert_string_equal(ctx.tally[0].field_label, "实际完工日期");
    assert_int_equal(ctx.tally[0].n, 1);
    assert_true(ctx.tally[1].unknown);
    assert_string_equal(ctx.tally[1].field_label, "项目阶段");
    assert_int_equal(ctx.tally[1].n, 1);
    {
        int idx[4];

        assert_int_equal(rs_expr_inputs(e, idx, 4), 1);
        rs_expr_label(e, idx[0], why, sizeof why);
        assert_string_equal(why, "项目数（stage >= 完工 and given(actual_end)）");
    }
    rs_expr_free(e);
    e = parse_ok("sum(project.planned_investment where given(planned_investment)) / a", -1);
    {
        int idx[4];

        assert_int_equal(rs_expr_inputs(e, idx, 4), 2);
        rs_expr_label(e, idx[0], why, sizeof why);
        assert_string_equal(why, "项目计划投资合计（given(planned_investment)）");
        assert_int_equal(e->n[idx[1]].op, RS_XO_NAME);
    }
    rs_expr_free(e);
    free_records();
    /* Records none of which can be judged: not known, never 0 of them. */
    projects[nprojects++] = project("Q1", 0, 20000, true);
    projects[nprojects++] = project("Q2", 0, 30000, true);
    absent_is("count(project where stage >= 完工)",
              "没有一条项目记录填报项目阶段（共2条），无法判断");
    absent_is("sum(project.planned_investment where stage >= 完工)",
              "没有一条项目记录填报项目阶段（共2条），无法判断");
    value_is("count(project where given(stage))", 0, 1);
    /* known(): whether a condition can be judged, for a rate's base. */
    value_is("count(project where known(stage >= 完工))", 0, 1);
    value_is("count(project where known(stage >= 完工 or planned_investment > 0元))", 2, 1);
    /* A sum over the records that give a field, when none does, is not 0. */
    absent_is("sum(project.allocated where given(allocated))", "项目记录均未填报下达资金（共2条）");
    free_records();
}

#define GE_1000 "planned_investment >= 1000元"

static void test_record_scope(void **state)
{
    static const struct rs_xscope rec_scope = {NULL, lookup, NULL, false};
    struct rs_xscope sc = rec_scope;
    struct rs_expr *e = NULL;
    struct rs_xerr err;
    struct rs_xctx ctx;
    struct rs_xval v, l, r;
    Rs__Record *rec;
    int left, right;
    enum rs_xop op;

    (void)state;
    sc.record = rs_rtype_find(RS__RECORD__BODY_PROJECT);
    rec = project("P9", RS__PROJECT_STAGE__STAGE_COMPLETED, 100000, true);
    assert_int_equal(rs_expr_parse("planned_investment >= 1000元 and 期间 = 全年", 0, &sc,
                                   RS_XT_BOOL, &e, &err),
                     RS_EINVAL);
    assert_int_equal(rs_expr_parse(GE_1000, strlen(GE_1000), &sc, RS_XT_BOOL, &e, &err), RS_OK);
    assert_true(rs_expr_sides(e, &left, &right, &op));
    assert_int_equal(op, RS_XO_GE);
    rs_xctx_init(&ctx, &env, NULL, rec);
    rs_expr_eval(e, &ctx, &v);
    assert_int_equal(v.state, RS_XS_GIVEN);
    assert_int_equal(v.num, 1);
    rs_expr_eval_node(e, left, &ctx, &l);
    rs_expr_eval_node(e, right, &ctx, &r);
    assert_int_equal(l.num, 100000);
    assert_int_equal(r.num, 100000);
    rs_expr_free(e);
    /* An absent field is named with the record. */
    rec->project->has_planned_investment_fen = false;
    assert_int_equal(rs_expr_parse(GE_1000, strlen(GE_1000), &sc, RS_XT_BOOL, &e, &err), RS_OK);
    rs_xctx_init(&ctx, &env, NULL, rec);
    rs_expr_eval(e, &ctx, &v);
    assert_int_equal(v.state, RS_XS_ABSENT);
    assert_string_equal(rs_xctx_text(&ctx, v.why), "项目 P9未填报计划投资");
    rs_expr_free(e);
    free(rec->project);
    free(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_record_scope),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_schedule.c - tests of rs_schedule: a schedule CSV with English and
 * Chinese names, every refusal with its file:line and reason (unknown type,
 * duplicate line, impossible deadline, bad township, bad header), the same
 * rules for a ScheduleSet from the wire, the round trips through CSV and
 * the wire, and the periods and deadlines a line implies.
 *
 * Does not: store a schedule (test_year_store.c) or judge returns against
 * one (test_compl.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_schedule.h"

#define TA "430602001"
#define TB "430602002"

static rs_status parse(const char *text, struct rs_schedule *s, char *err, size_t errlen)
{
    return rs_schedule_parse_csv("s.csv", text, strlen(text), 2023, s, err, errlen);
}

/* Expects text to be refused with st and exactly the message want. */
static void refused(const char *text, rs_status st, const char *want)
{
    struct rs_schedule s;
    char err[512] = "";

    assert_int_equal(parse(text, &s, err, sizeof(err)), st);
    assert_string_equal(err, want);
    assert_null(s.lines);
    assert_int_equal(s.n, 0);
}

static void test_parse_good_file(void **state)
{
    static const char text[] =
        "\xef\xbb\xbf" "类型,周期,截止天数,乡镇\n"
        "直补,季度,20,全部\n"
        "project,year,31,\n"
        "培训,半年,15,\"430602001、430602002\"\n"
        "\n"
        "relief,year,0,430602001 430602100;430602200\n";
    struct rs_schedule s;
    char err[256] = "x";

    (void)state;
    assert_int_equal(parse(text, &s, err, sizeof(err)), RS_OK);
    assert_string_equal(err, "");
    assert_int_equal(s.year, 2023);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.lines[0].type, RS__RECORD_TYPE__RT_SUBSIDY);
    assert_int_equal(s.lines[0].kind, RS__PERIOD_KIND__PK_QUARTER);
    assert_int_equal(s.lines[0].deadline_days, 20);
    assert_int_equal(s.lines[0].ntownships, 0);
    assert_int_equal(s.lines[0].line, 2);
    assert_int_equal(s.lines[1].type, RS__RECORD_TYPE__RT_PROJECT);
    assert_int_equal(s.lines[1].kind, RS__PERIOD_KIND__PK_YEAR);
    assert_int_equal(s.lines[1].ntownships, 0);
    assert_int_equal(s.lines[2].type, RS__RECORD_TYPE__RT_TRAINING);
    assert_int_equal(s.lines[2].kind, RS__PERIOD_KIND__PK_HALF);
    assert_int_equal(s.lines[2].ntownships, 2);
    assert_string_equal(s.lines[2].townships[1], TB);
    assert_int_equal(s.lines[3].line, 6);
    assert_int_equal(s.lines[3].ntownships, 3);
    assert_string_equal(s.lines[3].townships[2], "430602200");
    assert_true(rs_sched_line_covers(&s.lines[0], "430602999"));
    assert_true(rs_sched_line_covers(&s.lines[2], TA));
    assert_false(rs_sched_line_covers(&s.lines[2], "430602100"));
    rs_schedule_free(&s);
    assert_null(s.lines);

    /* A header alone is an empty schedule; the townships column may be left out. */
    assert_int_equal(parse("type,period,deadline_days\n", &s, err, sizeof(err)), RS_OK);
    assert_int_equal(s.n, 0);
    rs_schedule_free(&s);
    assert_int_equal(parse("Type,PERIOD,deadline_days\nsurvey,Year,30\n", &s, err, sizeof(err)),
                     RS_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.lines[0].type, RS__RECORD_TYPE__RT_SURVEY);
    rs_schedule_free(&s);
    /* What Excel writes on Chinese Windows: GB18030 ("类型,周期,截止天数 / 直补,季度,20"). */
    assert_int_equal(parse("\xc0\xe0\xd0\xcd,\xd6\xdc\xc6\xda,\xbd\xd8\xd6\xb9\xcc\xec\xca\xfd\n"
                           "\xd6\xb1\xb2\xb9,\xbc\xbe\xb6\xc8,20\n",
                           &s, err, sizeof(err)),
                     RS_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.lines[0].type, RS__RECORD_TYPE__RT_SUBSIDY);
    assert_int_equal(s.lines[0].kind, RS__PERIOD_KIND__PK_QUARTER);
    rs_schedule_free(&s);
}

static void test_parse_refusals(void **state)
{
    (void)state;
    refused("type,period,deadline_days\nsubsidy,quarter,20\n项目x,year,30\n", RS_EINVAL,
            "s.csv:3: 类型（type）：未知的记录类型“项目x”");
    refused("type,period,deadline_days\nbudget_line,year,30\n", RS_EINVAL,
            "s.csv:2: 类型（type）：预算行不是报送计划可以安排的乡镇记录类型");
    refused("type,period,deadline_days\n零报告,year,30\n", RS_EINVAL,
            "s.csv:2: 类型（type）：零报告不是报送计划可以安排的乡镇记录类型");
    refused("type,period,deadline_days\n,year,30\n", RS_EINVAL, "s.csv:2: 类型（type）：必填");
    refused("type,period,deadline_days\nsubsidy,monthly,20\n", RS_EINVAL,
            "s.csv:2: 周期（period）：“monthly”不是季度、半年或年度（quarter、half、year）");
    refused("type,period,deadline_days\nsubsidy,quarter,400\n", RS_EINVAL,
            "s.csv:2: 截止天数（deadline_days）：“400”不可能：应为期末后的整天数，0 至 366");
    refused("type,period,deadline_days\nsubsidy,quarter,-3\n", RS_EINVAL,
            "s.csv:2: 截止天数（deadline_days）：“-3”不可能：应为期末后的整天数，0 至 366");
    refused("type,period,deadline_days\nsubsidy,quarter,\n", RS_EINVAL,
            "s.csv:2: 截止天数（deadline_days）：“”不可能：应为期末后的整天数，0 至 366");
    refused("type,period,deadline_days,townships\nsubsidy,quarter,20,430602\n", RS_EINVAL,
            "s.csv:2: 乡镇“430602”不是 9 位或 12 位的区划代码");
    refused("type,period,deadline_days,townships\nsubsidy,quarter,20,43060200x\n", RS_EINVAL,
            "s.csv:2: 乡镇“43060200x”不是 9 位或 12 位的区划代码");
    refused("type,period,deadline,townships\n", RS_EINVAL,
            "s.csv:1: 未知的列“deadline”（报送计划的列为 类型、周期、截止天数、乡镇，"
            "即 type、period、deadline_days、townships）");
    refused("type,deadline_days\n", RS_EINVAL, "s.csv:1: 缺少 period 列");
    refused("type,类型,period,deadline_days\n", RS_EINVAL, "s.csv:1: 列 type 出现了两次");
    refused("", RS_EINVAL, "s.csv:1: 空文件：没有表头");
    refused("type,period,deadline_days\n\"subsidy,quarter,20\n", RS_EINVAL,
            "s.csv: 第2行第1个字段：引号没有闭合");
}

static void test_duplicate_lines(void **state)
{
    (void)state;
    refused("type,period,deadline_days,townships\n"
            "subsidy,quarter,20,430602001 430602002\n"
            "project,year,30,430602001\n"
            "直补,half,20,430602003 430602002\n",
            RS_EINVAL,
            "s.csv:4: 重复的行：乡镇 430602002 的直补已在第 2 行");
    refused("type,period,deadline_days,townships\n"
            "subsidy,quarter,20,all\n"
            "subsidy,year,20,430602001\n",
            RS_EINVAL,
            "s.csv:3: 重复的行：第 2 行已为全部乡镇安排了直补");
    refused("type,period,deadline_days,townships\n"
            "subsidy,quarter,20,430602001\n"
            "subsidy,year,20,\n",
            RS_EINVAL,
            "s.csv:3: 重复的行：本行为全部乡镇安排直补，而第 2 行已经写了它");
    refused("type,period,deadline_days,townships\nsurvey,year,20,430602001,430602001\n",
            RS_EINVAL, "s.csv:2: 有 5 个单元格，表头只有 4 列");
    refused("type,period,deadline_days,townships\nsurvey,year,20,\"430602001,430602001\"\n",
            RS_EINVAL, "s.csv:2: 乡镇 430602001 在本行中出现了两次");
    /* The first repetition in file order is the one named. */
    refused("type,period,deadline_days,townships\n"
            "petition,year,10,430602005\n"
            "survey,year,10,430602009\n"
            "survey,year,10,430602009\n"
            "petition,year,10,430602005\n",
            RS_EINVAL,
            "s.csv:4: 重复的行：乡镇 430602009 的满意度调查已在第 3 行");
}

static void test_csv_and_wire_round_trips(void **state)
{
    static const char text[] = "type,period,deadline_days,townships\n"
                               "subsidy,quarter,20,all\n"
                               "training,half,15,430602001 430602002\n";
    struct rs_schedule s, back, wire;
    struct rs_schedule_wire w;
    Rs__ScheduleSet set = RS__SCHEDULE_SET__INIT, *un;
    uint8_t buf[1024];
    size_t n;
    char err[256], *csv = NULL;

    (void)state;
    assert_int_equal(parse(text, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_schedule_format_csv(&s, &csv), RS_OK);
    assert_string_equal(csv, text);
    assert_int_equal(parse(csv, &back, err, sizeof(err)), RS_OK);
    assert_int_equal(back.n, 2);
    free(csv);
    rs_schedule_free(&back);

    assert_int_equal(rs_schedule_to_wire(&s, &w), RS_OK);
    set.has_year = 1;
    set.year = 2023;
    set.n_entries = w.n;
    set.entries = w.ptrs;
    n = rs__schedule_set__get_packed_size(&set);
    assert_true(n <= sizeof(buf));
    rs__schedule_set__pack(&set, buf);
    rs_schedule_wire_free(&w);
    un = rs__schedule_set__unpack(NULL, n, buf);
    assert_non_null(un);
    assert_int_equal(rs_schedule_from_wire(un, &wire, err, sizeof(err)), RS_OK);
    assert_int_equal(wire.n, 2);
    assert_int_equal(wire.lines[1].line, 2);
    assert_int_equal(wire.lines[1].kind, RS__PERIOD_KIND__PK_HALF);
    assert_string_equal(wire.lines[1].townships[0], "430602001");
    assert_int_equal(rs_schedule_format_csv(&wire, &csv), RS_OK);
    assert_string_equal(csv, text);
    free(csv);
    /* The Chinese form reads back to the same schedule, in the same English form. */
    assert_int_equal(rs_schedule_format_csv_zh(&wire, &csv), RS_OK);
    assert_non_null(strstr(csv, "类型,周期,截止天数,乡镇\n"));
    assert_null(strstr(csv, "relief"));
    assert_int_equal(parse(csv, &back, err, sizeof(err)), RS_OK);
    free(csv);
    assert_int_equal(rs_schedule_format_csv(&back, &csv), RS_OK);
    assert_string_equal(csv, text);
    free(csv);
    rs_schedule_free(&back);
    rs_schedule_free(&wire);
    rs__schedule_set__free_unpacked(un, NULL);
    rs_schedule_free(&s);
}

static void test_wire_refusals(void **state)
{
    Rs__ScheduleSet set = RS__SCHEDULE_SET__INIT;
    Rs__ScheduleEntry e[2], *ep[2] = {&e[0], &e[1]};
    char *towns[] = {"430602001", "4306020011111"};
    struct rs_schedule s;
    char err[256];

    (void)state;
    for (int i = 0; i < 2; i++) {
        rs__schedule_entry__init(&e[i]);
        e[i].has_record_type = 1;
        e[i].record_type = RS__RECORD_TYPE__RT_SUBSIDY;
        e[i].has_period_kind = 1;
        e[i].period_kind = RS__PERIOD_KIND__PK_QUARTER;
        e[i].has_deadline_days = 1;
        e[i].deadline_days = 20;
    }
    set.has_year = 1;
    set.year = 2023;
    set.entries = ep;
    set.n_entries = 2;
    assert_int_equal(rs_schedule_from_wire(&set, &s, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "条目:2: 重复的行：第 1 行已为全部乡镇安排了直补");
    e[1].record_type = (Rs__RecordType)7;
    assert_int_equal(rs_schedule_from_wire(&set, &s, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "条目:2: 记录类型 7 不是乡镇报送的记录类型");
    e[1].record_type = RS__RECORD_TYPE__RT_SURVEY;
    e[1].has_deadline_days = 0;
    assert_int_equal(rs_schedule_from_wire(&set, &s, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "条目:2: 期末后 4294967295 天的截止期不可能（应为 0 至 366 天）");
    e[1].has_deadline_days = 1;
    e[1].period_kind = RS__PERIOD_KIND__PK_UNSPECIFIED;
    assert_int_equal(rs_schedule_from_wire(&set, &s, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "条目:2: 周期种类 0 不是季度、半年或年度");
    e[1].period_kind = RS__PERIOD_KIND__PK_YEAR;
    e[1].townships = towns;
    e[1].n_townships = 2;
    assert_int_equal(rs_schedule_from_wire(&set, &s, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "条目:2: 乡镇“过长”不是 9 位或 12 位的区划代码");
    e[1].n_townships = 1;
    assert_int_equal(rs_schedule_from_wire(&set, &s, err, sizeof(err)), RS_OK);
    rs_schedule_free(&s);
    set.year = 1999;
    assert_int_equal(rs_schedule_from_wire(&set, &s, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "报送计划的年度 1999 不在 2000 至 2100 之间");
}

static void test_periods_and_deadlines(void **state)
{
    Rs__Period p[4];

    (void)state;
    assert_int_equal(rs_period_kind_periods(RS__PERIOD_KIND__PK_QUARTER, p), 4);
    assert_int_equal(p[3], RS__PERIOD__PERIOD_Q4);
    assert_int_equal(rs_period_kind_periods(RS__PERIOD_KIND__PK_HALF, p), 2);
    assert_int_equal(p[1], RS__PERIOD__PERIOD_H2);
    assert_int_equal(rs_period_kind_periods(RS__PERIOD_KIND__PK_YEAR, p), 1);
    assert_int_equal(p[0], RS__PERIOD__PERIOD_YEAR);
    assert_int_equal(rs_period_kind_periods(RS__PERIOD_KIND__PK_UNSPECIFIED, p), 0);
    assert_string_equal(rs_period_kind_name(RS__PERIOD_KIND__PK_HALF), "half");
    assert_string_equal(rs_period_kind_name(RS__PERIOD_KIND__PK_UNSPECIFIED), "");
    assert_int_equal(rs_period_last_day(2023, RS__PERIOD__PERIOD_Q1), 20230331);
    assert_int_equal(rs_period_last_day(2023, RS__PERIOD__PERIOD_H1), 20230630);
    assert_int_equal(rs_period_last_day(2023, RS__PERIOD__PERIOD_Q3), 20230930);
    assert_int_equal(rs_period_last_day(2023, RS__PERIOD__PERIOD_YEAR), 20231231);
    assert_int_equal(rs_period_last_day(2023, RS__PERIOD__PERIOD_UNSPECIFIED), 0);
    assert_int_equal(rs_period_deadline(2023, RS__PERIOD__PERIOD_Q1, 20), 20230420);
    assert_int_equal(rs_period_deadline(2023, RS__PERIOD__PERIOD_Q4, 15), 20240115);
    assert_int_equal(rs_period_deadline(2023, RS__PERIOD__PERIOD_H1, 0), 20230630);
    assert_int_equal(rs_period_deadline(2024, RS__PERIOD__PERIOD_YEAR, 60), 20250301);
    assert_int_equal(rs_period_deadline(2023, RS__PERIOD__PERIOD_YEAR, 60), 20240229);
    assert_int_equal(rs_period_deadline(2023, (Rs__Period)99, 60), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good_file),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_duplicate_lines),
        cmocka_unit_test(test_csv_and_wire_round_trips),
        cmocka_unit_test(test_wire_refusals),
        cmocka_unit_test(test_periods_and_deadlines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

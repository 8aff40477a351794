/*
 * test_compl.c - tests of the completeness board (rs_compl.h): on time,
 * late by so many days, missing, not due yet, a nil return, records that
 * count before a nil return, the earliest version deciding the time, a
 * village code counting for its township, a board of a moment leaving
 * out what was stored later, the rates, one period, one
 * township, and a township a line lists that no office names.
 *
 * Does not: read a store (itest_year.c runs a year end to end) or render
 * the board (test_report.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_compl.h"
#include "rs_util.h"

#define TA "430602001"
#define TB "430602002"
#define TC "430602003"

/* Noon, China Standard Time, of date d (YYYYMMDD). */
static int64_t noon(uint32_t d)
{
    return rs_date_days(d) * 86400 + 4 * 3600;
}

static const struct rs_compl_town towns[] = {
    {TC, "奇家岭街道"},
    {TA, "金鹗山街道"},
    {TB, "王家河街道"},
};

static void schedule(struct rs_schedule *s)
{
    static const char text[] = "type,period,deadline_days,townships\n"
                               "subsidy,quarter,20,all\n"
                               "training,year,31,430602001\n";
    char err[256];

    assert_int_equal(rs_schedule_parse_csv("s.csv", text, strlen(text), 2023, s, err,
                                           sizeof(err)),
                     RS_OK);
}

#define SUB RS__RECORD__BODY_SUBSIDY
#define TRN RS__RECORD__BODY_TRAINING

static const struct rs_compl_fact facts[] = {
    {TA, SUB, RS__PERIOD__PERIOD_Q1, false, true, 0},
    {TA, SUB, RS__PERIOD__PERIOD_Q2, false, true, 0},
    {TA, SUB, RS__PERIOD__PERIOD_Q3, true, true, 0},
    {"430602001001", TRN, RS__PERIOD__PERIOD_YEAR, false, true, 0},
    {TB, SUB, RS__PERIOD__PERIOD_Q1, false, true, 0},
    {TB, SUB, RS__PERIOD__PERIOD_Q1, true, true, 0},
    {TB, SUB, RS__PERIOD__PERIOD_Q2, false, false, 0},
    {"430699001", SUB, RS__PERIOD__PERIOD_Q3, false, true, 0},
    {"430602", RS__RECORD__BODY_BUDGET_LINE, RS__PERIOD__PERIOD_YEAR, false, true, 0},
};

/* The facts with their times. */
static void timed(struct rs_compl_fact out[9])
{
    static const uint32_t when[] = {20230412, 20230725, 20231010, 20240110, 20230401,
                                    20230301, 20230501, 20230801, 20230101};

    memcpy(out, facts, sizeof(facts));
    for (size_t i = 0; i < 9; i++)
        out[i].first_at = noon(when[i]);
}

static const struct rs_compl_cell *cell(const struct rs_compl_board *b, const char *town,
                                        rs_rtype type, Rs__Period p)
{
    for (size_t i = 0; i < b->ncells; i++) {
        const struct rs_compl_cell *c = &b->cells[i];

        if (strcmp(b->towns[c->town].code, town) == 0 && rs_compl_line_type(b, c->line) == type &&
            c->period == p)
            return c;
    }
    return NULL;
}

static void test_board(void **state)
{
    struct rs_schedule s;
    struct rs_compl_fact f[9];
    struct rs_compl_board *b = NULL;
    const struct rs_compl_cell *c;

    (void)state;
    schedule(&s);
    timed(f);
    assert_int_equal(rs_compl_build(&s, towns, 3, f, 9, noon(20240215),
                                    RS__PERIOD__PERIOD_UNSPECIFIED, NULL, &b),
                     RS_OK);
    assert_int_equal(b->year, 2023);
    assert_int_equal(b->as_of, 20240215);
    assert_int_equal(b->ntowns, 3);
    assert_string_equal(b->towns[0].code, TA);
    assert_string_equal(b->towns[0].name, "金鹗山街道");
    assert_int_equal(b->ncells, 13);

    c = cell(b, TA, SUB, RS__PERIOD__PERIOD_Q1);
    assert_int_equal(c->state, RS_COMPL_ON_TIME);
    assert_int_equal(c->deadline, 20230420);
    assert_int_equal(c->reported_on, 20230412);
    c = cell(b, TA, SUB, RS__PERIOD__PERIOD_Q2);
    assert_int_equal(c->state, RS_COMPL_LATE);
    assert_int_equal(c->days_late, 5);
    c = cell(b, TA, SUB, RS__PERIOD__PERIOD_Q3);
    assert_int_equal(c->state, RS_COMPL_NIL_ON_TIME);
    c = cell(b, TA, SUB, RS__PERIOD__PERIOD_Q4);
    assert_int_equal(c->state, RS_COMPL_MISSING);
    assert_int_equal(c->deadline, 20240120);
    assert_int_equal(c->reported_on, 0);
    /* A village's record counts for its township. */
    c = cell(b, TA, TRN, RS__PERIOD__PERIOD_YEAR);
    assert_int_equal(c->state, RS_COMPL_ON_TIME);
    assert_int_equal(c->deadline, 20240131);
    /* Records count before a nil return; the earliest version decides the time. */
    c = cell(b, TB, SUB, RS__PERIOD__PERIOD_Q1);
    assert_int_equal(c->state, RS_COMPL_ON_TIME);
    assert_int_equal(c->reported_on, 20230401);
    /* Only a superseded version: not reported. */
    assert_int_equal(cell(b, TB, SUB, RS__PERIOD__PERIOD_Q2)->state, RS_COMPL_MISSING);
    assert_null(cell(b, TB, TRN, RS__PERIOD__PERIOD_YEAR));
    assert_int_equal(cell(b, TC, SUB, RS__PERIOD__PERIOD_Q4)->state, RS_COMPL_MISSING);

    assert_int_equal(b->rates[0].expected, 5);
    assert_int_equal(b->rates[0].reported, 4);
    assert_int_equal(b->rates[0].on_time, 3);
    assert_int_equal(b->rates[0].late, 1);
    assert_int_equal(b->rates[0].nil, 1);
    assert_int_equal(b->rates[0].missing, 1);
    assert_int_equal(b->rates[1].expected, 4);
    assert_int_equal(b->rates[1].reported, 1);
    assert_int_equal(b->rates[2].reported, 0);
    assert_int_equal(b->total.expected, 13);
    assert_int_equal(b->total.reported, 5);
    assert_int_equal(b->total.on_time, 4);
    assert_int_equal(b->total.missing, 8);
    rs_compl_board_free(b);
    rs_schedule_free(&s);
}

static void test_not_due_yet(void **state)
{
    struct rs_schedule s;
    struct rs_compl_fact f[9];
    struct rs_compl_board *b = NULL;

    (void)state;
    schedule(&s);
    timed(f);
    /* 2023-10-15: Q3 is due on the 20th.  A's nil return is in already and counts. */
    assert_int_equal(rs_compl_build(&s, towns, 3, f, 9, noon(20231015),
                                    RS__PERIOD__PERIOD_UNSPECIFIED, NULL, &b),
                     RS_OK);
    assert_int_equal(cell(b, TA, SUB, RS__PERIOD__PERIOD_Q3)->state, RS_COMPL_NIL_ON_TIME);
    assert_int_equal(cell(b, TB, SUB, RS__PERIOD__PERIOD_Q3)->state, RS_COMPL_NOT_DUE);
    assert_int_equal(cell(b, TA, SUB, RS__PERIOD__PERIOD_Q4)->state, RS_COMPL_NOT_DUE);
    /* A's training record, stored in January, is not on a board of October. */
    assert_int_equal(cell(b, TA, TRN, RS__PERIOD__PERIOD_YEAR)->state, RS_COMPL_NOT_DUE);
    /* A: q1, q2, q3; B: q1, q2; C: q1, q2. */
    assert_int_equal(b->total.expected, 7);
    assert_int_equal(b->rates[0].expected, 3);
    assert_int_equal(b->rates[0].reported, 3);
    /* The deadline day itself is still on time and not yet missing. */
    rs_compl_board_free(b);
    assert_int_equal(rs_compl_build(&s, towns, 3, f, 9, noon(20231020),
                                    RS__PERIOD__PERIOD_UNSPECIFIED, NULL, &b),
                     RS_OK);
    assert_int_equal(cell(b, TB, SUB, RS__PERIOD__PERIOD_Q3)->state, RS_COMPL_NOT_DUE);
    rs_compl_board_free(b);
    assert_int_equal(rs_compl_build(&s, towns, 3, f, 9, noon(20231021),
                                    RS__PERIOD__PERIOD_UNSPECIFIED, NULL, &b),
                     RS_OK);
    assert_int_equal(cell(b, TB, SUB, RS__PERIOD__PERIOD_Q3)->state, RS_COMPL_MISSING);
    rs_compl_board_free(b);
    rs_schedule_free(&s);
}

static void test_one_period_one_township(void **state)
{
    struct rs_schedule s;
    struct rs_compl_fact f[9];
    struct rs_compl_board *b = NULL;

    (void)state;
    schedule(&s);
    timed(f);
    assert_int_equal(rs_compl_build(&s, towns, 3, f, 9, noon(20240215), RS__PERIOD__PERIOD_Q2,
                                    NULL, &b),
                     RS_OK);
    assert_int_equal(b->ncells, 3);
    assert_int_equal(cell(b, TA, SUB, RS__PERIOD__PERIOD_Q2)->state, RS_COMPL_LATE);
    assert_int_equal(b->total.expected, 3);
    assert_int_equal(b->total.reported, 1);
    assert_int_equal(b->total.on_time, 0);
    rs_compl_board_free(b);
    assert_int_equal(rs_compl_build(&s, towns, 3, f, 9, noon(20240215),
                                    RS__PERIOD__PERIOD_UNSPECIFIED, TB, &b),
                     RS_OK);
    assert_int_equal(b->ntowns, 1);
    assert_string_equal(b->towns[0].code, TB);
    assert_int_equal(b->ncells, 4);
    assert_int_equal(b->total.reported, 1);
    rs_compl_board_free(b);
    rs_schedule_free(&s);
}

static void test_listed_township_without_office(void **state)
{
    static const char text[] = "type,period,deadline_days,townships\n"
                               "survey,year,31,430602009 430602001\n";
    struct rs_schedule s;
    struct rs_compl_board *b = NULL;
    char err[256];

    (void)state;
    assert_int_equal(rs_schedule_parse_csv("s.csv", text, strlen(text), 2023, &s, err,
                                           sizeof(err)),
                     RS_OK);
    assert_int_equal(rs_compl_build(&s, towns, 3, NULL, 0, noon(20240215),
                                    RS__PERIOD__PERIOD_UNSPECIFIED, NULL, &b),
                     RS_OK);
    assert_int_equal(b->ntowns, 4);
    assert_string_equal(b->towns[3].code, "430602009");
    assert_string_equal(b->towns[3].name, "430602009");
    /* A line with a list expects only the listed townships. */
    assert_int_equal(b->ncells, 2);
    assert_int_equal(b->total.missing, 2);
    assert_string_equal(rs_compl_state_name(RS_COMPL_NIL_LATE), "nil_late");
    assert_true(rs_compl_reported(RS_COMPL_NIL_LATE));
    assert_false(rs_compl_reported(RS_COMPL_NOT_DUE));
    rs_compl_board_free(b);
    rs_schedule_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_board),
        cmocka_unit_test(test_not_due_yet),
        cmocka_unit_test(test_one_period_one_township),
        cmocka_unit_test(test_listed_township_without_office),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_report_year.c - the reporting year's parts of a rendered report
 * (rs_report.h, struct rs_report_extra): without them the report is the
 * evaluation's alone, byte for byte, in every format; the completeness
 * annex (document, JSON, CSV) and the township form's own section; the
 * issue notes of a first issue and of a re-issue; the accepted-only basis;
 * findings added after the evaluation; and the board rendered alone.
 *
 * Does not: read a store (test_year_store.c, itest_year.c) or test the
 * evaluation's own sections (test_report.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "rs_compl.h"
#include "rs_eval.h"
#include "rs_framework.h"
#include "rs_report.h"
#include "rs_util.h"

#define FW_DIR RS_SOURCE_DIR "/server/frameworks"
#define TA "430602001"
#define TB "430602002"

struct fx {
    struct rs_eval_dataset *ds;
    struct rs_framework *fw;
    struct rs_eval_result *res;      /* consolidated */
    struct rs_eval_result *town;     /* TA's */
    struct rs_compl_board *board;
    struct rs_compl_board *town_board;
};

static int64_t noon(uint32_t d)
{
    return rs_date_days(d) * 86400 + 4 * 3600;
}

static int setup(void **state)
{
    static const struct rs_compl_town towns[] = {{TA, "金鹗山街道"}, {TB, "王家河街道"}};
    static const char text[] = "type,period,deadline_days,townships\n"
                               "subsidy,quarter,20,all\n"
                               "training,year,31,430602001\n";
    struct rs_compl_fact facts[] = {
        {TA, RS__RECORD__BODY_SUBSIDY, RS__PERIOD__PERIOD_Q1, false, true, noon(20230412)},
        {TA, RS__RECORD__BODY_SUBSIDY, RS__PERIOD__PERIOD_Q2, false, true, noon(20230725)},
        {TA, RS__RECORD__BODY_SUBSIDY, RS__PERIOD__PERIOD_Q3, true, true, noon(20231010)},
        {TB, RS__RECORD__BODY_SUBSIDY, RS__PERIOD__PERIOD_Q1, false, true, noon(20230401)},
    };
    struct fx *f = calloc(1, sizeof(*f));
    struct rs_schedule s;
    char err[256];

    if (!f || rs_eval_dataset_new(2023, &f->ds) != RS_OK ||
        rs_eval_dataset_office(f->ds, TA, "金鹗山街道") != RS_OK ||
        rs_eval_dataset_office(f->ds, TB, "王家河街道") != RS_OK ||
        rs_framework_load(FW_DIR, NULL, &f->fw, err, sizeof err) != RS_OK ||
        rs_eval_run(f->ds, f->fw, NULL, &f->res) != RS_OK ||
        rs_eval_run(f->ds, f->fw, TA, &f->town) != RS_OK ||
        rs_schedule_parse_csv("s.csv", text, strlen(text), 2023, &s, err, sizeof err) != RS_OK)
        return -1;
    if (rs_compl_build(&s, towns, 2, facts, 4, noon(20240215), RS__PERIOD__PERIOD_UNSPECIFIED,
                       NULL, &f->board) != RS_OK ||
        rs_compl_build(&s, towns, 2, facts, 4, noon(20240215), RS__PERIOD__PERIOD_UNSPECIFIED,
                       TA, &f->town_board) != RS_OK)
        return -1;
    rs_schedule_free(&s);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    rs_compl_board_free(f->board);
    rs_compl_board_free(f->town_board);
    rs_eval_result_free(f->res);
    rs_eval_result_free(f->town);
    rs_framework_free(f->fw);
    rs_eval_dataset_free(f->ds);
    free(f);
    return 0;
}

static char *render(const struct rs_eval_result *res, const struct rs_report_extra *x,
                    Rs__ReportFormat fmt)
{
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(rs_report_render_ex(res, x, fmt, &out, &len), RS_OK);
    assert_int_equal(strlen(out), len);
    assert_true(rs_utf8_valid(out, len));
    return out;
}

static void test_nothing_extra_changes_nothing(void **state)
{
    struct fx *f = *state;
    struct rs_report_extra none = {NULL, NULL, 0, false};

    for (int fmt = RS__REPORT_FORMAT__FMT_MARKDOWN; fmt <= RS__REPORT_FORMAT__FMT_CSV; fmt++) {
        char *a = NULL, *b, *c;
        size_t len;

        assert_int_equal(rs_report_render(f->res, (Rs__ReportFormat)fmt, &a, &len), RS_OK);
        b = render(f->res, NULL, (Rs__ReportFormat)fmt);
        c = render(f->res, &none, (Rs__ReportFormat)fmt);
        assert_string_equal(a, b);
        assert_string_equal(a, c);
        free(a);
        free(b);
        free(c);
    }
}

static void test_annex(void **state)
{
    struct fx *f = *state;
    struct rs_report_extra x = {f->board, NULL, 0, false};
    char *plain = render(f->res, NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    char *md = render(f->res, &x, RS__REPORT_FORMAT__FMT_MARKDOWN);
    char *text = render(f->res, &x, RS__REPORT_FORMAT__FMT_TEXT);
    char *json = render(f->res, &x, RS__REPORT_FORMAT__FMT_JSON);
    char *csv = render(f->res, &x, RS__REPORT_FORMAT__FMT_CSV);
    cJSON *j = cJSON_Parse(json), *c, *t;

    /* The annex follows the whole report. */
    assert_memory_equal(md, plain, strlen(plain));
    assert_non_null(strstr(md + strlen(plain), "## 附件：报送完整性"));
    assert_non_null(strstr(md, "2023年度报送计划：直补按季度报送，期末后20天内；培训按年度报送，"
                               "期末后31天内（金鹗山街道）。"));
    /* A: q1 on time, q2 late, q3 nil, q4 missing, training missing; B: q1 only. */
    assert_non_null(strstr(md, "截至2024-02-15，应报送9期次，已报送4期次（其中零报告1期次），"
                               "按时报送3期次，迟报1期次，未报送5期次；报送率44.44%（4/9），"
                               "及时率33.33%（3/9）。"));
    assert_non_null(strstr(md, "| 金鹗山街道 | 一季度按时、二季度迟报5天、三季度零报告、四季度未报 |"
                               " 全年未报 | 60.00%（3/5） | 40.00%（2/5） |"));
    assert_non_null(strstr(md, "| 王家河街道 | 一季度按时、二季度未报、三季度未报、四季度未报 | — |"));
    assert_non_null(strstr(md, "| 合计 |  |  | 44.44%（4/9） | 33.33%（3/9） |"));
    assert_non_null(strstr(text, "附件：报送完整性"));
    assert_null(strstr(text, "| 合计"));

    assert_non_null(j);
    c = cJSON_GetObjectItemCaseSensitive(j, "completeness");
    assert_non_null(c);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(c, "as_of")->valuestring, "2024-02-15");
    t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "townships"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(t, "code")->valuestring, TA);
    t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t, "returns"), 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(t, "state")->valuestring, "late");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(t, "days_late")->valueint, 5);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(t, "deadline")->valuestring,
                        "2023-07-20");
    t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "total"),
                                         "reporting_rate");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(t, "pct")->valuestring, "44.44");
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "issue"));
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "accepted_only"));
    cJSON_Delete(j);

    assert_non_null(strstr(csv, "completeness,subsidy.q2,430602001,state,late\r\n"
                                "completeness,subsidy.q2,430602001,reported_on,2023-07-25\r\n"
                                "completeness,subsidy.q2,430602001,days_late,5\r\n"));
    assert_non_null(strstr(csv, "completeness,counts,all,reporting_rate_pct,44.44\r\n"));
    free(plain);
    free(md);
    free(text);
    free(json);
    free(csv);
}

static void test_township_section(void **state)
{
    struct fx *f = *state;
    struct rs_report_extra x = {f->town_board, NULL, 0, false};
    char *md = render(f->town, &x, RS__REPORT_FORMAT__FMT_MARKDOWN);

    assert_non_null(strstr(md, "## 四、报送完整性"));
    assert_null(strstr(md, "王家河街道"));
    assert_non_null(strstr(md, "应报送5期次，已报送3期次"));
    free(md);
}

static void test_issue_notes(void **state)
{
    struct fx *f = *state;
    struct rs_report_issue is[2] = {
        {1, 20240115, "岳阳楼区库区移民服务中心", ""},
        {2, 20240310, "岳阳楼区库区移民服务中心", "金鹗山街道 (430602001): 更正二季度直补"},
    };
    struct rs_report_extra first = {NULL, is, 1, false}, again = {NULL, is, 2, false};
    char *md1 = render(f->res, &first, RS__REPORT_FORMAT__FMT_MARKDOWN);
    char *md2 = render(f->res, &again, RS__REPORT_FORMAT__FMT_MARKDOWN);
    char *json = render(f->res, &again, RS__REPORT_FORMAT__FMT_JSON);
    char *csv = render(f->res, &again, RS__REPORT_FORMAT__FMT_CSV);
    cJSON *j = cJSON_Parse(json), *i;

    assert_non_null(strstr(md1, "本报告为2023年度结账时发布的报告（第1版），由岳阳楼区库区移民服务中心于"
                                "2024-01-15发布；结账后本年度记录不再变动。"));
    /* Issued, it is no longer a draft; before, it says it is one. */
    assert_null(strstr(md1, "草稿"));
    assert_non_null(strstr(md1, "本报告由 resettle 根据2023年度结账时的当前记录"));
    {
        char *draft = render(f->res, NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);

        assert_non_null(strstr(draft, "本报告为自评报告草稿，由 resettle 根据2023年度已报送的当前记录"));
        free(draft);
    }
    assert_non_null(strstr(md2, "本报告为第2版，由岳阳楼区库区移民服务中心于2024-03-10重新发布；此前第1版"
                                "发布于2024-01-15。重新发布原因：金鹗山街道 (430602001): "
                                "更正二季度直补。"));
    assert_non_null(j);
    i = cJSON_GetObjectItemCaseSensitive(j, "issue");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(i, "number")->valueint, 2);
    i = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(i, "issues"), 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(i, "issued_on")->valuestring,
                        "2024-03-10");
    cJSON_Delete(j);
    assert_non_null(strstr(csv, "issue,2,,reason,金鹗山街道 (430602001): 更正二季度直补\r\n"));
    free(md1);
    free(md2);
    free(json);
    free(csv);
}

static void test_accepted_only_and_findings(void **state)
{
    struct fx *f = *state;
    struct rs_report_extra x = {NULL, NULL, 0, true};
    char *md, *json, *csv;
    size_t before = f->res->nfindings;

    assert_int_equal(rs_eval_add_finding(f->res, RS_SEV_WARNING, "review.returned", TA,
                                         "中心退回的记录尚未更正", "按退回意见更正后重新报送",
                                         "退回意见：数字不符", "直补 磨刀村（记录0190a1b2）"),
                     RS_OK);
    assert_int_equal(f->res->nfindings, before + 1);
    md = render(f->res, &x, RS__REPORT_FORMAT__FMT_MARKDOWN);
    json = render(f->res, &x, RS__REPORT_FORMAT__FMT_JSON);
    csv = render(f->res, &x, RS__REPORT_FORMAT__FMT_CSV);
    assert_non_null(strstr(md, "本报告仅计入审核通过的记录"));
    assert_non_null(strstr(md, "金鹗山街道：直补 磨刀村（记录0190a1b2）"));
    assert_non_null(strstr(md, "金鹗山街道中心退回的记录尚未更正：记录为按退回意见更正后重新报送，"
                               "所载/发现为退回意见：数字不符。"));
    assert_non_null(strstr(json, "\"accepted_only\": true"));
    assert_non_null(strstr(json, "\"code\": \"review.returned\""));
    assert_non_null(strstr(csv, "meta,report,,accepted_only,yes\r\n"));
    free(md);
    free(json);
    free(csv);
}

static void test_board_alone(void **state)
{
    struct fx *f = *state;
    char *out = NULL;
    size_t len;
    cJSON *j;

    assert_int_equal(rs_report_render_board(f->board, RS__REPORT_FORMAT__FMT_MARKDOWN, &out,
                                            &len),
                     RS_OK);
    assert_int_equal(strncmp(out, "# 2023年度报送完整性\n\n", strlen("# 2023年度报送完整性\n\n")), 0);
    free(out);
    assert_int_equal(rs_report_render_board(f->board, RS__REPORT_FORMAT__FMT_JSON, &out, &len),
                     RS_OK);
    j = cJSON_Parse(out);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "year")->valueint, 2023);
    cJSON_Delete(j);
    free(out);
    assert_int_equal(rs_report_render_board(f->board, RS__REPORT_FORMAT__FMT_CSV, &out, &len),
                     RS_OK);
    assert_int_equal(strncmp(out, "section,key,division,metric,value\r\n", 35), 0);
    free(out);
    assert_int_equal(rs_report_render_board(f->board, (Rs__ReportFormat)99, &out, &len),
                     RS_EINVAL);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_extra_changes_nothing),
        cmocka_unit_test(test_annex),
        cmocka_unit_test(test_township_section),
        cmocka_unit_test(test_issue_notes),
        cmocka_unit_test(test_board_alone),
        cmocka_unit_test(test_accepted_only_and_findings),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

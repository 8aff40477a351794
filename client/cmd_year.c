/*
 * cmd_year.c - the reporting year's requests: `resettle completeness`,
 * `review return|accept`, `year close|reopen|show` and `schedule
 * set|show`, each one request on a new session and its reply printed.
 *
 * Does not: decide anything itself; the server checks role, scope and the
 * year's state, and its refusal is printed as it says it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_cmd.h"
#include "rs_schedule.h"
#include "rs_util.h"

int rs_cmd_completeness(struct config *c)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__CompletenessRequest rq = RS__COMPLETENESS_REQUEST__INIT;
    int ret;

    if (!c->year)
        return rs_cmd_usage_error("completeness 需要 --year");
    rq.has_year = true;
    rq.year = c->year;
    if (c->period) {
        rq.has_period = true;
        rq.period = c->period;
    }
    rq.has_format = true;
    rq.format = c->format_set ? c->format : RS__REPORT_FORMAT__FMT_TEXT;
    rq.division = (char *)c->division;
    env.msg_case = RS__ENVELOPE__MSG_COMPLETENESS_REQUEST;
    env.completeness_request = &rq;
    ret = rs_cmd_call(c, &env, RS__ENVELOPE__MSG_COMPLETENESS, &reply);
    if (ret)
        return ret;
    ret = rs_cmd_write_out(c, (const char *)reply->completeness->body.data,
                           reply->completeness->body.len, "报送情况表");
    rs__envelope__free_unpacked(reply, NULL);
    return ret;
}

int rs_cmd_review(struct config *c, const char *verb)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__ReviewRequest rq = RS__REVIEW_REQUEST__INIT;
    const Rs__ReviewReply *r;
    bool ret_action = strcmp(verb, "return") == 0;
    int ret;

    if (!ret_action && strcmp(verb, "accept") != 0)
        return rs_cmd_usage_error("review 后面要写 return（退回）或 accept（通过）");
    if (!c->id == !c->batch_id)
        return rs_cmd_usage_error("review 需要 --id ID 与 --batch ID 二者之一");
    if (ret_action && (!c->comment || !c->comment[0]))
        return rs_cmd_usage_error("review return 需要 --comment 说明（哪里有误）");
    rq.has_action = true;
    rq.action = ret_action ? RS__REVIEW_ACTION__RA_RETURN : RS__REVIEW_ACTION__RA_ACCEPT;
    rq.record_id = (char *)c->id;
    rq.batch_id = (char *)c->batch_id;
    rq.comment = (char *)c->comment;
    env.msg_case = RS__ENVELOPE__MSG_REVIEW_REQUEST;
    env.review_request = &rq;
    ret = rs_cmd_call(c, &env, RS__ENVELOPE__MSG_REVIEW, &reply);
    if (ret)
        return ret;
    r = reply->review;
    if (c->batch_id)
        printf("批次 %s：", c->batch_id);
    printf("%s %zu 条记录", ret_action ? "已退回" : "已审核通过", r->n_record_ids);
    if (r->has_skipped && r->skipped)
        printf("（%u 条此后已有新版本，已跳过）", (unsigned)r->skipped);
    printf("（审计记录第 %llu 行）\n", (unsigned long long)r->audit_seq);
    for (size_t i = 0; i < r->n_record_ids; i++)
        printf("  %s\n", r->record_ids[i]);
    rs__envelope__free_unpacked(reply, NULL);
    return 0;
}

static void print_year(const Rs__YearReply *y)
{
    char day[11];

    printf("%u年度：%s", (unsigned)y->year, y->closed ? "已结账" : "未结账");
    if (y->n_issues)
        printf("（已出具 %zu 版报告）", y->n_issues);
    printf("\n");
    for (size_t i = 0; i < y->n_issues; i++) {
        const Rs__YearIssue *is = y->issues[i];

        rs_date_format(rs_date_cst(is->closed_at), day);
        printf("第 %u 版：%s 由 %s 结账，%llu 条记录，指标体系 %s（sha256 %.16s）%s%s\n",
               (unsigned)is->issue, day, is->closed_by ? is->closed_by : "?",
               (unsigned long long)is->record_count, is->framework_name ? is->framework_name : "?",
               is->framework_hash ? is->framework_hash : "", is->reason ? "；重新出具原因：" : "",
               is->reason ? is->reason : "");
    }
    for (size_t i = 0; i < y->n_exceptions; i++) {
        const Rs__YearException *e = y->exceptions[i];

        rs_date_format(e->until, day);
        /* A district's code reopens every township under it too. */
        if (e->division && strlen(e->division) < 9)
            printf("已为 %s（全区，含其下各乡镇/街道）重新开放至 %s", e->division, day);
        else
            printf("已为 %s 重新开放至 %s", e->division ? e->division : "?", day);
        if (e->has_ended_issue)
            printf("（第 %u 版报告出具时结束）", (unsigned)e->ended_issue);
        printf("：%s\n", e->reason ? e->reason : "");
    }
}

int rs_cmd_year(struct config *c, const char *verb)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__YearRequest rq = RS__YEAR_REQUEST__INIT;
    uint32_t until = 0;
    int ret;

    if (!c->year)
        return rs_cmd_usage_error("year 需要 --year");
    rq.has_action = true;
    if (strcmp(verb, "close") == 0) {
        rq.action = RS__YEAR_ACTION__YA_CLOSE;
        rq.framework = (char *)c->framework;
    } else if (strcmp(verb, "reopen") == 0) {
        rq.action = RS__YEAR_ACTION__YA_REOPEN;
        if (!c->division || !c->until || !c->reason)
            return rs_cmd_usage_error(
                "year reopen 需要 --division 区划代码 --until 日期 --reason 原因");
        if (rs_date_parse(c->until, &until) != RS_OK)
            return rs_cmd_usage_error("--until 须为日期，例如 2024-03-31");
        rq.division = (char *)c->division;
        rq.has_until = true;
        rq.until = until;
        rq.reason = (char *)c->reason;
    } else if (strcmp(verb, "show") == 0) {
        rq.action = RS__YEAR_ACTION__YA_SHOW;
    } else {
        return rs_cmd_usage_error("year 后面要写 close、reopen 或 show");
    }
    rq.has_year = true;
    rq.year = c->year;
    env.msg_case = RS__ENVELOPE__MSG_YEAR_REQUEST;
    env.year_request = &rq;
    ret = rs_cmd_call(c, &env, RS__ENVELOPE__MSG_YEAR, &reply);
    if (ret)
        return ret;
    print_year(reply->year);
    if (reply->year->has_audit_seq)
        printf("审计记录第 %llu 行\n", (unsigned long long)reply->year->audit_seq);
    rs__envelope__free_unpacked(reply, NULL);
    return 0;
}

/* Prints the schedule of a ScheduleReply as CSV; 0 or RS_EXIT_INVALID. */
static int print_schedule(const Rs__ScheduleReply *r)
{
    Rs__ScheduleSet set = RS__SCHEDULE_SET__INIT;
    struct rs_schedule sched = {0};
    char err[256] = "", *csv = NULL;

    set.has_year = r->has_year;
    set.year = r->year;
    set.n_entries = r->n_entries;
    set.entries = r->entries;
    if (!r->has_set_at) {
        fprintf(stderr, "resettle: %u年度尚未设定报送计划\n", (unsigned)r->year);
        return 0;
    }
    if (rs_schedule_from_wire(&set, &sched, err, sizeof(err)) != RS_OK ||
        rs_schedule_format_csv_zh(&sched, &csv) != RS_OK) {
        fprintf(stderr, "resettle: 服务器返回的报送计划无法读取：%s\n",
                err[0] ? err : "内存不足");
        rs_schedule_free(&sched);
        return RS_EXIT_INVALID;
    }
    fputs(csv, stdout);
    free(csv);
    rs_schedule_free(&sched);
    return 0;
}

int rs_cmd_schedule(struct config *c, const char *verb, const char *file)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__ScheduleSet set = RS__SCHEDULE_SET__INIT;
    Rs__ScheduleRequest get = RS__SCHEDULE_REQUEST__INIT;
    struct rs_schedule sched = {0};
    struct rs_schedule_wire w = {0};
    char err[512], *data = NULL;
    size_t len = 0;
    int ret;

    if (!c->year)
        return rs_cmd_usage_error("schedule 需要 --year");
    if (strcmp(verb, "set") == 0) {
        if (!file)
            return rs_cmd_usage_error("schedule set 需要一个 CSV 文件");
        if (rs_cmd_read_file(file, &data, &len))
            return RS_EXIT_INVALID;
        if (rs_schedule_parse_csv(file, data, len, c->year, &sched, err, sizeof(err)) != RS_OK) {
            free(data);
            fprintf(stderr, "%s\n", err);
            return RS_EXIT_INVALID;
        }
        free(data);
        if (rs_schedule_to_wire(&sched, &w) != RS_OK) {
            rs_schedule_free(&sched);
            return RS_EXIT_INVALID;
        }
        set.has_year = true;
        set.year = c->year;
        set.n_entries = w.n;
        set.entries = w.ptrs;
        env.msg_case = RS__ENVELOPE__MSG_SCHEDULE_SET;
        env.schedule_set = &set;
    } else if (strcmp(verb, "show") == 0 && !file) {
        get.has_year = true;
        get.year = c->year;
        env.msg_case = RS__ENVELOPE__MSG_SCHEDULE_REQUEST;
        env.schedule_request = &get;
    } else {
        return rs_cmd_usage_error("schedule 后面要写 set 文件.csv 或 show");
    }
    ret = rs_cmd_call(c, &env, RS__ENVELOPE__MSG_SCHEDULE, &reply);
    rs_schedule_wire_free(&w);
    rs_schedule_free(&sched);
    if (ret)
        return ret;
    if (env.msg_case == RS__ENVELOPE__MSG_SCHEDULE_SET)
        printf("%u年度报送计划：已保存 %zu 行\n", (unsigned)c->year, reply->schedule->n_entries);
    else
        ret = print_schedule(reply->schedule);
    rs__envelope__free_unpacked(reply, NULL);
    return ret;
}

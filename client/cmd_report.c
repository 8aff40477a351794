/*
 * cmd_report.c - `resettle report`: the year's self-evaluation in the
 * format asked for, written to --out or stdout (docx and xlsx, binary,
 * not to a terminal).
 *
 * Does not: compute or render anything; the server does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rs_cmd.h"
#include "rs_session.h"

/* The formats whose body is a zip package rather than text. */
static bool is_binary(Rs__ReportFormat f)
{
    return f == RS__REPORT_FORMAT__FMT_DOCX || f == RS__REPORT_FORMAT__FMT_XLSX;
}

int rs_cmd_report(struct config *c)
{
    struct rs_session s;
    char err[512], *body = NULL;
    uint32_t issue = 0;
    size_t len = 0;
    rs_status rc;

    if (!c->year)
        return rs_cmd_usage_error("report 需要 --year");
    if (!c->out && is_binary(c->format) && isatty(STDOUT_FILENO))
        return rs_cmd_usage_error(
            "docx、xlsx 格式的报告是二进制文件：请用 --out 文件（或重定向标准输出）");
    if (rs_cmd_need_network(c))
        return RS_EXIT_USAGE;
    rc = rs_session_open(&s, c->server, &c->sec, c->office, c->token, c->timeout_ms, err,
                         sizeof(err));
    if (rc == RS_OK) {
        rc = rs_session_report(&s, c->year, c->format, c->framework, c->division,
                               c->accepted_only, &body, &len, &issue, err, sizeof(err));
        rs_session_close(&s);
    }
    if (rc) {
        fprintf(stderr, "resettle: %s\n", err);
        return rs_cmd_exit_of(rc);
    }
    if (issue)
        fprintf(stderr, "resettle: %u年度已结账：以下是已出具的报告（第 %u 版）\n",
                c->year, issue);
    rc = rs_cmd_write_out(c, body, len, "报告") ? RS_EIO : RS_OK;
    free(body);
    return rc ? RS_EXIT_INVALID : 0;
}

/*
 * cmd_records.c - `resettle records`: a year's township records as the
 * central office reviews them (or a township its own), one Chinese line
 * each, or one record with every version and its fields (--id), as text
 * or JSON.
 *
 * Does not: list or format anything itself; rs_records.h does both, and
 * the server decides what the office may see.
 */
#include <stdio.h>
#include <string.h>

#include "rs_cmd.h"
#include "rs_records.h"
#include "rs_session.h"

int rs_cmd_records(struct config *c)
{
    struct rs_records_query q;
    struct rs_session s;
    char err[512];
    rs_status rc;
    int ret;

    if (!c->year && !c->id)
        return rs_cmd_usage_error("records 需要 --year（或 --id）");
    if (c->format_set && c->format != RS__REPORT_FORMAT__FMT_TEXT &&
        c->format != RS__REPORT_FORMAT__FMT_JSON)
        return rs_cmd_usage_error("records --format 只能是 text 或 json");
    memset(&q, 0, sizeof(q));
    q.year = c->year;
    q.division = c->division;
    q.type = c->type;
    q.state = c->state;
    q.record_id = c->id;
    ret = rs_cmd_open_session(c, &s);
    if (ret)
        return ret;
    rc = rs_records_list(&s, &q, c->format_set && c->format == RS__REPORT_FORMAT__FMT_JSON,
                         stdout, err, sizeof(err));
    rs_session_close(&s);
    if (rc) {
        fprintf(stderr, "resettle: %s\n", err);
        return rs_cmd_exit_of(rc);
    }
    return 0;
}

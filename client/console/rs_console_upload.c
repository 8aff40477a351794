/*
 * rs_console_upload.c - POST /api/upload: one file's rows into the outbox,
 * exactly as `resettle submit` queues them (rs_intake_buffer), then the
 * sender is woken to send them.
 *
 * The query says the file's name (?name=, its last path component is
 * kept) and what submit's flags say: type, year, period, unit (yuan or
 * wan), sheet.  The answer is the intake's result as JSON: what was
 * queued, and each problem with its sheet, row, column, cell and reason,
 * and the cells of its row (rs_console_preview.h) so the page can mark
 * the offending cell.
 *
 * Does not: check rows itself (rs_intake and the row mapper do), or send.
 */
#include "rs_console_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "rs_console_preview.h"
#include "rs_intake.h"
#include "rs_rtype.h"
#include "rs_util.h"

#define NAME_MAX_BYTES 200

static const char *const periods[] = {"", "q1", "q2", "q3", "q4", "h1", "h2", "year"};

static bool is_control(char c)
{
    return (unsigned char)c < 0x20 || c == 0x7f;
}

/* The file's name as the clerk's browser gave it: its last component, no
 * control bytes; a name longer than cap - 1 bytes is cut on a character
 * boundary (cap > 0).  The runs between control bytes (all ASCII) are
 * appended whole, so no character is split between two of them. */
static void file_name(const char *in, char *out, size_t cap)
{
    const char *slash = in ? strrchr(in, '/') : NULL, *bs;
    size_t n = 0;
    bool room = true;

    out[0] = '\0';
    if (slash)
        in = slash + 1;
    bs = in ? strrchr(in, '\\') : NULL;
    if (bs)
        in = bs + 1;
    while (in && *in && room) {
        size_t run = 0;

        while (in[run] && !is_control(in[run]))
            run++;
        room = rs_utf8_append(out, cap, &n, in, run);
        in += run;
        while (*in && is_control(*in))
            in++;
    }
    if (!n)
        snprintf(out, cap, "上传的文件");
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void bad_request(struct rs_console_reply *r, const char *msg)
{
    cJSON *j = cJSON_CreateObject();

    cJSON_AddStringToObject(j, "error", msg);
    r->status = 400;
    r->type = "application/json; charset=utf-8";
    r->body = cJSON_PrintUnformatted(j);
    r->len = r->body ? strlen(r->body) : 0;
    cJSON_Delete(j);
}

void rs_console_api_upload(struct rs_console *c, const struct rs_console_call *q,
                           struct rs_console_reply *r)
{
    struct rs_intake_opts o = {0};
    struct rs_intake_result res = {0};
    const char *v;
    char name[NAME_MAX_BYTES + 1];
    rs_status rc;
    cJSON *j, *a;

    file_name(q->arg(q->ctx, "name"), name, sizeof(name));
    o.division_code = c->o.office;
    o.district_key = c->o.district_key;
    o.outbox_name = c->o.outbox;
    o.sheet = q->arg(q->ctx, "sheet");
    if (o.sheet && !o.sheet[0])
        o.sheet = NULL;
    if ((v = q->arg(q->ctx, "type")) && *v) {
        o.type = rs_rtype_parse(v);
        if (!rs_rtype_find(o.type)) {
            bad_request(r, "没有这种记录类型");
            return;
        }
    }
    if ((v = q->arg(q->ctx, "year")) && *v &&
        (rs_u32_parse(v, &o.year) != RS_OK || o.year < 2000 || o.year > 2100)) {
        bad_request(r, "年度应为 2000 到 2100 之间的数字");
        return;
    }
    if ((v = q->arg(q->ctx, "period")) && *v) {
        for (int i = 1; i < (int)RS_NELEM(periods); i++)
            if (strcasecmp(v, periods[i]) == 0)
                o.period = (Rs__Period)i;
        if (!o.period) {
            bad_request(r, "期间应为 q1..q4、h1、h2 或 year");
            return;
        }
    }
    if ((v = q->arg(q->ctx, "unit")) && *v) {
        if (strcmp(v, "yuan") == 0)
            o.money_unit = RS_MONEY_UNIT_YUAN;
        else if (strcmp(v, "wan") == 0)
            o.money_unit = RS_MONEY_UNIT_WAN;
        else {
            bad_request(r, "金额单位应为元或万元");
            return;
        }
    }
    pthread_mutex_lock(&c->ob_mu);
    rc = rs_intake_buffer(c->ob, name, q->body ? q->body : "", q->len, &o, &res);
    pthread_mutex_unlock(&c->ob_mu);

    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "file", name);
    cJSON_AddBoolToObject(j, "workbook", res.is_workbook);
    cJSON_AddBoolToObject(j, "queued", res.queued);
    if (!res.is_workbook && res.type)
        cJSON_AddStringToObject(j, "type", rs_rtype_label(res.type));
    cJSON_AddNumberToObject(j, "added", res.added);
    cJSON_AddNumberToObject(j, "versions", res.versions);
    cJSON_AddNumberToObject(j, "unchanged", res.unchanged);
    cJSON_AddNumberToObject(j, "invalid", res.invalid);
    cJSON_AddNumberToObject(j, "omitted", (double)res.problems_omitted);
    a = cJSON_AddArrayToObject(j, "problems");
    for (size_t i = 0; i < res.nproblems; i++) {
        const struct rs_intake_problem *p = &res.problems[i];
        cJSON *o2 = cJSON_CreateObject();

        add_str(o2, "sheet", p->sheet);
        cJSON_AddNumberToObject(o2, "row", p->row);
        add_str(o2, "column", p->column);
        cJSON_AddStringToObject(o2, "cell", p->cell);
        cJSON_AddStringToObject(o2, "reason", p->reason);
        cJSON_AddItemToArray(a, o2);
    }
    a = cJSON_AddArrayToObject(j, "sheets");
    for (size_t i = 0; i < res.nsheets; i++) {
        const struct rs_intake_sheet *s = &res.sheets[i];
        cJSON *o2 = cJSON_CreateObject();

        cJSON_AddStringToObject(o2, "name", s->name);
        cJSON_AddStringToObject(o2, "state", s->state == RS_INTAKE_SHEET_READ      ? "read"
                                            : s->state == RS_INTAKE_SHEET_SKIPPED ? "skipped"
                                                                                  : "failed");
        if (s->state == RS_INTAKE_SHEET_READ)
            cJSON_AddStringToObject(o2, "type", rs_rtype_label(s->type));
        cJSON_AddNumberToObject(o2, "rows", s->rows);
        cJSON_AddNumberToObject(o2, "invalid", s->invalid);
        add_str(o2, "skipped", s->skip_reason);
        cJSON_AddItemToArray(a, o2);
    }
    if (rc != RS_OK && rc != RS_EINVAL)
        cJSON_AddStringToObject(j, "error", "无法写入本机发件箱，文件没有加入");
    rs_console_preview(q->body ? q->body : "", q->len, res.is_workbook,
                       cJSON_GetObjectItemCaseSensitive(j, "problems"));
    if (res.queued && res.added + res.versions > 0)
        rs_sender_kick(&c->sender);
    rs_intake_result_free(&res);
    r->status = rc == RS_OK || rc == RS_EINVAL ? 200 : 500;
    r->type = "application/json; charset=utf-8";
    r->body = cJSON_PrintUnformatted(j);
    r->len = r->body ? strlen(r->body) : 0;
    cJSON_Delete(j);
}

/*
 * rs_console_records.c - the review queue's routes, through rs_records
 * (RecordsRequest) on a session of their own:
 *
 *   GET /api/records   ?year=Y[&division=D][&type=T][&state=pending|accepted|
 *                      returned][&offset=N]: one page of a year's current
 *                      township records with their newest review
 *   GET /api/record    ?id=ID: every stored version of one record, oldest
 *                      first, each with its fields as the clerk reads them
 *                      (rs_records_write_text: Chinese names, 万元, 未填)
 *
 * Returning or accepting goes through POST /api/review (rs_console_api.c).
 *
 * Does not: decide what the office may see (the server does).
 */
#include "rs_console_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rs_records.h"
#include "rs_rtype.h"
#include "rs_util.h"

#define PAGE 200u
#define ID_MAX 128

static const char *state_name(Rs__ReviewState st)
{
    switch (st) {
    case RS__REVIEW_STATE__RVS_ACCEPTED: return "accepted";
    case RS__REVIEW_STATE__RVS_RETURNED: return "returned";
    default: return "pending";
    }
}

static void reply(struct rs_console_reply *r, unsigned status, cJSON *j)
{
    r->status = status;
    r->type = "application/json; charset=utf-8";
    r->body = cJSON_PrintUnformatted(j);
    r->len = r->body ? strlen(r->body) : 0;
    cJSON_Delete(j);
}

static void fail(struct rs_console_reply *r, unsigned status, const char *msg, const char *detail)
{
    cJSON *j = cJSON_CreateObject();

    cJSON_AddStringToObject(j, "error", msg);
    if (detail && *detail)
        cJSON_AddStringToObject(j, "detail", detail);
    cJSON_AddBoolToObject(j, "unreachable", status == 503);
    reply(r, status, j);
}

/* One item as the page lists it; with text, its whole text (fields too). */
static cJSON *item_json(const Rs__RecordItem *it, bool text)
{
    cJSON *o = cJSON_CreateObject();
    char day[11] = "";

    cJSON_AddStringToObject(o, "id", it->record_id ? it->record_id : "");
    cJSON_AddStringToObject(o, "label", it->label ? it->label : "");
    cJSON_AddStringToObject(o, "type", rs_rtype_label(rs_rtype_parse(it->record_type)));
    cJSON_AddStringToObject(o, "division", it->division_code ? it->division_code : "");
    cJSON_AddNumberToObject(o, "year", it->year);
    cJSON_AddStringToObject(o, "period", it->has_period ? rs_enum_display(&rs__period__descriptor,
                                                                         (int)it->period)
                                                        : "");
    cJSON_AddNumberToObject(o, "version", it->version);
    cJSON_AddStringToObject(o, "batch", it->batch_id ? it->batch_id : "");
    cJSON_AddStringToObject(o, "state", state_name(it->state));
    cJSON_AddStringToObject(o, "comment", it->comment ? it->comment : "");
    cJSON_AddStringToObject(o, "reviewer", it->reviewer_name ? it->reviewer_name : "");
    if (it->has_received_at)
        rs_date_format(rs_date_cst(it->received_at), day);
    cJSON_AddStringToObject(o, "received", day);
    cJSON_AddBoolToObject(o, "current", !it->has_current || it->current);
    if (text) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        if (f) {
            rs_records_write_text(f, it, true);
            if (fclose(f) == 0 && buf)
                cJSON_AddStringToObject(o, "text", buf);
        }
        free(buf);
    }
    return o;
}

static rs_status fetch(struct rs_console *c, const struct rs_records_query *q,
                       Rs__RecordsReply **out, char *err, size_t errlen)
{
    struct rs_session s;
    rs_status rc;

    if (!c->o.server || !c->o.office || !c->o.token) {
        snprintf(err, errlen, "尚未设置服务器、单位代码和令牌");
        return RS_EINVAL;
    }
    rc = rs_session_open(&s, c->o.server, c->o.sec, c->o.office, c->o.token, c->o.timeout_ms,
                         err, errlen);
    if (rc)
        return rc;
    rc = rs_records_fetch(&s, q, out, err, errlen);
    rs_session_close(&s);
    return rc;
}

static void fetch_failed(struct rs_console_reply *r, rs_status rc, const char *err)
{
    if (rs_console_unreachable(rc))
        fail(r, 503, "服务器无法连接，请稍后再试", err);
    else if (rc == RS_EFORBIDDEN)
        fail(r, 422, "服务器拒绝了此查询（本单位无此权限）", err);
    else
        fail(r, 422, "服务器拒绝了此查询", err);
}

void rs_console_api_records(struct rs_console *c, const struct rs_console_call *q,
                            struct rs_console_reply *r)
{
    struct rs_records_query rq = {0};
    Rs__RecordsReply *rep = NULL;
    const char *v;
    char err[512] = "";
    rs_status rc;
    cJSON *j, *a;

    if (!(v = q->arg(q->ctx, "year")) || rs_u32_parse(v, &rq.year) != RS_OK || rq.year < 2000 ||
        rq.year > 2100) {
        fail(r, 400, "年度应为 2000 到 2100 之间的数字", NULL);
        return;
    }
    rq.division = q->arg(q->ctx, "division");
    if ((v = q->arg(q->ctx, "type")) && *v) {
        rq.type = rs_rtype_parse(v);
        if (!rs_rtype_is_township(rq.type)) {
            fail(r, 400, "没有这种乡镇记录类型", NULL);
            return;
        }
    }
    if ((v = q->arg(q->ctx, "state")) && *v) {
        rq.state = strcmp(v, "pending") == 0    ? RS__REVIEW_STATE__RVS_PENDING
                 : strcmp(v, "accepted") == 0   ? RS__REVIEW_STATE__RVS_ACCEPTED
                 : strcmp(v, "returned") == 0   ? RS__REVIEW_STATE__RVS_RETURNED
                                                : RS__REVIEW_STATE__RVS_UNSPECIFIED;
        if (rq.state == RS__REVIEW_STATE__RVS_UNSPECIFIED) {
            fail(r, 400, "审核状态应为待审核、已通过或已退回", NULL);
            return;
        }
    }
    if ((v = q->arg(q->ctx, "offset")) && *v && rs_u32_parse(v, &rq.offset) != RS_OK) {
        fail(r, 400, "offset 应为数字", NULL);
        return;
    }
    rq.limit = PAGE;
    rc = fetch(c, &rq, &rep, err, sizeof(err));
    if (rc) {
        fetch_failed(r, rc, err);
        return;
    }
    j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "total", rep->total);
    cJSON_AddNumberToObject(j, "offset", rq.offset);
    cJSON_AddBoolToObject(j, "more", rep->more);
    a = cJSON_AddArrayToObject(j, "items");
    for (size_t i = 0; i < rep->n_items; i++)
        cJSON_AddItemToArray(a, item_json(rep->items[i], false));
    rs__records_reply__free_unpacked(rep, NULL);
    reply(r, 200, j);
}

void rs_console_api_record(struct rs_console *c, const struct rs_console_call *q,
                           struct rs_console_reply *r)
{
    struct rs_records_query rq = {0};
    Rs__RecordsReply *rep = NULL;
    char err[512] = "";
    rs_status rc;
    cJSON *j, *a;

    rq.record_id = q->arg(q->ctx, "id");
    if (!rq.record_id || !rq.record_id[0] || strlen(rq.record_id) > ID_MAX) {
        fail(r, 400, "需要记录编号", NULL);
        return;
    }
    rq.limit = PAGE;
    rc = fetch(c, &rq, &rep, err, sizeof(err));
    if (rc) {
        fetch_failed(r, rc, err);
        return;
    }
    j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "total", rep->total);
    a = cJSON_AddArrayToObject(j, "versions");
    for (size_t i = 0; i < rep->n_items; i++)
        cJSON_AddItemToArray(a, item_json(rep->items[i], true));
    rs__records_reply__free_unpacked(rep, NULL);
    reply(r, 200, j);
}

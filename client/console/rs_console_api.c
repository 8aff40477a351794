/*
 * rs_console_api.c - what each of the console's /api/ routes does.
 *
 *   POST /api/upload         a file's rows into the outbox (rs_console_upload.c)
 *   GET  /api/state          the office, its role, the sender, the outbox's
 *                            counts and last receipt
 *   GET  /api/outbox         outbox rows (?state=pending|stored|duplicate|
 *                            conflict|rejected, else all), newest first
 *   POST /api/sync           send now (the retry button)
 *   GET  /api/returned       the records the centre returned, with comments
 *   GET  /api/types          the record types (for the template list)
 *   GET  /api/template       ?type=T&unit=yuan|wan: the Excel template
 *   GET  /api/completeness   ?year=Y[&division=D]: the board as JSON
 *   GET  /api/report         ?year=Y&format=html|docx|xlsx|json|csv|markdown
 *   POST /api/year           {"year","action":"close|reopen|show",...}
 *   GET  /api/records        the review queue; GET /api/record?id=: a record's
 *                            versions (rs_console_records.c)
 *   POST /api/review         {"action":"return|accept","id"|"batch","comment"}
 *
 * Each request to the server is one signed-in session (rs_session), as the
 * command line's are; the outbox is read under ob_mu.  Answers are JSON
 * ({"error": "...", "unreachable": true} on failure: 503 when the server
 * cannot be reached, 422 when it refused) or the file asked for.
 *
 * Does not: check who asks (the guard did), or send the outbox (the
 * sender does; POST /api/sync only wakes it).
 */
#include "rs_console_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rs_rtype.h"
#include "rs_util.h"
#include "rs_xltpl.h"

static const char json_type[] = "application/json; charset=utf-8";

static const char *const state_names[] = {"pending", "stored", "duplicate", "conflict",
                                          "rejected"};

/* Puts j (consumed) into r as the JSON answer with this status. */
static void reply_json(struct rs_console_reply *r, unsigned status, cJSON *j)
{
    r->status = status;
    r->type = json_type;
    r->body = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!r->body) {
        r->status = 500;
        r->body = strdup("{\"error\":\"内存不足\"}");
    }
    r->len = r->body ? strlen(r->body) : 0;
}

static void reply_error(struct rs_console_reply *r, unsigned status, const char *msg,
                        const char *detail)
{
    cJSON *j = cJSON_CreateObject();

    cJSON_AddStringToObject(j, "error", msg);
    if (detail && *detail)
        cJSON_AddStringToObject(j, "detail", detail);
    cJSON_AddBoolToObject(j, "unreachable", status == 503);
    reply_json(r, status, j);
}

/* The answer for a failed session request. */
static void reply_session_error(struct rs_console_reply *r, rs_status rc, const char *err)
{
    if (rs_console_unreachable(rc))
        reply_error(r, 503, "服务器无法连接，请稍后再试", err);
    else if (rc == RS_EFORBIDDEN)
        reply_error(r, 422, "服务器拒绝了此操作（本单位无此权限）", err);
    else if (rc == RS_ELOCKED)
        reply_error(r, 422, "该年度已结账，服务器拒绝了此操作", err);
    else if (rc == RS_EAUTH)
        reply_error(r, 422, "服务器不认可本单位的令牌或证书", err);
    else
        reply_error(r, 422, "服务器拒绝了此操作", err);
}

static rs_status open_session(struct rs_console *c, struct rs_session *s, char *err,
                              size_t errlen)
{
    if (!c->o.server || !c->o.office || !c->o.token) {
        snprintf(err, errlen, "尚未设置服务器、单位代码和令牌");
        return RS_EINVAL;
    }
    return rs_session_open(s, c->o.server, c->o.sec, c->o.office, c->o.token, c->o.timeout_ms,
                           err, errlen);
}

/* One request on a new session: RS_OK with *reply (the caller frees it). */
static rs_status call(struct rs_console *c, Rs__Envelope *env, Rs__Envelope__MsgCase want,
                      Rs__Envelope **reply, char *err, size_t errlen)
{
    struct rs_session s;
    rs_status rc = open_session(c, &s, err, errlen);

    *reply = NULL;
    if (rc)
        return rc;
    rc = rs_session_call(&s, env, want, reply, err, errlen);
    rs_session_close(&s);
    return rc;
}

static bool parse_year(const char *s, uint32_t *y)
{
    return s && rs_u32_parse(s, y) == RS_OK && *y >= 2000 && *y <= 2100;
}

static const char *role_name(Rs__Role role)
{
    return role == RS__ROLE__ROLE_CENTRAL ? "central"
         : role == RS__ROLE__ROLE_TOWNSHIP ? "township" : "unknown";
}

static const char *sender_name(enum rs_sender_state st)
{
    switch (st) {
    case RS_SENDER_IDLE: return "idle";
    case RS_SENDER_SENDING: return "sending";
    case RS_SENDER_UNREACHABLE: return "unreachable";
    case RS_SENDER_REFUSED: return "refused";
    }
    return "idle";
}

/* ------------------------------------------------------------ the outbox */

static void api_state(struct rs_console *c, struct rs_console_reply *r)
{
    struct rs_sender_view v;
    struct rs_outbox_counts k = {0};
    struct rs_outbox_receipt rc;
    bool found = false;
    rs_status st;
    cJSON *j = cJSON_CreateObject(), *o;
    time_t now = time(NULL);

    rs_sender_snapshot(&c->sender, &v);
    pthread_mutex_lock(&c->ob_mu);
    st = rs_outbox_counts(c->ob, &k);
    if (st == RS_OK)
        st = rs_outbox_last_receipt(c->ob, &rc, &found);
    pthread_mutex_unlock(&c->ob_mu);
    if (st != RS_OK) {
        cJSON_Delete(j);
        reply_error(r, 500, "无法读取本机发件箱", c->o.outbox);
        return;
    }
    cJSON_AddStringToObject(j, "office", c->o.office ? c->o.office : "");
    cJSON_AddStringToObject(j, "office_name", v.office_name);
    cJSON_AddStringToObject(j, "role", role_name(v.role));
    cJSON_AddStringToObject(j, "server", c->o.server ? c->o.server : "");
    cJSON_AddStringToObject(j, "outbox", c->o.outbox);
    o = cJSON_AddObjectToObject(j, "sender");
    cJSON_AddStringToObject(o, "state", sender_name(v.state));
    cJSON_AddStringToObject(o, "error", v.err);
    cJSON_AddNumberToObject(o, "retry_in",
                            v.state == RS_SENDER_UNREACHABLE && v.next_try > now
                                ? (double)(v.next_try - now) : 0);
    cJSON_AddNumberToObject(o, "batch_total", (double)v.batch_total);
    cJSON_AddNumberToObject(o, "last_ok", (double)v.last_ok);
    cJSON_AddNumberToObject(o, "sent", (double)v.last.sent);
    cJSON_AddNumberToObject(o, "stored", (double)v.last.stored);
    cJSON_AddNumberToObject(o, "duplicate", (double)v.last.duplicate);
    cJSON_AddNumberToObject(o, "conflict", (double)v.last.conflict);
    cJSON_AddNumberToObject(o, "rejected", (double)v.last.rejected);
    o = cJSON_AddObjectToObject(j, "counts");
    cJSON_AddNumberToObject(o, "pending", (double)k.pending);
    cJSON_AddNumberToObject(o, "stored", (double)k.stored);
    cJSON_AddNumberToObject(o, "duplicate", (double)k.duplicate);
    cJSON_AddNumberToObject(o, "conflict", (double)k.conflict);
    cJSON_AddNumberToObject(o, "rejected", (double)k.rejected);
    if (found) {
        char hex[65];

        rs_hex(rc.hash, sizeof(rc.hash), hex);
        o = cJSON_AddObjectToObject(j, "receipt");
        cJSON_AddNumberToObject(o, "seq", (double)rc.seq);
        cJSON_AddStringToObject(o, "sha256", hex);
    }
    reply_json(r, 200, j);
}

static int add_entry(const struct rs_outbox_entry *e, void *arg)
{
    cJSON *a = arg, *o = cJSON_CreateObject();
    const char *key = e->nkey ? strrchr(e->nkey, '|') : NULL;
    char day[11];

    rs_date_format(rs_date_cst(e->created_at), day);
    cJSON_AddStringToObject(o, "id", e->id ? e->id : "");
    cJSON_AddStringToObject(o, "type", rs_rtype_label((rs_rtype)e->type));
    cJSON_AddStringToObject(o, "key", key ? key + 1 : "");
    cJSON_AddStringToObject(o, "source", e->source ? e->source : "");
    cJSON_AddStringToObject(o, "state", state_names[e->state]);
    cJSON_AddStringToObject(o, "field", e->field ? e->field : "");
    cJSON_AddStringToObject(o, "reason", e->reason ? e->reason : "");
    cJSON_AddStringToObject(o, "queued", day);
    cJSON_AddItemToArray(a, o);
    return 0;
}

static void api_outbox(struct rs_console *c, const struct rs_console_call *q,
                       struct rs_console_reply *r)
{
    const char *want = q->arg(q->ctx, "state");
    int state = -1;
    rs_status st;
    cJSON *j = cJSON_CreateObject(), *a;

    for (int i = 0; want && i < (int)RS_NELEM(state_names); i++)
        if (strcmp(want, state_names[i]) == 0)
            state = i;
    a = cJSON_AddArrayToObject(j, "entries");
    pthread_mutex_lock(&c->ob_mu);
    st = rs_outbox_list(c->ob, state, RS_CONSOLE_LIST_MAX, add_entry, a);
    pthread_mutex_unlock(&c->ob_mu);
    if (st != RS_OK) {
        cJSON_Delete(j);
        reply_error(r, 500, "无法读取本机发件箱", c->o.outbox);
        return;
    }
    cJSON_AddNumberToObject(j, "max", RS_CONSOLE_LIST_MAX);
    reply_json(r, 200, j);
}

static void api_returned(struct rs_console *c, struct rs_console_reply *r)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__StatusRequest rq = RS__STATUS_REQUEST__INIT;
    const Rs__StatusReply *st;
    char err[512] = "";
    rs_status rc;
    cJSON *j, *a;

    env.msg_case = RS__ENVELOPE__MSG_STATUS_REQUEST;
    env.status_request = &rq;
    rc = call(c, &env, RS__ENVELOPE__MSG_STATUS, &reply, err, sizeof(err));
    if (rc) {
        reply_session_error(r, rc, err);
        return;
    }
    st = reply->status;
    j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "accepted", st->accepted);
    cJSON_AddNumberToObject(j, "returned", st->returned);
    cJSON_AddNumberToObject(j, "more", st->has_more ? st->more : 0);
    a = cJSON_AddArrayToObject(j, "records");
    pthread_mutex_lock(&c->ob_mu);
    for (size_t i = 0; i < st->n_records; i++) {
        const Rs__RecordReview *rv = st->records[i];
        char source[RS_OUTBOX_TEXT_MAX + 1] = "", day[11] = "";
        bool found = false;
        cJSON *o = cJSON_CreateObject();

        if (rv->record_id &&
            rs_outbox_source(c->ob, rv->record_id, source, sizeof(source), &found) != RS_OK)
            source[0] = '\0';
        if (rv->has_reviewed_at)
            rs_date_format(rs_date_cst(rv->reviewed_at), day);
        cJSON_AddStringToObject(o, "id", rv->record_id ? rv->record_id : "");
        cJSON_AddStringToObject(o, "type",
                                rs_rtype_label(rs_rtype_parse(rv->record_type)));
        cJSON_AddStringToObject(o, "label", rv->label ? rv->label : "");
        cJSON_AddStringToObject(o, "comment", rv->comment ? rv->comment : "");
        cJSON_AddStringToObject(o, "reviewer", rv->reviewer_name ? rv->reviewer_name : "");
        cJSON_AddStringToObject(o, "day", day);
        cJSON_AddStringToObject(o, "source", source);
        cJSON_AddItemToArray(a, o);
    }
    pthread_mutex_unlock(&c->ob_mu);
    rs__envelope__free_unpacked(reply, NULL);
    reply_json(r, 200, j);
}

/* ------------------------------------------------------------ templates */

static void api_types(struct rs_console_reply *r)
{
    cJSON *a = cJSON_CreateArray();
    const struct rs_rtype_def *d;

    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "name", d->name);
        cJSON_AddStringToObject(o, "label", d->label);
        cJSON_AddBoolToObject(o, "township", d->level == RS_LEVEL_TOWNSHIP);
        cJSON_AddItemToArray(a, o);
    }
    reply_json(r, 200, a);
}

/* Reads the file at path whole into r's body (at most cap bytes). */
static int slurp(const char *path, size_t cap, struct rs_console_reply *r)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;

    if (!f)
        return -1;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0 || (uint64_t)sb.st_size > cap)
        goto fail;
    r->body = malloc((size_t)sb.st_size + 1);
    if (!r->body || fread(r->body, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
        goto fail;
    r->len = (size_t)sb.st_size;
    fclose(f);
    return 0;
fail:
    free(r->body);
    r->body = NULL;
    fclose(f);
    return -1;
}

/* Content-Disposition for a download named name (UTF-8), RFC 6266/5987. */
static void disposition(struct rs_console_reply *r, const char *ascii, const char *name)
{
    size_t n = (size_t)snprintf(r->disposition, sizeof(r->disposition),
                                "attachment; filename=\"%s\"; filename*=UTF-8''", ascii);

    for (const unsigned char *p = (const unsigned char *)name; *p && n + 4 < sizeof(r->disposition);
         p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '.' || *p == '-' || *p == '_')
            r->disposition[n++] = (char)*p;
        else
            n += (size_t)snprintf(r->disposition + n, 4, "%%%02X", *p);
    }
    r->disposition[n] = '\0';
}

static void api_template(const struct rs_console_call *q, struct rs_console_reply *r)
{
    const char *tmp = getenv("TMPDIR"), *unit = q->arg(q->ctx, "unit");
    struct rs_xltpl_opts o = {0};
    char path[4096], err[512], name[256], ascii[128];
    int fd;

    o.type = rs_rtype_parse(q->arg(q->ctx, "type"));
    if (!rs_rtype_find(o.type)) {
        reply_error(r, 400, "没有这种记录类型", NULL);
        return;
    }
    o.money_wan = unit && strcmp(unit, "wan") == 0;
    /* libxlsxwriter writes only files: one under $TMPDIR (else the system's), removed at once. */
    snprintf(path, sizeof(path), "%s/resettle-console-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
    fd = mkstemp(path);
    if (fd < 0) {
        reply_error(r, 500, "无法写临时文件", strerror(errno));
        return;
    }
    close(fd);
    if (rs_xltpl_write(path, &o, err, sizeof(err)) != RS_OK) {
        unlink(path);
        reply_error(r, 500, "无法生成模板", err);
        return;
    }
    if (slurp(path, 64u << 20, r) != 0) {
        unlink(path);
        reply_error(r, 500, "无法读取生成的模板", NULL);
        return;
    }
    unlink(path);
    r->status = 200;
    r->type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    snprintf(name, sizeof(name), "%s模板.xlsx", rs_rtype_label(o.type));
    snprintf(ascii, sizeof(ascii), "%s-template.xlsx", rs_rtype_name(o.type));
    disposition(r, ascii, name);
}

/* ------------------------------------------------------------ the year */

static void api_completeness(struct rs_console *c, const struct rs_console_call *q,
                             struct rs_console_reply *r)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__CompletenessRequest rq = RS__COMPLETENESS_REQUEST__INIT;
    const char *div = q->arg(q->ctx, "division");
    char err[512] = "";
    uint32_t year;
    rs_status rc;
    cJSON *j, *board;

    if (!parse_year(q->arg(q->ctx, "year"), &year)) {
        reply_error(r, 400, "年度应为 2000 到 2100 之间的数字", NULL);
        return;
    }
    rq.has_year = true;
    rq.year = year;
    rq.has_format = true;
    rq.format = RS__REPORT_FORMAT__FMT_JSON;
    rq.division = div && *div ? (char *)div : NULL;
    env.msg_case = RS__ENVELOPE__MSG_COMPLETENESS_REQUEST;
    env.completeness_request = &rq;
    rc = call(c, &env, RS__ENVELOPE__MSG_COMPLETENESS, &reply, err, sizeof(err));
    if (rc) {
        reply_session_error(r, rc, err);
        return;
    }
    board = cJSON_ParseWithLength((const char *)reply->completeness->body.data,
                                  reply->completeness->body.len);
    rs__envelope__free_unpacked(reply, NULL);
    if (!board) {
        reply_error(r, 502, "服务器发来的完整性表无法读取", NULL);
        return;
    }
    j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "board", board);
    reply_json(r, 200, j);
}

static const struct {
    const char *name, *ext, *type;
    Rs__ReportFormat fmt;
} formats[] = {
    {"html", "html", "text/html; charset=utf-8", RS__REPORT_FORMAT__FMT_HTML},
    {"docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     RS__REPORT_FORMAT__FMT_DOCX},
    {"xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     RS__REPORT_FORMAT__FMT_XLSX},
    {"json", "json", "application/json; charset=utf-8", RS__REPORT_FORMAT__FMT_JSON},
    {"csv", "csv", "text/csv; charset=utf-8", RS__REPORT_FORMAT__FMT_CSV},
    {"markdown", "md", "text/markdown; charset=utf-8", RS__REPORT_FORMAT__FMT_MARKDOWN},
};

static void api_report(struct rs_console *c, const struct rs_console_call *q,
                       struct rs_console_reply *r)
{
    const char *fmt = q->arg(q->ctx, "format"), *inline_arg = q->arg(q->ctx, "inline");
    struct rs_session s;
    char err[512] = "", name[64], ascii[64];
    uint32_t year, issue = 0;
    size_t f;
    rs_status rc;

    if (!parse_year(q->arg(q->ctx, "year"), &year)) {
        reply_error(r, 400, "年度应为 2000 到 2100 之间的数字", NULL);
        return;
    }
    for (f = 0; f < RS_NELEM(formats); f++)
        if (fmt && strcmp(fmt, formats[f].name) == 0)
            break;
    if (f == RS_NELEM(formats)) {
        reply_error(r, 400, "没有这种报告格式", NULL);
        return;
    }
    rc = open_session(c, &s, err, sizeof(err));
    if (rc == RS_OK) {
        rc = rs_session_report(&s, year, formats[f].fmt, NULL, NULL, false, &r->body, &r->len,
                               &issue, err, sizeof(err));
        rs_session_close(&s);
    }
    if (rc) {
        r->body = NULL;
        r->len = 0;
        reply_session_error(r, rc, err);
        return;
    }
    r->status = 200;
    r->type = formats[f].type;
    if (formats[f].fmt == RS__REPORT_FORMAT__FMT_HTML && inline_arg) {
        r->sandbox = true;
        return;
    }
    snprintf(name, sizeof(name), "%u-自评报告.%s", (unsigned)year, formats[f].ext);
    snprintf(ascii, sizeof(ascii), "%u-report.%s", (unsigned)year, formats[f].ext);
    disposition(r, ascii, name);
}

static const char *jstr(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);

    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

static void add_year(cJSON *j, const Rs__YearReply *y)
{
    cJSON *a;
    char day[11];

    cJSON_AddNumberToObject(j, "year", y->year);
    cJSON_AddBoolToObject(j, "closed", y->closed);
    a = cJSON_AddArrayToObject(j, "issues");
    for (size_t i = 0; i < y->n_issues; i++) {
        const Rs__YearIssue *is = y->issues[i];
        cJSON *o = cJSON_CreateObject();

        rs_date_format(rs_date_cst(is->closed_at), day);
        cJSON_AddNumberToObject(o, "issue", is->issue);
        cJSON_AddStringToObject(o, "day", day);
        cJSON_AddStringToObject(o, "by", is->closed_by ? is->closed_by : "");
        cJSON_AddNumberToObject(o, "records", (double)is->record_count);
        cJSON_AddStringToObject(o, "reason", is->reason ? is->reason : "");
        cJSON_AddItemToArray(a, o);
    }
    a = cJSON_AddArrayToObject(j, "exceptions");
    for (size_t i = 0; i < y->n_exceptions; i++) {
        const Rs__YearException *e = y->exceptions[i];
        cJSON *o = cJSON_CreateObject();

        rs_date_format(e->until, day);
        cJSON_AddStringToObject(o, "division", e->division ? e->division : "");
        cJSON_AddStringToObject(o, "until", day);
        cJSON_AddStringToObject(o, "reason", e->reason ? e->reason : "");
        cJSON_AddBoolToObject(o, "ended", e->has_ended_issue);
        cJSON_AddItemToArray(a, o);
    }
}

static void api_year(struct rs_console *c, const struct rs_console_call *q,
                     struct rs_console_reply *r)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__YearRequest rq = RS__YEAR_REQUEST__INIT;
    cJSON *in = cJSON_ParseWithLength(q->body ? q->body : "", q->len), *j;
    const cJSON *yv = cJSON_GetObjectItemCaseSensitive(in, "year");
    const char *action = jstr(in, "action"), *until = jstr(in, "until");
    char err[512] = "";
    uint32_t day = 0;
    rs_status rc;

    if (!cJSON_IsNumber(yv) || yv->valuedouble < 2000 || yv->valuedouble > 2100 || !action) {
        reply_error(r, 400, "需要年度和操作", NULL);
        goto out;
    }
    rq.has_year = true;
    rq.year = (uint32_t)yv->valuedouble;
    rq.has_action = true;
    if (strcmp(action, "close") == 0) {
        rq.action = RS__YEAR_ACTION__YA_CLOSE;
    } else if (strcmp(action, "reopen") == 0) {
        rq.action = RS__YEAR_ACTION__YA_REOPEN;
        rq.division = (char *)jstr(in, "division");
        rq.reason = (char *)jstr(in, "reason");
        if (!rq.division || !rq.reason || !until || rs_date_parse(until, &day) != RS_OK) {
            reply_error(r, 400, "重新开放需要乡镇代码、截止日期（如 2024-03-31）和原因", NULL);
            goto out;
        }
        rq.has_until = true;
        rq.until = day;
    } else if (strcmp(action, "show") == 0) {
        rq.action = RS__YEAR_ACTION__YA_SHOW;
    } else {
        reply_error(r, 400, "没有这种操作", NULL);
        goto out;
    }
    env.msg_case = RS__ENVELOPE__MSG_YEAR_REQUEST;
    env.year_request = &rq;
    rc = call(c, &env, RS__ENVELOPE__MSG_YEAR, &reply, err, sizeof(err));
    if (rc) {
        reply_session_error(r, rc, err);
        goto out;
    }
    j = cJSON_CreateObject();
    add_year(j, reply->year);
    rs__envelope__free_unpacked(reply, NULL);
    reply_json(r, 200, j);
out:
    cJSON_Delete(in);
}

static void api_review(struct rs_console *c, const struct rs_console_call *q,
                       struct rs_console_reply *r)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__ReviewRequest rq = RS__REVIEW_REQUEST__INIT;
    cJSON *in = cJSON_ParseWithLength(q->body ? q->body : "", q->len), *j, *a;
    const char *action = jstr(in, "action");
    char err[512] = "";
    rs_status rc;

    rq.record_id = (char *)jstr(in, "id");
    rq.batch_id = (char *)jstr(in, "batch");
    rq.comment = (char *)jstr(in, "comment");
    if (!action || (strcmp(action, "return") != 0 && strcmp(action, "accept") != 0) ||
        !rq.record_id == !rq.batch_id) {
        reply_error(r, 400, "需要操作（退回或通过）和一条记录或一个批次", NULL);
        goto out;
    }
    rq.has_action = true;
    rq.action = action[0] == 'r' ? RS__REVIEW_ACTION__RA_RETURN : RS__REVIEW_ACTION__RA_ACCEPT;
    if (rq.action == RS__REVIEW_ACTION__RA_RETURN && !rq.comment) {
        reply_error(r, 400, "退回需要写明原因", NULL);
        goto out;
    }
    env.msg_case = RS__ENVELOPE__MSG_REVIEW_REQUEST;
    env.review_request = &rq;
    rc = call(c, &env, RS__ENVELOPE__MSG_REVIEW, &reply, err, sizeof(err));
    if (rc) {
        reply_session_error(r, rc, err);
        goto out;
    }
    j = cJSON_CreateObject();
    a = cJSON_AddArrayToObject(j, "ids");
    for (size_t i = 0; i < reply->review->n_record_ids; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(reply->review->record_ids[i]));
    cJSON_AddNumberToObject(j, "skipped",
                            reply->review->has_skipped ? reply->review->skipped : 0);
    rs__envelope__free_unpacked(reply, NULL);
    reply_json(r, 200, j);
out:
    cJSON_Delete(in);
}

/* ------------------------------------------------------------ routing */

void rs_console_api_handle(struct rs_console *c, const struct rs_console_call *q,
                           struct rs_console_reply *r)
{
    bool get = strcmp(q->method, "GET") == 0, post = strcmp(q->method, "POST") == 0;
    const char *p = q->path + strlen("/api/");

    memset(r, 0, sizeof(*r));
    if (get && strcmp(p, "state") == 0)
        api_state(c, r);
    else if (get && strcmp(p, "outbox") == 0)
        api_outbox(c, q, r);
    else if (post && strcmp(p, "sync") == 0) {
        rs_sender_kick(&c->sender);
        reply_json(r, 200, cJSON_CreateObject());
    } else if (post && strcmp(p, "upload") == 0)
        rs_console_api_upload(c, q, r);
    else if (get && strcmp(p, "returned") == 0)
        api_returned(c, r);
    else if (get && strcmp(p, "types") == 0)
        api_types(r);
    else if (get && strcmp(p, "template") == 0)
        api_template(q, r);
    else if (get && strcmp(p, "completeness") == 0)
        api_completeness(c, q, r);
    else if (get && strcmp(p, "report") == 0)
        api_report(c, q, r);
    else if (post && strcmp(p, "year") == 0)
        api_year(c, q, r);
    else if (get && strcmp(p, "records") == 0)
        rs_console_api_records(c, q, r);
    else if (get && strcmp(p, "record") == 0)
        rs_console_api_record(c, q, r);
    else if (post && strcmp(p, "review") == 0)
        api_review(c, q, r);
    else
        reply_error(r, 404, "没有这个操作", NULL);
}

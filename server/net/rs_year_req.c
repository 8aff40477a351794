/*
 * rs_year_req.c - the reporting year's requests: schedules, reviews, the
 * township's status, the completeness board, closing, reopening and
 * showing a year.
 *
 * Each request's role, scope and values are checked on the loop thread
 * (the checks several requests share are rs_req_check.c's);
 * what passes becomes a database job: writes (a schedule set, a review, a
 * close, a reopen) on the writer queue, in turn with the group commits and
 * synced inside their own COMMIT; reads on the reporter queue.  The job's
 * work() touches only the job and its store; done() answers on the loop.
 * A close takes its framework from the server's preset set on the loop
 * thread and holds a reference to that set, so a reload (rs_reload.c)
 * never changes the framework under the issue.
 *
 * Who may send what (proto/README.md, "The reporting year"): a township
 * office reads the schedule, its own status and its own completeness row,
 * and shows a year (its own exceptions only); everything else is the
 * central office's, within its district.
 *
 * Does not: decide what a schedule, review or close does to the data
 * (server/store/), compute the board (server/year/) or render it
 * (server/report/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_log.h"
#include "rs_net_int.h"
#include "rs_report.h"
#include "rs_report_build.h"
#include "rs_rtype.h"
#include "rs_schedule.h"
#include "rs_util.h"
#include "rs_wire.h"
#include "rs_year_build.h"

#define STATUS_LIST_MAX 1000        /* returned records one StatusReply lists */
#define ID_MAX 128                  /* bytes of a record or batch id in a request */

enum year_op {
    OP_SCHEDULE_SET,
    OP_SCHEDULE_GET,
    OP_REVIEW,
    OP_STATUS,
    OP_COMPLETENESS,
    OP_CLOSE,
    OP_REOPEN,
    OP_SHOW
};

/* One returned record of a status reply, copied out of the store's row. */
struct status_item {
    char record_id[RS_UUID_LEN + 1];
    Rs__Record__BodyCase type;
    char division[16];
    uint32_t year;
    Rs__Period period;
    char comment[RS_REVIEW_COMMENT_MAX + 1];
    char reviewer[16];
    char reviewer_name[128];
    int64_t at;
    char label[128];
    bool year_closed;           /* a correction would be refused (rs_store_year_locked) */
};

struct year_job {
    struct rs_dbq_job job;
    struct rs_conn *conn;
    uint64_t request_id;
    bool has_request_id;
    enum year_op op;
    uint32_t year;
    char office[16];
    char peer[64];
    char scope[16];             /* the division the request covers */
    bool township;              /* sent by a township office */
    struct rs_fwset *set;       /* a close: a reference; fw points into it */
    const struct rs_framework *fw;
    /* in */
    struct rs_schedule sched;
    Rs__ReviewAction action;
    char *record_id, *batch_id, *comment, *reason;
    Rs__Period period;
    Rs__ReportFormat format;
    char division[16];
    uint32_t until;
    /* out */
    rs_status rc;
    char err[512];
    int64_t set_at;
    char set_by[16];
    struct rs_schedule sched_out;
    struct rs_review_out rout;
    struct status_item *items;
    size_t nitems;
    uint32_t accepted, returned, more;
    char *body;
    size_t len;
    struct rs_compl_rate total;
    struct rs_year_info info;
    uint64_t audit_seq;
};

static void job_free(struct year_job *j)
{
    rs_schedule_free(&j->sched);
    rs_schedule_free(&j->sched_out);
    rs_review_out_free(&j->rout);
    rs_year_info_free(&j->info);
    free(j->record_id);
    free(j->batch_id);
    free(j->comment);
    free(j->reason);
    free(j->items);
    free(j->body);
    rs_fwset_unref(j->set);
    free(j);
}

/* ------------------------------------------------------------ work (pool thread) */

static int on_status_row(const struct rs_review_row *r, void *arg)
{
    struct year_job *j = arg;
    struct status_item *it;
    Rs__Record *rec;
    const char *key;

    if (r->state == RS__REVIEW_STATE__RVS_ACCEPTED) {
        j->accepted++;
        return 0;
    }
    j->returned++;
    if (j->nitems == STATUS_LIST_MAX) {
        j->more++;
        return 0;
    }
    it = &j->items[j->nitems++];
    memset(it, 0, sizeof(*it));
    memcpy(it->record_id, r->record_id, sizeof(it->record_id));
    it->type = r->type;
    memcpy(it->division, r->division, sizeof(it->division));
    it->year = r->year;
    it->period = r->period;
    memcpy(it->comment, r->comment, sizeof(it->comment));
    memcpy(it->reviewer, r->reviewer, sizeof(it->reviewer));
    memcpy(it->reviewer_name, r->reviewer_name, sizeof(it->reviewer_name));
    it->at = r->at;
    rec = rs__record__unpack(NULL, r->body_len, r->body);
    key = rec ? rs_record_label_key(rec) : NULL;
    if (key)
        (void)rs_utf8_copy(it->label, sizeof(it->label), key);
    if (rec)
        rs__record__free_unpacked(rec, NULL);
    return 0;
}

/* The close's producer: every format of the report, from the transaction's view. */
static rs_status close_produce(struct rs_store *s, const struct rs_year_issue *issues, size_t n,
                               struct rs_year_made *made, char *err, size_t errlen, void *arg)
{
    struct year_job *j = arg;
    struct rs_report_req req;

    memset(&req, 0, sizeof(req));
    req.year = j->year;
    req.fw = j->fw;
    req.now = issues[n - 1].closed_at;
    req.issues = issues;
    req.nissues = n;
    return rs_report_build_all(s, &req, made, err, errlen);
}

static void completeness_work(struct year_job *j, struct rs_store *store)
{
    struct rs_compl_board *board = NULL;
    const char *only = strcmp(j->scope, j->office) == 0 && !j->township ? NULL : j->scope;

    j->rc = rs_year_board(store, j->year, rs_now_unix(), j->period, only, &board, j->err,
                          sizeof(j->err));
    if (j->rc == RS_OK && !board) {
        if (j->township)
            snprintf(j->err, sizeof(j->err), "区中心尚未设定%u年度的报送计划", (unsigned)j->year);
        else
            snprintf(j->err, sizeof(j->err), "%u年度尚未设定报送计划（请用 resettle schedule set "
                     "或 resettled schedule set 设定）", (unsigned)j->year);
        j->rc = RS_ENOTFOUND;
    }
    if (j->rc == RS_OK) {
        j->total = board->total;
        j->rc = rs_report_render_board(board, j->format, &j->body, &j->len);
        if (j->rc)
            snprintf(j->err, sizeof(j->err), "cannot render the board: %s",
                     rs_status_str(j->rc));
    }
    rs_compl_board_free(board);
}

static void year_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct year_job *j = (struct year_job *)job;
    bool writes = j->op == OP_SCHEDULE_SET || j->op == OP_REVIEW || j->op == OP_CLOSE ||
                  j->op == OP_REOPEN;

    /* A write is acknowledged only once it is on disk: it syncs in its COMMIT. */
    if (writes) {
        j->rc = rs_store_sync_next(store, true);
        if (j->rc) {
            snprintf(j->err, sizeof(j->err), "%s", rs_store_errmsg(store));
            return;
        }
    }
    switch (j->op) {
    case OP_SCHEDULE_SET:
        j->rc = rs_store_schedule_set(store, &j->sched, "条目", j->office, j->peer,
                                      &j->audit_seq, j->err, sizeof(j->err));
        if (j->rc)
            return;
        /* The reply is the schedule as stored. */
        j->rc = rs_store_schedule_get(store, j->year, &j->sched_out, &j->set_at, j->set_by,
                                      sizeof(j->set_by));
        break;
    case OP_SCHEDULE_GET:
        j->rc = rs_store_schedule_get(store, j->year, &j->sched_out, &j->set_at, j->set_by,
                                      sizeof(j->set_by));
        break;
    case OP_REVIEW: {
        struct rs_review_req q = {j->action, j->record_id, j->batch_id, j->comment, j->office,
                                  j->office, j->peer};

        j->rc = rs_store_review(store, &q, &j->rout, j->err, sizeof(j->err));
        return;
    }
    case OP_STATUS:
        j->items = malloc(STATUS_LIST_MAX * sizeof(*j->items));
        j->rc = j->items ? rs_store_review_list(store, j->year, j->scope, false, false,
                                                on_status_row, j)
                         : RS_ENOMEM;
        /* Whether each returned record can still be corrected; most share
         * a year and a division, so the last answer is kept. */
        for (size_t i = 0; j->rc == RS_OK && i < j->nitems; i++) {
            struct status_item *it = &j->items[i], *prev = i ? &j->items[i - 1] : NULL;

            if (prev && prev->year == it->year && strcmp(prev->division, it->division) == 0)
                it->year_closed = prev->year_closed;
            else
                j->rc = rs_store_year_locked(store, it->year, it->division, &it->year_closed);
        }
        break;
    case OP_COMPLETENESS:
        completeness_work(j, store);
        return;
    case OP_CLOSE:
        j->rc = rs_store_year_close(store, j->year, j->office, j->peer, close_produce, j, NULL,
                                    &j->audit_seq, j->err, sizeof(j->err));
        if (j->rc == RS_OK)
            j->rc = rs_store_year_info(store, j->year, &j->info);
        break;
    case OP_REOPEN:
        j->rc = rs_store_year_reopen(store, j->year, j->division, j->until, j->reason, j->office,
                                     j->peer, &j->audit_seq, j->err, sizeof(j->err));
        if (j->rc == RS_OK)
            j->rc = rs_store_year_info(store, j->year, &j->info);
        break;
    case OP_SHOW:
        j->rc = rs_store_year_info(store, j->year, &j->info);
        break;
    }
    if (j->rc && !j->err[0])
        snprintf(j->err, sizeof(j->err), "%s",
                 j->rc == RS_ENOMEM ? "out of memory" : rs_store_errmsg(store));
}

/* ------------------------------------------------------------ replies (loop thread) */

static void send_env(struct year_job *j, Rs__Envelope *env)
{
    env->has_request_id = j->has_request_id;
    env->request_id = j->request_id;
    rs_conn_send(j->conn, env);
}

static void reply_schedule(struct year_job *j)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ScheduleReply r = RS__SCHEDULE_REPLY__INIT;
    struct rs_schedule_wire w;

    if (rs_schedule_to_wire(&j->sched_out, &w) != RS_OK) {
        rs_conn_error(j->conn, j->has_request_id ? &j->request_id : NULL, RS_ENOMEM,
                      "out of memory", false);
        return;
    }
    r.has_year = true;
    r.year = j->year;
    r.n_entries = w.n;
    r.entries = w.ptrs;
    if (j->set_at) {
        r.has_set_at = true;
        r.set_at = j->set_at;
        r.set_by = j->set_by;
    }
    env.msg_case = RS__ENVELOPE__MSG_SCHEDULE;
    env.schedule = &r;
    send_env(j, &env);
    rs_schedule_wire_free(&w);
}

static void reply_review(struct year_job *j)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ReviewReply r = RS__REVIEW_REPLY__INIT;
    char **ids = calloc(j->rout.n ? j->rout.n : 1, sizeof(*ids));

    if (!ids) {
        rs_conn_error(j->conn, j->has_request_id ? &j->request_id : NULL, RS_ENOMEM,
                      "out of memory (the review is stored)", false);
        return;
    }
    for (size_t i = 0; i < j->rout.n; i++)
        ids[i] = j->rout.ids[i];
    r.has_action = true;
    r.action = j->action;
    r.n_record_ids = j->rout.n;
    r.record_ids = ids;
    r.has_skipped = true;
    r.skipped = (uint32_t)j->rout.skipped;
    r.has_audit_seq = true;
    r.audit_seq = j->rout.audit_seq;
    env.msg_case = RS__ENVELOPE__MSG_REVIEW;
    env.review = &r;
    send_env(j, &env);
    free(ids);
}

static void reply_status(struct year_job *j)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__StatusReply r = RS__STATUS_REPLY__INIT;
    Rs__RecordReview *v = calloc(j->nitems ? j->nitems : 1, sizeof(*v));
    Rs__RecordReview **p = calloc(j->nitems ? j->nitems : 1, sizeof(*p));

    if (!v || !p) {
        free(v);
        free(p);
        rs_conn_error(j->conn, j->has_request_id ? &j->request_id : NULL, RS_ENOMEM,
                      "out of memory", false);
        return;
    }
    for (size_t i = 0; i < j->nitems; i++) {
        struct status_item *it = &j->items[i];

        rs__record_review__init(&v[i]);
        v[i].record_id = it->record_id;
        v[i].record_type = (char *)rs_rtype_name(it->type);
        v[i].division_code = it->division;
        v[i].has_year = true;
        v[i].year = it->year;
        v[i].has_period = true;
        v[i].period = it->period;
        v[i].has_state = true;
        v[i].state = RS__REVIEW_STATE__RVS_RETURNED;
        v[i].comment = it->comment;
        v[i].reviewer = it->reviewer;
        v[i].reviewer_name = it->reviewer_name;
        v[i].has_reviewed_at = true;
        v[i].reviewed_at = it->at;
        v[i].label = it->label[0] ? it->label : NULL;
        v[i].has_year_closed = it->year_closed;
        v[i].year_closed = it->year_closed;
        p[i] = &v[i];
    }
    r.has_accepted = true;
    r.accepted = j->accepted;
    r.has_returned = true;
    r.returned = j->returned;
    r.n_records = j->nitems;
    r.records = p;
    if (j->more) {
        r.has_more = true;
        r.more = j->more;
    }
    env.msg_case = RS__ENVELOPE__MSG_STATUS;
    env.status = &r;
    send_env(j, &env);
    free(p);
    free(v);
}

static void reply_completeness(struct year_job *j)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__CompletenessReply r = RS__COMPLETENESS_REPLY__INIT;

    r.has_format = true;
    r.format = j->format;
    r.has_body = true;
    r.body.data = (uint8_t *)j->body;
    r.body.len = j->len;
    r.has_expected = true;
    r.expected = j->total.expected;
    r.has_reported = true;
    r.reported = j->total.reported;
    r.has_on_time = true;
    r.on_time = j->total.on_time;
    env.msg_case = RS__ENVELOPE__MSG_COMPLETENESS;
    env.completeness = &r;
    send_env(j, &env);
}

static void reply_year(struct year_job *j, Rs__YearAction action)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__YearReply r = RS__YEAR_REPLY__INIT;
    size_t ni = j->info.nissues, ne = j->info.nexceptions, k = 0;
    Rs__YearIssue *iv = calloc(ni ? ni : 1, sizeof(*iv));
    Rs__YearIssue **ip = calloc(ni ? ni : 1, sizeof(*ip));
    Rs__YearException *ev = calloc(ne ? ne : 1, sizeof(*ev));
    Rs__YearException **ep = calloc(ne ? ne : 1, sizeof(*ep));

    if (!iv || !ip || !ev || !ep) {
        rs_conn_error(j->conn, j->has_request_id ? &j->request_id : NULL, RS_ENOMEM,
                      "out of memory", false);
        goto out;
    }
    for (size_t i = 0; i < ni; i++) {
        struct rs_year_issue *is = &j->info.issues[i];

        rs__year_issue__init(&iv[i]);
        iv[i].has_issue = true;
        iv[i].issue = is->issue;
        iv[i].has_closed_at = true;
        iv[i].closed_at = is->closed_at;
        iv[i].closed_by = is->closed_by;
        iv[i].framework_name = is->framework_name;
        iv[i].framework_hash = is->framework_hash;
        iv[i].has_record_count = true;
        iv[i].record_count = is->record_count;
        iv[i].reason = is->reason[0] ? is->reason : NULL;
        ip[i] = &iv[i];
    }
    for (size_t i = 0; i < ne; i++) {
        struct rs_year_exception *e = &j->info.exceptions[i];

        /* A township sees the exceptions of its own division only. */
        if (j->township && strncmp(j->scope, e->division, strlen(e->division)) != 0)
            continue;
        rs__year_exception__init(&ev[k]);
        ev[k].division = e->division;
        ev[k].has_until = true;
        ev[k].until = e->until;
        ev[k].reason = e->reason;
        ev[k].granted_by = e->granted_by;
        ev[k].has_granted_at = true;
        ev[k].granted_at = e->granted_at;
        if (e->ended_issue) {
            ev[k].has_ended_issue = true;
            ev[k].ended_issue = e->ended_issue;
        }
        ep[k] = &ev[k];
        k++;
    }
    r.has_action = true;
    r.action = action;
    r.has_year = true;
    r.year = j->year;
    r.has_closed = true;
    r.closed = ni > 0;
    r.n_issues = ni;
    r.issues = ip;
    r.n_exceptions = k;
    r.exceptions = ep;
    if (j->audit_seq) {
        r.has_audit_seq = true;
        r.audit_seq = j->audit_seq;
    }
    env.msg_case = RS__ENVELOPE__MSG_YEAR;
    env.year = &r;
    send_env(j, &env);
out:
    free(iv);
    free(ip);
    free(ev);
    free(ep);
}

static const char *op_name(enum year_op op)
{
    switch (op) {
    case OP_SCHEDULE_SET: return "schedule set";
    case OP_SCHEDULE_GET: return "schedule";
    case OP_REVIEW: return "review";
    case OP_STATUS: return "status";
    case OP_COMPLETENESS: return "completeness";
    case OP_CLOSE: return "year close";
    case OP_REOPEN: return "year reopen";
    case OP_SHOW: return "year show";
    }
    return "?";
}

static void year_done(struct rs_dbq_job *job, bool canceled)
{
    struct year_job *j = (struct year_job *)job;
    struct rs_conn *c = j->conn;
    const uint64_t *prid = j->has_request_id ? &j->request_id : NULL;

    if (c->closing)
        goto out;
    c->in_flight--;
    if (canceled) {
        rs_conn_error(c, prid, RS_ECLOSED, "server is shutting down", false);
    } else if (j->rc != RS_OK) {
        rs_req_answer_job(c, prid, j->rc, j->err);
    } else {
        switch (j->op) {
        case OP_SCHEDULE_SET:
        case OP_SCHEDULE_GET: reply_schedule(j); break;
        case OP_REVIEW: reply_review(j); break;
        case OP_STATUS: reply_status(j); break;
        case OP_COMPLETENESS: reply_completeness(j); break;
        case OP_CLOSE: reply_year(j, RS__YEAR_ACTION__YA_CLOSE); break;
        case OP_REOPEN: reply_year(j, RS__YEAR_ACTION__YA_REOPEN); break;
        case OP_SHOW: reply_year(j, RS__YEAR_ACTION__YA_SHOW); break;
        }
        rs_log(RS_LOG_INFO, c->id, c->peer, "%s %u for %s", op_name(j->op), (unsigned)j->year,
               j->scope);
    }
    rs_conn_update_reading(c);
    rs_conn_pump(c);
out:
    rs_conn_unref(c);
    job_free(j);
}

/* ------------------------------------------------------------ checks (loop thread) */

/* A copy of a peer's string of at most max bytes into *out; false (answered) if too long. */
static bool copy_in(struct rs_conn *c, const uint64_t *prid, const char *in, size_t max,
                    const char *what, const char *zh, char **out)
{
    char msg[128], text[128];

    *out = NULL;
    if (!in || !in[0])
        return true;
    if (strnlen(in, max + 1) > max) {
        snprintf(msg, sizeof(msg), "%s is longer than %zu bytes", what, max);
        snprintf(text, sizeof(text), "%s超过 %zu 字节", zh, max);
        rs_conn_refuse(c, prid, RS_ETOOBIG, msg, text);
        return false;
    }
    *out = strdup(in);
    if (!*out) {
        rs_conn_error(c, prid, RS_ENOMEM, "out of memory", false);
        return false;
    }
    return true;
}

/* Fills j from the request; false when it was answered (refused) here. */
static bool prepare(struct rs_conn *c, const Rs__Envelope *env, const uint64_t *prid,
                    struct year_job *j)
{
    char err[256];

    switch (env->msg_case) {
    case RS__ENVELOPE__MSG_SCHEDULE_SET: {
        const Rs__ScheduleSet *m = env->schedule_set;
        const char *oc = c->office.code;
        rs_status rc;

        j->op = OP_SCHEDULE_SET;
        if (!rs_req_central_only(c, prid, "setting a schedule", "设定报送计划") ||
            !rs_req_year(c, prid, m->has_year, m->year))
            return false;
        j->year = m->year;
        rc = rs_schedule_from_wire(m, &j->sched, err, sizeof(err));
        if (rc) {
            rs_conn_refuse(c, prid, rc, err, err);
            return false;
        }
        for (size_t i = 0; i < j->sched.n; i++) {
            for (size_t k = 0; k < j->sched.lines[i].ntownships; k++) {
                if (strncmp(j->sched.lines[i].townships[k], oc, strlen(oc)) != 0) {
                    snprintf(err, sizeof(err), "第 %zu 条：乡镇 %s 不在本单位所辖的 %s 范围内",
                             i + 1, j->sched.lines[i].townships[k], oc);
                    rs_conn_refuse(c, prid, RS_EFORBIDDEN, err, err);
                    return false;
                }
            }
        }
        snprintf(j->scope, sizeof(j->scope), "%s", oc);
        return true;
    }
    case RS__ENVELOPE__MSG_SCHEDULE_REQUEST:
        j->op = OP_SCHEDULE_GET;
        j->year = env->schedule_request->year;
        snprintf(j->scope, sizeof(j->scope), "%s", c->office.code);
        return rs_req_year(c, prid, env->schedule_request->has_year, j->year);
    case RS__ENVELOPE__MSG_REVIEW_REQUEST: {
        const Rs__ReviewRequest *m = env->review_request;

        j->op = OP_REVIEW;
        if (!rs_req_central_only(c, prid, "reviewing records", "审核记录"))
            return false;
        j->action = m->has_action ? m->action : RS__REVIEW_ACTION__RA_UNSPECIFIED;
        snprintf(j->scope, sizeof(j->scope), "%s", c->office.code);
        return copy_in(c, prid, m->record_id, ID_MAX, "the record id", "记录 ID",
                       &j->record_id) &&
               copy_in(c, prid, m->batch_id, ID_MAX, "the batch id", "批次 ID", &j->batch_id) &&
               copy_in(c, prid, m->comment, RS_REVIEW_COMMENT_MAX, "the comment", "审核意见",
                       &j->comment);
    }
    case RS__ENVELOPE__MSG_STATUS_REQUEST: {
        const Rs__StatusRequest *m = env->status_request;

        j->op = OP_STATUS;
        j->year = m->year;
        if (m->has_year && m->year != 0 && !rs_req_year(c, prid, true, m->year))
            return false;
        return rs_req_scope(c, prid, m->division, j->scope);
    }
    case RS__ENVELOPE__MSG_COMPLETENESS_REQUEST: {
        const Rs__CompletenessRequest *m = env->completeness_request;

        j->op = OP_COMPLETENESS;
        j->year = m->year;
        j->period = m->has_period ? m->period : RS__PERIOD__PERIOD_UNSPECIFIED;
        j->format = m->has_format && m->format != RS__REPORT_FORMAT__FMT_UNSPECIFIED
                        ? m->format : RS__REPORT_FORMAT__FMT_MARKDOWN;
        if (!rs_req_year(c, prid, m->has_year, m->year))
            return false;
        if (!protobuf_c_enum_descriptor_get_value(&rs__period__descriptor, (int)j->period) ||
            !protobuf_c_enum_descriptor_get_value(&rs__report_format__descriptor,
                                                  (int)j->format)) {
            rs_conn_refuse(c, prid, RS_EINVAL, "unknown period or format", "未知的期间或格式");
            return false;
        }
        if (j->format != RS__REPORT_FORMAT__FMT_MARKDOWN &&
            j->format != RS__REPORT_FORMAT__FMT_TEXT && j->format != RS__REPORT_FORMAT__FMT_JSON &&
            j->format != RS__REPORT_FORMAT__FMT_CSV) {
            rs_conn_refuse(c, prid, RS_EINVAL,
                           "the completeness board is written as Markdown, text, JSON or CSV",
                           "报送情况表只能输出为 Markdown、文本、JSON 或 CSV");
            return false;
        }
        return rs_req_scope(c, prid, m->division, j->scope);
    }
    case RS__ENVELOPE__MSG_YEAR_REQUEST: {
        const Rs__YearRequest *m = env->year_request;
        Rs__YearAction a = m->has_action ? m->action : RS__YEAR_ACTION__YA_UNSPECIFIED;

        j->year = m->year;
        if (!rs_req_year(c, prid, m->has_year, m->year))
            return false;
        snprintf(j->scope, sizeof(j->scope), "%s", c->office.code);
        if (a == RS__YEAR_ACTION__YA_SHOW) {
            j->op = OP_SHOW;
            return true;
        }
        if (a == RS__YEAR_ACTION__YA_CLOSE) {
            j->op = OP_CLOSE;
            if (!rs_req_central_only(c, prid, "closing a year", "年度结账"))
                return false;
            j->fw = rs_req_framework(c, prid, m->framework);
            return j->fw != NULL;
        }
        if (a == RS__YEAR_ACTION__YA_REOPEN) {
            j->op = OP_REOPEN;
            if (!rs_req_central_only(c, prid, "reopening a year", "重新开放年度"))
                return false;
            if (!m->division || !m->division[0]) {
                rs_conn_refuse(c, prid, RS_EINVAL, "a reopening names the division",
                               "重新开放须写明区划");
                return false;
            }
            j->until = m->has_until ? m->until : 0;
            return rs_req_scope(c, prid, m->division, j->division) &&
                   copy_in(c, prid, m->reason, RS_YEAR_REASON_MAX, "the reason", "原因",
                           &j->reason);
        }
        rs_conn_refuse(c, prid, RS_EINVAL, "the year action must be close, reopen or show",
                       "年度操作只能是结账、重新开放或查看");
        return false;
    }
    default:
        rs_conn_error(c, prid, RS_EPROTO, "unexpected message", true);
        return false;
    }
}

void rs_year_req_handle(struct rs_conn *c, const Rs__Envelope *env)
{
    uint64_t rid = env->request_id;
    const uint64_t *prid = env->has_request_id ? &rid : NULL;
    struct year_job *j = calloc(1, sizeof(*j));
    bool writes;

    if (!j) {
        rs_conn_error(c, prid, RS_ENOMEM, "out of memory", false);
        return;
    }
    if (!prepare(c, env, prid, j)) {
        job_free(j);
        return;
    }
    j->job.work = year_work;
    j->job.done = year_done;
    j->conn = c;
    j->has_request_id = env->has_request_id;
    j->request_id = env->request_id;
    j->township = c->office.role == RS__ROLE__ROLE_TOWNSHIP;
    if (j->op == OP_CLOSE)
        j->set = rs_fwset_ref(c->srv->fwset);
    snprintf(j->office, sizeof(j->office), "%s", c->office.code);
    snprintf(j->peer, sizeof(j->peer), "%s", c->peer);
    writes = j->op == OP_SCHEDULE_SET || j->op == OP_REVIEW || j->op == OP_CLOSE ||
             j->op == OP_REOPEN;
    c->in_flight++;
    c->refs++;
    rs_dbq_push(writes ? &c->srv->wq : &c->srv->rq, &j->job);
}

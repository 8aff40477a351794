/*
 * rs_records_req.c - RecordsRequest: the listing of township records for
 * review, a year's by division, type and review state, or every version
 * of one record.
 *
 * The request's role, scope and values are checked on the loop thread;
 * what passes becomes a job on the reporter queue.  Its work() reads the
 * page from the store (rs_store_browse) and unpacks each stored record on
 * the pool thread; done() builds the reply from the job on the loop.
 *
 * Who may list what (proto/README.md, "Listing records"): a township
 * office its own division, a central office its district or one division
 * below it; as StatusRequest.
 *
 * Does not: decide what matches or how it is ordered (server/store/), or
 * review anything (rs_year_req.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_log.h"
#include "rs_net_int.h"
#include "rs_rtype.h"
#include "rs_util.h"
#include "rs_wire.h"

#define ID_MAX 128                  /* bytes of a record id in a request */
#define TYPE_MAX 64                 /* bytes of a type name in a request */

struct records_job {
    struct rs_dbq_job job;
    struct rs_conn *conn;
    uint64_t request_id;
    bool has_request_id;
    /* in */
    char scope[16];
    char record_id[ID_MAX + 1];
    struct rs_browse_q q;
    /* out */
    rs_status rc;
    char err[512];
    struct rs_browse_out out;
    Rs__Record **recs;              /* unpacked out.rows[i].body, NULL if it does not unpack */
    char (*labels)[128];
};

static void job_free(struct records_job *j)
{
    for (size_t i = 0; j->recs && i < j->out.n; i++)
        if (j->recs[i])
            rs__record__free_unpacked(j->recs[i], NULL);
    free(j->recs);
    free(j->labels);
    rs_browse_out_free(&j->out);
    free(j);
}

/* ------------------------------------------------------------ work (pool thread) */

static void records_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct records_job *j = (struct records_job *)job;

    j->rc = rs_store_browse(store, &j->q, &j->out, j->err, sizeof(j->err));
    if (j->rc)
        return;
    j->recs = calloc(j->out.n ? j->out.n : 1, sizeof(*j->recs));
    j->labels = calloc(j->out.n ? j->out.n : 1, sizeof(*j->labels));
    if (!j->recs || !j->labels) {
        j->rc = RS_ENOMEM;
        snprintf(j->err, sizeof(j->err), "out of memory");
        return;
    }
    for (size_t i = 0; i < j->out.n; i++) {
        const char *key;

        j->recs[i] = rs__record__unpack(NULL, j->out.rows[i].body_len, j->out.rows[i].body);
        key = j->recs[i] ? rs_record_label_key(j->recs[i]) : NULL;
        if (key)
            (void)rs_utf8_copy(j->labels[i], sizeof(j->labels[i]), key);
    }
}

/* ------------------------------------------------------------ reply (loop thread) */

static void reply_records(struct records_job *j)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__RecordsReply r = RS__RECORDS_REPLY__INIT;
    size_t n = j->out.n;
    Rs__RecordItem *v = calloc(n ? n : 1, sizeof(*v));
    Rs__RecordItem **p = calloc(n ? n : 1, sizeof(*p));

    if (!v || !p) {
        free(v);
        free(p);
        rs_conn_error(j->conn, j->has_request_id ? &j->request_id : NULL, RS_ENOMEM,
                      "out of memory", false);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct rs_browse_row *row = &j->out.rows[i];

        rs__record_item__init(&v[i]);
        v[i].record_id = row->record_id;
        v[i].label = j->labels[i][0] ? j->labels[i] : NULL;
        v[i].record_type = (char *)rs_rtype_name(row->type);
        v[i].division_code = row->division;
        v[i].has_year = true;
        v[i].year = row->year;
        v[i].has_period = true;
        v[i].period = row->period;
        v[i].has_version = true;
        v[i].version = row->version;
        v[i].has_received_at = true;
        v[i].received_at = row->received_at;
        v[i].batch_id = row->batch_id[0] ? row->batch_id : NULL;
        v[i].has_state = true;
        v[i].state = row->state;
        if (row->state != RS__REVIEW_STATE__RVS_PENDING) {
            v[i].comment = row->comment;
            v[i].reviewer = row->reviewer;
            v[i].reviewer_name = row->reviewer_name;
            v[i].has_reviewed_at = true;
            v[i].reviewed_at = row->reviewed_at;
        }
        v[i].has_current = true;
        v[i].current = row->current;
        v[i].superseded_by = row->current ? NULL : row->superseded_by;
        v[i].record = j->recs[i];
        p[i] = &v[i];
    }
    r.n_items = n;
    r.items = p;
    r.has_total = true;
    r.total = j->out.total;
    r.has_more = true;
    r.more = (uint64_t)j->q.offset + n < j->out.total;
    env.msg_case = RS__ENVELOPE__MSG_RECORDS;
    env.records = &r;
    env.has_request_id = j->has_request_id;
    env.request_id = j->request_id;
    rs_conn_send(j->conn, &env);
    free(p);
    free(v);
}

static void records_done(struct rs_dbq_job *job, bool canceled)
{
    struct records_job *j = (struct records_job *)job;
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
        reply_records(j);
        rs_log(RS_LOG_INFO, c->id, c->peer, "records %u for %s: %zu of %u", (unsigned)j->q.year,
               j->scope, j->out.n, (unsigned)j->out.total);
    }
    rs_conn_update_reading(c);
    rs_conn_pump(c);
out:
    rs_conn_unref(c);
    job_free(j);
}

/* ------------------------------------------------------------ checks (loop thread) */

/* Fills j from the request; false when it was answered (refused) here. */
static bool prepare(struct rs_conn *c, const Rs__RecordsRequest *m, const uint64_t *prid,
                    struct records_job *j)
{
    char msg[160], zh[160];

    if (!rs_req_scope(c, prid, m->division, j->scope))
        return false;
    if (m->record_id && m->record_id[0]) {
        if (strnlen(m->record_id, ID_MAX + 1) > ID_MAX) {
            snprintf(msg, sizeof(msg), "the record id is longer than %d bytes", ID_MAX);
            snprintf(zh, sizeof(zh), "记录 ID 超过 %d 字节", ID_MAX);
            rs_conn_refuse(c, prid, RS_ETOOBIG, msg, zh);
            return false;
        }
        snprintf(j->record_id, sizeof(j->record_id), "%s", m->record_id);
        j->q.record_id = j->record_id;
    } else if (!rs_req_year(c, prid, m->has_year, m->year)) {
        return false;
    }
    j->q.year = m->has_year ? m->year : 0;
    j->q.type = RS__RECORD__BODY__NOT_SET;
    if (m->record_type && m->record_type[0]) {
        if (strnlen(m->record_type, TYPE_MAX + 1) > TYPE_MAX) {
            rs_conn_refuse(c, prid, RS_ETOOBIG, "the record type is longer than 64 bytes",
                           "记录类型超过 64 字节");
            return false;
        }
        j->q.type = rs_rtype_parse(m->record_type);
        if (!rs_rtype_is_township(j->q.type)) {
            snprintf(msg, sizeof(msg), "\"%s\" is not a township record type",
                     m->record_type);
            snprintf(zh, sizeof(zh), "“%s”不是乡镇报送的记录类型", m->record_type);
            rs_conn_refuse(c, prid, RS_EINVAL, msg, zh);
            return false;
        }
    }
    j->q.state = m->has_state ? m->state : RS__REVIEW_STATE__RVS_UNSPECIFIED;
    if (!protobuf_c_enum_descriptor_get_value(&rs__review_state__descriptor, (int)j->q.state)) {
        rs_conn_refuse(c, prid, RS_EINVAL, "unknown review state", "未知的审核状态");
        return false;
    }
    j->q.limit = m->has_limit && m->limit ? m->limit : RS_BROWSE_LIMIT_DEFAULT;
    if (j->q.limit > RS_BROWSE_LIMIT_MAX) {
        snprintf(msg, sizeof(msg), "the limit is %u; at most %d records a page",
                 (unsigned)j->q.limit, RS_BROWSE_LIMIT_MAX);
        snprintf(zh, sizeof(zh), "每页 %u 条过多；每页最多 %d 条", (unsigned)j->q.limit,
                 RS_BROWSE_LIMIT_MAX);
        rs_conn_refuse(c, prid, RS_ETOOBIG, msg, zh);
        return false;
    }
    j->q.offset = m->has_offset ? m->offset : 0;
    j->q.scope = j->scope;
    return true;
}

void rs_records_req_handle(struct rs_conn *c, const Rs__Envelope *env)
{
    uint64_t rid = env->request_id;
    const uint64_t *prid = env->has_request_id ? &rid : NULL;
    struct records_job *j;

    if (env->msg_case != RS__ENVELOPE__MSG_RECORDS_REQUEST) {
        rs_conn_error(c, prid, RS_EPROTO, "unexpected message", true);
        return;
    }
    j = calloc(1, sizeof(*j));
    if (!j) {
        rs_conn_error(c, prid, RS_ENOMEM, "out of memory", false);
        return;
    }
    if (!prepare(c, env->records_request, prid, j)) {
        job_free(j);
        return;
    }
    j->job.work = records_work;
    j->job.done = records_done;
    j->conn = c;
    j->has_request_id = env->has_request_id;
    j->request_id = env->request_id;
    c->in_flight++;
    c->refs++;
    rs_dbq_push(&c->srv->rq, &j->job);
}

/*
 * rs_session.c - handshake, windowed batch delivery, reports, and one
 * request and its reply for the reporting year's messages.
 *
 * Speaks protocol version RS_PROTOCOL_VERSION (2): a batch carries each
 * record as the bytes the outbox packed when the record was queued, so
 * nothing is unpacked or packed again on the way out.
 */
#include "rs_session.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_util.h"
#include "rs_wire.h"

/* Keeps a batch well under the server's frame cap (1 MiB by default). */
#define BATCH_BYTES (768u * 1024u)

/* A batch on the wire, remembered until its ack arrives. */
struct flight {
    uint64_t request_id;
    size_t n;
};

/*
 * What an Error code means to the clerk, in Chinese, for an Error without
 * its Chinese text (a protocol or server fault, or an older server).  The
 * server's own message (as its log has it) follows as the detail an
 * administrator asks for.
 */
static const char *error_lead(Rs__ErrorCode code)
{
    switch (code) {
    case RS__ERROR_CODE__ERR_PROTOCOL: return "服务器认为请求的格式有误";
    case RS__ERROR_CODE__ERR_VERSION: return "本程序与服务器的协议版本不兼容";
    case RS__ERROR_CODE__ERR_AUTH: return "服务器拒绝登录：单位代码未登记，或令牌不对、已被吊销";
    case RS__ERROR_CODE__ERR_FORBIDDEN: return "服务器拒绝：本单位的角色或辖区不允许此操作";
    case RS__ERROR_CODE__ERR_TOO_BIG: return "请求超过了服务器的上限";
    case RS__ERROR_CODE__ERR_BUSY: return "服务器繁忙，请稍后再试";
    case RS__ERROR_CODE__ERR_STORAGE: return "服务器未能确认保存，本批记录留在发件箱中待重发";
    case RS__ERROR_CODE__ERR_TIMEOUT: return "服务器等待超时";
    case RS__ERROR_CODE__ERR_SHUTDOWN: return "服务器正在停止";
    case RS__ERROR_CODE__ERR_INVALID: return "服务器认为请求中的值有误";
    case RS__ERROR_CODE__ERR_RATE_LIMITED: return "本机地址登录失败次数过多，服务器暂时拒绝";
    case RS__ERROR_CODE__ERR_LOCKED: return "该报告年度已结账，其记录不能再报送或修改";
    default: return "服务器内部错误";
    }
}

static rs_status server_error(const Rs__Envelope *env, char *err, size_t errlen)
{
    const Rs__Error *e = env->error;
    Rs__ErrorCode code = e->has_code ? e->code : RS__ERROR_CODE__ERR_INTERNAL;

    if (e->text && e->text[0])
        snprintf(err, errlen, "%s", e->text);
    else if (e->message && e->message[0])
        snprintf(err, errlen, "%s（服务器说明：%s）", error_lead(code), e->message);
    else
        snprintf(err, errlen, "%s", error_lead(code));
    return rs_status_from_wire(code);
}

rs_status rs_session_open(struct rs_session *s, const char *server,
                          const struct rs_net_security *sec, const char *office,
                          const char *token, uint32_t timeout_ms, char *err, size_t errlen)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__Hello hello = RS__HELLO__INIT;
    rs_status rc;

    memset(s, 0, sizeof(*s));
    rc = rs_net_connect(&s->net, server, sec, timeout_ms, err, errlen);
    if (rc)
        return rc;
    hello.has_protocol_version = true;
    hello.protocol_version = RS_PROTOCOL_VERSION;
    hello.office_code = (char *)office;
    hello.token = (char *)token;
    hello.client_version = RS_VERSION;
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &hello;
    rc = rs_net_send(&s->net, &env, err, errlen);
    if (rc == RS_OK)
        rc = rs_net_recv(&s->net, &reply, err, errlen);
    if (rc == RS_ECLOSED && sec->plaintext && !s->net.got_any) {
        snprintf(err, errlen, "服务器未应答登录就关闭了连接（如果它使用 TLS，"
                              "请去掉 --plaintext，给出 --ca 文件 或 --pin）");
        goto out;
    }
    if (rc)
        goto out;
    if (reply->msg_case == RS__ENVELOPE__MSG_ERROR) {
        rc = server_error(reply, err, errlen);
        if (rc == RS_EVERSION) {
            size_t used = strlen(err);

            snprintf(err + used, errlen - used,
                     "（本程序使用协议版本 %d；不支持该版本的服务器须升级）",
                     RS_PROTOCOL_VERSION);
        }
        goto out;
    }
    if (reply->msg_case != RS__ENVELOPE__MSG_WELCOME) {
        snprintf(err, errlen, "服务器对登录的应答不是预期的消息");
        rc = RS_EPROTO;
        goto out;
    }
    if (reply->welcome->has_protocol_version &&
        reply->welcome->protocol_version != RS_PROTOCOL_VERSION) {
        snprintf(err, errlen, "服务器接受的协议版本是 %u，不是本程序的 %d",
                 (unsigned)reply->welcome->protocol_version, RS_PROTOCOL_VERSION);
        rc = RS_EVERSION;
        goto out;
    }
    snprintf(s->office_code, sizeof(s->office_code), "%s",
             reply->welcome->office_code ? reply->welcome->office_code : office);
    snprintf(s->office_name, sizeof(s->office_name), "%s",
             reply->welcome->office_name ? reply->welcome->office_name : "");
    s->role = reply->welcome->role;
    s->max_batch = reply->welcome->has_max_batch_records ? reply->welcome->max_batch_records
                                                         : RS_MAX_BATCH_RECORDS;
    s->max_in_flight = reply->welcome->has_max_in_flight ? reply->welcome->max_in_flight : 1;
    s->max_frame = reply->welcome->has_max_frame_bytes ? reply->welcome->max_frame_bytes
                                                       : RS_FRAME_MAX_DEFAULT;
    if (s->max_batch == 0)
        s->max_batch = 1;
    if (s->max_in_flight == 0)
        s->max_in_flight = 1;
out:
    if (reply)
        rs__envelope__free_unpacked(reply, NULL);
    if (rc)
        rs_net_close(&s->net);
    return rc;
}

void rs_session_close(struct rs_session *s)
{
    rs_net_close(&s->net);
}

/*
 * Sends up to limit pending records after *cursor as one batch: each record
 * as the bytes the outbox holds, packed once when it was queued (protocol
 * version 2, SubmitBatch.record_bytes).
 */
static rs_status send_batch(struct rs_session *s, struct rs_outbox *ob, uint32_t limit,
                            int64_t *cursor, struct flight *f, char *err, size_t errlen)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    struct rs_outbox_item *items;
    ProtobufCBinaryData *recs;
    char batch_id[RS_UUID_LEN + 1];
    size_t n = 0, i, k = 0, bytes = 0;
    size_t batch_bytes = s->max_frame / 4 * 3 < BATCH_BYTES ? s->max_frame / 4 * 3 : BATCH_BYTES;
    rs_status rc;

    items = calloc(limit, sizeof(*items));
    recs = calloc(limit, sizeof(*recs));
    if (!items || !recs) {
        rc = RS_ENOMEM;
        goto out;
    }
    rc = rs_outbox_pending(ob, *cursor, items, limit, &n);
    if (rc) {
        snprintf(err, errlen, "无法读取发件箱");
        goto out;
    }
    f->n = 0;
    if (n == 0)
        goto out;
    for (i = 0; i < n; i++) {
        bytes += items[i].len + 8;
        if (k > 0 && bytes > batch_bytes)
            break;      /* the rest goes in the next batch */
        recs[k].data = items[i].body;
        recs[k].len = items[i].len;
        k++;
    }
    rc = rs_uuid_random(batch_id);
    if (rc)
        goto out;
    sb.batch_id = batch_id;
    sb.n_record_bytes = k;
    sb.record_bytes = recs;
    env.has_request_id = true;
    env.request_id = ++s->next_request;
    env.msg_case = RS__ENVELOPE__MSG_SUBMIT;
    env.submit = &sb;
    rc = rs_net_send(&s->net, &env, err, errlen);
    if (rc)
        goto out;
    f->request_id = env.request_id;
    f->n = k;
    *cursor = items[k - 1].seq;
out:
    for (i = 0; items && i < n; i++)
        free(items[i].body);
    free(recs);
    free(items);
    return rc;
}

static enum rs_outbox_state state_of(Rs__AckStatus st)
{
    switch (st) {
    case RS__ACK_STATUS__ACK_STORED:
        return RS_OB_STORED;
    case RS__ACK_STATUS__ACK_DUPLICATE:
        return RS_OB_DUPLICATE;
    case RS__ACK_STATUS__ACK_CONFLICT:
        return RS_OB_CONFLICT;
    case RS__ACK_STATUS__ACK_REJECTED:
        return RS_OB_REJECTED;
    default:
        return RS_OB_PENDING;
    }
}

static rs_status apply_acks(struct rs_outbox *ob, const Rs__BatchAck *ack,
                            struct rs_sync_stats *stats)
{
    struct rs_outbox_receipt receipt = {0};
    rs_status rc;
    size_t i;

    if (ack->has_receipt_hash && ack->receipt_hash.len == sizeof(receipt.hash) &&
        ack->has_receipt_seq && ack->receipt_seq > 0 && ack->receipt_seq <= (uint64_t)INT64_MAX) {
        memcpy(receipt.hash, ack->receipt_hash.data, sizeof(receipt.hash));
        receipt.seq = ack->receipt_seq;
    }
    rc = rs_outbox_begin(ob);
    if (rc)
        return rc;
    for (i = 0; i < ack->n_acks; i++) {
        const Rs__RecordAck *a = ack->acks[i];
        enum rs_outbox_state st = state_of(a->has_status ? a->status : 0);

        if (!a->id || st == RS_OB_PENDING)
            continue;
        /* The outbox keeps what the clerk reads: the Chinese text, from a server that sends it. */
        rc = rs_outbox_ack_receipt(ob, a->id, st, a->field,
                                   a->text && a->text[0] ? a->text : a->reason,
                                   a->has_server_seq ? a->server_seq : 0,
                                   receipt.seq ? &receipt : NULL);
        if (rc) {
            rs_outbox_rollback(ob);
            return rc;
        }
        switch (st) {
        case RS_OB_STORED: stats->stored++; break;
        case RS_OB_DUPLICATE: stats->duplicate++; break;
        case RS_OB_CONFLICT: stats->conflict++; break;
        case RS_OB_REJECTED: stats->rejected++; break;
        case RS_OB_PENDING: break;
        }
    }
    return rs_outbox_commit(ob);
}

rs_status rs_session_sync(struct rs_session *s, struct rs_outbox *ob, uint32_t batch_limit,
                          struct rs_sync_stats *stats, char *err, size_t errlen)
{
    uint32_t limit = batch_limit && batch_limit < s->max_batch ? batch_limit : s->max_batch;
    struct flight *win = calloc(s->max_in_flight, sizeof(*win));
    size_t head = 0, count = 0;
    int64_t cursor = 0;
    bool drained = false;
    rs_status rc = RS_OK, failed = RS_OK;

    if (!win)
        return RS_ENOMEM;
    for (;;) {
        Rs__Envelope *reply = NULL;

        /* Fill the window while there is something to send. */
        while (!drained && failed == RS_OK && count < s->max_in_flight) {
            struct flight *f = &win[(head + count) % s->max_in_flight];

            rc = send_batch(s, ob, limit, &cursor, f, err, errlen);
            if (rc)
                goto out;
            if (f->n == 0) {
                drained = true;
                break;
            }
            stats->sent += f->n;
            count++;
        }
        if (count == 0)
            break;
        rc = rs_net_recv(&s->net, &reply, err, errlen);
        if (rc)
            goto out;
        if (reply->msg_case == RS__ENVELOPE__MSG_ACK) {
            rc = apply_acks(ob, reply->ack, stats);
            if (rc)
                snprintf(err, errlen, "无法在发件箱中记下回执");
        } else if (reply->msg_case == RS__ENVELOPE__MSG_ERROR) {
            rs_status st = server_error(reply, err, errlen);

            if (reply->error->has_close && reply->error->close)
                rc = st;
            else if (failed == RS_OK)
                failed = st;    /* stop sending; collect the other replies */
        } else {
            snprintf(err, errlen, "服务器对一批记录的应答不是预期的消息");
            rc = RS_EPROTO;
        }
        rs__envelope__free_unpacked(reply, NULL);
        if (rc)
            goto out;
        /* Replies come in request order on one connection. */
        head = (head + 1) % s->max_in_flight;
        count--;
    }
    rc = failed;
out:
    free(win);
    return rc;
}

rs_status rs_session_call(struct rs_session *s, Rs__Envelope *req, Rs__Envelope__MsgCase want,
                          Rs__Envelope **reply, char *err, size_t errlen)
{
    Rs__Envelope *r = NULL;
    rs_status rc;

    *reply = NULL;
    req->has_request_id = true;
    req->request_id = ++s->next_request;
    rc = rs_net_send(&s->net, req, err, errlen);
    if (rc == RS_OK)
        rc = rs_net_recv(&s->net, &r, err, errlen);
    if (rc)
        return rc;
    if (r->msg_case == RS__ENVELOPE__MSG_ERROR) {
        rc = server_error(r, err, errlen);
    } else if (r->msg_case != want) {
        snprintf(err, errlen, "服务器的应答不是预期的消息");
        rc = RS_EPROTO;
    }
    if (rc) {
        rs__envelope__free_unpacked(r, NULL);
        return rc;
    }
    *reply = r;
    return RS_OK;
}

rs_status rs_session_report(struct rs_session *s, uint32_t year, Rs__ReportFormat fmt,
                            const char *framework, const char *division, bool accepted_only,
                            char **out, size_t *len, uint32_t *issue, char *err,
                            size_t errlen)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;
    rs_status rc;

    rq.has_year = true;
    rq.year = year;
    rq.has_format = true;
    rq.format = fmt;
    rq.framework = (char *)framework;
    rq.division = (char *)division;
    if (accepted_only) {
        rq.has_accepted_only = true;
        rq.accepted_only = true;
    }
    if (issue)
        *issue = 0;
    env.has_request_id = true;
    env.request_id = ++s->next_request;
    env.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
    env.report_request = &rq;
    rc = rs_net_send(&s->net, &env, err, errlen);
    if (rc == RS_OK)
        rc = rs_net_recv(&s->net, &reply, err, errlen);
    if (rc)
        return rc;
    if (reply->msg_case == RS__ENVELOPE__MSG_ERROR) {
        rc = server_error(reply, err, errlen);
    } else if (reply->msg_case != RS__ENVELOPE__MSG_REPORT || !reply->report->has_body) {
        snprintf(err, errlen, "服务器对报告请求的应答不是预期的消息");
        rc = RS_EPROTO;
    } else {
        *out = malloc(reply->report->body.len + 1);
        if (!*out) {
            rc = RS_ENOMEM;
        } else {
            memcpy(*out, reply->report->body.data, reply->report->body.len);
            (*out)[reply->report->body.len] = '\0';
            *len = reply->report->body.len;
            if (issue && reply->report->has_issue)
                *issue = reply->report->issue;
        }
    }
    rs__envelope__free_unpacked(reply, NULL);
    return rc;
}

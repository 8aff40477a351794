/*
 * rs_conn.c - one connection of resettled: reading, framing, dispatching
 * frames, writing replies, timers, closing, and its lifetime.
 *
 * Reading: libuv's reads go into the frame reassembler (plaintext) or into
 * the TLS read BIO.  rs_conn_pump hands complete frames to handle_frame only
 * while the connection may take another request (not closing, not waiting
 * for its token check, fewer than cfg.max_in_flight requests open), and
 * reading stops while that does not hold or while more than
 * cfg.write_queue_high bytes of replies wait to be written: a peer that
 * does not read its replies is not read either, and one that lets more than
 * cfg.write_queue_max pile up is closed.
 *
 * TLS: with a certificate, every connection carries a struct rs_tls.  Bytes
 * read are fed to its read BIO (through one shared read buffer, since libuv
 * calls alloc and read back to back); rs_conn_pump pulls plaintext into the
 * frame reassembler only while it can process frames, so back-pressure
 * works as in plaintext; everything written goes through SSL_write and the
 * write BIO's ciphertext is handed to uv_write.
 *
 * The pool of connections not yet signed in: every accepted connection is
 * in srv's list (oldest first) until its Welcome or its close, at most
 * cfg.max_unauth of them and cfg.max_unauth_per_addr from one address.  A
 * flood of connections that never sign in therefore holds only the pool:
 * when it is full the one that has waited longest without a Hello, from an
 * address at least as heavy in the pool as the newcomer's, is closed to
 * make room, so an office that connects and signs in at once is served.
 *
 * Does not: check tokens (rs_handshake.c), records (rs_submit.c) or report
 * requests (rs_report_req.c), or accept connections (rs_listener.c).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "rs_fault.h"
#include "rs_frame.h"
#include "rs_log.h"
#include "rs_net_int.h"
#include "rs_tls.h"
#include "rs_wire.h"

/* The write request and its bytes live in one allocation. */
struct wreq {
    uv_write_t req;
    struct rs_conn *conn;
    uv_buf_t buf;
};

static void handle_frame(struct rs_conn *c, const uint8_t *p, size_t len);
static void conn_error(struct rs_conn *c, const uint64_t *request_id, Rs__ErrorCode code,
                       const char *name, const char *msg, const char *text, bool close,
                       enum rs_log_level lvl);

const char *rs_net_log_safe(const char *in, char out[72])
{
    size_t i = 0;

    if (!in)
        in = "-";
    for (; in[i] && i < 64; i++)
        out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
    if (in[i])
        out[i++] = '~';
    out[i] = '\0';
    return out;
}

/* ------------------------------------------------------------ lifetime */

size_t rs_conn_frame_cap(const struct rs_conn *c)
{
    size_t cap = c->srv->cfg.max_frame;

    return c->st == ST_READY || cap < RS_HELLO_FRAME_MAX ? cap : RS_HELLO_FRAME_MAX;
}

/* The refusal of a frame over the cap: it names the cap before sign-in. */
static void refuse_too_big(struct rs_conn *c)
{
    char msg[96];

    if (c->st == ST_READY)
        snprintf(msg, sizeof(msg), "frame over the size cap");
    else
        snprintf(msg, sizeof(msg), "frame over the size cap before sign-in (%zu bytes)",
                 rs_conn_frame_cap(c));
    rs_conn_error(c, NULL, RS_ETOOBIG, msg, true);
}

struct rs_conn *rs_conn_new(struct rs_server *srv)
{
    struct rs_conn *c = rs_net_calloc(RS_NET_FAULT_CONN, 1, sizeof(*c));

    if (!c)
        return NULL;
    c->srv = srv;
    c->id = ++srv->next_id;
    c->refs = 2;
    rs_frame_rx_init(&c->rx, rs_conn_frame_cap(c));
    uv_tcp_init(&srv->loop, &c->tcp);
    uv_timer_init(&srv->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    return c;
}

void rs_conn_unauth_leave(struct rs_conn *c)
{
    struct rs_server *srv = c->srv;

    if (!c->in_unauth)
        return;
    if (c->uprev)
        c->uprev->unext = c->unext;
    else
        srv->unauth = c->unext;
    if (c->unext)
        c->unext->uprev = c->uprev;
    else
        srv->unauth_tail = c->uprev;
    c->uprev = c->unext = NULL;
    c->in_unauth = false;
    srv->nunauth--;
    rs_ratelimit_unauth_release(c->ac);
    c->ac = NULL;
}

/*
 * The connection of the pool to close for a newcomer whose address holds
 * `mine` of the pool (itself included), see rs_conn_unauth_enter: the
 * oldest without a Hello from an address holding at least `mine`, polled
 * once; else the oldest such one from an address holding more than
 * `mine`; NULL if none.
 */
static struct rs_conn *unauth_victim(struct rs_server *srv, uint32_t mine)
{
    struct rs_conn *young = NULL;

    for (struct rs_conn *v = srv->unauth; v; v = v->unext) {
        if (v->st != ST_HELLO || v->ac->unauth < mine)
            continue;
        if (v->accepted_iter + 2 <= srv->loop_iter)
            return v;
        if (!young && v->ac->unauth > mine)
            young = v;
    }
    return young;
}

bool rs_conn_unauth_enter(struct rs_conn *c)
{
    struct rs_server *srv = c->srv;
    struct addr_count *ac = rs_ratelimit_unauth_acquire(srv, c->addr);

    if (!ac) {
        rs_conn_refuse_busy(c, "too many connections from this address waiting to sign in");
        return false;
    }
    if (srv->nunauth >= srv->cfg.max_unauth) {
        struct rs_conn *v = unauth_victim(srv, ac->unauth);

        if (!v) {
            rs_ratelimit_unauth_release(ac);
            rs_conn_refuse_busy(c, "server has too many connections waiting to sign in");
            return false;
        }
        srv->unauth_evicted++;
        if ((srv->unauth_evicted & (srv->unauth_evicted - 1)) == 0)
            RS_WARN("%llu connections that had not signed in closed for newer ones "
                    "(the pool holds %u)",
                    (unsigned long long)srv->unauth_evicted, srv->cfg.max_unauth);
        rs_conn_unauth_leave(v);
        conn_error(v, NULL, RS__ERROR_CODE__ERR_BUSY, "ERR_BUSY",
                   "server has too many connections waiting to sign in; this one waited "
                   "longest",
                   NULL, true, RS_LOG_DEBUG);
    }
    c->in_unauth = true;
    c->ac = ac;
    c->accepted_iter = srv->loop_iter;
    c->uprev = srv->unauth_tail;
    c->unext = NULL;
    if (srv->unauth_tail)
        srv->unauth_tail->unext = c;
    else
        srv->unauth = c;
    srv->unauth_tail = c;
    srv->nunauth++;
    return true;
}

void rs_conn_unref(struct rs_conn *c)
{
    struct rs_server *srv = c->srv;

    if (--c->refs > 0)
        return;
    rs_conn_unauth_leave(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    if (c->addr[0])
        rs_ratelimit_release(srv, c->addr);
    rs_frame_rx_free(&c->rx);
    rs_tls_free(c->tls);
    free(c);
    rs_listener_maybe_finish(srv);
}

static void on_handle_closed(uv_handle_t *h)
{
    rs_conn_unref(h->data);
}

void rs_conn_close(struct rs_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->reading = false;
    rs_conn_unauth_leave(c);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    rs_log(RS_LOG_DEBUG, c->id, c->peer, "closed");
}

/* ------------------------------------------------------------ writing */

static void on_write(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    struct rs_conn *c = w->conn;

    free(w);
    c->writes--;
    if (status < 0) {
        if (status != UV_ECANCELED)
            rs_log(RS_LOG_WARN, c->id, c->peer, "write failed: %s", uv_strerror(status));
        rs_conn_close(c);
        return;
    }
    if (c->close_after_write && c->writes == 0) {
        rs_conn_close(c);
        return;
    }
    rs_conn_update_reading(c);
    rs_conn_pump(c);
}

/* Queues one prepared write request; false (connection closing) on failure. */
static bool conn_write(struct rs_conn *c, struct wreq *w, const uint8_t *bytes, size_t len)
{
    int r;

    w->conn = c;
    w->buf = uv_buf_init((char *)bytes, (unsigned)len);
    r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &w->buf, 1, on_write);
    if (r < 0) {
        free(w);
        rs_log(RS_LOG_WARN, c->id, c->peer, "write failed: %s", uv_strerror(r));
        rs_conn_close(c);
        return false;
    }
    c->writes++;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > c->srv->cfg.write_queue_max) {
        rs_log(RS_LOG_WARN, c->id, c->peer, "peer does not read its replies; closing");
        rs_conn_close(c);
        return false;
    }
    return true;
}

/* Hands the ciphertext the TLS state has queued (handshake, records, alerts) to the socket. */
static void tls_flush(struct rs_conn *c)
{
    struct wreq *w;
    size_t n;

    if (!c->tls || c->closing)
        return;
    n = rs_tls_pending(c->tls);
    if (n == 0)
        return;
    w = malloc(sizeof(*w) + n);
    if (!w) {
        rs_log(RS_LOG_ERROR, c->id, c->peer, "out of memory for %zu bytes of TLS output", n);
        rs_conn_close(c);
        return;
    }
    n = rs_tls_take(c->tls, (uint8_t *)(w + 1), n);
    conn_write(c, w, (const uint8_t *)(w + 1), n);
}

void rs_conn_send(struct rs_conn *c, const Rs__Envelope *env)
{
    uint8_t *bytes;
    size_t len, head = c->tls ? 0 : sizeof(struct wreq);
    rs_status rc;

    if (c->closing)
        return;
    if (c->tls && !rs_tls_ready(c->tls)) {
        /* Nothing can be said before the handshake; the caller closes. */
        rs_log(RS_LOG_DEBUG, c->id, c->peer, "reply dropped: TLS handshake not complete");
        return;
    }
    rc = rs_wire_pack(env, RS_MAX_REPORT_BYTES + 65536, head, &bytes, &len);
    if (rc) {
        rs_log(RS_LOG_ERROR, c->id, c->peer, "cannot encode reply: %s", rs_status_str(rc));
        rs_conn_close(c);
        return;
    }
    if (c->tls) {
        rc = rs_tls_write(c->tls, bytes, len);
        free(bytes);
        if (rc) {
            rs_log(RS_LOG_WARN, c->id, c->peer, "TLS write failed: %s", rs_status_str(rc));
            rs_conn_close(c);
            return;
        }
        tls_flush(c);
        return;
    }
    conn_write(c, (struct wreq *)(void *)(bytes - sizeof(struct wreq)), bytes, len);
}

/* Stops reading and closes once what is queued (and a TLS alert, if any) is written. */
static void close_after_flush(struct rs_conn *c)
{
    c->close_after_write = true;
    c->reading = false;
    uv_read_stop((uv_stream_t *)&c->tcp);
    tls_flush(c);
    if (c->writes == 0)
        rs_conn_close(c);
}

static void conn_error(struct rs_conn *c, const uint64_t *request_id, Rs__ErrorCode code,
                       const char *name, const char *msg, const char *text, bool close,
                       enum rs_log_level lvl)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Error e = RS__ERROR__INIT;

    e.has_code = true;
    e.code = code;
    e.message = (char *)msg;
    if (text && text[0])
        e.text = (char *)text;
    e.has_close = true;
    e.close = close;
    if (request_id) {
        env.has_request_id = true;
        env.request_id = *request_id;
    }
    env.msg_case = RS__ENVELOPE__MSG_ERROR;
    env.error = &e;
    rs_log_office(lvl, c->id, c->peer, c->office.code, "error %s: %s%s", name, msg,
                  close ? " (closing)" : "");
    if (close) {
        c->close_after_write = true;
        c->reading = false;
        uv_read_stop((uv_stream_t *)&c->tcp);
    }
    rs_conn_send(c, &env);
    if (close && c->tls && !c->closing && rs_tls_ready(c->tls)) {
        rs_tls_shutdown(c->tls);
        tls_flush(c);
    }
    if (close && c->writes == 0)
        rs_conn_close(c);
}

void rs_conn_error_code(struct rs_conn *c, const uint64_t *request_id, Rs__ErrorCode code,
                        const char *name, const char *msg, bool close)
{
    conn_error(c, request_id, code, name, msg, NULL, close, close ? RS_LOG_WARN : RS_LOG_INFO);
}

void rs_conn_error(struct rs_conn *c, const uint64_t *request_id, rs_status st,
                   const char *msg, bool close)
{
    rs_conn_error_code(c, request_id, rs_status_to_wire(st), rs_status_name(st), msg, close);
}

void rs_conn_refuse(struct rs_conn *c, const uint64_t *request_id, rs_status st,
                    const char *msg, const char *text)
{
    conn_error(c, request_id, rs_status_to_wire(st), rs_status_name(st), msg, text, false,
               RS_LOG_INFO);
}

void rs_conn_end_for_shutdown(struct rs_conn *c)
{
    if (c->st == ST_READY && !c->closing && !c->close_after_write)
        conn_error(c, NULL, RS__ERROR_CODE__ERR_SHUTDOWN, "ERR_SHUTDOWN",
                   "server is stopping; send again later", NULL, true, RS_LOG_DEBUG);
    else
        rs_conn_close(c);
}

void rs_conn_refuse_busy(struct rs_conn *c, const char *msg)
{
    struct rs_server *srv = c->srv;

    srv->busy_refused++;
    /* One line per refusal only at debug level, and a count at every power of
     * two: a flood of connections must not become a flood of log lines. */
    if ((srv->busy_refused & (srv->busy_refused - 1)) == 0)
        RS_WARN("%llu connections refused ERR_BUSY so far; the latest from %s: %s",
                (unsigned long long)srv->busy_refused, c->addr, msg);
    conn_error(c, NULL, RS__ERROR_CODE__ERR_BUSY, "ERR_BUSY", msg, NULL, true, RS_LOG_DEBUG);
}

/* ------------------------------------------------------------ reading */

static bool conn_can_process(const struct rs_conn *c)
{
    return !c->closing && !c->close_after_write && c->st != ST_AUTHING &&
           c->in_flight < c->srv->cfg.max_in_flight;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *out)
{
    struct rs_conn *c = h->data;
    uint8_t *p;
    size_t n;

    (void)hint;
    if (c->tls) {
        *out = uv_buf_init((char *)c->srv->tls_buf, sizeof(c->srv->tls_buf));
        return;
    }
    if (rs_frame_rx_reserve(&c->rx, RS_FRAME_CHUNK, &p, &n) != RS_OK) {
        *out = uv_buf_init(NULL, 0);
        return;
    }
    *out = uv_buf_init((char *)p, (unsigned)n);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct rs_conn *c = s->data;

    if (n == 0)
        return;
    if (n < 0) {
        if (n == UV_ENOBUFS)
            refuse_too_big(c);
        else if (n == UV_EOF)
            rs_conn_close(c);
        else {
            rs_log(RS_LOG_INFO, c->id, c->peer, "read error: %s", uv_strerror((int)n));
            rs_conn_close(c);
        }
        return;
    }
    if (c->tls) {
        if (!c->seen_input) {
            c->seen_input = true;
            c->plain_peer = (uint8_t)buf->base[0] != 0x16;
        }
        if (rs_tls_feed(c->tls, (const uint8_t *)buf->base, (size_t)n) != RS_OK) {
            rs_log(RS_LOG_ERROR, c->id, c->peer, "out of memory buffering TLS input");
            rs_conn_close(c);
            return;
        }
    } else {
        rs_frame_rx_commit(&c->rx, (size_t)n);
    }
    if (c->st == ST_READY)
        uv_timer_again(&c->timer);      /* the handshake deadline never moves */
    rs_conn_pump(c);
}

void rs_conn_update_reading(struct rs_conn *c)
{
    bool want = conn_can_process(c) && !c->srv->stopping &&
                uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <
                    c->srv->cfg.write_queue_high;

    if (want == c->reading)
        return;
    if (want) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = true;
    } else {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

/* ------------------------------------------------------------ dispatch */

static void handle_frame(struct rs_conn *c, const uint8_t *p, size_t len)
{
    Rs__Envelope *env = NULL;
    /* A revoked office's request is unpacked only to be refused with its request id. */
    bool revoked = c->st == ST_READY && !rs_revoke_check(c);

    /* A batch is unpacked by rs_submit.c, into its own arena, after its caps. */
    if (c->st == ST_READY && !revoked && rs_handshake_role_on_wire(c->office.role) &&
        rs_wire_msg_case(p, len) == RS__ENVELOPE__MSG_SUBMIT) {
        struct rs_batch *b = rs_submit_batch(c, p, len);

        if (b)
            rs_commit_add(c->srv, b);
        return;
    }
    if (rs_wire_unpack(p, len, &env) != RS_OK) {
        rs_conn_error(c, NULL, RS_EPROTO, "unparsable message", true);
        return;
    }
    if (c->st == ST_HELLO) {
        if (env->msg_case != RS__ENVELOPE__MSG_HELLO)
            rs_conn_error(c, NULL, RS_EPROTO, "expected Hello first", true);
        else
            rs_handshake_hello(c, env->hello);
        rs__envelope__free_unpacked(env, NULL);
        return;
    }
    if (!rs_handshake_role_on_wire(c->office.role)) {
        rs_conn_error(c, env->has_request_id ? &env->request_id : NULL, RS_EFORBIDDEN,
                      "this office's role may not make requests", true);
        rs__envelope__free_unpacked(env, NULL);
        return;
    }
    if (revoked) {
        rs_conn_error(c, env->has_request_id ? &env->request_id : NULL, RS_EAUTH,
                      "this office has been revoked; its session is ended", true);
        rs__envelope__free_unpacked(env, NULL);
        return;
    }
    switch (env->msg_case) {
    case RS__ENVELOPE__MSG_SUBMIT:
        /* protobuf-c read a batch the scanner could not (a key of field
         * number 0, say): nothing else reads it. */
        rs_conn_error(c, NULL, RS_EPROTO, "unparsable message", true);
        break;
    case RS__ENVELOPE__MSG_REPORT_REQUEST:
        rs_report_req_handle(c, env);
        break;
    case RS__ENVELOPE__MSG_SCHEDULE_SET:
    case RS__ENVELOPE__MSG_SCHEDULE_REQUEST:
    case RS__ENVELOPE__MSG_REVIEW_REQUEST:
    case RS__ENVELOPE__MSG_STATUS_REQUEST:
    case RS__ENVELOPE__MSG_COMPLETENESS_REQUEST:
    case RS__ENVELOPE__MSG_YEAR_REQUEST:
        rs_year_req_handle(c, env);
        break;
    case RS__ENVELOPE__MSG_RECORDS_REQUEST:
        rs_records_req_handle(c, env);
        break;
    default:
        rs_conn_error(c, env->has_request_id ? &env->request_id : NULL, RS_EPROTO,
                      "unexpected message", true);
        break;
    }
    rs__envelope__free_unpacked(env, NULL);
}

/*
 * A client that does not speak TLS (its first byte is no TLS handshake
 * record) is told so in its own framing before the close, so it fails with
 * a reason instead of a bare reset.  Nothing secret is on this connection.
 */
static void send_plain_refusal(struct rs_conn *c)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Error e = RS__ERROR__INIT;
    uint8_t *bytes;
    size_t len;

    e.has_code = true;
    e.code = RS__ERROR_CODE__ERR_PROTOCOL;
    e.message = "this server speaks TLS only: connect with TLS (resettle --ca FILE or --pin "
                "sha256:HEX), not --plaintext";
    e.has_close = true;
    e.close = true;
    env.msg_case = RS__ENVELOPE__MSG_ERROR;
    env.error = &e;
    if (c->closing || rs_wire_pack(&env, 4096, sizeof(struct wreq), &bytes, &len) != RS_OK)
        return;
    conn_write(c, (struct wreq *)(void *)(bytes - sizeof(struct wreq)), bytes, len);
}

/*
 * Decrypts what the TLS state holds into the frame buffer: true if some
 * plaintext arrived, false if it needs more ciphertext or the connection
 * failed (then it is closing).
 */
static bool tls_pull(struct rs_conn *c)
{
    char why[256];
    uint8_t *p;
    size_t room, got = 0;
    rs_status rc = rs_frame_rx_reserve(&c->rx, RS_FRAME_CHUNK, &p, &room);

    if (rc == RS_ETOOBIG) {
        refuse_too_big(c);
        return false;
    }
    if (rc != RS_OK) {
        rs_conn_error(c, NULL, RS_ENOMEM, "out of memory", true);
        return false;
    }
    rc = rs_tls_read(c->tls, p, room, &got, why, sizeof(why));
    if (rc == RS_OK) {
        rs_frame_rx_commit(&c->rx, got);
        return true;
    }
    if (rc == RS_EAGAIN) {
        /* Nothing decrypted: do not keep the reserved buffer of an idle peer. */
        if (rs_frame_rx_pending(&c->rx) == 0)
            rs_frame_rx_free(&c->rx);
        return false;
    }
    if (rc == RS_ECLOSED) {
        rs_log(RS_LOG_DEBUG, c->id, c->peer, "peer closed the TLS session");
        rs_conn_close(c);
        return false;
    }
    rs_log(RS_LOG_WARN, c->id, c->peer, "TLS %s: %s (closing)",
           rs_tls_ready(c->tls) ? "error" : "handshake failed", why);
    if (!rs_tls_ready(c->tls) && c->plain_peer)
        send_plain_refusal(c);
    close_after_flush(c);
    return false;
}

void rs_conn_pump(struct rs_conn *c)
{
    /* A frame's request may be answered while it is handled (a batch the
     * writer refuses at once): that answer's pump must not take the same,
     * not yet consumed frame again; this loop goes on after it. */
    if (c->pumping)
        return;
    c->pumping = true;
    while (conn_can_process(c)) {
        const uint8_t *p;
        size_t len;
        rs_status rc = rs_frame_rx_next(&c->rx, &p, &len);

        if (rc == RS_EAGAIN) {
            if (c->tls && tls_pull(c))
                continue;
            break;
        }
        if (rc != RS_OK) {
            /* rs_frame_rx_next refuses every malformed prefix as too big. */
            c->pumping = false;
            refuse_too_big(c);
            return;
        }
        handle_frame(c, p, len);
        rs_frame_rx_consume(&c->rx);
    }
    c->pumping = false;
    tls_flush(c);
    if (c->srv->stopping && c->in_flight == 0 && c->writes == 0) {
        rs_conn_end_for_shutdown(c);
        return;
    }
    rs_conn_update_reading(c);
}

void rs_conn_on_timer(uv_timer_t *t)
{
    struct rs_conn *c = t->data;

    if (c->st == ST_HELLO) {
        rs_conn_error(c, NULL, RS_ETIMEDOUT, "no Hello within the handshake timeout", true);
    } else if (c->close_after_write) {
        /* The idle Error below was not taken within another idle period. */
        rs_conn_close(c);
    } else if (c->in_flight == 0) {
        char msg[96];

        snprintf(msg, sizeof(msg), "idle for %u s with nothing in flight: closing",
                 c->srv->cfg.idle_ms / 1000);
        conn_error(c, NULL, RS__ERROR_CODE__ERR_TIMEOUT, "ERR_TIMEOUT", msg, NULL, true,
                   RS_LOG_INFO);
    } else {
        uv_timer_again(t);
    }
}


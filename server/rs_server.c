/*
 * rs_server.c - resettled's event loop: connections, handshake, group
 * commit, reports, shutdown.
 *
 * Threads: everything here runs on the loop thread except the work()
 * functions of database jobs, which run on libuv's pool and touch only
 * their job and their store (see rs_dbq.h).  Three stores, three queues:
 * the writer (group commits with their audit rows), the authenticator
 * (token checks, and the audit rows of refused handshakes) and the reporter
 * (read-only reports), so a long report never delays a handshake or an
 * acknowledgement.
 *
 * Group commit and sync: batches from every connection gather in `pending`
 * while the writer runs; kick_writer commits them all in one transaction.
 * By default (deferred sync, rs_store.h) a group of OVERLAP_MIN_RECORDS or
 * more commits without fsync and its batches wait in `unsynced` while a
 * sync job fdatasyncs the WAL on another pool thread and the writer already
 * commits the next group; a smaller group syncs inside its COMMIT, where a
 * separate job would cost more than it overlaps.  Either way a batch is
 * acknowledged only once a sync that started after its COMMIT has returned
 * (finish_unsynced), in commit order; a failed sync answers its batches
 * ERR_STORAGE, and a resend is then answered duplicate.  With
 * cfg.sync_in_commit every COMMIT syncs (synchronous=FULL).  After a small
 * commit's acks go out, the next commit lingers (a timerfd, at most
 * LINGER_US) until the offices just acknowledged have sent again, so that
 * many one-record senders share one fsync instead of alternating in two
 * half-size groups.
 *
 * Connection lifetime: a struct rs_conn is freed when its two handles (tcp,
 * timer) have closed and no job or pending batch refers to it; jobs that
 * finish after the connection closed simply drop their reply.
 *
 * TLS: with a certificate, every connection carries a struct rs_tls.  Bytes
 * read are fed to its read BIO (through one shared read buffer, since libuv
 * calls alloc and read back to back); conn_pump pulls plaintext into the
 * frame reassembler only while it can process frames, so back-pressure
 * works as in plaintext; everything written goes through SSL_write and the
 * write BIO's ciphertext is handed to uv_write.
 *
 * Access: the handshake checks the token (auth queue), then the role: only
 * township and central offices sign in over the network.  Every request
 * checks role and division scope (in_scope, handle_report).  Failed
 * handshakes are counted per peer address; past auth_fail_limit within
 * auth_fail_window_ms every Hello from that address is answered
 * ERR_RATE_LIMITED until the window has passed, even one whose token check
 * was already queued, so parallel guesses learn nothing either.
 *
 * Does not: parse CSV, compute reports (rs_report_build.h), run OpenSSL itself
 * (rs_tls.c), or decide how records and audit rows are stored (rs_store.c).
 */
#include "rs_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <uv.h>

#include "rs_dbq.h"
#include "rs_frame.h"
#include "rs_log.h"
#include "rs_report_build.h"
#include "rs_store.h"
#include "rs_tls.h"
#include "rs_util.h"
#include "rs_validate.h"
#include "rs_wire.h"

#define ADDR_BUCKETS 4096
#define FAIL_BUCKETS 4096
#define FAIL_MAX_ENTRIES 65536      /* addresses tracked for failed handshakes */
#define MAX_TOKEN_BYTES 128
#define MAX_CODE_BYTES 12
#define TLS_READ_CHUNK 65536        /* ciphertext offered to one socket read */
#define OVERLAP_MIN_RECORDS 64      /* from this size a commit leaves its fsync to the
                                     * sync queue and the writer goes on */
#define LINGER_US 250               /* longest wait of a commit for just-acked offices */

enum conn_state { ST_HELLO, ST_AUTHING, ST_READY };

struct addr_count {
    struct addr_count *next;
    uint32_t n;
    char addr[48];
};

/* Failed handshakes from one address within the current window. */
struct addr_fail {
    struct addr_fail *next;
    uint64_t window_start;      /* uv_now() of the window's first failure, ms */
    uint32_t n;
    bool audited;               /* this window's rate limiting has an audit row */
    char addr[48];
};

struct rs_server;

struct rs_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    struct rs_server *srv;
    struct rs_conn *prev, *next;
    uint64_t id;
    char peer[64];
    char addr[48];
    struct rs_frame_rx rx;
    struct rs_tls *tls;         /* NULL in plaintext mode */
    bool seen_input;            /* TLS: some byte has arrived */
    bool plain_peer;            /* TLS: the first byte was not a TLS handshake record */
    enum conn_state st;
    struct rs_office office;
    uint32_t in_flight;         /* requests accepted, reply not yet written */
    uint32_t refs;              /* open handles + jobs + batches */
    uint32_t writes;            /* uv_write requests not yet completed */
    bool closing;
    bool reading;
    bool close_after_write;
};

/* One SubmitBatch on its way through the writer. */
struct rs_batch {
    struct rs_batch *next;
    struct rs_conn *conn;
    uint64_t request_id;
    bool has_request_id;
    Rs__Envelope *env;          /* owns the records the store items point into */
    char office[16];
    char peer[64];
    uint64_t receipt_seq;       /* the batch's audit row, once committed */
    uint8_t receipt_hash[RS_SHA256_LEN];
    uint64_t commit_no;         /* the group commit that stored it */
    size_t n;                   /* records in the batch */
    Rs__RecordAck *acks;        /* n acks, in batch order */
    Rs__RecordAck **ack_ptrs;
    size_t nstore;              /* records that passed validation */
    struct rs_store_rec *store; /* nstore items */
    size_t *store_idx;          /* batch index of each store item */
    uint8_t *bodies;            /* packed records, one block */
};

/* A group commit: one transaction on the writer store. */
struct commit_job {
    struct rs_dbq_job job;
    struct rs_server *srv;
    struct rs_batch *batches;
    struct rs_store_rec *recs;
    size_t n;
    struct rs_store_batch *audit;   /* one per batch, in list order */
    size_t naudit;
    bool sync_inline;               /* deferred mode: sync inside this COMMIT anyway */
    rs_status rc;
    char err[256];
};

/* An fdatasync of the WAL that makes committed batches durable before their
 * acks go out (deferred sync, rs_store.h). */
struct sync_job {
    struct rs_dbq_job job;
    struct rs_server *srv;
    uint64_t upto;              /* the last commit before this sync started */
    rs_status rc;
    char err[256];
};

enum auth_mode {
    AUTH_CHECK,                 /* check the token and role; audit a refusal */
    AUTH_REFUSE,                /* a malformed Hello: audit it, answer ERR_AUTH */
    AUTH_AUDIT                  /* only append `detail` (no connection waits) */
};

struct auth_job {
    struct rs_dbq_job job;
    struct rs_conn *conn;       /* NULL for AUTH_AUDIT */
    enum auth_mode mode;
    char code[MAX_CODE_BYTES + 1];
    char claimed[72];           /* the office code as sent, log-safe, for the audit */
    char token[MAX_TOKEN_BYTES + 1];
    char peer[64];
    char detail[256];           /* AUTH_REFUSE / AUTH_AUDIT: the audit detail and reply */
    struct rs_office office;
    rs_status rc;
    rs_status audit_rc;         /* whether the refusal reached the audit trail */
};

struct report_job {
    struct rs_dbq_job job;
    struct rs_conn *conn;
    uint64_t request_id;
    bool has_request_id;
    struct rs_report_req req;
    char division[16];
    char framework[128];
    const char *framework_dir;
    char *out;
    size_t outlen;
    char fw_name[64];
    char fw_hash[65];
    rs_status rc;
    char err[256];
};

struct rs_server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_signal_t sigint, sigterm;
    uv_timer_t drain_timer;
    struct rs_server_config cfg;
    struct rs_store *wstore, *astore, *rstore;
    struct rs_store_wal *wal;   /* the sync jobs'; NULL with cfg.sync_in_commit */
    struct rs_dbq wq, aq, rq;
    struct rs_dbq sq;           /* WAL syncs, one at a time; no store */
    struct rs_conn *conns;
    uint32_t nconns;
    uint64_t next_id;
    struct addr_count *addrs[ADDR_BUCKETS];
    struct addr_fail *fails[FAIL_BUCKETS];
    size_t nfails;
    struct rs_tls_ctx *tls;     /* NULL in plaintext mode */
    uint8_t tls_buf[TLS_READ_CHUNK];    /* shared: alloc and read come in pairs */
    struct rs_batch *pending, *pending_tail;
    size_t pending_records;
    struct rs_batch *unsynced, *unsynced_tail;  /* committed, waiting for a sync */
    uint64_t commit_no;         /* group commits done */
    bool committing;
    bool syncing;
    bool sync_failed;           /* sticky: nothing more is committed or acked */
    char sync_err[256];
    /* Linger: after a small commit whose acks just went out, the next one
     * waits (at most LINGER_US) for those offices' next records. */
    int linger_fd;              /* timerfd; -1 if none */
    uv_poll_t linger_poll;
    bool lingering;
    size_t linger_target;       /* records pending that end the wait */
    bool stopping;
    bool finished;
    int signals;
    uint64_t commits, committed_records;
};

/* The write request and its bytes live in one allocation. */
struct wreq {
    uv_write_t req;
    struct rs_conn *conn;
    uv_buf_t buf;
};

static void conn_close(struct rs_conn *c);
static void conn_pump(struct rs_conn *c);
static void conn_update_reading(struct rs_conn *c);
static void kick_writer(struct rs_server *srv);
static void maybe_finish(struct rs_server *srv);
static void on_timer(uv_timer_t *t);

void rs_server_config_defaults(struct rs_server_config *c)
{
    memset(c, 0, sizeof(*c));
    c->host = "127.0.0.1";
    c->max_frame = RS_FRAME_MAX_DEFAULT;
    c->max_batch = RS_MAX_BATCH_RECORDS;
    c->max_in_flight = RS_MAX_IN_FLIGHT;
    c->max_conns = 12000;
    c->max_conns_per_addr = 11000;
    c->handshake_ms = 10000;
    c->idle_ms = 300000;
    c->drain_ms = 10000;
    c->max_commit_records = 20000;
    c->write_queue_high = 1u << 20;
    c->write_queue_max = 32u << 20;
    c->ready_out = stdout;
    c->auth_fail_limit = 5;
    c->auth_fail_window_ms = 60000;
}

/*
 * Copies a peer-supplied string for a log line: printable ASCII only, at
 * most 64 characters, so a client cannot forge or break log lines.
 */
static const char *log_safe(const char *in, char out[72])
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

/* ------------------------------------------------------------ addresses */

static size_t addr_hash(const char *s)
{
    size_t h = 5381;

    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h % ADDR_BUCKETS;
}

static struct addr_count **addr_find(struct rs_server *srv, const char *addr)
{
    struct addr_count **pp = &srv->addrs[addr_hash(addr)];

    while (*pp && strcmp((*pp)->addr, addr) != 0)
        pp = &(*pp)->next;
    return pp;
}

static bool addr_acquire(struct rs_server *srv, const char *addr)
{
    struct addr_count **pp = addr_find(srv, addr);

    if (!*pp) {
        struct addr_count *a = calloc(1, sizeof(*a));

        if (!a)
            return false;
        snprintf(a->addr, sizeof(a->addr), "%s", addr);
        *pp = a;
    }
    if ((*pp)->n >= srv->cfg.max_conns_per_addr)
        return false;
    (*pp)->n++;
    return true;
}

static void addr_release(struct rs_server *srv, const char *addr)
{
    struct addr_count **pp = addr_find(srv, addr);
    struct addr_count *a = *pp;

    if (!a)
        return;
    if (--a->n == 0) {
        *pp = a->next;
        free(a);
    }
}

/* ------------------------------------------------------------ failed handshakes */

static struct addr_fail **fail_find(struct rs_server *srv, const char *addr)
{
    struct addr_fail **pp = &srv->fails[addr_hash(addr) % FAIL_BUCKETS];

    while (*pp && strcmp((*pp)->addr, addr) != 0)
        pp = &(*pp)->next;
    return pp;
}

static bool fail_expired(const struct rs_server *srv, const struct addr_fail *f, uint64_t now)
{
    return now - f->window_start >= srv->cfg.auth_fail_window_ms;
}

/* Drops every entry whose window has passed. */
static void fail_sweep(struct rs_server *srv, uint64_t now)
{
    for (size_t i = 0; i < FAIL_BUCKETS; i++) {
        struct addr_fail **pp = &srv->fails[i];

        while (*pp) {
            struct addr_fail *f = *pp;

            if (fail_expired(srv, f, now)) {
                *pp = f->next;
                free(f);
                srv->nfails--;
            } else {
                pp = &f->next;
            }
        }
    }
}

/* The address's entry if it is rate limited right now, else NULL. */
static struct addr_fail *rate_limited(struct rs_server *srv, const char *addr)
{
    struct addr_fail *f;
    uint64_t now = uv_now(&srv->loop);

    if (srv->cfg.auth_fail_limit == 0)
        return NULL;
    f = *fail_find(srv, addr);
    if (!f || fail_expired(srv, f, now) || f->n < srv->cfg.auth_fail_limit)
        return NULL;
    return f;
}

/* Counts one failed handshake from addr. */
static void fail_record(struct rs_server *srv, const char *addr)
{
    uint64_t now = uv_now(&srv->loop);
    struct addr_fail **pp, *f;

    if (srv->cfg.auth_fail_limit == 0)
        return;
    pp = fail_find(srv, addr);
    f = *pp;
    if (!f) {
        if (srv->nfails >= FAIL_MAX_ENTRIES) {
            fail_sweep(srv, now);
            pp = fail_find(srv, addr);
        }
        if (srv->nfails >= FAIL_MAX_ENTRIES) {
            RS_WARN("%u addresses with failed handshakes are tracked; not tracking %s",
                    (unsigned)FAIL_MAX_ENTRIES, addr);
            return;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
            return;
        snprintf(f->addr, sizeof(f->addr), "%s", addr);
        f->window_start = now;
        *pp = f;
        srv->nfails++;
    }
    if (fail_expired(srv, f, now)) {
        f->window_start = now;
        f->n = 0;
        f->audited = false;
    }
    f->n++;
}

/* Seconds until the address's window has passed (at least 1). */
static unsigned fail_wait_s(struct rs_server *srv, const struct addr_fail *f)
{
    uint64_t end = f->window_start + srv->cfg.auth_fail_window_ms, now = uv_now(&srv->loop);

    return end > now ? (unsigned)((end - now + 999) / 1000) : 1;
}

/* ------------------------------------------------------------ conn lifetime */

static void conn_unref(struct rs_conn *c)
{
    struct rs_server *srv = c->srv;

    if (--c->refs > 0)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    if (c->addr[0])
        addr_release(srv, c->addr);
    rs_frame_rx_free(&c->rx);
    rs_tls_free(c->tls);
    free(c);
    maybe_finish(srv);
}

static void on_handle_closed(uv_handle_t *h)
{
    conn_unref(h->data);
}

static void conn_close(struct rs_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->reading = false;
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
        conn_close(c);
        return;
    }
    if (c->close_after_write && c->writes == 0) {
        conn_close(c);
        return;
    }
    conn_update_reading(c);
    conn_pump(c);
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
        conn_close(c);
        return false;
    }
    c->writes++;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > c->srv->cfg.write_queue_max) {
        rs_log(RS_LOG_WARN, c->id, c->peer, "peer does not read its replies; closing");
        conn_close(c);
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
        conn_close(c);
        return;
    }
    n = rs_tls_take(c->tls, (uint8_t *)(w + 1), n);
    conn_write(c, w, (const uint8_t *)(w + 1), n);
}

static void send_env(struct rs_conn *c, const Rs__Envelope *env)
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
        conn_close(c);
        return;
    }
    if (c->tls) {
        rc = rs_tls_write(c->tls, bytes, len);
        free(bytes);
        if (rc) {
            rs_log(RS_LOG_WARN, c->id, c->peer, "TLS write failed: %s", rs_status_str(rc));
            conn_close(c);
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
        conn_close(c);
}

static void send_error_code(struct rs_conn *c, const uint64_t *request_id, Rs__ErrorCode code,
                            const char *name, const char *msg, bool close)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Error e = RS__ERROR__INIT;

    e.has_code = true;
    e.code = code;
    e.message = (char *)msg;
    e.has_close = true;
    e.close = close;
    if (request_id) {
        env.has_request_id = true;
        env.request_id = *request_id;
    }
    env.msg_case = RS__ENVELOPE__MSG_ERROR;
    env.error = &e;
    rs_log(close ? RS_LOG_WARN : RS_LOG_INFO, c->id, c->peer, "error %s: %s%s", name, msg,
           close ? " (closing)" : "");
    if (close) {
        c->close_after_write = true;
        c->reading = false;
        uv_read_stop((uv_stream_t *)&c->tcp);
    }
    send_env(c, &env);
    if (close && c->tls && !c->closing && rs_tls_ready(c->tls)) {
        rs_tls_shutdown(c->tls);
        tls_flush(c);
    }
    if (close && c->writes == 0)
        conn_close(c);
}

static void send_error(struct rs_conn *c, const uint64_t *request_id, rs_status st,
                       const char *msg, bool close)
{
    send_error_code(c, request_id, rs_status_to_wire(st), rs_status_name(st), msg, close);
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
            send_error(c, NULL, RS_ETOOBIG, "frame over the size cap", true);
        else if (n == UV_EOF)
            conn_close(c);
        else {
            rs_log(RS_LOG_INFO, c->id, c->peer, "read error: %s", uv_strerror((int)n));
            conn_close(c);
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
            conn_close(c);
            return;
        }
    } else {
        rs_frame_rx_commit(&c->rx, (size_t)n);
    }
    if (c->st == ST_READY)
        uv_timer_again(&c->timer);      /* the handshake deadline never moves */
    conn_pump(c);
}

static void conn_update_reading(struct rs_conn *c)
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

/* ------------------------------------------------------------ handshake */

static const char auth_refused_msg[] = "unknown office, wrong token or revoked office";

/* Only these roles sign in over the network; admin work is local (resettled office). */
static bool role_on_wire(Rs__Role role)
{
    return role == RS__ROLE__ROLE_TOWNSHIP || role == RS__ROLE__ROLE_CENTRAL;
}

static void auth_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct auth_job *a = (struct auth_job *)job;

    a->audit_rc = RS_OK;
    switch (a->mode) {
    case AUTH_CHECK:
        a->rc = rs_store_office_auth(store, a->code, a->token, &a->office);
        if (a->rc == RS_OK && !role_on_wire(a->office.role)) {
            snprintf(a->detail, sizeof(a->detail),
                     "office role %d may not sign in over the network", (int)a->office.role);
            a->rc = RS_EFORBIDDEN;
        } else if (a->rc == RS_EAUTH) {
            snprintf(a->detail, sizeof(a->detail), "%s", auth_refused_msg);
        }
        if (a->rc == RS_EAUTH || a->rc == RS_EFORBIDDEN)
            a->audit_rc = rs_store_audit_append(store, RS_AUDIT_HANDSHAKE_REFUSED, a->claimed,
                                                a->peer, a->detail, NULL, NULL);
        break;
    case AUTH_REFUSE:
        a->rc = RS_EAUTH;
        a->audit_rc = rs_store_audit_append(store, RS_AUDIT_HANDSHAKE_REFUSED, a->claimed,
                                            a->peer, a->detail, NULL, NULL);
        break;
    case AUTH_AUDIT:
        a->rc = RS_OK;
        a->audit_rc = rs_store_audit_append(store, RS_AUDIT_HANDSHAKE_REFUSED, a->claimed,
                                            a->peer, a->detail, NULL, NULL);
        break;
    }
    explicit_bzero(a->token, sizeof(a->token));
}

static struct auth_job *auth_job_new(struct rs_conn *c, enum auth_mode mode, const char *claimed)
{
    struct auth_job *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    a->job.work = auth_work;
    a->job.done = NULL;
    a->mode = mode;
    log_safe(claimed, a->claimed);
    snprintf(a->peer, sizeof(a->peer), "%s", c->peer);
    return a;
}

static void auth_done(struct rs_dbq_job *job, bool canceled);

/* Queues an audit row for the rate limiting of c's address (once per window). */
static void audit_rate_limit(struct rs_conn *c, struct addr_fail *f, const char *claimed)
{
    struct auth_job *a;

    if (f->audited)
        return;
    a = auth_job_new(c, AUTH_AUDIT, claimed);
    if (!a)
        return;
    f->audited = true;
    a->job.done = auth_done;
    snprintf(a->detail, sizeof(a->detail),
             "rate limited: %u failed handshakes from %s within %u s; later Hellos from it "
             "are refused until the window ends, not recorded one by one",
             f->n, c->addr, c->srv->cfg.auth_fail_window_ms / 1000);
    rs_dbq_push(&c->srv->aq, &a->job);
}

static void send_rate_limited(struct rs_conn *c, struct addr_fail *f, const char *claimed)
{
    char msg[160];

    snprintf(msg, sizeof(msg), "too many failed handshakes from this address; try again in %u s",
             fail_wait_s(c->srv, f));
    audit_rate_limit(c, f, claimed);
    send_error_code(c, NULL, RS__ERROR_CODE__ERR_RATE_LIMITED, "ERR_RATE_LIMITED", msg, true);
}

static void auth_done(struct rs_dbq_job *job, bool canceled)
{
    struct auth_job *a = (struct auth_job *)job;
    struct rs_conn *c = a->conn;
    struct addr_fail *f;

    if (a->audit_rc != RS_OK && !canceled)
        RS_ERROR("cannot append a refused handshake from %s to the audit trail: %s", a->peer,
                 rs_status_str(a->audit_rc));
    if (!c) {
        free(a);
        return;
    }
    if (c->closing)
        goto out;
    c->in_flight--;
    if (canceled) {
        send_error(c, NULL, RS_ECLOSED, "server is shutting down", true);
        goto out;
    }
    f = rate_limited(c->srv, c->addr);
    if (f) {
        /* Limited while this check waited: its answer is not given. */
        send_rate_limited(c, f, a->claimed);
        goto out;
    }
    if (a->rc != RS_OK) {
        rs_log(RS_LOG_WARN, c->id, c->peer, "handshake refused for office %s: %s", a->claimed,
               a->rc == RS_EFORBIDDEN ? a->detail : rs_status_str(a->rc));
        if (a->rc == RS_EAUTH) {
            fail_record(c->srv, c->addr);
            send_error(c, NULL, RS_EAUTH, a->mode == AUTH_REFUSE ? a->detail : auth_refused_msg,
                       true);
        } else if (a->rc == RS_EFORBIDDEN) {
            send_error(c, NULL, RS_EFORBIDDEN,
                       "this office's role may not sign in over the network; offices are "
                       "managed locally with resettled office",
                       true);
        } else {
            send_error(c, NULL, RS_EIO, "cannot check the token now", true);
        }
        goto out;
    }
    c->office = a->office;
    c->st = ST_READY;
    {
        Rs__Envelope env = RS__ENVELOPE__INIT;
        Rs__Welcome w = RS__WELCOME__INIT;

        w.server_version = RS_VERSION;
        w.has_protocol_version = true;
        w.protocol_version = RS_PROTOCOL_VERSION;
        w.has_role = true;
        w.role = c->office.role;
        w.office_code = c->office.code;
        w.office_name = c->office.name;
        w.has_max_frame_bytes = true;
        w.max_frame_bytes = (uint32_t)c->srv->cfg.max_frame;
        w.has_max_batch_records = true;
        w.max_batch_records = c->srv->cfg.max_batch;
        w.has_max_in_flight = true;
        w.max_in_flight = c->srv->cfg.max_in_flight;
        env.msg_case = RS__ENVELOPE__MSG_WELCOME;
        env.welcome = &w;
        send_env(c, &env);
    }
    uv_timer_start(&c->timer, on_timer, c->srv->cfg.idle_ms, c->srv->cfg.idle_ms);
    rs_log(RS_LOG_INFO, c->id, c->peer, "office %s (%s) signed in as %s%s", c->office.code,
           c->office.name, c->office.role == RS__ROLE__ROLE_CENTRAL ? "central" : "township",
           c->tls ? " over TLS" : "");
out:
    conn_update_reading(c);
    conn_pump(c);
    conn_unref(c);
    free(a);
}

/* Queues a for c: c waits for its answer. */
static void auth_push(struct rs_conn *c, struct auth_job *a)
{
    a->job.done = auth_done;
    a->conn = c;
    c->st = ST_AUTHING;
    c->in_flight++;
    c->refs++;
    rs_dbq_push(&c->srv->aq, &a->job);
}

static void handle_hello(struct rs_conn *c, const Rs__Hello *h)
{
    struct addr_fail *f;
    struct auth_job *a;

    if (!h->has_protocol_version || h->protocol_version != RS_PROTOCOL_VERSION) {
        send_error(c, NULL, RS_EVERSION, "unsupported protocol version; this server speaks 1",
                   true);
        return;
    }
    f = rate_limited(c->srv, c->addr);
    if (f) {
        send_rate_limited(c, f, h->office_code);
        return;
    }
    if (!h->office_code || !h->token || strlen(h->office_code) > MAX_CODE_BYTES ||
        strlen(h->token) > MAX_TOKEN_BYTES) {
        a = auth_job_new(c, AUTH_REFUSE, h->office_code);
        if (!a) {
            send_error(c, NULL, RS_ENOMEM, "out of memory", true);
            return;
        }
        snprintf(a->detail, sizeof(a->detail), "office code and token required");
        auth_push(c, a);
        return;
    }
    a = auth_job_new(c, AUTH_CHECK, h->office_code);
    if (!a) {
        send_error(c, NULL, RS_ENOMEM, "out of memory", true);
        return;
    }
    snprintf(a->code, sizeof(a->code), "%s", h->office_code);
    snprintf(a->token, sizeof(a->token), "%s", h->token);
    auth_push(c, a);
}

/* ------------------------------------------------------------ submissions */

static void batch_free(struct rs_batch *b)
{
    for (size_t k = 0; b->acks && k < b->n; k++) {
        free(b->acks[k].id);
        free(b->acks[k].field);
        free(b->acks[k].reason);
    }
    if (b->env)
        rs__envelope__free_unpacked(b->env, NULL);
    free(b->bodies);
    free(b->store_idx);
    free(b->store);
    free(b->ack_ptrs);
    free(b->acks);
    free(b);
}

/* True if the office may submit r; otherwise reason says why. */
static bool in_scope(const struct rs_office *o, const Rs__Record *r, char *reason, size_t len)
{
    size_t oc = strlen(o->code);
    const char *d = r->division_code;

    if (o->role == RS__ROLE__ROLE_TOWNSHIP) {
        if (rs_rtype_is_unit_level(r->body_case)) {
            snprintf(reason, len, "%s records may only be submitted by the central office",
                     rs_rtype_name(r->body_case));
            return false;
        }
        if (strncmp(d, o->code, oc) != 0) {
            snprintf(reason, len, "division %s is not this office's division %s", d, o->code);
            return false;
        }
        return true;
    }
    if (strncmp(d, o->code, oc) != 0) {
        snprintf(reason, len, "division %s is outside this office's district %s", d, o->code);
        return false;
    }
    return true;
}

static bool has_unknown_fields(const Rs__Record *r)
{
    const ProtobufCMessage *body = NULL;

    if (r->base.n_unknown_fields)
        return true;
    switch (r->body_case) {
    case RS__RECORD__BODY_PROJECT: body = &r->project->base; break;
    case RS__RECORD__BODY_SUBSIDY: body = &r->subsidy->base; break;
    case RS__RECORD__BODY_TRAINING: body = &r->training->base; break;
    case RS__RECORD__BODY_RELIEF: body = &r->relief->base; break;
    case RS__RECORD__BODY_PETITION: body = &r->petition->base; break;
    case RS__RECORD__BODY_SURVEY: body = &r->survey->base; break;
    case RS__RECORD__BODY_UNIT_PROFILE: body = &r->unit_profile->base; break;
    case RS__RECORD__BODY_STAFFING: body = &r->staffing->base; break;
    case RS__RECORD__BODY_BUDGET_LINE: body = &r->budget_line->base; break;
    case RS__RECORD__BODY_SAN_GONG: body = &r->san_gong->base; break;
    case RS__RECORD__BODY_PROCUREMENT: body = &r->procurement->base; break;
    case RS__RECORD__BODY_CARRY_OVER: body = &r->carry_over->base; break;
    case RS__RECORD__BODY_FIXED_ASSETS: body = &r->fixed_assets->base; break;
    case RS__RECORD__BODY_MANUAL_SCORE: body = &r->manual_score->base; break;
    case RS__RECORD__BODY_STATED_FIGURE: body = &r->stated_figure->base; break;
    case RS__RECORD__BODY__NOT_SET:
    case _RS__RECORD__BODY__CASE_IS_INT_SIZE:
        break;
    }
    return body && body->n_unknown_fields;
}

static void reject(Rs__RecordAck *a, const char *field, const char *reason)
{
    a->has_status = true;
    a->status = RS__ACK_STATUS__ACK_REJECTED;
    a->field = strdup(field);
    a->reason = strdup(reason);
}

/*
 * One field of p[*off..n): its number and where its value lies (for a
 * length-delimited field, without the length).  False on a malformed key.
 */
static bool pb_field(const uint8_t *p, size_t n, size_t *off, uint32_t *num, size_t *vstart,
                     size_t *vlen)
{
    uint64_t key, v;
    size_t used;

    if (rs_varint_decode(p + *off, n - *off, &key, &used) != RS_OK)
        return false;
    *off += used;
    *num = (uint32_t)(key >> 3);
    switch (key & 7) {
    case 0:
        if (rs_varint_decode(p + *off, n - *off, &v, &used) != RS_OK)
            return false;
        *vlen = used;
        break;
    case 1:
        *vlen = 8;
        break;
    case 5:
        *vlen = 4;
        break;
    case 2:
        if (rs_varint_decode(p + *off, n - *off, &v, &used) != RS_OK || v > n - *off - used)
            return false;
        *off += used;
        *vlen = (size_t)v;
        break;
    default:
        return false;
    }
    if (*vlen > n - *off)
        return false;
    *vstart = *off;
    *off += *vlen;
    return true;
}

/*
 * The encoded length of each record of the SubmitBatch in the envelope
 * bytes p[0..n), into lens[0..count).  False unless exactly count are found.
 */
static bool record_lengths(const uint8_t *p, size_t n, size_t *lens, size_t count)
{
    size_t off = 0, k = 0, vs, vl;
    uint32_t num;

    while (off < n) {
        size_t o2 = 0, s2, l2;
        uint32_t f2;

        if (!pb_field(p, n, &off, &num, &vs, &vl))
            return false;
        while (num == 5 && o2 < vl) {
            if (!pb_field(p + vs, vl, &o2, &f2, &s2, &l2))
                return false;
            if (f2 == 2) {
                if (k == count)
                    return false;
                lens[k++] = l2;
            }
        }
    }
    return k == count;
}

/*
 * Validates every record of the batch on the loop thread (cheap, no I/O),
 * and packs the valid ones canonically for the writer.  A record whose
 * canonical packing is not as long as what the client sent was altered by
 * decoding (a NUL ends a C string, a uint32 field drops high bits): it is
 * rejected rather than stored as something the client did not send.
 * p[0..len) is the envelope as received.  Returns RS_ENOMEM only; a bad
 * record is an ack, not an error.
 */
static rs_status batch_prepare(struct rs_batch *b, const uint8_t *p, size_t len)
{
    Rs__SubmitBatch *sb = b->env->submit;
    size_t total = 0, off = 0, i, k = 0;
    size_t *sizes = NULL, *lens = NULL;
    bool lens_ok;
    rs_status rc = RS_ENOMEM;

    b->n = sb->n_records;
    b->acks = calloc(b->n ? b->n : 1, sizeof(*b->acks));
    b->ack_ptrs = calloc(b->n ? b->n : 1, sizeof(*b->ack_ptrs));
    b->store = calloc(b->n ? b->n : 1, sizeof(*b->store));
    b->store_idx = calloc(b->n ? b->n : 1, sizeof(*b->store_idx));
    sizes = calloc(b->n ? b->n : 1, sizeof(*sizes));
    lens = calloc(b->n ? b->n : 1, sizeof(*lens));
    if (!b->acks || !b->ack_ptrs || !b->store || !b->store_idx || !sizes || !lens)
        goto out;
    lens_ok = record_lengths(p, len, lens, b->n);
    for (i = 0; i < b->n; i++) {
        Rs__Record *r = sb->records[i];
        Rs__RecordAck *a = &b->acks[i];
        struct rs_verdict v;
        char why[192];

        rs__record_ack__init(a);
        b->ack_ptrs[i] = a;
        a->id = r->id ? strdup(r->id) : NULL;
        if (has_unknown_fields(r)) {
            reject(a, "record", "unknown field (is the client newer than the server?)");
            continue;
        }
        if (!lens_ok || rs__record__get_packed_size(r) != lens[i]) {
            reject(a, "record", "encoding does not round-trip (a NUL byte in a string, or a "
                                "number too big for its field)");
            continue;
        }
        if (rs_validate_record(r, &v) != RS_OK) {
            reject(a, v.field, v.reason);
            continue;
        }
        if (!in_scope(&b->conn->office, r, why, sizeof(why))) {
            reject(a, "division_code", why);
            continue;
        }
        sizes[i] = rs__record__get_packed_size(r);
        total += sizes[i];
        b->store_idx[k++] = i;
    }
    b->nstore = k;
    b->bodies = malloc(total ? total : 1);
    if (!b->bodies)
        goto out;
    for (k = 0; k < b->nstore; k++) {
        Rs__Record *r = sb->records[b->store_idx[k]];
        struct rs_store_rec *s = &b->store[k];

        s->body = b->bodies + off;
        s->body_len = rs__record__pack(r, b->bodies + off);
        off += s->body_len;
        rs_sha256(s->body, s->body_len, s->hash);
        s->id = r->id;
        s->supersedes = r->supersedes && r->supersedes[0] ? r->supersedes : NULL;
        s->office_code = b->office;
        s->division_code = r->division_code;
        s->batch_id = sb->batch_id;
        s->type = r->body_case;
        s->year = r->year;
        s->period = r->period;
    }
    rc = RS_OK;
out:
    free(lens);
    free(sizes);
    return rc;
}

static void send_batch_ack(struct rs_batch *b)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__BatchAck ack = RS__BATCH_ACK__INIT;
    size_t k;

    for (k = 0; k < b->nstore; k++) {
        const struct rs_store_rec *s = &b->store[k];
        Rs__RecordAck *a = &b->acks[b->store_idx[k]];

        a->has_status = true;
        a->status = s->ack;
        if (s->seq) {
            a->has_server_seq = true;
            a->server_seq = s->seq;
        }
        if (s->reason[0])
            a->reason = strdup(s->reason);
        if (s->ack == RS__ACK_STATUS__ACK_REJECTED)
            a->field = strdup("supersedes");    /* the store rejects only on supersedes */
    }
    {
        size_t cnt[5] = {0};

        for (k = 0; k < b->n; k++)
            cnt[b->acks[k].status <= 4 ? b->acks[k].status : 0]++;
        char safe[72];

        rs_log(RS_LOG_INFO, b->conn->id, b->conn->peer,
               "batch %s: %zu records: %zu stored, %zu duplicate, %zu conflict, %zu rejected",
               log_safe(b->env->submit->batch_id, safe), b->n, cnt[1], cnt[2], cnt[3], cnt[4]);
    }
    ack.batch_id = b->env->submit->batch_id;
    ack.n_acks = b->n;
    ack.acks = b->ack_ptrs;
    env.has_request_id = b->has_request_id;
    env.request_id = b->request_id;
    ack.has_receipt_hash = true;
    ack.receipt_hash.data = b->receipt_hash;
    ack.receipt_hash.len = sizeof(b->receipt_hash);
    ack.has_receipt_seq = true;
    ack.receipt_seq = b->receipt_seq;
    env.msg_case = RS__ENVELOPE__MSG_ACK;
    env.ack = &ack;
    send_env(b->conn, &env);
}

static void commit_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct commit_job *cj = (struct commit_job *)job;

    cj->rc = rs_store_sync_next(store, cj->sync_inline);
    if (cj->rc == RS_OK)
        cj->rc = rs_store_put_batches(store, cj->recs, cj->n, cj->audit, cj->naudit, cj->err,
                                      sizeof(cj->err));
    else
        snprintf(cj->err, sizeof(cj->err), "%s", rs_store_errmsg(store));
}

/* Answers a batch whose commit (and sync) is over and lets its connection
 * go on.  rc != RS_OK: nothing of it may be called stored; committed says
 * whether the failure came after the commit (a failed sync). */
static void batch_finish(struct rs_batch *b, rs_status rc, bool committed, const char *why)
{
    struct rs_conn *c = b->conn;

    if (!c->closing) {
        if (rc == RS_OK) {
            send_batch_ack(b);
        } else {
            char msg[400];

            snprintf(msg, sizeof(msg), "%s: %s",
                     committed ? "the batch was written but not confirmed on disk; send it again"
                               : "nothing from this batch was stored",
                     why);
            send_error(c, b->has_request_id ? &b->request_id : NULL,
                       rc == RS_ECLOSED ? RS_ECLOSED : RS_ESTORAGE, msg, false);
        }
    }
    c->in_flight--;
    conn_update_reading(c);
    conn_pump(c);
    conn_unref(c);
    batch_free(b);
}

/* Answers every unsynced batch of commits up to `upto`, in commit order.
 * After a failed sync no batch is acknowledged any more. */
static void finish_unsynced(struct rs_server *srv, uint64_t upto, rs_status rc, const char *why)
{
    if (srv->sync_failed) {
        rc = RS_EIO;
        why = srv->sync_err;
    }
    while (srv->unsynced && srv->unsynced->commit_no <= upto) {
        struct rs_batch *b = srv->unsynced;

        srv->unsynced = b->next;
        if (!srv->unsynced)
            srv->unsynced_tail = NULL;
        batch_finish(b, rc, true, why);
    }
}

static void sync_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct sync_job *sj = (struct sync_job *)job;

    (void)store;
    sj->rc = rs_store_wal_sync(sj->srv->wal, sj->err, sizeof(sj->err));
}

static void kick_sync(struct rs_server *srv);
static void begin_shutdown(struct rs_server *srv);
static void linger_start(struct rs_server *srv, size_t acked);

static void sync_done(struct rs_dbq_job *job, bool canceled)
{
    struct sync_job *sj = (struct sync_job *)job;
    struct rs_server *srv = sj->srv;

    if (canceled) {
        sj->rc = RS_EIO;
        snprintf(sj->err, sizeof(sj->err), "the sync was canceled");
    }
    if (sj->rc != RS_OK && !srv->sync_failed) {
        /* After a failed fsync the kernel may have dropped written pages
         * and a later fsync may still succeed (it reports an error once),
         * while WAL recovery stops at the first missing frame: no later
         * commit could be called durable either.  Stop: a restart recovers
         * what is really on disk, and the clients resend the rest. */
        srv->sync_failed = true;
        snprintf(srv->sync_err, sizeof(srv->sync_err), "%s", sj->err);
        RS_ERROR("WAL sync failed: %s; acknowledging nothing more and stopping", sj->err);
        finish_unsynced(srv, UINT64_MAX, RS_EIO, sj->err);
        if (!srv->stopping)
            begin_shutdown(srv);
    }
    finish_unsynced(srv, sj->upto, sj->rc, sj->err);
    free(sj);
    srv->syncing = false;
    kick_sync(srv);
    kick_writer(srv);
    maybe_finish(srv);
}

/* Starts a sync covering every committed batch not yet synced, if none runs. */
static void kick_sync(struct rs_server *srv)
{
    struct sync_job *sj;

    if (srv->syncing || !srv->unsynced)
        return;
    sj = calloc(1, sizeof(*sj));
    if (!sj) {
        RS_ERROR("out of memory starting a WAL sync; retrying after the next commit");
        return;
    }
    sj->job.work = sync_work;
    sj->job.done = sync_done;
    sj->srv = srv;
    sj->upto = srv->commit_no;
    srv->syncing = true;
    rs_dbq_push(&srv->sq, &sj->job);
}

static void on_linger(uv_poll_t *h, int status, int events)
{
    struct rs_server *srv = h->data;
    uint64_t ticks;

    (void)status;
    (void)events;
    if (read(srv->linger_fd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
        RS_WARN("linger timer: %s", strerror(errno));
    if (!srv->lingering)
        return;
    srv->lingering = false;
    kick_writer(srv);
}

/*
 * After a small commit whose acks have just gone out: the offices that got
 * them usually send their next record within a few tens of microseconds.
 * The next commit waits until those records are pending too, or LINGER_US
 * has passed, so one fsync carries both groups instead of alternating
 * half-size groups.  A big commit never waits (its sync runs apart).
 */
static void linger_start(struct rs_server *srv, size_t acked)
{
    struct itimerspec t = {{0, 0}, {0, LINGER_US * 1000L}};

    if (srv->linger_fd < 0 || acked == 0 || srv->stopping ||
        srv->pending_records >= OVERLAP_MIN_RECORDS)
        return;
    srv->linger_target = srv->pending_records + acked;
    if (timerfd_settime(srv->linger_fd, 0, &t, NULL) == 0)
        srv->lingering = true;
}

static void commit_done(struct rs_dbq_job *job, bool canceled)
{
    struct commit_job *cj = (struct commit_job *)job;
    struct rs_server *srv = cj->srv;
    struct rs_batch *b = cj->batches;
    size_t off = 0, k = 0;

    if (canceled) {
        cj->rc = RS_ECLOSED;
        snprintf(cj->err, sizeof(cj->err), "server is shutting down");
    }
    if (cj->rc == RS_OK) {
        srv->commits++;
        srv->commit_no++;
        srv->committed_records += cj->n;
    } else {
        RS_ERROR("group commit of %zu records failed: %s: %s", cj->n, rs_status_str(cj->rc),
                 cj->err);
    }
    while (b) {
        struct rs_batch *next = b->next;
        size_t nstore = b->nstore;

        if (cj->rc != RS_OK) {
            batch_finish(b, cj->rc, false, cj->err);
        } else {
            memcpy(b->store, cj->recs + off, b->nstore * sizeof(*b->store));
            b->receipt_seq = cj->audit[k].audit_seq;
            memcpy(b->receipt_hash, cj->audit[k].audit_hash, sizeof(b->receipt_hash));
            b->commit_no = srv->commit_no;
            b->next = NULL;
            if (srv->unsynced_tail)
                srv->unsynced_tail->next = b;
            else
                srv->unsynced = b;
            srv->unsynced_tail = b;
        }
        off += nstore;
        k++;
        b = next;
    }
    /* With the sync inside COMMIT, or an inline sync after it, this commit
     * and every one before it are on disk. */
    if (cj->rc == RS_OK && (!srv->wal || cj->sync_inline)) {
        finish_unsynced(srv, srv->commit_no, RS_OK, "");
        linger_start(srv, cj->n);
    }
    free(cj->recs);
    free(cj->audit);
    free(cj);
    srv->committing = false;
    kick_sync(srv);
    kick_writer(srv);
    maybe_finish(srv);
}

/* Starts a group commit of everything pending, if the writer is idle. */
static void kick_writer(struct rs_server *srv)
{
    struct commit_job *cj;
    struct rs_batch *b, *last = NULL;
    size_t n = 0, off = 0, nb = 0, k = 0;

    if (srv->committing || !srv->pending)
        return;
    if (srv->lingering && srv->pending_records < srv->linger_target && !srv->stopping)
        return;
    if (srv->lingering) {
        struct itimerspec disarm = {{0, 0}, {0, 0}};

        srv->lingering = false;
        timerfd_settime(srv->linger_fd, 0, &disarm, NULL);
    }
    if (srv->sync_failed) {
        while (srv->pending) {
            b = srv->pending;
            srv->pending = b->next;
            srv->pending_records -= b->nstore;
            batch_finish(b, RS_EIO, false, srv->sync_err);
        }
        srv->pending_tail = NULL;
        return;
    }
    /* Take whole batches up to the cap, always at least one. */
    for (b = srv->pending; b; b = b->next) {
        if (last && n + b->nstore > srv->cfg.max_commit_records)
            break;
        n += b->nstore;
        nb++;
        last = b;
    }
    cj = calloc(1, sizeof(*cj));
    if (cj) {
        cj->recs = malloc((n ? n : 1) * sizeof(*cj->recs));
        cj->audit = calloc(nb, sizeof(*cj->audit));
    }
    if (!cj || !cj->recs || !cj->audit) {
        if (cj) {
            free(cj->recs);
            free(cj->audit);
        }
        free(cj);
        RS_ERROR("out of memory starting a commit; retrying on the next batch");
        return;
    }
    cj->job.work = commit_work;
    cj->job.done = commit_done;
    cj->srv = srv;
    cj->n = n;
    cj->batches = srv->pending;
    srv->pending = last->next;
    if (!srv->pending)
        srv->pending_tail = NULL;
    last->next = NULL;
    cj->naudit = nb;
    /* A small group syncs on the writer thread (one handoff fewer); a big
     * one leaves its sync to the sync queue and the writer goes on. */
    cj->sync_inline = srv->wal && n < OVERLAP_MIN_RECORDS;
    for (b = cj->batches; b; b = b->next) {
        struct rs_store_batch *sb = &cj->audit[k++];

        memcpy(cj->recs + off, b->store, b->nstore * sizeof(*b->store));
        sb->office_code = b->office;
        sb->peer = b->peer;
        sb->batch_id = b->env->submit->batch_id;
        sb->first = off;
        sb->n = b->nstore;
        sb->n_refused = b->n - b->nstore;
        off += b->nstore;
    }
    srv->pending_records -= n;
    srv->committing = true;
    rs_dbq_push(&srv->wq, &cj->job);
}

static void handle_submit(struct rs_conn *c, Rs__Envelope *env, const uint8_t *p, size_t len)
{
    struct rs_batch *b;
    uint64_t rid = env->request_id;
    const uint64_t *prid = env->has_request_id ? &rid : NULL;

    if (env->submit->n_records > c->srv->cfg.max_batch) {
        char msg[128];

        snprintf(msg, sizeof(msg), "batch of %zu records; the cap is %u",
                 env->submit->n_records, c->srv->cfg.max_batch);
        send_error(c, prid, RS_ETOOBIG, msg, false);
        rs__envelope__free_unpacked(env, NULL);
        return;
    }
    b = calloc(1, sizeof(*b));
    if (!b) {
        rs__envelope__free_unpacked(env, NULL);
        send_error(c, prid, RS_ENOMEM, "out of memory", true);
        return;
    }
    b->conn = c;
    b->env = env;
    b->has_request_id = env->has_request_id;
    b->request_id = env->request_id;
    snprintf(b->office, sizeof(b->office), "%s", c->office.code);
    snprintf(b->peer, sizeof(b->peer), "%s", c->peer);
    if (batch_prepare(b, p, len) != RS_OK) {
        batch_free(b);
        send_error(c, prid, RS_ENOMEM, "out of memory", true);
        return;
    }
    c->in_flight++;
    c->refs++;
    if (c->srv->pending_tail)
        c->srv->pending_tail->next = b;
    else
        c->srv->pending = b;
    c->srv->pending_tail = b;
    c->srv->pending_records += b->nstore;
    kick_writer(c->srv);
}

/* ------------------------------------------------------------ reports */

static void report_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct report_job *r = (struct report_job *)job;

    r->req.framework_dir = r->framework_dir;
    r->rc = rs_report_build(store, &r->req, &r->out, &r->outlen, r->fw_name, r->fw_hash, r->err,
                            sizeof(r->err));
}

static void report_done(struct rs_dbq_job *job, bool canceled)
{
    struct report_job *r = (struct report_job *)job;
    struct rs_conn *c = r->conn;
    const uint64_t *prid = r->has_request_id ? &r->request_id : NULL;

    if (c->closing)
        goto out;
    c->in_flight--;
    if (canceled) {
        send_error(c, prid, RS_ECLOSED, "server is shutting down", false);
    } else if (r->rc != RS_OK) {
        send_error(c, prid, r->rc, r->err[0] ? r->err : rs_status_str(r->rc), false);
    } else {
        Rs__Envelope env = RS__ENVELOPE__INIT;
        Rs__ReportReply rep = RS__REPORT_REPLY__INIT;

        rep.has_format = true;
        rep.format = r->req.format;
        rep.has_body = true;
        rep.body.data = (uint8_t *)r->out;
        rep.body.len = r->outlen;
        rep.framework_name = r->fw_name;
        rep.framework_hash = r->fw_hash;
        env.has_request_id = r->has_request_id;
        env.request_id = r->request_id;
        env.msg_case = RS__ENVELOPE__MSG_REPORT;
        env.report = &rep;
        send_env(c, &env);
        rs_log(RS_LOG_INFO, c->id, c->peer, "report %u for %s: %zu bytes", r->req.year,
               r->req.division ? r->req.division : "the district", r->outlen);
    }
    conn_update_reading(c);
    conn_pump(c);
out:
    free(r->out);
    conn_unref(c);
    free(r);
}

/*
 * Decides what a report request covers: out = "" for the consolidated
 * report, else the township whose breakdown is wanted.  A township gets
 * only its own breakdown; a central office the consolidated report (its
 * own code or nothing) or any township below it.  Otherwise answers the
 * request and returns false.
 */
static bool report_scope(struct rs_conn *c, const uint64_t *prid, const char *want,
                         char out[16])
{
    const struct rs_office *o = &c->office;
    size_t oc = strlen(o->code);
    char msg[256];

    out[0] = '\0';
    if (want && !rs_division_code_valid(want)) {
        send_error(c, prid, RS_EINVAL, "report division must be a 6-, 9- or 12-digit code", false);
        return false;
    }
    if (o->role == RS__ROLE__ROLE_TOWNSHIP) {
        if (want && strcmp(want, o->code) != 0) {
            snprintf(msg, sizeof(msg),
                     "a township office gets only its own breakdown (%s); the consolidated "
                     "report and other divisions are for the central office", o->code);
            send_error(c, prid, RS_EFORBIDDEN, msg, false);
            return false;
        }
        snprintf(out, 16, "%s", o->code);
        return true;
    }
    if (o->role != RS__ROLE__ROLE_CENTRAL) {
        send_error(c, prid, RS_EFORBIDDEN, "this office's role may not pull reports", false);
        return false;
    }
    if (!want || strcmp(want, o->code) == 0)
        return true;
    if (strlen(want) <= oc || strncmp(want, o->code, oc) != 0) {
        snprintf(msg, sizeof(msg), "division %s is outside this office's district %s", want,
                 o->code);
        send_error(c, prid, RS_EFORBIDDEN, msg, false);
        return false;
    }
    snprintf(out, 16, "%s", want);
    return true;
}

static void handle_report(struct rs_conn *c, const Rs__Envelope *env)
{
    const Rs__ReportRequest *rq = env->report_request;
    uint64_t rid = env->request_id;
    const uint64_t *prid = env->has_request_id ? &rid : NULL;
    struct report_job *r;
    char division[16];

    if (!rq->has_year || rq->year < 2000 || rq->year > 2100) {
        send_error(c, prid, RS_EINVAL, "report year must be 2000..2100", false);
        return;
    }
    if (rq->framework && strlen(rq->framework) >= 128) {
        send_error(c, prid, RS_ETOOBIG, "framework name too long", false);
        return;
    }
    if (rq->framework && (strchr(rq->framework, '/') || strchr(rq->framework, '.'))) {
        send_error(c, prid, RS_EINVAL, "framework must be a preset name", false);
        return;
    }
    if (!report_scope(c, prid, rq->division && rq->division[0] ? rq->division : NULL, division))
        return;
    r = calloc(1, sizeof(*r));
    if (!r) {
        send_error(c, prid, RS_ENOMEM, "out of memory", false);
        return;
    }
    r->job.work = report_work;
    r->job.done = report_done;
    r->conn = c;
    r->has_request_id = env->has_request_id;
    r->request_id = env->request_id;
    r->req.year = rq->year;
    r->req.format = rq->has_format ? rq->format : RS__REPORT_FORMAT__FMT_MARKDOWN;
    if (division[0]) {
        snprintf(r->division, sizeof(r->division), "%s", division);
        r->req.division = r->division;
    }
    if (rq->framework && rq->framework[0]) {
        snprintf(r->framework, sizeof(r->framework), "%s", rq->framework);
        r->req.framework = r->framework;
    }
    r->framework_dir = c->srv->cfg.framework_dir;
    c->in_flight++;
    c->refs++;
    rs_dbq_push(&c->srv->rq, &r->job);
}

/* ------------------------------------------------------------ dispatch */

static void handle_frame(struct rs_conn *c, const uint8_t *p, size_t len)
{
    Rs__Envelope *env = NULL;

    if (rs_wire_unpack(p, len, &env) != RS_OK) {
        send_error(c, NULL, RS_EPROTO, "unparsable message", true);
        return;
    }
    if (c->st == ST_HELLO) {
        if (env->msg_case != RS__ENVELOPE__MSG_HELLO)
            send_error(c, NULL, RS_EPROTO, "expected Hello first", true);
        else
            handle_hello(c, env->hello);
        rs__envelope__free_unpacked(env, NULL);
        return;
    }
    if (!role_on_wire(c->office.role)) {
        send_error(c, env->has_request_id ? &env->request_id : NULL, RS_EFORBIDDEN,
                   "this office's role may not make requests", true);
        rs__envelope__free_unpacked(env, NULL);
        return;
    }
    switch (env->msg_case) {
    case RS__ENVELOPE__MSG_SUBMIT:
        handle_submit(c, env, p, len);      /* takes env */
        return;
    case RS__ENVELOPE__MSG_REPORT_REQUEST:
        handle_report(c, env);
        break;
    default:
        send_error(c, env->has_request_id ? &env->request_id : NULL, RS_EPROTO,
                   "unexpected message", true);
        break;
    }
    rs__envelope__free_unpacked(env, NULL);
}

/*
 * Decrypts what the TLS state holds into the frame buffer: true if some
 * plaintext arrived, false if it needs more ciphertext or the connection
 * failed (then it is closing).
 */
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

static bool tls_pull(struct rs_conn *c)
{
    char why[256];
    uint8_t *p;
    size_t room, got = 0;
    rs_status rc = rs_frame_rx_reserve(&c->rx, RS_FRAME_CHUNK, &p, &room);

    if (rc != RS_OK) {
        send_error(c, NULL, rc == RS_ETOOBIG ? RS_ETOOBIG : RS_ENOMEM,
                   rc == RS_ETOOBIG ? "frame over the size cap" : "out of memory", true);
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
        conn_close(c);
        return false;
    }
    rs_log(RS_LOG_WARN, c->id, c->peer, "TLS %s: %s (closing)",
           rs_tls_ready(c->tls) ? "error" : "handshake failed", why);
    if (!rs_tls_ready(c->tls) && c->plain_peer)
        send_plain_refusal(c);
    close_after_flush(c);
    return false;
}

static void conn_pump(struct rs_conn *c)
{
    while (conn_can_process(c)) {
        const uint8_t *p;
        size_t len;
        rs_status rc = rs_frame_rx_next(&c->rx, &p, &len);

        if (rc == RS_EAGAIN) {
            if (c->tls && tls_pull(c))
                continue;
            break;
        }
        if (rc == RS_ETOOBIG) {
            send_error(c, NULL, RS_ETOOBIG, "frame over the size cap", true);
            return;
        }
        if (rc != RS_OK) {
            send_error(c, NULL, RS_EPROTO, "malformed length prefix", true);
            return;
        }
        handle_frame(c, p, len);
        rs_frame_rx_consume(&c->rx);
    }
    tls_flush(c);
    if (c->srv->stopping && c->in_flight == 0 && c->writes == 0) {
        conn_close(c);
        return;
    }
    conn_update_reading(c);
}

static void on_timer(uv_timer_t *t)
{
    struct rs_conn *c = t->data;

    if (c->st == ST_HELLO) {
        send_error(c, NULL, RS_ETIMEDOUT, "no Hello within the handshake timeout", true);
    } else if (c->in_flight == 0) {
        rs_log(RS_LOG_INFO, c->id, c->peer, "idle timeout");
        conn_close(c);
    } else {
        uv_timer_again(t);
    }
}

/* ------------------------------------------------------------ accept */

static void format_peer(struct rs_conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    char ip[46] = "?";
    int port = 0;

    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;

            uv_ip4_name(in, ip, sizeof(ip));
            port = ntohs(in->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

            uv_ip6_name(in6, ip, sizeof(ip));
            port = ntohs(in6->sin6_port);
        }
    }
    snprintf(c->addr, sizeof(c->addr), "%s", ip);
    snprintf(c->peer, sizeof(c->peer), "%s:%d", ip, port);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct rs_server *srv = server->data;
    struct rs_conn *c;

    if (status < 0) {
        RS_WARN("accept failed: %s", uv_strerror(status));
        return;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->srv = srv;
    c->id = ++srv->next_id;
    c->refs = 2;
    rs_frame_rx_init(&c->rx, srv->cfg.max_frame);
    uv_tcp_init(&srv->loop, &c->tcp);
    uv_timer_init(&srv->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    format_peer(c);
    uv_tcp_nodelay(&c->tcp, 1);
    if (srv->tls && rs_tls_new(srv->tls, &c->tls) != RS_OK) {
        rs_log(RS_LOG_ERROR, c->id, c->peer, "out of memory for a TLS state");
        c->addr[0] = '\0';
        conn_close(c);
        return;
    }
    if (srv->nconns > srv->cfg.max_conns) {
        c->addr[0] = '\0';
        send_error(c, NULL, RS_EBUSY, "server has too many connections", true);
        return;
    }
    if (!addr_acquire(srv, c->addr)) {
        c->addr[0] = '\0';
        send_error(c, NULL, RS_EBUSY, "too many connections from this address", true);
        return;
    }
    uv_timer_start(&c->timer, on_timer, srv->cfg.handshake_ms, 0);
    rs_log(RS_LOG_DEBUG, c->id, c->peer, "connected");
    conn_update_reading(c);
}

/* ------------------------------------------------------------ shutdown */

static void on_quiet_close(uv_handle_t *h)
{
    (void)h;
}

static void maybe_finish(struct rs_server *srv)
{
    if (!srv->stopping || srv->finished || srv->nconns > 0 || srv->pending || srv->unsynced ||
        rs_dbq_busy(&srv->wq) || rs_dbq_busy(&srv->sq) || rs_dbq_busy(&srv->aq) ||
        rs_dbq_busy(&srv->rq))
        return;
    srv->finished = true;
    uv_close((uv_handle_t *)&srv->sigint, on_quiet_close);
    uv_close((uv_handle_t *)&srv->sigterm, on_quiet_close);
    uv_close((uv_handle_t *)&srv->drain_timer, on_quiet_close);
    if (srv->linger_fd >= 0)
        uv_close((uv_handle_t *)&srv->linger_poll, on_quiet_close);
}

static void on_dbq_idle(struct rs_dbq *q)
{
    maybe_finish(q->data);
}

static void force_close_all(struct rs_server *srv)
{
    struct rs_conn *c;

    for (c = srv->conns; c; c = c->next)
        conn_close(c);
    rs_dbq_cancel_queued(&srv->aq);
    rs_dbq_cancel_queued(&srv->rq);
}

static void on_drain_timeout(uv_timer_t *t)
{
    struct rs_server *srv = t->data;

    RS_WARN("drain timeout: closing %u remaining connections", srv->nconns);
    force_close_all(srv);
    maybe_finish(srv);
}

static void begin_shutdown(struct rs_server *srv)
{
    struct rs_conn *c, *next;

    srv->stopping = true;
    RS_INFO("shutting down: %u connections, %zu records waiting to commit", srv->nconns,
            srv->pending_records);
    uv_close((uv_handle_t *)&srv->listener, on_quiet_close);
    uv_timer_start(&srv->drain_timer, on_drain_timeout, srv->cfg.drain_ms, 0);
    for (c = srv->conns; c; c = next) {
        next = c->next;
        if (c->in_flight == 0 && c->writes == 0)
            conn_close(c);
        else
            conn_update_reading(c);
    }
    maybe_finish(srv);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct rs_server *srv = h->data;

    srv->signals++;
    if (srv->signals == 1) {
        RS_INFO("signal %d: finishing what is being committed", signum);
        begin_shutdown(srv);
    } else {
        RS_WARN("signal %d again: closing every connection now", signum);
        force_close_all(srv);
        maybe_finish(srv);
    }
}

/* ------------------------------------------------------------ run */

static rs_status listen_on(struct rs_server *srv, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int r, len = sizeof(ss);
    char ip[46];
    int port;

    if (uv_ip4_addr(srv->cfg.host, srv->cfg.port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(srv->cfg.host, srv->cfg.port, (struct sockaddr_in6 *)&ss) != 0) {
        snprintf(err, errlen, "cannot parse listen address %s", srv->cfg.host);
        return RS_EINVAL;
    }
    uv_tcp_init(&srv->loop, &srv->listener);
    srv->listener.data = srv;
    r = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
    if (r == 0)
        r = uv_listen((uv_stream_t *)&srv->listener, 1024, on_connection);
    if (r != 0) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s", srv->cfg.host, srv->cfg.port,
                 uv_strerror(r));
        return RS_EIO;
    }
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&ss, &len);
    if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    } else {
        uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    fprintf(srv->cfg.ready_out, "listening on %s:%d\n", ip, port);
    if (srv->tls) {
        char fp[72];

        rs_tls_ctx_fingerprint(srv->tls, fp);
        fprintf(srv->cfg.ready_out, "tls certificate %s\n", fp);
    }
    fflush(srv->cfg.ready_out);
    RS_INFO("listening on %s:%d, database %s", ip, port, srv->cfg.db_path);
    return RS_OK;
}

/* True for an address in 127.0.0.0/8 or ::1. */
static bool is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

/* Checks the transport settings and loads the certificate (before the database is touched). */
static rs_status setup_transport(struct rs_server *srv, char *err, size_t errlen)
{
    const struct rs_server_config *cfg = &srv->cfg;
    char fp[72];
    rs_status rc;

    if (cfg->tls_cert || cfg->tls_key) {
        if (!cfg->tls_cert || !cfg->tls_key) {
            snprintf(err, errlen, "TLS needs both --tls-cert FILE and --tls-key FILE");
            return RS_EINVAL;
        }
        if (cfg->plaintext) {
            snprintf(err, errlen, "--plaintext and --tls-cert/--tls-key exclude each other");
            return RS_EINVAL;
        }
        rc = rs_tls_ctx_new(cfg->tls_cert, cfg->tls_key, &srv->tls, err, errlen);
        if (rc)
            return rc;
        rs_tls_ctx_fingerprint(srv->tls, fp);
        RS_INFO("TLS 1.2+ with certificate %s (%s)", cfg->tls_cert, fp);
        return RS_OK;
    }
    if (!cfg->plaintext) {
        snprintf(err, errlen, "refusing to serve without TLS: give --tls-cert FILE --tls-key FILE "
                              "(plaintext needs --plaintext and a loopback address)");
        return RS_EINVAL;
    }
    if (!cfg->host || !is_loopback(cfg->host)) {
        snprintf(err, errlen, "refusing plaintext on %s: --plaintext is allowed only on a "
                              "loopback address (127.0.0.0/8 or ::1); use --tls-cert and "
                              "--tls-key for anything else",
                 cfg->host ? cfg->host : "(no address)");
        return RS_EINVAL;
    }
    RS_WARN("plaintext on %s (loopback only): tokens and records are not encrypted",
            cfg->host);
    return RS_OK;
}

static void walk_close(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, on_quiet_close);
}

rs_status rs_server_run(const struct rs_server_config *cfg, char *err, size_t errlen)
{
    struct rs_server *srv;
    rs_status rc;
    size_t i;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);   /* a file-size limit must fail the commit, not kill us */
    rs_tls_init();              /* before the pool threads hash anything */
    srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return RS_ENOMEM;
    }
    srv->cfg = *cfg;
    srv->linger_fd = -1;
    rc = setup_transport(srv, err, errlen);
    if (rc)
        goto out;
    rc = rs_store_open(cfg->db_path, RS_STORE_READWRITE, &srv->wstore, err, errlen);
    if (rc)
        goto out;
    rc = rs_store_open(cfg->db_path, RS_STORE_READWRITE, &srv->astore, err, errlen);
    if (rc)
        goto out;
    rc = rs_store_open(cfg->db_path, RS_STORE_READONLY, &srv->rstore, err, errlen);
    if (rc)
        goto out;
    if (!cfg->sync_in_commit) {
        rc = rs_store_defer_sync(srv->wstore, err, errlen);
        if (rc == RS_OK)
            rc = rs_store_wal_open(cfg->db_path, &srv->wal, err, errlen);
        if (rc)
            goto out;
    }
    if (uv_loop_init(&srv->loop) != 0) {
        snprintf(err, errlen, "cannot initialise the event loop");
        rc = RS_EIO;
        goto out;
    }
    rs_dbq_init(&srv->wq, &srv->loop, srv->wstore);
    rs_dbq_init(&srv->aq, &srv->loop, srv->astore);
    rs_dbq_init(&srv->rq, &srv->loop, srv->rstore);
    rs_dbq_init(&srv->sq, &srv->loop, NULL);
    srv->wq.data = srv->aq.data = srv->rq.data = srv->sq.data = srv;
    srv->wq.idle_cb = srv->aq.idle_cb = srv->rq.idle_cb = srv->sq.idle_cb = on_dbq_idle;
    uv_signal_init(&srv->loop, &srv->sigint);
    uv_signal_init(&srv->loop, &srv->sigterm);
    uv_timer_init(&srv->loop, &srv->drain_timer);
    srv->linger_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (srv->linger_fd >= 0 && uv_poll_init(&srv->loop, &srv->linger_poll, srv->linger_fd) == 0) {
        srv->linger_poll.data = srv;
        uv_poll_start(&srv->linger_poll, UV_READABLE, on_linger);
    } else if (srv->linger_fd >= 0) {
        close(srv->linger_fd);
        srv->linger_fd = -1;
    }
    srv->sigint.data = srv->sigterm.data = srv->drain_timer.data = srv;
    uv_signal_start(&srv->sigint, on_signal, SIGINT);
    uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
    rc = listen_on(srv, err, errlen);
    if (rc) {
        uv_walk(&srv->loop, walk_close, NULL);
        uv_run(&srv->loop, UV_RUN_DEFAULT);
        uv_loop_close(&srv->loop);
        goto out;
    }
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    RS_INFO("stopped: %llu group commits, %llu records", (unsigned long long)srv->commits,
            (unsigned long long)srv->committed_records);
    if (uv_loop_close(&srv->loop) != 0) {
        snprintf(err, errlen, "event loop still had open handles at exit");
        rc = RS_EINTERNAL;
    }
    if (srv->sync_failed && rc == RS_OK) {
        snprintf(err, errlen, "stopped after the WAL could not be synced: %s", srv->sync_err);
        rc = RS_EIO;
    }
out:
    rs_store_wal_close(srv->wal);
    if (srv->linger_fd >= 0)
        close(srv->linger_fd);
    if (rs_store_close(srv->rstore) != RS_OK && rc == RS_OK) {
        snprintf(err, errlen, "database did not close cleanly");
        rc = RS_EIO;
    }
    if (rs_store_close(srv->astore) != RS_OK && rc == RS_OK) {
        snprintf(err, errlen, "database did not close cleanly");
        rc = RS_EIO;
    }
    if (rs_store_close(srv->wstore) != RS_OK && rc == RS_OK) {
        snprintf(err, errlen, "database did not close cleanly");
        rc = RS_EIO;
    }
    for (i = 0; i < ADDR_BUCKETS; i++) {
        while (srv->addrs[i]) {
            struct addr_count *a = srv->addrs[i];

            srv->addrs[i] = a->next;
            free(a);
        }
    }
    for (i = 0; i < FAIL_BUCKETS; i++) {
        while (srv->fails[i]) {
            struct addr_fail *f = srv->fails[i];

            srv->fails[i] = f->next;
            free(f);
        }
    }
    rs_tls_ctx_free(srv->tls);
    free(srv);
    return rc;
}

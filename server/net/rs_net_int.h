/*
 * rs_net_int.h - what the files of resettled's network layer share: the
 * server's state, a connection, a batch on its way through the writer, and
 * the functions one file offers the others.  Private to server/net/; the
 * public API is rs_server.h.
 *
 * Threads: everything here runs on the loop thread except the work()
 * functions of database jobs, which run on libuv's pool and touch only
 * their job and their store (rs_dbq.h).  Four queues: three with a store
 * each, the writer (group commits with their audit rows), the authenticator
 * (token checks, and the audit rows of refused handshakes) and the reporter
 * (read-only reports), so a long report never delays a handshake or an
 * acknowledgement; and one without a store for the WAL syncs of deferred
 * sync.
 *
 * The files, bottom up, what each owns, and whom it may call (only files
 * listed before it):
 *
 *   rs_ratelimit.c   addrs, fails, nfails: connections (and those not yet
 *                    signed in) per address, and failed handshakes per
 *                    address.  Calls no other file.
 *   rs_anchor.c      anq, anchor_*: the audit head written to the log and
 *                    to cfg.anchor_path.  Calls no other file.
 *   rs_revoke.c      revoke_timer, revoke_queued, revoked, nrevoked,
 *                    revoked_ended: the revoked offices, re-read on the
 *                    auth queue, and the check of a request against them.
 *                    Calls no other file.
 *   rs_conn.c        struct rs_conn and its lifetime, conns, nconns,
 *                    next_id, tls_buf, the pool of connections not yet
 *                    signed in (unauth, nunauth, unauth_evicted): reading,
 *                    writing, the TLS pump, errors, timers, closing.  Calls
 *                    rs_ratelimit.c, rs_revoke.c.
 *   rs_handshake.c   the auth queue's jobs: Hello, token check, Welcome;
 *                    auth_unaudited.
 *                    Calls rs_conn.c, rs_ratelimit.c.
 *   rs_submit.c      struct rs_batch: a SubmitBatch's checks (shape and
 *                    caps, each record's canonical bytes, validation,
 *                    scope), its acks, its answer.  Calls rs_conn.c.
 *   rs_report_req.c  the report queue's jobs: ReportRequest checks and
 *                    scope, the reply.  Calls rs_conn.c.
 *   rs_year_req.c    the reporting year's requests (schedules, reviews,
 *                    status, completeness, close, reopen, show): checks
 *                    and scope, jobs on the writer or the report queue,
 *                    the replies.  Calls rs_conn.c.
 *   rs_records_req.c RecordsRequest: checks and scope, a job on the report
 *                    queue, the reply.  Calls rs_conn.c.
 *   rs_commit.c      pending, unsynced, commit_no, committing, syncing,
 *                    sync, sync_failed, sync_err, the linger timer,
 *                    committed_records: group commit and sync.  Calls
 *                    rs_submit.c.
 *   rs_reload.c      reloading, reload_again, fwset's replacement: SIGHUP's
 *                    reload of the TLS context and the framework presets
 *                    (loaded on libuv's pool, swapped on the loop thread).
 *                    Calls no other file.
 *   rs_listener.c    the loop, listener, refuse_tcp, signals, drain timer,
 *                    cfg, the stores, wal, the queues, tls, stopping,
 *                    finished, fwset (loaded at start-up): rs_server_run,
 *                    accept, shutdown.  Calls rs_conn.c, rs_commit.c,
 *                    rs_ratelimit.c, rs_reload.c, rs_revoke.c.
 *   rs_tls.c, rs_dbq.c, rs_fault.c  (own headers) call no file of the
 *                    server; every file may call them.
 *
 * Calls go up this list only through these named functions: rs_conn.c
 * dispatches a frame to rs_handshake_hello, rs_submit_batch then
 * rs_commit_add, rs_report_req_handle, rs_year_req_handle or
 * rs_records_req_handle (after
 * rs_handshake_role_on_wire for a signed-in office); rs_conn.c (a connection freed) and rs_commit.c
 * (a commit or sync done) and rs_reload.c (a reload done) call
 * rs_listener_maybe_finish; rs_commit.c calls rs_listener_shutdown when the
 * WAL cannot be synced.
 *
 * Connection lifetime: a struct rs_conn is freed when its two handles (tcp,
 * timer) have closed and no job or pending batch refers to it (refs); jobs
 * that finish after the connection closed simply drop their reply.
 *
 * Does not: parse CSV, compute reports (rs_report_build.h), run OpenSSL
 * itself (rs_tls.c), or decide how records and audit rows are stored
 * (server/store/).
 */
#ifndef RS_NET_INT_H
#define RS_NET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "resettle.pb-c.h"
#include "rs_arena.h"
#include "rs_dbq.h"
#include "rs_frame.h"
#include "rs_fwset.h"
#include "rs_server.h"
#include "rs_status.h"
#include "rs_store.h"
#include "rs_tls.h"
#include "rs_util.h"

#define ADDR_BUCKETS 4096
#define FAIL_BUCKETS 4096
#define TLS_READ_CHUNK 65536        /* ciphertext offered to one socket read */
#define RS_OFFICE_CODE_BYTES sizeof(((struct rs_office *)0)->code)

enum conn_state { ST_HELLO, ST_AUTHING, ST_READY };

/* Connections from one address (rs_ratelimit.c). */
struct addr_count {
    struct addr_count *next;
    uint32_t n;
    uint32_t unauth;            /* of them, not yet signed in */
    char addr[48];
};

/* Failed handshakes from one address within the current window (rs_ratelimit.c). */
struct addr_fail {
    struct addr_fail *next;
    uint64_t window_start;      /* uv_now() of the window's first failure, ms */
    uint32_t n;
    bool audited;               /* this window's rate limiting has an audit row */
    char addr[48];
};

struct rs_server;

/*
 * An fdatasync of the WAL that makes committed batches durable before their
 * acks go out (deferred sync, rs_store.h).  At most one runs, so the server
 * holds it (rs_commit.c): starting a sync never waits for memory.
 */
struct sync_job {
    struct rs_dbq_job job;
    struct rs_server *srv;
    struct rs_store_wal *wal;   /* the pool thread syncs this, nothing else of srv */
    uint64_t upto;              /* the last commit before this sync started */
    rs_status rc;
    char err[256];
};

/* One connection (rs_conn.c); st and office are the handshake's. */
struct rs_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    struct rs_server *srv;
    struct rs_conn *prev, *next;
    struct rs_conn *uprev, *unext;  /* srv's list of connections not yet signed in */
    bool in_unauth;             /* in that list, and counted in ac */
    struct addr_count *ac;      /* its address's counts, while in_unauth */
    uint64_t accepted_iter;     /* srv->loop_iter when it was accepted */
    uint64_t id;
    char peer[64];
    char addr[48];
    struct rs_frame_rx rx;
    struct rs_tls *tls;         /* NULL in plaintext mode */
    bool seen_input;            /* TLS: some byte has arrived */
    bool plain_peer;            /* TLS: the first byte was not a TLS handshake record */
    enum conn_state st;
    struct rs_office office;
    size_t office_len;          /* strlen(office.code), once signed in */
    uint32_t proto;             /* the Hello's protocol version, once signed in */
    uint32_t in_flight;         /* requests accepted, reply not yet written */
    uint32_t refs;              /* open handles + jobs + batches */
    uint32_t writes;            /* uv_write requests not yet completed */
    bool closing;
    bool reading;
    bool close_after_write;
    bool pumping;               /* rs_conn_pump is handling a frame */
};

/*
 * One SubmitBatch on its way through the writer (made in rs_submit.c).
 * Everything it points to lives in its arena, freed with it: the unpacked
 * envelope, the records, the acks (their ids and reasons too), the store
 * items and the bytes they store.
 */
struct rs_batch {
    struct rs_batch *next;
    struct rs_conn *conn;
    uint64_t request_id;
    bool has_request_id;
    struct rs_arena arena;      /* owns all of the below */
    Rs__Envelope *env;
    const char *batch_id;       /* SubmitBatch.batch_id, or NULL */
    size_t batch_id_len;        /* at most RS_MAX_BATCH_ID_BYTES */
    char office[16];
    size_t office_len;
    char peer[64];
    uint64_t receipt_seq;       /* the batch's audit row, once committed */
    uint8_t receipt_hash[RS_SHA256_LEN];
    uint64_t commit_no;         /* the group commit that stored it */
    size_t n;                   /* records in the batch */
    Rs__RecordAck *acks;        /* n acks, in batch order */
    Rs__RecordAck **ack_ptrs;
    size_t nstore;              /* records that passed validation */
    struct rs_store_rec *store; /* nstore items; body: the record's bytes */
    size_t *store_idx;          /* batch index of each store item */
};

struct rs_server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_signal_t sigint, sigterm, sighup;
    uv_work_t pool_start;       /* the no-op that starts the pool's threads (rs_listener.c) */
    uv_timer_t drain_timer;
    struct rs_server_config cfg;
    struct rs_store *wstore, *astore, *rstore;
    struct rs_store_wal *wal;   /* the sync jobs'; NULL with cfg.sync_in_commit */
    struct rs_sha256_ctx *sha;  /* the loop thread's, for each record's hash; may be NULL */
    struct rs_dbq wq, aq, rq;
    struct rs_dbq sq;           /* WAL syncs, one at a time; no store */
    struct rs_conn *conns;
    uint32_t nconns;
    struct rs_conn *unauth, *unauth_tail;   /* not yet signed in, oldest first */
    uint32_t nunauth;
    uint64_t unauth_evicted;    /* closed to make room for a newer one */
    uint64_t busy_refused;      /* refused ERR_BUSY at accept */
    uv_check_t iter_check;      /* counts loop iterations (loop_iter), after each poll */
    uint64_t loop_iter;
    uint64_t next_id;
    struct addr_count *addrs[ADDR_BUCKETS];
    struct addr_fail *fails[FAIL_BUCKETS];
    size_t nfails;
    struct rs_tls_ctx *tls;     /* NULL in plaintext mode; replaced by a reload (new
                                 * connections use the new one, an SSL keeps its own
                                 * SSL_CTX alive) */
    struct rs_fwset *fwset;     /* the presets; a report job holds a reference;
                                 * NULL without a framework folder */
    bool reloading;             /* a reload job is on the pool */
    bool reload_again;          /* SIGHUP came during it: reload once more */
    uint8_t tls_buf[TLS_READ_CHUNK];    /* shared: alloc and read come in pairs */
    struct rs_batch *pending, *pending_tail;
    size_t pending_records;
    struct rs_batch *unsynced, *unsynced_tail;  /* committed, waiting for a sync */
    uint64_t commit_no;         /* group commits done */
    bool committing;
    bool syncing;               /* `sync` is queued or running */
    struct sync_job sync;
    bool sync_failed;           /* sticky: nothing more is committed or acked */
    char sync_err[256];
    /* Linger: after a small commit whose acks just went out, the next one
     * waits (at most LINGER_US) for those offices' next records. */
    int linger_fd;              /* timerfd; -1 if none */
    uv_poll_t linger_poll;
    bool lingering;
    size_t linger_target;       /* records pending that end the wait */
    /* A connection that cannot be set up is accepted into this handle and
     * closed (rs_listener.c). */
    uv_tcp_t refuse_tcp;
    bool refusing;              /* refuse_tcp is closing */
    bool refuse_waiting;        /* a connection waits in the backlog until it has closed */
    bool stopping;
    bool finished;
    int signals;
    uint64_t committed_records; /* records of the commit_no group commits */
    /* Revoked offices (rs_revoke.c): codes sorted, re-read every
     * cfg.revoke_check_ms; requests of a revoked office end its session. */
    uv_timer_t revoke_timer;
    bool revoke_queued;         /* a re-read is queued or running */
    char (*revoked)[RS_OFFICE_CODE_BYTES];
    size_t nrevoked;
    uint64_t revoked_ended;     /* sessions ended so */
    uint64_t auth_unaudited;    /* refused sign-ins not in the audit trail (rs_handshake.c) */
    /* The audit head written outside the database (rs_anchor.c). */
    struct rs_dbq anq;          /* anchor writes, one at a time; no store */
    bool anchor_queued;
    uint64_t anchor_seq;        /* the newest synced batch row */
    uint8_t anchor_hash[RS_SHA256_LEN];
    uint64_t anchor_batches;    /* synced since the last anchor */
    int64_t anchor_at;          /* unix seconds of the last anchor */
};

/* ------------------------------------------------------------ rs_ratelimit.c */

/*
 * Counts one more connection from addr.  False (nothing counted) when addr
 * already has cfg.max_conns_per_addr, or on allocation failure.
 */
RS_NODISCARD bool rs_ratelimit_acquire(struct rs_server *srv, const char *addr);

/* Counts one connection from addr less. */
void rs_ratelimit_release(struct rs_server *srv, const char *addr);

/*
 * Counts one more connection from addr that has not signed in (addr holds
 * one acquired connection) and returns addr's entry, which lives as long as
 * that connection's count.  NULL (nothing counted) when addr already has
 * cfg.max_unauth_per_addr of them.
 */
RS_NODISCARD struct addr_count *rs_ratelimit_unauth_acquire(struct rs_server *srv,
                                                            const char *addr);

/* Counts one connection of a's address that has not signed in less. */
void rs_ratelimit_unauth_release(struct addr_count *a);

/* The address's entry if it is rate limited right now, else NULL. */
RS_NODISCARD struct addr_fail *rs_ratelimit_limited(struct rs_server *srv, const char *addr);

/* Counts one failed handshake from addr (no-op with cfg.auth_fail_limit 0). */
void rs_ratelimit_fail(struct rs_server *srv, const char *addr);

/* Seconds until f's window has passed (at least 1). */
unsigned rs_ratelimit_wait_s(struct rs_server *srv, const struct addr_fail *f);

/* Frees every entry (at exit). */
void rs_ratelimit_free(struct rs_server *srv);

/* ------------------------------------------------------------ rs_anchor.c */

/*
 * Notes that batch rows up to seq (hash) are on disk, n of them since the
 * last call; anchors the head when it is due (rs_anchor.c).
 */
void rs_anchor_note(struct rs_server *srv, uint64_t seq, const uint8_t hash[RS_SHA256_LEN],
                    size_t batches);

/* Anchors the last synced head once more; after the loop has ended (blocks). */
void rs_anchor_final(struct rs_server *srv);

/* ------------------------------------------------------------ rs_revoke.c */

/* Opens revoke_timer and starts the periodic re-read (cfg.revoke_check_ms). */
void rs_revoke_start(struct rs_server *srv);

/* Frees the set (after the loop has ended). */
void rs_revoke_free(struct rs_server *srv);

/*
 * True if signed-in c's office may go on making requests; false (counted
 * in revoked_ended and logged) if the last re-read found it revoked: the
 * caller answers ERR_AUTH and closes.
 */
RS_NODISCARD bool rs_revoke_check(struct rs_conn *c);

/* ------------------------------------------------------------ rs_conn.c */

/*
 * Copies a peer-supplied string for a log line: printable ASCII only, at
 * most 64 characters, so a client cannot forge or break log lines.
 * Returns out.
 */
const char *rs_net_log_safe(const char *in, char out[72]);

/*
 * The cap on c's next incoming frame: RS_HELLO_FRAME_MAX until its Hello
 * is accepted, then cfg.max_frame (whichever is smaller before).
 */
size_t rs_conn_frame_cap(const struct rs_conn *c);

/*
 * A new connection of srv: its tcp and timer handles initialised (not yet
 * accepted), in srv's list, with two references (the handles).  NULL on
 * allocation failure.
 */
RS_NODISCARD struct rs_conn *rs_conn_new(struct rs_server *srv);

/*
 * Puts a newly accepted c in the pool of connections not yet signed in:
 * counted for its address (past cfg.max_unauth_per_addr it is refused with
 * ERR_BUSY and closed), and, when the pool holds cfg.max_unauth, the one
 * that has waited longest without sending a Hello, from an address that
 * holds at least as many of the pool as c's does, is closed with ERR_BUSY
 * to make room: a flood from a few addresses makes room from its own
 * connections, never from a township's.  Among those, one the loop has
 * polled once (accepted two iterations ago or more) goes first, since a
 * younger one's Hello may be waiting in its socket behind a burst of
 * accepts; a younger one goes only for a newcomer from a lighter address.
 * When none qualifies, c is refused instead.  False when c was refused.
 */
RS_NODISCARD bool rs_conn_unauth_enter(struct rs_conn *c);

/* Takes c out of the pool (signed in, or closing); no-op if it is not in it. */
void rs_conn_unauth_leave(struct rs_conn *c);

/* Drops one reference; the last frees c and may finish a shutdown. */
void rs_conn_unref(struct rs_conn *c);

/* Closes both handles (once); c is freed when they have closed and refs allow. */
void rs_conn_close(struct rs_conn *c);

/* Packs env and writes it (through TLS if any); closes c if that fails. */
void rs_conn_send(struct rs_conn *c, const Rs__Envelope *env);

/*
 * Sends Error{code, msg, close} for request_id (NULL: none) and logs it as
 * `name`.  With close, stops reading and closes c once the reply is written.
 */
void rs_conn_error_code(struct rs_conn *c, const uint64_t *request_id, Rs__ErrorCode code,
                        const char *name, const char *msg, bool close);

/*
 * ERR_BUSY with close for a connection refused at accept (too many in
 * total, from its address, or waiting to sign in).  Counted in
 * busy_refused; logged one line per refusal only at debug level, and a
 * count at every power of two.
 */
void rs_conn_refuse_busy(struct rs_conn *c, const char *msg);

/* rs_conn_error_code with the wire code and name of st. */
void rs_conn_error(struct rs_conn *c, const uint64_t *request_id, rs_status st, const char *msg,
                   bool close);

/*
 * A request refused for a reason the clerk can act on (role, scope, a value,
 * a closed year): Error{code of st, msg, text, close=false}.  msg is logged;
 * text, when given, is the same reason in Chinese for the clerk (Error.text).
 */
void rs_conn_refuse(struct rs_conn *c, const uint64_t *request_id, rs_status st,
                    const char *msg, const char *text);

/* ------------------------------------------------------------ rs_req_check.c */

struct rs_framework;

/*
 * The division a request covers, into out: a township office its own code
 * (want NULL, empty or its code); a central office its own code (want NULL
 * or empty) or a code below it.  Any other role, code or division: refused
 * (rs_conn_refuse), false.
 */
bool rs_req_scope(struct rs_conn *c, const uint64_t *prid, const char *want, char out[16]);

/* True for a central office; otherwise refuses "what is for the central office
 * only" (what in English for the log, zh the same in Chinese) and is false. */
bool rs_req_central_only(struct rs_conn *c, const uint64_t *prid, const char *what,
                         const char *zh);

/* True when has and year is 2000..2100; otherwise refuses, false. */
bool rs_req_year(struct rs_conn *c, const uint64_t *prid, bool has, uint32_t year);

/*
 * The framework preset name names (NULL or "": the default) in the server's
 * set (borrowed from the set: take a reference with rs_fwset_ref to keep
 * it), or NULL once refused: a name over 127 bytes, not a preset name (a /
 * or a .), or no such preset.
 */
const struct rs_framework *rs_req_framework(struct rs_conn *c, const uint64_t *prid,
                                            const char *name);

/*
 * Answers a request whose job ended with rc (not RS_OK) and err (may be
 * empty).  A refusal (RS_EINVAL, RS_EFORBIDDEN, RS_ELOCKED, RS_ENOTFOUND,
 * RS_ETOOBIG) is worded by the store in Chinese and goes as both message and
 * text; a fault goes as its message alone, the client says what it means.
 */
void rs_req_answer_job(struct rs_conn *c, const uint64_t *prid, rs_status rc, const char *err);

/* Starts or stops reading c as its state, in-flight count and write queue allow. */
void rs_conn_update_reading(struct rs_conn *c);

/* Handles every complete frame c holds while it may, then flushes TLS output. */
void rs_conn_pump(struct rs_conn *c);

/*
 * Ends c, which has nothing in flight, for the server's stop: a signed-in
 * connection is told Error{ERR_SHUTDOWN, close} first; others just close.
 */
void rs_conn_end_for_shutdown(struct rs_conn *c);

/* The connection timer: the handshake deadline, then the idle timeout (both ERR_TIMEOUT). */
void rs_conn_on_timer(uv_timer_t *t);

/* ------------------------------------------------------------ rs_handshake.c */

/* True for the roles that sign in over the network (township, central). */
bool rs_handshake_role_on_wire(Rs__Role role);

/* Answers or queues the token check of a Hello on c (in state ST_HELLO). */
void rs_handshake_hello(struct rs_conn *c, const Rs__Hello *h);

/* ------------------------------------------------------------ rs_submit.c */

/*
 * Checks the SubmitBatch envelope p[0..len) that c (signed in) sent, as
 * received (rs_wire_msg_case said it is one), and returns the batch for
 * the writer, holding a reference and an in-flight slot of c.  NULL when it
 * was answered here already (unparsable, over a cap, the other version's
 * field, out of memory).  p is not kept.
 */
RS_NODISCARD struct rs_batch *rs_submit_batch(struct rs_conn *c, const uint8_t *p, size_t len);

/*
 * Answers a batch whose commit (and sync) is over, lets its connection go
 * on and frees b.  rc != RS_OK: nothing of it may be called stored;
 * committed says whether the failure came after the commit (a failed sync).
 */
void rs_submit_finish(struct rs_batch *b, rs_status rc, bool committed, const char *why);

/* ------------------------------------------------------------ rs_report_req.c */

/* Checks a ReportRequest on c and queues the report, or answers the refusal. */
void rs_report_req_handle(struct rs_conn *c, const Rs__Envelope *env);

/* ------------------------------------------------------------ rs_year_req.c */

/*
 * Checks one of the reporting year's requests on c (ScheduleSet,
 * ScheduleRequest, ReviewRequest, StatusRequest, CompletenessRequest,
 * YearRequest) and queues its job, or answers the refusal.  env stays the
 * caller's.
 */
void rs_year_req_handle(struct rs_conn *c, const Rs__Envelope *env);

/* ------------------------------------------------------------ rs_records_req.c */

/*
 * Checks a RecordsRequest on c and queues its job on the report queue, or
 * answers the refusal.  env stays the caller's.
 */
void rs_records_req_handle(struct rs_conn *c, const Rs__Envelope *env);

/* ------------------------------------------------------------ rs_commit.c */

/* Queues a checked batch for the next group commit and starts one if the writer is idle. */
void rs_commit_add(struct rs_server *srv, struct rs_batch *b);

/* Opens the linger timer (a timerfd polled on the loop); without one, commits never linger. */
void rs_commit_linger_init(struct rs_server *srv);

/* ------------------------------------------------------------ rs_reload.c */

/*
 * Starts a reload (SIGHUP): loads the TLS certificate and key (when the
 * server speaks TLS) and the framework folder (when it has one) on libuv's
 * pool; on the loop thread each that loaded replaces the current one and
 * each that failed is logged and the current one kept.  A SIGHUP during a
 * reload runs one more after it.  Ignored once the server is stopping.
 */
void rs_reload_start(struct rs_server *srv);

/* ------------------------------------------------------------ rs_listener.c */

/* Ends the loop's last handles once a shutdown has nothing left to wait for. */
void rs_listener_maybe_finish(struct rs_server *srv);

/* Stops accepting, finishes what is under way and closes every connection. */
void rs_listener_shutdown(struct rs_server *srv);

#endif

/*
 * rs_listener.c - resettled's event loop: rs_server_run (transport checks,
 * the stores and queues, the listener), accepting connections, signals and
 * the drain at shutdown.
 *
 * SIGHUP reloads the TLS certificate and the framework presets
 * (rs_reload.c).
 *
 * Signals are taken by the loop thread alone: the pool's threads are
 * started with SIGINT, SIGTERM and SIGHUP blocked, so no signal waits on a
 * thread that is blocked in a database call (under ThreadSanitizer, which
 * delivers a signal only when its thread next calls into the C library, a
 * SIGTERM once went unanswered for a minute in CI).
 *
 * Shutdown: the first SIGINT or SIGTERM closes the listener and every idle
 * connection; what is being committed is finished and answered, then the
 * remaining connections close and the loop ends.  A second signal, or
 * cfg.drain_ms without an end, closes every connection at once.
 *
 * Does not: read or write connections (rs_conn.c), or commit (rs_commit.c).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "rs_log.h"
#include "rs_net_int.h"
#include "rs_wire.h"

static void pool_start_work(uv_work_t *req)
{
    (void)req;
}

static void pool_start_done(uv_work_t *req, int status)
{
    (void)req;
    (void)status;
}

/*
 * Starts libuv's pool threads now, while this (the loop) thread blocks the
 * signals the loop handles: the threads inherit the mask and never take
 * them.  The pool starts its threads all at once on its first request.
 */
static void start_pool_without_signals(struct rs_server *srv)
{
    sigset_t set, old;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    if (uv_queue_work(&srv->loop, &srv->pool_start, pool_start_work, pool_start_done) != 0)
        RS_WARN("cannot start the thread pool before the signals are handled");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void rs_server_config_defaults(struct rs_server_config *c)
{
    memset(c, 0, sizeof(*c));
    c->host = "127.0.0.1";
    c->max_frame = RS_FRAME_MAX_DEFAULT;
    c->max_batch = RS_MAX_BATCH_RECORDS;
    c->max_in_flight = RS_MAX_IN_FLIGHT;
    c->max_conns = 12000;
    c->max_conns_per_addr = 11000;
    c->max_unauth = 1024;
    c->max_unauth_per_addr = 256;
    c->handshake_ms = 10000;
    c->idle_ms = 300000;
    c->drain_ms = 10000;
    c->revoke_check_ms = 1000;
    c->anchor_every = 1000;
    c->max_commit_records = 20000;
    c->write_queue_high = 1u << 20;
    c->write_queue_max = 32u << 20;
    c->ready_out = stdout;
    c->auth_fail_limit = 5;
    c->auth_fail_window_ms = 60000;
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

static void on_connection(uv_stream_t *server, int status);

static void on_refused_closed(uv_handle_t *h)
{
    struct rs_server *srv = h->data;

    srv->refusing = false;
    if (srv->refuse_waiting && !srv->stopping) {
        srv->refuse_waiting = false;
        on_connection((uv_stream_t *)&srv->listener, 0);
    }
}

/*
 * A connection that cannot be set up (no memory for its state) is still
 * accepted, into the server's spare handle, and closed at once: libuv polls
 * the listener again only after uv_accept, and the descriptor must not stay
 * open.  While the spare handle is closing, a further one waits in the
 * listen backlog; the close callback takes it then.
 */
static void refuse_connection(struct rs_server *srv)
{
    int r;

    if (srv->refusing) {
        srv->refuse_waiting = true;
        return;
    }
    uv_tcp_init(&srv->loop, &srv->refuse_tcp);
    srv->refuse_tcp.data = srv;
    r = uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&srv->refuse_tcp);
    if (r != 0)
        RS_WARN("accept failed: %s", uv_strerror(r));
    srv->refusing = true;
    uv_close((uv_handle_t *)&srv->refuse_tcp, on_refused_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct rs_server *srv = server->data;
    struct rs_conn *c;

    if (status < 0) {
        RS_WARN("accept failed: %s", uv_strerror(status));
        return;
    }
    c = rs_conn_new(srv);
    if (!c) {
        RS_ERROR("out of memory for a new connection; closing it");
        refuse_connection(srv);
        return;
    }
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        rs_conn_close(c);
        return;
    }
    format_peer(c);
    uv_tcp_nodelay(&c->tcp, 1);
    if (srv->tls && rs_tls_new(srv->tls, &c->tls) != RS_OK) {
        rs_log(RS_LOG_ERROR, c->id, c->peer, "out of memory for a TLS state");
        c->addr[0] = '\0';
        rs_conn_close(c);
        return;
    }
    if (srv->nconns > srv->cfg.max_conns) {
        c->addr[0] = '\0';
        rs_conn_refuse_busy(c, "server has too many connections");
        return;
    }
    if (!rs_ratelimit_acquire(srv, c->addr)) {
        c->addr[0] = '\0';
        rs_conn_refuse_busy(c, "too many connections from this address");
        return;
    }
    if (!rs_conn_unauth_enter(c))
        return;
    uv_timer_start(&c->timer, rs_conn_on_timer, srv->cfg.handshake_ms, 0);
    rs_log(RS_LOG_DEBUG, c->id, c->peer, "connected");
    rs_conn_update_reading(c);
}

/* ------------------------------------------------------------ service manager */

/* Tells the service manager (cfg.notify, if any) a state; see rs_server.h. */
static void notify(struct rs_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notify(struct rs_server *srv, const char *fmt, ...)
{
    char state[256];
    va_list ap;

    if (!srv->cfg.notify)
        return;
    va_start(ap, fmt);
    vsnprintf(state, sizeof(state), fmt, ap);
    va_end(ap);
    srv->cfg.notify(srv->cfg.notify_arg, state);
}

/* ------------------------------------------------------------ shutdown */

static void on_quiet_close(uv_handle_t *h)
{
    (void)h;
}

void rs_listener_maybe_finish(struct rs_server *srv)
{
    if (!srv->stopping || srv->finished || srv->nconns > 0 || srv->pending || srv->unsynced ||
        rs_dbq_busy(&srv->wq) || rs_dbq_busy(&srv->sq) || rs_dbq_busy(&srv->aq) ||
        rs_dbq_busy(&srv->rq) || rs_dbq_busy(&srv->anq) || srv->reloading)
        return;
    srv->finished = true;
    uv_close((uv_handle_t *)&srv->sigint, on_quiet_close);
    uv_close((uv_handle_t *)&srv->sigterm, on_quiet_close);
    uv_close((uv_handle_t *)&srv->sighup, on_quiet_close);
    uv_close((uv_handle_t *)&srv->drain_timer, on_quiet_close);
    uv_close((uv_handle_t *)&srv->iter_check, on_quiet_close);
    uv_close((uv_handle_t *)&srv->revoke_timer, on_quiet_close);
    if (srv->linger_fd >= 0)
        uv_close((uv_handle_t *)&srv->linger_poll, on_quiet_close);
}

/* After each poll phase: a connection accepted before the last one has been polled. */
static void on_iter_check(uv_check_t *h)
{
    struct rs_server *srv = h->data;

    srv->loop_iter++;
}

static void on_dbq_idle(struct rs_dbq *q)
{
    rs_listener_maybe_finish(q->data);
}

static void force_close_all(struct rs_server *srv)
{
    struct rs_conn *c;

    for (c = srv->conns; c; c = c->next)
        rs_conn_close(c);
    rs_dbq_cancel_queued(&srv->aq);
    rs_dbq_cancel_queued(&srv->rq);
}

static void on_drain_timeout(uv_timer_t *t)
{
    struct rs_server *srv = t->data;

    RS_WARN("drain timeout: closing %u remaining connections", srv->nconns);
    force_close_all(srv);
    rs_listener_maybe_finish(srv);
}

void rs_listener_shutdown(struct rs_server *srv)
{
    struct rs_conn *c, *next;

    srv->stopping = true;
    notify(srv, "STOPPING=1");
    RS_INFO("shutting down: %u connections, %zu records waiting to commit", srv->nconns,
            srv->pending_records);
    uv_close((uv_handle_t *)&srv->listener, on_quiet_close);
    uv_timer_start(&srv->drain_timer, on_drain_timeout, srv->cfg.drain_ms, 0);
    for (c = srv->conns; c; c = next) {
        next = c->next;
        if (c->in_flight == 0 && c->writes == 0)
            rs_conn_end_for_shutdown(c);
        else
            rs_conn_update_reading(c);
    }
    rs_listener_maybe_finish(srv);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct rs_server *srv = h->data;

    srv->signals++;
    if (srv->signals == 1) {
        RS_INFO("signal %d: finishing what is being committed", signum);
        rs_listener_shutdown(srv);
    } else {
        RS_WARN("signal %d again: closing every connection now", signum);
        force_close_all(srv);
        rs_listener_maybe_finish(srv);
    }
}

static void on_sighup(uv_signal_t *h, int signum)
{
    (void)signum;
    rs_reload_start(h->data);
}

/* ------------------------------------------------------------ run */

/* The presets of cfg.framework_dir (none without one), loaded before the database is touched. */
static rs_status load_presets(struct rs_server *srv, char *err, size_t errlen)
{
    char names[512];
    rs_status rc;

    if (!srv->cfg.framework_dir)
        return RS_OK;
    rc = rs_fwset_load(srv->cfg.framework_dir, &srv->fwset, err, errlen);
    if (rc)
        return rc;
    rs_fwset_names(srv->fwset, names, sizeof(names));
    RS_INFO("%zu framework presets from %s (%s)", rs_fwset_count(srv->fwset),
            srv->cfg.framework_dir, names);
    return RS_OK;
}

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
    notify(srv, "READY=1\nSTATUS=listening on %s:%d", ip, port);
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

/* Logs, a line each, what opening the database migrated and found (rs_store_notice). */
static void log_notice(const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        int n = nl ? (int)(nl - text) : (int)strlen(text);

        RS_WARN("%.*s", n, text);
        text += n + (nl ? 1 : 0);
    }
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
    srv->sha = rs_sha256_ctx_new();   /* NULL: records are hashed the slower way */
    rc = setup_transport(srv, err, errlen);
    if (rc)
        goto out;
    rc = load_presets(srv, err, errlen);
    if (rc)
        goto out;
    rc = rs_store_open(cfg->db_path, RS_STORE_READWRITE, &srv->wstore, err, errlen);
    if (rc)
        goto out;
    log_notice(rs_store_notice(srv->wstore));
    rc = rs_store_open(cfg->db_path, RS_STORE_READWRITE, &srv->astore, err, errlen);
    if (rc)
        goto out;
    rc = rs_store_open(cfg->db_path, RS_STORE_READONLY, &srv->rstore, err, errlen);
    if (rc)
        goto out;
    if (!cfg->sync_in_commit && !rs_store_is_pg(srv->wstore)) {
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
    start_pool_without_signals(srv);
    rs_dbq_init(&srv->wq, &srv->loop, srv->wstore);
    rs_dbq_init(&srv->aq, &srv->loop, srv->astore);
    rs_dbq_init(&srv->rq, &srv->loop, srv->rstore);
    rs_dbq_init(&srv->sq, &srv->loop, NULL);
    rs_dbq_init(&srv->anq, &srv->loop, NULL);
    srv->wq.data = srv->aq.data = srv->rq.data = srv->sq.data = srv->anq.data = srv;
    srv->wq.idle_cb = srv->aq.idle_cb = srv->rq.idle_cb = srv->sq.idle_cb = on_dbq_idle;
    srv->anq.idle_cb = on_dbq_idle;
    uv_signal_init(&srv->loop, &srv->sigint);
    uv_signal_init(&srv->loop, &srv->sigterm);
    uv_signal_init(&srv->loop, &srv->sighup);
    uv_timer_init(&srv->loop, &srv->drain_timer);
    uv_check_init(&srv->loop, &srv->iter_check);
    srv->iter_check.data = srv;
    uv_check_start(&srv->iter_check, on_iter_check);
    rs_commit_linger_init(srv);
    rs_revoke_start(srv);
    srv->sigint.data = srv->sigterm.data = srv->sighup.data = srv->drain_timer.data = srv;
    uv_signal_start(&srv->sigint, on_signal, SIGINT);
    uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
    uv_signal_start(&srv->sighup, on_sighup, SIGHUP);
    rc = listen_on(srv, err, errlen);
    if (rc) {
        uv_walk(&srv->loop, walk_close, NULL);
        uv_run(&srv->loop, UV_RUN_DEFAULT);
        uv_loop_close(&srv->loop);
        goto out;
    }
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    rs_anchor_final(srv);
    RS_INFO("stopped: %llu group commits, %llu records; %llu connections refused ERR_BUSY, "
            "%llu closed waiting to sign in for newer ones, %llu sessions of revoked offices "
            "ended; %llu refused sign-ins not written to the audit trail",
            (unsigned long long)srv->commit_no, (unsigned long long)srv->committed_records,
            (unsigned long long)srv->busy_refused, (unsigned long long)srv->unauth_evicted,
            (unsigned long long)srv->revoked_ended, (unsigned long long)srv->auth_unaudited);
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
    rs_ratelimit_free(srv);
    rs_fwset_unref(srv->fwset);
    rs_revoke_free(srv);
    rs_tls_ctx_free(srv->tls);
    rs_sha256_ctx_free(srv->sha);
    free(srv);
    return rc;
}

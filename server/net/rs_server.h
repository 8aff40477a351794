/*
 * rs_server.h - resettled: the libuv TCP server.
 *
 * Accepts township and central offices over TLS (rs_tls.h; plaintext only
 * on a loopback address and only when asked for), reads varint-framed
 * rs.Envelope messages, runs the handshake (token, role, per-address rate
 * limit on failures), validates and scope-checks submitted records on the
 * loop thread, and hands them to a single writer that commits everything
 * gathered from all connections in one transaction (group commit) on
 * libuv's thread pool, together with one audit row per batch.  A BatchAck
 * (with its receipt) is written only once that commit is synced to disk
 * (inside COMMIT, or by a WAL sync started after it).  Reports run on a
 * separate read-only connection; refused handshakes are appended to the
 * audit trail through the token-check connection.
 *
 * Does not: run SQLite on the loop thread, or manage offices (resettled
 * office ... does that directly on the database: the admin role is local
 * database access, never a network sign-in).
 */
#ifndef RS_SERVER_H
#define RS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rs_status.h"

struct rs_server_config {
    const char *db_path;
    const char *host;               /* "127.0.0.1", "0.0.0.0", "::" */
    uint16_t port;                  /* 0 picks a free port */
    size_t max_frame;               /* bytes of one incoming frame */
    uint32_t max_batch;             /* records per SubmitBatch */
    uint32_t max_in_flight;         /* requests per connection awaiting a reply */
    uint32_t max_conns;             /* connections in total */
    uint32_t max_conns_per_addr;    /* connections from one IP address */
    uint32_t max_unauth;            /* connections not yet signed in; when full, the one
                                     * that has waited longest is closed */
    uint32_t max_unauth_per_addr;   /* of those, from one IP address; past it, refused */
    uint32_t handshake_ms;          /* Hello must arrive within this */
    uint32_t idle_ms;               /* a connection silent this long is closed */
    uint32_t drain_ms;              /* shutdown waits this long for replies */
    uint32_t revoke_check_ms;       /* revoked offices are re-read this often; a revoked
                                     * office's next request after that ends its session */
    size_t max_commit_records;      /* records in one group commit */
    size_t write_queue_high;        /* pause reading above this many queued bytes */
    size_t write_queue_max;         /* close a peer that lets more pile up */
    const char *framework_dir;      /* the presets' folder (rs_paths.h finds the
                                     * default); NULL: reports name no preset */
    FILE *ready_out;                /* "listening on HOST:PORT" goes here */
    const char *tls_cert;           /* PEM chain; with tls_key, every connection is TLS */
    const char *tls_key;            /* PEM private key */
    bool plaintext;                 /* no TLS: refused unless host is a loopback address */
    uint32_t auth_fail_limit;       /* failed handshakes per address per window; 0: no limit */
    uint32_t auth_fail_window_ms;   /* the window; further Hellos get ERR_RATE_LIMITED */
    const char *anchor_path;        /* NULL: the audit head only in the log; else appended
                                     * here too (a file kept apart from the database) */
    uint32_t anchor_every;          /* batches between anchors (and one a minute) */
    bool sync_in_commit;            /* fsync inside COMMIT (synchronous=FULL) instead of
                                     * overlapping it with the next commit; acks wait for
                                     * the fsync either way */
    /* The service manager's view (sd_notify(3) assignments, e.g. "READY=1"),
     * called on the loop thread: READY once the listener accepts, STOPPING
     * when a shutdown begins.  NULL: nobody is told. */
    void (*notify)(void *arg, const char *state);
    void *notify_arg;
};

/* Fills c with the documented defaults (see proto/README.md, "Caps"). */
void rs_server_config_defaults(struct rs_server_config *c);

/*
 * Opens the database, listens, and runs until SIGINT or SIGTERM has been
 * handled: the listener closes, replies being committed are finished and
 * sent, connections close, the database closes.  RS_OK on a clean stop;
 * otherwise err says what failed to start.  RS_EINVAL (before the database
 * is touched) when neither TLS (tls_cert and tls_key) nor plaintext is
 * configured, when both are, or when plaintext is asked for on an address
 * outside 127.0.0.0/8 and ::1; RS_EIO when the certificate or key cannot
 * be loaded or do not match.
 */
RS_NODISCARD rs_status rs_server_run(const struct rs_server_config *cfg, char *err, size_t errlen);

#endif

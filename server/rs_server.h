/*
 * rs_server.h - resettled: the libuv TCP server.
 *
 * Accepts township and central offices, reads varint-framed rs.Envelope
 * messages, runs the handshake, validates and scope-checks submitted
 * records on the loop thread, and hands them to a single writer that
 * commits everything gathered from all connections in one transaction
 * (group commit) on libuv's thread pool.  A BatchAck is written only after
 * that commit returned.  Reports run on a separate read-only connection.
 *
 * Does not: run SQLite on the loop thread, speak TLS, or manage offices
 * (resettled office ... does that directly on the database).
 */
#ifndef RS_SERVER_H
#define RS_SERVER_H

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
    uint32_t handshake_ms;          /* Hello must arrive within this */
    uint32_t idle_ms;               /* a connection silent this long is closed */
    uint32_t drain_ms;              /* shutdown waits this long for replies */
    size_t max_commit_records;      /* records in one group commit */
    size_t write_queue_high;        /* pause reading above this many queued bytes */
    size_t write_queue_max;         /* close a peer that lets more pile up */
    const char *framework_dir;      /* NULL: the compiled-in default */
    FILE *ready_out;                /* "listening on HOST:PORT" goes here */
};

/* Fills c with the documented defaults (see proto/README.md, "Caps"). */
void rs_server_config_defaults(struct rs_server_config *c);

/*
 * Opens the database, listens, and runs until SIGINT or SIGTERM has been
 * handled: the listener closes, replies being committed are finished and
 * sent, connections close, the database closes.  RS_OK on a clean stop;
 * otherwise err says what failed to start.
 */
rs_status rs_server_run(const struct rs_server_config *cfg, char *err, size_t errlen);

#endif

/*
 * rs_console_int.h - the console's shared state and its files.
 *
 *   rs_console.c         start and stop: the outbox, the guard, the sender,
 *                        the HTTP daemon, the URL, the signal wait
 *   rs_console_http.c    libmicrohttpd: each request through the guard, its
 *                        body under a cap, then to a route
 *   rs_console_api.c     the routes: what each does with the outbox and the
 *                        session, answered as JSON or a file
 *   rs_console_upload.c  the upload route: a file through rs_intake, as submit
 *   rs_console_preview.c the rows behind an upload's problems, for the page
 *   rs_console_records.c the review queue's listing and a record's versions
 *   rs_console_sender.c  the sending thread: sends the outbox now or after a
 *                        back-off, and says how it went
 *   rs_console_guard.c   the secret and the Host, Origin and cookie checks
 *   rs_console_assets.c  (generated) the page's files, built into the binary
 *
 * rs_console.c calls the others; http calls the guard and the api; the api
 * calls the sender (to start it) and reads its state; nothing calls back.
 * Threads: libmicrohttpd runs a thread per connection, so route handlers
 * run at the same time: the HTTP side's outbox handle is used under
 * ob_mu, and the sender has a handle of its own on its own thread.
 */
#ifndef RS_CONSOLE_INT_H
#define RS_CONSOLE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "resettle.pb-c.h"
#include "rs_console.h"
#include "rs_console_guard.h"
#include "rs_outbox.h"
#include "rs_session.h"

#define RS_CONSOLE_MAX_CONN 16          /* connections at once (a clerk's browser uses ~6) */
#define RS_CONSOLE_BODY_MAX (64u << 10) /* a request body that is not a file */
#define RS_CONSOLE_LIST_MAX 2000u       /* outbox rows one page lists */

enum rs_sender_state {
    RS_SENDER_IDLE,              /* nothing being sent; the last attempt went through */
    RS_SENDER_SENDING,
    RS_SENDER_UNREACHABLE,       /* the last attempt failed; retried after the back-off */
    RS_SENDER_REFUSED            /* token, certificate or role refused: no retry until asked */
};

/* What the sender says of itself. */
struct rs_sender_view {
    enum rs_sender_state state;
    unsigned delay;              /* the next back-off, seconds: 1, 2, 4 ... 60 */
    time_t next_try;             /* when UNREACHABLE: the next attempt */
    time_t last_ok;              /* the last attempt that went through, 0: none */
    uint64_t batch_total;        /* pending when the current attempt began */
    struct rs_sync_stats last;   /* what the last attempt that went through sent */
    char err[512];               /* why the last attempt failed */
    Rs__Role role;               /* from the server's Welcome; UNSPECIFIED: not yet known */
    char office_name[128];
};

struct rs_sender {
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;          /* guards stop, kick and v */
    pthread_cond_t cv;
    bool stop, kick;
    struct rs_sender_view v;
    const struct rs_console_opts *o;
};

struct rs_console {
    struct rs_console_opts o;
    struct rs_console_guard guard;
    pthread_mutex_t ob_mu;
    struct rs_outbox *ob;        /* the HTTP side's handle, under ob_mu */
    struct rs_sender sender;
};

/* One built-in file. */
struct rs_console_asset {
    const char *path;            /* "/index.html" */
    const char *type;            /* its Content-Type */
    const unsigned char *data;
    size_t len;
};

/* The asset at path, or NULL; generated from client/console/assets/. */
const struct rs_console_asset *rs_console_asset_find(const char *path);

/* A route's answer: body malloc'd (the daemon frees it), or a static one. */
struct rs_console_reply {
    unsigned status;             /* HTTP status */
    const char *type;            /* Content-Type */
    char *body;
    size_t len;
    char disposition[512];       /* Content-Disposition, "" for none */
    bool sandbox;                /* served into the report's frame: no script, nothing loaded */
};

/* The request a route sees: the guard has let it through. */
struct rs_console_call {
    const char *method;
    const char *path;
    const char *(*arg)(void *ctx, const char *name);   /* a query argument, or NULL */
    void *ctx;
    const char *body;
    size_t len;
};

/*
 * Answers one request; every reply is filled (404 for an unknown path).
 * May block on the outbox and on the network: runs on the connection's
 * thread.
 */
void rs_console_api_handle(struct rs_console *c, const struct rs_console_call *q,
                           struct rs_console_reply *r);

/* POST /api/upload: one file into the outbox through rs_intake (rs_console_upload.c). */
void rs_console_api_upload(struct rs_console *c, const struct rs_console_call *q,
                           struct rs_console_reply *r);

/* GET /api/records and /api/record: the review queue (rs_console_records.c). */
void rs_console_api_records(struct rs_console *c, const struct rs_console_call *q,
                            struct rs_console_reply *r);
void rs_console_api_record(struct rs_console *c, const struct rs_console_call *q,
                           struct rs_console_reply *r);

/* Starts the sending thread (which opens its own outbox handle, o->outbox),
 * which makes a first attempt at once; o is borrowed.  0 or -1. */
int rs_sender_start(struct rs_sender *s, const struct rs_console_opts *o);

/* Asks the sender to try now (a file queued, the retry button). */
void rs_sender_kick(struct rs_sender *s);

/* Stops the thread and waits for it (an attempt under way finishes first). */
void rs_sender_stop(struct rs_sender *s);

/* A copy of the sender's state, taken under its lock. */
void rs_sender_snapshot(struct rs_sender *s, struct rs_sender_view *out);

/* True for a status that means the server could not be reached or could not commit. */
bool rs_console_unreachable(rs_status rc);

#endif

/*
 * rs_revoke.c - revocations seen by the running server: the set of revoked
 * offices, re-read periodically off the loop, and the check of a signed-in
 * connection's requests against it.
 *
 * `resettled office revoke` changes the database from another process,
 * after the office's sessions signed in.  Every cfg.revoke_check_ms the
 * loop queues one job on the token-check queue (at most one at a time) that
 * lists the offices (rs_store_office_list: one row per office, a few
 * hundred at most) and keeps the codes of the revoked ones, sorted; its
 * done() swaps the set in.  rs_conn.c asks rs_revoke_check before each
 * request of a signed-in connection: a revoked office's request is
 * answered ERR_AUTH and the connection closed.  So a revocation ends a live
 * session at its first request after the next re-read, at most
 * revoke_check_ms after the revoke committed; a batch sent within that
 * window is still stored (the window is in proto/README.md).  A re-read
 * that fails keeps the previous set and is logged.
 *
 * Does not: check tokens at sign-in (rs_handshake.c: a revoked office is
 * refused there straight from the database), or close a revoked office's
 * idle connection before it sends (the idle timeout does).
 */
#include <stdlib.h>
#include <string.h>

#include "rs_log.h"
#include "rs_net_int.h"

#define REVOKED_MAX 100000          /* codes kept; offices are district units, far fewer */

struct revoke_job {
    struct rs_dbq_job job;
    struct rs_server *srv;
    char (*codes)[RS_OFFICE_CODE_BYTES];
    size_t n, cap;
    bool full;                  /* more revoked offices than REVOKED_MAX */
    rs_status rc;
};

static int cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int collect(const struct rs_office *o, void *arg)
{
    struct revoke_job *j = arg;

    if (!o->revoked)
        return 0;
    if (j->n == REVOKED_MAX) {
        j->full = true;
        return 1;
    }
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 16;
        char(*p)[RS_OFFICE_CODE_BYTES] = realloc(j->codes, cap * sizeof(*p));

        if (!p) {
            j->rc = RS_ENOMEM;
            return 1;
        }
        j->codes = p;
        j->cap = cap;
    }
    memcpy(j->codes[j->n], o->code, RS_OFFICE_CODE_BYTES);
    j->codes[j->n][RS_OFFICE_CODE_BYTES - 1] = '\0';
    j->n++;
    return 0;
}

static void revoke_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct revoke_job *j = (struct revoke_job *)job;
    rs_status rc = rs_store_office_list(store, collect, j);

    if (rc != RS_OK && j->rc == RS_OK)
        j->rc = rc;
    if (j->rc == RS_OK && j->n > 1)
        qsort(j->codes, j->n, sizeof(*j->codes), cmp_code);
}

static void revoke_done(struct rs_dbq_job *job, bool canceled)
{
    struct revoke_job *j = (struct revoke_job *)job;
    struct rs_server *srv = j->srv;

    srv->revoke_queued = false;
    if (!canceled && j->rc != RS_OK) {
        RS_ERROR("cannot re-read the revoked offices (the previous list stays in force): %s",
                 rs_status_str(j->rc));
    } else if (!canceled) {
        if (j->full)
            RS_ERROR("more than %d revoked offices: only the first %d are checked on requests",
                     REVOKED_MAX, REVOKED_MAX);
        free(srv->revoked);
        srv->revoked = j->codes;
        srv->nrevoked = j->n;
        j->codes = NULL;
    }
    free(j->codes);
    free(j);
}

static void on_revoke_timer(uv_timer_t *t)
{
    struct rs_server *srv = t->data;
    struct revoke_job *j;

    if (srv->stopping || srv->revoke_queued)
        return;
    j = calloc(1, sizeof(*j));
    if (!j) {
        RS_ERROR("out of memory for the re-read of revoked offices");
        return;
    }
    j->job.work = revoke_work;
    j->job.done = revoke_done;
    j->srv = srv;
    srv->revoke_queued = true;
    rs_dbq_push(&srv->aq, &j->job);
}

void rs_revoke_start(struct rs_server *srv)
{
    uv_timer_init(&srv->loop, &srv->revoke_timer);
    srv->revoke_timer.data = srv;
    uv_timer_start(&srv->revoke_timer, on_revoke_timer, srv->cfg.revoke_check_ms,
                   srv->cfg.revoke_check_ms);
}

void rs_revoke_free(struct rs_server *srv)
{
    free(srv->revoked);
    srv->revoked = NULL;
    srv->nrevoked = 0;
}

bool rs_revoke_check(struct rs_conn *c)
{
    struct rs_server *srv = c->srv;

    if (srv->nrevoked == 0 ||
        !bsearch(c->office.code, srv->revoked, srv->nrevoked, sizeof(*srv->revoked), cmp_code))
        return true;
    srv->revoked_ended++;
    rs_log(RS_LOG_WARN, c->id, c->peer, "office %s was revoked: its session is ended",
           c->office.code);
    return false;
}

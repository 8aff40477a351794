/*
 * rs_commit.c - group commit and sync: the writer queue and the WAL syncs.
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
 * Does not: check records (rs_submit.c), or decide how records and audit
 * rows are stored (server/store/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "rs_fault.h"
#include "rs_log.h"
#include "rs_net_int.h"

#define OVERLAP_MIN_RECORDS 64      /* from this size a commit leaves its fsync to the
                                     * sync queue and the writer goes on */
#define LINGER_US 250               /* longest wait of a commit for just-acked offices */

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

static void kick_writer(struct rs_server *srv);

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

/* Answers every unsynced batch of commits up to `upto`, in commit order.
 * After a failed sync no batch is acknowledged any more. */
static void finish_unsynced(struct rs_server *srv, uint64_t upto, rs_status rc, const char *why)
{
    if (srv->sync_failed) {
        rc = RS_EIO;
        why = srv->sync_err;
    }
    uint64_t seq = 0;
    uint8_t hash[RS_SHA256_LEN];
    size_t n = 0;

    while (srv->unsynced && srv->unsynced->commit_no <= upto) {
        struct rs_batch *b = srv->unsynced;

        srv->unsynced = b->next;
        if (!srv->unsynced)
            srv->unsynced_tail = NULL;
        if (rc == RS_OK && b->receipt_seq > seq) {
            seq = b->receipt_seq;
            memcpy(hash, b->receipt_hash, RS_SHA256_LEN);
        }
        n += rc == RS_OK;
        rs_submit_finish(b, rc, true, why);
    }
    /* On disk now: the newest of these rows may anchor the trail (rs_anchor.c). */
    if (n)
        rs_anchor_note(srv, seq, hash, n);
}

static void sync_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct sync_job *sj = (struct sync_job *)job;

    (void)store;
    sj->rc = rs_store_wal_sync(sj->wal, sj->err, sizeof(sj->err));
}

static void kick_sync(struct rs_server *srv);
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
            rs_listener_shutdown(srv);
    }
    finish_unsynced(srv, sj->upto, sj->rc, sj->err);
    srv->syncing = false;
    kick_sync(srv);
    kick_writer(srv);
    rs_listener_maybe_finish(srv);
}

/* Starts a sync covering every committed batch not yet synced, if none runs. */
static void kick_sync(struct rs_server *srv)
{
    struct sync_job *sj = &srv->sync;

    if (srv->syncing || !srv->unsynced)
        return;
    memset(sj, 0, sizeof(*sj));
    sj->job.work = sync_work;
    sj->job.done = sync_done;
    sj->srv = srv;
    sj->wal = srv->wal;
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
            rs_submit_finish(b, cj->rc, false, cj->err);
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
    rs_listener_maybe_finish(srv);
}

/* Answers every pending batch with rc (nothing of them was stored). */
static void fail_pending(struct rs_server *srv, rs_status rc, const char *why)
{
    while (srv->pending) {
        struct rs_batch *b = srv->pending;

        srv->pending = b->next;
        if (!srv->pending)
            srv->pending_tail = NULL;
        srv->pending_records -= b->nstore;
        rs_submit_finish(b, rc, false, why);
    }
}

/*
 * Starts a group commit of everything pending, if the writer is idle.  If
 * the commit cannot be set up for want of memory, every pending batch is
 * answered ERR_STORAGE at once: nothing else might start another commit.
 */
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
        fail_pending(srv, RS_EIO, srv->sync_err);
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
    cj = rs_net_calloc(RS_NET_FAULT_COMMIT, 1, sizeof(*cj));
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
        RS_ERROR("out of memory starting a commit of %zu records; answering the waiting "
                 "batches ERR_STORAGE", srv->pending_records);
        fail_pending(srv, RS_ENOMEM, "out of memory starting a commit");
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
        sb->batch_id = b->batch_id;
        sb->first = off;
        sb->n = b->nstore;
        sb->n_refused = b->n - b->nstore;
        off += b->nstore;
    }
    srv->pending_records -= n;
    srv->committing = true;
    rs_dbq_push(&srv->wq, &cj->job);
}

void rs_commit_add(struct rs_server *srv, struct rs_batch *b)
{
    if (srv->pending_tail)
        srv->pending_tail->next = b;
    else
        srv->pending = b;
    srv->pending_tail = b;
    srv->pending_records += b->nstore;
    kick_writer(srv);
}

void rs_commit_linger_init(struct rs_server *srv)
{
    srv->linger_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (srv->linger_fd >= 0 && uv_poll_init(&srv->loop, &srv->linger_poll, srv->linger_fd) == 0) {
        srv->linger_poll.data = srv;
        uv_poll_start(&srv->linger_poll, UV_READABLE, on_linger);
    } else if (srv->linger_fd >= 0) {
        close(srv->linger_fd);
        srv->linger_fd = -1;
    }
}

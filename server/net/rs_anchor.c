/*
 * rs_anchor.c - the audit trail's head, written outside the database: to
 * the log, and (with cfg.anchor_path) appended to a file the operator keeps
 * apart, so that a trail cut or rewritten together with the database is
 * still found (resettled audit verify --anchors FILE).
 *
 * After each group commit rs_commit.c hands over the audit row of its last
 * batch.  When cfg.anchor_every batches have been committed since the last
 * anchor, or a minute has passed and at least one has, that row becomes an
 * anchor: one log line "audit head: row S hash H", and the line "S H T" (T
 * unix seconds) appended to the file and synced, by a job on anq (a queue
 * with no store), never on the loop thread.  At most one write is queued;
 * a later anchor while it runs is taken at the next commit.  When the loop
 * has ended, the last committed row is anchored once more, directly.
 *
 * Does not: check anchors (server/store/rs_store_anchor.c), or anchor rows
 * other than batches (a batch row's hash chains over every row before it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_log.h"
#include "rs_net_int.h"

#define ANCHOR_MAX_AGE_S 60         /* an anchor at least this often while batches come */

struct anchor_job {
    struct rs_dbq_job job;
    struct rs_server *srv;
    char line[RS_SHA256_LEN * 2 + 48];
    int err;                    /* errno of a failed write, 0 if it went to disk */
};

/* Appends line to path and syncs it; 0 or errno.  Blocks: never on the loop. */
static int append_line(const char *path, const char *line)
{
    size_t n = strlen(line);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600), err = 0;

    if (fd < 0)
        return errno;
    if (write(fd, line, n) != (ssize_t)n || fdatasync(fd) != 0)
        err = errno ? errno : EIO;
    if (close(fd) != 0 && !err)
        err = errno;
    return err;
}

static void anchor_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct anchor_job *j = (struct anchor_job *)job;

    (void)store;
    j->err = append_line(j->srv->cfg.anchor_path, j->line);
}

static void anchor_done(struct rs_dbq_job *job, bool canceled)
{
    struct anchor_job *j = (struct anchor_job *)job;

    j->srv->anchor_queued = false;
    if (!canceled && j->err)
        RS_ERROR("cannot append the audit head to %s: %s", j->srv->cfg.anchor_path,
                 strerror(j->err));
    free(j);
}

/* The anchor line of the newest committed batch row. */
static void anchor_line(const struct rs_server *srv, char *out, size_t cap)
{
    char hex[2 * RS_SHA256_LEN + 1];

    rs_hex(srv->anchor_hash, RS_SHA256_LEN, hex);
    snprintf(out, cap, "%llu %s %lld\n", (unsigned long long)srv->anchor_seq, hex,
             (long long)rs_now_unix());
}

void rs_anchor_note(struct rs_server *srv, uint64_t seq, const uint8_t hash[RS_SHA256_LEN],
                    size_t batches)
{
    int64_t now = rs_now_unix();
    struct anchor_job *j;

    if (batches == 0 || seq == 0)
        return;
    srv->anchor_seq = seq;
    memcpy(srv->anchor_hash, hash, RS_SHA256_LEN);
    srv->anchor_batches += batches;
    if (srv->anchor_at == 0)
        srv->anchor_at = now;
    if (srv->anchor_batches < srv->cfg.anchor_every && now - srv->anchor_at < ANCHOR_MAX_AGE_S)
        return;
    if (srv->anchor_queued)
        return;
    srv->anchor_batches = 0;
    srv->anchor_at = now;
    {
        char hex[2 * RS_SHA256_LEN + 1];

        rs_hex(hash, RS_SHA256_LEN, hex);
        RS_INFO("audit head: row %llu hash %s", (unsigned long long)seq, hex);
    }
    if (!srv->cfg.anchor_path)
        return;
    j = calloc(1, sizeof(*j));
    if (!j) {
        RS_ERROR("out of memory for the audit head's anchor");
        return;
    }
    j->job.work = anchor_work;
    j->job.done = anchor_done;
    j->srv = srv;
    anchor_line(srv, j->line, sizeof(j->line));
    srv->anchor_queued = true;
    rs_dbq_push(&srv->anq, &j->job);
}

void rs_anchor_final(struct rs_server *srv)
{
    char line[RS_SHA256_LEN * 2 + 48];
    int err;

    if (srv->anchor_seq == 0 || srv->anchor_batches == 0)
        return;
    anchor_line(srv, line, sizeof(line));
    RS_INFO("audit head at the stop: row %llu", (unsigned long long)srv->anchor_seq);
    if (!srv->cfg.anchor_path)
        return;
    err = append_line(srv->cfg.anchor_path, line);
    if (err)
        RS_ERROR("cannot append the audit head to %s: %s", srv->cfg.anchor_path, strerror(err));
}

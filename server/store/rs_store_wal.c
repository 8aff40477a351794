/*
 * rs_store_wal.c - deferred sync: a writer whose COMMIT does not wait for
 * the disk, and a handle on the WAL file that syncs it from another thread.
 *
 * See rs_store.h for the contract and for why a transaction is durable
 * once rs_store_wal_sync has returned RS_OK after its COMMIT.
 *
 * Does not: decide when to sync or which transactions a sync covers (the
 * server's group commit does), or checkpoint the WAL (SQLite does).
 */
#include "rs_store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rs_store_wal {
    int fd;
    dev_t dev;
    ino_t ino;
    char path[];                 /* "<db>-wal" */
};

static rs_status set_sync(struct rs_store *s, bool full)
{
    int rc;

    if (s->sync_full == full || s->pg)
        return RS_OK;    /* PostgreSQL: COMMIT is durable (synchronous_commit = on) */
    rc = sqlite3_exec(s->db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return rs_store_db_fail(s, rc, "setting synchronous");
    s->sync_full = full;
    return RS_OK;
}

rs_status rs_store_defer_sync(struct rs_store *s, char *err, size_t errlen)
{
    rs_status rv = set_sync(s, false);

    if (rv) {
        rs_store_set_err(err, errlen, "%s", s->errmsg);
        return rv;
    }
    s->deferred = true;
    return RS_OK;
}

rs_status rs_store_sync_next(struct rs_store *s, bool in_commit)
{
    if (!s->deferred)
        return RS_OK;
    return set_sync(s, in_commit);
}

static rs_status wal_reopen(struct rs_store_wal *w, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(w->path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0) {
        rs_store_set_err(err, errlen, "%s: %s", w->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return RS_EIO;
    }
    if (w->fd >= 0)
        close(w->fd);
    w->fd = fd;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    return RS_OK;
}

rs_status rs_store_wal_open(const char *db_path, struct rs_store_wal **out, char *err,
                            size_t errlen)
{
    size_t n = strlen(db_path);
    struct rs_store_wal *w = malloc(sizeof(*w) + n + sizeof("-wal"));
    rs_status rv;

    *out = NULL;
    if (!w) {
        rs_store_set_err(err, errlen, "out of memory");
        return RS_ENOMEM;
    }
    memcpy(w->path, db_path, n);
    memcpy(w->path + n, "-wal", sizeof("-wal"));
    w->fd = -1;
    rv = wal_reopen(w, err, errlen);
    if (rv) {
        free(w);
        return rv;
    }
    *out = w;
    return RS_OK;
}

rs_status rs_store_wal_sync(struct rs_store_wal *w, char *err, size_t errlen)
{
    struct stat st;
    rs_status rv;

    if (stat(w->path, &st) != 0 || st.st_dev != w->dev || st.st_ino != w->ino) {
        rv = wal_reopen(w, err, errlen);
        if (rv)
            return rv;
    }
    while (fdatasync(w->fd) != 0) {
        if (errno != EINTR) {
            rs_store_set_err(err, errlen, "syncing %s: %s", w->path, strerror(errno));
            return RS_EIO;
        }
    }
    return RS_OK;
}

void rs_store_wal_close(struct rs_store_wal *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w);
}

/*
 * rs_store_backup.c - backup, check and restore of the database file (see
 * rs_store_backup.h for what each guarantees).
 *
 * Does not: touch the server's connections, or decide file names beyond
 * the ".part" and ".before-restore" companions described in the header.
 */
#include "rs_store_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rs_store_int.h"

#define SHM_DMS_BYTE 128            /* SQLite's unix VFS: the -shm "dead man switch" lock */

/* True when both paths exist and are the same file. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int with_suffix(char *out, size_t len, const char *path, const char *suffix)
{
    int k = snprintf(out, len, "%s%s", path, suffix);

    return k < 0 || (size_t)k >= len ? -1 : 0;
}

/* Removes path and the journal files SQLite may have left beside it. */
static void remove_with_journals(const char *path)
{
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    char p[PATH_MAX];

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
        if (with_suffix(p, sizeof(p), path, suffixes[i]) == 0)
            (void)unlink(p);
}

static int fsync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Syncs the folder that holds path, so a rename in it is durable. */
static int fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n;
    int fd, rc;

    if (!slash) {
        snprintf(dir, sizeof(dir), ".");
    } else {
        n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof(dir))
            return -1;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* The check of a file at path, naming it `shown` in messages. */
static rs_status check_as(const char *path, const char *shown, struct rs_backup_info *info,
                          char *err, size_t errlen)
{
    struct rs_store *st = NULL;
    sqlite3_stmt *q = NULL;
    struct stat sb;
    char why[256];
    uint64_t rows = 0, broken = 0;
    rs_status rv;
    int rc;

    info->bytes = info->records = info->audit_rows = 0;
    rs_store_clear_err(err, errlen);
    rv = rs_store_open(path, RS_STORE_READONLY, &st, why, sizeof(why));
    if (rv) {
        rs_store_set_err(err, errlen, "%s: %s", shown, why);
        return rv;
    }
    if (stat(path, &sb) == 0)
        info->bytes = (uint64_t)sb.st_size;
    rc = sqlite3_prepare_v2(st->db, "PRAGMA integrity_check(20)", -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        rs_store_set_err(err, errlen, "%s: integrity_check could not run: %s", shown,
                         sqlite3_errmsg(st->db));
        rv = RS_ECONFLICT;
        goto out;
    }
    {
        const char *first = (const char *)sqlite3_column_text(q, 0);

        if (!first || strcmp(first, "ok") != 0) {
            rs_store_set_err(err, errlen, "%s: integrity_check: %s", shown,
                             first ? first : "(no answer)");
            rv = RS_ECONFLICT;
            goto out;
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM records", -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        rs_store_set_err(err, errlen, "%s: counting records: %s", shown, sqlite3_errmsg(st->db));
        rv = rs_store_map_rc(rc);
        goto out;
    }
    info->records = (uint64_t)sqlite3_column_int64(q, 0);
    rv = rs_store_audit_verify(st, &rows, &broken, why, sizeof(why));
    if (rv == RS_ECONFLICT) {
        rs_store_set_err(err, errlen, "%s: the audit chain is broken at row %llu: %s", shown,
                         (unsigned long long)broken, why);
        goto out;
    }
    if (rv) {
        rs_store_set_err(err, errlen, "%s: verifying the audit chain: %s", shown,
                         why[0] ? why : rs_status_str(rv));
        goto out;
    }
    info->audit_rows = rows;
out:
    sqlite3_finalize(q);
    (void)rs_store_close(st);
    return rv;
}

rs_status rs_store_backup_check(const char *path, struct rs_backup_info *info, char *err,
                                size_t errlen)
{
    return check_as(path, path, info, err, errlen);
}

/* What backup and restore say to a PostgreSQL conninfo. */
static const char not_for_pg[] =
    "PostgreSQL 数据库请用其自身的备份（pg_dump 或基础备份 pg_basebackup）；"
    "resettled backup/restore copy SQLite files only: back up a PostgreSQL"
    " database with pg_dump or base backups (pg_basebackup)";

rs_status rs_store_backup(const char *db_path, const char *to_path, struct rs_backup_info *info,
                          char *err, size_t errlen)
{
    struct rs_store *src = NULL;
    sqlite3 *dst = NULL;
    sqlite3_backup *bk = NULL;
    char part[PATH_MAX], why[256];
    bool made_part = false, reading = false;
    rs_status rv = RS_OK;
    int rc, tries = 0;

    memset(info, 0, sizeof(*info));
    rs_store_clear_err(err, errlen);
    if (rs_store_path_is_pg(db_path)) {
        rs_store_set_err(err, errlen, "%s", not_for_pg);
        return RS_EINVAL;
    }
    if (same_file(db_path, to_path) || strcmp(db_path, to_path) == 0) {
        rs_store_set_err(err, errlen, "%s is the database itself; back up to another file",
                         to_path);
        return RS_EINVAL;
    }
    if (with_suffix(part, sizeof(part), to_path, ".part") != 0) {
        rs_store_set_err(err, errlen, "%s: path too long", to_path);
        return RS_EINVAL;
    }
    rv = rs_store_open(db_path, RS_STORE_READONLY, &src, err, errlen);
    if (rv)
        return rv;
    /* One read transaction for the whole copy: its snapshot is the backup. */
    rc = sqlite3_exec(src->db, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rs_store_set_err(err, errlen, "%s: cannot start reading: %s", db_path,
                         sqlite3_errmsg(src->db));
        rv = rs_store_map_rc(rc);
        goto out;
    }
    reading = true;
    remove_with_journals(part);
    made_part = true;
    rc = sqlite3_open_v2(part, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                         SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        bk = sqlite3_backup_init(dst, "main", src->db, "main");
    if (!bk) {
        rs_store_set_err(err, errlen, "%s: %s", part, dst ? sqlite3_errmsg(dst)
                                                          : sqlite3_errstr(rc));
        rv = RS_EIO;
        goto out;
    }
    for (;;) {
        rc = sqlite3_backup_step(bk, RS_BACKUP_STEP_PAGES);
        if (rc == SQLITE_DONE)
            break;
        if (rc == SQLITE_OK) {
            tries = 0;
            continue;
        }
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < RS_BACKUP_BUSY_TRIES) {
            sqlite3_sleep(50);
            continue;
        }
        rs_store_set_err(err, errlen, "copying %s to %s: %s", db_path, part, sqlite3_errstr(rc));
        rv = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? RS_EBUSY : RS_EIO;
        goto out;
    }
    info->pages = (uint64_t)sqlite3_backup_pagecount(bk);
    rc = sqlite3_backup_finish(bk);
    bk = NULL;
    if (rc != SQLITE_OK) {
        rs_store_set_err(err, errlen, "copying %s to %s: %s", db_path, part, sqlite3_errmsg(dst));
        rv = RS_EIO;
        goto out;
    }
    (void)sqlite3_exec(src->db, "COMMIT", NULL, NULL, NULL);
    reading = false;
    (void)rs_store_close(src);
    src = NULL;
    /* One self-contained file: no -wal to carry along. */
    rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rs_store_set_err(err, errlen, "%s: %s", part, sqlite3_errmsg(dst));
        rv = RS_EIO;
        goto out;
    }
    rc = sqlite3_close(dst);
    dst = NULL;
    if (rc != SQLITE_OK || fsync_file(part) != 0) {
        rs_store_set_err(err, errlen, "%s: cannot close or sync the copy", part);
        rv = RS_EIO;
        goto out;
    }
    {
        uint64_t pages = info->pages;

        rv = check_as(part, to_path, info, why, sizeof(why));
        info->pages = pages;
    }
    if (rv) {
        rs_store_set_err(err, errlen, "the copy failed its check: %s", why);
        goto out;
    }
    if (rename(part, to_path) != 0) {
        rs_store_set_err(err, errlen, "renaming %s to %s: %s", part, to_path, strerror(errno));
        rv = RS_EIO;
        goto out;
    }
    made_part = false;
    if (fsync_dir_of(to_path) != 0) {
        rs_store_set_err(err, errlen, "%s: cannot sync its folder: %s", to_path, strerror(errno));
        rv = RS_EIO;
    }
out:
    if (bk)
        sqlite3_backup_finish(bk);
    if (dst)
        sqlite3_close(dst);
    if (reading)
        (void)sqlite3_exec(src->db, "ROLLBACK", NULL, NULL, NULL);
    (void)rs_store_close(src);
    if (made_part)
        remove_with_journals(part);
    return rv;
}

/*
 * RS_EBUSY (err set) when some process has db_path open: it holds a lock
 * on the -shm file's dead-man-switch byte.  No -shm file: nobody does.
 */
static rs_status in_use(const char *db_path, char *err, size_t errlen)
{
    char shm[PATH_MAX];
    struct flock fl;
    int fd;

    if (with_suffix(shm, sizeof(shm), db_path, "-shm") != 0)
        return RS_EINVAL;
    fd = open(shm, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT)
        fd = open(shm, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return RS_OK;
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = SHM_DMS_BYTE;
    fl.l_len = 1;
    if (fcntl(fd, F_GETLK, &fl) != 0) {
        rs_store_set_err(err, errlen, "%s: cannot test its lock: %s", shm, strerror(errno));
        close(fd);
        return RS_EIO;
    }
    close(fd);
    if (fl.l_type == F_UNLCK)
        return RS_OK;
    rs_store_set_err(err, errlen, "%s is open in process %ld (a running resettled serve?); stop "
                     "it first (systemctl stop resettled)", db_path, (long)fl.l_pid);
    return RS_EBUSY;
}

/* Copies from to a new file to (mode 0600), synced.  -1 with errno on failure. */
static int copy_bytes(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ssize_t n = 0;
    int rc = -1, saved;

    if (in < 0 || out < 0)
        goto done;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));

            if (w < 0)
                goto done;
            off += w;
        }
    }
    if (n == 0 && fsync(out) == 0)
        rc = 0;
done:
    saved = errno;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && rc == 0) {
        saved = errno;
        rc = -1;
    }
    errno = saved;
    return rc;
}

/*
 * Run as root, the restored file gets the owner of the file it replaces
 * (else of its folder), so the service's user can still open it.
 */
static void keep_owner(const char *part, const char *db_path)
{
    struct stat sb;
    char dir[PATH_MAX];
    const char *slash;

    if (geteuid() != 0)
        return;
    if (stat(db_path, &sb) != 0) {
        slash = strrchr(db_path, '/');
        if (!slash)
            snprintf(dir, sizeof(dir), ".");
        else if ((size_t)(slash - db_path) < sizeof(dir))
            snprintf(dir, sizeof(dir), "%.*s", slash == db_path ? 1 : (int)(slash - db_path),
                     db_path);
        else
            return;
        if (stat(dir, &sb) != 0)
            return;
    }
    if (chown(part, sb.st_uid, sb.st_gid) != 0)
        return;
}

rs_status rs_store_restore(const char *from_path, const char *db_path,
                           struct rs_backup_info *info, char *err, size_t errlen)
{
    char part[PATH_MAX], bak[PATH_MAX], wal[PATH_MAX], shm[PATH_MAX], bak_wal[PATH_MAX],
        bak_shm[PATH_MAX], why[PATH_MAX + 320];
    struct stat sb;
    rs_status rv;

    memset(info, 0, sizeof(*info));
    rs_store_clear_err(err, errlen);
    if (rs_store_path_is_pg(db_path)) {
        rs_store_set_err(err, errlen, "%s", not_for_pg);
        return RS_EINVAL;
    }
    if (same_file(from_path, db_path) || strcmp(from_path, db_path) == 0) {
        rs_store_set_err(err, errlen, "%s is the database itself", from_path);
        return RS_EINVAL;
    }
    if (with_suffix(part, sizeof(part), db_path, ".part") ||
        with_suffix(bak, sizeof(bak), db_path, ".before-restore") ||
        with_suffix(wal, sizeof(wal), db_path, "-wal") ||
        with_suffix(shm, sizeof(shm), db_path, "-shm") ||
        with_suffix(bak_wal, sizeof(bak_wal), bak, "-wal") ||
        with_suffix(bak_shm, sizeof(bak_shm), bak, "-shm")) {
        rs_store_set_err(err, errlen, "%s: path too long", db_path);
        return RS_EINVAL;
    }
    rv = in_use(db_path, err, errlen);
    if (rv)
        return rv;
    if (stat(from_path, &sb) != 0) {
        rs_store_set_err(err, errlen, "%s: %s", from_path, strerror(errno));
        return errno == ENOENT ? RS_ENOTFOUND : RS_EIO;
    }
    remove_with_journals(part);
    if (copy_bytes(from_path, part) != 0) {
        rs_store_set_err(err, errlen, "copying %s to %s: %s", from_path, part, strerror(errno));
        remove_with_journals(part);
        return RS_EIO;
    }
    /* The bytes that go into place are the bytes checked. */
    rv = check_as(part, from_path, info, why, sizeof(why));
    if (rv) {
        rs_store_set_err(err, errlen, "refusing to restore: %s", why);
        remove_with_journals(part);
        return rv;
    }
    rv = in_use(db_path, err, errlen);
    if (rv) {
        remove_with_journals(part);
        return rv;
    }
    keep_owner(part, db_path);
    /* A -wal must never be left beside a file it does not belong to. */
    (void)unlink(bak_wal);
    (void)unlink(bak_shm);
    if ((rename(wal, bak_wal) != 0 && errno != ENOENT) ||
        (rename(db_path, bak) != 0 && errno != ENOENT) || (unlink(shm) != 0 && errno != ENOENT) ||
        rename(part, db_path) != 0) {
        rs_store_set_err(err, errlen, "putting %s in place of %s: %s", part, db_path,
                         strerror(errno));
        remove_with_journals(part);
        return RS_EIO;
    }
    if (fsync_dir_of(db_path) != 0) {
        rs_store_set_err(err, errlen, "%s: cannot sync its folder: %s", db_path, strerror(errno));
        return RS_EIO;
    }
    return RS_OK;
}

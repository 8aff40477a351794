/*
 * rs_store_backup.h - a consistent copy of the server's database taken
 * while it runs, the checks a copy must pass, and putting a copy back.
 *
 * A backup reads the database through its own read-only connection inside
 * one read transaction, so the copy is the database as it was when that
 * transaction began (WAL mode: the server goes on committing meanwhile and
 * the copy never restarts).  SQLite's online backup API copies it in steps
 * of RS_BACKUP_STEP_PAGES pages into "<to>.part".  The copy is switched to
 * journal_mode=DELETE (one self-contained file, for copying elsewhere),
 * synced, checked (rs_store_backup_check), and only then renamed to <to>,
 * so <to> is either the previous good copy or the new good one.
 *
 * A restore copies the file into "<db>.part", checks that copy, moves the
 * database it replaces aside to "<db>.before-restore" (with its -wal, if
 * an unclean stop left one) and renames the copy into place.  It refuses
 * when another process has the database open: every SQLite connection to a
 * WAL database holds a shared lock on byte 128 of its -shm file (SQLite's
 * "dead man switch", fixed by the file format), which the restore tests
 * with F_GETLK before it starts and again before the rename.
 *
 * Threads: each call opens and closes its own connections; any thread, but
 * nothing here may run on the server's loop thread (they do disk I/O).
 *
 * Does not: name or rotate backup files (the backup timer's unit does), or
 * take the server's own connections.
 */
#ifndef RS_STORE_BACKUP_H
#define RS_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "rs_status.h"

#define RS_BACKUP_STEP_PAGES 1024   /* pages copied per sqlite3_backup_step */
#define RS_BACKUP_BUSY_TRIES 200    /* 50 ms waits for a lock before giving up */

/* What a checked copy holds. */
struct rs_backup_info {
    uint64_t pages;                 /* pages copied (backup only) */
    uint64_t bytes;                 /* size of the copy */
    uint64_t records;               /* rows of records, every version */
    uint64_t audit_rows;            /* rows of the audit chain, all verified */
};

/*
 * Checks a copy at path: a resettle database of the current schema
 * (opened read-only), PRAGMA integrity_check says "ok", and the audit chain
 * verifies from row 1 to its last.  Fills info (pages stays 0).  RS_OK;
 * RS_ENOTFOUND (no file); RS_ESCHEMA (not ours, or another schema
 * version); RS_ECONFLICT (integrity_check or the chain failed: err says
 * where); RS_EIO, RS_ESTORAGE, RS_ENOMEM.  err names path.
 */
RS_NODISCARD rs_status rs_store_backup_check(const char *path, struct rs_backup_info *info,
                                             char *err, size_t errlen);

/*
 * Copies the database at db_path to to_path as described above, while a
 * server may be writing to it.  to_path may exist (it is replaced only by
 * a checked copy) but must not be the database itself.  RS_OK with info
 * filled; RS_EINVAL (to_path is the database); what rs_store_open and
 * rs_store_backup_check return; RS_EBUSY when a lock was held through
 * every retry; RS_EIO (writing, syncing or renaming the copy).  On failure
 * the ".part" file is removed and to_path is as it was.
 */
RS_NODISCARD rs_status rs_store_backup(const char *db_path, const char *to_path,
                                       struct rs_backup_info *info, char *err, size_t errlen);

/*
 * Replaces the database at db_path (which need not exist) by a checked
 * copy of from_path, as described above.  RS_OK with info filled;
 * RS_EBUSY (another process has db_path open: err gives its pid);
 * RS_EINVAL (from_path is the database); what rs_store_backup_check
 * returns for the copy (then nothing was changed); RS_EIO.
 */
RS_NODISCARD rs_status rs_store_restore(const char *from_path, const char *db_path,
                                        struct rs_backup_info *info, char *err, size_t errlen);

#endif

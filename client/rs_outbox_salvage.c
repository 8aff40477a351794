/*
 * rs_outbox_salvage.c - copies what can still be read of a damaged outbox
 * into a new one (resettle outbox salvage --from DAMAGED --to NEW).
 *
 * The new file is created by rs_outbox_open (current schema), then the
 * damaged one is attached read-only to it and its rows are copied by ranges
 * of row number (seq, the table's own key: no index of the damaged file is
 * read), each range one INSERT ... SELECT that either copies the whole
 * range or, when it meets a damaged page, fails without a trace (SQLite
 * rolls the statement back).  A failed range is halved until the rows that
 * cannot be read are single ones, which are skipped and counted.  Every
 * column both schemas have is copied (an older file lacks the receipt
 * columns), so a row keeps its id, state, reason and receipt, and a pending
 * row is sent again from the new outbox under the same id (a duplicate if
 * the server had it).
 *
 * Does not: repair the damaged file (it is only read), or recover a row
 * from a damaged page (what is on it is lost and counted).
 */
#include "rs_outbox.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#define COLS_MAX 2048                /* bytes of the column list */
#define SQL_MAX (2 * COLS_MAX + 256)

struct salvage {
    sqlite3 *db;
    sqlite3_stmt *copy;
    struct rs_outbox_salvage *out;
    int64_t lost_run_end;            /* the last lost seq, to count runs */
    char *err;
    size_t errlen;
};

static rs_status fail(struct salvage *sv, const char *what)
{
    snprintf(sv->err, sv->errlen, "%s时出错：%s", what, sqlite3_errmsg(sv->db));
    return RS_EIO;
}

static bool damaged(int rc)
{
    return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/* "file:PATH?mode=ro" with PATH's '%', '?' and '#' escaped; sqlite3_free it. */
static char *file_uri(const char *path)
{
    size_t n = strlen(path), o = 0;
    char *u = sqlite3_malloc64(3 * n + 16);

    if (!u)
        return NULL;
    memcpy(u, "file:", 5);
    o = 5;
    for (size_t i = 0; i < n; i++) {
        if (path[i] == '%' || path[i] == '?' || path[i] == '#')
            o += (size_t)snprintf(u + o, 4, "%%%02X", (unsigned char)path[i]);
        else
            u[o++] = path[i];
    }
    memcpy(u + o, "?mode=ro", 9);
    return u;
}

/* The columns of main.outbox that old.outbox has too, as "a, b, c". */
static rs_status common_columns(struct salvage *sv, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int rc = sqlite3_prepare_v2(sv->db,
                                "SELECT m.name FROM pragma_table_info('outbox', 'main') m"
                                " JOIN pragma_table_info('outbox', 'old') o ON o.name = m.name"
                                " ORDER BY m.cid", -1, &st, NULL);

    if (rc != SQLITE_OK)
        return fail(sv, "读取损坏发件箱的表结构");
    out[0] = '\0';
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int k = snprintf(out + n, cap - n, "%s\"%s\"", n ? ", " : "", name ? name : "");

        if (k < 0 || (size_t)k >= cap - n || (name && strchr(name, '"'))) {
            sqlite3_finalize(st);
            snprintf(sv->err, sv->errlen, "损坏文件中的列不是发件箱的列");
            return RS_ESCHEMA;
        }
        n += (size_t)k;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(sv, "读取损坏发件箱的表结构");
    if (!strstr(out, "\"record_id\"") || !strstr(out, "\"body\"")) {
        snprintf(sv->err, sv->errlen, "损坏文件中没有可读的发件箱表");
        return RS_ESCHEMA;
    }
    return RS_OK;
}

/* Copies rows lo <= seq < hi; halves a range that meets a damaged page. */
static rs_status copy_range(struct salvage *sv, int64_t lo, int64_t hi)
{
    int rc;

    while (lo < hi) {
        int64_t end = hi - lo > 4096 ? lo + 4096 : hi;

        sqlite3_bind_int64(sv->copy, 1, lo);
        sqlite3_bind_int64(sv->copy, 2, end);
        rc = sqlite3_step(sv->copy);
        sqlite3_reset(sv->copy);
        if (rc == SQLITE_DONE) {
            sv->out->copied += (uint64_t)sqlite3_changes(sv->db);
        } else if (!damaged(rc)) {
            return fail(sv, "复制记录行");
        } else if (end - lo == 1) {
            if (sv->out->first_lost == 0)
                sv->out->first_lost = lo;
            sv->out->last_lost = lo;
            if (sv->lost_run_end != lo - 1)
                sv->out->unreadable++;
            sv->lost_run_end = lo;
        } else {
            int64_t mid = lo + (end - lo) / 2;
            rs_status rv = copy_range(sv, lo, mid);

            if (rv == RS_OK)
                rv = copy_range(sv, mid, end);
            if (rv)
                return rv;
        }
        lo = end;
    }
    return RS_OK;
}

/*
 * The first row number past the last one the damaged file can have: its
 * max(seq), or, when that cannot be read, as many rows as its pages could
 * hold at the fewest bytes a row takes.
 */
static int64_t seq_bound(struct salvage *sv)
{
    sqlite3_stmt *st = NULL;
    int64_t bound = 0;

    if (sqlite3_prepare_v2(sv->db, "SELECT max(seq) FROM old.outbox", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        bound = sqlite3_column_int64(st, 0) + 1;
    sqlite3_finalize(st);
    st = NULL;
    if (bound > 0)
        return bound;
    if (sqlite3_prepare_v2(sv->db, "SELECT page_count * page_size / 16 FROM "
                                   "pragma_page_count('old'), pragma_page_size('old')",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        bound = sqlite3_column_int64(st, 0) + 1;
    sqlite3_finalize(st);
    return bound;
}

rs_status rs_outbox_salvage(const char *from, const char *to, struct rs_outbox_salvage *out,
                            char *err, size_t errlen)
{
    struct salvage sv = {NULL, NULL, out, -2, err, errlen};
    struct rs_outbox *ob = NULL;
    struct stat stt;
    char cols[COLS_MAX], sql[SQL_MAX], *uri = NULL;
    rs_status rv;
    int rc;

    if (!from || !to || !out || !err || errlen == 0)
        return RS_EINVAL;
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    if (stat(from, &stt) != 0) {
        snprintf(err, errlen, "%s: %s", from, strerror(errno));
        return RS_EIO;
    }
    if (stat(to, &stt) == 0) {
        snprintf(err, errlen, "%s 已存在：抢救只写入新的发件箱", to);
        return RS_EDUP;
    }
    rv = rs_outbox_open(to, &ob, err, errlen);
    if (rv == RS_OK)
        rv = rs_outbox_close(ob);
    if (rv)
        return rv;
    rc = sqlite3_open_v2(to, &sv.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        rv = sv.db ? fail(&sv, "打开新发件箱") : RS_ENOMEM;
        goto out;
    }
    sqlite3_busy_timeout(sv.db, 5000);
    uri = file_uri(from);
    rc = uri ? SQLITE_OK : SQLITE_NOMEM;
    if (rc == SQLITE_OK) {
        sqlite3_stmt *at = NULL;

        rc = sqlite3_prepare_v2(sv.db, "ATTACH ?1 AS old", -1, &at, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(at, 1, uri, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(at) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(sv.db);
        sqlite3_finalize(at);
    }
    if (rc != SQLITE_OK) {
        rv = fail(&sv, "以只读方式打开损坏的发件箱");
        goto out;
    }
    rv = common_columns(&sv, cols, sizeof(cols));
    if (rv)
        goto out;
    snprintf(sql, sizeof(sql),
             "INSERT OR IGNORE INTO main.outbox(%s) SELECT %s FROM old.outbox"
             " WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
             cols, cols);
    if (sqlite3_prepare_v2(sv.db, sql, -1, &sv.copy, NULL) != SQLITE_OK) {
        rv = fail(&sv, "准备复制");
        goto out;
    }
    /* Each range its own transaction: SQLite may end an open transaction on a
     * damaged page, so one around them all could not be trusted to commit. */
    sqlite3_exec(sv.db, "PRAGMA main.synchronous = NORMAL", NULL, NULL, NULL);
    rv = copy_range(&sv, 1, seq_bound(&sv));
    if (rv == RS_OK && sqlite3_exec(sv.db, "PRAGMA main.wal_checkpoint(TRUNCATE)", NULL, NULL,
                                    NULL) != SQLITE_OK)
        rv = fail(&sv, "写入新发件箱");
out:
    sqlite3_finalize(sv.copy);
    sqlite3_free(uri);
    if (sv.db)
        sqlite3_close(sv.db);
    return rv;
}

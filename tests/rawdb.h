/*
 * rawdb.h - a test's own SQL on the store's database, behind the store's
 * back, on either backend: a file path is opened with sqlite3, a conninfo
 * (a string with '=' in it, pgdb.h) with libpq.  The tests use it to look
 * at rows the store wrote and to change them by hand (tampering, a closed
 * year entered directly), with the same SQL where both dialects agree.
 *
 * Every call opens and closes its own connection and fails the running
 * cmocka test (include <cmocka.h> first) when the SQL does.  Does not:
 * translate SQL between dialects, beyond "PRAGMA user_version", which is
 * read from schema_version on PostgreSQL.
 */
#ifndef RS_TEST_RAWDB_H
#define RS_TEST_RAWDB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

/* Whether db is a PostgreSQL conninfo rather than a file. */
static inline bool rawdb_is_pg(const char *db)
{
    return strchr(db, '=') != NULL;
}

static inline const char *rawdb_dialect(const char *db, const char *sql)
{
    if (rawdb_is_pg(db) && strcmp(sql, "PRAGMA user_version") == 0)
        return "SELECT max(version) FROM schema_version";
    return sql;
}

/* An SQL literal of the bytes that hex (lower-case hex digits) spells, in
 * db's dialect, into out (cap bytes); returns out. */
static inline const char *rawdb_blob_lit(const char *db, const char *hex, char *out, size_t cap)
{
    snprintf(out, cap, rawdb_is_pg(db) ? "'\\x%s'::bytea" : "X'%s'", hex);
    return out;
}

/* Runs sql (one or more statements); returns whether it succeeded, with
 * the database's message in why (cap bytes) when it did not. */
static inline bool rawdb_try(const char *db, const char *sql, char *why, size_t cap)
{
    bool ok = false;

    if (cap)
        why[0] = '\0';
    if (rawdb_is_pg(db)) {
        PGconn *c = PQconnectdb(db);
        PGresult *r = NULL;

        if (PQstatus(c) == CONNECTION_OK) {
            r = PQexec(c, rawdb_dialect(db, sql));
            ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        }
        if (!ok && cap)
            snprintf(why, cap, "%s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *h = NULL;
        char *msg = NULL;

        if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) ==
            SQLITE_OK)
            ok = sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK;
        if (!ok && cap)
            snprintf(why, cap, "%s", msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        sqlite3_close(h);
    }
    return ok;
}

/* Runs sql; fails the test if it does not succeed. */
static inline void rawdb_exec(const char *db, const char *sql)
{
    char why[512];

    if (!rawdb_try(db, sql, why, sizeof(why)))
        fail_msg("%s: %s", sql, why);
}

/* Column 0 of the first row of sql as text into out (cap bytes); "(null)"
 * for SQL NULL.  Fails the test if the query fails or returns no row. */
static inline void rawdb_text(const char *db, const char *sql, char *out, size_t cap)
{
    if (rawdb_is_pg(db)) {
        PGconn *c = PQconnectdb(db);
        PGresult *r;

        if (PQstatus(c) != CONNECTION_OK)
            fail_msg("%s: %s", db, PQerrorMessage(c));
        r = PQexec(c, rawdb_dialect(db, sql));
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        snprintf(out, cap, "%s", PQgetisnull(r, 0, 0) ? "(null)" : PQgetvalue(r, 0, 0));
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *h = NULL;
        sqlite3_stmt *st = NULL;
        const unsigned char *t;

        if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW)
            fail_msg("%s: %s", sql, sqlite3_errmsg(h));
        t = sqlite3_column_text(st, 0);
        snprintf(out, cap, "%s", t ? (const char *)t : "(null)");
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
}

/* Column 0 of the first row of sql as an integer (NULL reads as 0). */
static inline int64_t rawdb_int(const char *db, const char *sql)
{
    char text[64];

    rawdb_text(db, sql, text, sizeof(text));
    return strtoll(text, NULL, 10);
}

/* Calls each(blob, len, arg) with column 0 of every row of sql, a blob
 * (bytea on PostgreSQL, read in binary), until it returns false. */
static inline void rawdb_each_blob(const char *db, const char *sql,
                                   bool (*each)(const void *blob, size_t len, void *arg),
                                   void *arg)
{
    if (rawdb_is_pg(db)) {
        PGconn *c = PQconnectdb(db);
        PGresult *r;

        if (PQstatus(c) != CONNECTION_OK)
            fail_msg("%s: %s", db, PQerrorMessage(c));
        r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 1);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        for (int i = 0; i < PQntuples(r); i++)
            if (!each(PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0), arg))
                break;
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *h = NULL;
        sqlite3_stmt *st = NULL;

        if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
            fail_msg("%s: %s", sql, sqlite3_errmsg(h));
        while (sqlite3_step(st) == SQLITE_ROW)
            if (!each(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), arg))
                break;
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
}

/* Another connection holding the database's write lock until
 * rawdb_hold_end: an exclusive transaction on SQLite; on PostgreSQL the
 * transaction pg_sql begins (the store's own lock is an advisory lock, so
 * the caller names it).  Fails the test if the lock cannot be had. */
struct rawdb_hold {
    sqlite3 *file;
    PGconn *pg;
};

static inline void rawdb_hold_begin(const char *db, const char *pg_sql, struct rawdb_hold *h)
{
    memset(h, 0, sizeof(*h));
    if (rawdb_is_pg(db)) {
        PGresult *r;

        h->pg = PQconnectdb(db);
        if (PQstatus(h->pg) != CONNECTION_OK)
            fail_msg("%s: %s", db, PQerrorMessage(h->pg));
        r = PQexec(h->pg, pg_sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            fail_msg("%s: %s", pg_sql, PQerrorMessage(h->pg));
        PQclear(r);
        return;
    }
    if (sqlite3_open_v2(db, &h->file, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(h->file, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: BEGIN EXCLUSIVE: %s", db, sqlite3_errmsg(h->file));
}

static inline void rawdb_hold_end(struct rawdb_hold *h)
{
    if (h->pg) {
        PQclear(PQexec(h->pg, "ROLLBACK"));
        PQfinish(h->pg);
    } else {
        if (sqlite3_exec(h->file, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
            fail_msg("ROLLBACK: %s", sqlite3_errmsg(h->file));
        sqlite3_close(h->file);
    }
    memset(h, 0, sizeof(*h));
}

#endif

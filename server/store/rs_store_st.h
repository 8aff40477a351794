/*
 * rs_store_st.h - the store's statement driver: what the files of the store
 * call to bind, step and read a statement, to prepare a one-off one, and to
 * ask the connection what the last statement changed, instead of calling
 * the database engine's own API.
 *
 * One struct rs_st is one statement of one engine: SQLite, or PostgreSQL
 * through libpq (rs_store_pg.h).  Every function here is a thin inline
 * call: one test of which engine, then the engine's own call, so the
 * store's SQLite path costs what it did before the driver (no allocation,
 * no copy); the store files do not change with the engine.
 *
 * Result codes are SQLite's primary codes, named here (RS_ST_OK, RS_ST_ROW,
 * RS_ST_DONE, and any other for a failure): rs_store_map_rc turns a failure
 * into an rs_status.  A second engine maps its errors onto the same codes
 * (a lost lock or serialization failure is RS_ST_BUSY, a full disk
 * RS_ST_FULL, anything else RS_ST_ERROR).
 *
 * Lifetimes: text and blobs bound RS_ST_STATIC must stay valid and
 * unchanged until the statement is reset; RS_ST_TRANSIENT copies them.  A
 * column's pointer is valid until the next step or reset of its statement.
 *
 * Does not: hold any SQL (rs_store_stmt.c and the file that runs a one-off
 * statement do), open a connection (rs_store_open.c), or decide what a
 * failure means to a caller (rs_store_db_fail).  Statements are used by one
 * thread at a time, like their store.
 */
#ifndef RS_STORE_ST_H
#define RS_STORE_ST_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "rs_store_pg.h"

struct rs_store;

/* One statement.  Owned by the store (its table of prepared statements)
 * or, for one made by rs_st_prepare, by the caller until rs_st_finalize. */
struct rs_st {
    sqlite3_stmt *lite;          /* SQLite's, or NULL */
    struct rs_pg_st *pg;         /* PostgreSQL's, or NULL */
};

enum {
    RS_ST_OK = SQLITE_OK,
    RS_ST_ERROR = SQLITE_ERROR,
    RS_ST_BUSY = SQLITE_BUSY,
    RS_ST_FULL = SQLITE_FULL,
    RS_ST_ROW = SQLITE_ROW,
    RS_ST_DONE = SQLITE_DONE
};

/* What a column holds, for rs_st_column_type: only "nothing" is told apart. */
enum { RS_ST_NULL = SQLITE_NULL };

enum rs_st_life {
    RS_ST_STATIC,                /* the caller keeps the bytes until the reset */
    RS_ST_TRANSIENT              /* the driver copies them */
};

static inline int rs_st_bind_int64(struct rs_st *st, int i, int64_t v)
{
    if (!st->lite)
        return rs_pg_bind_int64(st->pg, i, v);
    return sqlite3_bind_int64(st->lite, i, (sqlite3_int64)v);
}

static inline int rs_st_bind_int(struct rs_st *st, int i, int v)
{
    if (!st->lite)
        return rs_pg_bind_int64(st->pg, i, v);
    return sqlite3_bind_int(st->lite, i, v);
}

static inline int rs_st_bind_null(struct rs_st *st, int i)
{
    if (!st->lite)
        return rs_pg_bind_null(st->pg, i);
    return sqlite3_bind_null(st->lite, i);
}

/* n < 0: p is NUL-terminated. */
static inline int rs_st_bind_text(struct rs_st *st, int i, const char *p, int n,
                                  enum rs_st_life life)
{
    if (!st->lite)
        return rs_pg_bind_text(st->pg, i, p, n, life == RS_ST_TRANSIENT);
    return sqlite3_bind_text(st->lite, i, p, n,
                             life == RS_ST_STATIC ? SQLITE_STATIC : SQLITE_TRANSIENT);
}

static inline int rs_st_bind_blob(struct rs_st *st, int i, const void *p, int n,
                                  enum rs_st_life life)
{
    if (!st->lite)
        return rs_pg_bind_blob(st->pg, i, p, n < 0 ? 0 : (uint64_t)n, life == RS_ST_TRANSIENT);
    return sqlite3_bind_blob(st->lite, i, p, n,
                             life == RS_ST_STATIC ? SQLITE_STATIC : SQLITE_TRANSIENT);
}

static inline int rs_st_bind_blob64(struct rs_st *st, int i, const void *p, uint64_t n,
                                    enum rs_st_life life)
{
    if (!st->lite)
        return rs_pg_bind_blob(st->pg, i, p, n, life == RS_ST_TRANSIENT);
    return sqlite3_bind_blob64(st->lite, i, p, (sqlite3_uint64)n,
                               life == RS_ST_STATIC ? SQLITE_STATIC : SQLITE_TRANSIENT);
}

/* RS_ST_ROW (a row is there to read), RS_ST_DONE, or a failure code. */
static inline int rs_st_step(struct rs_st *st)
{
    if (!st->lite)
        return rs_pg_step(st->pg);
    return sqlite3_step(st->lite);
}

/* Ends a use of the statement (bindings stay until rebound). */
static inline void rs_st_reset(struct rs_st *st)
{
    if (st->lite)
        sqlite3_reset(st->lite);
    else if (st->pg)
        rs_pg_reset(st->pg);
}

static inline int64_t rs_st_column_int64(struct rs_st *st, int col)
{
    if (!st->lite)
        return rs_pg_column_int64(st->pg, col);
    return (int64_t)sqlite3_column_int64(st->lite, col);
}

static inline int rs_st_column_int(struct rs_st *st, int col)
{
    if (!st->lite)
        return (int)rs_pg_column_int64(st->pg, col);
    return sqlite3_column_int(st->lite, col);
}

/* NULL for SQL NULL; otherwise NUL-terminated, rs_st_column_bytes long. */
static inline const unsigned char *rs_st_column_text(struct rs_st *st, int col)
{
    if (!st->lite)
        return rs_pg_column_text(st->pg, col);
    return sqlite3_column_text(st->lite, col);
}

static inline const void *rs_st_column_blob(struct rs_st *st, int col)
{
    if (!st->lite)
        return rs_pg_column_text(st->pg, col);
    return sqlite3_column_blob(st->lite, col);
}

/* The length in bytes of the column's text or blob (call after reading it). */
static inline int rs_st_column_bytes(struct rs_st *st, int col)
{
    if (!st->lite)
        return rs_pg_column_bytes(st->pg, col);
    return sqlite3_column_bytes(st->lite, col);
}

/* RS_ST_NULL, or another value for "holds something". */
static inline int rs_st_column_type(struct rs_st *st, int col)
{
    if (!st->lite)
        return rs_pg_column_null(st->pg, col) ? RS_ST_NULL : SQLITE_BLOB;
    return sqlite3_column_type(st->lite, col);
}

/*
 * Prepares a one-off statement on s's connection into *out (owned by the
 * caller: rs_st_finalize).  RS_ST_OK, or a failure code with the engine's
 * message for rs_store_db_fail; *out is then NULL.  RS_ST_ERROR also when
 * memory is short.
 */
int rs_st_prepare(struct rs_store *s, const char *sql, struct rs_st **out);

/* Frees a statement of rs_st_prepare; st may be NULL. */
void rs_st_finalize(struct rs_st *st);

/* Runs SQL that returns no rows (BEGIN, COMMIT) on s's connection. */
int rs_st_exec(struct rs_store *s, const char *sql);

/* How many rows the last INSERT, UPDATE or DELETE on s changed. */
int64_t rs_st_changes(struct rs_store *s);

/* The key (rowid / seq / id) of the last row inserted on s. */
int64_t rs_st_last_id(struct rs_store *s);

/* Whether s has a transaction open (the engine has not ended it). */
bool rs_st_in_tx(struct rs_store *s);

/* The code and the message of s's last failure, owned by the connection. */
int rs_st_errcode(struct rs_store *s);
const char *rs_st_errmsg(struct rs_store *s);

#endif

/*
 * rs_store_pg.h - the PostgreSQL engine of the store's statement driver
 * (rs_store_st.h): one libpq connection per store, its statements, and its
 * errors as the driver's codes.  Private to server/store/.
 *
 * libpq is used synchronously: every call blocks the calling thread until
 * the server answers.  The store runs only on its queue's pool thread
 * (never on the loop thread), one job at a time, so a blocking call
 * delays that queue's next job and nothing else; an asynchronous client
 * would need a second event loop for the same effect.
 *
 * Statements are written in the store's SQLite dialect or PostgreSQL's;
 * "?N" placeholders are rewritten to "$N".  Each is prepared on the server
 * (PQprepare) the first time it runs on a session, and again after the
 * connection was re-established (PQreset, e.g. after a failover).
 * Parameters go as text (numbers in decimal, the server infers their type
 * from the statement) or binary (blobs, as bytea); results come back in
 * binary.  A result is read whole into memory (PQexecPrepared), so several
 * statements can be stepped at once on one connection as with SQLite;
 * except a statement flagged RS_PG_STREAM (the scans of a year's records),
 * whose rows come one by one, so a report over a million records does not
 * hold them all at once, and which has the connection to itself until it
 * is read to the end or reset.
 *
 * Error mapping (SQLSTATE to the driver's codes): serialization failure,
 * deadlock, lock not available, cancel: RS_ST_BUSY; class 53 (disk full,
 * out of memory, too many connections): RS_ST_FULL; a lost connection,
 * class 08, admin shutdown, a read-only transaction (a standby): SQLite's
 * SQLITE_IOERR / SQLITE_READONLY (RS_ESTORAGE: retry later); constraint
 * violations SQLITE_CONSTRAINT; anything else RS_ST_ERROR.
 *
 * Does not: know the store's schema (rs_store_pg_sql.c) or what any
 * statement means.
 */
#ifndef RS_STORE_PG_H
#define RS_STORE_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_PG_PARAMS_MAX 16      /* the most parameters one statement has */
#define RS_PG_ERRMSG_MAX 256
#define RS_PG_ARRAY_MAX 100000  /* elements of one array parameter */
#define RS_PG_ARRAY_BYTES_MAX (1u << 30) /* bytes of one, as PostgreSQL's own limit */

struct rs_pg;
struct rs_pg_st;

/* Statement flags. */
enum {
    RS_PG_SIMPLE = 1,            /* no parameters, may hold several commands: PQexec */
    RS_PG_RETURNS_ID = 2,        /* INSERT ... RETURNING key: the key is rs_pg_last_id, the
                                  * step says RS_ST_DONE */
    RS_PG_STREAM = 4             /* rows come one at a time (libpq's single-row mode): a
                                  * scan of a year holds one row, not all of them; no other
                                  * statement may run on the connection until the last row
                                  * is read or the statement is reset */
};

/* Whether path names a PostgreSQL database (a postgresql:// or postgres://
 * URI, or a key=value conninfo) rather than an SQLite file. */
bool rs_pg_is_conninfo(const char *path);

/* Connects; *out is the caller's (rs_pg_close).  On failure err holds
 * libpq's message and the code is SQLITE_CANTOPEN. */
int rs_pg_connect(const char *conninfo, struct rs_pg **out, char *err, size_t errlen);
void rs_pg_close(struct rs_pg *c);

/* Makes a statement of sql (copied) on c; prepared on first use.  The
 * caller owns it: rs_pg_st_free, before rs_pg_close. */
int rs_pg_st_new(struct rs_pg *c, const char *sql, unsigned flags, struct rs_pg_st **out);
void rs_pg_st_free(struct rs_pg_st *st);

/* Prepares st on the server now (to find a bad statement at open). */
int rs_pg_st_prepare_now(struct rs_pg_st *st);

int rs_pg_bind_int64(struct rs_pg_st *st, int i, int64_t v);
int rs_pg_bind_null(struct rs_pg_st *st, int i);
int rs_pg_bind_text(struct rs_pg_st *st, int i, const char *p, int n, bool copy);
int rs_pg_bind_blob(struct rs_pg_st *st, int i, const void *p, uint64_t n, bool copy);

/* The element types of an array parameter. */
enum rs_pg_elem { RS_PG_ELEM_TEXT, RS_PG_ELEM_BYTEA };

/*
 * Binds parameter i to a one-dimensional array of n (1 to RS_PG_ARRAY_MAX)
 * elements without NULLs, sent in PostgreSQL's binary array format: the
 * bytes of element k are vals[k], lens[k] long (text is UTF-8, no NUL).
 * The statement must cast the parameter to the matching type (text[] or
 * bytea[]).  The array is copied: vals may go after the call.
 * SQLITE_TOOBIG when the array would pass 1 GiB, SQLITE_NOMEM.
 */
int rs_pg_bind_array(struct rs_pg_st *st, int i, enum rs_pg_elem elem, size_t n,
                     const char *const *vals, const size_t *lens);

/* The same for an array of n int8 (bigint[]) elements. */
int rs_pg_bind_array_int64(struct rs_pg_st *st, int i, size_t n, const int64_t *vals);
/* Drops every parameter's copy (a large array's memory), binding NULL. */
void rs_pg_clear_bindings(struct rs_pg_st *st);

int rs_pg_step(struct rs_pg_st *st);
void rs_pg_reset(struct rs_pg_st *st);
int64_t rs_pg_column_int64(struct rs_pg_st *st, int col);
const unsigned char *rs_pg_column_text(struct rs_pg_st *st, int col);
int rs_pg_column_bytes(struct rs_pg_st *st, int col);
bool rs_pg_column_null(struct rs_pg_st *st, int col);

/* Runs sql (no rows expected) on c. */
int rs_pg_exec(struct rs_pg *c, const char *sql);

/* Makes every transaction of c read-only, also after a reconnect. */
int rs_pg_set_read_only(struct rs_pg *c);

/* A one-row, one-column query's value as an integer into *v (absent: false). */
int rs_pg_query_int(struct rs_pg *c, const char *sql, int64_t *v, bool *present);

int64_t rs_pg_changes(const struct rs_pg *c);
int64_t rs_pg_last_id(const struct rs_pg *c);
bool rs_pg_in_tx(const struct rs_pg *c);
int rs_pg_errcode(const struct rs_pg *c);
const char *rs_pg_errmsg(const struct rs_pg *c);

#endif

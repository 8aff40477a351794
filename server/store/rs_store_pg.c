/*
 * rs_store_pg.c - the PostgreSQL engine of the statement driver: the libpq
 * connection, statements prepared by name, parameters, binary results,
 * and SQLSTATEs as the driver's codes (rs_store_pg.h says how and why).
 *
 * Does not: hold the store's SQL or schema (rs_store_stmt.c,
 * rs_store_pg_sql.c), or decide what a failure means to a caller.
 */
#include "rs_store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25

struct rs_pg {
    PGconn *conn;
    unsigned next_name;          /* statement names s1, s2, ... */
    unsigned session;            /* bumped on every reconnect: prepare again */
    bool in_tx;                  /* a BEGIN succeeded and no COMMIT or ROLLBACK since */
    bool read_only;              /* rs_pg_set_read_only: again on every reconnect */
    struct rs_pg_st *streaming;  /* the RS_PG_STREAM statement whose rows are being read */
    int64_t changes;
    int64_t last_id;
    int errcode;
    char errmsg[RS_PG_ERRMSG_MAX];
};

struct rs_pg_st {
    struct rs_pg *c;
    char name[16];
    char *sql;                   /* in PostgreSQL's dialect */
    unsigned flags;
    int nparams;
    unsigned prepared_in;        /* the session it is prepared in, 0: not yet */
    const char *val[RS_PG_PARAMS_MAX];
    int len[RS_PG_PARAMS_MAX];
    int fmt[RS_PG_PARAMS_MAX];
    Oid type[RS_PG_PARAMS_MAX];
    char num[RS_PG_PARAMS_MAX][24];
    char *copy[RS_PG_PARAMS_MAX];
    PGresult *res;
    int row;
    int nrows;
};

/* Reads and drops what is left of a streamed result, so the connection
 * takes the next command. */
static void stream_end(struct rs_pg_st *st)
{
    PGresult *res;

    while ((res = PQgetResult(st->c->conn)) != NULL)
        PQclear(res);
    st->c->streaming = NULL;
}

bool rs_pg_is_conninfo(const char *path)
{
    return path && (strncmp(path, "postgresql://", 13) == 0 ||
                    strncmp(path, "postgres://", 11) == 0 || strchr(path, '=') != NULL);
}

static void set_msg(struct rs_pg *c, const char *m)
{
    size_t n;

    snprintf(c->errmsg, sizeof(c->errmsg), "%s", m && m[0] ? m : "PostgreSQL failed");
    n = strlen(c->errmsg);
    while (n > 0 && (c->errmsg[n - 1] == '\n' || c->errmsg[n - 1] == ' '))
        c->errmsg[--n] = '\0';
}

/* The driver's code for a failed result (res may be NULL). */
static int map_fail(struct rs_pg *c, PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int rc;

    set_msg(c, res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
                                                     : PQerrorMessage(c->conn));
    if (PQstatus(c->conn) != CONNECTION_OK || !state)
        rc = SQLITE_IOERR;
    else if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
             !strcmp(state, "57014"))
        rc = SQLITE_BUSY;
    else if (!strncmp(state, "53", 2))
        rc = SQLITE_FULL;
    else if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
        rc = SQLITE_IOERR;
    else if (!strcmp(state, "25006"))
        rc = SQLITE_READONLY;
    else if (!strncmp(state, "23", 2))
        rc = SQLITE_CONSTRAINT;
    else
        rc = SQLITE_ERROR;
    c->errcode = rc;
    return rc;
}

/* Makes sure the connection is up; after a reconnect every statement is
 * prepared again (the server forgot them with the old session). */
static int ensure_conn(struct rs_pg *c)
{
    if (PQstatus(c->conn) == CONNECTION_OK)
        return SQLITE_OK;
    /* Never reconnect under an open transaction: the statements after it
     * would run outside it.  Its ROLLBACK ends it (rs_pg_exec_tx). */
    if (c->in_tx) {
        set_msg(c, "the connection to PostgreSQL was lost inside a transaction");
        c->errcode = SQLITE_IOERR;
        return SQLITE_IOERR;
    }
    PQreset(c->conn);
    if (PQstatus(c->conn) != CONNECTION_OK) {
        set_msg(c, PQerrorMessage(c->conn));
        c->errcode = SQLITE_IOERR;
        return SQLITE_IOERR;
    }
    c->session++;
    return rs_pg_exec(c, c->read_only ? "SET synchronous_commit = on; SET lock_timeout = '5s';"
                                        " SET default_transaction_read_only = on"
                                      : "SET synchronous_commit = on; SET lock_timeout = '5s'");
}

enum tx_word { TX_NONE, TX_BEGIN, TX_END };

static enum tx_word tx_word(const char *sql)
{
    if (!strncmp(sql, "BEGIN", 5))
        return TX_BEGIN;
    if (!strncmp(sql, "COMMIT", 6) || !strncmp(sql, "ROLLBACK", 8))
        return TX_END;
    return TX_NONE;
}

/* PQexec of a simple statement, keeping in_tx: a ROLLBACK on a lost
 * connection succeeds (the server dropped the transaction with it); a
 * failed COMMIT ends the transaction too. */
static PGresult *exec_simple(struct rs_pg *c, const char *sql, int *rc)
{
    enum tx_word w = tx_word(sql);
    PGresult *res;
    ExecStatusType es;

    *rc = SQLITE_OK;
    if (w == TX_END && PQstatus(c->conn) != CONNECTION_OK && !strncmp(sql, "ROLLBACK", 8)) {
        c->in_tx = false;
        return NULL;
    }
    *rc = ensure_conn(c);
    if (*rc != SQLITE_OK)
        return NULL;
    res = PQexec(c->conn, sql);
    es = PQresultStatus(res);
    if (w == TX_END)
        c->in_tx = false;
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
        *rc = map_fail(c, res);
        /* "BEGIN; lock" that failed at the lock leaves a transaction open on
         * the server: its ROLLBACK ends it.  One that failed because the
         * connection went leaves none (the server dropped it with the
         * session), and its caller, whose BEGIN failed, sends no ROLLBACK:
         * marking it open would refuse every reconnect from then on. */
        if (w == TX_BEGIN && PQstatus(c->conn) == CONNECTION_OK &&
            PQtransactionStatus(c->conn) != PQTRANS_IDLE)
            c->in_tx = true;
        PQclear(res);
        return NULL;
    }
    if (w == TX_BEGIN)
        c->in_tx = true;
    return res;
}

int rs_pg_connect(const char *conninfo, struct rs_pg **out, char *err, size_t errlen)
{
    struct rs_pg *c = calloc(1, sizeof(*c));
    PGresult *res;

    *out = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return SQLITE_NOMEM;
    }
    c->session = 1;
    c->conn = PQconnectdb(conninfo);
    if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
        snprintf(err, errlen, "%s", c->conn ? PQerrorMessage(c->conn) : "out of memory");
        PQfinish(c->conn);
        free(c);
        return SQLITE_CANTOPEN;
    }
    res = PQexec(c->conn, "SET synchronous_commit = on; SET client_min_messages = warning;"
                        " SET lock_timeout = '5s'");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(err, errlen, "%s", PQerrorMessage(c->conn));
        PQclear(res);
        PQfinish(c->conn);
        free(c);
        return SQLITE_CANTOPEN;
    }
    PQclear(res);
    *out = c;
    return SQLITE_OK;
}

void rs_pg_close(struct rs_pg *c)
{
    if (!c)
        return;
    PQfinish(c->conn);
    free(c);
}

/* Rewrites "?N" into "$N" outside quotes; returns the highest N of either. */
static int translate(const char *in, char *out)
{
    int maxn = 0;
    bool quoted = false;

    for (; *in; in++) {
        if (*in == '\'')
            quoted = !quoted;
        if (!quoted && (*in == '?' || *in == '$') && in[1] >= '0' && in[1] <= '9') {
            int n = 0;

            *out++ = '$';
            while (in[1] >= '0' && in[1] <= '9') {
                n = n * 10 + (in[1] - '0');
                *out++ = *++in;
            }
            if (n > maxn)
                maxn = n;
            continue;
        }
        *out++ = *in;
    }
    *out = '\0';
    return maxn;
}

int rs_pg_st_new(struct rs_pg *c, const char *sql, unsigned flags, struct rs_pg_st **out)
{
    struct rs_pg_st *st = calloc(1, sizeof(*st));

    *out = NULL;
    if (!st || !(st->sql = malloc(strlen(sql) + 1))) {
        free(st);
        set_msg(c, "out of memory");
        return c->errcode = SQLITE_NOMEM;
    }
    st->c = c;
    st->flags = flags;
    st->nparams = translate(sql, st->sql);
    if (st->nparams > RS_PG_PARAMS_MAX) {
        set_msg(c, "statement has too many parameters");
        free(st->sql);
        free(st);
        return c->errcode = SQLITE_RANGE;
    }
    snprintf(st->name, sizeof(st->name), "s%u", ++c->next_name);
    *out = st;
    return SQLITE_OK;
}

static void free_copy(struct rs_pg_st *st, int k)
{
    free(st->copy[k]);
    st->copy[k] = NULL;
}

void rs_pg_st_free(struct rs_pg_st *st)
{
    if (!st)
        return;
    if (st->c->streaming == st)
        stream_end(st);
    if (st->prepared_in == st->c->session && PQstatus(st->c->conn) == CONNECTION_OK) {
        char sql[32];

        snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
        PQclear(PQexec(st->c->conn, sql));
    }
    PQclear(st->res);
    for (int k = 0; k < RS_PG_PARAMS_MAX; k++)
        free_copy(st, k);
    free(st->sql);
    free(st);
}

int rs_pg_st_prepare_now(struct rs_pg_st *st)
{
    struct rs_pg *c = st->c;
    PGresult *res;
    int rc;

    if (st->flags & RS_PG_SIMPLE)
        return SQLITE_OK;
    rc = ensure_conn(c);
    if (rc != SQLITE_OK)
        return rc;
    if (st->prepared_in == c->session)
        return SQLITE_OK;
    res = PQprepare(c->conn, st->name, st->sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = map_fail(c, res);
        PQclear(res);
        return rc;
    }
    PQclear(res);
    st->prepared_in = c->session;
    return SQLITE_OK;
}

static int slot(struct rs_pg_st *st, int i)
{
    int k = i - 1;

    if (k < 0 || k >= st->nparams) {
        set_msg(st->c, "parameter index out of range");
        return -1;
    }
    free_copy(st, k);
    return k;
}

int rs_pg_bind_int64(struct rs_pg_st *st, int i, int64_t v)
{
    int k = slot(st, i);

    if (k < 0)
        return SQLITE_RANGE;
    snprintf(st->num[k], sizeof(st->num[k]), "%lld", (long long)v);
    st->val[k] = st->num[k];
    st->len[k] = 0;
    st->fmt[k] = 0;
    st->type[k] = 0;
    return SQLITE_OK;
}

int rs_pg_bind_null(struct rs_pg_st *st, int i)
{
    int k = slot(st, i);

    if (k < 0)
        return SQLITE_RANGE;
    st->val[k] = NULL;
    st->fmt[k] = 0;
    st->type[k] = 0;
    return SQLITE_OK;
}

static int bind_bytes(struct rs_pg_st *st, int i, const void *p, uint64_t n, bool copy,
                      bool blob)
{
    int k = slot(st, i);

    if (k < 0)
        return SQLITE_RANGE;
    if (n > INT32_MAX)
        return SQLITE_TOOBIG;
    if (copy || !blob) {
        /* text goes NUL-terminated: libpq sends a text parameter up to its NUL */
        st->copy[k] = malloc(n + 1);
        if (!st->copy[k])
            return SQLITE_NOMEM;
        if (n)
            memcpy(st->copy[k], p, n);
        st->copy[k][n] = '\0';
        p = st->copy[k];
    }
    st->val[k] = p;
    st->len[k] = (int)n;
    st->fmt[k] = blob ? 1 : 0;
    st->type[k] = blob ? OID_BYTEA : 0;
    return SQLITE_OK;
}

int rs_pg_bind_text(struct rs_pg_st *st, int i, const char *p, int n, bool copy)
{
    if (!p)
        return rs_pg_bind_null(st, i);
    return bind_bytes(st, i, p, n < 0 ? strlen(p) : (uint64_t)n, copy, false);
}

int rs_pg_bind_blob(struct rs_pg_st *st, int i, const void *p, uint64_t n, bool copy)
{
    static const char empty[1];

    if (!p && n == 0)
        p = empty;
    if (!p)
        return rs_pg_bind_null(st, i);
    return bind_bytes(st, i, p, n, copy, true);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/*
 * The binary array format (array_recv): ndim, a has-nulls flag, the
 * element type, then per dimension its length and lower bound, then each
 * element as its length and its bytes, all integers big-endian.  Element
 * k is vals[k] (lens[k] bytes) or, for int8, ints[k].
 */
static int bind_array(struct rs_pg_st *st, int i, Oid elem, size_t n, const char *const *vals,
                      const size_t *lens, const int64_t *ints)
{
    uint64_t total = 20;
    unsigned char *buf, *p;
    int k;

    if (n == 0 || n > RS_PG_ARRAY_MAX) {
        set_msg(st->c, "array parameter with no or too many elements");
        return SQLITE_RANGE;
    }
    for (size_t j = 0; j < n; j++) {
        total += 4 + (ints ? 8 : (uint64_t)lens[j]);
        if (total > RS_PG_ARRAY_BYTES_MAX) {
            set_msg(st->c, "array parameter longer than 1 GiB");
            return SQLITE_TOOBIG;
        }
    }
    k = slot(st, i);
    if (k < 0)
        return SQLITE_RANGE;
    buf = malloc((size_t)total);
    if (!buf) {
        set_msg(st->c, "out of memory");
        return SQLITE_NOMEM;
    }
    put_be32(buf, 1);
    put_be32(buf + 4, 0);
    put_be32(buf + 8, elem);
    put_be32(buf + 12, (uint32_t)n);
    put_be32(buf + 16, 1);
    p = buf + 20;
    for (size_t j = 0; j < n; j++) {
        if (ints) {
            uint64_t v = (uint64_t)ints[j];

            put_be32(p, 8);
            put_be32(p + 4, (uint32_t)(v >> 32));
            put_be32(p + 8, (uint32_t)v);
            p += 12;
        } else {
            put_be32(p, (uint32_t)lens[j]);
            if (lens[j])
                memcpy(p + 4, vals[j], lens[j]);
            p += 4 + lens[j];
        }
    }
    st->copy[k] = (char *)buf;
    st->val[k] = (const char *)buf;
    st->len[k] = (int)total;
    st->fmt[k] = 1;
    st->type[k] = 0;
    return SQLITE_OK;
}

int rs_pg_bind_array(struct rs_pg_st *st, int i, enum rs_pg_elem elem, size_t n,
                     const char *const *vals, const size_t *lens)
{
    return bind_array(st, i, elem == RS_PG_ELEM_TEXT ? OID_TEXT : OID_BYTEA, n, vals, lens,
                      NULL);
}

int rs_pg_bind_array_int64(struct rs_pg_st *st, int i, size_t n, const int64_t *vals)
{
    return bind_array(st, i, OID_INT8, n, NULL, NULL, vals);
}

void rs_pg_clear_bindings(struct rs_pg_st *st)
{
    for (int k = 0; k < st->nparams; k++) {
        free_copy(st, k);
        st->val[k] = NULL;
        st->len[k] = 0;
        st->fmt[k] = 0;
    }
}

/* The next row of a streamed result: SQLITE_ROW with it in st->res, or
 * SQLITE_DONE, or a failure (the stream is then over). */
static int stream_next(struct rs_pg_st *st)
{
    struct rs_pg *c = st->c;
    ExecStatusType es;
    int rc;

    PQclear(st->res);
    st->res = PQgetResult(c->conn);
    st->row = 0;
    st->nrows = 0;
    es = st->res ? PQresultStatus(st->res) : PGRES_FATAL_ERROR;
    if (es == PGRES_SINGLE_TUPLE) {
        st->nrows = 1;
        return SQLITE_ROW;
    }
    if (es == PGRES_TUPLES_OK) {
        PQclear(st->res);
        st->res = NULL;
        stream_end(st);
        return SQLITE_DONE;
    }
    rc = map_fail(c, st->res);
    PQclear(st->res);
    st->res = NULL;
    stream_end(st);
    return rc;
}

/*
 * A streamed statement is not prepared: it goes as an unnamed statement
 * each time, planned with its values.  Prepared, the generic plan of a
 * year's scan estimated one row (year = $1 AND ($2 IS NULL OR ...)), so it
 * was a parallel sequential scan and a sort of the whole table, costed
 * below the custom plan's index scan: PostgreSQL would switch to it after
 * five scans.  Planning one scan per report costs nothing next to it.
 */
static int stream_start(struct rs_pg_st *st)
{
    struct rs_pg *c = st->c;
    int rc = ensure_conn(c);

    if (rc != SQLITE_OK)
        return rc;
    if (!PQsendQueryParams(c->conn, st->sql, st->nparams, NULL, st->val, st->len, st->fmt, 1))
        return map_fail(c, NULL);
    c->streaming = st;
    if (!PQsetSingleRowMode(c->conn)) {
        set_msg(c, "libpq refused single-row mode");
        stream_end(st);
        return c->errcode = SQLITE_ERROR;
    }
    return stream_next(st);
}

int rs_pg_step(struct rs_pg_st *st)
{
    struct rs_pg *c = st->c;
    ExecStatusType es;
    int rc;

    if (c->streaming == st)
        return stream_next(st);
    if (st->res) {
        if (++st->row < st->nrows)
            return SQLITE_ROW;
        return SQLITE_DONE;
    }
    if (c->streaming) {
        set_msg(c, "a statement ran while a scan's rows were still being read");
        return c->errcode = SQLITE_MISUSE;
    }
    if (st->flags & RS_PG_STREAM)
        return stream_start(st);
    if (st->flags & RS_PG_SIMPLE) {
        st->res = exec_simple(c, st->sql, &rc);
        if (rc != SQLITE_OK)
            return rc;
        if (!st->res)
            return SQLITE_DONE;
        st->row = 0;
        st->nrows = 0;
        return SQLITE_DONE;
    } else {
        rc = rs_pg_st_prepare_now(st);
        if (rc != SQLITE_OK)
            return rc;
        st->res = PQexecPrepared(c->conn, st->name, st->nparams, st->val, st->len, st->fmt, 1);
    }
    es = PQresultStatus(st->res);
    st->row = 0;
    st->nrows = 0;
    if (es == PGRES_COMMAND_OK) {
        c->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
        return SQLITE_DONE;
    }
    if (es != PGRES_TUPLES_OK) {
        rc = map_fail(c, st->res);
        PQclear(st->res);
        st->res = NULL;
        return rc;
    }
    if (st->flags & RS_PG_RETURNS_ID) {
        c->changes = PQntuples(st->res);
        if (c->changes > 0)
            c->last_id = rs_pg_column_int64(st, 0);
        return SQLITE_DONE;
    }
    st->nrows = PQntuples(st->res);
    return st->nrows > 0 ? SQLITE_ROW : SQLITE_DONE;
}

void rs_pg_reset(struct rs_pg_st *st)
{
    PQclear(st->res);
    st->res = NULL;
    if (st->c->streaming == st)
        stream_end(st);
}

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;

    for (int k = 0; k < n; k++)
        v = v << 8 | p[k];
    return v;
}

int64_t rs_pg_column_int64(struct rs_pg_st *st, int col)
{
    const unsigned char *p;
    int n;

    if (!st->res || col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col))
        return 0;
    p = (const unsigned char *)PQgetvalue(st->res, st->row, col);
    n = PQgetlength(st->res, st->row, col);
    switch (PQftype(st->res, col)) {
    case OID_INT8: return n == 8 ? (int64_t)be(p, 8) : 0;
    case OID_INT4: return n == 4 ? (int64_t)(int32_t)(uint32_t)be(p, 4) : 0;
    case OID_INT2: return n == 2 ? (int64_t)(int16_t)(uint16_t)be(p, 2) : 0;
    case OID_BOOL: return n == 1 ? p[0] != 0 : 0;
    default: return strtoll((const char *)p, NULL, 10);
    }
}

const unsigned char *rs_pg_column_text(struct rs_pg_st *st, int col)
{
    if (!st->res || col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col))
        return NULL;
    return (const unsigned char *)PQgetvalue(st->res, st->row, col);
}

int rs_pg_column_bytes(struct rs_pg_st *st, int col)
{
    if (!st->res || col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col))
        return 0;
    return PQgetlength(st->res, st->row, col);
}

bool rs_pg_column_null(struct rs_pg_st *st, int col)
{
    return !st->res || col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col);
}

int rs_pg_exec(struct rs_pg *c, const char *sql)
{
    int rc;

    PQclear(exec_simple(c, sql, &rc));
    return rc;
}

int rs_pg_query_int(struct rs_pg *c, const char *sql, int64_t *v, bool *present)
{
    PGresult *res = PQexec(c->conn, sql);
    int rc = SQLITE_OK;

    *present = false;
    *v = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = map_fail(c, res);
    } else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        *present = true;
        *v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    }
    PQclear(res);
    return rc;
}

int rs_pg_set_read_only(struct rs_pg *c)
{
    c->read_only = true;
    return rs_pg_exec(c, "SET default_transaction_read_only = on");
}

int64_t rs_pg_changes(const struct rs_pg *c)
{
    return c->changes;
}

int64_t rs_pg_last_id(const struct rs_pg *c)
{
    return c->last_id;
}

bool rs_pg_in_tx(const struct rs_pg *c)
{
    return c->in_tx || PQtransactionStatus(c->conn) == PQTRANS_INERROR ||
           PQtransactionStatus(c->conn) == PQTRANS_INTRANS;
}

int rs_pg_errcode(const struct rs_pg *c)
{
    return c->errcode;
}

const char *rs_pg_errmsg(const struct rs_pg *c)
{
    return c->errmsg[0] ? c->errmsg : "not an error";
}

/*
 * rs_store_pg_put.c - storing a run of new records on PostgreSQL with one
 * statement instead of one INSERT each.
 *
 * On SQLite an INSERT is a function call; on PostgreSQL it is a round trip
 * to the server, and a group commit of 1,600 records spent nearly all its
 * time waiting on 1,600 of them.  Here the run's fields go as nine binary
 * arrays of one statement (rs_store_pg_put_many_sql): the server unnests
 * them and inserts with INSERT ... ON CONFLICT(record_id) DO NOTHING, so
 * the unique key decides what is stored, as it does for one record, and
 * the records are numbered max(seq) + 1, + 2, ... in their order, as one
 * INSERT each would number them under the write lock.  The server answers
 * with the id and seq of each record it stored; the ids are matched back
 * to their places through a hash table of the run (its first place for an
 * id that comes twice: the one the server stored).
 *
 * Does not: judge the records it leaves out (an id already stored, or
 * one that came earlier in the run: the caller's judge_existing says
 * duplicate or conflict, after the run), store a record that supersedes
 * another, or judge closed years; rs_store_records.c keeps the order of
 * those decisions and cuts the runs.
 */
#include "rs_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_store_pg.h"

enum { COL_ID, COL_OFFICE, COL_DIVISION, COL_HASH, COL_BODY, NBYTECOLS };
enum { COL_TYPE, COL_YEAR, COL_PERIOD, COL_BATCH, NINTCOLS };

/* Places of the run by id: open addressing, 0 empty, else place + 1. */
struct places {
    size_t *slot;
    size_t mask;
};

static uint64_t id_hash(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037u;

    for (size_t k = 0; k < n; k++)
        h = (h ^ (unsigned char)p[k]) * 1099511628211u;
    return h;
}

/* Where id (n bytes) is or would go. */
static size_t *places_find(const struct places *pl, const struct rs_store_rec *recs,
                           const size_t *idx, const char *id, size_t n)
{
    for (size_t h = (size_t)id_hash(id, n) & pl->mask;; h = (h + 1) & pl->mask) {
        size_t *e = &pl->slot[h];
        const struct rs_store_rec *r;

        if (*e == 0)
            return e;
        r = &recs[idx[*e - 1]];
        if (rs_store_text_len(r->id, r->id_len) == n && memcmp(r->id, id, n) == 0)
            return e;
    }
}

static int print_len(const struct rs_store_rec *r)
{
    size_t n = rs_store_text_len(r->id, r->id_len);

    return n > 60 ? 60 : (int)n;
}

static bool places_make(struct places *pl, const struct rs_store_rec *recs, const size_t *idx,
                        size_t n)
{
    size_t cap = 16;

    while (cap < 2 * n)
        cap *= 2;
    pl->slot = calloc(cap, sizeof(*pl->slot));
    pl->mask = cap - 1;
    if (!pl->slot)
        return false;
    for (size_t k = 0; k < n; k++) {
        const struct rs_store_rec *r = &recs[idx[k]];
        size_t *e = places_find(pl, recs, idx, r->id, rs_store_text_len(r->id, r->id_len));

        if (*e == 0)
            *e = k + 1;
    }
    return true;
}

static int bind_all(struct rs_pg_st *st, const struct rs_store_rec *recs, const size_t *idx,
                    const int64_t *batch, size_t n, int64_t now, const char **val, size_t *len,
                    int64_t *num)
{
    static const int param_of_bytes[NBYTECOLS] = {1, 2, 3, 7, 8};
    static const int param_of_int[NINTCOLS] = {4, 5, 6, 9};
    int rc = SQLITE_OK;

    for (size_t k = 0; k < n; k++) {
        const struct rs_store_rec *r = &recs[idx[k]];

        val[COL_ID * n + k] = r->id;
        len[COL_ID * n + k] = rs_store_text_len(r->id, r->id_len);
        val[COL_OFFICE * n + k] = r->office_code;
        len[COL_OFFICE * n + k] = rs_store_text_len(r->office_code, r->office_code_len);
        val[COL_DIVISION * n + k] = r->division_code;
        len[COL_DIVISION * n + k] = rs_store_text_len(r->division_code, r->division_code_len);
        val[COL_HASH * n + k] = (const char *)r->hash;
        len[COL_HASH * n + k] = RS_SHA256_LEN;
        val[COL_BODY * n + k] = (const char *)r->body;
        len[COL_BODY * n + k] = r->body_len;
        num[COL_TYPE * n + k] = (int64_t)r->type;
        num[COL_YEAR * n + k] = (int64_t)r->year;
        num[COL_PERIOD * n + k] = (int64_t)r->period;
        num[COL_BATCH * n + k] = batch[k];
    }
    for (int c = 0; c < NBYTECOLS && rc == SQLITE_OK; c++)
        rc = rs_pg_bind_array(st, param_of_bytes[c],
                              c == COL_HASH || c == COL_BODY ? RS_PG_ELEM_BYTEA : RS_PG_ELEM_TEXT,
                              n, val + (size_t)c * n, len + (size_t)c * n);
    for (int c = 0; c < NINTCOLS && rc == SQLITE_OK; c++)
        rc = rs_pg_bind_array_int64(st, param_of_int[c], n, num + (size_t)c * n);
    if (rc == SQLITE_OK)
        rc = rs_pg_bind_int64(st, 10, now);
    return rc;
}

rs_status rs_store_pg_put_new(struct rs_store *s, struct rs_store_rec *recs, const size_t *idx,
                              const int64_t *batch, size_t n, int64_t now)
{
    struct rs_st st = {.pg = s->put_many};
    struct places pl = {0};
    const char **val = NULL;
    size_t *len = NULL;
    int64_t *num = NULL;
    rs_status rv = RS_OK;
    int rc;

    if (n == 0)
        return RS_OK;
    if (!s->put_many || n > RS_PG_ARRAY_MAX) {
        snprintf(s->errmsg, sizeof(s->errmsg), "storing %zu records at once: not possible here",
                 n);
        return RS_EINTERNAL;
    }
    val = calloc(n * NBYTECOLS, sizeof(*val));
    len = calloc(n * NBYTECOLS, sizeof(*len));
    num = calloc(n * NINTCOLS, sizeof(*num));
    if (!val || !len || !num || !places_make(&pl, recs, idx, n)) {
        snprintf(s->errmsg, sizeof(s->errmsg), "out of memory storing %zu records", n);
        rv = RS_ENOMEM;
        goto out;
    }
    rc = bind_all(s->put_many, recs, idx, batch, n, now, val, len, num);
    if (rc != SQLITE_OK) {
        rv = rs_store_db_fail(s, rc, "storing records");
        goto out;
    }
    while ((rc = rs_st_step(&st)) == RS_ST_ROW) {
        const char *id = (const char *)rs_st_column_text(&st, 1);
        size_t *e = id ? places_find(&pl, recs, idx, id, (size_t)rs_st_column_bytes(&st, 1))
                       : NULL;
        struct rs_store_rec *r;

        if (!e || *e == 0) {
            snprintf(s->errmsg, sizeof(s->errmsg), "storing records: the server stored an id "
                                                   "that is not in the run");
            rv = RS_EINTERNAL;
            goto out;
        }
        r = &recs[idx[*e - 1]];
        if (r->ack != RS__ACK_STATUS__ACK_UNSPECIFIED) {
            snprintf(s->errmsg, sizeof(s->errmsg), "storing records: the server stored "
                                                   "%.*s twice", print_len(r), r->id);
            rv = RS_EINTERNAL;
            goto out;
        }
        r->ack = RS__ACK_STATUS__ACK_STORED;
        r->seq = (uint64_t)rs_st_column_int64(&st, 0);
    }
    if (rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "storing records");
out:
    rs_st_reset(&st);
    rs_pg_clear_bindings(s->put_many);
    free(pl.slot);
    free(val);
    free(len);
    free(num);
    return rv;
}

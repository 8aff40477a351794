/*
 * rs_store_st.c - the connection half of the store's statement driver
 * (rs_store_st.h): one-off statements, exec, what the last statement
 * changed, and the last failure, on the store's connection.
 *
 * Does not: bind, step or read statements (the inline functions of
 * rs_store_st.h do), hold the store's SQL, or open the connection.
 */
#include "rs_store_int.h"

#include <stdlib.h>
#include <string.h>

int rs_st_prepare(struct rs_store *s, const char *sql, struct rs_st **out)
{
    struct rs_st *st = calloc(1, sizeof(*st));
    int rc;

    *out = NULL;
    if (!st)
        return RS_ST_ERROR;
    if (s->pg) {
        rc = rs_pg_st_new(s->pg, sql, 0, &st->pg);
        if (rc == RS_ST_OK)
            rc = rs_pg_st_prepare_now(st->pg);
        if (rc != RS_ST_OK) {
            rs_pg_st_free(st->pg);
            free(st);
            return rc;
        }
        *out = st;
        return RS_ST_OK;
    }
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st->lite, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st->lite);
        free(st);
        return rc;
    }
    *out = st;
    return RS_ST_OK;
}

void rs_st_finalize(struct rs_st *st)
{
    if (!st)
        return;
    if (st->lite)
        sqlite3_finalize(st->lite);
    rs_pg_st_free(st->pg);
    free(st);
}

int rs_st_exec(struct rs_store *s, const char *sql)
{
    if (s->pg) {
        /* A read transaction sees one snapshot, as SQLite's does. */
        if (!strcmp(sql, "BEGIN"))
            sql = "BEGIN ISOLATION LEVEL REPEATABLE READ";
        return rs_pg_exec(s->pg, sql);
    }
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

int64_t rs_st_changes(struct rs_store *s)
{
    if (s->pg)
        return rs_pg_changes(s->pg);
    return (int64_t)sqlite3_changes64(s->db);
}

int64_t rs_st_last_id(struct rs_store *s)
{
    if (s->pg)
        return rs_pg_last_id(s->pg);
    return (int64_t)sqlite3_last_insert_rowid(s->db);
}

bool rs_st_in_tx(struct rs_store *s)
{
    if (s->pg)
        return rs_pg_in_tx(s->pg);
    return !sqlite3_get_autocommit(s->db);
}

int rs_st_errcode(struct rs_store *s)
{
    if (s->pg)
        return rs_pg_errcode(s->pg);
    return sqlite3_errcode(s->db);
}

const char *rs_st_errmsg(struct rs_store *s)
{
    if (s->pg)
        return rs_pg_errmsg(s->pg);
    return sqlite3_errmsg(s->db);
}

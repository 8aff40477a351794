/*
 * rs_store_scan.c - the scans a report makes of the records besides
 * rs_store_scan_year: the current records the evaluation counts, all of
 * them or only the accepted ones; and what each division has returned, for
 * the completeness board.
 *
 * See rs_store.h for the contract.  Each scan is one statement stepped on
 * the caller's thread, one consistent snapshot; rows are handed to the
 * caller's function as they are read.
 *
 * Does not: unpack a body, evaluate, or write anything.
 */
#include "rs_store_int.h"

#include <string.h>

#include "rs_rtype.h"

rs_status rs_store_scan_report(struct rs_store *s, const struct rs_store_scan_q *q,
                               int (*fn)(const uint8_t *body, size_t len, void *arg), void *arg)
{
    static const uint8_t empty[1];
    sqlite3_stmt *st;
    const uint8_t *body;
    rs_status rv = RS_OK;
    int len;
    int rc;

    if (!s || !q || !fn)
        return RS_EINVAL;
    st = s->stmt[q->accepted_only ? ST_SCAN_ACCEPTED : ST_SCAN_REPORT];
    rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)q->year);
    if (rc == SQLITE_OK)
        rc = q->division ? sqlite3_bind_text(st, 2, q->division, -1, SQLITE_STATIC)
                         : sqlite3_bind_null(st, 2);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)RS__RECORD__BODY_NIL_RETURN);
    if (rc != SQLITE_OK) {
        rv = rs_store_db_fail(s, rc, "scanning records");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (q->accepted_only &&
            rs_rtype_is_township((Rs__Record__BodyCase)sqlite3_column_int(st, 1)) &&
            sqlite3_column_int(st, 2) != RS__REVIEW_ACTION__RA_ACCEPT)
            continue;
        body = sqlite3_column_blob(st, 0);
        len = sqlite3_column_bytes(st, 0);
        if (fn(body ? body : empty, (size_t)len, arg) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        rv = rs_store_db_fail(s, rc, "scanning records");
out:
    sqlite3_reset(st);
    return rv;
}

/* Steps st (bound by the caller) and hands each row to fn as a return. */
static rs_status returns_of(struct rs_store *s, sqlite3_stmt *st, bool nil,
                            int (*fn)(const struct rs_store_return *r, void *arg), void *arg,
                            bool *stopped)
{
    static const uint8_t empty[1];
    struct rs_store_return r;
    rs_status rv = RS_OK;
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof(r));
        rs_store_copy_text(r.division, sizeof(r.division), sqlite3_column_text(st, 0),
                           sqlite3_column_bytes(st, 0));
        if (nil) {
            const uint8_t *body = sqlite3_column_blob(st, 4);

            r.type = RS__RECORD__BODY_NIL_RETURN;
            r.period = (Rs__Period)sqlite3_column_int(st, 1);
            r.first_at = sqlite3_column_int64(st, 2);
            r.current = sqlite3_column_int(st, 3) != 0;
            r.body = body ? body : empty;
            r.body_len = (size_t)sqlite3_column_bytes(st, 4);
        } else {
            r.type = (Rs__Record__BodyCase)sqlite3_column_int(st, 1);
            r.period = (Rs__Period)sqlite3_column_int(st, 2);
            r.first_at = sqlite3_column_int64(st, 3);
            r.current = sqlite3_column_int(st, 4) != 0;
        }
        if (fn(&r, arg) != 0) {
            *stopped = true;
            break;
        }
    }
    if (!*stopped && rc != SQLITE_DONE)
        rv = rs_store_db_fail(s, rc, "reading returns");
    sqlite3_reset(st);
    return rv;
}

rs_status rs_store_returns(struct rs_store *s, uint32_t year,
                           int (*fn)(const struct rs_store_return *r, void *arg), void *arg)
{
    bool stopped = false;
    rs_status rv;
    int rc;

    if (!s || !fn)
        return RS_EINVAL;
    for (int pass = 0; pass < 2 && !stopped; pass++) {
        sqlite3_stmt *st = s->stmt[pass ? ST_RETURNS_NIL : ST_RETURNS_GROUPS];

        rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)year);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)RS__RECORD__BODY_NIL_RETURN);
        if (rc != SQLITE_OK) {
            sqlite3_reset(st);
            return rs_store_db_fail(s, rc, "reading returns");
        }
        rv = returns_of(s, st, pass == 1, fn, arg, &stopped);
        if (rv)
            return rv;
    }
    return RS_OK;
}

/*
 * rs_store_scan.c - the scans a report makes of the records besides
 * rs_store_scan_year: the current records the evaluation counts, all of
 * them or only the accepted ones.
 *
 * See rs_store.h for the contract.  Each scan is one statement stepped on
 * the caller's thread, one consistent snapshot; rows are handed to the
 * caller's function as they are read.
 *
 * Does not: unpack a body, evaluate, or write anything.
 */
#include "rs_store_int.h"

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

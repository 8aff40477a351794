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
    struct rs_st *st;
    const uint8_t *body;
    rs_status rv = RS_OK;
    int len;
    int rc;

    if (!s || !q || !fn)
        return RS_EINVAL;
    st = &s->stmt[q->accepted_only ? ST_SCAN_ACCEPTED : ST_SCAN_REPORT];
    rc = rs_st_bind_int64(st, 1, (int64_t)q->year);
    if (rc == RS_ST_OK)
        rc = q->division ? rs_st_bind_text(st, 2, q->division, -1, RS_ST_STATIC)
                         : rs_st_bind_null(st, 2);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 3, (int64_t)RS__RECORD__BODY_NIL_RETURN);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "scanning records");
        goto out;
    }
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        if (q->accepted_only &&
            rs_rtype_is_township((Rs__Record__BodyCase)rs_st_column_int(st, 1)) &&
            rs_st_column_int(st, 2) != RS__REVIEW_ACTION__RA_ACCEPT)
            continue;
        body = rs_st_column_blob(st, 0);
        len = rs_st_column_bytes(st, 0);
        if (fn(body ? body : empty, (size_t)len, arg) != 0)
            break;
    }
    if (rc != RS_ST_ROW && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "scanning records");
out:
    rs_st_reset(st);
    return rv;
}

/* Steps st (bound by the caller) and hands each row to fn as a return. */
static rs_status returns_of(struct rs_store *s, struct rs_st *st, bool nil,
                            int (*fn)(const struct rs_store_return *r, void *arg), void *arg,
                            bool *stopped)
{
    static const uint8_t empty[1];
    struct rs_store_return r;
    rs_status rv = RS_OK;
    int rc;

    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        memset(&r, 0, sizeof(r));
        rs_store_copy_text(r.division, sizeof(r.division), rs_st_column_text(st, 0),
                           rs_st_column_bytes(st, 0));
        if (nil) {
            const uint8_t *body = rs_st_column_blob(st, 4);

            r.type = RS__RECORD__BODY_NIL_RETURN;
            r.period = (Rs__Period)rs_st_column_int(st, 1);
            r.first_at = rs_st_column_int64(st, 2);
            r.current = rs_st_column_int(st, 3) != 0;
            r.body = body ? body : empty;
            r.body_len = (size_t)rs_st_column_bytes(st, 4);
        } else {
            r.type = (Rs__Record__BodyCase)rs_st_column_int(st, 1);
            r.period = (Rs__Period)rs_st_column_int(st, 2);
            r.first_at = rs_st_column_int64(st, 3);
            r.current = rs_st_column_int(st, 4) != 0;
        }
        if (fn(&r, arg) != 0) {
            *stopped = true;
            break;
        }
    }
    if (!*stopped && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "reading returns");
    rs_st_reset(st);
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
        struct rs_st *st = &s->stmt[pass ? ST_RETURNS_NIL : ST_RETURNS_GROUPS];

        rc = rs_st_bind_int64(st, 1, (int64_t)year);
        if (rc == RS_ST_OK)
            rc = rs_st_bind_int64(st, 2, (int64_t)RS__RECORD__BODY_NIL_RETURN);
        if (rc != RS_ST_OK) {
            rs_st_reset(st);
            return rs_store_db_fail(s, rc, "reading returns");
        }
        rv = returns_of(s, st, pass == 1, fn, arg, &stopped);
        if (rv)
            return rv;
    }
    return RS_OK;
}

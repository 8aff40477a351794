/*
 * rs_store_year.c - closed reporting years: whether a year is closed, and
 * the refusal that names whom to ask.
 *
 * See rs_store.h for the contract and rs_store_int.h for the helper the
 * other files call inside their own transactions (a schedule change, a
 * put of records), so a close and a write of the same year never race: the
 * check and the write are one transaction.
 *
 * Does not: decide what a closed year refuses (each caller does), or
 * render a report.
 */
#include "rs_store_int.h"

#include <stdio.h>
#include <string.h>

#define NAME_PRINT_MAX 66                   /* bytes of an office name in a refusal */

/* The length of the longest prefix of s, at most max bytes, that ends on a
 * UTF-8 character boundary. */
static int utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);

    if (n <= max)
        return (int)n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return (int)n;
}

/* The last day of the open exception that covers division in year today, or 0. */
static rs_status open_until(struct rs_store *s, uint32_t year, const char *division,
                            uint32_t today, uint32_t *until)
{
    sqlite3_stmt *st = s->stmt[ST_YEAR_EXCEPTION_OPEN];
    rs_status rv = RS_OK;
    int rc;

    *until = 0;
    rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)year);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, division, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)today);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *until = (uint32_t)sqlite3_column_int64(st, 0);
    else
        rv = rs_store_db_fail(s, rc, "reading lock exceptions");
    sqlite3_reset(st);
    return rv;
}

rs_status rs_store_year_lock_tx(struct rs_store *s, uint32_t year, const char *division,
                                uint32_t today, struct rs_year_lock *out, char *msg, size_t cap)
{
    sqlite3_stmt *st = s->stmt[ST_YEAR_LAST_ISSUE];
    rs_status rv = RS_OK;
    char day[11];
    int rc;

    memset(out, 0, sizeof(*out));
    if (msg && cap)
        msg[0] = '\0';
    rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)year);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->issue = (uint32_t)sqlite3_column_int64(st, 0);
        out->closed_at = sqlite3_column_int64(st, 1);
        rs_store_copy_text(out->closed_by, sizeof(out->closed_by), sqlite3_column_text(st, 2),
                           sqlite3_column_bytes(st, 2));
        if (sqlite3_column_type(st, 3) == SQLITE_NULL)
            snprintf(out->closed_by_name, sizeof(out->closed_by_name), "%s", out->closed_by);
        else
            rs_store_copy_text(out->closed_by_name, sizeof(out->closed_by_name),
                               sqlite3_column_text(st, 3), sqlite3_column_bytes(st, 3));
    } else if (rc != SQLITE_DONE) {
        rv = rs_store_db_fail(s, rc, "reading closed years");
    }
    sqlite3_reset(st);
    if (rv || out->issue == 0)
        return rv;
    if (division) {
        rv = open_until(s, year, division, today, &out->open_until);
        if (rv)
            return rv;
    }
    out->locked = out->open_until == 0;
    if (!out->locked || !msg || !cap)
        return RS_OK;
    rs_date_format(rs_date_cst(out->closed_at), day);
    snprintf(msg, cap, "year %u is closed (its report was issued %s); ask %.*s (%s) to reopen it",
             (unsigned)year, day, utf8_prefix(out->closed_by_name, NAME_PRINT_MAX),
             out->closed_by_name, out->closed_by);
    return RS_OK;
}

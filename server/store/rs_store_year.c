/*
 * rs_store_year.c - closed reporting years: closing one (issuing its report
 * in every format), re-issuing it after a lock exception, granting an
 * exception, what a year has issued, and whether a year is closed to a
 * division.
 *
 * See rs_store.h for the contract and rs_store_int.h for the helpers the
 * other files call inside their own transactions (a put of records, a
 * review, a schedule change), so a close and a write of the same year never
 * race: the check and the write are one transaction, and a close is one
 * transaction from reading the records to storing the report.
 *
 * Does not: render a report (the close's producer does), or decide who may
 * close or reopen (the server checks the role).
 */
#include "rs_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_util.h"

#define NAME_PRINT_MAX 66                   /* bytes of an office name in a refusal */
#define REOPEN_DAYS_MAX 366                 /* how far ahead an exception may run */

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

static void text_col(struct rs_st *st, int col, char *out, size_t cap)
{
    rs_store_copy_text(out, cap, rs_st_column_text(st, col), rs_st_column_bytes(st, col));
}

/* A name column that may be NULL (no office): the code instead. */
static void name_col(struct rs_st *st, int col, const char *code, char *out, size_t cap)
{
    if (rs_st_column_type(st, col) == RS_ST_NULL)
        snprintf(out, cap, "%s", code);
    else
        text_col(st, col, out, cap);
}

/* The refusal of a closed year's record (rs_store_int.h shows it); zh (zcap
 * bytes, may be NULL) gets the same in Chinese. */
static void lock_msg(uint32_t year, int64_t closed_at, const char *by, const char *by_name,
                     char *msg, size_t cap, char *zh, size_t zcap)
{
    char day[11];

    rs_date_format(rs_date_cst(closed_at), day);
    snprintf(msg, cap, "year %u is closed (its report was issued %s); ask %.*s (%s) to reopen it",
             (unsigned)year, day, utf8_prefix(by_name, NAME_PRINT_MAX), by_name, by);
    if (zh && zcap)
        snprintf(zh, zcap, "%u年度已结账（报告已于%s出具），不再接收该年度的记录；如需补报，"
                           "请%.*s（%s）重新开放",
                 (unsigned)year, day, utf8_prefix(by_name, NAME_PRINT_MAX), by_name, by);
}

/* The refusal of a request that would change a closed year (a review, a
 * schedule), in Chinese for the clerk (rs_store_year_lock_tx). */
static void request_lock_msg(uint32_t year, int64_t closed_at, const char *by_name,
                             const char *by, char *msg, size_t cap)
{
    char day[11];

    rs_date_format(rs_date_cst(closed_at), day);
    snprintf(msg, cap, "%u年度已结账（报告已于%s出具），不能再改动；如需改动，请%.*s（%s）重新开放",
             (unsigned)year, day, utf8_prefix(by_name, NAME_PRINT_MAX), by_name, by);
}

/* ------------------------------------------------------------ is a year closed */

/* The last day of the open exception that covers division in year today, or 0. */
static rs_status open_until(struct rs_store *s, uint32_t year, const char *division,
                            uint32_t today, uint32_t *until)
{
    struct rs_st *st = &s->stmt[ST_YEAR_EXCEPTION_OPEN];
    rs_status rv = RS_OK;
    int rc;

    *until = 0;
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 2, division, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 3, (int64_t)today);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_ROW)
        *until = (uint32_t)rs_st_column_int64(st, 0);
    else
        rv = rs_store_db_fail(s, rc, "reading lock exceptions");
    rs_st_reset(st);
    return rv;
}

rs_status rs_store_year_lock_tx(struct rs_store *s, uint32_t year, const char *division,
                                uint32_t today, struct rs_year_lock *out, char *msg, size_t cap)
{
    struct rs_st *st = &s->stmt[ST_YEAR_LAST_ISSUE];
    rs_status rv = RS_OK;
    int rc;

    memset(out, 0, sizeof(*out));
    if (msg && cap)
        msg[0] = '\0';
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_ROW) {
        out->issue = (uint32_t)rs_st_column_int64(st, 0);
        out->closed_at = rs_st_column_int64(st, 1);
        text_col(st, 2, out->closed_by, sizeof(out->closed_by));
        name_col(st, 3, out->closed_by, out->closed_by_name, sizeof(out->closed_by_name));
    } else if (rc != RS_ST_DONE) {
        rv = rs_store_db_fail(s, rc, "reading closed years");
    }
    rs_st_reset(st);
    if (rv || out->issue == 0)
        return rv;
    if (division) {
        rv = open_until(s, year, division, today, &out->open_until);
        if (rv)
            return rv;
    }
    out->locked = out->open_until == 0;
    if (out->locked && msg && cap)
        request_lock_msg(year, out->closed_at, out->closed_by_name, out->closed_by, msg, cap);
    return RS_OK;
}

/* ------------------------------------------------------------ the locks of a put */

void rs_store_locks_free(struct rs_year_locks *l)
{
    free(l->years);
    free(l->exc);
    memset(l, 0, sizeof(*l));
}

rs_status rs_store_locks_load_tx(struct rs_store *s, uint32_t today, struct rs_year_locks *l)
{
    struct rs_st *st = &s->stmt[ST_LOCKS_YEARS];
    size_t cap = 0;
    rs_status rv = RS_OK;
    int rc;

    memset(l, 0, sizeof(*l));
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        char by[16], name[128];

        if (l->n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct rs_locked_year *v = realloc(l->years, ncap * sizeof(*v));

            if (!v) {
                rv = RS_ENOMEM;
                break;
            }
            l->years = v;
            cap = ncap;
        }
        text_col(st, 3, by, sizeof(by));
        name_col(st, 4, by, name, sizeof(name));
        l->years[l->n].year = (uint32_t)rs_st_column_int64(st, 0);
        lock_msg(l->years[l->n].year, rs_st_column_int64(st, 2), by, name,
                 l->years[l->n].msg, sizeof(l->years[l->n].msg), l->years[l->n].zh,
                 sizeof(l->years[l->n].zh));
        l->n++;
    }
    if (rv == RS_OK && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "reading closed years");
    rs_st_reset(st);
    if (rv || l->n == 0)
        goto out;
    st = &s->stmt[ST_LOCKS_EXC];
    cap = 0;
    rc = rs_st_bind_int64(st, 1, (int64_t)today);
    while (rc == RS_ST_OK && (rc = rs_st_step(st)) == RS_ST_ROW) {
        if (l->nexc == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct rs_open_exception *v = realloc(l->exc, ncap * sizeof(*v));

            if (!v) {
                rv = RS_ENOMEM;
                break;
            }
            l->exc = v;
            cap = ncap;
        }
        l->exc[l->nexc].year = (uint32_t)rs_st_column_int64(st, 0);
        text_col(st, 1, l->exc[l->nexc].division, sizeof(l->exc[0].division));
        l->nexc++;
        rc = RS_ST_OK;
    }
    if (rv == RS_OK && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "reading lock exceptions");
    rs_st_reset(st);
out:
    if (rv) {
        if (rv == RS_ENOMEM)
            snprintf(s->errmsg, sizeof(s->errmsg), "out of memory reading closed years");
        rs_store_locks_free(l);
    }
    return rv;
}

/* The closed year whose refusal applies if year is closed to division under l, else NULL. */
static const struct rs_locked_year *locked_for(const struct rs_year_locks *l, uint32_t year,
                                               const char *division, size_t division_len)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->years[i].year != year)
            continue;
        for (size_t k = 0; k < l->nexc; k++) {
            size_t n = strlen(l->exc[k].division);

            if (l->exc[k].year == year && n <= division_len &&
                memcmp(l->exc[k].division, division, n) == 0)
                return NULL;
        }
        return &l->years[i];
    }
    return NULL;
}

bool rs_store_locks_may_refuse(const struct rs_year_locks *l, const struct rs_store_rec *r)
{
    return rs_store_text_len(r->supersedes, r->supersedes_len) > 0 ||
           locked_for(l, r->year, r->division_code,
                      rs_store_text_len(r->division_code, r->division_code_len)) != NULL;
}

rs_status rs_store_locks_check_tx(struct rs_store *s, const struct rs_year_locks *l,
                                  struct rs_store_rec *r, bool *refused)
{
    size_t dlen = rs_store_text_len(r->division_code, r->division_code_len);
    size_t idlen = rs_store_text_len(r->id, r->id_len);
    size_t slen = rs_store_text_len(r->supersedes, r->supersedes_len);
    const struct rs_locked_year *why = locked_for(l, r->year, r->division_code, dlen);
    struct rs_st *st;
    rs_status rv = RS_OK;
    int rc;

    *refused = false;
    if (!why && slen) {
        /* A new version may not move a record out of a closed year either. */
        st = &s->stmt[ST_REVIEW_TARGET];
        rc = rs_st_bind_text(st, 1, r->supersedes, (int)slen, RS_ST_STATIC);
        if (rc == RS_ST_OK)
            rc = rs_st_step(st);
        if (rc == RS_ST_ROW)
            why = locked_for(l, (uint32_t)rs_st_column_int64(st, 2),
                             (const char *)rs_st_column_text(st, 1),
                             (size_t)rs_st_column_bytes(st, 1));
        else if (rc != RS_ST_DONE)
            rv = rs_store_db_fail(s, rc, "looking up superseded record");
        rs_st_reset(st);
        if (rv)
            return rv;
    }
    if (!why)
        return RS_OK;
    /* An id stored before the close is judged as always (a resend is a duplicate). */
    st = &s->stmt[ST_LOCK_ID_EXISTS];
    rc = rs_st_bind_text(st, 1, r->id, (int)idlen, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_DONE) {
        r->ack = RS__ACK_STATUS__ACK_REJECTED;
        r->code = RS__ERROR_CODE__ERR_LOCKED;
        snprintf(r->reason, sizeof(r->reason), "%s", why->msg);
        snprintf(r->text, sizeof(r->text), "%s", why->zh);
        *refused = true;
    } else if (rc != RS_ST_ROW) {
        rv = rs_store_db_fail(s, rc, "looking up record");
    }
    rs_st_reset(st);
    return rv;
}

/* ------------------------------------------------------------ reading a year */

void rs_year_info_free(struct rs_year_info *info)
{
    free(info->issues);
    free(info->exceptions);
    memset(info, 0, sizeof(*info));
}

static rs_status read_issues(struct rs_store *s, uint32_t year, struct rs_year_info *out)
{
    struct rs_st *st = &s->stmt[ST_YEAR_ISSUES];
    size_t cap = 0;
    rs_status rv = RS_OK;
    int rc = rs_st_bind_int64(st, 1, (int64_t)year);

    while (rc == RS_ST_OK && (rc = rs_st_step(st)) == RS_ST_ROW) {
        struct rs_year_issue *i;

        if (out->nissues == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct rs_year_issue *v = realloc(out->issues, ncap * sizeof(*v));

            if (!v) {
                rv = RS_ENOMEM;
                break;
            }
            out->issues = v;
            cap = ncap;
        }
        i = &out->issues[out->nissues++];
        memset(i, 0, sizeof(*i));
        i->year = year;
        i->issue = (uint32_t)rs_st_column_int64(st, 0);
        i->closed_at = rs_st_column_int64(st, 1);
        text_col(st, 2, i->closed_by, sizeof(i->closed_by));
        name_col(st, 3, i->closed_by, i->closed_by_name, sizeof(i->closed_by_name));
        text_col(st, 4, i->framework_name, sizeof(i->framework_name));
        text_col(st, 5, i->framework_hash, sizeof(i->framework_hash));
        i->record_count = (uint64_t)rs_st_column_int64(st, 6);
        text_col(st, 7, i->reason, sizeof(i->reason));
        rc = RS_ST_OK;
    }
    if (rv == RS_OK && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "reading issued reports");
    rs_st_reset(st);
    return rv;
}

static rs_status read_exceptions(struct rs_store *s, uint32_t year, struct rs_year_info *out)
{
    struct rs_st *st = &s->stmt[ST_YEAR_EXCEPTIONS];
    size_t cap = 0;
    rs_status rv = RS_OK;
    int rc = rs_st_bind_int64(st, 1, (int64_t)year);

    while (rc == RS_ST_OK && (rc = rs_st_step(st)) == RS_ST_ROW) {
        struct rs_year_exception *e;

        if (out->nexceptions == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct rs_year_exception *v = realloc(out->exceptions, ncap * sizeof(*v));

            if (!v) {
                rv = RS_ENOMEM;
                break;
            }
            out->exceptions = v;
            cap = ncap;
        }
        e = &out->exceptions[out->nexceptions++];
        memset(e, 0, sizeof(*e));
        text_col(st, 0, e->division, sizeof(e->division));
        name_col(st, 1, e->division, e->division_name, sizeof(e->division_name));
        e->until = (uint32_t)rs_st_column_int64(st, 2);
        text_col(st, 3, e->reason, sizeof(e->reason));
        text_col(st, 4, e->granted_by, sizeof(e->granted_by));
        e->granted_at = rs_st_column_int64(st, 5);
        e->ended_issue = (uint32_t)rs_st_column_int64(st, 6);
        rc = RS_ST_OK;
    }
    if (rv == RS_OK && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "reading lock exceptions");
    rs_st_reset(st);
    return rv;
}

/* Both, inside whatever transaction is open. */
static rs_status read_info(struct rs_store *s, uint32_t year, struct rs_year_info *out)
{
    rs_status rv;

    memset(out, 0, sizeof(*out));
    out->year = year;
    rv = read_issues(s, year, out);
    if (rv == RS_OK)
        rv = read_exceptions(s, year, out);
    if (rv) {
        if (rv == RS_ENOMEM)
            snprintf(s->errmsg, sizeof(s->errmsg), "out of memory reading year %u",
                     (unsigned)year);
        rs_year_info_free(out);
    }
    return rv;
}

rs_status rs_store_year_info(struct rs_store *s, uint32_t year, struct rs_year_info *out)
{
    if (!s || !out)
        return RS_EINVAL;
    return read_info(s, year, out);
}

rs_status rs_store_year_report(struct rs_store *s, uint32_t year, Rs__ReportFormat format,
                               char **body, size_t *len, struct rs_year_issue *issue)
{
    struct rs_year_info info;
    struct rs_st *st;
    const struct rs_year_issue *last;
    rs_status rv;
    int rc;

    *body = NULL;
    *len = 0;
    if (!s)
        return RS_EINVAL;
    rv = read_info(s, year, &info);
    if (rv)
        return rv;
    if (info.nissues == 0) {
        rv = RS_ENOTFOUND;
        goto out;
    }
    last = &info.issues[info.nissues - 1];
    st = &s->stmt[ST_YEAR_REPORT_GET];
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, (int64_t)last->issue);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 3, (int64_t)format);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_ROW) {
        size_t n = (size_t)rs_st_column_bytes(st, 0);
        const void *p = rs_st_column_blob(st, 0);

        *body = malloc(n + 1);
        if (!*body) {
            rv = RS_ENOMEM;
        } else {
            if (n)
                memcpy(*body, p, n);
            (*body)[n] = '\0';
            *len = n;
            if (issue)
                *issue = *last;
        }
    } else if (rc == RS_ST_DONE) {
        rv = RS_ENOTFOUND;
    } else {
        rv = rs_store_db_fail(s, rc, "reading the issued report");
    }
    rs_st_reset(st);
out:
    rs_year_info_free(&info);
    return rv;
}

rs_status rs_store_year_locked(struct rs_store *s, uint32_t year, const char *division,
                               bool *locked)
{
    struct rs_year_lock lock;
    rs_status rv;

    if (!s || !division || !locked)
        return RS_EINVAL;
    *locked = false;
    rv = rs_store_year_lock_tx(s, year, division, rs_date_cst(rs_now_unix()), &lock, NULL, 0);
    if (rv == RS_OK)
        *locked = lock.locked;
    return rv;
}

/* ------------------------------------------------------------ closing */

/* The office's name, or its code. */
static rs_status office_name(struct rs_store *s, const char *code, char *out, size_t cap)
{
    struct rs_st *st = &s->stmt[ST_OFFICE_GET];
    rs_status rv = RS_OK;
    int rc = rs_st_bind_text(st, 1, code, -1, RS_ST_STATIC);

    snprintf(out, cap, "%s", code);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_ROW)
        text_col(st, 0, out, cap);
    else if (rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "reading offices");
    rs_st_reset(st);
    return rv;
}

/* RS_OK if code is a registered office (of any role), RS_ENOTFOUND if not. */
static rs_status registered(struct rs_store *s, const char *code)
{
    struct rs_st *st = &s->stmt[ST_OFFICE_GET];
    rs_status rv = RS_OK;
    int rc = rs_st_bind_text(st, 1, code, -1, RS_ST_STATIC);

    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_DONE)
        rv = RS_ENOTFOUND;
    else if (rc != RS_ST_ROW)
        rv = rs_store_db_fail(s, rc, "reading offices");
    rs_st_reset(st);
    return rv;
}

/* The reasons of the exceptions a re-issue ends, joined, into out. */
static void issue_reason(const struct rs_year_info *info, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < info->nexceptions; i++) {
        const struct rs_year_exception *e = &info->exceptions[i];
        int n;

        if (e->ended_issue)
            continue;
        n = snprintf(out + len, cap - len, "%s%s（%s）：%s", len ? "；" : "", e->division_name,
                     e->division, e->reason);
        if (n < 0 || (size_t)n >= cap - len) {
            /* Cut on a character boundary. */
            out[utf8_prefix(out, cap - 1)] = '\0';
            return;
        }
        len += (size_t)n;
    }
}

static rs_status count_records(struct rs_store *s, uint32_t year, uint64_t *n)
{
    struct rs_st *st = &s->stmt[ST_YEAR_COUNT];
    rs_status rv = RS_OK;
    int rc = rs_st_bind_int64(st, 1, (int64_t)year);

    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, (int64_t)RS__RECORD__BODY_NIL_RETURN);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_ROW)
        *n = (uint64_t)rs_st_column_int64(st, 0);
    else
        rv = rs_store_db_fail(s, rc, "counting records");
    rs_st_reset(st);
    return rv;
}

static rs_status check_made(const struct rs_year_made *m, char *err, size_t errlen)
{
    if (m->n == 0 || m->n > RS_YEAR_MAX_FORMATS) {
        rs_store_set_err(err, errlen, "the report to issue has %zu formats (1 to %d)", m->n,
                         RS_YEAR_MAX_FORMATS);
        return RS_EINVAL;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (!m->reports[i].body) {
            rs_store_set_err(err, errlen, "the report to issue lacks format %d",
                             (int)m->reports[i].format);
            return RS_EINVAL;
        }
        for (size_t k = 0; k < i; k++) {
            if (m->reports[k].format == m->reports[i].format) {
                rs_store_set_err(err, errlen, "the report to issue has format %d twice",
                                 (int)m->reports[i].format);
                return RS_EINVAL;
            }
        }
    }
    return RS_OK;
}

static rs_status insert_issue(struct rs_store *s, const struct rs_year_issue *i)
{
    struct rs_st *st = &s->stmt[ST_YEAR_ISSUE_INSERT];
    int rc = rs_st_bind_int64(st, 1, (int64_t)i->year);

    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, (int64_t)i->issue);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 3, i->closed_at);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 4, i->closed_by, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 5, i->framework_name, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 6, i->framework_hash, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 7, (int64_t)i->record_count);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 8, i->reason, -1, RS_ST_STATIC);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "storing the issue");
    }
    return rs_store_run_done(s, ST_YEAR_ISSUE_INSERT, "storing the issue");
}

static rs_status insert_report(struct rs_store *s, const struct rs_year_issue *i,
                               const struct rs_year_report *r, const uint8_t hash[RS_SHA256_LEN])
{
    static const uint8_t empty[1];
    struct rs_st *st = &s->stmt[ST_YEAR_REPORT_INSERT];
    int rc = rs_st_bind_int64(st, 1, (int64_t)i->year);

    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, (int64_t)i->issue);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 3, (int64_t)r->format);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_blob64(st, 4, r->len ? (const void *)r->body : empty,
                                 (uint64_t)r->len, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_blob(st, 5, hash, RS_SHA256_LEN, RS_ST_STATIC);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "storing the issued report");
    }
    return rs_store_run_done(s, ST_YEAR_REPORT_INSERT, "storing the issued report");
}

/* The name of a report format for the audit row: "markdown", "json", ... */
static const char *format_name(Rs__ReportFormat f)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&rs__report_format__descriptor, (int)f);

    return v && strncmp(v->name, "FMT_", 4) == 0 ? v->name + 4 : "?";
}

/* Stores the reports of made under issue i and writes the audit detail. */
static rs_status store_reports(struct rs_store *s, const struct rs_year_issue *i,
                               const struct rs_year_made *m, char *detail, size_t cap)
{
    size_t len;
    rs_status rv = RS_OK;

    len = (size_t)snprintf(detail, cap, "year %u issue %u: %llu current records, framework %s "
                                        "%.16s",
                           (unsigned)i->year, (unsigned)i->issue,
                           (unsigned long long)i->record_count, i->framework_name,
                           i->framework_hash);
    for (size_t k = 0; k < m->n && rv == RS_OK; k++) {
        uint8_t h[RS_SHA256_LEN];
        char hex[RS_SHA256_HEX + 1], lower[16];
        const char *fname = format_name(m->reports[k].format);
        size_t j;

        rs_sha256(m->reports[k].body, m->reports[k].len, h);
        rs_hex(h, sizeof(h), hex);
        for (j = 0; fname[j] && j < sizeof(lower) - 1; j++)
            lower[j] = (char)(fname[j] >= 'A' && fname[j] <= 'Z' ? fname[j] - 'A' + 'a'
                                                                 : fname[j]);
        lower[j] = '\0';
        if (len < cap)
            len += (size_t)snprintf(detail + len, cap - len, "; %s sha256 %s", lower, hex);
        rv = insert_report(s, i, &m->reports[k], h);
    }
    if (rv == RS_OK && i->reason[0] && len + 9 < cap) {
        /* The audit row cuts the detail at its cap; so does this. */
        size_t room = cap - len - 9 - 1, rl = strlen(i->reason);

        memcpy(detail + len, "; reason ", 9);
        len += 9;
        rl = rl < room ? rl : (size_t)utf8_prefix(i->reason, room);
        memcpy(detail + len, i->reason, rl);
        detail[len + rl] = '\0';
    }
    return rv;
}

static rs_status end_exceptions(struct rs_store *s, uint32_t year, uint32_t issue)
{
    struct rs_st *st = &s->stmt[ST_YEAR_EXC_END];
    int rc = rs_st_bind_int64(st, 1, (int64_t)year);

    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, (int64_t)issue);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "ending lock exceptions");
    }
    return rs_store_run_done(s, ST_YEAR_EXC_END, "ending lock exceptions");
}

static void made_free(struct rs_year_made *m)
{
    for (size_t k = 0; k < RS_YEAR_MAX_FORMATS; k++) {
        free(m->reports[k].body);
        m->reports[k].body = NULL;
    }
}

/* The issue to make: number, time, office, reason; RS_ELOCKED if none may be made. */
static rs_status next_issue(struct rs_store *s, const struct rs_year_info *info, const char *by,
                            int64_t now, struct rs_year_issue *n, char *err, size_t errlen)
{
    size_t open = 0;
    rs_status rv;

    for (size_t i = 0; i < info->nexceptions; i++)
        open += info->exceptions[i].ended_issue == 0;
    if (info->nissues && open == 0) {
        const struct rs_year_issue *last = &info->issues[info->nissues - 1];
        char day[11];

        rs_date_format(rs_date_cst(last->closed_at), day);
        rs_store_set_err(err, errlen,
                         "%u年度已结账（第 %u 版报告，%s 出具），此后没有重新开放任何区划；"
                         "须先重新开放（year reopen）才能再次出具",
                         (unsigned)info->year, (unsigned)last->issue, day);
        return RS_ELOCKED;
    }
    memset(n, 0, sizeof(*n));
    n->year = info->year;
    n->issue = info->nissues ? info->issues[info->nissues - 1].issue + 1 : 1;
    n->closed_at = now;
    snprintf(n->closed_by, sizeof(n->closed_by), "%s", by);
    rv = office_name(s, by, n->closed_by_name, sizeof(n->closed_by_name));
    if (rv == RS_OK && info->nissues)
        issue_reason(info, n->reason, sizeof(n->reason));
    if (rv == RS_OK)
        rv = count_records(s, info->year, &n->record_count);
    if (rv)
        rs_store_set_err(err, errlen, "%s", s->errmsg);
    return rv;
}

rs_status rs_store_year_close(struct rs_store *s, uint32_t year, const char *by,
                              const char *peer, rs_year_produce_fn produce, void *arg,
                              struct rs_year_issue *out, uint64_t *audit_seq, char *err,
                              size_t errlen)
{
    uint64_t seq = 0;
    struct rs_year_info info;
    struct rs_year_issue *all = NULL, *n;
    struct rs_year_made made;
    char detail[RS_AUDIT_DETAIL_MAX + 1];
    bool in_tx = false;
    int64_t now = rs_now_unix();
    rs_status rv;

    memset(&info, 0, sizeof(info));
    memset(&made, 0, sizeof(made));
    rs_store_clear_err(err, errlen);
    if (!s || !produce)
        return RS_EINVAL;
    if (year < 2000 || year > 2100 || !by || !rs_division_code_valid(by)) {
        rs_store_set_err(err, errlen, "结账须写明 2000 至 2100 之间的年度和结账单位");
        return RS_EINVAL;
    }
    rv = rs_store_begin(s);
    if (rv)
        goto fail;
    in_tx = true;
    rv = read_info(s, year, &info);
    if (rv)
        goto fail;
    all = calloc(info.nissues + 1, sizeof(*all));
    if (!all) {
        rv = RS_ENOMEM;
        rs_store_set_err(err, errlen, "out of memory closing year %u", (unsigned)year);
        goto out;
    }
    if (info.nissues)
        memcpy(all, info.issues, info.nissues * sizeof(*all));
    n = &all[info.nissues];
    rv = next_issue(s, &info, by, now, n, err, errlen);
    if (rv)
        goto out;
    rv = produce(s, all, info.nissues + 1, &made, err, errlen, arg);
    if (rv == RS_OK)
        rv = check_made(&made, err, errlen);
    if (rv)
        goto out;
    snprintf(n->framework_name, sizeof(n->framework_name), "%s", made.framework_name);
    snprintf(n->framework_hash, sizeof(n->framework_hash), "%s", made.framework_hash);
    rv = insert_issue(s, n);
    if (rv == RS_OK)
        rv = store_reports(s, n, &made, detail, sizeof(detail));
    if (rv == RS_OK && info.nissues)
        rv = end_exceptions(s, year, n->issue);
    if (rv == RS_OK)
        rv = rs_store_audit_append_tx(s, now, RS_AUDIT_YEAR_CLOSE, by, peer ? peer : s->actor,
                                      detail, &seq, NULL);
    if (rv == RS_OK)
        rv = rs_store_run_done(s, ST_COMMIT, "COMMIT");
    if (rv)
        goto fail;
    in_tx = false;
    if (out)
        *out = *n;
    if (audit_seq)
        *audit_seq = seq;
    goto out;
fail:
    rs_store_set_err(err, errlen, "%s", s->errmsg);
out:
    if (in_tx)
        rs_store_rollback(s);
    made_free(&made);
    free(all);
    rs_year_info_free(&info);
    return rv;
}

/* ------------------------------------------------------------ reopening */

rs_status rs_store_year_reopen(struct rs_store *s, uint32_t year, const char *division,
                               uint32_t until, const char *reason, const char *by,
                               const char *peer, uint64_t *audit_seq, char *err, size_t errlen)
{
    struct rs_year_lock lock;
    struct rs_st *st;
    char detail[RS_AUDIT_DETAIL_MAX + 1], day[11];
    size_t rlen = reason ? strnlen(reason, RS_YEAR_REASON_MAX + 1) : 0;
    int64_t now = rs_now_unix();
    uint32_t today = rs_date_cst(now);
    rs_status rv;
    int rc;

    rs_store_clear_err(err, errlen);
    if (audit_seq)
        *audit_seq = 0;
    if (!s)
        return RS_EINVAL;
    if (!rs_division_code_valid(division)) {
        rs_store_set_err(err, errlen, "重新开放的区划代码须为 6 位、9 位或 12 位数字");
        return RS_EINVAL;
    }
    if (!rs_date_valid(until) || until < today ||
        rs_date_days(until) > rs_date_days(today) + REOPEN_DAYS_MAX) {
        rs_store_set_err(err, errlen, "重新开放的截止日须为今天起 %d 天以内的日期",
                         REOPEN_DAYS_MAX);
        return RS_EINVAL;
    }
    if (rlen == 0 || rlen > RS_YEAR_REASON_MAX || !rs_utf8_valid(reason, rlen)) {
        rs_store_set_err(err, errlen, "重新开放须写明原因（1 至 %d 字节的 UTF-8 文本）",
                         RS_YEAR_REASON_MAX);
        return RS_EINVAL;
    }
    if (!by || !by[0]) {
        rs_store_set_err(err, errlen, "重新开放须写明批准的单位");
        return RS_EINVAL;
    }
    rv = rs_store_begin(s);
    if (rv)
        goto fail;
    rv = rs_store_year_lock_tx(s, year, NULL, today, &lock, NULL, 0);
    if (rv)
        goto fail;
    if (lock.issue == 0) {
        rs_store_set_err(err, errlen, "%u年度尚未结账，无需重新开放", (unsigned)year);
        rv = RS_EINVAL;
        goto out;
    }
    rv = registered(s, division);
    if (rv == RS_ENOTFOUND) {
        rs_store_set_err(err, errlen, "区划 %s 不是已登记的单位，不能为它重新开放", division);
        rv = RS_EINVAL;
        goto out;
    }
    if (rv)
        goto fail;
    st = &s->stmt[ST_YEAR_EXC_INSERT];
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 2, division, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 3, (int64_t)until);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 4, reason, (int)rlen, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 5, by, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 6, now);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        rv = rs_store_db_fail(s, rc, "granting the exception");
        goto fail;
    }
    rv = rs_store_run_done(s, ST_YEAR_EXC_INSERT, "granting the exception");
    if (rv)
        goto fail;
    rs_date_format(until, day);
    snprintf(detail, sizeof(detail), "year %u: %s until %s: %.*s", (unsigned)year, division, day,
             (int)rlen, reason);
    rv = rs_store_audit_append_tx(s, now, RS_AUDIT_YEAR_REOPEN, by, peer ? peer : s->actor,
                                  detail, audit_seq, NULL);
    if (rv == RS_OK)
        rv = rs_store_run_done(s, ST_COMMIT, "COMMIT");
    if (rv == RS_OK)
        return RS_OK;
fail:
    rs_store_set_err(err, errlen, "%s", s->errmsg);
out:
    rs_store_rollback(s);
    if (audit_seq)
        *audit_seq = 0;
    return rv;
}

/*
 * rs_store_schedule.c - a year's schedule of expected returns: replacing
 * it (with its audit row) and reading it back.
 *
 * See rs_store.h for the contract.  A set is one transaction: the year
 * must not be closed, every township a line names must be an active
 * township office, the old lines go, the new ones and who set them are
 * written, and the audit row is appended; any failure leaves the old
 * schedule as it was.
 *
 * Does not: parse or check a schedule's lines (rs_schedule.h), or judge
 * returns against it (server/year/).
 */
#include "rs_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOWNS_TEXT_MAX (RS_SCHED_MAX_TOWNSHIPS * (RS_SCHED_CODE_MAX + 1) + 1)

/* "where: " for a message about line l: "name:line" or "第 N 行". */
static void at_line(char *out, size_t n, const char *name, uint32_t line)
{
    if (name)
        snprintf(out, n, "%s:%u", name, (unsigned)line);
    else
        snprintf(out, n, "第 %u 行", (unsigned)line);
}

/* RS_OK if code is an active township office; RS_EINVAL with err otherwise. */
static rs_status check_township(struct rs_store *s, const char *code, const char *at, char *err,
                                size_t errlen)
{
    struct rs_st *st = &s->stmt[ST_OFFICE_GET];
    rs_status rv = RS_OK;
    int rc = rs_st_bind_text(st, 1, code, -1, RS_ST_STATIC);

    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_DONE) {
        rs_store_set_err(err, errlen, "%s: 乡镇 %s 不是已登记的单位", at, code);
        rv = RS_EINVAL;
    } else if (rc == RS_ST_ROW) {
        if (rs_st_column_int(st, 1) != RS__ROLE__ROLE_TOWNSHIP) {
            rs_store_set_err(err, errlen, "%s: 单位 %s 不是乡镇单位", at, code);
            rv = RS_EINVAL;
        } else if (rs_st_column_int64(st, 3) != 0) {
            rs_store_set_err(err, errlen, "%s: 乡镇单位 %s 已被吊销", at, code);
            rv = RS_EINVAL;
        }
    } else {
        rv = rs_store_db_fail(s, rc, "checking offices");
        rs_store_set_err(err, errlen, "%s", s->errmsg);
    }
    rs_st_reset(st);
    return rv;
}

/* The townships of l as stored: "" or the codes separated by one space. */
static void towns_text(const struct rs_sched_line *l, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t k = 0; k < l->ntownships && len < cap; k++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", k ? " " : "", l->townships[k]);
}

static rs_status insert_line(struct rs_store *s, uint32_t year, size_t i,
                             const struct rs_sched_line *l, char *towns)
{
    struct rs_st *st = &s->stmt[ST_SCHED_INSERT];
    int rc;

    towns_text(l, towns, TOWNS_TEXT_MAX);
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, (int64_t)i + 1);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 3, (int64_t)l->type);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 4, (int64_t)l->kind);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 5, (int64_t)l->deadline_days);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 6, towns, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 7, (int64_t)l->line);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "storing the schedule");
    }
    return rs_store_run_done(s, ST_SCHED_INSERT, "storing the schedule");
}

/* The audit detail of a set: the year, the line count, the CSV form's hash. */
static rs_status set_detail(const struct rs_schedule *sched, char *out, size_t cap)
{
    uint8_t h[RS_SHA256_LEN];
    char hex[RS_SHA256_HEX + 1], *csv = NULL;
    rs_status rv = rs_schedule_format_csv(sched, &csv);

    if (rv)
        return rv;
    rs_sha256(csv, strlen(csv), h);
    rs_hex(h, sizeof(h), hex);
    snprintf(out, cap, "year %u: %zu lines, schedule sha256 %s", (unsigned)sched->year,
             sched->n, hex);
    free(csv);
    return RS_OK;
}

rs_status rs_store_schedule_set(struct rs_store *s, const struct rs_schedule *sched,
                                const char *name, const char *by, const char *peer,
                                uint64_t *audit_seq, char *err, size_t errlen)
{
    struct rs_year_lock lock;
    char detail[RS_AUDIT_DETAIL_MAX + 1], at[300], msg[RS_YEAR_LOCK_MSG_MAX];
    char *towns = NULL;
    const char *who = by && by[0] ? by : "local";
    bool in_tx = false;
    int64_t now = rs_now_unix();
    rs_status rv;
    struct rs_st *st;
    int rc;

    rs_store_clear_err(err, errlen);
    if (audit_seq)
        *audit_seq = 0;
    if (!s || !sched)
        return RS_EINVAL;
    rv = set_detail(sched, detail, sizeof(detail));
    towns = malloc(TOWNS_TEXT_MAX);
    if (rv || !towns) {
        rv = RS_ENOMEM;
        rs_store_set_err(err, errlen, "out of memory storing the schedule");
        goto out;
    }
    rv = rs_store_begin(s);
    if (rv)
        goto fail;
    in_tx = true;
    rv = rs_store_year_lock_tx(s, sched->year, NULL, 0, &lock, msg, sizeof(msg));
    if (rv)
        goto fail;
    if (lock.issue) {
        rs_store_set_err(err, errlen, "报送计划属于已出具的报告：%s", msg);
        rv = RS_ELOCKED;
        goto out;
    }
    for (size_t i = 0; i < sched->n; i++) {
        at_line(at, sizeof(at), name, sched->lines[i].line);
        for (size_t k = 0; k < sched->lines[i].ntownships; k++) {
            rv = check_township(s, sched->lines[i].townships[k], at, err, errlen);
            if (rv)
                goto out;
        }
    }
    st = &s->stmt[ST_SCHED_DELETE];
    rc = rs_st_bind_int64(st, 1, (int64_t)sched->year);
    rv = rc == RS_ST_OK ? rs_store_run_done(s, ST_SCHED_DELETE, "replacing the schedule")
                         : rs_store_db_fail(s, rc, "replacing the schedule");
    for (size_t i = 0; rv == RS_OK && i < sched->n; i++)
        rv = insert_line(s, sched->year, i, &sched->lines[i], towns);
    if (rv)
        goto fail;
    st = &s->stmt[ST_SCHED_WHO_SET];
    rc = rs_st_bind_int64(st, 1, (int64_t)sched->year);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, now);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 3, who, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 4, (int64_t)sched->n);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        rv = rs_store_db_fail(s, rc, "storing the schedule");
        goto fail;
    }
    rv = rs_store_run_done(s, ST_SCHED_WHO_SET, "storing the schedule");
    if (rv == RS_OK)
        rv = rs_store_audit_append_tx(s, now, RS_AUDIT_SCHEDULE_SET, who, peer ? peer : s->actor,
                                      detail, audit_seq, NULL);
    if (rv == RS_OK)
        rv = rs_store_run_done(s, ST_COMMIT, "COMMIT");
    if (rv)
        goto fail;
    in_tx = false;
    goto out;
fail:
    rs_store_set_err(err, errlen, "%s", s->errmsg);
out:
    if (in_tx)
        rs_store_rollback(s);
    if (rv && audit_seq)
        *audit_seq = 0;
    free(towns);
    return rv;
}

/* Splits a stored townships text into l's codes. */
static rs_status parse_towns(const unsigned char *text, int n, struct rs_sched_line *l)
{
    size_t count = 0, k = 0;

    l->townships = NULL;
    l->ntownships = 0;
    if (!text || n <= 0)
        return RS_OK;
    for (int i = 0; i < n; i++)
        count += (i == 0 || text[i - 1] == ' ') && text[i] != ' ';
    l->townships = calloc(count ? count : 1, sizeof(*l->townships));
    if (!l->townships)
        return RS_ENOMEM;
    for (int i = 0; i < n && k < count;) {
        int start;

        while (i < n && text[i] == ' ')
            i++;
        start = i;
        while (i < n && text[i] != ' ')
            i++;
        if (i > start)
            rs_store_copy_text(l->townships[k++], sizeof(l->townships[0]), text + start,
                               i - start);
    }
    l->ntownships = k;
    return RS_OK;
}

rs_status rs_store_schedule_get(struct rs_store *s, uint32_t year, struct rs_schedule *out,
                                int64_t *set_at, char *set_by, size_t cap)
{
    struct rs_st *st;
    size_t lcap = 0;
    rs_status rv = RS_OK;
    int rc;

    if (out)
        memset(out, 0, sizeof(*out));
    if (set_at)
        *set_at = 0;
    if (set_by && cap)
        set_by[0] = '\0';
    if (!s || !out)
        return RS_EINVAL;
    out->year = year;
    st = &s->stmt[ST_SCHED_WHO];
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_ROW) {
        if (set_at)
            *set_at = rs_st_column_int64(st, 0);
        if (set_by && cap)
            rs_store_copy_text(set_by, cap, rs_st_column_text(st, 1),
                               rs_st_column_bytes(st, 1));
    } else if (rc != RS_ST_DONE) {
        rv = rs_store_db_fail(s, rc, "reading the schedule");
    }
    rs_st_reset(st);
    if (rv)
        return rv;
    st = &s->stmt[ST_SCHED_GET];
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "reading the schedule");
        goto out;
    }
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        struct rs_sched_line *l;

        if (out->n == lcap) {
            size_t ncap = lcap ? lcap * 2 : 16;
            struct rs_sched_line *v = realloc(out->lines, ncap * sizeof(*v));

            rv = RS_ENOMEM;
            if (!v)
                goto out;
            out->lines = v;
            lcap = ncap;
        }
        l = &out->lines[out->n++];
        memset(l, 0, sizeof(*l));
        l->type = (Rs__RecordType)rs_st_column_int(st, 0);
        l->kind = (Rs__PeriodKind)rs_st_column_int(st, 1);
        l->deadline_days = (uint32_t)rs_st_column_int64(st, 2);
        l->line = (uint32_t)rs_st_column_int64(st, 4);
        rv = parse_towns(rs_st_column_text(st, 3), rs_st_column_bytes(st, 3), l);
        if (rv)
            goto out;
    }
    if (rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "reading the schedule");
out:
    rs_st_reset(st);
    if (rv)
        rs_schedule_free(out);
    return rv;
}

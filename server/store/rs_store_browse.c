/*
 * rs_store_browse.c - the listing of records for review: a year's current
 * township records by division, type and review state, paged; or every
 * stored version of one record.
 *
 * See rs_store.h for the contract.  The count and the page are read in one
 * read transaction, so the total and the rows agree.  Each row carries its
 * newest review (none: pending), its batch and its version number, which
 * is one more than the stored versions it supersedes, walked back through
 * `supersedes` one indexed lookup at a time.
 *
 * Does not: decide who may list what (the server checks role and scope and
 * hands the scope in), unpack a record, or write anything.
 */
#include "rs_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_rtype.h"

#define CHAIN_MAX 100000            /* versions a walk follows before it gives up */
#define ID_PRINT_MAX 40             /* bytes of a peer-given id in a message */

static void text_col(struct rs_st *st, int col, char *out, size_t cap)
{
    rs_store_copy_text(out, cap, rs_st_column_text(st, col), rs_st_column_bytes(st, col));
}

void rs_browse_out_free(struct rs_browse_out *o)
{
    for (size_t i = 0; o->rows && i < o->n; i++)
        free(o->rows[i].body);
    free(o->rows);
    memset(o, 0, sizeof(*o));
}

/* The type list the statements match (",20,21,"): q's type, or every township type. */
static rs_status type_list(Rs__Record__BodyCase type, char *out, size_t cap)
{
    const struct rs_rtype_def *d;
    size_t len = 1;

    snprintf(out, cap, ",");
    if (type != RS__RECORD__BODY__NOT_SET) {
        snprintf(out, cap, ",%d,", (int)type);
        return RS_OK;
    }
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        int n;

        if (!rs_rtype_is_township(d->type))
            continue;
        n = snprintf(out + len, cap - len, "%d,", (int)d->type);
        if (n < 0 || (size_t)n >= cap - len)
            return RS_EINTERNAL;
        len += (size_t)n;
    }
    return RS_OK;
}

/* The row's version: 1 + the stored versions behind it. */
static rs_status version_of(struct rs_store *s, const char *supersedes, uint32_t *out)
{
    struct rs_st *st = &s->stmt[ST_BROWSE_PREV];
    char id[RS_UUID_LEN + 1];
    rs_status rv = RS_OK;
    uint32_t v = 1;
    int rc;

    snprintf(id, sizeof(id), "%s", supersedes ? supersedes : "");
    while (id[0] && v < CHAIN_MAX) {
        rc = rs_st_bind_text(st, 1, id, -1, RS_ST_TRANSIENT);
        if (rc == RS_ST_OK)
            rc = rs_st_step(st);
        if (rc == RS_ST_DONE)
            break;
        if (rc != RS_ST_ROW) {
            rv = rs_store_db_fail(s, rc, "reading a record's versions");
            break;
        }
        v++;
        text_col(st, 0, id, sizeof(id));
        rs_st_reset(st);
    }
    rs_st_reset(st);
    *out = v;
    return rv;
}

/* Copies the current row of st (BROWSE_COLS) into r. */
static rs_status read_row(struct rs_st *st, struct rs_browse_row *r)
{
    const void *body = rs_st_column_blob(st, 13);
    int action;

    memset(r, 0, sizeof(*r));
    text_col(st, 0, r->record_id, sizeof(r->record_id));
    r->current = rs_st_column_type(st, 1) == RS_ST_NULL;
    if (!r->current)
        text_col(st, 1, r->superseded_by, sizeof(r->superseded_by));
    r->type = (Rs__Record__BodyCase)rs_st_column_int(st, 2);
    text_col(st, 3, r->division, sizeof(r->division));
    r->year = (uint32_t)rs_st_column_int64(st, 4);
    r->period = (Rs__Period)rs_st_column_int(st, 5);
    r->received_at = rs_st_column_int64(st, 6);
    text_col(st, 7, r->batch_id, sizeof(r->batch_id));
    r->state = RS__REVIEW_STATE__RVS_PENDING;
    if (rs_st_column_type(st, 8) != RS_ST_NULL) {
        action = rs_st_column_int(st, 8);
        r->state = action == RS__REVIEW_ACTION__RA_RETURN ? RS__REVIEW_STATE__RVS_RETURNED
                                                          : RS__REVIEW_STATE__RVS_ACCEPTED;
        text_col(st, 9, r->comment, sizeof(r->comment));
        text_col(st, 10, r->reviewer, sizeof(r->reviewer));
        if (rs_st_column_type(st, 11) == RS_ST_NULL)
            snprintf(r->reviewer_name, sizeof(r->reviewer_name), "%s", r->reviewer);
        else
            text_col(st, 11, r->reviewer_name, sizeof(r->reviewer_name));
        r->reviewed_at = rs_st_column_int64(st, 12);
    }
    r->body_len = (size_t)rs_st_column_bytes(st, 13);
    r->body = malloc(r->body_len ? r->body_len : 1);
    if (!r->body)
        return RS_ENOMEM;
    if (r->body_len)
        memcpy(r->body, body, r->body_len);
    return RS_OK;
}

/* Appends the current row of st to out (room for cap rows was allocated). */
static rs_status take_row(struct rs_store *s, struct rs_st *st, struct rs_browse_out *out,
                          size_t *bytes, bool chain)
{
    struct rs_browse_row *r = &out->rows[out->n];
    char supersedes[RS_UUID_LEN + 1];
    rs_status rv = read_row(st, r);

    if (rv) {
        free(r->body);
        return rv;
    }
    out->n++;
    *bytes += r->body_len;
    if (chain)
        return RS_OK;
    text_col(st, 14, supersedes, sizeof(supersedes));
    return version_of(s, supersedes, &r->version);
}

static rs_status list_year(struct rs_store *s, const struct rs_browse_q *q, const char *types,
                           struct rs_browse_out *out)
{
    struct rs_st *cs = &s->stmt[ST_BROWSE_COUNT], *ls = &s->stmt[ST_BROWSE_LIST];
    size_t bytes = 0;
    rs_status rv = RS_OK;
    int rc = RS_ST_OK;

    for (int k = 0; k < 2 && rc == RS_ST_OK; k++) {
        struct rs_st *st = k ? ls : cs;

        rc = rs_st_bind_int64(st, 1, (int64_t)q->year);
        if (rc == RS_ST_OK)
            rc = rs_st_bind_text(st, 2, q->scope, -1, RS_ST_STATIC);
        if (rc == RS_ST_OK)
            rc = rs_st_bind_text(st, 3, types, -1, RS_ST_STATIC);
        if (rc == RS_ST_OK)
            rc = rs_st_bind_int(st, 4, (int)q->state);
    }
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(ls, 5, (int64_t)q->limit);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(ls, 6, (int64_t)q->offset);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "listing records");
        goto out;
    }
    rc = rs_st_step(cs);
    if (rc != RS_ST_ROW) {
        rv = rs_store_db_fail(s, rc, "counting records");
        goto out;
    }
    out->total = (uint32_t)rs_st_column_int64(cs, 0);
    while (bytes < RS_BROWSE_BODY_BUDGET && (rc = rs_st_step(ls)) == RS_ST_ROW) {
        rv = take_row(s, ls, out, &bytes, false);
        if (rv)
            goto out;
    }
    if (rc != RS_ST_ROW && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "listing records");
out:
    rs_st_reset(cs);
    rs_st_reset(ls);
    return rv;
}

static rs_status list_chain(struct rs_store *s, const struct rs_browse_q *q,
                            struct rs_browse_out *out, char *err, size_t errlen)
{
    struct rs_st *st = &s->stmt[ST_BROWSE_CHAIN];
    size_t bytes = 0, scope_len = strlen(q->scope);
    uint32_t seen = 0;
    rs_status rv = RS_OK;
    int rc;

    rc = rs_st_bind_text(st, 1, q->record_id, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int(st, 2, CHAIN_MAX);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "reading a record's versions");
        goto out;
    }
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        const unsigned char *div = rs_st_column_text(st, 3);
        Rs__Record__BodyCase type = (Rs__Record__BodyCase)rs_st_column_int(st, 2);

        seen++;
        if (!div || strncmp((const char *)div, q->scope, scope_len) != 0) {
            rs_store_set_err(err, errlen, "记录 %.*s 的区划 %s 不在 %s 范围内", ID_PRINT_MAX,
                             q->record_id, div ? (const char *)div : "?", q->scope);
            rv = RS_EFORBIDDEN;
            goto out;
        }
        if (!rs_rtype_is_township(type)) {
            rs_store_set_err(err, errlen, "记录 %.*s 是%s记录，属区中心本单位的数据，不作审核",
                             ID_PRINT_MAX, q->record_id, rs_rtype_label(type));
            rv = RS_EINVAL;
            goto out;
        }
        if (seen <= q->offset || out->n == q->limit || bytes >= RS_BROWSE_BODY_BUDGET)
            continue;
        rv = take_row(s, st, out, &bytes, true);
        if (rv)
            goto out;
        out->rows[out->n - 1].version = seen;
    }
    if (rc != RS_ST_DONE) {
        rv = rs_store_db_fail(s, rc, "reading a record's versions");
        goto out;
    }
    if (seen == 0) {
        rs_store_set_err(err, errlen, "没有记录 %.*s", ID_PRINT_MAX, q->record_id);
        rv = RS_ENOTFOUND;
    }
    out->total = seen;
out:
    rs_st_reset(st);
    return rv;
}

/* The query's own checks, before the store is read. */
static rs_status check_query(const struct rs_browse_q *q, char *err, size_t errlen)
{
    if (!q->scope || !q->scope[0]) {
        rs_store_set_err(err, errlen, "查询记录须写明所涉的区划");
        return RS_EINVAL;
    }
    if (q->limit == 0 || q->limit > RS_BROWSE_LIMIT_MAX) {
        rs_store_set_err(err, errlen, "每页条数须为 1 至 %d", RS_BROWSE_LIMIT_MAX);
        return RS_EINVAL;
    }
    if (q->type != RS__RECORD__BODY__NOT_SET && !rs_rtype_is_township(q->type)) {
        rs_store_set_err(err, errlen, "%s不是乡镇报送的记录类型：只审核乡镇的记录",
                         rs_rtype_label(q->type));
        return RS_EINVAL;
    }
    if (q->state != RS__REVIEW_STATE__RVS_UNSPECIFIED &&
        q->state != RS__REVIEW_STATE__RVS_PENDING && q->state != RS__REVIEW_STATE__RVS_ACCEPTED &&
        q->state != RS__REVIEW_STATE__RVS_RETURNED) {
        rs_store_set_err(err, errlen, "未知的审核状态 %d", (int)q->state);
        return RS_EINVAL;
    }
    if (!q->record_id && (q->year < 2000 || q->year > 2100)) {
        rs_store_set_err(err, errlen, "年度须在 2000 至 2100 之间");
        return RS_EINVAL;
    }
    return RS_OK;
}

rs_status rs_store_browse(struct rs_store *s, const struct rs_browse_q *q,
                          struct rs_browse_out *out, char *err, size_t errlen)
{
    char types[256];
    rs_status rv;

    rs_store_clear_err(err, errlen);
    if (out)
        memset(out, 0, sizeof(*out));
    if (!s || !q || !out)
        return RS_EINVAL;
    rv = check_query(q, err, errlen);
    if (rv)
        return rv;
    rv = type_list(q->type, types, sizeof(types));
    if (rv) {
        rs_store_set_err(err, errlen, "记录类型过多");
        return rv;
    }
    out->rows = calloc(q->limit, sizeof(*out->rows));
    if (!out->rows) {
        rs_store_set_err(err, errlen, "out of memory");
        return RS_ENOMEM;
    }
    /* One read transaction: the count and the page see the same records. */
    if (rs_st_exec(s, "BEGIN") != RS_ST_OK) {
        rv = rs_store_db_fail(s, rs_st_errcode(s), "BEGIN");
        goto out;
    }
    rv = q->record_id ? list_chain(s, q, out, err, errlen) : list_year(s, q, types, out);
    rs_st_exec(s, "COMMIT");
out:
    if (rv) {
        if (err && errlen && !err[0])
            rs_store_set_err(err, errlen, "%s", rv == RS_ENOMEM ? "out of memory" : s->errmsg);
        rs_browse_out_free(out);
    }
    return rv;
}

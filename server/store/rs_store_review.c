/*
 * rs_store_review.c - review actions on township records (accept, return)
 * and the listing of each current record's newest review.
 *
 * See rs_store.h for the contract.  Review rows are only ever appended; a
 * record's state is its newest row, and a new version of a record has no
 * row of its own yet, so it is pending again.  An action is one
 * transaction: every record it covers is checked (exists, current, a
 * township type, in scope, its year open to its division), then one review
 * row per record and one audit row are written.
 *
 * Does not: decide who may review (the server checks the role), or unpack
 * a record (the listing hands the body to its caller).
 */
#include "rs_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_rtype.h"

#define ID_PRINT_MAX 40                     /* bytes of a peer-given id in a message */

/* A record a review action covers. */
struct target {
    char id[RS_UUID_LEN + 1];
    Rs__Record__BodyCase type;
    char division[16];
    uint32_t year;
    bool superseded;
    char superseded_by[RS_UUID_LEN + 1];
};

static void text_col(struct rs_st *st, int col, char *out, size_t cap)
{
    rs_store_copy_text(out, cap, rs_st_column_text(st, col), rs_st_column_bytes(st, col));
}

/* Reads the targets of q into *out (*n of them; malloc'd). */
static rs_status read_targets(struct rs_store *s, const struct rs_review_req *q,
                              struct target **out, size_t *n, char *err, size_t errlen)
{
    struct rs_st *st = &s->stmt[q->record_id ? ST_REVIEW_TARGET : ST_REVIEW_BATCH];
    struct target *v = NULL;
    size_t cap = 0;
    rs_status rv = RS_OK;
    int rc, base = q->record_id ? 0 : 1;

    *out = NULL;
    *n = 0;
    rc = rs_st_bind_text(st, 1, q->record_id ? q->record_id : q->batch_id, -1, RS_ST_STATIC);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "reading records to review");
        goto out;
    }
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        struct target *t;

        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct target *w = realloc(v, ncap * sizeof(*w));

            if (!w) {
                rv = RS_ENOMEM;
                goto out;
            }
            v = w;
            cap = ncap;
        }
        t = &v[(*n)++];
        memset(t, 0, sizeof(*t));
        if (q->record_id)
            snprintf(t->id, sizeof(t->id), "%s", q->record_id);
        else
            text_col(st, 0, t->id, sizeof(t->id));
        t->type = (Rs__Record__BodyCase)rs_st_column_int(st, base);
        text_col(st, base + 1, t->division, sizeof(t->division));
        t->year = (uint32_t)rs_st_column_int64(st, base + 2);
        t->superseded = rs_st_column_type(st, base + 3) != RS_ST_NULL;
        if (t->superseded)
            text_col(st, base + 3, t->superseded_by, sizeof(t->superseded_by));
    }
    if (rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "reading records to review");
out:
    rs_st_reset(st);
    if (rv) {
        rs_store_set_err(err, errlen, "%s", rv == RS_ENOMEM ? "out of memory" : s->errmsg);
        free(v);
        *n = 0;
        return rv;
    }
    *out = v;
    return RS_OK;
}

/*
 * Checks one target; RS_OK if it may take the action, else the refusal in
 * err.  today is the CST date the exceptions are judged on.
 */
static rs_status check_target(struct rs_store *s, const struct rs_review_req *q,
                              const struct target *t, uint32_t today, char *err, size_t errlen)
{
    struct rs_year_lock lock;
    char msg[RS_YEAR_LOCK_MSG_MAX];
    rs_status rv;

    if (!rs_rtype_is_township(t->type)) {
        rs_store_set_err(err, errlen,
                         "记录 %s 是%s记录，属区中心本单位的数据：请报送新版本来改正，不作审核",
                         t->id, rs_rtype_label(t->type));
        return RS_EINVAL;
    }
    if (strncmp(t->division, q->scope, strlen(q->scope)) != 0) {
        rs_store_set_err(err, errlen, "记录 %s 的区划 %s 不在本单位所辖的 %s 范围内", t->id,
                         t->division, q->scope);
        return RS_EFORBIDDEN;
    }
    rv = rs_store_year_lock_tx(s, t->year, t->division, today, &lock, msg, sizeof(msg));
    if (rv) {
        rs_store_set_err(err, errlen, "%s", s->errmsg);
        return rv;
    }
    if (lock.locked) {
        rs_store_set_err(err, errlen, "记录 %s 不能审核：%s", t->id, msg);
        return RS_ELOCKED;
    }
    return RS_OK;
}

static rs_status insert_review(struct rs_store *s, const struct rs_review_req *q, const char *id,
                               int64_t now)
{
    struct rs_st *st = &s->stmt[ST_REVIEW_INSERT];
    int rc = rs_st_bind_text(st, 1, id, -1, RS_ST_STATIC);

    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, (int64_t)q->action);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 3, q->comment ? q->comment : "", -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 4, q->reviewer, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 5, now);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "recording the review");
    }
    return rs_store_run_done(s, ST_REVIEW_INSERT, "recording the review");
}

/* The request's own checks, before the store is read. */
static rs_status check_request(const struct rs_review_req *q, char *err, size_t errlen)
{
    size_t clen = q->comment ? strnlen(q->comment, RS_REVIEW_COMMENT_MAX + 1) : 0;

    if (q->action != RS__REVIEW_ACTION__RA_ACCEPT && q->action != RS__REVIEW_ACTION__RA_RETURN) {
        rs_store_set_err(err, errlen, "审核操作只能是通过或退回");
        return RS_EINVAL;
    }
    if (!q->record_id == !q->batch_id) {
        rs_store_set_err(err, errlen, "请写明一个记录 ID 或一个批次 ID");
        return RS_EINVAL;
    }
    if (!q->reviewer || !q->reviewer[0] || !q->scope) {
        rs_store_set_err(err, errlen, "审核须写明审核单位及其辖区");
        return RS_EINVAL;
    }
    if (q->action == RS__REVIEW_ACTION__RA_RETURN && clen == 0) {
        rs_store_set_err(err, errlen, "退回记录须写明意见，说明哪里有误");
        return RS_EINVAL;
    }
    if (clen > RS_REVIEW_COMMENT_MAX) {
        rs_store_set_err(err, errlen, "审核意见超过 %d 字节", RS_REVIEW_COMMENT_MAX);
        return RS_EINVAL;
    }
    if (clen && !rs_utf8_valid(q->comment, clen)) {
        rs_store_set_err(err, errlen, "审核意见不是有效的 UTF-8 文本");
        return RS_EINVAL;
    }
    return RS_OK;
}

void rs_review_out_free(struct rs_review_out *o)
{
    free(o->ids);
    memset(o, 0, sizeof(*o));
}

rs_status rs_store_review(struct rs_store *s, const struct rs_review_req *q,
                          struct rs_review_out *out, char *err, size_t errlen)
{
    struct target *t = NULL;
    enum rs_audit_kind kind;
    char detail[RS_AUDIT_DETAIL_MAX + 1];
    size_t n = 0, k = 0;
    bool in_tx = false;
    int64_t now = rs_now_unix();
    uint32_t today = rs_date_cst(now);
    rs_status rv;

    rs_store_clear_err(err, errlen);
    if (out)
        memset(out, 0, sizeof(*out));
    if (!s || !q || !out)
        return RS_EINVAL;
    rv = check_request(q, err, errlen);
    if (rv)
        return rv;
    rv = rs_store_begin(s);
    if (rv) {
        rs_store_set_err(err, errlen, "%s", s->errmsg);
        return rv;
    }
    in_tx = true;
    rv = read_targets(s, q, &t, &n, err, errlen);
    if (rv)
        goto out;
    if (n == 0) {
        if (q->record_id)
            rs_store_set_err(err, errlen, "没有记录 %.*s", ID_PRINT_MAX, q->record_id);
        else
            rs_store_set_err(err, errlen, "没有已入库记录的批次 %.*s", ID_PRINT_MAX,
                             q->batch_id);
        rv = RS_EINVAL;
        goto out;
    }
    out->ids = calloc(n, sizeof(*out->ids));
    if (!out->ids) {
        rs_store_set_err(err, errlen, "out of memory");
        rv = RS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i].superseded) {
            if (q->record_id) {
                rs_store_set_err(err, errlen, "记录 %s 已被新版本 %s 取代；请审核当前版本",
                                 t[i].id, t[i].superseded_by);
                rv = RS_EINVAL;
                goto out;
            }
            out->skipped++;
            continue;
        }
        rv = check_target(s, q, &t[i], today, err, errlen);
        if (rv)
            goto out;
        memcpy(out->ids[k++], t[i].id, sizeof(out->ids[0]));
    }
    if (k == 0) {
        rs_store_set_err(err, errlen, "批次 %.*s 没有当前版本的记录：%zu 条都已被取代",
                         ID_PRINT_MAX, q->batch_id, n);
        rv = RS_EINVAL;
        goto out;
    }
    for (size_t i = 0; i < k && rv == RS_OK; i++)
        rv = insert_review(s, q, out->ids[i], now);
    if (rv)
        goto fail;
    if (q->record_id)
        snprintf(detail, sizeof(detail), "record %s: %s", out->ids[0],
                 q->comment ? q->comment : "");
    else
        snprintf(detail, sizeof(detail), "batch %.*s: %zu records: %s", ID_PRINT_MAX, q->batch_id,
                 k, q->comment ? q->comment : "");
    kind = q->action == RS__REVIEW_ACTION__RA_RETURN ? RS_AUDIT_REVIEW_RETURN
                                                     : RS_AUDIT_REVIEW_ACCEPT;
    rv = rs_store_audit_append_tx(s, now, kind, q->reviewer, q->peer ? q->peer : s->actor, detail,
                                  &out->audit_seq, NULL);
    if (rv == RS_OK)
        rv = rs_store_run_done(s, ST_COMMIT, "COMMIT");
    if (rv)
        goto fail;
    in_tx = false;
    out->n = k;
    goto out;
fail:
    rs_store_set_err(err, errlen, "%s", s->errmsg);
out:
    if (in_tx)
        rs_store_rollback(s);
    if (rv)
        rs_review_out_free(out);
    free(t);
    return rv;
}

rs_status rs_store_review_list(struct rs_store *s, uint32_t year, const char *scope, bool exact,
                               bool returned_only,
                               int (*fn)(const struct rs_review_row *r, void *arg), void *arg)
{
    static const uint8_t empty[1];
    struct rs_review_row *r = NULL;
    struct rs_st *st;
    rs_status rv = RS_OK;
    int rc;

    if (!s || !scope || !fn)
        return RS_EINVAL;
    r = malloc(sizeof(*r));
    if (!r)
        return RS_ENOMEM;
    st = &s->stmt[ST_REVIEW_LIST];
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 2, scope, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int(st, 3, exact);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int(st, 4, returned_only);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "listing reviews");
        goto out;
    }
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        const uint8_t *body;

        memset(r, 0, sizeof(*r));
        text_col(st, 0, r->record_id, sizeof(r->record_id));
        r->type = (Rs__Record__BodyCase)rs_st_column_int(st, 1);
        text_col(st, 2, r->division, sizeof(r->division));
        r->year = (uint32_t)rs_st_column_int64(st, 3);
        r->period = (Rs__Period)rs_st_column_int(st, 4);
        r->state = rs_st_column_int(st, 5) == RS__REVIEW_ACTION__RA_RETURN
                       ? RS__REVIEW_STATE__RVS_RETURNED
                       : RS__REVIEW_STATE__RVS_ACCEPTED;
        text_col(st, 6, r->comment, sizeof(r->comment));
        text_col(st, 7, r->reviewer, sizeof(r->reviewer));
        if (rs_st_column_type(st, 8) == RS_ST_NULL)
            snprintf(r->reviewer_name, sizeof(r->reviewer_name), "%s", r->reviewer);
        else
            text_col(st, 8, r->reviewer_name, sizeof(r->reviewer_name));
        r->at = rs_st_column_int64(st, 9);
        body = rs_st_column_blob(st, 10);
        r->body = body ? body : empty;
        r->body_len = (size_t)rs_st_column_bytes(st, 10);
        if (fn(r, arg) != 0)
            break;
    }
    if (rc != RS_ST_ROW && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "listing reviews");
out:
    rs_st_reset(st);
    free(r);
    return rv;
}

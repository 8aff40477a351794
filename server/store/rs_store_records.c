/*
 * rs_store_records.c - records and their versions: a put's decisions
 * (stored, duplicate, conflict, rejected), supersedes, the batches rows,
 * and the scan of a year.
 *
 * See rs_store.h for the contract.  Every decision is made inside the
 * put's one write transaction, from the unique key on record_id and the
 * closed years (rs_store_year.c judges those); a batch's audit row
 * (rs_store_audit.c) is appended in that same transaction.
 *
 * Does not: validate record contents or check office scope (the server
 * does before the put), or unpack a body.
 */
#include "rs_store_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RS_STORE_ID_MAX_BYTES 127           /* ids copied out of rows (UUIDs are 36) */
#define RS_SUPERSEDE_HOPS_MAX 10000         /* links followed to name the current version */
#define RS_STORE_PRINT_MAX 160              /* bytes of a record's text put in a message */
#define RS_STORE_RUN_MAX 2000               /* new records stored by one statement (PostgreSQL) */
#define RS_STORE_RUN_BYTES (16u << 20)      /* bytes of their bodies */

/*
 * One batches row of a put: one per struct rs_store_batch, or, for records
 * outside every batch of the call, one per distinct (batch_id, office).
 */
struct batch_slot {
    const char *batch_id;
    size_t batch_id_len;
    const char *office;
    size_t office_len;
    int64_t n_records;
    int64_t rowid;
};

/* ------------------------------------------------------------ text fields */

size_t rs_store_text_len(const char *p, size_t n)
{
    return n ? n : p ? strlen(p) : 0;
}

static bool text_empty(const char *p, size_t n)
{
    return !p || (n == 0 && p[0] == '\0');
}

/* Whether two text fields (neither NULL) hold the same bytes. */
static bool text_eq(const char *a, size_t an, const char *b, size_t bn)
{
    if (an == 0 && bn == 0)
        return strcmp(a, b) == 0;
    an = rs_store_text_len(a, an);
    bn = rs_store_text_len(b, bn);
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* The precision for printing a text field with "%.*s": its length, cut at
 * RS_STORE_PRINT_MAX bytes (a NUL-terminated one is not measured further). */
static int print_len(const char *p, size_t n)
{
    size_t len = n ? n : p ? strnlen(p, RS_STORE_PRINT_MAX) : 0;

    return (int)(len < RS_STORE_PRINT_MAX ? len : RS_STORE_PRINT_MAX);
}

/* Binds a text field without copying it; the driver measures it only when n is 0
 * (rs_store_put_batches has checked that n fits an int). */
static int bind_text(struct rs_st *st, int col, const char *p, size_t n)
{
    return rs_st_bind_text(st, col, p, n ? (int)n : -1, RS_ST_STATIC);
}

/* ------------------------------------------------------------ a put */

static bool same_batch(const struct batch_slot *a, const struct rs_store_rec *b)
{
    return text_eq(a->batch_id, a->batch_id_len, b->batch_id, b->batch_id_len) &&
           text_eq(a->office, a->office_len, b->office_code, b->office_code_len);
}

/*
 * Plans the batches rows of a put.  Batch k of batches gets slot k, and the
 * records of its range that are handed to the store point at it, even when
 * its range is empty (every record refused before the store) or another
 * batch of the call has the same batch_id: its audit row names that row.
 * The other records are grouped by (batch_id, office), after the batches'
 * slots.  slot_of[i] is the slot of record i, or SIZE_MAX when it has no
 * batch_id and no batch.  Records of one group usually come together, so
 * the previous record's slot is tried first.  slots holds n + nbatches.
 */
static void plan_batches(const struct rs_store_rec *recs, size_t n,
                         const struct rs_store_batch *batches, size_t nbatches,
                         struct batch_slot *slots, size_t *nslots, size_t *slot_of)
{
    size_t k;

    for (size_t i = 0; i < n; i++)
        slot_of[i] = SIZE_MAX;
    for (k = 0; k < nbatches; k++) {
        const struct rs_store_batch *b = &batches[k];

        slots[k].batch_id = b->batch_id ? b->batch_id : "";
        slots[k].batch_id_len = strlen(slots[k].batch_id);
        slots[k].office = b->office_code;
        slots[k].office_len = strlen(b->office_code);
        slots[k].n_records = (int64_t)b->n;
        slots[k].rowid = 0;
        for (size_t i = b->first; i < b->first + b->n; i++)
            slot_of[i] = k;
    }
    *nslots = nbatches;
    for (size_t i = 0; i < n; i++) {
        if (slot_of[i] != SIZE_MAX || !recs[i].batch_id)
            continue;
        if (i > 0 && slot_of[i - 1] >= nbatches && slot_of[i - 1] != SIZE_MAX &&
            same_batch(&slots[slot_of[i - 1]], &recs[i])) {
            k = slot_of[i - 1];
        } else {
            for (k = nbatches; k < *nslots; k++)
                if (same_batch(&slots[k], &recs[i]))
                    break;
            if (k == *nslots) {
                slots[k].batch_id = recs[i].batch_id;
                slots[k].batch_id_len = rs_store_text_len(recs[i].batch_id,
                                                          recs[i].batch_id_len);
                slots[k].office = recs[i].office_code;
                slots[k].office_len = rs_store_text_len(recs[i].office_code,
                                                        recs[i].office_code_len);
                slots[k].n_records = 0;
                slots[k].rowid = 0;
                (*nslots)++;
            }
        }
        slots[k].n_records++;
        slot_of[i] = k;
    }
}

static rs_status insert_batches(struct rs_store *s, struct batch_slot *slots, size_t nslots,
                                int64_t now)
{
    struct rs_st *st = &s->stmt[ST_BATCH_INSERT];
    rs_status rv;
    int rc;

    for (size_t k = 0; k < nslots; k++) {
        rc = rs_st_bind_text(st, 1, slots[k].batch_id, (int)slots[k].batch_id_len,
                               RS_ST_STATIC);
        if (rc == RS_ST_OK)
            rc = rs_st_bind_text(st, 2, slots[k].office, (int)slots[k].office_len,
                                   RS_ST_STATIC);
        if (rc == RS_ST_OK)
            rc = rs_st_bind_int64(st, 3, now);
        if (rc == RS_ST_OK)
            rc = rs_st_bind_int64(st, 4, slots[k].n_records);
        if (rc != RS_ST_OK) {
            rs_st_reset(st);
            return rs_store_db_fail(s, rc, "recording batch");
        }
        rv = rs_store_run_done(s, ST_BATCH_INSERT, "recording batch");
        if (rv)
            return rv;
        slots[k].rowid = rs_st_last_id(s);
    }
    return RS_OK;
}

/*
 * Looks up an existing row with r's id and, if there is one, decides
 * DUPLICATE or CONFLICT.  *is_found says whether there was a row.
 */
static rs_status judge_existing(struct rs_store *s, struct rs_store_rec *r, bool *is_found)
{
    struct rs_st *st = &s->stmt[ST_REC_GET];
    rs_status rv = RS_OK;
    int rc;

    *is_found = false;
    rc = bind_text(st, 1, r->id, r->id_len);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_ROW) {
        *is_found = true;
        if (rs_st_column_bytes(st, 1) == RS_SHA256_LEN &&
            memcmp(rs_st_column_blob(st, 1), r->hash, RS_SHA256_LEN) == 0) {
            r->ack = RS__ACK_STATUS__ACK_DUPLICATE;
            r->seq = (uint64_t)rs_st_column_int64(st, 0);
        } else {
            r->ack = RS__ACK_STATUS__ACK_CONFLICT;
            snprintf(r->reason, sizeof(r->reason), "same id, different content");
            snprintf(r->text, sizeof(r->text), "同一记录编号已存有不同的内容");
        }
    } else if (rc != RS_ST_DONE) {
        rv = rs_store_db_fail(s, rc, "looking up record");
    }
    rs_st_reset(st);
    return rv;
}

/* Judges a record its INSERT left out: the unique key found its id, so a
 * row with it must be there. */
static rs_status judge_left_out(struct rs_store *s, struct rs_store_rec *r)
{
    bool is_found;
    rs_status rv = judge_existing(s, r, &is_found);

    if (rv == RS_OK && !is_found) {
        snprintf(s->errmsg, sizeof(s->errmsg), "record %.*s neither inserted nor present",
                 print_len(r->id, r->id_len), r->id);
        rv = RS_EINTERNAL;
    }
    return rv;
}

/* Follows superseded_by links from id to the current version, into cur. */
static rs_status current_version(struct rs_store *s, const char *id, char *cur, size_t cap)
{
    struct rs_st *st = &s->stmt[ST_REC_NEXT];
    char next[RS_STORE_ID_MAX_BYTES + 1];
    rs_status rv = RS_OK;
    int rc;

    rs_store_copy_text(cur, cap, (const unsigned char *)id, (int)strnlen(id, cap));
    for (int hop = 0; hop < RS_SUPERSEDE_HOPS_MAX; hop++) {
        next[0] = '\0';
        rc = rs_st_bind_text(st, 1, cur, -1, RS_ST_STATIC);
        if (rc == RS_ST_OK)
            rc = rs_st_step(st);
        if (rc == RS_ST_ROW)
            rs_store_copy_text(next, sizeof(next), rs_st_column_text(st, 0),
                               rs_st_column_bytes(st, 0));
        else if (rc != RS_ST_DONE)
            rv = rs_store_db_fail(s, rc, "following versions");
        rs_st_reset(st);
        if (rv || next[0] == '\0')
            break;
        rs_store_copy_text(cur, cap, (const unsigned char *)next, (int)strlen(next));
    }
    return rv;
}

/*
 * Checks the row r supersedes.  Leaves r->ack unset when r may be stored;
 * sets REJECTED or CONFLICT with a reason otherwise.
 */
static rs_status check_target(struct rs_store *s, struct rs_store_rec *r)
{
    struct rs_st *st = &s->stmt[ST_REC_TARGET];
    char next[RS_STORE_ID_MAX_BYTES + 1];
    char cur[RS_STORE_ID_MAX_BYTES + 1];
    int sup_n = print_len(r->supersedes, r->supersedes_len);
    rs_status rv = RS_OK;
    int rc;

    next[0] = '\0';
    rc = bind_text(st, 1, r->supersedes, r->supersedes_len);
    if (rc == RS_ST_OK)
        rc = rs_st_step(st);
    if (rc == RS_ST_DONE) {
        r->ack = RS__ACK_STATUS__ACK_REJECTED;
        snprintf(r->reason, sizeof(r->reason), "supersedes unknown record %.*s", sup_n,
                 r->supersedes);
        snprintf(r->text, sizeof(r->text), "要替代的记录在服务器上不存在");
    } else if (rc == RS_ST_ROW) {
        const char *div = (const char *)rs_st_column_text(st, 1);

        if (rs_st_column_int64(st, 0) != (int64_t)r->type) {
            r->ack = RS__ACK_STATUS__ACK_REJECTED;
            snprintf(r->reason, sizeof(r->reason),
                     "supersedes record %.*s of another type", sup_n, r->supersedes);
            snprintf(r->text, sizeof(r->text), "要替代的记录是另一类型的记录");
        } else if (!div || !text_eq(div, (size_t)rs_st_column_bytes(st, 1), r->division_code,
                                    r->division_code_len)) {
            r->ack = RS__ACK_STATUS__ACK_REJECTED;
            snprintf(r->reason, sizeof(r->reason),
                     "supersedes record %.*s of another division (%.16s)", sup_n,
                     r->supersedes, div ? div : "");
            snprintf(r->text, sizeof(r->text), "要替代的记录属于另一个区划");
        } else if (rs_st_column_type(st, 2) != RS_ST_NULL) {
            rs_store_copy_text(next, sizeof(next), rs_st_column_text(st, 2),
                               rs_st_column_bytes(st, 2));
        }
    } else {
        rv = rs_store_db_fail(s, rc, "looking up superseded record");
    }
    rs_st_reset(st);
    if (rv || next[0] == '\0')
        return rv;

    rv = current_version(s, next, cur, sizeof(cur));
    if (rv)
        return rv;
    r->ack = RS__ACK_STATUS__ACK_CONFLICT;
    snprintf(r->reason, sizeof(r->reason), "supersedes a stale version; current is %.100s",
             cur);
    snprintf(r->text, sizeof(r->text), "要替代的不是这条记录的最新版本（已被其他版本替代）");
    return RS_OK;
}

static int bind_record(struct rs_st *st, const struct rs_store_rec *r, bool has_supersedes,
                       size_t slot, const struct batch_slot *slots, int64_t now)
{
    static const uint8_t empty[1];
    int rc;

    rc = bind_text(st, 1, r->id, r->id_len);
    if (rc == RS_ST_OK)
        rc = has_supersedes ? bind_text(st, 2, r->supersedes, r->supersedes_len)
                            : rs_st_bind_null(st, 2);
    if (rc == RS_ST_OK)
        rc = bind_text(st, 3, r->office_code, r->office_code_len);
    if (rc == RS_ST_OK)
        rc = bind_text(st, 4, r->division_code, r->division_code_len);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 5, (int64_t)r->type);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 6, (int64_t)r->year);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 7, (int64_t)r->period);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_blob(st, 8, r->hash, RS_SHA256_LEN, RS_ST_STATIC);
    /* A NULL pointer would bind SQL NULL, and body is NOT NULL. */
    if (rc == RS_ST_OK)
        rc = rs_st_bind_blob64(st, 9, r->body_len ? r->body : empty,
                                 (uint64_t)r->body_len, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = slot == SIZE_MAX ? rs_st_bind_null(st, 10)
                              : rs_st_bind_int64(st, 10, slots[slot].rowid);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 11, now);
    return rc;
}

/*
 * Decides and writes one record inside the open transaction.  A record
 * that supersedes another is first looked up by its own id, so that a
 * retried edit is DUPLICATE rather than a stale-version CONFLICT.
 */
static rs_status put_one(struct rs_store *s, struct rs_store_rec *r, size_t slot,
                         const struct batch_slot *slots, int64_t now)
{
    struct rs_st *st = &s->stmt[ST_REC_INSERT];
    bool has_supersedes = !text_empty(r->supersedes, r->supersedes_len);
    bool is_found;
    rs_status rv;
    int rc;

    if (has_supersedes) {
        rv = judge_existing(s, r, &is_found);
        if (rv || is_found)
            return rv;
        rv = check_target(s, r);
        if (rv || r->ack != RS__ACK_STATUS__ACK_UNSPECIFIED)
            return rv;
    }

    rc = bind_record(st, r, has_supersedes, slot, slots, now);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "storing record");
    }
    rv = rs_store_run_done(s, ST_REC_INSERT, "storing record");
    if (rv)
        return rv;
    if (rs_st_changes(s) == 0)
        return judge_left_out(s, r);
    r->ack = RS__ACK_STATUS__ACK_STORED;
    r->seq = (uint64_t)rs_st_last_id(s);
    if (!has_supersedes)
        return RS_OK;

    st = &s->stmt[ST_REC_MARK];
    rc = bind_text(st, 1, r->id, r->id_len);
    if (rc == RS_ST_OK)
        rc = bind_text(st, 2, r->supersedes, r->supersedes_len);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "marking superseded record");
    }
    rv = rs_store_run_done(s, ST_REC_MARK, "marking superseded record");
    if (rv)
        return rv;
    if (rs_st_changes(s) != 1) {
        snprintf(s->errmsg, sizeof(s->errmsg),
                 "record %.*s was superseded under the transaction",
                 print_len(r->supersedes, r->supersedes_len), r->supersedes);
        return RS_EINTERNAL;
    }
    return RS_OK;
}

/*
 * New records waiting to be stored with one statement (PostgreSQL only:
 * rs_store_pg_put.c).  A run holds consecutive records of the put that
 * supersede nothing and that no closed year could refuse; any other
 * record ends it first, so every decision is made in the put's order.
 */
struct run {
    size_t *idx;                 /* NULL: records go one at a time (SQLite) */
    int64_t *batch;              /* the batches row of each, 0 for none */
    size_t n;
    uint64_t bytes;
};

static rs_status run_flush(struct rs_store *s, struct rs_store_rec *recs, struct run *run,
                           int64_t now)
{
    rs_status rv;

    if (run->n == 0)
        return RS_OK;
    rv = rs_store_pg_put_new(s, recs, run->idx, run->batch, run->n, now);
    for (size_t k = 0; k < run->n && rv == RS_OK; k++) {
        struct rs_store_rec *r = &recs[run->idx[k]];

        if (r->ack == RS__ACK_STATUS__ACK_UNSPECIFIED)
            rv = judge_left_out(s, r);
    }
    run->n = 0;
    run->bytes = 0;
    return rv;
}

/* Names the audit row of a batch on its batches row. */
static rs_status link_batch(struct rs_store *s, int64_t rowid, uint64_t audit_seq)
{
    struct rs_st *st = &s->stmt[ST_BATCH_LINK];
    int rc = rs_st_bind_int64(st, 1, (int64_t)audit_seq);

    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, rowid);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "linking a batch to its audit row");
    }
    return rs_store_run_done(s, ST_BATCH_LINK, "linking a batch to its audit row");
}

static void reset_ack(struct rs_store_rec *r)
{
    r->ack = RS__ACK_STATUS__ACK_UNSPECIFIED;
    r->seq = 0;
    r->reason[0] = '\0';
    r->text[0] = '\0';
    r->code = RS__ERROR_CODE__ERR_NONE;
}

rs_status rs_store_put_batches(struct rs_store *s, struct rs_store_rec *recs, size_t n,
                               struct rs_store_batch *batches, size_t nbatches, char *err,
                               size_t errlen)
{
    struct batch_slot *slots = NULL;
    struct rs_year_locks locks = {0};
    struct run run = {0};
    size_t *slot_of = NULL;
    size_t nslots = 0;
    bool is_open = false, refused;
    int64_t now;
    rs_status rv = RS_OK;

    rs_store_clear_err(err, errlen);
    if (!s || (n > 0 && !recs) || (nbatches > 0 && !batches)) {
        rs_store_set_err(err, errlen, "rs_store_put_batches: no store or no records");
        return RS_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        reset_ack(&recs[i]);
    for (size_t i = 0; i < n; i++) {
        const struct rs_store_rec *r = &recs[i];

        if (text_empty(r->id, r->id_len) || text_empty(r->office_code, r->office_code_len) ||
            text_empty(r->division_code, r->division_code_len) ||
            (r->body_len > 0 && !r->body)) {
            rs_store_set_err(err, errlen,
                             "rs_store_put_batches: record %zu lacks id, office, division or "
                             "body", i);
            return RS_EINVAL;
        }
        if (r->id_len > INT_MAX || r->supersedes_len > INT_MAX || r->office_code_len > INT_MAX ||
            r->division_code_len > INT_MAX || r->batch_id_len > INT_MAX) {
            rs_store_set_err(err, errlen,
                             "rs_store_put_batches: record %zu has a text longer than "
                             "SQLite takes", i);
            return RS_EINVAL;
        }
    }
    for (size_t k = 0; k < nbatches; k++) {
        struct rs_store_batch *b = &batches[k];

        b->audit_seq = 0;
        memset(b->audit_hash, 0, sizeof(b->audit_hash));
        if (!b->office_code || !b->office_code[0] || b->first > n || b->n > n - b->first) {
            rs_store_set_err(err, errlen, "rs_store_put_batches: batch %zu lacks an office or "
                                          "lies outside the records", k);
            return RS_EINVAL;
        }
    }
    if (n == 0 && nbatches == 0)
        return RS_OK;

    slots = calloc(n + nbatches ? n + nbatches : 1, sizeof(*slots));
    slot_of = calloc(n ? n : 1, sizeof(*slot_of));
    if (s->pg && n > 0) {
        run.idx = calloc(n < RS_STORE_RUN_MAX ? n : RS_STORE_RUN_MAX, sizeof(*run.idx));
        run.batch = calloc(n < RS_STORE_RUN_MAX ? n : RS_STORE_RUN_MAX, sizeof(*run.batch));
    }
    if (!slots || !slot_of || (s->pg && n > 0 && (!run.idx || !run.batch))) {
        snprintf(s->errmsg, sizeof(s->errmsg), "out of memory for %zu records", n);
        rv = RS_ENOMEM;
        goto out;
    }
    plan_batches(recs, n, batches, nbatches, slots, &nslots, slot_of);
    now = rs_now_unix();

    rv = rs_store_begin(s);
    if (rv)
        goto out;
    is_open = true;
    rv = insert_batches(s, slots, nslots, now);
    if (rv)
        goto out;
    /* Closed years are read in this transaction: a close cannot slip in. */
    rv = rs_store_locks_load_tx(s, rs_date_cst(now), &locks);
    if (rv)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct rs_store_rec *r = &recs[i];

        if (run.idx && text_empty(r->supersedes, r->supersedes_len) &&
            !(locks.n && rs_store_locks_may_refuse(&locks, r))) {
            if (run.n == RS_STORE_RUN_MAX || run.bytes + r->body_len > RS_STORE_RUN_BYTES) {
                rv = run_flush(s, recs, &run, now);
                if (rv)
                    goto out;
            }
            run.idx[run.n] = i;
            run.batch[run.n] = slot_of[i] == SIZE_MAX ? 0 : slots[slot_of[i]].rowid;
            run.n++;
            run.bytes += r->body_len;
            continue;
        }
        rv = run_flush(s, recs, &run, now);
        if (rv)
            goto out;
        if (locks.n) {
            rv = rs_store_locks_check_tx(s, &locks, r, &refused);
            if (rv)
                goto out;
            if (refused)
                continue;
        }
        rv = put_one(s, r, slot_of[i], slots, now);
        if (rv)
            goto out;
    }
    rv = run_flush(s, recs, &run, now);
    if (rv)
        goto out;
    for (size_t k = 0; k < nbatches; k++) {
        rv = rs_store_audit_batch_tx(s, recs, &batches[k], now);
        if (rv == RS_OK)
            rv = link_batch(s, slots[k].rowid, batches[k].audit_seq);
        if (rv)
            goto out;
    }
    rv = rs_store_run_done(s, ST_COMMIT, "COMMIT");
out:
    if (rv) {
        /* Nothing of this call is durable: undo and make sure no ack says so. */
        if (is_open)
            rs_store_rollback(s);
        for (size_t i = 0; i < n; i++)
            reset_ack(&recs[i]);
        for (size_t k = 0; k < nbatches; k++) {
            batches[k].audit_seq = 0;
            memset(batches[k].audit_hash, 0, sizeof(batches[k].audit_hash));
        }
        rs_store_set_err(err, errlen, "%s", s->errmsg);
    }
    rs_store_locks_free(&locks);
    free(run.idx);
    free(run.batch);
    free(slots);
    free(slot_of);
    return rv;
}

rs_status rs_store_scan_year(struct rs_store *s, uint32_t year, const char *division,
                             int (*fn)(const uint8_t *body, size_t len, void *arg), void *arg)
{
    static const uint8_t empty[1];
    struct rs_st *st;
    const uint8_t *body;
    rs_status rv = RS_OK;
    int len;
    int rc;

    if (!s || !fn)
        return RS_EINVAL;
    st = &s->stmt[ST_REC_SCAN];
    rc = rs_st_bind_int64(st, 1, (int64_t)year);
    if (rc == RS_ST_OK)
        rc = division ? rs_st_bind_text(st, 2, division, -1, RS_ST_STATIC)
                      : rs_st_bind_null(st, 2);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "scanning records");
        goto out;
    }
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
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

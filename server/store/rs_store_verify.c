/*
 * rs_store_verify.c - the check of what the database holds against its
 * audit trail: every batch's stored records recomputed from the records
 * table, and every office against its audit rows.
 *
 * The chain (rs_store_audit_verify) proves the audit rows were not changed
 * one by one; this pass proves the other tables still hold what the rows
 * say.  It walks three streams in order at once, with constant memory:
 * the batch audit rows (by seq), the batches rows (by id; each names its
 * audit row in audit_seq) and the records (by seq; a batch's stored records
 * are one run of consecutive rows, since a group commit inserts each batch's
 * records together).  For every batch it counts the run and recomputes the
 * stored-records digest the audit row holds ("stored sha256", rs_store.h);
 * for every record it recomputes SHA-256 of the body against the hash
 * column.  Found and named: a record whose body changed (its hash no longer
 * matches), a batch whose records changed, vanished or grew (the count or
 * digest differs), a record without its batch in the trail, a batch row
 * without its audit row or naming one that is not there (rows removed from
 * the end of the trail, or replaced), an audit row without its batch row,
 * an office that is active although the trail revoked it, or that the
 * trail never added.
 *
 * Records and batches stored before the schema step that added the digest
 * (rs_store_migrate.c names the last of them in an audit row) are checked
 * against their own hash only.
 *
 * Does not: check the chain itself (rs_store_audit.c), look inside a body,
 * or see what was removed together with every trace in all of the tables
 * and the trail (receipts and anchors kept outside the database do).
 */
#include "rs_store_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATION_MARK "record check starts after record seq "

struct vctx {
    struct rs_store *s;
    void (*fn)(const char *problem, void *arg);
    void *arg;
    struct rs_audit_check *out;
    EVP_MD *sha;
    EVP_MD_CTX *md;
};

__attribute__((format(printf, 2, 3))) static void problem(struct vctx *v, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    v->out->problems++;
    if (v->fn)
        v->fn(line, v->arg);
}

static rs_status prep(struct vctx *v, const char *sql, struct rs_st **st)
{
    int rc = rs_st_prepare(v->s, sql, st);

    return rc == RS_ST_OK ? RS_OK : rs_store_db_fail(v->s, rc, "preparing the record check");
}

/* ------------------------------------------------------------ the three streams */

/* One batch audit row, and what its detail says. */
struct arow {
    bool valid;
    int64_t seq;
    char office[RS_AUDIT_OFFICE_MAX + 1];
    char detail[RS_AUDIT_DETAIL_MAX + 1];
    long long stored;               /* "<n> stored"; -1 if the detail lacks it */
    bool has_digest;
    uint8_t digest[RS_SHA256_LEN];  /* "stored sha256 <hex>" */
};

/* One batches row. */
struct brow {
    bool valid;
    int64_t id;
    char batch_id[72];              /* cleaned and cut as the audit detail has it */
    char office[RS_AUDIT_OFFICE_MAX + 1];
    bool has_audit;
    int64_t audit_seq;
};

/* One record row. */
struct rrow {
    bool valid;
    int64_t seq;
    char id[128];
    size_t id_len;
    uint8_t hash[RS_SHA256_LEN];
    bool has_batch;
    int64_t batch;
};

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reads "<n> stored" and "stored sha256 <hex>" from a batch row's detail. */
static void parse_batch_detail(struct arow *a)
{
    const char *p = strstr(a->detail, " records: "), *d = strstr(a->detail, "stored sha256 ");

    a->stored = -1;
    if (p && sscanf(p + strlen(" records: "), "%lld stored", &a->stored) != 1)
        a->stored = -1;
    a->has_digest = false;
    if (!d)
        return;
    d += strlen("stored sha256 ");
    for (size_t i = 0; i < RS_SHA256_LEN; i++) {
        int hi = hexval(d[2 * i]), lo = hi < 0 ? -1 : hexval(d[2 * i + 1]);

        if (lo < 0)
            return;
        a->digest[i] = (uint8_t)(hi << 4 | lo);
    }
    a->has_digest = true;
}

static rs_status next_arow(struct vctx *v, struct rs_st *st, struct arow *a)
{
    int rc = rs_st_step(st);

    a->valid = rc == RS_ST_ROW;
    if (rc != RS_ST_ROW)
        return rc == RS_ST_DONE ? RS_OK : rs_store_db_fail(v->s, rc, "reading the trail");
    a->seq = rs_st_column_int64(st, 0);
    rs_store_copy_text(a->office, sizeof(a->office), rs_st_column_text(st, 1),
                       rs_st_column_bytes(st, 1));
    rs_store_copy_text(a->detail, sizeof(a->detail), rs_st_column_text(st, 2),
                       rs_st_column_bytes(st, 2));
    parse_batch_detail(a);
    return RS_OK;
}

static rs_status next_brow(struct vctx *v, struct rs_st *st, struct brow *b)
{
    char raw[RS_AUDIT_DETAIL_MAX + 1], office[RS_AUDIT_DETAIL_MAX + 1];
    int rc = rs_st_step(st);

    b->valid = rc == RS_ST_ROW;
    if (rc != RS_ST_ROW)
        return rc == RS_ST_DONE ? RS_OK : rs_store_db_fail(v->s, rc, "reading batches");
    b->id = rs_st_column_int64(st, 0);
    rs_store_copy_text(raw, sizeof(raw), rs_st_column_text(st, 1),
                       rs_st_column_bytes(st, 1));
    rs_store_audit_clean(b->batch_id, 64, raw[0] ? raw : "-");
    rs_store_copy_text(office, sizeof(office), rs_st_column_text(st, 2),
                       rs_st_column_bytes(st, 2));
    rs_store_audit_clean(b->office, RS_AUDIT_OFFICE_MAX, office);
    b->has_audit = rs_st_column_type(st, 3) != RS_ST_NULL;
    b->audit_seq = rs_st_column_int64(st, 3);
    return RS_OK;
}

/*
 * The next record, its body checked against its hash column (a mismatch is
 * a problem, and the record counts as checked all the same).
 */
static rs_status next_rrow(struct vctx *v, struct rs_st *st, struct rrow *r)
{
    uint8_t got[RS_SHA256_LEN];
    const void *body;
    int rc = rs_st_step(st), n;

    r->valid = rc == RS_ST_ROW;
    if (rc != RS_ST_ROW)
        return rc == RS_ST_DONE ? RS_OK : rs_store_db_fail(v->s, rc, "reading records");
    r->seq = rs_st_column_int64(st, 0);
    rs_store_copy_text(r->id, sizeof(r->id), rs_st_column_text(st, 1),
                       rs_st_column_bytes(st, 1));
    r->id_len = strlen(r->id);
    memset(r->hash, 0, sizeof(r->hash));
    if (rs_st_column_bytes(st, 2) == RS_SHA256_LEN)
        memcpy(r->hash, rs_st_column_blob(st, 2), RS_SHA256_LEN);
    body = rs_st_column_blob(st, 3);
    n = rs_st_column_bytes(st, 3);
    rs_sha256(body ? body : "", (size_t)(n > 0 ? n : 0), got);
    v->out->records++;
    if (rs_st_column_bytes(st, 2) != RS_SHA256_LEN || memcmp(got, r->hash, RS_SHA256_LEN) != 0)
        problem(v, "record %s (row %lld): its body does not match its stored hash "
                   "(the body or the hash was changed)", r->id, (long long)r->seq);
    r->has_batch = rs_st_column_type(st, 4) != RS_ST_NULL;
    r->batch = rs_st_column_int64(st, 4);
    return RS_OK;
}

/* ------------------------------------------------------------ the walk */

/* Where the record check starts: the last record, batch and audit row before it. */
struct start {
    int64_t rec, batch, audit;
};

static rs_status find_start(struct vctx *v, struct start *at)
{
    struct rs_st *st = NULL;
    rs_status rv = prep(v, "SELECT seq, detail FROM audit WHERE kind = 'migration'"
                           " ORDER BY seq", &st);
    int rc;

    memset(at, 0, sizeof(*at));
    if (rv)
        return rv;
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        const char *d = (const char *)rs_st_column_text(st, 1);
        const char *m = d ? strstr(d, MIGRATION_MARK) : NULL;
        long long r, b;

        if (m && sscanf(m + strlen(MIGRATION_MARK), "%lld and batch id %lld", &r, &b) == 2) {
            at->rec = r;
            at->batch = b;
            at->audit = rs_st_column_int64(st, 0);
        }
    }
    if (rc != RS_ST_DONE)
        rv = rs_store_db_fail(v->s, rc, "reading the trail");
    rs_st_finalize(st);
    return rv;
}

/* An audit row of a batch that no batches row names. */
static void orphan_audit(struct vctx *v, const struct arow *a)
{
    if (a->stored == 0)
        problem(v, "audit row %lld (%.60s): no batches row names it", (long long)a->seq,
                a->detail);
    else
        problem(v, "audit row %lld (%.60s): no batches row names it; its %lld stored "
                   "records are missing", (long long)a->seq, a->detail, a->stored);
}

/* A record outside every batch run the trail accounts for. */
static void orphan_record(struct vctx *v, const struct rrow *r)
{
    if (r->has_batch)
        problem(v, "record %s (row %lld): its batch (batches row %lld) is not in the trail, "
                   "or the record is not among that batch's records",
                r->id, (long long)r->seq, (long long)r->batch);
    else
        problem(v, "record %s (row %lld) belongs to no batch", r->id, (long long)r->seq);
}

/* Checks one batches row against its audit row (advancing a) and its run of records. */
static rs_status check_batch(struct vctx *v, struct rs_st *ast, struct arow *a,
                             struct rs_st *rst, struct rrow *r, const struct brow *b)
{
    uint8_t digest[RS_SHA256_LEN];
    unsigned int dlen = 0;
    long long n = 0;
    bool linked = false, at_row = false;
    char want[96];
    rs_status rv = RS_OK;

    if (!b->has_audit) {
        problem(v, "batch %s of %s (batches row %lld) has no audit row", b->batch_id, b->office,
                (long long)b->id);
    } else {
        while (a->valid && a->seq < b->audit_seq) {
            orphan_audit(v, a);
            rv = next_arow(v, ast, a);
            if (rv)
                return rv;
        }
        if (!a->valid || a->seq != b->audit_seq) {
            problem(v, "batch %s of %s (batches row %lld) names audit row %lld, which is not a "
                       "batch row of the trail (rows removed from its end, or replaced)",
                    b->batch_id, b->office, (long long)b->id, (long long)b->audit_seq);
        } else {
            at_row = true;
            snprintf(want, sizeof(want), "batch %s:", b->batch_id);
            if (strncmp(a->detail, want, strlen(want)) != 0 || strcmp(a->office, b->office) != 0)
                problem(v, "audit row %lld is not batch %s of %s (batches row %lld): it says "
                           "%.60s", (long long)a->seq, b->batch_id, b->office, (long long)b->id,
                        a->detail);
            else
                linked = true;
        }
    }
    if (!EVP_DigestInit_ex2(v->md, v->sha, NULL))
        return RS_EINTERNAL;
    while (r->valid && (!r->has_batch || r->batch < b->id)) {
        orphan_record(v, r);
        rv = next_rrow(v, rst, r);
        if (rv)
            return rv;
    }
    while (r->valid && r->has_batch && r->batch == b->id) {
        if (rs_store_stored_digest_add(v->md, r->id, r->id_len, r->hash) != RS_OK)
            return RS_EINTERNAL;
        n++;
        v->out->checked_records++;
        rv = next_rrow(v, rst, r);
        if (rv)
            return rv;
    }
    if (!EVP_DigestFinal_ex(v->md, digest, &dlen) || dlen != RS_SHA256_LEN)
        return RS_EINTERNAL;
    if (!linked)
        return at_row ? next_arow(v, ast, a) : RS_OK;
    v->out->batches++;
    if (a->stored >= 0 && a->stored != n)
        problem(v, "batch %s of %s (audit row %lld): the trail says %lld stored records, the "
                   "records table holds %lld of them (%s)", b->batch_id, b->office,
                (long long)a->seq, a->stored, n,
                n < a->stored ? "record rows were deleted" : "record rows were added");
    else if (!a->has_digest || memcmp(digest, a->digest, RS_SHA256_LEN) != 0)
        problem(v, "batch %s of %s (audit row %lld): its stored records do not hash to what "
                   "the trail says (an id, a body or its hash was changed)", b->batch_id,
                b->office, (long long)a->seq);
    return next_arow(v, ast, a);
}

static rs_status check_records(struct vctx *v, const struct start *at)
{
    struct rs_st *ast = NULL, *bst = NULL, *rst = NULL, *old = NULL;
    struct arow a;
    struct brow b;
    struct rrow r;
    rs_status rv;

    rv = prep(v, "SELECT seq, office, detail FROM audit WHERE kind = 'batch' AND seq > ?1"
                 " ORDER BY seq", &ast);
    if (rv == RS_OK)
        rv = prep(v, "SELECT id, batch_id, office_code, audit_seq FROM batches WHERE id > ?1"
                     " ORDER BY id", &bst);
    if (rv == RS_OK)
        rv = prep(v, "SELECT seq, record_id, hash, body, batch FROM records WHERE seq > ?1"
                     " ORDER BY seq", &rst);
    if (rv == RS_OK)
        rv = prep(v, "SELECT seq, record_id, hash, body, NULL FROM records WHERE seq <= ?1"
                     " ORDER BY seq", &old);
    if (rv)
        goto out;
    rs_st_bind_int64(ast, 1, at->audit);
    rs_st_bind_int64(bst, 1, at->batch);
    rs_st_bind_int64(rst, 1, at->rec);
    rs_st_bind_int64(old, 1, at->rec);
    do {
        rv = next_rrow(v, old, &r);
    } while (rv == RS_OK && r.valid);
    if (rv)
        goto out;
    rv = next_arow(v, ast, &a);
    if (rv == RS_OK)
        rv = next_rrow(v, rst, &r);
    if (rv == RS_OK)
        rv = next_brow(v, bst, &b);
    while (rv == RS_OK && b.valid) {
        rv = check_batch(v, ast, &a, rst, &r, &b);
        if (rv == RS_OK)
            rv = next_brow(v, bst, &b);
    }
    while (rv == RS_OK && a.valid) {
        orphan_audit(v, &a);
        rv = next_arow(v, ast, &a);
    }
    while (rv == RS_OK && r.valid) {
        orphan_record(v, &r);
        rv = next_rrow(v, rst, &r);
    }
out:
    rs_st_finalize(ast);
    rs_st_finalize(bst);
    rs_st_finalize(rst);
    rs_st_finalize(old);
    return rv;
}

/* ------------------------------------------------------------ offices */

struct office_state {
    char code[16];
    bool revoked;
    int64_t added_at;               /* seq of its office_add row, 0 if none */
    int64_t revoked_at;             /* seq of its last office_revoke row, 0 if none */
    int64_t token_at;               /* seq of its last office_token row, 0 if none */
};

static int cmp_office(const void *a, const void *b)
{
    return strcmp(((const struct office_state *)a)->code, ((const struct office_state *)b)->code);
}

static rs_status check_offices(struct vctx *v)
{
    struct rs_st *ost = NULL, *ast = NULL;
    struct office_state *o = NULL, key;
    size_t n = 0, cap = 0;
    rs_status rv;
    int rc;

    rv = prep(v, "SELECT code, revoked FROM offices ORDER BY code", &ost);
    if (rv == RS_OK)
        rv = prep(v, "SELECT seq, kind, office FROM audit"
                     " WHERE kind IN ('office_add', 'office_revoke', 'office_token')"
                     " ORDER BY seq", &ast);
    if (rv)
        goto out;
    while ((rc = rs_st_step(ost)) == RS_ST_ROW) {
        if (n == cap) {
            struct office_state *p = realloc(o, (cap ? cap * 2 : 64) * sizeof(*o));

            if (!p) {
                rv = RS_ENOMEM;
                goto out;
            }
            o = p;
            cap = cap ? cap * 2 : 64;
        }
        memset(&o[n], 0, sizeof(o[n]));
        rs_store_copy_text(o[n].code, sizeof(o[n].code), rs_st_column_text(ost, 0),
                           rs_st_column_bytes(ost, 0));
        o[n].revoked = rs_st_column_int64(ost, 1) != 0;
        n++;
    }
    if (rc != RS_ST_DONE) {
        rv = rs_store_db_fail(v->s, rc, "reading offices");
        goto out;
    }
    while ((rc = rs_st_step(ast)) == RS_ST_ROW) {
        struct office_state *hit;

        memset(&key, 0, sizeof(key));
        rs_store_copy_text(key.code, sizeof(key.code), rs_st_column_text(ast, 2),
                           rs_st_column_bytes(ast, 2));
        hit = n ? bsearch(&key, o, n, sizeof(*o), cmp_office) : NULL;
        if (!hit)
            continue;
        if (strcmp((const char *)rs_st_column_text(ast, 1), "office_add") == 0)
            hit->added_at = rs_st_column_int64(ast, 0);
        else if (strcmp((const char *)rs_st_column_text(ast, 1), "office_token") == 0)
            hit->token_at = rs_st_column_int64(ast, 0);
        else
            hit->revoked_at = rs_st_column_int64(ast, 0);
    }
    if (rc != RS_ST_DONE) {
        rv = rs_store_db_fail(v->s, rc, "reading the trail");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        v->out->offices++;
        if (!o[i].added_at)
            problem(v, "office %s has no office_add row in the trail (added past resettled "
                       "office, or before the trail existed)", o[i].code);
        else if (o[i].revoked_at > o[i].added_at && o[i].revoked_at > o[i].token_at &&
                 !o[i].revoked)
            problem(v, "office %s is active, but the trail revoked it at row %lld", o[i].code,
                    (long long)o[i].revoked_at);
        else if (o[i].revoked && o[i].revoked_at == 0)
            problem(v, "office %s is revoked, but the trail has no office_revoke row for it",
                    o[i].code);
        else if (o[i].revoked && o[i].token_at > o[i].revoked_at)
            problem(v, "office %s is revoked, but the trail gave it a new token at row %lld",
                    o[i].code, (long long)o[i].token_at);
    }
out:
    rs_st_finalize(ost);
    rs_st_finalize(ast);
    free(o);
    return rv;
}

rs_status rs_store_audit_verify_records(struct rs_store *s,
                                        void (*fn)(const char *problem, void *arg), void *arg,
                                        struct rs_audit_check *out)
{
    struct vctx v = {s, fn, arg, out, NULL, NULL};
    struct start at;
    rs_status rv;

    if (!s || !out)
        return RS_EINVAL;
    memset(out, 0, sizeof(*out));
    v.sha = EVP_MD_fetch(NULL, "SHA256", NULL);
    v.md = EVP_MD_CTX_new();
    if (!v.sha || !v.md) {
        rv = RS_EINTERNAL;
        goto out;
    }
    /* One read transaction: the three streams see the same database. */
    if (rs_st_exec(s, "BEGIN") != RS_ST_OK) {
        rv = rs_store_db_fail(s, rs_st_errcode(s), "BEGIN");
        goto out;
    }
    rv = find_start(&v, &at);
    if (rv == RS_OK)
        rv = check_records(&v, &at);
    if (rv == RS_OK)
        rv = check_offices(&v);
    rs_st_exec(s, "COMMIT");
    out->from_record = (uint64_t)at.rec;
out:
    EVP_MD_CTX_free(v.md);
    EVP_MD_free(v.sha);
    return rv;
}

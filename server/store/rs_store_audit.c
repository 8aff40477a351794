/*
 * rs_store_audit.c - the hash-chained audit trail: hashing a row, appending
 * one (in its own transaction, inside the transaction of an office change
 * or a put, or on a bare connection inside a migration step), the row of a
 * batch and its stored-records digest, verifying the chain, listing it.
 *
 * See rs_store.h for the chain and the contract.  The chain's head is
 * cached on the store between appends of one write transaction
 * (rs_store_int.h), so a put of many batches reads it once.
 *
 * Does not: decide what a batch's records become (rs_store_records.c), or
 * change offices (rs_store_office.c); it only writes the rows that record
 * them.
 */
#include "rs_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A text field of an audit row, cleaned and cut (rs_store_audit_clean). */
struct audit_text {
    char office[RS_AUDIT_OFFICE_MAX + 1];
    char peer[RS_AUDIT_PEER_MAX + 1];
    char detail[RS_AUDIT_DETAIL_MAX + 1];
};

/* "batch", "handshake_refused", "office_add", ..., "year_reopen", "migration". */
static const char *audit_kind_name(enum rs_audit_kind kind)
{
    switch (kind) {
    case RS_AUDIT_BATCH: return "batch";
    case RS_AUDIT_HANDSHAKE_REFUSED: return "handshake_refused";
    case RS_AUDIT_OFFICE_ADD: return "office_add";
    case RS_AUDIT_OFFICE_REVOKE: return "office_revoke";
    case RS_AUDIT_SCHEDULE_SET: return "schedule_set";
    case RS_AUDIT_REVIEW_ACCEPT: return "review_accept";
    case RS_AUDIT_REVIEW_RETURN: return "review_return";
    case RS_AUDIT_YEAR_CLOSE: return "year_close";
    case RS_AUDIT_YEAR_REOPEN: return "year_reopen";
    case RS_AUDIT_MIGRATION: return "migration";
    case RS_AUDIT_OFFICE_TOKEN: return "office_token";
    }
    return "unknown";
}

/*
 * Copies in into out (cap bytes + NUL): control characters and bytes of
 * invalid UTF-8 become '?', and the copy is cut at cap without splitting a
 * UTF-8 sequence.  NULL becomes "".
 */
void rs_store_audit_clean(char *out, size_t cap, const char *in)
{
    size_t i = 0, o = 0;

    if (!in)
        in = "";
    while (in[i] && o < cap) {
        unsigned char ch = (unsigned char)in[i];
        size_t len = ch < 0x80 ? 1 : (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3
                   : (ch & 0xf8) == 0xf0 ? 4 : 0;

        if (len == 1) {
            out[o++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
            i++;
            continue;
        }
        if (len == 0 || strnlen(in + i, len) < len || !rs_utf8_valid(in + i, len)) {
            out[o++] = '?';
            i++;
            continue;
        }
        if (o + len > cap)
            break;
        memcpy(out + o, in + i, len);
        o += len;
        i += len;
    }
    out[o] = '\0';
}

static void digest_field(EVP_MD_CTX *md, const void *p, size_t n)
{
    uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};

    EVP_DigestUpdate(md, len, sizeof(len));
    if (n)
        EVP_DigestUpdate(md, p, n);
}

/* A context reset for a new SHA-256 of sha; NULL if it cannot be. */
static EVP_MD_CTX *digest_reset(EVP_MD_CTX *md, const EVP_MD *sha)
{
    return md && sha && EVP_DigestInit_ex2(md, sha, NULL) ? md : NULL;
}

/* The store's digest context, reset for a new SHA-256; NULL if OpenSSL
 * cannot give one.  Fetching the digest and allocating the context once per
 * store saves both on every audit row (OpenSSL 3 looks up EVP_sha256() on
 * each init). */
static EVP_MD_CTX *digest_begin(struct rs_store *s)
{
    if (!s->sha256)
        s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!s->md)
        s->md = EVP_MD_CTX_new();
    return digest_reset(s->md, s->sha256);
}

/* The chain hash of one row: SHA-256(prev || canonical bytes), see rs_store.h;
 * md is a context reset for SHA-256 (or NULL: RS_EINTERNAL). */
static rs_status row_hash(EVP_MD_CTX *md, const uint8_t prev[RS_SHA256_LEN], int64_t seq,
                          int64_t time, const char *kind, size_t kind_len, const char *office,
                          size_t office_len, const char *peer, size_t peer_len,
                          const char *detail, size_t detail_len, uint8_t out[RS_SHA256_LEN])
{
    char num[24];
    unsigned int outlen = 0;
    int ok = md != NULL, n;

    if (ok) {
        EVP_DigestUpdate(md, prev, RS_SHA256_LEN);
        n = snprintf(num, sizeof(num), "%lld", (long long)seq);
        digest_field(md, num, (size_t)n);
        n = snprintf(num, sizeof(num), "%lld", (long long)time);
        digest_field(md, num, (size_t)n);
        digest_field(md, kind, kind_len);
        digest_field(md, office, office_len);
        digest_field(md, peer, peer_len);
        digest_field(md, detail, detail_len);
        ok = EVP_DigestFinal_ex(md, out, &outlen);
    }
    return ok && outlen == RS_SHA256_LEN ? RS_OK : RS_EINTERNAL;
}

static rs_status audit_row_hash(struct rs_store *s, const uint8_t prev[RS_SHA256_LEN],
                                int64_t seq, int64_t time,
                                const char *kind, size_t kind_len, const char *office,
                                size_t office_len, const char *peer, size_t peer_len,
                                const char *detail, size_t detail_len,
                                uint8_t out[RS_SHA256_LEN])
{
    return row_hash(digest_begin(s), prev, seq, time, kind, kind_len, office, office_len, peer,
                    peer_len, detail, detail_len, out);
}

/* The chain hash of r with a context of its own (no store at hand). */
static rs_status hash_row_fresh(const struct rs_audit_row *r, uint8_t out[RS_SHA256_LEN])
{
    EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    rs_status rv = row_hash(digest_reset(md, sha), r->prev_hash, (int64_t)r->seq, r->time,
                            r->kind, strlen(r->kind), r->office, strlen(r->office), r->peer,
                            strlen(r->peer), r->detail, strlen(r->detail), out);

    EVP_MD_CTX_free(md);
    EVP_MD_free(sha);
    return rv;
}

rs_status rs_store_audit_append_db(sqlite3 *db, int64_t now, enum rs_audit_kind kind,
                                   const char *office, const char *peer, const char *detail,
                                   char *err, size_t errlen)
{
    struct rs_audit_row r;
    sqlite3_stmt *st = NULL;
    rs_status rv = RS_OK;
    int rc;

    memset(&r, 0, sizeof(r));
    r.seq = 1;
    r.time = now;
    snprintf(r.kind, sizeof(r.kind), "%s", audit_kind_name(kind));
    rs_store_audit_clean(r.office, RS_AUDIT_OFFICE_MAX, office);
    rs_store_audit_clean(r.peer, RS_AUDIT_PEER_MAX, peer);
    rs_store_audit_clean(r.detail, RS_AUDIT_DETAIL_MAX, detail);
    rc = sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1,
                            &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int len = sqlite3_column_bytes(st, 1);
        const void *blob = sqlite3_column_blob(st, 1);

        r.seq = (uint64_t)sqlite3_column_int64(st, 0) + 1;
        if (len == RS_SHA256_LEN)
            memcpy(r.prev_hash, blob, RS_SHA256_LEN);
        else
            rs_sha256(blob ? blob : "", (size_t)(len > 0 ? len : 0), r.prev_hash);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        rs_store_set_err(err, errlen, "reading the audit chain: %s", sqlite3_errmsg(db));
        return rs_store_map_rc(rc);
    }
    if (hash_row_fresh(&r, r.hash) != RS_OK) {
        rs_store_set_err(err, errlen, "cannot hash an audit row");
        return RS_EINTERNAL;
    }
    rc = sqlite3_prepare_v2(db, "INSERT INTO audit(seq, time, kind, office, peer, detail,"
                                " prev_hash, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)r.seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, r.time);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 3, r.kind, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 4, r.office, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, r.peer, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 6, r.detail, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 7, r.prev_hash, RS_SHA256_LEN, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 8, r.hash, RS_SHA256_LEN, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        rs_store_set_err(err, errlen, "appending to the audit trail: %s", sqlite3_errmsg(db));
        rv = rs_store_map_rc(rc);
    }
    sqlite3_finalize(st);
    return rv;
}

/*
 * Appends one row inside the caller's open write transaction, chained to
 * the newest row.  A head whose hash is not 32 bytes (damaged by hand) is
 * chained through SHA-256 of whatever it holds, so appending goes on and
 * rs_store_audit_verify names the damaged row.
 */
rs_status rs_store_audit_append_tx(struct rs_store *s, int64_t now, enum rs_audit_kind kind,
                                   const char *office, const char *peer, const char *detail,
                                   uint64_t *seq_out, uint8_t hash_out[RS_SHA256_LEN])
{
    struct rs_st *st = &s->stmt[ST_AUDIT_LAST];
    struct audit_text t;
    const char *kname = audit_kind_name(kind);
    uint8_t prev[RS_SHA256_LEN], hash[RS_SHA256_LEN];
    int64_t seq = 1;
    rs_status rv = RS_OK;
    int rc;

    memset(prev, 0, sizeof(prev));
    if (s->head_valid) {
        seq = s->head_seq + 1;
        memcpy(prev, s->head_hash, RS_SHA256_LEN);
        goto have_prev;
    }
    rc = rs_st_step(st);
    if (rc == RS_ST_ROW) {
        int len = rs_st_column_bytes(st, 1);
        const void *blob = rs_st_column_blob(st, 1);

        seq = rs_st_column_int64(st, 0) + 1;
        if (len == RS_SHA256_LEN)
            memcpy(prev, blob, RS_SHA256_LEN);
        else
            rs_sha256(blob ? blob : "", (size_t)(len > 0 ? len : 0), prev);
    } else if (rc != RS_ST_DONE) {
        rv = rs_store_db_fail(s, rc, "reading the audit chain");
    }
    rs_st_reset(st);
    if (rv)
        return rv;
have_prev:
    rs_store_audit_clean(t.office, RS_AUDIT_OFFICE_MAX, office);
    rs_store_audit_clean(t.peer, RS_AUDIT_PEER_MAX, peer);
    rs_store_audit_clean(t.detail, RS_AUDIT_DETAIL_MAX, detail);
    rv = audit_row_hash(s, prev, seq, now, kname, strlen(kname), t.office, strlen(t.office),
                        t.peer, strlen(t.peer), t.detail, strlen(t.detail), hash);
    if (rv) {
        snprintf(s->errmsg, sizeof(s->errmsg), "cannot hash an audit row");
        return rv;
    }
    st = &s->stmt[ST_AUDIT_INSERT];
    rc = rs_st_bind_int64(st, 1, seq);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 2, now);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 3, kname, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 4, t.office, -1, RS_ST_TRANSIENT);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 5, t.peer, -1, RS_ST_TRANSIENT);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 6, t.detail, -1, RS_ST_TRANSIENT);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_blob(st, 7, prev, RS_SHA256_LEN, RS_ST_TRANSIENT);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_blob(st, 8, hash, RS_SHA256_LEN, RS_ST_TRANSIENT);
    if (rc != RS_ST_OK) {
        rs_st_reset(st);
        return rs_store_db_fail(s, rc, "appending to the audit trail");
    }
    rv = rs_store_run_done(s, ST_AUDIT_INSERT, "appending to the audit trail");
    if (rv)
        return rv;
    s->head_valid = true;
    s->head_seq = seq;
    memcpy(s->head_hash, hash, RS_SHA256_LEN);
    if (seq_out)
        *seq_out = (uint64_t)seq;
    if (hash_out)
        memcpy(hash_out, hash, RS_SHA256_LEN);
    return RS_OK;
}

void rs_store_set_actor(struct rs_store *s, const char *actor)
{
    if (s)
        rs_store_audit_clean(s->actor, RS_AUDIT_PEER_MAX, actor ? actor : "local");
}

rs_status rs_store_audit_append(struct rs_store *s, enum rs_audit_kind kind, const char *office,
                                const char *peer, const char *detail, uint64_t *seq,
                                uint8_t hash[RS_SHA256_LEN])
{
    rs_status rv;

    if (!s || (unsigned)kind > RS_AUDIT_KIND_LAST)
        return RS_EINVAL;
    rv = rs_store_begin(s);
    if (rv)
        return rv;
    rv = rs_store_audit_append_tx(s, rs_now_unix(), kind, office, peer, detail, seq, hash);
    if (rv == RS_OK)
        rv = rs_store_run_done(s, ST_COMMIT, "COMMIT");
    if (rv)
        rs_store_rollback(s);
    return rv;
}

/* Copies column col of st into out (cap bytes + NUL). */
static void column_text(struct rs_st *st, int col, char *out, size_t cap)
{
    rs_store_copy_text(out, cap + 1, rs_st_column_text(st, col), rs_st_column_bytes(st, col));
}

rs_status rs_store_audit_verify(struct rs_store *s, uint64_t *rows, uint64_t *broken, char *why,
                                size_t whylen)
{
    struct rs_st *st;
    uint8_t prev[RS_SHA256_LEN], want[RS_SHA256_LEN];
    int64_t expect = 1;
    rs_status rv = RS_OK;
    int rc;

    rs_store_clear_err(why, whylen);
    if (rows)
        *rows = 0;
    if (broken)
        *broken = 0;
    if (!s)
        return RS_EINVAL;
    memset(prev, 0, sizeof(prev));
    st = &s->stmt[ST_AUDIT_SCAN];
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        int64_t seq = rs_st_column_int64(st, 0);
        const char *f[4];
        size_t fl[4];

        if (seq != expect) {
            if (broken)
                *broken = (uint64_t)expect;
            rs_store_set_err(why, whylen, "row %lld is missing (the next row is %lld)",
                             (long long)expect, (long long)seq);
            rv = RS_ECONFLICT;
            break;
        }
        if (rs_st_column_bytes(st, 6) != RS_SHA256_LEN ||
            memcmp(rs_st_column_blob(st, 6), prev, RS_SHA256_LEN) != 0) {
            if (broken)
                *broken = (uint64_t)seq;
            if (expect == 1)
                rs_store_set_err(why, whylen, "prev_hash of the first row is not all zero");
            else
                rs_store_set_err(why, whylen, "prev_hash is not the hash of row %lld",
                                 (long long)(expect - 1));
            rv = RS_ECONFLICT;
            break;
        }
        for (int i = 0; i < 4; i++) {
            f[i] = (const char *)rs_st_column_text(st, 2 + i);
            fl[i] = (size_t)rs_st_column_bytes(st, 2 + i);
            if (!f[i])
                f[i] = "";
        }
        rv = audit_row_hash(s, prev, seq, rs_st_column_int64(st, 1), f[0], fl[0], f[1], fl[1],
                            f[2], fl[2], f[3], fl[3], want);
        if (rv) {
            rs_store_set_err(why, whylen, "cannot hash row %lld", (long long)seq);
            break;
        }
        if (rs_st_column_bytes(st, 7) != RS_SHA256_LEN ||
            memcmp(rs_st_column_blob(st, 7), want, RS_SHA256_LEN) != 0) {
            if (broken)
                *broken = (uint64_t)seq;
            rs_store_set_err(why, whylen, "hash does not match the row's contents "
                                          "(seq, time, kind, office, peer or detail changed)");
            rv = RS_ECONFLICT;
            break;
        }
        memcpy(prev, want, RS_SHA256_LEN);
        expect++;
    }
    if (rv == RS_OK && rc != RS_ST_DONE) {
        rv = rs_store_db_fail(s, rc, "reading the audit trail");
        rs_store_set_err(why, whylen, "%s", s->errmsg);
    }
    rs_st_reset(st);
    if (rv == RS_OK && rows)
        *rows = (uint64_t)(expect - 1);
    return rv;
}

rs_status rs_store_audit_list(struct rs_store *s,
                              int (*fn)(const struct rs_audit_row *row, void *arg), void *arg)
{
    struct rs_st *st;
    struct rs_audit_row *r;
    rs_status rv = RS_OK;
    int rc;

    if (!s || !fn)
        return RS_EINVAL;
    r = malloc(sizeof(*r));
    if (!r)
        return RS_ENOMEM;
    st = &s->stmt[ST_AUDIT_SCAN];
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        memset(r, 0, sizeof(*r));
        r->seq = (uint64_t)rs_st_column_int64(st, 0);
        r->time = rs_st_column_int64(st, 1);
        column_text(st, 2, r->kind, sizeof(r->kind) - 1);
        column_text(st, 3, r->office, RS_AUDIT_OFFICE_MAX);
        column_text(st, 4, r->peer, RS_AUDIT_PEER_MAX);
        column_text(st, 5, r->detail, RS_AUDIT_DETAIL_MAX);
        if (rs_st_column_bytes(st, 6) == RS_SHA256_LEN)
            memcpy(r->prev_hash, rs_st_column_blob(st, 6), RS_SHA256_LEN);
        if (rs_st_column_bytes(st, 7) == RS_SHA256_LEN)
            memcpy(r->hash, rs_st_column_blob(st, 7), RS_SHA256_LEN);
        if (fn(r, arg) != 0) {
            rc = RS_ST_DONE;
            break;
        }
    }
    if (rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "listing the audit trail");
    rs_st_reset(st);
    free(r);
    return rv;
}

static const char *ack_word(Rs__AckStatus a)
{
    switch (a) {
    case RS__ACK_STATUS__ACK_STORED: return "stored";
    case RS__ACK_STATUS__ACK_DUPLICATE: return "duplicate";
    case RS__ACK_STATUS__ACK_CONFLICT: return "conflict";
    case RS__ACK_STATUS__ACK_REJECTED: return "rejected";
    default: return "unspecified";
    }
}

/*
 * A digest's input (the records hash, the stored-records digest), gathered
 * into a buffer so that the digest is fed a few kilobytes at a time rather
 * than six pieces per record.
 */
struct digest_buf {
    EVP_MD_CTX *md;
    int ok;
    size_t n;
    char b[4096];
};

static void dbuf_flush(struct digest_buf *d)
{
    if (d->ok && d->n)
        d->ok = EVP_DigestUpdate(d->md, d->b, d->n);
    d->n = 0;
}

static void dbuf_put(struct digest_buf *d, const void *p, size_t n)
{
    if (d->n + n > sizeof(d->b)) {
        dbuf_flush(d);
        if (n > sizeof(d->b)) {
            d->ok = d->ok && EVP_DigestUpdate(d->md, p, n);
            return;
        }
    }
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

/*
 * The stored-records digest of a batch: SHA-256 over "<id> <hex SHA-256
 * of the body>\n" of each record stored, in batch order (which is row
 * order); rs_store_verify.c recomputes it from the records table.
 */
rs_status rs_store_stored_digest_add(EVP_MD_CTX *md, const char *id, size_t id_len,
                                     const uint8_t hash[RS_SHA256_LEN])
{
    char hex[2 * RS_SHA256_LEN + 1];

    rs_hex(hash, RS_SHA256_LEN, hex);
    return EVP_DigestUpdate(md, id, id_len) && EVP_DigestUpdate(md, " ", 1) &&
                   EVP_DigestUpdate(md, hex, 2 * RS_SHA256_LEN) && EVP_DigestUpdate(md, "\n", 1)
               ? RS_OK
               : RS_EINTERNAL;
}

/* Appends the audit row of one batch whose records are judged (see rs_store.h). */
rs_status rs_store_audit_batch_tx(struct rs_store *s, const struct rs_store_rec *recs,
                                  struct rs_store_batch *b, int64_t now)
{
    struct digest_buf d, sd;
    uint8_t digest[RS_SHA256_LEN], stored[RS_SHA256_LEN];
    char hex[2 * RS_SHA256_LEN + 1], shex[2 * RS_SHA256_LEN + 1], bid[72];
    char detail[RS_AUDIT_DETAIL_MAX + 1];
    size_t cnt[5] = {0};
    unsigned int dlen = 0, slen = 0;
    int ok;

    d.md = digest_begin(s);
    d.ok = d.md != NULL;
    d.n = 0;
    if (!s->md_stored)
        s->md_stored = EVP_MD_CTX_new();
    sd.md = digest_reset(s->md_stored, s->sha256);
    sd.ok = sd.md != NULL;
    sd.n = 0;
    for (size_t i = b->first; d.ok && sd.ok && i < b->first + b->n; i++) {
        const struct rs_store_rec *r = &recs[i];
        const char *w = ack_word(r->ack);
        size_t id_len = rs_store_text_len(r->id, r->id_len);

        rs_hex(r->hash, RS_SHA256_LEN, hex);
        dbuf_put(&d, r->id, id_len);
        dbuf_put(&d, " ", 1);
        dbuf_put(&d, hex, 2 * RS_SHA256_LEN);
        dbuf_put(&d, " ", 1);
        dbuf_put(&d, w, strlen(w));
        dbuf_put(&d, "\n", 1);
        if (r->ack == RS__ACK_STATUS__ACK_STORED) {
            /* The stored-records digest: what rs_store_stored_digest_add feeds. */
            dbuf_put(&sd, r->id, id_len);
            dbuf_put(&sd, " ", 1);
            dbuf_put(&sd, hex, 2 * RS_SHA256_LEN);
            dbuf_put(&sd, "\n", 1);
        }
        cnt[(unsigned)r->ack <= 4 ? (unsigned)r->ack : 0]++;
    }
    dbuf_flush(&d);
    dbuf_flush(&sd);
    ok = d.ok && sd.ok;
    if (ok)
        ok = EVP_DigestFinal_ex(d.md, digest, &dlen) && EVP_DigestFinal_ex(sd.md, stored, &slen);
    if (!ok || dlen != RS_SHA256_LEN || slen != RS_SHA256_LEN) {
        snprintf(s->errmsg, sizeof(s->errmsg), "cannot hash a batch");
        return RS_EINTERNAL;
    }
    rs_hex(digest, RS_SHA256_LEN, hex);
    rs_hex(stored, RS_SHA256_LEN, shex);
    rs_store_audit_clean(bid, 64, b->batch_id ? b->batch_id : "-");
    snprintf(detail, sizeof(detail),
             "batch %s: %zu records: %zu stored, %zu duplicate, %zu conflict, %zu rejected; "
             "records sha256 %s; stored sha256 %s",
             bid, b->n + b->n_refused, cnt[RS__ACK_STATUS__ACK_STORED],
             cnt[RS__ACK_STATUS__ACK_DUPLICATE], cnt[RS__ACK_STATUS__ACK_CONFLICT],
             cnt[RS__ACK_STATUS__ACK_REJECTED] + b->n_refused, hex, shex);
    return rs_store_audit_append_tx(s, now, RS_AUDIT_BATCH, b->office_code, b->peer, detail,
                                    &b->audit_seq, b->audit_hash);
}


/*
 * rs_store_office.c - offices and their tokens: adding one (with a new
 * random token, of which only SHA-256 is stored), giving one a new token,
 * revoking, checking a token in constant time, listing.
 *
 * See rs_store.h for the contract.  Every change appends its audit row in
 * the same transaction (rs_store_audit.c writes it).
 *
 * Does not: decide what an office may send (the server checks role and
 * scope), or keep a token anywhere but in the caller's buffer.
 */
#include "rs_store_int.h"

#include <stdio.h>
#include <string.h>

#define RS_OFFICE_NAME_MAX_BYTES 120

static bool hash_equal_ct(const uint8_t a[RS_SHA256_LEN], const uint8_t b[RS_SHA256_LEN])
{
    unsigned diff = 0;

    for (size_t i = 0; i < RS_SHA256_LEN; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0;
}

/* A new random token in hex (NUL-terminated) and its SHA-256, what is kept. */
static rs_status new_token(char hex[RS_TOKEN_HEX + 1], uint8_t hash[RS_SHA256_LEN])
{
    uint8_t raw[RS_TOKEN_HEX / 2];
    rs_status rv = rs_random_bytes(raw, sizeof(raw));

    if (rv == RS_OK) {
        rs_hex(raw, sizeof(raw), hex);
        rs_sha256(hex, RS_TOKEN_HEX, hash);
    }
    explicit_bzero(raw, sizeof(raw));
    return rv;
}

/* After the office's row changed: its audit row and COMMIT, in the transaction. */
static rs_status office_commit(struct rs_store *s, int64_t now, enum rs_audit_kind kind,
                               const char *code, const char *detail)
{
    rs_status rv = rs_store_audit_append_tx(s, now, kind, code, s->actor, detail, NULL, NULL);

    return rv ? rv : rs_store_run_done(s, ST_COMMIT, "COMMIT");
}

rs_status rs_store_office_add(struct rs_store *s, const char *code, const char *name,
                              Rs__Role role, char token[RS_TOKEN_HEX + 1])
{
    struct rs_st *st;
    uint8_t hash[RS_SHA256_LEN];
    char hex[RS_TOKEN_HEX + 1];
    char detail[RS_AUDIT_DETAIL_MAX + 1];
    size_t name_len;
    bool in_tx = false;
    int64_t now;
    rs_status rv;
    int rc;

    if (token)
        token[0] = '\0';
    if (!s || !token || !rs_division_code_valid(code) || !name)
        return RS_EINVAL;
    name_len = strnlen(name, RS_OFFICE_NAME_MAX_BYTES + 1);
    if (name_len == 0 || name_len > RS_OFFICE_NAME_MAX_BYTES || !rs_utf8_valid(name, name_len))
        return RS_EINVAL;
    if (role != RS__ROLE__ROLE_TOWNSHIP && role != RS__ROLE__ROLE_CENTRAL)
        return RS_EINVAL;

    rv = new_token(hex, hash);
    if (rv)
        goto out;
    now = rs_now_unix();
    rv = rs_store_begin(s);
    if (rv)
        goto out;
    in_tx = true;
    st = &s->stmt[ST_OFFICE_ADD];
    rc = rs_st_bind_text(st, 1, code, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_text(st, 2, name, (int)name_len, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 3, (int64_t)role);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_blob(st, 4, hash, (int)sizeof(hash), RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_int64(st, 5, now);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "adding office");
        rs_st_reset(st);
        goto out;
    }
    rv = rs_store_run_done(s, ST_OFFICE_ADD, "adding office");
    if (rv)
        goto out;
    if (rs_st_changes(s) == 0) {
        rv = RS_EDUP;
        goto out;
    }
    snprintf(detail, sizeof(detail), "office %s added: role %s, name %.*s", code,
             role == RS__ROLE__ROLE_CENTRAL ? "central" : "township", (int)name_len, name);
    rv = office_commit(s, now, RS_AUDIT_OFFICE_ADD, code, detail);
    if (rv)
        goto out;
    in_tx = false;
    memcpy(token, hex, sizeof(hex));
out:
    if (in_tx)
        rs_store_rollback(s);
    explicit_bzero(hex, sizeof(hex));
    return rv;
}

rs_status rs_store_office_token(struct rs_store *s, const char *code, char token[RS_TOKEN_HEX + 1])
{
    struct rs_st *st;
    uint8_t hash[RS_SHA256_LEN];
    char hex[RS_TOKEN_HEX + 1], detail[64];
    bool in_tx = false;
    rs_status rv;
    int rc;

    if (token)
        token[0] = '\0';
    if (!s || !token || !rs_division_code_valid(code))
        return RS_EINVAL;
    rv = new_token(hex, hash);
    if (rv)
        goto out;
    rv = rs_store_begin(s);
    if (rv)
        goto out;
    in_tx = true;
    st = &s->stmt[ST_OFFICE_TOKEN];
    rc = rs_st_bind_text(st, 1, code, -1, RS_ST_STATIC);
    if (rc == RS_ST_OK)
        rc = rs_st_bind_blob(st, 2, hash, (int)sizeof(hash), RS_ST_STATIC);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "giving a new token");
        rs_st_reset(st);
        goto out;
    }
    rv = rs_store_run_done(s, ST_OFFICE_TOKEN, "giving a new token");
    if (rv == RS_OK && rs_st_changes(s) == 0)
        rv = RS_ENOTFOUND;
    if (rv)
        goto out;
    snprintf(detail, sizeof(detail), "office %s given a new token", code);
    rv = office_commit(s, rs_now_unix(), RS_AUDIT_OFFICE_TOKEN, code, detail);
    if (rv)
        goto out;
    in_tx = false;
    memcpy(token, hex, sizeof(hex));
out:
    if (in_tx)
        rs_store_rollback(s);
    explicit_bzero(hex, sizeof(hex));
    return rv;
}

rs_status rs_store_office_revoke(struct rs_store *s, const char *code)
{
    char detail[64];
    rs_status rv;
    int rc;

    if (!s || !rs_division_code_valid(code))
        return s && code ? RS_ENOTFOUND : RS_EINVAL;
    rv = rs_store_begin(s);
    if (rv)
        return rv;
    rc = rs_st_bind_text(&s->stmt[ST_OFFICE_REVOKE], 1, code, -1, RS_ST_STATIC);
    if (rc != RS_ST_OK) {
        rv = rs_store_db_fail(s, rc, "revoking office");
        goto out;
    }
    rv = rs_store_run_done(s, ST_OFFICE_REVOKE, "revoking office");
    if (rv)
        goto out;
    if (rs_st_changes(s) == 0) {
        rv = RS_ENOTFOUND;
        goto out;
    }
    snprintf(detail, sizeof(detail), "office %s revoked", code);
    rv = rs_store_audit_append_tx(s, rs_now_unix(), RS_AUDIT_OFFICE_REVOKE, code, s->actor,
                                  detail, NULL, NULL);
    if (rv == RS_OK)
        rv = rs_store_run_done(s, ST_COMMIT, "COMMIT");
out:
    if (rv)
        rs_store_rollback(s);
    return rv;
}

rs_status rs_store_office_auth(struct rs_store *s, const char *code, const char *token,
                               struct rs_office *out)
{
    struct rs_st *st;
    struct rs_office o;
    uint8_t given[RS_SHA256_LEN];
    uint8_t stored[RS_SHA256_LEN];
    size_t token_len = 0;
    bool is_found = false, is_match;
    rs_status rv = RS_OK;
    int rc;

    if (!s || !out)
        return RS_EINVAL;
    memset(&o, 0, sizeof(o));
    /* Unknown offices compare against this impossible hash, so every path
     * hashes the token and runs the same comparison. */
    memset(stored, 0, sizeof(stored));
    if (token)
        token_len = strnlen(token, RS_TOKEN_HEX + 1);
    rs_sha256(token ? token : "", token_len, given);

    if (rs_division_code_valid(code)) {
        st = &s->stmt[ST_OFFICE_GET];
        rc = rs_st_bind_text(st, 1, code, -1, RS_ST_STATIC);
        if (rc == RS_ST_OK)
            rc = rs_st_step(st);
        if (rc == RS_ST_ROW) {
            is_found = true;
            rs_store_copy_text(o.code, sizeof(o.code), (const unsigned char *)code,
                               (int)strlen(code));
            rs_store_copy_text(o.name, sizeof(o.name), rs_st_column_text(st, 0),
                               rs_st_column_bytes(st, 0));
            o.role = (Rs__Role)rs_st_column_int(st, 1);
            if (rs_st_column_bytes(st, 2) == RS_SHA256_LEN)
                memcpy(stored, rs_st_column_blob(st, 2), RS_SHA256_LEN);
            else
                is_found = false;
            o.revoked = rs_st_column_int64(st, 3) != 0;
            o.created_at = rs_st_column_int64(st, 4);
        } else if (rc != RS_ST_DONE) {
            rv = rs_store_db_fail(s, rc, "checking token");
        }
        rs_st_reset(st);
        if (rv)
            goto out;
    }
    is_match = hash_equal_ct(given, stored);
    if (!is_found || token_len != RS_TOKEN_HEX || !is_match || o.revoked) {
        rv = RS_EAUTH;
        goto out;
    }
    *out = o;
out:
    return rv;
}

rs_status rs_store_office_list(struct rs_store *s,
                               int (*fn)(const struct rs_office *o, void *arg), void *arg)
{
    struct rs_st *st;
    struct rs_office o;
    rs_status rv = RS_OK;
    int rc;

    if (!s || !fn)
        return RS_EINVAL;
    st = &s->stmt[ST_OFFICE_LIST];
    while ((rc = rs_st_step(st)) == RS_ST_ROW) {
        memset(&o, 0, sizeof(o));
        rs_store_copy_text(o.code, sizeof(o.code), rs_st_column_text(st, 0),
                           rs_st_column_bytes(st, 0));
        rs_store_copy_text(o.name, sizeof(o.name), rs_st_column_text(st, 1),
                           rs_st_column_bytes(st, 1));
        o.role = (Rs__Role)rs_st_column_int(st, 2);
        o.revoked = rs_st_column_int64(st, 3) != 0;
        o.created_at = rs_st_column_int64(st, 4);
        if (fn(&o, arg) != 0)
            break;
    }
    if (rc != RS_ST_ROW && rc != RS_ST_DONE)
        rv = rs_store_db_fail(s, rc, "listing offices");
    rs_st_reset(st);
    return rv;
}

/*
 * rs_store_migrate.c - the schema steps that need code: the one that puts
 * record ids in their one canonical form (lower case, as the client makes
 * them and as the server now requires) and reports what it cannot merge,
 * and the one that marks where the check of records against the trail
 * starts (rs_store_verify.c).
 *
 * Before the first step the unique key compared ids byte for byte, so the same
 * UUID in upper and in lower case could be stored twice.  The step lowers
 * every id (and every supersedes and superseded_by that names a lowered
 * row).  Where the lower-case form is already taken, the two rows are the
 * same id stored twice: neither is changed or dropped, and the pair is
 * reported (a line for rs_store_notice and an audit row each, naming both
 * rows and whether they hold the same content), so that a person decides
 * (superseding the one that should not count).
 *
 * Bodies are left as stored: a record's body is the bytes its client sent,
 * and the receipts the townships keep cover their hashes.
 *
 * The second step's SQL (batches gain audit_seq, the audit row of their
 * batch) is in rs_store_open.c.  Batches stored before it have no audit row
 * of their own, so the step names the last record and batch stored before
 * it: later ones are checked against their batch's audit row, earlier ones
 * against their own hash only.
 *
 * Does not: open the database or run the other steps (rs_store_open.c), or
 * verify anything (rs_store_verify.c).
 */
#include "rs_store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_ROWS 1000              /* non-canonical ids read per query */
#define MIGRATE_PEER "local (schema migration)"
#define ID_BYTES 128                 /* bytes kept of an id (UUIDs are 36) */

void rs_store_note(struct rs_store_notes *notes, const char *fmt, ...)
{
    char line[RS_AUDIT_DETAIL_MAX + 64];
    va_list ap;
    size_t n;
    char *p;

    if (!notes)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    n = strlen(line);
    p = realloc(notes->text, notes->len + n + 2);
    if (!p)
        return;
    memcpy(p + notes->len, line, n);
    p[notes->len + n] = '\n';
    p[notes->len + n + 1] = '\0';
    notes->text = p;
    notes->len += n + 1;
}

static rs_status fail(sqlite3 *db, int rc, const char *path, const char *what, char *err,
                      size_t errlen)
{
    rs_store_set_err(err, errlen, "%s: %s: %s", path, what, sqlite3_errmsg(db));
    return rs_store_map_rc(rc);
}

static rs_status max_of(sqlite3 *db, const char *sql, int64_t *out, const char *path,
                        char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? RS_OK : fail(db, rc, path, sql, err, errlen);
}

/* One row whose id is not in canonical form. */
struct odd_id {
    int64_t seq;
    char id[ID_BYTES];
    uint8_t hash[RS_SHA256_LEN];
    bool has_hash;
};

/*
 * Lowers the id of row o, or reports it when its lower-case form is taken.
 * *lowered / *dups count what happened.
 */
static rs_status settle_one(sqlite3 *db, sqlite3_stmt *find, sqlite3_stmt *lower,
                            const struct odd_id *o, int64_t now, const char *path,
                            struct rs_store_notes *notes, long *lowered, long *dups, char *err,
                            size_t errlen)
{
    char canon[sizeof(o->id)], detail[RS_AUDIT_DETAIL_MAX + 1];
    int64_t other = 0;
    bool same = false, taken = false;
    rs_status rv = RS_OK;
    int rc;

    snprintf(canon, sizeof(canon), "%s", o->id);
    rs_uuid_canonicalize(canon);
    rc = sqlite3_bind_text(find, 1, canon, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(find);
    if (rc == SQLITE_ROW) {
        taken = true;
        other = sqlite3_column_int64(find, 0);
        same = o->has_hash && sqlite3_column_bytes(find, 1) == RS_SHA256_LEN &&
               memcmp(sqlite3_column_blob(find, 1), o->hash, RS_SHA256_LEN) == 0;
        rc = SQLITE_DONE;
    }
    sqlite3_reset(find);
    if (rc != SQLITE_DONE)
        return fail(db, rc, path, "looking up a canonical id", err, errlen);
    if (taken) {
        snprintf(detail, sizeof(detail),
                 "record id %s is stored twice, in two letter cases: row %lld as %s, row "
                 "%lld as %s; %s; both rows kept (supersede the one that should not count)",
                 canon, (long long)other, canon, (long long)o->seq, o->id,
                 same ? "same content" : "different content");
        rs_store_note(notes, "%s", detail);
        rv = rs_store_audit_append_db(db, now, RS_AUDIT_MIGRATION, NULL, MIGRATE_PEER, detail,
                                      err, errlen);
        if (rv == RS_OK)
            (*dups)++;
        return rv;
    }
    rc = sqlite3_bind_int64(lower, 1, o->seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(lower);
    sqlite3_reset(lower);
    if (rc != SQLITE_DONE)
        return fail(db, rc, path, "lowering an id", err, errlen);
    (*lowered)++;
    return RS_OK;
}

/* Lowers or reports every id not in canonical form, a chunk at a time. */
static rs_status settle_ids(sqlite3 *db, int64_t now, const char *path,
                            struct rs_store_notes *notes, long *lowered, long *dups, char *err,
                            size_t errlen)
{
    sqlite3_stmt *next = NULL, *find = NULL, *lower = NULL;
    struct odd_id *chunk = calloc(CHUNK_ROWS, sizeof(*chunk));
    int64_t after = 0;
    rs_status rv = RS_OK;
    int rc;

    if (!chunk) {
        rs_store_set_err(err, errlen, "%s: out of memory", path);
        return RS_ENOMEM;
    }
    rc = sqlite3_prepare_v2(db, "SELECT seq, record_id, hash FROM records"
                                " WHERE record_id <> lower(record_id) AND seq > ?1"
                                " ORDER BY seq LIMIT ?2", -1, &next, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT seq, hash FROM records WHERE record_id = ?1", -1,
                                &find, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "UPDATE records SET record_id = lower(record_id)"
                                    " WHERE seq = ?1", -1, &lower, NULL);
    if (rc != SQLITE_OK) {
        rv = fail(db, rc, path, "preparing the id migration", err, errlen);
        goto out;
    }
    for (;;) {
        size_t n = 0;

        rc = sqlite3_bind_int64(next, 1, after);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(next, 2, CHUNK_ROWS);
        while (rc == SQLITE_OK && (rc = sqlite3_step(next)) == SQLITE_ROW) {
            struct odd_id *o = &chunk[n++];

            o->seq = sqlite3_column_int64(next, 0);
            rs_store_copy_text(o->id, sizeof(o->id), sqlite3_column_text(next, 1),
                               sqlite3_column_bytes(next, 1));
            o->has_hash = sqlite3_column_bytes(next, 2) == RS_SHA256_LEN;
            if (o->has_hash)
                memcpy(o->hash, sqlite3_column_blob(next, 2), RS_SHA256_LEN);
            rc = SQLITE_OK;
        }
        sqlite3_reset(next);
        if (rc != SQLITE_DONE) {
            rv = fail(db, rc, path, "reading ids", err, errlen);
            goto out;
        }
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            rv = settle_one(db, find, lower, &chunk[i], now, path, notes, lowered, dups, err,
                            errlen);
            if (rv)
                goto out;
        }
        after = chunk[n - 1].seq;
    }
out:
    sqlite3_finalize(next);
    sqlite3_finalize(find);
    sqlite3_finalize(lower);
    free(chunk);
    return rv;
}

/*
 * supersedes, superseded_by and a review's record_id name rows by their ids
 * as they were: lowered where the row they name was lowered, left where it
 * was not (a duplicate).  reviews is append-only by trigger, so the trigger
 * is dropped for the update and made again.
 */
static const char *const link_sql =
    "UPDATE records SET supersedes = lower(supersedes)"
    " WHERE supersedes <> lower(supersedes)"
    " AND NOT EXISTS (SELECT 1 FROM records r2 WHERE r2.record_id = records.supersedes);"
    "UPDATE records SET superseded_by = lower(superseded_by)"
    " WHERE superseded_by <> lower(superseded_by)"
    " AND NOT EXISTS (SELECT 1 FROM records r2 WHERE r2.record_id = records.superseded_by);"
    "DROP TRIGGER reviews_no_update;"
    "UPDATE reviews SET record_id = lower(record_id)"
    " WHERE record_id <> lower(record_id)"
    " AND NOT EXISTS (SELECT 1 FROM records r2 WHERE r2.record_id = reviews.record_id);"
    "CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews"
    "  BEGIN SELECT RAISE(ABORT, 'review rows are append-only'); END;";

rs_status rs_store_migrate_ids(sqlite3 *db, const char *path, struct rs_store_notes *notes,
                               char *err, size_t errlen)
{
    char detail[RS_AUDIT_DETAIL_MAX + 1];
    int64_t now = rs_now_unix();
    long lowered = 0, dups = 0;
    rs_status rv;
    int rc;

    rv = settle_ids(db, now, path, notes, &lowered, &dups, err, errlen);
    if (rv)
        return rv;
    rc = sqlite3_exec(db, link_sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(db, rc, path, "lowering supersedes links", err, errlen);
    if (lowered == 0 && dups == 0)
        return RS_OK;
    snprintf(detail, sizeof(detail),
             "record ids in canonical form: %ld lowered, %ld stored twice (rows of their own)",
             lowered, dups);
    rs_store_note(notes, "%s: %s", path, detail);
    return rs_store_audit_append_db(db, now, RS_AUDIT_MIGRATION, NULL, MIGRATE_PEER, detail, err,
                                    errlen);
}

rs_status rs_store_migrate_batch_links(sqlite3 *db, const char *path,
                                       struct rs_store_notes *notes, char *err, size_t errlen)
{
    char detail[RS_AUDIT_DETAIL_MAX + 1];
    int64_t last_rec = 0, last_batch = 0;
    rs_status rv;

    (void)notes;
    rv = max_of(db, "SELECT coalesce(max(seq), 0) FROM records", &last_rec, path, err, errlen);
    if (rv == RS_OK)
        rv = max_of(db, "SELECT coalesce(max(id), 0) FROM batches", &last_batch, path, err,
                    errlen);
    if (rv || (last_rec == 0 && last_batch == 0))
        return rv;
    snprintf(detail, sizeof(detail),
             "record check starts after record seq %lld and batch id %lld (earlier records "
             "are checked against their own hash only)",
             (long long)last_rec, (long long)last_batch);
    return rs_store_audit_append_db(db, rs_now_unix(), RS_AUDIT_MIGRATION, NULL, MIGRATE_PEER,
                                    detail, err, errlen);
}

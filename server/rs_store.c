/*
 * rs_store.c - the server's SQLite database: schema and migrations, offices
 * and their tokens, records and their versions, the hash-chained audit
 * trail.
 *
 * See rs_store.h for the contract.  Every statement the store runs more
 * than once is prepared when the store opens and reset right after each
 * use, so no statement stays active between calls and rs_store_close can
 * always close the connection.  An existing file is first inspected through
 * a separate read-only connection: a file we refuse is never written to,
 * not even by the switch to WAL or by the checkpoint SQLite runs at close.
 *
 * Does not: validate record contents, check office scope, log, or know
 * about connections or the loop.  One store is used by one thread at a
 * time (the connection is opened with SQLITE_OPEN_NOMUTEX).
 */
#include "rs_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#define RS_STORE_APP_ID 0x52534c31          /* 'RSL1', PRAGMA application_id */
#define RS_STORE_BUSY_TIMEOUT_MS 5000
#define RS_OFFICE_NAME_MAX_BYTES 120
#define RS_STORE_ID_MAX_BYTES 127           /* ids copied out of rows (UUIDs are 36) */
#define RS_SUPERSEDE_HOPS_MAX 10000         /* links followed to name the current version */

/*
 * Schema migrations: step i takes user_version i to i + 1, in one
 * transaction together with the new user_version and application_id.
 * Steps are only ever appended.
 *
 * records has one secondary index besides the unique key on record_id: the
 * partial index on year over current rows, which serves rs_store_scan_year.
 * Its key (year, seq) grows at the end for new rows, so it costs an insert
 * little; a random-key index would cost far more (performance.md 2b).
 */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE offices("
    "  code TEXT PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL,"
    "  role INTEGER NOT NULL,"
    "  token_hash BLOB NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE batches("
    "  id INTEGER PRIMARY KEY,"
    "  batch_id TEXT NOT NULL,"
    "  office_code TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  n_records INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE records("
    "  seq INTEGER PRIMARY KEY,"
    "  record_id TEXT NOT NULL UNIQUE,"
    "  supersedes TEXT,"
    "  superseded_by TEXT,"
    "  office_code TEXT NOT NULL,"
    "  division_code TEXT NOT NULL,"
    "  type INTEGER NOT NULL,"
    "  year INTEGER NOT NULL,"
    "  period INTEGER NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  body BLOB NOT NULL,"
    "  batch INTEGER REFERENCES batches(id),"
    "  received_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX records_current_year ON records(year) WHERE superseded_by IS NULL;",
    /* 1 -> 2: the audit trail (see rs_store.h for the chain). */
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY,"
    "  time INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  office TEXT NOT NULL,"
    "  peer TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL"
    ") STRICT;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == RS_STORE_SCHEMA_VERSION,
               "one migration step per schema version");

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_BATCH_INSERT,
    ST_REC_INSERT,
    ST_REC_GET,
    ST_REC_TARGET,
    ST_REC_NEXT,
    ST_REC_MARK,
    ST_REC_COUNT,
    ST_REC_SCAN,
    ST_OFFICE_ADD,
    ST_OFFICE_GET,
    ST_OFFICE_REVOKE,
    ST_OFFICE_LIST,
    ST_AUDIT_LAST,
    ST_AUDIT_INSERT,
    ST_AUDIT_SCAN,
    ST_N
};

static const char *const stmt_sql[ST_N] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_BATCH_INSERT] = "INSERT INTO batches(batch_id, office_code, received_at, n_records)"
                        " VALUES(?1, ?2, ?3, ?4)",
    [ST_REC_INSERT] = "INSERT INTO records(record_id, supersedes, office_code, division_code,"
                      " type, year, period, hash, body, batch, received_at)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                      " ON CONFLICT(record_id) DO NOTHING",
    [ST_REC_GET] = "SELECT seq, hash FROM records WHERE record_id = ?1",
    [ST_REC_TARGET] = "SELECT type, division_code, superseded_by FROM records"
                      " WHERE record_id = ?1",
    [ST_REC_NEXT] = "SELECT superseded_by FROM records WHERE record_id = ?1",
    [ST_REC_MARK] = "UPDATE records SET superseded_by = ?1"
                    " WHERE record_id = ?2 AND superseded_by IS NULL",
    [ST_REC_COUNT] = "SELECT (SELECT count(*) FROM records),"
                     " (SELECT count(*) FROM records WHERE superseded_by IS NULL)",
    [ST_REC_SCAN] = "SELECT body FROM records"
                    " WHERE year = ?1 AND superseded_by IS NULL"
                    " AND (?2 IS NULL OR division_code = ?2) ORDER BY seq",
    [ST_OFFICE_ADD] = "INSERT INTO offices(code, name, role, token_hash, revoked, created_at)"
                      " VALUES(?1, ?2, ?3, ?4, 0, ?5) ON CONFLICT(code) DO NOTHING",
    [ST_OFFICE_GET] = "SELECT name, role, token_hash, revoked, created_at FROM offices"
                      " WHERE code = ?1",
    [ST_OFFICE_REVOKE] = "UPDATE offices SET revoked = 1 WHERE code = ?1",
    [ST_OFFICE_LIST] = "SELECT code, name, role, revoked, created_at FROM offices ORDER BY code",
    [ST_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
    [ST_AUDIT_INSERT] = "INSERT INTO audit(seq, time, kind, office, peer, detail, prev_hash, hash)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_AUDIT_SCAN] = "SELECT seq, time, kind, office, peer, detail, prev_hash, hash FROM audit"
                      " ORDER BY seq",
};

struct rs_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_N];
    bool deferred;               /* rs_store_defer_sync: NORMAL unless asked */
    bool sync_full;              /* the connection's synchronous is FULL */
    EVP_MD *sha256;              /* fetched once, on first use */
    EVP_MD_CTX *md;              /* reused for every audit hash */
    /* The audit chain's last row as this transaction left it; only valid
     * inside the write transaction that appended it (another connection
     * may append between two transactions). */
    bool head_valid;
    int64_t head_seq;
    uint8_t head_hash[RS_SHA256_LEN];
    char errmsg[256];
    char actor[RS_AUDIT_PEER_MAX + 1];  /* peer of office-change audit rows */
};

/* A text field of an audit row, cleaned and cut (see clean_text). */
struct audit_text {
    char office[RS_AUDIT_OFFICE_MAX + 1];
    char peer[RS_AUDIT_PEER_MAX + 1];
    char detail[RS_AUDIT_DETAIL_MAX + 1];
};

/* What the database header and schema say about a file. */
struct db_header {
    int64_t app_id;
    int64_t version;
    int64_t n_objects;
};

/* One distinct (batch_id, office) pair of a put, and its batches row. */
struct batch_slot {
    size_t first;        /* index of the batch's first record */
    int64_t n_records;
    int64_t rowid;
};

/* ------------------------------------------------------------ helpers */

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void clear_err(char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
}

/* Copies at most cap - 1 bytes of src[0..n) and terminates. */
static void copy_text(char *dst, size_t cap, const unsigned char *src, int n)
{
    size_t len = (src && n > 0) ? (size_t)n : 0;

    if (len >= cap)
        len = cap - 1;
    if (len > 0)
        memcpy(dst, src, len);
    dst[len] = '\0';
}

/*
 * SQLite's primary codes that mean "the disk or the lock said no": the
 * commit may succeed later without any change to the data.
 */
static rs_status map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
        return RS_ESTORAGE;
    case SQLITE_NOTADB:
        return RS_ESCHEMA;
    default:
        return RS_EIO;
    }
}

/* Records SQLite's current message on the store and maps rc. */
static rs_status db_fail(struct rs_store *s, int rc, const char *what)
{
    snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, sqlite3_errmsg(s->db));
    return map_rc(rc);
}

/* Steps a statement that returns no rows, then resets it. */
static rs_status run_done(struct rs_store *s, enum stmt_id id, const char *what)
{
    rs_status rv = RS_OK;
    int rc = sqlite3_step(s->stmt[id]);

    if (rc != SQLITE_DONE)
        rv = db_fail(s, rc, what);
    sqlite3_reset(s->stmt[id]);
    return rv;
}

static bool hash_equal_ct(const uint8_t a[RS_SHA256_LEN], const uint8_t b[RS_SHA256_LEN])
{
    unsigned diff = 0;

    for (size_t i = 0; i < RS_SHA256_LEN; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0;
}

/* ------------------------------------------------------------ open */

static int open_db(const char *path, int flags, sqlite3 **db)
{
    int rc = sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_extended_result_codes(*db, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(*db, RS_STORE_BUSY_TIMEOUT_MS);
    return rc;
}

/* Formats the message for a failure on db (which may be NULL) at path. */
static rs_status path_fail(const char *path, sqlite3 *db, int rc, char *err, size_t errlen)
{
    if ((rc & 0xff) == SQLITE_NOTADB) {
        set_err(err, errlen, "%s: not a resettle database (not an SQLite file)", path);
        return RS_ESCHEMA;
    }
    set_err(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return map_rc(rc);
}

static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc != SQLITE_OK)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_INTERNAL;
    }
out:
    /* A failed step's message stays on db after finalize. */
    sqlite3_finalize(st);
    return rc;
}

static rs_status read_header(sqlite3 *db, const char *path, struct db_header *h, char *err,
                             size_t errlen)
{
    int rc = query_int(db, "PRAGMA application_id", &h->app_id);

    if (rc == SQLITE_OK)
        rc = query_int(db, "PRAGMA user_version", &h->version);
    if (rc == SQLITE_OK)
        rc = query_int(db, "SELECT count(*) FROM sqlite_master", &h->n_objects);
    if (rc != SQLITE_OK)
        return path_fail(path, db, rc, err, errlen);
    return RS_OK;
}

/*
 * Decides whether the file is ours.  A file with no application id, no
 * user_version and no schema objects is empty and may become ours (only
 * when need_current is false).
 */
static rs_status check_header(const char *path, const struct db_header *h, bool need_current,
                              char *err, size_t errlen)
{
    if (h->app_id != RS_STORE_APP_ID) {
        if (h->app_id == 0 && h->version == 0 && h->n_objects == 0 && !need_current)
            return RS_OK;
        set_err(err, errlen, "%s: not a resettle database (application_id 0x%08x, expected 0x%08x)",
                path, (unsigned)(uint32_t)h->app_id, (unsigned)RS_STORE_APP_ID);
        return RS_ESCHEMA;
    }
    if (h->version < 0) {
        set_err(err, errlen, "%s: schema version %lld is not valid", path,
                (long long)h->version);
        return RS_ESCHEMA;
    }
    if (h->version > RS_STORE_SCHEMA_VERSION) {
        set_err(err, errlen, "%s: schema version %lld is newer than this program (%d)", path,
                (long long)h->version, RS_STORE_SCHEMA_VERSION);
        return RS_ESCHEMA;
    }
    if (need_current && h->version < RS_STORE_SCHEMA_VERSION) {
        set_err(err, errlen,
                "%s: schema version %lld is older than this program (%d); "
                "open it read-write once to migrate",
                path, (long long)h->version, RS_STORE_SCHEMA_VERSION);
        return RS_ESCHEMA;
    }
    return RS_OK;
}

/* Looks at an existing file through a read-only connection. */
static rs_status inspect(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    struct db_header h;
    rs_status rv;
    int rc = open_db(path, SQLITE_OPEN_READONLY, &db);

    if (rc != SQLITE_OK) {
        rv = path_fail(path, db, rc, err, errlen);
        goto out;
    }
    rv = read_header(db, path, &h, err, errlen);
    if (rv)
        goto out;
    rv = check_header(path, &h, false, err, errlen);
out:
    sqlite3_close(db);
    return rv;
}

static rs_status exec_sql(sqlite3 *db, const char *path, const char *sql, char *err,
                          size_t errlen)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return path_fail(path, db, rc, err, errlen);
    return RS_OK;
}

static rs_status set_pragmas(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    const char *mode;
    rs_status rv;
    int rc;

    rv = exec_sql(db, path, "PRAGMA foreign_keys=ON", err, errlen);
    if (rv)
        goto out;
    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rv = path_fail(path, db, rc, err, errlen);
        goto out;
    }
    /* An in-memory database reports "memory"; a file must really be in WAL. */
    mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
        set_err(err, errlen, "%s: could not switch to WAL mode (journal_mode is %s)", path,
                mode ? mode : "unknown");
        rv = RS_ESTORAGE;
        goto out;
    }
    rv = exec_sql(db, path, "PRAGMA synchronous=FULL", err, errlen);
out:
    sqlite3_finalize(st);
    return rv;
}

/* Applies migration steps, one transaction each, until the schema is current. */
static rs_status migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    struct db_header h;
    char sql[96];
    rs_status rv = RS_OK;

    for (;;) {
        rv = exec_sql(db, path, "BEGIN IMMEDIATE", err, errlen);
        if (rv)
            goto out;
        /* Re-read inside the write transaction: another process may have
         * migrated (or replaced) the file since the inspection. */
        rv = read_header(db, path, &h, err, errlen);
        if (rv)
            goto out;
        rv = check_header(path, &h, false, err, errlen);
        if (rv)
            goto out;
        if (h.version == RS_STORE_SCHEMA_VERSION) {
            rv = exec_sql(db, path, "COMMIT", err, errlen);
            goto out;
        }
        rv = exec_sql(db, path, migrations[h.version], err, errlen);
        if (rv)
            goto out;
        snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d",
                 RS_STORE_APP_ID, (int)h.version + 1);
        rv = exec_sql(db, path, sql, err, errlen);
        if (rv)
            goto out;
        rv = exec_sql(db, path, "COMMIT", err, errlen);
        if (rv)
            goto out;
    }
out:
    if (rv && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rv;
}

rs_status rs_store_open(const char *path, enum rs_store_mode mode, struct rs_store **out,
                        char *err, size_t errlen)
{
    struct rs_store *s = NULL;
    struct db_header h;
    struct stat sb;
    bool is_present;
    rs_status rv = RS_OK;
    int rc;

    clear_err(err, errlen);
    if (!out)
        return RS_EINVAL;
    *out = NULL;
    if (!path || !path[0] || (mode != RS_STORE_READWRITE && mode != RS_STORE_READONLY)) {
        set_err(err, errlen, "rs_store_open: no path or bad mode");
        return RS_EINVAL;
    }
    if (stat(path, &sb) == 0) {
        is_present = true;
    } else if (errno == ENOENT) {
        is_present = false;
    } else {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        return RS_EIO;
    }
    if (!is_present && mode == RS_STORE_READONLY) {
        set_err(err, errlen, "%s: no such database file", path);
        return RS_ENOTFOUND;
    }
    if (is_present && mode == RS_STORE_READWRITE) {
        rv = inspect(path, err, errlen);
        if (rv)
            return rv;
    }

    s = calloc(1, sizeof(*s));
    if (!s) {
        set_err(err, errlen, "%s: out of memory", path);
        return RS_ENOMEM;
    }
    snprintf(s->actor, sizeof(s->actor), "local");
    s->sync_full = true;         /* set_pragmas */
    rc = open_db(path,
                 mode == RS_STORE_READONLY ? SQLITE_OPEN_READONLY
                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                 &s->db);
    if (rc != SQLITE_OK) {
        rv = path_fail(path, s->db, rc, err, errlen);
        goto out;
    }
    if (mode == RS_STORE_READWRITE) {
        rv = set_pragmas(s->db, path, err, errlen);
        if (rv)
            goto out;
        rv = migrate(s->db, path, err, errlen);
        if (rv)
            goto out;
    } else {
        rv = read_header(s->db, path, &h, err, errlen);
        if (rv)
            goto out;
        rv = check_header(path, &h, true, err, errlen);
        if (rv)
            goto out;
        rv = exec_sql(s->db, path, "PRAGMA foreign_keys=ON", err, errlen);
        if (rv)
            goto out;
    }
    for (int i = 0; i < ST_N; i++) {
        rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            rv = path_fail(path, s->db, rc, err, errlen);
            goto out;
        }
    }
out:
    if (rv) {
        /* A close that fails here would only leak; the open error matters more. */
        (void)rs_store_close(s);
        return rv;
    }
    *out = s;
    return RS_OK;
}

rs_status rs_store_close(struct rs_store *s)
{
    rs_status rv = RS_OK;

    if (!s)
        return RS_OK;
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(s->stmt[i]);
    EVP_MD_CTX_free(s->md);
    EVP_MD_free(s->sha256);
    if (s->db && sqlite3_close(s->db) != SQLITE_OK) {
        rv = RS_EIO;
        /* Let SQLite free the connection once whatever still holds it goes. */
        sqlite3_close_v2(s->db);
    }
    free(s);
    return rv;
}

const char *rs_store_errmsg(const struct rs_store *s)
{
    return s ? s->errmsg : "no store";
}

rs_status rs_store_set_busy_timeout(struct rs_store *s, int ms)
{
    int rc;

    if (!s || ms < 0)
        return RS_EINVAL;
    rc = sqlite3_busy_timeout(s->db, ms);
    if (rc != SQLITE_OK)
        return db_fail(s, rc, "busy_timeout");
    return RS_OK;
}

/* ------------------------------------------------------------ audit trail */

const char *rs_audit_kind_name(enum rs_audit_kind kind)
{
    switch (kind) {
    case RS_AUDIT_BATCH: return "batch";
    case RS_AUDIT_HANDSHAKE_REFUSED: return "handshake_refused";
    case RS_AUDIT_OFFICE_ADD: return "office_add";
    case RS_AUDIT_OFFICE_REVOKE: return "office_revoke";
    }
    return "unknown";
}

/*
 * Copies in into out (cap bytes + NUL): control characters and bytes of
 * invalid UTF-8 become '?', and the copy is cut at cap without splitting a
 * UTF-8 sequence.  NULL becomes "".
 */
static void clean_text(char *out, size_t cap, const char *in)
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
    if (!s->sha256 || !s->md || !EVP_DigestInit_ex2(s->md, s->sha256, NULL))
        return NULL;
    return s->md;
}

/* BEGIN IMMEDIATE; the cached chain head is not trusted past it. */
static rs_status begin_tx(struct rs_store *s)
{
    s->head_valid = false;
    return run_done(s, ST_BEGIN, "BEGIN IMMEDIATE");
}

/* The chain hash of one row: SHA-256(prev || canonical bytes), see rs_store.h. */
static rs_status audit_row_hash(struct rs_store *s, const uint8_t prev[RS_SHA256_LEN],
                                int64_t seq, int64_t time,
                                const char *kind, size_t kind_len, const char *office,
                                size_t office_len, const char *peer, size_t peer_len,
                                const char *detail, size_t detail_len,
                                uint8_t out[RS_SHA256_LEN])
{
    EVP_MD_CTX *md = digest_begin(s);
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

/*
 * Appends one row inside the caller's open write transaction, chained to
 * the newest row.  A head whose hash is not 32 bytes (damaged by hand) is
 * chained through SHA-256 of whatever it holds, so appending goes on and
 * rs_store_audit_verify names the damaged row.
 */
static rs_status audit_append_tx(struct rs_store *s, int64_t now, enum rs_audit_kind kind,
                                 const char *office, const char *peer, const char *detail,
                                 uint64_t *seq_out, uint8_t hash_out[RS_SHA256_LEN])
{
    sqlite3_stmt *st = s->stmt[ST_AUDIT_LAST];
    struct audit_text t;
    const char *kname = rs_audit_kind_name(kind);
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
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int len = sqlite3_column_bytes(st, 1);
        const void *blob = sqlite3_column_blob(st, 1);

        seq = sqlite3_column_int64(st, 0) + 1;
        if (len == RS_SHA256_LEN)
            memcpy(prev, blob, RS_SHA256_LEN);
        else
            rs_sha256(blob ? blob : "", (size_t)(len > 0 ? len : 0), prev);
    } else if (rc != SQLITE_DONE) {
        rv = db_fail(s, rc, "reading the audit chain");
    }
    sqlite3_reset(st);
    if (rv)
        return rv;
have_prev:
    clean_text(t.office, RS_AUDIT_OFFICE_MAX, office);
    clean_text(t.peer, RS_AUDIT_PEER_MAX, peer);
    clean_text(t.detail, RS_AUDIT_DETAIL_MAX, detail);
    rv = audit_row_hash(s, prev, seq, now, kname, strlen(kname), t.office, strlen(t.office),
                        t.peer, strlen(t.peer), t.detail, strlen(t.detail), hash);
    if (rv) {
        snprintf(s->errmsg, sizeof(s->errmsg), "cannot hash an audit row");
        return rv;
    }
    st = s->stmt[ST_AUDIT_INSERT];
    rc = sqlite3_bind_int64(st, 1, seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 3, kname, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 4, t.office, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, t.peer, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 6, t.detail, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 7, prev, RS_SHA256_LEN, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 8, hash, RS_SHA256_LEN, SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) {
        sqlite3_reset(st);
        return db_fail(s, rc, "appending to the audit trail");
    }
    rv = run_done(s, ST_AUDIT_INSERT, "appending to the audit trail");
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

/* Rolls back the open transaction (if SQLite has not already). */
static void rollback(struct rs_store *s)
{
    for (int i = 0; i < ST_N; i++)
        sqlite3_reset(s->stmt[i]);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_step(s->stmt[ST_ROLLBACK]);
    sqlite3_reset(s->stmt[ST_ROLLBACK]);
}

void rs_store_set_actor(struct rs_store *s, const char *actor)
{
    if (s)
        clean_text(s->actor, RS_AUDIT_PEER_MAX, actor ? actor : "local");
}

rs_status rs_store_audit_append(struct rs_store *s, enum rs_audit_kind kind, const char *office,
                                const char *peer, const char *detail, uint64_t *seq,
                                uint8_t hash[RS_SHA256_LEN])
{
    rs_status rv;

    if (!s || (unsigned)kind > RS_AUDIT_OFFICE_REVOKE)
        return RS_EINVAL;
    rv = begin_tx(s);
    if (rv)
        return rv;
    rv = audit_append_tx(s, rs_now_unix(), kind, office, peer, detail, seq, hash);
    if (rv == RS_OK)
        rv = run_done(s, ST_COMMIT, "COMMIT");
    if (rv)
        rollback(s);
    return rv;
}

/* Copies column col of st into out (cap bytes + NUL). */
static void column_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    copy_text(out, cap + 1, sqlite3_column_text(st, col), sqlite3_column_bytes(st, col));
}

rs_status rs_store_audit_verify(struct rs_store *s, uint64_t *rows, uint64_t *broken, char *why,
                                size_t whylen)
{
    sqlite3_stmt *st;
    uint8_t prev[RS_SHA256_LEN], want[RS_SHA256_LEN];
    int64_t expect = 1;
    rs_status rv = RS_OK;
    int rc;

    clear_err(why, whylen);
    if (rows)
        *rows = 0;
    if (broken)
        *broken = 0;
    if (!s)
        return RS_EINVAL;
    memset(prev, 0, sizeof(prev));
    st = s->stmt[ST_AUDIT_SCAN];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        const char *f[4];
        size_t fl[4];

        if (seq != expect) {
            if (broken)
                *broken = (uint64_t)expect;
            set_err(why, whylen, "row %lld is missing (the next row is %lld)",
                    (long long)expect, (long long)seq);
            rv = RS_ECONFLICT;
            break;
        }
        if (sqlite3_column_bytes(st, 6) != RS_SHA256_LEN ||
            memcmp(sqlite3_column_blob(st, 6), prev, RS_SHA256_LEN) != 0) {
            if (broken)
                *broken = (uint64_t)seq;
            if (expect == 1)
                set_err(why, whylen, "prev_hash of the first row is not all zero");
            else
                set_err(why, whylen, "prev_hash is not the hash of row %lld",
                        (long long)(expect - 1));
            rv = RS_ECONFLICT;
            break;
        }
        for (int i = 0; i < 4; i++) {
            f[i] = (const char *)sqlite3_column_text(st, 2 + i);
            fl[i] = (size_t)sqlite3_column_bytes(st, 2 + i);
            if (!f[i])
                f[i] = "";
        }
        rv = audit_row_hash(s, prev, seq, sqlite3_column_int64(st, 1), f[0], fl[0], f[1], fl[1],
                            f[2], fl[2], f[3], fl[3], want);
        if (rv) {
            set_err(why, whylen, "cannot hash row %lld", (long long)seq);
            break;
        }
        if (sqlite3_column_bytes(st, 7) != RS_SHA256_LEN ||
            memcmp(sqlite3_column_blob(st, 7), want, RS_SHA256_LEN) != 0) {
            if (broken)
                *broken = (uint64_t)seq;
            set_err(why, whylen, "hash does not match the row's contents "
                                 "(seq, time, kind, office, peer or detail changed)");
            rv = RS_ECONFLICT;
            break;
        }
        memcpy(prev, want, RS_SHA256_LEN);
        expect++;
    }
    if (rv == RS_OK && rc != SQLITE_DONE) {
        rv = db_fail(s, rc, "reading the audit trail");
        set_err(why, whylen, "%s", s->errmsg);
    }
    sqlite3_reset(st);
    if (rv == RS_OK && rows)
        *rows = (uint64_t)(expect - 1);
    return rv;
}

rs_status rs_store_audit_list(struct rs_store *s,
                              int (*fn)(const struct rs_audit_row *row, void *arg), void *arg)
{
    sqlite3_stmt *st;
    struct rs_audit_row *r;
    rs_status rv = RS_OK;
    int rc;

    if (!s || !fn)
        return RS_EINVAL;
    r = malloc(sizeof(*r));
    if (!r)
        return RS_ENOMEM;
    st = s->stmt[ST_AUDIT_SCAN];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(r, 0, sizeof(*r));
        r->seq = (uint64_t)sqlite3_column_int64(st, 0);
        r->time = sqlite3_column_int64(st, 1);
        column_text(st, 2, r->kind, sizeof(r->kind) - 1);
        column_text(st, 3, r->office, RS_AUDIT_OFFICE_MAX);
        column_text(st, 4, r->peer, RS_AUDIT_PEER_MAX);
        column_text(st, 5, r->detail, RS_AUDIT_DETAIL_MAX);
        if (sqlite3_column_bytes(st, 6) == RS_SHA256_LEN)
            memcpy(r->prev_hash, sqlite3_column_blob(st, 6), RS_SHA256_LEN);
        if (sqlite3_column_bytes(st, 7) == RS_SHA256_LEN)
            memcpy(r->hash, sqlite3_column_blob(st, 7), RS_SHA256_LEN);
        if (fn(r, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        rv = db_fail(s, rc, "listing the audit trail");
    sqlite3_reset(st);
    free(r);
    return rv;
}

/* ------------------------------------------------------------ offices */

rs_status rs_store_office_add(struct rs_store *s, const char *code, const char *name,
                              Rs__Role role, char token[RS_TOKEN_HEX + 1])
{
    sqlite3_stmt *st;
    uint8_t raw[RS_TOKEN_HEX / 2];
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

    rv = rs_random_bytes(raw, sizeof(raw));
    if (rv)
        goto out;
    rs_hex(raw, sizeof(raw), hex);
    rs_sha256(hex, RS_TOKEN_HEX, hash);
    now = rs_now_unix();

    rv = begin_tx(s);
    if (rv)
        goto out;
    in_tx = true;
    st = s->stmt[ST_OFFICE_ADD];
    rc = sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, name, (int)name_len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)role);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 4, hash, (int)sizeof(hash), SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 5, now);
    if (rc != SQLITE_OK) {
        rv = db_fail(s, rc, "adding office");
        sqlite3_reset(st);
        goto out;
    }
    rv = run_done(s, ST_OFFICE_ADD, "adding office");
    if (rv)
        goto out;
    if (sqlite3_changes(s->db) == 0) {
        rv = RS_EDUP;
        goto out;
    }
    snprintf(detail, sizeof(detail), "office %s added: role %s, name %.*s", code,
             role == RS__ROLE__ROLE_CENTRAL ? "central" : "township", (int)name_len, name);
    rv = audit_append_tx(s, now, RS_AUDIT_OFFICE_ADD, code, s->actor, detail, NULL, NULL);
    if (rv)
        goto out;
    rv = run_done(s, ST_COMMIT, "COMMIT");
    if (rv)
        goto out;
    in_tx = false;
    memcpy(token, hex, sizeof(hex));
out:
    if (in_tx)
        rollback(s);
    explicit_bzero(raw, sizeof(raw));
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
    rv = begin_tx(s);
    if (rv)
        return rv;
    rc = sqlite3_bind_text(s->stmt[ST_OFFICE_REVOKE], 1, code, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rv = db_fail(s, rc, "revoking office");
        goto out;
    }
    rv = run_done(s, ST_OFFICE_REVOKE, "revoking office");
    if (rv)
        goto out;
    if (sqlite3_changes(s->db) == 0) {
        rv = RS_ENOTFOUND;
        goto out;
    }
    snprintf(detail, sizeof(detail), "office %s revoked", code);
    rv = audit_append_tx(s, rs_now_unix(), RS_AUDIT_OFFICE_REVOKE, code, s->actor, detail,
                         NULL, NULL);
    if (rv == RS_OK)
        rv = run_done(s, ST_COMMIT, "COMMIT");
out:
    if (rv)
        rollback(s);
    return rv;
}

rs_status rs_store_office_auth(struct rs_store *s, const char *code, const char *token,
                               struct rs_office *out)
{
    sqlite3_stmt *st;
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
        st = s->stmt[ST_OFFICE_GET];
        rc = sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            is_found = true;
            copy_text(o.code, sizeof(o.code), (const unsigned char *)code, (int)strlen(code));
            copy_text(o.name, sizeof(o.name), sqlite3_column_text(st, 0),
                      sqlite3_column_bytes(st, 0));
            o.role = (Rs__Role)sqlite3_column_int(st, 1);
            if (sqlite3_column_bytes(st, 2) == RS_SHA256_LEN)
                memcpy(stored, sqlite3_column_blob(st, 2), RS_SHA256_LEN);
            else
                is_found = false;
            o.revoked = sqlite3_column_int64(st, 3) != 0;
            o.created_at = sqlite3_column_int64(st, 4);
        } else if (rc != SQLITE_DONE) {
            rv = db_fail(s, rc, "checking token");
        }
        sqlite3_reset(st);
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
    sqlite3_stmt *st;
    struct rs_office o;
    rs_status rv = RS_OK;
    int rc;

    if (!s || !fn)
        return RS_EINVAL;
    st = s->stmt[ST_OFFICE_LIST];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&o, 0, sizeof(o));
        copy_text(o.code, sizeof(o.code), sqlite3_column_text(st, 0),
                  sqlite3_column_bytes(st, 0));
        copy_text(o.name, sizeof(o.name), sqlite3_column_text(st, 1),
                  sqlite3_column_bytes(st, 1));
        o.role = (Rs__Role)sqlite3_column_int(st, 2);
        o.revoked = sqlite3_column_int64(st, 3) != 0;
        o.created_at = sqlite3_column_int64(st, 4);
        if (fn(&o, arg) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        rv = db_fail(s, rc, "listing offices");
    sqlite3_reset(st);
    return rv;
}

/* ------------------------------------------------------------ records */

static bool same_batch(const struct rs_store_rec *a, const struct rs_store_rec *b)
{
    return strcmp(a->batch_id, b->batch_id) == 0 && strcmp(a->office_code, b->office_code) == 0;
}

/*
 * Groups the records of a put by (batch_id, office).  slot_of[i] is the
 * slot of record i, or SIZE_MAX when it has no batch_id.  Records of one
 * batch usually come together, so the previous record's slot is tried
 * first.
 */
static void plan_batches(const struct rs_store_rec *recs, size_t n, struct batch_slot *slots,
                         size_t *nslots, size_t *slot_of)
{
    size_t k;

    *nslots = 0;
    for (size_t i = 0; i < n; i++) {
        if (!recs[i].batch_id) {
            slot_of[i] = SIZE_MAX;
            continue;
        }
        if (i > 0 && slot_of[i - 1] != SIZE_MAX &&
            same_batch(&recs[slots[slot_of[i - 1]].first], &recs[i])) {
            k = slot_of[i - 1];
        } else {
            for (k = 0; k < *nslots; k++)
                if (same_batch(&recs[slots[k].first], &recs[i]))
                    break;
            if (k == *nslots) {
                slots[k].first = i;
                slots[k].n_records = 0;
                slots[k].rowid = 0;
                (*nslots)++;
            }
        }
        slots[k].n_records++;
        slot_of[i] = k;
    }
}

static rs_status insert_batches(struct rs_store *s, const struct rs_store_rec *recs,
                                struct batch_slot *slots, size_t nslots, int64_t now)
{
    sqlite3_stmt *st = s->stmt[ST_BATCH_INSERT];
    const struct rs_store_rec *r;
    rs_status rv;
    int rc;

    for (size_t k = 0; k < nslots; k++) {
        r = &recs[slots[k].first];
        rc = sqlite3_bind_text(st, 1, r->batch_id, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(st, 2, r->office_code, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(st, 3, now);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(st, 4, slots[k].n_records);
        if (rc != SQLITE_OK) {
            sqlite3_reset(st);
            return db_fail(s, rc, "recording batch");
        }
        rv = run_done(s, ST_BATCH_INSERT, "recording batch");
        if (rv)
            return rv;
        slots[k].rowid = sqlite3_last_insert_rowid(s->db);
    }
    return RS_OK;
}

/*
 * Looks up an existing row with r's id and, if there is one, decides
 * DUPLICATE or CONFLICT.  *is_found says whether there was a row.
 */
static rs_status judge_existing(struct rs_store *s, struct rs_store_rec *r, bool *is_found)
{
    sqlite3_stmt *st = s->stmt[ST_REC_GET];
    rs_status rv = RS_OK;
    int rc;

    *is_found = false;
    rc = sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *is_found = true;
        if (sqlite3_column_bytes(st, 1) == RS_SHA256_LEN &&
            memcmp(sqlite3_column_blob(st, 1), r->hash, RS_SHA256_LEN) == 0) {
            r->ack = RS__ACK_STATUS__ACK_DUPLICATE;
            r->seq = (uint64_t)sqlite3_column_int64(st, 0);
        } else {
            r->ack = RS__ACK_STATUS__ACK_CONFLICT;
            snprintf(r->reason, sizeof(r->reason), "same id, different content");
        }
    } else if (rc != SQLITE_DONE) {
        rv = db_fail(s, rc, "looking up record");
    }
    sqlite3_reset(st);
    return rv;
}

/* Follows superseded_by links from id to the current version, into cur. */
static rs_status current_version(struct rs_store *s, const char *id, char *cur, size_t cap)
{
    sqlite3_stmt *st = s->stmt[ST_REC_NEXT];
    char next[RS_STORE_ID_MAX_BYTES + 1];
    rs_status rv = RS_OK;
    int rc;

    copy_text(cur, cap, (const unsigned char *)id, (int)strnlen(id, cap));
    for (int hop = 0; hop < RS_SUPERSEDE_HOPS_MAX; hop++) {
        next[0] = '\0';
        rc = sqlite3_bind_text(st, 1, cur, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            copy_text(next, sizeof(next), sqlite3_column_text(st, 0),
                      sqlite3_column_bytes(st, 0));
        else if (rc != SQLITE_DONE)
            rv = db_fail(s, rc, "following versions");
        sqlite3_reset(st);
        if (rv || next[0] == '\0')
            break;
        copy_text(cur, cap, (const unsigned char *)next, (int)strlen(next));
    }
    return rv;
}

/*
 * Checks the row r supersedes.  Leaves r->ack unset when r may be stored;
 * sets REJECTED or CONFLICT with a reason otherwise.
 */
static rs_status check_target(struct rs_store *s, struct rs_store_rec *r)
{
    sqlite3_stmt *st = s->stmt[ST_REC_TARGET];
    char next[RS_STORE_ID_MAX_BYTES + 1];
    char cur[RS_STORE_ID_MAX_BYTES + 1];
    rs_status rv = RS_OK;
    int rc;

    next[0] = '\0';
    rc = sqlite3_bind_text(st, 1, r->supersedes, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        r->ack = RS__ACK_STATUS__ACK_REJECTED;
        snprintf(r->reason, sizeof(r->reason), "supersedes unknown record %s", r->supersedes);
    } else if (rc == SQLITE_ROW) {
        const char *div = (const char *)sqlite3_column_text(st, 1);

        if (sqlite3_column_int64(st, 0) != (sqlite3_int64)r->type) {
            r->ack = RS__ACK_STATUS__ACK_REJECTED;
            snprintf(r->reason, sizeof(r->reason),
                     "supersedes record %s of another type", r->supersedes);
        } else if (!div || strcmp(div, r->division_code) != 0) {
            r->ack = RS__ACK_STATUS__ACK_REJECTED;
            snprintf(r->reason, sizeof(r->reason),
                     "supersedes record %s of another division (%.16s)", r->supersedes,
                     div ? div : "");
        } else if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            copy_text(next, sizeof(next), sqlite3_column_text(st, 2),
                      sqlite3_column_bytes(st, 2));
        }
    } else {
        rv = db_fail(s, rc, "looking up superseded record");
    }
    sqlite3_reset(st);
    if (rv || next[0] == '\0')
        return rv;

    rv = current_version(s, next, cur, sizeof(cur));
    if (rv)
        return rv;
    r->ack = RS__ACK_STATUS__ACK_CONFLICT;
    snprintf(r->reason, sizeof(r->reason), "supersedes a stale version; current is %.100s",
             cur);
    return RS_OK;
}

static int bind_record(sqlite3_stmt *st, const struct rs_store_rec *r, bool has_supersedes,
                       size_t slot, const struct batch_slot *slots, int64_t now)
{
    static const uint8_t empty[1];
    int rc;

    rc = sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = has_supersedes ? sqlite3_bind_text(st, 2, r->supersedes, -1, SQLITE_STATIC)
                            : sqlite3_bind_null(st, 2);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 3, r->office_code, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 4, r->division_code, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)r->type);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 6, (sqlite3_int64)r->year);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 7, (sqlite3_int64)r->period);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 8, r->hash, RS_SHA256_LEN, SQLITE_STATIC);
    /* A NULL pointer would bind SQL NULL, and body is NOT NULL. */
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob64(st, 9, r->body_len ? r->body : empty,
                                 (sqlite3_uint64)r->body_len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = slot == SIZE_MAX ? sqlite3_bind_null(st, 10)
                              : sqlite3_bind_int64(st, 10, slots[slot].rowid);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 11, now);
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
    sqlite3_stmt *st = s->stmt[ST_REC_INSERT];
    bool has_supersedes = r->supersedes && r->supersedes[0];
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
    if (rc != SQLITE_OK) {
        sqlite3_reset(st);
        return db_fail(s, rc, "storing record");
    }
    rv = run_done(s, ST_REC_INSERT, "storing record");
    if (rv)
        return rv;
    if (sqlite3_changes(s->db) == 0) {
        rv = judge_existing(s, r, &is_found);
        if (rv == RS_OK && !is_found) {
            snprintf(s->errmsg, sizeof(s->errmsg), "record %s neither inserted nor present",
                     r->id);
            rv = RS_EINTERNAL;
        }
        return rv;
    }
    r->ack = RS__ACK_STATUS__ACK_STORED;
    r->seq = (uint64_t)sqlite3_last_insert_rowid(s->db);
    if (!has_supersedes)
        return RS_OK;

    st = s->stmt[ST_REC_MARK];
    rc = sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, r->supersedes, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        sqlite3_reset(st);
        return db_fail(s, rc, "marking superseded record");
    }
    rv = run_done(s, ST_REC_MARK, "marking superseded record");
    if (rv)
        return rv;
    if (sqlite3_changes(s->db) != 1) {
        snprintf(s->errmsg, sizeof(s->errmsg), "record %s was superseded under the transaction",
                 r->supersedes);
        return RS_EINTERNAL;
    }
    return RS_OK;
}

static void reset_ack(struct rs_store_rec *r)
{
    r->ack = RS__ACK_STATUS__ACK_UNSPECIFIED;
    r->seq = 0;
    r->reason[0] = '\0';
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

/* Appends the audit row of one batch whose records are judged (see rs_store.h). */
static rs_status audit_batch(struct rs_store *s, const struct rs_store_rec *recs,
                             struct rs_store_batch *b, int64_t now)
{
    EVP_MD_CTX *md = digest_begin(s);
    uint8_t digest[RS_SHA256_LEN];
    char hex[2 * RS_SHA256_LEN + 1], bid[72], detail[RS_AUDIT_DETAIL_MAX + 1];
    size_t cnt[5] = {0};
    unsigned int dlen = 0;
    int ok = md != NULL;

    for (size_t i = b->first; ok && i < b->first + b->n; i++) {
        const struct rs_store_rec *r = &recs[i];
        const char *w = ack_word(r->ack);

        rs_hex(r->hash, RS_SHA256_LEN, hex);
        ok = EVP_DigestUpdate(md, r->id, strlen(r->id)) && EVP_DigestUpdate(md, " ", 1) &&
             EVP_DigestUpdate(md, hex, 2 * RS_SHA256_LEN) && EVP_DigestUpdate(md, " ", 1) &&
             EVP_DigestUpdate(md, w, strlen(w)) && EVP_DigestUpdate(md, "\n", 1);
        cnt[(unsigned)r->ack <= 4 ? (unsigned)r->ack : 0]++;
    }
    if (ok)
        ok = EVP_DigestFinal_ex(md, digest, &dlen);
    if (!ok || dlen != RS_SHA256_LEN) {
        snprintf(s->errmsg, sizeof(s->errmsg), "cannot hash a batch");
        return RS_EINTERNAL;
    }
    rs_hex(digest, RS_SHA256_LEN, hex);
    clean_text(bid, 64, b->batch_id ? b->batch_id : "-");
    snprintf(detail, sizeof(detail),
             "batch %s: %zu records: %zu stored, %zu duplicate, %zu conflict, %zu rejected; "
             "records sha256 %s",
             bid, b->n + b->n_refused, cnt[RS__ACK_STATUS__ACK_STORED],
             cnt[RS__ACK_STATUS__ACK_DUPLICATE], cnt[RS__ACK_STATUS__ACK_CONFLICT],
             cnt[RS__ACK_STATUS__ACK_REJECTED] + b->n_refused, hex);
    return audit_append_tx(s, now, RS_AUDIT_BATCH, b->office_code, b->peer, detail,
                           &b->audit_seq, b->audit_hash);
}

rs_status rs_store_put(struct rs_store *s, struct rs_store_rec *recs, size_t n, char *err,
                       size_t errlen)
{
    return rs_store_put_batches(s, recs, n, NULL, 0, err, errlen);
}

rs_status rs_store_put_batches(struct rs_store *s, struct rs_store_rec *recs, size_t n,
                               struct rs_store_batch *batches, size_t nbatches, char *err,
                               size_t errlen)
{
    struct batch_slot *slots = NULL;
    size_t *slot_of = NULL;
    size_t nslots = 0;
    bool is_open = false;
    int64_t now;
    rs_status rv = RS_OK;

    clear_err(err, errlen);
    if (!s || (n > 0 && !recs) || (nbatches > 0 && !batches)) {
        set_err(err, errlen, "rs_store_put: no store or no records");
        return RS_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        reset_ack(&recs[i]);
    for (size_t i = 0; i < n; i++) {
        const struct rs_store_rec *r = &recs[i];

        if (!r->id || !r->id[0] || !r->office_code || !r->office_code[0] ||
            !r->division_code || !r->division_code[0] || (r->body_len > 0 && !r->body)) {
            set_err(err, errlen, "rs_store_put: record %zu lacks id, office, division or body",
                    i);
            return RS_EINVAL;
        }
    }
    for (size_t k = 0; k < nbatches; k++) {
        struct rs_store_batch *b = &batches[k];

        b->audit_seq = 0;
        memset(b->audit_hash, 0, sizeof(b->audit_hash));
        if (!b->office_code || !b->office_code[0] || b->first > n || b->n > n - b->first) {
            set_err(err, errlen, "rs_store_put: batch %zu lacks an office or lies outside "
                                 "the records", k);
            return RS_EINVAL;
        }
    }
    if (n == 0 && nbatches == 0)
        return RS_OK;

    slots = calloc(n ? n : 1, sizeof(*slots));
    slot_of = calloc(n ? n : 1, sizeof(*slot_of));
    if (!slots || !slot_of) {
        snprintf(s->errmsg, sizeof(s->errmsg), "out of memory for %zu records", n);
        rv = RS_ENOMEM;
        goto out;
    }
    plan_batches(recs, n, slots, &nslots, slot_of);
    now = rs_now_unix();

    rv = begin_tx(s);
    if (rv)
        goto out;
    is_open = true;
    rv = insert_batches(s, recs, slots, nslots, now);
    if (rv)
        goto out;
    for (size_t i = 0; i < n; i++) {
        rv = put_one(s, &recs[i], slot_of[i], slots, now);
        if (rv)
            goto out;
    }
    for (size_t k = 0; k < nbatches; k++) {
        rv = audit_batch(s, recs, &batches[k], now);
        if (rv)
            goto out;
    }
    rv = run_done(s, ST_COMMIT, "COMMIT");
out:
    if (rv) {
        /* Nothing of this call is durable: undo and make sure no ack says so. */
        if (is_open)
            rollback(s);
        for (size_t i = 0; i < n; i++)
            reset_ack(&recs[i]);
        for (size_t k = 0; k < nbatches; k++) {
            batches[k].audit_seq = 0;
            memset(batches[k].audit_hash, 0, sizeof(batches[k].audit_hash));
        }
        set_err(err, errlen, "%s", s->errmsg);
    }
    free(slots);
    free(slot_of);
    return rv;
}

rs_status rs_store_count(struct rs_store *s, uint64_t *all, uint64_t *current)
{
    sqlite3_stmt *st;
    rs_status rv = RS_OK;
    int rc;

    if (!s)
        return RS_EINVAL;
    st = s->stmt[ST_REC_COUNT];
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (all)
            *all = (uint64_t)sqlite3_column_int64(st, 0);
        if (current)
            *current = (uint64_t)sqlite3_column_int64(st, 1);
    } else {
        rv = db_fail(s, rc, "counting records");
    }
    sqlite3_reset(st);
    return rv;
}

rs_status rs_store_scan_year(struct rs_store *s, uint32_t year, const char *division,
                             int (*fn)(const uint8_t *body, size_t len, void *arg), void *arg)
{
    static const uint8_t empty[1];
    sqlite3_stmt *st;
    const uint8_t *body;
    rs_status rv = RS_OK;
    int len;
    int rc;

    if (!s || !fn)
        return RS_EINVAL;
    st = s->stmt[ST_REC_SCAN];
    rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)year);
    if (rc == SQLITE_OK)
        rc = division ? sqlite3_bind_text(st, 2, division, -1, SQLITE_STATIC)
                      : sqlite3_bind_null(st, 2);
    if (rc != SQLITE_OK) {
        rv = db_fail(s, rc, "scanning records");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        body = sqlite3_column_blob(st, 0);
        len = sqlite3_column_bytes(st, 0);
        if (fn(body ? body : empty, (size_t)len, arg) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        rv = db_fail(s, rc, "scanning records");
out:
    sqlite3_reset(st);
    return rv;
}

/* ------------------------------------------------------------ deferred sync */

struct rs_store_wal {
    int fd;
    dev_t dev;
    ino_t ino;
    char path[];                 /* "<db>-wal" */
};

static rs_status set_sync(struct rs_store *s, bool full)
{
    int rc;

    if (s->sync_full == full)
        return RS_OK;
    rc = sqlite3_exec(s->db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_fail(s, rc, "setting synchronous");
    s->sync_full = full;
    return RS_OK;
}

rs_status rs_store_defer_sync(struct rs_store *s, char *err, size_t errlen)
{
    rs_status rv = set_sync(s, false);

    if (rv) {
        set_err(err, errlen, "%s", s->errmsg);
        return rv;
    }
    s->deferred = true;
    return RS_OK;
}

rs_status rs_store_sync_next(struct rs_store *s, bool in_commit)
{
    if (!s->deferred)
        return RS_OK;
    return set_sync(s, in_commit);
}

static rs_status wal_reopen(struct rs_store_wal *w, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(w->path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0) {
        set_err(err, errlen, "%s: %s", w->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return RS_EIO;
    }
    if (w->fd >= 0)
        close(w->fd);
    w->fd = fd;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    return RS_OK;
}

rs_status rs_store_wal_open(const char *db_path, struct rs_store_wal **out, char *err,
                            size_t errlen)
{
    size_t n = strlen(db_path);
    struct rs_store_wal *w = malloc(sizeof(*w) + n + sizeof("-wal"));
    rs_status rv;

    *out = NULL;
    if (!w) {
        set_err(err, errlen, "out of memory");
        return RS_ENOMEM;
    }
    memcpy(w->path, db_path, n);
    memcpy(w->path + n, "-wal", sizeof("-wal"));
    w->fd = -1;
    rv = wal_reopen(w, err, errlen);
    if (rv) {
        free(w);
        return rv;
    }
    *out = w;
    return RS_OK;
}

rs_status rs_store_wal_sync(struct rs_store_wal *w, char *err, size_t errlen)
{
    struct stat st;
    rs_status rv;

    if (stat(w->path, &st) != 0 || st.st_dev != w->dev || st.st_ino != w->ino) {
        rv = wal_reopen(w, err, errlen);
        if (rv)
            return rv;
    }
    while (fdatasync(w->fd) != 0) {
        if (errno != EINTR) {
            set_err(err, errlen, "syncing %s: %s", w->path, strerror(errno));
            return RS_EIO;
        }
    }
    return RS_OK;
}

void rs_store_wal_close(struct rs_store_wal *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w);
}

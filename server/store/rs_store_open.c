/*
 * rs_store_open.c - opening the server's database: the schema and its
 * migrations, the checks that a file is ours, the pragmas, open and close,
 * the same schema on a connection of the caller's, and the process's SQLite
 * settings (rs_store_process_init).
 *
 * See rs_store.h for the contract.  An existing file is first inspected
 * through a separate read-only connection: a file we refuse is never
 * written to, not even by the switch to WAL or by the checkpoint SQLite
 * runs at close.
 *
 * Does not: run the store's statements (the other files of server/store/
 * do, rs_store_int.h says which), log, or know about connections or the
 * loop.  One store is used by one thread at a time (the connection is
 * opened with SQLITE_OPEN_NOMUTEX).
 */
#include "rs_store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RS_STORE_APP_ID 0x52534c31          /* 'RSL1', PRAGMA application_id */
#define RS_STORE_BUSY_TIMEOUT_MS 5000

/*
 * Schema migrations: step i takes user_version i to i + 1, in one
 * transaction together with the new user_version and application_id.
 * Steps are only ever appended.
 *
 * records has one secondary index besides the unique key on record_id: the
 * partial index on year over current rows, which serves rs_store_scan_year.
 * Its key (year, seq) grows at the end for new rows, so an insert adds to
 * the index's last page, which the page cache already holds.  An index on a
 * random key (a division, a household) would make each insert write a page
 * of its own somewhere in the index: once the index outgrows the cache, one
 * more page read and one more WAL frame per record.  The unique key on
 * record_id has that shape only as far as ids do; clients make time-ordered
 * ids (proto/README.md, "Ids and idempotency").
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
    /* 2 -> 3: the reporting year.  schedules holds each year's lines (type
     * a RecordType, townships "" for every township office or the codes
     * separated by one space), schedule_sets who set them and when.
     * reviews is append-only: a record's review state is its newest row.
     * A year is closed once it has an issue; year_reports keeps every
     * format of each issue's report byte for byte, and neither table
     * changes once written.  year_exceptions lets one division submit to a
     * closed year until a date; the close that re-issues the report ends
     * it (ended_issue). */
    "CREATE TABLE schedules("
    "  year INTEGER NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  type INTEGER NOT NULL,"
    "  period_kind INTEGER NOT NULL,"
    "  deadline_days INTEGER NOT NULL,"
    "  townships TEXT NOT NULL,"
    "  source_line INTEGER NOT NULL,"
    "  PRIMARY KEY(year, line)"
    ") STRICT;"
    "CREATE TABLE schedule_sets("
    "  year INTEGER PRIMARY KEY,"
    "  set_at INTEGER NOT NULL,"
    "  set_by TEXT NOT NULL,"
    "  lines INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE reviews("
    "  seq INTEGER PRIMARY KEY,"
    "  record_id TEXT NOT NULL,"
    "  action INTEGER NOT NULL,"
    "  comment TEXT NOT NULL,"
    "  reviewer TEXT NOT NULL,"
    "  at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX reviews_record ON reviews(record_id, seq);"
    "CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews"
    "  BEGIN SELECT RAISE(ABORT, 'review rows are append-only'); END;"
    "CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews"
    "  BEGIN SELECT RAISE(ABORT, 'review rows are append-only'); END;"
    "CREATE TABLE year_issues("
    "  year INTEGER NOT NULL,"
    "  issue INTEGER NOT NULL,"
    "  closed_at INTEGER NOT NULL,"
    "  closed_by TEXT NOT NULL,"
    "  framework_name TEXT NOT NULL,"
    "  framework_hash TEXT NOT NULL,"
    "  record_count INTEGER NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  PRIMARY KEY(year, issue)"
    ") STRICT;"
    "CREATE TABLE year_reports("
    "  year INTEGER NOT NULL,"
    "  issue INTEGER NOT NULL,"
    "  format INTEGER NOT NULL,"
    "  body BLOB NOT NULL,"
    "  sha256 BLOB NOT NULL,"
    "  PRIMARY KEY(year, issue, format),"
    "  FOREIGN KEY(year, issue) REFERENCES year_issues(year, issue)"
    ") STRICT;"
    "CREATE TRIGGER year_issues_no_update BEFORE UPDATE ON year_issues"
    "  BEGIN SELECT RAISE(ABORT, 'an issued report does not change'); END;"
    "CREATE TRIGGER year_issues_no_delete BEFORE DELETE ON year_issues"
    "  BEGIN SELECT RAISE(ABORT, 'an issued report does not change'); END;"
    "CREATE TRIGGER year_reports_no_update BEFORE UPDATE ON year_reports"
    "  BEGIN SELECT RAISE(ABORT, 'an issued report does not change'); END;"
    "CREATE TRIGGER year_reports_no_delete BEFORE DELETE ON year_reports"
    "  BEGIN SELECT RAISE(ABORT, 'an issued report does not change'); END;"
    "CREATE TABLE year_exceptions("
    "  seq INTEGER PRIMARY KEY,"
    "  year INTEGER NOT NULL,"
    "  division TEXT NOT NULL,"
    "  until INTEGER NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  granted_by TEXT NOT NULL,"
    "  granted_at INTEGER NOT NULL,"
    "  ended_issue INTEGER"
    ") STRICT;",
    /* 3 -> 4: record ids in one canonical form (rs_store_migrate_ids, a step
     * with code of its own: it reports what it cannot merge). */
    NULL,
    /* 4 -> 5: each batch names its audit row, so that the records can be
     * checked against the trail (rs_store_migrate_batch_links marks where
     * that check starts). */
    "ALTER TABLE batches ADD COLUMN audit_seq INTEGER;",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == RS_STORE_SCHEMA_VERSION,
               "one migration step per schema version");

/* A step that needs code, not only SQL: run after its SQL (if any), in its transaction. */
typedef rs_status (*migration_fn)(sqlite3 *db, const char *path, struct rs_store_notes *notes,
                                  char *err, size_t errlen);

/* The step that takes user_version `from` to from + 1, if it has code. */
static migration_fn migration_code(int64_t from)
{
    switch (from) {
    case 3: return rs_store_migrate_ids;
    case 4: return rs_store_migrate_batch_links;
    default: return NULL;
    }
}

/* What the database header and schema say about a file. */
struct db_header {
    int64_t app_id;
    int64_t version;
    int64_t n_objects;
};

rs_status rs_store_process_init(void)
{
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK ? RS_OK : RS_EBUSY;
}

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
        rs_store_set_err(err, errlen, "%s: not a resettle database (not an SQLite file)", path);
        return RS_ESCHEMA;
    }
    rs_store_set_err(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return rs_store_map_rc(rc);
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
        rs_store_set_err(err, errlen,
                         "%s: not a resettle database (application_id 0x%08x, expected 0x%08x)",
                         path, (unsigned)(uint32_t)h->app_id, (unsigned)RS_STORE_APP_ID);
        return RS_ESCHEMA;
    }
    if (h->version < 0) {
        rs_store_set_err(err, errlen, "%s: schema version %lld is not valid", path,
                         (long long)h->version);
        return RS_ESCHEMA;
    }
    if (h->version > RS_STORE_SCHEMA_VERSION) {
        rs_store_set_err(err, errlen, "%s: schema version %lld is newer than this program (%d)",
                         path, (long long)h->version, RS_STORE_SCHEMA_VERSION);
        return RS_ESCHEMA;
    }
    if (need_current && h->version < RS_STORE_SCHEMA_VERSION) {
        rs_store_set_err(err, errlen,
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
        rs_store_set_err(err, errlen, "%s: could not switch to WAL mode (journal_mode is %s)", path,
                         mode ? mode : "unknown");
        rv = RS_ESTORAGE;
        goto out;
    }
    rv = exec_sql(db, path, "PRAGMA synchronous=FULL", err, errlen);
out:
    sqlite3_finalize(st);
    return rv;
}

/* Applies migration steps, one transaction each, until the schema is current;
 * what a step reports goes to notes (may be NULL). */
static rs_status migrate(sqlite3 *db, const char *path, struct rs_store_notes *notes, char *err,
                         size_t errlen)
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
        if (migrations[h.version]) {
            rv = exec_sql(db, path, migrations[h.version], err, errlen);
            if (rv)
                goto out;
        }
        if (migration_code(h.version)) {
            rv = migration_code(h.version)(db, path, notes, err, errlen);
            if (rv)
                goto out;
        }
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

/* The schema version of a PostgreSQL database into *version: 0 for an
 * empty schema; RS_ESCHEMA if it holds tables but no resettle version. */
static rs_status pg_version(struct rs_store *s, int64_t *version, char *err, size_t errlen)
{
    int64_t n;
    bool present;

    *version = 0;
    if (rs_pg_query_int(s->pg,
                        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                        " AND tablename = 'schema_version'",
                        &n, &present) != SQLITE_OK)
        goto fail;
    if (n == 1) {
        if (rs_pg_query_int(s->pg, "SELECT max(version) FROM schema_version", version,
                            &present) != SQLITE_OK)
            goto fail;
        return RS_OK;
    }
    if (rs_pg_query_int(s->pg,
                        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
                        &n, &present) != SQLITE_OK)
        goto fail;
    if (n > 0) {
        rs_store_set_err(err, errlen,
                         "the PostgreSQL database holds tables but is not a resettle database"
                         " (no schema_version table)");
        return RS_ESCHEMA;
    }
    return RS_OK;
fail:
    rs_store_set_err(err, errlen, "PostgreSQL: %s", rs_pg_errmsg(s->pg));
    return rs_store_map_rc(rs_pg_errcode(s->pg));
}

/*
 * Drops the foreign key of records.batch from a PostgreSQL database made by
 * an earlier build (rs_store_pg_sql.c says why the schema has none).  Looked
 * up first: the ALTER locks the whole table, so it runs once, never again.
 */
static rs_status pg_drop_batch_key(struct rs_store *s, char *err, size_t errlen)
{
    int64_t n = 0;
    bool present;

    if (rs_pg_query_int(s->pg,
                        "SELECT count(*) FROM pg_constraint WHERE conname = 'records_batch_fkey'"
                        " AND conrelid = 'records'::regclass",
                        &n, &present) != SQLITE_OK ||
        (n > 0 &&
         rs_pg_exec(s->pg, "ALTER TABLE records DROP CONSTRAINT records_batch_fkey") != SQLITE_OK)) {
        rs_store_set_err(err, errlen, "PostgreSQL: %s", rs_pg_errmsg(s->pg));
        return rs_store_map_rc(rs_pg_errcode(s->pg));
    }
    return RS_OK;
}

/*
 * Creates the schema on an empty PostgreSQL database, or checks the one
 * there, under an advisory lock so that front-ends starting together create
 * it once.  PostgreSQL's schema starts at the current version; a database
 * at a newer one is refused (RS_ESCHEMA).
 */
static rs_status pg_migrate(struct rs_store *s, enum rs_store_mode mode, char *err,
                            size_t errlen)
{
    char sql[96];
    int64_t v = 0;
    rs_status rv;

    if (mode == RS_STORE_READWRITE &&
        rs_pg_exec(s->pg, "BEGIN; SELECT pg_advisory_xact_lock(" RS_STORE_PG_SCHEMA_LOCK ")") !=
            SQLITE_OK) {
        rs_store_set_err(err, errlen, "PostgreSQL: %s", rs_pg_errmsg(s->pg));
        return rs_store_map_rc(rs_pg_errcode(s->pg));
    }
    rv = pg_version(s, &v, err, errlen);
    if (rv)
        goto out;
    if (v == 0 && mode == RS_STORE_READWRITE) {
        snprintf(sql, sizeof(sql),
                 "CREATE TABLE schema_version(version BIGINT NOT NULL);"
                 " INSERT INTO schema_version VALUES(%d)",
                 RS_STORE_SCHEMA_VERSION);
        if (rs_pg_exec(s->pg, rs_store_pg_schema) != SQLITE_OK ||
            rs_pg_exec(s->pg, sql) != SQLITE_OK) {
            rs_store_set_err(err, errlen, "creating the schema on PostgreSQL: %s",
                             rs_pg_errmsg(s->pg));
            rv = rs_store_map_rc(rs_pg_errcode(s->pg));
            goto out;
        }
        v = RS_STORE_SCHEMA_VERSION;
    }
    if (v != RS_STORE_SCHEMA_VERSION) {
        rs_store_set_err(err, errlen,
                         v == 0 ? "the PostgreSQL database has no resettle schema yet"
                                : "the PostgreSQL database has resettle schema version %lld,"
                                  " this resettled knows %d",
                         (long long)v, RS_STORE_SCHEMA_VERSION);
        rv = RS_ESCHEMA;
        goto out;
    }
    if (mode == RS_STORE_READWRITE) {
        rv = pg_drop_batch_key(s, err, errlen);
        if (rv)
            goto out;
    }
    if (mode == RS_STORE_READWRITE && rs_pg_exec(s->pg, "COMMIT") != SQLITE_OK) {
        rs_store_set_err(err, errlen, "PostgreSQL: %s", rs_pg_errmsg(s->pg));
        rv = rs_store_map_rc(rs_pg_errcode(s->pg));
    }
out:
    if (rv && mode == RS_STORE_READWRITE)
        (void)rs_pg_exec(s->pg, "ROLLBACK");
    return rv;
}

/* rs_store_open on a PostgreSQL conninfo.  err never repeats the conninfo
 * (it may hold a password). */
static rs_status open_pg(const char *conninfo, enum rs_store_mode mode, struct rs_store **out,
                         char *err, size_t errlen)
{
    struct rs_store *s = calloc(1, sizeof(*s));
    char msg[256];
    rs_status rv;
    int rc;

    if (!s) {
        rs_store_set_err(err, errlen, "out of memory");
        return RS_ENOMEM;
    }
    snprintf(s->actor, sizeof(s->actor), "local");
    s->sync_full = true;         /* synchronous_commit = on */
    rc = rs_pg_connect(conninfo, &s->pg, msg, sizeof(msg));
    if (rc != SQLITE_OK) {
        rs_store_set_err(err, errlen, "cannot connect to the PostgreSQL database: %s", msg);
        rv = RS_ESTORAGE;
        goto out;
    }
    rv = pg_migrate(s, mode, err, errlen);
    if (rv)
        goto out;
    if (mode == RS_STORE_READONLY &&
        rs_pg_set_read_only(s->pg) != SQLITE_OK) {
        rs_store_set_err(err, errlen, "PostgreSQL: %s", rs_pg_errmsg(s->pg));
        rv = RS_ESTORAGE;
        goto out;
    }
    rc = rs_store_stmts_prepare(s);
    if (rc != SQLITE_OK) {
        rs_store_set_err(err, errlen, "preparing the store's statements on PostgreSQL: %s",
                         rs_pg_errmsg(s->pg));
        rv = rs_store_map_rc(rc);
    }
out:
    if (rv) {
        (void)rs_store_close(s);
        return rv;
    }
    *out = s;
    return RS_OK;
}

bool rs_store_is_pg(const struct rs_store *s)
{
    return s && s->pg;
}

bool rs_store_path_is_pg(const char *path)
{
    return rs_pg_is_conninfo(path);
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

    rs_store_clear_err(err, errlen);
    if (!out)
        return RS_EINVAL;
    *out = NULL;
    if (!path || !path[0] || (mode != RS_STORE_READWRITE && mode != RS_STORE_READONLY)) {
        rs_store_set_err(err, errlen, "rs_store_open: no path or bad mode");
        return RS_EINVAL;
    }
    if (rs_pg_is_conninfo(path))
        return open_pg(path, mode, out, err, errlen);
    if (stat(path, &sb) == 0) {
        is_present = true;
    } else if (errno == ENOENT) {
        is_present = false;
    } else {
        rs_store_set_err(err, errlen, "%s: %s", path, strerror(errno));
        return RS_EIO;
    }
    if (!is_present && mode == RS_STORE_READONLY) {
        rs_store_set_err(err, errlen, "%s: no such database file", path);
        return RS_ENOTFOUND;
    }
    if (is_present && mode == RS_STORE_READWRITE) {
        rv = inspect(path, err, errlen);
        if (rv)
            return rv;
    }

    s = calloc(1, sizeof(*s));
    if (!s) {
        rs_store_set_err(err, errlen, "%s: out of memory", path);
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
        rv = migrate(s->db, path, &s->notes, err, errlen);
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
    rc = rs_store_stmts_prepare(s);
    if (rc != SQLITE_OK)
        rv = path_fail(path, s->db, rc, err, errlen);
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
    for (int i = 0; i < ST_N; i++) {
        sqlite3_finalize(s->stmt[i].lite);
        rs_pg_st_free(s->stmt[i].pg);
    }
    rs_pg_st_free(s->put_many);
    rs_pg_close(s->pg);
    EVP_MD_CTX_free(s->md);
    EVP_MD_CTX_free(s->md_stored);
    EVP_MD_free(s->sha256);
    free(s->notes.text);
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

const char *rs_store_notice(const struct rs_store *s)
{
    return s && s->notes.text ? s->notes.text : "";
}

rs_status rs_store_schema_create(sqlite3 *db, char *err, size_t errlen)
{
    const char *name;

    rs_store_clear_err(err, errlen);
    if (!db) {
        rs_store_set_err(err, errlen, "rs_store_schema_create: no database");
        return RS_EINVAL;
    }
    /* "" for an in-memory or temporary database. */
    name = sqlite3_db_filename(db, "main");
    return migrate(db, name && name[0] ? name : ":memory:", NULL, err, errlen);
}


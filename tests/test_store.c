/*
 * test_store.c - tests of rs_store: migration, the same schema on a caller's
 * connection, refusal of files that are not ours (checked byte for byte),
 * the stored / duplicate / conflict / rejected decisions including
 * supersedes, batches, scans, text fields given with their lengths
 * (not NUL-terminated), offices and tokens, and puts whose
 * transaction fails (a lock held elsewhere; a write refused by the file
 * size limit at COMMIT; on PostgreSQL, the connection lost under the store
 * and the store reconnecting at the next put).
 *
 * Every test works in its own mkdtemp directory under $TMPDIR (or /tmp),
 * removed by the teardown.  Does not test the dbq queue or the server
 * around the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "rawdb.h"
#include "rs_store.h"
#include "rs_store_int.h" /* RS_STORE_PG_WRITE_LOCK */
#include "tmpdir_fixture.h"

#define DIV_A "330102001"
#define DIV_B "330102002"
#define OFFICE "330102001"
#define BODY_MAX 2048
#define N_BIG 1000
#define SCHEMA_TEXT_MAX 8192

/* One test record: its ids and packed body live here. */
struct trec {
    char id[RS_UUID_LEN + 1];
    char sup[RS_UUID_LEN + 1];
    uint8_t body[BODY_MAX];
};

/* ------------------------------------------------------------ helpers */

static void make_id(char out[RS_UUID_LEN + 1], unsigned n)
{
    snprintf(out, RS_UUID_LEN + 1, "%08x-0000-4000-8000-000000000000", n);
}

/*
 * Fills t and out with a packed record.  type is PROJECT or SUBSIDY; the
 * remarks make two versions differ.  supersedes may be NULL.
 */
static void make_rec(struct trec *t, struct rs_store_rec *out, unsigned id, const char *supersedes,
                     const char *division, Rs__Record__BodyCase type, uint32_t year,
                     const char *remarks)
{
    Rs__Record r = RS__RECORD__INIT;
    Rs__Project p = RS__PROJECT__INIT;
    Rs__SubsidyPayout sp = RS__SUBSIDY_PAYOUT__INIT;
    size_t len;

    make_id(t->id, id);
    t->sup[0] = '\0';
    if (supersedes)
        snprintf(t->sup, sizeof(t->sup), "%s", supersedes);
    r.id = t->id;
    r.supersedes = supersedes ? t->sup : NULL;
    r.division_code = (char *)division;
    r.has_year = 1;
    r.year = year;
    r.has_period = 1;
    r.period = RS__PERIOD__PERIOD_YEAR;
    r.remarks = (char *)remarks;
    if (type == RS__RECORD__BODY_SUBSIDY) {
        sp.village = "东湖村";
        r.body_case = RS__RECORD__BODY_SUBSIDY;
        r.subsidy = &sp;
    } else {
        p.name = "道路硬化";
        r.body_case = RS__RECORD__BODY_PROJECT;
        r.project = &p;
    }
    len = rs__record__get_packed_size(&r);
    assert_true(len <= sizeof(t->body));
    assert_int_equal(rs__record__pack(&r, t->body), len);

    memset(out, 0, sizeof(*out));
    out->id = t->id;
    out->supersedes = supersedes ? t->sup : NULL;
    out->office_code = OFFICE;
    out->division_code = division;
    out->batch_id = NULL;
    out->type = r.body_case;
    out->year = year;
    out->period = RS__PERIOD__PERIOD_YEAR;
    out->body = t->body;
    out->body_len = len;
    rs_sha256(t->body, len, out->hash);
}

static struct rs_store *open_rw(const char *path)
{
    struct rs_store *s = NULL;
    char err[256] = "x";

    assert_int_equal(rs_store_open(path, RS_STORE_READWRITE, &s, err, sizeof(err)), RS_OK);
    assert_non_null(s);
    assert_string_equal(err, "");
    return s;
}

static rs_status put(struct rs_store *s, struct rs_store_rec *recs, size_t n)
{
    char err[256];

    return rs_store_put_batches(s, recs, n, NULL, 0, err, sizeof(err));
}

static int count_one(const uint8_t *body, size_t len, void *arg)
{
    (void)body;
    (void)len;
    ++*(size_t *)arg;
    return 0;
}

/* The current (not superseded) records of year, as the store's scan sees them. */
static size_t count_current(struct rs_store *s, uint32_t year)
{
    size_t n = 0;

    assert_int_equal(rs_store_scan_year(s, year, NULL, count_one, &n), RS_OK);
    return n;
}

/* Seconds on the monotonic clock. */
static double now_s(void)
{
    struct timespec ts;

    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sqlite3 *raw_open(const char *path, int flags)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db, flags, NULL), SQLITE_OK);
    return db;
}

/* Column 0 of the first row of sql on db. */
static int64_t db_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
    return v;
}

/* Every schema object of db as "type name table sql" lines, in name order. */
static void schema_text(sqlite3 *db, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    size_t used = 0;
    int n;

    out[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, ifnull(sql, '')"
                                            " FROM sqlite_master ORDER BY name",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        n = snprintf(out + used, cap - used, "%s %s %s %s\n", sqlite3_column_text(st, 0),
                     sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
                     sqlite3_column_text(st, 3));
        assert_true(n > 0 && (size_t)n < cap - used);
        used += (size_t)n;
    }
    assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
}

/* Rows of the file at path: all versions, and current (not superseded) ones. */
static void assert_counts(const char *path, int64_t all, int64_t current)
{
    assert_int_equal(rawdb_int(path, "SELECT count(*) FROM records"), all);
    assert_int_equal(rawdb_int(path, "SELECT count(*) FROM records WHERE superseded_by IS NULL"),
                     current);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/*
 * Opens path in both modes, expects RS_ESCHEMA with the given message
 * (err starts with path) and the file unchanged byte for byte.
 */
static void assert_refused(const char *path, const char *want_msg)
{
    struct rs_store *s = (struct rs_store *)&s;
    char err[256];
    char want[384];
    uint8_t *before, *after;
    size_t nb, na;
    int mode;

    snprintf(want, sizeof(want), "%s: %s", path, want_msg);
    before = read_file(path, &nb);
    for (mode = 0; mode < 2; mode++) {
        err[0] = '\0';
        assert_int_equal(rs_store_open(path,
                                       mode ? RS_STORE_READONLY : RS_STORE_READWRITE,
                                       &s, err, sizeof(err)),
                         RS_ESCHEMA);
        assert_null(s);
        assert_string_equal(err, want);
        after = read_file(path, &na);
        assert_int_equal(na, nb);
        assert_memory_equal(after, before, nb);
        free(after);
    }
    free(before);
}

static void preset_acks(struct rs_store_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        r[i].ack = RS__ACK_STATUS__ACK_STORED;
        r[i].seq = 99;
    }
}

static void assert_nothing_acked(const struct rs_store_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_UNSPECIFIED);
        assert_int_equal(r[i].seq, 0);
    }
}

/* ------------------------------------------------------------ schema */

static void test_migrate_from_empty(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    struct trec t;
    struct rs_store_rec r;
    char path0[160];
    char text[64];

    SQLITE_ONLY();
    s = open_rw(f->db);
    assert_int_equal(rs_store_close(s), RS_OK);

    assert_int_equal(rawdb_int(f->db, "PRAGMA user_version"), RS_STORE_SCHEMA_VERSION);
    assert_int_equal(rawdb_int(f->db, "PRAGMA application_id"), 0x52534c31);
    rawdb_text(f->db, "PRAGMA journal_mode", text, sizeof(text));
    assert_string_equal(text, "wal");
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM pragma_table_list"
                                    " WHERE name IN ('offices', 'batches', 'records')"
                                    " AND strict = 1"),
                     3);
    /* Only one index of our own on records (the automatic one has no sql). */
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                    " AND tbl_name = 'records' AND sql IS NOT NULL"),
                     1);

    /* A zero-byte file is an empty database and becomes ours too. */
    snprintf(path0, sizeof(path0), "%s/empty.db", f->dir);
    write_file(path0, "", 0);
    s = open_rw(path0);
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rawdb_int(path0, "PRAGMA user_version"), RS_STORE_SCHEMA_VERSION);

    /* An in-memory database works without WAL. */
    s = open_rw(":memory:");
    make_rec(&t, &r, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    assert_int_equal(put(s, &r, 1), RS_OK);
    assert_int_equal(r.ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(count_current(s, 2023), 1);
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rs_store_close(NULL), RS_OK);
}

/* The schema a store makes in a file, made on a connection of the caller's. */
static void test_schema_on_callers_connection(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    sqlite3 *mem = NULL, *other = NULL, *file;
    char *want, *got;
    char err[256] = "x";

    SQLITE_ONLY();
    s = open_rw(f->db);
    want = malloc(SCHEMA_TEXT_MAX);
    got = malloc(SCHEMA_TEXT_MAX);
    assert_non_null(want);
    assert_non_null(got);
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(sqlite3_open(":memory:", &mem), SQLITE_OK);
    assert_int_equal(rs_store_schema_create(mem, err, sizeof(err)), RS_OK);
    assert_string_equal(err, "");
    /* A current schema is left as it is. */
    assert_int_equal(rs_store_schema_create(mem, err, sizeof(err)), RS_OK);

    file = raw_open(f->db, SQLITE_OPEN_READONLY);
    schema_text(file, want, SCHEMA_TEXT_MAX);
    schema_text(mem, got, SCHEMA_TEXT_MAX);
    assert_string_equal(got, want);
    assert_non_null(strstr(got, "\ntable records records CREATE TABLE records("));
    assert_non_null(strstr(got, "\nindex records_current_year records CREATE INDEX"));
    assert_int_equal(db_int(mem, "PRAGMA user_version"), RS_STORE_SCHEMA_VERSION);
    assert_int_equal(db_int(mem, "PRAGMA application_id"), db_int(file, "PRAGMA application_id"));
    assert_int_equal(sqlite3_close(file), SQLITE_OK);
    assert_int_equal(sqlite3_close(mem), SQLITE_OK);

    /* Another application's database is refused and left alone. */
    assert_int_equal(sqlite3_open(":memory:", &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "CREATE TABLE people(name TEXT)", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(rs_store_schema_create(other, err, sizeof(err)), RS_ESCHEMA);
    assert_string_equal(err, ":memory:: not a resettle database (application_id 0x00000000, "
                             "expected 0x52534c31)");
    assert_int_equal(db_int(other, "SELECT count(*) FROM sqlite_master"), 1);
    assert_int_equal(db_int(other, "PRAGMA user_version"), 0);
    assert_int_equal(sqlite3_close(other), SQLITE_OK);

    assert_int_equal(rs_store_schema_create(NULL, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "rs_store_schema_create: no database");
    free(want);
    free(got);
}

static void test_reopen_is_idempotent(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s, *ro = NULL;
    struct trec t, t2;
    struct rs_store_rec r, r2;
    char err[256];

    s = open_rw(f->db);
    make_rec(&t, &r, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    assert_int_equal(put(s, &r, 1), RS_OK);
    assert_int_equal(rs_store_close(s), RS_OK);

    s = open_rw(f->db);
    assert_counts(f->db, 1, 1);
    assert_int_equal(rawdb_int(f->db, "PRAGMA user_version"), RS_STORE_SCHEMA_VERSION);

    /* A read-only store beside the writer sees the rows and cannot write. */
    assert_int_equal(rs_store_open(f->db, RS_STORE_READONLY, &ro, err, sizeof(err)), RS_OK);
    assert_int_equal(count_current(ro, 2023), 1);
    make_rec(&t2, &r2, 2, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    assert_int_equal(rs_store_put_batches(ro, &r2, 1, NULL, 0, err, sizeof(err)), RS_ESTORAGE);
    assert_int_equal(r2.ack, RS__ACK_STATUS__ACK_UNSPECIFIED);
    assert_true(strlen(err) > 0);
    assert_int_equal(rs_store_close(ro), RS_OK);

    /* The same record again is a duplicate across reopen. */
    assert_int_equal(put(s, &r, 1), RS_OK);
    assert_int_equal(r.ack, RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(r.seq, 1);
    assert_int_equal(rs_store_close(s), RS_OK);
}

static void test_refuse_foreign_sqlite(void **state)
{
    struct fixture *f = *state;
    char other[160];

    SQLITE_ONLY();
    rawdb_exec(f->db, "CREATE TABLE people(name TEXT); INSERT INTO people VALUES('张三');");
    assert_refused(f->db, "not a resettle database (application_id 0x00000000, "
                          "expected 0x52534c31)");

    /* Another application that did set its own id. */
    snprintf(other, sizeof(other), "%s/other.db", f->dir);
    rawdb_exec(other, "PRAGMA application_id = 1234; CREATE TABLE t(x);");
    assert_refused(other, "not a resettle database (application_id 0x000004d2, "
                          "expected 0x52534c31)");
}

static void test_refuse_newer_schema(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db), *again = (struct rs_store *)&s;
    char msg[128], err[256];

    assert_int_equal(rs_store_close(s), RS_OK);
    if (!rawdb_is_pg(f->db)) {
        rawdb_exec(f->db, "PRAGMA user_version = 99");
        snprintf(msg, sizeof(msg), "schema version 99 is newer than this program (%d)",
                 RS_STORE_SCHEMA_VERSION);
        assert_refused(f->db, msg);
        assert_int_equal(rawdb_int(f->db, "PRAGMA user_version"), 99);
        return;
    }
    /* PostgreSQL: refused in both modes, the database left as it is. */
    rawdb_exec(f->db, "UPDATE schema_version SET version = 99");
    snprintf(msg, sizeof(msg),
             "the PostgreSQL database has resettle schema version 99, this resettled knows %d",
             RS_STORE_SCHEMA_VERSION);
    for (int mode = 0; mode < 2; mode++) {
        err[0] = '\0';
        assert_int_equal(rs_store_open(f->db, mode ? RS_STORE_READONLY : RS_STORE_READWRITE,
                                       &again, err, sizeof(err)),
                         RS_ESCHEMA);
        assert_null(again);
        assert_non_null(strstr(err, msg));
    }
    assert_int_equal(rawdb_int(f->db, "SELECT version FROM schema_version"), 99);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM schema_version"), 1);
}

/* Upper-cases the hex letters of a test record's ids, body and hash to match. */
static void make_upper(struct trec *t, struct rs_store_rec *r, unsigned id, const char *supersedes,
                       const char *remarks)
{
    char up[RS_UUID_LEN + 1];

    make_id(up, id);
    for (char *p = up; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    make_rec(t, r, id, supersedes, DIV_A, RS__RECORD__BODY_PROJECT, 2023, remarks);
    /* The body keeps the lower-case id make_rec packed: only the key is upper case. */
    memcpy(t->id, up, sizeof(up));
}

/*
 * A version 3 database holds the same UUID in two letter cases (it compared
 * ids byte for byte), an upper-case id alone, and a record superseding it by
 * its upper-case id.  The step to version 4 lowers what it can, keeps both
 * rows of the pair and reports them, on the store's notice and in the trail.
 */
static void test_migrate_ids_to_canonical(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    struct trec t[6];
    struct rs_store_rec r[6];
    char want[RS_UUID_LEN + 1], sql[256], text[128], err[256];
    const char *note;
    uint64_t rows = 0, broken = 0;
    struct rs_audit_check chk;

    SQLITE_ONLY();
    s = open_rw(f->db);
    make_rec(&t[0], &r[0], 0xabcdef01u, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    make_upper(&t[1], &r[1], 0xabcdef01u, NULL, "v1");      /* the same content */
    make_upper(&t[2], &r[2], 0xabcdef02u, NULL, "v1");      /* upper case alone */
    make_rec(&t[3], &r[3], 0xabcdef03u, t[2].id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2");
    make_upper(&t[4], &r[4], 0xabcdef04u, NULL, "x");
    make_rec(&t[5], &r[5], 0xabcdef04u, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "y");
    assert_int_equal(put(s, r, 6), RS_OK);
    for (int i = 0; i < 6; i++)
        assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records"), 6);

    /* Back to the version 3 schema: what the later steps added removed again. */
    rawdb_exec(f->db, "ALTER TABLE batches DROP COLUMN audit_seq; PRAGMA user_version = 3");
    s = open_rw(f->db);
    assert_int_equal(rawdb_int(f->db, "PRAGMA user_version"), RS_STORE_SCHEMA_VERSION);
    note = rs_store_notice(s);
    make_id(want, 0xabcdef01u);
    snprintf(text, sizeof(text), "record id %s is stored twice, in two letter cases", want);
    assert_non_null(strstr(note, text));
    assert_non_null(strstr(note, "same content"));
    make_id(want, 0xabcdef04u);
    snprintf(text, sizeof(text), "record id %s is stored twice", want);
    assert_non_null(strstr(note, text));
    assert_non_null(strstr(note, "different content"));
    assert_non_null(strstr(note, "record ids in canonical form: 1 lowered, 2 stored twice"));
    /* One row per pair and one summary, chained like every other row; and the
     * next step's row naming where the record check starts. */
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit WHERE kind = 'migration'"), 4);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit WHERE kind = 'migration' AND "
                                    "detail LIKE 'record check starts after record seq 6 and "
                                    "batch id 0 %'"),
                     1);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit WHERE kind = 'migration'"
                                    " AND detail LIKE '%stored twice, in two letter cases%'"),
                     2);
    assert_int_equal(rs_store_audit_verify(s, &rows, &broken, err, sizeof(err)), RS_OK);
    assert_int_equal(rows, 4);
    /* The records before the step are checked against their own hash only, and hold. */
    assert_int_equal(rs_store_audit_verify_records(s, NULL, NULL, &chk), RS_OK);
    assert_int_equal(chk.problems, 0);
    assert_int_equal(chk.records, 6);
    assert_int_equal(chk.checked_records, 0);
    assert_int_equal(chk.from_record, 6);

    /* Both rows of each pair are kept, one in each case; the lone id and its link lowered. */
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records"), 6);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records WHERE record_id <> "
                                    "lower(record_id)"),
                     2);
    make_id(want, 0xabcdef02u);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE record_id = '%s'", want);
    assert_int_equal(rawdb_int(f->db, sql), 1);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE supersedes = '%s'", want);
    assert_int_equal(rawdb_int(f->db, sql), 1);
    assert_int_equal(rs_store_close(s), RS_OK);

    /* Opened again, nothing is left to migrate and nothing is reported. */
    s = open_rw(f->db);
    assert_string_equal(rs_store_notice(s), "");
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit"), 4);
}

static void test_refuse_not_sqlite(void **state)
{
    struct fixture *f = *state;
    static const char line[] = "项目编号,村,金额(万元)\nXM-0001,东湖村,158.93\n";
    char text[4096];
    size_t used = 0;

    SQLITE_ONLY();
    while (used + sizeof(line) - 1 <= sizeof(text)) {
        memcpy(text + used, line, sizeof(line) - 1);
        used += sizeof(line) - 1;
    }
    write_file(f->db, text, used);
    assert_refused(f->db, "not a resettle database (not an SQLite file)");
}

static void test_readonly_missing_and_empty(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = (struct rs_store *)&s;
    char err[256];
    char want[600];

    SQLITE_ONLY();
    assert_int_equal(rs_store_open(f->db, RS_STORE_READONLY, &s, err, sizeof(err)),
                     RS_ENOTFOUND);
    assert_null(s);
    snprintf(want, sizeof(want), "%s: no such database file", f->db);
    assert_string_equal(err, want);
    assert_int_equal(access(f->db, F_OK), -1);

    /* An empty file is not (yet) a resettle database. */
    write_file(f->db, "", 0);
    assert_int_equal(rs_store_open(f->db, RS_STORE_READONLY, &s, err, sizeof(err)), RS_ESCHEMA);
    assert_null(s);
}

/* ------------------------------------------------------------ records */

static void test_stored_duplicate_conflict(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec t1, t2;
    struct rs_store_rec a, b;

    make_rec(&t1, &a, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    assert_int_equal(put(s, &a, 1), RS_OK);
    assert_int_equal(a.ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(a.seq, 1);

    assert_int_equal(put(s, &a, 1), RS_OK);
    assert_int_equal(a.ack, RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(a.seq, 1);

    make_rec(&t2, &b, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2");
    assert_int_equal(put(s, &b, 1), RS_OK);
    assert_int_equal(b.ack, RS__ACK_STATUS__ACK_CONFLICT);
    assert_int_equal(b.seq, 0);
    assert_string_equal(b.reason, "same id, different content");

    assert_counts(f->db, 1, 1);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM batches"), 0);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records WHERE batch IS NULL"), 1);
    assert_int_equal(rs_store_close(s), RS_OK);
}

struct scan_log {
    size_t n;
    size_t stop_after;       /* 0 = never */
    const uint8_t *want[N_BIG];
    size_t want_len[N_BIG];
    bool is_in_order;
};

static int on_scan(const uint8_t *body, size_t len, void *arg)
{
    struct scan_log *log = arg;
    Rs__Record *r = rs__record__unpack(NULL, len, body);

    assert_non_null(r);
    assert_true(strcmp(r->division_code, DIV_A) == 0 || strcmp(r->division_code, DIV_B) == 0);
    assert_true(r->body_case == RS__RECORD__BODY_PROJECT ||
                r->body_case == RS__RECORD__BODY_SUBSIDY);
    rs__record__free_unpacked(r, NULL);
    if (log->n < N_BIG && log->want[log->n] &&
        (log->want_len[log->n] != len || memcmp(log->want[log->n], body, len) != 0))
        log->is_in_order = false;
    log->n++;
    return log->stop_after && log->n >= log->stop_after;
}

static void test_supersede_happy_path(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec ta, tb, tc;
    struct rs_store_rec a, b, c;
    struct scan_log log;
    char text[64];

    make_rec(&ta, &a, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    assert_int_equal(put(s, &a, 1), RS_OK);
    assert_int_equal(a.ack, RS__ACK_STATUS__ACK_STORED);

    make_rec(&tb, &b, 2, ta.id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2");
    assert_int_equal(put(s, &b, 1), RS_OK);
    assert_int_equal(b.ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(b.seq, 2);
    assert_counts(f->db, 2, 1);

    /* The old row is kept and points at its successor. */
    rawdb_text(f->db, "SELECT superseded_by FROM records WHERE seq = 1", text, sizeof(text));
    assert_string_equal(text, tb.id);
    rawdb_text(f->db, "SELECT supersedes FROM records WHERE seq = 2", text, sizeof(text));
    assert_string_equal(text, ta.id);
    rawdb_text(f->db, "SELECT superseded_by FROM records WHERE seq = 2", text, sizeof(text));
    assert_string_equal(text, "(null)");

    memset(&log, 0, sizeof(log));
    log.is_in_order = true;
    log.want[0] = b.body;
    log.want_len[0] = b.body_len;
    assert_int_equal(rs_store_scan_year(s, 2023, NULL, on_scan, &log), RS_OK);
    assert_int_equal(log.n, 1);
    assert_true(log.is_in_order);

    /* A retried edit is a duplicate, not a stale-version conflict. */
    assert_int_equal(put(s, &b, 1), RS_OK);
    assert_int_equal(b.ack, RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(b.seq, 2);

    make_rec(&tc, &c, 3, tb.id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v3");
    assert_int_equal(put(s, &c, 1), RS_OK);
    assert_int_equal(c.ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(c.seq, 3);
    assert_counts(f->db, 3, 1);
    assert_int_equal(rs_store_close(s), RS_OK);
}

static void test_supersede_unknown(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec t;
    struct rs_store_rec r;
    char missing[RS_UUID_LEN + 1];
    char want[160];

    make_id(missing, 77);
    make_rec(&t, &r, 1, missing, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2");
    assert_int_equal(put(s, &r, 1), RS_OK);
    assert_int_equal(r.ack, RS__ACK_STATUS__ACK_REJECTED);
    assert_int_equal(r.seq, 0);
    snprintf(want, sizeof(want), "supersedes unknown record %s", missing);
    assert_string_equal(r.reason, want);
    assert_counts(f->db, 0, 0);
    assert_int_equal(rs_store_close(s), RS_OK);
}

static void test_supersede_stale(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec ta, tb, tc, td, te;
    struct rs_store_rec a, b, c, d, e;
    char want[160];

    make_rec(&ta, &a, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    make_rec(&tb, &b, 2, ta.id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2 by B");
    assert_int_equal(put(s, &a, 1), RS_OK);
    assert_int_equal(put(s, &b, 1), RS_OK);
    assert_int_equal(b.ack, RS__ACK_STATUS__ACK_STORED);

    /* Someone else edited the old version too. */
    make_rec(&tc, &c, 3, ta.id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2 by C");
    assert_int_equal(put(s, &c, 1), RS_OK);
    assert_int_equal(c.ack, RS__ACK_STATUS__ACK_CONFLICT);
    assert_int_equal(c.seq, 0);
    snprintf(want, sizeof(want), "supersedes a stale version; current is %s", tb.id);
    assert_string_equal(c.reason, want);

    /* The reason names the current version, following the chain. */
    make_rec(&td, &d, 4, tb.id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v3");
    assert_int_equal(put(s, &d, 1), RS_OK);
    assert_int_equal(d.ack, RS__ACK_STATUS__ACK_STORED);
    make_rec(&te, &e, 5, ta.id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2 by E");
    assert_int_equal(put(s, &e, 1), RS_OK);
    assert_int_equal(e.ack, RS__ACK_STATUS__ACK_CONFLICT);
    snprintf(want, sizeof(want), "supersedes a stale version; current is %s", td.id);
    assert_string_equal(e.reason, want);

    assert_counts(f->db, 3, 1);
    assert_int_equal(rs_store_close(s), RS_OK);
}

static void test_supersede_across_type_or_division(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec ta, tb, tc;
    struct rs_store_rec a, b, c;
    char want[160];

    make_rec(&ta, &a, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    assert_int_equal(put(s, &a, 1), RS_OK);

    make_rec(&tb, &b, 2, ta.id, DIV_A, RS__RECORD__BODY_SUBSIDY, 2023, "v2");
    assert_int_equal(put(s, &b, 1), RS_OK);
    assert_int_equal(b.ack, RS__ACK_STATUS__ACK_REJECTED);
    snprintf(want, sizeof(want), "supersedes record %s of another type", ta.id);
    assert_string_equal(b.reason, want);

    make_rec(&tc, &c, 3, ta.id, DIV_B, RS__RECORD__BODY_PROJECT, 2023, "v2");
    assert_int_equal(put(s, &c, 1), RS_OK);
    assert_int_equal(c.ack, RS__ACK_STATUS__ACK_REJECTED);
    snprintf(want, sizeof(want), "supersedes record %s of another division (%s)", ta.id, DIV_A);
    assert_string_equal(c.reason, want);

    assert_counts(f->db, 1, 1);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records"
                                    " WHERE seq = 1 AND superseded_by IS NULL"),
                     1);
    assert_int_equal(rs_store_close(s), RS_OK);
}

static void test_same_id_twice_in_one_call(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec t[4];
    struct rs_store_rec r[4];

    make_rec(&t[0], &r[0], 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    make_rec(&t[1], &r[1], 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    make_rec(&t[2], &r[2], 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1 changed");
    make_rec(&t[3], &r[3], 2, t[0].id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2");
    assert_int_equal(put(s, r, 4), RS_OK);
    assert_int_equal(r[0].ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(r[0].seq, 1);
    assert_int_equal(r[1].ack, RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(r[1].seq, 1);
    assert_int_equal(r[2].ack, RS__ACK_STATUS__ACK_CONFLICT);
    assert_string_equal(r[2].reason, "same id, different content");
    assert_int_equal(r[3].ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(r[3].seq, 2);
    assert_counts(f->db, 2, 1);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/*
 * One put that mixes new records, resends, conflicts and a new version,
 * longer than the run PostgreSQL stores with one statement (2,000): every
 * decision is the one a record-by-record put makes, in the put's order,
 * and the new records are numbered without a gap.
 */
static void test_mixed_put_keeps_order_and_numbers(void **state)
{
    enum { N = 2600 };
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec *t = calloc(N, sizeof(*t));
    struct rs_store_rec *r = calloc(N, sizeof(*r));
    struct trec tx;
    struct rs_store_rec x;
    uint64_t seq = 1;
    size_t i;

    assert_non_null(t);
    assert_non_null(r);
    make_rec(&tx, &x, 90001, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "before");
    assert_int_equal(put(s, &x, 1), RS_OK);
    assert_int_equal(x.seq, 1);
    for (i = 0; i < N; i++)
        make_rec(&t[i], &r[i], (unsigned)i + 1, NULL, i % 2 ? DIV_B : DIV_A,
                 RS__RECORD__BODY_PROJECT, 2023, "run");
    /* 10: a resend of x; 11: x's id with other content; 12: 0 again;
     * 13: a new version of 0; 2001: 5 again, past the first run;
     * 2002: 2001's id changed, judged against the resend before it. */
    make_rec(&t[10], &r[10], 90001, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "before");
    make_rec(&t[11], &r[11], 90001, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "other");
    make_rec(&t[12], &r[12], 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "run");
    make_rec(&t[13], &r[13], 80001, t[0].id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2");
    make_rec(&t[2001], &r[2001], 6, NULL, DIV_B, RS__RECORD__BODY_PROJECT, 2023, "run");
    make_rec(&t[2002], &r[2002], 6, NULL, DIV_B, RS__RECORD__BODY_PROJECT, 2023, "changed");
    for (i = 0; i < N; i++)
        r[i].batch_id = i < 1500 ? "mixed-one" : "mixed-two";
    assert_int_equal(put(s, r, N), RS_OK);
    for (i = 0; i < N; i++) {
        switch (i) {
        case 10:
            assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_DUPLICATE);
            assert_int_equal(r[i].seq, 1);
            break;
        case 11:
        case 2002:
            assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_CONFLICT);
            assert_string_equal(r[i].reason, "same id, different content");
            break;
        case 12:
            assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_DUPLICATE);
            assert_int_equal(r[i].seq, r[0].seq);
            break;
        case 2001:
            assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_DUPLICATE);
            assert_int_equal(r[i].seq, r[5].seq);
            break;
        default:
            assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_STORED);
            assert_int_equal(r[i].seq, ++seq);
        }
    }
    assert_int_equal(seq, 1 + N - 5);
    assert_counts(f->db, N - 4, N - 5);
    assert_int_equal(rawdb_int(f->db, "SELECT max(seq) - min(seq) + 1 FROM records"), N - 4);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records JOIN batches"
                                    " ON records.batch = batches.id"
                                    " WHERE batches.batch_id = 'mixed-two'"),
                     N - 1500 - 2);
    assert_int_equal(rs_store_close(s), RS_OK);
    free(t);
    free(r);
}

static void test_batch_of_1000(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec *t = calloc(N_BIG, sizeof(*t));
    struct rs_store_rec *r = calloc(N_BIG, sizeof(*r));
    struct scan_log *log = calloc(1, sizeof(*log));
    struct trec tx[3];
    struct rs_store_rec rx[3];
    size_t i, j;

    assert_non_null(t);
    assert_non_null(r);
    assert_non_null(log);
    for (i = 0; i < N_BIG; i++) {
        make_rec(&t[i], &r[i], (unsigned)i + 1, NULL, i % 2 ? DIV_B : DIV_A,
                 i % 3 ? RS__RECORD__BODY_PROJECT : RS__RECORD__BODY_SUBSIDY, 2023, "batch");
        r[i].batch_id = i < 600 ? "batch-one" : "batch-two";
    }
    assert_int_equal(put(s, r, N_BIG), RS_OK);
    for (i = 0; i < N_BIG; i++) {
        assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_STORED);
        assert_int_equal(r[i].seq, i + 1);
    }
    assert_counts(f->db, N_BIG, N_BIG);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM batches"), 2);
    assert_int_equal(rawdb_int(f->db, "SELECT n_records FROM batches WHERE batch_id = 'batch-one'"),
                     600);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records JOIN batches"
                                    " ON records.batch = batches.id"
                                    " WHERE batches.batch_id = 'batch-two'"),
                     400);

    /* All of the year, in row order. */
    log->is_in_order = true;
    for (i = 0; i < N_BIG; i++) {
        log->want[i] = r[i].body;
        log->want_len[i] = r[i].body_len;
    }
    assert_int_equal(rs_store_scan_year(s, 2023, NULL, on_scan, log), RS_OK);
    assert_int_equal(log->n, N_BIG);
    assert_true(log->is_in_order);

    /* One division: every other record. */
    memset(log, 0, sizeof(*log));
    log->is_in_order = true;
    for (i = 1, j = 0; i < N_BIG; i += 2, j++) {
        log->want[j] = r[i].body;
        log->want_len[j] = r[i].body_len;
    }
    assert_int_equal(rs_store_scan_year(s, 2023, DIV_B, on_scan, log), RS_OK);
    assert_int_equal(log->n, N_BIG / 2);
    assert_true(log->is_in_order);

    /* Early stop, and another year. */
    memset(log, 0, sizeof(*log));
    log->stop_after = 10;
    assert_int_equal(rs_store_scan_year(s, 2023, NULL, on_scan, log), RS_OK);
    assert_int_equal(log->n, 10);
    memset(log, 0, sizeof(*log));
    assert_int_equal(rs_store_scan_year(s, 2022, NULL, on_scan, log), RS_OK);
    assert_int_equal(log->n, 0);

    /* Batches are told apart by id and office, even when interleaved. */
    for (i = 0; i < 3; i++)
        make_rec(&tx[i], &rx[i], 5000 + (unsigned)i, NULL, DIV_A, RS__RECORD__BODY_PROJECT,
                 2023, "x");
    rx[0].batch_id = "batch-three";
    rx[1].batch_id = "batch-four";
    rx[2].batch_id = "batch-three";
    assert_int_equal(put(s, rx, 3), RS_OK);
    assert_int_equal(rawdb_int(f->db, "SELECT n_records FROM batches WHERE batch_id = 'batch-three'"),
                     2);
    make_rec(&tx[0], &rx[0], 6000, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "x");
    rx[0].office_code = "330102";
    rx[0].batch_id = "batch-three";
    assert_int_equal(put(s, rx, 1), RS_OK);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM batches WHERE batch_id = 'batch-three'"),
                     2);

    assert_int_equal(rs_store_close(s), RS_OK);
    free(t);
    free(r);
    free(log);
}

/*
 * Text fields given with their lengths need not end in NUL: every column,
 * comparison, decision and message uses exactly those bytes.  Here each is
 * followed by bytes that are not part of it.
 */
static void test_text_with_lengths(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec ta, tb, tc, td;
    struct rs_store_rec r[2], c, d;
    char ida[64], idb[64], div[32], div_b[32], office[32], batch[32];
    char err[256], want[192], text[64];

    make_rec(&ta, &r[0], 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    make_rec(&tb, &r[1], 2, ta.id, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2");
    snprintf(ida, sizeof(ida), "%s-and-more", ta.id);
    snprintf(idb, sizeof(idb), "%s0", tb.id);
    snprintf(div, sizeof(div), "%s9", DIV_A);
    snprintf(office, sizeof(office), "%s-x", OFFICE);
    snprintf(batch, sizeof(batch), "batch-one, not this");
    r[0].id = ida;
    r[0].id_len = RS_UUID_LEN;
    r[0].division_code = div;
    r[0].division_code_len = strlen(DIV_A);
    r[0].office_code = office;
    r[0].office_code_len = strlen(OFFICE);
    r[0].batch_id = batch;
    r[0].batch_id_len = strlen("batch-one");
    /* The second one's office and batch as plain strings: the same batch. */
    r[1].id = idb;
    r[1].id_len = RS_UUID_LEN;
    r[1].supersedes = ida;
    r[1].supersedes_len = RS_UUID_LEN;
    r[1].division_code = div;
    r[1].division_code_len = strlen(DIV_A);
    r[1].batch_id = "batch-one";
    assert_int_equal(put(s, r, 2), RS_OK);
    assert_int_equal(r[0].ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(r[1].ack, RS__ACK_STATUS__ACK_STORED);
    rawdb_text(f->db, "SELECT record_id FROM records WHERE seq = 1", text, sizeof(text));
    assert_string_equal(text, ta.id);
    rawdb_text(f->db, "SELECT division_code FROM records WHERE seq = 1", text, sizeof(text));
    assert_string_equal(text, DIV_A);
    rawdb_text(f->db, "SELECT office_code FROM records WHERE seq = 1", text, sizeof(text));
    assert_string_equal(text, OFFICE);
    rawdb_text(f->db, "SELECT supersedes FROM records WHERE seq = 2", text, sizeof(text));
    assert_string_equal(text, ta.id);
    rawdb_text(f->db, "SELECT superseded_by FROM records WHERE seq = 1", text, sizeof(text));
    assert_string_equal(text, tb.id);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM batches"), 1);
    assert_int_equal(rawdb_int(f->db, "SELECT n_records FROM batches WHERE batch_id = 'batch-one'"),
                     2);

    /* Found again by the same bytes: a duplicate, then a stale edit. */
    assert_int_equal(put(s, &r[0], 1), RS_OK);
    assert_int_equal(r[0].ack, RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(r[0].seq, 1);
    make_rec(&tc, &c, 3, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v2 by C");
    c.supersedes = ida;
    c.supersedes_len = RS_UUID_LEN;
    assert_int_equal(put(s, &c, 1), RS_OK);
    assert_int_equal(c.ack, RS__ACK_STATUS__ACK_CONFLICT);
    snprintf(want, sizeof(want), "supersedes a stale version; current is %s", tb.id);
    assert_string_equal(c.reason, want);

    /* Another division by its bytes, and an unknown id, named without the rest. */
    snprintf(div_b, sizeof(div_b), "%s1", DIV_B);
    make_rec(&td, &d, 4, NULL, DIV_B, RS__RECORD__BODY_PROJECT, 2023, "v3");
    d.supersedes = idb;
    d.supersedes_len = RS_UUID_LEN;
    d.division_code = div_b;
    d.division_code_len = strlen(DIV_B);
    assert_int_equal(put(s, &d, 1), RS_OK);
    assert_int_equal(d.ack, RS__ACK_STATUS__ACK_REJECTED);
    snprintf(want, sizeof(want), "supersedes record %s of another division (%s)", tb.id, DIV_A);
    assert_string_equal(d.reason, want);
    d.supersedes_len = RS_UUID_LEN - 1;
    assert_int_equal(put(s, &d, 1), RS_OK);
    assert_int_equal(d.ack, RS__ACK_STATUS__ACK_REJECTED);
    snprintf(want, sizeof(want), "supersedes unknown record %.*s", RS_UUID_LEN - 1, tb.id);
    assert_string_equal(d.reason, want);
    assert_counts(f->db, 2, 1);

    /* A length SQLite cannot take is refused before anything is written. */
    d.supersedes_len = (size_t)INT_MAX + 1;
    preset_acks(&d, 1);
    assert_int_equal(rs_store_put_batches(s, &d, 1, NULL, 0, err, sizeof(err)), RS_EINVAL);
    assert_nothing_acked(&d, 1);
    assert_string_equal(err, "rs_store_put_batches: record 0 has a text longer than SQLite "
                             "takes");
    assert_counts(f->db, 2, 1);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/* ------------------------------------------------------------ failures */

/* The store's write lock on PostgreSQL, held by another connection. */
#define PG_WRITE_LOCK "BEGIN; SELECT pg_advisory_xact_lock(" RS_STORE_PG_WRITE_LOCK ")"

/* On PostgreSQL the lock is lost after BEGIN, so the failed BEGIN leaves an
 * aborted transaction the store must roll back: the put after it would
 * otherwise be refused ("current transaction is aborted"). */
static void test_put_fails_while_locked(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    struct trec t[3];
    struct rs_store_rec r[3];
    struct rawdb_hold other;
    const char *why = rawdb_is_pg(f->db) ? "lock timeout" : "database is locked";
    char err[256];
    double t0, waited;
    size_t i;

    s = open_rw(f->db);
    for (i = 0; i < 3; i++)
        make_rec(&t[i], &r[i], (unsigned)i + 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023,
                 "v1");

    /* The put waits the store's 5 s for the lock, then gives up. */
    rawdb_hold_begin(f->db, PG_WRITE_LOCK, &other);
    preset_acks(r, 3);
    t0 = now_s();
    assert_int_equal(rs_store_put_batches(s, r, 3, NULL, 0, err, sizeof(err)), RS_ESTORAGE);
    waited = now_s() - t0;
    assert_true(waited >= 4.5 && waited < 60.0);
    assert_nothing_acked(r, 3);
    if (!strstr(err, why) || !strstr(rs_store_errmsg(s), why))
        fail_msg("want \"%s\" in \"%s\" and \"%s\"", why, err, rs_store_errmsg(s));
    assert_counts(f->db, 0, 0);

    /* Once the lock goes, the same put succeeds. */
    rawdb_hold_end(&other);
    if (rs_store_put_batches(s, r, 3, NULL, 0, err, sizeof(err)) != RS_OK)
        fail_msg("the put after the lock: %s", err);
    for (i = 0; i < 3; i++) {
        assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_STORED);
        assert_int_equal(r[i].seq, i + 1);
    }
    assert_counts(f->db, 3, 3);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/*
 * The file size limit makes the WAL write at COMMIT fail (EFBIG), the way a
 * full disk would: every record of the call has been decided STORED inside
 * the transaction by then, so this checks that none of them stays acked.
 */
static void test_put_fails_at_commit(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    struct trec *t;
    struct trec t0;
    struct rs_store_rec *r;
    struct rs_store_rec r0;
    struct rlimit saved, small;
    char remarks[1025];
    char err[256];
    char text[64];
    void (*old_handler)(int);
    rs_status rv;
    size_t i;

    SQLITE_ONLY();
    s = open_rw(f->db);
    t = calloc(N_BIG, sizeof(*t));
    r = calloc(N_BIG, sizeof(*r));
    assert_non_null(t);
    assert_non_null(r);
    make_rec(&t0, &r0, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "first");
    assert_int_equal(put(s, &r0, 1), RS_OK);

    memset(remarks, 'x', sizeof(remarks) - 1);
    remarks[sizeof(remarks) - 1] = '\0';
    for (i = 0; i < N_BIG; i++)
        make_rec(&t[i], &r[i], 100 + (unsigned)i, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023,
                 remarks);

    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = 256 * 1024;
    old_handler = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    rv = rs_store_put_batches(s, r, N_BIG, NULL, 0, err, sizeof(err));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(rv, RS_ESTORAGE);
    assert_nothing_acked(r, N_BIG);
    assert_non_null(strstr(err, "COMMIT"));
    assert_non_null(strstr(err, "disk I/O error"));
    assert_counts(f->db, 1, 1);

    /* With room again the store keeps working and takes the same records. */
    assert_int_equal(rs_store_put_batches(s, r, N_BIG, NULL, 0, err, sizeof(err)), RS_OK);
    for (i = 0; i < N_BIG; i++) {
        assert_int_equal(r[i].ack, RS__ACK_STATUS__ACK_STORED);
        assert_int_equal(r[i].seq, i + 2);
    }
    assert_counts(f->db, N_BIG + 1, N_BIG + 1);
    assert_int_equal(rs_store_close(s), RS_OK);
    rawdb_text(f->db, "PRAGMA integrity_check", text, sizeof(text));
    assert_string_equal(text, "ok");
    free(t);
    free(r);
}

/* A PostgreSQL database made with the foreign key of records.batch (by an
 * earlier build) loses it when opened to write, and only then. */
static void test_pg_batch_key_dropped(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s, *ro = NULL;
    static const char has_key[] = "SELECT count(*) FROM pg_constraint"
                                  " WHERE conname = 'records_batch_fkey'";
    char err[256];

    PG_ONLY();
    assert_int_equal(rs_store_close(open_rw(f->db)), RS_OK);
    assert_int_equal(rawdb_int(f->db, has_key), 0);
    rawdb_exec(f->db, "ALTER TABLE records ADD CONSTRAINT records_batch_fkey"
                      " FOREIGN KEY (batch) REFERENCES batches(id)");
    assert_int_equal(rs_store_open(f->db, RS_STORE_READONLY, &ro, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_store_close(ro), RS_OK);
    assert_int_equal(rawdb_int(f->db, has_key), 1);
    s = open_rw(f->db);
    assert_int_equal(rawdb_int(f->db, has_key), 0);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/*
 * The server ends the store's session while it is idle (a primary's fast
 * stop does so before a failover): the next put finds out at its BEGIN and
 * fails, storing nothing; the put after it reconnects and stores.  A BEGIN
 * that failed with the connection once left the store thinking a
 * transaction was open, and it refused to reconnect from then on
 * ("the connection to PostgreSQL was lost inside a transaction").
 */
static void test_put_after_connection_lost(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    struct trec t0, t1;
    struct rs_store_rec r0, r1;
    char err[256];
    char text[64];

    PG_ONLY();
    s = open_rw(f->db);
    make_rec(&t0, &r0, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "before");
    assert_int_equal(put(s, &r0, 1), RS_OK);
    assert_int_equal(r0.ack, RS__ACK_STATUS__ACK_STORED);

    /* Every other client session on this database, i.e. the store's; the
     * two argument form waits (up to 10 s) until each has gone.  OFFSET 0
     * keeps the planner from terminating before it filtered out our own. */
    rawdb_text(f->db, "SELECT count(*) || ' ' || count(*) FILTER (WHERE NOT"
                   " pg_terminate_backend(pid, 10000)) FROM (SELECT pid FROM pg_stat_activity"
                   " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                   " AND backend_type = 'client backend' OFFSET 0) AS others",
            text, sizeof(text));
    assert_string_equal(text, "1 0");

    make_rec(&t1, &r1, 2, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "after");
    assert_int_equal(rs_store_put_batches(s, &r1, 1, NULL, 0, err, sizeof(err)), RS_ESTORAGE);
    assert_nothing_acked(&r1, 1);
    if (rs_store_put_batches(s, &r1, 1, NULL, 0, err, sizeof(err)) != RS_OK)
        fail_msg("the put after the lost connection: %s", err);
    assert_int_equal(r1.ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(r1.seq, 2);
    assert_counts(f->db, 2, 2);
    assert_int_equal(rs_store_close(s), RS_OK);
}

static void test_put_rejects_bad_input(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec t;
    struct rs_store_rec r;
    char err[256];

    make_rec(&t, &r, 1, NULL, DIV_A, RS__RECORD__BODY_PROJECT, 2023, "v1");
    r.division_code = NULL;
    preset_acks(&r, 1);
    assert_int_equal(rs_store_put_batches(s, &r, 1, NULL, 0, err, sizeof(err)), RS_EINVAL);
    assert_nothing_acked(&r, 1);
    assert_string_equal(err, "rs_store_put_batches: record 0 lacks id, office, division or body");
    assert_int_equal(rs_store_put_batches(s, NULL, 0, NULL, 0, err, sizeof(err)), RS_OK);
    assert_counts(f->db, 0, 0);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/* ------------------------------------------------------------ offices */

struct office_log {
    size_t n;
    size_t stop_after;
    char codes[4][16];
    bool revoked[4];
};

static int on_office(const struct rs_office *o, void *arg)
{
    struct office_log *log = arg;

    if (log->n < 4) {
        snprintf(log->codes[log->n], sizeof(log->codes[0]), "%s", o->code);
        log->revoked[log->n] = o->revoked;
    }
    log->n++;
    return log->stop_after && log->n >= log->stop_after;
}

static void test_offices(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    char tok1[RS_TOKEN_HEX + 1], tok2[RS_TOKEN_HEX + 1], tok3[RS_TOKEN_HEX + 1];
    char bad[RS_TOKEN_HEX + 1];
    char long_name[200];
    char zh_name[200];
    uint8_t want_hash[RS_SHA256_LEN];
    char want_hex[RS_SHA256_HEX + 1];
    char got_hex[RS_SHA256_HEX + 1];
    struct rs_office o;
    struct office_log log;
    int64_t now = rs_now_unix();
    size_t i;

    assert_int_equal(rs_store_office_add(s, "330102", "东湖区移民局", RS__ROLE__ROLE_CENTRAL, tok1),
                     RS_OK);
    assert_int_equal(rs_store_office_add(s, "330102001", "东湖街道", RS__ROLE__ROLE_TOWNSHIP, tok2),
                     RS_OK);
    assert_int_equal(strlen(tok1), RS_TOKEN_HEX);
    for (i = 0; i < RS_TOKEN_HEX; i++)
        assert_non_null(strchr("0123456789abcdef", tok1[i]));
    assert_string_not_equal(tok1, tok2);

    /* Duplicate code, bad codes, names and roles. */
    assert_int_equal(rs_store_office_add(s, "330102001", "又一个", RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_EDUP);
    assert_string_equal(tok3, "");
    assert_int_equal(rs_store_office_add(s, "33010", "x", RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_EINVAL);
    assert_int_equal(rs_store_office_add(s, "3301020", "x", RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_EINVAL);
    assert_int_equal(rs_store_office_add(s, "33010200a", "x", RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_EINVAL);
    assert_int_equal(rs_store_office_add(s, "3301020010011", "x", RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_EINVAL);
    assert_int_equal(rs_store_office_add(s, "330102003", "", RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_EINVAL);
    assert_int_equal(rs_store_office_add(s, "330102003", "\xff\xfe", RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_EINVAL);
    assert_int_equal(rs_store_office_add(s, "330102003", "x", RS__ROLE__ROLE_UNSPECIFIED, tok3),
                     RS_EINVAL);
    memset(long_name, 'a', 121);
    long_name[121] = '\0';
    assert_int_equal(rs_store_office_add(s, "330102003", long_name, RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_EINVAL);
    /* 40 CJK characters are exactly 120 bytes: allowed. */
    zh_name[0] = '\0';
    for (i = 0; i < 40; i++)
        memcpy(zh_name + 3 * i, "镇", 4);
    assert_int_equal(strlen(zh_name), 120);
    assert_int_equal(rs_store_office_add(s, "330102002", zh_name, RS__ROLE__ROLE_TOWNSHIP, tok3),
                     RS_OK);

    /* Only the hash of the token is stored. */
    rs_sha256(tok2, RS_TOKEN_HEX, want_hash);
    rs_hex(want_hash, RS_SHA256_LEN, want_hex);
    rawdb_text(f->db,
             rawdb_is_pg(f->db) ? "SELECT encode(token_hash, 'hex') FROM offices WHERE code = '330102001'"
                          : "SELECT lower(hex(token_hash)) FROM offices WHERE code = '330102001'",
             got_hex, sizeof(got_hex));
    assert_string_equal(got_hex, want_hex);

    /* Auth. */
    memset(&o, 0, sizeof(o));
    assert_int_equal(rs_store_office_auth(s, "330102001", tok2, &o), RS_OK);
    assert_string_equal(o.code, "330102001");
    assert_string_equal(o.name, "东湖街道");
    assert_int_equal(o.role, RS__ROLE__ROLE_TOWNSHIP);
    assert_false(o.revoked);
    assert_true(o.created_at >= now - 5 && o.created_at <= now + 5);
    assert_int_equal(rs_store_office_auth(s, "330102002", tok3, &o), RS_OK);
    assert_string_equal(o.name, zh_name);

    assert_int_equal(rs_store_office_auth(s, "330102001", tok1, &o), RS_EAUTH);
    memcpy(bad, tok2, sizeof(bad));
    bad[RS_TOKEN_HEX - 1] = bad[RS_TOKEN_HEX - 1] == '0' ? '1' : '0';
    assert_int_equal(rs_store_office_auth(s, "330102001", bad, &o), RS_EAUTH);
    memcpy(bad, tok2, sizeof(bad));
    bad[RS_TOKEN_HEX - 1] = '\0';
    assert_int_equal(rs_store_office_auth(s, "330102001", bad, &o), RS_EAUTH);
    assert_int_equal(rs_store_office_auth(s, "330102001", NULL, &o), RS_EAUTH);
    assert_int_equal(rs_store_office_auth(s, "330102999", tok2, &o), RS_EAUTH);
    assert_int_equal(rs_store_office_auth(s, "not a code", tok2, &o), RS_EAUTH);

    /* List in code order, then stop early. */
    memset(&log, 0, sizeof(log));
    assert_int_equal(rs_store_office_list(s, on_office, &log), RS_OK);
    assert_int_equal(log.n, 3);
    assert_string_equal(log.codes[0], "330102");
    assert_string_equal(log.codes[1], "330102001");
    assert_string_equal(log.codes[2], "330102002");
    memset(&log, 0, sizeof(log));
    log.stop_after = 1;
    assert_int_equal(rs_store_office_list(s, on_office, &log), RS_OK);
    assert_int_equal(log.n, 1);

    /* Revoke. */
    assert_int_equal(rs_store_office_revoke(s, "330102001"), RS_OK);
    assert_int_equal(rs_store_office_auth(s, "330102001", tok2, &o), RS_EAUTH);
    assert_int_equal(rs_store_office_revoke(s, "330102001"), RS_OK);
    assert_int_equal(rs_store_office_revoke(s, "330102999"), RS_ENOTFOUND);
    assert_int_equal(rs_store_office_auth(s, "330102", tok1, &o), RS_OK);
    assert_int_equal(o.role, RS__ROLE__ROLE_CENTRAL);
    memset(&log, 0, sizeof(log));
    assert_int_equal(rs_store_office_list(s, on_office, &log), RS_OK);
    assert_false(log.revoked[0]);
    assert_true(log.revoked[1]);
    assert_false(log.revoked[2]);

    /* A new token: the office signs in with it again, not with the old one. */
    {
        char tok4[RS_TOKEN_HEX + 1];

        assert_int_equal(rs_store_office_token(s, "330102001", tok4), RS_OK);
        assert_int_equal(strlen(tok4), RS_TOKEN_HEX);
        assert_string_not_equal(tok4, tok2);
        assert_int_equal(rs_store_office_auth(s, "330102001", tok4, &o), RS_OK);
        assert_int_equal(rs_store_office_auth(s, "330102001", tok2, &o), RS_EAUTH);
        assert_int_equal(rs_store_office_token(s, "330102999", tok4), RS_ENOTFOUND);
        assert_string_equal(tok4, "");
        assert_int_equal(rs_store_office_token(s, "x", tok4), RS_EINVAL);
        memset(&log, 0, sizeof(log));
        assert_int_equal(rs_store_office_list(s, on_office, &log), RS_OK);
        assert_false(log.revoked[1]);
    }

    assert_int_equal(rs_store_close(s), RS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate_from_empty, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_schema_on_callers_connection, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_reopen_is_idempotent, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_refuse_foreign_sqlite, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_refuse_newer_schema, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_migrate_ids_to_canonical, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_refuse_not_sqlite, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_readonly_missing_and_empty, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_stored_duplicate_conflict, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_supersede_happy_path, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_supersede_unknown, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_supersede_stale, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_supersede_across_type_or_division, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_same_id_twice_in_one_call, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_mixed_put_keeps_order_and_numbers, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_batch_of_1000, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_text_with_lengths, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_put_fails_while_locked, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_put_fails_at_commit, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_pg_batch_key_dropped, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_put_after_connection_lost, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_put_rejects_bad_input, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_offices, tmpdir_setup, tmpdir_teardown),
    };

    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}

/*
 * test_audit.c - tests of the store's hash-chained audit trail: the
 * documented row hash recomputed here from its definition, a chain of
 * batches, refused handshakes and office changes that verifies, a batch
 * row written in the transaction of its records (and not at all when that
 * transaction fails), its records hash over ids given with their lengths,
 * tampering caught at the row that was changed (detail, time, prev_hash, a
 * deleted row), the tables checked against the trail (rows cut from its
 * end, a changed or deleted record, a record of no batch, an office's
 * state undone by hand), the append-only triggers, control characters cleaned on
 * the way in, and a schema version 1 database migrated forward with its
 * offices kept.
 *
 * Every test works in its own mkdtemp directory under $TMPDIR (or /tmp).
 * Does not test the server that writes the rows (itest_access.c,
 * itest_tls.c do).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rawdb.h"
#include "rs_store.h"
#include "tmpdir_fixture.h"

#define OFFICE "430602001"
#define DIV "430602001"
#define BODY_MAX 512

struct trec {
    char id[RS_UUID_LEN + 1];
    uint8_t body[BODY_MAX];
};

/* ------------------------------------------------------------ helpers */

static struct rs_store *open_rw(const char *path)
{
    struct rs_store *s = NULL;
    char err[256];

    if (rs_store_open(path, RS_STORE_READWRITE, &s, err, sizeof(err)) != RS_OK)
        fail_msg("open %s: %s", path, err);
    return s;
}

/* Lifts the audit table's append-only guard, as someone with the database's
 * own rights could: SQLite's two triggers dropped, PostgreSQL's disabled. */
static void unguard_audit(const char *db)
{
    rawdb_exec(db, rawdb_is_pg(db) ? "ALTER TABLE audit DISABLE TRIGGER audit_append_only"
                                   : "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
}

static void hex_bytes(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;

        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* Column col of audit row seq as text into out (cap bytes); the hashes as hex. */
static void raw_col(const char *path, long long seq, const char *col, char *out, size_t cap)
{
    char sql[160];
    bool hash = strstr(col, "hash") != NULL;

    if (hash)
        snprintf(sql, sizeof(sql), "SELECT %s(%s%s) FROM audit WHERE seq = %lld",
                 rawdb_is_pg(path) ? "encode" : "lower(hex", col,
                 rawdb_is_pg(path) ? ", 'hex'" : ")", seq);
    else
        snprintf(sql, sizeof(sql), "SELECT %s FROM audit WHERE seq = %lld", col, seq);
    rawdb_text(path, sql, out, cap);
}

/* Reads one row of the audit table. */
static void raw_row(const char *path, long long seq, struct rs_audit_row *r)
{
    char v[2 * RS_SHA256_LEN + 1];

    memset(r, 0, sizeof(*r));
    r->seq = (uint64_t)seq;
    raw_col(path, seq, "time", v, sizeof(v));
    r->time = strtoll(v, NULL, 10);
    raw_col(path, seq, "kind", r->kind, sizeof(r->kind));
    raw_col(path, seq, "office", r->office, sizeof(r->office));
    raw_col(path, seq, "peer", r->peer, sizeof(r->peer));
    raw_col(path, seq, "detail", r->detail, sizeof(r->detail));
    raw_col(path, seq, "prev_hash", v, sizeof(v));
    hex_bytes(v, r->prev_hash, RS_SHA256_LEN);
    raw_col(path, seq, "hash", v, sizeof(v));
    hex_bytes(v, r->hash, RS_SHA256_LEN);
}

static size_t put_field(uint8_t *buf, size_t off, const char *s)
{
    size_t n = strlen(s);

    buf[off++] = (uint8_t)(n >> 24);
    buf[off++] = (uint8_t)(n >> 16);
    buf[off++] = (uint8_t)(n >> 8);
    buf[off++] = (uint8_t)n;
    memcpy(buf + off, s, n);
    return off + n;
}

/* The row hash exactly as rs_store.h documents it, computed independently. */
static void documented_hash(const struct rs_audit_row *r, uint8_t out[RS_SHA256_LEN])
{
    uint8_t buf[2048];
    char num[32];
    size_t off = 0;

    memcpy(buf, r->prev_hash, RS_SHA256_LEN);
    off = RS_SHA256_LEN;
    snprintf(num, sizeof(num), "%llu", (unsigned long long)r->seq);
    off = put_field(buf, off, num);
    snprintf(num, sizeof(num), "%lld", (long long)r->time);
    off = put_field(buf, off, num);
    off = put_field(buf, off, r->kind);
    off = put_field(buf, off, r->office);
    off = put_field(buf, off, r->peer);
    off = put_field(buf, off, r->detail);
    rs_sha256(buf, off, out);
}

static void make_rec(struct trec *t, struct rs_store_rec *out, unsigned n, const char *batch)
{
    Rs__Record r = RS__RECORD__INIT;
    Rs__Project p = RS__PROJECT__INIT;
    size_t len;

    snprintf(t->id, sizeof(t->id), "%08x-0000-4000-8000-00000000a0d1", n);
    r.id = t->id;
    r.division_code = DIV;
    r.has_year = 1;
    r.year = 2023;
    p.name = "道路硬化";
    r.body_case = RS__RECORD__BODY_PROJECT;
    r.project = &p;
    len = rs__record__get_packed_size(&r);
    assert_true(len <= sizeof(t->body));
    rs__record__pack(&r, t->body);
    memset(out, 0, sizeof(*out));
    out->id = t->id;
    out->office_code = OFFICE;
    out->division_code = DIV;
    out->batch_id = batch;
    out->type = RS__RECORD__BODY_PROJECT;
    out->year = 2023;
    out->period = RS__PERIOD__PERIOD_YEAR;
    out->body = t->body;
    out->body_len = len;
    rs_sha256(t->body, len, out->hash);
}

static void expect_ok(struct rs_store *s, uint64_t rows)
{
    uint64_t n = 99, broken = 99;
    char why[256];

    assert_int_equal(rs_store_audit_verify(s, &n, &broken, why, sizeof(why)), RS_OK);
    assert_int_equal(n, rows);
    assert_int_equal(broken, 0);
    assert_string_equal(why, "");
}

static void expect_broken(const char *path, uint64_t row, const char *why_want)
{
    struct rs_store *s = NULL;
    uint64_t n = 99, broken = 0;
    char err[256], why[256];

    assert_int_equal(rs_store_open(path, RS_STORE_READONLY, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_store_audit_verify(s, &n, &broken, why, sizeof(why)), RS_ECONFLICT);
    assert_int_equal(broken, row);
    assert_string_equal(why, why_want);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/* Problems rs_store_audit_verify_records found, one line each. */
struct problems {
    char text[4096];
    size_t len;
};

static void add_problem(const char *problem, void *arg)
{
    struct problems *p = arg;
    int n = snprintf(p->text + p->len, sizeof(p->text) - p->len, "%s\n", problem);

    if (n > 0 && (size_t)n < sizeof(p->text) - p->len)
        p->len += (size_t)n;
}

/* Runs the record check on path (read-only); *out gets what it looked at. */
static void check_records(const char *path, struct rs_audit_check *out, struct problems *p)
{
    struct rs_store *s = NULL;
    char err[256];

    memset(p, 0, sizeof(*p));
    assert_int_equal(rs_store_open(path, RS_STORE_READONLY, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_store_audit_verify_records(s, add_problem, p, out), RS_OK);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/* Asserts the record check finds exactly n problems, one of them containing needle. */
static void expect_problem(const char *path, uint64_t n, const char *needle)
{
    struct rs_audit_check chk;
    struct problems p;

    check_records(path, &chk, &p);
    if (chk.problems != n || !strstr(p.text, needle))
        fail_msg("want %llu problems with \"%s\", got %llu:\n%s", (unsigned long long)n,
                 needle, (unsigned long long)chk.problems, p.text);
}

/* Makes a chain of 3 office rows, 2 batch rows and 5 handshake rows (10). */
static void make_chain(const char *path)
{
    struct rs_store *s = open_rw(path);
    struct trec t[3];
    struct rs_store_rec r[3];
    struct rs_store_batch b[2];
    char token[RS_TOKEN_HEX + 1], err[256];

    rs_store_set_actor(s, "local uid 0 (root)");
    assert_int_equal(rs_store_office_add(s, OFFICE, "金鹗山街道", RS__ROLE__ROLE_TOWNSHIP, token),
                     RS_OK);
    assert_int_equal(rs_store_office_add(s, "430602", "中心", RS__ROLE__ROLE_CENTRAL, token),
                     RS_OK);
    assert_int_equal(rs_store_office_revoke(s, "430602"), RS_OK);
    make_rec(&t[0], &r[0], 1, "b-1");
    make_rec(&t[1], &r[1], 2, "b-1");
    make_rec(&t[2], &r[2], 3, "b-2");
    memset(b, 0, sizeof(b));
    b[0] = (struct rs_store_batch){.office_code = OFFICE, .peer = "127.0.0.1:5000",
                                   .batch_id = "b-1", .first = 0, .n = 2, .n_refused = 1};
    b[1] = (struct rs_store_batch){.office_code = OFFICE, .peer = "127.0.0.1:5001",
                                   .batch_id = "b-2", .first = 2, .n = 1, .n_refused = 0};
    assert_int_equal(rs_store_put_batches(s, r, 3, b, 2, err, sizeof(err)), RS_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rs_store_audit_append(s, RS_AUDIT_HANDSHAKE_REFUSED, "430602009",
                                               "10.0.0.7:4000", "unknown office, wrong token "
                                                                "or revoked office",
                                               NULL, NULL),
                         RS_OK);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/* ------------------------------------------------------------ tests */

static void test_chain_verifies(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    struct rs_audit_row r;
    uint8_t want[RS_SHA256_LEN], prev[RS_SHA256_LEN];

    make_chain(f->db);
    s = open_rw(f->db);
    expect_ok(s, 10);
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit"), 10);

    /* Every row's hash is the documented one, and each links to the last. */
    memset(prev, 0, sizeof(prev));
    for (long long seq = 1; seq <= 10; seq++) {
        raw_row(f->db, seq, &r);
        assert_memory_equal(r.prev_hash, prev, RS_SHA256_LEN);
        documented_hash(&r, want);
        assert_memory_equal(r.hash, want, RS_SHA256_LEN);
        memcpy(prev, r.hash, RS_SHA256_LEN);
    }
    raw_row(f->db, 1, &r);
    assert_string_equal(r.kind, "office_add");
    assert_string_equal(r.office, OFFICE);
    assert_string_equal(r.peer, "local uid 0 (root)");
    assert_string_equal(r.detail, "office 430602001 added: role township, name 金鹗山街道");
    raw_row(f->db, 3, &r);
    assert_string_equal(r.kind, "office_revoke");
    assert_string_equal(r.detail, "office 430602 revoked");
    raw_row(f->db, 6, &r);
    assert_string_equal(r.kind, "handshake_refused");
    assert_string_equal(r.office, "430602009");
    assert_string_equal(r.peer, "10.0.0.7:4000");
}

static void test_batch_row_and_receipt(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec t[3];
    struct rs_store_rec r[3];
    struct rs_store_batch b;
    struct rs_audit_row row;
    char err[256], hex[65], shex[65], line[256], want[RS_AUDIT_DETAIL_MAX + 1];
    uint8_t digest[RS_SHA256_LEN];
    char text[1024];
    size_t len = 0;

    make_rec(&t[0], &r[0], 1, "batch-x");
    make_rec(&t[1], &r[1], 2, "batch-x");
    assert_int_equal(rs_store_put_batches(s, r, 2, NULL, 0, err, sizeof(err)), RS_OK);
    /* Record 2 again (duplicate) and a new one, as one batch with 2 refused earlier. */
    make_rec(&t[2], &r[2], 3, "batch-y");
    r[1].batch_id = "batch-y";
    memset(&b, 0, sizeof(b));
    b.office_code = OFFICE;
    b.peer = "127.0.0.1:6000";
    b.batch_id = "batch-y";
    b.first = 1;
    b.n = 2;
    b.n_refused = 2;
    assert_int_equal(rs_store_put_batches(s, r, 3, &b, 1, err, sizeof(err)), RS_OK);
    assert_int_equal(r[1].ack, RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(r[2].ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(b.audit_seq, 1);
    expect_ok(s, 1);
    assert_int_equal(rs_store_close(s), RS_OK);

    /* The receipt is the stored row: its seq and chain hash. */
    raw_row(f->db, 1, &row);
    assert_memory_equal(row.hash, b.audit_hash, RS_SHA256_LEN);
    assert_string_equal(row.kind, "batch");
    assert_string_equal(row.office, OFFICE);
    assert_string_equal(row.peer, "127.0.0.1:6000");
    /* The records hash: "<id> <hex sha256> <ack>\n" of the batch's records in order. */
    for (int i = 1; i <= 2; i++) {
        rs_hex(r[i].hash, RS_SHA256_LEN, hex);
        snprintf(line, sizeof(line), "%s %s %s\n", r[i].id, hex, i == 1 ? "duplicate" : "stored");
        memcpy(text + len, line, strlen(line));
        len += strlen(line);
    }
    rs_sha256(text, len, digest);
    rs_hex(digest, RS_SHA256_LEN, hex);
    /* The stored digest: "<id> <hex sha256>\n" of the stored records alone. */
    rs_hex(r[2].hash, RS_SHA256_LEN, shex);
    snprintf(line, sizeof(line), "%s %s\n", r[2].id, shex);
    rs_sha256(line, strlen(line), digest);
    rs_hex(digest, RS_SHA256_LEN, shex);
    snprintf(want, sizeof(want),
             "batch batch-y: 4 records: 1 stored, 1 duplicate, 0 conflict, 2 rejected; "
             "records sha256 %s; stored sha256 %s",
             hex, shex);
    assert_string_equal(row.detail, want);
    /* The records and the row are one transaction: both are there. */
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records"), 3);
}

/* Ids given with their lengths are hashed as those bytes, not up to a NUL. */
static void test_batch_row_with_lengths(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct trec t[2];
    struct rs_store_rec r[2];
    struct rs_store_batch b;
    struct rs_audit_row row;
    char ids[2][64], err[256], hex[65], shex[65], line[256], want[RS_AUDIT_DETAIL_MAX + 1];
    char text[512];
    uint8_t digest[RS_SHA256_LEN];
    size_t len = 0;

    for (int i = 0; i < 2; i++) {
        make_rec(&t[i], &r[i], (unsigned)i + 1, "batch-z");
        snprintf(ids[i], sizeof(ids[i]), "%s trailing bytes", t[i].id);
        r[i].id = ids[i];
        r[i].id_len = RS_UUID_LEN;
    }
    memset(&b, 0, sizeof(b));
    b.office_code = OFFICE;
    b.peer = "127.0.0.1:7000";
    b.batch_id = "batch-z";
    b.n = 2;
    assert_int_equal(rs_store_put_batches(s, r, 2, &b, 1, err, sizeof(err)), RS_OK);
    expect_ok(s, 1);
    assert_int_equal(rs_store_close(s), RS_OK);

    for (int i = 0; i < 2; i++) {
        rs_hex(r[i].hash, RS_SHA256_LEN, hex);
        snprintf(line, sizeof(line), "%.*s %s stored\n", RS_UUID_LEN, t[i].id, hex);
        memcpy(text + len, line, strlen(line));
        len += strlen(line);
    }
    rs_sha256(text, len, digest);
    rs_hex(digest, RS_SHA256_LEN, hex);
    len = 0;
    for (int i = 0; i < 2; i++) {
        rs_hex(r[i].hash, RS_SHA256_LEN, shex);
        snprintf(line, sizeof(line), "%.*s %s\n", RS_UUID_LEN, t[i].id, shex);
        memcpy(text + len, line, strlen(line));
        len += strlen(line);
    }
    rs_sha256(text, len, digest);
    rs_hex(digest, RS_SHA256_LEN, shex);
    snprintf(want, sizeof(want),
             "batch batch-z: 2 records: 2 stored, 0 duplicate, 0 conflict, 0 rejected; "
             "records sha256 %s; stored sha256 %s",
             hex, shex);
    raw_row(f->db, 1, &row);
    assert_string_equal(row.detail, want);
}

static void test_failed_put_writes_no_row(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db), *ro = NULL;
    struct trec t;
    struct rs_store_rec r;
    struct rs_store_batch b;
    char err[256];

    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rs_store_open(f->db, RS_STORE_READONLY, &ro, err, sizeof(err)), RS_OK);
    make_rec(&t, &r, 1, "b");
    memset(&b, 0, sizeof(b));
    b.office_code = OFFICE;
    b.peer = "p";
    b.batch_id = "b";
    b.n = 1;
    assert_int_equal(rs_store_put_batches(ro, &r, 1, &b, 1, err, sizeof(err)), RS_ESTORAGE);
    assert_int_equal(b.audit_seq, 0);
    assert_int_equal(r.ack, RS__ACK_STATUS__ACK_UNSPECIFIED);
    assert_int_equal(rs_store_close(ro), RS_OK);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit"), 0);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records"), 0);

    /* A batch whose range lies outside the records is refused before anything. */
    s = open_rw(f->db);
    b.first = 1;
    assert_int_equal(rs_store_put_batches(s, &r, 1, &b, 1, err, sizeof(err)), RS_EINVAL);
    /* A batch of no records (all refused earlier) still gets its row. */
    b.first = 0;
    b.n = 0;
    b.n_refused = 3;
    assert_int_equal(rs_store_put_batches(s, NULL, 0, &b, 1, err, sizeof(err)), RS_OK);
    assert_int_equal(b.audit_seq, 1);
    expect_ok(s, 1);
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit WHERE detail LIKE "
                                    "'batch b: 3 records: 0 stored, 0 duplicate, 0 conflict, "
                                    "3 rejected; records sha256 %'"),
                     1);
}

static void test_tampered_detail_is_named(void **state)
{
    struct fixture *f = *state;

    make_chain(f->db);
    unguard_audit(f->db);
    rawdb_exec(f->db, "UPDATE audit SET detail = replace(detail, '1 rejected', '0 rejected')"
                    " WHERE seq = 4;");
    expect_broken(f->db, 4, "hash does not match the row's contents (seq, time, kind, office, "
                            "peer or detail changed)");
}

static void test_tampered_time_and_links(void **state)
{
    struct fixture *f = *state;

    make_chain(f->db);
    unguard_audit(f->db);

    /* A changed time. */
    rawdb_exec(f->db, "UPDATE audit SET time = time - 86400 WHERE seq = 7");
    expect_broken(f->db, 7, "hash does not match the row's contents (seq, time, kind, office, "
                            "peer or detail changed)");

    /* Recomputing that row's hash does not help: the next row no longer links. */
    {
        struct rs_audit_row r;
        uint8_t h[RS_SHA256_LEN];
        char sql[256], hex[65], lit[96];

        raw_row(f->db, 7, &r);
        documented_hash(&r, h);
        rs_hex(h, RS_SHA256_LEN, hex);
        snprintf(sql, sizeof(sql), "UPDATE audit SET hash = %s WHERE seq = 7",
                 rawdb_blob_lit(f->db, hex, lit, sizeof(lit)));
        rawdb_exec(f->db, sql);
        expect_broken(f->db, 8, "prev_hash is not the hash of row 7");
    }

    /* A deleted row in the middle. */
    rawdb_exec(f->db, "DELETE FROM audit WHERE seq >= 7");
    rawdb_exec(f->db, "DELETE FROM audit WHERE seq = 2");
    expect_broken(f->db, 2, "row 2 is missing (the next row is 3)");

    /* The first row must start from zeros. */
    {
        char sql[256], lit[96];

        snprintf(sql, sizeof(sql), "DELETE FROM audit WHERE seq > 1;"
                                   "UPDATE audit SET prev_hash = %s WHERE seq = 1",
                 rawdb_blob_lit(f->db, "01000000000000000000000000000000"
                                 "00000000000000000000000000000000",
                          lit, sizeof(lit)));
        rawdb_exec(f->db, sql);
    }
    expect_broken(f->db, 1, "prev_hash of the first row is not all zero");
}

/* The chain of make_chain against its tables: everything matches. */
static void test_records_match_the_trail(void **state)
{
    struct fixture *f = *state;
    struct rs_audit_check chk;
    struct problems p;

    make_chain(f->db);
    check_records(f->db, &chk, &p);
    assert_string_equal(p.text, "");
    assert_int_equal(chk.problems, 0);
    assert_int_equal(chk.records, 3);
    assert_int_equal(chk.checked_records, 3);
    assert_int_equal(chk.batches, 2);
    assert_int_equal(chk.offices, 2);
    assert_int_equal(chk.from_record, 0);
}

/*
 * Rows removed from the end of the trail leave a valid chain, but the
 * batches rows still name them; with every row gone the offices lack theirs.
 */
static void test_truncation_is_found(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;

    make_chain(f->db);
    unguard_audit(f->db);
    rawdb_exec(f->db, "DELETE FROM audit WHERE seq >= 5");
    s = open_rw(f->db);
    expect_ok(s, 4);
    assert_int_equal(rs_store_close(s), RS_OK);
    expect_problem(f->db, 1, "batch b-2 of 430602001 (batches row 2) names audit row 5, which "
                             "is not a batch row of the trail (rows removed from its end, or "
                             "replaced)");

    /* The next row takes seq 5 again: still not batch b-2's row. */
    s = open_rw(f->db);
    assert_int_equal(rs_store_audit_append(s, RS_AUDIT_HANDSHAKE_REFUSED, "430602009",
                                           "10.0.0.7:4000", "wrong token", NULL, NULL),
                     RS_OK);
    expect_ok(s, 5);
    assert_int_equal(rs_store_close(s), RS_OK);
    expect_problem(f->db, 1, "names audit row 5, which is not a batch row of the trail");

    rawdb_exec(f->db, "DELETE FROM audit");
    s = open_rw(f->db);
    expect_ok(s, 0);
    assert_int_equal(rs_store_close(s), RS_OK);
    /* Two batches without their rows, two offices without their office_add. */
    expect_problem(f->db, 4, "office 430602 has no office_add row in the trail");
    expect_problem(f->db, 4, "batch b-1 of 430602001 (batches row 1) names audit row 4");
}

/* A changed body, a body changed with its hash, a deleted and an added record row. */
static void test_record_tampering_is_found(void **state)
{
    struct fixture *f = *state;
    uint8_t h[RS_SHA256_LEN];
    char sql[256], hex[65], id[RS_UUID_LEN + 1], lit[96];

    make_chain(f->db);
    snprintf(id, sizeof(id), "%08x-0000-4000-8000-00000000a0d1", 2);
    snprintf(sql, sizeof(sql), "UPDATE records SET body = %s WHERE seq = 2",
             rawdb_blob_lit(f->db, "0a0178", lit, sizeof(lit)));
    rawdb_exec(f->db, sql);
    snprintf(sql, sizeof(sql), "record %s (row 2): its body does not match its stored hash", id);
    /* The record's own hash and its batch's digest (over the unchanged hash) agree. */
    expect_problem(f->db, 1, sql);

    /* The hash recomputed to match: the batch's digest in the trail no longer does. */
    snprintf(sql, sizeof(sql), "UPDATE records SET body = %s WHERE seq = 2",
             rawdb_blob_lit(f->db, "0a00", lit, sizeof(lit)));
    rawdb_exec(f->db, sql);
    rs_sha256("\x0a\x00", 2, h);
    rs_hex(h, RS_SHA256_LEN, hex);
    snprintf(sql, sizeof(sql), "UPDATE records SET hash = %s WHERE seq = 2",
             rawdb_blob_lit(f->db, hex, lit, sizeof(lit)));
    rawdb_exec(f->db, sql);
    expect_problem(f->db, 1, "batch b-1 of 430602001 (audit row 4): its stored records do not "
                             "hash to what the trail says");

    /* The row deleted. */
    rawdb_exec(f->db, "DELETE FROM records WHERE seq = 2");
    expect_problem(f->db, 1, "batch b-1 of 430602001 (audit row 4): the trail says 2 stored "
                             "records, the records table holds 1 of them (record rows were "
                             "deleted)");

    /* A record of no batch, put in by hand. */
    rawdb_exec(f->db, "INSERT INTO records(seq, record_id, office_code, division_code, type, year,"
                    " period, hash, body, batch, received_at) SELECT 9, 'x', office_code,"
                    " division_code, type, year, period, hash, body, NULL, received_at"
                    " FROM records WHERE seq = 1");
    expect_problem(f->db, 2, "record x (row 9) belongs to no batch");
}

/* An office revoked in the trail but active in its table (the revocation undone by hand). */
static void test_office_state_against_trail(void **state)
{
    struct fixture *f = *state;

    make_chain(f->db);
    rawdb_exec(f->db, "UPDATE offices SET revoked = 0 WHERE code = '430602'");
    expect_problem(f->db, 1, "office 430602 is active, but the trail revoked it at row 3");
    rawdb_exec(f->db, "UPDATE offices SET revoked = 1 WHERE code = '430602001'");
    expect_problem(f->db, 2, "office 430602001 is revoked, but the trail has no office_revoke "
                             "row for it");
}

/* A revoked office given a new token is active again, and the trail says so. */
static void test_office_new_token(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    struct rs_audit_row r;
    char tok[RS_TOKEN_HEX + 1];
    uint64_t last;

    make_chain(f->db);
    s = open_rw(f->db);
    last = (uint64_t)rawdb_int(f->db, "SELECT max(seq) FROM audit");
    assert_int_equal(rs_store_office_token(s, "430602", tok), RS_OK);
    expect_ok(s, last + 1);
    assert_int_equal(rs_store_close(s), RS_OK);
    raw_row(f->db, last + 1, &r);
    assert_string_equal(r.kind, "office_token");
    assert_string_equal(r.detail, "office 430602 given a new token");
    assert_int_equal(rawdb_int(f->db, "SELECT revoked FROM offices WHERE code = '430602'"), 0);
    expect_problem(f->db, 0, "");
    /* Revoked behind the trail's back after the new token: found. */
    rawdb_exec(f->db, "UPDATE offices SET revoked = 1 WHERE code = '430602'");
    expect_problem(f->db, 1, "office 430602 is revoked, but the trail gave it a new token at row");
}

static void test_append_only_and_clean_text(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s;
    struct rs_audit_row r;
    char msg[256], big[2000];
    uint64_t seq = 0;
    uint8_t hash[RS_SHA256_LEN];

    make_chain(f->db);
    assert_false(rawdb_try(f->db, "UPDATE audit SET detail = 'x' WHERE seq = 1", msg,
                           sizeof(msg)));
    assert_non_null(strstr(msg, "audit rows are append-only"));
    assert_false(rawdb_try(f->db, "DELETE FROM audit WHERE seq = 10", msg, sizeof(msg)));
    assert_non_null(strstr(msg, "audit rows are append-only"));
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit"), 10);

    /* Control characters become '?', invalid UTF-8 too; text is cut at its cap. */
    s = open_rw(f->db);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(rs_store_audit_append(s, RS_AUDIT_HANDSHAKE_REFUSED, "4306\n02\xff",
                                           "127.0.0.1:1\r\n", big, &seq, hash),
                     RS_OK);
    assert_int_equal(seq, 11);
    expect_ok(s, 11);
    assert_int_equal(rs_store_close(s), RS_OK);
    raw_row(f->db, 11, &r);
    assert_string_equal(r.office, "4306?02?");
    assert_string_equal(r.peer, "127.0.0.1:1??");
    assert_int_equal(strlen(r.detail), RS_AUDIT_DETAIL_MAX);
    assert_memory_equal(r.hash, hash, RS_SHA256_LEN);
}

/* The version 1 schema, as resettle 0.1 created it. */
static const char v1_schema[] =
    "CREATE TABLE offices(code TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL,"
    " role INTEGER NOT NULL, token_hash BLOB NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL) STRICT;"
    "CREATE TABLE batches(id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL,"
    " office_code TEXT NOT NULL, received_at INTEGER NOT NULL, n_records INTEGER NOT NULL)"
    " STRICT;"
    "CREATE TABLE records(seq INTEGER PRIMARY KEY, record_id TEXT NOT NULL UNIQUE,"
    " supersedes TEXT, superseded_by TEXT, office_code TEXT NOT NULL,"
    " division_code TEXT NOT NULL, type INTEGER NOT NULL, year INTEGER NOT NULL,"
    " period INTEGER NOT NULL, hash BLOB NOT NULL, body BLOB NOT NULL,"
    " batch INTEGER REFERENCES batches(id), received_at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX records_current_year ON records(year) WHERE superseded_by IS NULL;"
    "INSERT INTO offices VALUES('430602001', '金鹗山街道', 1, zeroblob(32), 0, 1700000000);"
    "PRAGMA application_id = 1381190705; PRAGMA user_version = 1;";

static void test_v1_database_migrates(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s, *ro = NULL;
    struct rs_audit_row r;
    char err[256], want[96];

    SQLITE_ONLY();
    rawdb_exec(f->db, v1_schema);
    /* Read-only use of a version 1 file asks for the migration first. */
    assert_int_equal(rs_store_open(f->db, RS_STORE_READONLY, &ro, err, sizeof(err)),
                     RS_ESCHEMA);
    snprintf(want, sizeof(want), "schema version 1 is older than this program (%d)",
             RS_STORE_SCHEMA_VERSION);
    assert_non_null(strstr(err, want));

    s = open_rw(f->db);
    assert_int_equal(rawdb_int(f->db, "PRAGMA user_version"), RS_STORE_SCHEMA_VERSION);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM offices"), 1);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM pragma_table_list WHERE name = "
                                    "'audit' AND strict = 1"),
                     1);
    expect_ok(s, 0);
    rs_store_set_actor(s, "local uid 1000 (clerk)");
    assert_int_equal(rs_store_office_revoke(s, "430602001"), RS_OK);
    assert_int_equal(rs_store_office_revoke(s, "430602099"), RS_ENOTFOUND);
    expect_ok(s, 1);
    assert_int_equal(rs_store_close(s), RS_OK);
    raw_row(f->db, 1, &r);
    assert_string_equal(r.kind, "office_revoke");
    assert_string_equal(r.peer, "local uid 1000 (clerk)");
    assert_string_equal(r.detail, "office 430602001 revoked");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_verifies, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_batch_row_and_receipt, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_office_new_token, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_batch_row_with_lengths, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_failed_put_writes_no_row, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_tampered_detail_is_named, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_tampered_time_and_links, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_records_match_the_trail, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_truncation_is_found, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_record_tampering_is_found, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_office_state_against_trail, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_append_only_and_clean_text, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_v1_database_migrates, tmpdir_setup, tmpdir_teardown),
    };

    return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}

/*
 * test_outbox.c - tests for rs_outbox: creating and reopening the file
 * (pragmas, application_id, schema version), record ids (time-ordered
 * and increasing, with the right supersedes for later versions, kept
 * when the caller gives one), unchanged content, retries of refused
 * records, the pending listing, acknowledgements and their finality,
 * counts, the failure list, refusing foreign or newer files untouched,
 * begin/rollback, a process killed before or after its commit, and the
 * body packed once, as protobuf-c packs the whole record.
 *
 * Does not: test record validation or natural-key rules (test_validate.c)
 * or sending (the sync tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rs_outbox.h"
#include "rs_pbscan.h"
#include "rs_util.h"
#include "rs_validate.h"
#include "tmpdir.h"

#define ERRLEN 256
#define PROJECT_NKEY "430602001|2023|project|project:P-2023-001"

struct fx {
    char dir[64];
    char path[128];
    struct rs_outbox *ob;
};

/* ------------------------------------------------------------ helpers */

static void make_project(Rs__Record *r, Rs__Project *p, const char *project_id,
                         int64_t planned_fen)
{
    rs__record__init(r);
    rs__project__init(p);
    r->division_code = "430602001";
    r->has_year = true;
    r->year = 2023;
    r->has_period = true;
    r->period = RS__PERIOD__PERIOD_YEAR;
    r->body_case = RS__RECORD__BODY_PROJECT;
    r->project = p;
    p->project_id = (char *)project_id;
    p->name = "移民村道路硬化";
    p->village = "新塘村";
    p->has_category = true;
    p->category = RS__PROJECT_CATEGORY__CAT_ROAD;
    p->has_planned_investment_fen = true;
    p->planned_investment_fen = planned_fen;
}

static void make_relief(Rs__Record *r, Rs__Relief *rl, const char *household, int64_t amount)
{
    rs__record__init(r);
    rs__relief__init(rl);
    r->division_code = "430602001";
    r->has_year = true;
    r->year = 2023;
    r->has_period = true;
    r->period = RS__PERIOD__PERIOD_YEAR;
    r->body_case = RS__RECORD__BODY_RELIEF;
    r->relief = rl;
    rl->household_ref = (char *)household;
    rl->village = "新塘村";
    rl->has_reason = true;
    rl->reason = RS__RELIEF_REASON__RELIEF_ILLNESS;
    rl->has_kind = true;
    rl->kind = RS__RELIEF_KIND__RKIND_HARDSHIP;
    rl->has_persons = true;
    rl->persons = 3;
    rl->has_amount_fen = true;
    rl->amount_fen = amount;
    rl->has_paid_date = true;
    rl->paid_date = 20231220;
}

/* Frees what rs_outbox_add put into r. */
static void clear_ids(Rs__Record *r)
{
    free(r->id);
    free(r->supersedes);
    r->id = NULL;
    r->supersedes = NULL;
}

static enum rs_outbox_added add_ok(struct rs_outbox *ob, Rs__Record *r, const char *source)
{
    enum rs_outbox_added what = (enum rs_outbox_added)-1;

    assert_int_equal(rs_outbox_add(ob, r, source, &what), RS_OK);
    assert_non_null(r->id);
    assert_true(rs_uuid_valid(r->id));
    return what;
}

/* A new row's id is time-ordered (version 7) and sorts after every id the
 * outbox made before it; *last becomes id. */
static void expect_next_id(const char *id, char last[RS_UUID_LEN + 1])
{
    assert_true(rs_uuid_valid(id));
    assert_int_equal(id[14], '7');
    assert_true(strcmp(last, id) < 0);
    memcpy(last, id, RS_UUID_LEN + 1);
}

/* One integer from a query on a second connection to the same file. */
static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int64_t v;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    return v;
}

/* One text value (or "" for NULL, "<none>" for no row) into out. */
static void raw_text(const char *path, const char *sql, const char *arg, char *out, size_t n)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (arg)
        assert_int_equal(sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC), SQLITE_OK);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);

        snprintf(out, n, "%s", t ? (const char *)t : "");
    } else {
        assert_int_equal(rc, SQLITE_DONE);
        snprintf(out, n, "<none>");
    }
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int64_t row_count(const char *path)
{
    return raw_int(path, "SELECT count(*) FROM outbox");
}

static int64_t state_of(const char *path, const char *id)
{
    char sql[160];

    snprintf(sql, sizeof sql, "SELECT state FROM outbox WHERE record_id = '%s'", id);
    return raw_int(path, sql);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void expect_counts(struct rs_outbox *ob, uint64_t pending, uint64_t stored,
                          uint64_t duplicate, uint64_t conflict, uint64_t rejected)
{
    struct rs_outbox_counts c;

    assert_int_equal(rs_outbox_counts(ob, &c), RS_OK);
    assert_int_equal(c.pending, pending);
    assert_int_equal(c.stored, stored);
    assert_int_equal(c.duplicate, duplicate);
    assert_int_equal(c.conflict, conflict);
    assert_int_equal(c.rejected, rejected);
}

static void free_items(struct rs_outbox_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].body);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char err[ERRLEN] = "";

    assert_non_null(f);
    assert_int_equal(rs_test_mkdtemp(f->dir, sizeof f->dir, "outbox"), 0);
    snprintf(f->path, sizeof f->path, "%s/outbox.db", f->dir);
    assert_int_equal(rs_outbox_open(f->path, &f->ob, err, sizeof err), RS_OK);
    assert_string_equal(err, "");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    DIR *d;
    struct dirent *e;
    char p[512];

    assert_int_equal(rs_outbox_close(f->ob), RS_OK);
    d = opendir(f->dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
        assert_int_equal(unlink(p), 0);
    }
    closedir(d);
    assert_int_equal(rmdir(f->dir), 0);
    free(f);
    return 0;
}

/* -------------------------------------------------------------- tests */

static void test_create_reopen(void **state)
{
    struct fx *f = *state;
    char err[ERRLEN] = "";
    char text[512];
    Rs__Record r;
    Rs__Project p;

    assert_int_equal(raw_int(f->path, "PRAGMA application_id"), 0x52534f31);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), RS_OUTBOX_SCHEMA_VERSION);
    raw_text(f->path, "PRAGMA journal_mode", NULL, text, sizeof text);
    assert_string_equal(text, "wal");
    raw_text(f->path, "SELECT sql FROM sqlite_schema WHERE name = 'outbox'", NULL, text,
             sizeof text);
    assert_non_null(strstr(text, ") STRICT"));
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                                      " AND name = 'outbox_nkey'"),
                     1);
    expect_counts(f->ob, 0, 0, 0, 0, 0);
    assert_string_equal(rs_outbox_errmsg(f->ob), "");

    make_project(&r, &p, "P-2023-001", 158930000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW);
    clear_ids(&r);

    /* Closing and reopening keeps the row and does not migrate again. */
    assert_int_equal(rs_outbox_close(f->ob), RS_OK);
    f->ob = NULL;
    assert_int_equal(rs_outbox_open(f->path, &f->ob, err, sizeof err), RS_OK);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), RS_OUTBOX_SCHEMA_VERSION);
    expect_counts(f->ob, 1, 0, 0, 0, 0);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_UNCHANGED);
    clear_ids(&r);
    assert_int_equal(row_count(f->path), 1);

    /* The reopened outbox is not left inside a transaction: an add is
     * committed at once and another connection sees it. */
    make_project(&r, &p, "P-2023-002", 1000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:3"), RS_OUTBOX_NEW);
    clear_ids(&r);
    assert_int_equal(row_count(f->path), 2);
    assert_int_equal(rs_outbox_commit(f->ob), RS_EINVAL);
    assert_int_equal(rs_outbox_close(NULL), RS_OK);
}

static void test_new_gets_time_ordered_id(void **state)
{
    struct fx *f = *state;
    char nkey[RS_OUTBOX_NKEY_MAX];
    char key[256];
    char want[RS_UUID_LEN + 1];
    char text[512];
    uint8_t hash[RS_SHA256_LEN];
    char hash_hex[RS_SHA256_HEX + 1];
    Rs__Record r;
    Rs__Project p;
    Rs__Record rr;
    Rs__Relief rl;
    Rs__Record *back;
    struct rs_outbox_item it;
    size_t n = 0;
    uint8_t *buf;
    size_t len;

    make_project(&r, &p, "P-2023-001", 158930000);
    assert_int_equal(rs_outbox_nkey(&r, nkey, sizeof nkey), RS_OK);
    assert_string_equal(nkey, PROJECT_NKEY);
    assert_int_equal(add_ok(f->ob, &r, "projects.csv:2"), RS_OUTBOX_NEW);
    want[0] = '\0';
    expect_next_id(r.id, want);
    assert_null(r.supersedes);

    /* The row: nkey, type, source, state, hash of the content without id. */
    raw_text(f->path, "SELECT nkey FROM outbox WHERE record_id = ?1", r.id, text, sizeof text);
    assert_string_equal(text, PROJECT_NKEY);
    raw_text(f->path, "SELECT source FROM outbox WHERE record_id = ?1", r.id, text,
             sizeof text);
    assert_string_equal(text, "projects.csv:2");
    raw_text(f->path, "SELECT supersedes FROM outbox WHERE record_id = ?1", r.id, text,
             sizeof text);
    assert_string_equal(text, "");
    assert_int_equal(raw_int(f->path, "SELECT type FROM outbox"), RS__RECORD__BODY_PROJECT);
    assert_int_equal(raw_int(f->path, "SELECT state FROM outbox"), RS_OB_PENDING);
    assert_int_equal(raw_int(f->path, "SELECT attempts FROM outbox"), 0);
    assert_true(raw_int(f->path, "SELECT created_at FROM outbox") >= rs_now_unix() - 60);
    {
        char *id = r.id;

        r.id = NULL;
        len = rs__record__get_packed_size(&r);
        buf = malloc(len);
        assert_non_null(buf);
        assert_int_equal(rs__record__pack(&r, buf), len);
        r.id = id;
        rs_sha256(buf, len, hash);
        rs_hex(hash, RS_SHA256_LEN, hash_hex);
        free(buf);
    }
    raw_text(f->path, "SELECT lower(hex(hash)) FROM outbox", NULL, text, sizeof text);
    assert_string_equal(text, hash_hex);

    /* The body sent is the record with its id. */
    assert_int_equal(rs_outbox_pending(f->ob, 0, &it, 1, &n), RS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(it.id, want);
    back = rs__record__unpack(NULL, it.len, it.body);
    assert_non_null(back);
    assert_string_equal(back->id, want);
    assert_null(back->supersedes);
    assert_int_equal(back->body_case, RS__RECORD__BODY_PROJECT);
    assert_string_equal(back->project->project_id, "P-2023-001");
    assert_int_equal(back->project->planned_investment_fen, 158930000);
    rs__record__free_unpacked(back, NULL);
    free(it.body);
    clear_ids(&r);

    /* A relief payment: same rule, its own key. */
    make_relief(&rr, &rl, "HH0012", 200000);
    assert_int_equal(rs_record_key(&rr, key, sizeof key), RS_OK);
    snprintf(text, sizeof text, "430602001|2023|relief|%s", key);
    assert_int_equal(rs_outbox_nkey(&rr, nkey, sizeof nkey), RS_OK);
    assert_string_equal(nkey, text);
    assert_int_equal(add_ok(f->ob, &rr, "relief.csv:2"), RS_OUTBOX_NEW);
    expect_next_id(rr.id, want);
    clear_ids(&rr);

    /* Another year is another key. */
    make_project(&r, &p, "P-2023-001", 158930000);
    r.year = 2024;
    assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW);
    expect_next_id(r.id, want);
    clear_ids(&r);
    assert_int_equal(row_count(f->path), 3);
}

static void test_same_content_unchanged(void **state)
{
    struct fx *f = *state;
    char first[RS_UUID_LEN + 1];
    Rs__Record r;
    Rs__Project p;
    enum rs_outbox_added what;

    make_project(&r, &p, "P-2023-001", 158930000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW);
    memcpy(first, r.id, sizeof first);
    clear_ids(&r);

    /* A fresh message with the same content (the same file imported again). */
    make_project(&r, &p, "P-2023-001", 158930000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_UNCHANGED);
    assert_string_equal(r.id, first);
    assert_null(r.supersedes);
    clear_ids(&r);
    assert_int_equal(row_count(f->path), 1);

    /* Still unchanged once the server stored it. */
    assert_int_equal(rs_outbox_ack(f->ob, first, RS_OB_STORED, NULL, NULL, 7), RS_OK);
    assert_int_equal(rs_outbox_add(f->ob, &r, "b.csv:9", &what), RS_OK);
    assert_int_equal(what, RS_OUTBOX_UNCHANGED);
    assert_string_equal(r.id, first);
    clear_ids(&r);
    assert_int_equal(row_count(f->path), 1);
}

static void test_changed_content_supersedes(void **state)
{
    struct fx *f = *state;
    char v1[RS_UUID_LEN + 1];
    char v2[RS_UUID_LEN + 1];
    char v3[RS_UUID_LEN + 1];
    char v4[RS_UUID_LEN + 1];
    char name_based[RS_UUID_LEN + 1];
    char text[128];
    Rs__Record r;
    Rs__Project p;

    make_project(&r, &p, "P-2023-001", 158930000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW);
    memcpy(v1, r.id, sizeof v1);
    clear_ids(&r);

    /* v2: changed amount -> random id, supersedes v1 (pending). */
    make_project(&r, &p, "P-2023-001", 160000000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW_VERSION);
    memcpy(name_based, v1, sizeof name_based);
    expect_next_id(r.id, name_based);
    assert_non_null(r.supersedes);
    assert_string_equal(r.supersedes, v1);
    memcpy(v2, r.id, sizeof v2);
    clear_ids(&r);
    raw_text(f->path, "SELECT supersedes FROM outbox WHERE record_id = ?1", v2, text,
             sizeof text);
    assert_string_equal(text, v1);

    /* v3 while v2 is still pending: supersedes v2, the newest live one. */
    make_project(&r, &p, "P-2023-001", 170000000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW_VERSION);
    assert_string_equal(r.supersedes, v2);
    memcpy(v3, r.id, sizeof v3);
    assert_string_not_equal(v3, v2);
    clear_ids(&r);

    /* Going back to v2's content is a change against the newest (v3). */
    make_project(&r, &p, "P-2023-001", 160000000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW_VERSION);
    assert_string_equal(r.supersedes, v3);
    memcpy(v4, r.id, sizeof v4);
    clear_ids(&r);

    /* Refused versions are skipped: v4 rejected, v3 conflict -> supersedes v2. */
    assert_int_equal(rs_outbox_ack(f->ob, v1, RS_OB_STORED, NULL, NULL, 1), RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, v2, RS_OB_STORED, NULL, NULL, 2), RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, v3, RS_OB_CONFLICT, NULL, "stale", 0), RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, v4, RS_OB_REJECTED, "project.name", "bad", 0),
                     RS_OK);
    make_project(&r, &p, "P-2023-001", 180000000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW_VERSION);
    assert_string_equal(r.supersedes, v2);
    clear_ids(&r);
    assert_int_equal(row_count(f->path), 5);

    /* Other keys are untouched by all this. */
    make_project(&r, &p, "P-2023-002", 158930000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:3"), RS_OUTBOX_NEW);
    assert_null(r.supersedes);
    expect_next_id(r.id, name_based);
    clear_ids(&r);
}

static void test_pending_order_and_after_seq(void **state)
{
    struct fx *f = *state;
    const char *keys[4] = {"P-2023-010", "P-2023-003", "P-2023-007", "P-2023-001"};
    char ids[4][RS_UUID_LEN + 1];
    struct rs_outbox_item items[8];
    Rs__Record r;
    Rs__Project p;
    size_t n = 99;

    assert_int_equal(rs_outbox_pending(f->ob, 0, items, 8, &n), RS_OK);
    assert_int_equal(n, 0);
    for (int i = 0; i < 4; i++) {
        make_project(&r, &p, keys[i], 1000 + i);
        assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW);
        memcpy(ids[i], r.id, sizeof ids[i]);
        clear_ids(&r);
    }

    /* Oldest first (insertion order, not key order). */
    assert_int_equal(rs_outbox_pending(f->ob, 0, items, 8, &n), RS_OK);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < 4; i++) {
        Rs__Record *back = rs__record__unpack(NULL, items[i].len, items[i].body);

        assert_string_equal(items[i].id, ids[i]);
        assert_non_null(back);
        assert_string_equal(back->id, ids[i]);
        assert_string_equal(back->project->project_id, keys[i]);
        rs__record__free_unpacked(back, NULL);
        if (i > 0)
            assert_true(items[i].seq > items[i - 1].seq);
    }
    int64_t seq0 = items[0].seq;
    int64_t seq1 = items[1].seq;
    free_items(items, n);

    /* after_seq skips, max caps. */
    assert_int_equal(rs_outbox_pending(f->ob, seq1, items, 8, &n), RS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, ids[2]);
    assert_string_equal(items[1].id, ids[3]);
    free_items(items, n);
    assert_int_equal(rs_outbox_pending(f->ob, seq0, items, 1, &n), RS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].seq, seq1);
    free_items(items, n);
    assert_int_equal(rs_outbox_pending(f->ob, 0, items, 0, &n), RS_OK);
    assert_int_equal(n, 0);

    /* Listing changes no state. */
    assert_int_equal(state_of(f->path, ids[0]), RS_OB_PENDING);
    expect_counts(f->ob, 4, 0, 0, 0, 0);
}

static void test_attempts_and_acked_not_pending(void **state)
{
    struct fx *f = *state;
    char ids[3][RS_UUID_LEN + 1];
    char text[64];
    struct rs_outbox_item items[4];
    Rs__Record r;
    Rs__Project p;
    size_t n = 0;

    for (int i = 0; i < 3; i++) {
        char pid[16];

        snprintf(pid, sizeof pid, "P-2023-%03d", i + 1);
        make_project(&r, &p, pid, 1000);
        assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW);
        memcpy(ids[i], r.id, sizeof ids[i]);
        clear_ids(&r);
    }
    assert_int_equal(rs_outbox_pending(f->ob, 0, items, 4, &n), RS_OK);
    assert_int_equal(n, 3);
    int64_t seq0 = items[0].seq;
    free_items(items, n);
    assert_int_equal(rs_outbox_pending(f->ob, seq0, items, 1, &n), RS_OK);
    assert_int_equal(n, 1);
    free_items(items, n);
    raw_text(f->path, "SELECT group_concat(attempts, ',') FROM (SELECT attempts FROM outbox"
                      " ORDER BY seq)", NULL, text, sizeof text);
    assert_string_equal(text, "1,2,1");

    /* Acknowledged records leave the pending list for good. */
    assert_int_equal(rs_outbox_ack(f->ob, ids[1], RS_OB_STORED, NULL, NULL, 11), RS_OK);
    assert_int_equal(rs_outbox_pending(f->ob, 0, items, 4, &n), RS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, ids[0]);
    assert_string_equal(items[1].id, ids[2]);
    free_items(items, n);
    raw_text(f->path, "SELECT group_concat(attempts, ',') FROM (SELECT attempts FROM outbox"
                      " ORDER BY seq)", NULL, text, sizeof text);
    assert_string_equal(text, "2,2,2");
}

static void test_ack_transitions(void **state)
{
    struct fx *f = *state;
    char ids[5][RS_UUID_LEN + 1];
    char text[256];
    Rs__Record r;
    Rs__Project p;

    for (int i = 0; i < 5; i++) {
        char pid[16];

        snprintf(pid, sizeof pid, "P-2023-%03d", i + 1);
        make_project(&r, &p, pid, 1000);
        assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW);
        memcpy(ids[i], r.id, sizeof ids[i]);
        clear_ids(&r);
    }
    expect_counts(f->ob, 5, 0, 0, 0, 0);

    assert_int_equal(rs_outbox_ack(f->ob, ids[0], RS_OB_STORED, NULL, NULL, 41), RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, ids[1], RS_OB_DUPLICATE, NULL, NULL, 17), RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, ids[2], RS_OB_CONFLICT, NULL,
                                   "same id, different content", 0),
                     RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, ids[3], RS_OB_REJECTED, "project.progress_pct",
                                   "must be 0..100", 0),
                     RS_OK);
    assert_int_equal(state_of(f->path, ids[0]), RS_OB_STORED);
    assert_int_equal(state_of(f->path, ids[1]), RS_OB_DUPLICATE);
    assert_int_equal(state_of(f->path, ids[2]), RS_OB_CONFLICT);
    assert_int_equal(state_of(f->path, ids[3]), RS_OB_REJECTED);
    assert_int_equal(state_of(f->path, ids[4]), RS_OB_PENDING);
    expect_counts(f->ob, 1, 1, 1, 1, 1);

    raw_text(f->path, "SELECT server_seq FROM outbox WHERE record_id = ?1", ids[0], text,
             sizeof text);
    assert_string_equal(text, "41");
    raw_text(f->path, "SELECT server_seq FROM outbox WHERE record_id = ?1", ids[2], text,
             sizeof text);
    assert_string_equal(text, "");
    raw_text(f->path, "SELECT field || ': ' || reason FROM outbox WHERE record_id = ?1",
             ids[3], text, sizeof text);
    assert_string_equal(text, "project.progress_pct: must be 0..100");
    raw_text(f->path, "SELECT acked_at IS NOT NULL FROM outbox WHERE record_id = ?1", ids[0],
             text, sizeof text);
    assert_string_equal(text, "1");
    raw_text(f->path, "SELECT acked_at IS NULL FROM outbox WHERE record_id = ?1", ids[4],
             text, sizeof text);
    assert_string_equal(text, "1");

    /* A second answer never changes a final state, nor its reason. */
    assert_int_equal(rs_outbox_ack(f->ob, ids[0], RS_OB_REJECTED, "x", "late", 0), RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, ids[3], RS_OB_STORED, NULL, NULL, 99), RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, ids[2], RS_OB_DUPLICATE, NULL, NULL, 5), RS_OK);
    assert_int_equal(state_of(f->path, ids[0]), RS_OB_STORED);
    assert_int_equal(state_of(f->path, ids[3]), RS_OB_REJECTED);
    assert_int_equal(state_of(f->path, ids[2]), RS_OB_CONFLICT);
    raw_text(f->path, "SELECT coalesce(server_seq, 'null') || reason FROM outbox"
                      " WHERE record_id = ?1", ids[3], text, sizeof text);
    assert_string_equal(text, "nullmust be 0..100");
    expect_counts(f->ob, 1, 1, 1, 1, 1);

    /* Bad answers. */
    assert_int_equal(rs_outbox_ack(f->ob, ids[4], RS_OB_PENDING, NULL, NULL, 0), RS_EINVAL);
    assert_int_equal(rs_outbox_ack(f->ob, ids[4], (enum rs_outbox_state)5, NULL, NULL, 0),
                     RS_EINVAL);
    assert_int_equal(rs_outbox_ack(f->ob, ids[4], RS_OB_STORED, NULL, NULL,
                                   (uint64_t)INT64_MAX + 1),
                     RS_EINVAL);
    assert_int_equal(rs_outbox_ack(f->ob, NULL, RS_OB_STORED, NULL, NULL, 0), RS_EINVAL);
    assert_int_equal(rs_outbox_ack(f->ob, "6f1c2b4e-0000-4000-8000-000000000000",
                                   RS_OB_STORED, NULL, NULL, 0),
                     RS_ENOTFOUND);
    assert_non_null(strstr(rs_outbox_errmsg(f->ob), "6f1c2b4e-0000-4000-8000-000000000000"));
    assert_int_equal(state_of(f->path, ids[4]), RS_OB_PENDING);
    expect_counts(f->ob, 1, 1, 1, 1, 1);
}

struct failed_seen {
    int n;
    int stop_after;
    char id[4][RS_UUID_LEN + 1];
    char source[4][64];
    enum rs_outbox_state st[4];
    char field[4][64];
    char reason[4][128];
};

static int on_failed(const char *id, const char *source, enum rs_outbox_state st,
                     const char *field, const char *reason, void *arg)
{
    struct failed_seen *s = arg;
    int i = s->n++;

    assert_true(i < 4);
    snprintf(s->id[i], sizeof s->id[i], "%s", id);
    snprintf(s->source[i], sizeof s->source[i], "%s", source ? source : "(null)");
    s->st[i] = st;
    snprintf(s->field[i], sizeof s->field[i], "%s", field ? field : "(null)");
    snprintf(s->reason[i], sizeof s->reason[i], "%s", reason ? reason : "(null)");
    return s->stop_after && s->n >= s->stop_after;
}

static void test_list_failed(void **state)
{
    struct fx *f = *state;
    char ids[4][RS_UUID_LEN + 1];
    struct failed_seen seen;
    Rs__Record r;
    Rs__Project p;
    const char *sources[4] = {"p.csv:2", "p.csv:3", NULL, "p.csv:5"};

    for (int i = 0; i < 4; i++) {
        char pid[16];

        snprintf(pid, sizeof pid, "P-2023-%03d", i + 1);
        make_project(&r, &p, pid, 1000);
        assert_int_equal(add_ok(f->ob, &r, sources[i]), RS_OUTBOX_NEW);
        memcpy(ids[i], r.id, sizeof ids[i]);
        clear_ids(&r);
    }
    memset(&seen, 0, sizeof seen);
    assert_int_equal(rs_outbox_list_failed(f->ob, on_failed, &seen), RS_OK);
    assert_int_equal(seen.n, 0);

    assert_int_equal(rs_outbox_ack(f->ob, ids[0], RS_OB_STORED, NULL, NULL, 1), RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, ids[3], RS_OB_REJECTED, "project.paid_fen",
                                   "must be <= completed_investment_fen", 0),
                     RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, ids[1], RS_OB_CONFLICT, NULL,
                                   "superseded version is already superseded", 0),
                     RS_OK);
    assert_int_equal(rs_outbox_ack(f->ob, ids[2], RS_OB_REJECTED, NULL, NULL, 0), RS_OK);

    /* Oldest first, with source, state, field and reason. */
    assert_int_equal(rs_outbox_list_failed(f->ob, on_failed, &seen), RS_OK);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.id[0], ids[1]);
    assert_string_equal(seen.source[0], "p.csv:3");
    assert_int_equal(seen.st[0], RS_OB_CONFLICT);
    assert_string_equal(seen.field[0], "(null)");
    assert_string_equal(seen.reason[0], "superseded version is already superseded");
    assert_string_equal(seen.id[1], ids[2]);
    assert_string_equal(seen.source[1], "(null)");
    assert_int_equal(seen.st[1], RS_OB_REJECTED);
    assert_string_equal(seen.reason[1], "(null)");
    assert_string_equal(seen.id[2], ids[3]);
    assert_string_equal(seen.source[2], "p.csv:5");
    assert_int_equal(seen.st[2], RS_OB_REJECTED);
    assert_string_equal(seen.field[2], "project.paid_fen");
    assert_string_equal(seen.reason[2], "must be <= completed_investment_fen");

    /* fn stops the walk by returning non-zero. */
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 1;
    assert_int_equal(rs_outbox_list_failed(f->ob, on_failed, &seen), RS_OK);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.id[0], ids[1]);
}

/* What rs_outbox_list saw: ids, states and reasons in the order given. */
struct listed {
    int n, stop_after;
    char id[4][RS_UUID_LEN + 1];
    enum rs_outbox_state st[4];
    char key[4][64], source[4][32], reason[4][64];
};

static int on_listed(const struct rs_outbox_entry *e, void *arg)
{
    struct listed *l = arg;
    int i = l->n++;

    assert_true(i < 4);
    snprintf(l->id[i], sizeof l->id[i], "%s", e->id);
    l->st[i] = e->state;
    snprintf(l->key[i], sizeof l->key[i], "%s", e->nkey);
    snprintf(l->source[i], sizeof l->source[i], "%s", e->source ? e->source : "(null)");
    snprintf(l->reason[i], sizeof l->reason[i], "%s", e->reason ? e->reason : "(null)");
    assert_int_equal(e->type, RS__RECORD__BODY_PROJECT);
    assert_true(e->created_at > 0);
    return l->stop_after && l->n >= l->stop_after;
}

/* rs_outbox_list: newest first, one state or all, at most max, and a stop. */
static void test_list(void **state)
{
    struct fx *f = *state;
    char ids[3][RS_UUID_LEN + 1];
    struct listed l;
    Rs__Record r;
    Rs__Project p;

    for (int i = 0; i < 3; i++) {
        char pid[16], src[16];

        snprintf(pid, sizeof pid, "P-2023-%03d", i + 1);
        snprintf(src, sizeof src, "p.csv:%d", i + 2);
        make_project(&r, &p, pid, 1000);
        assert_int_equal(add_ok(f->ob, &r, src), RS_OUTBOX_NEW);
        memcpy(ids[i], r.id, sizeof ids[i]);
        clear_ids(&r);
    }
    assert_int_equal(rs_outbox_ack(f->ob, ids[1], RS_OB_REJECTED, "project.paid_fen", "too much",
                                   0), RS_OK);
    memset(&l, 0, sizeof l);
    assert_int_equal(rs_outbox_list(f->ob, -1, 10, on_listed, &l), RS_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.id[0], ids[2]);
    assert_string_equal(l.id[2], ids[0]);
    assert_string_equal(l.source[0], "p.csv:4");
    assert_int_equal(l.st[1], RS_OB_REJECTED);
    assert_string_equal(l.reason[1], "too much");
    assert_non_null(strstr(l.key[1], "P-2023-002"));

    memset(&l, 0, sizeof l);
    assert_int_equal(rs_outbox_list(f->ob, RS_OB_PENDING, 10, on_listed, &l), RS_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.st[0], RS_OB_PENDING);
    assert_int_equal(l.st[1], RS_OB_PENDING);

    memset(&l, 0, sizeof l);
    assert_int_equal(rs_outbox_list(f->ob, -1, 1, on_listed, &l), RS_OK);
    assert_int_equal(l.n, 1);
    memset(&l, 0, sizeof l);
    l.stop_after = 2;
    assert_int_equal(rs_outbox_list(f->ob, -1, 10, on_listed, &l), RS_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(rs_outbox_list(f->ob, 5, 10, on_listed, &l), RS_EINVAL);
}

/* rs_outbox_source: the file:line a record came from, "" without one, not found for an id
 * the outbox never made, and a cut to the caller's buffer. */
static void test_source(void **state)
{
    struct fx *f = *state;
    char with[RS_UUID_LEN + 1], without[RS_UUID_LEN + 1], out[64], small[4];
    bool found = false;
    Rs__Record r;
    Rs__Project p;

    make_project(&r, &p, "P-2023-001", 1000);
    assert_int_equal(add_ok(f->ob, &r, "年报.csv:7"), RS_OUTBOX_NEW);
    memcpy(with, r.id, sizeof with);
    clear_ids(&r);
    make_project(&r, &p, "P-2023-002", 1000);
    assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW);
    memcpy(without, r.id, sizeof without);
    clear_ids(&r);

    assert_int_equal(rs_outbox_source(f->ob, with, out, sizeof out, &found), RS_OK);
    assert_true(found);
    assert_string_equal(out, "年报.csv:7");
    assert_int_equal(rs_outbox_source(f->ob, without, out, sizeof out, &found), RS_OK);
    assert_true(found);
    assert_string_equal(out, "");
    assert_int_equal(rs_outbox_source(f->ob, "0190a000-0000-7000-8000-000000000000", out,
                                      sizeof out, &found),
                     RS_OK);
    assert_false(found);
    assert_string_equal(out, "");
    assert_int_equal(rs_outbox_source(f->ob, with, small, sizeof small, &found), RS_OK);
    assert_true(found);
    assert_int_equal(strlen(small), 3);

    assert_int_equal(rs_outbox_source(f->ob, with, out, 0, &found), RS_EINVAL);
    assert_int_equal(rs_outbox_source(NULL, with, out, sizeof out, &found), RS_EINVAL);
    assert_int_equal(rs_outbox_source(f->ob, NULL, out, sizeof out, &found), RS_EINVAL);
    assert_int_equal(rs_outbox_source(f->ob, with, out, sizeof out, NULL), RS_EINVAL);
}

static int count_failed(const char *id, const char *source, enum rs_outbox_state st,
                        const char *field, const char *reason, void *arg)
{
    (void)id;
    (void)source;
    (void)field;
    (void)reason;
    assert_int_equal(st, RS_OB_CONFLICT);
    ++*(int *)arg;
    return 0;
}

static void test_refused_readded_gets_new_id(void **state)
{
    struct fx *f = *state;
    char v1[RS_UUID_LEN + 1];
    char v2[RS_UUID_LEN + 1];
    char r1[RS_UUID_LEN + 1];
    Rs__Record r;
    Rs__Relief rl;

    make_relief(&r, &rl, "HH0012", 200000);
    assert_int_equal(add_ok(f->ob, &r, "relief.csv:2"), RS_OUTBOX_NEW);
    memcpy(r1, r.id, sizeof r1);
    clear_ids(&r);
    assert_int_equal(rs_outbox_ack(f->ob, r1, RS_OB_REJECTED, "relief.village", "unknown", 0),
                     RS_OK);

    /* The same content again is a retry: a fresh row, random id, no supersedes. */
    assert_int_equal(add_ok(f->ob, &r, "relief.csv:2"), RS_OUTBOX_NEW_VERSION);
    assert_string_not_equal(r.id, r1);
    assert_null(r.supersedes);
    memcpy(v1, r.id, sizeof v1);
    clear_ids(&r);
    assert_int_equal(row_count(f->path), 2);
    assert_int_equal(state_of(f->path, v1), RS_OB_PENDING);

    /* ...which, while pending, makes the same content unchanged again. */
    assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_UNCHANGED);
    assert_string_equal(r.id, v1);
    clear_ids(&r);

    /* Stored, then a changed version gets refused as a conflict and retried. */
    assert_int_equal(rs_outbox_ack(f->ob, v1, RS_OB_STORED, NULL, NULL, 3), RS_OK);
    make_relief(&r, &rl, "HH0012", 250000);
    assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW_VERSION);
    assert_string_equal(r.supersedes, v1);
    memcpy(v2, r.id, sizeof v2);
    clear_ids(&r);
    assert_int_equal(rs_outbox_ack(f->ob, v2, RS_OB_CONFLICT, NULL, "stale edit", 0), RS_OK);
    assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW_VERSION);
    assert_string_not_equal(r.id, v2);
    assert_string_not_equal(r.id, v1);
    assert_string_equal(r.supersedes, v1);
    clear_ids(&r);
    assert_int_equal(row_count(f->path), 4);
    /* r1's refusal was put right by v1, stored after it: no longer counted
     * or listed; v2's conflict stands (the version after it is pending). */
    expect_counts(f->ob, 1, 1, 0, 1, 0);
    {
        int n = 0;

        assert_int_equal(rs_outbox_list_failed(f->ob, count_failed, &n), RS_OK);
        assert_int_equal(n, 1);
    }
}

static void test_caller_record_id_kept(void **state)
{
    struct fx *f = *state;
    const char *given = "1b4e28ba-2fa1-4d2c-883f-0cc3b4f1a7e1";
    const char *older = "9a0c8f6e-5d1b-4b7a-8e3c-2f4d6a8b0c1e";
    char text[128];
    Rs__Record r;
    Rs__Project p;
    enum rs_outbox_added what = RS_OUTBOX_NEW;
    char *id;

    make_project(&r, &p, "P-2023-001", 1000);
    id = strdup(given);
    assert_non_null(id);
    r.id = id;
    assert_int_equal(rs_outbox_add(f->ob, &r, "ids.csv:2", &what), RS_OK);
    assert_int_equal(what, RS_OUTBOX_NEW);
    assert_ptr_equal(r.id, id);
    assert_string_equal(r.id, given);
    assert_null(r.supersedes);
    raw_text(f->path, "SELECT nkey FROM outbox WHERE record_id = ?1", given, text, sizeof text);
    assert_string_equal(text, PROJECT_NKEY);

    /* Same id and content again: unchanged; different content: conflict. */
    assert_int_equal(rs_outbox_add(f->ob, &r, "ids.csv:2", &what), RS_OK);
    assert_int_equal(what, RS_OUTBOX_UNCHANGED);
    assert_ptr_equal(r.id, id);
    p.planned_investment_fen = 2000;
    assert_int_equal(rs_outbox_add(f->ob, &r, "ids.csv:2", &what), RS_ECONFLICT);
    assert_ptr_equal(r.id, id);
    assert_null(r.supersedes);
    assert_int_equal(row_count(f->path), 1);

    /* A caller's id with the caller's supersedes: both kept, nothing derived. */
    make_project(&r, &p, "P-2023-001", 3000);
    r.id = "2c5e7a9b-1d3f-4e6a-8b0c-3d5f7a9b1c2e";
    r.supersedes = (char *)older;
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, &what), RS_OK);
    assert_int_equal(what, RS_OUTBOX_NEW_VERSION);
    assert_string_equal(r.id, "2c5e7a9b-1d3f-4e6a-8b0c-3d5f7a9b1c2e");
    assert_ptr_equal(r.supersedes, older);
    raw_text(f->path, "SELECT supersedes FROM outbox WHERE record_id = ?1", r.id, text,
             sizeof text);
    assert_string_equal(text, older);

    /* Without a caller id, the key's later versions derive from the rows. */
    make_project(&r, &p, "P-2023-001", 4000);
    assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW_VERSION);
    assert_int_equal(r.id[14], '7');
    assert_string_equal(r.supersedes, "2c5e7a9b-1d3f-4e6a-8b0c-3d5f7a9b1c2e");
    clear_ids(&r);

    /* Malformed caller ids are refused and rec is left alone. */
    make_project(&r, &p, "P-2023-009", 1000);
    r.id = "not-a-uuid";
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, &what), RS_EINVAL);
    assert_string_equal(r.id, "not-a-uuid");
    r.id = NULL;
    r.supersedes = (char *)older;
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, &what), RS_EINVAL);
    assert_ptr_equal(r.supersedes, older);
    assert_null(r.id);
    assert_int_equal(row_count(f->path), 3);
    free(id);
}

/* The row's body is r packed by protobuf-c, byte for byte, and canonical. */
static void expect_body_is_packing(const char *path, const Rs__Record *r)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    size_t n = rs__record__get_packed_size(r);
    uint8_t *want = malloc(n);
    char why[200];

    assert_non_null(want);
    assert_int_equal(rs__record__pack(r, want), n);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT body FROM outbox WHERE record_id = ?1", -1,
                                        &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal((size_t)sqlite3_column_bytes(s, 0), n);
    assert_memory_equal(sqlite3_column_blob(s, 0), want, n);
    assert_int_equal(rs_pb_check(&rs__record__descriptor, sqlite3_column_blob(s, 0), n, NULL,
                                 NULL, why, sizeof why),
                     RS_OK);
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    free(want);
}

/*
 * A record is packed once, when it is queued: its content, then its id and
 * supersedes written in front.  The bytes are what protobuf-c packs for
 * the whole record, for a new id, a new version, a caller's id, and a
 * caller's id with the caller's supersedes.
 */
static void test_body_packed_once(void **state)
{
    struct fx *f = *state;
    Rs__Record r;
    Rs__Project p;
    Rs__Relief rl;
    enum rs_outbox_added what;

    make_project(&r, &p, "P-2023-001", 1000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW);
    assert_null(r.supersedes);
    expect_body_is_packing(f->path, &r);
    clear_ids(&r);
    make_project(&r, &p, "P-2023-001", 2000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW_VERSION);
    assert_non_null(r.supersedes);
    expect_body_is_packing(f->path, &r);
    clear_ids(&r);
    make_relief(&r, &rl, "HH-1", 60000);
    r.id = "1b4e28ba-2fa1-4d2c-883f-0cc3b4f1a7e1";
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, &what), RS_OK);
    expect_body_is_packing(f->path, &r);
    make_relief(&r, &rl, "HH-2", 60000);
    r.id = "2c5e7a9b-1d3f-4e6a-8b0c-3d5f7a9b1c2e";
    r.supersedes = "9a0c8f6e-5d1b-4b7a-8e3c-2f4d6a8b0c1e";
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, &what), RS_OK);
    expect_body_is_packing(f->path, &r);
}

static void test_bad_records(void **state)
{
    struct fx *f = *state;
    char nkey[RS_OUTBOX_NKEY_MAX];
    Rs__Record r;
    Rs__Project p;
    enum rs_outbox_added what;

    make_project(&r, &p, "P-2023-001", 1000);
    r.division_code = NULL;
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, &what), RS_EINVAL);
    assert_null(r.id);
    make_project(&r, &p, "P-2023-001", 1000);
    r.has_year = false;
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, &what), RS_EINVAL);
    make_project(&r, &p, "P-2023-001", 1000);
    r.body_case = RS__RECORD__BODY__NOT_SET;
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, &what), RS_EINVAL);
    make_project(&r, &p, "P-2023-001", 1000);
    assert_int_equal(rs_outbox_nkey(&r, nkey, 20), RS_ETOOBIG);
    assert_int_equal(rs_outbox_add(NULL, &r, NULL, &what), RS_EINVAL);
    assert_int_equal(rs_outbox_add(f->ob, &r, NULL, NULL), RS_EINVAL);
    assert_null(r.id);
    assert_int_equal(row_count(f->path), 0);
}

/* Writes a file with the given bytes. */
static void write_bytes(const char *path, const char *s)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(s, 1, strlen(s), fp), strlen(s));
    assert_int_equal(fclose(fp), 0);
}

static void make_sqlite(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void expect_refused(const char *path, const char *msg_part)
{
    struct rs_outbox *ob = NULL;
    char err[ERRLEN] = "";
    uint8_t *before;
    uint8_t *after;
    size_t nb;
    size_t na;

    before = slurp(path, &nb);
    assert_int_equal(rs_outbox_open(path, &ob, err, sizeof err), RS_ESCHEMA);
    assert_null(ob);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, msg_part));
    after = slurp(path, &na);
    assert_int_equal(na, nb);
    assert_memory_equal(after, before, nb);
    free(before);
    free(after);
}

/*
 * Two processes create the same new outbox at the same moment, 40 times
 * over: each opens it and queues its own record; neither fails (no
 * "database is locked", no "another program's file"), and both rows are
 * there.  A pipe releases both children at once.
 */
static void test_concurrent_create(void **state)
{
    struct fx *f = *state;
    char path[160];

    for (int round = 0; round < 40; round++) {
        int go[2];
        pid_t kid[2];

        snprintf(path, sizeof path, "%s/race-%d.db", f->dir, round);
        assert_int_equal(pipe(go), 0);
        for (int k = 0; k < 2; k++) {
            kid[k] = fork();
            assert_true(kid[k] >= 0);
            if (kid[k] == 0) {
                struct rs_outbox *ob = NULL;
                Rs__Record r;
                Rs__Relief rl;
                enum rs_outbox_added what;
                char err[ERRLEN], c, hh[32];
                int ok;

                close(go[1]);
                if (read(go[0], &c, 1) != 0)
                    _exit(3);
                snprintf(hh, sizeof hh, "HH-%d-%d", round, k);
                make_relief(&r, &rl, hh, 60000);
                ok = rs_outbox_open(path, &ob, err, sizeof err) == RS_OK &&
                     rs_outbox_add(ob, &r, "race.csv", &what) == RS_OK;
                if (!ok)
                    fprintf(stderr, "round %d, child %d: %s%s\n", round, k, err,
                            ob ? rs_outbox_errmsg(ob) : "");
                clear_ids(&r);
                if (rs_outbox_close(ob) != RS_OK)
                    ok = 0;
                _exit(ok ? 0 : 1);
            }
        }
        close(go[0]);
        close(go[1]);   /* EOF: both go */
        for (int k = 0; k < 2; k++) {
            int st = -1;

            assert_int_equal(waitpid(kid[k], &st, 0), kid[k]);
            assert_true(WIFEXITED(st));
            assert_int_equal(WEXITSTATUS(st), 0);
        }
        assert_int_equal(row_count(path), 2);
    }
}

static void test_refuses_foreign_files(void **state)
{
    struct fx *f = *state;
    char path[160];

    /* Another program's SQLite database without an application_id. */
    snprintf(path, sizeof path, "%s/other.db", f->dir);
    make_sqlite(path, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);");
    expect_refused(path, "另一个程序的 SQLite 数据库，不是发件箱");
    assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_schema"), 1);
    assert_int_equal(raw_int(path, "PRAGMA application_id"), 0);

    /* The server's database (a different application_id), even if empty. */
    snprintf(path, sizeof path, "%s/server.db", f->dir);
    make_sqlite(path, "PRAGMA application_id = 1381192001; CREATE TABLE office(code);");
    expect_refused(path, "application_id");

    /* An outbox from a newer program. */
    snprintf(path, sizeof path, "%s/newer.db", f->dir);
    make_sqlite(path, "PRAGMA application_id = 1381191473; PRAGMA user_version = 3;"
                      " CREATE TABLE outbox(seq INTEGER PRIMARY KEY);");
    expect_refused(path, "发件箱结构版本 3 比本程序的");

    /* Only a user_version, no tables. */
    snprintf(path, sizeof path, "%s/version.db", f->dir);
    make_sqlite(path, "PRAGMA user_version = 1;");
    expect_refused(path, "另一个程序的 SQLite 数据库，不是发件箱");

    /* Not SQLite at all. */
    snprintf(path, sizeof path, "%s/notes.txt", f->dir);
    write_bytes(path, "record_id,amount\n1,2\n"
                      "this is a CSV file that someone passed as --outbox by mistake\n");
    expect_refused(path, "不是 SQLite 数据库");

    /* A missing directory is an I/O error, not a schema one. */
    {
        struct rs_outbox *ob = NULL;
        char err[ERRLEN] = "";

        snprintf(path, sizeof path, "%s/no/such/dir/outbox.db", f->dir);
        assert_int_equal(rs_outbox_open(path, &ob, err, sizeof err), RS_EIO);
        assert_null(ob);
        assert_non_null(strstr(err, path));
    }
}

static void test_begin_rollback_commit(void **state)
{
    struct fx *f = *state;
    char want[RS_UUID_LEN + 1];
    struct rs_outbox_item items[4];
    Rs__Record r;
    Rs__Project p;
    Rs__Record rr;
    Rs__Relief rl;
    size_t n = 0;

    assert_int_equal(rs_outbox_begin(f->ob), RS_OK);
    assert_int_equal(rs_outbox_begin(f->ob), RS_EINVAL);
    make_project(&r, &p, "P-2023-001", 1000);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW);
    memcpy(want, r.id, sizeof want);
    clear_ids(&r);
    make_relief(&rr, &rl, "HH0012", 200000);
    assert_int_equal(add_ok(f->ob, &rr, "a.csv:3"), RS_OUTBOX_NEW);
    clear_ids(&rr);
    /* Within the transaction the first row is already visible to add. */
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_UNCHANGED);
    clear_ids(&r);
    assert_int_equal(rs_outbox_rollback(f->ob), RS_OK);

    assert_int_equal(row_count(f->path), 0);
    expect_counts(f->ob, 0, 0, 0, 0, 0);
    assert_int_equal(rs_outbox_pending(f->ob, 0, items, 4, &n), RS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rs_outbox_rollback(f->ob), RS_OK);
    assert_int_equal(rs_outbox_commit(f->ob), RS_EINVAL);

    /* After the rollback the same record is new again, with a new id. */
    assert_int_equal(rs_outbox_begin(f->ob), RS_OK);
    assert_int_equal(add_ok(f->ob, &r, "a.csv:2"), RS_OUTBOX_NEW);
    expect_next_id(r.id, want);
    clear_ids(&r);
    assert_int_equal(rs_outbox_commit(f->ob), RS_OK);
    assert_int_equal(row_count(f->path), 1);
    expect_counts(f->ob, 1, 0, 0, 0, 0);
}

/* Adds two records in a child that then dies with _exit, without closing;
 * with commit false they are inside a transaction it never commits. */
static void in_killed_child(const char *path, bool commit)
{
    pid_t pid = fork();
    int status = 0;

    assert_true(pid >= 0);
    if (pid == 0) {
        struct rs_outbox *ob = NULL;
        char err[ERRLEN];
        Rs__Record r;
        Rs__Project p;
        enum rs_outbox_added what;

        if (rs_outbox_open(path, &ob, err, sizeof err) != RS_OK)
            _exit(2);
        if (!commit && rs_outbox_begin(ob) != RS_OK)
            _exit(3);
        make_project(&r, &p, "P-2023-001", 1000);
        if (rs_outbox_add(ob, &r, "child.csv:2", &what) != RS_OK || what != RS_OUTBOX_NEW)
            _exit(4);
        free(r.id);
        make_project(&r, &p, "P-2023-002", 1000);
        if (rs_outbox_add(ob, &r, "child.csv:3", &what) != RS_OK)
            _exit(5);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_killed_process(void **state)
{
    struct fx *f = *state;
    char err[ERRLEN] = "";

    /* Killed inside an uncommitted transaction: nothing there. */
    assert_int_equal(rs_outbox_close(f->ob), RS_OK);
    f->ob = NULL;
    in_killed_child(f->path, false);
    assert_int_equal(rs_outbox_open(f->path, &f->ob, err, sizeof err), RS_OK);
    expect_counts(f->ob, 0, 0, 0, 0, 0);
    assert_int_equal(rs_outbox_close(f->ob), RS_OK);
    f->ob = NULL;

    /* Killed after two autocommitted adds: both there. */
    in_killed_child(f->path, true);
    assert_int_equal(rs_outbox_open(f->path, &f->ob, err, sizeof err), RS_OK);
    expect_counts(f->ob, 2, 0, 0, 0, 0);
    {
        char text[32];

        raw_text(f->path, "PRAGMA integrity_check", NULL, text, sizeof text);
        assert_string_equal(text, "ok");
    }
}

/* Receipts ride with acknowledgements; a version 1 outbox gains the columns. */
static void test_receipts(void **state)
{
    struct fx *f = *state;
    struct rs_outbox_receipt rc1, rc2, got;
    struct rs_outbox *ob = NULL;
    char ids[3][RS_UUID_LEN + 1], path[256], err[ERRLEN] = "";
    bool found = true;
    Rs__Record r;
    Rs__Project p;

    assert_int_equal(rs_outbox_last_receipt(f->ob, &got, &found), RS_OK);
    assert_false(found);
    for (int i = 0; i < 3; i++) {
        char pid[32];

        snprintf(pid, sizeof pid, "P-2023-%03d", i + 1);
        make_project(&r, &p, pid, 1000);
        assert_int_equal(add_ok(f->ob, &r, NULL), RS_OUTBOX_NEW);
        memcpy(ids[i], r.id, sizeof ids[i]);
        clear_ids(&r);
    }
    memset(&rc1, 0xab, sizeof rc1);
    rc1.seq = 7;
    memset(&rc2, 0xcd, sizeof rc2);
    rc2.seq = 9;
    assert_int_equal(rs_outbox_ack_receipt(f->ob, ids[0], RS_OB_STORED, NULL, NULL, 1, &rc1),
                     RS_OK);
    assert_int_equal(rs_outbox_ack_receipt(f->ob, ids[1], RS_OB_DUPLICATE, NULL, NULL, 2, &rc2),
                     RS_OK);
    /* An answer for a record already final changes nothing, receipt included. */
    assert_int_equal(rs_outbox_ack_receipt(f->ob, ids[0], RS_OB_STORED, NULL, NULL, 1, &rc2),
                     RS_OK);
    assert_int_equal(raw_int(f->path, "SELECT receipt_seq FROM outbox WHERE seq = 1"), 7);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox WHERE receipt_hash = "
                                      "zeroblob(0) OR receipt_hash IS NULL"),
                     1);
    assert_int_equal(rs_outbox_last_receipt(f->ob, &got, &found), RS_OK);
    assert_true(found);
    assert_int_equal(got.seq, 9);
    assert_memory_equal(got.hash, rc2.hash, sizeof got.hash);
    /* A receipt must name a row. */
    rc1.seq = 0;
    assert_int_equal(rs_outbox_ack_receipt(f->ob, ids[2], RS_OB_STORED, NULL, NULL, 3, &rc1),
                     RS_EINVAL);
    assert_int_equal(rs_outbox_ack(f->ob, ids[2], RS_OB_STORED, NULL, NULL, 3), RS_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox WHERE receipt_seq IS NULL"),
                     1);

    /* Version 1 (no receipt columns): migrated in place, rows kept. */
    snprintf(path, sizeof path, "%s/v1.db", f->dir);
    make_sqlite(path, "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, record_id TEXT NOT NULL "
                      "UNIQUE, nkey TEXT NOT NULL, supersedes TEXT, type INTEGER NOT NULL, hash "
                      "BLOB NOT NULL, body BLOB NOT NULL, source TEXT, state INTEGER NOT NULL "
                      "DEFAULT 0 CHECK (state BETWEEN 0 AND 4), field TEXT, reason TEXT, "
                      "server_seq INTEGER, created_at INTEGER NOT NULL, acked_at INTEGER, "
                      "attempts INTEGER NOT NULL DEFAULT 0) STRICT;"
                      "CREATE INDEX outbox_nkey ON outbox(nkey, seq);"
                      "CREATE INDEX outbox_state ON outbox(state, seq);"
                      "INSERT INTO outbox(record_id, nkey, type, hash, body, created_at) VALUES("
                      "'6f1c2b4e-0000-4000-8000-000000000001', 'k', 20, zeroblob(32), x'00', 1);"
                      "PRAGMA application_id = 1381191473; PRAGMA user_version = 1;");
    assert_int_equal(rs_outbox_open(path, &ob, err, sizeof err), RS_OK);
    assert_int_equal(raw_int(path, "PRAGMA user_version"), RS_OUTBOX_SCHEMA_VERSION);
    rc2.seq = 12;
    assert_int_equal(rs_outbox_ack_receipt(ob, "6f1c2b4e-0000-4000-8000-000000000001",
                                           RS_OB_STORED, NULL, NULL, 5, &rc2),
                     RS_OK);
    assert_int_equal(raw_int(path, "SELECT receipt_seq FROM outbox"), 12);
    assert_int_equal(rs_outbox_close(ob), RS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_gets_time_ordered_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_content_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_content_supersedes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_order_and_after_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attempts_and_acked_not_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_readded_gets_new_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caller_record_id_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_packed_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_rollback_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receipts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_create, setup, teardown),
    };

    return cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
}

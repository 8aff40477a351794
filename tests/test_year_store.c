/*
 * test_year_store.c - tests of what the store keeps for the reporting year:
 * the migration from schema version 2, the report's scan (nil returns left
 * out), schedules (replaced whole, refused for an unknown township or a
 * closed year, audited), reviews (by record and by batch, every refusal,
 * a new version pending again, the listing, a closed year and its lock
 * exception), closed years (issued in every format the producer renders,
 * reading the store inside the close; records of the year refused with
 * ERR_LOCKED in the put's own transaction, resends still duplicate; a lock
 * exception for one division; the re-issue, its reason and history).
 *
 * Every test works in its own mkdtemp directory under $TMPDIR (or /tmp),
 * removed by the teardown.  Does not test the server around the store
 * (itest_year.c does) or the records' own decisions (test_store.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawdb.h"
#include "rs_store.h"
#include "tmpdir_fixture.h"

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define CENTRAL "430602"
#define BODY_MAX 1024
#define MAX_RECS 64

/* Records of one test: their ids and packed bodies live here. */
struct recs {
    char id[MAX_RECS][RS_UUID_LEN + 1];
    char sup[MAX_RECS][RS_UUID_LEN + 1];
    uint8_t body[MAX_RECS][BODY_MAX];
    struct rs_store_rec r[MAX_RECS];
    size_t n;
};

/* ------------------------------------------------------------ helpers */

static void make_id(char out[RS_UUID_LEN + 1], unsigned n)
{
    snprintf(out, RS_UUID_LEN + 1, "%08x-0000-4000-8000-000000000000", n);
}

/*
 * Appends a packed record of `type` (project, subsidy, nil_return naming
 * nil_for, or budget_line) for division, year and period to rs; its id is
 * make_id(id).  supersedes: an id number, 0 for none.  remarks make two
 * versions differ.  Returns its index.
 */
static size_t add_rec(struct recs *rs, unsigned id, unsigned supersedes, const char *division,
                      Rs__Record__BodyCase type, uint32_t year, Rs__Period period,
                      Rs__RecordType nil_for, const char *remarks)
{
    Rs__Record r = RS__RECORD__INIT;
    Rs__Project p = RS__PROJECT__INIT;
    Rs__SubsidyPayout sp = RS__SUBSIDY_PAYOUT__INIT;
    Rs__NilReturn nr = RS__NIL_RETURN__INIT;
    Rs__BudgetLine bl = RS__BUDGET_LINE__INIT;
    size_t i = rs->n++, len;
    struct rs_store_rec *out = &rs->r[i];

    assert_true(i < MAX_RECS);
    make_id(rs->id[i], id);
    rs->sup[i][0] = '\0';
    if (supersedes)
        make_id(rs->sup[i], supersedes);
    r.id = rs->id[i];
    r.supersedes = supersedes ? rs->sup[i] : NULL;
    r.division_code = (char *)division;
    r.has_year = 1;
    r.year = year;
    r.has_period = 1;
    r.period = period;
    r.remarks = (char *)remarks;
    r.body_case = type;
    switch (type) {
    case RS__RECORD__BODY_SUBSIDY:
        sp.village = "东湖村";
        r.subsidy = &sp;
        break;
    case RS__RECORD__BODY_NIL_RETURN:
        nr.has_record_type = 1;
        nr.record_type = nil_for;
        nr.statement = "今期无此项业务";
        r.nil_return = &nr;
        break;
    case RS__RECORD__BODY_BUDGET_LINE:
        bl.has_line = 1;
        bl.line = RS__BUDGET_LINE_KIND__LINE_PERSONNEL;
        r.budget_line = &bl;
        break;
    default:
        p.project_id = "P-1";
        p.name = "道路硬化";
        r.body_case = RS__RECORD__BODY_PROJECT;
        r.project = &p;
        break;
    }
    len = rs__record__get_packed_size(&r);
    assert_true(len <= BODY_MAX);
    assert_int_equal(rs__record__pack(&r, rs->body[i]), len);
    memset(out, 0, sizeof(*out));
    out->id = rs->id[i];
    out->supersedes = supersedes ? rs->sup[i] : NULL;
    out->office_code = strlen(division) == 6 ? CENTRAL : TOWN_A;
    out->division_code = division;
    out->type = r.body_case;
    out->year = year;
    out->period = period;
    out->body = rs->body[i];
    out->body_len = len;
    rs_sha256(rs->body[i], len, out->hash);
    return i;
}

static struct rs_store *open_rw(const char *path)
{
    struct rs_store *s = NULL;
    char err[256] = "x";

    assert_int_equal(rs_store_open(path, RS_STORE_READWRITE, &s, err, sizeof(err)), RS_OK);
    assert_string_equal(err, "");
    return s;
}

/* Puts recs[first ..] of rs (one call, no batch) and expects RS_OK. */
static void put_from(struct rs_store *s, struct recs *rs, size_t first)
{
    char err[256];

    assert_int_equal(rs_store_put_batches(s, rs->r + first, rs->n - first, NULL, 0, err,
                                          sizeof(err)),
                     RS_OK);
}

static int collect_type(const uint8_t *body, size_t len, void *arg)
{
    Rs__Record *r = rs__record__unpack(NULL, len, body);
    unsigned *types = arg;

    assert_non_null(r);
    types[types[0] + 1] = (unsigned)r->body_case;
    types[0]++;
    rs__record__free_unpacked(r, NULL);
    return 0;
}

/* Registers the district's offices: central 430602, townships A and B. */
static void add_offices(struct rs_store *s)
{
    char tok[RS_TOKEN_HEX + 1];

    assert_int_equal(rs_store_office_add(s, CENTRAL, "岳阳楼区库区移民服务中心",
                                         RS__ROLE__ROLE_CENTRAL, tok),
                     RS_OK);
    assert_int_equal(rs_store_office_add(s, TOWN_A, "金鹗山街道", RS__ROLE__ROLE_TOWNSHIP, tok),
                     RS_OK);
    assert_int_equal(rs_store_office_add(s, TOWN_B, "王家河街道", RS__ROLE__ROLE_TOWNSHIP, tok),
                     RS_OK);
}

/* ------------------------------------------------------------ migration */

/* The version 2 schema, as the release before the reporting year made it. */
static const char v2_schema[] =
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
    "CREATE TABLE audit(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, kind TEXT NOT NULL,"
    " office TEXT NOT NULL, peer TEXT NOT NULL, detail TEXT NOT NULL,"
    " prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "INSERT INTO offices VALUES('430602001', '金鹗山街道', 1, zeroblob(32), 0, 1700000000);"
    "INSERT INTO records VALUES(1, '00000001-0000-4000-8000-000000000000', NULL, NULL,"
    " '430602001', '430602001', 20, 2023, 7, zeroblob(32), x'0a00', NULL, 1700000000);"
    "PRAGMA application_id = 1381190705; PRAGMA user_version = 2;";

/* Review rows, issues and issued reports cannot be changed or removed, on
 * the store at db (its schema created). */
static void assert_fixed_tables(const char *db)
{
    char why[256];

    rawdb_exec(db, "INSERT INTO reviews VALUES(1, 'x', 2, 'c', '430602', 1)");
    assert_false(rawdb_try(db, "UPDATE reviews SET comment = 'd'", why, sizeof(why)));
    assert_non_null(strstr(why, "append-only"));
    assert_false(rawdb_try(db, "DELETE FROM reviews", why, sizeof(why)));
    rawdb_exec(db, "INSERT INTO year_issues VALUES(2023, 1, 1, '430602', 'f', 'h', 0, '')");
    assert_false(rawdb_try(db, "UPDATE year_issues SET reason = 'x'", why, sizeof(why)));
    assert_non_null(strstr(why, "does not change"));
    assert_false(rawdb_try(db, "DELETE FROM year_issues", why, sizeof(why)));
    assert_int_equal(rawdb_int(db, "SELECT count(*) FROM reviews"), 1);
    assert_int_equal(rawdb_int(db, "SELECT count(*) FROM year_issues"), 1);
}

static void test_v2_database_migrates(void **state)
{
    static const char *const tables[] = {"schedules", "schedule_sets", "reviews", "year_issues",
                                         "year_reports", "year_exceptions"};
    struct fixture *f = *state;
    struct rs_store *s, *ro = NULL;
    char err[256], sql[200];

    SQLITE_ONLY();
    rawdb_exec(f->db, v2_schema);
    assert_int_equal(rs_store_open(f->db, RS_STORE_READONLY, &ro, err, sizeof(err)),
                     RS_ESCHEMA);
    snprintf(sql, sizeof(sql), "schema version 2 is older than this program (%d)",
             RS_STORE_SCHEMA_VERSION);
    assert_non_null(strstr(err, sql));
    s = open_rw(f->db);
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rawdb_int(f->db, "PRAGMA user_version"), RS_STORE_SCHEMA_VERSION);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records"), 1);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM offices"), 1);
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM pragma_table_list WHERE name = '%s' AND strict = 1",
                 tables[i]);
        assert_int_equal(rawdb_int(f->db, sql), 1);
    }
    assert_fixed_tables(f->db);
    /* Opening again changes nothing; read-only use works now. */
    s = open_rw(f->db);
    assert_int_equal(rs_store_close(s), RS_OK);
    assert_int_equal(rs_store_open(f->db, RS_STORE_READONLY, &ro, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_store_close(ro), RS_OK);
}

/* A new store's fixed tables refuse change on either backend. */
static void test_fixed_tables(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(rs_store_close(open_rw(f->db)), RS_OK);
    assert_fixed_tables(f->db);
}

/* ------------------------------------------------------------ the report's scan */

static void test_report_scan_leaves_out_nil_returns(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct recs *rs = calloc(1, sizeof(*rs));
    struct rs_store_scan_q q = {2023, NULL, false};
    unsigned types[16] = {0}, all = 0;

    assert_non_null(rs);
    add_rec(rs, 1, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, RS__PERIOD__PERIOD_YEAR, 0, NULL);
    add_rec(rs, 2, 0, TOWN_A, RS__RECORD__BODY_NIL_RETURN, 2023, RS__PERIOD__PERIOD_Q3,
            RS__RECORD_TYPE__RT_TRAINING, NULL);
    add_rec(rs, 3, 0, TOWN_B, RS__RECORD__BODY_SUBSIDY, 2023, RS__PERIOD__PERIOD_Q1, 0, NULL);
    add_rec(rs, 4, 0, CENTRAL, RS__RECORD__BODY_BUDGET_LINE, 2023, RS__PERIOD__PERIOD_YEAR, 0,
            NULL);
    add_rec(rs, 5, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2022, RS__PERIOD__PERIOD_YEAR, 0, NULL);
    put_from(s, rs, 0);

    /* rs_store_scan_year hands out every current record, the nil return too. */
    assert_int_equal(rs_store_scan_year(s, 2023, NULL, collect_type, types), RS_OK);
    all = types[0];
    assert_int_equal(all, 4);
    memset(types, 0, sizeof(types));
    assert_int_equal(rs_store_scan_report(s, &q, collect_type, types), RS_OK);
    assert_int_equal(types[0], 3);
    assert_int_equal(types[1], RS__RECORD__BODY_PROJECT);
    assert_int_equal(types[2], RS__RECORD__BODY_SUBSIDY);
    assert_int_equal(types[3], RS__RECORD__BODY_BUDGET_LINE);

    /* One division: exactly its code. */
    q.division = TOWN_A;
    memset(types, 0, sizeof(types));
    assert_int_equal(rs_store_scan_report(s, &q, collect_type, types), RS_OK);
    assert_int_equal(types[0], 1);
    assert_int_equal(types[1], RS__RECORD__BODY_PROJECT);
    assert_int_equal(rs_store_scan_report(s, NULL, collect_type, types), RS_EINVAL);
    assert_int_equal(rs_store_close(s), RS_OK);
    free(rs);
}

/* ------------------------------------------------------------ schedules */

static void parse_sched(const char *text, struct rs_schedule *out)
{
    char err[256];

    if (rs_schedule_parse_csv("s.csv", text, strlen(text), 2023, out, err, sizeof(err)) != RS_OK)
        fail_msg("%s", err);
}

static void test_schedule_set_and_get(void **state)
{
    static const char first[] = "type,period,deadline_days,townships\n"
                                "subsidy,quarter,20,all\n"
                                "training,half,15,430602001\n";
    static const char second[] = "type,period,deadline_days,townships\n"
                                 "survey,year,31,430602002 430602001\n";
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct rs_schedule in, got;
    int64_t at = -1;
    uint64_t seq = 0;
    char by[16], err[256], *csv = NULL, detail[600];

    add_offices(s);
    assert_int_equal(rs_store_schedule_get(s, 2023, &got, &at, by, sizeof(by)), RS_OK);
    assert_int_equal(got.n, 0);
    assert_int_equal(at, 0);
    assert_string_equal(by, "");
    rs_schedule_free(&got);

    parse_sched(first, &in);
    assert_int_equal(rs_store_schedule_set(s, &in, "s.csv", NULL, NULL, &seq, err, sizeof(err)),
                     RS_OK);
    assert_int_equal(seq, 4);    /* after the three office_add rows */
    rs_schedule_free(&in);
    assert_int_equal(rs_store_schedule_get(s, 2023, &got, &at, by, sizeof(by)), RS_OK);
    assert_true(at > 0);
    assert_string_equal(by, "local");
    assert_int_equal(got.n, 2);
    assert_int_equal(got.lines[1].line, 3);
    assert_int_equal(rs_schedule_format_csv(&got, &csv), RS_OK);
    assert_string_equal(csv, first);
    free(csv);
    rs_schedule_free(&got);

    /* A second set replaces the whole schedule; other years are apart. */
    parse_sched(second, &in);
    assert_int_equal(rs_store_schedule_set(s, &in, "s.csv", CENTRAL, "127.0.0.1:5000", &seq, err,
                                           sizeof(err)),
                     RS_OK);
    rs_schedule_free(&in);
    assert_int_equal(rs_store_schedule_get(s, 2023, &got, &at, by, sizeof(by)), RS_OK);
    assert_string_equal(by, CENTRAL);
    assert_int_equal(rs_schedule_format_csv(&got, &csv), RS_OK);
    assert_string_equal(csv, second);
    free(csv);
    rs_schedule_free(&got);
    assert_int_equal(rs_store_schedule_get(s, 2024, &got, &at, by, sizeof(by)), RS_OK);
    assert_int_equal(got.n, 0);
    rs_schedule_free(&got);
    assert_int_equal(rs_store_close(s), RS_OK);

    rawdb_text(f->db, "SELECT kind || ' ' || office || ' ' || peer FROM audit WHERE seq = 5",
             detail, sizeof(detail));
    assert_string_equal(detail, "schedule_set 430602 127.0.0.1:5000");
    rawdb_text(f->db, "SELECT detail FROM audit WHERE seq = 5", detail, sizeof(detail));
    assert_non_null(strstr(detail, "year 2023: 1 lines, schedule sha256 "));
}

static void test_schedule_refusals(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct rs_schedule in, got;
    char err[256], tok[RS_TOKEN_HEX + 1];
    int64_t at;

    add_offices(s);
    assert_int_equal(rs_store_office_add(s, "430602003", "奇家岭街道", RS__ROLE__ROLE_TOWNSHIP,
                                         tok),
                     RS_OK);
    assert_int_equal(rs_store_office_revoke(s, "430602003"), RS_OK);
    parse_sched("type,period,deadline_days,townships\nsubsidy,quarter,20,430602001\n", &in);
    assert_int_equal(rs_store_schedule_set(s, &in, "s.csv", NULL, NULL, NULL, err, sizeof(err)),
                     RS_OK);
    rs_schedule_free(&in);

    /* Nothing of a refused schedule is applied. */
    parse_sched("type,period,deadline_days,townships\nproject,year,30,430602001\n"
                "survey,year,30,430602009\n",
                &in);
    assert_int_equal(rs_store_schedule_set(s, &in, "s.csv", NULL, NULL, NULL, err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "s.csv:3: 乡镇 430602009 不是已登记的单位");
    rs_schedule_free(&in);
    parse_sched("type,period,deadline_days,townships\nproject,year,30,430602003\n", &in);
    assert_int_equal(rs_store_schedule_set(s, &in, NULL, NULL, NULL, NULL, err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "第 2 行: 乡镇单位 430602003 已被吊销");
    rs_schedule_free(&in);
    parse_sched("type,period,deadline_days,townships\nproject,year,30,430602000\n", &in);
    assert_int_equal(rs_store_office_add(s, "430602000", "某中心", RS__ROLE__ROLE_CENTRAL, tok),
                     RS_OK);
    assert_int_equal(rs_store_schedule_set(s, &in, "s.csv", NULL, NULL, NULL, err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "s.csv:2: 单位 430602000 不是乡镇单位");
    assert_int_equal(rs_store_schedule_get(s, 2023, &got, &at, NULL, 0), RS_OK);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.lines[0].type, RS__RECORD_TYPE__RT_SUBSIDY);
    rs_schedule_free(&got);

    /* A closed year's schedule is part of its issued report. */
    assert_int_equal(rs_store_close(s), RS_OK);
    rawdb_exec(f->db, "INSERT INTO year_issues VALUES(2023, 1, 1705276800, '430602', 'unit-2023',"
                    " 'h', 10, '')");
    s = open_rw(f->db);
    assert_int_equal(rs_store_schedule_set(s, &in, "s.csv", NULL, NULL, NULL, err, sizeof(err)),
                     RS_ELOCKED);
    assert_string_equal(err, "报送计划属于已出具的报告：2023年度已结账（报告已于2024-01-15出具），不能再改动；如需改动，请岳阳楼区库区移民服务中心（430602）重新开放");
    rs_schedule_free(&in);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit WHERE kind = 'schedule_set'"),
                     1);
    assert_int_equal(rs_store_close(s), RS_OK);
}

/* ------------------------------------------------------------ reviews */

struct listed {
    size_t n;
    char ids[8][RS_UUID_LEN + 1];
    Rs__ReviewState state[8];
    char comment[8][RS_REVIEW_COMMENT_MAX + 1];
    char reviewer_name[8][128];
};

static int on_review(const struct rs_review_row *r, void *arg)
{
    struct listed *l = arg;

    if (l->n < 8) {
        snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s", r->record_id);
        l->state[l->n] = r->state;
        snprintf(l->comment[l->n], sizeof(l->comment[0]), "%s", r->comment);
        snprintf(l->reviewer_name[l->n], sizeof(l->reviewer_name[0]), "%s", r->reviewer_name);
    }
    l->n++;
    return 0;
}

static struct listed list_reviews(struct rs_store *s, uint32_t year, const char *scope,
                                  bool exact, bool returned_only)
{
    struct listed l;

    memset(&l, 0, sizeof(l));
    assert_int_equal(rs_store_review_list(s, year, scope, exact, returned_only, on_review, &l),
                     RS_OK);
    return l;
}

/* A review request by the central office over its district. */
static struct rs_review_req review_req(Rs__ReviewAction a, const char *record_id,
                                       const char *batch_id, const char *comment)
{
    struct rs_review_req q = {a, record_id, batch_id, comment, CENTRAL, CENTRAL, "test"};

    return q;
}

static rs_status review(struct rs_store *s, struct rs_review_req q, struct rs_review_out *out,
                        char *err, size_t errlen)
{
    return rs_store_review(s, &q, out, err, errlen);
}

static void test_reviews(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct recs *rs = calloc(1, sizeof(*rs));
    struct rs_review_out out;
    struct listed l;
    char err[512], detail[600];
    size_t first;

    assert_non_null(rs);
    add_offices(s);
    add_rec(rs, 1, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, RS__PERIOD__PERIOD_YEAR, 0, NULL);
    add_rec(rs, 2, 0, TOWN_B, RS__RECORD__BODY_SUBSIDY, 2023, RS__PERIOD__PERIOD_Q1, 0, NULL);
    add_rec(rs, 3, 0, CENTRAL, RS__RECORD__BODY_BUDGET_LINE, 2023, RS__PERIOD__PERIOD_YEAR, 0,
            NULL);
    /* A batch of two (batch id "b-1"): a nil return and a subsidy of A. */
    first = add_rec(rs, 4, 0, TOWN_A, RS__RECORD__BODY_NIL_RETURN, 2023, RS__PERIOD__PERIOD_Q3,
                    RS__RECORD_TYPE__RT_TRAINING, NULL);
    add_rec(rs, 5, 0, TOWN_A, RS__RECORD__BODY_SUBSIDY, 2023, RS__PERIOD__PERIOD_Q2, 0, NULL);
    rs->r[first].batch_id = "b-1";
    rs->r[first + 1].batch_id = "b-1";
    put_from(s, rs, 0);

    /* Refusals: nothing is written by any of them. */
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_RETURN, rs->id[0], NULL, ""),
                            &out, err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "退回记录须写明意见，说明哪里有误");
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[0], "b-1", NULL),
                            &out, err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "请写明一个记录 ID 或一个批次 ID");
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_UNSPECIFIED, rs->id[0], NULL,
                                          NULL),
                            &out, err, sizeof(err)),
                     RS_EINVAL);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT,
                                          "0000ffff-0000-4000-8000-000000000000", NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "没有记录 0000ffff-0000-4000-8000-000000000000");
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, NULL, "b-9", NULL), &out,
                            err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "没有已入库记录的批次 b-9");
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[2], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "记录 00000003-0000-4000-8000-000000000000 是预算行记录，"
                             "属区中心本单位的数据：请报送新版本来改正，不作审核");
    {
        struct rs_review_req q = review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[1], NULL, NULL);

        q.scope = TOWN_A;
        assert_int_equal(rs_store_review(s, &q, &out, err, sizeof(err)), RS_EFORBIDDEN);
        assert_string_equal(err, "记录 00000002-0000-4000-8000-000000000000 的区划 430602002 "
                                 "不在本单位所辖的 430602001 范围内");
    }
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM reviews"), 0);

    /* Return one record; accept another. */
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_RETURN, rs->id[0], NULL,
                                          "完成投资与拨付不符，请核实"),
                            &out, err, sizeof(err)),
                     RS_OK);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.ids[0], rs->id[0]);
    assert_true(out.audit_seq > 0);
    rs_review_out_free(&out);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[1], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_OK);
    rs_review_out_free(&out);
    l = list_reviews(s, 2023, CENTRAL, false, false);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.state[0], RS__REVIEW_STATE__RVS_RETURNED);
    assert_string_equal(l.comment[0], "完成投资与拨付不符，请核实");
    assert_string_equal(l.reviewer_name[0], "岳阳楼区库区移民服务中心");
    assert_int_equal(l.state[1], RS__REVIEW_STATE__RVS_ACCEPTED);
    assert_int_equal(list_reviews(s, 2023, CENTRAL, false, true).n, 1);
    assert_int_equal(list_reviews(s, 2023, TOWN_B, true, false).n, 1);
    assert_int_equal(list_reviews(s, 2023, TOWN_B, true, true).n, 0);
    assert_int_equal(list_reviews(s, 2024, CENTRAL, false, false).n, 0);
    assert_int_equal(list_reviews(s, 0, CENTRAL, false, false).n, 2);

    /* The newest action wins: accepted after a return. */
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_RETURN, rs->id[1], NULL, "再核"),
                            &out, err, sizeof(err)),
                     RS_OK);
    rs_review_out_free(&out);
    assert_int_equal(list_reviews(s, 2023, CENTRAL, false, true).n, 2);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[1], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_OK);
    rs_review_out_free(&out);
    assert_int_equal(list_reviews(s, 2023, CENTRAL, false, true).n, 1);

    /* The corrected version supersedes the returned one: pending again, nothing listed,
     * and the old version cannot be reviewed any more. */
    first = add_rec(rs, 6, 1, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, RS__PERIOD__PERIOD_YEAR, 0,
                    "更正");
    put_from(s, rs, first);
    assert_int_equal(rs->r[first].ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(list_reviews(s, 2023, CENTRAL, false, true).n, 0);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[0], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "记录 00000001-0000-4000-8000-000000000000 已被新版本 "
                             "00000006-0000-4000-8000-000000000000 取代；请审核当前版本");

    /* A batch: every current record of it; superseded ones are skipped. */
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_RETURN, NULL, "b-1", "请补充"),
                            &out, err, sizeof(err)),
                     RS_OK);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.skipped, 0);
    rs_review_out_free(&out);
    first = add_rec(rs, 7, 5, TOWN_A, RS__RECORD__BODY_SUBSIDY, 2023, RS__PERIOD__PERIOD_Q2, 0,
                    "更正");
    put_from(s, rs, first);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, NULL, "b-1", NULL), &out,
                            err, sizeof(err)),
                     RS_OK);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.skipped, 1);
    assert_string_equal(out.ids[0], rs->id[3]);
    rs_review_out_free(&out);
    rawdb_text(f->db, "SELECT kind || ' ' || office || ' ' || detail FROM audit"
                    " WHERE kind LIKE 'review%' ORDER BY seq DESC LIMIT 1",
             detail, sizeof(detail));
    assert_string_equal(detail, "review_accept 430602 batch b-1: 1 records: ");
    rawdb_text(f->db, "SELECT detail FROM audit WHERE kind = 'review_return' ORDER BY seq LIMIT 1",
             detail, sizeof(detail));
    assert_string_equal(detail, "record 00000001-0000-4000-8000-000000000000: "
                                "完成投资与拨付不符，请核实");

    /* A closed year refuses reviews, except in a division a lock exception lets in. */
    assert_int_equal(rs_store_close(s), RS_OK);
    rawdb_exec(f->db, "INSERT INTO year_issues VALUES(2023, 1, 1705276800, '430602', 'unit-2023',"
                    " 'h', 10, '')");
    s = open_rw(f->db);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[1], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_ELOCKED);
    assert_string_equal(err, "记录 00000002-0000-4000-8000-000000000000 不能审核："
                             "2023年度已结账（报告已于2024-01-15出具），不能再改动；如需改动，请岳阳楼区库区移民服务中心（430602）重新开放");
    {
        char sql[300];

        snprintf(sql, sizeof(sql),
                 "INSERT INTO year_exceptions(year, division, until, reason, granted_by,"
                 " granted_at) VALUES(2023, '%s', %u, 'r', '430602', 1),"
                 " (2023, '%s', 20240101, 'expired', '430602', 1)",
                 TOWN_A, rs_date_cst(rs_now_unix()), TOWN_B);
        rawdb_exec(f->db, sql);
    }
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[5], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_OK);
    rs_review_out_free(&out);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[1], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_ELOCKED);
    assert_int_equal(rs_store_close(s), RS_OK);
    free(rs);
}

static void test_report_scan_accepted_only(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct recs *rs = calloc(1, sizeof(*rs));
    struct rs_store_scan_q q = {2023, NULL, true};
    struct rs_review_out out;
    unsigned types[16] = {0};
    char err[256];

    assert_non_null(rs);
    add_offices(s);
    add_rec(rs, 1, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, RS__PERIOD__PERIOD_YEAR, 0, NULL);
    add_rec(rs, 2, 0, TOWN_B, RS__RECORD__BODY_SUBSIDY, 2023, RS__PERIOD__PERIOD_Q1, 0, NULL);
    add_rec(rs, 3, 0, CENTRAL, RS__RECORD__BODY_BUDGET_LINE, 2023, RS__PERIOD__PERIOD_YEAR, 0,
            NULL);
    add_rec(rs, 4, 0, TOWN_B, RS__RECORD__BODY_SUBSIDY, 2023, RS__PERIOD__PERIOD_Q2, 0, NULL);
    put_from(s, rs, 0);
    /* Nothing reviewed: only the centre's own record counts. */
    assert_int_equal(rs_store_scan_report(s, &q, collect_type, types), RS_OK);
    assert_int_equal(types[0], 1);
    assert_int_equal(types[1], RS__RECORD__BODY_BUDGET_LINE);
    /* Accepted, returned, returned then accepted. */
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[0], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_OK);
    rs_review_out_free(&out);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_RETURN, rs->id[1], NULL, "错"),
                            &out, err, sizeof(err)),
                     RS_OK);
    rs_review_out_free(&out);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_RETURN, rs->id[3], NULL, "错"),
                            &out, err, sizeof(err)),
                     RS_OK);
    rs_review_out_free(&out);
    assert_int_equal(review(s, review_req(RS__REVIEW_ACTION__RA_ACCEPT, rs->id[3], NULL, NULL),
                            &out, err, sizeof(err)),
                     RS_OK);
    rs_review_out_free(&out);
    memset(types, 0, sizeof(types));
    assert_int_equal(rs_store_scan_report(s, &q, collect_type, types), RS_OK);
    assert_int_equal(types[0], 3);
    assert_int_equal(types[1], RS__RECORD__BODY_PROJECT);
    assert_int_equal(types[2], RS__RECORD__BODY_BUDGET_LINE);
    assert_int_equal(types[3], RS__RECORD__BODY_SUBSIDY);
    /* Without the option every record counts. */
    q.accepted_only = false;
    memset(types, 0, sizeof(types));
    assert_int_equal(rs_store_scan_report(s, &q, collect_type, types), RS_OK);
    assert_int_equal(types[0], 4);
    assert_int_equal(rs_store_close(s), RS_OK);
    free(rs);
}

/* ------------------------------------------------------------ closed years */

struct producer {
    int calls;
    size_t nissues_seen;
    uint32_t issue_seen;
    char reason_seen[RS_YEAR_ISSUE_REASON_MAX + 1];
    unsigned records_seen;
    rs_status fail;              /* returned instead of rendering, if set */
    bool twice;                  /* render one format twice */
};

static int count_body(const uint8_t *body, size_t len, void *arg)
{
    (void)body;
    (void)len;
    ++*(unsigned *)arg;
    return 0;
}

/* Renders two "formats" that name the issue and the records it sees. */
static rs_status produce(struct rs_store *s, const struct rs_year_issue *issues, size_t nissues,
                         struct rs_year_made *made, char *err, size_t errlen, void *arg)
{
    struct producer *p = arg;
    const struct rs_year_issue *n = &issues[nissues - 1];
    struct rs_store_scan_q q = {n->year, NULL, false};
    char buf[128];

    p->calls++;
    p->nissues_seen = nissues;
    p->issue_seen = n->issue;
    snprintf(p->reason_seen, sizeof(p->reason_seen), "%s", n->reason);
    if (p->fail) {
        snprintf(err, errlen, "the producer failed");
        return p->fail;
    }
    p->records_seen = 0;
    assert_int_equal(rs_store_scan_report(s, &q, count_body, &p->records_seen), RS_OK);
    snprintf(made->framework_name, sizeof(made->framework_name), "unit-2023");
    snprintf(made->framework_hash, sizeof(made->framework_hash), "%s%s%s%s", "7d0c1e2a7d0c1e2a",
             "0000000000000000", "0000000000000000", "0000000000000000");
    snprintf(buf, sizeof(buf), "# issue %u of %u: %u records\n", (unsigned)n->issue,
             (unsigned)n->year, p->records_seen);
    made->reports[0].format = RS__REPORT_FORMAT__FMT_MARKDOWN;
    made->reports[0].body = strdup(buf);
    made->reports[0].len = strlen(buf);
    made->reports[1].format = p->twice ? RS__REPORT_FORMAT__FMT_MARKDOWN
                                       : RS__REPORT_FORMAT__FMT_JSON;
    made->reports[1].body = strdup("{\"issue\": 1}\n");
    made->reports[1].len = strlen(made->reports[1].body);
    made->n = 2;
    return RS_OK;
}

/* Puts recs[first] alone and returns its ack. */
static Rs__AckStatus put_one_rec(struct rs_store *s, struct recs *rs, size_t first)
{
    char err[256];

    assert_int_equal(rs_store_put_batches(s, rs->r + first, 1, NULL, 0, err, sizeof(err)),
                     RS_OK);
    return rs->r[first].ack;
}

static void test_closed_years(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct recs *rs = calloc(1, sizeof(*rs));
    struct producer p;
    struct rs_year_issue issue;
    struct rs_year_info info;
    char err[512], *body = NULL, detail[600], want[300];
    size_t len = 0, i;
    uint32_t today = rs_date_cst(rs_now_unix());

    assert_non_null(rs);
    memset(&p, 0, sizeof(p));
    add_offices(s);
    add_rec(rs, 1, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, RS__PERIOD__PERIOD_YEAR, 0, NULL);
    add_rec(rs, 2, 0, TOWN_B, RS__RECORD__BODY_SUBSIDY, 2023, RS__PERIOD__PERIOD_Q1, 0, NULL);
    add_rec(rs, 3, 0, TOWN_A, RS__RECORD__BODY_NIL_RETURN, 2023, RS__PERIOD__PERIOD_Q3,
            RS__RECORD_TYPE__RT_TRAINING, NULL);
    put_from(s, rs, 0);

    /* Not closed: no report stored, nothing to reopen. */
    assert_int_equal(rs_store_year_report(s, 2023, RS__REPORT_FORMAT__FMT_MARKDOWN, &body, &len,
                                          NULL),
                     RS_ENOTFOUND);
    assert_int_equal(rs_store_year_reopen(s, 2023, TOWN_A, today, "更正", CENTRAL, NULL, NULL,
                                          err, sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "2023年度尚未结账，无需重新开放");

    /* A failing producer, or one that renders a format twice: nothing is written. */
    p.fail = RS_ENOMEM;
    assert_int_equal(rs_store_year_close(s, 2023, CENTRAL, NULL, produce, &p, &issue, NULL, err,
                                         sizeof(err)),
                     RS_ENOMEM);
    assert_string_equal(err, "the producer failed");
    p.fail = RS_OK;
    p.twice = true;
    assert_int_equal(rs_store_year_close(s, 2023, CENTRAL, NULL, produce, &p, &issue, NULL, err,
                                         sizeof(err)),
                     RS_EINVAL);
    assert_string_equal(err, "the report to issue has format 1 twice");
    p.twice = false;
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM year_issues"), 0);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM year_reports"), 0);

    /* The close: issue 1, every format byte for byte, the producer saw the records. */
    assert_int_equal(rs_store_year_close(s, 2023, CENTRAL, "127.0.0.1:1", produce, &p, &issue, NULL,
                                         err, sizeof(err)),
                     RS_OK);
    assert_int_equal(issue.issue, 1);
    /* The nil return is not one of the records the report is made of. */
    assert_int_equal(issue.record_count, 2);
    assert_string_equal(issue.closed_by_name, "岳阳楼区库区移民服务中心");
    assert_string_equal(issue.framework_name, "unit-2023");
    assert_string_equal(issue.reason, "");
    assert_int_equal(p.nissues_seen, 1);
    assert_int_equal(p.records_seen, 2);     /* the nil return is not counted */
    assert_int_equal(rs_store_year_report(s, 2023, RS__REPORT_FORMAT__FMT_MARKDOWN, &body, &len,
                                          &issue),
                     RS_OK);
    assert_string_equal(body, "# issue 1 of 2023: 2 records\n");
    assert_int_equal(len, strlen(body));
    free(body);
    assert_int_equal(rs_store_year_report(s, 2023, RS__REPORT_FORMAT__FMT_CSV, &body, &len, NULL),
                     RS_ENOTFOUND);
    rawdb_text(f->db, "SELECT detail FROM audit WHERE kind = 'year_close'", detail, sizeof(detail));
    assert_non_null(strstr(detail, "year 2023 issue 1: 2 current records, framework unit-2023 "
                                   "7d0c1e2a7d0c1e2a; markdown sha256 "));
    assert_non_null(strstr(detail, "; json sha256 "));
    assert_int_equal(rs_store_year_close(s, 2023, CENTRAL, NULL, produce, &p, &issue, NULL, err,
                                         sizeof(err)),
                     RS_ELOCKED);
    assert_non_null(strstr(err, "2023年度已结账（第 1 版报告，"));

    /* Records of the closed year are refused with ERR_LOCKED; other years go on; a resend
     * of a record stored before the close is still a duplicate. */
    i = add_rec(rs, 10, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, RS__PERIOD__PERIOD_YEAR, 0,
                "late");
    assert_int_equal(put_one_rec(s, rs, i), RS__ACK_STATUS__ACK_REJECTED);
    assert_int_equal(rs->r[i].code, RS__ERROR_CODE__ERR_LOCKED);
    {
        char day[11];

        rs_date_format(today, day);
        snprintf(want, sizeof(want), "year 2023 is closed (its report was issued %s); ask "
                                     "岳阳楼区库区移民服务中心 (430602) to reopen it", day);
    }
    assert_string_equal(rs->r[i].reason, want);
    assert_int_equal(put_one_rec(s, rs, 0), RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(rs->r[0].code, RS__ERROR_CODE__ERR_NONE);
    i = add_rec(rs, 11, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2024, RS__PERIOD__PERIOD_YEAR, 0,
                NULL);
    assert_int_equal(put_one_rec(s, rs, i), RS__ACK_STATUS__ACK_STORED);
    /* Moving a 2023 record into 2024 would change 2023 too. */
    i = add_rec(rs, 12, 2, TOWN_B, RS__RECORD__BODY_SUBSIDY, 2024, RS__PERIOD__PERIOD_Q1, 0,
                "moved");
    assert_int_equal(put_one_rec(s, rs, i), RS__ACK_STATUS__ACK_REJECTED);
    assert_int_equal(rs->r[i].code, RS__ERROR_CODE__ERR_LOCKED);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM records WHERE year = 2023"), 3);

    /* A lock exception lets one township in, until its last day. */
    assert_int_equal(rs_store_year_reopen(s, 2023, TOWN_A, 20230101, "更正", CENTRAL, NULL, NULL,
                                          err, sizeof(err)),
                     RS_EINVAL);
    assert_int_equal(rs_store_year_reopen(s, 2023, TOWN_A, today, "", CENTRAL, NULL, NULL, err,
                                          sizeof(err)),
                     RS_EINVAL);
    assert_int_equal(rs_store_year_reopen(s, 2023, "4306", today, "x", CENTRAL, NULL, NULL, err,
                                          sizeof(err)),
                     RS_EINVAL);
    assert_int_equal(rs_store_year_reopen(s, 2023, TOWN_A, today, "更正二季度直补", CENTRAL,
                                          "127.0.0.1:2", NULL, err, sizeof(err)),
                     RS_OK);
    i = add_rec(rs, 13, 1, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, RS__PERIOD__PERIOD_YEAR, 0,
                "corrected");
    assert_int_equal(put_one_rec(s, rs, i), RS__ACK_STATUS__ACK_STORED);
    i = add_rec(rs, 14, 0, TOWN_B, RS__RECORD__BODY_PROJECT, 2023, RS__PERIOD__PERIOD_YEAR, 0,
                NULL);
    assert_int_equal(put_one_rec(s, rs, i), RS__ACK_STATUS__ACK_REJECTED);
    rawdb_text(f->db, "SELECT detail FROM audit WHERE kind = 'year_reopen'", detail,
             sizeof(detail));
    {
        char day[11];

        rs_date_format(today, day);
        snprintf(want, sizeof(want), "year 2023: 430602001 until %s: 更正二季度直补", day);
    }
    assert_string_equal(detail, want);

    /* The re-close: issue 2 says why, and the exception ends with it. */
    assert_int_equal(rs_store_year_close(s, 2023, CENTRAL, NULL, produce, &p, &issue, NULL, err,
                                         sizeof(err)),
                     RS_OK);
    assert_int_equal(issue.issue, 2);
    assert_int_equal(p.nissues_seen, 2);
    assert_string_equal(p.reason_seen, "金鹗山街道（430602001）：更正二季度直补");
    assert_string_equal(issue.reason, p.reason_seen);
    assert_int_equal(rs_store_year_report(s, 2023, RS__REPORT_FORMAT__FMT_MARKDOWN, &body, &len,
                                          NULL),
                     RS_OK);
    assert_string_equal(body, "# issue 2 of 2023: 2 records\n");
    free(body);
    i = add_rec(rs, 15, 0, TOWN_A, RS__RECORD__BODY_SURVEY, 2023, RS__PERIOD__PERIOD_YEAR, 0,
                NULL);
    assert_int_equal(put_one_rec(s, rs, i), RS__ACK_STATUS__ACK_REJECTED);
    assert_int_equal(rs_store_year_info(s, 2023, &info), RS_OK);
    assert_int_equal(info.nissues, 2);
    assert_int_equal(info.issues[0].issue, 1);
    assert_string_equal(info.issues[1].reason, "金鹗山街道（430602001）：更正二季度直补");
    assert_int_equal(info.nexceptions, 1);
    assert_string_equal(info.exceptions[0].division_name, "金鹗山街道");
    assert_int_equal(info.exceptions[0].ended_issue, 2);
    assert_int_equal(info.exceptions[0].until, today);
    rs_year_info_free(&info);
    assert_int_equal(rs_store_year_info(s, 2022, &info), RS_OK);
    assert_int_equal(info.nissues, 0);
    rs_year_info_free(&info);
    assert_int_equal(rawdb_int(f->db, "SELECT count(*) FROM audit WHERE kind = 'year_close'"), 2);
    assert_int_equal(rs_store_close(s), RS_OK);
    {
        uint64_t rows = 0, broken = 0;
        char why[256];

        s = open_rw(f->db);
        assert_int_equal(rs_store_audit_verify(s, &rows, &broken, why, sizeof(why)), RS_OK);
        assert_int_equal(rs_store_close(s), RS_OK);
    }
    free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v2_database_migrates, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fixed_tables, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_report_scan_leaves_out_nil_returns, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_schedule_set_and_get, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_schedule_refusals, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_reviews, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_report_scan_accepted_only, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_closed_years, tmpdir_setup, tmpdir_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

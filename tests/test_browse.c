/*
 * test_browse.c - tests of the store's listing of records for review
 * (rs_store_browse): the year's current township records in scope, in
 * order (division, type, received), by type and by review state; paging
 * by offset and limit with the total over every page, and the caps; every
 * stored version of one record with its version numbers, batch and
 * review; the refusals (unknown record, outside the scope, a unit-level
 * record, a bad query).
 *
 * Every test works in its own mkdtemp directory under $TMPDIR (or /tmp),
 * removed by the teardown.  Does not test the server's role and scope
 * checks around the store (itest_records.c does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_store.h"
#include "tmpdir_fixture.h"

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define CENTRAL "430602"
#define BODY_MAX 1024
#define MAX_RECS 32

/* Records of one test: their ids and packed bodies live here. */
struct recs {
    char id[MAX_RECS][RS_UUID_LEN + 1];
    char sup[MAX_RECS][RS_UUID_LEN + 1];
    uint8_t body[MAX_RECS][BODY_MAX];
    struct rs_store_rec r[MAX_RECS];
    size_t n;
};

static void make_id(char out[RS_UUID_LEN + 1], unsigned n)
{
    snprintf(out, RS_UUID_LEN + 1, "%08x-0000-4000-8000-000000000000", n);
}

/*
 * Appends a packed record of type (project, subsidy, nil_return or
 * budget_line) with id make_id(id) for division and year to rs, in batch
 * (NULL: none); supersedes an id number, 0 for none; remarks make two
 * versions differ.
 */
static void add_rec(struct recs *rs, unsigned id, unsigned supersedes, const char *division,
                    Rs__Record__BodyCase type, uint32_t year, const char *batch,
                    const char *remarks)
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
    r.period = RS__PERIOD__PERIOD_YEAR;
    r.remarks = (char *)remarks;
    r.body_case = type;
    switch (type) {
    case RS__RECORD__BODY_SUBSIDY:
        sp.village = "东湖村";
        r.subsidy = &sp;
        break;
    case RS__RECORD__BODY_NIL_RETURN:
        nr.has_record_type = 1;
        nr.record_type = RS__RECORD_TYPE__RT_TRAINING;
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
    out->office_code = strlen(division) == 6 ? CENTRAL : division;
    out->division_code = division;
    out->batch_id = batch;
    out->type = r.body_case;
    out->year = year;
    out->period = RS__PERIOD__PERIOD_YEAR;
    out->body = rs->body[i];
    out->body_len = len;
    rs_sha256(rs->body[i], len, out->hash);
}

static struct rs_store *open_rw(const char *path)
{
    struct rs_store *s = NULL;
    char err[256];
    char tok[RS_TOKEN_HEX + 1];

    assert_int_equal(rs_store_open(path, RS_STORE_READWRITE, &s, err, sizeof(err)), RS_OK);
    assert_int_equal(rs_store_office_add(s, CENTRAL, "岳阳楼区库区移民服务中心",
                                         RS__ROLE__ROLE_CENTRAL, tok),
                     RS_OK);
    assert_int_equal(rs_store_office_add(s, TOWN_A, "金鹗山街道", RS__ROLE__ROLE_TOWNSHIP, tok),
                     RS_OK);
    assert_int_equal(rs_store_office_add(s, TOWN_B, "王家河街道", RS__ROLE__ROLE_TOWNSHIP, tok),
                     RS_OK);
    return s;
}

/* Puts rs->r[first ..] and expects each stored. */
static void put_from(struct rs_store *s, struct recs *rs, size_t first)
{
    char err[256];

    assert_int_equal(rs_store_put_batches(s, rs->r + first, rs->n - first, NULL, 0, err,
                                          sizeof(err)),
                     RS_OK);
    for (size_t i = first; i < rs->n; i++)
        assert_int_equal(rs->r[i].ack, RS__ACK_STATUS__ACK_STORED);
}

static struct rs_browse_q query(uint32_t year, const char *scope)
{
    struct rs_browse_q q;

    memset(&q, 0, sizeof(q));
    q.year = year;
    q.scope = scope;
    q.limit = RS_BROWSE_LIMIT_DEFAULT;
    return q;
}

/* Lists q and expects RS_OK with the ids (as id numbers) in order, and total. */
static void expect_ids(struct rs_store *s, const struct rs_browse_q *q, const unsigned *ids,
                       size_t n, uint32_t total)
{
    struct rs_browse_out out;
    char err[256], want[RS_UUID_LEN + 1];

    assert_int_equal(rs_store_browse(s, q, &out, err, sizeof(err)), RS_OK);
    assert_int_equal(out.total, total);
    assert_int_equal(out.n, n);
    for (size_t i = 0; i < n; i++) {
        make_id(want, ids[i]);
        assert_string_equal(out.rows[i].record_id, want);
    }
    rs_browse_out_free(&out);
}

static rs_status review(struct rs_store *s, Rs__ReviewAction a, const char *id,
                        const char *comment)
{
    struct rs_review_req q = {a, id, NULL, comment, CENTRAL, CENTRAL, "127.0.0.1:1"};
    struct rs_review_out out;
    char err[256];
    rs_status rc = rs_store_review(s, &q, &out, err, sizeof(err));

    rs_review_out_free(&out);
    return rc;
}

/* ------------------------------------------------------------ tests */

static void test_scope_order_type(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct recs *rs = calloc(1, sizeof(*rs));
    struct rs_browse_q q;

    assert_non_null(rs);
    add_rec(rs, 1, 0, TOWN_B, RS__RECORD__BODY_SUBSIDY, 2023, NULL, NULL);
    add_rec(rs, 2, 0, TOWN_A, RS__RECORD__BODY_NIL_RETURN, 2023, NULL, NULL);
    add_rec(rs, 3, 0, TOWN_A, RS__RECORD__BODY_SUBSIDY, 2023, NULL, NULL);
    add_rec(rs, 4, 0, CENTRAL, RS__RECORD__BODY_BUDGET_LINE, 2023, NULL, NULL);
    add_rec(rs, 5, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2022, NULL, NULL);
    add_rec(rs, 6, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, NULL, NULL);
    add_rec(rs, 7, 0, TOWN_A, RS__RECORD__BODY_SUBSIDY, 2023, NULL, NULL);
    put_from(s, rs, 0);

    /* The district: township records of 2023 by division, type, arrival;
     * the unit-level budget line and the 2022 project are not listed. */
    q = query(2023, CENTRAL);
    expect_ids(s, &q, (const unsigned[]){6, 3, 7, 2, 1}, 5, 5);
    /* One township. */
    q = query(2023, TOWN_B);
    expect_ids(s, &q, (const unsigned[]){1}, 1, 1);
    q = query(2023, "430602003");
    expect_ids(s, &q, NULL, 0, 0);
    /* One type. */
    q = query(2023, CENTRAL);
    q.type = RS__RECORD__BODY_SUBSIDY;
    expect_ids(s, &q, (const unsigned[]){3, 7, 1}, 3, 3);
    q.scope = TOWN_A;
    expect_ids(s, &q, (const unsigned[]){3, 7}, 2, 2);
    q = query(2022, CENTRAL);
    expect_ids(s, &q, (const unsigned[]){5}, 1, 1);
    free(rs);
    assert_int_equal(rs_store_close(s), RS_OK);
}

static void test_paging_and_caps(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct recs *rs = calloc(1, sizeof(*rs));
    struct rs_browse_q q;
    struct rs_browse_out out;
    char err[256];

    assert_non_null(rs);
    for (unsigned i = 1; i <= 7; i++)
        add_rec(rs, i, 0, TOWN_A, RS__RECORD__BODY_SUBSIDY, 2023, NULL, NULL);
    put_from(s, rs, 0);
    q = query(2023, CENTRAL);
    q.limit = 3;
    expect_ids(s, &q, (const unsigned[]){1, 2, 3}, 3, 7);
    q.offset = 3;
    expect_ids(s, &q, (const unsigned[]){4, 5, 6}, 3, 7);
    q.offset = 6;
    expect_ids(s, &q, (const unsigned[]){7}, 1, 7);
    q.offset = 10;
    expect_ids(s, &q, NULL, 0, 7);

    /* The caps and a bad query. */
    q = query(2023, CENTRAL);
    q.limit = 0;
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "每页条数须为 1 至 500");
    assert_null(out.rows);
    q.limit = RS_BROWSE_LIMIT_MAX + 1;
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_EINVAL);
    q.limit = RS_BROWSE_LIMIT_MAX;
    expect_ids(s, &q, (const unsigned[]){1, 2, 3, 4, 5, 6, 7}, 7, 7);
    q.type = RS__RECORD__BODY_BUDGET_LINE;
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "预算行不是乡镇报送的记录类型：只审核乡镇的记录");
    q = query(1999, CENTRAL);
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_EINVAL);
    q = query(2023, "");
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_EINVAL);
    free(rs);
    assert_int_equal(rs_store_close(s), RS_OK);
}

static void test_versions_and_reviews(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct recs *rs = calloc(1, sizeof(*rs));
    struct rs_browse_q q;
    struct rs_browse_out out;
    char err[256], id[RS_UUID_LEN + 1];
    Rs__Record *rec;

    assert_non_null(rs);
    add_rec(rs, 1, 0, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, "b-1", NULL);
    add_rec(rs, 2, 0, TOWN_A, RS__RECORD__BODY_SUBSIDY, 2023, "b-1", NULL);
    add_rec(rs, 9, 0, CENTRAL, RS__RECORD__BODY_BUDGET_LINE, 2023, NULL, NULL);
    put_from(s, rs, 0);
    assert_int_equal(review(s, RS__REVIEW_ACTION__RA_RETURN, rs->id[0], "金额与花名册不符"),
                     RS_OK);
    /* The township corrects record 1 twice: versions 2 and 3. */
    add_rec(rs, 3, 1, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, "b-2", "改正");
    put_from(s, rs, 3);
    add_rec(rs, 4, 3, TOWN_A, RS__RECORD__BODY_PROJECT, 2023, "b-3", "再次改正");
    put_from(s, rs, 4);

    /* The year's listing has the newest version only, pending again. */
    q = query(2023, CENTRAL);
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_OK);
    assert_int_equal(out.n, 2);
    make_id(id, 4);
    assert_string_equal(out.rows[0].record_id, id);
    assert_int_equal(out.rows[0].version, 3);
    assert_true(out.rows[0].current);
    assert_string_equal(out.rows[0].batch_id, "b-3");
    assert_int_equal(out.rows[0].state, RS__REVIEW_STATE__RVS_PENDING);
    assert_int_equal(out.rows[1].version, 1);
    rec = rs__record__unpack(NULL, out.rows[0].body_len, out.rows[0].body);
    assert_non_null(rec);
    assert_string_equal(rec->remarks, "再次改正");
    rs__record__free_unpacked(rec, NULL);
    rs_browse_out_free(&out);

    /* Every version from any of them, oldest first. */
    for (unsigned from = 0; from < 3; from++) {
        q = query(0, CENTRAL);
        q.record_id = rs->id[from == 0 ? 0 : from + 2];
        assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_OK);
        assert_int_equal(out.total, 3);
        assert_int_equal(out.n, 3);
        assert_string_equal(out.rows[0].record_id, rs->id[0]);
        assert_string_equal(out.rows[1].record_id, rs->id[3]);
        assert_string_equal(out.rows[2].record_id, rs->id[4]);
        for (unsigned k = 0; k < 3; k++)
            assert_int_equal(out.rows[k].version, k + 1);
        assert_false(out.rows[0].current);
        assert_string_equal(out.rows[0].superseded_by, rs->id[3]);
        assert_true(out.rows[2].current);
        assert_string_equal(out.rows[2].superseded_by, "");
        /* The first version keeps its return and its comment. */
        assert_int_equal(out.rows[0].state, RS__REVIEW_STATE__RVS_RETURNED);
        assert_string_equal(out.rows[0].comment, "金额与花名册不符");
        assert_string_equal(out.rows[0].reviewer, CENTRAL);
        assert_string_equal(out.rows[0].reviewer_name, "岳阳楼区库区移民服务中心");
        assert_true(out.rows[0].reviewed_at > 0);
        assert_string_equal(out.rows[0].batch_id, "b-1");
        assert_int_equal(out.rows[1].state, RS__REVIEW_STATE__RVS_PENDING);
        assert_int_equal(out.rows[1].reviewed_at, 0);
        rs_browse_out_free(&out);
    }
    /* Paged: the second version alone. */
    q.offset = 1;
    q.limit = 1;
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_OK);
    assert_int_equal(out.total, 3);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.rows[0].record_id, rs->id[3]);
    assert_int_equal(out.rows[0].version, 2);
    rs_browse_out_free(&out);

    /* By state: return the current version, accept the subsidy. */
    assert_int_equal(review(s, RS__REVIEW_ACTION__RA_RETURN, rs->id[4], "开工日期未填"), RS_OK);
    assert_int_equal(review(s, RS__REVIEW_ACTION__RA_ACCEPT, rs->id[1], NULL), RS_OK);
    q = query(2023, CENTRAL);
    q.state = RS__REVIEW_STATE__RVS_RETURNED;
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_OK);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.rows[0].record_id, rs->id[4]);
    assert_string_equal(out.rows[0].comment, "开工日期未填");
    rs_browse_out_free(&out);
    q.state = RS__REVIEW_STATE__RVS_ACCEPTED;
    expect_ids(s, &q, (const unsigned[]){2}, 1, 1);
    q.state = RS__REVIEW_STATE__RVS_PENDING;
    expect_ids(s, &q, NULL, 0, 0);
    assert_int_equal(review(s, RS__REVIEW_ACTION__RA_ACCEPT, rs->id[4], NULL), RS_OK);
    q.state = RS__REVIEW_STATE__RVS_RETURNED;
    expect_ids(s, &q, NULL, 0, 0);

    /* Refusals of one record: unknown, outside the scope, unit level. */
    q = query(0, CENTRAL);
    q.record_id = "ffffffff-0000-4000-8000-000000000000";
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_ENOTFOUND);
    assert_string_equal(err, "没有记录 ffffffff-0000-4000-8000-000000000000");
    q.record_id = rs->id[0];
    q.scope = TOWN_B;
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_EFORBIDDEN);
    assert_null(out.rows);
    q.scope = CENTRAL;
    q.record_id = rs->id[2];
    assert_int_equal(rs_store_browse(s, &q, &out, err, sizeof(err)), RS_EINVAL);
    free(rs);
    assert_int_equal(rs_store_close(s), RS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scope_order_type, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_paging_and_caps, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_versions_and_reviews, tmpdir_setup,
                                        tmpdir_teardown),
    };

    return cmocka_run_group_tests_name("browse", tests, NULL, NULL);
}

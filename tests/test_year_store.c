/*
 * test_year_store.c - tests of what the store keeps for the reporting year:
 * the report's scan (nil returns left out).
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

#include <sqlite3.h>

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

/* ------------------------------------------------------------ the report's scan */

static void test_report_scan_leaves_out_nil_returns(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = open_rw(f->db);
    struct recs *rs = calloc(1, sizeof(*rs));
    struct rs_store_scan_q q = {2023, NULL};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report_scan_leaves_out_nil_returns, tmpdir_setup,
                                        tmpdir_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

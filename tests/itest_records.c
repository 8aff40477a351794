/*
 * itest_records.c - listing records for review on the real resettled and
 * resettle (RecordsRequest): townships submit, one record is corrected and
 * submitted again (a second version), the central office lists the year by
 * division and type, opens the record and sees both versions with their
 * fields, returns it with a comment, and lists the returned records with
 * the comment, as text and as JSON; a township lists its own records only
 * and is refused another's; the page cap and paging.
 *
 * Offices: two townships of district 430602 (A, B) and the district's
 * central office.
 *
 * test_records_flow drives the command-line client as the clerks would;
 * test_records_access speaks the protocol directly (it_conn_*) to check
 * each refusal's error code, the limit cap and the pages.
 *
 * Does not: test the store's query case by case (test_browse.c) or the
 * review itself (itest_year.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rawdb.h"

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define DISTRICT "430602"
#define T_REPLY (it_slow() ? 120000 : 15000)

struct env {
    char dir[256];
    char db[512];
    char *tok[3];                 /* A, B, DISTRICT */
    struct it_server srv;
    uint64_t rid;
};

static const char *const codes[3] = {TOWN_A, TOWN_B, DISTRICT};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *names[3] = {"金鹗山街道", "王家河街道", "岳阳楼区库区移民服务中心"};

    if (!e)
        return -1;
    it_tmpdir(e->dir, "records");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    for (int i = 0; i < 3; i++) {
        e->tok[i] = it_office_add(e->dir, e->db, codes[i], names[i],
                                  i < 2 ? "township" : "central");
        if (!e->tok[i])
            return -1;
    }
    if (it_server_start(&e->srv, e->dir, e->db) != 0)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    int st = it_server_stop_logged(&e->srv);

    if (it_rmtree(e->dir) != 0)
        st = -1;
    for (int i = 0; i < 3; i++)
        free(e->tok[i]);
    free(e);
    return st == 0 ? 0 : -1;
}

static const char *token(const struct env *e, const char *code)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(codes[i], code) == 0)
            return e->tok[i];
    abort();
}

/*
 * Runs resettle as office (its own outbox) with args (NULL-terminated);
 * expects exit status want and returns what it printed (malloc'd).
 */
static char *run(struct env *e, const char *office, int want, const char *const *args)
{
    char outbox[600], out[600], *text;
    const char *argv[24];
    size_t n = 0;
    int st;

    if (it_slow()) {
        argv[n++] = "--timeout";
        argv[n++] = "300";
    }
    for (size_t i = 0; args[i] && n + 1 < sizeof(argv) / sizeof(argv[0]); i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    snprintf(outbox, sizeof(outbox), "%s/outbox-%s.db", e->dir, office);
    snprintf(out, sizeof(out), "%s/client.out", e->dir);
    st = it_client(e->dir, &e->srv, office, token(e, office), outbox, out, argv);
    text = it_read_file(out);
    if (st != want)
        fail_msg("resettle %s as %s: exit %d, expected %d; printed:\n%s", args[0], office, st,
                 want, text);
    return text;
}

static void has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected '%s' in:\n%s", needle, text);
}

static void lacks(const char *text, const char *needle)
{
    if (strstr(text, needle))
        fail_msg("did not expect '%s' in:\n%s", needle, text);
}

/* How many times needle is in text. */
static int count_of(const char *text, const char *needle)
{
    int n = 0;

    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void write_relief(const char *path, const char *rows)
{
    char text[2048];

    snprintf(text, sizeof(text),
             "division_code,year,household_ref,village,kind,persons,amount_yuan,paid_date\n%s", rows);
    it_write_file(path, text);
}

/* The townships' records: A two households and a nil return, B one household;
 * then A corrects HH-A-1 (a second version).  The first version's id into v1,
 * the second's into v2. */
static void submit_year(struct env *e, char v1[64], char v2[64])
{
    char fa[600], fn[600], fb[600], sql[300];
    char *text;

    it_path(fa, sizeof(fa), e->dir, "a.csv");
    it_path(fn, sizeof(fn), e->dir, "a-nil.csv");
    it_path(fb, sizeof(fb), e->dir, "b.csv");
    write_relief(fa, "430602001,2023,HH-A-1,新塘村,hardship,3,2000,2023-12-20\n"
                     "430602001,2023,HH-A-2,新塘村,hardship,2,1500,2023-12-21\n");
    it_write_file(fn, "division_code,year,period,record_type,statement\n"
                      "430602001,2023,year,培训,今期无此项业务\n");
    write_relief(fb, "430602002,2023,HH-B-1,王家河村,hardship,4,3000,2023-12-10\n");
    free(run(e, TOWN_A, 0, (const char *[]){"submit", fa, fn, NULL}));
    free(run(e, TOWN_B, 0, (const char *[]){"submit", fb, NULL}));
    rawdb_text(e->db,
               rawdb_is_pg(e->db) ? "SELECT record_id FROM records WHERE"
                                    " position('HH-A-1'::bytea IN body) > 0 ORDER BY seq"
                                  : "SELECT record_id FROM records WHERE"
                                    " instr(body, CAST('HH-A-1' AS BLOB)) > 0 ORDER BY seq",
               v1, 64);
    write_relief(fa, "430602001,2023,HH-A-1,新塘村,hardship,3,1800,2023-12-20\n"
                     "430602001,2023,HH-A-2,新塘村,hardship,2,1500,2023-12-21\n");
    text = run(e, TOWN_A, 0, (const char *[]){"submit", fa, NULL});
    has(text, "入库 1，");
    free(text);
    snprintf(sql, sizeof(sql), "SELECT record_id FROM records WHERE supersedes = '%s'", v1);
    rawdb_text(e->db, sql, v2, 64);
}

/* ------------------------------------------------------------ the flow */

static void test_records_flow(void **state)
{
    struct env *e = *state;
    char v1[64], v2[64], want[300];
    char *text;

    submit_year(e, v1, v2);

    /* The district, by division and type: A's two households, the corrected one
     * at its second version; not B's, not A's nil return. */
    text = run(e, DISTRICT, 0,
               (const char *[]){"records", "--year", "2023", "--division", TOWN_A, "--type",
                                "relief", NULL});
    snprintf(want, sizeof(want), "HH-A-1  救助  430602001  2023年全年  第2版  待审核  记录 %s\n",
             v2);
    has(text, want);
    has(text, "HH-A-2  救助  430602001  2023年全年  第1版  待审核");
    lacks(text, "HH-B-1");
    lacks(text, "零报告");
    has(text, "共 2 条记录\n");
    free(text);
    /* The whole district: every current township record, in division order. */
    text = run(e, DISTRICT, 0, (const char *[]){"records", "--year", "2023", NULL});
    has(text, "共 4 条记录\n");
    has(text, "零报告");
    assert_true(strstr(text, "HH-A-2") < strstr(text, "HH-B-1"));
    lacks(text, v1);
    assert_int_equal(count_of(text, "HH-A-1"), 1);
    free(text);

    /* One record: both versions, oldest first, with their fields. */
    text = run(e, DISTRICT, 0, (const char *[]){"records", "--id", v2, NULL});
    snprintf(want, sizeof(want), "第1版  待审核  已被新版本取代  记录 %s\n", v1);
    has(text, want);
    snprintf(want, sizeof(want), "第2版  待审核  记录 %s\n", v2);
    has(text, want);
    has(text, "    金额：2000.00元\n");
    has(text, "    金额：1800.00元\n");
    has(text, "    审批人：未填\n");
    has(text, "    发放日期：2023-12-20\n");
    has(text, "    救助类别：特困救助\n");
    has(text, "共 2 条记录\n");
    assert_true(strstr(text, "2000.00元") < strstr(text, "1800.00元"));
    free(text);

    /* Returned with a comment; the returned ones are listed with it. */
    free(run(e, DISTRICT, 0,
             (const char *[]){"review", "return", "--id", v2, "--comment", "户数与花名册不符",
                              NULL}));
    text = run(e, DISTRICT, 0,
               (const char *[]){"records", "--year", "2023", "--state", "returned", NULL});
    snprintf(want, sizeof(want), "HH-A-1  救助  430602001  2023年全年  第2版  已退回  "
                                 "意见：户数与花名册不符  记录 %s\n", v2);
    has(text, want);
    has(text, "共 1 条记录\n");
    free(text);
    text = run(e, DISTRICT, 0,
               (const char *[]){"records", "--year", "2023", "--state", "pending", NULL});
    has(text, "共 3 条记录\n");
    lacks(text, "HH-A-1");
    free(text);
    /* As JSON: fields by CSV column, money in fen, absent fields null. */
    text = run(e, DISTRICT, 0,
               (const char *[]){"records", "--year", "2023", "--state", "returned", "--format",
                                "json", NULL});
    has(text, "\"record_type\":\"relief\",\"record_type_label\":\"救助\"");
    has(text, "\"version\":2");
    has(text, "\"state\":\"returned\",\"comment\":\"户数与花名册不符\",\"reviewer\":\"430602\"");
    has(text, "\"current\":true,\"superseded_by\":null");
    has(text, "\"amount_fen\":180000");
    has(text, "\"approved_by\":null");
    has(text, "\"kind\":\"hardship\"");
    has(text, "\"paid_date\":20231220");
    has(text, "\"household_ref\":\"HH-A-1\"");
    has(text, "],\"total\":1}\n");
    free(text);

    /* A township: its own records, never another's. */
    text = run(e, TOWN_B, 0, (const char *[]){"records", "--year", "2023", NULL});
    has(text, "HH-B-1");
    lacks(text, "HH-A-");
    has(text, "共 1 条记录\n");
    free(text);
    text = run(e, TOWN_B, 1,
               (const char *[]){"records", "--year", "2023", "--division", TOWN_A, NULL});
    has(text, "乡镇只能查看本单位的区划（430602002），其他区划由区中心查看");
    free(text);
    text = run(e, TOWN_B, 1, (const char *[]){"records", "--id", v1, NULL});
    has(text, "不在 430602002 范围内");
    free(text);
    /* A township sees its own returned record and the comment. */
    text = run(e, TOWN_A, 0,
               (const char *[]){"records", "--year", "2023", "--state", "returned", NULL});
    has(text, "意见：户数与花名册不符");
    free(text);
    /* Usage. */
    free(run(e, DISTRICT, 2, (const char *[]){"records", NULL}));
    free(run(e, DISTRICT, 2,
             (const char *[]){"records", "--year", "2023", "--state", "done", NULL}));
    free(run(e, DISTRICT, 2,
             (const char *[]){"records", "--year", "2023", "--format", "csv", NULL}));
}

/* ------------------------------------------------------------ the protocol */

static void login(struct env *e, struct it_conn *c, const char *office)
{
    assert_int_equal(it_conn_login(c, e->srv.addr, office, token(e, office)), 0);
}

/* Sends a RecordsRequest and returns the reply. */
static Rs__Envelope *ask(struct env *e, struct it_conn *c, const char *division,
                         const char *type, uint32_t offset, uint32_t limit)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__RecordsRequest rq = RS__RECORDS_REQUEST__INIT;

    rq.has_year = 1;
    rq.year = 2023;
    rq.division = (char *)division;
    rq.record_type = (char *)type;
    rq.has_offset = offset != 0;
    rq.offset = offset;
    rq.has_limit = limit != 0;
    rq.limit = limit;
    env.msg_case = RS__ENVELOPE__MSG_RECORDS_REQUEST;
    env.records_request = &rq;
    env.has_request_id = 1;
    env.request_id = ++e->rid;
    assert_int_equal(it_conn_send(c, &env, T_REPLY), 0);
    assert_int_equal(it_conn_recv(c, &reply, T_REPLY), 0);
    assert_true(reply->request_id == e->rid);
    return reply;
}

static void expect_error(Rs__Envelope *r, Rs__ErrorCode code, const char *needle)
{
    assert_non_null(r);
    if (r->msg_case != RS__ENVELOPE__MSG_ERROR)
        fail_msg("expected Error %d, got message %d", (int)code, (int)r->msg_case);
    if (r->error->code != code)
        fail_msg("expected Error %d, got %d: %s", (int)code, (int)r->error->code,
                 r->error->message);
    has(r->error->message, needle);
    /* A refusal the clerk can act on says it in Chinese too (Error.text). */
    if (!r->error->text || !r->error->text[0])
        fail_msg("Error %d \"%s\" has no Chinese text", (int)code, r->error->message);
    assert_false(r->error->close);
    rs__envelope__free_unpacked(r, NULL);
}

static void test_records_access(void **state)
{
    struct env *e = *state;
    char v1[64], v2[64], seen[4][64];
    struct it_conn a, c;
    Rs__Envelope *r;

    submit_year(e, v1, v2);
    login(e, &a, TOWN_A);
    login(e, &c, DISTRICT);

    /* Scope. */
    expect_error(ask(e, &a, TOWN_B, NULL, 0, 0), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "a township office sees only its own division (430602001)");
    expect_error(ask(e, &a, DISTRICT, NULL, 0, 0), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "a township office sees only its own division");
    expect_error(ask(e, &c, "430603001", NULL, 0, 0), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "outside this office's district 430602");
    expect_error(ask(e, &c, "4306020010011", NULL, 0, 0), RS__ERROR_CODE__ERR_INVALID,
                 "the division must be a 6-, 9- or 12-digit code");
    /* Values and the cap. */
    expect_error(ask(e, &c, NULL, "budget_line", 0, 0), RS__ERROR_CODE__ERR_INVALID,
                 "\"budget_line\" is not a township record type");
    expect_error(ask(e, &c, NULL, NULL, 0, 501), RS__ERROR_CODE__ERR_TOO_BIG,
                 "the limit is 501; at most 500 records a page");
    r = ask(e, &c, NULL, NULL, 0, 500);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_RECORDS);
    assert_int_equal(r->records->n_items, 4);
    assert_int_equal(r->records->total, 4);
    assert_false(r->records->more);
    rs__envelope__free_unpacked(r, NULL);

    /* Pages of one: four of them, each record once, more until the last. */
    for (uint32_t off = 0; off < 4; off++) {
        const Rs__RecordItem *it;

        r = ask(e, &c, NULL, NULL, off, 1);
        assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_RECORDS);
        assert_int_equal(r->records->n_items, 1);
        assert_int_equal(r->records->total, 4);
        assert_int_equal(r->records->more, off < 3);
        it = r->records->items[0];
        snprintf(seen[off], sizeof(seen[off]), "%s", it->record_id);
        for (uint32_t k = 0; k < off; k++)
            assert_string_not_equal(seen[k], seen[off]);
        assert_true(it->current);
        assert_non_null(it->record);
        assert_string_equal(it->record->id, it->record_id);
        assert_non_null(it->batch_id);
        assert_true(it->received_at > 0);
        rs__envelope__free_unpacked(r, NULL);
    }
    r = ask(e, &c, NULL, NULL, 4, 1);
    assert_int_equal(r->records->n_items, 0);
    assert_false(r->records->more);
    rs__envelope__free_unpacked(r, NULL);

    /* A township's own relief records, the corrected one at version 2. */
    r = ask(e, &a, NULL, "救助", 0, 0);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_RECORDS);
    assert_int_equal(r->records->total, 2);
    /* In the order received: HH-A-2, then the correction of HH-A-1. */
    assert_string_equal(r->records->items[0]->label, "HH-A-2");
    assert_int_equal(r->records->items[0]->version, 1);
    assert_string_equal(r->records->items[1]->record_id, v2);
    assert_int_equal(r->records->items[1]->version, 2);
    assert_string_equal(r->records->items[1]->label, "HH-A-1");
    assert_int_equal(r->records->items[1]->state, RS__REVIEW_STATE__RVS_PENDING);
    assert_int_equal(r->records->items[1]->record->relief->amount_fen, 180000);
    rs__envelope__free_unpacked(r, NULL);
    it_conn_close(&a);
    it_conn_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_records_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_access, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

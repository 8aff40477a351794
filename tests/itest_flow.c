/*
 * itest_flow.c - records flow from townships to the centre, end to end,
 * with the real resettled and resettle processes on 127.0.0.1.
 *
 * Covers: two townships submitting at once; scope (a township cannot write
 * another's division or unit-level data); re-submission answered as
 * unchanged or duplicate, never stored twice; edits stored as new versions;
 * the outbox holding records while the server is down and delivering them
 * later; SIGKILL of the server mid-stream losing no acknowledged record;
 * refused tokens; invalid rows named by file, line and column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rs_rtype.h"

#define RS_IT_MAX_TYPES 64      /* record types the sample test can hold */

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define DISTRICT "430602"

struct env {
    char dir[256];
    char db[512];
    char *tok_a, *tok_b, *tok_c;
    struct it_server srv;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "flow");
    it_db_path(e->db, sizeof(e->db), e->dir, "flow");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_b = it_office_add(e->dir, e->db, TOWN_B, "王家河街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    if (!e->tok_a || !e->tok_b || !e->tok_c || strlen(e->tok_a) != 64)
        return -1;
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
    free(e->tok_a);
    free(e->tok_b);
    free(e->tok_c);
    free(e);
    return st == 0 ? 0 : -1;
}

static long long count(const struct env *e, const char *sql)
{
    return it_sql_int(e->db, sql);
}

static void test_two_townships_concurrently(void **state)
{
    struct env *e = *state;
    char csv_a[512], csv_b[512], ob_a[512], ob_b[512], out_a[512], out_b[512];
    const char *args_a[] = {"submit", csv_a, NULL}, *args_b[] = {"submit", csv_b, NULL};
    char *argv_a[32], *argv_b[32];
    pid_t pa, pb;

    it_path(csv_a, sizeof(csv_a), e->dir, "a.csv");
    it_path(csv_b, sizeof(csv_b), e->dir, "b.csv");
    it_path(ob_a, sizeof(ob_a), e->dir, "a.outbox");
    it_path(ob_b, sizeof(ob_b), e->dir, "b.outbox");
    it_path(out_a, sizeof(out_a), e->dir, "a.out");
    it_path(out_b, sizeof(out_b), e->dir, "b.out");
    it_relief_csv(csv_a, TOWN_A, 1, 3000, 500);
    it_relief_csv(csv_b, TOWN_B, 1, 3000, 700);
    {
        char *base_a[] = {RS_CLIENT_BIN, "--server", e->srv.addr, "--plaintext", "--office",
                          TOWN_A, "--token", e->tok_a, "--outbox", ob_a, "--batch", "100",
                          (char *)args_a[0],
                          (char *)args_a[1], NULL};
        char *base_b[] = {RS_CLIENT_BIN, "--server", e->srv.addr, "--plaintext", "--office",
                          TOWN_B, "--token", e->tok_b, "--outbox", ob_b, "--batch", "100",
                          (char *)args_b[0],
                          (char *)args_b[1], NULL};

        memcpy(argv_a, base_a, sizeof(base_a));
        memcpy(argv_b, base_b, sizeof(base_b));
    }
    pa = it_spawn(argv_a, out_a, out_a);
    pb = it_spawn(argv_b, out_b, out_b);
    assert_int_equal(it_wait(pa, 120000), 0);
    assert_int_equal(it_wait(pb, 120000), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 6000);
    assert_int_equal(count(e, "SELECT count(DISTINCT record_id) FROM records"), 6000);
    assert_int_equal(count(e, "SELECT count(*) FROM records WHERE office_code='" TOWN_A
                              "' AND division_code='" TOWN_A "'"),
                     3000);
    assert_int_equal(count(e, "SELECT count(*) FROM records WHERE office_code='" TOWN_B "'"),
                     3000);
    assert_int_equal(it_sql_int(ob_a, "SELECT count(*) FROM outbox WHERE state=1"), 3000);
    assert_int_equal(it_sql_int(ob_b, "SELECT count(*) FROM outbox WHERE state=1"), 3000);
}

static void test_scope_and_resubmission(void **state)
{
    struct env *e = *state;
    char csv[512], unit[512], ob[512], ob2[512], out[512], *text;
    const char *submit[] = {"submit", csv, NULL};
    const char *submit_unit[] = {"submit", unit, NULL};
    FILE *f;

    it_path(csv, sizeof(csv), e->dir, "mixed.csv");
    it_path(unit, sizeof(unit), e->dir, "staffing.csv");
    it_path(ob, sizeof(ob), e->dir, "a.outbox");
    it_path(ob2, sizeof(ob2), e->dir, "a2.outbox");
    it_path(out, sizeof(out), e->dir, "out.txt");
    f = fopen(csv, "wb");
    assert_non_null(f);
    fprintf(f, "division_code,year,household_ref,village,kind,amount_yuan,paid_date\n");
    for (int i = 0; i < 5; i++)
        fprintf(f, TOWN_A ",2023,A-%d,夏万路社区,特困救助,600,2023-12-20\n", i);
    for (int i = 0; i < 3; i++)
        fprintf(f, TOWN_B ",2023,B-%d,枫树岭社区,特困救助,600,2023-12-20\n", i);
    fclose(f);
    it_write_file(unit, "year,establishment,in_service,retired\n2023,13,10,4\n");

    /* Another township's rows are rejected; its own rows are stored. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit), 1);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 5);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=4"), 3);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=4 AND "
                                    "field='division_code' AND reason LIKE '%" TOWN_A "%'"),
                     3);

    /* Unit-level data from a township is refused. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit_unit), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "被拒 1\n"));
    free(text);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 5);

    /* Same file again: nothing new is stored. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "未变 5 条"));
    free(text);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 5);

    /* A fresh outbox makes new ids: the server stores the rows again (the
     * evaluation counts a natural key once; see itest_golden). */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob2, out, submit), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "入库 5，"));
    free(text);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 10);
    assert_int_equal(it_sql_int(ob2, "SELECT count(*) FROM outbox WHERE state=1"), 5);
    {
        char rob[512], rep[512];
        const char *args[] = {"report", "--year", "2023", "--format", "markdown", "--out", rep,
                              NULL};

        /* The report counts the five households once and names the repeats. */
        it_path(rob, sizeof(rob), e->dir, "report.outbox");
        it_path(rep, sizeof(rep), e->dir, "report.md");
        assert_int_equal(it_client(e->dir, &e->srv, DISTRICT, e->tok_c, rob, out, args), 0);
        text = it_read_file(rep);
        assert_non_null(strstr(text, "重复报送5条，内容相同，只计一次"));
        assert_non_null(strstr(text, "救助记录5条"));
        free(text);
    }
}

static void test_edit_is_a_new_version(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], *text;
    const char *submit[] = {"submit", csv, NULL};

    it_path(csv, sizeof(csv), e->dir, "p.csv");
    it_path(ob, sizeof(ob), e->dir, "p.outbox");
    it_path(out, sizeof(out), e->dir, "out.txt");
    it_relief_csv(csv, TOWN_A, 1, 3, 500);
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit), 0);
    it_relief_csv(csv, TOWN_A, 1, 2, 500);
    {
        FILE *f = fopen(csv, "ab");

        assert_non_null(f);
        fprintf(f, TOWN_A ",2023,HH-" TOWN_A "-000003,village 3,hardship,3,800,2023-12-20\n");
        fclose(f);
    }
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit), 0);
    text = it_read_file(out);
    assert_non_null(strstr(text, "入发件箱 1 条（新增 0，修改 1）"));
    free(text);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 4);
    assert_int_equal(count(e, "SELECT count(*) FROM records WHERE superseded_by IS NULL"), 3);
    assert_int_equal(count(e, "SELECT count(*) FROM records r JOIN records o "
                              "ON o.record_id = r.supersedes AND o.superseded_by = r.record_id"),
                     1);
}

static void test_outbox_holds_while_server_down(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512];
    const char *submit[] = {"submit", csv, NULL};
    const char *sync[] = {"sync", "--attempts", "2", NULL};

    it_path(csv, sizeof(csv), e->dir, "q.csv");
    it_path(ob, sizeof(ob), e->dir, "q.outbox");
    it_path(out, sizeof(out), e->dir, "out.txt");
    it_relief_csv(csv, TOWN_A, 1, 250, 300);
    assert_int_equal(it_server_stop(&e->srv), 0);

    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit), 3);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 250);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);

    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, sync), 0);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 0);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1"), 250);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 250);

    /* A second sync has nothing to do and stores nothing twice. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, sync), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 250);
}

static void test_kill9_loses_no_acknowledged_record(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], sql[1200];
    const char *sync[] = {"sync", "--attempts", "3", NULL};
    const int n = 40000;
    long long acked = 0;
    pid_t pid;

    it_path(csv, sizeof(csv), e->dir, "big.csv");
    it_path(ob, sizeof(ob), e->dir, "big.outbox");
    it_path(out, sizeof(out), e->dir, "big.out");
    it_relief_csv(csv, TOWN_A, 1, n, 100);
    {
        char *argv[] = {RS_CLIENT_BIN, "--server", e->srv.addr, "--plaintext", "--office",
                        TOWN_A, "--token", e->tok_a, "--outbox", ob, "--batch", "50", "submit",
                        csv, NULL};

        pid = it_spawn(argv, out, out);
    }
    /* Kill the server as soon as some, but not all, records are acknowledged. */
    for (int i = 0; i < 6000 && acked == 0; i++) {
        it_sleep_ms(5);
        acked = it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1");
        if (acked < 0)
            acked = 0;
    }
    it_server_kill(&e->srv);
    {
        int st = it_wait(pid, 60000);

        assert_true(st == 3 || st == 0);
    }
    acked = it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1");
    assert_true(acked > 0);

    /* Every acknowledged record is in the server's database. */
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM records WHERE record_id IN "
             "(SELECT record_id FROM o.outbox WHERE state=1)");
    if (it_db_is_pg(e->db)) {
        long long in_ob;

        assert_int_equal(it_pg_outbox_present(e->db, ob, "1", &in_ob), acked);
    } else {
        sqlite3 *h;
        sqlite3_stmt *st;
        char attach[700];

        assert_int_equal(sqlite3_open_v2(e->db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        snprintf(attach, sizeof(attach), "ATTACH '%s' AS o", ob);
        assert_int_equal(sqlite3_exec(h, attach, NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int64(st, 0), acked);
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
        sqlite3_finalize(st);
        sqlite3_close(h);
    }

    /* Restart, resend what is pending: every record exactly once. */
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, sync), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), n);
    assert_int_equal(count(e, "SELECT count(DISTINCT record_id) FROM records"), n);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state IN (1,2)"), n);
}

static void test_refused_tokens(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], *text;
    const char *submit[] = {"submit", csv, NULL};
    char *revoke[] = {RS_SERVER_BIN, "office", "revoke", "--db", e->db, "--code", TOWN_B, NULL};

    it_path(csv, sizeof(csv), e->dir, "t.csv");
    it_path(ob, sizeof(ob), e->dir, "t.outbox");
    it_path(out, sizeof(out), e->dir, "out.txt");
    it_relief_csv(csv, TOWN_B, 1, 2, 100);

    /* A's token does not open B's office. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_B, e->tok_a, ob, out, submit), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "服务器拒绝登录：单位代码未登记，或令牌不对、已被吊销（服务器说明："));
    assert_non_null(strstr(text, "wrong token"));
    free(text);
    assert_int_equal(it_run(revoke, NULL, NULL), 0);
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_B, e->tok_b, ob, out, submit), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "revoked"));
    free(text);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);
    /* The rows stay in the outbox, pending. */
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 2);

    /* A new token for B (resettled office token): the pending rows go with
     * it; the old token stays refused. */
    {
        char tokfile[512], *tok;
        char *renew[] = {RS_SERVER_BIN, "office", "token", "--db", e->db, "--code", TOWN_B, NULL};
        const char *sync[] = {"sync", NULL};

        it_path(tokfile, sizeof(tokfile), e->dir, "token-b-new");
        assert_int_equal(it_run(renew, tokfile, NULL), 0);
        tok = it_read_file(tokfile);
        tok[strcspn(tok, "\r\n")] = '\0';
        assert_int_equal(strlen(tok), 64);   /* 32 random bytes in hex */
        assert_int_equal(it_client(e->dir, &e->srv, TOWN_B, e->tok_b, ob, out, sync), 1);
        assert_int_equal(it_client(e->dir, &e->srv, TOWN_B, tok, ob, out, sync), 0);
        assert_int_equal(count(e, "SELECT count(*) FROM records"), 2);
        free(tok);
    }
}

static void test_invalid_rows_named(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], *text, want[600];
    const char *submit[] = {"submit", csv, NULL};

    it_path(csv, sizeof(csv), e->dir, "bad.csv");
    it_path(ob, sizeof(ob), e->dir, "bad.outbox");
    it_path(out, sizeof(out), e->dir, "out.txt");
    it_write_file(csv, "division_code,year,household_ref,kind,amount_yuan,paid_date\n"
                       TOWN_A ",2023,OK-1,hardship,600,2023-12-20\n"
                       TOWN_A ",2023,BAD-1,hardship,600,2023-02-29\n"
                       TOWN_A ",2023,BAD-2,hardship,400余,2023-12-20\n"
                       TOWN_A ",2023,OK-2,hardship,700,2023-12-21\n");
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit), 1);
    text = it_read_file(out);
    snprintf(want, sizeof(want), "%s:3: paid_date:", csv);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof(want), "%s:4: amount_yuan:", csv);
    assert_non_null(strstr(text, want));
    free(text);
    /* The good rows were queued and stored all the same. */
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 2);
}

/* A money column whose unit nobody said refuses the whole file, showing
 * both readings of its first value; --money-unit says it for the file. */
static void test_money_unit_needed(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], *text, want[700];
    const char *submit[] = {"submit", csv, NULL};
    const char *submit_wan[] = {"submit", "--money-unit", "wan", csv, NULL};

    it_path(csv, sizeof(csv), e->dir, "nounit.csv");
    it_path(ob, sizeof(ob), e->dir, "nounit.outbox");
    it_path(out, sizeof(out), e->dir, "out.txt");
    it_write_file(csv, "division_code,year,household_ref,kind,amount,paid_date\n"
                       TOWN_A ",2023,U-1,hardship,,2023-12-20\n"
                       TOWN_A ",2023,U-2,hardship,0.06,2023-12-20\n"
                       TOWN_A ",2023,U-3,hardship,0.07,2023-12-21\n");
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit), 1);
    text = it_read_file(out);
    snprintf(want, sizeof(want), "%s:3: amount: 第一个值 0.06 按元读是0.06元，按万元读是600.00元；"
                                 "请在列名注明单位或使用 --money-unit", csv);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof(want), "%s: 整个文件都没有加入发件箱", csv);
    assert_non_null(strstr(text, want));
    free(text);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);
    /* The row before the first value is refused for its own reason, and
     * with the unit given every row is read in it. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit_wan), 1);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 2);
}

/* Every record type of the table has a sample in samples/types/<name>.csv;
 * the township's are submitted by a township, the unit-level ones by the
 * district, and every row of every file is stored once. */
static void test_every_type_sample(void **state)
{
    struct env *e = *state;
    char ob[512], out[512], path[RS_IT_MAX_TYPES][512];
    const char *targs[RS_IT_MAX_TYPES + 4] = {"submit", "--year", "2023"};
    const char *uargs[RS_IT_MAX_TYPES + 4] = {"submit", "--year", "2023"};
    size_t nt = 3, nu = 3, ntypes = 0;
    long long want = 0;
    const struct rs_rtype_def *d;

    it_path(ob, sizeof(ob), e->dir, "types.outbox");
    it_path(out, sizeof(out), e->dir, "types.out");
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        char *text;

        assert_true(ntypes < RS_IT_MAX_TYPES);
        snprintf(path[ntypes], sizeof(path[ntypes]), "%s/samples/types/%s.csv", RS_SOURCE_DIR,
                 d->name);
        text = it_read_file(path[ntypes]);
        if (!text[0]) {
            free(text);
            fail_msg("record type %s has no sample file %s", d->name, path[ntypes]);
            return;
        }
        for (char *p = text; *p; p++)
            want += *p == '\n';
        want--;     /* the header */
        free(text);
        if (d->level == RS_LEVEL_TOWNSHIP)
            targs[nt++] = path[ntypes];
        else
            uargs[nu++] = path[ntypes];
        ntypes++;
    }
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, targs), 0);
    it_path(ob, sizeof(ob), e->dir, "types-c.outbox");
    assert_int_equal(it_client(e->dir, &e->srv, DISTRICT, e->tok_c, ob, out, uargs), 0);
    /* Every type arrived, each row once. */
    assert_int_equal(count(e, "SELECT count(DISTINCT type) FROM records"), (long long)ntypes);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_townships_concurrently, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_and_resubmission, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_is_a_new_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_holds_while_server_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_loses_no_acknowledged_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refused_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_rows_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_money_unit_needed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_type_sample, setup, teardown),
    };

    return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}

/*
 * itest_fronts.c - two resettled front-ends on one PostgreSQL database,
 * with the real resettled and resettle processes on 127.0.0.1.
 *
 * Covers: a resend through the other front-end answered duplicate and
 * stored once; two townships submitting through the two front-ends at once,
 * the audit chain verified afterwards (its head is serialised inside the
 * transaction); SIGKILL of one front-end under load losing no
 * acknowledged record, the client's sync through the other completing;
 * a token revoked while both run refused by both.
 *
 * PostgreSQL only: run as the _pg test (pgdb.h), it fails when there is no
 * PostgreSQL (two servers cannot share one SQLite file's group commit
 * across machines, which is the point).
 *
 * Does not: test failover of the database itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define DISTRICT "430602"

struct env {
    char dir[256];
    char d1[300], d2[300];
    char db[512];
    char *tok_a, *tok_b, *tok_c;
    struct it_server s1, s2;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    if (!rs_test_pg_wanted())
        rs_test_pg_die("itest_fronts needs PostgreSQL", "RS_TEST_PG_FILE is not set");
    it_tmpdir(e->dir, "fronts");
    snprintf(e->d1, sizeof(e->d1), "%s/s1", e->dir);
    snprintf(e->d2, sizeof(e->d2), "%s/s2", e->dir);
    if (mkdir(e->d1, 0700) != 0 || mkdir(e->d2, 0700) != 0)
        return -1;
    it_db_path(e->db, sizeof(e->db), e->dir, "fronts");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_b = it_office_add(e->dir, e->db, TOWN_B, "王家河街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    if (!e->tok_a || !e->tok_b || !e->tok_c)
        return -1;
    if (it_server_start(&e->s1, e->d1, e->db) != 0 || it_server_start(&e->s2, e->d2, e->db) != 0)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    int st = 0;

    if (e->s1.pid > 0 && it_alive(e->s1.pid) && it_server_stop_logged(&e->s1) != 0)
        st = -1;
    if (e->s2.pid > 0 && it_alive(e->s2.pid) && it_server_stop_logged(&e->s2) != 0)
        st = -1;
    if (it_rmtree(e->dir) != 0)
        st = -1;
    free(e->tok_a);
    free(e->tok_b);
    free(e->tok_c);
    free(e);
    return st;
}

static long long count(const struct env *e, const char *sql)
{
    return it_sql_int(e->db, sql);
}

/* Marks every record of the outbox pending again, as if no ack had come. */
static void forget_acks(const char *ob)
{
    sqlite3 *h = NULL;

    assert_int_equal(sqlite3_open_v2(ob, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "UPDATE outbox SET state=0", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

/* `resettled audit verify` on the shared database: its exit status. */
static int audit_verify(const struct env *e, const char *out)
{
    char *argv[] = {RS_SERVER_BIN, "audit", "verify", "--db", (char *)e->db, NULL};

    return it_run(argv, out, out);
}

static void test_resend_to_other_front_is_duplicate(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512];
    const char *submit[] = {"submit", csv, NULL};
    const char *sync[] = {"sync", NULL};

    it_path(csv, sizeof(csv), e->dir, "a.csv");
    it_path(ob, sizeof(ob), e->dir, "a.outbox");
    it_path(out, sizeof(out), e->dir, "a.out");
    it_relief_csv(csv, TOWN_A, 1, 200, 300);
    assert_int_equal(it_client(e->dir, &e->s1, TOWN_A, e->tok_a, ob, out, submit), 0);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1"), 200);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 200);

    /* The same records again, through the other front-end. */
    forget_acks(ob);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 200);
    assert_int_equal(it_client(e->dir, &e->s2, TOWN_A, e->tok_a, ob, out, sync), 0);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 200);
    /* The second front-end answered them duplicate: its batch row says so. */
    assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE kind = 'batch'"
                              " AND detail LIKE '%: 0 stored, 200 duplicate,%'"),
                     1);
}

static void test_concurrent_appends_keep_the_chain(void **state)
{
    struct env *e = *state;
    char csv_a[512], csv_b[512], ob_a[512], ob_b[512], out_a[512], out_b[512], out[512];
    pid_t pa, pb;
    const int n = 3000;

    it_path(csv_a, sizeof(csv_a), e->dir, "a.csv");
    it_path(csv_b, sizeof(csv_b), e->dir, "b.csv");
    it_path(ob_a, sizeof(ob_a), e->dir, "a.outbox");
    it_path(ob_b, sizeof(ob_b), e->dir, "b.outbox");
    it_path(out_a, sizeof(out_a), e->dir, "a.out");
    it_path(out_b, sizeof(out_b), e->dir, "b.out");
    it_path(out, sizeof(out), e->dir, "verify.out");
    it_relief_csv(csv_a, TOWN_A, 1, n, 200);
    it_relief_csv(csv_b, TOWN_B, 1, n, 300);
    {
        char *a[] = {RS_CLIENT_BIN, "--server", e->s1.addr, "--plaintext", "--office", TOWN_A,
                     "--token", e->tok_a, "--outbox", ob_a, "--batch", "20", "submit", csv_a,
                     NULL};
        char *b[] = {RS_CLIENT_BIN, "--server", e->s2.addr, "--plaintext", "--office", TOWN_B,
                     "--token", e->tok_b, "--outbox", ob_b, "--batch", "20", "submit", csv_b,
                     NULL};

        pa = it_spawn(a, out_a, out_a);
        pb = it_spawn(b, out_b, out_b);
    }
    assert_int_equal(it_wait(pa, 120000), 0);
    assert_int_equal(it_wait(pb, 120000), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 2 * n);
    /* Both front-ends appended batch rows, interleaved, one chain. */
    assert_true(count(e, "SELECT count(*) FROM audit WHERE kind = 'batch'") >= 2 * n / 20);
    assert_int_equal(count(e, "SELECT count(*) FROM audit"), count(e, "SELECT max(seq) FROM audit"));
    assert_int_equal(audit_verify(e, out), 0);
    {
        char *text = it_read_file(out);

        assert_non_null(strstr(text, "ok "));
        free(text);
    }
}

static void test_kill_one_front_sync_through_other(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], vout[512];
    const char *sync[] = {"sync", "--attempts", "3", NULL};
    const int n = 20000;
    long long acked = 0, in_ob = 0;
    pid_t pid;

    it_path(csv, sizeof(csv), e->dir, "big.csv");
    it_path(ob, sizeof(ob), e->dir, "big.outbox");
    it_path(out, sizeof(out), e->dir, "big.out");
    it_path(vout, sizeof(vout), e->dir, "verify.out");
    it_relief_csv(csv, TOWN_A, 1, n, 100);
    {
        char *argv[] = {RS_CLIENT_BIN, "--server", e->s1.addr, "--plaintext", "--office",
                        TOWN_A, "--token", e->tok_a, "--outbox", ob, "--batch", "50", "submit",
                        csv, NULL};

        pid = it_spawn(argv, out, out);
    }
    for (int i = 0; i < 6000 && acked == 0; i++) {
        it_sleep_ms(5);
        acked = it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1");
        if (acked < 0)
            acked = 0;
    }
    it_server_kill(&e->s1);
    {
        int st = it_wait(pid, 60000);

        assert_true(st == 3 || st == 0);
    }
    acked = it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1");
    assert_true(acked > 0);
    /* Every acknowledged record is in the database. */
    assert_int_equal(it_pg_outbox_present(e->db, ob, "1", &in_ob), acked);

    /* The sync goes through the other front-end and completes. */
    assert_int_equal(it_client(e->dir, &e->s2, TOWN_A, e->tok_a, ob, out, sync), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), n);
    assert_int_equal(count(e, "SELECT count(DISTINCT record_id) FROM records"), n);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state IN (1,2)"), n);
    assert_int_equal(audit_verify(e, vout), 0);
}

static void test_revoke_is_seen_by_both(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], *text;
    const char *submit[] = {"submit", csv, NULL};
    char *revoke[] = {RS_SERVER_BIN, "office", "revoke", "--db", e->db, "--code", TOWN_B, NULL};

    it_path(csv, sizeof(csv), e->dir, "t.csv");
    it_path(ob, sizeof(ob), e->dir, "t.outbox");
    it_path(out, sizeof(out), e->dir, "out.txt");
    it_relief_csv(csv, TOWN_B, 1, 2, 100);
    assert_int_equal(it_client(e->dir, &e->s2, TOWN_B, e->tok_b, ob, out, submit), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 2);

    assert_int_equal(it_run(revoke, NULL, NULL), 0);
    it_relief_csv(csv, TOWN_B, 3, 2, 100);
    assert_int_equal(it_client(e->dir, &e->s1, TOWN_B, e->tok_b, ob, out, submit), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "revoked"));
    free(text);
    assert_int_equal(it_client(e->dir, &e->s2, TOWN_B, e->tok_b, ob, out, submit), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "revoked"));
    free(text);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resend_to_other_front_is_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_appends_keep_the_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_one_front_sync_through_other, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_is_seen_by_both, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

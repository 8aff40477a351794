/*
 * itest_failover.c - resettled on a PostgreSQL primary with a streaming
 * replica; the primary is stopped under load, the replica promoted, and
 * resettled carries on against it.
 *
 * The test runs a cluster of its own (tests/pg/pg_server.sh start, replica,
 * failover, stop in a folder of the test), not the run's shared pg
 * fixture: stopping that primary would fail every other PostgreSQL test
 * running beside it.  resettled gets the two-host conninfo
 * (conninfo.both: both sockets, target_session_attrs=read-write).  While a
 * township submits 20000 records in batches of 50, the primary is stopped
 * fast and the replica promoted; then:
 *   - every record the outbox holds as acknowledged is on the new primary;
 *   - the client's sync through the same resettled completes: every record
 *     once;
 *   - the audit chain verifies on the new primary.
 *
 * Does not: crash the primary (pg_ctl stop -m immediate could lose the last
 * commits of an asynchronous replica, which no front-end can repair).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"

#define TOWN_A "430602001"
#define PG_SERVER_SH RS_SOURCE_DIR "/tests/pg/pg_server.sh"

struct env {
    char dir[256];
    char pgdir[300];
    char db[512];
    char *tok;
    struct it_server srv;
    bool pg_started;
    bool passed;                 /* the test reached its end: no logs to show */
};

static int pg(const struct env *e, const char *cmd, const char *out)
{
    char *argv[] = {"/bin/bash", PG_SERVER_SH, (char *)cmd, (char *)e->pgdir, NULL};

    return it_run(argv, out, out);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    char out[400], both[400], *text;

    if (!e)
        return -1;
    if (!rs_test_pg_wanted())
        rs_test_pg_die("itest_failover needs PostgreSQL", "RS_TEST_PG_FILE is not set");
    it_tmpdir(e->dir, "failover");
    snprintf(e->pgdir, sizeof(e->pgdir), "%s/pg", e->dir);
    snprintf(out, sizeof(out), "%s/pg.out", e->dir);
    if (mkdir(e->pgdir, 0700) != 0)
        return -1;
    chmod(e->dir, 0755);         /* the servers' user walks through it */
    e->pg_started = true;
    if (pg(e, "start", out) != 0 || pg(e, "replica", out) != 0) {
        text = it_read_file(out);
        fprintf(stderr, "pg_server.sh failed:\n%s\n", text);
        free(text);
        return -1;
    }
    snprintf(both, sizeof(both), "%s/conninfo.both", e->pgdir);
    text = it_read_file(both);
    text[strcspn(text, "\n")] = '\0';
    if (!text[0])
        return -1;
    snprintf(e->db, sizeof(e->db), "%s", text);
    free(text);
    e->tok = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    if (!e->tok || it_server_start(&e->srv, e->dir, e->db) != 0)
        return -1;
    *state = e;
    return 0;
}

/* Prints the end of file (at most 6000 bytes) to stderr, under a title. */
static void show_tail(const char *title, const char *dir, const char *file)
{
    char p[400];
    char *text;
    size_t n;

    snprintf(p, sizeof(p), "%s/%s", dir, file);
    text = it_read_file(p);
    n = strlen(text);
    fprintf(stderr, "---- %s (%s) ----\n%s\n", title, file, n > 6000 ? text + n - 6000 : text);
    free(text);
}

static int teardown(void **state)
{
    struct env *e = *state;
    char out[400];
    int st = 0;

    /* A failed run says what the client, the servers and the fixture saw
     * before the folder goes: a flaky failure is otherwise lost. */
    if (!e->passed) {
        show_tail("the submitting client", e->dir, "big.out");
        show_tail("pg_server.sh failover", e->dir, "failover.out");
        show_tail("resettled", e->dir, "server.log");
        show_tail("the primary", e->pgdir, "log/primary.log");
        show_tail("the replica", e->pgdir, "log/replica.log");
    }

    if (e->srv.pid > 0 && it_alive(e->srv.pid) && it_server_stop_logged(&e->srv) != 0)
        st = -1;
    snprintf(out, sizeof(out), "%s/pg-stop.out", e->dir);
    if (e->pg_started && pg(e, "stop", out) != 0)
        st = -1;
    if (it_rmtree(e->dir) != 0)
        st = -1;
    free(e->tok);
    free(e);
    return st;
}

static void test_primary_stopped_under_load(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], pgout[512];
    const char *sync[] = {"sync", "--attempts", "5", NULL};
    char *verify[] = {RS_SERVER_BIN, "audit", "verify", "--db", e->db, NULL};
    const int n = 20000;
    long long acked = 0, in_ob = 0;
    pid_t pid;

    it_path(csv, sizeof(csv), e->dir, "big.csv");
    it_path(ob, sizeof(ob), e->dir, "big.outbox");
    it_path(out, sizeof(out), e->dir, "big.out");
    it_path(pgout, sizeof(pgout), e->dir, "failover.out");
    it_relief_csv(csv, TOWN_A, 1, n, 100);
    {
        char *argv[] = {RS_CLIENT_BIN, "--server", e->srv.addr, "--plaintext", "--office",
                        TOWN_A, "--token", e->tok, "--outbox", ob, "--batch", "50", "submit",
                        csv, NULL};

        pid = it_spawn(argv, out, out);
    }
    for (int i = 0; i < 6000 && acked < 500; i++) {
        it_sleep_ms(5);
        acked = it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1");
    }
    assert_true(acked > 0);
    assert_int_equal(pg(e, "failover", pgout), 0);
    {
        int st = it_wait(pid, 120000);

        assert_true(st == 3 || st == 0);
    }
    acked = it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1");
    assert_true(acked > 0);
    /* Every record acknowledged before the stop is on the new primary. */
    assert_int_equal(it_pg_outbox_present(e->db, ob, "1", &in_ob), acked);
    assert_int_equal(in_ob, acked);

    /* The same resettled reconnects to the new primary; the sync completes. */
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok, ob, out, sync), 0);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), n);
    assert_int_equal(it_sql_int(e->db, "SELECT count(DISTINCT record_id) FROM records"), n);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state IN (1,2)"), n);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records WHERE pg_is_in_recovery()"),
                     0);
    assert_int_equal(it_run(verify, out, out), 0);
    e->passed = true;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_primary_stopped_under_load, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

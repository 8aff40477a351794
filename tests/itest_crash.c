/*
 * itest_crash.c - resettled is SIGKILLed at random moments while three
 * townships submit from their outboxes; nothing acknowledged is ever lost,
 * nothing is stored twice, nothing is half-written.
 *
 * Each round: start the server on the same database; every township runs
 * `resettle submit` of a new CSV (which queues the rows in its outbox and
 * then delivers everything pending, including what earlier rounds left);
 * after a random delay the server gets SIGKILL, and in about one round in
 * four a client is SIGKILLed too, mid-way.  The delay is drawn from
 * 0..700 ms (ten times that under valgrind or TSan); whenever every client
 * finishes before its kill, the range shrinks to the time they took, so
 * that the kills land mid-stream on a fast machine as on a slow one.  After every crash
 * the database is checked cold:
 *   - PRAGMA integrity_check is "ok" and foreign_key_check finds nothing;
 *   - no record id appears twice;
 *   - every record an outbox holds as stored or duplicate is in it;
 *   - every row is whole: its body is a valid rs.Record whose SHA-256 is
 *     the stored hash and whose id, type and division match the row.
 * At the end the server is started once more, each township re-submits all
 * its files and syncs, and the database holds exactly the rows generated,
 * each once, every outbox row acknowledged.
 *
 * RS_CRASH_ROUNDS (default 20; 5 under valgrind, with kills 10 times later)
 * and RS_CRASH_SEED (default: time) may be set to rerun; the seed is
 * printed.  The kill moments depend on timing as well, so a seed narrows a
 * rerun rather than replaying it exactly.
 *
 * Does not: kill the machine (power loss is SQLite's synchronous=FULL
 * contract), or fault the disk (itest_faults.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rs_util.h"
#include "rs_validate.h"

#define N_TOWNS 3
#define ROWS_PER_ROUND 1000
#define MAX_ROUNDS 200

static const char *const towns[N_TOWNS] = {"430602001", "430602002", "430602003"};

struct env {
    char dir[256];
    char db[512];
    char *tok[N_TOWNS];
    char outbox[N_TOWNS][512];
    struct it_server srv;
    uint64_t rng;
};

static uint32_t rnd(struct env *e, uint32_t below)
{
    e->rng = e->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((e->rng >> 33) % below);
}

/* True once every client has exited; nothing is reaped (WNOWAIT). */
static bool all_exited(const pid_t *pid, int n)
{
    for (int i = 0; i < n; i++) {
        siginfo_t info;

        memset(&info, 0, sizeof(info));
        if (waitid(P_PID, (id_t)pid[i], &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
            info.si_pid == 0)
            return false;
    }
    return true;
}

/* Sleeps ms, or less if every client exits first; returns the ms slept. */
static uint32_t sleep_or_done(const pid_t *pid, int n, uint32_t ms)
{
    long t0 = it_now_ms();

    while (it_now_ms() - t0 < (long)ms) {
        if (all_exited(pid, n))
            break;
        it_sleep_ms(5);
    }
    return (uint32_t)(it_now_ms() - t0);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "crash");
    it_db_path(e->db, sizeof(e->db), e->dir, "crash");
    for (int i = 0; i < N_TOWNS; i++) {
        char name[32], file[64];

        snprintf(name, sizeof(name), "乡镇%d", i + 1);
        e->tok[i] = it_office_add(e->dir, e->db, towns[i], name, "township");
        if (!e->tok[i])
            return -1;
        snprintf(file, sizeof(file), "town%d.outbox", i);
        it_path(e->outbox[i], sizeof(e->outbox[i]), e->dir, file);
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    int rc = 0;

    if (e->srv.pid > 0 && it_alive(e->srv.pid))
        it_server_kill(&e->srv);
    if (it_rmtree(e->dir) != 0)
        rc = -1;
    for (int i = 0; i < N_TOWNS; i++)
        free(e->tok[i]);
    free(e);
    return rc;
}

/* Rows of round r for town i: households unique across rounds and towns. */
static void write_round_csv(const struct env *e, int r, int i, char *path, size_t n)
{
    char file[64];
    FILE *f;

    snprintf(file, sizeof(file), "r%02d-t%d.csv", r, i);
    it_path(path, n, e->dir, file);
    f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "division_code,year,household_ref,village,kind,persons,amount_yuan,paid_date\n");
    for (int k = 0; k < ROWS_PER_ROUND; k++)
        fprintf(f, "%s,2023,R%02d-HH%04d,village %d,hardship,%d,%d,2023-12-%02d\n", towns[i], r,
                k, k % 9, 1 + k % 5, 100 + k, 1 + k % 28);
    assert_int_equal(fclose(f), 0);
}

static long long query_int(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;

    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Every row is a whole, valid record that matches its columns. */
static long long check_rows(sqlite3 *h)
{
    sqlite3_stmt *st = NULL;
    long long n = 0;

    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT record_id, hash, body, type, division_code "
                                        "FROM records",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const void *hash = sqlite3_column_blob(st, 1);
        const uint8_t *body = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        uint8_t sum[RS_SHA256_LEN];
        Rs__Record *r;
        struct rs_verdict v;

        assert_int_equal(sqlite3_column_bytes(st, 1), RS_SHA256_LEN);
        rs_sha256(body, len, sum);
        assert_memory_equal(sum, hash, RS_SHA256_LEN);
        r = rs__record__unpack(NULL, len, body);
        assert_non_null(r);
        assert_int_equal(rs_validate_record(r, &v), RS_OK);
        assert_string_equal(r->id, id);
        assert_int_equal(r->body_case, sqlite3_column_int(st, 3));
        assert_string_equal(r->division_code, (const char *)sqlite3_column_text(st, 4));
        rs__record__free_unpacked(r, NULL);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

/* check_rows on PostgreSQL (its own integrity and foreign keys are the
 * server's: nothing to ask). */
static long long check_rows_pg(const char *db)
{
    PGconn *c = PQconnectdb(db);
    PGresult *res;
    long long n = 0;

    assert_int_equal(PQstatus(c), CONNECTION_OK);
    res = PQexecParams(c, "SELECT record_id, hash, body, type::int, division_code FROM records",
                       0, NULL, NULL, NULL, NULL, 1);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples(res); i++) {
        const uint8_t *body = (const uint8_t *)PQgetvalue(res, i, 2);
        size_t len = (size_t)PQgetlength(res, i, 2);
        const uint8_t *t = (const uint8_t *)PQgetvalue(res, i, 3);
        uint8_t sum[RS_SHA256_LEN];
        Rs__Record *r;
        struct rs_verdict v;

        assert_int_equal(PQgetlength(res, i, 1), RS_SHA256_LEN);
        rs_sha256(body, len, sum);
        assert_memory_equal(sum, PQgetvalue(res, i, 1), RS_SHA256_LEN);
        r = rs__record__unpack(NULL, len, body);
        assert_non_null(r);
        assert_int_equal(rs_validate_record(r, &v), RS_OK);
        assert_string_equal(r->id, PQgetvalue(res, i, 0));
        assert_int_equal(r->body_case, (int)((uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 |
                                             (uint32_t)t[2] << 8 | t[3]));
        assert_string_equal(r->division_code, PQgetvalue(res, i, 4));
        rs__record__free_unpacked(r, NULL);
        n++;
    }
    PQclear(res);
    PQfinish(c);
    return n;
}

/*
 * The database after a crash (server not running).  Returns the number of
 * records; *acked receives how many the outboxes hold as acknowledged.
 */
static long long check_cold(const struct env *e, long long *acked)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    long long rows;

    *acked = 0;
    if (it_db_is_pg(e->db)) {
        assert_int_equal(
            it_sql_int(e->db, "SELECT count(*) - count(DISTINCT record_id) FROM records"), 0);
        rows = check_rows_pg(e->db);
        for (int i = 0; i < N_TOWNS; i++) {
            long long n, present;
            struct stat sb;

            if (stat(e->outbox[i], &sb) != 0)
                continue;
            present = it_pg_outbox_present(e->db, e->outbox[i], "1,2", &n);
            assert_int_equal(present, n);
            *acked += n;
        }
        return rows;
    }
    assert_int_equal(sqlite3_open_v2(e->db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_busy_timeout(h, 5000), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    assert_int_equal(query_int(h, "SELECT count(*) - count(DISTINCT record_id) FROM records"), 0);
    rows = check_rows(h);
    for (int i = 0; i < N_TOWNS; i++) {
        char sql[800];
        long long n, present;
        struct stat sb;

        if (stat(e->outbox[i], &sb) != 0)
            continue;
        snprintf(sql, sizeof(sql), "ATTACH '%s' AS o", e->outbox[i]);
        assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
        if (query_int(h, "SELECT count(*) FROM o.sqlite_master WHERE name='outbox'") == 0) {
            /* A client killed before it made its outbox's table: it holds nothing. */
            assert_int_equal(sqlite3_exec(h, "DETACH o", NULL, NULL, NULL), SQLITE_OK);
            continue;
        }
        n = query_int(h, "SELECT count(*) FROM o.outbox WHERE state IN (1,2)");
        present = query_int(h, "SELECT count(*) FROM records WHERE record_id IN "
                               "(SELECT record_id FROM o.outbox WHERE state IN (1,2))");
        assert_int_equal(present, n);
        *acked += n;
        assert_int_equal(sqlite3_exec(h, "DETACH o", NULL, NULL, NULL), SQLITE_OK);
    }
    assert_int_equal(sqlite3_close(h), SQLITE_OK);
    return rows;
}

static void test_sigkill_rounds(void **state)
{
    struct env *e = *state;
    const char *env_rounds = getenv("RS_CRASH_ROUNDS"), *env_seed = getenv("RS_CRASH_SEED");
    long rounds = env_rounds ? strtol(env_rounds, NULL, 10) : it_slow() ? 5 : 20;
    uint32_t span = it_slow() ? 7000 : 700; /* valgrind, TSan: later kills, fewer rounds */
    unsigned long long seed = env_seed ? strtoull(env_seed, NULL, 10)
                                       : (unsigned long long)time(NULL) ^ (unsigned)getpid();
    long long rows = 0, acked = 0;
    int mid_stream = 0, clients_killed = 0;
    long t_start = it_now_ms();

    if (rounds < 1 || rounds > MAX_ROUNDS)
        rounds = 20;
    e->rng = seed;
    fprintf(stderr, "# RS_CRASH_SEED=%llu RS_CRASH_ROUNDS=%ld\n", seed, rounds);
    for (int r = 0; r < rounds; r++) {
        pid_t pid[N_TOWNS];
        int status[N_TOWNS];
        uint32_t delay = rnd(e, span);
        int victim = rnd(e, 4) == 0 ? (int)rnd(e, N_TOWNS) : -1;
        uint32_t victim_at = victim >= 0 ? rnd(e, delay + 1) : 0;
        long long before = rows;
        uint32_t slept;

        assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
        for (int i = 0; i < N_TOWNS; i++) {
            char csv[512], out[512], file[64];
            char batch[8];

            write_round_csv(e, r, i, csv, sizeof(csv));
            snprintf(file, sizeof(file), "r%02d-t%d.out", r, i);
            it_path(out, sizeof(out), e->dir, file);
            snprintf(batch, sizeof(batch), "%u", 5 + rnd(e, 30));
            {
                char *argv[] = {RS_CLIENT_BIN, "--plaintext", "--server", e->srv.addr, "--office",
                                (char *)towns[i], "--token", e->tok[i], "--outbox",
                                e->outbox[i], "--timeout", "10", "--batch", batch, "submit",
                                csv, NULL};

                pid[i] = it_spawn(argv, out, out);
            }
        }
        if (victim >= 0) {
            it_sleep_ms(victim_at);
            kill(pid[victim], SIGKILL);
            slept = victim_at + sleep_or_done(pid, N_TOWNS, delay - victim_at);
        } else {
            slept = sleep_or_done(pid, N_TOWNS, delay);
        }
        if (all_exited(pid, N_TOWNS) && slept > 20)
            span = slept - 10;
        it_server_kill(&e->srv);
        for (int i = 0; i < N_TOWNS; i++) {
            status[i] = it_wait(pid[i], 60000);
            /* 0: done before the kill; 3: cut off, rows kept; -9: killed by us. */
            if (!(status[i] == 0 || status[i] == 3 || (i == victim && status[i] == -SIGKILL)))
                fail_msg("round %d: client %d exit %d", r, i, status[i]);
            if (status[i] == 3)
                mid_stream++;
            if (status[i] == -SIGKILL)
                clients_killed++;
        }
        rows = check_cold(e, &acked);
        assert_true(rows >= before);
        assert_true(rows >= acked);
        fprintf(stderr, "# round %2d: kill at %3u ms%s; client exits %d %d %d; %lld rows, "
                        "%lld acknowledged\n",
                r, slept, victim >= 0 ? " (and a client)" : "", status[0], status[1],
                status[2], rows, acked);
    }

    /* Recovery: every town re-submits all its files (queued rows are unchanged,
     * rows lost with a killed client are queued now) and syncs. */
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
    for (int i = 0; i < N_TOWNS; i++) {
        char all[512], out[512], file[64];
        FILE *f;

        snprintf(file, sizeof(file), "all-t%d.csv", i);
        it_path(all, sizeof(all), e->dir, file);
        f = fopen(all, "wb");
        assert_non_null(f);
        fprintf(f, "division_code,year,household_ref,village,kind,persons,amount_yuan,paid_date\n");
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < ROWS_PER_ROUND; k++)
                fprintf(f, "%s,2023,R%02d-HH%04d,village %d,hardship,%d,%d,2023-12-%02d\n",
                        towns[i], r, k, k % 9, 1 + k % 5, 100 + k, 1 + k % 28);
        }
        assert_int_equal(fclose(f), 0);
        it_path(out, sizeof(out), e->dir, "final.out");
        {
            const char *submit[] = {"submit", all, NULL};
            int st = it_client(e->dir, &e->srv, towns[i], e->tok[i], e->outbox[i], out, submit);

            if (st != 0) {
                char *text = it_read_file(out);

                fail_msg("final submit of town %d: exit %d\n%s", i, st, text);
            }
        }
        assert_int_equal(it_sql_int(e->outbox[i], "SELECT count(*) FROM outbox"),
                         rounds * ROWS_PER_ROUND);
        assert_int_equal(it_sql_int(e->outbox[i],
                                    "SELECT count(*) FROM outbox WHERE state IN (1,2)"),
                         rounds * ROWS_PER_ROUND);
    }
    assert_int_equal(it_server_stop(&e->srv), 0);
    rows = check_cold(e, &acked);
    assert_int_equal(rows, (long long)N_TOWNS * rounds * ROWS_PER_ROUND);
    assert_int_equal(acked, rows);
    {
        char sql[200];

        for (int i = 0; i < N_TOWNS; i++) {
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE office_code='%s'",
                     towns[i]);
            assert_int_equal(it_sql_int(e->db, sql), rounds * ROWS_PER_ROUND);
        }
    }
    fprintf(stderr, "# %ld rounds in %ld ms: %d client runs cut mid-stream, %d clients killed; "
                    "%lld rows, each once\n",
            rounds, it_now_ms() - t_start, mid_stream, clients_killed, rows);
    assert_true(mid_stream > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigkill_rounds, setup, teardown),
    };

    return cmocka_run_group_tests_name("crash", tests, NULL, NULL);
}

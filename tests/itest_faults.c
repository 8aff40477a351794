/*
 * itest_faults.c - the disk fails under a running resettled: it refuses the
 * affected batches with ERR_STORAGE, acknowledges nothing it did not
 * commit, keeps serving, and recovers by itself when the fault clears.
 *
 * Faults made without root tricks:
 *   - a locked database: this test holds BEGIN EXCLUSIVE on a second SQLite
 *     connection for 7 s, longer than the server's 5 s busy timeout;
 *   - a full disk: RLIMIT_FSIZE of the running server lowered to 1 byte
 *     with prlimit(2) (writes fail with EFBIG; the server ignores SIGXFSZ),
 *     then lifted.
 *   - a disk that will not sync: fdatasync and fsync fail with EIO while a
 *     flag file exists, through an LD_PRELOAD library (fault_fsync.c);
 *   - a disk full for the database alone: pwrite fails with ENOSPC while a
 *     flag file exists (fault_nospace.c), and the log is still written.
 * On that last one a refused sign-in, which the audit trail cannot take, is
 * still refused, and logged and counted.
 * A township's outbox with a page overwritten: its commands exit 1 with
 * the way out, and `resettle outbox salvage` recovers the readable rows.
 * And at start-up: files that are not a resettle database, and one with a
 * newer schema, are refused by `resettled serve` (exit 1, a clear message)
 * and left byte for byte as they were.
 *
 * The PostgreSQL variant (pgdb.h) runs the lock, the linger, the damaged
 * outbox and the newer schema; the faults of the server's own file (full
 * disk, failing syncs, files that are not a resettle database) have no
 * counterpart there, where the database server owns its files, and skip
 * themselves (itest_errors.c makes PostgreSQL refuse a write instead).
 *
 * Does not: make the file read-only under a running server (its open file
 * descriptors keep write access, and these tests run as root in CI, where
 * chmod does not bind), or test crashes (itest_crash.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rawdb.h"
#include "rs_store.h"
#include "rs_store_int.h" /* RS_STORE_PG_WRITE_LOCK */

#define TOWN_A "430602001"
#define DISTRICT "430602"
#define T_REPLY (it_slow() ? 120000L : 20000L)
#define STORAGE_PREFIX "nothing from this batch was stored: "
#define UNSYNCED_PREFIX "the batch was written but not confirmed on disk; send it again: "

struct env {
    char dir[256];
    char db[512];
    char *tok_a, *tok_c;
    struct it_server srv;
    uint64_t rid;
    int hh;
};

struct rec {
    Rs__Record r;
    Rs__Relief rel;
    char id[RS_UUID_LEN + 1];
    char hh[48];
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "faults");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    if (!e->tok_a || !e->tok_c)
        return -1;
    if (it_server_start(&e->srv, e->dir, e->db) != 0) {
        if (e->srv.pid > 0 && it_alive(e->srv.pid))
            it_server_kill(&e->srv);
        return -1;
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    int st = 0;

    if (e->srv.pid > 0)
        st = it_server_stop_logged(&e->srv);
    if (it_rmtree(e->dir) != 0)
        st = -1;
    free(e->tok_a);
    free(e->tok_c);
    free(e);
    return st == 0 ? 0 : -1;
}

/*
 * Sets the environment that makes a server started now load the fault
 * library lib (fault_fsync.c or fault_nospace.c), or none (lib NULL).  Both
 * flag files are named either way.
 */
static void fault_env(const char *lib)
{
    char flag[600], asan[600];
    const char *old = getenv("ASAN_OPTIONS");

    if (!lib) {
        unsetenv("LD_PRELOAD");
        return;
    }
    snprintf(flag, sizeof(flag), "%s/rs-fsync-flag-%d", rs_test_tmp_base(), (int)getpid());
    setenv("RS_FAULT_FSYNC_FLAG", flag, 1);
    snprintf(flag, sizeof(flag), "%s/rs-nospace-flag-%d", rs_test_tmp_base(), (int)getpid());
    setenv("RS_FAULT_NOSPACE_FLAG", flag, 1);
    setenv("LD_PRELOAD", lib, 1);
    if (!old || !strstr(old, "verify_asan_link_order=0")) {
        snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0", old ? old : "",
                 old && old[0] ? ":" : "");
        setenv("ASAN_OPTIONS", asan, 1);
    }
}

/* A server whose syncs fail while the flag file exists (flag_set). */
static int setup_fsync(void **state)
{
    int rc;

    fault_env(RS_FAULT_FSYNC_LIB);
    unlink(getenv("RS_FAULT_FSYNC_FLAG"));
    rc = setup(state);
    fault_env(NULL);
    return rc;
}

/* A server whose database writes fail ENOSPC while the flag file exists (nospace_set). */
static int setup_nospace(void **state)
{
    int rc;

    fault_env(RS_FAULT_NOSPACE_LIB);
    unlink(getenv("RS_FAULT_NOSPACE_FLAG"));
    rc = setup(state);
    fault_env(NULL);
    return rc;
}

static void nospace_set(bool on)
{
    const char *flag = getenv("RS_FAULT_NOSPACE_FLAG");

    assert_non_null(flag);
    if (on)
        it_write_file(flag, "x");
    else
        assert_int_equal(unlink(flag), 0);
}

/* No server: for the start-up tests. */
static int setup_bare(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "faults");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    *state = e;
    return 0;
}

/* ------------------------------------------------------------ helpers */

static void recs_make(struct env *e, struct rec *x, Rs__Record **p, int n)
{
    for (int i = 0; i < n; i++) {
        snprintf(x[i].hh, sizeof(x[i].hh), "FAULT-%06d", ++e->hh);
        it_relief_record(&x[i].r, &x[i].rel, x[i].id, TOWN_A, x[i].hh);
        p[i] = &x[i].r;
    }
}

static long long count_ids(const struct env *e, const struct rec *x, int n)
{
    long long total = 0;

    for (int i = 0; i < n; i++) {
        char sql[200];

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE record_id='%s'", x[i].id);
        total += it_sql_int(e->db, sql);
    }
    return total;
}

static void login(const struct env *e, struct it_conn *c, const char *office, const char *tok)
{
    assert_int_equal(it_conn_login(c, e->srv.addr, office, tok), 0);
}

/* Sends the records as one batch; returns its request id. */
static uint64_t submit(struct env *e, struct it_conn *c, Rs__Record **p, int n)
{
    uint64_t rid = ++e->rid;

    assert_int_equal(it_conn_submit(c, rid, p, (size_t)n, T_REPLY), 0);
    return rid;
}

/* The next reply is a BatchAck for rid with every record in status st. */
static void expect_all(struct it_conn *c, uint64_t rid, const struct rec *x, int n,
                       Rs__AckStatus st)
{
    Rs__Envelope *env = NULL;

    assert_int_equal(it_conn_recv(c, &env, T_REPLY), 0);
    if (env->msg_case == RS__ENVELOPE__MSG_ERROR)
        fail_msg("expected a BatchAck, got Error %d: %s", env->error->code,
                 env->error->message ? env->error->message : "");
    assert_int_equal(env->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(env->request_id, rid);
    assert_int_equal(env->ack->n_acks, (size_t)n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(env->ack->acks[i]->id, x[i].id);
        assert_int_equal(env->ack->acks[i]->status, st);
    }
    rs__envelope__free_unpacked(env, NULL);
}

/* The next reply is Error{ERR_STORAGE, prefix..., close=false}. */
static void expect_storage_error_as(struct it_conn *c, uint64_t rid, const char *prefix)
{
    Rs__Envelope *env = NULL;

    assert_int_equal(it_conn_recv(c, &env, T_REPLY), 0);
    assert_int_equal(env->msg_case, RS__ENVELOPE__MSG_ERROR);
    assert_int_equal(env->has_request_id, 1);
    assert_int_equal(env->request_id, rid);
    assert_int_equal(env->error->code, RS__ERROR_CODE__ERR_STORAGE);
    assert_int_equal(env->error->has_close, 1);
    assert_int_equal(env->error->close, 0);
    assert_non_null(env->error->message);
    if (strncmp(env->error->message, prefix, strlen(prefix)) != 0)
        fail_msg("expected \"%s...\", got \"%s\"", prefix, env->error->message);
    rs__envelope__free_unpacked(env, NULL);
}

/* The next reply is Error{ERR_STORAGE, "nothing from this batch was stored: ...", close=false}. */
static void expect_storage_error(struct it_conn *c, uint64_t rid)
{
    expect_storage_error_as(c, rid, STORAGE_PREFIX);
}

/* A central office's report request is answered with a report. */
static void expect_report(struct env *e)
{
    Rs__Envelope req = RS__ENVELOPE__INIT, *env = NULL;
    Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;
    struct it_conn c;
    uint64_t rid = ++e->rid;

    login(e, &c, DISTRICT, e->tok_c);
    rq.has_year = 1;
    rq.year = 2023;
    rq.has_format = 1;
    rq.format = RS__REPORT_FORMAT__FMT_JSON;
    req.has_request_id = 1;
    req.request_id = rid;
    req.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
    req.report_request = &rq;
    assert_int_equal(it_conn_send(&c, &req, T_REPLY), 0);
    assert_int_equal(it_conn_recv(&c, &env, T_REPLY), 0);
    if (env->msg_case == RS__ENVELOPE__MSG_ERROR)
        fail_msg("report refused: %d %s", env->error->code,
                 env->error->message ? env->error->message : "");
    assert_int_equal(env->msg_case, RS__ENVELOPE__MSG_REPORT);
    assert_int_equal(env->request_id, rid);
    assert_true(env->report->body.len > 0);
    rs__envelope__free_unpacked(env, NULL);
    it_conn_close(&c);
}

/* The database file passes SQLite's integrity check.  PostgreSQL keeps its
 * own files and has no such check to ask for: nothing to do there. */
static void integrity_ok(const char *db)
{
    char v[64];

    if (rawdb_is_pg(db))
        return;
    rawdb_text(db, "PRAGMA integrity_check", v, sizeof(v));
    assert_string_equal(v, "ok");
}

/*
 * Every record an outbox holds as stored or duplicate is in the server's
 * database (a file or a PostgreSQL conninfo); returns how many the outbox
 * holds so.
 */
static long long outbox_acked_all_present(const char *db, const char *outbox)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    long long acked = 0, present = 0;

    assert_int_equal(sqlite3_open_v2(outbox, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT record_id FROM outbox WHERE state IN (1,2)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char sql[160];

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE record_id = '%.40s'",
                 (const char *)sqlite3_column_text(st, 0));
        acked++;
        present += it_sql_int(db, sql);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    assert_int_equal(present, acked);
    return acked;
}

/* ------------------------------------------------------------ failed sync */

static void flag_set(bool on)
{
    const char *flag = getenv("RS_FAULT_FSYNC_FLAG");

    assert_non_null(flag);
    if (on)
        it_write_file(flag, "x");
    else
        unlink(flag);
}

/*
 * The disk stops syncing.  A batch of 100 (committed without sync, its
 * fsync left to the sync queue) is written but its sync fails: it is
 * refused with "not confirmed", nothing is acknowledged from then on, and
 * the server stops with status 1 rather than trust a page cache that may
 * have lost writes.  Restarted with a healthy disk, it has the records and
 * answers the resend duplicate.  Then a small batch (synced inside its
 * COMMIT) meets a failing sync: refused, not stored, and the server goes
 * on; sent again on a healthy disk it is stored.
 */
static void test_sync_fails(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec first[100], small[3], big[100], after[2];
    Rs__Record *pf[100], *ps[3], *pb[100], *pa[2];
    char *log;
    int st;

    SQLITE_ONLY();
    recs_make(e, first, pf, 100);
    recs_make(e, small, ps, 3);
    recs_make(e, big, pb, 100);
    recs_make(e, after, pa, 2);
    login(e, &c, TOWN_A, e->tok_a);
    /* The first commit into a fresh WAL syncs its header even without
     * synchronous=FULL; the fault comes after it. */
    expect_all(&c, submit(e, &c, pf, 100), first, 100, RS__ACK_STATUS__ACK_STORED);

    flag_set(true);
    expect_storage_error_as(&c, submit(e, &c, pb, 100), UNSYNCED_PREFIX);
    st = it_wait(e->srv.pid, it_slow() ? 120000 : 20000);
    e->srv.pid = 0;
    assert_int_equal(st, 1);
    log = it_read_file(e->srv.log);
    assert_non_null(strstr(log, "WAL sync failed"));
    free(log);
    it_conn_close(&c);

    /* Restarted on a healthy disk; then a small batch meets a failing one. */
    flag_set(false);
    fault_env(RS_FAULT_FSYNC_LIB);
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
    fault_env(NULL);
    login(e, &c, TOWN_A, e->tok_a);
    expect_all(&c, submit(e, &c, pb, 100), big, 100, RS__ACK_STATUS__ACK_DUPLICATE);
    flag_set(true);
    expect_storage_error(&c, submit(e, &c, ps, 3));
    assert_int_equal(count_ids(e, small, 3), 0);
    assert_true(it_alive(e->srv.pid));
    flag_set(false);
    expect_all(&c, submit(e, &c, ps, 3), small, 3, RS__ACK_STATUS__ACK_STORED);
    expect_all(&c, submit(e, &c, pa, 2), after, 2, RS__ACK_STATUS__ACK_STORED);
    it_conn_close(&c);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 205);
    integrity_ok(e->db);
}

/* ------------------------------------------------------------ linger */

/*
 * After a small commit the server waits a little for the offices it just
 * acknowledged (server/net/rs_commit.c, linger).  A batch smaller than the
 * one before, with nobody else sending, must still be committed and
 * acknowledged, and so must a batch that arrives while another connection's
 * linger runs.
 */
static void test_linger_ends(void **state)
{
    struct env *e = *state;
    struct it_conn c1, c2;
    struct rec a[10], b[1], x[2], y[1];
    Rs__Record *pa[10], *pb[1], *px[2], *py[1];
    long t0;

    recs_make(e, a, pa, 10);
    recs_make(e, b, pb, 1);
    recs_make(e, x, px, 2);
    recs_make(e, y, py, 1);
    login(e, &c1, TOWN_A, e->tok_a);
    login(e, &c2, TOWN_A, e->tok_a);
    expect_all(&c1, submit(e, &c1, pa, 10), a, 10, RS__ACK_STATUS__ACK_STORED);
    t0 = it_now_ms();
    expect_all(&c1, submit(e, &c1, pb, 1), b, 1, RS__ACK_STATUS__ACK_STORED);
    assert_true(it_now_ms() - t0 < 2000 || it_slow());
    expect_all(&c2, submit(e, &c2, px, 2), x, 2, RS__ACK_STATUS__ACK_STORED);
    expect_all(&c1, submit(e, &c1, py, 1), y, 1, RS__ACK_STATUS__ACK_STORED);
    it_conn_close(&c1);
    it_conn_close(&c2);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 14);
}

/* ------------------------------------------------------------ locked database */

/*
 * The database is locked by another process for 7 s (an exclusive
 * transaction on SQLite; the store's advisory write lock on PostgreSQL,
 * where the BEGIN has succeeded when the lock times out, so the server
 * must roll that transaction back to store anything again).  The batch
 * being committed waits the busy or lock timeout (5 s) and is refused with
 * ERR_STORAGE;
 * a batch that arrives later is committed by itself once the lock goes;
 * reports and handshakes go on throughout; a real client that submitted
 * meanwhile has every acknowledged row in the database and delivers the
 * rest with `sync`.  The refused batch, sent again, is stored (not
 * duplicate): nothing of it had been written.
 */
static void test_locked_database(void **state)
{
    struct env *e = *state;
    struct it_conn c1, c2;
    struct rec base[2], y[5], z[3];
    Rs__Record *pb[2], *py[5], *pz[3];
    char csv[512], ob[512], out[512];
    struct rawdb_hold lock;
    uint64_t rid_y, rid_z;
    long t0, t_err;
    pid_t client;
    int st;

    recs_make(e, base, pb, 2);
    recs_make(e, y, py, 5);
    recs_make(e, z, pz, 3);
    it_path(csv, sizeof(csv), e->dir, "late.csv");
    it_path(ob, sizeof(ob), e->dir, "late.outbox");
    it_path(out, sizeof(out), e->dir, "late.out");
    it_relief_csv(csv, TOWN_A, 1, 10, 400);

    login(e, &c1, TOWN_A, e->tok_a);
    login(e, &c2, DISTRICT, e->tok_c);
    expect_all(&c1, submit(e, &c1, pb, 2), base, 2, RS__ACK_STATUS__ACK_STORED);

    rawdb_hold_begin(e->db, "BEGIN; SELECT pg_advisory_xact_lock(" RS_STORE_PG_WRITE_LOCK ")",
                     &lock);
    t0 = it_now_ms();
    rid_y = submit(e, &c1, py, 5);
    {
        char *argv[] = {RS_CLIENT_BIN, "--plaintext", "--server", e->srv.addr, "--office",
                        TOWN_A, "--token", e->tok_a, "--outbox", ob, "--timeout", "30",
                        "submit", csv, NULL};

        client = it_spawn(argv, out, out);
    }
    /* While the writer waits: reports and new handshakes are served. */
    it_sleep_ms(1000);
    expect_report(e);
    rid_z = submit(e, &c2, pz, 3);
    assert_true(it_now_ms() - t0 < 4500 || it_slow());

    expect_storage_error(&c1, rid_y);
    t_err = it_now_ms() - t0;
    assert_true(t_err >= 4500);
    assert_int_equal(count_ids(e, y, 5), 0);

    while (it_now_ms() - t0 < 7000)
        it_sleep_ms(50);
    rawdb_hold_end(&lock);

    /* The batch that came during the lock is committed without being resent. */
    expect_all(&c2, rid_z, z, 3, RS__ACK_STATUS__ACK_STORED);
    assert_true(it_now_ms() - t0 >= 7000);
    assert_int_equal(count_ids(e, z, 3), 3);
    /* The refused batch was not stored at all: resent, it is new. */
    expect_all(&c1, submit(e, &c1, py, 5), y, 5, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(count_ids(e, y, 5), 5);

    /* The real client: whatever it was told was stored, is. */
    st = it_wait(client, 60000);
    assert_true(st == 0 || st == 3);
    outbox_acked_all_present(e->db, ob);
    {
        const char *sync[] = {"sync", "--attempts", "2", NULL};

        assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, sync), 0);
    }
    assert_int_equal(outbox_acked_all_present(e->db, ob), 10);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 2 + 5 + 3 + 10);
    fprintf(stderr, "# locked: ERR_STORAGE after %ld ms; real client exit %d during the lock\n",
            t_err, st);
    it_conn_close(&c1);
    it_conn_close(&c2);
    integrity_ok(e->db);
}

/* ------------------------------------------------------------ full disk */

/*
 * The server may not grow any file (RLIMIT_FSIZE 1 byte): its next commit
 * fails, the batch is refused with ERR_STORAGE at once, other batches too,
 * while handshakes and reports go on.  When the limit is lifted the same
 * connection's next batch is stored, and the refused batch, resent, is new.
 */
static void test_full_disk(void **state)
{
    struct env *e = *state;
    struct it_conn c1, c2;
    struct rec base[3], y[4], z[2];
    Rs__Record *pb[3], *py[4], *pz[2];
    char ob[512], out[512], csv[512];
    uint64_t rid;
    long t0;

    SQLITE_ONLY();
    recs_make(e, base, pb, 3);
    recs_make(e, y, py, 4);
    recs_make(e, z, pz, 2);
    it_path(csv, sizeof(csv), e->dir, "full.csv");
    it_path(ob, sizeof(ob), e->dir, "full.outbox");
    it_path(out, sizeof(out), e->dir, "full.out");
    it_relief_csv(csv, TOWN_A, 1, 25, 700);

    login(e, &c1, TOWN_A, e->tok_a);
    expect_all(&c1, submit(e, &c1, pb, 3), base, 3, RS__ACK_STATUS__ACK_STORED);

    assert_int_equal(it_set_fsize_limit(e->srv.pid, 1), 0);
    t0 = it_now_ms();
    rid = submit(e, &c1, py, 4);
    expect_storage_error(&c1, rid);
    assert_true(it_now_ms() - t0 < 3000 || it_slow());
    assert_int_equal(count_ids(e, y, 4), 0);

    /* Still serving: a new handshake, a report, and another refused batch. */
    login(e, &c2, TOWN_A, e->tok_a);
    expect_report(e);
    rid = submit(e, &c2, pz, 2);
    expect_storage_error(&c2, rid);
    {
        const char *submit_args[] = {"submit", csv, NULL};

        /* The real client keeps everything in its outbox: exit 3, nothing acked. */
        assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, submit_args), 3);
        assert_int_equal(outbox_acked_all_present(e->db, ob), 0);
        assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 25);
    }
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 3);

    /* The disk has room again. */
    assert_int_equal(it_set_fsize_limit(e->srv.pid, RLIM_INFINITY), 0);
    expect_all(&c2, submit(e, &c2, pz, 2), z, 2, RS__ACK_STATUS__ACK_STORED);
    expect_all(&c1, submit(e, &c1, py, 4), y, 4, RS__ACK_STATUS__ACK_STORED);
    {
        const char *sync[] = {"sync", "--attempts", "1", NULL};

        assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, sync), 0);
    }
    assert_int_equal(outbox_acked_all_present(e->db, ob), 25);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 3 + 4 + 2 + 25);
    it_conn_close(&c1);
    it_conn_close(&c2);
    integrity_ok(e->db);
}

/*
 * The fault comes and goes ten times under a steady stream of batches: no
 * batch is both refused and stored, every acknowledged record is stored,
 * and a refused batch resent later is stored exactly once.
 */
/*
 * A refused sign-in that the audit trail cannot take (the disk is full) is
 * refused all the same, and the operator learns it: a log line each, with
 * the count, and the count in the shutdown summary.  A right token still
 * signs in (the check only reads).
 */
static void test_refused_signin_on_full_disk(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    Rs__Envelope *r = NULL;
    char *log;

    SQLITE_ONLY();
    nospace_set(true);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
        assert_int_not_equal(it_conn_hello(&c, i ? "430602009" : TOWN_A, e->tok_c, &r, T_REPLY),
                             0);
        assert_non_null(r);
        assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ERROR);
        assert_int_equal(r->error->code, RS__ERROR_CODE__ERR_AUTH);
        assert_true(r->error->close);
        rs__envelope__free_unpacked(r, NULL);
        r = NULL;
        assert_int_equal(it_conn_wait_eof(&c, T_REPLY), 0);
        it_conn_close(&c);
    }
    login(e, &c, TOWN_A, e->tok_a);
    it_conn_close(&c);
    nospace_set(false);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM audit WHERE kind = "
                                       "'handshake_refused'"),
                     0);

    assert_int_equal(it_server_stop(&e->srv), 0);
    e->srv.pid = 0;
    log = it_read_file(e->srv.log);
    assert_non_null(log);
    if (!strstr(log, "refused sign-in of office 430602001 from 127.0.0.1:") ||
        !strstr(log, "not written to the audit trail (") ||
        !strstr(log, "); 2 such since start") ||
        !strstr(log, "; 2 refused sign-ins not written to the audit trail"))
        fail_msg("the log does not tell the operator:\n%s", log);
    free(log);
}

static void test_flapping_disk(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x[40][5];
    Rs__Record *p[40][5];
    int refused = 0, stored = 0;

    SQLITE_ONLY();
    login(e, &c, TOWN_A, e->tok_a);
    for (int i = 0; i < 40; i++) {
        Rs__Envelope *env = NULL;
        uint64_t rid;

        recs_make(e, x[i], p[i], 5);
        if (i % 4 == 1)
            assert_int_equal(it_set_fsize_limit(e->srv.pid, 1), 0);
        if (i % 4 == 3)
            assert_int_equal(it_set_fsize_limit(e->srv.pid, RLIM_INFINITY), 0);
        rid = submit(e, &c, p[i], 5);
        assert_int_equal(it_conn_recv(&c, &env, T_REPLY), 0);
        assert_int_equal(env->request_id, rid);
        if (env->msg_case == RS__ENVELOPE__MSG_ERROR) {
            assert_int_equal(env->error->code, RS__ERROR_CODE__ERR_STORAGE);
            assert_int_equal(env->error->close, 0);
            assert_int_equal(count_ids(e, x[i], 5), 0);
            refused++;
        } else {
            assert_int_equal(env->msg_case, RS__ENVELOPE__MSG_ACK);
            for (int k = 0; k < 5; k++)
                assert_int_equal(env->ack->acks[k]->status, RS__ACK_STATUS__ACK_STORED);
            assert_int_equal(count_ids(e, x[i], 5), 5);
            stored++;
        }
        rs__envelope__free_unpacked(env, NULL);
    }
    assert_int_equal(it_set_fsize_limit(e->srv.pid, RLIM_INFINITY), 0);
    /* Batches sent while the limit was set (i % 4 == 1 or 2) were refused. */
    assert_int_equal(refused, 20);
    assert_int_equal(stored, 20);
    /* Resend everything: the refused are stored now, the rest are duplicates. */
    for (int i = 0; i < 40; i++) {
        bool was_refused = i % 4 == 1 || i % 4 == 2;

        expect_all(&c, submit(e, &c, p[i], 5), x[i], 5,
                   was_refused ? RS__ACK_STATUS__ACK_STORED : RS__ACK_STATUS__ACK_DUPLICATE);
    }
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 200);
    assert_int_equal(it_sql_int(e->db, "SELECT count(DISTINCT record_id) FROM records"), 200);
    it_conn_close(&c);
    integrity_ok(e->db);
}

/* ------------------------------------------------------------ start-up refusals */

/*
 * `resettled serve` on path exits 1 within 20 s, says `message` on stderr,
 * never listens, and leaves the file byte for byte as it was.
 */
static void serve_refuses(struct env *e, const char *path, const char *message)
{
    char copy[600], out[512], err[512], *text;
    char *argv[] = {RS_SERVER_BIN, "serve", "--db", (char *)path, "--listen", "127.0.0.1:0",
                    "--plaintext", NULL};
    struct stat sb;

    snprintf(copy, sizeof(copy), "%s.orig", path);
    it_path(out, sizeof(out), e->dir, "refuse.out");
    it_path(err, sizeof(err), e->dir, "refuse.err");
    assert_int_equal(it_copy_file(path, copy), 0);
    unlink(err);
    assert_int_equal(it_wait(it_spawn(argv, out, err), 20000), 1);
    text = it_read_file(err);
    if (!strstr(text, message))
        fail_msg("stderr does not say \"%s\":\n%s", message, text);
    free(text);
    text = it_read_file(out);
    assert_null(strstr(text, "listening on"));
    free(text);
    assert_int_equal(it_same_bytes(path, copy), 1);
    /* No WAL or journal was left beside it either. */
    {
        char side[600];

        snprintf(side, sizeof(side), "%s-wal", path);
        assert_true(stat(side, &sb) != 0 || sb.st_size == 0);
        snprintf(side, sizeof(side), "%s-journal", path);
        assert_int_equal(stat(side, &sb), -1);
    }
}

static void sql_file(const char *path, const char *sql)
{
    sqlite3 *h = NULL;

    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

/* The output file holds needle. */
static void expect_output(const char *file, const char *needle)
{
    char *text = it_read_file(file);

    assert_non_null(text);
    if (!strstr(text, needle))
        fail_msg("\"%s\" not in the output:\n%s", needle, text);
    free(text);
}

/*
 * A page of the outbox overwritten: submit, sync and status exit 1 and say
 * how to get back what it holds, and queue or send nothing; `resettle
 * outbox salvage` copies every readable row into a new outbox, which works.
 * No server: nothing gets that far (the address refuses connections).
 */
static void test_damaged_outbox(void **state)
{
    struct env *e = *state;
    struct it_server none;
    char csv[512], ob[512], nob[512], out[512], want[1200], *text;
    const char *submit_args[] = {"submit", csv, NULL};
    const char *sync_args[] = {"sync", "--attempts", "1", NULL};
    const char *status_args[] = {"status", NULL};
    const char *const *cmds[] = {submit_args, sync_args, status_args};
    long long copied;
    FILE *f;

    memset(&none, 0, sizeof(none));
    snprintf(none.addr, sizeof(none.addr), "127.0.0.1:1");
    it_path(csv, sizeof(csv), e->dir, "d.csv");
    it_path(ob, sizeof(ob), e->dir, "d.outbox");
    it_path(nob, sizeof(nob), e->dir, "new.outbox");
    it_path(out, sizeof(out), e->dir, "d.out");
    it_relief_csv(csv, TOWN_A, 1, 3000, 600);
    assert_int_equal(it_client(e->dir, &none, TOWN_A, "x", ob, out, submit_args), 3);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox"), 3000);
    /* Page 6 (a leaf of the table) overwritten. */
    f = fopen(ob, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 5 * 4096, SEEK_SET), 0);
    for (int i = 0; i < 4096; i++)
        fputc(0xde, f);
    assert_int_equal(fclose(f), 0);

    for (int i = 0; i < 3; i++) {
        assert_int_equal(it_client(e->dir, &none, TOWN_A, "x", ob, out, cmds[i]), 1);
        snprintf(want, sizeof(want), "resettle: 发件箱 %s 已损坏：", ob);
        expect_output(out, want);
        snprintf(want, sizeof(want), "  resettle outbox salvage --from %s --to 新发件箱.outbox", ob);
        expect_output(out, want);
        text = it_read_file(out);
        assert_null(strstr(text, "无法连接"));
        free(text);
    }
    {
        char *argv[] = {RS_CLIENT_BIN, "outbox", "salvage", "--from", ob, "--to", nob, NULL};

        assert_int_equal(it_run(argv, out, out), 0);
        copied = it_sql_int(nob, "SELECT count(*) FROM outbox WHERE state = 0");
        assert_true(copied > 2900 && copied < 3000);
        snprintf(want, sizeof(want), "已从 %s 复制 %lld 条记录到 %s；第 ", ob, copied, nob);
        expect_output(out, want);
        /* A second salvage does not overwrite the new outbox. */
        assert_int_equal(it_run(argv, out, out), 2);
    }
    {
        /* Without a server configured: status reads the outbox only. */
        char *argv[] = {RS_CLIENT_BIN, "--outbox", nob, "status", NULL};

        assert_int_equal(it_run(argv, out, out), 0);
    }
    snprintf(want, sizeof(want), "待发送 %lld\n", copied);
    expect_output(out, want);
    /* The lost rows come back when their file is submitted again; the rest are unchanged. */
    assert_int_equal(it_client(e->dir, &none, TOWN_A, "x", nob, out, submit_args), 3);
    assert_int_equal(it_sql_int(nob, "SELECT count(*) FROM outbox"), 3000);
}

static void test_refuses_text_file(void **state)
{
    struct env *e = *state;
    char path[512], msg[600];
    FILE *f;

    SQLITE_ONLY();
    it_path(path, sizeof(path), e->dir, "notes.db");
    f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fprintf(f, "2023年 移民后扶 notes, line %d\n", i);
    fclose(f);
    snprintf(msg, sizeof(msg), "%s: not a resettle database (not an SQLite file)", path);
    serve_refuses(e, path, msg);
}

static void test_refuses_other_application(void **state)
{
    struct env *e = *state;
    char path[512], msg[600];

    SQLITE_ONLY();
    it_path(path, sizeof(path), e->dir, "other.db");
    sql_file(path, "PRAGMA application_id=305419896; CREATE TABLE t(x); INSERT INTO t VALUES(1);");
    snprintf(msg, sizeof(msg),
             "%s: not a resettle database (application_id 0x12345678, expected 0x52534c31)",
             path);
    serve_refuses(e, path, msg);
}

/* An SQLite file without an application id but with tables of its own. */
static void test_refuses_foreign_tables(void **state)
{
    struct env *e = *state;
    char path[512], msg[600];

    SQLITE_ONLY();
    it_path(path, sizeof(path), e->dir, "plain.db");
    sql_file(path, "CREATE TABLE records(seq INTEGER PRIMARY KEY, body BLOB);");
    snprintf(msg, sizeof(msg),
             "%s: not a resettle database (application_id 0x00000000, expected 0x52534c31)",
             path);
    serve_refuses(e, path, msg);
}

/* A township's outbox handed to the server by mistake. */
static void test_refuses_client_outbox(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], msg[600];
    char *argv[] = {RS_CLIENT_BIN, "--plaintext", "--server", "127.0.0.1:1", "--office",
                    TOWN_A, "--token",
                    "0000000000000000000000000000000000000000000000000000000000000000",
                    "--outbox", ob, "submit", csv, NULL};

    SQLITE_ONLY();
    it_path(csv, sizeof(csv), e->dir, "x.csv");
    it_path(ob, sizeof(ob), e->dir, "x.outbox");
    it_path(out, sizeof(out), e->dir, "x.out");
    it_relief_csv(csv, TOWN_A, 1, 3, 100);
    assert_int_equal(it_run(argv, out, out), 3);
    snprintf(msg, sizeof(msg),
             "%s: not a resettle database (application_id 0x52534f31, expected 0x52534c31)", ob);
    serve_refuses(e, ob, msg);
}

/* A database from a newer resettle (one schema version ahead). */
static void test_refuses_newer_schema(void **state)
{
    struct env *e = *state;
    char msg[600], sql[96];
    char *tok = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");

    assert_non_null(tok);
    free(tok);
    if (rawdb_is_pg(e->db)) {
        char *argv[] = {RS_SERVER_BIN, "serve", "--db", e->db, "--listen", "127.0.0.1:0",
                        "--plaintext", NULL};
        char out[512], err[512], *text;

        snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d",
                 RS_STORE_SCHEMA_VERSION + 1);
        rawdb_exec(e->db, sql);
        snprintf(msg, sizeof(msg),
                 "the PostgreSQL database has resettle schema version %d, this resettled knows %d",
                 RS_STORE_SCHEMA_VERSION + 1, RS_STORE_SCHEMA_VERSION);
        it_path(out, sizeof(out), e->dir, "refuse.out");
        it_path(err, sizeof(err), e->dir, "refuse.err");
        assert_int_equal(it_wait(it_spawn(argv, out, err), 20000), 1);
        text = it_read_file(err);
        if (!strstr(text, msg))
            fail_msg("stderr does not say \"%s\":\n%s", msg, text);
        free(text);
        text = it_read_file(out);
        assert_null(strstr(text, "listening on"));
        free(text);
        /* Left as it was: the version, and the one office. */
        assert_int_equal(rawdb_int(e->db, "SELECT version FROM schema_version"),
                         RS_STORE_SCHEMA_VERSION + 1);
        assert_int_equal(rawdb_int(e->db, "SELECT count(*) FROM offices"), 1);
    } else {
        snprintf(sql, sizeof(sql), "PRAGMA user_version=%d;", RS_STORE_SCHEMA_VERSION + 1);
        sql_file(e->db, sql);
        snprintf(msg, sizeof(msg), "%s: schema version %d is newer than this program (%d)",
                 e->db, RS_STORE_SCHEMA_VERSION + 1, RS_STORE_SCHEMA_VERSION);
        serve_refuses(e, e->db, msg);
    }
    /* `office add` refuses it too. */
    assert_null(it_office_add(e->dir, e->db, "430602002", "王家河街道", "township"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_locked_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_signin_on_full_disk, setup_nospace,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flapping_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_fails, setup_fsync, teardown),
        cmocka_unit_test_setup_teardown(test_linger_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_outbox, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_text_file, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_other_application, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_tables, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_client_outbox, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup_bare, teardown),
    };

    return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}

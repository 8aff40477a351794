/*
 * itest_backup.c - `resettled backup` while offices submit, and
 * `resettled restore`, on the real binaries.
 *
 * Three submitter processes keep sending batches of relief records and
 * write down every id acknowledged as stored.  Once 3000 (600 under
 * valgrind or TSan) are
 * acknowledged, the ids acknowledged so far are read, `resettled backup`
 * copies the live database while the submitters go on, and the copy is
 * restored into a new file: every id acknowledged before the backup began
 * is in it, and its audit chain verifies; `backup --config` copies the
 * database a config file names.  Restoring over the live
 * database is refused while the server has it open.  A copy whose audit
 * chain was altered, and one with a damaged page, are refused by restore
 * (and by backup as a source), leaving the target as it was.
 *
 * On PostgreSQL (the _pg variant) backup and restore refuse, naming
 * pg_dump and pg_basebackup, and that is all this test runs there.
 *
 * Does not: test the systemd timer that runs the nightly backup (the
 * package test installs it; systemd cannot run here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"

#define TOWN "430602001"
#define SUBMITTERS 3
#define BATCH 200
#define T_REPLY 30000

struct env {
    char dir[256];
    char db[512];
    char stop[512];
    char *tok;
    struct it_server srv;
    pid_t kids[SUBMITTERS];
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "backup");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    it_path(e->stop, sizeof(e->stop), e->dir, "stop");
    e->tok = it_office_add(e->dir, e->db, TOWN, "金鹗山街道", "township");
    if (!e->tok || it_server_start(&e->srv, e->dir, e->db) != 0)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    it_write_file(e->stop, "");
    for (int i = 0; i < SUBMITTERS; i++)
        if (e->kids[i] > 0)
            it_wait(e->kids[i], 30000);
    if (it_alive(e->srv.pid))
        it_server_kill(&e->srv);
    it_rmtree(e->dir);
    free(e->tok);
    free(e);
    return 0;
}

/*
 * A submitter (child process): batches of BATCH records until `stop`
 * exists; the ids of each batch acknowledged as stored are appended to
 * `acked` with one write(2), so a reader sees whole batches.
 */
static int submitter(struct env *e, int k)
{
    char acked[600], ids[BATCH][RS_UUID_LEN + 1], hh[BATCH][40];
    Rs__Record recs[BATCH], *ptrs[BATCH];
    Rs__Relief rel[BATCH];
    struct it_conn c;
    static char line[BATCH * (RS_UUID_LEN + 1) + 1];
    uint64_t rid = 0;
    int fd, serial = 0;

    snprintf(acked, sizeof(acked), "%s/acked-%d", e->dir, k);
    fd = open(acked, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0 || it_conn_login(&c, e->srv.addr, TOWN, e->tok) != 0)
        return 1;
    while (access(e->stop, F_OK) != 0) {
        Rs__Envelope *reply = NULL;
        size_t n = 0;

        for (int i = 0; i < BATCH; i++) {
            snprintf(hh[i], sizeof(hh[i]), "BK-%d-%07d", k, ++serial);
            it_relief_record(&recs[i], &rel[i], ids[i], TOWN, hh[i]);
            ptrs[i] = &recs[i];
        }
        if (it_conn_submit(&c, ++rid, ptrs, BATCH, T_REPLY) != 0 ||
            it_conn_recv(&c, &reply, T_REPLY) != 0 || reply->msg_case != RS__ENVELOPE__MSG_ACK)
            return 2;
        for (size_t i = 0; i < reply->ack->n_acks; i++) {
            if (reply->ack->acks[i]->status != RS__ACK_STATUS__ACK_STORED)
                return 3;
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\n", reply->ack->acks[i]->id);
        }
        rs__envelope__free_unpacked(reply, NULL);
        if (write(fd, line, n) != (ssize_t)n)
            return 4;
    }
    it_conn_close(&c);
    close(fd);
    return 0;
}

/* Every complete line of every submitter's file, into ids (malloc'd); returns the count. */
static size_t read_acked(struct env *e, char ***ids)
{
    size_t n = 0, cap = 0;

    *ids = NULL;
    for (int k = 0; k < SUBMITTERS; k++) {
        char path[600], *text, *p, *nl;

        snprintf(path, sizeof(path), "%s/acked-%d", e->dir, k);
        text = it_read_file(path);
        for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
            *nl = '\0';
            if (n == cap) {
                cap = cap ? cap * 2 : 4096;
                *ids = realloc(*ids, cap * sizeof(**ids));
                assert_non_null(*ids);
            }
            (*ids)[n++] = strdup(p);
        }
        free(text);
    }
    return n;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

/* Runs resettled with args; returns the exit status, stdout+stderr into *out. */
static int run_server_cmd(struct env *e, char *const *argv, char **out)
{
    char path[600];
    int st;

    it_path(path, sizeof(path), e->dir, "cmd.out");
    unlink(path);
    st = it_run(argv, path, path);
    *out = it_read_file(path);
    return st;
}

static void test_backup_under_load_then_restore(void **state)
{
    struct env *e = *state;
    char bk[600], restored[600], *out;
    char **before = NULL, **after = NULL;
    size_t nbefore = 0, nafter;
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;

    SQLITE_ONLY();
    for (int k = 0; k < SUBMITTERS; k++) {
        e->kids[k] = fork();
        assert_true(e->kids[k] >= 0);
        if (e->kids[k] == 0)
            _exit(submitter(e, k));
    }
    /* Under valgrind or TSan (it_slow) fewer records, longer waits. */
    size_t want = it_slow() ? 600 : 3000;

    for (int i = 0; i < (it_slow() ? 60000 : 6000) && nbefore < want; i++) {
        free_ids(before, nbefore);
        nbefore = read_acked(e, &before);
        it_sleep_ms(10);
    }
    assert_true(nbefore >= want);
    /* The ids acknowledged so far are read; then the backup starts. */
    free_ids(before, nbefore);
    nbefore = read_acked(e, &before);
    it_path(bk, sizeof(bk), e->dir, "backup.db");
    {
        char *argv[] = {RS_SERVER_BIN, "backup", "--db", e->db, "--to", bk, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 0);
        assert_true(strncmp(out, "ok ", 3) == 0);
        assert_non_null(strstr(out, " audit rows verified"));
        free(out);
    }
    /* The submitters were still at work: more acks came after the backup. */
    for (int i = 0; i < (it_slow() ? 30000 : 3000); i++) {
        nafter = read_acked(e, &after);
        free_ids(after, nafter);
        if (nafter > nbefore)
            break;
        it_sleep_ms(10);
    }
    assert_true(nafter > nbefore);
    for (int k = 0; k < SUBMITTERS; k++)
        assert_true(it_alive(e->kids[k]));

    /* Restoring over the database the server has open is refused. */
    {
        char *argv[] = {RS_SERVER_BIN, "restore", "--from", bk, "--db", e->db, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 1);
        assert_non_null(strstr(out, "is open in process"));
        free(out);
    }
    it_path(restored, sizeof(restored), e->dir, "restored.db");
    {
        char *argv[] = {RS_SERVER_BIN, "restore", "--from", bk, "--db", restored, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 0);
        assert_true(strncmp(out, "ok ", 3) == 0);
        free(out);
    }
    /* Every record acknowledged before the backup began is in the restored file. */
    assert_int_equal(sqlite3_open_v2(restored, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM records WHERE record_id = ?",
                                        -1, &q, NULL), SQLITE_OK);
    for (size_t i = 0; i < nbefore; i++) {
        sqlite3_bind_text(q, 1, before[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        if (sqlite3_column_int(q, 0) != 1)
            fail_msg("acknowledged record %s is not in the restored database", before[i]);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
    {
        char *argv[] = {RS_SERVER_BIN, "audit", "verify", "--db", restored, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 0);
        assert_true(strncmp(out, "ok ", 3) == 0);
        free(out);
    }
    free_ids(before, nbefore);
    it_write_file(e->stop, "");
    for (int k = 0; k < SUBMITTERS; k++) {
        assert_int_equal(it_wait(e->kids[k], 30000), 0);
        e->kids[k] = 0;
    }
    assert_int_equal(it_server_stop(&e->srv), 0);
}

/* A copy whose audit chain was changed, or with a damaged page, is refused. */
static void test_restore_refuses_bad_copies(void **state)
{
    struct env *e = *state;
    char bk[600], bad[600], target[600], *out;
    sqlite3 *h = NULL;

    SQLITE_ONLY();
    assert_int_equal(it_server_stop(&e->srv), 0);
    it_path(bk, sizeof(bk), e->dir, "good.db");
    it_path(bad, sizeof(bad), e->dir, "bad.db");
    it_path(target, sizeof(target), e->dir, "target.db");
    /* A second audit row, so that row 2 can be altered. */
    free(it_office_add(e->dir, e->db, "430602002", "南湖街道", "township"));
    /* The nightly timer's way: the database that serve's config file names. */
    {
        char conf[600], text[800];
        char *argv[] = {RS_SERVER_BIN, "backup", "--config", conf, "--to", bk, NULL};

        it_path(conf, sizeof(conf), e->dir, "resettled.conf");
        snprintf(text, sizeof(text), "db = %s\nplaintext = yes\n", e->db);
        it_write_file(conf, text);
        assert_int_equal(run_server_cmd(e, argv, &out), 0);
        assert_true(strncmp(out, "ok ", 3) == 0);
        assert_non_null(strstr(out, ": 0 records, 2 audit rows verified"));
        free(out);
    }
    {
        char *argv[] = {RS_SERVER_BIN, "restore", "--from", bk, "--db", target, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 0);
        free(out);
    }
    /* Changed past the triggers: the chain no longer verifies. */
    assert_int_equal(it_copy_file(bk, bad), 0);
    assert_int_equal(sqlite3_open(bad, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "DROP TRIGGER audit_no_update;"
                                     "UPDATE audit SET detail = 'altered' WHERE seq = 2;",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    {
        char *argv[] = {RS_SERVER_BIN, "restore", "--from", bad, "--db", target, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 1);
        assert_non_null(strstr(out, "refusing to restore"));
        assert_non_null(strstr(out, "the audit chain is broken at row 2"));
        free(out);
    }
    {
        char *argv[] = {RS_SERVER_BIN, "backup", "--db", bad, "--to", bk, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 1);
        assert_non_null(strstr(out, "the copy failed its check"));
        free(out);
    }
    /* A damaged b-tree page (the first byte of page 2 is its type). */
    assert_int_equal(it_copy_file(bk, bad), 0);
    {
        int fd = open(bad, O_WRONLY);
        unsigned char junk = 0x7f;

        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, &junk, 1, 4096), 1);
        close(fd);
    }
    {
        char *argv[] = {RS_SERVER_BIN, "restore", "--from", bad, "--db", target, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 1);
        assert_non_null(strstr(out, "refusing to restore"));
        free(out);
    }
    /* The target is still the good copy, and no part file is left. */
    {
        char *argv[] = {RS_SERVER_BIN, "audit", "verify", "--db", target, NULL};

        assert_int_equal(run_server_cmd(e, argv, &out), 0);
        assert_non_null(strstr(out, "ok 2 rows;"));
        assert_non_null(strstr(out, "; 2 offices match it\n"));
        free(out);
    }
    {
        char part[700];

        snprintf(part, sizeof(part), "%s.part", target);
        assert_int_equal(access(part, F_OK), -1);
    }
}

/* On PostgreSQL, backup and restore refuse and name the database's own
 * tools; the database and the target are left alone. */
static void test_postgresql_refused(void **state)
{
    struct env *e = *state;
    char bk[600], *out;
    long long offices = it_sql_int(e->db, "SELECT count(*) FROM offices");

    PG_ONLY();
    it_path(bk, sizeof(bk), e->dir, "pg.bak");
    {
        char *argv[] = {RS_SERVER_BIN, "backup", "--db", e->db, "--to", bk, NULL};

        assert_int_not_equal(run_server_cmd(e, argv, &out), 0);
        assert_non_null(strstr(out, "pg_dump"));
        assert_non_null(strstr(out, "pg_basebackup"));
        free(out);
        assert_int_not_equal(access(bk, F_OK), 0);
    }
    it_write_file(bk, "not a copy");
    {
        char *argv[] = {RS_SERVER_BIN, "restore", "--from", bk, "--db", e->db, NULL};

        assert_int_not_equal(run_server_cmd(e, argv, &out), 0);
        assert_non_null(strstr(out, "pg_dump"));
        free(out);
    }
    assert_true(offices >= 1);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM offices"), offices);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_postgresql_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_under_load_then_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_refuses_bad_copies, setup, teardown),
    };

    return cmocka_run_group_tests_name("backup", tests, NULL, NULL);
}

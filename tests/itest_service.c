/*
 * itest_service.c - the real resettled as a service runs it: started on a
 * config file.
 *
 * Covers: only the loop thread takes the signals (the pool's threads block
 * them); serve on a config file (flags winning over it); a config file
 * with an unknown key, a bad value, or one that cannot be read stops
 * start-up with "FILE:LINE: reason" and exit status 2, before the database
 * is touched; sd_notify's READY=1 (once the listener accepts, with its
 * address) and STOPPING=1 on NOTIFY_SOCKET; log lines sent to the journal
 * with PRIORITY, CONN, PEER and OFFICE, both with `log = journal` and when
 * JOURNAL_STREAM says stderr is the journal's (systemd's own protocol, on
 * a socket this test binds at /run/systemd/journal/socket inside a private
 * mount namespace: root only, skipped otherwise).
 *
 * Does not: test every rule of the file (test_config.c), or run systemd.
 */
#define _GNU_SOURCE     /* unshare(2) */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/un.h>

#include "itest_harness.h"

#define TOWN "430602001"

struct env {
    char dir[256];
    char db[512];
    char conf[512];
    struct it_server srv;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "service");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    it_path(e->conf, sizeof(e->conf), e->dir, "resettled.conf");
    e->srv.pid = 0;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    if (e->srv.pid > 0 && it_alive(e->srv.pid))
        it_server_kill(&e->srv);
    it_rmtree(e->dir);
    free(e);
    return 0;
}

/* Runs `resettled serve --config conf` plus extra; returns its status, stderr into *err. */
static int serve_once(struct env *e, const char *extra, char **err)
{
    char out[600], errf[600];
    char *argv[] = {RS_SERVER_BIN, "serve", "--config", e->conf, (char *)extra, NULL};

    it_path(out, sizeof(out), e->dir, "once.out");
    it_path(errf, sizeof(errf), e->dir, "once.err");
    unlink(out);
    unlink(errf);
    {
        int st = it_run(argv, out, errf);

        *err = it_read_file(errf);
        return st;
    }
}

/* The signal mask of thread tid of pid (the SigBlk line of its status), or ~0 if unreadable. */
static unsigned long long thread_sigblk(pid_t pid, const char *tid)
{
    char path[320], line[256];
    unsigned long long mask = ~0ULL;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, tid);
    f = fopen(path, "r");
    if (!f)
        return mask;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "SigBlk:", 7) == 0)
            mask = strtoull(line + 7, NULL, 16);
    fclose(f);
    return mask;
}

/*
 * Only the loop thread takes SIGINT, SIGTERM and SIGHUP: every other thread
 * of a serving resettled (the pool's) blocks them, so a signal is never
 * left on a thread busy in a database call.  The server then stops on
 * SIGTERM with status 0.  Skipped under valgrind, which blocks every
 * signal in the threads the kernel sees and delivers them itself, so /proc
 * shows its masks, not the program's (the ASan and TSan suites run it).
 */
static void test_signals_only_on_the_loop_thread(void **state)
{
    struct env *e = *state;
    const char *vg = getenv("RS_VALGRIND");
    const unsigned long long sigs =
        (1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1)) | (1ULL << (SIGHUP - 1));
    char task[64];
    struct dirent *d;
    DIR *dir;
    int others = 0;

    if (vg && strcmp(vg, "1") == 0)
        skip();
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
    snprintf(task, sizeof(task), "/proc/%d/task", (int)e->srv.pid);
    dir = opendir(task);
    assert_non_null(dir);
    while ((d = readdir(dir)) != NULL) {
        unsigned long long mask;

        if (d->d_name[0] == '.')
            continue;
        mask = thread_sigblk(e->srv.pid, d->d_name);
        assert_true(mask != ~0ULL);
        if (atoi(d->d_name) == (int)e->srv.pid) {
            assert_int_equal(mask & sigs, 0);
        } else {
            assert_int_equal(mask & sigs, sigs);
            others++;
        }
    }
    closedir(dir);
    assert_true(others >= 1);
    assert_int_equal(it_server_stop(&e->srv), 0);
}

static void test_config_file_errors_stop_startup(void **state)
{
    struct env *e = *state;
    char text[1400], want[1400], *err;

    snprintf(text, sizeof(text), "db = %s\nplaintext = yes\n# note\ncolour = blue\n", e->db);
    it_write_file(e->conf, text);
    assert_int_equal(serve_once(e, NULL, &err), 2);
    snprintf(want, sizeof(want), "resettled: %s:4: unknown key \"colour\"\n", e->conf);
    assert_string_equal(err, want);
    free(err);

    snprintf(text, sizeof(text), "db = %s\nplaintext = yes\nmax-batch = lots\n", e->db);
    it_write_file(e->conf, text);
    assert_int_equal(serve_once(e, NULL, &err), 2);
    snprintf(want, sizeof(want),
             "resettled: %s:3: max-batch must be 1..100000, not \"lots\"\n", e->conf);
    assert_string_equal(err, want);
    free(err);

    /* A folder where the file should be: it cannot be read. */
    {
        char *argv[] = {RS_SERVER_BIN, "serve", "--config", e->dir, NULL};
        char out[600], errf[600];

        it_path(out, sizeof(out), e->dir, "dir.out");
        it_path(errf, sizeof(errf), e->dir, "dir.err");
        assert_int_equal(it_run(argv, out, errf), 2);
        err = it_read_file(errf);
        snprintf(want, sizeof(want), "resettled: %s: cannot read: Is a directory\n", e->dir);
        assert_string_equal(err, want);
        free(err);
    }
    /* None of these touched the database. */
    assert_int_equal(access(e->db, F_OK), -1);
}

static void test_serve_on_config_file(void **state)
{
    struct env *e = *state;
    char text[1400], fw[600];
    const char *extra[] = {"--config", e->conf, NULL};
    char *log;

    snprintf(fw, sizeof(fw), "%s/server/frameworks", RS_SOURCE_DIR);
    /* The file says port 1 and warn; the harness's --listen 127.0.0.1:0 wins,
     * and the file's log level is used (no startup INFO lines). */
    snprintf(text, sizeof(text),
             "db = %s\nlisten = 127.0.0.1:1\nplaintext = yes\nlog-level = warn\n"
             "frameworks = %s\n", e->db, fw);
    it_write_file(e->conf, text);
    assert_int_equal(it_server_start_args(&e->srv, e->dir, e->db, extra), 0);
    assert_string_not_equal(e->srv.addr, "127.0.0.1:1");
    assert_int_equal(it_server_stop(&e->srv), 0);
    log = it_read_file(e->srv.log);
    assert_null(strstr(log, " INFO "));
    assert_non_null(strstr(log, " WARN plaintext on 127.0.0.1"));
    free(log);
}

/* A datagram socket bound at path (removed first); -1 on failure. */
static int dgram_bind(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Appends every datagram waiting on fd (up to timeout_ms for the first) to out, each + "\n--\n". */
static void dgram_drain(int fd, char *out, size_t cap, long timeout_ms)
{
    size_t o = strlen(out);
    char buf[8192];

    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (poll(&p, 1, (int)timeout_ms) <= 0)
            return;
        timeout_ms = 200;
        n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n <= 0)
            return;
        buf[n] = '\0';
        o += (size_t)snprintf(out + o, cap > o ? cap - o : 0, "%s\n--\n", buf);
        if (o >= cap)
            return;
    }
}

static void test_notify_ready_and_stopping(void **state)
{
    struct env *e = *state;
    char sock[600], got[8192] = "", want[256];
    int fd;

    it_path(sock, sizeof(sock), e->dir, "notify.sock");
    fd = dgram_bind(sock);
    assert_true(fd >= 0);
    setenv("NOTIFY_SOCKET", sock, 1);
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
    unsetenv("NOTIFY_SOCKET");
    dgram_drain(fd, got, sizeof(got), 10000);
    snprintf(want, sizeof(want), "READY=1\nSTATUS=listening on %s\n--\n", e->srv.addr);
    assert_string_equal(got, want);
    assert_int_equal(it_server_stop(&e->srv), 0);
    got[0] = '\0';
    dgram_drain(fd, got, sizeof(got), 10000);
    assert_string_equal(got, "STOPPING=1\n--\n");
    close(fd);
}

/*
 * In a child with its own mount namespace (a tmpfs on /run), binds the
 * journal's socket, runs a server with extra options and stderr to
 * e->srv.log, signs an office in and stops the server; the datagrams the
 * journal socket got go to `journal.txt`.  Exit status 0, 77 when a mount
 * namespace cannot be had, else the step that failed.
 */
static int journal_child(struct env *e, const char *const *extra, bool stream_env)
{
    char path[600], got[65536] = "";
    struct it_conn c;
    struct stat sb;
    char *tok;
    int fd;

    tok = it_office_add(e->dir, e->db, TOWN, "金鹗山街道", "township");
    if (!tok)
        return 2;
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") != 0)
        return 77;
    if (mkdir("/run/systemd", 0755) != 0 || mkdir("/run/systemd/journal", 0755) != 0)
        return 3;
    fd = dgram_bind("/run/systemd/journal/socket");
    if (fd < 0)
        return 4;
    if (stream_env) {
        /* What systemd does: stderr is the journal's stream, named by JOURNAL_STREAM. */
        char env[64];

        snprintf(e->srv.log, sizeof(e->srv.log), "%s/server.log", e->dir);
        it_write_file(e->srv.log, "");
        if (stat(e->srv.log, &sb) != 0)
            return 5;
        snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)sb.st_dev,
                 (unsigned long long)sb.st_ino);
        setenv("JOURNAL_STREAM", env, 1);
    }
    if (it_server_start_args(&e->srv, e->dir, e->db, extra) != 0)
        return 6;
    if (it_conn_login(&c, e->srv.addr, TOWN, tok) != 0)
        return 7;
    it_conn_close(&c);
    if (it_server_stop(&e->srv) != 0)
        return 8;
    dgram_drain(fd, got, sizeof(got), 5000);
    it_path(path, sizeof(path), e->dir, "journal.txt");
    it_write_file(path, got);
    free(tok);
    return 0;
}

/* Runs journal_child in a fork; returns the journal's datagrams, or NULL when skipped. */
static char *journal_run(struct env *e, const char *const *extra, bool stream_env)
{
    char path[600];
    pid_t pid = fork();
    int st;

    assert_true(pid >= 0);
    if (pid == 0)
        _exit(journal_child(e, extra, stream_env));
    st = it_wait(pid, 120000);
    if (st == 77)
        return NULL;
    assert_int_equal(st, 0);
    it_path(path, sizeof(path), e->dir, "journal.txt");
    return it_read_file(path);
}

static void check_journal(struct env *e, const char *j)
{
    char *log = it_read_file(e->srv.log);

    /* The start-up line: info, no connection. */
    assert_non_null(strstr(j, "PRIORITY=6\nSYSLOG_IDENTIFIER=resettled\nMESSAGE=listening on "));
    /* Plaintext on loopback is a warning. */
    assert_non_null(strstr(j, "PRIORITY=4\nSYSLOG_IDENTIFIER=resettled\nMESSAGE=plaintext on "));
    /* The sign-in: connection, peer and office as fields, the line as on a terminal. */
    {
        const char *p = strstr(j, "OFFICE=" TOWN "\nMESSAGE=conn=");

        assert_non_null(p);
        assert_non_null(strstr(p, " office " TOWN " (金鹗山街道) signed in as township\n"));
    }
    assert_non_null(strstr(j, "\nCONN=1\nPEER=127.0.0.1:"));
    assert_non_null(strstr(j, "MESSAGE=stopped: 0 group commits, 0 records; "));
    /* Nothing went to stderr: the journal took every line. */
    assert_string_equal(log, "");
    free(log);
}

static void test_journal_by_setting(void **state)
{
    struct env *e = *state;
    const char *extra[] = {"--log", "journal", NULL};
    char *j = journal_run(e, extra, false);

    if (!j)
        skip();
    check_journal(e, j);
    free(j);
}

static void test_journal_when_stderr_is_its_stream(void **state)
{
    struct env *e = *state;
    char *j = journal_run(e, NULL, true);

    if (!j)
        skip();
    check_journal(e, j);
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signals_only_on_the_loop_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_errors_stop_startup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serve_on_config_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_ready_and_stopping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_by_setting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_when_stderr_is_its_stream, setup, teardown),
    };

    return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}

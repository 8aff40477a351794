/*
 * itest_service.c - the real resettled as a service runs it: started on a
 * config file.
 *
 * Covers: serve on a config file (flags winning over it); a config file
 * with an unknown key, a bad value, or one that cannot be read stops
 * start-up with "FILE:LINE: reason" and exit status 2, before the database
 * is touched.
 *
 * Does not: test every rule of the file (test_config.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"

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
    it_path(e->db, sizeof(e->db), e->dir, "resettle.db");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_file_errors_stop_startup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serve_on_config_file, setup, teardown),
    };

    return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}

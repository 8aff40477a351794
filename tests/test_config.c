/*
 * test_config.c - serve's settings: defaults, the config file (libinih),
 * flags winning over the file, and every way a file stops start-up with
 * "FILE:LINE: reason" (server/config/rs_config.h).  Also checks that the
 * sample deploy/resettled.conf is valid and names every key with the
 * default the code has, and that resettled(8) documents every key.
 *
 * Does not: start a server (itest_service.c runs the binary on a bad file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rs_config.h"
#include "tmpdir.h"

struct t {
    char dir[256];
    char path[512];
    char err[1400];
    struct rs_config cfg;
};

static int setup(void **state)
{
    struct t *t = calloc(1, sizeof(*t));

    if (!t || rs_test_mkdtemp(t->dir, sizeof(t->dir), "config") != 0)
        return -1;
    snprintf(t->path, sizeof(t->path), "%s/resettled.conf", t->dir);
    rs_config_init(&t->cfg);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct t *t = *state;

    unlink(t->path);
    rmdir(t->dir);
    free(t);
    return 0;
}

static void write_conf(struct t *t, const char *text)
{
    FILE *f = fopen(t->path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* Parses argv ("serve", ...; NULL-terminated) into t->cfg. */
static rs_status args(struct t *t, char **argv)
{
    const char *file = NULL;
    int argc = 0;

    while (argv[argc])
        argc++;
    return rs_config_args(&t->cfg, argc, argv, &file, t->err, sizeof(t->err));
}

/* The file holding text fails with rc and exactly "<path>:<want>". */
static void file_fails(struct t *t, const char *text, rs_status rc, const char *want)
{
    char full[1400];

    rs_config_init(&t->cfg);
    write_conf(t, text);
    assert_int_equal(rs_config_file(&t->cfg, t->path, t->err, sizeof(t->err)), rc);
    snprintf(full, sizeof(full), "%s:%s", t->path, want);
    assert_string_equal(t->err, full);
}

static void test_defaults(void **state)
{
    struct t *t = *state;
    struct rs_server_config d;

    rs_server_config_defaults(&d);
    assert_string_equal(t->cfg.listen, "127.0.0.1:7420");
    assert_int_equal(t->cfg.log_level, RS_LOG_INFO);
    assert_int_equal(t->cfg.log_target, RS_LOG_TO_AUTO);
    assert_int_equal(t->cfg.srv.max_frame, d.max_frame);
    assert_int_equal(t->cfg.srv.max_batch, d.max_batch);
    assert_int_equal(t->cfg.srv.idle_ms, d.idle_ms);
    assert_int_equal(t->cfg.srv.auth_fail_limit, d.auth_fail_limit);
    assert_int_equal(t->cfg.srv.auth_fail_window_ms, d.auth_fail_window_ms);
    assert_false(t->cfg.srv.plaintext);
    assert_false(t->cfg.srv.sync_in_commit);
    assert_string_equal(t->cfg.db, "");
    /* The documented defaults are the code's. */
    assert_int_equal(d.max_frame, 1048576);
    assert_int_equal(d.max_batch, 1000);
    assert_int_equal(d.idle_ms, 300000);
    assert_int_equal(d.auth_fail_limit, 5);
    assert_int_equal(d.auth_fail_window_ms, 60000);
}

static void test_every_key_from_the_file(void **state)
{
    struct t *t = *state;

    write_conf(t, "\xEF\xBB\xBF# comment\n"
                  "; another\n"
                  "\n"
                  "db = /var/lib/resettle/resettle.db\n"
                  "listen = [::1]:7421\r\n"
                  "tls-cert = /etc/resettle/tls/server.crt\n"
                  "tls-key=/etc/resettle/tls/server.key\n"
                  "frameworks = /usr/share/resettle/frameworks\n"
                  "max-frame = 2048\n"
                  "max-batch = 50\n"
                  "idle-timeout = 7\n"
                  "auth-fail-limit = 0\n"
                  "auth-fail-window = 9\n"
                  "log-level = warn\n"
                  "log = journal\n"
                  "sync = commit\n"
                  "plaintext = no");
    assert_int_equal(rs_config_file(&t->cfg, t->path, t->err, sizeof(t->err)), RS_OK);
    assert_int_equal(rs_config_finish(&t->cfg, t->err, sizeof(t->err)), RS_OK);
    assert_string_equal(t->cfg.srv.db_path, "/var/lib/resettle/resettle.db");
    assert_string_equal(t->cfg.srv.host, "::1");
    assert_int_equal(t->cfg.srv.port, 7421);
    assert_string_equal(t->cfg.srv.tls_cert, "/etc/resettle/tls/server.crt");
    assert_string_equal(t->cfg.srv.tls_key, "/etc/resettle/tls/server.key");
    assert_string_equal(t->cfg.srv.framework_dir, "/usr/share/resettle/frameworks");
    assert_int_equal(t->cfg.srv.max_frame, 2048);
    assert_int_equal(t->cfg.srv.max_batch, 50);
    assert_int_equal(t->cfg.srv.idle_ms, 7000);
    assert_int_equal(t->cfg.srv.auth_fail_limit, 0);
    assert_int_equal(t->cfg.srv.auth_fail_window_ms, 9000);
    assert_int_equal(t->cfg.log_level, RS_LOG_WARN);
    assert_int_equal(t->cfg.log_target, RS_LOG_TO_JOURNAL);
    assert_true(t->cfg.srv.sync_in_commit);
    assert_false(t->cfg.srv.plaintext);
}

static void test_flag_wins_over_file(void **state)
{
    struct t *t = *state;
    char *argv[] = {"serve", "--listen", "127.0.0.1:0", "--max-batch", "7", "--plaintext",
                    "--db", "rel.db", "--config", "ignored-here", "--frameworks", "fw", NULL};
    const char *file = NULL;

    assert_int_equal(rs_config_args(&t->cfg, 12, argv, &file, t->err, sizeof(t->err)), RS_OK);
    assert_string_equal(file, "ignored-here");
    write_conf(t, "db = /srv/file.db\n"
                  "listen = 0.0.0.0:7420\n"
                  "max-batch = 900\n"
                  "idle-timeout = 11\n"
                  "plaintext = no\n");
    assert_int_equal(rs_config_file(&t->cfg, t->path, t->err, sizeof(t->err)), RS_OK);
    assert_int_equal(rs_config_finish(&t->cfg, t->err, sizeof(t->err)), RS_OK);
    /* The flags won; what no flag gave came from the file. */
    assert_string_equal(t->cfg.srv.db_path, "rel.db");
    assert_string_equal(t->cfg.srv.host, "127.0.0.1");
    assert_int_equal(t->cfg.srv.port, 0);
    assert_int_equal(t->cfg.srv.max_batch, 7);
    assert_true(t->cfg.srv.plaintext);
    assert_int_equal(t->cfg.srv.idle_ms, 11000);
}

static void test_overridden_value_still_checked(void **state)
{
    struct t *t = *state;
    char *argv[] = {"serve", "--max-batch", "7", NULL};
    char want[1400];

    assert_int_equal(args(t, argv), RS_OK);
    write_conf(t, "max-batch = 0\n");
    assert_int_equal(rs_config_file(&t->cfg, t->path, t->err, sizeof(t->err)), RS_EINVAL);
    snprintf(want, sizeof(want), "%s:1: max-batch must be 1..100000, not \"0\"", t->path);
    assert_string_equal(t->err, want);
    assert_int_equal(t->cfg.srv.max_batch, 7);
}

static void test_file_errors_name_file_and_line(void **state)
{
    struct t *t = *state;
    char longline[400];

    file_fails(t, "db = /a.db\n\nbogus = 1\n", RS_ENOTFOUND, "3: unknown key \"bogus\"");
    file_fails(t, "max-frame = 1023\n", RS_EINVAL,
               "1: max-frame must be 1024..67108864, not \"1023\"");
    file_fails(t, "idle-timeout = 5s\n", RS_EINVAL,
               "1: idle-timeout must be 1..86400, not \"5s\"");
    file_fails(t, "# c\nlog-level = loud\n", RS_EINVAL,
               "2: log-level must be debug, info, warn or error, not \"loud\"");
    file_fails(t, "log = syslog\n", RS_EINVAL,
               "1: log must be auto, stderr or journal, not \"syslog\"");
    file_fails(t, "sync = sometimes\n", RS_EINVAL,
               "1: sync must be deferred or commit, not \"sometimes\"");
    file_fails(t, "plaintext = maybe\n", RS_EINVAL,
               "1: plaintext must be yes or no, not \"maybe\"");
    file_fails(t, "listen = 7420\n", RS_EINVAL,
               "1: listen must be HOST:PORT (port 0..65535), not \"7420\"");
    file_fails(t, "listen = host:70000\n", RS_EINVAL,
               "1: listen must be HOST:PORT (port 0..65535), not \"host:70000\"");
    file_fails(t, "db = relative.db\n", RS_EINVAL,
               "1: db must be an absolute path in a config file, not \"relative.db\"");
    file_fails(t, "db =\n", RS_EINVAL,
               "1: db has no value (comment the line out to keep the default)");
    file_fails(t, "db = /a.db\nmax-batch = 5\ndb = /b.db\n", RS_EINVAL,
               "3: db is given twice (first on line 1)");
    file_fails(t, "[serve]\ndb = /a.db\n", RS_EINVAL,
               "2: [serve]: this file has no sections; put keys at the top level");
    file_fails(t, "db = /a.db\njust some words\n", RS_EINVAL,
               "2: not a \"key = value\" line");
    memset(longline, 'a', sizeof(longline));
    memcpy(longline, "db = /", 6);
    longline[sizeof(longline) - 1] = '\0';
    {
        char text[500];

        snprintf(text, sizeof(text), "# ok\n%s\n", longline);
        file_fails(t, text, RS_ETOOBIG, "2: line longer than 197 bytes");
    }
    /* Only the first error is reported. */
    file_fails(t, "a = 1\nb = 2\n", RS_ENOTFOUND, "1: unknown key \"a\"");
}

/* db in a file takes a PostgreSQL conninfo as it stands; a relative path stays refused. */
static void test_db_postgresql_from_the_file(void **state)
{
    struct t *t = *state;
    static const char *const ok[] = {
        "postgresql:///resettle?host=/var/run/postgresql",
        "postgres://resettle@db1:5432/resettle",
        "host=db1,db2 dbname=resettle target_session_attrs=read-write",
    };
    char text[300];

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        rs_config_init(&t->cfg);
        snprintf(text, sizeof(text), "db = %s\n", ok[i]);
        write_conf(t, text);
        assert_int_equal(rs_config_file(&t->cfg, t->path, t->err, sizeof(t->err)), RS_OK);
        assert_string_equal(t->cfg.db, ok[i]);
    }
    file_fails(t, "db = resettle\n", RS_EINVAL,
               "1: db must be an absolute path in a config file, not \"resettle\"");
    file_fails(t, "frameworks = host=x\n", RS_EINVAL,
               "1: frameworks must be an absolute path in a config file, not \"host=x\"");
}

static void test_unreadable_files(void **state)
{
    struct t *t = *state;
    char missing[600], want[1400];
    FILE *f;

    snprintf(missing, sizeof(missing), "%s/none.conf", t->dir);
    assert_int_equal(rs_config_file(&t->cfg, missing, t->err, sizeof(t->err)), RS_EIO);
    snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", missing);
    assert_string_equal(t->err, want);
    /* A folder opens but cannot be read. */
    assert_int_equal(rs_config_file(&t->cfg, t->dir, t->err, sizeof(t->err)), RS_EIO);
    snprintf(want, sizeof(want), "%s: cannot read: Is a directory", t->dir);
    assert_string_equal(t->err, want);
    /* Over the size cap. */
    f = fopen(t->path, "wb");
    assert_non_null(f);
    for (int i = 0; i < RS_CONFIG_FILE_MAX / 8 + 1; i++)
        fputs("#......\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rs_config_file(&t->cfg, t->path, t->err, sizeof(t->err)), RS_ETOOBIG);
    snprintf(want, sizeof(want), "%s: larger than 65536 bytes", t->path);
    assert_string_equal(t->err, want);
}

static void test_flag_errors(void **state)
{
    struct t *t = *state;

    {
        char *argv[] = {"serve", "--max-batch", "0", NULL};

        assert_int_equal(args(t, argv), RS_EINVAL);
        assert_string_equal(t->err, "max-batch must be 1..100000, not \"0\"");
    }
    {
        char *argv[] = {"serve", "--no-such", NULL};

        assert_int_equal(args(t, argv), RS_EINVAL);
        assert_string_equal(t->err, "unknown option, or one without its value: --no-such");
    }
    {
        char *argv[] = {"serve", "--db", "x.db", "stray", NULL};

        assert_int_equal(args(t, argv), RS_EINVAL);
        assert_string_equal(t->err, "unexpected argument stray");
    }
    {
        /* Relative paths are fine on the command line. */
        char *argv[] = {"serve", "--framework-dir", "rel/fw", NULL};

        rs_config_init(&t->cfg);
        assert_int_equal(args(t, argv), RS_OK);
        assert_string_equal(t->cfg.frameworks, "rel/fw");
    }
}

static void test_finish_checks(void **state)
{
    struct t *t = *state;

    assert_int_equal(rs_config_finish(&t->cfg, t->err, sizeof(t->err)), RS_EINVAL);
    assert_string_equal(t->err, "serve needs --db FILE (db in the config file)");
    {
        char *argv[] = {"serve", "--db", "x.db", NULL};

        assert_int_equal(args(t, argv), RS_OK);
        assert_int_equal(rs_config_finish(&t->cfg, t->err, sizeof(t->err)), RS_EINVAL);
        assert_non_null(strstr(t->err, "serve needs --tls-cert FILE --tls-key FILE"));
    }
    {
        char *argv[] = {"serve", "--tls-cert", "c.pem", NULL};

        assert_int_equal(args(t, argv), RS_OK);
        assert_int_equal(rs_config_finish(&t->cfg, t->err, sizeof(t->err)), RS_EINVAL);
        assert_non_null(strstr(t->err, "TLS needs both --tls-cert FILE and --tls-key FILE"));
    }
    {
        /* No frameworks key: the folder next to this test's executable is
         * not there, so the error names where it looked. */
        char *argv[] = {"serve", "--tls-key", "k.pem", NULL};

        assert_int_equal(args(t, argv), RS_OK);
        assert_int_equal(rs_config_finish(&t->cfg, t->err, sizeof(t->err)), RS_ENOTFOUND);
        assert_non_null(strstr(t->err, "no framework folder: neither "));
        assert_non_null(strstr(t->err, "/../share/resettle/frameworks exists"));
    }
}

/* deploy/resettled.conf is valid, and names every key with the code's default. */
static void test_sample_config(void **state)
{
    struct t *t = *state;
    char path[600], line[300];
    size_t n;
    const struct rs_config_key *k = rs_config_keys(&n);
    FILE *f;
    char *text;
    long len;

    snprintf(path, sizeof(path), "%s/deploy/resettled.conf", RS_SOURCE_DIR);
    /* Found next to the executable when installed; not next to this test. */
    assert_int_equal(rs_config_set(&t->cfg, "frameworks", RS_SOURCE_DIR "/server/frameworks",
                                   false, 0, t->err, sizeof(t->err)), RS_OK);
    assert_int_equal(rs_config_file(&t->cfg, path, t->err, sizeof(t->err)), RS_OK);
    assert_int_equal(rs_config_finish(&t->cfg, t->err, sizeof(t->err)), RS_OK);
    assert_string_equal(t->cfg.srv.db_path, "/var/lib/resettle/resettle.db");
    assert_string_equal(t->cfg.srv.tls_cert, "/etc/resettle/tls/server.crt");
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        snprintf(line, sizeof(line), "\n%s = ", k[i].name);
        if (!strstr(text, line)) {
            snprintf(line, sizeof(line), "\n# %s = ", k[i].name);
            if (!strstr(text, line))
                fail_msg("deploy/resettled.conf does not name %s", k[i].name);
        }
    }
    /* The commented defaults are the code's. */
    assert_non_null(strstr(text, "\n# max-frame = 1048576\n"));
    assert_non_null(strstr(text, "\n# max-batch = 1000\n"));
    assert_non_null(strstr(text, "\n# idle-timeout = 300\n"));
    assert_non_null(strstr(text, "\n# auth-fail-limit = 5\n"));
    assert_non_null(strstr(text, "\n# auth-fail-window = 60\n"));
    assert_non_null(strstr(text, "\n# log-level = info\n"));
    assert_non_null(strstr(text, "\n# sync = deferred\n"));
    assert_non_null(strstr(text, "\n# log = auto\n"));
    assert_non_null(strstr(text, "\n# plaintext = no\n"));
    free(text);
}

/* Every key is documented in resettled(8), as roff writes the flag ("\\-\\-max\\-batch"). */
static void test_man_page_names_every_key(void **state)
{
    char path[600], flag[80];
    size_t n;
    const struct rs_config_key *k = rs_config_keys(&n);
    FILE *f;
    char *text;
    long len;

    (void)state;
    snprintf(path, sizeof(path), "%s/docs/man/resettled.8", RS_SOURCE_DIR);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        size_t o = (size_t)snprintf(flag, sizeof(flag), ".BI \\-\\-");

        for (const char *c = k[i].name; *c && o + 3 < sizeof(flag); c++) {
            if (*c == '-')
                flag[o++] = '\\';
            flag[o++] = *c;
        }
        flag[o] = '\0';
        if (!k[i].arg)
            memmove(flag + 2, flag + 3, strlen(flag + 3) + 1);  /* ".B \\-\\-plaintext" */
        if (!strstr(text, flag))
            fail_msg("resettled(8) does not document %s (looked for \"%s\")", k[i].name, flag);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_key_from_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flag_wins_over_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overridden_value_still_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors_name_file_and_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_postgresql_from_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flag_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finish_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sample_config, setup, teardown),
        cmocka_unit_test(test_man_page_names_every_key),
    };

    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

/*
 * itest_errors.c - proto/README.md's error table against a real server:
 * every code the table lists is brought about by the cause it documents,
 * and comes back with the close flag the table gives.
 *
 * The table is read from the committed proto/README.md (rows "| `ERR_X` |
 * value | when | close |"); it must list every ErrorCode of the .proto but
 * ERR_NONE, at its value, and each row must have a trigger here: a code
 * added to the table without one, or a trigger whose code no longer comes
 * back, fails.  "close" yes/no is checked (a row saying "depends" is not).
 *
 * The server runs in a child process from rs_server_core itself, as in
 * itest_nomem.c, so that this file's rs_net_fault can make a rejected
 * record's reason fail to allocate (ERR_INTERNAL) while a flag file exists;
 * it runs with max_batch 2, idle 1 s, one connection not yet signed in per
 * address, and a rate limit of 2 failed Hellos per 60 s.  The disk is made
 * full for ERR_STORAGE by lowering the child's RLIMIT_FSIZE; ERR_SHUTDOWN
 * is the Error a signed-in, idle connection gets when the server is told
 * to stop.
 *
 * Does not: test every cause of a code (itest_framing.c, itest_handshake.c,
 * itest_requests.c, itest_access.c, itest_faults.c do), or TLS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rawdb.h"
#include "rs_fault.h"
#include "rs_server.h"

#define TOWN_A "430602001"
#define DISTRICT "430602"
#define T_REPLY (it_slow() ? 60000L : 15000L)
#define ROWS_MAX 32

static char g_flag[600];        /* while this file exists, ACK_TEXT allocations fail */

bool rs_net_fault(enum rs_net_fault_site site)
{
    return site == RS_NET_FAULT_ACK_TEXT && g_flag[0] && access(g_flag, F_OK) == 0;
}

struct env {
    char dir[256];
    char db[512];
    char *tok_a, *tok_c;
    struct it_server srv;
    uint64_t rid;
    int hh;
};

/* One row of the README's table. */
struct row {
    char name[32];
    int value;
    int close;                  /* 1 yes, 0 no, -1 depends */
};

/* ------------------------------------------------------------ the server */

static void serve(const struct env *e, int ready_fd)
{
    struct rs_server_config cfg;
    char err[256];
    FILE *ready = fdopen(ready_fd, "w");
    int logfd = open(e->srv.log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    rs_status rc;

    if (!ready || logfd < 0)
        _exit(127);
    dup2(logfd, 2);
    close(logfd);
    rs_server_config_defaults(&cfg);
    cfg.db_path = e->db;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.plaintext = true;
    cfg.framework_dir = RS_SOURCE_DIR "/server/frameworks";   /* a year close renders */
    cfg.ready_out = ready;
    cfg.max_batch = 2;
    cfg.idle_ms = 1000;
    cfg.max_unauth_per_addr = 1;
    cfg.auth_fail_limit = 2;
    rc = rs_server_run(&cfg, err, sizeof(err));
    if (rc != RS_OK)
        fprintf(stderr, "resettled: %s\n", err);
    fclose(ready);
    exit(rc == RS_OK ? 0 : 1);
}

static int server_start(struct env *e)
{
    int fd[2];
    char line[128];
    FILE *in;

    if (pipe(fd) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    e->srv.pid = fork();
    if (e->srv.pid < 0)
        return -1;
    if (e->srv.pid == 0) {
        close(fd[0]);
        serve(e, fd[1]);
    }
    close(fd[1]);
    in = fdopen(fd[0], "r");
    if (!in)
        return -1;
    if (!fgets(line, sizeof(line), in) || sscanf(line, "listening on %63s", e->srv.addr) != 1)
        e->srv.addr[0] = '\0';
    fclose(in);
    return e->srv.addr[0] ? 0 : -1;
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    it_tmpdir(e->dir, "errors");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    it_path(e->srv.log, sizeof(e->srv.log), e->dir, "server.log");
    it_path(g_flag, sizeof(g_flag), e->dir, "nomem.flag");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    if (!e->tok_a || !e->tok_c || server_start(e) != 0)
        return -1;
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

/* ------------------------------------------------------------ the table */

/* Trims spaces and backquotes from both ends of s[0..n) into out. */
static void cell(const char *s, size_t n, char *out, size_t cap)
{
    while (n > 0 && (*s == ' ' || *s == '`')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '`'))
        n--;
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), s);
}

/* Reads the error table's rows from proto/README.md; returns how many. */
static size_t read_table(struct row *rows, size_t cap)
{
    char *text = it_read_file(RS_SOURCE_DIR "/proto/README.md");
    size_t n = 0;

    assert_non_null(text);
    for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1
                                                                        : NULL) {
        char c[4][160], *end = strchr(line, '\n');
        const char *p = line + 1;
        int k = 0;

        if (strncmp(line, "| `ERR_", 7) != 0)
            continue;
        while (k < 4) {
            const char *bar = strchr(p, '|');

            if (!bar || (end && bar > end))
                break;
            cell(p, (size_t)(bar - p), c[k++], sizeof(c[0]));
            p = bar + 1;
        }
        assert_int_equal(k, 4);
        assert_true(n < cap);
        assert_true(strlen(c[0]) < sizeof(rows[n].name));
        memcpy(rows[n].name, c[0], strlen(c[0]) + 1);
        rows[n].value = atoi(c[1]);
        rows[n].close = strncmp(c[3], "yes", 3) == 0 ? 1 : strncmp(c[3], "no", 2) == 0 ? 0 : -1;
        n++;
    }
    free(text);
    return n;
}

/* ------------------------------------------------------------ helpers */

/* Expects an Error with code on c; checks close when want_close >= 0; frees it. */
static void expect_code(struct it_conn *c, int code, int want_close)
{
    Rs__Envelope *r = NULL;
    int rc = it_conn_recv(c, &r, T_REPLY);

    if (rc != 0)
        fail_msg("expected Error %d, got %s", code,
                 rc == IT_EOF ? "the connection closed" : rc == IT_TIMEOUT ? "no reply" : "junk");
    if (r->msg_case != RS__ENVELOPE__MSG_ERROR)
        fail_msg("expected Error %d, got message %d", code, (int)r->msg_case);
    if ((int)r->error->code != code)
        fail_msg("expected Error %d, got %d: %s", code, (int)r->error->code,
                 r->error->message ? r->error->message : "");
    if (want_close >= 0)
        assert_int_equal(r->error->close, want_close);
    if (r->error->close)
        assert_int_equal(it_conn_wait_eof(c, T_REPLY), 0);
    rs__envelope__free_unpacked(r, NULL);
}

static void login(struct env *e, struct it_conn *c, const char *office, const char *tok)
{
    assert_int_equal(it_conn_login(c, e->srv.addr, office, tok), 0);
}

/* Sends n relief records of TOWN_A, the first with amount_fen (valid when >= 0). */
static void send_relief(struct env *e, struct it_conn *c, size_t n, int64_t amount_fen)
{
    Rs__Record r[3], *p[3];
    Rs__Relief rel[3];
    char id[3][RS_UUID_LEN + 1], hh[3][32];

    assert_true(n <= 3);
    for (size_t i = 0; i < n; i++) {
        snprintf(hh[i], sizeof(hh[i]), "ERR-%04d", ++e->hh);
        it_relief_record(&r[i], &rel[i], id[i], TOWN_A, hh[i]);
        p[i] = &r[i];
    }
    rel[0].amount_fen = amount_fen;
    assert_int_equal(it_conn_submit(c, ++e->rid, p, n, T_REPLY), 0);
}

static void send_report(struct env *e, struct it_conn *c, uint32_t year, const char *division)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;

    rq.has_year = 1;
    rq.year = year;
    rq.has_format = 1;
    rq.format = RS__REPORT_FORMAT__FMT_TEXT;
    rq.division = (char *)division;
    env.has_request_id = 1;
    env.request_id = ++e->rid;
    env.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
    env.report_request = &rq;
    assert_int_equal(it_conn_send(c, &env, T_REPLY), 0);
}

static void send_hello(struct it_conn *c, uint32_t version, const char *office, const char *tok)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Hello h = RS__HELLO__INIT;

    h.has_protocol_version = 1;
    h.protocol_version = version;
    h.office_code = (char *)office;
    h.token = (char *)tok;
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    assert_int_equal(it_conn_send(c, &env, T_REPLY), 0);
}

/* ------------------------------------------------------------ the causes */

/* ERR_PROTOCOL: "unparsable envelope". */
static void cause_protocol(struct env *e, int close)
{
    struct it_conn c;
    const uint8_t junk[] = {0xff, 0xff, 0xff};

    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    assert_int_equal(it_conn_write_frame(&c, sizeof(junk), junk, sizeof(junk), T_REPLY), 0);
    expect_code(&c, RS__ERROR_CODE__ERR_PROTOCOL, close);
    it_conn_close(&c);
}

/* ERR_VERSION: "protocol_version is not" one this server speaks. */
static void cause_version(struct env *e, int close)
{
    struct it_conn c;

    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    send_hello(&c, 99, TOWN_A, e->tok_a);
    expect_code(&c, RS__ERROR_CODE__ERR_VERSION, close);
    it_conn_close(&c);
}

/* ERR_AUTH: "wrong token" (one failed Hello; the rate limit allows two). */
static void cause_auth(struct env *e, int close)
{
    struct it_conn c;

    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    send_hello(&c, RS_PROTOCOL_VERSION, TOWN_A, e->tok_c);
    expect_code(&c, RS__ERROR_CODE__ERR_AUTH, close);
    it_conn_close(&c);
}

/* ERR_FORBIDDEN: a township asks for the consolidated report, "outside its scope". */
static void cause_forbidden(struct env *e, int close)
{
    struct it_conn c;

    login(e, &c, TOWN_A, e->tok_a);
    send_report(e, &c, 2023, DISTRICT);
    expect_code(&c, RS__ERROR_CODE__ERR_FORBIDDEN, close);
    it_conn_close(&c);
}

/* ERR_TOO_BIG: a "batch over max_batch_records" (kept open), a "frame over the cap" (closed). */
static void cause_too_big(struct env *e, int close)
{
    struct it_conn c;

    (void)close;
    login(e, &c, TOWN_A, e->tok_a);
    send_relief(e, &c, 3, 60000);
    expect_code(&c, RS__ERROR_CODE__ERR_TOO_BIG, 0);
    it_conn_close(&c);
    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    assert_int_equal(it_conn_write_frame(&c, (uint64_t)1 << 30, NULL, 0, T_REPLY), 0);
    expect_code(&c, RS__ERROR_CODE__ERR_TOO_BIG, 1);
    it_conn_close(&c);
}

/* ERR_BUSY: "waiting to sign in ... from one address" past its cap (1 here). */
static void cause_busy(struct env *e, int close)
{
    struct it_conn quiet, c;

    assert_int_equal(it_conn_open(&quiet, e->srv.addr), 0);
    /* The quiet one is accepted before the next connects. */
    it_sleep_ms(100);
    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    expect_code(&c, RS__ERROR_CODE__ERR_BUSY, close);
    it_conn_close(&c);
    it_conn_close(&quiet);
    it_sleep_ms(100);
}

/* A failing write on PostgreSQL: every INSERT into records raises, as a
 * database whose disk is full would refuse it. */
static const char pg_refuse_writes[] =
    "CREATE FUNCTION rs_test_full() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END$$;"
    "CREATE TRIGGER rs_test_full BEFORE INSERT ON records"
    " FOR EACH ROW EXECUTE FUNCTION rs_test_full()";

/* ERR_STORAGE: "the commit failed" on a full disk (the server's file on
 * SQLite, the database's INSERT on PostgreSQL); nothing stored. */
static void cause_storage(struct env *e, int close)
{
    struct it_conn c;

    Rs__Envelope *r = NULL;
    long long before;

    login(e, &c, TOWN_A, e->tok_a);
    /* One stored first: the first commit into a fresh WAL must sync its header. */
    send_relief(e, &c, 1, 60000);
    assert_int_equal(it_conn_recv(&c, &r, T_REPLY), 0);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    rs__envelope__free_unpacked(r, NULL);
    before = it_sql_int(e->db, "SELECT count(*) FROM records");
    if (rawdb_is_pg(e->db))
        rawdb_exec(e->db, pg_refuse_writes);
    else
        assert_int_equal(it_set_fsize_limit(e->srv.pid, 1), 0);
    send_relief(e, &c, 1, 60000);
    expect_code(&c, RS__ERROR_CODE__ERR_STORAGE, close);
    if (rawdb_is_pg(e->db))
        rawdb_exec(e->db, "DROP TRIGGER rs_test_full ON records; DROP FUNCTION rs_test_full()");
    else
        assert_int_equal(it_set_fsize_limit(e->srv.pid, RLIM_INFINITY), 0);
    it_conn_close(&c);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), before);
}

/* ERR_TIMEOUT: "silent ... with nothing in flight" past the idle timeout (1 s here). */
static void cause_timeout(struct env *e, int close)
{
    struct it_conn c;

    login(e, &c, TOWN_A, e->tok_a);
    expect_code(&c, RS__ERROR_CODE__ERR_TIMEOUT, close);
    it_conn_close(&c);
}

/* ERR_INVALID: "request values invalid (e.g. report year)". */
static void cause_invalid(struct env *e, int close)
{
    struct it_conn c;

    login(e, &c, DISTRICT, e->tok_c);
    send_report(e, &c, 1999, NULL);
    expect_code(&c, RS__ERROR_CODE__ERR_INVALID, close);
    it_conn_close(&c);
}

/* ERR_INTERNAL: "out of memory" for a rejected record's reason. */
static void cause_internal(struct env *e, int close)
{
    struct it_conn c;

    login(e, &c, TOWN_A, e->tok_a);
    it_write_file(g_flag, "x");
    send_relief(e, &c, 1, -1);
    expect_code(&c, RS__ERROR_CODE__ERR_INTERNAL, close);
    assert_int_equal(unlink(g_flag), 0);
    it_conn_close(&c);
}

static void send_year_close(struct env *e, struct it_conn *c)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__YearRequest rq = RS__YEAR_REQUEST__INIT;

    rq.has_action = 1;
    rq.action = RS__YEAR_ACTION__YA_CLOSE;
    rq.has_year = 1;
    rq.year = 2023;
    env.has_request_id = 1;
    env.request_id = ++e->rid;
    env.msg_case = RS__ENVELOPE__MSG_YEAR_REQUEST;
    env.year_request = &rq;
    assert_int_equal(it_conn_send(c, &env, T_REPLY), 0);
}

/* ERR_LOCKED: "the reporting year is closed" (closing it again without a reopening). */
static void cause_locked(struct env *e, int close)
{
    struct it_conn c;
    Rs__Envelope *r = NULL;

    login(e, &c, DISTRICT, e->tok_c);
    send_year_close(e, &c);
    assert_int_equal(it_conn_recv(&c, &r, T_REPLY), 0);
    if (r->msg_case != RS__ENVELOPE__MSG_YEAR)
        fail_msg("closing the year: got message %d (%s)", (int)r->msg_case,
                 r->msg_case == RS__ENVELOPE__MSG_ERROR ? r->error->message : "");
    rs__envelope__free_unpacked(r, NULL);
    send_year_close(e, &c);
    expect_code(&c, RS__ERROR_CODE__ERR_LOCKED, close);
    it_conn_close(&c);
}

/* ERR_RATE_LIMITED: "too many failed handshakes from this address" (2 here, with cause_auth). */
static void cause_rate_limited(struct env *e, int close)
{
    struct it_conn c;

    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    send_hello(&c, RS_PROTOCOL_VERSION, TOWN_A, e->tok_c);
    expect_code(&c, RS__ERROR_CODE__ERR_AUTH, 1);
    it_conn_close(&c);
    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    send_hello(&c, RS_PROTOCOL_VERSION, TOWN_A, e->tok_a);
    expect_code(&c, RS__ERROR_CODE__ERR_RATE_LIMITED, close);
    it_conn_close(&c);
}

/* ERR_SHUTDOWN: "server stopping": a signed-in connection with nothing in flight is told. */
static void cause_shutdown(struct env *e, int close, struct it_conn *signed_in)
{
    /* A reply first, so the idle timer has just started again. */
    send_report(e, signed_in, 1999, NULL);
    expect_code(signed_in, RS__ERROR_CODE__ERR_INVALID, 0);
    assert_int_equal(kill(e->srv.pid, SIGTERM), 0);
    expect_code(signed_in, RS__ERROR_CODE__ERR_SHUTDOWN, close);
    it_conn_close(signed_in);
    assert_int_equal(it_wait(e->srv.pid, 30000), 0);
    e->srv.pid = 0;
}

/* ------------------------------------------------------------ the test */

static const struct row *find_row(const struct row *rows, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

static void test_error_table(void **state)
{
    struct env *e = *state;
    static const struct {
        const char *name;
        void (*cause)(struct env *e, int close);
    } causes[] = {
        {"ERR_PROTOCOL", cause_protocol},   {"ERR_VERSION", cause_version},
        {"ERR_AUTH", cause_auth},           {"ERR_FORBIDDEN", cause_forbidden},
        {"ERR_TOO_BIG", cause_too_big},     {"ERR_BUSY", cause_busy},
        {"ERR_STORAGE", cause_storage},     {"ERR_TIMEOUT", cause_timeout},
        {"ERR_INVALID", cause_invalid},     {"ERR_INTERNAL", cause_internal},
        {"ERR_LOCKED", cause_locked},       {"ERR_RATE_LIMITED", cause_rate_limited},
    };
    struct row rows[ROWS_MAX];
    size_t n = read_table(rows, ROWS_MAX), covered = 0;
    const ProtobufCEnumDescriptor *d = &rs__error_code__descriptor;
    struct it_conn last;
    const struct row *r;

    /* The table lists every code of the .proto but ERR_NONE, at its value. */
    assert_int_equal(n, d->n_values - 1);
    for (unsigned i = 0; i < d->n_values; i++) {
        if (d->values[i].value == RS__ERROR_CODE__ERR_NONE)
            continue;
        r = find_row(rows, n, d->values[i].name);
        if (!r)
            fail_msg("proto/README.md's error table lacks %s", d->values[i].name);
        assert_int_equal(r->value, d->values[i].value);
    }
    for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
        r = find_row(rows, n, causes[i].name);
        assert_non_null(r);
        /* Signed in before the rate limit shuts this address out: for ERR_SHUTDOWN. */
        if (strcmp(causes[i].name, "ERR_RATE_LIMITED") == 0)
            login(e, &last, DISTRICT, e->tok_c);
        causes[i].cause(e, r->close);
        covered++;
    }
    r = find_row(rows, n, "ERR_SHUTDOWN");
    assert_non_null(r);
    cause_shutdown(e, r->close, &last);
    covered++;
    /* Every row had its cause: a row added without one fails here. */
    assert_int_equal(covered, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_error_table, setup, teardown),
    };

    return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}

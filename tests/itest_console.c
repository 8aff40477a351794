/*
 * itest_console.c - `resettle console` against a real resettled, over raw
 * HTTP from C (so valgrind runs the console's own code, which the browser
 * tests in tests/console/ do not).
 *
 * Checks who may drive the console: without the secret, with a wrong one,
 * with a Host that is not the address served (a DNS-rebound name, or
 * "localhost"), with a foreign Origin, and a change without an Origin, each
 * is 403; the first URL sets an HttpOnly, SameSite=Strict cookie and
 * redirects without the secret; the page and the state are served with
 * the cookie; bodies over their caps are 413 before they are read; a file
 * is checked as submit checks it (the bad row named with its cell) and its
 * valid rows are sent; SIGTERM stops the console cleanly.
 *
 * Does not: look at the page in a browser (tests/console/ does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "itest_harness.h"

struct env {
    char dir[256];
    char db[512];
    char outbox[512];
    char out[512];
    char *token;
    struct it_server srv;
    pid_t console;
    uint16_t port;
    char secret[80];
    char cookie[128];
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    char *argv[24];
    int n = 0;

    it_tmpdir(e->dir, "itest_console");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    it_path(e->outbox, sizeof(e->outbox), e->dir, "outbox.db");
    it_path(e->out, sizeof(e->out), e->dir, "console.out");
    e->token = it_office_add(e->dir, e->db, "430602001", "金鹗山街道", "township");
    assert_non_null(e->token);
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
    argv[n++] = RS_CLIENT_BIN;
    argv[n++] = "--server";
    argv[n++] = e->srv.addr;
    argv[n++] = "--plaintext";
    argv[n++] = "--office";
    argv[n++] = "430602001";
    argv[n++] = "--token";
    argv[n++] = e->token;
    argv[n++] = "--outbox";
    argv[n++] = e->outbox;
    argv[n++] = "--timeout";
    argv[n++] = "10";
    argv[n++] = "console";
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n] = NULL;
    e->console = it_spawn(argv, e->out, e->out);
    for (int i = 0; i < (it_slow() ? 6000 : 1000) && !e->port; i++) {
        char *text = it_read_file(e->out), *p = strstr(text, "console: http://127.0.0.1:");
        unsigned port;

        if (p && strchr(p, '\n') &&
            sscanf(p, "console: http://127.0.0.1:%u/?k=%64[0-9a-f]", &port, e->secret) == 2) {
            e->port = (uint16_t)port;
            snprintf(e->cookie, sizeof(e->cookie), "rs_console=%s", e->secret);
        }
        free(text);
        if (!e->port)
            it_sleep_ms(10);
    }
    assert_true(e->port != 0);
    assert_int_equal(strlen(e->secret), 64);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    if (e->console > 0 && it_alive(e->console)) {
        kill(e->console, SIGTERM);
        it_wait(e->console, 30000);
    }
    it_server_stop(&e->srv);
    it_rmtree(e->dir);
    free(e->token);
    free(e);
    return 0;
}

/* SIGTERM: the console stops with 0 (under valgrind 99 for a leak, under TSan 66 for a race). */
static void stop_console(struct env *e)
{
    kill(e->console, SIGTERM);
    assert_int_equal(it_wait(e->console, it_slow() ? 120000 : 30000), 0);
    e->console = 0;
}

/*
 * Sends head (the request line and headers, without the blank line) and
 * body, reads the answer until the console closes; returns its status and
 * the whole answer in *resp (malloc'd).
 */
static int http(const struct env *e, const char *head, const char *body, size_t blen,
                char **resp)
{
    struct it_conn c;
    char addr[32], *buf = NULL, *req;
    size_t n = 0, cap = 0, hl;
    int status = -1;

    snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned)e->port);
    assert_int_equal(it_conn_open(&c, addr), 0);
    hl = strlen(head);
    req = malloc(hl + 64);
    assert_non_null(req);
    n = (size_t)snprintf(req, hl + 64, "%s\r\nConnection: close\r\n\r\n", head);
    assert_int_equal(it_conn_write(&c, req, n, 10000), 0);
    free(req);
    if (blen)
        (void)it_conn_write(&c, body, blen, 10000);
    n = 0;
    for (;;) {
        struct pollfd pfd = {.fd = c.fd, .events = POLLIN};
        ssize_t got;

        if (n + 4097 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        if (poll(&pfd, 1, it_slow() ? 60000 : 10000) <= 0)
            break;
        got = read(c.fd, buf + n, 4096);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    it_conn_close(&c);
    assert_non_null(buf);
    buf[n] = '\0';
    sscanf(buf, "HTTP/1.1 %d", &status);
    *resp = buf;
    return status;
}

/* A GET of path with these extra header lines ("" for none). */
static int get(const struct env *e, const char *path, const char *host, const char *extra,
               char **resp)
{
    char head[1024];

    snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: %s%s", path, host, extra);
    return http(e, head, NULL, 0, resp);
}

static void expect(const struct env *e, int want, const char *path, const char *host,
                   const char *extra)
{
    char *resp = NULL;

    assert_int_equal(get(e, path, host, extra, &resp), want);
    free(resp);
}

/* Everything without the secret, from another Host or Origin, is 403. */
static void test_guard(void **state)
{
    struct env *e = *state;
    char host[32], good[200], bad[300], *resp = NULL, path[128];

    snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)e->port);
    snprintf(good, sizeof(good), "\r\nCookie: %s", e->cookie);

    expect(e, 403, "/", host, "");
    expect(e, 403, "/api/state", host, "");
    expect(e, 403, "/?k=0123", host, "");
    expect(e, 403, "/api/state", host, "\r\nCookie: rs_console=0000");
    /* The right secret from another name: DNS rebinding, or a name that is not the address. */
    snprintf(bad, sizeof(bad), "%.150s", good);
    expect(e, 403, "/api/state", "evil.example", bad);
    {
        char other[64];

        snprintf(other, sizeof(other), "localhost:%u", (unsigned)e->port);
        expect(e, 403, "/api/state", other, good);
        snprintf(path, sizeof(path), "/?k=%s", e->secret);
        expect(e, 403, path, other, "");
    }
    /* A page elsewhere that sends the cookie along. */
    snprintf(bad, sizeof(bad), "%s\r\nOrigin: http://evil.example", good);
    expect(e, 403, "/api/state", host, bad);
    snprintf(bad, sizeof(bad), "%s\r\nOrigin: http://127.0.0.1:%u", good,
             (unsigned)(e->port == 65535 ? 1 : e->port + 1));
    expect(e, 403, "/api/state", host, bad);

    /* The first URL: a cookie only this origin gets, and the secret leaves the address. */
    snprintf(path, sizeof(path), "/?k=%s", e->secret);
    assert_int_equal(get(e, path, host, "", &resp), 303);
    assert_non_null(strstr(resp, "Set-Cookie: rs_console="));
    assert_non_null(strstr(resp, "HttpOnly"));
    assert_non_null(strstr(resp, "SameSite=Strict"));
    assert_non_null(strstr(resp, "Location: /\r\n"));
    free(resp);

    assert_int_equal(get(e, "/", host, good, &resp), 200);
    assert_non_null(strstr(resp, "库区移民数据报送控制台"));
    assert_non_null(strstr(resp, "Content-Security-Policy: default-src 'none'"));
    assert_non_null(strstr(resp, "Cache-Control: no-store"));
    free(resp);
    assert_int_equal(get(e, "/app.js", host, good, &resp), 200);
    assert_non_null(strstr(resp, "text/javascript"));
    free(resp);
    expect(e, 404, "/nothing.html", host, good);
    stop_console(e);
}

/* A change needs an Origin, and the right one. */
static void test_post_needs_origin(void **state)
{
    struct env *e = *state;
    char head[600], *resp = NULL;

    snprintf(head, sizeof(head),
             "POST /api/sync HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nCookie: %s\r\nContent-Length: 0",
             (unsigned)e->port, e->cookie);
    assert_int_equal(http(e, head, NULL, 0, &resp), 403);
    free(resp);
    snprintf(head, sizeof(head),
             "POST /api/sync HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nCookie: %s\r\nOrigin: "
             "http://evil.example\r\nContent-Length: 0",
             (unsigned)e->port, e->cookie);
    assert_int_equal(http(e, head, NULL, 0, &resp), 403);
    free(resp);
    snprintf(head, sizeof(head),
             "POST /api/sync HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nCookie: %s\r\nOrigin: "
             "http://127.0.0.1:%u\r\nContent-Length: 0",
             (unsigned)e->port, e->cookie, (unsigned)e->port);
    assert_int_equal(http(e, head, NULL, 0, &resp), 200);
    free(resp);
    /* Not a GET: the first URL does not let it in. */
    snprintf(head, sizeof(head),
             "POST /api/sync?k=%s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nOrigin: "
             "http://127.0.0.1:%u\r\nContent-Length: 0",
             e->secret, (unsigned)e->port, (unsigned)e->port);
    assert_int_equal(http(e, head, NULL, 0, &resp), 403);
    free(resp);
    stop_console(e);
}

/* Bodies over their caps are refused from the Content-Length, before they are read. */
static void test_body_caps(void **state)
{
    struct env *e = *state;
    char head[700], *resp = NULL;

    snprintf(head, sizeof(head),
             "POST /api/upload?name=big.csv HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nCookie: %s\r\n"
             "Origin: http://127.0.0.1:%u\r\nContent-Length: %u",
             (unsigned)e->port, e->cookie, (unsigned)e->port, (64u << 20) + 1);
    assert_int_equal(http(e, head, NULL, 0, &resp), 413);
    free(resp);
    snprintf(head, sizeof(head),
             "POST /api/review HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nCookie: %s\r\n"
             "Origin: http://127.0.0.1:%u\r\nContent-Length: %u",
             (unsigned)e->port, e->cookie, (unsigned)e->port, (64u << 10) + 1);
    assert_int_equal(http(e, head, NULL, 0, &resp), 413);
    free(resp);
    stop_console(e);
}

/* The sender signs in: the state says the role the server's Welcome gave. */
static void test_state(void **state)
{
    struct env *e = *state;
    char host[32], good[200], *resp = NULL;
    bool signed_in = false;

    snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)e->port);
    snprintf(good, sizeof(good), "\r\nCookie: %s", e->cookie);
    for (int i = 0; i < (it_slow() ? 600 : 100) && !signed_in; i++) {
        assert_int_equal(get(e, "/api/state", host, good, &resp), 200);
        signed_in = strstr(resp, "\"role\":\"township\"") != NULL;
        if (signed_in) {
            assert_non_null(strstr(resp, "\"office_name\":\"金鹗山街道\""));
            assert_non_null(strstr(resp, "\"pending\":0"));
        }
        free(resp);
        if (!signed_in)
            it_sleep_ms(50);
    }
    assert_true(signed_in);
    assert_int_equal(get(e, "/api/template?type=project&unit=wan", host, good, &resp), 200);
    assert_non_null(strstr(resp, "filename*=UTF-8''%E9%A1%B9%E7%9B%AE"));   /* 项目 */
    assert_non_null(strstr(resp, "\r\n\r\nPK"));
    free(resp);

    stop_console(e);
}

/* A CSV file through the upload: the bad row named with its cell, the valid one sent. */
static void test_upload(void **state)
{
    struct env *e = *state;
    static const char csv[] =
        "项目编号,项目名称,村(社区),项目类别,计划投资(万元),后扶资金(万元),完成投资(万元),"
        "已支付资金(万元),项目阶段,年度\n"
        "P-2023-001,金鹗村组道路硬化,金鹗村,道路硬化,158.93,158.93,100,90,在建,2023\n"
        "P-2023-002,洞庭村山塘清淤,洞庭村,pond,近600,40,12.5,10,building,2023\n";
    static const char other[] = "项目编号,项目名称,项目类别,乡镇代码,年度\n"
                                "P-2023-009,枫树岭村道路,道路硬化,430602002001,2023\n";
    char head[700], long_head[1400], host[32], good[200], *resp = NULL;
    bool stored = false;

    snprintf(head, sizeof(head),
             "POST /api/upload?name=2023-%%E9%%A1%%B9%%E7%%9B%%AE.csv HTTP/1.1\r\nHost: "
             "127.0.0.1:%u\r\nCookie: %s\r\nOrigin: http://127.0.0.1:%u\r\nContent-Length: %zu",
             (unsigned)e->port, e->cookie, (unsigned)e->port, strlen(csv));
    assert_int_equal(http(e, head, csv, strlen(csv), &resp), 200);
    assert_non_null(strstr(resp, "\"file\":\"2023-项目.csv\""));
    assert_non_null(strstr(resp, "\"queued\":true"));
    assert_non_null(strstr(resp, "\"added\":1"));
    assert_non_null(strstr(resp, "\"invalid\":1"));
    assert_non_null(strstr(resp, "\"row\":3,\"column\":\"计划投资(万元)\""));
    assert_non_null(strstr(resp, "\"bad_col\":4"));
    assert_non_null(strstr(resp, "\"近600\""));
    /* The clerk reads why in Chinese. */
    assert_non_null(strstr(resp, "\"reason\":\"不是确切的数字（不能写“约”“近”“余”“多”之类）\""));
    free(resp);

    snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)e->port);
    snprintf(good, sizeof(good), "\r\nCookie: %s", e->cookie);
    for (int i = 0; i < (it_slow() ? 600 : 100) && !stored; i++) {
        assert_int_equal(get(e, "/api/state", host, good, &resp), 200);
        stored = strstr(resp, "\"pending\":0,\"stored\":1") != NULL;
        free(resp);
        if (!stored)
            it_sleep_ms(50);
    }
    assert_true(stored);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 1);
    assert_int_equal(get(e, "/api/outbox?state=stored", host, good, &resp), 200);
    assert_non_null(strstr(resp, "\"source\":\"2023-项目.csv:2\""));
    free(resp);
    /* The review listing through rs_records (a township sees its own records). */
    assert_int_equal(get(e, "/api/records?year=2023&state=pending", host, good, &resp), 200);
    assert_non_null(strstr(resp, "\"total\":1"));
    assert_non_null(strstr(resp, "\"label\":\"P-2023-001\""));
    {
        char *id = strstr(resp, "\"id\":\""), path[128];

        assert_non_null(id);
        id += strlen("\"id\":\"");
        snprintf(path, sizeof(path), "/api/record?id=%.36s", id);
        free(resp);
        assert_int_equal(get(e, path, host, good, &resp), 200);
        assert_non_null(strstr(resp, "\"version\":1"));
        assert_non_null(strstr(resp, "金鹗村组道路硬化"));
        free(resp);
    }
    expect(e, 400, "/api/records?year=1999", host, good);

    /* A row the server refuses (another township's division): the outbox keeps the
     * server's Chinese text as its reason, which the page shows.  The file's name
     * is 70 Chinese characters, longer than the console keeps (199 bytes): it is
     * cut after the 66th character, never inside the 67th. */
    {
        char name[70 * 9 + 8], want[16 + 66 * 3 + 2], *n = name, *w = want;

        for (int i = 0; i < 70; i++)
            n += sprintf(n, "%%E9%%A1%%B9");
        strcpy(n, ".csv");
        w += sprintf(w, "\"file\":\"");
        for (int i = 0; i < 66; i++)
            w += sprintf(w, "项");
        strcpy(w, "\"");
        snprintf(long_head, sizeof(long_head),
                 "POST /api/upload?name=%s HTTP/1.1\r\nHost: "
                 "127.0.0.1:%u\r\nCookie: %s\r\nOrigin: http://127.0.0.1:%u\r\n"
                 "Content-Length: %zu",
                 name, (unsigned)e->port, e->cookie, (unsigned)e->port, strlen(other));
        assert_int_equal(http(e, long_head, other, strlen(other), &resp), 200);
        assert_non_null(strstr(resp, "\"added\":1"));
        if (!strstr(resp, want))
            fail_msg("a long file name is not cut on a character boundary: %.400s", resp);
        free(resp);
    }
    stored = false;
    for (int i = 0; i < (it_slow() ? 600 : 100) && !stored; i++) {
        assert_int_equal(get(e, "/api/state", host, good, &resp), 200);
        stored = strstr(resp, "\"rejected\":1") != NULL;
        free(resp);
        if (!stored)
            it_sleep_ms(50);
    }
    assert_true(stored);
    assert_int_equal(get(e, "/api/outbox?state=rejected", host, good, &resp), 200);
    assert_non_null(strstr(resp, "\"field\":\"division_code\""));
    assert_non_null(strstr(resp, "\"reason\":\"区划代码 430602002001 不是本单位的区划 430602001\""));
    free(resp);
    stop_console(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_needs_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload, setup, teardown),
    };

    return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}

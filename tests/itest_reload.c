/*
 * itest_reload.c - SIGHUP on the real resettled: a renewed certificate and
 * a changed framework folder are taken without dropping a connection, and
 * a reload that fails keeps what was loaded.
 *
 * Certificates are made at test time with deploy/make-certs.sh (run again
 * = renewal: the same CA, a new key and certificate).  The presets are a
 * copy of server/frameworks/ in the test's folder.
 *
 * Covers: after a renewal and SIGHUP, a new TLS connection sees the new
 * certificate while one opened before still submits and is answered; a key
 * that does not match its certificate on reload keeps the old certificate
 * (and says why in the log); a preset added to the folder is offered after
 * SIGHUP, a folder with a broken file keeps the presets loaded before;
 * RELOADING=1 and READY=1 go to the service manager.
 *
 * Does not: test TLS itself (itest_tls.c) or the report's content.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/un.h>

#include "itest_harness.h"

#define TOWN "430602001"
#define DISTRICT "430602"
#define T_REPLY 15000

struct env {
    char dir[256];
    char db[512];
    char pki[512], other[512], fw[512];
    char ca[600], cert[600], key[600], sock[600];
    char *tok, *tok_c;
    int notify_fd;
    uint64_t rid;
    struct it_server srv;
};

struct tls_conn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    struct rs_frame_rx rx;
    char fingerprint[72];
};

/* ------------------------------------------------------------ setup */

static int sh(const char *cmd)
{
    return system(cmd) == 0 ? 0 : -1;
}

static int make_certs(const char *dir)
{
    char cmd[1400];

    snprintf(cmd, sizeof(cmd), "bash '%s/deploy/make-certs.sh' '%s' 127.0.0.1 >/dev/null 2>&1",
             RS_SOURCE_DIR, dir);
    return sh(cmd);
}

static int dgram_bind(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *extra[7];
    char cmd[1400];

    if (!e)
        return -1;
    it_tmpdir(e->dir, "reload");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    it_path(e->pki, sizeof(e->pki), e->dir, "pki");
    it_path(e->other, sizeof(e->other), e->dir, "other");
    it_path(e->fw, sizeof(e->fw), e->dir, "frameworks");
    it_path(e->sock, sizeof(e->sock), e->dir, "notify.sock");
    snprintf(e->ca, sizeof(e->ca), "%s/ca.crt", e->pki);
    snprintf(e->cert, sizeof(e->cert), "%s/server.crt", e->pki);
    snprintf(e->key, sizeof(e->key), "%s/server.key", e->pki);
    snprintf(cmd, sizeof(cmd), "mkdir '%s' && cp '%s'/server/frameworks/* '%s'/", e->fw,
             RS_SOURCE_DIR, e->fw);
    if (make_certs(e->pki) || make_certs(e->other) || sh(cmd))
        return -1;
    e->tok = it_office_add(e->dir, e->db, TOWN, "金鹗山街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    e->notify_fd = dgram_bind(e->sock);
    if (!e->tok || !e->tok_c || e->notify_fd < 0)
        return -1;
    extra[0] = "--tls-cert";
    extra[1] = e->cert;
    extra[2] = "--tls-key";
    extra[3] = e->key;
    extra[4] = "--frameworks";
    extra[5] = e->fw;
    extra[6] = NULL;
    setenv("NOTIFY_SOCKET", e->sock, 1);
    if (it_server_start_args(&e->srv, e->dir, e->db, extra) != 0)
        return -1;
    unsetenv("NOTIFY_SOCKET");
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    if (it_alive(e->srv.pid))
        it_server_kill(&e->srv);
    close(e->notify_fd);
    it_rmtree(e->dir);
    free(e->tok);
    free(e->tok_c);
    free(e);
    return 0;
}

/* ------------------------------------------------------------ a TLS client */

static int tls_open(struct tls_conn *t, const struct env *e)
{
    const char *colon = strrchr(e->srv.addr, ':');
    struct sockaddr_in sa;
    struct timeval tv = {T_REPLY / 1000, 0};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509 *peer;

    memset(t, 0, sizeof(*t));
    rs_frame_rx_init(&t->rx, IT_REPLY_MAX);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10));
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    t->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        return -1;
    setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (!t->ctx || SSL_CTX_load_verify_locations(t->ctx, e->ca, NULL) != 1)
        return -1;
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    t->ssl = SSL_new(t->ctx);
    if (!t->ssl || SSL_set_fd(t->ssl, t->fd) != 1 ||
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), "127.0.0.1") != 1 ||
        SSL_connect(t->ssl) != 1)
        return -1;
    peer = SSL_get1_peer_certificate(t->ssl);
    if (!peer || !X509_digest(peer, EVP_sha256(), md, &n) || n != 32)
        return -1;
    X509_free(peer);
    memcpy(t->fingerprint, "sha256:", 7);
    for (unsigned int i = 0; i < n; i++)
        snprintf(t->fingerprint + 7 + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static void tls_close(struct tls_conn *t)
{
    SSL_free(t->ssl);
    SSL_CTX_free(t->ctx);
    if (t->fd >= 0)
        close(t->fd);
    rs_frame_rx_free(&t->rx);
}

static void tls_send(struct tls_conn *t, const Rs__Envelope *env)
{
    uint8_t *buf = NULL;
    size_t len = 0, w = 0;

    assert_int_equal(rs_wire_pack(env, 64u << 20, 0, &buf, &len), RS_OK);
    assert_int_equal(SSL_write_ex(t->ssl, buf, len, &w), 1);
    assert_int_equal(w, len);
    free(buf);
}

static Rs__Envelope *tls_recv(struct tls_conn *t)
{
    for (;;) {
        const uint8_t *p;
        uint8_t *dst;
        size_t len, room, got = 0;
        rs_status rc = rs_frame_rx_next(&t->rx, &p, &len);

        if (rc == RS_OK) {
            Rs__Envelope *env = rs__envelope__unpack(NULL, len, p);

            rs_frame_rx_consume(&t->rx);
            assert_non_null(env);
            return env;
        }
        assert_int_equal(rc, RS_EAGAIN);
        assert_int_equal(rs_frame_rx_reserve(&t->rx, RS_FRAME_CHUNK, &dst, &room), RS_OK);
        if (SSL_read_ex(t->ssl, dst, room, &got) != 1)
            fail_msg("TLS read failed (%d)", SSL_get_error(t->ssl, 0));
        rs_frame_rx_commit(&t->rx, got);
    }
}

static void tls_hello(struct tls_conn *t, const char *office, const char *token)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *r;
    Rs__Hello h = RS__HELLO__INIT;

    h.has_protocol_version = 1;
    h.protocol_version = RS_PROTOCOL_VERSION;
    h.office_code = (char *)office;
    h.token = (char *)token;
    h.client_version = "itest";
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    tls_send(t, &env);
    r = tls_recv(t);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_WELCOME);
    rs__envelope__free_unpacked(r, NULL);
}

/* Submits one relief record on t and expects it stored. */
static void tls_submit_one(struct env *e, struct tls_conn *t, const char *hh)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *r;
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    Rs__Record rec, *ptr = &rec;
    Rs__Relief rel;
    ProtobufCBinaryData bd;
    char id[RS_UUID_LEN + 1], bid[RS_UUID_LEN + 1];

    it_relief_record(&rec, &rel, id, TOWN, hh);
    assert_int_equal(rs_uuid_random(bid), RS_OK);
    /* As this build's protocol version sends a record: the bytes its client packed. */
    it_record_bytes(&ptr, 1, &bd);
    sb.batch_id = bid;
    sb.n_record_bytes = 1;
    sb.record_bytes = &bd;
    env.has_request_id = 1;
    env.request_id = ++e->rid;
    env.msg_case = RS__ENVELOPE__MSG_SUBMIT;
    env.submit = &sb;
    tls_send(t, &env);
    it_record_bytes_free(&bd, 1);
    r = tls_recv(t);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(r->ack->n_acks, 1);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(r, NULL);
}

/* Asks for the 2023 report with framework; returns the reply (caller frees). */
static Rs__Envelope *tls_report(struct env *e, struct tls_conn *t, const char *framework)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;

    rq.has_year = 1;
    rq.year = 2023;
    rq.has_format = 1;
    rq.format = RS__REPORT_FORMAT__FMT_JSON;
    rq.framework = (char *)framework;
    env.has_request_id = 1;
    env.request_id = ++e->rid;
    env.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
    env.report_request = &rq;
    tls_send(t, &env);
    return tls_recv(t);
}

/* Closes 2023 with framework; returns the reply (caller frees). */
static Rs__Envelope *tls_year_close(struct env *e, struct tls_conn *t, const char *framework)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__YearRequest rq = RS__YEAR_REQUEST__INIT;

    rq.has_action = 1;
    rq.action = RS__YEAR_ACTION__YA_CLOSE;
    rq.has_year = 1;
    rq.year = 2023;
    rq.framework = (char *)framework;
    env.has_request_id = 1;
    env.request_id = ++e->rid;
    env.msg_case = RS__ENVELOPE__MSG_YEAR_REQUEST;
    env.year_request = &rq;
    tls_send(t, &env);
    return tls_recv(t);
}

/* ------------------------------------------------------------ helpers */

/* Waits until the server's log holds needle (at most 20 s); returns the log (caller frees). */
static char *wait_log(const struct env *e, const char *needle)
{
    for (int i = 0; i < 2000; i++) {
        char *log = it_read_file(e->srv.log);

        if (strstr(log, needle))
            return log;
        free(log);
        it_sleep_ms(10);
    }
    fail_msg("the server never logged \"%s\"", needle);
    return NULL;
}

/* The number of times needle occurs in the server's log. */
static int log_count(const struct env *e, const char *needle)
{
    char *log = it_read_file(e->srv.log), *p = log;
    int n = 0;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    free(log);
    return n;
}

/* SIGHUP, then waits for the (n+1)-th line that says how the reload went. */
static char *reload(struct env *e, const char *needle)
{
    int before = log_count(e, needle);

    assert_int_equal(kill(e->srv.pid, SIGHUP), 0);
    for (int i = 0; i < 2000 && log_count(e, needle) <= before; i++)
        it_sleep_ms(10);
    return wait_log(e, needle);
}

/* ------------------------------------------------------------ tests */

static void test_renewed_certificate(void **state)
{
    struct env *e = *state;
    struct tls_conn old, fresh;
    char first[72], want[200], *log;

    assert_int_equal(tls_open(&old, e), 0);
    tls_hello(&old, TOWN, e->tok);
    snprintf(first, sizeof(first), "%s", old.fingerprint);
    /* Renewal: the same CA, a new key and certificate. */
    assert_int_equal(make_certs(e->pki), 0);
    log = reload(e, "reload: TLS certificate ");
    free(log);
    assert_int_equal(tls_open(&fresh, e), 0);
    assert_string_not_equal(fresh.fingerprint, first);
    snprintf(want, sizeof(want), "tls certificate %s\n", fresh.fingerprint);
    {
        char *out = it_read_file(e->srv.out);

        assert_non_null(strstr(out, want));
        free(out);
    }
    tls_hello(&fresh, TOWN, e->tok);
    tls_submit_one(e, &fresh, "RL-NEW-1");
    /* The connection made before the reload goes on, on the old certificate. */
    tls_submit_one(e, &old, "RL-OLD-1");
    assert_string_equal(old.fingerprint, first);
    tls_close(&old);
    tls_close(&fresh);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 2);
    assert_int_equal(it_server_stop(&e->srv), 0);
}

static void test_bad_certificate_keeps_the_old_one(void **state)
{
    struct env *e = *state;
    struct tls_conn before, after;
    char other_key[600], cmd[1400], want[1400], *log;

    assert_int_equal(tls_open(&before, e), 0);
    /* A key that is not the certificate's. */
    snprintf(other_key, sizeof(other_key), "%s/server.key", e->other);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", other_key, e->key);
    assert_int_equal(sh(cmd), 0);
    log = reload(e, "keeping the certificate loaded before");
    snprintf(want, sizeof(want), "reload: TLS key %s does not belong to the certificate %s",
             e->key, e->cert);
    assert_non_null(strstr(log, want));
    snprintf(want, sizeof(want), "keeping the certificate loaded before (%s)",
             before.fingerprint);
    assert_non_null(strstr(log, want));
    free(log);
    /* An unreadable certificate: the same. */
    assert_int_equal(unlink(e->cert), 0);
    log = reload(e, "keeping the certificate loaded before");
    free(log);
    assert_int_equal(log_count(e, "keeping the certificate loaded before"), 2);
    assert_int_equal(tls_open(&after, e), 0);
    assert_string_equal(after.fingerprint, before.fingerprint);
    tls_hello(&after, TOWN, e->tok);
    tls_submit_one(e, &after, "RL-KEEP-1");
    tls_close(&before);
    tls_close(&after);
    assert_int_equal(it_server_stop(&e->srv), 0);
}

static void test_framework_folder_reload(void **state)
{
    struct env *e = *state;
    struct tls_conn t;
    Rs__Envelope *r;
    char cmd[1400], path[700], got[4096] = "", *log;

    assert_int_equal(tls_open(&t, e), 0);
    tls_hello(&t, DISTRICT, e->tok_c);
    r = tls_report(e, &t, "extra");
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ERROR);
    assert_int_equal(r->error->code, RS__ERROR_CODE__ERR_INVALID);
    assert_string_equal(r->error->message, "no framework preset \"extra\" on this server "
                                           "(it has: hunan-dept, mof-project, unit-2023)");
    rs__envelope__free_unpacked(r, NULL);
    /* Drain what start-up told the service manager. */
    for (struct pollfd p = {.fd = e->notify_fd, .events = POLLIN}; poll(&p, 1, 0) > 0;)
        if (recv(e->notify_fd, got, sizeof(got) - 1, 0) <= 0)
            break;

    /* A preset added to the folder is offered after SIGHUP. */
    snprintf(cmd, sizeof(cmd), "cp '%s/mof-project.csv' '%s/extra.csv'", e->fw, e->fw);
    assert_int_equal(sh(cmd), 0);
    log = reload(e, "reload: 4 framework presets");
    assert_non_null(strstr(log, "(extra, hunan-dept, mof-project, unit-2023)"));
    free(log);
    r = tls_report(e, &t, "extra");
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_REPORT);
    assert_string_equal(r->report->framework_name, "extra");
    rs__envelope__free_unpacked(r, NULL);
    {
        ssize_t n = recv(e->notify_fd, got, sizeof(got) - 1, 0);

        assert_true(n > 0);
        got[n] = '\0';
        assert_string_equal(got, "RELOADING=1");
        n = recv(e->notify_fd, got, sizeof(got) - 1, 0);
        assert_true(n > 0);
        got[n] = '\0';
        assert_string_equal(got, "READY=1\nSTATUS=reloaded");
    }

    /* A broken file: the presets loaded before stay. */
    it_path(path, sizeof(path), e->fw, "broken.csv");
    it_write_file(path, "this,is,not\na framework\n");
    log = reload(e, "keeping the presets loaded before");
    assert_non_null(strstr(log, "broken.csv:"));
    assert_non_null(strstr(log, "keeping the presets loaded before (extra, hunan-dept, "
                                "mof-project, unit-2023)"));
    free(log);
    r = tls_report(e, &t, "extra");
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_REPORT);
    rs__envelope__free_unpacked(r, NULL);
    r = tls_report(e, &t, "broken");
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ERROR);
    rs__envelope__free_unpacked(r, NULL);
    /* Closing the year takes its framework from the same set. */
    r = tls_year_close(e, &t, "broken");
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ERROR);
    assert_string_equal(r->error->message, "no framework preset \"broken\" on this server "
                                           "(it has: extra, hunan-dept, mof-project, unit-2023)");
    rs__envelope__free_unpacked(r, NULL);
    r = tls_year_close(e, &t, "extra");
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_YEAR);
    assert_true(r->year->closed);
    assert_int_equal(r->year->n_issues, 1);
    assert_string_equal(r->year->issues[0]->framework_name, "extra");
    rs__envelope__free_unpacked(r, NULL);
    tls_close(&t);
    assert_int_equal(it_server_stop(&e->srv), 0);
}

/* A folder without the default preset stops start-up. */
static void test_start_needs_the_default_preset(void **state)
{
    struct env *e = *state;
    char path[700], out[600], err[600], want[900], *text;
    char *argv[] = {RS_SERVER_BIN, "serve", "--db", e->db, "--plaintext", "--listen",
                    "127.0.0.1:0", "--frameworks", e->fw, NULL};

    assert_int_equal(it_server_stop(&e->srv), 0);
    it_path(path, sizeof(path), e->fw, "unit-2023.csv");
    assert_int_equal(unlink(path), 0);
    it_path(out, sizeof(out), e->dir, "nodefault.out");
    it_path(err, sizeof(err), e->dir, "nodefault.err");
    assert_int_equal(it_run(argv, out, err), 1);
    text = it_read_file(err);
    snprintf(want, sizeof(want), "resettled: framework folder %s has no unit-2023.csv (the "
                                 "default preset)\n", e->fw);
    assert_non_null(strstr(text, want));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_renewed_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_certificate_keeps_the_old_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_framework_folder_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_needs_the_default_preset, setup, teardown),
    };

    return cmocka_run_group_tests_name("reload", tests, NULL, NULL);
}

/*
 * itest_handshake.c - bad handshakes against the real resettled on
 * 127.0.0.1.
 *
 * Unsupported or missing protocol versions, a Hello without token or
 * office, overlong ones, wrong tokens, another office's token, unknown
 * offices, an office code that would forge a log line; and the handshakes
 * that must succeed: a Hello with a newer client's extra field, a Hello
 * written one byte at a time.  Then, on a server of its own, failed
 * handshakes rate limited per address.
 *
 * Does not: test roles and scope after the Welcome (itest_access.c) or
 * TLS (itest_tls.c).
 *
 * The catalogue's server, its two well-behaved clients and the helpers are
 * itest_catalogue.h's.
 */
#define CATALOGUE_NAME "handshake"
#include "itest_catalogue.h"

/* ------------------------------------------------------------ handshake */

static void send_hello(struct it_conn *c, bool has_version, uint32_t version, const char *office,
                       const char *token)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Hello h = RS__HELLO__INIT;

    h.has_protocol_version = has_version;
    h.protocol_version = version;
    h.office_code = (char *)office;
    h.token = (char *)token;
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    assert_int_equal(it_conn_send(c, &env, T_REPLY), 0);
}

static void hello_refused(struct env *e, bool has_version, uint32_t version, const char *office,
                          const char *token, Rs__ErrorCode code, const char *message)
{
    struct it_conn c;

    raw_open(e, &c);
    send_hello(&c, has_version, version, office, token);
    expect_error(&c, NULL, code, message, true);
    it_conn_close(&c);
}

/* A newer client than the server: the server must be upgraded. */
static void test_protocol_version_3(void **state)
{
    struct env *e = *state;

    hello_refused(e, true, 3, TOWN_A, e->tok_a, RS__ERROR_CODE__ERR_VERSION,
                  "protocol version 3 is newer than this server's (1 to 2): upgrade resettled "
                  "on the server");
}

/* No version, or 0: the client must be upgraded. */
static void test_protocol_version_missing(void **state)
{
    struct env *e = *state;

    hello_refused(e, false, 0, TOWN_A, e->tok_a, RS__ERROR_CODE__ERR_VERSION,
                  "no protocol version this server speaks (1 to 2): upgrade the client "
                  "(resettle)");
    hello_refused(e, true, 0, TOWN_A, e->tok_a, RS__ERROR_CODE__ERR_VERSION,
                  "no protocol version this server speaks (1 to 2): upgrade the client "
                  "(resettle)");
}

/* Both versions the server speaks are welcomed as themselves. */
static void test_protocol_versions_welcomed(void **state)
{
    struct env *e = *state;

    for (uint32_t v = RS_PROTOCOL_VERSION_MIN; v <= RS_PROTOCOL_VERSION; v++) {
        struct it_conn c;
        Rs__Envelope *r = NULL;

        raw_open(e, &c);
        assert_int_equal(it_conn_hello_version(&c, v, TOWN_A, e->tok_a, &r, T_REPLY), 0);
        assert_int_equal(r->welcome->has_protocol_version, 1);
        assert_int_equal(r->welcome->protocol_version, v);
        rs__envelope__free_unpacked(r, NULL);
        it_conn_close(&c);
    }
}

static void test_hello_without_token(void **state)
{
    hello_refused(*state, true, 1, TOWN_A, NULL, RS__ERROR_CODE__ERR_AUTH,
                  "office code and token required");
}

static void test_hello_without_office(void **state)
{
    struct env *e = *state;

    hello_refused(e, true, 1, NULL, e->tok_a, RS__ERROR_CODE__ERR_AUTH,
                  "office code and token required");
}

static void test_hello_overlong_office(void **state)
{
    struct env *e = *state;

    hello_refused(e, true, 1, "4306020010011", e->tok_a, RS__ERROR_CODE__ERR_AUTH,
                  "office code and token required");
}

static void test_hello_overlong_token(void **state)
{
    char tok[130];

    memset(tok, 'a', 129);
    tok[129] = '\0';
    hello_refused(*state, true, 1, TOWN_A, tok, RS__ERROR_CODE__ERR_AUTH,
                  "office code and token required");
}

/* client_version is capped too, so the largest valid Hello is bounded. */
static void test_hello_overlong_client_version(void **state)
{
    struct env *e = *state;
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Hello h = RS__HELLO__INIT;
    char version[RS_HELLO_CLIENT_VERSION_MAX + 2];
    struct it_conn c;

    memset(version, 'v', sizeof(version) - 1);
    version[sizeof(version) - 1] = '\0';
    h.has_protocol_version = true;
    h.protocol_version = 1;
    h.office_code = TOWN_A;
    h.token = e->tok_a;
    h.client_version = version;
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    raw_open(e, &c);
    assert_int_equal(it_conn_send(&c, &env, T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_AUTH, "client_version longer than 256 bytes", true);
    it_conn_close(&c);
    /* At the cap it signs in. */
    version[RS_HELLO_CLIENT_VERSION_MAX] = '\0';
    raw_open(e, &c);
    assert_int_equal(it_conn_send(&c, &env, T_REPLY), 0);
    {
        Rs__Envelope *r = recv_env(&c);

        assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_WELCOME);
        rs__envelope__free_unpacked(r, NULL);
    }
    it_conn_close(&c);
}

static void test_wrong_token(void **state)
{
    hello_refused(*state, true, 1, TOWN_A,
                  "0000000000000000000000000000000000000000000000000000000000000000",
                  RS__ERROR_CODE__ERR_AUTH, "unknown office, wrong token or revoked office");
}

static void test_token_of_another_office(void **state)
{
    struct env *e = *state;

    hello_refused(e, true, 1, TOWN_A, e->tok_b, RS__ERROR_CODE__ERR_AUTH,
                  "unknown office, wrong token or revoked office");
}

static void test_unknown_office(void **state)
{
    struct env *e = *state;

    hello_refused(e, true, 1, "430602099", e->tok_a, RS__ERROR_CODE__ERR_AUTH,
                  "unknown office, wrong token or revoked office");
}

/*
 * An office code is the client's to choose and the server logs it; a
 * newline in it must not start a forged log line.
 */
static void test_office_code_cannot_forge_log_lines(void **state)
{
    struct env *e = *state;
    char *log;

    hello_refused(e, true, 1, "1\nFORGED-LOG", e->tok_a, RS__ERROR_CODE__ERR_AUTH,
                  "unknown office, wrong token or revoked office");
    log = it_read_file(e->srv.log);
    assert_non_null(strstr(log, "handshake refused for office"));
    assert_null(strstr(log, "\nFORGED-LOG"));
    free(log);
}

/* A newer client's extra Hello field is ignored: the handshake succeeds. */
static void test_hello_with_unknown_field(void **state)
{
    struct env *e = *state;
    struct pb h = {0}, env = {0};
    struct it_conn c;
    Rs__Envelope *r;

    pb_key(&h, 1, 0);
    pb_varint(&h, RS_PROTOCOL_VERSION);
    pb_str(&h, 2, TOWN_A);
    pb_str(&h, 3, e->tok_a);
    pb_key(&h, 99, 0);
    pb_varint(&h, 7);
    pb_bytes(&env, 2, h.p, h.n);
    raw_open(e, &c);
    send_pb(&c, &env);
    r = recv_env(&c);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_WELCOME);
    assert_string_equal(r->welcome->office_code, TOWN_A);
    assert_int_equal(r->welcome->role, RS__ROLE__ROLE_TOWNSHIP);
    assert_int_equal(r->welcome->max_frame_bytes, CAP);
    assert_int_equal(r->welcome->max_batch_records, 1000);
    assert_int_equal(r->welcome->max_in_flight, 4);
    rs__envelope__free_unpacked(r, NULL);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
    pb_free(&h);
    pb_free(&env);
}

/* A valid Hello written one byte per write: reassembled, answered Welcome. */
static void test_hello_one_byte_at_a_time(void **state)
{
    struct env *e = *state;
    Rs__Envelope env = RS__ENVELOPE__INIT, *r;
    Rs__Hello h = RS__HELLO__INIT;
    struct it_conn c;
    uint8_t *bytes;
    size_t len;

    h.has_protocol_version = 1;
    h.protocol_version = RS_PROTOCOL_VERSION;
    h.office_code = TOWN_A;
    h.token = e->tok_a;
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    assert_int_equal(rs_wire_pack(&env, CAP, 0, &bytes, &len), RS_OK);
    raw_open(e, &c);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(it_conn_write(&c, bytes + i, 1, T_REPLY), 0);
        it_sleep_ms(2);
    }
    free(bytes);
    r = recv_env(&c);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_WELCOME);
    rs__envelope__free_unpacked(r, NULL);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
}

/* ------------------------------------------------------------ failed handshakes */

static int rl_setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *extra[] = {"--auth-fail-limit", "5", "--auth-fail-window", "3", NULL};

    if (!e)
        return -1;
    it_tmpdir(e->dir, "ratelimit");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    if (!e->tok_a)
        return -1;
    if (it_server_start_args(&e->srv, e->dir, e->db, extra) != 0) {
        if (e->srv.pid > 0 && it_alive(e->srv.pid))
            it_server_kill(&e->srv);
        return -1;
    }
    *state = e;
    return 0;
}

static int rl_teardown(void **state)
{
    struct env *e = *state;
    int st = it_server_stop_logged(&e->srv);

    if (it_rmtree(e->dir) != 0)
        st = -1;
    free(e->tok_a);
    free(e);
    return st == 0 ? 0 : -1;
}

/*
 * Five wrong tokens from one address within the window (the default limit
 * of 5, a window of 3 s instead of 60): the sixth Hello, even with the
 * right token, gets ERR_RATE_LIMITED and is closed; a connection signed in
 * before keeps being served; once the window has passed the right token
 * signs in again.
 */
static void test_failed_handshakes_rate_limited(void **state)
{
    struct env *e = *state;
    struct it_conn good, c;
    Rs__Envelope *r;
    long t0 = it_now_ms();
    const char *prefix = "too many failed handshakes from this address; try again in ";

    login(e, &good, TOWN_A, e->tok_a);
    for (int i = 0; i < 5; i++)
        hello_refused(e, true, 1, TOWN_A,
                      "1111111111111111111111111111111111111111111111111111111111111111",
                      RS__ERROR_CODE__ERR_AUTH, "unknown office, wrong token or revoked office");
    raw_open(e, &c);
    send_hello(&c, true, 1, TOWN_A, e->tok_a);
    r = recv_env(&c);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ERROR);
    assert_int_equal(r->error->code, RS__ERROR_CODE__ERR_RATE_LIMITED);
    assert_int_equal(r->error->close, 1);
    assert_non_null(r->error->message);
    assert_memory_equal(r->error->message, prefix, strlen(prefix));
    rs__envelope__free_unpacked(r, NULL);
    assert_int_equal(it_conn_wait_eof(&c, T_REPLY), 0);
    it_conn_close(&c);
    assert_true(it_now_ms() - t0 < 3000 || it_slow());
    still_usable(e, &good, TOWN_A);
    while (it_now_ms() - t0 < 3500)
        it_sleep_ms(50);
    login(e, &c, TOWN_A, e->tok_a);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
    it_conn_close(&good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CATALOGUE_CASE(test_protocol_version_3),
        CATALOGUE_CASE(test_protocol_version_missing),
        CATALOGUE_CASE(test_protocol_versions_welcomed),
        CATALOGUE_CASE(test_hello_without_token),
        CATALOGUE_CASE(test_hello_without_office),
        CATALOGUE_CASE(test_hello_overlong_office),
        CATALOGUE_CASE(test_hello_overlong_token),
        CATALOGUE_CASE(test_hello_overlong_client_version),
        CATALOGUE_CASE(test_wrong_token),
        CATALOGUE_CASE(test_token_of_another_office),
        CATALOGUE_CASE(test_unknown_office),
        CATALOGUE_CASE(test_office_code_cannot_forge_log_lines),
        CATALOGUE_CASE(test_hello_with_unknown_field),
        CATALOGUE_CASE(test_hello_one_byte_at_a_time),
        CATALOGUE_END,
        cmocka_unit_test_setup_teardown(test_failed_handshakes_rate_limited, rl_setup,
                                        rl_teardown),
    };

    return cmocka_run_group_tests_name("handshake", tests, NULL, NULL);
}

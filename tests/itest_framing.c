/*
 * itest_framing.c - broken framing, broken protobuf and messages out of
 * order, against the real resettled on 127.0.0.1.
 *
 * Framing: empty frames, length prefixes over the cap (before sign-in the
 * cap is what a Hello needs; after the handshake the full cap), a whole
 * oversized frame written at once, over-long, overflowing and truncated
 * varints (an over-long prefix is too big, not malformed), a stream that
 * ends inside a frame.  Protobuf: bytes that do not
 * parse, field number zero, a length past the frame, an envelope without a
 * message, a Hello whose string field is a varint.  Order: requests before
 * the Hello, and after the Welcome a second Hello and the server's own
 * messages sent back.  Each is answered with the documented Error (or a
 * plain close when the stream ends), and the server keeps serving.
 *
 * Does not: check requests that parse (itest_requests.c) or the
 * handshake's answers (itest_handshake.c).
 *
 * The catalogue's server, its two well-behaved clients and the helpers are
 * itest_catalogue.h's.
 */
#define CATALOGUE_NAME "framing"
#include "itest_catalogue.h"

/* ------------------------------------------------------------ framing */

static void test_zero_length_frame(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    const uint8_t z = 0;

    raw_open(e, &c);
    assert_int_equal(it_conn_write(&c, &z, 1, T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
}

#define PRE_SIGN_IN "frame over the size cap before sign-in (4096 bytes)"

/* Before sign-in the cap is what a Hello needs (RS_HELLO_FRAME_MAX). */
static void oversize_prefix(struct env *e, uint64_t len)
{
    struct it_conn c;
    uint8_t pre[RS_VARINT_MAX];

    raw_open(e, &c);
    assert_int_equal(it_conn_write(&c, pre, rs_varint_encode(len, pre), T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_TOO_BIG, PRE_SIGN_IN, true);
    it_conn_close(&c);
}

static void test_prefix_cap_plus_one(void **state)
{
    oversize_prefix(*state, (uint64_t)CAP + 1);
}

/* Just under the old cap of 1 MiB before sign-in: refused from the prefix alone. */
static void test_prefix_under_frame_cap_before_hello(void **state)
{
    oversize_prefix(*state, (uint64_t)CAP - 2);
}

static void test_prefix_hello_cap_plus_one(void **state)
{
    oversize_prefix(*state, RS_HELLO_FRAME_MAX + 1);
}

/* A frame of exactly the pre-sign-in cap is read (and is not a Hello). */
static void test_frame_at_hello_cap(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    uint8_t *junk = malloc(RS_HELLO_FRAME_MAX);

    assert_non_null(junk);
    memset(junk, 0xff, RS_HELLO_FRAME_MAX);
    raw_open(e, &c);
    assert_int_equal(it_conn_write_frame(&c, RS_HELLO_FRAME_MAX, junk, RS_HELLO_FRAME_MAX,
                                         T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
    free(junk);
}

/* Three bytes of a prefix that can only end above the cap: refused without the rest. */
static void test_incomplete_prefix_already_too_big(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    const uint8_t v[3] = {0xff, 0xff, 0xff};

    raw_open(e, &c);
    assert_int_equal(it_conn_write(&c, v, sizeof(v), T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_TOO_BIG, PRE_SIGN_IN, true);
    it_conn_close(&c);
}

static void test_prefix_4gib(void **state)
{
    oversize_prefix(*state, UINT64_C(1) << 32);
}

static void test_prefix_u64_max(void **state)
{
    oversize_prefix(*state, UINT64_MAX);
}

/* Signed in first: the cap applies after the handshake as well. */
static void test_prefix_over_cap_after_welcome(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    uint8_t pre[RS_VARINT_MAX];

    login(e, &c, TOWN_A, e->tok_a);
    assert_int_equal(it_conn_write(&c, pre, rs_varint_encode((uint64_t)CAP + 1, pre), T_REPLY),
                     0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_TOO_BIG, "frame over the size cap", true);
    it_conn_close(&c);
}

/* Signed in, a frame over the pre-sign-in cap but under the frame cap is read. */
static void test_big_frame_after_welcome(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    size_t n = 64 * 1024;
    uint8_t *junk = malloc(n);

    assert_non_null(junk);
    memset(junk, 0xff, n);
    login(e, &c, TOWN_A, e->tok_a);
    assert_int_equal(it_conn_write_frame(&c, n, junk, n, T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
    free(junk);
}

/* A whole 2 MiB frame written at once: the refusal still reaches the client. */
static void test_oversize_frame_with_body(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    size_t n = 2 * CAP;
    uint8_t *body = malloc(n);

    assert_non_null(body);
    memset(body, 0x42, n);
    raw_open(e, &c);
    /* The server stops reading after the prefix, so not all of it may go out. */
    {
        int rc = it_conn_write_frame(&c, n, body, n, 2000);

        assert_true(rc == 0 || rc == IT_TIMEOUT || rc == IT_ERR);
    }
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_TOO_BIG, PRE_SIGN_IN, true);
    it_conn_close(&c);
    free(body);
}

static void test_varint_11_bytes(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    const uint8_t v[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};

    raw_open(e, &c);
    assert_int_equal(it_conn_write(&c, v, sizeof(v), T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_TOO_BIG, PRE_SIGN_IN, true);
    it_conn_close(&c);
}

/* Ten bytes, but the tenth carries more than the 64th bit. */
static void test_varint_overflow(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    const uint8_t v[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};

    raw_open(e, &c);
    assert_int_equal(it_conn_write(&c, v, sizeof(v), T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_TOO_BIG, PRE_SIGN_IN, true);
    it_conn_close(&c);
}

/* The stream ends inside the prefix: nothing to answer; the server just closes. */
static void test_truncated_varint_then_eof(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    const uint8_t v[2] = {0x80, 0x80};

    raw_open(e, &c);
    assert_int_equal(it_conn_write(&c, v, sizeof(v), T_REPLY), 0);
    assert_int_equal(shutdown(c.fd, SHUT_WR), 0);
    assert_int_equal(it_conn_wait_eof(&c, T_REPLY), 0);
    it_conn_close(&c);
}

static void test_truncated_body_then_eof(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    const uint8_t part[10] = {0x12, 0x08, '1', '2', '3'};

    raw_open(e, &c);
    assert_int_equal(it_conn_write_frame(&c, 100, part, sizeof(part), T_REPLY), 0);
    assert_int_equal(shutdown(c.fd, SHUT_WR), 0);
    assert_int_equal(it_conn_wait_eof(&c, T_REPLY), 0);
    it_conn_close(&c);
}

/* Signed in, exactly the cap is accepted by the framing, then refused as protobuf. */
static void test_frame_at_cap_of_junk(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    uint8_t *body = malloc(CAP);

    assert_non_null(body);
    memset(body, 0xff, CAP);
    login(e, &c, TOWN_A, e->tok_a);
    assert_int_equal(it_conn_write_frame(&c, CAP, body, CAP, T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
    free(body);
}

/* ------------------------------------------------------------ protobuf */

static void junk_frame(struct env *e, const uint8_t *p, size_t n)
{
    struct it_conn c;

    raw_open(e, &c);
    assert_int_equal(it_conn_write_frame(&c, n, p, n, T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
}

static void test_unparsable_bytes(void **state)
{
    const uint8_t p[4] = {0xff, 0xff, 0xff, 0xff};

    junk_frame(*state, p, sizeof(p));
}

static void test_field_number_zero(void **state)
{
    const uint8_t p[2] = {0x00, 0x01};

    junk_frame(*state, p, sizeof(p));
}

/* Hello whose declared length runs past the end of the frame. */
static void test_length_past_frame(void **state)
{
    const uint8_t p[4] = {0x12, 0x7f, 0x08, 0x01};

    junk_frame(*state, p, sizeof(p));
}

/* Envelope{request_id = 5} and nothing else. */
static void test_envelope_without_message(void **state)
{
    const uint8_t p[2] = {0x08, 0x05};

    junk_frame(*state, p, sizeof(p));
}

/* Hello.office_code (a string) encoded as a varint. */
static void test_hello_wrong_wire_type(void **state)
{
    struct pb h = {0}, env = {0};

    pb_key(&h, 1, 0);
    pb_varint(&h, 1);
    pb_key(&h, 2, 0);
    pb_varint(&h, 430602001);
    pb_bytes(&env, 2, h.p, h.n);
    junk_frame(*state, env.p, env.n);
    pb_free(&h);
    pb_free(&env);
}

/* ------------------------------------------------------------ before the Hello */

static void before_hello(struct env *e, Rs__Envelope *env)
{
    struct it_conn c;

    raw_open(e, &c);
    assert_int_equal(it_conn_send(&c, env, T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "expected Hello first", true);
    it_conn_close(&c);
}

static void test_submit_before_hello(void **state)
{
    struct env *e = *state;
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    struct rec x;
    Rs__Record *one[1] = {&x.r};

    rec_relief(e, &x, TOWN_A);
    sb.n_records = 1;
    sb.records = one;
    env.has_request_id = 1;
    env.request_id = 1;
    env.msg_case = RS__ENVELOPE__MSG_SUBMIT;
    env.submit = &sb;
    before_hello(e, &env);
    assert_int_equal(count_id(e, x.id), 0);
}

static void test_report_before_hello(void **state)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;

    rq.has_year = 1;
    rq.year = 2023;
    env.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
    env.report_request = &rq;
    before_hello(*state, &env);
}

static void test_welcome_before_hello(void **state)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Welcome w = RS__WELCOME__INIT;

    w.server_version = "9.9";
    env.msg_case = RS__ENVELOPE__MSG_WELCOME;
    env.welcome = &w;
    before_hello(*state, &env);
}

/* ------------------------------------------------------------ out of order after Welcome */

static void after_welcome(struct env *e, Rs__Envelope *env)
{
    struct it_conn c;
    uint64_t rid = ++e->rid;

    login(e, &c, TOWN_A, e->tok_a);
    env->has_request_id = 1;
    env->request_id = rid;
    assert_int_equal(it_conn_send(&c, env, T_REPLY), 0);
    expect_error(&c, &rid, RS__ERROR_CODE__ERR_PROTOCOL, "unexpected message", true);
    it_conn_close(&c);
}

static void test_second_hello(void **state)
{
    struct env *e = *state;
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Hello h = RS__HELLO__INIT;

    h.has_protocol_version = 1;
    h.protocol_version = 1;
    h.office_code = TOWN_B;
    h.token = e->tok_b;
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    after_welcome(e, &env);
}

/* Two Hellos in one write: the first is answered, the second refused. */
static void test_pipelined_second_hello(void **state)
{
    struct env *e = *state;
    Rs__Envelope env = RS__ENVELOPE__INIT, *r;
    Rs__Hello h = RS__HELLO__INIT;
    struct it_conn c;
    uint8_t *bytes;
    size_t len;
    struct pb two = {0};

    h.has_protocol_version = 1;
    h.protocol_version = 1;
    h.office_code = TOWN_A;
    h.token = e->tok_a;
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    assert_int_equal(rs_wire_pack(&env, CAP, 0, &bytes, &len), RS_OK);
    pb_put(&two, bytes, len);
    pb_put(&two, bytes, len);
    free(bytes);
    raw_open(e, &c);
    assert_int_equal(it_conn_write(&c, two.p, two.n, T_REPLY), 0);
    pb_free(&two);
    r = recv_env(&c);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_WELCOME);
    rs__envelope__free_unpacked(r, NULL);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unexpected message", true);
    it_conn_close(&c);
}

static void test_welcome_from_client(void **state)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Welcome w = RS__WELCOME__INIT;

    w.has_role = 1;
    w.role = RS__ROLE__ROLE_CENTRAL;
    env.msg_case = RS__ENVELOPE__MSG_WELCOME;
    env.welcome = &w;
    after_welcome(*state, &env);
}

static void test_batch_ack_from_client(void **state)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__BatchAck a = RS__BATCH_ACK__INIT;

    a.batch_id = "x";
    env.msg_case = RS__ENVELOPE__MSG_ACK;
    env.ack = &a;
    after_welcome(*state, &env);
}

static void test_error_from_client(void **state)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Error er = RS__ERROR__INIT;

    er.has_code = 1;
    er.code = RS__ERROR_CODE__ERR_INTERNAL;
    env.msg_case = RS__ENVELOPE__MSG_ERROR;
    env.error = &er;
    after_welcome(*state, &env);
}

static void test_report_reply_from_client(void **state)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ReportReply rr = RS__REPORT_REPLY__INIT;

    rr.has_body = 1;
    rr.body.data = (uint8_t *)"x";
    rr.body.len = 1;
    env.msg_case = RS__ENVELOPE__MSG_REPORT;
    env.report = &rr;
    after_welcome(*state, &env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CATALOGUE_CASE(test_zero_length_frame),
        CATALOGUE_CASE(test_prefix_cap_plus_one),
        CATALOGUE_CASE(test_prefix_under_frame_cap_before_hello),
        CATALOGUE_CASE(test_prefix_hello_cap_plus_one),
        CATALOGUE_CASE(test_frame_at_hello_cap),
        CATALOGUE_CASE(test_incomplete_prefix_already_too_big),
        CATALOGUE_CASE(test_big_frame_after_welcome),
        CATALOGUE_CASE(test_prefix_4gib),
        CATALOGUE_CASE(test_prefix_u64_max),
        CATALOGUE_CASE(test_prefix_over_cap_after_welcome),
        CATALOGUE_CASE(test_oversize_frame_with_body),
        CATALOGUE_CASE(test_varint_11_bytes),
        CATALOGUE_CASE(test_varint_overflow),
        CATALOGUE_CASE(test_truncated_varint_then_eof),
        CATALOGUE_CASE(test_truncated_body_then_eof),
        CATALOGUE_CASE(test_frame_at_cap_of_junk),
        CATALOGUE_CASE(test_unparsable_bytes),
        CATALOGUE_CASE(test_field_number_zero),
        CATALOGUE_CASE(test_length_past_frame),
        CATALOGUE_CASE(test_envelope_without_message),
        CATALOGUE_CASE(test_hello_wrong_wire_type),
        CATALOGUE_CASE(test_submit_before_hello),
        CATALOGUE_CASE(test_report_before_hello),
        CATALOGUE_CASE(test_welcome_before_hello),
        CATALOGUE_CASE(test_second_hello),
        CATALOGUE_CASE(test_pipelined_second_hello),
        CATALOGUE_CASE(test_welcome_from_client),
        CATALOGUE_CASE(test_batch_ack_from_client),
        CATALOGUE_CASE(test_error_from_client),
        CATALOGUE_CASE(test_report_reply_from_client),
        CATALOGUE_END,
    };

    return cmocka_run_group_tests_name("framing", tests, NULL, NULL);
}

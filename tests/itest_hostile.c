/*
 * itest_hostile.c - hostile and malformed input against the real resettled
 * on 127.0.0.1: the server answers each with the documented reply, keeps
 * serving everyone else, and stores nothing it should not.
 *
 * A raw protocol client (itest_harness.h, it_conn_*) writes exactly the
 * bytes of each case: broken framing, broken protobuf, messages out of
 * order, bad handshakes, invalid records, oversized batches and report
 * requests with bad values.  Every case asserts the exact reply (Error code,
 * message, close flag and request id, or the BatchAck with the rejected
 * record's field and reason, the good records around it stored).
 *
 * Throughout the catalogue two well-behaved clients are served: a signed-in
 * raw connection that gets one record stored after every case (checked in
 * each case's teardown), and a real `resettle submit` of 20,000 rows running
 * alongside; both are checked in the database at the end.
 *
 * Then slow clients: 200 connections that dribble a Hello one byte every
 * 250 ms (cut at the 10 s handshake deadline with ERR_TIMEOUT) and three
 * signed-in connections that pipeline big batches and never read their
 * acks, while a normal client's submission must finish within 5 s and the
 * server's resident memory must stay within a stated bound.
 *
 * Does not: test disk faults (itest_faults.c) or crashes (itest_crash.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rs_util.h"

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define DISTRICT "430602"
#define CAP (1u << 20)                 /* the server's default frame cap */
/* Rows of the background `resettle submit`; fewer when valgrind slows everything. */
#define BG_ROWS (it_valgrind() ? 2000 : 20000)
#define GOOD_MAX 256                   /* records the good connection may store */
#define T_REPLY (it_valgrind() ? 120000L : 10000L)   /* ms to wait for any one reply */
#define GOOD_MS (it_valgrind() ? 60000L : 5000L)     /* the well-behaved client's bound */

/* The shared state of the catalogue: one server, two well-behaved clients. */
struct env {
    char dir[256];
    char db[512];
    char *tok_a, *tok_b, *tok_c;
    char *tok_h[3];                    /* the slow test's hoarding offices */
    struct it_server srv;
    struct it_conn good;               /* signed in as TOWN_A for the whole catalogue */
    uint64_t good_rid;
    int good_n;                        /* records the good connection got stored */
    char good_ids[GOOD_MAX][RS_UUID_LEN + 1];
    pid_t bg;                          /* `resettle submit` of BG_ROWS rows as TOWN_B */
    char bg_outbox[512], bg_out[512];
    uint64_t rid;                      /* request ids used by the cases */
    int hh;                            /* household counter for unique records */
};

static struct env *G;

/* ------------------------------------------------------------ small protobuf writer */

/* Hand-made protobuf bytes, for what protobuf-c would refuse to encode. */
struct pb {
    uint8_t *p;
    size_t n, cap;
};

static void pb_put(struct pb *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;

        while (cap < b->n + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void pb_varint(struct pb *b, uint64_t v)
{
    uint8_t t[RS_VARINT_MAX];

    pb_put(b, t, rs_varint_encode(v, t));
}

static void pb_key(struct pb *b, uint32_t field, unsigned wire_type)
{
    pb_varint(b, ((uint64_t)field << 3) | wire_type);
}

static void pb_bytes(struct pb *b, uint32_t field, const void *d, size_t n)
{
    pb_key(b, field, 2);
    pb_varint(b, n);
    pb_put(b, d, n);
}

static void pb_str(struct pb *b, uint32_t field, const char *s)
{
    pb_bytes(b, field, s, strlen(s));
}

static void pb_record(struct pb *b, const Rs__Record *r)
{
    size_t n = rs__record__get_packed_size(r);
    uint8_t *tmp = malloc(n ? n : 1);

    if (!tmp)
        abort();
    rs__record__pack(r, tmp);
    pb_put(b, tmp, n);
    free(tmp);
}

static void pb_free(struct pb *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* Envelope{request_id, submit = SubmitBatch{batch_id, records = parts}}. */
static void pb_batch(struct pb *env, uint64_t rid, const struct pb *parts, size_t n)
{
    struct pb sb = {0};
    char bid[RS_UUID_LEN + 1];

    if (rs_uuid_random(bid) != RS_OK)
        abort();
    pb_str(&sb, 1, bid);
    for (size_t i = 0; i < n; i++)
        pb_bytes(&sb, 2, parts[i].p, parts[i].n);
    pb_key(env, 1, 0);
    pb_varint(env, rid);
    pb_bytes(env, 5, sb.p, sb.n);
    pb_free(&sb);
}

/* Writes b as one frame. */
static void send_pb(struct it_conn *c, const struct pb *b)
{
    assert_int_equal(it_conn_write_frame(c, b->n, b->p, b->n, T_REPLY), 0);
}

/* ------------------------------------------------------------ records */

struct rec {
    Rs__Record r;
    Rs__Relief rel;
    char id[RS_UUID_LEN + 1];
    char hh[48];
};

/* A valid relief record of division div with a household never used before. */
static void rec_relief(struct env *e, struct rec *x, const char *div)
{
    snprintf(x->hh, sizeof(x->hh), "HOSTILE-%06d", ++e->hh);
    it_relief_record(&x->r, &x->rel, x->id, div, x->hh);
}

static long long count_id(const struct env *e, const char *id)
{
    char sql[200];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE record_id='%s'", id);
    return it_sql_int(e->db, sql);
}

/* ------------------------------------------------------------ connections and replies */

static void raw_open(const struct env *e, struct it_conn *c)
{
    assert_int_equal(it_conn_open(c, e->srv.addr), 0);
}

static void login(const struct env *e, struct it_conn *c, const char *office, const char *tok)
{
    assert_int_equal(it_conn_login(c, e->srv.addr, office, tok), 0);
}

static Rs__Envelope *recv_env(struct it_conn *c)
{
    Rs__Envelope *env = NULL;

    assert_int_equal(it_conn_recv(c, &env, T_REPLY), 0);
    assert_non_null(env);
    return env;
}

/*
 * The next reply is Error{code, message, close} for request rid (NULL: none);
 * message NULL skips the text; prefix true compares only its start.  With
 * close, the server must then close the connection.
 */
static void expect_error_ex(struct it_conn *c, const uint64_t *rid, Rs__ErrorCode code,
                            const char *message, bool prefix, bool close)
{
    Rs__Envelope *env = recv_env(c);

    assert_int_equal(env->msg_case, RS__ENVELOPE__MSG_ERROR);
    assert_int_equal(env->error->has_code, 1);
    assert_int_equal(env->error->code, code);
    assert_int_equal(env->error->has_close, 1);
    assert_int_equal(env->error->close, close);
    if (message) {
        assert_non_null(env->error->message);
        if (prefix)
            assert_memory_equal(env->error->message, message, strlen(message));
        else
            assert_string_equal(env->error->message, message);
    }
    if (rid) {
        assert_int_equal(env->has_request_id, 1);
        assert_int_equal(env->request_id, *rid);
    } else {
        assert_int_equal(env->has_request_id, 0);
    }
    rs__envelope__free_unpacked(env, NULL);
    if (close)
        assert_int_equal(it_conn_wait_eof(c, T_REPLY), 0);
}

static void expect_error(struct it_conn *c, const uint64_t *rid, Rs__ErrorCode code,
                         const char *message, bool close)
{
    expect_error_ex(c, rid, code, message, false, close);
}

/* The next reply is a BatchAck for rid with n acks; the caller frees it. */
static Rs__Envelope *expect_ack(struct it_conn *c, uint64_t rid, size_t n)
{
    Rs__Envelope *env = recv_env(c);

    if (env->msg_case == RS__ENVELOPE__MSG_ERROR)
        fail_msg("expected a BatchAck, got Error %d: %s", env->error->code,
                 env->error->message ? env->error->message : "");
    assert_int_equal(env->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(env->has_request_id, 1);
    assert_int_equal(env->request_id, rid);
    assert_int_equal(env->ack->n_acks, n);
    return env;
}

static void assert_ack(const Rs__RecordAck *a, const char *id, Rs__AckStatus st)
{
    assert_int_equal(a->has_status, 1);
    assert_int_equal(a->status, st);
    if (id)
        assert_string_equal(a->id, id);
}

/* Submits valid records and asserts each is stored. */
static void submit_ok(struct env *e, struct it_conn *c, Rs__Record **recs, size_t n)
{
    uint64_t rid = ++e->rid;
    Rs__Envelope *env;

    assert_int_equal(it_conn_submit(c, rid, recs, n, T_REPLY), 0);
    env = expect_ack(c, rid, n);
    for (size_t i = 0; i < n; i++)
        assert_ack(env->ack->acks[i], recs[i]->id, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(env, NULL);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(count_id(e, recs[i]->id), 1);
}

/* The connection still works: one more record is stored through it. */
static void still_usable(struct env *e, struct it_conn *c, const char *div)
{
    struct rec x;
    Rs__Record *one[1] = {&x.r};

    rec_relief(e, &x, div);
    submit_ok(e, c, one, 1);
}

/*
 * Sends [good, bad, good] as one batch on c, bad given as its packed bytes,
 * and asserts: the good records are stored, bad is ACK_REJECTED with exactly
 * field and reason, its ack names bad_id, and bad_id is not in the database.
 */
static void expect_reject_bytes(struct env *e, struct it_conn *c, const char *good_div,
                                const uint8_t *bad, size_t badlen, const char *bad_id,
                                const char *field, const char *reason)
{
    struct rec g1, g2;
    struct pb parts[3] = {{0}}, env = {0};
    uint64_t rid = ++e->rid;
    Rs__Envelope *r;
    const Rs__RecordAck *a;

    rec_relief(e, &g1, good_div);
    rec_relief(e, &g2, good_div);
    pb_record(&parts[0], &g1.r);
    pb_put(&parts[1], bad, badlen);
    pb_record(&parts[2], &g2.r);
    pb_batch(&env, rid, parts, 3);
    send_pb(c, &env);
    for (int i = 0; i < 3; i++)
        pb_free(&parts[i]);
    pb_free(&env);
    r = expect_ack(c, rid, 3);
    assert_ack(r->ack->acks[0], g1.id, RS__ACK_STATUS__ACK_STORED);
    assert_ack(r->ack->acks[2], g2.id, RS__ACK_STATUS__ACK_STORED);
    a = r->ack->acks[1];
    assert_ack(a, NULL, RS__ACK_STATUS__ACK_REJECTED);
    if (bad_id)
        assert_string_equal(a->id, bad_id);
    else
        assert_null(a->id);
    assert_non_null(a->field);
    assert_string_equal(a->field, field);
    assert_non_null(a->reason);
    assert_string_equal(a->reason, reason);
    assert_int_equal(a->has_server_seq, 0);
    rs__envelope__free_unpacked(r, NULL);
    assert_int_equal(count_id(e, g1.id), 1);
    assert_int_equal(count_id(e, g2.id), 1);
    if (bad_id && !strchr(bad_id, '\''))
        assert_int_equal(count_id(e, bad_id), 0);
}

static void expect_reject(struct env *e, const char *office, const char *tok,
                          const char *good_div, const Rs__Record *bad, const char *field,
                          const char *reason)
{
    struct it_conn c;
    struct pb b = {0};

    login(e, &c, office, tok);
    pb_record(&b, bad);
    expect_reject_bytes(e, &c, good_div, b.p, b.n, bad->id, field, reason);
    pb_free(&b);
    still_usable(e, &c, good_div);
    it_conn_close(&c);
}

/* As TOWN_A: [good, bad, good] with bad rejected as stated. */
static void reject_a(struct env *e, const Rs__Record *bad, const char *field, const char *reason)
{
    expect_reject(e, TOWN_A, e->tok_a, TOWN_A, bad, field, reason);
}

/* ------------------------------------------------------------ catalogue setup */

static struct env *env_start(void)
{
    struct env *e = calloc(1, sizeof(*e));
    char csv[512];

    if (!e)
        return NULL;
    it_tmpdir(e->dir, "hostile");
    it_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_b = it_office_add(e->dir, e->db, TOWN_B, "王家河街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    if (!e->tok_a || !e->tok_b || !e->tok_c)
        return NULL;
    /* The catalogue fails many handshakes on purpose; the limit on failed
     * handshakes per address has its own test (test_failed_handshakes_rate_limited).
     * A server that started but cannot be used is not left behind. */
    {
        const char *extra[] = {"--auth-fail-limit", "0", NULL};

        if (it_server_start_args(&e->srv, e->dir, e->db, extra) != 0) {
            if (e->srv.pid > 0 && it_alive(e->srv.pid))
                it_server_kill(&e->srv);
            return NULL;
        }
    }
    if (it_conn_login(&e->good, e->srv.addr, TOWN_A, e->tok_a) != 0) {
        if (e->srv.pid > 0 && it_alive(e->srv.pid))
            it_server_kill(&e->srv);
        return NULL;
    }
    it_path(csv, sizeof(csv), e->dir, "bg.csv");
    it_path(e->bg_outbox, sizeof(e->bg_outbox), e->dir, "bg.outbox");
    it_path(e->bg_out, sizeof(e->bg_out), e->dir, "bg.out");
    it_relief_csv(csv, TOWN_B, 1, BG_ROWS, 250);
    {
        char *argv[] = {RS_CLIENT_BIN, "--plaintext", "--server", e->srv.addr, "--office",
                        TOWN_B, "--token", e->tok_b, "--outbox", e->bg_outbox, "--batch", "20",
                        "--timeout", "30", "submit", csv, NULL};

        e->bg = it_spawn(argv, e->bg_out, e->bg_out);
    }
    return e;
}

/* Each case runs against the shared server; the first call starts it. */
static int case_setup(void **state)
{
    if (!G)
        G = env_start();
    *state = G;
    return G ? 0 : -1;
}

/*
 * After each case: the server is alive and the well-behaved connection gets
 * one more record stored within 5 s (60 s under valgrind).
 */
static int case_teardown(void **state)
{
    struct env *e = *state;
    Rs__Envelope *env = NULL;
    Rs__Record *one[1];
    struct rec x;
    uint64_t rid;
    long t0 = it_now_ms();
    int rc;

    if (!it_alive(e->srv.pid)) {
        char *log = it_read_file(e->srv.log);

        fprintf(stderr, "the server died; log:\n%s\n", log);
        free(log);
        return -1;
    }
    if (e->good_n >= GOOD_MAX)
        return -1;
    rec_relief(e, &x, TOWN_A);
    one[0] = &x.r;
    rid = ++e->good_rid;
    rc = it_conn_submit(&e->good, rid, one, 1, GOOD_MS);
    if (rc == 0)
        rc = it_conn_recv(&e->good, &env, GOOD_MS);
    if (rc != 0 || env->msg_case != RS__ENVELOPE__MSG_ACK || env->request_id != rid ||
        env->ack->n_acks != 1 || env->ack->acks[0]->status != RS__ACK_STATUS__ACK_STORED ||
        it_now_ms() - t0 > GOOD_MS) {
        fprintf(stderr, "the well-behaved client was not served (rc %d, %ld ms)\n", rc,
                it_now_ms() - t0);
        if (env)
            rs__envelope__free_unpacked(env, NULL);
        return -1;
    }
    rs__envelope__free_unpacked(env, NULL);
    memcpy(e->good_ids[e->good_n++], x.id, sizeof(x.id));
    return 0;
}

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

static void oversize_prefix(struct env *e, uint64_t len)
{
    struct it_conn c;
    uint8_t pre[RS_VARINT_MAX];

    raw_open(e, &c);
    assert_int_equal(it_conn_write(&c, pre, rs_varint_encode(len, pre), T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_TOO_BIG, "frame over the size cap", true);
    it_conn_close(&c);
}

static void test_prefix_cap_plus_one(void **state)
{
    oversize_prefix(*state, (uint64_t)CAP + 1);
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
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_TOO_BIG, "frame over the size cap", true);
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
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "malformed length prefix", true);
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
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "malformed length prefix", true);
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

/* Exactly the cap is accepted by the framing, then refused as protobuf. */
static void test_frame_at_cap_of_junk(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    uint8_t *body = malloc(CAP);

    assert_non_null(body);
    memset(body, 0xff, CAP);
    raw_open(e, &c);
    assert_int_equal(it_conn_write_frame(&c, CAP, body, CAP, T_REPLY), 0);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
    free(body);
}

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

static void test_protocol_version_2(void **state)
{
    struct env *e = *state;

    hello_refused(e, true, 2, TOWN_A, e->tok_a, RS__ERROR_CODE__ERR_VERSION,
                  "unsupported protocol version; this server speaks 1");
}

static void test_protocol_version_missing(void **state)
{
    struct env *e = *state;

    hello_refused(e, false, 0, TOWN_A, e->tok_a, RS__ERROR_CODE__ERR_VERSION,
                  "unsupported protocol version; this server speaks 1");
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

/* A newer client's extra Hello field is ignored: the handshake succeeds. */
static void test_hello_with_unknown_field(void **state)
{
    struct env *e = *state;
    struct pb h = {0}, env = {0};
    struct it_conn c;
    Rs__Envelope *r;

    pb_key(&h, 1, 0);
    pb_varint(&h, 1);
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
    h.protocol_version = 1;
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

/* ------------------------------------------------------------ batches */

static void test_batch_over_cap(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec *x = calloc(1001, sizeof(*x));
    Rs__Record **recs = calloc(1001, sizeof(*recs));
    uint64_t rid;
    char msg[80];

    assert_non_null(x);
    assert_non_null(recs);
    for (int i = 0; i < 1001; i++) {
        rec_relief(e, &x[i], TOWN_A);
        recs[i] = &x[i].r;
    }
    login(e, &c, TOWN_A, e->tok_a);
    rid = ++e->rid;
    assert_int_equal(it_conn_submit(&c, rid, recs, 1001, T_REPLY), 0);
    snprintf(msg, sizeof(msg), "batch of 1001 records; the cap is 1000");
    expect_error(&c, &rid, RS__ERROR_CODE__ERR_TOO_BIG, msg, false);
    assert_int_equal(count_id(e, x[0].id), 0);
    assert_int_equal(count_id(e, x[1000].id), 0);
    /* The connection stays usable: the first 1000 as a batch are stored. */
    submit_ok(e, &c, recs, 1000);
    it_conn_close(&c);
    free(recs);
    free(x);
}

/*
 * 500,000 empty records packed into a frame under the 1 MiB cap: the batch
 * is refused as too big, the connection stays usable, and the server's
 * memory peak stays bounded.
 */
static void test_huge_repeated_field_under_cap(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct pb sb = {0}, env = {0};
    const size_t n = 500000;
    uint64_t rid = ++e->rid;
    long hwm0 = it_proc_kb(e->srv.pid, "VmHWM"), hwm1, t0;
    char msg[80];

    for (size_t i = 0; i < n; i++) {
        const uint8_t empty[2] = {0x12, 0x00};

        pb_put(&sb, empty, 2);
    }
    pb_key(&env, 1, 0);
    pb_varint(&env, rid);
    pb_bytes(&env, 5, sb.p, sb.n);
    assert_true(env.n < CAP);
    login(e, &c, TOWN_A, e->tok_a);
    t0 = it_now_ms();
    send_pb(&c, &env);
    snprintf(msg, sizeof(msg), "batch of %zu records; the cap is 1000", n);
    expect_error(&c, &rid, RS__ERROR_CODE__ERR_TOO_BIG, msg, false);
    hwm1 = it_proc_kb(e->srv.pid, "VmHWM");
    fprintf(stderr, "# 500000-record frame refused in %ld ms; server VmHWM %ld -> %ld kB\n",
            it_now_ms() - t0, hwm0, hwm1);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
    pb_free(&sb);
    pb_free(&env);
}

/* Record.division_code (a string) encoded as a varint: the envelope is unparsable. */
static void test_record_wrong_wire_type(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    struct pb parts[1] = {{0}}, env = {0};
    uint64_t rid = ++e->rid;

    rec_relief(e, &x, TOWN_A);
    x.r.division_code = NULL;
    pb_record(&parts[0], &x.r);
    pb_key(&parts[0], 3, 0);
    pb_varint(&parts[0], 430602001);
    pb_batch(&env, rid, parts, 1);
    login(e, &c, TOWN_A, e->tok_a);
    send_pb(&c, &env);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
    assert_int_equal(count_id(e, x.id), 0);
    pb_free(&parts[0]);
    pb_free(&env);
}

/* Relief.amount_fen (an int64) sent length-delimited: unparsable as well. */
static void test_int_field_as_bytes(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    struct pb rel = {0}, parts[1] = {{0}}, env = {0};
    uint64_t rid = ++e->rid;

    rec_relief(e, &x, TOWN_A);
    x.r.relief = NULL;
    x.r.body_case = RS__RECORD__BODY__NOT_SET;
    pb_str(&rel, 1, x.hh);
    pb_key(&rel, 4, 0);
    pb_varint(&rel, 1);
    pb_str(&rel, 6, "60000");
    pb_record(&parts[0], &x.r);
    pb_bytes(&parts[0], 23, rel.p, rel.n);
    pb_batch(&env, rid, parts, 1);
    login(e, &c, TOWN_A, e->tok_a);
    send_pb(&c, &env);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
    assert_int_equal(count_id(e, x.id), 0);
    pb_free(&rel);
    pb_free(&parts[0]);
    pb_free(&env);
}

/* No records: an empty acknowledgement. */
static void test_empty_batch(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    uint64_t rid = ++e->rid;
    Rs__Envelope *r;

    login(e, &c, TOWN_A, e->tok_a);
    assert_int_equal(it_conn_submit(&c, rid, NULL, 0, T_REPLY), 0);
    r = expect_ack(&c, rid, 0);
    rs__envelope__free_unpacked(r, NULL);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
}

/* Ten batches written at once (more than max_in_flight): ten acks, in order. */
static void test_pipelined_past_in_flight(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x[10];
    uint64_t first = e->rid + 1;

    login(e, &c, TOWN_A, e->tok_a);
    for (int i = 0; i < 10; i++) {
        Rs__Record *one[1] = {&x[i].r};

        rec_relief(e, &x[i], TOWN_A);
        assert_int_equal(it_conn_submit(&c, ++e->rid, one, 1, T_REPLY), 0);
    }
    for (int i = 0; i < 10; i++) {
        Rs__Envelope *r = expect_ack(&c, first + (uint64_t)i, 1);

        assert_ack(r->ack->acks[0], x[i].id, RS__ACK_STATUS__ACK_STORED);
        rs__envelope__free_unpacked(r, NULL);
        assert_int_equal(count_id(e, x[i].id), 1);
    }
    it_conn_close(&c);
}

/* ------------------------------------------------------------ records */

static void test_record_without_body(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.r.body_case = RS__RECORD__BODY__NOT_SET;
    x.r.relief = NULL;
    reject_a(e, &x.r, "body", "required (no known record type is set)");
}

static void test_date_20230230(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.rel.paid_date = 20230230;
    reject_a(e, &x.r, "relief.paid_date", "not a calendar date");
}

static void test_date_19000000(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.rel.paid_date = 19000000;
    reject_a(e, &x.r, "relief.paid_date", "not a calendar date");
}

static void test_negative_amount(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.rel.amount_fen = -60000;
    reject_a(e, &x.r, "relief.amount_fen", "must be > 0");
}

/* A money field that may be zero but not negative. */
static void test_negative_cost(void **state)
{
    struct env *e = *state;
    struct rec x;
    Rs__Training t = RS__TRAINING__INIT;

    rec_relief(e, &x, TOWN_A);
    x.r.body_case = RS__RECORD__BODY_TRAINING;
    x.r.training = &t;
    t.batch_id = x.hh;
    t.has_type = 1;
    t.type = RS__TRAINING_TYPE__TRAIN_SKILL;
    t.has_trainees = 1;
    t.trainees = 30;
    t.has_cost_fen = 1;
    t.cost_fen = -1;
    reject_a(e, &x.r, "training.cost_fen", "must be >= 0");
}

static void test_amount_over_1e14(void **state)
{
    struct env *e = *state;
    struct rec x, ok;
    struct it_conn c;
    Rs__Record *one[1] = {&ok.r};

    rec_relief(e, &x, TOWN_A);
    x.rel.amount_fen = INT64_C(100000000000001);
    reject_a(e, &x.r, "relief.amount_fen", "must be <= 100000000000000");
    /* 10^14 itself is within the cap. */
    rec_relief(e, &ok, TOWN_A);
    ok.rel.amount_fen = INT64_C(100000000000000);
    login(e, &c, TOWN_A, e->tok_a);
    submit_ok(e, &c, one, 1);
    it_conn_close(&c);
}

static void test_invalid_utf8(void **state)
{
    struct env *e = *state;
    struct rec x;
    char bad[] = "\xe6\xb9\x96\xe5";         /* 湖 then a cut-off character */

    rec_relief(e, &x, TOWN_A);
    x.rel.village = bad;
    reject_a(e, &x.r, "relief.village", "not valid UTF-8");
}

static void test_overlong_surrogate_utf8(void **state)
{
    struct env *e = *state;
    struct rec x;
    char bad[] = "\xed\xa0\x80";             /* U+D800, a surrogate */

    rec_relief(e, &x, TOWN_A);
    x.r.remarks = bad;
    reject_a(e, &x.r, "remarks", "not valid UTF-8");
}

static void test_string_over_4096(void **state)
{
    struct env *e = *state;
    struct rec x;
    char *s = malloc(4098);

    assert_non_null(s);
    memset(s, 'a', 4097);
    s[4097] = '\0';
    rec_relief(e, &x, TOWN_A);
    x.rel.village = s;
    reject_a(e, &x.r, "relief.village", "longer than 4096 bytes");
    free(s);
}

static void test_control_character(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.rel.village = "a\x1b[2Jb";
    reject_a(e, &x.r, "relief.village", "contains a control character");
}

/*
 * Bytes that protobuf-c decodes into something else than was sent: a NUL
 * inside a string (C strings end there) and a 64-bit value in a uint32
 * field (the high bits are dropped).  Stored as decoded, the record would
 * silently differ from the client's; it must be rejected instead.
 */
#define NOT_CANONICAL "encoding does not round-trip (a NUL byte in a string, or a number too " \
                      "big for its field)"

static void test_nul_inside_string(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    struct pb rel = {0}, b = {0};
    const char village[] = "abc\0def";

    rec_relief(e, &x, TOWN_A);
    x.rel.village = NULL;
    rel.n = rel.cap = rs__relief__get_packed_size(&x.rel);
    rel.p = malloc(rel.n);
    assert_non_null(rel.p);
    rs__relief__pack(&x.rel, rel.p);
    pb_bytes(&rel, 2, village, sizeof(village) - 1);
    x.r.body_case = RS__RECORD__BODY__NOT_SET;
    x.r.relief = NULL;
    pb_record(&b, &x.r);
    pb_bytes(&b, 23, rel.p, rel.n);
    login(e, &c, TOWN_A, e->tok_a);
    expect_reject_bytes(e, &c, TOWN_A, b.p, b.n, x.id, "record", NOT_CANONICAL);
    it_conn_close(&c);
    pb_free(&rel);
    pb_free(&b);
}

static void test_uint32_field_overflow(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    struct pb b = {0};

    rec_relief(e, &x, TOWN_A);
    x.r.has_year = 0;
    pb_record(&b, &x.r);
    pb_key(&b, 4, 0);
    pb_varint(&b, (UINT64_C(1) << 32) + 2023);
    login(e, &c, TOWN_A, e->tok_a);
    expect_reject_bytes(e, &c, TOWN_A, b.p, b.n, x.id, "record", NOT_CANONICAL);
    it_conn_close(&c);
    pb_free(&b);
}

static void test_unknown_enum(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.rel.kind = (Rs__ReliefKind)99;
    reject_a(e, &x.r, "relief.kind", "unknown value 99");
}

static void test_unknown_period(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.r.period = (Rs__Period)99;
    reject_a(e, &x.r, "period", "unknown value 99");
}

static void test_record_unknown_field(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    struct pb b = {0};

    rec_relief(e, &x, TOWN_A);
    pb_record(&b, &x.r);
    pb_key(&b, 99, 0);
    pb_varint(&b, 1);
    login(e, &c, TOWN_A, e->tok_a);
    expect_reject_bytes(e, &c, TOWN_A, b.p, b.n, x.id, "record",
                        "unknown field (is the client newer than the server?)");
    it_conn_close(&c);
    pb_free(&b);
}

static void test_body_unknown_field(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    struct pb rel = {0}, b = {0};
    size_t n;

    rec_relief(e, &x, TOWN_A);
    n = rs__relief__get_packed_size(&x.rel);
    rel.p = malloc(n);
    assert_non_null(rel.p);
    rel.n = rel.cap = rs__relief__pack(&x.rel, rel.p);
    pb_str(&rel, 200, "a field from the future");
    x.r.body_case = RS__RECORD__BODY__NOT_SET;
    x.r.relief = NULL;
    pb_record(&b, &x.r);
    pb_bytes(&b, 23, rel.p, rel.n);
    login(e, &c, TOWN_A, e->tok_a);
    expect_reject_bytes(e, &c, TOWN_A, b.p, b.n, x.id, "record",
                        "unknown field (is the client newer than the server?)");
    it_conn_close(&c);
    pb_free(&rel);
    pb_free(&b);
}

static void test_supersedes_equals_id(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.r.supersedes = x.id;
    reject_a(e, &x.r, "supersedes", "must differ from id");
}

static void test_non_uuid_id(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.r.id = "not-a-uuid";
    reject_a(e, &x.r, "id", "not a UUID");
}

static void test_missing_id(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.r.id = NULL;
    reject_a(e, &x.r, "id", "required");
}

static void test_division_7_digits(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, "4306020");
    reject_a(e, &x.r, "division_code", "must be 6, 9 or 12 digits");
}

static void test_division_not_digits(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, "43060200A");
    reject_a(e, &x.r, "division_code", "must be 6, 9 or 12 digits");
}

static void test_year_1999(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.r.year = 1999;
    reject_a(e, &x.r, "year", "must be 2000..2100");
}

static void test_id_card_as_household(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.rel.household_ref = "43060219800101123X";
    reject_a(e, &x.r, "relief.household_ref",
             "looks like an ID-card number; send a household code or keyed hash");
}

static void test_township_record_for_another_division(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_B);
    reject_a(e, &x.r, "division_code", "division 430602002 is not this office's division "
                                       "430602001");
}

static void test_unit_level_record_from_township(void **state)
{
    struct env *e = *state;
    struct rec x;
    Rs__Staffing s = RS__STAFFING__INIT;

    rec_relief(e, &x, TOWN_A);
    x.r.body_case = RS__RECORD__BODY_STAFFING;
    x.r.staffing = &s;
    s.has_establishment = 1;
    s.establishment = 13;
    s.has_in_service = 1;
    s.in_service = 10;
    reject_a(e, &x.r, "division_code",
             "staffing records may only be submitted by the central office");
}

static void test_central_outside_district(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, "430603001");
    expect_reject(e, DISTRICT, e->tok_c, TOWN_A, &x.r, "division_code",
                  "division 430603001 is outside this office's district 430602");
}

static void test_township_type_with_district_code(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, DISTRICT);
    expect_reject(e, DISTRICT, e->tok_c, TOWN_A, &x.r, "division_code",
                  "township records need a 9- or 12-digit code");
}

/* Superseding an id the server never stored: rejected, and the ack names the field. */
static void test_supersedes_unknown_id(void **state)
{
    struct env *e = *state;
    struct rec x;
    char other[RS_UUID_LEN + 1], reason[200];

    assert_int_equal(rs_uuid_random(other), RS_OK);
    rec_relief(e, &x, TOWN_A);
    x.r.supersedes = other;
    snprintf(reason, sizeof(reason), "supersedes unknown record %s", other);
    reject_a(e, &x.r, "supersedes", reason);
}

/* The same id twice in one batch, then with other content. */
static void test_same_id_twice_and_changed(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    Rs__Record *two[2] = {&x.r, &x.r};
    uint64_t rid = ++e->rid;
    Rs__Envelope *r;
    uint64_t seq;

    rec_relief(e, &x, TOWN_A);
    login(e, &c, TOWN_A, e->tok_a);
    assert_int_equal(it_conn_submit(&c, rid, two, 2, T_REPLY), 0);
    r = expect_ack(&c, rid, 2);
    assert_ack(r->ack->acks[0], x.id, RS__ACK_STATUS__ACK_STORED);
    assert_ack(r->ack->acks[1], x.id, RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(r->ack->acks[0]->has_server_seq, 1);
    seq = r->ack->acks[0]->server_seq;
    assert_int_equal(r->ack->acks[1]->server_seq, seq);
    rs__envelope__free_unpacked(r, NULL);
    x.rel.amount_fen = 70000;
    rid = ++e->rid;
    assert_int_equal(it_conn_submit(&c, rid, two, 1, T_REPLY), 0);
    r = expect_ack(&c, rid, 1);
    assert_ack(r->ack->acks[0], x.id, RS__ACK_STATUS__ACK_CONFLICT);
    assert_string_equal(r->ack->acks[0]->reason, "same id, different content");
    rs__envelope__free_unpacked(r, NULL);
    assert_int_equal(count_id(e, x.id), 1);
    it_conn_close(&c);
}

/* ------------------------------------------------------------ reports */

static void report_refused(struct env *e, bool has_year, uint32_t year, const char *framework,
                           Rs__ErrorCode code, const char *message)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;
    struct it_conn c;
    uint64_t rid = ++e->rid;

    rq.has_year = has_year;
    rq.year = year;
    rq.framework = (char *)framework;
    env.has_request_id = 1;
    env.request_id = rid;
    env.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
    env.report_request = &rq;
    login(e, &c, DISTRICT, e->tok_c);
    assert_int_equal(it_conn_send(&c, &env, T_REPLY), 0);
    expect_error(&c, &rid, code, message, false);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
}

static void test_report_year_1999(void **state)
{
    report_refused(*state, true, 1999, NULL, RS__ERROR_CODE__ERR_INVALID,
                   "report year must be 2000..2100");
}

static void test_report_without_year(void **state)
{
    report_refused(*state, false, 0, NULL, RS__ERROR_CODE__ERR_INVALID,
                   "report year must be 2000..2100");
}

static void test_report_framework_path(void **state)
{
    report_refused(*state, true, 2023, "../../etc/passwd", RS__ERROR_CODE__ERR_INVALID,
                   "framework must be a preset name");
}

static void test_report_framework_overlong(void **state)
{
    char fw[200];

    memset(fw, 'f', 199);
    fw[199] = '\0';
    report_refused(*state, true, 2023, fw, RS__ERROR_CODE__ERR_TOO_BIG,
                   "framework name too long");
}

/* ------------------------------------------------------------ the end of the catalogue */

/*
 * Both well-behaved clients were served throughout: every record the raw
 * connection got acknowledged is stored once, and the background
 * submission finished with all its rows.  The teardown then stops the
 * server, which must exit cleanly (no leak).
 */
static void test_well_behaved_clients_were_served(void **state)
{
    struct env *e = *state;
    char sql[300];
    int st;

    assert_true(e->good_n >= 30);
    for (int i = 0; i < e->good_n; i++)
        assert_int_equal(count_id(e, e->good_ids[i]), 1);
    st = it_wait(e->bg, 120000);
    e->bg = 0;
    if (st != 0) {
        char *out = it_read_file(e->bg_out);

        fprintf(stderr, "background client exit %d:\n%s\n", st, out);
        free(out);
    }
    assert_int_equal(st, 0);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE office_code='%s'", TOWN_B);
    assert_int_equal(it_sql_int(e->db, sql), BG_ROWS);
    assert_int_equal(it_sql_int(e->bg_outbox, "SELECT count(*) FROM outbox WHERE state=1"),
                     BG_ROWS);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) - count(DISTINCT record_id) FROM records"),
                     0);
}

static int last_setup(void **state)
{
    *state = G;
    return G ? 0 : -1;
}

/* Stops the catalogue's server (it must exit 0) and removes its folder. */
static int last_teardown(void **state)
{
    struct env *e = *state;
    char cmd[600];
    int st;

    if (e->bg > 0)
        it_wait(e->bg, 1000);
    it_conn_close(&e->good);
    st = it_server_stop(&e->srv);
    if (st != 0) {
        char *log = it_read_file(e->srv.log);

        fprintf(stderr, "server exit %d; log:\n%s\n", st, log);
        free(log);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
    if (system(cmd) != 0)
        st = -1;
    free(e->tok_a);
    free(e->tok_b);
    free(e->tok_c);
    free(e);
    G = NULL;
    return st == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ failed handshakes */

static int rl_setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *extra[] = {"--auth-fail-limit", "5", "--auth-fail-window", "3", NULL};

    if (!e)
        return -1;
    it_tmpdir(e->dir, "ratelimit");
    it_path(e->db, sizeof(e->db), e->dir, "resettle.db");
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
    char cmd[600];
    int st = it_server_stop(&e->srv);

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
    if (system(cmd) != 0)
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
    assert_true(it_now_ms() - t0 < 3000 || it_valgrind());
    still_usable(e, &good, TOWN_A);
    while (it_now_ms() - t0 < 3500)
        it_sleep_ms(50);
    login(e, &c, TOWN_A, e->tok_a);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
    it_conn_close(&good);
}

/* ------------------------------------------------------------ slow clients */

#define N_SLOW 200                     /* connections dribbling a Hello */
#define N_HOARD 3                      /* signed-in connections that never read */
#define HOARD_BATCH 1000               /* records per batch they send */
#define STALL_MS 12000                 /* at least this long, past the 10 s deadline */
#define STABLE_MS 2000                 /* hoarders throttled: nothing stored this long */
#define MIN_ACK_BYTES 42000            /* a 1000-record BatchAck is at least this big */
#define HOARD_RCVBUF (128 << 10)       /* SO_RCVBUF of a hoarder (the kernel doubles it) */
#ifdef __SANITIZE_ADDRESS__
#define RSS_BOUND_KB (128 * 1024)      /* growth allowed under ASan (see below) */
#else
#define RSS_BOUND_KB (48 * 1024)       /* growth allowed without it */
#endif

static const char *const hoard_office[N_HOARD] = {"430602011", "430602012", "430602013"};

struct slow {
    struct it_conn c;
    uint8_t *hello;
    size_t len, sent;
    long t_open, t_error;              /* when connected; when ERR_TIMEOUT came */
    int got;                           /* 1 ERR_TIMEOUT then EOF, -1 anything else */
};

struct hoard {
    struct it_conn c;
    struct pb frame;                   /* the frame being written */
    size_t off;
    int batches;                       /* frames fully written */
    int serial;
};

/* A framed SubmitBatch of HOARD_BATCH relief records of hoarder `who`. */
static void hoard_next(struct hoard *h, int who)
{
    struct rec *x = calloc(HOARD_BATCH, sizeof(*x));
    Rs__Record **recs = calloc(HOARD_BATCH, sizeof(*recs));
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    uint8_t *bytes;
    size_t len;

    assert_non_null(x);
    assert_non_null(recs);
    for (int i = 0; i < HOARD_BATCH; i++) {
        snprintf(x[i].hh, sizeof(x[i].hh), "HOARD-%d-%d", h->serial, i);
        it_relief_record(&x[i].r, &x[i].rel, x[i].id, hoard_office[who], x[i].hh);
        recs[i] = &x[i].r;
    }
    sb.batch_id = x[0].id;
    sb.n_records = HOARD_BATCH;
    sb.records = recs;
    env.has_request_id = 1;
    env.request_id = (uint64_t)++h->serial;
    env.msg_case = RS__ENVELOPE__MSG_SUBMIT;
    env.submit = &sb;
    assert_int_equal(rs_wire_pack(&env, CAP, 0, &bytes, &len), RS_OK);
    pb_free(&h->frame);
    pb_put(&h->frame, bytes, len);
    h->off = 0;
    free(bytes);
    free(recs);
    free(x);
}

/* Writes what the socket takes now; starts the next frame when one is done. */
static void hoard_push(struct hoard *h, int who)
{
    for (;;) {
        ssize_t w = send(h->c.fd, h->frame.p + h->off, h->frame.n - h->off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (w <= 0)
            return;
        h->off += (size_t)w;
        if (h->off == h->frame.n) {
            h->batches++;
            hoard_next(h, who);
        }
    }
}

/* Reads one ack of hoarder h: the next request id, HOARD_BATCH records stored. */
static void hoard_ack(struct it_conn *c, int *acked, long timeout_ms)
{
    Rs__Envelope *r = NULL;

    assert_int_equal(it_conn_recv(c, &r, timeout_ms), 0);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(r->request_id, (uint64_t)++*acked);
    assert_int_equal(r->ack->n_acks, HOARD_BATCH);
    for (size_t k = 0; k < r->ack->n_acks; k++)
        assert_int_equal(r->ack->acks[k]->status, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(r, NULL);
}

static long long office_count(const struct env *e, const char *office)
{
    char sql[200];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE office_code='%s'", office);
    return it_sql_int(e->db, sql);
}

/* The third number of /proc/sys/net/ipv4/tcp_wmem: how far a send buffer may grow. */
static long tcp_wmem_max(void)
{
    char *t = it_read_file("/proc/sys/net/ipv4/tcp_wmem");
    long a = 0, b = 0, c = 0;

    if (sscanf(t, "%ld %ld %ld", &a, &b, &c) != 3)
        c = 4L << 20;
    free(t);
    return c;
}

static int slow_setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *old = getenv("ASAN_OPTIONS");
    char *saved = old ? strdup(old) : NULL;
    char opts[1024];
    int rc;

    if (!e)
        return -1;
    it_tmpdir(e->dir, "slow");
    it_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_b = it_office_add(e->dir, e->db, TOWN_B, "王家河街道", "township");
    for (int i = 0; i < N_HOARD; i++) {
        e->tok_h[i] = it_office_add(e->dir, e->db, hoard_office[i], "hoarder", "township");
        if (!e->tok_h[i])
            return -1;
    }
    if (!e->tok_a || !e->tok_b)
        return -1;
    /* ASan keeps 256 MB of freed memory in quarantine by default; keep it
     * small so that resident memory measures the server, not the sanitizer. */
    snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=16", old ? old : "",
             old && old[0] ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    rc = it_server_start(&e->srv, e->dir, e->db);
    if (saved) {
        setenv("ASAN_OPTIONS", saved, 1);
        free(saved);
    } else {
        unsetenv("ASAN_OPTIONS");
    }
    if (rc != 0) {
        if (e->srv.pid > 0 && it_alive(e->srv.pid))
            it_server_kill(&e->srv);
        return -1;
    }
    *state = e;
    return 0;
}

static int slow_teardown(void **state)
{
    struct env *e = *state;
    char cmd[600];
    int st = it_server_stop(&e->srv);

    if (st != 0) {
        char *log = it_read_file(e->srv.log);

        fprintf(stderr, "server exit %d; log:\n%s\n", st, log);
        free(log);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
    if (system(cmd) != 0)
        st = -1;
    free(e->tok_a);
    free(e->tok_b);
    for (int i = 0; i < N_HOARD; i++)
        free(e->tok_h[i]);
    free(e);
    return st == 0 ? 0 : -1;
}

/*
 * 200 connections dribble a Hello one byte per 250 ms; three signed-in
 * offices pipeline 1000-record batches as fast as the server takes them and
 * never read an ack.  Meanwhile a normal `resettle submit` of 500 rows must
 * finish within 5 s; every dribbler is cut at the 10 s handshake deadline
 * with ERR_TIMEOUT; the hoarders are throttled (the server stops reading
 * them once their replies pile up, so nothing more of theirs is stored);
 * and resident memory stays within the bound below.  Afterwards the
 * hoarders read: every batch they finished writing is acknowledged, in
 * order, and stored.
 *
 * Throttling bound, per hoarder: acks fill the kernel's send buffer (at
 * most tcp_wmem[2], 4 MiB here), the hoarder's receive buffer (SO_RCVBUF
 * 128 KiB, doubled by the kernel) and the server's write queue (1 MiB,
 * write_queue_high, plus up to max_in_flight acks already under way, say
 * 256 KiB); at >= 42,000 bytes per 1000-record ack that is at most
 * (tcp_wmem[2] + 256 KiB + 1 MiB + 256 KiB) / 42,000 + 8 batches.
 *
 * Memory bound: per hoarder one frame in reassembly (<= 1 MiB), the write
 * queue (<= 1 MiB + 4 acks of ~46 KB) and at most max_in_flight = 4 batches
 * held for the writer (unpacked records, packed bodies, acks: ~1.3 MB each
 * without ASan): < 8 MiB, 24 MiB for three; per dribbler a 16 KiB read
 * buffer and its connection: < 4 MiB for 200; the writer's group of at most
 * 14 batches copied into one array (~250 B each record): 4 MiB; SQLite's page
 * caches (3 x 2 MiB): 6 MiB.  About 40 MiB in all, so the test allows
 * 48 MiB above the warmed-up baseline (18 MiB measured).  Under ASan the
 * redzones roughly double the small allocations and its quarantine is
 * capped at 16 MiB above: 128 MiB allowed (71 MiB measured).  A server that
 * kept reading would not stabilise at all.
 */
static void test_slow_clients_do_not_starve_others(void **state)
{
    struct env *e = *state;
    struct slow *s = calloc(N_SLOW, sizeof(*s));
    struct hoard h[N_HOARD];
    Rs__Envelope henv = RS__ENVELOPE__INIT;
    Rs__Hello hello = RS__HELLO__INIT;
    char csv[512], ob[512], out[512];
    long t0, rss0, rss_max = 0, t_client = -1, t_client_start = 0, last_drip = 0;
    long last_sample = 0, last_change = 0, limit_ms = it_valgrind() ? 240000 : 60000;
    long long hoarded = -1, per[N_HOARD];
    long max_batches =
        (tcp_wmem_max() + 2L * HOARD_RCVBUF + (1L << 20) + (256L << 10)) / MIN_ACK_BYTES + 8;
    pid_t client = -1;
    int cut = 0, client_status = -1;

    assert_non_null(s);
    memset(h, 0, sizeof(h));
    it_path(csv, sizeof(csv), e->dir, "normal.csv");
    it_path(ob, sizeof(ob), e->dir, "normal.outbox");
    it_path(out, sizeof(out), e->dir, "normal.out");
    it_relief_csv(csv, TOWN_B, 1, 500, 300);

    /* Warm up: one ordinary submission, then the baseline. */
    {
        struct it_conn c;
        struct rec x;
        Rs__Record *one[1] = {&x.r};

        login(e, &c, TOWN_A, e->tok_a);
        rec_relief(e, &x, TOWN_A);
        submit_ok(e, &c, one, 1);
        it_conn_close(&c);
    }
    rss0 = it_proc_kb(e->srv.pid, "VmRSS");
    assert_true(rss0 > 0);

    hello.has_protocol_version = 1;
    hello.protocol_version = 1;
    hello.office_code = TOWN_A;
    hello.token = e->tok_a;
    henv.msg_case = RS__ENVELOPE__MSG_HELLO;
    henv.hello = &hello;
    for (int i = 0; i < N_SLOW; i++) {
        assert_int_equal(rs_wire_pack(&henv, CAP, 0, &s[i].hello, &s[i].len), RS_OK);
        raw_open(e, &s[i].c);
        s[i].t_open = it_now_ms();
    }
    for (int i = 0; i < N_HOARD; i++) {
        /* A modest receive window, so the acks pile up on the server's side. */
        assert_int_equal(it_conn_open_rcvbuf(&h[i].c, e->srv.addr, HOARD_RCVBUF), 0);
        assert_int_equal(it_conn_hello(&h[i].c, hoard_office[i], e->tok_h[i], NULL, T_REPLY),
                         0);
        hoard_next(&h[i], i);
    }

    t0 = it_now_ms();
    for (;;) {
        long now = it_now_ms();
        long rss = it_proc_kb(e->srv.pid, "VmRSS");

        if (rss > rss_max)
            rss_max = rss;
        if (now - t0 >= STALL_MS && t_client >= 0 &&
            (now - last_change >= STABLE_MS || it_valgrind()))
            break;
        if (now - t0 >= limit_ms)
            break;
        if (now - last_drip >= 250) {
            last_drip = now;
            for (int i = 0; i < N_SLOW; i++) {
                if (s[i].got == 0 && s[i].sent + 1 < s[i].len &&
                    send(s[i].c.fd, s[i].hello + s[i].sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
                    s[i].sent++;
            }
        }
        for (int i = 0; i < N_SLOW; i++) {
            struct pollfd pfd = {s[i].c.fd, POLLIN, 0};
            Rs__Envelope *r = NULL;
            int rc;

            if (s[i].got != 0 || poll(&pfd, 1, 0) != 1)
                continue;
            rc = it_conn_recv(&s[i].c, &r, 1000);
            s[i].t_error = it_now_ms();
            s[i].got = -1;
            if (rc == 0 && r->msg_case == RS__ENVELOPE__MSG_ERROR &&
                r->error->code == RS__ERROR_CODE__ERR_TIMEOUT && r->error->close &&
                r->error->message &&
                strcmp(r->error->message, "no Hello within the handshake timeout") == 0 &&
                it_conn_wait_eof(&s[i].c, 2000) == 0)
                s[i].got = 1;
            if (r)
                rs__envelope__free_unpacked(r, NULL);
        }
        for (int i = 0; i < N_HOARD; i++)
            hoard_push(&h[i], i);
        if (client < 0 && now - t0 >= 1500) {
            char *argv[] = {RS_CLIENT_BIN, "--plaintext", "--server", e->srv.addr,
                            "--office", TOWN_B, "--token", e->tok_b, "--outbox", ob,
                            "--timeout", "30", "submit", csv, NULL};

            t_client_start = it_now_ms();
            client = it_spawn(argv, out, out);
        }
        if (client > 0 && t_client < 0) {
            int st;

            if (waitpid(client, &st, WNOHANG) == client) {
                t_client = it_now_ms() - t_client_start;
                client_status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
            }
        }
        if (now - last_sample >= 500) {
            long long sum = 0;

            last_sample = now;
            for (int i = 0; i < N_HOARD; i++)
                sum += office_count(e, hoard_office[i]);
            if (sum != hoarded) {
                hoarded = sum;
                last_change = now;
            }
        }
        it_sleep_ms(20);
    }
    for (int i = 0; i < N_HOARD; i++)
        per[i] = office_count(e, hoard_office[i]);
    for (int i = 0; i < N_SLOW; i++) {
        if (s[i].got == 1) {
            long after = s[i].t_error - s[i].t_open;

            if (after >= 9500 && after <= (it_valgrind() ? 30000 : 12000))
                cut++;
        }
    }
    fprintf(stderr,
            "# normal client %ld ms (exit %d); %d/%d dribblers cut with ERR_TIMEOUT at 10 s; "
            "hoarders: %lld, %lld, %lld records stored, throttled after %ld ms (bound %ld "
            "batches each); VmRSS %ld kB -> max %ld kB (+%ld kB)\n",
            t_client, client_status, cut, N_SLOW, per[0], per[1], per[2], last_change - t0,
            max_batches, rss0, rss_max, rss_max - rss0);

    /* The normal client was served within 5 s, all its rows stored. */
    assert_true(t_client >= 0);
    assert_int_equal(client_status, 0);
    assert_int_equal(office_count(e, TOWN_B), 500);
    /* Every dribbler was cut at the handshake deadline. */
    assert_int_equal(cut, N_SLOW);
    for (int i = 0; i < N_HOARD; i++) {
        assert_true(per[i] > 0);
        assert_true(per[i] <= (long long)max_batches * HOARD_BATCH);
    }
    /* Under valgrind only correctness counts; times and memory do not. */
    if (!it_valgrind()) {
        assert_true(t_client < 5000);
        /* The hoarders were throttled: nothing of theirs stored for STABLE_MS. */
        assert_true(it_now_ms() - last_change >= STABLE_MS);
        assert_true(rss_max - rss0 < RSS_BOUND_KB);
    }

    /* Now the hoarders read: every batch they finished writing is acked, in order. */
    for (int i = 0; i < N_HOARD; i++) {
        int acked = 0;
        long deadline = it_now_ms() + 60000;

        /* Finish the frame in progress while reading, so neither side blocks. */
        while (h[i].off > 0 && h[i].off < h[i].frame.n && it_now_ms() < deadline) {
            struct pollfd pfd = {h[i].c.fd, POLLIN, 0};
            ssize_t w = send(h[i].c.fd, h[i].frame.p + h[i].off, h[i].frame.n - h[i].off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);

            if (w > 0)
                h[i].off += (size_t)w;
            if (poll(&pfd, 1, 20) == 1)
                hoard_ack(&h[i].c, &acked, 30000);
        }
        if (h[i].off == h[i].frame.n)
            h[i].batches++;
        while (acked < h[i].batches)
            hoard_ack(&h[i].c, &acked, 30000);
        assert_int_equal(office_count(e, hoard_office[i]), (long long)acked * HOARD_BATCH);
        it_conn_close(&h[i].c);
        pb_free(&h[i].frame);
    }
    for (int i = 0; i < N_SLOW; i++) {
        it_conn_close(&s[i].c);
        free(s[i].hello);
    }
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define CASE(f) cmocka_unit_test_setup_teardown(f, case_setup, case_teardown)
        CASE(test_zero_length_frame),
        CASE(test_prefix_cap_plus_one),
        CASE(test_prefix_4gib),
        CASE(test_prefix_u64_max),
        CASE(test_prefix_over_cap_after_welcome),
        CASE(test_oversize_frame_with_body),
        CASE(test_varint_11_bytes),
        CASE(test_varint_overflow),
        CASE(test_truncated_varint_then_eof),
        CASE(test_truncated_body_then_eof),
        CASE(test_frame_at_cap_of_junk),
        CASE(test_unparsable_bytes),
        CASE(test_field_number_zero),
        CASE(test_length_past_frame),
        CASE(test_envelope_without_message),
        CASE(test_protocol_version_2),
        CASE(test_protocol_version_missing),
        CASE(test_hello_without_token),
        CASE(test_hello_without_office),
        CASE(test_hello_overlong_office),
        CASE(test_hello_overlong_token),
        CASE(test_wrong_token),
        CASE(test_token_of_another_office),
        CASE(test_unknown_office),
        CASE(test_office_code_cannot_forge_log_lines),
        CASE(test_hello_wrong_wire_type),
        CASE(test_hello_with_unknown_field),
        CASE(test_hello_one_byte_at_a_time),
        CASE(test_submit_before_hello),
        CASE(test_report_before_hello),
        CASE(test_welcome_before_hello),
        CASE(test_second_hello),
        CASE(test_pipelined_second_hello),
        CASE(test_welcome_from_client),
        CASE(test_batch_ack_from_client),
        CASE(test_error_from_client),
        CASE(test_report_reply_from_client),
        CASE(test_batch_over_cap),
        CASE(test_huge_repeated_field_under_cap),
        CASE(test_record_wrong_wire_type),
        CASE(test_int_field_as_bytes),
        CASE(test_empty_batch),
        CASE(test_pipelined_past_in_flight),
        CASE(test_record_without_body),
        CASE(test_date_20230230),
        CASE(test_date_19000000),
        CASE(test_negative_amount),
        CASE(test_negative_cost),
        CASE(test_amount_over_1e14),
        CASE(test_invalid_utf8),
        CASE(test_overlong_surrogate_utf8),
        CASE(test_string_over_4096),
        CASE(test_control_character),
        CASE(test_nul_inside_string),
        CASE(test_uint32_field_overflow),
        CASE(test_unknown_enum),
        CASE(test_unknown_period),
        CASE(test_record_unknown_field),
        CASE(test_body_unknown_field),
        CASE(test_supersedes_equals_id),
        CASE(test_non_uuid_id),
        CASE(test_missing_id),
        CASE(test_division_7_digits),
        CASE(test_division_not_digits),
        CASE(test_year_1999),
        CASE(test_id_card_as_household),
        CASE(test_township_record_for_another_division),
        CASE(test_unit_level_record_from_township),
        CASE(test_central_outside_district),
        CASE(test_township_type_with_district_code),
        CASE(test_supersedes_unknown_id),
        CASE(test_same_id_twice_and_changed),
        CASE(test_report_year_1999),
        CASE(test_report_without_year),
        CASE(test_report_framework_path),
        CASE(test_report_framework_overlong),
#undef CASE
        cmocka_unit_test_setup_teardown(test_well_behaved_clients_were_served, last_setup,
                                        last_teardown),
        cmocka_unit_test_setup_teardown(test_failed_handshakes_rate_limited, rl_setup,
                                        rl_teardown),
        cmocka_unit_test_setup_teardown(test_slow_clients_do_not_starve_others, slow_setup,
                                        slow_teardown),
    };

    return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}

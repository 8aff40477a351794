/*
 * itest_catalogue.h - what the hostile-input catalogues share
 * (itest_framing.c, itest_handshake.c, itest_requests.c, itest_exhaust.c,
 * itest_versions.c):
 * one real resettled per catalogue, two well-behaved clients served
 * throughout, a small protobuf writer for bytes protobuf-c would refuse to
 * encode, and helpers that assert the exact reply.
 *
 * A raw protocol client (itest_harness.h, it_conn_*) writes exactly the
 * bytes of each case.  Every case asserts the exact reply (Error code,
 * message, close flag and request id, or the BatchAck with the rejected
 * record's field and reason, the good records around it stored).
 *
 * Throughout a catalogue two well-behaved clients are served: a signed-in
 * raw connection that gets one record stored after every case (checked in
 * each case's teardown), and a real `resettle submit` of BG_ROWS rows
 * running alongside; both are checked in the database by the catalogue's
 * last test (CATALOGUE_END), which then stops the server: it must exit
 * cleanly (no leak).
 *
 * Use: #define CATALOGUE_NAME "name" (its folder's name), include this,
 * list the cases as CATALOGUE_CASE(test_x) and end with CATALOGUE_END.
 *
 * Does not: start a server for tests outside the catalogue (those set up
 * their own), or check disk faults (itest_faults.c) or crashes
 * (itest_crash.c).
 */
#ifndef ITEST_CATALOGUE_H
#define ITEST_CATALOGUE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rs_util.h"

#ifndef CATALOGUE_NAME
#error "define CATALOGUE_NAME before including itest_catalogue.h"
#endif

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define DISTRICT "430602"
#define CAP (1u << 20)                 /* the server's default frame cap */
/* Rows of each catalogue's background `resettle submit` (five catalogues:
 * 25,000 in all); fewer when valgrind slows everything. */
#define BG_ROWS (it_slow() ? 500 : 5000)
#define GOOD_MAX 256                   /* records the good connection may store */
#define T_REPLY (it_slow() ? 120000L : 10000L)   /* ms to wait for any one reply */
#define GOOD_MS (it_slow() ? 60000L : 5000L)     /* the well-behaved client's bound */

/* The shared state of a catalogue: one server, two well-behaved clients. */
struct env {
    char dir[256];
    char db[512];
    char *tok_a, *tok_b, *tok_c;
    char *tok_h[3];                    /* the slow test's hoarding offices */
    struct it_server srv;
    struct it_conn good;               /* signed in as TOWN_A for the whole catalogue */
    uint64_t good_rid;
    int cases;                         /* catalogue cases started */
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

static inline void pb_put(struct pb *b, const void *d, size_t n)
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

static inline void pb_varint(struct pb *b, uint64_t v)
{
    uint8_t t[RS_VARINT_MAX];

    pb_put(b, t, rs_varint_encode(v, t));
}

static inline void pb_key(struct pb *b, uint32_t field, unsigned wire_type)
{
    pb_varint(b, ((uint64_t)field << 3) | wire_type);
}

static inline void pb_bytes(struct pb *b, uint32_t field, const void *d, size_t n)
{
    pb_key(b, field, 2);
    pb_varint(b, n);
    pb_put(b, d, n);
}

static inline void pb_str(struct pb *b, uint32_t field, const char *s)
{
    pb_bytes(b, field, s, strlen(s));
}

static inline void pb_record(struct pb *b, const Rs__Record *r)
{
    size_t n = rs__record__get_packed_size(r);
    uint8_t *tmp = malloc(n ? n : 1);

    if (!tmp)
        abort();
    rs__record__pack(r, tmp);
    pb_put(b, tmp, n);
    free(tmp);
}

static inline void pb_free(struct pb *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* The number of SubmitBatch's field `name`. */
static inline uint32_t pb_submit_field(const char *name)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(&rs__submit_batch__descriptor, name);

    if (!fd)
        abort();
    return fd->id;
}

/*
 * Envelope{request_id, submit = SubmitBatch{batch_id, the parts}}: each part
 * a record's bytes, sent as SubmitBatch.records (protocol version 1) or
 * SubmitBatch.record_bytes (2), which look alike on the wire but for the
 * field number.
 */
static inline void pb_batch_version(struct pb *env, uint32_t version, uint64_t rid,
                                    const struct pb *parts, size_t n)
{
    struct pb sb = {0};
    char bid[RS_UUID_LEN + 1];
    uint32_t field = pb_submit_field(version == 1 ? "records" : "record_bytes");

    if (rs_uuid_random(bid) != RS_OK)
        abort();
    pb_str(&sb, pb_submit_field("batch_id"), bid);
    for (size_t i = 0; i < n; i++)
        pb_bytes(&sb, field, parts[i].p, parts[i].n);
    pb_key(env, 1, 0);
    pb_varint(env, rid);
    pb_bytes(env, 5, sb.p, sb.n);
    pb_free(&sb);
}

/* pb_batch_version in this build's protocol version. */
static inline void pb_batch(struct pb *env, uint64_t rid, const struct pb *parts, size_t n)
{
    pb_batch_version(env, RS_PROTOCOL_VERSION, rid, parts, n);
}

/* Writes b as one frame. */
static inline void send_pb(struct it_conn *c, const struct pb *b)
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
static inline void rec_relief(struct env *e, struct rec *x, const char *div)
{
    snprintf(x->hh, sizeof(x->hh), "HOSTILE-%06d", ++e->hh);
    it_relief_record(&x->r, &x->rel, x->id, div, x->hh);
}

static inline long long count_id(const struct env *e, const char *id)
{
    char sql[200];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE record_id='%s'", id);
    return it_sql_int(e->db, sql);
}

/* ------------------------------------------------------------ connections and replies */

static inline void raw_open(const struct env *e, struct it_conn *c)
{
    assert_int_equal(it_conn_open(c, e->srv.addr), 0);
}

static inline void login(const struct env *e, struct it_conn *c, const char *office,
                         const char *tok)
{
    assert_int_equal(it_conn_login(c, e->srv.addr, office, tok), 0);
}

static inline Rs__Envelope *recv_env(struct it_conn *c)
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
static inline void expect_error_ex(struct it_conn *c, const uint64_t *rid, Rs__ErrorCode code,
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

static inline void expect_error(struct it_conn *c, const uint64_t *rid, Rs__ErrorCode code,
                                const char *message, bool close)
{
    expect_error_ex(c, rid, code, message, false, close);
}

/* The next reply is a BatchAck for rid with n acks; the caller frees it. */
static inline Rs__Envelope *expect_ack(struct it_conn *c, uint64_t rid, size_t n)
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

static inline void assert_ack(const Rs__RecordAck *a, const char *id, Rs__AckStatus st)
{
    assert_int_equal(a->has_status, 1);
    assert_int_equal(a->status, st);
    if (id)
        assert_string_equal(a->id, id);
}

/* Submits valid records and asserts each is stored. */
static inline void submit_ok(struct env *e, struct it_conn *c, Rs__Record **recs, size_t n)
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
static inline void still_usable(struct env *e, struct it_conn *c, const char *div)
{
    struct rec x;
    Rs__Record *one[1] = {&x.r};

    rec_relief(e, &x, div);
    submit_ok(e, c, one, 1);
}

/* ------------------------------------------------------------ catalogue setup */

static inline struct env *env_start(void)
{
    struct env *e = calloc(1, sizeof(*e));
    char csv[512];

    if (!e)
        return NULL;
    it_tmpdir(e->dir, CATALOGUE_NAME);
    it_db_path(e->db, sizeof(e->db), e->dir, "catalogue");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_b = it_office_add(e->dir, e->db, TOWN_B, "王家河街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    if (!e->tok_a || !e->tok_b || !e->tok_c)
        return NULL;
    /* The catalogue fails many handshakes on purpose; the limit on failed
     * handshakes per address has its own test (itest_handshake.c,
     * test_failed_handshakes_rate_limited).  A server that started but
     * cannot be used is not left behind. */
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
static inline int case_setup(void **state)
{
    if (!G)
        G = env_start();
    *state = G;
    if (!G)
        return -1;
    G->cases++;
    return 0;
}

/*
 * After each case: the server is alive and the well-behaved connection gets
 * one more record stored within 5 s (60 s under valgrind).
 */
static inline int case_teardown(void **state)
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

/* ------------------------------------------------------------ the end of the catalogue */

/*
 * Both well-behaved clients were served throughout: the raw connection got
 * one record acknowledged after every case, each stored once, and the
 * background submission finished with all its rows.  The teardown then stops the
 * server, which must exit cleanly (no leak).
 */
static inline void test_well_behaved_clients_were_served(void **state)
{
    struct env *e = *state;
    char sql[300];
    int st;

    assert_true(e->cases > 0);
    assert_int_equal(e->good_n, e->cases);
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

static inline int last_setup(void **state)
{
    *state = G;
    return G ? 0 : -1;
}

/* Stops the catalogue's server (it must exit 0) and removes its folder. */
static inline int last_teardown(void **state)
{
    struct env *e = *state;
    int st;

    if (e->bg > 0)
        it_wait(e->bg, 1000);
    it_conn_close(&e->good);
    st = it_server_stop_logged(&e->srv);
    if (it_rmtree(e->dir) != 0)
        st = -1;
    free(e->tok_a);
    free(e->tok_b);
    free(e->tok_c);
    free(e);
    G = NULL;
    return st == 0 ? 0 : -1;
}

#define CATALOGUE_CASE(f) cmocka_unit_test_setup_teardown(f, case_setup, case_teardown)
#define CATALOGUE_END                                                                         \
    cmocka_unit_test_setup_teardown(test_well_behaved_clients_were_served, last_setup,         \
                                    last_teardown)

#endif

/*
 * test_frame.c - varint framing, bounded reassembly and envelope packing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_frame.h"
#include "rs_status.h"
#include "rs_wire.h"

static void test_varint_roundtrip(void **state)
{
    static const uint64_t vals[] = {0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX,
                                    (uint64_t)1 << 56, UINT64_MAX};
    uint8_t buf[RS_VARINT_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint64_t v = 0;
        size_t used = 0, n = rs_varint_encode(vals[i], buf);

        assert_int_equal(rs_varint_decode(buf, n, &v, &used), RS_OK);
        assert_int_equal(used, n);
        assert_true(v == vals[i]);
        /* Every proper prefix is incomplete, never an error. */
        for (size_t k = 0; k < n; k++)
            assert_int_equal(rs_varint_decode(buf, k, &v, &used), RS_EAGAIN);
    }
    assert_int_equal(rs_varint_encode(UINT64_MAX, buf), 10);
}

static void test_varint_malformed(void **state)
{
    uint8_t eleven[11];
    uint8_t overflow[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    uint64_t v;
    size_t used;

    (void)state;
    memset(eleven, 0x80, sizeof(eleven));
    assert_int_equal(rs_varint_decode(eleven, sizeof(eleven), &v, &used), RS_EPROTO);
    assert_int_equal(rs_varint_decode(eleven, 10, &v, &used), RS_EPROTO);
    assert_int_equal(rs_varint_decode(overflow, sizeof(overflow), &v, &used), RS_EPROTO);
}

/* Builds a stream of frames whose payload bytes encode (frame index, offset). */
static uint8_t *make_stream(const size_t *sizes, size_t n, size_t *len)
{
    size_t total = 0, off = 0;
    uint8_t *s;

    for (size_t i = 0; i < n; i++)
        total += RS_VARINT_MAX + sizes[i];
    s = malloc(total);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        off += rs_varint_encode(sizes[i], s + off);
        for (size_t k = 0; k < sizes[i]; k++)
            s[off + k] = (uint8_t)(i * 31 + k);
        off += sizes[i];
    }
    *len = off;
    return s;
}

/* Drains every complete frame, checking each against its expected size. */
static size_t drain(struct rs_frame_rx *rx, const size_t *sizes, size_t next)
{
    const uint8_t *p;
    size_t len;

    while (rs_frame_rx_next(rx, &p, &len) == RS_OK) {
        assert_int_equal(len, sizes[next]);
        for (size_t k = 0; k < len; k++)
            assert_int_equal(p[k], (uint8_t)(next * 31 + k));
        rs_frame_rx_consume(rx);
        next++;
    }
    return next;
}

static void test_split_at_every_byte(void **state)
{
    static const size_t sizes[] = {0, 1, 5, 127, 128, 129, 300, 0, 2};
    const size_t n = sizeof(sizes) / sizeof(sizes[0]);
    size_t len;
    uint8_t *s = make_stream(sizes, n, &len);

    (void)state;
    for (size_t cut = 0; cut <= len; cut++) {
        struct rs_frame_rx rx;
        size_t got;

        rs_frame_rx_init(&rx, 1000);
        assert_int_equal(rs_frame_rx_feed(&rx, s, cut), RS_OK);
        got = drain(&rx, sizes, 0);
        assert_int_equal(rs_frame_rx_feed(&rx, s + cut, len - cut), RS_OK);
        got = drain(&rx, sizes, got);
        assert_int_equal(got, n);
        assert_int_equal(rs_frame_rx_pending(&rx), 0);
        assert_null(rx.buf);    /* nothing held: nothing allocated */
        rs_frame_rx_free(&rx);
    }
    free(s);
}

static void test_one_byte_at_a_time_and_whole(void **state)
{
    static const size_t sizes[] = {70000, 3, 16384, 16385, 0, 65536};
    const size_t n = sizeof(sizes) / sizeof(sizes[0]);
    struct rs_frame_rx rx;
    size_t len, got = 0;
    uint8_t *s = make_stream(sizes, n, &len);

    (void)state;
    rs_frame_rx_init(&rx, 100000);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(rs_frame_rx_feed(&rx, s + i, 1), RS_OK);
        got = drain(&rx, sizes, got);
    }
    assert_int_equal(got, n);
    rs_frame_rx_free(&rx);

    /* In read-sized chunks, as the server reads. */
    rs_frame_rx_init(&rx, 100000);
    got = 0;
    for (size_t i = 0; i < len; i += RS_FRAME_CHUNK) {
        size_t k = len - i < RS_FRAME_CHUNK ? len - i : RS_FRAME_CHUNK;

        assert_int_equal(rs_frame_rx_feed(&rx, s + i, k), RS_OK);
        got = drain(&rx, sizes, got);
    }
    assert_int_equal(got, n);
    rs_frame_rx_free(&rx);

    /* The buffer is bounded: the whole stream at once does not fit. */
    rs_frame_rx_init(&rx, 100000);
    assert_int_equal(rs_frame_rx_feed(&rx, s, len), RS_ETOOBIG);
    assert_true(rx.alloc <= 100000 + RS_VARINT_MAX);
    rs_frame_rx_free(&rx);
    free(s);
}

static void test_oversize_refused_from_prefix(void **state)
{
    struct rs_frame_rx rx;
    uint8_t pre[RS_VARINT_MAX];
    size_t np = rs_varint_encode(1001, pre);
    const uint8_t *p;
    size_t len;

    (void)state;
    rs_frame_rx_init(&rx, 1000);
    assert_int_equal(rs_frame_rx_feed(&rx, pre, np), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_ETOOBIG);
    /* Nothing near the announced size was allocated. */
    assert_true(rx.alloc <= 256);
    rs_frame_rx_free(&rx);

    /* A 4 GiB announcement is refused the same way. */
    np = rs_varint_encode((uint64_t)4 << 30, pre);
    rs_frame_rx_init(&rx, RS_FRAME_MAX_DEFAULT);
    assert_int_equal(rs_frame_rx_feed(&rx, pre, np), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_ETOOBIG);
    assert_true(rx.alloc <= 256);
    rs_frame_rx_free(&rx);

    /* Exactly the cap is accepted. */
    rs_frame_rx_init(&rx, 1000);
    np = rs_varint_encode(1000, pre);
    assert_int_equal(rs_frame_rx_feed(&rx, pre, np), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_EAGAIN);
    rs_frame_rx_free(&rx);
}

static void test_truncated_and_garbage(void **state)
{
    struct rs_frame_rx rx;
    static const uint8_t partial[] = {0x80};
    uint8_t junk[12];
    const uint8_t *p;
    size_t len;

    (void)state;
    rs_frame_rx_init(&rx, 1000);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_EAGAIN);
    assert_int_equal(rs_frame_rx_feed(&rx, partial, 1), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_EAGAIN);
    rs_frame_rx_free(&rx);

    /* Over-long and overflowing prefixes say at least 2^63: too big, not malformed. */
    memset(junk, 0xff, sizeof(junk));
    rs_frame_rx_init(&rx, 1000);
    assert_int_equal(rs_frame_rx_feed(&rx, junk, sizeof(junk)), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_ETOOBIG);
    rs_frame_rx_free(&rx);
    memset(junk, 0x80, sizeof(junk));
    junk[10] = 0x01;
    rs_frame_rx_init(&rx, RS_FRAME_MAX_DEFAULT);
    assert_int_equal(rs_frame_rx_feed(&rx, junk, 11), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_ETOOBIG);
    rs_frame_rx_free(&rx);
}

/* An incomplete prefix whose bytes already say more than the cap is refused at once. */
static void test_incomplete_prefix_over_cap(void **state)
{
    static const uint8_t big[2] = {0xff, 0xff};      /* at least 16383 */
    static const uint8_t zero[3] = {0x80, 0x80, 0x80}; /* may still end as 0 */
    struct rs_frame_rx rx;
    const uint8_t *p;
    size_t len;

    (void)state;
    rs_frame_rx_init(&rx, 4096);
    assert_int_equal(rs_frame_rx_feed(&rx, big, 1), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_EAGAIN);     /* at least 127 */
    assert_int_equal(rs_frame_rx_feed(&rx, big + 1, 1), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_ETOOBIG);
    rs_frame_rx_free(&rx);
    rs_frame_rx_init(&rx, 4096);
    assert_int_equal(rs_frame_rx_feed(&rx, zero, sizeof(zero)), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_EAGAIN);
    rs_frame_rx_free(&rx);
}

/* The cap changes between frames: small before sign-in, the full one after. */
static void test_cap_changes(void **state)
{
    struct rs_frame_rx rx;
    uint8_t pre[RS_VARINT_MAX];
    size_t np = rs_varint_encode(RS_HELLO_FRAME_MAX + 1, pre);
    const uint8_t *p;
    size_t len;

    (void)state;
    rs_frame_rx_init(&rx, RS_HELLO_FRAME_MAX);
    assert_int_equal(rs_frame_rx_feed(&rx, pre, np), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_ETOOBIG);
    rs_frame_rx_set_max(&rx, RS_FRAME_MAX_DEFAULT);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_EAGAIN);
    rs_frame_rx_free(&rx);
}

/*
 * The largest valid Hello (every field at its cap, a request id) packs to
 * well under the pre-sign-in cap: it needs a quarter of it or less.
 */
static void test_largest_hello_fits(void **state)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Hello h = RS__HELLO__INIT;
    char code[RS_HELLO_CODE_MAX + 1], token[RS_HELLO_TOKEN_MAX + 1];
    char version[RS_HELLO_CLIENT_VERSION_MAX + 1];
    size_t n;

    (void)state;
    memset(code, '9', RS_HELLO_CODE_MAX);
    code[RS_HELLO_CODE_MAX] = '\0';
    memset(token, 'f', RS_HELLO_TOKEN_MAX);
    token[RS_HELLO_TOKEN_MAX] = '\0';
    memset(version, 'v', RS_HELLO_CLIENT_VERSION_MAX);
    version[RS_HELLO_CLIENT_VERSION_MAX] = '\0';
    h.has_protocol_version = true;
    h.protocol_version = UINT32_MAX;
    h.office_code = code;
    h.token = token;
    h.client_version = version;
    env.has_request_id = true;
    env.request_id = UINT64_MAX;
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    n = rs__envelope__get_packed_size(&env);
    print_message("# largest valid Hello: %zu bytes; cap before sign-in %u\n", n,
                  (unsigned)RS_HELLO_FRAME_MAX);
    assert_true(n < 450);
    assert_true(n * 4 <= RS_HELLO_FRAME_MAX);
}

static void test_reserve_never_exceeds_cap(void **state)
{
    struct rs_frame_rx rx;
    uint8_t pre[RS_VARINT_MAX], *dst;
    size_t np = rs_varint_encode(500, pre), room, held;
    const uint8_t *p;
    size_t len;

    (void)state;
    rs_frame_rx_init(&rx, 500);
    assert_int_equal(rs_frame_rx_feed(&rx, pre, np), RS_OK);
    held = np;
    while (rs_frame_rx_next(&rx, &p, &len) == RS_EAGAIN) {
        assert_int_equal(rs_frame_rx_reserve(&rx, RS_FRAME_CHUNK, &dst, &room), RS_OK);
        assert_true(room >= 1);
        memset(dst, 0, room);
        rs_frame_rx_commit(&rx, room);
        held += room;
        assert_true(rx.alloc <= 500 + RS_VARINT_MAX);
    }
    assert_int_equal(len, 500);
    assert_true(held >= np + 500);
    assert_true(held <= 500 + RS_VARINT_MAX);
    rs_frame_rx_free(&rx);
}

/* next(), then reserve() (which compacts), then consume(): found by fuzzing. */
static void test_consume_after_compaction(void **state)
{
    static const uint8_t in[] = {0x02, 0x61, 0x62, 0x02, 0x63, 0x64, 0x05, 0x78};
    struct rs_frame_rx rx;
    const uint8_t *p;
    uint8_t *dst;
    size_t len, room;

    (void)state;
    rs_frame_rx_init(&rx, 100);
    assert_int_equal(rs_frame_rx_feed(&rx, in, sizeof(in)), RS_OK);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_OK);
    rs_frame_rx_consume(&rx);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_OK);
    assert_int_equal(rs_frame_rx_reserve(&rx, 16, &dst, &room), RS_OK);
    rs_frame_rx_commit(&rx, 0);
    rs_frame_rx_consume(&rx);
    assert_int_equal(rs_frame_rx_pending(&rx), 2);      /* 05 78: an incomplete frame */
    assert_int_equal(rs_frame_rx_next(&rx, &p, &len), RS_EAGAIN);
    rs_frame_rx_free(&rx);
}

static void test_wire_roundtrip(void **state)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *back = NULL;
    Rs__Hello h = RS__HELLO__INIT;
    struct rs_frame_rx rx;
    const uint8_t *p;
    uint8_t *out;
    size_t len, plen;

    (void)state;
    h.has_protocol_version = true;
    h.protocol_version = 1;
    h.office_code = "430602001";
    h.token = "abc";
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    assert_int_equal(rs_wire_pack(&env, 1000, 16, &out, &len), RS_OK);
    rs_frame_rx_init(&rx, 1000);
    assert_int_equal(rs_frame_rx_feed(&rx, out, len), RS_OK);
    free(out - 16);
    assert_int_equal(rs_frame_rx_next(&rx, &p, &plen), RS_OK);
    assert_int_equal(rs_wire_unpack(p, plen, &back), RS_OK);
    assert_int_equal(back->msg_case, RS__ENVELOPE__MSG_HELLO);
    assert_string_equal(back->hello->office_code, "430602001");
    rs__envelope__free_unpacked(back, NULL);
    rs_frame_rx_free(&rx);

    assert_int_equal(rs_wire_pack(&env, 4, 0, &out, &len), RS_ETOOBIG);
}

static void test_wire_unpack_rejects(void **state)
{
    static const uint8_t junk[] = {0xff, 0xff, 0xff};
    static const uint8_t empty[] = {0x08, 0x01};    /* request_id only, no message */
    Rs__Envelope *e = NULL;

    (void)state;
    assert_int_equal(rs_wire_unpack(junk, sizeof(junk), &e), RS_EPROTO);
    assert_int_equal(rs_wire_unpack(empty, sizeof(empty), &e), RS_EPROTO);
    assert_int_equal(rs_wire_unpack(empty, 0, &e), RS_EPROTO);
    assert_int_equal(rs_status_from_wire(rs_status_to_wire(RS_EAUTH)), RS_EAUTH);
    assert_int_equal(rs_status_from_wire(rs_status_to_wire(RS_ETOOBIG)), RS_ETOOBIG);
    assert_int_equal(rs_status_from_wire(rs_status_to_wire(RS_ESTORAGE)), RS_ESTORAGE);
    /* A closed year has its own wire code, appended after ERR_RATE_LIMITED. */
    assert_int_equal(rs_status_to_wire(RS_ELOCKED), RS__ERROR_CODE__ERR_LOCKED);
    assert_int_equal(RS__ERROR_CODE__ERR_LOCKED, 13);
    assert_int_equal(rs_status_from_wire(RS__ERROR_CODE__ERR_LOCKED), RS_ELOCKED);
    assert_string_equal(rs_status_name(RS_ELOCKED), "RS_ELOCKED");
}

/* Every status has a Chinese line of its own for what a clerk reads: no
 * two alike, none English, and an unknown value still says something. */
static void test_status_zh(void **state)
{
    (void)state;
    for (int a = RS_OK; a <= RS_ELOCKED; a++) {
        const char *zh = rs_status_zh((rs_status)a);
        bool wide = false;

        for (const char *p = zh; *p; p++)
            wide = wide || (unsigned char)*p >= 0x80;
        if (!wide)
            fail_msg("%s has no Chinese text: \"%s\"", rs_status_name((rs_status)a), zh);
        assert_string_not_equal(zh, rs_status_str((rs_status)a));
        for (int b = RS_OK; b < a; b++)
            assert_string_not_equal(zh, rs_status_zh((rs_status)b));
    }
    assert_string_equal(rs_status_zh(RS_EIO), "读写失败（文件、网络或数据库）");
    assert_string_equal(rs_status_zh((rs_status)999), "未知错误");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_zh),
        cmocka_unit_test(test_varint_roundtrip),
        cmocka_unit_test(test_varint_malformed),
        cmocka_unit_test(test_split_at_every_byte),
        cmocka_unit_test(test_one_byte_at_a_time_and_whole),
        cmocka_unit_test(test_oversize_refused_from_prefix),
        cmocka_unit_test(test_truncated_and_garbage),
        cmocka_unit_test(test_incomplete_prefix_over_cap),
        cmocka_unit_test(test_cap_changes),
        cmocka_unit_test(test_largest_hello_fits),
        cmocka_unit_test(test_reserve_never_exceeds_cap),
        cmocka_unit_test(test_consume_after_compaction),
        cmocka_unit_test(test_wire_roundtrip),
        cmocka_unit_test(test_wire_unpack_rejects),
    };

    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}

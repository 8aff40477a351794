/*
 * test_pbscan.c - the protobuf field scanner and the canonical-encoding
 * check: what protobuf-c packs is accepted, and each rule of
 * proto/README.md ("The canonical encoding") refuses its own kind of bytes
 * with its own reason.
 *
 * Does not: compare with protobuf-c on arbitrary bytes (the differential
 * fuzz target fuzz_canonical does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resettle.pb-c.h"
#include "rs_frame.h"
#include "rs_pbscan.h"

/* ------------------------------------------------------------ a small writer */

struct buf {
    uint8_t p[4096];
    size_t n;
};

static void put(struct buf *b, const void *d, size_t n)
{
    assert_true(b->n + n <= sizeof(b->p));
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put_varint(struct buf *b, uint64_t v)
{
    uint8_t t[RS_VARINT_MAX];

    put(b, t, rs_varint_encode(v, t));
}

static void put_key(struct buf *b, uint32_t num, unsigned wt)
{
    put_varint(b, ((uint64_t)num << 3) | wt);
}

static void put_len(struct buf *b, uint32_t num, const void *d, size_t n)
{
    put_key(b, num, RS_PB_WT_LEN);
    put_varint(b, n);
    put(b, d, n);
}

static void put_str(struct buf *b, uint32_t num, const char *s)
{
    put_len(b, num, s, strlen(s));
}

/* The number of the field `name` of d. */
static uint32_t num_of(const ProtobufCMessageDescriptor *d, const char *name)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(d, name);

    assert_non_null(fd);
    return fd->id;
}

#define REC(name) num_of(&rs__record__descriptor, name)
#define REL(name) num_of(&rs__relief__descriptor, name)

/* A valid relief record, packed by protobuf-c. */
static void packed_relief(struct buf *b)
{
    Rs__Record r = RS__RECORD__INIT;
    Rs__Relief rel = RS__RELIEF__INIT;

    r.id = "0190f5a2-7b1c-7def-8123-456789abcdef";
    r.division_code = "430602001";
    r.has_year = 1;
    r.year = 2023;
    r.has_period = 1;
    r.period = RS__PERIOD__PERIOD_Q4;
    r.body_case = RS__RECORD__BODY_RELIEF;
    r.relief = &rel;
    rel.household_ref = "HH0000000001";
    rel.village = "青山村";
    rel.has_kind = 1;
    rel.kind = RS__RELIEF_KIND__RKIND_HARDSHIP;
    rel.has_amount_fen = 1;
    rel.amount_fen = 600000;
    rel.has_paid_date = 1;
    rel.paid_date = 20231220;
    b->n = rs__record__get_packed_size(&r);
    assert_true(b->n <= sizeof(b->p));
    assert_int_equal(rs__record__pack(&r, b->p), b->n);
}

/* The envelope fields of a record (id, division, year) written by hand, without a body. */
static void head(struct buf *b)
{
    put_str(b, REC("id"), "0190f5a2-7b1c-7def-8123-456789abcdef");
    put_str(b, REC("division_code"), "430602001");
    put_key(b, REC("year"), RS_PB_WT_VARINT);
    put_varint(b, 2023);
}

static void expect_refused(const struct buf *b, const char *reason)
{
    char why[256];

    assert_int_equal(rs_pb_check(&rs__record__descriptor, b->p, b->n, NULL, NULL, why,
                                 sizeof(why)),
                     RS_EPROTO);
    assert_string_equal(why, reason);
}

static void expect_canonical(const struct buf *b)
{
    char why[256];

    assert_int_equal(rs_pb_check(&rs__record__descriptor, b->p, b->n, NULL, NULL, why,
                                 sizeof(why)),
                     RS_OK);
    assert_string_equal(why, "");
}

/* ------------------------------------------------------------ the scanner */

static void test_next_reads_each_wire_type(void **state)
{
    struct buf b = {.n = 0};
    struct rs_pb_scan s;
    struct rs_pb_field f;
    static const uint8_t i64[8] = {1, 2, 3, 4, 5, 6, 7, 8}, i32[4] = {9, 8, 7, 6};

    (void)state;
    put_key(&b, 1, RS_PB_WT_VARINT);
    put_varint(&b, 300);
    put_key(&b, 2, RS_PB_WT_I64);
    put(&b, i64, 8);
    put_str(&b, 3, "abc");
    put_key(&b, 4, RS_PB_WT_I32);
    put(&b, i32, 4);
    put_key(&b, RS_PB_NUMBER_MAX, RS_PB_WT_VARINT);
    put_varint(&b, 0);
    rs_pb_scan_init(&s, b.p, b.n);

    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_int_equal(f.num, 1);
    assert_int_equal(f.wt, RS_PB_WT_VARINT);
    assert_int_equal(f.v, 300);
    assert_int_equal(f.n, 2);
    assert_ptr_equal(f.start, b.p);
    assert_false(f.padded);
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_int_equal(f.num, 2);
    assert_true(f.v == UINT64_C(0x0807060504030201));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_int_equal(f.num, 3);
    assert_int_equal(f.wt, RS_PB_WT_LEN);
    assert_int_equal(f.n, 3);
    assert_memory_equal(f.p, "abc", 3);
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_int_equal(f.v, 0x06070809);
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_int_equal(f.num, RS_PB_NUMBER_MAX);
    assert_int_equal(f.v, 0);
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_END);
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_END);
}

static void test_next_refuses_what_is_not_protobuf(void **state)
{
    static const uint8_t cut_len[] = {0x1a, 0x05, 'a', 'b'};        /* 5 bytes announced */
    static const uint8_t cut_i64[] = {0x11, 1, 2, 3};
    static const uint8_t cut_key[] = {0x80};
    static const uint8_t group[] = {0x0b};                          /* wire type 3 */
    static const uint8_t wt7[] = {0x0f};
    static const uint8_t zero[] = {0x00, 0x01};                     /* field number 0 */
    static const uint8_t zero_long[] = {0x80, 0x00, 0x01};          /* the same, padded */
    uint8_t big[16], long_v[12];
    struct rs_pb_scan s;
    struct rs_pb_field f;
    size_t k;

    (void)state;
    rs_pb_scan_init(&s, cut_len, sizeof(cut_len));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_TRUNCATED);
    rs_pb_scan_init(&s, cut_i64, sizeof(cut_i64));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_TRUNCATED);
    rs_pb_scan_init(&s, cut_key, sizeof(cut_key));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_TRUNCATED);
    rs_pb_scan_init(&s, group, sizeof(group));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_BAD_WIRE_TYPE);
    rs_pb_scan_init(&s, wt7, sizeof(wt7));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_BAD_WIRE_TYPE);
    rs_pb_scan_init(&s, zero, sizeof(zero));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_BAD_NUMBER);
    rs_pb_scan_init(&s, zero_long, sizeof(zero_long));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_BAD_NUMBER);
    /* A field number over 2^29 - 1. */
    k = rs_varint_encode((uint64_t)(RS_PB_NUMBER_MAX + UINT64_C(1)) << 3, big);
    big[k++] = 0;
    rs_pb_scan_init(&s, big, k);
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_BAD_NUMBER);
    /* A value varint of eleven bytes. */
    long_v[0] = 0x08;
    memset(long_v + 1, 0x80, 10);
    long_v[11] = 0x01;
    rs_pb_scan_init(&s, long_v, sizeof(long_v));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_BAD_VARINT);
    assert_string_equal(rs_pb_step_str(RS_PB_TRUNCATED), "the bytes end inside a field");
}

static void test_next_marks_padding(void **state)
{
    static const uint8_t key[] = {0x88, 0x00, 0x01};            /* field 1 as a 2-byte key */
    static const uint8_t val[] = {0x08, 0x81, 0x00};            /* value 1 in two bytes */
    static const uint8_t len[] = {0x1a, 0x82, 0x00, 'a', 'b'};  /* length 2 in two bytes */
    static const uint8_t zero[] = {0x08, 0x00};                 /* 0 in one byte is not */
    struct rs_pb_scan s;
    struct rs_pb_field f;

    (void)state;
    rs_pb_scan_init(&s, key, sizeof(key));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_int_equal(f.num, 1);
    assert_true(f.padded);
    rs_pb_scan_init(&s, val, sizeof(val));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_int_equal(f.v, 1);
    assert_true(f.padded);
    rs_pb_scan_init(&s, len, sizeof(len));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_int_equal(f.n, 2);
    assert_true(f.padded);
    rs_pb_scan_init(&s, zero, sizeof(zero));
    assert_int_equal(rs_pb_next(&s, &f), RS_PB_FIELD);
    assert_false(f.padded);
}

/* ------------------------------------------------------------ what protobuf-c packs */

static void test_protobuf_c_packing_is_canonical(void **state)
{
    struct buf b = {.n = 0};
    Rs__Record r = RS__RECORD__INIT;
    Rs__Project pj = RS__PROJECT__INIT;

    (void)state;
    packed_relief(&b);
    expect_canonical(&b);

    /* Every kind of field the project has: strings, enums, int64, uint32, bool; a negative
     * enum value (sign-extended to ten bytes) and an empty string. */
    r.id = "";
    r.has_period = 1;
    r.period = (Rs__Period)-1;
    r.body_case = RS__RECORD__BODY_PROJECT;
    r.project = &pj;
    pj.project_id = "P-1";
    pj.has_category = 1;
    pj.category = RS__PROJECT_CATEGORY__CAT_ROAD;
    pj.has_scale_qty_milli = 1;
    pj.scale_qty_milli = INT64_MIN;
    pj.has_progress_pct = 1;
    pj.progress_pct = UINT32_MAX;
    pj.has_publicity_done = 1;
    pj.publicity_done = 1;
    b.n = rs__record__pack(&r, b.p);
    expect_canonical(&b);

    /* An empty record, and a body with no fields. */
    b.n = 0;
    expect_canonical(&b);
    put_len(&b, REC("survey"), NULL, 0);
    expect_canonical(&b);
}

static void test_repeated_fields_follow_each_other(void **state)
{
    Rs__BatchAck ack = RS__BATCH_ACK__INIT;
    Rs__RecordAck a[3] = {RS__RECORD_ACK__INIT, RS__RECORD_ACK__INIT, RS__RECORD_ACK__INIT};
    Rs__RecordAck *ptrs[3] = {&a[0], &a[1], &a[2]};
    uint8_t p[256];
    size_t n;
    char why[200];
    struct buf b = {.n = 0};
    uint8_t one[64];
    size_t none;

    (void)state;
    ack.batch_id = "b";
    ack.n_acks = 3;
    ack.acks = ptrs;
    for (int i = 0; i < 3; i++) {
        a[i].id = "x";
        a[i].has_status = 1;
        a[i].status = RS__ACK_STATUS__ACK_STORED;
    }
    n = rs__batch_ack__pack(&ack, p);
    assert_int_equal(rs_pb_check(&rs__batch_ack__descriptor, p, n, NULL, NULL, why, sizeof(why)),
                     RS_OK);

    /* An ack, the batch id, another ack: the repeated field is split. */
    none = rs__record_ack__pack(&a[0], one);
    put_len(&b, num_of(&rs__batch_ack__descriptor, "acks"), one, none);
    put_str(&b, num_of(&rs__batch_ack__descriptor, "batch_id"), "b");
    put_len(&b, num_of(&rs__batch_ack__descriptor, "acks"), one, none);
    assert_int_equal(rs_pb_check(&rs__batch_ack__descriptor, b.p, b.n, NULL, NULL, why,
                                 sizeof(why)),
                     RS_EPROTO);
    assert_string_equal(why, "not canonical: batch_id: comes after acks (field 2): fields are "
                             "written in field-number order");
}

/* ------------------------------------------------------------ each rule */

static void test_padded_varints_are_refused(void **state)
{
    static const uint8_t year_padded[] = {0xe7, 0x8f, 0x00};   /* 2023 in three bytes */
    struct buf b = {.n = 0};

    (void)state;
    put_str(&b, REC("id"), "x");
    put_key(&b, REC("year"), RS_PB_WT_VARINT);
    put(&b, year_padded, sizeof(year_padded));
    expect_refused(&b, "not canonical: year: a varint is longer than its value needs (padded)");

    b.n = 0;
    put_str(&b, REC("id"), "x");
    put(&b, (const uint8_t[]){0x9a, 0x00, 0x01, 'y'}, 4);        /* division_code, 2-byte key */
    expect_refused(&b, "not canonical: division_code: a varint is longer than its value needs "
                       "(padded)");

    b.n = 0;
    put_key(&b, REC("id"), RS_PB_WT_LEN);
    put(&b, (const uint8_t[]){0x81, 0x00, 'x'}, 3);               /* length 1 in two bytes */
    expect_refused(&b, "not canonical: id: a varint is longer than its value needs (padded)");
}

static void test_split_body_is_refused(void **state)
{
    struct buf b = {.n = 0}, rel1 = {.n = 0}, rel2 = {.n = 0};

    (void)state;
    head(&b);
    put_str(&rel1, REL("household_ref"), "HH1");
    put_key(&rel2, REL("amount_fen"), RS_PB_WT_VARINT);
    put_varint(&rel2, 600000);
    put_len(&b, REC("relief"), rel1.p, rel1.n);
    put_len(&b, REC("relief"), rel2.p, rel2.n);
    expect_refused(&b, "not canonical: relief: appears twice (a field is written once; a "
                       "message field is not split)");
}

static void test_order_and_repeats_are_refused(void **state)
{
    struct buf b = {.n = 0};

    (void)state;
    put_str(&b, REC("id"), "x");
    put_key(&b, REC("period"), RS_PB_WT_VARINT);
    put_varint(&b, 4);
    put_key(&b, REC("year"), RS_PB_WT_VARINT);
    put_varint(&b, 2023);
    expect_refused(&b, "not canonical: year: comes after period (field 5): fields are written "
                       "in field-number order");

    b.n = 0;
    head(&b);
    put_key(&b, REC("year"), RS_PB_WT_VARINT);
    put_varint(&b, 2024);
    expect_refused(&b, "not canonical: year: appears twice (a field is written once; a message "
                       "field is not split)");
}

static void test_two_bodies_are_refused(void **state)
{
    struct buf b = {.n = 0}, rel = {.n = 0};

    (void)state;
    head(&b);
    put_len(&b, REC("project"), NULL, 0);
    put_str(&rel, REL("household_ref"), "HH1");
    put_len(&b, REC("relief"), rel.p, rel.n);
    expect_refused(&b, "not canonical: relief: project is set already: a oneof holds one member");
}

static void test_wire_types_are_the_types_own(void **state)
{
    struct buf b = {.n = 0}, rel = {.n = 0};

    (void)state;
    put_str(&b, REC("id"), "x");
    put_key(&b, REC("division_code"), RS_PB_WT_VARINT);
    put_varint(&b, 430602001);
    expect_refused(&b, "not canonical: division_code: wire type 0; string fields are written "
                       "with wire type 2");

    b.n = 0;
    head(&b);
    put_str(&rel, REL("amount_fen"), "60000");
    put_len(&b, REC("relief"), rel.p, rel.n);
    expect_refused(&b, "not canonical: relief.amount_fen: wire type 2; int64 fields are written "
                       "with wire type 0");
}

static void test_values_protobuf_c_would_change(void **state)
{
    struct buf b = {.n = 0}, body = {.n = 0};
    static const char nul[] = "abc\0def";

    (void)state;
    /* uint32 with 33 bits: protobuf-c keeps the low 32. */
    put_str(&b, REC("id"), "x");
    put_key(&b, REC("year"), RS_PB_WT_VARINT);
    put_varint(&b, (UINT64_C(1) << 32) + 2023);
    expect_refused(&b, "not canonical: year: 4294969319 does not fit the field's 32 bits");

    /* An enum of 2^31 in five bytes: protobuf-c reads INT32_MIN and writes ten bytes. */
    b.n = 0;
    put_key(&b, REC("period"), RS_PB_WT_VARINT);
    put_varint(&b, UINT64_C(1) << 31);
    expect_refused(&b, "not canonical: period: 2147483648 is not a 32-bit value (a negative one "
                       "is sign-extended to 64 bits)");
    /* -1 sign-extended is how protobuf-c writes it. */
    b.n = 0;
    put_key(&b, REC("period"), RS_PB_WT_VARINT);
    put_varint(&b, UINT64_MAX);
    expect_canonical(&b);

    /* A bool of 2: protobuf-c reads true and writes 1. */
    b.n = 0;
    put_key(&body, num_of(&rs__project__descriptor, "publicity_done"), RS_PB_WT_VARINT);
    put_varint(&body, 2);
    put_len(&b, REC("project"), body.p, body.n);
    expect_refused(&b, "not canonical: project.publicity_done: a bool is 0 or 1, not 2");

    /* A NUL inside a string: a C string ends there. */
    b.n = 0;
    body.n = 0;
    put_len(&body, REL("village"), nul, sizeof(nul) - 1);
    put_len(&b, REC("relief"), body.p, body.n);
    expect_refused(&b, "not canonical: relief.village: a string holds no NUL byte");
}

static void test_unknown_fields_are_refused(void **state)
{
    struct buf b = {.n = 0}, rel = {.n = 0};

    (void)state;
    head(&b);
    put_key(&b, 99, RS_PB_WT_VARINT);
    put_varint(&b, 1);
    expect_refused(&b, "unknown field 99 of rs.Record (is the client newer than the server?)");

    /* A number between known ones, after a higher known one. */
    b.n = 0;
    head(&b);
    put_len(&b, REC("survey"), NULL, 0);
    put_key(&b, 8, RS_PB_WT_VARINT);
    put_varint(&b, 1);
    expect_refused(&b, "unknown field 8 of rs.Record (is the client newer than the server?)");

    b.n = 0;
    head(&b);
    put_str(&rel, REL("household_ref"), "HH1");
    put_str(&rel, 200, "from the future");
    put_len(&b, REC("relief"), rel.p, rel.n);
    expect_refused(&b, "unknown field 200 of rs.Relief (is the client newer than the server?)");
}

static void test_truncated_bytes_are_refused(void **state)
{
    struct buf b = {.n = 0};
    char why[200];

    (void)state;
    packed_relief(&b);
    /* Every proper prefix that ends inside a field is refused, none crashes. */
    for (size_t k = 1; k < b.n; k++) {
        rs_status rc = rs_pb_check(&rs__record__descriptor, b.p, k, NULL, NULL, why, sizeof(why));

        if (rc == RS_OK)
            continue;   /* the prefix ends between two top-level fields */
        assert_int_equal(rc, RS_EPROTO);
        assert_non_null(strstr(why, "the bytes end inside a field"));
    }
    b.n = 0;
    head(&b);
    put(&b, (const uint8_t[]){0xba, 0x01, 0x03, 0x0a, 0x05, 'a'}, 6);   /* relief, cut inside */
    expect_refused(&b, "not canonical: relief: not protobuf: the bytes end inside a field");
    b.n = 0;
    put(&b, (const uint8_t[]){0x0b}, 1);
    expect_refused(&b, "not canonical: not protobuf: a wire type protobuf-c does not read (3, 4, "
                       "6 or 7)");
}

/* ------------------------------------------------------------ the visitor */

struct seen {
    int fields, relief_fields;
    uint64_t amount;
    size_t id_len;
    const ProtobufCFieldDescriptor *stop_at;
};

static rs_status visit(void *arg, const ProtobufCMessageDescriptor *msg,
                       const ProtobufCFieldDescriptor *fd, const struct rs_pb_field *f)
{
    struct seen *s = arg;

    if (fd == s->stop_at)
        return RS_ENOTFOUND;
    s->fields++;
    if (msg == &rs__relief__descriptor) {
        s->relief_fields++;
        if (strcmp(fd->name, "amount_fen") == 0)
            s->amount = f->v;
    } else if (strcmp(fd->name, "id") == 0) {
        s->id_len = f->n;
    }
    return RS_OK;
}

static void test_visitor_sees_every_field_and_may_stop(void **state)
{
    struct buf b = {.n = 0};
    struct seen s = {0};
    char why[200];

    (void)state;
    packed_relief(&b);
    assert_int_equal(rs_pb_check(&rs__record__descriptor, b.p, b.n, visit, &s, why,
                                 sizeof(why)),
                     RS_OK);
    /* id, division_code, year, period, relief; household_ref, village, kind, amount, date. */
    assert_int_equal(s.fields, 10);
    assert_int_equal(s.relief_fields, 5);
    assert_int_equal(s.amount, 600000);
    assert_int_equal(s.id_len, 36);

    memset(&s, 0, sizeof(s));
    s.stop_at = protobuf_c_message_descriptor_get_field_by_name(&rs__record__descriptor, "relief");
    assert_int_equal(rs_pb_check(&rs__record__descriptor, b.p, b.n, visit, &s, why,
                                 sizeof(why)),
                     RS_ENOTFOUND);
    assert_int_equal(s.fields, 4);
    assert_int_equal(s.relief_fields, 0);

    assert_int_equal(rs_pb_check(NULL, b.p, b.n, NULL, NULL, why, sizeof(why)), RS_EINVAL);
    /* No bytes at all (protobuf-c gives an empty bytes field a NULL pointer): an empty
     * message. */
    assert_int_equal(rs_pb_check(&rs__record__descriptor, NULL, 0, NULL, NULL, why, sizeof(why)),
                     RS_OK);
    {
        struct rs_pb_scan sc;
        struct rs_pb_field f;

        rs_pb_scan_init(&sc, NULL, 0);
        assert_int_equal(rs_pb_next(&sc, &f), RS_PB_END);
    }
    /* A tiny reason buffer is cut, never overrun. */
    b.n = 0;
    head(&b);
    put_key(&b, REC("year"), RS_PB_WT_VARINT);
    put_varint(&b, 1);
    assert_int_equal(rs_pb_check(&rs__record__descriptor, b.p, b.n, NULL, NULL, why, 10),
                     RS_EPROTO);
    assert_string_equal(why, "not canon");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_reads_each_wire_type),
        cmocka_unit_test(test_next_refuses_what_is_not_protobuf),
        cmocka_unit_test(test_next_marks_padding),
        cmocka_unit_test(test_protobuf_c_packing_is_canonical),
        cmocka_unit_test(test_repeated_fields_follow_each_other),
        cmocka_unit_test(test_padded_varints_are_refused),
        cmocka_unit_test(test_split_body_is_refused),
        cmocka_unit_test(test_order_and_repeats_are_refused),
        cmocka_unit_test(test_two_bodies_are_refused),
        cmocka_unit_test(test_wire_types_are_the_types_own),
        cmocka_unit_test(test_values_protobuf_c_would_change),
        cmocka_unit_test(test_unknown_fields_are_refused),
        cmocka_unit_test(test_truncated_bytes_are_refused),
        cmocka_unit_test(test_visitor_sees_every_field_and_may_stop),
    };

    return cmocka_run_group_tests_name("pbscan", tests, NULL, NULL);
}

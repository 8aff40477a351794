/*
 * itest_requests.c - bad submissions and report requests against the real
 * resettled on 127.0.0.1.
 *
 * Records the server must refuse as a record (a RecordAck with the exact
 * field and reason, the good records around it stored), sent in protocol
 * version 2 as bytes: bytes that are not the canonical encoding of the
 * record they decode to (a wrong wire type, a NUL in a string, a number too
 * big for its field, a padded varint, a split body, fields out of order,
 * two bodies), fields from a newer client, a record without id (its ack
 * has none either), divisions outside the office's scope, an unknown
 * superseded id, the same id twice; report requests with bad values.  Two validation
 * cases (a negative amount, an impossible date) prove the server validates
 * what it stores.
 *
 * Does not: go through the validation rules (test_validate.c does, without
 * a network), or check roles (itest_access.c).
 *
 * The catalogue's server, its two well-behaved clients and the helpers are
 * itest_catalogue.h's.
 */
#define CATALOGUE_NAME "requests"
#include "itest_catalogue.h"
#include "rs_pbscan.h"

/* ------------------------------------------------------------ helpers */

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

/* ------------------------------------------------------------ batches */

/*
 * The message p[0..n) with extra put in before its first field numbered
 * above `after` (at the end if none): a message in field order but for the
 * one fault a case adds.  The fields are walked with the scanner.
 */
static void pb_insert(struct pb *b, const uint8_t *p, size_t n, uint32_t after,
                      const struct pb *extra)
{
    struct rs_pb_scan s;
    struct rs_pb_field f;
    bool done = false;

    rs_pb_scan_init(&s, p, n);
    while (rs_pb_next(&s, &f) == RS_PB_FIELD) {
        if (!done && f.num > after) {
            pb_put(b, extra->p, extra->n);
            done = true;
        }
        pb_put(b, f.start, (size_t)(f.p + f.n - f.start));
    }
    if (!done)
        pb_put(b, extra->p, extra->n);
}

/* r packed by protobuf-c, with extra put in as pb_insert does. */
static void pb_record_with(struct pb *b, const Rs__Record *r, uint32_t after,
                           const struct pb *extra)
{
    struct pb packed = {0};

    pb_record(&packed, r);
    pb_insert(b, packed.p, packed.n, after, extra);
    pb_free(&packed);
}

/* rel packed by protobuf-c, with extra put in as pb_insert does. */
static void pb_relief_with(struct pb *b, const Rs__Relief *rel, uint32_t after,
                           const struct pb *extra)
{
    size_t n = rs__relief__get_packed_size(rel);
    uint8_t *tmp = malloc(n ? n : 1);

    assert_non_null(tmp);
    rs__relief__pack(rel, tmp);
    pb_insert(b, tmp, n, after, extra);
    free(tmp);
}

/* As TOWN_A: [good, x's record with `extra` after field `after`, good]; rejected as "record". */
static void reject_with(struct env *e, struct rec *x, uint32_t after, const struct pb *extra,
                        const char *reason)
{
    struct it_conn c;
    struct pb b = {0};

    pb_record_with(&b, &x->r, after, extra);
    login(e, &c, TOWN_A, e->tok_a);
    expect_reject_bytes(e, &c, TOWN_A, b.p, b.n, x->id, "record", reason);
    it_conn_close(&c);
    pb_free(&b);
}

/* x's record with its relief replaced by `body`; rejected as "record". */
static void reject_body(struct env *e, struct rec *x, const struct pb *body, const char *reason)
{
    struct pb field = {0};

    x->r.body_case = RS__RECORD__BODY__NOT_SET;
    x->r.relief = NULL;
    pb_bytes(&field, RS__RECORD__BODY_RELIEF, body->p, body->n);
    reject_with(e, x, RS__RECORD__BODY_RELIEF, &field, reason);
    pb_free(&field);
}

/* ------------------------------------------------------------ batches */
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

/* ------------------------------------------------------------ records */

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

/*
 * Bytes that are not the canonical encoding of the record they decode to
 * (proto/README.md, "The canonical encoding"): each is rejected as field
 * "record" with the rule it broke, and its ack still names its id (read
 * before the fault).  The wire type of a field inside a record no longer
 * makes the envelope unparsable: the record is bytes (protocol version 2);
 * itest_versions.c has what version 1 answers.
 */
static void test_record_wrong_wire_type(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0};

    rec_relief(e, &x, TOWN_A);
    x.r.division_code = NULL;
    pb_key(&f, 3, 0);
    pb_varint(&f, 430602001);
    reject_with(e, &x, 1, &f, "not canonical: division_code: wire type 0; string fields are "
                              "written with wire type 2");
    pb_free(&f);
}

static void test_int_field_as_bytes(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0}, body = {0};

    rec_relief(e, &x, TOWN_A);
    x.rel.has_amount_fen = 0;
    pb_str(&f, 6, "60000");
    pb_relief_with(&body, &x.rel, 5, &f);
    reject_body(e, &x, &body, "not canonical: relief.amount_fen: wire type 2; int64 fields are "
                              "written with wire type 0");
    pb_free(&f);
    pb_free(&body);
}

static void test_nul_inside_string(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0}, body = {0};
    const char village[] = "abc\0def";

    rec_relief(e, &x, TOWN_A);
    x.rel.village = NULL;
    pb_bytes(&f, 2, village, sizeof(village) - 1);
    pb_relief_with(&body, &x.rel, 1, &f);
    reject_body(e, &x, &body, "not canonical: relief.village: a string holds no NUL byte");
    pb_free(&f);
    pb_free(&body);
}

static void test_uint32_field_overflow(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0};

    rec_relief(e, &x, TOWN_A);
    x.r.has_year = 0;
    pb_key(&f, 4, 0);
    pb_varint(&f, (UINT64_C(1) << 32) + 2023);
    reject_with(e, &x, 3, &f, "not canonical: year: 4294969319 does not fit the field's 32 bits");
    pb_free(&f);
}

/* 2023 in three bytes instead of two: the same record, other bytes. */
static void test_padded_varint(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0};
    static const uint8_t padded[] = {0xe7, 0x8f, 0x00};

    rec_relief(e, &x, TOWN_A);
    x.r.has_year = 0;
    pb_key(&f, 4, 0);
    pb_put(&f, padded, sizeof(padded));
    reject_with(e, &x, 3, &f, "not canonical: year: a varint is longer than its value needs "
                              "(padded)");
    pb_free(&f);
}

/* The body in two halves, which protobuf-c would merge into one. */
static void test_split_body(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0}, half = {0};

    rec_relief(e, &x, TOWN_A);
    pb_key(&half, 6, 0);
    pb_varint(&half, 70000);
    pb_bytes(&f, RS__RECORD__BODY_RELIEF, half.p, half.n);
    reject_with(e, &x, RS__RECORD__BODY_RELIEF, &f,
                "not canonical: relief: appears twice (a field is written once; a message "
                "field is not split)");
    pb_free(&f);
    pb_free(&half);
}

/* The year after the body: protobuf-c would write it before. */
static void test_fields_out_of_order(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0};

    rec_relief(e, &x, TOWN_A);
    x.r.has_year = 0;
    pb_key(&f, 4, 0);
    pb_varint(&f, 2023);
    reject_with(e, &x, RS__RECORD__BODY_RELIEF, &f,
                "not canonical: year: comes after relief (field 23): fields are written in "
                "field-number order");
    pb_free(&f);
}

/* A project body before the relief one: protobuf-c would keep only the last. */
static void test_two_bodies(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0};

    rec_relief(e, &x, TOWN_A);
    pb_bytes(&f, RS__RECORD__BODY_PROJECT, NULL, 0);
    reject_with(e, &x, RS__RECORD__BODY_PROJECT - 1, &f,
                "not canonical: relief: project is set already: a oneof holds one member");
    pb_free(&f);
}

static void test_record_unknown_field(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0};

    rec_relief(e, &x, TOWN_A);
    pb_key(&f, 99, 0);
    pb_varint(&f, 1);
    reject_with(e, &x, UINT32_MAX, &f,
                "unknown field 99 of rs.Record (is the client newer than the server?)");
    pb_free(&f);
}

static void test_body_unknown_field(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb f = {0}, body = {0};

    rec_relief(e, &x, TOWN_A);
    pb_str(&f, 200, "a field from the future");
    pb_relief_with(&body, &x.rel, UINT32_MAX, &f);
    reject_body(e, &x, &body,
                "unknown field 200 of rs.Relief (is the client newer than the server?)");
    pb_free(&f);
    pb_free(&body);
}

/* A record of no bytes at all: an empty record, canonical, and rejected by validation. */
static void test_empty_record_bytes(void **state)
{
    struct env *e = *state;
    struct it_conn c;

    login(e, &c, TOWN_A, e->tok_a);
    expect_reject_bytes(e, &c, TOWN_A, NULL, 0, NULL, "id", "required");
    it_conn_close(&c);
}

static void test_missing_id(void **state)
{
    struct env *e = *state;
    struct rec x;

    rec_relief(e, &x, TOWN_A);
    x.r.id = NULL;
    reject_a(e, &x.r, "id", "required");
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

/*
 * The same UUID in lower case, then in upper case: one id.  The upper-case
 * copy is refused with its reason (it was stored a second time), and only
 * the lower-case row exists.
 */
static void test_same_id_in_two_cases(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    Rs__Record *one[1] = {&x.r};
    char lower[RS_UUID_LEN + 1], sql[200];

    rec_relief(e, &x, TOWN_A);
    snprintf(lower, sizeof(lower), "%s", x.id);
    login(e, &c, TOWN_A, e->tok_a);
    submit_ok(e, &c, one, 1);
    for (char *p = x.id; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    assert_string_not_equal(x.id, lower);
    reject_a(e, &x.r, "id",
             "not in canonical form: write the UUID in lower case (ids are compared exactly "
             "as written)");
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE lower(record_id)='%s'", lower);
    assert_int_equal(it_sql_int(e->db, sql), 1);
    assert_int_equal(count_id(e, lower), 1);
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
                   "the year must be 2000..2100");
}

static void test_report_without_year(void **state)
{
    report_refused(*state, false, 0, NULL, RS__ERROR_CODE__ERR_INVALID,
                   "the year must be 2000..2100");
}

static void test_report_framework_path(void **state)
{
    report_refused(*state, true, 2023, "../../etc/passwd", RS__ERROR_CODE__ERR_INVALID,
                   "framework must be a preset name");
}

/* An unknown preset is named by its name; where the server keeps presets is not told. */
static void test_report_framework_unknown(void **state)
{
    report_refused(*state, true, 2023, "nosuch_preset", RS__ERROR_CODE__ERR_INVALID,
                   "no framework preset \"nosuch_preset\" on this server (it has: "
                   "hunan-dept, mof-project, unit-2023)");
}

static void test_report_framework_overlong(void **state)
{
    char fw[200];

    memset(fw, 'f', 199);
    fw[199] = '\0';
    report_refused(*state, true, 2023, fw, RS__ERROR_CODE__ERR_TOO_BIG,
                   "framework name too long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CATALOGUE_CASE(test_record_wrong_wire_type),
        CATALOGUE_CASE(test_int_field_as_bytes),
        CATALOGUE_CASE(test_empty_batch),
        CATALOGUE_CASE(test_date_19000000),
        CATALOGUE_CASE(test_negative_amount),
        CATALOGUE_CASE(test_nul_inside_string),
        CATALOGUE_CASE(test_uint32_field_overflow),
        CATALOGUE_CASE(test_padded_varint),
        CATALOGUE_CASE(test_split_body),
        CATALOGUE_CASE(test_fields_out_of_order),
        CATALOGUE_CASE(test_two_bodies),
        CATALOGUE_CASE(test_record_unknown_field),
        CATALOGUE_CASE(test_body_unknown_field),
        CATALOGUE_CASE(test_empty_record_bytes),
        CATALOGUE_CASE(test_missing_id),
        CATALOGUE_CASE(test_township_record_for_another_division),
        CATALOGUE_CASE(test_unit_level_record_from_township),
        CATALOGUE_CASE(test_central_outside_district),
        CATALOGUE_CASE(test_supersedes_unknown_id),
        CATALOGUE_CASE(test_same_id_twice_and_changed),
        CATALOGUE_CASE(test_same_id_in_two_cases),
        CATALOGUE_CASE(test_report_year_1999),
        CATALOGUE_CASE(test_report_without_year),
        CATALOGUE_CASE(test_report_framework_path),
        CATALOGUE_CASE(test_report_framework_overlong),
        CATALOGUE_CASE(test_report_framework_unknown),
        CATALOGUE_END,
    };

    return cmocka_run_group_tests_name("requests", tests, NULL, NULL);
}

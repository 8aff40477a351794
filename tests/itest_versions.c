/*
 * itest_versions.c - the two protocol versions against the real resettled
 * on 127.0.0.1 (proto/README.md, "Versioning").
 *
 * A version 1 client is written here against the version 1 encoding
 * (SubmitBatch.records, messages), with rs_wire and the catalogue's raw
 * protobuf writer: it is welcomed as version 1, its records are stored as
 * the server packs them, once, and then follow the version 2 path, so a
 * resend in either version is a duplicate; what decoding would alter is
 * rejected as before, and what protobuf-c cannot read is unparsable as
 * before.  A version 2 connection's records are stored as exactly the
 * bytes it sent, and its receipt hashes exactly them.  Each version's
 * field refused on the other's connection; the batch_id cap.  Throughout,
 * the catalogue's well-behaved clients (the real `resettle`, version 2)
 * are served.
 *
 * Does not: go through every non-canonical encoding (itest_requests.c
 * does, in version 2; test_pbscan.c without a network), or refuse Hello
 * versions (itest_handshake.c).
 */
#define CATALOGUE_NAME "versions"
#include "itest_catalogue.h"

#include <openssl/evp.h>

/* ------------------------------------------------------------ helpers */

static void login_v1(struct env *e, struct it_conn *c)
{
    Rs__Envelope *r = NULL;

    raw_open(e, c);
    assert_int_equal(it_conn_hello_version(c, 1, TOWN_A, e->tok_a, &r, T_REPLY), 0);
    assert_int_equal(r->welcome->protocol_version, 1);
    rs__envelope__free_unpacked(r, NULL);
}

/* The body column of record `id` into a malloc'd *out of *n bytes. */
static void stored_body(const struct env *e, const char *id, uint8_t **out, size_t *n)
{
    char sql[200];

    assert_null(strchr(id, '\''));
    snprintf(sql, sizeof(sql), "SELECT body FROM records WHERE record_id = '%s'", id);
    assert_int_equal(it_sql_bytes(e->db, sql, 0, out, n), 0);
}

/* The stored body of r->id is what protobuf-c packs for r. */
static void expect_stored_packing(const struct env *e, const Rs__Record *r)
{
    size_t want_n = rs__record__get_packed_size(r), n;
    uint8_t *want = malloc(want_n), *got;

    assert_non_null(want);
    rs__record__pack(r, want);
    stored_body(e, r->id, &got, &n);
    assert_int_equal(n, want_n);
    assert_memory_equal(got, want, n);
    free(want);
    free(got);
}

/* Submits recs on c in `version` and asserts every ack is `st`. */
static void submit_expect(struct env *e, struct it_conn *c, uint32_t version, Rs__Record **recs,
                          size_t n, Rs__AckStatus st)
{
    uint64_t rid = ++e->rid;
    Rs__Envelope *r;

    assert_int_equal(it_conn_submit_version(c, version, rid, recs, n, T_REPLY), 0);
    r = expect_ack(c, rid, n);
    for (size_t i = 0; i < n; i++)
        assert_ack(r->ack->acks[i], recs[i]->id, st);
    rs__envelope__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ version 1 */

/*
 * A version 1 client's records are packed once by the server and stored as
 * that packing; a resend in version 1 or in version 2 (the same record's
 * bytes) is a duplicate, so both versions make the same decision from the
 * same bytes.
 */
static void test_v1_client_stored_once_as_packed(void **state)
{
    struct env *e = *state;
    struct it_conn c1, c2;
    struct rec x[3];
    Rs__Record *recs[3] = {&x[0].r, &x[1].r, &x[2].r};

    for (int i = 0; i < 3; i++)
        rec_relief(e, &x[i], TOWN_A);
    x[1].rel.village = "青山村";
    login_v1(e, &c1);
    submit_expect(e, &c1, 1, recs, 3, RS__ACK_STATUS__ACK_STORED);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(count_id(e, x[i].id), 1);
        expect_stored_packing(e, &x[i].r);
    }
    submit_expect(e, &c1, 1, recs, 3, RS__ACK_STATUS__ACK_DUPLICATE);
    login(e, &c2, TOWN_A, e->tok_a);
    submit_expect(e, &c2, RS_PROTOCOL_VERSION, recs, 3, RS__ACK_STATUS__ACK_DUPLICATE);
    it_conn_close(&c2);
    it_conn_close(&c1);
}

/*
 * [good, bad, good] in version 1, bad given as its bytes inside
 * SubmitBatch.records: the good ones stored, bad rejected as stated.
 */
static void v1_reject(struct env *e, const struct pb *bad, const char *bad_id, const char *reason)
{
    struct it_conn c;
    struct rec g1, g2;
    struct pb parts[3] = {{0}}, env = {0};
    uint64_t rid = ++e->rid;
    Rs__Envelope *r;
    const Rs__RecordAck *a;

    rec_relief(e, &g1, TOWN_A);
    rec_relief(e, &g2, TOWN_A);
    pb_record(&parts[0], &g1.r);
    pb_put(&parts[1], bad->p, bad->n);
    pb_record(&parts[2], &g2.r);
    pb_batch_version(&env, 1, rid, parts, 3);
    login_v1(e, &c);
    send_pb(&c, &env);
    r = expect_ack(&c, rid, 3);
    assert_ack(r->ack->acks[0], g1.id, RS__ACK_STATUS__ACK_STORED);
    assert_ack(r->ack->acks[2], g2.id, RS__ACK_STATUS__ACK_STORED);
    a = r->ack->acks[1];
    assert_ack(a, bad_id, RS__ACK_STATUS__ACK_REJECTED);
    assert_string_equal(a->field, "record");
    assert_string_equal(a->reason, reason);
    rs__envelope__free_unpacked(r, NULL);
    assert_int_equal(count_id(e, bad_id), 0);
    it_conn_close(&c);
    for (int i = 0; i < 3; i++)
        pb_free(&parts[i]);
    pb_free(&env);
}

#define NOT_ROUND_TRIP "encoding does not round-trip (a NUL byte in a string, or a number too " \
                       "big for its field)"

/*
 * What protobuf-c decodes into something else than was sent (a NUL inside
 * a string, a 64-bit value in a uint32 field) is rejected in version 1 as
 * it always was, and so is a field from a newer client.
 */
static void test_v1_records_that_decoding_alters(void **state)
{
    struct env *e = *state;
    struct rec x;
    struct pb b = {0}, rel = {0};
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
    pb_bytes(&b, RS__RECORD__BODY_RELIEF, rel.p, rel.n);
    v1_reject(e, &b, x.id, NOT_ROUND_TRIP);
    pb_free(&b);
    pb_free(&rel);

    rec_relief(e, &x, TOWN_A);
    x.r.has_year = 0;
    pb_record(&b, &x.r);
    pb_key(&b, 4, 0);
    pb_varint(&b, (UINT64_C(1) << 32) + 2023);
    v1_reject(e, &b, x.id, NOT_ROUND_TRIP);
    pb_free(&b);

    rec_relief(e, &x, TOWN_A);
    pb_record(&b, &x.r);
    pb_key(&b, 99, 0);
    pb_varint(&b, 1);
    v1_reject(e, &b, x.id, "unknown field 99 of rs.Record (is the client newer than the server?)");
    pb_free(&b);
}

/* A record protobuf-c cannot read makes a version 1 envelope unparsable, as before. */
static void test_v1_wrong_wire_type_unparsable(void **state)
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
    pb_batch_version(&env, 1, rid, parts, 1);
    login_v1(e, &c);
    send_pb(&c, &env);
    expect_error(&c, NULL, RS__ERROR_CODE__ERR_PROTOCOL, "unparsable message", true);
    it_conn_close(&c);
    assert_int_equal(count_id(e, x.id), 0);
    pb_free(&parts[0]);
    pb_free(&env);
}

/* ------------------------------------------------------------ version 2 */

/*
 * Version 2 stores exactly the bytes sent, and the receipt's audit row
 * hashes exactly them: its "records sha256" is SHA-256 over
 * "<id> <hex SHA-256 of the bytes> <ack>\n" of each record, and the
 * receipt_hash is that row's chain hash.
 */
static void test_v2_stores_and_hashes_the_bytes_sent(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x[2];
    Rs__Record *recs[2] = {&x[0].r, &x[1].r};
    ProtobufCBinaryData bd[2];
    Rs__Envelope env = RS__ENVELOPE__INIT, *r;
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    char bid[RS_UUID_LEN + 1], hex[RS_SHA256_HEX + 1], line[200], sql[200], want[120];
    uint8_t h[RS_SHA256_LEN], chain[RS_SHA256_LEN];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned dlen = 0;
    uint8_t *detail = NULL;
    size_t len = 0;

    assert_non_null(md);
    for (int i = 0; i < 2; i++)
        rec_relief(e, &x[i], TOWN_A);
    it_record_bytes(recs, 2, bd);
    assert_int_equal(rs_uuid_random(bid), RS_OK);
    sb.batch_id = bid;
    sb.n_record_bytes = 2;
    sb.record_bytes = bd;
    env.has_request_id = 1;
    env.request_id = ++e->rid;
    env.msg_case = RS__ENVELOPE__MSG_SUBMIT;
    env.submit = &sb;
    login(e, &c, TOWN_A, e->tok_a);
    assert_int_equal(it_conn_send(&c, &env, T_REPLY), 0);
    r = expect_ack(&c, env.request_id, 2);
    assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 2; i++) {
        uint8_t *got;
        size_t n;

        assert_ack(r->ack->acks[i], x[i].id, RS__ACK_STATUS__ACK_STORED);
        stored_body(e, x[i].id, &got, &n);
        assert_int_equal(n, bd[i].len);
        assert_memory_equal(got, bd[i].data, n);
        free(got);
        rs_sha256(bd[i].data, bd[i].len, h);
        rs_hex(h, sizeof(h), hex);
        snprintf(line, sizeof(line), "%s %s stored\n", x[i].id, hex);
        assert_int_equal(EVP_DigestUpdate(md, line, strlen(line)), 1);
    }
    assert_int_equal(EVP_DigestFinal_ex(md, h, &dlen), 1);
    rs_hex(h, sizeof(h), hex);
    snprintf(want, sizeof(want), "records sha256 %s", hex);
    assert_int_equal(r->ack->has_receipt_seq, 1);
    assert_int_equal(r->ack->receipt_hash.len, RS_SHA256_LEN);
    memcpy(chain, r->ack->receipt_hash.data, RS_SHA256_LEN);
    snprintf(sql, sizeof(sql), "SELECT detail, hash FROM audit WHERE seq = %llu",
             (unsigned long long)r->ack->receipt_seq);
    rs__envelope__free_unpacked(r, NULL);
    assert_int_equal(it_sql_bytes(e->db, sql, 0, &detail, &len), 0);
    assert_non_null(strstr((const char *)detail, want));
    free(detail);
    assert_int_equal(it_sql_bytes(e->db, sql, 1, &detail, &len), 0);
    assert_int_equal(len, RS_SHA256_LEN);
    assert_memory_equal(detail, chain, RS_SHA256_LEN);
    free(detail);
    EVP_MD_CTX_free(md);
    it_record_bytes_free(bd, 2);
    it_conn_close(&c);
}

/* ------------------------------------------------------------ the versions' fields */

/* Each version's field on the other's connection: ERR_INVALID, and the connection goes on. */
static void test_each_version_keeps_to_its_field(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    struct pb parts[1] = {{0}}, env = {0};
    Rs__Record *one[1] = {&x.r};
    uint64_t rid = ++e->rid;

    rec_relief(e, &x, TOWN_A);
    pb_record(&parts[0], &x.r);
    pb_batch_version(&env, 2, rid, parts, 1);
    login_v1(e, &c);
    send_pb(&c, &env);
    expect_error(&c, &rid, RS__ERROR_CODE__ERR_INVALID,
                 "record_bytes is protocol version 2; this connection said Hello with version "
                 "1, which sends records",
                 false);
    submit_expect(e, &c, 1, one, 1, RS__ACK_STATUS__ACK_STORED);
    it_conn_close(&c);
    pb_free(&env);

    rec_relief(e, &x, TOWN_A);
    pb_free(&parts[0]);
    pb_record(&parts[0], &x.r);
    rid = ++e->rid;
    pb_batch_version(&env, 1, rid, parts, 1);
    login(e, &c, TOWN_A, e->tok_a);
    send_pb(&c, &env);
    expect_error(&c, &rid, RS__ERROR_CODE__ERR_INVALID,
                 "protocol version 2 sends each record as record_bytes (the bytes the client "
                 "packed), not as records",
                 false);
    assert_int_equal(count_id(e, x.id), 0);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
    pb_free(&parts[0]);
    pb_free(&env);
}

/* A SubmitBatch with batch_id `bid` and one record's bytes. */
static void pb_batch_with_id(struct pb *env, uint64_t rid, const char *bid, const struct pb *rec)
{
    struct pb sb = {0};

    pb_str(&sb, pb_submit_field("batch_id"), bid);
    pb_bytes(&sb, pb_submit_field("record_bytes"), rec->p, rec->n);
    pb_key(env, 1, 0);
    pb_varint(env, rid);
    pb_bytes(env, RS__ENVELOPE__MSG_SUBMIT, sb.p, sb.n);
    pb_free(&sb);
}

/* batch_id: 64 bytes are taken, 65 refused before anything is unpacked. */
static void test_batch_id_cap(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x;
    struct pb rec = {0}, env = {0};
    char bid[RS_MAX_BATCH_ID_BYTES + 2];
    uint64_t rid = ++e->rid;
    Rs__Envelope *r;

    memset(bid, 'b', sizeof(bid) - 1);
    bid[sizeof(bid) - 1] = '\0';
    rec_relief(e, &x, TOWN_A);
    pb_record(&rec, &x.r);
    pb_batch_with_id(&env, rid, bid, &rec);
    login(e, &c, TOWN_A, e->tok_a);
    send_pb(&c, &env);
    expect_error(&c, &rid, RS__ERROR_CODE__ERR_INVALID,
                 "batch_id of 65 bytes; the cap is 64 (a UUID has 36)", false);
    assert_int_equal(count_id(e, x.id), 0);
    pb_free(&env);

    bid[RS_MAX_BATCH_ID_BYTES] = '\0';
    rid = ++e->rid;
    pb_batch_with_id(&env, rid, bid, &rec);
    send_pb(&c, &env);
    r = expect_ack(&c, rid, 1);
    assert_ack(r->ack->acks[0], x.id, RS__ACK_STATUS__ACK_STORED);
    assert_string_equal(r->ack->batch_id, bid);
    rs__envelope__free_unpacked(r, NULL);
    it_conn_close(&c);
    pb_free(&rec);
    pb_free(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CATALOGUE_CASE(test_v1_client_stored_once_as_packed),
        CATALOGUE_CASE(test_v1_records_that_decoding_alters),
        CATALOGUE_CASE(test_v1_wrong_wire_type_unparsable),
        CATALOGUE_CASE(test_v2_stores_and_hashes_the_bytes_sent),
        CATALOGUE_CASE(test_each_version_keeps_to_its_field),
        CATALOGUE_CASE(test_batch_id_cap),
        CATALOGUE_END,
    };

    return cmocka_run_group_tests_name("versions", tests, NULL, NULL);
}

/*
 * itest_tls.c - the real resettled and resettle over TLS on 127.0.0.1.
 *
 * The certificates are made at test time by deploy/make-certs.sh into the
 * test's folder (nothing secret is committed): the district CA and a
 * server certificate for 127.0.0.1 and localhost, a second CA that trusts
 * nothing of ours, and a certificate of the right CA for the wrong name.
 *
 * Covers: a submission of 3000 records over TLS with every receipt kept in
 * the outbox matching its audit row; a raw TLS client whose frames are cut
 * into one-byte and seven-byte TLS records, and two frames in one record;
 * a report over TLS; the pinned fingerprint (right and wrong); a wrong CA
 * and a wrong name refused with what did not match; a plaintext client
 * against the TLS server and a TLS client against a plaintext server both
 * failing cleanly with nothing stored; household identifiers (身份证号,
 * 户主姓名) sent only as keyed hashes that match across townships and years
 * (and refused without the district key); and `resettled serve` refusing to
 * start without TLS off loopback, without --plaintext, or with a key that
 * is not the certificate's.
 *
 * Does not: test access rules (itest_access.c) or the audit chain itself
 * (test_audit.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "itest_harness.h"
#include "rawdb.h"
#include "rs_rowmap.h"

#define TOWN_A "430602001"
#define DISTRICT "430602"
#define T_REPLY 15000

struct env {
    char dir[256];
    char db[512];
    char pki[512], other[512], wrongname[512];
    char ca[600], cert[600], key[600];
    char fingerprint[80];
    char *tok_a, *tok_c;
    struct it_server srv;
};

/* ------------------------------------------------------------ setup */

/* Runs deploy/make-certs.sh DIR NAMES...; fills fp (if not NULL) from its last line. */
static int make_certs(struct env *e, const char *dir, const char *names, char *fp, size_t fplen)
{
    char cmd[1400], out[600], *text, *last;
    int rc;

    it_path(out, sizeof(out), e->dir, "make-certs.out");
    snprintf(cmd, sizeof(cmd), "bash '%s/deploy/make-certs.sh' '%s' %s > '%s' 2>&1",
             RS_SOURCE_DIR, dir, names, out);
    rc = system(cmd);
    text = it_read_file(out);
    if (rc != 0) {
        fprintf(stderr, "make-certs.sh failed:\n%s\n", text);
        free(text);
        return -1;
    }
    while (strlen(text) > 0 && text[strlen(text) - 1] == '\n')
        text[strlen(text) - 1] = '\0';
    last = strrchr(text, '\n');
    last = last ? last + 1 : text;
    if (fp)
        snprintf(fp, fplen, "%s", last);
    free(text);
    return 0;
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *extra[5];
    char *out;

    if (!e)
        return -1;
    it_tmpdir(e->dir, "tls");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    it_path(e->pki, sizeof(e->pki), e->dir, "pki");
    it_path(e->other, sizeof(e->other), e->dir, "other-ca");
    snprintf(e->ca, sizeof(e->ca), "%s/ca.crt", e->pki);
    snprintf(e->cert, sizeof(e->cert), "%s/server.crt", e->pki);
    snprintf(e->key, sizeof(e->key), "%s/server.key", e->pki);
    if (make_certs(e, e->pki, "127.0.0.1 localhost", e->fingerprint, sizeof(e->fingerprint)) ||
        make_certs(e, e->other, "127.0.0.1", NULL, 0))
        return -1;
    if (strncmp(e->fingerprint, "sha256:", 7) != 0 || strlen(e->fingerprint) != 71)
        return -1;
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    if (!e->tok_a || !e->tok_c)
        return -1;
    extra[0] = "--tls-cert";
    extra[1] = e->cert;
    extra[2] = "--tls-key";
    extra[3] = e->key;
    extra[4] = NULL;
    if (it_server_start_args(&e->srv, e->dir, e->db, extra) != 0)
        return -1;
    /* The server announces the fingerprint a township may pin. */
    out = it_read_file(e->srv.out);
    for (int i = 0; i < 100 && !strstr(out, "tls certificate "); i++) {
        free(out);
        it_sleep_ms(10);
        out = it_read_file(e->srv.out);
    }
    if (!strstr(out, e->fingerprint)) {
        free(out);
        return -1;
    }
    free(out);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    int st = it_server_stop_logged(&e->srv);

    if (it_rmtree(e->dir) != 0)
        st = -1;
    free(e->tok_a);
    free(e->tok_c);
    free(e);
    return st == 0 ? 0 : -1;
}

static long long count(const struct env *e, const char *sql)
{
    return it_sql_int(e->db, sql);
}

/* Runs resettle with argv (NULL-terminated, after the binary); returns the exit status. */
static int client(const char *out, const char *const *args)
{
    char *argv[40];
    int n = 0;

    argv[n++] = RS_CLIENT_BIN;
    for (int i = 0; args[i] && n < 39; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    return it_run(argv, out, out);
}

static void expect_output(const char *file, const char *needle)
{
    char *text = it_read_file(file);

    if (!strstr(text, needle))
        fail_msg("expected in %s:\n  %s\ngot:\n%s", file, needle, text);
    free(text);
}

/* ------------------------------------------------------------ raw TLS client */

struct tls_conn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    struct rs_frame_rx rx;
};

static int tls_open(struct tls_conn *t, const struct env *e)
{
    const char *colon = strrchr(e->srv.addr, ':');
    struct sockaddr_in sa;
    struct timeval tv = {T_REPLY / 1000, 0};

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
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), "127.0.0.1") != 1)
        return -1;
    return SSL_connect(t->ssl) == 1 ? 0 : -1;
}

static void tls_close(struct tls_conn *t)
{
    if (t->ssl)
        SSL_free(t->ssl);
    if (t->ctx)
        SSL_CTX_free(t->ctx);
    if (t->fd >= 0)
        close(t->fd);
    rs_frame_rx_free(&t->rx);
}

/* Writes p[0..n) as TLS records of at most `chunk` bytes each. */
static void tls_write_chunked(struct tls_conn *t, const uint8_t *p, size_t n, size_t chunk)
{
    while (n > 0) {
        size_t k = n < chunk ? n : chunk, w = 0;

        assert_int_equal(SSL_write_ex(t->ssl, p, k, &w), 1);
        assert_int_equal(w, k);
        p += k;
        n -= k;
    }
}

static void pack_env(const Rs__Envelope *env, uint8_t **out, size_t *len)
{
    assert_int_equal(rs_wire_pack(env, 64u << 20, 0, out, len), RS_OK);
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

/*
 * A framed batch (protocol version 2) of n relief records of TOWN_A
 * (households prefix-1 .. prefix-n) into *out (malloc'd, *len bytes).
 */
static void pack_batch(Rs__Record **ptrs, Rs__Record *recs, Rs__Relief *rel,
                       char (*ids)[RS_UUID_LEN + 1], char (*hh)[32], const char *prefix, size_t n,
                       uint64_t rid, uint8_t **out, size_t *len)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    ProtobufCBinaryData *bd = calloc(n, sizeof(*bd));

    assert_non_null(bd);
    for (size_t i = 0; i < n; i++) {
        snprintf(hh[i], sizeof(hh[i]), "%s-%05zu", prefix, i + 1);
        it_relief_record(&recs[i], &rel[i], ids[i], TOWN_A, hh[i]);
        ptrs[i] = &recs[i];
    }
    it_record_bytes(ptrs, n, bd);
    sb.batch_id = (char *)prefix;
    sb.n_record_bytes = n;
    sb.record_bytes = bd;
    env.has_request_id = 1;
    env.request_id = rid;
    env.msg_case = RS__ENVELOPE__MSG_SUBMIT;
    env.submit = &sb;
    pack_env(&env, out, len);
    it_record_bytes_free(bd, n);
    free(bd);
}

static void expect_ack(Rs__Envelope *r, uint64_t rid, size_t n)
{
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(r->request_id, rid);
    assert_int_equal(r->ack->n_acks, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r->ack->acks[i]->status, RS__ACK_STATUS__ACK_STORED);
    assert_true(r->ack->has_receipt_seq);
    assert_true(r->ack->has_receipt_hash);
    assert_int_equal(r->ack->receipt_hash.len, RS_SHA256_LEN);
}

/* ------------------------------------------------------------ tests */

static void test_submission_and_receipts(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], sql[900];
    const char *args[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                          "--outbox", ob, "--ca", e->ca, "submit", csv, NULL};

    it_path(csv, sizeof(csv), e->dir, "relief.csv");
    it_path(ob, sizeof(ob), e->dir, "a.outbox");
    it_path(out, sizeof(out), e->dir, "a.out");
    it_relief_csv(csv, TOWN_A, 1, 3000, 500);
    assert_int_equal(client(out, args), 0);
    expect_output(out, "已发送 3000 条：入库 3000，重复 0，冲突 0，被拒 0");
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 3000);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=1"), 3000);
    /* A batch of 1000 records is far larger than one TLS record (16 KiB). */
    assert_true(it_sql_int(ob, "SELECT sum(length(body)) FROM outbox WHERE seq <= 1000") >
                4 * 16384);

    /* Every record keeps its batch's receipt, and each receipt is an audit row. */
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE receipt_seq IS NULL"),
                     0);
    assert_int_equal(it_sql_int(ob, "SELECT count(DISTINCT receipt_seq) FROM outbox"), 3);
    /* Each receipt (seq and hash, from the outbox) is a batch row of the
     * server's trail, on either backend. */
    for (int k = 0; k < 3; k++) {
        char hex[2 * RS_SHA256_LEN + 1], lit[96];
        long long seq;

        snprintf(sql, sizeof(sql),
                 "SELECT receipt_seq FROM (SELECT DISTINCT receipt_seq FROM outbox)"
                 " ORDER BY receipt_seq LIMIT 1 OFFSET %d", k);
        seq = it_sql_int(ob, sql);
        snprintf(sql, sizeof(sql),
                 "SELECT lower(hex(receipt_hash)) FROM outbox WHERE receipt_seq = %lld", seq);
        rawdb_text(ob, sql, hex, sizeof(hex));
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM audit WHERE seq = %lld AND hash = %s"
                 " AND kind = 'batch' AND office = '" TOWN_A "'"
                 " AND detail LIKE '%%: 1000 records: 1000 stored, 0 duplicate, 0 conflict,"
                 " 0 rejected; records sha256 %%'",
                 seq, rawdb_blob_lit(e->db, hex, lit, sizeof(lit)));
        assert_int_equal(it_sql_int(e->db, sql), 1);
    }
    {
        char *argv[] = {RS_SERVER_BIN, "audit", "verify", "--db", e->db, NULL};

        assert_int_equal(it_run(argv, out, out), 0);
        /* 2 office rows + 3 batches. */
        expect_output(out, "ok 5 rows");
    }
    {
        const char *st_args[] = {"--outbox", ob, "status", NULL};

        assert_int_equal(client(out, st_args), 0);
        expect_output(out, "最近回执：审计记录第 5 行 sha256 ");
    }
}

static void test_frames_split_across_records(void **state)
{
    struct env *e = *state;
    struct tls_conn t;
    Rs__Envelope hello_env = RS__ENVELOPE__INIT, *r;
    Rs__Hello h = RS__HELLO__INIT;
    static Rs__Record recs[400], *ptrs[400];
    static Rs__Relief rel[400];
    static char ids[400][RS_UUID_LEN + 1], hh[400][32];
    uint8_t *bytes, *two;
    size_t len, len2;

    assert_int_equal(tls_open(&t, e), 0);
    /* Hello, one byte per TLS record. */
    h.has_protocol_version = 1;
    h.protocol_version = RS_PROTOCOL_VERSION;
    h.office_code = TOWN_A;
    h.token = e->tok_a;
    hello_env.msg_case = RS__ENVELOPE__MSG_HELLO;
    hello_env.hello = &h;
    pack_env(&hello_env, &bytes, &len);
    tls_write_chunked(&t, bytes, len, 1);
    free(bytes);
    r = tls_recv(&t);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_WELCOME);
    assert_string_equal(r->welcome->office_code, TOWN_A);
    rs__envelope__free_unpacked(r, NULL);

    /* A batch of 300 records in seven-byte records. */
    pack_batch(ptrs, recs, rel, ids, hh, "split7", 300, 1, &bytes, &len);
    assert_true(len > 16384);
    tls_write_chunked(&t, bytes, len, 7);
    free(bytes);
    r = tls_recv(&t);
    expect_ack(r, 1, 300);
    rs__envelope__free_unpacked(r, NULL);

    /* Two frames in one TLS record, the second cut across the next two records. */
    pack_batch(ptrs, recs, rel, ids, hh, "pairA", 2, 2, &bytes, &len);
    pack_batch(ptrs, recs, rel, ids, hh, "pairB", 50, 3, &two, &len2);
    {
        uint8_t *both = malloc(len + len2);
        size_t first = len + len2 / 2;

        assert_non_null(both);
        memcpy(both, bytes, len);
        memcpy(both + len, two, len2);
        tls_write_chunked(&t, both, first, first);
        tls_write_chunked(&t, both + first, len + len2 - first, len + len2 - first);
        free(both);
    }
    free(bytes);
    free(two);
    r = tls_recv(&t);
    expect_ack(r, 2, 2);
    rs__envelope__free_unpacked(r, NULL);
    r = tls_recv(&t);
    expect_ack(r, 3, 50);
    rs__envelope__free_unpacked(r, NULL);
    tls_close(&t);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 352);
}

static void test_report_over_tls(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], rep[512];
    const char *submit[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                            "--outbox", ob, "--pin", e->fingerprint, "submit", csv, NULL};
    const char *report[] = {"--server", e->srv.addr, "--office", DISTRICT, "--token",
                            e->tok_c, "--ca", e->ca, "report", "--year", "2023",
                            "--format", "markdown", "--out", rep, NULL};
    char *text;

    it_path(csv, sizeof(csv), e->dir, "r.csv");
    it_path(ob, sizeof(ob), e->dir, "r.outbox");
    it_path(out, sizeof(out), e->dir, "r.out");
    it_path(rep, sizeof(rep), e->dir, "report.md");
    it_relief_csv(csv, TOWN_A, 1, 40, 500);
    /* The pinned fingerprint alone is trust enough. */
    assert_int_equal(client(out, submit), 0);
    assert_int_equal(client(out, report), 0);
    text = it_read_file(rep);
    assert_true(strlen(text) > 1000);
    assert_non_null(strstr(text, "2023"));
    assert_non_null(strstr(text, "金鹗山街道"));
    free(text);
}

static void test_wrong_pin(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], want[400];
    const char *pin = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    const char *args[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                          "--outbox", ob, "--pin", pin, "submit", csv, NULL};

    it_path(csv, sizeof(csv), e->dir, "p.csv");
    it_path(ob, sizeof(ob), e->dir, "p.outbox");
    it_path(out, sizeof(out), e->dir, "p.out");
    it_relief_csv(csv, TOWN_A, 1, 5, 500);
    assert_int_equal(client(out, args), 1);
    snprintf(want, sizeof(want),
             "TLS：服务器证书与指纹不符：应为 %s，实为 %s（证书主体“CN=127.0.0.1”）",
             pin, e->fingerprint);
    expect_output(out, want);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 5);
}

static void test_wrong_ca(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], other_ca[600], want[900];
    const char *args[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                          "--outbox", ob, "--ca", other_ca, "submit", csv, NULL};

    snprintf(other_ca, sizeof(other_ca), "%s/ca.crt", e->other);
    it_path(csv, sizeof(csv), e->dir, "w.csv");
    it_path(ob, sizeof(ob), e->dir, "w.outbox");
    it_path(out, sizeof(out), e->dir, "w.out");
    it_relief_csv(csv, TOWN_A, 1, 5, 500);
    assert_int_equal(client(out, args), 1);
    snprintf(want, sizeof(want),
             "TLS：服务器证书不可信：unable to get local issuer certificate（证书主体"
             "“CN=127.0.0.1”，签发者“CN=resettle district CA”，链深度 0；已对照 CA 文件 %s "
             "和名称 127.0.0.1 核验）",
             other_ca);
    expect_output(out, want);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 5);
}

/*
 * --ca naming a file TLS cannot use is a usage error (exit 2) like a
 * missing one, said before anything is sent: a directory, a file that
 * holds no certificate.
 */
static void test_ca_unusable(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512], ca[600], want[900], *text;
    const char *args[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                          "--outbox", ob, "--ca", ca, "submit", csv, NULL};
    const char *why[] = {"No such file or directory", "不是文件", "不是 PEM 证书文件（"};

    it_path(csv, sizeof(csv), e->dir, "ca.csv");
    it_path(ob, sizeof(ob), e->dir, "ca.outbox");
    it_path(out, sizeof(out), e->dir, "ca.out");
    it_relief_csv(csv, TOWN_A, 1, 3, 500);
    for (int i = 0; i < 3; i++) {
        if (i == 0)
            it_path(ca, sizeof(ca), e->dir, "no-such-ca.crt");
        else if (i == 1)
            snprintf(ca, sizeof(ca), "%s", e->dir);
        else {
            it_path(ca, sizeof(ca), e->dir, "junk-ca.crt");
            it_write_file(ca, "this is not a certificate\n");
        }
        assert_int_equal(client(out, args), 2);
        snprintf(want, sizeof(want), "resettle: CA 文件 %s：%s", ca, why[i]);
        expect_output(out, want);
        text = it_read_file(out);
        assert_non_null(strstr(text, "用法："));
        free(text);
    }
    /* As with a missing CA file: the rows stay queued for a sync with a usable one. */
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 3);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);
}

static void test_wrong_name(void **state)
{
    struct env *e = *state;
    struct it_server other;
    char dir[256], db[300], cert[300], key[300], cmd[1400], out[512], ob[512];
    const char *extra[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    const char *args[] = {"--server", other.addr, "--office", TOWN_A, "--token", e->tok_a,
                          "--outbox", ob, "--ca", e->ca, "sync", "--attempts", "1", NULL};

    /* A certificate from the district's own CA, but for another name. */
    snprintf(dir, sizeof(dir), "%.200s/wrongname", e->dir);
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/pki' && cp '%.300s/ca.crt' '%.300s/ca.key' '%s/pki/'",
             dir, e->pki, e->pki, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/pki", dir);
    assert_int_equal(make_certs(e, cmd, "resettle.other.example", NULL, 0), 0);
    snprintf(cert, sizeof(cert), "%s/pki/server.crt", dir);
    snprintf(key, sizeof(key), "%s/pki/server.key", dir);
    it_db_path(db, sizeof(db), dir, "resettle.db");
    it_path(out, sizeof(out), e->dir, "n.out");
    it_path(ob, sizeof(ob), e->dir, "n.outbox");
    assert_int_equal(it_server_start_args(&other, dir, db, extra), 0);
    assert_int_equal(client(out, args), 1);
    expect_output(out, "TLS：服务器证书不可信：IP address mismatch（证书主体"
                       "“CN=resettle.other.example”，签发者“CN=resettle district CA”，链深度 0；"
                       "已对照 CA 文件 ");
    assert_int_equal(it_server_stop(&other), 0);
}

static void test_plaintext_client_against_tls(void **state)
{
    struct env *e = *state;
    char csv[512], ob[512], out[512];
    const char *args[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                          "--outbox", ob, "--plaintext", "submit", csv, NULL};
    const char *sync[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                          "--outbox", ob, "--ca", e->ca, "sync", NULL};
    struct it_conn c;
    Rs__Envelope *r = NULL;

    it_path(csv, sizeof(csv), e->dir, "pt.csv");
    it_path(ob, sizeof(ob), e->dir, "pt.outbox");
    it_path(out, sizeof(out), e->dir, "pt.out");
    it_relief_csv(csv, TOWN_A, 1, 5, 500);
    /* The client is told why, at once (no retries), and nothing is stored. */
    assert_int_equal(client(out, args), 1);
    expect_output(out, "resettle: 服务器认为请求的格式有误（服务器说明："
                       "this server speaks TLS only: connect with TLS "
                       "(resettle --ca FILE or --pin sha256:HEX), not --plaintext");
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);

    /* A raw plaintext Hello: the same Error frame, then the connection closes. */
    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    assert_int_not_equal(it_conn_hello(&c, TOWN_A, e->tok_a, &r, T_REPLY), 0);
    assert_non_null(r);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ERROR);
    assert_int_equal(r->error->code, RS__ERROR_CODE__ERR_PROTOCOL);
    assert_true(r->error->close);
    rs__envelope__free_unpacked(r, NULL);
    assert_int_equal(it_conn_wait_eof(&c, T_REPLY), 0);
    it_conn_close(&c);

    /* The server goes on serving TLS: the rows queued above are delivered now. */
    assert_int_equal(client(out, sync), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 5);
}

static void test_tls_client_against_plaintext(void **state)
{
    struct env *e = *state;
    struct it_server plain;
    char dir[256], db[300], csv[512], ob[512], out[512];
    const char *args[] = {"--server", plain.addr, "--office", TOWN_A, "--token", e->tok_a,
                          "--outbox", ob, "--ca", e->ca, "submit", csv, NULL};

    snprintf(dir, sizeof(dir), "%.200s/plain", e->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    it_db_path(db, sizeof(db), dir, "resettle.db");
    it_path(csv, sizeof(csv), e->dir, "tp.csv");
    it_path(ob, sizeof(ob), e->dir, "tp.outbox");
    it_path(out, sizeof(out), e->dir, "tp.out");
    it_relief_csv(csv, TOWN_A, 1, 5, 500);
    assert_int_equal(it_server_start(&plain, dir, db), 0);
    /* No fallback: the TLS client refuses to talk in the clear. */
    assert_int_equal(client(out, args), 1);
    expect_output(out, "的 TLS 握手失败：");
    expect_output(out, "不会退回到明文连接");
    assert_int_equal(it_server_stop(&plain), 0);
    assert_int_equal(it_sql_int(db, "SELECT count(*) FROM records"), 0);
    assert_int_equal(it_sql_int(ob, "SELECT count(*) FROM outbox WHERE state=0"), 5);
}

/* True if the file holds the bytes of s anywhere (absent file: false). */
static bool file_contains(const char *path, const char *s)
{
    FILE *f = fopen(path, "rb");
    size_t k = strlen(s), n;
    char *buf;
    bool found = false;

    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, n, f), n);
    fclose(f);
    for (size_t i = 0; i + k <= n && !found; i++)
        found = memcmp(buf + i, s, k) == 0;
    free(buf);
    return found;
}

static void test_identifiers_keyed(void **state)
{
    struct env *e = *state;
    char key_file[512], csv_a[512], csv_c[512], ob_a[512], ob_c[512], out[512], cmd[1200];
    char ref[RS_KEYED_REF_LEN + 1], sql[300], path[600], *hex;
    uint8_t key[RS_DISTRICT_KEY_LEN];
    const char *a_args[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                            "--outbox", ob_a, "--ca", e->ca, "--district-key", key_file,
                            "submit", csv_a, NULL};
    const char *c_args[] = {"--server", e->srv.addr, "--office", DISTRICT, "--token", e->tok_c,
                            "--outbox", ob_c, "--ca", e->ca, "--district-key", key_file,
                            "submit", csv_c, NULL};
    const char *nokey[] = {"--server", e->srv.addr, "--office", TOWN_A, "--token", e->tok_a,
                           "--outbox", ob_a, "--ca", e->ca, "submit", csv_a, NULL};

    it_path(key_file, sizeof(key_file), e->dir, "district.key");
    it_path(csv_a, sizeof(csv_a), e->dir, "id-a.csv");
    it_path(csv_c, sizeof(csv_c), e->dir, "id-c.csv");
    it_path(ob_a, sizeof(ob_a), e->dir, "id-a.outbox");
    it_path(ob_c, sizeof(ob_c), e->dir, "id-c.outbox");
    it_path(out, sizeof(out), e->dir, "id.out");
    it_write_file(csv_a, "year,身份证号,户主姓名,村(社区),救助类别,金额(元),发放日期\n"
                         "2023,430602198001011230,王五,金鹗村,特困救助,600,2023-12-20\n"
                         "2023,,赵六,金鹗村,特困救助,500,2023-12-20\n");
    /* The same household, paid by another township a year later, its ID in the old form. */
    it_write_file(csv_c, "division_code,year,身份证号,kind,amount(元),paid_date\n"
                         "430602002,2024,430602800101123,hardship,700,2024-03-01\n");

    /* Without the district key the file is refused before anything is queued. */
    assert_int_equal(client(out, nokey), 1);
    expect_output(out, "列“身份证号”是个人身份信息，只能以加密摘要发送：请提供区县密钥"
                       "（--district-key 文件，或环境变量 RESETTLE_DISTRICT_KEY）");
    assert_int_equal(it_sql_int(ob_a, "SELECT count(*) FROM outbox"), 0);

    snprintf(cmd, sizeof(cmd), "bash '%s/deploy/make-district-key.sh' '%s' > /dev/null",
             RS_SOURCE_DIR, key_file);
    assert_int_equal(system(cmd), 0);
    assert_int_not_equal(system(cmd), 0);   /* never overwrites a key */
    assert_int_equal(client(out, a_args), 0);
    assert_int_equal(client(out, c_args), 0);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 3);

    hex = it_read_file(key_file);
    for (int i = 0; i < RS_DISTRICT_KEY_LEN; i++) {
        unsigned v;

        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        key[i] = (uint8_t)v;
    }
    free(hex);
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_ID_CARD, "430602198001011230", 18, ref),
                     RS_OK);
    /* Both payments carry the same reference: one household across townships and years. */
    snprintf(sql, sizeof(sql),
             rawdb_is_pg(e->db) ? "SELECT count(DISTINCT division_code) FROM records WHERE"
                                  " position(convert_to('%s', 'UTF8') IN body) > 0"
                                  " AND year IN (2023, 2024)"
                                : "SELECT count(DISTINCT division_code) FROM records WHERE"
                                  " instr(body, CAST('%s' AS BLOB)) > 0 AND year IN (2023, 2024)",
             ref);
    assert_int_equal(count(e, sql), 2);
    /* The identifiers are nowhere: not in the outboxes, not in the database
     * (its file and WAL on SQLite; every record body and audit row on
     * PostgreSQL, whose files are the database server's). */
    if (rawdb_is_pg(e->db)) {
        static const char *const idents[] = {"430602198001011230", "430602800101123", "王五",
                                             "赵六"};

        for (size_t i = 0; i < sizeof(idents) / sizeof(idents[0]); i++) {
            snprintf(sql, sizeof(sql),
                     "SELECT (SELECT count(*) FROM records WHERE"
                     " position(convert_to('%s', 'UTF8') IN body) > 0)"
                     " + (SELECT count(*) FROM audit WHERE strpos(detail, '%s') > 0)",
                     idents[i], idents[i]);
            assert_int_equal(count(e, sql), 0);
        }
    }
    const char *files[] = {ob_a, ob_c, rawdb_is_pg(e->db) ? NULL : e->db, NULL};
    for (int i = 0; files[i]; i++) {
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof(path), "%s%s", files[i], k ? "-wal" : "");
            assert_false(file_contains(path, "430602198001011230"));
            assert_false(file_contains(path, "430602800101123"));
            assert_false(file_contains(path, "王五"));
            assert_false(file_contains(path, "赵六"));
        }
    }
}

/* `resettled serve` with argv exits `want` without listening and says `msg`. */
static void serve_refused(struct env *e, char *const *argv, int want, const char *msg)
{
    char out[512], err[512];
    char *text;

    it_path(out, sizeof(out), e->dir, "refused.out");
    it_path(err, sizeof(err), e->dir, "refused.err");
    unlink(out);
    unlink(err);
    assert_int_equal(it_run(argv, out, err), want);
    text = it_read_file(out);
    assert_null(strstr(text, "listening on"));
    free(text);
    expect_output(err, msg);
}

static void test_serve_refuses_insecure_setups(void **state)
{
    struct env *e = *state;
    char db[600], other_key[600];

    snprintf(db, sizeof(db), "%s/refused.db", e->dir);
    snprintf(other_key, sizeof(other_key), "%s/server.key", e->other);
    {
        char *argv[] = {RS_SERVER_BIN, "serve", "--db", db, "--listen", "127.0.0.1:0", NULL};

        serve_refused(e, argv, 2, "resettled: serve needs --tls-cert FILE --tls-key FILE (or "
                                  "--plaintext, on a loopback address only)");
    }
    {
        char *argv[] = {RS_SERVER_BIN, "serve", "--db", db, "--listen", "0.0.0.0:0",
                        "--plaintext", NULL};

        serve_refused(e, argv, 1, "resettled: refusing plaintext on 0.0.0.0: --plaintext is "
                                  "allowed only on a loopback address (127.0.0.0/8 or ::1)");
    }
    {
        char *argv[] = {RS_SERVER_BIN, "serve", "--db", db, "--listen", "127.0.0.1:0",
                        "--plaintext", "--tls-cert", e->cert, "--tls-key", e->key, NULL};

        serve_refused(e, argv, 2, "--plaintext and --tls-cert/--tls-key exclude each other");
    }
    {
        char *argv[] = {RS_SERVER_BIN, "serve", "--db", db, "--listen", "127.0.0.1:0",
                        "--tls-cert", e->cert, NULL};

        serve_refused(e, argv, 2, "TLS needs both --tls-cert FILE and --tls-key FILE");
    }
    {
        char *argv[] = {RS_SERVER_BIN, "serve", "--db", db, "--listen", "127.0.0.1:0",
                        "--tls-cert", e->cert, "--tls-key", other_key, NULL};
        char want[1400];

        snprintf(want, sizeof(want), "resettled: TLS key %s does not belong to the certificate %s",
                 other_key, e->cert);
        serve_refused(e, argv, 1, want);
    }
    /* None of these touched the database. */
    assert_int_equal(access(db, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submission_and_receipts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames_split_across_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_over_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_unusable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plaintext_client_against_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_client_against_plaintext, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identifiers_keyed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serve_refuses_insecure_setups, setup, teardown),
    };

    return cmocka_run_group_tests_name("tls", tests, NULL, NULL);
}

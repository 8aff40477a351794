/*
 * itest_access.c - roles and scope on the real resettled: every forbidden
 * combination is refused with its own error, and nothing of it is stored.
 *
 * Offices: two townships (A, B), the district's central office, a revoked
 * township and an office whose role was set to 3 (not township or central)
 * by hand in the database.  Each case speaks the protocol directly
 * (itest_harness.h, it_conn_*) so the exact Error or RecordAck is checked.
 *
 * Tried and refused: a wrong token, another office's token, an unknown
 * office, a revoked office, a Hello without a token, a role that may not
 * sign in over the network, a request before the Hello, a township writing
 * another township's division or a district-level code, a township
 * submitting unit-level finance data, a township asking for the
 * consolidated report or another township's breakdown, a central office
 * writing or reporting outside its district, a malformed report division.
 * Tokens do not expire (an office is revoked instead), so there is no
 * expired-token case.  Allowed, to show the refusals are not blanket: the
 * township's own record and breakdown, the central office's consolidated
 * report and a township's breakdown.  Every refused handshake is in the
 * audit trail and the chain verifies.
 *
 * Revoking an office ends its live sessions at their next request
 * (ERR_AUTH, then close), once the server's periodic re-read has seen it.
 *
 * The audit head anchored outside the database (serve --anchor): a trail
 * cut together with its batches and records verifies alone, not against
 * the anchors.
 *
 * Rate limiting (server started with --auth-fail-limit 5
 * --auth-fail-window 2, 20 under valgrind): five failed handshakes from
 * 127.0.0.1, then even
 * the right token gets ERR_RATE_LIMITED (the client says so and does not
 * retry) until the window has passed; the limiting is audited once.
 *
 * Does not: test TLS (itest_tls.c) or malformed framing (itest_framing.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rawdb.h"
#include "rs_server.h"

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define TOWN_R "430602003"            /* revoked */
#define ODD "430602004"               /* role 3 set by hand */
#define DISTRICT "430602"
#define T_REPLY 15000
#define AUTH_MSG "unknown office, wrong token or revoked office"

/* The rate-limit window: short, but long enough for five refusals under valgrind. */
static const char *window_s(void)
{
    return it_slow() ? "20" : "2";
}

struct env {
    char dir[256];
    char anchor_dir[256];       /* setup_anchor's folder of the anchor file, or "" */
    char db[512];
    char *tok_a, *tok_b, *tok_c, *tok_r, *tok_x;
    struct it_server srv;
    uint64_t rid;
    int hh;
};

/* The offices, and a server started with extra arguments (NULL-terminated, at most 4). */
static int setup_with(void **state, const char *const *more)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *extra[10] = {"--auth-fail-limit", "5", "--auth-fail-window", window_s()};
    char sql[200];

    for (int i = 0; more && more[i] && i < 4; i++)
        extra[4 + i] = more[i];

    if (!e)
        return -1;
    it_tmpdir(e->dir, "access");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_b = it_office_add(e->dir, e->db, TOWN_B, "王家河街道", "township");
    e->tok_c = it_office_add(e->dir, e->db, DISTRICT, "岳阳楼区库区移民服务中心", "central");
    e->tok_r = it_office_add(e->dir, e->db, TOWN_R, "奇家岭街道", "township");
    e->tok_x = it_office_add(e->dir, e->db, ODD, "某办公室", "township");
    if (!e->tok_a || !e->tok_b || !e->tok_c || !e->tok_r || !e->tok_x)
        return -1;
    {
        char *revoke[] = {RS_SERVER_BIN, "office", "revoke", "--db", e->db, "--code", TOWN_R,
                          NULL};
        if (it_run(revoke, NULL, NULL) != 0)
            return -1;
        /* Only the admin command line could do this; it refuses role 3, so by hand. */
        snprintf(sql, sizeof(sql), "UPDATE offices SET role = 3 WHERE code = '%s'", ODD);
        if (!rawdb_try(e->db, sql, NULL, 0))
            return -1;
    }
    if (it_server_start_args(&e->srv, e->dir, e->db, extra) != 0)
        return -1;
    *state = e;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, NULL);
}

/* A server that anchors the audit head after every batch, to anchors.txt in its folder. */
static int setup_anchor(void **state)
{
    static char path[600];
    char dir[256];
    const char *more[] = {"--anchor", path, "--anchor-every", "1", NULL};

    it_tmpdir(dir, "anchor");
    it_path(path, sizeof(path), dir, "anchors.txt");
    if (setup_with(state, more) != 0)
        return -1;
    /* Kept apart from the database's folder, as an operator would. */
    snprintf(((struct env *)*state)->anchor_dir, sizeof(((struct env *)*state)->anchor_dir), "%s",
             dir);
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    int st = e->srv.pid > 0 ? it_server_stop_logged(&e->srv) : 0;

    if (it_rmtree(e->dir) != 0 || (e->anchor_dir[0] && it_rmtree(e->anchor_dir) != 0))
        st = -1;
    free(e->tok_a);
    free(e->tok_b);
    free(e->tok_c);
    free(e->tok_r);
    free(e->tok_x);
    free(e);
    return st == 0 ? 0 : -1;
}

static long long count(const struct env *e, const char *sql)
{
    return it_sql_int(e->db, sql);
}

/* Checks an Error reply: code, exact message, close flag; frees it. */
static void expect_error(Rs__Envelope *r, Rs__ErrorCode code, const char *msg, bool close)
{
    assert_non_null(r);
    if (r->msg_case != RS__ENVELOPE__MSG_ERROR)
        fail_msg("expected Error %d, got message %d", (int)code, (int)r->msg_case);
    assert_int_equal(r->error->code, code);
    assert_string_equal(r->error->message, msg);
    assert_int_equal(r->error->close, close);
    rs__envelope__free_unpacked(r, NULL);
}

/* Says Hello as office/token; expects the handshake refused with code/msg and a close. */
static void hello_refused(struct env *e, const char *office, const char *token,
                          Rs__ErrorCode code, const char *msg)
{
    struct it_conn c;
    Rs__Envelope *r = NULL;

    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    assert_int_not_equal(it_conn_hello(&c, office, token, &r, T_REPLY), 0);
    expect_error(r, code, msg, true);
    assert_int_equal(it_conn_wait_eof(&c, T_REPLY), 0);
    it_conn_close(&c);
}

static void login(struct env *e, struct it_conn *c, const char *office, const char *token)
{
    assert_int_equal(it_conn_login(c, e->srv.addr, office, token), 0);
}

/* Submits one relief record of division div; returns the reply. */
static Rs__Envelope *submit_relief(struct env *e, struct it_conn *c, const char *div)
{
    Rs__Record r, *ptr = &r;
    Rs__Relief rel;
    char id[RS_UUID_LEN + 1], hh[32];
    Rs__Envelope *reply = NULL;

    snprintf(hh, sizeof(hh), "ACC-%04d", ++e->hh);
    it_relief_record(&r, &rel, id, div, hh);
    assert_int_equal(it_conn_submit(c, ++e->rid, &ptr, 1, T_REPLY), 0);
    assert_int_equal(it_conn_recv(c, &reply, T_REPLY), 0);
    return reply;
}

/* Expects a BatchAck whose one record was rejected on field with reason. */
static void expect_rejected(Rs__Envelope *r, const char *field, const char *reason)
{
    assert_non_null(r);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(r->ack->n_acks, 1);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_REJECTED);
    assert_string_equal(r->ack->acks[0]->field, field);
    assert_string_equal(r->ack->acks[0]->reason, reason);
    assert_false(r->ack->acks[0]->has_server_seq);
    rs__envelope__free_unpacked(r, NULL);
}

static Rs__Envelope *report(struct env *e, struct it_conn *c, const char *division)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;

    rq.has_year = 1;
    rq.year = 2023;
    rq.has_format = 1;
    rq.format = RS__REPORT_FORMAT__FMT_TEXT;
    rq.division = (char *)division;
    env.has_request_id = 1;
    env.request_id = ++e->rid;
    env.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
    env.report_request = &rq;
    assert_int_equal(it_conn_send(c, &env, T_REPLY), 0);
    assert_int_equal(it_conn_recv(c, &reply, T_REPLY), 0);
    return reply;
}

static void expect_report(Rs__Envelope *r, const char *has, const char *lacks)
{
    char *body;

    assert_non_null(r);
    if (r->msg_case != RS__ENVELOPE__MSG_REPORT)
        fail_msg("expected a report, got %d (%s)", (int)r->msg_case,
                 r->msg_case == RS__ENVELOPE__MSG_ERROR ? r->error->message : "");
    body = strndup((const char *)r->report->body.data, r->report->body.len);
    assert_non_null(body);
    if (has && !strstr(body, has))
        fail_msg("report lacks '%s'", has);
    if (lacks && strstr(body, lacks))
        fail_msg("report has '%s'", lacks);
    free(body);
    rs__envelope__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ tests */

static void test_documented_limits(void **state)
{
    struct rs_server_config cfg;

    (void)state;
    rs_server_config_defaults(&cfg);
    assert_int_equal(cfg.auth_fail_limit, 5);
    assert_int_equal(cfg.auth_fail_window_ms, 60000);
    assert_false(cfg.plaintext);
    assert_null(cfg.tls_cert);
}

static void test_refused_handshakes(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    Rs__Envelope *r = NULL;
    char out[512], *text;

    /* First the role (not a failed token: it does not count towards the rate limit). */
    hello_refused(e, ODD, e->tok_x, RS__ERROR_CODE__ERR_FORBIDDEN,
                  "this office's role may not sign in over the network; offices are managed "
                  "locally with resettled office");
    hello_refused(e, TOWN_A, "0000000000000000000000000000000000000000000000000000000000000000",
                  RS__ERROR_CODE__ERR_AUTH, AUTH_MSG);
    hello_refused(e, TOWN_A, e->tok_b, RS__ERROR_CODE__ERR_AUTH, AUTH_MSG);
    hello_refused(e, "430602099", e->tok_a, RS__ERROR_CODE__ERR_AUTH, AUTH_MSG);
    hello_refused(e, TOWN_R, e->tok_r, RS__ERROR_CODE__ERR_AUTH, AUTH_MSG);
    hello_refused(e, TOWN_A, NULL, RS__ERROR_CODE__ERR_AUTH, "office code and token required");

    /* A request before the Hello. */
    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    {
        Rs__Envelope env = RS__ENVELOPE__INIT;
        Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;

        rq.has_year = 1;
        rq.year = 2023;
        env.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
        env.report_request = &rq;
        assert_int_equal(it_conn_send(&c, &env, T_REPLY), 0);
        assert_int_equal(it_conn_recv(&c, &r, T_REPLY), 0);
        expect_error(r, RS__ERROR_CODE__ERR_PROTOCOL, "expected Hello first", true);
    }
    it_conn_close(&c);

    /* Each refused handshake is one audit row, with the office it claimed. */
    assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE kind = 'handshake_refused'"), 6);
    assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE kind = 'handshake_refused' AND "
                              "office = '" TOWN_A "' AND peer LIKE '127.0.0.1:%' AND detail = '"
                              AUTH_MSG "'"),
                     2);
    assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE kind = 'handshake_refused' AND "
                              "office = '" ODD "' AND detail = 'office role 3 may not sign in "
                              "over the network'"),
                     1);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);
    {
        char *argv[] = {RS_SERVER_BIN, "audit", "verify", "--db", e->db, NULL};

        it_path(out, sizeof(out), e->dir, "verify.out");
        assert_int_equal(it_run(argv, out, out), 0);
        text = it_read_file(out);
        /* 5 office_add + 1 office_revoke + 6 refusals. */
        assert_true(strncmp(text, "ok 12 rows; ", 12) == 0);
        assert_non_null(strstr(text, "; 5 offices match it\n"));
        free(text);
    }
}

static void test_township_scope(void **state)
{
    struct env *e = *state;
    struct it_conn a;
    Rs__Envelope *r;

    login(e, &a, TOWN_A, e->tok_a);
    /* Another township's division. */
    expect_rejected(submit_relief(e, &a, TOWN_B), "division_code",
                    "division 430602002 is not this office's division 430602001");
    /* A district-level code for a township record. */
    expect_rejected(submit_relief(e, &a, DISTRICT), "division_code",
                    "township records need a 9- or 12-digit code");
    /* Unit-level finance data. */
    {
        Rs__Record rec, *ptr = &rec;
        Rs__BudgetLine bl = RS__BUDGET_LINE__INIT;
        char id[RS_UUID_LEN + 1];

        rs__record__init(&rec);
        assert_int_equal(rs_uuid_random(id), RS_OK);
        rec.id = id;
        rec.division_code = DISTRICT;
        rec.has_year = 1;
        rec.year = 2023;
        rec.has_period = 1;
        rec.period = RS__PERIOD__PERIOD_YEAR;
        rec.body_case = RS__RECORD__BODY_BUDGET_LINE;
        rec.budget_line = &bl;
        bl.has_line = 1;
        bl.line = RS__BUDGET_LINE_KIND__LINE_PROJECT;
        bl.has_final_fen = 1;
        bl.final_fen = 100000000;
        assert_int_equal(it_conn_submit(&a, ++e->rid, &ptr, 1, T_REPLY), 0);
        assert_int_equal(it_conn_recv(&a, &r, T_REPLY), 0);
        expect_rejected(r, "division_code",
                        "budget_line records may only be submitted by the central office");
        rec.division_code = TOWN_A;
        assert_int_equal(it_conn_submit(&a, ++e->rid, &ptr, 1, T_REPLY), 0);
        assert_int_equal(it_conn_recv(&a, &r, T_REPLY), 0);
        expect_rejected(r, "division_code",
                        "budget_line records may only be submitted by the central office");
    }
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);

    /* The consolidated report and another township's breakdown are refused; the
     * connection stays usable (close=false). */
    expect_error(report(e, &a, DISTRICT), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "a township office gets only its own breakdown (430602001); the consolidated "
                 "report and other divisions are for the central office",
                 false);
    expect_error(report(e, &a, TOWN_B), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "a township office gets only its own breakdown (430602001); the consolidated "
                 "report and other divisions are for the central office",
                 false);
    expect_error(report(e, &a, "43060"), RS__ERROR_CODE__ERR_INVALID,
                 "report division must be a 6-, 9- or 12-digit code", false);

    /* What a township may do: its own record, its own breakdown. */
    r = submit_relief(e, &a, TOWN_A);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(r, NULL);
    expect_report(report(e, &a, NULL), "金鹗山街道", "王家河街道");
    expect_report(report(e, &a, TOWN_A), "金鹗山街道", "王家河街道");
    it_conn_close(&a);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 1);
    /* Rejected batches are answered and audited all the same: 5 batches. */
    assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE kind = 'batch' AND office = '"
                              TOWN_A "'"),
                     5);
    assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE kind = 'batch' AND detail LIKE "
                              "'%: 1 records: 0 stored, 0 duplicate, 0 conflict, 1 rejected;%'"),
                     4);
}

static void test_central_scope(void **state)
{
    struct env *e = *state;
    struct it_conn c;

    login(e, &c, DISTRICT, e->tok_c);
    expect_rejected(submit_relief(e, &c, "430603001"), "division_code",
                    "division 430603001 is outside this office's district 430602");
    expect_error(report(e, &c, "430603001"), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "division 430603001 is outside this office's district 430602", false);
    expect_error(report(e, &c, "430603"), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "division 430603 is outside this office's district 430602", false);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 0);
    /* Allowed: a township record of its district, the consolidated report, a breakdown. */
    {
        Rs__Envelope *r = submit_relief(e, &c, TOWN_B);

        assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_STORED);
        rs__envelope__free_unpacked(r, NULL);
    }
    expect_report(report(e, &c, NULL), "王家河街道", NULL);
    expect_report(report(e, &c, DISTRICT), "王家河街道", NULL);
    expect_report(report(e, &c, TOWN_B), "王家河街道", "金鹗山街道");
    it_conn_close(&c);
    assert_int_equal(count(e, "SELECT count(*) FROM records"), 1);
}

/*
 * Revoking an office while its sessions are signed in: within the re-check
 * interval (cfg.revoke_check_ms) each session's next request, a batch or a
 * report, is answered ERR_AUTH and the connection closed; nothing of the
 * batch is stored, and a new Hello is refused as for any revoked office.
 */
static void test_revoke_ends_live_sessions(void **state)
{
    struct env *e = *state;
    struct rs_server_config cfg;
    struct it_conn c1, c2;
    Rs__Envelope *r;
    char sql[200];
    char *revoke[] = {RS_SERVER_BIN, "office", "revoke", "--db", e->db, "--code", TOWN_B, NULL};
    const char *msg = "this office has been revoked; its session is ended";

    rs_server_config_defaults(&cfg);
    login(e, &c1, TOWN_B, e->tok_b);
    login(e, &c2, TOWN_B, e->tok_b);
    r = submit_relief(e, &c1, TOWN_B);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(r, NULL);

    assert_int_equal(it_run(revoke, NULL, NULL), 0);
    it_sleep_ms((long)cfg.revoke_check_ms * (it_slow() ? 4 : 2));

    r = submit_relief(e, &c1, TOWN_B);
    assert_non_null(r);
    assert_true(r->has_request_id);
    assert_int_equal(r->request_id, e->rid);
    expect_error(r, RS__ERROR_CODE__ERR_AUTH, msg, true);
    assert_int_equal(it_conn_wait_eof(&c1, T_REPLY), 0);
    expect_error(report(e, &c2, TOWN_B), RS__ERROR_CODE__ERR_AUTH, msg, true);
    assert_int_equal(it_conn_wait_eof(&c2, T_REPLY), 0);
    it_conn_close(&c1);
    it_conn_close(&c2);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE office_code = '%s'", TOWN_B);
    assert_int_equal(count(e, sql), 1);
    hello_refused(e, TOWN_B, e->tok_b, RS__ERROR_CODE__ERR_AUTH, AUTH_MSG);

    /* Another office's session goes on. */
    login(e, &c1, TOWN_A, e->tok_a);
    r = submit_relief(e, &c1, TOWN_A);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(r, NULL);
    it_conn_close(&c1);
}

/*
 * The audit head is anchored outside the database: after each batch (here)
 * the server logs it and appends "seq hash time" to the anchor file.  A
 * cover-up that removes the batches' audit rows together with their
 * batches and records leaves a trail that verifies alone; against the
 * anchors it does not.
 */
static void test_anchors_outside_the_database(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    Rs__Envelope *r;
    char anchors[600], out[600], want[700], *text;
    long long first;

    it_path(anchors, sizeof(anchors), e->anchor_dir, "anchors.txt");
    it_path(out, sizeof(out), e->dir, "verify.out");
    login(e, &c, TOWN_A, e->tok_a);
    for (int i = 0; i < 3; i++) {
        r = submit_relief(e, &c, TOWN_A);
        assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
        assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_STORED);
        rs__envelope__free_unpacked(r, NULL);
    }
    it_conn_close(&c);
    assert_int_equal(it_server_stop(&e->srv), 0);
    e->srv.pid = 0;
    text = it_read_file(e->srv.log);
    assert_non_null(strstr(text, "audit head: row "));
    free(text);
    text = it_read_file(anchors);
    assert_true(strlen(text) > 0);
    free(text);
    {
        char *argv[] = {RS_SERVER_BIN, "audit", "verify", "--db", e->db, "--anchors", anchors,
                        NULL};

        assert_int_equal(it_run(argv, out, out), 0);
        snprintf(want, sizeof(want), " anchors of %s match the trail\n", anchors);
        text = it_read_file(out);
        if (!strstr(text, want))
            fail_msg("audit verify said:\n%s", text);
        free(text);
    }

    /* The cover-up: every batch row, batch and record gone, the triggers dropped. */
    first = count(e, "SELECT min(seq) FROM audit WHERE kind = 'batch'");
    assert_true(first > 0);
    {
        char sql[300];

        snprintf(sql, sizeof(sql),
                 "%s; DELETE FROM audit WHERE seq >= %lld;"
                 "DELETE FROM records; DELETE FROM batches;",
                 rawdb_is_pg(e->db) ? "ALTER TABLE audit DISABLE TRIGGER audit_append_only"
                                    : "DROP TRIGGER audit_no_delete",
                 first);
        rawdb_exec(e->db, sql);
    }
    {
        char *plain[] = {RS_SERVER_BIN, "audit", "verify", "--db", e->db, NULL};
        char *argv[] = {RS_SERVER_BIN, "audit", "verify", "--db", e->db, "--anchors", anchors,
                        NULL};

        assert_int_equal(it_run(plain, out, out), 0);
        assert_int_equal(it_run(argv, out, out), 1);
        snprintf(want, sizeof(want), "broken: anchor line 1: row %lld is not in the trail", first);
        text = it_read_file(out);
        if (!strstr(text, want))
            fail_msg("audit verify --anchors said:\n%s", text);
        free(text);
    }
}

static void test_rate_limit(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    Rs__Envelope *r = NULL;
    char out[512], ob[512], sql[300], *text;
    const char *sync[] = {"sync", "--attempts", "3", NULL};

    for (int i = 0; i < 5; i++)
        hello_refused(e, TOWN_A, e->tok_b, RS__ERROR_CODE__ERR_AUTH, AUTH_MSG);
    /* Now even the right token is refused, without being checked. */
    assert_int_equal(it_conn_open(&c, e->srv.addr), 0);
    assert_int_not_equal(it_conn_hello(&c, TOWN_A, e->tok_a, &r, T_REPLY), 0);
    assert_non_null(r);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ERROR);
    assert_int_equal(r->error->code, RS__ERROR_CODE__ERR_RATE_LIMITED);
    assert_true(r->error->close);
    assert_non_null(strstr(r->error->message,
                           "too many failed handshakes from this address; try again in "));
    rs__envelope__free_unpacked(r, NULL);
    assert_int_equal(it_conn_wait_eof(&c, T_REPLY), 0);
    it_conn_close(&c);

    /* The client reports it and does not retry. */
    it_path(out, sizeof(out), e->dir, "rl.out");
    it_path(ob, sizeof(ob), e->dir, "rl.outbox");
    assert_int_equal(it_client(e->dir, &e->srv, TOWN_A, e->tok_a, ob, out, sync), 1);
    text = it_read_file(out);
    assert_non_null(strstr(text, "resettle: 本机地址登录失败次数过多，服务器暂时拒绝（服务器说明："
                                 "too many failed handshakes from this address; try again in "));
    assert_null(strstr(text, "第 2 次尝试（共 3 次）"));
    free(text);
    /* Audited once for the window, besides the five refusals. */
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE kind = 'handshake_refused' AND detail LIKE "
             "'rate limited: 5 failed handshakes from 127.0.0.1 within %s s;%%'",
             window_s());
    assert_int_equal(count(e, sql), 1);
    assert_int_equal(count(e, "SELECT count(*) FROM audit WHERE kind = 'handshake_refused'"), 6);

    /* Once the window has passed, the right token signs in again. */
    it_sleep_ms(strtol(window_s(), NULL, 10) * 1000 + 200);
    assert_int_equal(it_conn_login(&c, e->srv.addr, TOWN_A, e->tok_a), 0);
    it_conn_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_limits),
        cmocka_unit_test_setup_teardown(test_refused_handshakes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_township_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_central_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_ends_live_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchors_outside_the_database, setup_anchor,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
    };

    return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}

/*
 * rs_handshake.c - the Hello: protocol version, the token check on the
 * authenticator queue, the role, the Welcome.
 *
 * Versions: a Hello of any version from RS_PROTOCOL_VERSION_MIN to
 * RS_PROTOCOL_VERSION is answered, and the connection then speaks that
 * version (the Welcome says which; rs_submit.c reads it); any other gets
 * ERR_VERSION naming which side to upgrade.
 *
 * Access: the handshake checks the token (auth queue), then the role: only
 * township and central offices sign in over the network.  Every refused
 * handshake is appended to the audit trail through the authenticator's
 * store; one that cannot be (a full disk, a read-only file) is refused all
 * the same, logged and counted (auth_unaudited, in the shutdown summary).
 * A failed token counts against the peer's address (rs_ratelimit.c);
 * while the address is rate limited every Hello from it, even one whose
 * token check was already queued, is answered ERR_RATE_LIMITED, and the
 * limiting is audited once per window.
 *
 * Does not: check requests after the Welcome (rs_submit.c,
 * rs_report_req.c: they check role and division scope), or manage offices
 * (resettled office does that on the database).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_log.h"
#include "rs_net_int.h"
#include "rs_wire.h"

#define MAX_TOKEN_BYTES RS_HELLO_TOKEN_MAX
#define MAX_CODE_BYTES RS_HELLO_CODE_MAX

enum auth_mode {
    AUTH_CHECK,                 /* check the token and role; audit a refusal */
    AUTH_REFUSE,                /* a malformed Hello: audit it, answer ERR_AUTH */
    AUTH_AUDIT                  /* only append `detail` (no connection waits) */
};

struct auth_job {
    struct rs_dbq_job job;
    struct rs_conn *conn;       /* NULL for AUTH_AUDIT */
    struct rs_server *srv;
    enum auth_mode mode;
    char code[MAX_CODE_BYTES + 1];
    char claimed[72];           /* the office code as sent, log-safe, for the audit */
    char token[MAX_TOKEN_BYTES + 1];
    char peer[64];
    char detail[256];           /* AUTH_REFUSE / AUTH_AUDIT: the audit detail and reply */
    struct rs_office office;
    uint32_t proto;             /* the Hello's protocol version */
    rs_status rc;
    rs_status audit_rc;         /* whether the refusal reached the audit trail */
};

static const char auth_refused_msg[] = "unknown office, wrong token or revoked office";

/* Only these roles sign in over the network; admin work is local (resettled office). */
bool rs_handshake_role_on_wire(Rs__Role role)
{
    return role == RS__ROLE__ROLE_TOWNSHIP || role == RS__ROLE__ROLE_CENTRAL;
}

static void auth_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct auth_job *a = (struct auth_job *)job;

    a->audit_rc = RS_OK;
    switch (a->mode) {
    case AUTH_CHECK:
        a->rc = rs_store_office_auth(store, a->code, a->token, &a->office);
        if (a->rc == RS_OK && !rs_handshake_role_on_wire(a->office.role)) {
            snprintf(a->detail, sizeof(a->detail),
                     "office role %d may not sign in over the network", (int)a->office.role);
            a->rc = RS_EFORBIDDEN;
        } else if (a->rc == RS_EAUTH) {
            snprintf(a->detail, sizeof(a->detail), "%s", auth_refused_msg);
        }
        if (a->rc == RS_EAUTH || a->rc == RS_EFORBIDDEN)
            a->audit_rc = rs_store_audit_append(store, RS_AUDIT_HANDSHAKE_REFUSED, a->claimed,
                                                a->peer, a->detail, NULL, NULL);
        break;
    case AUTH_REFUSE:
        a->rc = RS_EAUTH;
        a->audit_rc = rs_store_audit_append(store, RS_AUDIT_HANDSHAKE_REFUSED, a->claimed,
                                            a->peer, a->detail, NULL, NULL);
        break;
    case AUTH_AUDIT:
        a->rc = RS_OK;
        a->audit_rc = rs_store_audit_append(store, RS_AUDIT_HANDSHAKE_REFUSED, a->claimed,
                                            a->peer, a->detail, NULL, NULL);
        break;
    }
    explicit_bzero(a->token, sizeof(a->token));
}

static struct auth_job *auth_job_new(struct rs_conn *c, enum auth_mode mode, const char *claimed)
{
    struct auth_job *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    a->job.work = auth_work;
    a->job.done = NULL;
    a->mode = mode;
    a->srv = c->srv;
    rs_net_log_safe(claimed, a->claimed);
    snprintf(a->peer, sizeof(a->peer), "%s", c->peer);
    return a;
}

static void auth_done(struct rs_dbq_job *job, bool canceled);

/* Queues an audit row for the rate limiting of c's address (once per window). */
static void audit_rate_limit(struct rs_conn *c, struct addr_fail *f, const char *claimed)
{
    struct auth_job *a;

    if (f->audited)
        return;
    a = auth_job_new(c, AUTH_AUDIT, claimed);
    if (!a)
        return;
    f->audited = true;
    a->job.done = auth_done;
    snprintf(a->detail, sizeof(a->detail),
             "rate limited: %u failed handshakes from %s within %u s; later Hellos from it "
             "are refused until the window ends, not recorded one by one",
             f->n, c->addr, c->srv->cfg.auth_fail_window_ms / 1000);
    rs_dbq_push(&c->srv->aq, &a->job);
}

static void send_rate_limited(struct rs_conn *c, struct addr_fail *f, const char *claimed)
{
    char msg[160];

    snprintf(msg, sizeof(msg), "too many failed handshakes from this address; try again in %u s",
             rs_ratelimit_wait_s(c->srv, f));
    audit_rate_limit(c, f, claimed);
    rs_conn_error_code(c, NULL, RS__ERROR_CODE__ERR_RATE_LIMITED, "ERR_RATE_LIMITED", msg, true);
}

static void auth_done(struct rs_dbq_job *job, bool canceled)
{
    struct auth_job *a = (struct auth_job *)job;
    struct rs_conn *c = a->conn;
    struct rs_server *srv = a->srv;
    struct addr_fail *f;

    if (a->audit_rc != RS_OK && !canceled) {
        /* Refused all the same; the operator learns it here and in the shutdown summary. */
        srv->auth_unaudited++;
        RS_ERROR("refused sign-in of office %s from %s not written to the audit trail (%s); "
                 "%llu such since start",
                 a->claimed, a->peer, rs_status_str(a->audit_rc),
                 (unsigned long long)srv->auth_unaudited);
    }
    if (!c) {
        free(a);
        return;
    }
    if (c->closing)
        goto out;
    c->in_flight--;
    if (canceled) {
        rs_conn_error(c, NULL, RS_ECLOSED, "server is shutting down", true);
        goto out;
    }
    f = rs_ratelimit_limited(c->srv, c->addr);
    if (f) {
        /* Limited while this check waited: its answer is not given. */
        send_rate_limited(c, f, a->claimed);
        goto out;
    }
    if (a->rc != RS_OK) {
        rs_log_office(RS_LOG_WARN, c->id, c->peer, a->claimed,
                      "handshake refused for office %s: %s", a->claimed,
                      a->rc == RS_EFORBIDDEN ? a->detail : rs_status_str(a->rc));
        if (a->rc == RS_EAUTH) {
            rs_ratelimit_fail(c->srv, c->addr);
            rs_conn_error(c, NULL, RS_EAUTH, a->mode == AUTH_REFUSE ? a->detail : auth_refused_msg,
                          true);
        } else if (a->rc == RS_EFORBIDDEN) {
            rs_conn_error(c, NULL, RS_EFORBIDDEN,
                          "this office's role may not sign in over the network; offices are "
                          "managed locally with resettled office",
                          true);
        } else {
            rs_conn_error(c, NULL, RS_EIO, "cannot check the token now", true);
        }
        goto out;
    }
    c->office = a->office;
    c->office_len = strlen(c->office.code);
    c->proto = a->proto;
    c->st = ST_READY;
    rs_conn_unauth_leave(c);
    rs_frame_rx_set_max(&c->rx, rs_conn_frame_cap(c));
    {
        Rs__Envelope env = RS__ENVELOPE__INIT;
        Rs__Welcome w = RS__WELCOME__INIT;

        w.server_version = RS_VERSION;
        w.has_protocol_version = true;
        w.protocol_version = c->proto;
        w.has_role = true;
        w.role = c->office.role;
        w.office_code = c->office.code;
        w.office_name = c->office.name;
        w.has_max_frame_bytes = true;
        w.max_frame_bytes = (uint32_t)c->srv->cfg.max_frame;
        w.has_max_batch_records = true;
        w.max_batch_records = c->srv->cfg.max_batch;
        w.has_max_in_flight = true;
        w.max_in_flight = c->srv->cfg.max_in_flight;
        env.msg_case = RS__ENVELOPE__MSG_WELCOME;
        env.welcome = &w;
        rs_conn_send(c, &env);
    }
    uv_timer_start(&c->timer, rs_conn_on_timer, c->srv->cfg.idle_ms, c->srv->cfg.idle_ms);
    rs_log_office(RS_LOG_INFO, c->id, c->peer, c->office.code,
                  "office %s (%s) signed in as %s%s", c->office.code, c->office.name,
                  c->office.role == RS__ROLE__ROLE_CENTRAL ? "central" : "township",
                  c->tls ? " over TLS" : "");
out:
    rs_conn_update_reading(c);
    rs_conn_pump(c);
    rs_conn_unref(c);
    free(a);
}

/* Queues a for c: c waits for its answer. */
static void auth_push(struct rs_conn *c, struct auth_job *a)
{
    a->job.done = auth_done;
    a->conn = c;
    c->st = ST_AUTHING;
    c->in_flight++;
    c->refs++;
    rs_dbq_push(&c->srv->aq, &a->job);
}

void rs_handshake_hello(struct rs_conn *c, const Rs__Hello *h)
{
    struct addr_fail *f;
    struct auth_job *a;

    if (!h->has_protocol_version || h->protocol_version < RS_PROTOCOL_VERSION_MIN ||
        h->protocol_version > RS_PROTOCOL_VERSION) {
        char msg[200];

        if (h->has_protocol_version && h->protocol_version > RS_PROTOCOL_VERSION)
            snprintf(msg, sizeof(msg),
                     "protocol version %u is newer than this server's (%d to %d): upgrade "
                     "resettled on the server", (unsigned)h->protocol_version,
                     RS_PROTOCOL_VERSION_MIN, RS_PROTOCOL_VERSION);
        else
            snprintf(msg, sizeof(msg),
                     "no protocol version this server speaks (%d to %d): upgrade the client "
                     "(resettle)", RS_PROTOCOL_VERSION_MIN, RS_PROTOCOL_VERSION);
        rs_conn_error(c, NULL, RS_EVERSION, msg, true);
        return;
    }
    f = rs_ratelimit_limited(c->srv, c->addr);
    if (f) {
        send_rate_limited(c, f, h->office_code);
        return;
    }
    if (!h->office_code || !h->token || strlen(h->office_code) > MAX_CODE_BYTES ||
        strlen(h->token) > MAX_TOKEN_BYTES ||
        (h->client_version && strlen(h->client_version) > RS_HELLO_CLIENT_VERSION_MAX)) {
        a = auth_job_new(c, AUTH_REFUSE, h->office_code);
        if (!a) {
            rs_conn_error(c, NULL, RS_ENOMEM, "out of memory", true);
            return;
        }
        if (h->office_code && h->token && strlen(h->office_code) <= MAX_CODE_BYTES &&
            strlen(h->token) <= MAX_TOKEN_BYTES)
            snprintf(a->detail, sizeof(a->detail), "client_version longer than %u bytes",
                     (unsigned)RS_HELLO_CLIENT_VERSION_MAX);
        else
            snprintf(a->detail, sizeof(a->detail), "office code and token required");
        auth_push(c, a);
        return;
    }
    a = auth_job_new(c, AUTH_CHECK, h->office_code);
    if (!a) {
        rs_conn_error(c, NULL, RS_ENOMEM, "out of memory", true);
        return;
    }
    snprintf(a->code, sizeof(a->code), "%s", h->office_code);
    snprintf(a->token, sizeof(a->token), "%s", h->token);
    a->proto = h->protocol_version;
    auth_push(c, a);
}

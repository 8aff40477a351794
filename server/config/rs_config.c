/*
 * rs_config.c - the table of `serve` settings: each key's rule, default
 * and setter, and the checks that need every key at once (rs_config.h).
 *
 * Does not: read files (rs_config_file.c) or argv (rs_config_args.c).
 */
#include "rs_config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rs_paths.h"
#include "rs_store.h"
#include "rs_util.h"

enum kind { K_PATH, K_DB, K_LISTEN, K_BOOL, K_U32, K_LEVEL, K_SYNC, K_LOG };

/* Where a key's value goes. */
enum slot {
    S_DB, S_LISTEN, S_TLS_CERT, S_TLS_KEY, S_PLAINTEXT, S_FRAMEWORKS, S_MAX_FRAME,
    S_MAX_BATCH, S_IDLE, S_AUTH_LIMIT, S_AUTH_WINDOW, S_LOG_LEVEL, S_LOG, S_SYNC, S_MAX_UNAUTH,
    S_MAX_UNAUTH_ADDR, S_ANCHOR, S_ANCHOR_EVERY
};

struct key {
    struct rs_config_key pub;
    enum kind kind;
    enum slot slot;
    uint32_t min, max;          /* K_U32 */
};

static const struct key keys[] = {
    {{"db", "FILE", "the SQLite database (created if missing), or a PostgreSQL one: a "
             "postgresql:// URI or a libpq conninfo; required"}, K_DB, S_DB, 0, 0},
    {{"listen", "HOST:PORT", "address to listen on ([V6]:PORT for IPv6; port 0 picks one); "
                             "default " RS_CONFIG_DEFAULT_LISTEN}, K_LISTEN, S_LISTEN, 0, 0},
    {{"tls-cert", "FILE", "PEM certificate chain, server certificate first; with tls-key"},
     K_PATH, S_TLS_CERT, 0, 0},
    {{"tls-key", "FILE", "PEM private key of tls-cert"}, K_PATH, S_TLS_KEY, 0, 0},
    {{"plaintext", NULL, "no TLS, allowed only on a loopback address; default no"}, K_BOOL,
     S_PLAINTEXT, 0, 0},
    {{"frameworks", "DIR", "folder of the framework presets; default: found next to the "
                           "executable"}, K_PATH, S_FRAMEWORKS, 0, 0},
    {{"max-frame", "BYTES", "largest incoming frame, 1024..67108864; default 1048576"}, K_U32,
     S_MAX_FRAME, 1024, 64u << 20},
    {{"max-batch", "N", "records per SubmitBatch, 1..100000; default 1000"}, K_U32, S_MAX_BATCH,
     1, 100000},
    {{"idle-timeout", "SEC", "close a connection silent this long, 1..86400; default 300"}, K_U32,
     S_IDLE, 1, 86400},
    {{"auth-fail-limit", "N", "failed handshakes per address per window, 0..1000000 "
                              "(0: no limit); default 5"}, K_U32, S_AUTH_LIMIT, 0, 1000000},
    {{"auth-fail-window", "SEC", "the window of auth-fail-limit, 1..86400; default 60"}, K_U32,
     S_AUTH_WINDOW, 1, 86400},
    {{"log-level", "LEVEL", "debug, info, warn or error; default info"}, K_LEVEL, S_LOG_LEVEL,
     0, 0},
    {{"log", "WHERE", "auto (the journal when systemd connected stderr to it, else stderr), "
                      "stderr or journal; default auto"}, K_LOG, S_LOG, 0, 0},
    {{"sync", "MODE", "deferred (fsync the WAL beside the next commit) or commit (inside "
                      "COMMIT); default deferred"}, K_SYNC, S_SYNC, 0, 0},
    {{"max-unauth", "N", "connections not yet signed in, 1..100000 (when full, the oldest is "
                         "closed); default 1024"}, K_U32, S_MAX_UNAUTH, 1, 100000},
    {{"max-unauth-per-addr", "N", "of those, from one IP address, 1..100000; default 256"},
     K_U32, S_MAX_UNAUTH_ADDR, 1, 100000},
    {{"anchor", "FILE", "append the audit head to this file, kept apart from the database "
                        "(audit verify --anchors FILE checks it); default: the log only"},
     K_PATH, S_ANCHOR, 0, 0},
    {{"anchor-every", "N", "batches between anchors (and one a minute), 1..1000000; "
                           "default 1000"}, K_U32, S_ANCHOR_EVERY, 1, 1000000},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

_Static_assert(NKEYS <= 32, "from_args, from_file and line[] hold 32 keys");

const struct rs_config_key *rs_config_keys(size_t *n)
{
    static struct rs_config_key pub[NKEYS];

    for (size_t i = 0; i < NKEYS; i++)
        pub[i] = keys[i].pub;
    *n = NKEYS;
    return pub;
}

void rs_config_init(struct rs_config *c)
{
    memset(c, 0, sizeof(*c));
    rs_server_config_defaults(&c->srv);
    c->log_level = RS_LOG_INFO;
    c->log_target = RS_LOG_TO_AUTO;
    snprintf(c->listen, sizeof(c->listen), "%s", RS_CONFIG_DEFAULT_LISTEN);
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int parse_level(const char *s, enum rs_log_level *lvl)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};

    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *lvl = (enum rs_log_level)i;
            return 0;
        }
    }
    return -1;
}

/* Splits "HOST:PORT" (or "[V6]:PORT") into host (into buf) and port. */
static int parse_listen(const char *s, char *buf, size_t buflen, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    size_t hl;
    uint32_t p;

    if (!colon || rs_u32_parse(colon + 1, &p) != RS_OK || p > 65535)
        return -1;
    hl = (size_t)(colon - s);
    if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
        s++;
        hl -= 2;
    }
    if (hl == 0 || hl >= buflen)
        return -1;
    memcpy(buf, s, hl);
    buf[hl] = '\0';
    *port = (uint16_t)p;
    return 0;
}

static char *path_slot(struct rs_config *c, enum slot s)
{
    switch (s) {
    case S_DB: return c->db;
    case S_TLS_CERT: return c->tls_cert;
    case S_TLS_KEY: return c->tls_key;
    case S_ANCHOR: return c->anchor;
    default: return c->frameworks;
    }
}

/* Checks value against k's rule and, when store, keeps it. */
static rs_status apply(struct rs_config *c, const struct key *k, const char *value, bool from_file,
                       bool store, char *err, size_t errlen)
{
    const char *name = k->pub.name;
    char host[64];
    uint16_t port;
    uint32_t v = 0;
    bool b;
    enum rs_log_level lvl;
    enum rs_log_target t;

    if (!value[0] && k->kind != K_BOOL) {
        snprintf(err, errlen, "%s has no value%s", name,
                 from_file ? " (comment the line out to keep the default)" : "");
        return RS_EINVAL;
    }
    switch (k->kind) {
    case K_PATH:
    case K_DB:
        if (strlen(value) > RS_CONFIG_PATH_MAX) {
            snprintf(err, errlen, "%s is longer than %d bytes", name, RS_CONFIG_PATH_MAX);
            return RS_ETOOBIG;
        }
        /* A PostgreSQL conninfo is not a path: libpq reads it as it stands. */
        if (from_file && value[0] != '/' && !(k->kind == K_DB && rs_store_path_is_pg(value))) {
            snprintf(err, errlen, "%s must be an absolute path in a config file, not \"%s\"",
                     name, value);
            return RS_EINVAL;
        }
        if (store)
            snprintf(path_slot(c, k->slot), RS_CONFIG_PATH_MAX + 1, "%s", value);
        return RS_OK;
    case K_LISTEN:
        if (strlen(value) >= sizeof(c->listen) ||
            parse_listen(value, host, sizeof(host), &port) != 0) {
            snprintf(err, errlen, "listen must be HOST:PORT (port 0..65535), not \"%s\"",
                     value);
            return RS_EINVAL;
        }
        if (store)
            snprintf(c->listen, sizeof(c->listen), "%s", value);
        return RS_OK;
    case K_BOOL:
        if (parse_bool(value, &b) != 0) {
            snprintf(err, errlen, "%s must be yes or no, not \"%s\"", name, value);
            return RS_EINVAL;
        }
        if (store)
            c->srv.plaintext = b;
        return RS_OK;
    case K_U32:
        if (rs_u32_parse(value, &v) != RS_OK || v < k->min || v > k->max) {
            snprintf(err, errlen, "%s must be %u..%u, not \"%s\"", name, k->min, k->max, value);
            return RS_EINVAL;
        }
        if (!store)
            return RS_OK;
        switch (k->slot) {
        case S_MAX_FRAME: c->srv.max_frame = v; break;
        case S_MAX_BATCH: c->srv.max_batch = v; break;
        case S_IDLE: c->srv.idle_ms = v * 1000; break;
        case S_AUTH_LIMIT: c->srv.auth_fail_limit = v; break;
        case S_MAX_UNAUTH: c->srv.max_unauth = v; break;
        case S_MAX_UNAUTH_ADDR: c->srv.max_unauth_per_addr = v; break;
        case S_ANCHOR_EVERY: c->srv.anchor_every = v; break;
        default: c->srv.auth_fail_window_ms = v * 1000; break;
        }
        return RS_OK;
    case K_LEVEL:
        if (parse_level(value, &lvl) != 0) {
            snprintf(err, errlen, "log-level must be debug, info, warn or error, not \"%s\"",
                     value);
            return RS_EINVAL;
        }
        if (store)
            c->log_level = lvl;
        return RS_OK;
    case K_LOG:
        if (strcmp(value, "auto") == 0)
            t = RS_LOG_TO_AUTO;
        else if (strcmp(value, "stderr") == 0)
            t = RS_LOG_TO_STDERR;
        else if (strcmp(value, "journal") == 0)
            t = RS_LOG_TO_JOURNAL;
        else {
            snprintf(err, errlen, "log must be auto, stderr or journal, not \"%s\"", value);
            return RS_EINVAL;
        }
        if (store)
            c->log_target = t;
        return RS_OK;
    case K_SYNC:
        if (strcmp(value, "deferred") != 0 && strcmp(value, "commit") != 0) {
            snprintf(err, errlen, "sync must be deferred or commit, not \"%s\"", value);
            return RS_EINVAL;
        }
        if (store)
            c->srv.sync_in_commit = strcmp(value, "commit") == 0;
        return RS_OK;
    }
    return RS_EINTERNAL;
}

rs_status rs_config_set(struct rs_config *c, const char *key, const char *value, bool from_file,
                        uint32_t line, char *err, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        uint32_t bit = 1u << i;

        if (strcmp(keys[i].pub.name, key) != 0)
            continue;
        if (from_file && (c->from_file & bit)) {
            snprintf(err, errlen, "%s is given twice (first on line %u)", key, c->line[i]);
            return RS_EINVAL;
        }
        if (from_file) {
            c->from_file |= bit;
            c->line[i] = line;
        } else {
            c->from_args |= bit;
        }
        return apply(c, &keys[i], value, from_file, !from_file || !(c->from_args & bit), err,
                     errlen);
    }
    snprintf(err, errlen, "unknown key \"%s\"", key);
    return RS_ENOTFOUND;
}

rs_status rs_config_finish(struct rs_config *c, char *err, size_t errlen)
{
    struct rs_server_config *s = &c->srv;
    rs_status rc;

    if (!c->db[0]) {
        snprintf(err, errlen, "serve needs --db FILE (db in the config file)");
        return RS_EINVAL;
    }
    s->db_path = c->db;
    s->tls_cert = c->tls_cert[0] ? c->tls_cert : NULL;
    s->tls_key = c->tls_key[0] ? c->tls_key : NULL;
    s->anchor_path = c->anchor[0] ? c->anchor : NULL;
    if (!!s->tls_cert != !!s->tls_key) {
        snprintf(err, errlen, "TLS needs both --tls-cert FILE and --tls-key FILE (tls-cert and "
                              "tls-key in the config file)");
        return RS_EINVAL;
    }
    if (s->plaintext && s->tls_cert) {
        snprintf(err, errlen, "--plaintext and --tls-cert/--tls-key exclude each other (in the "
                              "config file too)");
        return RS_EINVAL;
    }
    if (!s->plaintext && !s->tls_cert) {
        snprintf(err, errlen, "serve needs --tls-cert FILE --tls-key FILE (or --plaintext, on a "
                              "loopback address only); in the config file: tls-cert, tls-key, "
                              "plaintext");
        return RS_EINVAL;
    }
    if (parse_listen(c->listen, c->hostbuf, sizeof(c->hostbuf), &s->port) != 0) {
        snprintf(err, errlen, "listen must be HOST:PORT");
        return RS_EINVAL;
    }
    s->host = c->hostbuf;
    if (!c->frameworks[0]) {
        rc = rs_paths_frameworks(c->frameworks, sizeof(c->frameworks), err, errlen);
        if (rc)
            return rc;
    }
    s->framework_dir = c->frameworks;
    return RS_OK;
}

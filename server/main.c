/*
 * main.c - the resettled command line.
 *
 *   resettled serve --db FILE --listen HOST:PORT --tls-cert FILE --tls-key FILE [options]
 *   resettled serve --db FILE --listen 127.0.0.1:PORT --plaintext [options]
 *   resettled office add --db FILE --code CODE --name NAME --role township|central
 *   resettled office list --db FILE
 *   resettled office revoke --db FILE --code CODE
 *   resettled audit verify --db FILE [--anchors FILE]
 *   resettled audit list --db FILE
 *   resettled schedule set --db FILE --year Y FILE.csv
 *   resettled schedule show --db FILE --year Y
 *   resettled framework check FILE [--framework-dir DIR]
 *
 * The admin role is this command line on the database itself: offices are
 * added and revoked here, never over the network, and each change lands in
 * the audit trail with the local user who made it.  A year's schedule of
 * expected returns may be set here too (or by a central office over the
 * network): the CSV file (include/rs_schedule.h) is checked whole and
 * refused with file:line: reason before anything is stored.
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage error.
 * `framework check` exits 0 for a valid framework (and the formula library
 * and check file it uses), 1 for an invalid or unreadable one (the first
 * error on stderr as file:line[:col]: reason).
 *
 * Does not: run the server loop itself (net/rs_listener.c), speak TLS
 * (net/rs_tls.c) or touch SQLite directly (server/store/).
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rs_csv.h"
#include "rs_fwcheck.h"
#include "rs_log.h"
#include "rs_schedule.h"
#include "rs_server.h"
#include "rs_store.h"
#include "rs_util.h"
#include "rs_wire.h"

static const char usage[] =
    "usage: resettled serve --db FILE --listen HOST:PORT --tls-cert FILE --tls-key FILE\n"
    "                       [--framework-dir DIR] [--max-frame BYTES] [--max-batch N]\n"
    "                       [--idle-timeout SEC] [--auth-fail-limit N] [--auth-fail-window SEC]\n"
    "                       [--log-level debug|info|warn|error] [--sync deferred|commit]\n"
    "                       [--max-unauth N] [--max-unauth-per-addr N]\n"
    "                       [--anchor FILE] [--anchor-every N]\n"
    "       resettled serve --db FILE --listen 127.0.0.1:PORT --plaintext [options]\n"
    "                       (no TLS: loopback addresses only)\n"
    "       resettled office add --db FILE --code CODE --name NAME --role township|central\n"
    "       resettled office list --db FILE\n"
    "       resettled office revoke --db FILE --code CODE\n"
    "       resettled audit verify --db FILE [--anchors FILE]\n"
    "       resettled audit list --db FILE\n"
    "       resettled schedule set --db FILE --year Y FILE.csv\n"
    "       resettled schedule show --db FILE --year Y\n"
    "       resettled framework check FILE [--framework-dir DIR]\n"
    "       resettled --version\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "resettled: %s\n", msg);
    fputs(usage, stderr);
    return 2;
}

/* Splits "HOST:PORT" (or "[V6]:PORT"); host points into buf. */
static int parse_listen(const char *s, char *buf, size_t buflen, const char **host,
                        uint16_t *port)
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
    *host = buf;
    *port = (uint16_t)p;
    return 0;
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

static int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"framework-dir", required_argument, NULL, 'f'},
        {"max-frame", required_argument, NULL, 'F'},
        {"max-batch", required_argument, NULL, 'B'},
        {"idle-timeout", required_argument, NULL, 'I'},
        {"log-level", required_argument, NULL, 'L'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"plaintext", no_argument, NULL, 'P'},
        {"auth-fail-limit", required_argument, NULL, 'A'},
        {"auth-fail-window", required_argument, NULL, 'W'},
        {"sync", required_argument, NULL, 'S'},
        {"max-unauth", required_argument, NULL, 'U'},
        {"max-unauth-per-addr", required_argument, NULL, 'u'},
        {"anchor", required_argument, NULL, 'H'},
        {"anchor-every", required_argument, NULL, 'E'},
        {NULL, 0, NULL, 0},
    };
    struct rs_server_config cfg;
    char hostbuf[64], err[512];
    const char *listen = "127.0.0.1:7420";
    enum rs_log_level lvl;
    uint32_t v;
    int c;

    rs_server_config_defaults(&cfg);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            cfg.db_path = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'f':
            cfg.framework_dir = optarg;
            break;
        case 'F':
            if (rs_u32_parse(optarg, &v) || v < 1024 || v > (64u << 20))
                return usage_error("--max-frame must be 1024..67108864");
            cfg.max_frame = v;
            break;
        case 'B':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 100000)
                return usage_error("--max-batch must be 1..100000");
            cfg.max_batch = v;
            break;
        case 'I':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 86400)
                return usage_error("--idle-timeout must be 1..86400 seconds");
            cfg.idle_ms = v * 1000;
            break;
        case 'L':
            if (parse_level(optarg, &lvl))
                return usage_error("--log-level must be debug, info, warn or error");
            rs_log_set_level(lvl);
            break;
        case 'C':
            cfg.tls_cert = optarg;
            break;
        case 'K':
            cfg.tls_key = optarg;
            break;
        case 'P':
            cfg.plaintext = true;
            break;
        case 'A':
            if (rs_u32_parse(optarg, &v) || v > 1000000)
                return usage_error("--auth-fail-limit must be 0..1000000 (0: no limit)");
            cfg.auth_fail_limit = v;
            break;
        case 'W':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 86400)
                return usage_error("--auth-fail-window must be 1..86400 seconds");
            cfg.auth_fail_window_ms = v * 1000;
            break;
        case 'U':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 100000)
                return usage_error("--max-unauth must be 1..100000");
            cfg.max_unauth = v;
            break;
        case 'u':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 100000)
                return usage_error("--max-unauth-per-addr must be 1..100000");
            cfg.max_unauth_per_addr = v;
            break;
        case 'H':
            cfg.anchor_path = optarg;
            break;
        case 'E':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 1000000)
                return usage_error("--anchor-every must be 1..1000000 batches");
            cfg.anchor_every = v;
            break;
        case 'S':
            if (strcmp(optarg, "deferred") == 0)
                cfg.sync_in_commit = false;
            else if (strcmp(optarg, "commit") == 0)
                cfg.sync_in_commit = true;
            else
                return usage_error("--sync must be deferred or commit");
            break;
        default:
            return usage_error(NULL);
        }
    }
    if (optind != argc)
        return usage_error("unexpected argument");
    if (!cfg.db_path)
        return usage_error("serve needs --db FILE");
    if (!!cfg.tls_cert != !!cfg.tls_key)
        return usage_error("TLS needs both --tls-cert FILE and --tls-key FILE");
    if (cfg.plaintext && cfg.tls_cert)
        return usage_error("--plaintext and --tls-cert/--tls-key exclude each other");
    if (!cfg.plaintext && !cfg.tls_cert)
        return usage_error("serve needs --tls-cert FILE --tls-key FILE "
                           "(or --plaintext, on a loopback address only)");
    if (parse_listen(listen, hostbuf, sizeof(hostbuf), &cfg.host, &cfg.port))
        return usage_error("--listen must be HOST:PORT");
    if (rs_server_run(&cfg, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "resettled: %s\n", err);
        return 1;
    }
    return 0;
}

static int print_office(const struct rs_office *o, void *arg)
{
    (void)arg;
    printf("%s\t%s\t%s\t%s\n", o->code, o->role == RS__ROLE__ROLE_CENTRAL ? "central" : "township",
           o->revoked ? "revoked" : "active", o->name);
    return 0;
}

/* "local uid N (name)": who runs `resettled office`, for the audit trail. */
static void local_actor(char *out, size_t len)
{
    uid_t uid = getuid();
    struct passwd *pw = getpwuid(uid);

    snprintf(out, len, "local uid %u (%s)", (unsigned)uid, pw && pw->pw_name ? pw->pw_name : "?");
}

static int cmd_office(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"code", required_argument, NULL, 'c'},
        {"name", required_argument, NULL, 'n'},
        {"role", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *code = NULL, *name = NULL, *role = NULL, *verb;
    struct rs_store *st = NULL;
    char err[512], token[RS_TOKEN_HEX + 1];
    rs_status rc;
    int c, ret = 1;

    if (argc < 2)
        return usage_error("office needs add, list or revoke");
    verb = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': code = optarg; break;
        case 'n': name = optarg; break;
        case 'r': role = optarg; break;
        default: return usage_error(NULL);
        }
    }
    if (optind != argc)
        return usage_error("unexpected argument");
    if (!db)
        return usage_error("office needs --db FILE");
    if (strcmp(verb, "add") == 0) {
        if (!code || !name || !role)
            return usage_error("office add needs --code, --name and --role");
        if (strcmp(role, "township") != 0 && strcmp(role, "central") != 0)
            return usage_error("--role must be township or central");
    } else if (strcmp(verb, "revoke") == 0) {
        if (!code)
            return usage_error("office revoke needs --code");
    } else if (strcmp(verb, "list") != 0) {
        return usage_error("office needs add, list or revoke");
    }
    rc = rs_store_open(db, RS_STORE_READWRITE, &st, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "resettled: %s\n", err);
        return 1;
    }
    fputs(rs_store_notice(st), stderr);
    {
        char actor[RS_AUDIT_PEER_MAX + 1];

        local_actor(actor, sizeof(actor));
        rs_store_set_actor(st, actor);
    }
    if (strcmp(verb, "add") == 0) {
        rc = rs_store_office_add(st, code, name,
                                 strcmp(role, "central") == 0 ? RS__ROLE__ROLE_CENTRAL
                                                              : RS__ROLE__ROLE_TOWNSHIP,
                                 token);
        if (rc == RS_OK)
            printf("%s\n", token);
        else if (rc == RS_EDUP)
            fprintf(stderr, "resettled: office %s already exists\n", code);
        else if (rc == RS_EINVAL)
            fprintf(stderr, "resettled: office code must be 6, 9 or 12 digits and the name "
                            "non-empty\n");
        else
            fprintf(stderr, "resettled: %s\n", rs_store_errmsg(st));
    } else if (strcmp(verb, "revoke") == 0) {
        rc = rs_store_office_revoke(st, code);
        if (rc == RS_ENOTFOUND)
            fprintf(stderr, "resettled: no office %s\n", code);
        else if (rc)
            fprintf(stderr, "resettled: %s\n", rs_store_errmsg(st));
    } else {
        rc = rs_store_office_list(st, print_office, NULL);
        if (rc)
            fprintf(stderr, "resettled: %s\n", rs_store_errmsg(st));
    }
    ret = rc == RS_OK ? 0 : 1;
    if (rs_store_close(st) != RS_OK)
        ret = 1;
    return ret;
}

static int print_audit(const struct rs_audit_row *r, void *arg)
{
    char hex[2 * RS_SHA256_LEN + 1], when[32];
    time_t t = (time_t)r->time;
    struct tm tm;

    (void)arg;
    rs_hex(r->hash, RS_SHA256_LEN, hex);
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(when, sizeof(when), "%lld", (long long)r->time);
    printf("%llu\t%s\t%s\t%s\t%s\t%s\t%.16s\n", (unsigned long long)r->seq, when, r->kind,
           r->office[0] ? r->office : "-", r->peer[0] ? r->peer : "-", r->detail, hex);
    return 0;
}

static void print_problem(const char *problem, void *arg)
{
    (void)arg;
    printf("broken: %s\n", problem);
}

/*
 * audit verify: the chain, then the tables against it, then the anchors if
 * given.  Prints "ok N rows;
 * ..." and returns 0, or prints what is broken and returns 1.
 */
static int audit_verify(struct rs_store *st, const char *db, const char *anchors)
{
    struct rs_anchor_check ac;
    struct rs_audit_check chk;
    uint64_t rows = 0, broken = 0;
    char why[256];
    rs_status rc = rs_store_audit_verify(st, &rows, &broken, why, sizeof(why));
    int ret = 0;

    if (rc == RS_ECONFLICT) {
        printf("broken at row %llu: %s\n", (unsigned long long)broken, why);
        ret = 1;
    } else if (rc) {
        fprintf(stderr, "resettled: %s: %s\n", db, why[0] ? why : rs_status_str(rc));
        return 1;
    }
    rc = rs_store_audit_verify_records(st, print_problem, NULL, &chk);
    if (rc) {
        fprintf(stderr, "resettled: %s: %s\n", db, rs_store_errmsg(st));
        return 1;
    }
    memset(&ac, 0, sizeof(ac));
    if (anchors) {
        rc = rs_store_audit_check_anchors(st, anchors, print_problem, NULL, &ac);
        if (rc) {
            fprintf(stderr, "resettled: %s\n", rs_store_errmsg(st));
            return 1;
        }
    }
    if (ret || chk.problems || ac.problems) {
        printf("broken: %llu problem%s in the records and offices against the trail, "
               "%llu against the anchors\n",
               (unsigned long long)chk.problems, chk.problems == 1 ? "" : "s",
               (unsigned long long)ac.problems);
        return 1;
    }
    printf("ok %llu rows; %llu records match their hashes, %llu of them recomputed into %llu "
           "batches of the trail%s; %llu offices match it\n",
           (unsigned long long)rows, (unsigned long long)chk.records,
           (unsigned long long)chk.checked_records, (unsigned long long)chk.batches,
           chk.from_record ? " (records before the batch digest: their hash only)" : "",
           (unsigned long long)chk.offices);
    if (anchors)
        printf("ok: %llu anchors of %s match the trail\n", (unsigned long long)ac.matched,
               anchors);
    return 0;
}

/* resettled audit verify|list --db FILE [--anchors FILE]: reads only (read-only opens). */
static int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"anchors", required_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *anchors = NULL, *verb;
    struct rs_store *st = NULL;
    char err[512];
    rs_status rc;
    int c, ret = 1;

    if (argc < 2)
        return usage_error("audit needs verify or list");
    verb = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'a')
            anchors = optarg;
        else
            return usage_error(NULL);
    }
    if (anchors && strcmp(verb, "verify") != 0)
        return usage_error("--anchors goes with audit verify");
    if (optind != argc)
        return usage_error("unexpected argument");
    if (!db)
        return usage_error("audit needs --db FILE");
    if (strcmp(verb, "verify") != 0 && strcmp(verb, "list") != 0)
        return usage_error("audit needs verify or list");
    rc = rs_store_open(db, RS_STORE_READONLY, &st, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "resettled: %s\n", err);
        return 1;
    }
    if (strcmp(verb, "list") == 0) {
        rc = rs_store_audit_list(st, print_audit, NULL);
        if (rc)
            fprintf(stderr, "resettled: %s\n", rs_store_errmsg(st));
        ret = rc == RS_OK ? 0 : 1;
    } else {
        ret = audit_verify(st, db, anchors);
    }
    if (rs_store_close(st) != RS_OK)
        ret = 1;
    return ret;
}

/* Reads a whole schedule file (at most RS_CSV_MAX_BYTES) into a malloc'd buffer. */
static int read_schedule_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;

    if (!f) {
        fprintf(stderr, "resettled: %s: %s\n", path, strerror(errno));
        return -1;
    }
    do {
        if (n == cap) {
            char *p;

            if (cap >= RS_CSV_MAX_BYTES) {
                fprintf(stderr, "resettled: %s: larger than %u bytes\n", path,
                        RS_CSV_MAX_BYTES);
                goto fail;
            }
            cap = cap ? cap * 2 : 65536;
            p = realloc(buf, cap);
            if (!p)
                goto fail;
            buf = p;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    if (ferror(f)) {
        fprintf(stderr, "resettled: %s: read error\n", path);
        goto fail;
    }
    fclose(f);
    *out = buf;
    *len = n;
    return 0;
fail:
    fclose(f);
    free(buf);
    return -1;
}

/* resettled schedule set|show --db FILE --year Y [FILE.csv] */
static int cmd_schedule(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"year", required_argument, NULL, 'Y'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *verb, *file = NULL;
    struct rs_schedule sched = {0};
    struct rs_store *st = NULL;
    char err[512], by[16], *data = NULL, *csv = NULL;
    uint32_t year = 0;
    uint64_t seq = 0;
    int64_t at = 0;
    size_t len = 0;
    rs_status rc;
    int c, ret = 1;
    bool set;

    if (argc < 2)
        return usage_error("schedule needs set or show");
    verb = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'Y':
            if (rs_u32_parse(optarg, &year) || year < 2000 || year > 2100)
                return usage_error("--year must be 2000..2100");
            break;
        default: return usage_error(NULL);
        }
    }
    set = strcmp(verb, "set") == 0;
    if (!set && strcmp(verb, "show") != 0)
        return usage_error("schedule needs set or show");
    if (set && optind + 1 == argc)
        file = argv[optind++];
    if (optind != argc || (set && !file))
        return usage_error(set ? "schedule set needs one CSV file" : "unexpected argument");
    if (!db || !year)
        return usage_error("schedule needs --db FILE and --year Y");
    if (set) {
        if (read_schedule_file(file, &data, &len))
            return 1;
        rc = rs_schedule_parse_csv(file, data, len, year, &sched, err, sizeof(err));
        free(data);
        if (rc) {
            fprintf(stderr, "resettled: %s\n", err);
            return 1;
        }
    }
    rc = rs_store_open(db, set ? RS_STORE_READWRITE : RS_STORE_READONLY, &st, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "resettled: %s\n", err);
        rs_schedule_free(&sched);
        return 1;
    }
    if (set) {
        char actor[RS_AUDIT_PEER_MAX + 1];

        local_actor(actor, sizeof(actor));
        rs_store_set_actor(st, actor);
        rc = rs_store_schedule_set(st, &sched, file, NULL, NULL, &seq, err, sizeof(err));
        if (rc == RS_OK) {
            printf("schedule %u: %zu lines stored (audit row %llu)\n", (unsigned)year, sched.n,
                   (unsigned long long)seq);
            ret = 0;
        } else {
            fprintf(stderr, "resettled: %s\n", err);
        }
    } else {
        rc = rs_store_schedule_get(st, year, &sched, &at, by, sizeof(by));
        if (rc == RS_OK && sched.n == 0) {
            fprintf(stderr, "resettled: year %u has no schedule\n", (unsigned)year);
            ret = 0;
        } else if (rc == RS_OK && rs_schedule_format_csv(&sched, &csv) == RS_OK) {
            fputs(csv, stdout);
            ret = 0;
        } else {
            fprintf(stderr, "resettled: %s\n", rc ? rs_store_errmsg(st) : "out of memory");
        }
    }
    free(csv);
    rs_schedule_free(&sched);
    if (rs_store_close(st) != RS_OK)
        ret = 1;
    return ret;
}

/* resettled framework check FILE [--framework-dir DIR] */
static int cmd_framework(int argc, char **argv)
{
    static const struct option opts[] = {
        {"framework-dir", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt != 'f')
            return usage_error(NULL);
        dir = optarg;
    }
    if (optind + 2 != argc || strcmp(argv[optind], "check") != 0)
        return usage_error("framework needs check FILE");
    return rs_fwcheck_run(dir, argv[optind + 1], stdout, stderr);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL);
    if (strcmp(argv[1], "--version") == 0) {
        printf("resettled %s (protocol %d)\n", RS_VERSION, RS_PROTOCOL_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "office") == 0)
        return cmd_office(argc - 1, argv + 1);
    if (strcmp(argv[1], "audit") == 0)
        return cmd_audit(argc - 1, argv + 1);
    if (strcmp(argv[1], "schedule") == 0)
        return cmd_schedule(argc - 1, argv + 1);
    if (strcmp(argv[1], "framework") == 0)
        return cmd_framework(argc - 1, argv + 1);
    return usage_error("unknown command");
}

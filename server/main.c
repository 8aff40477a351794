/*
 * main.c - the resettled command line.
 *
 *   resettled serve [--config FILE] --db FILE [--listen HOST:PORT] --tls-cert FILE
 *                   --tls-key FILE [options]
 *   resettled serve --db FILE --listen 127.0.0.1:PORT --plaintext [options]
 *   resettled office add --db FILE --code CODE --name NAME --role township|central
 *   resettled office list --db FILE
 *   resettled office revoke --db FILE --code CODE
 *   resettled office token --db FILE --code CODE
 *   resettled audit verify --db FILE [--anchors FILE]
 *   resettled audit list --db FILE
 *   resettled schedule set --db FILE --year Y FILE.csv
 *   resettled schedule show --db FILE --year Y
 *   resettled framework check FILE [--framework-dir DIR]
 *   resettled backup --db FILE --to FILE   (or --config FILE: its db)
 *   resettled restore --from FILE --db FILE
 *
 * The admin role is this command line on the database itself: offices are
 * added and revoked here, never over the network, and each change lands in
 * the audit trail with the local user who made it.  A year's schedule of
 * expected returns may be set here too (or by a central office over the
 * network): the CSV file (include/rs_schedule.h) is checked whole and
 * refused with file:line: reason before anything is stored.
 *
 * serve's settings come from the config file (--config FILE) and the
 * flags, a flag winning (server/config/rs_config.h).
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage error or a
 * config file that cannot be read or breaks a rule.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rs_config.h"
#include "rs_csv.h"
#include "rs_fwcheck.h"
#include "rs_journal.h"
#include "rs_log.h"
#include "rs_notify.h"
#include "rs_paths.h"
#include "rs_schedule.h"
#include "rs_server.h"
#include "rs_store.h"
#include "rs_store_backup.h"
#include "rs_util.h"
#include "rs_wire.h"

static const char usage[] =
    "usage: resettled serve [--config FILE] --db FILE [--listen HOST:PORT] --tls-cert FILE\n"
    "                       --tls-key FILE   (each also a key of the config file;\n"
    "                       listen defaults to 127.0.0.1:7420)\n"
    "                       [--frameworks DIR] [--max-frame BYTES] [--max-batch N]\n"
    "                       [--idle-timeout SEC] [--auth-fail-limit N] [--auth-fail-window SEC]\n"
    "                       [--log-level debug|info|warn|error] [--log auto|stderr|journal]\n"
    "                       [--sync deferred|commit]\n"
    "                       [--max-unauth N] [--max-unauth-per-addr N]\n"
    "                       [--anchor FILE] [--anchor-every N]\n"
    "       resettled serve --db FILE --listen 127.0.0.1:PORT --plaintext [options]\n"
    "                       (no TLS: loopback addresses only)\n"
    "       resettled office add --db FILE --code CODE --name NAME --role township|central\n"
    "       resettled office list --db FILE\n"
    "       resettled office revoke --db FILE --code CODE\n"
    "       resettled office token --db FILE --code CODE   (a new token; the old one stops)\n"
    "       resettled audit verify --db FILE [--anchors FILE]\n"
    "       resettled audit list --db FILE\n"
    "       resettled schedule set --db FILE --year Y FILE.csv\n"
    "       resettled schedule show --db FILE --year Y\n"
    "       resettled framework check FILE [--framework-dir DIR]\n"
    "       resettled backup --db FILE --to FILE\n"
    "       resettled backup --config FILE --to FILE   (the database the config names)\n"
    "       resettled restore --from FILE --db FILE\n"
    "       resettled --version | --help\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "resettled: %s\n", msg);
    fputs(usage, stderr);
    return 2;
}

static int cmd_serve(int argc, char **argv)
{
    struct rs_config cfg;
    const char *config_file = NULL;
    char err[1400];
    rs_status rc;

    rs_config_init(&cfg);
    if (rs_config_args(&cfg, argc, argv, &config_file, err, sizeof(err)) != RS_OK)
        return usage_error(err);
    if (config_file && rs_config_file(&cfg, config_file, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "resettled: %s\n", err);
        return 2;
    }
    rc = rs_config_finish(&cfg, err, sizeof(err));
    if (rc == RS_EINVAL)
        return usage_error(err);
    if (rc) {
        fprintf(stderr, "resettled: %s\n", err);
        return 1;
    }
    rs_log_set_level(cfg.log_level);
    (void)rs_journal_setup(cfg.log_target);
    cfg.srv.notify = rs_notify_send;
    if (rs_server_run(&cfg.srv, err, sizeof(err)) != RS_OK) {
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
        return usage_error("office needs add, list, token or revoke");
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
    } else if (strcmp(verb, "revoke") == 0 || strcmp(verb, "token") == 0) {
        if (!code)
            return usage_error(verb[0] == 'r' ? "office revoke needs --code"
                                              : "office token needs --code");
    } else if (strcmp(verb, "list") != 0) {
        return usage_error("office needs add, list, token or revoke");
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
    } else if (strcmp(verb, "token") == 0) {
        rc = rs_store_office_token(st, code, token);
        if (rc == RS_OK)
            printf("%s\n", token);
        else if (rc == RS_ENOTFOUND)
            fprintf(stderr, "resettled: no office %s\n", code);
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
    char found[4096], err[1024];
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt != 'f')
            return usage_error(NULL);
        dir = optarg;
    }
    if (optind + 2 != argc || strcmp(argv[optind], "check") != 0)
        return usage_error("framework needs check FILE");
    if (!dir) {
        /* The presets' folder serve would use: the formula library and checks are there. */
        if (rs_paths_frameworks(found, sizeof(found), err, sizeof(err)) != RS_OK) {
            fprintf(stderr, "resettled: %s (give --framework-dir DIR)\n", err);
            return 1;
        }
        dir = found;
    }
    return rs_fwcheck_run(dir, argv[optind + 1], stdout, stderr);
}

/*
 * resettled backup --db FILE --to FILE: a checked copy taken while the
 * server runs (--config FILE instead of --db: the database serve's config
 * file names, as the nightly timer does); resettled restore --from FILE
 * --db FILE: a checked copy put in place of a database no process has open
 * (rs_store_backup.h).
 */
static int cmd_backup_restore(int argc, char **argv, bool restore)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"to", required_argument, NULL, 't'},
        {"from", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *to = NULL, *from = NULL, *conf = NULL;
    struct rs_config cfg;
    struct rs_backup_info info;
    char err[2048];
    rs_status rc;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 't': to = optarg; break;
        case 'f': from = optarg; break;
        case 'c': conf = optarg; break;
        default: return usage_error(NULL);
        }
    }
    if (optind != argc)
        return usage_error("unexpected argument");
    if (conf && (db || restore))
        return usage_error("--config names the database for backup only; not with --db");
    if (conf) {
        rs_config_init(&cfg);
        if (rs_config_file(&cfg, conf, err, sizeof(err)) != RS_OK) {
            fprintf(stderr, "resettled: %s\n", err);
            return 2;
        }
        if (!cfg.db[0]) {
            fprintf(stderr, "resettled: %s names no db\n", conf);
            return 2;
        }
        db = cfg.db;
    }
    if (!restore && (!db || !to || from))
        return usage_error("backup needs --db FILE --to FILE");
    if (restore && (!db || !from || to))
        return usage_error("restore needs --from FILE --db FILE");
    rc = restore ? rs_store_restore(from, db, &info, err, sizeof(err))
                 : rs_store_backup(db, to, &info, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "resettled: %s\n", err);
        return 1;
    }
    if (restore)
        printf("ok %s restored from %s: %llu records, %llu audit rows verified; the database "
               "it replaced (if any) is %s.before-restore\n", db, from,
               (unsigned long long)info.records, (unsigned long long)info.audit_rows, db);
    else
        printf("ok %s: %llu records, %llu audit rows verified, %llu bytes\n", to,
               (unsigned long long)info.records, (unsigned long long)info.audit_rows,
               (unsigned long long)info.bytes);
    return 0;
}

int main(int argc, char **argv)
{
    /* Before any store is opened; if it cannot apply, SQLite's defaults only cost speed. */
    (void)rs_store_process_init();
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
    /* "resettled serve --help" (or any command's): the usage, as the man page says. */
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
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
    if (strcmp(argv[1], "backup") == 0)
        return cmd_backup_restore(argc - 1, argv + 1, false);
    if (strcmp(argv[1], "restore") == 0)
        return cmd_backup_restore(argc - 1, argv + 1, true);
    return usage_error("unknown command");
}

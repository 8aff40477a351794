/*
 * main.c - the resettle command line, used by township and central offices.
 *
 *   resettle submit [--type T] [--year Y] [--period P] [--sheet NAME]
 *                   [--money-unit yuan|wan] FILE.csv|FILE.xlsx...
 *   resettle template --type T [--out FILE.xlsx] [--divisions FILE|CODES]
 *                     [--money-unit yuan|wan]
 *   resettle sync [--attempts N]
 *   resettle status [--failed]
 *   resettle report --year Y [--format markdown|text|json|csv|docx|xlsx|html]
 *                   [--out FILE] [--division CODE] [--accepted-only]
 *                   (docx and xlsx are binary: they need --out unless
 *                   stdout is not a terminal)
 *   resettle completeness --year Y [--period P] [--format text|markdown|json|csv]
 *                   [--division CODE] [--out FILE]
 *   resettle review return --id ID | --batch ID --comment TEXT
 *   resettle review accept --id ID | --batch ID [--comment TEXT]
 *   resettle year close --year Y [--framework NAME]
 *   resettle year reopen --year Y --division CODE --until DATE --reason TEXT
 *   resettle year show --year Y
 *   resettle schedule set --year Y FILE.csv
 *   resettle schedule show --year Y
 *   resettle records --year Y [--division CODE] [--type T]
 *                   [--state returned|accepted|pending] [--id ID] [--format text|json]
 *
 * status, submit and sync also ask the server which of the office's records
 * the central office returned, and show each with its comment and the
 * file:line it came from (when this outbox queued it); status does so only
 * when the server, office and token are configured.
 *
 * Configuration: --server HOST:PORT, --office CODE, --token TOKEN (or
 * --token-file FILE), --outbox FILE, --ca FILE, --pin sha256:HEX,
 * --district-key FILE.  Each falls back to RESETTLE_SERVER,
 * RESETTLE_OFFICE, RESETTLE_TOKEN, RESETTLE_OUTBOX, RESETTLE_CA,
 * RESETTLE_PIN, RESETTLE_DISTRICT_KEY; a flag always wins over the
 * environment.  The default outbox is $XDG_DATA_HOME/resettle/outbox.db,
 * else ~/.local/share/resettle/outbox.db.
 *
 * Transport: TLS, with the server verified against the CA file, the pinned
 * certificate fingerprint, or both; plaintext only with an explicit
 * --plaintext and only to a server on this machine.  There is no fallback.
 *
 * Exit status: 0 every record stored (or already there); 1 some rows were
 * invalid or the server rejected or refused (conflict) some records, or
 * refused a request (role, scope, a closed year, a bad value); 2 usage
 * error; 3 the server could not be reached or could not commit, and the
 * records wait in the outbox.  When several apply, the highest wins.
 *
 * A file to submit is an Excel workbook when it starts as a zip does (or is
 * named .xlsx): every visible sheet whose header row is a record type is
 * read (or the one --sheet names), a template's sheet with the type its
 * hidden sheet names, and its hint row is skipped; errors are then
 * `file:sheet:row: column: reason`.  Anything else is CSV.
 *
 * Does not: parse CSV (rs_csv.c) or workbooks (rs_xlsx.c), write templates
 * (rs_xltpl.c), map columns (rs_rowmap.c), or keep state outside the outbox.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rs_csv.h"
#include "rs_outbox.h"
#include "rs_records.h"
#include "rs_rowmap.h"
#include "rs_schedule.h"
#include "rs_session.h"
#include "rs_util.h"
#include "rs_validate.h"
#include "rs_wire.h"
#include "rs_xlsx.h"
#include "rs_xltpl.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

struct config {
    const char *server;
    const char *office;
    const char *token;
    const char *token_file;
    const char *outbox;
    const char *ca;
    const char *pin;
    const char *district_key;
    const char *division;
    bool plaintext;
    bool has_key;
    uint8_t key[RS_DISTRICT_KEY_LEN];
    struct rs_net_security sec;
    uint32_t timeout_ms;
    uint32_t attempts;
    uint32_t batch;
    /* submit */
    rs_rtype type;
    uint32_t year;
    Rs__Period period;
    const char *sheet;
    /* template */
    const char *divisions;
    /* submit: money columns without a unit in their header; template: the
     * unit its money columns are written in (RS_MONEY_UNIT_NONE: 元) */
    enum rs_money_unit money_unit;
    /* report, completeness */
    Rs__ReportFormat format;
    bool format_set;
    bool accepted_only;
    const char *out;
    const char *from, *to;          /* outbox salvage */
    const char *framework;
    int failed;
    /* review, year */
    const char *id;
    const char *batch_id;
    const char *comment;
    const char *until;
    const char *reason;
    /* records */
    Rs__ReviewState state;
    char token_buf[256];
    char outbox_buf[4096];
};

static const char usage[] =
    "usage: resettle [options] submit [--type T] [--year Y] [--period P] [--sheet NAME]\n"
    "                                [--money-unit yuan|wan] FILE.csv|FILE.xlsx...\n"
    "       resettle [options] template --type T [--out FILE.xlsx] [--divisions FILE|CODES]\n"
    "                                  [--money-unit yuan|wan]\n"
    "       resettle [options] sync [--attempts N]\n"
    "       resettle [options] status [--failed]\n"
    "       resettle outbox salvage --from DAMAGED --to NEW\n"
    "       resettle [options] report --year Y\n"
    "                [--format markdown|text|json|csv|docx|xlsx|html] [--out FILE]\n"
    "                [--division CODE] [--accepted-only]\n"
    "                (docx, xlsx: --out, or stdout not a terminal)\n"
    "       resettle [options] completeness --year Y [--period P] [--division CODE]\n"
    "                                [--format text|markdown|json|csv] [--out FILE]\n"
    "       resettle [options] review return|accept --id ID | --batch BATCH_ID [--comment TEXT]\n"
    "       resettle [options] year close --year Y [--framework NAME]\n"
    "       resettle [options] year reopen --year Y --division CODE --until DATE --reason TEXT\n"
    "       resettle [options] year show --year Y\n"
    "       resettle [options] schedule set --year Y FILE.csv | schedule show --year Y\n"
    "       resettle [options] records --year Y [--division CODE] [--type T]\n"
    "                [--state returned|accepted|pending] [--id ID] [--format text|json]\n"
    "options: --server HOST:PORT  --office CODE  --token TOKEN | --token-file FILE\n"
    "         --outbox FILE  --timeout SEC  --batch N (records per batch)  --district-key FILE\n"
    "         --ca FILE | --pin sha256:HEX  (TLS: trust this CA / this certificate, or both)\n"
    "         --plaintext                   (no TLS; only to a server on this machine)\n"
    "environment (flags win): RESETTLE_SERVER RESETTLE_OFFICE RESETTLE_TOKEN RESETTLE_OUTBOX\n"
    "         RESETTLE_CA RESETTLE_PIN RESETTLE_DISTRICT_KEY\n"
    "exit: 0 all stored (or done), 1 invalid/rejected rows or refused (token, certificate,\n"
    "      role, scope, closed year), 2 usage, 3 server unreachable (kept in outbox)\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "resettle: %s\n", msg);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

static int worst(int a, int b)
{
    return a > b ? a : b;
}

/* ------------------------------------------------------------ configuration */

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static int resolve_outbox(struct config *c)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

    if (!c->outbox)
        c->outbox = getenv("RESETTLE_OUTBOX");
    if (c->outbox)
        return 0;
    if (xdg && *xdg)
        snprintf(c->outbox_buf, sizeof(c->outbox_buf), "%s/resettle/outbox.db", xdg);
    else if (home && *home)
        snprintf(c->outbox_buf, sizeof(c->outbox_buf), "%s/.local/share/resettle/outbox.db",
                 home);
    else
        return -1;
    if (mkdirs(c->outbox_buf) != 0)
        return -1;
    c->outbox = c->outbox_buf;
    return 0;
}

static int resolve_token(struct config *c)
{
    FILE *f;
    size_t n;

    if (c->token_file) {
        f = fopen(c->token_file, "r");
        if (!f) {
            fprintf(stderr, "resettle: %s: %s\n", c->token_file, strerror(errno));
            return -1;
        }
        n = fread(c->token_buf, 1, sizeof(c->token_buf) - 1, f);
        fclose(f);
        c->token_buf[n] = '\0';
        while (n > 0 && (c->token_buf[n - 1] == '\n' || c->token_buf[n - 1] == '\r' ||
                         c->token_buf[n - 1] == ' '))
            c->token_buf[--n] = '\0';
        c->token = c->token_buf;
    }
    if (!c->token)
        c->token = getenv("RESETTLE_TOKEN");
    return 0;
}

/* True if the host part of "HOST:PORT" names this machine literally. */
static bool loopback_host(const char *hostport)
{
    const char *colon = strrchr(hostport, ':');
    size_t n = colon ? (size_t)(colon - hostport) : strlen(hostport);
    char host[64];

    if (n >= 2 && hostport[0] == '[' && hostport[n - 1] == ']') {
        hostport++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(host))
        return false;
    memcpy(host, hostport, n);
    host[n] = '\0';
    return strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
           (strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == n);
}

/* Settles how the server is trusted: TLS with a CA and/or a pin, or loopback plaintext. */
static int resolve_security(struct config *c)
{
    uint8_t pin[32];
    char why[320];

    if (!c->ca)
        c->ca = getenv("RESETTLE_CA");
    if (!c->pin)
        c->pin = getenv("RESETTLE_PIN");
    if (c->ca && !c->ca[0])
        c->ca = NULL;
    if (c->pin && !c->pin[0])
        c->pin = NULL;
    if (c->plaintext && (c->ca || c->pin)) {
        usage_error("--plaintext excludes --ca and --pin (and RESETTLE_CA, RESETTLE_PIN)");
        return -1;
    }
    if (!c->plaintext && !c->ca && !c->pin) {
        usage_error("say how to trust the server: --ca FILE or --pin sha256:HEX (or "
                    "RESETTLE_CA / RESETTLE_PIN); --plaintext only for a server on this machine");
        return -1;
    }
    if (c->plaintext && !loopback_host(c->server)) {
        usage_error("--plaintext connects only to a server on this machine (127.0.0.1, ::1, "
                    "localhost); use --ca or --pin");
        return -1;
    }
    if (c->ca && rs_net_ca_check(c->ca, why, sizeof(why)) != RS_OK) {
        /* Missing, unreadable or not a CA: the same usage error, before any connection. */
        fprintf(stderr, "resettle: CA file %s: %s\n", c->ca, why);
        usage_error(NULL);
        return -1;
    }
    if (c->pin && rs_net_pin_parse(c->pin, pin) != RS_OK) {
        usage_error("--pin must be sha256: and 64 hex digits (the server certificate's "
                    "SHA-256 fingerprint)");
        return -1;
    }
    c->sec.ca_file = c->ca;
    c->sec.pin = c->pin;
    c->sec.plaintext = c->plaintext;
    return 0;
}

static int need_network(struct config *c)
{
    if (!c->server)
        c->server = getenv("RESETTLE_SERVER");
    if (!c->office)
        c->office = getenv("RESETTLE_OFFICE");
    if (resolve_token(c))
        return -1;
    if (!c->server || !c->office || !c->token) {
        usage_error("the server, office and token are needed: --server/--office/--token or "
                    "RESETTLE_SERVER/RESETTLE_OFFICE/RESETTLE_TOKEN");
        return -1;
    }
    return resolve_security(c);
}

/*
 * Reads the district key (64 hex digits; deploy/make-district-key.sh)
 * named by --district-key or RESETTLE_DISTRICT_KEY, if any.  0 when there
 * is none or it was read; -1 (message printed) otherwise.
 */
static int load_district_key(struct config *c)
{
    char buf[256];
    struct stat sb;
    size_t n, k = 0;
    FILE *f;

    if (!c->district_key)
        c->district_key = getenv("RESETTLE_DISTRICT_KEY");
    if (!c->district_key || !c->district_key[0])
        return 0;
    f = fopen(c->district_key, "r");
    if (!f) {
        fprintf(stderr, "resettle: district key %s: %s\n", c->district_key, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
        fprintf(stderr, "resettle: warning: district key %s is readable by other users "
                        "(chmod 600 it)\n", c->district_key);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    if (n != 2 * RS_DISTRICT_KEY_LEN)
        goto bad;
    for (k = 0; k < RS_DISTRICT_KEY_LEN; k++) {
        int v = 0;

        for (int j = 0; j < 2; j++) {
            char ch = buf[2 * k + (size_t)j];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                  : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;

            if (d < 0)
                goto bad;
            v = v << 4 | d;
        }
        c->key[k] = (uint8_t)v;
    }
    explicit_bzero(buf, sizeof(buf));
    c->has_key = true;
    return 0;
bad:
    explicit_bzero(buf, sizeof(buf));
    explicit_bzero(c->key, sizeof(c->key));
    fprintf(stderr, "resettle: district key %s is not 64 hex digits (make one with "
                    "deploy/make-district-key.sh)\n", c->district_key);
    return -1;
}

/*
 * Opens the outbox and reads every page of it first: a damaged one is not
 * used (nothing queued into it, nothing sent from it), and the message says
 * how to get back the records it still holds.
 */
static int open_outbox(struct config *c, struct rs_outbox **ob)
{
    char err[512];

    if (resolve_outbox(c)) {
        fprintf(stderr, "resettle: no outbox: set --outbox, RESETTLE_OUTBOX or HOME\n");
        return -1;
    }
    if (rs_outbox_open(c->outbox, ob, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "resettle: %s\n", err);
        return -1;
    }
    if (rs_outbox_check(*ob) != RS_OK) {
        fprintf(stderr,
                "resettle: outbox %s is %s\n"
                "resettle: nothing was queued or sent. Copy the records it still holds into a "
                "new outbox and use that one:\n"
                "  resettle outbox salvage --from %s --to NEW.outbox\n",
                c->outbox, rs_outbox_errmsg(*ob), c->outbox);
        rs_outbox_close(*ob);
        *ob = NULL;
        return -1;
    }
    return 0;
}

/* resettle outbox salvage --from DAMAGED --to NEW: exit 0, 1 (nothing copied) or 2. */
static int cmd_salvage(struct config *c)
{
    struct rs_outbox_salvage sv;
    char err[512];
    rs_status rc;

    if (!c->from || !c->to)
        return usage_error("outbox salvage needs --from DAMAGED and --to NEW");
    rc = rs_outbox_salvage(c->from, c->to, &sv, err, sizeof(err));
    if (rc != RS_OK) {
        fprintf(stderr, "resettle: outbox salvage: %s\n", err);
        return rc == RS_EDUP ? EXIT_USAGE : EXIT_INVALID;
    }
    printf("%llu records copied from %s to %s", (unsigned long long)sv.copied, c->from, c->to);
    if (sv.unreadable)
        printf("; rows %lld to %lld were not all readable (%llu damaged run%s): their records "
               "are lost from the outbox, submit their files again to queue them",
               (long long)sv.first_lost, (long long)sv.last_lost,
               (unsigned long long)sv.unreadable, sv.unreadable == 1 ? "" : "s");
    printf("\n");
    return 0;
}

/* ------------------------------------------------------------ sync */

/* The exit status of a failed request: 3 when the server could not be
 * reached or could not commit, 1 when it refused. */
static int exit_of(rs_status rc)
{
    return rc == RS_EIO || rc == RS_ETIMEDOUT || rc == RS_ECLOSED || rc == RS_ESTORAGE ||
                   rc == RS_EBUSY
               ? EXIT_UNREACHABLE
               : EXIT_INVALID;
}

/*
 * Asks the server which of the office's records the central office
 * returned, and prints each with its comment and, when this outbox queued
 * it, the file:line it came from.  ob may be NULL; year 0 asks for every
 * year.  RS_OK or the request's status (err says why).
 */
static rs_status show_returned(struct rs_session *s, struct rs_outbox *ob, uint32_t year,
                               char *err, size_t errlen)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__StatusRequest rq = RS__STATUS_REQUEST__INIT;
    const Rs__StatusReply *st;
    rs_status rc;

    if (year) {
        rq.has_year = true;
        rq.year = year;
    }
    env.msg_case = RS__ENVELOPE__MSG_STATUS_REQUEST;
    env.status_request = &rq;
    rc = rs_session_call(s, &env, RS__ENVELOPE__MSG_STATUS, &reply, err, errlen);
    if (rc)
        return rc;
    st = reply->status;
    if (st->returned == 0)
        printf("returned by the central office: none (%u accepted)\n", (unsigned)st->accepted);
    else
        printf("returned by the central office: %u (%u accepted); correct them and submit the "
               "file again:\n", (unsigned)st->returned, (unsigned)st->accepted);
    for (size_t i = 0; i < st->n_records; i++) {
        const Rs__RecordReview *r = st->records[i];
        char source[RS_OUTBOX_TEXT_MAX + 1] = "", day[11] = "";
        bool found = false;

        if (ob && r->record_id &&
            rs_outbox_source(ob, r->record_id, source, sizeof(source), &found) != RS_OK)
            found = false;
        if (r->has_reviewed_at)
            rs_date_format(rs_date_cst(r->reviewed_at), day);
        printf("%s: returned %s%s%s (%s): %s (%s, %s)\n", found && source[0] ? source : "-",
               r->record_type ? r->record_type : "?", r->label ? " " : "",
               r->label ? r->label : "", r->record_id ? r->record_id : "?",
               r->comment ? r->comment : "", r->reviewer_name ? r->reviewer_name : "",
               day);
    }
    if (st->has_more && st->more)
        printf("... and %u more\n", (unsigned)st->more);
    rs__envelope__free_unpacked(reply, NULL);
    return RS_OK;
}

static void print_sent(const struct rs_sync_stats *stats)
{
    if (stats->sent)
        printf("sent %llu: %llu stored, %llu duplicate, %llu conflict, %llu rejected\n",
               (unsigned long long)stats->sent, (unsigned long long)stats->stored,
               (unsigned long long)stats->duplicate, (unsigned long long)stats->conflict,
               (unsigned long long)stats->rejected);
}

/* One delivery attempt after another, with back-off 1, 2, 4 ... 60 s. */
static int deliver(struct config *c, struct rs_outbox *ob)
{
    struct rs_sync_stats stats = {0};
    struct rs_outbox_counts counts;
    unsigned delay = 1;
    uint32_t attempt;
    char err[512];
    bool printed = false;
    rs_status rc = RS_EIO;

    for (attempt = 1; attempt <= c->attempts; attempt++) {
        struct rs_session s;

        rc = rs_session_open(&s, c->server, &c->sec, c->office, c->token, c->timeout_ms, err,
                             sizeof(err));
        if (rc == RS_OK) {
            rc = rs_session_sync(&s, ob, c->batch, &stats, err, sizeof(err));
            /* What the centre sent back is what the township acts on next. */
            if (rc == RS_OK && s.role == RS__ROLE__ROLE_TOWNSHIP) {
                print_sent(&stats);
                printed = true;
                if (show_returned(&s, ob, 0, err, sizeof(err)) != RS_OK)
                    fprintf(stderr, "resettle: cannot list returned records: %s\n", err);
            }
            rs_session_close(&s);
        }
        if (rc == RS_OK)
            break;
        if (rc == RS_EAUTH || rc == RS_EVERSION || rc == RS_EFORBIDDEN || rc == RS_EINVAL ||
            (rc == RS_EPROTO && c->plaintext)) {
            fprintf(stderr, "resettle: %s\n", err);
            break;
        }
        fprintf(stderr, "resettle: attempt %u of %u: %s\n", attempt, c->attempts, err);
        if (attempt < c->attempts) {
            sleep(delay);
            delay = delay * 2 > 60 ? 60 : delay * 2;
        }
    }
    if (!printed)
        print_sent(&stats);
    if (rs_outbox_counts(ob, &counts) == RS_OK && counts.pending)
        printf("%llu records wait in the outbox %s\n", (unsigned long long)counts.pending,
               c->outbox);
    if (rc == RS_EAUTH || rc == RS_EVERSION || rc == RS_EFORBIDDEN ||
        (rc == RS_EPROTO && c->plaintext))
        return EXIT_INVALID;
    if (rc != RS_OK)
        return EXIT_UNREACHABLE;
    return stats.conflict || stats.rejected ? EXIT_INVALID : 0;
}

static int print_failed(const char *id, const char *source, enum rs_outbox_state st,
                        const char *field, const char *reason, void *arg)
{
    (void)arg;
    printf("%s: %s %s: %s: %s\n", source ? source : "?",
           st == RS_OB_CONFLICT ? "conflict" : "rejected", id, field && *field ? field : "-",
           reason ? reason : "");
    return 0;
}

/* ------------------------------------------------------------ submit */

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t got;

        if (n == cap) {
            char *p;

            if (cap >= RS_CSV_MAX_BYTES) {
                fprintf(stderr, "%s: larger than %u bytes\n", path, RS_CSV_MAX_BYTES);
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
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: read error\n", path);
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

/* ------------------------------------------------------------ submit: Excel workbooks */

/*
 * True if the file is an .xlsx workbook: it starts as a zip does, or its
 * name says .xlsx (so a damaged one is reported as a workbook, not as CSV).
 */
static bool is_workbook(const char *path, const char *data, size_t len)
{
    size_t n = strlen(path);

    return (len >= 4 && memcmp(data, "PK\3\4", 4) == 0) ||
           (n >= 5 && strcasecmp(path + n - 5, ".xlsx") == 0);
}

/* True if the file is an OLE compound file: an .xls workbook, or an .xlsx with a password. */
static bool is_ole(const char *data, size_t len)
{
    static const unsigned char magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

    return len >= sizeof(magic) && memcmp(data, magic, sizeof(magic)) == 0;
}

/* What one workbook added to the outbox. */
struct xl_counts {
    unsigned added, versions, unchanged, invalid;
};

/* The column a message names: its header cell, else the cell's own name. */
static const char *xl_column(char *const *header, size_t nh, uint32_t row, uint32_t col,
                             char buf[16])
{
    if (col < nh && header[col][0])
        return header[col];
    rs_xlsx_cell_name(row, col, buf);
    return buf;
}

/*
 * Queues the rows of sheet i inside the caller's transaction.  forced is
 * the type the sheet must be (--type, or its template's), named says the
 * sheet was asked for (--sheet, or a template's): a header that is no
 * record type is then an error rather than a sheet to pass over.
 * Returns 0 (rows read), 1 (not a record sheet: skipped), EXIT_INVALID
 * (the sheet or its header cannot be read) or -1 (outbox failure).
 */
static int queue_sheet(struct config *c, struct rs_outbox *ob, const char *path,
                       struct rs_xlsx *x, size_t i, rs_rtype forced, bool named,
                       struct xl_counts *k)
{
    const char *name = rs_xlsx_sheet_name(x, i);
    struct rs_row_defaults def = {0};
    struct rs_xlsx_sheet *sh = NULL;
    struct rs_rowmap *map = NULL;
    struct rs_xlsx_row row;
    char *header[RS_XLSX_MAX_COLS], err[512], source[4200], cell[16];
    size_t nh = 0;
    uint32_t hrow;
    unsigned before = k->added + k->versions + k->unchanged, bad = k->invalid;
    int ret = EXIT_INVALID;

    if (rs_xlsx_sheet_open(x, i, &sh, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "%s:%s: %s\n", path, name, err);
        k->invalid++;
        return EXIT_INVALID;
    }
    if (rs_xlsx_sheet_next(sh, &row) != RS_OK) {
        if (named)
            fprintf(stderr, "%s:%s: empty sheet\n", path, name);
        ret = named ? EXIT_INVALID : 1;
        goto out;
    }
    hrow = row.row;
    for (nh = 0; nh < row.ncells && nh < RS_XLSX_MAX_COLS; nh++) {
        header[nh] = strdup(row.cells[nh]);
        if (!header[nh]) {
            fprintf(stderr, "%s:%s: out of memory\n", path, name);
            goto out;
        }
    }
    def.division_code = c->office;
    def.year = c->year;
    def.period = c->period;
    def.money_unit = c->money_unit;
    if (rs_rowmap_open_keyed(header, nh, forced, &def, c->has_key ? c->key : NULL, &map, err,
                             sizeof(err)) != RS_OK) {
        if (named) {
            fprintf(stderr, "%s:%s:%u: %s\n", path, name, hrow, err);
        } else {
            printf("%s:%s: not a sheet of records, skipped (%s)\n", path, name, err);
            ret = 1;
        }
        goto out;
    }
    for (bool first = true;; first = false) {
        Rs__Record *rec = NULL;
        struct rs_verdict v;
        enum rs_outbox_added what;
        rs_status rc;

        if (rs_xlsx_sheet_next(sh, &row) != RS_OK)
            break;
        if (first && row.row == hrow + 1 &&
            rs_xltpl_is_hint_row(rs_rowmap_type(map), row.cells, row.ncells))
            continue;
        if (row.problem) {
            char ref[16];

            rs_xlsx_cell_name(row.row, row.problem->col, ref);
            fprintf(stderr, "%s:%s:%u: %s: cell %s: %s\n", path, name, row.row,
                    xl_column(header, nh, row.row, row.problem->col, cell), ref,
                    row.problem->reason);
            k->invalid++;
            continue;
        }
        if (rs_rowmap_row(map, row.cells, row.ncells, &rec, &v) != RS_OK) {
            fprintf(stderr, "%s:%s:%u: %s: %s\n", path, name, row.row, v.field, v.reason);
            if (rs_rowmap_fatal(map)) {
                /* Every row would be read in the same unknown unit. */
                fprintf(stderr, "%s: nothing queued\n", path);
                ret = -1;
                goto out;
            }
            k->invalid++;
            continue;
        }
        snprintf(source, sizeof(source), "%s:%s:%u", path, name, row.row);
        rc = rs_outbox_add(ob, rec, source, &what);
        rs__record__free_unpacked(rec, NULL);
        if (rc) {
            fprintf(stderr, "%s:%s:%u: cannot queue: %s\n", path, name, row.row,
                    rs_status_str(rc));
            ret = -1;
            goto out;
        }
        if (what == RS_OUTBOX_NEW)
            k->added++;
        else if (what == RS_OUTBOX_NEW_VERSION)
            k->versions++;
        else
            k->unchanged++;
    }
    printf("%s:%s: %s, %u rows read, %u invalid\n", path, name,
           rs_rtype_name(rs_rowmap_type(map)), k->added + k->versions + k->unchanged - before,
           k->invalid - bad);
    ret = 0;
out:
    for (size_t j = 0; j < nh; j++)
        free(header[j]);
    rs_rowmap_close(map);
    rs_xlsx_sheet_close(sh);
    return ret;
}

/*
 * Queues the record sheets of one workbook in one outbox transaction, like
 * queue_file for a CSV file (same return values).
 */
static int queue_xlsx(struct config *c, struct rs_outbox *ob, const char *path,
                      const char *data, size_t len)
{
    struct rs_xltpl_meta meta;
    struct rs_xlsx *x = NULL;
    struct xl_counts k = {0};
    char err[512];
    size_t first = 0, last;
    unsigned read = 0;
    int ret = -1, r;
    bool in_tx = false;

    if (rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    if (rs_xltpl_meta_read(x, &meta, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "%s: %s\n", path, err);
        goto out;
    }
    last = rs_xlsx_nsheets(x);
    if (c->sheet) {
        long i = rs_xlsx_sheet_find(x, c->sheet);

        if (i < 0) {
            fprintf(stderr, "%s: no sheet named '%s'; it has:", path, c->sheet);
            for (size_t j = 0; j < last; j++)
                fprintf(stderr, "%s '%s'", j ? "," : "", rs_xlsx_sheet_name(x, j));
            fputc('\n', stderr);
            goto out;
        }
        first = (size_t)i;
        last = first + 1;
    }
    if (rs_outbox_begin(ob) != RS_OK) {
        fprintf(stderr, "%s: cannot write the outbox %s\n", path, c->outbox);
        goto out;
    }
    in_tx = true;
    ret = 0;
    for (size_t i = first; i < last; i++) {
        const char *name = rs_xlsx_sheet_name(x, i);
        bool tpl = meta.found && strcmp(name, meta.sheet) == 0;
        rs_rtype forced = c->type ? c->type : tpl ? meta.type : RS__RECORD__BODY__NOT_SET;

        if (!c->sheet && (rs_xlsx_sheet_hidden(x, i) ||
                          (meta.found && strcmp(name, RS_XLTPL_META_SHEET) == 0)))
            continue;
        r = queue_sheet(c, ob, path, x, i, forced, c->sheet || tpl, &k);
        if (r < 0) {
            ret = -1;
            goto out;
        }
        if (r == 0)
            read++;
        else if (r == EXIT_INVALID)
            ret = EXIT_INVALID;
    }
    if (rs_outbox_commit(ob) != RS_OK) {
        fprintf(stderr, "%s: cannot commit to the outbox %s\n", path, c->outbox);
        ret = -1;
        goto out;
    }
    in_tx = false;
    if (read == 0 && ret == 0) {
        fprintf(stderr, "%s: no sheet has the header of a record type (docs/csv.md lists the "
                        "columns; `resettle template` writes a workbook that has)\n", path);
        ret = EXIT_INVALID;
    }
    printf("%s: %u queued (%u new, %u changed), %u unchanged, %u invalid\n", path,
           k.added + k.versions, k.added, k.versions, k.unchanged, k.invalid);
    if (ret == 0 && k.invalid)
        ret = EXIT_INVALID;
out:
    if (in_tx)
        rs_outbox_rollback(ob);
    rs_xlsx_close(x);
    return ret;
}

/*
 * Queues the valid rows of one file in one outbox transaction.  Returns
 * 0, EXIT_INVALID (some rows invalid, the rest queued) or -1 (nothing
 * queued: unreadable file, bad header, outbox failure).
 */
static int queue_file(struct config *c, struct rs_outbox *ob, const char *path)
{
    struct rs_row_defaults def = {0};
    struct rs_csv *csv = NULL;
    struct rs_rowmap *map = NULL;
    char *data = NULL, **cells, err[512], source[4200];
    size_t len, ncells;
    uint32_t line;
    unsigned added = 0, versions = 0, unchanged = 0, invalid = 0;
    int ret = -1;
    bool in_tx = false;
    rs_status rc;

    if (read_file(path, &data, &len))
        return -1;
    if (is_ole(data, len)) {
        fprintf(stderr, "%s: an Excel 97-2003 workbook (.xls) or one with a password, which "
                        "resettle does not read: save it as .xlsx (Excel 工作簿) without a "
                        "password, or as CSV\n", path);
        free(data);
        return -1;
    }
    if (is_workbook(path, data, len)) {
        ret = queue_xlsx(c, ob, path, data, len);
        free(data);
        return ret;
    }
    rc = rs_csv_open(data, len, &csv, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "%s: %s\n", path, err);
        goto out;
    }
    rc = rs_csv_next(csv, &cells, &ncells, &line, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "%s: %s\n", path, rc == RS_ENOTFOUND ? "empty file" : err);
        goto out;
    }
    def.division_code = c->office;
    def.year = c->year;
    def.period = c->period;
    def.money_unit = c->money_unit;
    rc = rs_rowmap_open_keyed(cells, ncells, c->type, &def, c->has_key ? c->key : NULL, &map,
                              err, sizeof(err));
    if (rc) {
        fprintf(stderr, "%s:%u: %s\n", path, line, err);
        goto out;
    }
    if (rs_outbox_begin(ob) != RS_OK) {
        fprintf(stderr, "%s: cannot write the outbox %s\n", path, c->outbox);
        goto out;
    }
    in_tx = true;
    for (;;) {
        Rs__Record *rec = NULL;
        struct rs_verdict v;
        enum rs_outbox_added what;

        rc = rs_csv_next(csv, &cells, &ncells, &line, err, sizeof(err));
        if (rc == RS_ENOTFOUND)
            break;
        if (rc) {
            /* The CSV cannot be read past this point; keep what came before. */
            fprintf(stderr, "%s: %s\n", path, err);
            invalid++;
            break;
        }
        if (rs_rowmap_row(map, cells, ncells, &rec, &v) != RS_OK) {
            fprintf(stderr, "%s:%u: %s: %s\n", path, line, v.field, v.reason);
            if (rs_rowmap_fatal(map)) {
                /* Every row would be read in the same unknown unit. */
                fprintf(stderr, "%s: nothing queued\n", path);
                goto out;
            }
            invalid++;
            continue;
        }
        snprintf(source, sizeof(source), "%s:%u", path, line);
        rc = rs_outbox_add(ob, rec, source, &what);
        rs__record__free_unpacked(rec, NULL);
        if (rc) {
            fprintf(stderr, "%s:%u: cannot queue: %s\n", path, line, rs_status_str(rc));
            goto out;
        }
        if (what == RS_OUTBOX_NEW)
            added++;
        else if (what == RS_OUTBOX_NEW_VERSION)
            versions++;
        else
            unchanged++;
    }
    if (rs_outbox_commit(ob) != RS_OK) {
        fprintf(stderr, "%s: cannot commit to the outbox %s\n", path, c->outbox);
        goto out;
    }
    in_tx = false;
    printf("%s: %s, %u queued (%u new, %u changed), %u unchanged, %u invalid\n", path,
           rs_rtype_name(rs_rowmap_type(map)), added + versions, added, versions, unchanged,
           invalid);
    ret = invalid ? EXIT_INVALID : 0;
out:
    if (in_tx)
        rs_outbox_rollback(ob);
    rs_rowmap_close(map);
    rs_csv_close(csv);
    free(data);
    return ret;
}

static int cmd_submit(struct config *c, int argc, char **argv)
{
    struct rs_outbox *ob = NULL;
    int i, ret = 0, r;

    if (argc < 1)
        return usage_error("submit needs at least one CSV file");
    if (!c->office)
        c->office = getenv("RESETTLE_OFFICE");
    if (load_district_key(c))
        return EXIT_USAGE;
    if (open_outbox(c, &ob))
        return EXIT_INVALID;
    for (i = 0; i < argc; i++) {
        r = queue_file(c, ob, argv[i]);
        ret = worst(ret, r < 0 ? EXIT_INVALID : r);
    }
    explicit_bzero(c->key, sizeof(c->key));
    if (need_network(c) == 0)
        ret = worst(ret, deliver(c, ob));
    else
        ret = worst(ret, EXIT_USAGE);
    rs_outbox_close(ob);
    return ret;
}

static int cmd_sync(struct config *c)
{
    struct rs_outbox *ob = NULL;
    int ret;

    if (need_network(c))
        return EXIT_USAGE;
    if (open_outbox(c, &ob))
        return EXIT_INVALID;
    ret = deliver(c, ob);
    rs_outbox_close(ob);
    return ret;
}

/* True when the server, the office and a token are given (flags or environment). */
static bool network_configured(const struct config *c)
{
    return (c->server || getenv("RESETTLE_SERVER")) && (c->office || getenv("RESETTLE_OFFICE")) &&
           (c->token || c->token_file || getenv("RESETTLE_TOKEN"));
}

/* status's question to the server: which records were returned. */
static int returned_status(struct config *c, struct rs_outbox *ob)
{
    struct rs_session s;
    char err[512];
    rs_status rc;

    if (need_network(c))
        return EXIT_USAGE;
    rc = rs_session_open(&s, c->server, &c->sec, c->office, c->token, c->timeout_ms, err,
                         sizeof(err));
    if (rc == RS_OK) {
        rc = show_returned(&s, ob, c->year, err, sizeof(err));
        rs_session_close(&s);
    }
    if (rc) {
        fprintf(stderr, "resettle: cannot ask the server which records were returned: %s\n",
                err);
        return exit_of(rc);
    }
    return 0;
}

static int cmd_status(struct config *c)
{
    struct rs_outbox *ob = NULL;
    struct rs_outbox_counts k;
    int ret;

    if (open_outbox(c, &ob))
        return EXIT_INVALID;
    if (rs_outbox_counts(ob, &k) != RS_OK) {
        rs_outbox_close(ob);
        fprintf(stderr, "resettle: cannot read the outbox %s\n", c->outbox);
        return EXIT_INVALID;
    }
    printf("outbox %s\npending %llu\nstored %llu\nduplicate %llu\nconflict %llu\n"
           "rejected %llu\n",
           c->outbox, (unsigned long long)k.pending, (unsigned long long)k.stored,
           (unsigned long long)k.duplicate, (unsigned long long)k.conflict,
           (unsigned long long)k.rejected);
    {
        struct rs_outbox_receipt r;
        bool found = false;
        char hex[65];

        if (rs_outbox_last_receipt(ob, &r, &found) == RS_OK && found) {
            rs_hex(r.hash, sizeof(r.hash), hex);
            printf("last receipt: audit row %llu sha256 %s\n", (unsigned long long)r.seq, hex);
        }
    }
    if ((c->failed || k.conflict || k.rejected) &&
        rs_outbox_list_failed(ob, print_failed, NULL) != RS_OK) {
        fprintf(stderr, "resettle: cannot list the refused records of the outbox %s: %s\n",
                c->outbox, rs_outbox_errmsg(ob));
        rs_outbox_close(ob);
        return EXIT_INVALID;
    }
    ret = network_configured(c) ? returned_status(c, ob) : 0;
    rs_outbox_close(ob);
    return ret;
}

/* Writes body to --out or stdout; 0 or EXIT_INVALID. */
static int write_out(const struct config *c, const char *body, size_t len, const char *what)
{
    FILE *f = stdout;

    if (c->out && !(f = fopen(c->out, "wb"))) {
        fprintf(stderr, "resettle: %s: %s\n", c->out, strerror(errno));
        return EXIT_INVALID;
    }
    if (fwrite(body, 1, len, f) != len || (c->out && fclose(f) != 0)) {
        fprintf(stderr, "resettle: cannot write the %s\n", what);
        return EXIT_INVALID;
    }
    return 0;
}

/* Opens a signed-in session for a request command; 0 or the exit status. */
static int open_session(struct config *c, struct rs_session *s)
{
    char err[512];
    rs_status rc;

    if (need_network(c))
        return EXIT_USAGE;
    rc = rs_session_open(s, c->server, &c->sec, c->office, c->token, c->timeout_ms, err,
                         sizeof(err));
    if (rc) {
        fprintf(stderr, "resettle: %s\n", err);
        return exit_of(rc);
    }
    return 0;
}

/* One request and its reply on a new session; 0 with *reply, or the exit status. */
static int call(struct config *c, Rs__Envelope *env, Rs__Envelope__MsgCase want,
                Rs__Envelope **reply)
{
    struct rs_session s;
    char err[512];
    rs_status rc;
    int ret = open_session(c, &s);

    *reply = NULL;
    if (ret)
        return ret;
    rc = rs_session_call(&s, env, want, reply, err, sizeof(err));
    rs_session_close(&s);
    if (rc) {
        fprintf(stderr, "resettle: %s\n", err);
        return exit_of(rc);
    }
    return 0;
}

static int cmd_completeness(struct config *c)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__CompletenessRequest rq = RS__COMPLETENESS_REQUEST__INIT;
    int ret;

    if (!c->year)
        return usage_error("completeness needs --year");
    rq.has_year = true;
    rq.year = c->year;
    if (c->period) {
        rq.has_period = true;
        rq.period = c->period;
    }
    rq.has_format = true;
    rq.format = c->format_set ? c->format : RS__REPORT_FORMAT__FMT_TEXT;
    rq.division = (char *)c->division;
    env.msg_case = RS__ENVELOPE__MSG_COMPLETENESS_REQUEST;
    env.completeness_request = &rq;
    ret = call(c, &env, RS__ENVELOPE__MSG_COMPLETENESS, &reply);
    if (ret)
        return ret;
    ret = write_out(c, (const char *)reply->completeness->body.data, reply->completeness->body.len,
                    "board");
    rs__envelope__free_unpacked(reply, NULL);
    return ret;
}

static int cmd_review(struct config *c, const char *verb)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__ReviewRequest rq = RS__REVIEW_REQUEST__INIT;
    const Rs__ReviewReply *r;
    bool ret_action = strcmp(verb, "return") == 0;
    int ret;

    if (!ret_action && strcmp(verb, "accept") != 0)
        return usage_error("review needs return or accept");
    if (!c->id == !c->batch_id)
        return usage_error("review needs one of --id ID and --batch ID");
    if (ret_action && (!c->comment || !c->comment[0]))
        return usage_error("review return needs --comment TEXT (what is wrong)");
    rq.has_action = true;
    rq.action = ret_action ? RS__REVIEW_ACTION__RA_RETURN : RS__REVIEW_ACTION__RA_ACCEPT;
    rq.record_id = (char *)c->id;
    rq.batch_id = (char *)c->batch_id;
    rq.comment = (char *)c->comment;
    env.msg_case = RS__ENVELOPE__MSG_REVIEW_REQUEST;
    env.review_request = &rq;
    ret = call(c, &env, RS__ENVELOPE__MSG_REVIEW, &reply);
    if (ret)
        return ret;
    r = reply->review;
    printf("%s %zu record%s", ret_action ? "returned" : "accepted", r->n_record_ids,
           r->n_record_ids == 1 ? "" : "s");
    if (c->batch_id)
        printf(" of batch %s", c->batch_id);
    if (r->has_skipped && r->skipped)
        printf(" (%u superseded since, skipped)", (unsigned)r->skipped);
    printf(" (audit row %llu)\n", (unsigned long long)r->audit_seq);
    for (size_t i = 0; i < r->n_record_ids; i++)
        printf("  %s\n", r->record_ids[i]);
    rs__envelope__free_unpacked(reply, NULL);
    return 0;
}

static int cmd_records(struct config *c)
{
    struct rs_records_query q;
    struct rs_session s;
    char err[512];
    rs_status rc;
    int ret;

    if (!c->year && !c->id)
        return usage_error("records needs --year (or --id)");
    if (c->format_set && c->format != RS__REPORT_FORMAT__FMT_TEXT &&
        c->format != RS__REPORT_FORMAT__FMT_JSON)
        return usage_error("records --format must be text or json");
    memset(&q, 0, sizeof(q));
    q.year = c->year;
    q.division = c->division;
    q.type = c->type;
    q.state = c->state;
    q.record_id = c->id;
    ret = open_session(c, &s);
    if (ret)
        return ret;
    rc = rs_records_list(&s, &q, c->format_set && c->format == RS__REPORT_FORMAT__FMT_JSON,
                         stdout, err, sizeof(err));
    rs_session_close(&s);
    if (rc) {
        fprintf(stderr, "resettle: %s\n", err);
        return exit_of(rc);
    }
    return 0;
}

static void print_year(const Rs__YearReply *y)
{
    char day[11];

    printf("year %u: %s", (unsigned)y->year, y->closed ? "closed" : "open");
    if (y->n_issues)
        printf(" (%zu issue%s)", y->n_issues, y->n_issues == 1 ? "" : "s");
    printf("\n");
    for (size_t i = 0; i < y->n_issues; i++) {
        const Rs__YearIssue *is = y->issues[i];

        rs_date_format(rs_date_cst(is->closed_at), day);
        printf("issue %u: %s by %s, %llu records, framework %s (sha256 %.16s)%s%s\n",
               (unsigned)is->issue, day, is->closed_by ? is->closed_by : "?",
               (unsigned long long)is->record_count, is->framework_name ? is->framework_name : "?",
               is->framework_hash ? is->framework_hash : "", is->reason ? "; re-issued: " : "",
               is->reason ? is->reason : "");
    }
    for (size_t i = 0; i < y->n_exceptions; i++) {
        const Rs__YearException *e = y->exceptions[i];

        rs_date_format(e->until, day);
        printf("reopened for %s until %s", e->division ? e->division : "?", day);
        if (e->has_ended_issue)
            printf(" (ended by issue %u)", (unsigned)e->ended_issue);
        printf(": %s\n", e->reason ? e->reason : "");
    }
}

static int cmd_year(struct config *c, const char *verb)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__YearRequest rq = RS__YEAR_REQUEST__INIT;
    uint32_t until = 0;
    int ret;

    if (!c->year)
        return usage_error("year needs --year");
    rq.has_action = true;
    if (strcmp(verb, "close") == 0) {
        rq.action = RS__YEAR_ACTION__YA_CLOSE;
        rq.framework = (char *)c->framework;
    } else if (strcmp(verb, "reopen") == 0) {
        rq.action = RS__YEAR_ACTION__YA_REOPEN;
        if (!c->division || !c->until || !c->reason)
            return usage_error("year reopen needs --division CODE --until DATE --reason TEXT");
        if (rs_date_parse(c->until, &until) != RS_OK)
            return usage_error("--until must be a date, e.g. 2024-03-31");
        rq.division = (char *)c->division;
        rq.has_until = true;
        rq.until = until;
        rq.reason = (char *)c->reason;
    } else if (strcmp(verb, "show") == 0) {
        rq.action = RS__YEAR_ACTION__YA_SHOW;
    } else {
        return usage_error("year needs close, reopen or show");
    }
    rq.has_year = true;
    rq.year = c->year;
    env.msg_case = RS__ENVELOPE__MSG_YEAR_REQUEST;
    env.year_request = &rq;
    ret = call(c, &env, RS__ENVELOPE__MSG_YEAR, &reply);
    if (ret)
        return ret;
    print_year(reply->year);
    if (reply->year->has_audit_seq)
        printf("audit row %llu\n", (unsigned long long)reply->year->audit_seq);
    rs__envelope__free_unpacked(reply, NULL);
    return 0;
}

/* Prints the schedule of a ScheduleReply as CSV; 0 or EXIT_INVALID. */
static int print_schedule(const Rs__ScheduleReply *r)
{
    Rs__ScheduleSet set = RS__SCHEDULE_SET__INIT;
    struct rs_schedule sched = {0};
    char err[256] = "", *csv = NULL;

    set.has_year = r->has_year;
    set.year = r->year;
    set.n_entries = r->n_entries;
    set.entries = r->entries;
    if (!r->has_set_at) {
        fprintf(stderr, "resettle: year %u has no schedule\n", (unsigned)r->year);
        return 0;
    }
    if (rs_schedule_from_wire(&set, &sched, err, sizeof(err)) != RS_OK ||
        rs_schedule_format_csv(&sched, &csv) != RS_OK) {
        fprintf(stderr, "resettle: the server's schedule is not readable: %s\n",
                err[0] ? err : "out of memory");
        rs_schedule_free(&sched);
        return EXIT_INVALID;
    }
    fputs(csv, stdout);
    free(csv);
    rs_schedule_free(&sched);
    return 0;
}

static int cmd_schedule(struct config *c, const char *verb, const char *file)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__ScheduleSet set = RS__SCHEDULE_SET__INIT;
    Rs__ScheduleRequest get = RS__SCHEDULE_REQUEST__INIT;
    struct rs_schedule sched = {0};
    struct rs_schedule_wire w = {0};
    char err[512], *data = NULL;
    size_t len = 0;
    int ret;

    if (!c->year)
        return usage_error("schedule needs --year");
    if (strcmp(verb, "set") == 0) {
        if (!file)
            return usage_error("schedule set needs one CSV file");
        if (read_file(file, &data, &len))
            return EXIT_INVALID;
        if (rs_schedule_parse_csv(file, data, len, c->year, &sched, err, sizeof(err)) != RS_OK) {
            free(data);
            fprintf(stderr, "%s\n", err);
            return EXIT_INVALID;
        }
        free(data);
        if (rs_schedule_to_wire(&sched, &w) != RS_OK) {
            rs_schedule_free(&sched);
            return EXIT_INVALID;
        }
        set.has_year = true;
        set.year = c->year;
        set.n_entries = w.n;
        set.entries = w.ptrs;
        env.msg_case = RS__ENVELOPE__MSG_SCHEDULE_SET;
        env.schedule_set = &set;
    } else if (strcmp(verb, "show") == 0 && !file) {
        get.has_year = true;
        get.year = c->year;
        env.msg_case = RS__ENVELOPE__MSG_SCHEDULE_REQUEST;
        env.schedule_request = &get;
    } else {
        return usage_error("schedule needs set FILE.csv or show");
    }
    ret = call(c, &env, RS__ENVELOPE__MSG_SCHEDULE, &reply);
    rs_schedule_wire_free(&w);
    rs_schedule_free(&sched);
    if (ret)
        return ret;
    if (env.msg_case == RS__ENVELOPE__MSG_SCHEDULE_SET)
        printf("schedule %u: %zu lines stored\n", (unsigned)c->year, reply->schedule->n_entries);
    else
        ret = print_schedule(reply->schedule);
    rs__envelope__free_unpacked(reply, NULL);
    return ret;
}

/* The formats whose body is a zip package rather than text. */
static bool is_binary(Rs__ReportFormat f)
{
    return f == RS__REPORT_FORMAT__FMT_DOCX || f == RS__REPORT_FORMAT__FMT_XLSX;
}

static int cmd_report(struct config *c)
{
    struct rs_session s;
    char err[512], *body = NULL;
    uint32_t issue = 0;
    size_t len = 0;
    rs_status rc;

    if (!c->year)
        return usage_error("report needs --year");
    if (!c->out && is_binary(c->format) && isatty(STDOUT_FILENO))
        return usage_error("a docx or xlsx report is binary: give --out FILE (or redirect stdout)");
    if (need_network(c))
        return EXIT_USAGE;
    rc = rs_session_open(&s, c->server, &c->sec, c->office, c->token, c->timeout_ms, err,
                         sizeof(err));
    if (rc == RS_OK) {
        rc = rs_session_report(&s, c->year, c->format, c->framework, c->division,
                               c->accepted_only, &body, &len, &issue, err, sizeof(err));
        rs_session_close(&s);
    }
    if (rc) {
        fprintf(stderr, "resettle: %s\n", err);
        return exit_of(rc);
    }
    if (issue)
        fprintf(stderr, "resettle: year %u is closed: this is its issued report (issue %u)\n",
                c->year, issue);
    rc = write_out(c, body, len, "report") ? RS_EIO : RS_OK;
    free(body);
    return rc ? EXIT_INVALID : 0;
}

/* ------------------------------------------------------------ template */

#define MAX_DIVISIONS RS_XLTPL_LIST_MAX

struct divisions {
    char code[MAX_DIVISIONS][16];
    const char *ptr[MAX_DIVISIONS];
    size_t n;
};

/* Adds code[0..n) (blanks around it dropped) unless it is there already; -1 if bad. */
static int division_add(struct divisions *d, const char *code, size_t n, const char *where)
{
    char buf[16];

    while (n > 0 && (*code == ' ' || *code == '\t' || *code == '\r')) {
        code++;
        n--;
    }
    while (n > 0 && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\r'))
        n--;
    if (n == 0)
        return 0;
    if (n < sizeof(buf)) {
        memcpy(buf, code, n);
        buf[n] = '\0';
    }
    if (n >= sizeof(buf) || !rs_division_code_valid(buf)) {
        fprintf(stderr, "resettle: %s: '%.*s' is not a division code (6, 9 or 12 digits)\n",
                where, (int)(n > 40 ? 40 : n), code);
        return -1;
    }
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->code[i], buf) == 0)
            return 0;
    if (d->n == MAX_DIVISIONS) {
        fprintf(stderr, "resettle: %s: more than %u division codes\n", where, MAX_DIVISIONS);
        return -1;
    }
    memcpy(d->code[d->n], buf, n + 1);
    d->ptr[d->n] = d->code[d->n];
    d->n++;
    return 0;
}

/*
 * --divisions: a file with one code per line, or a CSV whose first column
 * is the code (a first line that is not a code, such as "code,name,role",
 * is a header); or else codes separated by commas or blanks.
 */
static int divisions_parse(struct divisions *d, const char *arg)
{
    char *data = NULL, where[600];
    size_t len, line = 0;
    const char *p, *end;

    if (access(arg, F_OK) != 0) {
        for (p = arg; *p;) {
            size_t n = strcspn(p, ", \t");

            if (division_add(d, p, n, "--divisions") != 0)
                return -1;
            p += n;
            if (*p)
                p++;
        }
        return 0;
    }
    if (read_file(arg, &data, &len))
        return -1;
    for (p = data, end = data + len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), cell = 0;

        while (cell < n && p[cell] != ',')
            cell++;
        if (line == 0 && cell > 0 && (p[0] < '0' || p[0] > '9')) {
            p += n + 1;
            continue;    /* a header line */
        }
        snprintf(where, sizeof(where), "%s:%zu", arg, line + 1);
        if (division_add(d, p, cell, where) != 0) {
            free(data);
            return -1;
        }
        p += n + 1;
    }
    free(data);
    return 0;
}

static int cmd_template(struct config *c)
{
    struct divisions *d = calloc(1, sizeof(*d));
    struct rs_xltpl_opts o = {0};
    char path[512], err[512];
    const char *out = c->out;
    int ret = EXIT_USAGE;

    if (!d)
        return EXIT_INVALID;
    if (c->type == RS__RECORD__BODY__NOT_SET) {
        free(d);
        return usage_error("template needs --type T (project, 项目, relief, 救助, ...)");
    }
    if (!c->office)
        c->office = getenv("RESETTLE_OFFICE");
    if (c->office && c->office[0] && division_add(d, c->office, strlen(c->office), "--office"))
        goto out;
    if (c->divisions && divisions_parse(d, c->divisions))
        goto out;
    if (!out) {
        snprintf(path, sizeof(path), "%s模板.xlsx", rs_rtype_label(c->type));
        out = path;
    }
    o.type = c->type;
    o.money_wan = c->money_unit == RS_MONEY_UNIT_WAN;
    o.divisions = d->ptr;
    o.ndivisions = d->n;
    if (rs_xltpl_write(out, &o, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "resettle: %s\n", err);
        ret = EXIT_INVALID;
        goto out;
    }
    printf("%s: template for %s (%s), %zu division code%s in its list\n", out,
           rs_rtype_label(c->type), rs_rtype_name(c->type), d->n, d->n == 1 ? "" : "s");
    ret = 0;
out:
    free(d);
    return ret;
}

/* ------------------------------------------------------------ main */

static int parse_format(const char *s, Rs__ReportFormat *f)
{
    static const struct { const char *name; Rs__ReportFormat f; } map[] = {
        {"markdown", RS__REPORT_FORMAT__FMT_MARKDOWN}, {"md", RS__REPORT_FORMAT__FMT_MARKDOWN},
        {"text", RS__REPORT_FORMAT__FMT_TEXT},         {"json", RS__REPORT_FORMAT__FMT_JSON},
        {"csv", RS__REPORT_FORMAT__FMT_CSV},           {"docx", RS__REPORT_FORMAT__FMT_DOCX},
        {"xlsx", RS__REPORT_FORMAT__FMT_XLSX},         {"html", RS__REPORT_FORMAT__FMT_HTML},
    };

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(s, map[i].name) == 0) {
            *f = map[i].f;
            return 0;
        }
    }
    return -1;
}

static int parse_period(const char *s, Rs__Period *p)
{
    static const char *const names[] = {"", "q1", "q2", "q3", "q4", "h1", "h2", "year"};

    for (int i = 1; i < 8; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *p = (Rs__Period)i;
            return 0;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},
        {"office", required_argument, NULL, 'o'},
        {"token", required_argument, NULL, 't'},
        {"token-file", required_argument, NULL, 'T'},
        {"outbox", required_argument, NULL, 'b'},
        {"timeout", required_argument, NULL, 'w'},
        {"attempts", required_argument, NULL, 'a'},
        {"batch", required_argument, NULL, 'n'},
        {"type", required_argument, NULL, 'y'},
        {"year", required_argument, NULL, 'Y'},
        {"period", required_argument, NULL, 'p'},
        {"money-unit", required_argument, NULL, 'M'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'O'},
        {"framework", required_argument, NULL, 'F'},
        {"failed", no_argument, NULL, 'X'},
        {"ca", required_argument, NULL, 'C'},
        {"pin", required_argument, NULL, 'P'},
        {"plaintext", no_argument, NULL, 'N'},
        {"district-key", required_argument, NULL, 'K'},
        {"division", required_argument, NULL, 'D'},
        {"sheet", required_argument, NULL, 'S'},
        {"divisions", required_argument, NULL, 'L'},
        {"accepted-only", no_argument, NULL, 'A'},
        {"id", required_argument, NULL, 'i'},
        {"comment", required_argument, NULL, 'c'},
        {"until", required_argument, NULL, 'u'},
        {"reason", required_argument, NULL, 'r'},
        {"from", required_argument, NULL, 'R'},
        {"to", required_argument, NULL, 'Q'},
        {"state", required_argument, NULL, 'e'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct config c;
    const char *cmd, *batch_arg = NULL;
    uint32_t v;
    int opt;
    bool attempts_set = false;

    memset(&c, 0, sizeof(c));
    c.timeout_ms = 30000;
    c.attempts = 1;
    c.format = RS__REPORT_FORMAT__FMT_MARKDOWN;
    /* Options may stand before or after the command word. */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': c.server = optarg; break;
        case 'o': c.office = optarg; break;
        case 't': c.token = optarg; break;
        case 'T': c.token_file = optarg; break;
        case 'b': c.outbox = optarg; break;
        case 'O': c.out = optarg; break;
        case 'F': c.framework = optarg; break;
        case 'X': c.failed = 1; break;
        case 'C': c.ca = optarg; break;
        case 'P': c.pin = optarg; break;
        case 'N': c.plaintext = true; break;
        case 'K': c.district_key = optarg; break;
        case 'D': c.division = optarg; break;
        case 'S': c.sheet = optarg; break;
        case 'L': c.divisions = optarg; break;
        case 'A': c.accepted_only = true; break;
        case 'i': c.id = optarg; break;
        case 'c': c.comment = optarg; break;
        case 'u': c.until = optarg; break;
        case 'r': c.reason = optarg; break;
        case 'w':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 3600)
                return usage_error("--timeout must be 1..3600 seconds");
            c.timeout_ms = v * 1000;
            break;
        case 'a':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 1000)
                return usage_error("--attempts must be 1..1000");
            c.attempts = v;
            attempts_set = true;
            break;
        case 'n':
            batch_arg = optarg;     /* a batch size, or for review a batch id */
            break;
        case 'y':
            c.type = rs_rtype_parse(optarg);
            if (c.type == RS__RECORD__BODY__NOT_SET)
                return usage_error("unknown --type");
            break;
        case 'Y':
            if (rs_u32_parse(optarg, &v) || v < 2000 || v > 2100)
                return usage_error("--year must be 2000..2100");
            c.year = v;
            break;
        case 'p':
            if (parse_period(optarg, &c.period))
                return usage_error("--period must be q1..q4, h1, h2 or year");
            break;
        case 'M':
            if (strcmp(optarg, "yuan") == 0 || strcmp(optarg, "元") == 0)
                c.money_unit = RS_MONEY_UNIT_YUAN;
            else if (strcmp(optarg, "wan") == 0 || strcmp(optarg, "万元") == 0)
                c.money_unit = RS_MONEY_UNIT_WAN;
            else
                return usage_error("--money-unit must be yuan (元) or wan (万元)");
            break;
        case 'f':
            if (parse_format(optarg, &c.format))
                return usage_error(
                    "--format must be markdown, text, json, csv, docx, xlsx or html");
            c.format_set = true;
            break;
        case 'R':
            c.from = optarg;
            break;
        case 'Q':
            c.to = optarg;
            break;
        case 'e':
            if (strcmp(optarg, "returned") == 0 || strcmp(optarg, "已退回") == 0)
                c.state = RS__REVIEW_STATE__RVS_RETURNED;
            else if (strcmp(optarg, "accepted") == 0 || strcmp(optarg, "已通过") == 0)
                c.state = RS__REVIEW_STATE__RVS_ACCEPTED;
            else if (strcmp(optarg, "pending") == 0 || strcmp(optarg, "待审核") == 0)
                c.state = RS__REVIEW_STATE__RVS_PENDING;
            else
                return usage_error("--state must be returned, accepted or pending");
            break;
        case 'V':
            printf("resettle %s (protocol %d)\n", RS_VERSION, RS_PROTOCOL_VERSION);
            return 0;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return usage_error(NULL);
        }
    }
    if (optind >= argc)
        return usage_error("no command");
    cmd = argv[optind];
    if (batch_arg && strcmp(cmd, "review") == 0) {
        c.batch_id = batch_arg;
    } else if (batch_arg) {
        if (rs_u32_parse(batch_arg, &v) || v < 1 || v > 100000)
            return usage_error("--batch must be 1..100000");
        c.batch = v;
    }
    if (strcmp(cmd, "submit") == 0)
        return cmd_submit(&c, argc - optind - 1, argv + optind + 1);
    if (strcmp(cmd, "outbox") == 0) {
        if (optind + 2 != argc || strcmp(argv[optind + 1], "salvage") != 0)
            return usage_error("outbox needs salvage");
        return cmd_salvage(&c);
    }
    /* Commands with a verb: review return|accept, year close|reopen|show, schedule set|show. */
    if (strcmp(cmd, "review") == 0 || strcmp(cmd, "year") == 0 || strcmp(cmd, "schedule") == 0) {
        const char *verb = optind + 1 < argc ? argv[optind + 1] : NULL;
        const char *file = optind + 2 < argc ? argv[optind + 2] : NULL;

        if (!verb)
            return usage_error("the command needs what to do (see usage)");
        if (cmd[0] == 's')
            return optind + 3 < argc ? usage_error("unexpected argument")
                                     : cmd_schedule(&c, verb, file);
        if (file)
            return usage_error("unexpected argument");
        return cmd[0] == 'r' ? cmd_review(&c, verb) : cmd_year(&c, verb);
    }
    if (optind + 1 != argc)
        return usage_error("unexpected argument");
    if (strcmp(cmd, "sync") == 0) {
        if (!attempts_set)
            c.attempts = 5;
        return cmd_sync(&c);
    }
    if (strcmp(cmd, "status") == 0)
        return cmd_status(&c);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(&c);
    if (strcmp(cmd, "template") == 0)
        return cmd_template(&c);
    if (strcmp(cmd, "completeness") == 0)
        return cmd_completeness(&c);
    if (strcmp(cmd, "records") == 0)
        return cmd_records(&c);
    return usage_error("unknown command");
}

/*
 * rs_cmd.h - private to the resettle command line: its configuration and
 * the commands, one file each.
 *
 * Which file owns what (each calls only the files above it and the
 * client's modules, rs_client_core):
 *
 *   main.c          options, configuration (outbox, token, how the server
 *                   is trusted, the district key), usage, dispatch
 *   cmd_common.c    what several commands share: a file read whole, a
 *                   body written to --out or stdout, one request on a new
 *                   session, the exit status of a failed request
 *   cmd_sync.c      sync and status; delivery with back-off (submit's too)
 *                   and the records the central office returned
 *   cmd_submit.c    submit: each file through rs_intake.h, its result
 *                   printed, then delivery
 *   cmd_report.c    report
 *   cmd_year.c      the reporting year: completeness, review, year, schedule
 *   cmd_template.c  template (and its --divisions list)
 *   cmd_salvage.c   outbox salvage
 *   cmd_records.c   records (rs_records.h lists and writes them)
 *   cmd_console.c   console: the configuration handed to client/console/
 *
 * A command is rs_cmd_<name>(struct config *, ...) returning the exit
 * status (RS_EXIT_*, or 0).  It prints what the user reads; a message on
 * stderr starts "resettle: " unless it names a file's place.
 *
 * Does not: declare anything for code outside the command line; the rest
 * of the client (rs_intake.h, rs_session.h, rs_outbox.h, ...) has its own
 * headers and knows nothing of these.
 */
#ifndef RS_CMD_H
#define RS_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_net.h"
#include "rs_outbox.h"
#include "rs_rowmap.h"
#include "rs_rtype.h"
#include "rs_session.h"
#include "rs_status.h"

#define RS_EXIT_INVALID 1
#define RS_EXIT_USAGE 2
#define RS_EXIT_UNREACHABLE 3

/* Everything the options and the environment say; filled by main.c, read by the commands. */
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
    const char *listen;             /* console */
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

/* ---------------------------------------------------------------- main.c */

/* Prints "resettle: msg" (unless msg is NULL) and the usage to stderr; RS_EXIT_USAGE. */
int rs_cmd_usage_error(const char *msg);

/* The higher of two exit statuses. */
int rs_cmd_worst(int a, int b);

/*
 * Settles the server, office, token and how the server is trusted (flags,
 * then the environment).  0, or -1 with the usage error printed.
 */
int rs_cmd_need_network(struct config *c);

/* True when the server, the office and a token are given (flags or environment). */
bool rs_cmd_network_configured(const struct config *c);

/*
 * Reads the district key named by --district-key or RESETTLE_DISTRICT_KEY
 * into c->key, if any.  0 when there is none or it was read; -1 (message
 * printed) otherwise.  The caller wipes c->key when done with it.
 */
int rs_cmd_load_district_key(struct config *c);

/*
 * Opens the outbox (--outbox, RESETTLE_OUTBOX or the default) and reads
 * every page of it first: a damaged one is not used, and the message says
 * how to get back the records it still holds.  0 with *ob (the caller
 * closes it), or -1 (message printed).
 */
int rs_cmd_open_outbox(struct config *c, struct rs_outbox **ob);

/* ---------------------------------------------------------------- cmd_common.c */

/* 3 when the server could not be reached or could not commit, else 1. */
int rs_cmd_exit_of(rs_status rc);

/* A file read whole (rs_intake_read_file's cap); 0 with *out (caller frees) or -1 (printed). */
int rs_cmd_read_file(const char *path, char **out, size_t *len);

/* Writes body to --out or stdout; 0 or RS_EXIT_INVALID (printed). what names it in a message. */
int rs_cmd_write_out(const struct config *c, const char *body, size_t len, const char *what);

/* Opens a signed-in session; 0 (the caller closes it) or the exit status (printed). */
int rs_cmd_open_session(struct config *c, struct rs_session *s);

/*
 * One request and its reply on a new session; 0 with *reply (the caller
 * frees it with rs__envelope__free_unpacked), or the exit status (printed).
 */
int rs_cmd_call(struct config *c, Rs__Envelope *env, Rs__Envelope__MsgCase want,
                Rs__Envelope **reply);

/* ---------------------------------------------------------------- cmd_sync.c */

/*
 * Delivers the outbox's pending records, one attempt after another with
 * back-off 1, 2, 4 ... 60 s (c->attempts), and prints what was sent and
 * what the central office returned.  The exit status.
 */
int rs_cmd_deliver(struct config *c, struct rs_outbox *ob);

int rs_cmd_sync(struct config *c);
int rs_cmd_status(struct config *c);

/* ---------------------------------------------------------------- one file each */

/* argv[0..argc): the files to submit. */
int rs_cmd_submit(struct config *c, int argc, char **argv);
int rs_cmd_report(struct config *c);
int rs_cmd_completeness(struct config *c);
int rs_cmd_review(struct config *c, const char *verb);
int rs_cmd_year(struct config *c, const char *verb);
/* file: schedule set's CSV file, NULL for show. */
int rs_cmd_schedule(struct config *c, const char *verb, const char *file);
int rs_cmd_template(struct config *c);
int rs_cmd_salvage(struct config *c);
int rs_cmd_records(struct config *c);

/* ---------------------------------------------------------------- cmd_console.c */

/* resettle console: the clerks' console in the browser (rs_console.h), until a signal. */
int rs_cmd_console(struct config *c);

#endif

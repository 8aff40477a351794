/*
 * rs_console.h - `resettle console`: the clerks' console in the browser.
 *
 * Serves a page on a loopback address (libmicrohttpd, on its own threads)
 * that does what the command line does: queue a file's rows into the
 * outbox and send them, show the outbox, the returned records, the
 * completeness board, and for a central office the report and the year.
 * Every action goes through the client's own code (rs_intake, rs_outbox,
 * rs_session, rs_xltpl); the server sees an ordinary client.
 *
 * Does not: parse HTTP (libmicrohttpd does), read the command line or the
 * environment (main.c settles the configuration and passes it here), or
 * listen on anything but a loopback address.
 */
#ifndef RS_CONSOLE_H
#define RS_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "rs_net.h"

/* What main.c settled; every pointer is borrowed for the whole run. */
struct rs_console_opts {
    const char *listen;             /* "127.0.0.1:PORT" (PORT 0: any free port) */
    const char *server;             /* HOST:PORT of resettled; NULL: not configured */
    const char *office;
    const char *token;
    const struct rs_net_security *sec;
    const char *outbox;             /* the outbox file */
    uint32_t timeout_ms;
    uint32_t batch;                 /* records per batch, 0: the server's */
    const uint8_t *district_key;    /* RS_DISTRICT_KEY_LEN bytes, or NULL (rs_intake.h) */
    bool open_browser;              /* try xdg-open when a desktop is present */
};

/*
 * Runs the console until SIGINT or SIGTERM: prints the URL (with its
 * per-start secret) on stdout, opens it when a desktop is present, serves,
 * and on the signal stops serving and sending and returns 0.  2 for a
 * listen address that is not loopback or not HOST:PORT (message printed),
 * 1 if the outbox cannot be opened or the address cannot be bound.
 */
int rs_console_run(const struct rs_console_opts *o);

#endif

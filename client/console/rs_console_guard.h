/*
 * rs_console_guard.h - who may drive the console: the checks every request
 * passes before anything else runs.
 *
 * The console listens on a loopback address, which every local user and
 * every web page the clerk visits can reach.  So a request must carry the
 * per-start secret (the cookie the first URL sets), its Host must be the
 * address served (a DNS-rebound name is not), and its Origin, when it has
 * one, that address's origin (a page elsewhere is not); a request that
 * changes something must have an Origin.  Pure functions: no I/O but
 * the random bytes of rs_console_guard_init.
 *
 * Does not: speak HTTP or set the cookie (rs_console_http.c does).
 */
#ifndef RS_CONSOLE_GUARD_H
#define RS_CONSOLE_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_status.h"

#define RS_CONSOLE_SECRET_HEX 64         /* 32 random bytes as hex */
#define RS_CONSOLE_COOKIE "rs_console"   /* the cookie's name */
#define RS_CONSOLE_HOST_MAX 64           /* "127.0.0.1:65535", "[::1]:65535" */

struct rs_console_guard {
    char secret[RS_CONSOLE_SECRET_HEX + 1];
    char host[RS_CONSOLE_HOST_MAX];      /* "127.0.0.1:PORT", as the browser sends it */
    char origin[RS_CONSOLE_HOST_MAX + 8]; /* "http://" host */
};

/* What a request brings; any may be NULL (absent). */
struct rs_console_req {
    const char *method;
    const char *host;
    const char *origin;
    const char *cookie;          /* the value of RS_CONSOLE_COOKIE */
    const char *key;             /* the first URL's ?k= */
};

enum rs_console_verdict {
    RS_CONSOLE_ALLOW,            /* carries the cookie: serve it */
    RS_CONSOLE_ENTER,            /* the first URL (?k= right): set the cookie, redirect */
    RS_CONSOLE_DENY              /* 403 */
};

/*
 * Makes a new secret and records the address served: host is the literal
 * loopback address ("127.0.0.1" or "::1"), port the bound port.
 * RS_EINVAL for another host; RS_EIO if no random bytes could be had.
 */
RS_NODISCARD
rs_status rs_console_guard_init(struct rs_console_guard *g, const char *host, uint16_t port);

/* The verdict for one request; a GET or HEAD only may enter. */
enum rs_console_verdict rs_console_guard_check(const struct rs_console_guard *g,
                                               const struct rs_console_req *r);

/*
 * Splits "HOST:PORT" ("[::1]:PORT" for IPv6) into host and port and says
 * whether host is a literal loopback address (127.0.0.0/8 or ::1; not a
 * name, which DNS could answer otherwise).  RS_EINVAL if not.
 */
RS_NODISCARD
rs_status rs_console_listen_parse(const char *listen, char *host, size_t hostlen,
                                  uint16_t *port);

#endif

/*
 * rs_console_http.h - the console's HTTP daemon (rs_console_http.c).
 *
 * Does not: bind the socket (rs_console.c does, so the guard knows the
 * port before the first request).
 */
#ifndef RS_CONSOLE_HTTP_H
#define RS_CONSOLE_HTTP_H

#include <stdbool.h>

#include "rs_console_int.h"

struct MHD_Daemon;

/*
 * Serves c on the listening socket fd (loopback, bound and listening; the
 * daemon takes it and closes it when stopped) on libmicrohttpd's threads.
 * NULL if the daemon could not start (fd is then still the caller's).
 */
struct MHD_Daemon *rs_console_http_start(struct rs_console *c, int fd, bool ipv6);

/* Stops serving and waits for the connections' threads; d may be NULL. */
void rs_console_http_stop(struct MHD_Daemon *d);

#endif

/*
 * rs_notify.c - sd_notify for the service manager (see rs_notify.h).
 *
 * Does not: keep the notify socket open between calls, or unset
 * NOTIFY_SOCKET (a reload notifies again).
 */
#include "rs_notify.h"

#include <systemd/sd-daemon.h>

void rs_notify_send(void *arg, const char *state)
{
    (void)arg;
    /* Nothing to do when not under systemd, and nothing to do about a failure. */
    (void)sd_notify(0, state);
}

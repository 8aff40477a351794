/*
 * rs_notify.h - telling systemd how the service is doing (sd_notify), for
 * the unit's Type=notify.
 *
 * resettled serve sends "READY=1" with a STATUS once its listener accepts,
 * "RELOADING=1" then "READY=1" around a SIGHUP reload, and "STOPPING=1"
 * when a shutdown begins.  Without NOTIFY_SOCKET in the environment (not
 * started by systemd) nothing is sent.
 *
 * Threads: called on the server's loop thread only (as the
 * rs_server_config notify hook).
 *
 * Does not: decide when the states change (server/net/rs_listener.c does).
 */
#ifndef RS_NOTIFY_H
#define RS_NOTIFY_H

/* Sends state (sd_notify(3) assignments, newline-separated); arg is unused. */
void rs_notify_send(void *arg, const char *state);

#endif

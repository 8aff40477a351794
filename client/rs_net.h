/*
 * rs_net.h - the client's side of a connection: blocking TCP with deadlines.
 *
 * The client is a short-lived command, so it uses plain blocking sockets
 * with poll(2) deadlines instead of an event loop.  Frames are varint
 * length-delimited rs.Envelope messages (rs_frame.h, rs_wire.h).
 *
 * Does not: retry (rs_session.c decides), or speak TLS.
 */
#ifndef RS_NET_H
#define RS_NET_H

#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_frame.h"
#include "rs_status.h"

struct rs_net {
    int fd;
    uint32_t timeout_ms;        /* deadline for each send and each receive */
    struct rs_frame_rx rx;
};

/*
 * Connects to "HOST:PORT".  RS_EIO (unreachable, refused) or RS_ETIMEDOUT,
 * with err naming the address and the cause.  On RS_OK close with
 * rs_net_close.
 */
rs_status rs_net_connect(struct rs_net *n, const char *hostport, uint32_t timeout_ms,
                         char *err, size_t errlen);

/* Sends one envelope (length prefix and body). */
rs_status rs_net_send(struct rs_net *n, const Rs__Envelope *env, char *err, size_t errlen);

/*
 * Receives one envelope; *env is owned by the caller
 * (rs__envelope__free_unpacked).  RS_ECLOSED if the server closed the
 * connection, RS_ETIMEDOUT, RS_EPROTO, RS_ETOOBIG, RS_EIO.
 */
rs_status rs_net_recv(struct rs_net *n, Rs__Envelope **env, char *err, size_t errlen);

void rs_net_close(struct rs_net *n);

#endif

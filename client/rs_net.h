/*
 * rs_net.h - the client's side of a connection: TLS over TCP with deadlines.
 *
 * The client is a short-lived command, so it uses plain sockets with
 * poll(2) deadlines instead of an event loop, and OpenSSL directly on the
 * socket (SSL_set_fd).  Frames are varint length-delimited rs.Envelope
 * messages (rs_frame.h, rs_wire.h).
 *
 * The server is verified against a CA file (its certificate must chain to
 * it and name the host the client dialled), or a pinned SHA-256
 * fingerprint of its certificate, or both.  TLS 1.2 is the minimum.  A
 * failure names what did not match and never falls back to plaintext.
 * Plaintext is used only when asked for (plaintext = true) and only to a
 * loopback address.
 *
 * Does not: retry (rs_session.c decides), or read configuration.
 */
#ifndef RS_NET_H
#define RS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_frame.h"
#include "rs_status.h"

/* How the client trusts the server.  Strings are borrowed. */
struct rs_net_security {
    const char *ca_file;        /* PEM CA certificate(s); NULL: none */
    const char *pin;            /* "sha256:<64 hex>" (colons allowed); NULL: none */
    bool plaintext;             /* no TLS: loopback only; ca_file and pin must be NULL */
};

struct ssl_st;
struct ssl_ctx_st;

struct rs_net {
    int fd;
    uint32_t timeout_ms;        /* deadline for each send and each receive */
    struct rs_frame_rx rx;
    struct ssl_ctx_st *ctx;     /* NULL in plaintext mode */
    struct ssl_st *ssl;
    bool got_any;               /* some reply byte has arrived */
};

/*
 * Parses a pin "sha256:<64 hex digits>" (case-insensitive, ':' between
 * digit pairs allowed, as `openssl x509 -fingerprint -sha256` prints it)
 * into 32 bytes.  RS_EINVAL otherwise.
 */
RS_NODISCARD
rs_status rs_net_pin_parse(const char *pin, uint8_t out[32]);

/*
 * Checks that path is a CA file TLS can use: a regular file this process
 * can open, holding at least one PEM certificate.  RS_EINVAL with err
 * saying why not (errno's text, "not a file", "not a PEM certificate
 * file (...)"); RS_ENOMEM.  Reads the file only.
 */
RS_NODISCARD rs_status rs_net_ca_check(const char *path, char *err, size_t errlen);

/*
 * Connects to "HOST:PORT" and, unless sec->plaintext, completes a TLS
 * handshake and verifies the server.  RS_EIO (unreachable, refused, reset)
 * or RS_ETIMEDOUT with err naming the address and the cause.  RS_EAUTH
 * when the secure channel cannot be set up with this server: the
 * certificate does not chain to the CA file or does not name HOST (err
 * gives OpenSSL's verify error and the certificate's subject and issuer),
 * the fingerprint differs from the pin (err gives both), or the handshake
 * failed (err gives OpenSSL's reason, e.g. a plaintext server).  RS_EINVAL
 * for a bad configuration: no CA and no pin without plaintext, plaintext
 * with either, an unreadable CA file, a malformed pin, or plaintext to an
 * address outside 127.0.0.0/8 and ::1.  On RS_OK close with rs_net_close.
 */
RS_NODISCARD
rs_status rs_net_connect(struct rs_net *n, const char *hostport,
                         const struct rs_net_security *sec, uint32_t timeout_ms,
                         char *err, size_t errlen);

/* Sends one envelope (length prefix and body). */
RS_NODISCARD
rs_status rs_net_send(struct rs_net *n, const Rs__Envelope *env, char *err, size_t errlen);

/*
 * Receives one envelope; *env is owned by the caller
 * (rs__envelope__free_unpacked).  RS_ECLOSED if the server closed the
 * connection, RS_ETIMEDOUT, RS_EPROTO (also: a plaintext connection got a
 * TLS record, i.e. the server wants TLS), RS_ETOOBIG, RS_EIO.
 */
RS_NODISCARD
rs_status rs_net_recv(struct rs_net *n, Rs__Envelope **env, char *err, size_t errlen);

void rs_net_close(struct rs_net *n);

#endif

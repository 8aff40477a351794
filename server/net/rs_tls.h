/*
 * rs_tls.h - TLS for resettled's connections, through a pair of memory BIOs.
 *
 * The server's sockets belong to libuv; OpenSSL never touches them.  Each
 * connection has one SSL whose read BIO is fed the ciphertext libuv read
 * (rs_tls_feed) and whose write BIO collects the ciphertext to hand to
 * uv_write (rs_tls_take).  rs_tls_read runs the handshake as needed and
 * yields plaintext; rs_tls_write encrypts plaintext into the write BIO.
 * Nothing here blocks, so the loop stays non-blocking.
 *
 * The context requires TLS 1.2 or newer, refuses renegotiation and keeps no
 * buffers for idle connections (SSL_MODE_RELEASE_BUFFERS).  The server does
 * not ask for client certificates: offices prove who they are with their
 * token inside the TLS channel.
 *
 * Threading: loop thread only, except rs_tls_ctx_new, which a reload runs
 * on libuv's pool (it touches nothing shared).  Ownership: rs_tls_ctx_free
 * and rs_tls_free release what the constructors made; a struct rs_tls holds
 * its own reference to the context's SSL_CTX (OpenSSL counts them), so a
 * context may be freed while connections made from it go on (a reload
 * replaces the context that way).
 *
 * Does not: touch sockets, frame messages (rs_frame.h), or decide when to
 * close a connection (rs_conn.c).
 */
#ifndef RS_TLS_H
#define RS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_status.h"

struct rs_tls_ctx;
struct rs_tls;

/*
 * Initialises OpenSSL (and reads its configuration) on the calling thread.
 * Call it on the main thread before any worker thread hashes: otherwise the
 * first worker to touch OpenSSL initialises it and keeps per-thread state
 * that is never freed.  Idempotent.
 */
void rs_tls_init(void);

/*
 * Loads the certificate chain (PEM, server certificate first) and the
 * private key (PEM) and checks that they belong together.  RS_EIO with err
 * naming the file and OpenSSL's reason if either cannot be read or they do
 * not match; RS_ENOMEM.  On RS_OK free *out with rs_tls_ctx_free.
 */
RS_NODISCARD rs_status rs_tls_ctx_new(const char *cert_file, const char *key_file,
                                      struct rs_tls_ctx **out, char *err, size_t errlen);

void rs_tls_ctx_free(struct rs_tls_ctx *ctx);

/*
 * Frees what OpenSSL keeps for the calling thread (its random generators,
 * its error queue).  A thread other than the main one that called
 * rs_tls_ctx_new (a reload on libuv's pool) calls it when done: pool
 * threads live until the process ends, and OpenSSL would keep that state
 * until then.  The contexts made stay valid.
 */
void rs_tls_thread_stop(void);

/*
 * The SHA-256 fingerprint of the loaded server certificate as
 * "sha256:<64 lower-case hex>" (what a client pins), into out (>= 72 bytes).
 */
void rs_tls_ctx_fingerprint(const struct rs_tls_ctx *ctx, char out[72]);

/* A server-side TLS state for one new connection.  RS_ENOMEM. */
RS_NODISCARD rs_status rs_tls_new(struct rs_tls_ctx *ctx, struct rs_tls **out);

/* t may be NULL. */
void rs_tls_free(struct rs_tls *t);

/* Hands n bytes of ciphertext read from the socket to the TLS state.
 * RS_ENOMEM if the read BIO cannot grow. */
RS_NODISCARD rs_status rs_tls_feed(struct rs_tls *t, const uint8_t *p, size_t n);

/*
 * Decrypts up to cap bytes of plaintext into buf, running the handshake
 * first if it is not done.  RS_OK with *n > 0; RS_EAGAIN when more
 * ciphertext is needed (there may be handshake bytes to send: call
 * rs_tls_take); RS_ECLOSED when the peer sent close_notify; RS_EPROTO when
 * the handshake or a record failed (err holds OpenSSL's reason).
 */
RS_NODISCARD rs_status rs_tls_read(struct rs_tls *t, uint8_t *buf, size_t cap, size_t *n,
                                   char *err, size_t errlen);

/* True once the handshake has completed. */
bool rs_tls_ready(const struct rs_tls *t);

/*
 * Encrypts n bytes of plaintext into the write BIO (one or more TLS
 * records).  RS_EPROTO if the handshake is not complete or the state has
 * failed; RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_tls_write(struct rs_tls *t, const uint8_t *p, size_t n);

/* Queues a close_notify alert (best effort; take it with rs_tls_take). */
void rs_tls_shutdown(struct rs_tls *t);

/* Bytes of ciphertext waiting in the write BIO. */
size_t rs_tls_pending(const struct rs_tls *t);

/*
 * Moves up to cap bytes of waiting ciphertext into buf; returns how many.
 */
RS_NODISCARD size_t rs_tls_take(struct rs_tls *t, uint8_t *buf, size_t cap);

#endif

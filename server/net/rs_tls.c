/*
 * rs_tls.c - server-side TLS over memory BIOs (see rs_tls.h).
 *
 * Does not: touch sockets or the loop; rs_conn.c moves the bytes.
 */
#include "rs_tls.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct rs_tls_ctx {
    SSL_CTX *ctx;
    char fingerprint[72];
};

struct rs_tls {
    SSL *ssl;
    BIO *rbio;                  /* ciphertext from the peer; owned by ssl */
    BIO *wbio;                  /* ciphertext to the peer; owned by ssl */
};

/* OpenSSL's oldest queued reason (or `fallback`), then clears the queue. */
static void ssl_reason(char *err, size_t errlen, const char *fallback)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    if (e) {
        ERR_error_string_n(e, buf, sizeof(buf));
        snprintf(err, errlen, "%s", buf);
    } else {
        snprintf(err, errlen, "%s", fallback);
    }
    ERR_clear_error();
}

static void fingerprint_of(X509 *cert, char out[72])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hexd[] = "0123456789abcdef";
    size_t o;

    snprintf(out, 72, "sha256:?");
    if (!cert || !X509_digest(cert, EVP_sha256(), md, &n) || n != 32)
        return;
    o = strlen("sha256:");
    for (unsigned int i = 0; i < n; i++) {
        out[o++] = hexd[md[i] >> 4];
        out[o++] = hexd[md[i] & 15];
    }
    out[o] = '\0';
}

void rs_tls_init(void)
{
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
    ERR_clear_error();
}

rs_status rs_tls_ctx_new(const char *cert_file, const char *key_file, struct rs_tls_ctx **out,
                         char *err, size_t errlen)
{
    struct rs_tls_ctx *c;
    char why[256];
    rs_status rc = RS_EIO;

    *out = NULL;
    ERR_clear_error();
    c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return RS_ENOMEM;
    }
    c->ctx = SSL_CTX_new(TLS_server_method());
    if (!c->ctx) {
        ssl_reason(why, sizeof(why), "cannot create a TLS context");
        snprintf(err, errlen, "TLS: %s", why);
        goto out;
    }
    if (!SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION)) {
        ssl_reason(why, sizeof(why), "cannot require TLS 1.2");
        snprintf(err, errlen, "TLS: %s", why);
        goto out;
    }
    SSL_CTX_set_options(c->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                    SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(c->ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(c->ctx, 0);
    if (SSL_CTX_use_certificate_chain_file(c->ctx, cert_file) != 1) {
        ssl_reason(why, sizeof(why), "unreadable");
        snprintf(err, errlen, "TLS certificate %s: %s", cert_file, why);
        goto out;
    }
    if (SSL_CTX_use_PrivateKey_file(c->ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        bool mismatch = ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH;

        ssl_reason(why, sizeof(why), "unreadable");
        if (mismatch)
            snprintf(err, errlen, "TLS key %s does not belong to the certificate %s: %s",
                     key_file, cert_file, why);
        else
            snprintf(err, errlen, "TLS key %s: %s", key_file, why);
        goto out;
    }
    if (SSL_CTX_check_private_key(c->ctx) != 1) {
        ssl_reason(why, sizeof(why), "the key does not match the certificate");
        snprintf(err, errlen, "TLS key %s does not belong to the certificate %s: %s", key_file,
                 cert_file, why);
        goto out;
    }
    fingerprint_of(SSL_CTX_get0_certificate(c->ctx), c->fingerprint);
    *out = c;
    c = NULL;
    rc = RS_OK;
out:
    rs_tls_ctx_free(c);
    return rc;
}

void rs_tls_ctx_free(struct rs_tls_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ctx);
    free(ctx);
}

void rs_tls_thread_stop(void)
{
    OPENSSL_thread_stop();
}

void rs_tls_ctx_fingerprint(const struct rs_tls_ctx *ctx, char out[72])
{
    snprintf(out, 72, "%s", ctx->fingerprint);
}

rs_status rs_tls_new(struct rs_tls_ctx *ctx, struct rs_tls **out)
{
    struct rs_tls *t = calloc(1, sizeof(*t));

    *out = NULL;
    if (!t)
        return RS_ENOMEM;
    t->ssl = SSL_new(ctx->ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        free(t);
        ERR_clear_error();
        return RS_ENOMEM;
    }
    /* An empty read BIO means "wait for more", not end of stream. */
    BIO_set_mem_eof_return(t->rbio, -1);
    BIO_set_mem_eof_return(t->wbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_accept_state(t->ssl);
    *out = t;
    return RS_OK;
}

void rs_tls_free(struct rs_tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl);           /* frees both BIOs */
    free(t);
}

rs_status rs_tls_feed(struct rs_tls *t, const uint8_t *p, size_t n)
{
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        int w = BIO_write(t->rbio, p, chunk);

        if (w <= 0) {
            ERR_clear_error();
            return RS_ENOMEM;
        }
        p += w;
        n -= (size_t)w;
    }
    return RS_OK;
}

rs_status rs_tls_read(struct rs_tls *t, uint8_t *buf, size_t cap, size_t *n, char *err,
                      size_t errlen)
{
    size_t got = 0;
    int r, e;

    *n = 0;
    ERR_clear_error();
    r = SSL_read_ex(t->ssl, buf, cap, &got);
    if (r == 1 && got > 0) {
        *n = got;
        return RS_OK;
    }
    e = SSL_get_error(t->ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return RS_EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return RS_ECLOSED;
    default:
        ssl_reason(err, errlen, SSL_is_init_finished(t->ssl) ? "TLS record error"
                                                             : "TLS handshake failed");
        return RS_EPROTO;
    }
}

bool rs_tls_ready(const struct rs_tls *t)
{
    return SSL_is_init_finished(t->ssl) == 1;
}

rs_status rs_tls_write(struct rs_tls *t, const uint8_t *p, size_t n)
{
    ERR_clear_error();
    if (!SSL_is_init_finished(t->ssl))
        return RS_EPROTO;
    while (n > 0) {
        size_t w = 0;

        if (SSL_write_ex(t->ssl, p, n, &w) != 1 || w == 0) {
            int e = SSL_get_error(t->ssl, 0);

            ERR_clear_error();
            return e == SSL_ERROR_SSL || e == SSL_ERROR_SYSCALL ? RS_EPROTO : RS_ENOMEM;
        }
        p += w;
        n -= w;
    }
    return RS_OK;
}

void rs_tls_shutdown(struct rs_tls *t)
{
    if (SSL_is_init_finished(t->ssl))
        (void)SSL_shutdown(t->ssl);
    ERR_clear_error();
}

size_t rs_tls_pending(const struct rs_tls *t)
{
    return BIO_ctrl_pending(t->wbio);
}

size_t rs_tls_take(struct rs_tls *t, uint8_t *buf, size_t cap)
{
    size_t got = 0;

    if (cap == 0 || BIO_read_ex(t->wbio, buf, cap, &got) != 1)
        got = 0;
    ERR_clear_error();
    return got;
}

/*
 * rs_console_guard.c - the console's per-start secret and the Host,
 * Origin and cookie checks of every request (rs_console_guard.h).
 *
 * Does not: read a request or answer one; it only judges what it is given.
 */
#include "rs_console_guard.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "rs_util.h"

/* Compares a secret in constant time; NULL or another length is not it. */
static bool secret_eq(const char *want, const char *got)
{
    size_t n = strlen(want);

    if (!got || strlen(got) != n)
        return false;
    return CRYPTO_memcmp(want, got, n) == 0;
}

static bool is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

rs_status rs_console_listen_parse(const char *listen, char *host, size_t hostlen,
                                  uint16_t *port)
{
    const char *colon, *h = listen;
    size_t n;
    uint32_t v;

    if (!listen || !host || hostlen == 0 || !port)
        return RS_EINVAL;
    colon = strrchr(listen, ':');
    if (!colon)
        return RS_EINVAL;
    n = (size_t)(colon - listen);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= hostlen)
        return RS_EINVAL;
    memcpy(host, h, n);
    host[n] = '\0';
    if (!is_loopback(host) || rs_u32_parse(colon + 1, &v) != RS_OK || v > 65535)
        return RS_EINVAL;
    *port = (uint16_t)v;
    return RS_OK;
}

rs_status rs_console_guard_init(struct rs_console_guard *g, const char *host, uint16_t port)
{
    unsigned char raw[RS_CONSOLE_SECRET_HEX / 2];
    int n;

    memset(g, 0, sizeof(*g));
    if (!host || !is_loopback(host))
        return RS_EINVAL;
    if (RAND_bytes(raw, (int)sizeof(raw)) != 1)
        return RS_EIO;
    rs_hex(raw, sizeof(raw), g->secret);
    OPENSSL_cleanse(raw, sizeof(raw));
    if (strchr(host, ':'))
        n = snprintf(g->host, sizeof(g->host), "[%s]:%u", host, (unsigned)port);
    else
        n = snprintf(g->host, sizeof(g->host), "%s:%u", host, (unsigned)port);
    if (n < 0 || (size_t)n >= sizeof(g->host))
        return RS_EINVAL;
    snprintf(g->origin, sizeof(g->origin), "http://%s", g->host);
    return RS_OK;
}

enum rs_console_verdict rs_console_guard_check(const struct rs_console_guard *g,
                                               const struct rs_console_req *r)
{
    bool safe;

    if (!r->method || !r->host || strcmp(r->host, g->host) != 0)
        return RS_CONSOLE_DENY;
    safe = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    if (r->origin ? strcmp(r->origin, g->origin) != 0 : !safe)
        return RS_CONSOLE_DENY;
    if (secret_eq(g->secret, r->cookie))
        return RS_CONSOLE_ALLOW;
    if (safe && secret_eq(g->secret, r->key))
        return RS_CONSOLE_ENTER;
    return RS_CONSOLE_DENY;
}

/*
 * rs_ratelimit.c - per-address limits of resettled's listener: how many
 * connections each address holds (cfg.max_conns_per_addr) and how many of
 * them have not signed in yet (cfg.max_unauth_per_addr), and how many
 * handshakes from it failed within the current window
 * (cfg.auth_fail_limit per cfg.auth_fail_window_ms).
 *
 * Failed handshakes are counted per peer address; past auth_fail_limit
 * within auth_fail_window_ms every Hello from that address is answered
 * ERR_RATE_LIMITED until the window has passed (rs_handshake.c), even one
 * whose token check was already queued, so parallel guesses learn nothing
 * either.  At most FAIL_MAX_ENTRIES addresses are tracked; expired windows
 * are swept when the table is full.
 *
 * Does not: answer or audit a refusal (rs_handshake.c), or close
 * connections (rs_conn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_log.h"
#include "rs_net_int.h"

#define FAIL_MAX_ENTRIES 65536      /* addresses tracked for failed handshakes */

/* ------------------------------------------------------------ addresses */

static size_t addr_hash(const char *s)
{
    size_t h = 5381;

    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h % ADDR_BUCKETS;
}

static struct addr_count **addr_find(struct rs_server *srv, const char *addr)
{
    struct addr_count **pp = &srv->addrs[addr_hash(addr)];

    while (*pp && strcmp((*pp)->addr, addr) != 0)
        pp = &(*pp)->next;
    return pp;
}

bool rs_ratelimit_acquire(struct rs_server *srv, const char *addr)
{
    struct addr_count **pp = addr_find(srv, addr);

    if (!*pp) {
        struct addr_count *a = calloc(1, sizeof(*a));

        if (!a)
            return false;
        snprintf(a->addr, sizeof(a->addr), "%s", addr);
        *pp = a;
    }
    if ((*pp)->n >= srv->cfg.max_conns_per_addr)
        return false;
    (*pp)->n++;
    return true;
}

void rs_ratelimit_release(struct rs_server *srv, const char *addr)
{
    struct addr_count **pp = addr_find(srv, addr);
    struct addr_count *a = *pp;

    if (!a)
        return;
    if (--a->n == 0) {
        *pp = a->next;
        free(a);
    }
}

struct addr_count *rs_ratelimit_unauth_acquire(struct rs_server *srv, const char *addr)
{
    struct addr_count *a = *addr_find(srv, addr);

    if (!a || a->unauth >= srv->cfg.max_unauth_per_addr)
        return NULL;
    a->unauth++;
    return a;
}

void rs_ratelimit_unauth_release(struct addr_count *a)
{
    if (a && a->unauth > 0)
        a->unauth--;
}

/* ------------------------------------------------------------ failed handshakes */

static struct addr_fail **fail_find(struct rs_server *srv, const char *addr)
{
    struct addr_fail **pp = &srv->fails[addr_hash(addr) % FAIL_BUCKETS];

    while (*pp && strcmp((*pp)->addr, addr) != 0)
        pp = &(*pp)->next;
    return pp;
}

static bool fail_expired(const struct rs_server *srv, const struct addr_fail *f, uint64_t now)
{
    return now - f->window_start >= srv->cfg.auth_fail_window_ms;
}

/* Drops every entry whose window has passed. */
static void fail_sweep(struct rs_server *srv, uint64_t now)
{
    for (size_t i = 0; i < FAIL_BUCKETS; i++) {
        struct addr_fail **pp = &srv->fails[i];

        while (*pp) {
            struct addr_fail *f = *pp;

            if (fail_expired(srv, f, now)) {
                *pp = f->next;
                free(f);
                srv->nfails--;
            } else {
                pp = &f->next;
            }
        }
    }
}

/* The address's entry if it is rate limited right now, else NULL. */
struct addr_fail *rs_ratelimit_limited(struct rs_server *srv, const char *addr)
{
    struct addr_fail *f;
    uint64_t now = uv_now(&srv->loop);

    if (srv->cfg.auth_fail_limit == 0)
        return NULL;
    f = *fail_find(srv, addr);
    if (!f || fail_expired(srv, f, now) || f->n < srv->cfg.auth_fail_limit)
        return NULL;
    return f;
}

/* Counts one failed handshake from addr. */
void rs_ratelimit_fail(struct rs_server *srv, const char *addr)
{
    uint64_t now = uv_now(&srv->loop);
    struct addr_fail **pp, *f;

    if (srv->cfg.auth_fail_limit == 0)
        return;
    pp = fail_find(srv, addr);
    f = *pp;
    if (!f) {
        if (srv->nfails >= FAIL_MAX_ENTRIES) {
            fail_sweep(srv, now);
            pp = fail_find(srv, addr);
        }
        if (srv->nfails >= FAIL_MAX_ENTRIES) {
            RS_WARN("%u addresses with failed handshakes are tracked; not tracking %s",
                    (unsigned)FAIL_MAX_ENTRIES, addr);
            return;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
            return;
        snprintf(f->addr, sizeof(f->addr), "%s", addr);
        f->window_start = now;
        *pp = f;
        srv->nfails++;
    }
    if (fail_expired(srv, f, now)) {
        f->window_start = now;
        f->n = 0;
        f->audited = false;
    }
    f->n++;
}

/* Seconds until the address's window has passed (at least 1). */
unsigned rs_ratelimit_wait_s(struct rs_server *srv, const struct addr_fail *f)
{
    uint64_t end = f->window_start + srv->cfg.auth_fail_window_ms, now = uv_now(&srv->loop);

    return end > now ? (unsigned)((end - now + 999) / 1000) : 1;
}

void rs_ratelimit_free(struct rs_server *srv)
{
    size_t i;

    for (i = 0; i < ADDR_BUCKETS; i++) {
        while (srv->addrs[i]) {
            struct addr_count *a = srv->addrs[i];

            srv->addrs[i] = a->next;
            free(a);
        }
    }
    for (i = 0; i < FAIL_BUCKETS; i++) {
        while (srv->fails[i]) {
            struct addr_fail *f = srv->fails[i];

            srv->fails[i] = f->next;
            free(f);
        }
    }
}

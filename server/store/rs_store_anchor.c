/*
 * rs_store_anchor.c - the check of an anchor file against the audit trail:
 * every (seq, hash) the server wrote outside the database (resettled serve
 * --anchor FILE, server/net/rs_anchor.c) must still be a row of the trail
 * with that hash.
 *
 * A line of the file is "<seq> <64 hex digits of the row's hash> <unix
 * time>".  Since each row's hash chains over every row before it, one
 * anchor that still matches proves the trail up to it unchanged; a row
 * that is gone (the trail cut), or whose hash differs (rewritten, and every
 * hash after it recomputed), is named.  The anchors are read into memory
 * (at most RS_ANCHOR_MAX lines), sorted, and met in one walk of the trail
 * (rs_store_audit_list).
 *
 * Does not: write anchors, check the chain's own links (rs_store_audit.c)
 * or the records (rs_store_verify.c).
 */
#include "rs_store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct anchor {
    uint64_t seq;
    uint8_t hash[RS_SHA256_LEN];
    long line;
};

struct walk {
    struct anchor *a;
    size_t n, next;
    void (*fn)(const char *problem, void *arg);
    void *arg;
    struct rs_anchor_check *out;
};

__attribute__((format(printf, 2, 3))) static void problem(struct walk *w, const char *fmt, ...)
{
    char line[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    w->out->problems++;
    if (w->fn)
        w->fn(line, w->arg);
}

static int cmp_anchor(const void *x, const void *y)
{
    const struct anchor *a = x, *b = y;

    return a->seq < b->seq ? -1 : a->seq > b->seq ? 1 : a->line < b->line ? -1 : 1;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses one line into a; false if it is not "<seq> <64 hex> <time>". */
static bool parse_line(const char *s, struct anchor *a)
{
    char *end;
    unsigned long long seq;

    if (*s < '1' || *s > '9')
        return false;
    errno = 0;
    seq = strtoull(s, &end, 10);
    if (errno || *end != ' ')
        return false;
    s = end + 1;
    for (size_t i = 0; i < RS_SHA256_LEN; i++) {
        int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);

        if (lo < 0)
            return false;
        a->hash[i] = (uint8_t)(hi << 4 | lo);
    }
    s += 2 * RS_SHA256_LEN;
    if (*s != ' ' || s[1] < '0' || s[1] > '9')
        return false;
    a->seq = seq;
    return true;
}

static int on_row(const struct rs_audit_row *r, void *arg)
{
    struct walk *w = arg;

    for (; w->next < w->n && w->a[w->next].seq <= r->seq; w->next++) {
        const struct anchor *a = &w->a[w->next];

        if (a->seq < r->seq) {
            problem(w, "anchor line %ld: row %" PRIu64 " is not in the trail (rows removed)",
                    a->line, a->seq);
        } else if (memcmp(a->hash, r->hash, RS_SHA256_LEN) != 0) {
            problem(w, "anchor line %ld: row %" PRIu64 " has another hash than the anchor "
                       "(the trail up to it was rewritten)", a->line, a->seq);
        } else {
            w->out->matched++;
        }
    }
    return 0;
}

rs_status rs_store_audit_check_anchors(struct rs_store *s, const char *path,
                                       void (*fn)(const char *problem, void *arg), void *arg,
                                       struct rs_anchor_check *out)
{
    struct walk w = {NULL, 0, 0, fn, arg, out};
    char line[256];
    size_t cap = 0;
    long lineno = 0;
    FILE *f;
    rs_status rv = RS_OK;

    if (!s || !path || !out)
        return RS_EINVAL;
    memset(out, 0, sizeof(*out));
    f = fopen(path, "r");
    if (!f) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", path, strerror(errno));
        return RS_EIO;
    }
    while (fgets(line, sizeof(line), f)) {
        struct anchor a;

        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(s->errmsg, sizeof(s->errmsg), "%s: line %ld is too long", path, lineno);
            rv = RS_EINVAL;
            goto out;
        }
        if (!parse_line(line, &a)) {
            snprintf(s->errmsg, sizeof(s->errmsg),
                     "%s: line %ld is not \"<seq> <64 hex> <unix time>\"", path, lineno);
            rv = RS_EINVAL;
            goto out;
        }
        if (w.n == RS_ANCHOR_MAX) {
            snprintf(s->errmsg, sizeof(s->errmsg), "%s: more than %d anchors", path,
                     RS_ANCHOR_MAX);
            rv = RS_EINVAL;
            goto out;
        }
        if (w.n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct anchor *p = realloc(w.a, ncap * sizeof(*p));

            if (!p) {
                rv = RS_ENOMEM;
                goto out;
            }
            w.a = p;
            cap = ncap;
        }
        a.line = lineno;
        w.a[w.n++] = a;
    }
    if (ferror(f)) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: read failed", path);
        rv = RS_EIO;
        goto out;
    }
    if (w.n > 1)
        qsort(w.a, w.n, sizeof(*w.a), cmp_anchor);
    out->anchors = w.n;
    rv = rs_store_audit_list(s, on_row, &w);
    for (; rv == RS_OK && w.next < w.n; w.next++)
        problem(&w, "anchor line %ld: row %" PRIu64 " is not in the trail (rows removed "
                    "from its end)", w.a[w.next].line, w.a[w.next].seq);
out:
    fclose(f);
    free(w.a);
    return rv;
}

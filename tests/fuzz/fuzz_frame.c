/*
 * fuzz_frame.c - libFuzzer target for the frame reassembler (rs_frame.h).
 *
 * The input is a small header that steers the run, then the byte stream:
 *
 *   byte 0      bits 0-3: max_frame, an index into max_frames[] below
 *               bit 4: reserve asks for RS_FRAME_CHUNK (a socket read that
 *                      returns short) instead of exactly the chunk size
 *               bit 5: call next() twice before each consume()
 *   byte 1      K = byte % 16: the number of chunk specs that follow
 *   K bytes     chunk specs, used in turn: bits 0-5 + 1 are the size,
 *               bit 6 multiplies it by 61, bit 7 delivers the chunk one
 *               byte at a time through rs_frame_rx_feed
 *   the rest    the stream; K = 0 means RS_FRAME_CHUNK-byte chunks
 *
 * The stream is delivered the way the server reads a socket (reserve, write,
 * commit, then drain every complete frame), and the frames that come out are
 * compared with those of a reference decoder that sees the whole stream at
 * once and shares no code with rs_frame.c.  Checked after every step:
 * rx.alloc never exceeds max_frame + RS_VARINT_MAX, every frame fits
 * max_frame, the same frames come out in the same order with the same
 * bytes, reserve never fails on a drained buffer, pending() counts exactly
 * the bytes not yet consumed, an empty buffer is freed, and the stream ends
 * with the same verdict (RS_ETOOBIG or incomplete) as the reference.  The
 * reader refuses a length prefix as too big as soon as the bytes it has
 * already hold more than max_frame, and a prefix over ten bytes or past 64
 * bits as too big too (proto/README.md: ERR_TOO_BIG); the reference models
 * both.  After RS_ETOOBIG nothing more is fed.
 *
 * Does not: look inside payloads (fuzz_envelope.c does).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_frame: check failed at %s:%d: %s\n", __FILE__, \
                    __LINE__, #cond);                                            \
            abort();                                                             \
        }                                                                        \
    } while (0)

static const size_t max_frames[16] = {
    0 /* the default, 1 MiB */, 1, 2, 9, 10, 11, 127, 128,
    129, 255, 256, 300, 1000, 4096, 16384, 65536,
};

/* One frame the reference found: payload offset and length in the stream. */
struct ref_frame {
    size_t off, len;
};

struct ref {
    struct ref_frame *f;
    size_t n;
    rs_status end;          /* RS_EAGAIN (incomplete or clean), RS_ETOOBIG, RS_EPROTO */
    size_t end_at;          /* stream offset of the bad prefix */
};

/*
 * Decodes a varint the long way: at most ten bytes, the tenth holding only
 * bit 63.  Returns RS_OK, RS_EAGAIN (stream ends inside it) or RS_EPROTO.
 */
static rs_status ref_varint(const uint8_t *p, size_t n, uint64_t *v, size_t *used)
{
    uint64_t acc = 0;

    for (size_t i = 0; i < 10; i++) {
        if (i == n)
            return RS_EAGAIN;
        if (i == 9 && (p[i] & 0x7f) > 1)
            return RS_EPROTO;
        acc += (uint64_t)(p[i] & 0x7f) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            *v = acc;
            *used = i + 1;
            return RS_OK;
        }
    }
    return RS_EPROTO;
}

/* The least value a prefix whose first n bytes are p[0..n) can have: the
 * bits of its first nine bytes (the tenth holds only bit 63). */
static uint64_t ref_floor(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;

    for (size_t i = 0; i < n && i < 9; i++)
        acc += (uint64_t)(p[i] & 0x7f) << (7 * i);
    return acc;
}

static void ref_decode(const uint8_t *s, size_t n, size_t max_frame, struct ref *r)
{
    size_t off = 0, cap = 16;

    r->f = malloc(cap * sizeof(*r->f));
    CHECK(r->f != NULL);
    r->n = 0;
    r->end = RS_EAGAIN;
    r->end_at = 0;
    while (off < n) {
        uint64_t len;
        size_t used;
        rs_status rc = ref_varint(s + off, n - off, &len, &used);

        if (rc == RS_EAGAIN) {
            if (ref_floor(s + off, n - off) > max_frame) {
                r->end = RS_ETOOBIG;
                r->end_at = off;
            }
            return;
        }
        if (rc == RS_EPROTO || (rc == RS_OK && len > max_frame))
            rc = RS_ETOOBIG;
        if (rc != RS_OK) {
            r->end = rc;
            r->end_at = off;
            return;
        }
        if (len > n - off - used)
            return;
        if (r->n == cap) {
            struct ref_frame *nf;

            cap *= 2;
            nf = realloc(r->f, cap * sizeof(*r->f));
            CHECK(nf != NULL);
            r->f = nf;
        }
        r->f[r->n].off = off + used;
        r->f[r->n].len = (size_t)len;
        r->n++;
        off += used + (size_t)len;
    }
}

struct run {
    struct rs_frame_rx rx;
    const uint8_t *stream;
    const struct ref *ref;
    size_t max_frame;
    size_t got;             /* frames returned so far */
    size_t fed;             /* stream bytes committed */
    size_t consumed;        /* stream bytes of consumed frames */
    bool twice;
    rs_status stopped;      /* RS_OK while running */
};

static void check_alloc(const struct run *r)
{
    CHECK(r->rx.alloc <= r->max_frame + RS_VARINT_MAX);
    CHECK(r->rx.len <= r->rx.alloc);
    CHECK(rs_frame_rx_pending(&r->rx) == r->fed - r->consumed);
    CHECK((r->rx.buf == NULL) == (r->rx.alloc == 0));
}

/* Returns every complete frame, as the server does after each read. */
static void drain(struct run *r)
{
    for (;;) {
        const uint8_t *p = NULL, *p2 = NULL;
        size_t len = 0, len2 = 0;
        rs_status rc = rs_frame_rx_next(&r->rx, &p, &len);

        check_alloc(r);
        if (rc == RS_EAGAIN)
            return;
        if (rc != RS_OK) {
            CHECK(rc == RS_ETOOBIG || rc == RS_EPROTO);
            /* The error must be the reference's, after the same frames. */
            CHECK(r->got == r->ref->n);
            CHECK(rc == r->ref->end);
            CHECK(r->consumed == r->ref->end_at);
            r->stopped = rc;
            return;
        }
        CHECK(len <= r->max_frame);
        CHECK(r->got < r->ref->n);
        CHECK(len == r->ref->f[r->got].len);
        CHECK(len == 0 || memcmp(p, r->stream + r->ref->f[r->got].off, len) == 0);
        if (r->twice) {
            CHECK(rs_frame_rx_next(&r->rx, &p2, &len2) == RS_OK);
            CHECK(p2 == p && len2 == len);
        }
        r->consumed = r->ref->f[r->got].off + len;
        r->got++;
        rs_frame_rx_consume(&r->rx);
        check_alloc(r);
        if (rs_frame_rx_pending(&r->rx) == 0)
            CHECK(r->rx.buf == NULL);
    }
}

/* Delivers stream[off, off+n) through reserve/commit; returns bytes delivered. */
static size_t deliver(struct run *r, size_t off, size_t n, bool short_read)
{
    size_t done = 0;

    while (done < n && r->stopped == RS_OK) {
        uint8_t *dst = NULL;
        size_t room = 0, take;
        size_t want = short_read ? RS_FRAME_CHUNK : n - done;
        rs_status rc = rs_frame_rx_reserve(&r->rx, want, &dst, &room);

        /* The buffer was drained, so there is always room for one byte. */
        CHECK(rc == RS_OK);
        CHECK(room >= 1 && room <= want);
        check_alloc(r);
        CHECK(r->rx.len + room <= r->rx.alloc);
        take = room < n - done ? room : n - done;
        memcpy(dst, r->stream + off + done, take);
        rs_frame_rx_commit(&r->rx, take);
        r->fed += take;
        done += take;
        check_alloc(r);
        drain(r);
    }
    return done;
}

/* Delivers stream[off, off+n) one byte at a time through feed(). */
static size_t deliver_bytes(struct run *r, size_t off, size_t n)
{
    size_t done = 0;

    while (done < n && r->stopped == RS_OK) {
        CHECK(rs_frame_rx_feed(&r->rx, r->stream + off + done, 1) == RS_OK);
        r->fed++;
        done++;
        check_alloc(r);
        drain(r);
    }
    return done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ref ref;
    struct run r;
    const uint8_t *specs;
    size_t nspecs, off = 0, n, k = 0;

    if (size < 2)
        return 0;
    nspecs = data[1] % 16;
    if (size < 2 + nspecs)
        return 0;
    specs = data + 2;
    memset(&r, 0, sizeof(r));
    r.max_frame = max_frames[data[0] & 0x0f];
    rs_frame_rx_init(&r.rx, r.max_frame);
    if (r.max_frame == 0)
        r.max_frame = RS_FRAME_MAX_DEFAULT;
    CHECK(r.rx.max_frame == r.max_frame);
    CHECK(r.rx.buf == NULL && r.rx.alloc == 0);
    r.twice = (data[0] & 0x20) != 0;
    r.stream = data + 2 + nspecs;
    n = size - 2 - nspecs;
    ref_decode(r.stream, n, r.max_frame, &ref);
    r.ref = &ref;
    r.stopped = RS_OK;

    while (off < n && r.stopped == RS_OK) {
        size_t chunk = RS_FRAME_CHUNK;
        bool bytewise = false;

        if (nspecs > 0) {
            uint8_t s = specs[k++ % nspecs];

            chunk = (size_t)(s & 0x3f) + 1;
            if (s & 0x40)
                chunk *= 61;
            bytewise = (s & 0x80) != 0;
        }
        if (chunk > n - off)
            chunk = n - off;
        if (bytewise)
            off += deliver_bytes(&r, off, chunk);
        else
            off += deliver(&r, off, chunk, (data[0] & 0x10) != 0);
    }

    if (r.stopped == RS_OK) {
        const uint8_t *p;
        size_t len;

        /* Everything was fed: the same frames, then incomplete or clean. */
        CHECK(r.got == ref.n);
        CHECK(ref.end == RS_EAGAIN);
        CHECK(rs_frame_rx_next(&r.rx, &p, &len) == RS_EAGAIN);
        CHECK(r.fed == n);
    }
    rs_frame_rx_free(&r.rx);
    CHECK(r.rx.buf == NULL && r.rx.alloc == 0 && r.rx.len == 0);
    free(ref.f);
    return 0;
}

/*
 * rs_frame.c - varint length-delimited framing and bounded reassembly.
 *
 * See rs_frame.h for the contract.  The buffer grows only to hold the frame
 * whose length is already known, so a peer that announces 1 MiB and sends
 * one byte costs one small allocation, not 1 MiB; and a prefix is refused
 * as soon as its bytes so far can only end above the cap.
 */
#include "rs_frame.h"

#include <stdlib.h>
#include <string.h>

void rs_frame_rx_init(struct rs_frame_rx *rx, size_t max_frame)
{
    memset(rx, 0, sizeof(*rx));
    rx->max_frame = max_frame ? max_frame : RS_FRAME_MAX_DEFAULT;
}

void rs_frame_rx_free(struct rs_frame_rx *rx)
{
    free(rx->buf);
    rx->buf = NULL;
    rx->alloc = rx->len = rx->pos = rx->frame_end = 0;
}

size_t rs_varint_encode(uint64_t v, uint8_t out[RS_VARINT_MAX])
{
    size_t n = 0;

    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Moves unconsumed bytes to the front, or frees the buffer if none. */
static void compact(struct rs_frame_rx *rx)
{
    if (rx->pos == 0)
        return;
    if (rx->pos == rx->len) {
        rs_frame_rx_free(rx);
        return;
    }
    memmove(rx->buf, rx->buf + rx->pos, rx->len - rx->pos);
    rx->len -= rx->pos;
    if (rx->frame_end)
        rx->frame_end -= rx->pos;   /* the returned frame moved with the bytes */
    rx->pos = 0;
}

static rs_status grow(struct rs_frame_rx *rx, size_t need)
{
    uint8_t *p;
    size_t n = rx->alloc ? rx->alloc : 256;

    while (n < need)
        n *= 2;
    if (n > rx->max_frame + RS_VARINT_MAX)
        n = rx->max_frame + RS_VARINT_MAX;
    if (n < need)
        return RS_ETOOBIG;
    p = realloc(rx->buf, n);
    if (!p)
        return RS_ENOMEM;
    rx->buf = p;
    rx->alloc = n;
    return RS_OK;
}

rs_status rs_frame_rx_reserve(struct rs_frame_rx *rx, size_t want,
                              uint8_t **out, size_t *outlen)
{
    size_t need, avail;
    uint64_t flen = 0;
    size_t used = 0;
    rs_status rc;

    if (want == 0)
        want = 1;
    compact(rx);
    /*
     * Size the buffer by what is known: while the prefix is incomplete,
     * room for the prefix plus a modest read; once it is complete, room for
     * the whole frame and no more than `want` beyond it.
     */
    need = rx->len + want;
    if (rx->len > 0 &&
        rs_varint_decode(rx->buf, rx->len, &flen, &used) == RS_OK &&
        flen <= rx->max_frame) {
        size_t frame = used + (size_t)flen;

        if (rx->len < frame && need > frame)
            need = frame;
    }
    if (need > rx->max_frame + RS_VARINT_MAX)
        need = rx->max_frame + RS_VARINT_MAX;
    if (need <= rx->len)
        return RS_ETOOBIG;
    if (need > rx->alloc) {
        rc = grow(rx, need);
        if (rc)
            return rc;
    }
    avail = rx->alloc - rx->len;
    *out = rx->buf + rx->len;
    *outlen = avail < want ? avail : want;
    return RS_OK;
}

void rs_frame_rx_commit(struct rs_frame_rx *rx, size_t n)
{
    rx->len += n;
}

rs_status rs_frame_rx_feed(struct rs_frame_rx *rx, const uint8_t *p, size_t n)
{
    while (n > 0) {
        uint8_t *dst;
        size_t room;
        rs_status rc = rs_frame_rx_reserve(rx, n, &dst, &room);

        if (rc)
            return rc;
        memcpy(dst, p, room);
        rs_frame_rx_commit(rx, room);
        p += room;
        n -= room;
    }
    return RS_OK;
}

/*
 * The least value an incomplete prefix p[0..n) (n < 10, every byte with its
 * continuation bit) can still take: what its bytes say, since the bytes
 * still to come may all be zero.
 */
static uint64_t prefix_floor(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;

    for (size_t i = 0; i < n && i < RS_VARINT_MAX - 1; i++)
        acc |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    return acc;
}

void rs_frame_rx_set_max(struct rs_frame_rx *rx, size_t max_frame)
{
    rx->max_frame = max_frame ? max_frame : RS_FRAME_MAX_DEFAULT;
}

rs_status rs_frame_rx_next(struct rs_frame_rx *rx, const uint8_t **payload,
                           size_t *len)
{
    uint64_t flen;
    size_t used;
    rs_status rc;

    rx->frame_end = 0;
    if (rx->len == rx->pos)
        return RS_EAGAIN;
    rc = rs_varint_decode(rx->buf + rx->pos, rx->len - rx->pos, &flen, &used);
    if (rc == RS_EAGAIN && prefix_floor(rx->buf + rx->pos, rx->len - rx->pos) > rx->max_frame)
        return RS_ETOOBIG;
    if (rc == RS_EPROTO)
        return RS_ETOOBIG;      /* longer than 10 bytes or past 64 bits: >= 2^63 */
    if (rc)
        return rc;
    if (flen > rx->max_frame)
        return RS_ETOOBIG;
    if (rx->len - rx->pos - used < flen)
        return RS_EAGAIN;
    *payload = rx->buf + rx->pos + used;
    *len = (size_t)flen;
    rx->frame_end = rx->pos + used + (size_t)flen;
    return RS_OK;
}

void rs_frame_rx_consume(struct rs_frame_rx *rx)
{
    if (rx->frame_end == 0)
        return;
    rx->pos = rx->frame_end;
    rx->frame_end = 0;
    if (rx->pos == rx->len)
        rs_frame_rx_free(rx);
}

size_t rs_frame_rx_pending(const struct rs_frame_rx *rx)
{
    return rx->len - rx->pos;
}

/*
 * rs_frame.h - varint length-delimited framing and bounded reassembly.
 *
 * A frame is a base-128 varint length followed by that many payload bytes
 * (protobuf's "delimited" form).  struct rs_frame_rx reassembles frames from
 * a byte stream that arrives in arbitrary pieces.  It refuses a frame whose
 * length prefix exceeds max_frame as soon as the bytes of the prefix so far
 * can only end above it (at the latest when the prefix is complete), before
 * any of the body is buffered, and it never allocates more than
 * max_frame + RS_VARINT_MAX bytes.  The cap may change between frames (the
 * server's is small until a peer has signed in).
 *
 * The buffer is allocated lazily on the first reserve and freed whenever it
 * holds no bytes, so an idle connection costs only sizeof(struct rs_frame_rx).
 *
 * Does not: decode protobuf, do I/O, or know about connections.
 */
#ifndef RS_FRAME_H
#define RS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "rs_status.h"

#define RS_VARINT_MAX 10
#define RS_FRAME_MAX_DEFAULT (1u << 20)   /* 1 MiB */
#define RS_FRAME_CHUNK 16384              /* bytes offered to a read at once */

struct rs_frame_rx {
    uint8_t *buf;       /* owned; NULL while empty */
    size_t alloc;       /* bytes allocated at buf */
    size_t len;         /* bytes held, from buf[0] */
    size_t pos;         /* start of the first unconsumed frame */
    size_t frame_end;   /* end of the frame last returned by next(), or 0 */
    size_t max_frame;   /* cap on one payload */
};

void rs_frame_rx_init(struct rs_frame_rx *rx, size_t max_frame);

/* Frees the buffer.  rx may be reused after rs_frame_rx_init. */
void rs_frame_rx_free(struct rs_frame_rx *rx);

/*
 * Offers writable space at the tail of the buffer, at most `want` bytes and
 * at least one.  RS_ETOOBIG if the buffer is at its cap (max_frame + 10
 * bytes held): callers drain complete frames before reading more, so for a
 * well-formed stream this cannot happen.  RS_ENOMEM on allocation failure.
 * The space is valid until the next call on rx.  A frame returned by next()
 * and not yet consumed stays valid as data, but its payload pointer does
 * not: the bytes may move.
 */
rs_status rs_frame_rx_reserve(struct rs_frame_rx *rx, size_t want,
                              uint8_t **out, size_t *outlen);

/* Records that n bytes were written into the reserved space. */
void rs_frame_rx_commit(struct rs_frame_rx *rx, size_t n);

/* Copies bytes in (reserve + memcpy + commit), for tests and fuzzers. */
rs_status rs_frame_rx_feed(struct rs_frame_rx *rx, const uint8_t *p, size_t n);

/*
 * Sets the cap on the payload of the frames next() returns from now on (0:
 * RS_FRAME_MAX_DEFAULT).  Bytes already held stay; a smaller cap than what
 * is held makes the next reserve refuse more (RS_ETOOBIG).
 */
void rs_frame_rx_set_max(struct rs_frame_rx *rx, size_t max_frame);

/*
 * Returns the next complete frame.  RS_OK with *payload and *len pointing into
 * the buffer (valid until rs_frame_rx_consume or the next reserve);
 * RS_EAGAIN if no complete frame is held; RS_ETOOBIG if the length prefix
 * exceeds max_frame, or can only end above it (an incomplete prefix whose
 * bytes so far already say more: 0xff 0xff 0xff is at least 2^21 - 1), or is
 * longer than 10 bytes or overflows 64 bits (which says at least 2^63).
 * After RS_ETOOBIG the stream cannot be resynchronised and the caller must
 * close it.  Calling next() twice without consume() returns the same frame.
 */
rs_status rs_frame_rx_next(struct rs_frame_rx *rx, const uint8_t **payload,
                           size_t *len);

/* Drops the frame returned by the last successful next(). */
void rs_frame_rx_consume(struct rs_frame_rx *rx);

/* Bytes held that do not belong to a consumed frame. */
size_t rs_frame_rx_pending(const struct rs_frame_rx *rx);

/* Writes v as a varint into out; returns the number of bytes (1..10). */
size_t rs_varint_encode(uint64_t v, uint8_t out[RS_VARINT_MAX]);

/*
 * Decodes a varint from p[0..n).  RS_OK with *v and *used; RS_EAGAIN if the
 * bytes end inside the varint; RS_EPROTO if it is longer than 10 bytes or
 * overflows.  The one varint reader of resettle: frames' length prefixes
 * and every protobuf field the scanner (rs_pbscan.h) reads.  Inline, since
 * the scanner calls it for every key and value.
 */
static inline rs_status rs_varint_decode(const uint8_t *p, size_t n, uint64_t *v,
                                         size_t *used)
{
    uint64_t acc = 0;
    size_t i;

    if (n > 0 && p[0] < 0x80) {
        *v = p[0];
        *used = 1;
        return RS_OK;
    }
    for (i = 0; i < n && i < RS_VARINT_MAX; i++) {
        uint64_t byte = p[i] & 0x7f;

        /* The tenth byte may only carry the top bit of a 64-bit value. */
        if (i == RS_VARINT_MAX - 1 && byte > 1)
            return RS_EPROTO;
        acc |= byte << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = acc;
            *used = i + 1;
            return RS_OK;
        }
    }
    return i == RS_VARINT_MAX ? RS_EPROTO : RS_EAGAIN;
}

#endif

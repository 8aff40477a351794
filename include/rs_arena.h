/*
 * rs_arena.h - a bump allocator with a cap, for everything one request
 * unpacks and builds (the server's SubmitBatch: its envelope, records,
 * acks and store items), freed all at once.
 *
 * Memory comes in chunks: the first of the size given at init, each later
 * one twice the one before (at least as big as the request), up to
 * RS_ARENA_CHUNK_MAX.  An allocation never moves or is freed alone;
 * rs_arena_free releases every chunk.  The arena counts the bytes of its
 * chunks against its cap and refuses (NULL) an allocation that would pass
 * it, so a hostile request costs at most the cap.
 *
 * rs_arena_pb gives a protobuf-c allocator drawing on the arena (its free
 * does nothing), so `rs__..._unpack(rs_arena_pb(a), n, p)` costs no malloc
 * per field.  A message unpacked that way must not be given to
 * rs__..._free_unpacked; it lives until rs_arena_free.
 *
 * Ownership: the caller owns the struct rs_arena and everything allocated
 * from it.  It must not be moved or copied after rs_arena_init (the
 * protobuf-c allocator points at it).  Threads: one thread at a time.
 *
 * Does not: zero memory (rs_arena_calloc does), give memory back before
 * rs_arena_free, or grow past its cap.
 */
#ifndef RS_ARENA_H
#define RS_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "rs_status.h"

#define RS_ARENA_CHUNK_MAX ((size_t)4 << 20)   /* chunks double up to this */

struct rs_arena_chunk;

struct rs_arena {
    struct rs_arena_chunk *head;    /* the current chunk, in front of the older ones */
    uint8_t *next, *end;            /* the current chunk's free bytes */
    size_t first;                   /* data bytes of the first chunk */
    size_t next_size;               /* data bytes of the next chunk */
    size_t bytes;                   /* data bytes of all chunks */
    size_t cap;                     /* bytes must stay at or below this */
    bool over_cap;                  /* an allocation was refused for the cap */
    bool failed;                    /* an allocation returned NULL (the cap, or malloc) */
    ProtobufCAllocator pb;          /* see rs_arena_pb */
};

/*
 * An empty arena whose first chunk (allocated on first use) has `first`
 * data bytes (at least 256) and whose chunks may total `cap` bytes.
 */
void rs_arena_init(struct rs_arena *a, size_t first, size_t cap);

/*
 * n bytes (n may be 0), aligned for any type, valid until rs_arena_free.
 * NULL when the cap would be passed (a->over_cap is then set) or malloc
 * fails; a->failed is set either way.
 */
RS_NODISCARD void *rs_arena_alloc(struct rs_arena *a, size_t n);

/* n * size zeroed bytes, as rs_arena_alloc; NULL also if n * size overflows. */
RS_NODISCARD void *rs_arena_calloc(struct rs_arena *a, size_t n, size_t size);

/* A NUL-terminated copy of s[0..n) in the arena, or NULL as rs_arena_alloc. */
RS_NODISCARD char *rs_arena_strndup(struct rs_arena *a, const char *s, size_t n);

/* The protobuf-c allocator of a (see above). */
ProtobufCAllocator *rs_arena_pb(struct rs_arena *a);

/* Frees every chunk; a is empty again (as after rs_arena_init with the same sizes). */
void rs_arena_free(struct rs_arena *a);

#endif

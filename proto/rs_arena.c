/*
 * rs_arena.c - the bump allocator of rs_arena.h.
 *
 * Each chunk is one malloc: a header, then its data bytes, aligned for any
 * type.  Allocations are rounded up to that alignment, so every pointer
 * handed out is aligned too.
 *
 * Does not: free single allocations (protobuf-c's free calls are no-ops).
 */
#include "rs_arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN (alignof(max_align_t))
#define FIRST_MIN ((size_t)256)

struct rs_arena_chunk {
    struct rs_arena_chunk *next;
    alignas(max_align_t) uint8_t data[];
};

static void *pb_alloc(void *data, size_t size)
{
    return rs_arena_alloc(data, size);
}

static void pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

void rs_arena_init(struct rs_arena *a, size_t first, size_t cap)
{
    memset(a, 0, sizeof(*a));
    a->first = first < FIRST_MIN ? FIRST_MIN : first;
    a->next_size = a->first;
    a->cap = cap;
    a->pb.alloc = pb_alloc;
    a->pb.free = pb_free;
    a->pb.allocator_data = a;
}

/* A new current chunk with at least n free bytes; false if refused. */
static bool grow(struct rs_arena *a, size_t n)
{
    size_t size = a->next_size;
    struct rs_arena_chunk *c;

    if (size < n)
        size = n;
    if (size > a->cap || a->bytes > a->cap - size) {
        /* The cap allows a smaller chunk that still holds n: take that. */
        if (n > a->cap || a->bytes > a->cap - n) {
            a->over_cap = true;
            return false;
        }
        size = a->cap - a->bytes;
    }
    c = malloc(sizeof(*c) + size);
    if (!c)
        return false;
    c->next = a->head;
    a->head = c;
    a->next = c->data;
    a->end = c->data + size;
    a->bytes += size;
    a->next_size = size < RS_ARENA_CHUNK_MAX / 2 ? size * 2 : RS_ARENA_CHUNK_MAX;
    return true;
}

void *rs_arena_alloc(struct rs_arena *a, size_t n)
{
    size_t need;
    void *p;

    if (n > SIZE_MAX - ALIGN) {
        a->failed = true;
        return NULL;
    }
    need = (n + ALIGN - 1) & ~(ALIGN - 1);
    if (need == 0)
        need = ALIGN;
    if (!a->head || (size_t)(a->end - a->next) < need) {
        if (!grow(a, need)) {
            a->failed = true;
            return NULL;
        }
    }
    p = a->next;
    a->next += need;
    return p;
}

void *rs_arena_calloc(struct rs_arena *a, size_t n, size_t size)
{
    void *p;

    if (size && n > SIZE_MAX / size) {
        a->failed = true;
        return NULL;
    }
    p = rs_arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *rs_arena_strndup(struct rs_arena *a, const char *s, size_t n)
{
    char *p;

    if (n == SIZE_MAX)
        return NULL;
    p = rs_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

ProtobufCAllocator *rs_arena_pb(struct rs_arena *a)
{
    return &a->pb;
}

void rs_arena_free(struct rs_arena *a)
{
    struct rs_arena_chunk *c = a->head;

    while (c) {
        struct rs_arena_chunk *next = c->next;

        free(c);
        c = next;
    }
    rs_arena_init(a, a->first, a->cap);
}

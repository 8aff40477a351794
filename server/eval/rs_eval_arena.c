/*
 * rs_eval_arena.c - a dataset's memory: arenas, tables and the cap on both.
 *
 * See rs_eval_data.h.  Records are unpacked by protobuf-c into an arena
 * (chunks doubling from 64 KiB to 8 MiB, a bump pointer, no per-record
 * free); what one unpack took can be given back at once (a record of
 * another year, a relief record that is folded), so the arena's current
 * chunk stays in cache.  Division codes and household_refs of folds live
 * in a second arena.  Every byte of both, and of every table, is counted
 * against the dataset's max_bytes before it is allocated.
 *
 * Does not: decide what is kept (rs_eval_dataset.c), or know what the
 * tables hold (rs_eval_keys.c, rs_eval_fold.c).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "rs_eval_data.h"

#define CHUNK_FIRST ((size_t)64 << 10)         /* an arena's first chunk */
#define CHUNK_MAX ((size_t)8 << 20)            /* chunks double up to this */
#define TABLE_HUGE ((size_t)4 << 20)           /* tables from this size are mapped */

bool rs_eval_mem_charge(struct rs_eval_mem *mem, size_t size)
{
    if (size > mem->ds->max_bytes || mem->bytes > mem->ds->max_bytes - size) {
        mem->err = RS_ETOOBIG;
        return false;
    }
    mem->bytes += size;
    return true;
}

void *rs_eval_mem_calloc(struct rs_eval_mem *mem, size_t n, size_t size)
{
    void *p;

    if (!rs_eval_mem_charge(mem, n * size))
        return NULL;
    p = calloc(n, size);
    if (!p) {
        mem->bytes -= n * size;
        mem->err = RS_ENOMEM;
    }
    return p;
}

void *rs_eval_table_alloc(struct rs_eval_mem *mem, size_t n, size_t size)
{
    void *p;

    if (n * size < TABLE_HUGE)
        return rs_eval_mem_calloc(mem, n, size);
    if (!rs_eval_mem_charge(mem, n * size))
        return NULL;
    p = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        mem->bytes -= n * size;
        mem->err = RS_ENOMEM;
        return NULL;
    }
    madvise(p, n * size, MADV_HUGEPAGE);
    return p;
}

void rs_eval_table_free(void *p, size_t n, size_t size)
{
    if (!p)
        return;
    if (n * size < TABLE_HUGE)
        free(p);
    else
        munmap(p, n * size);
}

/* A new chunk of `size` data bytes in front of a's list, or NULL. */
static struct rs_eval_chunk *arena_chunk(struct rs_eval_mem *mem, struct rs_eval_arena *a,
                                         size_t size)
{
    struct rs_eval_chunk *c;

    if (!rs_eval_mem_charge(mem, size))
        return NULL;
    c = malloc(sizeof *c + size);
    if (!c) {
        mem->bytes -= size;
        mem->err = RS_ENOMEM;
        return NULL;
    }
    c->next = a->chunks;
    c->size = size;
    a->chunks = c;
    return c;
}

void *rs_eval_arena_get(struct rs_eval_mem *mem, struct rs_eval_arena *a, size_t size)
{
    size_t align, pad, csize;
    struct rs_eval_chunk *c;
    char *p;

    if (size == 0)
        size = 1;
    align = (size & 7) == 0 ? 8 : (size & 3) == 0 ? 4 : (size & 1) == 0 ? 2 : 1;
    pad = (align - ((uintptr_t)a->ap & (align - 1))) & (align - 1);
    if (a->cur && pad <= a->aleft && size <= a->aleft - pad) {
        p = a->ap + pad;
        a->ap = p + size;
        a->aleft -= pad + size;
        return p;
    }
    if (size > CHUNK_MAX / 4) {
        /* A block of its own; the current chunk keeps filling. */
        c = arena_chunk(mem, a, size);
        return c ? c->data : NULL;
    }
    csize = a->anext ? a->anext : CHUNK_FIRST;
    while (csize < size)
        csize *= 2;
    c = arena_chunk(mem, a, csize);
    if (!c)
        return NULL;
    a->anext = csize < CHUNK_MAX ? csize * 2 : csize;
    a->cur = c;
    a->ap = c->data + size;
    a->aleft = c->size - size;
    return c->data;
}

struct rs_eval_arena_mark rs_eval_arena_mark(const struct rs_eval_arena *a)
{
    struct rs_eval_arena_mark m = {a->chunks, a->ap, a->aleft};

    return m;
}

/*
 * Every chunk made since m is in front of the ones m saw; a new current
 * chunk is kept (empty), so a run of records given back one by one does
 * not make and free a chunk each.
 */
void rs_eval_arena_rewind(struct rs_eval_mem *mem, struct rs_eval_arena *a,
                          const struct rs_eval_arena_mark *m)
{
    struct rs_eval_chunk **pp = &a->chunks;
    bool kept = false;

    while (*pp && *pp != m->chunks) {
        struct rs_eval_chunk *c = *pp;

        if (c == a->cur) {
            a->ap = c->data;
            a->aleft = c->size;
            kept = true;
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        mem->bytes -= c->size;
        free(c);
    }
    if (!kept) {
        a->ap = m->ap;
        a->aleft = m->aleft;
    }
}

static void arena_free(struct rs_eval_arena *a)
{
    while (a->chunks) {
        struct rs_eval_chunk *c = a->chunks;

        a->chunks = c->next;
        free(c);
    }
}

const char *rs_eval_key_copy(struct rs_eval_mem *mem, const char *s, size_t n)
{
    char *p = rs_eval_arena_get(mem, &mem->keys, n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* The allocator protobuf-c unpacks with: records go to the recs arena and
 * are freed with it, never one by one. */
static void *unpack_alloc(void *data, size_t size)
{
    struct rs_eval_mem *mem = data;

    return rs_eval_arena_get(mem, &mem->recs, size);
}

static void unpack_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

struct rs_eval_mem *rs_eval_mem_new(struct rs_eval_dataset *ds)
{
    struct rs_eval_mem *mem = calloc(1, sizeof *mem);

    if (!mem)
        return NULL;
    mem->ds = ds;
    mem->flast = SIZE_MAX;
    mem->alloc.alloc = unpack_alloc;
    mem->alloc.free = unpack_free;
    mem->alloc.allocator_data = mem;
    return mem;
}

void rs_eval_mem_free(struct rs_eval_mem *mem)
{
    if (!mem)
        return;
    arena_free(&mem->recs);
    arena_free(&mem->keys);
    free(mem->folds);
    free(mem->fslot);
    if (mem->hh)
        rs_eval_table_free(mem->hh, mem->hhmask + 1, sizeof *mem->hh);
    free(mem->infos);
    if (mem->nk)
        rs_eval_table_free(mem->nk, mem->nkmask + 1, sizeof *mem->nk);
    free(mem);
}

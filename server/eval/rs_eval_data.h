/*
 * rs_eval_data.h - the insides of a dataset (rs_eval_dataset.h).  Private
 * to server/eval/.
 *
 * Four files build a dataset, each calling only those above it here:
 *   rs_eval_arena.c    its memory: two arenas, tables charged against the
 *                      cap, freeing it all; calls nothing of the dataset's
 *   rs_eval_keys.c     the natural-key table and the list of repeats;
 *                      calls the arena
 *   rs_eval_fold.c     the relief fold: sums per division, the set of
 *                      households; calls the arena and the keys
 *   rs_eval_dataset.c  rs_eval_dataset.h itself; calls all three
 * Outside them, only the township figures (rs_eval_town.c) read a dataset's
 * folds and households, through rs_eval_folds and rs_eval_households.
 * Everything here runs on the one thread that owns the dataset.
 *
 * Does not: define anything callers outside the evaluation should use.
 */
#ifndef RS_EVAL_DATA_H
#define RS_EVAL_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_eval_dataset.h"
#include "rs_eval_peek.h"
#include "rs_status.h"

/* ------------------------------------------------------------ memory (rs_eval_arena.c) */

struct rs_eval_chunk {
    struct rs_eval_chunk *next;
    size_t size;                               /* bytes of data */
    _Alignas(16) char data[];
};

/* Blocks that a bump pointer fills; freed all at once. */
struct rs_eval_arena {
    struct rs_eval_chunk *chunks;              /* newest first */
    struct rs_eval_chunk *cur;                 /* the one being filled */
    char *ap;                                  /* its next free byte */
    size_t aleft;                              /* bytes left in it */
    size_t anext;                              /* size of the next one */
};

/* Where an arena stood, to give back what one unpack took. */
struct rs_eval_arena_mark {
    struct rs_eval_chunk *chunks;
    char *ap;
    size_t aleft;
};

/* The relief records of one division that have a household_ref. */
struct rs_eval_fold {
    const char *division;                      /* in the keys arena */
    uint32_t n, delivered, judged, no_amount;   /* RS_EVAL_RL_* of its records */
    int64_t fen;
    int64_t kind_fen[RS_EVAL_NRKIND];
};

/* One household: (division, household_ref) of the folded records, in the
 * order first seen.  It also holds the natural key of its first record
 * (kind and paid date) and what that record counted, so that a household
 * with one record a year - the usual case - costs no entry in the
 * natural-key table. */
struct rs_eval_hh_info {
    const char *ref;                           /* in the keys arena */
    int64_t first_fen;                         /* the first record's amount counted */
    uint32_t fold;                             /* index in folds */
    uint32_t first_date;                       /* its paid_date, 0 if none */
    uint8_t first_kind;                        /* its kind; 0: it has no natural key */
    uint8_t kinds;                             /* bit k: a record of ReliefKind k */
    uint8_t first_flags;                       /* RS_EVAL_RL_* the first record counted */
};

/* What a relief record counts for besides its amount: delivered (a paid
 * date and an amount above 0: a record without a paid date is approved and
 * not yet paid), judged (whether it was delivered can be told: it gives an
 * amount), no amount. */
enum {
    RS_EVAL_RL_DELIVERED = 1,
    RS_EVAL_RL_JUDGED = 2,
    RS_EVAL_RL_NOAMT = 4
};

_Static_assert(RS_EVAL_NRKIND <= 8, "relief kinds must fit in rs_eval_hh_info.kinds");

/* A slot of the household table: 16 bytes, four to a cache line, so that a
 * probe into a table of millions mostly costs one miss; the rest of the
 * household is in rs_eval_hh_info, read only when the hash matches. */
struct rs_eval_hh_ent {
    uint64_t hash;                             /* 0: empty slot */
    uint32_t fold;
    uint32_t info;                             /* index in infos */
};

/* One natural key of the year's township records, and where the record
 * that holds it now is counted (24 bytes: a year may hold millions). */
struct rs_eval_nk_ent {
    uint64_t h;                                /* 0: empty slot */
    int64_t v;                                 /* folded: the amount counted;
                                                * kept: index in its body's list */
    uint32_t h2;                               /* a second, independent hash */
    uint32_t at;                               /* kept: index in ds->rec; folded: fold,
                                                * | RS_EVAL_NK_FOLDED, | its RS_EVAL_RL_* flags
                                                * << RS_EVAL_NK_FLAGS_SHIFT */
};

#define RS_EVAL_NK_FOLDED 0x80000000u
#define RS_EVAL_NK_FLAGS_SHIFT 28
#define RS_EVAL_NK_FLAGS (7u << RS_EVAL_NK_FLAGS_SHIFT)
#define RS_EVAL_NK_AT 0x0fffffffu

_Static_assert(RS_EVAL_MAX_RECORDS <= RS_EVAL_NK_AT, "record indexes must fit in nk_ent.at");

/* Everything a dataset allocates; ds->mem.  Each table belongs to the file
 * named beside it, which alone writes it; rs_eval_mem_free frees them all. */
struct rs_eval_mem {
    struct rs_eval_dataset *ds;
    struct rs_eval_arena recs;                 /* unpacked records */
    struct rs_eval_arena keys;                 /* division codes and household_refs of folds */
    size_t bytes;                              /* of both arenas and the tables below */
    rs_status err;                             /* why an allocation last failed */
    ProtobufCAllocator alloc;                  /* unpacks into recs */
    struct rs_eval_fold *folds;                /* rs_eval_fold.c */
    size_t nfolds, foldcap;
    uint32_t *fslot;                           /* division -> fold index + 1; 0 is empty */
    size_t fmask;
    size_t flast;                              /* the fold found last, or SIZE_MAX */
    struct rs_eval_hh_ent *hh;                 /* rs_eval_fold.c */
    size_t hhmask, nhh;
    struct rs_eval_hh_info *infos;             /* nhh of them */
    size_t infocap;
    struct rs_eval_nk_ent *nk;                 /* rs_eval_keys.c */
    size_t nkmask, nnk;
};

/* A new, empty memory for ds (mem->ds = ds), or NULL.  The caller owns it
 * and frees it with rs_eval_mem_free. */
struct rs_eval_mem *rs_eval_mem_new(struct rs_eval_dataset *ds);

/* Frees both arenas and every table; NULL is allowed. */
void rs_eval_mem_free(struct rs_eval_mem *mem);

/* Counts `size` more bytes against the dataset's cap; false (mem->err =
 * RS_ETOOBIG) past it. */
RS_NODISCARD bool rs_eval_mem_charge(struct rs_eval_mem *mem, size_t size);

/* calloc of n * size bytes counted against the cap, or NULL (mem->err
 * set).  The caller frees it and takes the bytes off mem->bytes. */
void *rs_eval_mem_calloc(struct rs_eval_mem *mem, size_t n, size_t size);

/*
 * A zeroed hash table of n slots of `size` bytes counted against the cap,
 * or NULL (mem->err set).  Tables of 4 MiB or more are mapped with
 * transparent huge pages asked for (madvise): a probe into an 80 MB table
 * then costs a cache miss but no TLB miss.  Free with rs_eval_table_free
 * and the same n and size (and take the bytes off mem->bytes).
 */
void *rs_eval_table_alloc(struct rs_eval_mem *mem, size_t n, size_t size);
void rs_eval_table_free(void *p, size_t n, size_t size);

/*
 * size bytes from a, or NULL (mem->err set).  An allocation gets the
 * largest power-of-two alignment (up to 8) that divides its size, which is
 * all any C object of that size can need: message structs stay 8-aligned,
 * strings are packed byte to byte.
 */
void *rs_eval_arena_get(struct rs_eval_mem *mem, struct rs_eval_arena *a, size_t size);

/* Where a stands now. */
struct rs_eval_arena_mark rs_eval_arena_mark(const struct rs_eval_arena *a);

/* Gives back everything allocated from a since m. */
void rs_eval_arena_rewind(struct rs_eval_mem *mem, struct rs_eval_arena *a,
                          const struct rs_eval_arena_mark *m);

/* A NUL-terminated copy of s[0..n) in the keys arena, or NULL (mem->err set). */
const char *rs_eval_key_copy(struct rs_eval_mem *mem, const char *s, size_t n);

/* ------------------------------------------------------------ natural keys (rs_eval_keys.c) */

/*
 * The natural key of a kept township record, hashed; false if it has none
 * (the key fields are missing: then it is never taken for another record).
 * A relief record is kept only without a household_ref, so it has none;
 * folded relief records are keyed by rs_eval_nk_relief.
 */
bool rs_eval_nk_of(const Rs__Record *r, uint64_t *h, uint32_t *h2);

/* The natural key of a folded relief record (its household_ref is set),
 * hashed as rs_eval_nk_of would: division, type, household_ref, kind,
 * paid_date. */
void rs_eval_nk_relief(const struct rs_eval_relief_fields *f, uint64_t *h, uint32_t *h2);

/* Room for one more key in mem->nk (at most three quarters of the slots
 * used).  RS_ETOOBIG, RS_ENOMEM (mem->err set too). */
RS_NODISCARD rs_status rs_eval_nk_room(struct rs_eval_mem *mem);

/* The entry of key (h, h2) in mem->nk, or the empty one where it goes
 * (e->h == 0).  mem->nk must have room (rs_eval_nk_room). */
struct rs_eval_nk_ent *rs_eval_nk_find(struct rs_eval_mem *mem, uint64_t h, uint32_t h2);

/* Notes that r repeats the natural key of the kept record old (which it
 * then replaces): in ds->repeated and its (division, type) group of
 * ds->repeats, as the same content or changed. */
void rs_eval_repeat_record(struct rs_eval_dataset *ds, Rs__Record *old, Rs__Record *r);

/* Notes that the folded relief record rf repeats a natural key already
 * folded, with the same amount or not. */
void rs_eval_repeat_relief(struct rs_eval_dataset *ds, const struct rs_eval_relief_fields *rf,
                           bool same);

/* ------------------------------------------------------------ relief fold (rs_eval_fold.c) */

/*
 * Sums a relief record that has a household_ref into its division's fold
 * and notes its household (everything the evaluation needs of it: the
 * checker has nothing to say about a relief record with a household_ref).
 * A repeat of a natural key already folded replaces that record's amount.
 * RS_ETOOBIG, RS_ENOMEM; the dataset stays usable.
 */
RS_NODISCARD rs_status rs_eval_fold_relief(struct rs_eval_dataset *ds,
                                           const struct rs_eval_relief_fields *rf);

/* The RS_EVAL_RL_* flags of a relief record of amount fen (given or not)
 * and with a paid date or not; the one rule for folded and kept records. */
unsigned rs_eval_relief_flags(bool has_amount, int64_t fen, bool has_paid_date);

/* The fields rs_eval_fold_relief reads, from an unpacked relief record r;
 * *f points into r. */
void rs_eval_relief_fields_of(const Rs__Record *r, struct rs_eval_relief_fields *f);

/* The folds of ds, *n of them, in order of first appearance.  Borrowed. */
const struct rs_eval_fold *rs_eval_folds(const struct rs_eval_dataset *ds, size_t *n);

/* The distinct households of ds, *n of them, in order of first appearance;
 * each names its fold by index.  Borrowed. */
const struct rs_eval_hh_info *rs_eval_households(const struct rs_eval_dataset *ds, size_t *n);

#endif

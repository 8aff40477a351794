/*
 * rs_eval.c - figures, indicator values, rule scores, total and grade.
 *
 * See rs_eval.h.  rs_eval_run walks the dataset once to build the unit and
 * township figures, hands them to rs_eval_formula.c, which computes and
 * scores every indicator of the framework, and then to the consistency
 * checker (rs_eval_check.c).  Also here: the dataset, names and the small
 * formatting helpers the evaluation shares.
 *
 * The dataset's memory: records are unpacked by protobuf-c into an arena
 * (chunks doubling from 64 KiB to 8 MiB, a bump pointer, no per-record
 * free); a relief record with a household_ref is summed into its
 * division's fold and its household into an open-addressing set keyed by
 * (division, household_ref), and its arena bytes are given back at once,
 * so the arena's current chunk stays in cache.  Division codes and
 * household_refs of folds live in a second arena.  Kept records are also
 * listed by body type, so a loop over projects does not walk relief.
 *
 * Does not: compute indicator values or scores (rs_eval_formula.c), check
 * stated figures or cross-record sums (rs_eval_check.c), format reports
 * (rs_report.c), or round anything it keeps.
 */
#include "rs_eval.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "rs_eval_int.h"
#include "rs_util.h"
#include "rs_validate.h"

/* ------------------------------------------------------------ names */

static const char *const cat_names[RS_EVAL_NCAT] = {
    "未分类", "道路硬化", "山塘", "渠道", "饮水", "污水管网", "桥梁",
    "电网",   "产业",     "美丽家园", "能力建设", "其他",
};
static const char *const line_names[RS_EVAL_NLINES] = {
    "", "人员经费", "公用经费", "项目支出", "政府性基金", "国有资本经营", "社会保险基金",
};
static const char *const rkind_names[RS_EVAL_NRKIND] = {
    "未分类", "特困救助", "升学奖励", "年终慰问", "其他救助",
};
static const char *const sangong_names[RS_EVAL_NSANGONG] = {
    "", "因公出国（境）费", "公务接待费", "公务用车购置费", "公务用车运行维护费",
};

const char *rs_eval_cat_name(size_t cat)
{
    return cat < RS_EVAL_NCAT ? cat_names[cat] : "";
}

const char *rs_eval_line_name(size_t line)
{
    return line < RS_EVAL_NLINES ? line_names[line] : "";
}

const char *rs_eval_rkind_name(size_t kind)
{
    return kind < RS_EVAL_NRKIND ? rkind_names[kind] : "";
}

const char *rs_eval_sangong_name(size_t kind)
{
    return kind < RS_EVAL_NSANGONG ? sangong_names[kind] : "";
}

const char *rs_eval_sev_label(enum rs_eval_sev s)
{
    switch (s) {
    case RS_SEV_NOTE:
        return "提示";
    case RS_SEV_WARNING:
        return "警告";
    case RS_SEV_ERROR:
        return "错误";
    }
    return "";
}

const char *rs_eval_grade(int64_t total_milli)
{
    if (total_milli >= 90000)
        return "优";
    if (total_milli >= 80000)
        return "良";
    if (total_milli >= 60000)
        return "中";
    return "差";
}

/* ------------------------------------------------------------ hashing */

#define FNV_OFFSET 0xcbf29ce484222325u

/* FNV-1a of p[0..n). */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = FNV_OFFSET;

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* FNV-1a of s. */
static uint64_t hash_str(const char *s)
{
    return hash_bytes(s, strlen(s));
}

/* Whether the NUL-terminated s holds exactly the bytes p[0..n). */
static bool same_bytes(const char *s, const char *p, size_t n)
{
    return strncmp(s, p, n) == 0 && s[n] == '\0';
}

/* Spreads the bits of h over the low bits a table index takes. */
static uint64_t hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

/* ------------------------------------------------------------ labels */

/* A record's label: "<type> <key>（记录<the id's first 8 bytes>）", without
 * the key when it is empty (rs_eval_rec_label). */
static void label_parts(char *out, size_t outlen, const char *type, const char *key,
                        size_t keylen, const char *id, size_t idlen)
{
    int il = (int)(idlen < 8 ? idlen : 8);

    if (keylen)
        rs_eval_fmt(out, outlen, "%s %.*s（记录%.*s）", type, (int)keylen, key, il, id ? id : "");
    else
        rs_eval_fmt(out, outlen, "%s（记录%.*s）", type, il, id ? id : "");
}

/* ------------------------------------------------------------ dataset memory */

#define CHUNK_FIRST ((size_t)64 << 10)         /* an arena's first chunk */
#define CHUNK_MAX ((size_t)8 << 20)            /* chunks double up to this */

_Static_assert(RS__RECORD__BODY_STATED_FIGURE < RS_EVAL_NBODY, "RS_EVAL_NBODY too small");

struct rs_eval_chunk {
    struct rs_eval_chunk *next;
    size_t size;                               /* bytes of data */
    _Alignas(16) char data[];
};

/* Blocks that a bump pointer fills; freed all at once. */
struct arena {
    struct rs_eval_chunk *chunks;              /* newest first */
    struct rs_eval_chunk *cur;                 /* the one being filled */
    char *ap;                                  /* its next free byte */
    size_t aleft;                              /* bytes left in it */
    size_t anext;                              /* size of the next one */
};

/* Where an arena stood, to give back what one unpack took. */
struct arena_mark {
    struct rs_eval_chunk *chunks;
    char *ap;
    size_t aleft;
};

/* The relief records of one division that have a household_ref. */
struct fold {
    const char *division;                      /* in keys */
    uint32_t n, delivered;
    int64_t fen;
    int64_t kind_fen[RS_EVAL_NRKIND];
};

/* One household: (division, household_ref) of the folded records, in the
 * order first seen.  It also holds the natural key of its first record
 * (kind and paid date) and what that record counted, so that a household
 * with one record a year - the usual case - costs no entry in the
 * natural-key table. */
struct hh_info {
    const char *ref;                           /* in keys */
    int64_t first_fen;                         /* the first record's amount counted */
    uint32_t fold;                             /* index in folds */
    uint32_t first_date;                       /* its paid_date, 0 if none */
    uint8_t first_kind;                        /* its kind; 0: it has no natural key */
    uint8_t kinds;                             /* bit k: a record of ReliefKind k */
    bool first_delivered;
};

/* A slot of the household table: 16 bytes, four to a cache line, so that a
 * probe into a table of millions mostly costs one miss; the rest of the
 * household is in hh_info, read only when the hash matches. */
struct hh_ent {
    uint64_t hash;                             /* 0: empty slot */
    uint32_t fold;
    uint32_t info;                             /* index in infos */
};

_Static_assert(RS_EVAL_NRKIND <= 8, "relief kinds must fit in hh_info.kinds");

/* One natural key of the year's township records, and where the record
 * that holds it now is counted (24 bytes: a year may hold millions). */
struct nk_ent {
    uint64_t h;                                /* 0: empty slot */
    int64_t v;                                 /* folded: the amount counted;
                                                * kept: index in its body's list */
    uint32_t h2;                               /* a second, independent hash */
    uint32_t at;                               /* kept: index in ds->rec; folded: fold,
                                                * | NK_FOLDED, | NK_DELIVERED if so */
};

#define NK_FOLDED 0x80000000u
#define NK_DELIVERED 0x40000000u
#define NK_AT 0x3fffffffu

_Static_assert(RS_EVAL_MAX_RECORDS <= NK_AT, "record indexes must fit in nk_ent.at");

struct rs_eval_mem {
    struct rs_eval_dataset *ds;
    struct arena recs;                         /* unpacked records */
    struct arena keys;                         /* division codes and household_refs of folds */
    size_t bytes;                              /* of both arenas and the tables below */
    rs_status err;                             /* why an allocation last failed */
    ProtobufCAllocator alloc;                  /* unpacks into recs */
    struct fold *folds;
    size_t nfolds, foldcap;
    uint32_t *fslot;                           /* division -> fold index + 1; 0 is empty */
    size_t fmask;
    size_t flast;                              /* the fold found last, or SIZE_MAX */
    struct hh_ent *hh;
    size_t hhmask, nhh;
    struct hh_info *infos;                     /* nhh of them */
    size_t infocap;
    struct nk_ent *nk;
    size_t nkmask, nnk;
};

/* Counts `size` more bytes against the dataset's cap. */
static bool mem_charge(struct rs_eval_mem *mem, size_t size)
{
    if (size > mem->ds->max_bytes || mem->bytes > mem->ds->max_bytes - size) {
        mem->err = RS_ETOOBIG;
        return false;
    }
    mem->bytes += size;
    return true;
}

/* calloc of n * size bytes counted against the cap, or NULL (mem->err set). */
static void *mem_calloc(struct rs_eval_mem *mem, size_t n, size_t size)
{
    void *p;

    if (!mem_charge(mem, n * size))
        return NULL;
    p = calloc(n, size);
    if (!p) {
        mem->bytes -= n * size;
        mem->err = RS_ENOMEM;
    }
    return p;
}

/*
 * A zeroed hash table of n slots of `size` bytes, counted against the cap.
 * Tables of 4 MiB or more are mapped with transparent huge pages asked for
 * (madvise): a probe into an 80 MB table then costs a cache miss but no
 * TLB miss.  Free with table_free and the same n and size.
 */
#define TABLE_HUGE ((size_t)4 << 20)

static void *table_alloc(struct rs_eval_mem *mem, size_t n, size_t size)
{
    void *p;

    if (n * size < TABLE_HUGE)
        return mem_calloc(mem, n, size);
    if (!mem_charge(mem, n * size))
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

static void table_free(void *p, size_t n, size_t size)
{
    if (!p)
        return;
    if (n * size < TABLE_HUGE)
        free(p);
    else
        munmap(p, n * size);
}

/* A new chunk of `size` data bytes in front of a's list, or NULL. */
static struct rs_eval_chunk *arena_chunk(struct rs_eval_mem *mem, struct arena *a, size_t size)
{
    struct rs_eval_chunk *c;

    if (!mem_charge(mem, size))
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

/*
 * size bytes from a, or NULL (mem->err set).  An allocation gets the
 * largest power-of-two alignment (up to 8) that divides its size, which is
 * all any C object of that size can need: message structs stay 8-aligned,
 * strings are packed byte to byte.
 */
static void *arena_get(struct rs_eval_mem *mem, struct arena *a, size_t size)
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

static struct arena_mark arena_mark(const struct arena *a)
{
    struct arena_mark m = {a->chunks, a->ap, a->aleft};

    return m;
}

/*
 * Gives back everything allocated from a since m.  Every chunk made since
 * then is in front of the ones m saw; a new current chunk is kept (empty),
 * so a run of records given back one by one does not make and free a chunk
 * each.
 */
static void arena_rewind(struct rs_eval_mem *mem, struct arena *a, const struct arena_mark *m)
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

static void arena_free(struct arena *a)
{
    while (a->chunks) {
        struct rs_eval_chunk *c = a->chunks;

        a->chunks = c->next;
        free(c);
    }
}

/* The allocator protobuf-c unpacks with: records go to the recs arena and
 * are freed with it, never one by one. */
static void *unpack_alloc(void *data, size_t size)
{
    struct rs_eval_mem *mem = data;

    return arena_get(mem, &mem->recs, size);
}

static void unpack_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

/* A NUL-terminated copy of s[0..n) in the keys arena, or NULL. */
static const char *key_copy(struct rs_eval_mem *mem, const char *s, size_t n)
{
    char *p = arena_get(mem, &mem->keys, n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* ------------------------------------------------------------ natural keys */

static bool is_township_type(Rs__Record__BodyCase t);

/*
 * The same real record stored twice under two ids (a file imported again
 * into a fresh outbox) has one natural key: division, type and
 * rs_record_key.  The key is hashed twice with independent seeds (128 bits),
 * so two different keys are taken for one with a chance far below 2^-64 per
 * year; the key text itself is not kept, which keeps a million folded relief
 * records at a few bytes each.
 */
#define NK_MAX 512                             /* bytes of one key */

static void nk_hash(const uint8_t *p, size_t n, uint64_t *h, uint32_t *h2)
{
    uint64_t a = FNV_OFFSET, b = 0x84222325cbf29ce4u;

    for (size_t i = 0; i < n; i++) {
        a = (a ^ p[i]) * 0x100000001b3u;
        b = (b ^ p[i]) * 0x00000100000001b3u;
        b ^= b >> 29;
    }
    *h = hash_mix(a) | 1;                      /* never 0: 0 marks an empty slot */
    *h2 = (uint32_t)(hash_mix(b ^ 0x9e3779b97f4a7c15u) >> 32);
}

/* Appends n bytes, then a separator, to the key in buf; false if they do
 * not fit. */
static bool nk_put(uint8_t *buf, size_t *len, const void *p, size_t n)
{
    if (n + 1 > NK_MAX - *len)
        return false;
    memcpy(buf + *len, p, n);
    buf[*len + n] = 0x1f;
    *len += n + 1;
    return true;
}

static bool nk_str(uint8_t *buf, size_t *len, const char *s)
{
    return nk_put(buf, len, s ? s : "", s ? strlen(s) : 0);
}

/*
 * The natural key of a kept township record, hashed; false if it has none
 * (the key fields are missing: then it is never taken for another record).
 * A relief record is kept only without a household_ref, so it has none;
 * folded relief records are keyed by nk_relief.
 */
static bool nk_of(const Rs__Record *r, uint64_t *h, uint32_t *h2)
{
    uint8_t buf[NK_MAX], type = (uint8_t)r->body_case;
    size_t n = 0;

    if (!nk_str(buf, &n, r->division_code) || !nk_put(buf, &n, &type, 1))
        return false;
    if (r->body_case == RS__RECORD__BODY_RELIEF)
        return false;
    {
        char key[NK_MAX];

        if (rs_record_key(r, key, sizeof key) != RS_OK || !nk_str(buf, &n, key))
            return false;
    }
    nk_hash(buf, n, h, h2);
    return true;
}

/* The natural key of a folded relief record (its household_ref is set),
 * hashed as nk_of would: division, type, household_ref, kind, paid_date. */
static void nk_relief(const struct rs_eval_relief_fields *f, uint64_t *h, uint32_t *h2)
{
    uint8_t buf[NK_MAX], type = (uint8_t)RS__RECORD__BODY_RELIEF;
    uint32_t kd[2] = {(uint32_t)f->kind, f->has_paid_date ? f->paid_date : 0};
    size_t n = 0;

    if (nk_put(buf, &n, f->division.p ? f->division.p : "", f->division.n) &&
        nk_put(buf, &n, &type, 1) && nk_put(buf, &n, f->household_ref.p, f->household_ref.n) &&
        nk_put(buf, &n, kd, sizeof kd)) {
        nk_hash(buf, n, h, h2);
        return;
    }
    /* Longer than NK_MAX (the store caps every string far below): hash the
     * parts one after another instead. */
    nk_hash((const uint8_t *)f->household_ref.p, f->household_ref.n, h, h2);
    *h = hash_mix(*h ^ hash_bytes(f->division.p ? f->division.p : "", f->division.n) ^
                  ((uint64_t)kd[0] << 32 | kd[1])) | 1;
}

static size_t nk_slot(const struct rs_eval_mem *mem, uint64_t h, uint32_t h2)
{
    size_t i = (size_t)h & mem->nkmask;

    while (mem->nk[i].h && !(mem->nk[i].h == h && mem->nk[i].h2 == h2))
        i = (i + 1) & mem->nkmask;
    return i;
}

/* Room for one more key (at most three quarters of the slots used). */
static rs_status nk_room(struct rs_eval_mem *mem)
{
    struct nk_ent *v, *old = mem->nk;
    size_t oldn = old ? mem->nkmask + 1 : 0, n;

    if ((mem->nnk + 1) * 4 <= oldn * 3)
        return RS_OK;
    n = oldn ? oldn * 2 : 1024;
    v = table_alloc(mem, n, sizeof *v);
    if (!v)
        return mem->err;
    mem->nk = v;
    mem->nkmask = n - 1;
    for (size_t i = 0; i < oldn; i++) {
        if (old[i].h)
            v[nk_slot(mem, old[i].h, old[i].h2)] = old[i];
    }
    mem->bytes -= oldn * sizeof *v;
    table_free(old, oldn, sizeof *v);
    return RS_OK;
}

/* Notes a record of `type` in division div[0..divlen) that repeated an
 * earlier record's key, same content or not; label names it (called only
 * for the first repeat of a division and type). */
static void note_repeat(struct rs_eval_dataset *ds, const char *div, size_t divlen,
                        Rs__Record__BodyCase type, bool same,
                        void (*label)(const void *rec, char *out, size_t outlen),
                        const void *rec)
{
    struct rs_eval_repeat *g = NULL;

    ds->repeated++;
    for (size_t i = ds->nrepeats; i-- > 0;) {
        if (ds->repeats[i].type == type && same_bytes(ds->repeats[i].division, div, divlen)) {
            g = &ds->repeats[i];
            break;
        }
    }
    if (!g) {
        if (ds->nrepeats == RS_EVAL_MAX_REPEAT_GROUPS) {
            ds->repeats_dropped++;
            return;
        }
        if (!ds->repeats) {
            ds->repeats = calloc(RS_EVAL_MAX_REPEAT_GROUPS, sizeof *ds->repeats);
            if (!ds->repeats) {
                ds->repeats_dropped++;
                return;
            }
        }
        g = &ds->repeats[ds->nrepeats++];
        snprintf(g->division, sizeof g->division, "%.*s", (int)divlen, div);
        g->type = type;
        label(rec, g->example, sizeof g->example);
    }
    if (same)
        g->same++;
    else
        g->changed++;
}

static void record_label(const void *rec, char *out, size_t outlen)
{
    rs_eval_rec_label(rec, out, outlen);
}

/* A folded relief record's label, as rs_eval_rec_label gives it. */
static void relief_label(const void *rec, char *out, size_t outlen)
{
    const struct rs_eval_relief_fields *f = rec;

    label_parts(out, outlen, "救助", f->household_ref.p, f->household_ref.n, f->id.p, f->id.n);
}

/* Whether two records hold the same content, their ids and supersedes
 * aside (packed and compared; only for repeats, which are rare). */
static bool same_content(Rs__Record *a, Rs__Record *b)
{
    char *ida = a->id, *idb = b->id, *sa = a->supersedes, *sb = b->supersedes;
    size_t la, lb;
    uint8_t *pa = NULL, *pb = NULL;
    bool same = false;

    a->id = b->id = a->supersedes = b->supersedes = NULL;
    la = rs__record__get_packed_size(a);
    lb = rs__record__get_packed_size(b);
    if (la == lb) {
        pa = malloc(la ? la : 1);
        pb = malloc(lb ? lb : 1);
        if (pa && pb) {
            rs__record__pack(a, pa);
            rs__record__pack(b, pb);
            same = memcmp(pa, pb, la) == 0;
        }
    }
    free(pa);
    free(pb);
    a->id = ida;
    b->id = idb;
    a->supersedes = sa;
    b->supersedes = sb;
    return same;
}

/* ------------------------------------------------------------ relief sums */

static size_t fold_slot(const struct rs_eval_mem *mem, const char *div, size_t n, uint64_t h)
{
    size_t i = (size_t)h & mem->fmask;

    while (mem->fslot[i] && !same_bytes(mem->folds[mem->fslot[i] - 1].division, div, n))
        i = (i + 1) & mem->fmask;
    return i;
}

static rs_status fold_rehash(struct rs_eval_mem *mem)
{
    size_t n = mem->fslot ? (mem->fmask + 1) * 2 : 64;
    uint32_t *v = mem_calloc(mem, n, sizeof *v);

    if (!v)
        return mem->err;
    if (mem->fslot) {
        mem->bytes -= (mem->fmask + 1) * sizeof *v;
        free(mem->fslot);
    }
    mem->fslot = v;
    mem->fmask = n - 1;
    for (size_t f = 0; f < mem->nfolds; f++) {
        const char *div = mem->folds[f].division;

        mem->fslot[fold_slot(mem, div, strlen(div), hash_mix(hash_str(div)))] =
            (uint32_t)(f + 1);
    }
    return RS_OK;
}

/* The index of the sums of division `div`, made if new; SIZE_MAX (mem->err
 * set) if out of memory. */
static size_t fold_get(struct rs_eval_mem *mem, const char *div, size_t n)
{
    struct fold *fd;
    size_t i;

    if (mem->flast != SIZE_MAX && same_bytes(mem->folds[mem->flast].division, div, n))
        return mem->flast;
    if ((!mem->fslot || (mem->nfolds + 1) * 2 > mem->fmask + 1) && fold_rehash(mem) != RS_OK)
        return SIZE_MAX;
    i = fold_slot(mem, div, n, hash_mix(hash_bytes(div, n)));
    if (mem->fslot[i])
        return mem->flast = mem->fslot[i] - 1;
    if (mem->nfolds == mem->foldcap) {
        size_t nc = mem->foldcap ? mem->foldcap * 2 : 16;
        struct fold *v;

        if (!mem_charge(mem, (nc - mem->foldcap) * sizeof *v))
            return SIZE_MAX;
        v = realloc(mem->folds, nc * sizeof *v);
        if (!v) {
            mem->bytes -= (nc - mem->foldcap) * sizeof *v;
            mem->err = RS_ENOMEM;
            return SIZE_MAX;
        }
        mem->folds = v;
        mem->foldcap = nc;
    }
    fd = &mem->folds[mem->nfolds];
    memset(fd, 0, sizeof *fd);
    fd->division = key_copy(mem, div, n);
    if (!fd->division)
        return SIZE_MAX;
    mem->fslot[i] = (uint32_t)(mem->nfolds + 1);
    return mem->flast = mem->nfolds++;
}

static size_t hh_slot(const struct rs_eval_mem *mem, uint64_t h, uint32_t fold,
                      const struct rs_eval_slice *ref)
{
    size_t i = (size_t)h & mem->hhmask;

    while (mem->hh[i].hash && !(mem->hh[i].hash == h && mem->hh[i].fold == fold &&
                                same_bytes(mem->infos[mem->hh[i].info].ref, ref->p, ref->n)))
        i = (i + 1) & mem->hhmask;
    return i;
}

/* Room for one more household: in the table (at most half the slots used)
 * and in infos. */
static rs_status hh_room(struct rs_eval_mem *mem)
{
    size_t n;
    struct hh_ent *v, *old = mem->hh;
    size_t oldn = old ? mem->hhmask + 1 : 0;

    if (mem->nhh == mem->infocap) {
        size_t nc = mem->infocap ? mem->infocap * 2 : 1024;
        struct hh_info *w;

        if (!mem_charge(mem, (nc - mem->infocap) * sizeof *w))
            return mem->err;
        w = realloc(mem->infos, nc * sizeof *w);
        if (!w) {
            mem->bytes -= (nc - mem->infocap) * sizeof *w;
            return mem->err = RS_ENOMEM;
        }
        mem->infos = w;
        mem->infocap = nc;
    }
    if ((mem->nhh + 1) * 2 <= oldn)
        return RS_OK;
    n = oldn ? oldn * 2 : 1024;
    v = table_alloc(mem, n, sizeof *v);
    if (!v)
        return mem->err;
    mem->hh = v;
    mem->hhmask = n - 1;
    /* Every household is distinct: each goes to the first empty slot. */
    for (size_t i = 0; i < oldn; i++) {
        size_t j;

        if (!old[i].hash)
            continue;
        for (j = (size_t)old[i].hash & mem->hhmask; v[j].hash; j = (j + 1) & mem->hhmask)
            ;
        v[j] = old[i];
    }
    mem->bytes -= oldn * sizeof *v;
    table_free(old, oldn, sizeof *v);
    return RS_OK;
}

/* A repeated relief record's later amount replaces the earlier in the sums. */
static void adjust(struct fold *fd, size_t k, int64_t old_fen, bool old_delivered,
                   int64_t fen, bool delivered)
{
    fd->fen += fen - old_fen;
    fd->kind_fen[k] += fen - old_fen;
    if (old_delivered)
        fd->delivered--;
    if (delivered)
        fd->delivered++;
}

/*
 * Sums a relief record that has a household_ref into its division's fold
 * and notes its household (everything the evaluation needs of it: the
 * checker has nothing to say about a relief record with a household_ref).
 * A repeat of a natural key already folded replaces that record's amount.
 */
static rs_status fold_relief(struct rs_eval_dataset *ds, const struct rs_eval_relief_fields *rf)
{
    struct rs_eval_mem *mem = ds->mem;
    const char *div = rf->division.p ? rf->division.p : "";
    size_t k = rf->has_kind && rf->kind >= 0 && rf->kind < RS_EVAL_NRKIND ? (size_t)rf->kind : 0;
    size_t f = fold_get(mem, div, rf->division.n);
    int64_t fen = rf->has_amount_fen ? rf->amount_fen : 0;
    struct fold *fd;
    struct hh_ent *e;
    struct hh_info *hi;
    uint64_t h, nh;
    uint32_t nh2;
    uint32_t date = rf->has_paid_date ? rf->paid_date : 0;
    bool keyed = rf->has_kind && rf->kind > 0 && rf->kind <= UINT8_MAX;
    bool delivered = rf->has_paid_date && fen > 0;

    if (f == SIZE_MAX || hh_room(mem) != RS_OK)
        return mem->err ? mem->err : RS_ENOMEM;
    fd = &mem->folds[f];
    h = hash_mix(hash_bytes(rf->household_ref.p, rf->household_ref.n) ^
                 ((uint64_t)f * 0x9e3779b97f4a7c15u)) | 1;
    e = &mem->hh[hh_slot(mem, h, (uint32_t)f, &rf->household_ref)];
    if (!e->hash) {
        const char *ref = key_copy(mem, rf->household_ref.p, rf->household_ref.n);

        if (!ref)
            return mem->err ? mem->err : RS_ENOMEM;
        hi = &mem->infos[mem->nhh];
        hi->ref = ref;
        hi->fold = (uint32_t)f;
        hi->kinds = 0;
        hi->first_kind = keyed ? (uint8_t)rf->kind : 0;
        hi->first_date = date;
        hi->first_fen = fen;
        hi->first_delivered = delivered;
        e->hash = h;
        e->fold = (uint32_t)f;
        e->info = (uint32_t)mem->nhh++;
    } else {
        hi = &mem->infos[e->info];
        if (keyed && hi->first_kind == (uint8_t)rf->kind && hi->first_date == date) {
            /* The household's first record again: the later amount counts. */
            note_repeat(ds, div, rf->division.n, RS__RECORD__BODY_RELIEF, hi->first_fen == fen,
                        relief_label, rf);
            adjust(fd, k, hi->first_fen, hi->first_delivered, fen, delivered);
            hi->first_fen = fen;
            hi->first_delivered = delivered;
            return RS_OK;
        }
        if (keyed) {
            struct nk_ent *ne;

            nk_relief(rf, &nh, &nh2);
            if (nk_room(mem) != RS_OK)
                return mem->err ? mem->err : RS_ENOMEM;
            ne = &mem->nk[nk_slot(mem, nh, nh2)];
            if (ne->h) {
                /* Another record of the household again. */
                note_repeat(ds, div, rf->division.n, RS__RECORD__BODY_RELIEF, ne->v == fen,
                            relief_label, rf);
                adjust(fd, k, ne->v, (ne->at & NK_DELIVERED) != 0, fen, delivered);
                ne->v = fen;
                ne->at = (ne->at & ~NK_DELIVERED) | (delivered ? NK_DELIVERED : 0);
                return RS_OK;
            }
            ne->h = nh;
            ne->h2 = nh2;
            ne->at = (uint32_t)f | NK_FOLDED | (delivered ? NK_DELIVERED : 0);
            ne->v = fen;
            mem->nnk++;
        }
    }
    hi->kinds = (uint8_t)(hi->kinds | 1u << k);
    fd->n++;
    fd->fen += fen;
    fd->kind_fen[k] += fen;
    if (delivered)
        fd->delivered++;
    ds->folded++;
    return RS_OK;
}

/* The fields fold_relief reads, from an unpacked record. */
static void relief_fields(const Rs__Record *r, struct rs_eval_relief_fields *f)
{
    const Rs__Relief *rl = r->relief;

    memset(f, 0, sizeof *f);
    f->id.p = r->id;
    f->id.n = r->id ? strlen(r->id) : 0;
    f->division.p = r->division_code;
    f->division.n = r->division_code ? strlen(r->division_code) : 0;
    f->has_division = r->division_code != NULL;
    f->has_year = r->has_year;
    f->year = r->year;
    f->household_ref.p = rl->household_ref;
    f->household_ref.n = rl->household_ref ? strlen(rl->household_ref) : 0;
    f->has_household_ref = rl->household_ref != NULL;
    f->has_kind = rl->has_kind;
    f->kind = (int32_t)rl->kind;
    f->has_amount_fen = rl->has_amount_fen;
    f->amount_fen = rl->amount_fen;
    f->has_paid_date = rl->has_paid_date;
    f->paid_date = rl->paid_date;
}

/* ------------------------------------------------------------ dataset */

static const struct rs_eval_list no_records;

const struct rs_eval_list *rs_eval_dataset_of(const struct rs_eval_dataset *ds,
                                              Rs__Record__BodyCase body)
{
    if ((unsigned)body >= RS_EVAL_NBODY)
        return &no_records;
    return &ds->by_body[body];
}

rs_status rs_eval_dataset_new(uint32_t year, struct rs_eval_dataset **out)
{
    struct rs_eval_dataset *ds = calloc(1, sizeof *ds);
    struct rs_eval_mem *mem = calloc(1, sizeof *mem);

    *out = NULL;
    if (!ds || !mem) {
        free(ds);
        free(mem);
        return RS_ENOMEM;
    }
    ds->year = year;
    ds->max_bytes = RS_EVAL_MAX_BYTES;
    ds->mem = mem;
    mem->ds = ds;
    mem->flast = SIZE_MAX;
    mem->alloc.alloc = unpack_alloc;
    mem->alloc.free = unpack_free;
    mem->alloc.allocator_data = mem;
    *out = ds;
    return RS_OK;
}

void rs_eval_dataset_free(struct rs_eval_dataset *ds)
{
    if (!ds)
        return;
    if (ds->mem) {
        arena_free(&ds->mem->recs);
        arena_free(&ds->mem->keys);
        free(ds->mem->folds);
        free(ds->mem->fslot);
        if (ds->mem->hh)
            table_free(ds->mem->hh, ds->mem->hhmask + 1, sizeof *ds->mem->hh);
        free(ds->mem->infos);
        if (ds->mem->nk)
            table_free(ds->mem->nk, ds->mem->nkmask + 1, sizeof *ds->mem->nk);
        free(ds->mem);
    }
    free(ds->repeats);
    for (size_t i = 0; i < RS_EVAL_NBODY; i++)
        free(ds->by_body[i].rec);
    free(ds->rec);
    free(ds->offices);
    free(ds);
}

/* The next capacity of an array of n records (doubling, at most
 * RS_EVAL_MAX_RECORDS), or 0 if it has room. */
static size_t next_cap(size_t n, size_t cap, size_t first)
{
    size_t nc;

    if (n < cap)
        return 0;
    nc = cap ? cap * 2 : first;
    return nc > RS_EVAL_MAX_RECORDS ? RS_EVAL_MAX_RECORDS : nc;
}

/* Room for one more record in ds->rec and in its body's list l. */
static rs_status make_room(struct rs_eval_dataset *ds, struct rs_eval_list *l)
{
    size_t nc = next_cap(ds->n, ds->cap, 256);

    if (nc) {
        Rs__Record **v = realloc(ds->rec, nc * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        ds->rec = v;
        ds->cap = nc;
    }
    nc = next_cap(l->n, l->cap, 16);
    if (nc) {
        const Rs__Record **v = realloc(l->rec, nc * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        l->rec = v;
        l->cap = nc;
    }
    return RS_OK;
}

rs_status rs_eval_dataset_add_packed(struct rs_eval_dataset *ds, const uint8_t *body, size_t len)
{
    struct rs_eval_mem *mem = ds->mem;
    struct arena_mark m = arena_mark(&mem->recs);
    struct rs_eval_list *l;
    struct nk_ent *e = NULL;
    struct rs_eval_relief_fields rf;
    uint64_t nh = 0;
    uint32_t nh2 = 0;
    Rs__Record *r;
    rs_status rv;

    mem->err = RS_OK;
    /* A relief record with a household is folded straight from its bytes
     * when its encoding is the plain one (rs_eval_peek.c). */
    if (rs_eval_relief_peek(body, len, &rf) && rf.has_year && rf.year == ds->year &&
        rf.household_ref.n > 0) {
        if (ds->n + ds->folded >= RS_EVAL_MAX_RECORDS)
            return RS_ETOOBIG;
        return fold_relief(ds, &rf);
    }
    r = rs__record__unpack(&mem->alloc, len, body);
    if (!r) {
        rv = mem->err ? mem->err : RS_EINVAL;
        goto fail;
    }
    if (!r->has_year || r->year != ds->year || r->body_case == RS__RECORD__BODY__NOT_SET ||
        (unsigned)r->body_case >= RS_EVAL_NBODY) {
        ds->ignored++;
        arena_rewind(mem, &mem->recs, &m);
        return RS_OK;
    }
    rv = RS_ETOOBIG;
    if (ds->n + ds->folded >= RS_EVAL_MAX_RECORDS)
        goto fail;
    if (r->body_case == RS__RECORD__BODY_RELIEF && r->relief->household_ref &&
        r->relief->household_ref[0]) {
        relief_fields(r, &rf);
        rv = fold_relief(ds, &rf);
        arena_rewind(mem, &mem->recs, &m);
        return rv;
    }
    l = &ds->by_body[r->body_case];
    if (is_township_type(r->body_case) && nk_of(r, &nh, &nh2)) {
        rv = nk_room(mem);
        if (rv)
            goto fail;
        e = &mem->nk[nk_slot(mem, nh, nh2)];
        if (e->h) {
            /* Takes the place of the earlier record of the same key (a
             * kept key is never a folded one: folded records are relief
             * with a household_ref, kept relief has none). */
            note_repeat(ds, r->division_code ? r->division_code : "",
                        r->division_code ? strlen(r->division_code) : 0, r->body_case,
                        same_content(ds->rec[e->at & NK_AT], r), record_label, r);
            ds->rec[e->at & NK_AT] = r;
            l->rec[e->v] = r;
            return RS_OK;
        }
    }
    rv = make_room(ds, l);
    if (rv)
        goto fail;
    if (e) {
        e->h = nh;
        e->h2 = nh2;
        e->at = (uint32_t)ds->n;
        e->v = (int64_t)l->n;
        mem->nnk++;
    }
    ds->rec[ds->n++] = r;
    l->rec[l->n++] = r;
    return RS_OK;
fail:
    arena_rewind(mem, &mem->recs, &m);
    return rv;
}

rs_status rs_eval_dataset_add(struct rs_eval_dataset *ds, const Rs__Record *r)
{
    uint8_t small[1024], *buf = small;
    size_t len;
    rs_status rv;

    if (!r)
        return RS_EINVAL;
    len = rs__record__get_packed_size(r);
    if (len > sizeof small) {
        buf = malloc(len);
        if (!buf)
            return RS_ENOMEM;
    }
    rs__record__pack(r, buf);
    rv = rs_eval_dataset_add_packed(ds, buf, len);
    if (buf != small)
        free(buf);
    return rv;
}

rs_status rs_eval_dataset_take(struct rs_eval_dataset *ds, Rs__Record *r)
{
    rs_status rv = rs_eval_dataset_add(ds, r);

    if (rv == RS_OK)
        rs__record__free_unpacked(r, NULL);
    return rv;
}

size_t rs_eval_dataset_bytes(const struct rs_eval_dataset *ds)
{
    return ds->mem->bytes;
}

rs_status rs_eval_dataset_office(struct rs_eval_dataset *ds, const char *code, const char *name)
{
    struct rs_eval_office *o;

    if (!code || !name)
        return RS_EINVAL;
    if (ds->noffices == RS_EVAL_MAX_OFFICES)
        return RS_ETOOBIG;
    if (ds->noffices == ds->offcap) {
        size_t cap = ds->offcap ? ds->offcap * 2 : 16;
        struct rs_eval_office *v = realloc(ds->offices, cap * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        ds->offices = v;
        ds->offcap = cap;
    }
    o = &ds->offices[ds->noffices++];
    rs_eval_copy(o->code, sizeof o->code, code);
    rs_eval_copy(o->name, sizeof o->name, name);
    return RS_OK;
}

const char *rs_eval_division_name(const struct rs_eval_dataset *ds, const char *code)
{
    for (size_t i = 0; i < ds->noffices; i++) {
        if (strcmp(ds->offices[i].code, code) == 0)
            return ds->offices[i].name;
    }
    return code;
}

/* ------------------------------------------------------------ helpers */

/* Drops a UTF-8 sequence cut short at the end of buf. */
void rs_eval_utf8_trim(char *buf)
{
    size_t len = strlen(buf), i = len;

    while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0) {
        unsigned char lead = (unsigned char)buf[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;

        if (len - (i - 1) < need)
            buf[i - 1] = '\0';
    }
}

char *rs_eval_fmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (n == 0)
        return buf;
    va_start(ap, fmt);
    k = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (k < 0)
        buf[0] = '\0';
    else if ((size_t)k >= n)
        rs_eval_utf8_trim(buf);
    return buf;
}

void rs_eval_copy(char *dst, size_t n, const char *src)
{
    rs_eval_fmt(dst, n, "%s", src ? src : "");
}

const char *rs_eval_wan(int64_t fen, char out[40])
{
    char w[32];

    rs_money_wan(fen, w);
    snprintf(out, 40, "%s万元", w);
    return out;
}

const char *rs_eval_yuan(int64_t fen, char out[40])
{
    char w[32];

    rs_money_yuan(fen, w);
    snprintf(out, 40, "%s元", w);
    return out;
}

void rs_eval_pct(int64_t num, int64_t den, char out[32])
{
    rs_i128 a = (rs_i128)num * 10000, q;
    bool neg;
    uint64_t h;

    if (den <= 0) {
        snprintf(out, 32, "—");
        return;
    }
    neg = a < 0;
    if (neg)
        a = -a;
    q = (a * 2 + den) / ((rs_i128)den * 2); /* half away from zero */
    h = (uint64_t)q;
    snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64, neg && h ? "-" : "", h / 100, h % 100);
}

void rs_eval_rec_label(const Rs__Record *r, char *out, size_t outlen)
{
    const char *type = "记录", *key = NULL;

    switch (r->body_case) {
    case RS__RECORD__BODY_PROJECT:
        type = "项目";
        key = r->project->project_id;
        break;
    case RS__RECORD__BODY_SUBSIDY:
        type = "直补";
        key = r->subsidy->village;
        break;
    case RS__RECORD__BODY_TRAINING:
        type = "培训";
        key = r->training->batch_id;
        break;
    case RS__RECORD__BODY_RELIEF:
        type = "救助";
        key = r->relief->household_ref;
        break;
    case RS__RECORD__BODY_PETITION:
        type = "信访";
        key = r->petition->case_id;
        break;
    case RS__RECORD__BODY_SURVEY:
        type = "满意度调查";
        key = r->survey->survey_id;
        break;
    case RS__RECORD__BODY_UNIT_PROFILE:
        type = "单位概况";
        break;
    case RS__RECORD__BODY_STAFFING:
        type = "人员编制";
        break;
    case RS__RECORD__BODY_BUDGET_LINE:
        type = "预算行";
        key = rs_eval_line_name((size_t)r->budget_line->line);
        break;
    case RS__RECORD__BODY_SAN_GONG:
        type = "三公经费";
        key = rs_eval_sangong_name((size_t)r->san_gong->kind);
        break;
    case RS__RECORD__BODY_PROCUREMENT:
        type = "政府采购";
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        type = "结转结余";
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        type = "固定资产";
        break;
    case RS__RECORD__BODY_MANUAL_SCORE:
        type = "人工评分";
        key = r->manual_score->indicator;
        break;
    case RS__RECORD__BODY_STATED_FIGURE:
        type = "报告所载数字";
        key = r->stated_figure->key;
        break;
    default:
        break;
    }
    label_parts(out, outlen, type, key, key ? strlen(key) : 0, r->id, r->id ? strlen(r->id) : 0);
}

rs_status rs_eval_finding_add(struct rs_eval_result *res, enum rs_eval_sev sev,
                              const char *code, const char *division, const char *check,
                              const char *expected, const char *found, const char *where)
{
    struct rs_eval_finding *f;

    if (res->nfindings == RS_EVAL_MAX_FINDINGS) {
        res->findings_dropped++;
        return RS_OK;
    }
    if (res->nfindings == res->fcap) {
        size_t cap = res->fcap ? res->fcap * 2 : 32;
        struct rs_eval_finding *v = realloc(res->findings, cap * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        res->findings = v;
        res->fcap = cap;
    }
    f = &res->findings[res->nfindings++];
    f->sev = sev;
    rs_eval_copy(f->code, sizeof f->code, code ? code : "");
    rs_eval_copy(f->division, sizeof f->division, division ? division : "");
    rs_eval_copy(f->check, sizeof f->check, check ? check : "");
    rs_eval_copy(f->expected, sizeof f->expected, expected ? expected : "");
    rs_eval_copy(f->found, sizeof f->found, found ? found : "");
    rs_eval_copy(f->where, sizeof f->where, where ? where : "");
    return RS_OK;
}

/* ------------------------------------------------------------ figures */

static bool is_township_type(Rs__Record__BodyCase t)
{
    return t == RS__RECORD__BODY_PROJECT || t == RS__RECORD__BODY_SUBSIDY ||
           t == RS__RECORD__BODY_TRAINING || t == RS__RECORD__BODY_RELIEF ||
           t == RS__RECORD__BODY_PETITION || t == RS__RECORD__BODY_SURVEY;
}

static const char *div_of(const Rs__Record *r)
{
    return r->division_code ? r->division_code : "";
}

/* Division code -> index in res->towns, while the figures are built (the
 * towns are sorted only afterwards). */
struct town_map {
    uint32_t *slot;                    /* town index + 1; 0 is empty */
    size_t mask;                       /* slots - 1 */
    size_t tcap;                       /* capacity of res->towns */
    size_t last;                       /* the town found last, or SIZE_MAX */
};

static size_t town_slot(const struct town_map *m, const struct rs_eval_result *res,
                        const char *code, uint64_t h)
{
    size_t i = (size_t)h & m->mask;

    while (m->slot[i] && strcmp(res->towns[m->slot[i] - 1].code, code) != 0)
        i = (i + 1) & m->mask;
    return i;
}

static rs_status town_map_grow(struct town_map *m, const struct rs_eval_result *res)
{
    size_t n = m->slot ? (m->mask + 1) * 2 : 64;
    uint32_t *v = calloc(n, sizeof *v);

    if (!v)
        return RS_ENOMEM;
    free(m->slot);
    m->slot = v;
    m->mask = n - 1;
    for (size_t t = 0; t < res->ntowns; t++) {
        const char *code = res->towns[t].code;

        m->slot[town_slot(m, res, code, hash_mix(hash_str(code)))] =
            (uint32_t)(t + 1);
    }
    return RS_OK;
}

/* The index in res->towns of the town whose code is `code`, made if new;
 * SIZE_MAX if out of memory. */
static size_t town_get(struct rs_eval_result *res, struct town_map *m, const char *code)
{
    struct rs_eval_town *t;
    uint64_t h;
    size_t i;

    if (m->last != SIZE_MAX && strcmp(res->towns[m->last].code, code) == 0)
        return m->last;
    if ((!m->slot || (res->ntowns + 1) * 2 > m->mask + 1) && town_map_grow(m, res) != RS_OK)
        return SIZE_MAX;
    h = hash_mix(hash_str(code));
    i = town_slot(m, res, code, h);
    if (m->slot[i])
        return m->last = m->slot[i] - 1;
    if (res->ntowns == m->tcap) {
        size_t nc = m->tcap ? m->tcap * 2 : 16;
        struct rs_eval_town *v = realloc(res->towns, nc * sizeof *v);

        if (!v)
            return SIZE_MAX;
        res->towns = v;
        m->tcap = nc;
    }
    t = &res->towns[res->ntowns];
    memset(t, 0, sizeof *t);
    rs_eval_copy(t->code, sizeof t->code, code);
    rs_eval_copy(t->name, sizeof t->name, rs_eval_division_name(res->ds, code));
    m->slot[i] = (uint32_t)(res->ntowns + 1);
    return m->last = res->ntowns++;
}

static void add_qty(struct rs_eval_cat *c, const char *unit, int64_t milli)
{
    const char *u = unit ? unit : "";

    for (size_t i = 0; i < c->nqty; i++) {
        if (strcmp(c->qty[i].unit, u) == 0) {
            c->qty[i].milli += milli;
            return;
        }
    }
    if (c->nqty == RS_EVAL_MAX_QTY || strlen(u) >= sizeof c->qty[0].unit) {
        c->qty_other_milli += milli;
        return;
    }
    rs_eval_copy(c->qty[c->nqty].unit, sizeof c->qty[0].unit, u);
    c->qty[c->nqty].milli = milli;
    c->nqty++;
}

static void add_project(struct rs_eval_town *t, const Rs__Project *p)
{
    size_t cat = p->has_category && (size_t)p->category < RS_EVAL_NCAT ? (size_t)p->category : 0;
    struct rs_eval_cat *c = &t->cat[cat];
    bool done = p->has_stage && p->stage >= RS__PROJECT_STAGE__STAGE_COMPLETED;

    t->proj_n++;
    c->count++;
    if (p->has_scale_qty_milli)
        add_qty(c, p->scale_unit, p->scale_qty_milli);
    c->planned_fen += p->planned_investment_fen;
    c->completed_fen += p->completed_investment_fen;
    c->paid_fen += p->paid_fen;
    t->proj_planned_fen += p->planned_investment_fen;
    t->proj_completed_fen += p->completed_investment_fen;
    t->proj_paid_fen += p->paid_fen;
    if (p->has_allocated_fen) {
        t->proj_allocated_n++;
        t->proj_allocated_fen += p->allocated_fen;
        t->proj_alloc_paid_fen += p->paid_fen;
    }
    if (!done)
        return;
    t->proj_completed++;
    if (p->has_actual_end && p->has_planned_end) {
        if (p->actual_end <= p->planned_end)
            t->proj_on_time++;
    } else {
        t->proj_no_dates++;
    }
    if (p->has_acceptance_result && p->acceptance_result == RS__ACCEPTANCE__ACCEPT_PASSED)
        t->proj_passed++;
    if (p->maintenance_owner && p->maintenance_owner[0])
        t->proj_maint++;
}

/* The due amount of a payout: as stated, else persons x standard x months / 12
 * (rounded down; rs_eval_check.c reports a due that is not whole fen). */
static bool subsidy_due(const Rs__SubsidyPayout *s, int64_t *due)
{
    if (s->has_amount_due_fen) {
        *due = s->amount_due_fen;
        return true;
    }
    if (s->has_persons_paid && s->has_standard_fen_per_year && s->has_months) {
        *due = (int64_t)s->persons_paid * s->standard_fen_per_year * (int64_t)s->months / 12;
        return true;
    }
    return false;
}

static void add_subsidy(struct rs_eval_town *t, const Rs__SubsidyPayout *s)
{
    int64_t due = 0;
    bool has_due = subsidy_due(s, &due);

    t->sub_n++;
    t->sub_persons += s->persons_paid;
    t->sub_due_fen += due;
    t->sub_paid_fen += s->amount_paid_fen;
    if (has_due && s->has_amount_paid_fen && s->amount_paid_fen >= due && s->has_paid_date &&
        s->has_due_date && s->paid_date <= s->due_date)
        t->sub_ok++;
}

static void add_training(struct rs_eval_town *t, const Rs__Training *tr)
{
    t->tr_cost_fen += tr->cost_fen;
    if (tr->has_type && tr->type == RS__TRAINING_TYPE__TRAIN_SELF) {
        t->tr_self_n++;
        t->tr_self_persons += tr->subsidy_persons;
        t->tr_self_paid_fen += tr->has_subsidy_total_fen ? tr->subsidy_total_fen : tr->cost_fen;
        return;
    }
    t->tr_n++;
    t->tr_trainees += tr->trainees;
    t->tr_certified += tr->certified;
    if (tr->has_planned_trainees) {
        t->tr_planned += tr->planned_trainees;
        t->tr_planned_trainees += tr->trainees;
    } else {
        t->tr_no_plan++;
    }
}

static void add_relief(struct rs_eval_town *t, const Rs__Relief *r)
{
    size_t k = r->has_kind && (size_t)r->kind < RS_EVAL_NRKIND ? (size_t)r->kind : 0;

    t->rl_n++;
    t->rl_fen += r->amount_fen;
    t->rl_kind_fen[k] += r->amount_fen;
    if (r->has_paid_date && r->amount_fen > 0)
        t->rl_delivered++;
}

static void add_petition(struct rs_eval_town *t, const Rs__Petition *p)
{
    t->pt_n++;
    if (p->has_status && p->status == RS__PETITION_STATUS__PST_CLOSED)
        t->pt_closed++;
    if (p->has_status && p->status == RS__PETITION_STATUS__PST_REPEAT)
        t->pt_repeat++;
    if (p->has_level && p->level >= RS__PETITION_LEVEL__PLV_DISTRICT)
        t->pt_above += p->has_visitors ? p->visitors : 1;
}

static void add_survey(struct rs_eval_town *t, const Rs__Survey *s)
{
    t->sv_n++;
    t->sv_sample += s->sample_size;
    t->sv_valid += s->valid;
    t->sv_satisfied += s->satisfied;
    t->sv_basic += s->basically_satisfied;
    t->sv_dissatisfied += s->dissatisfied;
}

static void add_town(struct rs_eval_town *t, const Rs__Record *r)
{
    t->records++;
    switch (r->body_case) {
    case RS__RECORD__BODY_PROJECT:
        add_project(t, r->project);
        break;
    case RS__RECORD__BODY_SUBSIDY:
        add_subsidy(t, r->subsidy);
        break;
    case RS__RECORD__BODY_TRAINING:
        add_training(t, r->training);
        break;
    case RS__RECORD__BODY_RELIEF:
        add_relief(t, r->relief);
        break;
    case RS__RECORD__BODY_PETITION:
        add_petition(t, r->petition);
        break;
    case RS__RECORD__BODY_SURVEY:
        add_survey(t, r->survey);
        break;
    default:
        break;
    }
}

/* A relief record kept in the dataset has no household_ref (the others are
 * folded, see fold_relief): it cannot be matched to any other, so it counts
 * as its own household (the checker reports it). */
static void own_household(struct rs_eval_result *res, struct rs_eval_town *t, const Rs__Relief *rl)
{
    size_t kind = rl->has_kind && (size_t)rl->kind < RS_EVAL_NRKIND ? (size_t)rl->kind : 0;

    res->total.rl_households++;
    t->rl_households++;
    res->total.rl_kind_households[kind]++;
    t->rl_kind_households[kind]++;
}

/* Adds the folded relief records of every division in scope: their sums
 * and their distinct households. */
static rs_status add_folds(struct rs_eval_result *res, struct town_map *map)
{
    const struct rs_eval_mem *mem = res->ds->mem;
    size_t *town = NULL;

    if (mem->nfolds == 0)
        return RS_OK;
    town = malloc(mem->nfolds * sizeof *town);
    if (!town)
        return RS_ENOMEM;
    for (size_t f = 0; f < mem->nfolds; f++) {
        const struct fold *fd = &mem->folds[f];

        town[f] = SIZE_MAX;
        if (fd->n == 0 || (res->is_township && strcmp(fd->division, res->division) != 0))
            continue;
        town[f] = town_get(res, map, fd->division);
        if (town[f] == SIZE_MAX) {
            free(town);
            return RS_ENOMEM;
        }
        for (int pass = 0; pass < 2; pass++) {
            struct rs_eval_town *t = pass ? &res->total : &res->towns[town[f]];

            t->records += fd->n;
            t->rl_n += fd->n;
            t->rl_fen += fd->fen;
            t->rl_delivered += fd->delivered;
            for (size_t k = 0; k < RS_EVAL_NRKIND; k++)
                t->rl_kind_fen[k] += fd->kind_fen[k];
        }
        res->nrecords += fd->n;
    }
    for (size_t i = 0; i < mem->nhh; i++) {
        const struct hh_info *e = &mem->infos[i];
        struct rs_eval_town *t;

        if (town[e->fold] == SIZE_MAX)
            continue;
        t = &res->towns[town[e->fold]];
        res->total.rl_households++;
        t->rl_households++;
        for (size_t k = 0; k < RS_EVAL_NRKIND; k++) {
            if (e->kinds & (1u << k)) {
                res->total.rl_kind_households[k]++;
                t->rl_kind_households[k]++;
            }
        }
    }
    free(town);
    return RS_OK;
}

static rs_status dup_finding(struct rs_eval_result *res, const Rs__Record *old,
                             const Rs__Record *r)
{
    char a[96], b[96], w[200];

    rs_eval_rec_label(old, a, sizeof a);
    rs_eval_rec_label(r, b, sizeof b);
    return rs_eval_finding_add(res, RS_SEV_WARNING, "record.duplicate", "",
                               "同一单位级数据只应有一条当前记录", "1条",
                               "2条或以上（采用后一条）", RS_SF(w, "%s；%s", a, b));
}

static rs_status add_unit(struct rs_eval_result *res, const Rs__Record *r)
{
    struct rs_eval_unit *u = &res->unit;
    const Rs__Record **slot = NULL;

    switch (r->body_case) {
    case RS__RECORD__BODY_UNIT_PROFILE:
        slot = &u->profile;
        break;
    case RS__RECORD__BODY_STAFFING:
        slot = &u->staffing;
        break;
    case RS__RECORD__BODY_PROCUREMENT:
        slot = &u->procurement;
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        slot = &u->carry;
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        slot = &u->assets;
        break;
    case RS__RECORD__BODY_BUDGET_LINE: {
        size_t k = r->budget_line->has_line ? (size_t)r->budget_line->line : 0;

        if (k == 0 || k >= RS_EVAL_NLINES) {
            char w[96];

            rs_eval_rec_label(r, w, sizeof w);
            return rs_eval_finding_add(res, RS_SEV_WARNING, "budget.line_kind", "",
                                       "预算行须注明类别", "人员经费/公用经费/项目支出等",
                                       "未注明（未计入）", w);
        }
        slot = &u->line[k].rec;
        break;
    }
    case RS__RECORD__BODY_SAN_GONG: {
        size_t k = r->san_gong->has_kind ? (size_t)r->san_gong->kind : 0;

        if (k == 0 || k >= RS_EVAL_NSANGONG) {
            char w[96];

            rs_eval_rec_label(r, w, sizeof w);
            return rs_eval_finding_add(res, RS_SEV_WARNING, "sangong.kind", "",
                                       "“三公”经费记录须注明类别", "出国/接待/购车/运行",
                                       "未注明（未计入）", w);
        }
        slot = &u->sg[k].rec;
        break;
    }
    default:
        return RS_OK;
    }
    if (*slot) {
        rs_status rv = dup_finding(res, *slot, r);

        if (rv)
            return rv;
    }
    *slot = r;
    return RS_OK;
}

static void unit_totals(struct rs_eval_unit *u)
{
    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        struct rs_eval_line *l = &u->line[k];
        const Rs__BudgetLine *b;

        if (!l->rec)
            continue;
        b = l->rec->budget_line;
        u->nlines++;
        l->year_start = b->year_start_fen;
        l->has_adjusted = b->has_adjusted_fen;
        l->adjusted = b->has_adjusted_fen ? b->adjusted_fen : b->year_start_fen;
        l->final = b->final_fen;
        l->transfer = b->higher_transfer_fen;
        l->has_key = b->has_key_fen;
        l->key = b->key_fen;
        u->ys_total += l->year_start;
        u->adj_total += l->adjusted;
        u->final_total += l->final;
        u->transfer_total += l->transfer;
        if (k == RS__BUDGET_LINE_KIND__LINE_PERSONNEL || k == RS__BUDGET_LINE_KIND__LINE_PUBLIC) {
            u->basic_ys += l->year_start;
            u->basic_adj += l->adjusted;
            u->basic_final += l->final;
        }
    }
    u->sg_has_prev = true;
    for (size_t k = 1; k < RS_EVAL_NSANGONG; k++) {
        struct rs_eval_sangong *s = &u->sg[k];
        const Rs__SanGong *g;

        if (!s->rec)
            continue;
        g = s->rec->san_gong;
        u->nsg++;
        s->budget = g->budget_fen;
        s->final = g->final_fen;
        s->prev_budget = g->prev_budget_fen;
        s->has_prev_budget = g->has_prev_budget_fen;
        u->sg_budget += s->budget;
        u->sg_final += s->final;
        u->sg_prev_budget += s->prev_budget;
        if (!s->has_prev_budget)
            u->sg_has_prev = false;
    }
    if (u->nsg == 0)
        u->sg_has_prev = false;
}

static int town_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rs_eval_town *)a)->code, ((const struct rs_eval_town *)b)->code);
}

static rs_status build_figures(struct rs_eval_result *res)
{
    const struct rs_eval_dataset *ds = res->ds;
    struct town_map map = {NULL, 0, 0, SIZE_MAX};
    rs_status rv = RS_ENOMEM;

    snprintf(res->total.name, sizeof res->total.name, "合计");
    for (size_t i = 0; i < ds->n; i++) {
        const Rs__Record *r = ds->rec[i];

        if (is_township_type(r->body_case)) {
            size_t t;

            if (res->is_township && strcmp(div_of(r), res->division) != 0)
                continue;
            t = town_get(res, &map, div_of(r));
            rv = RS_ENOMEM;
            if (t == SIZE_MAX)
                goto out;
            add_town(&res->towns[t], r);
            add_town(&res->total, r);
            if (r->body_case == RS__RECORD__BODY_RELIEF)
                own_household(res, &res->towns[t], r->relief);
            res->nrecords++;
        } else if (!res->is_township) {
            rv = add_unit(res, r);
            if (rv)
                goto out;
            res->nrecords++;
        }
    }
    rv = add_folds(res, &map);
    if (rv)
        goto out;
    rv = RS_ENOMEM;
    if (res->is_township && res->ntowns == 0 && town_get(res, &map, res->division) == SIZE_MAX)
        goto out;
    if (res->ntowns > 1)
        qsort(res->towns, res->ntowns, sizeof *res->towns, town_cmp);
    unit_totals(&res->unit);
    rv = RS_OK;
out:
    free(map.slot);
    return rv;
}

const struct rs_eval_town *rs_eval_town_find(const struct rs_eval_result *res,
                                             const char *division)
{
    for (size_t i = 0; i < res->ntowns; i++) {
        if (strcmp(res->towns[i].code, division) == 0)
            return &res->towns[i];
    }
    return NULL;
}

/* ------------------------------------------------------------ run */

void rs_eval_result_free(struct rs_eval_result *res)
{
    if (!res)
        return;
    free(res->towns);
    free(res->findings);
    free(res);
}

rs_status rs_eval_run(const struct rs_eval_dataset *ds, const struct rs_framework *fw,
                      const char *division, struct rs_eval_result **out)
{
    struct rs_eval_result *res = calloc(1, sizeof *res);
    rs_status rv = RS_ENOMEM;

    *out = NULL;
    if (!res)
        return RS_ENOMEM;
    res->ds = ds;
    res->fw = fw;
    res->year = ds->year;
    res->grade = rs_eval_grade(0);
    if (division && *division) {
        res->is_township = true;
        rs_eval_copy(res->division, sizeof res->division, division);
    }
    rv = build_figures(res);
    if (rv)
        goto out;
    if (!res->is_township) {
        rv = rs_eval_score_items(res);
        if (rv)
            goto out;
        rs_eval_all_formulas(res);
    }
    rv = rs_eval_check_all(res);
    if (rv)
        goto out;
    *out = res;
    res = NULL;
out:
    rs_eval_result_free(res);
    return rv;
}

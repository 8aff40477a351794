/*
 * rs_eval_hash.h - the hashes the evaluation's tables use.  Private to
 * server/eval/: the natural-key table (rs_eval_keys.c), the relief fold's
 * division and household tables (rs_eval_fold.c) and the township map
 * (rs_eval_town.c).
 *
 * FNV-1a over bytes, and a finaliser that spreads its bits over the low
 * ones a table index takes.  Inline, since each runs once per record in
 * loops over millions of them.  Not keyed: the tables hold records the
 * server already accepted from authenticated offices, and a table's probe
 * stays bounded by its load factor whatever the keys.
 *
 * Does not: hash anything for security (rs_util.h has SHA-256 and HMAC).
 */
#ifndef RS_EVAL_HASH_H
#define RS_EVAL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RS_EVAL_FNV_OFFSET 0xcbf29ce484222325u
#define RS_EVAL_FNV_PRIME 0x100000001b3u

/* FNV-1a of p[0..n). */
static inline uint64_t rs_eval_hash_bytes(const char *p, size_t n)
{
    uint64_t h = RS_EVAL_FNV_OFFSET;

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= RS_EVAL_FNV_PRIME;
    }
    return h;
}

/* FNV-1a of the NUL-terminated s. */
static inline uint64_t rs_eval_hash_str(const char *s)
{
    return rs_eval_hash_bytes(s, strlen(s));
}

/* Spreads the bits of h over the low bits a table index takes. */
static inline uint64_t rs_eval_hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

/* Whether the NUL-terminated s holds exactly the bytes p[0..n). */
static inline bool rs_eval_same_bytes(const char *s, const char *p, size_t n)
{
    return strncmp(s, p, n) == 0 && s[n] == '\0';
}

#endif

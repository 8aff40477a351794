/*
 * rs_util.h - small helpers both ends need: dates, UUIDs, hashing, UTF-8,
 * money and decimal parsing.
 *
 * Dates are uint32 YYYYMMDD.  Money is int64 fen.  Hashes are SHA-256
 * (OpenSSL libcrypto).  All functions are pure except rs_uuid_random,
 * rs_uuid_v7 and rs_random_bytes, which read the kernel's CSPRNG, and the
 * clocks.
 *
 * Does not: allocate, log, or touch the network or database.
 */
#ifndef RS_UTIL_H
#define RS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_status.h"

#define RS_UUID_LEN 36          /* 8-4-4-4-12, lower-case hex */
#define RS_SHA256_LEN 32
#define RS_SHA256_HEX 64

/* True if d is a real calendar date YYYYMMDD with 1900 <= YYYY <= 2100. */
bool rs_date_valid(uint32_t d);

/*
 * Parses "2023-04-15", "2023/4/15", "2023.4.15", "20230415" or
 * "2023年4月15日" into YYYYMMDD.  RS_EINVAL if not a valid calendar date.
 */
rs_status rs_date_parse(const char *s, uint32_t *out);

/* Formats YYYYMMDD as "YYYY-MM-DD" into out (>= 11 bytes). */
void rs_date_format(uint32_t d, char out[11]);

/* Days since 1970-01-01 of a valid YYYYMMDD date. */
int64_t rs_date_days(uint32_t d);

/* The YYYYMMDD date `days` days after 1970-01-01 (negative: before); the
 * inverse of rs_date_days.  Years 0000-9999. */
uint32_t rs_date_from_days(int64_t days);

/*
 * The calendar date (YYYYMMDD) of the instant `unix_s` (seconds since the
 * epoch) in China Standard Time, UTC+8 all year (no daylight saving), the
 * time of every office: deadlines and "submitted on" dates are days of it.
 */
uint32_t rs_date_cst(int64_t unix_s);

/* Fills out with n bytes from getrandom(2).  RS_EIO on failure. */
rs_status rs_random_bytes(void *out, size_t n);

/* A random version-4 UUID, NUL-terminated, into out (>= 37 bytes). */
rs_status rs_uuid_random(char out[RS_UUID_LEN + 1]);

/*
 * A name-based UUID (version 8, from SHA-256 of the name), so the same name
 * always gives the same id.  out >= 37 bytes.
 */
void rs_uuid_from_name(const void *name, size_t n, char out[RS_UUID_LEN + 1]);

/* What keeps the time-ordered UUIDs of one generator strictly increasing.
 * Zero-initialise it; the caller owns it. */
struct rs_uuid_clock {
    uint64_t last_ms;
    uint16_t counter;
};

/*
 * A time-ordered UUID (version 7, RFC 9562 method 1): 48 bits of Unix time
 * in milliseconds, a 12-bit counter, then 62 random bits.  Ids from one
 * clock strictly increase: within a millisecond the counter counts up from
 * a random start below 2048; when it would wrap, or when unix_ms is behind
 * the last id's time (the wall clock went back), the time is taken as one
 * millisecond past the last id's.  Ids made close together therefore sort
 * together, which keeps a B-tree index on them cheap to insert into.
 * unix_ms is the wall clock (rs_now_unix_ms()), passed in so tests can
 * drive it.  out >= 37 bytes.  RS_EIO if the random bytes are unavailable.
 */
rs_status rs_uuid_v7(struct rs_uuid_clock *clk, uint64_t unix_ms, char out[RS_UUID_LEN + 1]);

/*
 * True if s is a division code: 6 (district), 9 (township) or 12 (village)
 * ASCII digits and nothing else.  NULL is not.
 */
bool rs_division_code_valid(const char *s);

/* True if s is 36 chars of 8-4-4-4-12 hex (either case). */
bool rs_uuid_valid(const char *s);

/*
 * True if s is a UUID in the one form ids are compared in: rs_uuid_valid
 * and no upper-case letter ("0190a1b2-...", as rs_uuid_v7 writes them).
 * The server refuses a record whose id or supersedes is not (it never
 * folds case: the stored body is the bytes the client sent).
 */
bool rs_uuid_canonical(const char *s);

/* Lower-cases the ASCII letters of s in place (a UUID to its canonical form). */
void rs_uuid_canonicalize(char *s);

/* SHA-256 of p[0..n). */
void rs_sha256(const void *p, size_t n, uint8_t out[RS_SHA256_LEN]);

/*
 * A digest context for rs_sha256_with: one thread's, reused for every hash
 * it makes, so that hashing a record allocates, initializes and wipes no
 * context of its own.  NULL if OpenSSL cannot give one (rs_sha256_with then
 * hashes as rs_sha256 does).  Free with rs_sha256_ctx_free (NULL is fine).
 */
struct rs_sha256_ctx;
struct rs_sha256_ctx *rs_sha256_ctx_new(void);
void rs_sha256_ctx_free(struct rs_sha256_ctx *ctx);

/* SHA-256 of p[0..n), the same bytes as rs_sha256, with ctx (may be NULL). */
void rs_sha256_with(struct rs_sha256_ctx *ctx, const void *p, size_t n,
                    uint8_t out[RS_SHA256_LEN]);

/* Lower-case hex of n bytes into out (>= 2n+1 bytes). */
void rs_hex(const uint8_t *p, size_t n, char *out);

/* True if p[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool rs_utf8_valid(const char *p, size_t n);

/* Number of code points in a valid UTF-8 string. */
size_t rs_utf8_len(const char *p, size_t n);

/*
 * Appends s[0..n) to dst (cap bytes, holding a NUL-terminated string of
 * *len bytes), cut on a UTF-8 character boundary so that dst stays
 * NUL-terminated and never ends in part of a character; *len is updated.
 * Returns false if anything was cut.  cap 0 writes nothing.
 */
bool rs_utf8_append(char *dst, size_t cap, size_t *len, const char *s, size_t n);

/* The NUL-terminated s (NULL: "") into dst, cut on a character boundary as
 * rs_utf8_append cuts.  Returns false if anything was cut. */
bool rs_utf8_copy(char *dst, size_t cap, const char *s);

/*
 * Length of the blank that starts s[0..n) (rs_blank_len) or ends it
 * (rs_blank_len_back): 1 for an ASCII space, tab, CR or LF, 2 for NBSP,
 * 3 for U+3000 (the full-width space) or a BOM; 0 if there is none.
 */
size_t rs_blank_len(const char *s, size_t n);
size_t rs_blank_len_back(const char *s, size_t n);

/*
 * Parses a decimal amount of money into fen.  unit_fen is the value of one
 * unit of the input: 1 for fen, 100 for 元, 1000000 for 万元.  Accepts an
 * optional sign, thousands separators ("," between groups of three:
 * "1,234,567.5"; "1,5" and "12,34" are RS_EINVAL), and up to as many decimals as
 * the unit allows (万元 "158.93" -> 158930000 fen; 元 "6000.5" -> 600050).
 * Extra decimals that are not zero are RS_EINVAL: money is never rounded.
 */
rs_status rs_money_parse(const char *s, int64_t unit_fen, int64_t *fen);

/*
 * Formats fen as 万元 with two decimals, rounding half away from zero
 * (1 万元 = 1,000,000 fen): 158930000 -> "158.93", 4999 -> "0.00",
 * 5000 -> "0.01" (0.005万 rounds up), -5000 -> "-0.01".  out >= 32 bytes.
 */
void rs_money_wan(int64_t fen, char out[32]);

/* Formats fen as 元 with two decimals: 600000 -> "6000.00".  out >= 32. */
void rs_money_yuan(int64_t fen, char out[32]);

/*
 * fen with its unit, for a sentence: "668.41万元", or in 元 ("30.00元") when
 * 万元 with two decimals would print a figure that is not 0 as 0.00 (under
 * 0.005万元).  out >= 40 bytes; returns out.
 */
const char *rs_money_text(int64_t fen, char out[40]);

/*
 * Whether s[0..n) groups its digits in thousands with ",": no comma at all,
 * or one to three digits, then groups of exactly three ("1,234,567").
 * Every byte but ',' counts as a digit: the caller passes the run to judge.
 */
bool rs_thousands_valid(const char *s, size_t n);

/*
 * Parses a non-negative decimal with up to 3 decimals into thousandths:
 * "420" -> 420000, "1.5" -> 1500.  RS_EINVAL otherwise.
 */
rs_status rs_milli_parse(const char *s, int64_t *out);

/* Formats thousandths without trailing zeros: 1500 -> "1.5".  out >= 32. */
void rs_milli_format(int64_t v, char out[32]);

/* Parses an unsigned decimal integer that fits in uint32.  No sign, no junk. */
rs_status rs_u32_parse(const char *s, uint32_t *out);

/* Monotonic clock in milliseconds. */
uint64_t rs_now_ms(void);

/* Wall clock, seconds since the epoch. */
int64_t rs_now_unix(void);

/* Wall clock, milliseconds since the epoch. */
uint64_t rs_now_unix_ms(void);

#endif

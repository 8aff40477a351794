/*
 * rs_util.c - dates, UUIDs, SHA-256, UTF-8 and blanks, money and decimal parsing.
 *
 * See rs_util.h.  Money parsing works on the decimal digits directly and
 * never goes through floating point.
 */
#include "rs_util.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

static bool is_leap(uint32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static uint32_t days_in_month(uint32_t y, uint32_t m)
{
    static const uint8_t dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m == 2 && is_leap(y))
        return 29;
    return dm[m - 1];
}

bool rs_date_valid(uint32_t d)
{
    uint32_t y = d / 10000, m = d / 100 % 100, day = d % 100;

    if (y < 1900 || y > 2100 || m < 1 || m > 12 || day < 1)
        return false;
    return day <= days_in_month(y, m);
}

/* Reads 1..maxd ASCII digits; returns the count read, 0 if none. */
static size_t read_num(const char *s, size_t maxd, uint32_t *v)
{
    size_t i = 0;

    *v = 0;
    while (i < maxd && s[i] >= '0' && s[i] <= '9') {
        *v = *v * 10 + (uint32_t)(s[i] - '0');
        i++;
    }
    return i;
}

/* Skips one date separator: - / . or the UTF-8 of 年 or 月. */
static size_t skip_sep(const char *s)
{
    if (*s == '-' || *s == '/' || *s == '.')
        return 1;
    if (strncmp(s, "\xe5\xb9\xb4", 3) == 0 || strncmp(s, "\xe6\x9c\x88", 3) == 0)
        return 3;
    return 0;
}

rs_status rs_date_parse(const char *s, uint32_t *out)
{
    uint32_t y, m, d;
    size_t n, k;

    if (!s)
        return RS_EINVAL;
    while (*s == ' ')
        s++;
    n = read_num(s, 8, &y);
    if (n == 8 && (s[8] == '\0' || s[8] == ' ')) {
        if (!rs_date_valid(y))
            return RS_EINVAL;
        *out = y;
        return RS_OK;
    }
    if (n != 4)
        return RS_EINVAL;
    s += n;
    if (!(k = skip_sep(s)))
        return RS_EINVAL;
    s += k;
    if (!(n = read_num(s, 2, &m)))
        return RS_EINVAL;
    s += n;
    if (!(k = skip_sep(s)))
        return RS_EINVAL;
    s += k;
    if (!(n = read_num(s, 2, &d)))
        return RS_EINVAL;
    s += n;
    if (strncmp(s, "\xe6\x97\xa5", 3) == 0)   /* 日 */
        s += 3;
    while (*s == ' ')
        s++;
    if (*s != '\0')
        return RS_EINVAL;
    if (!rs_date_valid(y * 10000 + m * 100 + d))
        return RS_EINVAL;
    *out = y * 10000 + m * 100 + d;
    return RS_OK;
}

void rs_date_format(uint32_t d, char out[11])
{
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(d / 10000) % 10000u,
             (unsigned)(d / 100 % 100), (unsigned)(d % 100));
}

int64_t rs_date_days(uint32_t d)
{
    /* Howard Hinnant's days_from_civil. */
    int64_t y = d / 10000, m = d / 100 % 100, day = d % 100;
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

uint32_t rs_date_from_days(int64_t days)
{
    /* Howard Hinnant's civil_from_days. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    y += m <= 2;
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    return (uint32_t)(y * 10000 + m * 100 + d);
}

uint32_t rs_date_cst(int64_t unix_s)
{
    int64_t t = unix_s + 8 * 3600;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);

    return rs_date_from_days(days);
}

rs_status rs_random_bytes(void *out, size_t n)
{
    uint8_t *p = out;

    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);

        if (got < 0) {
            if (errno == EINTR)
                continue;
            return RS_EIO;
        }
        p += got;
        n -= (size_t)got;
    }
    return RS_OK;
}

static void uuid_format(const uint8_t b[16], char out[RS_UUID_LEN + 1])
{
    static const char hx[] = "0123456789abcdef";
    size_t i, o = 0;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[b[i] >> 4];
        out[o++] = hx[b[i] & 15];
    }
    out[o] = '\0';
}

rs_status rs_uuid_random(char out[RS_UUID_LEN + 1])
{
    uint8_t b[16];
    rs_status rc = rs_random_bytes(b, sizeof(b));

    if (rc)
        return rc;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
    return RS_OK;
}

void rs_uuid_from_name(const void *name, size_t n, char out[RS_UUID_LEN + 1])
{
    uint8_t h[RS_SHA256_LEN];

    rs_sha256(name, n, h);
    h[6] = (uint8_t)((h[6] & 0x0f) | 0x80);
    h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
    uuid_format(h, out);
}

rs_status rs_uuid_v7(struct rs_uuid_clock *clk, uint64_t unix_ms, char out[RS_UUID_LEN + 1])
{
    uint8_t b[16];
    uint64_t ms;
    unsigned ctr;
    rs_status rc = rs_random_bytes(b, sizeof(b));

    if (rc)
        return rc;
    if (clk->last_ms != 0 && unix_ms <= clk->last_ms && clk->counter < 0x0fff) {
        ms = clk->last_ms;
        ctr = clk->counter + 1u;
    } else {
        ms = clk->last_ms != 0 && unix_ms <= clk->last_ms ? clk->last_ms + 1 : unix_ms;
        ctr = (unsigned)(b[6] << 8 | b[7]) & 0x07ffu;
    }
    ms &= 0xffffffffffffULL;
    clk->last_ms = ms;
    clk->counter = (uint16_t)ctr;
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | (ctr >> 8));
    b[7] = (uint8_t)(ctr & 0xff);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
    return RS_OK;
}

bool rs_division_code_valid(const char *s)
{
    size_t n;

    if (!s)
        return false;
    n = strnlen(s, 13);
    if (n != 6 && n != 9 && n != 12)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

bool rs_uuid_valid(const char *s)
{
    size_t i;

    if (!s || strlen(s) != RS_UUID_LEN)
        return false;
    for (i = 0; i < RS_UUID_LEN; i++) {
        char c = s[i];

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                     (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

bool rs_uuid_canonical(const char *s)
{
    if (!rs_uuid_valid(s))
        return false;
    for (size_t i = 0; i < RS_UUID_LEN; i++)
        if (s[i] >= 'A' && s[i] <= 'F')
            return false;
    return true;
}

void rs_uuid_canonicalize(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/*
 * The digest is fetched once: OpenSSL 3's one-shot SHA256() looks it up on
 * every call, which cost half the time of hashing a record.
 */
void rs_sha256(const void *p, size_t n, uint8_t out[RS_SHA256_LEN])
{
    pthread_once(&sha256_once, sha256_fetch);
    if (!sha256_md || !EVP_Digest(p, n, out, NULL, sha256_md, NULL))
        SHA256(p, n, out);
}

/* The context is OpenSSL's own; the struct only gives it a name of ours. */
struct rs_sha256_ctx *rs_sha256_ctx_new(void)
{
    return (struct rs_sha256_ctx *)EVP_MD_CTX_new();
}

void rs_sha256_ctx_free(struct rs_sha256_ctx *ctx)
{
    EVP_MD_CTX_free((EVP_MD_CTX *)ctx);
}

/*
 * EVP_Digest makes, initializes, wipes and frees a context on every call:
 * on the server's loop thread that was about as much as hashing the
 * record's 115 bytes itself.
 */
void rs_sha256_with(struct rs_sha256_ctx *ctx, const void *p, size_t n,
                    uint8_t out[RS_SHA256_LEN])
{
    EVP_MD_CTX *md = (EVP_MD_CTX *)ctx;

    pthread_once(&sha256_once, sha256_fetch);
    if (!md || !sha256_md || !EVP_DigestInit_ex2(md, sha256_md, NULL) ||
        !EVP_DigestUpdate(md, p, n) || !EVP_DigestFinal_ex(md, out, NULL))
        rs_sha256(p, n, out);
}

void rs_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

bool rs_utf8_valid(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;

    while (i < n) {
        uint8_t c = p[i];
        size_t need;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

size_t rs_utf8_len(const char *s, size_t n)
{
    size_t i, cps = 0;

    for (i = 0; i < n; i++)
        if (((uint8_t)s[i] & 0xc0) != 0x80)
            cps++;
    return cps;
}

bool rs_utf8_append(char *dst, size_t cap, size_t *len, const char *s, size_t n)
{
    size_t room, k = n;

    if (cap == 0 || *len >= cap)
        return n == 0;
    room = cap - 1 - *len;
    if (k > room) {
        k = room;
        while (k > 0 && ((uint8_t)s[k] & 0xc0) == 0x80)
            k--;
    }
    memcpy(dst + *len, s, k);
    *len += k;
    dst[*len] = '\0';
    return k == n;
}

bool rs_utf8_copy(char *dst, size_t cap, const char *s)
{
    size_t len = 0;

    return rs_utf8_append(dst, cap, &len, s ? s : "", s ? strlen(s) : 0);
}

size_t rs_blank_len(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
        return 1;
    if (n >= 2 && memcmp(s, "\xc2\xa0", 2) == 0)
        return 2;
    if (n >= 3 && (memcmp(s, "\xe3\x80\x80", 3) == 0 || memcmp(s, "\xef\xbb\xbf", 3) == 0))
        return 3;
    return 0;
}

size_t rs_blank_len_back(const char *s, size_t n)
{
    if (n >= 1) {
        char c = s[n - 1];

        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            return 1;
    }
    if (n >= 2 && memcmp(s + n - 2, "\xc2\xa0", 2) == 0)
        return 2;
    if (n >= 3 && (memcmp(s + n - 3, "\xe3\x80\x80", 3) == 0 ||
                   memcmp(s + n - 3, "\xef\xbb\xbf", 3) == 0))
        return 3;
    return 0;
}

/*
 * Parses [sign] digits [. digits], scaling by 10^scale.  "," may group the
 * integer digits in thousands only (1,234,567: one to three digits, then
 * groups of exactly three), so "1,5" (a decimal comma) and "12,34" are
 * errors rather than 15 and 1234.  Non-zero digits past `scale` decimals
 * are an error.
 */
static rs_status parse_scaled(const char *s, unsigned scale, bool allow_neg,
                              int64_t *out)
{
    bool neg = false, any = false;
    int64_t v = 0;
    unsigned dec = 0;
    size_t run;

    if (!s)
        return RS_EINVAL;
    while (*s == ' ')
        s++;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        if (neg && !allow_neg)
            return RS_EINVAL;
        s++;
    }
    run = strspn(s, "0123456789,");
    if (!rs_thousands_valid(s, run))
        return RS_EINVAL;
    for (const char *end = s + run; s < end; s++) {
        if (*s == ',')
            continue;
        if (v > (INT64_MAX - 9) / 10)
            return RS_EINVAL;
        v = v * 10 + (*s - '0');
        any = true;
    }
    if (*s == '.') {
        s++;
        for (; *s >= '0' && *s <= '9'; s++) {
            any = true;
            if (dec < scale) {
                if (v > (INT64_MAX - 9) / 10)
                    return RS_EINVAL;
                v = v * 10 + (*s - '0');
                dec++;
            } else if (*s != '0') {
                return RS_EINVAL;
            }
        }
    }
    while (*s == ' ')
        s++;
    if (*s != '\0' || !any)
        return RS_EINVAL;
    for (; dec < scale; dec++) {
        if (v > INT64_MAX / 10)
            return RS_EINVAL;
        v *= 10;
    }
    *out = neg ? -v : v;
    return RS_OK;
}

rs_status rs_money_parse(const char *s, int64_t unit_fen, int64_t *fen)
{
    unsigned scale = 0;
    int64_t u = unit_fen;

    if (u <= 0)
        return RS_EINVAL;
    while (u > 1) {
        if (u % 10 != 0)
            return RS_EINVAL;
        u /= 10;
        scale++;
    }
    return parse_scaled(s, scale, true, fen);
}

/* Formats v / 10^shift with two decimals, rounding half away from zero. */
static void format_2dp(int64_t fen, int64_t div, char out[32])
{
    /* fen / div gives units; we want units with 2 decimals. */
    int64_t step = div / 100;              /* fen per 0.01 unit */
    uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    uint64_t hundredths = (a + (uint64_t)step / 2) / (uint64_t)step;

    if (step == 1)
        hundredths = a;
    snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64,
             fen < 0 && hundredths ? "-" : "", hundredths / 100, hundredths % 100);
}

void rs_money_wan(int64_t fen, char out[32])
{
    format_2dp(fen, 1000000, out);
}

void rs_money_yuan(int64_t fen, char out[32])
{
    format_2dp(fen, 100, out);
}

const char *rs_money_text(int64_t fen, char out[40])
{
    char w[32];

    rs_money_wan(fen, w);
    if (fen != 0 && strcmp(w, "0.00") == 0) {      /* rs_money_wan prints no "-0.00" */
        rs_money_yuan(fen, w);
        snprintf(out, 40, "%s元", w);
    } else {
        snprintf(out, 40, "%s万元", w);
    }
    return out;
}

bool rs_thousands_valid(const char *s, size_t n)
{
    size_t digits = 0;
    bool grouped = false;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != ',') {
            digits++;
            continue;
        }
        if (digits == 0 || (grouped && digits != 3) || (!grouped && digits > 3))
            return false;
        grouped = true;
        digits = 0;
    }
    return !grouped || digits == 3;
}

rs_status rs_milli_parse(const char *s, int64_t *out)
{
    return parse_scaled(s, 3, false, out);
}

void rs_milli_format(int64_t v, char out[32])
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t frac = a % 1000;
    int n = snprintf(out, 32, "%s%" PRIu64, v < 0 ? "-" : "", a / 1000);

    if (frac) {
        snprintf(out + n, (size_t)(32 - n), ".%03" PRIu64, frac);
        for (size_t i = strlen(out) - 1; out[i] == '0'; i--)
            out[i] = '\0';
    }
}

rs_status rs_u32_parse(const char *s, uint32_t *out)
{
    uint64_t v = 0;

    if (!s || !*s)
        return RS_EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return RS_EINVAL;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return RS_EINVAL;
    }
    *out = (uint32_t)v;
    return RS_OK;
}

uint64_t rs_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t rs_now_unix(void)
{
    return (int64_t)time(NULL);
}

uint64_t rs_now_unix_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

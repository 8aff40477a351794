/*
 * rs_keyed.c - keyed household references: a personal identifier becomes
 * "k1:" + the first 32 hex digits of HMAC-SHA256(district key, kind prefix
 * + normalized identifier), so a household can be followed across
 * townships and years without its ID-card number or its head's name ever
 * leaving the township (docs/security.md).
 *
 * Implements rs_rowmap_keyed_ref (declared in rs_rowmap.h, the client's CSV
 * intake, which calls it for relief's identifier columns).  Normalizing
 * first makes the same person give the same reference however the clerk
 * typed the number: blanks (ASCII, NBSP, U+3000, BOM) are removed
 * everywhere, ASCII letters upper-cased, and an old 15-digit ID-card number
 * is widened to its 18-digit form (century 19 and the GB 11643 check digit).
 * The kind prefix ("id:" or "name:") keeps a name from ever matching an ID.
 * Every buffer that held the identifier or the digest is wiped.
 *
 * Does not: read the district key from a file (client/main.c does), keep
 * the key, or decide which column is an identifier (the record-type table's
 * RS_FF_ID_CARD and RS_FF_HEAD_NAME rows do).
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rs_rowmap.h"
#include "rs_util.h"

#define IDENT_MAX 128   /* bytes of one normalized identifier */

/* The check digit of the first 17 digits of an 18-digit ID-card number (GB 11643). */
static char id_check_digit(const char *d17)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;

    for (int i = 0; i < 17; i++)
        sum += (d17[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/*
 * Normalizes an identifier into out (IDENT_MAX + 1 bytes): blanks (ASCII,
 * NBSP, U+3000, BOM) removed wherever they are, ASCII letters upper-cased;
 * for an ID card a 15-digit number of the old format is widened to its
 * 18-digit form (century 19 and the check digit).  False if nothing is
 * left, it is longer than IDENT_MAX, or it is not UTF-8.
 */
static bool normalize_ident(enum rs_ident_kind kind, const char *s, size_t n, char *out,
                            size_t *outlen)
{
    size_t i = 0, o = 0, k;

    if (!rs_utf8_valid(s, n))
        return false;
    while (i < n) {
        if ((k = rs_blank_len(s + i, n - i)) != 0) {
            i += k;
            continue;
        }
        if (o >= IDENT_MAX)
            return false;
        out[o++] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
        i++;
    }
    out[o] = '\0';
    if (o == 0)
        return false;
    if (kind == RS_IDENT_ID_CARD && o == 15 && all_digits(out, 15)) {
        char wide[19];

        memcpy(wide, out, 6);
        memcpy(wide + 6, "19", 2);
        memcpy(wide + 8, out + 6, 9);
        wide[17] = id_check_digit(wide);
        wide[18] = '\0';
        memcpy(out, wide, sizeof(wide));
        explicit_bzero(wide, sizeof(wide));
        o = 18;
    }
    *outlen = o;
    return true;
}

rs_status rs_rowmap_keyed_ref(const uint8_t key[RS_DISTRICT_KEY_LEN], enum rs_ident_kind kind,
                              const char *value, size_t n, char out[RS_KEYED_REF_LEN + 1])
{
    static const char hexd[] = "0123456789abcdef";
    char msg[16 + IDENT_MAX + 1];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const char *prefix = kind == RS_IDENT_ID_CARD ? "id:" : "name:";
    size_t plen = strlen(prefix), len = 0;

    out[0] = '\0';
    if (!key || !value || (kind != RS_IDENT_ID_CARD && kind != RS_IDENT_NAME))
        return RS_EINVAL;
    memcpy(msg, prefix, plen);
    if (!normalize_ident(kind, value, n, msg + plen, &len)) {
        explicit_bzero(msg, sizeof(msg));
        return RS_EINVAL;
    }
    if (!HMAC(EVP_sha256(), key, RS_DISTRICT_KEY_LEN, (const unsigned char *)msg, plen + len,
              md, &mdlen) || mdlen != 32) {
        explicit_bzero(msg, sizeof(msg));
        explicit_bzero(md, sizeof(md));
        return RS_EINTERNAL;
    }
    explicit_bzero(msg, sizeof(msg));
    memcpy(out, "k1:", 3);
    for (size_t i = 0; i < 16; i++) {
        out[3 + 2 * i] = hexd[md[i] >> 4];
        out[4 + 2 * i] = hexd[md[i] & 15];
    }
    out[RS_KEYED_REF_LEN] = '\0';
    explicit_bzero(md, sizeof(md));
    return RS_OK;
}

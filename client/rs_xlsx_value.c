/*
 * rs_xlsx_value.c - cell values of a workbook as text: the shortest decimal
 * of a stored double, percentages, Excel date serials in both date systems,
 * which number formats are dates or percentages, the _xHHHH_ escapes of
 * OOXML strings, and A1 cell names.
 *
 * Numbers: Excel stores a cell's number as the decimal text of an IEEE
 * double, e.g. "7.1641000000000005E2" for a sum the clerk sees as 716.41.
 * Excel keeps and shows 15 significant digits (typed input is cut to 15),
 * so the text we give is the double rounded to 15 significant digits by
 * printf (exact in glibc) with the zeros at its end dropped: the shortest
 * decimal that reads back as the double whenever one of 15 digits or fewer
 * does, and otherwise what Excel shows.  It is then written out in plain
 * notation, and a percentage is made by moving the decimal point, so no
 * binary arithmetic touches the digits.  Money is then parsed exactly from
 * that text by the row mapper, which refuses more decimals than the unit
 * allows.  strtod and printf run in the "C" locale (the client never calls
 * setlocale).
 *
 * Does not: read XML or zip data, or decide what a column means.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rs_xlsx_int.h"

#define NUM_TEXT_MAX 400     /* bytes of a number's text that we look at */

/* Copies v[0..n) without surrounding blanks into buf, if it looks like a decimal number. */
static bool number_copy(const char *v, size_t n, char buf[NUM_TEXT_MAX])
{
    while (n > 0 && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n' ||
                     v[n - 1] == '\r'))
        n--;
    if (n == 0 || n >= NUM_TEXT_MAX)
        return false;
    /* Only what an xsd:double may hold in decimal: no hex, inf or nan for strtod. */
    for (size_t i = 0; i < n; i++) {
        char c = v[i];

        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' ||
              c == 'E'))
            return false;
    }
    memcpy(buf, v, n);
    buf[n] = '\0';
    return true;
}

/* Parses v[0..n) as a finite double. */
static bool number_parse(const char *v, size_t n, double *d)
{
    char buf[NUM_TEXT_MAX], *end;

    if (!number_copy(v, n, buf))
        return false;
    *d = strtod(buf, &end);
    return *end == '\0' && end != buf && isfinite(*d);
}

rs_status rs_xlsx_number_text(const char *v, size_t n, bool percent, char *out, size_t outlen)
{
    char sci[40], digits[24];
    double d;
    size_t nd = 0, len = 0, need;
    long exp10, point;
    bool neg;

    if (outlen == 0)
        return RS_ETOOBIG;
    out[0] = '\0';
    if (!number_parse(v, n, &d))
        return RS_EINVAL;
    if (d == 0) {
        if (outlen < 3)
            return RS_ETOOBIG;
        memcpy(out, percent ? "0%" : "0", percent ? 3 : 2);
        return RS_OK;
    }
    /* Excel's 15 significant digits; the zeros at the end are dropped below. */
    snprintf(sci, sizeof(sci), "%.*e", RS_XLSX_DIGITS - 1, d);
    /* sci is "[-]D[.DDD]e[+-]XX". */
    {
        const char *p = sci;
        char *end;

        neg = *p == '-';
        if (neg)
            p++;
        for (; *p && *p != 'e'; p++) {
            if (*p >= '0' && *p <= '9' && nd < sizeof(digits) - 1)
                digits[nd++] = *p;
        }
        if (*p != 'e')
            return RS_EINTERNAL;
        exp10 = strtol(p + 1, &end, 10);
    }
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    if (percent)
        exp10 += 2;
    point = exp10 + 1;    /* digits before the decimal point */
    need = (neg ? 1 : 0) + (percent ? 1 : 0) +
           (point <= 0 ? 2 + (size_t)(-point) + nd : (size_t)point >= nd ? (size_t)point : nd + 1);
    if (need + 1 > outlen)
        return RS_ETOOBIG;
    if (neg)
        out[len++] = '-';
    if (point <= 0) {
        out[len++] = '0';
        out[len++] = '.';
        for (long i = 0; i < -point; i++)
            out[len++] = '0';
        memcpy(out + len, digits, nd);
        len += nd;
    } else if ((size_t)point >= nd) {
        memcpy(out + len, digits, nd);
        len += nd;
        for (size_t i = nd; i < (size_t)point; i++)
            out[len++] = '0';
    } else {
        memcpy(out + len, digits, (size_t)point);
        len += (size_t)point;
        out[len++] = '.';
        memcpy(out + len, digits + point, nd - (size_t)point);
        len += nd - (size_t)point;
    }
    if (percent)
        out[len++] = '%';
    out[len] = '\0';
    return RS_OK;
}

/* ---------------------------------------------------------------- dates */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    long era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long)yoe + era * 400 + (*m <= 2);
}

rs_status rs_xlsx_serial_text(const char *v, size_t n, enum rs_xf_class cls, bool date1904,
                              char out[32])
{
    double d;
    long day, y;
    long long secs;
    unsigned m, dd;

    out[0] = '\0';
    if (!number_parse(v, n, &d) || d < 0 || d > 3000000.0)
        return RS_EINVAL;
    if (cls == RS_XF_TIME) {
        secs = llround(d * 86400.0);
        snprintf(out, 32, "%02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60),
                 (int)(secs % 60));
        return RS_OK;
    }
    day = (long)floor(d);
    secs = llround((d - (double)day) * 86400.0);
    if (secs >= 86400) {
        day++;
        secs -= 86400;
    }
    if (date1904) {
        day += days_from_civil(1904, 1, 1);
    } else {
        /* Serial 1 is 1900-01-01; Excel counts a 1900-02-29 as serial 60. */
        if (day < 1 || day == 60)
            return RS_EINVAL;
        day += day < 60 ? days_from_civil(1899, 12, 31) : days_from_civil(1899, 12, 30);
    }
    civil_from_days(day, &y, &m, &dd);
    if (y < 1 || y > 9999 || m < 1 || m > 12 || dd < 1 || dd > 31)
        return RS_EINVAL;
    if (secs == 0)
        snprintf(out, 32, "%04d-%02d-%02d", (int)y, (int)m, (int)dd);
    else
        snprintf(out, 32, "%04d-%02d-%02d %02d:%02d:%02d", (int)y, (int)m, (int)dd,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return RS_OK;
}

/* ---------------------------------------------------------------- number formats */

enum rs_xf_class rs_xlsx_builtin_class(uint32_t id)
{
    /* ECMA-376 Part 1, 18.8.30, with the zh-CN meanings of the East Asian ids. */
    if (id == 9 || id == 10)
        return RS_XF_PERCENT;
    if ((id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 31) || id == 36 ||
        (id >= 50 && id <= 54) || id == 57 || id == 58)
        return RS_XF_DATE;
    if ((id >= 18 && id <= 21) || (id >= 32 && id <= 35) || (id >= 45 && id <= 47) ||
        id == 55 || id == 56)
        return RS_XF_TIME;
    return RS_XF_PLAIN;
}

/* True if the bracketed text s[0..n) is an elapsed-time token ([h], [mm], [ss]). */
static bool elapsed_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c != 'h' && c != 'H' && c != 'm' && c != 'M' && c != 's' && c != 'S')
            return false;
    }
    return true;
}

enum rs_xf_class rs_xlsx_format_class(const char *code)
{
    bool date = false, time = false, month = false, pct = false;

    for (const char *p = code; *p; p++) {
        char c = *p;

        if (c == '"') {
            const char *q = strchr(p + 1, '"');

            if (!q)
                break;
            p = q;
        } else if (c == '\\' || c == '_' || c == '*') {
            if (!p[1])
                break;
            p++;
        } else if (c == '[') {
            const char *q = strchr(p + 1, ']');

            if (!q)
                break;
            if (elapsed_token(p + 1, (size_t)(q - p - 1)))
                time = true;
            p = q;
        } else if ((c == 'G' || c == 'g') && strncasecmp(p, "general", 7) == 0) {
            p += 6;
        } else if (c == 'y' || c == 'Y' || c == 'd' || c == 'D') {
            date = true;
        } else if (c == 'h' || c == 'H' || c == 's' || c == 'S') {
            time = true;
        } else if (c == 'm' || c == 'M') {
            month = true;
        } else if (c == '%') {
            pct = true;
        }
    }
    if (date)
        return RS_XF_DATE;
    if (time)
        return RS_XF_TIME;
    if (month)
        return RS_XF_DATE;
    return pct ? RS_XF_PERCENT : RS_XF_PLAIN;
}

/* ---------------------------------------------------------------- strings */

static int hex4(const char *s)
{
    int v = 0;

    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

/* The code unit of an escape "_xHHHH_" at s (n bytes left), or -1. */
static int escape_at(const char *s, size_t n)
{
    if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_')
        return -1;
    return hex4(s + 2);
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

void rs_xlsx_unescape(char *s, size_t *n)
{
    size_t r = 0, w = 0, len = *n;

    while (r < len) {
        int u = escape_at(s + r, len - r);

        if (u > 0 && (u < 0xD800 || u > 0xDFFF)) {
            w += put_utf8(s + w, (unsigned long)u);
            r += 7;
            continue;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            int lo = escape_at(s + r + 7, len - r - 7);

            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                unsigned long cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) +
                                   ((unsigned long)lo - 0xDC00);

                w += put_utf8(s + w, cp);
                r += 14;
                continue;
            }
        }
        s[w++] = s[r++];
    }
    s[w] = '\0';
    *n = w;
}

/* ---------------------------------------------------------------- cell names */

bool rs_xlsx_ref_parse(const char *s, uint32_t *col, uint32_t *row)
{
    uint32_t c = 0, r = 0;
    size_t i = 0, letters, digits;

    while (s[i] && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')) && i < 4) {
        char ch = s[i] >= 'a' ? (char)(s[i] - 'a' + 'A') : s[i];

        c = c * 26 + (uint32_t)(ch - 'A' + 1);
        i++;
    }
    letters = i;
    while (s[i] >= '0' && s[i] <= '9' && i - letters < 8) {
        r = r * 10 + (uint32_t)(s[i] - '0');
        i++;
    }
    digits = i - letters;
    if (letters == 0 || letters > 3 || digits == 0 || s[i] != '\0' || c > RS_XLSX_GRID_COLS ||
        r < 1 || r > RS_XLSX_GRID_ROWS)
        return false;
    *col = c - 1;
    *row = r;
    return true;
}

void rs_xlsx_cell_name(uint32_t row, uint32_t col, char out[16])
{
    char letters[8];
    size_t n = 0;
    uint32_t c = col + 1;

    while (c > 0 && n < sizeof(letters)) {
        letters[n++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = letters[n - 1 - i];
    snprintf(out + n, 16 - n, "%u", row);
}

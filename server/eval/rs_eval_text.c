/*
 * rs_eval_text.c - capped UTF-8 formatting and money and rates for display.
 *
 * See rs_eval_text.h.  Findings, inputs and reasons are fixed-size arrays;
 * everything written into them goes through rs_eval_fmt, which cuts at a
 * character boundary, so a long village name never leaves half a
 * character behind.  Money is shown by rs_money_wan / rs_money_yuan
 * (rs_util.h), rates by rs_eval_pct: both round half away from zero, and
 * only here, at display.
 *
 * Does not: keep state, allocate, or round anything that is computed with.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rs_eval_text.h"
#include "rs_util.h"

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

/*
 * rs_report_xml.c - UTF-8 text escaped for XML and HTML.
 *
 * See rs_report_xml.h.  The text is walked one code point at a time: a
 * well-formed sequence of an allowed character is copied, the five markup
 * characters become &amp; &lt; &gt; &quot; &#39;, and anything else is
 * skipped byte by byte until the next well-formed sequence.
 *
 * Does not: normalise, wrap or shorten text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rs_report_xml.h"

/* Length of the well-formed UTF-8 sequence at s[0..n) and its code point;
 * 0 if s does not start one (a stray byte, an overlong form, a surrogate,
 * past U+10FFFF, or cut short). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t k;
    uint32_t c, min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
        k = 2, c = s[0] & 0x1Fu, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        k = 3, c = s[0] & 0x0Fu, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        k = 4, c = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return k;
}

/* Characters XML 1.0 allows (the surrogates never get here). */
static bool xml_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF);
}

/* Appends s[0..n): allowed characters as they are, or as references when
 * escape is set; the rest dropped. */
static void put(struct rs_rbuf *b, const char *s, size_t n, bool escape)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;

    while (i < n) {
        uint32_t cp = 0;
        size_t k = utf8_seq(p + i, n - i, &cp);
        const char *ref = NULL;

        if (k && xml_char(cp)) {
            switch (escape ? cp : 0) {
            case '&':
                ref = "&amp;";
                break;
            case '<':
                ref = "&lt;";
                break;
            case '>':
                ref = "&gt;";
                break;
            case '"':
                ref = "&quot;";
                break;
            case '\'':
                ref = "&#39;";
                break;
            default:
                run += k;
                i += k;
                continue;
            }
        }
        if (run)
            rs_rbuf_add(b, (const char *)p + i - run, run);
        run = 0;
        if (ref)
            rs_rbuf_puts(b, ref);
        i += k ? k : 1;
    }
    if (run)
        rs_rbuf_add(b, (const char *)p + i - run, run);
}

void rs_xml_textn(struct rs_rbuf *b, const char *s, size_t n)
{
    put(b, s, n, true);
}

void rs_xml_text(struct rs_rbuf *b, const char *s)
{
    if (s)
        put(b, s, strlen(s), true);
}

void rs_xml_plain(struct rs_rbuf *b, const char *s)
{
    if (s)
        put(b, s, strlen(s), false);
}

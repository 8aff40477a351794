/*
 * test_csv.c - tests for rs_csv: encodings (UTF-8, BOM, GB18030, rejects),
 * RFC 4180 quoting, line endings, line numbers, trimming, every malformed
 * case with its status and message, the caps, and a long file.
 *
 * Does not: test column meanings (test_rowmap.c) or reading files.
 */
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_csv.h"
#include "rs_util.h"

#define ERRLEN 256

static struct rs_csv *open_bytes(const void *p, size_t n, enum rs_csv_encoding enc)
{
    struct rs_csv *c = NULL;
    char err[ERRLEN] = "";

    assert_int_equal(rs_csv_open(p, n, &c, err, sizeof(err)), RS_OK);
    assert_non_null(c);
    assert_int_equal(rs_csv_encoding(c), enc);
    return c;
}

static struct rs_csv *open_str(const char *s)
{
    return open_bytes(s, strlen(s), RS_CSV_UTF8);
}

/* Reads one record and checks its line and exact fields. */
static void expect_record(struct rs_csv *c, uint32_t want_line, size_t want_n, ...)
{
    char **f = NULL;
    size_t n = 0;
    uint32_t line = 0;
    char err[ERRLEN] = "";
    va_list ap;

    assert_int_equal(rs_csv_next(c, &f, &n, &line, err, sizeof(err)), RS_OK);
    assert_int_equal(line, want_line);
    assert_int_equal(n, want_n);
    va_start(ap, want_n);
    for (size_t i = 0; i < want_n; i++)
        assert_string_equal(f[i], va_arg(ap, const char *));
    va_end(ap);
}

static void expect_end(struct rs_csv *c)
{
    char **f = NULL;
    size_t n = 0;
    uint32_t line = 0;

    assert_int_equal(rs_csv_next(c, &f, &n, &line, NULL, 0), RS_ENOTFOUND);
    /* The end stays the end. */
    assert_int_equal(rs_csv_next(c, &f, &n, &line, NULL, 0), RS_ENOTFOUND);
}

/* Reads records until one fails; checks the status and a piece of err. */
static void expect_fail(struct rs_csv *c, rs_status want, const char *want_err)
{
    char **f = NULL;
    size_t n = 0;
    uint32_t line = 0;
    char err[ERRLEN] = "";
    rs_status rv;

    do {
        rv = rs_csv_next(c, &f, &n, &line, err, sizeof(err));
    } while (rv == RS_OK);
    assert_int_equal(rv, want);
    if (strstr(err, want_err) == NULL)
        fail_msg("err \"%s\" lacks \"%s\"", err, want_err);
    /* The reader stops: the same error again. */
    err[0] = '\0';
    assert_int_equal(rs_csv_next(c, &f, &n, &line, err, sizeof(err)), want);
    assert_non_null(strstr(err, want_err));
}

static void expect_open_fail(const void *p, size_t n, rs_status want, const char *want_err)
{
    struct rs_csv *c = (struct rs_csv *)&c; /* must be set to NULL on failure */
    char err[ERRLEN] = "";

    assert_int_equal(rs_csv_open(p, n, &c, err, sizeof(err)), want);
    assert_null(c);
    if (strstr(err, want_err) == NULL)
        fail_msg("err \"%s\" lacks \"%s\"", err, want_err);
}

/* rs_csv_open_zh of a string; the message of its first failure, opening or reading. */
static rs_status zh_fail(const char *s, size_t n, char *err, size_t errlen)
{
    struct rs_csv *c = NULL;
    char **f = NULL;
    size_t nf = 0;
    uint32_t line = 0;
    rs_status rv = rs_csv_open_zh(s, n, &c, err, errlen);

    while (rv == RS_OK)
        rv = rs_csv_next(c, &f, &nf, &line, err, errlen);
    rs_csv_close(c);
    return rv;
}

/* A clerk's file gets the same messages in Chinese, with the same lines and fields. */
static void test_chinese_messages(void **state)
{
    static const char bad[] = "a,b\nc,\x80\xff\n";
    static const char nul[] = "a\nb\0c\n";
    static const char quote[] = "a,b\nx,ab\"c,d\n";
    static const char unclosed[] = "a,b\nc,\"open\nmore\n";
    char err[ERRLEN];

    (void)state;
    assert_int_equal(zh_fail(quote, sizeof(quote) - 1, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "第2行第2个字段：引号位置不对");
    assert_int_equal(zh_fail(unclosed, sizeof(unclosed) - 1, err, sizeof(err)), RS_EINVAL);
    assert_string_equal(err, "第2行第2个字段：引号没有闭合");
    assert_int_equal(zh_fail(bad, sizeof(bad) - 1, err, sizeof(err)), RS_EENCODING);
    assert_string_equal(err, "第2行（第6字节）：既不是 UTF-8 也不是 GB18030 编码");
    assert_int_equal(zh_fail(nul, sizeof(nul) - 1, err, sizeof(err)), RS_EENCODING);
    assert_string_equal(err, "第2行（第3字节）：含有空字节（二进制文件或 UTF-16？），"
                             "请另存为“CSV UTF-8”");
    assert_int_equal(zh_fail("\xff\xfe" "a", 3, err, sizeof(err)), RS_EENCODING);
    assert_string_equal(err, "第1行：不支持 UTF-16 编码，请另存为“CSV UTF-8”");
    /* The English reader is unchanged. */
    expect_open_fail(bad, sizeof(bad) - 1, RS_EENCODING, "line 2: byte 6: not UTF-8 or GB18030");
}

/* Converts UTF-8 to GB18030 with iconv; returns a malloc'd buffer. */
static char *to_gb18030(const char *utf8, size_t *outlen)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    size_t n = strlen(utf8);
    size_t cap = 2 * n + 16;
    char *out = malloc(cap);
    char *ip = (char *)(uintptr_t)utf8;
    char *op = out;
    size_t il = n, ol = cap;

    assert_true(cd != (iconv_t)-1);
    assert_non_null(out);
    assert_int_not_equal(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
    assert_int_equal(il, 0);
    iconv_close(cd);
    *outlen = (size_t)(op - out);
    return out;
}

static bool contains(const char *p, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(p + i, needle, k) == 0)
            return true;
    }
    return false;
}

static void test_utf8_plain(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("division,name,amount\n"
                                "430602001,金鹗山街道,158.93\n"
                                "430602002,夏万路社区,6000\n");

    expect_record(c, 1, 3, "division", "name", "amount");
    expect_record(c, 2, 3, "430602001", "金鹗山街道", "158.93");
    expect_record(c, 3, 3, "430602002", "夏万路社区", "6000");
    expect_end(c);
    rs_csv_close(c);
}

static void test_utf8_bom(void **state)
{
    (void)state;
    static const char in[] = "\xEF\xBB\xBFid,名称\r\n1,金鹗山街道\r\n";
    struct rs_csv *c = open_bytes(in, sizeof(in) - 1, RS_CSV_UTF8_BOM);
    char **f = NULL;
    size_t n = 0;
    uint32_t line = 0;

    assert_int_equal(rs_csv_next(c, &f, &n, &line, NULL, 0), RS_OK);
    assert_int_equal(line, 1);
    assert_int_equal(n, 2);
    assert_int_equal(strlen(f[0]), 2);
    assert_memory_equal(f[0], "id", 3);
    assert_string_equal(f[1], "名称");
    expect_record(c, 2, 2, "1", "金鹗山街道");
    expect_end(c);
    rs_csv_close(c);
}

static void test_gb18030(void **state)
{
    (void)state;
    static const char utf8[] = "乡镇,社区,备注\r\n"
                               "金鹗山街道,夏万路社区,\"𠀀, 扩展B\"\r\n";
    size_t n = 0;
    char *gb = to_gb18030(utf8, &n);
    struct rs_csv *c;

    /* The test input really is GB18030 and not UTF-8. */
    assert_false(rs_utf8_valid(gb, n));
    assert_true(contains(gb, n, "\x95\x32\x82\x36", 4)); /* U+20000, 4 bytes */
    assert_true(contains(gb, n, "\xBD\xF0", 2));         /* 金 */

    c = open_bytes(gb, n, RS_CSV_GB18030);
    free(gb); /* the reader keeps its own copy */
    expect_record(c, 1, 3, "乡镇", "社区", "备注");
    expect_record(c, 2, 3, "金鹗山街道", "夏万路社区", "𠀀, 扩展B");
    expect_end(c);
    rs_csv_close(c);
}

/* GB18030 that happens to be valid UTF-8, and UTF-8 with a GB18030 cell pasted in. */
static void test_encoding_guesses(void **state)
{
    static const char names[] = "household_ref,submitted_by\nHH1,郑伟\n";
    static const char utf8_cjk[] = "乡镇,社区,备注\n金鹗山街道,夏万路社区,村道硬化工程\n"
                                   "金鹗山街道,赶山路社区,";
    size_t n = 0, m;
    char *gb = to_gb18030(names, &n), mixed[512], err[ERRLEN], *zhang;
    struct rs_csv *c;

    (void)state;
    /* 郑伟 is D6 A3 CE B0 in GB18030: Hebrew and Greek if read as UTF-8. */
    assert_true(rs_utf8_valid(gb, n));
    c = open_bytes(gb, n, RS_CSV_GB18030);
    free(gb);
    expect_record(c, 1, 2, "household_ref", "submitted_by");
    expect_record(c, 2, 2, "HH1", "郑伟");
    expect_end(c);
    rs_csv_close(c);
    /* Real UTF-8 with Chinese in it stays UTF-8. */
    c = open_bytes(utf8_cjk, sizeof(utf8_cjk) - 1, RS_CSV_UTF8);
    rs_csv_close(c);
    /* UTF-8 throughout but one cell in GB18030: refused with the line. */
    zhang = to_gb18030("张三", &m);
    memcpy(mixed, utf8_cjk, sizeof(utf8_cjk) - 1);
    memcpy(mixed + sizeof(utf8_cjk) - 1, zhang, m);
    mixed[sizeof(utf8_cjk) - 1 + m] = '\n';
    assert_int_equal(zh_fail(mixed, sizeof(utf8_cjk) + m, err, sizeof(err)), RS_EENCODING);
    assert_non_null(strstr(err, "第3行"));
    assert_non_null(strstr(err, "一个文件混有两种编码"));
    free(zhang);
}

static void test_ascii_is_utf8(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("a,b\n");

    expect_record(c, 1, 2, "a", "b");
    expect_end(c);
    rs_csv_close(c);

    c = open_bytes(NULL, 0, RS_CSV_UTF8);
    expect_end(c);
    rs_csv_close(c);
    rs_csv_close(NULL);
}

static void test_quoted(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\",\"x\r\ny\",\"\",\"\"\"\"\n"
                                "\"cr\ronly\",\"  kept  \" , \"end\"\n"
                                "after\n");

    expect_record(c, 1, 6, "a,b", "say \"hi\"", "l1\nl2", "x\r\ny", "", "\"");
    /* Two embedded line breaks and the record's own LF: the next record is on line 4. */
    expect_record(c, 4, 3, "cr\ronly", "  kept  ", "end");
    /* A lone CR inside quotes is a line break too. */
    expect_record(c, 6, 1, "after");
    expect_end(c);
    rs_csv_close(c);
}

static void test_crlf(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("a,b\r\nc,d\r\n");

    expect_record(c, 1, 2, "a", "b");
    expect_record(c, 2, 2, "c", "d");
    expect_end(c);
    rs_csv_close(c);
}

static void test_lone_cr(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("a,b\rc,d\r\re\r");

    expect_record(c, 1, 2, "a", "b");
    expect_record(c, 2, 2, "c", "d");
    expect_record(c, 4, 1, "e");
    expect_end(c);
    rs_csv_close(c);
}

static void test_no_final_newline(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("a,b\nc,d");

    expect_record(c, 1, 2, "a", "b");
    expect_record(c, 2, 2, "c", "d");
    expect_end(c);
    rs_csv_close(c);

    c = open_str("x,\"quoted\"");
    expect_record(c, 1, 2, "x", "quoted");
    expect_end(c);
    rs_csv_close(c);

    c = open_str("x,");
    expect_record(c, 1, 2, "x", "");
    expect_end(c);
    rs_csv_close(c);
}

static void test_blank_lines(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("\n\r\na,b\n\n  \t \r\n\nc\n\n \n");

    expect_record(c, 3, 2, "a", "b");
    expect_record(c, 7, 1, "c");
    expect_end(c);
    rs_csv_close(c);

    c = open_str("\n\n\n");
    expect_end(c);
    rs_csv_close(c);
}

static void test_line_numbers(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("h1,h2\n"
                                "\"x\ny\r\nz\",1\n"
                                "\n"
                                "next,\"a\n\nb\"\n"
                                "last,2\n");

    expect_record(c, 1, 2, "h1", "h2");
    expect_record(c, 2, 2, "x\ny\r\nz", "1");
    expect_record(c, 6, 2, "next", "a\n\nb");
    expect_record(c, 9, 2, "last", "2");
    expect_end(c);
    rs_csv_close(c);
}

static void test_trimming(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("  a \t,\tb ,\" c \" , d,  \n"
                                ",,\n"
                                " 金鹗山街道　 ,x y\n");

    expect_record(c, 1, 5, "a", "b", " c ", "d", "");
    expect_record(c, 2, 3, "", "", "");
    /* Only ASCII space and tab are trimmed; the ideographic space stays. */
    expect_record(c, 3, 2, "金鹗山街道　", "x y");
    expect_end(c);
    rs_csv_close(c);
}

static void test_quote_in_unquoted(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("a,b\nx,ab\"c,d\n");

    expect_record(c, 1, 2, "a", "b");
    expect_fail(c, RS_EINVAL, "line 2: field 2: unexpected quote");
    rs_csv_close(c);
}

static void test_junk_after_quote(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("a\nb\n\"ab\"c,d\n");

    expect_fail(c, RS_EINVAL, "line 3: field 1: unexpected quote");
    rs_csv_close(c);

    /* The junk follows a field that spans lines: name the line it is on. */
    c = open_str("k,\"1\n2\" x\n");
    expect_fail(c, RS_EINVAL, "line 2: field 2: unexpected quote");
    rs_csv_close(c);
}

static void test_unterminated(void **state)
{
    (void)state;
    struct rs_csv *c = open_str("a,b\nc,\"open\nmore\nstuff\n");

    expect_record(c, 1, 2, "a", "b");
    expect_fail(c, RS_EINVAL, "line 2: field 2: quoted field never closed");
    rs_csv_close(c);

    /* A doubled quote at the very end is a quote, not a close. */
    c = open_str("\"abc\"\"");
    expect_fail(c, RS_EINVAL, "line 1: field 1: quoted field never closed");
    rs_csv_close(c);
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    /* glibc's GB18030 has no lead byte 0x80 or 0xFF: EILSEQ at the 0x80. */
    static const char bad[] = "a,b\nc,\x80\xff\n";
    /* A GB18030 lead byte cut off by the end of the input. */
    static const char cut[] = "a\n\xB0\xA1\x81";
    /* A UTF-8 BOM followed by bytes that are not UTF-8. */
    static const char bom[] = "\xEF\xBB\xBF" "a\n\xC3(";

    expect_open_fail(bad, sizeof(bad) - 1, RS_EENCODING, "line 2: byte 6: not UTF-8 or GB18030");
    expect_open_fail(cut, sizeof(cut) - 1, RS_EENCODING, "line 2: byte 4: not UTF-8 or GB18030");
    expect_open_fail(bom, sizeof(bom) - 1, RS_EENCODING, "line 2: byte 5: not valid UTF-8");
}

static void test_utf16(void **state)
{
    (void)state;
    static const char le[] = "\xFF\xFE" "a\0,\0b\0";
    static const char be[] = "\xFE\xFF" "\0a\0,\0b";

    expect_open_fail(le, sizeof(le) - 1, RS_EENCODING,
                     "UTF-16 is not supported; save as CSV UTF-8");
    expect_open_fail(be, sizeof(be) - 1, RS_EENCODING,
                     "UTF-16 is not supported; save as CSV UTF-8");
}

static void test_nul(void **state)
{
    (void)state;
    static const char in[] = "a,b\r\nc\0d\n";

    expect_open_fail(in, sizeof(in) - 1, RS_EENCODING, "line 2: byte 6: NUL byte");
}

static char *repeat(char ch, size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memset(s, ch, n);
    s[n] = '\0';
    return s;
}

static void test_field_cap(void **state)
{
    (void)state;
    char *big = repeat('x', RS_CSV_MAX_FIELD + 1);
    size_t cap = 2 * RS_CSV_MAX_FIELD + 64;
    char *in = malloc(cap);
    struct rs_csv *c;
    char **f = NULL;
    size_t n = 0;
    uint32_t line = 0;

    assert_non_null(in);

    /* Exactly at the cap, quoted and unquoted (padding is trimmed first). */
    snprintf(in, cap, "h\n  %.*s  ,\"%.*s\"\n", RS_CSV_MAX_FIELD, big, RS_CSV_MAX_FIELD, big);
    c = open_str(in);
    expect_record(c, 1, 1, "h");
    assert_int_equal(rs_csv_next(c, &f, &n, &line, NULL, 0), RS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(strlen(f[0]), RS_CSV_MAX_FIELD);
    assert_int_equal(strlen(f[1]), RS_CSV_MAX_FIELD);
    expect_end(c);
    rs_csv_close(c);

    /* One byte over, unquoted. */
    snprintf(in, cap, "h\n%s\n", big);
    c = open_str(in);
    expect_fail(c, RS_ETOOBIG, "line 2: field 1: longer than 16384 bytes");
    rs_csv_close(c);

    /* One byte over, quoted and starting on line 2; a "" counts as one byte. */
    snprintf(in, cap, "h\nok,\"\"\"%.*s\nz\"\n", RS_CSV_MAX_FIELD - 1, big);
    c = open_str(in);
    expect_fail(c, RS_ETOOBIG, "line 2: field 2: longer than 16384 bytes");
    rs_csv_close(c);

    free(in);
    free(big);
}

static void test_column_cap(void **state)
{
    (void)state;
    size_t cap = 4 * RS_CSV_MAX_COLS + 16;
    char *in = malloc(cap);
    size_t len = 0;
    struct rs_csv *c;
    char **f = NULL;
    size_t n = 0;
    uint32_t line = 0;

    assert_non_null(in);
    /* Line 1: exactly RS_CSV_MAX_COLS fields.  Line 2: one more. */
    for (int row = 0; row < 2; row++) {
        for (int i = 0; i < RS_CSV_MAX_COLS + row; i++) {
            in[len++] = (char)('a' + i % 26);
            in[len++] = i + 1 < RS_CSV_MAX_COLS + row ? ',' : '\n';
        }
    }
    in[len] = '\0';
    c = open_str(in);
    assert_int_equal(rs_csv_next(c, &f, &n, &line, NULL, 0), RS_OK);
    assert_int_equal(n, RS_CSV_MAX_COLS);
    assert_string_equal(f[RS_CSV_MAX_COLS - 1], "x"); /* 127 % 26 = 23 */
    expect_fail(c, RS_ETOOBIG, "line 2: more than 128 fields");
    rs_csv_close(c);
    free(in);
}

static void test_file_cap(void **state)
{
    (void)state;
    size_t n = (size_t)RS_CSV_MAX_BYTES + 1;
    char *in = malloc(n);

    assert_non_null(in);
    /* "a\n" pairs: byte RS_CSV_MAX_BYTES starts line RS_CSV_MAX_BYTES / 2 + 1. */
    for (size_t i = 0; i < n; i++)
        in[i] = i % 2 ? '\n' : 'a';
    expect_open_fail(in, n, RS_ETOOBIG, "line 33554433: file is larger than 67108864 bytes");
    /* Exactly at the cap is fine. */
    {
        struct rs_csv *c = open_bytes(in, n - 1, RS_CSV_UTF8);

        rs_csv_close(c);
    }
    free(in);
}

static void test_file_cap_after_conversion(void **state)
{
    (void)state;
    /*
     * 341 x "啊" (B0 A1) + LF is 683 bytes of GB18030 but 1024 of UTF-8, so
     * the UTF-8 reaches RS_CSV_MAX_BYTES exactly at the end of line 65536.
     */
    const size_t per_line = 341 * 2 + 1;
    const size_t lines = 70000;
    size_t n = per_line * lines;
    char *in = malloc(n);

    assert_true(n < RS_CSV_MAX_BYTES);
    assert_non_null(in);
    for (size_t l = 0; l < lines; l++) {
        char *p = in + l * per_line;

        for (size_t k = 0; k < 341; k++) {
            p[2 * k] = (char)0xB0;
            p[2 * k + 1] = (char)0xA1;
        }
        p[per_line - 1] = '\n';
    }
    expect_open_fail(in, n, RS_ETOOBIG,
                     "line 65537: larger than 67108864 bytes once converted to UTF-8");
    free(in);
}

static void test_many_rows(void **state)
{
    (void)state;
    const size_t rows = 200000;
    const size_t cap = rows * 80 + 64;
    char *in = malloc(cap);
    size_t len = 0;
    struct rs_csv *c;
    char **f = NULL;
    size_t n = 0;
    uint32_t line = 0;
    size_t got = 0;
    rs_status rv;
    char want[32];

    assert_non_null(in);
    len += (size_t)snprintf(in + len, cap - len, "id,name,note,amount\r\n");
    for (size_t i = 0; i < rows; i++)
        len += (size_t)snprintf(in + len, cap - len,
                                "%zu,金鹗山街道,\"a, \"\"b\"\"\",%zu.5\r\n", i, i);
    c = open_bytes(in, len, RS_CSV_UTF8);
    free(in);
    expect_record(c, 1, 4, "id", "name", "note", "amount");
    while ((rv = rs_csv_next(c, &f, &n, &line, NULL, 0)) == RS_OK) {
        assert_int_equal(n, 4);
        assert_int_equal(line, got + 2);
        snprintf(want, sizeof(want), "%zu", got);
        assert_string_equal(f[0], want);
        assert_string_equal(f[2], "a, \"b\"");
        got++;
    }
    assert_int_equal(rv, RS_ENOTFOUND);
    assert_int_equal(got, rows);
    rs_csv_close(c);
}

static void test_bad_args(void **state)
{
    (void)state;
    struct rs_csv *c = NULL;
    char **f = NULL;
    size_t n = 0;
    uint32_t line = 0;

    assert_int_equal(rs_csv_open(NULL, 3, &c, NULL, 0), RS_EINVAL);
    assert_int_equal(rs_csv_open("a", 1, NULL, NULL, 0), RS_EINVAL);
    assert_int_equal(rs_csv_next(NULL, &f, &n, &line, NULL, 0), RS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_plain),
        cmocka_unit_test(test_utf8_bom),
        cmocka_unit_test(test_gb18030),
        cmocka_unit_test(test_encoding_guesses),
        cmocka_unit_test(test_ascii_is_utf8),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_lone_cr),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_trimming),
        cmocka_unit_test(test_quote_in_unquoted),
        cmocka_unit_test(test_junk_after_quote),
        cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_field_cap),
        cmocka_unit_test(test_column_cap),
        cmocka_unit_test(test_file_cap),
        cmocka_unit_test(test_file_cap_after_conversion),
        cmocka_unit_test(test_many_rows),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_chinese_messages),
    };

    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}

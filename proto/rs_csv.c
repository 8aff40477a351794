/*
 * rs_csv.c - RFC 4180 CSV reader for what Excel writes (UTF-8 or GB18030).
 *
 * See rs_csv.h for the contract.  rs_csv_open checks the raw bytes (UTF-16
 * BOM, size cap, NUL bytes), picks the encoding and keeps one NUL-terminated
 * UTF-8 copy; rs_csv_next then walks that copy once, copying each record's
 * unescaped fields into a scratch buffer that is reused from record to
 * record.  Every step is linear in the input, so long files cost no more
 * than their length.
 *
 * Does not: read files, guess encodings other than UTF-8 and GB18030, map
 * columns to meanings (rs_rowmap.c), or recover after a malformed record.
 */
#include "rs_csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_util.h"

/* A record never needs more scratch than every field at its cap plus NULs. */
#define SCRATCH_MAX ((size_t)RS_CSV_MAX_COLS * (RS_CSV_MAX_FIELD + 1))
#define SCRATCH_INIT 4096
#define FAILMSG_LEN 256
/* Well-formed 3- and 4-byte UTF-8 sequences that make an invalid file UTF-8
 * with another encoding mixed in, rather than GB18030 (see utf8_shape). */
#define MIXED_MIN_SEQS 8

struct rs_csv {
    char *buf;                  /* UTF-8 text, NUL-terminated, no NUL inside */
    size_t len;                 /* bytes in buf, not counting the final NUL */
    size_t pos;                 /* next byte to parse */
    uint32_t line;              /* physical 1-based line of buf[pos] */
    enum rs_csv_encoding enc;
    char *scratch;              /* the current record's fields, NUL-separated */
    size_t scratch_len;
    size_t scratch_cap;
    size_t offs[RS_CSV_MAX_COLS];       /* field starts within scratch */
    char *fields[RS_CSV_MAX_COLS];      /* handed out by rs_csv_next */
    rs_status failed;           /* sticky: set by the first error in next */
    bool zh;                    /* messages in Chinese (rs_csv_open_zh) */
    char failmsg[FAILMSG_LEN];
};

/* A message in English or, for a reader opened by rs_csv_open_zh, in Chinese:
 * both are literals taking the same arguments, so printf checks both. */
#define MSG(zh, en, cn) ((zh) ? (cn) : (en))

#define ZH_NOMEM_GB "内存不足（转换%zu字节的 GB18030 文本时）"

/* Bytes that end an unquoted field: NUL (end of buf), LF, CR, quote, comma. */
static const bool stop_unquoted[256] = {
    [0] = true, ['\n'] = true, ['\r'] = true, ['"'] = true, [','] = true,
};

/* Bytes that need a look inside a quoted field: NUL, LF, CR, quote. */
static const bool stop_quoted[256] = {
    [0] = true, ['\n'] = true, ['\r'] = true, ['"'] = true,
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/*
 * Records an error in c (so later calls repeat it) and copies it to err.
 * Returns rv so callers can write `return fail(...)`.
 */
static rs_status fail(struct rs_csv *c, char *err, size_t errlen, rs_status rv,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static rs_status fail(struct rs_csv *c, char *err, size_t errlen, rs_status rv,
                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->failmsg, sizeof(c->failmsg), fmt, ap);
    va_end(ap);
    c->failed = rv;
    set_err(err, errlen, "%s", c->failmsg);
    return rv;
}

/*
 * The 1-based physical line holding byte off of p[0..total).  A line break
 * is LF, CRLF or a lone CR, the same rule rs_csv_next uses.  LF and CR are
 * never trail bytes in UTF-8 or GB18030, so this works on raw input too.
 */
static uint32_t line_of(const uint8_t *p, size_t off, size_t total)
{
    uint32_t line = 1;

    for (size_t i = 0; i < off; i++) {
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= total || p[i + 1] != '\n')))
            line++;
    }
    return line;
}

/*
 * Offset of the first byte of the first ill-formed UTF-8 sequence in
 * p[0..n), or n if there is none.  Same rules as rs_utf8_valid (no
 * overlongs, no surrogates, nothing past U+10FFFF); used only to say where
 * the problem is.
 */
static size_t utf8_bad_offset(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t b = p[i];
        size_t need;
        uint32_t cp;

        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xc2 && b <= 0xdf) {
            need = 1;
            cp = b & 0x1fu;
        } else if (b >= 0xe0 && b <= 0xef) {
            need = 2;
            cp = b & 0x0fu;
        } else if (b >= 0xf0 && b <= 0xf4) {
            need = 3;
            cp = b & 0x07u;
        } else {
            return i;
        }
        if (n - i <= need)
            return i;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += need + 1;
    }
    return n;
}

/*
 * The UTF-8 shape of p[0..n): how many bytes at or above 0x80 there are,
 * how many of them belong to well-formed sequences, and how many of those
 * sequences are 3 or 4 bytes long (CJK is 3).  Text in GB18030 forms a
 * well-formed sequence now and then by chance (20-35% of its bytes in the
 * samples, 2-byte ones nearly always); a file in UTF-8 with a cell pasted
 * from a GB18030 one is well-formed almost throughout.
 */
struct utf8_shape {
    size_t high, wellformed, long_seqs;
};

static void utf8_shape(const uint8_t *p, size_t n, struct utf8_shape *sh)
{
    memset(sh, 0, sizeof(*sh));
    for (size_t i = 0; i < n;) {
        size_t ok;

        if (p[i] < 0x80) {
            i++;
            continue;
        }
        /* The sequence at i, if well-formed: utf8_bad_offset of it alone. */
        ok = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
        if (ok > n - i || utf8_bad_offset(p + i, ok) != ok) {
            sh->high++;
            i++;
            continue;
        }
        sh->high += ok;
        sh->wellformed += ok;
        sh->long_seqs += ok >= 3;
        i += ok;
    }
}

/* Copies p[0..n) into a new NUL-terminated buffer. */
static rs_status copy_text(const uint8_t *p, size_t n, char **out, size_t *outlen, bool zh,
                           char *err, size_t errlen)
{
    char *b = malloc(n + 1);

    if (b == NULL) {
        set_err(err, errlen,
                MSG(zh, "out of memory copying %zu bytes of CSV", "内存不足（复制%zu字节的 CSV 时）"),
                n);
        return RS_ENOMEM;
    }
    if (n > 0)
        memcpy(b, p, n);
    b[n] = '\0';
    *out = b;
    *outlen = n;
    return RS_OK;
}

/*
 * Converts GB18030 in[0..n) to a new NUL-terminated UTF-8 buffer of at most
 * RS_CSV_MAX_BYTES bytes.  A 2-byte GB18030 character becomes 3 UTF-8 bytes,
 * so the first guess is 1.5 n; the buffer grows if that was short.
 */
static rs_status gb18030_to_utf8(const uint8_t *in, size_t n, char **out, size_t *outlen,
                                 bool zh, char *err, size_t errlen)
{
    rs_status rv;
    iconv_t cd;
    char *buf = NULL;
    size_t cap = n + n / 2 + 16;
    char *ip = (char *)(uintptr_t)in; /* iconv's prototype is not const-correct */
    size_t il = n;
    char *op;
    size_t ol;

    cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        set_err(err, errlen,
                MSG(zh, "cannot convert from GB18030: iconv_open: %s",
                    "无法转换 GB18030 编码（iconv_open：%s）"),
                strerror(errno));
        return RS_EINTERNAL;
    }
    if (cap > RS_CSV_MAX_BYTES)
        cap = RS_CSV_MAX_BYTES;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        set_err(err, errlen, MSG(zh, "out of memory converting %zu bytes of GB18030", ZH_NOMEM_GB),
                n);
        rv = RS_ENOMEM;
        goto out;
    }
    op = buf;
    ol = cap;
    while (il > 0) {
        size_t used;
        char *nb;

        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno == EILSEQ || errno == EINVAL) {
            size_t off = (size_t)((const uint8_t *)ip - in);

            set_err(err, errlen,
                    MSG(zh, "line %u: byte %zu: not UTF-8 or GB18030",
                        "第%u行（第%zu字节）：既不是 UTF-8 也不是 GB18030 编码"),
                    (unsigned)line_of(in, off, n), off);
            rv = RS_EENCODING;
            goto out;
        }
        if (errno != E2BIG) {
            set_err(err, errlen,
                    MSG(zh, "GB18030 conversion failed: %s", "GB18030 编码转换失败（%s）"),
                    strerror(errno));
            rv = RS_EINTERNAL;
            goto out;
        }
        used = (size_t)(op - buf);
        if (cap >= RS_CSV_MAX_BYTES) {
            /* Lines are the same in both encodings: name the first that did not fit. */
            size_t off = (size_t)((const uint8_t *)ip - in);

            set_err(err, errlen,
                    MSG(zh, "line %u: larger than %u bytes once converted to UTF-8",
                        "第%u行：转换为 UTF-8 后超过%u字节"),
                    (unsigned)line_of(in, off, n), RS_CSV_MAX_BYTES);
            rv = RS_ETOOBIG;
            goto out;
        }
        cap = cap > RS_CSV_MAX_BYTES / 2 ? RS_CSV_MAX_BYTES : cap * 2;
        nb = realloc(buf, cap + 1);
        if (nb == NULL) {
            set_err(err, errlen,
                    MSG(zh, "out of memory converting %zu bytes of GB18030", ZH_NOMEM_GB), n);
            rv = RS_ENOMEM;
            goto out;
        }
        buf = nb;
        op = buf + used;
        ol = cap - used;
    }
    *op = '\0';
    *outlen = (size_t)(op - buf);
    /* Fields are promised to be UTF-8; do not take iconv's word for it. */
    if (!rs_utf8_valid(buf, *outlen)) {
        set_err(err, errlen, "%s",
                MSG(zh, "GB18030 conversion produced invalid UTF-8",
                    "GB18030 编码转换的结果不是有效的 UTF-8"));
        rv = RS_EINTERNAL;
        goto out;
    }
    *out = buf;
    buf = NULL;
    rv = RS_OK;
out:
    free(buf);
    iconv_close(cd);
    return rv;
}

static rs_status csv_open(const void *data, size_t n, bool zh, struct rs_csv **out, char *err,
                          size_t errlen)
{
    rs_status rv;
    struct rs_csv *c = NULL;
    const uint8_t *p = data;
    const uint8_t *nul;

    if (out == NULL || (data == NULL && n > 0)) {
        set_err(err, errlen, "%s",
                MSG(zh, "rs_csv_open: bad arguments", "内部错误：rs_csv_open 参数错误"));
        return RS_EINVAL;
    }
    *out = NULL;
    if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff))) {
        set_err(err, errlen, "%s",
                MSG(zh, "line 1: UTF-16 is not supported; save as CSV UTF-8",
                    "第1行：不支持 UTF-16 编码，请另存为“CSV UTF-8”"));
        return RS_EENCODING;
    }
    if (n > RS_CSV_MAX_BYTES) {
        set_err(err, errlen,
                MSG(zh, "line %u: file is larger than %u bytes", "第%u行：文件超过%u字节"),
                (unsigned)line_of(p, RS_CSV_MAX_BYTES, n), RS_CSV_MAX_BYTES);
        return RS_ETOOBIG;
    }
    nul = n > 0 ? memchr(p, 0, n) : NULL;
    if (nul != NULL) {
        size_t off = (size_t)(nul - p);

        set_err(err, errlen,
                MSG(zh, "line %u: byte %zu: NUL byte (binary or UTF-16?); save as CSV UTF-8",
                    "第%u行（第%zu字节）：含有空字节（二进制文件或 UTF-16？），"
                    "请另存为“CSV UTF-8”"),
                (unsigned)line_of(p, off, n), off);
        return RS_EENCODING;
    }

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        set_err(err, errlen, "%s", MSG(zh, "out of memory", "内存不足"));
        return RS_ENOMEM;
    }
    c->line = 1;
    c->zh = zh;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
        if (!rs_utf8_valid((const char *)p + 3, n - 3)) {
            size_t off = 3 + utf8_bad_offset(p + 3, n - 3);

            set_err(err, errlen,
                    MSG(zh, "line %u: byte %zu: not valid UTF-8 (the file has a UTF-8 BOM)",
                        "第%u行（第%zu字节）：不是有效的 UTF-8（文件开头标明是 UTF-8）"),
                    (unsigned)line_of(p, off, n), off);
            rv = RS_EENCODING;
            goto out;
        }
        c->enc = RS_CSV_UTF8_BOM;
        rv = copy_text(p + 3, n - 3, &c->buf, &c->len, zh, err, errlen);
    } else if (rs_utf8_valid((const char *)p, n)) {
        struct utf8_shape sh;

        /* Valid UTF-8 without one character of 3 or more bytes (no CJK at
         * all) but with 2-byte ones: GB18030 Chinese that reads as UTF-8 by
         * chance ("郑伟" is D6 A3 CE B0, Hebrew and Greek in UTF-8), when it
         * is valid GB18030 too. */
        utf8_shape(p, n, &sh);
        c->enc = RS_CSV_UTF8;
        if (sh.high > 0 && sh.long_seqs == 0 &&
            gb18030_to_utf8(p, n, &c->buf, &c->len, zh, err, errlen) == RS_OK) {
            c->enc = RS_CSV_GB18030;
            rv = RS_OK;
        } else {
            free(c->buf);
            c->buf = NULL;
            rv = copy_text(p, n, &c->buf, &c->len, zh, err, errlen);
        }
    } else {
        struct utf8_shape sh;

        /* Nearly all UTF-8, with some bytes that are not: two encodings in
         * one file.  Read as GB18030 the UTF-8 part would be garbled. */
        utf8_shape(p, n, &sh);
        if (sh.long_seqs >= MIXED_MIN_SEQS && sh.wellformed * 10 >= sh.high * 8) {
            size_t off = utf8_bad_offset(p, n);

            set_err(err, errlen,
                    MSG(zh, "line %u: byte %zu: not UTF-8, while the rest of the file is: "
                            "two encodings in one file; save the whole file as CSV UTF-8",
                        "第%u行（第%zu字节）：这里不是 UTF-8，而文件的其余部分是"
                        "（一个文件混有两种编码，可能是从别的文件粘贴的）；"
                        "请把整个文件另存为“CSV UTF-8”"),
                    (unsigned)line_of(p, off, n), off);
            rv = RS_EENCODING;
            goto out;
        }
        c->enc = RS_CSV_GB18030;
        rv = gb18030_to_utf8(p, n, &c->buf, &c->len, zh, err, errlen);
    }
    if (rv != RS_OK)
        goto out;

    c->scratch = malloc(SCRATCH_INIT);
    if (c->scratch == NULL) {
        set_err(err, errlen, "%s", MSG(zh, "out of memory", "内存不足"));
        rv = RS_ENOMEM;
        goto out;
    }
    c->scratch_cap = SCRATCH_INIT;
    *out = c;
    c = NULL;
    rv = RS_OK;
out:
    rs_csv_close(c);
    return rv;
}

rs_status rs_csv_open(const void *data, size_t n, struct rs_csv **out, char *err, size_t errlen)
{
    return csv_open(data, n, false, out, err, errlen);
}

rs_status rs_csv_open_zh(const void *data, size_t n, struct rs_csv **out, char *err,
                         size_t errlen)
{
    return csv_open(data, n, true, out, err, errlen);
}

void rs_csv_close(struct rs_csv *c)
{
    if (c == NULL)
        return;
    free(c->buf);
    free(c->scratch);
    free(c);
}

enum rs_csv_encoding rs_csv_encoding(const struct rs_csv *c)
{
    return c != NULL ? c->enc : RS_CSV_UTF8;
}

/* Makes room for need more bytes of scratch.  Field caps keep it under SCRATCH_MAX. */
static rs_status scratch_reserve(struct rs_csv *c, size_t need)
{
    size_t want = c->scratch_len + need;
    size_t cap = c->scratch_cap;
    char *nb;

    if (want <= cap)
        return RS_OK;
    if (want > SCRATCH_MAX)
        return RS_EINTERNAL;
    while (cap < want)
        cap = cap > SCRATCH_MAX / 2 ? SCRATCH_MAX : cap * 2;
    nb = realloc(c->scratch, cap);
    if (nb == NULL)
        return RS_ENOMEM;
    c->scratch = nb;
    c->scratch_cap = cap;
    return RS_OK;
}

static rs_status scratch_append(struct rs_csv *c, const char *p, size_t n)
{
    rs_status rv = scratch_reserve(c, n);

    if (rv != RS_OK)
        return rv;
    if (n > 0)
        memcpy(c->scratch + c->scratch_len, p, n);
    c->scratch_len += n;
    return RS_OK;
}

static rs_status append_or_fail(struct rs_csv *c, const char *p, size_t n, char *err,
                                size_t errlen)
{
    rs_status rv = scratch_append(c, p, n);

    if (rv == RS_ENOMEM)
        return fail(c, err, errlen, rv, MSG(c->zh, "line %u: out of memory", "第%u行：内存不足"),
                    (unsigned)c->line);
    if (rv != RS_OK)
        return fail(c, err, errlen, rv,
                    MSG(c->zh, "line %u: record scratch over its cap",
                        "第%u行：这一行超过了读取上限"),
                    (unsigned)c->line);
    return RS_OK;
}

static size_t skip_blanks(const char *p, size_t i)
{
    while (p[i] == ' ' || p[i] == '\t')
        i++;
    return i;
}

/* Consumes the line break (LF, CRLF or lone CR) at buf[pos] and counts it. */
static void take_break(struct rs_csv *c)
{
    if (c->buf[c->pos] == '\r' && c->buf[c->pos + 1] == '\n')
        c->pos += 2;
    else
        c->pos++;
    c->line++;
}

/* Reads an unquoted field starting at buf[pos] (leading blanks already skipped). */
static rs_status read_unquoted(struct rs_csv *c, size_t fieldno, char *err, size_t errlen)
{
    const char *p = c->buf;
    size_t start = c->pos;
    size_t i = start;
    size_t end;

    while (!stop_unquoted[(uint8_t)p[i]])
        i++;
    if (p[i] == '"')
        return fail(c, err, errlen, RS_EINVAL, MSG(c->zh, "line %u: field %zu: unexpected quote", "第%u行第%zu个字段：引号位置不对"),
                    (unsigned)c->line, fieldno);
    end = i;
    while (end > start && (p[end - 1] == ' ' || p[end - 1] == '\t'))
        end--;
    if (end - start > RS_CSV_MAX_FIELD)
        return fail(c, err, errlen, RS_ETOOBIG, MSG(c->zh, "line %u: field %zu: longer than %d bytes", "第%u行第%zu个字段：超过%d字节"),
                    (unsigned)c->line, fieldno, RS_CSV_MAX_FIELD);
    c->pos = i;
    return append_or_fail(c, p + start, end - start, err, errlen);
}

/*
 * Reads a quoted field whose opening quote is at buf[pos].  Line breaks
 * inside are kept as they are and counted, so the next record's line is
 * right.  Errors about the field as a whole name the line where it began.
 */
static rs_status read_quoted(struct rs_csv *c, size_t fieldno, char *err, size_t errlen)
{
    const char *p = c->buf;
    uint32_t first_line = c->line;
    size_t i = c->pos + 1;
    size_t flen = 0;
    rs_status rv;

    for (;;) {
        size_t start = i;
        size_t span;

        for (;;) {
            uint8_t ch = (uint8_t)p[i];

            if (!stop_quoted[ch]) {
                i++;
            } else if (ch == '\n') {
                c->line++;
                i++;
            } else if (ch == '\r') {
                if (p[i + 1] != '\n')
                    c->line++;
                i++;
            } else {
                break;
            }
        }
        if (i == c->len)
            return fail(c, err, errlen, RS_EINVAL,
                        MSG(c->zh, "line %u: field %zu: quoted field never closed",
                            "第%u行第%zu个字段：引号没有闭合"),
                        (unsigned)first_line,
                        fieldno);
        /* p[i] is a quote: "" stands for one quote, anything else closes the field. */
        span = i - start + (p[i + 1] == '"' ? 1 : 0);
        if (flen + span > RS_CSV_MAX_FIELD)
            return fail(c, err, errlen, RS_ETOOBIG, MSG(c->zh, "line %u: field %zu: longer than %d bytes", "第%u行第%zu个字段：超过%d字节"),
                        (unsigned)first_line, fieldno, RS_CSV_MAX_FIELD);
        rv = append_or_fail(c, p + start, span, err, errlen);
        if (rv != RS_OK)
            return rv;
        flen += span;
        if (p[i + 1] != '"') {
            i++;
            break;
        }
        i += 2;
    }
    i = skip_blanks(p, i);
    if (p[i] != ',' && p[i] != '\n' && p[i] != '\r' && i != c->len)
        return fail(c, err, errlen, RS_EINVAL, MSG(c->zh, "line %u: field %zu: unexpected quote", "第%u行第%zu个字段：引号位置不对"),
                    (unsigned)c->line, fieldno);
    c->pos = i;
    return RS_OK;
}

rs_status rs_csv_next(struct rs_csv *c, char ***fields, size_t *nfields, uint32_t *line,
                      char *err, size_t errlen)
{
    rs_status rv;
    const char *p;
    size_t nf = 0;
    uint32_t first_line;

    if (c == NULL || fields == NULL || nfields == NULL || line == NULL) {
        set_err(err, errlen, "rs_csv_next: bad arguments");   /* c may be NULL */
        return RS_EINVAL;
    }
    if (c->failed != RS_OK) {
        set_err(err, errlen, "%s", c->failmsg);
        return c->failed;
    }
    p = c->buf;

    /* Skip blank lines, including lines of nothing but spaces and tabs. */
    for (;;) {
        size_t i = skip_blanks(p, c->pos);

        if (i == c->len) {
            c->pos = i;
            return RS_ENOTFOUND;
        }
        if (p[i] != '\n' && p[i] != '\r')
            break;
        c->pos = i;
        take_break(c);
    }

    first_line = c->line;
    c->scratch_len = 0;
    for (;;) {
        if (nf == RS_CSV_MAX_COLS)
            return fail(c, err, errlen, RS_ETOOBIG, MSG(c->zh, "line %u: more than %d fields", "第%u行：字段超过%d个"),
                        (unsigned)c->line, RS_CSV_MAX_COLS);
        c->pos = skip_blanks(p, c->pos);
        c->offs[nf] = c->scratch_len;
        if (p[c->pos] == '"')
            rv = read_quoted(c, nf + 1, err, errlen);
        else
            rv = read_unquoted(c, nf + 1, err, errlen);
        if (rv != RS_OK)
            return rv;
        rv = append_or_fail(c, "", 1, err, errlen);
        if (rv != RS_OK)
            return rv;
        nf++;
        if (p[c->pos] == ',') {
            c->pos++;
            continue;
        }
        if (p[c->pos] == '\n' || p[c->pos] == '\r')
            take_break(c);
        break;
    }

    for (size_t k = 0; k < nf; k++)
        c->fields[k] = c->scratch + c->offs[k];
    *fields = c->fields;
    *nfields = nf;
    *line = first_line;
    return RS_OK;
}

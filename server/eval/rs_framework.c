/*
 * rs_framework.c - loads and validates an indicator framework CSV against
 * its formula library (rs_flib.h), and names the rule shapes.
 *
 * See rs_framework.h for the contract and docs/evaluation.md §1 for the
 * file format.  The file is small (capped at RS_FW_MAX_FILE_BYTES), so it
 * is read whole and handed to the CSV reader the client uses too
 * (rs_csv.h: UTF-8, UTF-8 with BOM or GB18030, converted with iconv).  The
 * framework's own caps (RS_FW_MAX_COLS columns, RS_FW_MAX_FIELD bytes a
 * cell) are checked on each record it returns; its messages ("line 4:
 * field 2: unexpected quote") are given the file's name and read
 * "unit-2023.csv:4: field 2: unexpected quote", like every other error here.
 *
 * A row's formula is an entry of the library by code or slug, or else an
 * expression of its own, parsed here against the library (its kind from the
 * optional `kind` column, a rate by default).  The file's directives
 * ("#@" rows) are read once before the rows, by rs_framework_directives, so
 * that the loader can find the library first.
 *
 * Does not: compute anything from records (rs_eval.h), parse expressions
 * itself (rs_expr.h) or render (rs_report.h).
 */
#include "rs_framework.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_csv.h"

#define FW_MAX_PARAMS 12

/* ------------------------------------------------------------ rules */

static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;

        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

static const char *const rule_names[] = {
    [RS_RULE_CAP_DEDUCT] = "cap_deduct", [RS_RULE_BANDS] = "bands",
    [RS_RULE_STEP_BELOW] = "step_below", [RS_RULE_PROPORTIONAL] = "proportional",
    [RS_RULE_CHECKLIST] = "checklist",   [RS_RULE_MANUAL] = "manual",
};

const char *rs_framework_rule_name(enum rs_fw_rule r)
{
    if ((int)r < 0 || (size_t)r >= sizeof rule_names / sizeof rule_names[0])
        return "unknown";
    return rule_names[r];
}

/* ------------------------------------------------------------ errors */

struct ctx {
    const char *name;
    char *err;
    size_t errlen;
};

static void fail(const struct ctx *c, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(const struct ctx *c, uint32_t line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!c->err || c->errlen == 0)
        return;
    n = snprintf(c->err, c->errlen, "%s.csv:%u: ", c->name, line);
    if (n < 0 || (size_t)n >= c->errlen)
        return;
    va_start(ap, fmt);
    n = vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= 0 && strlen(c->err) + 1 == c->errlen) {
        /* Cut: drop a UTF-8 sequence left incomplete at the end. */
        size_t len = strlen(c->err), i = len;

        while (i > 0 && ((unsigned char)c->err[i - 1] & 0xC0) == 0x80)
            i--;
        if (i > 0 && (unsigned char)c->err[i - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)c->err[i - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

            if (len - (i - 1) < need)
                c->err[i - 1] = '\0';
        }
    }
}

/* Drops a UTF-8 sequence cut short at the end of s. */
static void utf8_cut(char *s)
{
    size_t len = strlen(s), i = len;

    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0 && (unsigned char)s[i - 1] >= 0xC0) {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

        if (len - (i - 1) < need)
            s[i - 1] = '\0';
    }
}

/* Copies src into dst[0..cap), cut at a character boundary. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);

    if (n >= cap)
        n = cap - 1;
    memmove(dst, src, n);
    dst[n] = '\0';
    utf8_cut(dst);
}

/* ------------------------------------------------------------ CSV */

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
}

/*
 * Says why the CSV reader stopped: its message ("line 4: field 2:
 * unexpected quote", "out of memory") with the file's name in front, the
 * line where it gives one.
 */
static void csv_fail(const struct ctx *c, const char *msg)
{
    unsigned long line;
    char *end;

    if (strncmp(msg, "line ", 5) == 0 && msg[5] >= '0' && msg[5] <= '9') {
        line = strtoul(msg + 5, &end, 10);
        if (end[0] == ':' && end[1] == ' ' && line <= UINT32_MAX) {
            fail(c, (uint32_t)line, "%s", end + 2);
            return;
        }
    }
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "%s.csv: %s", c->name, msg);
}

/* A record of the file: its cells, trimmed, and the line it starts on. */
struct row {
    char **f;
    size_t nf;
    uint32_t line;
};

/*
 * Reads the next record that has a non-empty cell into r (blank lines and
 * rows Excel leaves as ",,,," are skipped).  1 on a record, 0 at the end,
 * -1 on an error (reported; *rv says which status).
 */
static int next_row(const struct ctx *c, struct rs_csv *csv, struct row *r, rs_status *rv)
{
    char msg[256];

    for (;;) {
        rs_status st = rs_csv_next(csv, &r->f, &r->nf, &r->line, msg, sizeof msg);
        bool empty = true;

        if (st == RS_ENOTFOUND)
            return 0;
        if (st != RS_OK) {
            csv_fail(c, msg);
            *rv = st == RS_ENOMEM ? RS_ENOMEM : RS_EINVAL;
            return -1;
        }
        if (r->nf > RS_FW_MAX_COLS) {
            fail(c, r->line, "more than %d columns", RS_FW_MAX_COLS);
            *rv = RS_EINVAL;
            return -1;
        }
        for (size_t i = 0; i < r->nf; i++) {
            if (strlen(r->f[i]) >= RS_FW_MAX_FIELD) {
                fail(c, r->line, "field longer than %d bytes", RS_FW_MAX_FIELD - 1);
                *rv = RS_EINVAL;
                return -1;
            }
            trim(r->f[i]);
            if (r->f[i][0])
                empty = false;
        }
        if (!empty)
            return 1;
    }
}

/* ------------------------------------------------------------ numbers */

/* Parses a signed decimal of at most 3 decimals (optional % suffix). */
static bool parse_milli(const char *s, int64_t *out)
{
    char tmp[64];
    size_t n = strlen(s);
    bool neg = false;
    int64_t v;

    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n + 1);
    if (n > 0 && tmp[n - 1] == '%')
        tmp[--n] = '\0';
    else if (n >= 3 && strcmp(tmp + n - 3, "％") == 0)
        tmp[n -= 3] = '\0';
    trim(tmp);
    if (tmp[0] == '-' || tmp[0] == '+') {
        neg = tmp[0] == '-';
        memmove(tmp, tmp + 1, strlen(tmp));
    }
    if (tmp[0] < '0' || tmp[0] > '9')
        return false;
    if (rs_milli_parse(tmp, &v) != RS_OK || v > INT64_C(1000000000000))
        return false;
    *out = neg ? -v : v;
    return true;
}

static bool is_inf(const char *s, bool *neg)
{
    *neg = s[0] == '-';
    if (s[0] == '-' || s[0] == '+')
        s++;
    return ascii_casecmp(s, "inf") == 0 || strcmp(s, "∞") == 0;
}

/* ------------------------------------------------------------ params */

struct kv {
    char key[64];
    char val[160];
    bool used;
};

/* Splits "k=v; k=v" (';' or '；') into kv.  false on a malformed item. */
static bool split_params(const struct ctx *c, uint32_t line, const char *s, struct kv *kv,
                         size_t *nkv)
{
    char buf[RS_FW_PARAMS_MAX + 1];
    char *p = buf;

    *nkv = 0;
    snprintf(buf, sizeof buf, "%s", s);
    while (*p) {
        char *end = p, *eq;
        size_t klen, vlen;

        while (*end && *end != ';' && strncmp(end, "；", 3) != 0)
            end++;
        {
            char save = *end;
            size_t skip = save == ';' ? 1 : save ? 3 : 0;

            *end = '\0';
            trim(p);
            if (*p) {
                eq = strchr(p, '=');
                if (!eq) {
                    fail(c, line, "bad params: \"%s\" is not key=value", p);
                    return false;
                }
                if (*nkv == FW_MAX_PARAMS) {
                    fail(c, line, "bad params: more than %d items", FW_MAX_PARAMS);
                    return false;
                }
                *eq = '\0';
                trim(p);
                trim(eq + 1);
                klen = strlen(p);
                vlen = strlen(eq + 1);
                if (klen == 0 || klen >= sizeof kv->key || vlen == 0 || vlen >= sizeof kv->val) {
                    fail(c, line, "bad params: empty or overlong key or value in \"%s\"", p);
                    return false;
                }
                memcpy(kv[*nkv].key, p, klen + 1);
                memcpy(kv[*nkv].val, eq + 1, vlen + 1);
                kv[*nkv].used = false;
                (*nkv)++;
            }
            p = end + skip;
            if (!save)
                break;
        }
    }
    return true;
}

static struct kv *kv_get(struct kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (ascii_casecmp(kv[i].key, key) == 0) {
            kv[i].used = true;
            return &kv[i];
        }
    }
    return NULL;
}

/* A number parameter; required unless has_default. */
static bool param_num(const struct ctx *c, uint32_t line, struct kv *kv, size_t n,
                      const char *key, bool has_default, int64_t dflt, int64_t *out)
{
    struct kv *e = kv_get(kv, n, key);

    if (!e) {
        if (has_default) {
            *out = dflt;
            return true;
        }
        fail(c, line, "bad params: missing %s", key);
        return false;
    }
    if (!parse_milli(e->val, out)) {
        fail(c, line, "bad params: %s=\"%s\" is not a number with at most 3 decimals", key,
             e->val);
        return false;
    }
    return true;
}

/* Parses one interval "[a,b]" / "(a,b]" / "(-inf,0]" or a single value "0". */
static bool parse_interval(const char *s, struct rs_fw_band *b)
{
    char tmp[64];
    size_t n = strlen(s);
    char *comma;
    bool neg;

    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n + 1);
    if (tmp[0] != '[' && tmp[0] != '(') {
        if (!parse_milli(tmp, &b->lo))
            return false;
        b->hi = b->lo;
        b->lo_incl = b->hi_incl = true;
        b->lo_inf = b->hi_inf = false;
        return true;
    }
    if (tmp[n - 1] != ']' && tmp[n - 1] != ')')
        return false;
    b->lo_incl = tmp[0] == '[';
    b->hi_incl = tmp[n - 1] == ']';
    tmp[n - 1] = '\0';
    comma = strchr(tmp + 1, ',');
    if (comma) {
        *comma++ = '\0';
    } else {
        comma = strstr(tmp + 1, "，");
        if (!comma)
            return false;
        *comma = '\0';
        comma += strlen("，");
    }
    {
        char *lo = tmp + 1, *hi = comma;

        trim(lo);
        trim(hi);
        b->lo_inf = is_inf(lo, &neg);
        if (b->lo_inf && !neg)
            return false;
        if (!b->lo_inf && !parse_milli(lo, &b->lo))
            return false;
        b->hi_inf = is_inf(hi, &neg);
        if (b->hi_inf && neg)
            return false;
        if (!b->hi_inf && !parse_milli(hi, &b->hi))
            return false;
    }
    if (b->lo_inf)
        b->lo_incl = false;
    if (b->hi_inf)
        b->hi_incl = false;
    if (!b->lo_inf && !b->hi_inf &&
        (b->lo > b->hi || (b->lo == b->hi && !(b->lo_incl && b->hi_incl))))
        return false;
    return true;
}

/* True if the two bands share at least one value. */
static bool bands_overlap(const struct rs_fw_band *a, const struct rs_fw_band *b)
{
    /* a lies entirely below b? */
    if (!a->hi_inf && !b->lo_inf &&
        (a->hi < b->lo || (a->hi == b->lo && !(a->hi_incl && b->lo_incl))))
        return false;
    if (!b->hi_inf && !a->lo_inf &&
        (b->hi < a->lo || (b->hi == a->lo && !(b->hi_incl && a->lo_incl))))
        return false;
    return true;
}

static void fmt_milli(int64_t v, char out[32])
{
    rs_milli_format(v, out);
}

static void tgt(struct rs_fw_indicator *ind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats into ind->target; every input is short, a cut is harmless. */
static void tgt(struct rs_fw_indicator *ind, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ind->target, sizeof ind->target, fmt, ap);
    va_end(ap);
}

/* Writes the display target derived from the rule when the file has none. */
static void derive_target(struct rs_fw_indicator *ind, enum rs_fw_vkind kind)
{
    char a[32];
    const char *unit = kind == RS_VK_RATE ? "%" : "";

    switch (ind->rule) {
    case RS_RULE_CAP_DEDUCT:
        fmt_milli(ind->threshold, a);
        tgt(ind, "%s%s%s", ind->bad_below ? "≥" : "≤", a,
                 unit);
        break;
    case RS_RULE_STEP_BELOW:
        fmt_milli(ind->target_val, a);
        tgt(ind, "≥%s%s", a, unit);
        break;
    case RS_RULE_PROPORTIONAL:
        fmt_milli(ind->full_at, a);
        tgt(ind, "≥%s%s", a, unit);
        break;
    case RS_RULE_BANDS: {
        /* The best-scoring band, as written. */
        size_t best = 0;

        for (size_t i = 1; i < ind->nbands; i++) {
            if (ind->bands[i].score_milli > ind->bands[best].score_milli)
                best = i;
        }
        {
            const struct rs_fw_band *b = &ind->bands[best];
            char lo[32], hi[32];

            fmt_milli(b->lo, lo);
            fmt_milli(b->hi, hi);
            if (!b->lo_inf && !b->hi_inf && b->lo == b->hi)
                tgt(ind, "=%s%s", lo, unit);
            else if (b->lo_inf)
                tgt(ind, "%s%s%s", b->hi_incl ? "≤" : "<", hi,
                         unit);
            else if (b->hi_inf)
                tgt(ind, "%s%s%s", b->lo_incl ? "≥" : ">", lo,
                         unit);
            else
                tgt(ind, "%s%s, %s%s%s", b->lo_incl ? "[" : "(",
                         lo, hi, b->hi_incl ? "]" : ")", unit);
        }
        break;
    }
    case RS_RULE_CHECKLIST:
        tgt(ind, "%u项全部达标", ind->items);
        break;
    case RS_RULE_MANUAL:
        tgt(ind, "评审确定");
        break;
    }
}

/* Reads the params cell of ind (rule and formula already set). */
static bool parse_rule_params(const struct ctx *c, struct rs_fw_indicator *ind,
                              enum rs_fw_vkind kind)
{
    struct kv kv[FW_MAX_PARAMS];
    size_t n;
    uint32_t line = ind->line;
    char pts[32];

    if (!split_params(c, line, ind->params, kv, &n))
        return false;
    fmt_milli(ind->points_milli, pts);
    switch (ind->rule) {
    case RS_RULE_CAP_DEDUCT: {
        struct kv *e;

        if (!param_num(c, line, kv, n, "threshold", false, 0, &ind->threshold) ||
            !param_num(c, line, kv, n, "per", false, 0, &ind->per))
            return false;
        if (ind->per <= 0) {
            fail(c, line, "bad params: per must be > 0");
            return false;
        }
        e = kv_get(kv, n, "bad");
        ind->bad_below = false;
        if (e) {
            if (ascii_casecmp(e->val, "below") == 0) {
                ind->bad_below = true;
            } else if (ascii_casecmp(e->val, "above") != 0) {
                fail(c, line, "bad params: bad=\"%s\" must be above or below", e->val);
                return false;
            }
        }
        break;
    }
    case RS_RULE_STEP_BELOW:
        if (!param_num(c, line, kv, n, "target", kind == RS_VK_RATE, 100000, &ind->target_val) ||
            !param_num(c, line, kv, n, "step", false, 0, &ind->step) ||
            !param_num(c, line, kv, n, "deduct", false, 0, &ind->deduct))
            return false;
        if (ind->step <= 0 || ind->deduct <= 0) {
            fail(c, line, "bad params: step and deduct must be > 0");
            return false;
        }
        {
            struct kv *e = kv_get(kv, n, "steps");

            ind->steps_completed = false;
            if (e && ascii_casecmp(e->val, "completed") == 0) {
                ind->steps_completed = true;
            } else if (e && ascii_casecmp(e->val, "started") != 0) {
                fail(c, line, "bad params: steps=\"%s\" must be started or completed",
                     e->val);
                return false;
            }
        }
        break;
    case RS_RULE_PROPORTIONAL:
        if (!param_num(c, line, kv, n, "full_at", kind == RS_VK_RATE, 100000, &ind->full_at))
            return false;
        if (ind->full_at <= 0) {
            fail(c, line, "bad params: full_at must be > 0");
            return false;
        }
        break;
    case RS_RULE_CHECKLIST: {
        int64_t items;

        if (!param_num(c, line, kv, n, "items", false, 0, &items) ||
            !param_num(c, line, kv, n, "per_fail", false, 0, &ind->per_fail))
            return false;
        if (items <= 0 || items % 1000 != 0 || items > 100000) {
            fail(c, line, "bad params: items must be a whole number 1..100");
            return false;
        }
        if (ind->per_fail <= 0) {
            fail(c, line, "bad params: per_fail must be > 0");
            return false;
        }
        ind->items = (uint32_t)(items / 1000);
        break;
    }
    case RS_RULE_MANUAL:
        break;
    case RS_RULE_BANDS:
        ind->nbands = 0;
        for (size_t i = 0; i < n; i++) {
            struct rs_fw_band *b;

            if (kv[i].used)
                continue;
            if (kv[i].key[0] != '[' && kv[i].key[0] != '(' &&
                !(kv[i].key[0] >= '0' && kv[i].key[0] <= '9') && kv[i].key[0] != '-')
                continue; /* reported below as an unknown parameter */
            if (ind->nbands == RS_FW_MAX_BANDS) {
                fail(c, line, "bad params: more than %d bands", RS_FW_MAX_BANDS);
                return false;
            }
            b = &ind->bands[ind->nbands];
            if (!parse_interval(kv[i].key, b)) {
                fail(c, line, "bad params: \"%s\" is not an interval like (10,20] or [0,0]",
                     kv[i].key);
                return false;
            }
            if (!parse_milli(kv[i].val, &b->score_milli) || b->score_milli < 0) {
                fail(c, line, "bad params: band %s score \"%s\" is not a number >= 0", kv[i].key,
                     kv[i].val);
                return false;
            }
            if (b->score_milli > ind->points_milli) {
                fail(c, line, "bad params: band %s scores %s, more than the %s points", kv[i].key,
                     kv[i].val, pts);
                return false;
            }
            for (size_t j = 0; j < ind->nbands; j++) {
                if (bands_overlap(&ind->bands[j], b)) {
                    fail(c, line, "bad params: band %s overlaps an earlier band", kv[i].key);
                    return false;
                }
            }
            kv[i].used = true;
            ind->nbands++;
        }
        if (ind->nbands == 0) {
            fail(c, line, "bad params: bands needs at least one interval=score item");
            return false;
        }
        break;
    }
    if ((ind->rule == RS_RULE_STEP_BELOW && ind->deduct > ind->points_milli) ||
        (ind->rule == RS_RULE_CHECKLIST && ind->per_fail > ind->points_milli)) {
        fail(c, line, "bad params: one deduction is more than the %s points", pts);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].used) {
            fail(c, line, "bad params: unknown parameter \"%s\" for rule %s", kv[i].key,
                 rs_framework_rule_name(ind->rule));
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------ header */

enum col { COL_CODE, COL_DIM, COL_NAME, COL_POINTS, COL_FORMULA, COL_RULE, COL_PARAMS,
           COL_TARGET, COL_NOTE, COL_KIND, NCOLS };

static const char *const col_names[NCOLS][2] = {
    [COL_CODE] = {"code", "编码"},          [COL_DIM] = {"dimension", "维度"},
    [COL_NAME] = {"indicator", "指标"},     [COL_POINTS] = {"points", "分值"},
    [COL_FORMULA] = {"formula", "公式"},    [COL_RULE] = {"rule", "规则"},
    [COL_PARAMS] = {"params", "参数"},      [COL_TARGET] = {"target", "目标值"},
    [COL_NOTE] = {"note", "备注"},          [COL_KIND] = {"kind", "类型"},
};

static bool read_header(const struct ctx *c, const struct row *cv, uint32_t line, int map[NCOLS])
{
    for (size_t k = 0; k < NCOLS; k++)
        map[k] = -1;
    for (size_t i = 0; i < cv->nf; i++) {
        size_t k;

        for (k = 0; k < NCOLS; k++) {
            if (ascii_casecmp(cv->f[i], col_names[k][0]) == 0 ||
                strcmp(cv->f[i], col_names[k][1]) == 0)
                break;
        }
        if (k == NCOLS) {
            fail(c, line, "unknown column \"%s\" (expected code, dimension, indicator, points, "
                          "formula, rule, params, target, note, kind)", cv->f[i]);
            return false;
        }
        if (map[k] >= 0) {
            fail(c, line, "column \"%s\" appears twice", cv->f[i]);
            return false;
        }
        map[k] = (int)i;
    }
    for (size_t k = 0; k < NCOLS; k++) {
        if (map[k] < 0 && k != COL_NOTE && k != COL_TARGET && k != COL_PARAMS &&
            k != COL_KIND) {
            fail(c, line, "missing column \"%s\"", col_names[k][0]);
            return false;
        }
    }
    return true;
}

static const char *cell(const struct row *cv, const int map[NCOLS], enum col k)
{
    if (map[k] < 0 || (size_t)map[k] >= cv->nf)
        return "";
    return cv->f[map[k]];
}

static bool copy_text(const struct ctx *c, uint32_t line, const char *what, const char *src,
                      char *dst, size_t cap, bool required)
{
    size_t n = strlen(src);

    if (required && n == 0) {
        fail(c, line, "%s is empty", what);
        return false;
    }
    if (n >= cap) {
        fail(c, line, "%s is longer than %zu bytes", what, cap - 1);
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

static bool rule_parse(const char *s, enum rs_fw_rule *out)
{
    for (size_t i = 0; i < sizeof rule_names / sizeof rule_names[0]; i++) {
        if (ascii_casecmp(s, rule_names[i]) == 0) {
            *out = (enum rs_fw_rule)i;
            return true;
        }
    }
    return false;
}

/*
 * A row's own formula: the cell is not an entry of the library, so it is an
 * expression over the library (and the built-in inputs), of the row's kind
 * (a rate if the kind cell is empty).  Kept in fw->own.
 */
static const struct rs_formula_info *inline_formula(const struct ctx *c, struct rs_framework *fw,
                                                    const struct rs_fw_indicator *ind,
                                                    const char *text, const char *kind)
{
    struct rs_formula_info *fi = &fw->own[fw->nown];
    struct rs_xscope sc = {fw->lib, rs_flib_lookup, NULL, true};
    struct rs_xerr xe;
    bool unlisted;
    rs_status st;
    bool looks_like_code = text[0] && !strpbrk(text, " ()+-*/×÷−.");

    memset(fi, 0, sizeof *fi);
    if (looks_like_code) {
        fail(c, ind->line, "unknown formula \"%s\" (not in %s; see docs/evaluation.md)", text,
             fw->lib->name);
        return NULL;
    }
    if (kind[0] && !rs_flib_kind(kind, fi, &unlisted)) {
        fail(c, ind->line, "kind \"%s\" must be rate, count <unit> or money [万元|元]", kind);
        return NULL;
    }
    if (!kind[0])
        fi->kind = RS_VK_RATE;
    if (fi->kind == RS_VK_CHECKLIST || fi->kind == RS_VK_MANUAL) {
        fail(c, ind->line, "kind %s needs a library entry (checklist() or manual())", kind);
        return NULL;
    }
    st = rs_expr_parse(text, strlen(text), &sc, -1, &fi->expr, &xe);
    if (st) {
        fail(c, ind->line, "formula, character %u: %s", xe.col, xe.msg);
        return NULL;
    }
    if (rs_expr_type(fi->expr) != (fi->kind == RS_VK_MONEY ? RS_XT_MONEY : RS_XT_NUM)) {
        fail(c, ind->line, "formula: kind %s, but the expression is %s",
             rs_flib_kind_name(fi->kind),
             rs_expr_type(fi->expr) == RS_XT_MONEY ? "money" : "not an amount of money");
        rs_expr_free(fi->expr);
        fi->expr = NULL;
        return NULL;
    }
    fi->line = ind->line;
    copy_cut(fi->code, sizeof fi->code, ind->code);
    copy_cut(fi->name, sizeof fi->name, ind->name);
    copy_cut(fi->definition, sizeof fi->definition, text);
    fw->nown++;
    return fi;
}

/* Reads one indicator row; ind->line set by the caller. */
static bool read_row(const struct ctx *c, const struct row *cv, const int map[NCOLS],
                     struct rs_framework *fw, struct rs_fw_indicator *ind)
{
    uint32_t line = ind->line;
    const struct rs_formula_info *fi;
    const char *s;

    if (!copy_text(c, line, "code", cell(cv, map, COL_CODE), ind->code, sizeof ind->code, true) ||
        !copy_text(c, line, "dimension", cell(cv, map, COL_DIM), ind->dimension,
                   sizeof ind->dimension, true) ||
        !copy_text(c, line, "indicator", cell(cv, map, COL_NAME), ind->name, sizeof ind->name,
                   true) ||
        !copy_text(c, line, "params", cell(cv, map, COL_PARAMS), ind->params, sizeof ind->params,
                   false) ||
        !copy_text(c, line, "target", cell(cv, map, COL_TARGET), ind->target, sizeof ind->target,
                   false))
        return false;
    for (size_t i = 0; i < fw->n; i++) {
        if (strcmp(fw->ind[i].code, ind->code) == 0) {
            fail(c, line, "code \"%s\" already used on line %u", ind->code, fw->ind[i].line);
            return false;
        }
    }
    s = cell(cv, map, COL_POINTS);
    if (!parse_milli(s, &ind->points_milli) || ind->points_milli <= 0 ||
        ind->points_milli > RS_FW_TOTAL_MILLI) {
        fail(c, line, "points \"%s\" must be a number > 0 and <= 100 with at most 3 decimals", s);
        return false;
    }
    s = cell(cv, map, COL_FORMULA);
    fi = rs_flib_find(fw->lib, s);
    if (!fi && !(fi = inline_formula(c, fw, ind, s, cell(cv, map, COL_KIND))))
        return false;
    ind->fi = fi;
    s = cell(cv, map, COL_RULE);
    if (!rule_parse(s, &ind->rule)) {
        fail(c, line, "unknown rule \"%s\" (expected cap_deduct, bands, step_below, "
                      "proportional, checklist or manual)", s);
        return false;
    }
    if ((fi->kind == RS_VK_CHECKLIST) != (ind->rule == RS_RULE_CHECKLIST)) {
        fail(c, line, "rule %s does not fit formula %s (checklist formulas F17-F19/C take "
                      "rule checklist, and only they)", rs_framework_rule_name(ind->rule),
             fi->code);
        return false;
    }
    if ((fi->kind == RS_VK_MANUAL) != (ind->rule == RS_RULE_MANUAL)) {
        fail(c, line, "rule %s does not fit formula %s (formula M takes rule manual, and "
                      "only it)", rs_framework_rule_name(ind->rule), fi->code);
        return false;
    }
    if (!parse_rule_params(c, ind, fi->kind))
        return false;
    if (ind->target[0] == '\0')
        derive_target(ind, fi->kind);
    return true;
}

static bool add_dimension(const struct ctx *c, struct rs_framework *fw,
                          struct rs_fw_indicator *ind)
{
    size_t d;

    for (d = 0; d < fw->ndims; d++) {
        if (strcmp(fw->dims[d].name, ind->dimension) == 0)
            break;
    }
    if (d == fw->ndims) {
        if (fw->ndims == RS_FW_MAX_DIMENSIONS) {
            fail(c, ind->line, "more than %d dimensions", RS_FW_MAX_DIMENSIONS);
            return false;
        }
        memcpy(fw->dims[d].name, ind->dimension, sizeof fw->dims[d].name);
        fw->ndims++;
    }
    ind->dim = d;
    fw->dims[d].points_milli += ind->points_milli;
    fw->dims[d].nind++;
    return true;
}

/* Reads the "#@ key=value; ..." items of one directive cell into d. */
static bool read_directive(const struct ctx *c, uint32_t line, const char *cellv,
                           struct rs_fw_directives *d)
{
    struct kv kv[FW_MAX_PARAMS];
    size_t n;

    if (!split_params(c, line, cellv + 2, kv, &n))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (ascii_casecmp(kv[i].key, "formulas") == 0 || ascii_casecmp(kv[i].key, "checks") == 0) {
            char *dst = ascii_casecmp(kv[i].key, "formulas") == 0 ? d->formulas : d->checks;

            if (strlen(kv[i].val) > RS_FLIB_NAME_MAX) {
                fail(c, line, "directive %s: file name too long", kv[i].key);
                return false;
            }
            memcpy(dst, kv[i].val, strlen(kv[i].val) + 1);     /* fits: checked above */
        } else if (ascii_casecmp(kv[i].key, "published_points") == 0) {
            if (!parse_milli(kv[i].val, &d->published_milli) || d->published_milli <= 0 ||
                d->published_milli > RS_FW_TOTAL_MILLI * 10) {
                fail(c, line, "directive published_points=\"%s\" must be a number > 0",
                     kv[i].val);
                return false;
            }
        } else {
            fail(c, line, "unknown directive \"%s\" (expected formulas, checks, "
                          "published_points)", kv[i].key);
            return false;
        }
    }
    return true;
}

/* Walks the rows of a framework file, calling row_fn for each non-comment
 * row and reading the directives into d.  Returns RS_OK or an error. */
static rs_status walk(const struct ctx *c, const void *data, size_t n,
                      struct rs_fw_directives *d,
                      bool (*row_fn)(void *user, const struct ctx *c, const struct row *r),
                      void *user, uint32_t *last)
{
    struct rs_csv *csv = NULL;
    struct row row;
    char msg[256];
    rs_status rv;
    int r;

    memset(d, 0, sizeof *d);
    snprintf(d->formulas, sizeof d->formulas, "%s", RS_FLIB_DEFAULT);
    snprintf(d->checks, sizeof d->checks, "%s", RS_FLIB_CHECKS_DEFAULT);
    *last = 1;
    rv = rs_csv_open(data, n, &csv, msg, sizeof msg);
    if (rv) {
        csv_fail(c, msg);
        return rv == RS_ENOMEM ? RS_ENOMEM : RS_EINVAL;
    }
    rv = RS_EINVAL;
    while ((r = next_row(c, csv, &row, &rv)) == 1) {
        *last = row.line;
        if (strncmp(row.f[0], "#@", 2) == 0) {
            if (!read_directive(c, row.line, row.f[0], d))
                break;
            continue;
        }
        if (row.f[0][0] == '#')
            continue;
        if (row_fn && !row_fn(user, c, &row))
            break;
    }
    rs_csv_close(csv);
    return r == 0 ? RS_OK : rv;
}

rs_status rs_framework_directives(const void *data, size_t n, const char *name,
                                  struct rs_fw_directives *d, char *err, size_t errlen)
{
    struct ctx c = {name ? name : "framework", err, errlen};
    uint32_t last;

    if (err && errlen)
        err[0] = '\0';
    if (n > RS_FW_MAX_FILE_BYTES) {
        fail(&c, 0, "file larger than %d bytes", RS_FW_MAX_FILE_BYTES);
        return RS_EINVAL;
    }
    return walk(&c, data, n, d, NULL, NULL, &last);
}

struct parse_state {
    struct rs_framework *fw;
    int map[NCOLS];
    bool have_header;
};

static bool parse_row(void *user, const struct ctx *c, const struct row *row)
{
    struct parse_state *ps = user;
    struct rs_framework *fw = ps->fw;
    struct rs_fw_indicator *ind;

    if (!ps->have_header) {
        if (!read_header(c, row, row->line, ps->map))
            return false;
        ps->have_header = true;
        return true;
    }
    if (fw->n == RS_FW_MAX_INDICATORS) {
        fail(c, row->line, "more than %d indicators", RS_FW_MAX_INDICATORS);
        return false;
    }
    ind = &fw->ind[fw->n];
    memset(ind, 0, sizeof *ind);
    ind->line = row->line;
    if (!read_row(c, row, ps->map, fw, ind) || !add_dimension(c, fw, ind))
        return false;
    fw->total_milli += ind->points_milli;
    fw->n++;
    return true;
}

rs_status rs_framework_parse(const void *data, size_t n, const char *name,
                             const struct rs_flib *lib, struct rs_framework **out, char *err,
                             size_t errlen)
{
    struct ctx c = {name ? name : "framework", err, errlen};
    struct parse_state ps;
    struct rs_fw_directives d;
    struct rs_framework *fw = NULL;
    uint32_t last_line = 1;
    rs_status rv = RS_EINVAL;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!lib) {
        fail(&c, 0, "no formula library");
        return RS_EINVAL;
    }
    if (strlen(c.name) > RS_FW_NAME_MAX) {
        fail(&c, 0, "framework name longer than %d bytes", RS_FW_NAME_MAX);
        return RS_EINVAL;
    }
    if (n > RS_FW_MAX_FILE_BYTES) {
        fail(&c, 0, "file larger than %d bytes", RS_FW_MAX_FILE_BYTES);
        return RS_EINVAL;
    }
    fw = calloc(1, sizeof *fw);
    if (!fw)
        return RS_ENOMEM;
    fw->lib = lib;
    snprintf(fw->name, sizeof fw->name, "%s", c.name);
    {
        uint8_t h[RS_SHA256_LEN];

        rs_sha256(data, n, h);
        rs_hex(h, sizeof h, fw->hash);
    }
    memset(&ps, 0, sizeof ps);
    ps.fw = fw;
    rv = walk(&c, data, n, &d, parse_row, &ps, &last_line);
    if (rv)
        goto out;
    rv = RS_EINVAL;
    fw->published_milli = d.published_milli;
    if (!ps.have_header) {
        fail(&c, last_line, "no header row (code,dimension,indicator,points,formula,rule,"
                            "params,target)");
        goto out;
    }
    if (fw->n == 0) {
        fail(&c, last_line, "no indicators");
        goto out;
    }
    if (fw->published_milli ? fw->total_milli > fw->published_milli
                            : fw->total_milli != RS_FW_TOTAL_MILLI) {
        char tot[32], pub[32];

        fmt_milli(fw->total_milli, tot);
        fmt_milli(fw->published_milli, pub);
        if (fw->published_milli)
            fail(&c, last_line, "points sum to %s, more than the published %s", tot, pub);
        else
            fail(&c, last_line, "points sum to %s, expected 100 (a framework that covers "
                                "part of a published table says #@ published_points=...)",
                 tot);
        goto out;
    }
    *out = fw;
    fw = NULL;
    rv = RS_OK;
out:
    rs_framework_free(fw);
    return rv;
}

bool rs_framework_partial(const struct rs_framework *fw)
{
    return fw && fw->published_milli > 0;
}

/* ------------------------------------------------------------ loading */

static bool preset_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > RS_FW_NAME_MAX || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return false;
    }
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

rs_status rs_framework_load(const char *dir, const char *spec, struct rs_framework **out,
                            char *err, size_t errlen)
{
    char path[4096], own_dir[4096];
    char name[RS_FW_NAME_MAX + 1];
    const char *stem, *shown;
    size_t stemlen;
    char *buf = NULL;
    size_t n = 0;
    struct rs_fw_directives d;
    struct rs_flib *lib = NULL;
    rs_status rv;

    *out = NULL;
    if (!spec || !*spec)
        spec = RS_FRAMEWORK_DEFAULT;
    if (strchr(spec, '/')) {
        if (!ends_with(spec, ".csv") || strlen(spec) >= sizeof path) {
            snprintf(err, errlen, "framework path \"%s\" must end in .csv", spec);
            return RS_EINVAL;
        }
        snprintf(path, sizeof path, "%s", spec);
        stem = strrchr(spec, '/') + 1;
        snprintf(own_dir, sizeof own_dir, "%.*s", (int)(stem - 1 - spec), spec);
        if (own_dir[0] == '\0')
            snprintf(own_dir, sizeof own_dir, "/");
    } else {
        stem = spec;
        if (!dir || !*dir) {
            snprintf(err, errlen, "no framework directory for preset \"%s\"", spec);
            return RS_EINVAL;
        }
        snprintf(own_dir, sizeof own_dir, "%s", dir);
    }
    stemlen = strlen(stem);
    if (ends_with(stem, ".csv"))
        stemlen -= 4;
    if (!preset_name_ok(stem, stemlen)) {
        snprintf(err, errlen, "bad framework name \"%s\" (letters, digits, _ - . only)", spec);
        return RS_EINVAL;
    }
    memcpy(name, stem, stemlen);
    name[stemlen] = '\0';
    if (!strchr(spec, '/')) {
        int k = snprintf(path, sizeof path, "%s/%s.csv", dir, name);

        if (k < 0 || (size_t)k >= sizeof path) {
            snprintf(err, errlen, "framework path too long");
            return RS_EINVAL;
        }
    }
    /* A preset is named by its name: where the presets live is the server's business. */
    shown = strchr(spec, '/') ? path : name;
    rv = rs_flib_read_file(path, &buf, &n, err, errlen);
    if (rv == RS_ENOTFOUND)
        snprintf(err, errlen, "%s: no such framework", shown);
    else if (rv && shown != path)
        snprintf(err, errlen, "%s: cannot be read (%s)", shown, rs_status_str(rv));
    if (rv)
        return rv;
    if (n > RS_FW_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %d bytes", shown, RS_FW_MAX_FILE_BYTES);
        rv = RS_EINVAL;
        goto out;
    }
    rv = rs_framework_directives(buf, n, name, &d, err, errlen);
    if (rv)
        goto out;
    rv = rs_flib_load(own_dir, dir, d.formulas, d.checks, &lib, err, errlen);
    if (rv)
        goto out;
    rv = rs_framework_parse(buf, n, name, lib, out, err, errlen);
    if (rv == RS_OK) {
        (*out)->owned_lib = lib;
        lib = NULL;
    }
out:
    rs_flib_free(lib);
    free(buf);
    return rv;
}

void rs_framework_free(struct rs_framework *fw)
{
    if (!fw)
        return;
    for (size_t i = 0; i < fw->nown; i++)
        rs_expr_free(fw->own[i].expr);
    rs_flib_free(fw->owned_lib);
    free(fw);
}

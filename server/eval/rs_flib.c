/*
 * rs_flib.c - loads a formula library and a check file (rs_flib.h).
 *
 * A library is read in two passes over its lines: the first takes every
 * entry's name, slug, kind and Chinese name, so that an expression may name
 * an entry further down; the second parses each expression against them and
 * the built-in inputs (rs_eval_inputs.h), checks that its type fits its
 * kind, and a last walk refuses a cycle of references.  A check file is
 * read in one pass against a loaded library.  Fields are separated by '|';
 * every error names the file, the line and the column of the character
 * where it was found (an expression's own columns are shifted to the line's).
 *
 * Does not: evaluate (rs_expr_eval.c) or read frameworks (rs_framework.c).
 */
#include "rs_flib.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_eval_inputs.h"

#define MAX_FIELDS 8

/* ------------------------------------------------------------ text */

struct field {
    const char *s;                   /* trimmed */
    size_t n;
    uint32_t col;                    /* 1-based column of s in its line */
};

struct line {
    const char *s;
    size_t n;
    uint32_t no;
};

static uint32_t chars(const char *s, size_t n)
{
    uint32_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static void say(char *err, size_t errlen, const char *file, uint32_t line, uint32_t col,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void say(char *err, size_t errlen, const char *file, uint32_t line, uint32_t col,
                const char *fmt, ...)
{
    va_list ap;
    int k;

    if (!err || errlen == 0)
        return;
    k = col ? snprintf(err, errlen, "%s:%u:%u: ", file, line, col)
            : snprintf(err, errlen, "%s:%u: ", file, line);
    if (k < 0 || (size_t)k >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

static bool is_blank_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Splits a line on '|' into trimmed fields with their columns. */
static size_t split(const struct line *l, struct field *f, size_t max)
{
    size_t nf = 0, start = 0;

    for (size_t i = 0; i <= l->n && nf < max; i++) {
        if (i == l->n || l->s[i] == '|') {
            size_t a = start, b = i;

            while (a < b && is_blank_byte(l->s[a]))
                a++;
            while (b > a && is_blank_byte(l->s[b - 1]))
                b--;
            f[nf].s = l->s + a;
            f[nf].n = b - a;
            f[nf].col = chars(l->s, a) + 1;
            nf++;
            start = i + 1;
        }
    }
    return nf;
}

/* Iterates the lines of data: false at the end.  Skips a BOM. */
static bool next_line(const char *data, size_t n, size_t *pos, struct line *l)
{
    const char *nl;

    if (*pos == 0 && n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        *pos = 3;
    if (*pos >= n)
        return false;
    nl = memchr(data + *pos, '\n', n - *pos);
    l->s = data + *pos;
    l->n = nl ? (size_t)(nl - (data + *pos)) : n - *pos;
    l->no++;
    *pos += l->n + (nl ? 1 : 0);
    while (l->n > 0 && l->s[l->n - 1] == '\r')
        l->n--;
    return true;
}

static bool skip(const struct line *l)
{
    size_t i = 0;

    while (i < l->n && is_blank_byte(l->s[i]))
        i++;
    return i == l->n || l->s[i] == '#';
}

static bool copy(char *dst, size_t cap, const struct field *f)
{
    if (f->n >= cap)
        return false;
    memcpy(dst, f->s, f->n);
    dst[f->n] = '\0';
    return true;
}

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

/* ------------------------------------------------------------ kinds */

const char *rs_flib_kind_name(enum rs_fw_vkind k)
{
    switch (k) {
    case RS_VK_RATE:
        return "rate";
    case RS_VK_COUNT:
        return "count";
    case RS_VK_CHECKLIST:
        return "checklist";
    case RS_VK_MANUAL:
        return "manual";
    case RS_VK_MONEY:
        return "money";
    }
    return "?";
}

bool rs_flib_kind(const char *s, struct rs_formula_info *fi, bool *unlisted)
{
    char buf[64], *w[3], *save = NULL, *t;
    size_t nw = 0;

    if (strlen(s) >= sizeof buf)
        return false;
    snprintf(buf, sizeof buf, "%s", s);
    for (t = strtok_r(buf, " \t", &save); t && nw < 3; t = strtok_r(NULL, " \t", &save))
        w[nw++] = t;
    if (t || nw == 0)
        return false;
    *unlisted = false;
    if (nw > 1 && strcmp(w[nw - 1], "unlisted") == 0) {
        *unlisted = true;
        nw--;
    }
    fi->unit[0] = '\0';
    if (strcmp(w[0], "rate") == 0 && nw == 1) {
        fi->kind = RS_VK_RATE;
    } else if (strcmp(w[0], "count") == 0 && nw == 2 && strlen(w[1]) < sizeof fi->unit) {
        fi->kind = RS_VK_COUNT;
        snprintf(fi->unit, sizeof fi->unit, "%s", w[1]);
    } else if (strcmp(w[0], "money") == 0 &&
               (nw == 1 || strcmp(w[1], "万元") == 0 || strcmp(w[1], "元") == 0)) {
        fi->kind = RS_VK_MONEY;
        snprintf(fi->unit, sizeof fi->unit, "%s", nw == 2 ? w[1] : "万元");
    } else if (strcmp(w[0], "checklist") == 0 && nw == 1) {
        fi->kind = RS_VK_CHECKLIST;
    } else if (strcmp(w[0], "manual") == 0 && nw == 1) {
        fi->kind = RS_VK_MANUAL;
    } else {
        return false;
    }
    return true;
}

static enum rs_xtype kind_type(enum rs_fw_vkind k)
{
    return k == RS_VK_MONEY ? RS_XT_MONEY : k == RS_VK_CHECKLIST ? RS_XT_ANSWER : RS_XT_NUM;
}

/* ------------------------------------------------------------ lookup */

const struct rs_formula_info *rs_flib_find(const struct rs_flib *lib, const char *s)
{
    if (!lib || !s)
        return NULL;
    /* Excel users type the prime of F4' as a typographic one. */
    if (strcmp(s, "F4’") == 0 || strcmp(s, "F4′") == 0)
        s = "F4'";
    for (size_t i = 0; i < lib->n; i++) {
        if (ascii_casecmp(s, lib->e[i].code) == 0 ||
            (lib->e[i].slug[0] && ascii_casecmp(s, lib->e[i].slug) == 0))
            return &lib->e[i];
    }
    return NULL;
}

bool rs_flib_lookup(const void *user, const char *s, struct rs_xname *out)
{
    const struct rs_flib *lib = user;
    const struct rs_formula_info *fi = rs_flib_find(lib, s);
    enum rs_xtype t;
    uint32_t id;

    if (fi) {
        out->id = (uint32_t)(fi - lib->e);
        out->type = kind_type(fi->kind);
        return true;
    }
    if (rs_eval_input_find(s, &id, &t)) {
        out->id = RS_FLIB_INPUT | id;
        out->type = t;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------ library */

static bool name_ok(const char *s)
{
    if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || (c == '\'' && p[1] == '\0')))
            return false;
        if (c == '.' && (p == s || p[1] == '\0' || p[1] == '.'))
            return false;
    }
    return true;
}

static bool slug_ok(const char *s)
{
    if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (const char *p = s; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    }
    return true;
}

/* Pass 1 for one line: name [slug] | kind | 中文名称 | expression [| definition]. */
static bool read_head(struct rs_flib *lib, const struct line *l, struct field *f, size_t nf,
                      char *err, size_t errlen)
{
    struct rs_formula_info *fi = &lib->e[lib->n];
    char head[RS_EXPR_NAME_MAX + 64], kind[64], *sp;
    bool unlisted;
    uint32_t id;
    enum rs_xtype t;

    memset(fi, 0, sizeof *fi);
    fi->line = l->no;
    if (nf < 4 || nf > 5) {
        say(err, errlen, lib->name, l->no, 1,
            "expected 'name [slug] | kind | 中文名称 | expression [| definition]'");
        return false;
    }
    if (!copy(head, sizeof head, &f[0])) {
        say(err, errlen, lib->name, l->no, f[0].col, "name too long");
        return false;
    }
    sp = strpbrk(head, " \t");
    if (sp) {
        *sp++ = '\0';
        while (*sp == ' ' || *sp == '\t')
            sp++;
        if (strlen(sp) >= sizeof fi->slug || !slug_ok(sp)) {
            say(err, errlen, lib->name, l->no, f[0].col,
                "slug '%s' must be lower-case letters, digits and _", sp);
            return false;
        }
        snprintf(fi->slug, sizeof fi->slug, "%s", sp);
    }
    if (strlen(head) > RS_EXPR_NAME_MAX || !name_ok(head)) {
        say(err, errlen, lib->name, l->no, f[0].col,
            "name '%s' must be letters, digits, _ and dots (a trailing ' allowed)", head);
        return false;
    }
    memcpy(fi->code, head, strlen(head) + 1);     /* fits: checked above */
    if (rs_eval_input_find(fi->code, &id, &t) || (fi->slug[0] && rs_eval_input_find(fi->slug,
                                                                                      &id, &t))) {
        say(err, errlen, lib->name, l->no, f[0].col, "'%s' is a built-in input's name",
            fi->code);
        return false;
    }
    for (size_t i = 0; i < lib->n; i++) {
        const struct rs_formula_info *o = &lib->e[i];

        if (ascii_casecmp(o->code, fi->code) == 0 ||
            (o->slug[0] && ascii_casecmp(o->slug, fi->code) == 0) ||
            (fi->slug[0] && (ascii_casecmp(o->code, fi->slug) == 0 ||
                             (o->slug[0] && ascii_casecmp(o->slug, fi->slug) == 0)))) {
            say(err, errlen, lib->name, l->no, f[0].col, "'%s' already defined on line %u",
                fi->code, o->line);
            return false;
        }
    }
    if (!copy(kind, sizeof kind, &f[1]) || !rs_flib_kind(kind, fi, &unlisted)) {
        say(err, errlen, lib->name, l->no, f[1].col,
            "kind must be rate, count <unit>, money [万元|元], checklist or manual "
            "(optionally followed by unlisted)");
        return false;
    }
    fi->indicator = !strchr(fi->code, '.') && !unlisted;
    if (f[2].n == 0 || !copy(fi->name, sizeof fi->name, &f[2]) ||
        !rs_utf8_valid(fi->name, strlen(fi->name))) {
        say(err, errlen, lib->name, l->no, f[2].col, "Chinese name empty, too long or not UTF-8");
        return false;
    }
    if (nf == 5 && (!copy(fi->definition, sizeof fi->definition, &f[4]) ||
                    !rs_utf8_valid(fi->definition, strlen(fi->definition)))) {
        say(err, errlen, lib->name, l->no, f[4].col, "definition too long or not UTF-8");
        return false;
    }
    if (f[3].n == 0) {
        say(err, errlen, lib->name, l->no, f[3].col, "no expression");
        return false;
    }
    return true;
}

/* Depth-first search for a cycle through entry i; state 1 = on the path. */
static bool cyclic(const struct rs_flib *lib, size_t i, uint8_t *state, size_t *at)
{
    const struct rs_expr *e = lib->e[i].expr;

    if (state[i] == 2)
        return false;
    if (state[i] == 1) {
        *at = i;
        return true;
    }
    state[i] = 1;
    for (size_t k = 0; k < e->nn; k++) {
        const struct rs_xnode *x = &e->n[k];

        if (x->op == RS_XO_NAME && !(x->id & RS_FLIB_INPUT) && cyclic(lib, x->id, state, at))
            return true;
    }
    state[i] = 2;
    return false;
}

rs_status rs_flib_parse(const void *data, size_t n, const char *name, struct rs_flib **out,
                        char *err, size_t errlen)
{
    struct rs_flib *lib = NULL;
    struct line l;
    struct field f[MAX_FIELDS];
    size_t pos, nf, k;
    rs_status rv = RS_EINVAL;
    uint8_t *state = NULL;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    name = name ? name : RS_FLIB_DEFAULT;
    if (n > RS_FLIB_MAX_FILE_BYTES) {
        say(err, errlen, name, 0, 0, "larger than %d bytes", RS_FLIB_MAX_FILE_BYTES);
        return RS_EINVAL;
    }
    lib = calloc(1, sizeof *lib);
    if (!lib)
        return RS_ENOMEM;
    snprintf(lib->name, sizeof lib->name, "%s", name);
    {
        uint8_t h[RS_SHA256_LEN];

        rs_sha256(data, n, h);
        rs_hex(h, sizeof h, lib->hash);
    }
    lib->e = calloc(RS_FLIB_MAX_ENTRIES, sizeof *lib->e);
    if (!lib->e) {
        rv = RS_ENOMEM;
        goto out;
    }
    /* Pass 1: the heads. */
    memset(&l, 0, sizeof l);
    pos = 0;
    while (next_line(data, n, &pos, &l)) {
        if (l.n > RS_FLIB_MAX_LINE) {
            say(err, errlen, name, l.no, 0, "line longer than %d bytes", RS_FLIB_MAX_LINE);
            goto out;
        }
        if (!rs_utf8_valid(l.s, l.n)) {
            say(err, errlen, name, l.no, 0, "not UTF-8");
            goto out;
        }
        if (skip(&l))
            continue;
        if (lib->n == RS_FLIB_MAX_ENTRIES) {
            say(err, errlen, name, l.no, 0, "more than %d entries", RS_FLIB_MAX_ENTRIES);
            goto out;
        }
        nf = split(&l, f, MAX_FIELDS);
        if (!read_head(lib, &l, f, nf, err, errlen))
            goto out;
        lib->n++;
    }
    if (lib->n == 0) {
        say(err, errlen, name, l.no, 0, "no entries");
        goto out;
    }
    /* Pass 2: the expressions. */
    memset(&l, 0, sizeof l);
    pos = 0;
    k = 0;
    while (next_line(data, n, &pos, &l)) {
        struct rs_formula_info *fi;
        struct rs_xscope sc = {lib, rs_flib_lookup, NULL, false};
        struct rs_xerr xe;
        rs_status st;

        if (skip(&l))
            continue;
        fi = &lib->e[k++];
        nf = split(&l, f, MAX_FIELDS);
        sc.answers = fi->kind == RS_VK_CHECKLIST || fi->kind == RS_VK_MANUAL ||
                     fi->indicator || !strchr(fi->code, '.');
        st = rs_expr_parse(f[3].s, f[3].n, &sc,
                           -1, &fi->expr, &xe);
        if (st) {
            rv = st == RS_ENOMEM ? RS_ENOMEM : RS_EINVAL;
            say(err, errlen, name, l.no, f[3].col + xe.col - 1, "%s", xe.msg);
            goto out;
        }
        if (rs_expr_type(fi->expr) != kind_type(fi->kind)) {
            say(err, errlen, name, l.no, f[3].col, "kind %s needs %s, but the expression is %s",
                rs_flib_kind_name(fi->kind),
                fi->kind == RS_VK_MONEY ? "money" : fi->kind == RS_VK_CHECKLIST
                                                        ? "a checklist answer"
                                                        : "a number",
                rs_expr_type(fi->expr) == RS_XT_MONEY    ? "money"
                : rs_expr_type(fi->expr) == RS_XT_ANSWER ? "a checklist answer"
                                                         : "a number");
            goto out;
        }
    }
    state = calloc(lib->n, 1);
    if (!state) {
        rv = RS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < lib->n; i++) {
        size_t at = 0;

        if (cyclic(lib, i, state, &at)) {
            say(err, errlen, name, lib->e[at].line, 0, "'%s' refers to itself through other "
                "entries", lib->e[at].code);
            goto out;
        }
    }
    *out = lib;
    lib = NULL;
    rv = RS_OK;
out:
    free(state);
    rs_flib_free(lib);
    return rv;
}

/* ------------------------------------------------------------ checks */

static void free_checks(struct rs_flib *lib)
{
    for (size_t i = 0; i < lib->nc; i++) {
        rs_expr_free(lib->c[i].where);
        rs_expr_free(lib->c[i].assert);
    }
    free(lib->c);
    lib->c = NULL;
    lib->nc = 0;
}

static bool read_sev(const struct field *f, int *sev)
{
    static const struct {
        const char *a, *b;
        int sev;
    } sevs[] = {{"note", "提示", 0}, {"warning", "警告", 1}, {"error", "错误", 2}};

    for (size_t i = 0; i < sizeof sevs / sizeof sevs[0]; i++) {
        if ((f->n == strlen(sevs[i].a) && memcmp(f->s, sevs[i].a, f->n) == 0) ||
            (f->n == strlen(sevs[i].b) && memcmp(f->s, sevs[i].b, f->n) == 0)) {
            *sev = sevs[i].sev;
            return true;
        }
    }
    return false;
}

static bool code_ok(const struct field *f)
{
    if (f->n == 0 || f->n >= 40)
        return false;
    for (size_t i = 0; i < f->n; i++) {
        char c = f->s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
            return false;
    }
    return true;
}

/* One rule: code | severity | scope | assertion | tolerance | missing | text. */
static rs_status read_check(struct rs_flib *lib, const char *name, const struct line *l,
                            struct field *f, size_t nf, char *err, size_t errlen)
{
    struct rs_flib_check *c = &lib->c[lib->nc];
    struct rs_xscope sc = {lib, rs_flib_lookup, NULL, false};
    struct rs_xerr xe;
    const char *where;
    size_t tlen;
    rs_status st;

    memset(c, 0, sizeof *c);
    c->line = l->no;
    c->tol_den = 1;
    if (nf != 7) {
        say(err, errlen, name, l->no, 1, "expected 'code | severity | scope | assertion | "
                                         "tolerance | missing | 核查内容'");
        return RS_EINVAL;
    }
    if (!code_ok(&f[0])) {
        say(err, errlen, name, l->no, f[0].col, "code must be lower-case letters, digits, _ "
                                                "and dots, at most 39 bytes");
        return RS_EINVAL;
    }
    memcpy(c->code, f[0].s, f[0].n);
    if (!read_sev(&f[1], &c->sev)) {
        say(err, errlen, name, l->no, f[1].col, "severity must be error, warning or note");
        return RS_EINVAL;
    }
    /* scope: unit | T | T where cond */
    where = NULL;
    for (size_t i = 0; i + 7 <= f[2].n; i++) {
        if (memcmp(f[2].s + i, " where ", 7) == 0) {
            where = f[2].s + i + 7;
            break;
        }
    }
    tlen = where ? (size_t)(where - 7 - f[2].s) : f[2].n;
    if (!(tlen == 4 && memcmp(f[2].s, "unit", 4) == 0)) {
        char tname[64];
        rs_rtype t;

        if (tlen >= sizeof tname) {
            say(err, errlen, name, l->no, f[2].col, "scope too long");
            return RS_EINVAL;
        }
        memcpy(tname, f[2].s, tlen);
        tname[tlen] = '\0';
        t = rs_rtype_parse(tname);
        c->scope = t == RS__RECORD__BODY__NOT_SET ? NULL : rs_rtype_find(t);
        if (!c->scope) {
            say(err, errlen, name, l->no, f[2].col, "scope '%s' is neither unit nor a record "
                                                    "type", tname);
            return RS_EINVAL;
        }
        if (t == RS__RECORD__BODY_RELIEF) {
            say(err, errlen, name, l->no, f[2].col, "relief records are summed as they are "
                                                    "read: no check runs per relief record");
            return RS_EINVAL;
        }
    } else if (where) {
        say(err, errlen, name, l->no, f[2].col, "'where' needs a record type, not unit");
        return RS_EINVAL;
    }
    sc.record = c->scope;
    if (where) {
        size_t wn = f[2].n - (size_t)(where - f[2].s);

        st = rs_expr_parse(where, wn, &sc, RS_XT_BOOL, &c->where, &xe);
        if (st) {
            say(err, errlen, name, l->no, f[2].col + chars(f[2].s, (size_t)(where - f[2].s)) +
                                              xe.col - 1, "%s", xe.msg);
            return st == RS_ENOMEM ? RS_ENOMEM : RS_EINVAL;
        }
    }
    st = rs_expr_parse(f[3].s, f[3].n, &sc, RS_XT_BOOL, &c->assert, &xe);
    if (st) {
        say(err, errlen, name, l->no, f[3].col + xe.col - 1, "%s", xe.msg);
        return st == RS_ENOMEM ? RS_ENOMEM : RS_EINVAL;
    }
    if (f[4].n) {
        struct rs_xscope none = {NULL, NULL, NULL, false};
        struct rs_expr *t = NULL;

        st = rs_expr_parse(f[4].s, f[4].n, &none, -1, &t, &xe);
        if (st || t->n[t->root].op != RS_XO_NUM) {
            rs_expr_free(t);
            say(err, errlen, name, l->no, f[4].col, "tolerance must be a number, an amount "
                                                    "(0.01元) or a percentage");
            return st == RS_ENOMEM ? RS_ENOMEM : RS_EINVAL;
        }
        c->tol_num = t->n[t->root].num;
        c->tol_den = t->n[t->root].den;
        c->tol_money = t->n[t->root].type == RS_XT_MONEY;
        rs_expr_free(t);
    }
    {
        /* A tolerance is of the compared sides' own kind, and needs sides. */
        int lt, rt;
        enum rs_xop op;
        bool cmp = rs_expr_sides(c->assert, &lt, &rt, &op);
        bool money = cmp && c->assert->n[lt].type == RS_XT_MONEY;

        if (c->tol_num && (!cmp || (c->assert->n[lt].type != RS_XT_NUM && !money) ||
                           money != c->tol_money)) {
            say(err, errlen, name, l->no, f[4].col, !cmp ? "a tolerance needs a comparison"
                                                         : money ? "the sides are money: write "
                                                                   "the tolerance as 0.01元"
                                                                 : "the sides are numbers: the "
                                                                   "tolerance is a number");
            return RS_EINVAL;
        }
    }
    if (f[5].n == 4 && memcmp(f[5].s, "note", 4) == 0) {
        c->missing_note = true;
    } else if (!(f[5].n == 4 && memcmp(f[5].s, "skip", 4) == 0)) {
        say(err, errlen, name, l->no, f[5].col, "missing must be skip or note");
        return RS_EINVAL;
    }
    if (f[6].n == 0 || !copy(c->text, sizeof c->text, &f[6])) {
        say(err, errlen, name, l->no, f[6].col, "text empty or too long");
        return RS_EINVAL;
    }
    lib->nc++;
    return RS_OK;
}

rs_status rs_flib_parse_checks(struct rs_flib *lib, const void *data, size_t n,
                               const char *name, char *err, size_t errlen)
{
    struct line l;
    struct field f[MAX_FIELDS];
    size_t pos = 0;
    rs_status rv;

    if (err && errlen)
        err[0] = '\0';
    name = name ? name : RS_FLIB_CHECKS_DEFAULT;
    if (lib->c) {
        say(err, errlen, name, 0, 0, "the library has checks already");
        return RS_EINVAL;
    }
    if (n > RS_FLIB_MAX_FILE_BYTES) {
        say(err, errlen, name, 0, 0, "larger than %d bytes", RS_FLIB_MAX_FILE_BYTES);
        return RS_EINVAL;
    }
    lib->c = calloc(RS_FLIB_MAX_CHECKS, sizeof *lib->c);
    if (!lib->c)
        return RS_ENOMEM;
    memset(&l, 0, sizeof l);
    while (next_line(data, n, &pos, &l)) {
        if (l.n > RS_FLIB_MAX_LINE || !rs_utf8_valid(l.s, l.n)) {
            say(err, errlen, name, l.no, 0, l.n > RS_FLIB_MAX_LINE ? "line too long"
                                                                 : "not UTF-8");
            rv = RS_EINVAL;
            goto fail;
        }
        if (skip(&l))
            continue;
        if (lib->nc == RS_FLIB_MAX_CHECKS) {
            say(err, errlen, name, l.no, 0, "more than %d checks", RS_FLIB_MAX_CHECKS);
            rv = RS_EINVAL;
            goto fail;
        }
        rv = read_check(lib, name, &l, f, split(&l, f, MAX_FIELDS), err, errlen);
        if (rv) {
            /* The failed rule's own expressions. */
            rs_expr_free(lib->c[lib->nc].where);
            rs_expr_free(lib->c[lib->nc].assert);
            goto fail;
        }
    }
    snprintf(lib->checks_name, sizeof lib->checks_name, "%s", name);
    {
        uint8_t h[RS_SHA256_LEN];

        rs_sha256(data, n, h);
        rs_hex(h, sizeof h, lib->checks_hash);
    }
    return RS_OK;
fail:
    free_checks(lib);
    return rv;
}

/* ------------------------------------------------------------ files */

rs_status rs_flib_read_file(const char *path, char **data, size_t *n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t got;
    rs_status rv;

    *data = NULL;
    *n = 0;
    if (!f) {
        rv = errno == ENOENT ? RS_ENOTFOUND : RS_EIO;
        snprintf(err, errlen, "%s: %s", path, rv == RS_ENOTFOUND ? "no such file"
                                                                 : strerror(errno));
        return rv;
    }
    buf = malloc(RS_FLIB_MAX_FILE_BYTES + 1);
    if (!buf) {
        fclose(f);
        return RS_ENOMEM;
    }
    got = fread(buf, 1, RS_FLIB_MAX_FILE_BYTES + 1, f);
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read failed", path);
        rv = RS_EIO;
    } else if (got > RS_FLIB_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %d bytes", path, RS_FLIB_MAX_FILE_BYTES);
        rv = RS_EINVAL;
    } else {
        *data = buf;
        *n = got;
        buf = NULL;
        rv = RS_OK;
    }
    free(buf);
    fclose(f);
    return rv;
}

static bool file_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > RS_FLIB_NAME_MAX || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* Reads dir/name; RS_ENOTFOUND if absent. */
static rs_status read_in(const char *dir, const char *name, char **data, size_t *n, char *err,
                         size_t errlen)
{
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%s", dir, name);

    if (k < 0 || (size_t)k >= sizeof path) {
        snprintf(err, errlen, "path too long");
        return RS_EINVAL;
    }
    return rs_flib_read_file(path, data, n, err, errlen);
}

rs_status rs_flib_load(const char *dir1, const char *dir2, const char *name, const char *checks,
                       struct rs_flib **out, char *err, size_t errlen)
{
    const char *dirs[2] = {dir1, dir2}, *dir = NULL;
    char *data = NULL;
    size_t n = 0;
    rs_status rv = RS_ENOTFOUND;

    *out = NULL;
    if (!file_name_ok(name) || (checks && !file_name_ok(checks))) {
        snprintf(err, errlen, "bad file name \"%s\" (letters, digits, _ - . only)",
                 !file_name_ok(name) ? name : checks);
        return RS_EINVAL;
    }
    for (size_t i = 0; i < 2 && rv == RS_ENOTFOUND; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        rv = read_in(dirs[i], name, &data, &n, err, errlen);
        if (rv == RS_OK)
            dir = dirs[i];
    }
    if (rv == RS_ENOTFOUND && !dir)
        snprintf(err, errlen, "formula library %s not found", name);
    if (rv)
        return rv;
    rv = rs_flib_parse(data, n, name, out, err, errlen);
    free(data);
    data = NULL;
    if (rv || !checks)
        return rv;
    rv = read_in(dir, checks, &data, &n, err, errlen);
    if (rv == RS_OK)
        rv = rs_flib_parse_checks(*out, data, n, checks, err, errlen);
    free(data);
    if (rv) {
        rs_flib_free(*out);
        *out = NULL;
    }
    return rv;
}

void rs_flib_free(struct rs_flib *lib)
{
    if (!lib)
        return;
    for (size_t i = 0; lib->e && i < lib->n; i++)
        rs_expr_free(lib->e[i].expr);
    /* An entry whose expression failed to parse is past n; nothing to free. */
    free(lib->e);
    free_checks(lib);
    free(lib);
}

/*
 * rs_expr_parse.c - reads the text of an expression into a bound,
 * type-checked tree (rs_expr.h).
 *
 * One pass: a lexer over UTF-8 text hands tokens to a recursive-descent
 * parser that builds nodes into one array, binding each name as it goes (a
 * field of the record in scope, a value of an enum compared with an enum
 * field, or a global name through the scope's lookup) and checking each
 * operation's types.  Every cap (text length, nodes, nesting, arguments) is
 * checked; every error says at which character of the text it was found.
 *
 * Does not: evaluate (rs_expr_eval.c) or know any global name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_expr.h"
#include "rs_util.h"

/* A number literal written without a unit has id 1: a 0 so written takes
 * the type of what it meets (amount > 0). */
#define UNITLESS_ZERO(n) ((n)->op == RS_XO_NUM && (n)->num == 0 && (n)->den == 1 && \
                          (n)->type == RS_XT_NUM && (n)->id == 1)

enum tok {
    T_END, T_NUM, T_STR, T_IDENT, T_LP, T_RP, T_COMMA, T_DOT, T_COLON,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_BAD
};

struct parser {
    const char *s;
    size_t len;
    size_t p;                        /* next byte */
    /* the current token */
    enum tok t;
    size_t tpos, tlen;
    int64_t num, den;                /* T_NUM */
    enum rs_xtype numtype;           /* T_NUM: NUM or MONEY */
    bool unitless;                   /* T_NUM without a unit */
    const struct rs_xscope *sc;
    const struct rs_rtype_def *rec;  /* record in scope: aggregate or check */
    struct rs_expr *e;
    size_t cap;
    size_t strs_used;                /* bytes of e->strs */
    int depth;
    struct rs_xerr *err;
    rs_status rv;                    /* RS_OK until the first error */
};

static int64_t gcd64(int64_t a, int64_t b)
{
    if (a < 0)
        a = -a;
    while (b) {
        int64_t t = a % b;

        a = b;
        b = t;
    }
    return a ? a : 1;
}

/* ------------------------------------------------------------ errors */

static uint32_t column(const struct parser *ps, size_t pos)
{
    uint32_t col = 1;

    for (size_t i = 0; i < pos && i < ps->len; i++) {
        if (((unsigned char)ps->s[i] & 0xC0) != 0x80)
            col++;
    }
    return col;
}

static void fail(struct parser *ps, size_t pos, rs_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(struct parser *ps, size_t pos, rs_status st, const char *fmt, ...)
{
    va_list ap;

    if (ps->rv)
        return;
    ps->rv = st;
    ps->err->col = column(ps, pos);
    va_start(ap, fmt);
    vsnprintf(ps->err->msg, sizeof ps->err->msg, fmt, ap);
    va_end(ap);
}

/* The text of a span, quoted in messages: at most 40 bytes, whole characters. */
static void span(const struct parser *ps, size_t pos, size_t len, char out[48])
{
    size_t n;

    if (pos > ps->len)
        pos = ps->len;
    if (len > ps->len - pos)
        len = ps->len - pos;
    n = len > 40 ? 40 : len;

    while (n > 0 && n < len && ((unsigned char)ps->s[pos + n] & 0xC0) == 0x80)
        n--;
    memcpy(out, ps->s + pos, n);
    out[n] = '\0';
}

/* ------------------------------------------------------------ lexer */

/* The code point at s[p] and its length, or 0 length for invalid UTF-8. */
static uint32_t cp_at(const struct parser *ps, size_t p, size_t *n)
{
    const unsigned char *u = (const unsigned char *)ps->s + p;
    size_t left = ps->len - p;

    *n = 0;
    if (left == 0)
        return 0;
    if (u[0] < 0x80) {
        *n = 1;
        return u[0];
    }
    if ((u[0] & 0xE0) == 0xC0 && left >= 2 && (u[1] & 0xC0) == 0x80) {
        *n = 2;
        return ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    }
    if ((u[0] & 0xF0) == 0xE0 && left >= 3 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
        *n = 3;
        return ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    }
    if ((u[0] & 0xF8) == 0xF0 && left >= 4 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80 &&
        (u[3] & 0xC0) == 0x80) {
        *n = 4;
        return ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3F) << 12) |
               ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
    }
    return 0;
}

/* Code points that are operators or punctuation, never part of a name. */
static bool cp_punct(uint32_t c)
{
    switch (c) {
    case 0x00D7: case 0x00F7: case 0x2212: case 0x2264: case 0x2265: case 0x2260:
    case 0xFF08: case 0xFF09: case 0xFF0C: case 0x201C: case 0x201D: case 0xFF05:
    case 0xFF1A: case 0x3000: case 0x3001: case 0x3002: case 0xFF1B: case 0x2018:
    case 0x2019: case 0x2032: case 0xFF1D: case 0xFF1C: case 0xFF1E: case 0xFF0B:
        return true;
    default:
        return false;
    }
}

static bool ident_start(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (c >= 0x80 && !cp_punct(c));
}

static bool ident_cont(uint32_t c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

static bool match_at(const struct parser *ps, size_t p, const char *w)
{
    size_t n = strlen(w);

    return ps->len - p >= n && memcmp(ps->s + p, w, n) == 0;
}

static void skip_space(struct parser *ps)
{
    for (;;) {
        if (ps->p < ps->len && (ps->s[ps->p] == ' ' || ps->s[ps->p] == '\t'))
            ps->p++;
        else if (match_at(ps, ps->p, "\u3000"))
            ps->p += 3;
        else
            return;
    }
}

/* Reads a decimal number at ps->p into num/den, with its unit. */
static void lex_number(struct parser *ps)
{
    int64_t mant = 0, den = 1;
    int decs = 0;
    bool dot = false;

    while (ps->p < ps->len) {
        char c = ps->s[ps->p];

        if (c >= '0' && c <= '9') {
            if (mant > (INT64_C(1) << 52) || decs > 6) {
                fail(ps, ps->tpos, RS_EINVAL, "number too long");
                return;
            }
            mant = mant * 10 + (c - '0');
            if (dot) {
                den *= 10;
                decs++;
            }
            ps->p++;
        } else if (c == '.' && !dot && ps->p + 1 < ps->len && ps->s[ps->p + 1] >= '0' &&
                   ps->s[ps->p + 1] <= '9') {
            dot = true;
            ps->p++;
        } else {
            break;
        }
    }
    ps->num = mant;
    ps->den = den;
    ps->numtype = RS_XT_NUM;
    ps->unitless = false;
    if (match_at(ps, ps->p, "%")) {
        ps->p += 1;
        ps->den *= 100;
    } else if (match_at(ps, ps->p, "％")) {
        ps->p += 3;
        ps->den *= 100;
    } else if (match_at(ps, ps->p, "万元")) {
        ps->p += 6;
        if (ps->num > INT64_MAX / 1000000) {
            fail(ps, ps->tpos, RS_EINVAL, "amount too large");
            return;
        }
        ps->num *= 1000000;
        ps->numtype = RS_XT_MONEY;
    } else if (match_at(ps, ps->p, "元")) {
        ps->p += 3;
        if (ps->num > INT64_MAX / 100) {
            fail(ps, ps->tpos, RS_EINVAL, "amount too large");
            return;
        }
        ps->num *= 100;
        ps->numtype = RS_XT_MONEY;
    } else {
        ps->unitless = true;
    }
    if (ps->numtype == RS_XT_MONEY && ps->num % ps->den != 0)
        fail(ps, ps->tpos, RS_EINVAL, "an amount has at most two decimals of 元");
}

static void next(struct parser *ps)
{
    uint32_t c;
    size_t n;

    if (ps->rv) {
        /* After an error nothing more is read. */
        ps->t = T_BAD;
        ps->tlen = 0;
        return;
    }
    skip_space(ps);
    ps->tpos = ps->p;
    if (ps->p >= ps->len) {
        ps->t = T_END;
        ps->tlen = 0;
        return;
    }
    c = cp_at(ps, ps->p, &n);
    if (n == 0) {
        ps->t = T_BAD;
        fail(ps, ps->p, RS_EINVAL, "not UTF-8");
        return;
    }
    if (c >= '0' && c <= '9') {
        ps->t = T_NUM;
        lex_number(ps);
        if (ps->rv)
            ps->t = T_BAD;
    } else if (c == '"' || c == 0x201C) {
        const char *close = c == '"' ? "\"" : "”";

        ps->p += n;
        while (ps->p < ps->len && !match_at(ps, ps->p, close))
            ps->p++;
        if (ps->p >= ps->len) {
            ps->t = T_BAD;
            fail(ps, ps->tpos, RS_EINVAL, "string never closed");
            return;
        }
        ps->p += strlen(close);
        ps->t = T_STR;
    } else if (ident_start(c)) {
        ps->p += n;
        for (;;) {
            uint32_t d = cp_at(ps, ps->p, &n);

            if (n == 0 || !ident_cont(d))
                break;
            ps->p += n;
        }
        /* A trailing prime: F4', F4’, F4′. */
        if (match_at(ps, ps->p, "'"))
            ps->p += 1;
        else if (match_at(ps, ps->p, "’") || match_at(ps, ps->p, "′"))
            ps->p += 3;
        ps->t = T_IDENT;
    } else {
        static const struct {
            const char *text;
            enum tok t;
        } ops[] = {
            {"<=", T_LE}, {">=", T_GE}, {"!=", T_NE}, {"==", T_EQ}, {"≤", T_LE}, {"≥", T_GE},
            {"≠", T_NE}, {"×", T_STAR}, {"÷", T_SLASH}, {"−", T_MINUS}, {"（", T_LP},
            {"）", T_RP}, {"，", T_COMMA}, {"：", T_COLON}, {"(", T_LP}, {")", T_RP},
            {",", T_COMMA}, {".", T_DOT}, {":", T_COLON}, {"+", T_PLUS}, {"-", T_MINUS},
            {"*", T_STAR}, {"/", T_SLASH}, {"=", T_EQ}, {"<", T_LT}, {">", T_GT},
        };

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            if (match_at(ps, ps->p, ops[i].text)) {
                ps->p += strlen(ops[i].text);
                ps->t = ops[i].t;
                ps->tlen = ps->p - ps->tpos;
                return;
            }
        }
        ps->t = T_BAD;
        {
            char sp[48];

            span(ps, ps->p, n, sp);
            fail(ps, ps->p, RS_EINVAL, "unexpected character '%s'", sp);
        }
        return;
    }
    ps->tlen = ps->p - ps->tpos;
}

static bool is_word(const struct parser *ps, const char *w)
{
    return ps->t == T_IDENT && ps->tlen == strlen(w) && memcmp(ps->s + ps->tpos, w, ps->tlen) == 0;
}

static bool is_keyword(const struct parser *ps)
{
    return is_word(ps, "where") || is_word(ps, "and") || is_word(ps, "or") || is_word(ps, "not");
}

/* ------------------------------------------------------------ nodes */

static int new_node(struct parser *ps, enum rs_xop op, enum rs_xtype type, size_t pos,
                    size_t end)
{
    struct rs_xnode *n;

    if (ps->rv)
        return -1;
    if (ps->e->nn == RS_EXPR_MAX_NODES) {
        fail(ps, pos, RS_ETOOBIG, "more than %d operations", RS_EXPR_MAX_NODES);
        return -1;
    }
    if (ps->e->nn == ps->cap) {
        size_t nc = ps->cap ? ps->cap * 2 : 16;
        struct rs_xnode *v = realloc(ps->e->n, nc * sizeof *v);

        if (!v) {
            ps->rv = RS_ENOMEM;
            ps->err->col = column(ps, pos);
            snprintf(ps->err->msg, sizeof ps->err->msg, "out of memory");
            return -1;
        }
        ps->e->n = v;
        ps->cap = nc;
    }
    n = &ps->e->n[ps->e->nn];
    memset(n, 0, sizeof *n);
    n->op = (uint8_t)op;
    n->type = (uint8_t)type;
    n->pos = (uint16_t)pos;
    n->len = (uint16_t)(end > pos ? end - pos : 0);
    n->a = n->b = n->next = n->where = -1;
    n->den = 1;
    return (int)ps->e->nn++;
}

static struct rs_xnode *N(struct parser *ps, int i)
{
    return &ps->e->n[i];
}

static const char *type_name(enum rs_xtype t)
{
    switch (t) {
    case RS_XT_NUM:
        return "a number";
    case RS_XT_MONEY:
        return "money";
    case RS_XT_DATE:
        return "a date";
    case RS_XT_ENUM:
        return "an enum value";
    case RS_XT_STR:
        return "text";
    case RS_XT_BOOL:
        return "a condition";
    case RS_XT_ANSWER:
        return "a checklist answer";
    }
    return "?";
}

/* A bare name not bound yet: only the other side of an enum comparison may
 * bind it. */
static bool pending(const struct rs_xnode *n)
{
    return n->op == RS_XO_ENUMV && n->ed == NULL;
}

static bool check_bound(struct parser *ps, int i)
{
    struct rs_xnode *n;
    char sp[48];

    if (ps->rv || i < 0)
        return false;
    n = N(ps, i);
    if (!pending(n))
        return true;
    span(ps, n->pos, n->len, sp);
    fail(ps, n->pos, RS_EINVAL, "unknown name '%s'", sp);
    return false;
}

/* A literal 0 without a unit takes the type of the other operand. */
static void adapt_zero(struct parser *ps, int i, enum rs_xtype t)
{
    struct rs_xnode *n = N(ps, i);

    if (UNITLESS_ZERO(n) && t == RS_XT_MONEY)
        n->type = RS_XT_MONEY;
}

/* Types of arithmetic: the result, or fails. */
static int arith(struct parser *ps, enum rs_xop op, int a, int b, size_t pos)
{
    enum rs_xtype ta, tb, r;
    size_t start, end;
    int i;

    if (!check_bound(ps, a) || !check_bound(ps, b))
        return -1;
    adapt_zero(ps, a, N(ps, b)->type);
    adapt_zero(ps, b, N(ps, a)->type);
    ta = N(ps, a)->type;
    tb = N(ps, b)->type;
    if ((ta != RS_XT_NUM && ta != RS_XT_MONEY) || (tb != RS_XT_NUM && tb != RS_XT_MONEY)) {
        fail(ps, pos, RS_EINVAL, "arithmetic on %s and %s",
             type_name(ta != RS_XT_NUM && ta != RS_XT_MONEY ? ta : tb),
             type_name(ta != RS_XT_NUM && ta != RS_XT_MONEY ? tb : ta));
        return -1;
    }
    switch (op) {
    case RS_XO_ADD:
    case RS_XO_SUB:
        if (ta != tb) {
            fail(ps, pos, RS_EINVAL, "cannot %s money and a number (write the unit: 300元)",
                 op == RS_XO_ADD ? "add" : "subtract");
            return -1;
        }
        r = ta;
        break;
    case RS_XO_MUL:
        if (ta == RS_XT_MONEY && tb == RS_XT_MONEY) {
            fail(ps, pos, RS_EINVAL, "cannot multiply money by money");
            return -1;
        }
        r = ta == RS_XT_MONEY || tb == RS_XT_MONEY ? RS_XT_MONEY : RS_XT_NUM;
        break;
    default:
        if (ta == RS_XT_NUM && tb == RS_XT_MONEY) {
            fail(ps, pos, RS_EINVAL, "cannot divide a number by money");
            return -1;
        }
        r = ta == tb ? RS_XT_NUM : RS_XT_MONEY;
        break;
    }
    start = N(ps, a)->pos;
    end = (size_t)N(ps, b)->pos + N(ps, b)->len;
    i = new_node(ps, op, r, start, end);
    if (i >= 0) {
        N(ps, i)->a = (int16_t)a;
        N(ps, i)->b = (int16_t)b;
    }
    return i;
}

/* ------------------------------------------------------------ names */

static bool ascii_ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];

        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

static bool in_aliases(const char *list, const char *s, size_t n)
{
    const char *p = list;

    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t k = bar ? (size_t)(bar - p) : strlen(p);

        if (k == n && memcmp(p, s, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* The row of def (or of the envelope) named s[0..n): column or alias. */
static const struct rs_field *find_field(const struct rs_rtype_def *def, const char *s, size_t n,
                                         bool *on_record)
{
    size_t nenv;
    const struct rs_field *env = rs_rtype_envelope(&nenv);

    for (int pass = 0; pass < 2; pass++) {
        const struct rs_field *rows = pass ? env : def->fields;
        size_t count = pass ? nenv : def->nfields;

        for (size_t i = 0; i < count; i++) {
            if (rows[i].flags & RS_FF_CSV_ONLY)
                continue;
            if (ascii_ieq(s, n, rows[i].column) || in_aliases(rows[i].aliases, s, n)) {
                *on_record = pass == 1;
                return &rows[i];
            }
        }
    }
    return NULL;
}

static enum rs_xtype field_type(const struct rs_field *f)
{
    switch (f->kind) {
    case RS_FK_MONEY:
        return RS_XT_MONEY;
    case RS_FK_DATE:
        return RS_XT_DATE;
    case RS_FK_ENUM:
        return RS_XT_ENUM;
    case RS_FK_STRING:
    case RS_FK_TEXT:
    case RS_FK_CODE:
        return RS_XT_STR;
    case RS_FK_BOOL:
        return RS_XT_BOOL;
    default:
        return RS_XT_NUM;
    }
}

static int field_node(struct parser *ps, const struct rs_rtype_def *def, const struct rs_field *f,
                      bool on_record, size_t pos, size_t end)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(
        on_record ? &rs__record__descriptor : def->desc, f->name);
    int i;

    if (!fd) {
        fail(ps, pos, RS_EINVAL, "field %s has no descriptor", f->name);
        return -1;
    }
    i = new_node(ps, RS_XO_FIELD, field_type(f), pos, end);
    if (i < 0)
        return -1;
    N(ps, i)->field = f;
    N(ps, i)->fd = fd;
    N(ps, i)->rdef = on_record ? NULL : def;
    N(ps, i)->ed = f->kind == RS_FK_ENUM ? fd->descriptor : NULL;
    return i;
}

/* A record type that may be counted: township types but relief (folded as
 * it is read), and the parts of the budget and of 三公. */
static const struct rs_rtype_def *countable(struct parser *ps, size_t pos, size_t len)
{
    char name[RS_EXPR_NAME_MAX + 1], sp[48];
    const struct rs_rtype_def *def;
    rs_rtype t;

    if (len > RS_EXPR_NAME_MAX) {
        fail(ps, pos, RS_EINVAL, "name too long");
        return NULL;
    }
    memcpy(name, ps->s + pos, len);
    name[len] = '\0';
    t = rs_rtype_parse(name);
    def = t == RS__RECORD__BODY__NOT_SET ? NULL : rs_rtype_find(t);
    span(ps, pos, len, sp);
    if (!def) {
        fail(ps, pos, RS_EINVAL, "'%s' is not a record type", sp);
        return NULL;
    }
    if (t == RS__RECORD__BODY_RELIEF) {
        fail(ps, pos, RS_EINVAL, "relief records are summed as they are read: use "
                                 "relief.records, relief.delivered, relief.judged, relief.amount or "
                                 "relief.households");
        return NULL;
    }
    if (!rs_rtype_is_township(t) && t != RS__RECORD__BODY_BUDGET_LINE &&
        t != RS__RECORD__BODY_SAN_GONG) {
        fail(ps, pos, RS_EINVAL, "%s records cannot be counted: use their figures (%s.<field>)",
             def->name, def->name);
        return NULL;
    }
    return def;
}

/* Reads an ident and its ".ident" continuations; their span. */
static bool dotted(struct parser *ps, size_t *pos, size_t *len)
{
    size_t end;

    *pos = ps->tpos;
    end = ps->tpos + ps->tlen;
    next(ps);
    while (ps->t == T_DOT) {
        next(ps);
        if (ps->t != T_IDENT) {
            fail(ps, ps->tpos, RS_EINVAL, "expected a name after '.'");
            return false;
        }
        end = ps->tpos + ps->tlen;
        next(ps);
    }
    *len = end - *pos;
    return ps->rv == RS_OK;
}

/* A name in ps->s[pos..pos+len): a field in scope, a global, or pending. */
static int bind_name(struct parser *ps, size_t pos, size_t len)
{
    char name[RS_EXPR_NAME_MAX + 1], sp[48];
    struct rs_xname xn;
    bool on_record = false;
    int i;

    if (len > RS_EXPR_NAME_MAX) {
        fail(ps, pos, RS_EINVAL, "name longer than %d bytes", RS_EXPR_NAME_MAX);
        return -1;
    }
    memcpy(name, ps->s + pos, len);
    name[len] = '\0';
    if (ps->rec && !memchr(name, '.', len)) {
        const struct rs_field *f = find_field(ps->rec, name, len, &on_record);

        if (f)
            return field_node(ps, ps->rec, f, on_record, pos, pos + len);
    }
    if (ps->sc->lookup && ps->sc->lookup(ps->sc->user, name, &xn)) {
        if (xn.type == RS_XT_ANSWER && !ps->sc->answers) {
            span(ps, pos, len, sp);
            fail(ps, pos, RS_EINVAL, "'%s' is a reviewer's answer: only an indicator may use it",
                 sp);
            return -1;
        }
        i = new_node(ps, RS_XO_NAME, xn.type, pos, pos + len);
        if (i >= 0)
            N(ps, i)->id = xn.id;
        return i;
    }
    if (memchr(name, '.', len)) {
        span(ps, pos, len, sp);
        fail(ps, pos, RS_EINVAL, "unknown name '%s'", sp);
        return -1;
    }
    /* Perhaps an enum value; the comparison decides. */
    return new_node(ps, RS_XO_ENUMV, RS_XT_ENUM, pos, pos + len);
}

/* ------------------------------------------------------------ grammar */

static int parse_expr(struct parser *ps);

static bool expect(struct parser *ps, enum tok t, const char *what)
{
    if (ps->rv)
        return false;
    if (ps->t != t) {
        fail(ps, ps->tpos, RS_EINVAL, "expected %s", what);
        return false;
    }
    next(ps);
    return true;
}

static bool enter(struct parser *ps)
{
    if (++ps->depth > RS_EXPR_MAX_DEPTH) {
        fail(ps, ps->tpos, RS_ETOOBIG, "nested more than %d deep", RS_EXPR_MAX_DEPTH);
        return false;
    }
    return true;
}

/* count(T [where c]) and sum(T.f | T: e [where c]); ps->t is after "(". */
static int parse_aggregate(struct parser *ps, enum rs_xop op, size_t start)
{
    const struct rs_rtype_def *saved = ps->rec, *def;
    size_t pos, len, tpos, tlen, end;
    const struct rs_field *f = NULL;
    int i = -1, value = -1, where = -1;

    if (ps->t != T_IDENT) {
        fail(ps, ps->tpos, RS_EINVAL, "expected a record type");
        return -1;
    }
    tpos = ps->tpos;
    tlen = ps->tlen;
    next(ps);
    if (ps->rv)
        return -1;
    def = countable(ps, tpos, tlen);
    if (!def)
        return -1;
    ps->rec = def;
    if (op == RS_XO_SUM) {
        if (ps->t == T_DOT) {
            bool on_record = false;

            next(ps);
            if (ps->t != T_IDENT) {
                fail(ps, ps->tpos, RS_EINVAL, "expected a field after '.'");
                goto out;
            }
            pos = ps->tpos;
            len = ps->tlen;
            f = find_field(def, ps->s + pos, len, &on_record);
            if (!f || on_record) {
                char sp[48];

                span(ps, pos, len, sp);
                fail(ps, pos, RS_EINVAL, "%s has no field '%s'", def->name, sp);
                goto out;
            }
            value = field_node(ps, def, f, false, tpos, pos + len);
            next(ps);
        } else if (ps->t == T_COLON) {
            next(ps);
            value = parse_expr(ps);
        } else {
            fail(ps, ps->tpos, RS_EINVAL, "expected '.field' or ': expression' after %s",
                 def->name);
            goto out;
        }
        if (value < 0 || !check_bound(ps, value))
            goto out;
        if (N(ps, value)->type != RS_XT_NUM && N(ps, value)->type != RS_XT_MONEY) {
            fail(ps, N(ps, value)->pos, RS_EINVAL, "sum of %s",
                 type_name(N(ps, value)->type));
            goto out;
        }
    }
    if (is_word(ps, "where")) {
        next(ps);
        where = parse_expr(ps);
        if (where < 0 || !check_bound(ps, where))
            goto out;
        if (N(ps, where)->type != RS_XT_BOOL) {
            fail(ps, N(ps, where)->pos, RS_EINVAL, "'where' needs a condition, not %s",
                 type_name(N(ps, where)->type));
            goto out;
        }
    }
    end = ps->tpos + ps->tlen;
    if (!expect(ps, T_RP, "')'"))
        goto out;
    i = new_node(ps, op, value >= 0 ? (enum rs_xtype)N(ps, value)->type : RS_XT_NUM, start, end);
    if (i >= 0) {
        N(ps, i)->rdef = def;
        N(ps, i)->field = f;
        N(ps, i)->a = (int16_t)value;
        N(ps, i)->where = (int16_t)where;
    }
out:
    ps->rec = saved;
    return i;
}

static const struct {
    const char *name;
    enum rs_xop op;
    int min, max;             /* argument counts */
} functions[] = {
    {"coalesce", RS_XO_COALESCE, 2, RS_EXPR_MAX_ARGS},
    {"given", RS_XO_GIVEN, 1, 1},
    {"known", RS_XO_KNOWN, 1, 1},
    {"min", RS_XO_MIN, 2, RS_EXPR_MAX_ARGS},
    {"max", RS_XO_MAX, 2, RS_EXPR_MAX_ARGS},
    {"abs", RS_XO_ABS, 1, 1},
    {"if", RS_XO_IF, 3, 3},
    {"whole_fen", RS_XO_WHOLE_FEN, 1, 1},
    {"whole", RS_XO_WHOLE, 1, 1},
    {"contains", RS_XO_CONTAINS, 2, 2},
    {"checklist", RS_XO_CHECKLIST, 0, 0},
    {"manual", RS_XO_MANUAL, 0, 0},
    {"items_passed", RS_XO_ITEMS_PASSED, 0, 0},
    {"items_total", RS_XO_ITEMS_TOTAL, 0, 0},
};

/* Checks a call's arguments and sets its type. */
static bool type_call(struct parser *ps, int i, int nargs, const int *args)
{
    struct rs_xnode *n = N(ps, i);
    enum rs_xtype t0 = nargs ? (enum rs_xtype)N(ps, args[0])->type : RS_XT_NUM;

    for (int k = 0; k < nargs; k++) {
        if (!check_bound(ps, args[k]))
            return false;
    }
    switch ((enum rs_xop)n->op) {
    case RS_XO_COALESCE:
    case RS_XO_MIN:
    case RS_XO_MAX:
        for (int k = 0; k < nargs; k++)
            adapt_zero(ps, args[k], N(ps, args[nargs - 1 - k])->type);
        t0 = (enum rs_xtype)N(ps, args[0])->type;
        for (int k = 1; k < nargs; k++) {
            if (N(ps, args[k])->type != t0 ||
                (t0 == RS_XT_ENUM && N(ps, args[k])->ed != N(ps, args[0])->ed)) {
                fail(ps, N(ps, args[k])->pos, RS_EINVAL, "arguments of one type needed, not "
                     "%s and %s", type_name(t0), type_name(N(ps, args[k])->type));
                return false;
            }
        }
        if (n->op != RS_XO_COALESCE && t0 != RS_XT_NUM && t0 != RS_XT_MONEY) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "min and max take numbers or money");
            return false;
        }
        if (t0 == RS_XT_BOOL || t0 == RS_XT_ANSWER) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "coalesce of %s", type_name(t0));
            return false;
        }
        n->type = (uint8_t)t0;
        n->ed = N(ps, args[0])->ed;
        return true;
    case RS_XO_GIVEN:
        if (t0 == RS_XT_BOOL) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "given() takes a value, not a condition");
            return false;
        }
        n->type = RS_XT_BOOL;
        return true;
    case RS_XO_KNOWN:
        if (t0 != RS_XT_BOOL) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "known() takes a condition, not a value "
                 "(given() takes a value)");
            return false;
        }
        n->type = RS_XT_BOOL;
        return true;
    case RS_XO_ABS:
        if (t0 != RS_XT_NUM && t0 != RS_XT_MONEY) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "abs of %s", type_name(t0));
            return false;
        }
        n->type = (uint8_t)t0;
        return true;
    case RS_XO_IF:
        if (t0 != RS_XT_BOOL) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "if() needs a condition first");
            return false;
        }
        adapt_zero(ps, args[1], N(ps, args[2])->type);
        adapt_zero(ps, args[2], N(ps, args[1])->type);
        if (N(ps, args[1])->type != N(ps, args[2])->type ||
            N(ps, args[1])->type == RS_XT_BOOL || N(ps, args[1])->type == RS_XT_ANSWER) {
            fail(ps, N(ps, args[2])->pos, RS_EINVAL, "both values of if() must be of one type");
            return false;
        }
        n->type = N(ps, args[1])->type;
        n->ed = N(ps, args[1])->ed;
        return true;
    case RS_XO_WHOLE_FEN:
        if (t0 != RS_XT_MONEY) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "whole_fen() takes money");
            return false;
        }
        n->type = RS_XT_BOOL;
        return true;
    case RS_XO_WHOLE:
        if (t0 != RS_XT_NUM) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "whole() takes a number");
            return false;
        }
        n->type = RS_XT_BOOL;
        return true;
    case RS_XO_CONTAINS:
        if (t0 != RS_XT_STR || N(ps, args[1])->op != RS_XO_STR) {
            fail(ps, N(ps, args[0])->pos, RS_EINVAL, "contains() takes a text field and a "
                                                     "\"quoted text\"");
            return false;
        }
        n->type = RS_XT_BOOL;
        return true;
    case RS_XO_CHECKLIST:
    case RS_XO_MANUAL:
    case RS_XO_ITEMS_PASSED:
    case RS_XO_ITEMS_TOTAL:
        if (!ps->sc->answers) {
            fail(ps, n->pos, RS_EINVAL, "a reviewer's answer: only an indicator may use it");
            return false;
        }
        n->type = n->op == RS_XO_CHECKLIST ? RS_XT_ANSWER : RS_XT_NUM;
        return true;
    default:
        return false;
    }
}

static int parse_call(struct parser *ps, size_t pos, size_t len)
{
    int args[RS_EXPR_MAX_ARGS], nargs = 0, i;
    size_t f;

    for (f = 0; f < sizeof functions / sizeof functions[0]; f++) {
        if (len == strlen(functions[f].name) && memcmp(ps->s + pos, functions[f].name, len) == 0)
            break;
    }
    next(ps); /* "(" */
    if (len == 5 && memcmp(ps->s + pos, "count", 5) == 0)
        return parse_aggregate(ps, RS_XO_COUNT, pos);
    if (len == 3 && memcmp(ps->s + pos, "sum", 3) == 0)
        return parse_aggregate(ps, RS_XO_SUM, pos);
    if (f == sizeof functions / sizeof functions[0]) {
        char sp[48];

        span(ps, pos, len, sp);
        fail(ps, pos, RS_EINVAL, "unknown function '%s'", sp);
        return -1;
    }
    if (ps->t != T_RP) {
        for (;;) {
            int a;

            if (nargs == RS_EXPR_MAX_ARGS) {
                fail(ps, ps->tpos, RS_ETOOBIG, "more than %d arguments", RS_EXPR_MAX_ARGS);
                return -1;
            }
            a = parse_expr(ps);
            if (a < 0)
                return -1;
            args[nargs++] = a;
            if (ps->t != T_COMMA)
                break;
            next(ps);
        }
    }
    if (nargs < functions[f].min || nargs > functions[f].max) {
        fail(ps, pos, RS_EINVAL, "%s() takes %d%s argument%s", functions[f].name,
             functions[f].min, functions[f].max > functions[f].min ? " or more" : "",
             functions[f].min == 1 && functions[f].max == 1 ? "" : "s");
        return -1;
    }
    if (!expect(ps, T_RP, "')' or ','"))
        return -1;
    i = new_node(ps, functions[f].op, RS_XT_NUM, pos, ps->tpos);
    if (i < 0)
        return -1;
    /* The span ends at the ")" just read. */
    {
        size_t end = ps->tpos;

        while (end > pos && (ps->s[end - 1] == ' ' || ps->s[end - 1] == '\t'))
            end--;
        N(ps, i)->len = (uint16_t)(end - pos);
    }
    if (nargs) {
        N(ps, i)->b = (int16_t)args[0];
        for (int k = 0; k + 1 < nargs; k++)
            N(ps, args[k])->next = (int16_t)args[k + 1];
    }
    return type_call(ps, i, nargs, args) ? i : -1;
}

static int parse_primary(struct parser *ps)
{
    int i;

    if (ps->rv)
        return -1;
    switch (ps->t) {
    case T_NUM:
        i = new_node(ps, RS_XO_NUM, ps->numtype, ps->tpos, ps->tpos + ps->tlen);
        if (i >= 0) {
            N(ps, i)->num = ps->num;
            N(ps, i)->den = ps->den;
            N(ps, i)->id = ps->unitless ? 1 : 0;
            {
                /* Keep the literal reduced. */
                int64_t g = gcd64(N(ps, i)->num, N(ps, i)->den);

                if (g > 1) {
                    N(ps, i)->num /= g;
                    N(ps, i)->den /= g;
                }
            }
        }
        next(ps);
        return i;
    case T_STR: {
        size_t q = match_at(ps, ps->tpos, "\"") ? 1 : 3;

        i = new_node(ps, RS_XO_STR, RS_XT_STR, ps->tpos, ps->tpos + ps->tlen);
        if (i >= 0) {
            /* The text between the quotes, copied to strs (which has room
             * for the whole source). */
            size_t k = ps->tlen - q - (q == 1 ? 1 : 3);

            memcpy(ps->e->strs + ps->strs_used, ps->s + ps->tpos + q, k);
            ps->e->strs[ps->strs_used + k] = '\0';
            N(ps, i)->num = (int64_t)ps->strs_used;
            N(ps, i)->den = (int64_t)k;
            ps->strs_used += k + 1;
        }
        next(ps);
        return i;
    }
    case T_LP: {
        size_t pos = ps->tpos;

        if (!enter(ps))
            return -1;
        next(ps);
        i = parse_expr(ps);
        if (!expect(ps, T_RP, "')'"))
            return -1;
        ps->depth--;
        if (i >= 0) {
            /* The parenthesised text is the node's own, for labels. */
            N(ps, i)->pos = (uint16_t)pos;
            N(ps, i)->len = (uint16_t)(ps->tpos - pos);
            while (N(ps, i)->len > 0 && (ps->s[pos + N(ps, i)->len - 1] == ' '))
                N(ps, i)->len--;
        }
        return i;
    }
    case T_IDENT: {
        size_t pos = ps->tpos, len = ps->tlen;

        if (is_keyword(ps)) {
            char sp[48];

            span(ps, pos, len, sp);
            fail(ps, pos, RS_EINVAL, "unexpected '%s'", sp);
            return -1;
        }
        /* A call? */
        {
            size_t save = ps->p;
            enum tok t;

            next(ps);
            t = ps->t;
            ps->p = save;
            ps->t = T_IDENT;
            ps->tpos = pos;
            ps->tlen = len;
            if (t == T_LP) {
                if (!enter(ps))
                    return -1;
                next(ps); /* to "(" */
                i = parse_call(ps, pos, len);
                ps->depth--;
                return i;
            }
        }
        if (!dotted(ps, &pos, &len))
            return -1;
        return bind_name(ps, pos, len);
    }
    case T_END:
        fail(ps, ps->tpos, RS_EINVAL, "unexpected end");
        return -1;
    default: {
        char sp[48];

        span(ps, ps->tpos, ps->tlen, sp);
        fail(ps, ps->tpos, RS_EINVAL, "unexpected '%s'", sp);
        return -1;
    }
    }
}

static int parse_unary(struct parser *ps)
{
    if (ps->t == T_MINUS) {
        size_t pos = ps->tpos;
        int a, i;

        if (!enter(ps))
            return -1;
        next(ps);
        a = parse_unary(ps);
        ps->depth--;
        if (a < 0 || !check_bound(ps, a))
            return -1;
        if (N(ps, a)->type != RS_XT_NUM && N(ps, a)->type != RS_XT_MONEY) {
            fail(ps, pos, RS_EINVAL, "minus %s", type_name(N(ps, a)->type));
            return -1;
        }
        i = new_node(ps, RS_XO_NEG, (enum rs_xtype)N(ps, a)->type, pos,
                     (size_t)N(ps, a)->pos + N(ps, a)->len);
        if (i >= 0)
            N(ps, i)->a = (int16_t)a;
        return i;
    }
    return parse_primary(ps);
}

static int parse_product(struct parser *ps)
{
    int a = parse_unary(ps);

    while (a >= 0 && (ps->t == T_STAR || ps->t == T_SLASH)) {
        enum rs_xop op = ps->t == T_STAR ? RS_XO_MUL : RS_XO_DIV;
        size_t pos = ps->tpos;
        int b;

        next(ps);
        b = parse_unary(ps);
        if (b < 0)
            return -1;
        a = arith(ps, op, a, b, pos);
    }
    return a;
}

static int parse_sum(struct parser *ps)
{
    int a = parse_product(ps);

    while (a >= 0 && (ps->t == T_PLUS || ps->t == T_MINUS)) {
        enum rs_xop op = ps->t == T_PLUS ? RS_XO_ADD : RS_XO_SUB;
        size_t pos = ps->tpos;
        int b;

        next(ps);
        b = parse_product(ps);
        if (b < 0)
            return -1;
        a = arith(ps, op, a, b, pos);
    }
    return a;
}

/* Binds a pending name as a value of the enum of `other`. */
static bool bind_enum(struct parser *ps, int i, int other)
{
    struct rs_xnode *n = N(ps, i), *o = N(ps, other);
    int v;

    if (!pending(n) || o->type != RS_XT_ENUM || !o->ed)
        return true;
    if (!rs_enum_parse(o->ed, ps->s + n->pos, n->len, &v)) {
        char sp[48];

        span(ps, n->pos, n->len, sp);
        fail(ps, n->pos, RS_EINVAL, "'%s' is not a value of %s", sp,
             o->field ? o->field->column : "the enum");
        return false;
    }
    n->ed = o->ed;
    n->num = v;
    return true;
}

static int parse_cmp(struct parser *ps)
{
    static const struct {
        enum tok t;
        enum rs_xop op;
    } cmps[] = {{T_EQ, RS_XO_EQ}, {T_NE, RS_XO_NE}, {T_LT, RS_XO_LT},
                {T_LE, RS_XO_LE}, {T_GT, RS_XO_GT}, {T_GE, RS_XO_GE}};
    int a = parse_sum(ps), b, i;
    enum rs_xop op = RS_XO_EQ;
    size_t pos, k;
    enum rs_xtype ta, tb;

    if (a < 0)
        return -1;
    for (k = 0; k < sizeof cmps / sizeof cmps[0]; k++) {
        if (ps->t == cmps[k].t)
            break;
    }
    if (k == sizeof cmps / sizeof cmps[0])
        return a;
    op = cmps[k].op;
    pos = ps->tpos;
    next(ps);
    b = parse_sum(ps);
    if (b < 0)
        return -1;
    if (!bind_enum(ps, a, b) || !bind_enum(ps, b, a) || !check_bound(ps, a) ||
        !check_bound(ps, b))
        return -1;
    adapt_zero(ps, a, N(ps, b)->type);
    adapt_zero(ps, b, N(ps, a)->type);
    ta = N(ps, a)->type;
    tb = N(ps, b)->type;
    if (ta != tb || (ta == RS_XT_ENUM && N(ps, a)->ed != N(ps, b)->ed)) {
        fail(ps, pos, RS_EINVAL, "cannot compare %s with %s%s", type_name(ta), type_name(tb),
             (ta == RS_XT_MONEY || tb == RS_XT_MONEY) ? " (write the unit: 300元)" : "");
        return -1;
    }
    if ((ta == RS_XT_STR || ta == RS_XT_BOOL || ta == RS_XT_ANSWER) && op != RS_XO_EQ &&
        op != RS_XO_NE) {
        fail(ps, pos, RS_EINVAL, "%s compares only with = and !=", type_name(ta));
        return -1;
    }
    if (ta == RS_XT_ANSWER) {
        fail(ps, pos, RS_EINVAL, "a checklist answer cannot be compared");
        return -1;
    }
    i = new_node(ps, op, RS_XT_BOOL, N(ps, a)->pos, (size_t)N(ps, b)->pos + N(ps, b)->len);
    if (i >= 0) {
        N(ps, i)->a = (int16_t)a;
        N(ps, i)->b = (int16_t)b;
    }
    if (ps->t == T_EQ || ps->t == T_NE || ps->t == T_LT || ps->t == T_LE || ps->t == T_GT ||
        ps->t == T_GE) {
        fail(ps, ps->tpos, RS_EINVAL, "comparisons do not chain: use 'and'");
        return -1;
    }
    return i;
}

static int bool_node(struct parser *ps, enum rs_xop op, int a, int b, size_t pos)
{
    int i;

    if (!check_bound(ps, a) || (b >= 0 && !check_bound(ps, b)))
        return -1;
    if (N(ps, a)->type != RS_XT_BOOL || (b >= 0 && N(ps, b)->type != RS_XT_BOOL)) {
        fail(ps, pos, RS_EINVAL, "'%s' joins conditions, not %s",
             op == RS_XO_AND ? "and" : op == RS_XO_OR ? "or" : "not",
             type_name(N(ps, N(ps, a)->type != RS_XT_BOOL ? a : b)->type));
        return -1;
    }
    i = new_node(ps, op, RS_XT_BOOL, op == RS_XO_NOT ? pos : N(ps, a)->pos,
                 b >= 0 ? (size_t)N(ps, b)->pos + N(ps, b)->len
                        : (size_t)N(ps, a)->pos + N(ps, a)->len);
    if (i >= 0) {
        N(ps, i)->a = (int16_t)a;
        N(ps, i)->b = (int16_t)b;
    }
    return i;
}

static int parse_not(struct parser *ps)
{
    if (is_word(ps, "not")) {
        size_t pos = ps->tpos;
        int a;

        if (!enter(ps))
            return -1;
        next(ps);
        a = parse_not(ps);
        ps->depth--;
        return a < 0 ? -1 : bool_node(ps, RS_XO_NOT, a, -1, pos);
    }
    return parse_cmp(ps);
}

static int parse_and(struct parser *ps)
{
    int a = parse_not(ps);

    while (a >= 0 && is_word(ps, "and")) {
        size_t pos = ps->tpos;
        int b;

        next(ps);
        b = parse_not(ps);
        if (b < 0)
            return -1;
        a = bool_node(ps, RS_XO_AND, a, b, pos);
    }
    return a;
}

static int parse_expr(struct parser *ps)
{
    int a = parse_and(ps);

    while (a >= 0 && is_word(ps, "or")) {
        size_t pos = ps->tpos;
        int b;

        next(ps);
        b = parse_and(ps);
        if (b < 0) {
            a = -1;
            break;
        }
        a = bool_node(ps, RS_XO_OR, a, b, pos);
    }
    return a;
}

/* ------------------------------------------------------------ entry points */

rs_status rs_expr_parse(const char *src, size_t len, const struct rs_xscope *sc, int want,
                        struct rs_expr **out, struct rs_xerr *err)
{
    struct parser ps;
    struct rs_expr *e;
    int root;

    *out = NULL;
    err->col = 0;
    err->msg[0] = '\0';
    if (len > RS_EXPR_MAX_SRC) {
        err->col = 1;
        snprintf(err->msg, sizeof err->msg, "expression longer than %d bytes", RS_EXPR_MAX_SRC);
        return RS_ETOOBIG;
    }
    if (!rs_utf8_valid(src, len) || memchr(src, '\0', len)) {
        err->col = 1;
        snprintf(err->msg, sizeof err->msg, "not UTF-8 text");
        return RS_EINVAL;
    }
    e = calloc(1, sizeof *e);
    if (!e)
        return RS_ENOMEM;
    e->src = malloc(len + 1);
    e->strs = malloc(len + 1);
    if (!e->src || !e->strs) {
        free(e->src);
        free(e->strs);
        free(e);
        return RS_ENOMEM;
    }
    memcpy(e->src, src, len);
    e->src[len] = '\0';
    memset(&ps, 0, sizeof ps);
    ps.s = e->src;
    ps.len = len;
    ps.sc = sc;
    ps.rec = sc->record;
    ps.e = e;
    ps.err = err;
    next(&ps);
    if (ps.t == T_END && !ps.rv)
        fail(&ps, 0, RS_EINVAL, "empty expression");
    root = ps.rv ? -1 : parse_expr(&ps);
    if (root >= 0 && !ps.rv && ps.t != T_END) {
        char sp[48];

        span(&ps, ps.tpos, ps.tlen, sp);
        fail(&ps, ps.tpos, RS_EINVAL, "unexpected '%s' after the expression", sp);
    }
    if (root >= 0 && !ps.rv)
        (void)check_bound(&ps, root);
    if (root >= 0 && !ps.rv) {
        enum rs_xtype t = (enum rs_xtype)e->n[root].type;

        if (want == RS_XT_BOOL && t != RS_XT_BOOL)
            fail(&ps, 0, RS_EINVAL, "a condition is needed here, not %s", type_name(t));
        else if (want != RS_XT_BOOL && t != RS_XT_NUM && t != RS_XT_MONEY && t != RS_XT_ANSWER)
            fail(&ps, 0, RS_EINVAL, "a number or an amount is needed here, not %s",
                 type_name(t));
    }
    if (ps.rv || root < 0) {
        if (!ps.rv)
            fail(&ps, 0, RS_EINVAL, "cannot parse");
        rs_expr_free(e);
        return ps.rv;
    }
    e->root = (int16_t)root;
    *out = e;
    return RS_OK;
}

void rs_expr_free(struct rs_expr *e)
{
    if (!e)
        return;
    free(e->src);
    free(e->strs);
    free(e->n);
    free(e);
}

enum rs_xtype rs_expr_type(const struct rs_expr *e)
{
    return (enum rs_xtype)e->n[e->root].type;
}

bool rs_expr_is_name(const struct rs_expr *e, uint32_t *id)
{
    if (e->n[e->root].op != RS_XO_NAME)
        return false;
    *id = e->n[e->root].id;
    return true;
}

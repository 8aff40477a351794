/*
 * rs_expr.h - the expression language of formulas and checks: parsing,
 * types, exact evaluation with absent values.
 *
 * An expression is one line of text over named inputs, written in a formula
 * library, a check file or a framework's formula cell (docs/evaluation.md
 * §2 has the grammar and the names).  It is parsed once, when its file is
 * loaded, into a small tree whose every name is bound and whose every
 * operation is type-checked; errors name the column (in characters, 1-based)
 * where they are found.  Evaluating it later cannot fail: a value is given or
 * absent, and an absent value carries the reason (which input is missing, a
 * division by zero, an overflow).
 *
 * Grammar (lowest precedence first; `−` `×` `÷` `≤` `≥` `≠` may stand for
 * `-` `*` `/` `<=` `>=` `!=`):
 *     expr    := or
 *     or      := and { "or" and }
 *     and     := not { "and" not }
 *     not     := "not" not | cmp
 *     cmp     := sum [ ("=" | "!=" | "<" | "<=" | ">" | ">=") sum ]
 *     sum     := product { ("+" | "-") product }
 *     product := unary { ("*" | "/") unary }
 *     unary   := "-" unary | primary
 *     primary := number [ "%" | "元" | "万元" ] | string | "(" expr ")" | call | name
 *     call    := ident "(" [ args ] ")"
 *     args    := expr { "," expr }   (aggregates: see below)
 *     name    := ident { "." ident }
 * An ident is ASCII letters, digits and "_" (not starting with a digit) or
 * any other letters (汉字), and may end in a prime (F4').  Aggregates over
 * the records of one type (its English name or Chinese label):
 *     count(T [where cond])   sum(T.field [where cond])   sum(T: expr [where cond])
 * Inside them, and in a check's per-record scope, a bare name is a field of
 * the record (its English column name or a Chinese alias); on the other side
 * of a comparison with an enum field, a bare name is a value of its enum
 * (完工, self).  Functions: coalesce(a, b, ...), given(x), min(...), max(...),
 * abs(x), if(cond, a, b), whole_fen(x) (money that is whole fen), whole(x)
 * (a number that is whole), contains(field, "text"), and for an indicator
 * answered by a reviewer checklist(), manual(), items_passed(), items_total().
 *
 * Types: a number (dimensionless: counts, ratios), money (fen), a date, an
 * enum value, a string, a truth value, and a checklist answer.  Money plus
 * money is money, money times or over a number is money, money over money is
 * a number; money and a number do not mix otherwise (a literal 0 compares
 * with anything; other amounts say their unit: 300元, 1.5万元).  A percentage
 * literal is a number (30% = 0.3).
 *
 * Values are exact fractions num/den of int64 (den > 0, money in fen); every
 * operation is done in 128 bits and an overflow makes the value absent.  An
 * operation on an absent value is absent, with the first absent operand's
 * reason; x/0 is absent ("...为0，除数为0").  Comparisons with an absent
 * side are unknown; "and", "or" and "not" use three values (false and
 * unknown is false).  In a `where` filter, a record whose condition is
 * unknown is left out and counted: the caller reports how many records of
 * which type were left out for which missing field, and those left out by
 * given(...) being false.  count(T) and sum(...) over a type that has no
 * records at all are absent ("没有项目记录": an empty register is not zero);
 * over records none of which match, 0; over records none of which can be
 * judged (every condition unknown), absent ("没有一条项目记录填报项目阶段（共2
 * 条），无法判断").  sum(T.f) is absent if a matching record lacks f.
 *
 * The caller (the formula library, rs_flib.h) binds global names and
 * answers them during evaluation through struct rs_xscope and struct
 * rs_xenv.  Everything here is pure and reentrant: a parsed expression is
 * read-only and may be evaluated by several threads at once, each with its
 * own context.
 *
 * Does not: know what any global name means (the caller's callbacks do),
 * read files, or render text for a report.
 */
#ifndef RS_EXPR_H
#define RS_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_rtype.h"
#include "rs_status.h"

#define RS_EXPR_MAX_SRC 1024       /* bytes of one expression */
#define RS_EXPR_MAX_NODES 256      /* nodes of one expression */
#define RS_EXPR_MAX_DEPTH 32       /* nesting of parentheses and calls */
#define RS_EXPR_MAX_ARGS 8         /* arguments of one call */
#define RS_EXPR_NAME_MAX 63        /* bytes of a dotted name */
#define RS_EXPR_ERR_MAX 200        /* bytes of an error message */

/* Static types. */
enum rs_xtype {
    RS_XT_NUM,       /* a number: num/den */
    RS_XT_MONEY,     /* money in fen: num/den */
    RS_XT_DATE,      /* YYYYMMDD in num */
    RS_XT_ENUM,      /* an enum value in num (desc on the node) */
    RS_XT_STR,       /* a string (str) */
    RS_XT_BOOL,      /* 0 or 1 in num */
    RS_XT_ANSWER     /* a checklist answer: num items passed of den answered */
};

/* What a global name is, as the scope binds it. */
struct rs_xname {
    uint32_t id;                 /* the scope's own number for it */
    enum rs_xtype type;          /* RS_XT_NUM, RS_XT_MONEY or RS_XT_ANSWER */
};

/* Where names are bound while parsing. */
struct rs_xscope {
    const void *user;
    /* Binds the dotted name s (NUL-terminated) or returns false. */
    bool (*lookup)(const void *user, const char *s, struct rs_xname *out);
    /* Bare names are this type's fields (a per-record check), or NULL. */
    const struct rs_rtype_def *record;
    /* checklist(), manual(), items_passed(), items_total() are allowed. */
    bool answers;
};

/* A parse error: 1-based column in characters of the expression, and why. */
struct rs_xerr {
    uint32_t col;
    char msg[RS_EXPR_ERR_MAX];
};

enum rs_xop {
    RS_XO_NUM, RS_XO_STR, RS_XO_ENUMV, RS_XO_NAME, RS_XO_FIELD,
    RS_XO_NEG, RS_XO_ADD, RS_XO_SUB, RS_XO_MUL, RS_XO_DIV,
    RS_XO_EQ, RS_XO_NE, RS_XO_LT, RS_XO_LE, RS_XO_GT, RS_XO_GE,
    RS_XO_AND, RS_XO_OR, RS_XO_NOT,
    RS_XO_COALESCE, RS_XO_GIVEN, RS_XO_KNOWN, RS_XO_MIN, RS_XO_MAX, RS_XO_ABS, RS_XO_IF,
    RS_XO_WHOLE_FEN, RS_XO_WHOLE, RS_XO_CONTAINS,
    RS_XO_CHECKLIST, RS_XO_MANUAL, RS_XO_ITEMS_PASSED, RS_XO_ITEMS_TOTAL,
    RS_XO_COUNT, RS_XO_SUM
};

/* One node of a parsed expression.  Children are indexes into the node
 * array; -1 is none.  Arguments of a call are a chain through `next`. */
struct rs_xnode {
    uint8_t op;                      /* enum rs_xop */
    uint8_t type;                    /* enum rs_xtype of its value */
    uint16_t pos, len;               /* its text: src[pos..pos+len) */
    int16_t a, b, next;              /* operands / first argument / next argument */
    int16_t where;                   /* aggregates: the filter, or -1 */
    uint32_t id;                     /* RS_XO_NAME: the scope's id */
    int64_t num, den;                /* constants; RS_XO_STR: offset in strs */
    const struct rs_field *field;    /* RS_XO_FIELD; RS_XO_SUM of T.field */
    const ProtobufCFieldDescriptor *fd;   /* RS_XO_FIELD: where the value is */
    const ProtobufCEnumDescriptor *ed;    /* RS_XO_ENUMV, and enum fields */
    const struct rs_rtype_def *rdef; /* aggregates: the type counted */
};

/* A parsed expression; read-only once parsed. */
struct rs_expr {
    char *src;                       /* the text, NUL-terminated (owned) */
    char *strs;                      /* string literals, each NUL-terminated (owned) */
    struct rs_xnode *n;              /* owned */
    size_t nn;
    int16_t root;
};

/*
 * Parses src[0..len) (UTF-8) in scope sc.  want is the type the whole must
 * have: RS_XT_BOOL for a check's condition, or -1 for any value (number,
 * money or a checklist answer).  On RS_OK *out is owned by the caller
 * (rs_expr_free).  RS_EINVAL with err filled for any error of the text,
 * RS_ETOOBIG past a cap (err filled too), RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_expr_parse(const char *src, size_t len, const struct rs_xscope *sc,
                                     int want, struct rs_expr **out, struct rs_xerr *err);

/* Frees e; NULL is allowed. */
void rs_expr_free(struct rs_expr *e);

/* The type of e's value. */
enum rs_xtype rs_expr_type(const struct rs_expr *e);

/* True if e is a single reference to a global name; *id gets it. */
bool rs_expr_is_name(const struct rs_expr *e, uint32_t *id);

/* ------------------------------------------------------------ evaluation */

enum rs_xstate { RS_XS_GIVEN, RS_XS_ABSENT };

/* A value.  Absent: why (and src) index the context's texts, -1 for none. */
struct rs_xval {
    uint8_t state;                   /* enum rs_xstate */
    uint8_t type;                    /* enum rs_xtype */
    int16_t why;                     /* reason it is absent */
    int16_t src;                     /* where a given value came from */
    int64_t num, den;
    const char *str;                 /* RS_XT_STR; borrowed from a record */
};

#define RS_XCTX_TEXT 4096            /* bytes of reasons and sources of one evaluation */
#define RS_XCTX_MAX_TEXTS 48
#define RS_XCTX_MAX_TALLIES 16

/* Records a filter left out: n records of type `label` lacking `field`. */
struct rs_xtally {
    const struct rs_rtype_def *rdef;
    const struct rs_field *field;    /* the missing field, or NULL (given() false on it) */
    const char *field_label;         /* its Chinese name */
    uint32_t n;
    bool unknown;                    /* the condition was unknown (else given() was false) */
};

struct rs_xctx;

/* What an evaluation asks its caller. */
struct rs_xenv {
    /* The value of global name id into *out (rs_xctx_absent for a missing one). */
    void (*name)(void *user, struct rs_xctx *ctx, uint32_t id, struct rs_xval *out);
    /* The records of type t in scope, *n of them; NULL with *n 0 for none. */
    const Rs__Record *const *(*records)(void *user, rs_rtype t, size_t *n);
    /* An answer function (RS_XO_CHECKLIST ...) for the indicator evaluated. */
    void (*answer)(void *user, struct rs_xctx *ctx, enum rs_xop fn, struct rs_xval *out);
    /* The Chinese name of global name id into out[0..n), for reasons ("编制数为0"). */
    void (*label)(void *user, uint32_t id, char *out, size_t n);
};

/* One evaluation's scratch: the texts of reasons and sources, the tallies. */
struct rs_xctx {
    const struct rs_xenv *env;
    void *user;
    const Rs__Record *rec;           /* the record of a per-record check, or NULL */
    const char *note;                /* appended to township sources: "（5个乡镇/街道）" */
    int depth;                       /* nesting of library references */
    const struct rs_field *missing;  /* the field found absent last (filters) */
    const struct rs_field *not_given;    /* the field given() found absent last */
    char text[RS_XCTX_TEXT];
    size_t used;
    uint16_t off[RS_XCTX_MAX_TEXTS];
    size_t ntexts;
    struct rs_xtally tally[RS_XCTX_MAX_TALLIES];
    size_t ntallies;
};

/* Starts a context (everything zeroed). */
void rs_xctx_init(struct rs_xctx *ctx, const struct rs_xenv *env, void *user,
                  const Rs__Record *rec);

/* A text of ctx by index ("" for -1 or out of range). */
const char *rs_xctx_text(const struct rs_xctx *ctx, int idx);

/* Adds a formatted text to ctx; its index, or -1 if ctx is full. */
int rs_xctx_add(struct rs_xctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Makes *v absent with a reason (formatted into ctx). */
void rs_xctx_absent(struct rs_xctx *ctx, struct rs_xval *v, enum rs_xtype type, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

/* Evaluates e into *out. */
void rs_expr_eval(const struct rs_expr *e, struct rs_xctx *ctx, struct rs_xval *out);

/* Evaluates the node i of e (an input of it) into *out. */
void rs_expr_eval_node(const struct rs_expr *e, int i, struct rs_xctx *ctx, struct rs_xval *out);

/*
 * The inputs of e, for a reader: the global names, fields, aggregates and
 * reviewer answers it uses, in order of first use, each once (the same name
 * twice is one input);
 * their node indexes into idx[0..max).  Returns how many there are (at most
 * max are written).
 */
size_t rs_expr_inputs(const struct rs_expr *e, int *idx, size_t max);

/* For a comparison at the top of e: the indexes of its two sides, or false. */
bool rs_expr_sides(const struct rs_expr *e, int *left, int *right, enum rs_xop *op);

/*
 * A label of node i for a reader, into out[0..n): for an aggregate
 * "项目数（项目阶段≥完工）" or "考证人数合计"; for anything else its text.
 * Names are labelled by the caller, who knows them.
 */
void rs_expr_label(const struct rs_expr *e, int i, char *out, size_t n);

/* Compares two given values of one type: <0, 0, >0 (exact). */
int rs_xval_cmp(const struct rs_xval *a, const struct rs_xval *b);

#endif

/*
 * rs_flib.h - the formula library and the check rules: named expressions
 * over the figures of a year, loaded with a framework.
 *
 * A formula library is a text file (server/frameworks/formulas.txt ships
 * with the presets) with one entry per line:
 *     name [slug] | kind [unit] [unlisted] | 中文名称 | expression [| definition]
 * `name` is an indicator code (F1, F4', T3, F4h) or a dotted figure name
 * (budget.final, staff.in_service); the optional slug (staff_control) is
 * another name for it.  kind is rate, count (with its unit: 人, 户, 个),
 * money (万元, the default, or 元), checklist or manual; `unlisted` keeps an
 * indicator out of the report's table of every formula (the generic
 * checklist C and manual M, which answer a framework's own indicator).  The
 * expression is in the language of rs_expr.h over the built-in inputs
 * (rs_eval_inputs.h: the record-type table's unit-level fields, the relief
 * sums) and the entries of the file, in any order (a cycle is an error).
 * Lines starting with # and blank lines are skipped.
 *
 * A check file (checks.txt) has one rule per line:
 *     code | severity | scope | assertion | tolerance | missing | 核查内容
 * severity is error, warning or note (错误, 警告, 提示); scope is `unit`
 * (once, over the figures) or a record type, optionally `T where cond`
 * (per record of that type, whose fields the assertion names); the
 * assertion is a condition, usually `left op right` (found against
 * expected); tolerance is how far the two sides may differ (0, 0.01元, 1,
 * 0.5%; empty is 0); missing is skip or note: what an absent operand does
 * (never a finding derived from it; at most a note that it is missing).
 * The text may hold {} for the record's label (人员经费, P-2023-001).
 *
 * Every error names the file, the line and the column:
 * "formulas.txt:12:34: unknown name 'budget.fnial'".  Files are at most
 * RS_FLIB_MAX_FILE_BYTES, UTF-8 (with or without BOM).  Each carries its
 * name and the SHA-256 of its bytes, which the report prints.
 *
 * Threading: a library is read-only once loaded and may be shared by
 * evaluations on several threads.
 *
 * Does not: evaluate anything (rs_eval.h does, through rs_expr.h) or know
 * what an indicator scores (rs_framework.h).
 */
#ifndef RS_FLIB_H
#define RS_FLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_expr.h"
#include "rs_status.h"
#include "rs_util.h"

#define RS_FLIB_MAX_FILE_BYTES (256 * 1024)
#define RS_FLIB_MAX_ENTRIES 256
#define RS_FLIB_MAX_CHECKS 128
#define RS_FLIB_MAX_LINE 2048        /* bytes of one line */
#define RS_FLIB_NAME_MAX 63          /* bytes of a file name */
#define RS_FLIB_DEFAULT "formulas.txt"
#define RS_FLIB_CHECKS_DEFAULT "checks.txt"

/* How a formula's value is read. */
enum rs_fw_vkind {
    RS_VK_RATE,          /* num/den, shown as a percentage; params in percent */
    RS_VK_COUNT,         /* a number of units (persons, households); params in that unit */
    RS_VK_CHECKLIST,     /* items passed of items answered (ManualScore) */
    RS_VK_MANUAL,        /* a reviewer's score (ManualScore.score_milli) */
    RS_VK_MONEY          /* an amount of money, fen */
};

/* One named formula of a library (or a framework's own inline formula). */
struct rs_formula_info {
    uint32_t line;                   /* in its file */
    char code[RS_EXPR_NAME_MAX + 1]; /* "F1", "F4'", "budget.final" */
    char slug[48];                   /* "staff_control", or "" */
    char name[96];                   /* Chinese name, "在职人员控制率" */
    char unit[16];                   /* count: "人"; money: "万元" or "元"; else "" */
    char definition[256];            /* one line in Chinese, or "" */
    enum rs_fw_vkind kind;
    bool indicator;                  /* a code (no '.'), listed in the table of formulas */
    struct rs_expr *expr;            /* owned */
};

/* One check rule. */
struct rs_flib_check {
    uint32_t line;
    char code[40];                   /* "training.subsidy_total" */
    int sev;                         /* 0 note, 1 warning, 2 error (enum rs_eval_sev) */
    const struct rs_rtype_def *scope;    /* per record of this type, or NULL: unit */
    struct rs_expr *where;           /* per record: which records, or NULL */
    struct rs_expr *assert;          /* a condition (owned) */
    int64_t tol_num, tol_den;        /* tolerance >= 0 */
    bool tol_money;                  /* the tolerance is an amount (fen) */
    bool missing_note;               /* an absent operand adds a note (else nothing) */
    char text[256];                  /* what is checked, Chinese; {} = the record's label */
};

struct rs_flib {
    char name[RS_FLIB_NAME_MAX + 1];     /* "formulas.txt" */
    char hash[RS_SHA256_HEX + 1];
    char checks_name[RS_FLIB_NAME_MAX + 1];   /* "checks.txt", or "" for none */
    char checks_hash[RS_SHA256_HEX + 1];
    struct rs_formula_info *e;       /* owned, n of them */
    size_t n;
    struct rs_flib_check *c;         /* owned, nc of them */
    size_t nc;
};

/* Global names of expressions: a library entry has its index as id; a
 * built-in input has RS_FLIB_INPUT | its own number (rs_eval_inputs.h). */
#define RS_FLIB_INPUT 0x40000000u

/*
 * Parses a formula library from data[0..n); name is its file name, printed
 * in errors and reports.  On RS_OK *out is owned by the caller
 * (rs_flib_free).  RS_EINVAL with err ("name:line:col: why") for any error
 * of the file, RS_ENOMEM.  Pure: any thread.
 */
RS_NODISCARD rs_status rs_flib_parse(const void *data, size_t n, const char *name,
                                     struct rs_flib **out, char *err, size_t errlen);

/*
 * Parses a check file into lib (which must have no checks yet); the rules
 * may name lib's entries.  RS_EINVAL with err, RS_ENOMEM; on failure lib
 * has no checks.
 */
RS_NODISCARD rs_status rs_flib_parse_checks(struct rs_flib *lib, const void *data, size_t n,
                                            const char *name, char *err, size_t errlen);

/*
 * Reads a file of at most RS_FLIB_MAX_FILE_BYTES whole into a malloc'd
 * buffer (*data, *n; the caller frees).  RS_ENOTFOUND, RS_EIO, RS_EINVAL
 * (too large), RS_ENOMEM, with err.
 */
RS_NODISCARD rs_status rs_flib_read_file(const char *path, char **data, size_t *n, char *err,
                                         size_t errlen);

/*
 * Loads the library `name` and the check file `checks` (NULL: none) from
 * the first of dir1, dir2 (either may be NULL) that holds the library.
 * Names are plain file names ([A-Za-z0-9_.-], not starting with '.').
 * Ownership and errors as rs_flib_parse; RS_ENOTFOUND if no directory holds
 * a file.
 */
RS_NODISCARD rs_status rs_flib_load(const char *dir1, const char *dir2, const char *name,
                                    const char *checks, struct rs_flib **out, char *err,
                                    size_t errlen);

/* Frees lib; NULL is allowed. */
void rs_flib_free(struct rs_flib *lib);

/* The entry called code_or_slug (its name, code or slug; ASCII letters in
 * any case; F4’ and F4′ are F4'), or NULL. */
const struct rs_formula_info *rs_flib_find(const struct rs_flib *lib, const char *code_or_slug);

/* Binds a global name of an expression: an entry of lib, else a built-in
 * input.  For rs_xscope.lookup (user is the library). */
bool rs_flib_lookup(const void *lib, const char *s, struct rs_xname *out);

/* Parses the kind field of an entry ("rate", "count 人", "money 元",
 * "checklist unlisted") into fi; false if it is none of them. */
bool rs_flib_kind(const char *s, struct rs_formula_info *fi, bool *unlisted);

/* "rate", "count", "checklist", "manual", "money". */
const char *rs_flib_kind_name(enum rs_fw_vkind k);

#endif

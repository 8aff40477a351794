/*
 * rs_framework.h - the indicator system (评分框架) of the unit evaluation.
 *
 * A framework is a CSV file a finance clerk can open in Excel: one row per
 * indicator with its dimension, name, points, the formula that computes its
 * value, the rule shape that turns the value into a score, the rule's
 * parameters and a display target.  docs/evaluation.md describes the format,
 * every formula code and every rule shape.  Two presets ship in
 * server/frameworks/: unit-2023 (the six-dimension unit template, the
 * default) and mof-project (the MOF project table).
 *
 * The whole file is validated on load; every error names the file and line.
 * Points must sum to exactly 100 (an error, not a warning: the grade bands
 * assume a 100-point scale).  Every loaded framework carries its name (the
 * file stem) and the SHA-256 of the file's bytes, which each evaluation
 * records.
 *
 * Numbers (points, thresholds, band limits) are exact decimals with at most
 * three decimals, held as integer thousandths ("milli").  For rate formulas
 * a parameter is in percent (100 means 100%); for count formulas it is in
 * the count's own unit.
 *
 * Does not: compute values or scores (rs_eval.h), or touch the database.
 */
#ifndef RS_FRAMEWORK_H
#define RS_FRAMEWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_status.h"
#include "rs_util.h"

#define RS_FW_MAX_INDICATORS 64
#define RS_FW_MAX_DIMENSIONS 16
#define RS_FW_MAX_BANDS 8
#define RS_FW_MAX_FILE_BYTES (256 * 1024)
#define RS_FW_MAX_COLS 16            /* columns of a row */
#define RS_FW_MAX_FIELD 1024         /* bytes of a cell, with its NUL */
#define RS_FW_NAME_MAX 63            /* bytes of a framework name */
#define RS_FW_CODE_MAX 31            /* bytes of an indicator code */
#define RS_FW_DIM_MAX 95             /* bytes of a dimension name */
#define RS_FW_TEXT_MAX 191           /* bytes of an indicator name */
#define RS_FW_TARGET_MAX 63          /* bytes of a target text */
#define RS_FW_PARAMS_MAX 255         /* bytes of a params cell */
#define RS_FW_TOTAL_MILLI 100000     /* points must sum to 100 */
#define RS_FRAMEWORK_DEFAULT "unit-2023"

/* How a formula's value is read. */
enum rs_fw_vkind {
    RS_VK_RATE,          /* num/den, shown as a percentage; params in percent */
    RS_VK_COUNT,         /* an integer count; params in the count's unit */
    RS_VK_CHECKLIST,     /* items passed of items answered (ManualScore) */
    RS_VK_MANUAL         /* a reviewer's score (ManualScore.score_milli) */
};

/* Every formula the evaluation knows; docs/evaluation.md defines each. */
enum rs_formula {
    RS_F_STAFF_CONTROL,          /* F1  */
    RS_F_SANGONG_CHANGE,         /* F2  */
    RS_F_KEY_SPENDING,           /* F3  */
    RS_F_BUDGET_COMPLETION,      /* F4  */
    RS_F_BUDGET_EXECUTION,       /* F4' */
    RS_F_BUDGET_ADJUSTMENT,      /* F5  */
    RS_F_PAYMENT_PROGRESS,       /* F6  */
    RS_F_CARRYOVER_RATE,         /* F7  */
    RS_F_CARRYOVER_CHANGE,       /* F8  */
    RS_F_PUBLIC_CONTROL,         /* F9  */
    RS_F_SANGONG_CONTROL,        /* F10 */
    RS_F_PROCUREMENT,            /* F11 */
    RS_F_ASSET_USE,              /* F12 */
    RS_F_PROJECT_COMPLETION,     /* F13 */
    RS_F_PROJECT_TIMELINESS,     /* F14 */
    RS_F_PROJECT_ACCEPTANCE,     /* F15 */
    RS_F_KEY_TASKS,              /* F16 */
    RS_F_FUND_COMPLIANCE,        /* F17 */
    RS_F_MANAGEMENT_RULES,       /* F18 */
    RS_F_DISCLOSURE,             /* F19 */
    RS_F_SATISFACTION,           /* F20 */
    RS_F_RECEPTION_CHANGE,       /* F21a */
    RS_F_VEHICLE_CHANGE,         /* F21b */
    RS_F_TRAINING_COMPLETION,    /* T1 */
    RS_F_CERTIFICATION,          /* T2 */
    RS_F_SUBSIDY_ON_TIME,        /* T3 */
    RS_F_RELIEF_DELIVERED,       /* T4 */
    RS_F_PETITION_CLOSED,        /* T5 */
    RS_F_PETITION_ABOVE,         /* T6 */
    RS_F_PROJECT_MAINTENANCE,    /* T7 */
    RS_F_INVESTMENT_CONTROL,     /* T8 */
    RS_F_RELIEF_HOUSEHOLDS,      /* T9 */
    RS_F_CHECKLIST,              /* C   */
    RS_F_MANUAL,                 /* M   */
    RS_FORMULA_COUNT
};

struct rs_formula_info {
    enum rs_formula id;
    const char *code;            /* "F1", "F4'", "T3", "M" */
    const char *slug;            /* "staff_control"; accepted in place of code */
    const char *name;            /* Chinese name, "在职人员控制率" */
    enum rs_fw_vkind kind;
    const char *definition;      /* one line in Chinese, for the report */
};

/* The catalogue entry of f; never NULL for a valid f. */
const struct rs_formula_info *rs_framework_formula(enum rs_formula f);

/* Finds a formula by code or slug (ASCII case-insensitive); NULL if none. */
const struct rs_formula_info *rs_framework_formula_find(const char *code_or_slug);

enum rs_fw_rule {
    RS_RULE_CAP_DEDUCT,
    RS_RULE_BANDS,
    RS_RULE_STEP_BELOW,
    RS_RULE_PROPORTIONAL,
    RS_RULE_CHECKLIST,
    RS_RULE_MANUAL
};

/* "cap_deduct", "bands", ...; never NULL. */
const char *rs_framework_rule_name(enum rs_fw_rule r);

/* One band of a bands rule; limits in milli units of the value. */
struct rs_fw_band {
    bool lo_inf, hi_inf;         /* -inf / +inf */
    bool lo_incl, hi_incl;       /* [ ] versus ( ) */
    int64_t lo, hi;
    int64_t score_milli;
};

struct rs_fw_indicator {
    uint32_t line;                           /* line in the file */
    char code[RS_FW_CODE_MAX + 1];
    char dimension[RS_FW_DIM_MAX + 1];
    char name[RS_FW_TEXT_MAX + 1];
    char target[RS_FW_TARGET_MAX + 1];       /* as written, or derived */
    char params[RS_FW_PARAMS_MAX + 1];       /* as written */
    size_t dim;                              /* index into dims */
    enum rs_formula formula;
    enum rs_fw_rule rule;
    int64_t points_milli;
    /* cap_deduct: value on the bad side of threshold loses per points per
     * unit (percentage point for rates), floor 0. */
    int64_t threshold;
    int64_t per;
    bool bad_below;                          /* bad=below; default above */
    /* step_below: each started step below target loses deduct points. */
    int64_t target_val;
    int64_t step;
    int64_t deduct;
    /* proportional: points x min(value / full_at, 1). */
    int64_t full_at;
    /* checklist: per_fail points per failed item, floor 0. */
    uint32_t items;
    int64_t per_fail;
    /* bands: first band containing the value gives the score. */
    size_t nbands;
    struct rs_fw_band bands[RS_FW_MAX_BANDS];
    /* F20: count 基本满意 as satisfied (count_basic=yes, the default). */
    bool count_basic;
};

struct rs_fw_dimension {
    char name[RS_FW_DIM_MAX + 1];
    int64_t points_milli;                    /* sum of its indicators */
    size_t nind;
};

struct rs_framework {
    char name[RS_FW_NAME_MAX + 1];           /* file stem, "unit-2023" */
    char hash[RS_SHA256_HEX + 1];        /* SHA-256 of the file, hex */
    size_t n;
    struct rs_fw_indicator ind[RS_FW_MAX_INDICATORS];
    size_t ndims;
    struct rs_fw_dimension dims[RS_FW_MAX_DIMENSIONS];
    int64_t total_milli;
};

/*
 * Parses a framework from data[0..n) (UTF-8 with or without BOM, or
 * GB18030 as Excel writes it; read by rs_csv.h).  name is the framework's
 * name (the file stem, at most RS_FW_NAME_MAX bytes) and appears in every
 * error message as "<name>.csv:<line>: ..." (or "<name>.csv: ..." for the
 * few the CSV reader gives without a line).  On RS_OK *out is malloc'd and
 * owned by the caller (rs_framework_free).  RS_EINVAL with err set for any
 * error in the file; RS_ENOMEM.  Pure: any thread.
 */
RS_NODISCARD rs_status rs_framework_parse(const void *data, size_t n, const char *name,
                                          struct rs_framework **out, char *err, size_t errlen);

/*
 * Loads a framework.  spec NULL or "" means RS_FRAMEWORK_DEFAULT.  A spec
 * containing '/' is a path and must end in ".csv"; otherwise it is a preset
 * name ([A-Za-z0-9_.-], not starting with '.', an optional ".csv" suffix)
 * looked up as dir/<name>.csv.  RS_ENOTFOUND if the file does not exist,
 * RS_EIO if it cannot be read, RS_EINVAL for a bad name, an oversize file
 * (> RS_FW_MAX_FILE_BYTES) or any parse error; err says which.  Ownership
 * as rs_framework_parse.
 */
RS_NODISCARD rs_status rs_framework_load(const char *dir, const char *spec,
                                         struct rs_framework **out, char *err, size_t errlen);

/* Frees a framework; fw may be NULL. */
void rs_framework_free(struct rs_framework *fw);

#endif

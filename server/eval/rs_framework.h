/*
 * rs_framework.h - the indicator system (评分框架) of the unit evaluation.
 *
 * A framework is a CSV file a finance clerk can open in Excel: one row per
 * indicator with its dimension, name, points, the formula that computes its
 * value, the rule shape that turns the value into a score, the rule's
 * parameters and a display target.  The formula is an entry of the formula
 * library the framework is loaded with (rs_flib.h: F1, F4h, staff_control)
 * or an expression written in the cell itself.  docs/evaluation.md
 * describes the format, the library and every rule shape.  The presets in
 * server/frameworks/ are unit-2023 (the six-dimension unit template, the
 * default), mof-project (the MOF project table) and the published
 * provincial tables.
 *
 * Rows whose first cell starts with "#@" hold directives, `key=value` items
 * separated by ';': `formulas=` and `checks=` name the library and the
 * check file (default formulas.txt and checks.txt, looked up beside the
 * framework and then in the preset directory); `published_points=` says
 * that the file holds only part of a published table worth that many
 * points (then its own points may sum to less, the score is shown against
 * them, and no grade is given).
 *
 * The whole file is validated on load; every error names the file and line
 * (and the character of an inline formula).  Points must sum to exactly 100
 * (or to at most published_points): the grade bands assume a 100-point
 * scale.  Every loaded framework carries its name (the file stem) and the
 * SHA-256 of the file's bytes, and its library's name and hash, which each
 * evaluation records.
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

#include "rs_flib.h"
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
    const struct rs_formula_info *fi;        /* the library's entry or the framework's own */
    char code[RS_FW_CODE_MAX + 1];
    char dimension[RS_FW_DIM_MAX + 1];
    char name[RS_FW_TEXT_MAX + 1];
    char target[RS_FW_TARGET_MAX + 1];       /* as written, or derived */
    char params[RS_FW_PARAMS_MAX + 1];       /* as written */
    size_t dim;                              /* index into dims */
    enum rs_fw_rule rule;
    int64_t points_milli;
    /* cap_deduct: value on the bad side of threshold loses per points per
     * unit (percentage point for rates), floor 0. */
    int64_t threshold;
    int64_t per;
    bool bad_below;                          /* bad=below; default above */
    /* step_below: each step below target loses deduct points; a started
     * step counts (steps=started, the default) or only a completed one
     * (steps=completed: 99.27% against 100% in steps of 5 loses nothing). */
    int64_t target_val;
    int64_t step;
    int64_t deduct;
    bool steps_completed;
    /* proportional: points x min(value / full_at, 1). */
    int64_t full_at;
    /* checklist: per_fail points per failed item, floor 0. */
    uint32_t items;
    int64_t per_fail;
    /* bands: first band containing the value gives the score. */
    size_t nbands;
    struct rs_fw_band bands[RS_FW_MAX_BANDS];
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
    /* Part of a published table: its points (0 for a whole framework of 100). */
    int64_t published_milli;
    const struct rs_flib *lib;               /* formulas and checks */
    struct rs_flib *owned_lib;               /* lib when the framework owns it (loaded), or NULL */
    /* Inline formulas of rows that write an expression (owned). */
    struct rs_formula_info own[RS_FW_MAX_INDICATORS];
    size_t nown;
};

/* The directives of a framework file (its "#@" rows). */
struct rs_fw_directives {
    char formulas[RS_FLIB_NAME_MAX + 1];     /* RS_FLIB_DEFAULT unless given */
    char checks[RS_FLIB_NAME_MAX + 1];       /* RS_FLIB_CHECKS_DEFAULT unless given */
    int64_t published_milli;                 /* 0 unless given */
};

/*
 * Reads the directives of a framework file data[0..n) into d (defaults for
 * what it does not give).  RS_EINVAL with err ("<name>.csv:<line>: ...")
 * for a malformed directive or CSV; RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_framework_directives(const void *data, size_t n, const char *name,
                                               struct rs_fw_directives *d, char *err,
                                               size_t errlen);

/*
 * Parses a framework from data[0..n) (UTF-8 with or without BOM, or
 * GB18030 as Excel writes it; read by rs_csv.h) against the formula
 * library lib, which it borrows: lib must outlive the framework (and every
 * evaluation of it), and may be shared by several.  name is the framework's name (the file stem, at
 * most RS_FW_NAME_MAX bytes) and appears in every error message as
 * "<name>.csv:<line>: ..." (or "<name>.csv: ..." for the few the CSV reader
 * gives without a line).  On RS_OK *out is malloc'd and owned by the caller
 * (rs_framework_free).  RS_EINVAL with err set for any error in the file;
 * RS_ENOMEM.  Pure: any thread.
 */
RS_NODISCARD rs_status rs_framework_parse(const void *data, size_t n, const char *name,
                                          const struct rs_flib *lib, struct rs_framework **out,
                                          char *err, size_t errlen);

/*
 * Loads a framework.  spec NULL or "" means RS_FRAMEWORK_DEFAULT.  A spec
 * containing '/' is a path and must end in ".csv"; otherwise it is a preset
 * name ([A-Za-z0-9_.-], not starting with '.', an optional ".csv" suffix)
 * looked up as dir/<name>.csv.  Its library and check file (the
 * directives') are looked up beside it, then in dir.  RS_ENOTFOUND if a file
 * does not exist, RS_EIO if it cannot be read, RS_EINVAL for a bad name, an
 * oversize file (> RS_FW_MAX_FILE_BYTES) or any parse error of the
 * framework, library or checks; err says which, naming a preset by its
 * name, never by the path it was looked up at (a server passes err to its
 * clients).  On RS_OK *out is owned by the caller (rs_framework_free), and
 * owns its library.
 */
RS_NODISCARD rs_status rs_framework_load(const char *dir, const char *spec,
                                         struct rs_framework **out, char *err, size_t errlen);

/* True if fw is part of a published table (published_points): no grade. */
bool rs_framework_partial(const struct rs_framework *fw);

/* Frees a framework (and its library if it owns one); fw may be NULL. */
void rs_framework_free(struct rs_framework *fw);

#endif

/*
 * rs_eval_steps.h - what rs_eval_run does after the figures are built.
 * Private to server/eval/.
 *
 * Each step reads the figures and the dataset from the result and writes
 * its own part of it:
 *   rs_eval_formula.c  rs_eval_score_items, rs_eval_all_formulas, and the
 *                      evaluation of expressions over a result that the
 *                      checks use too
 *   rs_eval_check.c    rs_eval_check_all
 *   rs_eval_rules.c    rs_eval_check_rules
 *   rs_eval_stated.c   rs_eval_check_stated, rs_eval_stated_value
 *   rs_eval_published.c rs_eval_check_published, rs_eval_is_score_key
 * Only rs_eval_run.c calls the first three, and only rs_eval_check_all calls
 * rs_eval_check_rules, rs_eval_check_stated and rs_eval_check_published
 * (after the stated figures: it reads a stated value of an indicator
 * through rs_eval_stated_value, and rs_eval_stated.c leaves the score keys
 * to it through rs_eval_is_score_key).  They call the rule shapes of rs_eval.h
 * (rs_eval_score, rs_eval_rule.c), the dataset's lists (rs_eval_dataset_of)
 * and the text layer (rs_eval_text.h), and never rs_eval_run.
 *
 * Does not: define anything callers outside the evaluation should use.
 */
#ifndef RS_EVAL_STEPS_H
#define RS_EVAL_STEPS_H

#include "rs_eval.h"
#include "rs_expr.h"
#include "rs_status.h"

/* ------------------------------------------------------------ expressions (rs_eval_formula.c) */

/*
 * What an expression evaluated over res sees (rs_expr.h's callbacks): the
 * built-in inputs, the library's entries, the records of a type, and for an
 * indicator its reviewer's answer.  Lives as long as the contexts using it.
 */
struct rs_eval_env {
    const struct rs_eval_result *res;
    const struct rs_fw_indicator *ind;     /* whose answers; NULL outside an indicator */
    struct rs_eval_item *it;               /* where the answer record is noted, or NULL */
    const Rs__Record *lines[RS_EVAL_NLINES], *sgs[RS_EVAL_NSANGONG];   /* the parts */
    size_t nlines, nsgs;
    char note[48];                         /* "（5个乡镇/街道）" */
};

/* Sets up fe for res (ind and it may be NULL). */
void rs_eval_env_init(struct rs_eval_env *fe, const struct rs_eval_result *res,
                      const struct rs_fw_indicator *ind, struct rs_eval_item *it);

/* Starts ctx over fe, with rec the record of a per-record check (or NULL). */
void rs_eval_ctx_init(struct rs_xctx *ctx, struct rs_eval_env *fe, const Rs__Record *rec);

/* How a value is shown: the kind and the unit of what it is. */
struct rs_eval_shown {
    enum rs_fw_vkind kind;
    const char *unit;                      /* "人", "元", "万元" or "" */
};

/* The kind, unit and Chinese label (into label[0..n)) of node i of e. */
struct rs_eval_shown rs_eval_input_kind(const struct rs_eval_result *res,
                                        const struct rs_expr *e, int i, char *label, size_t n);

/* A value for a reader, "2019.15万元", "76.92%", "10人", "未填报" (an absent
 * one; "无法计算" when why is not about missing data). */
void rs_eval_show_value(const struct rs_xval *v, enum rs_fw_vkind kind, const char *unit,
                        const char *why, char out[48]);

/* The ManualScore that answers ind (by its code, else its formula's code
 * or slug; the last current one), or NULL. */
const Rs__Record *rs_eval_manual_for(const struct rs_eval_result *res,
                                     const struct rs_fw_indicator *ind);

/* ------------------------------------------------------------ steps */

/* Computes and scores every indicator of res->fw into res->items, the
 * dimension scores, the total and the grade; an indicator that cannot be
 * computed scores 0 and adds a finding.  Consolidated results only.
 * RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_score_items(struct rs_eval_result *res);

/* Computes every listed indicator of the formula library into res->fx,
 * unscored and without findings.  Consolidated results only.  RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_all_formulas(struct rs_eval_result *res);

/* Runs every consistency check that res's scope allows, after the items
 * (the answers to checklists are checked against them).  RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_check_all(struct rs_eval_result *res);

/* Runs the rules of the framework's check file (rs_eval_rules.c) that
 * res's scope allows.  Called by rs_eval_check_all.  RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_check_rules(struct rs_eval_result *res);

/* Checks every StatedFigure of the dataset against the figures, and the
 * 预算执行率 basis.  Consolidated results only.  RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_check_stated(struct rs_eval_result *res);

/* True for the keys of published scores: "score.<indicator>", "score.total"
 * and "grade" (docs/evaluation.md §6.2). */
bool rs_eval_is_score_key(const char *key);

/*
 * The exact value of a stated text read as a figure of kind (RATE: a
 * fraction, "72.74%" and a bare "72.74" are 7274/10000; COUNT: units;
 * MONEY: fen, a bare number being 万元) into *num / *den (den > 0).  False
 * for another kind, a text without a number, with an approximation marker
 * (近 余 约 ...), with a unit of another kind, or money below a fen.
 */
bool rs_eval_stated_value(const char *text, enum rs_fw_vkind kind, int64_t *num, int64_t *den);

/* Checks every published score (StatedFigure keys score.<indicator>,
 * score.total, grade) against the framework's scoring of the same
 * indicators: scores, total and grade.  Consolidated results only, after
 * the items.  RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_check_published(struct rs_eval_result *res);

#endif

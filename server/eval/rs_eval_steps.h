/*
 * rs_eval_steps.h - what rs_eval_run does after the figures are built.
 * Private to server/eval/.
 *
 * Each step reads the figures and the dataset from the result and writes
 * its own part of it:
 *   rs_eval_formula.c  rs_eval_score_items, rs_eval_all_formulas
 *   rs_eval_check.c    rs_eval_check_all
 *   rs_eval_stated.c   rs_eval_check_stated
 * Only rs_eval_run.c calls the first three, and only rs_eval_check_all calls
 * rs_eval_check_stated.  They call the rule shapes of rs_eval.h
 * (rs_eval_score, rs_eval_rule.c), the dataset's lists (rs_eval_dataset_of)
 * and the text layer (rs_eval_text.h), and never rs_eval_run.
 *
 * Does not: define anything callers outside the evaluation should use.
 */
#ifndef RS_EVAL_STEPS_H
#define RS_EVAL_STEPS_H

#include "rs_eval.h"
#include "rs_status.h"

/* Computes and scores every indicator of res->fw into res->items, the
 * dimension scores, the total and the grade; an indicator that cannot be
 * computed scores 0 and adds a finding.  Consolidated results only.
 * RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_score_items(struct rs_eval_result *res);

/* Computes every catalogue formula (but C and M) into res->fx, unscored
 * and without findings.  Consolidated results only. */
void rs_eval_all_formulas(struct rs_eval_result *res);

/* Runs every consistency check that res's scope allows, after the items
 * (the answers to checklists are checked against them).  RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_check_all(struct rs_eval_result *res);

/* Checks every StatedFigure of the dataset against the figures, and the
 * 预算执行率 basis.  Consolidated results only.  RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_check_stated(struct rs_eval_result *res);

#endif

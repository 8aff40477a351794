/*
 * rs_eval_inputs.h - the built-in inputs of formulas: the figures of the
 * central office's records and of the relief sums, by name.  Private to
 * server/eval/.
 *
 * The names come from the record-type table (rs_rtype.h), not from a list
 * of their own: for each unit-level type with one record a year (staffing,
 * procurement, carry_over, fixed_assets) `<type>.<column>` for each of its
 * numeric and money fields (staffing.in_service, carry_over.end); for the
 * types with one record per kind (budget_line, san_gong)
 * `<type>.<kind>.<column>` for every kind, the total (合计) kind included
 * (budget_line.personnel.final, san_gong.total.budget).  A type or a kind
 * may be written by its Chinese name too, a field by a Chinese alias.  And
 * relief.records, relief.delivered, relief.judged, relief.amount,
 * relief.households: the relief records are summed as they are read
 * (rs_eval_data.h), so these five are all a formula can ask of them.
 *
 * A value is the field of the current record of its slot, or absent:
 * "没有人员编制记录", "人员经费预算行未填报年初预算".  The unit's staffing is
 * its own record (the one without a sub_unit); without one, the sums over
 * its sub-units' records, each of which must give the field.
 *
 * Called by: the formula library (rs_flib.c: names, types and labels, when
 * expressions are bound) and the evaluation (rs_eval_formula.c: values).
 * Pure; any thread.
 *
 * Does not: hold library entries (rs_flib.h) or build figures
 * (rs_eval_figures.h).
 */
#ifndef RS_EVAL_INPUTS_H
#define RS_EVAL_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_expr.h"

struct rs_eval_result;

/* The built-in input called s: true with its number (without RS_FLIB_INPUT)
 * and type. */
bool rs_eval_input_find(const char *s, uint32_t *id, enum rs_xtype *type);

/* Its Chinese name, "人员经费决算", into out[0..n). */
void rs_eval_input_label(uint32_t id, char *out, size_t n);

/* Its unit for display: "人" for counts, "" for money. */
const char *rs_eval_input_unit(uint32_t id);

/* The i-th built-in input's canonical name into out[0..n) and its number;
 * false past the last.  For the stated-figure keys and docs/evaluation.md. */
bool rs_eval_input_at(size_t i, char *out, size_t n, uint32_t *id);

/* The value of input id for res into *out (absent with its reason), its
 * source in ctx. */
void rs_eval_input_value(const struct rs_eval_result *res, uint32_t id, struct rs_xctx *ctx,
                         struct rs_xval *out);

#endif

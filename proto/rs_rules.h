/*
 * rs_rules.h - the cross-field rules of the production record types, named
 * by the rows of proto/rs_rtype_table.c (private to proto/).
 *
 * Each is an rs_rule_fn (rs_rtype.h): it runs after the fields up to its
 * row have passed their own checks, and relates its field to fields
 * declared before it (or, for the last row of a group, to the whole group).
 * Returns true, or false with the verdict naming the field in full.
 *
 * Does not: check a single field's own range or format (the engine in
 * rs_validate.c does that from the row's kind and flags), or reject the
 * arithmetic that real reports get wrong (the consistency checker flags it).
 */
#ifndef RS_RULES_H
#define RS_RULES_H

#include <stdbool.h>

#include "rs_validate.h"

/* rs.Record (the envelope) */
bool rs_rule_supersedes(const void *msg, struct rs_verdict *v);
bool rs_rule_division(const void *msg, struct rs_verdict *v);

/* project */
bool rs_rule_project_scale_unit(const void *msg, struct rs_verdict *v);
bool rs_rule_project_funds(const void *msg, struct rs_verdict *v);
bool rs_rule_project_progress(const void *msg, struct rs_verdict *v);
bool rs_rule_project_planned_end(const void *msg, struct rs_verdict *v);
bool rs_rule_project_actual_end(const void *msg, struct rs_verdict *v);
bool rs_rule_project_acceptance_date(const void *msg, struct rs_verdict *v);
bool rs_rule_project_acceptance_result(const void *msg, struct rs_verdict *v);

/* subsidy */
bool rs_rule_subsidy_removed(const void *msg, struct rs_verdict *v);
bool rs_rule_subsidy_paid(const void *msg, struct rs_verdict *v);

/* training: trainees is required, so the rules after it may rely on it */
bool rs_rule_training_end_date(const void *msg, struct rs_verdict *v);
bool rs_rule_training_resettler_trainees(const void *msg, struct rs_verdict *v);
bool rs_rule_training_certified(const void *msg, struct rs_verdict *v);
bool rs_rule_training_subsidy_persons(const void *msg, struct rs_verdict *v);

/* relief */
bool rs_rule_relief_household(const void *msg, struct rs_verdict *v);

/* petition: received_date is required, so the rules after it may rely on it */
bool rs_rule_petition_due(const void *msg, struct rs_verdict *v);
bool rs_rule_petition_closed(const void *msg, struct rs_verdict *v);

/* survey */
bool rs_rule_survey_valid(const void *msg, struct rs_verdict *v);
bool rs_rule_survey_answers(const void *msg, struct rs_verdict *v);

/* unit level */
bool rs_rule_procurement(const void *msg, struct rs_verdict *v);
bool rs_rule_carry_over(const void *msg, struct rs_verdict *v);
bool rs_rule_fixed_assets(const void *msg, struct rs_verdict *v);
bool rs_rule_manual_score_items(const void *msg, struct rs_verdict *v);

#endif

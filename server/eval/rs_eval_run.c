/*
 * rs_eval_run.c - the evaluation from start to end.
 *
 * See rs_eval.h.  rs_eval_run builds the figures (rs_eval_figures.c) and,
 * for the consolidated evaluation, computes and scores every indicator and
 * every catalogue formula (rs_eval_formula.c); then the consistency checks
 * (rs_eval_check.c) add their findings.  Each step writes its own part of
 * the result; a failure frees it whole.
 *
 * Does not: compute or check anything itself, or keep the dataset or the
 * framework (the result borrows both).
 */
#include <stdlib.h>

#include "rs_eval_figures.h"
#include "rs_eval_steps.h"
#include "rs_eval_text.h"

void rs_eval_result_free(struct rs_eval_result *res)
{
    if (!res)
        return;
    free(res->towns);
    free(res->findings);
    free(res->fx);
    free(res->fx_ind);
    free(res);
}

rs_status rs_eval_run(const struct rs_eval_dataset *ds, const struct rs_framework *fw,
                      const char *division, struct rs_eval_result **out)
{
    struct rs_eval_result *res = calloc(1, sizeof *res);
    rs_status rv = RS_ENOMEM;

    *out = NULL;
    if (!res)
        return RS_ENOMEM;
    res->ds = ds;
    res->fw = fw;
    res->year = ds->year;
    res->grade = rs_framework_partial(fw) ? NULL : rs_eval_grade(0);
    if (division && *division) {
        res->is_township = true;
        rs_eval_copy(res->division, sizeof res->division, division);
    }
    rv = rs_eval_figures_build(res);
    if (rv)
        goto out;
    if (!res->is_township) {
        rv = rs_eval_score_items(res);
        if (rv)
            goto out;
        rv = rs_eval_all_formulas(res);
        if (rv)
            goto out;
    }
    rv = rs_eval_check_all(res);
    if (rv)
        goto out;
    *out = res;
    res = NULL;
out:
    rs_eval_result_free(res);
    return rv;
}

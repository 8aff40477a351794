/*
 * rs_eval_finding.c - the list of findings an evaluation result carries.
 *
 * See rs_eval_text.h.  Figures, formulas and checks each add what they
 * find here; the list grows by doubling up to RS_EVAL_MAX_FINDINGS, and
 * past that only a count is kept, so a year of broken records cannot make
 * a report without bound.
 *
 * rs_eval_add_finding (rs_eval.h) is the same for findings made outside
 * the evaluation, after it ran (the reporting year's).
 *
 * Does not: decide what is a finding (the checks do) or order them (they
 * stay in the order added).
 */
#include <stdlib.h>

#include "rs_eval_text.h"

rs_status rs_eval_finding_add(struct rs_eval_result *res, enum rs_eval_sev sev,
                              const char *code, const char *division, const char *check,
                              const char *expected, const char *found, const char *where)
{
    struct rs_eval_finding *f;

    if (res->nfindings == RS_EVAL_MAX_FINDINGS) {
        res->findings_dropped++;
        return RS_OK;
    }
    if (res->nfindings == res->fcap) {
        size_t cap = res->fcap ? res->fcap * 2 : 32;
        struct rs_eval_finding *v = realloc(res->findings, cap * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        res->findings = v;
        res->fcap = cap;
    }
    f = &res->findings[res->nfindings++];
    f->sev = sev;
    rs_eval_copy(f->code, sizeof f->code, code);
    rs_eval_copy(f->division, sizeof f->division, division);
    rs_eval_copy(f->check, sizeof f->check, check);
    rs_eval_copy(f->expected, sizeof f->expected, expected);
    rs_eval_copy(f->found, sizeof f->found, found);
    rs_eval_copy(f->where, sizeof f->where, where);
    return RS_OK;
}

rs_status rs_eval_add_finding(struct rs_eval_result *res, enum rs_eval_sev sev, const char *code,
                              const char *division, const char *check, const char *expected,
                              const char *found, const char *where)
{
    return rs_eval_finding_add(res, sev, code, division, check, expected, found, where);
}

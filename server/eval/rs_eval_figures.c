/*
 * rs_eval_figures.c - one walk over the dataset that builds the figures.
 *
 * See rs_eval_figures.h.  Each kept record of the year goes to its
 * township's figures and the total (township types, in scope) or to the
 * unit (central types, consolidated only); then the folded relief sums,
 * then the unit totals.  A township-scope evaluation of a division
 * without records still gets that division, with zero records, so the
 * report names it.
 *
 * Does not: add anything itself (rs_eval_unit.c, rs_eval_town.c do).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_eval_figures.h"
#include "rs_eval_text.h"
#include "rs_rtype.h"

static const char *div_of(const Rs__Record *r)
{
    return r->division_code ? r->division_code : "";
}

static int town_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rs_eval_town *)a)->code, ((const struct rs_eval_town *)b)->code);
}

rs_status rs_eval_figures_build(struct rs_eval_result *res)
{
    const struct rs_eval_dataset *ds = res->ds;
    struct rs_eval_town_map map = RS_EVAL_TOWN_MAP_INIT;
    rs_status rv = RS_ENOMEM;

    snprintf(res->total.name, sizeof res->total.name, "合计");
    for (size_t i = 0; i < ds->n; i++) {
        const Rs__Record *r = ds->rec[i];

        if (rs_rtype_is_township(r->body_case)) {
            size_t t;

            if (res->is_township && strcmp(div_of(r), res->division) != 0)
                continue;
            t = rs_eval_town_get(res, &map, div_of(r));
            rv = RS_ENOMEM;
            if (t == SIZE_MAX)
                goto out;
            rs_eval_town_add(&res->towns[t], r);
            rs_eval_town_add(&res->total, r);
            if (r->body_case == RS__RECORD__BODY_RELIEF)
                rs_eval_town_own_household(res, &res->towns[t], r->relief);
            res->nrecords++;
        } else if (!res->is_township) {
            rv = rs_eval_unit_add(res, r);
            if (rv)
                goto out;
            res->nrecords++;
        }
    }
    rv = rs_eval_town_add_folds(res, &map);
    if (rv)
        goto out;
    rv = RS_ENOMEM;
    if (res->is_township && res->ntowns == 0 &&
        rs_eval_town_get(res, &map, res->division) == SIZE_MAX)
        goto out;
    if (res->ntowns > 1)
        qsort(res->towns, res->ntowns, sizeof *res->towns, town_cmp);
    rs_eval_unit_totals(&res->unit);
    rv = RS_OK;
out:
    rs_eval_town_map_free(&map);
    return rv;
}

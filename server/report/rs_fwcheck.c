/*
 * rs_fwcheck.c - `resettled framework check FILE`.
 *
 * See rs_fwcheck.h.  A file given as a bare name that exists in the
 * current folder is read as ./NAME (a preset name is looked up in the
 * preset folder only when no such file exists), so a clerk can check the
 * copy they are editing.
 *
 * Does not: evaluate, or change any file.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rs_expr.h"
#include "rs_flib.h"
#include "rs_framework.h"
#include "rs_fwcheck.h"
#include "rs_util.h"

#ifndef RS_FRAMEWORK_DIR
#define RS_FRAMEWORK_DIR "server/frameworks"
#endif

#define SPEC_MAX 4096

int rs_fwcheck_run(const char *dir, const char *spec, FILE *out, FILE *err)
{
    struct rs_framework *fw = NULL;
    char path[SPEC_MAX + 3], msg[512], a[32], b[32];
    const char *use = spec;
    rs_status rc;

    if (!dir)
        dir = RS_FRAMEWORK_DIR;
    if (strlen(spec) > SPEC_MAX) {
        fprintf(err, "resettled: framework file name too long\n");
        return 1;
    }
    if (!strchr(spec, '/') && access(spec, F_OK) == 0) {
        snprintf(path, sizeof path, "./%s", spec);
        use = path;
    }
    rc = rs_framework_load(dir, use, &fw, msg, sizeof msg);
    if (rc != RS_OK) {
        fprintf(err, "%s\n", msg[0] ? msg : rs_status_str(rc));
        return 1;
    }
    rs_milli_format(fw->total_milli, a);
    fprintf(out, "%s.csv: valid, %zu indicators in %zu dimensions, %s points", fw->name, fw->n,
            fw->ndims, a);
    if (rs_framework_partial(fw)) {
        rs_milli_format(fw->published_milli, b);
        fprintf(out, " of a published table of %s (partial: no grade)", b);
    }
    fprintf(out, "\nsha256 %s\n", fw->hash);
    fprintf(out, "formulas %s sha256 %s, %zu entries\n", fw->lib->name, fw->lib->hash,
            fw->lib->n);
    if (fw->lib->checks_name[0])
        fprintf(out, "checks %s sha256 %s, %zu rules\n", fw->lib->checks_name,
                fw->lib->checks_hash, fw->lib->nc);
    for (size_t k = 0; k < fw->ndims; k++) {
        rs_milli_format(fw->dims[k].points_milli, a);
        fprintf(out, "dimension %s: %zu indicators, %s points\n", fw->dims[k].name,
                fw->dims[k].nind, a);
    }
    for (size_t i = 0; i < fw->n; i++) {
        const struct rs_fw_indicator *ind = &fw->ind[i];

        rs_milli_format(ind->points_milli, a);
        fprintf(out, "line %u: %s | %s | %s | %s points | %s%s%s | %s = %s\n", ind->line,
                ind->code, ind->dimension, ind->name, a, rs_framework_rule_name(ind->rule),
                ind->params[0] ? " " : "", ind->params, ind->fi->code,
                ind->fi->expr ? ind->fi->expr->src : "");
    }
    rs_framework_free(fw);
    return 0;
}

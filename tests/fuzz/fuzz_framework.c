/*
 * fuzz_framework.c - libFuzzer target for the evaluation framework parser
 * (server/eval/rs_framework.h), which reads a CSV a finance clerk edits in Excel.
 *
 * The input is the file's bytes, parsed from memory with
 * rs_framework_parse (no temp file) against the shipped formula library
 * and checks (loaded once from RS_FRAMEWORK_DIR and shared).  Checked on success: points
 * sum to exactly 100, or to at most the published points of a partial
 * framework (as total_milli and as the sum over dimensions), counts are
 * within RS_FW_MAX_*, every indicator points at a real dimension, a formula
 * of the library or of the framework's own with an expression of the right
 * type, a known rule, has at most RS_FW_MAX_BANDS bands, and every text
 * field is NUL-terminated within its array; the name is the one given and
 * the hash is the SHA-256 of the input.  On failure: RS_EINVAL or
 * RS_ENOMEM, nothing returned, and the message names "<name>.csv:".
 *
 * Does not: evaluate anything (rs_eval.h) or load presets from disk.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_framework.h"
#include "rs_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz_framework: check failed at %s:%d: %s\n", __FILE__, \
                    __LINE__, #cond);                                                \
            abort();                                                                 \
        }                                                                            \
    } while (0)

#define NAME "fuzz"

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_indicator(const struct rs_framework *fw, const struct rs_fw_indicator *ind)
{
    const struct rs_formula_info *fi = ind->fi;

    CHECK(terminated(ind->code, sizeof(ind->code)));
    CHECK(terminated(ind->dimension, sizeof(ind->dimension)));
    CHECK(terminated(ind->name, sizeof(ind->name)));
    CHECK(terminated(ind->target, sizeof(ind->target)));
    CHECK(terminated(ind->params, sizeof(ind->params)));
    CHECK(rs_utf8_valid(ind->name, strlen(ind->name)));
    CHECK(rs_utf8_valid(ind->dimension, strlen(ind->dimension)));
    CHECK(rs_utf8_valid(ind->target, strlen(ind->target)));
    CHECK(ind->line >= 1);
    CHECK(ind->dim < fw->ndims);
    CHECK(strcmp(fw->dims[ind->dim].name, ind->dimension) == 0);
    CHECK(fi != NULL && fi->expr != NULL);
    CHECK((fi >= fw->lib->e && fi < fw->lib->e + fw->lib->n) ||
          (fi >= fw->own && fi < fw->own + fw->nown));
    CHECK((fi->kind == RS_VK_CHECKLIST) == (ind->rule == RS_RULE_CHECKLIST));
    CHECK((fi->kind == RS_VK_MANUAL) == (ind->rule == RS_RULE_MANUAL));
    CHECK((int)ind->rule >= 0 && ind->rule <= RS_RULE_MANUAL);
    CHECK(rs_framework_rule_name(ind->rule) != NULL);
    CHECK(ind->nbands <= RS_FW_MAX_BANDS);
    CHECK(ind->points_milli >= 0 && ind->points_milli <= RS_FW_TOTAL_MILLI);
}

static void check_framework(const struct rs_framework *fw, const uint8_t *data, size_t size)
{
    uint8_t h[RS_SHA256_LEN];
    char hex[RS_SHA256_HEX + 1];
    int64_t sum = 0, dsum = 0;
    size_t nind = 0;

    CHECK(strcmp(fw->name, NAME) == 0);
    rs_sha256(data, size, h);
    rs_hex(h, sizeof(h), hex);
    CHECK(strcmp(fw->hash, hex) == 0);
    CHECK(fw->n >= 1 && fw->n <= RS_FW_MAX_INDICATORS);
    CHECK(fw->ndims >= 1 && fw->ndims <= RS_FW_MAX_DIMENSIONS);
    if (fw->published_milli)
        CHECK(fw->total_milli <= fw->published_milli);
    else
        CHECK(fw->total_milli == RS_FW_TOTAL_MILLI);
    for (size_t i = 0; i < fw->n; i++) {
        check_indicator(fw, &fw->ind[i]);
        sum += fw->ind[i].points_milli;
    }
    for (size_t d = 0; d < fw->ndims; d++) {
        CHECK(terminated(fw->dims[d].name, sizeof(fw->dims[d].name)));
        CHECK(fw->dims[d].nind >= 1);
        dsum += fw->dims[d].points_milli;
        nind += fw->dims[d].nind;
    }
    CHECK(sum == fw->total_milli);
    CHECK(dsum == fw->total_milli);
    CHECK(nind == fw->n);
}

/* The shipped library and checks, loaded once for every input. */
static const struct rs_flib *library(void)
{
    static struct rs_flib *lib;
    char err[512];

    if (!lib)
        CHECK(rs_flib_load(RS_FRAMEWORK_DIR, NULL, RS_FLIB_DEFAULT, RS_FLIB_CHECKS_DEFAULT, &lib,
                           err, sizeof err) == RS_OK);
    return lib;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_framework *fw = NULL;
    struct rs_fw_directives d;
    char err[512];
    rs_status st;

    memset(err, 'x', sizeof(err));
    st = rs_framework_parse(data, size, NAME, library(), &fw, err, sizeof(err));
    CHECK(terminated(err, sizeof(err)));
    if (st == RS_OK) {
        CHECK(fw != NULL);
        check_framework(fw, data, size);
        rs_framework_free(fw);
    } else {
        CHECK(st == RS_EINVAL || st == RS_ENOMEM);
        CHECK(fw == NULL);
        if (st == RS_EINVAL)
            CHECK(strncmp(err, NAME ".csv:", sizeof(NAME ".csv:") - 1) == 0);
    }
    /* The directives alone, too. */
    memset(err, 'x', sizeof(err));
    (void)rs_framework_directives(data, size, NAME, &d, err, sizeof(err));
    CHECK(terminated(err, sizeof(err)));
    CHECK(terminated(d.formulas, sizeof d.formulas) && terminated(d.checks, sizeof d.checks));
    return 0;
}

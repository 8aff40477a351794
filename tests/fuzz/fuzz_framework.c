/*
 * fuzz_framework.c - libFuzzer target for the evaluation framework parser
 * (server/eval/rs_framework.h), which reads a CSV a finance clerk edits in Excel.
 *
 * The input is the file's bytes, parsed from memory with
 * rs_framework_parse (no temp file).  Checked on success: points sum to
 * exactly 100 (as total_milli and as the sum over dimensions), counts are
 * within RS_FW_MAX_*, every indicator points at a real dimension, a known
 * formula and rule, has at most RS_FW_MAX_BANDS bands, and every text field
 * is NUL-terminated within its array; the name is the one given and the
 * hash is the SHA-256 of the input.  On failure: RS_EINVAL or RS_ENOMEM,
 * nothing returned, and the message names "<name>.csv:<line>: ".
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
    const struct rs_formula_info *fi;

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
    CHECK((int)ind->formula >= 0 && ind->formula < RS_FORMULA_COUNT);
    fi = rs_framework_formula(ind->formula);
    CHECK(fi != NULL && fi->id == ind->formula);
    CHECK(rs_framework_formula_find(fi->code) == fi);
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
    CHECK(sum == RS_FW_TOTAL_MILLI);
    CHECK(dsum == RS_FW_TOTAL_MILLI);
    CHECK(nind == fw->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_framework *fw = NULL;
    char err[512];
    rs_status st;

    memset(err, 'x', sizeof(err));
    st = rs_framework_parse(data, size, NAME, &fw, err, sizeof(err));
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
    return 0;
}

/*
 * rs_report.h - the drafted self-evaluation report (自评报告) and its
 * machine-readable twins.
 *
 * rs_report_build is what the server calls from its read-only worker: it
 * loads the framework, reads the current records of the year from the store
 * into a dataset, runs the evaluation (rs_eval.h) and renders one of four
 * formats.  rs_report_render does the last step alone, for tests and tools
 * that already hold an evaluation result.
 *
 *   MARKDOWN, TEXT  the report in Chinese, in the seed's section order
 *                   (一、单位基本情况 ... 十、其他需要说明的情况): every figure
 *                   from the records, money as 万元 with two decimals, the
 *                   评分表, the per-township breakdown, the consistency
 *                   findings and a drafted 存在的问题.
 *   JSON            the same numbers: money as integer fen and a "wan"
 *                   string, rates as num/den and a rendered percentage,
 *                   scores as integer milli-points.
 *   CSV             the same numbers, one per row:
 *                   section,key,division,metric,value.
 * A township office (req->division set) gets only its own township's
 * breakdown and the findings on its own records: no unit finance, no score.
 *
 * Rounding happens here and only here: money to 0.01万元 half away from
 * zero (rs_money_wan), rates to 0.01% half away from zero.  Scores are
 * shown exactly (milli-points, trailing zeros dropped).
 *
 * Does not: write files, talk to clients, or change the store.
 */
#ifndef RS_REPORT_H
#define RS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_eval.h"
#include "rs_status.h"
#include "rs_store.h"

#define RS_REPORT_MAX_BYTES (16u << 20)    /* cap on a rendered report */

struct rs_report_req {
    uint32_t year;
    const char *division;       /* NULL: consolidated (central office); else that township only */
    Rs__ReportFormat format;    /* MARKDOWN, TEXT, JSON, CSV; UNSPECIFIED means MARKDOWN */
    const char *framework;      /* preset name (file stem in framework_dir) or a path; NULL = default */
    const char *framework_dir;  /* NULL = RS_FRAMEWORK_DIR (compile definition, see server/CMakeLists.txt) */
    size_t max_bytes;           /* cap on the year's unpacked records; 0 = RS_EVAL_MAX_BYTES */
};

/* Builds the report from the current records of req->year in store (read-only use).  On RS_OK *out is
 * a malloc'd UTF-8 buffer of *outlen bytes (caller frees), fw_name/fw_hash set.  Errors: RS_EINVAL (bad
 * framework file, err names file and line), RS_ENOTFOUND (no such framework), RS_ETOOBIG (more than
 * RS_EVAL_MAX_RECORDS current records, or more than the max_bytes cap unpacked; err says which),
 * RS_EIO, RS_ENOMEM.
 * The records are read with one scan of the store on the calling thread while a helper thread that
 * lives only for the call unpacks them (rs_eval_dataset_add_packed) in the order read. */
rs_status rs_report_build(struct rs_store *store, const struct rs_report_req *req, char **out,
                          size_t *outlen, char fw_name[64], char fw_hash[65], char *err, size_t errlen);

/*
 * Renders an evaluation result (rs_eval_run) in `format`.  The result's
 * is_township decides the township-only form.  On RS_OK *out is a malloc'd
 * NUL-terminated UTF-8 buffer of *outlen bytes (the NUL not counted) that
 * the caller frees.  RS_ENOMEM; RS_ETOOBIG past RS_REPORT_MAX_BYTES;
 * RS_EINVAL for an unknown format.  Pure: any thread.
 */
rs_status rs_report_render(const struct rs_eval_result *res, Rs__ReportFormat format, char **out,
                           size_t *outlen);

#endif

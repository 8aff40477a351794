/*
 * rs_report_build.h - a report built from the store: the framework loaded,
 * the current records of a year read into a dataset, evaluated and
 * rendered.
 *
 * rs_report_build is what the server calls from its read-only worker.  It
 * is the only part of the report that touches SQLite (through rs_store.h)
 * or starts a thread; everything it calls after the scan is the pure
 * evaluation (rs_eval.h) and rendering (rs_report.h).
 *
 * Does not: write to the store, talk to clients, or cache anything between
 * calls.
 */
#ifndef RS_REPORT_BUILD_H
#define RS_REPORT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_framework.h"
#include "rs_status.h"
#include "rs_store.h"

struct rs_report_req {
    uint32_t year;
    const char *division;       /* NULL: consolidated (central office); else that township only */
    Rs__ReportFormat format;    /* MARKDOWN, TEXT, JSON, CSV; UNSPECIFIED means MARKDOWN */
    const char *framework;      /* preset name (file stem in framework_dir) or a path;
                                 * NULL = the default preset */
    const char *framework_dir;  /* the presets' folder; NULL: only a framework
                                 * given as a path can be loaded */
    size_t max_bytes;           /* cap on the year's unpacked records; 0 = RS_EVAL_MAX_BYTES */
    /* The reporting year (rs_report.h, struct rs_report_extra): */
    bool accepted_only;         /* count township records only once accepted */
    int64_t now;                /* the completeness annex's moment; 0 = the current time */
    const struct rs_year_issue *issues;  /* rendering an issue of a closed year: every issue
                                          * up to it, it last; NULL: none */
    size_t nissues;
    const struct rs_framework *fw;  /* already loaded (the server's preset set,
                                     * rs_fwset.h): framework and framework_dir
                                     * are ignored; NULL: load as above */
};

/*
 * Builds the report from the current records of req->year in store
 * (read-only use), with the reporting year's parts: the completeness annex
 * when the year has a schedule, the findings of missing returns and of
 * returned records not corrected (rs_year_build.h), the issue notes of
 * req->issues, the accepted-only basis.  On RS_OK *out is a malloc'd UTF-8 buffer of *outlen
 * bytes (caller frees), fw_name/fw_hash set.  Errors: RS_EINVAL (bad
 * framework file, err names file and line), RS_ENOTFOUND (no such
 * framework), RS_ETOOBIG (more than RS_EVAL_MAX_RECORDS current records,
 * or more than the max_bytes cap unpacked; err says which), RS_EIO,
 * RS_ENOMEM.
 *
 * Thread: the caller's, which must own store for the call.  The records
 * are read with one scan of the store on the calling thread while a helper
 * thread that lives only for the call unpacks them
 * (rs_eval_dataset_add_packed) in the order read.
 */
RS_NODISCARD rs_status rs_report_build(struct rs_store *store, const struct rs_report_req *req,
                                       char **out, size_t *outlen, char fw_name[64],
                                       char fw_hash[65], char *err, size_t errlen);

/*
 * rs_report_build in every format the report offers (each ReportFormat
 * value but UNSPECIFIED, in value order; req->format is not read), from one
 * scan and one evaluation, into made (its reports and framework name and
 * hash; the bodies are malloc'd and the caller's).  What a year's close
 * stores.  Statuses as rs_report_build; on failure made holds nothing.
 * Same thread rule.
 */
RS_NODISCARD rs_status rs_report_build_all(struct rs_store *store, const struct rs_report_req *req,
                                           struct rs_year_made *made, char *err, size_t errlen);

#endif

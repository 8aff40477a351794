/*
 * rs_report_req.c - a ReportRequest: its values and scope are checked on
 * the loop thread, the report is built on the reporter queue (a read-only
 * store, so a long report never delays a handshake or an acknowledgement)
 * and sent as one ReportReply.  The consolidated report of a closed year
 * is the report issued when it closed, read back byte for byte
 * (rs_store_year_report).  Otherwise the framework is looked up in the
 * server's preset set on the loop thread; the job holds a reference to that
 * set, so a reload (rs_reload.c) never changes it under the report.
 *
 * Does not: compute or render the report (rs_report_build.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_log.h"
#include "rs_net_int.h"
#include "rs_report_build.h"
#include "rs_wire.h"

struct report_job {
    struct rs_dbq_job job;
    struct rs_conn *conn;
    uint64_t request_id;
    bool has_request_id;
    struct rs_report_req req;
    char division[16];
    char framework[128];        /* the preset asked for by name ("": the default) */
    struct rs_fwset *set;       /* a reference: req.fw points into it */
    char *out;
    size_t outlen;
    char fw_name[64];
    char fw_hash[65];
    uint32_t issue;             /* the stored issue answered, 0: rendered now */
    rs_status rc;
    char err[256];
};

/*
 * The consolidated report of a closed year is its issued report, byte for
 * byte, unless another framework or the accepted-only basis is asked for.
 * True when r is answered from the store (r->rc says how).
 */
static bool issued_report(struct report_job *r, struct rs_store *store)
{
    Rs__ReportFormat f = r->req.format == RS__REPORT_FORMAT__FMT_UNSPECIFIED
                             ? RS__REPORT_FORMAT__FMT_MARKDOWN
                             : r->req.format;
    struct rs_year_issue is;
    rs_status rc;

    if (r->req.division || r->req.accepted_only)
        return false;
    rc = rs_store_year_report(store, r->req.year, f, &r->out, &r->outlen, &is);
    if (rc == RS_ENOTFOUND)
        return false;
    if (rc == RS_OK && r->req.framework && strcmp(r->req.framework, is.framework_name) != 0) {
        free(r->out);
        r->out = NULL;
        r->outlen = 0;
        return false;
    }
    r->rc = rc;
    if (rc) {
        snprintf(r->err, sizeof(r->err), "reading the issued report of %u: %s", r->req.year,
                 rc == RS_ENOMEM ? "out of memory" : rs_store_errmsg(store));
        return true;
    }
    snprintf(r->fw_name, sizeof(r->fw_name), "%s", is.framework_name);
    snprintf(r->fw_hash, sizeof(r->fw_hash), "%s", is.framework_hash);
    r->issue = is.issue;
    return true;
}

static void report_work(struct rs_dbq_job *job, struct rs_store *store)
{
    struct report_job *r = (struct report_job *)job;

    if (issued_report(r, store))
        return;
    r->rc = rs_report_build(store, &r->req, &r->out, &r->outlen, r->fw_name, r->fw_hash, r->err,
                            sizeof(r->err));
}

static void report_done(struct rs_dbq_job *job, bool canceled)
{
    struct report_job *r = (struct report_job *)job;
    struct rs_conn *c = r->conn;
    const uint64_t *prid = r->has_request_id ? &r->request_id : NULL;

    if (c->closing)
        goto out;
    c->in_flight--;
    if (canceled) {
        rs_conn_error(c, prid, RS_ECLOSED, "server is shutting down", false);
    } else if (r->rc != RS_OK) {
        rs_conn_error(c, prid, r->rc, r->err[0] ? r->err : rs_status_str(r->rc), false);
    } else {
        Rs__Envelope env = RS__ENVELOPE__INIT;
        Rs__ReportReply rep = RS__REPORT_REPLY__INIT;

        rep.has_format = true;
        rep.format = r->req.format;
        rep.has_body = true;
        rep.body.data = (uint8_t *)r->out;
        rep.body.len = r->outlen;
        rep.framework_name = r->fw_name;
        rep.framework_hash = r->fw_hash;
        if (r->issue) {
            rep.has_issue = true;
            rep.issue = r->issue;
        }
        env.has_request_id = r->has_request_id;
        env.request_id = r->request_id;
        env.msg_case = RS__ENVELOPE__MSG_REPORT;
        env.report = &rep;
        rs_conn_send(c, &env);
        rs_log_office(RS_LOG_INFO, c->id, c->peer, c->office.code,
                      "report %u for %s: %zu bytes", r->req.year,
                      r->req.division ? r->req.division : "the district", r->outlen);
    }
    rs_conn_update_reading(c);
    rs_conn_pump(c);
out:
    free(r->out);
    rs_fwset_unref(r->set);
    rs_conn_unref(c);
    free(r);
}

/*
 * Decides what a report request covers: out = "" for the consolidated
 * report, else the township whose breakdown is wanted.  A township gets
 * only its own breakdown; a central office the consolidated report (its
 * own code or nothing) or any township below it.  Otherwise answers the
 * request and returns false.
 */
static bool report_scope(struct rs_conn *c, const uint64_t *prid, const char *want,
                         char out[16])
{
    const struct rs_office *o = &c->office;
    size_t oc = strlen(o->code);
    char msg[256], zh[256];

    out[0] = '\0';
    if (want && !rs_division_code_valid(want)) {
        rs_conn_refuse(c, prid, RS_EINVAL, "report division must be a 6-, 9- or 12-digit code",
                       "报告的区划代码须为 6 位、9 位或 12 位数字");
        return false;
    }
    if (o->role == RS__ROLE__ROLE_TOWNSHIP) {
        if (want && strcmp(want, o->code) != 0) {
            snprintf(msg, sizeof(msg),
                     "a township office gets only its own breakdown (%s); the consolidated "
                     "report and other divisions are for the central office", o->code);
            snprintf(zh, sizeof(zh), "乡镇只能取得本单位（%s）的分项报告；汇总报告和其他区划的"
                     "报告由区中心取得", o->code);
            rs_conn_refuse(c, prid, RS_EFORBIDDEN, msg, zh);
            return false;
        }
        snprintf(out, 16, "%s", o->code);
        return true;
    }
    if (o->role != RS__ROLE__ROLE_CENTRAL) {
        rs_conn_refuse(c, prid, RS_EFORBIDDEN, "this office's role may not pull reports",
                       "本单位的角色不能取得报告");
        return false;
    }
    if (!want || strcmp(want, o->code) == 0)
        return true;
    if (strlen(want) <= oc || strncmp(want, o->code, oc) != 0) {
        snprintf(msg, sizeof(msg), "division %s is outside this office's district %s", want,
                 o->code);
        snprintf(zh, sizeof(zh), "区划 %s 不在本单位所辖的 %s 范围内", want, o->code);
        rs_conn_refuse(c, prid, RS_EFORBIDDEN, msg, zh);
        return false;
    }
    snprintf(out, 16, "%s", want);
    return true;
}

void rs_report_req_handle(struct rs_conn *c, const Rs__Envelope *env)
{
    const Rs__ReportRequest *rq = env->report_request;
    uint64_t rid = env->request_id;
    const uint64_t *prid = env->has_request_id ? &rid : NULL;
    struct report_job *r;
    const struct rs_framework *fw;
    char division[16];

    if (!rs_req_year(c, prid, rq->has_year, rq->year))
        return;
    if (!report_scope(c, prid, rq->division && rq->division[0] ? rq->division : NULL, division))
        return;
    fw = rs_req_framework(c, prid, rq->framework);
    if (!fw)
        return;
    r = calloc(1, sizeof(*r));
    if (!r) {
        rs_conn_error(c, prid, RS_ENOMEM, "out of memory", false);
        return;
    }
    r->job.work = report_work;
    r->job.done = report_done;
    r->conn = c;
    r->has_request_id = env->has_request_id;
    r->request_id = env->request_id;
    r->req.year = rq->year;
    r->req.format = rq->has_format ? rq->format : RS__REPORT_FORMAT__FMT_MARKDOWN;
    r->req.accepted_only = rq->has_accepted_only && rq->accepted_only;
    if (division[0]) {
        snprintf(r->division, sizeof(r->division), "%s", division);
        r->req.division = r->division;
    }
    if (rq->framework && rq->framework[0]) {
        snprintf(r->framework, sizeof(r->framework), "%s", rq->framework);
        r->req.framework = r->framework;
    }
    r->set = rs_fwset_ref(c->srv->fwset);
    r->req.fw = fw;
    c->in_flight++;
    c->refs++;
    rs_dbq_push(&c->srv->rq, &r->job);
}

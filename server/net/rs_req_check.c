/*
 * rs_req_check.c - the checks that several requests share, made on the loop
 * thread before a request becomes a job: the division it covers, the
 * central office's own requests, the year, the framework preset it names.
 *
 * Each check that fails answers the request itself, with an Error whose
 * message is English (as the log has it) and whose text says the same in
 * Chinese for the clerk (rs_conn_refuse), and returns false.
 *
 * Also the answer to a job the store failed or refused (rs_req_answer_job).
 *
 * Does not: look at the store (every check here is of the request and the
 * signed-in office alone), or check what only one request has.
 */
#include <stdio.h>
#include <string.h>

#include "rs_framework.h"
#include "rs_fwset.h"
#include "rs_net_int.h"
#include "rs_wire.h"

bool rs_req_scope(struct rs_conn *c, const uint64_t *prid, const char *want, char out[16])
{
    const struct rs_office *o = &c->office;
    size_t oc = strlen(o->code);
    char msg[256], zh[256];

    if (want && !want[0])
        want = NULL;
    if (o->role != RS__ROLE__ROLE_TOWNSHIP && o->role != RS__ROLE__ROLE_CENTRAL) {
        rs_conn_refuse(c, prid, RS_EFORBIDDEN, "this is for township and central offices",
                       "只有乡镇和区中心可以查询");
        return false;
    }
    if (want && !rs_division_code_valid(want)) {
        rs_conn_refuse(c, prid, RS_EINVAL, "the division must be a 6-, 9- or 12-digit code",
                       "区划代码须为 6 位、9 位或 12 位数字");
        return false;
    }
    if (o->role == RS__ROLE__ROLE_TOWNSHIP && want && strcmp(want, o->code) != 0) {
        snprintf(msg, sizeof(msg), "a township office sees only its own division (%s); other "
                 "divisions are for the central office", o->code);
        snprintf(zh, sizeof(zh), "乡镇只能查看本单位的区划（%s），其他区划由区中心查看", o->code);
        rs_conn_refuse(c, prid, RS_EFORBIDDEN, msg, zh);
        return false;
    }
    if (o->role == RS__ROLE__ROLE_CENTRAL && want &&
        (strlen(want) < oc || strncmp(want, o->code, oc) != 0)) {
        snprintf(msg, sizeof(msg), "division %s is outside this office's district %s", want,
                 o->code);
        snprintf(zh, sizeof(zh), "区划 %s 不在本单位所辖的 %s 范围内", want, o->code);
        rs_conn_refuse(c, prid, RS_EFORBIDDEN, msg, zh);
        return false;
    }
    snprintf(out, 16, "%s", want ? want : o->code);
    return true;
}

bool rs_req_central_only(struct rs_conn *c, const uint64_t *prid, const char *what,
                         const char *zh)
{
    char msg[160], text[160];

    if (c->office.role == RS__ROLE__ROLE_CENTRAL)
        return true;
    snprintf(msg, sizeof(msg), "%s is for the central office only", what);
    snprintf(text, sizeof(text), "%s只能由区中心操作", zh);
    rs_conn_refuse(c, prid, RS_EFORBIDDEN, msg, text);
    return false;
}

bool rs_req_year(struct rs_conn *c, const uint64_t *prid, bool has, uint32_t year)
{
    if (has && year >= 2000 && year <= 2100)
        return true;
    rs_conn_refuse(c, prid, RS_EINVAL, "the year must be 2000..2100",
                   "年度须在 2000 至 2100 之间");
    return false;
}

const struct rs_framework *rs_req_framework(struct rs_conn *c, const uint64_t *prid,
                                            const char *name)
{
    const struct rs_framework *fw;
    const char *shown = name && name[0] ? name : RS_FRAMEWORK_DEFAULT;
    char names[256], msg[512], zh[512];

    if (name && strlen(name) >= 128) {
        rs_conn_refuse(c, prid, RS_ETOOBIG, "framework name too long", "指标体系名称过长");
        return NULL;
    }
    if (name && (strchr(name, '/') || strchr(name, '.'))) {
        rs_conn_refuse(c, prid, RS_EINVAL, "framework must be a preset name",
                       "指标体系须为服务器上预置的名称");
        return NULL;
    }
    fw = rs_fwset_find(c->srv->fwset, name && name[0] ? name : NULL);
    if (fw)
        return fw;
    rs_fwset_names(c->srv->fwset, names, sizeof(names));
    if (c->srv->fwset) {
        snprintf(msg, sizeof(msg), "no framework preset \"%s\" on this server (it has: %s)",
                 shown, names);
        snprintf(zh, sizeof(zh), "服务器上没有名为“%s”的指标体系（现有：%s）", shown, names);
    } else {
        snprintf(msg, sizeof(msg), "this server has no framework presets");
        snprintf(zh, sizeof(zh), "服务器上没有预置的指标体系");
    }
    rs_conn_refuse(c, prid, RS_ENOTFOUND, msg, zh);
    return NULL;
}

void rs_req_answer_job(struct rs_conn *c, const uint64_t *prid, rs_status rc, const char *err)
{
    bool refusal = rc == RS_EINVAL || rc == RS_EFORBIDDEN || rc == RS_ELOCKED ||
                   rc == RS_ENOTFOUND || rc == RS_ETOOBIG;

    if (refusal && err && err[0])
        rs_conn_refuse(c, prid, rc, err, err);
    else
        rs_conn_error(c, prid, rc, err && err[0] ? err : rs_status_str(rc), false);
}

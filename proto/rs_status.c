/*
 * rs_status.c - names and descriptions of rs_status values.
 *
 * Each status has a stable name, an English line for logs and the
 * administrator's commands, and a Chinese line for what a clerk reads.
 *
 * Does not: map to wire codes (see rs_wire.c).
 */
#include "rs_status.h"

#define RS_STATUS_MAP(X) \
    X(RS_OK, "success", "成功") \
    X(RS_EAGAIN, "need more input", "数据未收全") \
    X(RS_ETOOBIG, "over a size or count cap", "超过大小或条数上限") \
    X(RS_EPROTO, "malformed protocol data", "协议数据格式错误") \
    X(RS_EVERSION, "unsupported protocol version", "协议版本不受支持") \
    X(RS_EINVAL, "invalid value", "数值不符合规则") \
    X(RS_ENOMEM, "out of memory", "内存不足") \
    X(RS_EIO, "input/output error", "读写失败（文件、网络或数据库）") \
    X(RS_EAUTH, "authentication failed", "身份验证失败") \
    X(RS_EFORBIDDEN, "not allowed for this office", "本单位无权进行此操作") \
    X(RS_ENOTFOUND, "not found", "未找到") \
    X(RS_ECONFLICT, "same id, different content", "编号相同而内容不同") \
    X(RS_EDUP, "already stored", "已入库") \
    X(RS_EBUSY, "busy", "繁忙，请稍后再试") \
    X(RS_ETIMEDOUT, "timed out", "超时") \
    X(RS_ECLOSED, "closed", "连接已关闭") \
    X(RS_ESTORAGE, "storage refused the write", "存储拒绝写入（磁盘已满或只读）") \
    X(RS_EENCODING, "invalid text encoding", "文字编码无效") \
    X(RS_ESCHEMA, "not a resettle database of a known version", "不是本系统的数据库，或版本较新") \
    X(RS_EINTERNAL, "internal error", "内部错误") \
    X(RS_ELOCKED, "the reporting year is closed", "该报告年度已结账")

/* Each status's name, English line and Chinese line, indexed by its value. */
static const char *const texts[][3] = {
#define X(code, text, zh) [code] = {#code, text, zh},
    RS_STATUS_MAP(X)
#undef X
};

static const char *column(rs_status st, int col, const char *unknown)
{
    if ((unsigned)st >= sizeof texts / sizeof texts[0] || !texts[st][0])
        return unknown;
    return texts[st][col];
}

const char *rs_status_name(rs_status st)
{
    return column(st, 0, "RS_UNKNOWN");
}

const char *rs_status_str(rs_status st)
{
    return column(st, 1, "unknown status");
}

const char *rs_status_zh(rs_status st)
{
    return column(st, 2, "未知错误");
}

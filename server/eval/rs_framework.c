/*
 * rs_framework.c - loads and validates an indicator framework CSV, and
 * holds the catalogue of formulas and rule shapes it may name.
 *
 * See rs_framework.h for the contract and docs/evaluation.md §1 for the
 * file format.  The file is small (capped at RS_FW_MAX_FILE_BYTES), so it
 * is read whole and handed to the CSV reader the client uses too
 * (rs_csv.h: UTF-8, UTF-8 with BOM or GB18030, converted with iconv).  The
 * framework's own caps (RS_FW_MAX_COLS columns, RS_FW_MAX_FIELD bytes a
 * cell) are checked on each record it returns; its messages ("line 4:
 * field 2: unexpected quote") are given the file's name and read
 * "unit-2023.csv:4: field 2: unexpected quote", like every other error here.
 *
 * Does not: compute anything from records (rs_eval.h) or render
 * (rs_report.h).
 */
#include "rs_framework.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_csv.h"

#define FW_MAX_PARAMS 12

/* ------------------------------------------------------------ catalogue */

static const struct rs_formula_info formulas[RS_FORMULA_COUNT] = {
    {RS_F_STAFF_CONTROL, "F1", "staff_control", "在职人员控制率", RS_VK_RATE,
     "在职人员数 ÷ 编制数 × 100%"},
    {RS_F_SANGONG_CHANGE, "F2", "sangong_change", "“三公”经费变动率", RS_VK_RATE,
     "（本年“三公”经费预算数 − 上年预算数）÷ 上年预算数 × 100%"},
    {RS_F_KEY_SPENDING, "F3", "key_spending", "重点支出安排率", RS_VK_RATE,
     "重点项目支出 ÷（项目支出 + 政府性基金）决算数 × 100%"},
    {RS_F_BUDGET_COMPLETION, "F4", "budget_completion", "预算完成率", RS_VK_RATE,
     "决算数合计 ÷ 年初预算数合计 × 100%"},
    {RS_F_BUDGET_EXECUTION, "F4'", "budget_execution", "预算执行率", RS_VK_RATE,
     "决算数合计 ÷ 全年预算数（调整后预算）合计 × 100%"},
    {RS_F_BUDGET_ADJUSTMENT, "F5", "budget_adjustment", "预算调整率", RS_VK_RATE,
     "（调整后预算 − 年初预算 − 上级转移支付）÷ 年初预算 × 100%"},
    {RS_F_PAYMENT_PROGRESS, "F6", "payment_progress", "支付进度率", RS_VK_RATE,
     "项目已支付资金 ÷ 项目已下达资金 × 100%"},
    {RS_F_CARRYOVER_RATE, "F7", "carryover_rate", "结转结余率", RS_VK_RATE,
     "年末结转结余 ÷ 全年预算数 × 100%"},
    {RS_F_CARRYOVER_CHANGE, "F8", "carryover_change", "结转结余变动率", RS_VK_RATE,
     "（年末结转结余 − 年初结转结余）÷ 年初结转结余 × 100%"},
    {RS_F_PUBLIC_CONTROL, "F9", "public_control", "公用经费控制率", RS_VK_RATE,
     "公用经费决算数 ÷ 公用经费全年预算数 × 100%"},
    {RS_F_SANGONG_CONTROL, "F10", "sangong_control", "“三公”经费控制率", RS_VK_RATE,
     "“三公”经费实际支出数 ÷ 预算安排数 × 100%"},
    {RS_F_PROCUREMENT, "F11", "procurement", "政府采购执行率", RS_VK_RATE,
     "实际政府采购金额 ÷ 政府采购预算数 × 100%"},
    {RS_F_ASSET_USE, "F12", "asset_use", "固定资产利用率", RS_VK_RATE,
     "在用固定资产总额 ÷ 固定资产总额 × 100%"},
    {RS_F_PROJECT_COMPLETION, "F13", "project_completion", "项目实际完成率", RS_VK_RATE,
     "已完工项目数 ÷ 项目总数 × 100%"},
    {RS_F_PROJECT_TIMELINESS, "F14", "project_timeliness", "项目完成及时率", RS_VK_RATE,
     "按期完工项目数 ÷ 项目总数 × 100%"},
    {RS_F_PROJECT_ACCEPTANCE, "F15", "project_acceptance", "项目验收合格率", RS_VK_RATE,
     "验收合格项目数 ÷ 已完工项目数 × 100%"},
    {RS_F_KEY_TASKS, "F16", "key_tasks", "重点工作办结率", RS_VK_RATE,
     "重点工作实际完成数 ÷ 交办数 × 100%"},
    {RS_F_FUND_COMPLIANCE, "F17", "fund_compliance", "资金使用合规性", RS_VK_CHECKLIST,
     "逐项核查资金使用合规要点"},
    {RS_F_MANAGEMENT_RULES, "F18", "management_rules", "管理制度健全性", RS_VK_CHECKLIST,
     "逐项核查管理制度健全要点"},
    {RS_F_DISCLOSURE, "F19", "disclosure", "预决算信息公开性", RS_VK_CHECKLIST,
     "逐项核查预算、决算和绩效信息公开情况"},
    {RS_F_SATISFACTION, "F20", "satisfaction", "服务对象满意度", RS_VK_RATE,
     "（满意 + 基本满意）人数 ÷ 有效样本数 × 100%"},
    {RS_F_RECEPTION_CHANGE, "F21a", "reception_change", "公务接待费变动率", RS_VK_RATE,
     "（本年公务接待费预算 − 上年预算）÷ 上年预算 × 100%"},
    {RS_F_VEHICLE_CHANGE, "F21b", "vehicle_change", "公务用车购置及运行费变动率", RS_VK_RATE,
     "（本年公务用车购置及运行费预算 − 上年预算）÷ 上年预算 × 100%"},
    {RS_F_TRAINING_COMPLETION, "T1", "training_completion", "培训完成率", RS_VK_RATE,
     "实际培训人次 ÷ 计划培训人次 × 100%（不含自主培训）"},
    {RS_F_CERTIFICATION, "T2", "certification", "培训考证率", RS_VK_RATE,
     "考证人数 ÷ 培训人次 × 100%（不含自主培训）"},
    {RS_F_SUBSIDY_ON_TIME, "T3", "subsidy_on_time", "直补资金按时足额发放率", RS_VK_RATE,
     "按时足额发放的直补记录数 ÷ 直补记录数 × 100%"},
    {RS_F_RELIEF_DELIVERED, "T4", "relief_delivered", "救助资金到位率", RS_VK_RATE,
     "已发放（有发放日期且金额大于0）的救助记录数 ÷ 救助记录数 × 100%"},
    {RS_F_PETITION_CLOSED, "T5", "petition_closed", "信访办结率", RS_VK_RATE,
     "办结件数 ÷（信访件数 − 重复件数）× 100%"},
    {RS_F_PETITION_ABOVE, "T6", "petition_above_district", "到区以上上访人数", RS_VK_COUNT,
     "信访层级为区及以上的来访人数合计（未填人数的按每件1人）"},
    {RS_F_PROJECT_MAINTENANCE, "T7", "project_maintenance", "项目管护主体落实率", RS_VK_RATE,
     "已落实管护主体的已完工项目数 ÷ 已完工项目数 × 100%"},
    {RS_F_INVESTMENT_CONTROL, "T8", "investment_control", "项目投资控制率", RS_VK_RATE,
     "完成投资合计 ÷ 计划投资合计 × 100%"},
    {RS_F_RELIEF_HOUSEHOLDS, "T9", "relief_households", "受益移民户数", RS_VK_COUNT,
     "救助记录中不重复的户数"},
    {RS_F_CHECKLIST, "C", "checklist", "核查清单", RS_VK_CHECKLIST,
     "逐项核查，按未达标项扣分"},
    {RS_F_MANUAL, "M", "manual", "人工评分", RS_VK_MANUAL,
     "评审人员评分并说明理由"},
};

const struct rs_formula_info *rs_framework_formula(enum rs_formula f)
{
    if ((int)f < 0 || f >= RS_FORMULA_COUNT)
        return NULL;
    return &formulas[f];
}

static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;

        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

const struct rs_formula_info *rs_framework_formula_find(const char *s)
{
    if (!s)
        return NULL;
    /* Excel users type the prime of F4' as a typographic one. */
    if (strcmp(s, "F4’") == 0 || strcmp(s, "F4′") == 0)
        s = "F4'";
    for (size_t i = 0; i < RS_FORMULA_COUNT; i++) {
        if (ascii_casecmp(s, formulas[i].code) == 0 || ascii_casecmp(s, formulas[i].slug) == 0)
            return &formulas[i];
    }
    return NULL;
}

static const char *const rule_names[] = {
    [RS_RULE_CAP_DEDUCT] = "cap_deduct", [RS_RULE_BANDS] = "bands",
    [RS_RULE_STEP_BELOW] = "step_below", [RS_RULE_PROPORTIONAL] = "proportional",
    [RS_RULE_CHECKLIST] = "checklist",   [RS_RULE_MANUAL] = "manual",
};

const char *rs_framework_rule_name(enum rs_fw_rule r)
{
    if ((int)r < 0 || (size_t)r >= sizeof rule_names / sizeof rule_names[0])
        return "unknown";
    return rule_names[r];
}

/* ------------------------------------------------------------ errors */

struct ctx {
    const char *name;
    char *err;
    size_t errlen;
};

static void fail(const struct ctx *c, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(const struct ctx *c, uint32_t line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!c->err || c->errlen == 0)
        return;
    n = snprintf(c->err, c->errlen, "%s.csv:%u: ", c->name, line);
    if (n < 0 || (size_t)n >= c->errlen)
        return;
    va_start(ap, fmt);
    n = vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= 0 && strlen(c->err) + 1 == c->errlen) {
        /* Cut: drop a UTF-8 sequence left incomplete at the end. */
        size_t len = strlen(c->err), i = len;

        while (i > 0 && ((unsigned char)c->err[i - 1] & 0xC0) == 0x80)
            i--;
        if (i > 0 && (unsigned char)c->err[i - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)c->err[i - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

            if (len - (i - 1) < need)
                c->err[i - 1] = '\0';
        }
    }
}

/* ------------------------------------------------------------ CSV */

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
}

/*
 * Says why the CSV reader stopped: its message ("line 4: field 2:
 * unexpected quote", "out of memory") with the file's name in front, the
 * line where it gives one.
 */
static void csv_fail(const struct ctx *c, const char *msg)
{
    unsigned long line;
    char *end;

    if (strncmp(msg, "line ", 5) == 0 && msg[5] >= '0' && msg[5] <= '9') {
        line = strtoul(msg + 5, &end, 10);
        if (end[0] == ':' && end[1] == ' ' && line <= UINT32_MAX) {
            fail(c, (uint32_t)line, "%s", end + 2);
            return;
        }
    }
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "%s.csv: %s", c->name, msg);
}

/* A record of the file: its cells, trimmed, and the line it starts on. */
struct row {
    char **f;
    size_t nf;
    uint32_t line;
};

/*
 * Reads the next record that has a non-empty cell into r (blank lines and
 * rows Excel leaves as ",,,," are skipped).  1 on a record, 0 at the end,
 * -1 on an error (reported; *rv says which status).
 */
static int next_row(const struct ctx *c, struct rs_csv *csv, struct row *r, rs_status *rv)
{
    char msg[256];

    for (;;) {
        rs_status st = rs_csv_next(csv, &r->f, &r->nf, &r->line, msg, sizeof msg);
        bool empty = true;

        if (st == RS_ENOTFOUND)
            return 0;
        if (st != RS_OK) {
            csv_fail(c, msg);
            *rv = st == RS_ENOMEM ? RS_ENOMEM : RS_EINVAL;
            return -1;
        }
        if (r->nf > RS_FW_MAX_COLS) {
            fail(c, r->line, "more than %d columns", RS_FW_MAX_COLS);
            *rv = RS_EINVAL;
            return -1;
        }
        for (size_t i = 0; i < r->nf; i++) {
            if (strlen(r->f[i]) >= RS_FW_MAX_FIELD) {
                fail(c, r->line, "field longer than %d bytes", RS_FW_MAX_FIELD - 1);
                *rv = RS_EINVAL;
                return -1;
            }
            trim(r->f[i]);
            if (r->f[i][0])
                empty = false;
        }
        if (!empty)
            return 1;
    }
}

/* ------------------------------------------------------------ numbers */

/* Parses a signed decimal of at most 3 decimals (optional % suffix). */
static bool parse_milli(const char *s, int64_t *out)
{
    char tmp[64];
    size_t n = strlen(s);
    bool neg = false;
    int64_t v;

    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n + 1);
    if (n > 0 && tmp[n - 1] == '%')
        tmp[--n] = '\0';
    else if (n >= 3 && strcmp(tmp + n - 3, "％") == 0)
        tmp[n -= 3] = '\0';
    trim(tmp);
    if (tmp[0] == '-' || tmp[0] == '+') {
        neg = tmp[0] == '-';
        memmove(tmp, tmp + 1, strlen(tmp));
    }
    if (tmp[0] < '0' || tmp[0] > '9')
        return false;
    if (rs_milli_parse(tmp, &v) != RS_OK || v > INT64_C(1000000000000))
        return false;
    *out = neg ? -v : v;
    return true;
}

static bool is_inf(const char *s, bool *neg)
{
    *neg = s[0] == '-';
    if (s[0] == '-' || s[0] == '+')
        s++;
    return ascii_casecmp(s, "inf") == 0 || strcmp(s, "∞") == 0;
}

/* ------------------------------------------------------------ params */

struct kv {
    char key[64];
    char val[160];
    bool used;
};

/* Splits "k=v; k=v" (';' or '；') into kv.  false on a malformed item. */
static bool split_params(const struct ctx *c, uint32_t line, const char *s, struct kv *kv,
                         size_t *nkv)
{
    char buf[RS_FW_PARAMS_MAX + 1];
    char *p = buf;

    *nkv = 0;
    snprintf(buf, sizeof buf, "%s", s);
    while (*p) {
        char *end = p, *eq;
        size_t klen, vlen;

        while (*end && *end != ';' && strncmp(end, "；", 3) != 0)
            end++;
        {
            char save = *end;
            size_t skip = save == ';' ? 1 : save ? 3 : 0;

            *end = '\0';
            trim(p);
            if (*p) {
                eq = strchr(p, '=');
                if (!eq) {
                    fail(c, line, "bad params: \"%s\" is not key=value", p);
                    return false;
                }
                if (*nkv == FW_MAX_PARAMS) {
                    fail(c, line, "bad params: more than %d items", FW_MAX_PARAMS);
                    return false;
                }
                *eq = '\0';
                trim(p);
                trim(eq + 1);
                klen = strlen(p);
                vlen = strlen(eq + 1);
                if (klen == 0 || klen >= sizeof kv->key || vlen == 0 || vlen >= sizeof kv->val) {
                    fail(c, line, "bad params: empty or overlong key or value in \"%s\"", p);
                    return false;
                }
                memcpy(kv[*nkv].key, p, klen + 1);
                memcpy(kv[*nkv].val, eq + 1, vlen + 1);
                kv[*nkv].used = false;
                (*nkv)++;
            }
            p = end + skip;
            if (!save)
                break;
        }
    }
    return true;
}

static struct kv *kv_get(struct kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (ascii_casecmp(kv[i].key, key) == 0) {
            kv[i].used = true;
            return &kv[i];
        }
    }
    return NULL;
}

/* A number parameter; required unless has_default. */
static bool param_num(const struct ctx *c, uint32_t line, struct kv *kv, size_t n,
                      const char *key, bool has_default, int64_t dflt, int64_t *out)
{
    struct kv *e = kv_get(kv, n, key);

    if (!e) {
        if (has_default) {
            *out = dflt;
            return true;
        }
        fail(c, line, "bad params: missing %s", key);
        return false;
    }
    if (!parse_milli(e->val, out)) {
        fail(c, line, "bad params: %s=\"%s\" is not a number with at most 3 decimals", key,
             e->val);
        return false;
    }
    return true;
}

/* Parses one interval "[a,b]" / "(a,b]" / "(-inf,0]" or a single value "0". */
static bool parse_interval(const char *s, struct rs_fw_band *b)
{
    char tmp[64];
    size_t n = strlen(s);
    char *comma;
    bool neg;

    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n + 1);
    if (tmp[0] != '[' && tmp[0] != '(') {
        if (!parse_milli(tmp, &b->lo))
            return false;
        b->hi = b->lo;
        b->lo_incl = b->hi_incl = true;
        b->lo_inf = b->hi_inf = false;
        return true;
    }
    if (tmp[n - 1] != ']' && tmp[n - 1] != ')')
        return false;
    b->lo_incl = tmp[0] == '[';
    b->hi_incl = tmp[n - 1] == ']';
    tmp[n - 1] = '\0';
    comma = strchr(tmp + 1, ',');
    if (comma) {
        *comma++ = '\0';
    } else {
        comma = strstr(tmp + 1, "，");
        if (!comma)
            return false;
        *comma = '\0';
        comma += strlen("，");
    }
    {
        char *lo = tmp + 1, *hi = comma;

        trim(lo);
        trim(hi);
        b->lo_inf = is_inf(lo, &neg);
        if (b->lo_inf && !neg)
            return false;
        if (!b->lo_inf && !parse_milli(lo, &b->lo))
            return false;
        b->hi_inf = is_inf(hi, &neg);
        if (b->hi_inf && neg)
            return false;
        if (!b->hi_inf && !parse_milli(hi, &b->hi))
            return false;
    }
    if (b->lo_inf)
        b->lo_incl = false;
    if (b->hi_inf)
        b->hi_incl = false;
    if (!b->lo_inf && !b->hi_inf &&
        (b->lo > b->hi || (b->lo == b->hi && !(b->lo_incl && b->hi_incl))))
        return false;
    return true;
}

/* True if the two bands share at least one value. */
static bool bands_overlap(const struct rs_fw_band *a, const struct rs_fw_band *b)
{
    /* a lies entirely below b? */
    if (!a->hi_inf && !b->lo_inf &&
        (a->hi < b->lo || (a->hi == b->lo && !(a->hi_incl && b->lo_incl))))
        return false;
    if (!b->hi_inf && !a->lo_inf &&
        (b->hi < a->lo || (b->hi == a->lo && !(b->hi_incl && a->lo_incl))))
        return false;
    return true;
}

static void fmt_milli(int64_t v, char out[32])
{
    rs_milli_format(v, out);
}

static void tgt(struct rs_fw_indicator *ind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats into ind->target; every input is short, a cut is harmless. */
static void tgt(struct rs_fw_indicator *ind, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ind->target, sizeof ind->target, fmt, ap);
    va_end(ap);
}

/* Writes the display target derived from the rule when the file has none. */
static void derive_target(struct rs_fw_indicator *ind, enum rs_fw_vkind kind)
{
    char a[32];
    const char *unit = kind == RS_VK_RATE ? "%" : "";

    switch (ind->rule) {
    case RS_RULE_CAP_DEDUCT:
        fmt_milli(ind->threshold, a);
        tgt(ind, "%s%s%s", ind->bad_below ? "≥" : "≤", a,
                 unit);
        break;
    case RS_RULE_STEP_BELOW:
        fmt_milli(ind->target_val, a);
        tgt(ind, "≥%s%s", a, unit);
        break;
    case RS_RULE_PROPORTIONAL:
        fmt_milli(ind->full_at, a);
        tgt(ind, "≥%s%s", a, unit);
        break;
    case RS_RULE_BANDS: {
        /* The best-scoring band, as written. */
        size_t best = 0;

        for (size_t i = 1; i < ind->nbands; i++) {
            if (ind->bands[i].score_milli > ind->bands[best].score_milli)
                best = i;
        }
        {
            const struct rs_fw_band *b = &ind->bands[best];
            char lo[32], hi[32];

            fmt_milli(b->lo, lo);
            fmt_milli(b->hi, hi);
            if (!b->lo_inf && !b->hi_inf && b->lo == b->hi)
                tgt(ind, "=%s%s", lo, unit);
            else if (b->lo_inf)
                tgt(ind, "%s%s%s", b->hi_incl ? "≤" : "<", hi,
                         unit);
            else if (b->hi_inf)
                tgt(ind, "%s%s%s", b->lo_incl ? "≥" : ">", lo,
                         unit);
            else
                tgt(ind, "%s%s, %s%s%s", b->lo_incl ? "[" : "(",
                         lo, hi, b->hi_incl ? "]" : ")", unit);
        }
        break;
    }
    case RS_RULE_CHECKLIST:
        tgt(ind, "%u项全部达标", ind->items);
        break;
    case RS_RULE_MANUAL:
        tgt(ind, "评审确定");
        break;
    }
}

static bool parse_yesno(const char *s, bool *out)
{
    if (ascii_casecmp(s, "yes") == 0 || ascii_casecmp(s, "true") == 0 || strcmp(s, "1") == 0 ||
        strcmp(s, "是") == 0) {
        *out = true;
        return true;
    }
    if (ascii_casecmp(s, "no") == 0 || ascii_casecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
        strcmp(s, "否") == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* Reads the params cell of ind (rule and formula already set). */
static bool parse_rule_params(const struct ctx *c, struct rs_fw_indicator *ind,
                              enum rs_fw_vkind kind)
{
    struct kv kv[FW_MAX_PARAMS];
    size_t n;
    uint32_t line = ind->line;
    char pts[32];

    if (!split_params(c, line, ind->params, kv, &n))
        return false;
    fmt_milli(ind->points_milli, pts);
    ind->count_basic = true;
    if (ind->formula == RS_F_SATISFACTION) {
        struct kv *e = kv_get(kv, n, "count_basic");

        if (e && !parse_yesno(e->val, &ind->count_basic)) {
            fail(c, line, "bad params: count_basic=\"%s\" must be yes or no", e->val);
            return false;
        }
    }
    switch (ind->rule) {
    case RS_RULE_CAP_DEDUCT: {
        struct kv *e;

        if (!param_num(c, line, kv, n, "threshold", false, 0, &ind->threshold) ||
            !param_num(c, line, kv, n, "per", false, 0, &ind->per))
            return false;
        if (ind->per <= 0) {
            fail(c, line, "bad params: per must be > 0");
            return false;
        }
        e = kv_get(kv, n, "bad");
        ind->bad_below = false;
        if (e) {
            if (ascii_casecmp(e->val, "below") == 0) {
                ind->bad_below = true;
            } else if (ascii_casecmp(e->val, "above") != 0) {
                fail(c, line, "bad params: bad=\"%s\" must be above or below", e->val);
                return false;
            }
        }
        break;
    }
    case RS_RULE_STEP_BELOW:
        if (!param_num(c, line, kv, n, "target", kind == RS_VK_RATE, 100000, &ind->target_val) ||
            !param_num(c, line, kv, n, "step", false, 0, &ind->step) ||
            !param_num(c, line, kv, n, "deduct", false, 0, &ind->deduct))
            return false;
        if (ind->step <= 0 || ind->deduct <= 0) {
            fail(c, line, "bad params: step and deduct must be > 0");
            return false;
        }
        break;
    case RS_RULE_PROPORTIONAL:
        if (!param_num(c, line, kv, n, "full_at", kind == RS_VK_RATE, 100000, &ind->full_at))
            return false;
        if (ind->full_at <= 0) {
            fail(c, line, "bad params: full_at must be > 0");
            return false;
        }
        break;
    case RS_RULE_CHECKLIST: {
        int64_t items;

        if (!param_num(c, line, kv, n, "items", false, 0, &items) ||
            !param_num(c, line, kv, n, "per_fail", false, 0, &ind->per_fail))
            return false;
        if (items <= 0 || items % 1000 != 0 || items > 100000) {
            fail(c, line, "bad params: items must be a whole number 1..100");
            return false;
        }
        if (ind->per_fail <= 0) {
            fail(c, line, "bad params: per_fail must be > 0");
            return false;
        }
        ind->items = (uint32_t)(items / 1000);
        break;
    }
    case RS_RULE_MANUAL:
        break;
    case RS_RULE_BANDS:
        ind->nbands = 0;
        for (size_t i = 0; i < n; i++) {
            struct rs_fw_band *b;

            if (kv[i].used)
                continue;
            if (kv[i].key[0] != '[' && kv[i].key[0] != '(' &&
                !(kv[i].key[0] >= '0' && kv[i].key[0] <= '9') && kv[i].key[0] != '-')
                continue; /* reported below as an unknown parameter */
            if (ind->nbands == RS_FW_MAX_BANDS) {
                fail(c, line, "bad params: more than %d bands", RS_FW_MAX_BANDS);
                return false;
            }
            b = &ind->bands[ind->nbands];
            if (!parse_interval(kv[i].key, b)) {
                fail(c, line, "bad params: \"%s\" is not an interval like (10,20] or [0,0]",
                     kv[i].key);
                return false;
            }
            if (!parse_milli(kv[i].val, &b->score_milli) || b->score_milli < 0) {
                fail(c, line, "bad params: band %s score \"%s\" is not a number >= 0", kv[i].key,
                     kv[i].val);
                return false;
            }
            if (b->score_milli > ind->points_milli) {
                fail(c, line, "bad params: band %s scores %s, more than the %s points", kv[i].key,
                     kv[i].val, pts);
                return false;
            }
            for (size_t j = 0; j < ind->nbands; j++) {
                if (bands_overlap(&ind->bands[j], b)) {
                    fail(c, line, "bad params: band %s overlaps an earlier band", kv[i].key);
                    return false;
                }
            }
            kv[i].used = true;
            ind->nbands++;
        }
        if (ind->nbands == 0) {
            fail(c, line, "bad params: bands needs at least one interval=score item");
            return false;
        }
        break;
    }
    if ((ind->rule == RS_RULE_STEP_BELOW && ind->deduct > ind->points_milli) ||
        (ind->rule == RS_RULE_CHECKLIST && ind->per_fail > ind->points_milli)) {
        fail(c, line, "bad params: one deduction is more than the %s points", pts);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].used) {
            fail(c, line, "bad params: unknown parameter \"%s\" for rule %s", kv[i].key,
                 rs_framework_rule_name(ind->rule));
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------ header */

enum col { COL_CODE, COL_DIM, COL_NAME, COL_POINTS, COL_FORMULA, COL_RULE, COL_PARAMS,
           COL_TARGET, COL_NOTE, NCOLS };

static const char *const col_names[NCOLS][2] = {
    [COL_CODE] = {"code", "编码"},          [COL_DIM] = {"dimension", "维度"},
    [COL_NAME] = {"indicator", "指标"},     [COL_POINTS] = {"points", "分值"},
    [COL_FORMULA] = {"formula", "公式"},    [COL_RULE] = {"rule", "规则"},
    [COL_PARAMS] = {"params", "参数"},      [COL_TARGET] = {"target", "目标值"},
    [COL_NOTE] = {"note", "备注"},
};

static bool read_header(const struct ctx *c, const struct row *cv, uint32_t line, int map[NCOLS])
{
    for (size_t k = 0; k < NCOLS; k++)
        map[k] = -1;
    for (size_t i = 0; i < cv->nf; i++) {
        size_t k;

        for (k = 0; k < NCOLS; k++) {
            if (ascii_casecmp(cv->f[i], col_names[k][0]) == 0 ||
                strcmp(cv->f[i], col_names[k][1]) == 0)
                break;
        }
        if (k == NCOLS) {
            fail(c, line, "unknown column \"%s\" (expected code, dimension, indicator, points, "
                          "formula, rule, params, target, note)", cv->f[i]);
            return false;
        }
        if (map[k] >= 0) {
            fail(c, line, "column \"%s\" appears twice", cv->f[i]);
            return false;
        }
        map[k] = (int)i;
    }
    for (size_t k = 0; k < NCOLS; k++) {
        if (map[k] < 0 && k != COL_NOTE && k != COL_TARGET && k != COL_PARAMS) {
            fail(c, line, "missing column \"%s\"", col_names[k][0]);
            return false;
        }
    }
    return true;
}

static const char *cell(const struct row *cv, const int map[NCOLS], enum col k)
{
    if (map[k] < 0 || (size_t)map[k] >= cv->nf)
        return "";
    return cv->f[map[k]];
}

static bool copy_text(const struct ctx *c, uint32_t line, const char *what, const char *src,
                      char *dst, size_t cap, bool required)
{
    size_t n = strlen(src);

    if (required && n == 0) {
        fail(c, line, "%s is empty", what);
        return false;
    }
    if (n >= cap) {
        fail(c, line, "%s is longer than %zu bytes", what, cap - 1);
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

static bool rule_parse(const char *s, enum rs_fw_rule *out)
{
    for (size_t i = 0; i < sizeof rule_names / sizeof rule_names[0]; i++) {
        if (ascii_casecmp(s, rule_names[i]) == 0) {
            *out = (enum rs_fw_rule)i;
            return true;
        }
    }
    return false;
}

/* Reads one indicator row; ind->line set by the caller. */
static bool read_row(const struct ctx *c, const struct row *cv, const int map[NCOLS],
                     struct rs_framework *fw, struct rs_fw_indicator *ind)
{
    uint32_t line = ind->line;
    const struct rs_formula_info *fi;
    const char *s;

    if (!copy_text(c, line, "code", cell(cv, map, COL_CODE), ind->code, sizeof ind->code, true) ||
        !copy_text(c, line, "dimension", cell(cv, map, COL_DIM), ind->dimension,
                   sizeof ind->dimension, true) ||
        !copy_text(c, line, "indicator", cell(cv, map, COL_NAME), ind->name, sizeof ind->name,
                   true) ||
        !copy_text(c, line, "params", cell(cv, map, COL_PARAMS), ind->params, sizeof ind->params,
                   false) ||
        !copy_text(c, line, "target", cell(cv, map, COL_TARGET), ind->target, sizeof ind->target,
                   false))
        return false;
    for (size_t i = 0; i < fw->n; i++) {
        if (strcmp(fw->ind[i].code, ind->code) == 0) {
            fail(c, line, "code \"%s\" already used on line %u", ind->code, fw->ind[i].line);
            return false;
        }
    }
    s = cell(cv, map, COL_POINTS);
    if (!parse_milli(s, &ind->points_milli) || ind->points_milli <= 0 ||
        ind->points_milli > RS_FW_TOTAL_MILLI) {
        fail(c, line, "points \"%s\" must be a number > 0 and <= 100 with at most 3 decimals", s);
        return false;
    }
    s = cell(cv, map, COL_FORMULA);
    fi = rs_framework_formula_find(s);
    if (!fi) {
        fail(c, line, "unknown formula \"%s\" (see docs/evaluation.md for the codes)", s);
        return false;
    }
    ind->formula = fi->id;
    s = cell(cv, map, COL_RULE);
    if (!rule_parse(s, &ind->rule)) {
        fail(c, line, "unknown rule \"%s\" (expected cap_deduct, bands, step_below, "
                      "proportional, checklist or manual)", s);
        return false;
    }
    if ((fi->kind == RS_VK_CHECKLIST) != (ind->rule == RS_RULE_CHECKLIST)) {
        fail(c, line, "rule %s does not fit formula %s (checklist formulas F16-F19/C take "
                      "rule checklist, and only they)", rs_framework_rule_name(ind->rule),
             fi->code);
        return false;
    }
    if ((fi->kind == RS_VK_MANUAL) != (ind->rule == RS_RULE_MANUAL)) {
        fail(c, line, "rule %s does not fit formula %s (formula M takes rule manual, and "
                      "only it)", rs_framework_rule_name(ind->rule), fi->code);
        return false;
    }
    if (!parse_rule_params(c, ind, fi->kind))
        return false;
    if (ind->target[0] == '\0')
        derive_target(ind, fi->kind);
    return true;
}

static bool add_dimension(const struct ctx *c, struct rs_framework *fw,
                          struct rs_fw_indicator *ind)
{
    size_t d;

    for (d = 0; d < fw->ndims; d++) {
        if (strcmp(fw->dims[d].name, ind->dimension) == 0)
            break;
    }
    if (d == fw->ndims) {
        if (fw->ndims == RS_FW_MAX_DIMENSIONS) {
            fail(c, ind->line, "more than %d dimensions", RS_FW_MAX_DIMENSIONS);
            return false;
        }
        memcpy(fw->dims[d].name, ind->dimension, sizeof fw->dims[d].name);
        fw->ndims++;
    }
    ind->dim = d;
    fw->dims[d].points_milli += ind->points_milli;
    fw->dims[d].nind++;
    return true;
}

rs_status rs_framework_parse(const void *data, size_t n, const char *name,
                             struct rs_framework **out, char *err, size_t errlen)
{
    struct ctx c = {name ? name : "framework", err, errlen};
    struct rs_framework *fw = NULL;
    struct rs_csv *csv = NULL;
    struct row row;
    char msg[256];
    int map[NCOLS];
    bool have_header = false;
    uint32_t last_line = 1;
    rs_status rv = RS_EINVAL;
    int r;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (strlen(c.name) > RS_FW_NAME_MAX) {
        fail(&c, 0, "framework name longer than %d bytes", RS_FW_NAME_MAX);
        return RS_EINVAL;
    }
    if (n > RS_FW_MAX_FILE_BYTES) {
        fail(&c, 0, "file larger than %d bytes", RS_FW_MAX_FILE_BYTES);
        return RS_EINVAL;
    }
    fw = calloc(1, sizeof *fw);
    if (!fw)
        return RS_ENOMEM;
    rv = rs_csv_open(data, n, &csv, msg, sizeof msg);
    if (rv) {
        csv_fail(&c, msg);
        rv = rv == RS_ENOMEM ? RS_ENOMEM : RS_EINVAL;
        goto out;
    }
    rv = RS_EINVAL;
    snprintf(fw->name, sizeof fw->name, "%s", c.name);
    {
        uint8_t h[RS_SHA256_LEN];

        rs_sha256(data, n, h);
        rs_hex(h, sizeof h, fw->hash);
    }
    while ((r = next_row(&c, csv, &row, &rv)) == 1) {
        struct rs_fw_indicator *ind;

        last_line = row.line;
        if (row.f[0][0] == '#')
            continue;
        if (!have_header) {
            if (!read_header(&c, &row, row.line, map))
                goto out;
            have_header = true;
            continue;
        }
        if (fw->n == RS_FW_MAX_INDICATORS) {
            fail(&c, row.line, "more than %d indicators", RS_FW_MAX_INDICATORS);
            goto out;
        }
        ind = &fw->ind[fw->n];
        memset(ind, 0, sizeof *ind);
        ind->line = row.line;
        if (!read_row(&c, &row, map, fw, ind) || !add_dimension(&c, fw, ind))
            goto out;
        fw->total_milli += ind->points_milli;
        fw->n++;
    }
    if (r < 0)
        goto out;
    if (!have_header) {
        fail(&c, last_line, "no header row (code,dimension,indicator,points,formula,rule,"
                            "params,target)");
        goto out;
    }
    if (fw->n == 0) {
        fail(&c, last_line, "no indicators");
        goto out;
    }
    if (fw->total_milli != RS_FW_TOTAL_MILLI) {
        char tot[32];

        fmt_milli(fw->total_milli, tot);
        fail(&c, last_line, "points sum to %s, expected 100", tot);
        goto out;
    }
    *out = fw;
    fw = NULL;
    rv = RS_OK;
out:
    rs_csv_close(csv);
    free(fw);
    return rv;
}

/* ------------------------------------------------------------ loading */

static bool preset_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > RS_FW_NAME_MAX || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return false;
    }
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

rs_status rs_framework_load(const char *dir, const char *spec, struct rs_framework **out,
                            char *err, size_t errlen)
{
    char path[4096];
    char name[RS_FW_NAME_MAX + 1];
    const char *stem;
    size_t stemlen;
    FILE *f = NULL;
    char *buf = NULL;
    size_t n = 0;
    rs_status rv;

    *out = NULL;
    if (!spec || !*spec)
        spec = RS_FRAMEWORK_DEFAULT;
    if (strchr(spec, '/')) {
        if (!ends_with(spec, ".csv") || strlen(spec) >= sizeof path) {
            snprintf(err, errlen, "framework path \"%s\" must end in .csv", spec);
            return RS_EINVAL;
        }
        snprintf(path, sizeof path, "%s", spec);
        stem = strrchr(spec, '/') + 1;
    } else {
        stem = spec;
        if (!dir || !*dir) {
            snprintf(err, errlen, "no framework directory for preset \"%s\"", spec);
            return RS_EINVAL;
        }
    }
    stemlen = strlen(stem);
    if (ends_with(stem, ".csv"))
        stemlen -= 4;
    if (!preset_name_ok(stem, stemlen)) {
        snprintf(err, errlen, "bad framework name \"%s\" (letters, digits, _ - . only)", spec);
        return RS_EINVAL;
    }
    memcpy(name, stem, stemlen);
    name[stemlen] = '\0';
    if (!strchr(spec, '/')) {
        int k = snprintf(path, sizeof path, "%s/%s.csv", dir, name);

        if (k < 0 || (size_t)k >= sizeof path) {
            snprintf(err, errlen, "framework path too long");
            return RS_EINVAL;
        }
    }
    f = fopen(path, "rb");
    if (!f) {
        rv = errno == ENOENT ? RS_ENOTFOUND : RS_EIO;
        snprintf(err, errlen, "%s: %s", path,
                 rv == RS_ENOTFOUND ? "no such framework" : strerror(errno));
        return rv;
    }
    buf = malloc(RS_FW_MAX_FILE_BYTES + 1);
    if (!buf) {
        rv = RS_ENOMEM;
        goto out;
    }
    n = fread(buf, 1, RS_FW_MAX_FILE_BYTES + 1, f);
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read failed", path);
        rv = RS_EIO;
        goto out;
    }
    if (n > RS_FW_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %d bytes", path, RS_FW_MAX_FILE_BYTES);
        rv = RS_EINVAL;
        goto out;
    }
    rv = rs_framework_parse(buf, n, name, out, err, errlen);
out:
    free(buf);
    fclose(f);
    return rv;
}

void rs_framework_free(struct rs_framework *fw)
{
    free(fw);
}

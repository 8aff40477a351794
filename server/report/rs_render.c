/*
 * rs_render.c - the drafted 自评报告, written through a skin.
 *
 * One document, several skins: headings, paragraphs, numbered items and
 * tables are written through rs_render_skin.h as Markdown, plain text,
 * WordprocessingML or HTML.  The document also tells the skin what each
 * table is (the 评分表, the findings, a breakdown), what a paragraph or row
 * is about (an indicator, a record, a finding) and where a chart belongs;
 * the text skins ignore that.  Sections follow
 * the seed report: 一、单位基本情况 through 十、其他需要说明的情况.  Every
 * figure comes from the evaluation result; money is 万元 with two decimals
 * (rs_money_wan), rates have two decimals, scores are exact milli-points.
 * A township-scope result renders only that township's figures and the
 * findings on its own records.
 *
 * Does not: compute anything the evaluation did not (only sums it shows and
 * the ordering of lists), or decide which problems exist (the findings do).
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_render_skin.h"
#include "rs_report_buf.h"
#include "rs_report_fmt.h"
#include "rs_rtype.h"
#include "rs_util.h"
#include "rs_wire.h"

#define TOP_PROJECTS 10
#define TOP_VILLAGES 10

/* ------------------------------------------------------------ text helpers */

static const char *cn_num(size_t n)
{
    static const char *const v[] = {"零",   "一",   "二",   "三",   "四",   "五",   "六",
                                    "七",   "八",   "九",   "十",   "十一", "十二", "十三",
                                    "十四", "十五", "十六", "十七", "十八", "十九", "二十"};

    return n < sizeof v / sizeof v[0] ? v[n] : "若干";
}

static const char *wan(int64_t fen, char out[32])
{
    rs_money_wan(fen, out);
    return out;
}

static const char *yuan(int64_t fen, char out[32])
{
    rs_money_yuan(fen, out);
    return out;
}

static const char *pct(int64_t num, int64_t den, char out[32])
{
    if (den <= 0) {
        snprintf(out, 32, "—");
        return out;
    }
    rs_eval_pct(num, den, out);
    out[31] = '\0';
    {
        size_t n = strlen(out);

        if (n + 1 < 32) {
            out[n] = '%';
            out[n + 1] = '\0';
        }
    }
    return out;
}

static const char *milli(int64_t v, char out[32])
{
    rs_milli_format(v, out);
    return out;
}

static const char *str(const char *s)
{
    return s ? s : "";
}

/* The length of s without its trailing full stops ("。" or "."), for
 * printing with "%.*s" (the caller adds one); nothing is copied, so a text
 * is never cut, however long. */
static int unstop_len(const char *s)
{
    size_t len = s ? strlen(s) : 0;

    while (len && s[len - 1] == '.')
        len--;
    while (len >= 3 && memcmp(s + len - 3, "。", 3) == 0)
        len -= 3;
    return len > INT_MAX ? INT_MAX : (int)len;
}

/* A reason without the "无法计算：" prefix the evaluation puts on it. */
static const char *nc_reason(const struct rs_eval_item *it)
{
    const char *pfx = "无法计算：";

    return strncmp(it->reason, pfx, strlen(pfx)) == 0 ? it->reason + strlen(pfx) : it->reason;
}

/* Room for what miss_wan and miss_count write: a 31-byte figure, a unit,
 * and "（另4294967295条未填报）". */
#define MISS_TEXT_MAX 80

/* A sum in 万元 over n records of which miss do not give the field:
 * "597.64" (with unit after the number), "597.64（另1条未填报）", or "未填报"
 * when none gives it. */
static const char *miss_wan(int64_t fen, uint32_t miss, uint32_t n, const char *unit, char *out,
                            size_t cap)
{
    char w[32];

    if (n && miss == n) {
        snprintf(out, cap, "未填报");
        return out;
    }
    rs_money_wan(fen, w);
    if (miss)
        snprintf(out, cap, "%s%s（另%u条未填报）", w, unit, miss);
    else
        snprintf(out, cap, "%s%s", w, unit);
    return out;
}

/* A count over n records of which miss do not give it, as miss_wan. */
static const char *miss_count(uint32_t v, uint32_t miss, uint32_t n, const char *unit, char *out,
                              size_t cap)
{
    if (n && miss == n)
        snprintf(out, cap, "未填报");
    else if (miss)
        snprintf(out, cap, "%u%s（另%u条未填报）", v, unit, miss);
    else
        snprintf(out, cap, "%u%s", v, unit);
    return out;
}

/* "已完工N个" over the projects that give a stage; "项目阶段未填报" when none does. */
static const char *done_text(const struct rs_eval_town *t, char *out, size_t cap)
{
    char n[64];

    if (t->proj_n && t->proj_stage_miss == t->proj_n)
        snprintf(out, cap, "项目阶段未填报");
    else
        snprintf(out, cap, "已完工%s",
                 miss_count(t->proj_completed, t->proj_stage_miss, t->proj_n, "个", n, sizeof n));
    return out;
}

/* "按时足额发放N笔" over the payouts that can be judged (due and paid amounts
 * and dates given); says so when none can. */
static const char *sub_ok_text(const struct rs_eval_town *t, char *out, size_t cap)
{
    char n[64];

    if (t->sub_n && t->sub_ok_miss == t->sub_n)
        snprintf(out, cap, "是否按时足额发放无法判断（应发、实发金额或日期未填报）");
    else
        snprintf(out, cap, "按时足额发放%s",
                 miss_count(t->sub_ok, t->sub_ok_miss, t->sub_n, "笔", n, sizeof n));
    return out;
}

/* ------------------------------------------------------------ record lists */

static bool in_scope(const struct rs_render_ctx *d, const Rs__Record *r)
{
    return !d->res->is_township ||
           (r->division_code && strcmp(r->division_code, d->res->division) == 0);
}

static const char *town_name(const struct rs_render_ctx *d, const char *code)
{
    return rs_eval_division_name(d->res->ds, code ? code : "");
}

/* The display name of an enum field from the record-type table; "未填" when
 * it is absent (or, impossible after validation, not a value of the enum). */
static const char *enum_shown(const ProtobufCEnumDescriptor *desc, bool has, int value)
{
    const char *s = has ? rs_enum_display(desc, value) : "";

    return s[0] ? s : "未填";
}

static const char *stage_name(const Rs__Project *p)
{
    return enum_shown(&rs__project_stage__descriptor, p->has_stage, (int)p->stage);
}

static const char *train_type(const Rs__Training *t)
{
    return enum_shown(&rs__training_type__descriptor, t->has_type, (int)t->type);
}

/* "50条、1.2km" for one category; "" if no quantities. */
static void qty_text(const struct rs_eval_cat *c, char *out, size_t outlen)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t q = 0; q < c->nqty && n < outlen; q++) {
        char m[32];
        int k;

        rs_milli_format(c->qty[q].milli, m);
        k = snprintf(out + n, outlen - n, "%s%s%s", q ? "、" : "", m, c->qty[q].unit);
        if (k < 0)
            break;
        n += (size_t)k;
    }
    if (c->qty_other_milli && n < outlen) {
        char m[32];

        rs_milli_format(c->qty_other_milli, m);
        snprintf(out + n, outlen - n, "%s另%s（其他单位）", n ? "、" : "", m);
    }
}

/* By completed investment, largest first; a project that does not give it
 * after every one that does (it is not ranked as 0). */
static int proj_cmp(const void *a, const void *b)
{
    const Rs__Record *x = *(const Rs__Record *const *)a, *y = *(const Rs__Record *const *)b;
    bool gx = x->project->has_completed_investment_fen;
    bool gy = y->project->has_completed_investment_fen;
    int64_t cx = gx ? x->project->completed_investment_fen : 0;
    int64_t cy = gy ? y->project->completed_investment_fen : 0;
    int c;

    if (gx != gy)
        return gx ? -1 : 1;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    c = strcmp(str(x->project->project_id), str(y->project->project_id));
    return c ? c : strcmp(str(x->id), str(y->id));
}

static void top_projects(struct rs_render_ctx *d)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(d->res->ds, RS__RECORD__BODY_PROJECT);
    const Rs__Record **v;
    size_t n = 0;
    struct rs_render_tbl t;

    v = malloc((l->n ? l->n : 1) * sizeof *v);
    if (!v) {
        d->b->err = d->b->err ? d->b->err : RS_ENOMEM;
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (in_scope(d, l->rec[i]))
            v[n++] = l->rec[i];
    }
    if (n == 0) {
        free(v);
        return;
    }
    qsort(v, n, sizeof *v, proj_cmp);
    rs_render_para(d, "完成投资前%zu个项目：", n < TOP_PROJECTS ? n : (size_t)TOP_PROJECTS);
    rs_render_tbl_init_kind(&t, "llllllrl", RS_TBL_PROJECTS);
    rs_render_tbl_row(&t, "乡镇/街道", "村（社区）", "项目编号", "项目名称", "类别", "规模",
                      "完成投资（万元）", "阶段");
    for (size_t i = 0; i < n && i < TOP_PROJECTS; i++) {
        const Rs__Project *p = v[i]->project;
        char q[32 + RS_MAX_STRING_BYTES + 1] = "", w[32];
        size_t cat = p->has_category && (size_t)p->category < RS_EVAL_NCAT ? (size_t)p->category
                                                                            : 0;

        if (p->has_scale_qty_milli) {
            char m[32];

            rs_milli_format(p->scale_qty_milli, m);
            snprintf(q, sizeof q, "%s%s", m, str(p->scale_unit));
        }
        if (p->has_completed_investment_fen)
            wan(p->completed_investment_fen, w);
        else
            snprintf(w, sizeof w, "未填");
        rs_render_tbl_row(&t, town_name(d, v[i]->division_code), str(p->village),
                          str(p->project_id), str(p->name), rs_eval_cat_name(cat), q, w,
                          stage_name(p));
        rs_render_tbl_about(&t, rs_render_about_rec(v[i]));
    }
    rs_render_tbl_emit(d, &t);
    free(v);
}

/* A village's projects: fen sums those that give their completed
 * investment, miss counts those that do not. */
struct vsum {
    const char *div, *village;
    int64_t fen;
    uint32_t n, miss;
};

static int vsum_key_cmp(const void *a, const void *b)
{
    const struct vsum *x = a, *y = b;
    int c = strcmp(x->div, y->div);

    return c ? c : strcmp(x->village, y->village);
}

/* Largest sum first; a village none of whose projects gives its completed
 * investment last. */
static int vsum_fen_cmp(const void *a, const void *b)
{
    const struct vsum *x = a, *y = b;
    bool gx = x->miss < x->n, gy = y->miss < y->n;

    if (gx != gy)
        return gx ? -1 : 1;
    if (x->fen != y->fen)
        return x->fen > y->fen ? -1 : 1;
    return vsum_key_cmp(a, b);
}

static void top_villages(struct rs_render_ctx *d)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(d->res->ds, RS__RECORD__BODY_PROJECT);
    struct vsum *v;
    size_t n = 0, m = 0;
    struct rs_render_tbl t;

    v = malloc((l->n ? l->n : 1) * sizeof *v);
    if (!v) {
        d->b->err = d->b->err ? d->b->err : RS_ENOMEM;
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        const Rs__Record *r = l->rec[i];

        if (!in_scope(d, r) || !r->project->village || !r->project->village[0])
            continue;
        v[n].div = str(r->division_code);
        v[n].village = r->project->village;
        v[n].fen = r->project->has_completed_investment_fen ? r->project->completed_investment_fen
                                                             : 0;
        v[n].n = 1;
        v[n].miss = !r->project->has_completed_investment_fen;
        n++;
    }
    qsort(v, n, sizeof *v, vsum_key_cmp);
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && vsum_key_cmp(&v[m - 1], &v[i]) == 0) {
            v[m - 1].fen += v[i].fen;
            v[m - 1].n++;
            v[m - 1].miss += v[i].miss;
        } else {
            v[m++] = v[i];
        }
    }
    if (m == 0) {
        free(v);
        return;
    }
    qsort(v, m, sizeof *v, vsum_fen_cmp);
    rs_render_para(d, "按村（社区）汇总的项目完成投资（前%zu个）：",
                   m < TOP_VILLAGES ? m : (size_t)TOP_VILLAGES);
    rs_render_tbl_init_kind(&t, "llrr", RS_TBL_VILLAGES);
    rs_render_tbl_row(&t, "乡镇/街道", "村（社区）", "项目数", "完成投资（万元）");
    for (size_t i = 0; i < m && i < TOP_VILLAGES; i++) {
        char c[16], w[MISS_TEXT_MAX];

        snprintf(c, sizeof c, "%u", v[i].n);
        rs_render_tbl_row(&t, town_name(d, v[i].div), v[i].village, c,
                          miss_wan(v[i].fen, v[i].miss, v[i].n, "", w, sizeof w));
    }
    rs_render_tbl_emit(d, &t);
    free(v);
}

static void training_tables(struct rs_render_ctx *d)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(d->res->ds, RS__RECORD__BODY_TRAINING);
    struct rs_render_tbl t, s;

    rs_render_tbl_init_kind(&t, "lllllrrrrr", RS_TBL_TRAINING);
    rs_render_tbl_row(&t, "乡镇/街道", "批次", "类型", "课程", "开始日期", "计划人次", "培训人次",
                      "考证人数", "考证率", "费用（万元）");
    rs_render_tbl_init_kind(&s, "llrrrr", RS_TBL_SELF_TRAINING);
    rs_render_tbl_row(&s, "乡镇/街道", "批次", "补助人数", "每人标准（元）", "补助总额（元）",
                      "人数×标准（元）");
    for (size_t i = 0; i < l->n; i++) {
        const Rs__Record *r = l->rec[i];
        const Rs__Training *tr;
        char a[16], b2[16], c[16], p[32], w[32], dt[11] = "";

        if (!in_scope(d, r))
            continue;
        tr = r->training;
        if (tr->has_type && tr->type == RS__TRAINING_TYPE__TRAIN_SELF) {
            char x[32] = "未填", y[32] = "未填", z[32] = "—";

            snprintf(a, sizeof a, tr->has_subsidy_persons ? "%u" : "未填", tr->subsidy_persons);
            if (tr->has_subsidy_per_person_fen)
                yuan(tr->subsidy_per_person_fen, x);
            if (tr->has_subsidy_total_fen)
                yuan(tr->subsidy_total_fen, y);
            if (tr->has_subsidy_per_person_fen && tr->has_subsidy_persons)
                yuan(tr->subsidy_per_person_fen * (int64_t)tr->subsidy_persons, z);
            rs_render_tbl_row(&s, town_name(d, r->division_code), str(tr->batch_id), a, x, y, z);
            rs_render_tbl_about(&s, rs_render_about_rec(r));
            continue;
        }
        if (tr->has_start_date)
            rs_date_format(tr->start_date, dt);
        snprintf(a, sizeof a, "%u", tr->trainees);
        if (tr->has_certified) {
            snprintf(b2, sizeof b2, "%u", tr->certified);
            pct(tr->certified, tr->trainees, p);
        } else {
            snprintf(b2, sizeof b2, "未填");
            snprintf(p, sizeof p, "—");
        }
        if (tr->has_planned_trainees)
            snprintf(c, sizeof c, "%u", tr->planned_trainees);
        else
            snprintf(c, sizeof c, "未填");
        if (tr->has_cost_fen)
            wan(tr->cost_fen, w);
        else
            snprintf(w, sizeof w, "未填");
        rs_render_tbl_row(&t, town_name(d, r->division_code), str(tr->batch_id), train_type(tr),
                          str(tr->course), dt, c, a, b2, p, w);
        rs_render_tbl_about(&t, rs_render_about_rec(r));
    }
    if (t.nrows > 1)
        rs_render_tbl_emit(d, &t);
    else
        rs_render_tbl_free(&t);
    if (s.nrows > 1) {
        rs_render_para(d, "自主培训补助：");
        rs_render_tbl_emit(d, &s);
    } else {
        rs_render_tbl_free(&s);
    }
}

/* ------------------------------------------------------------ township figures */

static void category_table(struct rs_render_ctx *d, const struct rs_eval_town *t)
{
    struct rs_render_tbl tb;
    char c[16], w1[MISS_TEXT_MAX], w2[MISS_TEXT_MAX], w3[MISS_TEXT_MAX];

    if (t->proj_n == 0)
        return;
    rs_render_tbl_init_kind(&tb, "lrlrrr", RS_TBL_CATEGORY);
    rs_render_tbl_row(&tb, "类别", "项目数", "规模", "计划投资（万元）", "完成投资（万元）",
                      "已支付（万元）");
    for (size_t k = 0; k < RS_EVAL_NCAT; k++) {
        const struct rs_eval_cat *cat = &t->cat[k];
        char q[160];

        if (!cat->count)
            continue;
        qty_text(cat, q, sizeof q);
        snprintf(c, sizeof c, "%u", cat->count);
        rs_render_tbl_row(&tb, rs_eval_cat_name(k), c, q,
                          miss_wan(cat->planned_fen, cat->planned_miss, cat->count, "", w1, sizeof w1),
                          miss_wan(cat->completed_fen, cat->completed_miss, cat->count, "", w2,
                                   sizeof w2),
                          miss_wan(cat->paid_fen, cat->paid_miss, cat->count, "", w3, sizeof w3));
    }
    snprintf(c, sizeof c, "%u", t->proj_n);
    rs_render_tbl_row(&tb, "合计", c, "",
                      miss_wan(t->proj_planned_fen, t->proj_planned_miss, t->proj_n, "", w1, sizeof w1),
                      miss_wan(t->proj_completed_fen, t->proj_completed_miss, t->proj_n, "", w2,
                               sizeof w2),
                      miss_wan(t->proj_paid_fen, t->proj_paid_miss, t->proj_n, "", w3, sizeof w3));
    rs_render_tbl_total(&tb);
    rs_render_tbl_emit(d, &tb);
}

/* "组织培训2期80人次，考证50人（另1期未填报考证人数），考证率…；自主培训补助…；
 * 培训投入资金…" (prefix first, funds_label before the funds): certified counts
 * only the batches that give it. */
static void training_text(struct rs_rbuf *p, const char *prefix, const char *funds_label,
                          const struct rs_eval_town *t)
{
    char w[MISS_TEXT_MAX], x[MISS_TEXT_MAX], r[32], y[32];

    rs_rbuf_printf(p, "%s%u期%u人次", prefix, t->tr_n, t->tr_trainees);
    if (t->tr_n == 0 || t->tr_cert_n == t->tr_n)
        rs_rbuf_printf(p, "，考证%u人，考证率%s", t->tr_certified,
                       pct(t->tr_certified, t->tr_cert_trainees, r));
    else if (t->tr_cert_n == 0)
        rs_rbuf_puts(p, "，考证人数未填报");
    else
        rs_rbuf_printf(p, "，考证%u人（另%u期未填报考证人数），考证率%s（只计填报考证人数的批次）",
                       t->tr_certified, t->tr_n - t->tr_cert_n,
                       pct(t->tr_certified, t->tr_cert_trainees, r));
    if (t->tr_self_n) {
        rs_rbuf_printf(p, "；自主培训补助%s", miss_count(t->tr_self_persons,
                                                        t->tr_self_persons_miss, t->tr_self_n,
                                                        "人", x, sizeof x));
        if (t->tr_self_paid_miss == t->tr_self_n)
            rs_rbuf_puts(p, "，发放金额未填报");
        else
            rs_rbuf_printf(p, "，发放%s元%s", yuan(t->tr_self_paid_fen, y),
                           t->tr_self_paid_miss ? "（另有未填报的批次）" : "");
    }
    rs_rbuf_printf(p, "；%s%s。", funds_label,
                   miss_wan(t->tr_cost_fen, t->tr_cost_miss, t->tr_n + t->tr_self_n, "万元", w,
                            sizeof w));
}

/* "（其中春节慰问…户…万元；…）。" after the relief sentence. */
static void relief_kinds(struct rs_rbuf *p, const struct rs_eval_town *t)
{
    char w[32];
    bool any = false;

    for (size_t k = 0; k < RS_EVAL_NRKIND; k++) {
        if (!t->rl_kind_households[k] && !t->rl_kind_fen[k])
            continue;
        rs_rbuf_printf(p, "%s%s%u户%s万元", any ? "；" : "（其中", rs_eval_rkind_name(k),
                       t->rl_kind_households[k], wan(t->rl_kind_fen[k], w));
        any = true;
    }
    rs_rbuf_puts(p, any ? "）。" : "。");
}

/* "信访：受理…件，…；到区以上上访…人。" */
static void petition_text(struct rs_rbuf *p, const struct rs_eval_town *t)
{
    char r[32];

    rs_rbuf_printf(p, "信访：受理%u件，办结%u件，重复件%u件，办结率%s；", t->pt_n, t->pt_closed,
                   t->pt_repeat, pct(t->pt_closed, (int64_t)t->pt_n - t->pt_repeat, r));
    if (t->pt_level_miss == t->pt_n)
        rs_rbuf_puts(p, "到区以上上访人数未填报（各件均未填报最高层级）");
    else if (t->pt_level_miss)
        rs_rbuf_printf(p, "到区以上上访%u人（另%u件未填报最高层级，未计入）", t->pt_above,
                       t->pt_level_miss);
    else
        rs_rbuf_printf(p, "到区以上上访%u人", t->pt_above);
    rs_rbuf_puts(p, "。");
}

/* "满意度调查：…次，有效样本…份，满意…份，…，满意度（含基本满意）…。"  The
 * answers are sums over every survey, so they and the rate built on them
 * are printed only when every survey gives all three; otherwise the
 * sentence says how many do not, and no 0份 or rate is made of them. */
static void survey_text(struct rs_rbuf *p, const struct rs_eval_town *t)
{
    char r[32];

    rs_rbuf_printf(p, "满意度调查：%u次，有效样本%u份", t->sv_n, t->sv_valid);
    if (t->sv_answers_miss == t->sv_n)
        rs_rbuf_puts(p, "，满意、基本满意、不满意份数未填报，不计算满意度。");
    else if (t->sv_answers_miss)
        rs_rbuf_printf(p, "，另%u次调查未填报全部答案，满意、基本满意、不满意份数不全，"
                          "不计算满意度。",
                       t->sv_answers_miss);
    else
        rs_rbuf_printf(p, "，满意%u份，基本满意%u份，不满意%u份，满意度（含基本满意）%s。",
                       t->sv_satisfied, t->sv_basic, t->sv_dissatisfied,
                       pct((int64_t)t->sv_satisfied + t->sv_basic, t->sv_valid, r));
}

/* Relief, training (if with_training), petitions (always), subsidy and
 * surveys (if any); a register without records says so. */
static void town_lines(struct rs_render_ctx *d, const struct rs_eval_town *t, bool with_training)
{
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    char w[32];

    /* A register nobody entered is not a register of nothing: no 0户, 0件. */
    if (t->rl_n == 0) {
        rs_render_para(d, "救助：没有救助记录。");
    } else {
        rs_rbuf_printf(&p, "救助：受益移民%u户（不重复户数），救助资金%s万元", t->rl_households,
                       wan(t->rl_fen, w));
        if (t->rl_no_amount)
            rs_rbuf_printf(&p, "（另有%u条救助记录未填报金额，未计入）", t->rl_no_amount);
        relief_kinds(&p, t);
        rs_render_para_end(d, &p);
    }
    if (with_training && t->tr_n + t->tr_self_n == 0) {
        rs_render_para(d, "培训：没有培训记录。");
    } else if (with_training) {
        training_text(&p, "培训：组织培训", "培训投入资金", t);
        rs_render_para_end(d, &p);
    }
    if (t->pt_n == 0) {
        rs_render_para(d, "信访：没有信访记录。");
    } else {
        petition_text(&p, t);
        rs_render_para_end(d, &p);
    }
    if (t->sub_n) {
        char c1[64], w1[MISS_TEXT_MAX], x1[MISS_TEXT_MAX], ok[160];

        rs_rbuf_printf(&p, "直补资金：发放%u笔，发放人数%s，应发%s，实发%s，%s。",
                       t->sub_n,
                       miss_count(t->sub_persons, t->sub_persons_miss, t->sub_n, "人", c1,
                                  sizeof c1),
                       miss_wan(t->sub_due_fen, t->sub_due_miss, t->sub_n, "万元", w1, sizeof w1),
                       miss_wan(t->sub_paid_fen, t->sub_paid_miss, t->sub_n, "万元", x1,
                                sizeof x1),
                       sub_ok_text(t, ok, sizeof ok));
        rs_render_para_end(d, &p);
    }
    if (t->sv_n) {
        survey_text(&p, t);
        rs_render_para_end(d, &p);
    }
}

static void towns_section(struct rs_render_ctx *d, int level)
{
    const struct rs_eval_result *res = d->res;

    if (res->ntowns == 0) {
        rs_render_para(d, "（本年度没有乡镇/街道报送的记录。）");
        return;
    }
    rs_render_chart(d, RS_CHART_TOWNS);
    for (size_t i = 0; i < res->ntowns; i++) {
        const struct rs_eval_town *t = &res->towns[i];

        if (strcmp(t->name, t->code) == 0)
            rs_render_heading(d, level, "%s", t->code[0] ? t->code : "（未注明区划）");
        else
            rs_render_heading(d, level, "%s（%s）", t->name, t->code);
        if (t->proj_n) {
            char w[MISS_TEXT_MAX], dn[96];

            rs_render_para(d, "后扶项目%u个，完成投资%s，%s：", t->proj_n,
                           miss_wan(t->proj_completed_fen, t->proj_completed_miss, t->proj_n,
                                    "万元", w, sizeof w),
                           done_text(t, dn, sizeof dn));
            category_table(d, t);
        } else {
            rs_render_para(d, "后扶项目：无。");
        }
        town_lines(d, t, true);
    }
}

/* ------------------------------------------------------------ findings */

static void findings_table(struct rs_render_ctx *d)
{
    const struct rs_eval_result *res = d->res;
    size_t ne = 0, nw = 0, nn = 0;
    struct rs_render_tbl t;

    for (size_t i = 0; i < res->nfindings; i++) {
        ne += res->findings[i].sev == RS_SEV_ERROR;
        nw += res->findings[i].sev == RS_SEV_WARNING;
        nn += res->findings[i].sev == RS_SEV_NOTE;
    }
    if (res->nfindings == 0) {
        rs_render_para(d, "一致性核查未发现问题。");
        return;
    }
    rs_render_para(d, "一致性核查共发现%zu项：错误%zu项，警告%zu项，提示%zu项%s。", res->nfindings,
                   ne, nw, nn, res->findings_dropped ? "（另有超出上限未列出的若干项）" : "");
    rs_render_tbl_init_kind(&t, "rlllll", RS_TBL_FINDINGS);
    rs_render_tbl_row(&t, "序号", "级别", "核查内容", "记录为", "所载/发现", "位置");
    for (size_t i = 0; i < res->nfindings; i++) {
        const struct rs_eval_finding *f = &res->findings[i];
        char n[24], where[RS_EVAL_NAME_MAX + 4 + sizeof f->where];

        snprintf(n, sizeof n, "%zu", i + 1);
        if (f->division[0])
            snprintf(where, sizeof where, "%s：%s", town_name(d, f->division), f->where);
        else
            snprintf(where, sizeof where, "%s", f->where);
        rs_render_tbl_row(&t, n, rs_eval_sev_label(f->sev), f->check, f->expected, f->found, where);
        rs_render_tbl_about(&t, rs_render_about_finding(i));
    }
    rs_render_tbl_emit(d, &t);
}

/* Every catalogue formula, scored by the framework or not. */
static void formulas_table(struct rs_render_ctx *d)
{
    const struct rs_eval_result *res = d->res;
    struct rs_render_tbl t;

    rs_render_para(d, "下表列出全部公式按记录计算的结果（含评分框架未计分的公式），无法计算的注明原因：");
    rs_render_tbl_init_kind(&t, "lllll", RS_TBL_FORMULAS);
    rs_render_tbl_row(&t, "公式", "指标", "计算值", "计算依据", "计入评分");
    for (size_t i = 0; i < res->nfx; i++) {
        const struct rs_eval_item *it = &res->fx[i];
        struct rs_rbuf basis = {NULL, 0, 0, RS_OK};
        char v[48];
        bool scored = false;

        for (size_t k = 0; k < res->nitems; k++)
            scored = scored || res->items[k].fi == it->fi;
        rs_eval_item_value(it, v);
        if (it->state != RS_EVAL_OK)
            rs_rbuf_puts(&basis, it->reason);
        for (size_t k = 0; k < it->ninputs; k++)
            rs_rbuf_printf(&basis, "%s%s%s", k || it->state != RS_EVAL_OK ? "；" : "",
                           it->in[k].label, it->in[k].value);
        if (basis.err && !d->b->err)
            d->b->err = basis.err;
        rs_render_tbl_row(&t, it->fi->code, it->fi->name, v, basis.p ? basis.p : "",
                          scored ? "是" : "否");
        free(basis.p);
    }
    rs_render_tbl_emit(d, &t);
}

static bool has_finding(const struct rs_eval_result *res, const char *prefix)
{
    for (size_t i = 0; i < res->nfindings; i++) {
        if (res->findings[i].sev != RS_SEV_NOTE &&
            strncmp(res->findings[i].code, prefix, strlen(prefix)) == 0)
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ sections */

static void sec_unit(struct rs_render_ctx *d)
{
    const struct rs_eval_unit *u = &d->res->unit;
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};

    rs_render_heading(d, 2, "一、单位基本情况");
    if (u->profile) {
        const Rs__UnitProfile *pr = u->profile->unit_profile;

        if (pr->admin_level && pr->admin_level[0])
            rs_rbuf_printf(&p, "本单位为%s单位。", pr->admin_level);
        if (pr->funding && pr->funding[0])
            rs_rbuf_printf(&p, "%s。", pr->funding);
        if (pr->accounting && pr->accounting[0])
            rs_rbuf_printf(&p, "财务核算适用%s。", pr->accounting);
        if (pr->disclosure && pr->disclosure[0])
            rs_rbuf_printf(&p, "预决算在%s公开披露。", pr->disclosure);
        if (pr->departments && pr->departments[0]) {
            size_t n = 1;

            for (const char *q = pr->departments; (q = strstr(q, "、")) != NULL; q += 3)
                n++;
            rs_rbuf_printf(&p, "内设机构%zu个：%s。", n, pr->departments);
        }
    } else {
        rs_rbuf_puts(&p, "（未录入单位概况记录。）");
    }
    if (u->staff.any) {
        /* Each category that is given; a total only as stated or as the sum
         * of all of them; the quota compared only when both are given. */
        const struct rs_eval_staff *st = &u->staff;
        struct rs_eval_amt total = st->stated_total;
        static const char *const names[] = {"在职", "离休", "退休", "临聘"};
        const struct rs_eval_amt *cats[] = {&st->in_service, &st->veteran_retired, &st->retired,
                                            &st->temporary};
        bool first = true;

        if (!total.has && st->in_service.has && st->veteran_retired.has && st->retired.has &&
            st->temporary.has) {
            total.has = true;
            total.v = st->in_service.v + st->veteran_retired.v + st->retired.v + st->temporary.v;
        }
        bool any = total.has;

        for (size_t k = 0; k < 4; k++)
            any = any || cats[k]->has;
        rs_rbuf_printf(&p, "%u年", d->res->year);
        if (total.has)
            rs_rbuf_printf(&p, "人员总计%" PRId64 "人", total.v);
        /* 在职 and 退休, which every unit reports, say 未填报 when empty;
         * 离休 and 临聘 appear only when given (0 included). */
        for (size_t k = 0; any && k < 4; k++) {
            const char *sep = first ? (total.has ? "，其中" : "") : "，";

            if (cats[k]->has)
                rs_rbuf_printf(&p, "%s%s%" PRId64 "人", sep, names[k], cats[k]->v);
            else if (k == 0 || k == 2)
                rs_rbuf_printf(&p, "%s%s人数未填报", sep, names[k]);
            else
                continue;
            first = false;
        }
        if (!any)
            rs_rbuf_puts(&p, "各类人员数均未填报");
        if (u->nsub)
            rs_rbuf_printf(&p, "（%s%zu个二级单位）", u->staffing ? "另有" : "合计", u->nsub);
        if (st->establishment.has) {
            rs_rbuf_printf(&p, "；编制数%" PRId64 "人", st->establishment.v);
            if (st->in_service.has)
                rs_rbuf_printf(&p, "，在职人员数%s编制核定数",
                               st->in_service.v < st->establishment.v    ? "少于"
                               : st->in_service.v == st->establishment.v ? "等于"
                                                                         : "多于");
        } else {
            rs_rbuf_puts(&p, "；编制数未填报");
        }
        rs_rbuf_puts(&p, "。");
    } else {
        rs_rbuf_puts(&p, "（未录入人员编制记录。）");
    }
    rs_render_para_end(d, &p);
    if (u->profile && u->profile->unit_profile->functions &&
        u->profile->unit_profile->functions[0]) {
        const char *f = u->profile->unit_profile->functions;
        size_t n = 0;

        rs_render_para(d, "单位基本职能职责如下：");
        while (*f) {
            const char *e = strchr(f, '\n');
            const char *end = e ? e : f + strlen(f);
            const char *t = f;

            if (end > f && end[-1] == '\r')
                end--;
            /* Drop the clerk's own numbering ("1、", "1."). */
            while (t < end && *t >= '0' && *t <= '9')
                t++;
            if (t != f && end - t >= 3 && strncmp(t, "、", 3) == 0)
                t += 3;
            else if (t != f && t < end && *t == '.')
                t++;
            else
                t = f;
            while (t < end && *t == ' ')
                t++;
            /* A line is printed whole, however long (a text field holds up
             * to RS_MAX_TEXT_BYTES). */
            if (end > f)
                rs_render_item(d, ++n, "%.*s", (int)(end - t), t);
            f = e ? e + 1 : end;
        }
        rs_render_list_end(d);
    }
}

/* "，较年初增加668.41万元（其中上级转移支付...）" when both figures are
 * given; nothing otherwise (no change is invented from an absent budget). */
static void change_text(struct rs_rbuf *p, const struct rs_eval_line *l)
{
    int64_t dlt = l->final.v - l->year_start.v;
    char w[32], c[40];

    if (l->year_start.has && l->final.has) {
        if (dlt == 0) {
            rs_rbuf_puts(p, "，与年初预算持平");
        } else {
            rs_rbuf_printf(p, "，较年初%s%s", dlt < 0 ? "减少" : "增加",
                           rs_money_text(dlt < 0 ? -dlt : dlt, c));
            if (l->transfer.has && l->transfer.v)
                rs_rbuf_printf(p, "（其中上级转移支付%s万元）", wan(l->transfer.v, w));
        }
    }
    if (l->final.has && l->prev_final.has) {
        int64_t dp = l->final.v - l->prev_final.v;
        char r[32];

        if (dp == 0)
            rs_rbuf_puts(p, "，与上年决算持平");
        else
            rs_rbuf_printf(p, "，较上年决算%s%s%s%s%s", dp < 0 ? "减少" : "增加",
                           rs_money_text(dp < 0 ? -dp : dp, c), l->prev_final.v > 0 ? "（" : "",
                           l->prev_final.v > 0 ? pct(dp < 0 ? -dp : dp, l->prev_final.v, r) : "",
                           l->prev_final.v > 0 ? "）" : "");
    }
    if (l->rec->budget_line->change_reason && l->rec->budget_line->change_reason[0] &&
        l->year_start.has && l->final.has)
        rs_rbuf_printf(p, "，原因是%s", l->rec->budget_line->change_reason);
}

/* True if the line has a record and gives no figure but zeros. */
static bool line_zero(const struct rs_eval_line *l)
{
    return l->year_start.has && l->final.has && l->adjusted.has && !l->year_start.v &&
           !l->final.v && !l->adjusted.v;
}

/* One line's sentence: "...年初项目支出预算48.00万元，决算数716.41万元，较年初增加...";
 * a figure not given is not printed, and a line with none says so. */
static void line_para(struct rs_render_ctx *d, size_t k, const char *none)
{
    const struct rs_eval_line *l = &d->res->unit.line[k];
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    char a[32];
    const char *name = k == RS_EVAL_LINE_TOTAL ? "全部" : rs_eval_line_name(k);
    bool any = false;

    if (!l->rec || line_zero(l)) {
        rs_render_para(d, "%u年%s", d->res->year, none);
        return;
    }
    rs_render_about(d, rs_render_about_rec(l->rec));
    if (l->year_start.has) {
        rs_rbuf_printf(&p, "%u年初%s预算%s万元", d->res->year, name, wan(l->year_start.v, a));
        any = true;
    }
    if (l->addition.has) {
        rs_rbuf_printf(&p, "%s本年追加预算%s万元", any ? "，" : "", wan(l->addition.v, a));
        any = true;
    }
    if (l->adjusted_given && (!l->year_start.has || l->adjusted.v != l->year_start.v)) {
        rs_rbuf_printf(&p, "%s%s预算%s万元", any ? "，" : "", l->addition.has ? "全年" : "调整后",
                       wan(l->adjusted.v, a));
        any = true;
    }
    if (l->final.has) {
        rs_rbuf_printf(&p, "%s%u年%s决算数%s万元", any ? "；" : "", d->res->year, name,
                       wan(l->final.v, a));
        any = true;
    }
    if (!any) {
        rs_render_para(d, "%u年%s：预算数和决算数均未填报。", d->res->year,
                       rs_eval_line_name(k));
        return;
    }
    change_text(&p, l);
    rs_rbuf_puts(&p, "。");
    rs_render_para_end(d, &p);
}

/* "人员经费140.93万元" or nothing, for a given amount. */
static void part_amt(struct rs_rbuf *p, bool *first, const char *sep, const char *what,
                     struct rs_eval_amt a)
{
    char w[32];

    if (!a.has)
        return;
    rs_rbuf_printf(p, "%s%s%s万元", *first ? "" : sep, what, wan(a.v, w));
    *first = false;
}

static void sec_budget(struct rs_render_ctx *d)
{
    const struct rs_eval_unit *u = &d->res->unit;
    const struct rs_eval_line *pe = &u->line[RS__BUDGET_LINE_KIND__LINE_PERSONNEL];
    const struct rs_eval_line *pu = &u->line[RS__BUDGET_LINE_KIND__LINE_PUBLIC];
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    char a[32], b[32], c[32];
    uint32_t y = d->res->year;

    rs_render_heading(d, 2, "二、一般公共预算支出情况");
    if (u->line[RS_EVAL_LINE_TOTAL].rec) {
        rs_render_para(d, "整体支出（预算合计）：");
        line_para(d, RS_EVAL_LINE_TOTAL, "没有整体支出。");
    }
    rs_render_heading(d, 3, "（一）基本支出情况");
    if (!pe->rec && !pu->rec) {
        rs_render_para(d, "（未录入人员经费、公用经费预算行。）");
    } else {
        bool first = true;

        /* The year-start budget, where it is given. */
        if (u->basic_ys.has) {
            rs_rbuf_printf(&p, "%u年初基本支出预算%s万元，其中：人员经费%s万元；公用经费%s万元。",
                           y, wan(u->basic_ys.v, a), wan(pe->year_start.v, b),
                           wan(pu->year_start.v, c));
        } else if (pe->year_start.has || pu->year_start.has) {
            rs_rbuf_printf(&p, "%u年初", y);
            part_amt(&p, &first, "；", "人员经费预算", pe->year_start);
            part_amt(&p, &first, "；", "公用经费预算", pu->year_start);
            rs_rbuf_puts(&p, "。");
        }
        if (u->basic_adj.has && u->basic_ys.has && u->basic_adj.v != u->basic_ys.v)
            rs_rbuf_printf(&p, "调整后基本支出预算%s万元。", wan(u->basic_adj.v, a));
        first = true;
        if (u->basic_final.has) {
            rs_rbuf_printf(&p, "%u年基本支出决算数%s万元", y, wan(u->basic_final.v, a));
            first = false;
        } else if (pe->final.has || pu->final.has) {
            rs_rbuf_printf(&p, "%u年", y);
        }
        if (pe->rec && pe->final.has) {
            rs_rbuf_printf(&p, "%s人员经费%s万元", first ? "" : "，其中", wan(pe->final.v, a));
            change_text(&p, pe);
            first = false;
        }
        if (pu->rec && pu->final.has) {
            rs_rbuf_printf(&p, "%s公用经费%s万元", first ? "" : "；", wan(pu->final.v, a));
            change_text(&p, pu);
            first = false;
        }
        if (!first)
            rs_rbuf_puts(&p, "。");
        if (p.len == 0)
            rs_rbuf_puts(&p, "人员经费、公用经费的预算数和决算数均未填报。");
        rs_render_para_end(d, &p);
    }
    rs_render_heading(d, 3, "（二）项目支出情况");
    line_para(d, RS__BUDGET_LINE_KIND__LINE_PROJECT, "没有项目支出。");
    rs_render_heading(d, 2, "三、政府性基金预算支出情况");
    line_para(d, RS__BUDGET_LINE_KIND__LINE_GOV_FUND, "没有政府性基金预算支出。");
    rs_render_heading(d, 2, "四、国有资本经营预算支出情况");
    line_para(d, RS__BUDGET_LINE_KIND__LINE_STATE_CAPITAL, "没有国有资本经营预算支出。");
    rs_render_heading(d, 2, "五、社会保险基金预算支出情况");
    line_para(d, RS__BUDGET_LINE_KIND__LINE_SOCIAL_INSURANCE, "没有社会保险基金预算支出。");
}

/* "（数据来源：...；...）" from the inputs' sources that are known. */
static void item_sources(struct rs_rbuf *p, const struct rs_eval_item *it)
{
    size_t shown = 0;

    for (size_t k = 0; k < it->ninputs; k++) {
        bool seen = false;

        if (!it->in[k].source[0])
            continue;
        for (size_t j = 0; j < k; j++)
            seen = seen || strcmp(it->in[j].source, it->in[k].source) == 0;
        if (!seen)
            rs_rbuf_printf(p, "%s%s", shown++ ? "；" : "（数据来源：", it->in[k].source);
    }
    if (shown)
        rs_rbuf_puts(p, "）");
}

static void item_para(struct rs_render_ctx *d, size_t n, const struct rs_eval_item *it)
{
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    char v[48], s[32], pts[32];
    const char *just = it->manual ? it->manual->manual_score->justification : NULL;

    rs_eval_item_value(it, v);
    milli(it->score_milli, s);
    milli(it->ind->points_milli, pts);
    rs_render_about(d, rs_render_about_ind(it->ind));
    if (it->state != RS_EVAL_OK) {
        rs_rbuf_printf(&p, "%zu. %s：无法计算（%.*s），得0分（满分%s分）。", n, it->ind->name,
                       unstop_len(nc_reason(it)), nc_reason(it), pts);
        if (it->ninputs) {
            rs_rbuf_puts(&p, "相关数据：");
            for (size_t k = 0; k < it->ninputs; k++)
                rs_rbuf_printf(&p, "%s%s%s", k ? "，" : "", it->in[k].label, it->in[k].value);
            item_sources(&p, it);
            rs_rbuf_puts(&p, "。");
        }
    } else if (it->ind->rule == RS_RULE_MANUAL) {
        rs_rbuf_printf(&p, "%zu. %s：评审评分，得%s分（满分%s分）", n, it->ind->name, s, pts);
        item_sources(&p, it);
        rs_rbuf_puts(&p, "。");
    } else {
        rs_rbuf_printf(&p, "%zu. %s：%s（目标%s），得%s分（满分%s分）。%s", n, it->ind->name, v,
                       it->ind->target, s, pts, it->fi->definition);
        if (it->ninputs) {
            rs_rbuf_puts(&p, "，其中");
            for (size_t k = 0; k < it->ninputs; k++)
                rs_rbuf_printf(&p, "%s%s%s", k ? "，" : "", it->in[k].label, it->in[k].value);
            item_sources(&p, it);
        }
        rs_rbuf_puts(&p, "。");
        if (it->score_milli < it->ind->points_milli && it->reason[0])
            rs_rbuf_printf(&p, "失分原因：%.*s。", unstop_len(it->reason), it->reason);
    }
    if (just && just[0])
        rs_rbuf_printf(&p, "评审说明：%.*s。", unstop_len(just), just);
    rs_render_para_end(d, &p);
}

/* "2019.15万元", or "未填报" for an amount not given. */
static const char *amt_text(struct rs_eval_amt a, char out[32])
{
    if (!a.has) {
        snprintf(out, 32, "未填报");
        return out;
    }
    rs_money_wan(a.v, out);
    out[25] = '\0';
    strcat(out, "万元");
    return out;
}

/* A cell of 万元, or "未填" for a figure not given. */
static const char *amt_cell(struct rs_eval_amt a, char out[32])
{
    if (!a.has) {
        snprintf(out, 32, "未填");
        return out;
    }
    return wan(a.v, out);
}

/* The 合计 row's 调整后预算: the total, "未填" when not given, and when it
 * counts part lines that give none as their year-start budget (as the
 * evaluation does) "2024.87（2行未填调整后预算，按年初预算计）". */
static void tot_adjusted_cell(const struct rs_eval_unit *u, char *out, size_t cap)
{
    const struct rs_eval_line *tl = &u->line[RS_EVAL_LINE_TOTAL];
    uint32_t miss = rs_report_adj_missing(u);
    char w[32];

    amt_cell(u->adj_total, w);
    if (u->adj_total.has && miss && !(tl->rec && tl->adjusted_given))
        snprintf(out, cap, "%s（%u行未填调整后预算，按年初预算计）", w, miss);
    else
        snprintf(out, cap, "%s", w);
}

/* One row of the budget table (the header when l is NULL).  The 调整后预算
 * cell is adj when given (the 合计 row's), else the line's own figure, 未填
 * when the line does not give it (the evaluation reads it as the year-start
 * budget, but nobody entered it). */
static void budget_row(struct rs_render_tbl *tb, const char *name, const struct rs_eval_line *l,
                       const char *adj, bool add_col, bool prev_col)
{
    char c[8][32];
    const char *v[8];
    size_t n = 0;

    v[n++] = name;
    if (!l) {
        v[n++] = "年初预算（万元）";
        if (add_col)
            v[n++] = "本年追加（万元）";
        v[n++] = "调整后预算（万元）";
        v[n++] = "决算（万元）";
        v[n++] = "增减（万元）";
        v[n++] = "上级转移支付（万元）";
        if (prev_col)
            v[n++] = "上年决算（万元）";
    } else {
        struct rs_eval_amt dl = {l->final.v - l->year_start.v,
                                 l->final.has && l->year_start.has};
        v[n] = amt_cell(l->year_start, c[n]);
        n++;
        if (add_col) {
            v[n] = amt_cell(l->addition, c[n]);
            n++;
        }
        if (adj)
            v[n] = adj;
        else if (l->adjusted_given)
            v[n] = amt_cell(l->adjusted, c[n]);
        else
            v[n] = "未填";
        n++;
        v[n] = amt_cell(l->final, c[n]);
        n++;
        v[n] = amt_cell(dl, c[n]);
        n++;
        v[n] = amt_cell(l->transfer, c[n]);
        n++;
        if (prev_col) {
            v[n] = amt_cell(l->prev_final, c[n]);
            n++;
        }
    }
    rs_render_tbl_rowv(tb, v, n);
}

static void data_section(struct rs_render_ctx *d, int level)
{
    const struct rs_eval_result *res = d->res;
    const struct rs_eval_unit *u = &res->unit;
    const struct rs_eval_town *t = &res->total;
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    char a[32], b[32], r[32];
    struct rs_render_tbl tb;

    rs_render_heading(d, level + 1, "1. 预算执行");
    if (u->nlines || u->line[RS_EVAL_LINE_TOTAL].rec) {
        bool add_col = false, prev_col = false;
        static const char *const with[4] = {"lrrrrr", "lrrrrrr", "lrrrrrr", "lrrrrrrr"};

        for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
            add_col = add_col || u->line[k].addition.has;
            prev_col = prev_col || u->line[k].prev_final.has;
        }
        rs_render_tbl_init_kind(&tb, with[add_col + 2 * prev_col], RS_TBL_BUDGET);
        budget_row(&tb, "预算行", NULL, NULL, add_col, prev_col);
        for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
            if (u->line[k].rec && (k != RS_EVAL_LINE_TOTAL || !u->nlines)) {
                budget_row(&tb, rs_eval_line_name(k), &u->line[k], NULL, add_col, prev_col);
                rs_render_tbl_about(&tb, rs_render_about_rec(u->line[k].rec));
            }
        }
        if (u->nlines) {
            struct rs_eval_line tot;
            char adj[96];

            memset(&tot, 0, sizeof tot);
            tot.year_start = u->ys_total;
            tot.adjusted = u->adj_total;
            tot.final = u->final_total;
            tot.transfer = u->transfer_total;
            tot.addition = u->line[RS_EVAL_LINE_TOTAL].addition;
            tot.prev_final = u->line[RS_EVAL_LINE_TOTAL].prev_final;
            tot_adjusted_cell(u, adj, sizeof adj);
            if (!rs_report_transfer_given(u))
                tot.transfer.has = false;
            budget_row(&tb, "合计", &tot, adj, add_col, prev_col);
            rs_render_tbl_total(&tb);
        }
        rs_render_tbl_emit(d, &tb);
        rs_render_chart(d, RS_CHART_BUDGET);
        if (u->adj_total.has && u->final_total.has)
            rs_render_para(d, "全年预算数（调整后预算合计）%s万元，预算执行数（决算数合计）%s万元，"
                           "预算执行率%s。",
                           wan(u->adj_total.v, a), wan(u->final_total.v, b),
                           pct(u->final_total.v, u->adj_total.v, r));
        else if (u->final_total.has)
            rs_render_para(d, "预算执行数（决算数合计）%s万元；全年预算数未填报，不计算预算执行率。",
                           wan(u->final_total.v, b));
        else
            rs_render_para(d, "决算数未填报（或部分预算行未填报），不计算预算执行率。");
    } else {
        rs_render_para(d, "（未录入预算行记录。）");
    }
    rs_render_heading(d, level + 1, "2. “三公”经费与政府采购");
    if (u->nsg || u->sg[RS_EVAL_SG_TOTAL].rec) {
        bool first = true;

        rs_rbuf_printf(&p, "“三公”经费预算%s，实际支出%s", amt_text(u->sg_budget, a),
                       amt_text(u->sg_final, b));
        for (size_t k = 1; k < RS_EVAL_SG_TOTAL; k++) {
            if (!u->sg[k].rec)
                continue;
            rs_rbuf_printf(&p, "%s%s支出%s", first ? "，其中：" : "，", rs_eval_sangong_name(k),
                           amt_text(u->sg[k].final, a));
            first = false;
        }
        rs_rbuf_puts(&p, "。");
        /* Last year's figures, each only where it is given. */
        if (u->sg_prev_budget.has && u->sg_prev_final.has)
            rs_rbuf_printf(&p, "上年“三公”经费预算%s，决算%s。", amt_text(u->sg_prev_budget, a),
                           amt_text(u->sg_prev_final, b));
        else if (u->sg_prev_budget.has || u->sg_prev_final.has)
            rs_rbuf_printf(&p, "上年“三公”经费%s%s。", u->sg_prev_budget.has ? "预算" : "决算",
                           amt_text(u->sg_prev_budget.has ? u->sg_prev_budget : u->sg_prev_final,
                                    a));
        rs_render_para_end(d, &p);
    } else {
        rs_render_para(d, "（未录入“三公”经费记录。）");
    }
    if (u->procurement) {
        const Rs__Procurement *pr = u->procurement->procurement;
        struct rs_eval_amt pb = {pr->budget_fen, pr->has_budget_fen};
        struct rs_eval_amt pa = {pr->actual_fen, pr->has_actual_fen};

        if (pb.has && pa.has)
            rs_render_para(d, "政府采购预算数%s万元，实际采购金额%s万元，政府采购执行率%s。",
                           wan(pb.v, a), wan(pa.v, b), pct(pa.v, pb.v, r));
        else
            rs_render_para(d, "政府采购预算数%s，实际采购金额%s。", amt_text(pb, a),
                           amt_text(pa, b));
    } else {
        rs_render_para(d, "（未录入政府采购记录。）");
    }
    rs_render_heading(d, level + 1, "3. 后扶项目");
    if (t->proj_n) {
        char pa[MISS_TEXT_MAX], pb[MISS_TEXT_MAX], pc[MISS_TEXT_MAX], dn[96], ot[64], tail[200];

        if (t->proj_stage_miss == t->proj_n)
            done_text(t, tail, sizeof tail);
        else
            snprintf(tail, sizeof tail, "%s，按期完工%s，验收合格%u个", done_text(t, dn, sizeof dn),
                     miss_count(t->proj_on_time, t->proj_no_dates, t->proj_completed, "个", ot,
                                sizeof ot),
                     t->proj_passed);
        rs_render_para(d, "全区共实施后扶项目%u个，计划投资%s，完成投资%s，已支付%s；%s。",
                       t->proj_n,
                       miss_wan(t->proj_planned_fen, t->proj_planned_miss, t->proj_n, "万元", pa,
                                sizeof pa),
                       miss_wan(t->proj_completed_fen, t->proj_completed_miss, t->proj_n, "万元",
                                pb, sizeof pb),
                       miss_wan(t->proj_paid_fen, t->proj_paid_miss, t->proj_n, "万元", pc,
                                sizeof pc),
                       tail);
        category_table(d, t);
        top_villages(d);
        top_projects(d);
    } else {
        rs_render_para(d, "（本年度没有后扶项目记录。）");
    }
    rs_render_heading(d, level + 1, "4. 移民培训");
    if (t->tr_n + t->tr_self_n == 0) {
        rs_render_para(d, "（本年度没有培训记录。）");
    } else {
        training_text(&p, "全年组织移民培训", "培训投入资金合计", t);
        rs_render_para_end(d, &p);
    }
    training_tables(d);
    rs_render_heading(d, level + 1, "5. 救助、直补、信访和满意度");
    town_lines(d, t, false);
}

static void score_table(struct rs_render_ctx *d)
{
    const struct rs_eval_result *res = d->res;
    struct rs_render_tbl t;
    char a[32], b[32];

    rs_render_tbl_init_kind(&t, "llrlrrl", RS_TBL_SCORES);
    rs_render_tbl_row(&t, "维度", "指标", "分值", "目标值", "实际值", "得分", "扣分原因");
    for (size_t i = 0; i < res->nitems; i++) {
        const struct rs_eval_item *it = &res->items[i];
        char v[48];

        rs_eval_item_value(it, v);
        rs_render_tbl_row(&t, it->ind->dimension, it->ind->name, milli(it->ind->points_milli, a),
                          it->ind->target, v, milli(it->score_milli, b),
                          it->score_milli < it->ind->points_milli ? it->reason : "");
        rs_render_tbl_about(&t, rs_render_about_ind(it->ind));
    }
    rs_render_tbl_row(&t, "合计", "", milli(res->fw->total_milli, a), "", "",
                      milli(res->total_milli, b), "");
    rs_render_tbl_total(&t);
    rs_render_tbl_emit(d, &t);
    if (res->grade) {
        rs_render_para(d, "自评得分%s分，等级：%s（优≥90分，良≥80分，中≥60分，差<60分）。",
                       milli(res->total_milli, a), res->grade);
    } else {
        char c[32];

        rs_render_para(d, "自评得分%s分（满分%s分）。评分框架%s只收录原表%s分中的%s分，"
                          "不评等级。",
                       milli(res->total_milli, a), milli(res->fw->total_milli, b),
                       res->fw->name, milli(res->fw->published_milli, c),
                       milli(res->fw->total_milli, b));
    }
}

static void sec_perf(struct rs_render_ctx *d)
{
    const struct rs_eval_result *res = d->res;
    const struct rs_framework *fw = res->fw;
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    const char *unit = res->unit.profile && res->unit.profile->unit_profile->unit_name
                           ? res->unit.profile->unit_profile->unit_name
                           : "本单位";
    char a[32], b[32], b2[32];
    size_t sub = 0;

    rs_render_heading(d, 2, "六、单位整体支出绩效情况");
    rs_rbuf_printf(&p, "%s从", unit);
    for (size_t k = 0; k < fw->ndims; k++)
        rs_rbuf_printf(&p, "%s%s", k == 0 ? "" : k + 1 == fw->ndims ? "和" : "、",
                       fw->dims[k].name);
    if (res->grade)
        rs_rbuf_printf(&p, "等方面，按评分框架%s对%u年整体支出绩效进行了评价，自评得分%s分，"
                           "等级为“%s”。具体情况如下：",
                       fw->name, res->year, milli(res->total_milli, a), res->grade);
    else
        rs_rbuf_printf(&p, "等方面，按评分框架%s对%u年整体支出绩效进行了评价，自评得分%s分"
                           "（满分%s分：该框架只收录原表%s分中的%s分，不评等级）。具体情况如下：",
                       fw->name, res->year, milli(res->total_milli, a),
                       milli(fw->total_milli, b), milli(fw->published_milli, b2),
                       milli(fw->total_milli, b));
    rs_render_para_end(d, &p);
    rs_render_chart(d, RS_CHART_DIMENSIONS);
    for (size_t k = 0; k < fw->ndims; k++) {
        size_t n = 0;

        rs_render_heading(d, 3, "（%s）%s方面（满分%s分，得分%s分）", cn_num(++sub), fw->dims[k].name,
                          milli(fw->dims[k].points_milli, a), milli(res->dim_score_milli[k], b));
        for (size_t i = 0; i < res->nitems; i++) {
            if (res->items[i].ind->dim == k)
                item_para(d, ++n, &res->items[i]);
        }
    }
    rs_render_heading(d, 3, "（%s）主要财务与业务数据", cn_num(++sub));
    data_section(d, 3);
    rs_render_heading(d, 3, "（%s）分乡镇（街道）情况", cn_num(++sub));
    towns_section(d, 4);
    rs_render_heading(d, 3, "（%s）评分表", cn_num(++sub));
    score_table(d);
}

static void sec_problems(struct rs_render_ctx *d)
{
    const struct rs_eval_result *res = d->res;
    size_t n = 0;

    rs_render_heading(d, 2, "七、存在的问题及原因分析");
    for (size_t i = 0; i < res->nitems; i++) {
        const struct rs_eval_item *it = &res->items[i];
        char a[32], b[32], c[32];

        if (it->score_milli >= it->ind->points_milli)
            continue;
        rs_render_about(d, rs_render_about_ind(it->ind));
        rs_render_item(d, ++n, "%s“%s”得%s分（满分%s分，失%s分）：%.*s。",
                       it->ind->dimension, it->ind->name, milli(it->score_milli, a),
                       milli(it->ind->points_milli, b),
                       milli(it->ind->points_milli - it->score_milli, c),
                       unstop_len(it->reason), it->reason);
    }
    for (size_t i = 0; i < res->nfindings; i++) {
        const struct rs_eval_finding *f = &res->findings[i];

        if (f->sev == RS_SEV_NOTE || strcmp(f->code, "indicator.not_computable") == 0)
            continue;
        rs_render_about(d, rs_render_about_finding(i));
        rs_render_item(d, ++n, "%s%s：记录为%s，所载/发现为%.*s。",
                       f->division[0] ? town_name(d, f->division) : "", f->check, f->expected,
                       unstop_len(f->found), f->found);
    }
    if (n == 0)
        rs_render_para(d, "未发现失分指标和数据不一致问题。");
    else
        rs_render_list_end(d);
}

static void sec_measures(struct rs_render_ctx *d)
{
    const struct rs_eval_result *res = d->res;
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    size_t n = 0, lost = 0;

    rs_render_heading(d, 2, "八、下一步改进措施");
    for (size_t i = 0; i < res->nitems; i++) {
        const struct rs_eval_item *it = &res->items[i];

        if (it->score_milli >= it->ind->points_milli)
            continue;
        rs_rbuf_printf(&p, "%s“%s”", lost ? "、" : "", it->ind->name);
        lost++;
    }
    if (lost) {
        char *names = p.p;

        rs_render_para(d, "（%s）针对失分指标逐项整改：对%s明确责任股室和完成时限，确保下年度达到目标值。",
                       cn_num(++n), names ? names : "");
        free(p.p);
        memset(&p, 0, sizeof p);
    }
    if (has_finding(res, "stated."))
        rs_render_para(d, "（%s）以报送记录为准核对报告中的每一个数字，更正与记录不一致的数字，报告中不再使用"
                       "“近”“余”“约”等约数。",
                       cn_num(++n));
    if (has_finding(res, "score."))
        rs_render_para(d, "（%s）按评分框架的评分标准逐项复核自评得分：每项得分以指标值为依据，指标值未填报或"
                       "无法计算的不计分；总分等于各项得分之和，等级按总分确定。",
                       cn_num(++n));
    if (has_finding(res, "budget."))
        rs_render_para(d, "（%s）加强预算编制和调整管理：全年预算数按调整后预算口径计算执行率；超过30%%的预算"
                       "调整须说明原因并列明上级转移支付。",
                       cn_num(++n));
    if (has_finding(res, "training.") || has_finding(res, "subsidy."))
        rs_render_para(d, "（%s）补助资金按人数和标准核发，发放前复核应发金额，发放后核对实发金额。",
                       cn_num(++n));
    if (has_finding(res, "project."))
        rs_render_para(d, "（%s）项目完工后及时组织验收，落实管护主体，控制投资不超计划。", cn_num(++n));
    rs_render_para(d, "（%s）督促各乡镇（街道）按时、完整报送项目、培训、救助、信访等记录，确保自评数据"
                   "准确。",
                   cn_num(++n));
}

static void sec_other(struct rs_render_ctx *d)
{
    const struct rs_eval_result *res = d->res;
    const char *disc = res->unit.profile && res->unit.profile->unit_profile->disclosure &&
                               res->unit.profile->unit_profile->disclosure[0]
                           ? res->unit.profile->unit_profile->disclosure
                           : NULL;

    rs_render_heading(d, 2, "九、单位整体支出绩效自评结果拟应用和公开情况");
    if (disc)
        rs_render_para(d, "自评结果用于改进下年度预算编制和项目安排，并按规定与部门决算一并在%s公开。",
                       disc);
    else
        rs_render_para(d, "自评结果用于改进下年度预算编制和项目安排，并按规定与部门决算一并公开"
                       "（未录入公开渠道）。");
    rs_render_heading(d, 2, "十、其他需要说明的情况");
    rs_render_heading(d, 3, "（一）数据一致性核查");
    findings_table(d);
    rs_render_heading(d, 3, "（二）全部公式计算结果");
    formulas_table(d);
    rs_render_heading(d, 3, "（三）评分依据");
    rs_render_para(d, "评分框架：%s.csv，SHA-256：%s；公式库：%s，SHA-256：%s%s%s%s%s。"
                   "本报告依据%u年度当前记录%zu条生成%s；"
                   "评分保留到0.001分，金额以万元保留两位小数、比率保留两位小数显示（四舍五入）。",
                   res->fw->name, res->fw->hash, res->fw->lib->name, res->fw->lib->hash,
                   res->fw->lib->checks_name[0] ? "；核查规则：" : "", res->fw->lib->checks_name,
                   res->fw->lib->checks_name[0] ? "，SHA-256：" : "", res->fw->lib->checks_hash,
                   res->year, res->nrecords,
                   res->ds->ignored ? "（另有记录不属于本年度或无法解码，未计入）" : "");
}

/* ------------------------------------------------------------ the reporting year */

/* Which issue of a closed year this is, and why it was re-issued. */
static void issue_para(struct rs_render_ctx *d)
{
    const struct rs_report_extra *x = d->x;
    const struct rs_report_issue *cur;
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};
    char day[11];

    if (!x || x->nissues == 0)
        return;
    cur = &x->issues[x->nissues - 1];
    rs_date_format(cur->issued_on, day);
    if (x->nissues == 1) {
        rs_rbuf_printf(&p, "本报告为%u年度结账时发布的报告（第%u版），由%s于%s发布；结账后本年度记录不再变动。",
                       d->res->year, cur->issue, cur->by, day);
    } else {
        rs_rbuf_printf(&p, "本报告为第%u版，由%s于%s重新发布；此前", cur->issue, cur->by, day);
        for (size_t i = 0; i + 1 < x->nissues; i++) {
            rs_date_format(x->issues[i].issued_on, day);
            rs_rbuf_printf(&p, "%s第%u版发布于%s", i ? "，" : "", x->issues[i].issue, day);
        }
        rs_rbuf_printf(&p, "。重新发布原因：%s。", cur->reason[0] ? cur->reason : "未说明");
    }
    rs_render_para_end(d, &p);
}

/* The accepted-only basis, when the report was made on it. */
static void accepted_para(struct rs_render_ctx *d)
{
    if (d->x && d->x->accepted_only)
        rs_render_para(d, "本报告仅计入审核通过的记录：乡镇（街道）报送的记录经中心审核通过后才计入，"
                       "待审核和被退回的记录不计入；中心自行录入的单位记录全部计入。");
}

static void township_doc(struct rs_render_ctx *d)
{
    const struct rs_eval_result *res = d->res;
    const struct rs_eval_town *t = res->ntowns ? &res->towns[0] : NULL;
    const char *name = t ? t->name : res->division;

    rs_render_heading(d, 1, "%u年度%s移民工作数据汇总", res->year, name);
    rs_render_para(d, "本汇总由 resettle 根据%s（%s）报送的%u年度当前记录%zu条生成，所有数字均由记录计算。",
                   name, res->division, res->year, res->nrecords);
    accepted_para(d);
    rs_render_heading(d, 2, "一、后扶项目");
    if (t && t->proj_n) {
        char a[MISS_TEXT_MAX], dn[96];

        rs_render_para(d, "后扶项目%u个，完成投资%s，%s：", t->proj_n,
                       miss_wan(t->proj_completed_fen, t->proj_completed_miss, t->proj_n, "万元",
                                a, sizeof a),
                       done_text(t, dn, sizeof dn));
        category_table(d, t);
        top_villages(d);
        top_projects(d);
    } else {
        rs_render_para(d, "（本年度没有后扶项目记录。）");
    }
    rs_render_heading(d, 2, "二、培训、救助、直补、信访和满意度");
    if (t)
        town_lines(d, t, true);
    training_tables(d);
    rs_render_heading(d, 2, "三、数据一致性核查");
    findings_table(d);
    if (d->x && d->x->board)
        rs_render_compl_section(d, d->x->board, 2, "四、报送完整性");
}

void rs_render_doc(const struct rs_eval_result *res, const struct rs_report_extra *x,
                   const struct rs_render_skin *skin, void *priv, struct rs_rbuf *b)
{
    struct rs_render_ctx d = {b, skin, priv, res, {RS_ABOUT_NONE, NULL, NULL, 0}, x};
    const char *unit = res->unit.profile && res->unit.profile->unit_profile->unit_name &&
                               res->unit.profile->unit_profile->unit_name[0]
                           ? res->unit.profile->unit_profile->unit_name
                           : "本单位";

    if (res->is_township) {
        township_doc(&d);
        return;
    }
    rs_render_heading(&d, 1, "%u年度%s整体支出绩效自评报告", res->year, unit);
    /* A report issued when the year was closed is no longer a draft. */
    if (x && x->nissues)
        rs_render_note(&d, "本报告由 resettle 根据%u年度结账时的当前记录%zu条生成，所有数字均由记录计算。"
                       "评分框架：%s（SHA-256 %s）。",
                       res->year, res->nrecords, res->fw->name, res->fw->hash);
    else
        rs_render_note(&d, "本报告为自评报告草稿，由 resettle 根据%u年度已报送的当前记录%zu条生成，所有数字"
                       "均由记录计算。评分框架：%s（SHA-256 %s）。",
                       res->year, res->nrecords, res->fw->name, res->fw->hash);
    issue_para(&d);
    accepted_para(&d);
    sec_unit(&d);
    sec_budget(&d);
    sec_perf(&d);
    sec_problems(&d);
    sec_measures(&d);
    sec_other(&d);
    if (x && x->board)
        rs_render_compl_section(&d, x->board, 2, "附件：报送完整性");
}

/*
 * rs_eval_stated.c - the figures a report states (StatedFigure records),
 * checked against what the records give.
 *
 * See rs_eval_steps.h.  A StatedFigure is a key ("budget.total",
 * "rate.execution", "village.modao", ...; docs/evaluation.md §6.1 lists
 * them) and the text a clerk would print ("2019.15万元", "近600人").  The
 * text is read as an exact decimal with its unit, approximation markers
 * (近 余 约 多 ...) noted and removed; the key names a figure of the
 * evaluation; the two are compared exactly, then at the stated precision
 * (a rounded figure is a note, a wrong one an error).  A stated budget
 * equal to the stated execution while the basic lines are under budget is
 * the 预算执行率 basis problem of the seed report, a warning of its own.
 *
 * Does not: change a figure, score, or trust a stated number for anything
 * but the comparison.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rs_eval_steps.h"
#include "rs_eval_text.h"
#include "rs_rtype.h"
#include "rs_util.h"

enum skind { SK_MONEY, SK_RATE, SK_COUNT };

struct stated {
    bool has_number;
    bool approx;
    char marker[16];             /* the first approximation marker seen */
    int64_t mant;                /* number = mant / 10^dec */
    int dec;
    enum skind unit_kind;
    bool has_unit;
    int64_t unit_fen;            /* money: fen per unit */
    char unit[16];               /* as written, markers removed */
};

static const char *const markers[] = {"大约", "左右", "上下", "以上", "近", "余", "约",
                                      "多",   "逾"};

static const struct {
    const char *text;
    enum skind kind;
    int64_t fen;
} units[] = {
    {"万元", SK_MONEY, 1000000}, {"亿元", SK_MONEY, 10000000000}, {"千元", SK_MONEY, 100000},
    {"元", SK_MONEY, 100},       {"%", SK_RATE, 0},               {"％", SK_RATE, 0},
    {"人次", SK_COUNT, 0},       {"人", SK_COUNT, 0},             {"户", SK_COUNT, 0},
    {"条", SK_COUNT, 0},         {"口", SK_COUNT, 0},             {"个", SK_COUNT, 0},
    {"件", SK_COUNT, 0},         {"次", SK_COUNT, 0},             {"份", SK_COUNT, 0},
    {"项", SK_COUNT, 0},         {"家", SK_COUNT, 0},
};

/* Removes every occurrence of every marker from s, noting the first. */
static void strip_markers(char *s, struct stated *st)
{
    for (size_t m = 0; m < sizeof markers / sizeof markers[0]; m++) {
        char *p;
        size_t k = strlen(markers[m]);

        while ((p = strstr(s, markers[m])) != NULL) {
            if (!st->approx) {
                st->approx = true;
                rs_eval_copy(st->marker, sizeof st->marker, markers[m]);
            }
            memmove(p, p + k, strlen(p + k) + 1);
        }
    }
}

static void parse_stated(const char *text, struct stated *st)
{
    char buf[128], rest[128];
    const char *p;
    size_t n;

    memset(st, 0, sizeof *st);
    rs_eval_copy(buf, sizeof buf, text ? text : "");
    strip_markers(buf, st);
    for (p = buf; *p && !(*p >= '0' && *p <= '9'); p++)
        ;
    if (!*p)
        return;
    st->mant = 0;
    for (; (*p >= '0' && *p <= '9') || *p == ','; p++) {
        if (*p == ',')
            continue;
        if (st->mant > INT64_MAX / 100)
            return;
        st->mant = st->mant * 10 + (*p - '0');
    }
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (st->dec == 6 || st->mant > INT64_MAX / 100)
                return;
            st->mant = st->mant * 10 + (*p - '0');
            st->dec++;
        }
    }
    st->has_number = true;
    while (*p == ' ')
        p++;
    rs_eval_copy(rest, sizeof rest, p);
    n = strlen(rest);
    while (n > 0 && (rest[n - 1] == ' ' || rest[n - 1] == '.'))
        rest[--n] = '\0';
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (strcmp(rest, units[u].text) == 0) {
            st->has_unit = true;
            st->unit_kind = units[u].kind;
            st->unit_fen = units[u].fen;
            rs_eval_copy(st->unit, sizeof st->unit, rest);
            return;
        }
    }
    if (n)
        rs_eval_copy(st->unit, sizeof st->unit, rest);
}

/* What the records give for a key: cn/cd in the key's kind (fen, rate, count). */
struct computed {
    bool known;                  /* the key is one we check */
    bool available;              /* the records needed exist */
    enum skind kind;
    rs_i128 cn, cd;
    const char *label;           /* what is compared */
    char basis[96];              /* where the figure comes from */
    char unit[16];               /* count unit for display */
};

/* Pinyin names of villages the district's stated keys use ("village.modao"):
 * the key names the village, the records name it in Chinese. */
static const struct {
    const char *pinyin, *hanzi;
} village_alias[] = {
    {"modao", "磨刀"},
    {"jianzhong", "建中"},
    {"caijia", "蔡家"},
    {"lianyunlu", "连云路"},
    {"fengshuling", "枫树岭"},
    {"xiawanlu", "夏万路"},
};

static void money(struct computed *c, bool available, int64_t fen, const char *label,
                  const char *basis)
{
    c->known = true;
    c->available = available;
    c->kind = SK_MONEY;
    c->cn = fen;
    c->cd = 1;
    c->label = label;
    rs_eval_copy(c->basis, sizeof c->basis, basis);
}

static void rate(struct computed *c, bool available, int64_t num, int64_t den, const char *label,
                 const char *basis)
{
    c->known = true;
    c->available = available && den > 0;
    c->kind = SK_RATE;
    c->cn = (rs_i128)num * 100;
    c->cd = den > 0 ? den : 1;
    c->label = label;
    rs_eval_copy(c->basis, sizeof c->basis, basis);
}

static void count(struct computed *c, bool available, int64_t n, const char *unit,
                  const char *label, const char *basis)
{
    c->known = true;
    c->available = available;
    c->kind = SK_COUNT;
    c->cn = n;
    c->cd = 1;
    c->label = label;
    rs_eval_copy(c->basis, sizeof c->basis, basis);
    rs_eval_copy(c->unit, sizeof c->unit, unit);
}

static int64_t village_sum(const struct rs_eval_result *res, const char *name, uint32_t *n)
{
    const struct rs_eval_list *projects = rs_eval_dataset_of(res->ds, RS__RECORD__BODY_PROJECT);
    int64_t sum = 0;

    *n = 0;
    for (size_t i = 0; i < projects->n; i++) {
        const Rs__Record *r = projects->rec[i];

        if (!r->project->village || !strstr(r->project->village, name))
            continue;
        sum += r->project->completed_investment_fen;
        (*n)++;
    }
    return sum;
}

static void lookup(const struct rs_eval_result *res, const char *key, struct computed *c)
{
    const struct rs_eval_unit *u = &res->unit;
    const struct rs_eval_town *t = &res->total;
    const Rs__Staffing *st = u->staffing ? u->staffing->staffing : NULL;
    const Rs__Procurement *pr = u->procurement ? u->procurement->procurement : NULL;
    char b[96];

    memset(c, 0, sizeof *c);
    RS_SF(b, "预算行记录%zu条", u->nlines);
    if (strcmp(key, "budget.total") == 0) {
        money(c, u->nlines > 0, u->adj_total, "全年预算数（各预算行调整后预算合计）", b);
    } else if (strcmp(key, "executed.total") == 0) {
        money(c, u->nlines > 0, u->final_total, "预算执行数（各预算行决算数合计）", b);
    } else if (strcmp(key, "rate.execution") == 0) {
        rate(c, u->nlines > 0, u->final_total, u->adj_total,
             "预算执行率（决算数合计÷调整后预算合计）", b);
    } else if (strcmp(key, "basic.year_start") == 0) {
        money(c, u->nlines > 0, u->basic_ys, "基本支出年初预算（人员经费+公用经费）", b);
    } else if (strcmp(key, "basic.final") == 0) {
        money(c, u->nlines > 0, u->basic_final, "基本支出决算数（人员经费+公用经费）", b);
    } else if (strcmp(key, "rate.staff_control") == 0) {
        rate(c, st && st->has_in_service && st->has_establishment, st ? st->in_service : 0,
             st ? st->establishment : 0, "在职人员控制率（在职人员数÷编制数）", "人员编制记录");
    } else if (strncmp(key, "staff.", 6) == 0) {
        const char *f = key + 6;
        const Rs__Staffing none = RS__STAFFING__INIT;
        const Rs__Staffing *s = st ? st : &none;

        if (strcmp(f, "total") == 0)
            count(c, st != NULL, (int64_t)s->in_service + s->retired + s->temporary, "人",
                  "人员总计（在职+退休+临聘）", "人员编制记录");
        else if (strcmp(f, "in_service") == 0)
            count(c, s->has_in_service, s->in_service, "人", "在职人员数", "人员编制记录");
        else if (strcmp(f, "retired") == 0)
            count(c, s->has_retired, s->retired, "人", "退休人员数", "人员编制记录");
        else if (strcmp(f, "establishment") == 0)
            count(c, s->has_establishment, s->establishment, "人", "编制数", "人员编制记录");
    } else if (strcmp(key, "rate.procurement") == 0) {
        rate(c, pr && pr->has_actual_fen, pr ? pr->actual_fen : 0, pr ? pr->budget_fen : 0,
             "政府采购执行率（实际采购金额÷采购预算数）", "政府采购记录");
    } else if (strcmp(key, "procurement.budget") == 0) {
        money(c, pr != NULL, pr ? pr->budget_fen : 0, "政府采购预算数", "政府采购记录");
    } else if (strcmp(key, "procurement.actual") == 0) {
        money(c, pr != NULL, pr ? pr->actual_fen : 0, "实际政府采购金额", "政府采购记录");
    } else if (strcmp(key, "training.person_times") == 0) {
        count(c, t->tr_n > 0, t->tr_trainees, "人次", "组织培训人次（自主培训除外）",
              RS_SF(b, "培训记录%u条", t->tr_n + t->tr_self_n));
    } else if (strcmp(key, "training.funds") == 0) {
        money(c, t->tr_n + t->tr_self_n > 0, t->tr_cost_fen, "培训投入资金（各批次费用合计）",
              RS_SF(b, "培训记录%u条", t->tr_n + t->tr_self_n));
    } else if (strcmp(key, "relief.households") == 0) {
        count(c, t->rl_n > 0, t->rl_households, "户", "受益移民户数（不重复户）",
              RS_SF(b, "救助记录%u条", t->rl_n));
    } else if (strcmp(key, "relief.funds") == 0) {
        money(c, t->rl_n > 0, t->rl_fen, "救助资金（各笔救助金额合计）",
              RS_SF(b, "救助记录%u条", t->rl_n));
    } else if (strcmp(key, "projects.total") == 0) {
        money(c, t->proj_n > 0, t->proj_completed_fen, "全年项目累计投入（完成投资合计）",
              RS_SF(b, "项目记录%u条", t->proj_n));
    } else if (strcmp(key, "petition.above_district") == 0) {
        count(c, t->pt_n > 0, t->pt_above, "人", "到区以上上访人数",
              RS_SF(b, "信访记录%u条", t->pt_n));
    } else if (strcmp(key, "sangong.total") == 0) {
        money(c, u->nsg > 0, u->sg_final, "“三公”经费实际支出（各项合计）",
              RS_SF(b, "“三公”经费记录%zu条", u->nsg));
    } else if (strcmp(key, "sangong.budget") == 0) {
        money(c, u->nsg > 0, u->sg_budget, "“三公”经费预算（各项合计）",
              RS_SF(b, "“三公”经费记录%zu条", u->nsg));
    } else if (strncmp(key, "village.", 8) == 0 && key[8]) {
        const char *name = key + 8;
        uint32_t n;
        int64_t sum;

        for (size_t i = 0; i < sizeof village_alias / sizeof village_alias[0]; i++) {
            if (strcmp(name, village_alias[i].pinyin) == 0)
                name = village_alias[i].hanzi;
        }
        sum = village_sum(res, name, &n);
        money(c, n > 0, sum, "该村项目完成投资合计",
              RS_SF(b, "村名含“%s”的项目记录%u条", name, n));
    } else if (strncmp(key, "line.", 5) == 0) {
        for (size_t k = 1; k < RS_EVAL_LINE_TOTAL; k++) {
            char slug[RS_ENUM_SLUG_MAX];
            size_t kl = strlen(rs_enum_slug(&rs__budget_line_kind__descriptor, (int)k, slug));
            const struct rs_eval_line *l = &u->line[k];
            const char *f = key + 5 + kl;

            if (strncmp(key + 5, slug, kl) != 0 || *f != '.')
                continue;
            f++;
            RS_SF(b, "%s预算行", rs_eval_line_name(k));
            if (strcmp(f, "year_start") == 0)
                money(c, l->rec != NULL, l->year_start, "该预算行年初预算数", b);
            else if (strcmp(f, "adjusted") == 0)
                money(c, l->rec != NULL, l->adjusted, "该预算行调整后预算数", b);
            else if (strcmp(f, "final") == 0)
                money(c, l->rec != NULL, l->final, "该预算行决算数", b);
        }
    }
}

/* Rounds cn/cd * 10^dec half away from zero. */
static rs_i128 round_at(rs_i128 cn, rs_i128 cd, int dec)
{
    rs_i128 a = cn, q;
    bool neg = a < 0;

    for (int i = 0; i < dec; i++)
        a *= 10;
    if (neg)
        a = -a;
    q = (a * 2 + cd) / (cd * 2);
    return neg ? -q : q;
}

/* The computed figure in the stated figure's unit, for display. */
static void show_computed(const struct computed *c, const struct stated *st, char out[64])
{
    char w[40], p[32];

    switch (c->kind) {
    case SK_MONEY:
        if (st->has_unit && st->unit_fen == 100)
            rs_eval_yuan((int64_t)c->cn, w);
        else
            rs_eval_wan((int64_t)c->cn, w);
        rs_eval_fmt(out, 64, "%s", w);
        return;
    case SK_RATE:
        rs_eval_pct((int64_t)c->cn, (int64_t)c->cd * 100, p);
        rs_eval_fmt(out, 64, "%s%%", p);
        return;
    case SK_COUNT:
        rs_eval_fmt(out, 64, "%" PRId64 "%s", (int64_t)c->cn, st->unit[0] ? st->unit : c->unit);
        return;
    }
}

/* The signed difference stated - computed, for money keys. */
static void show_gap(const struct computed *c, const struct stated *st, rs_i128 scn,
                     rs_i128 scd, char out[48])
{
    out[0] = '\0';
    if (c->kind == SK_MONEY) {
        /* stated fen = scn/scd; exact when the unit has no sub-fen digits. */
        rs_i128 d = scn / scd - c->cn;
        char w[40];

        if (scn % scd != 0)
            return;
        rs_eval_wan((int64_t)(d < 0 ? -d : d), w);
        rs_eval_fmt(out, 48, "，相差%s%s", d < 0 ? "-" : "+", w);
    } else if (c->kind == SK_COUNT && st->dec == 0) {
        rs_i128 d = scn - c->cn;

        rs_eval_fmt(out, 48, "，相差%s%" PRId64, d < 0 ? "-" : "+", (int64_t)(d < 0 ? -d : d));
    }
}

static rs_status check_stated_one(struct rs_eval_result *res, const Rs__Record *r)
{
    const Rs__StatedFigure *sf = r->stated_figure;
    const char *key = sf->key ? sf->key : "";
    const char *text = sf->text ? sf->text : "";
    struct stated st;
    struct computed c;
    char w[200], lab[96], e[160], f[160], cs[64], gap[48], chk[160];
    rs_i128 p10 = 1, scn, scd;
    enum skind kind;

    rs_eval_rec_label(r, lab, sizeof lab);
    lookup(res, key, &c);
    if (!c.known)
        return rs_eval_finding_add(res, RS_SEV_NOTE, "stated.unknown_key", "",
                                   "报告所载数字的键不在核对范围内",
                                   "已知的键（见docs/evaluation.md）",
                                   RS_SF(f, "%s = %s", key, text), lab);
    RS_SF(w, "%s；%s", lab, c.basis);
    parse_stated(text, &st);
    if (!st.has_number)
        return rs_eval_finding_add(res, RS_SEV_WARNING, "stated.unparsable", "",
                                   RS_SF(chk, "报告所载%s应为数字", c.label),
                                   "一个确切数字", text, w);
    kind = st.has_unit ? st.unit_kind : c.kind;
    if (kind != c.kind)
        return rs_eval_finding_add(res, RS_SEV_WARNING, "stated.unit", "",
                                   RS_SF(chk, "报告所载%s的单位", c.label),
                                   c.kind == SK_MONEY ? "金额单位（万元/元）"
                                   : c.kind == SK_RATE ? "百分比"
                                                       : "计数单位",
                                   text, w);
    if (!c.available)
        return rs_eval_finding_add(res, RS_SEV_WARNING, "stated.no_records", "",
                                   RS_SF(chk, "报告所载%s无记录可核对", c.label),
                                   "有相应记录", RS_SF(f, "%s（无记录）", text), w);
    show_computed(&c, &st, cs);
    for (int i = 0; i < st.dec; i++)
        p10 *= 10;
    /* stated value in the computed's own unit: scn/scd */
    scn = st.mant;
    scd = p10;
    if (c.kind == SK_MONEY)
        scn *= st.has_unit ? st.unit_fen : 1000000; /* a bare money figure is 万元 */
    show_gap(&c, &st, scn, scd, gap);
    if (st.approx)
        return rs_eval_finding_add(
            res, RS_SEV_WARNING, "stated.approximation", "",
            RS_SF(chk, "%s以约数（“%s”）填报，应为确切数字", c.label, st.marker),
            RS_SF(e, "%s（记录合计）", cs), RS_SF(f, "%s%s", text, gap), w);
    if (scn * c.cd == c.cn * scd)
        return RS_OK;
    {
        /* In the stated unit, does the record figure round to what was
         * printed?  Money compares in the stated unit: cn fen / unit_fen. */
        rs_i128 ucn = c.cn, ucd = c.cd;

        if (c.kind == SK_MONEY)
            ucd = st.has_unit ? st.unit_fen : 1000000;
        /* Rounding explains a difference, except when the stated figure is
         * a bound the exact one does not reach: "100%" claims complete
         * execution, "0" claims none at all. */
        if (round_at(ucn, ucd, st.dec) == st.mant && st.mant != 0 &&
            !(c.kind == SK_RATE && scn == 100 * scd))
            return rs_eval_finding_add(
                res, RS_SEV_NOTE, "stated.rounded", "",
                RS_SF(chk, "报告所载%s为记录数四舍五入（%d位小数）", c.label, st.dec), cs, text,
                w);
    }
    return rs_eval_finding_add(res, RS_SEV_ERROR,
                               c.kind == SK_RATE ? "stated.rate_mismatch" : "stated.mismatch", "",
                               RS_SF(chk, "报告所载%s与记录核对", c.label), cs,
                               RS_SF(f, "%s%s", text, gap), w);
}

static const Rs__Record *stated_rec(const struct rs_eval_result *res, const char *key)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(res->ds, RS__RECORD__BODY_STATED_FIGURE);
    const Rs__Record *found = NULL;

    for (size_t i = 0; i < l->n; i++) {
        const Rs__Record *r = l->rec[i];

        if (r->stated_figure->key && strcmp(r->stated_figure->key, key) == 0)
            found = r;
    }
    return found;
}

/* Exact money value of a stated text, if it is one (no approximation). */
static bool stated_fen(const Rs__Record *r, int64_t *fen)
{
    struct stated st;
    int64_t unit, p10 = 1;

    if (!r)
        return false;
    parse_stated(r->stated_figure->text, &st);
    if (!st.has_number || st.approx || (st.has_unit && st.unit_kind != SK_MONEY))
        return false;
    unit = st.has_unit ? st.unit_fen : 1000000;
    for (int i = 0; i < st.dec; i++)
        p10 *= 10;
    if (((rs_i128)st.mant * unit) % p10 != 0)
        return false;
    *fen = (int64_t)((rs_i128)st.mant * unit / p10);
    return true;
}

static rs_status check_execution_basis(struct rs_eval_result *res)
{
    const struct rs_eval_unit *u = &res->unit;
    const Rs__Record *rb = stated_rec(res, "budget.total");
    const Rs__Record *re = stated_rec(res, "executed.total");
    int64_t b, x;
    char e[160], f[160], w[200], pb[32], w1[40], w2[40], w3[40], w4[40], w5[40];

    if (!stated_fen(rb, &b) || !stated_fen(re, &x) || b != x || u->nlines == 0 ||
        u->basic_final >= u->basic_adj || u->adj_total <= 0)
        return RS_OK;
    rs_eval_pct(u->final_total, u->adj_total, pb);
    return rs_eval_finding_add(
        res, RS_SEV_WARNING, "budget.execution_basis", "",
        "预算执行率口径：全年预算数与执行数相同（执行率100%）而基本支出未用完预算",
        RS_SF(e, "全年预算数为调整后预算合计%s，执行率%s%%", rs_eval_wan(u->adj_total, w1), pb),
        RS_SF(f, "全年预算数=执行数=%s；基本支出决算%s比预算%s少%s", rs_eval_wan(b, w2),
              rs_eval_wan(u->basic_final, w3), rs_eval_wan(u->basic_adj, w4),
              rs_eval_wan(u->basic_adj - u->basic_final, w5)),
        RS_SF(w, "报告所载数字 budget.total、executed.total；人员经费、公用经费预算行"));
}

rs_status rs_eval_check_stated(struct rs_eval_result *res)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(res->ds, RS__RECORD__BODY_STATED_FIGURE);
    rs_status rv;

    for (size_t i = 0; i < l->n; i++) {
        rv = check_stated_one(res, l->rec[i]);
        if (rv)
            return rv;
    }
    return check_execution_basis(res);
}

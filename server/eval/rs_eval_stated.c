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
 * The keys score.<indicator>, score.total and grade are published scores,
 * which rs_eval_published.c checks; this file only reads a stated value
 * for it (rs_eval_stated_value).
 *
 * Does not: change a figure, score, or trust a stated number for anything
 * but the comparison.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rs_eval_inputs.h"
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
    size_t n, run;
    bool neg;

    memset(st, 0, sizeof *st);
    rs_eval_copy(buf, sizeof buf, text ? text : "");
    strip_markers(buf, st);
    for (p = buf; *p && !(*p >= '0' && *p <= '9'); p++)
        ;
    if (!*p)
        return;
    /* A minus sign just before the digits: "-", "−" (U+2212) or "－". */
    neg = (p > buf && p[-1] == '-') ||
          (p - buf >= 3 && (memcmp(p - 3, "\xe2\x88\x92", 3) == 0 ||
                            memcmp(p - 3, "\xef\xbc\x8d", 3) == 0));
    st->mant = 0;
    /* "," groups thousands only, as in an amount of money (rs_money_parse). */
    run = strspn(p, "0123456789,");
    if (!rs_thousands_valid(p, run))
        return;
    for (const char *end = p + run; p < end; p++) {
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
    if (neg)
        st->mant = -st->mant;
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
    rs_i128 cn, cd;              /* money: fen; rate: percent; count: units */
    char label[96];              /* what is compared */
    char basis[160];             /* where the figure comes from */
    char unit[16];               /* count unit for display */
    char why[200];               /* not available: why */
    char inputs[200];            /* a rate's inputs, "决算数合计2019.15万元、..." */
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

/* The inputs of a library entry's formula, each with its value. */
static void entry_inputs(const struct rs_eval_result *res, const struct rs_expr *e,
                         struct rs_xctx *ctx, char *out, size_t n)
{
    int idx[4];
    size_t m = rs_expr_inputs(e, idx, 4), len = 0;

    out[0] = '\0';
    for (size_t k = 0; k < m && k < 4 && len + 1 < n; k++) {
        struct rs_xval v;
        char label[96], value[48];
        struct rs_eval_shown sh = rs_eval_input_kind(res, e, idx[k], label, sizeof label);

        rs_expr_eval_node(e, idx[k], ctx, &v);
        rs_eval_show_value(&v, sh.kind, sh.unit, rs_xctx_text(ctx, v.why), value);
        rs_eval_fmt(out + len, n - len, "%s%s%s", k ? "、" : "", label, value);
        len = strlen(out);
    }
}

/*
 * The figure a key names: an entry of the formula library (by name, code
 * or slug: budget.total, rate.execution, F1, staff_control) or a built-in
 * input (staffing.in_service, budget_line.project.final); line.<k>.<c> is
 * budget_line.<k>.<c>; village.<name> sums the completed investment of the
 * projects of that village.  Unknown: c->known stays false.
 */
static void lookup(const struct rs_eval_result *res, const char *key, struct computed *c)
{
    const struct rs_flib *lib = res->fw->lib;
    struct rs_xscope sc = {lib, rs_flib_lookup, NULL, false};
    struct rs_eval_env fe;
    struct rs_xctx ctx;
    struct rs_expr *e = NULL;
    struct rs_xerr xe;
    struct rs_xname xn;
    struct rs_xval v;
    char k2[RS_EXPR_NAME_MAX + 16];
    enum rs_fw_vkind kind;

    memset(c, 0, sizeof *c);
    if (strncmp(key, "village.", 8) == 0 && key[8]) {
        const char *name = key + 8;
        uint32_t n;
        int64_t sum;

        for (size_t i = 0; i < sizeof village_alias / sizeof village_alias[0]; i++) {
            if (strcmp(name, village_alias[i].pinyin) == 0)
                name = village_alias[i].hanzi;
        }
        sum = village_sum(res, name, &n);
        c->known = true;
        c->available = n > 0;
        c->kind = SK_MONEY;
        c->cn = sum;
        c->cd = 1;
        rs_eval_copy(c->label, sizeof c->label, "该村项目完成投资合计");
        RS_SF(c->basis, "村名含“%s”的项目记录%u条", name, n);
        RS_SF(c->why, "没有村名含“%s”的项目记录", name);
        return;
    }
    if (strncmp(key, "line.", 5) == 0)
        RS_SF(k2, "budget_line.%s", key + 5);
    else
        rs_eval_copy(k2, sizeof k2, key);
    if (!rs_flib_lookup(lib, k2, &xn))
        return;
    if (xn.id & RS_FLIB_INPUT) {
        kind = xn.type == RS_XT_MONEY ? RS_VK_MONEY : RS_VK_COUNT;
        rs_eval_input_label(xn.id & ~RS_FLIB_INPUT, c->label, sizeof c->label);
        rs_eval_copy(c->unit, sizeof c->unit, rs_eval_input_unit(xn.id & ~RS_FLIB_INPUT));
    } else {
        const struct rs_formula_info *fi = &lib->e[xn.id];

        kind = fi->kind;
        rs_eval_copy(c->label, sizeof c->label, fi->name);
        rs_eval_copy(c->unit, sizeof c->unit, fi->unit);
    }
    /* A reviewer's answer is not a figure of the records. */
    if (kind == RS_VK_CHECKLIST || kind == RS_VK_MANUAL ||
        rs_expr_parse(k2, strlen(k2), &sc, -1, &e, &xe) != RS_OK)
        return;
    c->known = true;
    c->kind = kind == RS_VK_MONEY ? SK_MONEY : kind == RS_VK_RATE ? SK_RATE : SK_COUNT;
    rs_eval_env_init(&fe, res, NULL, NULL);
    rs_eval_ctx_init(&ctx, &fe, NULL);
    rs_expr_eval(e, &ctx, &v);
    c->available = v.state == RS_XS_GIVEN;
    rs_eval_copy(c->why, sizeof c->why, rs_xctx_text(&ctx, v.why));
    rs_eval_copy(c->basis, sizeof c->basis, rs_xctx_text(&ctx, v.src));
    if (c->available) {
        c->cn = c->kind == SK_RATE ? (rs_i128)v.num * 100 : v.num;
        c->cd = v.den;
    }
    if (c->kind == SK_RATE && !(xn.id & RS_FLIB_INPUT)) {
        /* A rate shows its inputs: the entry's own, or the one it names. */
        const struct rs_expr *fx = lib->e[xn.id].expr;
        uint32_t id;

        if (rs_expr_is_name(fx, &id) && !(id & RS_FLIB_INPUT) && id < lib->n)
            fx = lib->e[id].expr;
        entry_inputs(res, fx, &ctx, c->inputs, sizeof c->inputs);
    }
    rs_expr_free(e);
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
                     rs_i128 scd, char out[64])
{
    out[0] = '\0';
    if (c->kind == SK_MONEY) {
        /* stated fen = scn/scd; exact when the unit has no sub-fen digits. */
        rs_i128 d = scn / scd - c->cn;
        char w[40];
        int64_t a = (int64_t)(d < 0 ? -d : d);

        if (scn % scd != 0)
            return;
        /* In 元 when the figure was stated in 元, or when the gap would
         * print as 0.00万元 (rs_money_text). */
        if (st->has_unit && st->unit_fen == 100)
            rs_eval_yuan(a, w);
        else
            rs_money_text(a, w);
        rs_eval_fmt(out, 64, "，相差%s%s", d < 0 ? "-" : "+", w);
    } else if (c->kind == SK_COUNT && st->dec == 0) {
        rs_i128 d = scn - c->cn;

        rs_eval_fmt(out, 64, "，相差%s%" PRId64, d < 0 ? "-" : "+", (int64_t)(d < 0 ? -d : d));
    } else if (c->kind == SK_RATE) {
        /* In percentage points: stated scn/scd % against computed cn/cd %. */
        rs_i128 dn = scn * c->cd - c->cn * scd, dd = scd * c->cd;
        char p[32];

        if (dn < 0)
            dn = -dn;
        if (dn > INT64_MAX / 100 || dd > INT64_MAX / 100)
            return;
        rs_eval_pct((int64_t)dn, (int64_t)dd * 100, p);
        rs_eval_fmt(out, 64, "，相差%s%s个百分点", scn * c->cd < c->cn * scd ? "-" : "+", p);
    }
}

static rs_status check_stated_one(struct rs_eval_result *res, const Rs__Record *r)
{
    const Rs__StatedFigure *sf = r->stated_figure;
    const char *key = sf->key ? sf->key : "";
    const char *text = sf->text ? sf->text : "";
    struct stated st;
    struct computed c;
    char w[RS_EVAL_WHERE_MAX], lab[96], e[RS_EVAL_FOUND_MAX], f[RS_EVAL_FOUND_MAX], cs[64],
        gap[64], chk[RS_EVAL_CHECK_MAX];
    rs_i128 p10 = 1, scn, scd;
    enum skind kind;

    if (rs_eval_is_score_key(key))
        return RS_OK; /* a published score: rs_eval_published.c */
    rs_eval_rec_label(r, lab, sizeof lab);
    lookup(res, key, &c);
    if (!c.known)
        return rs_eval_finding_add(res, RS_SEV_NOTE, "stated.unknown_key", "",
                                   "报告所载数字的键不在核对范围内",
                                   "已知的键（见docs/evaluation.md）",
                                   RS_SF(f, "%s = %s", key, text), lab);
    if (c.basis[0])
        RS_SF(w, "%s；%s", lab, c.basis);
    else
        RS_SF(w, "%s", lab);
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
                                   RS_SF(chk, "报告所载%s无法核对", c.label),
                                   "所需记录和数据已填报", RS_SF(f, "%s（%s）", text, c.why), w);
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
    /* The recomputed value with its inputs, the stated one with the gap. */
    if (c.inputs[0])
        RS_SF(e, "%s（%s）", cs, c.inputs);
    else
        RS_SF(e, "%s", cs);
    return rs_eval_finding_add(res, RS_SEV_ERROR,
                               c.kind == SK_RATE ? "stated.rate_mismatch" : "stated.mismatch", "",
                               RS_SF(chk, "报告所载%s与记录核对", c.label), e,
                               RS_SF(f, "%s%s", text, gap), w);
}

bool rs_eval_stated_value(const char *text, enum rs_fw_vkind kind, int64_t *num, int64_t *den)
{
    struct stated st;
    enum skind want = kind == RS_VK_MONEY ? SK_MONEY : kind == RS_VK_RATE ? SK_RATE : SK_COUNT;
    rs_i128 n, d = 1;

    if (kind != RS_VK_MONEY && kind != RS_VK_RATE && kind != RS_VK_COUNT)
        return false;
    parse_stated(text, &st);
    if (!st.has_number || st.approx || (st.has_unit && st.unit_kind != want) ||
        (!st.has_unit && st.unit[0]))
        return false;
    for (int i = 0; i < st.dec; i++)
        d *= 10;
    n = st.mant;
    if (want == SK_MONEY) {
        /* fen; a bare money figure is 万元 */
        n *= st.has_unit ? st.unit_fen : 1000000;
        if (n % d != 0)
            return false;
        n /= d;
        d = 1;
    } else if (want == SK_RATE) {
        d *= 100; /* percent to a fraction */
    }
    if (n > INT64_MAX || d > INT64_MAX)
        return false;
    *num = (int64_t)n;
    *den = (int64_t)d;
    return true;
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

    if (!stated_fen(rb, &b) || !stated_fen(re, &x) || b != x || !u->basic_final.has ||
        !u->basic_adj.has || !u->adj_total.has || !u->final_total.has ||
        u->basic_final.v >= u->basic_adj.v || u->adj_total.v <= 0)
        return RS_OK;
    rs_eval_pct(u->final_total.v, u->adj_total.v, pb);
    return rs_eval_finding_add(
        res, RS_SEV_WARNING, "budget.execution_basis", "",
        "预算执行率口径：全年预算数与执行数相同（执行率100%）而基本支出未用完预算",
        RS_SF(e, "全年预算数为调整后预算合计%s，执行率%s%%", rs_eval_wan(u->adj_total.v, w1), pb),
        RS_SF(f, "全年预算数=执行数=%s；基本支出决算%s比预算%s少%s", rs_eval_wan(b, w2),
              rs_eval_wan(u->basic_final.v, w3), rs_eval_wan(u->basic_adj.v, w4),
              rs_eval_wan(u->basic_adj.v - u->basic_final.v, w5)),
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

/*
 * rs_eval_published.c - the scores a published self-evaluation prints
 * (StatedFigure records with the keys score.<indicator>, score.total and
 * grade), checked against the framework's own scoring.
 *
 * See rs_eval_steps.h and docs/evaluation.md §6.2.  A published indicator
 * score ("7.6分", "2/2分": the points given, optionally out of the points
 * the published table gives the indicator) is matched to an indicator of
 * the framework by its code (any case), or its formula's code or slug,
 * as a ManualScore is.  The value it is scored from is the records' value
 * of the indicator; when the records cannot compute it, a stated figure
 * of the same indicator (e.g. procurement = 72.74%) if it is an exact
 * number; otherwise the published score cannot be checked, and the
 * finding names the missing input (never a comparison with 0).  The value
 * is scored under the framework's rule and compared exactly with the
 * published points.  When the published table gives the indicator other
 * points than the framework, only full marks can be compared (full marks
 * under a rule do not depend on its points).
 *
 * A published total is checked against the sum of the published indicator
 * scores (when they are all there, or when they exceed it) and against the
 * framework's total (when every indicator is computable and the framework
 * is whole); a published grade against the grade bands of the published
 * total, else of the framework's total.
 *
 * Does not: change a score, the total or the grade, or trust a published
 * score for anything but the comparison.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rs_eval_steps.h"
#include "rs_eval_text.h"
#include "rs_util.h"

#define SCORE_PREFIX "score."
#define KEY_TOTAL "score.total"
#define KEY_GRADE "grade"
#define RS_PUB_MAX_POINTS 100000   /* a published score above this is not one */

bool rs_eval_is_score_key(const char *key)
{
    return key && (strncmp(key, SCORE_PREFIX, strlen(SCORE_PREFIX)) == 0 ||
                   strcmp(key, KEY_GRADE) == 0);
}

/* Reads a decimal with at most 3 decimals at *p into milli, moving *p on. */
static bool read_milli(const char **p, int64_t *milli)
{
    const char *s = *p;
    int64_t v = 0;
    int dec = 0;

    if (!(*s >= '0' && *s <= '9'))
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > RS_PUB_MAX_POINTS)
            return false;
        v = v * 10 + (*s - '0');
    }
    v *= 1000;
    if (*s == '.' && s[1] >= '0' && s[1] <= '9') {
        int64_t f = 100;

        for (s++; *s >= '0' && *s <= '9'; s++) {
            if (++dec > 3)
                return false;
            v += (*s - '0') * f;
            f /= 10;
        }
    }
    *p = s;
    *milli = v;
    return true;
}

static const char *skip(const char *p, const char *word)
{
    while (*p == ' ')
        p++;
    if (word && strncmp(p, word, strlen(word)) == 0)
        p += strlen(word);
    while (*p == ' ')
        p++;
    return p;
}

/*
 * "7.6", "7.6分", "2/2分", "2分/2分", "8分（满分8分）": the points given and,
 * if written, the points out of which.  False for anything else.
 */
static bool parse_score(const char *text, int64_t *score, int64_t *outof, bool *has_outof)
{
    const char *p = skip(text ? text : "", NULL), *m;

    *has_outof = false;
    if (!read_milli(&p, score))
        return false;
    p = skip(p, "分");
    if (*p == '/' || strncmp(p, "／", strlen("／")) == 0) {
        p = skip(p + (*p == '/' ? 1 : strlen("／")), "满分");
        if (!read_milli(&p, outof))
            return false;
        *has_outof = true;
    } else if ((m = strstr(p, "满分")) != NULL) {
        p = skip(m, "满分");
        if (!read_milli(&p, outof))
            return false;
        *has_outof = true;
    }
    return true;
}

/* "优", "良", "中" or "差" at the start of text (优秀, 良好 and 中等 read so), or NULL. */
static const char *parse_grade(const char *text)
{
    static const char *const g[] = {"优", "良", "中", "差"};
    const char *p = skip(text ? text : "", NULL);

    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
        if (strncmp(p, g[i], strlen(g[i])) == 0)
            return g[i];
    }
    return NULL;
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;

        if (x != y)
            return false;
    }
    return *a == *b;
}

/* The key (without "score.") names ind: its code, its formula's code or slug. */
static bool names_indicator(const char *k, const struct rs_fw_indicator *ind)
{
    return ascii_ieq(k, ind->code) || ascii_ieq(k, ind->fi->code) ||
           (ind->fi->slug[0] && strcmp(k, ind->fi->slug) == 0);
}

static const char *rule_cn(enum rs_fw_rule r)
{
    switch (r) {
    case RS_RULE_CAP_DEDUCT:
        return "超标扣分";
    case RS_RULE_BANDS:
        return "分档计分";
    case RS_RULE_STEP_BELOW:
        return "按档扣分";
    case RS_RULE_PROPORTIONAL:
        return "按比例计分";
    case RS_RULE_CHECKLIST:
        return "逐项扣分";
    case RS_RULE_MANUAL:
        return "评审评分";
    }
    return "";
}

/* "按档扣分（target=100; step=5; deduct=2），目标≥100%" */
static void rule_text(const struct rs_fw_indicator *ind, char *out, size_t n)
{
    char t[RS_FW_TARGET_MAX + 16] = "";

    if (ind->target[0])
        RS_SF(t, "，目标%s", ind->target);
    if (ind->params[0])
        rs_eval_fmt(out, n, "%s（%s）%s", rule_cn(ind->rule), ind->params, t);
    else
        rs_eval_fmt(out, n, "%s%s", rule_cn(ind->rule), t);
}

/* A stated figure (not a score) that names ind, or NULL: the last current one. */
static const Rs__Record *stated_value_of(const struct rs_eval_result *res,
                                         const struct rs_fw_indicator *ind)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(res->ds, RS__RECORD__BODY_STATED_FIGURE);
    const Rs__Record *found = NULL;

    for (size_t i = 0; i < l->n; i++) {
        const char *k = l->rec[i]->stated_figure->key;

        if (k && !rs_eval_is_score_key(k) && names_indicator(k, ind))
            found = l->rec[i];
    }
    return found;
}

/* What the framework gives for one indicator: its value and score. */
struct own {
    bool known;                      /* a value could be scored */
    int64_t score;                   /* milli-points under the framework's rule */
    char value[64];                  /* "72.74%", with "（报告所载值）" when stated */
    char reason[256];                /* the rule's reason for lost points, or why unknown */
};

static void own_score(const struct rs_eval_result *res, const struct rs_eval_item *it,
                      struct own *o)
{
    const struct rs_fw_indicator *ind = it->ind;
    enum rs_fw_vkind kind = it->fi->kind;
    const Rs__Record *sv;
    const char *why = it->reason, *svt;
    int64_t num, den;

    memset(o, 0, sizeof *o);
    if (it->state == RS_EVAL_OK) {
        o->known = true;
        o->score = it->score_milli;
        rs_eval_item_value(it, o->value);
        rs_eval_copy(o->reason, sizeof o->reason, it->reason);
        return;
    }
    if (strncmp(why, "无法计算：", strlen("无法计算：")) == 0)
        why += strlen("无法计算：");
    sv = kind == RS_VK_RATE || kind == RS_VK_COUNT || kind == RS_VK_MONEY
             ? stated_value_of(res, ind)
             : NULL;
    svt = sv && sv->stated_figure->text ? sv->stated_figure->text : "";
    if (sv && rs_eval_stated_value(svt, kind, &num, &den) &&
        rs_eval_score(ind, kind, num, den, &o->score, o->reason, sizeof o->reason) == RS_OK) {
        o->known = true;
        RS_SF(o->value, "%s（报告所载值）", svt);
        return;
    }
    if (sv)
        RS_SF(o->reason, "%s；所载值“%s”不是确切数字", why, svt);
    else
        rs_eval_copy(o->reason, sizeof o->reason, why);
}

static rs_status check_one(struct rs_eval_result *res, const Rs__Record *r, const char *k,
                           int64_t *sum, size_t *nscores, bool *covered, bool *unmatched)
{
    const struct rs_framework *fw = res->fw;
    const char *text = r->stated_figure->text ? r->stated_figure->text : "";
    const struct rs_eval_item *it = NULL;
    int64_t s = 0, p = 0, pts;
    bool has_p;
    struct own o;
    char lab[96], w[200], chk[200], e[320], f[320], rt[200], a[32], b[32], c[32], d[32];
    size_t idx = 0;

    rs_eval_rec_label(r, lab, sizeof lab);
    if (!parse_score(text, &s, &p, &has_p) || (has_p && (p <= 0 || s > p)))
        return rs_eval_finding_add(res, RS_SEV_WARNING, "score.unparsable", "",
                                   "报告所载得分应为“得分”或“得分/满分”（最多3位小数）",
                                   "如“7.6分”“2/2分”", text, lab);
    *sum += s;
    (*nscores)++;
    for (size_t i = 0; i < res->nitems && !it; i++) {
        if (names_indicator(k, res->items[i].ind)) {
            it = &res->items[i];
            idx = i;
        }
    }
    if (!it) {
        *unmatched = true;
        return rs_eval_finding_add(res, RS_SEV_NOTE, "score.unknown_indicator", "",
                                   RS_SF(chk, "报告所载得分的指标不在评分框架%s中", fw->name),
                                   "框架的指标编码或公式名",
                                   RS_SF(f, "score.%s = %s", k, text), lab);
    }
    covered[idx] = true;
    pts = it->ind->points_milli;
    if (!has_p)
        p = pts;
    rs_milli_format(s, a);
    rs_milli_format(p, b);
    rs_milli_format(pts, d);
    RS_SF(w, "框架%s第%u行 %s；%s", fw->name, it->ind->line, it->ind->code, lab);
    if (s > p)
        return rs_eval_finding_add(res, RS_SEV_WARNING, "score.unparsable", "",
                                   RS_SF(chk, "报告所载“%s”得分超过满分", it->ind->name),
                                   RS_SF(e, "不超过%s分", b), text, w);
    own_score(res, it, &o);
    if (!o.known)
        return rs_eval_finding_add(res, RS_SEV_WARNING, "score.unverifiable", "",
                                   RS_SF(chk, "报告所载“%s”得分无法核实", it->ind->name),
                                   "计分所需的指标值",
                                   RS_SF(f, "所载%s分（满分%s分）；%s", a, b, o.reason), w);
    rule_text(it->ind, rt, sizeof rt);
    rs_milli_format(o.score, c);
    RS_SF(e, "值%s，规则%s：计%s分（满分%s分）%s%s", o.value, rt, c, d, o.reason[0] ? "；" : "",
          o.reason);
    if (p == pts) {
        char gap[48];
        int64_t diff = s - o.score;

        if (diff == 0)
            return rs_eval_finding_add(res, RS_SEV_NOTE, "score.reproduced", "",
                                       RS_SF(chk, "报告所载“%s”得分按评分规则复核一致",
                                             it->ind->name),
                                       e, RS_SF(f, "所载%s分（满分%s分）", a, b), w);
        rs_milli_format(diff < 0 ? -diff : diff, gap);
        return rs_eval_finding_add(res, RS_SEV_ERROR, "score.mismatch", "",
                                   RS_SF(chk, "报告所载“%s”得分与评分规则不符", it->ind->name), e,
                                   RS_SF(f, "所载%s分（满分%s分），%s%s分", a, b,
                                         diff > 0 ? "多计" : "少计", gap),
                                   w);
    }
    /* Other points than the framework's: only full marks compare. */
    if ((s == p) == (o.score == pts)) {
        if (s == p)
            return rs_eval_finding_add(
                res, RS_SEV_NOTE, "score.reproduced", "",
                RS_SF(chk, "报告所载“%s”满分按评分规则复核一致（分值不同）", it->ind->name), e,
                RS_SF(f, "所载%s分（满分%s分）", a, b), w);
        return rs_eval_finding_add(
            res, RS_SEV_WARNING, "score.unverifiable", "",
            RS_SF(chk, "报告所载“%s”得分无法核实（分值与框架不同）", it->ind->name), e,
            RS_SF(f, "所载%s分（满分%s分）：分值与框架的%s分不同，非满分的得分不可比较", a, b, d), w);
    }
    return rs_eval_finding_add(res, RS_SEV_ERROR, "score.mismatch", "",
                               RS_SF(chk, "报告所载“%s”得分与评分规则不符", it->ind->name), e,
                               RS_SF(f, "所载%s分（满分%s分）：%s", a, b,
                                     s == p ? "给了满分，按规则不得满分"
                                            : "未给满分，按规则应得满分"),
                               w);
}

/* The first indicator the framework could not compute, and how many. */
static size_t not_computable(const struct rs_eval_result *res, const struct rs_eval_item **first)
{
    size_t n = 0;

    *first = NULL;
    for (size_t i = 0; i < res->nitems; i++) {
        if (res->items[i].state == RS_EVAL_OK)
            continue;
        if (!*first)
            *first = &res->items[i];
        n++;
    }
    return n;
}

static rs_status check_total(struct rs_eval_result *res, const Rs__Record *r, int64_t sum,
                             size_t nscores, bool all_covered, int64_t *total, bool *has_total)
{
    const struct rs_framework *fw = res->fw;
    const char *text = r->stated_figure->text ? r->stated_figure->text : "";
    const struct rs_eval_item *first;
    int64_t p = 0;
    bool has_p;
    size_t nc;
    char lab[96], e[320], f[320], a[32], b[32], c[32];
    rs_status rv;

    rs_eval_rec_label(r, lab, sizeof lab);
    if (!parse_score(text, total, &p, &has_p))
        return rs_eval_finding_add(res, RS_SEV_WARNING, "score.unparsable", "",
                                   "报告所载总分应为一个得分（最多3位小数）", "如“95分”", text,
                                   lab);
    *has_total = true;
    rs_milli_format(*total, a);
    /* Scores are not negative: parts can never exceed their total. */
    if (nscores && (sum > *total || (all_covered && sum != *total))) {
        int64_t diff = *total - sum;

        rs_milli_format(sum, b);
        rs_milli_format(diff < 0 ? -diff : diff, c);
        rv = rs_eval_finding_add(res, RS_SEV_ERROR, "score.total_sum", "",
                                 "报告所载总分与所载各指标得分之和核对",
                                 RS_SF(e, "所载%zu项指标得分之和%s分%s", nscores, b,
                                       all_covered ? "（含框架的全部指标）" : ""),
                                 RS_SF(f, "所载总分%s分，%s%s分", a, diff > 0 ? "多" : "少", c),
                                 lab);
        if (rv)
            return rv;
    }
    if (rs_framework_partial(fw)) {
        rs_milli_format(fw->total_milli, b);
        rs_milli_format(fw->published_milli, c);
        return rs_eval_finding_add(res, RS_SEV_WARNING, "score.unverifiable", "",
                                   "报告所载总分无法核实", "框架包含原表的全部指标",
                                   RS_SF(f, "所载总分%s分；框架%s只收录原表%s分中的%s分", a,
                                         fw->name, c, b),
                                   lab);
    }
    nc = not_computable(res, &first);
    if (nc) {
        const char *why = first->reason;

        if (strncmp(why, "无法计算：", strlen("无法计算：")) == 0)
            why += strlen("无法计算：");
        return rs_eval_finding_add(
            res, RS_SEV_WARNING, "score.unverifiable", "", "报告所载总分无法核实",
            RS_SF(e, "框架%s的%zu项指标均可计算", fw->name, res->nitems),
            RS_SF(f, "所载总分%s分；%zu项指标无法计算（如“%s”：%s）", a, nc, first->ind->name,
                  why),
            lab);
    }
    rs_milli_format(res->total_milli, b);
    RS_SF(e, "按框架%s计%s分（%s）", fw->name, b, res->grade ? res->grade : "");
    if (*total == res->total_milli)
        return rs_eval_finding_add(res, RS_SEV_NOTE, "score.reproduced", "",
                                   "报告所载总分按评分框架复核一致", e,
                                   RS_SF(f, "所载总分%s分", a), lab);
    {
        int64_t diff = *total - res->total_milli;

        rs_milli_format(diff < 0 ? -diff : diff, c);
        return rs_eval_finding_add(res, RS_SEV_ERROR, "score.mismatch", "",
                                   "报告所载总分与按评分框架计得的总分不符", e,
                                   RS_SF(f, "所载总分%s分，%s%s分", a,
                                         diff > 0 ? "多计" : "少计", c),
                                   lab);
    }
}

static rs_status check_grade(struct rs_eval_result *res, const Rs__Record *r, bool has_total,
                             int64_t total)
{
    const char *text = r->stated_figure->text ? r->stated_figure->text : "";
    const char *g = parse_grade(text), *want;
    const struct rs_eval_item *first;
    char lab[96], e[200], f[200], a[32];

    rs_eval_rec_label(r, lab, sizeof lab);
    if (!g)
        return rs_eval_finding_add(res, RS_SEV_WARNING, "score.unparsable", "",
                                   "报告所载等级应为优、良、中或差", "优、良、中、差之一", text,
                                   lab);
    if (has_total) {
        want = rs_eval_grade(total);
        rs_milli_format(total, a);
        RS_SF(e, "所载总分%s分应为“%s”（优≥90>良≥80>中≥60>差）", a, want);
    } else if (!rs_framework_partial(res->fw) && not_computable(res, &first) == 0) {
        want = res->grade;
        rs_milli_format(res->total_milli, a);
        RS_SF(e, "按框架%s计%s分应为“%s”（优≥90>良≥80>中≥60>差）", res->fw->name, a, want);
    } else {
        return rs_eval_finding_add(res, RS_SEV_WARNING, "score.unverifiable", "",
                                   "报告所载等级无法核实", "报告所载总分，或可完整计算的框架总分",
                                   RS_SF(f, "所载等级“%s”", text), lab);
    }
    if (strcmp(g, want) == 0)
        return RS_OK;
    return rs_eval_finding_add(res, RS_SEV_ERROR, "score.grade", "",
                               "报告所载等级与总分的等级档次核对", e,
                               RS_SF(f, "所载等级“%s”", text), lab);
}

rs_status rs_eval_check_published(struct rs_eval_result *res)
{
    const struct rs_eval_list *l = rs_eval_dataset_of(res->ds, RS__RECORD__BODY_STATED_FIGURE);
    const Rs__Record *total = NULL, *grade = NULL;
    bool covered[RS_FW_MAX_INDICATORS] = {false}, unmatched = false, all = true, has_total = false;
    int64_t sum = 0, t = 0;
    size_t nscores = 0;
    rs_status rv;

    for (size_t i = 0; i < l->n; i++) {
        const Rs__Record *r = l->rec[i];
        const char *k = r->stated_figure->key;

        if (!rs_eval_is_score_key(k))
            continue;
        if (strcmp(k, KEY_TOTAL) == 0) {
            total = r;
        } else if (strcmp(k, KEY_GRADE) == 0) {
            grade = r;
        } else {
            rv = check_one(res, r, k + strlen(SCORE_PREFIX), &sum, &nscores, covered,
                           &unmatched);
            if (rv)
                return rv;
        }
    }
    for (size_t i = 0; i < res->nitems; i++)
        all = all && covered[i];
    if (total) {
        rv = check_total(res, total, sum, nscores, all && !unmatched && res->nitems > 0, &t,
                         &has_total);
        if (rv)
            return rv;
    }
    return grade ? check_grade(res, grade, has_total, t) : RS_OK;
}

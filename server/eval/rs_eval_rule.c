/*
 * rs_eval_rule.c - rule shapes: how a value becomes a score, and the grade.
 *
 * See rs_eval.h (rs_eval_score, rs_eval_grade) and docs/evaluation.md §3-4.
 * A value num/den and every rule parameter are exact: parameters are
 * milli-units (thousandths; of a percent for rates), and each comparison
 * and deduction is done in 128-bit integers on the value scaled to those
 * units, so nothing is rounded until the score, which is truncated to
 * milli-points (never rounded up).  When points are lost the reason says
 * by which rule, in Chinese.
 *
 * Does not: compute values (rs_eval_formula.c) or know which indicator a
 * value belongs to beyond its rule and points.
 */
#include <inttypes.h>
#include <stdio.h>

#include "rs_eval_text.h"
#include "rs_util.h"

static rs_i128 ceil_div(rs_i128 a, rs_i128 b)
{
    rs_i128 q = a / b;

    if (a % b != 0 && a > 0)
        q++;
    return q;
}

static rs_i128 floor_div(rs_i128 a, rs_i128 b)
{
    rs_i128 q = a / b;

    if (a % b != 0 && a < 0)
        q--;
    return q;
}

/* Milli-units of the rule's parameters per unit of a value: percent for a
 * rate, 元 for money (in fen), the count's own unit otherwise. */
static int64_t scale(enum rs_fw_vkind kind)
{
    return kind == RS_VK_RATE ? 100000 : kind == RS_VK_MONEY ? 10 : 1000;
}

/* Display of a value in the rule's unit: "107.69%", "3" or "2019.15万元". */
static void show_val(enum rs_fw_vkind kind, int64_t num, int64_t den, char out[40])
{
    char p[32], w[40];

    if (kind == RS_VK_MONEY) {
        rs_eval_wan(num / den, w);
        snprintf(out, 40, "%s%.30s", num % den ? "约" : "", w);
    } else if (kind == RS_VK_RATE) {
        rs_eval_pct(num, den, p);
        snprintf(out, 40, "%s%%", p);
    } else if (den == 1) {
        snprintf(out, 40, "%" PRId64, num);
    } else {
        rs_eval_pct(num, den * 100, p);
        snprintf(out, 40, "%s", p);
    }
}

static void show_param(enum rs_fw_vkind kind, int64_t milli, char out[40])
{
    char m[32];

    rs_milli_format(milli, m);
    snprintf(out, 40, "%s%s", m, kind == RS_VK_RATE ? "%" : kind == RS_VK_MONEY ? "元" : "");
}

static bool in_band(const struct rs_fw_band *b, rs_i128 a, int64_t den)
{
    if (!b->lo_inf) {
        rs_i128 lo = (rs_i128)b->lo * den;

        if (a < lo || (a == lo && !b->lo_incl))
            return false;
    }
    if (!b->hi_inf) {
        rs_i128 hi = (rs_i128)b->hi * den;

        if (a > hi || (a == hi && !b->hi_incl))
            return false;
    }
    return true;
}

static void band_text(const struct rs_fw_band *b, enum rs_fw_vkind kind, char out[96])
{
    const char *u = kind == RS_VK_RATE ? "%" : kind == RS_VK_MONEY ? "元" : "";
    char lo[36], hi[36], m[32];

    rs_milli_format(b->lo, m);
    snprintf(lo, sizeof lo, "%s%s", m, u);
    rs_milli_format(b->hi, m);
    snprintf(hi, sizeof hi, "%s%s", m, u);
    if (!b->lo_inf && !b->hi_inf && b->lo == b->hi)
        snprintf(out, 96, "=%s", lo);
    else
        snprintf(out, 96, "%s%s,%s%s", b->lo_incl ? "[" : "(", b->lo_inf ? "-∞" : lo,
                 b->hi_inf ? "+∞" : hi, b->hi_incl ? "]" : ")");
}

static int64_t clamp_score(rs_i128 s, int64_t points)
{
    if (s < 0)
        return 0;
    if (s > points)
        return points;
    return (int64_t)s;
}

rs_status rs_eval_score(const struct rs_fw_indicator *ind, enum rs_fw_vkind kind, int64_t num,
                        int64_t den, int64_t *score_milli, char *reason, size_t reasonlen)
{
    int64_t pts = ind->points_milli;
    /* The value in milli units of the rule's parameters, as a/den. */
    rs_i128 a = (rs_i128)num * scale(kind);
    char v[40], t[40], d[32], s[32];

    if (den <= 0)
        return RS_EINVAL;
    if (reason && reasonlen)
        reason[0] = '\0';
    show_val(kind, num, den, v);
    switch (ind->rule) {
    case RS_RULE_CAP_DEDUCT: {
        rs_i128 ex = ind->bad_below ? (rs_i128)ind->threshold * den - a
                                    : a - (rs_i128)ind->threshold * den;
        rs_i128 ded;

        if (ex <= 0) {
            *score_milli = pts;
            return RS_OK;
        }
        /* ex/den milli-units beyond, times per milli-points per unit. */
        ded = ceil_div(ex * ind->per, (rs_i128)den * 1000);
        *score_milli = clamp_score((rs_i128)pts - ded, pts);
        show_param(kind, ind->threshold, t);
        rs_milli_format(ind->per, d);
        rs_milli_format(pts - *score_milli, s);
        snprintf(reason, reasonlen, "实际值%s%s目标%s，每%s扣%s分，扣%s分", v,
                 ind->bad_below ? "低于" : "高于", t,
                 kind == RS_VK_RATE ? "个百分点" : kind == RS_VK_MONEY ? "元" : "个", d, s);
        return RS_OK;
    }
    case RS_RULE_BANDS:
        for (size_t i = 0; i < ind->nbands; i++) {
            char bt[96];

            if (!in_band(&ind->bands[i], a, den))
                continue;
            *score_milli = ind->bands[i].score_milli;
            if (*score_milli < pts) {
                band_text(&ind->bands[i], kind, bt);
                rs_milli_format(*score_milli, s);
                snprintf(reason, reasonlen, "实际值%s落在区间%s，得%s分", v, bt, s);
            }
            return RS_OK;
        }
        *score_milli = 0;
        snprintf(reason, reasonlen, "实际值%s不在任何评分区间内，得0分", v);
        return RS_OK;
    case RS_RULE_STEP_BELOW: {
        rs_i128 sh = (rs_i128)ind->target_val * den - a, steps;

        if (sh <= 0) {
            *score_milli = pts;
            return RS_OK;
        }
        /* Every started step, or only the completed ones. */
        steps = ind->steps_completed ? sh / ((rs_i128)ind->step * den)
                                     : ceil_div(sh, (rs_i128)ind->step * den);
        if (steps > pts)
            steps = pts; /* keeps the product below in range; score is 0 anyway */
        *score_milli = clamp_score((rs_i128)pts - steps * ind->deduct, pts);
        if (*score_milli == pts)
            return RS_OK;
        show_param(kind, ind->target_val, t);
        rs_milli_format(ind->step, d);
        rs_milli_format(ind->deduct, s);
        {
            char lost[32];

            rs_milli_format(pts - *score_milli, lost);
            snprintf(reason, reasonlen, "实际值%s低于目标%s，每低%s%s（%s）扣%s分，扣%s分", v,
                     t, d, kind == RS_VK_RATE ? "个百分点" : "",
                     ind->steps_completed ? "不足一档不扣" : "不足按一档计", s, lost);
        }
        return RS_OK;
    }
    case RS_RULE_PROPORTIONAL: {
        rs_i128 full = (rs_i128)ind->full_at * den;

        if (a >= full) {
            *score_milli = pts;
            return RS_OK;
        }
        *score_milli = a <= 0 ? 0 : clamp_score(floor_div(a * pts, full), pts);
        show_param(kind, ind->full_at, t);
        snprintf(reason, reasonlen, "实际值%s未达到%s，按比例得分", v, t);
        return RS_OK;
    }
    case RS_RULE_CHECKLIST: {
        int64_t fails;

        if (num < 0 || num > den)
            return RS_EINVAL;
        fails = den - num;
        if (fails == 0) {
            *score_milli = pts;
            return RS_OK;
        }
        *score_milli = clamp_score((rs_i128)pts - (rs_i128)fails * ind->per_fail, pts);
        rs_milli_format(ind->per_fail, d);
        snprintf(reason, reasonlen, "%" PRId64 "项中%" PRId64 "项未达标，每项扣%s分", den,
                 fails, d);
        return RS_OK;
    }
    case RS_RULE_MANUAL:
        if (num < 0 || num > pts || den != 1)
            return RS_EINVAL;
        *score_milli = num;
        if (num < pts) {
            rs_milli_format(num, s);
            snprintf(reason, reasonlen, "评审评分%s分", s);
        }
        return RS_OK;
    }
    return RS_EINVAL;
}

const char *rs_eval_grade(int64_t total_milli)
{
    if (total_milli >= 90000)
        return "优";
    if (total_milli >= 80000)
        return "良";
    if (total_milli >= 60000)
        return "中";
    return "差";
}

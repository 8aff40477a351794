/*
 * rs_eval_names.c - what the evaluation calls things: the Chinese names of
 * the enums it shows, severities, a record's label, and which record types
 * are the townships'.
 *
 * See rs_eval.h (names) and rs_eval_text.h (labels).  A label names a
 * record the way a clerk finds it again: its type, its own key (project
 * id, village, batch, household, case, survey, budget line ...) and the
 * first 8 characters of its id.
 *
 * Does not: format numbers (rs_eval_text.c) or decide anything about a
 * record beyond its type.
 */
#include <string.h>

#include "rs_eval_text.h"

static const char *const cat_names[] = {
    "未分类", "道路硬化", "山塘", "渠道", "饮水", "污水管网", "桥梁",
    "电网",   "产业",     "美丽家园", "能力建设", "其他",
};
_Static_assert(sizeof cat_names / sizeof cat_names[0] == RS_EVAL_NCAT, "one entry per value");

static const char *const line_names[] = {
    "", "人员经费", "公用经费", "项目支出", "政府性基金", "国有资本经营", "社会保险基金",
};
_Static_assert(sizeof line_names / sizeof line_names[0] == RS_EVAL_NLINES, "one entry per value");

static const char *const rkind_names[] = {
    "未分类", "特困救助", "升学奖励", "年终慰问", "其他救助",
};
_Static_assert(sizeof rkind_names / sizeof rkind_names[0] == RS_EVAL_NRKIND, "one entry per value");

static const char *const sangong_names[] = {
    "", "因公出国（境）费", "公务接待费", "公务用车购置费", "公务用车运行维护费",
};
_Static_assert(sizeof sangong_names / sizeof sangong_names[0] == RS_EVAL_NSANGONG,
               "one entry per value");

const char *rs_eval_cat_name(size_t cat)
{
    return cat < RS_EVAL_NCAT ? cat_names[cat] : "";
}

const char *rs_eval_line_name(size_t line)
{
    return line < RS_EVAL_NLINES ? line_names[line] : "";
}

const char *rs_eval_rkind_name(size_t kind)
{
    return kind < RS_EVAL_NRKIND ? rkind_names[kind] : "";
}

const char *rs_eval_sangong_name(size_t kind)
{
    return kind < RS_EVAL_NSANGONG ? sangong_names[kind] : "";
}

const char *rs_eval_sev_label(enum rs_eval_sev s)
{
    switch (s) {
    case RS_SEV_NOTE:
        return "提示";
    case RS_SEV_WARNING:
        return "警告";
    case RS_SEV_ERROR:
        return "错误";
    }
    return "";
}

bool rs_eval_is_township_type(Rs__Record__BodyCase t)
{
    return t == RS__RECORD__BODY_PROJECT || t == RS__RECORD__BODY_SUBSIDY ||
           t == RS__RECORD__BODY_TRAINING || t == RS__RECORD__BODY_RELIEF ||
           t == RS__RECORD__BODY_PETITION || t == RS__RECORD__BODY_SURVEY;
}

void rs_eval_label_parts(char *out, size_t outlen, const char *type, const char *key,
                         size_t keylen, const char *id, size_t idlen)
{
    int il = (int)(idlen < 8 ? idlen : 8);

    if (keylen)
        rs_eval_fmt(out, outlen, "%s %.*s（记录%.*s）", type, (int)keylen, key, il, id ? id : "");
    else
        rs_eval_fmt(out, outlen, "%s（记录%.*s）", type, il, id ? id : "");
}

void rs_eval_rec_label(const Rs__Record *r, char *out, size_t outlen)
{
    const char *type = "记录", *key = NULL;

    switch (r->body_case) {
    case RS__RECORD__BODY_PROJECT:
        type = "项目";
        key = r->project->project_id;
        break;
    case RS__RECORD__BODY_SUBSIDY:
        type = "直补";
        key = r->subsidy->village;
        break;
    case RS__RECORD__BODY_TRAINING:
        type = "培训";
        key = r->training->batch_id;
        break;
    case RS__RECORD__BODY_RELIEF:
        type = "救助";
        key = r->relief->household_ref;
        break;
    case RS__RECORD__BODY_PETITION:
        type = "信访";
        key = r->petition->case_id;
        break;
    case RS__RECORD__BODY_SURVEY:
        type = "满意度调查";
        key = r->survey->survey_id;
        break;
    case RS__RECORD__BODY_UNIT_PROFILE:
        type = "单位概况";
        break;
    case RS__RECORD__BODY_STAFFING:
        type = "人员编制";
        break;
    case RS__RECORD__BODY_BUDGET_LINE:
        type = "预算行";
        key = rs_eval_line_name((size_t)r->budget_line->line);
        break;
    case RS__RECORD__BODY_SAN_GONG:
        type = "三公经费";
        key = rs_eval_sangong_name((size_t)r->san_gong->kind);
        break;
    case RS__RECORD__BODY_PROCUREMENT:
        type = "政府采购";
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        type = "结转结余";
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        type = "固定资产";
        break;
    case RS__RECORD__BODY_MANUAL_SCORE:
        type = "人工评分";
        key = r->manual_score->indicator;
        break;
    case RS__RECORD__BODY_STATED_FIGURE:
        type = "报告所载数字";
        key = r->stated_figure->key;
        break;
    default:
        break;
    }
    rs_eval_label_parts(out, outlen, type, key, key ? strlen(key) : 0, r->id,
                        r->id ? strlen(r->id) : 0);
}

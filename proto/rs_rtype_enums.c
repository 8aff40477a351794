/*
 * rs_rtype_enums.c - the Chinese names of every value of every enum a record
 * field uses: how a report prints it (display) and what a CSV cell may say
 * for it (aliases).
 *
 * One array per enum, indexed by value, so value v is element v; the
 * _Static_asserts tie each array's length to the enum's last value, and
 * tests/test_rtype.c checks every array against its protobuf-c descriptor
 * (one element per value, in order).  The English slug of a value is not
 * here: it is the protobuf-c name (rs_enum_slug).
 *
 * Display names are the strings the report prints today (category 0 is
 * "未分类", a stage or training type not given is "未填").  Aliases are
 * matched exactly, byte for byte; the first is the one error messages and
 * docs/csv.md show first.  An *_UNSPECIFIED value has no alias: a file
 * cannot write it.
 *
 * Does not: parse or print anything (proto/rs_rtype.c does).
 */
#include "rs_rtype_data.h"

#define V(val, display, aliases) [val] = {val, display, aliases}
#define NAMES(d, a) {&d, a, RS_NELEM(a)}
#define LAST_IS(a, last) \
    _Static_assert(RS_NELEM(a) == (size_t)(last) + 1, #a " must end at " #last)

static const struct rs_enum_value period[] = {
    V(RS__PERIOD__PERIOD_UNSPECIFIED, "未填", ""),
    V(RS__PERIOD__PERIOD_Q1, "一季度", "一季度|第一季度"),
    V(RS__PERIOD__PERIOD_Q2, "二季度", "二季度|第二季度"),
    V(RS__PERIOD__PERIOD_Q3, "三季度", "三季度|第三季度"),
    V(RS__PERIOD__PERIOD_Q4, "四季度", "四季度|第四季度"),
    V(RS__PERIOD__PERIOD_H1, "上半年", "上半年"),
    V(RS__PERIOD__PERIOD_H2, "下半年", "下半年"),
    V(RS__PERIOD__PERIOD_YEAR, "全年", "全年|年度"),
};
LAST_IS(period, RS__PERIOD__PERIOD_YEAR);

static const struct rs_enum_value category[] = {
    V(RS__PROJECT_CATEGORY__CAT_UNSPECIFIED, "未分类", ""),
    V(RS__PROJECT_CATEGORY__CAT_ROAD, "道路硬化", "道路硬化"),
    V(RS__PROJECT_CATEGORY__CAT_POND, "山塘", "山塘"),
    V(RS__PROJECT_CATEGORY__CAT_CANAL, "渠道", "渠道/沟渠|渠道|沟渠"),
    V(RS__PROJECT_CATEGORY__CAT_WATER, "饮水", "饮水"),
    V(RS__PROJECT_CATEGORY__CAT_SEWER, "污水管网", "污水管网"),
    V(RS__PROJECT_CATEGORY__CAT_BRIDGE, "桥梁", "桥梁"),
    V(RS__PROJECT_CATEGORY__CAT_GRID, "电网", "电网"),
    V(RS__PROJECT_CATEGORY__CAT_INDUSTRY, "产业", "产业"),
    V(RS__PROJECT_CATEGORY__CAT_VILLAGE, "美丽家园", "美丽家园"),
    V(RS__PROJECT_CATEGORY__CAT_CAPACITY, "能力建设", "能力建设"),
    V(RS__PROJECT_CATEGORY__CAT_OTHER, "其他", "其他"),
};
LAST_IS(category, RS__PROJECT_CATEGORY__CAT_OTHER);

static const struct rs_enum_value stage[] = {
    V(RS__PROJECT_STAGE__STAGE_UNSPECIFIED, "未填", ""),
    V(RS__PROJECT_STAGE__STAGE_PLANNED, "计划", "计划"),
    V(RS__PROJECT_STAGE__STAGE_PUBLICIZED, "公示", "公示"),
    V(RS__PROJECT_STAGE__STAGE_TENDERED, "招标", "招标"),
    V(RS__PROJECT_STAGE__STAGE_BUILDING, "在建", "在建"),
    V(RS__PROJECT_STAGE__STAGE_COMPLETED, "完工", "完工"),
    V(RS__PROJECT_STAGE__STAGE_PRELIM_ACCEPTED, "初验", "初验"),
    V(RS__PROJECT_STAGE__STAGE_ACCEPTED, "竣工验收", "竣工验收"),
    V(RS__PROJECT_STAGE__STAGE_HANDED_OVER, "移交管护", "移交管护"),
};
LAST_IS(stage, RS__PROJECT_STAGE__STAGE_HANDED_OVER);

static const struct rs_enum_value acceptance[] = {
    V(RS__ACCEPTANCE__ACCEPT_UNSPECIFIED, "未填", ""),
    V(RS__ACCEPTANCE__ACCEPT_PASSED, "合格", "合格"),
    V(RS__ACCEPTANCE__ACCEPT_FAILED, "不合格", "不合格"),
    V(RS__ACCEPTANCE__ACCEPT_PENDING, "未验收", "未验收"),
};
LAST_IS(acceptance, RS__ACCEPTANCE__ACCEPT_PENDING);

static const struct rs_enum_value training_type[] = {
    V(RS__TRAINING_TYPE__TRAIN_UNSPECIFIED, "未填", ""),
    V(RS__TRAINING_TYPE__TRAIN_SKILL, "技能培训", "技能培训"),
    V(RS__TRAINING_TYPE__TRAIN_PRACTICAL, "实用技术", "实用技术"),
    V(RS__TRAINING_TYPE__TRAIN_SELF, "自主培训", "自主培训"),
    V(RS__TRAINING_TYPE__TRAIN_EDUCATION, "学历教育资助", "学历教育资助"),
};
LAST_IS(training_type, RS__TRAINING_TYPE__TRAIN_EDUCATION);

static const struct rs_enum_value relief_reason[] = {
    V(RS__RELIEF_REASON__RELIEF_UNSPECIFIED, "未填", ""),
    V(RS__RELIEF_REASON__RELIEF_ILLNESS, "因病", "病|因病"),
    V(RS__RELIEF_REASON__RELIEF_DISASTER, "因灾", "灾|因灾"),
    V(RS__RELIEF_REASON__RELIEF_DISABILITY, "因残", "残|因残"),
    V(RS__RELIEF_REASON__RELIEF_EDUCATION, "因学", "学|因学"),
    V(RS__RELIEF_REASON__RELIEF_OTHER, "其他", "其他"),
};
LAST_IS(relief_reason, RS__RELIEF_REASON__RELIEF_OTHER);

static const struct rs_enum_value relief_kind[] = {
    V(RS__RELIEF_KIND__RKIND_UNSPECIFIED, "未分类", ""),
    V(RS__RELIEF_KIND__RKIND_HARDSHIP, "特困救助", "特困救助"),
    V(RS__RELIEF_KIND__RKIND_STUDY_AWARD, "升学奖励", "升学奖励"),
    V(RS__RELIEF_KIND__RKIND_NEW_YEAR, "年终慰问", "年终慰问"),
    V(RS__RELIEF_KIND__RKIND_OTHER, "其他救助", "其他"),
};
LAST_IS(relief_kind, RS__RELIEF_KIND__RKIND_OTHER);

static const struct rs_enum_value petition_channel[] = {
    V(RS__PETITION_CHANNEL__PCH_UNSPECIFIED, "未填", ""),
    V(RS__PETITION_CHANNEL__PCH_LETTER, "来信", "来信"),
    V(RS__PETITION_CHANNEL__PCH_VISIT, "来访", "来访"),
    V(RS__PETITION_CHANNEL__PCH_ONLINE, "网络", "网络"),
    V(RS__PETITION_CHANNEL__PCH_PHONE, "电话", "电话"),
    V(RS__PETITION_CHANNEL__PCH_REFERRED, "转办", "转办"),
};
LAST_IS(petition_channel, RS__PETITION_CHANNEL__PCH_REFERRED);

static const struct rs_enum_value petition_category[] = {
    V(RS__PETITION_CATEGORY__PCAT_UNSPECIFIED, "未填", ""),
    V(RS__PETITION_CATEGORY__PCAT_POLICY, "政策咨询", "政策咨询"),
    V(RS__PETITION_CATEGORY__PCAT_SUBSIDY, "直补", "直补"),
    V(RS__PETITION_CATEGORY__PCAT_PROJECT, "项目", "项目"),
    V(RS__PETITION_CATEGORY__PCAT_COMPENSATION, "安置补偿", "安置补偿"),
    V(RS__PETITION_CATEGORY__PCAT_HARDSHIP, "生活困难", "生活困难"),
    V(RS__PETITION_CATEGORY__PCAT_OTHER, "其他", "其他"),
};
LAST_IS(petition_category, RS__PETITION_CATEGORY__PCAT_OTHER);

static const struct rs_enum_value petition_status[] = {
    V(RS__PETITION_STATUS__PST_UNSPECIFIED, "未填", ""),
    V(RS__PETITION_STATUS__PST_RECEIVED, "受理", "受理"),
    V(RS__PETITION_STATUS__PST_IN_PROGRESS, "办理中", "办理中"),
    V(RS__PETITION_STATUS__PST_CLOSED, "办结", "办结"),
    V(RS__PETITION_STATUS__PST_REPEAT, "重复", "重复"),
};
LAST_IS(petition_status, RS__PETITION_STATUS__PST_REPEAT);

static const struct rs_enum_value petition_level[] = {
    V(RS__PETITION_LEVEL__PLV_UNSPECIFIED, "未填", ""),
    V(RS__PETITION_LEVEL__PLV_TOWNSHIP, "乡镇/街道", "乡镇/街道|乡镇|街道"),
    V(RS__PETITION_LEVEL__PLV_DISTRICT, "区", "区"),
    V(RS__PETITION_LEVEL__PLV_CITY, "市", "市"),
    V(RS__PETITION_LEVEL__PLV_PROVINCE, "省", "省"),
    V(RS__PETITION_LEVEL__PLV_NATIONAL, "国家", "国家"),
};
LAST_IS(petition_level, RS__PETITION_LEVEL__PLV_NATIONAL);

static const struct rs_enum_value survey_method[] = {
    V(RS__SURVEY_METHOD__SM_UNSPECIFIED, "未填", ""),
    V(RS__SURVEY_METHOD__SM_VISIT, "入户", "入户"),
    V(RS__SURVEY_METHOD__SM_PHONE, "电话", "电话"),
    V(RS__SURVEY_METHOD__SM_QUESTIONNAIRE, "问卷", "问卷"),
};
LAST_IS(survey_method, RS__SURVEY_METHOD__SM_QUESTIONNAIRE);

static const struct rs_enum_value budget_line[] = {
    V(RS__BUDGET_LINE_KIND__LINE_UNSPECIFIED, "未填", ""),
    V(RS__BUDGET_LINE_KIND__LINE_PERSONNEL, "人员经费", "基本支出-人员经费|人员经费"),
    V(RS__BUDGET_LINE_KIND__LINE_PUBLIC, "公用经费", "基本支出-公用经费|公用经费"),
    V(RS__BUDGET_LINE_KIND__LINE_PROJECT, "项目支出", "项目支出"),
    V(RS__BUDGET_LINE_KIND__LINE_GOV_FUND, "政府性基金", "政府性基金"),
    V(RS__BUDGET_LINE_KIND__LINE_STATE_CAPITAL, "国有资本经营", "国有资本经营"),
    V(RS__BUDGET_LINE_KIND__LINE_SOCIAL_INSURANCE, "社会保险基金", "社会保险基金|社保基金"),
    V(RS__BUDGET_LINE_KIND__LINE_TOTAL, "合计", "合计|预算合计|整体支出"),
};
LAST_IS(budget_line, RS__BUDGET_LINE_KIND__LINE_TOTAL);

static const struct rs_enum_value san_gong[] = {
    V(RS__SAN_GONG_KIND__SG_UNSPECIFIED, "未填", ""),
    V(RS__SAN_GONG_KIND__SG_OUTBOUND, "因公出国（境）费", "因公出国(境)|因公出国（境）|因公出国"),
    V(RS__SAN_GONG_KIND__SG_RECEPTION, "公务接待费", "公务接待"),
    V(RS__SAN_GONG_KIND__SG_VEHICLE_PURCHASE, "公务用车购置费", "公务用车购置"),
    V(RS__SAN_GONG_KIND__SG_VEHICLE_UPKEEP, "公务用车运行维护费", "公务用车运行维护"),
    V(RS__SAN_GONG_KIND__SG_TOTAL, "“三公”经费合计", "合计|三公经费合计|“三公”经费合计"),
};
LAST_IS(san_gong, RS__SAN_GONG_KIND__SG_TOTAL);

/* The township record types a nil return names: display name = the type's
 * label, aliases = its label and other Chinese names (rs_rtype_table.c);
 * rs_rtype_check_table fails when the two tables disagree. */
static const struct rs_enum_value record_type[] = {
    V(RS__RECORD_TYPE__RT_UNSPECIFIED, "未填", ""),
    V(RS__RECORD_TYPE__RT_PROJECT, "项目", "项目|后扶项目"),
    V(RS__RECORD_TYPE__RT_SUBSIDY, "直补", "直补|直补资金|补助"),
    V(RS__RECORD_TYPE__RT_TRAINING, "培训", "培训"),
    V(RS__RECORD_TYPE__RT_RELIEF, "救助", "救助"),
    V(RS__RECORD_TYPE__RT_PETITION, "信访", "信访"),
    V(RS__RECORD_TYPE__RT_SURVEY, "满意度调查", "满意度调查"),
};
LAST_IS(record_type, RS__RECORD_TYPE__RT_SURVEY);

const struct rs_enum_names rs_enum_table[] = {
    NAMES(rs__period__descriptor, period),
    NAMES(rs__project_category__descriptor, category),
    NAMES(rs__project_stage__descriptor, stage),
    NAMES(rs__acceptance__descriptor, acceptance),
    NAMES(rs__training_type__descriptor, training_type),
    NAMES(rs__relief_reason__descriptor, relief_reason),
    NAMES(rs__relief_kind__descriptor, relief_kind),
    NAMES(rs__petition_channel__descriptor, petition_channel),
    NAMES(rs__petition_category__descriptor, petition_category),
    NAMES(rs__petition_status__descriptor, petition_status),
    NAMES(rs__petition_level__descriptor, petition_level),
    NAMES(rs__survey_method__descriptor, survey_method),
    NAMES(rs__budget_line_kind__descriptor, budget_line),
    NAMES(rs__san_gong_kind__descriptor, san_gong),
    NAMES(rs__record_type__descriptor, record_type),
};

const size_t rs_enum_table_len = RS_NELEM(rs_enum_table);

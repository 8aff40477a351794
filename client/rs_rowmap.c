/*
 * rs_rowmap.c - turns CSV header and rows into rs.Record messages, driven by
 * one static column table per record type.
 *
 * Each table row names a column (the proto field name, money without its
 * "_fen" suffix), its Chinese aliases, its kind (string, text, u32, money,
 * milli, date, bool, enum), whether it is required and, for enums, the
 * Chinese labels of the values.  Where the value goes (offset, has_ flag,
 * enum descriptor) is looked up in the protobuf-c descriptors when the
 * header is read, so there is no setter per field.  The column convention
 * itself is docs/csv.md.
 *
 * Personal identifiers (the ID-card number or the name of the head of a
 * household, in relief files) are never copied into a record: the row's
 * household_ref becomes their keyed hash (rs_keyed.c), and a header with
 * such a column is refused when no district key was given.
 *
 * Does not: decode CSV text (rs_csv.c), read files, give records their id
 * (the outbox does), or decide what a valid record is: it calls
 * rs_validate_record and only translates the failing field back to the
 * column as the clerk wrote it.
 */
#include "rs_rowmap.h"

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_util.h"
#include "rs_validate.h"

/* A header cell longer than this cannot be any column; it also fits
 * rs_verdict.field, where the column name is reported. */
#define HEADER_MAX 64
/* No type has half as many columns, and duplicates are refused. */
#define MAX_COLS 64
/* Longest numeric cell we try to parse; longer ones are not numbers. */
#define NUM_MAX 48

#define UNIT_YUAN 100
#define UNIT_WAN 1000000

enum col_kind {
    K_STRING,   /* one line, trimmed */
    K_TEXT,     /* may hold line breaks */
    K_U32,      /* whole number; "1,234" allowed */
    K_MONEY,    /* 元 or 万元 in the file, int64 fen in the proto */
    K_MILLI,    /* decimal with up to 3 decimals, int64 thousandths */
    K_DATE,     /* uint32 YYYYMMDD */
    K_BOOL,
    K_ENUM
};

#define F_UUID 1u       /* the value must be a UUID */
#define F_PERCENT 2u    /* a trailing % is allowed */
#define F_IDENT_ID 4u   /* a personal identifier (ID card): only its keyed hash goes in `field` */
#define F_IDENT_NAME 8u /* a personal name: likewise, used when no ID is given */
#define F_IDENT (F_IDENT_ID | F_IDENT_NAME)

/* Chinese labels of one enum value, separated by '|'. */
struct enum_label {
    int value;
    const char *labels;
};

struct col_def {
    const char *name;       /* English column name */
    const char *field;      /* proto field name */
    const char *aliases;    /* Chinese aliases, separated by '|' */
    enum col_kind kind;
    bool required;
    unsigned flags;
    const struct enum_label *labels;   /* K_ENUM: ends with { 0, NULL } */
};

#define COL(n, a, k, req) { n, n, a, k, req, 0, NULL }
#define STR(n, a, req) COL(n, a, K_STRING, req)
#define TXT(n, a, req) COL(n, a, K_TEXT, req)
#define U32(n, a, req) COL(n, a, K_U32, req)
#define DATE(n, a, req) COL(n, a, K_DATE, req)
#define BOOLEAN(n, a) COL(n, a, K_BOOL, false)
#define MONEY(n, a, req) { n, n "_fen", a, K_MONEY, req, 0, NULL }
#define MILLI(n, a) { n, n "_milli", a, K_MILLI, false, 0, NULL }
#define ENUM(n, a, req, t) { n, n, a, K_ENUM, req, 0, t }
#define END_COLS { NULL, NULL, NULL, K_STRING, false, 0, NULL }
#define END_LABELS { 0, NULL }

/* ---------------------------------------------------------------- enum labels */

static const struct enum_label period_labels[] = {
    { RS__PERIOD__PERIOD_Q1, "一季度|第一季度" },
    { RS__PERIOD__PERIOD_Q2, "二季度|第二季度" },
    { RS__PERIOD__PERIOD_Q3, "三季度|第三季度" },
    { RS__PERIOD__PERIOD_Q4, "四季度|第四季度" },
    { RS__PERIOD__PERIOD_H1, "上半年" },
    { RS__PERIOD__PERIOD_H2, "下半年" },
    { RS__PERIOD__PERIOD_YEAR, "全年|年度" },
    END_LABELS
};

static const struct enum_label category_labels[] = {
    { RS__PROJECT_CATEGORY__CAT_ROAD, "道路硬化" },
    { RS__PROJECT_CATEGORY__CAT_POND, "山塘" },
    { RS__PROJECT_CATEGORY__CAT_CANAL, "渠道/沟渠|渠道|沟渠" },
    { RS__PROJECT_CATEGORY__CAT_WATER, "饮水" },
    { RS__PROJECT_CATEGORY__CAT_SEWER, "污水管网" },
    { RS__PROJECT_CATEGORY__CAT_BRIDGE, "桥梁" },
    { RS__PROJECT_CATEGORY__CAT_GRID, "电网" },
    { RS__PROJECT_CATEGORY__CAT_INDUSTRY, "产业" },
    { RS__PROJECT_CATEGORY__CAT_VILLAGE, "美丽家园" },
    { RS__PROJECT_CATEGORY__CAT_CAPACITY, "能力建设" },
    { RS__PROJECT_CATEGORY__CAT_OTHER, "其他" },
    END_LABELS
};

static const struct enum_label stage_labels[] = {
    { RS__PROJECT_STAGE__STAGE_PLANNED, "计划" },
    { RS__PROJECT_STAGE__STAGE_PUBLICIZED, "公示" },
    { RS__PROJECT_STAGE__STAGE_TENDERED, "招标" },
    { RS__PROJECT_STAGE__STAGE_BUILDING, "在建" },
    { RS__PROJECT_STAGE__STAGE_COMPLETED, "完工" },
    { RS__PROJECT_STAGE__STAGE_PRELIM_ACCEPTED, "初验" },
    { RS__PROJECT_STAGE__STAGE_ACCEPTED, "竣工验收" },
    { RS__PROJECT_STAGE__STAGE_HANDED_OVER, "移交管护" },
    END_LABELS
};

static const struct enum_label acceptance_labels[] = {
    { RS__ACCEPTANCE__ACCEPT_PASSED, "合格" },
    { RS__ACCEPTANCE__ACCEPT_FAILED, "不合格" },
    { RS__ACCEPTANCE__ACCEPT_PENDING, "未验收" },
    END_LABELS
};

static const struct enum_label training_type_labels[] = {
    { RS__TRAINING_TYPE__TRAIN_SKILL, "技能培训" },
    { RS__TRAINING_TYPE__TRAIN_PRACTICAL, "实用技术" },
    { RS__TRAINING_TYPE__TRAIN_SELF, "自主培训" },
    { RS__TRAINING_TYPE__TRAIN_EDUCATION, "学历教育资助" },
    END_LABELS
};

static const struct enum_label relief_reason_labels[] = {
    { RS__RELIEF_REASON__RELIEF_ILLNESS, "病|因病" },
    { RS__RELIEF_REASON__RELIEF_DISASTER, "灾|因灾" },
    { RS__RELIEF_REASON__RELIEF_DISABILITY, "残|因残" },
    { RS__RELIEF_REASON__RELIEF_EDUCATION, "学|因学" },
    { RS__RELIEF_REASON__RELIEF_OTHER, "其他" },
    END_LABELS
};

static const struct enum_label relief_kind_labels[] = {
    { RS__RELIEF_KIND__RKIND_HARDSHIP, "特困救助" },
    { RS__RELIEF_KIND__RKIND_STUDY_AWARD, "升学奖励" },
    { RS__RELIEF_KIND__RKIND_NEW_YEAR, "年终慰问" },
    { RS__RELIEF_KIND__RKIND_OTHER, "其他" },
    END_LABELS
};

static const struct enum_label petition_channel_labels[] = {
    { RS__PETITION_CHANNEL__PCH_LETTER, "来信" },
    { RS__PETITION_CHANNEL__PCH_VISIT, "来访" },
    { RS__PETITION_CHANNEL__PCH_ONLINE, "网络" },
    { RS__PETITION_CHANNEL__PCH_PHONE, "电话" },
    { RS__PETITION_CHANNEL__PCH_REFERRED, "转办" },
    END_LABELS
};

static const struct enum_label petition_category_labels[] = {
    { RS__PETITION_CATEGORY__PCAT_POLICY, "政策咨询" },
    { RS__PETITION_CATEGORY__PCAT_SUBSIDY, "直补" },
    { RS__PETITION_CATEGORY__PCAT_PROJECT, "项目" },
    { RS__PETITION_CATEGORY__PCAT_COMPENSATION, "安置补偿" },
    { RS__PETITION_CATEGORY__PCAT_HARDSHIP, "生活困难" },
    { RS__PETITION_CATEGORY__PCAT_OTHER, "其他" },
    END_LABELS
};

static const struct enum_label petition_status_labels[] = {
    { RS__PETITION_STATUS__PST_RECEIVED, "受理" },
    { RS__PETITION_STATUS__PST_IN_PROGRESS, "办理中" },
    { RS__PETITION_STATUS__PST_CLOSED, "办结" },
    { RS__PETITION_STATUS__PST_REPEAT, "重复" },
    END_LABELS
};

static const struct enum_label petition_level_labels[] = {
    { RS__PETITION_LEVEL__PLV_TOWNSHIP, "乡镇/街道|乡镇|街道" },
    { RS__PETITION_LEVEL__PLV_DISTRICT, "区" },
    { RS__PETITION_LEVEL__PLV_CITY, "市" },
    { RS__PETITION_LEVEL__PLV_PROVINCE, "省" },
    { RS__PETITION_LEVEL__PLV_NATIONAL, "国家" },
    END_LABELS
};

static const struct enum_label survey_method_labels[] = {
    { RS__SURVEY_METHOD__SM_VISIT, "入户" },
    { RS__SURVEY_METHOD__SM_PHONE, "电话" },
    { RS__SURVEY_METHOD__SM_QUESTIONNAIRE, "问卷" },
    END_LABELS
};

static const struct enum_label budget_line_labels[] = {
    { RS__BUDGET_LINE_KIND__LINE_PERSONNEL, "基本支出-人员经费|人员经费" },
    { RS__BUDGET_LINE_KIND__LINE_PUBLIC, "基本支出-公用经费|公用经费" },
    { RS__BUDGET_LINE_KIND__LINE_PROJECT, "项目支出" },
    { RS__BUDGET_LINE_KIND__LINE_GOV_FUND, "政府性基金" },
    { RS__BUDGET_LINE_KIND__LINE_STATE_CAPITAL, "国有资本经营" },
    { RS__BUDGET_LINE_KIND__LINE_SOCIAL_INSURANCE, "社会保险基金|社保基金" },
    END_LABELS
};

static const struct enum_label san_gong_labels[] = {
    { RS__SAN_GONG_KIND__SG_OUTBOUND, "因公出国(境)|因公出国（境）|因公出国" },
    { RS__SAN_GONG_KIND__SG_RECEPTION, "公务接待" },
    { RS__SAN_GONG_KIND__SG_VEHICLE_PURCHASE, "公务用车购置" },
    { RS__SAN_GONG_KIND__SG_VEHICLE_UPKEEP, "公务用车运行维护" },
    END_LABELS
};

/* ---------------------------------------------------------------- column tables */

/* Envelope columns, valid in every file; fields of rs.Record itself. */
static const struct col_def envelope_cols[] = {
    { "record_id", "id", "记录编号", K_STRING, false, F_UUID, NULL },
    STR("division_code", "乡镇代码|区划代码", false),
    U32("year", "年度", false),
    ENUM("period", "期间", false, period_labels),
    STR("submitted_by", "填报人", false),
    STR("remarks", "备注", false),
    { "supersedes", "supersedes", "替代记录", K_STRING, false, F_UUID, NULL },
    END_COLS
};

static const struct col_def project_cols[] = {
    STR("project_id", "项目编号", true),
    STR("plan_doc_no", "计划文号", false),
    STR("village", "村(社区)|村", false),
    STR("name", "项目名称", true),
    ENUM("category", "项目类别", true, category_labels),
    TXT("content", "建设内容", false),
    MILLI("scale_qty", "建设规模"),
    STR("scale_unit", "规模单位", false),
    MONEY("planned_investment", "计划投资", false),
    MONEY("fund_houfu", "后扶资金", false),
    MONEY("fund_kuqu", "库区基金", false),
    MONEY("fund_integrated", "整合资金", false),
    MONEY("fund_self", "群众自筹", false),
    MONEY("allocated", "下达资金", false),
    MONEY("completed_investment", "完成投资", false),
    MONEY("paid", "已支付资金|支付资金", false),
    { "progress_pct", "progress_pct", "形象进度", K_U32, false, F_PERCENT, NULL },
    ENUM("stage", "项目阶段|阶段", false, stage_labels),
    DATE("planned_start", "计划开工日期|计划开工", false),
    DATE("planned_end", "计划完工日期|计划完工", false),
    DATE("actual_start", "实际开工日期|实际开工", false),
    DATE("actual_end", "实际完工日期|实际完工", false),
    DATE("acceptance_date", "验收日期", false),
    ENUM("acceptance_result", "验收结果", false, acceptance_labels),
    U32("beneficiary_households", "受益户数", false),
    U32("beneficiary_resettlers", "受益移民人数|受益移民", false),
    STR("maintenance_owner", "管护主体", false),
    BOOLEAN("publicity_done", "是否公示"),
    END_COLS
};

static const struct col_def subsidy_cols[] = {
    STR("village", "村(社区)|村", true),
    U32("registered_persons", "核定人数", false),
    U32("persons_added", "新增人数", false),
    U32("persons_removed", "核减人数|减少人数", false),
    STR("removal_reason", "核减原因|减少原因", false),
    U32("persons_paid", "发放人数", false),
    { "standard_per_year", "standard_fen_per_year", "补助标准|直补标准", K_MONEY, false, 0,
      NULL },
    U32("months", "发放月数|月数", true),
    MONEY("amount_due", "应发金额", false),
    MONEY("amount_paid", "实发金额", false),
    DATE("paid_date", "发放日期", false),
    DATE("due_date", "应发日期", false),
    STR("channel", "发放渠道", false),
    U32("failed_payments", "发放失败笔数|失败笔数", false),
    END_COLS
};

static const struct col_def training_cols[] = {
    STR("batch_id", "培训批次号|批次编号", true),
    ENUM("type", "培训类型", true, training_type_labels),
    STR("course", "培训内容|课程", false),
    DATE("start_date", "开始日期", false),
    DATE("end_date", "结束日期", false),
    STR("provider", "培训机构", false),
    U32("planned_trainees", "计划培训人次", false),
    U32("trainees", "培训人次", true),
    U32("resettler_trainees", "移民培训人次", false),
    U32("certified", "考证人数", false),
    MONEY("cost", "培训费用", false),
    MONEY("subsidy_per_person", "人均补助", false),
    U32("subsidy_persons", "补助人数", false),
    MONEY("subsidy_total", "补助总额", false),
    END_COLS
};

static const struct col_def relief_cols[] = {
    STR("household_ref", "户编码", true),
    { "household_id", "household_ref", "身份证号|身份证号码|公民身份号码|户主身份证号", K_STRING, false,
      F_IDENT_ID, NULL },
    { "head_name", "household_ref", "户主姓名|户主", K_STRING, false, F_IDENT_NAME, NULL },
    STR("village", "村(社区)|村", false),
    ENUM("reason", "致困原因|原因", false, relief_reason_labels),
    ENUM("kind", "救助类别|类别", true, relief_kind_labels),
    U32("persons", "家庭人数|人数", false),
    MONEY("amount", "金额|救助金额", true),
    STR("approved_by", "审批人", false),
    DATE("paid_date", "发放日期", false),
    END_COLS
};

static const struct col_def petition_cols[] = {
    STR("case_id", "信访编号|案件编号", true),
    DATE("received_date", "受理日期", true),
    ENUM("channel", "信访渠道|渠道", false, petition_channel_labels),
    U32("visitors", "人次|来访人次", false),
    BOOLEAN("is_group", "是否集体访|集体访"),
    ENUM("category", "信访类别|类别", false, petition_category_labels),
    TXT("summary", "内容摘要|摘要", false),
    STR("handler", "承办人", false),
    DATE("due_date", "办理期限", false),
    DATE("closed_date", "办结日期", false),
    ENUM("status", "办理状态|状态", true, petition_status_labels),
    BOOLEAN("result_satisfied", "是否满意"),
    ENUM("level", "最高层级|层级", false, petition_level_labels),
    STR("village", "村(社区)|村", false),
    END_COLS
};

static const struct col_def survey_cols[] = {
    STR("survey_id", "调查编号", true),
    ENUM("method", "调查方式", false, survey_method_labels),
    U32("sample_size", "样本数", false),
    U32("valid", "有效样本数|有效样本", true),
    U32("satisfied", "满意人数|满意", false),
    U32("basically_satisfied", "基本满意人数|基本满意", false),
    U32("dissatisfied", "不满意人数|不满意", false),
    DATE("survey_date", "调查日期", false),
    END_COLS
};

static const struct col_def unit_profile_cols[] = {
    STR("unit_name", "单位名称", true),
    STR("admin_level", "机构级别", false),
    STR("funding", "经费形式", false),
    STR("accounting", "会计制度", false),
    TXT("departments", "内设机构", false),
    TXT("functions", "主要职能", false),
    STR("disclosure", "公开情况", false),
    END_COLS
};

static const struct col_def staffing_cols[] = {
    U32("establishment", "编制数", true),
    U32("in_service", "在职人数|在职", true),
    U32("retired", "退休人数|退休", false),
    U32("temporary", "临聘人数|临聘", false),
    U32("stated_total", "人员总计", false),
    END_COLS
};

static const struct col_def budget_line_cols[] = {
    ENUM("line", "支出类别|预算科目", true, budget_line_labels),
    MONEY("year_start", "年初预算", false),
    MONEY("adjusted", "调整后预算", false),
    MONEY("final", "决算|决算数", false),
    MONEY("higher_transfer", "上级转移支付", false),
    MONEY("key", "重点项目支出", false),
    STR("change_reason", "调整原因", false),
    END_COLS
};

static const struct col_def san_gong_cols[] = {
    ENUM("kind", "三公类别|类别", true, san_gong_labels),
    MONEY("budget", "预算|预算数", false),
    MONEY("final", "决算|决算数", false),
    MONEY("prev_budget", "上年预算|上年预算数", false),
    MONEY("prev_final", "上年决算|上年决算数", false),
    END_COLS
};

static const struct col_def procurement_cols[] = {
    MONEY("budget", "采购预算|预算", false),
    MONEY("actual", "实际采购|实际采购金额", false),
    END_COLS
};

static const struct col_def carry_over_cols[] = {
    MONEY("start", "年初结转结余", false),
    MONEY("end", "年末结转结余", false),
    END_COLS
};

static const struct col_def fixed_assets_cols[] = {
    MONEY("total", "固定资产总额|资产总额", false),
    MONEY("in_use", "在用固定资产|在用资产", false),
    END_COLS
};

static const struct col_def manual_score_cols[] = {
    STR("indicator", "指标编码|指标", true),
    U32("items_total", "检查项数", false),
    U32("items_passed", "达标项数", false),
    MILLI("score", "得分"),
    TXT("justification", "评分说明|说明", true),
    END_COLS
};

static const struct col_def stated_figure_cols[] = {
    STR("key", "数字键|键", true),
    STR("text", "原文", true),
    END_COLS
};

/*
 * One record type.  has[] are the columns that identify it in a header
 * (all must be present), lacks[] columns that must not be.  The array below
 * is in detection order (the CSV column convention): a type whose marker
 * column is distinctive comes before one that shares columns with others,
 * so relief (household_ref) is found before san_gong (kind + budget).
 */
struct type_def {
    rs_rtype type;
    const char *name;       /* also the rs.Record oneof field name */
    const ProtobufCMessageDescriptor *desc;
    const struct col_def *cols;
    const char *has[2];
    const char *lacks[2];
};

static const struct type_def types[] = {
    { RS__RECORD__BODY_PROJECT, "project", &rs__project__descriptor, project_cols,
      { "project_id", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_SUBSIDY, "subsidy", &rs__subsidy_payout__descriptor, subsidy_cols,
      { "registered_persons", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_TRAINING, "training", &rs__training__descriptor, training_cols,
      { "batch_id", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_RELIEF, "relief", &rs__relief__descriptor, relief_cols,
      { "household_ref", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_PETITION, "petition", &rs__petition__descriptor, petition_cols,
      { "case_id", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_SURVEY, "survey", &rs__survey__descriptor, survey_cols,
      { "survey_id", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_UNIT_PROFILE, "unit_profile", &rs__unit_profile__descriptor,
      unit_profile_cols, { "unit_name", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_STAFFING, "staffing", &rs__staffing__descriptor, staffing_cols,
      { "establishment", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_BUDGET_LINE, "budget_line", &rs__budget_line__descriptor,
      budget_line_cols, { "line", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_SAN_GONG, "san_gong", &rs__san_gong__descriptor, san_gong_cols,
      { "kind", "budget" }, { NULL, NULL } },
    { RS__RECORD__BODY_PROCUREMENT, "procurement", &rs__procurement__descriptor,
      procurement_cols, { "budget", "actual" }, { "kind", "line" } },
    { RS__RECORD__BODY_CARRY_OVER, "carry_over", &rs__carry_over__descriptor, carry_over_cols,
      { "start", "end" }, { NULL, NULL } },
    { RS__RECORD__BODY_FIXED_ASSETS, "fixed_assets", &rs__fixed_assets__descriptor,
      fixed_assets_cols, { "total", "in_use" }, { NULL, NULL } },
    { RS__RECORD__BODY_MANUAL_SCORE, "manual_score", &rs__manual_score__descriptor,
      manual_score_cols, { "indicator", NULL }, { NULL, NULL } },
    { RS__RECORD__BODY_STATED_FIGURE, "stated_figure", &rs__stated_figure__descriptor,
      stated_figure_cols, { "key", "text" }, { NULL, NULL } },
};

#define NTYPES (sizeof types / sizeof types[0])

/* ---------------------------------------------------------------- the map */

struct bound_col {
    const struct col_def *def;
    const ProtobufCFieldDescriptor *fd;
    bool on_record;         /* an envelope column (field of rs.Record) */
    bool required;          /* an empty cell is an error */
    int64_t unit_fen;       /* K_MONEY: UNIT_YUAN or UNIT_WAN */
    char header[HEADER_MAX];    /* the header cell as written, trimmed */
};

struct rs_rowmap {
    const struct type_def *type;
    const ProtobufCFieldDescriptor *body_fd;   /* the oneof member in rs.Record */
    struct rs_row_defaults defaults;
    bool has_key;
    uint8_t key[RS_DISTRICT_KEY_LEN];          /* the district key, for identifier columns */
    size_t ncols;
    struct bound_col cols[];
};

/* A placeholder id so rs_validate_record can check a record that has none yet. */
static char placeholder_id[] = "00000000-0000-4000-8000-000000000000";

/* ---------------------------------------------------------------- text helpers */

/* Trims s[0..*n) in place of the pointer: returns the start, updates *n. */
static const char *trim(const char *s, size_t *n)
{
    size_t k;

    while ((k = rs_blank_len(s, *n)) != 0) {
        s += k;
        *n -= k;
    }
    while ((k = rs_blank_len_back(s, *n)) != 0)
        *n -= k;
    return s;
}

static const char *trim_cell(const char *cell, size_t *n)
{
    if (!cell) {
        *n = 0;
        return "";
    }
    *n = strlen(cell);
    return trim(cell, n);
}

/* True if s[0..n) equals the NUL-terminated word, ASCII letters in any case. */
static bool ascii_ieq(const char *s, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char a = s[i], b = word[i];
        if (b == '\0')
            return false;
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return word[n] == '\0';
}

/* True if s[0..n) is one of the '|'-separated entries of list, byte for byte. */
static bool in_list(const char *list, const char *s, size_t n)
{
    const char *p = list;

    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && memcmp(p, s, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

static bool starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static bool contains(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;

    for (i = 0; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0)
            return true;
    return false;
}

/* Appends s to buf[0..cap) at *len if it fits whole; else appends "..." once. */
static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t k = strlen(s);

    if (*len >= cap)
        return;
    if (*len + k + 4 < cap) {
        memcpy(buf + *len, s, k);
        *len += k;
        buf[*len] = '\0';
        return;
    }
    if (*len + 4 <= cap)
        memcpy(buf + *len, "...", 4);
    *len = cap;   /* full: nothing more is appended */
}

/* ---------------------------------------------------------------- header */

/*
 * Finds the column named s[0..n) in t (or the envelope): English names in
 * any case, "<money>_wan" for 万元, or a Chinese alias exactly.
 */
static const struct col_def *find_col(const struct type_def *t, const char *s, size_t n,
                                      bool *on_record, bool *is_wan)
{
    const struct col_def *tables[2] = { envelope_cols, t->cols };
    size_t i;

    for (i = 0; i < 2; i++) {
        const struct col_def *c;
        for (c = tables[i]; c->name; c++) {
            size_t k = strlen(c->name);
            *on_record = i == 0;
            *is_wan = false;
            if (ascii_ieq(s, n, c->name) || in_list(c->aliases, s, n))
                return c;
            if (c->kind == K_MONEY && n == k + 4 && ascii_ieq(s + k, 4, "_wan") &&
                ascii_ieq(s, k, c->name)) {
                *is_wan = true;
                return c;
            }
        }
    }
    return NULL;
}

/* How a header cell resolved. */
struct resolved {
    const struct col_def *def;
    bool on_record;
    bool is_wan;            /* named as 万元 (_wan) */
    const char *unit;       /* text inside a trailing (...), or NULL */
    size_t unit_len;
};

/*
 * Resolves a trimmed header cell: first as a whole (aliases like "村(社区)"
 * contain parentheses), then as "<name>(<unit>)" with ASCII or full-width
 * parentheses.
 */
static bool resolve(const struct type_def *t, const char *s, size_t n, struct resolved *r)
{
    size_t open_len = 0, close_len = 0, i, base_n, unit_n;
    const char *unit;

    memset(r, 0, sizeof *r);
    r->def = find_col(t, s, n, &r->on_record, &r->is_wan);
    if (r->def)
        return true;
    if (n >= 1 && s[n - 1] == ')')
        close_len = 1;
    else if (n >= 3 && memcmp(s + n - 3, "）", 3) == 0)
        close_len = 3;
    if (!close_len)
        return false;
    for (i = n - close_len; i > 0; i--) {
        if (s[i - 1] == '(') {
            open_len = 1;
            i -= 1;
            break;
        }
        if (i >= 3 && memcmp(s + i - 3, "（", 3) == 0) {
            open_len = 3;
            i -= 3;
            break;
        }
    }
    if (!open_len)
        return false;
    base_n = i;
    unit = s + i + open_len;
    unit_n = n - close_len - i - open_len;
    s = trim(s, &base_n);
    unit = trim(unit, &unit_n);
    if (base_n == 0)
        return false;
    r->def = find_col(t, s, base_n, &r->on_record, &r->is_wan);
    if (!r->def)
        return false;
    r->unit = unit;
    r->unit_len = unit_n;
    return true;
}

/* 1 for 元, 2 for 万元 (either optionally followed by "/..."), 0 otherwise. */
static int money_unit(const char *u, size_t n)
{
    if (starts_with(u, n, "万元") && (n == 6 || u[6] == '/'))
        return 2;
    if (starts_with(u, n, "元") && (n == 3 || u[3] == '/'))
        return 1;
    return 0;
}

/* True if the header has a column that resolves, in type t, to column `name`. */
static bool header_has(const struct type_def *t, char *const *header, size_t ncols,
                       const char *name)
{
    struct resolved r;
    size_t i, n;

    for (i = 0; i < ncols; i++) {
        const char *s = trim_cell(header[i], &n);
        if (n && resolve(t, s, n, &r) && !r.on_record &&
            (strcmp(r.def->name, name) == 0 ||
             ((r.def->flags & F_IDENT) && strcmp(r.def->field, name) == 0)))
            return true;
    }
    return false;
}

/* True if the header has a column `name` of any type. */
static bool header_has_any(char *const *header, size_t ncols, const char *name)
{
    size_t i;

    for (i = 0; i < NTYPES; i++)
        if (header_has(&types[i], header, ncols, name))
            return true;
    return false;
}

static bool type_fits(const struct type_def *t, char *const *header, size_t ncols)
{
    size_t i;

    for (i = 0; i < 2; i++) {
        if (t->has[i] && !header_has(t, header, ncols, t->has[i]))
            return false;
        if (t->lacks[i] && header_has_any(header, ncols, t->lacks[i]))
            return false;
    }
    return true;
}

static const struct type_def *detect(char *const *header, size_t ncols, char *err,
                                     size_t errlen)
{
    char looked[256] = "";
    size_t i, len = 0;

    for (i = 0; i < NTYPES; i++)
        if (type_fits(&types[i], header, ncols))
            return &types[i];
    for (i = 0; i < NTYPES; i++) {
        if (i)
            append(looked, sizeof looked, &len, ", ");
        append(looked, sizeof looked, &len, types[i].has[0]);
        if (types[i].has[1]) {
            append(looked, sizeof looked, &len, "+");
            append(looked, sizeof looked, &len, types[i].has[1]);
        }
    }
    snprintf(err, errlen, "no record type fits the header: looked for %s", looked);
    return NULL;
}

static const struct type_def *type_by_rtype(rs_rtype t)
{
    size_t i;

    for (i = 0; i < NTYPES; i++)
        if (types[i].type == t)
            return &types[i];
    return NULL;
}

/* Checks that a column's kind agrees with its proto field (a table bug otherwise). */
static bool kind_fits(const struct col_def *c, const ProtobufCFieldDescriptor *fd)
{
    const struct enum_label *l;

    if (!fd || fd->label != PROTOBUF_C_LABEL_OPTIONAL)
        return false;
    switch (c->kind) {
    case K_STRING:
    case K_TEXT:
        return fd->type == PROTOBUF_C_TYPE_STRING;
    case K_U32:
    case K_DATE:
        return fd->type == PROTOBUF_C_TYPE_UINT32;
    case K_MONEY:
    case K_MILLI:
        return fd->type == PROTOBUF_C_TYPE_INT64;
    case K_BOOL:
        return fd->type == PROTOBUF_C_TYPE_BOOL;
    case K_ENUM:
        if (fd->type != PROTOBUF_C_TYPE_ENUM || !c->labels)
            return false;
        for (l = c->labels; l->labels; l++)
            if (!protobuf_c_enum_descriptor_get_value(fd->descriptor, l->value))
                return false;
        return true;
    }
    return false;
}

/* Binds header cell i (trimmed s[0..n)) to a column of type t. */
static rs_status bind_col(struct rs_rowmap *m, size_t i, const char *s, size_t n, char *err,
                          size_t errlen)
{
    struct bound_col *bc = &m->cols[i];
    const struct type_def *t = m->type;
    struct resolved r;
    int unit;
    size_t j;

    if (n >= HEADER_MAX || !resolve(t, s, n, &r)) {
        size_t shown = n;
        /* Quote at most 60 bytes, cut at a character boundary. */
        if (shown > 60) {
            shown = 60;
            while (shown > 0 && ((unsigned char)s[shown] & 0xc0) == 0x80)
                shown--;
        }
        snprintf(err, errlen, "unknown column '%.*s%s' for type %s", (int)shown, s,
                 shown < n ? "..." : "", t->name);
        return RS_EINVAL;
    }
    memcpy(bc->header, s, n);
    bc->header[n] = '\0';
    bc->def = r.def;
    bc->on_record = r.on_record;
    bc->unit_fen = r.is_wan ? UNIT_WAN : UNIT_YUAN;
    if (r.unit) {
        unit = money_unit(r.unit, r.unit_len);
        if (r.def->kind == K_MONEY) {
            if (!unit) {
                snprintf(err, errlen, "column '%s': unit must be 元 or 万元", bc->header);
                return RS_EINVAL;
            }
            if (r.is_wan && unit == 1) {
                snprintf(err, errlen, "column '%s': %s_wan is in 万元, not 元", bc->header,
                         r.def->name);
                return RS_EINVAL;
            }
            bc->unit_fen = unit == 2 ? UNIT_WAN : UNIT_YUAN;
        } else if (unit) {
            snprintf(err, errlen, "column '%s': %s is not an amount of money", bc->header,
                     r.def->name);
            return RS_EINVAL;
        }
    }
    bc->fd = protobuf_c_message_descriptor_get_field_by_name(
        r.on_record ? &rs__record__descriptor : t->desc, r.def->field);
    if (!kind_fits(r.def, bc->fd)) {
        snprintf(err, errlen, "column table of %s: %s does not fit field %s", t->name,
                 r.def->name, r.def->field);
        return RS_EINTERNAL;
    }
    if ((r.def->flags & F_IDENT) && !m->has_key) {
        snprintf(err, errlen,
                 "column '%s' holds personal identifiers, which are sent only as keyed hashes: "
                 "give the district key (--district-key FILE or RESETTLE_DISTRICT_KEY)",
                 bc->header);
        return RS_EINVAL;
    }
    bc->required = r.def->required;
    if (r.on_record && strcmp(r.def->name, "division_code") == 0)
        bc->required = m->defaults.division_code == NULL;
    if (r.on_record && strcmp(r.def->name, "year") == 0)
        bc->required = m->defaults.year == 0;
    for (j = 0; j < i; j++) {
        if (m->cols[j].def == bc->def) {
            snprintf(err, errlen, "duplicate column '%s' (same as '%s')", bc->header,
                     m->cols[j].header);
            return RS_EINVAL;
        }
        if (!m->cols[j].on_record && !bc->on_record &&
            ((m->cols[j].def->flags & F_IDENT) != 0) != ((bc->def->flags & F_IDENT) != 0) &&
            strcmp(m->cols[j].def->field, bc->def->field) == 0) {
            snprintf(err, errlen, "columns '%s' and '%s' both give %s: keep one of them",
                     m->cols[j].header, bc->header, bc->def->field);
            return RS_EINVAL;
        }
    }
    return RS_OK;
}

/* True if an identifier column that stands in for c is bound. */
static bool ident_bound_for(const struct rs_rowmap *m, const struct col_def *c)
{
    size_t i;

    for (i = 0; i < m->ncols; i++)
        if (!m->cols[i].on_record && (m->cols[i].def->flags & F_IDENT) &&
            strcmp(m->cols[i].def->field, c->field) == 0)
            return true;
    return false;
}

static bool is_bound(const struct rs_rowmap *m, const struct col_def *c)
{
    size_t i;

    for (i = 0; i < m->ncols; i++)
        if (m->cols[i].def == c)
            return true;
    return false;
}

/* The first alias of c, for messages: "项目编号" of "项目编号|编号". */
static int first_alias_len(const struct col_def *c)
{
    const char *bar = strchr(c->aliases, '|');
    return (int)(bar ? (size_t)(bar - c->aliases) : strlen(c->aliases));
}

static rs_status check_required(const struct rs_rowmap *m, char *err, size_t errlen)
{
    const struct col_def *c;

    for (c = m->type->cols; c->name; c++) {
        if (c->required && !is_bound(m, c) && !ident_bound_for(m, c)) {
            snprintf(err, errlen, "missing required column '%s' (%.*s) for type %s", c->name,
                     first_alias_len(c), c->aliases, m->type->name);
            return RS_EINVAL;
        }
    }
    for (c = envelope_cols; c->name; c++) {
        bool need = (strcmp(c->name, "division_code") == 0 && !m->defaults.division_code) ||
                    (strcmp(c->name, "year") == 0 && m->defaults.year == 0);
        if (need && !is_bound(m, c)) {
            snprintf(err, errlen, "missing required column '%s' (%.*s): no default given",
                     c->name, first_alias_len(c), c->aliases);
            return RS_EINVAL;
        }
    }
    return RS_OK;
}

rs_status rs_rowmap_open(char *const *header, size_t ncols, rs_rtype forced,
                         const struct rs_row_defaults *defaults, struct rs_rowmap **out,
                         char *err, size_t errlen)
{
    return rs_rowmap_open_keyed(header, ncols, forced, defaults, NULL, out, err, errlen);
}

rs_status rs_rowmap_open_keyed(char *const *header, size_t ncols, rs_rtype forced,
                               const struct rs_row_defaults *defaults,
                               const uint8_t *district_key, struct rs_rowmap **out, char *err,
                               size_t errlen)
{
    struct rs_rowmap *m = NULL;
    const struct type_def *t;
    rs_status rv = RS_OK;
    size_t named = ncols, i, n;
    const char *s;

    *out = NULL;
    if (errlen)
        err[0] = '\0';
    /* Excel leaves empty cells after the last column; they name nothing. */
    while (named > 0) {
        trim_cell(header[named - 1], &n);
        if (n)
            break;
        named--;
    }
    if (named == 0) {
        snprintf(err, errlen, "the header row is empty");
        return RS_EINVAL;
    }
    if (named > MAX_COLS) {
        snprintf(err, errlen, "header has %zu columns; at most %d", named, MAX_COLS);
        return RS_EINVAL;
    }
    for (i = 0; i < named; i++) {
        trim_cell(header[i], &n);
        if (!n) {
            snprintf(err, errlen, "column %zu of the header has no name", i + 1);
            return RS_EINVAL;
        }
    }
    if (forced == RS__RECORD__BODY__NOT_SET) {
        t = detect(header, named, err, errlen);
    } else if (!(t = type_by_rtype(forced))) {
        snprintf(err, errlen, "unknown record type %d", (int)forced);
    }
    if (!t)
        return RS_EINVAL;

    m = calloc(1, sizeof *m + named * sizeof m->cols[0]);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return RS_ENOMEM;
    }
    m->type = t;
    if (defaults)
        m->defaults = *defaults;
    if (district_key) {
        memcpy(m->key, district_key, RS_DISTRICT_KEY_LEN);
        m->has_key = true;
    }
    if (m->defaults.period == RS__PERIOD__PERIOD_UNSPECIFIED)
        m->defaults.period = RS__PERIOD__PERIOD_YEAR;
    m->body_fd = protobuf_c_message_descriptor_get_field_by_name(&rs__record__descriptor,
                                                                 t->name);
    if (!m->body_fd || m->body_fd->type != PROTOBUF_C_TYPE_MESSAGE ||
        (rs_rtype)m->body_fd->id != t->type) {
        snprintf(err, errlen, "type table: rs.Record has no body '%s'", t->name);
        rv = RS_EINTERNAL;
        goto out;
    }
    m->ncols = named;
    for (i = 0; i < named; i++) {
        s = trim_cell(header[i], &n);
        rv = bind_col(m, i, s, n, err, errlen);
        if (rv)
            goto out;
    }
    rv = check_required(m, err, errlen);
    if (rv)
        goto out;
    *out = m;
    m = NULL;
out:
    if (m)
        explicit_bzero(m->key, sizeof(m->key));
    free(m);
    return rv;
}

void rs_rowmap_close(struct rs_rowmap *m)
{
    if (m)
        explicit_bzero(m->key, sizeof(m->key));
    free(m);
}

rs_rtype rs_rowmap_type(const struct rs_rowmap *m)
{
    return m ? m->type->type : RS__RECORD__BODY__NOT_SET;
}

/* ---------------------------------------------------------------- cells */

static void set_verdict(struct rs_verdict *v, rs_status st, const char *field,
                        const char *reason)
{
    v->st = st;
    snprintf(v->field, sizeof v->field, "%s", field);
    snprintf(v->reason, sizeof v->reason, "%s", reason);
}

/* Words that make a figure approximate: 近600, 400余, 约3, 600多, 3左右, ... */
static const char *const approx_marks[] = {
    "近", "约", "余", "多", "左右", "上下", "逾", "超过", "以上", "以下", "不足", "不到",
    "几", "数", "~", "～", "≈", NULL
};

static bool is_approx(const char *s, size_t n)
{
    size_t i;

    for (i = 0; approx_marks[i]; i++)
        if (contains(s, n, approx_marks[i]))
            return true;
    return false;
}

/* Copies s[0..n) into buf as a C string; false if it does not fit. */
static bool to_cstr(const char *s, size_t n, char *buf, size_t cap)
{
    if (n >= cap)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

/*
 * Copies a whole number into buf without its thousands separators: "1,234"
 * -> "1234".  A comma must sit between groups of exactly three digits.
 */
static bool strip_thousands(const char *s, size_t n, char *buf, size_t cap)
{
    size_t i, o = 0, digits = 0;
    bool grouped = false;

    for (i = 0; i < n; i++) {
        if (s[i] == ',') {
            if (digits == 0 || (grouped && digits != 3) || (!grouped && digits > 3))
                return false;
            grouped = true;
            digits = 0;
            continue;
        }
        if (o + 1 >= cap)
            return false;
        buf[o++] = s[i];
        digits++;
    }
    if (grouped && digits != 3)
        return false;
    buf[o] = '\0';
    return true;
}

static void put_has(void *msg, const ProtobufCFieldDescriptor *fd)
{
    protobuf_c_boolean yes = 1;

    if (fd->type != PROTOBUF_C_TYPE_STRING && fd->type != PROTOBUF_C_TYPE_MESSAGE)
        memcpy((char *)msg + fd->quantifier_offset, &yes, sizeof yes);
}

static void put_u32(void *msg, const ProtobufCFieldDescriptor *fd, uint32_t v)
{
    memcpy((char *)msg + fd->offset, &v, sizeof v);
    put_has(msg, fd);
}

static void put_i64(void *msg, const ProtobufCFieldDescriptor *fd, int64_t v)
{
    memcpy((char *)msg + fd->offset, &v, sizeof v);
    put_has(msg, fd);
}

static void put_int(void *msg, const ProtobufCFieldDescriptor *fd, int v)
{
    memcpy((char *)msg + fd->offset, &v, sizeof v);
    put_has(msg, fd);
}

static rs_status put_str(void *msg, const ProtobufCFieldDescriptor *fd, const char *s,
                         size_t n)
{
    char *copy = malloc(n + 1);

    if (!copy)
        return RS_ENOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    memcpy((char *)msg + fd->offset, &copy, sizeof copy);
    return RS_OK;
}

static bool parse_bool(const char *s, size_t n, bool *out)
{
    if (ascii_ieq(s, n, "1") || ascii_ieq(s, n, "true") || ascii_ieq(s, n, "yes") ||
        in_list("是", s, n)) {
        *out = true;
        return true;
    }
    if (ascii_ieq(s, n, "0") || ascii_ieq(s, n, "false") || ascii_ieq(s, n, "no") ||
        in_list("否", s, n)) {
        *out = false;
        return true;
    }
    return false;
}

/* The English name of an enum value: "CAT_ROAD" -> "road" (compared in any case). */
static const char *enum_suffix(const ProtobufCEnumValue *ev)
{
    const char *us = strchr(ev->name, '_');
    return us ? us + 1 : ev->name;
}

static bool parse_enum(const struct col_def *c, const ProtobufCFieldDescriptor *fd,
                       const char *s, size_t n, int *out)
{
    const ProtobufCEnumDescriptor *ed = fd->descriptor;
    const struct enum_label *l;
    unsigned i;

    for (i = 0; i < ed->n_values; i++) {
        if (ed->values[i].value != 0 && ascii_ieq(s, n, enum_suffix(&ed->values[i]))) {
            *out = ed->values[i].value;
            return true;
        }
    }
    for (l = c->labels; l->labels; l++) {
        if (in_list(l->labels, s, n)) {
            *out = l->value;
            return true;
        }
    }
    return false;
}

/* "not one of: road/道路硬化, pond/山塘, ..." within reason[cap]. */
static void enum_reason(const struct col_def *c, const ProtobufCFieldDescriptor *fd,
                        char *reason, size_t cap)
{
    const ProtobufCEnumDescriptor *ed = fd->descriptor;
    const struct enum_label *l;
    char item[96];
    size_t len = 0;
    unsigned i;
    bool first = true;

    reason[0] = '\0';
    append(reason, cap, &len, "not one of: ");
    for (i = 0; i < ed->n_values; i++) {
        const char *zh = NULL;
        int zlen = 0;
        if (ed->values[i].value == 0)
            continue;
        for (l = c->labels; l->labels; l++) {
            if (l->value == ed->values[i].value) {
                const char *bar = strchr(l->labels, '|');
                zh = l->labels;
                zlen = (int)(bar ? (size_t)(bar - zh) : strlen(zh));
            }
        }
        snprintf(item, sizeof item, "%s%s%s%.*s", first ? "" : ", ", enum_suffix(&ed->values[i]),
                 zh ? "/" : "", zlen, zh ? zh : "");
        for (char *p = item; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        append(reason, cap, &len, item);
        first = false;
    }
}

/*
 * Parses cell s[0..n) (trimmed, not empty) of column bc into msg.  On a bad
 * value writes a reason and returns RS_EINVAL.
 */
static rs_status put_cell(const struct bound_col *bc, void *msg, const char *s, size_t n,
                          char *reason, size_t cap)
{
    const struct col_def *c = bc->def;
    char buf[NUM_MAX];
    uint32_t u;
    int64_t i64;
    int e;
    bool b;

    switch (c->kind) {
    case K_STRING:
        if (memchr(s, '\n', n) || memchr(s, '\r', n)) {
            snprintf(reason, cap, "must be on one line");
            return RS_EINVAL;
        }
        if ((c->flags & F_UUID) && (!to_cstr(s, n, buf, sizeof buf) || !rs_uuid_valid(buf))) {
            snprintf(reason, cap, "not a UUID");
            return RS_EINVAL;
        }
        return put_str(msg, bc->fd, s, n);
    case K_TEXT:
        return put_str(msg, bc->fd, s, n);
    case K_U32:
        if ((c->flags & F_PERCENT) && n >= 1 && s[n - 1] == '%')
            n -= 1;
        else if ((c->flags & F_PERCENT) && n >= 3 && memcmp(s + n - 3, "％", 3) == 0)
            n -= 3;
        if (!strip_thousands(s, n, buf, sizeof buf) || rs_u32_parse(buf, &u) != RS_OK)
            break;
        put_u32(msg, bc->fd, u);
        return RS_OK;
    case K_DATE:
        if (!to_cstr(s, n, buf, sizeof buf) || rs_date_parse(buf, &u) != RS_OK) {
            snprintf(reason, cap, "not a valid date (write 2023-04-15)");
            return RS_EINVAL;
        }
        put_u32(msg, bc->fd, u);
        return RS_OK;
    case K_MONEY:
        if (!to_cstr(s, n, buf, sizeof buf) || rs_money_parse(buf, bc->unit_fen, &i64) != RS_OK)
            break;
        put_i64(msg, bc->fd, i64);
        return RS_OK;
    case K_MILLI:
        if (!to_cstr(s, n, buf, sizeof buf) || rs_milli_parse(buf, &i64) != RS_OK)
            break;
        put_i64(msg, bc->fd, i64);
        return RS_OK;
    case K_BOOL:
        if (!parse_bool(s, n, &b)) {
            snprintf(reason, cap, "not yes or no (write 是/否, 1/0, true/false or yes/no)");
            return RS_EINVAL;
        }
        put_int(msg, bc->fd, b ? 1 : 0);
        return RS_OK;
    case K_ENUM:
        if (!parse_enum(c, bc->fd, s, n, &e)) {
            enum_reason(c, bc->fd, reason, cap);
            return RS_EINVAL;
        }
        put_int(msg, bc->fd, e);
        return RS_OK;
    }
    /* A number that did not parse. */
    if (is_approx(s, n))
        snprintf(reason, cap, "not an exact number");
    else if (c->kind == K_MONEY && bc->unit_fen == UNIT_WAN)
        snprintf(reason, cap, "not an amount in 万元 (digits, up to 6 decimals)");
    else if (c->kind == K_MONEY)
        snprintf(reason, cap, "not an amount in 元 (digits, up to 2 decimals)");
    else if (c->kind == K_MILLI)
        snprintf(reason, cap, "not a number (digits, up to 3 decimals)");
    else
        snprintf(reason, cap, "not a whole number");
    return RS_EINVAL;
}

static rs_status put_default_str(char **dst, const char *val)
{
    size_t n;

    if (*dst || !val)
        return RS_OK;
    n = strlen(val);
    *dst = malloc(n + 1);
    if (!*dst)
        return RS_ENOMEM;
    memcpy(*dst, val, n + 1);
    return RS_OK;
}

static rs_status apply_defaults(const struct rs_rowmap *m, Rs__Record *rec)
{
    rs_status rv;

    rv = put_default_str(&rec->division_code, m->defaults.division_code);
    if (rv)
        return rv;
    rv = put_default_str(&rec->submitted_by, m->defaults.submitted_by);
    if (rv)
        return rv;
    if (!rec->has_year && m->defaults.year) {
        rec->has_year = 1;
        rec->year = m->defaults.year;
    }
    if (!rec->has_period) {
        rec->has_period = 1;
        rec->period = m->defaults.period;
    }
    return RS_OK;
}

/*
 * Rewrites a verdict's field ("relief.amount_fen", "division_code") as the
 * column the clerk wrote ("金额(元)"), or as the English column name if the
 * file has no such column.
 */
static void map_field(const struct rs_rowmap *m, struct rs_verdict *v)
{
    const char *dot = strrchr(v->field, '.');
    const char *fname = dot ? dot + 1 : v->field;
    size_t plen = dot ? (size_t)(dot - v->field) : 0;
    bool body_only = dot && plen == strlen(m->type->name) &&
                     memcmp(v->field, m->type->name, plen) == 0;
    const struct col_def *tables[2] = { envelope_cols, m->type->cols };
    const struct col_def *c;
    size_t i, pass;

    /* A field under the type's prefix is the body's; any other is looked for
     * in the envelope first. */
    for (pass = body_only ? 1 : 0; pass < 2; pass++) {
        bool on_record = pass == 0;
        for (i = 0; i < m->ncols; i++) {
            if (m->cols[i].on_record == on_record && strcmp(m->cols[i].fd->name, fname) == 0) {
                snprintf(v->field, sizeof v->field, "%s", m->cols[i].header);
                return;
            }
        }
        for (c = tables[pass]; c->name; c++) {
            if (strcmp(c->field, fname) == 0) {
                snprintf(v->field, sizeof v->field, "%s", c->name);
                return;
            }
        }
    }
}

/* ---------------------------------------------------------------- identifiers */

/* One row's identifier cells, before hashing. */
struct ident_cells {
    const struct bound_col *id_col, *name_col, *first;
    const char *id, *name;
    size_t id_n, name_n;
};

/* Puts the keyed hash of the row's identifier (the ID card if given, else the name). */
static rs_status put_ident(const struct rs_rowmap *m, const struct ident_cells *ic, void *body,
                           struct rs_verdict *v)
{
    const struct bound_col *bc = ic->id ? ic->id_col : ic->name_col;
    char ref[RS_KEYED_REF_LEN + 1];
    rs_status rv;

    if (!bc) {
        set_verdict(v, RS_EINVAL, ic->first->header,
                    "required: the ID-card number or the name of the head of household");
        return RS_EINVAL;
    }
    rv = rs_rowmap_keyed_ref(m->key, ic->id ? RS_IDENT_ID_CARD : RS_IDENT_NAME,
                             ic->id ? ic->id : ic->name, ic->id ? ic->id_n : ic->name_n, ref);
    if (rv) {
        set_verdict(v, rv, bc->header, rv == RS_EINVAL ? "not an identifier (too long or not "
                                                         "text)"
                                                       : "cannot hash the identifier");
        return rv;
    }
    rv = put_str(body, bc->fd, ref, RS_KEYED_REF_LEN);
    if (rv)
        set_verdict(v, rv, "", "out of memory");
    return rv;
}

rs_status rs_rowmap_row(struct rs_rowmap *m, char *const *cells, size_t ncells,
                        Rs__Record **out, struct rs_verdict *v)
{
    struct ident_cells ic = {0};
    const ProtobufCMessageDescriptor *desc = m->type->desc;
    Rs__Record *rec = NULL;
    void *body = NULL;
    char reason[sizeof v->reason];
    size_t i, n, last = 0;
    rs_status rv = RS_OK;
    const char *s;
    bool had_id;

    *out = NULL;
    set_verdict(v, RS_OK, "", "");
    for (i = m->ncols; i < ncells; i++) {
        trim_cell(cells[i], &n);
        if (n)
            last = i + 1;
    }
    if (last) {
        /* No header names the cell, so the verdict names its position. */
        char where[32];
        snprintf(where, sizeof where, "column %zu", last);
        snprintf(reason, sizeof reason, "row has %zu cells, header has %zu", last, m->ncols);
        set_verdict(v, RS_EINVAL, where, reason);
        return RS_EINVAL;
    }

    rec = malloc(sizeof *rec);
    body = malloc(desc->sizeof_message);
    if (!rec || !body) {
        free(rec);
        free(body);
        set_verdict(v, RS_ENOMEM, "", "out of memory");
        return RS_ENOMEM;
    }
    rs__record__init(rec);
    protobuf_c_message_init(desc, body);
    memcpy((char *)rec + m->body_fd->offset, &body, sizeof body);
    rec->body_case = m->type->type;

    for (i = 0; i < m->ncols; i++) {
        const struct bound_col *bc = &m->cols[i];
        s = trim_cell(i < ncells ? cells[i] : NULL, &n);
        if (!bc->on_record && (bc->def->flags & F_IDENT)) {
            /* Identifiers are only ever hashed, after every cell is read. */
            if (!ic.first)
                ic.first = bc;
            if (n && (bc->def->flags & F_IDENT_ID)) {
                ic.id_col = bc;
                ic.id = s;
                ic.id_n = n;
            } else if (n) {
                ic.name_col = bc;
                ic.name = s;
                ic.name_n = n;
            }
            continue;
        }
        if (n == 0) {
            if (bc->required) {
                set_verdict(v, RS_EINVAL, bc->header, "required");
                rv = RS_EINVAL;
                goto out;
            }
            continue;
        }
        reason[0] = '\0';
        rv = put_cell(bc, bc->on_record ? (void *)rec : body, s, n, reason, sizeof reason);
        if (rv) {
            set_verdict(v, rv, bc->header, rv == RS_ENOMEM ? "out of memory" : reason);
            goto out;
        }
    }
    if (ic.first) {
        rv = put_ident(m, &ic, body, v);
        if (rv)
            goto out;
    }
    rv = apply_defaults(m, rec);
    if (rv) {
        set_verdict(v, rv, "", "out of memory");
        goto out;
    }

    had_id = rec->id != NULL;
    if (!had_id)
        rec->id = placeholder_id;
    rv = rs_validate_record(rec, v);
    if (!had_id)
        rec->id = NULL;
    if (rv) {
        if (v->st == RS_OK)
            v->st = rv;
        map_field(m, v);
        goto out;
    }
    *out = rec;
    rec = NULL;
out:
    if (rec)
        rs__record__free_unpacked(rec, NULL);
    return rv;
}

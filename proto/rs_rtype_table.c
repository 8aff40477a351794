/*
 * rs_rtype_table.c - the production record types: one entry per type, one
 * row per field, and the envelope's rows.
 *
 * This is the only place that says what a record type's fields are called
 * in a CSV file (English column and Chinese aliases), what kind of value
 * each holds and which rules apply, what the record's natural key is, how
 * a header is recognised as the type, and what docs/csv.md says about each.
 * Rows follow the message's fields in resettle.proto, in declaration order;
 * a CSV-only row (relief's household_id and head_name) sits next to the
 * field it fills.  Entries are in CSV detection order: a type whose marker
 * column is distinctive comes before one that shares columns with others,
 * so relief (household_ref) is found before san_gong (kind + budget).
 *
 * To add a field: declare it in resettle.proto (optional, next number) and
 * add its row here at the same place, with its kind, flags, rule (in
 * rs_rules.c, if it relates to other fields), Chinese aliases and doc; a new
 * enum also gets its names in rs_rtype_enums.c.  To add a record type: its
 * message and its member of rs.Record's `body` oneof in resettle.proto, its
 * rows and its entry here (at its place in detection order), its rules.
 * A new type also gets its section in docs/csv.md.in (a rs:type marker and
 * an example); then regenerate docs/csv.md (the csv-doc target).
 * tests/test_rtype.c fails until resettle.proto and this table agree (and
 * the validator refuses every record of a type whose rows do not); the
 * csv_doc test fails until docs/csv.md is regenerated.
 *
 * Does not: hold the rules' code (rs_rules.c), the enum names
 * (rs_rtype_enums.c), or any logic.
 */
#include "rs_rtype_data.h"
#include "rs_rules.h"

/* A row whose CSV column is its field name. */
#define ROW(n, al, k, fl, rule, unit, doc) {n, n, al, k, fl, rule, unit, doc}
#define STR(n, al, fl, rule, doc) ROW(n, al, RS_FK_STRING, fl, rule, NULL, doc)
#define TXT(n, al, fl, doc) ROW(n, al, RS_FK_TEXT, fl, NULL, NULL, doc)
#define CODE(n, al, fl, doc) ROW(n, al, RS_FK_CODE, fl, NULL, NULL, doc)
#define ENUM(n, al, fl, rule, doc) ROW(n, al, RS_FK_ENUM, fl, rule, NULL, doc)
#define DATE(n, al, fl, rule, doc) ROW(n, al, RS_FK_DATE, fl, rule, NULL, doc)
#define COUNT(n, al, fl, rule, unit, doc) ROW(n, al, RS_FK_COUNT, fl, rule, unit, doc)
#define BOOL(n, al, doc) ROW(n, al, RS_FK_BOOL, 0, NULL, NULL, doc)
/* Money: the field is "<n>_fen", the column "<n>" (in 元; "<n>_wan" in 万元). */
#define MONEY(n, al, fl, rule, doc) {n "_fen", n, al, RS_FK_MONEY, fl, rule, NULL, doc}
/* Thousandths: the field is "<n>_milli", the column "<n>". */
#define MILLI(n, al, k, unit, doc) {n "_milli", n, al, k, 0, NULL, unit, doc}

#define REQ RS_FF_REQUIRED

/* ---------------------------------------------------------------- envelope */

const struct rs_field rs_rtype_envelope_rows[] = {
    {"id", "record_id", "记录编号", RS_FK_STRING, REQ | RS_FF_UUID | RS_FF_CLIENT_FILLS, NULL,
     NULL,
     "Record id (UUID). Normally left out: the client makes one. Set it only to re-send a "
     "record under the same id."},
    STR("supersedes", "替代记录", RS_FF_UUID, rs_rule_supersedes,
        "Id (UUID) of an earlier version of this record that this row replaces. Rarely used."),
    STR("division_code", "乡镇代码|区划代码", REQ | RS_FF_DEFAULTABLE, rs_rule_division,
        "Division code of the office the row belongs to: 9 or 12 digits for a township, 6 for "
        "the district. Default: the office code in the client configuration."),
    ROW("year", "年度", RS_FK_YEAR, REQ | RS_FF_DEFAULTABLE, NULL, NULL,
        "Reporting year (2000-2100). Default: `--year`."),
    ENUM("period", "期间", REQ | RS_FF_CLIENT_FILLS, NULL,
         "Reporting period. Default: `--period`, else `year` (全年)."),
    STR("submitted_by", "填报人", 0, NULL, "Who filled in the row."),
    STR("remarks", "备注", 0, NULL, "Free remarks."),
};

const size_t rs_rtype_envelope_len = RS_NELEM(rs_rtype_envelope_rows);

/* ---------------------------------------------------------------- township */

static const struct rs_field project[] = {
    STR("project_id", "项目编号", REQ, NULL,
        "Project code, unique within the township and year. Identifies the project across "
        "versions."),
    STR("plan_doc_no", "计划文号", 0, NULL,
        "Number of the plan document or batch that approved the project."),
    STR("village", "村(社区)|村", 0, NULL, "Village (community) where the project is."),
    STR("name", "项目名称", REQ, NULL, "Project name."),
    ENUM("category", "项目类别", REQ, NULL, "Project category (values below)."),
    TXT("content", "建设内容", 0, "What is built."),
    MILLI("scale_qty", "建设规模", RS_FK_QUANTITY, "`scale_unit`",
          "Size of the project, in `scale_unit`; up to 3 decimals."),
    STR("scale_unit", "规模单位", 0, rs_rule_project_scale_unit,
        "Unit of `scale_qty`: km, m, 口, 条, 亩, m³, 处. Required when `scale_qty` is given."),
    MONEY("planned_investment", "计划投资", 0, NULL,
          "Planned total investment; not less than the four `fund_*` columns together."),
    MONEY("fund_houfu", "后扶资金", 0, NULL,
          "Part of the plan paid from 后扶资金 (later-stage support funds)."),
    MONEY("fund_kuqu", "库区基金", 0, NULL, "Part paid from 库区基金 (reservoir-area fund)."),
    MONEY("fund_integrated", "整合资金", 0, NULL, "Part paid from 整合资金 (integrated funds)."),
    MONEY("fund_self", "群众自筹", 0, rs_rule_project_funds,
          "Part raised by the villagers (群众自筹)."),
    MONEY("allocated", "下达资金", 0, NULL, "Funds allocated (下达) to the project so far."),
    MONEY("completed_investment", "完成投资", 0, NULL, "Investment completed so far."),
    MONEY("paid", "已支付资金|支付资金", 0, NULL, "Funds actually paid out so far."),
    ROW("progress_pct", "形象进度", RS_FK_PERCENT, 0, NULL, NULL,
        "Physical progress (形象进度), 0-100; \"85\" or \"85%\". 100 once the stage is 完工 or "
        "later."),
    ENUM("stage", "项目阶段|阶段", 0, rs_rule_project_progress, "Current stage (values below)."),
    DATE("planned_start", "计划开工日期|计划开工", 0, NULL, "Planned start date."),
    DATE("planned_end", "计划完工日期|计划完工", 0, rs_rule_project_planned_end,
         "Planned completion date; not before `planned_start`."),
    DATE("actual_start", "实际开工日期|实际开工", 0, NULL, "Actual start date."),
    DATE("actual_end", "实际完工日期|实际完工", 0, rs_rule_project_actual_end,
         "Actual completion date; not before `actual_start`. Required once the stage is 完工 "
         "or later."),
    DATE("acceptance_date", "验收日期", 0, rs_rule_project_acceptance_date,
         "Date of the completion acceptance; not before `actual_end`. Required at stage "
         "竣工验收 or 移交管护."),
    ENUM("acceptance_result", "验收结果", 0, rs_rule_project_acceptance_result,
         "Result of the acceptance (values below); must be 合格 at stage 竣工验收 or 移交管护."),
    COUNT("beneficiary_households", "受益户数", 0, NULL, "户", "Households that benefit."),
    COUNT("beneficiary_resettlers", "受益移民人数|受益移民", 0, NULL, "人",
          "Registered resettlers who benefit."),
    STR("maintenance_owner", "管护主体", 0, NULL,
        "Who maintains the project after hand-over (管护主体)."),
    BOOL("publicity_done", "是否公示", "Whether the project was publicly announced (公示)."),
};

static const struct rs_field subsidy[] = {
    STR("village", "村(社区)|村", REQ, NULL, "Village (community) paid."),
    COUNT("registered_persons", "核定人数", 0, NULL, "人",
          "Resettlers approved for the subsidy (核定人数)."),
    COUNT("persons_added", "新增人数", 0, NULL, "人", "Persons added in the period."),
    COUNT("persons_removed", "核减人数|减少人数", 0, rs_rule_subsidy_removed, "人",
          "Persons removed in the period; at most `registered_persons` + `persons_added`."),
    STR("removal_reason", "核减原因|减少原因", 0, NULL,
        "Why persons were removed: 死亡, 迁出, 错登 ..."),
    COUNT("persons_paid", "发放人数", 0, rs_rule_subsidy_paid, "人",
          "Persons actually paid; at most `registered_persons` + `persons_added`."),
    {"standard_fen_per_year", "standard_per_year", "补助标准|直补标准", RS_FK_MONEY,
     RS_FF_POSITIVE, NULL, "元/人/年",
     "Subsidy per person per year, normally 600 元; more than 0."},
    ROW("months", "发放月数|月数", RS_FK_MONTHS, REQ, NULL, NULL,
        "Months the payout covers, 1-12."),
    MONEY("amount_due", "应发金额", 0, NULL, "Amount due: persons x standard x months / 12."),
    MONEY("amount_paid", "实发金额", 0, NULL, "Amount actually paid."),
    DATE("paid_date", "发放日期", 0, NULL, "Date paid."),
    DATE("due_date", "应发日期", 0, NULL, "Date the payment was due."),
    STR("channel", "发放渠道", 0, NULL, "Payment channel, e.g. 一卡通."),
    COUNT("failed_payments", "发放失败笔数|失败笔数", 0, NULL, "笔",
          "Payments that failed (wrong account, ...)."),
    COUNT("households", "发放户数|户数", 0, NULL, "户", "Households paid (户数)."),
};

static const struct rs_field training[] = {
    STR("batch_id", "培训批次号|批次编号", REQ, NULL,
        "Training batch code, unique within the township and year."),
    ENUM("type", "培训类型", REQ, NULL, "Kind of training (values below)."),
    STR("course", "培训内容|课程", 0, NULL, "Course or trade taught."),
    DATE("start_date", "开始日期", 0, NULL, "First day."),
    DATE("end_date", "结束日期", 0, rs_rule_training_end_date,
         "Last day; not before `start_date`."),
    STR("provider", "培训机构", 0, NULL, "School or company that gave the training."),
    COUNT("planned_trainees", "计划培训人次", 0, NULL, "人次", "Trainees planned."),
    COUNT("trainees", "培训人次", REQ, NULL, "人次", "Trainees who attended."),
    COUNT("resettler_trainees", "移民培训人次", 0, rs_rule_training_resettler_trainees, "人次",
          "Of whom registered resettlers; at most `trainees`."),
    COUNT("certified", "考证人数", 0, rs_rule_training_certified, "人",
          "Trainees who obtained a certificate; at most `trainees`."),
    MONEY("cost", "培训费用", 0, NULL, "Total cost of the batch."),
    MONEY("subsidy_per_person", "人均补助", 0, NULL, "Subsidy paid per trainee."),
    COUNT("subsidy_persons", "补助人数", 0, rs_rule_training_subsidy_persons, "人",
          "Trainees who received the subsidy; at most `trainees`."),
    MONEY("subsidy_total", "补助总额", 0, NULL,
          "Total subsidy paid; should equal per person x persons."),
};

static const struct rs_field relief[] = {
    STR("household_ref", "户编码", REQ, rs_rule_relief_household,
        "Household code (village-local code or keyed hash, never an ID-card number)."),
    {"household_ref", "household_id", "身份证号|身份证号码|公民身份号码|户主身份证号",
     RS_FK_STRING, RS_FF_CSV_ONLY | RS_FF_ID_CARD, NULL, NULL,
     "ID-card number of the head of household (18 or 15 digits); only its keyed hash is sent, "
     "as `household_ref`."},
    {"household_ref", "head_name", "户主姓名|户主", RS_FK_STRING,
     RS_FF_CSV_ONLY | RS_FF_HEAD_NAME, NULL, NULL,
     "Name of the head of household, used when the row has no ID-card number; only its keyed "
     "hash is sent, as `household_ref`."},
    STR("village", "村(社区)|村", 0, NULL, "Village (community) of the household."),
    ENUM("reason", "致困原因|原因", 0, NULL, "Cause of hardship (values below)."),
    ENUM("kind", "救助类别|类别", REQ, NULL, "Kind of relief (values below)."),
    COUNT("persons", "家庭人数|人数", RS_FF_POSITIVE, NULL, "人",
          "Persons in the household; at least 1."),
    MONEY("amount", "金额|救助金额", REQ | RS_FF_POSITIVE, NULL,
          "Amount paid to the household; more than 0."),
    STR("approved_by", "审批人", 0, NULL, "Who approved the payment."),
    DATE("paid_date", "发放日期", 0, NULL,
         "Date paid. With `household_ref` and `kind` it identifies the payment, so give it "
         "when a household gets the same kind of relief more than once a year."),
};

static const struct rs_field petition[] = {
    STR("case_id", "信访编号|案件编号", REQ, NULL,
        "Case code, unique within the township and year."),
    DATE("received_date", "受理日期", REQ, NULL, "Date the case was received."),
    ENUM("channel", "信访渠道|渠道", 0, NULL, "How the case came in (values below)."),
    COUNT("visitors", "人次|来访人次", 0, NULL, "人次", "Number of visitors."),
    BOOL("is_group", "是否集体访|集体访", "Whether it was a group visit (集体访)."),
    ENUM("category", "信访类别|类别", 0, NULL, "What the case is about (values below)."),
    TXT("summary", "内容摘要|摘要", 0, "Short summary of the case."),
    STR("handler", "承办人", 0, NULL, "Who handles the case."),
    DATE("due_date", "办理期限", 0, rs_rule_petition_due,
         "Deadline for closing the case; not before `received_date`."),
    DATE("closed_date", "办结日期", 0, rs_rule_petition_closed,
         "Date closed; not before `received_date`."),
    ENUM("status", "办理状态|状态", REQ, NULL,
         "Where the case stands (values below). A closed case needs `closed_date`."),
    BOOL("result_satisfied", "是否满意", "Whether the petitioner was satisfied with the result."),
    ENUM("level", "最高层级|层级", 0, NULL,
         "Highest level the petitioner went to (values below)."),
    STR("village", "村(社区)|村", 0, NULL, "Village (community) of the petitioner."),
};

static const struct rs_field survey[] = {
    STR("survey_id", "调查编号", REQ, NULL, "Survey code, unique within the township and year."),
    ENUM("method", "调查方式", 0, NULL, "How the survey was done (values below)."),
    COUNT("sample_size", "样本数", 0, NULL, NULL,
          "Questionnaires handed out or households asked."),
    COUNT("valid", "有效样本数|有效样本", REQ, rs_rule_survey_valid, NULL,
          "Valid answers, at most `sample_size` and at least the three answer counts together; "
          "the satisfaction rate is computed over these."),
    COUNT("satisfied", "满意人数|满意", 0, NULL, NULL, "Answers \"satisfied\"."),
    COUNT("basically_satisfied", "基本满意人数|基本满意", 0, NULL, NULL,
          "Answers \"basically satisfied\"."),
    COUNT("dissatisfied", "不满意人数|不满意", 0, rs_rule_survey_answers, NULL,
          "Answers \"dissatisfied\"."),
    DATE("survey_date", "调查日期", 0, NULL, "Date of the survey (or of its end)."),
};

static const struct rs_field nil_return[] = {
    ENUM("record_type", "报表类型|记录类型|业务类型", REQ, NULL,
         "The township record type there is nothing of this period (values below: each "
         "township type's English name or Chinese label)."),
    STR("statement", "情况说明|无业务说明", REQ, NULL,
        "The clerk's statement, e.g. 今期无此项业务."),
};

/* ---------------------------------------------------------------- unit level */

static const struct rs_field unit_profile[] = {
    STR("unit_name", "单位名称", REQ, NULL, "Full name of the unit."),
    STR("admin_level", "机构级别", 0, NULL, "Administrative level, e.g. 正科级."),
    STR("funding", "经费形式", 0, NULL, "How the unit is funded, e.g. 财政预算全额拨款."),
    STR("accounting", "会计制度", 0, NULL, "Accounting system, e.g. 事业单位会计制度."),
    TXT("departments", "内设机构", 0, "Internal departments, separated by 、."),
    TXT("functions", "主要职能", 0,
        "Main functions, one per line (a quoted cell may hold line breaks)."),
    STR("disclosure", "公开情况", 0, NULL, "Where budgets and final accounts are published."),
};

static const struct rs_field staffing[] = {
    COUNT("establishment", "编制数|核定编制", 0, NULL, "人",
          "Authorised posts (编制数), the quota: not a headcount."),
    COUNT("in_service", "在职人数|在职|实有人数", 0, NULL, "人",
          "Staff in service (在职, 实有人数): a headcount."),
    COUNT("retired", "退休人数|退休", 0, NULL, "人", "Retired staff (退休)."),
    COUNT("temporary", "临聘人数|临聘", 0, NULL, "人", "Temporary staff (临聘)."),
    COUNT("stated_total", "人员总计", 0, NULL, "人",
          "Total headcount as the unit states it in its report; checked against the "
          "categories given."),
    COUNT("veteran_retired", "离休人数|离休", 0, NULL, "人", "Veteran cadres retired (离休)."),
    STR("sub_unit", "二级单位|下属单位", 0, NULL,
        "Name of the sub-unit (二级单位) this row counts; empty for the unit itself. One row "
        "per sub-unit and one for the unit."),
};

static const struct rs_field budget_line[] = {
    ENUM("line", "支出类别|预算科目", REQ, NULL,
         "Which budget line (values below); identifies the row. `total` (合计) is the whole "
         "budget, for a unit that publishes only its total or to state the total beside the "
         "lines."),
    MONEY("year_start", "年初预算|年初预算数", 0, NULL,
          "Budget at the start of the year (年初预算)."),
    MONEY("adjusted", "调整后预算|全年预算|全年预算数", 0, NULL,
          "Budget after adjustments (调整后预算, 全年预算)."),
    MONEY("final", "决算|决算数", 0, NULL, "Final accounts (决算)."),
    MONEY("higher_transfer", "上级转移支付", 0, NULL,
          "Transfers from higher levels (上级转移支付), left out of the adjustment rate."),
    MONEY("key", "重点项目支出", 0, NULL, "Spending on key projects within `final`."),
    STR("change_reason", "调整原因", 0, NULL,
        "Why the final figure differs from the year-start budget."),
    MONEY("addition", "本年追加|本年追加预算|追加预算", 0, NULL,
          "Mid-year additions to the budget (本年追加), apart from `higher_transfer`."),
    MONEY("prev_year_start", "上年年初预算|上年预算", 0, NULL,
          "Last year's year-start budget of the line (上年年初预算)."),
    MONEY("prev_final", "上年决算|上年决算数", 0, NULL, "Last year's final accounts (上年决算)."),
};

static const struct rs_field san_gong[] = {
    ENUM("kind", "三公类别|类别", REQ, NULL,
         "Which of the three public expenses (values below); identifies the row. `total` (合计) "
         "is the 三公 total, for a unit that publishes it without its split."),
    MONEY("budget", "预算|预算数", 0, NULL, "This year's budget."),
    MONEY("final", "决算|决算数", 0, NULL, "This year's final accounts."),
    MONEY("prev_budget", "上年预算|上年预算数", 0, NULL, "Last year's budget."),
    MONEY("prev_final", "上年决算|上年决算数", 0, NULL, "Last year's final accounts."),
};

static const struct rs_field procurement[] = {
    MONEY("budget", "政府采购预算数|采购预算|预算", 0, NULL,
          "Government procurement budget. Give `budget`, `actual` or both."),
    MONEY("actual", "实际采购金额|实际采购", 0, rs_rule_procurement,
          "Procurement actually made."),
};

static const struct rs_field carry_over[] = {
    MONEY("start", "年初结转结余", 0, NULL,
          "Carried-over balance at the start of the year (年初结转结余). Give `start`, `end` or "
          "both."),
    MONEY("end", "年末结转结余", 0, rs_rule_carry_over,
          "Carried-over balance at the end of the year (年末结转结余)."),
};

static const struct rs_field fixed_assets[] = {
    MONEY("total", "固定资产总额|资产总额", 0, NULL,
          "Total fixed assets. Give `total`, `in_use` or both."),
    MONEY("in_use", "在用固定资产|在用资产", 0, rs_rule_fixed_assets,
          "Fixed assets in use; at most `total`."),
};

static const struct rs_field manual_score[] = {
    CODE("indicator", "指标编码|指标", REQ,
         "Indicator code in the framework file: lower-case letters, digits, `_`, `.` and `-`, "
         "e.g. `c1.2`."),
    COUNT("items_total", "检查项数", 0, NULL, "项", "Checklist indicators: number of items."),
    COUNT("items_passed", "达标项数", 0, rs_rule_manual_score_items, "项",
          "Checklist indicators: items satisfied; at most `items_total`."),
    MILLI("score", "得分", RS_FK_SCORE, NULL, "Manual indicators: points given, up to 3 decimals."),
    TXT("justification", "评分说明|说明", REQ, "Why: documents seen, what is missing."),
};

static const struct rs_field stated_figure[] = {
    CODE("key", "数字键|键", REQ,
         "Which figure, e.g. `relief_households` (lower-case letters, digits, `_`, `.` and `-`); "
         "the keys are listed in the framework file. `score.<indicator>` (its code or formula "
         "slug, e.g. `score.procurement`), `score.total` and `grade` state a published score."),
    STR("text", "原文", REQ, NULL,
        "The figure exactly as printed: \"2026.86\", \"100%\", \"400余户\", \"近600万元\". One "
        "line. Not parsed, so approximate wording is allowed here and only here. A published "
        "score is \"7.6分\" or \"2/2分\" (points given / the published table's points for it); "
        "a grade is 优, 良, 中 or 差."),
};

/* ---------------------------------------------------------------- types */

#define FIELDS(a) .fields = a, .nfields = RS_NELEM(a)

const struct rs_rtype_def rs_rtype_table[] = {
    {.type = RS__RECORD__BODY_PROJECT, .name = "project", .label = "项目", .aliases = "后扶项目",
     .level = RS_LEVEL_TOWNSHIP, .desc = &rs__project__descriptor, FIELDS(project),
     .key = {{"project_id", 0}}, .label_field = "project_id", .has = {"project_id"},
     .doc = "Later-stage support (后扶) project progress, one row per project."},
    {.type = RS__RECORD__BODY_SUBSIDY, .name = "subsidy", .label = "直补",
     .aliases = "直补资金|补助", .level = RS_LEVEL_TOWNSHIP,
     .desc = &rs__subsidy_payout__descriptor, FIELDS(subsidy),
     .key = {{"village", 0}, {"period", RS_KEY_ENVELOPE}}, .label_field = "village",
     .has = {"registered_persons"},
     .doc = "Direct subsidy (直补资金) payout, one row per village and period."},
    {.type = RS__RECORD__BODY_TRAINING, .name = "training", .label = "培训", .aliases = "",
     .level = RS_LEVEL_TOWNSHIP, .desc = &rs__training__descriptor, FIELDS(training),
     .key = {{"batch_id", 0}}, .label_field = "batch_id", .has = {"batch_id"},
     .doc = "Training batch, one row per batch."},
    {.type = RS__RECORD__BODY_RELIEF, .name = "relief", .label = "救助", .aliases = "",
     .level = RS_LEVEL_TOWNSHIP, .desc = &rs__relief__descriptor, FIELDS(relief),
     .key = {{"household_ref", 0}, {"kind", 0}, {"paid_date", RS_KEY_ZERO}},
     .label_field = "household_ref", .has = {"household_ref"},
     .doc = "Relief payment to one household. `household_ref` is a village-local code or a "
            "keyed hash, never an ID-card number."},
    {.type = RS__RECORD__BODY_PETITION, .name = "petition", .label = "信访", .aliases = "",
     .level = RS_LEVEL_TOWNSHIP, .desc = &rs__petition__descriptor, FIELDS(petition),
     .key = {{"case_id", 0}}, .label_field = "case_id", .has = {"case_id"},
     .doc = "Petition (信访) case, one row per case."},
    {.type = RS__RECORD__BODY_SURVEY, .name = "survey", .label = "满意度调查", .aliases = "",
     .level = RS_LEVEL_TOWNSHIP, .desc = &rs__survey__descriptor, FIELDS(survey),
     .key = {{"survey_id", 0}}, .label_field = "survey_id", .has = {"survey_id"},
     .doc = "Satisfaction survey, one row per survey."},
    {.type = RS__RECORD__BODY_NIL_RETURN, .name = "nil_return", .label = "零报告",
     .aliases = "无业务报告", .level = RS_LEVEL_TOWNSHIP, .desc = &rs__nil_return__descriptor,
     FIELDS(nil_return), .key = {{"record_type", 0}, {"period", RS_KEY_ENVELOPE}},
     .label_field = "record_type", .has = {"record_type", "statement"},
     .doc = "Nil return: nothing of one township record type to report for the period "
            "(今期无此项业务). One row per type and period."},
    {.type = RS__RECORD__BODY_UNIT_PROFILE, .name = "unit_profile", .label = "单位概况",
     .aliases = "", .level = RS_LEVEL_CENTRAL, .desc = &rs__unit_profile__descriptor,
     FIELDS(unit_profile), .has = {"unit_name"}, .doc = "The unit's own profile."},
    {.type = RS__RECORD__BODY_STAFFING, .name = "staffing", .label = "人员编制", .aliases = "",
     .level = RS_LEVEL_CENTRAL, .desc = &rs__staffing__descriptor, FIELDS(staffing),
     .key = {{"sub_unit", RS_KEY_OPTIONAL}}, .label_field = "sub_unit",
     .has = {"establishment"},
     .doc = "Headcount by category and the quota, for the unit or one of its sub-units."},
    {.type = RS__RECORD__BODY_BUDGET_LINE, .name = "budget_line", .label = "预算行",
     .aliases = "预算科目", .level = RS_LEVEL_CENTRAL, .desc = &rs__budget_line__descriptor,
     FIELDS(budget_line), .key = {{"line", 0}}, .label_field = "line", .has = {"line"},
     .doc = "One budget line: year-start budget, adjusted budget and final accounts."},
    {.type = RS__RECORD__BODY_SAN_GONG, .name = "san_gong", .label = "三公经费", .aliases = "",
     .level = RS_LEVEL_CENTRAL, .desc = &rs__san_gong__descriptor, FIELDS(san_gong),
     .key = {{"kind", 0}}, .label_field = "kind", .has = {"kind", "budget"},
     .doc = "One of the \"three public expenses\" (三公经费), this year and last."},
    {.type = RS__RECORD__BODY_PROCUREMENT, .name = "procurement", .label = "政府采购",
     .aliases = "", .level = RS_LEVEL_CENTRAL, .desc = &rs__procurement__descriptor,
     FIELDS(procurement), .has = {"budget", "actual"}, .lacks = {"kind", "line"},
     .doc = "Government procurement, budget and actual."},
    {.type = RS__RECORD__BODY_CARRY_OVER, .name = "carry_over", .label = "结转结余",
     .aliases = "", .level = RS_LEVEL_CENTRAL, .desc = &rs__carry_over__descriptor,
     FIELDS(carry_over), .has = {"start", "end"},
     .doc = "Carried-over balances at the start and end of the year."},
    {.type = RS__RECORD__BODY_FIXED_ASSETS, .name = "fixed_assets", .label = "固定资产",
     .aliases = "", .level = RS_LEVEL_CENTRAL, .desc = &rs__fixed_assets__descriptor,
     FIELDS(fixed_assets), .has = {"total", "in_use"},
     .doc = "Fixed assets, total and in use."},
    {.type = RS__RECORD__BODY_MANUAL_SCORE, .name = "manual_score", .label = "人工评分",
     .aliases = "评分事项", .level = RS_LEVEL_CENTRAL, .desc = &rs__manual_score__descriptor,
     FIELDS(manual_score), .key = {{"indicator", 0}}, .label_field = "indicator",
     .has = {"indicator"},
     .doc = "Answer to a checklist or manual indicator of the evaluation framework."},
    {.type = RS__RECORD__BODY_STATED_FIGURE, .name = "stated_figure", .label = "报告所载数字",
     .aliases = "报告数字", .level = RS_LEVEL_CENTRAL, .desc = &rs__stated_figure__descriptor,
     FIELDS(stated_figure), .key = {{"key", 0}}, .label_field = "key", .has = {"key", "text"},
     .doc = "A figure exactly as the unit printed it in its own report; the consistency "
            "checker compares it with what the records give."},
};

const size_t rs_rtype_table_len = RS_NELEM(rs_rtype_table);

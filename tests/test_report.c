/*
 * test_report.c - the rendered report in all four formats, the township
 * form, and rs_report_build on a real store (also with thousands of records
 * read through its helper thread, and past its memory cap).
 *
 * The dataset is seed-like: the seed's unit finance and stated figures,
 * and a few township records per township that reproduce its district
 * figures (20 口 ponds, 50 条 roads, 8 条 canals, 158万 in 磨刀村, 80
 * person-times and 32.8万 of training, 25万 of relief, no petition above
 * the district).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ooxml_read.h"
#include "rs_eval.h"
#include "rs_framework.h"
#include "rs_report.h"
#include "rs_report_build.h"
#include "rs_store.h"
#include "rs_util.h"
#include "tmpdir.h"

#define FW_DIR RS_SOURCE_DIR "/server/frameworks"
#define W(c) ((int64_t)(c) * 10000) /* c in hundredths of 万元: W(14093) is 140.93万元 */
#define YUAN(y) ((int64_t)(y) * 100)
#define DIV_UNIT "430602"
#define DIV_A "430602001"
#define DIV_B "430602002"
#define DIV_C "430602200"
#define MAX_RECS 64

/* ------------------------------------------------------------ records */

struct packed {
    char id[40];
    char div[16];
    Rs__Record__BodyCase type;
    uint8_t *body;
    size_t len;
};

static struct packed recs[MAX_RECS];
static size_t nrecs;

/* Keeps a packed copy of r (for the store) with a fresh id. */
static void emit(Rs__Record *r, const char *div)
{
    struct packed *p = &recs[nrecs];

    assert_true(nrecs < MAX_RECS);
    snprintf(p->id, sizeof p->id, "00000000-0000-4000-8000-0000%08zu", nrecs + 1);
    snprintf(p->div, sizeof p->div, "%s", div);
    r->id = p->id;
    r->division_code = (char *)div;
    r->has_year = true;
    r->year = 2023;
    r->has_period = true;
    r->period = RS__PERIOD__PERIOD_YEAR;
    p->type = r->body_case;
    p->len = rs__record__get_packed_size(r);
    p->body = malloc(p->len);
    assert_non_null(p->body);
    assert_int_equal(rs__record__pack(r, p->body), p->len);
    nrecs++;
}

#define EMIT(div, member, bc, body)                                                               \
    do {                                                                                          \
        Rs__Record r_ = RS__RECORD__INIT;                                                         \
        r_.body_case = (bc);                                                                      \
        r_.member = (body);                                                                       \
        emit(&r_, (div));                                                                         \
    } while (0)

static void line(Rs__BudgetLineKind k, int64_t ys, int64_t adj, int64_t fin, int64_t transfer,
                 const char *reason)
{
    Rs__BudgetLine b = RS__BUDGET_LINE__INIT;

    b.has_line = b.has_year_start_fen = b.has_adjusted_fen = b.has_final_fen = true;
    b.line = k;
    b.year_start_fen = ys;
    b.adjusted_fen = adj;
    b.final_fen = fin;
    b.has_higher_transfer_fen = transfer != 0;
    b.higher_transfer_fen = transfer;
    b.change_reason = (char *)reason;
    EMIT(DIV_UNIT, budget_line, RS__RECORD__BODY_BUDGET_LINE, &b);
}

static void sangong(Rs__SanGongKind k, int64_t budget, int64_t fin, int64_t prev)
{
    Rs__SanGong g = RS__SAN_GONG__INIT;

    g.has_kind = g.has_budget_fen = g.has_final_fen = g.has_prev_budget_fen = true;
    g.kind = k;
    g.budget_fen = budget;
    g.final_fen = fin;
    g.prev_budget_fen = prev;
    EMIT(DIV_UNIT, san_gong, RS__RECORD__BODY_SAN_GONG, &g);
}

static void stated(const char *key, const char *text)
{
    Rs__StatedFigure f = RS__STATED_FIGURE__INIT;

    f.key = (char *)key;
    f.text = (char *)text;
    EMIT(DIV_UNIT, stated_figure, RS__RECORD__BODY_STATED_FIGURE, &f);
}

static void manual(const char *ind, uint32_t total, uint32_t passed, int64_t score,
                   const char *why)
{
    Rs__ManualScore m = RS__MANUAL_SCORE__INIT;

    m.indicator = (char *)ind;
    m.has_items_total = m.has_items_passed = total != 0;
    m.items_total = total;
    m.items_passed = passed;
    m.has_score_milli = total == 0;
    m.score_milli = score;
    m.justification = (char *)why;
    EMIT(DIV_UNIT, manual_score, RS__RECORD__BODY_MANUAL_SCORE, &m);
}

static void project(const char *div, const char *id, const char *name, const char *village,
                    Rs__ProjectCategory cat, int64_t qty, const char *unit, int64_t planned,
                    int64_t done, Rs__ProjectStage stage)
{
    Rs__Project p = RS__PROJECT__INIT;
    bool finished = stage >= RS__PROJECT_STAGE__STAGE_COMPLETED;

    p.project_id = (char *)id;
    p.name = (char *)name;
    p.village = (char *)village;
    p.has_category = p.has_scale_qty_milli = true;
    p.category = cat;
    p.scale_qty_milli = qty * 1000;
    p.scale_unit = (char *)unit;
    p.has_planned_investment_fen = p.has_completed_investment_fen = p.has_paid_fen = true;
    p.has_allocated_fen = true;
    p.planned_investment_fen = p.allocated_fen = planned;
    p.completed_investment_fen = done;
    p.paid_fen = done;
    p.has_stage = true;
    p.stage = stage;
    p.has_planned_end = true;
    p.planned_end = 20231130;
    if (finished) {
        p.has_actual_end = p.has_acceptance_result = true;
        p.actual_end = 20231020;
        p.acceptance_result = RS__ACCEPTANCE__ACCEPT_PASSED;
        p.maintenance_owner = "村民委员会";
    }
    EMIT(div, project, RS__RECORD__BODY_PROJECT, &p);
}

static void training(const char *div, const char *batch, const char *course, uint32_t start,
                     uint32_t trainees, uint32_t certified, int64_t cost)
{
    Rs__Training t = RS__TRAINING__INIT;

    t.batch_id = (char *)batch;
    t.course = (char *)course;
    t.has_type = t.has_start_date = t.has_planned_trainees = t.has_trainees = true;
    t.has_certified = t.has_cost_fen = true;
    t.type = RS__TRAINING_TYPE__TRAIN_SKILL;
    t.start_date = start;
    t.planned_trainees = t.trainees = trainees;
    t.certified = certified;
    t.cost_fen = cost;
    EMIT(div, training, RS__RECORD__BODY_TRAINING, &t);
}

static void relief(const char *div, const char *hh, Rs__ReliefKind kind, int64_t amount)
{
    Rs__Relief r = RS__RELIEF__INIT;

    r.household_ref = (char *)hh;
    r.has_kind = r.has_amount_fen = r.has_paid_date = true;
    r.kind = kind;
    r.amount_fen = amount;
    r.paid_date = 20231215;
    EMIT(div, relief, RS__RECORD__BODY_RELIEF, &r);
}

static void petition(const char *div, const char *id, Rs__PetitionStatus st)
{
    Rs__Petition p = RS__PETITION__INIT;

    p.case_id = (char *)id;
    p.has_status = p.has_level = p.has_visitors = true;
    p.status = st;
    p.level = RS__PETITION_LEVEL__PLV_TOWNSHIP;
    p.visitors = 2;
    EMIT(div, petition, RS__RECORD__BODY_PETITION, &p);
}

static void build_records(void)
{
    Rs__UnitProfile up = RS__UNIT_PROFILE__INIT;
    Rs__Staffing st = RS__STAFFING__INIT;
    Rs__Procurement pr = RS__PROCUREMENT__INIT;
    Rs__Training self = RS__TRAINING__INIT;
    Rs__SubsidyPayout sub = RS__SUBSIDY_PAYOUT__INIT;
    Rs__Survey sv = RS__SURVEY__INIT;

    up.unit_name = "岳阳楼区库区移民服务中心";
    up.admin_level = "正科级";
    up.funding = "财政预算全额拨款";
    up.accounting = "事业单位会计制度";
    up.departments = "办公室、政策法规股、计划工程股、财务股";
    up.functions = "1、贯彻执行党和国家的移民工作方针、政策，拟定全区移民工作规章和政策。\n"
                   "2、综合编制移民安置规划。";
    up.disclosure = "岳阳楼区政府门户网站";
    EMIT(DIV_UNIT, unit_profile, RS__RECORD__BODY_UNIT_PROFILE, &up);
    st.has_establishment = st.has_in_service = st.has_retired = st.has_stated_total = true;
    st.establishment = 13;
    st.in_service = 10;
    st.retired = 4;
    st.stated_total = 14;
    EMIT(DIV_UNIT, staffing, RS__RECORD__BODY_STAFFING, &st);
    line(RS__BUDGET_LINE_KIND__LINE_PERSONNEL, W(14093), W(14093), W(13779), 0, "人员工资变动");
    line(RS__BUDGET_LINE_KIND__LINE_PUBLIC, W(1800), W(1800), W(1542), 0, "厉行节约");
    line(RS__BUDGET_LINE_KIND__LINE_PROJECT, W(4800), W(71641), W(71641), 0,
         "有中央移民专项资金");
    line(RS__BUDGET_LINE_KIND__LINE_GOV_FUND, 0, W(114953), W(114953), W(114953),
         "中央移民专项资金属上级拨付");
    sangong(RS__SAN_GONG_KIND__SG_OUTBOUND, 0, 0, 0);
    sangong(RS__SAN_GONG_KIND__SG_RECEPTION, W(300), 0, W(300));
    sangong(RS__SAN_GONG_KIND__SG_VEHICLE_UPKEEP, 0, 0, 0);
    pr.has_budget_fen = pr.has_actual_fen = true;
    pr.budget_fen = pr.actual_fen = W(48691);
    EMIT(DIV_UNIT, procurement, RS__RECORD__BODY_PROCUREMENT, &pr);
    manual("management_rules", 3, 3, 0, "制度健全。");
    manual("disclosure", 2, 2, 0, "预决算均已公开。");
    manual("fund_compliance", 5, 5, 0, "资金使用合规。");
    manual("sustainability", 0, 0, 4000, "油茶林改造见效，芦笋试点刚起步。");
    stated("budget.total", "2026.86万元");
    stated("executed.total", "2026.86万元");
    stated("rate.execution", "100%");
    stated("rate.staff_control", "77%");
    stated("rate.procurement", "100%");
    stated("training.person_times", "80人次");
    stated("training.funds", "32.8万元");
    stated("relief.households", "400余户");
    stated("relief.funds", "25万元");
    stated("projects.total", "近600万元");
    stated("village.modao", "158万元");
    stated("petition.above_district", "0人");
    stated("sangong.total", "0万元");

    project(DIV_A, "JES-001", "石家坡路下水道疏通", "夏万路社区", RS__PROJECT_CATEGORY__CAT_SEWER,
            420, "m", W(3100), W(3000), RS__PROJECT_STAGE__STAGE_HANDED_OVER);
    training(DIV_A, "PX-01", "家政服务短期技能培训", 20230410, 50, 50, YUAN(172000));
    relief(DIV_A, "JES-0001", RS__RELIEF_KIND__RKIND_HARDSHIP, YUAN(100000));
    relief(DIV_A, "JES-0002", RS__RELIEF_KIND__RKIND_STUDY_AWARD, YUAN(50000));
    petition(DIV_A, "XF-01", RS__PETITION_STATUS__PST_CLOSED);
    sub.village = "夏万路社区";
    sub.has_persons_paid = sub.has_standard_fen_per_year = sub.has_months = true;
    sub.has_amount_due_fen = sub.has_amount_paid_fen = sub.has_paid_date = sub.has_due_date = true;
    sub.persons_paid = 100;
    sub.standard_fen_per_year = YUAN(600);
    sub.months = 3;
    sub.amount_due_fen = sub.amount_paid_fen = YUAN(15000);
    sub.paid_date = 20230415;
    sub.due_date = 20230420;
    EMIT(DIV_A, subsidy, RS__RECORD__BODY_SUBSIDY, &sub);
    sv.survey_id = "MY-01";
    sv.has_valid = sv.has_sample_size = sv.has_satisfied = true;
    sv.has_basically_satisfied = sv.has_dissatisfied = true;
    sv.sample_size = sv.valid = 200;
    sv.satisfied = 180;
    sv.basically_satisfied = 15;
    sv.dissatisfied = 5;
    EMIT(DIV_A, survey, RS__RECORD__BODY_SURVEY, &sv);

    project(DIV_B, "WJH-001", "枫树岭社区道路硬化", "枫树岭社区", RS__PROJECT_CATEGORY__CAT_ROAD, 6,
            "条", W(2800), W(2700), RS__PROJECT_STAGE__STAGE_ACCEPTED);
    training(DIV_B, "PX-02", "健康管理师技术培训", 20230515, 30, 0, YUAN(150000));
    relief(DIV_B, "FSL-0001", RS__RELIEF_KIND__RKIND_HARDSHIP, YUAN(5000));
    petition(DIV_B, "XF-02", RS__PETITION_STATUS__PST_REPEAT);

    project(DIV_C, "GZ-001", "磨刀村山塘修缮", "磨刀村", RS__PROJECT_CATEGORY__CAT_POND, 20, "口",
            W(10000), W(10000), RS__PROJECT_STAGE__STAGE_ACCEPTED);
    project(DIV_C, "GZ-002", "磨刀村和美乡村道路硬化", "磨刀村", RS__PROJECT_CATEGORY__CAT_ROAD,
            44, "条", W(6000), W(5800), RS__PROJECT_STAGE__STAGE_ACCEPTED);
    project(DIV_C, "GZ-003", "大桥村沟渠衬砌", "大桥村", RS__PROJECT_CATEGORY__CAT_CANAL, 8, "条",
            W(4500), W(4000), RS__PROJECT_STAGE__STAGE_BUILDING);
    self.batch_id = "PX-03";
    self.course = "自主培训补助";
    self.has_type = self.has_subsidy_per_person_fen = self.has_subsidy_persons = true;
    self.has_subsidy_total_fen = self.has_cost_fen = true;
    self.type = RS__TRAINING_TYPE__TRAIN_SELF;
    self.subsidy_per_person_fen = YUAN(2000);
    self.subsidy_persons = 2;
    self.subsidy_total_fen = self.cost_fen = YUAN(6000);
    EMIT(DIV_C, training, RS__RECORD__BODY_TRAINING, &self);
    relief(DIV_C, "GZ-0001", RS__RELIEF_KIND__RKIND_NEW_YEAR, YUAN(95000));
    petition(DIV_C, "XF-03", RS__PETITION_STATUS__PST_CLOSED);
}

static const struct {
    const char *code, *name;
} offices[] = {
    {DIV_UNIT, "岳阳楼区库区移民服务中心"},
    {DIV_A, "金鹗山街道"},
    {DIV_B, "王家河街道"},
    {DIV_C, "郭镇乡"},
};

static struct rs_eval_dataset *dataset(void)
{
    struct rs_eval_dataset *ds = NULL;

    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    for (size_t i = 0; i < sizeof offices / sizeof offices[0]; i++)
        assert_int_equal(rs_eval_dataset_office(ds, offices[i].code, offices[i].name), RS_OK);
    for (size_t i = 0; i < nrecs; i++)
        assert_int_equal(rs_eval_dataset_add_packed(ds, recs[i].body, recs[i].len), RS_OK);
    return ds;
}

struct rendered {
    char *out;
    size_t len;
};

static struct rendered render(const char *division, Rs__ReportFormat fmt)
{
    struct rs_eval_dataset *ds = dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    struct rendered r = {NULL, 0};
    char err[256];

    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, division, &res), RS_OK);
    assert_int_equal(rs_report_render(res, fmt, &r.out, &r.len), RS_OK);
    assert_int_equal(strlen(r.out), r.len);
    assert_true(rs_utf8_valid(r.out, r.len));
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
    return r;
}

/* The workbook of the records (binary: no NUL check), read back into x;
 * the caller frees both. */
static struct rendered render_xlsx(struct ox_xlsx *x)
{
    struct rs_eval_dataset *ds = dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    struct rendered r = {NULL, 0};
    char err[256];

    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    assert_int_equal(rs_report_render(res, RS__REPORT_FORMAT__FMT_XLSX, &r.out, &r.len), RS_OK);
    assert_int_equal(ox_xlsx_read(r.out, r.len, x), 0);
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
    return r;
}

/* The value of the cell in column col of the row whose column 0 is row0
 * on sheet `sheet`; "" for an empty cell. */
static const char *xl_cell(const struct ox_xlsx *x, const char *sheet, const char *row0,
                           uint32_t col)
{
    const struct ox_sheet *s = ox_sheet(x, sheet);
    const struct ox_cell *c;
    long row;

    assert_non_null(s);
    row = ox_find_row(s, 0, row0);
    if (row < 0)
        fail_msg("sheet %s has no row %s", sheet, row0);
    c = ox_cell(s, (uint32_t)row, col);
    return c ? c->value : "";
}

/* True if text holds `line` as a whole line. */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
        bool start = p == text || p[-1] == '\n';
        bool end = p[n] == '\n' || p[n] == '\r' || p[n] == '\0';

        if (start && end)
            return true;
    }
    return false;
}

#define ASSERT_LINE(text, line)                                                                   \
    do {                                                                                          \
        if (!has_line((text), (line))) {                                                          \
            if (getenv("RS_TEST_DUMP"))                                                           \
                fprintf(stderr, "%s\n", (text));                                                  \
            fail_msg("missing line: %s", (line));                                                 \
        }                                                                                         \
    } while (0)

/* ------------------------------------------------------------ a tiny JSON checker */

static const char *j_value(const char *p, int depth);

static const char *j_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

static const char *j_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++) {
                    char c = p[i];

                    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                          (c >= 'A' && c <= 'F')))
                        return NULL;
                }
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return *p == '"' ? p + 1 : NULL;
}

static const char *j_value(const char *p, int depth)
{
    if (depth > 32)
        return NULL;
    p = j_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';

        p = j_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = j_string(j_ws(p));
                if (!p)
                    return NULL;
                p = j_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            p = j_value(p, depth + 1);
            if (!p)
                return NULL;
            p = j_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (*p == '"')
        return j_string(p);
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        p += *p == '-';
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
        return p;
    }
    return NULL;
}

static void assert_json(const char *text)
{
    const char *end = j_value(text, 0);

    assert_non_null(end);
    assert_string_equal(j_ws(end), "");
}

/* ------------------------------------------------------------ tests */

static int setup(void **state)
{
    (void)state;
    nrecs = 0;
    build_records();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < nrecs; i++)
        free(recs[i].body);
    nrecs = 0;
    return 0;
}

static const char *const sections[] = {
    "一、单位基本情况", "二、一般公共预算支出情况", "三、政府性基金预算支出情况",
    "四、国有资本经营预算支出情况", "五、社会保险基金预算支出情况",
    "六、单位整体支出绩效情况", "七、存在的问题及原因分析", "八、下一步改进措施",
    "九、单位整体支出绩效自评结果拟应用和公开情况", "十、其他需要说明的情况",
};

static void test_markdown(void **state)
{
    struct rendered r = render(NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    const char *prev = r.out;
    char want[256];

    (void)state;
    assert_true(strncmp(r.out, "# 2023年度岳阳楼区库区移民服务中心整体支出绩效自评报告\n\n",
                        strlen("# 2023年度岳阳楼区库区移民服务中心整体支出绩效自评报告\n\n")) == 0);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        const char *p;

        snprintf(want, sizeof want, "\n## %s\n", sections[i]);
        p = strstr(r.out, want);
        if (!p || p < prev)
            fail_msg("section %s missing or out of order", sections[i]);
        prev = p;
    }
    ASSERT_LINE(r.out, "本单位为正科级单位。财政预算全额拨款。财务核算适用事业单位会计制度。"
                       "预决算在岳阳楼区政府门户网站公开披露。内设机构4个：办公室、政策法规股、"
                       "计划工程股、财务股。2023年人员总计14人，其中在职10人，退休4人；编制数13人，"
                       "在职人员数少于编制核定数。");
    ASSERT_LINE(r.out, "1. 贯彻执行党和国家的移民工作方针、政策，拟定全区移民工作规章和政策。");
    ASSERT_LINE(r.out, "2. 综合编制移民安置规划。");
    ASSERT_LINE(r.out, "2023年初基本支出预算158.93万元，其中：人员经费140.93万元；公用经费18.00万元。"
                       "2023年基本支出决算数153.21万元，其中人员经费137.79万元，较年初减少3.14万元，"
                       "原因是人员工资变动；公用经费15.42万元，较年初减少2.58万元，原因是厉行节约。");
    ASSERT_LINE(r.out, "2023年初项目支出预算48.00万元，调整后预算716.41万元；2023年项目支出决算数"
                       "716.41万元，较年初增加668.41万元，原因是有中央移民专项资金。");
    ASSERT_LINE(r.out, "2023年没有国有资本经营预算支出。");
    ASSERT_LINE(r.out, "1. 在职人员控制率：76.92%（目标≤100%），得5分（满分5分）。在职人员数 ÷ "
                       "编制数 × 100%，其中在职人员数10人，编制数13人（数据来源：人员编制（记录"
                       "00000002））。");
    ASSERT_LINE(r.out, "3. 结转结余率：无法计算（没有结转结余记录），得0分（满分5分）。相关数据："
                       "年末结转结余未填报，全年预算数（调整后预算）合计2024.87万元（数据来源："
                       "预算行记录4条）。");
    ASSERT_LINE(r.out, "| 人员经费 | 140.93 | 140.93 | 137.79 | -3.14 | 未填 |");
    ASSERT_LINE(r.out, "| 合计 | 206.93 | 2024.87 | 2019.15 | 1812.22 | 1149.53 |");
    ASSERT_LINE(r.out, "全年预算数（调整后预算合计）2024.87万元，预算执行数（决算数合计）2019.15万元，"
                       "预算执行率99.72%。");
    ASSERT_LINE(r.out, "| 道路硬化 | 2 | 50条 | 88.00 | 85.00 | 85.00 |");
    ASSERT_LINE(r.out, "| 山塘 | 1 | 20口 | 100.00 | 100.00 | 100.00 |");
    ASSERT_LINE(r.out, "| 渠道 | 1 | 8条 | 45.00 | 40.00 | 40.00 |");
    ASSERT_LINE(r.out, "| 郭镇乡 | 磨刀村 | 2 | 158.00 |");
    ASSERT_LINE(r.out, "全年组织移民培训2期80人次，考证50人，考证率62.50%；自主培训补助2人，"
                       "发放6000.00元；培训投入资金合计32.80万元。");
    ASSERT_LINE(r.out, "| 郭镇乡 | PX-03 | 2 | 2000.00 | 6000.00 | 4000.00 |");
    ASSERT_LINE(r.out, "救助：受益移民4户（不重复户数），救助资金25.00万元（其中特困救助2户10.50万元；"
                       "升学奖励1户5.00万元；年终慰问1户9.50万元）。");
    ASSERT_LINE(r.out, "信访：受理3件，办结2件，重复件1件，办结率100.00%；到区以上上访0人。");
    ASSERT_LINE(r.out, "#### 金鹗山街道（430602001）");
    ASSERT_LINE(r.out, "| 污水管网 | 1 | 420m | 31.00 | 30.00 | 30.00 |");
    ASSERT_LINE(r.out, "| 运行成本 | 在职人员控制率 | 5 | ≤100% | 76.92% | 5 |  |");
    ASSERT_LINE(r.out, "| 合计 |  | 100 |  |  | 82.4 |  |");
    ASSERT_LINE(r.out, "自评得分82.4分，等级：良（优≥90分，良≥80分，中≥60分，差<60分）。");
    ASSERT_LINE(r.out, "9. 报告所载预算执行数（各预算行决算数合计）与记录核对：记录为2019.15万元，"
                       "所载/发现为2026.86万元，相差+7.71万元。");
    ASSERT_LINE(r.out, "| 4 | 错误 | 报告所载预算执行数（各预算行决算数合计）与记录核对 | 2019.15万元 | "
                       "2026.86万元，相差+7.71万元 | 报告所载数字 executed.total（记录00000016）；"
                       "预算行记录4条 |");
    ASSERT_LINE(r.out, "| 6 | 提示 | 报告所载在职人员控制率（在职人员数÷编制数）为记录数四舍五入（0位小数） "
                       "| 76.92% | 77% | 报告所载数字 rate.staff_control（记录00000018）；人员编制"
                       "（记录00000002） |");
    assert_non_null(strstr(r.out, "| 受益移民户数（不重复户）以约数（“余”）填报，应为确切数字 | "
                                  "4户（记录合计） | 400余户，相差+396 |"));
    assert_non_null(strstr(r.out, "| 全年项目累计投入（完成投资合计）以约数（“近”）填报，应为确切数字 | "
                                  "255.00万元（记录合计） | 近600万元，相差+345.00万元 |"));
    assert_non_null(strstr(r.out, "| 培训补助：每人标准 × 人数 = 补助总额 | 4000.00元（人均补助"
                                  "2000.00元、补助人数2人） | 6000.00元，相差+2000.00元 | "
                                  "郭镇乡：培训 PX-03"));
    assert_non_null(strstr(r.out, "| 项目支出预算调整幅度超过年初预算30%且未由上级转移支付说明 |"));
    assert_non_null(strstr(r.out, "| 预算执行率口径：全年预算数与执行数相同（执行率100%）而基本支出"
                                  "未用完预算 |"));
    ASSERT_LINE(r.out, "| F4 | 预算完成率 | 975.76% | 决算数合计2019.15万元；年初预算数合计206.93万元 "
                       "| 否 |");
    ASSERT_LINE(r.out, "| F21b | 公务用车购置及运行费变动率 | 无法计算 | 无法计算：公务用车购置及运行维护费"
                       "上年预算数为0，除数为0；公务用车购置及运行维护费预算数0.00万元；"
                       "公务用车购置及运行维护费上年预算数0.00万元 | 否 |");
    /* 磨刀村 holds 158万 exactly, so village.modao raises nothing. */
    assert_null(strstr(r.out, "该村项目完成投资合计"));
    free(r.out);
}

static void test_text(void **state)
{
    struct rendered r = render(NULL, RS__REPORT_FORMAT__FMT_TEXT);

    (void)state;
    ASSERT_LINE(r.out, "2023年度岳阳楼区库区移民服务中心整体支出绩效自评报告");
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        ASSERT_LINE(r.out, sections[i]);
    assert_null(strstr(r.out, "\n#"));
    assert_null(strstr(r.out, "\n|"));
    ASSERT_LINE(r.out, "预算行      年初预算（万元）  调整后预算（万元）  决算（万元）  增减（万元）  "
                       "上级转移支付（万元）");
    ASSERT_LINE(r.out, "人员经费              140.93              140.93        137.79         -3.14"
                       "                  未填");
    ASSERT_LINE(r.out, "合计                  206.93             2024.87       2019.15       1812.22"
                       "               1149.53");
    ASSERT_LINE(r.out, "自评得分82.4分，等级：良（优≥90分，良≥80分，中≥60分，差<60分）。");
    free(r.out);
}

static void test_json(void **state)
{
    struct rendered r = render(NULL, RS__REPORT_FORMAT__FMT_JSON);

    (void)state;
    assert_json(r.out);
    assert_non_null(strstr(r.out, "\"scope\": \"consolidated\""));
    assert_non_null(strstr(r.out, "\"basic\": {\n      \"year_start\": {\n        \"fen\": 158930000,\n"
                                  "        \"wan\": \"158.93\"\n      }"));
    assert_non_null(strstr(r.out, "\"code\": \"F1\""));
    assert_non_null(strstr(r.out, "\"value\": {\n        \"num\": 10,\n        \"den\": 13,\n"
                                  "        \"pct\": \"76.92\"\n      }"));
    assert_non_null(strstr(r.out, "\"execution_rate\": {\n        \"num\": 2019150000,\n"
                                  "        \"den\": 2024870000,\n        \"pct\": \"99.72\""));
    assert_non_null(strstr(r.out, "\"total\": {\n    \"score_milli\": 82400,\n"
                                  "    \"score\": \"82.4\",\n    \"grade\": \"良\"\n  }"));
    assert_non_null(strstr(r.out, "\"found\": \"2026.86万元，相差+7.71万元\""));
    assert_non_null(strstr(r.out, "\"households\": 4"));
    free(r.out);
}

static void test_csv(void **state)
{
    struct rendered r = render(NULL, RS__REPORT_FORMAT__FMT_CSV);
    size_t rows = 0;

    (void)state;
    assert_true(strncmp(r.out, "section,key,division,metric,value\r\n", 35) == 0);
    ASSERT_LINE(r.out, "budget,basic,,year_start_fen,158930000");
    ASSERT_LINE(r.out, "budget,basic,,year_start_wan,158.93");
    ASSERT_LINE(r.out, "budget,total,,execution_rate_pct,99.72");
    ASSERT_LINE(r.out, "indicator,F1,,value_num,10");
    ASSERT_LINE(r.out, "indicator,F1,,value_den,13");
    ASSERT_LINE(r.out, "indicator,F1,,value_pct,76.92");
    ASSERT_LINE(r.out, "formula,F4,,value_pct,975.76");
    ASSERT_LINE(r.out, "total,total,,score_milli,82400");
    ASSERT_LINE(r.out, "total,total,,grade,良");
    ASSERT_LINE(r.out, "township,projects,all,completed_investment_wan,255.00");
    ASSERT_LINE(r.out, "township,relief,430602200,funds_wan,9.50");
    ASSERT_LINE(r.out, "finding,4,,found,2026.86万元，相差+7.71万元");
    /* Every row has five fields and ends in CRLF. */
    for (const char *p = r.out; *p; rows++) {
        const char *e = strstr(p, "\r\n");
        size_t commas = 0;
        bool q = false;

        assert_non_null(e);
        for (const char *c = p; c < e; c++) {
            if (*c == '"')
                q = !q;
            else if (*c == ',' && !q)
                commas++;
        }
        assert_int_equal(commas, 4);
        p = e + 2;
    }
    assert_true(rows > 100);
    free(r.out);
}

static void test_township(void **state)
{
    struct rendered md = render(DIV_C, RS__REPORT_FORMAT__FMT_MARKDOWN);
    struct rendered js = render(DIV_C, RS__REPORT_FORMAT__FMT_JSON);
    struct rendered cs = render(DIV_C, RS__REPORT_FORMAT__FMT_CSV);

    (void)state;
    ASSERT_LINE(md.out, "# 2023年度郭镇乡移民工作数据汇总");
    ASSERT_LINE(md.out, "| 山塘 | 1 | 20口 | 100.00 | 100.00 | 100.00 |");
    ASSERT_LINE(md.out, "救助：受益移民1户（不重复户数），救助资金9.50万元（其中年终慰问1户9.50万元）。");
    assert_non_null(strstr(md.out, "| 培训补助：每人标准 × 人数 = 补助总额 | 4000.00元"));
    /* No unit finance, no score, no other township. */
    assert_null(strstr(md.out, "158.93"));
    assert_null(strstr(md.out, "2026.86"));
    assert_null(strstr(md.out, "评分表"));
    assert_null(strstr(md.out, "自评得分"));
    assert_null(strstr(md.out, "金鹗山街道"));
    assert_null(strstr(md.out, "石家坡路"));
    assert_json(js.out);
    assert_non_null(strstr(js.out, "\"scope\": \"township\""));
    assert_non_null(strstr(js.out, "\"division\": \"430602200\""));
    assert_null(strstr(js.out, "\"indicators\""));
    assert_null(strstr(js.out, "\"budget\""));
    assert_null(strstr(js.out, "\"grade\""));
    assert_null(strstr(cs.out, "\nindicator,"));
    assert_null(strstr(cs.out, "\nbudget,"));
    assert_null(strstr(cs.out, "\ntotal,"));
    ASSERT_LINE(cs.out, "township,relief,430602200,households,1");
    free(md.out);
    free(js.out);
    free(cs.out);
}

/* ------------------------------------------------------------ through a real store */

struct tmp {
    char dir[256];
    char db[300];
};

/* A fresh store in t with the offices and the n records of v, of which the
 * caller set id, division, type and body; put here as of 2023, each to be
 * stored (check_stored) or as it comes. */
static struct rs_store *store_with(struct tmp *t, struct rs_store_rec *v, size_t n,
                                   bool check_stored)
{
    struct rs_store *s = NULL;
    char err[256];
    char token[RS_TOKEN_HEX + 1];

    assert_int_equal(rs_test_mkdtemp(t->dir, sizeof t->dir, "report"), 0);
    snprintf(t->db, sizeof t->db, "%s/r.db", t->dir);
    assert_int_equal(rs_store_open(t->db, RS_STORE_READWRITE, &s, err, sizeof err), RS_OK);
    for (size_t i = 0; i < sizeof offices / sizeof offices[0]; i++)
        assert_int_equal(rs_store_office_add(s, offices[i].code, offices[i].name,
                                             i == 0 ? RS__ROLE__ROLE_CENTRAL
                                                    : RS__ROLE__ROLE_TOWNSHIP,
                                             token),
                         RS_OK);
    for (size_t i = 0; i < n; i++) {
        v[i].office_code = v[i].division_code;
        v[i].year = 2023;
        v[i].period = RS__PERIOD__PERIOD_YEAR;
        rs_sha256(v[i].body, v[i].body_len, v[i].hash);
    }
    assert_int_equal(rs_store_put_batches(s, v, n, NULL, 0, err, sizeof err), RS_OK);
    for (size_t i = 0; check_stored && i < n; i++)
        assert_int_equal(v[i].ack, RS__ACK_STATUS__ACK_STORED);
    return s;
}

static struct rs_store *open_store(struct tmp *t)
{
    struct rs_store_rec *v = calloc(nrecs, sizeof *v);
    struct rs_store *s;

    assert_non_null(v);
    for (size_t i = 0; i < nrecs; i++) {
        v[i].id = recs[i].id;
        v[i].division_code = recs[i].div;
        v[i].type = recs[i].type;
        v[i].body = recs[i].body;
        v[i].body_len = recs[i].len;
    }
    s = store_with(t, v, nrecs, true);
    free(v);
    return s;
}

static void close_store(struct rs_store *s, struct tmp *t)
{
    char p[sizeof t->db + 16];

    assert_int_equal(rs_store_close(s), RS_OK);
    unlink(t->db);
    snprintf(p, sizeof p, "%s-wal", t->db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", t->db);
    unlink(p);
    snprintf(p, sizeof p, "%s/broken.csv", t->dir);
    unlink(p);
    rmdir(t->dir);
}

static void test_build_from_store(void **state)
{
    struct tmp t;
    struct rs_store *s;
    struct rendered pure = render(NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    struct rendered town = render(DIV_A, RS__REPORT_FORMAT__FMT_JSON);
    struct rs_report_req req = {2023, NULL, RS__REPORT_FORMAT__FMT_UNSPECIFIED, NULL, FW_DIR, 0,
                                false, 0, NULL, 0, NULL};
    char *out = NULL, name[64] = "", hash[65] = "", err[256] = "";
    size_t len = 0;
    struct rs_framework *fw = NULL;

    (void)state;
    s = open_store(&t);
    /* The same bytes as the pure path: the store adds nothing and loses nothing. */
    assert_int_equal(rs_report_build(s, &req, &out, &len, name, hash, err, sizeof err), RS_OK);
    assert_int_equal(len, pure.len);
    assert_memory_equal(out, pure.out, len);
    assert_string_equal(name, "unit-2023");
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_string_equal(hash, fw->hash);
    rs_framework_free(fw);
    free(out);
    /* A township gets its own figures only. */
    req.division = DIV_A;
    req.format = RS__REPORT_FORMAT__FMT_JSON;
    assert_int_equal(rs_report_build(s, &req, &out, &len, name, hash, err, sizeof err), RS_OK);
    assert_int_equal(len, town.len);
    assert_memory_equal(out, town.out, len);
    free(out);
    /* Another preset by name. */
    req.division = NULL;
    req.format = RS__REPORT_FORMAT__FMT_TEXT;
    req.framework = "mof-project";
    assert_int_equal(rs_report_build(s, &req, &out, &len, name, hash, err, sizeof err), RS_OK);
    assert_string_equal(name, "mof-project");
    assert_non_null(strstr(out, "按评分框架mof-project对2023年整体支出绩效进行了评价"));
    free(out);
    /* Errors: no such preset; a broken file names its line. */
    req.framework = "no-such";
    out = NULL;
    assert_int_equal(rs_report_build(s, &req, &out, &len, name, hash, err, sizeof err),
                     RS_ENOTFOUND);
    assert_null(out);
    {
        char p[sizeof t.dir + 16];
        FILE *f;

        /* A framework directory holds the library its frameworks name. */
        static const char *const libs[] = {"formulas.txt", "checks.txt"};

        for (size_t k = 0; k < 2; k++) {
            char src[sizeof FW_DIR + 16], *data = NULL;
            size_t dn = 0;

            snprintf(src, sizeof src, "%s/%s", FW_DIR, libs[k]);
            assert_int_equal(rs_flib_read_file(src, &data, &dn, err, sizeof err), RS_OK);
            snprintf(p, sizeof p, "%s/%s", t.dir, libs[k]);
            f = fopen(p, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(data, 1, dn, f), dn);
            fclose(f);
            free(data);
        }
        snprintf(p, sizeof p, "%s/broken.csv", t.dir);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs("code,dimension,indicator,points,formula,rule,params,target\n"
              "a,D,x,50,F1,proportional,,\n"
              "b,D,y,50,F99,proportional,,\n",
              f);
        fclose(f);
        req.framework = "broken";
        req.framework_dir = t.dir;
        assert_int_equal(rs_report_build(s, &req, &out, &len, name, hash, err, sizeof err),
                         RS_EINVAL);
        assert_string_equal(err, "broken.csv:3: unknown formula \"F99\" (not in formulas.txt; "
                                 "see docs/evaluation.md)");
    }
    /* A year without records still renders, with every gap named. */
    req.framework = NULL;
    req.framework_dir = FW_DIR;
    req.year = 2022;
    req.format = RS__REPORT_FORMAT__FMT_MARKDOWN;
    assert_int_equal(rs_report_build(s, &req, &out, &len, name, hash, err, sizeof err), RS_OK);
    assert_non_null(strstr(out, "自评得分0分，等级：差"));
    assert_non_null(strstr(out, "1. 在职人员控制率：无法计算（没有人员编制记录），"
                                "得0分（满分5分）。"));
    free(out);
    close_store(s, &t);
    free(pure.out);
    free(town.out);
}

/*
 * rs_report_build reads the year through a helper thread that unpacks
 * batches of bodies while the store is scanned: many batches, one body
 * larger than a batch, one body that does not decode.  The report is the
 * same bytes as the pure path over the same bodies in the same order, and
 * past req.max_bytes the build fails with RS_ETOOBIG and says so.
 */
#define MANY 12000

struct many {
    char id[48];
    const char *div;
    Rs__Record__BodyCase type;
    uint8_t *body;
    size_t len;
};

static void many_records(struct many *m, size_t n, char *remarks)
{
    static const char *const divs[3] = {DIV_A, DIV_B, DIV_C};

    for (size_t i = 0; i < n; i++) {
        Rs__Record r = RS__RECORD__INIT;
        Rs__Relief rl = RS__RELIEF__INIT;
        Rs__Project p = RS__PROJECT__INIT;
        Rs__Training tr = RS__TRAINING__INIT;
        char key[24];

        snprintf(m[i].id, sizeof m[i].id, "%08zx-0000-4000-8000-00000000000a", i);
        m[i].div = divs[i % 3];
        r.id = m[i].id;
        r.division_code = (char *)m[i].div;
        r.has_year = true;
        r.year = 2023;
        if (i % 10 == 3) {
            snprintf(key, sizeof key, "P%zu", i);
            p.project_id = key;
            p.village = (char *)(i % 20 == 3 ? "磨刀村" : "建中村");
            p.has_category = true;
            p.category = RS__PROJECT_CATEGORY__CAT_ROAD;
            p.has_completed_investment_fen = true;
            p.completed_investment_fen = (int64_t)(i * 100);
            r.body_case = RS__RECORD__BODY_PROJECT;
            r.project = &p;
        } else if (i % 10 == 7) {
            snprintf(key, sizeof key, "B%zu", i);
            tr.batch_id = key;
            tr.has_trainees = true;
            tr.trainees = (uint32_t)(i % 40);
            r.body_case = RS__RECORD__BODY_TRAINING;
            r.training = &tr;
        } else {
            snprintf(key, sizeof key, "H%zu", (i * 31) % 997);
            rl.household_ref = i % 101 == 0 ? NULL : key;
            rl.has_kind = true;
            rl.kind = (Rs__ReliefKind)(1 + i % 4);
            rl.has_amount_fen = true;
            rl.amount_fen = (int64_t)(1000 + i);
            r.body_case = RS__RECORD__BODY_RELIEF;
            r.relief = &rl;
        }
        if (i == n / 2)
            r.remarks = remarks;
        m[i].type = r.body_case;
        m[i].len = rs__record__get_packed_size(&r);
        m[i].body = malloc(m[i].len);
        assert_non_null(m[i].body);
        assert_int_equal(rs__record__pack(&r, m[i].body), m[i].len);
        if (i == n / 3) {
            /* A body that no longer decodes: a length past its end. */
            m[i].body[0] = 0x0a;
            m[i].body[1] = 0x7f;
            m[i].len = 4;
        }
    }
}

static void test_build_many(void **state)
{
    struct many *m = calloc(MANY, sizeof *m);
    struct rs_store_rec *v = calloc(MANY, sizeof *v);
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    struct rs_report_req req = {2023, NULL, RS__REPORT_FORMAT__FMT_JSON, NULL, FW_DIR, 0,
                                false, 0, NULL, 0, NULL};
    struct rs_store *s = NULL;
    struct tmp t;
    char *remarks = malloc((size_t)200 << 10), *out = NULL, *pure = NULL;
    char err[256], name[64], hash[65];
    size_t len = 0, plen = 0;

    (void)state;
    assert_non_null(m);
    assert_non_null(v);
    assert_non_null(remarks);
    memset(remarks, 'r', ((size_t)200 << 10) - 1);
    remarks[((size_t)200 << 10) - 1] = '\0';
    many_records(m, MANY, remarks);

    /* The pure path over the same bodies. */
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    for (size_t i = 0; i < sizeof offices / sizeof offices[0]; i++)
        assert_int_equal(rs_eval_dataset_office(ds, offices[i].code, offices[i].name), RS_OK);
    for (size_t i = 0; i < MANY; i++) {
        rs_status rv = rs_eval_dataset_add_packed(ds, m[i].body, m[i].len);

        assert_int_equal(rv, i == MANY / 3 ? RS_EINVAL : RS_OK);
        ds->ignored += rv == RS_EINVAL;
    }
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    assert_int_equal(res->total.proj_n, MANY / 10);
    assert_int_equal(rs_report_render(res, RS__REPORT_FORMAT__FMT_JSON, &pure, &plen), RS_OK);
    assert_non_null(strstr(pure, "\"records_ignored\": 1"));

    /* The same bodies through the store. */
    for (size_t i = 0; i < MANY; i++) {
        v[i].id = m[i].id;
        v[i].division_code = m[i].div;
        v[i].type = m[i].type;
        v[i].body = m[i].body;
        v[i].body_len = m[i].len;
    }
    s = store_with(&t, v, MANY, false);
    assert_int_equal(rs_report_build(s, &req, &out, &len, name, hash, err, sizeof err), RS_OK);
    assert_int_equal(len, plen);
    assert_memory_equal(out, pure, len);
    free(out);
    out = NULL;

    /* Past the memory cap: the helper stops, the scan stops, err says why. */
    req.max_bytes = (size_t)64 << 10;
    assert_int_equal(rs_report_build(s, &req, &out, &len, name, hash, err, sizeof err),
                     RS_ETOOBIG);
    assert_null(out);
    assert_true(strncmp(err, "reading the records of 2023: after ", 35) == 0);
    assert_non_null(strstr(err, " records they take more than the 64 KiB a report can hold"));

    close_store(s, &t);
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
    for (size_t i = 0; i < MANY; i++)
        free(m[i].body);
    free(m);
    free(v);
    free(remarks);
    free(pure);
}

/* A unit that gives only final accounts and a headcount without 退休: no
 * year-start budget or change from it is printed, no adjustment finding is
 * made, and the empty 退休 says 未填报 (never 退休0人). */
/* n bytes of "数" (n a multiple of 3) into a new string. */
static char *long_text(size_t n)
{
    char *t = malloc(n + 1);

    assert_non_null(t);
    for (size_t k = 0; k < n; k += 3)
        memcpy(t + k, "数", 3);
    t[n] = '\0';
    return t;
}

/* Long texts are printed whole: a finding's found text filling its field
 * (the 自评报告's list of problems cut it at 255 of 319 bytes), a line of
 * the unit's functions and a reviewer's justification of 2,400 bytes each
 * (both were cut at 1,023 bytes, where a cut can fall inside a character). */
static void test_long_texts_whole(void **state)
{
    struct rs_eval_dataset *ds = dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    struct rs_eval_finding *f = NULL;
    Rs__UnitProfile *up;
    Rs__ManualScore *ms = NULL;
    char *old_fn, *old_just = NULL, *fn = long_text(2400), *just = long_text(2400);
    char err[256], want[3000];
    char *out = NULL;
    size_t len = 0, n = 0;

    (void)state;
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    for (size_t i = 0; i < res->nfindings && !f; i++)
        if (res->findings[i].sev != RS_SEV_NOTE &&
            strcmp(res->findings[i].code, "indicator.not_computable") != 0)
            f = &res->findings[i];
    assert_non_null(f);
    while (n + 3 < sizeof f->found) {
        memcpy(f->found + n, "数", 3);
        n += 3;
    }
    f->found[n] = '\0';
    assert_true(n > 300);
    assert_non_null(res->unit.profile);
    up = res->unit.profile->unit_profile;
    old_fn = up->functions;
    up->functions = fn;
    for (size_t i = 0; i < res->nitems && !ms; i++)
        if (res->items[i].manual)
            ms = res->items[i].manual->manual_score;
    assert_non_null(ms);
    old_just = ms->justification;
    ms->justification = just;
    for (int fmt = 0; fmt < 2; fmt++) {
        assert_int_equal(rs_report_render(res, fmt ? RS__REPORT_FORMAT__FMT_TEXT
                                                   : RS__REPORT_FORMAT__FMT_MARKDOWN,
                                          &out, &len),
                         RS_OK);
        assert_true(rs_utf8_valid(out, len));
        snprintf(want, sizeof want, "所载/发现为%s。", f->found);
        if (!strstr(out, want))
            fail_msg("the list of problems does not print the whole found text");
        snprintf(want, sizeof want, "1. %s\n", fn);
        if (!strstr(out, want))
            fail_msg("a line of the unit's functions is not printed whole");
        snprintf(want, sizeof want, "评审说明：%s。", just);
        if (!strstr(out, want))
            fail_msg("a reviewer's justification is not printed whole");
        free(out);
    }
    up->functions = old_fn;
    ms->justification = old_just;
    free(fn);
    free(just);
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

static void test_absent_not_zero(void **state)
{
    Rs__Staffing st = RS__STAFFING__INIT;
    Rs__BudgetLine pe = RS__BUDGET_LINE__INIT, pu = RS__BUDGET_LINE__INIT;
    Rs__BudgetLine pr = RS__BUDGET_LINE__INIT;
    Rs__Relief rl = RS__RELIEF__INIT;
    struct rendered md, js, csv;

    teardown(state);
    st.has_establishment = st.has_in_service = true;
    st.establishment = 13;
    st.in_service = 10;
    EMIT(DIV_UNIT, staffing, RS__RECORD__BODY_STAFFING, &st);
    pe.has_line = pe.has_final_fen = true;
    pe.line = RS__BUDGET_LINE_KIND__LINE_PERSONNEL;
    pe.final_fen = W(43489);
    EMIT(DIV_UNIT, budget_line, RS__RECORD__BODY_BUDGET_LINE, &pe);
    pu.has_line = pu.has_final_fen = true;
    pu.line = RS__BUDGET_LINE_KIND__LINE_PUBLIC;
    pu.final_fen = W(7740);
    EMIT(DIV_UNIT, budget_line, RS__RECORD__BODY_BUDGET_LINE, &pu);
    /* A project line with its final only and a reason: the reason explains
     * a change from a budget nobody gave, so it is not printed either. */
    pr.has_line = pr.has_final_fen = true;
    pr.line = RS__BUDGET_LINE_KIND__LINE_PROJECT;
    pr.final_fen = W(28683);
    pr.change_reason = "追加项目";
    EMIT(DIV_UNIT, budget_line, RS__RECORD__BODY_BUDGET_LINE, &pr);
    /* Two relief records, one without its amount. */
    relief(DIV_A, "JES-0001", RS__RELIEF_KIND__RKIND_HARDSHIP, YUAN(100000));
    rl.household_ref = "JES-0002";
    rl.has_kind = rl.has_paid_date = true;
    rl.kind = RS__RELIEF_KIND__RKIND_HARDSHIP;
    rl.paid_date = 20231215;
    EMIT(DIV_A, relief, RS__RECORD__BODY_RELIEF, &rl);

    md = render(NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    assert_non_null(strstr(md.out, "2023年在职10人，退休人数未填报；编制数13人，"
                                   "在职人员数少于编制核定数。\n"));
    assert_null(strstr(md.out, "退休0人"));
    assert_null(strstr(md.out, "人员总计0人"));
    ASSERT_LINE(md.out, "2023年基本支出决算数512.29万元，其中人员经费434.89万元；"
                        "公用经费77.40万元。");
    ASSERT_LINE(md.out, "2023年项目支出决算数286.83万元。");
    assert_null(strstr(md.out, "年初基本支出预算"));
    assert_null(strstr(md.out, "较年初"));
    assert_null(strstr(md.out, "与年初预算持平"));
    assert_null(strstr(md.out, "原因是追加项目"));
    assert_null(strstr(md.out, "调整后基本支出预算"));
    assert_null(strstr(md.out, "预算调整幅度"));
    assert_null(strstr(md.out, "预算执行率口径"));
    ASSERT_LINE(md.out, "预算执行数（决算数合计）799.12万元；全年预算数未填报，不计算预算执行率。");
    ASSERT_LINE(md.out, "| 人员经费 | 未填 | 未填 | 434.89 | 未填 | 未填 |");
    /* The relief funds say what they leave out; 救助资金到位率 is over the
     * record that gives its amount. */
    assert_non_null(strstr(md.out, "救助资金10.00万元（另有1条救助记录未填报金额，未计入）"));

    js = render(NULL, RS__REPORT_FORMAT__FMT_JSON);
    assert_json(js.out);
    assert_non_null(strstr(js.out, "\"retired\": null"));
    assert_non_null(strstr(js.out, "\"year_start\": null"));
    assert_non_null(strstr(js.out, "\"execution_rate\": null"));
    assert_null(strstr(js.out, "budget.adjustment_unexplained"));
    assert_null(strstr(js.out, "budget.execution_basis"));
    assert_non_null(strstr(js.out, "\"without_amount\": 1"));

    csv = render(NULL, RS__REPORT_FORMAT__FMT_CSV);
    assert_null(strstr(csv.out, "staffing,,,retired"));
    assert_null(strstr(csv.out, "budget,personnel,,year_start_fen"));
    free(md.out);
    free(js.out);
    free(csv.out);
}

static void survey(const char *div, const char *id, bool with_satisfied)
{
    Rs__Survey sv = RS__SURVEY__INIT;

    sv.survey_id = (char *)id;
    sv.has_valid = sv.has_sample_size = sv.has_basically_satisfied = sv.has_dissatisfied = true;
    sv.has_satisfied = with_satisfied;
    sv.sample_size = sv.valid = 200;
    sv.satisfied = with_satisfied ? 180 : 0;
    sv.basically_satisfied = 15;
    sv.dissatisfied = 5;
    EMIT(div, survey, RS__RECORD__BODY_SURVEY, &sv);
}

/* A petition with its level (township) or without. */
static void petition_level(const char *div, const char *id, bool with_level)
{
    Rs__Petition p = RS__PETITION__INIT;

    p.case_id = (char *)id;
    p.has_status = p.has_visitors = true;
    p.has_level = with_level;
    p.status = RS__PETITION_STATUS__PST_CLOSED;
    p.level = RS__PETITION_LEVEL__PLV_TOWNSHIP;
    p.visitors = 1;
    EMIT(div, petition, RS__RECORD__BODY_PETITION, &p);
}

/* Surveys without the 满意 answer and petitions without their highest
 * level: 金鹗山街道 gives neither on any record, 王家河街道 gives both.  No
 * 满意0份, no rate built on it, no 到区以上上访0人 where nobody gave a level
 * (each used to be printed as 0: 满意0份, 满意度7.50%, 上访0人); the district
 * says how many are left out. */
static void test_survey_petition_absent(void **state)
{
    struct rendered md, js, csv, xl;
    struct ox_xlsx x;

    teardown(state);
    line(RS__BUDGET_LINE_KIND__LINE_PERSONNEL, W(14093), W(14093), W(13779), 0, "人员工资变动");
    survey(DIV_A, "MY-01", false);
    survey(DIV_A, "MY-02", false);
    survey(DIV_B, "MY-03", true);
    petition_level(DIV_A, "XF-01", false);
    petition_level(DIV_A, "XF-02", false);
    petition_level(DIV_B, "XF-03", true);

    md = render(NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    assert_null(strstr(md.out, "满意0份"));
    assert_null(strstr(md.out, "受理2件，办结2件，重复件0件，办结率100.00%；到区以上上访0人"));
    assert_non_null(strstr(md.out, "#### 金鹗山街道（430602001）"));
    ASSERT_LINE(md.out, "满意度调查：2次，有效样本400份，满意、基本满意、不满意份数未填报，"
                        "不计算满意度。");
    ASSERT_LINE(md.out, "信访：受理2件，办结2件，重复件0件，办结率100.00%；"
                        "到区以上上访人数未填报（各件均未填报最高层级）。");
    ASSERT_LINE(md.out, "满意度调查：1次，有效样本200份，满意180份，基本满意15份，不满意5份，"
                        "满意度（含基本满意）97.50%。");
    ASSERT_LINE(md.out, "信访：受理1件，办结1件，重复件0件，办结率100.00%；到区以上上访0人。");
    ASSERT_LINE(md.out, "满意度调查：3次，有效样本600份，另2次调查未填报全部答案，满意、基本满意、"
                        "不满意份数不全，不计算满意度。");
    ASSERT_LINE(md.out, "信访：受理3件，办结3件，重复件0件，办结率100.00%；"
                        "到区以上上访0人（另2件未填报最高层级，未计入）。");

    js = render(NULL, RS__REPORT_FORMAT__FMT_JSON);
    assert_json(js.out);
    assert_null(strstr(js.out, "\"satisfied\": 0"));
    assert_non_null(strstr(js.out, "\"satisfied\": null"));
    assert_non_null(strstr(js.out, "\"satisfaction_rate\": null"));
    assert_non_null(strstr(js.out, "\"above_district\": null"));
    assert_non_null(strstr(js.out, "\"satisfied\": 180"));

    csv = render(NULL, RS__REPORT_FORMAT__FMT_CSV);
    assert_null(strstr(csv.out, "township,survey,430602001,satisfaction_rate"));
    assert_null(strstr(csv.out, "township,survey,all,satisfaction_rate"));
    assert_null(strstr(csv.out, "township,petitions,430602001,above_district"));
    ASSERT_LINE(csv.out, "township,survey,430602002,satisfaction_rate_pct,97.50");
    ASSERT_LINE(csv.out, "township,petitions,all,above_district,0");
    ASSERT_LINE(csv.out, "township,survey,430602001,answers_missing,2");

    xl = render_xlsx(&x);
    assert_string_equal(xl_cell(&x, "分乡镇", "金鹗山街道", 25), "未填");
    assert_string_equal(xl_cell(&x, "分乡镇", "金鹗山街道", 18), "未填");
    assert_string_equal(xl_cell(&x, "分乡镇", "全区合计", 25), "无法计算");
    assert_string_equal(xl_cell(&x, "分乡镇", "全区合计", 18), "0");
    assert_string_equal(xl_cell(&x, "分乡镇", "王家河街道", 25), "0.975");
    /* Registers without a record read 无记录, not 0 and 0.00. */
    assert_string_equal(xl_cell(&x, "分乡镇", "金鹗山街道", 2), "无记录");
    assert_string_equal(xl_cell(&x, "分乡镇", "金鹗山街道", 4), "");
    assert_string_equal(xl_cell(&x, "分乡镇", "金鹗山街道", 7), "无记录");
    assert_string_equal(xl_cell(&x, "分乡镇", "金鹗山街道", 8), "");
    assert_string_equal(xl_cell(&x, "分乡镇", "全区合计", 19), "无记录");
    assert_string_equal(xl_cell(&x, "分乡镇", "金鹗山街道", 14), "2");
    ox_xlsx_free(&x);
    free(md.out);
    free(js.out);
    free(csv.out);
    free(xl.out);
}

/* A training batch that does not give its certified count: JSON null and no
 * CSV row, as the text's 考证人数未填报 (they said 0). */
static void test_certified_absent(void **state)
{
    struct rendered md, js, csv;
    Rs__Training t = RS__TRAINING__INIT;

    teardown(state);
    line(RS__BUDGET_LINE_KIND__LINE_PERSONNEL, W(14093), W(14093), W(13779), 0, "人员工资变动");
    t.batch_id = "PX-01";
    t.course = "电工";
    t.has_type = t.has_start_date = t.has_planned_trainees = t.has_trainees = true;
    t.type = RS__TRAINING_TYPE__TRAIN_SKILL;
    t.start_date = 20230610;
    t.planned_trainees = t.trainees = 40;
    EMIT(DIV_A, training, RS__RECORD__BODY_TRAINING, &t);

    md = render(NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    assert_non_null(strstr(md.out, "考证人数未填报"));
    js = render(NULL, RS__REPORT_FORMAT__FMT_JSON);
    assert_json(js.out);
    assert_non_null(strstr(js.out, "\"certified\": null"));
    assert_null(strstr(js.out, "\"certified\": 0"));
    csv = render(NULL, RS__REPORT_FORMAT__FMT_CSV);
    assert_null(strstr(csv.out, "township,training,430602001,certified,"));
    ASSERT_LINE(csv.out, "township,training,430602001,person_times,40");
    free(md.out);
    free(js.out);
    free(csv.out);
}

/* A project with its completed investment blank (the rest as project()). */
static void project_no_done(const char *div, const char *id, const char *name,
                            const char *village)
{
    Rs__Project p = RS__PROJECT__INIT;

    p.project_id = (char *)id;
    p.name = (char *)name;
    p.village = (char *)village;
    p.has_category = p.has_planned_investment_fen = p.has_stage = true;
    p.category = RS__PROJECT_CATEGORY__CAT_ROAD;
    p.planned_investment_fen = W(1000);
    p.stage = RS__PROJECT_STAGE__STAGE_BUILDING;
    EMIT(div, project, RS__RECORD__BODY_PROJECT, &p);
}

/* Projects without their completed investment: the village table sums
 * only those that give it and says how many do not (a village with none
 * reads 未填报), the top-projects table reads 未填 and ranks them last.
 * Both printed 0.00 and summed the blank as 0 without a word. */
static void test_project_investment_absent(void **state)
{
    struct rendered md;

    teardown(state);
    line(RS__BUDGET_LINE_KIND__LINE_PERSONNEL, W(14093), W(14093), W(13779), 0, "人员工资变动");
    project(DIV_A, "JES-001", "石家坡路下水道疏通", "夏万路社区", RS__PROJECT_CATEGORY__CAT_SEWER,
            420, "m", W(3100), W(3000), RS__PROJECT_STAGE__STAGE_HANDED_OVER);
    project_no_done(DIV_A, "JES-002", "夏万路社区道路硬化", "夏万路社区");
    project_no_done(DIV_A, "JES-003", "金鹗村道路硬化", "金鹗村");
    project(DIV_B, "WJH-001", "枫树岭社区道路硬化", "枫树岭社区", RS__PROJECT_CATEGORY__CAT_ROAD, 6,
            "条", W(2800), W(2700), RS__PROJECT_STAGE__STAGE_ACCEPTED);

    md = render(NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    assert_null(strstr(md.out, "| 0.00 | 在建 |"));
    assert_null(strstr(md.out, "| 1 | 0.00 |"));
    ASSERT_LINE(md.out, "| 金鹗山街道 | 夏万路社区 | 2 | 30.00（另1条未填报） |");
    ASSERT_LINE(md.out, "| 金鹗山街道 | 金鹗村 | 1 | 未填报 |");
    ASSERT_LINE(md.out, "| 金鹗山街道 | 金鹗村 | JES-003 | 金鹗村道路硬化 | 道路硬化 |  | 未填 | 在建 |");
    /* The blank ones come after every project that gives its investment. */
    assert_true(strstr(md.out, "| 枫树岭社区道路硬化 |") < strstr(md.out, "| JES-002 |"));
    assert_true(strstr(md.out, "| 王家河街道 | 枫树岭社区 | 1 | 27.00 |") <
                strstr(md.out, "| 金鹗山街道 | 金鹗村 | 1 | 未填报 |"));
    free(md.out);
}

/* A budget line whose 调整后预算 is blank, and no line giving 上级转移支付: the
 * line reads 未填 in every format (it read 0.00, the chart 调整后预算：0.00万元,
 * the CSV adjusted_wan,0.00, the workbook 0), the 合计 of 上级转移支付 reads 未填
 * (it read 0.00) and the 合计 of 调整后预算 says it counts the blank line as
 * its year-start budget. */
/* A unit that files a 合计 line beside its parts: the workbook's 预算执行
 * has one 合计 row (the total over the parts), as the text's table. */
static void test_budget_total_once(void **state)
{
    Rs__BudgetLine tl = RS__BUDGET_LINE__INIT;
    struct rendered xl;
    struct ox_xlsx x;
    const struct ox_sheet *sh;
    int totals = 0;

    teardown(state);
    line(RS__BUDGET_LINE_KIND__LINE_PERSONNEL, W(14093), W(14093), W(13779), 0, "人员工资变动");
    line(RS__BUDGET_LINE_KIND__LINE_PUBLIC, W(1000), W(1000), W(900), 0, "");
    tl.has_line = tl.has_final_fen = true;
    tl.line = RS__BUDGET_LINE_KIND__LINE_TOTAL;
    tl.final_fen = W(14679);
    EMIT(DIV_UNIT, budget_line, RS__RECORD__BODY_BUDGET_LINE, &tl);
    xl = render_xlsx(&x);
    sh = ox_sheet(&x, "预算执行");
    assert_non_null(sh);
    for (size_t i = 0; i < sh->n; i++)
        totals += sh->c[i].col == 0 && sh->c[i].is_string && strcmp(sh->c[i].value, "合计") == 0;
    assert_int_equal(totals, 1);
    ox_xlsx_free(&x);
    free(xl.out);
}

static void test_budget_adjusted_absent(void **state)
{
    Rs__BudgetLine gf = RS__BUDGET_LINE__INIT;
    struct rendered md, html, js, csv, xl;
    struct ox_xlsx x;

    teardown(state);
    line(RS__BUDGET_LINE_KIND__LINE_PERSONNEL, W(14093), W(14093), W(13779), 0, "人员工资变动");
    gf.has_line = gf.has_year_start_fen = gf.has_final_fen = true;
    gf.line = RS__BUDGET_LINE_KIND__LINE_GOV_FUND;
    gf.year_start_fen = 0;
    gf.final_fen = W(114953);
    EMIT(DIV_UNIT, budget_line, RS__RECORD__BODY_BUDGET_LINE, &gf);

    md = render(NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    ASSERT_LINE(md.out, "| 人员经费 | 140.93 | 140.93 | 137.79 | -3.14 | 未填 |");
    ASSERT_LINE(md.out, "| 政府性基金 | 0.00 | 未填 | 1149.53 | 1149.53 | 未填 |");
    ASSERT_LINE(md.out, "| 合计 | 140.93 | 140.93（1行未填调整后预算，按年初预算计） | 1287.32 | "
                        "1146.39 | 未填 |");

    html = render(NULL, RS__REPORT_FORMAT__FMT_HTML);
    assert_null(strstr(html.out, "政府性基金 调整后预算：0.00万元"));
    assert_non_null(strstr(html.out, "政府性基金 调整后预算：未填报</title>"));
    assert_non_null(strstr(html.out, "0.00 / 未填报 / 1149.53"));

    js = render(NULL, RS__REPORT_FORMAT__FMT_JSON);
    assert_json(js.out);
    assert_non_null(strstr(js.out, "\"adjusted\": null,\n        \"adjusted_given\": false"));
    assert_non_null(strstr(js.out, "\"higher_transfer\": null,\n      \"execution_rate\""));

    csv = render(NULL, RS__REPORT_FORMAT__FMT_CSV);
    assert_null(strstr(csv.out, "budget,gov_fund,,adjusted"));
    ASSERT_LINE(csv.out, "budget,personnel,,adjusted_wan,140.93");
    ASSERT_LINE(csv.out, "budget,total,,adjusted_missing,1");

    xl = render_xlsx(&x);
    assert_string_equal(xl_cell(&x, "预算执行", "政府性基金", 3), "未填");
    assert_string_equal(xl_cell(&x, "预算执行", "合计", 6), "未填");
    assert_string_equal(xl_cell(&x, "预算执行", "合计", 3),
                        "140.93（1行未填调整后预算，按年初预算计）");
    ox_xlsx_free(&x);
    free(md.out);
    free(html.out);
    free(js.out);
    free(csv.out);
    free(xl.out);
}

/* A change under 50元 is printed in 元: it read 较年初减少0.00万元 and
 * 较上年决算增加0.00万元（66.67%）, a change that looked like none. */
static void test_small_change_in_yuan(void **state)
{
    Rs__BudgetLine pr = RS__BUDGET_LINE__INIT;
    struct rendered md;

    teardown(state);
    line(RS__BUDGET_LINE_KIND__LINE_PERSONNEL, YUAN(1000), YUAN(1000), YUAN(970), 0, NULL);
    pr.has_line = pr.has_final_fen = pr.has_prev_final_fen = true;
    pr.line = RS__BUDGET_LINE_KIND__LINE_PROJECT;
    pr.final_fen = YUAN(50);
    pr.prev_final_fen = YUAN(30);
    EMIT(DIV_UNIT, budget_line, RS__RECORD__BODY_BUDGET_LINE, &pr);

    md = render(NULL, RS__REPORT_FORMAT__FMT_MARKDOWN);
    assert_null(strstr(md.out, "减少0.00万元"));
    assert_null(strstr(md.out, "增加0.00万元"));
    assert_non_null(strstr(md.out, "人员经费0.10万元，较年初减少30.00元"));
    ASSERT_LINE(md.out, "2023年项目支出决算数0.01万元，较上年决算增加20.00元（66.67%）。");
    free(md.out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_township),
        cmocka_unit_test(test_build_from_store),
        cmocka_unit_test(test_build_many),
        cmocka_unit_test(test_long_texts_whole),
        cmocka_unit_test(test_absent_not_zero),
        cmocka_unit_test(test_survey_petition_absent),
        cmocka_unit_test(test_certified_absent),
        cmocka_unit_test(test_budget_total_once),
        cmocka_unit_test(test_project_investment_absent),
        cmocka_unit_test(test_budget_adjusted_absent),
        cmocka_unit_test(test_small_change_in_yuan),
    };

    return cmocka_run_group_tests_name("report", tests, setup, teardown);
}

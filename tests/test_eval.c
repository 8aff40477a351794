/*
 * test_eval.c - rule shapes, formulas, total and grade, and the
 * consistency checker on hand-built datasets (the seed's five problems);
 * published scores against the framework's (equal, higher, lower, other
 * points, a value not given, a total and a grade that do not follow);
 * the enum sizes against resettle.proto;
 * the dataset at scale: more records than the old cap, household counts
 * against a brute-force count, the memory cap, records by body type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_eval.h"
#include "rs_eval_inputs.h"
#include "rs_eval_peek.h"
#include "rs_eval_text.h"
#include "rs_flib.h"
#include "rs_framework.h"
#include "rs_rtype.h"

#define FW_DIR RS_SOURCE_DIR "/server/frameworks"
#define W(c) ((int64_t)(c) * 10000) /* c in hundredths of 万元: W(14093) is 140.93万元 */
#define DIV_UNIT "430602"
#define DIV_A "430602001"
#define DIV_B "430602002"

/* ------------------------------------------------------------ builders */

static unsigned seq;

/* Packs r and adds it as the report's scan does (rs_eval_dataset_add_packed). */
static rs_status add_record(struct rs_eval_dataset *ds, const Rs__Record *r)
{
    size_t len = rs__record__get_packed_size(r);
    uint8_t *buf = malloc(len ? len : 1);
    rs_status rv;

    assert_non_null(buf);
    rs__record__pack(r, buf);
    rv = rs_eval_dataset_add_packed(ds, buf, len);
    free(buf);
    return rv;
}

/* The township figures of `division` in res, or NULL. */
static const struct rs_eval_town *town_of(const struct rs_eval_result *res, const char *division)
{
    for (size_t i = 0; i < res->ntowns; i++) {
        if (strcmp(res->towns[i].code, division) == 0)
            return &res->towns[i];
    }
    return NULL;
}

static void add(struct rs_eval_dataset *ds, const char *div, Rs__Record__BodyCase bc, void *body)
{
    Rs__Record r = RS__RECORD__INIT;
    char id[40];

    snprintf(id, sizeof id, "%08u-0000-4000-8000-000000000000", ++seq);
    r.id = id;
    r.division_code = (char *)div;
    r.has_year = true;
    r.year = 2023;
    r.has_period = true;
    r.period = RS__PERIOD__PERIOD_YEAR;
    r.body_case = bc;
    switch (bc) {
    case RS__RECORD__BODY_PROJECT:
        r.project = body;
        break;
    case RS__RECORD__BODY_SUBSIDY:
        r.subsidy = body;
        break;
    case RS__RECORD__BODY_TRAINING:
        r.training = body;
        break;
    case RS__RECORD__BODY_RELIEF:
        r.relief = body;
        break;
    case RS__RECORD__BODY_PETITION:
        r.petition = body;
        break;
    case RS__RECORD__BODY_SURVEY:
        r.survey = body;
        break;
    case RS__RECORD__BODY_UNIT_PROFILE:
        r.unit_profile = body;
        break;
    case RS__RECORD__BODY_STAFFING:
        r.staffing = body;
        break;
    case RS__RECORD__BODY_BUDGET_LINE:
        r.budget_line = body;
        break;
    case RS__RECORD__BODY_SAN_GONG:
        r.san_gong = body;
        break;
    case RS__RECORD__BODY_PROCUREMENT:
        r.procurement = body;
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        r.carry_over = body;
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        r.fixed_assets = body;
        break;
    case RS__RECORD__BODY_MANUAL_SCORE:
        r.manual_score = body;
        break;
    case RS__RECORD__BODY_STATED_FIGURE:
        r.stated_figure = body;
        break;
    default:
        fail();
    }
    assert_int_equal(add_record(ds, &r), RS_OK);
}

static void staffing(struct rs_eval_dataset *ds, uint32_t est, uint32_t in, uint32_t ret,
                     uint32_t stated)
{
    Rs__Staffing s = RS__STAFFING__INIT;

    s.has_establishment = s.has_in_service = s.has_retired = true;
    s.establishment = est;
    s.in_service = in;
    s.retired = ret;
    if (stated) {
        s.has_stated_total = true;
        s.stated_total = stated;
    }
    add(ds, DIV_UNIT, RS__RECORD__BODY_STAFFING, &s);
}

static void line(struct rs_eval_dataset *ds, Rs__BudgetLineKind k, int64_t ys, int64_t adj,
                 int64_t fin, int64_t transfer, int64_t key, const char *reason)
{
    Rs__BudgetLine b = RS__BUDGET_LINE__INIT;

    b.has_line = true;
    b.line = k;
    b.has_year_start_fen = b.has_adjusted_fen = b.has_final_fen = true;
    b.year_start_fen = ys;
    b.adjusted_fen = adj;
    b.final_fen = fin;
    if (transfer) {
        b.has_higher_transfer_fen = true;
        b.higher_transfer_fen = transfer;
    }
    if (key) {
        b.has_key_fen = true;
        b.key_fen = key;
    }
    b.change_reason = (char *)reason;
    add(ds, DIV_UNIT, RS__RECORD__BODY_BUDGET_LINE, &b);
}

static void sangong(struct rs_eval_dataset *ds, Rs__SanGongKind k, int64_t budget, int64_t fin,
                    int64_t prev)
{
    Rs__SanGong g = RS__SAN_GONG__INIT;

    g.has_kind = g.has_budget_fen = g.has_final_fen = g.has_prev_budget_fen = true;
    g.kind = k;
    g.budget_fen = budget;
    g.final_fen = fin;
    g.prev_budget_fen = prev;
    add(ds, DIV_UNIT, RS__RECORD__BODY_SAN_GONG, &g);
}

static void manual(struct rs_eval_dataset *ds, const char *ind, uint32_t total, uint32_t passed,
                   int64_t score, const char *why)
{
    Rs__ManualScore m = RS__MANUAL_SCORE__INIT;

    m.indicator = (char *)ind;
    if (total) {
        m.has_items_total = m.has_items_passed = true;
        m.items_total = total;
        m.items_passed = passed;
    } else {
        m.has_score_milli = true;
        m.score_milli = score;
    }
    m.justification = (char *)why;
    add(ds, DIV_UNIT, RS__RECORD__BODY_MANUAL_SCORE, &m);
}

static void stated(struct rs_eval_dataset *ds, const char *key, const char *text)
{
    Rs__StatedFigure f = RS__STATED_FIGURE__INIT;

    f.key = (char *)key;
    f.text = (char *)text;
    add(ds, DIV_UNIT, RS__RECORD__BODY_STATED_FIGURE, &f);
}

static void project(struct rs_eval_dataset *ds, const char *div, const char *id,
                    Rs__ProjectCategory cat, int64_t qty, const char *unit, int64_t planned,
                    int64_t done, int64_t paid, int64_t allocated, Rs__ProjectStage stage,
                    uint32_t pend, uint32_t aend, Rs__Acceptance acc, const char *owner,
                    const char *village)
{
    Rs__Project p = RS__PROJECT__INIT;

    p.project_id = (char *)id;
    p.name = (char *)id;
    p.village = (char *)village;
    p.has_category = true;
    p.category = cat;
    p.has_scale_qty_milli = true;
    p.scale_qty_milli = qty;
    p.scale_unit = (char *)unit;
    p.has_planned_investment_fen = p.has_completed_investment_fen = p.has_paid_fen = true;
    p.planned_investment_fen = planned;
    p.completed_investment_fen = done;
    p.paid_fen = paid;
    if (allocated) {
        p.has_allocated_fen = true;
        p.allocated_fen = allocated;
    }
    p.has_stage = true;
    p.stage = stage;
    if (pend) {
        p.has_planned_end = true;
        p.planned_end = pend;
    }
    if (aend) {
        p.has_actual_end = true;
        p.actual_end = aend;
    }
    if (acc) {
        p.has_acceptance_result = true;
        p.acceptance_result = acc;
    }
    p.maintenance_owner = (char *)owner;
    add(ds, div, RS__RECORD__BODY_PROJECT, &p);
}

static void training(struct rs_eval_dataset *ds, const char *div, const char *batch,
                     Rs__TrainingType type, uint32_t planned, uint32_t trainees,
                     uint32_t certified, int64_t cost)
{
    Rs__Training t = RS__TRAINING__INIT;

    t.batch_id = (char *)batch;
    t.has_type = true;
    t.type = type;
    t.course = (char *)batch;
    if (planned) {
        t.has_planned_trainees = true;
        t.planned_trainees = planned;
    }
    t.has_trainees = t.has_certified = t.has_cost_fen = true;
    t.trainees = trainees;
    t.certified = certified;
    t.cost_fen = cost;
    add(ds, div, RS__RECORD__BODY_TRAINING, &t);
}

static void self_training(struct rs_eval_dataset *ds, const char *div, int64_t per,
                          uint32_t persons, int64_t total)
{
    Rs__Training t = RS__TRAINING__INIT;

    t.batch_id = "S1";
    t.has_type = true;
    t.type = RS__TRAINING_TYPE__TRAIN_SELF;
    t.has_subsidy_per_person_fen = t.has_subsidy_persons = t.has_subsidy_total_fen = true;
    t.subsidy_per_person_fen = per;
    t.subsidy_persons = persons;
    t.subsidy_total_fen = total;
    t.has_cost_fen = true;
    t.cost_fen = total;
    add(ds, div, RS__RECORD__BODY_TRAINING, &t);
}

static void subsidy(struct rs_eval_dataset *ds, const char *div, uint32_t persons, int64_t std,
                    uint32_t months, int64_t due, int64_t paid, uint32_t paid_date,
                    uint32_t due_date)
{
    Rs__SubsidyPayout s = RS__SUBSIDY_PAYOUT__INIT;
    static unsigned nv;
    char v[16];

    /* Each its own village: one village and period is one natural key. */
    snprintf(v, sizeof v, "V%u", ++nv);
    s.village = v;
    s.has_persons_paid = s.has_standard_fen_per_year = s.has_months = true;
    s.persons_paid = persons;
    s.standard_fen_per_year = std;
    s.months = months;
    if (due >= 0) {
        s.has_amount_due_fen = true;
        s.amount_due_fen = due;
    }
    s.has_amount_paid_fen = true;
    s.amount_paid_fen = paid;
    if (paid_date) {
        s.has_paid_date = true;
        s.paid_date = paid_date;
    }
    if (due_date) {
        s.has_due_date = true;
        s.due_date = due_date;
    }
    add(ds, div, RS__RECORD__BODY_SUBSIDY, &s);
}

static void relief(struct rs_eval_dataset *ds, const char *div, const char *hh,
                   Rs__ReliefKind kind, int64_t amount, uint32_t paid_date)
{
    Rs__Relief r = RS__RELIEF__INIT;

    r.household_ref = (char *)hh;
    r.has_kind = true;
    r.kind = kind;
    r.has_amount_fen = true;
    r.amount_fen = amount;
    if (paid_date) {
        r.has_paid_date = true;
        r.paid_date = paid_date;
    }
    add(ds, div, RS__RECORD__BODY_RELIEF, &r);
}

static void petition(struct rs_eval_dataset *ds, const char *div, const char *id,
                     Rs__PetitionStatus st, Rs__PetitionLevel lvl, uint32_t visitors)
{
    Rs__Petition p = RS__PETITION__INIT;

    p.case_id = (char *)id;
    p.has_status = p.has_level = true;
    p.status = st;
    p.level = lvl;
    if (visitors) {
        p.has_visitors = true;
        p.visitors = visitors;
    }
    add(ds, div, RS__RECORD__BODY_PETITION, &p);
}

static void survey(struct rs_eval_dataset *ds, const char *div, uint32_t valid, uint32_t sat,
                   uint32_t basic, uint32_t dis)
{
    Rs__Survey s = RS__SURVEY__INIT;

    s.survey_id = "SV1";
    s.has_sample_size = s.has_valid = s.has_satisfied = true;
    s.has_basically_satisfied = s.has_dissatisfied = true;
    s.sample_size = valid;
    s.valid = valid;
    s.satisfied = sat;
    s.basically_satisfied = basic;
    s.dissatisfied = dis;
    add(ds, div, RS__RECORD__BODY_SURVEY, &s);
}

/* The seed report's unit finance for 2023: its staffing and its four budget lines
 * (personnel, public, project, government fund) with their reasons, in fen. */
static void seed_unit(struct rs_eval_dataset *ds)
{
    staffing(ds, 13, 10, 4, 14);
    line(ds, RS__BUDGET_LINE_KIND__LINE_PERSONNEL, W(14093), W(14093), W(13779), 0, 0,
         "人员工资变动");
    line(ds, RS__BUDGET_LINE_KIND__LINE_PUBLIC, W(1800), W(1800), W(1542), 0, 0, "厉行节约");
    line(ds, RS__BUDGET_LINE_KIND__LINE_PROJECT, W(4800), W(71641), W(71641), 0, W(50000),
         "有中央移民专项资金");
    line(ds, RS__BUDGET_LINE_KIND__LINE_GOV_FUND, 0, W(114953), W(114953), W(114953),
         W(10000), "中央移民专项资金属上级拨付");
}

/* Every unit and township record type, with hand-computed figures. */
static struct rs_eval_dataset *full_dataset(void)
{
    struct rs_eval_dataset *ds = NULL;

    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    assert_int_equal(rs_eval_dataset_office(ds, DIV_A, "金鹗山街道"), RS_OK);
    assert_int_equal(rs_eval_dataset_office(ds, DIV_B, "王家河街道"), RS_OK);
    seed_unit(ds);
    sangong(ds, RS__SAN_GONG_KIND__SG_RECEPTION, 1000000, 0, 1000000);
    sangong(ds, RS__SAN_GONG_KIND__SG_VEHICLE_UPKEEP, 2000000, 0, 1500000);
    sangong(ds, RS__SAN_GONG_KIND__SG_OUTBOUND, 0, 0, 0);
    {
        Rs__Procurement p = RS__PROCUREMENT__INIT;
        Rs__CarryOver c = RS__CARRY_OVER__INIT;
        Rs__FixedAssets a = RS__FIXED_ASSETS__INIT;

        p.has_budget_fen = p.has_actual_fen = true;
        p.budget_fen = p.actual_fen = W(48691);
        add(ds, DIV_UNIT, RS__RECORD__BODY_PROCUREMENT, &p);
        c.has_start_fen = c.has_end_fen = true;
        c.start_fen = 1000000;
        c.end_fen = 500000;
        add(ds, DIV_UNIT, RS__RECORD__BODY_CARRY_OVER, &c);
        a.has_total_fen = a.has_in_use_fen = true;
        a.total_fen = 10000000;
        a.in_use_fen = 9000000;
        add(ds, DIV_UNIT, RS__RECORD__BODY_FIXED_ASSETS, &a);
    }
    manual(ds, "F17", 5, 4, 0, NULL);
    manual(ds, "F18", 3, 3, 0, NULL);
    manual(ds, "F19", 3, 2, 0, NULL);
    manual(ds, "F16", 10, 9, 0, NULL);
    manual(ds, "sustainability", 0, 0, 1500, "油茶林改造见效，芦笋试点刚起步");
    project(ds, DIV_A, "P1", RS__PROJECT_CATEGORY__CAT_ROAD, 50000, "条", 2000000, 1800000,
            1500000, 2000000, RS__PROJECT_STAGE__STAGE_ACCEPTED, 20231130, 20231120,
            RS__ACCEPTANCE__ACCEPT_PASSED, "村委会", "磨刀村");
    project(ds, DIV_A, "P2", RS__PROJECT_CATEGORY__CAT_POND, 20000, "口", 1000000, 1000000,
            1000000, 0, RS__PROJECT_STAGE__STAGE_COMPLETED, 20230630, 20230715,
            RS__ACCEPTANCE__ACCEPT_PENDING, NULL, "磨刀村");
    project(ds, DIV_B, "P3", RS__PROJECT_CATEGORY__CAT_CANAL, 8000, "条", 500000, 0, 0, 0,
            RS__PROJECT_STAGE__STAGE_BUILDING, 0, 0, 0, NULL, "建中村");
    training(ds, DIV_A, "B1", RS__TRAINING_TYPE__TRAIN_SKILL, 50, 50, 50, 20000000);
    training(ds, DIV_B, "B2", RS__TRAINING_TYPE__TRAIN_PRACTICAL, 40, 30, 0, 12200000);
    self_training(ds, DIV_A, 200000, 2, 600000);
    subsidy(ds, DIV_A, 100, 60000, 12, 6000000, 6000000, 20230320, 20230331);
    subsidy(ds, DIV_B, 10, 60000, 3, 150000, 140000, 20230320, 20230331);
    relief(ds, DIV_A, "HH1", RS__RELIEF_KIND__RKIND_HARDSHIP, 300000, 20231201);
    relief(ds, DIV_A, "HH1", RS__RELIEF_KIND__RKIND_NEW_YEAR, 50000, 20231220);
    relief(ds, DIV_A, "HH2", RS__RELIEF_KIND__RKIND_STUDY_AWARD, 100000, 20230901);
    relief(ds, DIV_B, "HH1", RS__RELIEF_KIND__RKIND_HARDSHIP, 200000, 0);
    petition(ds, DIV_A, "C1", RS__PETITION_STATUS__PST_CLOSED, RS__PETITION_LEVEL__PLV_TOWNSHIP, 0);
    petition(ds, DIV_A, "C2", RS__PETITION_STATUS__PST_REPEAT, RS__PETITION_LEVEL__PLV_TOWNSHIP, 0);
    petition(ds, DIV_B, "C3", RS__PETITION_STATUS__PST_IN_PROGRESS,
             RS__PETITION_LEVEL__PLV_DISTRICT, 2);
    petition(ds, DIV_B, "C4", RS__PETITION_STATUS__PST_CLOSED, RS__PETITION_LEVEL__PLV_CITY, 0);
    survey(ds, DIV_A, 100, 80, 15, 5);
    return ds;
}

/* The shipped formula library, loaded afresh (fw_one's framework owns it). */
static struct rs_flib *library(void)
{
    struct rs_flib *lib = NULL;
    char err[256];

    if (rs_flib_load(FW_DIR, NULL, RS_FLIB_DEFAULT, RS_FLIB_CHECKS_DEFAULT, &lib, err,
                     sizeof err) != RS_OK)
        fail_msg("%s", err);
    return lib;
}

/* A one-indicator framework of 100 points on the library's formula `code`. */
static struct rs_framework *fw_one(const char *code, enum rs_fw_rule rule)
{
    struct rs_framework *fw = calloc(1, sizeof *fw);
    struct rs_fw_indicator *ind;

    assert_non_null(fw);
    fw->owned_lib = library();
    fw->lib = fw->owned_lib;
    snprintf(fw->name, sizeof fw->name, "one");
    fw->n = 1;
    fw->ndims = 1;
    snprintf(fw->dims[0].name, sizeof fw->dims[0].name, "D");
    fw->dims[0].points_milli = fw->total_milli = 100000;
    fw->dims[0].nind = 1;
    ind = &fw->ind[0];
    ind->line = 2;
    ind->fi = rs_flib_find(fw->lib, code);
    if (!ind->fi)
        fail_msg("no formula %s", code);
    snprintf(ind->code, sizeof ind->code, "%s", strcmp(code, "M") == 0 ? "sustainability" : "X");
    snprintf(ind->name, sizeof ind->name, "N");
    snprintf(ind->dimension, sizeof ind->dimension, "D");
    ind->rule = rule;
    ind->points_milli = 100000;
    ind->full_at = ind->fi->kind == RS_VK_RATE ? 100000 : 1000;
    ind->items = 5;
    ind->per_fail = 1000;
    return fw;
}

static enum rs_fw_rule rule_for(const char *code)
{
    struct rs_flib *lib = library();
    enum rs_fw_vkind k = rs_flib_find(lib, code)->kind;

    rs_flib_free(lib);
    switch (k) {
    case RS_VK_CHECKLIST:
        return RS_RULE_CHECKLIST;
    case RS_VK_MANUAL:
        return RS_RULE_MANUAL;
    default:
        return RS_RULE_PROPORTIONAL;
    }
}

/* With RS_TEST_DUMP set, every finding of res on stderr (to write expectations). */
static void dump(const struct rs_eval_result *res)
{
    if (!getenv("RS_TEST_DUMP"))
        return;
    for (size_t i = 0; i < res->nfindings; i++) {
        const struct rs_eval_finding *f = &res->findings[i];

        fprintf(stderr, "[%d] %s | %s | %s | %s | %s | %s\n", (int)f->sev, f->code, f->division,
                f->check, f->expected, f->found, f->where);
    }
}

static const struct rs_eval_finding *find(const struct rs_eval_result *res, const char *code,
                                          const char *needle)
{
    dump(res);
    for (size_t i = 0; i < res->nfindings; i++) {
        const struct rs_eval_finding *f = &res->findings[i];

        if (strcmp(f->code, code) != 0)
            continue;
        if (!needle || strstr(f->check, needle) || strstr(f->where, needle) ||
            strstr(f->found, needle) || strstr(f->expected, needle))
            return f;
    }
    return NULL;
}

static size_t count_code(const struct rs_eval_result *res, const char *code)
{
    size_t n = 0;

    for (size_t i = 0; i < res->nfindings; i++)
        n += strcmp(res->findings[i].code, code) == 0;
    return n;
}

/* ------------------------------------------------------------ rules */

struct rule_case {
    int64_t num, den, want;
};

static void run_cases(const struct rs_fw_indicator *ind, enum rs_fw_vkind kind,
                      const struct rule_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t got = -1;
        char why[256];
        rs_status rv = rs_eval_score(ind, kind, c[i].num, c[i].den, &got, why, sizeof why);

        if (rv != RS_OK || got != c[i].want)
            fail_msg("rule %s case %zu (%lld/%lld): rv=%d score=%lld want %lld",
                     rs_framework_rule_name(ind->rule), i, (long long)c[i].num,
                     (long long)c[i].den, (int)rv, (long long)got, (long long)c[i].want);
        if (got < ind->points_milli && why[0] == '\0' && c[i].want >= 0)
            fail_msg("rule %s case %zu: points lost without a reason",
                     rs_framework_rule_name(ind->rule), i);
    }
}

static void test_rule_cap_deduct(void **state)
{
    struct rs_fw_indicator ind = {.rule = RS_RULE_CAP_DEDUCT, .points_milli = 5000,
                                  .threshold = 100000, .per = 500};
    static const struct rule_case above[] = {
        {10, 13, 5000},        /* 76.92% */
        {1, 1, 5000},          /* exactly the threshold */
        {10001, 10000, 4995},  /* 0.01pp over: 0.005 points */
        {14, 13, 1153},        /* 7.6923pp x 0.5 = 3.84615, lost rounded up to 3.847 */
        {11, 10, 0},           /* 10pp x 0.5 = 5: floor 0 */
        {2, 1, 0},             /* 100pp over: still 0, never negative */
    };
    struct rs_fw_indicator below = {.rule = RS_RULE_CAP_DEDUCT, .points_milli = 10000,
                                    .threshold = 95000, .per = 500, .bad_below = true};
    static const struct rule_case low[] = {
        {95, 100, 10000}, {96, 100, 10000}, {94, 100, 9500}, {0, 1, 0}, {9449, 10000, 9745},
    };
    struct rs_fw_indicator cnt = {.rule = RS_RULE_CAP_DEDUCT, .points_milli = 3000,
                                  .threshold = 0, .per = 1000};
    static const struct rule_case persons[] = {{0, 1, 3000}, {1, 1, 2000}, {3, 1, 0}, {7, 1, 0}};

    (void)state;
    run_cases(&ind, RS_VK_RATE, above, sizeof above / sizeof above[0]);
    run_cases(&below, RS_VK_RATE, low, sizeof low / sizeof low[0]);
    run_cases(&cnt, RS_VK_COUNT, persons, sizeof persons / sizeof persons[0]);
}

static void test_rule_bands(void **state)
{
    struct rs_fw_indicator ind = {.rule = RS_RULE_BANDS, .points_milli = 5000, .nbands = 5};
    static const struct rule_case c[] = {
        {0, 1, 5000},              /* (-inf,0] */
        {-5, 100, 5000},           /* a cut */
        {1, 100000, 3750},         /* 0.001%: (0,10] */
        {10, 100, 3750},           /* 10% inclusive */
        {100001, 1000000, 2500},   /* 10.0001%: (10,20] */
        {30, 100, 1250},           /* 30% inclusive */
        {3001, 10000, 0},          /* 30.01% */
        {668410000, 206930000, 0}, /* the seed's 323% */
    };
    struct rs_fw_indicator gap = {.rule = RS_RULE_BANDS, .points_milli = 5000, .nbands = 1};
    static const struct rule_case g[] = {{50, 100, 5000}, {49, 100, 0}};
    int64_t s;
    char why[256];

    (void)state;
    ind.bands[0] = (struct rs_fw_band){.lo_inf = true, .hi = 0, .hi_incl = true,
                                       .score_milli = 5000};
    ind.bands[1] = (struct rs_fw_band){.lo = 0, .hi = 10000, .hi_incl = true,
                                       .score_milli = 3750};
    ind.bands[2] = (struct rs_fw_band){.lo = 10000, .hi = 20000, .hi_incl = true,
                                       .score_milli = 2500};
    ind.bands[3] = (struct rs_fw_band){.lo = 20000, .hi = 30000, .hi_incl = true,
                                       .score_milli = 1250};
    ind.bands[4] = (struct rs_fw_band){.lo = 30000, .hi_inf = true, .score_milli = 0};
    run_cases(&ind, RS_VK_RATE, c, sizeof c / sizeof c[0]);
    gap.bands[0] = (struct rs_fw_band){.lo = 50000, .lo_incl = true, .hi_inf = true,
                                       .score_milli = 5000};
    run_cases(&gap, RS_VK_RATE, g, sizeof g / sizeof g[0]);
    assert_int_equal(rs_eval_score(&gap, RS_VK_RATE, 49, 100, &s, why, sizeof why), RS_OK);
    assert_string_equal(why, "实际值49.00%不在任何评分区间内，得0分");
}

static void test_rule_step_below(void **state)
{
    struct rs_fw_indicator ind = {.rule = RS_RULE_STEP_BELOW, .points_milli = 10000,
                                  .target_val = 100000, .step = 5000, .deduct = 2000};
    static const struct rule_case c[] = {
        {1, 1, 10000},    {6, 5, 10000},        /* at or above target */
        {9999, 10000, 8000},                    /* 0.01pp short: one started step */
        {95, 100, 8000},  {9499, 10000, 6000},  /* 95% exactly one step; just below, two */
        {90, 100, 6000},  {75, 100, 0},         /* five steps: 0 */
        {0, 1, 0},        {2019150000, 2024870000, 8000},
    };

    (void)state;
    run_cases(&ind, RS_VK_RATE, c, sizeof c / sizeof c[0]);
}

static void test_rule_proportional(void **state)
{
    struct rs_fw_indicator ind = {.rule = RS_RULE_PROPORTIONAL, .points_milli = 8000,
                                  .full_at = 100000};
    static const struct rule_case c[] = {
        {1, 1, 8000}, {3, 2, 8000}, /* capped at full */
        {1, 2, 4000}, {1, 3, 2666}, /* 2666.67 truncated, never rounded up */
        {0, 1, 0},    {-1, 10, 0},  {99999, 100000, 7999},
    };
    struct rs_fw_indicator f90 = {.rule = RS_RULE_PROPORTIONAL, .points_milli = 10000,
                                  .full_at = 90000};
    static const struct rule_case c90[] = {{90, 100, 10000}, {89, 100, 9888}, {95, 100, 10000}};

    (void)state;
    run_cases(&ind, RS_VK_RATE, c, sizeof c / sizeof c[0]);
    run_cases(&f90, RS_VK_RATE, c90, sizeof c90 / sizeof c90[0]);
}

static void test_rule_checklist_manual(void **state)
{
    struct rs_fw_indicator chk = {.rule = RS_RULE_CHECKLIST, .points_milli = 4000, .items = 5,
                                  .per_fail = 1000};
    static const struct rule_case c[] = {{5, 5, 4000}, {4, 5, 3000}, {1, 5, 0}, {0, 5, 0}};
    struct rs_fw_indicator man = {.rule = RS_RULE_MANUAL, .points_milli = 2000};
    static const struct rule_case m[] = {{1500, 1, 1500}, {2000, 1, 2000}, {0, 1, 0}};
    int64_t s;
    char why[256];

    (void)state;
    run_cases(&chk, RS_VK_CHECKLIST, c, sizeof c / sizeof c[0]);
    assert_int_equal(rs_eval_score(&chk, RS_VK_CHECKLIST, 4, 5, &s, why, sizeof why), RS_OK);
    assert_string_equal(why, "5项中1项未达标，每项扣1分");
    assert_int_equal(rs_eval_score(&chk, RS_VK_CHECKLIST, 6, 5, &s, why, sizeof why),
                     RS_EINVAL);
    run_cases(&man, RS_VK_MANUAL, m, sizeof m / sizeof m[0]);
    assert_int_equal(rs_eval_score(&man, RS_VK_MANUAL, 2001, 1, &s, why, sizeof why), RS_EINVAL);
    assert_int_equal(rs_eval_score(&man, RS_VK_MANUAL, -1, 1, &s, why, sizeof why), RS_EINVAL);
    assert_int_equal(rs_eval_score(&chk, RS_VK_RATE, 1, 0, &s, why, sizeof why), RS_EINVAL);
}

static void test_grade_and_pct(void **state)
{
    static const struct {
        int64_t milli;
        const char *grade;
    } g[] = {{0, "差"},     {59999, "差"}, {60000, "中"}, {79999, "中"},
             {80000, "良"}, {89999, "良"}, {90000, "优"}, {100000, "优"}};
    char p[32];

    (void)state;
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
        assert_string_equal(rs_eval_grade(g[i].milli), g[i].grade);
    rs_eval_pct(10, 13, p);
    assert_string_equal(p, "76.92");
    rs_eval_pct(2, 3, p);
    assert_string_equal(p, "66.67");
    rs_eval_pct(1, 8, p);
    assert_string_equal(p, "12.50");
    rs_eval_pct(5, 100000, p); /* 0.005% rounds half away from zero */
    assert_string_equal(p, "0.01");
    rs_eval_pct(-1, 3, p);
    assert_string_equal(p, "-33.33");
    rs_eval_pct(1, 300000, p);
    assert_string_equal(p, "0.00");
    rs_eval_pct(668410000, 206930000, p);
    assert_string_equal(p, "323.01");
}

/* ------------------------------------------------------------ enum sizes */

/* One more than the largest value of an enum, from its descriptor. */
static size_t enum_size(const ProtobufCEnumDescriptor *d)
{
    size_t n = 0;

    for (unsigned i = 0; i < d->n_values; i++) {
        assert_true(d->values[i].value >= 0);
        if ((size_t)d->values[i].value + 1 > n)
            n = (size_t)d->values[i].value + 1;
    }
    return n;
}

/*
 * The evaluation indexes arrays by these enums, with sizes fixed in
 * rs_eval_dataset.h.  A value added to resettle.proto past a size fails
 * here (the static assertions only know the values there were), and so
 * does a value with no Chinese name.
 */
static void test_enum_sizes(void **state)
{
    size_t body = 0;

    (void)state;
    for (unsigned i = 0; i < rs__record__descriptor.n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &rs__record__descriptor.fields[i];

        /* A oneof member's field number is its body case.  The test-only
         * rs.Probe has no production entry: no record of it is ever stored. */
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || !rs_rtype_find((rs_rtype)f->id))
            continue;
        if (f->id + 1 > body)
            body = f->id + 1;
    }
    assert_int_equal(body, RS_EVAL_NBODY);
    assert_int_equal(enum_size(&rs__project_category__descriptor), RS_EVAL_NCAT);
    assert_int_equal(enum_size(&rs__budget_line_kind__descriptor), RS_EVAL_NLINES);
    assert_int_equal(enum_size(&rs__san_gong_kind__descriptor), RS_EVAL_NSANGONG);
    assert_int_equal(enum_size(&rs__relief_kind__descriptor), RS_EVAL_NRKIND);
    for (size_t k = 0; k < RS_EVAL_NCAT; k++)
        assert_true(rs_eval_cat_name(k)[0] != '\0');
    for (size_t k = 0; k < RS_EVAL_NRKIND; k++)
        assert_true(rs_eval_rkind_name(k)[0] != '\0');
    for (size_t k = 1; k < RS_EVAL_NLINES; k++)
        assert_true(rs_eval_line_name(k)[0] != '\0');
    for (size_t k = 1; k < RS_EVAL_NSANGONG; k++)
        assert_true(rs_eval_sangong_name(k)[0] != '\0');
}

/* ------------------------------------------------------------ formulas */

struct fcase {
    const char *f;
    int64_t num, den;
};

static const struct fcase fcases[] = {
    {"F1", 10, 13},
    {"F2", 500000, 2500000},
    {"F3", W(60000), W(186594)},
    {"F4", W(201915), W(20693)},
    {"F4'", W(201915), W(202487)},
    {"F5", W(66841), W(20693)},
    {"F6", 1500000, 2000000},
    {"F7", 500000, W(202487)},
    {"F8", -500000, 1000000},
    {"F9", W(1542), W(1800)},
    {"F10", 0, 3000000},
    {"F11", W(48691), W(48691)},
    {"F12", 9000000, 10000000},
    {"F13", 2, 3},
    {"F14", 1, 3},
    {"F15", 1, 2},
    {"F16", 9, 10},
    {"F17", 4, 5},
    {"F18", 3, 3},
    {"F19", 2, 3},
    {"F20", 95, 100},
    {"F21a", 0, 1000000},
    {"F21b", 500000, 1500000},
    {"T1", 80, 90},
    {"T2", 50, 80},
    {"T3", 1, 2},
    {"T4", 3, 4},
    {"T5", 2, 3},
    {"T6", 3, 1},
    {"T7", 1, 2},
    {"T8", 2800000, 3500000},
    {"T9", 3, 1},
    {"M", 1500, 1},
};

static struct rs_eval_result *run_one(const struct rs_eval_dataset *ds, struct rs_framework *fw)
{
    struct rs_eval_result *res = NULL;

    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    assert_int_equal(res->nitems, 1);
    return res;
}

static void test_formulas(void **state)
{
    struct rs_eval_dataset *ds = full_dataset();

    (void)state;
    for (size_t i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
        struct rs_framework *fw = fw_one(fcases[i].f, rule_for(fcases[i].f));
        struct rs_eval_result *res = run_one(ds, fw);
        const struct rs_eval_item *it = &res->items[0];

        if (it->state != RS_EVAL_OK || it->num != fcases[i].num || it->den != fcases[i].den)
            fail_msg("%s: state %d value %lld/%lld (%s), want %lld/%lld",
                     fcases[i].f, (int)it->state,
                     (long long)it->num, (long long)it->den, it->reason,
                     (long long)fcases[i].num, (long long)fcases[i].den);
        assert_true(it->ninputs > 0);
        assert_true(it->in[0].source[0] != '\0');
        rs_eval_result_free(res);
        rs_framework_free(fw);
    }
    /* F20 without 基本满意 is a formula of its own. */
    {
        struct rs_framework *fw = fw_one("F20s", RS_RULE_PROPORTIONAL);
        struct rs_eval_result *res = run_one(ds, fw);

        assert_int_equal(res->items[0].num, 80);
        assert_int_equal(res->items[0].den, 100);
        rs_eval_result_free(res);
        rs_framework_free(fw);
    }
    /* Inputs name their source records. */
    {
        struct rs_framework *fw = fw_one("F1", RS_RULE_PROPORTIONAL);
        struct rs_eval_result *res = run_one(ds, fw);
        char v[48];

        assert_string_equal(res->items[0].in[0].label, "在职人员数");
        assert_string_equal(res->items[0].in[0].value, "10人");
        assert_string_equal(res->items[0].in[1].value, "13人");
        assert_non_null(strstr(res->items[0].in[0].source, "人员编制（记录"));
        rs_eval_item_value(&res->items[0], v);
        assert_string_equal(v, "76.92%");
        rs_eval_result_free(res);
        rs_framework_free(fw);
    }
    rs_eval_dataset_free(ds);
}

static void test_not_computable(void **state)
{
    struct rs_eval_dataset *ds = NULL;

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    /* On an empty dataset every indicator of the library is missing its input. */
    {
        struct rs_flib *lib = library();

        for (size_t f = 0; f < lib->n; f++) {
            const char *code = lib->e[f].code;
            struct rs_framework *fw;
            struct rs_eval_result *res;
            const struct rs_eval_finding *fd;

            if (strchr(code, '.'))
                continue;
            fw = fw_one(code, rule_for(code));
            res = run_one(ds, fw);
            fd = find(res, "indicator.not_computable", NULL);
            if (res->items[0].state != RS_EVAL_NOT_COMPUTABLE)
                fail_msg("%s computable on an empty dataset", code);
            assert_int_equal(res->items[0].score_milli, 0);
            assert_int_equal(res->total_milli, 0);
            assert_string_equal(res->grade, "差");
            assert_non_null(fd);
            assert_true(strncmp(res->items[0].reason, "无法计算：", strlen("无法计算：")) == 0);
            rs_eval_result_free(res);
            rs_framework_free(fw);
        }
        rs_flib_free(lib);
    }
    /* Division by zero is reported as such. */
    staffing(ds, 0, 3, 0, 0);
    petition(ds, DIV_A, "C9", RS__PETITION_STATUS__PST_REPEAT, RS__PETITION_LEVEL__PLV_TOWNSHIP, 0);
    sangong(ds, RS__SAN_GONG_KIND__SG_RECEPTION, 100, 0, 0);
    sangong(ds, RS__SAN_GONG_KIND__SG_VEHICLE_UPKEEP, 0, 0, 0);
    {
        static const struct {
            const char *f;
            const char *reason;
        } z[] = {
            {"F1", "无法计算：编制数为0，除数为0"},
            {"T5", "无法计算：信访件数（不含重复件）为0，除数为0"},
            {"F2", "无法计算：“三公”经费上年预算数为0，除数为0"},
            /* 0 -> 0 is no change only in words: 0/0 is reported, not full marks. */
            {"F21b", "无法计算：公务用车购置及运行维护费上年预算数为0，除数为0"},
        };

        for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
            struct rs_framework *fw = fw_one(z[i].f, RS_RULE_PROPORTIONAL);
            struct rs_eval_result *res = run_one(ds, fw);

            assert_int_equal(res->items[0].state, RS_EVAL_NOT_COMPUTABLE);
            assert_string_equal(res->items[0].reason, z[i].reason);
            assert_int_equal(res->items[0].score_milli, 0);
            rs_eval_result_free(res);
            rs_framework_free(fw);
        }
    }
    /* T6 with a register: one repeat case at township level is 0 persons. */
    {
        struct rs_framework *fw = fw_one("T6", RS_RULE_PROPORTIONAL);
        struct rs_eval_result *res = run_one(ds, fw);

        assert_int_equal(res->items[0].state, RS_EVAL_OK);
        assert_int_equal(res->items[0].num, 0);
        rs_eval_result_free(res);
        rs_framework_free(fw);
    }
    rs_eval_dataset_free(ds);
}

static void test_unit_preset_total(void **state)
{
    struct rs_eval_dataset *ds = full_dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    char err[256];
    static const struct {
        const char *code;
        int64_t score;
    } want[] = {
        {"F1", 5000},  {"F10", 5000}, {"F9", 5000},  {"F4'", 8000}, {"F5", 0},
        {"F7", 4000},  {"F11", 5000}, {"F17", 3000}, {"F18", 2000}, {"F19", 1000},
        {"F12", 1800}, {"F13", 5333}, {"F14", 1666}, {"F15", 2500}, {"T1", 3555},
        {"T3", 1500},  {"T4", 3000},  {"T5", 1000},  {"T6", 0},     {"sustainability", 1500},
        {"F20", 10000},
    };
    static const int64_t dims[] = {15000, 24800, 14554, 4000, 1500, 10000};

    (void)state;
    assert_int_equal(rs_framework_load(FW_DIR, "unit-2023", &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    assert_int_equal(res->nitems, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < res->nitems; i++) {
        assert_string_equal(res->items[i].ind->code, want[i].code);
        if (res->items[i].score_milli != want[i].score)
            fail_msg("%s scored %lld, want %lld (%s)", want[i].code,
                     (long long)res->items[i].score_milli, (long long)want[i].score,
                     res->items[i].reason);
    }
    for (size_t d = 0; d < 6; d++)
        assert_int_equal(res->dim_score_milli[d], dims[d]);
    assert_int_equal(res->total_milli, 69854);
    assert_string_equal(res->grade, "中");
    assert_string_equal(res->items[4].reason, "实际值323.01%落在区间(30%,+∞)，得0分");
    assert_int_equal(count_code(res, "indicator.not_computable"), 0);
    assert_string_equal(res->items[19].reason, "评审评分：油茶林改造见效，芦笋试点刚起步");
    /* The F16 answer feeds no indicator of this framework. */
    assert_non_null(find(res, "manual.unused", "F16"));
    assert_int_equal(count_code(res, "manual.unused"), 1);
    /* Every formula, scored or not, is computed for the report. */
    {
        size_t listed = 0;

        for (size_t i = 0; i < fw->lib->n; i++)
            listed += fw->lib->e[i].indicator;
        assert_int_equal(res->nfx, listed);
    }
    for (size_t i = 0; i < res->nfx; i++) {
        for (size_t k = 0; k < sizeof fcases / sizeof fcases[0]; k++) {
            if (strcmp(fcases[k].f, res->fx[i].fi->code) != 0)
                continue;
            assert_int_equal(res->fx[i].state, RS_EVAL_OK);
            assert_int_equal(res->fx[i].num, fcases[k].num);
            assert_int_equal(res->fx[i].den, fcases[k].den);
        }
    }
    /* Figures the report shows. */
    assert_true(res->unit.basic_ys.has);
    assert_int_equal(res->unit.basic_ys.v, W(15893));
    assert_int_equal(res->unit.basic_final.v, W(15321));
    assert_int_equal(res->unit.final_total.v, W(201915));
    assert_true(res->unit.final_total.has);
    assert_int_equal(res->total.rl_households, 3);
    assert_int_equal(res->ntowns, 2);
    assert_string_equal(res->towns[0].name, "金鹗山街道");
    assert_int_equal(res->towns[0].rl_households, 2);
    assert_int_equal(res->towns[0].rl_kind_households[RS__RELIEF_KIND__RKIND_HARDSHIP], 1);
    assert_int_equal(res->towns[1].rl_households, 1);
    assert_int_equal(res->total.cat[RS__PROJECT_CATEGORY__CAT_ROAD].qty[0].milli, 50000);
    assert_string_equal(res->total.cat[RS__PROJECT_CATEGORY__CAT_POND].qty[0].unit, "口");
    assert_int_equal(res->total.tr_trainees, 80);
    assert_int_equal(res->total.tr_cost_fen, W(3280));
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* ------------------------------------------------------------ published scores */

/* The one finding of code whose where names the key, or a failure. */
static const struct rs_eval_finding *pub(const struct rs_eval_result *res, const char *code,
                                         const char *key)
{
    char needle[80];
    const struct rs_eval_finding *f;

    snprintf(needle, sizeof needle, "数字 %s（", key);
    f = find(res, code, needle);
    if (!f)
        fail_msg("no finding %s for %s", code, key);
    return f;
}

/* No finding of any code but `code` names the key. */
static void only(const struct rs_eval_result *res, const char *code, const char *key)
{
    char needle[80];

    snprintf(needle, sizeof needle, "数字 %s（", key);
    for (size_t i = 0; i < res->nfindings; i++) {
        const struct rs_eval_finding *f = &res->findings[i];

        if (strstr(f->where, needle) && strcmp(f->code, code) != 0)
            fail_msg("%s: unexpected %s: %s | %s", key, f->code, f->expected, f->found);
    }
}

/* Published scores against the framework's own on the full dataset (every
 * indicator computable): equal, higher, lower, other points (full marks
 * and not), an unknown indicator, a total and a grade that do not follow. */
static void test_published_scores(void **state)
{
    struct rs_eval_dataset *ds = full_dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    const struct rs_eval_finding *f;
    char err[256];

    (void)state;
    stated(ds, "score.f1", "5分");                  /* F1 scores 5 of 5 */
    stated(ds, "score.budget_execution", "10/10分"); /* F4' scores 8 of 10 */
    stated(ds, "score.f7", "3分");                  /* F7 scores 4 of 5 */
    stated(ds, "score.asset_use", "2分");           /* F12 scores 1.8 of 2 */
    stated(ds, "score.procurement", "2/2分");       /* F11 full, out of 5 */
    stated(ds, "score.t6", "2/5分");                /* T6 0 of 3; 2 of 5 published */
    stated(ds, "score.no_such", "1分");
    stated(ds, "score.total", "90分");
    stated(ds, "grade", "良");
    assert_int_equal(rs_framework_load(FW_DIR, "unit-2023", &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    /* The framework's own scoring is untouched. */
    assert_int_equal(res->total_milli, 69854);
    assert_string_equal(res->grade, "中");
    assert_null(find(res, "stated.unknown_key", NULL));
    f = pub(res, "score.reproduced", "score.f1");
    assert_int_equal(f->sev, RS_SEV_NOTE);
    assert_non_null(strstr(f->expected, "计5分（满分5分）"));
    only(res, "score.reproduced", "score.f1");
    /* Higher: the value, the rule's text, both points. */
    f = pub(res, "score.mismatch", "score.budget_execution");
    assert_int_equal(f->sev, RS_SEV_ERROR);
    assert_non_null(strstr(f->check, "预算执行率"));
    assert_non_null(strstr(f->expected, "值99.72%，规则按档扣分（target=100; step=5; deduct=2），"
                                        "目标≥100%：计8分（满分10分）"));
    assert_non_null(strstr(f->found, "所载10分（满分10分），多计2分"));
    assert_non_null(strstr(f->where, "框架unit-2023第"));
    only(res, "score.mismatch", "score.budget_execution");
    /* Lower. */
    f = pub(res, "score.mismatch", "score.f7");
    assert_non_null(strstr(f->expected, "计4分（满分5分）"));
    assert_non_null(strstr(f->found, "所载3分（满分5分），少计1分"));
    f = pub(res, "score.mismatch", "score.asset_use");
    assert_non_null(strstr(f->found, "多计0.2分"));
    /* Other points: full marks against full marks agree; 2 of 5 cannot be
     * compared with 0 of 3. */
    f = pub(res, "score.reproduced", "score.procurement");
    assert_non_null(strstr(f->check, "分值不同"));
    only(res, "score.reproduced", "score.procurement");
    f = pub(res, "score.unverifiable", "score.t6");
    assert_non_null(strstr(f->found, "分值与框架的3分不同"));
    only(res, "score.unverifiable", "score.t6");
    assert_int_equal(pub(res, "score.unknown_indicator", "score.no_such")->sev, RS_SEV_NOTE);
    /* The total: 90 against 69.854 (the parts stated do not cover the
     * framework, and sum to less: no sum finding). */
    f = pub(res, "score.mismatch", "score.total");
    assert_non_null(strstr(f->expected, "按框架unit-2023计69.854分（中）"));
    assert_non_null(strstr(f->found, "所载总分90分，多计20.146分"));
    assert_int_equal(count_code(res, "score.total_sum"), 0);
    /* The grade: 90 is 优, not 良. */
    f = pub(res, "score.grade", "grade");
    assert_int_equal(f->sev, RS_SEV_ERROR);
    assert_non_null(strstr(f->expected, "所载总分90分应为“优”"));
    assert_non_null(strstr(f->found, "“良”"));
    assert_int_equal(count_code(res, "score.mismatch"), 4);
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* A published score whose value is not given is never compared with 0:
 * it cannot be checked, naming the missing input; a stated value of the
 * indicator is scored instead of the records' when they cannot compute it
 * (unless it is approximate); parts above the total are a finding. */
static void test_published_absent(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    const struct rs_eval_finding *f;
    char err[256];

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    seed_unit(ds);                                   /* no 三公, procurement or assets */
    stated(ds, "score.f10", "5分");
    stated(ds, "procurement", "72.74%");
    stated(ds, "score.procurement", "5分");
    stated(ds, "asset_use", "约90%");
    stated(ds, "score.f12", "2分");
    stated(ds, "score.total", "9");
    stated(ds, "grade", "良");
    assert_int_equal(rs_framework_load(FW_DIR, "unit-2023", &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    f = pub(res, "score.unverifiable", "score.f10");
    assert_int_equal(f->sev, RS_SEV_WARNING);
    assert_non_null(strstr(f->check, "无法核实"));
    assert_non_null(strstr(f->found, "所载5分（满分5分）；没有三公经费记录"));
    only(res, "score.unverifiable", "score.f10");
    /* The stated 72.74% is scored: 5 x 72.74% = 3.637. */
    f = pub(res, "score.mismatch", "score.procurement");
    assert_non_null(strstr(f->expected, "值72.74%（报告所载值）"));
    assert_non_null(strstr(f->expected, "计3.637分（满分5分）"));
    assert_non_null(strstr(f->found, "多计1.363分"));
    f = pub(res, "score.unverifiable", "score.f12");
    assert_non_null(strstr(f->found, "所载值“约90%”不是确切数字"));
    only(res, "score.unverifiable", "score.f12");
    /* 5 + 5 + 2 stated, above the total of 9. */
    f = pub(res, "score.total_sum", "score.total");
    assert_non_null(strstr(f->expected, "所载3项指标得分之和12分"));
    assert_non_null(strstr(f->found, "所载总分9分，少3分"));
    f = pub(res, "score.unverifiable", "score.total");
    assert_non_null(strstr(f->found, "项指标无法计算（如"));
    assert_null(find(res, "score.mismatch", "score.total"));
    f = pub(res, "score.grade", "grade");
    assert_non_null(strstr(f->expected, "所载总分9分应为“差”"));
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* Every indicator stated as the framework scores it: all reproduce; a
 * total that is not their sum is a finding, one that is, a note. */
static void test_published_total(void **state)
{
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res0 = NULL;
    char err[256];

    (void)state;
    assert_int_equal(rs_framework_load(FW_DIR, "unit-2023", &fw, err, sizeof err), RS_OK);
    {
        struct rs_eval_dataset *ds0 = full_dataset();

        assert_int_equal(rs_eval_run(ds0, fw, NULL, &res0), RS_OK);
        rs_eval_dataset_free(ds0);
    }
    for (int pass = 0; pass < 2; pass++) {
        struct rs_eval_dataset *ds = full_dataset();
        struct rs_eval_result *res = NULL;
        char keys[RS_FW_MAX_INDICATORS][64], texts[RS_FW_MAX_INDICATORS][40], t[40], m[32];

        for (size_t i = 0; i < res0->nitems; i++) {
            const struct rs_eval_item *it = &res0->items[i];
            size_t k = 0;

            if (strchr(it->ind->code, '\''))
                snprintf(keys[i], sizeof keys[i], "score.%s", it->fi->slug);
            else
                snprintf(keys[i], sizeof keys[i], "score.%s", it->ind->code);
            for (k = 6; keys[i][k]; k++)
                if (keys[i][k] >= 'A' && keys[i][k] <= 'Z')
                    keys[i][k] = (char)(keys[i][k] - 'A' + 'a');
            rs_milli_format(it->score_milli, m);
            snprintf(texts[i], sizeof texts[i], "%s分", m);
            stated(ds, keys[i], texts[i]);
        }
        rs_milli_format(res0->total_milli + (pass == 0 ? 1000 : 0), m);
        snprintf(t, sizeof t, "%s分", m);
        stated(ds, "score.total", t);
        stated(ds, "grade", "中");
        assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
        assert_int_equal(count_code(res, "score.reproduced"), res0->nitems + (pass == 1));
        assert_int_equal(count_code(res, "score.unverifiable"), 0);
        assert_int_equal(count_code(res, "score.grade"), 0);
        if (pass == 0) {
            const struct rs_eval_finding *f = pub(res, "score.total_sum", "score.total");

            assert_non_null(strstr(f->expected, "所载21项指标得分之和69.854分（含框架的全部指标）"));
            assert_non_null(strstr(f->found, "所载总分70.854分，多1分"));
            assert_non_null(pub(res, "score.mismatch", "score.total"));
        } else {
            assert_int_equal(count_code(res, "score.total_sum"), 0);
            assert_int_equal(count_code(res, "score.mismatch"), 0);
            assert_non_null(pub(res, "score.reproduced", "score.total"));
        }
        rs_eval_result_free(res);
        rs_eval_dataset_free(ds);
    }
    rs_eval_result_free(res0);
    rs_framework_free(fw);
}

/* ------------------------------------------------------------ checker */

static void test_seed_problems(void **state)
{
    struct rs_eval_dataset *ds = full_dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    const struct rs_eval_finding *f;
    char err[256];

    (void)state;
    stated(ds, "budget.total", "2026.86");
    stated(ds, "executed.total", "2026.86万元");
    stated(ds, "rate.execution", "100%");
    stated(ds, "rate.staff_control", "77%");
    stated(ds, "rate.procurement", "100%");
    stated(ds, "training.person_times", "80人次");
    stated(ds, "training.funds", "32.8万元");
    stated(ds, "relief.households", "400余户");
    stated(ds, "relief.funds", "25万元");
    stated(ds, "projects.total", "近600万元");
    stated(ds, "village.modao", "158万元");
    stated(ds, "petition.above_district", "0人");
    stated(ds, "sangong.total", "0万元");
    stated(ds, "no.such.key", "1");
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);

    /* 1. Line finals 2019.15 against 2026.86 executed: 7.71 unexplained. */
    f = find(res, "stated.mismatch", "预算执行数");
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_ERROR);
    assert_string_equal(f->expected, "2019.15万元");
    assert_string_equal(f->found, "2026.86万元，相差+7.71万元");
    /* 2. 100% only if the whole-year budget is the final total. */
    f = find(res, "budget.execution_basis", NULL);
    assert_non_null(f);
    assert_string_equal(f->expected, "全年预算数为调整后预算合计2024.87万元，执行率99.72%");
    assert_string_equal(f->found, "全年预算数=执行数=2026.86万元；基本支出决算153.21万元比预算"
                                  "158.93万元少5.72万元");
    f = find(res, "stated.rate_mismatch", "预算执行率");
    assert_non_null(f);
    /* The recomputed rate with its inputs; the gap in percentage points. */
    assert_string_equal(f->expected, "99.72%（决算数合计2019.15万元、全年预算数（调整后预算）合计"
                                     "2024.87万元）");
    assert_string_equal(f->found, "100%，相差+0.28个百分点");
    /* 3. 2 people x 2000 yuan = 4000, not 6000. */
    f = find(res, "training.subsidy_total", NULL);
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_ERROR);
    assert_string_equal(f->expected, "4000.00元（人均补助2000.00元、补助人数2人）");
    assert_string_equal(f->found, "6000.00元，相差+2000.00元");
    assert_string_equal(f->division, DIV_A);
    /* 4. Project line 48 -> 716.41 without a transfer; the fund line is explained. */
    f = find(res, "budget.adjustment_unexplained", "项目支出");
    assert_non_null(f);
    assert_string_equal(f->expected, "≤14.40万元（年初预算48.00万元）");
    assert_string_equal(f->found, "668.41万元（调整后预算716.41万元、年初预算48.00万元、"
                                  "决算716.41万元、上级转移支付未填报）");
    assert_null(find(res, "budget.adjustment_unexplained", "政府性基金"));
    assert_int_equal(count_code(res, "budget.adjustment_unexplained"), 1);
    /* 5. "400余户" and "近600万元" are not figures. */
    f = find(res, "stated.approximation", "400余户");
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_WARNING);
    assert_string_equal(f->expected, "3户（记录合计）");
    assert_string_equal(f->found, "400余户，相差+397");
    f = find(res, "stated.approximation", "近600万元");
    assert_non_null(f);
    assert_string_equal(f->expected, "2.80万元（记录合计）");
    assert_string_equal(f->check, "全年项目累计投入（完成投资合计）以约数（“近”）填报，应为确切数字");
    /* The staff rate is right only because in-service is used: 77% is 76.92% rounded. */
    f = find(res, "stated.rounded", "在职人员控制率");
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_NOTE);
    assert_string_equal(f->expected, "76.92%");
    assert_string_equal(f->found, "77%");
    /* Figures that agree raise nothing. */
    assert_null(find(res, "stated.mismatch", "组织培训人次"));
    assert_null(find(res, "stated.mismatch", "培训投入资金"));
    assert_null(find(res, "stated.rate_mismatch", "政府采购"));
    assert_null(find(res, "stated.mismatch", "“三公”"));
    /* 磨刀村 has 2.80万 in this dataset, not 158. */
    f = find(res, "stated.mismatch", "磨刀");
    assert_non_null(f);
    assert_string_equal(f->expected, "2.80万元");
    f = find(res, "stated.mismatch", "到区以上上访人数");
    assert_non_null(f);
    assert_string_equal(f->expected, "3人");
    assert_non_null(find(res, "stated.unknown_key", "no.such.key"));
    /* Other checks on the same data. */
    f = find(res, "subsidy.paid_vs_due", NULL);
    assert_non_null(f);
    assert_string_equal(f->expected, "≥1500.00元（应发金额1500.00元、发放人数10人、补助标准"
                                     "600.00元、发放月数3）");
    assert_string_equal(f->found, "1400.00元");
    assert_int_equal(f->sev, RS_SEV_WARNING);
    assert_non_null(find(res, "project.acceptance", "P2"));
    /* 离休 and 临聘 are not given: the total cannot be checked, and says so. */
    f = find(res, "staff.total", NULL);
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_NOTE);
    assert_string_equal(f->found, "未能核对：没有离休人员数（人员编制记录未填报离休人数）");
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* Every figure of the library and every built-in input is a stated-figure
 * key; a stated rate that does not reproduce shows its inputs. */
static void test_stated_keys(void **state)
{
    struct rs_eval_dataset *ds = full_dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    const struct rs_eval_finding *f;
    struct rs_flib *lib = library();
    char err[256], name[96];
    uint32_t id;
    size_t nkeys = 0;

    (void)state;
    for (size_t i = 0; i < lib->n; i++) {
        if (lib->e[i].kind == RS_VK_CHECKLIST || lib->e[i].kind == RS_VK_MANUAL)
            continue;
        stated(ds, lib->e[i].code, "1");
        nkeys++;
    }
    for (size_t i = 0; rs_eval_input_at(i, name, sizeof name, &id); i++) {
        stated(ds, name, "1");
        nkeys++;
    }
    rs_flib_free(lib);
    stated(ds, "line.project.final", "716.41万元");
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    assert_null(find(res, "stated.unknown_key", NULL));
    assert_true(nkeys > 150);
    /* The legacy line key is the budget line's figure. */
    assert_null(find(res, "stated.mismatch", "数字 line.project.final（"));
    assert_non_null(find(res, "stated.mismatch", "budget_line.project.final"));
    /* A rate by its code: recomputed, with its inputs and the gap. */
    f = find(res, "stated.rate_mismatch", "在职人员控制率");
    assert_non_null(f);
    assert_string_equal(f->expected, "76.92%（在职人员数10人、编制数13人）");
    assert_string_equal(f->found, "1，相差-75.92个百分点");
    /* An absent figure cannot be checked, and says why. */
    f = find(res, "stated.no_records", "离休");
    assert_non_null(f);
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/*
 * Money shown where a gap or a sum is small or signed: a gap under 0.005万元
 * is given in 元 (never "相差-0.00万元"), a stated figure in 元 is answered
 * in 元, a minus sign is read, a "," that does not group thousands makes
 * the figure unreadable, and the due of the payouts is summed exactly and
 * rounded once.
 */
static void test_money_gaps(void **state)
{
    struct rs_eval_dataset *ds = full_dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    const struct rs_eval_finding *f;
    const struct rs_eval_town *t;
    char err[256];

    (void)state;
    /* The parts' budgets are 30000.00元; the total line says 30030.00元. */
    sangong(ds, RS__SAN_GONG_KIND__SG_TOTAL, 3003000, 0, 2500000);
    stated(ds, "rate.staff_control", "-76.92%");
    stated(ds, "training.funds", "3,28万元");
    stated(ds, "budget_line.project.final", "716.412万元");
    stated(ds, "executed.total", "20191500.50元");
    /* Three payouts of 16.6675元 each: 50.0025元 due, 50.00 once rounded. */
    for (int i = 0; i < 3; i++)
        subsidy(ds, "430602003", 1, 20001, 1, -1, 1667, 20230320, 20230331);
    /* A due past int64 is not a figure (it was a negative one, wrapped). */
    subsidy(ds, "430602004", 100000, INT64_C(100000000000000), 12, -1, 100, 20230320, 20230331);
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    f = find(res, "sangong.total_parts", "预算数");
    assert_non_null(f);
    assert_non_null(strstr(f->found, "相差+30.00元"));
    assert_null(strstr(f->found, "0.00万元"));
    f = find(res, "stated.rate_mismatch", "-76.92%");
    assert_non_null(f);
    assert_non_null(strstr(f->found, "相差-153.84个百分点"));
    assert_non_null(find(res, "stated.unparsable", "3,28万元"));
    f = find(res, "stated.mismatch", "716.412万元");
    assert_non_null(f);
    assert_non_null(strstr(f->found, "相差+20.00元"));
    f = find(res, "stated.mismatch", "20191500.50元");
    assert_non_null(f);
    assert_non_null(strstr(f->found, "相差+0.50元"));
    t = town_of(res, "430602003");
    assert_non_null(t);
    assert_true(t->sub_due_fen == 5000);
    assert_int_equal(t->sub_due_miss, 0);
    t = town_of(res, "430602004");
    assert_non_null(t);
    assert_int_equal(t->sub_due_miss, 1);
    assert_true(t->sub_due_fen == 0);
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

static void test_more_checks(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = fw_one("F1", RS_RULE_PROPORTIONAL);
    struct rs_eval_result *res = NULL;
    const struct rs_eval_finding *f;

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    staffing(ds, 13, 10, 4, 15);
    subsidy(ds, DIV_A, 1, 60001, 1, -1, 5000, 20230405, 20230331);
    subsidy(ds, DIV_A, 10, 60000, 12, 500000, 600000, 0, 0);
    survey(ds, DIV_B, 100, 80, 10, 5);
    {
        Rs__Training t = RS__TRAINING__INIT;

        t.batch_id = "B9";
        t.has_type = t.has_trainees = t.has_certified = true;
        t.type = RS__TRAINING_TYPE__TRAIN_SKILL;
        t.trainees = 10;
        t.certified = 12;
        add(ds, DIV_B, RS__RECORD__BODY_TRAINING, &t);
    }
    relief(ds, DIV_B, NULL, RS__RELIEF_KIND__RKIND_OTHER, 1000, 20230101);
    staffing(ds, 13, 10, 4, 14); /* a second current staffing record */
    {
        Rs__Record other = RS__RECORD__INIT;
        Rs__Staffing s = RS__STAFFING__INIT;

        other.id = "ffffffff-0000-4000-8000-000000000000";
        other.has_year = true;
        other.year = 2022;
        other.body_case = RS__RECORD__BODY_STAFFING;
        other.staffing = &s;
        assert_int_equal(add_record(ds, &other), RS_OK);
        assert_int_equal(ds->ignored, 1);
    }
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    /* The later staffing record (stated 14) is used, and the duplicate noted. */
    assert_non_null(find(res, "record.duplicate", NULL));
    assert_int_equal(find(res, "staff.total", NULL)->sev, RS_SEV_NOTE);
    f = find(res, "subsidy.fractional_due", NULL);
    assert_non_null(f);
    assert_string_equal(f->expected, "整分金额");
    assert_string_equal(f->found, "约50.0008元（发放人数1人、补助标准600.01元、发放月数1），不是整分");
    f = find(res, "subsidy.late", NULL);
    assert_non_null(f);
    assert_string_equal(f->expected, "≤2023-03-31");
    assert_string_equal(f->found, "2023-04-05");
    f = find(res, "subsidy.due_vs_standard", NULL);
    assert_non_null(f);
    assert_string_equal(f->expected, "6000.00元（发放人数10人、补助标准600.00元、发放月数12）");
    assert_string_equal(f->found, "5000.00元，相差-1000.00元");
    /* 5000 against 5000.08: within a fen, no finding. */
    assert_int_equal(count_code(res, "subsidy.paid_vs_due"), 1);
    f = find(res, "subsidy.paid_vs_due", "6000.00元");
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_ERROR);
    f = find(res, "survey.sum", NULL);
    assert_non_null(f);
    assert_string_equal(f->expected, "100");
    assert_string_equal(f->found, "95（满意人数80、基本满意人数10、不满意人数5），相差-5");
    f = find(res, "training.certified", NULL);
    assert_non_null(f);
    assert_string_equal(f->expected, "≤10人次");
    assert_string_equal(f->found, "12人");
    assert_non_null(find(res, "relief.household_ref", NULL));
    rs_eval_result_free(res);

    /* The staff total check on its own. */
    rs_eval_dataset_free(ds);
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    {
        /* Every category given (0 for nobody): the total must be their sum. */
        Rs__Staffing st = RS__STAFFING__INIT;

        st.has_establishment = st.has_in_service = st.has_retired = true;
        st.has_veteran_retired = st.has_temporary = st.has_stated_total = true;
        st.establishment = 9;
        st.in_service = 10;
        st.retired = 4;
        st.stated_total = 15;
        add(ds, DIV_UNIT, RS__RECORD__BODY_STAFFING, &st);
    }
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    f = find(res, "staff.total", NULL);
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_ERROR);
    assert_string_equal(f->expected, "14人（在职人员数10人、离休人员数0人、退休人员数4人、临聘人员数0人）");
    assert_string_equal(f->found, "15人，相差+1人");
    /* In service above the quota (编制数 is not a headcount). */
    f = find(res, "staff.over_quota", NULL);
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_WARNING);
    assert_string_equal(f->expected, "≤9人");
    assert_string_equal(f->found, "10人");
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

static void test_township_scope(void **state)
{
    struct rs_eval_dataset *ds = full_dataset();
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    char err[256];

    (void)state;
    self_training(ds, DIV_B, 100000, 3, 400000); /* a mismatch in the other township */
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, DIV_A, &res), RS_OK);
    assert_true(res->is_township);
    assert_int_equal(res->nitems, 0);
    assert_int_equal(res->total_milli, 0);
    assert_int_equal(res->ntowns, 1);
    assert_string_equal(res->towns[0].code, DIV_A);
    assert_int_equal(res->towns[0].proj_n, 2);
    assert_int_equal(res->unit.nlines, 0);
    assert_null(res->unit.staffing);
    for (size_t i = 0; i < res->nfindings; i++)
        assert_string_equal(res->findings[i].division, DIV_A);
    assert_non_null(find(res, "training.subsidy_total", NULL));
    assert_string_equal(find(res, "training.subsidy_total", NULL)->found,
                        "6000.00元，相差+2000.00元");
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* ------------------------------------------------------------ scale */

/* A packed relief record: division, household_ref (NULL: none), kind (0:
 * unset), amount, paid or not.  Returns the length written into buf. */
static size_t pack_relief(uint8_t *buf, size_t cap, unsigned n, const char *div, const char *hh,
                          unsigned kind, int64_t amount, bool paid, uint32_t paid_date)
{
    Rs__Record r = RS__RECORD__INIT;
    Rs__Relief rl = RS__RELIEF__INIT;
    char id[40];
    size_t len;

    snprintf(id, sizeof id, "%08x-0000-4000-8000-000000000001", n);
    r.id = id;
    r.division_code = (char *)div;
    r.has_year = true;
    r.year = 2023;
    r.body_case = RS__RECORD__BODY_RELIEF;
    r.relief = &rl;
    rl.household_ref = (char *)hh;
    rl.has_kind = kind != 0;
    rl.kind = (Rs__ReliefKind)kind;
    rl.has_amount_fen = true;
    rl.amount_fen = amount;
    rl.has_paid_date = paid;
    rl.paid_date = paid_date;
    len = rs__record__get_packed_size(&r);
    assert_true(len <= cap);
    return rs__record__pack(&r, buf);
}

/* YYYYMMDD of day d (0..364) of 2023. */
static uint32_t day_2023(unsigned d)
{
    static const unsigned len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned m = 0;

    while (d >= len[m]) {
        d -= len[m];
        m++;
    }
    return 20230000u + (m + 1) * 100u + d + 1;
}

/* A manual indicator nobody scored says so in Chinese alone. */
static void test_manual_unscored(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = fw_one("F17", rule_for("F17"));
    struct rs_eval_result *res;

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    res = run_one(ds, fw);
    assert_int_equal(res->items[0].state, RS_EVAL_NOT_COMPUTABLE);
    assert_non_null(strstr(res->items[0].reason, "的人工评分记录"));
    assert_null(strstr(res->items[0].reason, "ManualScore"));
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* A sum over the unit's own rows of a kind nobody entered is absent, not
 * 0: 三公 rows for reception and travel only say nothing of the vehicles. */
static void test_sum_of_no_rows(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = fw_one("F21b", RS_RULE_PROPORTIONAL);
    struct rs_eval_result *res;

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    sangong(ds, RS__SAN_GONG_KIND__SG_RECEPTION, 1000000, 0, 1000000);
    sangong(ds, RS__SAN_GONG_KIND__SG_OUTBOUND, 0, 0, 0);
    res = run_one(ds, fw);
    assert_int_equal(res->items[0].state, RS_EVAL_NOT_COMPUTABLE);
    assert_non_null(strstr(res->items[0].reason, "没有符合条件的"));
    assert_null(strstr(res->items[0].reason, "除数为0"));
    rs_eval_result_free(res);
    rs_eval_dataset_free(ds);
    /* With the upkeep row, the vehicles' change is computed from it. */
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    sangong(ds, RS__SAN_GONG_KIND__SG_RECEPTION, 1000000, 0, 1000000);
    sangong(ds, RS__SAN_GONG_KIND__SG_VEHICLE_UPKEEP, 2000000, 0, 1500000);
    res = run_one(ds, fw);
    assert_int_equal(res->items[0].state, RS_EVAL_OK);
    assert_true(res->items[0].num * 3 == res->items[0].den);   /* +33.33% */
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* Records a filter leaves out are counted once each, and the lost points
 * say so (the inputs are shown by evaluating them again).  They are left
 * out of the rate's base too: a payout that cannot be judged is not late. */
static void test_left_out_once(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = fw_one("T3", RS_RULE_PROPORTIONAL);
    struct rs_eval_result *res;
    const struct rs_eval_finding *fd;

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    /* Three payouts without a due date, one on time, one late. */
    for (int k = 0; k < 3; k++)
        subsidy(ds, DIV_A, 10, 60000, 3, 150000, 150000, day_2023(100), 0);
    subsidy(ds, DIV_A, 10, 60000, 3, 150000, 150000, day_2023(100), day_2023(110));
    subsidy(ds, DIV_A, 10, 60000, 3, 150000, 150000, day_2023(120), day_2023(110));
    res = run_one(ds, fw);
    assert_int_equal(res->items[0].state, RS_EVAL_OK);
    assert_int_equal(res->items[0].num, 1);
    assert_int_equal(res->items[0].den, 2);
    assert_string_equal(res->items[0].left_out, "3条直补记录未填报应发日期（无法判断，未计入）");
    assert_non_null(strstr(res->items[0].reason, "；其中3条直补记录未填报应发日期"));
    fd = find(res, "indicator.left_out", NULL);
    assert_non_null(fd);
    assert_string_equal(fd->found, "3条直补记录未填报应发日期（无法判断，未计入）");
    rs_eval_result_free(res);
    rs_eval_dataset_free(ds);
    /* Every payout left out: the rate is not computable, and the reason is
     * the records left out, without an empty clause before them. */
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    for (int k = 0; k < 3; k++)
        subsidy(ds, DIV_A, 10, 60000, 3, 150000, 150000, day_2023(100), 0);
    res = run_one(ds, fw);
    assert_int_equal(res->items[0].state, RS_EVAL_NOT_COMPUTABLE);
    assert_non_null(strstr(res->items[0].reason, "3条直补记录未填报应发日期"));
    assert_null(strstr(res->items[0].reason, "：；"));
    assert_true(strncmp(res->items[0].reason, "；", strlen("；")) != 0);
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* A payout that gives no persons: its amount must be a whole number of
 * persons at the standard (609.22万元 at 600元 a year is 10153.67). */
static void test_whole_persons(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = NULL;
    struct rs_eval_result *res = NULL;
    Rs__SubsidyPayout s = RS__SUBSIDY_PAYOUT__INIT;
    const struct rs_eval_finding *fd;
    char err[256];

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    s.village = "全县";
    s.has_standard_fen_per_year = s.has_months = s.has_amount_due_fen = true;
    s.standard_fen_per_year = 60000;
    s.months = 12;
    s.amount_due_fen = 609220000;
    add(ds, DIV_A, RS__RECORD__BODY_SUBSIDY, &s);
    /* 60万元 is 1000 persons: no finding. */
    s.village = "另一村";
    s.amount_due_fen = 60000000;
    add(ds, DIV_A, RS__RECORD__BODY_SUBSIDY, &s);
    assert_int_equal(rs_framework_load(FW_DIR, NULL, &fw, err, sizeof err), RS_OK);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    assert_int_equal(count_code(res, "subsidy.whole_persons"), 1);
    fd = find(res, "subsidy.whole_persons", NULL);
    assert_int_equal(fd->sev, RS_SEV_WARNING);
    assert_string_equal(fd->expected, "整数");
    assert_string_equal(fd->found, "10153.67（应发金额6092200.00元、实发金额未填报、"
                                   "补助标准600.00元、发放月数12），不是整数");
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/*
 * 200,001 relief records: more than the 200,000 a dataset could hold before
 * it summed relief records as they came.  Households repeat across kinds,
 * dates and divisions (no two records share a natural key: division,
 * household, kind and paid date); every 997th record has no household_ref,
 * every 4th has nothing paid.  The expected figures are counted here with a
 * plain table, not a hash set.
 */
#define BIG_N 200001u
#define BIG_REFS 5000u

static void test_over_old_cap(void **state)
{
    static const char *const divs[3] = {DIV_A, DIV_B, "430602200"};
    static uint8_t seen[3][BIG_REFS];  /* bit k: kind k seen; 0x80: household seen */
    uint32_t hh[3] = {0}, kind_hh[3][RS_EVAL_NRKIND] = {{0}}, n[3] = {0}, delivered[3] = {0};
    int64_t fen[3] = {0};
    size_t anon = 0;
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = fw_one("T9", RS_RULE_PROPORTIONAL);
    struct rs_eval_result *res = NULL;
    uint8_t buf[256];

    (void)state;
    memset(seen, 0, sizeof seen);
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    for (unsigned i = 0; i < BIG_N; i++) {
        unsigned d = i % 3, ref = (i * 7919u) % BIG_REFS, kind = (i / 7) % 5;
        bool none = i % 997 == 0, paid = i % 4 != 0;
        int64_t amount = paid ? 100 + (int64_t)(i % 7) : 0;
        char h[16];
        size_t len;

        snprintf(h, sizeof h, "H%05u", ref);
        len = pack_relief(buf, sizeof buf, i, divs[d], none ? NULL : h, kind, amount, true,
                          day_2023(i % 365));
        assert_int_equal(rs_eval_dataset_add_packed(ds, buf, len), RS_OK);
        n[d]++;
        fen[d] += amount;
        delivered[d] += paid;
        if (none) {
            anon++;
            hh[d]++;
            kind_hh[d][kind]++;
            continue;
        }
        if (!(seen[d][ref] & 0x80))
            hh[d]++;
        if (!(seen[d][ref] & (1u << kind)))
            kind_hh[d][kind]++;
        seen[d][ref] |= (uint8_t)(0x80 | (1u << kind));
    }
    assert_int_equal(ds->n + ds->folded, BIG_N);
    assert_int_equal(ds->n, anon);
    assert_int_equal(rs_eval_dataset_of(ds, RS__RECORD__BODY_RELIEF)->n, anon);
    /* Summed records cost their household's key and their natural key's
     * slot (24 bytes, a table at most 3/4 full), not their own bytes. */
    assert_true(rs_eval_dataset_bytes(ds) < (size_t)BIG_N * 48);
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    assert_int_equal(res->nrecords, BIG_N);
    assert_int_equal(res->total.rl_n, BIG_N);
    assert_int_equal(res->ntowns, 3);
    assert_int_equal(count_code(res, "relief.household_ref"), anon);
    {
        uint32_t all = 0;

        for (size_t d = 0; d < 3; d++) {
            const struct rs_eval_town *t = town_of(res, divs[d]);

            assert_non_null(t);
            assert_int_equal(t->records, n[d]);
            assert_int_equal(t->rl_n, n[d]);
            assert_int_equal(t->rl_fen, fen[d]);
            assert_int_equal(t->rl_delivered, delivered[d]);
            assert_int_equal(t->rl_households, hh[d]);
            for (size_t k = 0; k < RS_EVAL_NRKIND; k++)
                assert_int_equal(t->rl_kind_households[k], kind_hh[d][k]);
            all += hh[d];
        }
        assert_int_equal(res->total.rl_households, all);
        assert_int_equal(res->items[0].num, all);
    }
    rs_eval_result_free(res);
    /* One township: its own figures, as in the consolidated run. */
    assert_int_equal(rs_eval_run(ds, fw, DIV_B, &res), RS_OK);
    assert_int_equal(res->ntowns, 1);
    assert_int_equal(res->nrecords, n[1]);
    assert_int_equal(res->towns[0].rl_households, hh[1]);
    assert_int_equal(res->total.rl_households, hh[1]);
    assert_int_equal(res->total.rl_fen, fen[1]);
    for (size_t k = 0; k < RS_EVAL_NRKIND; k++)
        assert_int_equal(res->total.rl_kind_households[k], kind_hh[1][k]);
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* One project with the given completed investment (planned 100,000 fen). */
static void project_done(struct rs_eval_dataset *ds, const char *div, const char *id,
                         int64_t completed)
{
    Rs__Project p = RS__PROJECT__INIT;

    p.project_id = (char *)id;
    p.has_planned_investment_fen = p.has_completed_investment_fen = true;
    p.planned_investment_fen = 100000;
    p.completed_investment_fen = completed;
    add(ds, div, RS__RECORD__BODY_PROJECT, &p);
}

/*
 * The same records submitted again under new ids (a file imported into a
 * fresh outbox): each natural key counts once, with the content read last,
 * and the repeats are listed per division and type - a note when they match
 * what they repeat, a warning when they differ.  Records that differ in a
 * key field (another kind, another date) are other records.
 */
static void test_repeats(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = fw_one("T9", RS_RULE_PROPORTIONAL);
    struct rs_eval_result *res = NULL;
    const struct rs_eval_town *t;
    const struct rs_eval_finding *f;

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    relief(ds, DIV_A, "HH1", RS__RELIEF_KIND__RKIND_HARDSHIP, 300000, 20231201);
    relief(ds, DIV_A, "HH2", RS__RELIEF_KIND__RKIND_HARDSHIP, 100000, 20231201);
    relief(ds, DIV_A, "HH3", RS__RELIEF_KIND__RKIND_HARDSHIP, 0, 20231201);
    project_done(ds, DIV_B, "P1", 100000);
    project_done(ds, DIV_B, "P2", 100000);
    /* The file again: HH1 and P1 the same, HH2, HH3 and P2 changed. */
    relief(ds, DIV_A, "HH1", RS__RELIEF_KIND__RKIND_HARDSHIP, 300000, 20231201);
    relief(ds, DIV_A, "HH2", RS__RELIEF_KIND__RKIND_HARDSHIP, 150000, 20231201);
    relief(ds, DIV_A, "HH3", RS__RELIEF_KIND__RKIND_HARDSHIP, 7000, 20231201);
    project_done(ds, DIV_B, "P1", 100000);
    project_done(ds, DIV_B, "P2", 120000);
    /* Other keys: another kind, another date, another division. */
    relief(ds, DIV_A, "HH1", RS__RELIEF_KIND__RKIND_NEW_YEAR, 50000, 20231201);
    relief(ds, DIV_A, "HH1", RS__RELIEF_KIND__RKIND_HARDSHIP, 300000, 20231202);
    relief(ds, DIV_B, "HH1", RS__RELIEF_KIND__RKIND_HARDSHIP, 300000, 20231201);
    /* A household's second record again (kept apart from its first). */
    relief(ds, DIV_A, "HH1", RS__RELIEF_KIND__RKIND_NEW_YEAR, 60000, 20231201);

    assert_int_equal(ds->repeated, 6);
    assert_int_equal(ds->nrepeats, 2);
    assert_string_equal(ds->repeats[0].division, DIV_A);
    assert_int_equal(ds->repeats[0].type, RS__RECORD__BODY_RELIEF);
    assert_int_equal(ds->repeats[0].same, 1);
    assert_int_equal(ds->repeats[0].changed, 3);
    assert_non_null(strstr(ds->repeats[0].example, "HH1"));
    assert_string_equal(ds->repeats[1].division, DIV_B);
    assert_int_equal(ds->repeats[1].type, RS__RECORD__BODY_PROJECT);
    assert_int_equal(ds->repeats[1].same, 1);
    assert_int_equal(ds->repeats[1].changed, 1);
    assert_int_equal(rs_eval_dataset_of(ds, RS__RECORD__BODY_PROJECT)->n, 2);

    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    t = town_of(res, DIV_A);
    assert_non_null(t);
    assert_int_equal(t->rl_n, 5);
    assert_int_equal(t->rl_fen, 300000 + 150000 + 7000 + 60000 + 300000);
    assert_int_equal(t->rl_delivered, 5);
    assert_int_equal(t->rl_households, 3);
    assert_int_equal(t->records, 5);
    t = town_of(res, DIV_B);
    assert_non_null(t);
    assert_int_equal(t->proj_n, 2);
    assert_int_equal(t->proj_completed_fen, 100000 + 120000);
    assert_int_equal(t->rl_n, 1);
    assert_int_equal(res->nrecords, 8);
    assert_int_equal(count_code(res, "record.repeated"), 2);
    assert_int_equal(count_code(res, "record.repeated_changed"), 2);
    f = find(res, "record.repeated", "重复报送1条");
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_NOTE);
    f = find(res, "record.repeated_changed", "另有3条");
    assert_non_null(f);
    assert_int_equal(f->sev, RS_SEV_WARNING);
    assert_string_equal(f->division, DIV_A);
    rs_eval_result_free(res);

    /* A township sees only its own repeats. */
    assert_int_equal(rs_eval_run(ds, fw, DIV_B, &res), RS_OK);
    assert_int_equal(count_code(res, "record.repeated"), 1);
    assert_int_equal(count_code(res, "record.repeated_changed"), 1);
    assert_non_null(find(res, "record.repeated", "P1"));
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* The peek's field numbers and types are resettle.proto's. */
/*
 * The report's shortcut past protobuf-c: a relief record as the server
 * stores it (canonical) is read field by field with the values protobuf-c
 * gives; any other encoding (a field twice, another body, a cut-off record)
 * is left to protobuf-c.  fuzz_peek checks the agreement on arbitrary bytes.
 */
static void test_relief_peek(void **state)
{
    struct rs_eval_relief_fields f;
    uint8_t buf[512], twice[600];
    size_t len;

    (void)state;
    len = pack_relief(buf, sizeof buf, 7, DIV_A, "HH-7", 3, -250, true, 20231220);
    assert_true(rs_eval_relief_peek(buf, len, &f));
    assert_int_equal(f.id.n, 36);
    assert_memory_equal(f.id.p, "00000007-0000-4000-8000-000000000001", 36);
    assert_true(f.has_division);
    assert_int_equal(f.division.n, strlen(DIV_A));
    assert_memory_equal(f.division.p, DIV_A, strlen(DIV_A));
    assert_true(f.has_year);
    assert_int_equal(f.year, 2023);
    assert_true(f.has_household_ref);
    assert_int_equal(f.household_ref.n, 4);
    assert_memory_equal(f.household_ref.p, "HH-7", 4);
    assert_true(f.has_kind);
    assert_int_equal(f.kind, 3);
    assert_true(f.has_amount_fen);
    assert_int_equal(f.amount_fen, -250);
    assert_true(f.has_paid_date);
    assert_int_equal(f.paid_date, 20231220);

    /* Without kind, household or date: absent, not zero. */
    len = pack_relief(buf, sizeof buf, 8, DIV_A, NULL, 0, 5, false, 0);
    assert_true(rs_eval_relief_peek(buf, len, &f));
    assert_false(f.has_household_ref);
    assert_false(f.has_kind);
    assert_false(f.has_paid_date);

    /* A negative kind, sign-extended to ten bytes as protobuf-c writes it. */
    len = pack_relief(buf, sizeof buf, 10, DIV_A, "HH-10", (unsigned)-2, 1, true, 20231220);
    assert_true(rs_eval_relief_peek(buf, len, &f));
    assert_true(f.has_kind);
    assert_int_equal(f.kind, -2);

    /* The same field twice (protobuf-c keeps the last): left to protobuf-c. */
    len = pack_relief(buf, sizeof buf, 9, DIV_A, "HH-9", 1, 1, true, 20231220);
    memcpy(twice, buf, len);
    twice[len] = 0x20;          /* field 4 (year), varint */
    twice[len + 1] = 0x07;
    assert_false(rs_eval_relief_peek(twice, len + 2, &f));
    /* Cut off anywhere (the body comes last): refused. */
    for (size_t cut = 0; cut < len; cut++)
        assert_false(rs_eval_relief_peek(buf, cut, &f));
    /* Another body. */
    {
        Rs__Record r = RS__RECORD__INIT;
        Rs__Project p = RS__PROJECT__INIT;

        r.id = (char *)"00000010-0000-4000-8000-000000000001";
        r.division_code = (char *)DIV_A;
        r.has_year = true;
        r.year = 2023;
        r.body_case = RS__RECORD__BODY_PROJECT;
        r.project = &p;
        p.project_id = (char *)"P1";
        len = rs__record__pack(&r, buf);
        assert_false(rs_eval_relief_peek(buf, len, &f));
    }
}

/* A small deterministic generator (xorshift32) for the random test. */
static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

#define RAND_N 3000

/*
 * Household counts against a brute-force count (each record compared with
 * every earlier one) over random relief records with repeats, empty and
 * missing refs, unset kinds, and projects in between; the checker's
 * findings come in record order, relief and project alike.
 */
static void test_households_random(void **state)
{
    static const char *const divs[4] = {DIV_A, DIV_B, "430602200", "430602201"};
    static struct {
        unsigned d, kind;
        char ref[8];
        bool project;
    } v[RAND_N];
    uint32_t s = 12345, hh[4] = {0}, kind_hh[4][RS_EVAL_NRKIND] = {{0}};
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = fw_one("T9", RS_RULE_PROPORTIONAL);
    struct rs_eval_result *res = NULL;
    static const char *expect[RAND_N];
    size_t nexpect = 0, nf = 0;

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    for (size_t i = 0; i < RAND_N; i++) {
        uint32_t x = rnd(&s);

        v[i].d = x % 4;
        v[i].kind = (x >> 2) % 5;
        v[i].project = (x >> 5) % 10 == 0;
        switch ((x >> 9) % 8) {
        case 0:
            v[i].ref[0] = '\0';          /* "" */
            break;
        case 1:
            snprintf(v[i].ref, sizeof v[i].ref, "-");   /* NULL, see below */
            break;
        default:
            snprintf(v[i].ref, sizeof v[i].ref, "R%u", (x >> 12) % 300);
            break;
        }
    }
    for (size_t i = 0; i < RAND_N; i++) {
        const char *ref = strcmp(v[i].ref, "-") == 0 ? NULL : v[i].ref;
        bool new_hh = true, new_kind = true;

        if (v[i].project) {
            Rs__Project p = RS__PROJECT__INIT;

            char pid[24];

            /* Completed investment over plan: one project.overrun finding. */
            snprintf(pid, sizeof pid, "P%zu", i);
            p.project_id = pid;
            p.has_planned_investment_fen = p.has_completed_investment_fen = true;
            p.planned_investment_fen = 100;
            p.completed_investment_fen = 200;
            add(ds, divs[v[i].d], RS__RECORD__BODY_PROJECT, &p);
            expect[nexpect++] = "project.overrun";
            continue;
        }
        relief(ds, divs[v[i].d], ref, (Rs__ReliefKind)v[i].kind, 1000, 20231220);
        if (!ref || !ref[0]) {
            expect[nexpect++] = "relief.household_ref";
        } else {
            for (size_t j = 0; j < i; j++) {
                if (v[j].project || v[j].d != v[i].d || strcmp(v[j].ref, v[i].ref) != 0)
                    continue;
                new_hh = false;
                if (v[j].kind == v[i].kind)
                    new_kind = false;
            }
        }
        hh[v[i].d] += new_hh;
        kind_hh[v[i].d][v[i].kind] += new_kind;
    }
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    for (size_t d = 0; d < 4; d++) {
        const struct rs_eval_town *t = town_of(res, divs[d]);

        assert_non_null(t);
        assert_int_equal(t->rl_households, hh[d]);
        for (size_t k = 0; k < RS_EVAL_NRKIND; k++)
            assert_int_equal(t->rl_kind_households[k], kind_hh[d][k]);
    }
    assert_int_equal(res->total.rl_households, hh[0] + hh[1] + hh[2] + hh[3]);
    /* Each kept record is checked once: as many findings of each code as
     * records that raise it (the project rules run by rule, the relief
     * check by record). */
    for (int pass = 0; pass < 2; pass++) {
        const char *code = pass ? "relief.household_ref" : "project.overrun";
        size_t want = 0;

        nf = 0;
        for (size_t i = 0; i < nexpect; i++)
            want += strcmp(expect[i], code) == 0;
        for (size_t i = 0; i < res->nfindings; i++)
            nf += strcmp(res->findings[i].code, code) == 0;
        assert_int_equal(nf, want);
    }
    rs_eval_result_free(res);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* The dataset's memory cap: RS_ETOOBIG, nothing half-added, still usable. */
static void test_memory_cap(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    struct rs_framework *fw = fw_one("F13", RS_RULE_PROPORTIONAL);
    struct rs_eval_result *res = NULL;
    Rs__Record r = RS__RECORD__INIT;
    Rs__Project p = RS__PROJECT__INIT;
    char name[2000], *big;
    size_t n = 0, before = 0;
    rs_status rv = RS_OK;

    (void)state;
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    r.id = (char *)"00000001-0000-4000-8000-000000000000";
    r.division_code = (char *)DIV_A;
    r.has_year = true;
    r.year = 2023;
    r.body_case = RS__RECORD__BODY_PROJECT;
    r.project = &p;
    p.name = name;
    p.has_stage = true;
    p.stage = RS__PROJECT_STAGE__STAGE_COMPLETED;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    ds->max_bytes = (size_t)256 << 10;
    while (n < 1000) {
        before = rs_eval_dataset_bytes(ds);
        rv = add_record(ds, &r);
        if (rv != RS_OK)
            break;
        n++;
    }
    assert_int_equal(rv, RS_ETOOBIG);
    assert_true(n > 50);
    assert_int_equal(ds->n, n);
    assert_int_equal(rs_eval_dataset_bytes(ds), before);
    assert_true(rs_eval_dataset_bytes(ds) <= ds->max_bytes);
    /* A relief record fits in what is left or fails the same way. */
    rv = RS_OK;
    for (size_t i = 0; i < 100000 && rv == RS_OK; i++) {
        char h[16];
        uint8_t buf[256];
        size_t len;

        snprintf(h, sizeof h, "H%zu", i);
        len = pack_relief(buf, sizeof buf, (unsigned)i, DIV_A, h, 1, 1, true, 20231220);
        rv = rs_eval_dataset_add_packed(ds, buf, len);
    }
    assert_int_equal(rv, RS_ETOOBIG);
    assert_true(rs_eval_dataset_bytes(ds) <= ds->max_bytes);
    assert_int_equal(ds->n, n);
    /* What was added before the cap evaluates. */
    assert_int_equal(rs_eval_run(ds, fw, NULL, &res), RS_OK);
    assert_int_equal(res->total.proj_n, n);
    assert_int_equal(res->total.proj_completed, n);
    assert_int_equal(res->total.rl_n, ds->folded);
    assert_int_equal(res->total.rl_households, ds->folded);
    rs_eval_result_free(res);
    rs_eval_dataset_free(ds);

    /* One record larger than the cap. */
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    ds->max_bytes = (size_t)256 << 10;
    big = malloc((size_t)300 << 10);
    assert_non_null(big);
    memset(big, 'y', ((size_t)300 << 10) - 1);
    big[((size_t)300 << 10) - 1] = '\0';
    r.remarks = big;
    assert_int_equal(add_record(ds, &r), RS_ETOOBIG);
    assert_int_equal(ds->n, 0);
    assert_true(rs_eval_dataset_bytes(ds) <= ((size_t)64 << 10));
    /* The failure left room for the records that fit. */
    r.remarks = NULL;
    assert_int_equal(add_record(ds, &r), RS_OK);
    assert_int_equal(ds->n, 1);
    /* Under the default cap the large one is kept whole. */
    r.remarks = big;
    ds->max_bytes = RS_EVAL_MAX_BYTES;
    assert_int_equal(add_record(ds, &r), RS_OK);
    assert_int_equal(ds->n, 2);
    assert_null(ds->rec[0]->remarks);
    assert_string_equal(ds->rec[1]->remarks, big);
    free(big);
    rs_framework_free(fw);
    rs_eval_dataset_free(ds);
}

/* Records by body type, and ignored and undecodable ones. */
static void test_dataset_lists(void **state)
{
    struct rs_eval_dataset *ds = NULL;
    const struct rs_eval_list *tl;
    Rs__Petition pt = RS__PETITION__INIT;
    Rs__Record other = RS__RECORD__INIT;
    uint8_t buf[256], junk[4] = {0x0a, 0x7f, 0x01, 0x02};
    size_t len;

    (void)state;
    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    training(ds, DIV_A, "T1", RS__TRAINING_TYPE__TRAIN_SKILL, 10, 5, 0, 100);
    pt.case_id = (char *)"C1";
    add(ds, DIV_A, RS__RECORD__BODY_PETITION, &pt);
    training(ds, DIV_B, "T2", RS__TRAINING_TYPE__TRAIN_SKILL, 10, 5, 0, 100);
    relief(ds, DIV_B, NULL, RS__RELIEF_KIND__RKIND_OTHER, 5, 0);
    relief(ds, DIV_B, "H1", RS__RELIEF_KIND__RKIND_OTHER, 5, 0);
    assert_int_equal(ds->n, 4);
    assert_int_equal(ds->folded, 1);
    tl = rs_eval_dataset_of(ds, RS__RECORD__BODY_TRAINING);
    assert_int_equal(tl->n, 2);
    assert_string_equal(tl->rec[0]->training->batch_id, "T1");
    assert_string_equal(tl->rec[1]->training->batch_id, "T2");
    assert_ptr_equal(tl->rec[1], ds->rec[2]);
    assert_int_equal(rs_eval_dataset_of(ds, RS__RECORD__BODY_PETITION)->n, 1);
    assert_int_equal(rs_eval_dataset_of(ds, RS__RECORD__BODY_RELIEF)->n, 1);
    assert_null(rs_eval_dataset_of(ds, RS__RECORD__BODY_RELIEF)->rec[0]->relief->household_ref);
    assert_int_equal(rs_eval_dataset_of(ds, RS__RECORD__BODY_PROJECT)->n, 0);
    assert_int_equal(rs_eval_dataset_of(ds, (Rs__Record__BodyCase)RS_EVAL_NBODY)->n, 0);
    /* Another year is ignored; bytes that do not decode are refused. */
    other.has_year = true;
    other.year = 2022;
    other.body_case = RS__RECORD__BODY_PETITION;
    other.petition = &pt;
    assert_int_equal(add_record(ds, &other), RS_OK);
    assert_int_equal(ds->ignored, 1);
    len = pack_relief(buf, sizeof buf, 9, DIV_A, "H2", 1, 1, true, 20231220);
    assert_int_equal(rs_eval_dataset_add_packed(ds, junk, sizeof junk), RS_EINVAL);
    assert_int_equal(rs_eval_dataset_add_packed(ds, buf, len - 1), RS_EINVAL);
    assert_int_equal(ds->ignored, 1);
    assert_int_equal(ds->n + ds->folded, 5);
    /* The whole record is folded; one of the year without a body is ignored. */
    assert_int_equal(rs_eval_dataset_add_packed(ds, buf, len), RS_OK);
    assert_int_equal(ds->folded, 2);
    other.year = 2023;
    other.body_case = RS__RECORD__BODY__NOT_SET;
    assert_int_equal(add_record(ds, &other), RS_OK);
    assert_int_equal(ds->ignored, 2);
    assert_int_equal(ds->n + ds->folded, 6);
    rs_eval_dataset_free(ds);
}

/* ------------------------------------------------------------ each input absent in turn */

/* The unit-level records of a year in which every field is given, and
 * every alternative a formula may fall back on (coalesce) agrees with what
 * it replaces: adjusted = year_start, no 上级转移支付, each 合计 equal to the
 * sum of its parts.  So removing any one field can only make a formula not
 * computable; it can never change a value. */
enum { AT_STAFF, AT_PROC, AT_CARRY, AT_ASSETS, AT_LINE1, AT_SG1 = AT_LINE1 + 7, AT_N = AT_SG1 + 5 };

struct at_set {
    Rs__Staffing st;
    Rs__Procurement pr;
    Rs__CarryOver co;
    Rs__FixedAssets fa;
    Rs__BudgetLine bl[7];
    Rs__SanGong sg[5];
};

static void *at_msg(struct at_set *a, size_t r, Rs__Record__BodyCase *bc)
{
    if (r == AT_STAFF)
        return *bc = RS__RECORD__BODY_STAFFING, (void *)&a->st;
    if (r == AT_PROC)
        return *bc = RS__RECORD__BODY_PROCUREMENT, (void *)&a->pr;
    if (r == AT_CARRY)
        return *bc = RS__RECORD__BODY_CARRY_OVER, (void *)&a->co;
    if (r == AT_ASSETS)
        return *bc = RS__RECORD__BODY_FIXED_ASSETS, (void *)&a->fa;
    if (r < AT_SG1)
        return *bc = RS__RECORD__BODY_BUDGET_LINE, (void *)&a->bl[r - AT_LINE1];
    return *bc = RS__RECORD__BODY_SAN_GONG, (void *)&a->sg[r - AT_SG1];
}

/* The numeric fields of a message that carry a has_ flag (not its kind). */
static bool at_field(const ProtobufCFieldDescriptor *fd)
{
    return fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset &&
           (fd->type == PROTOBUF_C_TYPE_INT64 || fd->type == PROTOBUF_C_TYPE_UINT32);
}

static void at_fill(struct at_set *a)
{
    memset(a, 0, sizeof *a);
    rs__staffing__init(&a->st);
    a->st.has_establishment = a->st.has_in_service = a->st.has_retired = true;
    a->st.has_veteran_retired = a->st.has_temporary = a->st.has_stated_total = true;
    a->st.establishment = 13;
    a->st.in_service = 10;
    a->st.veteran_retired = 1;
    a->st.retired = 4;
    a->st.temporary = 2;
    a->st.stated_total = 17;
    rs__procurement__init(&a->pr);
    a->pr.has_budget_fen = a->pr.has_actual_fen = true;
    a->pr.budget_fen = W(30000);
    a->pr.actual_fen = W(28500);
    rs__carry_over__init(&a->co);
    a->co.has_start_fen = a->co.has_end_fen = true;
    a->co.start_fen = W(1250);
    a->co.end_fen = W(320);
    rs__fixed_assets__init(&a->fa);
    a->fa.has_total_fen = a->fa.has_in_use_fen = true;
    a->fa.total_fen = W(12050);
    a->fa.in_use_fen = W(11000);
    for (int k = 0; k < 7; k++) {
        Rs__BudgetLine *b = &a->bl[k];
        int64_t m = k + 1;

        rs__budget_line__init(b);
        b->has_line = true;
        b->line = (Rs__BudgetLineKind)(k + 1);
        if (k == 6)
            m = 21;                              /* the 合计: 1 + 2 + ... + 6 */
        b->has_year_start_fen = b->has_adjusted_fen = b->has_final_fen = true;
        b->has_higher_transfer_fen = b->has_key_fen = b->has_addition_fen = true;
        b->has_prev_year_start_fen = b->has_prev_final_fen = true;
        b->year_start_fen = b->adjusted_fen = W(1000) * m;
        b->final_fen = W(900) * m;
        b->higher_transfer_fen = 0;
        b->key_fen = W(100) * m;
        b->addition_fen = W(10) * m;
        b->prev_year_start_fen = W(950) * m;
        b->prev_final_fen = W(880) * m;
    }
    for (int k = 0; k < 5; k++) {
        Rs__SanGong *g = &a->sg[k];
        int64_t m = k == 4 ? 10 : k + 1;         /* the 合计: 1 + 2 + 3 + 4 */

        rs__san_gong__init(g);
        g->has_kind = g->has_budget_fen = g->has_final_fen = true;
        g->has_prev_budget_fen = g->has_prev_final_fen = true;
        g->kind = (Rs__SanGongKind)(k + 1);
        g->budget_fen = W(100) * m;
        g->final_fen = W(80) * m;
        g->prev_budget_fen = W(90) * m;
        g->prev_final_fen = W(70) * m;
    }
}

/* True if record r is a 合计 (the budget's or the 三公's). */
static bool at_total(size_t r)
{
    return r == AT_LINE1 + 6 || r == AT_SG1 + 4;
}

/* The dataset of a, with field fd of record r left out (fd NULL: none),
 * and without the 合计 records unless totals. */
static struct rs_eval_dataset *at_dataset(struct at_set *a, bool totals, size_t r,
                                          const ProtobufCFieldDescriptor *fd)
{
    struct rs_eval_dataset *ds = NULL;

    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    for (size_t i = 0; i < AT_N; i++) {
        Rs__Record__BodyCase bc;
        void *msg = at_msg(a, i, &bc);
        protobuf_c_boolean *has = NULL, keep = 0;

        if (!totals && at_total(i))
            continue;
        if (fd && i == r) {
            has = (protobuf_c_boolean *)((char *)msg + fd->quantifier_offset);
            keep = *has;
            *has = 0;
        }
        add(ds, DIV_UNIT, bc, msg);
        if (has)
            *has = keep;
    }
    return ds;
}

/* Over the whole formula library: every indicator that the unit-level
 * records compute is, with any one of their fields absent, either exactly
 * what it was or not computable with the missing field named (score 0,
 * never a value made up from the gap).  Once with the 合计 records (which
 * the totals then come from) and once with the parts only. */
static void test_absent_in_turn(void **state)
{
    static struct at_set a;
    struct rs_flib *lib = library();
    size_t tested = 0, fields = 0, lost = 0;

    (void)state;
    at_fill(&a);
    for (int totals = 0; totals < 2; totals++) {
        for (size_t f = 0; f < lib->n; f++) {
            const struct rs_formula_info *fi = &lib->e[f];
            struct rs_framework *fw;
            struct rs_eval_dataset *ds;
            struct rs_eval_result *full;
            int64_t num, den, score;

            if (!fi->indicator || fi->kind == RS_VK_CHECKLIST || fi->kind == RS_VK_MANUAL)
                continue;
            fw = fw_one(fi->code, rule_for(fi->code));
            ds = at_dataset(&a, totals, 0, NULL);
            full = run_one(ds, fw);
            rs_eval_dataset_free(ds);
            if (full->items[0].state != RS_EVAL_OK) {
                /* Township records or reviewer answers: not this test's inputs. */
                rs_eval_result_free(full);
                rs_framework_free(fw);
                continue;
            }
            num = full->items[0].num;
            den = full->items[0].den;
            score = full->items[0].score_milli;
            rs_eval_result_free(full);
            tested++;
            for (size_t r = 0; r < AT_N; r++) {
                Rs__Record__BodyCase bc;
                const ProtobufCMessageDescriptor *md =
                    ((const ProtobufCMessage *)at_msg(&a, r, &bc))->descriptor;

                if (!totals && at_total(r))
                    continue;
                for (unsigned k = 0; k < md->n_fields; k++) {
                    const ProtobufCFieldDescriptor *fd = &md->fields[k];
                    struct rs_eval_result *res;
                    const struct rs_eval_item *it;

                    if (!at_field(fd))
                        continue;
                    fields++;
                    ds = at_dataset(&a, totals, r, fd);
                    res = run_one(ds, fw);
                    it = &res->items[0];
                    if (it->state == RS_EVAL_OK) {
                        if (it->num * den != num * it->den || it->score_milli != score)
                            fail_msg("%s without %s.%s: %lld/%lld, was %lld/%lld", fi->code,
                                     md->short_name, fd->name, (long long)it->num,
                                     (long long)it->den, (long long)num, (long long)den);
                    } else {
                        if (it->score_milli != 0 ||
                            strncmp(it->reason, "无法计算：", strlen("无法计算：")) != 0 ||
                            !strstr(it->reason, "未填报"))
                            fail_msg("%s without %s.%s: score %lld, reason %s", fi->code,
                                     md->short_name, fd->name, (long long)it->score_milli,
                                     it->reason);
                        assert_non_null(find(res, "indicator.not_computable", NULL));
                        lost++;
                    }
                    rs_eval_result_free(res);
                    rs_eval_dataset_free(ds);
                }
            }
            rs_framework_free(fw);
        }
    }
    rs_flib_free(lib);
    /* Enough indicators and removals that the test means something (34
     * indicators, 2788 removals, 116 of them not computable when written). */
    assert_true(fields >= 2000);
    assert_true(tested >= 34);
    assert_true(lost >= 100);
}

/* The township records of a year, one of each kind, in which every field
 * is given and every fallback a formula states agrees with what it
 * replaces: the payout's amount due is persons × standard × months / 12,
 * the petition's visitors 1, the self-training's subsidy total its cost.
 * So removing any one field of one record can only make an indicator not
 * computable (naming what is missing); it can never change its value. */
enum { TT_PROJECT, TT_SUBSIDY, TT_TRAIN, TT_SELF, TT_RELIEF, TT_PETITION, TT_SURVEY, TT_N };

struct tt_set {
    Rs__Project pj;
    Rs__SubsidyPayout sp;
    Rs__Training tr;
    Rs__Training ts;
    Rs__Relief rl;
    Rs__Petition pt;
    Rs__Survey sv;
};

static void *tt_msg(struct tt_set *a, size_t r, Rs__Record__BodyCase *bc)
{
    switch (r) {
    case TT_PROJECT:
        return *bc = RS__RECORD__BODY_PROJECT, (void *)&a->pj;
    case TT_SUBSIDY:
        return *bc = RS__RECORD__BODY_SUBSIDY, (void *)&a->sp;
    case TT_TRAIN:
        return *bc = RS__RECORD__BODY_TRAINING, (void *)&a->tr;
    case TT_SELF:
        return *bc = RS__RECORD__BODY_TRAINING, (void *)&a->ts;
    case TT_RELIEF:
        return *bc = RS__RECORD__BODY_RELIEF, (void *)&a->rl;
    case TT_PETITION:
        return *bc = RS__RECORD__BODY_PETITION, (void *)&a->pt;
    default:
        return *bc = RS__RECORD__BODY_SURVEY, (void *)&a->sv;
    }
}

static void tt_fill(struct tt_set *a)
{
    memset(a, 0, sizeof *a);
    rs__project__init(&a->pj);
    a->pj.project_id = "P-1";
    a->pj.plan_doc_no = "区移发〔2023〕1号";
    a->pj.village = "建中村";
    a->pj.name = "建中村道路硬化";
    a->pj.content = "硬化道路1.2公里";
    a->pj.scale_unit = "km";
    a->pj.maintenance_owner = "建中村村委会";
    a->pj.has_category = a->pj.has_scale_qty_milli = a->pj.has_planned_investment_fen = true;
    a->pj.has_fund_houfu_fen = a->pj.has_fund_kuqu_fen = a->pj.has_fund_integrated_fen = true;
    a->pj.has_fund_self_fen = a->pj.has_allocated_fen = a->pj.has_completed_investment_fen = true;
    a->pj.has_paid_fen = a->pj.has_progress_pct = a->pj.has_stage = true;
    a->pj.has_planned_start = a->pj.has_planned_end = a->pj.has_actual_start = true;
    a->pj.has_actual_end = a->pj.has_acceptance_date = a->pj.has_acceptance_result = true;
    a->pj.has_beneficiary_households = a->pj.has_beneficiary_resettlers = true;
    a->pj.has_publicity_done = true;
    a->pj.category = RS__PROJECT_CATEGORY__CAT_ROAD;
    a->pj.scale_qty_milli = 1200;
    a->pj.planned_investment_fen = W(8800);
    a->pj.fund_houfu_fen = W(8000);
    a->pj.fund_kuqu_fen = W(500);
    a->pj.fund_integrated_fen = W(200);
    a->pj.fund_self_fen = W(100);
    a->pj.allocated_fen = W(8800);
    a->pj.completed_investment_fen = W(8500);
    a->pj.paid_fen = W(8000);
    a->pj.progress_pct = 100;
    a->pj.stage = RS__PROJECT_STAGE__STAGE_ACCEPTED;
    a->pj.planned_start = 20230301;
    a->pj.planned_end = 20231130;
    a->pj.actual_start = 20230310;
    a->pj.actual_end = 20231120;
    a->pj.acceptance_date = 20231201;
    a->pj.acceptance_result = RS__ACCEPTANCE__ACCEPT_PASSED;
    a->pj.beneficiary_households = 120;
    a->pj.beneficiary_resettlers = 360;
    a->pj.publicity_done = true;

    rs__subsidy_payout__init(&a->sp);
    a->sp.village = "建中村";
    a->sp.removal_reason = "死亡";
    a->sp.channel = "一卡通";
    a->sp.has_registered_persons = a->sp.has_persons_added = a->sp.has_persons_removed = true;
    a->sp.has_persons_paid = a->sp.has_standard_fen_per_year = a->sp.has_months = true;
    a->sp.has_amount_due_fen = a->sp.has_amount_paid_fen = a->sp.has_paid_date = true;
    a->sp.has_due_date = a->sp.has_failed_payments = a->sp.has_households = true;
    a->sp.registered_persons = 400;
    a->sp.persons_added = 2;
    a->sp.persons_removed = 1;
    a->sp.persons_paid = 400;
    a->sp.standard_fen_per_year = 60000;
    a->sp.months = 6;
    a->sp.amount_due_fen = 400 * 60000 * 6 / 12;
    a->sp.amount_paid_fen = 400 * 60000 * 6 / 12;
    a->sp.paid_date = 20230625;
    a->sp.due_date = 20230630;
    a->sp.failed_payments = 0;
    a->sp.households = 130;

    rs__training__init(&a->tr);
    a->tr.batch_id = "B-1";
    a->tr.course = "电工";
    a->tr.provider = "区职校";
    a->tr.has_type = a->tr.has_start_date = a->tr.has_end_date = true;
    a->tr.has_planned_trainees = a->tr.has_trainees = a->tr.has_resettler_trainees = true;
    a->tr.has_certified = a->tr.has_cost_fen = true;
    a->tr.type = RS__TRAINING_TYPE__TRAIN_SKILL;
    a->tr.start_date = 20230501;
    a->tr.end_date = 20230520;
    a->tr.planned_trainees = 50;
    a->tr.trainees = 48;
    a->tr.resettler_trainees = 45;
    a->tr.certified = 40;
    a->tr.cost_fen = W(600);

    rs__training__init(&a->ts);
    a->ts.batch_id = "B-2";
    a->ts.course = "自主培训补助";
    a->ts.has_type = a->ts.has_cost_fen = a->ts.has_subsidy_per_person_fen = true;
    a->ts.has_subsidy_persons = a->ts.has_subsidy_total_fen = true;
    a->ts.type = RS__TRAINING_TYPE__TRAIN_SELF;
    a->ts.subsidy_per_person_fen = 100000;
    a->ts.subsidy_persons = 12;
    a->ts.subsidy_total_fen = 12 * 100000;
    a->ts.cost_fen = 12 * 100000;

    rs__relief__init(&a->rl);
    a->rl.household_ref = "H-1";
    a->rl.village = "建中村";
    a->rl.approved_by = "区移民中心";
    a->rl.has_reason = a->rl.has_kind = a->rl.has_persons = true;
    a->rl.has_amount_fen = a->rl.has_paid_date = true;
    a->rl.reason = RS__RELIEF_REASON__RELIEF_ILLNESS;
    a->rl.kind = RS__RELIEF_KIND__RKIND_HARDSHIP;
    a->rl.persons = 3;
    a->rl.amount_fen = 300000;
    a->rl.paid_date = 20231015;

    rs__petition__init(&a->pt);
    a->pt.case_id = "X-1";
    a->pt.summary = "直补发放咨询";
    a->pt.handler = "张三";
    a->pt.village = "建中村";
    a->pt.has_received_date = a->pt.has_channel = a->pt.has_visitors = true;
    a->pt.has_is_group = a->pt.has_category = a->pt.has_due_date = true;
    a->pt.has_closed_date = a->pt.has_status = a->pt.has_result_satisfied = true;
    a->pt.has_level = true;
    a->pt.received_date = 20230401;
    a->pt.channel = RS__PETITION_CHANNEL__PCH_VISIT;
    a->pt.visitors = 1;
    a->pt.is_group = false;
    a->pt.category = RS__PETITION_CATEGORY__PCAT_SUBSIDY;
    a->pt.due_date = 20230501;
    a->pt.closed_date = 20230420;
    a->pt.status = RS__PETITION_STATUS__PST_CLOSED;
    a->pt.result_satisfied = true;
    a->pt.level = RS__PETITION_LEVEL__PLV_DISTRICT;

    rs__survey__init(&a->sv);
    a->sv.survey_id = "S-1";
    a->sv.has_method = a->sv.has_sample_size = a->sv.has_valid = a->sv.has_satisfied = true;
    a->sv.has_basically_satisfied = a->sv.has_dissatisfied = a->sv.has_survey_date = true;
    a->sv.method = RS__SURVEY_METHOD__SM_VISIT;
    a->sv.sample_size = 100;
    a->sv.valid = 98;
    a->sv.satisfied = 80;
    a->sv.basically_satisfied = 15;
    a->sv.dissatisfied = 3;
    a->sv.survey_date = 20231110;
}

/* Whether field fd of a message can be left out here: an optional scalar,
 * enum or bool with a has_ flag, or a string. */
static bool tt_field(const ProtobufCFieldDescriptor *fd)
{
    if (fd->label != PROTOBUF_C_LABEL_OPTIONAL)
        return false;
    if (fd->type == PROTOBUF_C_TYPE_STRING)
        return true;
    return fd->quantifier_offset &&
           (fd->type == PROTOBUF_C_TYPE_INT64 || fd->type == PROTOBUF_C_TYPE_UINT32 ||
            fd->type == PROTOBUF_C_TYPE_ENUM || fd->type == PROTOBUF_C_TYPE_BOOL);
}

/* A second set like the first under other natural keys. */
static void tt_twin(struct tt_set *b)
{
    tt_fill(b);
    b->pj.project_id = "P-2";
    b->sp.village = "磨刀村";
    b->tr.batch_id = "B-3";
    b->ts.batch_id = "B-4";
    b->rl.household_ref = "H-2";
    b->pt.case_id = "X-2";
    b->sv.survey_id = "S-2";
}

/* The dataset of the first nsets of a, with field fd of record r of the
 * first left out (fd NULL: none). */
static struct rs_eval_dataset *tt_dataset(struct tt_set *a, size_t nsets, size_t r,
                                          const ProtobufCFieldDescriptor *fd)
{
    struct rs_eval_dataset *ds = NULL;

    assert_int_equal(rs_eval_dataset_new(2023, &ds), RS_OK);
    for (size_t i = 0; i < TT_N * nsets; i++) {
        Rs__Record__BodyCase bc;
        void *msg = tt_msg(&a[i / TT_N], i % TT_N, &bc);
        protobuf_c_boolean *has = NULL, keep = 0;
        char **str = NULL, *kept = NULL;

        if (fd && i == r) {
            if (fd->type == PROTOBUF_C_TYPE_STRING) {
                str = (char **)((char *)msg + fd->offset);
                kept = *str;
                *str = NULL;
            } else {
                has = (protobuf_c_boolean *)((char *)msg + fd->quantifier_offset);
                keep = *has;
                *has = 0;
            }
        }
        add(ds, DIV_A, bc, msg);
        if (has)
            *has = keep;
        if (str)
            *str = kept;
    }
    return ds;
}

/* The fields whose presence is what an indicator measures: a completed
 * project without a maintenance owner has none (T7), a relief record
 * without a paid date is not yet paid (T4).  Leaving them out changes the
 * value, as it should. */
static bool tt_measured(const char *code, const ProtobufCFieldDescriptor *fd)
{
    return (strcmp(code, "T7") == 0 && strcmp(fd->name, "maintenance_owner") == 0) ||
           (strcmp(code, "T4") == 0 && strcmp(fd->name, "paid_date") == 0);
}

/* As test_absent_in_turn, over the township records: every indicator they
 * compute is, with any one field of any one record absent, exactly what it
 * was or not computable with what is missing named (score 0, a finding),
 * never a value made up from the gap: a project without a stage is not
 * counted as unfinished, a payout without dates not as late, a training
 * batch without its plan not as a plan of 0.  Once with one record of each
 * kind and once with two alike, where a rate must leave the record it
 * cannot judge out of its base as well (so it keeps its value) and a count
 * or sum that changes must say what it left out. */
static void test_absent_in_turn_town(void **state)
{
    static struct tt_set a[2];
    struct rs_flib *lib = library();
    size_t tested = 0, fields = 0, lost = 0, partial = 0;

    (void)state;
    tt_fill(&a[0]);
    tt_twin(&a[1]);
    for (size_t nsets = 1; nsets <= 2; nsets++)
    for (size_t f = 0; f < lib->n; f++) {
        const struct rs_formula_info *fi = &lib->e[f];
        struct rs_framework *fw;
        struct rs_eval_dataset *ds;
        struct rs_eval_result *full;
        int64_t num, den, score;

        if (!fi->indicator || fi->kind == RS_VK_CHECKLIST || fi->kind == RS_VK_MANUAL)
            continue;
        fw = fw_one(fi->code, rule_for(fi->code));
        ds = tt_dataset(a, nsets, 0, NULL);
        full = run_one(ds, fw);
        rs_eval_dataset_free(ds);
        if (full->items[0].state != RS_EVAL_OK) {
            /* Unit-level records or reviewer answers: test_absent_in_turn's. */
            rs_eval_result_free(full);
            rs_framework_free(fw);
            continue;
        }
        num = full->items[0].num;
        den = full->items[0].den;
        score = full->items[0].score_milli;
        rs_eval_result_free(full);
        tested++;
        for (size_t r = 0; r < TT_N; r++) {
            Rs__Record__BodyCase bc;
            const ProtobufCMessageDescriptor *md =
                ((const ProtobufCMessage *)tt_msg(&a[0], r, &bc))->descriptor;

            for (unsigned k = 0; k < md->n_fields; k++) {
                const ProtobufCFieldDescriptor *fd = &md->fields[k];
                struct rs_eval_result *res;
                const struct rs_eval_item *it;

                if (!tt_field(fd) || tt_measured(fi->code, fd))
                    continue;
                fields++;
                ds = tt_dataset(a, nsets, r, fd);
                res = run_one(ds, fw);
                it = &res->items[0];
                if (it->state == RS_EVAL_OK && fi->kind != RS_VK_RATE && nsets == 2 &&
                    it->num * den != num * it->den) {
                    /* A count or sum over the records it could judge. */
                    if (!it->left_out[0] && !strstr(it->in[0].source, "未计入"))
                        fail_msg("%s without %s.%s: %lld/%lld, was %lld/%lld, and says nothing "
                                 "of what it left out", fi->code, md->short_name, fd->name,
                                 (long long)it->num, (long long)it->den, (long long)num,
                                 (long long)den);
                    partial++;
                } else if (it->state == RS_EVAL_OK) {
                    if (it->num * den != num * it->den || it->score_milli != score)
                        fail_msg("%s without %s.%s: %lld/%lld, was %lld/%lld", fi->code,
                                 md->short_name, fd->name, (long long)it->num,
                                 (long long)it->den, (long long)num, (long long)den);
                } else {
                    if (it->score_milli != 0 ||
                        strncmp(it->reason, "无法计算：", strlen("无法计算：")) != 0 ||
                        (!strstr(it->reason, "未填") && !strstr(it->reason, "没有一条")))
                        fail_msg("%s without %s.%s: score %lld, reason %s", fi->code,
                                 md->short_name, fd->name, (long long)it->score_milli,
                                 it->reason);
                    assert_non_null(find(res, "indicator.not_computable", NULL));
                    lost++;
                }
                rs_eval_result_free(res);
                rs_eval_dataset_free(ds);
            }
        }
        rs_framework_free(fw);
    }
    rs_flib_free(lib);
    /* Enough that the test means something (when written: 32 indicator
     * runs, 3218 removals, 29 not computable, 1 count left partial). */
    assert_true(tested >= 30);
    assert_true(fields >= 3000);
    assert_true(lost >= 20);
    assert_true(partial >= 1);
}

/* Two records sent in the same minute share a UUIDv7's first 8 characters
 * (its timestamp): their labels name them by the random tail instead. */
static void test_label_names_the_tail(void **state)
{
    const char *a = "0190a1b2-3c4d-7e5f-8a6b-1c2d3e4f5a6b";
    const char *b = "0190a1b2-3c4d-7e5f-9a6b-ffeeddccbbaa";
    char la[128], lb[128];

    (void)state;
    rs_eval_label_parts(la, sizeof(la), "救助", "HH-1", 4, a, strlen(a));
    rs_eval_label_parts(lb, sizeof(lb), "救助", NULL, 0, b, strlen(b));
    assert_string_equal(la, "救助 HH-1（记录3e4f5a6b）");
    assert_string_equal(lb, "救助（记录ddccbbaa）");
    rs_eval_label_parts(la, sizeof(la), "救助", NULL, 0, "abc", 3);
    assert_string_equal(la, "救助（记录abc）");
    rs_eval_label_parts(la, sizeof(la), "救助", NULL, 0, NULL, 0);
    assert_string_equal(la, "救助（记录）");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_cap_deduct),
        cmocka_unit_test(test_rule_bands),
        cmocka_unit_test(test_rule_step_below),
        cmocka_unit_test(test_rule_proportional),
        cmocka_unit_test(test_rule_checklist_manual),
        cmocka_unit_test(test_grade_and_pct),
        cmocka_unit_test(test_enum_sizes),
        cmocka_unit_test(test_formulas),
        cmocka_unit_test(test_not_computable),
        cmocka_unit_test(test_absent_in_turn),
        cmocka_unit_test(test_absent_in_turn_town),
        cmocka_unit_test(test_unit_preset_total),
        cmocka_unit_test(test_published_scores),
        cmocka_unit_test(test_published_absent),
        cmocka_unit_test(test_published_total),
        cmocka_unit_test(test_seed_problems),
        cmocka_unit_test(test_stated_keys),
        cmocka_unit_test(test_money_gaps),
        cmocka_unit_test(test_sum_of_no_rows),
        cmocka_unit_test(test_manual_unscored),
        cmocka_unit_test(test_more_checks),
        cmocka_unit_test(test_township_scope),
        cmocka_unit_test(test_left_out_once),
        cmocka_unit_test(test_whole_persons),
        cmocka_unit_test(test_over_old_cap),
        cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_relief_peek),
        cmocka_unit_test(test_households_random),
        cmocka_unit_test(test_memory_cap),
        cmocka_unit_test(test_dataset_lists),
        cmocka_unit_test(test_label_names_the_tail),
    };

    return cmocka_run_group_tests_name("eval", tests, NULL, NULL);
}

/*
 * test_validate.c - record validation, record type names, natural keys.
 *
 * Builds one valid record of each of the fifteen types, checks it passes,
 * then runs a table of single mutations (set, change or clear one or two
 * fields through the protobuf-c descriptors) and asserts the exact status,
 * the exact field of the verdict and, where given, part of the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rs_validate.h"
#include "rs_wire.h"

#define VALID_ID "3f2b8c1e-6a4d-4f0b-9c2e-1d5a7b9e0f12"
#define OTHER_ID "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

/* One record and a body of every type; fx_init points rec at one of them. */
struct fx {
    Rs__Record rec;
    Rs__Project project;
    Rs__SubsidyPayout subsidy;
    Rs__Training training;
    Rs__Relief relief;
    Rs__Petition petition;
    Rs__Survey survey;
    Rs__UnitProfile unit_profile;
    Rs__Staffing staffing;
    Rs__BudgetLine budget_line;
    Rs__SanGong san_gong;
    Rs__Procurement procurement;
    Rs__CarryOver carry_over;
    Rs__FixedAssets fixed_assets;
    Rs__ManualScore manual_score;
    Rs__StatedFigure stated_figure;
    Rs__NilReturn nil_return;
};

/* Long strings, filled by fill_long_strings(). */
static char str_4096[RS_MAX_STRING_BYTES + 1];
static char str_4097[RS_MAX_STRING_BYTES + 2];
static char text_16384[RS_MAX_TEXT_BYTES + 1];
static char text_16385[RS_MAX_TEXT_BYTES + 2];

static void fill(char *buf, size_t n, char c)
{
    memset(buf, c, n);
    buf[n] = '\0';
}

static void fill_long_strings(void)
{
    fill(str_4096, RS_MAX_STRING_BYTES, 'a');
    fill(str_4097, RS_MAX_STRING_BYTES + 1, 'a');
    fill(text_16384, RS_MAX_TEXT_BYTES, 'x');
    fill(text_16385, RS_MAX_TEXT_BYTES + 1, 'x');
}

/* ---------------------------------------------------------------- valid bodies */

static void make_project(Rs__Project *p)
{
    rs__project__init(p);
    p->project_id = "P-2023-001";
    p->plan_doc_no = "岳移〔2023〕5号";
    p->village = "磨刀村";
    p->name = "磨刀村道路硬化";
    p->has_category = 1;
    p->category = RS__PROJECT_CATEGORY__CAT_ROAD;
    p->content = "道路硬化 1.2 km\n\t宽 4.5 m";
    p->has_scale_qty_milli = 1;
    p->scale_qty_milli = 1200;
    p->scale_unit = "km";
    p->has_planned_investment_fen = 1;
    p->planned_investment_fen = 30000000;
    p->has_fund_houfu_fen = 1;
    p->fund_houfu_fen = 25000000;
    p->has_fund_self_fen = 1;
    p->fund_self_fen = 5000000;
    p->has_allocated_fen = 1;
    p->allocated_fen = 30000000;
    p->has_completed_investment_fen = 1;
    p->completed_investment_fen = 29000000;
    p->has_paid_fen = 1;
    p->paid_fen = 28000000;
    p->has_progress_pct = 1;
    p->progress_pct = 100;
    p->has_stage = 1;
    p->stage = RS__PROJECT_STAGE__STAGE_HANDED_OVER;
    p->has_planned_start = 1;
    p->planned_start = 20230301;
    p->has_planned_end = 1;
    p->planned_end = 20230930;
    p->has_actual_start = 1;
    p->actual_start = 20230315;
    p->has_actual_end = 1;
    p->actual_end = 20230920;
    p->has_acceptance_date = 1;
    p->acceptance_date = 20231015;
    p->has_acceptance_result = 1;
    p->acceptance_result = RS__ACCEPTANCE__ACCEPT_PASSED;
    p->has_beneficiary_households = 1;
    p->beneficiary_households = 120;
    p->has_beneficiary_resettlers = 1;
    p->beneficiary_resettlers = 300;
    p->maintenance_owner = "磨刀村委会";
    p->has_publicity_done = 1;
    p->publicity_done = 1;
}

static void make_subsidy(Rs__SubsidyPayout *s)
{
    rs__subsidy_payout__init(s);
    s->village = "磨刀村";
    s->has_registered_persons = 1;
    s->registered_persons = 1000;
    s->has_persons_added = 1;
    s->persons_added = 5;
    s->has_persons_removed = 1;
    s->persons_removed = 3;
    s->removal_reason = "死亡";
    s->has_persons_paid = 1;
    s->persons_paid = 1002;
    s->has_standard_fen_per_year = 1;
    s->standard_fen_per_year = 60000;
    s->has_months = 1;
    s->months = 12;
    s->has_amount_due_fen = 1;
    s->amount_due_fen = 60120000;
    s->has_amount_paid_fen = 1;
    s->amount_paid_fen = 60120000;
    s->has_paid_date = 1;
    s->paid_date = 20231220;
    s->has_due_date = 1;
    s->due_date = 20231231;
    s->channel = "一卡通";
    s->has_failed_payments = 1;
    s->failed_payments = 0;
}

/* subsidy_total 6000 元 != 2 x 2000 元, as in the seed report: still valid. */
static void make_training(Rs__Training *t)
{
    rs__training__init(t);
    t->batch_id = "T-2023-01";
    t->has_type = 1;
    t->type = RS__TRAINING_TYPE__TRAIN_SKILL;
    t->course = "电工";
    t->has_start_date = 1;
    t->start_date = 20230601;
    t->has_end_date = 1;
    t->end_date = 20230610;
    t->provider = "区职业技术学校";
    t->has_planned_trainees = 1;
    t->planned_trainees = 60;
    t->has_trainees = 1;
    t->trainees = 50;
    t->has_resettler_trainees = 1;
    t->resettler_trainees = 45;
    t->has_certified = 1;
    t->certified = 40;
    t->has_cost_fen = 1;
    t->cost_fen = 16400000;
    t->has_subsidy_per_person_fen = 1;
    t->subsidy_per_person_fen = 200000;
    t->has_subsidy_persons = 1;
    t->subsidy_persons = 2;
    t->has_subsidy_total_fen = 1;
    t->subsidy_total_fen = 600000;
}

static void make_relief(Rs__Relief *r)
{
    rs__relief__init(r);
    r->household_ref = "HH0012";
    r->village = "磨刀村";
    r->has_reason = 1;
    r->reason = RS__RELIEF_REASON__RELIEF_ILLNESS;
    r->has_kind = 1;
    r->kind = RS__RELIEF_KIND__RKIND_HARDSHIP;
    r->has_persons = 1;
    r->persons = 3;
    r->has_amount_fen = 1;
    r->amount_fen = 100000;
    r->approved_by = "区移民中心";
    r->has_paid_date = 1;
    r->paid_date = 20231220;
}

static void make_petition(Rs__Petition *p)
{
    rs__petition__init(p);
    p->case_id = "XF-2023-007";
    p->has_received_date = 1;
    p->received_date = 20230510;
    p->has_channel = 1;
    p->channel = RS__PETITION_CHANNEL__PCH_VISIT;
    p->has_visitors = 1;
    p->visitors = 2;
    p->has_is_group = 1;
    p->is_group = 0;
    p->has_category = 1;
    p->category = RS__PETITION_CATEGORY__PCAT_SUBSIDY;
    p->summary = "反映直补资金\n未按时发放";
    p->handler = "李四";
    p->has_due_date = 1;
    p->due_date = 20230609;
    p->has_closed_date = 1;
    p->closed_date = 20230601;
    p->has_status = 1;
    p->status = RS__PETITION_STATUS__PST_CLOSED;
    p->has_result_satisfied = 1;
    p->result_satisfied = 1;
    p->has_level = 1;
    p->level = RS__PETITION_LEVEL__PLV_TOWNSHIP;
    p->village = "磨刀村";
}

static void make_survey(Rs__Survey *s)
{
    rs__survey__init(s);
    s->survey_id = "S-2023";
    s->has_method = 1;
    s->method = RS__SURVEY_METHOD__SM_VISIT;
    s->has_sample_size = 1;
    s->sample_size = 200;
    s->has_valid = 1;
    s->valid = 190;
    s->has_satisfied = 1;
    s->satisfied = 150;
    s->has_basically_satisfied = 1;
    s->basically_satisfied = 30;
    s->has_dissatisfied = 1;
    s->dissatisfied = 10;
    s->has_survey_date = 1;
    s->survey_date = 20231110;
}

static void make_unit_profile(Rs__UnitProfile *u)
{
    rs__unit_profile__init(u);
    u->unit_name = "岳阳楼区库区移民服务中心";
    u->admin_level = "正科级";
    u->funding = "财政预算全额拨款";
    u->accounting = "事业单位会计制度";
    u->departments = "办公室、财务股\n项目股";
    u->functions = "1. 后期扶持政策实施\n2. 移民信访";
    u->disclosure = "区政府门户网站";
}

static void make_staffing(Rs__Staffing *s)
{
    rs__staffing__init(s);
    s->has_establishment = 1;
    s->establishment = 13;
    s->has_in_service = 1;
    s->in_service = 10;
    s->has_retired = 1;
    s->retired = 4;
    s->has_temporary = 1;
    s->temporary = 0;
    s->has_stated_total = 1;
    s->stated_total = 14;
}

static void make_budget_line(Rs__BudgetLine *b)
{
    rs__budget_line__init(b);
    b->has_line = 1;
    b->line = RS__BUDGET_LINE_KIND__LINE_PERSONNEL;
    b->has_year_start_fen = 1;
    b->year_start_fen = 140930000;
    b->has_adjusted_fen = 1;
    b->adjusted_fen = 140930000;
    b->has_final_fen = 1;
    b->final_fen = 137790000;
    b->change_reason = "人员退休";
}

static void make_san_gong(Rs__SanGong *s)
{
    rs__san_gong__init(s);
    s->has_kind = 1;
    s->kind = RS__SAN_GONG_KIND__SG_RECEPTION;
    s->has_budget_fen = 1;
    s->budget_fen = 2000000;
    s->has_final_fen = 1;
    s->final_fen = 1500000;
    s->has_prev_budget_fen = 1;
    s->prev_budget_fen = 2000000;
    s->has_prev_final_fen = 1;
    s->prev_final_fen = 1800000;
}

static void make_procurement(Rs__Procurement *p)
{
    rs__procurement__init(p);
    p->has_budget_fen = 1;
    p->budget_fen = 486910000;
    p->has_actual_fen = 1;
    p->actual_fen = 486910000;
}

static void make_carry_over(Rs__CarryOver *c)
{
    rs__carry_over__init(c);
    c->has_start_fen = 1;
    c->start_fen = 1000000;
    c->has_end_fen = 1;
    c->end_fen = 500000;
}

static void make_fixed_assets(Rs__FixedAssets *f)
{
    rs__fixed_assets__init(f);
    f->has_total_fen = 1;
    f->total_fen = 5000000;
    f->has_in_use_fen = 1;
    f->in_use_fen = 4000000;
}

static void make_manual_score(Rs__ManualScore *m)
{
    rs__manual_score__init(m);
    m->indicator = "mgmt.system_sound";
    m->has_items_total = 1;
    m->items_total = 5;
    m->has_items_passed = 1;
    m->items_passed = 4;
    m->has_score_milli = 1;
    m->score_milli = 4000;
    m->justification = "制度健全，\n执行到位";
}

static void make_stated_figure(Rs__StatedFigure *s)
{
    rs__stated_figure__init(s);
    s->key = "budget.execution_rate";
    s->text = "100%";
}

static void make_nil_return(Rs__NilReturn *n)
{
    rs__nil_return__init(n);
    n->has_record_type = 1;
    n->record_type = RS__RECORD_TYPE__RT_TRAINING;
    n->statement = "今期无此项业务";
}

/* A valid record of type t: district code for unit types, township otherwise. */
static void fx_init(struct fx *f, rs_rtype t)
{
    memset(f, 0, sizeof *f);
    rs__record__init(&f->rec);
    f->rec.id = VALID_ID;
    f->rec.division_code = rs_rtype_is_unit_level(t) ? "430602" : "430602001";
    f->rec.has_year = 1;
    f->rec.year = 2023;
    f->rec.has_period = 1;
    f->rec.period = RS__PERIOD__PERIOD_YEAR;
    f->rec.submitted_by = "张三";
    f->rec.remarks = "备注";
    f->rec.body_case = t;
    switch (t) {
    case RS__RECORD__BODY_PROJECT:
        make_project(&f->project);
        f->rec.project = &f->project;
        break;
    case RS__RECORD__BODY_SUBSIDY:
        make_subsidy(&f->subsidy);
        f->rec.subsidy = &f->subsidy;
        break;
    case RS__RECORD__BODY_TRAINING:
        make_training(&f->training);
        f->rec.training = &f->training;
        break;
    case RS__RECORD__BODY_RELIEF:
        make_relief(&f->relief);
        f->rec.relief = &f->relief;
        break;
    case RS__RECORD__BODY_PETITION:
        make_petition(&f->petition);
        f->rec.petition = &f->petition;
        break;
    case RS__RECORD__BODY_SURVEY:
        make_survey(&f->survey);
        f->rec.survey = &f->survey;
        break;
    case RS__RECORD__BODY_UNIT_PROFILE:
        make_unit_profile(&f->unit_profile);
        f->rec.unit_profile = &f->unit_profile;
        break;
    case RS__RECORD__BODY_STAFFING:
        make_staffing(&f->staffing);
        f->rec.staffing = &f->staffing;
        break;
    case RS__RECORD__BODY_BUDGET_LINE:
        make_budget_line(&f->budget_line);
        f->rec.budget_line = &f->budget_line;
        break;
    case RS__RECORD__BODY_SAN_GONG:
        make_san_gong(&f->san_gong);
        f->rec.san_gong = &f->san_gong;
        break;
    case RS__RECORD__BODY_PROCUREMENT:
        make_procurement(&f->procurement);
        f->rec.procurement = &f->procurement;
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        make_carry_over(&f->carry_over);
        f->rec.carry_over = &f->carry_over;
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        make_fixed_assets(&f->fixed_assets);
        f->rec.fixed_assets = &f->fixed_assets;
        break;
    case RS__RECORD__BODY_MANUAL_SCORE:
        make_manual_score(&f->manual_score);
        f->rec.manual_score = &f->manual_score;
        break;
    case RS__RECORD__BODY_STATED_FIGURE:
        make_stated_figure(&f->stated_figure);
        f->rec.stated_figure = &f->stated_figure;
        break;
    case RS__RECORD__BODY_NIL_RETURN:
        make_nil_return(&f->nil_return);
        f->rec.nil_return = &f->nil_return;
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------- mutations */

enum op { OP_END = 0, OP_NUM, OP_STR, OP_CLEAR };

/* "id" is an envelope field; "project.stage" a body field. */
struct set {
    const char *field;
    enum op op;
    int64_t num;
    const char *str;
};

struct vcase {
    rs_rtype type;
    struct set sets[3];
    rs_status st;
    const char *field;      /* expected verdict field; "" for RS_OK */
    const char *reason;     /* substring of the reason, or NULL */
};

#define NUM(f, n) {f, OP_NUM, n, NULL}
#define STR(f, s) {f, OP_STR, 0, s}
#define CLR(f) {f, OP_CLEAR, 0, NULL}

#define T_PROJ RS__RECORD__BODY_PROJECT
#define T_SUBS RS__RECORD__BODY_SUBSIDY
#define T_TRAIN RS__RECORD__BODY_TRAINING
#define T_REL RS__RECORD__BODY_RELIEF
#define T_PET RS__RECORD__BODY_PETITION
#define T_SURV RS__RECORD__BODY_SURVEY
#define T_UNIT RS__RECORD__BODY_UNIT_PROFILE
#define T_STAFF RS__RECORD__BODY_STAFFING
#define T_LINE RS__RECORD__BODY_BUDGET_LINE
#define T_SG RS__RECORD__BODY_SAN_GONG
#define T_PROC RS__RECORD__BODY_PROCUREMENT
#define T_CARRY RS__RECORD__BODY_CARRY_OVER
#define T_FA RS__RECORD__BODY_FIXED_ASSETS
#define T_MS RS__RECORD__BODY_MANUAL_SCORE
#define T_SF RS__RECORD__BODY_STATED_FIGURE
#define T_NIL RS__RECORD__BODY_NIL_RETURN

#define OK RS_OK
#define INV RS_EINVAL
#define BIG RS_ETOOBIG
#define ENC RS_EENCODING

#define E15 INT64_C(100000000000000)    /* 10^14 fen, the money cap */

static const struct vcase cases[] = {
    /* ---- envelope */
    {T_REL, {CLR("id")}, INV, "id", "required"},
    {T_REL, {STR("id", "")}, INV, "id", "required"},
    {T_REL, {STR("id", "not-a-uuid")}, INV, "id", "not a UUID"},
    /* One canonical form: an upper-case copy of an id is not another id, it is refused. */
    {T_REL, {STR("id", "3F2B8C1E-6A4D-4F0B-9C2E-1D5A7B9E0F12")}, INV, "id",
     "not in canonical form: write the UUID in lower case"},
    {T_REL, {STR("id", "3f2b8c1e-6a4d-4f0b-9c2E-1d5a7b9e0f12")}, INV, "id", "canonical form"},
    {T_REL, {STR("supersedes", OTHER_ID)}, OK, "", NULL},
    {T_REL, {STR("supersedes", "")}, OK, "", NULL},
    {T_REL, {STR("supersedes", "v1")}, INV, "supersedes", "not a UUID"},
    {T_REL, {STR("supersedes", VALID_ID)}, INV, "supersedes", "must differ from id"},
    {T_REL, {STR("supersedes", "3F2B8C1E-6A4D-4F0B-9C2E-1D5A7B9E0F12")}, INV, "supersedes",
     "canonical form"},
    {T_REL, {CLR("division_code")}, INV, "division_code", "required"},
    {T_REL, {STR("division_code", "43060")}, INV, "division_code", "6, 9 or 12 digits"},
    {T_REL, {STR("division_code", "4306020011")}, INV, "division_code", NULL},
    {T_REL, {STR("division_code", "43060200a")}, INV, "division_code", NULL},
    {T_REL, {STR("division_code", "430602001001")}, OK, "", NULL},
    {T_REL, {STR("division_code", "430602")}, INV, "division_code", "9- or 12-digit"},
    {T_PROJ, {STR("division_code", "430602")}, INV, "division_code", NULL},
    {T_SUBS, {STR("division_code", "430602")}, INV, "division_code", NULL},
    {T_TRAIN, {STR("division_code", "430602")}, INV, "division_code", NULL},
    {T_PET, {STR("division_code", "430602")}, INV, "division_code", NULL},
    {T_SURV, {STR("division_code", "430602")}, INV, "division_code", NULL},
    {T_UNIT, {STR("division_code", "430602001")}, OK, "", NULL},
    {T_REL, {CLR("year")}, INV, "year", "required"},
    {T_REL, {NUM("year", 1999)}, INV, "year", "2000..2100"},
    {T_REL, {NUM("year", 2101)}, INV, "year", NULL},
    {T_REL, {NUM("year", 2000)}, OK, "", NULL},
    {T_REL, {NUM("year", 2100)}, OK, "", NULL},
    {T_REL, {CLR("period")}, INV, "period", "required"},
    {T_REL, {NUM("period", 0)}, INV, "period", "required"},
    {T_REL, {NUM("period", 99)}, INV, "period", "unknown value 99"},
    {T_REL, {NUM("period", 8)}, INV, "period", "unknown value 8"},
    {T_REL, {NUM("period", 1)}, OK, "", NULL},
    {T_REL, {STR("submitted_by", "\xc0\xaf")}, ENC, "submitted_by", "UTF-8"},
    {T_REL, {STR("submitted_by", "张\xed\xa0\x80")}, ENC, "submitted_by", NULL},
    {T_REL, {STR("submitted_by", "张\xe4\xb8")}, ENC, "submitted_by", NULL},
    {T_REL, {STR("submitted_by", "a\tb")}, INV, "submitted_by", "control character"},
    {T_REL, {STR("remarks", "line1\nline2")}, INV, "remarks", "control character"},
    {T_REL, {STR("remarks", "del\x7f")}, INV, "remarks", NULL},
    {T_REL, {STR("remarks", "c1\xc2\x85")}, INV, "remarks", NULL},
    {T_REL, {STR("remarks", str_4096)}, OK, "", NULL},
    {T_REL, {STR("remarks", str_4097)}, BIG, "remarks", "4096"},
    /* the first failure in declaration order wins */
    {T_REL, {NUM("year", 1), STR("division_code", "1")}, INV, "division_code", NULL},
    {T_REL, {NUM("year", 1), CLR("period"), STR("relief.household_ref", "")}, INV, "year", NULL},

    /* ---- project */
    {T_PROJ, {CLR("project.project_id")}, INV, "project.project_id", "required"},
    {T_PROJ, {STR("project.project_id", "")}, INV, "project.project_id", "required"},
    {T_PROJ, {CLR("project.name")}, INV, "project.name", "required"},
    {T_PROJ, {CLR("project.name"), NUM("project.category", 99)}, INV, "project.name", NULL},
    {T_PROJ, {CLR("project.category")}, INV, "project.category", "required"},
    {T_PROJ, {NUM("project.category", 0)}, INV, "project.category", "required"},
    {T_PROJ, {NUM("project.category", 99)}, INV, "project.category", "unknown value 99"},
    {T_PROJ, {NUM("project.category", 12)}, INV, "project.category", NULL},
    {T_PROJ, {NUM("project.category", 11)}, OK, "", NULL},
    {T_PROJ, {STR("project.content", str_4097)}, OK, "", NULL},
    {T_PROJ, {STR("project.content", text_16384)}, OK, "", NULL},
    {T_PROJ, {STR("project.content", text_16385)}, BIG, "project.content", "16384"},
    {T_PROJ, {STR("project.content", "a\r\nb")}, INV, "project.content", "control"},
    {T_PROJ, {STR("project.content", "a\xed\xbf\xbf")}, ENC, "project.content", NULL},
    {T_PROJ, {STR("project.plan_doc_no", str_4097)}, BIG, "project.plan_doc_no", NULL},
    {T_PROJ, {STR("project.village", "\xe7\xa3\xa8\xe5\x88")}, ENC, "project.village", NULL},
    {T_PROJ, {NUM("project.scale_qty_milli", -1)}, INV, "project.scale_qty_milli", ">= 0"},
    {T_PROJ, {CLR("project.scale_unit")}, INV, "project.scale_unit", "scale_qty_milli"},
    {T_PROJ, {CLR("project.scale_unit"), CLR("project.scale_qty_milli")}, OK, "", NULL},
    {T_PROJ, {NUM("project.planned_investment_fen", -1)}, INV, "project.planned_investment_fen",
     "must be >= 0"},
    {T_PROJ, {NUM("project.planned_investment_fen", E15 + 1), CLR("project.fund_houfu_fen")}, INV,
     "project.planned_investment_fen", "<= 100000000000000"},
    {T_PROJ, {NUM("project.fund_kuqu_fen", -5)}, INV, "project.fund_kuqu_fen", ">= 0"},
    {T_PROJ, {NUM("project.fund_integrated_fen", 1)}, INV, "project.planned_investment_fen",
     "sum of the fund_*"},
    {T_PROJ, {NUM("project.fund_self_fen", 5000001)}, INV, "project.planned_investment_fen",
     NULL},
    {T_PROJ, {NUM("project.fund_houfu_fen", E15), NUM("project.fund_self_fen", E15),
              NUM("project.planned_investment_fen", E15)},
     INV, "project.planned_investment_fen", NULL},
    {T_PROJ, {NUM("project.fund_houfu_fen", E15), NUM("project.fund_self_fen", E15),
              CLR("project.planned_investment_fen")},
     OK, "", NULL},
    /* inconsistencies the checker flags, not the validator */
    {T_PROJ, {NUM("project.paid_fen", 29500000), NUM("project.completed_investment_fen", 100)},
     OK, "", NULL},
    {T_PROJ, {NUM("project.completed_investment_fen", 90000000)}, OK, "", NULL},
    {T_PROJ, {NUM("project.allocated_fen", E15 + 1)}, INV, "project.allocated_fen", NULL},
    {T_PROJ, {NUM("project.paid_fen", -1)}, INV, "project.paid_fen", NULL},
    {T_PROJ, {NUM("project.progress_pct", 101)}, INV, "project.progress_pct", "0..100"},
    {T_PROJ, {NUM("project.progress_pct", 90)}, INV, "project.progress_pct", "must be 100"},
    {T_PROJ, {NUM("project.progress_pct", 90), NUM("project.stage", 4),
              CLR("project.acceptance_date")},
     OK, "", NULL},
    {T_PROJ, {NUM("project.progress_pct", 90), NUM("project.stage", 99)}, INV, "project.stage",
     "unknown value 99"},
    {T_PROJ, {NUM("project.stage", 0)}, INV, "project.stage", "unspecified"},
    {T_PROJ, {NUM("project.planned_start", 20230229)}, INV, "project.planned_start",
     "not a calendar date"},
    {T_PROJ, {NUM("project.planned_start", 20240229)}, INV, "project.planned_end",
     "must not be before planned_start"},
    {T_PROJ, {NUM("project.planned_end", 20230228)}, INV, "project.planned_end", NULL},
    {T_PROJ, {NUM("project.planned_end", 20230301)}, OK, "", NULL},
    {T_PROJ, {NUM("project.actual_start", 20230921)}, INV, "project.actual_end",
     "must not be before actual_start"},
    {T_PROJ, {NUM("project.actual_end", 20231301)}, INV, "project.actual_end",
     "not a calendar date"},
    {T_PROJ, {CLR("project.actual_end")}, INV, "project.actual_end", "required when stage"},
    {T_PROJ, {NUM("project.stage", 5), CLR("project.actual_end")}, INV, "project.actual_end",
     NULL},
    {T_PROJ, {NUM("project.stage", 4), CLR("project.actual_end")}, OK, "", NULL},
    {T_PROJ, {NUM("project.acceptance_date", 20230919)}, INV, "project.acceptance_date",
     "must not be before actual_end"},
    {T_PROJ, {NUM("project.acceptance_date", 20230920)}, OK, "", NULL},
    {T_PROJ, {NUM("project.stage", 7), CLR("project.acceptance_date")}, INV,
     "project.acceptance_date", "required when stage"},
    {T_PROJ, {NUM("project.stage", 6), CLR("project.acceptance_date"),
              CLR("project.acceptance_result")},
     OK, "", NULL},
    {T_PROJ, {NUM("project.acceptance_result", 2)}, INV, "project.acceptance_result",
     "must be passed"},
    {T_PROJ, {NUM("project.stage", 7), CLR("project.acceptance_result")}, INV,
     "project.acceptance_result", NULL},
    {T_PROJ, {NUM("project.stage", 5), NUM("project.acceptance_result", 99)}, INV,
     "project.acceptance_result", "unknown value 99"},
    {T_PROJ, {NUM("project.beneficiary_households", 10000001)}, INV,
     "project.beneficiary_households", "<= 10000000"},
    {T_PROJ, {NUM("project.beneficiary_resettlers", 10000000)}, OK, "", NULL},
    {T_PROJ, {STR("project.maintenance_owner", "村\x01")}, INV, "project.maintenance_owner",
     NULL},

    /* ---- subsidy */
    {T_SUBS, {CLR("subsidy.village")}, INV, "subsidy.village", "required"},
    {T_SUBS, {NUM("subsidy.households", 10000001)}, INV, "subsidy.households", NULL},
    {T_SUBS, {NUM("subsidy.registered_persons", 10000001)}, INV, "subsidy.registered_persons",
     NULL},
    {T_SUBS, {NUM("subsidy.persons_removed", 1006)}, INV, "subsidy.persons_removed",
     "registered_persons + persons_added"},
    {T_SUBS, {NUM("subsidy.persons_removed", 1005), NUM("subsidy.persons_paid", 0)}, OK, "",
     NULL},
    {T_SUBS, {NUM("subsidy.persons_paid", 1006)}, INV, "subsidy.persons_paid",
     "registered_persons + persons_added"},
    {T_SUBS, {NUM("subsidy.persons_paid", 1005)}, OK, "", NULL},
    {T_SUBS, {NUM("subsidy.persons_paid", 1001), CLR("subsidy.persons_added")}, INV,
     "subsidy.persons_paid", NULL},
    {T_SUBS, {NUM("subsidy.persons_paid", 5000), CLR("subsidy.registered_persons")}, OK, "",
     NULL},
    {T_SUBS, {NUM("subsidy.standard_fen_per_year", 0)}, INV, "subsidy.standard_fen_per_year",
     "must be > 0"},
    {T_SUBS, {NUM("subsidy.standard_fen_per_year", -60000)}, INV,
     "subsidy.standard_fen_per_year", NULL},
    {T_SUBS, {CLR("subsidy.standard_fen_per_year")}, OK, "", NULL},
    {T_SUBS, {CLR("subsidy.months")}, INV, "subsidy.months", "required"},
    {T_SUBS, {NUM("subsidy.months", 0)}, INV, "subsidy.months", "1..12"},
    {T_SUBS, {NUM("subsidy.months", 13)}, INV, "subsidy.months", NULL},
    {T_SUBS, {NUM("subsidy.amount_paid_fen", 1234567)}, OK, "", NULL},
    {T_SUBS, {NUM("subsidy.amount_due_fen", -1)}, INV, "subsidy.amount_due_fen", NULL},
    {T_SUBS, {NUM("subsidy.paid_date", 20230431)}, INV, "subsidy.paid_date", "calendar"},
    {T_SUBS, {NUM("subsidy.due_date", 2023123)}, INV, "subsidy.due_date", NULL},
    {T_SUBS, {STR("subsidy.channel", "\xf4\x90\x80\x80")}, ENC, "subsidy.channel", NULL},
    {T_SUBS, {NUM("subsidy.failed_payments", 4000000000)}, INV, "subsidy.failed_payments", NULL},

    /* ---- training */
    {T_TRAIN, {CLR("training.batch_id")}, INV, "training.batch_id", "required"},
    {T_TRAIN, {CLR("training.type")}, INV, "training.type", "required"},
    {T_TRAIN, {NUM("training.type", 99)}, INV, "training.type", "unknown value 99"},
    {T_TRAIN, {NUM("training.end_date", 20230531)}, INV, "training.end_date",
     "must not be before start_date"},
    {T_TRAIN, {NUM("training.start_date", 20230229)}, INV, "training.start_date", NULL},
    {T_TRAIN, {CLR("training.trainees")}, INV, "training.trainees", "required"},
    {T_TRAIN, {NUM("training.resettler_trainees", 51)}, INV, "training.resettler_trainees",
     "must not exceed trainees"},
    {T_TRAIN, {NUM("training.certified", 51)}, INV, "training.certified",
     "must not exceed trainees"},
    {T_TRAIN, {NUM("training.certified", 50)}, OK, "", NULL},
    {T_TRAIN, {NUM("training.subsidy_persons", 51)}, INV, "training.subsidy_persons", NULL},
    {T_TRAIN, {NUM("training.planned_trainees", 10)}, OK, "", NULL},
    {T_TRAIN, {NUM("training.cost_fen", -1)}, INV, "training.cost_fen", NULL},
    {T_TRAIN, {NUM("training.subsidy_total_fen", 400000)}, OK, "", NULL},

    /* ---- relief */
    {T_REL, {CLR("relief.household_ref")}, INV, "relief.household_ref", "required"},
    {T_REL, {STR("relief.household_ref", "110101199003071234")}, INV, "relief.household_ref",
     "looks like an ID-card number"},
    {T_REL, {STR("relief.household_ref", "11010119900307123X")}, INV, "relief.household_ref",
     "keyed hash"},
    {T_REL, {STR("relief.household_ref", "11010119900307123x")}, INV, "relief.household_ref",
     NULL},
    {T_REL, {STR("relief.household_ref", "110101900307123")}, INV, "relief.household_ref", NULL},
    {T_REL, {STR("relief.household_ref", "110101199003071234"), NUM("relief.amount_fen", 0)},
     INV, "relief.household_ref", NULL},
    {T_REL, {STR("relief.household_ref", "1101011990030712")}, OK, "", NULL},
    {T_REL, {STR("relief.household_ref", "11010119900307123Y")}, OK, "", NULL},
    {T_REL, {STR("relief.household_ref", "HH-110101199003071")}, OK, "", NULL},
    {T_REL, {NUM("relief.reason", 99)}, INV, "relief.reason", "unknown value 99"},
    {T_REL, {NUM("relief.reason", 0)}, INV, "relief.reason", "unspecified"},
    {T_REL, {CLR("relief.reason")}, OK, "", NULL},
    {T_REL, {CLR("relief.kind")}, INV, "relief.kind", "required"},
    {T_REL, {NUM("relief.kind", 5)}, INV, "relief.kind", "unknown value 5"},
    {T_REL, {NUM("relief.persons", 0)}, INV, "relief.persons", "must be >= 1"},
    {T_REL, {CLR("relief.persons")}, OK, "", NULL},
    {T_REL, {CLR("relief.amount_fen")}, INV, "relief.amount_fen", "required"},
    {T_REL, {NUM("relief.amount_fen", 0)}, INV, "relief.amount_fen", "must be > 0"},
    {T_REL, {NUM("relief.amount_fen", -100)}, INV, "relief.amount_fen", "must be > 0"},
    {T_REL, {NUM("relief.amount_fen", E15)}, OK, "", NULL},
    {T_REL, {NUM("relief.amount_fen", E15 + 1)}, INV, "relief.amount_fen", NULL},
    {T_REL, {NUM("relief.paid_date", 20230229)}, INV, "relief.paid_date", "not a calendar date"},
    {T_REL, {NUM("relief.paid_date", 20240229)}, OK, "", NULL},

    /* ---- petition */
    {T_PET, {CLR("petition.case_id")}, INV, "petition.case_id", "required"},
    {T_PET, {CLR("petition.received_date")}, INV, "petition.received_date", "required"},
    {T_PET, {NUM("petition.received_date", 20230532)}, INV, "petition.received_date", NULL},
    {T_PET, {NUM("petition.channel", 6)}, INV, "petition.channel", NULL},
    {T_PET, {NUM("petition.category", 99)}, INV, "petition.category", NULL},
    {T_PET, {STR("petition.summary", text_16385)}, BIG, "petition.summary", NULL},
    {T_PET, {NUM("petition.due_date", 20230509)}, INV, "petition.due_date",
     "must not be before received_date"},
    {T_PET, {NUM("petition.closed_date", 20230509)}, INV, "petition.closed_date",
     "must not be before received_date"},
    {T_PET, {CLR("petition.closed_date")}, INV, "petition.closed_date", "required when status"},
    {T_PET, {CLR("petition.closed_date"), NUM("petition.status", 2)}, OK, "", NULL},
    {T_PET, {CLR("petition.status")}, INV, "petition.status", "required"},
    {T_PET, {NUM("petition.status", 99)}, INV, "petition.status", "unknown value 99"},
    {T_PET, {NUM("petition.level", 99)}, INV, "petition.level", NULL},

    /* ---- survey */
    {T_SURV, {CLR("survey.survey_id")}, INV, "survey.survey_id", "required"},
    {T_SURV, {NUM("survey.method", 99)}, INV, "survey.method", NULL},
    {T_SURV, {CLR("survey.valid")}, INV, "survey.valid", "required"},
    {T_SURV, {NUM("survey.valid", 201)}, INV, "survey.valid", "must not exceed sample_size"},
    {T_SURV, {NUM("survey.valid", 189)}, INV, "survey.valid", "satisfied"},
    {T_SURV, {NUM("survey.dissatisfied", 11)}, INV, "survey.valid", NULL},
    {T_SURV, {NUM("survey.satisfied", 10000000), NUM("survey.basically_satisfied", 10000000)},
     INV, "survey.valid", NULL},
    {T_SURV, {NUM("survey.dissatisfied", 9)}, OK, "", NULL},
    {T_SURV, {NUM("survey.survey_date", 20230229)}, INV, "survey.survey_date", NULL},

    /* ---- unit level */
    {T_UNIT, {CLR("unit_profile.unit_name")}, INV, "unit_profile.unit_name", "required"},
    {T_UNIT, {STR("unit_profile.functions", text_16384)}, OK, "", NULL},
    {T_UNIT, {STR("unit_profile.functions", text_16385)}, BIG, "unit_profile.functions", NULL},
    {T_UNIT, {STR("unit_profile.departments", text_16385)}, BIG, "unit_profile.departments",
     NULL},
    {T_UNIT, {STR("unit_profile.disclosure", "a\nb")}, INV, "unit_profile.disclosure", NULL},
    {T_UNIT, {STR("unit_profile.admin_level", str_4097)}, BIG, "unit_profile.admin_level", NULL},
    /* Each category and the quota are given explicitly or not at all. */
    {T_STAFF, {CLR("staffing.establishment")}, OK, "", NULL},
    {T_STAFF, {CLR("staffing.in_service")}, OK, "", NULL},
    {T_STAFF, {NUM("staffing.veteran_retired", 10000001)}, INV, "staffing.veteran_retired", NULL},
    {T_STAFF, {NUM("staffing.retired", 10000001)}, INV, "staffing.retired", NULL},
    {T_STAFF, {NUM("staffing.stated_total", 99)}, OK, "", NULL},
    {T_LINE, {CLR("budget_line.line")}, INV, "budget_line.line", "required"},
    {T_LINE, {NUM("budget_line.line", 8)}, INV, "budget_line.line", "unknown value 8"},
    {T_LINE, {NUM("budget_line.line", 7)}, OK, "", NULL},
    {T_LINE, {NUM("budget_line.final_fen", -1)}, INV, "budget_line.final_fen", NULL},
    {T_LINE, {NUM("budget_line.addition_fen", -1)}, INV, "budget_line.addition_fen", NULL},
    {T_LINE, {NUM("budget_line.prev_final_fen", 100000000000001)}, INV,
     "budget_line.prev_final_fen", NULL},
    {T_LINE, {NUM("budget_line.final_fen", 999999999)}, OK, "", NULL},
    {T_LINE, {STR("budget_line.change_reason", str_4097)}, BIG, "budget_line.change_reason",
     NULL},
    {T_SG, {CLR("san_gong.kind")}, INV, "san_gong.kind", "required"},
    {T_SG, {NUM("san_gong.kind", 6)}, INV, "san_gong.kind", NULL},
    {T_SG, {NUM("san_gong.kind", 5)}, OK, "", NULL},
    {T_SG, {NUM("san_gong.prev_final_fen", -1)}, INV, "san_gong.prev_final_fen", NULL},
    {T_PROC, {CLR("procurement.budget_fen"), CLR("procurement.actual_fen")}, INV,
     "procurement.budget_fen", NULL},
    {T_PROC, {CLR("procurement.budget_fen")}, OK, "", NULL},
    {T_PROC, {NUM("procurement.actual_fen", 500000000)}, OK, "", NULL},
    {T_CARRY, {CLR("carry_over.start_fen"), CLR("carry_over.end_fen")}, INV,
     "carry_over.start_fen", NULL},
    {T_CARRY, {CLR("carry_over.start_fen")}, OK, "", NULL},
    {T_FA, {CLR("fixed_assets.total_fen"), CLR("fixed_assets.in_use_fen")}, INV,
     "fixed_assets.total_fen", NULL},
    {T_FA, {NUM("fixed_assets.in_use_fen", 5000001)}, INV, "fixed_assets.in_use_fen",
     "must not exceed total_fen"},
    {T_FA, {CLR("fixed_assets.total_fen")}, OK, "", NULL},
    {T_MS, {CLR("manual_score.indicator")}, INV, "manual_score.indicator", "required"},
    {T_MS, {STR("manual_score.indicator", "Mgmt.System")}, INV, "manual_score.indicator",
     "a-z"},
    {T_MS, {STR("manual_score.indicator", "评分")}, INV, "manual_score.indicator", NULL},
    {T_MS, {STR("manual_score.indicator",
                "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm")},
     INV, "manual_score.indicator", "64"},
    {T_MS, {STR("manual_score.indicator",
                "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl")},
     OK, "", NULL},
    {T_MS, {STR("manual_score.indicator", "a_b.c-9")}, OK, "", NULL},
    {T_MS, {NUM("manual_score.items_passed", 6)}, INV, "manual_score.items_passed",
     "must not exceed items_total"},
    {T_MS, {NUM("manual_score.score_milli", -1)}, INV, "manual_score.score_milli", ">= 0"},
    {T_MS, {CLR("manual_score.justification")}, INV, "manual_score.justification", "required"},
    {T_MS, {STR("manual_score.justification", "")}, INV, "manual_score.justification", NULL},
    {T_MS, {STR("manual_score.justification", text_16384)}, OK, "", NULL},
    {T_SF, {CLR("stated_figure.key")}, INV, "stated_figure.key", "required"},
    {T_SF, {STR("stated_figure.key", "budget rate")}, INV, "stated_figure.key", NULL},
    {T_SF, {CLR("stated_figure.text")}, INV, "stated_figure.text", "required"},
    {T_SF, {STR("stated_figure.text", "近600万元")}, OK, "", NULL},
    {T_SF, {STR("stated_figure.text", text_16384)}, BIG, "stated_figure.text", NULL},
    /* ---- nil return: a known township type and the clerk's statement */
    {T_NIL, {CLR("nil_return.record_type")}, INV, "nil_return.record_type", "required"},
    {T_NIL, {NUM("nil_return.record_type", 0)}, INV, "nil_return.record_type", NULL},
    {T_NIL, {NUM("nil_return.record_type", 7)}, INV, "nil_return.record_type", NULL},
    {T_NIL, {NUM("nil_return.record_type", RS__RECORD_TYPE__RT_SURVEY)}, OK, "", NULL},
    {T_NIL, {CLR("nil_return.statement")}, INV, "nil_return.statement", "required"},
    {T_NIL, {STR("nil_return.statement", "无\n业务")}, INV, "nil_return.statement", NULL},
    {T_NIL, {CLR("period")}, INV, "period", "required"},
};

/* The body message of the record, found through the oneof's descriptor. */
static ProtobufCMessage *body_of(Rs__Record *r)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&rs__record__descriptor, (unsigned)r->body_case);

    assert_non_null(fd);
    return *(ProtobufCMessage **)(void *)((char *)r + fd->offset);
}

/* Applies one mutation; the field must exist in the schema. */
static void apply(struct fx *f, const struct set *s)
{
    const char *dot = strchr(s->field, '.');
    ProtobufCMessage *msg = dot ? body_of(&f->rec) : &f->rec.base;
    const ProtobufCFieldDescriptor *fd;
    char *base = (char *)msg;

    if (dot)
        assert_memory_equal(s->field, rs_rtype_name(f->rec.body_case),
                            (size_t)(dot - s->field));
    fd = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor,
                                                         dot ? dot + 1 : s->field);
    assert_non_null(fd);
    if (fd->type == PROTOBUF_C_TYPE_STRING) {
        *(char **)(void *)(base + fd->offset) = s->op == OP_STR ? (char *)s->str : NULL;
        return;
    }
    *(protobuf_c_boolean *)(void *)(base + fd->quantifier_offset) = s->op == OP_NUM;
    if (s->op != OP_NUM)
        return;
    switch (fd->type) {
    case PROTOBUF_C_TYPE_UINT32:
        *(uint32_t *)(void *)(base + fd->offset) = (uint32_t)s->num;
        break;
    case PROTOBUF_C_TYPE_INT64:
        *(int64_t *)(void *)(base + fd->offset) = s->num;
        break;
    case PROTOBUF_C_TYPE_ENUM:
        *(int *)(void *)(base + fd->offset) = (int)s->num;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)(void *)(base + fd->offset) = s->num != 0;
        break;
    default:
        fail_msg("unsupported field type for %s", s->field);
    }
}

static const rs_rtype all_types[] = {
    T_PROJ, T_SUBS, T_TRAIN, T_REL, T_PET, T_SURV, T_NIL, T_UNIT, T_STAFF,
    T_LINE, T_SG, T_PROC, T_CARRY, T_FA, T_MS, T_SF,
};

#define NALL (sizeof all_types / sizeof all_types[0])

/* ---------------------------------------------------------------- tests */

static void test_valid_records(void **state)
{
    struct fx f;
    struct rs_verdict v;

    (void)state;
    for (size_t i = 0; i < NALL; i++) {
        fx_init(&f, all_types[i]);
        memset(&v, 'z', sizeof v);
        if (rs_validate_record(&f.rec, &v) != RS_OK)
            print_error("%s: %s: %s\n", rs_rtype_name(all_types[i]), v.field, v.reason);
        assert_int_equal(rs_validate_record(&f.rec, &v), RS_OK);
        assert_int_equal(v.st, RS_OK);
        assert_string_equal(v.field, "");
        assert_string_equal(v.reason, "");
    }
}

static void test_mutations(void **state)
{
    struct fx f;
    struct rs_verdict v;

    (void)state;
    fill_long_strings();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct vcase *c = &cases[i];
        rs_status st;

        fx_init(&f, c->type);
        for (size_t k = 0; k < 3 && c->sets[k].op != OP_END; k++)
            apply(&f, &c->sets[k]);
        st = rs_validate_record(&f.rec, &v);
        if (st != c->st || v.st != st || strcmp(v.field, c->field) != 0 ||
            (c->reason && !strstr(v.reason, c->reason)))
            print_error("case %zu (%s %s): got %s \"%s\" \"%s\"; want %s \"%s\" \"%s\"\n", i,
                        rs_rtype_name(c->type), c->sets[0].field, rs_status_name(st), v.field,
                        v.reason, rs_status_name(c->st), c->field, c->reason ? c->reason : "");
        assert_int_equal(st, c->st);
        assert_int_equal(v.st, c->st);
        assert_string_equal(v.field, c->field);
        if (c->reason)
            assert_non_null(strstr(v.reason, c->reason));
    }
}

static void test_body_missing(void **state)
{
    struct fx f;
    struct rs_verdict v;

    (void)state;
    fx_init(&f, T_REL);
    f.rec.body_case = RS__RECORD__BODY__NOT_SET;
    f.rec.relief = NULL;
    assert_int_equal(rs_validate_record(&f.rec, &v), RS_EINVAL);
    assert_string_equal(v.field, "body");

    fx_init(&f, T_REL);
    f.rec.body_case = (Rs__Record__BodyCase)30;
    assert_int_equal(rs_validate_record(&f.rec, &v), RS_EINVAL);
    assert_string_equal(v.field, "body");

    fx_init(&f, T_REL);
    f.rec.relief = NULL;
    assert_int_equal(rs_validate_record(&f.rec, &v), RS_EINVAL);
    assert_string_equal(v.field, "relief");
    assert_string_equal(v.reason, "required");

    assert_int_equal(rs_validate_record(NULL, &v), RS_EINVAL);
}

/* A verdict is reset by a passing record after a failing one. */
static void test_verdict_reset(void **state)
{
    struct fx f;
    struct rs_verdict v;

    (void)state;
    fx_init(&f, T_REL);
    f.relief.amount_fen = 0;
    assert_int_equal(rs_validate_record(&f.rec, &v), RS_EINVAL);
    assert_string_equal(v.field, "relief.amount_fen");
    assert_string_equal(v.reason, "must be > 0");
    f.relief.amount_fen = 1;
    assert_int_equal(rs_validate_record(&f.rec, &v), RS_OK);
    assert_string_equal(v.field, "");
}

static void test_rtype_names(void **state)
{
    static const char *const names[NALL] = {
        "project", "subsidy", "training", "relief", "petition", "survey", "nil_return",
        "unit_profile", "staffing", "budget_line", "san_gong", "procurement", "carry_over", "fixed_assets",
        "manual_score", "stated_figure",
    };
    /* The display labels are what the report prints; the older names stay accepted. */
    static const char *const labels[NALL] = {
        "项目", "直补", "培训", "救助", "信访", "满意度调查", "零报告", "单位概况", "人员编制",
        "预算行", "三公经费", "政府采购", "结转结余", "固定资产", "人工评分", "报告所载数字",
    };

    (void)state;
    for (size_t i = 0; i < NALL; i++) {
        assert_string_equal(rs_rtype_name(all_types[i]), names[i]);
        assert_string_equal(rs_rtype_label(all_types[i]), labels[i]);
        assert_int_equal(rs_rtype_parse(names[i]), all_types[i]);
        assert_int_equal(rs_rtype_parse(labels[i]), all_types[i]);
        assert_int_equal(rs_rtype_is_unit_level(all_types[i]), i >= 7);
    }
    assert_string_equal(rs_rtype_name(RS__RECORD__BODY__NOT_SET), "unknown");
    assert_string_equal(rs_rtype_name((rs_rtype)99), "unknown");
    assert_int_equal(rs_rtype_parse("后扶项目"), T_PROJ);
    assert_int_equal(rs_rtype_parse("直补资金"), T_SUBS);
    assert_int_equal(rs_rtype_parse("补助"), T_SUBS);
    assert_int_equal(rs_rtype_parse("预算科目"), T_LINE);
    assert_int_equal(rs_rtype_parse("评分事项"), T_MS);
    assert_int_equal(rs_rtype_parse("报告数字"), T_SF);
    assert_int_equal(rs_rtype_parse("无业务报告"), T_NIL);
    /* RecordType (what a nil return names) and the township types, both ways. */
    assert_int_equal(rs_rtype_of_record_type(RS__RECORD_TYPE__RT_PROJECT), T_PROJ);
    assert_int_equal(rs_rtype_of_record_type(RS__RECORD_TYPE__RT_SURVEY), T_SURV);
    assert_int_equal(rs_rtype_of_record_type(RS__RECORD_TYPE__RT_UNSPECIFIED),
                     RS__RECORD__BODY__NOT_SET);
    assert_int_equal(rs_rtype_of_record_type((Rs__RecordType)99), RS__RECORD__BODY__NOT_SET);
    assert_int_equal(rs_record_type_of(T_SUBS), RS__RECORD_TYPE__RT_SUBSIDY);
    assert_int_equal(rs_record_type_of(T_NIL), RS__RECORD_TYPE__RT_UNSPECIFIED);
    assert_int_equal(rs_record_type_of(T_LINE), RS__RECORD_TYPE__RT_UNSPECIFIED);
    assert_string_equal(rs_rtype_label((rs_rtype)99), "未知");
    assert_int_equal(rs_rtype_parse("Relief"), T_REL);
    assert_int_equal(rs_rtype_parse("reliefs"), RS__RECORD__BODY__NOT_SET);
    assert_int_equal(rs_rtype_parse(""), RS__RECORD__BODY__NOT_SET);
    assert_int_equal(rs_rtype_parse("救"), RS__RECORD__BODY__NOT_SET);
    assert_int_equal(rs_rtype_parse(NULL), RS__RECORD__BODY__NOT_SET);
    assert_false(rs_rtype_is_unit_level(RS__RECORD__BODY__NOT_SET));
}

static void test_record_keys(void **state)
{
    static const char *const want[NALL] = {
        "project:P-2023-001", "subsidy:磨刀村:7", "training:T-2023-01",
        "relief:HH0012:1:20231220", "petition:XF-2023-007", "survey:S-2023",
        "nil_return:3:7", "unit_profile", "staffing", "budget_line:1", "san_gong:2", "procurement", "carry_over", "fixed_assets",
        "manual_score:mgmt.system_sound", "stated_figure:budget.execution_rate",
    };
    struct fx f;
    char key[128];

    (void)state;
    for (size_t i = 0; i < NALL; i++) {
        fx_init(&f, all_types[i]);
        assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_OK);
        assert_string_equal(key, want[i]);
    }

    fx_init(&f, T_REL);
    f.relief.has_paid_date = 0;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_OK);
    assert_string_equal(key, "relief:HH0012:1:0");
    f.relief.kind = RS__RELIEF_KIND__RKIND_NEW_YEAR;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_OK);
    assert_string_equal(key, "relief:HH0012:3:0");
    f.relief.kind = RS__RELIEF_KIND__RKIND_UNSPECIFIED;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    f.relief.kind = RS__RELIEF_KIND__RKIND_OTHER;
    f.relief.has_kind = 0;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    assert_string_equal(key, "");
    f.relief.has_kind = 1;
    f.relief.household_ref = NULL;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);

    /* A sub-unit's headcount is a record of its own; the unit's has no part. */
    fx_init(&f, T_STAFF);
    f.staffing.sub_unit = "移民开发站";
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_OK);
    assert_string_equal(key, "staffing:移民开发站");
    f.staffing.sub_unit = "";
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_OK);
    assert_string_equal(key, "staffing");

    fx_init(&f, T_SUBS);
    f.rec.period = RS__PERIOD__PERIOD_Q3;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_OK);
    assert_string_equal(key, "subsidy:磨刀村:3");
    f.rec.has_period = 0;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);

    fx_init(&f, T_SUBS);
    f.subsidy.village = NULL;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_PROJ);
    f.project.project_id = "";
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_TRAIN);
    f.training.batch_id = NULL;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_PET);
    f.petition.case_id = NULL;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_SURV);
    f.survey.survey_id = NULL;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_LINE);
    f.budget_line.line = RS__BUDGET_LINE_KIND__LINE_UNSPECIFIED;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    f.budget_line.has_line = 0;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_SG);
    f.san_gong.has_kind = 0;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_MS);
    f.manual_score.indicator = NULL;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_SF);
    f.stated_figure.key = NULL;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_NIL);
    f.rec.period = RS__PERIOD__PERIOD_Q2;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_OK);
    assert_string_equal(key, "nil_return:3:2");
    f.nil_return.has_record_type = 0;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);
    fx_init(&f, T_REL);
    f.rec.body_case = RS__RECORD__BODY__NOT_SET;
    assert_int_equal(rs_record_key(&f.rec, key, sizeof key), RS_EINVAL);

    /* "project:P-2023-001" is 18 bytes: 19 fit, 18 do not. */
    fx_init(&f, T_PROJ);
    assert_int_equal(rs_record_key(&f.rec, key, 19), RS_OK);
    assert_string_equal(key, "project:P-2023-001");
    assert_int_equal(rs_record_key(&f.rec, key, 18), RS_ETOOBIG);
    assert_string_equal(key, "");
    assert_int_equal(rs_record_key(&f.rec, key, 0), RS_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_records), cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_body_missing),  cmocka_unit_test(test_verdict_reset),
        cmocka_unit_test(test_rtype_names),   cmocka_unit_test(test_record_keys),
    };

    return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}

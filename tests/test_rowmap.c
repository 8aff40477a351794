/*
 * test_rowmap.c - tests for rs_rowmap: every record type converted field by
 * field, English and Chinese headers, money in 元 and 万元, enums and
 * booleans, type detection and forced types, header errors (unknown,
 * duplicate, missing, units), cell errors (approximate figures, bad dates,
 * extra cells, required), defaults, record_id, validation failures mapped
 * back to the column as written, that docs/csv.md documents columns the
 * code accepts, and identifier columns (身份证号, 户主姓名) turned into keyed
 * household references, or refused without a district key.
 *
 * Does not: read CSV text (test_csv.c) or test the validation rules
 * themselves (test_validate.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_rowmap.h"
#include "rs_rtype.h"
#include "rs_util.h"

#define ERRLEN 512
#define MAX_CELLS 64
#define DIVISION "430602001"

/* A comma-separated line split into cells (no quoting: tests do not need it). */
struct cells {
    char buf[4096];
    char *v[MAX_CELLS];
    size_t n;
};

static void split(struct cells *c, const char *line)
{
    size_t len = strlen(line), i;

    assert_true(len < sizeof c->buf);
    memcpy(c->buf, line, len + 1);
    c->n = 0;
    c->v[c->n++] = c->buf;
    for (i = 0; i < len; i++) {
        if (c->buf[i] == ',') {
            c->buf[i] = '\0';
            assert_true(c->n < MAX_CELLS);
            c->v[c->n++] = c->buf + i + 1;
        }
    }
}

/* As `resettle submit --money-unit yuan`: money columns without a unit are in 元. */
static const struct rs_row_defaults defaults = { DIVISION, 2023, 0, "张三", RS_MONEY_UNIT_YUAN };

static struct rs_rowmap *open_with(const char *header, rs_rtype forced,
                                   const struct rs_row_defaults *d)
{
    struct rs_rowmap *m = NULL;
    struct cells h;
    char err[ERRLEN] = "";
    rs_status rv;

    split(&h, header);
    rv = rs_rowmap_open(h.v, h.n, forced, d, &m, err, sizeof err);
    if (rv != RS_OK)
        fail_msg("open '%s': %s", header, err);
    assert_non_null(m);
    return m;
}

static struct rs_rowmap *open_ok(const char *header)
{
    return open_with(header, RS__RECORD__BODY__NOT_SET, &defaults);
}

/* Expects the header to be refused with RS_EINVAL and err == want. */
static void open_fails(const char *header, rs_rtype forced, const char *want)
{
    struct rs_rowmap *m = NULL;
    struct cells h;
    char err[ERRLEN] = "";

    split(&h, header);
    assert_int_equal(rs_rowmap_open(h.v, h.n, forced, &defaults, &m, err, sizeof err),
                     RS_EINVAL);
    assert_null(m);
    assert_string_equal(err, want);
}

/* Expects no type to be found in the header (RS_ENOTFOUND), with err == want. */
static void open_undetected(const char *header, const char *want)
{
    struct rs_rowmap *m = NULL;
    struct cells h;
    char err[ERRLEN] = "";

    split(&h, header);
    assert_int_equal(rs_rowmap_open(h.v, h.n, RS__RECORD__BODY__NOT_SET, &defaults, &m, err,
                                    sizeof err),
                     RS_ENOTFOUND);
    assert_null(m);
    assert_string_equal(err, want);
}

static Rs__Record *row_ok(struct rs_rowmap *m, const char *line)
{
    struct rs_verdict v;
    Rs__Record *r = NULL;
    struct cells c;

    split(&c, line);
    if (rs_rowmap_row(m, c.v, c.n, &r, &v) != RS_OK)
        fail_msg("row '%s': %s: %s", line, v.field, v.reason);
    assert_int_equal(v.st, RS_OK);
    assert_non_null(r);
    assert_null(r->id);
    return r;
}

/* Expects the row to fail on column field with the Chinese text a clerk reads. */
static void row_fails(struct rs_rowmap *m, const char *line, const char *field,
                      const char *text)
{
    struct rs_verdict v;
    Rs__Record *r = NULL;
    struct cells c;

    split(&c, line);
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_int_equal(v.st, RS_EINVAL);
    assert_string_equal(v.field, field);
    assert_string_equal(v.text, text);
}

/* Opens header, converts one row, checks the type, closes the map. */
static Rs__Record *convert(const char *header, const char *line, rs_rtype want)
{
    struct rs_rowmap *m = open_ok(header);
    Rs__Record *r;

    assert_int_equal(rs_rowmap_type(m), want);
    r = row_ok(m, line);
    assert_int_equal(r->body_case, want);
    rs_rowmap_close(m);
    return r;
}

static void check_envelope(const Rs__Record *r)
{
    assert_string_equal(r->division_code, DIVISION);
    assert_true(r->has_year);
    assert_int_equal(r->year, 2023);
    assert_true(r->has_period);
    assert_int_equal(r->period, RS__PERIOD__PERIOD_YEAR);
    assert_string_equal(r->submitted_by, "张三");
    assert_null(r->remarks);
    assert_null(r->supersedes);
}

/* ---------------------------------------------------------------- one per type */

static void test_project(void **state)
{
    Rs__Record *r;
    Rs__Project *p;

    (void)state;
    r = convert("project_id,plan_doc_no,village,name,category,content,scale_qty,scale_unit,"
                "planned_investment_wan,fund_houfu_wan,fund_kuqu,fund_integrated,fund_self,"
                "allocated,completed_investment,paid,progress_pct,stage,planned_start,"
                "planned_end,actual_start,actual_end,acceptance_date,acceptance_result,"
                "beneficiary_households,beneficiary_resettlers,maintenance_owner,publicity_done",
                "P-2023-001,岳移发〔2023〕5号,金鹗村,金鹗村道路硬化,road,硬化道路1.2公里,1.2,km,"
                "158.93,100,400000,189300,0,1589300,1589300.00,1500000.5,100%,accepted,"
                "2023-03-01,2023/9/30,20230315,2023年9月20日,2023-10-15,合格,"
                "120,356,金鹗村委会,是",
                RS__RECORD__BODY_PROJECT);
    check_envelope(r);
    p = r->project;
    assert_string_equal(p->project_id, "P-2023-001");
    assert_string_equal(p->plan_doc_no, "岳移发〔2023〕5号");
    assert_string_equal(p->village, "金鹗村");
    assert_string_equal(p->name, "金鹗村道路硬化");
    assert_true(p->has_category);
    assert_int_equal(p->category, RS__PROJECT_CATEGORY__CAT_ROAD);
    assert_string_equal(p->content, "硬化道路1.2公里");
    assert_true(p->has_scale_qty_milli);
    assert_int_equal(p->scale_qty_milli, 1200);
    assert_string_equal(p->scale_unit, "km");
    assert_true(p->has_planned_investment_fen);
    assert_int_equal(p->planned_investment_fen, 158930000);
    assert_int_equal(p->fund_houfu_fen, 100000000);
    assert_int_equal(p->fund_kuqu_fen, 40000000);
    assert_int_equal(p->fund_integrated_fen, 18930000);
    assert_true(p->has_fund_self_fen);
    assert_int_equal(p->fund_self_fen, 0);
    assert_int_equal(p->allocated_fen, 158930000);
    assert_true(p->has_completed_investment_fen);
    assert_int_equal(p->completed_investment_fen, 158930000);
    assert_int_equal(p->paid_fen, 150000050);
    assert_true(p->has_progress_pct);
    assert_int_equal(p->progress_pct, 100);
    assert_int_equal(p->stage, RS__PROJECT_STAGE__STAGE_ACCEPTED);
    assert_int_equal(p->planned_start, 20230301);
    assert_int_equal(p->planned_end, 20230930);
    assert_int_equal(p->actual_start, 20230315);
    assert_int_equal(p->actual_end, 20230920);
    assert_int_equal(p->acceptance_date, 20231015);
    assert_true(p->has_acceptance_result);
    assert_int_equal(p->acceptance_result, RS__ACCEPTANCE__ACCEPT_PASSED);
    assert_int_equal(p->beneficiary_households, 120);
    assert_int_equal(p->beneficiary_resettlers, 356);
    assert_string_equal(p->maintenance_owner, "金鹗村委会");
    assert_true(p->has_publicity_done);
    assert_true(p->publicity_done);
    rs__record__free_unpacked(r, NULL);
}

static void test_subsidy(void **state)
{
    Rs__Record *r;
    Rs__SubsidyPayout *s;

    (void)state;
    r = convert("village,registered_persons,persons_added,persons_removed,removal_reason,"
                "persons_paid,standard_per_year,months,amount_due_wan,amount_paid_wan,paid_date,"
                "due_date,channel,failed_payments",
                "金鹗村,1200,5,3,死亡,1202,600,12,72.12,72.12,2023-12-20,2023-12-31,一卡通,0",
                RS__RECORD__BODY_SUBSIDY);
    check_envelope(r);
    s = r->subsidy;
    assert_string_equal(s->village, "金鹗村");
    assert_int_equal(s->registered_persons, 1200);
    assert_int_equal(s->persons_added, 5);
    assert_int_equal(s->persons_removed, 3);
    assert_string_equal(s->removal_reason, "死亡");
    assert_int_equal(s->persons_paid, 1202);
    assert_true(s->has_standard_fen_per_year);
    assert_int_equal(s->standard_fen_per_year, 60000);
    assert_int_equal(s->months, 12);
    assert_int_equal(s->amount_due_fen, 72120000);
    assert_int_equal(s->amount_paid_fen, 72120000);
    assert_int_equal(s->paid_date, 20231220);
    assert_int_equal(s->due_date, 20231231);
    assert_string_equal(s->channel, "一卡通");
    assert_true(s->has_failed_payments);
    assert_int_equal(s->failed_payments, 0);
    rs__record__free_unpacked(r, NULL);
}

static void test_training_chinese(void **state)
{
    Rs__Record *r;
    Rs__Training *t;

    (void)state;
    r = convert("培训批次号,培训类型,培训内容,开始日期,结束日期,培训机构,计划培训人次,培训人次,"
                "移民培训人次,考证人数,培训费用(元),人均补助（元）,补助人数,补助总额(万元)",
                "T-2023-01,技能培训,电工,2023-05-08,2023-05-12,区职校,60,58,50,41,6000,0.1,58,"
                "0.00058",
                RS__RECORD__BODY_TRAINING);
    check_envelope(r);
    t = r->training;
    assert_string_equal(t->batch_id, "T-2023-01");
    assert_int_equal(t->type, RS__TRAINING_TYPE__TRAIN_SKILL);
    assert_string_equal(t->course, "电工");
    assert_int_equal(t->start_date, 20230508);
    assert_int_equal(t->end_date, 20230512);
    assert_string_equal(t->provider, "区职校");
    assert_int_equal(t->planned_trainees, 60);
    assert_int_equal(t->trainees, 58);
    assert_int_equal(t->resettler_trainees, 50);
    assert_int_equal(t->certified, 41);
    assert_int_equal(t->cost_fen, 600000);
    assert_int_equal(t->subsidy_per_person_fen, 10);
    assert_int_equal(t->subsidy_persons, 58);
    assert_int_equal(t->subsidy_total_fen, 580);
    rs__record__free_unpacked(r, NULL);
}

static void test_relief(void **state)
{
    Rs__Record *r;
    Rs__Relief *x;

    (void)state;
    r = convert("household_ref,village,reason,kind,persons,amount,approved_by,paid_date",
                "HH0012,金鹗村,illness,Hardship,3,2000,李四,2023-12-20", RS__RECORD__BODY_RELIEF);
    check_envelope(r);
    x = r->relief;
    assert_string_equal(x->household_ref, "HH0012");
    assert_string_equal(x->village, "金鹗村");
    assert_true(x->has_reason);
    assert_int_equal(x->reason, RS__RELIEF_REASON__RELIEF_ILLNESS);
    assert_int_equal(x->kind, RS__RELIEF_KIND__RKIND_HARDSHIP);
    assert_int_equal(x->persons, 3);
    assert_int_equal(x->amount_fen, 200000);
    assert_string_equal(x->approved_by, "李四");
    assert_int_equal(x->paid_date, 20231220);
    rs__record__free_unpacked(r, NULL);

    /* The same in Chinese, with labels instead of English values. */
    r = convert("户编码,村(社区),致困原因,救助类别,家庭人数,金额(元),审批人,发放日期",
                "HH0013,洞庭村,残,升学奖励,2,1500.50,李四,2023/12/20",
                RS__RECORD__BODY_RELIEF);
    x = r->relief;
    assert_string_equal(x->household_ref, "HH0013");
    assert_string_equal(x->village, "洞庭村");
    assert_int_equal(x->reason, RS__RELIEF_REASON__RELIEF_DISABILITY);
    assert_int_equal(x->kind, RS__RELIEF_KIND__RKIND_STUDY_AWARD);
    assert_int_equal(x->persons, 2);
    assert_int_equal(x->amount_fen, 150050);
    assert_int_equal(x->paid_date, 20231220);
    rs__record__free_unpacked(r, NULL);
}

static void test_petition(void **state)
{
    Rs__Record *r;
    Rs__Petition *p;

    (void)state;
    r = convert("case_id,received_date,channel,visitors,is_group,category,summary,handler,"
                "due_date,closed_date,status,result_satisfied,level,village",
                "XF-2023-007,2023-04-03,visit,5,yes,subsidy,反映直补资金未到账,王五,2023-05-03,"
                "2023-04-20,办结,否,乡镇/街道,金鹗村",
                RS__RECORD__BODY_PETITION);
    check_envelope(r);
    p = r->petition;
    assert_string_equal(p->case_id, "XF-2023-007");
    assert_int_equal(p->received_date, 20230403);
    assert_int_equal(p->channel, RS__PETITION_CHANNEL__PCH_VISIT);
    assert_int_equal(p->visitors, 5);
    assert_true(p->has_is_group);
    assert_true(p->is_group);
    assert_int_equal(p->category, RS__PETITION_CATEGORY__PCAT_SUBSIDY);
    assert_string_equal(p->summary, "反映直补资金未到账");
    assert_string_equal(p->handler, "王五");
    assert_int_equal(p->due_date, 20230503);
    assert_int_equal(p->closed_date, 20230420);
    assert_int_equal(p->status, RS__PETITION_STATUS__PST_CLOSED);
    assert_true(p->has_result_satisfied);
    assert_false(p->result_satisfied);
    assert_int_equal(p->level, RS__PETITION_LEVEL__PLV_TOWNSHIP);
    assert_string_equal(p->village, "金鹗村");
    rs__record__free_unpacked(r, NULL);
}

static void test_survey(void **state)
{
    Rs__Record *r;
    Rs__Survey *s;

    (void)state;
    r = convert("调查编号,调查方式,样本数,有效样本数,满意人数,基本满意人数,不满意人数,调查日期",
                "S-2023-1,问卷,200,196,150,40,6,2023-11-10", RS__RECORD__BODY_SURVEY);
    check_envelope(r);
    s = r->survey;
    assert_string_equal(s->survey_id, "S-2023-1");
    assert_int_equal(s->method, RS__SURVEY_METHOD__SM_QUESTIONNAIRE);
    assert_int_equal(s->sample_size, 200);
    assert_int_equal(s->valid, 196);
    assert_int_equal(s->satisfied, 150);
    assert_int_equal(s->basically_satisfied, 40);
    assert_int_equal(s->dissatisfied, 6);
    assert_int_equal(s->survey_date, 20231110);
    rs__record__free_unpacked(r, NULL);
}

static void test_unit_profile(void **state)
{
    char *header[] = { "unit_name", "admin_level", "funding", "accounting", "departments",
                       "functions", "disclosure", "division_code" };
    char *row[] = { "岳阳楼区库区移民服务中心", "正科级", "财政预算全额拨款", "事业单位会计制度",
                    "综合股、计财股", "负责后期扶持政策落实\n负责项目管理", "区政府门户网站",
                    "430602" };
    struct rs_rowmap *m = NULL;
    struct rs_verdict v;
    Rs__Record *r = NULL;
    Rs__UnitProfile *u;
    char err[ERRLEN] = "";

    (void)state;
    assert_int_equal(rs_rowmap_open(header, 8, RS__RECORD__BODY__NOT_SET, &defaults, &m, err,
                                    sizeof err),
                     RS_OK);
    assert_int_equal(rs_rowmap_type(m), RS__RECORD__BODY_UNIT_PROFILE);
    if (rs_rowmap_row(m, row, 8, &r, &v) != RS_OK)
        fail_msg("%s: %s", v.field, v.reason);
    u = r->unit_profile;
    assert_string_equal(r->division_code, "430602");
    assert_string_equal(u->unit_name, "岳阳楼区库区移民服务中心");
    assert_string_equal(u->admin_level, "正科级");
    assert_string_equal(u->funding, "财政预算全额拨款");
    assert_string_equal(u->accounting, "事业单位会计制度");
    assert_string_equal(u->departments, "综合股、计财股");
    assert_string_equal(u->functions, "负责后期扶持政策落实\n负责项目管理");
    assert_string_equal(u->disclosure, "区政府门户网站");
    rs__record__free_unpacked(r, NULL);

    /* A line break is fine in text but not in a one-line column. */
    row[0] = "岳阳楼区\n移民中心";
    r = NULL;
    assert_int_equal(rs_rowmap_row(m, row, 8, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, "unit_name");
    assert_string_equal(v.reason, "must be on one line");
    assert_string_equal(v.text, "须写在一行内，不能换行");
    rs_rowmap_close(m);
}

static void test_staffing(void **state)
{
    Rs__Record *r;

    (void)state;
    r = convert("编制数,在职人数,退休人数,临聘人数,人员总计,division_code", "12,10,5,2,17,430602",
                RS__RECORD__BODY_STAFFING);
    assert_int_equal(r->staffing->establishment, 12);
    assert_int_equal(r->staffing->in_service, 10);
    assert_int_equal(r->staffing->retired, 5);
    assert_int_equal(r->staffing->temporary, 2);
    assert_true(r->staffing->has_stated_total);
    assert_int_equal(r->staffing->stated_total, 17);
    rs__record__free_unpacked(r, NULL);
}

static void test_budget_line(void **state)
{
    Rs__Record *r;
    Rs__BudgetLine *b;

    (void)state;
    r = convert("line,year_start_wan,adjusted_wan,final_wan,higher_transfer_wan,key_wan,"
                "change_reason,division_code",
                "人员经费,150.5,160,158.93,0,0.000001,追加绩效工资,430602",
                RS__RECORD__BODY_BUDGET_LINE);
    b = r->budget_line;
    assert_int_equal(b->line, RS__BUDGET_LINE_KIND__LINE_PERSONNEL);
    assert_int_equal(b->year_start_fen, 150500000);
    assert_int_equal(b->adjusted_fen, 160000000);
    assert_int_equal(b->final_fen, 158930000);
    assert_true(b->has_higher_transfer_fen);
    assert_int_equal(b->higher_transfer_fen, 0);
    assert_int_equal(b->key_fen, 1);
    assert_string_equal(b->change_reason, "追加绩效工资");
    rs__record__free_unpacked(r, NULL);
}

static void test_san_gong(void **state)
{
    Rs__Record *r;
    Rs__SanGong *s;

    (void)state;
    r = convert("kind,budget,final,prev_budget,prev_final,division_code",
                "reception,20000,18000.5,22000,21000,430602", RS__RECORD__BODY_SAN_GONG);
    s = r->san_gong;
    assert_int_equal(s->kind, RS__SAN_GONG_KIND__SG_RECEPTION);
    assert_int_equal(s->budget_fen, 2000000);
    assert_int_equal(s->final_fen, 1800050);
    assert_int_equal(s->prev_budget_fen, 2200000);
    assert_int_equal(s->prev_final_fen, 2100000);
    rs__record__free_unpacked(r, NULL);

    r = convert("三公类别,预算数(万元),决算数(万元),division_code", "因公出国（境）,0,0,430602",
                RS__RECORD__BODY_SAN_GONG);
    assert_int_equal(r->san_gong->kind, RS__SAN_GONG_KIND__SG_OUTBOUND);
    assert_true(r->san_gong->has_budget_fen);
    assert_int_equal(r->san_gong->budget_fen, 0);
    assert_false(r->san_gong->has_prev_budget_fen);
    rs__record__free_unpacked(r, NULL);
}

static void test_procurement(void **state)
{
    Rs__Record *r;

    (void)state;
    r = convert("budget_wan,actual_wan,division_code", "30,28.5,430602",
                RS__RECORD__BODY_PROCUREMENT);
    assert_int_equal(r->procurement->budget_fen, 30000000);
    assert_int_equal(r->procurement->actual_fen, 28500000);
    rs__record__free_unpacked(r, NULL);
}

static void test_carry_over(void **state)
{
    Rs__Record *r;

    (void)state;
    r = convert("年初结转结余,年末结转结余,division_code", "12000,3000.01,430602",
                RS__RECORD__BODY_CARRY_OVER);
    assert_int_equal(r->carry_over->start_fen, 1200000);
    assert_int_equal(r->carry_over->end_fen, 300001);
    rs__record__free_unpacked(r, NULL);
}

static void test_fixed_assets(void **state)
{
    Rs__Record *r;

    (void)state;
    r = convert("total_wan,in_use_wan,division_code", "120.5,110,430602",
                RS__RECORD__BODY_FIXED_ASSETS);
    assert_int_equal(r->fixed_assets->total_fen, 120500000);
    assert_int_equal(r->fixed_assets->in_use_fen, 110000000);
    rs__record__free_unpacked(r, NULL);
}

static void test_manual_score(void **state)
{
    Rs__Record *r;
    Rs__ManualScore *s;

    (void)state;
    r = convert("indicator,items_total,items_passed,score,justification,division_code",
                "c1.2,5,4,3.5,制度健全,430602", RS__RECORD__BODY_MANUAL_SCORE);
    s = r->manual_score;
    assert_string_equal(s->indicator, "c1.2");
    assert_int_equal(s->items_total, 5);
    assert_int_equal(s->items_passed, 4);
    assert_true(s->has_score_milli);
    assert_int_equal(s->score_milli, 3500);
    assert_string_equal(s->justification, "制度健全");
    rs__record__free_unpacked(r, NULL);
}

static void test_stated_figure(void **state)
{
    Rs__Record *r;

    (void)state;
    /* Approximate figures are what this type is for: text keeps them as written. */
    r = convert("key,text,division_code", "relief_households,400余户,430602",
                RS__RECORD__BODY_STATED_FIGURE);
    assert_string_equal(r->stated_figure->key, "relief_households");
    assert_string_equal(r->stated_figure->text, "400余户");
    rs__record__free_unpacked(r, NULL);
}

/* ---------------------------------------------------------------- detection */

static void expect_type(const char *header, rs_rtype want)
{
    struct rs_rowmap *m = open_ok(header);

    assert_int_equal(rs_rowmap_type(m), want);
    rs_rowmap_close(m);
}

static void test_detect_every_type(void **state)
{
    (void)state;
    expect_type("name,project_id,category", RS__RECORD__BODY_PROJECT);
    expect_type("项目名称,项目编号,项目类别", RS__RECORD__BODY_PROJECT);
    expect_type("village,registered_persons,months", RS__RECORD__BODY_SUBSIDY);
    expect_type("核定人数,村(社区),发放月数", RS__RECORD__BODY_SUBSIDY);
    expect_type("batch_id,type,trainees", RS__RECORD__BODY_TRAINING);
    expect_type("培训批次号,培训类型,培训人次", RS__RECORD__BODY_TRAINING);
    expect_type("household_ref,kind,amount,paid_date", RS__RECORD__BODY_RELIEF);
    expect_type("户编码,类别,金额,发放日期", RS__RECORD__BODY_RELIEF);
    expect_type("case_id,received_date,status", RS__RECORD__BODY_PETITION);
    expect_type("信访编号,受理日期,办理状态", RS__RECORD__BODY_PETITION);
    expect_type("survey_id,valid", RS__RECORD__BODY_SURVEY);
    expect_type("调查编号,有效样本数", RS__RECORD__BODY_SURVEY);
    expect_type("unit_name", RS__RECORD__BODY_UNIT_PROFILE);
    expect_type("单位名称", RS__RECORD__BODY_UNIT_PROFILE);
    expect_type("establishment,in_service", RS__RECORD__BODY_STAFFING);
    expect_type("编制数,在职", RS__RECORD__BODY_STAFFING);
    expect_type("line,final", RS__RECORD__BODY_BUDGET_LINE);
    expect_type("支出类别,决算数", RS__RECORD__BODY_BUDGET_LINE);
    expect_type("kind,budget", RS__RECORD__BODY_SAN_GONG);
    expect_type("类别,预算数,决算数", RS__RECORD__BODY_SAN_GONG);
    expect_type("budget,actual", RS__RECORD__BODY_PROCUREMENT);
    expect_type("预算,实际采购", RS__RECORD__BODY_PROCUREMENT);
    expect_type("start,end", RS__RECORD__BODY_CARRY_OVER);
    expect_type("年初结转结余,年末结转结余", RS__RECORD__BODY_CARRY_OVER);
    expect_type("total,in_use", RS__RECORD__BODY_FIXED_ASSETS);
    expect_type("资产总额,在用资产", RS__RECORD__BODY_FIXED_ASSETS);
    expect_type("indicator,score,justification", RS__RECORD__BODY_MANUAL_SCORE);
    expect_type("指标编码,得分,评分说明", RS__RECORD__BODY_MANUAL_SCORE);
    expect_type("key,text", RS__RECORD__BODY_STATED_FIGURE);
    expect_type("数字键,原文", RS__RECORD__BODY_STATED_FIGURE);
    /* Envelope columns do not disturb detection; money with units neither. */
    expect_type("division_code,year,period,remarks,budget_wan,actual(万元)",
                RS__RECORD__BODY_PROCUREMENT);
}

static void test_detect_relief_vs_san_gong(void **state)
{
    (void)state;
    /* Both have kind; household_ref decides first. */
    expect_type("kind,household_ref,amount,paid_date", RS__RECORD__BODY_RELIEF);
    expect_type("kind,budget,final", RS__RECORD__BODY_SAN_GONG);
    /* kind and budget: san_gong, whose columns then do not include actual. */
    open_fails("kind,budget,actual", RS__RECORD__BODY__NOT_SET,
               "未知的列“actual”：三公经费记录没有这一列");
    /* line: budget_line before procurement. */
    open_fails("line,budget,actual", RS__RECORD__BODY__NOT_SET,
               "未知的列“budget”：预算行记录没有这一列");
    /* kind without budget is nothing: no type found, not a bad header. */
    open_undetected("kind,amount",
               "无法从表头判断记录类型：各类型须有的列为项目编号、核定人数、培训批次号、户编码、"
               "信访编号、调查编号、报表类型+情况说明、单位名称、编制数、支出类别、三公类别+预算、"
               "政府采购预算数+实际采购金额、年初结转结余+年末结转结余、固定资产总额+在用固定资产、"
               "指标编码、数字键+原文");
}

static void test_forced_type(void **state)
{
    struct rs_rowmap *m;

    (void)state;
    m = open_with("household_ref,kind,amount,paid_date", RS__RECORD__BODY_RELIEF, &defaults);
    assert_int_equal(rs_rowmap_type(m), RS__RECORD__BODY_RELIEF);
    rs_rowmap_close(m);
    /* A forced type still checks every column. */
    open_fails("project_id,name,category", RS__RECORD__BODY_RELIEF,
               "未知的列“project_id”：救助记录没有这一列");
    open_fails("household_ref,amount,paid_date", RS__RECORD__BODY_RELIEF,
               "缺少必填列“救助类别”（kind）：救助记录须有这一列");
    /* A procurement header read as san_gong. */
    open_fails("budget,actual", RS__RECORD__BODY_SAN_GONG,
               "未知的列“actual”：三公经费记录没有这一列");
    open_fails("budget", (rs_rtype)99,
               "未知的记录类型（99）");
}

/* ---------------------------------------------------------------- header errors */

static void test_header_errors(void **state)
{
    (void)state;
    open_fails("household_ref,kind,amount,paid_date,colour", RS__RECORD__BODY__NOT_SET,
               "未知的列“colour”：救助记录没有这一列");
    open_fails("household_ref,kind,amount,paid_date,户编码", RS__RECORD__BODY__NOT_SET,
               "列“户编码”重复（与“household_ref”是同一列）");
    open_fails("household_ref,kind,amount,paid_date,amount_wan", RS__RECORD__BODY__NOT_SET,
               "列“amount_wan”重复（与“amount”是同一列）");
    open_fails("household_ref,kind,金额(元),paid_date,金额(万元)", RS__RECORD__BODY__NOT_SET,
               "列“金额(万元)”重复（与“金额(元)”是同一列）");
    open_fails("household_ref,kind,amount,paid_date,年度,year", RS__RECORD__BODY__NOT_SET,
               "列“year”重复（与“年度”是同一列）");
    open_fails("household_ref,kind,paid_date", RS__RECORD__BODY__NOT_SET,
               "缺少必填列“金额”（amount）：救助记录须有这一列");
    open_fails("household_ref,kind,金额(千元),paid_date", RS__RECORD__BODY__NOT_SET,
               "列“金额(千元)”：单位须为元或万元");
    open_fails("household_ref,kind,amount_wan(元),paid_date", RS__RECORD__BODY__NOT_SET,
               "列“amount_wan(元)”：amount_wan 的单位是万元，括号里却是元");
    open_fails("household_ref,kind,amount,paid_date,家庭人数(元)", RS__RECORD__BODY__NOT_SET,
               "列“家庭人数(元)”：家庭人数不是金额，不能注明元或万元");
    open_fails("household_ref,,kind,amount,paid_date", RS__RECORD__BODY__NOT_SET,
               "表头第2列没有列名");
    open_fails(",,", RS__RECORD__BODY__NOT_SET,
               "表头行是空的");
    /* Chinese aliases are exact: no partial or case games. */
    open_fails("household_ref,kind,amount,paid_date,金额元", RS__RECORD__BODY__NOT_SET,
               "未知的列“金额元”：救助记录没有这一列");
}

static void test_header_forms(void **state)
{
    struct rs_rowmap *m;
    Rs__Record *r;

    (void)state;
    /* Case-insensitive English, trimmed, trailing empty header cells, full-width parens. */
    m = open_ok(" Household_Ref ,KIND,Amount_WAN,Paid_Date,,");
    r = row_ok(m, "HH1,hardship,0.0158,2023-12-01,,");
    assert_int_equal(r->relief->amount_fen, 15800);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);

    m = open_ok("户编码,救助类别,金额（万元）,发放日期");
    r = row_ok(m, "HH1,hardship,158.93,2023-12-01");
    assert_int_equal(r->relief->amount_fen, 158930000);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);

    m = open_ok("户编码,救助类别,金额 ( 元 ),发放日期");
    r = row_ok(m, "HH1,hardship,6000,2023-12-01");
    assert_int_equal(r->relief->amount_fen, 600000);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);

    m = open_ok("村(社区),核定人数,补助标准(元/人/年),月数");
    r = row_ok(m, "金鹗村,100,600,12");
    assert_int_equal(r->subsidy->standard_fen_per_year, 60000);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);
    /* A unit on a column that is not money is a note, not a scale. */
    m = open_ok("户编码,救助类别,金额,发放日期,家庭人数(人)");
    r = row_ok(m, "HH1,hardship,600,2023-12-01,4");
    assert_int_equal(r->relief->persons, 4);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);
    open_fails("村(社区),核定人数,形象进度(%)", RS__RECORD__BODY__NOT_SET,
               "未知的列“形象进度(%)”：直补记录没有这一列");
}

/* ---------------------------------------------------------------- cell errors */

/* One row given as cells, for a cell that holds a ","; fails on field with text. */
static void cells_fail(struct rs_rowmap *m, char *const *cells, size_t n, const char *field,
                       const char *text)
{
    struct rs_verdict v;
    Rs__Record *r = NULL;

    assert_int_equal(rs_rowmap_row(m, cells, n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, field);
    assert_string_equal(v.text, text);
}

/* Every bad cell of a row is named: the first by the verdict, the rest by rs_rowmap_more. */
static void test_every_bad_cell(void **state)
{
    struct rs_rowmap *m = open_ok("household_ref,kind,金额(元),家庭人数,发放日期");
    const struct rs_verdict *more;
    Rs__Record *r = NULL;
    struct rs_verdict v;
    struct cells c;

    (void)state;
    split(&c, ",hardship,abc,3,2023-02-30");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, "household_ref");
    assert_string_equal(v.text, "必填，不能为空");
    assert_int_equal(rs_rowmap_more(m, &more), 2);
    assert_string_equal(more[0].field, "金额(元)");
    assert_string_equal(more[0].text, "不是以元为单位的金额（只写数字，最多2位小数）");
    assert_string_equal(more[1].field, "发放日期");
    assert_non_null(strstr(more[1].text, "不是有效日期"));
    /* A good row leaves nothing over from the bad one. */
    split(&c, "HH1,hardship,100,3,2023-02-28");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_OK);
    assert_int_equal(rs_rowmap_more(m, &more), 0);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);
}

/*
 * A "," in an amount groups thousands or the amount is refused: "1,5" is a
 * decimal comma, not 15 元; the reason says so, and an amount past int64
 * fen says it is too large, not that it has too many decimals.
 */
static void test_money_commas(void **state)
{
    static const struct rs_row_defaults none = { DIVISION, 2023, 0, NULL, RS_MONEY_UNIT_NONE };
    char hh[] = "HH1", kind[] = "hardship", persons[] = "3", date[] = "2023-12-01";
    char ok[] = "1,234.50", dec[] = "1,5", grp[] = "12,34", big[] = "92233720368547758.08";
    char *row[] = {hh, kind, ok, persons, date};
    struct rs_rowmap *m;
    Rs__Record *r = NULL;
    struct rs_verdict v;

    (void)state;
    m = open_ok("household_ref,kind,金额(元),家庭人数,发放日期");
    assert_int_equal(rs_rowmap_row(m, row, 5, &r, &v), RS_OK);
    assert_true(r->relief->amount_fen == 123450);
    rs__record__free_unpacked(r, NULL);
    row[2] = dec;
    cells_fail(m, row, 5, "金额(元)",
               "金额中的千位分隔符“,”应每三位一个（如1,234,567.89）；小数点用“.”");
    row[2] = grp;
    cells_fail(m, row, 5, "金额(元)",
               "金额中的千位分隔符“,”应每三位一个（如1,234,567.89）；小数点用“.”");
    row[2] = big;
    cells_fail(m, row, 5, "金额(元)", "金额过大（不能超过92233720368547758.07元）");
    rs_rowmap_close(m);
    /* Without a unit, both readings name the real fault. */
    m = open_with("支出类别,决算", RS__RECORD__BODY__NOT_SET, &none);
    {
        char line[] = "人员经费", v1[] = "1,5";
        char *c2[] = {line, v1};

        cells_fail(m, c2, 2, "决算",
                   "第一个值 1,5 按元读是无效（千位分隔符“,”位置不对），"
                   "按万元读是无效（千位分隔符“,”位置不对）；"
                   "请在列名注明单位或使用 --money-unit");
    }
    rs_rowmap_close(m);
    m = open_with("支出类别,决算", RS__RECORD__BODY__NOT_SET, &none);
    {
        char line[] = "人员经费", v1[] = "12元";
        char *c2[] = {line, v1};

        cells_fail(m, c2, 2, "决算",
                   "第一个值 12元 按元读是无效（不是数字），按万元读是无效（不是数字）；"
                   "请在列名注明单位或使用 --money-unit");
    }
    rs_rowmap_close(m);
}

static void test_approximate_rejected(void **state)
{
    struct rs_rowmap *m;

    (void)state;
    m = open_ok("household_ref,kind,金额(元),家庭人数,发放日期");
    row_fails(m, "HH1,hardship,近600,3,2023-12-01", "金额(元)",
              "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    row_fails(m, "HH1,hardship,400余,3,2023-12-01", "金额(元)",
              "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    row_fails(m, "HH1,hardship,约3,3,2023-12-01", "金额(元)",
              "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    row_fails(m, "HH1,hardship,600多,3,2023-12-01", "金额(元)",
              "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    row_fails(m, "HH1,hardship,600,约3,2023-12-01", "家庭人数",
              "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    row_fails(m, "HH1,hardship,600,400余,2023-12-01", "家庭人数",
              "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    /* Not approximate, just wrong. */
    row_fails(m, "HH1,hardship,6万,3,2023-12-01", "金额(元)",
              "不是以元为单位的金额（只写数字，最多2位小数）");
    row_fails(m, "HH1,hardship,0.001,3,2023-12-01", "金额(元)",
              "不是以元为单位的金额（只写数字，最多2位小数）");
    row_fails(m, "HH1,hardship,600,3.5,2023-12-01", "家庭人数",
              "不是整数");
    rs_rowmap_close(m);

    m = open_ok("household_ref,kind,amount_wan,paid_date");
    row_fails(m, "HH1,hardship,约3,2023-12-01", "amount_wan",
              "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    row_fails(m, "HH1,hardship,0.0000001,2023-12-01", "amount_wan",
              "不是以万元为单位的金额（只写数字，最多6位小数）");
    rs_rowmap_close(m);

    m = open_ok("indicator,score,justification,division_code");
    row_fails(m, "c1,约3,按问卷,430602", "score",
              "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    row_fails(m, "c1,3.5555,按问卷,430602", "score",
              "不是数字（最多3位小数）");
    rs_rowmap_close(m);
}

static void test_numbers(void **state)
{
    struct rs_rowmap *m;
    Rs__Record *r;

    (void)state;
    m = open_ok("village,registered_persons,persons_paid,months");
    r = row_ok(m, "金鹗村,1234,\t12 ,12");
    assert_int_equal(r->subsidy->registered_persons, 1234);
    assert_int_equal(r->subsidy->persons_paid, 12);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);

    /* "1,234" needs a header with a single column after it: split() has no quotes. */
    {
        char *h[] = { "village", "registered_persons", "months" };
        char *c1[] = { "金鹗村", "1,234", "12" };
        char *c2[] = { "金鹗村", "1,23", "12" };
        char *c3[] = { "金鹗村", "-1", "12" };
        char *c4[] = { "金鹗村", "4294967296", "12" };
        struct rs_verdict v;
        char err[ERRLEN];

        assert_int_equal(rs_rowmap_open(h, 3, RS__RECORD__BODY__NOT_SET, &defaults, &m, err,
                                        sizeof err),
                         RS_OK);
        assert_int_equal(rs_rowmap_row(m, c1, 3, &r, &v), RS_OK);
        assert_int_equal(r->subsidy->registered_persons, 1234);
        rs__record__free_unpacked(r, NULL);
        assert_int_equal(rs_rowmap_row(m, c2, 3, &r, &v), RS_EINVAL);
        assert_string_equal(v.field, "registered_persons");
        assert_string_equal(v.text, "不是整数");
        assert_int_equal(rs_rowmap_row(m, c3, 3, &r, &v), RS_EINVAL);
        assert_string_equal(v.text, "不是整数");
        assert_int_equal(rs_rowmap_row(m, c4, 3, &r, &v), RS_EINVAL);
        assert_string_equal(v.text, "不是整数");
        rs_rowmap_close(m);
    }

    /* Money with a thousands separator, in 元. */
    {
        char *h[] = { "household_ref", "kind", "amount", "paid_date" };
        char *c[] = { "HH1", "hardship", "1,500.50", "2023-12-01" };
        struct rs_verdict v;
        char err[ERRLEN];

        assert_int_equal(rs_rowmap_open(h, 4, RS__RECORD__BODY__NOT_SET, &defaults, &m, err,
                                        sizeof err),
                         RS_OK);
        assert_int_equal(rs_rowmap_row(m, c, 4, &r, &v), RS_OK);
        assert_int_equal(r->relief->amount_fen, 150050);
        rs__record__free_unpacked(r, NULL);
        rs_rowmap_close(m);
    }
}

static void test_bad_date(void **state)
{
    struct rs_rowmap *m;

    (void)state;
    m = open_ok("户编码,救助类别,金额,发放日期");
    row_fails(m, "HH1,hardship,600,2023-02-29", "发放日期",
              "不是有效日期（应为YYYY-MM-DD，如2023-04-15）");
    row_fails(m, "HH1,hardship,600,2023-13-01", "发放日期",
              "不是有效日期（应为YYYY-MM-DD，如2023-04-15）");
    row_fails(m, "HH1,hardship,600,明年", "发放日期",
              "不是有效日期（应为YYYY-MM-DD，如2023-04-15）");
    rs_rowmap_close(m);
}

static void test_enums_and_bools(void **state)
{
    struct rs_rowmap *m;
    Rs__Record *r;

    (void)state;
    m = open_ok("case_id,received_date,channel,is_group,status,level,period");
    r = row_ok(m, "XF1,2023-04-03,来信,1,IN_PROGRESS,national,q2");
    assert_int_equal(r->petition->channel, RS__PETITION_CHANNEL__PCH_LETTER);
    assert_true(r->petition->is_group);
    assert_int_equal(r->petition->status, RS__PETITION_STATUS__PST_IN_PROGRESS);
    assert_int_equal(r->petition->level, RS__PETITION_LEVEL__PLV_NATIONAL);
    assert_int_equal(r->period, RS__PERIOD__PERIOD_Q2);
    rs__record__free_unpacked(r, NULL);

    r = row_ok(m, "XF2,2023-04-03,online,False,重复,区,上半年");
    assert_int_equal(r->petition->channel, RS__PETITION_CHANNEL__PCH_ONLINE);
    assert_true(r->petition->has_is_group);
    assert_false(r->petition->is_group);
    assert_int_equal(r->petition->status, RS__PETITION_STATUS__PST_REPEAT);
    assert_int_equal(r->petition->level, RS__PETITION_LEVEL__PLV_DISTRICT);
    assert_int_equal(r->period, RS__PERIOD__PERIOD_H1);
    rs__record__free_unpacked(r, NULL);

    r = row_ok(m, "XF3,2023-04-03,,no,受理,,");
    assert_false(r->petition->has_channel);
    assert_false(r->petition->has_level);
    assert_int_equal(r->period, RS__PERIOD__PERIOD_YEAR);
    rs__record__free_unpacked(r, NULL);

    row_fails(m, "XF4,2023-04-03,,是,,,", "status",
              "必填，不能为空");
    row_fails(m, "XF4,2023-04-03,fax,是,,,", "channel",
              "不是可选的值，应为：来信、来访、网络、电话、转办");
    row_fails(m, "XF4,2023-04-03,,maybe,,,", "is_group",
              "应填“是”或“否”（也可填1或0）");
    row_fails(m, "XF4,2023-04-03,,,unspecified,,", "status",
              "不是可选的值，应为：受理、办理中、办结、重复");
    rs_rowmap_close(m);

    m = open_ok("project_id,name,category,stage,actual_end,acceptance_date,acceptance_result");
    r = row_ok(m, "P1,桥,沟渠,prelim_accepted,2023-09-01,,");
    assert_int_equal(r->project->category, RS__PROJECT_CATEGORY__CAT_CANAL);
    assert_int_equal(r->project->stage, RS__PROJECT_STAGE__STAGE_PRELIM_ACCEPTED);
    rs__record__free_unpacked(r, NULL);
    r = row_ok(m, "P2,桥,Bridge,移交管护,2023-09-01,2023-10-01,Passed");
    assert_int_equal(r->project->category, RS__PROJECT_CATEGORY__CAT_BRIDGE);
    assert_int_equal(r->project->stage, RS__PROJECT_STAGE__STAGE_HANDED_OVER);
    assert_int_equal(r->project->acceptance_result, RS__ACCEPTANCE__ACCEPT_PASSED);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);
}

static void test_row_shape(void **state)
{
    struct rs_rowmap *m;
    Rs__Record *r;

    (void)state;
    m = open_ok("household_ref,kind,amount,paid_date,village,persons");
    /* Trailing empty cells (Excel's trailing commas) are fine. */
    r = row_ok(m, "HH1,hardship,600,2023-12-01,金鹗村,3,,, ,");
    assert_string_equal(r->relief->village, "金鹗村");
    rs__record__free_unpacked(r, NULL);
    /* A value past the header is not. */
    row_fails(m, "HH1,hardship,600,2023-12-01,金鹗村,3,,x,", "第8列",
              "这一行有8个单元格，表头只有6列");
    /* Fewer cells: the missing ones are empty. */
    r = row_ok(m, "HH1,hardship,600,2023-12-01");
    assert_null(r->relief->village);
    assert_false(r->relief->has_persons);
    assert_false(r->relief->has_reason);
    rs__record__free_unpacked(r, NULL);
    /* Empty optional cells are absent; empty required ones fail. */
    r = row_ok(m, "HH1,hardship,600,2023-12-01,,");
    assert_null(r->relief->village);
    assert_false(r->relief->has_persons);
    rs__record__free_unpacked(r, NULL);
    row_fails(m, "HH1,,600,2023-12-01", "kind",
              "必填，不能为空");
    row_fails(m, "HH1,hardship", "amount",
              "必填，不能为空");
    row_fails(m, " ,hardship,600,2023-12-01", "household_ref",
              "必填，不能为空");
    rs_rowmap_close(m);
}

static void test_defaults(void **state)
{
    struct rs_rowmap *m;
    Rs__Record *r;
    struct rs_row_defaults d = { "430602002", 2024, RS__PERIOD__PERIOD_Q4, NULL, RS_MONEY_UNIT_YUAN };
    struct rs_row_defaults none = { NULL, 0, 0, NULL, RS_MONEY_UNIT_YUAN };
    struct cells h;
    char err[ERRLEN];

    (void)state;
    /* Absent columns take the defaults. */
    m = open_with("household_ref,kind,amount,paid_date", RS__RECORD__BODY__NOT_SET, &d);
    r = row_ok(m, "HH1,hardship,600,2024-12-01");
    assert_string_equal(r->division_code, "430602002");
    assert_int_equal(r->year, 2024);
    assert_int_equal(r->period, RS__PERIOD__PERIOD_Q4);
    assert_null(r->submitted_by);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);

    /* Empty cells take them too; filled cells win. */
    m = open_ok("乡镇代码,年度,期间,填报人,备注,household_ref,kind,amount,paid_date");
    r = row_ok(m, ",,,,,HH1,hardship,600,2023-12-01");
    check_envelope(r);
    rs__record__free_unpacked(r, NULL);
    r = row_ok(m, "430602003001,2022,四季度,李四,补报,HH1,hardship,600,2022-12-01");
    assert_string_equal(r->division_code, "430602003001");
    assert_int_equal(r->year, 2022);
    assert_int_equal(r->period, RS__PERIOD__PERIOD_Q4);
    assert_string_equal(r->submitted_by, "李四");
    assert_string_equal(r->remarks, "补报");
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);

    /* Without defaults the columns are required, in the header and in each row. */
    split(&h, "household_ref,kind,amount,paid_date");
    assert_int_equal(rs_rowmap_open(h.v, h.n, RS__RECORD__BODY__NOT_SET, &none, &m, err,
                                    sizeof err),
                     RS_EINVAL);
    assert_string_equal(err, "缺少必填列“乡镇代码”（division_code），且没有给出默认值");
    split(&h, "household_ref,kind,amount,paid_date,division_code");
    assert_int_equal(rs_rowmap_open(h.v, h.n, RS__RECORD__BODY__NOT_SET, &none, &m, err,
                                    sizeof err),
                     RS_EINVAL);
    assert_string_equal(err, "缺少必填列“年度”（year），且没有给出默认值");
    split(&h, "household_ref,kind,amount_yuan,paid_date,division_code,年度");
    assert_int_equal(rs_rowmap_open(h.v, h.n, RS__RECORD__BODY__NOT_SET, NULL, &m, err,
                                    sizeof err),
                     RS_OK);
    row_fails(m, "HH1,hardship,600,2023-12-01,,2023", "division_code", "必填，不能为空");
    row_fails(m, "HH1,hardship,600,2023-12-01," DIVISION ",", "年度", "必填，不能为空");
    r = row_ok(m, "HH1,hardship,600,2023-12-01," DIVISION ",2023");
    assert_int_equal(r->period, RS__PERIOD__PERIOD_YEAR);
    assert_null(r->submitted_by);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);
}

/* A money column's unit is said by its name or by the caller, never assumed. */
static void test_money_unit_said(void **state)
{
    static const struct rs_row_defaults none = { DIVISION, 2023, 0, NULL, RS_MONEY_UNIT_NONE };
    static const struct rs_row_defaults wan = { DIVISION, 2023, 0, NULL, RS_MONEY_UNIT_WAN };
    struct rs_rowmap *m;
    Rs__Record *r;

    (void)state;
    /* No unit anywhere: the first value fails with both readings, and the
     * whole file is to be given up. */
    m = open_with("line,final", RS__RECORD__BODY__NOT_SET, &none);
    assert_false(rs_rowmap_fatal(m));
    r = row_ok(m, "personnel,");
    assert_false(r->budget_line->has_final_fen);
    rs__record__free_unpacked(r, NULL);
    assert_false(rs_rowmap_fatal(m));
    row_fails(m, "project,716.41", "final",
              "第一个值 716.41 按元读是716.41元，按万元读是7164100.00元；请在列名注明单位或使用 --money-unit");
    assert_true(rs_rowmap_fatal(m));
    rs_rowmap_close(m);
    /* A value with more decimals than fen has one reading only. */
    m = open_with("支出类别,决算", RS__RECORD__BODY__NOT_SET, &none);
    row_fails(m, "人员经费,1.005", "决算",
              "第一个值 1.005 按元读是无效（超过两位小数），按万元读是10050.00元；请在列名注明单位或使用 --money-unit");
    rs_rowmap_close(m);
    /* The caller's unit for the file. */
    m = open_with("line,final", RS__RECORD__BODY__NOT_SET, &wan);
    r = row_ok(m, "project,716.41");
    assert_int_equal(r->budget_line->final_fen, 716410000);
    rs__record__free_unpacked(r, NULL);
    assert_false(rs_rowmap_fatal(m));
    rs_rowmap_close(m);
    /* A unit in the name wins over the caller's. */
    m = open_with("line,final_yuan,year_start(元),adjusted_wan", RS__RECORD__BODY__NOT_SET,
                  &wan);
    r = row_ok(m, "project,716.41,48,0.5");
    assert_int_equal(r->budget_line->final_fen, 71641);
    assert_int_equal(r->budget_line->year_start_fen, 4800);
    assert_int_equal(r->budget_line->adjusted_fen, 500000);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);
    /* _yuan and _wan contradicting a unit in parentheses, or given twice. */
    open_fails("line,final_yuan(万元)", RS__RECORD__BODY__NOT_SET,
               "列“final_yuan(万元)”：final_yuan 的单位是元，括号里却是万元");
    open_fails("line,final_yuan,final_wan", RS__RECORD__BODY__NOT_SET,
               "列“final_wan”重复（与“final_yuan”是同一列）");
    assert_false(rs_rowmap_fatal(NULL));
}

static void test_record_id(void **state)
{
    struct rs_rowmap *m;
    struct rs_verdict v;
    Rs__Record *r = NULL;
    struct cells c;

    (void)state;
    m = open_ok("record_id,household_ref,kind,amount,paid_date,supersedes");
    split(&c, "6f1c1a52-7d0e-4c8e-9a51-0c2b7f6d9e10,HH1,hardship,600,2023-12-01,");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_OK);
    assert_string_equal(r->id, "6f1c1a52-7d0e-4c8e-9a51-0c2b7f6d9e10");
    rs__record__free_unpacked(r, NULL);
    row_fails(m, "P-1,HH1,hardship,600,2023-12-01,", "record_id",
              "不是有效的UUID");
    row_fails(m, ",HH1,hardship,600,2023-12-01,not-a-uuid", "supersedes",
              "不是有效的UUID");
    /* No id: validated with a stand-in, returned without one. */
    r = row_ok(m, ",HH1,hardship,600,2023-12-01,");
    assert_null(r->id);
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);

    /* A spreadsheet's upper-case copy of an id is the same id, in its canonical form. */
    m = open_ok("记录编号,household_ref,kind,amount,paid_date,supersedes");
    split(&c, "6F1C1A52-7D0E-4C8E-9A51-0C2B7F6D9E10,HH1,hardship,600,2023-12-01,"
              "0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_OK);
    assert_string_equal(r->id, "6f1c1a52-7d0e-4c8e-9a51-0c2b7f6d9e10");
    assert_string_equal(r->supersedes, "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b");
    rs__record__free_unpacked(r, NULL);
    rs_rowmap_close(m);
}

/* A validation failure is reported against the column as the clerk wrote it. */
static void test_validation_mapped(void **state)
{
    struct rs_rowmap *m;
    struct rs_verdict v;
    Rs__Record *r = NULL;
    struct cells c;

    (void)state;
    m = open_ok("户编码,救助类别,金额(元),发放日期,乡镇代码");
    split(&c, "HH1,hardship,-5,2023-12-01,");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, "金额(元)");
    assert_string_equal(v.reason, "must be > 0");
    assert_string_equal(v.text, "金额（元）须大于0");
    split(&c, "HH1,hardship,5,2023-12-01,12345");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, "乡镇代码");
    assert_string_equal(v.text, "乡镇代码须为6位、9位或12位数字");
    rs_rowmap_close(m);

    /* A cross-field rule names the column too. */
    m = open_ok("信访编号,受理日期,办结日期,办理状态");
    split(&c, "XF1,2023-04-03,2023-04-01,办结");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, "办结日期");
    assert_string_equal(v.reason, "must not be before received_date");
    assert_string_equal(v.text, "办结日期不能早于受理日期");
    rs_rowmap_close(m);

    /* A body field with no column in the file is named by its Chinese label. */
    m = open_ok("信访编号,受理日期,办理状态");
    split(&c, "XF1,2023-04-03,办结");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, "办结日期");
    assert_string_equal(v.reason, "required when status is closed");
    assert_string_equal(v.text, "办理状态为办结时办结日期为必填项");
    rs_rowmap_close(m);

    /* Money in 万元 maps back to its column as well. */
    m = open_ok("project_id,name,category,planned_investment_wan,后扶资金(万元)");
    split(&c, "P1,桥,bridge,10,12");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, "planned_investment_wan");
    rs_rowmap_close(m);
}

/* ---------------------------------------------------------------- docs/csv.md */

struct doc_col {
    char name[64];
    char aliases[10][96];
    size_t naliases;
    bool required;
};

/* Copies the text between the first pair of backticks of cell into out. */
static bool backticked(const char *cell, size_t n, char *out, size_t cap)
{
    const char *a = memchr(cell, '`', n), *b;

    if (!a)
        return false;
    b = memchr(a + 1, '`', n - (size_t)(a + 1 - cell));
    if (!b || (size_t)(b - a - 1) >= cap)
        return false;
    memcpy(out, a + 1, (size_t)(b - a - 1));
    out[b - a - 1] = '\0';
    return true;
}

/* Parses "| `name` | 别名 / 别名 | kind | unit | yes | meaning |". */
static bool parse_doc_row(const char *line, struct doc_col *dc)
{
    const char *cell[7];
    size_t len[7], k = 0, i;
    const char *p = line;

    memset(dc, 0, sizeof *dc);
    if (strncmp(line, "| `", 3) != 0)
        return false;
    while (k < 7 && (p = strchr(p, '|')) != NULL) {
        const char *q = strchr(p + 1, '|');
        if (!q)
            break;
        cell[k] = p + 1;
        len[k] = (size_t)(q - p - 1);
        k++;
        p = q;
    }
    if (k < 5)
        return false;
    if (!backticked(cell[0], len[0], dc->name, sizeof dc->name))
        return false;
    /* Aliases are separated by " / ". */
    {
        const char *s = cell[1], *end = cell[1] + len[1];
        while (s < end && dc->naliases < 8) {
            const char *sep = s;
            size_t n;
            while (sep + 2 < end && !(sep[0] == ' ' && sep[1] == '/' && sep[2] == ' '))
                sep++;
            if (sep + 2 >= end)
                sep = end;
            while (s < sep && *s == ' ')
                s++;
            n = (size_t)(sep - s);
            while (n && s[n - 1] == ' ')
                n--;
            if (n && n < 64) {
                memcpy(dc->aliases[dc->naliases], s, n);
                dc->aliases[dc->naliases][n] = '\0';
                dc->naliases++;
            }
            s = sep + 3;
        }
    }
    for (i = 0; i + 3 <= len[4]; i++)
        if (memcmp(cell[4] + i, "yes", 3) == 0)
            dc->required = true;
    /* A money column is also accepted in 万元, by English and by Chinese name. */
    if (strncmp(cell[2], " money ", 7) == 0 && dc->naliases > 0) {
        static const char wan[] = "（万元）";
        size_t w = strlen(dc->name);
        char *dst = dc->aliases[dc->naliases++];

        memcpy(dst, dc->name, w);   /* name < 64, alias buffers are 96 */
        memcpy(dst + w, "_wan", 5);
        w = strlen(dc->aliases[0]);
        dst = dc->aliases[dc->naliases++];
        memcpy(dst, dc->aliases[0], w);
        memcpy(dst + w, wan, sizeof wan);
    }
    return true;
}

static rs_status try_open(rs_rtype t, char **cells, size_t n, char *err)
{
    struct rs_rowmap *m = NULL;
    rs_status rv = rs_rowmap_open(cells, n, t, &defaults, &m, err, ERRLEN);

    rs_rowmap_close(m);
    return rv;
}

/*
 * Every column docs/csv.md lists is accepted under every documented name,
 * and exactly the columns it marks required are required.
 */
static void check_doc_type(rs_rtype t, struct doc_col *cols, size_t n, struct doc_col *env,
                           size_t nenv)
{
    char *cells[MAX_CELLS];
    char err[ERRLEN];
    size_t i, j, k, nreq = 0;

    assert_true(n > 0);
    for (i = 0; i < n; i++)
        if (cols[i].required)
            cells[nreq++] = cols[i].name;
    cells[nreq] = "remarks";
    if (try_open(t, cells, nreq + 1, err) != RS_OK)
        fail_msg("%s: required columns alone: %s", rs_rtype_name(t), err);
    /* Leaving out any one of them is refused ("remarks" keeps the header non-empty). */
    for (i = 0; i < nreq; i++) {
        char *save = cells[i], *last = cells[nreq - 1];
        cells[i] = last;
        cells[nreq - 1] = "remarks";
        assert_int_equal(try_open(t, cells, nreq, err), RS_EINVAL);
        if (!strstr(err, "缺少必填列"))
            fail_msg("%s without %s: %s", rs_rtype_name(t), save, err);
        cells[nreq - 1] = last;
        cells[i] = save;
    }
    for (i = 0; i < n + nenv; i++) {
        struct doc_col *dc = i < n ? &cols[i] : &env[i - n];
        for (k = 0; k <= dc->naliases; k++) {
            size_t m = 0;
            for (j = 0; j < n; j++)
                if (cols[j].required && &cols[j] != dc)
                    cells[m++] = cols[j].name;
            cells[m++] = k == 0 ? dc->name : dc->aliases[k - 1];
            if (try_open(t, cells, m, err) != RS_OK)
                fail_msg("%s: documented column '%s': %s", rs_rtype_name(t), cells[m - 1], err);
        }
    }
}

/* Converts a ```csv block of docs/csv.md; want is the section's type, if any. */
static void check_example(FILE *f, rs_rtype want)
{
    static const struct rs_row_defaults unit = { "430602", 2023, 0, "张三", RS_MONEY_UNIT_NONE };
    struct rs_rowmap *m = NULL;
    struct rs_verdict v;
    Rs__Record *r;
    struct cells h, c;
    char line[1024], err[ERRLEN];
    size_t rows = 0;

    assert_non_null(fgets(line, sizeof line, f));
    line[strcspn(line, "\n")] = '\0';
    split(&h, line);
    if (rs_rowmap_open(h.v, h.n, RS__RECORD__BODY__NOT_SET, &defaults, &m, err, sizeof err))
        fail_msg("example header '%s': %s", line, err);
    if (want != RS__RECORD__BODY__NOT_SET)
        assert_int_equal(rs_rowmap_type(m), want);
    if (rs_rtype_is_unit_level(rs_rowmap_type(m))) {
        rs_rowmap_close(m);
        assert_int_equal(rs_rowmap_open(h.v, h.n, RS__RECORD__BODY__NOT_SET, &unit, &m, err,
                                        sizeof err),
                         RS_OK);
    }
    while (fgets(line, sizeof line, f) && strncmp(line, "```", 3) != 0) {
        line[strcspn(line, "\n")] = '\0';
        split(&c, line);
        r = NULL;
        if (rs_rowmap_row(m, c.v, c.n, &r, &v) != RS_OK)
            fail_msg("example row '%s': %s: %s", line, v.field, v.reason);
        rs__record__free_unpacked(r, NULL);
        rows++;
    }
    assert_true(rows > 0);
    rs_rowmap_close(m);
}

static void test_docs_match_code(void **state)
{
    static struct doc_col env[16], cols[40];
    size_t nenv = 0, n = 0, ntypes = 0, nexamples = 0, want_env = 0, want_types = 0;
    bool example_of[RS__RECORD__BODY_STATED_FIGURE + 1] = {false}, env_example = false;
    rs_rtype cur = RS__RECORD__BODY__NOT_SET;
    bool in_env = false, collecting = false;
    char line[1024];
    FILE *f;

    (void)state;
    f = fopen(RS_SOURCE_DIR "/docs/csv.md", "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "### ", 4) == 0 || strncmp(line, "## ", 3) == 0) {
            char word[64] = "";
            if (cur != RS__RECORD__BODY__NOT_SET) {
                check_doc_type(cur, cols, n, env, nenv);
                ntypes++;
            }
            cur = RS__RECORD__BODY__NOT_SET;
            in_env = false;
            collecting = false;
            n = 0;
            backticked(line, strlen(line), word, sizeof word);
            if (strcmp(word, "envelope") == 0)
                in_env = true;
            else if (word[0])
                cur = rs_rtype_parse(word);
            continue;
        }
        if (strncmp(line, "```csv", 6) == 0) {
            check_example(f, cur);
            if (cur == RS__RECORD__BODY__NOT_SET)
                env_example = true;
            else if ((size_t)cur < RS_NELEM(example_of) && !example_of[cur])
                nexamples++;
            if ((size_t)cur < RS_NELEM(example_of))
                example_of[cur] = true;
            continue;
        }
        if (strncmp(line, "| ", 2) == 0 && strncmp(line, "| `", 3) != 0) {
            collecting = strncmp(line, "| Column", 8) == 0;
            continue;
        }
        if (!collecting)
            continue;
        if (in_env && nenv < 16 && parse_doc_row(line, &env[nenv]))
            nenv++;
        else if (cur != RS__RECORD__BODY__NOT_SET && n < 40 && parse_doc_row(line, &cols[n]))
            n++;
    }
    if (cur != RS__RECORD__BODY__NOT_SET) {
        check_doc_type(cur, cols, n, env, nenv);
        ntypes++;
    }
    fclose(f);
    /* Every envelope column and every type has its table, and every type at
     * least one example (the envelope has one too). */
    rs_rtype_envelope(&want_env);
    while (rs_rtype_at(want_types))
        want_types++;
    assert_int_equal(nenv, want_env);
    assert_int_equal(ntypes, want_types);
    assert_int_equal(nexamples, want_types);
    assert_true(env_example);
}

/* ---------------------------------------------------------------- keyed identifiers */

/* The test district key: bytes 0, 1, ..., 31. */
static void test_key(uint8_t key[RS_DISTRICT_KEY_LEN])
{
    for (int i = 0; i < RS_DISTRICT_KEY_LEN; i++)
        key[i] = (uint8_t)i;
}

static struct rs_rowmap *open_keyed(const char *header, const uint8_t *key, char *err,
                                    size_t errlen, rs_status *rv)
{
    struct rs_rowmap *m = NULL;
    struct cells h;

    split(&h, header);
    *rv = rs_rowmap_open_keyed(h.v, h.n, RS__RECORD__BODY__NOT_SET, &defaults, key, &m, err,
                               errlen);
    return m;
}

static void test_keyed_ref_values(void **state)
{
    uint8_t key[RS_DISTRICT_KEY_LEN];
    char a[RS_KEYED_REF_LEN + 1], b[RS_KEYED_REF_LEN + 1];
    static const char id[] = "430602198001011230";

    (void)state;
    test_key(key);
    /* Known answers: HMAC-SHA256(key, "id:" / "name:" + normalized), first 16 bytes in hex. */
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_ID_CARD, id, strlen(id), a), RS_OK);
    assert_string_equal(a, "k1:5651de1c405789de9be5b57f99e68c84");
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_NAME, "张三", strlen("张三"), b), RS_OK);
    assert_string_equal(b, "k1:de21a514d6572ff05569f7f18ed95d97");
    /* Blanks anywhere (ASCII, U+3000), a lower-case x, and the old 15-digit form all match. */
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_ID_CARD, " 430602 19800101 1230\xe3\x80\x80",
                                         strlen(" 430602 19800101 1230\xe3\x80\x80"), b),
                     RS_OK);
    assert_string_equal(b, a);
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_ID_CARD, "430602800101123", 15, b), RS_OK);
    assert_string_equal(b, a);
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_ID_CARD, "43060219800101123x", 18, a),
                     RS_OK);
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_ID_CARD, "43060219800101123X", 18, b),
                     RS_OK);
    assert_string_equal(a, b);
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_NAME, "张　三", strlen("张　三"), b),
                     RS_OK);
    assert_string_equal(b, "k1:de21a514d6572ff05569f7f18ed95d97");
    /* The kind is part of the hash: a name never equals an ID. */
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_NAME, id, strlen(id), b), RS_OK);
    assert_string_not_equal(b, "k1:5651de1c405789de9be5b57f99e68c84");
    /* Another key, another reference. */
    key[0] ^= 1;
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_ID_CARD, id, strlen(id), b), RS_OK);
    assert_string_not_equal(b, "k1:5651de1c405789de9be5b57f99e68c84");
    /* Nothing to hash. */
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_NAME, "  ", 2, b), RS_EINVAL);
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_NAME, "\xff\xfe", 2, b), RS_EINVAL);
}

/* True if the packed record contains the bytes of s anywhere. */
static bool packed_contains(const Rs__Record *r, const char *s)
{
    uint8_t buf[4096];
    size_t n = rs__record__get_packed_size(r), k = strlen(s);

    assert_true(n <= sizeof buf);
    rs__record__pack(r, buf);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(buf + i, s, k) == 0)
            return true;
    return false;
}

static void test_identifier_columns_hashed(void **state)
{
    uint8_t key[RS_DISTRICT_KEY_LEN];
    struct rs_rowmap *m;
    struct rs_verdict v;
    Rs__Record *r;
    struct cells c;
    char err[ERRLEN], want[RS_KEYED_REF_LEN + 1];
    rs_status rv;

    (void)state;
    test_key(key);
    m = open_keyed("division_code,year,身份证号,户主姓名,village,kind,amount,paid_date", key, err,
                   sizeof err, &rv);
    assert_int_equal(rv, RS_OK);
    assert_int_equal(rs_rowmap_type(m), RS__RECORD__BODY_RELIEF);

    /* The ID card wins over the name; neither reaches the record. */
    split(&c, "430602001,2023,430602198001011230,王五,金鹗村,hardship,600,2023-12-20");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_OK);
    assert_string_equal(r->relief->household_ref, "k1:5651de1c405789de9be5b57f99e68c84");
    assert_false(packed_contains(r, "430602198001011230"));
    assert_false(packed_contains(r, "王五"));
    rs__record__free_unpacked(r, NULL);

    /* Another township, another year, the old 15-digit number: the same household. */
    split(&c, "430602002,2024,430602800101123,王五,洞庭村,hardship,600,2024-01-20");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_OK);
    assert_string_equal(r->relief->household_ref, "k1:5651de1c405789de9be5b57f99e68c84");
    rs__record__free_unpacked(r, NULL);

    /* No ID: the name is hashed. */
    assert_int_equal(rs_rowmap_keyed_ref(key, RS_IDENT_NAME, "王五", strlen("王五"), want),
                     RS_OK);
    split(&c, "430602001,2023,,王五,金鹗村,hardship,600,2023-12-20");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_OK);
    assert_string_equal(r->relief->household_ref, want);
    assert_false(packed_contains(r, "王五"));
    rs__record__free_unpacked(r, NULL);

    /* Neither: the row names the first identifier column. */
    split(&c, "430602001,2023,,,金鹗村,hardship,600,2023-12-20");
    assert_int_equal(rs_rowmap_row(m, c.v, c.n, &r, &v), RS_EINVAL);
    assert_null(r);
    assert_string_equal(v.field, "身份证号");
    assert_string_equal(v.text, "身份证号和户主姓名至少填一项");
    rs_rowmap_close(m);

    /* A name column alone is enough to detect relief. */
    m = open_keyed("户主姓名,救助类别,金额(元),发放日期", key, err, sizeof err, &rv);
    assert_int_equal(rv, RS_OK);
    assert_int_equal(rs_rowmap_type(m), RS__RECORD__BODY_RELIEF);
    rs_rowmap_close(m);
}

static void test_identifier_columns_refused(void **state)
{
    uint8_t key[RS_DISTRICT_KEY_LEN];
    struct rs_rowmap *m;
    char err[ERRLEN];
    rs_status rv;

    (void)state;
    test_key(key);
    /* Without the district key, an identifier column is refused by name. */
    m = open_keyed("户主姓名,kind,amount,paid_date", NULL, err, sizeof err, &rv);
    assert_int_equal(rv, RS_EINVAL);
    assert_null(m);
    assert_string_equal(err, "列“户主姓名”是个人身份信息，只能以加密摘要发送：请提供区县密钥"
                             "（--district-key 文件，或环境变量 RESETTLE_DISTRICT_KEY）");
    open_fails("household_id,kind,amount,paid_date", RS__RECORD__BODY__NOT_SET,
               "列“household_id”是个人身份信息，只能以加密摘要发送：请提供区县密钥"
               "（--district-key 文件，或环境变量 RESETTLE_DISTRICT_KEY）");
    /* A household code and an identifier at once: which one is meant? */
    m = open_keyed("household_ref,身份证号,kind,amount,paid_date", key, err, sizeof err, &rv);
    assert_int_equal(rv, RS_EINVAL);
    assert_string_equal(err, "列“household_ref”和“身份证号”都填写户编码：只保留其中一列");
    /* Identifier columns belong to relief only. */
    m = open_keyed("village,registered_persons,months,身份证号", key, err, sizeof err, &rv);
    assert_int_equal(rv, RS_EINVAL);
    assert_string_equal(err, "未知的列“身份证号”：直补记录没有这一列");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project),
        cmocka_unit_test(test_subsidy),
        cmocka_unit_test(test_training_chinese),
        cmocka_unit_test(test_relief),
        cmocka_unit_test(test_petition),
        cmocka_unit_test(test_survey),
        cmocka_unit_test(test_unit_profile),
        cmocka_unit_test(test_staffing),
        cmocka_unit_test(test_budget_line),
        cmocka_unit_test(test_san_gong),
        cmocka_unit_test(test_procurement),
        cmocka_unit_test(test_carry_over),
        cmocka_unit_test(test_fixed_assets),
        cmocka_unit_test(test_manual_score),
        cmocka_unit_test(test_stated_figure),
        cmocka_unit_test(test_detect_every_type),
        cmocka_unit_test(test_detect_relief_vs_san_gong),
        cmocka_unit_test(test_forced_type),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_header_forms),
        cmocka_unit_test(test_approximate_rejected),
        cmocka_unit_test(test_money_commas),
        cmocka_unit_test(test_every_bad_cell),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_bad_date),
        cmocka_unit_test(test_enums_and_bools),
        cmocka_unit_test(test_row_shape),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_money_unit_said),
        cmocka_unit_test(test_record_id),
        cmocka_unit_test(test_validation_mapped),
        cmocka_unit_test(test_docs_match_code),
        cmocka_unit_test(test_keyed_ref_values),
        cmocka_unit_test(test_identifier_columns_hashed),
        cmocka_unit_test(test_identifier_columns_refused),
    };

    return cmocka_run_group_tests_name("rowmap", tests, NULL, NULL);
}

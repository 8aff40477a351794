/*
 * test_rtype.c - the record-type table agrees with resettle.proto, and its
 * lookups give what the rest of resettle printed before it existed.
 *
 * Fails when: a member of rs.Record's body oneof has no entry (the
 * test-only rs.Probe aside); a field of a body message or of rs.Record has
 * no row, or a row no field, or they differ in order or kind; an enum a
 * record field uses lacks a display name for a value; two types share a
 * name or label.  rs_rtype_check itself is shown to catch each kind of
 * disagreement on broken copies of an entry.  Also pins the display names
 * and slugs of enum values to the strings the report prints (and says where
 * a slug differs), each type's display label and record-label field, and
 * rs_rtype_body; and shows that production code refuses rs.Probe
 * (test_rtype_probe.c registers it and shows it then works).
 *
 * Does not: test validation rules or natural keys (test_validate.c), or
 * CSV mapping (test_rowmap.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rs_rowmap.h"
#include "rs_rtype.h"
#include "rs_validate.h"

#define ERRLEN 256

/* The one body member that has no production entry, on purpose. */
#define TEST_ONLY_MEMBER "probe"

/* ---------------------------------------------------------------- proto vs table */

static void test_table_consistent(void **state)
{
    char err[ERRLEN];

    (void)state;
    if (rs_rtype_check_table(err, sizeof err) != RS_OK)
        fail_msg("%s", err);
}

static void test_every_member_has_an_entry(void **state)
{
    const ProtobufCMessageDescriptor *rd = &rs__record__descriptor;
    size_t members = 0, test_only = 0, entries = 0;

    (void)state;
    for (unsigned i = 0; i < rd->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &rd->fields[i];
        const struct rs_rtype_def *d;

        if (!(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        members++;
        d = rs_rtype_find((rs_rtype)fd->id);
        if (strcmp(fd->name, TEST_ONLY_MEMBER) == 0) {
            if (d)
                fail_msg("the test-only member %s has a production entry", fd->name);
            test_only++;
            continue;
        }
        if (!d)
            fail_msg("rs.Record.%s has no entry in proto/rs_rtype_table.c", fd->name);
        assert_string_equal(d->name, fd->name);
        assert_ptr_equal(d->desc, fd->descriptor);
    }
    while (rs_rtype_at(entries))
        entries++;
    /* Every entry is a member (rs_rtype_check), and every member but the test-only one
     * has one. */
    assert_int_equal(entries, members - test_only);
}

/* Every field of msg outside oneofs has the row at the same place, of a fitting kind. */
static void check_rows_follow(const char *what, const ProtobufCMessageDescriptor *desc,
                              const struct rs_field *rows, size_t n)
{
    size_t k = 0;

    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &desc->fields[i];

        if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;
        while (k < n && (rows[k].flags & RS_FF_CSV_ONLY))
            k++;
        if (k == n)
            fail_msg("%s: field %s has no row", what, fd->name);
        if (strcmp(rows[k].name, fd->name) != 0)
            fail_msg("%s: row %zu is %s, field %u is %s", what, k, rows[k].name, i, fd->name);
        if (!rs_fkind_fits(rows[k].kind, fd))
            fail_msg("%s.%s: the row's kind does not fit the field", what, fd->name);
        k++;
    }
    while (k < n && (rows[k].flags & RS_FF_CSV_ONLY))
        k++;
    if (k != n)
        fail_msg("%s: row %s has no field", what, rows[k].name);
}

static void test_rows_follow_fields(void **state)
{
    const struct rs_rtype_def *d;
    const struct rs_field *env;
    size_t nenv;

    (void)state;
    env = rs_rtype_envelope(&nenv);
    check_rows_follow("envelope", &rs__record__descriptor, env, nenv);
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++)
        check_rows_follow(d->name, d->desc, d->fields, d->nfields);
}

/* Every enum field's enum has a names table with a display name for every value. */
static void check_enum_names(const char *what, const ProtobufCMessageDescriptor *desc,
                             const struct rs_field *rows, size_t n, size_t *used)
{
    for (size_t i = 0; i < n; i++) {
        const ProtobufCFieldDescriptor *fd;
        const ProtobufCEnumDescriptor *ed;
        const struct rs_enum_names *e;

        if (rows[i].kind != RS_FK_ENUM)
            continue;
        fd = protobuf_c_message_descriptor_get_field_by_name(desc, rows[i].name);
        assert_non_null(fd);
        ed = fd->descriptor;
        e = rs_enum_find(ed);
        if (!e)
            fail_msg("%s.%s: enum %s has no names", what, rows[i].name, ed->name);
        for (size_t k = 0; rs_enum_at(k); k++)
            if (rs_enum_at(k) == e)
                used[k] = 1;
        for (unsigned v = 0; v < ed->n_values; v++) {
            int value = ed->values[v].value;

            if (rs_enum_display(ed, value)[0] == '\0')
                fail_msg("%s: %s has no display name", ed->name, ed->values[v].name);
            if (value != 0 && rs_enum_aliases(ed, value)[0] == '\0')
                fail_msg("%s: %s has no CSV alias", ed->name, ed->values[v].name);
        }
    }
}

static void test_every_enum_value_named(void **state)
{
    size_t used[32] = {0}, nenums = 0, nenv;
    const struct rs_field *env = rs_rtype_envelope(&nenv);
    const struct rs_rtype_def *d;

    (void)state;
    while (rs_enum_at(nenums))
        nenums++;
    assert_true(nenums <= sizeof used / sizeof used[0]);
    check_enum_names("envelope", &rs__record__descriptor, env, nenv, used);
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++)
        check_enum_names(d->name, d->desc, d->fields, d->nfields, used);
    /* And no names table is left over from an enum nothing uses. */
    for (size_t k = 0; k < nenums; k++)
        if (!used[k])
            fail_msg("names table of %s is used by no field", rs_enum_at(k)->desc->name);
}

/* ---------------------------------------------------------------- the check catches */

/* A writable copy of the project entry, with a writable copy of its rows. */
static struct rs_field rows[64];
static struct rs_rtype_def copy;

static void copy_project(void)
{
    const struct rs_rtype_def *d = rs_rtype_find(RS__RECORD__BODY_PROJECT);

    assert_non_null(d);
    assert_true(d->nfields <= sizeof rows / sizeof rows[0]);
    copy = *d;
    memcpy(rows, d->fields, d->nfields * sizeof rows[0]);
    copy.fields = rows;
}

static void check_fails(const char *want)
{
    char err[ERRLEN];

    assert_int_equal(rs_rtype_check(&copy, err, sizeof err), RS_EINVAL);
    if (!strstr(err, want))
        fail_msg("rs_rtype_check said \"%s\"; want \"%s\"", err, want);
}

static void test_check_catches(void **state)
{
    char err[ERRLEN];
    struct rs_field f;

    (void)state;
    copy_project();
    assert_int_equal(rs_rtype_check(&copy, err, sizeof err), RS_OK);

    copy.nfields--;                                   /* the last field has no row */
    check_fails("field publicity_done has no row");
    copy_project();
    f = rows[1];                                      /* two rows swapped */
    rows[1] = rows[2];
    rows[2] = f;
    check_fails("row 1 is village, the field is plan_doc_no");
    copy_project();
    rows[8].kind = RS_FK_COUNT;                       /* money row as a count */
    check_fails("project.planned_investment_fen: kind does not fit");
    copy_project();
    rows[3].aliases = "项目编号";                      /* an alias used twice */
    check_fails("alias '项目编号' of project_id is empty or named twice");
    copy_project();
    rows[0].column = "year";                          /* clashes with the envelope */
    check_fails("column year is named twice");
    copy_project();
    copy.type = RS__RECORD__BODY_RELIEF;              /* another member's case */
    check_fails("oneof case or message descriptor");
    copy_project();
    copy.name = "projects";
    check_fails("rs.Record has no body member of that name");
    copy_project();
    copy.key[0].field = "content_missing";
    check_fails("key part content_missing");
    copy_project();
    copy.has[0] = "item_id";
    check_fails("detection column item_id");
    copy_project();
    copy.label_field = "scale_qty_milli";
    check_fails("label field scale_qty_milli");
    copy_project();
    rows[2].flags |= RS_FF_ID_CARD;                   /* an identifier that is a field */
    check_fails("an identifier column must be CSV-only");
}

/* ---------------------------------------------------------------- what the report prints */

static void test_display_names_are_the_reports(void **state)
{
    /* server/eval/rs_eval_names.c cat_names, line_names, rkind_names,
     * sangong_names and server/report/rs_render.c stage_name, train_type. */
    static const char *const cat[] = {"未分类", "道路硬化", "山塘", "渠道", "饮水", "污水管网",
                                      "桥梁", "电网", "产业", "美丽家园", "能力建设", "其他"};
    static const char *const line[] = {NULL, "人员经费", "公用经费", "项目支出", "政府性基金",
                                       "国有资本经营", "社会保险基金", "合计"};
    static const char *const rkind[] = {"未分类", "特困救助", "升学奖励", "年终慰问", "其他救助"};
    static const char *const sangong[] = {NULL, "因公出国（境）费", "公务接待费", "公务用车购置费",
                                          "公务用车运行维护费", "“三公”经费合计"};
    static const char *const stage[] = {"未填", "计划", "公示", "招标", "在建",
                                        "完工", "初验", "竣工验收", "移交管护"};
    static const char *const train[] = {"未填", "技能培训", "实用技术", "自主培训",
                                        "学历教育资助"};
    const struct {
        const ProtobufCEnumDescriptor *ed;
        const char *const *names;
        size_t n;
    } want[] = {
        {&rs__project_category__descriptor, cat, RS_NELEM(cat)},
        {&rs__budget_line_kind__descriptor, line, RS_NELEM(line)},
        {&rs__relief_kind__descriptor, rkind, RS_NELEM(rkind)},
        {&rs__san_gong_kind__descriptor, sangong, RS_NELEM(sangong)},
        {&rs__project_stage__descriptor, stage, RS_NELEM(stage)},
        {&rs__training_type__descriptor, train, RS_NELEM(train)},
    };

    (void)state;
    for (size_t i = 0; i < RS_NELEM(want); i++) {
        assert_int_equal(want[i].ed->n_values, want[i].n);
        for (size_t v = 0; v < want[i].n; v++) {
            /* NULL: the report never prints that value (the line and san_gong
             * lists start at 1); the table says 未填. */
            const char *w = want[i].names[v] ? want[i].names[v] : "未填";

            assert_string_equal(rs_enum_display(want[i].ed, (int)v), w);
        }
    }
    assert_string_equal(rs_enum_display(&rs__project_category__descriptor, 99), "");
    assert_string_equal(rs_enum_display(&rs__role__descriptor, 1), "");
}

static void test_slugs_are_the_reports(void **state)
{
    /* server/report/rs_report_slug.c cat_slugs, line_slugs, rkind_slugs,
     * sangong_slugs (and server/eval/rs_eval_stated.c line_keys). */
    static const char *const cat[] = {"unspecified", "road",     "pond",     "canal",
                                      "water",       "sewer",    "bridge",   "grid",
                                      "industry",    "village",  "capacity", "other"};
    static const char *const line[] = {"", "personnel", "public", "project", "gov_fund",
                                       "state_capital", "social_insurance", "total"};
    static const char *const rkind[] = {"unspecified", "hardship", "study_award", "new_year",
                                        "other"};
    static const char *const sangong[] = {"", "outbound", "reception", "vehicle_purchase",
                                          "vehicle_upkeep", "total"};
    const struct {
        const ProtobufCEnumDescriptor *ed;
        const char *const *slugs;
        size_t n;
    } want[] = {
        {&rs__project_category__descriptor, cat, RS_NELEM(cat)},
        {&rs__budget_line_kind__descriptor, line, RS_NELEM(line)},
        {&rs__relief_kind__descriptor, rkind, RS_NELEM(rkind)},
        {&rs__san_gong_kind__descriptor, sangong, RS_NELEM(sangong)},
    };
    char slug[RS_ENUM_SLUG_MAX];

    (void)state;
    for (size_t i = 0; i < RS_NELEM(want); i++) {
        for (size_t v = 0; v < want[i].n; v++) {
            /* The only difference: the report's lists have "" where value 0 is
             * never written (lines and san_gong start at 1). */
            const char *w = want[i].slugs[v][0] ? want[i].slugs[v] : "unspecified";

            assert_string_equal(rs_enum_slug(want[i].ed, (int)v, slug), w);
        }
    }
    assert_string_equal(rs_enum_slug(&rs__project_stage__descriptor,
                                     RS__PROJECT_STAGE__STAGE_PRELIM_ACCEPTED, slug),
                        "prelim_accepted");
    assert_string_equal(rs_enum_slug(&rs__project_stage__descriptor, 42, slug), "");
}

static void test_enum_parse(void **state)
{
    const ProtobufCEnumDescriptor *cat = &rs__project_category__descriptor;
    int v = -1;

    (void)state;
    assert_true(rs_enum_parse(cat, "Road", 4, &v));
    assert_int_equal(v, RS__PROJECT_CATEGORY__CAT_ROAD);
    assert_true(rs_enum_parse(cat, "沟渠", strlen("沟渠"), &v));
    assert_int_equal(v, RS__PROJECT_CATEGORY__CAT_CANAL);
    /* Not NUL-terminated: only s[0..n) counts. */
    assert_true(rs_enum_parse(cat, "pondx", 4, &v));
    assert_int_equal(v, RS__PROJECT_CATEGORY__CAT_POND);
    assert_false(rs_enum_parse(cat, "unspecified", 11, &v));
    assert_false(rs_enum_parse(cat, "未分类", strlen("未分类"), &v));
    assert_false(rs_enum_parse(cat, "", 0, &v));
    /* A display name is not an alias unless the table says so. */
    assert_false(rs_enum_parse(&rs__relief_kind__descriptor, "其他救助", strlen("其他救助"), &v));
    assert_true(rs_enum_parse(&rs__relief_kind__descriptor, "其他", strlen("其他"), &v));
    assert_int_equal(v, RS__RELIEF_KIND__RKIND_OTHER);
}

/* ---------------------------------------------------------------- types */

static void test_labels_and_names(void **state)
{
    /* rs_eval_rec_label's type words (server/eval/rs_eval_names.c), as the
     * report prints them. */
    static const struct {
        rs_rtype t;
        const char *label, *label_field;
        bool central;
    } want[] = {
        {RS__RECORD__BODY_PROJECT, "项目", "project_id", false},
        {RS__RECORD__BODY_SUBSIDY, "直补", "village", false},
        {RS__RECORD__BODY_TRAINING, "培训", "batch_id", false},
        {RS__RECORD__BODY_RELIEF, "救助", "household_ref", false},
        {RS__RECORD__BODY_PETITION, "信访", "case_id", false},
        {RS__RECORD__BODY_SURVEY, "满意度调查", "survey_id", false},
        {RS__RECORD__BODY_NIL_RETURN, "零报告", "record_type", false},
        {RS__RECORD__BODY_UNIT_PROFILE, "单位概况", NULL, true},
        {RS__RECORD__BODY_STAFFING, "人员编制", "sub_unit", true},
        {RS__RECORD__BODY_BUDGET_LINE, "预算行", "line", true},
        {RS__RECORD__BODY_SAN_GONG, "三公经费", "kind", true},
        {RS__RECORD__BODY_PROCUREMENT, "政府采购", NULL, true},
        {RS__RECORD__BODY_CARRY_OVER, "结转结余", NULL, true},
        {RS__RECORD__BODY_FIXED_ASSETS, "固定资产", NULL, true},
        {RS__RECORD__BODY_MANUAL_SCORE, "人工评分", "indicator", true},
        {RS__RECORD__BODY_STATED_FIGURE, "报告所载数字", "key", true},
    };

    (void)state;
    for (size_t i = 0; i < RS_NELEM(want); i++) {
        const struct rs_rtype_def *d = rs_rtype_at(i);

        assert_non_null(d);
        assert_int_equal(d->type, want[i].t);
        assert_string_equal(rs_rtype_label(want[i].t), want[i].label);
        if (want[i].label_field)
            assert_string_equal(d->label_field, want[i].label_field);
        else
            assert_null(d->label_field);
        assert_int_equal(rs_rtype_is_unit_level(want[i].t), want[i].central);
        assert_int_equal(rs_rtype_is_township(want[i].t), !want[i].central);
        assert_int_equal(rs_rtype_parse(d->name), want[i].t);
        assert_int_equal(rs_rtype_parse(d->label), want[i].t);
    }
    assert_null(rs_rtype_at(RS_NELEM(want)));
    assert_null(rs_rtype_find(RS__RECORD__BODY__NOT_SET));
    assert_false(rs_rtype_is_township(RS__RECORD__BODY__NOT_SET));
}

/* The test-only rs.Probe has no production entry: validation, keys and the
 * row mapper refuse it as a type they do not know. */
static void test_probe_refused(void **state)
{
    static char c0[] = "probe_id", c1[] = "visits";
    char *header[] = {c0, c1};
    const struct rs_row_defaults defaults = {"430602001", 2023, 0, NULL, RS_MONEY_UNIT_NONE};
    struct rs_rowmap *m = NULL;
    struct rs_verdict v;
    Rs__Record r;
    Rs__Probe p;
    char key[64], err[ERRLEN];

    (void)state;
    rs__record__init(&r);
    rs__probe__init(&p);
    r.id = "3f2b8c1e-6a4d-4f0b-9c2e-1d5a7b9e0f12";
    r.division_code = "430602001";
    r.has_year = 1;
    r.year = 2023;
    r.has_period = 1;
    r.period = RS__PERIOD__PERIOD_YEAR;
    r.body_case = RS__RECORD__BODY_PROBE;
    r.probe = &p;
    p.probe_id = "PR-1";
    assert_int_equal(rs_validate_record(&r, &v), RS_EINVAL);
    assert_string_equal(v.field, "body");
    assert_int_equal(rs_record_key(&r, key, sizeof key), RS_EINVAL);
    assert_string_equal(rs_rtype_name(RS__RECORD__BODY_PROBE), "unknown");
    assert_int_equal(rs_rtype_parse("probe"), RS__RECORD__BODY__NOT_SET);
    assert_ptr_equal(rs_rtype_body(&r), &p.base);     /* generic: any member */
    assert_int_equal(rs_rowmap_open(header, 2, RS__RECORD__BODY__NOT_SET, &defaults, &m, err,
                                    sizeof err),
                     RS_ENOTFOUND);
    assert_non_null(strstr(err, "无法从表头判断记录类型"));
    assert_int_equal(rs_rowmap_open(header, 2, RS__RECORD__BODY_PROBE, &defaults, &m, err,
                                    sizeof err),
                     RS_EINVAL);
    assert_string_equal(err, "未知的记录类型（1000）");
    assert_null(m);
}

static void test_body_and_label_key(void **state)
{
    Rs__Record r;
    Rs__Project p;
    Rs__BudgetLine b;
    Rs__Staffing s;

    (void)state;
    rs__record__init(&r);
    assert_null(rs_rtype_body(&r));
    assert_null(rs_rtype_body(NULL));
    assert_null(rs_record_label_key(&r));

    rs__project__init(&p);
    r.body_case = RS__RECORD__BODY_PROJECT;
    r.project = &p;
    assert_ptr_equal(rs_rtype_body(&r), &p.base);
    assert_null(rs_record_label_key(&r));             /* no project_id: no key */
    p.project_id = "";
    assert_null(rs_record_label_key(&r));
    p.project_id = "P-2023-001";
    assert_string_equal(rs_record_label_key(&r), "P-2023-001");
    r.project = NULL;
    assert_null(rs_rtype_body(&r));
    assert_null(rs_record_label_key(&r));

    rs__budget_line__init(&b);
    r.body_case = RS__RECORD__BODY_BUDGET_LINE;
    r.budget_line = &b;
    assert_ptr_equal(rs_rtype_body(&r), &b.base);
    assert_null(rs_record_label_key(&r));             /* line absent */
    b.has_line = 1;
    assert_null(rs_record_label_key(&r));             /* line unspecified */
    b.line = RS__BUDGET_LINE_KIND__LINE_PROJECT;
    assert_string_equal(rs_record_label_key(&r), "项目支出");

    rs__staffing__init(&s);
    r.body_case = RS__RECORD__BODY_STAFFING;
    r.staffing = &s;
    assert_ptr_equal(rs_rtype_body(&r), &s.base);
    assert_null(rs_record_label_key(&r));             /* one per division and year */

    r.body_case = (rs_rtype)30;                       /* no such member */
    assert_null(rs_rtype_body(&r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_every_member_has_an_entry),
        cmocka_unit_test(test_rows_follow_fields),
        cmocka_unit_test(test_every_enum_value_named),
        cmocka_unit_test(test_check_catches),
        cmocka_unit_test(test_display_names_are_the_reports),
        cmocka_unit_test(test_slugs_are_the_reports),
        cmocka_unit_test(test_enum_parse),
        cmocka_unit_test(test_labels_and_names),
        cmocka_unit_test(test_body_and_label_key),
        cmocka_unit_test(test_probe_refused),
    };

    return cmocka_run_group_tests_name("rtype", tests, NULL, NULL);
}

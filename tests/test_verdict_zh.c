/*
 * test_verdict_zh.c - every way a record can fail validation gives the clerk
 * a reason in Chinese (struct rs_verdict.text).
 *
 * For every record type of the table (and the envelope) a record is built
 * from the rows alone: every field given a valid value of its kind, so it
 * passes.  Then each field is broken in every way its kind and flags allow
 * (required and left out, too long, not UTF-8, a control character, an
 * unknown enum value, not a calendar date, negative, past its cap, ...),
 * and each cross-field rule of the table is broken by the cases below.  Every
 * verdict must carry a text that is valid UTF-8, holds a CJK character and
 * no ASCII word of three letters or more but UUID, UTF(-8) and YYYY(-MM-DD).
 * A row of the table with a rule that has no case here fails the test, so a
 * new rule cannot come without its Chinese.
 *
 * Does not: check the English reasons or the exact field of each verdict
 * (test_validate.c does), or the client's own cell messages (test_rowmap.c).
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

#include "rs_rtype.h"
#include "rs_util.h"
#include "rs_validate.h"
#include "rs_wire.h"

#define VALID_ID "3f2b8c1e-6a4d-4f0b-9c2e-1d5a7b9e0f12"
#define TOWNSHIP "430602001"
#define DISTRICT "430602"

/* ---------------------------------------------------------------- the text */

/* The next code point of s (valid UTF-8) at *i. */
static uint32_t next_cp(const char *s, size_t *i)
{
    const uint8_t *p = (const uint8_t *)s + *i;
    uint32_t cp;
    size_t n;

    if (p[0] < 0x80) {
        cp = p[0];
        n = 1;
    } else if (p[0] < 0xe0) {
        cp = p[0] & 0x1fu;
        n = 2;
    } else if (p[0] < 0xf0) {
        cp = p[0] & 0x0fu;
        n = 3;
    } else {
        cp = p[0] & 0x07u;
        n = 4;
    }
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (p[k] & 0x3fu);
    *i += n;
    return cp;
}

static bool allowed_word(const char *w, size_t n)
{
    static const char *const ok[] = {"UUID", "UTF", "YYYY"};

    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i]) == n && memcmp(ok[i], w, n) == 0)
            return true;
    return false;
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Fails unless text is what a clerk can read: see the header. */
static void check_text(const char *what, const struct rs_verdict *v)
{
    const char *t = v->text;
    size_t n = strlen(t), i = 0;
    bool cjk = false;

    if (n == 0)
        fail_msg("%s: %s: \"%s\" has no Chinese text", what, v->field, v->reason);
    if (!rs_utf8_valid(t, n))
        fail_msg("%s: %s: text is not valid UTF-8", what, v->field);
    while (i < n) {
        uint32_t cp = next_cp(t, &i);

        if ((cp >= 0x3400 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff))
            cjk = true;
    }
    if (!cjk)
        fail_msg("%s: %s: text \"%s\" has no Chinese character", what, v->field, t);
    for (i = 0; i < n;) {
        size_t k = i;

        while (k < n && is_letter(t[k]))
            k++;
        if (k - i >= 3 && !allowed_word(t + i, k - i))
            fail_msg("%s: %s: text \"%s\" has the English word \"%.*s\"", what, v->field, t,
                     (int)(k - i), t + i);
        i = k > i ? k : i + 1;
    }
}

/* ---------------------------------------------------------------- a record from the rows */

/* One record of a type, with its body; strings point at literals or long[]. */
struct rec {
    Rs__Record r;
    const struct rs_rtype_def *d;
    void *body;
};

static char long_text[RS_MAX_TEXT_BYTES + 2];

static char *lit(const char *s)
{
    return (char *)(uintptr_t)s;
}

/* The first value of fd's enum other than 0. */
static int first_value(const ProtobufCFieldDescriptor *fd)
{
    const ProtobufCEnumDescriptor *ed = fd->descriptor;

    for (unsigned i = 0; i < ed->n_values; i++)
        if (ed->values[i].value != 0)
            return ed->values[i].value;
    return 1;
}

static void set_has(void *msg, const ProtobufCFieldDescriptor *fd, bool has)
{
    protobuf_c_boolean b = has;

    memcpy((char *)msg + fd->quantifier_offset, &b, sizeof b);
}

static void set_u32(void *msg, const ProtobufCFieldDescriptor *fd, uint32_t x)
{
    memcpy((char *)msg + fd->offset, &x, sizeof x);
    set_has(msg, fd, true);
}

static void set_i64(void *msg, const ProtobufCFieldDescriptor *fd, int64_t x)
{
    memcpy((char *)msg + fd->offset, &x, sizeof x);
    set_has(msg, fd, true);
}

static void set_int(void *msg, const ProtobufCFieldDescriptor *fd, int x)
{
    memcpy((char *)msg + fd->offset, &x, sizeof x);
    set_has(msg, fd, true);
}

static void set_str(void *msg, const ProtobufCFieldDescriptor *fd, const char *s)
{
    char *p = lit(s);

    memcpy((char *)msg + fd->offset, &p, sizeof p);
}

/* Gives field fd of msg (row f) a valid value of its kind. */
static void set_valid(void *msg, const ProtobufCFieldDescriptor *fd, const struct rs_field *f)
{
    bool pos = (f->flags & RS_FF_POSITIVE) != 0;

    switch (f->kind) {
    case RS_FK_STRING:
    case RS_FK_TEXT:
        set_str(msg, fd, (f->flags & RS_FF_UUID) ? VALID_ID : "甲");
        break;
    case RS_FK_CODE:
        set_str(msg, fd, "c1.2");
        break;
    case RS_FK_ENUM:
        set_int(msg, fd, first_value(fd));
        break;
    case RS_FK_DATE:
        set_u32(msg, fd, 20230101);
        break;
    case RS_FK_COUNT:
        set_u32(msg, fd, pos ? 1 : 0);
        break;
    case RS_FK_PERCENT:
        set_u32(msg, fd, 0);
        break;
    case RS_FK_MONTHS:
        set_u32(msg, fd, 12);
        break;
    case RS_FK_YEAR:
        set_u32(msg, fd, 2023);
        break;
    case RS_FK_MONEY:
    case RS_FK_QUANTITY:
    case RS_FK_SCORE:
        set_i64(msg, fd, pos ? 100 : 0);
        break;
    case RS_FK_BOOL:
        set_int(msg, fd, 0);
        break;
    }
}

/* The descriptor field of each row of rows[0..n) in desc, walked as rs_validate does. */
static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessageDescriptor *desc,
                                                const struct rs_field *f)
{
    return protobuf_c_message_descriptor_get_field_by_name(desc, f->name);
}

/* Fills every field of msg from its rows. */
static void fill(void *msg, const ProtobufCMessageDescriptor *desc, const struct rs_field *rows,
                 size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ProtobufCFieldDescriptor *fd;

        if (rows[i].flags & RS_FF_CSV_ONLY)
            continue;
        fd = field_of(desc, &rows[i]);
        assert_non_null(fd);
        set_valid(msg, fd, &rows[i]);
    }
}

/* A valid record of d in x: its envelope and body filled from the rows. */
static void make(struct rec *x, const struct rs_rtype_def *d)
{
    const ProtobufCFieldDescriptor *member;
    const struct rs_field *env;
    size_t nenv;

    free(x->body);
    memset(x, 0, sizeof *x);
    rs__record__init(&x->r);
    env = rs_rtype_envelope(&nenv);
    fill(&x->r, &rs__record__descriptor, env, nenv);
    x->r.supersedes = NULL;                  /* none: an id of its own would be refused */
    x->r.division_code = lit(d->level == RS_LEVEL_TOWNSHIP ? TOWNSHIP : DISTRICT);
    x->d = d;
    x->body = malloc(d->desc->sizeof_message);
    assert_non_null(x->body);
    protobuf_c_message_init(d->desc, x->body);
    fill(x->body, d->desc, d->fields, d->nfields);
    member = protobuf_c_message_descriptor_get_field_by_name(&rs__record__descriptor, d->name);
    assert_non_null(member);
    memcpy((char *)&x->r + member->offset, &x->body, sizeof x->body);
    x->r.body_case = d->type;
}

static void expect_ok(struct rec *x)
{
    struct rs_verdict v;

    if (rs_validate_record(&x->r, &v) != RS_OK)
        fail_msg("%s: the record built from the rows fails: %s: %s", x->d->name, v.field,
                 v.reason);
}

/* Validates x, which must fail, and checks the verdict's text. */
static void expect_zh(struct rec *x, const char *what)
{
    struct rs_verdict v;

    if (rs_validate_record(&x->r, &v) == RS_OK)
        fail_msg("%s: %s: the broken record passes", x->d->name, what);
    check_text(what, &v);
}

/* ---------------------------------------------------------------- every field kind */

/* Why a value breaks a row, for the messages. */
struct breakage {
    const char *what;
    void (*apply)(void *msg, const ProtobufCFieldDescriptor *fd);
};

static void b_absent(void *msg, const ProtobufCFieldDescriptor *fd)
{
    if (fd->type == PROTOBUF_C_TYPE_STRING)
        set_str(msg, fd, NULL);
    else
        set_has(msg, fd, false);
}
static void b_empty(void *msg, const ProtobufCFieldDescriptor *fd) { set_str(msg, fd, ""); }
static void b_control(void *msg, const ProtobufCFieldDescriptor *fd) { set_str(msg, fd, "a\001b"); }
static void b_not_utf8(void *msg, const ProtobufCFieldDescriptor *fd) { set_str(msg, fd, "a\377"); }
/* long_text as n letters. */
static void b_long(void *msg, const ProtobufCFieldDescriptor *fd, size_t n)
{
    memset(long_text, 'x', n);
    long_text[n] = '\0';
    set_str(msg, fd, long_text);
}
static void b_long_string(void *msg, const ProtobufCFieldDescriptor *fd)
{
    b_long(msg, fd, RS_MAX_STRING_BYTES + 1);
}
static void b_long_text(void *msg, const ProtobufCFieldDescriptor *fd)
{
    b_long(msg, fd, RS_MAX_TEXT_BYTES + 1);
}
static void b_long_code(void *msg, const ProtobufCFieldDescriptor *fd) { b_long(msg, fd, 65); }
static void b_code_chars(void *msg, const ProtobufCFieldDescriptor *fd) { set_str(msg, fd, "C1!"); }
static void b_not_uuid(void *msg, const ProtobufCFieldDescriptor *fd) { set_str(msg, fd, "x-1"); }
static void b_upper_uuid(void *msg, const ProtobufCFieldDescriptor *fd)
{
    set_str(msg, fd, "3F2B8C1E-6A4D-4F0B-9C2E-1D5A7B9E0F12");
}
static void b_enum_zero(void *msg, const ProtobufCFieldDescriptor *fd) { set_int(msg, fd, 0); }
static void b_enum_unknown(void *msg, const ProtobufCFieldDescriptor *fd) { set_int(msg, fd, 999); }
static void b_bad_date(void *msg, const ProtobufCFieldDescriptor *fd) { set_u32(msg, fd, 20230230); }
static void b_u32_zero(void *msg, const ProtobufCFieldDescriptor *fd) { set_u32(msg, fd, 0); }
static void b_u32_13(void *msg, const ProtobufCFieldDescriptor *fd) { set_u32(msg, fd, 13); }
static void b_u32_101(void *msg, const ProtobufCFieldDescriptor *fd) { set_u32(msg, fd, 101); }
static void b_u32_1999(void *msg, const ProtobufCFieldDescriptor *fd) { set_u32(msg, fd, 1999); }
static void b_u32_huge(void *msg, const ProtobufCFieldDescriptor *fd)
{
    set_u32(msg, fd, 10000001u);
}
static void b_i64_neg(void *msg, const ProtobufCFieldDescriptor *fd) { set_i64(msg, fd, -1); }
static void b_i64_zero(void *msg, const ProtobufCFieldDescriptor *fd) { set_i64(msg, fd, 0); }
static void b_i64_huge(void *msg, const ProtobufCFieldDescriptor *fd)
{
    set_i64(msg, fd, INT64_C(1000000000000000) + 1);
}

#define MAX_BREAKS 8

/* The breakages that apply to row f: at least one for every row but a bool. */
static size_t breakages(const struct rs_field *f, struct breakage *out)
{
    size_t n = 0;

#define ADD(w, fn) (out[n].what = (w), out[n].apply = (fn), n++)
    if (f->flags & RS_FF_REQUIRED)
        ADD("left out", b_absent);
    switch (f->kind) {
    case RS_FK_STRING:
    case RS_FK_CODE:
    case RS_FK_TEXT:
        if (f->flags & RS_FF_REQUIRED)
            ADD("empty", b_empty);
        ADD("not UTF-8", b_not_utf8);
        ADD("control character", b_control);
        ADD("too long", f->kind == RS_FK_TEXT ? b_long_text : b_long_string);
        if (f->kind == RS_FK_CODE) {
            ADD("code too long", b_long_code);
            ADD("code characters", b_code_chars);
        }
        if (f->flags & RS_FF_UUID) {
            ADD("not a UUID", b_not_uuid);
            ADD("upper-case UUID", b_upper_uuid);
        }
        break;
    case RS_FK_ENUM:
        ADD("unspecified", b_enum_zero);
        ADD("unknown value", b_enum_unknown);
        break;
    case RS_FK_DATE:
        ADD("not a date", b_bad_date);
        break;
    case RS_FK_COUNT:
        if (f->flags & RS_FF_POSITIVE)
            ADD("zero", b_u32_zero);
        ADD("over the cap", b_u32_huge);
        break;
    case RS_FK_PERCENT:
        ADD("over 100", b_u32_101);
        break;
    case RS_FK_MONTHS:
        ADD("zero months", b_u32_zero);
        ADD("13 months", b_u32_13);
        break;
    case RS_FK_YEAR:
        ADD("before 2000", b_u32_1999);
        break;
    case RS_FK_MONEY:
    case RS_FK_QUANTITY:
    case RS_FK_SCORE:
        if (f->flags & RS_FF_POSITIVE)
            ADD("zero", b_i64_zero);
        ADD("negative", b_i64_neg);
        ADD("over the cap", b_i64_huge);
        break;
    case RS_FK_BOOL:
        break;
    }
#undef ADD
    assert_true(n <= MAX_BREAKS);
    return n;
}

/* Every breakage of every row of rows[0..n) (the envelope when on_record). */
static void break_rows(const struct rs_rtype_def *d, const struct rs_field *rows, size_t n,
                       bool on_record, size_t *tried)
{
    struct rec x = {0};

    for (size_t i = 0; i < n; i++) {
        struct breakage b[MAX_BREAKS];
        size_t nb;

        if (rows[i].flags & RS_FF_CSV_ONLY)
            continue;
        nb = breakages(&rows[i], b);
        for (size_t k = 0; k < nb; k++) {
            char what[160];
            const ProtobufCFieldDescriptor *fd;

            make(&x, d);
            fd = field_of(on_record ? &rs__record__descriptor : d->desc, &rows[i]);
            b[k].apply(on_record ? (void *)&x.r : x.body, fd);
            snprintf(what, sizeof what, "%s.%s %s", on_record ? "record" : d->name,
                     rows[i].name, b[k].what);
            expect_zh(&x, what);
            (*tried)++;
        }
    }
    free(x.body);
}

static void test_every_field_kind(void **state)
{
    const struct rs_rtype_def *d;
    const struct rs_field *env;
    size_t nenv, tried = 0;
    struct rec x = {0};

    (void)state;
    env = rs_rtype_envelope(&nenv);
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        make(&x, d);
        expect_ok(&x);
        break_rows(d, d->fields, d->nfields, false, &tried);
    }
    break_rows(rs_rtype_at(0), env, nenv, true, &tried);
    assert_true(tried > 100);

    /* No body, and no record. */
    make(&x, rs_rtype_at(0));
    x.r.body_case = RS__RECORD__BODY__NOT_SET;
    expect_zh(&x, "no body");
    {
        struct rs_verdict v;

        assert_int_equal(rs_validate_record(NULL, &v), RS_EINVAL);
        check_text("no record", &v);
    }
    free(x.body);
}

/* ---------------------------------------------------------------- every rule */

/* Breaks one cross-field rule: the row it sits on, and a change to a valid record. */
struct rule_case {
    const char *row;      /* "<type>.<field>" of the row naming the rule, or an envelope field */
    void (*apply)(struct rec *x);
};

static void c_supersedes(struct rec *x) { x->r.supersedes = x->r.id; }
static void c_division_digits(struct rec *x) { x->r.division_code = lit("43060"); }
static void c_division_township(struct rec *x) { x->r.division_code = lit(DISTRICT); }

#define BODY(x, T) ((T *)(x)->body)

static void c_scale_unit(struct rec *x) { BODY(x, Rs__Project)->scale_unit = NULL; }
static void c_funds(struct rec *x)
{
    BODY(x, Rs__Project)->planned_investment_fen = 100;
    BODY(x, Rs__Project)->fund_houfu_fen = 200;
}
static void c_progress(struct rec *x)
{
    BODY(x, Rs__Project)->stage = RS__PROJECT_STAGE__STAGE_COMPLETED;
    BODY(x, Rs__Project)->progress_pct = 50;
}
static void c_planned_end(struct rec *x) { BODY(x, Rs__Project)->planned_start = 20230201; }
static void c_actual_end_missing(struct rec *x)
{
    BODY(x, Rs__Project)->stage = RS__PROJECT_STAGE__STAGE_COMPLETED;
    BODY(x, Rs__Project)->progress_pct = 100;
    BODY(x, Rs__Project)->has_actual_end = 0;
}
static void c_actual_end_early(struct rec *x) { BODY(x, Rs__Project)->actual_start = 20230201; }
static void c_acceptance_missing(struct rec *x)
{
    BODY(x, Rs__Project)->stage = RS__PROJECT_STAGE__STAGE_ACCEPTED;
    BODY(x, Rs__Project)->progress_pct = 100;
    BODY(x, Rs__Project)->has_acceptance_date = 0;
}
static void c_acceptance_early(struct rec *x)
{
    BODY(x, Rs__Project)->acceptance_date = 20221231;
}
static void c_acceptance_result(struct rec *x)
{
    BODY(x, Rs__Project)->stage = RS__PROJECT_STAGE__STAGE_HANDED_OVER;
    BODY(x, Rs__Project)->progress_pct = 100;
    BODY(x, Rs__Project)->acceptance_result = RS__ACCEPTANCE__ACCEPT_FAILED;
}
static void c_removed(struct rec *x) { BODY(x, Rs__SubsidyPayout)->persons_removed = 1; }
static void c_paid(struct rec *x) { BODY(x, Rs__SubsidyPayout)->persons_paid = 1; }
static void c_training_end(struct rec *x) { BODY(x, Rs__Training)->start_date = 20230201; }
static void c_resettler(struct rec *x) { BODY(x, Rs__Training)->resettler_trainees = 1; }
static void c_certified(struct rec *x) { BODY(x, Rs__Training)->certified = 1; }
static void c_subsidy_persons(struct rec *x) { BODY(x, Rs__Training)->subsidy_persons = 1; }
static void c_household(struct rec *x)
{
    BODY(x, Rs__Relief)->household_ref = lit("43060219800101123X");
}
static void c_due(struct rec *x) { BODY(x, Rs__Petition)->due_date = 20221231; }
static void c_closed_missing(struct rec *x)
{
    BODY(x, Rs__Petition)->status = RS__PETITION_STATUS__PST_CLOSED;
    BODY(x, Rs__Petition)->has_closed_date = 0;
}
static void c_closed_early(struct rec *x) { BODY(x, Rs__Petition)->closed_date = 20221231; }
static void c_survey_valid(struct rec *x) { BODY(x, Rs__Survey)->valid = 1; }
static void c_survey_answers(struct rec *x) { BODY(x, Rs__Survey)->satisfied = 1; }
static void c_procurement(struct rec *x)
{
    BODY(x, Rs__Procurement)->has_budget_fen = 0;
    BODY(x, Rs__Procurement)->has_actual_fen = 0;
}
static void c_carry_over(struct rec *x)
{
    BODY(x, Rs__CarryOver)->has_start_fen = 0;
    BODY(x, Rs__CarryOver)->has_end_fen = 0;
}
static void c_assets_neither(struct rec *x)
{
    BODY(x, Rs__FixedAssets)->has_total_fen = 0;
    BODY(x, Rs__FixedAssets)->has_in_use_fen = 0;
}
static void c_assets_in_use(struct rec *x) { BODY(x, Rs__FixedAssets)->in_use_fen = 1; }
static void c_items(struct rec *x) { BODY(x, Rs__ManualScore)->items_passed = 1; }

static const struct rule_case rule_cases[] = {
    {"supersedes", c_supersedes},
    {"division_code", c_division_digits},
    {"division_code", c_division_township},
    {"project.scale_unit", c_scale_unit},
    {"project.fund_self_fen", c_funds},
    {"project.stage", c_progress},
    {"project.planned_end", c_planned_end},
    {"project.actual_end", c_actual_end_missing},
    {"project.actual_end", c_actual_end_early},
    {"project.acceptance_date", c_acceptance_missing},
    {"project.acceptance_date", c_acceptance_early},
    {"project.acceptance_result", c_acceptance_result},
    {"subsidy.persons_removed", c_removed},
    {"subsidy.persons_paid", c_paid},
    {"training.end_date", c_training_end},
    {"training.resettler_trainees", c_resettler},
    {"training.certified", c_certified},
    {"training.subsidy_persons", c_subsidy_persons},
    {"relief.household_ref", c_household},
    {"petition.due_date", c_due},
    {"petition.closed_date", c_closed_missing},
    {"petition.closed_date", c_closed_early},
    {"survey.valid", c_survey_valid},
    {"survey.dissatisfied", c_survey_answers},
    {"procurement.actual_fen", c_procurement},
    {"carry_over.end_fen", c_carry_over},
    {"fixed_assets.in_use_fen", c_assets_neither},
    {"fixed_assets.in_use_fen", c_assets_in_use},
    {"manual_score.items_passed", c_items},
};

#define NCASES (sizeof rule_cases / sizeof rule_cases[0])

/* The type a case's row belongs to: its prefix, or the first township type. */
static const struct rs_rtype_def *case_type(const char *row)
{
    const char *dot = strchr(row, '.');
    const struct rs_rtype_def *d;

    if (!dot)
        return rs_rtype_at(0);
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++)
        if (strlen(d->name) == (size_t)(dot - row) && memcmp(d->name, row, strlen(d->name)) == 0)
            return d;
    fail_msg("case %s: no such type", row);
    return NULL;
}

/* True if some case breaks the rule on row key. */
static bool has_case(const char *key)
{
    for (size_t i = 0; i < NCASES; i++)
        if (strcmp(rule_cases[i].row, key) == 0)
            return true;
    return false;
}

static void test_every_rule(void **state)
{
    const struct rs_rtype_def *d;
    const struct rs_field *env;
    struct rec x = {0};
    char key[128];
    size_t nenv, rules = 0;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        make(&x, case_type(rule_cases[i].row));
        rule_cases[i].apply(&x);
        expect_zh(&x, rule_cases[i].row);
    }
    free(x.body);
    /* Every rule of the table has a case above. */
    env = rs_rtype_envelope(&nenv);
    for (size_t i = 0; i < nenv; i++) {
        if (env[i].rule) {
            rules++;
            if (!has_case(env[i].name))
                fail_msg("the rule on %s has no case in test_verdict_zh.c", env[i].name);
        }
    }
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        for (size_t k = 0; k < d->nfields; k++) {
            if (!d->fields[k].rule)
                continue;
            rules++;
            snprintf(key, sizeof key, "%s.%s", d->name, d->fields[k].name);
            if (!has_case(key))
                fail_msg("the rule on %s has no case in test_verdict_zh.c", key);
        }
    }
    assert_true(rules >= 20);
}

/* ---------------------------------------------------------------- labels and the text's cap */

static void test_labels_and_cut(void **state)
{
    const struct rs_rtype_def *relief = rs_rtype_find(RS__RECORD__BODY_RELIEF);
    const struct rs_rtype_def *subsidy = rs_rtype_find(RS__RECORD__BODY_SUBSIDY);
    char label[RS_FIELD_LABEL_MAX], text[400] = "";
    struct rs_verdict v;
    size_t len = 0;

    (void)state;
    assert_string_equal(rs_field_label(rs_rtype_field(relief, "amount_fen"), label),
                        "金额（元）");
    assert_string_equal(rs_field_label(rs_rtype_field(relief, "kind"), label), "救助类别");
    assert_string_equal(rs_field_label(rs_rtype_field(subsidy, "standard_fen_per_year"), label),
                        "补助标准（元/人/年）");
    /* "{}" and "{field}" are the labels of the blamed field and of another of its message. */
    assert_false(rs_verdict_reject(&v, "training.certified", "must not exceed trainees",
                                   "{}不能超过{trainees}"));
    assert_int_equal(v.st, RS_EINVAL);
    assert_string_equal(v.field, "training.certified");
    assert_string_equal(v.text, "考证人数不能超过培训人次");
    assert_false(rs_verdict_reject(&v, "supersedes", "must differ from id", "{}不能与{id}相同"));
    assert_string_equal(v.text, "替代记录不能与记录编号相同");
    /* A rule without its Chinese leaves the text empty, which the tests above refuse. */
    assert_false(rs_verdict_reject(&v, "training.certified", "must not exceed trainees", NULL));
    assert_string_equal(v.text, "");
    /* A long text is cut on a character boundary. */
    while (len + 3 < 300)
        assert_true(rs_utf8_append(text, sizeof text, &len, "长", 3));
    assert_false(rs_verdict_reject(&v, "training.certified", "x", text));
    assert_true(strlen(v.text) < sizeof v.text);
    assert_int_equal(strlen(v.text) % 3, 0);
    assert_true(rs_utf8_valid(v.text, strlen(v.text)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_kind),
        cmocka_unit_test(test_every_rule),
        cmocka_unit_test(test_labels_and_cut),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

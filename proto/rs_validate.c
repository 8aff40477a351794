/*
 * rs_validate.c - the rules every record must satisfy; record type names and
 * natural keys.
 *
 * Each message (the envelope and the fifteen bodies) has a static table with
 * one row per proto field, in declaration order: the field's kind (short
 * string, long text, enum, date, money, count, ...), whether it is required,
 * and optionally a rule that relates it to fields declared before it.  The
 * checker walks the table and the protobuf-c descriptor side by side (so the
 * table cannot silently fall out of step with the schema) and stops at the
 * first failure.  Generic checks read the value through the descriptor's
 * offsets; cross-field rules use the generated structs directly.
 *
 * Does not: reject arithmetic inconsistencies that real reports contain
 * (persons x standard != amount paid, paid > completed, completed > planned,
 * subsidy_total != per-person x persons); the consistency checker flags
 * those.  Does not check office scope, look at other records, or allocate.
 */
#include "rs_validate.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rs_util.h"
#include "rs_wire.h"

#define MAX_MONEY_FEN INT64_C(100000000000000)   /* 10^14 fen = 10^12 yuan */
#define MAX_COUNT 10000000u
#define MAX_SCORE_MILLI INT64_C(1000000)         /* 1000 points */
#define MAX_QTY_MILLI INT64_C(1000000000000000)  /* 10^12 units */
#define KEY_CODE_MAX 64                          /* indicator and figure keys */
#define YEAR_MIN 2000u
#define YEAR_MAX 2100u

/* What a field holds; decides its generic checks. */
enum kind {
    K_STR,      /* string, at most RS_MAX_STRING_BYTES, no control characters */
    K_TEXT,     /* string, at most RS_MAX_TEXT_BYTES, \n and \t allowed */
    K_CODE,     /* string of [a-z0-9_.-], 1..64 */
    K_ENUM,     /* a known value other than *_UNSPECIFIED */
    K_DATE,     /* YYYYMMDD, rs_date_valid */
    K_MONEY,    /* int64 fen, 0..10^14 */
    K_COUNT,    /* uint32, 0..10^7 */
    K_PCT,      /* uint32, 0..100 */
    K_MONTHS,   /* uint32, 1..12 */
    K_YEAR,     /* uint32, 2000..2100 */
    K_QTY,      /* int64 thousandths, 0..10^15 */
    K_SCORE,    /* int64 points x 1000, 0..10^6 */
    K_BOOL      /* nothing to check */
};

#define F_REQ 1u    /* must be present (strings: non-empty; enums: not unspecified) */
#define F_POS 2u    /* money: > 0; counts: >= 1 */

/* A cross-field rule: false (with v filled) if msg breaks it. */
typedef bool (*rule_fn)(const void *msg, struct rs_verdict *v);

struct fspec {
    const char *name;   /* proto field name, checked against the descriptor */
    enum kind kind;
    unsigned flags;
    rule_fn rule;       /* run after the field's own checks; may be NULL */
};

/* ---------------------------------------------------------------- verdicts */

static bool fail(struct rs_verdict *v, rs_status st, const char *prefix, const char *field,
                 const char *reason)
{
    v->st = st;
    if (prefix && prefix[0])
        snprintf(v->field, sizeof v->field, "%s.%s", prefix, field);
    else
        snprintf(v->field, sizeof v->field, "%s", field);
    snprintf(v->reason, sizeof v->reason, "%s", reason);
    return false;
}

/* A rule failure on a body field named in full, e.g. "project.actual_end". */
static bool bad(struct rs_verdict *v, const char *field, const char *reason)
{
    return fail(v, RS_EINVAL, NULL, field, reason);
}

/* ---------------------------------------------------------------- small predicates */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static bool empty(const char *s)
{
    return !s || !s[0];
}

/* ASCII case-insensitive equality (UUIDs may come in either case). */
static bool same_ci(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a, y = *b;

        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

/*
 * True if s[0..n) holds a control character: C0 (except \n and \t when
 * allow_nl_tab), DEL, or a C1 code point U+0080..U+009F.  s is valid UTF-8.
 */
static bool has_control(const char *s, size_t n, bool allow_nl_tab)
{
    const uint8_t *p = (const uint8_t *)s;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20) {
            if (!(allow_nl_tab && (p[i] == '\n' || p[i] == '\t')))
                return true;
        } else if (p[i] == 0x7f) {
            return true;
        } else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
            return true;
        }
    }
    return false;
}

static bool code_chars_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return false;
    }
    return true;
}

/* 18 chars (17 digits + digit/X/x) or 15 digits: the two PRC ID-card formats. */
static bool looks_like_id_card(const char *s)
{
    size_t n = strlen(s);

    if (n == 15)
        return all_digits(s, 15);
    if (n == 18)
        return all_digits(s, 17) && ((s[17] >= '0' && s[17] <= '9') || s[17] == 'X' ||
                                     s[17] == 'x');
    return false;
}

/* a + b into *sum unless it would exceed INT64_MAX; both are >= 0. */
static bool add_fen(int64_t a, int64_t b, int64_t *sum)
{
    if (a > INT64_MAX - b)
        return false;
    *sum = a + b;
    return true;
}

/* ---------------------------------------------------------------- generic field checks */

static bool check_string(const struct fspec *f, const char *s, const char *prefix,
                         struct rs_verdict *v)
{
    size_t n, cap = f->kind == K_TEXT ? RS_MAX_TEXT_BYTES : RS_MAX_STRING_BYTES;
    char why[64];

    if (empty(s))
        return (f->flags & F_REQ) ? fail(v, RS_EINVAL, prefix, f->name, "required") : true;
    n = strlen(s);
    if (n > cap) {
        snprintf(why, sizeof why, "longer than %zu bytes", cap);
        return fail(v, RS_ETOOBIG, prefix, f->name, why);
    }
    if (!rs_utf8_valid(s, n))
        return fail(v, RS_EENCODING, prefix, f->name, "not valid UTF-8");
    if (has_control(s, n, f->kind == K_TEXT))
        return fail(v, RS_EINVAL, prefix, f->name, "contains a control character");
    if (f->kind == K_CODE) {
        if (n > KEY_CODE_MAX)
            return fail(v, RS_EINVAL, prefix, f->name, "longer than 64 characters");
        if (!code_chars_ok(s, n))
            return fail(v, RS_EINVAL, prefix, f->name, "only a-z, 0-9, '_', '.' and '-' allowed");
    }
    return true;
}

static bool check_enum(const struct fspec *f, const ProtobufCFieldDescriptor *fd, bool has,
                       int value, const char *prefix, struct rs_verdict *v)
{
    char why[64];

    if (!has || value == 0) {
        if (f->flags & F_REQ)
            return fail(v, RS_EINVAL, prefix, f->name, "required");
        return has ? fail(v, RS_EINVAL, prefix, f->name, "must not be unspecified") : true;
    }
    if (!protobuf_c_enum_descriptor_get_value(fd->descriptor, value)) {
        snprintf(why, sizeof why, "unknown value %d", value);
        return fail(v, RS_EINVAL, prefix, f->name, why);
    }
    return true;
}

static bool check_u32(const struct fspec *f, uint32_t x, const char *prefix,
                      struct rs_verdict *v)
{
    char why[64];

    switch (f->kind) {
    case K_DATE:
        return rs_date_valid(x) ? true : fail(v, RS_EINVAL, prefix, f->name,
                                              "not a calendar date");
    case K_COUNT:
        if ((f->flags & F_POS) && x < 1)
            return fail(v, RS_EINVAL, prefix, f->name, "must be >= 1");
        if (x > MAX_COUNT) {
            snprintf(why, sizeof why, "must be <= %u", MAX_COUNT);
            return fail(v, RS_EINVAL, prefix, f->name, why);
        }
        return true;
    case K_PCT:
        return x <= 100 ? true : fail(v, RS_EINVAL, prefix, f->name, "must be 0..100");
    case K_MONTHS:
        return x >= 1 && x <= 12 ? true : fail(v, RS_EINVAL, prefix, f->name, "must be 1..12");
    case K_YEAR:
        return x >= YEAR_MIN && x <= YEAR_MAX ? true : fail(v, RS_EINVAL, prefix, f->name,
                                                            "must be 2000..2100");
    default:
        return fail(v, RS_EINTERNAL, prefix, f->name, "validator table does not match schema");
    }
}

static bool check_i64(const struct fspec *f, int64_t x, const char *prefix,
                      struct rs_verdict *v)
{
    int64_t max = f->kind == K_MONEY ? MAX_MONEY_FEN
                  : f->kind == K_QTY ? MAX_QTY_MILLI : MAX_SCORE_MILLI;
    char why[64];

    if ((f->flags & F_POS) && x <= 0)
        return fail(v, RS_EINVAL, prefix, f->name, "must be > 0");
    if (x < 0)
        return fail(v, RS_EINVAL, prefix, f->name, "must be >= 0");
    if (x > max) {
        snprintf(why, sizeof why, "must be <= %" PRId64, max);
        return fail(v, RS_EINVAL, prefix, f->name, why);
    }
    return true;
}

/* Whether spec kind k fits protobuf-c type t. */
static bool kind_fits(enum kind k, ProtobufCType t)
{
    switch (k) {
    case K_STR:
    case K_TEXT:
    case K_CODE:
        return t == PROTOBUF_C_TYPE_STRING;
    case K_ENUM:
        return t == PROTOBUF_C_TYPE_ENUM;
    case K_DATE:
    case K_COUNT:
    case K_PCT:
    case K_MONTHS:
    case K_YEAR:
        return t == PROTOBUF_C_TYPE_UINT32;
    case K_MONEY:
    case K_QTY:
    case K_SCORE:
        return t == PROTOBUF_C_TYPE_INT64;
    case K_BOOL:
        return t == PROTOBUF_C_TYPE_BOOL;
    }
    return false;
}

/* Checks one field of msg described by fd against f. */
static bool check_field(const void *msg, const ProtobufCFieldDescriptor *fd,
                        const struct fspec *f, const char *prefix, struct rs_verdict *v)
{
    const char *base = msg;
    bool has = false;

    if (strcmp(fd->name, f->name) != 0 || !kind_fits(f->kind, fd->type) ||
        fd->label != PROTOBUF_C_LABEL_OPTIONAL)
        return fail(v, RS_EINTERNAL, prefix, f->name, "validator table does not match schema");
    if (fd->type == PROTOBUF_C_TYPE_STRING)
        return check_string(f, *(char *const *)(const void *)(base + fd->offset), prefix, v);
    has = *(const protobuf_c_boolean *)(const void *)(base + fd->quantifier_offset) != 0;
    if (f->kind == K_ENUM)
        return check_enum(f, fd, has, *(const int *)(const void *)(base + fd->offset), prefix,
                          v);
    if (!has)
        return (f->flags & F_REQ) ? fail(v, RS_EINVAL, prefix, f->name, "required") : true;
    switch (fd->type) {
    case PROTOBUF_C_TYPE_UINT32:
        return check_u32(f, *(const uint32_t *)(const void *)(base + fd->offset), prefix, v);
    case PROTOBUF_C_TYPE_INT64:
        return check_i64(f, *(const int64_t *)(const void *)(base + fd->offset), prefix, v);
    default:
        return true;
    }
}

/*
 * Walks spec[0..n) and desc's fields (skipping oneof members, which are the
 * record's body) in step.  The spec must cover every field, in order.
 */
static bool check_message(const void *msg, const ProtobufCMessageDescriptor *desc,
                          const struct fspec *spec, size_t n, const char *prefix,
                          struct rs_verdict *v)
{
    size_t k = 0;

    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &desc->fields[i];

        if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;
        if (k == n)
            return fail(v, RS_EINTERNAL, prefix, fd->name, "validator does not know this field");
        if (!check_field(msg, fd, &spec[k], prefix, v))
            return false;
        if (spec[k].rule && !spec[k].rule(msg, v))
            return false;
        k++;
    }
    if (k != n)
        return fail(v, RS_EINTERNAL, prefix, spec[k].name, "field is not in the schema");
    return true;
}

/* ---------------------------------------------------------------- envelope */

static bool rule_id(const void *msg, struct rs_verdict *v)
{
    const Rs__Record *r = msg;

    return rs_uuid_valid(r->id) ? true : bad(v, "id", "not a UUID");
}

/* An empty supersedes means "none", as the server reads it. */
static bool rule_supersedes(const void *msg, struct rs_verdict *v)
{
    const Rs__Record *r = msg;

    if (empty(r->supersedes))
        return true;
    if (!rs_uuid_valid(r->supersedes))
        return bad(v, "supersedes", "not a UUID");
    if (same_ci(r->supersedes, r->id))
        return bad(v, "supersedes", "must differ from id");
    return true;
}

static bool is_township_type(rs_rtype t)
{
    return t >= RS__RECORD__BODY_PROJECT && t <= RS__RECORD__BODY_SURVEY;
}

static bool rule_division(const void *msg, struct rs_verdict *v)
{
    const Rs__Record *r = msg;

    if (!rs_division_code_valid(r->division_code))
        return bad(v, "division_code", "must be 6, 9 or 12 digits");
    if (strlen(r->division_code) == 6 && is_township_type(r->body_case))
        return bad(v, "division_code", "township records need a 9- or 12-digit code");
    return true;
}

static const struct fspec record_spec[] = {
    {"id", K_STR, F_REQ, rule_id},
    {"supersedes", K_STR, 0, rule_supersedes},
    {"division_code", K_STR, F_REQ, rule_division},
    {"year", K_YEAR, F_REQ, NULL},
    {"period", K_ENUM, F_REQ, NULL},
    {"submitted_by", K_STR, 0, NULL},
    {"remarks", K_STR, 0, NULL},
};

/* ---------------------------------------------------------------- project */

/* True if the stage is a known value at or after 完工. */
static bool stage_done(const Rs__Project *p)
{
    return p->has_stage && p->stage >= RS__PROJECT_STAGE__STAGE_COMPLETED &&
           p->stage <= RS__PROJECT_STAGE__STAGE_HANDED_OVER;
}

static bool stage_accepted(const Rs__Project *p)
{
    return p->has_stage && (p->stage == RS__PROJECT_STAGE__STAGE_ACCEPTED ||
                            p->stage == RS__PROJECT_STAGE__STAGE_HANDED_OVER);
}

static bool rule_scale_unit(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (p->has_scale_qty_milli && empty(p->scale_unit))
        return bad(v, "project.scale_unit", "required when scale_qty_milli is given");
    return true;
}

/* Runs after the last fund_* field: the funds may not add up past the plan. */
static bool rule_funds(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;
    const struct {
        protobuf_c_boolean has;
        int64_t fen;
    } funds[] = {
        {p->has_fund_houfu_fen, p->fund_houfu_fen},
        {p->has_fund_kuqu_fen, p->fund_kuqu_fen},
        {p->has_fund_integrated_fen, p->fund_integrated_fen},
        {p->has_fund_self_fen, p->fund_self_fen},
    };
    int64_t sum = 0;
    bool any = false;

    if (!p->has_planned_investment_fen)
        return true;
    for (size_t i = 0; i < sizeof funds / sizeof funds[0]; i++) {
        if (!funds[i].has)
            continue;
        any = true;
        if (!add_fen(sum, funds[i].fen, &sum))
            return bad(v, "project.planned_investment_fen", "sum of fund_* fields overflows");
    }
    if (any && sum > p->planned_investment_fen)
        return bad(v, "project.planned_investment_fen",
                   "must not be less than the sum of the fund_* fields");
    return true;
}

static bool rule_progress(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (p->has_progress_pct && stage_done(p) && p->progress_pct != 100)
        return bad(v, "project.progress_pct", "must be 100 when stage is completed or later");
    return true;
}

static bool rule_planned_end(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (p->has_planned_start && p->has_planned_end && p->planned_end < p->planned_start)
        return bad(v, "project.planned_end", "must not be before planned_start");
    return true;
}

static bool rule_actual_end(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (!p->has_actual_end) {
        if (stage_done(p))
            return bad(v, "project.actual_end", "required when stage is completed or later");
        return true;
    }
    if (p->has_actual_start && p->actual_end < p->actual_start)
        return bad(v, "project.actual_end", "must not be before actual_start");
    return true;
}

static bool rule_acceptance_date(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (!p->has_acceptance_date) {
        if (stage_accepted(p))
            return bad(v, "project.acceptance_date",
                       "required when stage is accepted or handed over");
        return true;
    }
    if (p->has_actual_end && p->acceptance_date < p->actual_end)
        return bad(v, "project.acceptance_date", "must not be before actual_end");
    return true;
}

static bool rule_acceptance_result(const void *msg, struct rs_verdict *v)
{
    const Rs__Project *p = msg;

    if (stage_accepted(p) &&
        (!p->has_acceptance_result || p->acceptance_result != RS__ACCEPTANCE__ACCEPT_PASSED))
        return bad(v, "project.acceptance_result",
                   "must be passed when stage is accepted or handed over");
    return true;
}

static const struct fspec project_spec[] = {
    {"project_id", K_STR, F_REQ, NULL},
    {"plan_doc_no", K_STR, 0, NULL},
    {"village", K_STR, 0, NULL},
    {"name", K_STR, F_REQ, NULL},
    {"category", K_ENUM, F_REQ, NULL},
    {"content", K_TEXT, 0, NULL},
    {"scale_qty_milli", K_QTY, 0, NULL},
    {"scale_unit", K_STR, 0, rule_scale_unit},
    {"planned_investment_fen", K_MONEY, 0, NULL},
    {"fund_houfu_fen", K_MONEY, 0, NULL},
    {"fund_kuqu_fen", K_MONEY, 0, NULL},
    {"fund_integrated_fen", K_MONEY, 0, NULL},
    {"fund_self_fen", K_MONEY, 0, rule_funds},
    {"allocated_fen", K_MONEY, 0, NULL},
    {"completed_investment_fen", K_MONEY, 0, NULL},
    {"paid_fen", K_MONEY, 0, NULL},
    {"progress_pct", K_PCT, 0, NULL},
    {"stage", K_ENUM, 0, rule_progress},
    {"planned_start", K_DATE, 0, NULL},
    {"planned_end", K_DATE, 0, rule_planned_end},
    {"actual_start", K_DATE, 0, NULL},
    {"actual_end", K_DATE, 0, rule_actual_end},
    {"acceptance_date", K_DATE, 0, rule_acceptance_date},
    {"acceptance_result", K_ENUM, 0, rule_acceptance_result},
    {"beneficiary_households", K_COUNT, 0, NULL},
    {"beneficiary_resettlers", K_COUNT, 0, NULL},
    {"maintenance_owner", K_STR, 0, NULL},
    {"publicity_done", K_BOOL, 0, NULL},
};

/* ---------------------------------------------------------------- subsidy */

/* registered + added, or -1 if registered is not given. */
static int64_t subsidy_roll(const Rs__SubsidyPayout *s)
{
    if (!s->has_registered_persons)
        return -1;
    return (int64_t)s->registered_persons + (s->has_persons_added ? s->persons_added : 0);
}

static bool rule_removed(const void *msg, struct rs_verdict *v)
{
    const Rs__SubsidyPayout *s = msg;
    int64_t roll = subsidy_roll(s);

    if (s->has_persons_removed && roll >= 0 && s->persons_removed > roll)
        return bad(v, "subsidy.persons_removed",
                   "must not exceed registered_persons + persons_added");
    return true;
}

static bool rule_paid(const void *msg, struct rs_verdict *v)
{
    const Rs__SubsidyPayout *s = msg;
    int64_t roll = subsidy_roll(s);

    if (s->has_persons_paid && roll >= 0 && s->persons_paid > roll)
        return bad(v, "subsidy.persons_paid",
                   "must not exceed registered_persons + persons_added");
    return true;
}

static const struct fspec subsidy_spec[] = {
    {"village", K_STR, F_REQ, NULL},
    {"registered_persons", K_COUNT, 0, NULL},
    {"persons_added", K_COUNT, 0, NULL},
    {"persons_removed", K_COUNT, 0, rule_removed},
    {"removal_reason", K_STR, 0, NULL},
    {"persons_paid", K_COUNT, 0, rule_paid},
    {"standard_fen_per_year", K_MONEY, F_POS, NULL},
    {"months", K_MONTHS, F_REQ, NULL},
    {"amount_due_fen", K_MONEY, 0, NULL},
    {"amount_paid_fen", K_MONEY, 0, NULL},
    {"paid_date", K_DATE, 0, NULL},
    {"due_date", K_DATE, 0, NULL},
    {"channel", K_STR, 0, NULL},
    {"failed_payments", K_COUNT, 0, NULL},
};

/* ---------------------------------------------------------------- training */

static bool rule_end_date(const void *msg, struct rs_verdict *v)
{
    const Rs__Training *t = msg;

    if (t->has_start_date && t->has_end_date && t->end_date < t->start_date)
        return bad(v, "training.end_date", "must not be before start_date");
    return true;
}

static bool rule_resettler_trainees(const void *msg, struct rs_verdict *v)
{
    const Rs__Training *t = msg;

    if (t->has_resettler_trainees && t->resettler_trainees > t->trainees)
        return bad(v, "training.resettler_trainees", "must not exceed trainees");
    return true;
}

static bool rule_certified(const void *msg, struct rs_verdict *v)
{
    const Rs__Training *t = msg;

    if (t->has_certified && t->certified > t->trainees)
        return bad(v, "training.certified", "must not exceed trainees");
    return true;
}

static bool rule_subsidy_persons(const void *msg, struct rs_verdict *v)
{
    const Rs__Training *t = msg;

    if (t->has_subsidy_persons && t->subsidy_persons > t->trainees)
        return bad(v, "training.subsidy_persons", "must not exceed trainees");
    return true;
}

/* trainees is required, so the rules after it may rely on it. */
static const struct fspec training_spec[] = {
    {"batch_id", K_STR, F_REQ, NULL},
    {"type", K_ENUM, F_REQ, NULL},
    {"course", K_STR, 0, NULL},
    {"start_date", K_DATE, 0, NULL},
    {"end_date", K_DATE, 0, rule_end_date},
    {"provider", K_STR, 0, NULL},
    {"planned_trainees", K_COUNT, 0, NULL},
    {"trainees", K_COUNT, F_REQ, NULL},
    {"resettler_trainees", K_COUNT, 0, rule_resettler_trainees},
    {"certified", K_COUNT, 0, rule_certified},
    {"cost_fen", K_MONEY, 0, NULL},
    {"subsidy_per_person_fen", K_MONEY, 0, NULL},
    {"subsidy_persons", K_COUNT, 0, rule_subsidy_persons},
    {"subsidy_total_fen", K_MONEY, 0, NULL},
};

/* ---------------------------------------------------------------- relief */

static bool rule_household(const void *msg, struct rs_verdict *v)
{
    const Rs__Relief *r = msg;

    if (looks_like_id_card(r->household_ref))
        return bad(v, "relief.household_ref",
                   "looks like an ID-card number; send a household code or keyed hash");
    return true;
}

static const struct fspec relief_spec[] = {
    {"household_ref", K_STR, F_REQ, rule_household},
    {"village", K_STR, 0, NULL},
    {"reason", K_ENUM, 0, NULL},
    {"kind", K_ENUM, F_REQ, NULL},
    {"persons", K_COUNT, F_POS, NULL},
    {"amount_fen", K_MONEY, F_REQ | F_POS, NULL},
    {"approved_by", K_STR, 0, NULL},
    {"paid_date", K_DATE, 0, NULL},
};

/* ---------------------------------------------------------------- petition */

/* received_date is required, so the rules after it may rely on it. */
static bool rule_due(const void *msg, struct rs_verdict *v)
{
    const Rs__Petition *p = msg;

    if (p->has_due_date && p->due_date < p->received_date)
        return bad(v, "petition.due_date", "must not be before received_date");
    return true;
}

static bool rule_closed(const void *msg, struct rs_verdict *v)
{
    const Rs__Petition *p = msg;

    if (!p->has_closed_date) {
        if (p->has_status && p->status == RS__PETITION_STATUS__PST_CLOSED)
            return bad(v, "petition.closed_date", "required when status is closed");
        return true;
    }
    if (p->closed_date < p->received_date)
        return bad(v, "petition.closed_date", "must not be before received_date");
    return true;
}

static const struct fspec petition_spec[] = {
    {"case_id", K_STR, F_REQ, NULL},
    {"received_date", K_DATE, F_REQ, NULL},
    {"channel", K_ENUM, 0, NULL},
    {"visitors", K_COUNT, 0, NULL},
    {"is_group", K_BOOL, 0, NULL},
    {"category", K_ENUM, 0, NULL},
    {"summary", K_TEXT, 0, NULL},
    {"handler", K_STR, 0, NULL},
    {"due_date", K_DATE, 0, rule_due},
    {"closed_date", K_DATE, 0, rule_closed},
    {"status", K_ENUM, F_REQ, NULL},
    {"result_satisfied", K_BOOL, 0, NULL},
    {"level", K_ENUM, 0, NULL},
    {"village", K_STR, 0, NULL},
};

/* ---------------------------------------------------------------- survey */

static bool rule_valid(const void *msg, struct rs_verdict *v)
{
    const Rs__Survey *s = msg;

    if (s->has_sample_size && s->valid > s->sample_size)
        return bad(v, "survey.valid", "must not exceed sample_size");
    return true;
}

/* Runs after dissatisfied; valid is required and already checked. */
static bool rule_answers(const void *msg, struct rs_verdict *v)
{
    const Rs__Survey *s = msg;
    uint64_t sum = (uint64_t)(s->has_satisfied ? s->satisfied : 0) +
                   (uint64_t)(s->has_basically_satisfied ? s->basically_satisfied : 0) +
                   (uint64_t)(s->has_dissatisfied ? s->dissatisfied : 0);

    if (sum > s->valid)
        return bad(v, "survey.valid",
                   "less than satisfied + basically_satisfied + dissatisfied");
    return true;
}

static const struct fspec survey_spec[] = {
    {"survey_id", K_STR, F_REQ, NULL},
    {"method", K_ENUM, 0, NULL},
    {"sample_size", K_COUNT, 0, NULL},
    {"valid", K_COUNT, F_REQ, rule_valid},
    {"satisfied", K_COUNT, 0, NULL},
    {"basically_satisfied", K_COUNT, 0, NULL},
    {"dissatisfied", K_COUNT, 0, rule_answers},
    {"survey_date", K_DATE, 0, NULL},
};

/* ---------------------------------------------------------------- unit level */

static const struct fspec unit_profile_spec[] = {
    {"unit_name", K_STR, F_REQ, NULL},
    {"admin_level", K_STR, 0, NULL},
    {"funding", K_STR, 0, NULL},
    {"accounting", K_STR, 0, NULL},
    {"departments", K_TEXT, 0, NULL},
    {"functions", K_TEXT, 0, NULL},
    {"disclosure", K_STR, 0, NULL},
};

static const struct fspec staffing_spec[] = {
    {"establishment", K_COUNT, F_REQ, NULL},
    {"in_service", K_COUNT, F_REQ, NULL},
    {"retired", K_COUNT, 0, NULL},
    {"temporary", K_COUNT, 0, NULL},
    {"stated_total", K_COUNT, 0, NULL},
};

static const struct fspec budget_line_spec[] = {
    {"line", K_ENUM, F_REQ, NULL},
    {"year_start_fen", K_MONEY, 0, NULL},
    {"adjusted_fen", K_MONEY, 0, NULL},
    {"final_fen", K_MONEY, 0, NULL},
    {"higher_transfer_fen", K_MONEY, 0, NULL},
    {"key_fen", K_MONEY, 0, NULL},
    {"change_reason", K_STR, 0, NULL},
};

static const struct fspec san_gong_spec[] = {
    {"kind", K_ENUM, F_REQ, NULL},
    {"budget_fen", K_MONEY, 0, NULL},
    {"final_fen", K_MONEY, 0, NULL},
    {"prev_budget_fen", K_MONEY, 0, NULL},
    {"prev_final_fen", K_MONEY, 0, NULL},
};

static bool rule_procurement(const void *msg, struct rs_verdict *v)
{
    const Rs__Procurement *p = msg;

    if (!p->has_budget_fen && !p->has_actual_fen)
        return bad(v, "procurement.budget_fen", "give budget_fen or actual_fen");
    return true;
}

static const struct fspec procurement_spec[] = {
    {"budget_fen", K_MONEY, 0, NULL},
    {"actual_fen", K_MONEY, 0, rule_procurement},
};

static bool rule_carry_over(const void *msg, struct rs_verdict *v)
{
    const Rs__CarryOver *c = msg;

    if (!c->has_start_fen && !c->has_end_fen)
        return bad(v, "carry_over.start_fen", "give start_fen or end_fen");
    return true;
}

static const struct fspec carry_over_spec[] = {
    {"start_fen", K_MONEY, 0, NULL},
    {"end_fen", K_MONEY, 0, rule_carry_over},
};

static bool rule_fixed_assets(const void *msg, struct rs_verdict *v)
{
    const Rs__FixedAssets *f = msg;

    if (!f->has_total_fen && !f->has_in_use_fen)
        return bad(v, "fixed_assets.total_fen", "give total_fen or in_use_fen");
    if (f->has_total_fen && f->has_in_use_fen && f->in_use_fen > f->total_fen)
        return bad(v, "fixed_assets.in_use_fen", "must not exceed total_fen");
    return true;
}

static const struct fspec fixed_assets_spec[] = {
    {"total_fen", K_MONEY, 0, NULL},
    {"in_use_fen", K_MONEY, 0, rule_fixed_assets},
};

static bool rule_items_passed(const void *msg, struct rs_verdict *v)
{
    const Rs__ManualScore *m = msg;

    if (m->has_items_passed && m->has_items_total && m->items_passed > m->items_total)
        return bad(v, "manual_score.items_passed", "must not exceed items_total");
    return true;
}

static const struct fspec manual_score_spec[] = {
    {"indicator", K_CODE, F_REQ, NULL},
    {"items_total", K_COUNT, 0, NULL},
    {"items_passed", K_COUNT, 0, rule_items_passed},
    {"score_milli", K_SCORE, 0, NULL},
    {"justification", K_TEXT, F_REQ, NULL},
};

static const struct fspec stated_figure_spec[] = {
    {"key", K_CODE, F_REQ, NULL},
    {"text", K_STR, F_REQ, NULL},
};

/* ---------------------------------------------------------------- types */

#define SPEC(s) s, sizeof(s) / sizeof((s)[0])

struct rtype_def {
    rs_rtype type;
    const char *name;
    const char *label;
    const ProtobufCMessageDescriptor *desc;
    const struct fspec *spec;
    size_t nspec;
};

static const struct rtype_def rtypes[] = {
    {RS__RECORD__BODY_PROJECT, "project", "后扶项目", &rs__project__descriptor,
     SPEC(project_spec)},
    {RS__RECORD__BODY_SUBSIDY, "subsidy", "直补资金", &rs__subsidy_payout__descriptor,
     SPEC(subsidy_spec)},
    {RS__RECORD__BODY_TRAINING, "training", "培训", &rs__training__descriptor,
     SPEC(training_spec)},
    {RS__RECORD__BODY_RELIEF, "relief", "救助", &rs__relief__descriptor, SPEC(relief_spec)},
    {RS__RECORD__BODY_PETITION, "petition", "信访", &rs__petition__descriptor,
     SPEC(petition_spec)},
    {RS__RECORD__BODY_SURVEY, "survey", "满意度调查", &rs__survey__descriptor,
     SPEC(survey_spec)},
    {RS__RECORD__BODY_UNIT_PROFILE, "unit_profile", "单位概况", &rs__unit_profile__descriptor,
     SPEC(unit_profile_spec)},
    {RS__RECORD__BODY_STAFFING, "staffing", "人员编制", &rs__staffing__descriptor,
     SPEC(staffing_spec)},
    {RS__RECORD__BODY_BUDGET_LINE, "budget_line", "预算科目", &rs__budget_line__descriptor,
     SPEC(budget_line_spec)},
    {RS__RECORD__BODY_SAN_GONG, "san_gong", "三公经费", &rs__san_gong__descriptor,
     SPEC(san_gong_spec)},
    {RS__RECORD__BODY_PROCUREMENT, "procurement", "政府采购", &rs__procurement__descriptor,
     SPEC(procurement_spec)},
    {RS__RECORD__BODY_CARRY_OVER, "carry_over", "结转结余", &rs__carry_over__descriptor,
     SPEC(carry_over_spec)},
    {RS__RECORD__BODY_FIXED_ASSETS, "fixed_assets", "固定资产", &rs__fixed_assets__descriptor,
     SPEC(fixed_assets_spec)},
    {RS__RECORD__BODY_MANUAL_SCORE, "manual_score", "评分事项", &rs__manual_score__descriptor,
     SPEC(manual_score_spec)},
    {RS__RECORD__BODY_STATED_FIGURE, "stated_figure", "报告数字",
     &rs__stated_figure__descriptor, SPEC(stated_figure_spec)},
};

#define NTYPES (sizeof rtypes / sizeof rtypes[0])

static const struct rtype_def *rtype_find(rs_rtype t)
{
    for (size_t i = 0; i < NTYPES; i++) {
        if (rtypes[i].type == t)
            return &rtypes[i];
    }
    return NULL;
}

const char *rs_rtype_name(rs_rtype t)
{
    const struct rtype_def *d = rtype_find(t);

    return d ? d->name : "unknown";
}

const char *rs_rtype_label(rs_rtype t)
{
    const struct rtype_def *d = rtype_find(t);

    return d ? d->label : "未知";
}

rs_rtype rs_rtype_parse(const char *name)
{
    if (!name)
        return RS__RECORD__BODY__NOT_SET;
    for (size_t i = 0; i < NTYPES; i++) {
        if (same_ci(name, rtypes[i].name) || strcmp(name, rtypes[i].label) == 0)
            return rtypes[i].type;
    }
    if (strcmp(name, "项目") == 0)
        return RS__RECORD__BODY_PROJECT;
    if (strcmp(name, "补助") == 0)
        return RS__RECORD__BODY_SUBSIDY;
    return RS__RECORD__BODY__NOT_SET;
}

bool rs_rtype_is_unit_level(rs_rtype t)
{
    return t >= RS__RECORD__BODY_UNIT_PROFILE && t <= RS__RECORD__BODY_STATED_FIGURE;
}

/* The body message of r, or NULL if the oneof is not set or its pointer is. */
static const void *record_body(const Rs__Record *r, const struct rtype_def *d)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&rs__record__descriptor, (unsigned)r->body_case);

    if (!fd || fd->type != PROTOBUF_C_TYPE_MESSAGE || fd->descriptor != d->desc)
        return NULL;
    return *(const void *const *)(const void *)((const char *)r + fd->offset);
}

/* ---------------------------------------------------------------- validation */

rs_status rs_validate_record(const Rs__Record *r, struct rs_verdict *v)
{
    const struct rtype_def *d;
    const void *body;

    v->st = RS_OK;
    v->field[0] = '\0';
    v->reason[0] = '\0';
    if (!r) {
        fail(v, RS_EINVAL, NULL, "record", "missing");
        return v->st;
    }
    if (!check_message(r, &rs__record__descriptor, SPEC(record_spec), NULL, v))
        return v->st;
    d = rtype_find(r->body_case);
    if (!d) {
        fail(v, RS_EINVAL, NULL, "body", "required (no known record type is set)");
        return v->st;
    }
    body = record_body(r, d);
    if (!body) {
        fail(v, RS_EINVAL, NULL, d->name, "required");
        return v->st;
    }
    if (!check_message(body, d->desc, d->spec, d->nspec, d->name, v))
        return v->st;
    return RS_OK;
}

/* ---------------------------------------------------------------- keys */

rs_status rs_record_key(const Rs__Record *r, char *out, size_t outlen)
{
    const struct rtype_def *d;
    const void *body;
    int n = -1;

    if (!out || outlen == 0)
        return RS_ETOOBIG;
    out[0] = '\0';
    if (!r)
        return RS_EINVAL;
    d = rtype_find(r->body_case);
    body = d ? record_body(r, d) : NULL;
    if (!body)
        return RS_EINVAL;
    switch (r->body_case) {
    case RS__RECORD__BODY_PROJECT:
        if (empty(r->project->project_id))
            return RS_EINVAL;
        n = snprintf(out, outlen, "project:%s", r->project->project_id);
        break;
    case RS__RECORD__BODY_SUBSIDY:
        if (empty(r->subsidy->village) || !r->has_period ||
            r->period == RS__PERIOD__PERIOD_UNSPECIFIED)
            return RS_EINVAL;
        n = snprintf(out, outlen, "subsidy:%s:%d", r->subsidy->village, (int)r->period);
        break;
    case RS__RECORD__BODY_TRAINING:
        if (empty(r->training->batch_id))
            return RS_EINVAL;
        n = snprintf(out, outlen, "training:%s", r->training->batch_id);
        break;
    case RS__RECORD__BODY_RELIEF:
        if (empty(r->relief->household_ref) || !r->relief->has_kind || r->relief->kind == 0)
            return RS_EINVAL;
        n = snprintf(out, outlen, "relief:%s:%d:%" PRIu32, r->relief->household_ref,
                     (int)r->relief->kind,
                     r->relief->has_paid_date ? r->relief->paid_date : (uint32_t)0);
        break;
    case RS__RECORD__BODY_PETITION:
        if (empty(r->petition->case_id))
            return RS_EINVAL;
        n = snprintf(out, outlen, "petition:%s", r->petition->case_id);
        break;
    case RS__RECORD__BODY_SURVEY:
        if (empty(r->survey->survey_id))
            return RS_EINVAL;
        n = snprintf(out, outlen, "survey:%s", r->survey->survey_id);
        break;
    case RS__RECORD__BODY_BUDGET_LINE:
        if (!r->budget_line->has_line || r->budget_line->line == 0)
            return RS_EINVAL;
        n = snprintf(out, outlen, "budget_line:%d", (int)r->budget_line->line);
        break;
    case RS__RECORD__BODY_SAN_GONG:
        if (!r->san_gong->has_kind || r->san_gong->kind == 0)
            return RS_EINVAL;
        n = snprintf(out, outlen, "san_gong:%d", (int)r->san_gong->kind);
        break;
    case RS__RECORD__BODY_MANUAL_SCORE:
        if (empty(r->manual_score->indicator))
            return RS_EINVAL;
        n = snprintf(out, outlen, "manual_score:%s", r->manual_score->indicator);
        break;
    case RS__RECORD__BODY_STATED_FIGURE:
        if (empty(r->stated_figure->key))
            return RS_EINVAL;
        n = snprintf(out, outlen, "stated_figure:%s", r->stated_figure->key);
        break;
    default:
        /* unit_profile, staffing, procurement, carry_over, fixed_assets:
         * one per division and year, so the type name is the whole key. */
        n = snprintf(out, outlen, "%s", d->name);
        break;
    }
    if (n < 0)
        return RS_EINVAL;
    if ((size_t)n >= outlen) {
        out[0] = '\0';
        return RS_ETOOBIG;
    }
    return RS_OK;
}

/*
 * rs_eval.c - figures, indicator values, rule scores, total and grade.
 *
 * See rs_eval.h.  rs_eval_run walks the dataset once to build the unit and
 * township figures, hands them to rs_eval_formula.c, which computes and
 * scores every indicator of the framework, and then to the consistency
 * checker (rs_eval_check.c).  Also here: the dataset, names and the small
 * formatting helpers the evaluation shares.
 *
 * Does not: compute indicator values or scores (rs_eval_formula.c), check
 * stated figures or cross-record sums (rs_eval_check.c), format reports
 * (rs_report.c), or round anything it keeps.
 */
#include "rs_eval.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rs_eval_int.h"
#include "rs_util.h"

/* ------------------------------------------------------------ names */

static const char *const cat_names[RS_EVAL_NCAT] = {
    "未分类", "道路硬化", "山塘", "渠道", "饮水", "污水管网", "桥梁",
    "电网",   "产业",     "美丽家园", "能力建设", "其他",
};
static const char *const line_names[RS_EVAL_NLINES] = {
    "", "人员经费", "公用经费", "项目支出", "政府性基金", "国有资本经营", "社会保险基金",
};
static const char *const rkind_names[RS_EVAL_NRKIND] = {
    "未分类", "特困救助", "升学奖励", "年终慰问", "其他救助",
};
static const char *const sangong_names[RS_EVAL_NSANGONG] = {
    "", "因公出国（境）费", "公务接待费", "公务用车购置费", "公务用车运行维护费",
};

const char *rs_eval_cat_name(size_t cat)
{
    return cat < RS_EVAL_NCAT ? cat_names[cat] : "";
}

const char *rs_eval_line_name(size_t line)
{
    return line < RS_EVAL_NLINES ? line_names[line] : "";
}

const char *rs_eval_rkind_name(size_t kind)
{
    return kind < RS_EVAL_NRKIND ? rkind_names[kind] : "";
}

const char *rs_eval_sangong_name(size_t kind)
{
    return kind < RS_EVAL_NSANGONG ? sangong_names[kind] : "";
}

const char *rs_eval_sev_label(enum rs_eval_sev s)
{
    switch (s) {
    case RS_SEV_NOTE:
        return "提示";
    case RS_SEV_WARNING:
        return "警告";
    case RS_SEV_ERROR:
        return "错误";
    }
    return "";
}

const char *rs_eval_grade(int64_t total_milli)
{
    if (total_milli >= 90000)
        return "优";
    if (total_milli >= 80000)
        return "良";
    if (total_milli >= 60000)
        return "中";
    return "差";
}

/* ------------------------------------------------------------ dataset */

rs_status rs_eval_dataset_new(uint32_t year, struct rs_eval_dataset **out)
{
    struct rs_eval_dataset *ds = calloc(1, sizeof *ds);

    *out = NULL;
    if (!ds)
        return RS_ENOMEM;
    ds->year = year;
    *out = ds;
    return RS_OK;
}

void rs_eval_dataset_free(struct rs_eval_dataset *ds)
{
    if (!ds)
        return;
    for (size_t i = 0; i < ds->n; i++)
        rs__record__free_unpacked(ds->rec[i], NULL);
    free(ds->rec);
    free(ds->offices);
    free(ds);
}

rs_status rs_eval_dataset_take(struct rs_eval_dataset *ds, Rs__Record *r)
{
    if (!r)
        return RS_EINVAL;
    if (!r->has_year || r->year != ds->year || r->body_case == RS__RECORD__BODY__NOT_SET) {
        ds->ignored++;
        rs__record__free_unpacked(r, NULL);
        return RS_OK;
    }
    if (ds->n == RS_EVAL_MAX_RECORDS)
        return RS_ETOOBIG;
    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 256;
        Rs__Record **v;

        if (cap > RS_EVAL_MAX_RECORDS)
            cap = RS_EVAL_MAX_RECORDS;
        v = realloc(ds->rec, cap * sizeof *v);
        if (!v)
            return RS_ENOMEM;
        ds->rec = v;
        ds->cap = cap;
    }
    ds->rec[ds->n++] = r;
    return RS_OK;
}

rs_status rs_eval_dataset_add(struct rs_eval_dataset *ds, const Rs__Record *r)
{
    size_t len;
    uint8_t *buf;
    Rs__Record *copy;
    rs_status rv;

    if (!r)
        return RS_EINVAL;
    len = rs__record__get_packed_size(r);
    buf = malloc(len ? len : 1);
    if (!buf)
        return RS_ENOMEM;
    rs__record__pack(r, buf);
    copy = rs__record__unpack(NULL, len, buf);
    free(buf);
    if (!copy)
        return RS_EINVAL;
    rv = rs_eval_dataset_take(ds, copy);
    if (rv != RS_OK)
        rs__record__free_unpacked(copy, NULL);
    return rv;
}

rs_status rs_eval_dataset_office(struct rs_eval_dataset *ds, const char *code, const char *name)
{
    struct rs_eval_office *o;

    if (!code || !name)
        return RS_EINVAL;
    if (ds->noffices == RS_EVAL_MAX_OFFICES)
        return RS_ETOOBIG;
    if (ds->noffices == ds->offcap) {
        size_t cap = ds->offcap ? ds->offcap * 2 : 16;
        struct rs_eval_office *v = realloc(ds->offices, cap * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        ds->offices = v;
        ds->offcap = cap;
    }
    o = &ds->offices[ds->noffices++];
    rs_eval_copy(o->code, sizeof o->code, code);
    rs_eval_copy(o->name, sizeof o->name, name);
    return RS_OK;
}

const char *rs_eval_division_name(const struct rs_eval_dataset *ds, const char *code)
{
    for (size_t i = 0; i < ds->noffices; i++) {
        if (strcmp(ds->offices[i].code, code) == 0)
            return ds->offices[i].name;
    }
    return code;
}

/* ------------------------------------------------------------ helpers */

/* Drops a UTF-8 sequence cut short at the end of buf. */
void rs_eval_utf8_trim(char *buf)
{
    size_t len = strlen(buf), i = len;

    while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0) {
        unsigned char lead = (unsigned char)buf[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;

        if (len - (i - 1) < need)
            buf[i - 1] = '\0';
    }
}

char *rs_eval_fmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (n == 0)
        return buf;
    va_start(ap, fmt);
    k = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (k < 0)
        buf[0] = '\0';
    else if ((size_t)k >= n)
        rs_eval_utf8_trim(buf);
    return buf;
}

void rs_eval_copy(char *dst, size_t n, const char *src)
{
    rs_eval_fmt(dst, n, "%s", src ? src : "");
}

const char *rs_eval_wan(int64_t fen, char out[40])
{
    char w[32];

    rs_money_wan(fen, w);
    snprintf(out, 40, "%s万元", w);
    return out;
}

const char *rs_eval_yuan(int64_t fen, char out[40])
{
    char w[32];

    rs_money_yuan(fen, w);
    snprintf(out, 40, "%s元", w);
    return out;
}

void rs_eval_pct(int64_t num, int64_t den, char out[32])
{
    rs_i128 a = (rs_i128)num * 10000, q;
    bool neg;
    uint64_t h;

    if (den <= 0) {
        snprintf(out, 32, "—");
        return;
    }
    neg = a < 0;
    if (neg)
        a = -a;
    q = (a * 2 + den) / ((rs_i128)den * 2); /* half away from zero */
    h = (uint64_t)q;
    snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64, neg && h ? "-" : "", h / 100, h % 100);
}

static const char *rec_id8(const Rs__Record *r, char out[9])
{
    size_t n = r->id ? strlen(r->id) : 0;

    if (n > 8)
        n = 8;
    if (n)
        memcpy(out, r->id, n);
    out[n] = '\0';
    return out;
}

void rs_eval_rec_label(const Rs__Record *r, char *out, size_t outlen)
{
    char id[9];
    const char *type = "记录", *key = NULL;

    switch (r->body_case) {
    case RS__RECORD__BODY_PROJECT:
        type = "项目";
        key = r->project->project_id;
        break;
    case RS__RECORD__BODY_SUBSIDY:
        type = "直补";
        key = r->subsidy->village;
        break;
    case RS__RECORD__BODY_TRAINING:
        type = "培训";
        key = r->training->batch_id;
        break;
    case RS__RECORD__BODY_RELIEF:
        type = "救助";
        key = r->relief->household_ref;
        break;
    case RS__RECORD__BODY_PETITION:
        type = "信访";
        key = r->petition->case_id;
        break;
    case RS__RECORD__BODY_SURVEY:
        type = "满意度调查";
        key = r->survey->survey_id;
        break;
    case RS__RECORD__BODY_UNIT_PROFILE:
        type = "单位概况";
        break;
    case RS__RECORD__BODY_STAFFING:
        type = "人员编制";
        break;
    case RS__RECORD__BODY_BUDGET_LINE:
        type = "预算行";
        key = rs_eval_line_name((size_t)r->budget_line->line);
        break;
    case RS__RECORD__BODY_SAN_GONG:
        type = "三公经费";
        key = rs_eval_sangong_name((size_t)r->san_gong->kind);
        break;
    case RS__RECORD__BODY_PROCUREMENT:
        type = "政府采购";
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        type = "结转结余";
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        type = "固定资产";
        break;
    case RS__RECORD__BODY_MANUAL_SCORE:
        type = "人工评分";
        key = r->manual_score->indicator;
        break;
    case RS__RECORD__BODY_STATED_FIGURE:
        type = "报告所载数字";
        key = r->stated_figure->key;
        break;
    default:
        break;
    }
    rec_id8(r, id);
    if (key && *key)
        rs_eval_fmt(out, outlen, "%s %s（记录%s）", type, key, id);
    else
        rs_eval_fmt(out, outlen, "%s（记录%s）", type, id);
}

rs_status rs_eval_finding_add(struct rs_eval_result *res, enum rs_eval_sev sev,
                              const char *code, const char *division, const char *check,
                              const char *expected, const char *found, const char *where)
{
    struct rs_eval_finding *f;

    if (res->nfindings == RS_EVAL_MAX_FINDINGS) {
        res->findings_dropped++;
        return RS_OK;
    }
    if (res->nfindings == res->fcap) {
        size_t cap = res->fcap ? res->fcap * 2 : 32;
        struct rs_eval_finding *v = realloc(res->findings, cap * sizeof *v);

        if (!v)
            return RS_ENOMEM;
        res->findings = v;
        res->fcap = cap;
    }
    f = &res->findings[res->nfindings++];
    f->sev = sev;
    rs_eval_copy(f->code, sizeof f->code, code ? code : "");
    rs_eval_copy(f->division, sizeof f->division, division ? division : "");
    rs_eval_copy(f->check, sizeof f->check, check ? check : "");
    rs_eval_copy(f->expected, sizeof f->expected, expected ? expected : "");
    rs_eval_copy(f->found, sizeof f->found, found ? found : "");
    rs_eval_copy(f->where, sizeof f->where, where ? where : "");
    return RS_OK;
}

/* ------------------------------------------------------------ figures */

static bool is_township_type(Rs__Record__BodyCase t)
{
    return t == RS__RECORD__BODY_PROJECT || t == RS__RECORD__BODY_SUBSIDY ||
           t == RS__RECORD__BODY_TRAINING || t == RS__RECORD__BODY_RELIEF ||
           t == RS__RECORD__BODY_PETITION || t == RS__RECORD__BODY_SURVEY;
}

static const char *div_of(const Rs__Record *r)
{
    return r->division_code ? r->division_code : "";
}

static struct rs_eval_town *town_get(struct rs_eval_result *res, const char *code, size_t *cap)
{
    struct rs_eval_town *t;

    for (size_t i = res->ntowns; i > 0; i--) {
        if (strcmp(res->towns[i - 1].code, code) == 0)
            return &res->towns[i - 1];
    }
    if (res->ntowns == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct rs_eval_town *v = realloc(res->towns, nc * sizeof *v);

        if (!v)
            return NULL;
        res->towns = v;
        *cap = nc;
    }
    t = &res->towns[res->ntowns++];
    memset(t, 0, sizeof *t);
    rs_eval_copy(t->code, sizeof t->code, code);
    rs_eval_copy(t->name, sizeof t->name, rs_eval_division_name(res->ds, code));
    return t;
}

static void add_qty(struct rs_eval_cat *c, const char *unit, int64_t milli)
{
    const char *u = unit ? unit : "";

    for (size_t i = 0; i < c->nqty; i++) {
        if (strcmp(c->qty[i].unit, u) == 0) {
            c->qty[i].milli += milli;
            return;
        }
    }
    if (c->nqty == RS_EVAL_MAX_QTY || strlen(u) >= sizeof c->qty[0].unit) {
        c->qty_other_milli += milli;
        return;
    }
    rs_eval_copy(c->qty[c->nqty].unit, sizeof c->qty[0].unit, u);
    c->qty[c->nqty].milli = milli;
    c->nqty++;
}

static void add_project(struct rs_eval_town *t, const Rs__Project *p)
{
    size_t cat = p->has_category && (size_t)p->category < RS_EVAL_NCAT ? (size_t)p->category : 0;
    struct rs_eval_cat *c = &t->cat[cat];
    bool done = p->has_stage && p->stage >= RS__PROJECT_STAGE__STAGE_COMPLETED;

    t->proj_n++;
    c->count++;
    if (p->has_scale_qty_milli)
        add_qty(c, p->scale_unit, p->scale_qty_milli);
    c->planned_fen += p->planned_investment_fen;
    c->completed_fen += p->completed_investment_fen;
    c->paid_fen += p->paid_fen;
    t->proj_planned_fen += p->planned_investment_fen;
    t->proj_completed_fen += p->completed_investment_fen;
    t->proj_paid_fen += p->paid_fen;
    if (p->has_allocated_fen) {
        t->proj_allocated_n++;
        t->proj_allocated_fen += p->allocated_fen;
        t->proj_alloc_paid_fen += p->paid_fen;
    }
    if (!done)
        return;
    t->proj_completed++;
    if (p->has_actual_end && p->has_planned_end) {
        if (p->actual_end <= p->planned_end)
            t->proj_on_time++;
    } else {
        t->proj_no_dates++;
    }
    if (p->has_acceptance_result && p->acceptance_result == RS__ACCEPTANCE__ACCEPT_PASSED)
        t->proj_passed++;
    if (p->maintenance_owner && p->maintenance_owner[0])
        t->proj_maint++;
}

/* The due amount of a payout: as stated, else persons x standard x months / 12
 * (rounded down; rs_eval_check.c reports a due that is not whole fen). */
static bool subsidy_due(const Rs__SubsidyPayout *s, int64_t *due)
{
    if (s->has_amount_due_fen) {
        *due = s->amount_due_fen;
        return true;
    }
    if (s->has_persons_paid && s->has_standard_fen_per_year && s->has_months) {
        *due = (int64_t)s->persons_paid * s->standard_fen_per_year * (int64_t)s->months / 12;
        return true;
    }
    return false;
}

static void add_subsidy(struct rs_eval_town *t, const Rs__SubsidyPayout *s)
{
    int64_t due = 0;
    bool has_due = subsidy_due(s, &due);

    t->sub_n++;
    t->sub_persons += s->persons_paid;
    t->sub_due_fen += due;
    t->sub_paid_fen += s->amount_paid_fen;
    if (has_due && s->has_amount_paid_fen && s->amount_paid_fen >= due && s->has_paid_date &&
        s->has_due_date && s->paid_date <= s->due_date)
        t->sub_ok++;
}

static void add_training(struct rs_eval_town *t, const Rs__Training *tr)
{
    t->tr_cost_fen += tr->cost_fen;
    if (tr->has_type && tr->type == RS__TRAINING_TYPE__TRAIN_SELF) {
        t->tr_self_n++;
        t->tr_self_persons += tr->subsidy_persons;
        t->tr_self_paid_fen += tr->has_subsidy_total_fen ? tr->subsidy_total_fen : tr->cost_fen;
        return;
    }
    t->tr_n++;
    t->tr_trainees += tr->trainees;
    t->tr_certified += tr->certified;
    if (tr->has_planned_trainees) {
        t->tr_planned += tr->planned_trainees;
        t->tr_planned_trainees += tr->trainees;
    } else {
        t->tr_no_plan++;
    }
}

static void add_relief(struct rs_eval_town *t, const Rs__Relief *r)
{
    size_t k = r->has_kind && (size_t)r->kind < RS_EVAL_NRKIND ? (size_t)r->kind : 0;

    t->rl_n++;
    t->rl_fen += r->amount_fen;
    t->rl_kind_fen[k] += r->amount_fen;
    if (r->has_paid_date && r->amount_fen > 0)
        t->rl_delivered++;
}

static void add_petition(struct rs_eval_town *t, const Rs__Petition *p)
{
    t->pt_n++;
    if (p->has_status && p->status == RS__PETITION_STATUS__PST_CLOSED)
        t->pt_closed++;
    if (p->has_status && p->status == RS__PETITION_STATUS__PST_REPEAT)
        t->pt_repeat++;
    if (p->has_level && p->level >= RS__PETITION_LEVEL__PLV_DISTRICT)
        t->pt_above += p->has_visitors ? p->visitors : 1;
}

static void add_survey(struct rs_eval_town *t, const Rs__Survey *s)
{
    t->sv_n++;
    t->sv_sample += s->sample_size;
    t->sv_valid += s->valid;
    t->sv_satisfied += s->satisfied;
    t->sv_basic += s->basically_satisfied;
    t->sv_dissatisfied += s->dissatisfied;
}

static void add_town(struct rs_eval_town *t, const Rs__Record *r)
{
    t->records++;
    switch (r->body_case) {
    case RS__RECORD__BODY_PROJECT:
        add_project(t, r->project);
        break;
    case RS__RECORD__BODY_SUBSIDY:
        add_subsidy(t, r->subsidy);
        break;
    case RS__RECORD__BODY_TRAINING:
        add_training(t, r->training);
        break;
    case RS__RECORD__BODY_RELIEF:
        add_relief(t, r->relief);
        break;
    case RS__RECORD__BODY_PETITION:
        add_petition(t, r->petition);
        break;
    case RS__RECORD__BODY_SURVEY:
        add_survey(t, r->survey);
        break;
    default:
        break;
    }
}

struct hh {
    const char *div, *ref;
    size_t kind, town;
};

static int hh_cmp(const void *a, const void *b)
{
    const struct hh *x = a, *y = b;
    int c = strcmp(x->div, y->div);

    if (c)
        return c;
    c = strcmp(x->ref, y->ref);
    if (c)
        return c;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

/* Distinct households: by (division, household_ref), and by kind. */
static rs_status count_households(struct rs_eval_result *res, const struct rs_eval_dataset *ds)
{
    struct hh *v;
    size_t n = 0;

    v = malloc((ds->n ? ds->n : 1) * sizeof *v);
    if (!v)
        return RS_ENOMEM;
    for (size_t i = 0; i < ds->n; i++) {
        const Rs__Record *r = ds->rec[i];
        struct rs_eval_town *t;

        if (r->body_case != RS__RECORD__BODY_RELIEF)
            continue;
        if (res->is_township && strcmp(div_of(r), res->division) != 0)
            continue;
        t = (struct rs_eval_town *)rs_eval_town_find(res, div_of(r));
        v[n].div = div_of(r);
        v[n].ref = r->relief->household_ref ? r->relief->household_ref : "";
        v[n].kind = r->relief->has_kind && (size_t)r->relief->kind < RS_EVAL_NRKIND
                        ? (size_t)r->relief->kind
                        : 0;
        v[n].town = t ? (size_t)(t - res->towns) : SIZE_MAX;
        n++;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, hh_cmp);
    for (size_t i = 0; i < n; i++) {
        /* A record without a household_ref cannot be matched to any other,
         * so it counts as its own household (the checker reports it). */
        bool anon = v[i].ref[0] == '\0';
        bool new_hh = anon || i == 0 || strcmp(v[i].div, v[i - 1].div) != 0 ||
                      strcmp(v[i].ref, v[i - 1].ref) != 0;
        bool new_kind = new_hh || v[i].kind != v[i - 1].kind;
        struct rs_eval_town *t = v[i].town != SIZE_MAX ? &res->towns[v[i].town] : NULL;

        if (new_hh) {
            res->total.rl_households++;
            if (t)
                t->rl_households++;
        }
        if (new_kind) {
            res->total.rl_kind_households[v[i].kind]++;
            if (t)
                t->rl_kind_households[v[i].kind]++;
        }
    }
    free(v);
    return RS_OK;
}

static rs_status dup_finding(struct rs_eval_result *res, const Rs__Record *old,
                             const Rs__Record *r)
{
    char a[96], b[96], w[200];

    rs_eval_rec_label(old, a, sizeof a);
    rs_eval_rec_label(r, b, sizeof b);
    return rs_eval_finding_add(res, RS_SEV_WARNING, "record.duplicate", "",
                               "同一单位级数据只应有一条当前记录", "1条",
                               "2条或以上（采用后一条）", RS_SF(w, "%s；%s", a, b));
}

static rs_status add_unit(struct rs_eval_result *res, const Rs__Record *r)
{
    struct rs_eval_unit *u = &res->unit;
    const Rs__Record **slot = NULL;

    switch (r->body_case) {
    case RS__RECORD__BODY_UNIT_PROFILE:
        slot = &u->profile;
        break;
    case RS__RECORD__BODY_STAFFING:
        slot = &u->staffing;
        break;
    case RS__RECORD__BODY_PROCUREMENT:
        slot = &u->procurement;
        break;
    case RS__RECORD__BODY_CARRY_OVER:
        slot = &u->carry;
        break;
    case RS__RECORD__BODY_FIXED_ASSETS:
        slot = &u->assets;
        break;
    case RS__RECORD__BODY_BUDGET_LINE: {
        size_t k = r->budget_line->has_line ? (size_t)r->budget_line->line : 0;

        if (k == 0 || k >= RS_EVAL_NLINES) {
            char w[96];

            rs_eval_rec_label(r, w, sizeof w);
            return rs_eval_finding_add(res, RS_SEV_WARNING, "budget.line_kind", "",
                                       "预算行须注明类别", "人员经费/公用经费/项目支出等",
                                       "未注明（未计入）", w);
        }
        slot = &u->line[k].rec;
        break;
    }
    case RS__RECORD__BODY_SAN_GONG: {
        size_t k = r->san_gong->has_kind ? (size_t)r->san_gong->kind : 0;

        if (k == 0 || k >= RS_EVAL_NSANGONG) {
            char w[96];

            rs_eval_rec_label(r, w, sizeof w);
            return rs_eval_finding_add(res, RS_SEV_WARNING, "sangong.kind", "",
                                       "“三公”经费记录须注明类别", "出国/接待/购车/运行",
                                       "未注明（未计入）", w);
        }
        slot = &u->sg[k].rec;
        break;
    }
    default:
        return RS_OK;
    }
    if (*slot) {
        rs_status rv = dup_finding(res, *slot, r);

        if (rv)
            return rv;
    }
    *slot = r;
    return RS_OK;
}

static void unit_totals(struct rs_eval_unit *u)
{
    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        struct rs_eval_line *l = &u->line[k];
        const Rs__BudgetLine *b;

        if (!l->rec)
            continue;
        b = l->rec->budget_line;
        u->nlines++;
        l->year_start = b->year_start_fen;
        l->has_adjusted = b->has_adjusted_fen;
        l->adjusted = b->has_adjusted_fen ? b->adjusted_fen : b->year_start_fen;
        l->final = b->final_fen;
        l->transfer = b->higher_transfer_fen;
        l->has_key = b->has_key_fen;
        l->key = b->key_fen;
        u->ys_total += l->year_start;
        u->adj_total += l->adjusted;
        u->final_total += l->final;
        u->transfer_total += l->transfer;
        if (k == RS__BUDGET_LINE_KIND__LINE_PERSONNEL || k == RS__BUDGET_LINE_KIND__LINE_PUBLIC) {
            u->basic_ys += l->year_start;
            u->basic_adj += l->adjusted;
            u->basic_final += l->final;
        }
    }
    u->sg_has_prev = true;
    for (size_t k = 1; k < RS_EVAL_NSANGONG; k++) {
        struct rs_eval_sangong *s = &u->sg[k];
        const Rs__SanGong *g;

        if (!s->rec)
            continue;
        g = s->rec->san_gong;
        u->nsg++;
        s->budget = g->budget_fen;
        s->final = g->final_fen;
        s->prev_budget = g->prev_budget_fen;
        s->has_prev_budget = g->has_prev_budget_fen;
        u->sg_budget += s->budget;
        u->sg_final += s->final;
        u->sg_prev_budget += s->prev_budget;
        if (!s->has_prev_budget)
            u->sg_has_prev = false;
    }
    if (u->nsg == 0)
        u->sg_has_prev = false;
}

static int town_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rs_eval_town *)a)->code, ((const struct rs_eval_town *)b)->code);
}

static rs_status build_figures(struct rs_eval_result *res)
{
    const struct rs_eval_dataset *ds = res->ds;
    size_t tcap = 0;
    rs_status rv;

    snprintf(res->total.name, sizeof res->total.name, "合计");
    for (size_t i = 0; i < ds->n; i++) {
        const Rs__Record *r = ds->rec[i];

        if (is_township_type(r->body_case)) {
            struct rs_eval_town *t;

            if (res->is_township && strcmp(div_of(r), res->division) != 0)
                continue;
            t = town_get(res, div_of(r), &tcap);
            if (!t)
                return RS_ENOMEM;
            add_town(t, r);
            add_town(&res->total, r);
            res->nrecords++;
        } else if (!res->is_township) {
            rv = add_unit(res, r);
            if (rv)
                return rv;
            res->nrecords++;
        }
    }
    if (res->is_township && res->ntowns == 0) {
        struct rs_eval_town *t = town_get(res, res->division, &tcap);

        if (!t)
            return RS_ENOMEM;
    }
    if (res->ntowns > 1)
        qsort(res->towns, res->ntowns, sizeof *res->towns, town_cmp);
    rv = count_households(res, ds);
    if (rv)
        return rv;
    unit_totals(&res->unit);
    return RS_OK;
}

const struct rs_eval_town *rs_eval_town_find(const struct rs_eval_result *res,
                                             const char *division)
{
    for (size_t i = 0; i < res->ntowns; i++) {
        if (strcmp(res->towns[i].code, division) == 0)
            return &res->towns[i];
    }
    return NULL;
}

/* ------------------------------------------------------------ run */

void rs_eval_result_free(struct rs_eval_result *res)
{
    if (!res)
        return;
    free(res->towns);
    free(res->findings);
    free(res);
}

rs_status rs_eval_run(const struct rs_eval_dataset *ds, const struct rs_framework *fw,
                      const char *division, struct rs_eval_result **out)
{
    struct rs_eval_result *res = calloc(1, sizeof *res);
    rs_status rv = RS_ENOMEM;

    *out = NULL;
    if (!res)
        return RS_ENOMEM;
    res->ds = ds;
    res->fw = fw;
    res->year = ds->year;
    res->grade = rs_eval_grade(0);
    if (division && *division) {
        res->is_township = true;
        rs_eval_copy(res->division, sizeof res->division, division);
    }
    rv = build_figures(res);
    if (rv)
        goto out;
    if (!res->is_township) {
        rv = rs_eval_score_items(res);
        if (rv)
            goto out;
        rs_eval_all_formulas(res);
    }
    rv = rs_eval_check_all(res);
    if (rv)
        goto out;
    *out = res;
    res = NULL;
out:
    rs_eval_result_free(res);
    return rv;
}

/*
 * fuzz_expr.c - libFuzzer target for the expression language of formulas
 * and checks (server/eval/rs_expr.h), which reads text a provincial finance
 * office edits.
 *
 * The input's first byte picks the mode (a value, a condition, a condition
 * in the per-record scope of a project or a training check, with or
 * without reviewer answers); the rest is the expression.  Checked on
 * failure: RS_EINVAL, RS_ETOOBIG or RS_ENOMEM, nothing returned, a
 * terminated message and a column within the text.  Checked on success:
 * the root has the type asked for; evaluating against a fixed set of
 * records and names (some given, some absent, a zero, a huge number) gives
 * a given value with a positive denominator or an absent one with a
 * reason, the same twice; every input and label is terminated; the
 * comparison sides evaluate too.
 *
 * Does not: load a formula library (the names here are the target's own).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_expr.h"
#include "rs_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz_expr: check failed at %s:%d: %s\n", __FILE__, __LINE__, \
                    #cond);                                                           \
            abort();                                                                  \
        }                                                                             \
    } while (0)

static const struct {
    const char *name;
    enum rs_xtype type;
    bool given;
    int64_t num, den;
} names[] = {
    {"a", RS_XT_NUM, true, 10, 1},     {"b", RS_XT_NUM, true, 13, 7},
    {"zero", RS_XT_NUM, true, 0, 1},   {"none", RS_XT_NUM, false, 0, 1},
    {"m", RS_XT_MONEY, true, 71641, 1}, {"big", RS_XT_NUM, true, INT64_MAX, 1},
    {"neg", RS_XT_MONEY, true, INT64_MIN + 1, 3}, {"budget.final", RS_XT_MONEY, false, 0, 1},
};

static bool lookup(const void *user, const char *s, struct rs_xname *out)
{
    (void)user;
    for (uint32_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i].name, s) == 0) {
            out->id = i;
            out->type = names[i].type;
            return true;
        }
    }
    return false;
}

static void name_val(void *user, struct rs_xctx *ctx, uint32_t id, struct rs_xval *out)
{
    (void)user;
    if (!names[id].given) {
        rs_xctx_absent(ctx, out, names[id].type, "没有%s", names[id].name);
        return;
    }
    memset(out, 0, sizeof *out);
    out->state = RS_XS_GIVEN;
    out->type = (uint8_t)names[id].type;
    out->num = names[id].num;
    out->den = names[id].den;
    out->why = out->src = -1;
}

static void name_label(void *user, uint32_t id, char *out, size_t n)
{
    (void)user;
    snprintf(out, n, "%s", names[id].name);
}

static void answer(void *user, struct rs_xctx *ctx, enum rs_xop fn, struct rs_xval *out)
{
    (void)user;
    if (fn == RS_XO_MANUAL) {
        rs_xctx_absent(ctx, out, RS_XT_NUM, "没有人工评分");
        return;
    }
    memset(out, 0, sizeof *out);
    out->state = RS_XS_GIVEN;
    out->type = fn == RS_XO_CHECKLIST ? RS_XT_ANSWER : RS_XT_NUM;
    out->num = 3;
    out->den = fn == RS_XO_CHECKLIST ? 5 : 1;
    out->why = out->src = -1;
}

static Rs__Record rec[3];
static Rs__Project proj[2];
static Rs__Training train;
static const Rs__Record *projects[2], *trainings[1];

static const Rs__Record *const *records(void *user, rs_rtype t, size_t *n)
{
    (void)user;
    if (t == RS__RECORD__BODY_PROJECT) {
        *n = 2;
        return projects;
    }
    if (t == RS__RECORD__BODY_TRAINING) {
        *n = 1;
        return trainings;
    }
    *n = 0;
    return NULL;
}

static void setup(void)
{
    static bool done;

    if (done)
        return;
    done = true;
    for (int i = 0; i < 3; i++)
        rs__record__init(&rec[i]);
    rs__project__init(&proj[0]);
    rs__project__init(&proj[1]);
    rs__training__init(&train);
    proj[0].project_id = "P1";
    proj[0].village = "磨刀村";
    proj[0].has_stage = true;
    proj[0].stage = RS__PROJECT_STAGE__STAGE_ACCEPTED;
    proj[0].has_planned_investment_fen = true;
    proj[0].planned_investment_fen = INT64_C(100000000000000);
    proj[0].has_scale_qty_milli = true;
    proj[0].scale_qty_milli = 1500;
    proj[1].project_id = "P2";
    proj[1].has_completed_investment_fen = true;
    proj[1].completed_investment_fen = 7;
    train.batch_id = "B1";
    train.has_trainees = true;
    train.trainees = 50;
    train.has_type = true;
    train.type = RS__TRAINING_TYPE__TRAIN_SELF;
    for (int i = 0; i < 2; i++) {
        rec[i].body_case = RS__RECORD__BODY_PROJECT;
        rec[i].project = &proj[i];
        projects[i] = &rec[i];
    }
    rec[2].body_case = RS__RECORD__BODY_TRAINING;
    rec[2].training = &train;
    trainings[0] = &rec[2];
}

static const struct rs_xenv env = {name_val, records, answer, name_label};

static void check_val(const struct rs_xctx *ctx, const struct rs_xval *v)
{
    const char *why;

    CHECK(v->state == RS_XS_GIVEN || v->state == RS_XS_ABSENT);
    if (v->state == RS_XS_GIVEN && (v->type == RS_XT_NUM || v->type == RS_XT_MONEY ||
                                    v->type == RS_XT_ANSWER))
        CHECK(v->den > 0);
    why = rs_xctx_text(ctx, v->why);
    CHECK(why != NULL);
    CHECK(rs_utf8_valid(why, strlen(why)));
}

static size_t chars(const char *s, size_t n)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_xscope sc = {NULL, lookup, NULL, false};
    struct rs_expr *e = NULL;
    struct rs_xerr err;
    const char *src;
    size_t len;
    int want;
    rs_status st;

    if (size < 1)
        return 0;
    setup();
    want = (data[0] & 1) ? RS_XT_BOOL : -1;
    if (data[0] & 2)
        sc.record = rs_rtype_find((data[0] & 4) ? RS__RECORD__BODY_TRAINING
                                                : RS__RECORD__BODY_PROJECT);
    sc.answers = (data[0] & 8) != 0;
    src = (const char *)data + 1;
    len = size - 1;
    memset(&err, 'x', sizeof err);
    st = rs_expr_parse(src, len, &sc, want, &e, &err);
    if (st != RS_OK) {
        CHECK(st == RS_EINVAL || st == RS_ETOOBIG || st == RS_ENOMEM);
        CHECK(e == NULL);
        CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
        CHECK(err.msg[0] != '\0');
        if (st != RS_ENOMEM && len <= RS_EXPR_MAX_SRC && rs_utf8_valid(src, len))
            CHECK(err.col >= 1 && err.col <= chars(src, len) + 1);
        return 0;
    }
    CHECK(e != NULL);
    CHECK(e->nn >= 1 && e->nn <= RS_EXPR_MAX_NODES);
    CHECK(e->root >= 0 && (size_t)e->root < e->nn);
    if (want == RS_XT_BOOL)
        CHECK(rs_expr_type(e) == RS_XT_BOOL);
    else
        CHECK(rs_expr_type(e) == RS_XT_NUM || rs_expr_type(e) == RS_XT_MONEY ||
              rs_expr_type(e) == RS_XT_ANSWER);
    {
        struct rs_xctx ctx, ctx2;
        struct rs_xval v, v2;
        int idx[8], l, r;
        enum rs_xop op;
        size_t n;
        char label[128];

        rs_xctx_init(&ctx, &env, NULL, sc.record ? (sc.record->type == RS__RECORD__BODY_TRAINING
                                                        ? &rec[2]
                                                        : &rec[0])
                                                 : NULL);
        ctx.note = "（1个乡镇/街道）";
        ctx2 = ctx;
        rs_expr_eval(e, &ctx, &v);
        check_val(&ctx, &v);
        CHECK(v.type == rs_expr_type(e));
        rs_expr_eval(e, &ctx2, &v2);
        CHECK(v2.state == v.state && v2.num == v.num && v2.den == v.den);
        n = rs_expr_inputs(e, idx, 8);
        for (size_t k = 0; k < n && k < 8; k++) {
            CHECK(idx[k] >= 0 && (size_t)idx[k] < e->nn);
            rs_expr_label(e, idx[k], label, sizeof label);
            CHECK(memchr(label, '\0', sizeof label) != NULL);
            rs_expr_eval_node(e, idx[k], &ctx, &v);
            check_val(&ctx, &v);
        }
        if (rs_expr_sides(e, &l, &r, &op)) {
            rs_expr_eval_node(e, l, &ctx, &v);
            check_val(&ctx, &v);
            rs_expr_eval_node(e, r, &ctx, &v);
            check_val(&ctx, &v);
        }
        for (size_t k = 0; k < ctx.ntallies; k++)
            CHECK(ctx.tally[k].n >= 1 && ctx.tally[k].field_label != NULL);
    }
    rs_expr_free(e);
    return 0;
}

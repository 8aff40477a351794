/*
 * test_rtype_probe.c - a record type added through the record-type table
 * alone works end to end: validated, mapped from CSV, stored and read back.
 *
 * rs.Probe is a test-only member of rs.Record's body oneof with no entry in
 * the production table (test_rtype.c shows production code refuses it).
 * main() registers an entry for it with rs_rtype_register before anything
 * else uses the table, exactly as a new production entry would be written
 * in proto/rs_rtype_table.c: its rows (Chinese aliases, kinds, a
 * cross-field rule), natural key, label and detection column.  Nothing
 * else in resettle is told about it.  Then a good probe record validates
 * and a bad one is rejected by its rule; a CSV header in Chinese is
 * detected as the type and its rows mapped; and the server's store keeps a
 * probe record and gives it back byte for byte.
 *
 * Does not: exercise the network (the server's scope and unknown-field
 * checks are generic; itest_*.c cover them).
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
#include "rs_store.h"
#include "rs_util.h"
#include "rs_validate.h"
#include "tmpdir_fixture.h"

#define ERRLEN 256
#define PROBE_ID "3f2b8c1e-6a4d-4f0b-9c2e-1d5a7b9e0f12"

/* ---------------------------------------------------------------- the entry */

static bool rule_visits_done(const void *msg, struct rs_verdict *v)
{
    const Rs__Probe *p = msg;

    if (p->has_visits_done && p->has_visits && p->visits_done > p->visits)
        return rs_verdict_reject(v, "probe.visits_done", "must not exceed visits",
                                 "{}不能超过{visits}");
    return true;
}

static const struct rs_field probe_rows[] = {
    {"probe_id", "probe_id", "探访编号|编号", RS_FK_STRING, RS_FF_REQUIRED, NULL, NULL,
     "Visit code, unique within the township and year."},
    {"method", "method", "探访方式", RS_FK_ENUM, 0, NULL, NULL, "How (values below)."},
    {"visits", "visits", "计划次数", RS_FK_COUNT, 0, NULL, "次", "Visits planned."},
    {"visits_done", "visits_done", "完成次数", RS_FK_COUNT, 0, rule_visits_done, "次",
     "Visits made; at most `visits`."},
    {"cost_fen", "cost", "费用", RS_FK_MONEY, 0, NULL, NULL, "What the visits cost."},
    {"visit_date", "visit_date", "探访日期", RS_FK_DATE, 0, NULL, NULL, "Date of the last visit."},
};

static const struct rs_rtype_def probe_def = {
    .type = RS__RECORD__BODY_PROBE,
    .name = "probe",
    .label = "探访",
    .aliases = "探访记录",
    .level = RS_LEVEL_TOWNSHIP,
    .desc = &rs__probe__descriptor,
    .fields = probe_rows,
    .nfields = RS_NELEM(probe_rows),
    .key = {{"probe_id", 0}},
    .label_field = "probe_id",
    .has = {"probe_id"},
    .doc = "Test-only: a visit, one row per visit code.",
};

/* ---------------------------------------------------------------- records */

/* A valid probe record in r and p (strings point at literals). */
static void make_probe(Rs__Record *r, Rs__Probe *p)
{
    rs__record__init(r);
    rs__probe__init(p);
    r->id = PROBE_ID;
    r->division_code = "430602001";
    r->has_year = 1;
    r->year = 2023;
    r->has_period = 1;
    r->period = RS__PERIOD__PERIOD_YEAR;
    r->body_case = RS__RECORD__BODY_PROBE;
    r->probe = p;
    p->probe_id = "PR-1";
    p->has_method = 1;
    p->method = RS__SURVEY_METHOD__SM_VISIT;
    p->has_visits = 1;
    p->visits = 3;
    p->has_visits_done = 1;
    p->visits_done = 2;
    p->has_cost_fen = 1;
    p->cost_fen = 15000;
}

static void test_registered(void **state)
{
    static struct rs_rtype_def clash;
    char err[ERRLEN];

    (void)state;
    assert_int_equal(rs_rtype_check_table(err, sizeof err), RS_OK);
    assert_ptr_equal(rs_rtype_find(RS__RECORD__BODY_PROBE), &probe_def);
    assert_string_equal(rs_rtype_name(RS__RECORD__BODY_PROBE), "probe");
    assert_string_equal(rs_rtype_label(RS__RECORD__BODY_PROBE), "探访");
    assert_int_equal(rs_rtype_parse("Probe"), RS__RECORD__BODY_PROBE);
    assert_int_equal(rs_rtype_parse("探访记录"), RS__RECORD__BODY_PROBE);
    assert_true(rs_rtype_is_township(RS__RECORD__BODY_PROBE));
    /* The production types are all still there, first. */
    assert_int_equal(rs_rtype_at(0)->type, RS__RECORD__BODY_PROJECT);
    assert_int_equal(rs_rtype_parse("relief"), RS__RECORD__BODY_RELIEF);
    /* The same type twice, or a clash with a production name, is refused. */
    assert_int_equal(rs_rtype_register(&probe_def, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "same oneof case, name, label or alias as probe"));
    clash = probe_def;
    clash.aliases = "救助";
    assert_int_equal(rs_rtype_register(&clash, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "same oneof case, name, label or alias as relief"));
    assert_ptr_equal(rs_rtype_find(RS__RECORD__BODY_PROBE), &probe_def);
}

static void test_validated(void **state)
{
    Rs__Record r;
    Rs__Probe p;
    struct rs_verdict v;
    char key[64];

    (void)state;
    make_probe(&r, &p);
    if (rs_validate_record(&r, &v) != RS_OK)
        fail_msg("%s: %s", v.field, v.reason);
    assert_int_equal(rs_record_key(&r, key, sizeof key), RS_OK);
    assert_string_equal(key, "probe:PR-1");
    assert_string_equal(rs_record_label_key(&r), "PR-1");
    assert_ptr_equal(rs_rtype_body(&r), &p.base);

    /* Its own rule. */
    p.visits_done = 4;
    assert_int_equal(rs_validate_record(&r, &v), RS_EINVAL);
    assert_string_equal(v.field, "probe.visits_done");
    assert_string_equal(v.reason, "must not exceed visits");
    /* Its Chinese names the fields by the labels of its rows. */
    assert_string_equal(v.text, "完成次数不能超过计划次数");
    /* The generic checks its rows ask for. */
    make_probe(&r, &p);
    p.probe_id = NULL;
    assert_int_equal(rs_validate_record(&r, &v), RS_EINVAL);
    assert_string_equal(v.field, "probe.probe_id");
    assert_string_equal(v.reason, "required");
    assert_string_equal(v.text, "探访编号为必填项");
    make_probe(&r, &p);
    p.cost_fen = -1;
    assert_int_equal(rs_validate_record(&r, &v), RS_EINVAL);
    assert_string_equal(v.field, "probe.cost_fen");
    assert_string_equal(v.text, "费用（元）不能为负数");
    make_probe(&r, &p);
    p.has_visit_date = 1;
    p.visit_date = 20230230;
    assert_int_equal(rs_validate_record(&r, &v), RS_EINVAL);
    assert_string_equal(v.field, "probe.visit_date");
    assert_string_equal(v.reason, "not a calendar date");
    /* Its level: a township type needs a township's code. */
    make_probe(&r, &p);
    r.division_code = "430602";
    assert_int_equal(rs_validate_record(&r, &v), RS_EINVAL);
    assert_string_equal(v.field, "division_code");
}

/* ---------------------------------------------------------------- CSV */

/* A comma-separated line split into cells (no quoting needed here). */
struct cells {
    char buf[512];
    char *v[16];
    size_t n;
};

static void split(struct cells *c, const char *line)
{
    char *p;

    snprintf(c->buf, sizeof c->buf, "%s", line);
    c->n = 0;
    for (p = c->buf; c->n < 16;) {
        c->v[c->n++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p++ = '\0';
    }
}

static const struct rs_row_defaults defaults = {"430602001", 2023, 0, "张三", RS_MONEY_UNIT_NONE};

/* Maps one probe row; the returned record is the caller's. */
static Rs__Record *map_row(struct rs_rowmap *m, const char *line, struct rs_verdict *v)
{
    struct cells c;
    Rs__Record *r = NULL;

    split(&c, line);
    if (rs_rowmap_row(m, c.v, c.n, &r, v) != RS_OK)
        return NULL;
    return r;
}

static void test_mapped_from_csv(void **state)
{
    struct rs_rowmap *m = NULL;
    struct rs_verdict v;
    struct cells h;
    char err[ERRLEN];
    Rs__Record *r;

    (void)state;
    split(&h, "探访编号,探访方式,计划次数,完成次数,费用(万元),探访日期,备注");
    if (rs_rowmap_open(h.v, h.n, RS__RECORD__BODY__NOT_SET, &defaults, &m, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(rs_rowmap_type(m), RS__RECORD__BODY_PROBE);

    r = map_row(m, "PR-7,电话,5,5,1.5,2023年11月3日,回访", &v);
    if (!r)
        fail_msg("%s: %s", v.field, v.reason);
    assert_int_equal(r->body_case, RS__RECORD__BODY_PROBE);
    assert_string_equal(r->probe->probe_id, "PR-7");
    assert_int_equal(r->probe->method, RS__SURVEY_METHOD__SM_PHONE);
    assert_int_equal(r->probe->visits_done, 5);
    assert_int_equal(r->probe->cost_fen, 1500000);   /* 1.5 万元 */
    assert_int_equal(r->probe->visit_date, 20231103);
    assert_string_equal(r->remarks, "回访");
    assert_string_equal(r->division_code, "430602001");
    rs__record__free_unpacked(r, NULL);

    /* The rule's failure is reported against the column as written. */
    assert_null(map_row(m, "PR-8,入户,2,3,,,", &v));
    assert_string_equal(v.field, "完成次数");
    assert_string_equal(v.reason, "must not exceed visits");
    assert_string_equal(v.text, "完成次数不能超过计划次数");
    /* Enum cells are read through the enum's names. */
    assert_null(map_row(m, "PR-9,飞鸽,2,1,,,", &v));
    assert_string_equal(v.field, "探访方式");
    assert_string_equal(v.reason, "not one of: visit/入户, phone/电话, questionnaire/问卷");
    assert_string_equal(v.text, "不是可选的值，应为：入户、电话、问卷");
    rs_rowmap_close(m);

    /* Its required column, and --type by its Chinese name. */
    split(&h, "计划次数,备注");
    assert_int_equal(rs_rowmap_open(h.v, h.n, rs_rtype_parse("探访"), &defaults, &m, err,
                                    sizeof err),
                     RS_EINVAL);
    assert_string_equal(err, "缺少必填列“探访编号”（probe_id）：探访记录须有这一列");
}

/* ---------------------------------------------------------------- the store */

struct scan {
    size_t n;
    uint8_t body[512];
    size_t len;
};

static int on_row(const uint8_t *body, size_t len, void *arg)
{
    struct scan *s = arg;

    s->n++;
    if (len <= sizeof s->body) {
        memcpy(s->body, body, len);
        s->len = len;
    }
    return 0;
}

static void test_stored_and_read_back(void **state)
{
    struct fixture *f = *state;
    struct rs_store *s = NULL;
    struct rs_store_rec rec;
    struct scan got = {0};
    Rs__Record r, *back;
    Rs__Probe p;
    uint8_t body[512];
    size_t len;
    char err[ERRLEN];

    make_probe(&r, &p);
    len = rs__record__get_packed_size(&r);
    assert_true(len <= sizeof body);
    assert_int_equal(rs__record__pack(&r, body), len);
    memset(&rec, 0, sizeof rec);
    rec.id = r.id;
    rec.office_code = "430602001";
    rec.division_code = r.division_code;
    rec.type = r.body_case;
    rec.year = r.year;
    rec.period = r.period;
    rec.body = body;
    rec.body_len = len;
    rs_sha256(body, len, rec.hash);

    assert_int_equal(rs_store_open(f->db, RS_STORE_READWRITE, &s, err, sizeof err), RS_OK);
    assert_int_equal(rs_store_put_batches(s, &rec, 1, NULL, 0, err, sizeof err), RS_OK);
    assert_int_equal(rec.ack, RS__ACK_STATUS__ACK_STORED);
    assert_int_equal(rs_store_put_batches(s, &rec, 1, NULL, 0, err, sizeof err), RS_OK);
    assert_int_equal(rec.ack, RS__ACK_STATUS__ACK_DUPLICATE);
    assert_int_equal(rs_store_scan_year(s, 2023, NULL, on_row, &got), RS_OK);
    assert_int_equal(rs_store_close(s), RS_OK);

    assert_int_equal(got.n, 1);
    assert_int_equal(got.len, len);
    assert_memory_equal(got.body, body, len);
    back = rs__record__unpack(NULL, got.len, got.body);
    assert_non_null(back);
    assert_int_equal(back->body_case, RS__RECORD__BODY_PROBE);
    assert_string_equal(back->probe->probe_id, "PR-1");
    assert_int_equal(back->probe->visits_done, 2);
    assert_int_equal(back->probe->cost_fen, 15000);
    rs__record__free_unpacked(back, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_validated),
        cmocka_unit_test(test_mapped_from_csv),
        cmocka_unit_test_setup_teardown(test_stored_and_read_back, tmpdir_setup,
                                        tmpdir_teardown),
    };
    char err[ERRLEN];

    /* Before any other use of the table, from this one thread. */
    if (rs_rtype_register(&probe_def, err, sizeof err) != RS_OK) {
        fprintf(stderr, "test_rtype_probe: rs_rtype_register: %s\n", err);
        return 1;
    }
    return cmocka_run_group_tests_name("rtype_probe", tests, NULL, NULL);
}

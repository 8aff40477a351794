/*
 * itest_year.c - a reporting year on the real resettled and resettle: the
 * schedule, the completeness board, a return sent back and corrected, the
 * close, a late record refused, a reopening and the re-issue; and who may
 * make each of the year's requests.
 *
 * Offices: four townships of district 430602 (A reports on time, B late, C
 * sends a nil return, D nothing), the district's central office, and the
 * central office of another district (430603).
 *
 * test_year_flow drives the command-line client as the clerks would:
 *   schedule set (a file with a duplicate line, an unknown type or an
 *   impossible deadline refused at its line; then relief, once a year, 30
 *   days after the year ends: the deadline of 2023 is 2024-01-30), the
 *   townships submit, and the test
 *   moves the stored times of the returns (the server stopped, by hand in
 *   the database) to 2024-01-10 (A), 2024-02-09 (B, 10 days late) and
 *   2024-01-05 (C's nil return), since a test cannot wait for the calendar;
 *   completeness (on time, late 10 days, nil return, missing; reporting rate
 *   3/4, timeliness rate 2/4), a township's own row, another township's row
 *   refused; review return of one of A's records with a comment: A's status
 *   shows it with the comment and the file:line it came from, the report
 *   lists it as a finding; A corrects the row and submits again: the new
 *   version supersedes it, nothing is returned any more and the return is
 *   still on time; review accept of B's batch and an --accepted-only
 *   report; year close; the report is then the stored issue; D's late
 *   record is refused (its reason names the year and whom to ask) and the
 *   issued report is unchanged, byte for byte; year reopen for D; D submits
 *   again and is stored; the second close re-issues the report, which says
 *   when and why; year show lists both issues and the ended exception.
 *   Finally the stored issue is rendered again from the records in this
 *   process, in every format, and compared byte for byte.  Every step is
 *   in the audit trail and the chain verifies.
 *
 * test_year_access speaks the protocol directly (it_conn_*) to check each
 * refusal's error code: a township may not set a schedule, review, close
 * or reopen a year, or read another township's board or status; a central
 * office may not review a record outside its district or read another
 * district's board; a record of a closed year is rejected with
 * RecordAck.code ERR_LOCKED, which a validation failure never carries; a
 * board asked for in an office format (DOCX) is ERR_INVALID.
 *
 * Does not: test the board's arithmetic case by case (test_compl.c), the
 * store's transitions (test_year_store.c) or the report's annex
 * (test_report_year.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"
#include "rs_report_build.h"
#include "rs_store.h"

#define TOWN_A "430602001"
#define TOWN_B "430602002"
#define TOWN_C "430602003"
#define TOWN_D "430602004"
#define DISTRICT "430602"
#define OTHER "430603"
#define CENTRE_NAME "岳阳楼区库区移民服务中心"
#define T_REPLY (it_slow() ? 120000 : 15000)

struct env {
    char dir[256];
    char db[512];
    char *tok[6];                 /* A, B, C, D, DISTRICT, OTHER */
    struct it_server srv;
    uint64_t rid;
};

static const char *const codes[6] = {TOWN_A, TOWN_B, TOWN_C, TOWN_D, DISTRICT, OTHER};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *names[6] = {"金鹗山街道", "王家河街道", "奇家岭街道", "洞庭街道", CENTRE_NAME,
                            "君山区库区移民服务中心"};

    if (!e)
        return -1;
    it_tmpdir(e->dir, "year");
    it_db_path(e->db, sizeof(e->db), e->dir, "year");
    for (int i = 0; i < 6; i++) {
        e->tok[i] = it_office_add(e->dir, e->db, codes[i], names[i],
                                  i < 4 ? "township" : "central");
        if (!e->tok[i])
            return -1;
    }
    if (it_server_start(&e->srv, e->dir, e->db) != 0)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    int st = it_server_stop_logged(&e->srv);

    if (it_rmtree(e->dir) != 0)
        st = -1;
    for (int i = 0; i < 6; i++)
        free(e->tok[i]);
    free(e);
    return st == 0 ? 0 : -1;
}

/* The token of an office code. */
static const char *token(const struct env *e, const char *code)
{
    for (int i = 0; i < 6; i++)
        if (strcmp(codes[i], code) == 0)
            return e->tok[i];
    abort();
}

/*
 * Runs resettle as office (its own outbox) with args (NULL-terminated);
 * expects exit status want and returns what it printed (stdout and stderr,
 * malloc'd).
 */
static char *run(struct env *e, const char *office, int want, const char *const *args)
{
    char outbox[600], out[600], *text;
    const char *argv[24];
    size_t n = 0;
    int st;

    /* A close renders every format: under valgrind or TSan allow it more than 10 s. */
    if (it_slow()) {
        argv[n++] = "--timeout";
        argv[n++] = "300";
    }
    for (size_t i = 0; args[i] && n + 1 < sizeof(argv) / sizeof(argv[0]); i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    snprintf(outbox, sizeof(outbox), "%s/outbox-%s.db", e->dir, office);
    snprintf(out, sizeof(out), "%s/client.out", e->dir);
    st = it_client(e->dir, &e->srv, office, token(e, office), outbox, out, argv);
    text = it_read_file(out);
    if (st != want)
        fail_msg("resettle %s as %s: exit %d, expected %d; printed:\n%s", args[0], office, st,
                 want, text);
    return text;
}

/* Fails unless text has needle; frees nothing. */
static void has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected '%s' in:\n%s", needle, text);
}

static void lacks(const char *text, const char *needle)
{
    if (strstr(text, needle))
        fail_msg("did not expect '%s' in:\n%s", needle, text);
}

/* run, then has for each needle (NULL-terminated), then frees. */
static void run_has(struct env *e, const char *office, int want, const char *const *args, ...)
{
    char *text = run(e, office, want, args);
    va_list ap;
    const char *n;

    va_start(ap, args);
    while ((n = va_arg(ap, const char *)) != NULL)
        has(text, n);
    va_end(ap);
    free(text);
}

/* Unix seconds of noon China Standard Time on YYYY-MM-DD. */
static long long cst_noon(int y, int m, int d)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12 - 8;
    return (long long)timegm(&tm);
}

static void sql_exec(const char *db, const char *sql)
{
    sqlite3 *h = NULL;

    if (it_db_is_pg(db)) {
        if (rs_test_pg_int(db, sql) < 0)
            fail_msg("%s: failed on PostgreSQL", sql);
        return;
    }
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    sqlite3_close(h);
}

/* One text value of a query (read-only) into out. */
static void sql_text(const char *db, const char *sql, char *out, size_t cap)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;

    if (it_db_is_pg(db)) {
        uint8_t *v = NULL;
        size_t n = 0;

        assert_int_equal(it_sql_bytes(db, sql, 0, &v, &n), 0);
        snprintf(out, cap, "%s", (const char *)v);
        free(v);
        return;
    }
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* A relief CSV of rows (each ending in a newline). */
static void write_relief(const char *path, const char *rows)
{
    char text[2048];

    snprintf(text, sizeof(text),
             "division_code,year,household_ref,village,kind,persons,amount_yuan,paid_date\n%s", rows);
    it_write_file(path, text);
}

/* ------------------------------------------------------------ the flow */

static void test_year_flow(void **state)
{
    struct env *e = *state;
    char sched[600], fa[600], fb[600], fc[600], fd[600], issued1[600], again[600], issued2[600];
    char id_a1[64], id_a1v2[64], id_b1[64], batch_b[64], sql[300], want[900], until[16];
    char *text, *a, *b;

    it_path(sched, sizeof(sched), e->dir, "schedule.csv");
    it_path(fa, sizeof(fa), e->dir, "a.csv");
    it_path(fb, sizeof(fb), e->dir, "b.csv");
    it_path(fc, sizeof(fc), e->dir, "c.csv");
    it_path(fd, sizeof(fd), e->dir, "d.csv");
    it_path(issued1, sizeof(issued1), e->dir, "issued1.md");
    it_path(again, sizeof(again), e->dir, "again.md");
    it_path(issued2, sizeof(issued2), e->dir, "issued2.md");

    /* The schedule, in Chinese like a clerk's file, set by the central office. */
    /* A bad file is refused at its line, and nothing of it is sent. */
    it_write_file(sched, "类型,周期,截止天数,乡镇\n救助,年度,30,全部\n救助,季度,20,全部\n");
    snprintf(want, sizeof(want), "%s:3: ", sched);
    run_has(e, DISTRICT, 1, (const char *[]){"schedule", "set", "--year", "2023", sched, NULL},
            want, NULL);
    it_write_file(sched, "类型,周期,截止天数,乡镇\n颜色,年度,30,全部\n");
    snprintf(want, sizeof(want), "%s:2: ", sched);
    run_has(e, DISTRICT, 1, (const char *[]){"schedule", "set", "--year", "2023", sched, NULL},
            want, NULL);
    it_write_file(sched, "类型,周期,截止天数,乡镇\n救助,年度,400,全部\n");
    run_has(e, DISTRICT, 1, (const char *[]){"schedule", "set", "--year", "2023", sched, NULL},
            want, NULL);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM schedules"), 0);
    it_write_file(sched, "类型,周期,截止天数,乡镇\n救助,年度,30,全部\n");
    run_has(e, TOWN_A, 1, (const char *[]){"schedule", "set", "--year", "2023", sched, NULL},
            "resettle: 设定报送计划只能由区中心操作\n", NULL);
    run_has(e, DISTRICT, 0, (const char *[]){"schedule", "set", "--year", "2023", sched, NULL},
            "2023年度报送计划：已保存 1 行", NULL);
    run_has(e, TOWN_B, 0, (const char *[]){"schedule", "show", "--year", "2023", NULL},
            "类型,周期,截止天数,乡镇\n救助,年度,30,全部\n", NULL);

    /* A: two households; B: one; C: nothing of relief this year (a nil return); D: nothing. */
    write_relief(fa,
                 "430602001,2023,HH-A-1,新塘村,hardship,3,2000,2023-12-20\n"
                 "430602001,2023,HH-A-2,新塘村,hardship,2,1500,2023-12-21\n");
    write_relief(fb, "430602002,2023,HH-B-1,王家河村,hardship,4,3000,2023-12-10\n");
    it_write_file(fc, "division_code,year,period,record_type,statement\n"
                      "430602003,2023,year,救助,今期无此项业务\n");
    run_has(e, TOWN_A, 0, (const char *[]){"submit", fa, NULL}, "入库 2，",
            "区中心退回：无", NULL);
    run_has(e, TOWN_B, 0, (const char *[]){"submit", fb, NULL}, "入库 1，", NULL);
    run_has(e, TOWN_C, 0, (const char *[]){"submit", fc, NULL}, "零报告，入发件箱 1 条",
            "入库 1，", NULL);

    /* When each return arrived: moved back to dates around the deadline. */
    assert_int_equal(it_server_stop_logged(&e->srv), 0);
    snprintf(sql, sizeof(sql), "UPDATE records SET received_at = %lld WHERE division_code = '%s'",
             cst_noon(2024, 1, 10), TOWN_A);
    sql_exec(e->db, sql);
    snprintf(sql, sizeof(sql), "UPDATE records SET received_at = %lld WHERE division_code = '%s'",
             cst_noon(2024, 2, 9), TOWN_B);
    sql_exec(e->db, sql);
    snprintf(sql, sizeof(sql), "UPDATE records SET received_at = %lld WHERE division_code = '%s'",
             cst_noon(2024, 1, 5), TOWN_C);
    sql_exec(e->db, sql);
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);

    /* The board: on time, 10 days late, nil return, missing; 3 of 4 reported, 2 on time. */
    text = run(e, DISTRICT, 0, (const char *[]){"completeness", "--year", "2023", NULL});
    has(text, "2023年度报送完整性");
    has(text, "2023年度报送计划：救助按年度报送，期末后30天内。");
    has(text, "应报送4期次，已报送3期次（其中零报告1期次），按时报送2期次，迟报1期次，未报送1期次；"
              "报送率75.00%（3/4），及时率50.00%（2/4）。");
    has(text, "金鹗山街道    全年按时");
    has(text, "王家河街道    全年迟报10天");
    has(text, "奇家岭街道    全年零报告");
    has(text, "洞庭街道      全年未报");
    free(text);
    text = run(e, DISTRICT, 0,
               (const char *[]){"completeness", "--year", "2023", "--format", "csv", NULL});
    has(text, "completeness,relief.year,430602001,state,on_time\r\n");
    has(text, "completeness,relief.year,430602002,state,late\r\n"
              "completeness,relief.year,430602002,reported_on,2024-02-09\r\n"
              "completeness,relief.year,430602002,days_late,10\r\n");
    has(text, "completeness,relief.year,430602003,state,nil_on_time\r\n");
    has(text, "completeness,relief.year,430602004,state,missing\r\n");
    has(text, "completeness,counts,all,reporting_rate_pct,75.00\r\n");
    has(text, "completeness,counts,all,timeliness_rate_pct,50.00\r\n");
    free(text);
    /* A township sees its own row only, and not another's. */
    text = run(e, TOWN_B, 0, (const char *[]){"completeness", "--year", "2023", NULL});
    has(text, "王家河街道    全年迟报10天");
    lacks(text, "金鹗山街道");
    free(text);
    run_has(e, TOWN_B, 1,
            (const char *[]){"completeness", "--year", "2023", "--division", TOWN_A, NULL},
            "乡镇只能查看本单位的区划（430602002），其他区划由区中心查看", NULL);
    /* A year without a plan: the township is not told to set one (only the
     * centre may); the centre is told how. */
    text = run(e, TOWN_B, 1, (const char *[]){"completeness", "--year", "2025", NULL});
    has(text, "区中心尚未设定2025年度的报送计划");
    lacks(text, "schedule set");
    free(text);
    run_has(e, DISTRICT, 1, (const char *[]){"completeness", "--year", "2025", NULL},
            "2025年度尚未设定报送计划（请用 resettle schedule set", NULL);
    /* One period: the date, then the period's counts. */
    run_has(e, DISTRICT, 0,
            (const char *[]){"completeness", "--year", "2023", "--period", "全年", NULL},
            "截至", "，全年应报送4期次", NULL);
    /* The drafted report carries the board as an annex and the missing return as a finding. */
    run_has(e, DISTRICT, 0, (const char *[]){"report", "--year", "2023", "--format", "text", NULL},
            "附件：报送完整性", "洞庭街道      全年未报", NULL);
    run_has(e, DISTRICT, 0, (const char *[]){"report", "--year", "2023", "--format", "json", NULL},
            "\"completeness.missing\"", NULL);

    /* The centre returns one of A's records with a comment. */
    snprintf(sql, sizeof(sql), "SELECT record_id FROM records WHERE division_code = '%s' "
                               "ORDER BY seq LIMIT 1", TOWN_A);
    sql_text(e->db, sql, id_a1, sizeof(id_a1));
    run_has(e, TOWN_B, 1,
            (const char *[]){"review", "return", "--id", id_a1, "--comment", "x", NULL},
            "resettle: 审核记录只能由区中心操作\n", NULL);
    run_has(e, DISTRICT, 2, (const char *[]){"review", "return", "--id", id_a1, NULL},
            "review return 需要 --comment 说明", NULL);
    snprintf(want, sizeof(want), "已退回 1 条记录（审计记录第 ");
    run_has(e, DISTRICT, 0,
            (const char *[]){"review", "return", "--id", id_a1, "--comment",
                             "金额与发放花名册不符", NULL},
            want, id_a1, NULL);
    /* A's status says which, why, who, and the row it came from. */
    snprintf(want, sizeof(want), "%s:2: 退回 救助 HH-A-1（%s）：金额与发放花名册不符（%s，", fa,
             id_a1, CENTRE_NAME);
    run_has(e, TOWN_A, 0, (const char *[]){"status", NULL},
            "区中心退回：1 条（已审核通过 0 条）；请改正后重新报送该文件：",
            want, NULL);
    run_has(e, DISTRICT, 0, (const char *[]){"report", "--year", "2023", "--format", "json", NULL},
            "\"review.returned\"", "金额与发放花名册不符", NULL);
    /* A corrects the amount and submits the file again: the correction supersedes it. */
    write_relief(fa,
                 "430602001,2023,HH-A-1,新塘村,hardship,3,1800,2023-12-20\n"
                 "430602001,2023,HH-A-2,新塘村,hardship,2,1500,2023-12-21\n");
    run_has(e, TOWN_A, 0, (const char *[]){"submit", fa, NULL}, "入发件箱 1 条（新增 0，修改 1）",
            "入库 1，", "区中心退回：无", NULL);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE supersedes = '%s' AND "
                               "superseded_by IS NULL", id_a1);
    assert_int_equal(it_sql_int(e->db, sql), 1);
    text = run(e, DISTRICT, 0,
               (const char *[]){"report", "--year", "2023", "--format", "json", NULL});
    lacks(text, "\"review.returned\"");
    free(text);
    /* Corrected after the deadline, the return still counts as on time. */
    run_has(e, DISTRICT, 0, (const char *[]){"completeness", "--year", "2023", NULL},
            "金鹗山街道    全年按时", NULL);

    /* Accept B's batch; an accepted-only report counts only that record. */
    snprintf(sql, sizeof(sql), "SELECT batch_id FROM batches WHERE office_code = '%s'", TOWN_B);
    sql_text(e->db, sql, batch_b, sizeof(batch_b));
    snprintf(want, sizeof(want), "批次 %s：已审核通过 1 条记录（审计记录第 ", batch_b);
    run_has(e, DISTRICT, 0, (const char *[]){"review", "accept", "--batch", batch_b, NULL}, want,
            NULL);
    run_has(e, DISTRICT, 0,
            (const char *[]){"report", "--year", "2023", "--format", "csv", "--accepted-only",
                             NULL},
            "meta,report,,accepted_only,yes\r\n", "meta,report,,records,1\r\n", NULL);
    run_has(e, DISTRICT, 0, (const char *[]){"report", "--year", "2023", "--format", "csv", NULL},
            "meta,report,,records,3\r\n", NULL);
    /* B's record is returned and not corrected before the close. */
    snprintf(sql, sizeof(sql), "SELECT record_id FROM records WHERE division_code = '%s'", TOWN_B);
    sql_text(e->db, sql, id_b1, sizeof(id_b1));
    run_has(e, DISTRICT, 0,
            (const char *[]){"review", "return", "--id", id_b1, "--comment", "缺发放凭证", NULL},
            "已退回 1 条记录", NULL);
    run_has(e, TOWN_B, 0, (const char *[]){"status", NULL},
            "区中心退回：1 条（已审核通过 0 条）；请改正后重新报送该文件：", NULL);

    /* The close: a township may not; the centre issues the report. */
    run_has(e, TOWN_A, 1, (const char *[]){"year", "close", "--year", "2023", NULL},
            "resettle: 年度结账只能由区中心操作\n", NULL);
    run_has(e, DISTRICT, 0, (const char *[]){"year", "close", "--year", "2023", NULL},
            "2023年度：已结账（已出具 1 版报告）", "第 1 版：", " 由 430602 结账，3 条记录，"
                                                           "指标体系 unit-2023（sha256 ",
            NULL);
    run_has(e, DISTRICT, 1, (const char *[]){"year", "close", "--year", "2023", NULL},
            "resettle: 2023年度已结账（第 1 版报告，", "此后没有重新开放任何区划；"
            "须先重新开放（year reopen）才能再次出具", NULL);
    run_has(e, DISTRICT, 0, (const char *[]){"report", "--year", "2023", "--out", issued1, NULL},
            "2023年度已结账：以下是已出具的报告（第 1 版）", NULL);
    text = it_read_file(issued1);
    has(text, "本报告为2023年度结账时发布的报告（第1版），由" CENTRE_NAME "于");
    /* The same count as the close's (C's nil return is on the board, not a record of it). */
    has(text, "结账时的当前记录3条");
    free(text);

    /* B's return cannot be corrected now: B is told so, not to resubmit. */
    text = run(e, TOWN_B, 0, (const char *[]){"status", NULL});
    has(text, "区中心退回：1 条（已审核通过 0 条）；所在年度已结账，改正须先请区中心重新开放：");
    lacks(text, "请改正后重新报送该文件");
    free(text);

    /* D's return comes after the close: refused, and the issued report does not move. */
    write_relief(fd, "430602004,2023,HH-D-1,洞庭村,hardship,2,1000,2023-11-10\n");
    run_has(e, TOWN_D, 1, (const char *[]){"submit", fd, NULL}, "被拒 1\n", NULL);
    run_has(e, TOWN_D, 0, (const char *[]){"status", NULL},
            "被拒 1\n",
            ": year: 2023年度已结账（报告已于",
            "出具），不再接收该年度的记录；如需补报，请" CENTRE_NAME "（430602）重新开放", NULL);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE division_code = '%s'", TOWN_D);
    assert_int_equal(it_sql_int(e->db, sql), 0);
    run_has(e, DISTRICT, 0, (const char *[]){"report", "--year", "2023", "--out", again, NULL},
            "（第 1 版）", NULL);
    a = it_read_file(issued1);
    b = it_read_file(again);
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* A review of a closed year would change it too. */
    snprintf(sql, sizeof(sql), "SELECT record_id FROM records WHERE supersedes = '%s'", id_a1);
    sql_text(e->db, sql, id_a1v2, sizeof(id_a1v2));
    run_has(e, DISTRICT, 1, (const char *[]){"review", "accept", "--id", id_a1v2, NULL},
            "不能审核：2023年度已结账（报告已于", "不能再改动；如需改动，请" CENTRE_NAME
            "（430602）重新开放", NULL);

    /* Reopened for D until a week from now; D submits again and is stored. */
    rs_date_format(rs_date_from_days(rs_date_days(rs_date_cst(rs_now_unix())) + 7), until);
    run_has(e, TOWN_D, 1,
            (const char *[]){"year", "reopen", "--year", "2023", "--division", TOWN_D, "--until",
                             until, "--reason", "补报", NULL},
            "重新开放年度只能由区中心操作", NULL);
    /* Only a registered office's division can be reopened. */
    run_has(e, DISTRICT, 1,
            (const char *[]){"year", "reopen", "--year", "2023", "--division", "430602999",
                             "--until", until, "--reason", "补报", NULL},
            "区划 430602999 不是已登记的单位，不能为它重新开放", NULL);
    snprintf(want, sizeof(want), "已为 430602004 重新开放至 %s：洞庭街道补报救助记录", until);
    run_has(e, DISTRICT, 0,
            (const char *[]){"year", "reopen", "--year", "2023", "--division", TOWN_D, "--until",
                             until, "--reason", "洞庭街道补报救助记录", NULL},
            want, NULL);
    run_has(e, TOWN_D, 0, (const char *[]){"submit", fd, NULL}, "入库 1，", NULL);
    /* Only D was let in. */
    write_relief(fb, "430602002,2023,HH-B-2,王家河村,hardship,1,500,2023-12-11\n");
    run_has(e, TOWN_B, 1, (const char *[]){"submit", fb, NULL}, "被拒 1\n", NULL);

    /* The re-close re-issues the report, which says when and why. */
    run_has(e, DISTRICT, 0, (const char *[]){"year", "close", "--year", "2023", NULL},
            "2023年度：已结账（已出具 2 版报告）",
            " 由 430602 结账，4 条记录，指标体系 unit-2023（sha256 ",
            "；重新出具原因：洞庭街道（430602004）：洞庭街道补报救助记录", "（第 2 版报告出具时结束）",
            NULL);
    run_has(e, DISTRICT, 0, (const char *[]){"report", "--year", "2023", "--out", issued2, NULL},
            "（第 2 版）", NULL);
    text = it_read_file(issued2);
    has(text, "本报告为第2版，由" CENTRE_NAME "于");
    has(text, "重新发布；此前第1版发布于");
    has(text, "重新发布原因：洞庭街道（430602004）：洞庭街道补报救助记录。");
    has(text, "| 洞庭街道 | 全年迟报");
    free(text);
    /* A township sees the issues, and its own exceptions only. */
    text = run(e, TOWN_A, 0, (const char *[]){"year", "show", "--year", "2023", NULL});
    has(text, "2023年度：已结账（已出具 2 版报告）");
    lacks(text, "重新开放至");
    free(text);
    /* The district's own code reopens every township under it: the answer says so. */
    snprintf(want, sizeof(want), "已为 430602（全区，含其下各乡镇/街道）重新开放至 %s：区中心补录单位数据",
             until);
    run_has(e, DISTRICT, 0,
            (const char *[]){"year", "reopen", "--year", "2023", "--division", DISTRICT, "--until",
                             until, "--reason", "区中心补录单位数据", NULL},
            want, NULL);

    /* The audit trail has every step, and its chain verifies. */
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM audit WHERE kind = 'schedule_set'"),
                     1);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM audit WHERE kind = 'review_return'"),
                     2);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM audit WHERE kind = 'review_accept'"),
                     1);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM audit WHERE kind = 'year_close'"), 2);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM audit WHERE kind = 'year_reopen'"),
                     2);
    {
        char *argv[] = {RS_SERVER_BIN, "audit", "verify", "--db", e->db, NULL};
        char out[600];

        it_path(out, sizeof(out), e->dir, "verify.out");
        assert_int_equal(it_run(argv, out, out), 0);
        text = it_read_file(out);
        has(text, "ok ");
        free(text);
    }

    /* Rendering the issue again from the records gives the stored bytes, every format. */
    assert_int_equal(it_server_stop_logged(&e->srv), 0);
    {
        struct rs_store *s = NULL;
        struct rs_year_info info;
        struct rs_report_req req;
        struct rs_year_made made;
        char err[512];

        assert_int_equal(rs_store_open(e->db, RS_STORE_READONLY, &s, err, sizeof(err)), RS_OK);
        assert_int_equal(rs_store_year_info(s, 2023, &info), RS_OK);
        assert_int_equal(info.nissues, 2);
        memset(&req, 0, sizeof(req));
        req.year = 2023;
        req.framework_dir = RS_SOURCE_DIR "/server/frameworks";   /* the presets the server had */
        req.now = info.issues[1].closed_at;
        req.issues = info.issues;
        req.nissues = info.nissues;
        assert_int_equal(rs_report_build_all(s, &req, &made, err, sizeof(err)), RS_OK);
        assert_int_equal(made.n, 7);
        for (size_t i = 0; i < made.n; i++) {
            char *body = NULL;
            size_t len = 0;

            assert_int_equal(rs_store_year_report(s, 2023, made.reports[i].format, &body, &len,
                                                  NULL),
                             RS_OK);
            if (len != made.reports[i].len || memcmp(body, made.reports[i].body, len) != 0)
                fail_msg("format %d rendered again differs from the issued bytes",
                         (int)made.reports[i].format);
            if (made.reports[i].format == RS__REPORT_FORMAT__FMT_MARKDOWN) {
                text = it_read_file(issued2);
                assert_int_equal(strlen(text), len);
                assert_memory_equal(text, body, len);
                free(text);
            }
            free(body);
            free(made.reports[i].body);
        }
        rs_year_info_free(&info);
        assert_int_equal(rs_store_close(s), RS_OK);
    }
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
}

/* ------------------------------------------------------------ access */

static void login(struct env *e, struct it_conn *c, const char *office)
{
    assert_int_equal(it_conn_login(c, e->srv.addr, office, token(e, office)), 0);
}

/* Sends env (request id set here) and returns the reply. */
static Rs__Envelope *ask(struct env *e, struct it_conn *c, Rs__Envelope *env)
{
    Rs__Envelope *reply = NULL;

    env->has_request_id = 1;
    env->request_id = ++e->rid;
    assert_int_equal(it_conn_send(c, env, T_REPLY), 0);
    assert_int_equal(it_conn_recv(c, &reply, T_REPLY), 0);
    return reply;
}

/* Expects an Error of code, not closing, whose message has needle and which has a
 * Chinese text; frees it. */
static void expect_error(Rs__Envelope *r, Rs__ErrorCode code, const char *needle)
{
    assert_non_null(r);
    if (r->msg_case != RS__ENVELOPE__MSG_ERROR)
        fail_msg("expected Error %d, got message %d", (int)code, (int)r->msg_case);
    if (r->error->code != code)
        fail_msg("expected Error %d, got %d: %s", (int)code, (int)r->error->code,
                 r->error->message);
    has(r->error->message, needle);
    /* A refusal the clerk can act on says it in Chinese too (Error.text). */
    if (!r->error->text || !r->error->text[0])
        fail_msg("Error %d \"%s\" has no Chinese text", (int)code, r->error->message);
    assert_false(r->error->close);
    rs__envelope__free_unpacked(r, NULL);
}

/* Expects a reply of case want; frees it. */
static void expect_case(Rs__Envelope *r, Rs__Envelope__MsgCase want)
{
    assert_non_null(r);
    if (r->msg_case != want)
        fail_msg("expected message %d, got %d (%s)", (int)want, (int)r->msg_case,
                 r->msg_case == RS__ENVELOPE__MSG_ERROR ? r->error->message : "");
    rs__envelope__free_unpacked(r, NULL);
}

static Rs__Envelope *schedule_set(struct env *e, struct it_conn *c)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ScheduleSet set = RS__SCHEDULE_SET__INIT;
    Rs__ScheduleEntry ent = RS__SCHEDULE_ENTRY__INIT, *ep = &ent;

    ent.has_record_type = 1;
    ent.record_type = RS__RECORD_TYPE__RT_RELIEF;
    ent.has_period_kind = 1;
    ent.period_kind = RS__PERIOD_KIND__PK_YEAR;
    ent.has_deadline_days = 1;
    ent.deadline_days = 30;
    set.has_year = 1;
    set.year = 2023;
    set.n_entries = 1;
    set.entries = &ep;
    env.msg_case = RS__ENVELOPE__MSG_SCHEDULE_SET;
    env.schedule_set = &set;
    return ask(e, c, &env);
}

static Rs__Envelope *review(struct env *e, struct it_conn *c, const char *id)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__ReviewRequest rq = RS__REVIEW_REQUEST__INIT;

    rq.has_action = 1;
    rq.action = RS__REVIEW_ACTION__RA_RETURN;
    rq.record_id = (char *)id;
    rq.comment = "请核对";
    env.msg_case = RS__ENVELOPE__MSG_REVIEW_REQUEST;
    env.review_request = &rq;
    return ask(e, c, &env);
}

static Rs__Envelope *year_req(struct env *e, struct it_conn *c, Rs__YearAction action)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__YearRequest rq = RS__YEAR_REQUEST__INIT;

    rq.has_action = 1;
    rq.action = action;
    rq.has_year = 1;
    rq.year = 2023;
    if (action == RS__YEAR_ACTION__YA_REOPEN) {
        rq.division = TOWN_A;
        rq.has_until = 1;
        rq.until = rs_date_from_days(rs_date_days(rs_date_cst(rs_now_unix())) + 3);
        rq.reason = "更正";
    }
    env.msg_case = RS__ENVELOPE__MSG_YEAR_REQUEST;
    env.year_request = &rq;
    return ask(e, c, &env);
}

static Rs__Envelope *board(struct env *e, struct it_conn *c, const char *division)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__CompletenessRequest rq = RS__COMPLETENESS_REQUEST__INIT;

    rq.has_year = 1;
    rq.year = 2023;
    rq.division = (char *)division;
    env.msg_case = RS__ENVELOPE__MSG_COMPLETENESS_REQUEST;
    env.completeness_request = &rq;
    return ask(e, c, &env);
}

static Rs__Envelope *status(struct env *e, struct it_conn *c, const char *division)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__StatusRequest rq = RS__STATUS_REQUEST__INIT;

    rq.division = (char *)division;
    env.msg_case = RS__ENVELOPE__MSG_STATUS_REQUEST;
    env.status_request = &rq;
    return ask(e, c, &env);
}

/* Submits one relief record of A (household hh) and returns its one ack's reply. */
static Rs__Envelope *submit_a(struct env *e, struct it_conn *c, const char *hh, int64_t amount)
{
    Rs__Record r, *ptr = &r;
    Rs__Relief rel;
    char id[RS_UUID_LEN + 1];
    Rs__Envelope *reply = NULL;

    it_relief_record(&r, &rel, id, TOWN_A, hh);
    rel.amount_fen = amount;
    assert_int_equal(it_conn_submit(c, ++e->rid, &ptr, 1, T_REPLY), 0);
    assert_int_equal(it_conn_recv(c, &reply, T_REPLY), 0);
    assert_int_equal(reply->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(reply->ack->n_acks, 1);
    return reply;
}

static void test_year_access(void **state)
{
    struct env *e = *state;
    struct it_conn a, c, o;
    Rs__Envelope *r;
    char id[64], sql[200];

    login(e, &a, TOWN_A);
    login(e, &c, DISTRICT);
    login(e, &o, OTHER);
    r = submit_a(e, &a, "ACC-1", 60000);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(r, NULL);
    snprintf(sql, sizeof(sql), "SELECT record_id FROM records WHERE division_code = '%s'", TOWN_A);
    sql_text(e->db, sql, id, sizeof(id));

    /* A township may do none of the centre's part of the year. */
    expect_error(schedule_set(e, &a), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "setting a schedule is for the central office only");
    expect_error(review(e, &a, id), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "reviewing records is for the central office only");
    expect_error(year_req(e, &a, RS__YEAR_ACTION__YA_CLOSE), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "for the central office only");
    expect_error(year_req(e, &a, RS__YEAR_ACTION__YA_REOPEN), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "for the central office only");
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM schedules"), 0);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM reviews"), 0);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM year_issues"), 0);

    /* The centre's schedule; then a township's board is its own row only. */
    expect_case(schedule_set(e, &c), RS__ENVELOPE__MSG_SCHEDULE);
    expect_case(board(e, &a, NULL), RS__ENVELOPE__MSG_COMPLETENESS);
    {
        Rs__Envelope env = RS__ENVELOPE__INIT;
        Rs__CompletenessRequest rq = RS__COMPLETENESS_REQUEST__INIT;

        rq.has_year = 1;
        rq.year = 2023;
        rq.has_format = 1;
        rq.format = RS__REPORT_FORMAT__FMT_DOCX;
        env.msg_case = RS__ENVELOPE__MSG_COMPLETENESS_REQUEST;
        env.completeness_request = &rq;
        expect_error(ask(e, &c, &env), RS__ERROR_CODE__ERR_INVALID,
                     "the completeness board is written as Markdown, text, JSON or CSV");
    }
    expect_case(board(e, &a, TOWN_A), RS__ENVELOPE__MSG_COMPLETENESS);
    expect_error(board(e, &a, TOWN_B), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "a township office sees only its own division (430602001)");
    expect_error(board(e, &a, DISTRICT), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "a township office sees only its own division (430602001)");
    expect_error(status(e, &a, TOWN_B), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "a township office sees only its own division (430602001)");
    expect_case(status(e, &a, NULL), RS__ENVELOPE__MSG_STATUS);

    /* Another district's central office: not this district's records or board. */
    expect_error(review(e, &o, id), RS__ERROR_CODE__ERR_FORBIDDEN, "430603");
    expect_error(board(e, &o, TOWN_A), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "outside this office's district 430603");
    expect_error(board(e, &c, "430603001"), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "outside this office's district 430602");
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM reviews"), 0);
    /* The district's own central office may. */
    expect_case(review(e, &c, id), RS__ENVELOPE__MSG_REVIEW);
    expect_case(board(e, &c, TOWN_A), RS__ENVELOPE__MSG_COMPLETENESS);

    /* Closed: a record of 2023 is rejected with code ERR_LOCKED; a validation failure has
     * no code. */
    expect_case(year_req(e, &c, RS__YEAR_ACTION__YA_CLOSE), RS__ENVELOPE__MSG_YEAR);
    r = submit_a(e, &a, "ACC-2", 60000);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_REJECTED);
    assert_true(r->ack->acks[0]->has_code);
    assert_int_equal(r->ack->acks[0]->code, RS__ERROR_CODE__ERR_LOCKED);
    assert_string_equal(r->ack->acks[0]->field, "year");
    has(r->ack->acks[0]->reason, "year 2023 is closed");
    has(r->ack->acks[0]->reason, "ask " CENTRE_NAME " (430602) to reopen it");
    /* The clerk's text says the same in Chinese; the reason stays English for the logs. */
    has(r->ack->acks[0]->text, "2023年度已结账");
    has(r->ack->acks[0]->text, "请" CENTRE_NAME "（430602）重新开放");
    rs__envelope__free_unpacked(r, NULL);
    r = submit_a(e, &a, "ACC-3", -5);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_REJECTED);
    assert_false(r->ack->acks[0]->has_code && r->ack->acks[0]->code != RS__ERROR_CODE__ERR_NONE);
    /* A validation failure's text is the verdict's Chinese (RecordAck.text). */
    assert_string_equal(r->ack->acks[0]->reason, "must be > 0");
    assert_string_equal(r->ack->acks[0]->text, "金额（元）须大于0");
    rs__envelope__free_unpacked(r, NULL);
    /* Reviewing and reopening stay the centre's; its reopen lets A in. */
    expect_error(year_req(e, &a, RS__YEAR_ACTION__YA_REOPEN), RS__ERROR_CODE__ERR_FORBIDDEN,
                 "for the central office only");
    expect_case(year_req(e, &a, RS__YEAR_ACTION__YA_SHOW), RS__ENVELOPE__MSG_YEAR);
    expect_case(year_req(e, &c, RS__YEAR_ACTION__YA_REOPEN), RS__ENVELOPE__MSG_YEAR);
    r = submit_a(e, &a, "ACC-2", 60000);
    assert_int_equal(r->ack->acks[0]->status, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(r, NULL);
    it_conn_close(&a);
    it_conn_close(&c);
    it_conn_close(&o);
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_year_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_year_access, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

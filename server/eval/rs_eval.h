/*
 * rs_eval.h - the unit evaluation: figures, indicator values, scores, grade
 * and the consistency checker.
 *
 * Pure: a dataset (rs_eval_dataset.h: the current records of one year,
 * plus office names) and a framework (rs_framework.h) go in; a result
 * comes out.  No SQLite, no I/O, no clock.  Every function here may run
 * on any thread; a run only reads its dataset and framework, so several
 * may share them.  docs/evaluation.md defines every formula, rule shape
 * and check.
 *
 * Exactness: money is int64 fen; a value is an exact fraction num/den of
 * int64s; rules compare and scale with 128-bit integer arithmetic; a score
 * is integer milli-points, the exact rule result truncated to 0.001 (never
 * rounded up, so nothing below full marks can show as full).  Nothing here
 * rounds for display except the helpers marked "for display".
 *
 * A value that cannot be computed (a division by zero, a missing record) is
 * state RS_EVAL_NOT_COMPUTABLE with the reason; it scores 0 and adds a
 * finding.  It is never NaN and never full marks.
 *
 * Does not: load frameworks (rs_framework.h), hold the records
 * (rs_eval_dataset.h), read the store (rs_report_build.h) or render text
 * (rs_report.h).
 */
#ifndef RS_EVAL_H
#define RS_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_eval_dataset.h"
#include "rs_framework.h"
#include "rs_status.h"

#define RS_EVAL_MAX_FINDINGS 2000      /* more are counted, not kept */
#define RS_EVAL_MAX_INPUTS 6
#define RS_EVAL_MAX_QTY 4              /* scale units kept per category */

/* ------------------------------------------------------------ figures */

/* A figure that is given or not: an absent field is never 0. */
struct rs_eval_amt {
    int64_t v;
    bool has;
};

struct rs_eval_line {
    const Rs__Record *rec;             /* NULL: no record for this line */
    struct rs_eval_amt year_start, final, transfer, key, addition, prev_year_start, prev_final;
    /* The given adjusted budget, else the year-start one (a line without an
     * adjusted figure was not adjusted); adjusted_given says which. */
    struct rs_eval_amt adjusted;
    bool adjusted_given;
};

struct rs_eval_sangong {
    const Rs__Record *rec;
    struct rs_eval_amt budget, final, prev_budget, prev_final;
};

/* The unit's headcount: its own staffing record, else the sums over its
 * sub-units (given only if each of them gives it). */
struct rs_eval_staff {
    bool any;                          /* a staffing record exists */
    struct rs_eval_amt establishment, in_service, veteran_retired, retired, temporary;
    struct rs_eval_amt stated_total;
};

#define RS_EVAL_MAX_SUBUNITS 32       /* sub-units' staffing records kept */

/* Unit-level figures (central office records).  A total is the 合计 record's
 * figure when it gives one, else the sum over the parts, given only when
 * every part that has a record gives it (the transfers: a line that gives
 * none has none). */
struct rs_eval_unit {
    const Rs__Record *profile, *staffing, *procurement, *carry, *assets;
    /* Staffing records of sub-units (二级单位), one per sub_unit; staffing is
     * the unit's own (no sub_unit), or NULL. */
    const Rs__Record *staff_sub[RS_EVAL_MAX_SUBUNITS];
    size_t nsub;
    struct rs_eval_staff staff;
    struct rs_eval_line line[RS_EVAL_NLINES];      /* by BudgetLineKind, 合计 last */
    size_t nlines;                                 /* part lines with a record */
    struct rs_eval_amt ys_total, adj_total, final_total, transfer_total;
    struct rs_eval_amt basic_ys, basic_adj, basic_final;   /* personnel + public */
    struct rs_eval_sangong sg[RS_EVAL_NSANGONG];   /* by SanGongKind, 合计 last */
    size_t nsg;                                    /* components with a record */
    struct rs_eval_amt sg_budget, sg_final, sg_prev_budget, sg_prev_final;
};

struct rs_eval_qty {
    char unit[16];
    int64_t milli;
};

struct rs_eval_cat {
    uint32_t count;
    size_t nqty;
    struct rs_eval_qty qty[RS_EVAL_MAX_QTY];
    int64_t qty_other_milli;                       /* units past the cap */
    /* Sums over the projects that give the field; *_miss count those that do not. */
    int64_t planned_fen, completed_fen, paid_fen;
    uint32_t planned_miss, completed_miss, paid_miss;
};

/* Township figures of one division, or of all divisions (the total). */
struct rs_eval_town {
    char code[RS_EVAL_CODE_MAX + 1];
    char name[RS_EVAL_NAME_MAX + 1];
    uint32_t records;
    /* projects */
    uint32_t proj_n, proj_completed, proj_on_time, proj_passed, proj_maint;
    uint32_t proj_no_dates;                        /* completed, lacking end dates */
    uint32_t proj_stage_miss;                      /* lacking a stage: neither done nor not */
    /* Each sum is over the records that give its field; a *_miss counts the
     * records that do not (so a sum is never an absent field read as 0). */
    int64_t proj_planned_fen, proj_completed_fen, proj_paid_fen;
    uint32_t proj_planned_miss, proj_completed_miss, proj_paid_miss;
    int64_t proj_allocated_fen, proj_alloc_paid_fen;   /* over projects with allocated_fen */
    uint32_t proj_allocated_n;
    struct rs_eval_cat cat[RS_EVAL_NCAT];
    /* direct subsidy */
    uint32_t sub_n, sub_ok, sub_persons;
    uint32_t sub_persons_miss, sub_due_miss, sub_paid_miss;
    uint32_t sub_ok_miss;       /* payouts that cannot be judged in full and on time */
    int64_t sub_due_fen, sub_paid_fen;
    int64_t sub_due_twelfths;   /* the exact due: sub_due_fen is it / 12, rounded */
    /* training: organised (type != SELF) and self-training; certified over
     * the batches that give it (tr_cert_n of them, tr_cert_trainees trained) */
    uint32_t tr_n, tr_trainees, tr_certified, tr_self_n, tr_self_persons;
    uint32_t tr_cert_n, tr_cert_trainees, tr_self_persons_miss;
    uint32_t tr_planned, tr_planned_trainees, tr_no_plan;
    int64_t tr_cost_fen, tr_self_paid_fen;
    uint32_t tr_cost_miss, tr_self_paid_miss;
    /* relief */
    uint32_t rl_n, rl_households, rl_delivered;
    uint32_t rl_judged;                      /* whose delivery can be judged */
    uint32_t rl_no_amount;                   /* that give no amount */
    int64_t rl_fen;
    uint32_t rl_kind_households[RS_EVAL_NRKIND];
    int64_t rl_kind_fen[RS_EVAL_NRKIND];
    /* petitions; pt_level_miss: cases without a level (not counted above) */
    uint32_t pt_n, pt_closed, pt_repeat, pt_above, pt_level_miss;
    /* surveys; sv_answers_miss: surveys lacking one of the three answers */
    uint32_t sv_n, sv_sample, sv_valid, sv_satisfied, sv_basic, sv_dissatisfied;
    uint32_t sv_sample_miss, sv_answers_miss;
};

/* ------------------------------------------------------------ results */

enum rs_eval_state { RS_EVAL_OK, RS_EVAL_NOT_COMPUTABLE };

/* One input of an indicator value and where it came from. */
struct rs_eval_input {
    char label[64];                    /* "在职人员数" */
    char value[48];                    /* "10人", "2019.15万元" */
    char source[160];                  /* "Staffing record 5d0c1e2a" */
};

struct rs_eval_item {
    const struct rs_fw_indicator *ind;
    const struct rs_formula_info *fi;  /* ind->fi: the formula's library entry */
    enum rs_eval_state state;
    /* RATE/COUNT: num/den (den > 0).  MONEY: fen num/den.  CHECKLIST:
     * passed/answered items.  MANUAL: num = reviewer's score in
     * milli-points, den = 1. */
    int64_t num, den;
    int64_t score_milli;
    const Rs__Record *manual;          /* the ManualScore used, if any */
    size_t ninputs;
    struct rs_eval_input in[RS_EVAL_MAX_INPUTS];
    char reason[256];                  /* why not full marks / not computable */
    /* Records a filter of the formula left out for a field not given, e.g.
     * "3条直补记录未填报发放日期（未计入）"; "" if none. */
    char left_out[256];
};

enum rs_eval_sev { RS_SEV_NOTE, RS_SEV_WARNING, RS_SEV_ERROR };

/* The sizes of a finding's texts, for the buffers that build them. */
#define RS_EVAL_CHECK_MAX 200
#define RS_EVAL_FOUND_MAX 320
#define RS_EVAL_WHERE_MAX 200

struct rs_eval_finding {
    enum rs_eval_sev sev;
    char code[40];                     /* stable check id, "budget.executed_vs_lines" */
    char check[RS_EVAL_CHECK_MAX];     /* what was checked, Chinese */
    char expected[RS_EVAL_FOUND_MAX];  /* what the records give, with its inputs */
    char found[RS_EVAL_FOUND_MAX];     /* what was stated or found, with its inputs */
    char where[RS_EVAL_WHERE_MAX];     /* records / lines / keys concerned */
    char division[RS_EVAL_CODE_MAX + 1];   /* "" for unit-level */
};

struct rs_eval_result {
    const struct rs_eval_dataset *ds;  /* borrowed */
    const struct rs_framework *fw;     /* borrowed */
    uint32_t year;
    bool is_township;                  /* one division only: no unit, no score */
    char division[RS_EVAL_CODE_MAX + 1];
    size_t nrecords;                   /* records considered */
    struct rs_eval_unit unit;
    struct rs_eval_town total;         /* all divisions */
    struct rs_eval_town *towns;        /* by division code */
    size_t ntowns;
    struct rs_eval_item items[RS_FW_MAX_INDICATORS];
    size_t nitems;
    /* Every indicator of the formula library computed from the records,
     * whether the framework scores it or not (but the unlisted ones, C and
     * M, which answer an indicator of the framework's own): the report's
     * table of all formula values.  Not scored, and their gaps add no
     * findings.  Owned arrays of nfx. */
    struct rs_fw_indicator *fx_ind;
    struct rs_eval_item *fx;
    size_t nfx;
    int64_t dim_score_milli[RS_FW_MAX_DIMENSIONS];
    int64_t total_milli;
    const char *grade;                 /* "优", "良", "中", "差"; NULL for a partial framework */
    struct rs_eval_finding *findings;
    size_t nfindings, fcap;
    size_t findings_dropped;           /* past RS_EVAL_MAX_FINDINGS */
};

/*
 * Evaluates ds against fw.  division NULL: the consolidated evaluation
 * (unit figures, every indicator, total, grade, every check).  division
 * set: only that division's township figures and the checks on its own
 * records (no unit figures, no scores).  The result borrows ds and fw,
 * which must outlive it.  On RS_OK *out is owned by the caller
 * (rs_eval_result_free).  RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_eval_run(const struct rs_eval_dataset *ds, const struct rs_framework *fw,
                                   const char *division, struct rs_eval_result **out);

/* Frees a result (not its dataset or framework); NULL is allowed. */
void rs_eval_result_free(struct rs_eval_result *res);

/*
 * Adds a finding found outside the evaluation to res, after rs_eval_run
 * (the reporting year's: a return the schedule expects that is missing, a
 * record the central office returned and the township has not corrected).
 * It is listed, rendered and counted like the evaluation's own, after
 * them, and scores nothing.  Strings are copied and cut to the fields'
 * caps; division may be "" (unit-level).  Past RS_EVAL_MAX_FINDINGS it is
 * only counted.  RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_eval_add_finding(struct rs_eval_result *res, enum rs_eval_sev sev,
                                           const char *code, const char *division,
                                           const char *check, const char *expected,
                                           const char *found, const char *where);

/*
 * Scores one value under ind's rule (the step the evaluation applies to
 * every computable indicator).  kind is the formula's kind; num/den as in
 * struct rs_eval_item (den > 0).  Writes the score in milli-points and, if
 * points were lost, the reason (Chinese).  RS_EINVAL if den <= 0 or the
 * value does not fit the rule (a manual score outside 0..points).
 */
RS_NODISCARD rs_status rs_eval_score(const struct rs_fw_indicator *ind, enum rs_fw_vkind kind,
                                     int64_t num, int64_t den, int64_t *score_milli, char *reason,
                                     size_t reasonlen);

/* "优" >= 90000, "良" >= 80000, "中" >= 60000, else "差" (milli-points). */
const char *rs_eval_grade(int64_t total_milli);

/* For display: 100*num/den with two decimals, half away from zero,
 * "76.92" (no % sign); "—" if den <= 0. */
void rs_eval_pct(int64_t num, int64_t den, char out[32]);

/* For display: the item's value, "76.92%", "0人", "4/5项", "3.5分",
 * "2019.15万元", or "无法计算". */
void rs_eval_item_value(const struct rs_eval_item *it, char out[48]);

/* Chinese label of a severity: "提示", "警告", "错误". */
const char *rs_eval_sev_label(enum rs_eval_sev s);

/* Chinese name of a project category / budget line / relief kind /
 * 三公 component; "" if out of range. */
const char *rs_eval_cat_name(size_t cat);
const char *rs_eval_line_name(size_t line);
const char *rs_eval_rkind_name(size_t kind);
const char *rs_eval_sangong_name(size_t kind);

#endif

/*
 * rs_render_compl.c - the completeness board in the document's skin: the
 * section a report's annex holds, and the board as a document of its own.
 *
 * The section: the schedule in one sentence, the counts and rates, one
 * table of townships by record type whose cells say each period's state
 * (按时, 迟报N天, 零报告, 未报, 未到期), each township's reporting and
 * timeliness rate, a total row, and how the rates are computed.  A type's
 * column merges every line of that type (a township is on at most one).
 *
 * Does not: judge returns (rs_compl.h), or write JSON or CSV (the other
 * formats' files do).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_render_skin.h"
#include "rs_report_fmt.h"
#include "rs_rtype.h"
#include "rs_util.h"

#define MAX_TYPE_COLS (RS_RENDER_TBL_MAX_COLS - 3)

/* The Chinese word of a period kind. */
static const char *kind_word(Rs__PeriodKind k)
{
    switch (k) {
    case RS__PERIOD_KIND__PK_QUARTER: return "按季度";
    case RS__PERIOD_KIND__PK_HALF: return "按半年";
    case RS__PERIOD_KIND__PK_YEAR: return "按年度";
    default: return "";
    }
}

/* "91.67%（11/12）", or "—" when nothing is expected. */
static void rate_text(uint32_t num, uint32_t den, char out[64])
{
    char p[32];

    if (den == 0) {
        snprintf(out, 64, "—");
        return;
    }
    rs_eval_pct(num, den, p);
    snprintf(out, 64, "%s%%（%u/%u）", p, (unsigned)num, (unsigned)den);
}

/* One cell's state in words. */
static void state_text(const struct rs_compl_cell *c, char out[64])
{
    switch (c->state) {
    case RS_COMPL_ON_TIME: snprintf(out, 64, "按时"); break;
    case RS_COMPL_LATE: snprintf(out, 64, "迟报%u天", (unsigned)c->days_late); break;
    case RS_COMPL_NIL_ON_TIME: snprintf(out, 64, "零报告"); break;
    case RS_COMPL_NIL_LATE: snprintf(out, 64, "零报告（迟报%u天）", (unsigned)c->days_late); break;
    case RS_COMPL_MISSING: snprintf(out, 64, "未报"); break;
    case RS_COMPL_NOT_DUE: snprintf(out, 64, "未到期"); break;
    }
}

/* The distinct record types of the board's lines, in line order. */
static size_t board_types(const struct rs_compl_board *b, Rs__RecordType *types, size_t cap)
{
    size_t n = 0;

    for (size_t l = 0; l < b->sched.n; l++) {
        bool have = false;

        for (size_t k = 0; k < n && !have; k++)
            have = types[k] == b->sched.lines[l].type;
        if (!have && n < cap)
            types[n++] = b->sched.lines[l].type;
    }
    return n;
}

/* The schedule in one sentence: "直补按季度报送，期末后20天内；...". */
static void schedule_para(struct rs_render_ctx *d, const struct rs_compl_board *b)
{
    struct rs_rbuf p = {NULL, 0, 0, RS_OK};

    rs_rbuf_printf(&p, "%u年度报送计划：", (unsigned)b->year);
    for (size_t l = 0; l < b->sched.n; l++) {
        const struct rs_sched_line *ln = &b->sched.lines[l];

        rs_rbuf_printf(&p, "%s%s%s报送，期末后%u天内", l ? "；" : "",
                       rs_rtype_label(rs_compl_line_type(b, l)), kind_word(ln->kind),
                       (unsigned)ln->deadline_days);
        if (ln->ntownships) {
            rs_rbuf_puts(&p, "（");
            for (size_t k = 0; k < ln->ntownships; k++) {
                size_t t;

                for (t = 0; t < b->ntowns; t++) {
                    if (strcmp(b->towns[t].code, ln->townships[k]) == 0)
                        break;
                }
                rs_rbuf_printf(&p, "%s%s", k ? "、" : "",
                               t < b->ntowns ? b->towns[t].name : ln->townships[k]);
            }
            rs_rbuf_puts(&p, "）");
        }
    }
    rs_rbuf_puts(&p, b->sched.n ? "。" : "无。");
    rs_render_para_end(d, &p);
}

/* The states of township t's periods of type rt: "一季度按时、二季度未报"; "—" if none. */
static void town_type_text(const struct rs_compl_board *b, size_t t, Rs__RecordType rt,
                           struct rs_rbuf *out)
{
    size_t n = 0;

    for (size_t i = 0; i < b->ncells; i++) {
        const struct rs_compl_cell *c = &b->cells[i];
        char st[64];

        if (c->town != t || b->sched.lines[c->line].type != rt)
            continue;
        state_text(c, st);
        rs_rbuf_printf(out, "%s%s%s", n++ ? "、" : "",
                       rs_enum_display(&rs__period__descriptor, (int)c->period), st);
    }
    if (n == 0)
        rs_rbuf_puts(out, "—");
}

void rs_render_compl_section(struct rs_render_ctx *d, const struct rs_compl_board *b, int level,
                             const char *heading)
{
    Rs__RecordType types[MAX_TYPE_COLS];
    size_t nt = board_types(b, types, MAX_TYPE_COLS);
    const struct rs_compl_rate *r = &b->total;
    struct rs_render_tbl t;
    char align[RS_RENDER_TBL_MAX_COLS + 1], a[64], c[64], day[11];
    const char *cells[RS_RENDER_TBL_MAX_COLS];
    struct rs_rbuf txt[RS_RENDER_TBL_MAX_COLS];

    for (size_t k = 0; k < RS_RENDER_TBL_MAX_COLS; k++)
        cells[k] = "";
    rs_render_heading(d, level, "%s", heading);
    schedule_para(d, b);
    rs_date_format(b->as_of, day);
    rate_text(r->reported, r->expected, a);
    rate_text(r->on_time, r->expected, c);
    rs_render_para(d, "截至%s，%s应报送%u期次，已报送%u期次（其中零报告%u期次），按时报送%u期次，"
                   "迟报%u期次，未报送%u期次；报送率%s，及时率%s。",
                   day,
                   b->period == RS__PERIOD__PERIOD_UNSPECIFIED
                       ? ""
                       : rs_enum_display(&rs__period__descriptor, (int)b->period),
                   (unsigned)r->expected, (unsigned)r->reported, (unsigned)r->nil,
                   (unsigned)r->on_time, (unsigned)r->late, (unsigned)r->missing, a, c);
    memset(align, 'l', nt + 1);
    memcpy(align + nt + 1, "rr", 3);
    rs_render_tbl_init(&t, align);
    cells[0] = "乡镇（街道）";
    for (size_t k = 0; k < nt; k++)
        cells[k + 1] = rs_rtype_label(rs_rtype_of_record_type(types[k]));
    cells[nt + 1] = "报送率";
    cells[nt + 2] = "及时率";
    /* rs_render_tbl_row takes exactly ncols cells: pass the array's slots. */
    for (int row = -1; row < (int)b->ntowns + 1; row++) {
        const struct rs_compl_rate *rr = row >= 0 && (size_t)row < b->ntowns
                                             ? &b->rates[row] : &b->total;

        if (row >= 0) {
            memset(txt, 0, sizeof(txt));
            cells[0] = (size_t)row < b->ntowns ? b->towns[row].name : "合计";
            for (size_t k = 0; k < nt; k++) {
                if ((size_t)row < b->ntowns)
                    town_type_text(b, (size_t)row, types[k], &txt[k]);
                else
                    rs_rbuf_puts(&txt[k], "");
                if (txt[k].err && !d->b->err)
                    d->b->err = txt[k].err;
                cells[k + 1] = txt[k].p ? txt[k].p : "";
            }
            rate_text(rr->reported, rr->expected, a);
            rate_text(rr->on_time, rr->expected, c);
            cells[nt + 1] = a;
            cells[nt + 2] = c;
        }
        rs_render_tbl_row(&t, cells[0], cells[1], cells[2], cells[3], cells[4], cells[5],
                          cells[6], cells[7], cells[8], cells[9]);
        if (row >= 0) {
            for (size_t k = 0; k < nt; k++)
                free(txt[k].p);
        }
    }
    rs_render_tbl_emit(d, &t);
    rs_render_para(d, "说明：应报送指截止日期（期末后规定天数，按北京时间计）已过或已经报送的期次；"
                   "报送率=已报送÷应报送，及时率=按时报送÷应报送（DHIS2 的报送率与按时报送率口径）；"
                   "零报告（今期无此项业务）计为已报送；一条记录更正后仍按最初报送的时间计。");
}

void rs_render_board_doc(const struct rs_compl_board *board, const struct rs_render_skin *skin,
                         struct rs_rbuf *b)
{
    struct rs_render_ctx d = {b, skin, NULL, NULL, {RS_ABOUT_NONE, NULL, NULL, 0}, NULL};
    char heading[64];

    snprintf(heading, sizeof heading, "%u年度报送完整性", (unsigned)board->year);
    rs_render_compl_section(&d, board, 1, heading);
}

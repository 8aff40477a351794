/*
 * rs_report_xlsx.c - the report's figures as an Excel workbook (.xlsx),
 * written with libxlsxwriter.
 *
 * See rs_report_fmt.h.  One sheet each, every one with its header row
 * frozen, repeated on printed pages (A4 landscape, one page wide), and
 * columns as wide as their Chinese text (a CJK character counts two):
 *   评分表    every indicator: dimension, code, name, formula, points,
 *             target, value, score, reason; the total and the grade
 *   预算执行  every budget line: year-start, addition, adjusted, final,
 *             change, higher-level transfer, last year's year-start and
 *             final, reason (a figure not given reads 未填); the total and
 *             the execution rate
 *   分乡镇    per township, and the district in total: projects, relief,
 *             training, petitions, direct subsidy, surveys
 *   公式      every formula of the catalogue: its value and each input
 *             with its source
 *   核查发现  every consistency finding
 * A township-scope result has only 分乡镇 (its own row) and 核查发现.
 *
 * Numbers are numbers: 万元 is the exact value of the fen amount divided
 * by 1,000,000 (the one rounding, to the nearest double, is Excel's own
 * number type) shown with the format 0.00; a rate is num/den shown as
 * 0.00%; points and scores are milli-points / 1000.  A value that cannot
 * be computed, or a rate with nothing to divide by, is a text saying so or
 * an empty cell, never 0.  Text is UTF-8 with anything XML cannot hold
 * dropped.  The workbook's creation time is RS_REPORT_EPOCH
 * (rs_report_xml.h), so the same result gives the same bytes.
 *
 * libxlsxwriter writes only to files: the workbook is written to a new
 * file under $TMPDIR (else the system's temporary folder), which is read
 * back and removed before this returns, whatever happened.
 *
 * Does not: write the drafted text (rs_render.c), or keep any file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "rs_render_skin.h"
#include "rs_report.h"
#include "rs_report_fmt.h"
#include "rs_report_xml.h"
#include "rs_util.h"

#define MAX_COLS 26
#define COL_MIN 6          /* Excel column widths, in characters of the default font */
#define COL_MAX 60
#define NUM_WIDTH 12       /* what a number takes on screen */
#define FEN_PER_WAN 1000000.0

enum { F_HEAD, F_TEXT, F_WRAP, F_WAN, F_PCT, F_INT, F_SCORE, F_BOLD, F_BOLD_WAN, F_NFORMATS };

struct book {
    lxw_workbook *wb;
    lxw_format *f[F_NFORMATS];
    lxw_error err;
    rs_status rc;                     /* RS_ENOMEM while cleaning a text */
};

struct sheet {
    struct book *bk;
    lxw_worksheet *ws;
    lxw_row_t row;                    /* next row to write */
    size_t ncols;
    size_t width[MAX_COLS];           /* display columns of the widest cell */
    bool wrap[MAX_COLS];
};

/* ------------------------------------------------------------ cells */

static void note(struct book *bk, lxw_error e)
{
    if (e != LXW_NO_ERROR && bk->err == LXW_NO_ERROR)
        bk->err = e;
}

static void widen(struct sheet *s, size_t col, size_t w)
{
    if (col < MAX_COLS && w > s->width[col])
        s->width[col] = w;
}

/* Text: UTF-8 with what XML cannot hold dropped; NULL or "" leaves the
 * cell empty. */
static void text(struct sheet *s, size_t col, const char *v, int fmt)
{
    struct rs_rbuf clean = {NULL, 0, 0, RS_OK};

    if (!v || !v[0] || col >= MAX_COLS)
        return;
    rs_xml_plain(&clean, v);
    if (clean.err) {
        s->bk->rc = s->bk->rc ? s->bk->rc : clean.err;
    } else if (clean.len) {
        note(s->bk, worksheet_write_string(s->ws, s->row, (lxw_col_t)col, clean.p,
                                           s->bk->f[fmt]));
        widen(s, col, rs_render_width(clean.p));
    }
    free(clean.p);
}

static void number(struct sheet *s, size_t col, double v, int fmt)
{
    if (col >= MAX_COLS)
        return;
    note(s->bk, worksheet_write_number(s->ws, s->row, (lxw_col_t)col, v, s->bk->f[fmt]));
    widen(s, col, NUM_WIDTH);
}

static void wan(struct sheet *s, size_t col, int64_t fen)
{
    number(s, col, (double)fen / FEN_PER_WAN, F_WAN);
}

static void count(struct sheet *s, size_t col, int64_t n)
{
    number(s, col, (double)n, F_INT);
}

/* A rate num/den; an empty cell when den <= 0 (nothing to divide by). */
static void rate(struct sheet *s, size_t col, int64_t num, int64_t den)
{
    if (den > 0)
        number(s, col, (double)num / (double)den, F_PCT);
}

static void milli(struct sheet *s, size_t col, int64_t v, int fmt)
{
    number(s, col, (double)v / 1000.0, fmt);
}

/* ------------------------------------------------------------ sheets */

static bool sheet_open(struct sheet *s, struct book *bk, const char *name,
                       const char *const *head, size_t ncols)
{
    memset(s, 0, sizeof *s);
    s->bk = bk;
    s->ncols = ncols < MAX_COLS ? ncols : MAX_COLS;
    s->ws = workbook_add_worksheet(bk->wb, name);
    if (!s->ws) {
        note(bk, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return false;
    }
    for (size_t c = 0; c < s->ncols; c++)
        text(s, c, head[c], F_HEAD);
    s->row = 1;
    worksheet_freeze_panes(s->ws, 1, 0);
    note(bk, worksheet_repeat_rows(s->ws, 0, 0));
    worksheet_set_paper(s->ws, 9);      /* A4 */
    worksheet_set_landscape(s->ws);
    worksheet_fit_to_pages(s->ws, 1, 0);
    return true;
}

/* Marks a column as free text that wraps past COL_MAX. */
static void sheet_wrap(struct sheet *s, size_t col)
{
    if (col < MAX_COLS)
        s->wrap[col] = true;
}

/* Sets every column's width from its widest cell (display columns, which
 * are Excel's character widths for CJK text too). */
static void sheet_close(struct sheet *s)
{
    for (size_t c = 0; c < s->ncols; c++) {
        size_t w = s->width[c] + 2;

        w = w < COL_MIN ? COL_MIN : w > COL_MAX ? COL_MAX : w;
        note(s->bk, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, (double)w,
                                         s->wrap[c] ? s->bk->f[F_WRAP] : NULL));
    }
}

static const char *const score_head[] = {"维度", "编码", "指标", "公式", "分值",
                                         "目标值", "实际值", "得分", "扣分原因"};

static void score_sheet(struct book *bk, const struct rs_eval_result *res)
{
    struct sheet s;

    if (!sheet_open(&s, bk, "评分表", score_head, sizeof score_head / sizeof score_head[0]))
        return;
    sheet_wrap(&s, 8);
    for (size_t i = 0; i < res->nitems; i++, s.row++) {
        const struct rs_eval_item *it = &res->items[i];
        char v[48];

        rs_eval_item_value(it, v);
        text(&s, 0, it->ind->dimension, F_TEXT);
        text(&s, 1, it->ind->code, F_TEXT);
        text(&s, 2, it->ind->name, F_TEXT);
        text(&s, 3, it->fi->code, F_TEXT);
        milli(&s, 4, it->ind->points_milli, F_SCORE);
        text(&s, 5, it->ind->target, F_TEXT);
        if (it->state != RS_EVAL_OK || it->den <= 0)
            text(&s, 6, v, F_TEXT);
        else if (it->fi->kind == RS_VK_RATE)
            rate(&s, 6, it->num, it->den);
        else if (it->fi->kind == RS_VK_COUNT && it->den == 1)
            count(&s, 6, it->num);
        else if (it->fi->kind == RS_VK_MANUAL && it->den == 1)
            milli(&s, 6, it->num, F_SCORE);
        else
            text(&s, 6, v, F_TEXT);
        milli(&s, 7, it->score_milli, F_SCORE);
        if (it->score_milli < it->ind->points_milli)
            text(&s, 8, it->reason, F_WRAP);
    }
    text(&s, 0, "合计", F_BOLD);
    milli(&s, 4, res->fw->total_milli, F_BOLD);
    milli(&s, 7, res->total_milli, F_BOLD);
    s.row++;
    text(&s, 0, "等级", F_BOLD);
    if (res->grade) {
        text(&s, 7, res->grade, F_BOLD);
    } else {
        char a[32], b[32], t[160];

        rs_milli_format(res->fw->published_milli, a);
        rs_milli_format(res->fw->total_milli, b);
        snprintf(t, sizeof t, "不评等级（框架只收录原表%s分中的%s分）", a, b);
        text(&s, 7, t, F_BOLD);
    }
    sheet_close(&s);
}

static const char *const budget_head[] = {
    "预算行",         "年初预算（万元）", "本年追加（万元）",     "调整后预算（万元）",
    "决算（万元）",   "增减（万元）",     "上级转移支付（万元）", "上年年初预算（万元）",
    "上年决算（万元）", "调整原因"};

/* An amount given, or 未填 (never 0). */
static void amt(struct sheet *s, size_t col, struct rs_eval_amt a, int fmt)
{
    if (a.has)
        number(s, col, (double)a.v / FEN_PER_WAN, fmt);
    else
        text(s, col, "未填", F_TEXT);
}

/* One line's or the total's figures in columns 1..8; the adjusted budget
 * is adj when given (the total's with a note), else the line's, 未填 when
 * the line does not give it (the evaluation reads it as the year-start
 * budget, but nobody entered it). */
static void budget_cells(struct sheet *s, const struct rs_eval_line *l, const char *adj, int fmt)
{
    struct rs_eval_amt dl = {l->final.v - l->year_start.v, l->final.has && l->year_start.has};

    amt(s, 1, l->year_start, fmt);
    amt(s, 2, l->addition, fmt);
    if (adj)
        text(s, 3, adj, fmt == F_BOLD_WAN ? F_BOLD : F_TEXT);
    else if (l->adjusted_given)
        amt(s, 3, l->adjusted, fmt);
    else
        text(s, 3, "未填", F_TEXT);
    amt(s, 4, l->final, fmt);
    amt(s, 5, dl, fmt);
    amt(s, 6, l->transfer, fmt);
    amt(s, 7, l->prev_year_start, fmt);
    amt(s, 8, l->prev_final, fmt);
}

static void budget_sheet(struct book *bk, const struct rs_eval_result *res)
{
    const struct rs_eval_unit *u = &res->unit;
    struct sheet s;

    if (!sheet_open(&s, bk, "预算执行", budget_head, sizeof budget_head / sizeof budget_head[0]))
        return;
    sheet_wrap(&s, 9);
    for (size_t k = 1; k < RS_EVAL_NLINES; k++) {
        const struct rs_eval_line *l = &u->line[k];

        /* Every line with a record; a 合计 record only when there are no
         * parts (else the total row below stands for it, as in the text). */
        if (!l->rec || (k == RS_EVAL_LINE_TOTAL && u->nlines))
            continue;
        text(&s, 0, rs_eval_line_name(k), F_TEXT);
        budget_cells(&s, l, NULL, F_WAN);
        text(&s, 9, l->rec->budget_line->change_reason, F_WRAP);
        s.row++;
    }
    if (u->nlines || u->line[RS_EVAL_LINE_TOTAL].rec) {
        struct rs_eval_line tot = u->line[RS_EVAL_LINE_TOTAL];

        if (u->nlines) {
            uint32_t miss = rs_report_adj_missing(u);
            bool adj_own = tot.rec && tot.adjusted_given;
            char w[32], note[96];

            /* The total's adjusted budget counts a line that gives none as
             * its year-start one (the evaluation's reading): a number
             * only when no line is read so; no 上级转移支付 of 0 when no
             * line gives it. */
            tot.year_start = u->ys_total;
            tot.adjusted = u->adj_total;
            tot.adjusted_given = u->adj_total.has;
            tot.final = u->final_total;
            tot.transfer = u->transfer_total;
            tot.transfer.has = tot.transfer.has && rs_report_transfer_given(u);
            rs_money_wan(tot.adjusted.v, w);
            snprintf(note, sizeof note, "%s（%u行未填调整后预算，按年初预算计）", w, miss);
            text(&s, 0, "合计", F_BOLD);
            budget_cells(&s, &tot, tot.adjusted.has && miss && !adj_own ? note : NULL,
                         F_BOLD_WAN);
            s.row++;
        }
        text(&s, 0, "预算执行率", F_TEXT);
        if (tot.final.has && tot.adjusted.has && tot.adjusted.v > 0)
            rate(&s, 4, tot.final.v, tot.adjusted.v);
        else
            text(&s, 4, "无法计算", F_TEXT);
    }
    sheet_close(&s);
}

static const char *const town_head[] = {
    "乡镇/街道",       "区划代码",         "项目数",         "已完工项目",
    "计划投资（万元）", "完成投资（万元）", "已支付（万元）", "救助户数（不重复）",
    "救助资金（万元）", "培训期数",         "培训人次",       "考证人数",
    "考证率",          "自主培训补助人数", "信访件数",       "办结件数",
    "重复件数",         "办结率",           "到区以上上访人数", "直补笔数",
    "直补人数",         "直补应发（万元）", "直补实发（万元）", "满意度调查次数",
    "有效样本",         "满意度（含基本满意）"};

/* A sum over n records of which miss do not give its field: 未填 when none
 * does, never 0. */
static void sum_count(struct sheet *s, size_t col, int64_t v, uint32_t miss, uint32_t n)
{
    if (n && miss == n)
        text(s, col, "未填", F_TEXT);
    else
        count(s, col, v);
}

static void sum_wan(struct sheet *s, size_t col, int64_t fen, uint32_t miss, uint32_t n)
{
    if (n && miss == n)
        text(s, col, "未填", F_TEXT);
    else
        wan(s, col, fen);
}

/* A register with no record: "无记录" in its first column, the rest empty
 * (a register nobody entered is not one of 0户 and 0.00万元, as in the text). */
static bool no_records(struct sheet *s, uint32_t n, int col)
{
    if (n)
        return false;
    text(s, col, "无记录", F_TEXT);
    return true;
}

static void town_row(struct sheet *s, const struct rs_eval_town *t, const char *name, int fmt)
{
    text(s, 0, name, fmt);
    text(s, 1, t->code, F_TEXT);
    if (!no_records(s, t->proj_n, 2)) {
        count(s, 2, t->proj_n);
        sum_count(s, 3, t->proj_completed, t->proj_stage_miss, t->proj_n);
        sum_wan(s, 4, t->proj_planned_fen, t->proj_planned_miss, t->proj_n);
        sum_wan(s, 5, t->proj_completed_fen, t->proj_completed_miss, t->proj_n);
        sum_wan(s, 6, t->proj_paid_fen, t->proj_paid_miss, t->proj_n);
    }
    if (!no_records(s, t->rl_n, 7)) {
        count(s, 7, t->rl_households);
        sum_wan(s, 8, t->rl_fen, t->rl_no_amount, t->rl_n);
    }
    if (!no_records(s, t->tr_n, 9)) {
        count(s, 9, t->tr_n);
        count(s, 10, t->tr_trainees);
        sum_count(s, 11, t->tr_certified, t->tr_n - t->tr_cert_n, t->tr_n);
        rate(s, 12, t->tr_certified, t->tr_cert_trainees);   /* over the batches that give it */
        count(s, 13, t->tr_self_persons);
    }
    if (!no_records(s, t->pt_n, 14)) {
        count(s, 14, t->pt_n);
        count(s, 15, t->pt_closed);
        count(s, 16, t->pt_repeat);
        rate(s, 17, t->pt_closed, (int64_t)t->pt_n - t->pt_repeat);
        sum_count(s, 18, t->pt_above, t->pt_level_miss, t->pt_n);
    }
    if (!no_records(s, t->sub_n, 19)) {
        count(s, 19, t->sub_n);
        sum_count(s, 20, t->sub_persons, t->sub_persons_miss, t->sub_n);
        sum_wan(s, 21, t->sub_due_fen, t->sub_due_miss, t->sub_n);
        sum_wan(s, 22, t->sub_paid_fen, t->sub_paid_miss, t->sub_n);
    }
    if (!no_records(s, t->sv_n, 23)) {
        count(s, 23, t->sv_n);
        count(s, 24, t->sv_valid);
        /* The answers are sums over every survey: a rate only when each gives
         * all three (未填 when none does, 无法计算 when some do not). */
        if (t->sv_answers_miss)
            text(s, 25, t->sv_answers_miss == t->sv_n ? "未填" : "无法计算", F_TEXT);
        else
            rate(s, 25, (int64_t)t->sv_satisfied + t->sv_basic, t->sv_valid);
    }
    s->row++;
}

static void town_sheet(struct book *bk, const struct rs_eval_result *res)
{
    struct sheet s;

    if (!sheet_open(&s, bk, "分乡镇", town_head, sizeof town_head / sizeof town_head[0]))
        return;
    for (size_t i = 0; i < res->ntowns; i++)
        town_row(&s, &res->towns[i], res->towns[i].name, F_TEXT);
    if (!res->is_township)
        town_row(&s, &res->total, "全区合计", F_BOLD);
    sheet_close(&s);
}

static const char *const formula_head[] = {"公式",   "名称",   "计入评分", "状态",   "计算值",
                                           "输入项", "输入值", "数据来源", "说明"};

static void formula_sheet(struct book *bk, const struct rs_eval_result *res)
{
    struct sheet s;

    if (!sheet_open(&s, bk, "公式", formula_head, sizeof formula_head / sizeof formula_head[0]))
        return;
    sheet_wrap(&s, 8);
    for (size_t i = 0; i < res->nfx; i++) {
        const struct rs_eval_item *it = &res->fx[i];
        bool scored = false;
        char v[48];

        for (size_t k = 0; k < res->nitems; k++)
            scored = scored || res->items[k].fi == it->fi;
        rs_eval_item_value(it, v);
        for (size_t k = 0; k < (it->ninputs ? it->ninputs : 1); k++, s.row++) {
            text(&s, 0, it->fi->code, F_TEXT);
            text(&s, 1, it->fi->name, F_TEXT);
            text(&s, 2, scored ? "是" : "否", F_TEXT);
            text(&s, 3, it->state == RS_EVAL_OK ? "已计算" : "无法计算", F_TEXT);
            if (it->state == RS_EVAL_OK && it->fi->kind == RS_VK_RATE && it->den > 0)
                rate(&s, 4, it->num, it->den);
            else
                text(&s, 4, v, F_TEXT);
            if (it->ninputs) {
                text(&s, 5, it->in[k].label, F_TEXT);
                text(&s, 6, it->in[k].value, F_TEXT);
                text(&s, 7, it->in[k].source, F_TEXT);
            }
            if (it->state != RS_EVAL_OK)
                text(&s, 8, it->reason, F_WRAP);
        }
    }
    sheet_close(&s);
}

static const char *const finding_head[] = {"序号",     "级别",   "编码",      "乡镇/街道",
                                           "核查内容", "记录为", "所载/发现", "位置"};

static void finding_sheet(struct book *bk, const struct rs_eval_result *res)
{
    struct sheet s;

    if (!sheet_open(&s, bk, "核查发现", finding_head, sizeof finding_head / sizeof finding_head[0]))
        return;
    for (size_t c = 4; c < 8; c++)
        sheet_wrap(&s, c);
    for (size_t i = 0; i < res->nfindings; i++, s.row++) {
        const struct rs_eval_finding *f = &res->findings[i];

        count(&s, 0, (int64_t)i + 1);
        text(&s, 1, rs_eval_sev_label(f->sev), F_TEXT);
        text(&s, 2, f->code, F_TEXT);
        if (f->division[0])
            text(&s, 3, rs_eval_division_name(res->ds, f->division), F_TEXT);
        text(&s, 4, f->check, F_WRAP);
        text(&s, 5, f->expected, F_WRAP);
        text(&s, 6, f->found, F_WRAP);
        text(&s, 7, f->where, F_WRAP);
    }
    if (res->findings_dropped) {
        char n[64];

        snprintf(n, sizeof n, "另有%zu项超出上限，未列出", res->findings_dropped);
        text(&s, 4, n, F_TEXT);
    }
    sheet_close(&s);
}

/* ------------------------------------------------------------ workbook */

static lxw_format *format(struct book *bk, const char *num, bool bold, bool head, bool wrap)
{
    lxw_format *f = workbook_add_format(bk->wb);

    if (!f) {
        note(bk, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return NULL;
    }
    format_set_font_name(f, "宋体");
    format_set_font_size(f, 11);
    format_set_border(f, LXW_BORDER_THIN);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    if (num)
        format_set_num_format(f, num);
    if (bold || head)
        format_set_bold(f);
    if (head) {
        format_set_align(f, LXW_ALIGN_CENTER);
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bg_color(f, 0xE7E6E6);
    }
    if (wrap || head)
        format_set_text_wrap(f);
    return f;
}

/* Writes the workbook of res to path. */
static rs_status write_book(const struct rs_eval_result *res, const char *path, const char *dir)
{
    lxw_workbook_options opt = {LXW_FALSE, (char *)dir, LXW_FALSE};
    lxw_doc_properties props;
    struct book bk;
    char title[256];
    lxw_error e;

    memset(&bk, 0, sizeof bk);
    bk.wb = workbook_new_opt(path, &opt);
    if (!bk.wb)
        return RS_ENOMEM;
    snprintf(title, sizeof title, "%u年度%s评分表与数据", res->year,
             res->is_township ? res->division : "整体支出绩效自评");
    memset(&props, 0, sizeof props);
    props.title = title;
    props.author = (char *)"resettle";
    props.created = (time_t)RS_REPORT_EPOCH_UNIX;
    note(&bk, workbook_set_properties(bk.wb, &props));
    bk.f[F_HEAD] = format(&bk, NULL, false, true, true);
    bk.f[F_TEXT] = format(&bk, NULL, false, false, false);
    bk.f[F_WRAP] = format(&bk, NULL, false, false, true);
    bk.f[F_WAN] = format(&bk, "0.00", false, false, false);
    bk.f[F_PCT] = format(&bk, "0.00%", false, false, false);
    bk.f[F_INT] = format(&bk, "0", false, false, false);
    bk.f[F_SCORE] = format(&bk, "General", false, false, false);
    bk.f[F_BOLD] = format(&bk, "General", true, false, false);
    bk.f[F_BOLD_WAN] = format(&bk, "0.00", true, false, false);
    if (bk.err == LXW_NO_ERROR) {
        if (!res->is_township) {
            score_sheet(&bk, res);
            budget_sheet(&bk, res);
        }
        town_sheet(&bk, res);
        if (!res->is_township)
            formula_sheet(&bk, res);
        finding_sheet(&bk, res);
    }
    e = workbook_close(bk.wb);
    if (bk.rc)
        return bk.rc;
    if (bk.err == LXW_ERROR_MEMORY_MALLOC_FAILED || e == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return RS_ENOMEM;
    return bk.err != LXW_NO_ERROR || e != LXW_NO_ERROR ? RS_EIO : RS_OK;
}

/* Reads the whole file at fd into b (at most RS_REPORT_MAX_BYTES). */
static rs_status read_back(int fd, struct rs_rbuf *b)
{
    char chunk[65536];

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return RS_EIO;
        if (n == 0)
            return RS_OK;
        rs_rbuf_add(b, chunk, (size_t)n);
        if (b->err)
            return b->err;
    }
}

void rs_report_xlsx(const struct rs_eval_result *res, struct rs_rbuf *b)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    rs_status rc;
    int fd;

    if (!dir || !dir[0])
        dir = P_tmpdir;
    if ((size_t)snprintf(path, sizeof path, "%s/resettle-report-XXXXXX.xlsx", dir) >=
        sizeof path) {
        b->err = b->err ? b->err : RS_EIO;
        return;
    }
    fd = mkstemps(path, 5);
    if (fd < 0) {
        b->err = b->err ? b->err : RS_EIO;
        return;
    }
    rc = write_book(res, path, dir);
    if (rc == RS_OK)
        rc = lseek(fd, 0, SEEK_SET) == 0 ? read_back(fd, b) : RS_EIO;
    close(fd);
    unlink(path);
    if (rc && !b->err)
        b->err = rc;
}

/*
 * rs_xlsx_sheet.c - one worksheet: its sheetData parsed whole (rows, cells,
 * their types and styles), each cell's value turned into text once, and
 * the rows handed out as arrays of cell texts.
 *
 * A cell is kept only when it has a value (or a problem): formatting-only
 * cells and empty strings take no room, so an empty row is never handed
 * out.  Shared-string cells point into the workbook's string table rather
 * than copying it, so a sheet that repeats one long string a million times
 * costs a million small cells, not a million copies.  Row and column
 * references must increase (as Excel and LibreOffice write them); a cell
 * without a reference is the one after the previous.
 *
 * Merged ranges (mergeCells, after sheetData) are kept, up to max_merges.
 * Once the sheet is parsed, each row below the first one kept (the header)
 * that a range covers is marked with the range of lowest column covering
 * it, in time linear in the rows ("next unmarked row" links), and gets a
 * problem when it is handed out.
 *
 * Does not: know what a column means, trim text, or copy a merged range's
 * value into its other cells.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_xlsx_int.h"

#define NUMBER_MAX 48       /* bytes of a number's text, with its NUL */

enum cell_src { SRC_ARENA, SRC_SST, SRC_PROBLEM };

struct xcell {
    uint32_t col;
    uint32_t off;           /* arena offset (text or reason) or shared-string index */
    uint8_t src;
};

struct xrow {
    uint32_t row;
    uint32_t first;         /* index of its first cell */
    uint32_t n;
};

/* A merged range: rows r1..r2 (1-based), columns c1..c2 (0-based). */
struct xmerge {
    uint32_t r1, r2, c1, c2;
};

struct rs_xlsx_sheet {
    struct rs_xlsx *x;
    struct xcell *cells;
    size_t ncells, cellcap;
    struct xrow *rows;
    size_t nrows, rowcap;
    char *arena;
    size_t alen, acap;
    size_t next;
    char **out;             /* max_cols cell pointers handed out */
    struct rs_xlsx_problem problem;
    struct xmerge *merges;
    size_t nmerges, mergecap;
    uint32_t *row_merge;    /* per row: 1 + index of the range over it, 0 none; NULL: no row */
    char merge_reason[192];
};

/* What the parse is inside of, and the cell being read. */
struct sheet_parse {
    struct rs_xlsx_sheet *s;
    bool in_data, in_row, in_cell, in_v, in_is, in_merges;
    int in_rph;
    uint32_t row;             /* current row number */
    uint32_t last_row;        /* 0: none yet */
    long last_col;            /* -1: none yet in this row */
    size_t row_first;         /* s->ncells when the row began */
    /* the cell */
    uint32_t col, style;
    char type[12];
    bool has_v, has_f;
};

static char empty_text[] = "";

/* Appends s[0..n) and a NUL to the arena; its offset in *off. */
static bool arena_put(struct rs_xml *xm, struct rs_xlsx_sheet *s, const char *t, size_t n,
                      uint32_t *off)
{
    size_t cap_max = 2 * s->x->lim.max_part;

    if (s->alen + n + 1 > s->acap) {
        size_t cap = s->acap ? s->acap : 4096;
        char *a;

        while (cap < s->alen + n + 1)
            cap *= 2;
        if (s->alen + n + 1 > cap_max || cap > UINT32_MAX) {
            rs_xml_fail(xm, RS_ETOOBIG, "工作表的文字超过%zu字节", cap_max);
            return false;
        }
        a = realloc(s->arena, cap);
        if (!a) {
            rs_xml_fail(xm, RS_ENOMEM, "内存不足");
            return false;
        }
        s->arena = a;
        s->acap = cap;
    }
    if (n)
        memcpy(s->arena + s->alen, t, n);
    s->arena[s->alen + n] = '\0';
    *off = (uint32_t)s->alen;
    s->alen += n + 1;
    return true;
}

static void cell_push(struct rs_xml *xm, struct sheet_parse *sp, enum cell_src src,
                      uint32_t off)
{
    struct rs_xlsx_sheet *s = sp->s;
    char name[16];

    if (sp->col >= s->x->lim.max_cols) {
        rs_xlsx_cell_name(sp->row, sp->col, name);
        rs_xml_fail(xm, RS_ETOOBIG, "单元格 %s：数据超出了前%zu列", name,
                    s->x->lim.max_cols);
        return;
    }
    if (s->ncells == s->x->lim.max_cells) {
        rs_xml_fail(xm, RS_ETOOBIG, "有数据的单元格超过%zu个", s->x->lim.max_cells);
        return;
    }
    if (s->ncells == s->cellcap) {
        size_t cap = s->cellcap ? s->cellcap * 2 : 1024;
        struct xcell *c = realloc(s->cells, cap * sizeof(*c));

        if (!c) {
            rs_xml_fail(xm, RS_ENOMEM, "内存不足");
            return;
        }
        s->cells = c;
        s->cellcap = cap;
    }
    s->cells[s->ncells].col = sp->col;
    s->cells[s->ncells].off = off;
    s->cells[s->ncells].src = (uint8_t)src;
    s->ncells++;
}

static void text_cell(struct rs_xml *xm, struct sheet_parse *sp, const char *t, size_t n)
{
    uint32_t off;

    if (n == 0)
        return;
    if (arena_put(xm, sp->s, t, n, &off))
        cell_push(xm, sp, SRC_ARENA, off);
}

static void problem_cell(struct rs_xml *xm, struct sheet_parse *sp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem_cell(struct rs_xml *xm, struct sheet_parse *sp, const char *fmt, ...)
{
    char reason[160];
    uint32_t off;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);

    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(reason))
        n = (int)sizeof(reason) - 1;
    if (arena_put(xm, sp->s, reason, (size_t)n, &off))
        cell_push(xm, sp, SRC_PROBLEM, off);
}

/* An ISO 8601 date cell (t="d"): the date alone when the time is midnight. */
static void date_cell(struct rs_xml *xm, struct sheet_parse *sp, const char *v, size_t n)
{
    size_t i = 10;

    if (n >= 10 && v[4] == '-' && v[7] == '-') {
        if (n > 10 && strncmp(v + 10, "T00:00:00", 9) == 0) {
            i = 19;
            if (i < n && v[i] == '.')
                for (i++; i < n && v[i] == '0'; i++)
                    ;
            if (i < n && v[i] == 'Z')
                i++;
        }
        if (i == n) {
            text_cell(xm, sp, v, 10);
            return;
        }
    }
    text_cell(xm, sp, v, n);
}

static void number_cell(struct rs_xml *xm, struct sheet_parse *sp, const char *v, size_t n)
{
    struct rs_xlsx *x = sp->s->x;
    enum rs_xf_class cls = rs_xlsx_xf_class(x, sp->style);
    char out[NUMBER_MAX], shown[24];
    rs_status rc;

    snprintf(shown, sizeof(shown), "%.*s", (int)(n < 20 ? n : 20), v);
    if (cls == RS_XF_DATE || cls == RS_XF_TIME) {
        char date[32];

        if (rs_xlsx_serial_text(v, n, cls, x->date1904, date) != RS_OK) {
            problem_cell(xm, sp, "日期序号 %s 不是 Excel 能显示的日期", shown);
            return;
        }
        text_cell(xm, sp, date, strlen(date));
        return;
    }
    rc = rs_xlsx_number_text(v, n, cls == RS_XF_PERCENT, out, sizeof(out));
    if (rc == RS_ETOOBIG)
        problem_cell(xm, sp, "数字 %s 过大或过小，无法写出", shown);
    else if (rc)
        problem_cell(xm, sp, "不是数字：“%s”", shown);
    else
        text_cell(xm, sp, out, strlen(out));
}

static void cell_end(struct rs_xml *xm, struct sheet_parse *sp)
{
    struct rs_xlsx *x = sp->s->x;
    char *v = xm->text ? xm->text : empty_text;
    size_t n = xm->len;
    const char *t = sp->type;
    char name[16], shown[24];

    if (sp->has_f && !sp->has_v) {
        problem_cell(xm, sp, "公式没有保存计算结果（请用 Excel 或 LibreOffice 打开后"
                             "重新保存）");
        return;
    }
    if (strcmp(t, "s") == 0) {
        uint64_t idx = 0;

        if (!sp->has_v)
            return;
        for (size_t i = 0; i < n; i++) {
            if (v[i] < '0' || v[i] > '9' || i > 10) {
                idx = UINT64_MAX;
                break;
            }
            idx = idx * 10 + (uint64_t)(v[i] - '0');
        }
        if (n == 0 || idx >= x->nsst) {
            rs_xlsx_cell_name(sp->row, sp->col, name);
            rs_xml_fail(xm, RS_EINVAL, "单元格 %s：共享文本“%.20s”不在共%zu条的文本表中", name, v, x->nsst);
            return;
        }
        if (x->sst[x->sst_off[idx]])
            cell_push(xm, sp, SRC_SST, (uint32_t)idx);
        return;
    }
    if (strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0) {
        rs_xlsx_unescape(v, &n);
        text_cell(xm, sp, v, n);
        return;
    }
    if (!sp->has_v)
        return;
    snprintf(shown, sizeof(shown), "%.*s", (int)(n < 20 ? n : 20), v);
    if (strcmp(t, "b") == 0) {
        if (n == 1 && (v[0] == '0' || v[0] == '1'))
            text_cell(xm, sp, v[0] == '1' ? "TRUE" : "FALSE", v[0] == '1' ? 4 : 5);
        else
            problem_cell(xm, sp, "不是逻辑值：“%s”", shown);
    } else if (strcmp(t, "e") == 0) {
        problem_cell(xm, sp, "单元格是错误值 %s（请先改正公式或数据）", shown);
    } else if (strcmp(t, "d") == 0) {
        date_cell(xm, sp, v, n);
    } else if (strcmp(t, "n") == 0) {
        number_cell(xm, sp, v, n);
    } else {
        problem_cell(xm, sp, "未知的单元格类型“%s”", t);
    }
}

static bool parse_u32(const char *s, uint32_t *v)
{
    uint64_t acc = 0;

    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        acc = acc * 10 + (uint64_t)(*s - '0');
        if (acc > UINT32_MAX)
            return false;
    }
    *v = (uint32_t)acc;
    return true;
}

static void row_start(struct rs_xml *xm, struct sheet_parse *sp, const char **atts)
{
    const char *r = rs_xml_attr(atts, "r", false);
    uint32_t row = sp->last_row + 1;

    if (r && (!parse_u32(r, &row) || row < 1 || row > RS_XLSX_GRID_ROWS)) {
        rs_xml_fail(xm, RS_EINVAL, "行号“%.20s”无效", r);
        return;
    }
    if (row <= sp->last_row || row > RS_XLSX_GRID_ROWS) {
        rs_xml_fail(xm, RS_EINVAL, "第%u行出现在第%u行之后", row, sp->last_row);
        return;
    }
    sp->in_row = true;
    sp->row = row;
    sp->last_row = row;
    sp->last_col = -1;
    sp->row_first = sp->s->ncells;
}

static void row_end(struct rs_xml *xm, struct sheet_parse *sp)
{
    struct rs_xlsx_sheet *s = sp->s;
    size_t n = s->ncells - sp->row_first;

    sp->in_row = false;
    if (n == 0)
        return;
    if (s->nrows == s->x->lim.max_rows) {
        rs_xml_fail(xm, RS_ETOOBIG, "有数据的行超过%zu行", s->x->lim.max_rows);
        return;
    }
    if (s->nrows == s->rowcap) {
        size_t cap = s->rowcap ? s->rowcap * 2 : 256;
        struct xrow *r = realloc(s->rows, cap * sizeof(*r));

        if (!r) {
            rs_xml_fail(xm, RS_ENOMEM, "内存不足");
            return;
        }
        s->rows = r;
        s->rowcap = cap;
    }
    s->rows[s->nrows].row = sp->row;
    s->rows[s->nrows].first = (uint32_t)sp->row_first;
    s->rows[s->nrows].n = (uint32_t)n;
    s->nrows++;
}

static void cell_start(struct rs_xml *xm, struct sheet_parse *sp, const char **atts)
{
    const char *r = rs_xml_attr(atts, "r", false);
    const char *t = rs_xml_attr(atts, "t", false);
    const char *st = rs_xml_attr(atts, "s", false);
    uint32_t col = (uint32_t)(sp->last_col + 1), row = sp->row;

    if (r && !rs_xlsx_ref_parse(r, &col, &row)) {
        rs_xml_fail(xm, RS_EINVAL, "第%u行：“%.20s”不是单元格引用", sp->row, r);
        return;
    }
    if (row != sp->row || (long)col <= sp->last_col || col >= RS_XLSX_GRID_COLS) {
        rs_xml_fail(xm, RS_EINVAL, "第%u行：单元格“%.20s”顺序错乱", sp->row,
                    r ? r : "（最后一个之后）");
        return;
    }
    sp->in_cell = true;
    sp->col = col;
    sp->last_col = col;
    if (!st || !parse_u32(st, &sp->style))
        sp->style = 0;
    snprintf(sp->type, sizeof(sp->type), "%s", t ? t : "n");
    sp->has_v = sp->has_f = sp->in_v = sp->in_is = false;
    sp->in_rph = 0;
    rs_xml_text_reset(xm);
}

/* A mergeCell: its ref ("B2:B4") kept; a range of one cell hides nothing and is not. */
static void merge_add(struct rs_xml *xm, struct rs_xlsx_sheet *s, const char **atts)
{
    const char *ref = rs_xml_attr(atts, "ref", false);
    const char *colon = ref ? strchr(ref, ':') : NULL;
    char first[16];
    uint32_t c1, r1, c2, r2;
    struct xmerge *m;

    if (!colon || (size_t)(colon - ref) >= sizeof(first)) {
        rs_xml_fail(xm, RS_EINVAL, "“%.20s”不是合并单元格的范围", ref ? ref : "");
        return;
    }
    memcpy(first, ref, (size_t)(colon - ref));
    first[colon - ref] = '\0';
    if (!rs_xlsx_ref_parse(first, &c1, &r1) || !rs_xlsx_ref_parse(colon + 1, &c2, &r2)) {
        rs_xml_fail(xm, RS_EINVAL, "“%.20s”不是合并单元格的范围", ref);
        return;
    }
    if (c1 == c2 && r1 == r2)
        return;
    if (s->nmerges == s->x->lim.max_merges) {
        rs_xml_fail(xm, RS_ETOOBIG, "合并单元格超过%zu处（请取消合并后再提交）",
                    s->x->lim.max_merges);
        return;
    }
    if (s->nmerges == s->mergecap) {
        size_t cap = s->mergecap ? s->mergecap * 2 : 16;

        m = realloc(s->merges, cap * sizeof(*m));
        if (!m) {
            rs_xml_fail(xm, RS_ENOMEM, "内存不足");
            return;
        }
        s->merges = m;
        s->mergecap = cap;
    }
    m = &s->merges[s->nmerges++];
    m->r1 = r1 < r2 ? r1 : r2;
    m->r2 = r1 < r2 ? r2 : r1;
    m->c1 = c1 < c2 ? c1 : c2;
    m->c2 = c1 < c2 ? c2 : c1;
}

static void sheet_start(struct rs_xml *xm, const char *name, const char **atts)
{
    struct sheet_parse *sp = xm->ud;

    if (!sp->in_data) {
        if (strcmp(name, "sheetData") == 0)
            sp->in_data = true;
        else if (strcmp(name, "mergeCells") == 0)
            sp->in_merges = true;
        else if (strcmp(name, "mergeCell") == 0 && sp->in_merges)
            merge_add(xm, sp->s, atts);
        return;
    }
    if (!sp->in_row) {
        if (strcmp(name, "row") == 0)
            row_start(xm, sp, atts);
        return;
    }
    if (!sp->in_cell) {
        if (strcmp(name, "c") == 0)
            cell_start(xm, sp, atts);
        return;
    }
    if (strcmp(name, "v") == 0 && !sp->in_is) {
        sp->has_v = sp->in_v = true;
        rs_xml_text_reset(xm);
        xm->collect = true;
    } else if (strcmp(name, "f") == 0) {
        sp->has_f = true;
    } else if (strcmp(name, "is") == 0) {
        sp->in_is = true;
        rs_xml_text_reset(xm);
    } else if (strcmp(name, "rPh") == 0) {
        sp->in_rph++;
    } else if (strcmp(name, "t") == 0 && sp->in_is && !sp->in_rph) {
        xm->collect = true;
    }
}

static void sheet_end(struct rs_xml *xm, const char *name)
{
    struct sheet_parse *sp = xm->ud;

    if (!sp->in_data) {
        if (strcmp(name, "mergeCells") == 0)
            sp->in_merges = false;
        return;
    }
    if (sp->in_cell) {
        if (strcmp(name, "c") == 0) {
            xm->collect = false;
            sp->in_cell = false;
            cell_end(xm, sp);
        } else if (strcmp(name, "v") == 0 || strcmp(name, "t") == 0) {
            xm->collect = false;
        } else if (strcmp(name, "rPh") == 0 && sp->in_rph) {
            sp->in_rph--;
        } else if (strcmp(name, "is") == 0) {
            sp->in_is = false;
        }
        return;
    }
    if (sp->in_row) {
        if (strcmp(name, "row") == 0)
            row_end(xm, sp);
        return;
    }
    if (strcmp(name, "sheetData") == 0)
        sp->in_data = false;
}

static int merge_cmp(const void *a, const void *b)
{
    const struct xmerge *m = a, *n = b;

    if (m->c1 != n->c1)
        return m->c1 < n->c1 ? -1 : 1;
    return m->r1 < n->r1 ? -1 : m->r1 > n->r1;
}

/* The index of the first kept row numbered row or more (nrows if none). */
static size_t row_index(const struct rs_xlsx_sheet *s, uint32_t row)
{
    size_t lo = 0, hi = s->nrows;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->rows[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first row at or after k not yet marked; next[] links marked rows onward. */
static size_t unmarked(uint32_t *next, size_t k)
{
    while (next[k] != k) {
        next[k] = next[next[k]];
        k = next[k];
    }
    return k;
}

/*
 * Marks each kept row below the header (rows[0]) that a merged range
 * covers with the range of lowest column over it.  Ranges within the
 * header or above it, or starting right of the columns read, mark none.
 */
static rs_status merges_mark(struct rs_xlsx_sheet *s)
{
    uint32_t *next = NULL, header;
    rs_status rc = RS_ENOMEM;

    if (s->nmerges == 0 || s->nrows < 2)
        return RS_OK;
    header = s->rows[0].row;
    qsort(s->merges, s->nmerges, sizeof(*s->merges), merge_cmp);
    s->row_merge = calloc(s->nrows, sizeof(*s->row_merge));
    next = malloc((s->nrows + 1) * sizeof(*next));
    if (!s->row_merge || !next)
        goto out;
    for (size_t k = 0; k <= s->nrows; k++)
        next[k] = (uint32_t)k;
    for (size_t m = 0; m < s->nmerges; m++) {
        const struct xmerge *g = &s->merges[m];
        size_t end;

        if (g->r2 <= header || g->c1 >= s->x->lim.max_cols)
            continue;
        end = row_index(s, g->r2 + 1);
        for (size_t k = unmarked(next, row_index(s, g->r1 > header ? g->r1 : header + 1));
             k < end; k = unmarked(next, k + 1)) {
            s->row_merge[k] = (uint32_t)m + 1;
            next[k] = (uint32_t)k + 1;
        }
    }
    rc = RS_OK;
out:
    free(next);
    return rc;
}

rs_status rs_xlsx_sheet_open(struct rs_xlsx *x, size_t i, struct rs_xlsx_sheet **out, char *err,
                             size_t errlen)
{
    struct rs_xlsx_sheet *s;
    struct sheet_parse sp = {0};
    struct rs_xml xm = {.start = sheet_start, .end = sheet_end, .ud = &sp};
    rs_status rc;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (i >= x->nsheets) {
        if (err && errlen)
            snprintf(err, errlen, "没有第%zu个工作表", i + 1);
        return RS_ENOTFOUND;
    }
    s = calloc(1, sizeof(*s));
    if (!s)
        return RS_ENOMEM;
    s->x = x;
    s->out = calloc(x->lim.max_cols + 1, sizeof(*s->out));
    if (!s->out) {
        rs_xlsx_sheet_close(s);
        return RS_ENOMEM;
    }
    sp.s = s;
    rc = rs_xml_parse(x, x->sheets[i].part, &xm, err, errlen);
    if (rc == RS_OK) {
        rc = merges_mark(s);
        if (rc && err && errlen)
            snprintf(err, errlen, "内存不足");
    }
    if (rc) {
        rs_xlsx_sheet_close(s);
        return rc;
    }
    *out = s;
    return RS_OK;
}

void rs_xlsx_sheet_close(struct rs_xlsx_sheet *s)
{
    if (!s)
        return;
    free(s->cells);
    free(s->rows);
    free(s->arena);
    free(s->out);
    free(s->merges);
    free(s->row_merge);
    free(s);
}

/* The problem of a row a merged range covers, at the range's first column. */
static void merge_problem(struct rs_xlsx_sheet *s, const struct xmerge *g)
{
    char top[16], bottom[16];

    rs_xlsx_cell_name(g->r1, g->c1, top);
    rs_xlsx_cell_name(g->r2, g->c2, bottom);
    snprintf(s->merge_reason, sizeof(s->merge_reason),
             "是合并单元格（%s:%s）的一部分，合并后只有 %s 有值；请取消合并，并在每一行填写",
             top, bottom, top);
    s->problem.col = g->c1;
    s->problem.reason = s->merge_reason;
}

rs_status rs_xlsx_sheet_next(struct rs_xlsx_sheet *s, struct rs_xlsx_row *row)
{
    const struct xrow *r;
    const struct rs_xlsx *x = s->x;
    const struct xmerge *g = NULL;
    size_t width;

    if (s->next >= s->nrows)
        return RS_ENOTFOUND;
    if (s->row_merge && s->row_merge[s->next])
        g = &s->merges[s->row_merge[s->next] - 1];
    r = &s->rows[s->next++];
    width = (size_t)s->cells[r->first + r->n - 1].col + 1;
    if (g && g->c1 >= width)
        width = (size_t)g->c1 + 1;
    for (size_t i = 0; i < width; i++)
        s->out[i] = empty_text;
    row->problem = NULL;
    for (uint32_t k = 0; k < r->n; k++) {
        const struct xcell *c = &s->cells[r->first + k];

        if (c->src == SRC_SST) {
            s->out[c->col] = x->sst + x->sst_off[c->off];
        } else if (c->src == SRC_ARENA) {
            s->out[c->col] = s->arena + c->off;
        } else if (!row->problem) {
            s->problem.col = c->col;
            s->problem.reason = s->arena + c->off;
            row->problem = &s->problem;
        }
    }
    if (g && (!row->problem || g->c1 < row->problem->col)) {
        merge_problem(s, g);
        row->problem = &s->problem;
    }
    row->row = r->row;
    row->cells = s->out;
    row->ncells = width;
    return RS_OK;
}

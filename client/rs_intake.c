/*
 * rs_intake.c - one CSV file or Excel workbook into the outbox, with a
 * result listing every problem instead of printing it.
 *
 * The CSV reader (rs_csv.h) or the workbook reader (rs_xlsx.h, with the
 * template's hidden sheet and hint row from rs_xltpl.h) yields rows, the
 * row mapper (rs_rowmap.h) makes and validates each record, and the valid
 * ones go into the outbox inside one transaction per file.  A problem is
 * recorded where it is met, so the result lists them in reading order.
 *
 * A row the mapper refuses, a second row of a record the file already
 * gave (rs_rowkeys.h), and a row the outbox refuses for what it holds (an
 * id already queued with other content) are left out and listed; the other
 * rows are queued.  A file is given up whole (nothing of it queued) when
 * every row would be read wrongly (rs_rowmap_fatal: a money column in no
 * known unit), when a CSV cannot be read past some line (its quoting), and
 * when the outbox itself fails.
 *
 * Does not: print, open the outbox, or send.
 */
#include "rs_intake.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rs_csv.h"
#include "rs_rowkeys.h"
#include "rs_xlsx.h"
#include "rs_xltpl.h"

/* Keeps one problem (reason from fmt), or counts it when it cannot be kept. */
__attribute__((format(printf, 6, 7))) static void
problem(struct rs_intake_result *r, const char *sheet, uint32_t row, const char *column,
        const char *cell, const char *fmt, ...)
{
    struct rs_intake_problem *p;
    va_list ap;
    int n;

    if (r->nproblems >= RS_INTAKE_MAX_PROBLEMS)
        goto omit;
    if ((r->nproblems & (r->nproblems - 1)) == 0) {
        /* The array holds a power of two: it is full when the count is one. */
        size_t cap = r->nproblems ? r->nproblems * 2 : 1;
        struct rs_intake_problem *grown = realloc(r->problems, cap * sizeof(*grown));

        if (!grown)
            goto omit;
        r->problems = grown;
    }
    p = &r->problems[r->nproblems];
    memset(p, 0, sizeof(*p));
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(p->reason = malloc((size_t)n + 1)))
        goto omit;
    va_start(ap, fmt);
    vsnprintf(p->reason, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if ((sheet && !(p->sheet = strdup(sheet))) || (column && !(p->column = strdup(column)))) {
        free(p->reason);
        free(p->sheet);
        goto omit;
    }
    p->row = row;
    if (cell)
        snprintf(p->cell, sizeof(p->cell), "%s", cell);
    r->nproblems++;
    return;
omit:
    r->problems_omitted++;
}

/* Lists one sheet's outcome; RS_ENOMEM if it cannot. */
static rs_status sheet_add(struct rs_intake_result *r, const char *name,
                           enum rs_intake_sheet_state state, const char *skip_reason,
                           struct rs_intake_sheet **out)
{
    struct rs_intake_sheet *grown = realloc(r->sheets, (r->nsheets + 1) * sizeof(*grown)), *s;

    if (!grown)
        return RS_ENOMEM;
    r->sheets = grown;
    s = &r->sheets[r->nsheets];
    memset(s, 0, sizeof(*s));
    s->state = state;
    s->problems_before = r->nproblems;
    s->name = strdup(name);
    if (skip_reason)
        s->skip_reason = strdup(skip_reason);
    if (!s->name || (skip_reason && !s->skip_reason)) {
        free(s->name);
        free(s->skip_reason);
        return RS_ENOMEM;
    }
    r->nsheets++;
    if (out)
        *out = s;
    return RS_OK;
}

static const char *outbox_name(const struct rs_intake_opts *o)
{
    return o->outbox_name ? o->outbox_name : "";
}

rs_status rs_intake_read_file(const char *path, char **out, size_t *len, char *err,
                              size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    rs_status rc = RS_EIO;

    *out = NULL;
    *len = 0;
    if (!f) {
        int e = errno;

        if (e == ENOENT)
            snprintf(err, errlen, "找不到这个文件");
        else if (e == EACCES || e == EPERM)
            snprintf(err, errlen, "没有读取这个文件的权限");
        else if (e == EISDIR)
            snprintf(err, errlen, "这是文件夹，不是文件");
        else
            snprintf(err, errlen, "无法打开文件（%s）", strerror(e));
        return RS_EIO;
    }
    for (;;) {
        size_t got;

        if (n == cap) {
            char *p;

            if (cap >= RS_CSV_MAX_BYTES) {
                snprintf(err, errlen, "文件超过%u字节", RS_CSV_MAX_BYTES);
                rc = RS_ETOOBIG;
                goto fail;
            }
            cap = cap ? cap * 2 : 65536;
            p = realloc(buf, cap);
            if (!p) {
                snprintf(err, errlen, "内存不足");
                rc = RS_ENOMEM;
                goto fail;
            }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "读取文件出错");
        goto fail;
    }
    fclose(f);
    *out = buf;
    *len = n;
    return RS_OK;
fail:
    fclose(f);
    free(buf);
    return rc;
}

/*
 * True if the file is an .xlsx workbook: it starts as a zip does, or its
 * name says .xlsx (so a damaged one is reported as a workbook, not as CSV).
 */
static bool is_workbook(const char *name, const char *data, size_t len)
{
    size_t n = strlen(name);

    return (len >= 4 && memcmp(data, "PK\3\4", 4) == 0) ||
           (n >= 5 && strcasecmp(name + n - 5, ".xlsx") == 0);
}

/* True if the file is an OLE compound file: an .xls workbook, or an .xlsx with a password. */
static bool is_ole(const char *data, size_t len)
{
    static const unsigned char magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

    return len >= sizeof(magic) && memcmp(data, magic, sizeof(magic)) == 0;
}

/* Counts one row the outbox took. */
static void count_added(struct rs_intake_result *r, enum rs_outbox_added what)
{
    if (what == RS_OUTBOX_NEW)
        r->added++;
    else if (what == RS_OUTBOX_NEW_VERSION)
        r->versions++;
    else
        r->unchanged++;
}

/* The column a message names: its header cell, else the cell's own name. */
static const char *xl_column(char *const *header, size_t nh, uint32_t row, uint32_t col,
                             char buf[16])
{
    if (col < nh && header[col][0])
        return header[col];
    rs_xlsx_cell_name(row, col, buf);
    return buf;
}

/* What one sheet came to. */
enum sheet_outcome {
    SHEET_ABORT = -1,     /* the file stops: nothing of it is queued (*abort says why) */
    SHEET_READ = 0,
    SHEET_SKIPPED = 1,    /* not a sheet of records, or empty: passed over */
    SHEET_BAD = 2         /* asked for and not readable: the file is not clean */
};

/* Whether every cell is empty or spaces (ASCII or the full-width U+3000):
 * a row of commas, as Excel writes below a table, is a blank line. */
static bool blank_row(char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (const char *p = cells[i]; p && *p;) {
            if (*p == ' ' || *p == '\t')
                p++;
            else if (strncmp(p, "\xe3\x80\x80", 3) == 0)
                p += 3;
            else
                return false;
        }
    }
    return true;
}

/* The refused row's other bad cells, each a problem of its own. */
static void more_problems(struct rs_intake_result *r, const char *sheet, uint32_t row,
                          const struct rs_rowmap *map)
{
    const struct rs_verdict *more;
    size_t n = rs_rowmap_more(map, &more);

    for (size_t i = 0; i < n; i++)
        problem(r, sheet, row, more[i].field, NULL, "%s",
                more[i].text[0] ? more[i].text : more[i].reason);
}

/* Rows above the header that are titles: one filled cell each. */
#define TITLE_ROWS_MAX 2

/* Whether exactly one cell of the row holds something: a title such as
 * "2023年度移民救助发放表" above the header, as Excel users write one. */
static bool title_row(char *const *cells, size_t n)
{
    size_t filled = 0;

    for (size_t i = 0; i < n; i++)
        filled += !blank_row(&cells[i], 1);
    return filled == 1;
}

/*
 * Before a mapped row goes to the outbox: RS_OK to queue it, RS_EDUP when
 * the file gave the same record at an earlier row (listed, left out), or
 * RS_ENOMEM.
 */
static rs_status check_repeat(struct rs_intake_result *r, struct rs_rowkeys *keys,
                              const char *sheet, uint32_t row, const Rs__Record *rec)
{
    uint32_t first = 0;
    rs_status rv = rs_rowkeys_note(keys, rec, row, &first);

    if (rv == RS_ENOMEM) {
        problem(r, sheet, row, NULL, NULL, "内存不足");
        return RS_ENOMEM;
    }
    if (rv == RS_OK && first) {
        /* RS_EINVAL (no natural key) is the outbox's to refuse, in its words. */
        problem(r, sheet, row, NULL, NULL,
                "与第%u行是同一条记录（自然键相同）；同一文件中一条记录只能填一行，本行未加入发件箱",
                (unsigned)first);
        r->invalid++;
        return RS_EDUP;
    }
    return RS_OK;
}

/*
 * A row the outbox refused: for what the row holds (RS_EINVAL, RS_ECONFLICT)
 * it is listed and left out, and true is returned; any other failure is the
 * outbox's, which stops the file.
 */
static bool row_refused(struct rs_intake_result *r, const char *sheet, uint32_t row,
                        rs_status rv)
{
    if (rv == RS_ECONFLICT)
        problem(r, sheet, row, "记录编号", NULL,
                "这个记录编号已用于另一条内容不同的记录；一个记录编号只能对应一条记录"
                "（不填记录编号时由系统生成），本行未加入发件箱");
    else if (rv == RS_EINVAL)
        problem(r, sheet, row, NULL, NULL, "无法加入发件箱（%s），本行未加入", rs_status_zh(rv));
    else
        return false;
    r->invalid++;
    return true;
}

/*
 * Queues the rows of sheet i inside the caller's transaction.  forced is
 * the type the sheet must be (opts->type, or its template's), named says
 * the sheet was asked for (opts->sheet, or a template's): a header that is
 * no record type is then a problem rather than a sheet to pass over.
 */
static enum sheet_outcome queue_sheet(struct rs_outbox *ob, const char *path,
                                      const struct rs_intake_opts *o, struct rs_xlsx *x,
                                      size_t i, rs_rtype forced, bool named,
                                      struct rs_intake_result *r, rs_status *abort)
{
    const char *name = rs_xlsx_sheet_name(x, i);
    struct rs_row_defaults def = {0};
    struct rs_xlsx_sheet *sh = NULL;
    struct rs_rowmap *map = NULL;
    struct rs_rowkeys keys = {0};
    struct rs_intake_sheet *s;
    struct rs_xlsx_row row;
    char *header[RS_XLSX_MAX_COLS], err[512], first_err[512] = "", source[4200], cell[16];
    size_t nh = 0;
    uint32_t hrow, first_row = 0;
    unsigned before = r->added + r->versions + r->unchanged, bad = r->invalid;
    enum sheet_outcome ret = SHEET_BAD;
    rs_status rc;

    if (rs_xlsx_sheet_open(x, i, &sh, err, sizeof(err)) != RS_OK) {
        problem(r, name, 0, NULL, NULL, "%s", err);
        r->invalid++;
        goto failed;
    }
    if (rs_xlsx_sheet_next(sh, &row) != RS_OK) {
        if (!named) {
            if (sheet_add(r, name, RS_INTAKE_SHEET_EMPTY, NULL, NULL) != RS_OK) {
                *abort = RS_ENOMEM;
                ret = SHEET_ABORT;
                goto out;
            }
            ret = SHEET_SKIPPED;
            goto out;
        }
        problem(r, name, 0, NULL, NULL, "工作表是空的");
        goto failed;
    }
    def.division_code = o->division_code;
    def.year = o->year;
    def.period = o->period;
    def.money_unit = o->money_unit;
    for (unsigned titles = 0;; titles++) {
        hrow = row.row;
        for (nh = 0; nh < row.ncells && nh < RS_XLSX_MAX_COLS; nh++) {
            header[nh] = strdup(row.cells[nh]);
            if (!header[nh]) {
                problem(r, name, 0, NULL, NULL, "内存不足");
                goto failed;
            }
        }
        rc = rs_rowmap_open_keyed(header, nh, forced, &def, o->district_key, &map, err,
                                  sizeof(err));
        if (rc == RS_OK || titles == TITLE_ROWS_MAX || !title_row(row.cells, row.ncells) ||
            rs_xlsx_sheet_next(sh, &row) != RS_OK)
            break;
        /* A title above the header ("2023年度救助发放表"): the next row is tried. */
        if (!titles) {
            memcpy(first_err, err, sizeof(first_err));
            first_row = hrow;
        }
        for (size_t j = 0; j < nh; j++)
            free(header[j]);
        nh = 0;
    }
    if (rc != RS_OK && first_row) {
        /* Neither the title nor what follows it is a header: the first one's reason. */
        memcpy(err, first_err, sizeof(err));
        hrow = first_row;
    }
    if (rc != RS_OK) {
        /* A sheet of another kind is passed over; the header of a sheet of
         * records with a column wrong is the clerk's to correct. */
        if (named || rc != RS_ENOTFOUND) {
            problem(r, name, hrow, NULL, NULL, "%s", err);
            goto failed;
        }
        if (sheet_add(r, name, RS_INTAKE_SHEET_SKIPPED, err, NULL) != RS_OK) {
            *abort = RS_ENOMEM;
            ret = SHEET_ABORT;
            goto out;
        }
        ret = SHEET_SKIPPED;
        goto out;
    }
    for (bool first = true;; first = false) {
        Rs__Record *rec = NULL;
        struct rs_verdict v;
        enum rs_outbox_added what;

        if (rs_xlsx_sheet_next(sh, &row) != RS_OK)
            break;
        if (first && row.row == hrow + 1 &&
            rs_xltpl_is_hint_row(rs_rowmap_type(map), row.cells, row.ncells))
            continue;
        if (row.problem) {
            char ref[16];

            rs_xlsx_cell_name(row.row, row.problem->col, ref);
            problem(r, name, row.row, xl_column(header, nh, row.row, row.problem->col, cell),
                    ref, "%s", row.problem->reason);
            r->invalid++;
            continue;
        }
        if (blank_row(row.cells, row.ncells))
            continue;
        if (rs_rowmap_row(map, row.cells, row.ncells, &rec, &v) != RS_OK) {
            problem(r, name, row.row, v.field, NULL, "%s", v.text[0] ? v.text : v.reason);
            more_problems(r, name, row.row, map);
            if (rs_rowmap_fatal(map)) {
                /* Every row would be read in the same unknown unit. */
                problem(r, NULL, 0, NULL, NULL, "整个文件都没有加入发件箱");
                *abort = RS_EINVAL;
                ret = SHEET_ABORT;
                goto out;
            }
            r->invalid++;
            continue;
        }
        rc = check_repeat(r, &keys, name, row.row, rec);
        if (rc) {
            rs__record__free_unpacked(rec, NULL);
            if (rc == RS_EDUP)
                continue;
            *abort = rc;
            ret = SHEET_ABORT;
            goto out;
        }
        snprintf(source, sizeof(source), "%s:%s:%u", path, name, row.row);
        rc = rs_outbox_add(ob, rec, source, &what);
        rs__record__free_unpacked(rec, NULL);
        if (rc && row_refused(r, name, row.row, rc))
            continue;
        if (rc) {
            problem(r, name, row.row, NULL, NULL, "无法加入发件箱（%s）", rs_status_zh(rc));
            *abort = rc;
            ret = SHEET_ABORT;
            goto out;
        }
        count_added(r, what);
    }
    if (sheet_add(r, name, RS_INTAKE_SHEET_READ, NULL, &s) != RS_OK) {
        *abort = RS_ENOMEM;
        ret = SHEET_ABORT;
        goto out;
    }
    s->type = rs_rowmap_type(map);
    s->rows = r->added + r->versions + r->unchanged - before;
    s->invalid = r->invalid - bad;
    ret = SHEET_READ;
    goto out;
failed:
    if (sheet_add(r, name, RS_INTAKE_SHEET_FAILED, NULL, NULL) != RS_OK) {
        *abort = RS_ENOMEM;
        ret = SHEET_ABORT;
    }
out:
    for (size_t j = 0; j < nh; j++)
        free(header[j]);
    rs_rowkeys_free(&keys);
    rs_rowmap_close(map);
    rs_xlsx_sheet_close(sh);
    return ret;
}

/* The problem of a --sheet that names no sheet: it lists the sheets there are. */
static void no_such_sheet(struct rs_intake_result *r, struct rs_xlsx *x, const char *want)
{
    char *list = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&list, &n);

    if (!f) {
        problem(r, NULL, 0, NULL, NULL, "没有名为“%s”的工作表", want);
        return;
    }
    for (size_t j = 0; j < rs_xlsx_nsheets(x); j++)
        fprintf(f, "%s“%s”", j ? "、" : "", rs_xlsx_sheet_name(x, j));
    if (fclose(f) != 0 || !list)
        problem(r, NULL, 0, NULL, NULL, "没有名为“%s”的工作表", want);
    else
        problem(r, NULL, 0, NULL, NULL, "没有名为“%s”的工作表；工作簿中有：%s", want, list);
    free(list);
}

/* Queues the record sheets of one workbook in one outbox transaction. */
static rs_status queue_xlsx(struct rs_outbox *ob, const char *path, const char *data, size_t len,
                            const struct rs_intake_opts *o, struct rs_intake_result *r)
{
    struct rs_xltpl_meta meta;
    struct rs_xlsx *x = NULL;
    char err[512];
    size_t first = 0, last;
    bool in_tx = false;
    rs_status rc = RS_EINVAL;

    r->is_workbook = true;
    if (rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)) != RS_OK) {
        problem(r, NULL, 0, NULL, NULL, "%s", err);
        return RS_EINVAL;
    }
    if (rs_xltpl_meta_read(x, &meta, err, sizeof(err)) != RS_OK) {
        problem(r, NULL, 0, NULL, NULL, "%s", err);
        goto out;
    }
    last = rs_xlsx_nsheets(x);
    if (o->sheet) {
        long i = rs_xlsx_sheet_find(x, o->sheet);

        if (i < 0) {
            no_such_sheet(r, x, o->sheet);
            goto out;
        }
        first = (size_t)i;
        last = first + 1;
    }
    rc = rs_outbox_begin(ob);
    if (rc != RS_OK) {
        problem(r, NULL, 0, NULL, NULL, "无法写入发件箱 %s", outbox_name(o));
        goto out;
    }
    in_tx = true;
    for (size_t i = first; i < last; i++) {
        const char *name = rs_xlsx_sheet_name(x, i);
        bool tpl = meta.found && strcmp(name, meta.sheet) == 0;
        rs_rtype forced = o->type ? o->type : tpl ? meta.type : RS__RECORD__BODY__NOT_SET;
        enum sheet_outcome got;

        if (!o->sheet && (rs_xlsx_sheet_hidden(x, i) ||
                          (meta.found && strcmp(name, RS_XLTPL_META_SHEET) == 0)))
            continue;
        got = queue_sheet(ob, path, o, x, i, forced, o->sheet || tpl, r, &rc);
        if (got == SHEET_ABORT)
            goto out;
    }
    rc = rs_outbox_commit(ob);
    if (rc != RS_OK) {
        problem(r, NULL, 0, NULL, NULL, "无法提交到发件箱 %s", outbox_name(o));
        goto out;
    }
    in_tx = false;
    r->queued = true;
    /* A sheet passed over or failed has said why already. */
    if (r->nsheets == 0)
        problem(r, NULL, 0, NULL, NULL,
                "没有哪个工作表的表头属于某种记录类型（各类型的列见 docs/csv.md；"
                "`resettle template` 可生成带表头的模板）");
out:
    if (in_tx)
        (void)rs_outbox_rollback(ob);
    rs_xlsx_close(x);
    return rc;
}

/* Queues the valid rows of one CSV file in one outbox transaction. */
static rs_status queue_csv(struct rs_outbox *ob, const char *path, const char *data, size_t len,
                           const struct rs_intake_opts *o, struct rs_intake_result *r)
{
    struct rs_row_defaults def = {0};
    struct rs_csv *csv = NULL;
    struct rs_rowmap *map = NULL;
    struct rs_rowkeys keys = {0};
    char **cells, err[512], first_err[512] = "", source[4200];
    size_t ncells;
    uint32_t line, first_line = 0;
    bool in_tx = false;
    rs_status rc, ret = RS_EINVAL;

    rc = rs_csv_open_zh(data, len, &csv, err, sizeof(err));
    if (rc) {
        problem(r, NULL, 0, NULL, NULL, "%s", err);
        goto out;
    }
    rc = rs_csv_next(csv, &cells, &ncells, &line, err, sizeof(err));
    if (rc) {
        problem(r, NULL, 0, NULL, NULL, "%s", rc == RS_ENOTFOUND ? "文件是空的" : err);
        goto out;
    }
    def.division_code = o->division_code;
    def.year = o->year;
    def.period = o->period;
    def.money_unit = o->money_unit;
    for (unsigned titles = 0;; titles++) {
        rc = rs_rowmap_open_keyed(cells, ncells, o->type, &def, o->district_key, &map, err,
                                  sizeof(err));
        if (rc == RS_OK || titles == TITLE_ROWS_MAX || !title_row(cells, ncells))
            break;
        /* A title above the header: the next line is tried, and when it is
         * no header either, the title's reason is given. */
        if (!titles) {
            memcpy(first_err, err, sizeof(first_err));
            first_line = line;
        }
        if (rs_csv_next(csv, &cells, &ncells, &line, err, sizeof(err)) != RS_OK)
            break;
    }
    if (rc) {
        problem(r, NULL, first_line ? first_line : line, NULL, NULL, "%s",
                first_line ? first_err : err);
        goto out;
    }
    r->type = rs_rowmap_type(map);
    ret = rs_outbox_begin(ob);
    if (ret != RS_OK) {
        problem(r, NULL, 0, NULL, NULL, "无法写入发件箱 %s", outbox_name(o));
        goto out;
    }
    in_tx = true;
    for (;;) {
        Rs__Record *rec = NULL;
        struct rs_verdict v;
        enum rs_outbox_added what;

        rc = rs_csv_next(csv, &cells, &ncells, &line, err, sizeof(err));
        if (rc == RS_ENOTFOUND)
            break;
        if (rc) {
            /* The CSV cannot be read past this point, so the rows after it
             * would be lost without a word: the file is given up whole. */
            problem(r, NULL, 0, NULL, NULL, "%s", err);
            problem(r, NULL, 0, NULL, NULL, "此处之后的内容无法读取，整个文件都没有加入发件箱；"
                                           "请改正后重新报送");
            r->invalid++;
            ret = RS_EINVAL;
            goto out;
        }
        if (blank_row(cells, ncells))
            continue;
        if (rs_rowmap_row(map, cells, ncells, &rec, &v) != RS_OK) {
            problem(r, NULL, line, v.field, NULL, "%s", v.text[0] ? v.text : v.reason);
            more_problems(r, NULL, line, map);
            if (rs_rowmap_fatal(map)) {
                /* Every row would be read in the same unknown unit. */
                problem(r, NULL, 0, NULL, NULL, "整个文件都没有加入发件箱");
                ret = RS_EINVAL;
                goto out;
            }
            r->invalid++;
            continue;
        }
        ret = check_repeat(r, &keys, NULL, line, rec);
        if (ret) {
            rs__record__free_unpacked(rec, NULL);
            if (ret == RS_EDUP)
                continue;
            goto out;
        }
        snprintf(source, sizeof(source), "%s:%u", path, line);
        ret = rs_outbox_add(ob, rec, source, &what);
        rs__record__free_unpacked(rec, NULL);
        if (ret && row_refused(r, NULL, line, ret))
            continue;
        if (ret) {
            problem(r, NULL, line, NULL, NULL, "无法加入发件箱（%s）", rs_status_zh(ret));
            goto out;
        }
        count_added(r, what);
    }
    ret = rs_outbox_commit(ob);
    if (ret != RS_OK) {
        problem(r, NULL, 0, NULL, NULL, "无法提交到发件箱 %s", outbox_name(o));
        goto out;
    }
    in_tx = false;
    r->queued = true;
out:
    if (in_tx)
        (void)rs_outbox_rollback(ob);
    rs_rowkeys_free(&keys);
    rs_rowmap_close(map);
    rs_csv_close(csv);
    return ret;
}

rs_status rs_intake_buffer(struct rs_outbox *ob, const char *name, const char *data, size_t len,
                           const struct rs_intake_opts *opts, struct rs_intake_result *res)
{
    memset(res, 0, sizeof(*res));
    res->file = strdup(name);
    if (!res->file)
        return RS_ENOMEM;
    if (is_ole(data, len)) {
        problem(res, NULL, 0, NULL, NULL,
                "这是 Excel 97-2003 工作簿（.xls）或设了密码的工作簿，无法读取：请另存为不设密码的"
                " .xlsx（Excel 工作簿）或 CSV");
        return RS_EINVAL;
    }
    if (is_workbook(name, data, len))
        return queue_xlsx(ob, name, data, len, opts, res);
    return queue_csv(ob, name, data, len, opts, res);
}

rs_status rs_intake_file(struct rs_outbox *ob, const char *path,
                         const struct rs_intake_opts *opts, struct rs_intake_result *res)
{
    char *data = NULL, err[512];
    size_t len;
    rs_status rc = rs_intake_read_file(path, &data, &len, err, sizeof(err));

    if (rc != RS_OK) {
        memset(res, 0, sizeof(*res));
        res->file = strdup(path);
        problem(res, NULL, 0, NULL, NULL, "%s", err);
        return rc;
    }
    rc = rs_intake_buffer(ob, path, data, len, opts, res);
    free(data);
    return rc;
}

void rs_intake_result_free(struct rs_intake_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nproblems; i++) {
        free(res->problems[i].sheet);
        free(res->problems[i].column);
        free(res->problems[i].reason);
    }
    for (size_t i = 0; i < res->nsheets; i++) {
        free(res->sheets[i].name);
        free(res->sheets[i].skip_reason);
    }
    free(res->problems);
    free(res->sheets);
    free(res->file);
    memset(res, 0, sizeof(*res));
}

/*
 * rs_schedule.c - a year's schedule of expected returns: read from a CSV
 * file or a ScheduleSet, checked, written back as CSV or as wire entries,
 * and the periods and deadlines it implies.
 *
 * See rs_schedule.h.  The CSV file is read with the shared reader
 * (rs_csv.h); a type is named as the record-type table names it
 * (rs_rtype_parse); every check a line must pass is in check_line, and the
 * one that looks across lines (a township expected twice for a type) in
 * check_duplicates, so a file and a ScheduleSet are held to the same rules.
 *
 * Does not: read files, know which townships exist (the store checks the
 * codes against its offices), or decide who has reported.
 */
#include "rs_schedule.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_csv.h"
#include "rs_rtype.h"
#include "rs_util.h"

#define CELL_PRINT_MAX 48                /* bytes of a bad cell quoted in a message */

enum col { COL_TYPE, COL_PERIOD, COL_DEADLINE, COL_TOWNSHIPS, NCOLS };

/* The columns of a schedule file: English name (any letter case) and Chinese names. */
static const struct {
    const char *name;
    const char *aliases;
    bool required;
} cols[NCOLS] = {
    [COL_TYPE] = {"type", "类型|报表类型|记录类型|业务类型", true},
    [COL_PERIOD] = {"period", "周期|报送周期|期间类型", true},
    [COL_DEADLINE] = {"deadline_days", "截止天数|报送期限|期限天数", true},
    [COL_TOWNSHIPS] = {"townships", "乡镇|适用乡镇|报送单位", false},
};

/* The period kinds: English name, then the Chinese words a cell may use. */
static const struct {
    Rs__PeriodKind kind;
    const char *name;
    const char *aliases;
} kinds[] = {
    {RS__PERIOD_KIND__PK_QUARTER, "quarter", "季度|按季|季|按季度"},
    {RS__PERIOD_KIND__PK_HALF, "half", "半年|按半年|半年度"},
    {RS__PERIOD_KIND__PK_YEAR, "year", "年度|按年|年|全年"},
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static rs_status say(char *err, size_t errlen, rs_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static rs_status say(char *err, size_t errlen, rs_status st, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* "name:line" or "第 N 行" into out, the prefix of a message. */
static void where(char *out, size_t n, const char *name, uint32_t line)
{
    if (name)
        snprintf(out, n, "%s:%u", name, (unsigned)line);
    else
        snprintf(out, n, "第 %u 行", (unsigned)line);
}

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

/* True if s is one of the '|'-separated words of list, byte for byte. */
static bool in_list(const char *list, const char *s)
{
    size_t n = strlen(s);

    for (const char *p = list; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);

        if (len == n && memcmp(p, s, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* ---------------------------------------------------------------- periods */

size_t rs_period_kind_periods(Rs__PeriodKind k, Rs__Period out[4])
{
    switch (k) {
    case RS__PERIOD_KIND__PK_QUARTER:
        out[0] = RS__PERIOD__PERIOD_Q1;
        out[1] = RS__PERIOD__PERIOD_Q2;
        out[2] = RS__PERIOD__PERIOD_Q3;
        out[3] = RS__PERIOD__PERIOD_Q4;
        return 4;
    case RS__PERIOD_KIND__PK_HALF:
        out[0] = RS__PERIOD__PERIOD_H1;
        out[1] = RS__PERIOD__PERIOD_H2;
        return 2;
    case RS__PERIOD_KIND__PK_YEAR:
        out[0] = RS__PERIOD__PERIOD_YEAR;
        return 1;
    default:
        return 0;
    }
}

const char *rs_period_kind_name(Rs__PeriodKind k)
{
    for (size_t i = 0; i < NKINDS; i++) {
        if (kinds[i].kind == k)
            return kinds[i].name;
    }
    return "";
}

uint32_t rs_period_last_day(uint32_t year, Rs__Period p)
{
    static const uint32_t mmdd[] = {
        [RS__PERIOD__PERIOD_Q1] = 331,  [RS__PERIOD__PERIOD_Q2] = 630,
        [RS__PERIOD__PERIOD_Q3] = 930,  [RS__PERIOD__PERIOD_Q4] = 1231,
        [RS__PERIOD__PERIOD_H1] = 630,  [RS__PERIOD__PERIOD_H2] = 1231,
        [RS__PERIOD__PERIOD_YEAR] = 1231,
    };

    if ((unsigned)p >= sizeof(mmdd) / sizeof(mmdd[0]) || mmdd[p] == 0)
        return 0;
    return year * 10000 + mmdd[p];
}

uint32_t rs_period_deadline(uint32_t year, Rs__Period p, uint32_t deadline_days)
{
    uint32_t last = rs_period_last_day(year, p);

    if (!last)
        return 0;
    return rs_date_from_days(rs_date_days(last) + (int64_t)deadline_days);
}

bool rs_sched_line_covers(const struct rs_sched_line *l, const char *code)
{
    if (l->ntownships == 0)
        return true;
    for (size_t i = 0; i < l->ntownships; i++) {
        if (strcmp(l->townships[i], code) == 0)
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------- checks */

static bool township_code(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    return (n == 9 || n == 12) && rs_division_code_valid(s);
}

/* One line's own checks. */
static rs_status check_line(const struct rs_sched_line *l, const char *at, char *err,
                            size_t errlen)
{
    Rs__Period ps[4];

    if (rs_rtype_of_record_type(l->type) == RS__RECORD__BODY__NOT_SET)
        return say(err, errlen, RS_EINVAL, "%s: 记录类型 %d 不是乡镇报送的记录类型",
                   at, (int)l->type);
    if (rs_period_kind_periods(l->kind, ps) == 0)
        return say(err, errlen, RS_EINVAL, "%s: 周期种类 %d 不是季度、半年或年度", at,
                   (int)l->kind);
    if (l->deadline_days > RS_SCHED_MAX_DEADLINE_DAYS)
        return say(err, errlen, RS_EINVAL,
                   "%s: 期末后 %u 天的截止期不可能（应为 0 至 %d 天）", at,
                   (unsigned)l->deadline_days, RS_SCHED_MAX_DEADLINE_DAYS);
    if (l->ntownships > RS_SCHED_MAX_TOWNSHIPS)
        return say(err, errlen, RS_ETOOBIG, "%s: 乡镇 %zu 个；一行最多 %d 个", at,
                   l->ntownships, RS_SCHED_MAX_TOWNSHIPS);
    for (size_t i = 0; i < l->ntownships; i++) {
        if (!township_code(l->townships[i]))
            return say(err, errlen, RS_EINVAL,
                       "%s: 乡镇“%.*s”不是 9 位或 12 位的区划代码", at,
                       CELL_PRINT_MAX, l->townships[i]);
    }
    return RS_OK;
}

/* One (type, township) a line names, for the duplicate check. */
struct claim {
    int type;
    const char *code;
    uint32_t line;
};

static int claim_cmp(const void *a, const void *b)
{
    const struct claim *x = a, *y = b;
    int c;

    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    c = strcmp(x->code, y->code);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * A township expected twice for one type: on two lines, twice on one line,
 * or on a line of a type that also has a line for every township.  Names
 * the line, in file order, where the first repetition is found.
 */
static rs_status check_duplicates(const struct rs_schedule *s, const char *name, char *err,
                                  size_t errlen)
{
    struct claim *c = NULL;
    size_t nc = 0, total = 0;
    uint32_t bad = 0, first = 0;
    const char *code = NULL;
    bool first_all = false;
    int type = 0;
    char at[300];

    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < i; k++) {
            const struct rs_sched_line *a = &s->lines[k], *b = &s->lines[i];

            if (a->type == b->type && (a->ntownships == 0 || b->ntownships == 0) &&
                (!bad || b->line < bad)) {
                bad = b->line;
                first = a->line;
                first_all = a->ntownships == 0;
                type = (int)b->type;
                code = NULL;
            }
        }
        total += s->lines[i].ntownships;
    }
    c = malloc((total ? total : 1) * sizeof(*c));
    if (!c)
        return RS_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->lines[i].ntownships; k++)
            c[nc++] = (struct claim){(int)s->lines[i].type, s->lines[i].townships[k],
                                     s->lines[i].line};
    }
    qsort(c, nc, sizeof(*c), claim_cmp);
    for (size_t i = 1; i < nc; i++) {
        if (c[i].type == c[i - 1].type && strcmp(c[i].code, c[i - 1].code) == 0 &&
            (!bad || c[i].line < bad)) {
            bad = c[i].line;
            first = c[i - 1].line;
            type = c[i].type;
            code = c[i].code;
        }
    }
    if (bad) {
        const char *tname = rs_rtype_label(rs_rtype_of_record_type((Rs__RecordType)type));

        where(at, sizeof(at), name, bad);
        if (!code && first_all)
            say(err, errlen, RS_EINVAL,
                "%s: 重复的行：第 %u 行已为全部乡镇安排了%s", at, (unsigned)first, tname);
        else if (!code)
            say(err, errlen, RS_EINVAL,
                "%s: 重复的行：本行为全部乡镇安排%s，而第 %u 行已经写了它", at, tname,
                (unsigned)first);
        else if (first == bad)
            say(err, errlen, RS_EINVAL, "%s: 乡镇 %s 在本行中出现了两次", at, code);
        else
            say(err, errlen, RS_EINVAL, "%s: 重复的行：乡镇 %s 的%s已在第 %u 行", at, code, tname,
                (unsigned)first);
    }
    free(c);
    return bad ? RS_EINVAL : RS_OK;
}

rs_status rs_schedule_check(const struct rs_schedule *s, const char *name, char *err,
                            size_t errlen)
{
    char at[300];
    rs_status rv;

    if (err && errlen)
        err[0] = '\0';
    if (s->year < 2000 || s->year > 2100)
        return say(err, errlen, RS_EINVAL, "报送计划的年度 %u 不在 2000 至 2100 之间",
                   (unsigned)s->year);
    if (s->n > RS_SCHED_MAX_LINES)
        return say(err, errlen, RS_ETOOBIG, "报送计划有 %zu 行；最多 %d 行", s->n,
                   RS_SCHED_MAX_LINES);
    for (size_t i = 0; i < s->n; i++) {
        where(at, sizeof(at), name, s->lines[i].line);
        rv = check_line(&s->lines[i], at, err, errlen);
        if (rv)
            return rv;
    }
    return check_duplicates(s, name, err, errlen);
}

/* ---------------------------------------------------------------- the CSV file */

void rs_schedule_free(struct rs_schedule *s)
{
    for (size_t i = 0; s->lines && i < s->n; i++)
        free(s->lines[i].townships);
    free(s->lines);
    s->lines = NULL;
    s->n = 0;
}

/* Whether c is a separator of township codes at s; its length in *n. */
static bool separator(const char *s, size_t *n)
{
    static const char *const wide[] = {"、", "；", "，", "　"};

    if (*s == ' ' || *s == ',' || *s == ';' || *s == '|' || *s == '\t') {
        *n = 1;
        return true;
    }
    for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
        size_t len = strlen(wide[i]);

        if (strncmp(s, wide[i], len) == 0) {
            *n = len;
            return true;
        }
    }
    return false;
}

/* Reads a townships cell into l (all: none listed). */
static rs_status parse_townships(const char *cell, struct rs_sched_line *l, const char *at,
                                 char *err, size_t errlen)
{
    size_t cap = 0, sep;

    l->townships = NULL;
    l->ntownships = 0;
    if (!cell[0] || same_ci(cell, "all") || strcmp(cell, "全部") == 0)
        return RS_OK;
    for (const char *p = cell; *p;) {
        const char *start;
        size_t len;

        while (*p && separator(p, &sep))
            p += sep;
        if (!*p)
            break;
        start = p;
        while (*p && !separator(p, &sep))
            p++;
        len = (size_t)(p - start);
        if (l->ntownships == RS_SCHED_MAX_TOWNSHIPS)
            return say(err, errlen, RS_ETOOBIG, "%s: 一行的乡镇超过 %d 个", at,
                       RS_SCHED_MAX_TOWNSHIPS);
        if (len > RS_SCHED_CODE_MAX || len == 0)
            return say(err, errlen, RS_EINVAL,
                       "%s: 乡镇“%.*s”不是 9 位或 12 位的区划代码", at,
                       (int)(len < CELL_PRINT_MAX ? len : CELL_PRINT_MAX), start);
        if (l->ntownships == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char (*v)[RS_SCHED_CODE_MAX + 1] = realloc(l->townships, ncap * sizeof(*v));

            if (!v)
                return RS_ENOMEM;
            l->townships = v;
            cap = ncap;
        }
        memcpy(l->townships[l->ntownships], start, len);
        l->townships[l->ntownships][len] = '\0';
        l->ntownships++;
    }
    return RS_OK;
}

/* Reads one line's cells into l (its checks come after). */
static rs_status parse_line(char **cells, size_t ncells, const int *at_col,
                            struct rs_sched_line *l, const char *at, char *err, size_t errlen)
{
    const char *cell[NCOLS];
    rs_rtype t;
    uint32_t days;
    size_t k, ncols = 0;

    for (int c = 0; c < NCOLS; c++) {
        if (at_col[c] >= 0 && (size_t)at_col[c] >= ncols)
            ncols = (size_t)at_col[c] + 1;
    }
    if (ncells > ncols)
        return say(err, errlen, RS_EINVAL, "%s: 有 %zu 个单元格，表头只有 %zu 列", at,
                   ncells, ncols);
    for (int c = 0; c < NCOLS; c++)
        cell[c] = at_col[c] >= 0 && (size_t)at_col[c] < ncells ? cells[at_col[c]] : "";
    t = rs_rtype_parse(cell[COL_TYPE]);
    if (!cell[COL_TYPE][0])
        return say(err, errlen, RS_EINVAL, "%s: 类型（type）：必填", at);
    if (t == RS__RECORD__BODY__NOT_SET)
        return say(err, errlen, RS_EINVAL, "%s: 类型（type）：未知的记录类型“%.*s”", at,
                   CELL_PRINT_MAX, cell[COL_TYPE]);
    l->type = rs_record_type_of(t);
    if (l->type == RS__RECORD_TYPE__RT_UNSPECIFIED)
        return say(err, errlen, RS_EINVAL,
                   "%s: 类型（type）：%s不是报送计划可以安排的乡镇记录类型", at,
                   rs_rtype_label(t));
    for (k = 0; k < NKINDS; k++) {
        if (same_ci(cell[COL_PERIOD], kinds[k].name) || in_list(kinds[k].aliases, cell[COL_PERIOD]))
            break;
    }
    if (k == NKINDS)
        return say(err, errlen, RS_EINVAL,
                   "%s: 周期（period）：“%.*s”不是季度、半年或年度（quarter、half、year）", at,
                   CELL_PRINT_MAX, cell[COL_PERIOD]);
    l->kind = kinds[k].kind;
    if (rs_u32_parse(cell[COL_DEADLINE], &days) != RS_OK || days > RS_SCHED_MAX_DEADLINE_DAYS)
        return say(err, errlen, RS_EINVAL,
                   "%s: 截止天数（deadline_days）：“%.*s”不可能：应为期末后的整天数，0 至 %d",
                   at, CELL_PRINT_MAX, cell[COL_DEADLINE], RS_SCHED_MAX_DEADLINE_DAYS);
    l->deadline_days = days;
    return parse_townships(cell[COL_TOWNSHIPS], l, at, err, errlen);
}

/* Binds the header's cells to the columns; at_col[c] is the cell index or -1. */
static rs_status parse_header(char **cells, size_t ncells, int *at_col, const char *at,
                              char *err, size_t errlen)
{
    for (int c = 0; c < NCOLS; c++)
        at_col[c] = -1;
    for (size_t i = 0; i < ncells; i++) {
        int c;

        for (c = 0; c < NCOLS; c++) {
            if (same_ci(cells[i], cols[c].name) || in_list(cols[c].aliases, cells[i]))
                break;
        }
        if (c == NCOLS)
            return say(err, errlen, RS_EINVAL,
                       "%s: 未知的列“%.*s”（报送计划的列为 类型、周期、截止天数、乡镇，"
                       "即 type、period、deadline_days、townships）",
                       at, CELL_PRINT_MAX, cells[i]);
        if (at_col[c] >= 0)
            return say(err, errlen, RS_EINVAL, "%s: 列 %s 出现了两次", at, cols[c].name);
        at_col[c] = (int)i;
    }
    for (int c = 0; c < NCOLS; c++) {
        if (cols[c].required && at_col[c] < 0)
            return say(err, errlen, RS_EINVAL, "%s: 缺少 %s 列", at, cols[c].name);
    }
    return RS_OK;
}

rs_status rs_schedule_parse_csv(const char *name, const void *data, size_t len, uint32_t year,
                                struct rs_schedule *out, char *err, size_t errlen)
{
    struct rs_csv *csv = NULL;
    struct rs_schedule s = {year, NULL, 0};
    char **cells, at[300], why[256];
    size_t ncells, cap = 0;
    int at_col[NCOLS];
    uint32_t line = 1;
    rs_status rv;

    memset(out, 0, sizeof(*out));
    if (err && errlen)
        err[0] = '\0';
    rv = rs_csv_open_zh(data, len, &csv, why, sizeof(why));
    if (rv) {
        say(err, errlen, rv, "%s: %s", name, why);
        goto out;
    }
    rv = rs_csv_next(csv, &cells, &ncells, &line, why, sizeof(why));
    if (rv == RS_ENOTFOUND) {
        rv = say(err, errlen, RS_EINVAL, "%s:1: 空文件：没有表头", name);
        goto out;
    }
    if (rv) {
        say(err, errlen, rv, "%s: %s", name, why);
        goto out;
    }
    where(at, sizeof(at), name, line);
    rv = parse_header(cells, ncells, at_col, at, err, errlen);
    if (rv)
        goto out;
    for (;;) {
        struct rs_sched_line *l;

        rv = rs_csv_next(csv, &cells, &ncells, &line, why, sizeof(why));
        if (rv == RS_ENOTFOUND) {
            rv = RS_OK;
            break;
        }
        if (rv) {
            say(err, errlen, rv, "%s: %s", name, why);
            goto out;
        }
        where(at, sizeof(at), name, line);
        if (s.n == RS_SCHED_MAX_LINES) {
            rv = say(err, errlen, RS_ETOOBIG, "%s: 报送计划超过 %d 行", at,
                     RS_SCHED_MAX_LINES);
            goto out;
        }
        if (s.n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct rs_sched_line *v = realloc(s.lines, ncap * sizeof(*v));

            rv = RS_ENOMEM;
            if (!v)
                goto out;
            s.lines = v;
            cap = ncap;
        }
        l = &s.lines[s.n++];
        memset(l, 0, sizeof(*l));
        l->line = line;
        rv = parse_line(cells, ncells, at_col, l, at, err, errlen);
        if (rv == RS_OK)
            rv = check_line(l, at, err, errlen);
        if (rv)
            goto out;
    }
    rv = rs_schedule_check(&s, name, err, errlen);
out:
    rs_csv_close(csv);
    if (rv) {
        if (rv == RS_ENOMEM && err && errlen && !err[0])
            say(err, errlen, rv, "%s: 内存不足", name);
        rs_schedule_free(&s);
        return rv;
    }
    *out = s;
    return RS_OK;
}

/* ---------------------------------------------------------------- the wire */

rs_status rs_schedule_from_wire(const Rs__ScheduleSet *m, struct rs_schedule *out, char *err,
                                size_t errlen)
{
    struct rs_schedule s = {m->year, NULL, 0};
    rs_status rv = RS_ENOMEM;

    memset(out, 0, sizeof(*out));
    if (m->n_entries > RS_SCHED_MAX_LINES)
        return say(err, errlen, RS_ETOOBIG, "报送计划有 %zu 条；最多 %d 条", m->n_entries,
                   RS_SCHED_MAX_LINES);
    s.lines = calloc(m->n_entries ? m->n_entries : 1, sizeof(*s.lines));
    if (!s.lines)
        goto out;
    for (size_t i = 0; i < m->n_entries; i++) {
        const Rs__ScheduleEntry *e = m->entries[i];
        struct rs_sched_line *l = &s.lines[s.n++];

        l->line = (uint32_t)i + 1;
        l->type = e->has_record_type ? e->record_type : RS__RECORD_TYPE__RT_UNSPECIFIED;
        l->kind = e->has_period_kind ? e->period_kind : RS__PERIOD_KIND__PK_UNSPECIFIED;
        l->deadline_days = e->has_deadline_days ? e->deadline_days : UINT32_MAX;
        if (e->n_townships > RS_SCHED_MAX_TOWNSHIPS) {
            rv = say(err, errlen, RS_ETOOBIG, "第 %zu 条：乡镇 %zu 个；最多 %d 个", i + 1,
                     e->n_townships, RS_SCHED_MAX_TOWNSHIPS);
            goto out;
        }
        if (e->n_townships) {
            l->townships = calloc(e->n_townships, sizeof(*l->townships));
            if (!l->townships)
                goto out;
        }
        for (size_t k = 0; k < e->n_townships; k++) {
            const char *c = e->townships[k] ? e->townships[k] : "";

            /* A code too long to keep is refused as it is by the check. */
            snprintf(l->townships[k], sizeof(l->townships[k]), "%s",
                     strlen(c) <= RS_SCHED_CODE_MAX ? c : "过长");
        }
        l->ntownships = e->n_townships;
    }
    rv = rs_schedule_check(&s, "条目", err, errlen);
out:
    if (rv) {
        rs_schedule_free(&s);
        return rv;
    }
    *out = s;
    return RS_OK;
}

void rs_schedule_wire_free(struct rs_schedule_wire *w)
{
    free(w->entries);
    free(w->ptrs);
    free(w->towns);
    memset(w, 0, sizeof(*w));
}

rs_status rs_schedule_to_wire(const struct rs_schedule *s, struct rs_schedule_wire *w)
{
    size_t total = 0, off = 0;

    memset(w, 0, sizeof(*w));
    for (size_t i = 0; i < s->n; i++)
        total += s->lines[i].ntownships;
    w->entries = calloc(s->n ? s->n : 1, sizeof(*w->entries));
    w->ptrs = calloc(s->n ? s->n : 1, sizeof(*w->ptrs));
    w->towns = calloc(total ? total : 1, sizeof(*w->towns));
    if (!w->entries || !w->ptrs || !w->towns) {
        rs_schedule_wire_free(w);
        return RS_ENOMEM;
    }
    for (size_t i = 0; i < s->n; i++) {
        const struct rs_sched_line *l = &s->lines[i];
        Rs__ScheduleEntry *e = &w->entries[i];

        rs__schedule_entry__init(e);
        e->has_record_type = 1;
        e->record_type = l->type;
        e->has_period_kind = 1;
        e->period_kind = l->kind;
        e->has_deadline_days = 1;
        e->deadline_days = l->deadline_days;
        e->n_townships = l->ntownships;
        e->townships = l->ntownships ? w->towns + off : NULL;
        for (size_t k = 0; k < l->ntownships; k++)
            w->towns[off++] = (char *)l->townships[k];
        w->ptrs[i] = e;
    }
    w->n = s->n;
    return RS_OK;
}

/* The first Chinese name of a period kind: "季度" of "季度|按季|…". */
static void kind_zh(Rs__PeriodKind k, char out[32])
{
    out[0] = '\0';
    for (size_t i = 0; i < NKINDS; i++) {
        if (kinds[i].kind == k) {
            size_t n = strcspn(kinds[i].aliases, "|");

            snprintf(out, 32, "%.*s", (int)n, kinds[i].aliases);
        }
    }
}

/* The CSV form in English (zh false) or in the Chinese names a clerk writes. */
static rs_status format_csv(const struct rs_schedule *s, bool zh, char **out)
{
    const char *header = zh ? "类型,周期,截止天数,乡镇\n" : "type,period,deadline_days,townships\n";
    size_t cap = strlen(header) + 1, len = strlen(header);
    char *p;

    for (size_t i = 0; i < s->n; i++)
        cap += 96 + s->lines[i].ntownships * (RS_SCHED_CODE_MAX + 1);
    p = malloc(cap);
    if (!p)
        return RS_ENOMEM;
    memcpy(p, header, len + 1);
    for (size_t i = 0; i < s->n; i++) {
        const struct rs_sched_line *l = &s->lines[i];
        rs_rtype t = rs_rtype_of_record_type(l->type);
        char kz[32];

        kind_zh(l->kind, kz);
        len += (size_t)snprintf(p + len, cap - len, "%s,%s,%u,",
                                zh ? rs_rtype_label(t) : rs_rtype_name(t),
                                zh ? kz : rs_period_kind_name(l->kind),
                                (unsigned)l->deadline_days);
        if (l->ntownships == 0)
            len += (size_t)snprintf(p + len, cap - len, "%s", zh ? "全部" : "all");
        for (size_t k = 0; k < l->ntownships; k++)
            len += (size_t)snprintf(p + len, cap - len, "%s%s", k ? " " : "", l->townships[k]);
        len += (size_t)snprintf(p + len, cap - len, "\n");
    }
    *out = p;
    return RS_OK;
}

rs_status rs_schedule_format_csv(const struct rs_schedule *s, char **out)
{
    return format_csv(s, false, out);
}

rs_status rs_schedule_format_csv_zh(const struct rs_schedule *s, char **out)
{
    return format_csv(s, true, out);
}

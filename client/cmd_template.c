/*
 * cmd_template.c - `resettle template`: an Excel workbook for the clerks
 * to fill in, for one record type, with the office's and --divisions'
 * codes in its drop-down list.
 *
 * Does not: write the workbook itself (rs_xltpl.c) or read one back
 * (rs_intake.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_cmd.h"
#include "rs_util.h"
#include "rs_xltpl.h"

#define MAX_DIVISIONS RS_XLTPL_LIST_MAX

struct divisions {
    char code[MAX_DIVISIONS][16];
    const char *ptr[MAX_DIVISIONS];
    size_t n;
};

/* Adds code[0..n) (blanks around it dropped) unless it is there already; -1 if bad. */
static int division_add(struct divisions *d, const char *code, size_t n, const char *where)
{
    char buf[16];

    while (n > 0 && (*code == ' ' || *code == '\t' || *code == '\r')) {
        code++;
        n--;
    }
    while (n > 0 && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\r'))
        n--;
    if (n == 0)
        return 0;
    if (n < sizeof(buf)) {
        memcpy(buf, code, n);
        buf[n] = '\0';
    }
    if (n >= sizeof(buf) || !rs_division_code_valid(buf)) {
        fprintf(stderr, "resettle: %s: “%.*s”不是区划代码（应为 6、9 或 12 位数字）\n",
                where, (int)(n > 40 ? 40 : n), code);
        return -1;
    }
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->code[i], buf) == 0)
            return 0;
    if (d->n == MAX_DIVISIONS) {
        fprintf(stderr, "resettle: %s: 区划代码超过 %u 个\n", where, MAX_DIVISIONS);
        return -1;
    }
    memcpy(d->code[d->n], buf, n + 1);
    d->ptr[d->n] = d->code[d->n];
    d->n++;
    return 0;
}

/*
 * --divisions: a file with one code per line, or a CSV whose first column
 * is the code (a first line that is not a code, such as "code,name,role",
 * is a header); or else codes separated by commas or blanks.
 */
static int divisions_parse(struct divisions *d, const char *arg)
{
    char *data = NULL, where[600];
    size_t len, line = 0;
    const char *p, *end;

    if (access(arg, F_OK) != 0) {
        for (p = arg; *p;) {
            size_t n = strcspn(p, ", \t");

            if (division_add(d, p, n, "--divisions") != 0)
                return -1;
            p += n;
            if (*p)
                p++;
        }
        return 0;
    }
    if (rs_cmd_read_file(arg, &data, &len))
        return -1;
    for (p = data, end = data + len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), cell = 0;

        while (cell < n && p[cell] != ',')
            cell++;
        if (line == 0 && cell > 0 && (p[0] < '0' || p[0] > '9')) {
            p += n + 1;
            continue;    /* a header line */
        }
        snprintf(where, sizeof(where), "%s:%zu", arg, line + 1);
        if (division_add(d, p, cell, where) != 0) {
            free(data);
            return -1;
        }
        p += n + 1;
    }
    free(data);
    return 0;
}

int rs_cmd_template(struct config *c)
{
    struct divisions *d = calloc(1, sizeof(*d));
    struct rs_xltpl_opts o = {0};
    char path[512], err[512];
    const char *out = c->out;
    int ret = RS_EXIT_USAGE;

    if (!d)
        return RS_EXIT_INVALID;
    if (c->type == RS__RECORD__BODY__NOT_SET) {
        free(d);
        return rs_cmd_usage_error("template 需要 --type 类型（project、项目、relief、救助……）");
    }
    if (!c->office)
        c->office = getenv("RESETTLE_OFFICE");
    if (c->office && c->office[0] && division_add(d, c->office, strlen(c->office), "--office"))
        goto out;
    if (c->divisions && divisions_parse(d, c->divisions))
        goto out;
    if (!out) {
        snprintf(path, sizeof(path), "%s模板.xlsx", rs_rtype_label(c->type));
        out = path;
    }
    o.type = c->type;
    o.money_wan = c->money_unit == RS_MONEY_UNIT_WAN;
    o.divisions = d->ptr;
    o.ndivisions = d->n;
    if (rs_xltpl_write(out, &o, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "resettle: %s\n", err);
        ret = RS_EXIT_INVALID;
        goto out;
    }
    printf("%s: %s（%s）模板，区划代码下拉列表 %zu 个\n", out, rs_rtype_label(c->type),
           rs_rtype_name(c->type), d->n);
    ret = 0;
out:
    free(d);
    return ret;
}

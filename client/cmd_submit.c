/*
 * cmd_submit.c - `resettle submit FILE...`: each file through the intake
 * (rs_intake.h) into the outbox, what it found printed, then every pending
 * record delivered.
 *
 * The intake's result is printed as the clerk reads it: each problem on
 * stderr as file[:sheet][:row]: [column: ][单元格 REF: ]reason, each sheet's
 * line and the file's count of what was queued on stdout, in the order the
 * file was read.
 *
 * Does not: read, map or queue rows itself (rs_intake.c), or speak to the
 * server other than through delivery (cmd_sync.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_cmd.h"
#include "rs_intake.h"
#include "rs_outbox.h"

/* One problem on stderr: file[:sheet][:row]: [column: ][单元格 REF: ]reason. */
static void print_problem(const char *path, const struct rs_intake_problem *p)
{
    char row[16] = "";
    bool cell = p->cell[0] != '\0';

    if (p->row)
        snprintf(row, sizeof(row), ":%u", (unsigned)p->row);
    fprintf(stderr, "%s%s%s%s: %s%s%s%s%s%s\n", path, p->sheet ? ":" : "",
            p->sheet ? p->sheet : "", row, p->column ? p->column : "", p->column ? ": " : "",
            cell ? "单元格 " : "", p->cell, cell ? ": " : "", p->reason);
}

/* A file's count of rows: queued (new, changed), unchanged, invalid. */
#define QUEUED_LINE "入发件箱 %u 条（新增 %u，修改 %u），未变 %u 条，无效 %u 条"

/* Whether a sheet of the workbook was read as a sheet of records. */
static bool sheet_read(const struct rs_intake_result *r)
{
    for (size_t i = 0; i < r->nsheets; i++)
        if (r->sheets[i].state == RS_INTAKE_SHEET_READ)
            return true;
    return false;
}

/* Whether every sheet of the workbook was passed over as empty. */
static bool all_empty(const struct rs_intake_result *r)
{
    for (size_t i = 0; i < r->nsheets; i++)
        if (r->sheets[i].state != RS_INTAKE_SHEET_EMPTY)
            return false;
    return true;
}

/* What one file came to: its problems, its sheets' lines, what was queued. */
static void print_result(const char *path, const struct rs_intake_result *r)
{
    size_t p = 0;

    for (size_t i = 0; i < r->nsheets; i++) {
        const struct rs_intake_sheet *s = &r->sheets[i];

        if (s->state == RS_INTAKE_SHEET_FAILED || s->state == RS_INTAKE_SHEET_EMPTY)
            continue;
        for (; p < s->problems_before; p++)
            print_problem(path, &r->problems[p]);
        if (s->state == RS_INTAKE_SHEET_READ)
            printf("%s:%s: %s，读取 %u 行，无效 %u 行\n", path, s->name,
                   rs_rtype_label(s->type), s->rows, s->invalid);
        else
            printf("%s:%s: 不是记录表，已跳过（%s）\n", path, s->name, s->skip_reason);
    }
    for (; p < r->nproblems; p++)
        print_problem(path, &r->problems[p]);
    if (r->problems_omitted)
        fprintf(stderr, "%s: 另有 %zu 个问题未列出\n", path, r->problems_omitted);
    if (!r->queued)
        return;
    if (r->is_workbook && all_empty(r))
        fprintf(stderr, "%s: 工作簿中的工作表都是空的，没有读取到记录\n", path);
    if (r->is_workbook)
        printf("%s: " QUEUED_LINE "\n", path, r->added + r->versions, r->added, r->versions,
               r->unchanged, r->invalid);
    else
        printf("%s: %s，" QUEUED_LINE "\n", path, rs_rtype_label(r->type),
               r->added + r->versions, r->added, r->versions, r->unchanged, r->invalid);
}

/*
 * A file's exit status: 1 when nothing of it was queued, a row or cell was
 * left out, a visible sheet of a workbook holding something was not read
 * (passed over as no sheet of records: what it holds was not sent), or no
 * sheet of the workbook was read at all, else 0.  An empty sheet beside
 * the sheets read (Excel's Sheet2 and Sheet3) holds nothing to lose.
 */
static int file_status(rs_status rc, const struct rs_intake_result *r)
{
    if (rc || r->nproblems || r->problems_omitted)
        return RS_EXIT_INVALID;
    if (r->is_workbook && !sheet_read(r))
        return RS_EXIT_INVALID;
    for (size_t i = 0; i < r->nsheets; i++)
        if (r->sheets[i].state != RS_INTAKE_SHEET_READ &&
            r->sheets[i].state != RS_INTAKE_SHEET_EMPTY)
            return RS_EXIT_INVALID;
    return 0;
}

int rs_cmd_submit(struct config *c, int argc, char **argv)
{
    struct rs_intake_opts o = {0};
    struct rs_outbox *ob = NULL;
    int i, ret = 0;

    if (argc < 1)
        return rs_cmd_usage_error("submit 需要至少一个 CSV 或 xlsx 文件");
    if (!c->office)
        c->office = getenv("RESETTLE_OFFICE");
    if (rs_cmd_load_district_key(c))
        return RS_EXIT_USAGE;
    if (rs_cmd_open_outbox(c, &ob))
        return RS_EXIT_INVALID;
    o.type = c->type;
    o.division_code = c->office;
    o.year = c->year;
    o.period = c->period;
    o.money_unit = c->money_unit;
    o.sheet = c->sheet;
    o.district_key = c->has_key ? c->key : NULL;
    o.outbox_name = c->outbox;
    for (i = 0; i < argc; i++) {
        struct rs_intake_result res;
        rs_status rc = rs_intake_file(ob, argv[i], &o, &res);

        print_result(argv[i], &res);
        /* The other files still go. */
        ret = rs_cmd_worst(ret, file_status(rc, &res));
        rs_intake_result_free(&res);
    }
    explicit_bzero(c->key, sizeof(c->key));
    if (rs_cmd_need_network(c) == 0)
        ret = rs_cmd_worst(ret, rs_cmd_deliver(c, ob));
    else
        ret = rs_cmd_worst(ret, RS_EXIT_USAGE);
    rs_outbox_close(ob);
    return ret;
}

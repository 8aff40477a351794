/*
 * rs_console_preview.c - the cells of the rows a file was refused for, so
 * the page can show each such row with its offending cell marked.
 *
 * Given the problems rs_intake reported (as the JSON objects the page
 * gets), reads the same bytes once more, only to show them: each problem's
 * sheet (or the CSV file) gets its header row, and each problem of a row
 * the cells of that row and the index of the column it names ("bad_col",
 * from the column's header or the cell reference).  What is valid is never
 * decided here: rs_intake did that.
 *
 * Does not: validate, queue, or show more than RS_CONSOLE_PREVIEW_MAX rows.
 */
#include "rs_console_preview.h"

#include <stdlib.h>
#include <string.h>

#include "rs_csv.h"
#include "rs_xlsx.h"

/* A header cell is the column a problem names, as the row mapper names it. */
static bool same_column(const char *cell, const char *col)
{
    size_t n;

    while (*cell == ' ')
        cell++;
    n = strlen(cell);
    while (n > 0 && cell[n - 1] == ' ')
        n--;
    return strlen(col) == n && strncmp(cell, col, n) == 0;
}

/* The 0-based column of an A1 reference ("C7" -> 2), or -1. */
static int ref_column(const char *ref)
{
    int c = 0, n = 0;

    for (; *ref >= 'A' && *ref <= 'Z'; ref++, n++)
        c = c * 26 + (*ref - 'A' + 1);
    return n ? c - 1 : -1;
}

static cJSON *texts(char *const *cells, size_t n)
{
    cJSON *a = cJSON_CreateArray();

    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(cells[i]));
    return a;
}

/* Fills the problems of one sheet (sheet NULL: the CSV file) from one row. */
static void fill_row(cJSON *problems, const char *sheet, uint32_t row, char *const *cells,
                     size_t n, cJSON *header, unsigned *shown)
{
    cJSON *p;

    cJSON_ArrayForEach(p, problems) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "sheet");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(p, "row");
        const cJSON *col = cJSON_GetObjectItemCaseSensitive(p, "column");
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(p, "cell");
        int bad = -1;

        if (*shown >= RS_CONSOLE_PREVIEW_MAX || !cJSON_IsNumber(r) || r->valuedouble != row ||
            cJSON_GetObjectItemCaseSensitive(p, "cells"))
            continue;
        if (sheet ? !(cJSON_IsString(s) && strcmp(s->valuestring, sheet) == 0)
                  : cJSON_IsString(s))
            continue;
        cJSON_AddItemToObject(p, "header", cJSON_Duplicate(header, true));
        cJSON_AddItemToObject(p, "cells", texts(cells, n));
        if (cJSON_IsString(ref) && ref->valuestring[0])
            bad = ref_column(ref->valuestring);
        for (int i = 0; bad < 0 && cJSON_IsString(col) && i < cJSON_GetArraySize(header); i++)
            if (same_column(cJSON_GetArrayItem(header, i)->valuestring, col->valuestring))
                bad = i;
        cJSON_AddNumberToObject(p, "bad_col", bad);
        (*shown)++;
    }
}

static void preview_csv(const char *data, size_t len, cJSON *problems, unsigned *shown)
{
    struct rs_csv *csv = NULL;
    cJSON *header = NULL;
    char **cells, err[256];
    size_t n;
    uint32_t line;

    if (rs_csv_open(data, len, &csv, err, sizeof(err)) != RS_OK)
        return;
    while (*shown < RS_CONSOLE_PREVIEW_MAX &&
           rs_csv_next(csv, &cells, &n, &line, err, sizeof(err)) == RS_OK) {
        if (!header)
            header = texts(cells, n);
        else
            fill_row(problems, NULL, line, cells, n, header, shown);
    }
    cJSON_Delete(header);
    rs_csv_close(csv);
}

static void preview_sheet(struct rs_xlsx *x, const char *name, cJSON *problems, unsigned *shown)
{
    struct rs_xlsx_sheet *s = NULL;
    struct rs_xlsx_row row;
    cJSON *header = NULL;
    long i = rs_xlsx_sheet_find(x, name);
    char err[256];

    if (i < 0 || rs_xlsx_sheet_open(x, (size_t)i, &s, err, sizeof(err)) != RS_OK)
        return;
    while (*shown < RS_CONSOLE_PREVIEW_MAX && rs_xlsx_sheet_next(s, &row) == RS_OK) {
        if (!header)
            header = texts(row.cells, row.ncells);
        else
            fill_row(problems, name, row.row, row.cells, row.ncells, header, shown);
    }
    cJSON_Delete(header);
    rs_xlsx_sheet_close(s);
}

void rs_console_preview(const char *data, size_t len, bool workbook, cJSON *problems)
{
    unsigned shown = 0;
    struct rs_xlsx *x = NULL;
    cJSON *p, *done;
    char err[256];

    if (!workbook) {
        preview_csv(data, len, problems, &shown);
        return;
    }
    if (rs_xlsx_open(data, len, NULL, &x, err, sizeof(err)) != RS_OK)
        return;
    done = cJSON_CreateObject();
    cJSON_ArrayForEach(p, problems) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "sheet");

        if (!cJSON_IsString(s) || cJSON_GetObjectItemCaseSensitive(done, s->valuestring))
            continue;
        cJSON_AddTrueToObject(done, s->valuestring);
        preview_sheet(x, s->valuestring, problems, &shown);
    }
    cJSON_Delete(done);
    rs_xlsx_close(x);
}

/*
 * rs_console_preview.h - the rows behind a file's problems, for the page
 * (rs_console_preview.c).
 *
 * Does not: decide what is valid (rs_intake does).
 */
#ifndef RS_CONSOLE_PREVIEW_H
#define RS_CONSOLE_PREVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define RS_CONSOLE_PREVIEW_MAX 200u    /* rows shown with their cells */

/*
 * For each object of problems ({"sheet": S or null, "row": N, "column": C,
 * "cell": REF, ...}) whose row is in data[0..len) (a workbook if workbook,
 * else CSV), adds "header" (its sheet's first row), "cells" (that row) and
 * "bad_col" (the index of the column it names, -1 if none), for at most
 * RS_CONSOLE_PREVIEW_MAX of them.  Bytes that cannot be read add nothing.
 */
void rs_console_preview(const char *data, size_t len, bool workbook, cJSON *problems);

#endif

/*
 * rs_xlsx.h - a reader for the worksheets of an Excel workbook (.xlsx).
 *
 * Opens an Office Open XML spreadsheet package from memory (libzip reads
 * the zip container, expat parses the XML parts), lists its sheets, and
 * hands out the rows of one sheet as arrays of UTF-8 cell texts, the way a
 * CSV reader hands out fields:
 *
 *   - text cells: shared strings and inline strings, rich-text runs
 *     concatenated (phonetic runs left out), _xHHHH_ escapes decoded;
 *   - numbers: the decimal Excel shows, the stored double to 15 significant
 *     digits with the zeros at the end dropped (a sum Excel keeps as
 *     7.1641000000000005E2 is "716.41"; 0.1 is "0.1", never
 *     0.1000000000000000055...), in plain notation;
 *     a cell whose number format shows a percentage gets the value times
 *     100 with a "%" ("85%"), shifted in decimal, not multiplied in binary;
 *   - dates: a number whose number format is a date or time format is an
 *     Excel serial, read in the workbook's date system (1900, with Excel's
 *     nonexistent 1900-02-29 as serial 60, or 1904), and given as
 *     "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" with a time of day, or "HH:MM:SS"
 *     for a time format;
 *   - booleans: "TRUE" or "FALSE";
 *   - formulas: their cached value, typed as above.
 *
 * A cell the reader cannot give a text for (a formula without a cached
 * value, an error value such as #DIV/0!, a date serial out of range, a
 * number that is not a number) does not stop the sheet: its row carries a
 * problem naming the cell, with its reason in Chinese ("单元格是错误值
 * #DIV/0!（请先改正公式或数据）"), and the caller decides.
 *
 * Merged cells: Excel keeps the value of a merged range in its top-left
 * cell only, and the other cells are empty, so a range merged over rows
 * of data would give those rows an empty cell nobody meant.  The first
 * row handed out is the header (as the callers take it): a range within
 * it or above it is only formatting and changes nothing; a range reaching
 * below it makes each row it covers below the header (the top-left one
 * too) carry a problem at the range's first column, "是合并单元格（B2:B4）
 * 的一部分…；请取消合并，并在每一行填写" (a covered row with no value at
 * all is still skipped as empty).  The value is never copied down.
 *
 * Caps (struct rs_xlsx_limits; rs_xlsx_limits_default gives the RS_XLSX_*
 * values): the package's size, its number of zip entries, the uncompressed
 * bytes of each part read and of all parts together (whatever sizes the
 * zip directory claims: the bytes are counted as they are inflated, so a
 * zip bomb stops at the cap), sheets, shared strings, styles, rows and
 * cells of a sheet, columns, the bytes of one cell's text, and the merged
 * ranges of a sheet.  Past a cap
 * the reader stops with RS_ETOOBIG and says which cap.  A DTD in any part
 * is refused (no entity expansion).  Only stored and deflated entries
 * without encryption are read.
 *
 * Does not: know record types or column meanings (rs_rowmap.h), evaluate
 * formulas, read files from disk (the caller passes the bytes), write
 * workbooks (rs_xltpl.h), or read the older binary .xls format.
 *
 * Threading: a workbook and its sheets are used by one thread at a time.
 */
#ifndef RS_XLSX_H
#define RS_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_status.h"

#define RS_XLSX_MAX_FILE (64u << 20)       /* bytes of the package (the .xlsx file) */
#define RS_XLSX_MAX_ENTRIES 1024u          /* zip entries */
#define RS_XLSX_MAX_PART (64u << 20)       /* uncompressed bytes of one part */
#define RS_XLSX_MAX_TOTAL (256u << 20)     /* uncompressed bytes of all parts read */
#define RS_XLSX_MAX_SHEETS 256u            /* sheets in the workbook */
#define RS_XLSX_MAX_STRINGS 1000000u       /* shared strings */
#define RS_XLSX_MAX_STYLES 65536u          /* cell formats, and number formats */
#define RS_XLSX_MAX_ROWS 1048576u          /* rows with a value, in one sheet (Excel's max) */
#define RS_XLSX_MAX_CELLS 4000000u         /* cells with a value, in one sheet */
#define RS_XLSX_MAX_COLS 128u              /* columns: a value right of column DX is refused */
#define RS_XLSX_MAX_TEXT 16384u            /* bytes of one cell's text */
#define RS_XLSX_MAX_MERGES 10000u          /* merged ranges (mergeCell) in one sheet */

struct rs_xlsx_limits {
    size_t max_file;
    size_t max_entries;
    size_t max_part;
    size_t max_total;
    size_t max_sheets;
    size_t max_strings;
    size_t max_styles;
    size_t max_rows;
    size_t max_cells;
    size_t max_cols;
    size_t max_text;
    size_t max_merges;
};

/* Fills l with the RS_XLSX_* caps. */
void rs_xlsx_limits_default(struct rs_xlsx_limits *l);

struct rs_xlsx;
struct rs_xlsx_sheet;

/*
 * Opens the package data[0..n).  The bytes are borrowed: they must stay
 * valid and unchanged until rs_xlsx_close.  lim NULL means the defaults
 * (it is copied).  Reads the package relationships, the workbook (sheet
 * names, states, the date system), its relationships, the styles (which
 * number formats are dates or percentages) and the shared strings.
 * RS_EINVAL for bytes that are not a zip, a zip that is not a workbook, a
 * missing workbook part, bad XML, a DTD; RS_ETOOBIG past a cap; RS_ENOMEM.
 * err (may be NULL) names the part and, for XML, the line, in Chinese like
 * every message of the reader (a clerk reads them): "xl/workbook.xml 第3行：
 * 不是有效的 XML".  On RS_OK *out is the
 * caller's, freed with rs_xlsx_close.
 */
RS_NODISCARD rs_status rs_xlsx_open(const void *data, size_t n,
                                    const struct rs_xlsx_limits *lim, struct rs_xlsx **out,
                                    char *err, size_t errlen);

/* Frees x.  Its sheets must have been closed.  NULL is allowed. */
void rs_xlsx_close(struct rs_xlsx *x);

/* Number of worksheets (chart sheets and dialog sheets are not counted). */
size_t rs_xlsx_nsheets(const struct rs_xlsx *x);

/* Name of worksheet i (0-based, workbook order) as the tab shows it; NULL past the last. */
const char *rs_xlsx_sheet_name(const struct rs_xlsx *x, size_t i);

/* True if worksheet i is hidden or very hidden (false past the last). */
bool rs_xlsx_sheet_hidden(const struct rs_xlsx *x, size_t i);

/* The index of the worksheet named name (exactly, as rs_xlsx_sheet_name gives it), or -1. */
long rs_xlsx_sheet_find(const struct rs_xlsx *x, const char *name);

/* True if the workbook uses the 1904 date system. */
bool rs_xlsx_date1904(const struct rs_xlsx *x);

/*
 * Reads worksheet i whole: its cells are parsed, typed and kept until
 * rs_xlsx_sheet_close.  RS_ENOTFOUND if there is no sheet i or its part is
 * missing, RS_EINVAL for bad XML or a malformed sheet (cell or row
 * references out of order or beyond Excel's grid, a shared-string index
 * past the table), RS_ETOOBIG past a cap, RS_ENOMEM; err names the part
 * (and cell).  On RS_OK *out is the caller's, freed with
 * rs_xlsx_sheet_close before x is closed.
 */
RS_NODISCARD rs_status rs_xlsx_sheet_open(struct rs_xlsx *x, size_t i,
                                          struct rs_xlsx_sheet **out, char *err,
                                          size_t errlen);

/* Frees s.  NULL is allowed. */
void rs_xlsx_sheet_close(struct rs_xlsx_sheet *s);

/* A cell the reader could not give a text for, or the first column of a merged range over data. */
struct rs_xlsx_problem {
    uint32_t col;            /* 0-based column */
    const char *reason;      /* Chinese: "公式没有保存计算结果（…）", "是合并单元格（B2:B4）的一部分…" */
};

/* One row of a sheet. */
struct rs_xlsx_row {
    uint32_t row;            /* 1-based row number as Excel shows it */
    char *const *cells;      /* ncells NUL-terminated UTF-8 texts; "" for an empty cell */
    size_t ncells;           /* up to the last non-empty cell (or problem cell), <= max_cols */
    /* the row's first problem cell, or a merged range over it if further left; or NULL */
    const struct rs_xlsx_problem *problem;
};

/*
 * The next row that has a non-empty cell or a problem, in row order; empty
 * rows (missing, or only formatting, or only empty strings) are skipped.
 * RS_OK with *row filled (its pointers valid until the next call or
 * rs_xlsx_sheet_close); RS_ENOTFOUND after the last row.  Cells are given
 * as stored: text is not trimmed.
 */
RS_NODISCARD rs_status rs_xlsx_sheet_next(struct rs_xlsx_sheet *s, struct rs_xlsx_row *row);

/* Writes the A1-style name of the cell at 1-based row, 0-based col ("G5"); out >= 16 bytes. */
void rs_xlsx_cell_name(uint32_t row, uint32_t col, char out[16]);

#endif

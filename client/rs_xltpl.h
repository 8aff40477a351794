/*
 * rs_xltpl.h - Excel templates for the record types: writing one, and
 * recognising one when it comes back filled in.
 *
 * A template (rs_xltpl_write, through libxlsxwriter) is a workbook with
 * one sheet for one record type, named by the type's Chinese label:
 *
 *   row 1  the columns' Chinese headers from the record-type table, with
 *          their units: 项目编号, 计划投资（万元）, 受益户数（户）, ...;
 *          the type's fields in table order, then 年度, 期间, 乡镇代码,
 *          填报人, 备注 (the envelope columns a clerk may fill);
 *   row 2  a hint per column: required or not, and what to write;
 *   rows 3+ for the data, with per column a number format (dates
 *          yyyy-mm-dd, money with two decimals in 元, up to six in 万元,
 *          text for codes and names, so 0012 stays 0012) and data
 *          validation: drop-down lists of the Chinese names for enum
 *          columns (and 是/否), of the division codes for the division
 *          column, ranges for dates and whole numbers;
 *
 * with the first two rows frozen and columns wide enough for their
 * Chinese text, and a hidden sheet RS_XLTPL_META_SHEET that names the
 * template's type, its version and its data sheet.  Drop-down lists hold
 * their values themselves, so each must fit Excel's 255 characters: about
 * 25 division codes.
 *
 * Reading one back is the xlsx reader's job (rs_xlsx.h); this module says
 * what the hidden sheet means (rs_xltpl_meta_read) and which row is the
 * hint row (rs_xltpl_is_hint_row), so that `resettle submit` can take a
 * template's type from the template rather than from its headers.
 *
 * Does not: read or validate records (rs_rowmap.h), or talk to a server.
 * Threading: any thread; libxlsxwriter writes its temporary files in the
 * system's temporary folder.
 */
#ifndef RS_XLTPL_H
#define RS_XLTPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_rtype.h"
#include "rs_status.h"
#include "rs_xlsx.h"

#define RS_XLTPL_VERSION 1                /* what rs_xltpl_write writes and the reader reads */
#define RS_XLTPL_META_SHEET "resettle"    /* the hidden sheet's name */
#define RS_XLTPL_LIST_MAX 64u             /* values of one drop-down list */
#define RS_XLTPL_LIST_BYTES 255u          /* bytes of one drop-down list, with its commas */
#define RS_XLTPL_DATA_ROWS 10000u         /* rows below the hints that get validation */

struct rs_xltpl_opts {
    rs_rtype type;                    /* a type with a table entry */
    bool money_wan;                   /* money columns in 万元 (else 元) */
    const char *const *divisions;     /* the division column's list; borrowed */
    size_t ndivisions;                /* 0: no list, the column takes any code */
};

/*
 * Writes the template of o->type to path (created or replaced).  Division
 * codes must be valid (rs_division_code_valid) and fit one drop-down list
 * (RS_XLTPL_LIST_MAX codes, RS_XLTPL_LIST_BYTES bytes with the commas).
 * RS_OK; RS_EINVAL for an unknown type or a bad code (err names it);
 * RS_ETOOBIG for codes that do not fit (nothing is left at path); RS_EIO
 * if the file cannot be written (err says what libxlsxwriter said).
 */
RS_NODISCARD rs_status rs_xltpl_write(const char *path, const struct rs_xltpl_opts *o,
                                      char *err, size_t errlen);

/* What a workbook's hidden template sheet says. */
struct rs_xltpl_meta {
    bool found;               /* the workbook has a template sheet */
    uint32_t version;
    rs_rtype type;
    char sheet[128];          /* the data sheet's name when the template was written */
};

/*
 * Reads the template sheet of x, if it has one (a sheet named
 * RS_XLTPL_META_SHEET whose A1:B1 is "template", "resettle").  RS_OK with
 * m->found false when there is none; RS_OK with m filled when it is a
 * template this client reads; RS_EINVAL when it is a template of a newer
 * version, of an unknown type, or damaged (err says which); or the
 * reader's status for a sheet that cannot be read.
 */
RS_NODISCARD rs_status rs_xltpl_meta_read(struct rs_xlsx *x, struct rs_xltpl_meta *m,
                                          char *err, size_t errlen);

/*
 * True if cells[0..n) is a template's hint row for type: at least one
 * cell is not empty and every cell that is not empty is the hint the
 * template writes for one of the type's columns (in 元 or in 万元).
 */
bool rs_xltpl_is_hint_row(rs_rtype type, char *const *cells, size_t n);

/*
 * The header a template writes for column f (its first Chinese alias, else
 * its English column name, and its unit in full-width parentheses:
 * "金额（元）"; wan picks 万元 for money without a unit of its own) into
 * out; "" if it does not fit.
 */
void rs_xltpl_header(const struct rs_field *f, bool wan, char *out, size_t outlen);

#endif

/*
 * rs_xlsx_int.h - what the files of the xlsx reader share; not for use
 * outside them.
 *
 * The files, each calling only those above it:
 *   rs_xlsx_value.c  cell values as text: shortest decimals, percentages,
 *                    date serials, number-format classes, _xHHHH_ escapes,
 *                    A1 cell names (no I/O, no XML)
 *   rs_xlsx_zip.c    the zip container (libzip): entries, caps, streaming a
 *                    part's bytes, part names and relationship targets
 *   rs_xlsx_xml.c    expat on one part: local names, attributes, a capped
 *                    text buffer, errors with the part and line
 *   rs_xlsx_book.c   the workbook: relationships, workbook.xml, styles,
 *                    shared strings; rs_xlsx_open and the sheet list
 *   rs_xlsx_sheet.c  one worksheet's cells and rows
 *
 * Does not: declare anything a caller of rs_xlsx.h needs.
 */
#ifndef RS_XLSX_INT_H
#define RS_XLSX_INT_H

#include <expat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zip.h>

#include "rs_status.h"
#include "rs_xlsx.h"

#define RS_XLSX_PART_MAX 512      /* bytes of a part name, with its NUL */
#define RS_XLSX_GRID_ROWS 1048576u  /* Excel's grid */
#define RS_XLSX_GRID_COLS 16384u

/* What a cell's number format makes of a number. */
enum rs_xf_class {
    RS_XF_PLAIN,          /* a number */
    RS_XF_PERCENT,        /* shown times 100 with % */
    RS_XF_DATE,           /* a date (maybe with a time of day) */
    RS_XF_TIME            /* a time of day or a duration, no date part */
};

struct rs_xlsx_ws {
    char *name;           /* as the tab shows it */
    char *part;           /* zip entry name, e.g. "xl/worksheets/sheet1.xml" */
    bool hidden;
};

struct rs_xlsx {
    zip_t *zip;
    struct rs_xlsx_limits lim;
    size_t total;             /* uncompressed bytes read from all parts so far */
    bool date1904;
    struct rs_xlsx_ws *sheets;
    size_t nsheets;
    /* Shared strings: string i is sst + sst_off[i], NUL-terminated. */
    char *sst;
    uint32_t *sst_off;
    size_t nsst;
    /* Cell formats (cellXfs), by index: their class. */
    uint8_t *xf;
    size_t nxf;
};

/* ---------------------------------------------------------------- rs_xlsx_value.c */

#define RS_XLSX_DIGITS 15         /* significant digits Excel keeps and shows */

/*
 * The decimal Excel shows for the number text v[0..n) (an xsd:double as
 * Excel writes it: "716.41", "7.1641000000000005E2", "1E-3"): the double
 * rounded to RS_XLSX_DIGITS significant digits, zeros at the end dropped,
 * in plain notation ("716.41", "0.001", "-12", "150000000000000000000"),
 * times 100 and with "%" if percent ("85%").  RS_EINVAL if v is not a finite decimal number;
 * RS_ETOOBIG if the plain form would not fit out.
 */
RS_NODISCARD rs_status rs_xlsx_number_text(const char *v, size_t n, bool percent, char *out,
                                           size_t outlen);

/*
 * The date or time text of an Excel serial number text v[0..n): cls is
 * RS_XF_DATE or RS_XF_TIME; date1904 picks the date system.  Serial 60 of
 * the 1900 system is Excel's 1900-02-29, which is no date: RS_EINVAL, as
 * for a serial below 0 (or below 1 in the 1900 system, for a date), above
 * 9999-12-31, or not a number.  out >= 32 bytes.
 */
RS_NODISCARD rs_status rs_xlsx_serial_text(const char *v, size_t n, enum rs_xf_class cls,
                                           bool date1904, char out[32]);

/* The class of built-in number format id (0-163). */
enum rs_xf_class rs_xlsx_builtin_class(uint32_t id);

/* The class of a custom number format code ("yyyy\"年\"m\"月\"d\"日\"", "0.00%"). */
enum rs_xf_class rs_xlsx_format_class(const char *code);

/*
 * Decodes the _xHHHH_ escapes of OOXML strings in s[0..*n) in place
 * (UTF-16 code units, surrogate pairs joined; a NUL, a lone surrogate or a
 * malformed escape is left as written); *n gets the new length.
 */
void rs_xlsx_unescape(char *s, size_t *n);

/*
 * Parses an A1 cell reference ("G5", "XFD1048576"): 0-based column and
 * 1-based row.  False if it is not one, or lies outside Excel's grid.
 */
bool rs_xlsx_ref_parse(const char *s, uint32_t *col, uint32_t *row);

/* ---------------------------------------------------------------- rs_xlsx_zip.c */

/* Opens the zip container of x over data[0..n) (borrowed), checking the entry cap. */
RS_NODISCARD rs_status rs_xlsx_zip_open(struct rs_xlsx *x, const void *data, size_t n, char *err,
                                        size_t errlen);

/* Closes the container (NULL zip allowed). */
void rs_xlsx_zip_close(struct rs_xlsx *x);

/* Receives the next bytes of a part; last is true once, after the final bytes (n may be 0). */
typedef rs_status (*rs_xlsx_feed_fn)(void *ud, const char *buf, size_t n, bool last);

/*
 * Inflates entry part (name compared without letter case) and hands its
 * bytes to feed in chunks, counting them against max_part and max_total.
 * RS_ENOTFOUND if there is no such entry; RS_EINVAL for an encrypted entry,
 * an unsupported compression method or a corrupt one (bad CRC); RS_ETOOBIG
 * past a cap; or what feed returned.  err names the part, except for a
 * status feed returned (feed writes its own message).
 */
RS_NODISCARD rs_status rs_xlsx_zip_stream(struct rs_xlsx *x, const char *part,
                                          rs_xlsx_feed_fn feed, void *ud, char *err,
                                          size_t errlen);

/* True if the package has entry part (without letter case). */
bool rs_xlsx_zip_has(const struct rs_xlsx *x, const char *part);

/*
 * The part name a relationship target names, seen from source part src
 * ("xl/workbook.xml" + "worksheets/sheet1.xml" -> "xl/worksheets/sheet1.xml";
 * "/xl/styles.xml" is absolute; "." and ".." are resolved).  RS_EINVAL if it
 * climbs above the package root or is empty; RS_ETOOBIG past
 * RS_XLSX_PART_MAX.
 */
RS_NODISCARD rs_status rs_xlsx_part_resolve(const char *src, const char *target,
                                            char out[RS_XLSX_PART_MAX]);

/* The relationships part of part src: "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels". */
RS_NODISCARD rs_status rs_xlsx_rels_name(const char *src, char out[RS_XLSX_PART_MAX]);

/* ---------------------------------------------------------------- rs_xlsx_xml.c */

struct rs_xml;
typedef void (*rs_xml_start_fn)(struct rs_xml *xm, const char *name, const char **atts);
typedef void (*rs_xml_end_fn)(struct rs_xml *xm, const char *name);

/* One parse of one part.  Handlers see local names (namespace dropped). */
struct rs_xml {
    XML_Parser p;
    const char *part;
    rs_xml_start_fn start;
    rs_xml_end_fn end;
    void *ud;                 /* the handlers' own state */
    rs_status rc;             /* set by rs_xml_fail */
    char msg[256];
    /* Character data is appended to text while collect is true. */
    bool collect;
    char *text;
    size_t len, cap, max_text;
};

/*
 * Parses part with xm's handlers (start, end, ud set by the caller; the rest
 * is set here).  RS_OK; RS_ENOTFOUND if the part is missing (err names it);
 * RS_EINVAL for XML that is not well-formed or has a DTD, with the line;
 * or what a handler gave rs_xml_fail, with its message.  The text buffer is
 * freed before returning.
 */
RS_NODISCARD rs_status rs_xml_parse(struct rs_xlsx *x, const char *part, struct rs_xml *xm,
                                    char *err, size_t errlen);

/* Stops the parse with rc and a message (the first failure wins). */
void rs_xml_fail(struct rs_xml *xm, rs_status rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True once a handler has failed; handlers return at once then. */
bool rs_xml_failed(const struct rs_xml *xm);

/* Empties the text buffer (collect is not changed). */
void rs_xml_text_reset(struct rs_xml *xm);

/*
 * The value of attribute local of atts (expat's name/value pairs), or NULL.
 * With qualified, only an attribute in a namespace matches (r:id); without,
 * only one without a namespace.
 */
const char *rs_xml_attr(const char **atts, const char *local, bool qualified);

/* ---------------------------------------------------------------- rs_xlsx_book.c */

/* The class of cell format index s (the c element's s attribute); plain if out of range. */
enum rs_xf_class rs_xlsx_xf_class(const struct rs_xlsx *x, uint32_t s);

#endif

/*
 * fuzz_xlsx.c - libFuzzer target for the xlsx reader (rs_xlsx.h), the
 * template sheet and hint row (rs_xltpl.h) and the row mapper behind them:
 * the client's path from a clerk's workbook to records.
 *
 * The input is the workbook's bytes, or, when it starts with '<', the XML
 * of its parts separated by NUL bytes (sheet1, shared strings, styles,
 * sheet2; a missing one is left out; an odd length picks the 1904 date
 * system), which the target zips into a workbook around them: a byte-level
 * fuzzer cannot get past a zip's CRCs and deflate streams, so this is how
 * the XML parts get mutated, and the package still goes through libzip.
 * The workbook is opened with caps smaller than the defaults (so a run
 * spends its time on structure, not on inflating megabytes), its template
 * sheet read, and every sheet read whole; each
 * sheet's first row is the header given to rs_rowmap_open (the template's
 * type for its data sheet, else detected), the next may be the hint row,
 * and every other row without a problem goes through rs_rowmap_row, as
 * `resettle submit` does.
 *
 * Checked: every status is one the header documents and every message is
 * NUL-terminated and, on failure, not empty; at most max_sheets sheets,
 * each with a name; rows come in increasing order within Excel's grid,
 * each with 1..max_cols cells of valid UTF-8 within max_text bytes, at
 * least one of them not empty unless the row carries a problem, whose
 * column is within the row and whose reason is not empty; after the last
 * row the sheet stays at its end.  A row that maps is a record of the
 * header's type that validates (given an id) and packs; one that does not
 * names its column.
 *
 * Does not: read files or touch the outbox.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_rowmap.h"
#include "rs_util.h"
#include "rs_validate.h"
#include "rs_xlsx.h"
#include "rs_xltpl.h"
#include "xlsx_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz_xlsx: check failed at %s:%d: %s\n", __FILE__, \
                    __LINE__, #cond);                                           \
            abort();                                                            \
        }                                                                       \
    } while (0)

#define ERR_LEN 512

static char fuzz_id[] = "2f1c6d3e-9a4b-4c7d-8e2f-0123456789ab";

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_mapped(Rs__Record *rec, rs_rtype type)
{
    struct rs_verdict v;
    size_t n;
    uint8_t *buf;

    CHECK(rec->body_case == type);
    CHECK(rec->id == NULL);
    rec->id = fuzz_id;
    CHECK(rs_validate_record(rec, &v) == RS_OK);
    rec->id = NULL;
    n = rs__record__get_packed_size(rec);
    buf = malloc(n ? n : 1);
    CHECK(buf != NULL);
    CHECK(rs__record__pack(rec, buf) == n);
    free(buf);
}

static void check_row(const struct rs_xlsx_row *r, const struct rs_xlsx_limits *lim,
                      uint32_t last)
{
    bool any = false;

    CHECK(r->row > last && r->row <= 1048576u);
    CHECK(r->ncells >= 1 && r->ncells <= lim->max_cols);
    for (size_t i = 0; i < r->ncells; i++) {
        size_t len;

        CHECK(r->cells[i] != NULL);
        len = strlen(r->cells[i]);
        CHECK(len <= lim->max_text);
        CHECK(rs_utf8_valid(r->cells[i], len));
        any |= len > 0;
    }
    if (r->problem) {
        CHECK(r->problem->col < r->ncells);
        CHECK(r->problem->reason && r->problem->reason[0]);
    } else {
        CHECK(any);
    }
}

/* Reads sheet i as the submit path does. */
static void read_sheet(struct rs_xlsx *x, size_t i, const struct rs_xlsx_limits *lim,
                       const struct rs_xltpl_meta *meta)
{
    struct rs_row_defaults def = {.division_code = "430602001", .year = 2023};
    struct rs_xlsx_sheet *s = NULL;
    struct rs_rowmap *map = NULL;
    struct rs_xlsx_row r;
    char err[ERR_LEN] = "", *header[RS_XLSX_MAX_COLS];
    size_t nh = 0;
    uint32_t last = 0;
    rs_status st;
    rs_rtype forced = RS__RECORD__BODY__NOT_SET;

    st = rs_xlsx_sheet_open(x, i, &s, err, sizeof(err));
    CHECK(terminated(err, sizeof(err)));
    if (st != RS_OK) {
        CHECK(s == NULL);
        CHECK(st == RS_EINVAL || st == RS_ETOOBIG || st == RS_ENOMEM || st == RS_ENOTFOUND);
        CHECK(err[0] != '\0');
        return;
    }
    if (meta->found && strcmp(rs_xlsx_sheet_name(x, i), meta->sheet) == 0)
        forced = meta->type;
    for (size_t k = 0; rs_xlsx_sheet_next(s, &r) == RS_OK; k++) {
        Rs__Record *rec = NULL;
        struct rs_verdict v;

        check_row(&r, lim, last);
        last = r.row;
        if (k == 0) {
            for (nh = 0; nh < r.ncells; nh++) {
                header[nh] = strdup(r.cells[nh]);
                CHECK(header[nh] != NULL);
            }
            if (rs_rowmap_open(header, nh, forced, &def, &map, err, sizeof(err)) != RS_OK) {
                CHECK(map == NULL);
                CHECK(terminated(err, sizeof(err)) && err[0]);
            }
            continue;
        }
        if (!map || r.problem)
            continue;
        if (k == 1 && rs_xltpl_is_hint_row(rs_rowmap_type(map), r.cells, r.ncells))
            continue;
        memset(&v, 0, sizeof(v));
        if (rs_rowmap_row(map, r.cells, r.ncells, &rec, &v) == RS_OK) {
            check_mapped(rec, rs_rowmap_type(map));
            rs__record__free_unpacked(rec, NULL);
        } else {
            CHECK(rec == NULL);
            CHECK(terminated(v.field, sizeof(v.field)) && terminated(v.reason, sizeof(v.reason)));
        }
    }
    CHECK(rs_xlsx_sheet_next(s, &r) == RS_ENOTFOUND);
    for (size_t k = 0; k < nh; k++)
        free(header[k]);
    rs_rowmap_close(map);
    rs_xlsx_sheet_close(s);
}

/* XML mode: the input's NUL-separated parts zipped into a workbook (malloc'd). */
static char *xml_workbook(const uint8_t *data, size_t size, size_t *len)
{
    static const char *const names[4] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                         "xl/styles.xml", "xl/worksheets/sheet2.xml"};
    struct xb_part parts[8] = {
        {"[Content_Types].xml", xb_content_types, 0},
        {"_rels/.rels", xb_root_rels, 0},
        {"xl/workbook.xml", xb_workbook(size % 2), 0},
        {"xl/_rels/workbook.xml.rels", xb_book_rels, 0},
    };
    char *copy = malloc(size + 1), *p, *out;
    size_t n = 4;

    CHECK(copy != NULL);
    memcpy(copy, data, size);
    copy[size] = '\0';
    p = copy;
    for (size_t i = 0; i < 4 && p <= copy + size; i++) {
        size_t l = strlen(p);

        parts[n].name = names[i];
        parts[n].data = l ? p : NULL;
        parts[n].len = l;
        n++;
        p += l + 1;
    }
    out = xb_zip(parts, n, len);
    free(copy);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_xlsx_limits lim;
    struct rs_xltpl_meta meta;
    struct rs_xlsx *x = NULL;
    char err[ERR_LEN] = "", *book = NULL;
    size_t len = 0;
    rs_status st;

    rs_xlsx_limits_default(&lim);
    lim.max_part = 4u << 20;
    lim.max_total = 16u << 20;
    lim.max_sheets = 16;
    lim.max_strings = 20000;
    lim.max_styles = 1024;
    lim.max_cells = 100000;
    lim.max_rows = 20000;
    if (size > 0 && data[0] == '<')
        book = xml_workbook(data, size, &len);
    st = rs_xlsx_open(book ? book : (const char *)data, book ? len : size, &lim, &x, err,
                      sizeof(err));
    CHECK(terminated(err, sizeof(err)));
    if (st != RS_OK) {
        CHECK(x == NULL);
        CHECK(st == RS_EINVAL || st == RS_ETOOBIG || st == RS_ENOMEM);
        CHECK(err[0] != '\0');
        free(book);
        return 0;
    }
    CHECK(rs_xlsx_nsheets(x) <= lim.max_sheets);
    for (size_t i = 0; i < rs_xlsx_nsheets(x); i++)
        CHECK(rs_xlsx_sheet_name(x, i) != NULL);
    CHECK(rs_xlsx_sheet_name(x, rs_xlsx_nsheets(x)) == NULL);
    err[0] = '\0';
    st = rs_xltpl_meta_read(x, &meta, err, sizeof(err));
    CHECK(terminated(err, sizeof(err)));
    if (st != RS_OK) {
        CHECK(!meta.found && err[0] != '\0');
    } else if (meta.found) {
        CHECK(rs_rtype_find(meta.type) != NULL && meta.version >= 1);
    }
    for (size_t i = 0; i < rs_xlsx_nsheets(x); i++)
        read_sheet(x, i, &lim, &meta);
    rs_xlsx_close(x);
    free(book);
    return 0;
}

/*
 * fuzz_csv.c - libFuzzer target for the CSV reader (rs_csv.h) and the row
 * mapper (rs_rowmap.h), the client's path from a clerk's file to records.
 *
 * The input is the file's bytes, so UTF-8, BOM and GB18030 detection and
 * conversion all run.  The first record is the header given to
 * rs_rowmap_open (type detected from the columns); every later record goes
 * through rs_rowmap_row, as `resettle queue` does.  Inputs of even length
 * use the defaults an office's config gives (division, year, period); odd
 * lengths use none, so the columns must supply them.
 *
 * Checked: the reader hands out at most RS_CSV_MAX_COLS fields of valid
 * UTF-8, each within RS_CSV_MAX_FIELD bytes; line numbers start at 1 and
 * never go back; an error is sticky (same status, same message); every
 * error message is NUL-terminated.  A row that maps is a record of a type
 * with a table entry that validates (given an id), has a natural key (or
 * one too long), packs and unpacks, and is freed with
 * rs__record__free_unpacked; a row that does not map names its column.
 *
 * Does not: read files or touch the outbox.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_csv.h"
#include "rs_rowmap.h"
#include "rs_util.h"
#include "rs_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_csv: check failed at %s:%d: %s\n", __FILE__, \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

#define ERR_LEN 512
#define KEY_MAX 384     /* what the outbox gives rs_record_key */

static char fuzz_id[] = "2f1c6d3e-9a4b-4c7d-8e2f-0123456789ab";

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_fields(char **fields, size_t nfields)
{
    CHECK(nfields >= 1 && nfields <= RS_CSV_MAX_COLS);
    for (size_t i = 0; i < nfields; i++) {
        size_t len;

        CHECK(fields[i] != NULL);
        len = strlen(fields[i]);
        CHECK(len <= RS_CSV_MAX_FIELD);
        CHECK(rs_utf8_valid(fields[i], len));
    }
}

/*
 * A mapped record validates once it has an id, has the natural key the
 * outbox will ask for (unless a key field is too long for it), and
 * survives a pack round trip.
 */
static void check_mapped(Rs__Record *rec, rs_rtype type)
{
    struct rs_verdict v;
    bool had_id = rec->id != NULL;
    char key[KEY_MAX];
    rs_status st;
    size_t n;
    uint8_t *buf;
    Rs__Record *again;

    CHECK(rec->body_case == type);
    CHECK(rs_rtype_find(type) != NULL);
    CHECK(rs_rtype_body(rec) != NULL);
    if (!had_id)
        rec->id = fuzz_id;
    CHECK(rs_validate_record(rec, &v) == RS_OK);
    if (!had_id)
        rec->id = NULL;
    st = rs_record_key(rec, key, sizeof key);
    CHECK(st == RS_OK || st == RS_ETOOBIG);   /* a key field may be long */
    if (st == RS_OK)
        CHECK(strncmp(key, rs_rtype_name(type), strlen(rs_rtype_name(type))) == 0);
    n = rs__record__get_packed_size(rec);
    buf = malloc(n ? n : 1);
    CHECK(buf != NULL);
    CHECK(rs__record__pack(rec, buf) == n);
    again = rs__record__unpack(NULL, n, buf);
    CHECK(again != NULL);
    CHECK(again->body_case == type);
    rs__record__free_unpacked(again, NULL);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_row_defaults def;
    struct rs_csv *csv = NULL;
    struct rs_rowmap *map = NULL;
    char err[ERR_LEN], err2[ERR_LEN], **fields = NULL;
    size_t nfields = 0;
    uint32_t line = 0, last_line = 0;
    rs_status st;

    memset(&def, 0, sizeof(def));
    if (size % 2 == 0) {
        def.division_code = "430602001";
        def.year = 2023;
        def.period = RS__PERIOD__PERIOD_YEAR;
        def.submitted_by = "fuzz";
        def.money_unit = RS_MONEY_UNIT_YUAN;
    }

    err[0] = '\0';
    st = rs_csv_open(data, size, &csv, err, sizeof(err));
    CHECK(terminated(err, sizeof(err)));
    if (st != RS_OK) {
        CHECK(st == RS_EENCODING || st == RS_ETOOBIG || st == RS_ENOMEM);
        CHECK(csv == NULL || st != RS_OK);
        return 0;
    }
    CHECK(csv != NULL);
    CHECK(rs_csv_encoding(csv) == RS_CSV_UTF8 || rs_csv_encoding(csv) == RS_CSV_UTF8_BOM ||
          rs_csv_encoding(csv) == RS_CSV_GB18030);

    st = rs_csv_next(csv, &fields, &nfields, &line, err, sizeof(err));
    if (st == RS_OK) {
        check_fields(fields, nfields);
        CHECK(line >= 1);
        last_line = line;
        err[0] = '\0';
        if (rs_rowmap_open(fields, nfields, RS__RECORD__BODY__NOT_SET, &def, &map, err,
                           sizeof(err)) != RS_OK) {
            CHECK(map == NULL);
            CHECK(terminated(err, sizeof(err)) && err[0] != '\0');
        } else {
            CHECK(map != NULL);
            CHECK(rs_rowmap_type(map) != RS__RECORD__BODY__NOT_SET);
        }
    }

    while (st == RS_OK) {
        Rs__Record *rec = NULL;
        struct rs_verdict v;

        st = rs_csv_next(csv, &fields, &nfields, &line, err, sizeof(err));
        if (st != RS_OK)
            break;
        check_fields(fields, nfields);
        CHECK(line > last_line);
        last_line = line;
        if (!map)
            continue;
        memset(&v, 0, sizeof(v));
        if (rs_rowmap_row(map, fields, nfields, &rec, &v) == RS_OK) {
            CHECK(rec != NULL);
            check_mapped(rec, rs_rowmap_type(map));
            rs__record__free_unpacked(rec, NULL);
        } else {
            CHECK(rec == NULL);
            CHECK(v.st != RS_OK);
            CHECK(terminated(v.field, sizeof(v.field)));
            CHECK(terminated(v.reason, sizeof(v.reason)));
        }
    }

    CHECK(st != RS_OK);
    CHECK(terminated(err, sizeof(err)));
    if (st != RS_ENOTFOUND) {
        rs_status st2;

        CHECK(st == RS_EINVAL || st == RS_ETOOBIG || st == RS_ENOMEM);
        CHECK(err[0] != '\0');
        st2 = rs_csv_next(csv, &fields, &nfields, &line, err2, sizeof(err2));
        CHECK(st2 == st);
        CHECK(strcmp(err, err2) == 0);
    }
    rs_rowmap_close(map);
    rs_csv_close(csv);
    return 0;
}

/*
 * rs_protodoc.c - writes the block of proto/README.md that lists every
 * field a record may carry, the name a rejection gives it (RecordAck.field)
 * and the rules the server checks, from the record-type table, so that a
 * client written from the README alone knows them and the page cannot
 * drift from what rs_validate_record does.
 *
 *   rs_protodoc FILE           rewrites the block in FILE (through FILE.tmp
 *                              and rename); the rest of FILE is kept
 *   rs_protodoc --check FILE   exit 0 if the block is what would be written,
 *                              else 1 with the first differing line
 *
 * The block runs from the line BEGIN_MARK to the line END_MARK, both kept.
 * The CMake target proto-doc runs the first form on the committed README;
 * the proto_doc test the second.  Exit status 2 for a usage error, a file
 * that cannot be read or written, a block missing or not closed, or a table
 * text that would break a Markdown table ('|' or a line break in it).
 *
 * Does not: write the rest of the README, document the CSV columns
 * (rs_csvdoc.c does, in docs/csv.md), or run in the binaries: it is a build
 * tool.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_rtype.h"
#include "rs_wire.h"

#define MAX_BYTES (1u << 20)      /* cap on the README */
#define BEGIN_MARK "<!-- rs:fields begin (written by rs_protodoc from the record-type table) -->"
#define END_MARK "<!-- rs:fields end -->"

static bool bad_text;

/* s, for a table cell: a '|' or a line break in it is an error of the table. */
static const char *cell(const char *s)
{
    if (s && strpbrk(s, "|\n\r"))
        bad_text = true;
    return s ? s : "";
}

/* The field's kind as a client writes it, and the rule of the kind. */
static void put_kind(FILE *o, const struct rs_field *f)
{
    switch (f->kind) {
    case RS_FK_STRING:
        if (f->flags & RS_FF_UUID)
            fputs("string: a UUID, 8-4-4-4-12 hex in lower case", o);
        else
            fprintf(o, "string: one line, no control characters, at most %d bytes",
                    RS_MAX_STRING_BYTES);
        return;
    case RS_FK_TEXT:
        fprintf(o, "string: line breaks and tabs allowed, at most %d bytes", RS_MAX_TEXT_BYTES);
        return;
    case RS_FK_CODE:
        fputs("string of `a-z 0-9 _ . -`, 1 to 64 bytes", o);
        return;
    case RS_FK_ENUM:
        fputs("enum: a value other than `*_UNSPECIFIED`", o);
        return;
    case RS_FK_DATE:
        fputs("uint32 `YYYYMMDD`, a real calendar date", o);
        return;
    case RS_FK_MONEY:
        fprintf(o, "int64 fen, 0 to 10^14%s", (f->flags & RS_FF_POSITIVE) ? ", above 0" : "");
        return;
    case RS_FK_COUNT:
        fprintf(o, "uint32, 0 to 10^7%s", (f->flags & RS_FF_POSITIVE) ? ", at least 1" : "");
        return;
    case RS_FK_PERCENT:
        fputs("uint32, 0 to 100", o);
        return;
    case RS_FK_MONTHS:
        fputs("uint32, 1 to 12", o);
        return;
    case RS_FK_YEAR:
        fputs("uint32, 2000 to 2100", o);
        return;
    case RS_FK_QUANTITY:
        fputs("int64 thousandths of a unit, 0 to 10^15", o);
        return;
    case RS_FK_SCORE:
        fputs("int64 points x 1000, 0 to 10^6", o);
        return;
    case RS_FK_BOOL:
        fputs("bool", o);
        return;
    }
    fputs("?", o);
}

/* One table: the rows of a message; prefix "" (envelope) or "<type>.". */
static void put_rows(FILE *o, const struct rs_field *rows, size_t n, const char *prefix)
{
    fputs("| `field` | kind and rule | required | what it holds |\n|---|---|---|---|\n", o);
    for (size_t i = 0; i < n; i++) {
        const struct rs_field *f = &rows[i];

        if (f->flags & RS_FF_CSV_ONLY)
            continue;
        fprintf(o, "| `%s%s` | ", prefix, cell(f->name));
        put_kind(o, f);
        fprintf(o, " | %s | %s |\n", (f->flags & RS_FF_REQUIRED) ? "yes" : "",
                cell(f->doc));
    }
}

/* The block's lines between the markers. */
static char *block(size_t *len)
{
    char *text = NULL, prefix[64];
    size_t n;
    FILE *o = open_memstream(&text, len);
    const struct rs_field *env;
    const struct rs_rtype_def *d;

    if (!o)
        return NULL;
    fputs("\nA rejected record's `RecordAck.field` names the first field that failed, in\n"
          "declaration order: a field of `rs.Record` itself by its proto name (`year`),\n"
          "a field of the body as `<type>.<field>` (`relief.amount_fen`); a rule over\n"
          "several fields names the one it is about. A field that is not set is absent,\n"
          "not zero: only \"required\" fields must be set (a required string non-empty, a\n"
          "required enum not `*_UNSPECIFIED`). Every string is valid UTF-8. The last\n"
          "column is the table's description, written for the CSV column of the same\n"
          "name (`docs/csv.md`): a \"default\" there is the reference client's, the\n"
          "server has none.\n\n"
          "#### `rs.Record`\n\n",
          o);
    env = rs_rtype_envelope(&n);
    put_rows(o, env, n, "");
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        fprintf(o, "\n#### `%s` %s (%s)\n\n", d->name, cell(d->label),
                d->level == RS_LEVEL_CENTRAL ? "unit level: central office only" : "township");
        snprintf(prefix, sizeof(prefix), "%s.", d->name);
        put_rows(o, d->fields, d->nfields, prefix);
    }
    fputs("\n", o);
    if (fclose(o) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n;

    if (!f) {
        fprintf(stderr, "rs_protodoc: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf = malloc(MAX_BYTES + 1);
    n = buf ? fread(buf, 1, MAX_BYTES + 1, f) : 0;
    if (!buf || ferror(f) || n > MAX_BYTES) {
        fprintf(stderr, "rs_protodoc: cannot read %s (or it is over %u bytes)\n", path,
                MAX_BYTES);
        free(buf);
        buf = NULL;
    } else {
        buf[n] = '\0';
        *len = n;
    }
    fclose(f);
    return buf;
}

/* The offsets in text just after the begin marker's line and at the end marker. */
static bool find_block(const char *text, size_t *from, size_t *to)
{
    const char *b = strstr(text, BEGIN_MARK "\n"), *e;

    if (!b)
        return false;
    *from = (size_t)(b - text) + strlen(BEGIN_MARK "\n");
    e = strstr(text + *from, END_MARK);
    if (!e || (e != text && e[-1] != '\n'))
        return false;
    *to = (size_t)(e - text);
    return true;
}

/* Reports the first line where have[0..hn) and want[0..wn) differ. */
static void first_difference(const char *have, size_t hn, const char *want, size_t wn)
{
    size_t i = 0, line = 1, start = 0;

    while (i < hn && i < wn && have[i] == want[i]) {
        if (have[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    fprintf(stderr, "rs_protodoc: the block differs at its line %zu:\n  have: %.*s\n  want: %.*s\n",
            line, (int)strcspn(have + start, "\n"), have + start,
            (int)strcspn(want + start, "\n"), want + start);
}

static int write_file(const char *path, const char *text, size_t from, size_t to,
                      const char *blk, size_t blen, size_t len)
{
    char tmp[4096];
    FILE *f;
    int k = snprintf(tmp, sizeof(tmp), "%s.tmp", path);

    if (k < 0 || (size_t)k >= sizeof(tmp)) {
        fprintf(stderr, "rs_protodoc: path too long: %s\n", path);
        return 2;
    }
    f = fopen(tmp, "wb");
    if (!f || fwrite(text, 1, from, f) != from || fwrite(blk, 1, blen, f) != blen ||
        fwrite(text + to, 1, len - to, f) != len - to || fclose(f) != 0) {
        fprintf(stderr, "rs_protodoc: cannot write %s\n", tmp);
        return 2;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "rs_protodoc: cannot rename %s: %s\n", tmp, strerror(errno));
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool check = argc == 3 && strcmp(argv[1], "--check") == 0;
    const char *path = check ? argv[2] : argc == 2 ? argv[1] : NULL;
    char *text = NULL, *blk = NULL;
    size_t len = 0, blen = 0, from = 0, to = 0;
    int rc = 2;

    if (!path || path[0] == '-') {
        fprintf(stderr, "usage: rs_protodoc [--check] README\n");
        return 2;
    }
    text = read_all(path, &len);
    if (!text)
        goto out;
    if (!find_block(text, &from, &to)) {
        fprintf(stderr, "rs_protodoc: %s has no block from '%s' to '%s'\n", path, BEGIN_MARK,
                END_MARK);
        goto out;
    }
    blk = block(&blen);
    if (!blk) {
        fprintf(stderr, "rs_protodoc: out of memory\n");
        goto out;
    }
    if (bad_text) {
        fprintf(stderr, "rs_protodoc: a table text holds '|' or a line break\n");
        goto out;
    }
    if (check) {
        rc = to - from == blen && memcmp(text + from, blk, blen) == 0 ? 0 : 1;
        if (rc)
            first_difference(text + from, to - from, blk, blen);
    } else {
        rc = write_file(path, text, from, to, blk, blen, len);
    }
out:
    free(text);
    free(blk);
    return rc;
}

/*
 * rs_csvdoc.c - writes docs/csv.md from docs/csv.md.in and the record-type
 * table, so the page can never list a column, alias or unit the client does
 * not accept.
 *
 *   rs_csvdoc TEMPLATE OUT            writes OUT (through OUT.tmp and rename)
 *   rs_csvdoc --check TEMPLATE FILE   exit 0 if FILE is what would be written,
 *                                     else 1 with the first differing line
 *
 * The template is Markdown with marker lines that are replaced whole:
 *   <!-- rs:detection -->      the detection-order table of every type
 *   <!-- rs:envelope -->       the envelope's columns and its enums' values
 *   <!-- rs:type NAME -->      type NAME's heading, description, columns,
 *                              identifier columns and enum values
 * Every production type must have exactly one rs:type marker, in table
 * order, so a new type cannot be left out of the page.  The CMake target
 * csv-doc runs the first form on the committed files; the csv_doc test the
 * second.  Exit status 2 for a usage error, an unreadable or malformed
 * template (unknown marker, type missing or out of order) or a table text
 * that would break a Markdown table ('|' or a line break in it).
 *
 * Does not: change the table, check that the code accepts what the page
 * says (tests/test_rowmap.c reads the page back for that), or run in the
 * binaries: it is a build tool.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_rtype.h"

#define MAX_BYTES (1u << 20)      /* cap on the template and on the page */
#define MARK_PREFIX "<!-- rs:"
#define MARK_SUFFIX " -->"

/* A growing text buffer; ok turns false on overflow or allocation failure. */
struct buf {
    char *p;
    size_t len, cap;
    bool ok;
};

static void put_n(struct buf *b, const char *s, size_t n)
{
    if (!b->ok)
        return;
    if (b->len + n + 1 > MAX_BYTES) {
        b->ok = false;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->ok = false;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put(struct buf *b, const char *s)
{
    put_n(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->ok = false;
        return;
    }
    put_n(b, tmp, (size_t)n);
}

/* Set when a table text would break the page; main reports it. */
static const char *bad_text;

/* A table cell's text: no '|' and no line break, or the page is refused. */
static const char *cell(const char *s)
{
    if (strpbrk(s, "|\n\r"))
        bad_text = s;
    return s;
}

/* Writes a '|'-separated list with sep between the entries (no line breaks). */
static void put_list(struct buf *b, const char *list, const char *sep)
{
    const char *p = list;
    bool first = true;

    if (strpbrk(list, "\n\r"))
        bad_text = list;

    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);

        if (!first)
            put(b, sep);
        put_n(b, p, n);
        first = false;
        p = bar ? bar + 1 : NULL;
    }
}

/* ---------------------------------------------------------------- cells */

/* What docs/csv.md calls a kind: how a cell is written. */
static const char *kind_word(enum rs_fkind k)
{
    switch (k) {
    case RS_FK_STRING:
    case RS_FK_CODE:
        return "string";
    case RS_FK_TEXT:
        return "text";
    case RS_FK_ENUM:
        return "enum";
    case RS_FK_DATE:
        return "date";
    case RS_FK_MONEY:
        return "money";
    case RS_FK_COUNT:
    case RS_FK_PERCENT:
    case RS_FK_MONTHS:
    case RS_FK_YEAR:
        return "u32";
    case RS_FK_QUANTITY:
    case RS_FK_SCORE:
        return "milli";
    case RS_FK_BOOL:
        return "bool";
    }
    return "?";
}

static void put_unit(struct buf *b, const struct rs_field *f)
{
    const char *u = f->unit;

    switch (f->kind) {
    case RS_FK_MONEY:
        u = u ? u : "元";
        putf(b, "%s (`%s_wan`: 万%s)", cell(u), f->column, u);
        return;
    case RS_FK_PERCENT:
        put(b, u ? cell(u) : "%");
        return;
    case RS_FK_MONTHS:
        put(b, u ? cell(u) : "months");
        return;
    case RS_FK_SCORE:
        put(b, u ? cell(u) : "points");
        return;
    default:
        if (u)
            put(b, cell(u));
        return;
    }
}

static void put_required(struct buf *b, const struct rs_field *f, bool envelope)
{
    if (envelope && (f->flags & RS_FF_DEFAULTABLE))
        put(b, "if no default");
    else if (envelope && (f->flags & RS_FF_CLIENT_FILLS))
        return;
    else if (f->flags & RS_FF_REQUIRED)
        put(b, "yes");
}

/* The column table of rows (CSV-only rows left out). */
static void put_columns(struct buf *b, const struct rs_field *rows, size_t n, bool envelope)
{
    put(b, "| Column | 中文 | Kind | Unit | Required | Meaning |\n"
           "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const struct rs_field *f = &rows[i];

        if (f->flags & RS_FF_CSV_ONLY)
            continue;
        putf(b, "| `%s` | ", cell(f->column));
        put_list(b, f->aliases, " / ");
        putf(b, " | %s | ", kind_word(f->kind));
        put_unit(b, f);
        put(b, " | ");
        put_required(b, f, envelope);
        putf(b, " | %s |\n", cell(f->doc));
    }
}

/* The CSV-only (identifier) rows, if any, as their own table. */
static void put_identifiers(struct buf *b, const struct rs_field *rows, size_t n)
{
    bool any = false;

    for (size_t i = 0; i < n; i++) {
        const struct rs_field *f = &rows[i];

        if (!(f->flags & RS_FF_CSV_ONLY))
            continue;
        if (!any)
            putf(b, "\nColumns that stand in for `%s` (only with a district key, see below):\n\n"
                    "| Identifier column | 中文 | Kind | Meaning |\n"
                    "|---|---|---|---|\n",
                 f->name);
        any = true;
        putf(b, "| `%s` | ", cell(f->column));
        put_list(b, f->aliases, " / ");
        putf(b, " | %s | %s |\n", kind_word(f->kind), cell(f->doc));
    }
}

/* "`<column>` values:" and the table, for every enum row. */
static void put_enums(struct buf *b, const ProtobufCMessageDescriptor *desc,
                      const struct rs_field *rows, size_t n)
{
    char slug[RS_ENUM_SLUG_MAX];

    for (size_t i = 0; i < n; i++) {
        const ProtobufCFieldDescriptor *fd;
        const ProtobufCEnumDescriptor *ed;

        if (rows[i].kind != RS_FK_ENUM ||
            !(fd = protobuf_c_message_descriptor_get_field_by_name(desc, rows[i].name)))
            continue;
        ed = fd->descriptor;
        putf(b, "\n`%s` values:\n\n| Value | 中文 | Proto value |\n|---|---|---|\n",
             rows[i].column);
        for (unsigned v = 0; v < ed->n_values; v++) {
            if (ed->values[v].value == 0)
                continue;
            putf(b, "| `%s` | ", rs_enum_slug(ed, ed->values[v].value, slug));
            put_list(b, rs_enum_aliases(ed, ed->values[v].value), ", ");
            putf(b, " | %s |\n", ed->values[v].name);
        }
    }
}

/* ---------------------------------------------------------------- sections */

static void put_markers(struct buf *b, const struct rs_rtype_def *d, const char *joiner)
{
    putf(b, "`%s`", d->has[0]);
    if (d->has[1])
        putf(b, "%s`%s`", joiner, d->has[1]);
}

static void put_detection(struct buf *b)
{
    const struct rs_rtype_def *d;
    size_t i;

    put(b, "| Order | Type | 中文 | The header has | Submitted by |\n|---|---|---|---|---|\n");
    for (i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        putf(b, "| %zu | `%s` | %s | ", i + 1, d->name, cell(d->label));
        put_markers(b, d, " and ");
        if (d->lacks[0]) {
            putf(b, ", and no `%s`", d->lacks[0]);
            if (d->lacks[1])
                putf(b, " or `%s`", d->lacks[1]);
        }
        putf(b, " | %s |\n", d->level == RS_LEVEL_CENTRAL ? "central office only" : "township");
    }
}

static void put_envelope(struct buf *b)
{
    size_t n;
    const struct rs_field *env = rs_rtype_envelope(&n);

    put_columns(b, env, n, true);
    put_enums(b, &rs__record__descriptor, env, n);
}

static void put_type(struct buf *b, const struct rs_rtype_def *d)
{
    putf(b, "### `%s` %s\n\n%s", d->name, d->label, d->doc);
    if (d->aliases[0]) {
        put(b, " Also called ");
        put_list(b, d->aliases, ", ");
        put(b, ".");
    }
    if (d->level == RS_LEVEL_CENTRAL)
        put(b, " Central office only.");
    putf(b, " Detected by the column%s ", d->has[1] ? "s" : "");
    put_markers(b, d, " and ");
    if (d->lacks[0]) {
        putf(b, ", without `%s`", d->lacks[0]);
        if (d->lacks[1])
            putf(b, " or `%s`", d->lacks[1]);
    }
    put(b, ".\n\n");
    put_columns(b, d->fields, d->nfields, false);
    put_identifiers(b, d->fields, d->nfields);
    put_enums(b, d->desc, d->fields, d->nfields);
}

/*
 * Expands the template tpl[0..n) into out.  Returns false with a message on
 * stderr for an unknown marker or a type that is missing, repeated or out
 * of table order.
 */
static bool expand(const char *tpl, size_t n, struct buf *out)
{
    size_t pos = 0, next_type = 0;
    const struct rs_rtype_def *d;

    while (pos < n) {
        const char *line = tpl + pos, *nl = memchr(line, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - line) : n - pos;
        size_t plen = strlen(MARK_PREFIX), slen = strlen(MARK_SUFFIX);

        pos += len + (nl ? 1 : 0);
        if (len < plen + slen || memcmp(line, MARK_PREFIX, plen) != 0 ||
            memcmp(line + len - slen, MARK_SUFFIX, slen) != 0) {
            put_n(out, line, len);
            if (nl)
                put(out, "\n");
            continue;
        }
        {
            const char *word = line + plen;
            size_t wlen = len - plen - slen;

            if (wlen == strlen("detection") && memcmp(word, "detection", wlen) == 0) {
                put_detection(out);
            } else if (wlen == strlen("envelope") && memcmp(word, "envelope", wlen) == 0) {
                put_envelope(out);
            } else if (wlen > 5 && memcmp(word, "type ", 5) == 0) {
                d = rs_rtype_at(next_type);
                if (!d || strlen(d->name) != wlen - 5 || memcmp(word + 5, d->name, wlen - 5)) {
                    fprintf(stderr, "rs_csvdoc: template: '%.*s': expected the section of %s "
                                    "(one rs:type marker per type, in table order)\n",
                            (int)len, line, d ? d->name : "no more types");
                    return false;
                }
                put_type(out, d);
                next_type++;
            } else {
                fprintf(stderr, "rs_csvdoc: template: unknown marker '%.*s'\n", (int)len, line);
                return false;
            }
        }
    }
    if ((d = rs_rtype_at(next_type)) != NULL) {
        fprintf(stderr, "rs_csvdoc: template has no '%stype %s%s' section\n", MARK_PREFIX,
                d->name, MARK_SUFFIX);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- files */

/* Reads all of path (at most MAX_BYTES) into b. */
static bool read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    char chunk[8192];
    size_t n;

    if (!f) {
        fprintf(stderr, "rs_csvdoc: cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    put(b, "");
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        put_n(b, chunk, n);
    if (ferror(f) || !b->ok) {
        fprintf(stderr, "rs_csvdoc: cannot read %s (or it is over %u bytes)\n", path,
                MAX_BYTES);
        fclose(f);
        return false;
    }
    fclose(f);
    return true;
}

static bool write_file(const char *path, const struct buf *b)
{
    char tmp[4096];
    FILE *f;
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);

    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "rs_csvdoc: path too long: %s\n", path);
        return false;
    }
    f = fopen(tmp, "wb");
    if (!f || fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0) {
        fprintf(stderr, "rs_csvdoc: cannot write %s: %s\n", tmp, strerror(errno));
        if (f)
            remove(tmp);
        return false;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "rs_csvdoc: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
        remove(tmp);
        return false;
    }
    return true;
}

/* 0 if have equals want, else 1 with the first differing line on stderr. */
static int compare(const char *path, const struct buf *have, const struct buf *want)
{
    size_t i = 0, line = 1, start = 0;

    while (i < have->len && i < want->len && have->p[i] == want->p[i]) {
        if (have->p[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    if (i == have->len && i == want->len)
        return 0;
    {
        const char *w = want->p + start, *h = have->p + start;
        int wl = (int)strcspn(w, "\n"), hl = (int)strcspn(h, "\n");

        fprintf(stderr,
                "%s is not what proto/rs_csvdoc.c writes from docs/csv.md.in and the "
                "record-type table (proto/rs_rtype_table.c).\n"
                "First difference, line %zu:\n  committed: %.*s\n  generated: %.*s\n"
                "Edit docs/csv.md.in or the table, not docs/csv.md; then regenerate it with\n"
                "  cmake --build <build dir> --target csv-doc\n"
                "and commit docs/csv.md.\n",
                path, line, hl, h, wl, w);
    }
    return 1;
}

int main(int argc, char **argv)
{
    struct buf tpl = {NULL, 0, 0, true}, out = {NULL, 0, 0, true};
    struct buf have = {NULL, 0, 0, true};
    bool check = argc == 4 && strcmp(argv[1], "--check") == 0;
    const char *tpath, *opath;
    int rc = 2;

    if (!(argc == 3 || check)) {
        fprintf(stderr, "usage: rs_csvdoc TEMPLATE OUT | rs_csvdoc --check TEMPLATE FILE\n");
        return 2;
    }
    tpath = argv[check ? 2 : 1];
    opath = argv[check ? 3 : 2];
    if (!read_file(tpath, &tpl))
        goto out;
    put(&out, "");
    if (!expand(tpl.p, tpl.len, &out))
        goto out;
    if (bad_text) {
        fprintf(stderr, "rs_csvdoc: table text would break a Markdown table: %s\n", bad_text);
        goto out;
    }
    if (!out.ok) {
        fprintf(stderr, "rs_csvdoc: the page is over %u bytes or memory ran out\n", MAX_BYTES);
        goto out;
    }
    if (check)
        rc = read_file(opath, &have) ? compare(opath, &have, &out) : 1;
    else
        rc = write_file(opath, &out) ? 0 : 1;
out:
    free(tpl.p);
    free(out.p);
    free(have.p);
    return rc;
}

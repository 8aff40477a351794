/*
 * ooxml_read.h - a small reader of the Word and Excel packages the report
 * writes, for tests: the zip opened with libzip, the XML parsed with expat.
 *
 *   ox_part        one part of a zip package held in memory
 *   ox_docx_read   word/document.xml as its body's paragraphs (style and
 *                  text, line breaks as "\n") and tables (rows of cell
 *                  texts, with which rows repeat as headers)
 *   ox_xlsx_read   every sheet of a workbook by name: each cell's value
 *                  (shared strings resolved, numbers as written), its
 *                  number format, whether the header row is frozen and the
 *                  columns have widths
 * Each returns 0, or -1 when the package or its XML is not well-formed,
 * which is what a test asserts first.
 *
 * Does not: understand anything the report's writers do not write (no
 * inline strings, no nested tables, no merged cells), or check a schema.
 */
#ifndef OOXML_READ_H
#define OOXML_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <zip.h>

/* ------------------------------------------------------------ zip */

/* Part `name` of the zip zbuf[0..zlen), NUL-terminated, malloc'd; its
 * length in *len.  NULL if the zip cannot be read or has no such part. */
static inline char *ox_part(const void *zbuf, size_t zlen, const char *name, size_t *len)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    zip_stat_t st;
    zip_file_t *zf;
    char *out = NULL;

    zip_error_init(&ze);
    src = zip_source_buffer_create(zbuf, zlen, 0, &ze);
    if (!src)
        return NULL;
    za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za) {
        zip_source_free(src);
        zip_error_fini(&ze);
        return NULL;
    }
    if (zip_stat(za, name, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        (zf = zip_fopen(za, name, 0)) != NULL) {
        out = malloc(st.size + 1);
        if (out && zip_fread(zf, out, st.size) == (zip_int64_t)st.size) {
            out[st.size] = '\0';
            if (len)
                *len = st.size;
        } else {
            free(out);
            out = NULL;
        }
        zip_fclose(zf);
    }
    zip_close(za);
    zip_error_fini(&ze);
    return out;
}

/* ------------------------------------------------------------ text */

struct ox_str {
    char *p;
    size_t n, cap;
};

static inline void ox_str_add(struct ox_str *s, const char *t, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;

        while (cap < s->n + n + 1)
            cap *= 2;
        s->p = realloc(s->p, cap);
        if (!s->p)
            abort();
        s->cap = cap;
    }
    memcpy(s->p + s->n, t, n);
    s->n += n;
    s->p[s->n] = '\0';
}

/* The collected text (never NULL) and an empty collector again. */
static inline char *ox_str_take(struct ox_str *s)
{
    char *p = s->p ? s->p : strdup("");

    memset(s, 0, sizeof *s);
    return p;
}

static inline void *ox_grow(void *v, size_t n, size_t size)
{
    void *p = realloc(v, (n + 1) * size);

    if (!p)
        abort();
    return p;
}

/* The value of attribute `name` (with or without its prefix), or NULL. */
static inline const char *ox_attr(const XML_Char **a, const char *name)
{
    for (size_t i = 0; a[i]; i += 2) {
        const char *colon = strchr(a[i], ':');

        if (strcmp(a[i], name) == 0 || (colon && strcmp(colon + 1, name) == 0))
            return a[i + 1];
    }
    return NULL;
}

/* The element's name without its prefix. */
static inline const char *ox_local(const XML_Char *name)
{
    const char *colon = strchr(name, ':');

    return colon ? colon + 1 : name;
}

/* Parses xml[0..len) with the handlers; 0 if well-formed. */
static inline int ox_parse(const char *xml, size_t len, void *ud, XML_StartElementHandler start,
                           XML_EndElementHandler end, XML_CharacterDataHandler chars)
{
    XML_Parser p = XML_ParserCreate("UTF-8");
    int rc;

    if (!p)
        return -1;
    XML_SetUserData(p, ud);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, chars);
    rc = XML_Parse(p, xml, (int)len, 1) == XML_STATUS_OK ? 0 : -1;
    if (rc)
        fprintf(stderr, "ooxml: XML error at line %lu: %s\n",
                (unsigned long)XML_GetCurrentLineNumber(p), XML_ErrorString(XML_GetErrorCode(p)));
    XML_ParserFree(p);
    return rc;
}

/* ------------------------------------------------------------ Word */

struct ox_para {
    char *style;      /* pStyle, "" if none */
    char *text;
};

struct ox_row {
    char **cell;
    size_t ncells;
    bool header;      /* w:tblHeader: repeats on every page */
};

struct ox_table {
    struct ox_row *row;
    size_t nrows;
    size_t after_para;   /* paragraphs of the body before it */
};

struct ox_docx {
    struct ox_para *p;
    size_t np;
    struct ox_table *t;
    size_t nt;
    /* parser state */
    bool in_t, in_tbl;
    struct ox_str text, style, cell;
    bool cell_has_para;
};

static void XMLCALL ox_docx_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct ox_docx *d = ud;
    const char *n = ox_local(name);

    if (strcmp(n, "t") == 0) {
        d->in_t = true;
    } else if (strcmp(n, "br") == 0) {
        ox_str_add(&d->text, "\n", 1);
    } else if (strcmp(n, "tab") == 0 && !d->in_t) {
        ox_str_add(&d->text, "\t", 1);
    } else if (strcmp(n, "pStyle") == 0 && ox_attr(a, "val")) {
        free(ox_str_take(&d->style));
        ox_str_add(&d->style, ox_attr(a, "val"), strlen(ox_attr(a, "val")));
    } else if (strcmp(n, "tbl") == 0) {
        d->t = ox_grow(d->t, d->nt, sizeof *d->t);
        memset(&d->t[d->nt], 0, sizeof d->t[d->nt]);
        d->t[d->nt].after_para = d->np;
        d->nt++;
        d->in_tbl = true;
    } else if (strcmp(n, "tr") == 0 && d->in_tbl) {
        struct ox_table *t = &d->t[d->nt - 1];

        t->row = ox_grow(t->row, t->nrows, sizeof *t->row);
        memset(&t->row[t->nrows], 0, sizeof t->row[t->nrows]);
        t->nrows++;
    } else if (strcmp(n, "tblHeader") == 0 && d->in_tbl && d->t[d->nt - 1].nrows) {
        const char *v = ox_attr(a, "val");

        d->t[d->nt - 1].row[d->t[d->nt - 1].nrows - 1].header =
            !v || (strcmp(v, "0") != 0 && strcmp(v, "false") != 0);
    } else if (strcmp(n, "tc") == 0) {
        free(ox_str_take(&d->cell));
        d->cell_has_para = false;
    }
}

static void XMLCALL ox_docx_end(void *ud, const XML_Char *name)
{
    struct ox_docx *d = ud;
    const char *n = ox_local(name);

    if (strcmp(n, "t") == 0) {
        d->in_t = false;
    } else if (strcmp(n, "p") == 0) {
        char *text = ox_str_take(&d->text), *style = ox_str_take(&d->style);

        if (d->in_tbl) {
            if (d->cell_has_para)
                ox_str_add(&d->cell, "\n", 1);
            ox_str_add(&d->cell, text, strlen(text));
            d->cell_has_para = true;
            free(text);
            free(style);
        } else {
            d->p = ox_grow(d->p, d->np, sizeof *d->p);
            d->p[d->np].style = style;
            d->p[d->np].text = text;
            d->np++;
        }
    } else if (strcmp(n, "tc") == 0 && d->in_tbl && d->t[d->nt - 1].nrows) {
        struct ox_table *t = &d->t[d->nt - 1];
        struct ox_row *r = &t->row[t->nrows - 1];

        r->cell = ox_grow(r->cell, r->ncells, sizeof *r->cell);
        r->cell[r->ncells++] = ox_str_take(&d->cell);
    } else if (strcmp(n, "tbl") == 0) {
        d->in_tbl = false;
    }
}

static void XMLCALL ox_docx_chars(void *ud, const XML_Char *s, int len)
{
    struct ox_docx *d = ud;

    if (d->in_t)
        ox_str_add(&d->text, s, (size_t)len);
}

static inline void ox_docx_free(struct ox_docx *d)
{
    for (size_t i = 0; i < d->np; i++) {
        free(d->p[i].style);
        free(d->p[i].text);
    }
    for (size_t i = 0; i < d->nt; i++) {
        for (size_t r = 0; r < d->t[i].nrows; r++) {
            for (size_t c = 0; c < d->t[i].row[r].ncells; c++)
                free(d->t[i].row[r].cell[c]);
            free(d->t[i].row[r].cell);
        }
        free(d->t[i].row);
    }
    free(d->p);
    free(d->t);
    free(d->text.p);
    free(d->style.p);
    free(d->cell.p);
    memset(d, 0, sizeof *d);
}

/* Reads word/document.xml (xml[0..len)) into d; 0, or -1 if malformed. */
static inline int ox_docx_read(const char *xml, size_t len, struct ox_docx *d)
{
    memset(d, 0, sizeof *d);
    return ox_parse(xml, len, d, ox_docx_start, ox_docx_end, ox_docx_chars);
}

/* The first table whose header row (cells joined by '|') equals head. */
static inline const struct ox_table *ox_docx_table(const struct ox_docx *d, const char *head)
{
    for (size_t i = 0; i < d->nt; i++) {
        struct ox_str h = {NULL, 0, 0};
        bool same;

        if (d->t[i].nrows == 0)
            continue;
        for (size_t c = 0; c < d->t[i].row[0].ncells; c++) {
            if (c)
                ox_str_add(&h, "|", 1);
            ox_str_add(&h, d->t[i].row[0].cell[c], strlen(d->t[i].row[0].cell[c]));
        }
        same = h.p && strcmp(h.p, head) == 0;
        free(h.p);
        if (same)
            return &d->t[i];
    }
    return NULL;
}

/* ------------------------------------------------------------ Excel */

struct ox_cell {
    uint32_t row, col;    /* from 0 */
    char *value;          /* the shared string, or the number as written */
    bool is_string;
    uint32_t style;       /* index into cellXfs */
};

struct ox_sheet {
    char *name;
    char *target;         /* its part, "xl/worksheets/sheet1.xml" */
    char *rid;
    struct ox_cell *c;
    size_t n;
    bool frozen_row;      /* a frozen pane below row 1 */
    bool has_cols;        /* column widths set */
};

struct ox_xlsx {
    struct ox_sheet *s;
    size_t ns;
    char **shared;
    size_t nshared;
    uint32_t *xf_numfmt;  /* numFmtId of each cellXfs entry */
    size_t nxf;
    struct { uint32_t id; char *code; } *fmt;
    size_t nfmt;
    /* parser state */
    struct ox_str text;
    bool in_v, in_t, in_si, in_xfs;
    struct ox_sheet *cur;
    struct ox_cell cell;
};

static void XMLCALL ox_book_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct ox_xlsx *x = ud;
    const char *n = ox_local(name), *nm = ox_attr(a, "name"), *id = ox_attr(a, "id");

    if (strcmp(n, "sheet") == 0 && nm && id) {
        x->s = ox_grow(x->s, x->ns, sizeof *x->s);
        memset(&x->s[x->ns], 0, sizeof x->s[x->ns]);
        x->s[x->ns].name = strdup(nm);
        x->s[x->ns].rid = strdup(id);
        x->ns++;
    }
}

static void XMLCALL ox_rels_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct ox_xlsx *x = ud;
    const char *id = ox_attr(a, "Id"), *target = ox_attr(a, "Target");

    if (strcmp(ox_local(name), "Relationship") != 0 || !id || !target)
        return;
    for (size_t i = 0; i < x->ns; i++) {
        if (strcmp(x->s[i].rid, id) == 0) {
            size_t n = strlen(target) + 4;

            x->s[i].target = malloc(n);
            if (!x->s[i].target)
                abort();
            snprintf(x->s[i].target, n, "xl/%s", target);
        }
    }
}

static void XMLCALL ox_none_end(void *ud, const XML_Char *name)
{
    (void)ud;
    (void)name;
}

static void XMLCALL ox_text_chars(void *ud, const XML_Char *s, int len)
{
    struct ox_xlsx *x = ud;

    if (x->in_v || x->in_t)
        ox_str_add(&x->text, s, (size_t)len);
}

static void XMLCALL ox_sst_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct ox_xlsx *x = ud;
    const char *n = ox_local(name);

    (void)a;
    if (strcmp(n, "si") == 0) {
        x->in_si = true;
        free(ox_str_take(&x->text));
    } else if (strcmp(n, "t") == 0 && x->in_si) {
        x->in_t = true;
    }
}

static void XMLCALL ox_sst_end(void *ud, const XML_Char *name)
{
    struct ox_xlsx *x = ud;
    const char *n = ox_local(name);

    if (strcmp(n, "t") == 0) {
        x->in_t = false;
    } else if (strcmp(n, "si") == 0) {
        x->shared = ox_grow(x->shared, x->nshared, sizeof *x->shared);
        x->shared[x->nshared++] = ox_str_take(&x->text);
        x->in_si = false;
    }
}

static void XMLCALL ox_styles_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct ox_xlsx *x = ud;
    const char *n = ox_local(name), *id = ox_attr(a, "numFmtId");

    if (strcmp(n, "numFmt") == 0 && id && ox_attr(a, "formatCode")) {
        x->fmt = ox_grow(x->fmt, x->nfmt, sizeof *x->fmt);
        x->fmt[x->nfmt].id = (uint32_t)strtoul(id, NULL, 10);
        x->fmt[x->nfmt].code = strdup(ox_attr(a, "formatCode"));
        x->nfmt++;
    } else if (strcmp(n, "cellXfs") == 0) {
        x->in_xfs = true;
    } else if (strcmp(n, "xf") == 0 && x->in_xfs) {
        x->xf_numfmt = ox_grow(x->xf_numfmt, x->nxf, sizeof *x->xf_numfmt);
        x->xf_numfmt[x->nxf++] = id ? (uint32_t)strtoul(id, NULL, 10) : 0;
    }
}

static void XMLCALL ox_styles_end(void *ud, const XML_Char *name)
{
    struct ox_xlsx *x = ud;

    if (strcmp(ox_local(name), "cellXfs") == 0)
        x->in_xfs = false;
}

static void XMLCALL ox_sheet_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct ox_xlsx *x = ud;
    const char *n = ox_local(name);

    if (strcmp(n, "c") == 0) {
        const char *r = ox_attr(a, "r"), *t = ox_attr(a, "t"), *s = ox_attr(a, "s");
        uint32_t col = 0;

        memset(&x->cell, 0, sizeof x->cell);
        for (; r && *r >= 'A' && *r <= 'Z'; r++)
            col = col * 26 + (uint32_t)(*r - 'A' + 1);
        x->cell.col = col ? col - 1 : 0;
        x->cell.row = r ? (uint32_t)strtoul(r, NULL, 10) - 1 : 0;
        x->cell.is_string = t && strcmp(t, "s") == 0;
        x->cell.style = s ? (uint32_t)strtoul(s, NULL, 10) : 0;
        free(ox_str_take(&x->text));
    } else if (strcmp(n, "v") == 0) {
        x->in_v = true;
    } else if (strcmp(n, "pane") == 0) {
        const char *ys = ox_attr(a, "ySplit"), *st = ox_attr(a, "state");

        x->cur->frozen_row = ys && strcmp(ys, "1") == 0 && st && strcmp(st, "frozen") == 0;
    } else if (strcmp(n, "col") == 0 && ox_attr(a, "width")) {
        x->cur->has_cols = true;
    }
}

static void XMLCALL ox_sheet_end(void *ud, const XML_Char *name)
{
    struct ox_xlsx *x = ud;
    const char *n = ox_local(name);

    if (strcmp(n, "v") == 0) {
        x->in_v = false;
    } else if (strcmp(n, "c") == 0) {
        char *v = ox_str_take(&x->text);
        struct ox_sheet *s = x->cur;

        if (x->cell.is_string) {
            size_t i = (size_t)strtoul(v, NULL, 10);

            free(v);
            v = strdup(i < x->nshared ? x->shared[i] : "");
        }
        x->cell.value = v;
        s->c = ox_grow(s->c, s->n, sizeof *s->c);
        s->c[s->n++] = x->cell;
    }
}

static inline void ox_xlsx_free(struct ox_xlsx *x)
{
    for (size_t i = 0; i < x->ns; i++) {
        for (size_t k = 0; k < x->s[i].n; k++)
            free(x->s[i].c[k].value);
        free(x->s[i].c);
        free(x->s[i].name);
        free(x->s[i].rid);
        free(x->s[i].target);
    }
    for (size_t i = 0; i < x->nshared; i++)
        free(x->shared[i]);
    for (size_t i = 0; i < x->nfmt; i++)
        free(x->fmt[i].code);
    free(x->s);
    free(x->shared);
    free(x->xf_numfmt);
    free(x->fmt);
    free(x->text.p);
    memset(x, 0, sizeof *x);
}

/* Parses part `name` of the zip with the handlers; -1 if absent or bad. */
static inline int ox_parse_part(const void *zbuf, size_t zlen, const char *name, void *ud,
                                XML_StartElementHandler start, XML_EndElementHandler end,
                                XML_CharacterDataHandler chars)
{
    size_t len = 0;
    char *xml = ox_part(zbuf, zlen, name, &len);
    int rc;

    if (!xml) {
        fprintf(stderr, "ooxml: no part %s\n", name);
        return -1;
    }
    rc = ox_parse(xml, len, ud, start, end, chars);
    free(xml);
    return rc;
}

/* Reads the workbook zbuf[0..zlen) into x; 0, or -1 if any part is bad. */
static inline int ox_xlsx_read(const void *zbuf, size_t zlen, struct ox_xlsx *x)
{
    memset(x, 0, sizeof *x);
    if (ox_parse_part(zbuf, zlen, "xl/workbook.xml", x, ox_book_start, ox_none_end, NULL) ||
        ox_parse_part(zbuf, zlen, "xl/_rels/workbook.xml.rels", x, ox_rels_start, ox_none_end,
                      NULL) ||
        ox_parse_part(zbuf, zlen, "xl/sharedStrings.xml", x, ox_sst_start, ox_sst_end,
                      ox_text_chars) ||
        ox_parse_part(zbuf, zlen, "xl/styles.xml", x, ox_styles_start, ox_styles_end, NULL))
        return -1;
    for (size_t i = 0; i < x->ns; i++) {
        x->cur = &x->s[i];
        if (!x->s[i].target || ox_parse_part(zbuf, zlen, x->s[i].target, x, ox_sheet_start,
                                             ox_sheet_end, ox_text_chars))
            return -1;
    }
    return 0;
}

static inline const struct ox_sheet *ox_sheet(const struct ox_xlsx *x, const char *name)
{
    for (size_t i = 0; i < x->ns; i++) {
        if (strcmp(x->s[i].name, name) == 0)
            return &x->s[i];
    }
    return NULL;
}

static inline const struct ox_cell *ox_cell(const struct ox_sheet *s, uint32_t row, uint32_t col)
{
    for (size_t i = 0; s && i < s->n; i++) {
        if (s->c[i].row == row && s->c[i].col == col)
            return &s->c[i];
    }
    return NULL;
}

/* The number format of a cell ("0.00", "0.00%", "General", ...). */
static inline const char *ox_numfmt(const struct ox_xlsx *x, const struct ox_cell *c)
{
    static const struct { uint32_t id; const char *code; } builtin[] = {
        {0, "General"}, {1, "0"}, {2, "0.00"}, {9, "0%"}, {10, "0.00%"}};
    uint32_t id;

    if (!c || c->style >= x->nxf)
        return "General";
    id = x->xf_numfmt[c->style];
    for (size_t i = 0; i < x->nfmt; i++) {
        if (x->fmt[i].id == id)
            return x->fmt[i].code;
    }
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        if (builtin[i].id == id)
            return builtin[i].code;
    }
    return "?";
}

/* The row (from 0) of the first cell in column col whose text is v; -1. */
static inline long ox_find_row(const struct ox_sheet *s, uint32_t col, const char *v)
{
    for (size_t i = 0; s && i < s->n; i++) {
        if (s->c[i].col == col && s->c[i].is_string && strcmp(s->c[i].value, v) == 0)
            return (long)s->c[i].row;
    }
    return -1;
}

/* Rows with any cell (the highest row index + 1). */
static inline uint32_t ox_rows(const struct ox_sheet *s)
{
    uint32_t n = 0;

    for (size_t i = 0; s && i < s->n; i++)
        n = s->c[i].row + 1 > n ? s->c[i].row + 1 : n;
    return n;
}

#endif

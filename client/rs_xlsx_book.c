/*
 * rs_xlsx_book.c - opening a workbook: the package relationships (which
 * part is the workbook), the workbook part (its sheets, their names and
 * states, the date system), the workbook's relationships (where each
 * sheet, the shared strings and the styles are), the styles (the number
 * format of each cell format, as a class: plain, percent, date, time) and
 * the shared strings (rich-text runs concatenated, phonetic runs left
 * out).  Also the sheet list of rs_xlsx.h.
 *
 * Relationship types are matched by their last segment ("/worksheet",
 * "/sharedStrings", ...), so both the transitional and the strict OOXML
 * namespaces are read.  A workbook without package relationships is looked
 * for at xl/workbook.xml; one without styles has no date cells; one
 * without shared strings has none to refer to.
 *
 * Does not: read worksheets (rs_xlsx_sheet.c) or turn values into text
 * (rs_xlsx_value.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_xlsx_int.h"

#define MAX_RELS 4096u

void rs_xlsx_limits_default(struct rs_xlsx_limits *l)
{
    l->max_file = RS_XLSX_MAX_FILE;
    l->max_entries = RS_XLSX_MAX_ENTRIES;
    l->max_part = RS_XLSX_MAX_PART;
    l->max_total = RS_XLSX_MAX_TOTAL;
    l->max_sheets = RS_XLSX_MAX_SHEETS;
    l->max_strings = RS_XLSX_MAX_STRINGS;
    l->max_styles = RS_XLSX_MAX_STYLES;
    l->max_rows = RS_XLSX_MAX_ROWS;
    l->max_cells = RS_XLSX_MAX_CELLS;
    l->max_cols = RS_XLSX_MAX_COLS;
    l->max_text = RS_XLSX_MAX_TEXT;
    l->max_merges = RS_XLSX_MAX_MERGES;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);

    return n >= t && strcmp(s + n - t, tail) == 0;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---------------------------------------------------------------- relationships */

struct rel {
    char *id, *type, *target;
};

struct rels {
    struct rel *v;
    size_t n, cap;
};

static void rels_free(struct rels *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].id);
        free(r->v[i].type);
        free(r->v[i].target);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

static void rels_start(struct rs_xml *xm, const char *name, const char **atts)
{
    struct rels *r = xm->ud;
    const char *id, *type, *target, *mode;
    struct rel *e;

    if (strcmp(name, "Relationship") != 0)
        return;
    id = rs_xml_attr(atts, "Id", false);
    type = rs_xml_attr(atts, "Type", false);
    target = rs_xml_attr(atts, "Target", false);
    mode = rs_xml_attr(atts, "TargetMode", false);
    if (!id || !type || !target || (mode && strcmp(mode, "External") == 0))
        return;
    if (r->n == MAX_RELS) {
        rs_xml_fail(xm, RS_ETOOBIG, "关系条目超过%u个", MAX_RELS);
        return;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct rel *v = realloc(r->v, cap * sizeof(*v));

        if (!v) {
            rs_xml_fail(xm, RS_ENOMEM, "内存不足");
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    e = &r->v[r->n];
    e->id = dup_str(id);
    e->type = dup_str(type);
    e->target = dup_str(target);
    r->n++;
    if (!e->id || !e->type || !e->target)
        rs_xml_fail(xm, RS_ENOMEM, "内存不足");
}

static rs_status rels_read(struct rs_xlsx *x, const char *part, struct rels *r, char *err,
                           size_t errlen)
{
    struct rs_xml xm = {.start = rels_start, .ud = r};

    return rs_xml_parse(x, part, &xm, err, errlen);
}

static const struct rel *rels_by_type(const struct rels *r, const char *tail)
{
    for (size_t i = 0; i < r->n; i++)
        if (ends_with(r->v[i].type, tail))
            return &r->v[i];
    return NULL;
}

static const struct rel *rels_by_id(const struct rels *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].id, id) == 0)
            return &r->v[i];
    return NULL;
}

/* ---------------------------------------------------------------- workbook.xml */

struct wb_sheet {
    char *name, *rid;
    bool hidden;
};

struct wb {
    struct rs_xlsx *x;
    struct wb_sheet *v;
    size_t n;
    bool in_sheets;
};

static void wb_start(struct rs_xml *xm, const char *name, const char **atts)
{
    struct wb *w = xm->ud;

    if (strcmp(name, "workbookPr") == 0) {
        const char *d = rs_xml_attr(atts, "date1904", false);

        w->x->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
    } else if (strcmp(name, "sheets") == 0) {
        w->in_sheets = true;
    } else if (strcmp(name, "sheet") == 0 && w->in_sheets) {
        const char *sname = rs_xml_attr(atts, "name", false);
        const char *state = rs_xml_attr(atts, "state", false);
        const char *rid = rs_xml_attr(atts, "id", true);
        struct wb_sheet *e;

        if (!sname || !rid) {
            rs_xml_fail(xm, RS_EINVAL, "有工作表缺少名称或关系编号");
            return;
        }
        if (w->n == w->x->lim.max_sheets) {
            rs_xml_fail(xm, RS_ETOOBIG, "工作表超过%zu个", w->x->lim.max_sheets);
            return;
        }
        e = &w->v[w->n++];
        e->name = dup_str(sname);
        e->rid = dup_str(rid);
        e->hidden = state && strcmp(state, "visible") != 0;
        if (!e->name || !e->rid)
            rs_xml_fail(xm, RS_ENOMEM, "内存不足");
    }
}

static void wb_end(struct rs_xml *xm, const char *name)
{
    struct wb *w = xm->ud;

    if (strcmp(name, "sheets") == 0)
        w->in_sheets = false;
}

/* ---------------------------------------------------------------- styles.xml */

struct numfmt {
    uint32_t id;
    uint8_t cls;
};

struct styles {
    struct rs_xlsx *x;
    struct numfmt *fmts;
    size_t nfmts;
    uint32_t *xf_fmt;          /* numFmtId of each cellXfs xf */
    size_t nxf;
    bool in_fmts, in_xfs;
};

static bool parse_u32(const char *s, uint32_t *v)
{
    uint64_t acc = 0;

    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        acc = acc * 10 + (uint64_t)(*s - '0');
        if (acc > UINT32_MAX)
            return false;
    }
    *v = (uint32_t)acc;
    return true;
}

static void styles_start(struct rs_xml *xm, const char *name, const char **atts)
{
    struct styles *st = xm->ud;
    size_t cap = st->x->lim.max_styles;

    if (strcmp(name, "numFmts") == 0) {
        st->in_fmts = true;
    } else if (strcmp(name, "cellXfs") == 0) {
        st->in_xfs = true;
    } else if (strcmp(name, "numFmt") == 0 && st->in_fmts) {
        const char *code = rs_xml_attr(atts, "formatCode", false);
        uint32_t id;

        if (!code || !parse_u32(rs_xml_attr(atts, "numFmtId", false), &id))
            return;
        if (st->nfmts == cap) {
            rs_xml_fail(xm, RS_ETOOBIG, "数字格式超过%zu种", cap);
            return;
        }
        st->fmts[st->nfmts].id = id;
        st->fmts[st->nfmts].cls = (uint8_t)rs_xlsx_format_class(code);
        st->nfmts++;
    } else if (strcmp(name, "xf") == 0 && st->in_xfs) {
        uint32_t id = 0;

        if (st->nxf == cap) {
            rs_xml_fail(xm, RS_ETOOBIG, "单元格格式超过%zu种", cap);
            return;
        }
        if (!parse_u32(rs_xml_attr(atts, "numFmtId", false), &id))
            id = 0;
        st->xf_fmt[st->nxf++] = id;
    }
}

static void styles_end(struct rs_xml *xm, const char *name)
{
    struct styles *st = xm->ud;

    if (strcmp(name, "numFmts") == 0)
        st->in_fmts = false;
    else if (strcmp(name, "cellXfs") == 0)
        st->in_xfs = false;
}

static int numfmt_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct numfmt *)a)->id, y = ((const struct numfmt *)b)->id;

    return x < y ? -1 : x > y;
}

static rs_status styles_read(struct rs_xlsx *x, const char *part, char *err, size_t errlen)
{
    struct styles st = {.x = x};
    struct rs_xml xm = {.start = styles_start, .end = styles_end, .ud = &st};
    rs_status rc = RS_ENOMEM;

    st.fmts = malloc(x->lim.max_styles * sizeof(*st.fmts) + 1);
    st.xf_fmt = malloc(x->lim.max_styles * sizeof(*st.xf_fmt) + 1);
    if (!st.fmts || !st.xf_fmt)
        goto out;
    rc = rs_xml_parse(x, part, &xm, err, errlen);
    if (rc)
        goto out;
    qsort(st.fmts, st.nfmts, sizeof(*st.fmts), numfmt_cmp);
    x->xf = malloc(st.nxf + 1);
    if (!x->xf) {
        rc = RS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < st.nxf; i++) {
        struct numfmt key = {.id = st.xf_fmt[i]};
        const struct numfmt *f = bsearch(&key, st.fmts, st.nfmts, sizeof(*st.fmts), numfmt_cmp);

        x->xf[i] = (uint8_t)(f ? (enum rs_xf_class)f->cls : rs_xlsx_builtin_class(key.id));
    }
    x->nxf = st.nxf;
out:
    free(st.fmts);
    free(st.xf_fmt);
    return rc;
}

enum rs_xf_class rs_xlsx_xf_class(const struct rs_xlsx *x, uint32_t s)
{
    return s < x->nxf ? (enum rs_xf_class)x->xf[s] : RS_XF_PLAIN;
}

/* ---------------------------------------------------------------- sharedStrings.xml */

struct sst {
    struct rs_xlsx *x;
    char *buf;
    size_t len, cap;
    size_t offcap;
    bool in_si;
    int in_rph;
};

static void sst_start(struct rs_xml *xm, const char *name, const char **atts)
{
    struct sst *s = xm->ud;

    (void)atts;
    if (strcmp(name, "si") == 0) {
        s->in_si = true;
        s->in_rph = 0;
        rs_xml_text_reset(xm);
    } else if (strcmp(name, "rPh") == 0) {
        s->in_rph++;
    } else if (strcmp(name, "t") == 0 && s->in_si && !s->in_rph) {
        xm->collect = true;
    }
}

static void sst_end(struct rs_xml *xm, const char *name)
{
    struct sst *s = xm->ud;
    struct rs_xlsx *x = s->x;

    if (strcmp(name, "t") == 0) {
        xm->collect = false;
    } else if (strcmp(name, "rPh") == 0) {
        if (s->in_rph)
            s->in_rph--;
    } else if (strcmp(name, "si") == 0 && s->in_si) {
        size_t n = xm->len;

        s->in_si = false;
        if (x->nsst == x->lim.max_strings) {
            rs_xml_fail(xm, RS_ETOOBIG, "共享文本超过%zu条", x->lim.max_strings);
            return;
        }
        if (n)
            rs_xlsx_unescape(xm->text, &n);
        if (x->nsst == s->offcap) {
            size_t cap = s->offcap ? s->offcap * 2 : 256;
            uint32_t *o = realloc(x->sst_off, cap * sizeof(*o));

            if (!o) {
                rs_xml_fail(xm, RS_ENOMEM, "内存不足");
                return;
            }
            x->sst_off = o;
            s->offcap = cap;
        }
        if (s->len + n + 1 > s->cap) {
            size_t cap = s->cap ? s->cap : 4096;
            char *b;

            while (cap < s->len + n + 1)
                cap *= 2;
            if (cap > UINT32_MAX) {
                rs_xml_fail(xm, RS_ETOOBIG, "共享文本总量超过4GB");
                return;
            }
            b = realloc(s->buf, cap);
            if (!b) {
                rs_xml_fail(xm, RS_ENOMEM, "内存不足");
                return;
            }
            s->buf = b;
            s->cap = cap;
        }
        if (n)
            memcpy(s->buf + s->len, xm->text, n);
        s->buf[s->len + n] = '\0';
        x->sst_off[x->nsst++] = (uint32_t)s->len;
        s->len += n + 1;
    }
}

static rs_status sst_read(struct rs_xlsx *x, const char *part, char *err, size_t errlen)
{
    struct sst s = {.x = x};
    struct rs_xml xm = {.start = sst_start, .end = sst_end, .ud = &s};
    rs_status rc = rs_xml_parse(x, part, &xm, err, errlen);

    x->sst = s.buf;
    return rc;
}

/* ---------------------------------------------------------------- open */

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Finds the workbook part through the package relationships. */
static rs_status find_workbook(struct rs_xlsx *x, char part[RS_XLSX_PART_MAX], char *err,
                               size_t errlen)
{
    struct rels r = {0};
    const struct rel *doc;
    rs_status rc;

    rc = rels_read(x, "_rels/.rels", &r, err, errlen);
    if (rc == RS_ENOTFOUND) {
        snprintf(part, RS_XLSX_PART_MAX, "xl/workbook.xml");
        rc = RS_OK;
        goto out;
    }
    if (rc)
        goto out;
    doc = rels_by_type(&r, "/officeDocument");
    if (!doc) {
        say(err, errlen, "_rels/.rels：没有指明工作簿文档");
        rc = RS_EINVAL;
        goto out;
    }
    rc = rs_xlsx_part_resolve("", doc->target, part);
    if (rc)
        say(err, errlen, "_rels/.rels：目标“%.200s”无效", doc->target);
out:
    rels_free(&r);
    return rc;
}

static rs_status read_book(struct rs_xlsx *x, char *err, size_t errlen)
{
    char wbpart[RS_XLSX_PART_MAX], relpart[RS_XLSX_PART_MAX], part[RS_XLSX_PART_MAX];
    struct wb w = {.x = x};
    struct rs_xml xm = {.start = wb_start, .end = wb_end, .ud = &w};
    struct rels r = {0};
    const struct rel *e;
    rs_status rc;

    rc = find_workbook(x, wbpart, err, errlen);
    if (rc)
        return rc;
    if (!rs_xlsx_zip_has(x, wbpart)) {
        say(err, errlen, "不是 xlsx 工作簿：缺少部件 %.300s", wbpart);
        return RS_EINVAL;
    }
    w.v = calloc(x->lim.max_sheets + 1, sizeof(*w.v));
    x->sheets = calloc(x->lim.max_sheets + 1, sizeof(*x->sheets));
    if (!w.v || !x->sheets) {
        rc = RS_ENOMEM;
        goto out;
    }
    rc = rs_xml_parse(x, wbpart, &xm, err, errlen);
    if (rc)
        goto out;
    rc = rs_xlsx_rels_name(wbpart, relpart);
    if (rc == RS_OK)
        rc = rels_read(x, relpart, &r, err, errlen);
    if (rc) {
        if (rc == RS_ENOTFOUND)
            rc = RS_EINVAL;
        goto out;
    }
    for (size_t i = 0; i < w.n; i++) {
        struct rs_xlsx_ws *ws;

        e = rels_by_id(&r, w.v[i].rid);
        if (!e) {
            say(err, errlen, "%s：工作表“%.100s”缺少关系 %.50s", wbpart,
                     w.v[i].name, w.v[i].rid);
            rc = RS_EINVAL;
            goto out;
        }
        if (!ends_with(e->type, "/worksheet"))
            continue;    /* a chart sheet or dialog sheet: no cells */
        if (rs_xlsx_part_resolve(wbpart, e->target, part) != RS_OK) {
            say(err, errlen, "%s：工作表“%.100s”的目标“%.100s”无效", relpart,
                     w.v[i].name, e->target);
            rc = RS_EINVAL;
            goto out;
        }
        ws = &x->sheets[x->nsheets++];
        ws->name = w.v[i].name;
        ws->hidden = w.v[i].hidden;
        w.v[i].name = NULL;
        ws->part = dup_str(part);
        if (!ws->part) {
            rc = RS_ENOMEM;
            goto out;
        }
    }
    e = rels_by_type(&r, "/styles");
    if (e && rs_xlsx_part_resolve(wbpart, e->target, part) == RS_OK) {
        rc = styles_read(x, part, err, errlen);
        if (rc && rc != RS_ENOTFOUND)
            goto out;
    }
    e = rels_by_type(&r, "/sharedStrings");
    if (e && rs_xlsx_part_resolve(wbpart, e->target, part) == RS_OK) {
        rc = sst_read(x, part, err, errlen);
        if (rc && rc != RS_ENOTFOUND)
            goto out;
    }
    rc = RS_OK;
out:
    for (size_t i = 0; w.v && i < w.n; i++) {
        free(w.v[i].name);
        free(w.v[i].rid);
    }
    free(w.v);
    rels_free(&r);
    return rc;
}

rs_status rs_xlsx_open(const void *data, size_t n, const struct rs_xlsx_limits *lim,
                       struct rs_xlsx **out, char *err, size_t errlen)
{
    struct rs_xlsx *x = calloc(1, sizeof(*x));
    rs_status rc;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!x)
        return RS_ENOMEM;
    if (lim)
        x->lim = *lim;
    else
        rs_xlsx_limits_default(&x->lim);
    rc = rs_xlsx_zip_open(x, data, n, err, errlen);
    if (rc == RS_OK)
        rc = read_book(x, err, errlen);
    if (rc) {
        if (rc == RS_ENOMEM)
            say(err, errlen, "内存不足");
        rs_xlsx_close(x);
        return rc;
    }
    *out = x;
    return RS_OK;
}

void rs_xlsx_close(struct rs_xlsx *x)
{
    if (!x)
        return;
    rs_xlsx_zip_close(x);
    for (size_t i = 0; i < x->nsheets; i++) {
        free(x->sheets[i].name);
        free(x->sheets[i].part);
    }
    free(x->sheets);
    free(x->sst);
    free(x->sst_off);
    free(x->xf);
    free(x);
}

size_t rs_xlsx_nsheets(const struct rs_xlsx *x)
{
    return x->nsheets;
}

const char *rs_xlsx_sheet_name(const struct rs_xlsx *x, size_t i)
{
    return i < x->nsheets ? x->sheets[i].name : NULL;
}

bool rs_xlsx_sheet_hidden(const struct rs_xlsx *x, size_t i)
{
    return i < x->nsheets && x->sheets[i].hidden;
}

long rs_xlsx_sheet_find(const struct rs_xlsx *x, const char *name)
{
    for (size_t i = 0; i < x->nsheets; i++)
        if (strcmp(x->sheets[i].name, name) == 0)
            return (long)i;
    return -1;
}

bool rs_xlsx_date1904(const struct rs_xlsx *x)
{
    return x->date1904;
}

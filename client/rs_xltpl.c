/*
 * rs_xltpl.c - the Excel template of a record type (rs_xltpl.h), written
 * with libxlsxwriter, and the two things the submit path needs to know
 * about a template that comes back: its hidden sheet and its hint row.
 *
 * libxlsxwriter (Debian's libxlsxwriter-dev) rather than XML of our own:
 * data validation, frozen panes, number formats, shared strings and the
 * package's content types and relationships are its well-tested daily work,
 * and a template is written once per request, so its temporary files cost
 * nothing that matters.  The columns, their Chinese names, units, kinds and
 * enum names all come from the record-type table (rs_rtype.h); the hint
 * texts below are this file's own, one per kind.
 *
 * Does not: read cells (rs_xlsx.h), map rows to records (rs_rowmap.h), or
 * decide defaults (the submit path and the row mapper do).
 */
#include "rs_xltpl.h"

#include <protobuf-c/protobuf-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "rs_util.h"

#define MAX_TCOLS 64          /* columns of a template (no type has as many) */
#define HINT_MAX 160
#define HEADER_MAX 64         /* as the row mapper's */

/* One column of a template. */
struct tcol {
    const struct rs_field *f;
    const ProtobufCFieldDescriptor *fd;
};

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

/*
 * The columns of def's template: its fields (the CSV-only identifier
 * columns left out: a template carries household_ref), then the envelope
 * columns a clerk may fill (the record id and supersedes are the client's).
 */
static size_t template_columns(const struct rs_rtype_def *def, struct tcol out[MAX_TCOLS])
{
    const struct rs_field *env;
    size_t n = 0, nenv;

    for (size_t i = 0; i < def->nfields && n < MAX_TCOLS; i++) {
        const struct rs_field *f = &def->fields[i];

        if (f->flags & RS_FF_CSV_ONLY)
            continue;
        out[n].f = f;
        out[n].fd = protobuf_c_message_descriptor_get_field_by_name(def->desc, f->name);
        n++;
    }
    env = rs_rtype_envelope(&nenv);
    for (size_t i = 0; i < nenv && n < MAX_TCOLS; i++) {
        if (env[i].flags & RS_FF_UUID)
            continue;
        out[n].f = &env[i];
        out[n].fd = protobuf_c_message_descriptor_get_field_by_name(&rs__record__descriptor,
                                                                     env[i].name);
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------- headers and hints */

static const char *unit_of(const struct rs_field *f, bool wan)
{
    if (f->kind == RS_FK_MONEY)
        return f->unit ? f->unit : wan ? "万元" : "元";
    if (f->kind == RS_FK_PERCENT && !f->unit)
        return "%";
    /* A unit that names another column (`scale_unit`) is for docs/csv.md only. */
    if (f->unit && !strchr(f->unit, '`'))
        return f->unit;
    return NULL;
}

void rs_xltpl_header(const struct rs_field *f, bool wan, char *out, size_t outlen)
{
    const char *name = f->aliases && f->aliases[0] ? f->aliases : f->column;
    size_t n = strcspn(name, "|");
    const char *unit = unit_of(f, wan);
    int len;

    if (unit)
        len = snprintf(out, outlen, "%.*s（%s）", (int)n, name, unit);
    else
        len = snprintf(out, outlen, "%.*s", (int)n, name);
    if (len < 0 || (size_t)len >= outlen)
        out[0] = '\0';
}

static const char *kind_hint(const struct rs_field *f, bool wan)
{
    bool positive = f->flags & RS_FF_POSITIVE;

    if (strcmp(f->name, "division_code") == 0)
        return "区划代码：乡镇9位或12位数字，区县6位";
    switch (f->kind) {
    case RS_FK_STRING:
        return "文字，写在一行内";
    case RS_FK_TEXT:
        return "文字，可以换行";
    case RS_FK_CODE:
        return "代码：小写字母、数字和 _ . -";
    case RS_FK_ENUM:
        return "从下拉列表中选择";
    case RS_FK_DATE:
        return "日期，如 2023-04-15";
    case RS_FK_MONEY:
        if (f->unit || !wan)
            return positive ? "金额，大于0，最多2位小数" : "金额，最多2位小数";
        return positive ? "金额，大于0，最多6位小数" : "金额，最多6位小数";
    case RS_FK_COUNT:
        return positive ? "整数，至少为1" : "整数";
    case RS_FK_PERCENT:
        return "0到100的整数，可带%";
    case RS_FK_MONTHS:
        return "1到12的整数";
    case RS_FK_YEAR:
        return "年份，如 2023";
    case RS_FK_QUANTITY:
        return "数字，最多3位小数";
    case RS_FK_SCORE:
        return "分数，最多3位小数";
    case RS_FK_BOOL:
        return "是 或 否";
    }
    return "";
}

/* The hint row's text for column f. */
static void hint_of(const struct rs_field *f, bool wan, char out[HINT_MAX])
{
    const char *need;

    if (f->flags & RS_FF_DEFAULTABLE)
        need = "可不填（默认取提交时的设置）";
    else if (f->flags & RS_FF_CLIENT_FILLS)
        need = "可不填（默认全年）";
    else if (f->flags & RS_FF_REQUIRED)
        need = "必填";
    else
        need = "选填";
    snprintf(out, HINT_MAX, "%s；%s", need, kind_hint(f, wan));
}

bool rs_xltpl_is_hint_row(rs_rtype type, char *const *cells, size_t n)
{
    const struct rs_rtype_def *def = rs_rtype_find(type);
    struct tcol cols[MAX_TCOLS];
    size_t ncols, filled = 0;

    if (!def)
        return false;
    ncols = template_columns(def, cols);
    for (size_t i = 0; i < n; i++) {
        bool match = false;

        if (!cells[i][0])
            continue;
        filled++;
        for (size_t c = 0; c < ncols && !match; c++) {
            for (int wan = 0; wan < 2 && !match; wan++) {
                char hint[HINT_MAX];

                hint_of(cols[c].f, wan != 0, hint);
                match = strcmp(hint, cells[i]) == 0;
            }
        }
        if (!match)
            return false;
    }
    return filled > 0;
}

/* ---------------------------------------------------------------- lists */

/* The text a drop-down offers for value v: its display name if a cell may say it. */
static const char *enum_choice(const ProtobufCEnumDescriptor *ed, int v, char *buf, size_t n)
{
    const char *display = rs_enum_display(ed, v), *aliases;
    int back;
    size_t len;

    if (display[0] && rs_enum_parse(ed, display, strlen(display), &back) && back == v)
        return display;
    aliases = rs_enum_aliases(ed, v);
    len = strcspn(aliases, "|");
    if (len == 0 || len >= n)
        return NULL;
    memcpy(buf, aliases, len);
    buf[len] = '\0';
    return buf;
}

/* Display width in Excel's character units: CJK counts two. */
static size_t text_width(const char *s)
{
    size_t w = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        w += *p >= 0xE2 ? 2 : 1;
    }
    return w;
}

/* ---------------------------------------------------------------- writing */

struct writer {
    lxw_workbook *wb;
    lxw_worksheet *ws, *meta;
    lxw_format *header, *hint, *text, *date, *yuan, *wan, *whole, *wrap;
    lxw_error first;
};

static void check(struct writer *w, lxw_error e)
{
    if (e && !w->first)
        w->first = e;
}

/*
 * A drop-down list of vals[0..n) on column col.  The values are written
 * into the validation itself: Excel's limit for such a list is 255
 * characters with the commas, checked here in bytes (libxlsxwriter 1.1.4
 * overruns a buffer past 255 bytes, and leaks the formula of a list that
 * refers to a range of cells instead).  RS_ETOOBIG if the list is longer;
 * *width grows to fit the longest value.
 */
static rs_status validate_list(struct writer *w, lxw_col_t col, const char *const *vals,
                               size_t n, const char *title, size_t *width)
{
    lxw_data_validation dv;
    char *list[RS_XLTPL_LIST_MAX + 1];
    size_t bytes = 0;

    if (n > RS_XLTPL_LIST_MAX)
        return RS_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        size_t tw = text_width(vals[i]);

        bytes += strlen(vals[i]) + (i ? 1 : 0);
        if (tw > *width)
            *width = tw;
        list[i] = (char *)vals[i];
    }
    if (bytes > RS_XLTPL_LIST_BYTES)
        return RS_ETOOBIG;
    list[n] = NULL;
    memset(&dv, 0, sizeof(dv));
    dv.validate = LXW_VALIDATION_TYPE_LIST;
    dv.value_list = list;
    dv.error_title = (char *)title;
    dv.error_message = "请从下拉列表中选择。";
    check(w, worksheet_data_validation_range(w->ws, 2, col, RS_XLTPL_DATA_ROWS + 1, col, &dv));
    return RS_OK;
}

static void validate_number(struct writer *w, lxw_col_t col, uint8_t type, double lo, double hi,
                            const char *message)
{
    lxw_data_validation dv;

    memset(&dv, 0, sizeof(dv));
    dv.validate = type;
    if (hi > lo) {
        dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        dv.minimum_number = lo;
        dv.maximum_number = hi;
    } else {
        dv.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO;
        dv.value_number = lo;
    }
    dv.error_title = "数值不对";
    dv.error_message = (char *)message;
    check(w, worksheet_data_validation_range(w->ws, 2, col, RS_XLTPL_DATA_ROWS + 1, col, &dv));
}

static void validate_date(struct writer *w, lxw_col_t col)
{
    lxw_data_validation dv;
    lxw_datetime lo = {1900, 1, 1, 0, 0, 0}, hi = {2100, 12, 31, 0, 0, 0};

    memset(&dv, 0, sizeof(dv));
    dv.validate = LXW_VALIDATION_TYPE_DATE;
    dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
    dv.minimum_datetime = lo;
    dv.maximum_datetime = hi;
    dv.error_title = "日期不对";
    dv.error_message = "请输入日期，如 2023-04-15。";
    check(w, worksheet_data_validation_range(w->ws, 2, col, RS_XLTPL_DATA_ROWS + 1, col, &dv));
}

/*
 * The number format and validation of one data column; *width grows to
 * fit its list.  RS_ETOOBIG (err names the column) for a list over
 * Excel's limit.
 */
static rs_status column_setup(struct writer *w, const struct tcol *tc, lxw_col_t col,
                              const struct rs_xltpl_opts *o, const char *title, size_t *width,
                              lxw_format **fmt, char *err, size_t errlen)
{
    const struct rs_field *f = tc->f;
    rs_status rc = RS_OK;

    *fmt = NULL;
    if (strcmp(f->name, "division_code") == 0) {
        *fmt = w->text;
        if (o->ndivisions)
            rc = validate_list(w, col, o->divisions, o->ndivisions, "区划代码", width);
        if (rc)
            say(err, errlen, "乡镇代码太多，放不进下拉列表（连同逗号最多%u字节，约25个代码）", RS_XLTPL_LIST_BYTES);
        return rc;
    }
    switch (f->kind) {
    case RS_FK_ENUM: {
        const ProtobufCEnumDescriptor *ed = tc->fd ? tc->fd->descriptor : NULL;
        const char *vals[RS_XLTPL_LIST_MAX];
        char bufs[RS_XLTPL_LIST_MAX][64];
        size_t n = 0;

        for (unsigned i = 0; ed && i < ed->n_values && n < RS_XLTPL_LIST_MAX; i++) {
            const char *c;

            if (ed->values[i].value == 0)
                continue;
            c = enum_choice(ed, ed->values[i].value, bufs[n], sizeof(bufs[n]));
            if (c)
                vals[n++] = c;
        }
        *fmt = w->text;
        if (n)
            rc = validate_list(w, col, vals, n, title, width);
        if (rc)
            say(err, errlen, "列“%s”：可选值太多，放不进下拉列表", title);
        return rc;
    }
    case RS_FK_BOOL: {
        static const char *const yes_no[] = {"是", "否"};

        *fmt = w->text;
        return validate_list(w, col, yes_no, 2, title, width);
    }
    case RS_FK_DATE:
        validate_date(w, col);
        *fmt = w->date;
        return RS_OK;
    case RS_FK_MONEY:
        validate_number(w, col, LXW_VALIDATION_TYPE_DECIMAL, 0, 0, "金额不能为负数。");
        *fmt = o->money_wan && !f->unit ? w->wan : w->yuan;
        return RS_OK;
    case RS_FK_COUNT:
        validate_number(w, col, LXW_VALIDATION_TYPE_INTEGER, 0, 0, "请输入不小于0的整数。");
        *fmt = w->whole;
        return RS_OK;
    case RS_FK_MONTHS:
        validate_number(w, col, LXW_VALIDATION_TYPE_INTEGER, 1, 12, "请输入1到12的整数。");
        *fmt = w->whole;
        return RS_OK;
    case RS_FK_YEAR:
        validate_number(w, col, LXW_VALIDATION_TYPE_INTEGER, 2000, 2100,
                        "请输入2000到2100之间的年份。");
        *fmt = w->whole;
        return RS_OK;
    case RS_FK_STRING:
    case RS_FK_CODE:
        *fmt = w->text;
        return RS_OK;
    case RS_FK_TEXT:
        *fmt = w->wrap;
        return RS_OK;
    case RS_FK_PERCENT:
    case RS_FK_QUANTITY:
    case RS_FK_SCORE:
        return RS_OK;
    }
    return RS_OK;
}

static void make_formats(struct writer *w)
{
    w->header = workbook_add_format(w->wb);
    format_set_bold(w->header);
    format_set_text_wrap(w->header);
    format_set_align(w->header, LXW_ALIGN_CENTER);
    format_set_align(w->header, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(w->header, 0xDDEBF7);
    format_set_border(w->header, LXW_BORDER_THIN);
    w->hint = workbook_add_format(w->wb);
    format_set_italic(w->hint);
    format_set_font_color(w->hint, 0x595959);
    format_set_font_size(w->hint, 9);
    format_set_text_wrap(w->hint);
    format_set_align(w->hint, LXW_ALIGN_VERTICAL_TOP);
    format_set_bg_color(w->hint, 0xF2F2F2);
    format_set_border(w->hint, LXW_BORDER_THIN);
    w->text = workbook_add_format(w->wb);
    format_set_num_format(w->text, "@");
    w->wrap = workbook_add_format(w->wb);
    format_set_num_format(w->wrap, "@");
    format_set_text_wrap(w->wrap);
    w->date = workbook_add_format(w->wb);
    format_set_num_format(w->date, "yyyy-mm-dd");
    w->yuan = workbook_add_format(w->wb);
    format_set_num_format(w->yuan, "#,##0.00");
    w->wan = workbook_add_format(w->wb);
    format_set_num_format(w->wan, "#,##0.00####");
    w->whole = workbook_add_format(w->wb);
    format_set_num_format(w->whole, "0");
}

static void write_meta(struct writer *w, const struct rs_rtype_def *def,
                       const struct rs_xltpl_opts *o)
{
    char version[16];

    snprintf(version, sizeof(version), "%d", RS_XLTPL_VERSION);
    check(w, worksheet_write_string(w->meta, 0, 0, "template", NULL));
    check(w, worksheet_write_string(w->meta, 0, 1, "resettle", NULL));
    check(w, worksheet_write_string(w->meta, 1, 0, "version", NULL));
    check(w, worksheet_write_string(w->meta, 1, 1, version, NULL));
    check(w, worksheet_write_string(w->meta, 2, 0, "type", NULL));
    check(w, worksheet_write_string(w->meta, 2, 1, def->name, NULL));
    check(w, worksheet_write_string(w->meta, 3, 0, "sheet", NULL));
    check(w, worksheet_write_string(w->meta, 3, 1, def->label, NULL));
    check(w, worksheet_write_string(w->meta, 4, 0, "money", NULL));
    check(w, worksheet_write_string(w->meta, 4, 1, o->money_wan ? "万元" : "元", NULL));
    check(w, worksheet_write_string(w->meta, 6, 0,
                                    "此工作表由 resettle 生成，记录模板的类型和版本，请勿修改。",
                                    NULL));
}

rs_status rs_xltpl_write(const char *path, const struct rs_xltpl_opts *o, char *err,
                         size_t errlen)
{
    const struct rs_rtype_def *def = rs_rtype_find(o->type);
    struct tcol cols[MAX_TCOLS];
    struct writer w = {0};
    rs_status rc = RS_OK;
    size_t ncols;
    lxw_error e;

    if (!def) {
        say(err, errlen, "未知的记录类型");
        return RS_EINVAL;
    }
    if (o->ndivisions > RS_XLTPL_LIST_MAX) {
        say(err, errlen, "乡镇代码超过%u个", RS_XLTPL_LIST_MAX);
        return RS_ETOOBIG;
    }
    for (size_t i = 0; i < o->ndivisions; i++) {
        if (!rs_division_code_valid(o->divisions[i])) {
            say(err, errlen, "“%.40s”不是区划代码（应为6位、9位或12位数字）",
                o->divisions[i]);
            return RS_EINVAL;
        }
    }
    w.wb = workbook_new(path);
    if (!w.wb) {
        say(err, errlen, "%s：无法创建工作簿", path);
        return RS_EIO;
    }
    w.ws = workbook_add_worksheet(w.wb, def->label);
    w.meta = workbook_add_worksheet(w.wb, RS_XLTPL_META_SHEET);
    if (!w.ws || !w.meta) {
        workbook_close(w.wb);
        say(err, errlen, "%s：无法添加工作表", path);
        return RS_EIO;
    }
    make_formats(&w);
    write_meta(&w, def, o);
    ncols = template_columns(def, cols);
    for (size_t i = 0; i < ncols; i++) {
        char header[HEADER_MAX], hint[HINT_MAX];
        lxw_col_t col = (lxw_col_t)i;
        size_t width, hw;
        lxw_format *fmt;

        rs_xltpl_header(cols[i].f, o->money_wan, header, sizeof(header));
        hint_of(cols[i].f, o->money_wan, hint);
        check(&w, worksheet_write_string(w.ws, 0, col, header, w.header));
        check(&w, worksheet_write_string(w.ws, 1, col, hint, w.hint));
        width = text_width(header);
        rc = column_setup(&w, &cols[i], col, o, header, &width, &fmt, err, errlen);
        if (rc)
            break;
        /* The hint wraps onto three lines at most. */
        hw = (text_width(hint) * 9 / 11 + 2) / 3;
        if (hw > width)
            width = hw;
        width = width < 8 ? 10 : width + 2;
        if (width > 40)
            width = 40;
        check(&w, worksheet_set_column(w.ws, col, col, (double)width, fmt));
    }
    check(&w, worksheet_set_row(w.ws, 0, 32, NULL));
    check(&w, worksheet_set_row(w.ws, 1, 40, NULL));
    worksheet_freeze_panes(w.ws, 2, 0);
    worksheet_activate(w.ws);
    worksheet_hide(w.meta);
    e = workbook_close(w.wb);
    if (rc) {
        remove(path);
        return rc;
    }
    if (w.first || e) {
        say(err, errlen, "%s：无法写入工作簿（%s）", path, lxw_strerror(w.first ? w.first : e));
        return RS_EIO;
    }
    return RS_OK;
}

/* ---------------------------------------------------------------- reading back */

rs_status rs_xltpl_meta_read(struct rs_xlsx *x, struct rs_xltpl_meta *m, char *err,
                             size_t errlen)
{
    long idx = rs_xlsx_sheet_find(x, RS_XLTPL_META_SHEET);
    struct rs_xlsx_sheet *s = NULL;
    struct rs_xlsx_row row;
    char type[64] = "";
    bool first = true;
    rs_status rc;

    memset(m, 0, sizeof(*m));
    if (idx < 0)
        return RS_OK;
    rc = rs_xlsx_sheet_open(x, (size_t)idx, &s, err, errlen);
    if (rc)
        return rc;
    while (rs_xlsx_sheet_next(s, &row) == RS_OK) {
        const char *key = row.ncells > 0 ? row.cells[0] : "";
        const char *val = row.ncells > 1 ? row.cells[1] : "";

        if (first) {
            first = false;
            if (strcmp(key, "template") != 0 || strcmp(val, "resettle") != 0)
                goto out;    /* a sheet of the clerk's own that happens to have the name */
            m->found = true;
            continue;
        }
        if (strcmp(key, "version") == 0 && rs_u32_parse(val, &m->version) != RS_OK)
            m->version = 0;
        else if (strcmp(key, "type") == 0)
            snprintf(type, sizeof(type), "%s", val);
        else if (strcmp(key, "sheet") == 0)
            snprintf(m->sheet, sizeof(m->sheet), "%s", val);
    }
    if (!m->found)
        goto out;
    rc = RS_EINVAL;
    if (m->version == 0) {
        say(err, errlen, "工作表 %s：resettle 模板缺少版本号", RS_XLTPL_META_SHEET);
        goto out;
    }
    if (m->version > RS_XLTPL_VERSION) {
        say(err, errlen, "模板版本为%u，本程序只能读取版本%d（请更新 resettle）",
            m->version, RS_XLTPL_VERSION);
        goto out;
    }
    m->type = rs_rtype_parse(type);
    if (m->type == RS__RECORD__BODY__NOT_SET || !rs_rtype_find(m->type)) {
        say(err, errlen, "模板的记录类型“%.40s”未知", type);
        goto out;
    }
    rc = RS_OK;
out:
    if (rc)
        m->found = false;
    rs_xlsx_sheet_close(s);
    return rc;
}

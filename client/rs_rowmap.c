/*
 * rs_rowmap.c - turns CSV header and rows into rs.Record messages, driven by
 * the record-type table (rs_rtype.h).
 *
 * Each header cell is bound to a row of the table: the envelope's rows or
 * the type's, by English column name (any letter case), by a Chinese alias
 * exactly, or as "<money column>_wan" / "_yuan" for 万元 / 元, optionally
 * with a unit in parentheses.  A money column whose unit neither its name
 * nor the caller's default (rs_row_defaults.money_unit) gives is bound
 * without a unit: its first non-empty cell fails with both readings of the
 * value, and the whole file must then be given up (rs_rowmap_fatal), since
 * every row of it would be read in the same unknown unit.  The row's kind says how the cell is read (string, text,
 * whole number, money, thousandths, date, bool, enum); where the value goes
 * (offset, has_ flag, enum descriptor) is looked up in the protobuf-c
 * descriptors when the header is read, so there is no setter per field and
 * no second list of columns.  Enum cells are read through the table's enum
 * names (rs_enum_parse).  The type is found from the header by the entries'
 * detection columns, in table order.  The column convention itself is
 * docs/csv.md, generated from the same table.
 *
 * Personal identifiers (the table's CSV-only RS_FF_ID_CARD and
 * RS_FF_HEAD_NAME columns) are never copied into a record: the row's
 * household_ref becomes their keyed hash (rs_keyed.c), and a header with
 * such a column is refused when no district key was given.
 *
 * Does not: decode CSV text (rs_csv.c), read files, give records their id
 * (the outbox does), hash identifiers itself, or decide what a valid record
 * is: it calls rs_validate_record and only translates the failing field
 * back to the column as the clerk wrote it.
 */
#include "rs_rowmap.h"

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_rtype.h"
#include "rs_util.h"
#include "rs_validate.h"

/* A header cell longer than this cannot be any column; it also fits
 * rs_verdict.field, where the column name is reported. */
#define HEADER_MAX 64
_Static_assert(HEADER_MAX <= sizeof(((struct rs_verdict *)0)->field),
               "a header cell must fit rs_verdict.field");
/* No type has as many columns, and duplicates are refused. */
#define MAX_COLS 64
/* Bytes of a cell's English reason: rs_verdict.reason. */
#define CELL_REASON_MAX sizeof(((struct rs_verdict *)0)->reason)
/* Longest numeric cell we try to parse; longer ones are not numbers. */
#define NUM_MAX 48

/* What a clerk reads when memory runs out. */
#define ZH_NOMEM "内存不足"

#define UNIT_YUAN 100
#define UNIT_WAN 1000000

/* How a cell is read, from its row's kind (col_kind). */
enum col_kind {
    C_STRING,   /* one line, trimmed */
    C_TEXT,     /* may hold line breaks */
    C_U32,      /* whole number; "1,234" allowed; a percent may end in % */
    C_MONEY,    /* 元 or 万元 in the file, int64 fen in the proto */
    C_MILLI,    /* decimal with up to 3 decimals, int64 thousandths */
    C_DATE,     /* uint32 YYYYMMDD */
    C_BOOL,
    C_ENUM
};

static enum col_kind col_kind(enum rs_fkind k)
{
    switch (k) {
    case RS_FK_STRING:
    case RS_FK_CODE:
        return C_STRING;
    case RS_FK_TEXT:
        return C_TEXT;
    case RS_FK_ENUM:
        return C_ENUM;
    case RS_FK_DATE:
        return C_DATE;
    case RS_FK_MONEY:
        return C_MONEY;
    case RS_FK_COUNT:
    case RS_FK_PERCENT:
    case RS_FK_MONTHS:
    case RS_FK_YEAR:
        return C_U32;
    case RS_FK_QUANTITY:
    case RS_FK_SCORE:
        return C_MILLI;
    case RS_FK_BOOL:
        return C_BOOL;
    }
    return C_STRING;
}

/* ---------------------------------------------------------------- the map */

struct bound_col {
    const struct rs_field *def;
    const ProtobufCFieldDescriptor *fd;
    enum col_kind ck;
    bool on_record;         /* an envelope column (field of rs.Record) */
    bool required;          /* an empty cell is an error */
    int64_t unit_fen;       /* C_MONEY: UNIT_YUAN or UNIT_WAN; 0: not known */
    char header[HEADER_MAX];    /* the header cell as written, trimmed */
};

struct rs_rowmap {
    const struct rs_rtype_def *type;
    const ProtobufCFieldDescriptor *body_fd;   /* the oneof member in rs.Record */
    struct rs_row_defaults defaults;
    bool has_key;
    bool fatal;                                /* a row failed for the whole file */
    size_t nmore;                              /* the last row's other bad cells */
    struct rs_verdict more[RS_ROWMAP_MORE_MAX];
    uint8_t key[RS_DISTRICT_KEY_LEN];          /* the district key, for identifier columns */
    size_t ncols;
    struct bound_col cols[];
};

/* A placeholder id so rs_validate_record can check a record that has none yet. */
static char placeholder_id[] = "00000000-0000-4000-8000-000000000000";

/* ---------------------------------------------------------------- text helpers */

/* Trims s[0..*n) in place of the pointer: returns the start, updates *n. */
static const char *trim(const char *s, size_t *n)
{
    size_t k;

    while ((k = rs_blank_len(s, *n)) != 0) {
        s += k;
        *n -= k;
    }
    while ((k = rs_blank_len_back(s, *n)) != 0)
        *n -= k;
    return s;
}

static const char *trim_cell(const char *cell, size_t *n)
{
    if (!cell) {
        *n = 0;
        return "";
    }
    *n = strlen(cell);
    return trim(cell, n);
}

/* True if s[0..n) equals the NUL-terminated word, ASCII letters in any case. */
static bool ascii_ieq(const char *s, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char a = s[i], b = word[i];
        if (b == '\0')
            return false;
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return word[n] == '\0';
}

/* True if s[0..n) is one of the '|'-separated entries of list, byte for byte. */
static bool in_list(const char *list, const char *s, size_t n)
{
    const char *p = list;

    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && memcmp(p, s, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

static bool starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static bool contains(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;

    for (i = 0; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0)
            return true;
    return false;
}

/* Appends s to buf[0..cap) at *len if it fits whole; else appends "..." once. */
static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t k = strlen(s);

    if (*len >= cap)
        return;
    if (*len + k + 4 < cap) {
        memcpy(buf + *len, s, k);
        *len += k;
        buf[*len] = '\0';
        return;
    }
    if (*len + 4 <= cap)
        memcpy(buf + *len, "...", 4);
    *len = cap;   /* full: nothing more is appended */
}

/* ---------------------------------------------------------------- header */

/* Unit named by a money column's suffix or parentheses. */
enum named_unit { NAMED_NONE, NAMED_YUAN, NAMED_WAN };

/*
 * Finds the column named s[0..n) in t (or the envelope): English names in
 * any case, "<money>_wan" for 万元 and "<money>_yuan" for 元, or a Chinese
 * alias exactly.
 */
static const struct rs_field *find_col(const struct rs_rtype_def *t, const char *s, size_t n,
                                       bool *on_record, enum named_unit *named)
{
    const struct rs_field *tables[2];
    size_t counts[2], i, j;

    tables[0] = rs_rtype_envelope(&counts[0]);
    tables[1] = t->fields;
    counts[1] = t->nfields;
    for (i = 0; i < 2; i++) {
        for (j = 0; j < counts[i]; j++) {
            const struct rs_field *c = &tables[i][j];
            size_t k = strlen(c->column);
            *on_record = i == 0;
            *named = NAMED_NONE;
            if (ascii_ieq(s, n, c->column) || in_list(c->aliases, s, n))
                return c;
            if (c->kind == RS_FK_MONEY && n == k + 4 && ascii_ieq(s + k, 4, "_wan") &&
                ascii_ieq(s, k, c->column)) {
                *named = NAMED_WAN;
                return c;
            }
            if (c->kind == RS_FK_MONEY && n == k + 5 && ascii_ieq(s + k, 5, "_yuan") &&
                ascii_ieq(s, k, c->column)) {
                *named = NAMED_YUAN;
                return c;
            }
        }
    }
    return NULL;
}

/* How a header cell resolved. */
struct resolved {
    const struct rs_field *def;
    bool on_record;
    enum named_unit named;  /* named as 万元 (_wan) or 元 (_yuan) */
    const char *unit;       /* text inside a trailing (...), or NULL */
    size_t unit_len;
};

/*
 * Resolves a trimmed header cell: first as a whole (aliases like "村(社区)"
 * contain parentheses), then as "<name>(<unit>)" with ASCII or full-width
 * parentheses.
 */
static bool resolve(const struct rs_rtype_def *t, const char *s, size_t n, struct resolved *r)
{
    size_t open_len = 0, close_len = 0, i, base_n, unit_n;
    const char *unit;

    memset(r, 0, sizeof *r);
    r->def = find_col(t, s, n, &r->on_record, &r->named);
    if (r->def)
        return true;
    if (n >= 1 && s[n - 1] == ')')
        close_len = 1;
    else if (n >= 3 && memcmp(s + n - 3, "）", 3) == 0)
        close_len = 3;
    if (!close_len)
        return false;
    for (i = n - close_len; i > 0; i--) {
        if (s[i - 1] == '(') {
            open_len = 1;
            i -= 1;
            break;
        }
        if (i >= 3 && memcmp(s + i - 3, "（", 3) == 0) {
            open_len = 3;
            i -= 3;
            break;
        }
    }
    if (!open_len)
        return false;
    base_n = i;
    unit = s + i + open_len;
    unit_n = n - close_len - i - open_len;
    s = trim(s, &base_n);
    unit = trim(unit, &unit_n);
    if (base_n == 0)
        return false;
    r->def = find_col(t, s, base_n, &r->on_record, &r->named);
    if (!r->def)
        return false;
    r->unit = unit;
    r->unit_len = unit_n;
    return true;
}

/* 1 for 元, 2 for 万元 (either optionally followed by "/..."), 0 otherwise. */
static int money_unit(const char *u, size_t n)
{
    if (starts_with(u, n, "万元") && (n == 6 || u[6] == '/'))
        return 2;
    if (starts_with(u, n, "元") && (n == 3 || u[3] == '/'))
        return 1;
    return 0;
}

/* True if the header has a column that resolves, in type t, to column `name`. */
static bool header_has(const struct rs_rtype_def *t, char *const *header, size_t ncols,
                       const char *name)
{
    struct resolved r;
    size_t i, n;

    for (i = 0; i < ncols; i++) {
        const char *s = trim_cell(header[i], &n);
        if (n && resolve(t, s, n, &r) && !r.on_record &&
            (strcmp(r.def->column, name) == 0 ||
             ((r.def->flags & RS_FF_IDENT) && strcmp(r.def->name, name) == 0)))
            return true;
    }
    return false;
}

/* True if the header has a column `name` of any type. */
static bool header_has_any(char *const *header, size_t ncols, const char *name)
{
    const struct rs_rtype_def *t;
    size_t i;

    for (i = 0; (t = rs_rtype_at(i)) != NULL; i++)
        if (header_has(t, header, ncols, name))
            return true;
    return false;
}

static bool type_fits(const struct rs_rtype_def *t, char *const *header, size_t ncols)
{
    size_t i;

    for (i = 0; i < 2; i++) {
        if (t->has[i] && !header_has(t, header, ncols, t->has[i]))
            return false;
        if (t->lacks[i] && header_has_any(header, ncols, t->lacks[i]))
            return false;
    }
    return true;
}

/* The first alias of c, for messages: "项目编号" of "项目编号|编号". */
static int first_alias_len(const struct rs_field *c)
{
    const char *bar = strchr(c->aliases, '|');
    return (int)(bar ? (size_t)(bar - c->aliases) : strlen(c->aliases));
}

/* The row of t whose column is name (a detection column), or NULL. */
static const struct rs_field *detect_row(const struct rs_rtype_def *t, const char *name)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].column, name) == 0)
            return &t->fields[i];
    return NULL;
}

static const struct rs_rtype_def *detect(char *const *header, size_t ncols, char *err,
                                         size_t errlen)
{
    const struct rs_rtype_def *t;
    char looked[400] = "";
    const struct rs_field *c;
    size_t i, j, len = 0;

    for (i = 0; (t = rs_rtype_at(i)) != NULL; i++)
        if (type_fits(t, header, ncols))
            return t;
    for (i = 0; (t = rs_rtype_at(i)) != NULL; i++) {
        for (j = 0; j < 2 && t->has[j]; j++) {
            /* The detection columns by their Chinese names: 项目编号 for project_id. */
            char item[RS_FIELD_LABEL_MAX + 4];
            c = detect_row(t, t->has[j]);
            snprintf(item, sizeof item, "%s%.*s", j ? "+" : i ? "、" : "",
                     c ? first_alias_len(c) : (int)strlen(t->has[j]),
                     c ? c->aliases : t->has[j]);
            append(looked, sizeof looked, &len, item);
        }
    }
    snprintf(err, errlen, "无法从表头判断记录类型：各类型须有的列为%s", looked);
    return NULL;
}

/* True if the client has a default for envelope row c (RS_FF_DEFAULTABLE). */
static bool has_default(const struct rs_rowmap *m, const struct rs_field *c)
{
    if (strcmp(c->name, "division_code") == 0)
        return m->defaults.division_code != NULL;
    if (strcmp(c->name, "year") == 0)
        return m->defaults.year != 0;
    return false;
}

/* Binds header cell i (trimmed s[0..n)) to a column of type t. */
static rs_status bind_col(struct rs_rowmap *m, size_t i, const char *s, size_t n, char *err,
                          size_t errlen)
{
    struct bound_col *bc = &m->cols[i];
    const struct rs_rtype_def *t = m->type;
    char label[RS_FIELD_LABEL_MAX];
    struct resolved r;
    int unit;
    size_t j;

    if (n >= HEADER_MAX || !resolve(t, s, n, &r)) {
        size_t shown = n;
        /* Quote at most 60 bytes, cut at a character boundary. */
        if (shown > 60) {
            shown = 60;
            while (shown > 0 && ((unsigned char)s[shown] & 0xc0) == 0x80)
                shown--;
        }
        snprintf(err, errlen, "未知的列“%.*s%s”：%s记录没有这一列",
                 (int)shown, s, shown < n ? "..." : "", t->label);
        return RS_EINVAL;
    }
    memcpy(bc->header, s, n);
    bc->header[n] = '\0';
    bc->def = r.def;
    bc->ck = col_kind(r.def->kind);
    bc->on_record = r.on_record;
    bc->unit_fen = r.named == NAMED_WAN ? UNIT_WAN : r.named == NAMED_YUAN ? UNIT_YUAN : 0;
    if (r.unit) {
        unit = money_unit(r.unit, r.unit_len);
        if (r.def->kind == RS_FK_MONEY) {
            if (!unit) {
                snprintf(err, errlen, "列“%s”：单位须为元或万元", bc->header);
                return RS_EINVAL;
            }
            if ((r.named == NAMED_WAN && unit == 1) || (r.named == NAMED_YUAN && unit == 2)) {
                snprintf(err, errlen, "列“%s”：%s_%s 的单位是%s，括号里却是%s", bc->header,
                         r.def->column, r.named == NAMED_WAN ? "wan" : "yuan",
                         r.named == NAMED_WAN ? "万元" : "元", unit == 1 ? "元" : "万元");
                return RS_EINVAL;
            }
            bc->unit_fen = unit == 2 ? UNIT_WAN : UNIT_YUAN;
        } else if (unit) {
            snprintf(err, errlen, "列“%s”：%s不是金额，不能注明元或万元", bc->header,
                     rs_field_label(r.def, label));
            return RS_EINVAL;
        }
    }
    if (r.def->kind == RS_FK_MONEY && bc->unit_fen == 0)
        bc->unit_fen = m->defaults.money_unit == RS_MONEY_UNIT_WAN    ? UNIT_WAN
                       : m->defaults.money_unit == RS_MONEY_UNIT_YUAN ? UNIT_YUAN
                                                                      : 0;
    bc->fd = protobuf_c_message_descriptor_get_field_by_name(
        r.on_record ? &rs__record__descriptor : t->desc, r.def->name);
    if (!rs_fkind_fits(r.def->kind, bc->fd)) {
        snprintf(err, errlen, "内部错误：%s记录的列表与数据格式不一致（%s）", t->label,
                 r.def->name);
        return RS_EINTERNAL;
    }
    if ((r.def->flags & RS_FF_IDENT) && !m->has_key) {
        snprintf(err, errlen,
                 "列“%s”是个人身份信息，只能以加密摘要发送：请提供区县密钥"
                 "（--district-key 文件，或环境变量 RESETTLE_DISTRICT_KEY）",
                 bc->header);
        return RS_EINVAL;
    }
    bc->required = !r.on_record && (r.def->flags & RS_FF_REQUIRED);
    if (r.on_record && (r.def->flags & RS_FF_DEFAULTABLE))
        bc->required = !has_default(m, r.def);
    for (j = 0; j < i; j++) {
        if (m->cols[j].def == bc->def) {
            snprintf(err, errlen, "列“%s”重复（与“%s”是同一列）", bc->header,
                     m->cols[j].header);
            return RS_EINVAL;
        }
        if (!m->cols[j].on_record && !bc->on_record &&
            ((m->cols[j].def->flags & RS_FF_IDENT) != 0) !=
                ((bc->def->flags & RS_FF_IDENT) != 0) &&
            strcmp(m->cols[j].def->name, bc->def->name) == 0) {
            snprintf(err, errlen, "列“%s”和“%s”都填写%s：只保留其中一列",
                     m->cols[j].header, bc->header,
                     rs_field_label(rs_rtype_field(t, bc->def->name), label));
            return RS_EINVAL;
        }
    }
    return RS_OK;
}

/* True if an identifier column that stands in for c is bound. */
static bool ident_bound_for(const struct rs_rowmap *m, const struct rs_field *c)
{
    size_t i;

    for (i = 0; i < m->ncols; i++)
        if (!m->cols[i].on_record && (m->cols[i].def->flags & RS_FF_IDENT) &&
            strcmp(m->cols[i].def->name, c->name) == 0)
            return true;
    return false;
}

static bool is_bound(const struct rs_rowmap *m, const struct rs_field *c)
{
    size_t i;

    for (i = 0; i < m->ncols; i++)
        if (m->cols[i].def == c)
            return true;
    return false;
}

static rs_status check_required(const struct rs_rowmap *m, char *err, size_t errlen)
{
    const struct rs_field *c, *env;
    size_t i, nenv;

    for (i = 0; i < m->type->nfields; i++) {
        c = &m->type->fields[i];
        if ((c->flags & RS_FF_REQUIRED) && !is_bound(m, c) && !ident_bound_for(m, c)) {
            snprintf(err, errlen, "缺少必填列“%.*s”（%s）：%s记录须有这一列",
                     first_alias_len(c), c->aliases, c->column, m->type->label);
            return RS_EINVAL;
        }
    }
    env = rs_rtype_envelope(&nenv);
    for (i = 0; i < nenv; i++) {
        c = &env[i];
        if ((c->flags & RS_FF_DEFAULTABLE) && !has_default(m, c) && !is_bound(m, c)) {
            snprintf(err, errlen, "缺少必填列“%.*s”（%s），且没有给出默认值",
                     first_alias_len(c), c->aliases, c->column);
            return RS_EINVAL;
        }
    }
    return RS_OK;
}

rs_status rs_rowmap_open(char *const *header, size_t ncols, rs_rtype forced,
                         const struct rs_row_defaults *defaults, struct rs_rowmap **out,
                         char *err, size_t errlen)
{
    return rs_rowmap_open_keyed(header, ncols, forced, defaults, NULL, out, err, errlen);
}

rs_status rs_rowmap_open_keyed(char *const *header, size_t ncols, rs_rtype forced,
                               const struct rs_row_defaults *defaults,
                               const uint8_t *district_key, struct rs_rowmap **out, char *err,
                               size_t errlen)
{
    struct rs_rowmap *m = NULL;
    const struct rs_rtype_def *t;
    rs_status rv = RS_OK;
    size_t named = ncols, i, n;
    const char *s;

    *out = NULL;
    if (errlen)
        err[0] = '\0';
    /* Excel leaves empty cells after the last column; they name nothing. */
    while (named > 0) {
        trim_cell(header[named - 1], &n);
        if (n)
            break;
        named--;
    }
    if (named == 0) {
        snprintf(err, errlen, "表头行是空的");
        return RS_EINVAL;
    }
    if (named > MAX_COLS) {
        snprintf(err, errlen, "表头有%zu列，最多%d列", named, MAX_COLS);
        return RS_EINVAL;
    }
    for (i = 0; i < named; i++) {
        trim_cell(header[i], &n);
        if (!n) {
            snprintf(err, errlen, "表头第%zu列没有列名", i + 1);
            return RS_EINVAL;
        }
    }
    if (forced == RS__RECORD__BODY__NOT_SET) {
        t = detect(header, named, err, errlen);
        if (!t)
            return RS_ENOTFOUND;        /* a sheet of something else */
    } else if (!(t = rs_rtype_find(forced))) {
        snprintf(err, errlen, "未知的记录类型（%d）", (int)forced);
    }
    if (!t)
        return RS_EINVAL;

    m = calloc(1, sizeof *m + named * sizeof m->cols[0]);
    if (!m) {
        snprintf(err, errlen, "内存不足");
        return RS_ENOMEM;
    }
    m->type = t;
    if (defaults)
        m->defaults = *defaults;
    if (district_key) {
        memcpy(m->key, district_key, RS_DISTRICT_KEY_LEN);
        m->has_key = true;
    }
    if (m->defaults.period == RS__PERIOD__PERIOD_UNSPECIFIED)
        m->defaults.period = RS__PERIOD__PERIOD_YEAR;
    m->body_fd = protobuf_c_message_descriptor_get_field_by_name(&rs__record__descriptor,
                                                                 t->name);
    if (!m->body_fd || m->body_fd->type != PROTOBUF_C_TYPE_MESSAGE ||
        (rs_rtype)m->body_fd->id != t->type) {
        snprintf(err, errlen, "内部错误：记录格式中没有%s（%s）", t->label, t->name);
        rv = RS_EINTERNAL;
        goto out;
    }
    m->ncols = named;
    for (i = 0; i < named; i++) {
        s = trim_cell(header[i], &n);
        rv = bind_col(m, i, s, n, err, errlen);
        if (rv)
            goto out;
    }
    rv = check_required(m, err, errlen);
    if (rv)
        goto out;
    *out = m;
    m = NULL;
out:
    if (m)
        explicit_bzero(m->key, sizeof(m->key));
    free(m);
    return rv;
}

void rs_rowmap_close(struct rs_rowmap *m)
{
    if (m)
        explicit_bzero(m->key, sizeof(m->key));
    free(m);
}

rs_rtype rs_rowmap_type(const struct rs_rowmap *m)
{
    return m ? m->type->type : RS__RECORD__BODY__NOT_SET;
}

/* ---------------------------------------------------------------- cells */

/* Fills v: the column, the reason in English and in Chinese (text, cut on a character). */
static void set_verdict(struct rs_verdict *v, rs_status st, const char *field,
                        const char *reason, const char *text)
{
    size_t len = 0;

    v->st = st;
    snprintf(v->field, sizeof v->field, "%s", field);
    snprintf(v->reason, sizeof v->reason, "%s", reason);
    v->text[0] = '\0';
    rs_utf8_append(v->text, sizeof v->text, &len, text, strlen(text));
}

/* Words that make a figure approximate: 近600, 400余, 约3, 600多, 3左右, ... */
static const char *const approx_marks[] = {
    "近", "约", "余", "多", "左右", "上下", "逾", "超过", "以上", "以下", "不足", "不到",
    "几", "数", "~", "～", "≈", NULL
};

static bool is_approx(const char *s, size_t n)
{
    size_t i;

    for (i = 0; approx_marks[i]; i++)
        if (contains(s, n, approx_marks[i]))
            return true;
    return false;
}

/* Copies s[0..n) into buf as a C string; false if it does not fit. */
static bool to_cstr(const char *s, size_t n, char *buf, size_t cap)
{
    if (n >= cap)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

/*
 * Copies a whole number into buf without its thousands separators: "1,234"
 * -> "1234".  A comma must sit between groups of exactly three digits.
 */
static bool strip_thousands(const char *s, size_t n, char *buf, size_t cap)
{
    size_t o = 0;

    if (!rs_thousands_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',')
            continue;
        if (o + 1 >= cap)
            return false;
        buf[o++] = s[i];
    }
    buf[o] = '\0';
    return true;
}

static void put_has(void *msg, const ProtobufCFieldDescriptor *fd)
{
    protobuf_c_boolean yes = 1;

    if (fd->type != PROTOBUF_C_TYPE_STRING && fd->type != PROTOBUF_C_TYPE_MESSAGE)
        memcpy((char *)msg + fd->quantifier_offset, &yes, sizeof yes);
}

static void put_u32(void *msg, const ProtobufCFieldDescriptor *fd, uint32_t v)
{
    memcpy((char *)msg + fd->offset, &v, sizeof v);
    put_has(msg, fd);
}

static void put_i64(void *msg, const ProtobufCFieldDescriptor *fd, int64_t v)
{
    memcpy((char *)msg + fd->offset, &v, sizeof v);
    put_has(msg, fd);
}

static void put_int(void *msg, const ProtobufCFieldDescriptor *fd, int v)
{
    memcpy((char *)msg + fd->offset, &v, sizeof v);
    put_has(msg, fd);
}

static rs_status put_str(void *msg, const ProtobufCFieldDescriptor *fd, const char *s,
                         size_t n)
{
    char *copy = malloc(n + 1);

    if (!copy)
        return RS_ENOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    memcpy((char *)msg + fd->offset, &copy, sizeof copy);
    return RS_OK;
}

static bool parse_bool(const char *s, size_t n, bool *out)
{
    if (ascii_ieq(s, n, "1") || ascii_ieq(s, n, "true") || ascii_ieq(s, n, "yes") ||
        in_list("是", s, n)) {
        *out = true;
        return true;
    }
    if (ascii_ieq(s, n, "0") || ascii_ieq(s, n, "false") || ascii_ieq(s, n, "no") ||
        in_list("否", s, n)) {
        *out = false;
        return true;
    }
    return false;
}

#define ZH_ENUM_HEAD "不是可选的值，应为："

/*
 * "not one of: road/道路硬化, pond/山塘, ..." within reason[cap], and
 * "不是可选的值，应为：道路硬化、山塘、……" within text[cap].
 */
static void enum_reason(const ProtobufCFieldDescriptor *fd, char *reason, size_t cap,
                        char *text, size_t tcap)
{
    const ProtobufCEnumDescriptor *ed = fd->descriptor;
    char item[96], slug[RS_ENUM_SLUG_MAX];
    size_t len = 0, tlen = 0;
    unsigned i;
    bool first = true;

    text[0] = '\0';
    rs_utf8_append(text, tcap, &tlen, ZH_ENUM_HEAD, strlen(ZH_ENUM_HEAD));
    for (i = 0; i < ed->n_values; i++) {
        /* The first of the words a cell may say for the value. */
        const char *zh = rs_enum_aliases(ed, ed->values[i].value), *bar = strchr(zh, '|');
        int zlen = (int)(bar ? (size_t)(bar - zh) : strlen(zh));

        if (ed->values[i].value == 0 || zlen == 0)
            continue;
        snprintf(item, sizeof item, "%s%.*s", tlen > strlen(ZH_ENUM_HEAD) ? "、" : "", zlen, zh);
        /* Room is kept for the ellipsis, so a list that is cut says so. */
        if (tlen + strlen(item) + strlen("……") + 1 > tcap) {
            rs_utf8_append(text, tcap, &tlen, "……", strlen("……"));
            break;
        }
        rs_utf8_append(text, tcap, &tlen, item, strlen(item));
    }
    reason[0] = '\0';
    append(reason, cap, &len, "not one of: ");
    for (i = 0; i < ed->n_values; i++) {
        const char *zh = rs_enum_aliases(ed, ed->values[i].value), *bar = strchr(zh, '|');
        int zlen = (int)(bar ? (size_t)(bar - zh) : strlen(zh));

        if (ed->values[i].value == 0)
            continue;
        snprintf(item, sizeof item, "%s%s%s%.*s", first ? "" : ", ",
                 rs_enum_slug(ed, ed->values[i].value, slug), zlen ? "/" : "", zlen, zh);
        append(reason, cap, &len, item);
        first = false;
    }
}

/* Why rs_money_parse refused an amount. */
enum money_fault { MF_NOT_NUMBER, MF_DECIMALS, MF_COMMA, MF_TOO_BIG };

/*
 * Why rs_money_parse refused buf in units of unit_fen: not a number at all,
 * more decimals than the unit has, a "," that does not group thousands, or
 * (all else being right) more than int64 fen.
 */
static enum money_fault money_fault(const char *buf, int64_t unit_fen)
{
    const char *p = buf, *dot = NULL;
    size_t sig = 0;             /* decimals up to the last non-zero one */
    bool digit = false, comma = false;

    while (*p == ' ')
        p++;
    if (*p == '-' || *p == '+')
        p++;
    for (; *p && *p != ' '; p++) {
        if (*p >= '0' && *p <= '9') {
            digit = true;
            if (dot && *p != '0')
                sig = (size_t)(p - dot);
        } else if (*p == '.' && !dot) {
            dot = p;
        } else if (*p == ',' && !dot) {
            comma = true;
        } else {
            return MF_NOT_NUMBER;
        }
    }
    while (*p == ' ')
        p++;
    if (*p || !digit)
        return MF_NOT_NUMBER;
    if (sig > (unit_fen == UNIT_YUAN ? 2u : 6u))
        return MF_DECIMALS;
    return comma ? MF_COMMA : MF_TOO_BIG;
}

/* The fault in a few Chinese words, for a reading of a value. */
static const char *money_fault_zh(enum money_fault f, int64_t unit_fen)
{
    switch (f) {
    case MF_NOT_NUMBER: return "不是数字";
    case MF_DECIMALS: return unit_fen == UNIT_YUAN ? "超过两位小数" : "超过六位小数";
    case MF_COMMA: return "千位分隔符“,”位置不对";
    default: return "数额过大";
    }
}

/* Writes a cell's reason in English and in Chinese; returns RS_EINVAL. */
static rs_status bad_cell(char *reason, char *text, const char *en, const char *zh)
{
    size_t len = 0;

    snprintf(reason, CELL_REASON_MAX, "%s", en);
    text[0] = '\0';
    rs_utf8_append(text, RS_VERDICT_TEXT_MAX, &len, zh, strlen(zh));
    return RS_EINVAL;
}

/*
 * Parses cell s[0..n) (trimmed, not empty) of column bc into msg.  On a bad
 * value writes a reason in English (reason, CELL_REASON_MAX bytes) and in
 * Chinese (text, RS_VERDICT_TEXT_MAX bytes) and returns RS_EINVAL.
 */
static rs_status put_cell(const struct bound_col *bc, void *msg, const char *s, size_t n,
                          char *reason, char *text)
{
    const struct rs_field *c = bc->def;
    char buf[NUM_MAX];
    uint32_t u;
    int64_t i64;
    int e;
    bool b;

    switch (bc->ck) {
    case C_STRING:
        if (memchr(s, '\n', n) || memchr(s, '\r', n))
            return bad_cell(reason, text, "must be on one line", "须写在一行内，不能换行");
        if ((c->flags & RS_FF_UUID) &&
            (!to_cstr(s, n, buf, sizeof buf) || !rs_uuid_valid(buf)))
            return bad_cell(reason, text, "not a UUID", "不是有效的UUID");
        if (c->flags & RS_FF_UUID) {
            /* Ids are compared in lower case: a spreadsheet's upper-case copy is the same id. */
            rs_uuid_canonicalize(buf);
            return put_str(msg, bc->fd, buf, strlen(buf));
        }
        return put_str(msg, bc->fd, s, n);
    case C_TEXT:
        return put_str(msg, bc->fd, s, n);
    case C_U32:
        if (c->kind == RS_FK_PERCENT && n >= 1 && s[n - 1] == '%')
            n -= 1;
        else if (c->kind == RS_FK_PERCENT && n >= 3 && memcmp(s + n - 3, "％", 3) == 0)
            n -= 3;
        if (!strip_thousands(s, n, buf, sizeof buf) || rs_u32_parse(buf, &u) != RS_OK)
            break;
        put_u32(msg, bc->fd, u);
        return RS_OK;
    case C_DATE:
        if (!to_cstr(s, n, buf, sizeof buf) || rs_date_parse(buf, &u) != RS_OK)
            return bad_cell(reason, text, "not a valid date (write 2023-04-15)",
                            "不是有效日期（应为YYYY-MM-DD，如2023-04-15）");
        put_u32(msg, bc->fd, u);
        return RS_OK;
    case C_MONEY:
        if (!to_cstr(s, n, buf, sizeof buf) || rs_money_parse(buf, bc->unit_fen, &i64) != RS_OK)
            break;
        put_i64(msg, bc->fd, i64);
        return RS_OK;
    case C_MILLI:
        if (!to_cstr(s, n, buf, sizeof buf) || rs_milli_parse(buf, &i64) != RS_OK)
            break;
        put_i64(msg, bc->fd, i64);
        return RS_OK;
    case C_BOOL:
        if (!parse_bool(s, n, &b))
            return bad_cell(reason, text,
                            "not yes or no (write 是/否, 1/0, true/false or yes/no)",
                            "应填“是”或“否”（也可填1或0）");
        put_int(msg, bc->fd, b ? 1 : 0);
        return RS_OK;
    case C_ENUM:
        if (!rs_enum_parse(bc->fd->descriptor, s, n, &e)) {
            enum_reason(bc->fd, reason, CELL_REASON_MAX, text, RS_VERDICT_TEXT_MAX);
            return RS_EINVAL;
        }
        put_int(msg, bc->fd, e);
        return RS_OK;
    }
    /* A number that did not parse. */
    if (is_approx(s, n))
        return bad_cell(reason, text, "not an exact number",
                        "不是确切的数字（不能写“约”“近”“余”“多”之类）");
    if (bc->ck == C_MONEY && to_cstr(s, n, buf, sizeof buf) &&
        money_fault(buf, bc->unit_fen) == MF_TOO_BIG)
        return bad_cell(reason, text, "an amount too large",
                        bc->unit_fen == UNIT_WAN ? "金额过大（不能超过92233720368.54万元）"
                                                 : "金额过大（不能超过92233720368547758.07元）");
    if (bc->ck == C_MONEY && to_cstr(s, n, buf, sizeof buf) &&
        money_fault(buf, bc->unit_fen) == MF_COMMA)
        return bad_cell(reason, text, "\",\" groups thousands only (1,234,567.89)",
                        "金额中的千位分隔符“,”应每三位一个（如1,234,567.89）；小数点用“.”");
    if (bc->ck == C_MONEY && bc->unit_fen == UNIT_WAN)
        return bad_cell(reason, text, "not an amount in 万元 (digits, up to 6 decimals)",
                        "不是以万元为单位的金额（只写数字，最多6位小数）");
    if (bc->ck == C_MONEY)
        return bad_cell(reason, text, "not an amount in 元 (digits, up to 2 decimals)",
                        "不是以元为单位的金额（只写数字，最多2位小数）");
    if (bc->ck == C_MILLI)
        return bad_cell(reason, text, "not a number (digits, up to 3 decimals)",
                        "不是数字（最多3位小数）");
    return bad_cell(reason, text, "not a whole number", "不是整数");
}

static rs_status put_default_str(char **dst, const char *val)
{
    size_t n;

    if (*dst || !val)
        return RS_OK;
    n = strlen(val);
    *dst = malloc(n + 1);
    if (!*dst)
        return RS_ENOMEM;
    memcpy(*dst, val, n + 1);
    return RS_OK;
}

static rs_status apply_defaults(const struct rs_rowmap *m, Rs__Record *rec)
{
    rs_status rv;

    rv = put_default_str(&rec->division_code, m->defaults.division_code);
    if (rv)
        return rv;
    rv = put_default_str(&rec->submitted_by, m->defaults.submitted_by);
    if (rv)
        return rv;
    if (!rec->has_year && m->defaults.year) {
        rec->has_year = 1;
        rec->year = m->defaults.year;
    }
    if (!rec->has_period) {
        rec->has_period = 1;
        rec->period = m->defaults.period;
    }
    return RS_OK;
}

/*
 * Rewrites a verdict's field ("relief.amount_fen", "division_code") as the
 * column the clerk wrote ("金额(元)"), or as the field's Chinese label
 * ("乡镇代码") if the file has no such column.  The verdict's text already
 * names the field by its label (rs_validate.h).
 */
static void map_field(const struct rs_rowmap *m, struct rs_verdict *v)
{
    const char *dot = strrchr(v->field, '.');
    const char *fname = dot ? dot + 1 : v->field;
    size_t plen = dot ? (size_t)(dot - v->field) : 0;
    bool body_only = dot && plen == strlen(m->type->name) &&
                     memcmp(v->field, m->type->name, plen) == 0;
    const struct rs_field *tables[2];
    size_t counts[2], i, pass;

    tables[0] = rs_rtype_envelope(&counts[0]);
    tables[1] = m->type->fields;
    counts[1] = m->type->nfields;
    /* A field under the type's prefix is the body's; any other is looked for
     * in the envelope first. */
    for (pass = body_only ? 1 : 0; pass < 2; pass++) {
        bool on_record = pass == 0;
        for (i = 0; i < m->ncols; i++) {
            if (m->cols[i].on_record == on_record && strcmp(m->cols[i].fd->name, fname) == 0) {
                snprintf(v->field, sizeof v->field, "%s", m->cols[i].header);
                return;
            }
        }
        for (i = 0; i < counts[pass]; i++) {
            if (strcmp(tables[pass][i].name, fname) == 0 &&
                !(tables[pass][i].flags & RS_FF_CSV_ONLY)) {
                char label[RS_FIELD_LABEL_MAX];
                size_t len = 0;

                rs_field_label(&tables[pass][i], label);
                v->field[0] = '\0';
                rs_utf8_append(v->field, sizeof v->field, &len, label, strlen(label));
                return;
            }
        }
    }
}

/* One reading of a money cell in 元, "716.41元", or why it is none. */
static void reading(const char *buf, int64_t unit_fen, char *out, size_t cap)
{
    char y[32];
    int64_t fen;

    if (rs_money_parse(buf, unit_fen, &fen) != RS_OK) {
        snprintf(out, cap, "无效（%s）", money_fault_zh(money_fault(buf, unit_fen), unit_fen));
        return;
    }
    rs_money_yuan(fen, y);
    snprintf(out, cap, "%s元", y);
}

/*
 * Why the first value of a money column without a unit cannot be read, in
 * v: both readings of it in Chinese, so the clerk sees which one was meant.
 */
static void unit_unknown(const struct bound_col *bc, const char *s, size_t n,
                         struct rs_verdict *v)
{
    char buf[NUM_MAX + 1], first[21], as_yuan[64], as_wan[64], zh[RS_VERDICT_TEXT_MAX * 2];
    const char *en = "the unit of money is not known: name 元 or 万元 in the column or give "
                     "--money-unit";

    if (!to_cstr(s, n, buf, sizeof buf)) {
        snprintf(zh, sizeof zh, "金额单位不明：列名未注明元或万元；请在列名注明单位（如“%s(万元)”）"
                                "或使用 --money-unit yuan|wan", bc->header);
        set_verdict(v, RS_EINVAL, bc->header, en, zh);
        return;
    }
    reading(buf, UNIT_YUAN, as_yuan, sizeof as_yuan);
    reading(buf, UNIT_WAN, as_wan, sizeof as_wan);
    /* A value longer than 20 bytes is shown cut (on a character); no
     * amount is that long. */
    (void)rs_utf8_copy(first, sizeof first, buf);
    snprintf(zh, sizeof zh, "第一个值 %s 按元读是%s，按万元读是%s；请在列名注明单位或使用 "
                            "--money-unit", first, as_yuan, as_wan);
    set_verdict(v, RS_EINVAL, bc->header, en, zh);
}

bool rs_rowmap_fatal(const struct rs_rowmap *m)
{
    return m && m->fatal;
}

/* ---------------------------------------------------------------- identifiers */

/* One row's identifier cells, before hashing. */
struct ident_cells {
    const struct bound_col *id_col, *name_col, *first;
    const char *id, *name;
    size_t id_n, name_n;
};

/* Puts the keyed hash of the row's identifier (the ID card if given, else the name). */
static rs_status put_ident(const struct rs_rowmap *m, const struct ident_cells *ic, void *body,
                           struct rs_verdict *v)
{
    const struct bound_col *bc = ic->id ? ic->id_col : ic->name_col;
    char ref[RS_KEYED_REF_LEN + 1];
    rs_status rv;

    if (!bc) {
        set_verdict(v, RS_EINVAL, ic->first->header,
                    "required: the ID-card number or the name of the head of household",
                    "身份证号和户主姓名至少填一项");
        return RS_EINVAL;
    }
    rv = rs_rowmap_keyed_ref(m->key, ic->id ? RS_IDENT_ID_CARD : RS_IDENT_NAME,
                             ic->id ? ic->id : ic->name, ic->id ? ic->id_n : ic->name_n, ref);
    if (rv) {
        set_verdict(v, rv, bc->header,
                    rv == RS_EINVAL ? "not an identifier (too long or not text)"
                                    : "cannot hash the identifier",
                    rv == RS_EINVAL ? "不是有效的身份证号或姓名（过长或不是文字）"
                                    : "无法计算身份信息的加密摘要");
        return rv;
    }
    rv = put_str(body, bc->fd, ref, RS_KEYED_REF_LEN);
    if (rv)
        set_verdict(v, rv, "", "out of memory", ZH_NOMEM);
    return rv;
}

/*
 * A cell of the row failed: the first into v (and *rv set), the next ones
 * into m->more as far as it holds them, so every bad cell of a row is
 * named at once.
 */
static void cell_fails(struct rs_rowmap *m, struct rs_verdict *v, rs_status *rv, rs_status st,
                       const char *header, const char *reason, const char *text)
{
    if (*rv == RS_OK) {
        set_verdict(v, st, header, reason, text);
        *rv = st;
    } else if (m->nmore < RS_ROWMAP_MORE_MAX) {
        set_verdict(&m->more[m->nmore++], st, header, reason, text);
    }
}

size_t rs_rowmap_more(const struct rs_rowmap *m, const struct rs_verdict **more)
{
    *more = m ? m->more : NULL;
    return m ? m->nmore : 0;
}

rs_status rs_rowmap_row(struct rs_rowmap *m, char *const *cells, size_t ncells,
                        Rs__Record **out, struct rs_verdict *v)
{
    struct ident_cells ic = {0};
    const ProtobufCMessageDescriptor *desc = m->type->desc;
    Rs__Record *rec = NULL;
    void *body = NULL;
    char reason[CELL_REASON_MAX], text[RS_VERDICT_TEXT_MAX];
    size_t i, n, last = 0;
    rs_status rv = RS_OK, st;
    const char *s;
    bool had_id;

    *out = NULL;
    m->nmore = 0;
    set_verdict(v, RS_OK, "", "", "");
    for (i = m->ncols; i < ncells; i++) {
        trim_cell(cells[i], &n);
        if (n)
            last = i + 1;
    }
    if (last) {
        /* No header names the cell, so the verdict names its position. */
        char where[32];
        snprintf(where, sizeof where, "第%zu列", last);
        snprintf(reason, sizeof reason, "row has %zu cells, header has %zu", last, m->ncols);
        snprintf(text, sizeof text, "这一行有%zu个单元格，表头只有%zu列", last, m->ncols);
        set_verdict(v, RS_EINVAL, where, reason, text);
        return RS_EINVAL;
    }

    rec = malloc(sizeof *rec);
    body = malloc(desc->sizeof_message);
    if (!rec || !body) {
        free(rec);
        free(body);
        set_verdict(v, RS_ENOMEM, "", "out of memory", ZH_NOMEM);
        return RS_ENOMEM;
    }
    rs__record__init(rec);
    protobuf_c_message_init(desc, body);
    memcpy((char *)rec + m->body_fd->offset, &body, sizeof body);
    rec->body_case = m->type->type;

    for (i = 0; i < m->ncols; i++) {
        const struct bound_col *bc = &m->cols[i];
        s = trim_cell(i < ncells ? cells[i] : NULL, &n);
        if (!bc->on_record && (bc->def->flags & RS_FF_IDENT)) {
            /* Identifiers are only ever hashed, after every cell is read. */
            if (!ic.first)
                ic.first = bc;
            if (n && (bc->def->flags & RS_FF_ID_CARD)) {
                ic.id_col = bc;
                ic.id = s;
                ic.id_n = n;
            } else if (n) {
                ic.name_col = bc;
                ic.name = s;
                ic.name_n = n;
            }
            continue;
        }
        if (n == 0) {
            if (bc->required)
                cell_fails(m, v, &rv, RS_EINVAL, bc->header, "required", "必填，不能为空");
            continue;
        }
        if (bc->ck == C_MONEY && bc->unit_fen == 0) {
            /* The file's reason, which every row would share: it alone. */
            unit_unknown(bc, s, n, v);
            m->nmore = 0;
            m->fatal = true;
            rv = RS_EINVAL;
            goto out;
        }
        reason[0] = '\0';
        text[0] = '\0';
        st = put_cell(bc, bc->on_record ? (void *)rec : body, s, n, reason, text);
        if (st == RS_ENOMEM) {
            set_verdict(v, st, bc->header, "out of memory", ZH_NOMEM);
            rv = st;
            goto out;
        }
        if (st)
            cell_fails(m, v, &rv, st, bc->header, reason, text);
    }
    if (rv)
        goto out;
    if (ic.first) {
        rv = put_ident(m, &ic, body, v);
        if (rv)
            goto out;
    }
    rv = apply_defaults(m, rec);
    if (rv) {
        set_verdict(v, rv, "", "out of memory", ZH_NOMEM);
        goto out;
    }

    had_id = rec->id != NULL;
    if (!had_id)
        rec->id = placeholder_id;
    rv = rs_validate_record(rec, v);
    if (!had_id)
        rec->id = NULL;
    if (rv == RS_OK && !had_id && rec->supersedes && rec->supersedes[0]) {
        /* The version that replaces another is named by its own id: the
         * client cannot make one up for a row that says what it replaces. */
        set_verdict(v, RS_EINVAL, "supersedes", "a row naming what it supersedes needs its own id",
                    "填了替代记录，须同时填本行的记录编号");
        rv = RS_EINVAL;
    }
    if (rv) {
        if (v->st == RS_OK)
            v->st = rv;
        map_field(m, v);
        goto out;
    }
    *out = rec;
    rec = NULL;
out:
    if (rec)
        rs__record__free_unpacked(rec, NULL);
    return rv;
}

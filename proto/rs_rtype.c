/*
 * rs_rtype.c - lookups over the record-type table: entries by oneof case or
 * name, natural keys, a record's body, enum names and slugs, the table's own
 * consistency check, and the registration of a type the production table
 * does not have.
 *
 * The production entries (rs_rtype_table.c) come first, in detection order,
 * then at most RS_RTYPE_MAX_REGISTERED registered ones; a lookup walks both.
 * Fields are found through the protobuf-c descriptors, so nothing here
 * names a record type or a field.
 *
 * Does not: hold the table's data, validate records (rs_validate.c) or map
 * CSV rows (rs_rowmap.c).
 */
#include "rs_rtype.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rs_rtype_data.h"
#include "rs_util.h"

/* Written only by rs_rtype_register, before any other use (see rs_rtype.h). */
static const struct rs_rtype_def *registered[RS_RTYPE_MAX_REGISTERED];
static size_t nregistered;

/* ---------------------------------------------------------------- small helpers */

/* ASCII case-insensitive equality of two C strings. */
static bool same_ci(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a, y = *b;

        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

/* True if s[0..n) equals the C string word, ASCII letters in any case. */
static bool same_ci_n(const char *s, size_t n, const char *word)
{
    for (size_t i = 0; i < n; i++) {
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

static bool empty(const char *s)
{
    return !s || !s[0];
}

/* err := the formatted message; returns RS_EINVAL. */
__attribute__((format(printf, 3, 4))) static rs_status
say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return RS_EINVAL;
}

/* ---------------------------------------------------------------- entries */

const struct rs_rtype_def *rs_rtype_at(size_t i)
{
    if (i < rs_rtype_table_len)
        return &rs_rtype_table[i];
    i -= rs_rtype_table_len;
    return i < nregistered ? registered[i] : NULL;
}

const struct rs_rtype_def *rs_rtype_find(rs_rtype t)
{
    const struct rs_rtype_def *d;

    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        if (d->type == t)
            return d;
    }
    return NULL;
}

const struct rs_field *rs_rtype_envelope(size_t *n)
{
    *n = rs_rtype_envelope_len;
    return rs_rtype_envelope_rows;
}

const char *rs_rtype_name(rs_rtype t)
{
    const struct rs_rtype_def *d = rs_rtype_find(t);

    return d ? d->name : "unknown";
}

const char *rs_rtype_label(rs_rtype t)
{
    const struct rs_rtype_def *d = rs_rtype_find(t);

    return d ? d->label : "未知";
}

rs_rtype rs_rtype_parse(const char *name)
{
    const struct rs_rtype_def *d;

    if (!name)
        return RS__RECORD__BODY__NOT_SET;
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++) {
        if (same_ci(name, d->name) || strcmp(name, d->label) == 0 ||
            in_list(d->aliases, name, strlen(name)))
            return d->type;
    }
    return RS__RECORD__BODY__NOT_SET;
}

bool rs_rtype_is_unit_level(rs_rtype t)
{
    const struct rs_rtype_def *d = rs_rtype_find(t);

    return d && d->level == RS_LEVEL_CENTRAL;
}

bool rs_rtype_is_township(rs_rtype t)
{
    const struct rs_rtype_def *d = rs_rtype_find(t);

    return d && d->level == RS_LEVEL_TOWNSHIP;
}

const struct rs_field *rs_rtype_field(const struct rs_rtype_def *def, const char *name)
{
    for (size_t i = 0; i < def->nfields; i++) {
        if (!(def->fields[i].flags & RS_FF_CSV_ONLY) && strcmp(def->fields[i].name, name) == 0)
            return &def->fields[i];
    }
    return NULL;
}

/* ---------------------------------------------------------------- bodies and keys */

/* The member of rs.Record's `body` oneof with case t (any message member), or NULL. */
static const ProtobufCFieldDescriptor *body_member(rs_rtype t)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&rs__record__descriptor, (unsigned)t);

    if (!fd || fd->type != PROTOBUF_C_TYPE_MESSAGE || !(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
        fd->quantifier_offset != offsetof(Rs__Record, body_case))
        return NULL;
    return fd;
}

const ProtobufCMessage *rs_rtype_body(const Rs__Record *r)
{
    const ProtobufCFieldDescriptor *fd;

    if (!r || r->body_case == RS__RECORD__BODY__NOT_SET || !(fd = body_member(r->body_case)))
        return NULL;
    return *(const ProtobufCMessage *const *)(const void *)((const char *)r + fd->offset);
}

/* The body of r if its oneof member holds d's message, else NULL. */
static const ProtobufCMessage *typed_body(const Rs__Record *r, const struct rs_rtype_def *d)
{
    const ProtobufCFieldDescriptor *fd = body_member(r->body_case);

    if (!fd || fd->descriptor != d->desc)
        return NULL;
    return *(const ProtobufCMessage *const *)(const void *)((const char *)r + fd->offset);
}

/* Field values, read through a descriptor. */
static const char *get_str(const void *msg, const ProtobufCFieldDescriptor *fd)
{
    return *(const char *const *)(const void *)((const char *)msg + fd->offset);
}

static bool get_has(const void *msg, const ProtobufCFieldDescriptor *fd)
{
    return *(const protobuf_c_boolean *)(const void *)((const char *)msg +
                                                       fd->quantifier_offset) != 0;
}

static int get_int(const void *msg, const ProtobufCFieldDescriptor *fd)
{
    return *(const int *)(const void *)((const char *)msg + fd->offset);
}

static uint32_t get_u32(const void *msg, const ProtobufCFieldDescriptor *fd)
{
    return *(const uint32_t *)(const void *)((const char *)msg + fd->offset);
}

/* Appends ':' and s[0..n) to out at *len; RS_ETOOBIG if that and a NUL do not fit. */
static rs_status key_append(char *out, size_t outlen, size_t *len, const char *s, size_t n)
{
    if (n + 1 >= outlen - *len)
        return RS_ETOOBIG;
    out[(*len)++] = ':';
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
    return RS_OK;
}

/* Appends ':' and v in decimal (snprintf's %d / %u, without its cost per key). */
static rs_status key_append_int(char *out, size_t outlen, size_t *len, int64_t v)
{
    char digits[24];
    size_t i = sizeof digits;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--i] = '-';
    return key_append(out, outlen, len, digits + i, sizeof digits - i);
}

/*
 * Appends ":<value of part p>" to out at *len.  RS_EINVAL if the value is
 * missing, RS_ETOOBIG if it does not fit.
 */
static rs_status key_part(const Rs__Record *r, const void *body, const struct rs_rtype_def *d,
                          const struct rs_key_part *p, char *out, size_t outlen, size_t *len)
{
    const void *msg = (p->flags & RS_KEY_ENVELOPE) ? (const void *)r : body;
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(
        (p->flags & RS_KEY_ENVELOPE) ? &rs__record__descriptor : d->desc, p->field);
    const char *str;

    if (!fd)
        return RS_EINVAL;
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING:
        str = get_str(msg, fd);
        if (empty(str))
            return RS_EINVAL;
        return key_append(out, outlen, len, str, strlen(str));
    case PROTOBUF_C_TYPE_ENUM:
        if (!get_has(msg, fd) || get_int(msg, fd) == 0)
            return RS_EINVAL;
        return key_append_int(out, outlen, len, get_int(msg, fd));
    case PROTOBUF_C_TYPE_UINT32:
        if (!get_has(msg, fd) && !(p->flags & RS_KEY_ZERO))
            return RS_EINVAL;
        return key_append_int(out, outlen, len, get_has(msg, fd) ? get_u32(msg, fd) : 0);
    default:
        return RS_EINVAL;
    }
}

rs_status rs_record_key(const Rs__Record *r, char *out, size_t outlen)
{
    const struct rs_rtype_def *d;
    const ProtobufCMessage *body;
    rs_status rv;
    size_t len;

    if (!out || outlen == 0)
        return RS_ETOOBIG;
    out[0] = '\0';
    if (!r || !(d = rs_rtype_find(r->body_case)) || !(body = typed_body(r, d)))
        return RS_EINVAL;
    len = strlen(d->name);
    if (len >= outlen)
        return RS_ETOOBIG;
    memcpy(out, d->name, len + 1);
    for (size_t i = 0; i < RS_RTYPE_KEY_PARTS && d->key[i].field; i++) {
        rv = key_part(r, body, d, &d->key[i], out, outlen, &len);
        if (rv) {
            out[0] = '\0';
            return rv;
        }
    }
    return RS_OK;
}

const char *rs_record_label_key(const Rs__Record *r)
{
    const struct rs_rtype_def *d;
    const ProtobufCMessage *body;
    const ProtobufCFieldDescriptor *fd;
    const char *s;

    if (!r || !(d = rs_rtype_find(r->body_case)) || !d->label_field ||
        !(body = typed_body(r, d)) ||
        !(fd = protobuf_c_message_descriptor_get_field_by_name(d->desc, d->label_field)))
        return NULL;
    if (fd->type == PROTOBUF_C_TYPE_STRING) {
        s = get_str(body, fd);
        return empty(s) ? NULL : s;
    }
    if (fd->type == PROTOBUF_C_TYPE_ENUM && get_has(body, fd) && get_int(body, fd) != 0) {
        s = rs_enum_display(fd->descriptor, get_int(body, fd));
        return s[0] ? s : NULL;
    }
    return NULL;
}

/* ---------------------------------------------------------------- enum names */

const struct rs_enum_names *rs_enum_at(size_t i)
{
    return i < rs_enum_table_len ? &rs_enum_table[i] : NULL;
}

const struct rs_enum_names *rs_enum_find(const ProtobufCEnumDescriptor *desc)
{
    for (size_t i = 0; i < rs_enum_table_len; i++) {
        if (rs_enum_table[i].desc == desc)
            return &rs_enum_table[i];
    }
    return NULL;
}

/* The names of value in desc's table, or NULL. */
static const struct rs_enum_value *enum_value(const ProtobufCEnumDescriptor *desc, int value)
{
    const struct rs_enum_names *e = rs_enum_find(desc);

    if (!e || value < 0 || (size_t)value >= e->n || e->values[value].value != value)
        return NULL;
    return &e->values[value];
}

const char *rs_enum_display(const ProtobufCEnumDescriptor *desc, int value)
{
    const struct rs_enum_value *v = enum_value(desc, value);

    return v && v->display ? v->display : "";
}

const char *rs_enum_aliases(const ProtobufCEnumDescriptor *desc, int value)
{
    const struct rs_enum_value *v = enum_value(desc, value);

    return v && v->aliases ? v->aliases : "";
}

/* The protobuf-c name of a value after its prefix: "CAT_ROAD" -> "ROAD". */
static const char *value_suffix(const ProtobufCEnumValue *ev)
{
    const char *us = strchr(ev->name, '_');

    return us ? us + 1 : ev->name;
}

const char *rs_enum_slug(const ProtobufCEnumDescriptor *desc, int value,
                         char out[RS_ENUM_SLUG_MAX])
{
    const ProtobufCEnumValue *ev = desc ? protobuf_c_enum_descriptor_get_value(desc, value)
                                        : NULL;
    const char *s;
    size_t i;

    out[0] = '\0';
    if (!ev)
        return out;
    s = value_suffix(ev);
    for (i = 0; s[i] && i + 1 < RS_ENUM_SLUG_MAX; i++)
        out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    out[i] = '\0';
    return out;
}

bool rs_enum_parse(const ProtobufCEnumDescriptor *desc, const char *s, size_t n, int *value)
{
    const struct rs_enum_names *e = rs_enum_find(desc);

    for (unsigned i = 0; i < desc->n_values; i++) {
        if (desc->values[i].value != 0 && same_ci_n(s, n, value_suffix(&desc->values[i]))) {
            *value = desc->values[i].value;
            return true;
        }
    }
    for (size_t i = 0; e && i < e->n; i++) {
        if (e->values[i].value != 0 && in_list(e->values[i].aliases, s, n)) {
            *value = e->values[i].value;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- checks */

bool rs_fkind_fits(enum rs_fkind k, const ProtobufCFieldDescriptor *fd)
{
    if (!fd || fd->label != PROTOBUF_C_LABEL_OPTIONAL)
        return false;
    switch (k) {
    case RS_FK_STRING:
    case RS_FK_TEXT:
    case RS_FK_CODE:
        return fd->type == PROTOBUF_C_TYPE_STRING;
    case RS_FK_ENUM:
        return fd->type == PROTOBUF_C_TYPE_ENUM;
    case RS_FK_DATE:
    case RS_FK_COUNT:
    case RS_FK_PERCENT:
    case RS_FK_MONTHS:
    case RS_FK_YEAR:
        return fd->type == PROTOBUF_C_TYPE_UINT32;
    case RS_FK_MONEY:
    case RS_FK_QUANTITY:
    case RS_FK_SCORE:
        return fd->type == PROTOBUF_C_TYPE_INT64;
    case RS_FK_BOOL:
        return fd->type == PROTOBUF_C_TYPE_BOOL;
    }
    return false;
}

/* An enum's names table covers every value, one element per value, in order. */
static rs_status check_enum(const ProtobufCEnumDescriptor *ed, char *err, size_t errlen)
{
    const struct rs_enum_names *e = rs_enum_find(ed);

    if (!e)
        return say(err, errlen, "enum %s has no names table (proto/rs_rtype_enums.c)",
                   ed->name);
    if (e->n != ed->n_values)
        return say(err, errlen, "enum %s: %zu names for %u values", ed->name, e->n,
                   ed->n_values);
    for (unsigned i = 0; i < ed->n_values; i++) {
        const struct rs_enum_value *v = &e->values[i];

        if (v->value != ed->values[i].value || (size_t)v->value != i)
            return say(err, errlen, "enum %s: element %u is value %d, not %s", ed->name, i,
                       v->value, ed->values[i].name);
        if (empty(v->display) || !rs_utf8_valid(v->display, strlen(v->display)))
            return say(err, errlen, "enum %s: %s has no display name", ed->name,
                       ed->values[i].name);
        if (!v->aliases || (v->value == 0) != (v->aliases[0] == '\0'))
            return say(err, errlen, "enum %s: %s %s", ed->name, ed->values[i].name,
                       v->value == 0 ? "must have no CSV alias" : "has no CSV alias");
    }
    return RS_OK;
}

/* One row against its field descriptor (fd NULL: the message has no such field). */
static rs_status check_row(const char *where, const struct rs_field *f,
                           const ProtobufCFieldDescriptor *fd, char *err, size_t errlen)
{
    if (empty(f->name) || empty(f->column) || !f->aliases || empty(f->doc))
        return say(err, errlen, "%s: a row lacks its name, column, aliases or doc", where);
    if (!rs_fkind_fits(f->kind, fd))
        return say(err, errlen, "%s.%s: kind does not fit the field's type", where, f->name);
    if (f->flags & RS_FF_CSV_ONLY) {
        if (!(f->flags & RS_FF_IDENT) || (f->flags & RS_FF_IDENT) == RS_FF_IDENT ||
            (f->flags & RS_FF_REQUIRED) || f->kind != RS_FK_STRING)
            return say(err, errlen,
                       "%s.%s: a CSV-only column is an optional string identifier "
                       "(RS_FF_ID_CARD or RS_FF_HEAD_NAME)", where, f->column);
    } else if (f->flags & RS_FF_IDENT) {
        return say(err, errlen, "%s.%s: an identifier column must be CSV-only", where,
                   f->column);
    }
    if (f->kind == RS_FK_ENUM)
        return check_enum(fd->descriptor, err, errlen);
    return RS_OK;
}

/*
 * Rows against a message: the non-CSV-only rows follow the fields outside
 * any oneof one for one, in order.
 */
static rs_status check_rows(const char *where, const ProtobufCMessageDescriptor *desc,
                            const struct rs_field *rows, size_t n, char *err, size_t errlen)
{
    size_t k = 0;
    rs_status rv;

    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &desc->fields[i];

        if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;
        while (k < n && (rows[k].flags & RS_FF_CSV_ONLY)) {
            rv = check_row(where, &rows[k],
                           protobuf_c_message_descriptor_get_field_by_name(desc, rows[k].name),
                           err, errlen);
            if (rv)
                return rv;
            k++;
        }
        if (k == n)
            return say(err, errlen, "%s: field %s has no row", where, fd->name);
        if (strcmp(rows[k].name, fd->name) != 0)
            return say(err, errlen, "%s: row %zu is %s, the field is %s", where, k,
                       rows[k].name, fd->name);
        rv = check_row(where, &rows[k], fd, err, errlen);
        if (rv)
            return rv;
        k++;
    }
    for (; k < n; k++) {
        if (!(rows[k].flags & RS_FF_CSV_ONLY))
            return say(err, errlen, "%s: row %s is not a field of %s", where, rows[k].name,
                       desc->name);
        rv = check_row(where, &rows[k],
                       protobuf_c_message_descriptor_get_field_by_name(desc, rows[k].name), err,
                       errlen);
        if (rv)
            return rv;
    }
    return RS_OK;
}

/* True if s[0..n) is a column name or alias of one of the rows. */
static bool names_column(const struct rs_field *rows, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (same_ci_n(s, len, rows[i].column) || in_list(rows[i].aliases, s, len))
            return true;
    }
    return false;
}

/* Every name and alias of rows[i] is named by no other row of rows or of other. */
static rs_status check_unique(const char *where, const struct rs_field *rows, size_t n,
                              const struct rs_field *other, size_t nother, char *err,
                              size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = rows[i].aliases;

        if (names_column(rows + i + 1, n - i - 1, rows[i].column, strlen(rows[i].column)) ||
            names_column(other, nother, rows[i].column, strlen(rows[i].column)))
            return say(err, errlen, "%s: column %s is named twice", where, rows[i].column);
        while (p && *p) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);

            if (len == 0 || names_column(rows + i + 1, n - i - 1, p, len) ||
                names_column(other, nother, p, len))
                return say(err, errlen, "%s: alias '%.*s' of %s is empty or named twice", where,
                           (int)len, p, rows[i].column);
            p = bar ? bar + 1 : NULL;
        }
    }
    return RS_OK;
}

/* True if col is the column of one of def's rows. */
static bool has_column(const struct rs_rtype_def *def, const char *col)
{
    for (size_t i = 0; i < def->nfields; i++) {
        if (strcmp(def->fields[i].column, col) == 0)
            return true;
    }
    return false;
}

rs_status rs_rtype_check(const struct rs_rtype_def *def, char *err, size_t errlen)
{
    const ProtobufCFieldDescriptor *member;
    size_t nenv;
    const struct rs_field *env = rs_rtype_envelope(&nenv);
    rs_status rv;

    if (errlen)
        err[0] = '\0';
    if (!def || empty(def->name) || empty(def->label) || !def->aliases || empty(def->doc) ||
        !def->desc || !def->fields || def->nfields == 0)
        return say(err, errlen, "a type entry lacks its name, label, aliases, doc, descriptor "
                                "or rows");
    member = protobuf_c_message_descriptor_get_field_by_name(&rs__record__descriptor, def->name);
    if (!member || body_member((rs_rtype)member->id) != member)
        return say(err, errlen, "%s: rs.Record has no body member of that name", def->name);
    if ((rs_rtype)member->id != def->type || member->descriptor != def->desc)
        return say(err, errlen, "%s: the oneof case or message descriptor is not rs.Record's",
                   def->name);
    if (def->level != RS_LEVEL_TOWNSHIP && def->level != RS_LEVEL_CENTRAL)
        return say(err, errlen, "%s: unknown level", def->name);
    rv = check_rows(def->name, def->desc, def->fields, def->nfields, err, errlen);
    if (!rv)
        rv = check_unique(def->name, def->fields, def->nfields, env, nenv, err, errlen);
    if (rv)
        return rv;
    for (size_t i = 0; i < RS_RTYPE_KEY_PARTS && def->key[i].field; i++) {
        const struct rs_key_part *p = &def->key[i];
        const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(
            (p->flags & RS_KEY_ENVELOPE) ? &rs__record__descriptor : def->desc, p->field);

        if (!fd || (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
            !(fd->type == PROTOBUF_C_TYPE_STRING || fd->type == PROTOBUF_C_TYPE_ENUM ||
              fd->type == PROTOBUF_C_TYPE_UINT32) ||
            ((p->flags & RS_KEY_ZERO) && fd->type != PROTOBUF_C_TYPE_UINT32))
            return say(err, errlen, "%s: key part %s is not a string, enum or uint32 field",
                       def->name, p->field);
    }
    if (def->label_field) {
        const struct rs_field *f = rs_rtype_field(def, def->label_field);

        if (!f || !(f->kind == RS_FK_STRING || f->kind == RS_FK_CODE || f->kind == RS_FK_ENUM))
            return say(err, errlen, "%s: label field %s is not a string or enum field",
                       def->name, def->label_field);
    }
    if (!def->has[0])
        return say(err, errlen, "%s: no detection column", def->name);
    for (size_t i = 0; i < 2; i++) {
        if (def->has[i] && !has_column(def, def->has[i]))
            return say(err, errlen, "%s: detection column %s is not one of its columns",
                       def->name, def->has[i]);
        if (def->lacks[i] && (empty(def->lacks[i]) || has_column(def, def->lacks[i])))
            return say(err, errlen, "%s: excluded column %s is empty or its own", def->name,
                       def->lacks[i]);
    }
    return RS_OK;
}

/* True if s[0..n) is d's Chinese label or one of its aliases. */
static bool chinese_name_of(const struct rs_rtype_def *d, const char *s, size_t n)
{
    return (strlen(d->label) == n && memcmp(d->label, s, n) == 0) || in_list(d->aliases, s, n);
}

/* True if a and b share an English name (in any case), or a Chinese label or alias. */
static bool names_clash(const struct rs_rtype_def *a, const struct rs_rtype_def *b)
{
    if (same_ci(a->name, b->name) || chinese_name_of(a, b->label, strlen(b->label)))
        return true;
    for (const char *p = b->aliases; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);

        if (chinese_name_of(a, p, len))
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* def against every entry before position `before`. */
static rs_status check_distinct(const struct rs_rtype_def *def, size_t before, char *err,
                                size_t errlen)
{
    const struct rs_rtype_def *d;

    for (size_t i = 0; i < before && (d = rs_rtype_at(i)) != NULL; i++) {
        if (d->type == def->type || names_clash(d, def))
            return say(err, errlen, "%s: same oneof case, name, label or alias as %s",
                       def->name, d->name);
    }
    return RS_OK;
}

rs_status rs_rtype_check_table(char *err, size_t errlen)
{
    const struct rs_rtype_def *d;
    rs_status rv;

    if (errlen)
        err[0] = '\0';
    rv = check_rows("envelope", &rs__record__descriptor, rs_rtype_envelope_rows,
                    rs_rtype_envelope_len, err, errlen);
    if (!rv)
        rv = check_unique("envelope", rs_rtype_envelope_rows, rs_rtype_envelope_len, NULL, 0,
                          err, errlen);
    for (size_t i = 0; !rv && (d = rs_rtype_at(i)) != NULL; i++) {
        rv = rs_rtype_check(d, err, errlen);
        if (!rv)
            rv = check_distinct(d, i, err, errlen);
    }
    return rv;
}

rs_status rs_rtype_register(const struct rs_rtype_def *def, char *err, size_t errlen)
{
    rs_status rv;

    if (nregistered == RS_RTYPE_MAX_REGISTERED) {
        if (errlen)
            snprintf(err, errlen, "at most %d registered record types", RS_RTYPE_MAX_REGISTERED);
        return RS_ETOOBIG;
    }
    rv = rs_rtype_check(def, err, errlen);
    if (!rv)
        rv = check_distinct(def, rs_rtype_table_len + nregistered, err, errlen);
    if (rv)
        return rv;
    registered[nregistered++] = def;
    return RS_OK;
}

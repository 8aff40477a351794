/*
 * rs_rtype.c - reading the record-type table: entries by oneof case or
 * name, field rows and their Chinese labels, natural keys, a record's body
 * and label key, enum names and slugs, and where registered types are kept.
 *
 * The production entries (rs_rtype_table.c) come first, in detection order,
 * then at most RS_RTYPE_MAX_REGISTERED registered ones; a lookup walks both.
 * Fields are found through the protobuf-c descriptors, so nothing here
 * names a record type or a field.
 *
 * Does not: hold the table's data, check it against resettle.proto or
 * register a type (rs_rtype_check.c), validate records (rs_validate.c) or
 * map CSV rows (rs_rowmap.c).
 */
#include "rs_rtype.h"

#include <stdint.h>
#include <string.h>

#include "rs_rtype_data.h"
#include "rs_util.h"

/* Written only through rs_rtype_register, before any other use (rs_rtype.h). */
static const struct rs_rtype_def *registered[RS_RTYPE_MAX_REGISTERED];
static size_t nregistered;

/* ---------------------------------------------------------------- small helpers */

bool rs_rtype_same_ci(const char *a, const char *b)
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

bool rs_rtype_same_ci_n(const char *s, size_t n, const char *word)
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

bool rs_rtype_in_list(const char *list, const char *s, size_t n)
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

/* ---------------------------------------------------------------- entries */

bool rs_rtype_add_registered(const struct rs_rtype_def *def)
{
    if (nregistered == RS_RTYPE_MAX_REGISTERED)
        return false;
    registered[nregistered++] = def;
    return true;
}

size_t rs_rtype_registered_count(void)
{
    return nregistered;
}

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
        if (rs_rtype_same_ci(name, d->name) || strcmp(name, d->label) == 0 ||
            rs_rtype_in_list(d->aliases, name, strlen(name)))
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

const char *rs_field_label(const struct rs_field *f, char out[RS_FIELD_LABEL_MAX])
{
    const char *al = f->aliases && f->aliases[0] ? f->aliases : f->column;
    const char *bar = strchr(al, '|');
    const char *unit = f->unit ? f->unit : "元";
    size_t len = 0;

    out[0] = '\0';
    rs_utf8_append(out, RS_FIELD_LABEL_MAX, &len, al, bar ? (size_t)(bar - al) : strlen(al));
    if (f->kind == RS_FK_MONEY) {
        rs_utf8_append(out, RS_FIELD_LABEL_MAX, &len, "（", strlen("（"));
        rs_utf8_append(out, RS_FIELD_LABEL_MAX, &len, unit, strlen(unit));
        rs_utf8_append(out, RS_FIELD_LABEL_MAX, &len, "）", strlen("）"));
    }
    return out;
}

const struct rs_field *rs_field_find(const char *prefix, size_t prefix_len, const char *name)
{
    const struct rs_rtype_def *d;
    const struct rs_field *rows;
    size_t n = 0;

    if (!prefix || prefix_len == 0) {
        rows = rs_rtype_envelope(&n);
        for (size_t i = 0; i < n; i++)
            if (!(rows[i].flags & RS_FF_CSV_ONLY) && strcmp(rows[i].name, name) == 0)
                return &rows[i];
        return NULL;
    }
    for (size_t i = 0; (d = rs_rtype_at(i)) != NULL; i++)
        if (strlen(d->name) == prefix_len && memcmp(d->name, prefix, prefix_len) == 0)
            return rs_rtype_field(d, name);
    return NULL;
}

/* ---------------------------------------------------------------- bodies and keys */

const ProtobufCFieldDescriptor *rs_rtype_body_member(rs_rtype t)
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

    if (!r || r->body_case == RS__RECORD__BODY__NOT_SET || !(fd = rs_rtype_body_member(r->body_case)))
        return NULL;
    return *(const ProtobufCMessage *const *)(const void *)((const char *)r + fd->offset);
}

/* The body of r if its oneof member holds d's message, else NULL. */
static const ProtobufCMessage *typed_body(const Rs__Record *r, const struct rs_rtype_def *d)
{
    const ProtobufCFieldDescriptor *fd = rs_rtype_body_member(r->body_case);

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
 * Appends ":<value of part p>" to out at *len (nothing for an absent
 * RS_KEY_OPTIONAL string).  RS_EINVAL if the value is missing, RS_ETOOBIG
 * if it does not fit.
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
            return (p->flags & RS_KEY_OPTIONAL) ? RS_OK : RS_EINVAL;
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

rs_rtype rs_rtype_of_record_type(Rs__RecordType v)
{
    char slug[RS_ENUM_SLUG_MAX];

    if (v == RS__RECORD_TYPE__RT_UNSPECIFIED ||
        !rs_enum_slug(&rs__record_type__descriptor, (int)v, slug)[0])
        return RS__RECORD__BODY__NOT_SET;
    for (size_t i = 0; i < rs_rtype_table_len; i++) {
        if (strcmp(rs_rtype_table[i].name, slug) == 0)
            return rs_rtype_table[i].type;
    }
    return RS__RECORD__BODY__NOT_SET;
}

Rs__RecordType rs_record_type_of(rs_rtype t)
{
    const ProtobufCEnumDescriptor *ed = &rs__record_type__descriptor;

    for (unsigned i = 0; i < ed->n_values; i++) {
        Rs__RecordType v = (Rs__RecordType)ed->values[i].value;

        if (v != RS__RECORD_TYPE__RT_UNSPECIFIED && rs_rtype_of_record_type(v) == t)
            return v;
    }
    return RS__RECORD_TYPE__RT_UNSPECIFIED;
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
        if (desc->values[i].value != 0 && rs_rtype_same_ci_n(s, n, value_suffix(&desc->values[i]))) {
            *value = desc->values[i].value;
            return true;
        }
    }
    for (size_t i = 0; e && i < e->n; i++) {
        if (e->values[i].value != 0 && rs_rtype_in_list(e->values[i].aliases, s, n)) {
            *value = e->values[i].value;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- kinds */

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

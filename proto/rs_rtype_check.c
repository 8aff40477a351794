/*
 * rs_rtype_check.c - the record-type table checked against resettle.proto
 * and itself, and the registration of a type the production table does not
 * have.
 *
 * An entry must name a member of rs.Record's body oneof; its rows must
 * follow the message's fields one for one, each of a kind that fits; every
 * enum a field uses must have a names table covering all its values; its
 * column names, aliases, key parts, label field and detection columns must
 * exist and not clash.  tests/test_rtype.c runs rs_rtype_check_table;
 * rs_rtype_register runs rs_rtype_check on the entry it adds.
 *
 * Does not: read the table for anyone else (rs_rtype.c) or hold its data.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rs_rtype.h"
#include "rs_rtype_data.h"
#include "rs_util.h"

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
    if (!f->aliases[0] || f->aliases[0] == '|')
        return say(err, errlen, "%s.%s: a row needs a Chinese alias, its label in messages",
                   where, f->name);
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
        if (rs_rtype_same_ci_n(s, len, rows[i].column) || rs_rtype_in_list(rows[i].aliases, s, len))
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
    if (!member || rs_rtype_body_member((rs_rtype)member->id) != member)
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
            ((p->flags & RS_KEY_ZERO) && fd->type != PROTOBUF_C_TYPE_UINT32) ||
            ((p->flags & RS_KEY_OPTIONAL) && fd->type != PROTOBUF_C_TYPE_STRING))
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
    return (strlen(d->label) == n && memcmp(d->label, s, n) == 0) || rs_rtype_in_list(d->aliases, s, n);
}

/* True if a and b share an English name (in any case), or a Chinese label or alias. */
static bool names_clash(const struct rs_rtype_def *a, const struct rs_rtype_def *b)
{
    if (rs_rtype_same_ci(a->name, b->name) || chinese_name_of(a, b->label, strlen(b->label)))
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

/*
 * RecordType (the township types a nil return or schedule names) against
 * the production table: each value but RT_UNSPECIFIED names a township
 * entry by its slug and shows its label; every township entry but
 * nil_return has a value.
 */
static rs_status check_record_type(char *err, size_t errlen)
{
    const ProtobufCEnumDescriptor *ed = &rs__record_type__descriptor;

    for (unsigned i = 0; i < ed->n_values; i++) {
        Rs__RecordType v = (Rs__RecordType)ed->values[i].value;
        const struct rs_rtype_def *d = rs_rtype_find(rs_rtype_of_record_type(v));

        if (v == RS__RECORD_TYPE__RT_UNSPECIFIED)
            continue;
        if (!d || d->level != RS_LEVEL_TOWNSHIP || d->type == RS__RECORD__BODY_NIL_RETURN)
            return say(err, errlen, "RecordType %s names no township record type",
                       ed->values[i].name);
        if (strcmp(rs_enum_display(ed, (int)v), d->label) != 0)
            return say(err, errlen, "RecordType %s shows \"%s\", the type's label is \"%s\"",
                       ed->values[i].name, rs_enum_display(ed, (int)v), d->label);
    }
    for (size_t i = 0; i < rs_rtype_table_len; i++) {
        const struct rs_rtype_def *d = &rs_rtype_table[i];

        if (d->level == RS_LEVEL_TOWNSHIP && d->type != RS__RECORD__BODY_NIL_RETURN &&
            rs_record_type_of(d->type) == RS__RECORD_TYPE__RT_UNSPECIFIED)
            return say(err, errlen, "township type %s has no value in enum RecordType", d->name);
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
    if (!rv)
        rv = check_record_type(err, errlen);
    return rv;
}

rs_status rs_rtype_register(const struct rs_rtype_def *def, char *err, size_t errlen)
{
    rs_status rv;

    if (rs_rtype_registered_count() == RS_RTYPE_MAX_REGISTERED) {
        if (errlen)
            snprintf(err, errlen, "at most %d registered record types", RS_RTYPE_MAX_REGISTERED);
        return RS_ETOOBIG;
    }
    rv = rs_rtype_check(def, err, errlen);
    if (!rv)
        rv = check_distinct(def, rs_rtype_table_len + rs_rtype_registered_count(), err, errlen);
    if (rv)
        return rv;
    return rs_rtype_add_registered(def) ? RS_OK : RS_ETOOBIG;
}

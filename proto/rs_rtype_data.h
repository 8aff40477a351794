/*
 * rs_rtype_data.h - private to proto/: where the record-type table's data
 * lives (the production entries and envelope rows in rs_rtype_table.c, the
 * enum names in rs_rtype_enums.c), and the few helpers rs_rtype.c shares
 * with rs_rtype_check.c.  Everyone else reads the table through rs_rtype.h.
 *
 * Does not: declare anything another directory may call.
 */
#ifndef RS_RTYPE_DATA_H
#define RS_RTYPE_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "rs_rtype.h"

/* The production record types, in CSV detection order. */
extern const struct rs_rtype_def rs_rtype_table[];
extern const size_t rs_rtype_table_len;

/* rs.Record's own fields, in declaration order. */
extern const struct rs_field rs_rtype_envelope_rows[];
extern const size_t rs_rtype_envelope_len;

/* One names table per enum a record field uses. */
extern const struct rs_enum_names rs_enum_table[];
extern const size_t rs_enum_table_len;

/* Appends def to the registered types (rs_rtype_register has checked it);
 * false when RS_RTYPE_MAX_REGISTERED are there already.  One thread,
 * before any other use of the table. */
bool rs_rtype_add_registered(const struct rs_rtype_def *def);

/* How many types are registered. */
size_t rs_rtype_registered_count(void);

/* The member of rs.Record's `body` oneof with case t (a message field whose
 * case field is body_case), or NULL. */
const ProtobufCFieldDescriptor *rs_rtype_body_member(rs_rtype t);

/* ASCII case-insensitive equality of two C strings. */
bool rs_rtype_same_ci(const char *a, const char *b);

/* True if s[0..n) equals the C string word, ASCII letters in any case. */
bool rs_rtype_same_ci_n(const char *s, size_t n, const char *word);

/* True if s[0..n) is one of the '|'-separated entries of list, byte for byte
 * (an empty list has none). */
bool rs_rtype_in_list(const char *list, const char *s, size_t n);

#endif

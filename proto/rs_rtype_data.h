/*
 * rs_rtype_data.h - where the data of the record-type table lives (private
 * to proto/): the production entries and the envelope rows
 * (rs_rtype_table.c) and the enum names (rs_rtype_enums.c).  Everyone else
 * reads them through rs_rtype.h.
 *
 * Does not: declare any function.
 */
#ifndef RS_RTYPE_DATA_H
#define RS_RTYPE_DATA_H

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

#endif

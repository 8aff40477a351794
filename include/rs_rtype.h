/*
 * rs_rtype.h - the one table of record types, and the Chinese names of every
 * enum value.
 *
 * One entry (struct rs_rtype_def) per record type is the only place that
 * says: which member of rs.Record's `body` oneof it is, its English name
 * (the oneof field name, which is also its report slug), its Chinese display
 * label and the other Chinese names accepted for it, its level (township, or
 * central office only), its protobuf message descriptor, one row per field
 * (struct rs_field: proto field, CSV column and Chinese aliases, kind, flags,
 * cross-field rule, unit and meaning for docs/csv.md), the natural-key
 * recipe, the field that names a record to a reader, the header columns that
 * identify its CSV files, and a one-line description.  The envelope
 * (rs.Record's own fields) is one more row list.  Per enum of
 * resettle.proto, one table (struct rs_enum_names) gives every value's
 * Chinese display name and the Chinese words a CSV cell may use for it; the
 * English slug of a value comes from its protobuf-c name (CAT_ROAD -> road).
 *
 * Read by: record validation (rs_validate.c walks the rows beside the
 * message descriptor) and the client's row mapper (rs_rowmap.c binds header
 * cells to rows and reads enum cells by their names), and the generator of
 * docs/csv.md (proto/rs_csvdoc.c); the server's record labels, report slugs
 * and unknown-field check call the functions below.
 * tests/test_rtype.c fails when resettle.proto and the table disagree.
 *
 * The production entries are in proto/rs_rtype_table.c and the enum names
 * in proto/rs_rtype_enums.c; the cross-field rules in proto/rs_rules.c.
 *
 * Threading: the table is read-only once the process runs; every function
 * here may be called from any thread, except rs_rtype_register (see there).
 *
 * Does not: validate a record (rs_validate.h), parse CSV cells (rs_rowmap.h),
 * or allocate.
 */
#ifndef RS_RTYPE_H
#define RS_RTYPE_H

#include <stdbool.h>
#include <stddef.h>

#include "resettle.pb-c.h"
#include "rs_status.h"

/* Records types, by the oneof case of rs.Record. */
typedef Rs__Record__BodyCase rs_rtype;

struct rs_verdict;   /* rs_validate.h */

/* What a field holds: decides its checks, how a CSV cell is read and what
 * docs/csv.md calls it. */
enum rs_fkind {
    RS_FK_STRING,    /* string, at most RS_MAX_STRING_BYTES, one line, no control characters */
    RS_FK_TEXT,      /* string, at most RS_MAX_TEXT_BYTES; line breaks and tabs allowed */
    RS_FK_CODE,      /* string of [a-z0-9_.-], 1..64 */
    RS_FK_ENUM,      /* a value of the field's enum other than *_UNSPECIFIED */
    RS_FK_DATE,      /* uint32 YYYYMMDD, a real calendar date */
    RS_FK_MONEY,     /* int64 fen, 0..10^14; CSV in 元 or 万元, column without "_fen" */
    RS_FK_COUNT,     /* uint32, 0..10^7 */
    RS_FK_PERCENT,   /* uint32, 0..100; a CSV cell may end in % */
    RS_FK_MONTHS,    /* uint32, 1..12 */
    RS_FK_YEAR,      /* uint32, 2000..2100 */
    RS_FK_QUANTITY,  /* int64 thousandths of a unit, 0..10^15; column without "_milli" */
    RS_FK_SCORE,     /* int64 points x 1000, 0..10^6; column without "_milli" */
    RS_FK_BOOL       /* nothing to check */
};

/* Flags of a field row. */
#define RS_FF_REQUIRED 0x01u      /* must be given (strings non-empty, enums not unspecified);
                                   * a body field's CSV column is required too */
#define RS_FF_POSITIVE 0x02u      /* money > 0, counts >= 1 */
#define RS_FF_UUID 0x04u          /* a UUID when given */
#define RS_FF_CSV_ONLY 0x08u      /* a CSV column with no field of its own: its value goes,
                                   * transformed, into the field `name` (see RS_FF_ID_CARD) */
#define RS_FF_ID_CARD 0x10u       /* CSV-only: an ID-card number; only its keyed hash is kept */
#define RS_FF_HEAD_NAME 0x20u     /* CSV-only: the name of the head of household; likewise,
                                   * used when no ID-card number is given */
#define RS_FF_IDENT (RS_FF_ID_CARD | RS_FF_HEAD_NAME)
#define RS_FF_CLIENT_FILLS 0x40u  /* envelope: the client fills it in when a file leaves it
                                   * out (the id, the period) */
#define RS_FF_DEFAULTABLE 0x80u   /* envelope: a file needs the column only when the client
                                   * has no default for it (division_code, year) */

/*
 * A cross-field rule.  msg is the message the row belongs to (the body, or
 * rs.Record for the envelope); every field up to and including this row has
 * passed its own checks.  Returns true, or false with v filled by
 * rs_verdict_reject (the field named in full, e.g. "project.actual_end").
 */
typedef bool (*rs_rule_fn)(const void *msg, struct rs_verdict *v);

/* One field of a message, and its CSV column. */
struct rs_field {
    const char *name;        /* proto field name; for a CSV-only row the field it fills */
    const char *column;      /* English CSV column name (any letter case in a header) */
    const char *aliases;     /* Chinese column names, '|'-separated; "" for none */
    enum rs_fkind kind;
    unsigned flags;          /* RS_FF_* */
    rs_rule_fn rule;         /* run after this field's own checks; NULL for none */
    const char *unit;        /* unit docs/csv.md shows ("人次"); NULL: the kind's */
    const char *doc;         /* what goes in it: one line of English for docs/csv.md */
};

/* One part of a natural key. */
#define RS_KEY_ENVELOPE 0x1u      /* a field of rs.Record (the period), not of the body */
#define RS_KEY_ZERO 0x2u          /* a number that is absent is written as 0 */
#define RS_KEY_OPTIONAL 0x4u      /* a string that is absent or empty leaves its part out */
struct rs_key_part {
    const char *field;       /* a string, enum or uint32 field; NULL ends the recipe */
    unsigned flags;          /* RS_KEY_* */
};
#define RS_RTYPE_KEY_PARTS 3

enum rs_level {
    RS_LEVEL_TOWNSHIP,       /* a township (乡镇/街道) office submits it */
    RS_LEVEL_CENTRAL         /* unit-level: only a central office may submit it */
};

/* One record type. */
struct rs_rtype_def {
    rs_rtype type;                        /* the oneof case of rs.Record.body */
    const char *name;                     /* English name = the oneof field name = report slug */
    const char *label;                    /* Chinese display label: "项目" */
    const char *aliases;                  /* other Chinese names, '|'-separated; "" for none */
    enum rs_level level;
    const ProtobufCMessageDescriptor *desc;   /* the body message */
    const struct rs_field *fields;        /* in declaration order, CSV-only rows anywhere */
    size_t nfields;
    /* Natural key: "<name>:<part>:<part>..." (strings as given, enums and numbers in
     * decimal); no parts: the name alone (one record per division and year). */
    struct rs_key_part key[RS_RTYPE_KEY_PARTS];
    const char *label_field;              /* string or enum field naming a record to a
                                           * reader ("P-2023-001", "人员经费"); NULL: none */
    const char *has[2];                   /* columns a CSV header must have (NULL: unused) */
    const char *lacks[2];                 /* columns, of any type, it must not have */
    const char *doc;                      /* one line of English for docs/csv.md */
};

/* Number of elements of a static array, for struct rs_rtype_def.nfields. */
#define RS_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- record types */

/* The entry of type t, or NULL (no entry: production code refuses the type). */
const struct rs_rtype_def *rs_rtype_find(rs_rtype t);

/* The i-th entry in CSV detection order (the production table, then any
 * registered type); NULL past the last. */
const struct rs_rtype_def *rs_rtype_at(size_t i);

/* The envelope's rows (the fields of rs.Record outside the body oneof), in
 * declaration order; *n gets their number. */
const struct rs_field *rs_rtype_envelope(size_t *n);

/* "project", "subsidy", ...; "unknown" for a type without an entry. */
const char *rs_rtype_name(rs_rtype t);

/* Chinese display label, e.g. "项目", "救助"; "未知" for a type without an entry. */
const char *rs_rtype_label(rs_rtype t);

/* Parses an English name (any letter case), the Chinese label or one of
 * its aliases; RS__RECORD__BODY__NOT_SET if none matches or name is NULL. */
rs_rtype rs_rtype_parse(const char *name);

/* True for the types only a central office may submit. */
bool rs_rtype_is_unit_level(rs_rtype t);

/* True for the types a township office submits (known, not unit-level). */
bool rs_rtype_is_township(rs_rtype t);

/*
 * The township record types by their value in the wire enum RecordType (what
 * a nil return or a schedule line names): the production entry whose name is
 * the value's slug (RT_SUBSIDY -> subsidy).  RS__RECORD__BODY__NOT_SET for
 * RT_UNSPECIFIED or a value without an entry.
 */
rs_rtype rs_rtype_of_record_type(Rs__RecordType v);

/* The RecordType value of a township type, or RS__RECORD_TYPE__RT_UNSPECIFIED
 * for a type RecordType does not list (unit-level types, nil_return). */
Rs__RecordType rs_record_type_of(rs_rtype t);

/* The row named name (a proto field; CSV-only rows are skipped) of def, or NULL. */
const struct rs_field *rs_rtype_field(const struct rs_rtype_def *def, const char *name);

/*
 * The body message of r: the member of the `body` oneof that body_case
 * names, read through rs.Record's descriptor, for any member (one without a
 * table entry too).  NULL if r is NULL, no member is set, or its pointer is.
 */
const ProtobufCMessage *rs_rtype_body(const Rs__Record *r);

/*
 * Writes the natural key of r into out, e.g. "project:P-2023-001",
 * "relief:HH0012:1:20231220", "subsidy:<village>:<period>", "budget_line:3",
 * or the type name for types with one record per division and year.  It
 * does not include the division or year; callers prefix those.  RS_ETOOBIG
 * (out is "") if out is too small, RS_EINVAL if the type has no entry, the
 * body is missing or a key field is (an empty string, an unspecified enum).
 */
RS_NODISCARD rs_status rs_record_key(const Rs__Record *r, char *out, size_t outlen);

/*
 * What names r to a reader after its type's label: the label field's string
 * ("P-2023-001"), or its enum value's display name ("人员经费"); NULL when
 * the type has none, or the field is empty, absent or unspecified.  The
 * string lives as long as r (a string field) or forever (a display name).
 */
const char *rs_record_label_key(const Rs__Record *r);

/*
 * Checks one entry against resettle.proto and the enum tables: its name is
 * a message member of rs.Record's body oneof with case def->type and
 * descriptor def->desc; its rows match the message's fields one for one, in
 * order, each of a kind that fits the field's type (CSV-only rows aside);
 * every enum field's enum has a names table covering all its values; column
 * names and aliases are unique within the type and its envelope; key parts,
 * label field and detection columns exist.  RS_OK, or RS_EINVAL with the
 * first disagreement in err.
 */
RS_NODISCARD rs_status rs_rtype_check(const struct rs_rtype_def *def, char *err,
                                      size_t errlen);

/*
 * rs_rtype_check of every entry, plus: the envelope rows match rs.Record,
 * no two entries share a oneof case, an English name, or a Chinese label or
 * alias, and the wire enum RecordType lists exactly the production township
 * types other than nil_return, each value's slug being the type's name and
 * its display name the type's label.  RS_OK or RS_EINVAL with err.
 */
RS_NODISCARD rs_status rs_rtype_check_table(char *err, size_t errlen);

#define RS_RTYPE_MAX_REGISTERED 4

/*
 * Adds a record type that the production table does not have (a test-only
 * message of resettle.proto, such as rs.Probe).  def is borrowed and must
 * live as long as the process (a static).  It is checked as by rs_rtype_check
 * and must not share a case, name, label or alias with an entry; it is then
 * found by every function here, detected by the row mapper after the
 * production types, and validated like them.
 *
 * Thread: call it before any other use of the table (validation, row
 * mapping, keys), from one thread; it is not synchronised.  RS_EINVAL with
 * err for a bad or clashing def; RS_ETOOBIG past RS_RTYPE_MAX_REGISTERED.
 */
RS_NODISCARD rs_status rs_rtype_register(const struct rs_rtype_def *def, char *err,
                                         size_t errlen);

#define RS_FIELD_LABEL_MAX 96   /* bytes of a field label, with its NUL */

/*
 * The Chinese label of field row f, as messages a clerk reads name it: its
 * first alias ("金额" of "金额|救助金额"), and for a money field its unit
 * in full-width parentheses ("金额（元）", "补助标准（元/人/年）").  A row
 * without an alias (rs_rtype_check refuses one) gives its English column.
 * Written to out, cut on a character boundary, and returned.
 */
const char *rs_field_label(const struct rs_field *f, char out[RS_FIELD_LABEL_MAX]);

/*
 * The row of field `name` of the message the verdict field prefix names:
 * prefix NULL or "" the envelope, else the type whose English name it is
 * ("project").  CSV-only rows are skipped.  NULL if there is none.
 */
const struct rs_field *rs_field_find(const char *prefix, size_t prefix_len, const char *name);

/* True if kind k fits protobuf-c field fd (type and an optional label). */
bool rs_fkind_fits(enum rs_fkind k, const ProtobufCFieldDescriptor *fd);

/* ---------------------------------------------------------------- enum names */

/* One enum value's Chinese names. */
struct rs_enum_value {
    int value;
    const char *display;     /* as reports print it: "道路硬化", "未分类" */
    const char *aliases;     /* what a CSV cell may say, '|'-separated; "" for none
                              * (the *_UNSPECIFIED values cannot be written) */
};

/* The names of one enum of resettle.proto, one element per value in value order. */
struct rs_enum_names {
    const ProtobufCEnumDescriptor *desc;
    const struct rs_enum_value *values;
    size_t n;
};

#define RS_ENUM_SLUG_MAX 48      /* bytes of the longest slug, with its NUL */

/* The names table of desc, or NULL. */
const struct rs_enum_names *rs_enum_find(const ProtobufCEnumDescriptor *desc);

/* The i-th names table; NULL past the last. */
const struct rs_enum_names *rs_enum_at(size_t i);

/* The display name of value, e.g. "道路硬化"; "" for a value or enum
 * without one. */
const char *rs_enum_display(const ProtobufCEnumDescriptor *desc, int value);

/* The CSV aliases of value ('|'-separated); "" for none. */
const char *rs_enum_aliases(const ProtobufCEnumDescriptor *desc, int value);

/*
 * The English slug of value: its protobuf-c name after the first '_', in
 * lower case (CAT_ROAD -> "road", STAGE_PRELIM_ACCEPTED ->
 * "prelim_accepted", CAT_UNSPECIFIED -> "unspecified"), written to out and
 * returned; "" (in out) for a value desc does not have.
 */
const char *rs_enum_slug(const ProtobufCEnumDescriptor *desc, int value,
                         char out[RS_ENUM_SLUG_MAX]);

/*
 * Parses s[0..n) (not NUL-terminated) as a value of desc: the English slug
 * in any letter case, or one of the Chinese aliases exactly.  The
 * *_UNSPECIFIED value never matches.  True with *value set, or false.
 */
RS_NODISCARD bool rs_enum_parse(const ProtobufCEnumDescriptor *desc, const char *s, size_t n,
                                int *value);

#endif

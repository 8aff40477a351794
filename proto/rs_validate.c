/*
 * rs_validate.c - the checking engine: walks a message's rows in the
 * record-type table and its protobuf-c descriptor side by side.
 *
 * For each field (in declaration order, oneof members aside) the row says
 * its kind (short string, long text, enum, date, money, count, ...), its
 * flags (required, positive, UUID) and optionally a cross-field rule that
 * relates it to fields declared before it.  Generic checks read the value
 * through the descriptor's offsets; the row and the descriptor must agree
 * on the field's name and type, so the table cannot silently fall out of
 * step with the schema: the whole table is checked against the schema once
 * per process, before the first record (rs_rtype_check_table; a type
 * registered later is checked as it is registered), and every record is
 * refused if it does not hold.  The first failure stops the walk; its
 * verdict gives the reason in English and in Chinese, naming fields by
 * their labels in the table (rs_field_label).  CSV-only rows
 * (the client's identifier columns) have no field and are skipped.
 *
 * Does not: know any record type or field by name (proto/rs_rtype_table.c
 * and rs_rules.c do), reject arithmetic inconsistencies that real reports
 * contain (the consistency checker flags those), check office scope, look
 * at other records, or allocate.
 */
#include "rs_validate.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rs_util.h"
#include "rs_wire.h"

#define MAX_MONEY_FEN INT64_C(100000000000000)   /* 10^14 fen = 10^12 yuan */
#define MAX_COUNT 10000000u
#define MAX_SCORE_MILLI INT64_C(1000000)         /* 1000 points */
#define MAX_QTY_MILLI INT64_C(1000000000000000)  /* 10^12 units */
#define KEY_CODE_MAX 64                          /* indicator and figure keys */
#define YEAR_MIN 2000u
#define YEAR_MAX 2100u

/* What a clerk reads when the table and the schema disagree (a build fault). */
#define ZH_TABLE "内部错误：校验表与数据格式不一致，请联系区中心"

/* ---------------------------------------------------------------- verdicts */

/*
 * Writes text into v->text with "{}" replaced by the label of the blamed
 * field (prefix.field) and "{name}" by the label of field `name` of the
 * same message; a name without a row stays as written.
 */
static void put_text(struct rs_verdict *v, const char *prefix, const char *field,
                     const char *text)
{
    size_t plen = prefix ? strlen(prefix) : 0, len = 0;
    const char *dot, *p = text;

    v->text[0] = '\0';
    if (!text)
        return;
    if (!prefix && (dot = strchr(field, '.')) != NULL) {
        /* rs_verdict_reject names the field in full: "project.actual_end". */
        prefix = field;
        plen = (size_t)(dot - field);
        field = dot + 1;
    }
    while (*p) {
        const char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
        char name[64], label[RS_FIELD_LABEL_MAX];
        const struct rs_field *f;
        size_t n;

        if (!open || !close) {
            rs_utf8_append(v->text, sizeof v->text, &len, p, strlen(p));
            return;
        }
        rs_utf8_append(v->text, sizeof v->text, &len, p, (size_t)(open - p));
        n = (size_t)(close - open - 1);
        if (n >= sizeof name) {
            rs_utf8_append(v->text, sizeof v->text, &len, open, (size_t)(close + 1 - open));
        } else {
            memcpy(name, open + 1, n);
            name[n] = '\0';
            f = rs_field_find(prefix, plen, n ? name : field);
            if (f)
                rs_field_label(f, label);
            else
                snprintf(label, sizeof label, "%s", n ? name : field);
            rs_utf8_append(v->text, sizeof v->text, &len, label, strlen(label));
        }
        p = close + 1;
    }
}

static bool fail(struct rs_verdict *v, rs_status st, const char *prefix, const char *field,
                 const char *reason, const char *text)
{
    v->st = st;
    if (prefix && prefix[0])
        snprintf(v->field, sizeof v->field, "%s.%s", prefix, field);
    else
        snprintf(v->field, sizeof v->field, "%s", field);
    snprintf(v->reason, sizeof v->reason, "%s", reason);
    put_text(v, prefix && prefix[0] ? prefix : NULL, field, text);
    return false;
}

bool rs_verdict_reject(struct rs_verdict *v, const char *field, const char *reason,
                       const char *text)
{
    return fail(v, RS_EINVAL, NULL, field, reason, text);
}

/* ---------------------------------------------------------------- small predicates */

static bool empty(const char *s)
{
    return !s || !s[0];
}

/*
 * True if s[0..n) holds a control character: C0 (except \n and \t when
 * allow_nl_tab), DEL, or a C1 code point U+0080..U+009F.  s is valid UTF-8.
 */
static bool has_control(const char *s, size_t n, bool allow_nl_tab)
{
    const uint8_t *p = (const uint8_t *)s;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20) {
            if (!(allow_nl_tab && (p[i] == '\n' || p[i] == '\t')))
                return true;
        } else if (p[i] == 0x7f) {
            return true;
        } else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
            return true;
        }
    }
    return false;
}

static bool has_upper_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'F')
            return true;
    return false;
}

static bool code_chars_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- generic field checks */

static bool check_string(const struct rs_field *f, const char *s, const char *prefix,
                         struct rs_verdict *v)
{
    size_t n, cap = f->kind == RS_FK_TEXT ? RS_MAX_TEXT_BYTES : RS_MAX_STRING_BYTES;
    char why[64], zh[64];

    if (empty(s))
        return (f->flags & RS_FF_REQUIRED) ? fail(v, RS_EINVAL, prefix, f->name, "required", "{}为必填项")
                                           : true;
    n = strlen(s);
    if (n > cap) {
        snprintf(why, sizeof why, "longer than %zu bytes", cap);
        snprintf(zh, sizeof zh, "{}过长（超过%zu字节）", cap);
        return fail(v, RS_ETOOBIG, prefix, f->name, why, zh);
    }
    if (!rs_utf8_valid(s, n))
        return fail(v, RS_EENCODING, prefix, f->name, "not valid UTF-8", "{}不是有效的UTF-8文本");
    if (has_control(s, n, f->kind == RS_FK_TEXT))
        return fail(v, RS_EINVAL, prefix, f->name, "contains a control character",
                    "{}含有控制字符");
    if (f->kind == RS_FK_CODE) {
        if (n > KEY_CODE_MAX)
            return fail(v, RS_EINVAL, prefix, f->name, "longer than 64 characters",
                        "{}超过64个字符");
        if (!code_chars_ok(s, n))
            return fail(v, RS_EINVAL, prefix, f->name, "only a-z, 0-9, '_', '.' and '-' allowed",
                        "{}只能由小写字母、数字、下划线（_）、点（.）和连字符（-）组成");
    }
    if ((f->flags & RS_FF_UUID) && !rs_uuid_valid(s))
        return fail(v, RS_EINVAL, prefix, f->name, "not a UUID", "{}不是有效的UUID");
    /* A valid UUID is canonical (rs_uuid_canonical) when it has no upper-case digit. */
    if ((f->flags & RS_FF_UUID) && has_upper_hex(s, n))
        return fail(v, RS_EINVAL, prefix, f->name,
                    "not in canonical form: write the UUID in lower case (ids are compared "
                    "exactly as written)",
                    "{}须用小写字母书写（编号按原样比较）");
    return true;
}

static bool check_enum(const struct rs_field *f, const ProtobufCFieldDescriptor *fd, bool has,
                       int value, const char *prefix, struct rs_verdict *v)
{
    char why[64], zh[64];

    if (!has || value == 0) {
        if (f->flags & RS_FF_REQUIRED)
            return fail(v, RS_EINVAL, prefix, f->name, "required", "{}为必填项");
        return has ? fail(v, RS_EINVAL, prefix, f->name, "must not be unspecified",
                          "{}不能为“未指定”")
                   : true;
    }
    if (!protobuf_c_enum_descriptor_get_value(fd->descriptor, value)) {
        snprintf(why, sizeof why, "unknown value %d", value);
        snprintf(zh, sizeof zh, "{}的取值%d未知", value);
        return fail(v, RS_EINVAL, prefix, f->name, why, zh);
    }
    return true;
}

static bool check_u32(const struct rs_field *f, uint32_t x, const char *prefix,
                      struct rs_verdict *v)
{
    char why[64], zh[64];

    switch (f->kind) {
    case RS_FK_DATE:
        return rs_date_valid(x) ? true : fail(v, RS_EINVAL, prefix, f->name,
                                              "not a calendar date",
                                              "{}不是有效日期（应为YYYY-MM-DD）");
    case RS_FK_COUNT:
        if ((f->flags & RS_FF_POSITIVE) && x < 1)
            return fail(v, RS_EINVAL, prefix, f->name, "must be >= 1", "{}须至少为1");
        if (x > MAX_COUNT) {
            snprintf(why, sizeof why, "must be <= %u", MAX_COUNT);
            snprintf(zh, sizeof zh, "{}不能超过%u", MAX_COUNT);
            return fail(v, RS_EINVAL, prefix, f->name, why, zh);
        }
        return true;
    case RS_FK_PERCENT:
        return x <= 100 ? true : fail(v, RS_EINVAL, prefix, f->name, "must be 0..100",
                                              "{}须在0到100之间");
    case RS_FK_MONTHS:
        return x >= 1 && x <= 12 ? true : fail(v, RS_EINVAL, prefix, f->name, "must be 1..12",
                                                        "{}须在1到12之间");
    case RS_FK_YEAR:
        return x >= YEAR_MIN && x <= YEAR_MAX ? true : fail(v, RS_EINVAL, prefix, f->name,
                                                            "must be 2000..2100", "{}须在2000到2100之间");
    default:
        return fail(v, RS_EINTERNAL, prefix, f->name, "validator table does not match schema",
                    ZH_TABLE);
    }
}

static bool check_i64(const struct rs_field *f, int64_t x, const char *prefix,
                      struct rs_verdict *v)
{
    int64_t max = f->kind == RS_FK_MONEY      ? MAX_MONEY_FEN
                  : f->kind == RS_FK_QUANTITY ? MAX_QTY_MILLI
                                              : MAX_SCORE_MILLI;
    char why[64], zh[64];

    if ((f->flags & RS_FF_POSITIVE) && x <= 0)
        return fail(v, RS_EINVAL, prefix, f->name, "must be > 0", "{}须大于0");
    if (x < 0)
        return fail(v, RS_EINVAL, prefix, f->name, "must be >= 0", "{}不能为负数");
    if (x > max) {
        snprintf(why, sizeof why, "must be <= %" PRId64, max);
        /* The label says the unit: 元 for money, whole units and points for thousandths. */
        snprintf(zh, sizeof zh, "{}不能超过%" PRId64,
                 f->kind == RS_FK_MONEY ? max / 100 : max / 1000);
        return fail(v, RS_EINVAL, prefix, f->name, why, zh);
    }
    return true;
}

/* Checks one field of msg described by fd against its row f. */
static bool check_field(const void *msg, const ProtobufCFieldDescriptor *fd,
                        const struct rs_field *f, const char *prefix, struct rs_verdict *v)
{
    const char *base = msg;
    bool has;

    /* Row and field agree in name and kind: table_check has seen to it. */
    if (fd->type == PROTOBUF_C_TYPE_STRING)
        return check_string(f, *(char *const *)(const void *)(base + fd->offset), prefix, v);
    has = *(const protobuf_c_boolean *)(const void *)(base + fd->quantifier_offset) != 0;
    if (f->kind == RS_FK_ENUM)
        return check_enum(f, fd, has, *(const int *)(const void *)(base + fd->offset), prefix,
                          v);
    if (!has)
        return (f->flags & RS_FF_REQUIRED)
                   ? fail(v, RS_EINVAL, prefix, f->name, "required", "{}为必填项")
                   : true;
    switch (fd->type) {
    case PROTOBUF_C_TYPE_UINT32:
        return check_u32(f, *(const uint32_t *)(const void *)(base + fd->offset), prefix, v);
    case PROTOBUF_C_TYPE_INT64:
        return check_i64(f, *(const int64_t *)(const void *)(base + fd->offset), prefix, v);
    default:
        return true;
    }
}

/*
 * Walks rows[0..n) and desc's fields (skipping oneof members, which are the
 * record's body, and CSV-only rows) in step.  The rows must cover every
 * field, in order.
 */
static bool check_message(const void *msg, const ProtobufCMessageDescriptor *desc,
                          const struct rs_field *rows, size_t n, const char *prefix,
                          struct rs_verdict *v)
{
    size_t k = 0;

    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &desc->fields[i];

        if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;
        while (k < n && (rows[k].flags & RS_FF_CSV_ONLY))
            k++;
        if (k == n)
            return fail(v, RS_EINTERNAL, prefix, fd->name, "validator does not know this field",
                        ZH_TABLE);
        if (!check_field(msg, fd, &rows[k], prefix, v))
            return false;
        if (rows[k].rule && !rows[k].rule(msg, v))
            return false;
        k++;
    }
    while (k < n && (rows[k].flags & RS_FF_CSV_ONLY))
        k++;
    if (k != n)
        return fail(v, RS_EINTERNAL, prefix, rows[k].name, "field is not in the schema", ZH_TABLE);
    return true;
}

/* ---------------------------------------------------------------- validation */

static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static bool table_ok;

/* Every row against its field, once: name, kind, order (rs_rtype_check.c). */
static void table_check(void)
{
    char err[256];

    table_ok = rs_rtype_check_table(err, sizeof err) == RS_OK;
}

rs_status rs_validate_record(const Rs__Record *r, struct rs_verdict *v)
{
    const struct rs_rtype_def *d;
    const ProtobufCMessage *body;
    const struct rs_field *env;
    char zh[RS_VERDICT_TEXT_MAX];
    size_t nenv;

    v->st = RS_OK;
    v->field[0] = '\0';
    v->reason[0] = '\0';
    v->text[0] = '\0';
    pthread_once(&table_once, table_check);
    if (!table_ok) {
        fail(v, RS_EINTERNAL, NULL, "record", "validator table does not match schema", ZH_TABLE);
        return v->st;
    }
    if (!r) {
        fail(v, RS_EINVAL, NULL, "record", "missing", "记录为空");
        return v->st;
    }
    env = rs_rtype_envelope(&nenv);
    if (!check_message(r, &rs__record__descriptor, env, nenv, NULL, v))
        return v->st;
    d = rs_rtype_find(r->body_case);
    if (!d) {
        fail(v, RS_EINVAL, NULL, "body", "required (no known record type is set)",
             "缺少记录内容（不是已知的记录类型）");
        return v->st;
    }
    body = rs_rtype_body(r);   /* d->desc is the member's message: rs_rtype_check */
    if (!body) {
        snprintf(zh, sizeof zh, "缺少%s记录的内容", d->label);
        fail(v, RS_EINVAL, NULL, d->name, "required", zh);
        return v->st;
    }
    if (!check_message(body, d->desc, d->fields, d->nfields, d->name, v))
        return v->st;
    return RS_OK;
}

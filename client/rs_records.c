/*
 * rs_records.c - RecordsRequest over a session, and a listing written as
 * Chinese text or JSON.
 *
 * See rs_records.h for the contract.  A record's fields are written by
 * the record-type table (rs_rtype.h): its envelope rows, then its body's,
 * each read through the message descriptor, so a field not given (proto2
 * presence) is 未填 in text and null in JSON, never 0.
 *
 * Does not: check what the server sends beyond its shape, or keep
 * anything between calls.
 */
#include "rs_records.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rs_util.h"

/* ------------------------------------------------------------ the request */

rs_status rs_records_fetch(struct rs_session *s, const struct rs_records_query *q,
                           Rs__RecordsReply **out, char *err, size_t errlen)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__RecordsRequest rq = RS__RECORDS_REQUEST__INIT;
    rs_status rc;

    *out = NULL;
    if (q->year) {
        rq.has_year = true;
        rq.year = q->year;
    }
    rq.division = q->division && q->division[0] ? (char *)q->division : NULL;
    if (q->type != RS__RECORD__BODY__NOT_SET)
        rq.record_type = (char *)rs_rtype_name(q->type);
    if (q->state != RS__REVIEW_STATE__RVS_UNSPECIFIED) {
        rq.has_state = true;
        rq.state = q->state;
    }
    rq.record_id = q->record_id && q->record_id[0] ? (char *)q->record_id : NULL;
    if (q->offset) {
        rq.has_offset = true;
        rq.offset = q->offset;
    }
    if (q->limit) {
        rq.has_limit = true;
        rq.limit = q->limit;
    }
    env.msg_case = RS__ENVELOPE__MSG_RECORDS_REQUEST;
    env.records_request = &rq;
    rc = rs_session_call(s, &env, RS__ENVELOPE__MSG_RECORDS, &reply, err, errlen);
    if (rc)
        return rc;
    /* The reply is handed out alone: detached, the envelope frees nothing of it. */
    *out = reply->records;
    reply->records = NULL;
    reply->msg_case = RS__ENVELOPE__MSG__NOT_SET;
    rs__envelope__free_unpacked(reply, NULL);
    return RS_OK;
}

/* ------------------------------------------------------------ fields */

/* A field's value in m, or NULL when it is not given. */
static const void *field_value(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    const char *base = (const char *)m;

    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    if (fd->type == PROTOBUF_C_TYPE_STRING || fd->type == PROTOBUF_C_TYPE_MESSAGE) {
        const void *p = *(const void *const *)(base + fd->offset);

        return p ? base + fd->offset : NULL;
    }
    if (fd->quantifier_offset && !*(const protobuf_c_boolean *)(base + fd->quantifier_offset))
        return NULL;
    return base + fd->offset;
}

static int64_t int_of(const ProtobufCFieldDescriptor *fd, const void *v)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: return *(const int64_t *)v;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return (int64_t)*(const uint64_t *)v;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: return (int64_t)*(const uint32_t *)v;
    default: return (int64_t)*(const int32_t *)v;
    }
}

/* Calls fn for each field row of r (envelope, then body), CSV-only rows left out. */
static void each_field(const Rs__Record *r,
                       void (*fn)(const struct rs_field *row, const ProtobufCMessage *m,
                                  const ProtobufCFieldDescriptor *fd, void *arg),
                       void *arg)
{
    const struct rs_rtype_def *def = rs_rtype_find(r->body_case);
    const ProtobufCMessage *body = rs_rtype_body(r);
    const struct rs_field *rows;
    size_t n;

    rows = rs_rtype_envelope(&n);
    for (size_t i = 0; i < n; i++) {
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(&rs__record__descriptor, rows[i].name);

        if (fd && !(rows[i].flags & RS_FF_CSV_ONLY))
            fn(&rows[i], &r->base, fd, arg);
    }
    if (!def || !body)
        return;
    for (size_t i = 0; i < def->nfields; i++) {
        const ProtobufCFieldDescriptor *fd;

        if (def->fields[i].flags & RS_FF_CSV_ONLY)
            continue;
        fd = protobuf_c_message_descriptor_get_field_by_name(def->desc, def->fields[i].name);
        if (fd)
            fn(&def->fields[i], body, fd, arg);
    }
}

/* ------------------------------------------------------------ JSON */

static void json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void json_key(FILE *f, bool *first, const char *key, const char *suffix)
{
    fputs(*first ? "" : ",", f);
    *first = false;
    fprintf(f, "\"%s%s\":", key, suffix);
}

static void json_field(const struct rs_field *row, const ProtobufCMessage *m,
                       const ProtobufCFieldDescriptor *fd, void *arg)
{
    FILE *f = ((void **)arg)[0];
    bool *first = ((void **)arg)[1];
    const void *v = field_value(m, fd);
    const char *suffix = row->kind == RS_FK_MONEY ? "_fen"
                         : row->kind == RS_FK_QUANTITY || row->kind == RS_FK_SCORE ? "_milli"
                                                                                    : "";
    char slug[RS_ENUM_SLUG_MAX];

    json_key(f, first, row->column, suffix);
    if (!v)
        fputs("null", f);
    else if (fd->type == PROTOBUF_C_TYPE_STRING)
        json_str(f, *(char *const *)v);
    else if (fd->type == PROTOBUF_C_TYPE_BOOL)
        fputs(*(const protobuf_c_boolean *)v ? "true" : "false", f);
    else if (fd->type == PROTOBUF_C_TYPE_ENUM)
        json_str(f, rs_enum_slug(fd->descriptor, *(const int *)v, slug));
    else if (fd->type == PROTOBUF_C_TYPE_MESSAGE)
        fputs("null", f);
    else
        fprintf(f, "%" PRId64, int_of(fd, v));
}

static const char *state_slug(Rs__ReviewState st)
{
    switch (st) {
    case RS__REVIEW_STATE__RVS_PENDING: return "pending";
    case RS__REVIEW_STATE__RVS_ACCEPTED: return "accepted";
    case RS__REVIEW_STATE__RVS_RETURNED: return "returned";
    default: return "unspecified";
    }
}

void rs_records_write_json(FILE *f, const Rs__RecordItem *it)
{
    char slug[RS_ENUM_SLUG_MAX];
    bool first = true;
    void *arg[2] = {f, &first};
    rs_rtype t = rs_rtype_parse(it->record_type);

    fputs("{\"record_id\":", f);
    json_str(f, it->record_id);
    fputs(",\"label\":", f);
    json_str(f, it->label);
    fputs(",\"record_type\":", f);
    json_str(f, it->record_type);
    fputs(",\"record_type_label\":", f);
    json_str(f, rs_rtype_label(t));
    fputs(",\"division_code\":", f);
    json_str(f, it->division_code);
    fprintf(f, ",\"year\":%u,\"period\":", (unsigned)it->year);
    json_str(f, it->has_period ? rs_enum_slug(&rs__period__descriptor, (int)it->period, slug)
                               : NULL);
    fprintf(f, ",\"version\":%u,\"received_at\":%" PRId64 ",\"batch_id\":", (unsigned)it->version,
            it->received_at);
    json_str(f, it->batch_id);
    fprintf(f, ",\"state\":\"%s\",\"comment\":", state_slug(it->state));
    json_str(f, it->comment);
    fputs(",\"reviewer\":", f);
    json_str(f, it->reviewer);
    fputs(",\"reviewer_name\":", f);
    json_str(f, it->reviewer_name);
    if (it->has_reviewed_at)
        fprintf(f, ",\"reviewed_at\":%" PRId64, it->reviewed_at);
    else
        fputs(",\"reviewed_at\":null", f);
    fprintf(f, ",\"current\":%s,\"superseded_by\":", it->current ? "true" : "false");
    json_str(f, it->superseded_by);
    fputs(",\"fields\":", f);
    if (!it->record) {
        fputs("null}", f);
        return;
    }
    fputc('{', f);
    each_field(it->record, json_field, arg);
    fputs("}}", f);
}

/* ------------------------------------------------------------ text */

static const char *state_zh(Rs__ReviewState st)
{
    switch (st) {
    case RS__REVIEW_STATE__RVS_PENDING: return "待审核";
    case RS__REVIEW_STATE__RVS_ACCEPTED: return "已通过";
    case RS__REVIEW_STATE__RVS_RETURNED: return "已退回";
    default: return "未知";
    }
}

/* The first Chinese name of a row, else its column. */
static void row_label(const struct rs_field *row, char *out, size_t cap)
{
    const char *bar = strchr(row->aliases, '|');
    size_t n = bar ? (size_t)(bar - row->aliases) : strlen(row->aliases);

    if (n == 0)
        snprintf(out, cap, "%s", row->column);
    else
        snprintf(out, cap, "%.*s", (int)n, row->aliases);
}

static void text_field(const struct rs_field *row, const ProtobufCMessage *m,
                       const ProtobufCFieldDescriptor *fd, void *arg)
{
    FILE *f = arg;
    const void *v = field_value(m, fd);
    char name[128], num[32];
    int64_t x;

    row_label(row, name, sizeof(name));
    fprintf(f, "    %s：", name);
    if (!v) {
        fputs("未填\n", f);
        return;
    }
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING: fprintf(f, "%s\n", *(char *const *)v); return;
    case PROTOBUF_C_TYPE_BOOL: fputs(*(const protobuf_c_boolean *)v ? "是\n" : "否\n", f); return;
    case PROTOBUF_C_TYPE_ENUM: {
        const char *d = rs_enum_display(fd->descriptor, *(const int *)v);
        char slug[RS_ENUM_SLUG_MAX];

        fprintf(f, "%s\n", d[0] ? d : rs_enum_slug(fd->descriptor, *(const int *)v, slug));
        return;
    }
    case PROTOBUF_C_TYPE_MESSAGE: fputs("未填\n", f); return;
    default: break;
    }
    x = int_of(fd, v);
    if (row->kind == RS_FK_MONEY) {
        /* Exact in 元, as the clerk entered it (0.00万元 hid a 15.00元
         * relief); 万元 beside it from 1万元 up. */
        char wan[32];

        rs_money_yuan(x, num);
        rs_money_wan(x, wan);
        if (x >= 1000000 || x <= -1000000)
            fprintf(f, "%s元（%s万元）\n", num, wan);
        else
            fprintf(f, "%s元\n", num);
    } else if (row->kind == RS_FK_DATE) {
        rs_date_format((uint32_t)x, num);
        fprintf(f, "%s\n", num);
    } else if (row->kind == RS_FK_QUANTITY || row->kind == RS_FK_SCORE) {
        fprintf(f, "%s%" PRId64 ".%03" PRId64 "\n", x < 0 ? "-" : "", (x < 0 ? -x : x) / 1000,
                (x < 0 ? -x : x) % 1000);
    } else {
        fprintf(f, "%" PRId64 "\n", x);
    }
}

void rs_records_write_text(FILE *f, const Rs__RecordItem *it, bool fields)
{
    rs_rtype t = rs_rtype_parse(it->record_type);
    const char *period = it->has_period ? rs_enum_display(&rs__period__descriptor,
                                                          (int)it->period)
                                        : "";

    fprintf(f, "%s  %s  %s  %u年%s  第%u版  %s", it->label ? it->label : it->record_id,
            rs_rtype_label(t), it->division_code ? it->division_code : "",
            (unsigned)it->year, period, (unsigned)it->version, state_zh(it->state));
    if (it->comment && it->comment[0])
        fprintf(f, "  意见：%s", it->comment);
    if (it->has_current && !it->current)
        fprintf(f, "  已被新版本取代");
    fprintf(f, "  记录 %s\n", it->record_id ? it->record_id : "");
    if (fields && it->record)
        each_field(it->record, text_field, f);
}

/* ------------------------------------------------------------ every page */

rs_status rs_records_list(struct rs_session *s, const struct rs_records_query *q, bool json,
                          FILE *f, char *err, size_t errlen)
{
    struct rs_records_query page = *q;
    Rs__RecordsReply *r = NULL;
    uint32_t total = 0, shown = 0;
    rs_status rc;

    page.offset = 0;
    page.limit = RS_RECORDS_PAGE_MAX;
    if (json)
        fputs("{\"items\":[", f);
    for (;;) {
        rc = rs_records_fetch(s, &page, &r, err, errlen);
        if (rc)
            return rc;
        total = r->total;
        for (size_t i = 0; i < r->n_items; i++) {
            if (json) {
                fputs(shown ? ",\n" : "\n", f);
                rs_records_write_json(f, r->items[i]);
            } else {
                rs_records_write_text(f, r->items[i], q->record_id != NULL);
            }
            shown++;
        }
        /* A page that made no progress would loop forever: stop there. */
        if (!r->more || r->n_items == 0) {
            rs__records_reply__free_unpacked(r, NULL);
            break;
        }
        page.offset += (uint32_t)r->n_items;
        rs__records_reply__free_unpacked(r, NULL);
    }
    if (json)
        fprintf(f, "\n],\"total\":%u}\n", (unsigned)total);
    else
        fprintf(f, "共 %u 条记录\n", (unsigned)total);
    return RS_OK;
}

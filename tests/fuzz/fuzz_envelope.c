/*
 * fuzz_envelope.c - libFuzzer target for envelope decoding and record
 * validation, the path every frame a client sends takes on the server.
 *
 * The input is a frame payload.  It is unpacked with rs_wire_unpack; an
 * envelope that unpacks is packed again with rs_wire_pack and must unpack
 * again, and rs_wire_msg_case must name its message (or none).  For a
 * SubmitBatch every record goes through rs_validate_record, rs_record_key
 * and rs__record__pack, as the server does before storing it; each of its
 * record_bytes (version 2) through rs_pb_check, and when that accepts,
 * through protobuf-c (which must read it, without unknown fields) and the
 * same checks.
 * The same input is also unpacked directly as one rs.Record and put through
 * the same checks.
 *
 * Checked: a verdict is RS_OK with an empty field, or a documented failure
 * status naming a field; a key is NUL-terminated within its buffer and one
 * byte less of buffer gives RS_ETOOBIG; a valid record has a table entry,
 * a body and (if it fits) a key that starts with its type name; a packed
 * record is as long as
 * get_packed_size said.  A message without unknown fields anywhere (the
 * only records the server stores; it rejects the others) must also unpack
 * again, pack to the same bytes, and get the same verdict and key.  With
 * unknown fields the round trip is not required: protobuf-c keeps an
 * unknown field numbered 0 (sent as the overlong varint 80 00), writes it
 * back as 00, and then refuses its own output.
 *
 * Does not: frame (fuzz_frame.c) or touch the store or the network.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_frame.h"
#include "rs_pbscan.h"
#include "rs_validate.h"
#include "rs_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz_envelope: check failed at %s:%d: %s\n", __FILE__, \
                    __LINE__, #cond);                                               \
            abort();                                                                \
        }                                                                           \
    } while (0)

#define KEY_MAX 384     /* what the outbox gives rs_record_key */

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_verdict(rs_status st, const struct rs_verdict *v)
{
    CHECK(st == v->st);
    CHECK(terminated(v->field, sizeof(v->field)));
    CHECK(terminated(v->reason, sizeof(v->reason)));
    if (st == RS_OK) {
        CHECK(v->field[0] == '\0');
    } else {
        CHECK(st == RS_EINVAL || st == RS_ETOOBIG || st == RS_EENCODING);
        CHECK(v->field[0] != '\0');
    }
}

/* Computes the key into key[KEY_MAX]; checks the buffer contract. */
static rs_status check_key(const Rs__Record *r, char key[KEY_MAX])
{
    rs_status st = rs_record_key(r, key, KEY_MAX);

    CHECK(terminated(key, KEY_MAX));
    if (st == RS_OK) {
        size_t len = strlen(key);
        char *small = malloc(len + 1);
        char *less = malloc(len ? len : 1);

        CHECK(small && less);
        CHECK(len > 0);
        CHECK(rs_record_key(r, small, len + 1) == RS_OK);
        CHECK(memcmp(small, key, len + 1) == 0);
        if (len)
            CHECK(rs_record_key(r, less, len) == RS_ETOOBIG);
        free(small);
        free(less);
    } else {
        CHECK(st == RS_EINVAL || st == RS_ETOOBIG);
    }
    return st;
}

/*
 * What the record-type table says of r agrees with validation: a valid
 * record has an entry, a body and a natural key (unless it is too long)
 * that starts with its type name; a label key is never empty; no body is
 * found when none is set.
 */
static void check_table_reads(const Rs__Record *r, rs_status vst, rs_status kst)
{
    const char *label_key = rs_record_label_key(r);
    const char *name = rs_rtype_name(r->body_case);

    if (r->body_case == RS__RECORD__BODY__NOT_SET)
        CHECK(rs_rtype_body(r) == NULL);
    if (label_key)
        CHECK(label_key[0] != '\0');
    if (vst == RS_OK) {
        char key[KEY_MAX];

        CHECK(rs_rtype_find(r->body_case) != NULL);
        CHECK(rs_rtype_body(r) != NULL);
        /* Long key fields may not fit KEY_MAX; missing ones cannot pass validation. */
        CHECK(kst == RS_OK || kst == RS_ETOOBIG);
        if (kst == RS_OK) {
            CHECK(rs_record_key(r, key, KEY_MAX) == RS_OK);
            CHECK(strncmp(key, name, strlen(name)) == 0 &&
                  (key[strlen(name)] == ':' || key[strlen(name)] == '\0'));
        }
    }
}

/* True if m or any message inside it carries fields the schema lacks. */
static bool has_unknown(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;

    if (m->n_unknown_fields)
        return true;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];

        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(const void *)(base + f->quantifier_offset);
            ProtobufCMessage *const *arr =
                *(ProtobufCMessage *const *const *)(const void *)(base + f->offset);

            for (size_t k = 0; k < n; k++)
                if (arr[k] && has_unknown(arr[k]))
                    return true;
        } else {
            const ProtobufCMessage *sub =
                *(const ProtobufCMessage *const *)(const void *)(base + f->offset);

            if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                *(const uint32_t *)(const void *)(base + f->quantifier_offset) != f->id)
                continue;
            if (sub && has_unknown(sub))
                return true;
        }
    }
    return false;
}

/* Validates, keys and repacks one record, then checks the round trip. */
static void check_record(const Rs__Record *r)
{
    struct rs_verdict v, v2;
    char key[KEY_MAX], key2[KEY_MAX];
    rs_status vst, kst;
    size_t n, n2;
    uint8_t *buf, *buf2;
    Rs__Record *again;

    vst = rs_validate_record(r, &v);
    check_verdict(vst, &v);
    CHECK(rs_rtype_name(r->body_case) != NULL);
    CHECK(rs_rtype_label(r->body_case) != NULL);
    kst = check_key(r, key);
    check_table_reads(r, vst, kst);

    n = rs__record__get_packed_size(r);
    buf = malloc(n ? n : 1);
    CHECK(buf != NULL);
    CHECK(rs__record__pack(r, buf) == n);
    again = rs__record__unpack(NULL, n, buf);
    if (has_unknown(&r->base)) {
        if (again)
            rs__record__free_unpacked(again, NULL);
        free(buf);
        return;
    }
    CHECK(again != NULL);
    CHECK(again->body_case == r->body_case);
    n2 = rs__record__get_packed_size(again);
    CHECK(n2 == n);
    buf2 = malloc(n2 ? n2 : 1);
    CHECK(buf2 != NULL);
    CHECK(rs__record__pack(again, buf2) == n2);
    CHECK(n == 0 || memcmp(buf, buf2, n) == 0);

    CHECK(rs_validate_record(again, &v2) == vst);
    CHECK(strcmp(v.field, v2.field) == 0);
    CHECK(rs_record_key(again, key2, KEY_MAX) == kst);
    if (kst == RS_OK)
        CHECK(strcmp(key, key2) == 0);

    rs__record__free_unpacked(again, NULL);
    free(buf2);
    free(buf);
}

static void check_envelope(const Rs__Envelope *env)
{
    uint8_t *out = NULL;
    size_t outlen = 0;
    Rs__Envelope *again = NULL;
    rs_status st;

    switch (env->msg_case) {
    case RS__ENVELOPE__MSG_SUBMIT:
        for (size_t i = 0; i < env->submit->n_records; i++)
            check_record(env->submit->records[i]);
        /* Version 2: each record's bytes as the server takes them. */
        for (size_t i = 0; i < env->submit->n_record_bytes; i++) {
            const ProtobufCBinaryData *d = &env->submit->record_bytes[i];
            char why[256];

            if (rs_pb_check(&rs__record__descriptor, d->data, d->len, NULL, NULL, why,
                            sizeof(why)) == RS_OK) {
                Rs__Record *r = rs__record__unpack(NULL, d->len, d->data);

                CHECK(r != NULL);
                CHECK(!has_unknown(&r->base));
                check_record(r);
                rs__record__free_unpacked(r, NULL);
            } else {
                CHECK(why[0] != '\0');
            }
        }
        break;
    case RS__ENVELOPE__MSG_ERROR:
        if (env->error->has_code)
            (void)rs_status_to_wire(rs_status_from_wire(env->error->code));
        break;
    default:
        break;
    }

    /* What unpacked packs again, behind a varint of its length, and unpacks. */
    st = rs_wire_pack(env, RS_FRAME_MAX_DEFAULT, 8, &out, &outlen);
    if (st == RS_OK) {
        uint64_t body = 0;
        size_t used = 0;

        CHECK(rs_varint_decode(out, outlen, &body, &used) == RS_OK);
        CHECK(used + body == outlen);
        CHECK(body == rs__envelope__get_packed_size(env));
        if (rs_wire_unpack(out + used, (size_t)body, &again) == RS_OK) {
            CHECK(again->msg_case == env->msg_case);
            rs__envelope__free_unpacked(again, NULL);
        } else {
            CHECK(has_unknown(&env->base));
        }
        free(out - 8);
    } else {
        CHECK(st == RS_ETOOBIG);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Rs__Envelope *env = NULL;
    Rs__Record *rec;
    rs_status st;

    st = rs_wire_unpack(data, size, &env);
    if (st == RS_OK) {
        Rs__Envelope__MsgCase mc = rs_wire_msg_case(data, size);

        CHECK(env != NULL);
        CHECK(env->msg_case != RS__ENVELOPE__MSG__NOT_SET);
        /* The scanner names the message protobuf-c found, or none when it cannot read the
         * bytes (a key of field number 0, say): the server then unpacks as before. */
        CHECK(mc == env->msg_case || mc == RS__ENVELOPE__MSG__NOT_SET);
        check_envelope(env);
        rs__envelope__free_unpacked(env, NULL);
    } else {
        CHECK(st == RS_EPROTO);
    }

    rec = rs__record__unpack(NULL, size, data);
    if (rec) {
        check_record(rec);
        rs__record__free_unpacked(rec, NULL);
    }
    return 0;
}

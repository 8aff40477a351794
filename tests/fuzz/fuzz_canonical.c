/*
 * fuzz_canonical.c - differential libFuzzer target for rs_pb_check, the
 * canonical-encoding rule the server holds every submitted record to
 * (proto/README.md, "The canonical encoding").
 *
 * The input is taken as a packed rs.Record.  The rule is right when
 *
 *   rs_pb_check accepts  <=>  rs__record__unpack succeeds, the record and
 *                             its body hold no unknown field, and
 *                             rs__record__pack of what it gave is the input,
 *                             byte for byte;
 *
 * in both directions: whatever the check accepts, protobuf-c reads and
 * writes back unchanged (so the server stores, hashes and compares exactly
 * the bytes that decode to the record it validated); whatever protobuf-c
 * would write back differently (a padded varint, a split or repeated
 * field, fields out of order, a value it truncates), the check refuses.
 * The check must also visit the fields it accepted, a message before its
 * own fields.  A disagreement aborts, and libFuzzer keeps the input.
 *
 * Does not: check what the values mean (fuzz_envelope runs validation).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resettle.pb-c.h"
#include "rs_pbscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_canonical: rs_pb_check and protobuf-c disagree: %s (%s)\n", what, why);
    abort();
}

/* True if m or a message below it kept an unknown field. */
static bool has_unknown(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;

    if (m->n_unknown_fields)
        return true;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        const char *at = (const char *)m + fd->offset;
        const ProtobufCMessage *sub;

        if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(const void *)((const char *)m + fd->quantifier_offset);
            ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)(const void *)at;

            for (size_t k = 0; k < n; k++)
                if (has_unknown(v[k]))
                    return true;
            continue;
        }
        if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(const void *)((const char *)m + fd->quantifier_offset) != fd->id)
            continue;
        sub = *(ProtobufCMessage *const *)(const void *)at;
        if (sub && has_unknown(sub))
            return true;
    }
    return false;
}

struct visits {
    size_t n;
    const uint8_t *last;        /* the start of the last field visited */
    const uint8_t *lo, *hi;     /* the input */
};

static rs_status count(void *arg, const ProtobufCMessageDescriptor *msg,
                       const ProtobufCFieldDescriptor *fd, const struct rs_pb_field *f)
{
    struct visits *v = arg;

    if (protobuf_c_message_descriptor_get_field(msg, fd->id) != fd)
        fail("a field visited with another message's descriptor", msg->name);
    /* Fields come in the order of the bytes, each within the input. */
    if (f->start < v->lo || f->p + f->n > v->hi || (v->last && f->start <= v->last))
        fail("the visited field's place", fd->name);
    v->last = f->start;
    v->n++;
    return RS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct visits v = {0, NULL, data, data + size};
    char why[256];
    rs_status rc = rs_pb_check(&rs__record__descriptor, data, size, count, &v, why, sizeof(why));
    Rs__Record *r = rs__record__unpack(NULL, size, data);
    bool same = false;

    if (rc != RS_OK && rc != RS_EPROTO)
        fail("an unexpected status", why);
    if (rc == RS_EPROTO && why[0] == '\0')
        fail("a refusal without a reason", "");
    if (r && !has_unknown(&r->base)) {
        size_t n = rs__record__get_packed_size(r);
        uint8_t *out = malloc(n ? n : 1);

        if (!out)
            abort();
        if (rs__record__pack(r, out) != n)
            fail("pack wrote another size than get_packed_size said", "");
        same = n == size && (n == 0 || memcmp(out, data, n) == 0);
        free(out);
    }
    if (rc == RS_OK && !same)
        fail("accepted bytes protobuf-c does not give back", r ? "re-encoded differently"
                                                                : "unpack fails");
    if (rc != RS_OK && same)
        fail("refused bytes protobuf-c gives back unchanged", why);
    if (rc == RS_OK && size > 0 && v.n == 0)
        fail("accepted fields that were not visited", "");
    if (r)
        rs__record__free_unpacked(r, NULL);
    return 0;
}

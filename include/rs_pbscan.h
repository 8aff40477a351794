/*
 * rs_pbscan.h - the one protobuf field scanner, and the canonical-encoding
 * check built on it.
 *
 * rs_pb_next reads the fields of an encoded message one at a time: the
 * field's number, its wire type and where its value lies.  Every length is
 * bounded by the bytes that are there; nothing is allocated.  Varints are
 * read by rs_varint_decode (rs_frame.h), the function that also reads a
 * frame's length prefix: resettle has no other varint reader.
 *
 * rs_pb_check walks a message against its protobuf-c descriptor (and every
 * sub-message against its own) and accepts exactly the bytes that are the
 * canonical encoding of the message they decode to: what protobuf-c's pack
 * writes for what its unpack reads from them, with no unknown field
 * anywhere.  proto/README.md ("The canonical encoding") states the rule;
 * in short:
 *
 *   - fields in field-number order, each non-repeated field at most once,
 *     the members of a repeated field one after the other, at most one
 *     member of each oneof, every required field present;
 *   - every field's wire type the one its type is written with; every
 *     varint (keys, values, lengths) as short as its value allows;
 *   - values that protobuf-c keeps as they came: uint32 and sint32 below
 *     2^32, int32 and enums a 32-bit value (negative ones sign-extended to
 *     ten bytes, as protobuf-c writes them), bools 0 or 1, strings without a
 *     NUL byte (a C string ends there);
 *   - no field the descriptor does not know (a newer client's);
 *   - sub-messages canonical themselves, at most RS_PB_DEPTH_MAX deep.
 *
 * Supported descriptors: proto2 messages whose fields are optional,
 * required, repeated (not packed) or oneof members, which is every message
 * of resettle.proto.  A packed repeated field or a proto3 field met in the
 * bytes is refused as not supported.  Groups (wire types 3 and 4) are not
 * protobuf-c's either and read as malformed.
 *
 * Users: the server's submit checks (server/net/rs_submit.c), the report's
 * fast path for relief records (server/eval/rs_eval_peek.c), the envelope's
 * message case (rs_wire.c), the benchmark's ack walker.
 *
 * Threads: pure functions; any thread.
 *
 * Does not: allocate, decode into a protobuf-c message (protobuf-c does),
 * or check what values mean (rs_validate.h: dates, enums, UTF-8, caps).
 */
#ifndef RS_PBSCAN_H
#define RS_PBSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "rs_status.h"

#define RS_PB_NUMBER_MAX ((UINT32_C(1) << 29) - 1)  /* the largest field number protobuf allows */
#define RS_PB_DEPTH_MAX 8          /* sub-messages within sub-messages rs_pb_check follows */
#define RS_PB_ONEOF_MAX 8          /* oneofs of one message rs_pb_check can tell apart */

/* Wire types (protobuf's numbers). */
enum rs_pb_wire {
    RS_PB_WT_VARINT = 0,
    RS_PB_WT_I64 = 1,
    RS_PB_WT_LEN = 2,
    RS_PB_WT_I32 = 5
};

/* One field as rs_pb_next read it; the pointers point into the scanned bytes. */
struct rs_pb_field {
    const uint8_t *start;       /* the field's first byte (its key) */
    uint32_t num;               /* field number, 1 .. RS_PB_NUMBER_MAX */
    uint8_t wt;                 /* enum rs_pb_wire */
    bool padded;                /* the key, the value or the length is a longer varint
                                 * than its value needs */
    uint64_t v;                 /* VARINT: the value; I64, I32: the little-endian value */
    const uint8_t *p;           /* the value's bytes: for LEN without its length */
    size_t n;                   /* how many */
};

/* Where a scan stands in p[0 .. end). */
struct rs_pb_scan {
    const uint8_t *p, *end;
};

/* What rs_pb_next found. */
enum rs_pb_step {
    RS_PB_FIELD,                /* *f is the next field */
    RS_PB_END,                  /* no bytes left: the message ended where it should */
    RS_PB_TRUNCATED,            /* the bytes end inside a field */
    RS_PB_BAD_VARINT,           /* a varint of more than 10 bytes, or over 64 bits */
    RS_PB_BAD_WIRE_TYPE,        /* wire type 3, 4, 6 or 7 */
    RS_PB_BAD_NUMBER            /* field number 0 or over RS_PB_NUMBER_MAX */
};

/* Starts a scan of p[0..n).  p may be NULL when n is 0. */
static inline void rs_pb_scan_init(struct rs_pb_scan *s, const uint8_t *p, size_t n)
{
    s->p = p;
    s->end = n ? p + n : p;     /* NULL + 0 is not defined in C */
}

/*
 * Reads the next field into *f and moves past it.  RS_PB_FIELD or
 * RS_PB_END; anything else means the bytes are not a protobuf message, and
 * the scan must not go on.  f->p[0 .. f->n) lies within the scanned bytes.
 */
RS_NODISCARD enum rs_pb_step rs_pb_next(struct rs_pb_scan *s, struct rs_pb_field *f);

/* A short English phrase for a step other than RS_PB_FIELD, e.g. "the bytes end inside a
 * field".  Never NULL. */
const char *rs_pb_step_str(enum rs_pb_step st);

/*
 * Called by rs_pb_check for every field it has accepted, in order: msg is
 * the message the field belongs to, fd the field.  A message field is
 * visited before its own fields.  RS_OK goes on; any other status stops the
 * check, which returns it.
 */
typedef rs_status (*rs_pb_visit_fn)(void *arg, const ProtobufCMessageDescriptor *msg,
                                    const ProtobufCFieldDescriptor *fd,
                                    const struct rs_pb_field *f);

/*
 * Checks that p[0..n) is the canonical encoding of a message of type d (see
 * above), calling visit (may be NULL) for each field it accepts.
 *
 * RS_OK: canonical; then rs__..._unpack of the bytes succeeds (memory
 * permitting), finds no unknown field, and packing what it gives yields the
 * same n bytes.  RS_EPROTO: not canonical, or not protobuf at all; why (if
 * whylen > 0) says which rule the first offending field broke, naming the
 * field by its path ("year", "relief.village"), e.g.
 * "not canonical: relief.amount_fen: a varint is longer than its value
 * needs".  A field the descriptor does not know gets
 * "unknown field N of rs.Relief (is the client newer than the server?)".
 * RS_EINVAL: d is NULL or n over INT_MAX (protobuf-c reads no longer
 * message).  Any other status: the one visit returned.
 */
RS_NODISCARD rs_status rs_pb_check(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n,
                                   rs_pb_visit_fn visit, void *arg, char *why, size_t whylen);

#endif

/*
 * rs_pbscan.c - the protobuf field scanner and the canonical-encoding check.
 *
 * See rs_pbscan.h for the contract.  The check walks the bytes and the
 * descriptor's field array side by side: protobuf-c's generated
 * descriptors list fields by ascending number, and so does a canonical
 * encoding, so the next expected field is always at or after the index of
 * the last one and no lookup is needed on the way.  A field number below
 * the last one is looked up only to say whether it is unknown or out of
 * order.  The path of a failing field is put together only on failure,
 * from the chain of message fields on the stack.
 *
 * What protobuf-c 1.4 does, which the rules follow: unpack keeps a uint32
 * or sint32 varint's low 32 bits, an int32 or enum varint's low 32 bits,
 * any non-zero bool as true, a string up to its first NUL; the last member
 * of a oneof wins; a non-repeated message field seen twice is merged, a
 * scalar one overwritten; unknown fields are kept and packed after all
 * known ones.  Pack writes fields by ascending number, each varint in the
 * fewest bytes, a negative int32 or enum sign-extended to ten bytes, a
 * bool as 0 or 1.
 *
 * Does not: allocate, or read varints itself (rs_varint_decode does).
 */
#include "rs_pbscan.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rs_frame.h"

/* ------------------------------------------------------------ the scanner */

/* A varint at p[0..n): its value, its length, whether it is padded. */
__attribute__((always_inline))
static inline enum rs_pb_step varint(const uint8_t *p, size_t n, uint64_t *v, size_t *used,
                                     bool *padded)
{
    rs_status rc = rs_varint_decode(p, n, v, used);

    if (rc == RS_EAGAIN)
        return RS_PB_TRUNCATED;
    if (rc != RS_OK)
        return RS_PB_BAD_VARINT;
    /* A last byte of 0 after others adds nothing: the varint is padded. */
    if (*used > 1 && p[*used - 1] == 0)
        *padded = true;
    return RS_PB_FIELD;
}

static inline uint64_t le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = n; i > 0; i--)
        v = (v << 8) | p[i - 1];
    return v;
}

/* rs_pb_next, inline here so that the canonical check's loop has it at hand. */
__attribute__((always_inline))
static inline enum rs_pb_step scan_next(struct rs_pb_scan *s, struct rs_pb_field *f)
{
    const uint8_t *p = s->p;
    size_t left, used;
    uint64_t key, len;
    enum rs_pb_step st;

    if (p == s->end)
        return RS_PB_END;
    left = (size_t)(s->end - p);
    f->start = p;
    f->padded = false;
    st = varint(p, left, &key, &used, &f->padded);
    if (st != RS_PB_FIELD)
        return st;
    if ((key >> 3) == 0 || (key >> 3) > RS_PB_NUMBER_MAX)
        return RS_PB_BAD_NUMBER;
    f->num = (uint32_t)(key >> 3);
    f->wt = (uint8_t)(key & 7);
    p += used;
    left -= used;
    switch (f->wt) {
    case RS_PB_WT_VARINT:
        st = varint(p, left, &f->v, &f->n, &f->padded);
        if (st != RS_PB_FIELD)
            return st;
        f->p = p;
        break;
    case RS_PB_WT_I64:
    case RS_PB_WT_I32:
        f->n = f->wt == RS_PB_WT_I64 ? 8 : 4;
        if (left < f->n)
            return RS_PB_TRUNCATED;
        f->p = p;
        f->v = le(p, f->n);
        break;
    case RS_PB_WT_LEN:
        st = varint(p, left, &len, &used, &f->padded);
        if (st != RS_PB_FIELD)
            return st;
        if (len > left - used)
            return RS_PB_TRUNCATED;
        f->p = p + used;
        f->n = (size_t)len;
        f->v = len;
        break;
    default:
        return RS_PB_BAD_WIRE_TYPE;
    }
    s->p = f->p + f->n;
    return RS_PB_FIELD;
}

enum rs_pb_step rs_pb_next(struct rs_pb_scan *s, struct rs_pb_field *f)
{
    return scan_next(s, f);
}

const char *rs_pb_step_str(enum rs_pb_step st)
{
    switch (st) {
    case RS_PB_FIELD:
        return "a field";
    case RS_PB_END:
        return "the end of the message";
    case RS_PB_TRUNCATED:
        return "the bytes end inside a field";
    case RS_PB_BAD_VARINT:
        return "a varint longer than 10 bytes or over 64 bits";
    case RS_PB_BAD_WIRE_TYPE:
        return "a wire type protobuf-c does not read (3, 4, 6 or 7)";
    case RS_PB_BAD_NUMBER:
        return "field number 0 or over 2^29 - 1";
    }
    return "an unknown scanner state";
}

/* ------------------------------------------------------------ the canonical check */

/* The message fields that lead from the checked message to the one being walked. */
struct path {
    const struct path *up;
    const ProtobufCFieldDescriptor *fd;     /* NULL for the top message */
};

struct walk {
    rs_pb_visit_fn visit;
    void *arg;
    char *why;
    size_t whylen;
};

/* Appends "a.b." for the message fields of path (top first) at why + *off. */
static void put_path(const struct walk *w, const struct path *path, size_t *off)
{
    int k;

    if (!path || !path->fd)
        return;
    put_path(w, path->up, off);
    if (*off >= w->whylen)
        return;
    k = snprintf(w->why + *off, w->whylen - *off, "%s.", path->fd->name);
    *off += k > 0 ? (size_t)k : 0;
}

/*
 * Fills why with "not canonical: <path of fd>: <rule>" (fd may be NULL: the
 * message itself) and returns RS_EPROTO.
 */
__attribute__((format(printf, 4, 5), cold, noinline))
static rs_status refuse(const struct walk *w, const struct path *path,
                        const ProtobufCFieldDescriptor *fd, const char *fmt, ...)
{
    size_t off;
    int k;
    va_list ap;

    if (!w->why || w->whylen == 0)
        return RS_EPROTO;
    k = snprintf(w->why, w->whylen, "not canonical: ");
    off = k > 0 ? (size_t)k : 0;
    if (fd) {
        put_path(w, path, &off);
        if (off < w->whylen) {
            k = snprintf(w->why + off, w->whylen - off, "%s: ", fd->name);
            off += k > 0 ? (size_t)k : 0;
        }
    } else if (path && path->fd) {
        put_path(w, path, &off);
        if (off > 0 && off <= w->whylen && w->why[off - 1] == '.') {
            w->why[off - 1] = ':';
            if (off < w->whylen)
                w->why[off++] = ' ';
        }
    }
    if (off < w->whylen) {
        va_start(ap, fmt);
        vsnprintf(w->why + off, w->whylen - off, fmt, ap);
        va_end(ap);
    }
    w->why[w->whylen - 1] = '\0';
    return RS_EPROTO;
}

/* The unknown-field reason, which asks whether the client is newer. */
__attribute__((cold, noinline))
static rs_status refuse_unknown(const struct walk *w, const ProtobufCMessageDescriptor *d,
                                uint32_t num)
{
    if (w->why && w->whylen > 0)
        snprintf(w->why, w->whylen,
                 "unknown field %u of %s (is the client newer than the server?)", (unsigned)num,
                 d->name);
    return RS_EPROTO;
}

static const char *type_name(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32: return "int32";
    case PROTOBUF_C_TYPE_SINT32: return "sint32";
    case PROTOBUF_C_TYPE_SFIXED32: return "sfixed32";
    case PROTOBUF_C_TYPE_INT64: return "int64";
    case PROTOBUF_C_TYPE_SINT64: return "sint64";
    case PROTOBUF_C_TYPE_SFIXED64: return "sfixed64";
    case PROTOBUF_C_TYPE_UINT32: return "uint32";
    case PROTOBUF_C_TYPE_FIXED32: return "fixed32";
    case PROTOBUF_C_TYPE_UINT64: return "uint64";
    case PROTOBUF_C_TYPE_FIXED64: return "fixed64";
    case PROTOBUF_C_TYPE_FLOAT: return "float";
    case PROTOBUF_C_TYPE_DOUBLE: return "double";
    case PROTOBUF_C_TYPE_BOOL: return "bool";
    case PROTOBUF_C_TYPE_ENUM: return "enum";
    case PROTOBUF_C_TYPE_STRING: return "string";
    case PROTOBUF_C_TYPE_BYTES: return "bytes";
    case PROTOBUF_C_TYPE_MESSAGE: return "message";
    }
    return "unknown";
}

/* The wire type protobuf-c writes a field of each type with. */
static const uint8_t wire_of[PROTOBUF_C_TYPE_MESSAGE + 1] = {
    [PROTOBUF_C_TYPE_SFIXED32] = RS_PB_WT_I32,
    [PROTOBUF_C_TYPE_FIXED32] = RS_PB_WT_I32,
    [PROTOBUF_C_TYPE_FLOAT] = RS_PB_WT_I32,
    [PROTOBUF_C_TYPE_SFIXED64] = RS_PB_WT_I64,
    [PROTOBUF_C_TYPE_FIXED64] = RS_PB_WT_I64,
    [PROTOBUF_C_TYPE_DOUBLE] = RS_PB_WT_I64,
    [PROTOBUF_C_TYPE_STRING] = RS_PB_WT_LEN,
    [PROTOBUF_C_TYPE_BYTES] = RS_PB_WT_LEN,
    [PROTOBUF_C_TYPE_MESSAGE] = RS_PB_WT_LEN,
    /* the rest: RS_PB_WT_VARINT (0) */
};

/* What protobuf-c would not keep as it came, by type. */
enum value_rule { ANY_VALUE, FITS_32, INT_32, ZERO_ONE, NO_NUL };

static const uint8_t rule_of[PROTOBUF_C_TYPE_MESSAGE + 1] = {
    [PROTOBUF_C_TYPE_UINT32] = FITS_32,
    [PROTOBUF_C_TYPE_SINT32] = FITS_32,
    [PROTOBUF_C_TYPE_INT32] = INT_32,
    [PROTOBUF_C_TYPE_ENUM] = INT_32,
    [PROTOBUF_C_TYPE_BOOL] = ZERO_ONE,
    [PROTOBUF_C_TYPE_STRING] = NO_NUL,
    /* the rest: ANY_VALUE (0) */
};

/* The rules for one field's own bytes: wire type, padding, the value's range. */
__attribute__((always_inline)) static inline rs_status
check_value(const struct walk *w, const struct path *path, const ProtobufCFieldDescriptor *fd,
            const struct rs_pb_field *f)
{
    unsigned t = (unsigned)fd->type;

    if (t > PROTOBUF_C_TYPE_MESSAGE)
        return refuse(w, path, fd, "type %u is not supported", t);
    if (f->wt != wire_of[t])
        return refuse(w, path, fd, "wire type %u; %s fields are written with wire type %u",
                      (unsigned)f->wt, type_name(fd->type), (unsigned)wire_of[t]);
    if (f->padded)
        return refuse(w, path, fd, "a varint is longer than its value needs (padded)");
    switch (rule_of[t]) {
    case FITS_32:
        if (f->v > UINT32_MAX)
            return refuse(w, path, fd, "%llu does not fit the field's 32 bits",
                          (unsigned long long)f->v);
        break;
    case INT_32:
        /* 0 .. 2^31 - 1 as it is, a negative value sign-extended to 64 bits. */
        if (f->v > (uint64_t)INT32_MAX && f->v < UINT64_C(0xffffffff80000000))
            return refuse(w, path, fd,
                          "%llu is not a 32-bit value (a negative one is sign-extended to "
                          "64 bits)", (unsigned long long)f->v);
        break;
    case ZERO_ONE:
        if (f->v > 1)
            return refuse(w, path, fd, "a bool is 0 or 1, not %llu", (unsigned long long)f->v);
        break;
    case NO_NUL:
        if (memchr(f->p, 0, f->n))
            return refuse(w, path, fd, "a string holds no NUL byte");
        break;
    default:
        break;
    }
    return RS_OK;
}

static rs_status check_msg(const struct walk *w, const ProtobufCMessageDescriptor *d,
                           const uint8_t *p, size_t n, unsigned depth, const struct path *path);

/* The first required field of d at index i .. end - 1, or NULL. */
static const ProtobufCFieldDescriptor *required_in(const ProtobufCMessageDescriptor *d,
                                                   unsigned i, unsigned end)
{
    for (; i < end; i++)
        if (d->fields[i].label == PROTOBUF_C_LABEL_REQUIRED)
            return &d->fields[i];
    return NULL;
}

/*
 * Finds the descriptor of field f, the one after *prev (the field before it,
 * NULL at the start) in a canonical encoding: the same field again only if
 * it is repeated, otherwise one with a higher number, at or after index *i.
 */
static inline rs_status next_field(const struct walk *w, const ProtobufCMessageDescriptor *d,
                            const struct path *path, const struct rs_pb_field *f,
                            const ProtobufCFieldDescriptor *prev, unsigned *i,
                            const ProtobufCFieldDescriptor **out)
{
    const ProtobufCFieldDescriptor *fd, *req;
    unsigned k = *i;

    /* The usual case: the field is the next one the descriptor lists. */
    if (k < d->n_fields && d->fields[k].id == f->num) {
        *out = &d->fields[k];
        *i = k + 1;
        return RS_OK;
    }
    if (prev && f->num == prev->id) {
        if (prev->label != PROTOBUF_C_LABEL_REPEATED)
            return refuse(w, path, prev, "appears twice (a field is written once; a message "
                                         "field is not split)");
        *out = prev;
        return RS_OK;
    }
    if (prev && f->num < prev->id) {
        fd = protobuf_c_message_descriptor_get_field(d, f->num);
        if (!fd)
            return refuse_unknown(w, d, f->num);
        return refuse(w, path, fd, "comes after %s (field %u): fields are written in "
                                   "field-number order", prev->name, (unsigned)prev->id);
    }
    while (k < d->n_fields && d->fields[k].id < f->num)
        k++;
    req = required_in(d, *i, k);
    if (req)
        return refuse(w, path, req, "required, missing");
    if (k == d->n_fields || d->fields[k].id != f->num)
        return refuse_unknown(w, d, f->num);
    *out = &d->fields[k];
    *i = k + 1;
    return RS_OK;
}

/* Refuses fd if a member of its oneof is in seen[0 .. *nseen); else adds it. */
static rs_status one_of_oneof(const struct walk *w, const struct path *path,
                              const ProtobufCFieldDescriptor *fd,
                              const ProtobufCFieldDescriptor **seen, unsigned *nseen)
{
    for (unsigned k = 0; k < *nseen; k++)
        if (seen[k]->quantifier_offset == fd->quantifier_offset)
            return refuse(w, path, fd, "%s is set already: a oneof holds one member",
                          seen[k]->name);
    if (*nseen == RS_PB_ONEOF_MAX)
        return refuse(w, path, fd, "more than %d oneofs in one message are not supported",
                      RS_PB_ONEOF_MAX);
    seen[(*nseen)++] = fd;
    return RS_OK;
}

static rs_status check_msg(const struct walk *w, const ProtobufCMessageDescriptor *d,
                           const uint8_t *p, size_t n, unsigned depth, const struct path *path)
{
    const ProtobufCFieldDescriptor *oneofs[RS_PB_ONEOF_MAX];
    const ProtobufCFieldDescriptor *fd = NULL, *prev = NULL, *req;
    struct rs_pb_scan s;
    struct rs_pb_field f;
    enum rs_pb_step st;
    unsigned i = 0, noneofs = 0;
    rs_status rc;

    rs_pb_scan_init(&s, p, n);
    while ((st = scan_next(&s, &f)) == RS_PB_FIELD) {
        rc = next_field(w, d, path, &f, prev, &i, &fd);
        if (rc)
            return rc;
        if (fd->label == PROTOBUF_C_LABEL_NONE)
            return refuse(w, path, fd, "proto3 fields are not supported");
        if (fd->flags & (PROTOBUF_C_FIELD_FLAG_PACKED | PROTOBUF_C_FIELD_FLAG_ONEOF)) {
            if (fd->flags & PROTOBUF_C_FIELD_FLAG_PACKED)
                return refuse(w, path, fd, "packed repeated fields are not supported");
            if (fd != prev) {
                rc = one_of_oneof(w, path, fd, oneofs, &noneofs);
                if (rc)
                    return rc;
            }
        }
        rc = check_value(w, path, fd, &f);
        if (rc == RS_OK && w->visit)
            rc = w->visit(w->arg, d, fd, &f);
        if (rc)
            return rc;
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
            struct path sub = {path, fd};

            if (depth + 1 > RS_PB_DEPTH_MAX)
                return refuse(w, path, fd, "messages nested deeper than %d",
                              RS_PB_DEPTH_MAX);
            rc = check_msg(w, fd->descriptor, f.p, f.n, depth + 1, &sub);
            if (rc)
                return rc;
        }
        prev = fd;
    }
    if (st != RS_PB_END)
        return refuse(w, path, NULL, "not protobuf: %s", rs_pb_step_str(st));
    req = required_in(d, i, d->n_fields);
    if (req)
        return refuse(w, path, req, "required, missing");
    return RS_OK;
}

rs_status rs_pb_check(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n,
                      rs_pb_visit_fn visit, void *arg, char *why, size_t whylen)
{
    struct walk w = {visit, arg, why, whylen};
    struct path top = {NULL, NULL};

    if (why && whylen > 0)
        why[0] = '\0';
    if (!d || n > INT_MAX || (n > 0 && !p))
        return RS_EINVAL;
    return check_msg(&w, d, p, n, 0, &top);
}

/*
 * rs_wire.c - Envelope pack/unpack, the message case of an envelope's
 * bytes, and status <-> wire code mapping.
 */
#include "rs_wire.h"

#include <stdlib.h>

#include "rs_frame.h"
#include "rs_pbscan.h"

rs_status rs_wire_pack(const Rs__Envelope *env, size_t max_frame,
                       size_t headroom, uint8_t **out, size_t *outlen)
{
    uint8_t pre[RS_VARINT_MAX];
    size_t body = rs__envelope__get_packed_size(env);
    size_t np;
    uint8_t *blk;

    if (body > max_frame)
        return RS_ETOOBIG;
    np = rs_varint_encode(body, pre);
    blk = malloc(headroom + np + body);
    if (!blk)
        return RS_ENOMEM;
    for (size_t i = 0; i < np; i++)
        blk[headroom + i] = pre[i];
    rs__envelope__pack(env, blk + headroom + np);
    *out = blk + headroom;
    *outlen = np + body;
    return RS_OK;
}

rs_status rs_wire_unpack(const uint8_t *p, size_t n, Rs__Envelope **env)
{
    Rs__Envelope *e = rs__envelope__unpack(NULL, n, p);

    if (!e)
        return RS_EPROTO;
    if (e->msg_case == RS__ENVELOPE__MSG__NOT_SET) {
        rs__envelope__free_unpacked(e, NULL);
        return RS_EPROTO;
    }
    *env = e;
    return RS_OK;
}

Rs__Envelope__MsgCase rs_wire_msg_case(const uint8_t *p, size_t n)
{
    Rs__Envelope__MsgCase mc = RS__ENVELOPE__MSG__NOT_SET;
    struct rs_pb_scan s;
    struct rs_pb_field f;
    enum rs_pb_step st;

    rs_pb_scan_init(&s, p, n);
    while ((st = rs_pb_next(&s, &f)) == RS_PB_FIELD) {
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field(&rs__envelope__descriptor, f.num);

        /* A member of the oneof: its case is its field number. */
        if (fd && (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            mc = (Rs__Envelope__MsgCase)fd->id;
    }
    return st == RS_PB_END ? mc : RS__ENVELOPE__MSG__NOT_SET;
}

Rs__ErrorCode rs_status_to_wire(rs_status st)
{
    switch (st) {
    case RS_OK:
        return RS__ERROR_CODE__ERR_NONE;
    case RS_EPROTO:
    case RS_EENCODING:
        return RS__ERROR_CODE__ERR_PROTOCOL;
    case RS_EVERSION:
        return RS__ERROR_CODE__ERR_VERSION;
    case RS_EAUTH:
        return RS__ERROR_CODE__ERR_AUTH;
    case RS_EFORBIDDEN:
        return RS__ERROR_CODE__ERR_FORBIDDEN;
    case RS_ETOOBIG:
        return RS__ERROR_CODE__ERR_TOO_BIG;
    case RS_EBUSY:
        return RS__ERROR_CODE__ERR_BUSY;
    case RS_ESTORAGE:
    case RS_EIO:
        return RS__ERROR_CODE__ERR_STORAGE;
    case RS_ETIMEDOUT:
        return RS__ERROR_CODE__ERR_TIMEOUT;
    case RS_ECLOSED:
        return RS__ERROR_CODE__ERR_SHUTDOWN;
    case RS_EINVAL:
    case RS_ENOTFOUND:
    case RS_ECONFLICT:
    case RS_EDUP:
        return RS__ERROR_CODE__ERR_INVALID;
    case RS_EAGAIN:
    case RS_ENOMEM:
    case RS_ESCHEMA:
    case RS_EINTERNAL:
        return RS__ERROR_CODE__ERR_INTERNAL;
    case RS_ELOCKED:
        return RS__ERROR_CODE__ERR_LOCKED;
    }
    return RS__ERROR_CODE__ERR_INTERNAL;
}

rs_status rs_status_from_wire(Rs__ErrorCode code)
{
    switch (code) {
    case RS__ERROR_CODE__ERR_NONE:
        return RS_OK;
    case RS__ERROR_CODE__ERR_PROTOCOL:
        return RS_EPROTO;
    case RS__ERROR_CODE__ERR_VERSION:
        return RS_EVERSION;
    case RS__ERROR_CODE__ERR_AUTH:
    case RS__ERROR_CODE__ERR_RATE_LIMITED:
        return RS_EAUTH;
    case RS__ERROR_CODE__ERR_FORBIDDEN:
        return RS_EFORBIDDEN;
    case RS__ERROR_CODE__ERR_TOO_BIG:
        return RS_ETOOBIG;
    case RS__ERROR_CODE__ERR_BUSY:
        return RS_EBUSY;
    case RS__ERROR_CODE__ERR_STORAGE:
        return RS_ESTORAGE;
    case RS__ERROR_CODE__ERR_TIMEOUT:
        return RS_ETIMEDOUT;
    case RS__ERROR_CODE__ERR_SHUTDOWN:
        return RS_ECLOSED;
    case RS__ERROR_CODE__ERR_INVALID:
        return RS_EINVAL;
    case RS__ERROR_CODE__ERR_LOCKED:
        return RS_ELOCKED;
    case RS__ERROR_CODE__ERR_INTERNAL:
    case _RS__ERROR_CODE_IS_INT_SIZE:
        break;
    }
    return RS_EINTERNAL;
}

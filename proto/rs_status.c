/*
 * rs_status.c - names and descriptions of rs_status values.
 *
 * Does not: map to wire codes (see rs_wire.c).
 */
#include "rs_status.h"

#define RS_STATUS_MAP(X)                                                  \
    X(RS_OK, "success")                                                   \
    X(RS_EAGAIN, "need more input")                                       \
    X(RS_ETOOBIG, "over a size or count cap")                             \
    X(RS_EPROTO, "malformed protocol data")                               \
    X(RS_EVERSION, "unsupported protocol version")                        \
    X(RS_EINVAL, "invalid value")                                         \
    X(RS_ENOMEM, "out of memory")                                         \
    X(RS_EIO, "input/output error")                                       \
    X(RS_EAUTH, "authentication failed")                                  \
    X(RS_EFORBIDDEN, "not allowed for this office")                       \
    X(RS_ENOTFOUND, "not found")                                          \
    X(RS_ECONFLICT, "same id, different content")                         \
    X(RS_EDUP, "already stored")                                          \
    X(RS_EBUSY, "busy")                                                   \
    X(RS_ETIMEDOUT, "timed out")                                          \
    X(RS_ECLOSED, "closed")                                               \
    X(RS_ESTORAGE, "storage refused the write")                           \
    X(RS_EENCODING, "invalid text encoding")                              \
    X(RS_ESCHEMA, "not a resettle database of a known version")           \
    X(RS_EINTERNAL, "internal error")                                     \
    X(RS_ELOCKED, "the reporting year is closed")

const char *rs_status_name(rs_status st)
{
    switch (st) {
#define X(code, text) case code: return #code;
    RS_STATUS_MAP(X)
#undef X
    }
    return "RS_UNKNOWN";
}

const char *rs_status_str(rs_status st)
{
    switch (st) {
#define X(code, text) case code: return text;
    RS_STATUS_MAP(X)
#undef X
    }
    return "unknown status";
}

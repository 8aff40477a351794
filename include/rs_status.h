/*
 * rs_status.h - the one status enum of resettle.
 *
 * Every fallible function in resettle returns an rs_status.  RS_OK is zero,
 * so `if (rc) goto out;` reads naturally.  The enum is internal; the codes
 * that cross the wire are rs.ErrorCode in proto/resettle.proto and
 * rs_status_to_wire() maps one onto the other.
 *
 * Does not: carry a message.  Functions that can say more take a
 * caller-owned `char *err, size_t errlen` buffer.
 */
#ifndef RS_STATUS_H
#define RS_STATUS_H

/* Marks a function whose result must be looked at (curl's WARN_UNUSED_RESULT). */
#define RS_NODISCARD __attribute__((warn_unused_result))

typedef enum rs_status {
    RS_OK = 0,
    RS_EAGAIN,      /* need more input (framing); try again later */
    RS_ETOOBIG,     /* over a documented cap */
    RS_EPROTO,      /* malformed wire data */
    RS_EVERSION,    /* unsupported protocol version */
    RS_EINVAL,      /* a value breaks a rule (validation, usage) */
    RS_ENOMEM,      /* allocation failed */
    RS_EIO,         /* file, socket or database I/O failed */
    RS_EAUTH,       /* unknown office, wrong or revoked token */
    RS_EFORBIDDEN,  /* role or division scope forbids this */
    RS_ENOTFOUND,   /* no such row, file or key */
    RS_ECONFLICT,   /* same id, different content */
    RS_EDUP,        /* same id, same content: already there */
    RS_EBUSY,       /* window full, server full, locked database */
    RS_ETIMEDOUT,   /* deadline passed */
    RS_ECLOSED,     /* peer or server is shutting down */
    RS_ESTORAGE,    /* database refused the commit (full, read-only) */
    RS_EENCODING,   /* bytes are not valid UTF-8 / GB18030 */
    RS_ESCHEMA,     /* database is not ours, or from a newer version */
    RS_EINTERNAL,   /* a bug: an invariant did not hold */
    RS_ELOCKED      /* the reporting year is closed: its records are final */
} rs_status;

/* Short stable name, e.g. "RS_ETOOBIG".  Never NULL. */
const char *rs_status_name(rs_status st);

/* One-line English description, for logs and the administrator's
 * commands.  Never NULL. */
const char *rs_status_str(rs_status st);

/* The same in Chinese, for what a clerk reads.  Never NULL. */
const char *rs_status_zh(rs_status st);

#endif

/*
 * rs_wire.h - Envelope encoding and the protocol's constants.
 *
 * Packs an rs.Envelope into one heap block that holds its varint length
 * prefix and body, ready for a single write; unpacks a frame payload into a
 * protobuf-c message; maps rs_status to rs.ErrorCode.
 *
 * Does not: frame a stream (rs_frame.h) or validate record contents
 * (rs_validate.h).
 */
#ifndef RS_WIRE_H
#define RS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_status.h"

/*
 * Protocol versions (proto/README.md, "Versioning"): 2 sends each record
 * of a SubmitBatch as the bytes its client packed (record_bytes), 1 as a
 * message (records).  This build's client speaks RS_PROTOCOL_VERSION; its
 * server answers every version from RS_PROTOCOL_VERSION_MIN up to it.
 */
#define RS_PROTOCOL_VERSION 2
#define RS_PROTOCOL_VERSION_MIN 1

/* RS_VERSION, the release, is the version in CMakeLists.txt's project(). */
#ifndef RS_VERSION
#error "RS_VERSION is defined by the build (CMakeLists.txt, project())"
#endif

/* Caps that both ends agree on; the server announces its own in Welcome. */
#define RS_MAX_BATCH_RECORDS 1000
#define RS_MAX_IN_FLIGHT 4
#define RS_MAX_STRING_BYTES 4096     /* any one string field */
#define RS_MAX_TEXT_BYTES 16384      /* functions, justification */
#define RS_MAX_REPORT_BYTES (8u << 20)
#define RS_MAX_BATCH_ID_BYTES 64     /* SubmitBatch.batch_id, as the audit trail keeps it */

/*
 * Before its Hello is accepted a connection may send only what a Hello
 * needs.  The largest valid Hello (an office code of RS_HELLO_CODE_MAX
 * bytes, a token of RS_HELLO_TOKEN_MAX, a client_version of
 * RS_HELLO_CLIENT_VERSION_MAX, a request_id) packs to under 450 bytes
 * (tests/test_frame.c measures it); the cap leaves a margin of about nine
 * times that, and anything announced larger is refused from its length
 * prefix.
 */
#define RS_HELLO_CODE_MAX 12
#define RS_HELLO_TOKEN_MAX 128
#define RS_HELLO_CLIENT_VERSION_MAX 256
#define RS_HELLO_FRAME_MAX 4096

/*
 * Packs env behind its varint length.  On RS_OK *out is a malloc'd block of
 * *outlen bytes that `headroom` bytes precede: the block starts at
 * (*out - headroom) and the caller frees that pointer.  headroom lets the
 * server put its write request in the same allocation.  RS_ETOOBIG if the
 * body exceeds max_frame.
 */
rs_status rs_wire_pack(const Rs__Envelope *env, size_t max_frame,
                       size_t headroom, uint8_t **out, size_t *outlen);

/*
 * Unpacks one payload.  RS_OK with *env owned by the caller (free with
 * rs__envelope__free_unpacked(env, NULL)); RS_EPROTO if unparsable or if no
 * message of the oneof is set.
 */
rs_status rs_wire_unpack(const uint8_t *p, size_t n, Rs__Envelope **env);

/*
 * Which message the Envelope in p[0..n) carries, read with the field
 * scanner (rs_pbscan.h) without unpacking it: the case protobuf-c would set
 * (the last member of the oneof that appears).  RS__ENVELOPE__MSG__NOT_SET
 * when none appears or the bytes are not a protobuf message.  Pure.
 */
Rs__Envelope__MsgCase rs_wire_msg_case(const uint8_t *p, size_t n);

/* The wire code for a status. */
Rs__ErrorCode rs_status_to_wire(rs_status st);

/* The status for a wire code. */
rs_status rs_status_from_wire(Rs__ErrorCode code);

#endif

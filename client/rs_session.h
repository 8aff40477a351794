/*
 * rs_session.h - one signed-in conversation with resettled.
 *
 * Opens a connection, says Hello with the office code and token, and then
 * delivers the outbox (rs_session_sync), fetches a report, or makes one of
 * the reporting year's requests (rs_session_call).  Sync
 * sends pending records in batches of at most the server's max_batch, keeps
 * up to the server's max_in_flight batches outstanding, and writes every
 * acknowledgement, with the batch's audit receipt, into the outbox as it
 * arrives.  A batch the server could not commit stays pending for a later
 * sync.
 *
 * Does not: retry with back-off (the command line does), or read CSV.
 */
#ifndef RS_SESSION_H
#define RS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_net.h"
#include "rs_outbox.h"
#include "rs_status.h"

struct rs_session {
    struct rs_net net;
    char office_code[16];
    char office_name[128];
    Rs__Role role;
    uint32_t max_batch;
    uint32_t max_in_flight;
    uint32_t max_frame;          /* the server's cap on one frame */
    uint64_t next_request;
};

struct rs_sync_stats {
    uint64_t sent, stored, duplicate, conflict, rejected;
};

/*
 * Connects (TLS or loopback plaintext as sec says, see rs_net.h) and signs
 * in.  RS_EIO / RS_ETIMEDOUT when the server cannot be reached; RS_EAUTH
 * when the server's certificate was not trusted (err names what did not
 * match) or the server refused the token or is rate limiting this address;
 * RS_EVERSION, RS_EFORBIDDEN (the office's role may not sign in) with the
 * server's words in err; RS_EINVAL for a bad security configuration.  On
 * RS_OK close with rs_session_close.
 */
RS_NODISCARD
rs_status rs_session_open(struct rs_session *s, const char *server,
                          const struct rs_net_security *sec, const char *office,
                          const char *token, uint32_t timeout_ms, char *err, size_t errlen);

void rs_session_close(struct rs_session *s);

/*
 * Sends every pending record of ob and records the answers.  batch_limit 0
 * means the server's max_batch.  Returns RS_OK when nothing is pending any
 * more; RS_ESTORAGE if the server refused to commit a batch (the rest stay
 * pending); a transport status if the connection failed (likewise).
 */
RS_NODISCARD
rs_status rs_session_sync(struct rs_session *s, struct rs_outbox *ob, uint32_t batch_limit,
                          struct rs_sync_stats *stats, char *err, size_t errlen);

/*
 * Fetches a report; *out is malloc'd (caller frees), *len bytes.  division
 * NULL asks for the office's own scope; otherwise that division (the
 * server refuses with RS_EFORBIDDEN what the office may not see).
 * accepted_only counts township records only once accepted.  *issue (may
 * be NULL) is the closed year's issue the server answered with, 0 for a
 * report rendered now.
 */
RS_NODISCARD
rs_status rs_session_report(struct rs_session *s, uint32_t year, Rs__ReportFormat fmt,
                            const char *framework, const char *division, bool accepted_only,
                            char **out, size_t *len, uint32_t *issue, char *err,
                            size_t errlen);

/*
 * Sends req (its request_id is set here) and waits for the reply, which
 * must be of case want: on RS_OK *reply is the caller's
 * (rs__envelope__free_unpacked).  An Error reply is its status, with the
 * server's words in err (RS_ELOCKED for a closed year, RS_EFORBIDDEN,
 * RS_EINVAL, ...); another message is RS_EPROTO; a transport failure its
 * status.  For the reporting year's requests (proto/README.md).
 */
RS_NODISCARD
rs_status rs_session_call(struct rs_session *s, Rs__Envelope *req, Rs__Envelope__MsgCase want,
                          Rs__Envelope **reply, char *err, size_t errlen);

#endif

/*
 * rs_submit.c - a SubmitBatch from the moment it is read until it is
 * answered: the cap, each record's encoding, validation and division
 * scope, the packed bodies for the writer, and the BatchAck (or the error)
 * once the group commit is over (rs_commit.c).
 *
 * The checks run on the loop thread (cheap, no I/O); a bad record is a
 * RecordAck with its field and reason, the batch's other records go on.
 *
 * Does not: touch the database (rs_commit.c commits; the store decides
 * stored, duplicate or conflict), or check the handshake (rs_handshake.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_fault.h"
#include "rs_log.h"
#include "rs_net_int.h"
#include "rs_validate.h"
#include "rs_wire.h"

/* Frees b: the acks' field and reason are its own, their ids the envelope's. */
static void batch_free(struct rs_batch *b)
{
    for (size_t k = 0; b->acks && k < b->n; k++) {
        free(b->acks[k].field);
        free(b->acks[k].reason);
    }
    if (b->env)
        rs__envelope__free_unpacked(b->env, NULL);
    free(b->bodies);
    free(b->store_idx);
    free(b->store);
    free(b->ack_ptrs);
    free(b->acks);
    free(b);
}

/* True if the office may submit r; otherwise reason says why. */
static bool in_scope(const struct rs_office *o, const Rs__Record *r, char *reason, size_t len)
{
    size_t oc = strlen(o->code);
    const char *d = r->division_code;

    if (o->role == RS__ROLE__ROLE_TOWNSHIP) {
        if (rs_rtype_is_unit_level(r->body_case)) {
            snprintf(reason, len, "%s records may only be submitted by the central office",
                     rs_rtype_name(r->body_case));
            return false;
        }
        if (strncmp(d, o->code, oc) != 0) {
            snprintf(reason, len, "division %s is not this office's division %s", d, o->code);
            return false;
        }
        return true;
    }
    if (strncmp(d, o->code, oc) != 0) {
        snprintf(reason, len, "division %s is outside this office's district %s", d, o->code);
        return false;
    }
    return true;
}

/*
 * True if r or its body holds a field this server does not know.  The body
 * is found through the record's descriptor (its oneof case is the body's
 * field number), so a new record type needs nothing here.
 */
static bool has_unknown_fields(const Rs__Record *r)
{
    const ProtobufCFieldDescriptor *fd;
    const ProtobufCMessage *body;

    if (r->base.n_unknown_fields)
        return true;
    fd = protobuf_c_message_descriptor_get_field(&rs__record__descriptor, (unsigned)r->body_case);
    if (!fd || fd->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    body = *(const ProtobufCMessage *const *)(const void *)((const char *)r + fd->offset);
    return body && body->n_unknown_fields;
}

/* Marks a rejected with copies of field and reason; false if they cannot be copied. */
RS_NODISCARD static bool reject(Rs__RecordAck *a, const char *field, const char *reason)
{
    a->has_status = true;
    a->status = RS__ACK_STATUS__ACK_REJECTED;
    a->field = rs_net_strdup(RS_NET_FAULT_ACK_TEXT, field);
    a->reason = a->field ? rs_net_strdup(RS_NET_FAULT_ACK_TEXT, reason) : NULL;
    return a->reason != NULL;
}

/*
 * One field of p[*off..n): its number and where its value lies (for a
 * length-delimited field, without the length).  False on a malformed key.
 */
static bool pb_field(const uint8_t *p, size_t n, size_t *off, uint32_t *num, size_t *vstart,
                     size_t *vlen)
{
    uint64_t key, v;
    size_t used;

    if (rs_varint_decode(p + *off, n - *off, &key, &used) != RS_OK)
        return false;
    *off += used;
    *num = (uint32_t)(key >> 3);
    switch (key & 7) {
    case PROTOBUF_C_WIRE_TYPE_VARINT:
        if (rs_varint_decode(p + *off, n - *off, &v, &used) != RS_OK)
            return false;
        *vlen = used;
        break;
    case PROTOBUF_C_WIRE_TYPE_64BIT:
        *vlen = 8;
        break;
    case PROTOBUF_C_WIRE_TYPE_32BIT:
        *vlen = 4;
        break;
    case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
        if (rs_varint_decode(p + *off, n - *off, &v, &used) != RS_OK || v > n - *off - used)
            return false;
        *off += used;
        *vlen = (size_t)v;
        break;
    default:
        return false;
    }
    if (*vlen > n - *off)
        return false;
    *vstart = *off;
    *off += *vlen;
    return true;
}

/*
 * The encoded length of each record of the SubmitBatch in the envelope
 * bytes p[0..n), into lens[0..count).  False unless exactly count are found.
 * The field numbers come from the generated code: Envelope.submit's is its
 * oneof case, SubmitBatch.records' is in the message's descriptor.
 */
static bool record_lengths(const uint8_t *p, size_t n, size_t *lens, size_t count)
{
    const ProtobufCFieldDescriptor *records =
        protobuf_c_message_descriptor_get_field_by_name(&rs__submit_batch__descriptor, "records");
    size_t off = 0, k = 0, vs, vl;
    uint32_t num;

    if (!records)
        return false;
    while (off < n) {
        size_t o2 = 0, s2, l2;
        uint32_t f2;

        if (!pb_field(p, n, &off, &num, &vs, &vl))
            return false;
        while (num == RS__ENVELOPE__MSG_SUBMIT && o2 < vl) {
            if (!pb_field(p + vs, vl, &o2, &f2, &s2, &l2))
                return false;
            if (f2 == records->id) {
                if (k == count)
                    return false;
                lens[k++] = l2;
            }
        }
    }
    return k == count;
}

/*
 * Validates every record of the batch on the loop thread (cheap, no I/O),
 * and packs the valid ones canonically for the writer.  A record whose
 * canonical packing is not as long as what the client sent was altered by
 * decoding (a NUL ends a C string, a uint32 field drops high bits): it is
 * rejected rather than stored as something the client did not send.
 * p[0..len) is the envelope as received.  Returns RS_ENOMEM only, also
 * when a rejected record's field or reason cannot be copied (so no ack goes
 * out without them); a bad record is an ack, not an error.
 */
static rs_status batch_prepare(struct rs_batch *b, const uint8_t *p, size_t len)
{
    Rs__SubmitBatch *sb = b->env->submit;
    size_t total = 0, off = 0, i, k = 0;
    size_t *sizes = NULL, *lens = NULL;
    bool lens_ok;
    rs_status rc = RS_ENOMEM;

    b->n = sb->n_records;
    b->acks = calloc(b->n ? b->n : 1, sizeof(*b->acks));
    b->ack_ptrs = calloc(b->n ? b->n : 1, sizeof(*b->ack_ptrs));
    b->store = calloc(b->n ? b->n : 1, sizeof(*b->store));
    b->store_idx = calloc(b->n ? b->n : 1, sizeof(*b->store_idx));
    sizes = calloc(b->n ? b->n : 1, sizeof(*sizes));
    lens = calloc(b->n ? b->n : 1, sizeof(*lens));
    if (!b->acks || !b->ack_ptrs || !b->store || !b->store_idx || !sizes || !lens)
        goto out;
    lens_ok = record_lengths(p, len, lens, b->n);
    for (i = 0; i < b->n; i++) {
        Rs__Record *r = sb->records[i];
        Rs__RecordAck *a = &b->acks[i];
        struct rs_verdict v;
        char why[192];
        bool copied;

        rs__record_ack__init(a);
        b->ack_ptrs[i] = a;
        a->id = r->id;
        if (has_unknown_fields(r)) {
            copied = reject(a, "record", "unknown field (is the client newer than the server?)");
        } else if (!lens_ok || rs__record__get_packed_size(r) != lens[i]) {
            copied = reject(a, "record", "encoding does not round-trip (a NUL byte in a string, "
                                         "or a number too big for its field)");
        } else if (rs_validate_record(r, &v) != RS_OK) {
            copied = reject(a, v.field, v.reason);
        } else if (!in_scope(&b->conn->office, r, why, sizeof(why))) {
            copied = reject(a, "division_code", why);
        } else {
            sizes[i] = rs__record__get_packed_size(r);
            total += sizes[i];
            b->store_idx[k++] = i;
            continue;
        }
        if (!copied)
            goto out;
    }
    b->nstore = k;
    b->bodies = malloc(total ? total : 1);
    if (!b->bodies)
        goto out;
    for (k = 0; k < b->nstore; k++) {
        Rs__Record *r = sb->records[b->store_idx[k]];
        struct rs_store_rec *s = &b->store[k];

        s->body = b->bodies + off;
        s->body_len = rs__record__pack(r, b->bodies + off);
        off += s->body_len;
        rs_sha256(s->body, s->body_len, s->hash);
        s->id = r->id;
        s->supersedes = r->supersedes && r->supersedes[0] ? r->supersedes : NULL;
        s->office_code = b->office;
        s->division_code = r->division_code;
        s->batch_id = sb->batch_id;
        s->type = r->body_case;
        s->year = r->year;
        s->period = r->period;
    }
    rc = RS_OK;
out:
    free(lens);
    free(sizes);
    return rc;
}

/*
 * Sends the BatchAck.  The acks of the records the store saw borrow their
 * reason from b->store and their field from a literal while the ack is
 * packed, so nothing here can fail to allocate after the commit.
 */
static void send_batch_ack(struct rs_batch *b)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__BatchAck ack = RS__BATCH_ACK__INIT;
    size_t k;

    for (k = 0; k < b->nstore; k++) {
        const struct rs_store_rec *s = &b->store[k];
        Rs__RecordAck *a = &b->acks[b->store_idx[k]];

        a->has_status = true;
        a->status = s->ack;
        if (s->seq) {
            a->has_server_seq = true;
            a->server_seq = s->seq;
        }
        if (s->reason[0])
            a->reason = (char *)s->reason;
        /* The store rejects on supersedes, or on a closed year (ERR_LOCKED). */
        if (s->ack == RS__ACK_STATUS__ACK_REJECTED)
            a->field = (char *)(s->code == RS__ERROR_CODE__ERR_LOCKED ? "year" : "supersedes");
        if (s->code != RS__ERROR_CODE__ERR_NONE) {
            a->has_code = true;
            a->code = s->code;
        }
    }
    {
        size_t cnt[5] = {0};

        for (k = 0; k < b->n; k++)
            cnt[b->acks[k].status <= 4 ? b->acks[k].status : 0]++;
        char safe[72];

        rs_log(RS_LOG_INFO, b->conn->id, b->conn->peer,
               "batch %s: %zu records: %zu stored, %zu duplicate, %zu conflict, %zu rejected",
               rs_net_log_safe(b->env->submit->batch_id, safe), b->n, cnt[1], cnt[2], cnt[3],
               cnt[4]);
    }
    ack.batch_id = b->env->submit->batch_id;
    ack.n_acks = b->n;
    ack.acks = b->ack_ptrs;
    env.has_request_id = b->has_request_id;
    env.request_id = b->request_id;
    ack.has_receipt_hash = true;
    ack.receipt_hash.data = b->receipt_hash;
    ack.receipt_hash.len = sizeof(b->receipt_hash);
    ack.has_receipt_seq = true;
    ack.receipt_seq = b->receipt_seq;
    env.msg_case = RS__ENVELOPE__MSG_ACK;
    env.ack = &ack;
    rs_conn_send(b->conn, &env);
    for (k = 0; k < b->nstore; k++) {
        Rs__RecordAck *a = &b->acks[b->store_idx[k]];

        a->reason = NULL;
        a->field = NULL;
    }
}

void rs_submit_finish(struct rs_batch *b, rs_status rc, bool committed, const char *why)
{
    struct rs_conn *c = b->conn;

    if (!c->closing) {
        if (rc == RS_OK) {
            send_batch_ack(b);
        } else {
            char msg[400];

            snprintf(msg, sizeof(msg), "%s: %s",
                     committed ? "the batch was written but not confirmed on disk; send it again"
                               : "nothing from this batch was stored",
                     why);
            rs_conn_error(c, b->has_request_id ? &b->request_id : NULL,
                          rc == RS_ECLOSED ? RS_ECLOSED : RS_ESTORAGE, msg, false);
        }
    }
    c->in_flight--;
    rs_conn_update_reading(c);
    rs_conn_pump(c);
    rs_conn_unref(c);
    batch_free(b);
}

struct rs_batch *rs_submit_batch(struct rs_conn *c, Rs__Envelope *env, const uint8_t *p,
                                 size_t len)
{
    struct rs_batch *b;
    uint64_t rid = env->request_id;
    const uint64_t *prid = env->has_request_id ? &rid : NULL;

    if (env->submit->n_records > c->srv->cfg.max_batch) {
        char msg[128];

        snprintf(msg, sizeof(msg), "batch of %zu records; the cap is %u",
                 env->submit->n_records, c->srv->cfg.max_batch);
        rs_conn_error(c, prid, RS_ETOOBIG, msg, false);
        rs__envelope__free_unpacked(env, NULL);
        return NULL;
    }
    b = calloc(1, sizeof(*b));
    if (!b) {
        rs__envelope__free_unpacked(env, NULL);
        rs_conn_error(c, prid, RS_ENOMEM, "out of memory", true);
        return NULL;
    }
    b->conn = c;
    b->env = env;
    b->has_request_id = env->has_request_id;
    b->request_id = env->request_id;
    snprintf(b->office, sizeof(b->office), "%s", c->office.code);
    snprintf(b->peer, sizeof(b->peer), "%s", c->peer);
    if (batch_prepare(b, p, len) != RS_OK) {
        batch_free(b);
        rs_conn_error(c, prid, RS_ENOMEM, "out of memory", true);
        return NULL;
    }
    c->in_flight++;
    c->refs++;
    return b;
}

/*
 * rs_submit.c - a SubmitBatch from the moment it is read until it is
 * answered: its shape and caps, each record's bytes, validation and
 * division scope, the store items for the writer, and the BatchAck (or the
 * error) once the group commit is over (rs_commit.c).
 *
 * Each record becomes bytes once, and the rest of its way is the same for
 * both protocol versions (proto/README.md):
 *   - version 2 sends the bytes its client packed (SubmitBatch.record_bytes);
 *   - version 1 sends a message (SubmitBatch.records), which is packed here,
 *     once; a packing not as long as what the client sent means decoding
 *     altered the record (a NUL ends a C string, a uint32 field drops high
 *     bits), and it is rejected rather than stored as something the client
 *     did not send.
 * Then the bytes must be canonical (rs_pb_check, rs_pbscan.h: the same
 * record always has the same bytes, which the receipt, the store's
 * duplicate/conflict decision and the content hash depend on), the record
 * they decode to is validated and its division checked against the
 * office's scope, and the bytes themselves are stored and hashed.  A bad
 * record is a RecordAck with its field, reason and Chinese text; the
 * batch's other records go on.
 *
 * Before anything is unpacked, the envelope's bytes are scanned: a batch
 * of more than max_batch records, a batch_id of more than
 * RS_MAX_BATCH_ID_BYTES, or records in the other version's field are
 * refused without unpacking.  Everything a batch then holds (the envelope
 * unpacked by protobuf-c, each record, the acks, the store items) lives in
 * the batch's arena (rs_arena.h): no allocation per field, one free.  The
 * arena's cap bounds what one batch may cost (see batch_arena_init).
 *
 * Runs on the loop thread (no I/O).
 *
 * Does not: touch the database (rs_commit.c commits; the store decides
 * stored, duplicate or conflict), or check the handshake (rs_handshake.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_fault.h"
#include "rs_log.h"
#include "rs_net_int.h"
#include "rs_pbscan.h"
#include "rs_validate.h"
#include "rs_wire.h"

/*
 * Arena bytes one record may take beyond its own bytes: its Rs__Record and
 * body structs as protobuf-c unpacks them (the largest body, Project, is
 * under 400 bytes), an aligned copy of each string, its ack and store
 * item.  What a batch may take in all is four times the frame cap (the
 * envelope's bytes copied by protobuf-c, and for version 1 the packings)
 * plus this for each record the cap allows; past it the batch is refused
 * as out of memory.
 */
#define ARENA_PER_RECORD 1024
#define ARENA_PER_RECORD_MAX 4096

/* Frees b and everything it holds (its arena). */
static void batch_free(struct rs_batch *b)
{
    rs_arena_free(&b->arena);
    free(b);
}

/* ------------------------------------------------------------ the envelope's shape */

/* What the envelope's bytes say, read before anything is unpacked. */
struct shape {
    bool has_request_id;
    uint64_t request_id;
    const uint8_t *sb;          /* the SubmitBatch's bytes: the last submit field, the one
                                 * protobuf-c reads */
    size_t sb_len;
    size_t n_records;           /* SubmitBatch.records (version 1) */
    size_t n_bytes;             /* SubmitBatch.record_bytes (version 2) */
    size_t batch_id_len;        /* bytes of the last batch_id */
};

/* The field of message d that field f is, if d knows it. */
static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessageDescriptor *d,
                                                const struct rs_pb_field *f)
{
    return protobuf_c_message_descriptor_get_field(d, f->num);
}

/*
 * Scans the envelope p[0..len) and its SubmitBatch.  False if the bytes are
 * not protobuf, or carry no SubmitBatch (the caller then answers
 * "unparsable").  lens[k] (k < nlens; lens may be NULL) is set to the
 * length of the k-th SubmitBatch.records, as sent.
 */
static bool scan_shape(const uint8_t *p, size_t len, struct shape *sh, size_t *lens,
                       size_t nlens)
{
    struct rs_pb_scan s;
    struct rs_pb_field f;
    enum rs_pb_step st;
    size_t k = 0;

    memset(sh, 0, sizeof(*sh));
    rs_pb_scan_init(&s, p, len);
    while ((st = rs_pb_next(&s, &f)) == RS_PB_FIELD) {
        const ProtobufCFieldDescriptor *fd = field_of(&rs__envelope__descriptor, &f);

        if (!fd)
            continue;
        if (fd->offset == offsetof(Rs__Envelope, request_id) && f.wt == RS_PB_WT_VARINT) {
            sh->has_request_id = true;
            sh->request_id = f.v;
        } else if (fd->id == RS__ENVELOPE__MSG_SUBMIT && f.wt == RS_PB_WT_LEN) {
            sh->sb = f.p;
            sh->sb_len = f.n;
        }
    }
    if (st != RS_PB_END || !sh->sb)
        return false;
    rs_pb_scan_init(&s, sh->sb, sh->sb_len);
    while ((st = rs_pb_next(&s, &f)) == RS_PB_FIELD) {
        const ProtobufCFieldDescriptor *fd = field_of(&rs__submit_batch__descriptor, &f);

        if (!fd)
            continue;
        if (fd->offset == offsetof(Rs__SubmitBatch, records)) {
            if (k < nlens)
                lens[k] = f.n;
            k++;
            sh->n_records++;
        } else if (fd->offset == offsetof(Rs__SubmitBatch, record_bytes)) {
            sh->n_bytes++;
        } else if (fd->offset == offsetof(Rs__SubmitBatch, batch_id)) {
            sh->batch_id_len = f.n;
        }
    }
    return st == RS_PB_END;
}

/* ------------------------------------------------------------ one record */

/* Where a record's id, supersedes and division code lie in its bytes. */
struct spans {
    const uint8_t *id;
    size_t id_len, supersedes_len, division_len;
};

/* Notes the lengths of the envelope fields the store binds, as the check accepts them. */
static rs_status note_spans(void *arg, const ProtobufCMessageDescriptor *msg,
                            const ProtobufCFieldDescriptor *fd, const struct rs_pb_field *f)
{
    struct spans *sp = arg;

    if (msg != &rs__record__descriptor || (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return RS_OK;
    switch ((size_t)fd->offset) {
    case offsetof(Rs__Record, id):
        sp->id = f->p;
        sp->id_len = f->n;
        break;
    case offsetof(Rs__Record, supersedes):
        sp->supersedes_len = f->n;
        break;
    case offsetof(Rs__Record, division_code):
        sp->division_len = f->n;
        break;
    default:
        break;
    }
    return RS_OK;
}

/* A copy of s in b's arena for an ack; NULL when it cannot be made. */
static char *ack_text(struct rs_batch *b, const char *s)
{
    return rs_net_fault(RS_NET_FAULT_ACK_TEXT) ? NULL : rs_arena_strndup(&b->arena, s, strlen(s));
}

/*
 * Marks a rejected with copies of field, reason and its Chinese text (NULL
 * or "": none); false if they cannot be copied.
 */
RS_NODISCARD static bool reject(struct rs_batch *b, Rs__RecordAck *a, const char *field,
                                const char *reason, const char *text)
{
    a->has_status = true;
    a->status = RS__ACK_STATUS__ACK_REJECTED;
    a->field = ack_text(b, field);
    a->reason = a->field ? ack_text(b, reason) : NULL;
    if (a->reason && text && text[0] && !(a->text = ack_text(b, text)))
        return false;
    return a->reason != NULL;
}

/* What a clerk reads for a record the server cannot read as the protocol says. */
#define ZH_NOT_CANONICAL "记录的编码不符合规范（发送程序有误），服务器未接收"

/*
 * True if the office may submit r; otherwise reason says why, in English,
 * and zh in Chinese (both len bytes).
 */
static bool in_scope(const struct rs_batch *b, const Rs__Record *r, char *reason, char *zh,
                     size_t len)
{
    const struct rs_office *o = &b->conn->office;
    const char *d = r->division_code;

    if (o->role == RS__ROLE__ROLE_TOWNSHIP) {
        if (rs_rtype_is_unit_level(r->body_case)) {
            snprintf(reason, len, "%s records may only be submitted by the central office",
                     rs_rtype_name(r->body_case));
            snprintf(zh, len, "%s记录只能由区中心报送", rs_rtype_label(r->body_case));
            return false;
        }
        if (strncmp(d, o->code, b->office_len) != 0) {
            snprintf(reason, len, "division %s is not this office's division %s", d, o->code);
            snprintf(zh, len, "区划代码 %s 不是本单位的区划 %s", d, o->code);
            return false;
        }
        return true;
    }
    if (strncmp(d, o->code, b->office_len) != 0) {
        snprintf(reason, len, "division %s is outside this office's district %s", d, o->code);
        snprintf(zh, len, "区划代码 %s 不在本单位所辖的 %s 范围内", d, o->code);
        return false;
    }
    return true;
}

/*
 * Record i of the batch, whose bytes are bytes[0..blen): r is its version 1
 * message (NULL for version 2, which unpacks the bytes here) and sent its
 * length as the client sent it.  Either fills the next store item, or
 * rejects the record in its ack.  RS_ENOMEM only (the batch then fails:
 * no ack goes out without its field and reason); a bad record is an ack.
 */
static rs_status take_record(struct rs_batch *b, size_t i, const uint8_t *bytes, size_t blen,
                             Rs__Record *r, size_t sent)
{
    Rs__RecordAck *a = &b->acks[i];
    struct spans sp = {NULL, 0, 0, 0};
    struct rs_store_rec *s;
    struct rs_verdict v;
    char why[256], zh[256];
    bool copied;

    rs__record_ack__init(a);
    b->ack_ptrs[i] = a;
    if (rs_pb_check(&rs__record__descriptor, bytes, blen, note_spans, &sp, why, sizeof(why)) !=
        RS_OK) {
        /* Name the record if its id could be read before the fault. */
        if (r)
            a->id = r->id;
        else if (sp.id && !(a->id = rs_arena_strndup(&b->arena, (const char *)sp.id, sp.id_len)))
            return RS_ENOMEM;
        return reject(b, a, "record", why, ZH_NOT_CANONICAL) ? RS_OK : RS_ENOMEM;
    }
    if (r && blen != sent) {
        a->id = r->id;
        return reject(b, a, "record", "encoding does not round-trip (a NUL byte in a string, "
                                      "or a number too big for its field)",
                      ZH_NOT_CANONICAL)
                   ? RS_OK
                   : RS_ENOMEM;
    }
    if (!r) {
        r = rs__record__unpack(rs_arena_pb(&b->arena), blen, bytes);
        if (!r)
            return RS_ENOMEM;   /* canonical bytes unpack unless memory runs out */
    }
    a->id = r->id;
    if (rs_validate_record(r, &v) != RS_OK)
        copied = reject(b, a, v.field, v.reason, v.text);
    else if (!in_scope(b, r, why, zh, sizeof(why)))
        copied = reject(b, a, "division_code", why, zh);
    else
        copied = true;
    if (!copied)
        return RS_ENOMEM;
    if (a->has_status)
        return RS_OK;

    b->store_idx[b->nstore] = i;
    s = &b->store[b->nstore++];
    s->body = bytes;
    s->body_len = blen;
    rs_sha256_with(b->conn->srv->sha, bytes, blen, s->hash);
    s->id = r->id;
    s->id_len = sp.id_len;
    s->supersedes = sp.supersedes_len ? r->supersedes : NULL;
    s->supersedes_len = sp.supersedes_len;
    s->office_code = b->office;
    s->office_code_len = b->office_len;
    s->division_code = r->division_code;
    s->division_code_len = sp.division_len;
    s->batch_id = b->batch_id;
    s->batch_id_len = b->batch_id_len;
    s->type = r->body_case;
    s->year = r->year;
    s->period = r->period;
    return RS_OK;
}

/*
 * Every record of the batch: acks, store items.  lens (version 1) holds
 * the length of each record as sent.  RS_ENOMEM only.
 */
static rs_status batch_prepare(struct rs_batch *b, const size_t *lens)
{
    Rs__SubmitBatch *sb = b->env->submit;
    bool v1 = b->conn->proto == 1;
    size_t n = v1 ? sb->n_records : sb->n_record_bytes;
    rs_status rc;

    /* Not zeroed: take_record sets each ack and every input of each store item (the
     * store resets the outputs). */
    b->n = n;
    b->acks = rs_arena_alloc(&b->arena, (n ? n : 1) * sizeof(*b->acks));
    b->ack_ptrs = rs_arena_alloc(&b->arena, (n ? n : 1) * sizeof(*b->ack_ptrs));
    b->store = rs_arena_alloc(&b->arena, (n ? n : 1) * sizeof(*b->store));
    b->store_idx = rs_arena_alloc(&b->arena, (n ? n : 1) * sizeof(*b->store_idx));
    if (!b->acks || !b->ack_ptrs || !b->store || !b->store_idx)
        return RS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (v1) {
            Rs__Record *r = sb->records[i];
            size_t blen = rs__record__get_packed_size(r);
            uint8_t *bytes = rs_arena_alloc(&b->arena, blen);

            if (!bytes)
                return RS_ENOMEM;
            rs__record__pack(r, bytes);
            rc = take_record(b, i, bytes, blen, r, lens[i]);
        } else {
            const ProtobufCBinaryData *d = &sb->record_bytes[i];

            rc = take_record(b, i, d->data, d->len, NULL, d->len);
        }
        if (rc)
            return rc;
    }
    return RS_OK;
}

/* ------------------------------------------------------------ the answer */

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
        if (s->text[0])
            a->text = (char *)s->text;
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

        rs_log_office(RS_LOG_INFO, b->conn->id, b->conn->peer, b->office,
                      "batch %s: %zu records: %zu stored, %zu duplicate, %zu conflict, "
                      "%zu rejected", rs_net_log_safe(b->batch_id, safe), b->n, cnt[1], cnt[2],
                      cnt[3], cnt[4]);
    }
    ack.batch_id = (char *)b->batch_id;
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
        a->text = NULL;
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

/* ------------------------------------------------------------ a new batch */

/*
 * Refuses a batch whose shape breaks a rule (answered here, the connection
 * goes on); false if it may be unpacked.
 */
static bool refuse_shape(struct rs_conn *c, const struct shape *sh, const uint64_t *prid)
{
    size_t n = sh->n_records + sh->n_bytes;
    char msg[200];

    if (n > c->srv->cfg.max_batch) {
        snprintf(msg, sizeof(msg), "batch of %zu records; the cap is %u", n,
                 c->srv->cfg.max_batch);
        rs_conn_error(c, prid, RS_ETOOBIG, msg, false);
        return true;
    }
    if (sh->batch_id_len > RS_MAX_BATCH_ID_BYTES) {
        snprintf(msg, sizeof(msg), "batch_id of %zu bytes; the cap is %d (a UUID has 36)",
                 sh->batch_id_len, RS_MAX_BATCH_ID_BYTES);
        rs_conn_error(c, prid, RS_EINVAL, msg, false);
        return true;
    }
    if (c->proto == 1 && sh->n_bytes) {
        rs_conn_error(c, prid, RS_EINVAL,
                      "record_bytes is protocol version 2; this connection said Hello with "
                      "version 1, which sends records",
                      false);
        return true;
    }
    if (c->proto != 1 && sh->n_records) {
        rs_conn_error(c, prid, RS_EINVAL,
                      "protocol version 2 sends each record as record_bytes (the bytes the "
                      "client packed), not as records",
                      false);
        return true;
    }
    return false;
}

struct rs_batch *rs_submit_batch(struct rs_conn *c, const uint8_t *p, size_t len)
{
    struct rs_batch *b;
    struct shape sh;
    size_t *lens = NULL;
    size_t first, n;
    const uint64_t *prid;

    if (!scan_shape(p, len, &sh, NULL, 0)) {
        rs_conn_error(c, NULL, RS_EPROTO, "unparsable message", true);
        return NULL;
    }
    prid = sh.has_request_id ? &sh.request_id : NULL;
    if (refuse_shape(c, &sh, prid))
        return NULL;
    b = calloc(1, sizeof(*b));
    if (!b) {
        rs_conn_error(c, prid, RS_ENOMEM, "out of memory", true);
        return NULL;
    }
    n = sh.n_records + sh.n_bytes;
    first = 2 * len + n * ARENA_PER_RECORD + (sh.n_records ? len : 0);
    rs_arena_init(&b->arena, first,
                  4 * (size_t)c->srv->cfg.max_frame +
                      (size_t)c->srv->cfg.max_batch * ARENA_PER_RECORD_MAX);
    b->conn = c;
    b->has_request_id = sh.has_request_id;
    b->request_id = sh.request_id;
    if (sh.n_records) {
        size_t nlens = sh.n_records;

        lens = rs_arena_alloc(&b->arena, nlens * sizeof(*lens));
        if (!lens)
            goto nomem;
        if (!scan_shape(p, len, &sh, lens, nlens) || sh.n_records != nlens)
            goto unparsable;
    }
    b->env = rs__envelope__unpack(rs_arena_pb(&b->arena), len, p);
    if (!b->env) {
        if (b->arena.failed)
            goto nomem;
        goto unparsable;
    }
    if (b->env->msg_case != RS__ENVELOPE__MSG_SUBMIT)
        goto unparsable;
    b->batch_id = b->env->submit->batch_id;
    b->batch_id_len = b->batch_id ? strlen(b->batch_id) : 0;
    snprintf(b->office, sizeof(b->office), "%s", c->office.code);
    b->office_len = c->office_len;
    snprintf(b->peer, sizeof(b->peer), "%s", c->peer);
    if (batch_prepare(b, lens) != RS_OK)
        goto nomem;
    c->in_flight++;
    c->refs++;
    return b;
unparsable:
    batch_free(b);
    rs_conn_error(c, NULL, RS_EPROTO, "unparsable message", true);
    return NULL;
nomem:
    batch_free(b);
    rs_conn_error(c, prid, RS_ENOMEM, "out of memory", true);
    return NULL;
}

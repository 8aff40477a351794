/*
 * rs_outbox.h - the township's local outbox: nothing entered is lost.
 *
 * A SQLite file (WAL, synchronous=FULL) on the township's PC.  Every valid
 * CSV row becomes an outbox row before any network activity, and stays
 * there for good with its state:
 *
 *   pending -> stored | duplicate      (acknowledged: final)
 *   pending -> conflict | rejected     (final; reason kept; never resent)
 *
 * With its acknowledgement a record keeps the server's receipt for the
 * batch that carried it: the position and chain hash of the audit row the
 * server wrote in the same transaction (proto/README.md, "Receipts").  A
 * district can later check these against `resettled audit verify`.
 *
 * Record ids: every row the outbox adds gets a new time-ordered UUID
 * (version 7, rs_uuid_v7), made once when the row is queued and kept with
 * it, so every retry of that row carries the same id and is answered
 * "duplicate" by the server.  A record whose natural key (division, year,
 * type, key) is already queued with the same content is not added again
 * (RS_OUTBOX_UNCHANGED), so importing the same file twice into one outbox
 * adds nothing.  If its content changed, the new version gets a new id and
 * `supersedes` names the newest earlier version that the server stored (or
 * the pending one it will store first).
 *
 * Ids grow with time so that the server's unique index on them takes
 * inserts at its end (docs/benchmark.md: a random id dirties about one
 * index page per record).  The price: the same file imported into a fresh
 * outbox (a new machine) gets new ids and is stored again; the evaluation
 * counts a natural key once and lists such repeats (docs/evaluation.md).
 *
 * The natural key ("nkey") of a record is
 *
 *   "<division_code>|<year>|<type name>|<rs_record_key>"
 *
 * e.g. "430602001|2023|project|project:P-2023-001", where the type name is
 * rs_rtype_name() of the body.
 *
 * The file carries PRAGMA application_id RS_OUTBOX_APPLICATION_ID ('RSO1')
 * and user_version RS_OUTBOX_SCHEMA_VERSION; older files are migrated on
 * open, anything else is refused untouched.  Every state change is one
 * durable transaction (or part of the caller's begin/commit), so the
 * process may be killed at any point.
 *
 * Threading: a struct rs_outbox is used by one thread at a time.  Several
 * processes may open the same file (busy timeout 5 s).
 *
 * Does not: talk to the network (rs_sync.h), parse CSV, or validate records
 * (rs_validate.h; callers validate before adding).
 */
#ifndef RS_OUTBOX_H
#define RS_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_status.h"

enum rs_outbox_state {
    RS_OB_PENDING = 0,
    RS_OB_STORED = 1,
    RS_OB_DUPLICATE = 2,
    RS_OB_CONFLICT = 3,
    RS_OB_REJECTED = 4
};

enum rs_outbox_added {
    RS_OUTBOX_NEW,               /* first version of this key */
    RS_OUTBOX_NEW_VERSION,       /* content changed: supersedes an earlier one */
    RS_OUTBOX_UNCHANGED          /* same content already queued; nothing added */
};

#define RS_OUTBOX_APPLICATION_ID 0x52534f31   /* 'RSO1'; the server's differs */
#define RS_OUTBOX_SCHEMA_VERSION 2     /* 2: receipts (receipt_seq, receipt_hash) */
#define RS_OUTBOX_NKEY_MAX 512                 /* bytes, with the NUL */
#define RS_OUTBOX_TEXT_MAX 1024                /* source, field, reason: longer is cut */

struct rs_outbox;

/*
 * Opens or creates the outbox at path (parent directories must exist).
 * RS_ESCHEMA if the file is not a SQLite database, is another program's
 * database (a different application_id, or no id but tables of its own),
 * or has a newer schema version; the file is then not modified.  RS_EIO if
 * it cannot be opened or put in WAL mode.  On failure err holds a sentence
 * naming the file and the cause.  On RS_OK *out is owned by the caller:
 * close with rs_outbox_close.  Several processes may create the same new
 * file at once: each waits (up to the busy timeout, 5 s) for the other's
 * creation and opens the result.
 */
RS_NODISCARD
rs_status rs_outbox_open(const char *path, struct rs_outbox **out,
                         char *err, size_t errlen);

/*
 * Reads every page of the outbox (SQLite's quick_check): RS_OK if all hold
 * together; RS_EIO if a page is damaged, rs_outbox_errmsg saying what
 * SQLite found ("damaged: ...").  Reads only, every page: its time grows
 * with the file.
 */
RS_NODISCARD rs_status rs_outbox_check(struct rs_outbox *ob);

/* What rs_outbox_salvage copied. */
struct rs_outbox_salvage {
    uint64_t copied;             /* rows now in the new outbox */
    uint64_t unreadable;         /* runs of row numbers that could not be read */
    int64_t first_lost, last_lost;  /* the first and last row number not read; 0 if none */
};

/*
 * Copies every row of the outbox at `from` that can still be read, with its
 * state, receipt and history, into a new outbox at `to` (which must not
 * exist), reading `from` read-only: row ranges are copied whole and a range
 * that hits a damaged page is halved until the unreadable rows are single
 * ones, which are skipped and counted.  RS_EDUP if `to` exists; RS_EIO /
 * RS_ESCHEMA if `from` cannot be read as an outbox at all (its schema page
 * is damaged); err says why.  Single-threaded; `from` must not be in use.
 */
RS_NODISCARD rs_status rs_outbox_salvage(const char *from, const char *to,
                                         struct rs_outbox_salvage *out, char *err,
                                         size_t errlen);

/* Closes; an open transaction is rolled back.  RS_EIO if sqlite3_close
 * failed.  ob may be NULL. */
rs_status rs_outbox_close(struct rs_outbox *ob);

/* The message of the last failure on this outbox ("" if none).  Valid until
 * the next call on ob. */
const char *rs_outbox_errmsg(const struct rs_outbox *ob);

/*
 * Writes rec's natural key (see above) into out.  RS_EINVAL if rec has no
 * division code, year or body, or its key fields are missing; RS_ETOOBIG
 * if outlen is too small.
 */
RS_NODISCARD
rs_status rs_outbox_nkey(const Rs__Record *rec, char *out, size_t outlen);

/*
 * Queues rec.  Sets rec->id (and rec->supersedes for a new version; both
 * become malloc'd strings owned by rec).  source is "file:line" for
 * messages (may be NULL).  Callers adding many rows wrap them in
 * begin/commit so that a whole file is one durable transaction.
 *
 * The record is packed once: its content (rec without id and supersedes,
 * whose SHA-256 is the content hash), then id and supersedes written in
 * front, which is byte for byte what protobuf-c packs for the whole record
 * and what the session sends (protocol version 2).
 * Against the newest queued row of the same natural key:
 *   none                      -> new id, RS_OUTBOX_NEW
 *   same hash, not failed     -> RS_OUTBOX_UNCHANGED, rec->id = its id,
 *                                nothing written
 *   same hash, conflict or rejected (a retry), or a different hash
 *                             -> new id, RS_OUTBOX_NEW_VERSION, with
 *                                supersedes = the newest row of the key
 *                                that is pending, stored or duplicate
 *                                (none: no supersedes)
 * If the caller set rec->id (a record_id column) it is kept, and
 * rec->supersedes as the caller set it: nothing is derived.  If that id
 * is already queued: RS_OUTBOX_UNCHANGED for the same content,
 * RS_ECONFLICT for different content.  A caller id must be a UUID
 * (RS_EINVAL); a caller supersedes without an id is RS_EINVAL.
 *
 * On failure rec is as it was and nothing was added; a transaction the
 * caller began stays open (roll it back or go on).
 */
RS_NODISCARD
rs_status rs_outbox_add(struct rs_outbox *ob, Rs__Record *rec,
                        const char *source, enum rs_outbox_added *what);

/*
 * BEGIN IMMEDIATE / COMMIT / ROLLBACK.  begin inside a transaction and
 * commit outside one are RS_EINVAL; rollback outside one is RS_OK (SQLite
 * may already have rolled back after an I/O error).  A failed commit
 * (RS_EBUSY, RS_ESTORAGE, RS_EIO) leaves the transaction open: roll back.
 */
RS_NODISCARD
rs_status rs_outbox_begin(struct rs_outbox *ob);
RS_NODISCARD
rs_status rs_outbox_commit(struct rs_outbox *ob);
rs_status rs_outbox_rollback(struct rs_outbox *ob);

/* One pending record, as handed to the sender. */
struct rs_outbox_item {
    int64_t seq;                 /* outbox row id */
    char id[40];
    uint8_t *body;               /* packed rs.Record, malloc'd */
    size_t len;
};

/*
 * Fills items with up to max pending records, oldest first, skipping those
 * with seq <= after_seq.  *n is set to the number filled; the caller frees
 * each items[i].body.  Each listed record's attempts count goes up by one.
 * On failure *n is 0 and nothing is left allocated.
 */
RS_NODISCARD
rs_status rs_outbox_pending(struct rs_outbox *ob, int64_t after_seq,
                            struct rs_outbox_item *items, size_t max,
                            size_t *n);

/*
 * Records the server's answer for the record with this id.  A record that
 * is not pending (already final) is left as it is (RS_OK).  field/reason
 * may be NULL; reason is what a clerk is shown (the session passes the
 * ack's Chinese text, RecordAck.text, and the English reason only from a
 * server that sends none).  server_seq may be 0 (stored as unknown).  RS_EINVAL if st
 * is RS_OB_PENDING or not a state, or server_seq > INT64_MAX;
 * RS_ENOTFOUND if no record has this id.
 */
RS_NODISCARD
rs_status rs_outbox_ack(struct rs_outbox *ob, const char *id,
                        enum rs_outbox_state st, const char *field,
                        const char *reason, uint64_t server_seq);

/* The server's receipt for one batch (BatchAck.receipt_seq / receipt_hash). */
struct rs_outbox_receipt {
    uint64_t seq;                /* the audit row's position in the server's chain, >= 1 */
    uint8_t hash[32];            /* that row's chain hash */
};

/*
 * rs_outbox_ack, also keeping the batch's receipt with the record (receipt
 * may be NULL: none).  RS_EINVAL additionally if receipt->seq is 0 or
 * above INT64_MAX.
 */
RS_NODISCARD
rs_status rs_outbox_ack_receipt(struct rs_outbox *ob, const char *id,
                                enum rs_outbox_state st, const char *field,
                                const char *reason, uint64_t server_seq,
                                const struct rs_outbox_receipt *receipt);

/*
 * The source ("file:line") of the record with this id, into out (cap
 * bytes, cut); *found false (out "") if the outbox has no such record, and
 * out "" for a record queued without a source.  So a township sees where a
 * record the central office returned came from.  RS_EINVAL for a NULL
 * argument or cap 0; RS_EIO / RS_EBUSY if the outbox cannot be read.
 */
RS_NODISCARD
rs_status rs_outbox_source(struct rs_outbox *ob, const char *id, char *out, size_t cap,
                           bool *found);

/* The receipt with the highest seq kept so far; *found false if none. */
RS_NODISCARD
rs_status rs_outbox_last_receipt(struct rs_outbox *ob, struct rs_outbox_receipt *out,
                                 bool *found);

/* Records by state; a conflict or refusal that a later version of the same
 * record put right (stored or duplicate) is not counted. */
struct rs_outbox_counts {
    uint64_t pending, stored, duplicate, conflict, rejected;
};

RS_NODISCARD
rs_status rs_outbox_counts(struct rs_outbox *ob, struct rs_outbox_counts *c);

/*
 * Calls fn for every record in a final failure state (conflict, rejected)
 * that no later version of the same record put right (stored or
 * duplicate), oldest first, so `resettle status` can list them with their
 * reasons.
 * source, field and reason may be NULL.  The strings are valid only during
 * the call.  fn returns 0 to go on, non-0 to stop (still RS_OK); it must
 * not call back into this outbox.
 */
RS_NODISCARD
rs_status rs_outbox_list_failed(struct rs_outbox *ob,
                                int (*fn)(const char *id, const char *source,
                                          enum rs_outbox_state st,
                                          const char *field,
                                          const char *reason, void *arg),
                                void *arg);

/* One record as rs_outbox_list shows it; strings may be NULL. */
struct rs_outbox_entry {
    const char *id;
    const char *nkey;            /* the natural key (see above) */
    int type;                    /* the body case, rs_rtype */
    const char *source;          /* "file:line" */
    enum rs_outbox_state state;
    const char *field, *reason;  /* the server's, for conflict and rejected */
    int64_t created_at;          /* seconds since the epoch, when it was queued */
};

/*
 * Calls fn for up to max records, newest first, of one state (state -1:
 * every state), so the console can show the outbox page by page.  The
 * entry's strings are valid only during the call; fn returns 0 to go on,
 * non-0 to stop (still RS_OK), and must not call back into this outbox.
 * RS_EINVAL for a NULL argument or a state that is not one.
 */
RS_NODISCARD
rs_status rs_outbox_list(struct rs_outbox *ob, int state, uint32_t max,
                         int (*fn)(const struct rs_outbox_entry *e, void *arg), void *arg);

#endif

/*
 * rs_store.h - the server's database, an SQLite file or PostgreSQL
 * (rs_store_path_is_pg): schema, offices, records and the hash-chained
 * audit trail.  What follows says SQLite; on PostgreSQL the same calls keep
 * the same guarantees (rs_store_path_is_pg says what differs).
 *
 * One struct rs_store wraps one sqlite3 connection.  The database runs in
 * WAL mode with synchronous=FULL, so a committed transaction survives power
 * loss (a writer in deferred-sync mode syncs the WAL itself, see
 * rs_store_defer_sync); the schema is versioned by PRAGMA user_version and migrated forward
 * on open.  A file that is not a resettle database, or that carries a newer
 * schema version, is refused (RS_ESCHEMA) and left untouched.
 *
 * Records are never updated in place: every version is a row, with the
 * office that sent it, the batch, and when.  A record that supersedes
 * another marks the older row superseded in the same transaction.
 *
 * The audit trail (schema version 2) is an append-only table whose rows are
 * hash-chained: every accepted batch (in the transaction that stores its
 * records), every refused handshake, every office change, and every
 * schedule change, review action, close and reopen of a reporting year (each
 * in the transaction that makes it) appends a row.
 * Row i's hash is SHA-256(prev_hash || canonical bytes of row i), where
 * prev_hash is row i-1's hash (32 zero bytes for row 1) and the canonical
 * bytes are the six fields seq, time, kind, office, peer, detail in that
 * order, each as a 4-byte big-endian length followed by its bytes (seq and
 * time as decimal ASCII, the others as stored UTF-8).  Triggers refuse
 * UPDATE and DELETE on the table; rs_store_audit_verify finds any change
 * made past them.
 *
 * Threading: a struct rs_store is used by one thread at a time.  The server
 * keeps three stores on one file: the writer (records and their batch
 * audit rows), one that checks tokens and appends the audit rows of refused
 * handshakes, and a read-only one for reports, each driven by its own
 * one-job-at-a-time queue off the libuv loop thread.  The one exception is
 * the WAL handle of rs_store_wal_open, which syncs the file from another
 * thread while the writer runs its next transaction (see there).
 *
 * The implementation is in server/store/, one file per concern
 * (rs_store_int.h says which file owns what).
 *
 * A status that must be looked at is marked RS_NODISCARD.  rs_store_close's
 * is not: a caller already failing for another reason may ignore it.
 *
 * Does not: validate records (rs_validate.h), check office scope, or know
 * about connections or the loop.
 */
#ifndef RS_STORE_H
#define RS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_schedule.h"
#include "rs_status.h"
#include "rs_util.h"

#define RS_STORE_SCHEMA_VERSION 5    /* 3: the reporting year; 4: ids lower case; 5: batches
                                      * name their audit rows */
#define RS_TOKEN_HEX 64          /* tokens are 32 random bytes in hex */

enum rs_store_mode {
    RS_STORE_READWRITE,          /* create if missing, migrate */
    RS_STORE_READONLY            /* must exist at the current version */
};

struct rs_store;

/*
 * Settles how SQLite runs in this process, once, before any database is
 * opened: no memory statistics (SQLite's default keeps them behind one
 * process-wide mutex taken on every allocation and free, about 5% of the
 * writer's time under load; nothing of resettle reads them).  Call it
 * first in main, before any other thread exists.  RS_OK, or RS_EBUSY if
 * SQLite was already initialized (it then runs with its defaults, which
 * changes nothing but speed).
 */
rs_status rs_store_process_init(void);

/*
 * Opens (and for RS_STORE_READWRITE creates and migrates) the database at
 * path.  On failure err holds a sentence that names the file and the cause.
 * On RS_OK *out is owned by the caller: close with rs_store_close.
 * RS_ESCHEMA: not an SQLite file, another application's database (its
 * PRAGMA application_id is not resettle's), or a newer schema version; in
 * READONLY mode also an older one.  The file is then left byte for byte as
 * it was.  RS_ENOTFOUND: READONLY and the file does not exist.
 * RS_ESTORAGE or RS_EIO: SQLite could not open, switch to WAL or migrate.
 * A statement waits up to 5 s for a lock another connection holds before
 * it fails (then RS_ESTORAGE).
 */
RS_NODISCARD
rs_status rs_store_open(const char *path, enum rs_store_mode mode,
                        struct rs_store **out, char *err, size_t errlen);

/* Finalizes statements and closes.  RS_EIO if sqlite3_close did not return
 * SQLITE_OK (a statement leaked).  s may be NULL. */
rs_status rs_store_close(struct rs_store *s);

/* The message of the last SQLite error on this store, owned by s and valid
 * until its next call; "no store" if s is NULL. */
const char *rs_store_errmsg(const struct rs_store *s);

/*
 * What the migration run by rs_store_open reported for the operator, one
 * line each (e.g. record ids that the canonical form showed to be stored
 * twice); "" if nothing.  Owned by s.  The caller prints it; the same is
 * in the audit trail (kind migration).
 */
const char *rs_store_notice(const struct rs_store *s);

/*
 * Whether path names a PostgreSQL database rather than an SQLite file: a
 * postgresql:// or postgres:// URI, or a libpq key=value conninfo (any
 * '=').  rs_store_open then connects through libpq; the schema is created
 * at the current version with a schema_version table; COMMIT is durable
 * with synchronous_commit = on, so deferred sync and the WAL handle do not
 * apply (rs_store_defer_sync is a no-op, rs_store_wal_open is for files);
 * backup and restore refuse it (RS_EINVAL: use pg_dump or base backups).
 * Several servers may share one PostgreSQL database: their write
 * transactions run one at a time (an advisory lock taken at BEGIN).
 */
bool rs_store_path_is_pg(const char *path);

/* Whether s is on PostgreSQL.  s may be NULL (false). */
bool rs_store_is_pg(const struct rs_store *s);

struct sqlite3;

/*
 * Creates the current schema on a connection the caller opened and owns
 * (an in-memory one, say), by the same migration steps rs_store_open runs
 * on a new file: each step in its own transaction, then PRAGMA
 * application_id and user_version.  For a program that needs the server's
 * own tables and indexes without a store, such as the benchmark's
 * in-memory reference.  db must be empty or hold an older resettle schema
 * (which is migrated); a current one is left as it is.  No other pragma
 * is set (journal mode, synchronous, foreign keys are the caller's).
 * RS_EINVAL if db is NULL; RS_ESCHEMA if db holds another application's
 * database or a newer schema; RS_ESTORAGE or RS_EIO if SQLite fails.  err
 * then says why.  Runs on the caller's thread, using only db.
 */
RS_NODISCARD
rs_status rs_store_schema_create(struct sqlite3 *db, char *err, size_t errlen);

/*
 * The SQL the store prepares to insert one record and to scan a year's
 * current records, for a program that runs the server's own statements on
 * a database of its own (the benchmark's in-memory reference, made with
 * rs_store_schema_create).  Insert parameters: ?1 record_id, ?2
 * supersedes (NULL for none), ?3 office_code, ?4 division_code, ?5 type
 * (the body's oneof case), ?6 year, ?7 period, ?8 hash (SHA-256 of the
 * body), ?9 body, ?10 the batches row (NULL for none), ?11 received_at
 * (unix seconds); an id that exists already changes no row.  Scan
 * parameters: ?1 year, ?2 division code or NULL for all; one column, the
 * body, in row order.  Static strings.
 */
extern const char rs_store_sql_record_insert[];
extern const char rs_store_sql_record_scan[];

/* ------------------------------------------------------------ offices */

struct rs_office {
    char code[16];
    char name[128];
    Rs__Role role;
    bool revoked;
    int64_t created_at;          /* unix seconds */
};

/*
 * Adds an office with a new random token, written to token (hex, NUL
 * terminated); only SHA-256 of the token is stored.  The office row and an
 * audit row (kind office_add, peer = the actor) are one transaction.  RS_EDUP if the code
 * exists; RS_EINVAL if code is not 6, 9 or 12 ASCII digits, name is empty,
 * longer than 120 bytes or not UTF-8, or role is not TOWNSHIP or CENTRAL.
 * token is an empty string unless RS_OK.
 */
RS_NODISCARD
rs_status rs_store_office_add(struct rs_store *s, const char *code,
                              const char *name, Rs__Role role,
                              char token[RS_TOKEN_HEX + 1]);

/* RS_ENOTFOUND if no such office.  Revoking twice is RS_OK.  Each revoke
 * that finds the office appends an audit row (kind office_revoke) in the
 * same transaction. */
RS_NODISCARD
rs_status rs_store_office_revoke(struct rs_store *s, const char *code);

/*
 * Gives an existing office a new random token (a leaked one is revoked
 * first; the office is active again with the new one) and writes it as
 * RS_TOKEN_HEX hex digits + NUL into token: the old token no longer signs
 * in, on every front-end (each handshake reads the table).  The change and
 * its audit row (kind office_token) are one transaction.  RS_ENOTFOUND if
 * no such office; RS_EINVAL for a bad code.  token is "" unless RS_OK.
 */
RS_NODISCARD
rs_status rs_store_office_token(struct rs_store *s, const char *code,
                                char token[RS_TOKEN_HEX + 1]);

/*
 * Checks a token.  RS_OK fills *out; RS_EAUTH for an unknown code, a wrong
 * token or a revoked office (the three are not told apart to the caller).
 * The comparison takes constant time.  RS_EINVAL if s or out is NULL;
 * RS_ESTORAGE / RS_EIO if the office cannot be read.
 */
RS_NODISCARD
rs_status rs_store_office_auth(struct rs_store *s, const char *code,
                               const char *token, struct rs_office *out);

/* Calls fn once per office in code order; stops early if fn returns non-0
 * (still RS_OK).  fn must not call back into the same store.  RS_EINVAL if
 * s or fn is NULL; RS_ESTORAGE / RS_EIO if the table cannot be read. */
RS_NODISCARD
rs_status rs_store_office_list(struct rs_store *s,
                               int (*fn)(const struct rs_office *o, void *arg),
                               void *arg);

/* ------------------------------------------------------------ records */

/*
 * One record to store, prepared (validated, packed, hashed) by the caller.
 *
 * Each text field comes with its length in bytes, so the store need not
 * measure what the caller already knows: when x_len is not 0 the field is
 * x[0 .. x_len), which need not end in NUL (it may point into a packed
 * body); when x_len is 0 the field is the NUL-terminated x.  A length over
 * INT_MAX is refused (RS_EINVAL), SQLite takes no longer text.
 */
#define RS_STORE_TEXT_MAX 256        /* bytes of rs_store_rec.text, with its NUL */

struct rs_store_rec {
    /* in: borrowed, must live until rs_store_put_batches returns */
    const char *id;              /* UUID */
    size_t id_len;
    const char *supersedes;      /* UUID, or NULL or "" for none */
    size_t supersedes_len;
    const char *office_code;     /* sender */
    size_t office_code_len;
    const char *division_code;
    size_t division_code_len;
    const char *batch_id;        /* may be NULL (no batch) */
    size_t batch_id_len;
    Rs__Record__BodyCase type;
    uint32_t year;
    Rs__Period period;
    const uint8_t *body;         /* the packed rs.Record */
    size_t body_len;
    uint8_t hash[RS_SHA256_LEN]; /* SHA-256 of body */
    /* out */
    Rs__AckStatus ack;           /* STORED, DUPLICATE, CONFLICT or REJECTED */
    uint64_t seq;                /* row id, for STORED and DUPLICATE */
    char reason[160];            /* for CONFLICT and REJECTED */
    char text[RS_STORE_TEXT_MAX];    /* the same in Chinese for the clerk (RecordAck.text),
                                      * cut on a character boundary; "" otherwise */
    Rs__ErrorCode code;          /* REJECTED: ERR_LOCKED for a closed year, else ERR_NONE */
};

/*
 * One batch of a put, for the audit trail: its records are recs[first ..
 * first + n) of the same call.  rs_store_put_batches appends one audit row
 * per batch (kind "batch") in the transaction that stores the records, with
 * the detail
 *
 *   batch <batch_id>: <total> records: <a> stored, <b> duplicate,
 *   <c> conflict, <d> rejected; records sha256 <hex>
 *
 * where total = n + n_refused, d counts n_refused and the store's own
 * rejections, and the records hash is SHA-256 over "<id> <hex SHA-256 of
 * the body> <ack>\n" of each of the n records in order (ack is stored,
 * duplicate, conflict or rejected), followed by
 *
 *   ; stored sha256 <hex>
 *
 * SHA-256 over "<id> <hex SHA-256 of the body>\n" of the stored records
 * alone, in order: what rs_store_audit_verify_records recomputes from the
 * records table.  Each batch gets a batches row of its own, which its
 * stored records point at and which names the audit row (audit_seq).
 */
struct rs_store_batch {
    /* in: borrowed, must live until rs_store_put_batches returns */
    const char *office_code;     /* sender */
    const char *peer;            /* "address:port" of the connection */
    const char *batch_id;        /* may be NULL */
    size_t first;                /* index of its first record in recs */
    size_t n;                    /* records of the batch handed to the store */
    size_t n_refused;            /* records refused before the store (validation, scope) */
    /* out, set only on RS_OK */
    uint64_t audit_seq;          /* the audit row's position in the chain */
    uint8_t audit_hash[RS_SHA256_LEN]; /* the audit row's chain hash: the receipt */
};

/*
 * Stores n records and appends one audit row per batch, all in one
 * transaction (BEGIN IMMEDIATE ... COMMIT), so a batch's receipt is durable
 * exactly when its records are.  Sets each record's ack:
 *   STORED     new id; inserted.  If it supersedes an id, that row must
 *              exist, be of the same type and division, and not be
 *              superseded already; it is then marked superseded.
 *   DUPLICATE  the id exists with the same hash; nothing written.
 *   CONFLICT   the id exists with a different hash, or the superseded
 *              version is already superseded (stale edit).
 *   REJECTED   supersedes an id that does not exist, or one of another
 *              type or division; or (code ERR_LOCKED) a new id whose year,
 *              or the year of the version it supersedes, is closed to its
 *              division (rs_store_year_close; no lock exception lets the
 *              division in today), with a reason that names the year, the
 *              day its report was issued and the office to ask.  A record
 *              whose id is stored already is judged DUPLICATE or CONFLICT
 *              as before, closed year or not: it was stored before the
 *              close.
 * The decision is made inside the transaction from the unique key on id,
 * and the closed years and lock exceptions are read in it too, never by a
 * read in an earlier transaction, so a close cannot slip between the check
 * and the insert.  Two records with the same id
 * in one call: the second is DUPLICATE or CONFLICT against the first.
 *
 * A record that supersedes another and whose own id is already stored is
 * judged DUPLICATE or CONFLICT by its hash first, so a retried edit is a
 * DUPLICATE, not a stale-version CONFLICT.  Each batch of batches gets a
 * batches row of its own (even an empty one), linked to its audit row;
 * records outside every batch's range get one per distinct (batch_id,
 * office_code) of the call, without an audit row.
 *
 * nbatches may be 0 (records only, no audit row; batches may then be
 * NULL); a batch may have n = 0 (every record was refused before the
 * store): its row is still appended.  n = 0 and nbatches = 0 is RS_OK with
 * nothing written.
 *
 * Returns RS_OK only after COMMIT succeeded (the records are durable).  On
 * any failure the transaction is rolled back, no ack may be sent as stored,
 * and the status says why: RS_ESTORAGE for a full disk, an I/O error, a
 * read-only, locked or busy file, RS_EIO otherwise; err then holds SQLite's
 * message.  Every ack is then ACK_UNSPECIFIED and every batch's audit_seq
 * 0.  RS_EINVAL (before any write) if a record lacks id, office_code,
 * division_code or body, or a batch's range lies outside recs or it lacks
 * office_code; RS_ENOMEM if the call's bookkeeping cannot be allocated.
 * The store stays usable after a failed put.
 */
RS_NODISCARD
rs_status rs_store_put_batches(struct rs_store *s, struct rs_store_rec *recs, size_t n,
                               struct rs_store_batch *batches, size_t nbatches,
                               char *err, size_t errlen);

/*
 * Calls fn for every current (not superseded) record of `year`, in row
 * order, optionally only those of one division (division may be NULL).
 * body points at the packed rs.Record (which carries its division and
 * type) and is valid only during the call; only the body column is read,
 * which is most of what a report's scan costs.  Stops early if fn returns
 * non-0 (still RS_OK).  Streams rows; one consistent snapshot.  fn must not
 * call back into the same store.  RS_EINVAL if s or fn is NULL;
 * RS_ESTORAGE / RS_EIO if the rows cannot be read.
 */
RS_NODISCARD
rs_status rs_store_scan_year(struct rs_store *s, uint32_t year, const char *division,
                             int (*fn)(const uint8_t *body, size_t len, void *arg), void *arg);

/* What a report's scan reads (rs_store_scan_report). */
struct rs_store_scan_q {
    uint32_t year;
    const char *division;        /* NULL: every division; else this code exactly */
    bool accepted_only;          /* township records only once their newest review accepts them */
};

/*
 * Like rs_store_scan_year, for a report: every current record of q->year
 * (of q->division, if set) that the evaluation counts, in row order.  Nil
 * returns (rs.NilReturn) are left out: they say a township had nothing to
 * report and are read by the completeness board, not counted as records.
 * With q->accepted_only, a township record is handed out only when its
 * newest review accepts it (rs_store_review); unit-level records, the
 * central office's own, are never reviewed and always handed out.  Same
 * callback contract and statuses as rs_store_scan_year; RS_EINVAL also if
 * q is NULL.
 */
RS_NODISCARD
rs_status rs_store_scan_report(struct rs_store *s, const struct rs_store_scan_q *q,
                               int (*fn)(const uint8_t *body, size_t len, void *arg), void *arg);

/* What a division has stored of one type and period (rs_store_returns). */
struct rs_store_return {
    char division[16];
    Rs__Record__BodyCase type;
    Rs__Period period;
    int64_t first_at;            /* unix seconds: the earliest version stored */
    bool current;                /* a version is current */
    /* Nil returns come one row per version, with the version's body (it
     * names the type it is for) and stored time; NULL for other types. */
    const uint8_t *body;
    size_t body_len;
};

/*
 * Calls fn with what every division has stored of year: for each division,
 * type and period other than nil returns one row (the earliest stored time
 * of any version, whether one is current), then each version of every nil
 * return, in row order.  For the completeness board.  fn returns 0 to go
 * on, non-0 to stop (still RS_OK); it must not call back into the store.
 * RS_EINVAL if s or fn is NULL; RS_ESTORAGE / RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_returns(struct rs_store *s, uint32_t year,
                           int (*fn)(const struct rs_store_return *r, void *arg), void *arg);

/* ------------------------------------------------------------ schedules */

/*
 * Replaces the whole schedule of sched->year (which the caller has checked,
 * rs_schedule_check) with sched's lines, records who set it, and appends
 * an audit row (kind schedule_set, detail "year Y: N lines, schedule
 * sha256 <hex of rs_schedule_format_csv>"), in one transaction.  by is the
 * office code of a central office that sent it, or NULL for the local
 * command line; peer is the connection's address, or NULL for the store's
 * actor (rs_store_set_actor).  name prefixes messages about a line
 * ("name:line: ..."; NULL: "line N").  On RS_OK *audit_seq (may be NULL)
 * is the audit row's position.  RS_ELOCKED if the year is closed (its
 * report is issued and shows this schedule); RS_EINVAL if a line names a
 * code that is no township office, err then says which; RS_ENOMEM;
 * RS_ESTORAGE / RS_EIO as for rs_store_put_batches.  Nothing is written on
 * failure.
 */
RS_NODISCARD
rs_status rs_store_schedule_set(struct rs_store *s, const struct rs_schedule *sched,
                                const char *name, const char *by, const char *peer,
                                uint64_t *audit_seq, char *err, size_t errlen);

/*
 * Reads the schedule of year into *out (lines in order, numbered by their
 * source lines; free with rs_schedule_free).  *set_at is when it was set
 * (unix seconds; 0 and an empty *out when the year has none) and set_by
 * who ("local" or an office code, cut to cap bytes).  RS_EINVAL if s or
 * out is NULL; RS_ENOMEM; RS_ESTORAGE / RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_schedule_get(struct rs_store *s, uint32_t year, struct rs_schedule *out,
                                int64_t *set_at, char *set_by, size_t cap);

/* ------------------------------------------------------------ reviews */

#define RS_REVIEW_COMMENT_MAX 1024       /* bytes of a review comment */

/* One review action (rs_store_review). */
struct rs_review_req {
    Rs__ReviewAction action;     /* RA_ACCEPT or RA_RETURN */
    const char *record_id;       /* exactly one of record_id and batch_id */
    const char *batch_id;        /* every current record of the batches of this id */
    const char *comment;         /* required for a return; may be NULL for an accept */
    const char *reviewer;        /* the central office's code */
    const char *scope;           /* only records whose division starts with this */
    const char *peer;            /* the connection, for the audit row; NULL: the actor */
};

/* What a review action did; free with rs_review_out_free. */
struct rs_review_out {
    char (*ids)[RS_UUID_LEN + 1];    /* malloc'd: the records now in the new state */
    size_t n;
    size_t skipped;              /* batch: records of it superseded since */
    uint64_t audit_seq;
};

/*
 * Appends one review row per record the action covers and one audit row
 * (kind review_accept or review_return, detail "record <id>: <comment>" or
 * "batch <id>: <n> records: <comment>"), in one transaction.  The record
 * (every record of the batch) must exist, be current (not superseded), be
 * of a township type (unit-level records are the centre's own), lie within
 * q->scope, and its year must be open to its division (not closed, or a
 * lock exception covers it today; rs_store_year_reopen).  Statuses, with
 * err saying why and nothing written: RS_EINVAL for a bad request (no or
 * both ids, no comment on a return, a comment over RS_REVIEW_COMMENT_MAX
 * or not UTF-8), an unknown record or batch, a superseded record ("...
 * superseded by <id>; review the current version"), a unit-level record, a
 * batch without a current record; RS_EFORBIDDEN outside the scope;
 * RS_ELOCKED for a closed year; RS_ENOMEM; RS_ESTORAGE / RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_review(struct rs_store *s, const struct rs_review_req *q,
                          struct rs_review_out *out, char *err, size_t errlen);

/* Frees what rs_store_review allocated in o; o may be zeroed. */
void rs_review_out_free(struct rs_review_out *o);

/* One current record's newest review (rs_store_review_list). */
struct rs_review_row {
    char record_id[RS_UUID_LEN + 1];
    Rs__Record__BodyCase type;
    char division[16];
    uint32_t year;
    Rs__Period period;
    Rs__ReviewState state;       /* ACCEPTED or RETURNED */
    char comment[RS_REVIEW_COMMENT_MAX + 1];
    char reviewer[16];
    char reviewer_name[128];     /* from offices; the code if none */
    int64_t at;
    const uint8_t *body;         /* the packed record, valid during the call */
    size_t body_len;
};

/*
 * Calls fn, oldest review first, for every current record of year (0:
 * every year) whose division starts with scope (or equals it, with exact)
 * and that has a review; only the returned ones when returned_only.  fn
 * returns 0 to go on, non-0 to stop (still RS_OK); it must not call back
 * into the store.  RS_EINVAL if s, scope or fn is NULL; RS_ESTORAGE /
 * RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_review_list(struct rs_store *s, uint32_t year, const char *scope, bool exact,
                               bool returned_only,
                               int (*fn)(const struct rs_review_row *r, void *arg), void *arg);

/* ------------------------------------------------------------ listing records */

#define RS_BROWSE_LIMIT_MAX 500          /* items one listing returns at most */
#define RS_BROWSE_LIMIT_DEFAULT 100      /* items when the request gives no limit */
#define RS_BROWSE_BODY_BUDGET (4u << 20) /* bytes of record bodies one listing returns */

/* What to list (rs_store_browse). */
struct rs_browse_q {
    uint32_t year;               /* 2000..2100; ignored with record_id */
    const char *scope;           /* only records whose division starts with this */
    Rs__Record__BodyCase type;   /* one township type; RS__RECORD__BODY__NOT_SET: every one */
    Rs__ReviewState state;       /* only this state; RVS_UNSPECIFIED: any */
    const char *record_id;       /* non-NULL: every stored version of this record */
    uint32_t offset;             /* items to skip */
    uint32_t limit;              /* 1..RS_BROWSE_LIMIT_MAX */
};

/* One stored version of a record and its newest review. */
struct rs_browse_row {
    char record_id[RS_UUID_LEN + 1];
    char superseded_by[RS_UUID_LEN + 1];     /* "" when current */
    Rs__Record__BodyCase type;
    char division[16];
    uint32_t year;
    Rs__Period period;
    uint32_t version;            /* 1 + the stored versions it supersedes, directly or not */
    int64_t received_at;
    char batch_id[65];           /* "" when it came in no batch (ids are at most 64 bytes) */
    bool current;
    Rs__ReviewState state;       /* PENDING (no review), ACCEPTED or RETURNED */
    char comment[RS_REVIEW_COMMENT_MAX + 1];
    char reviewer[16];
    char reviewer_name[128];     /* from offices; the code if none */
    int64_t reviewed_at;         /* 0 when pending */
    uint8_t *body;               /* malloc'd: the packed record as stored */
    size_t body_len;
};

/* A listing; free with rs_browse_out_free. */
struct rs_browse_out {
    struct rs_browse_row *rows;  /* malloc'd, n of them */
    size_t n;
    uint32_t total;              /* rows the request matches, over every page */
};

/*
 * Lists township records (unit-level ones are the centre's own and are not
 * reviewed) into *out, from one consistent snapshot.  Without record_id:
 * the current records of q->year whose division starts with q->scope, of
 * q->type and in q->state when given, ordered by division, type and the
 * order they were received, from q->offset, at most q->limit.  With
 * record_id (any version of it): every stored version of that record,
 * oldest first, paged the same way; type and state do not filter then.  A
 * page stops early once its bodies pass RS_BROWSE_BODY_BUDGET bytes (it
 * always holds at least one row); out->total says how many there are.
 * Statuses, with err saying why: RS_EINVAL for a bad query (no scope, a
 * limit of 0 or over RS_BROWSE_LIMIT_MAX, a type that is not a township
 * type, a year out of range) or a unit-level record_id; RS_ENOTFOUND for
 * an unknown record_id; RS_EFORBIDDEN when its division is outside
 * q->scope; RS_ENOMEM; RS_ESTORAGE / RS_EIO.  Reads only; may be called on
 * a read-only connection.
 */
RS_NODISCARD
rs_status rs_store_browse(struct rs_store *s, const struct rs_browse_q *q,
                          struct rs_browse_out *out, char *err, size_t errlen);

/* Frees what rs_store_browse allocated in o; o may be zeroed. */
void rs_browse_out_free(struct rs_browse_out *o);

/* ------------------------------------------------------------ closed years */

#define RS_YEAR_REASON_MAX 512           /* bytes of a reopen reason */
#define RS_YEAR_ISSUE_REASON_MAX 2048    /* bytes of a re-issue's reasons, joined */
#define RS_YEAR_MAX_FORMATS 8            /* report formats an issue keeps */

/* One issue of a closed year's report. */
struct rs_year_issue {
    uint32_t year;
    uint32_t issue;              /* 1 for the first close, 2 for the first re-issue, ... */
    int64_t closed_at;           /* unix seconds */
    char closed_by[16];          /* the office code */
    char closed_by_name[128];    /* its name from offices, or the code */
    char framework_name[64];
    char framework_hash[65];
    uint64_t record_count;       /* current records of the year (every type) when it closed */
    /* "" for the first issue; for a re-issue the reasons of the lock
     * exceptions it ends, each "<division name> (<code>): <reason>",
     * joined by "; " (cut at the cap). */
    char reason[RS_YEAR_ISSUE_REASON_MAX + 1];
};

/* One rendered format of an issue: body is malloc'd by the producer and
 * freed by rs_store_year_close. */
struct rs_year_report {
    Rs__ReportFormat format;
    char *body;
    size_t len;
};

/* What the producer of a close renders. */
struct rs_year_made {
    char framework_name[64];
    char framework_hash[65];
    struct rs_year_report reports[RS_YEAR_MAX_FORMATS];
    size_t n;
};

/*
 * Renders the report of the issue being made into *made.  Called by
 * rs_store_year_close inside its write transaction, with issues[0 ..
 * nissues): every issue of the year so far and, last, the one being made
 * (its framework fields not set yet).  It may read the
 * store s (scans, offices, reviews, schedules: what it reads is what the
 * transaction will commit with) but not write it.  RS_OK, or a status with
 * err; the close then writes nothing.
 */
typedef rs_status (*rs_year_produce_fn)(struct rs_store *s, const struct rs_year_issue *issues,
                                        size_t nissues, struct rs_year_made *made, char *err,
                                        size_t errlen, void *arg);

/*
 * Closes year (or re-issues its report), in one transaction: reads what the
 * year has issued, calls produce for the new issue, stores every format
 * it rendered byte for byte with their SHA-256, the framework's name and
 * hash and the count of current records, ends the lock exceptions it
 * covers, and appends an audit row (kind year_close, detail "year Y issue
 * N: <count> current records, framework <name> <hash>; <format> sha256
 * <hex>; ...; reason <reason>").  A year that is not closed gets issue 1.
 * A closed year gets issue N + 1 only if a lock exception was granted since
 * issue N (rs_store_year_reopen): its reason says why it was re-issued.
 * by is the closing office's code, peer the connection (NULL: the actor).
 * On RS_OK *out (may be NULL) is the new issue and *audit_seq (may be
 * NULL) its audit row's position.  RS_ELOCKED if the year is
 * closed and nothing reopened it since; RS_EINVAL for a year outside
 * 2000..2100, no office, or a producer that rendered no format, one twice
 * or more than RS_YEAR_MAX_FORMATS; the producer's status; RS_ENOMEM;
 * RS_ESTORAGE / RS_EIO.  err says why.  Nothing is written on failure, and
 * every body produce made is freed either way.
 */
RS_NODISCARD
rs_status rs_store_year_close(struct rs_store *s, uint32_t year, const char *by,
                              const char *peer, rs_year_produce_fn produce, void *arg,
                              struct rs_year_issue *out, uint64_t *audit_seq, char *err,
                              size_t errlen);

/*
 * Grants a lock exception on closed year: division (a 6-, 9- or 12-digit
 * code; records of it and below it) may submit records of the year
 * through `until` (YYYYMMDD, China Standard Time, today or later, at most
 * 366 days ahead), for `reason` (1..RS_YEAR_REASON_MAX bytes of UTF-8).
 * The next close of the year re-issues its report and ends the exception.
 * One transaction with its audit row (kind year_reopen, detail "year Y:
 * <division> until <date>: <reason>").  by, peer as for
 * rs_store_year_close; *audit_seq may be NULL.  RS_EINVAL with err for a
 * year that is not closed, or a bad division, date or reason; RS_ESTORAGE /
 * RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_year_reopen(struct rs_store *s, uint32_t year, const char *division,
                               uint32_t until, const char *reason, const char *by,
                               const char *peer, uint64_t *audit_seq, char *err, size_t errlen);

/* One lock exception of a year. */
struct rs_year_exception {
    char division[16];
    char division_name[128];     /* from offices, or the code */
    uint32_t until;              /* YYYYMMDD */
    char reason[RS_YEAR_REASON_MAX + 1];
    char granted_by[16];
    int64_t granted_at;
    uint32_t ended_issue;        /* 0 while open; else the issue whose close ended it */
};

/* What a year has issued and granted (rs_store_year_info); free with
 * rs_year_info_free. */
struct rs_year_info {
    uint32_t year;
    struct rs_year_issue *issues;        /* oldest first; none: the year is open */
    size_t nissues;
    struct rs_year_exception *exceptions;    /* oldest first */
    size_t nexceptions;
};

/*
 * Whether year is closed for division today (China Standard Time): it has
 * an issued report and no open lock exception lets the division in.
 * RS_EINVAL if s, division or locked is NULL; RS_ESTORAGE / RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_year_locked(struct rs_store *s, uint32_t year, const char *division,
                               bool *locked);

/* Reads year's issues and exceptions into *out.  RS_EINVAL if s or out is
 * NULL; RS_ENOMEM; RS_ESTORAGE / RS_EIO. */
RS_NODISCARD
rs_status rs_store_year_info(struct rs_store *s, uint32_t year, struct rs_year_info *out);

void rs_year_info_free(struct rs_year_info *info);

/*
 * The stored bytes of format of the newest issue of year: on RS_OK *body
 * is malloc'd (NUL-terminated, *len bytes without it; the caller frees it)
 * and *issue (may be NULL) describes the issue.  RS_ENOTFOUND if the year
 * is not closed or the issue has no such format; RS_ENOMEM; RS_ESTORAGE /
 * RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_year_report(struct rs_store *s, uint32_t year, Rs__ReportFormat format,
                               char **body, size_t *len, struct rs_year_issue *issue);

/* ------------------------------------------------------------ audit trail */

enum rs_audit_kind {
    RS_AUDIT_BATCH,              /* a batch answered with a BatchAck */
    RS_AUDIT_HANDSHAKE_REFUSED,  /* a Hello refused: token, role or rate limit */
    RS_AUDIT_OFFICE_ADD,
    RS_AUDIT_OFFICE_REVOKE,
    RS_AUDIT_SCHEDULE_SET,       /* a year's schedule stored (rs_store_schedule_set) */
    RS_AUDIT_REVIEW_ACCEPT,      /* records accepted (rs_store_review) */
    RS_AUDIT_REVIEW_RETURN,      /* records returned to their township */
    RS_AUDIT_YEAR_CLOSE,         /* a year closed, its report issued (rs_store_year_close) */
    RS_AUDIT_YEAR_REOPEN,        /* a lock exception granted (rs_store_year_reopen) */
    RS_AUDIT_MIGRATION,          /* what a schema step changed or found */
    RS_AUDIT_OFFICE_TOKEN        /* an office given a new token (rs_store_office_token) */
};

#define RS_AUDIT_KIND_LAST RS_AUDIT_OFFICE_TOKEN

#define RS_AUDIT_OFFICE_MAX 32       /* bytes kept of office; longer is cut */
#define RS_AUDIT_PEER_MAX 96         /* bytes kept of peer */
#define RS_AUDIT_DETAIL_MAX 600      /* bytes kept of detail */

/* One audit row as stored (text cut to the caps above on the way in). */
struct rs_audit_row {
    uint64_t seq;
    int64_t time;                /* unix seconds */
    char kind[24];
    char office[RS_AUDIT_OFFICE_MAX + 1];
    char peer[RS_AUDIT_PEER_MAX + 1];
    char detail[RS_AUDIT_DETAIL_MAX + 1];
    uint8_t prev_hash[RS_SHA256_LEN];
    uint8_t hash[RS_SHA256_LEN];
};

/*
 * Who is changing offices through this store, for the audit rows of
 * rs_store_office_add and rs_store_office_revoke (their peer field), e.g.
 * "local uid 0 (root)".  Default "local"; NULL sets it back.  Copied,
 * cleaned and cut at RS_AUDIT_PEER_MAX bytes as audit text is.  No effect
 * if s is NULL.
 */
void rs_store_set_actor(struct rs_store *s, const char *actor);

/*
 * Appends one row in its own transaction (BEGIN IMMEDIATE ... COMMIT).
 * office, peer and detail may be NULL (stored as ""); control characters
 * become '?', invalid UTF-8 bytes '?', and each is cut at its cap.  On
 * RS_OK *seq and hash (either may be NULL) describe the new row.
 * RS_EINVAL if s is NULL or kind is not one of the enum; RS_ESTORAGE /
 * RS_EIO as for rs_store_put_batches.
 */
RS_NODISCARD
rs_status rs_store_audit_append(struct rs_store *s, enum rs_audit_kind kind,
                                const char *office, const char *peer,
                                const char *detail, uint64_t *seq,
                                uint8_t hash[RS_SHA256_LEN]);

/*
 * Walks the chain in seq order and checks that seq runs 1, 2, 3 ... with
 * no gap, that each row's prev_hash is the previous row's hash, and that
 * each row's hash is SHA-256(prev_hash || canonical bytes).  RS_OK with
 * *rows = the number of rows when all hold.  RS_ECONFLICT at the first row
 * that fails: *broken = its seq (for a gap, the missing seq) and why says
 * what did not hold.  Other statuses: the table could not be read.
 * Rows removed from the end leave the chain valid: batches rows that name
 * them show it (rs_store_audit_verify_records), and so do the receipts the
 * townships keep (BatchAck.receipt_seq/receipt_hash).
 */
RS_NODISCARD
rs_status rs_store_audit_verify(struct rs_store *s, uint64_t *rows, uint64_t *broken,
                                char *why, size_t whylen);

/* What rs_store_audit_verify_records looked at. */
struct rs_audit_check {
    uint64_t records;            /* records whose body was hashed again */
    uint64_t checked_records;    /* of them, counted into their batch's digest */
    uint64_t batches;            /* batch audit rows recomputed from the records table */
    uint64_t offices;
    uint64_t problems;           /* each was passed to fn */
    uint64_t from_record;        /* records up to this seq predate the batch digest */
};

/*
 * Checks the other tables against the trail, in one read transaction:
 * every record's body against its hash; for every batch stored since the
 * schema step that added it, its batches row, its audit row and its stored
 * records (their count and the "stored sha256" digest of its audit row,
 * recomputed from the records table); every record of that time belongs
 * to such a batch; every office has its office_add row and is revoked
 * exactly when the trail says so.  Each problem found is a sentence naming
 * the record, batch, audit row or office, passed to fn (may be NULL) and
 * counted in out->problems; RS_OK means the walk completed (problems may
 * still be > 0).  RS_EINVAL if s or out is NULL; RS_ENOMEM; RS_EINTERNAL
 * if OpenSSL fails; RS_ESTORAGE / RS_EIO if a table cannot be read.
 * Records stored before that step are checked against their own hash only
 * (out->from_record).  Run rs_store_audit_verify for the chain itself.
 */
RS_NODISCARD
rs_status rs_store_audit_verify_records(struct rs_store *s,
                                        void (*fn)(const char *problem, void *arg), void *arg,
                                        struct rs_audit_check *out);

#define RS_ANCHOR_MAX 10000000     /* lines of an anchor file checked */

/* What rs_store_audit_check_anchors found. */
struct rs_anchor_check {
    uint64_t anchors;            /* lines read */
    uint64_t matched;            /* of them, a row of the trail with that hash */
    uint64_t problems;           /* each was passed to fn */
};

/*
 * Checks the anchor file at path (lines "<seq> <64 hex> <unix time>", as
 * resettled serve --anchor writes them) against the trail: each anchor's
 * row must be there with that hash.  A row that is gone or has another
 * hash is a sentence naming the line, passed to fn (may be NULL) and
 * counted.  RS_OK when the walk completed (problems may be > 0); RS_EINVAL
 * if an argument is NULL, or the file has a malformed line or more than
 * RS_ANCHOR_MAX of them (errmsg says which); RS_EIO if it cannot be read;
 * RS_ENOMEM; the statuses of rs_store_audit_list.
 */
RS_NODISCARD
rs_status rs_store_audit_check_anchors(struct rs_store *s, const char *path,
                                       void (*fn)(const char *problem, void *arg), void *arg,
                                       struct rs_anchor_check *out);

/* Calls fn for every audit row in seq order; stops early if fn returns
 * non-0 (still RS_OK).  fn must not call back into the same store.
 * RS_EINVAL if s or fn is NULL; RS_ENOMEM; RS_ESTORAGE / RS_EIO if the
 * table cannot be read. */
RS_NODISCARD
rs_status rs_store_audit_list(struct rs_store *s,
                              int (*fn)(const struct rs_audit_row *row, void *arg),
                              void *arg);

/*
 * Deferred sync, for a writer that overlaps one transaction's fsync with
 * the next transaction's work (the server's group commit).
 *
 * After rs_store_defer_sync(s), s commits with synchronous=NORMAL: COMMIT
 * returns once the transaction's frames are written to the WAL file, before
 * they are on disk.  Such a transaction must not be reported as stored until
 * rs_store_wal_sync, called after its COMMIT returned, has returned RS_OK.
 * Once it has, the transaction is on disk: its frames are in the synced WAL,
 * or a checkpoint copied them into the database file, and SQLite syncs the
 * WAL before and the database file after every checkpoint it completes, and
 * the WAL header before the WAL is reused (synchronous=NORMAL in WAL mode).
 * RS_ESTORAGE if the pragma fails.
 */
RS_NODISCARD
rs_status rs_store_defer_sync(struct rs_store *s, char *err, size_t errlen);

/*
 * For a store in deferred mode: whether the next transactions sync inside
 * COMMIT after all (synchronous=FULL; for a small group, where a separate
 * sync would cost more than it overlaps) or not.  No effect on a store not
 * in deferred mode.  RS_ESTORAGE if the pragma fails.
 */
RS_NODISCARD
rs_status rs_store_sync_next(struct rs_store *s, bool in_commit);

struct rs_store_wal;

/*
 * Opens its own descriptor of the WAL file of the database at db_path (which
 * an open store in WAL mode has created).  *out is the caller's: close with
 * rs_store_wal_close.  RS_EIO with err naming the file if it cannot be opened;
 * RS_ENOMEM.
 */
RS_NODISCARD
rs_status rs_store_wal_open(const char *db_path, struct rs_store_wal **out, char *err,
                            size_t errlen);

/*
 * fdatasync(2) of the WAL file.  May run on any thread, concurrently with
 * any call on the stores of the same database; one call per handle at a
 * time.  If the file at the WAL's path is no longer the one the handle
 * opened, the handle reopens it first.  RS_EIO with err on failure: then
 * nothing committed since the last successful sync may be called durable.
 */
RS_NODISCARD
rs_status rs_store_wal_sync(struct rs_store_wal *w, char *err, size_t errlen);

/* Closes the descriptor.  w may be NULL. */
void rs_store_wal_close(struct rs_store_wal *w);

#endif

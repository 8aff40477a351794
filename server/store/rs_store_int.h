/*
 * rs_store_int.h - what the files of the store share; not for other modules.
 *
 * Who owns what:
 *   rs_store_open.c     the connection: the schema and its migrations, the
 *                       checks on an existing file, the pragmas, open and
 *                       close.
 *   rs_store_stmt.c     the prepared statements (their SQL, enum stmt_id),
 *                       stepping one, transactions, and turning the
 *                       driver's failure codes into an rs_status and a
 *                       message.
 *   rs_store_pg.c/.h    the PostgreSQL engine of the driver: the libpq
 *                       connection, statements, parameters, results and
 *                       SQLSTATEs as the driver's codes.
 *   rs_store_pg_sql.c   the schema on PostgreSQL and the statements it
 *                       words differently; the write lock taken at BEGIN.
 *   rs_store_st.c/.h    the statement driver: bind, step and read a
 *                       statement, one-off statements, what the last
 *                       statement changed.  The files below call it, not
 *                       sqlite3_* (except the SQLite-only parts: opening
 *                       and migrating a file, the audit row a migration
 *                       appends on a bare connection, the WAL handle,
 *                       backup).
 *   rs_store_audit.c    the audit chain: row hashing, appending (also inside
 *                       another file's transaction, or on a bare connection
 *                       during a migration), verifying the chain, listing,
 *                       the stored-records digest of a batch, and the
 *                       fields actor, head_*, md and md_stored of struct
 *                       rs_store.
 *   rs_store_verify.c   the check of records against the trail: every
 *                       batch's stored records recomputed from the records
 *                       table, offices against their audit rows.
 *   rs_store_anchor.c   the check of an anchor file (written outside the
 *                       database) against the trail.
 *   rs_store_migrate.c  the schema steps with code: ids put in canonical
 *                       form (and the duplicates that reveals reported),
 *                       and where the record check starts.
 *   rs_store_office.c   offices and their tokens.
 *   rs_store_records.c  records and their versions, batches, scans.
 *   rs_store_wal.c      deferred sync (the fields deferred and sync_full)
 *                       and the WAL handle.
 *   rs_store_scan.c     what a report reads of the records besides
 *                       rs_store_scan_year: the records the evaluation
 *                       counts, and what each division has returned.
 *   rs_store_schedule.c a year's schedule of expected returns.
 *   rs_store_review.c   review actions on records and their listing.
 *   rs_store_browse.c   the listing of records for review: a year's
 *                       current township records by division, type and
 *                       review state, paged, or every version of one.
 *   rs_store_year.c     closed years: closing (issuing the report),
 *                       reopening for a division, what a year issued,
 *                       and whether a year is closed to a division (for
 *                       the other files' transactions: a put, a review,
 *                       a schedule change).
 *   rs_store_backup.c   backup, check and restore of the whole file, on
 *                       connections of its own (rs_store_backup.h).
 *
 * Every function here is for a store used by one thread at a time, like
 * the public ones (rs_store.h).
 *
 * Does not: define anything callers outside server/store/ should use.
 */
#ifndef RS_STORE_INT_H
#define RS_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "rs_store.h"
#include "rs_store_st.h"

/* What a migration step reports for the operator (rs_store_notice). */
struct rs_store_notes {
    char *text;                  /* malloc'd lines, or NULL */
    size_t len;
};

/* Every statement the store runs more than once, prepared when it opens. */
enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_BATCH_INSERT,
    ST_BATCH_LINK,
    ST_REC_INSERT,
    ST_REC_GET,
    ST_REC_TARGET,
    ST_REC_NEXT,
    ST_REC_MARK,
    ST_REC_SCAN,
    ST_OFFICE_ADD,
    ST_OFFICE_GET,
    ST_OFFICE_REVOKE,
    ST_OFFICE_TOKEN,
    ST_OFFICE_LIST,
    ST_AUDIT_LAST,
    ST_AUDIT_INSERT,
    ST_AUDIT_SCAN,
    ST_SCAN_REPORT,
    ST_SCAN_ACCEPTED,
    ST_RETURNS_GROUPS,
    ST_RETURNS_NIL,
    ST_SCHED_DELETE,
    ST_SCHED_INSERT,
    ST_SCHED_WHO_SET,
    ST_SCHED_GET,
    ST_SCHED_WHO,
    ST_YEAR_LAST_ISSUE,
    ST_YEAR_EXCEPTION_OPEN,
    ST_REVIEW_TARGET,
    ST_REVIEW_BATCH,
    ST_REVIEW_INSERT,
    ST_REVIEW_LIST,
    ST_YEAR_ISSUES,
    ST_YEAR_EXCEPTIONS,
    ST_YEAR_ISSUE_INSERT,
    ST_YEAR_REPORT_INSERT,
    ST_YEAR_EXC_END,
    ST_YEAR_EXC_INSERT,
    ST_YEAR_COUNT,
    ST_YEAR_REPORT_GET,
    ST_LOCKS_YEARS,
    ST_LOCKS_EXC,
    ST_LOCK_ID_EXISTS,
    ST_BROWSE_COUNT,
    ST_BROWSE_LIST,
    ST_BROWSE_CHAIN,
    ST_BROWSE_PREV,
    ST_N
};

struct rs_store {
    sqlite3 *db;
    struct rs_pg *pg;            /* the PostgreSQL connection, or NULL: SQLite's db */
    struct rs_st stmt[ST_N];    /* prepared when the store opens */
    struct rs_pg_st *put_many;   /* PostgreSQL only: rs_store_pg_put_many_sql */
    bool deferred;               /* rs_store_defer_sync: NORMAL unless asked */
    bool sync_full;              /* the connection's synchronous is FULL */
    EVP_MD *sha256;              /* fetched once, on first use */
    EVP_MD_CTX *md;              /* reused for every audit hash */
    EVP_MD_CTX *md_stored;       /* reused for every batch's stored-records digest */
    /* The audit chain's last row as this transaction left it; only valid
     * inside the write transaction that appended it (another connection
     * may append between two transactions). */
    bool head_valid;
    int64_t head_seq;
    uint8_t head_hash[RS_SHA256_LEN];
    char errmsg[256];
    char actor[RS_AUDIT_PEER_MAX + 1];  /* peer of office-change audit rows */
    struct rs_store_notes notes;        /* what opening it migrated (rs_store_notice) */
};

/* ------------------------------------------------------------ rs_store_pg_sql.c */

/* The advisory lock every write transaction on PostgreSQL takes at BEGIN
 * (rs_store_pg_sql.c says why), and the one opening takes around the
 * schema's creation. */
#define RS_STORE_PG_WRITE_LOCK "7420"
#define RS_STORE_PG_SCHEMA_LOCK "7421"

/* A statement's PostgreSQL text and flags (rs_store_pg.h); sql NULL: the
 * SQLite text runs as it is, its ?N rewritten. */
struct rs_store_pg_stmt {
    const char *sql;
    unsigned flags;
};

extern const struct rs_store_pg_stmt rs_store_pg_stmts[ST_N];

/* The current schema on PostgreSQL (RS_STORE_SCHEMA_VERSION), without its
 * version table. */
extern const char rs_store_pg_schema[];

/* The statement that stores a run of new records at once (rs_store_pg_put.c). */
extern const char rs_store_pg_put_many_sql[];

/* ------------------------------------------------------------ rs_store_stmt.c */

/* Formats into err (if err is not NULL and errlen > 0). */
void rs_store_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Makes err the empty string (if err is not NULL and errlen > 0). */
void rs_store_clear_err(char *err, size_t errlen);

/* Copies at most cap - 1 bytes of src[0..n) into dst and terminates; src
 * may be NULL (then dst is ""). */
void rs_store_copy_text(char *dst, size_t cap, const unsigned char *src, int n);

/*
 * SQLite's primary codes that mean "the disk or the lock said no" (the
 * commit may succeed later without any change to the data) are
 * RS_ESTORAGE; SQLITE_NOTADB is RS_ESCHEMA; anything else RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_map_rc(int rc);

/* Records "<what>: <SQLite's message>" on s->errmsg and maps rc. */
RS_NODISCARD
rs_status rs_store_db_fail(struct rs_store *s, int rc, const char *what);

/*
 * Prepares every statement of the table into s->stmt (persistent).  Returns
 * SQLite's code: SQLITE_OK, or the first failure (its message is on s->db).
 * The statements are finalized by rs_store_close.
 */
RS_NODISCARD
int rs_store_stmts_prepare(struct rs_store *s);

/* Steps a statement that returns no rows, then resets it.  RS_OK or
 * rs_store_db_fail(s, rc, what). */
RS_NODISCARD
rs_status rs_store_run_done(struct rs_store *s, enum stmt_id id, const char *what);

/* BEGIN IMMEDIATE; the cached audit chain head is not trusted past it. */
RS_NODISCARD
rs_status rs_store_begin(struct rs_store *s);

/* Resets every statement and rolls back the open transaction (if SQLite
 * has not already). */
void rs_store_rollback(struct rs_store *s);

/* ------------------------------------------------------------ rs_store_records.c */

/* ------------------------------------------------------------ rs_store_pg_put.c */

/*
 * On PostgreSQL, stores recs[idx[0..n)] with one statement, inside the
 * open write transaction; none of them supersedes another or is refused
 * by a closed year.  batch[k] is the batches row of recs[idx[k]], 0 for
 * none.  Each record stored gets ack STORED and its seq; a record left out
 * by the unique key (its id is stored, or came earlier in the run) keeps
 * ack UNSPECIFIED for the caller to judge.  RS_ESTORAGE / RS_EIO,
 * RS_ENOMEM, RS_EINTERNAL (no PostgreSQL, or n above RS_PG_ARRAY_MAX).
 */
RS_NODISCARD
rs_status rs_store_pg_put_new(struct rs_store *s, struct rs_store_rec *recs, const size_t *idx,
                              const int64_t *batch, size_t n, int64_t now);

/* ------------------------------------------------------------ rs_store_records.c */

/* The length of a text field of struct rs_store_rec given as (p, n): n, or
 * strlen(p) when n is 0 (0 for NULL). */
size_t rs_store_text_len(const char *p, size_t n);

/* ------------------------------------------------------------ rs_store_year.c */

/* A closed year's newest issue, as a refusal names it. */
struct rs_year_lock {
    uint32_t issue;              /* 0: the year is not closed */
    bool locked;                 /* closed, and no lock exception lets the division in */
    uint32_t open_until;         /* the exception that lets it in: its last day, else 0 */
    int64_t closed_at;
    char closed_by[16];          /* the closing office's code */
    char closed_by_name[128];    /* its name from offices, or the code */
};

#define RS_YEAR_LOCK_MSG_MAX 320    /* a refusal, in Chinese, with the office's name */
#define RS_YEAR_ACK_MSG_MAX 160     /* a refusal fits a record's ack reason */

/*
 * Reads whether year is closed (it has an issued report) into *out, inside
 * whatever transaction is open, and whether it is locked for division on
 * the day today (YYYYMMDD, China Standard Time): closed, and no lock
 * exception that has not ended covers the division (its code starts with
 * the exception's) through today.  division NULL: locked = closed.  When it
 * is locked, formats into msg (cap bytes, RS_YEAR_LOCK_MSG_MAX is enough)
 * the refusal a clerk reads, in Chinese: that the year is closed, since
 * when, and whom to ask ("2023年度已结账（报告已于2024-01-15出具），不能再改动；
 * 如需改动，请岳阳楼区库区移民服务中心（430602）重新开放"); the office name is cut
 * on a character boundary.  msg may be NULL.  RS_ESTORAGE / RS_EIO.
 */
RS_NODISCARD
rs_status rs_store_year_lock_tx(struct rs_store *s, uint32_t year, const char *division,
                                uint32_t today, struct rs_year_lock *out, char *msg, size_t cap);

/* The closed years and open lock exceptions a put judges its records by,
 * read once in its transaction (rs_store_locks_load_tx). */
struct rs_year_locks {
    struct rs_locked_year {
        uint32_t year;
        char msg[RS_YEAR_ACK_MSG_MAX];   /* the refusal in English, for the ack's reason */
        char zh[RS_STORE_TEXT_MAX];      /* the same in Chinese (rs_store_rec.text) */
    } *years;
    size_t n;                    /* 0: no year is closed, nothing to check */
    struct rs_open_exception {
        uint32_t year;
        char division[16];
    } *exc;
    size_t nexc;
};

/* Reads every closed year and every exception open through today into *l
 * (free with rs_store_locks_free).  RS_ENOMEM; RS_ESTORAGE / RS_EIO. */
RS_NODISCARD
rs_status rs_store_locks_load_tx(struct rs_store *s, uint32_t today, struct rs_year_locks *l);

void rs_store_locks_free(struct rs_year_locks *l);

/* Whether rs_store_locks_check_tx could refuse r or read the database for
 * it: r supersedes another, or its year is closed to its division.  When
 * not, the check would leave r as it is. */
bool rs_store_locks_may_refuse(const struct rs_year_locks *l, const struct rs_store_rec *r);

/*
 * Judges r against l: if r's year, or the year of the version it
 * supersedes, is closed to its division and r's id is not stored already,
 * sets r REJECTED with code ERR_LOCKED and the refusal as its reason, and
 * *refused.  Otherwise leaves r as it is (the put decides).  RS_ESTORAGE /
 * RS_EIO from the lookups.
 */
RS_NODISCARD
rs_status rs_store_locks_check_tx(struct rs_store *s, const struct rs_year_locks *l,
                                  struct rs_store_rec *r, bool *refused);

/* ------------------------------------------------------------ rs_store_audit.c */

/*
 * Appends one audit row inside the caller's open write transaction, chained
 * to the newest row, with office, peer and detail cleaned and cut as for
 * rs_store_audit_append.  On RS_OK *seq_out and hash_out (either may be
 * NULL) describe the new row.  RS_ESTORAGE / RS_EIO from SQLite,
 * RS_EINTERNAL if the row cannot be hashed; the caller then rolls back.
 */
RS_NODISCARD
rs_status rs_store_audit_append_tx(struct rs_store *s, int64_t now, enum rs_audit_kind kind,
                                   const char *office, const char *peer, const char *detail,
                                   uint64_t *seq_out, uint8_t hash_out[RS_SHA256_LEN]);

/*
 * Appends the audit row of one batch whose records recs[b->first .. b->first
 * + b->n) are judged, inside the caller's open write transaction, and sets
 * b->audit_seq and b->audit_hash (the detail is described in rs_store.h).
 * Statuses as for rs_store_audit_append_tx.
 */
RS_NODISCARD
rs_status rs_store_audit_batch_tx(struct rs_store *s, const struct rs_store_rec *recs,
                                  struct rs_store_batch *b, int64_t now);

/*
 * Adds one stored record to a batch's stored-records digest (rs_store.h):
 * "<id> <hex SHA-256 of the body>\n".  md is a SHA-256 context.
 * RS_EINTERNAL if OpenSSL fails.
 */
RS_NODISCARD
rs_status rs_store_stored_digest_add(EVP_MD_CTX *md, const char *id, size_t id_len,
                                     const uint8_t hash[RS_SHA256_LEN]);

/*
 * Copies in into out (cap bytes + NUL) as audit text is stored: control
 * characters and bytes of invalid UTF-8 become '?', cut at cap without
 * splitting a UTF-8 sequence; NULL becomes "".
 */
void rs_store_audit_clean(char *out, size_t cap, const char *in);

/*
 * Appends one audit row on a connection the caller has inside a write
 * transaction, without a store (a migration step runs before the store's
 * statements are prepared): chained to the newest row, text cleaned and
 * cut as for rs_store_audit_append.  RS_ESTORAGE / RS_EIO with err from
 * SQLite; RS_EINTERNAL if the row cannot be hashed.  The caller rolls
 * back on failure.
 */
RS_NODISCARD
rs_status rs_store_audit_append_db(sqlite3 *db, int64_t now, enum rs_audit_kind kind,
                                   const char *office, const char *peer, const char *detail,
                                   char *err, size_t errlen);

/* ------------------------------------------------------------ rs_store_migrate.c */

/* Appends one line to notes (no-op when notes is NULL or memory is short). */
void rs_store_note(struct rs_store_notes *notes, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Schema step 3 -> 4, inside the migration's transaction on db: every
 * record id, supersedes, superseded_by and review record_id put in its
 * canonical (lower-case) form; an id whose lower-case form another row already has is left as it
 * is and reported (to notes, and as an audit row of kind migration, with
 * both rows' seq and whether their contents are the same); and, when
 * anything changed or was found, one audit row saying how many.
 * RS_ESTORAGE / RS_EIO / RS_ENOMEM / RS_EINTERNAL with err.
 */
RS_NODISCARD
rs_status rs_store_migrate_ids(sqlite3 *db, const char *path, struct rs_store_notes *notes,
                               char *err, size_t errlen);

/*
 * Schema step 4 -> 5, after its SQL (batches gain audit_seq), inside the
 * migration's transaction on db: when the database holds records or
 * batches, one audit row of kind migration names the last record seq and
 * batch id stored before the step ("record check starts after record seq
 * N and batch id M"); rs_store_audit_verify_records checks later records
 * against their batch's audit row, earlier ones against their own hash
 * only.  notes is unused (nothing here needs a person).  RS_ESTORAGE /
 * RS_EIO / RS_EINTERNAL with err.
 */
RS_NODISCARD
rs_status rs_store_migrate_batch_links(sqlite3 *db, const char *path,
                                       struct rs_store_notes *notes, char *err, size_t errlen);

#endif

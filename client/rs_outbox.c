/*
 * rs_outbox.c - the township's local outbox in a SQLite file.
 *
 * One table, outbox, holds every record ever queued with its state.  Rows
 * are never deleted: a record's whole history (pending, then stored or
 * refused with the server's reason) stays on the township's PC.  Each
 * public function that writes runs in its own BEGIN IMMEDIATE transaction
 * unless the caller already opened one, so a killed process leaves either
 * the whole change or none of it.
 *
 * Does not: talk to the network, parse CSV, validate records, or map the
 * wire's AckStatus onto outbox states (the caller does).
 */
#include "rs_outbox.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rs_frame.h"
#include "rs_util.h"
#include "rs_validate.h"

#define BUSY_TIMEOUT_MS 5000
#define WAL_RETRY_MS 5                       /* pause between tries to switch to WAL */
#define KEY_MAX 384                          /* rs_record_key output */
#define BODY_MAX ((size_t)1 << 20)           /* RS_FRAME_MAX_DEFAULT: must fit in a frame */

/* The SQL below spells the states as numbers. */
_Static_assert(RS_OB_PENDING == 0 && RS_OB_STORED == 1 && RS_OB_DUPLICATE == 2 &&
                   RS_OB_CONFLICT == 3 && RS_OB_REJECTED == 4,
               "outbox states are stored as 0..4");

/*
 * Migration i takes the schema from user_version i to i + 1.  Appending is
 * the only way to change the schema; released entries never change.
 */
static const char *const migrations[RS_OUTBOX_SCHEMA_VERSION] = {
    "CREATE TABLE outbox("
    " seq INTEGER PRIMARY KEY,"
    " record_id TEXT NOT NULL UNIQUE,"
    " nkey TEXT NOT NULL,"
    " supersedes TEXT,"
    " type INTEGER NOT NULL,"
    " hash BLOB NOT NULL,"
    " body BLOB NOT NULL,"
    " source TEXT,"
    " state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 4),"
    " field TEXT,"
    " reason TEXT,"
    " server_seq INTEGER,"
    " created_at INTEGER NOT NULL,"
    " acked_at INTEGER,"
    " attempts INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX outbox_nkey ON outbox(nkey, seq);"
    "CREATE INDEX outbox_state ON outbox(state, seq);",
    /* 1 -> 2: the server's receipt for the batch that carried the record. */
    "ALTER TABLE outbox ADD COLUMN receipt_seq INTEGER;"
    "ALTER TABLE outbox ADD COLUMN receipt_hash BLOB;",
};

enum stmt_id {
    ST_NEWEST,
    ST_LIVE,
    ST_BY_ID,
    ST_INSERT,
    ST_PENDING,
    ST_ATTEMPT,
    ST_ACK,
    ST_COUNTS,
    ST_FAILED,
    ST_LAST_RECEIPT,
    ST_SOURCE,
    ST_LIST,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_NEWEST] = "SELECT record_id, hash, state FROM outbox WHERE nkey = ?1"
                  " ORDER BY seq DESC LIMIT 1",
    [ST_LIVE] = "SELECT record_id FROM outbox WHERE nkey = ?1 AND state IN (0, 1, 2)"
                " ORDER BY seq DESC LIMIT 1",
    [ST_BY_ID] = "SELECT hash FROM outbox WHERE record_id = ?1",
    [ST_INSERT] = "INSERT INTO outbox(record_id, nkey, supersedes, type, hash, body,"
                  " source, state, created_at, attempts)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, 0)",
    [ST_PENDING] = "SELECT seq, record_id, body FROM outbox WHERE state = 0 AND seq > ?1"
                   " ORDER BY seq LIMIT ?2",
    [ST_ATTEMPT] = "UPDATE outbox SET attempts = attempts + 1"
                   " WHERE state = 0 AND seq > ?1 AND seq <= ?2",
    [ST_ACK] = "UPDATE outbox SET state = ?2, field = ?3, reason = ?4, server_seq = ?5,"
               " acked_at = ?6, receipt_seq = ?7, receipt_hash = ?8"
               " WHERE record_id = ?1 AND state = 0",
    /* A conflict or refusal that a later version of the same record put
     * right (stored or duplicate) is history, not an open failure. */
    [ST_COUNTS] = "SELECT state, count(*) FROM outbox o WHERE NOT (o.state IN (3, 4) AND EXISTS"
                  " (SELECT 1 FROM outbox n WHERE n.nkey = o.nkey AND n.seq > o.seq"
                  " AND n.state IN (1, 2))) GROUP BY state",
    [ST_FAILED] = "SELECT record_id, source, state, field, reason FROM outbox o"
                  " WHERE o.state IN (3, 4) AND NOT EXISTS (SELECT 1 FROM outbox n"
                  " WHERE n.nkey = o.nkey AND n.seq > o.seq AND n.state IN (1, 2)) ORDER BY seq",
    [ST_LAST_RECEIPT] = "SELECT receipt_seq, receipt_hash FROM outbox"
                        " WHERE receipt_seq IS NOT NULL ORDER BY receipt_seq DESC LIMIT 1",
    [ST_SOURCE] = "SELECT source FROM outbox WHERE record_id = ?1",
    [ST_LIST] = "SELECT record_id, nkey, type, source, state, field, reason, created_at"
                " FROM outbox WHERE (?1 < 0 OR state = ?1) ORDER BY seq DESC LIMIT ?2",
};

struct rs_outbox {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    struct rs_uuid_clock clk;        /* record ids made by this handle */
    char errmsg[256];
};

/* The newest row of a natural key, as add needs it. */
struct newest {
    bool found;
    char id[RS_UUID_LEN + 1];
    uint8_t hash[RS_SHA256_LEN];
    int state;
};

static rs_status db_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return RS_OK;
    case SQLITE_NOMEM:
        return RS_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return RS_EBUSY;
    case SQLITE_FULL:
    case SQLITE_READONLY:
        return RS_ESTORAGE;
    case SQLITE_NOTADB:
        return RS_ESCHEMA;
    case SQLITE_CONSTRAINT:
        return RS_EDUP;
    case SQLITE_TOOBIG:
        return RS_ETOOBIG;
    default:
        return RS_EIO;
    }
}

/* Records SQLite's message for a failed step named `what`. */
static rs_status db_fail(struct rs_outbox *ob, const char *what, int rc)
{
    snprintf(ob->errmsg, sizeof ob->errmsg, "%s: %s", what, sqlite3_errmsg(ob->db));
    return db_status(rc);
}

static void set_err(struct rs_outbox *ob, const char *msg)
{
    snprintf(ob->errmsg, sizeof ob->errmsg, "%s", msg);
}

static void stmt_done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/*
 * Length of s cut to at most cap bytes without splitting a UTF-8 sequence
 * (backs off over continuation bytes at the cut).
 */
static int capped_len(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap + 1);

    if (n > cap) {
        n = cap;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return (int)n;
}

static int bind_text_opt(sqlite3_stmt *s, int i, const char *v, size_t cap)
{
    if (!v)
        return sqlite3_bind_null(s, i);
    return sqlite3_bind_text(s, i, v, capped_len(v, cap), SQLITE_TRANSIENT);
}

/* Runs one SQL text that returns no rows we need. */
static rs_status exec_sql(struct rs_outbox *ob, const char *sql)
{
    int rc = sqlite3_exec(ob->db, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return db_fail(ob, sql, rc);
    return RS_OK;
}

/* Reads a PRAGMA (or any single-integer query) into *v. */
static rs_status query_int(struct rs_outbox *ob, const char *sql, int64_t *v)
{
    sqlite3_stmt *s = NULL;
    rs_status rv = RS_OK;
    int rc = sqlite3_prepare_v2(ob->db, sql, -1, &s, NULL);

    if (rc != SQLITE_OK) {
        rv = db_fail(ob, sql, rc);
        goto out;
    }
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        rv = rc == SQLITE_DONE ? RS_EINTERNAL : db_fail(ob, sql, rc);
        goto out;
    }
    *v = sqlite3_column_int64(s, 0);
out:
    sqlite3_finalize(s);
    return rv;
}

/*
 * Decides whether the file is ours: our application_id at a version we
 * know, or a database with no id, no version and no tables (new).  Reads
 * only, so a refused file is left exactly as it was.
 */
static rs_status check_schema(struct rs_outbox *ob, int64_t *version)
{
    int64_t app_id = 0;
    int64_t nobj = 0;
    rs_status rv;

    rv = query_int(ob, "PRAGMA application_id", &app_id);
    if (rv == RS_ESCHEMA) {
        set_err(ob, "不是 SQLite 数据库");
        goto out;
    }
    if (rv)
        goto out;
    rv = query_int(ob, "PRAGMA user_version", version);
    if (rv)
        goto out;
    rv = query_int(ob, "SELECT count(*) FROM sqlite_schema", &nobj);
    if (rv)
        goto out;
    if (app_id == 0) {
        if (*version != 0 || nobj != 0) {
            set_err(ob, "是另一个程序的 SQLite 数据库，不是发件箱");
            rv = RS_ESCHEMA;
        }
        goto out;
    }
    if (app_id != RS_OUTBOX_APPLICATION_ID) {
        snprintf(ob->errmsg, sizeof ob->errmsg,
                 "是另一个程序的 SQLite 数据库（application_id 0x%08llx），"
                 "不是发件箱",
                 (unsigned long long)(uint32_t)app_id);
        rv = RS_ESCHEMA;
        goto out;
    }
    if (*version < 0 || *version > RS_OUTBOX_SCHEMA_VERSION) {
        snprintf(ob->errmsg, sizeof ob->errmsg,
                 "发件箱结构版本 %lld 比本程序的（%d）新，请升级 resettle",
                 (long long)*version, RS_OUTBOX_SCHEMA_VERSION);
        rv = RS_ESCHEMA;
        goto out;
    }
out:
    return rv;
}

/* Brings the schema to RS_OUTBOX_SCHEMA_VERSION in one transaction. */
static rs_status migrate(struct rs_outbox *ob)
{
    char sql[96];
    int64_t version = 0;
    rs_status rv;

    rv = exec_sql(ob, "BEGIN IMMEDIATE");
    if (rv)
        return rv;
    /* Another process may have created or migrated the file meanwhile. */
    rv = check_schema(ob, &version);
    if (rv)
        goto out;
    for (int64_t v = version; v < RS_OUTBOX_SCHEMA_VERSION; v++) {
        rv = exec_sql(ob, migrations[v]);
        if (rv)
            goto out;
    }
    if (version < RS_OUTBOX_SCHEMA_VERSION) {
        snprintf(sql, sizeof sql, "PRAGMA application_id = %ld; PRAGMA user_version = %d",
                 (long)RS_OUTBOX_APPLICATION_ID, RS_OUTBOX_SCHEMA_VERSION);
        rv = exec_sql(ob, sql);
        if (rv)
            goto out;
    }
    rv = exec_sql(ob, "COMMIT");
out:
    if (rv && !sqlite3_get_autocommit(ob->db))
        sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
    return rv;
}

/*
 * check_schema on one snapshot: another process creating the file at the
 * same moment is seen before or after its migration, never half-way (an id
 * of 0 read before its commit, tables after it, looked like a foreign file).
 */
static rs_status check_schema_snapshot(struct rs_outbox *ob, int64_t *version)
{
    rs_status rv = exec_sql(ob, "BEGIN");

    if (rv)
        return rv;
    rv = check_schema(ob, version);
    if (!sqlite3_get_autocommit(ob->db))
        sqlite3_exec(ob->db, rv ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rv;
}

static rs_status set_pragmas(struct rs_outbox *ob)
{
    sqlite3_stmt *s = NULL;
    rs_status rv = RS_OK;
    int rc = sqlite3_prepare_v2(ob->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);

    if (rc != SQLITE_OK) {
        rv = db_fail(ob, "PRAGMA journal_mode", rc);
        goto out;
    }
    /* Switching to WAL does not wait for a lock another process holds (the
     * busy timeout does not apply): a creator at the same moment is waited
     * for here, up to the same timeout. */
    for (int waited = 0;
         ((rc = sqlite3_step(s)) & 0xff) == SQLITE_BUSY && waited < BUSY_TIMEOUT_MS;
         waited += WAL_RETRY_MS) {
        sqlite3_reset(s);
        sqlite3_sleep(WAL_RETRY_MS);
    }
    if (rc != SQLITE_ROW) {
        rv = db_fail(ob, "PRAGMA journal_mode", rc);
        goto out;
    }
    if (strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
        set_err(ob, "无法使用 WAL 模式（发件箱是否在网络驱动器上？）");
        rv = RS_EIO;
        goto out;
    }
    rv = exec_sql(ob, "PRAGMA synchronous = FULL");
out:
    sqlite3_finalize(s);
    return rv;
}

static rs_status prepare_all(struct rs_outbox *ob)
{
    for (int i = 0; i < ST_COUNT; i++) {
        int rc = sqlite3_prepare_v3(ob->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &ob->stmt[i], NULL);

        if (rc != SQLITE_OK)
            return db_fail(ob, stmt_sql[i], rc);
    }
    return RS_OK;
}

rs_status rs_outbox_open(const char *path, struct rs_outbox **out, char *err, size_t errlen)
{
    struct rs_outbox *ob = NULL;
    int64_t version = 0;
    rs_status rv = RS_OK;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    if (!path || !out) {
        if (err && errlen)
            snprintf(err, errlen, "发件箱：没有给出路径");
        return RS_EINVAL;
    }
    *out = NULL;
    ob = calloc(1, sizeof *ob);
    if (!ob) {
        if (err && errlen)
            snprintf(err, errlen, "发件箱 %s：内存不足", path);
        return RS_ENOMEM;
    }
    rc = sqlite3_open_v2(path, &ob->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        rv = ob->db ? db_fail(ob, "open", rc) : RS_ENOMEM;
        if (rv == RS_OK || rv == RS_EDUP)
            rv = RS_EIO;
        goto out;
    }
    sqlite3_busy_timeout(ob->db, BUSY_TIMEOUT_MS);
    /* Check before anything writes: WAL mode alone rewrites the header. */
    rv = check_schema_snapshot(ob, &version);
    if (rv)
        goto out;
    rv = set_pragmas(ob);
    if (rv)
        goto out;
    rv = migrate(ob);
    if (rv)
        goto out;
    rv = prepare_all(ob);
    if (rv)
        goto out;
    if (!sqlite3_get_autocommit(ob->db)) {
        set_err(ob, "transaction left open after migration");
        rv = RS_EINTERNAL;
        goto out;
    }
    ob->errmsg[0] = '\0';
    *out = ob;
    ob = NULL;
out:
    if (rv && err && errlen)
        snprintf(err, errlen, "发件箱 %s：%s", path, ob && ob->errmsg[0] ? ob->errmsg
                                                                          : rs_status_zh(rv));
    rs_outbox_close(ob);
    return rv;
}

rs_status rs_outbox_close(struct rs_outbox *ob)
{
    rs_status rv = RS_OK;

    if (!ob)
        return RS_OK;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(ob->stmt[i]);
    if (ob->db && sqlite3_close(ob->db) != SQLITE_OK) {
        /* A statement we do not know of is still open: free on its finalize. */
        sqlite3_close_v2(ob->db);
        rv = RS_EIO;
    }
    free(ob);
    return rv;
}

rs_status rs_outbox_check(struct rs_outbox *ob)
{
    sqlite3_stmt *s = NULL;
    rs_status rv = RS_OK;
    int rc;

    if (!ob)
        return RS_EINVAL;
    rc = sqlite3_prepare_v2(ob->db, "PRAGMA quick_check(1)", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(s, 0);

        if (!r || strcmp(r, "ok") != 0) {
            snprintf(ob->errmsg, sizeof ob->errmsg, "已损坏：%.200s", r ? r : "?");
            for (char *p = ob->errmsg; *p; p++)
                if (*p == '\n' || *p == '\r')
                    *p = ' ';
            rv = RS_EIO;
        }
    } else {
        snprintf(ob->errmsg, sizeof ob->errmsg, "已损坏：%.200s", sqlite3_errmsg(ob->db));
        rv = RS_EIO;
    }
    sqlite3_finalize(s);
    return rv;
}

const char *rs_outbox_errmsg(const struct rs_outbox *ob)
{
    return ob ? ob->errmsg : "";
}

rs_status rs_outbox_nkey(const Rs__Record *rec, char *out, size_t outlen)
{
    char key[KEY_MAX];
    rs_status rv;
    int n;

    if (!rec || !out || outlen == 0)
        return RS_EINVAL;
    out[0] = '\0';
    if (!rec->division_code || !rec->division_code[0] || strchr(rec->division_code, '|') ||
        !rec->has_year || rec->body_case == RS__RECORD__BODY__NOT_SET)
        return RS_EINVAL;
    rv = rs_record_key(rec, key, sizeof key);
    if (rv)
        return rv;
    n = snprintf(out, outlen, "%s|%u|%s|%s", rec->division_code, (unsigned)rec->year,
                 rs_rtype_name(rec->body_case), key);
    if (n < 0)
        return RS_EINTERNAL;
    if ((size_t)n >= outlen) {
        out[0] = '\0';
        return RS_ETOOBIG;
    }
    return RS_OK;
}

/*
 * A record packed once, when it enters the outbox.  Its content is rec
 * packed without id and supersedes: what the record says, hashed for the
 * natural-key decision.  id and supersedes are the record's two lowest
 * field numbers, so in the canonical encoding (proto/README.md) they come
 * first and the rest is exactly that content: the body sent to the server
 * is the two fields written in front of it, in the room left there, and is
 * byte for byte what rs__record__pack of the whole record gives.
 */
#define ID_FIELDS_MAX (2 * (2 * RS_VARINT_MAX + RS_UUID_LEN))

struct packed {
    uint8_t *buf;                /* malloc'd: ID_FIELDS_MAX bytes of room, then the content */
    size_t len;                  /* content bytes */
    uint8_t hash[RS_SHA256_LEN]; /* SHA-256 of the content */
};

/* True if id and supersedes are the record's first two fields by number. */
static bool ids_come_first(void)
{
    const ProtobufCFieldDescriptor *f = rs__record__descriptor.fields;

    return rs__record__descriptor.n_fields >= 2 && f[0].offset == offsetof(Rs__Record, id) &&
           f[1].offset == offsetof(Rs__Record, supersedes) &&
           f[0].type == PROTOBUF_C_TYPE_STRING && f[1].type == PROTOBUF_C_TYPE_STRING;
}

/* Packs rec's content into pk (rec is left as it was). */
static rs_status pack_content(Rs__Record *rec, struct packed *pk)
{
    char *id = rec->id;
    char *sup = rec->supersedes;
    size_t n;

    if (!ids_come_first())
        return RS_EINTERNAL;
    rec->id = NULL;
    rec->supersedes = NULL;
    n = rs__record__get_packed_size(rec);
    pk->buf = n <= BODY_MAX - ID_FIELDS_MAX ? malloc(ID_FIELDS_MAX + n) : NULL;
    if (pk->buf)
        pk->len = rs__record__pack(rec, pk->buf + ID_FIELDS_MAX);
    rec->id = id;
    rec->supersedes = sup;
    if (n > BODY_MAX - ID_FIELDS_MAX)
        return RS_ETOOBIG;
    if (!pk->buf)
        return RS_ENOMEM;
    if (pk->len != n)
        return RS_EINTERNAL;
    rs_sha256(pk->buf + ID_FIELDS_MAX, pk->len, pk->hash);
    return RS_OK;
}

/* Appends string field `fd` holding s to out at *k (nothing for NULL, as protobuf-c). */
static rs_status put_id_field(const ProtobufCFieldDescriptor *fd, const char *s, uint8_t *out,
                              size_t *k)
{
    size_t n;

    if (!s)
        return RS_OK;
    n = strlen(s);
    if (n > RS_UUID_LEN)
        return RS_EINTERNAL;            /* ids are UUIDs (rs_outbox_add checked) */
    *k += rs_varint_encode(((uint64_t)fd->id << 3) | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
                           out + *k);
    *k += rs_varint_encode(n, out + *k);
    memcpy(out + *k, s, n);
    *k += n;
    return RS_OK;
}

/*
 * The whole record's bytes: id and supersedes (either may be NULL) written
 * in front of pk's content.  *body points into pk->buf.
 */
static rs_status body_with_ids(struct packed *pk, const char *id, const char *sup,
                               const uint8_t **body, size_t *len)
{
    uint8_t pre[ID_FIELDS_MAX];
    size_t k = 0;
    rs_status rv = put_id_field(&rs__record__descriptor.fields[0], id, pre, &k);

    if (rv == RS_OK)
        rv = put_id_field(&rs__record__descriptor.fields[1], sup, pre, &k);
    if (rv)
        return rv;
    memcpy(pk->buf + ID_FIELDS_MAX - k, pre, k);
    *body = pk->buf + ID_FIELDS_MAX - k;
    *len = k + pk->len;
    return RS_OK;
}

/* Copies a record_id column into out (>= RS_UUID_LEN + 1 bytes). */
static rs_status column_id(struct rs_outbox *ob, sqlite3_stmt *s, int col,
                           char out[RS_UUID_LEN + 1])
{
    const unsigned char *v = sqlite3_column_text(s, col);
    int n = sqlite3_column_bytes(s, col);

    if (!v || n <= 0 || n > RS_UUID_LEN) {
        set_err(ob, "outbox row with a malformed record_id");
        return RS_EINTERNAL;
    }
    memcpy(out, v, (size_t)n);
    out[n] = '\0';
    return RS_OK;
}

/* Starts a transaction unless the caller already has one. */
static rs_status own_begin(struct rs_outbox *ob, bool *own)
{
    rs_status rv;

    *own = false;
    if (!sqlite3_get_autocommit(ob->db))
        return RS_OK;
    rv = exec_sql(ob, "BEGIN IMMEDIATE");
    if (rv == RS_OK)
        *own = true;
    return rv;
}

/* Ends a transaction own_begin started: commit on success, else roll back. */
static rs_status own_end(struct rs_outbox *ob, bool own, rs_status rv)
{
    if (!own)
        return rv;
    if (rv == RS_OK)
        rv = exec_sql(ob, "COMMIT");
    if (rv && !sqlite3_get_autocommit(ob->db))
        sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
    return rv;
}

static rs_status find_newest(struct rs_outbox *ob, const char *nkey, struct newest *nw)
{
    sqlite3_stmt *s = ob->stmt[ST_NEWEST];
    rs_status rv = RS_OK;
    int rc;

    nw->found = false;
    rc = sqlite3_bind_text(s, 1, nkey, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rv = db_fail(ob, "find newest version", rc);
        goto out;
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        goto out;
    if (rc != SQLITE_ROW) {
        rv = db_fail(ob, "find newest version", rc);
        goto out;
    }
    rv = column_id(ob, s, 0, nw->id);
    if (rv)
        goto out;
    if (sqlite3_column_bytes(s, 1) != RS_SHA256_LEN) {
        set_err(ob, "outbox row with a malformed hash");
        rv = RS_EINTERNAL;
        goto out;
    }
    memcpy(nw->hash, sqlite3_column_blob(s, 1), RS_SHA256_LEN);
    nw->state = sqlite3_column_int(s, 2);
    nw->found = true;
out:
    stmt_done(s);
    return rv;
}

/* The newest version of nkey the server has or will have first, if any. */
static rs_status find_live(struct rs_outbox *ob, const char *nkey, bool *found,
                           char id[RS_UUID_LEN + 1])
{
    sqlite3_stmt *s = ob->stmt[ST_LIVE];
    rs_status rv = RS_OK;
    int rc;

    *found = false;
    rc = sqlite3_bind_text(s, 1, nkey, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rv = db_fail(ob, "find live version", rc);
        goto out;
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        goto out;
    if (rc != SQLITE_ROW) {
        rv = db_fail(ob, "find live version", rc);
        goto out;
    }
    rv = column_id(ob, s, 0, id);
    if (rv == RS_OK)
        *found = true;
out:
    stmt_done(s);
    return rv;
}

/* Looks up a caller-given id: *found, and whether its content equals hash. */
static rs_status find_by_id(struct rs_outbox *ob, const char *id,
                            const uint8_t hash[RS_SHA256_LEN], bool *found, bool *same)
{
    sqlite3_stmt *s = ob->stmt[ST_BY_ID];
    rs_status rv = RS_OK;
    int rc;

    *found = false;
    *same = false;
    rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rv = db_fail(ob, "find record id", rc);
        goto out;
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        goto out;
    if (rc != SQLITE_ROW) {
        rv = db_fail(ob, "find record id", rc);
        goto out;
    }
    *found = true;
    *same = hash && sqlite3_column_bytes(s, 0) == RS_SHA256_LEN &&
            memcmp(sqlite3_column_blob(s, 0), hash, RS_SHA256_LEN) == 0;
out:
    stmt_done(s);
    return rv;
}

static rs_status insert_row(struct rs_outbox *ob, const char *id, const char *nkey,
                            const char *supersedes, int type,
                            const uint8_t hash[RS_SHA256_LEN], const uint8_t *body,
                            size_t len, const char *source)
{
    sqlite3_stmt *s = ob->stmt[ST_INSERT];
    rs_status rv = RS_OK;
    int rc;

    rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(s, 2, nkey, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = bind_text_opt(s, 3, supersedes, RS_UUID_LEN);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(s, 4, type);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(s, 5, hash, RS_SHA256_LEN, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(s, 6, body, (int)len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = bind_text_opt(s, 7, source, RS_OUTBOX_TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 8, rs_now_unix());
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        rv = db_fail(ob, "queue record", rc);
    stmt_done(s);
    return rv;
}

/* A malloc'd copy of s; NULL if out of memory. */
static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);

    if (p)
        memcpy(p, s, n + 1);
    return p;
}

/*
 * The body of rs_outbox_add, inside a transaction.  On RS_OK *id_out and
 * *sup_out are malloc'd strings to hand to rec (NULL when rec keeps its
 * own, or for no supersedes).
 */
static rs_status add_in_txn(struct rs_outbox *ob, Rs__Record *rec, const char *source,
                            const char *nkey, struct packed *pk, enum rs_outbox_added *what,
                            char **id_out, char **sup_out)
{
    const uint8_t *hash = pk->hash;
    char id[RS_UUID_LEN + 1];
    char sup[RS_UUID_LEN + 1];
    char *id_copy = NULL;
    char *sup_copy = NULL;
    char *saved_id = rec->id;
    char *saved_sup = rec->supersedes;
    const uint8_t *body = NULL;
    size_t len = 0;
    struct newest nw;
    bool has_sup = false;
    rs_status rv;

    rv = find_newest(ob, nkey, &nw);
    if (rv)
        goto out;
    if (saved_id) {
        bool found = false;
        bool same = false;

        rv = find_by_id(ob, saved_id, hash, &found, &same);
        if (rv)
            goto out;
        if (found && same) {
            *what = RS_OUTBOX_UNCHANGED;
            goto out;
        }
        if (found) {
            snprintf(ob->errmsg, sizeof ob->errmsg,
                     "record_id %s is already queued with different content", saved_id);
            rv = RS_ECONFLICT;
            goto out;
        }
        rv = body_with_ids(pk, saved_id, saved_sup, &body, &len);
        if (rv)
            goto out;
        rv = insert_row(ob, saved_id, nkey, saved_sup, (int)rec->body_case, hash, body, len,
                        source);
        if (rv)
            goto out;
        *what = nw.found ? RS_OUTBOX_NEW_VERSION : RS_OUTBOX_NEW;
        goto out;
    }

    if (nw.found && memcmp(nw.hash, hash, RS_SHA256_LEN) == 0 && nw.state != RS_OB_CONFLICT &&
        nw.state != RS_OB_REJECTED) {
        id_copy = dup_str(nw.id);
        if (!id_copy) {
            rv = RS_ENOMEM;
            goto out;
        }
        *what = RS_OUTBOX_UNCHANGED;
        goto out;
    }
    rv = rs_uuid_v7(&ob->clk, rs_now_unix_ms(), id);
    if (rv)
        goto out;
    if (!nw.found) {
        *what = RS_OUTBOX_NEW;
    } else {
        /* A new version, or a retry of one the server refused. */
        rv = find_live(ob, nkey, &has_sup, sup);
        if (rv)
            goto out;
        *what = RS_OUTBOX_NEW_VERSION;
    }

    id_copy = dup_str(id);
    sup_copy = has_sup ? dup_str(sup) : NULL;
    if (!id_copy || (has_sup && !sup_copy)) {
        rv = RS_ENOMEM;
        goto out;
    }
    rv = body_with_ids(pk, id_copy, sup_copy, &body, &len);
    if (rv)
        goto out;
    rv = insert_row(ob, id, nkey, sup_copy, (int)rec->body_case, hash, body, len, source);
out:
    if (rv) {
        free(id_copy);
        free(sup_copy);
        id_copy = sup_copy = NULL;
    }
    *id_out = id_copy;
    *sup_out = sup_copy;
    return rv;
}

rs_status rs_outbox_add(struct rs_outbox *ob, Rs__Record *rec, const char *source,
                        enum rs_outbox_added *what)
{
    char nkey[RS_OUTBOX_NKEY_MAX];
    struct packed pk = {NULL, 0, {0}};
    enum rs_outbox_added result = RS_OUTBOX_NEW;
    char *id = NULL;
    char *sup = NULL;
    bool own = false;
    rs_status rv;

    if (!ob || !rec || !what)
        return RS_EINVAL;
    ob->errmsg[0] = '\0';
    rv = rs_outbox_nkey(rec, nkey, sizeof nkey);
    if (rv) {
        set_err(ob, "record has no natural key (division, year, type and key fields)");
        return rv;
    }
    if (rec->id && !rs_uuid_canonical(rec->id)) {
        set_err(ob, "record_id is not a UUID");
        return RS_EINVAL;
    }
    if (rec->id && rec->supersedes && !rs_uuid_canonical(rec->supersedes)) {
        set_err(ob, "supersedes is not a UUID");
        return RS_EINVAL;
    }
    if (!rec->id && rec->supersedes) {
        set_err(ob, "supersedes given without record_id");
        return RS_EINVAL;
    }
    rv = pack_content(rec, &pk);
    if (rv) {
        free(pk.buf);
        set_err(ob, rv == RS_ETOOBIG ? "record too large" : "cannot pack record");
        return rv;
    }
    rv = own_begin(ob, &own);
    if (rv == RS_OK) {
        rv = add_in_txn(ob, rec, source, nkey, &pk, &result, &id, &sup);
        rv = own_end(ob, own, rv);
    }
    free(pk.buf);
    if (rv) {
        free(id);
        free(sup);
        return rv;
    }
    if (id) {
        rec->id = id;
        rec->supersedes = sup;
    }
    *what = result;
    return RS_OK;
}

rs_status rs_outbox_begin(struct rs_outbox *ob)
{
    if (!ob)
        return RS_EINVAL;
    if (!sqlite3_get_autocommit(ob->db)) {
        set_err(ob, "a transaction is already open");
        return RS_EINVAL;
    }
    return exec_sql(ob, "BEGIN IMMEDIATE");
}

rs_status rs_outbox_commit(struct rs_outbox *ob)
{
    if (!ob)
        return RS_EINVAL;
    if (sqlite3_get_autocommit(ob->db)) {
        set_err(ob, "no transaction to commit");
        return RS_EINVAL;
    }
    return exec_sql(ob, "COMMIT");
}

rs_status rs_outbox_rollback(struct rs_outbox *ob)
{
    if (!ob)
        return RS_EINVAL;
    if (sqlite3_get_autocommit(ob->db))
        return RS_OK;
    return exec_sql(ob, "ROLLBACK");
}

static rs_status pending_in_txn(struct rs_outbox *ob, int64_t after_seq,
                                struct rs_outbox_item *items, size_t max, size_t *n)
{
    sqlite3_stmt *s = ob->stmt[ST_PENDING];
    sqlite3_stmt *u = ob->stmt[ST_ATTEMPT];
    int64_t limit = max > (size_t)INT64_MAX ? INT64_MAX : (int64_t)max;
    rs_status rv = RS_OK;
    int rc;

    rc = sqlite3_bind_int64(s, 1, after_seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 2, limit);
    if (rc != SQLITE_OK) {
        rv = db_fail(ob, "list pending", rc);
        goto out;
    }
    while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct rs_outbox_item *it = &items[*n];
        int len = sqlite3_column_bytes(s, 2);
        const void *blob = sqlite3_column_blob(s, 2);

        it->seq = sqlite3_column_int64(s, 0);
        rv = column_id(ob, s, 1, it->id);
        if (rv)
            goto out;
        it->len = (size_t)(len > 0 ? len : 0);
        it->body = malloc(it->len ? it->len : 1);
        if (!it->body) {
            rv = RS_ENOMEM;
            goto out;
        }
        if (it->len)
            memcpy(it->body, blob, it->len);
        (*n)++;
    }
    if (*n < max && rc != SQLITE_DONE) {
        rv = db_fail(ob, "list pending", rc);
        goto out;
    }
    stmt_done(s);
    if (*n == 0)
        goto out;
    rc = sqlite3_bind_int64(u, 1, after_seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(u, 2, items[*n - 1].seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(u);
    if (rc != SQLITE_DONE)
        rv = db_fail(ob, "count attempts", rc);
out:
    stmt_done(s);
    stmt_done(u);
    return rv;
}

rs_status rs_outbox_pending(struct rs_outbox *ob, int64_t after_seq,
                            struct rs_outbox_item *items, size_t max, size_t *n)
{
    bool own = false;
    rs_status rv;

    if (!n)
        return RS_EINVAL;
    *n = 0;
    if (!ob || (!items && max))
        return RS_EINVAL;
    if (max == 0)
        return RS_OK;
    ob->errmsg[0] = '\0';
    rv = own_begin(ob, &own);
    if (rv)
        return rv;
    rv = pending_in_txn(ob, after_seq, items, max, n);
    rv = own_end(ob, own, rv);
    if (rv) {
        for (size_t i = 0; i < *n; i++) {
            free(items[i].body);
            items[i].body = NULL;
        }
        *n = 0;
    }
    return rv;
}

rs_status rs_outbox_ack(struct rs_outbox *ob, const char *id, enum rs_outbox_state st,
                        const char *field, const char *reason, uint64_t server_seq)
{
    return rs_outbox_ack_receipt(ob, id, st, field, reason, server_seq, NULL);
}

rs_status rs_outbox_ack_receipt(struct rs_outbox *ob, const char *id, enum rs_outbox_state st,
                                const char *field, const char *reason, uint64_t server_seq,
                                const struct rs_outbox_receipt *receipt)
{
    sqlite3_stmt *s;
    bool found = false;
    bool same = false;
    rs_status rv = RS_OK;
    int rc;

    if (!ob || !id || st <= RS_OB_PENDING || st > RS_OB_REJECTED ||
        server_seq > (uint64_t)INT64_MAX ||
        (receipt && (receipt->seq == 0 || receipt->seq > (uint64_t)INT64_MAX)))
        return RS_EINVAL;
    ob->errmsg[0] = '\0';
    s = ob->stmt[ST_ACK];
    rc = sqlite3_bind_text(s, 1, id, capped_len(id, RS_OUTBOX_TEXT_MAX), SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(s, 2, (int)st);
    if (rc == SQLITE_OK)
        rc = bind_text_opt(s, 3, field, RS_OUTBOX_TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = bind_text_opt(s, 4, reason, RS_OUTBOX_TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = server_seq ? sqlite3_bind_int64(s, 5, (int64_t)server_seq)
                        : sqlite3_bind_null(s, 5);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 6, rs_now_unix());
    if (rc == SQLITE_OK)
        rc = receipt ? sqlite3_bind_int64(s, 7, (int64_t)receipt->seq) : sqlite3_bind_null(s, 7);
    if (rc == SQLITE_OK)
        rc = receipt ? sqlite3_bind_blob(s, 8, receipt->hash, (int)sizeof(receipt->hash),
                                         SQLITE_TRANSIENT)
                     : sqlite3_bind_null(s, 8);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rv = db_fail(ob, "record acknowledgement", rc);
        goto out;
    }
    if (sqlite3_changes(ob->db) > 0)
        goto out;
    /* Nothing changed: already final (fine) or unknown. */
    rv = find_by_id(ob, id, NULL, &found, &same);
    if (rv == RS_OK && !found) {
        snprintf(ob->errmsg, sizeof ob->errmsg, "no queued record with id %.40s", id);
        rv = RS_ENOTFOUND;
    }
out:
    stmt_done(s);
    return rv;
}

rs_status rs_outbox_counts(struct rs_outbox *ob, struct rs_outbox_counts *c)
{
    sqlite3_stmt *s;
    rs_status rv = RS_OK;
    int rc;

    if (!ob || !c)
        return RS_EINVAL;
    memset(c, 0, sizeof *c);
    s = ob->stmt[ST_COUNTS];
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t cnt = sqlite3_column_int64(s, 1);
        uint64_t v = cnt > 0 ? (uint64_t)cnt : 0;

        switch (sqlite3_column_int(s, 0)) {
        case RS_OB_PENDING:
            c->pending = v;
            break;
        case RS_OB_STORED:
            c->stored = v;
            break;
        case RS_OB_DUPLICATE:
            c->duplicate = v;
            break;
        case RS_OB_CONFLICT:
            c->conflict = v;
            break;
        case RS_OB_REJECTED:
            c->rejected = v;
            break;
        default:
            set_err(ob, "outbox row with an unknown state");
            rv = RS_EINTERNAL;
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        rv = db_fail(ob, "count records", rc);
out:
    stmt_done(s);
    return rv;
}

rs_status rs_outbox_list_failed(struct rs_outbox *ob,
                                int (*fn)(const char *id, const char *source,
                                          enum rs_outbox_state st, const char *field,
                                          const char *reason, void *arg),
                                void *arg)
{
    sqlite3_stmt *s;
    rs_status rv = RS_OK;
    int rc;

    if (!ob || !fn)
        return RS_EINVAL;
    s = ob->stmt[ST_FAILED];
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int st = sqlite3_column_int(s, 2);

        if (fn((const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
               st == RS_OB_CONFLICT ? RS_OB_CONFLICT : RS_OB_REJECTED,
               (const char *)sqlite3_column_text(s, 3), (const char *)sqlite3_column_text(s, 4),
               arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        rv = db_fail(ob, "list failed records", rc);
    stmt_done(s);
    return rv;
}

rs_status rs_outbox_list(struct rs_outbox *ob, int state, uint32_t max,
                         int (*fn)(const struct rs_outbox_entry *e, void *arg), void *arg)
{
    sqlite3_stmt *s;
    rs_status rv = RS_OK;
    int rc;

    if (!ob || !fn || state < -1 || state > RS_OB_REJECTED)
        return RS_EINVAL;
    s = ob->stmt[ST_LIST];
    rc = sqlite3_bind_int(s, 1, state);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 2, max);
    if (rc != SQLITE_OK) {
        rv = db_fail(ob, "list records", rc);
        goto out;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct rs_outbox_entry e = {
            .id = (const char *)sqlite3_column_text(s, 0),
            .nkey = (const char *)sqlite3_column_text(s, 1),
            .type = sqlite3_column_int(s, 2),
            .source = (const char *)sqlite3_column_text(s, 3),
            .state = (enum rs_outbox_state)sqlite3_column_int(s, 4),
            .field = (const char *)sqlite3_column_text(s, 5),
            .reason = (const char *)sqlite3_column_text(s, 6),
            .created_at = sqlite3_column_int64(s, 7),
        };

        if (fn(&e, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        rv = db_fail(ob, "list records", rc);
out:
    stmt_done(s);
    return rv;
}

rs_status rs_outbox_source(struct rs_outbox *ob, const char *id, char *out, size_t cap,
                           bool *found)
{
    sqlite3_stmt *s;
    rs_status rv = RS_OK;
    int rc;

    if (!ob || !id || !out || cap == 0 || !found)
        return RS_EINVAL;
    *found = false;
    out[0] = '\0';
    s = ob->stmt[ST_SOURCE];
    rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);

        *found = true;
        snprintf(out, cap, "%s", t ? (const char *)t : "");
    } else if (rc != SQLITE_DONE) {
        rv = db_fail(ob, "read a record's source", rc);
    }
    stmt_done(s);
    return rv;
}

rs_status rs_outbox_last_receipt(struct rs_outbox *ob, struct rs_outbox_receipt *out,
                                 bool *found)
{
    sqlite3_stmt *s;
    rs_status rv = RS_OK;
    int rc;

    if (!ob || !out || !found)
        return RS_EINVAL;
    *found = false;
    memset(out, 0, sizeof(*out));
    s = ob->stmt[ST_LAST_RECEIPT];
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);

        if (seq > 0 && sqlite3_column_bytes(s, 1) == (int)sizeof(out->hash)) {
            out->seq = (uint64_t)seq;
            memcpy(out->hash, sqlite3_column_blob(s, 1), sizeof(out->hash));
            *found = true;
        }
    } else if (rc != SQLITE_DONE) {
        rv = db_fail(ob, "read receipts", rc);
    }
    stmt_done(s);
    return rv;
}

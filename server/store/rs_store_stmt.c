/*
 * rs_store_stmt.c - the store's prepared statements and the plumbing every
 * other file of the store uses around them: stepping, transactions, and
 * the driver's failure codes (rs_store_st.h, SQLite's primary codes) as an
 * rs_status and a message.
 *
 * Every statement the store runs more than once is prepared when the store
 * opens and reset right after each use, so no statement stays active
 * between calls and rs_store_close can always close the connection.
 *
 * Does not: open or migrate the database (rs_store_open.c), or decide what
 * any statement's rows mean (the file that runs it does).
 */
#include "rs_store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char rs_store_sql_record_insert[] =
    "INSERT INTO records(record_id, supersedes, office_code, division_code,"
    " type, year, period, hash, body, batch, received_at)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    " ON CONFLICT(record_id) DO NOTHING";

const char rs_store_sql_record_scan[] =
    "SELECT body FROM records"
    " WHERE year = ?1 AND superseded_by IS NULL"
    " AND (?2 IS NULL OR division_code = ?2) ORDER BY seq";

/*
 * The listing for review (rs_store_browse.c): a year's current records
 * whose division starts with ?2 and whose type is in the list ?3
 * (",20,21,"), in review state ?4 (0 any, else a ReviewState: 1 pending
 * means no review row).  The newest review row of a record is the one with
 * the largest seq.
 */
#define BROWSE_FROM                                                                        \
    " FROM records r LEFT JOIN batches b ON b.id = r.batch"                                \
    " LEFT JOIN reviews v ON v.seq = (SELECT max(w.seq) FROM reviews w"                    \
    "                                 WHERE w.record_id = r.record_id)"                    \
    " LEFT JOIN offices o ON o.code = v.reviewer"
#define BROWSE_WHERE                                                                       \
    " WHERE r.year = ?1 AND r.superseded_by IS NULL"                                       \
    " AND substr(r.division_code, 1, length(?2)) = ?2"                                     \
    " AND instr(?3, ',' || r.type || ',') > 0"                                             \
    " AND CASE ?4 WHEN 0 THEN 1 WHEN 1 THEN v.action IS NULL"                              \
    "     WHEN 2 THEN coalesce(v.action = 1, 0) ELSE coalesce(v.action = 2, 0) END"
#define BROWSE_COLS                                                                        \
    "SELECT r.record_id, r.superseded_by, r.type, r.division_code, r.year, r.period,"      \
    " r.received_at, b.batch_id, v.action, v.comment, v.reviewer, o.name, v.at, r.body,"   \
    " r.supersedes"

static const char *const stmt_sql[ST_N] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_BATCH_INSERT] = "INSERT INTO batches(batch_id, office_code, received_at, n_records)"
                        " VALUES(?1, ?2, ?3, ?4)",
    [ST_BATCH_LINK] = "UPDATE batches SET audit_seq = ?1 WHERE id = ?2",
    [ST_REC_INSERT] = rs_store_sql_record_insert,
    [ST_REC_GET] = "SELECT seq, hash FROM records WHERE record_id = ?1",
    [ST_REC_TARGET] = "SELECT type, division_code, superseded_by FROM records"
                      " WHERE record_id = ?1",
    [ST_REC_NEXT] = "SELECT superseded_by FROM records WHERE record_id = ?1",
    [ST_REC_MARK] = "UPDATE records SET superseded_by = ?1"
                    " WHERE record_id = ?2 AND superseded_by IS NULL",
    [ST_REC_SCAN] = rs_store_sql_record_scan,
    [ST_OFFICE_ADD] = "INSERT INTO offices(code, name, role, token_hash, revoked, created_at)"
                      " VALUES(?1, ?2, ?3, ?4, 0, ?5) ON CONFLICT(code) DO NOTHING",
    [ST_OFFICE_GET] = "SELECT name, role, token_hash, revoked, created_at FROM offices"
                      " WHERE code = ?1",
    [ST_OFFICE_REVOKE] = "UPDATE offices SET revoked = 1 WHERE code = ?1",
    [ST_OFFICE_TOKEN] = "UPDATE offices SET token_hash = ?2, revoked = 0 WHERE code = ?1",
    [ST_OFFICE_LIST] = "SELECT code, name, role, revoked, created_at FROM offices ORDER BY code",
    [ST_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
    [ST_AUDIT_INSERT] = "INSERT INTO audit(seq, time, kind, office, peer, detail, prev_hash, hash)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_AUDIT_SCAN] = "SELECT seq, time, kind, office, peer, detail, prev_hash, hash FROM audit"
                      " ORDER BY seq",
    [ST_SCAN_REPORT] = "SELECT body FROM records"
                       " WHERE year = ?1 AND superseded_by IS NULL"
                       " AND (?2 IS NULL OR division_code = ?2) AND type <> ?3 ORDER BY seq",
    [ST_SCAN_ACCEPTED] = "SELECT r.body, r.type, (SELECT v.action FROM reviews v"
                         "   WHERE v.record_id = r.record_id ORDER BY v.seq DESC LIMIT 1)"
                         " FROM records r WHERE r.year = ?1 AND r.superseded_by IS NULL"
                         " AND (?2 IS NULL OR r.division_code = ?2) AND r.type <> ?3"
                         " ORDER BY r.seq",
    [ST_RETURNS_GROUPS] = "SELECT division_code, type, period, min(received_at),"
                          " max(superseded_by IS NULL) FROM records"
                          " WHERE year = ?1 AND type <> ?2 GROUP BY division_code, type, period"
                          " ORDER BY division_code, type, period",
    [ST_RETURNS_NIL] = "SELECT division_code, period, received_at, superseded_by IS NULL, body"
                       " FROM records WHERE year = ?1 AND type = ?2 ORDER BY seq",
    [ST_SCHED_DELETE] = "DELETE FROM schedules WHERE year = ?1",
    [ST_SCHED_INSERT] = "INSERT INTO schedules(year, line, type, period_kind, deadline_days,"
                        " townships, source_line) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_SCHED_WHO_SET] = "INSERT INTO schedule_sets(year, set_at, set_by, lines)"
                         " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(year) DO UPDATE SET"
                         " set_at = excluded.set_at, set_by = excluded.set_by,"
                         " lines = excluded.lines",
    [ST_SCHED_GET] = "SELECT type, period_kind, deadline_days, townships, source_line"
                     " FROM schedules WHERE year = ?1 ORDER BY line",
    [ST_SCHED_WHO] = "SELECT set_at, set_by FROM schedule_sets WHERE year = ?1",
    [ST_YEAR_LAST_ISSUE] = "SELECT i.issue, i.closed_at, i.closed_by, o.name"
                           " FROM year_issues i LEFT JOIN offices o ON o.code = i.closed_by"
                           " WHERE i.year = ?1 ORDER BY i.issue DESC LIMIT 1",
    [ST_YEAR_EXCEPTION_OPEN] = "SELECT max(until) FROM year_exceptions"
                               " WHERE year = ?1 AND ended_issue IS NULL AND until >= ?3"
                               " AND substr(?2, 1, length(division)) = division",
    [ST_REVIEW_TARGET] = "SELECT type, division_code, year, superseded_by FROM records"
                         " WHERE record_id = ?1",
    [ST_REVIEW_BATCH] = "SELECT r.record_id, r.type, r.division_code, r.year, r.superseded_by"
                        " FROM records r JOIN batches b ON r.batch = b.id"
                        " WHERE b.batch_id = ?1 ORDER BY r.seq",
    [ST_REVIEW_INSERT] = "INSERT INTO reviews(record_id, action, comment, reviewer, at)"
                         " VALUES(?1, ?2, ?3, ?4, ?5)",
    [ST_REVIEW_LIST] = "SELECT v.record_id, r.type, r.division_code, r.year, r.period, v.action,"
                       " v.comment, v.reviewer, o.name, v.at, r.body"
                       " FROM reviews v JOIN records r ON r.record_id = v.record_id"
                       " LEFT JOIN offices o ON o.code = v.reviewer"
                       " WHERE v.seq = (SELECT max(w.seq) FROM reviews w"
                       "                WHERE w.record_id = v.record_id)"
                       " AND r.superseded_by IS NULL AND (?1 = 0 OR r.year = ?1)"
                       " AND CASE WHEN ?3 THEN r.division_code = ?2"
                       "     ELSE substr(r.division_code, 1, length(?2)) = ?2 END"
                       " AND (?4 = 0 OR v.action = 2) ORDER BY v.seq",
    [ST_BROWSE_COUNT] = "SELECT count(*)" BROWSE_FROM BROWSE_WHERE,
    [ST_BROWSE_LIST] = BROWSE_COLS BROWSE_FROM BROWSE_WHERE
                       " ORDER BY r.division_code, r.type, r.seq LIMIT ?5 OFFSET ?6",
    /* Every version of record ?1: back through supersedes, on through
     * superseded_by (each step an indexed lookup; ?2 bounds the walk). */
    [ST_BROWSE_CHAIN] = "WITH RECURSIVE"
                        " back(id, d) AS (SELECT ?1, 0 UNION ALL SELECT x.supersedes, back.d + 1"
                        "   FROM records x JOIN back ON x.record_id = back.id"
                        "   WHERE x.supersedes IS NOT NULL AND back.d < ?2),"
                        " fwd(id, d) AS (SELECT ?1, 0 UNION ALL SELECT x.superseded_by, fwd.d + 1"
                        "   FROM records x JOIN fwd ON x.record_id = fwd.id"
                        "   WHERE x.superseded_by IS NOT NULL AND fwd.d < ?2),"
                        " chain(id) AS (SELECT id FROM back UNION SELECT id FROM fwd)"
                        " " BROWSE_COLS BROWSE_FROM
                        " WHERE r.record_id IN (SELECT id FROM chain) ORDER BY r.seq",
    [ST_BROWSE_PREV] = "SELECT supersedes FROM records WHERE record_id = ?1",
    [ST_YEAR_ISSUES] = "SELECT i.issue, i.closed_at, i.closed_by, o.name, i.framework_name,"
                       " i.framework_hash, i.record_count, i.reason FROM year_issues i"
                       " LEFT JOIN offices o ON o.code = i.closed_by WHERE i.year = ?1"
                       " ORDER BY i.issue",
    [ST_YEAR_EXCEPTIONS] = "SELECT e.division, o.name, e.until, e.reason, e.granted_by,"
                           " e.granted_at, e.ended_issue FROM year_exceptions e"
                           " LEFT JOIN offices o ON o.code = e.division WHERE e.year = ?1"
                           " ORDER BY e.seq",
    [ST_YEAR_ISSUE_INSERT] = "INSERT INTO year_issues(year, issue, closed_at, closed_by,"
                             " framework_name, framework_hash, record_count, reason)"
                             " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_YEAR_REPORT_INSERT] = "INSERT INTO year_reports(year, issue, format, body, sha256)"
                              " VALUES(?1, ?2, ?3, ?4, ?5)",
    [ST_YEAR_EXC_END] = "UPDATE year_exceptions SET ended_issue = ?2"
                        " WHERE year = ?1 AND ended_issue IS NULL",
    [ST_YEAR_EXC_INSERT] = "INSERT INTO year_exceptions(year, division, until, reason,"
                           " granted_by, granted_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    /* The records an issue's report is made of: not the nil returns (?2),
     * which say there is nothing and count on the completeness board. */
    [ST_YEAR_COUNT] = "SELECT count(*) FROM records WHERE year = ?1 AND superseded_by IS NULL"
                      " AND type <> ?2",
    [ST_YEAR_REPORT_GET] = "SELECT body FROM year_reports"
                           " WHERE year = ?1 AND issue = ?2 AND format = ?3",
    [ST_LOCKS_YEARS] = "SELECT i.year, i.issue, i.closed_at, i.closed_by, o.name"
                       " FROM year_issues i LEFT JOIN offices o ON o.code = i.closed_by"
                       " WHERE i.issue = (SELECT max(j.issue) FROM year_issues j"
                       "                  WHERE j.year = i.year) ORDER BY i.year",
    [ST_LOCKS_EXC] = "SELECT year, division FROM year_exceptions"
                     " WHERE ended_issue IS NULL AND until >= ?1",
    [ST_LOCK_ID_EXISTS] = "SELECT 1 FROM records WHERE record_id = ?1",
};

void rs_store_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void rs_store_clear_err(char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
}

void rs_store_copy_text(char *dst, size_t cap, const unsigned char *src, int n)
{
    size_t len = (src && n > 0) ? (size_t)n : 0;

    if (len >= cap)
        len = cap - 1;
    if (len > 0)
        memcpy(dst, src, len);
    dst[len] = '\0';
}

rs_status rs_store_map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
        return RS_ESTORAGE;
    case SQLITE_NOTADB:
        return RS_ESCHEMA;
    default:
        return RS_EIO;
    }
}

rs_status rs_store_db_fail(struct rs_store *s, int rc, const char *what)
{
    snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, rs_st_errmsg(s));
    return rs_store_map_rc(rc);
}

int rs_store_stmts_prepare(struct rs_store *s)
{
    int rc = SQLITE_OK;

    if (s->pg) {
        for (int i = 0; i < ST_N && rc == SQLITE_OK; i++) {
            const struct rs_store_pg_stmt *p = &rs_store_pg_stmts[i];

            rc = rs_pg_st_new(s->pg, p->sql ? p->sql : stmt_sql[i], p->flags, &s->stmt[i].pg);
            if (rc == SQLITE_OK)
                rc = rs_pg_st_prepare_now(s->stmt[i].pg);
        }
        if (rc == SQLITE_OK)
            rc = rs_pg_st_new(s->pg, rs_store_pg_put_many_sql, 0, &s->put_many);
        if (rc == SQLITE_OK)
            rc = rs_pg_st_prepare_now(s->put_many);
        return rc;
    }
    for (int i = 0; i < ST_N && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i].lite,
                                NULL);
    return rc;
}

rs_status rs_store_run_done(struct rs_store *s, enum stmt_id id, const char *what)
{
    rs_status rv = RS_OK;
    int rc = rs_st_step(&s->stmt[id]);

    if (rc != SQLITE_DONE)
        rv = rs_store_db_fail(s, rc, what);
    rs_st_reset(&s->stmt[id]);
    return rv;
}

/* A BEGIN that fails leaves no transaction behind: on PostgreSQL its
 * "BEGIN; SELECT pg_advisory_xact_lock(...)" can fail after the BEGIN (the
 * lock not had within lock_timeout), and the aborted transaction it leaves
 * would refuse every later statement of the connection. */
rs_status rs_store_begin(struct rs_store *s)
{
    rs_status rv;

    s->head_valid = false;
    rv = rs_store_run_done(s, ST_BEGIN, s->pg ? "BEGIN and the write lock" : "BEGIN IMMEDIATE");
    if (rv)
        rs_store_rollback(s);
    return rv;
}

void rs_store_rollback(struct rs_store *s)
{
    for (int i = 0; i < ST_N; i++)
        if (s->stmt[i].lite)
            rs_st_reset(&s->stmt[i]);
    if (rs_st_in_tx(s))
        (void)rs_st_step(&s->stmt[ST_ROLLBACK]);
    rs_st_reset(&s->stmt[ST_ROLLBACK]);
}

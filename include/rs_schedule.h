/*
 * rs_schedule.h - the returns a central office expects in a year: which
 * township record types, for which periods, by when, and from whom.
 *
 * A schedule is a list of lines.  Each names a township record type (the
 * wire enum RecordType), a period kind (quarter: q1..q4; half: h1, h2;
 * year: year), a deadline in days after each period ends, and the
 * townships it applies to (none listed: every township office).  A
 * township is expected at most once per record type.
 *
 * Both ends read one: the server from a CSV file a clerk edits
 * (`resettled schedule set`) or from a ScheduleSet a central office sent,
 * the client from the same CSV file (`resettle schedule set`).  The CSV
 * file has a header and one line per schedule line:
 *
 *   type          record type: English name, Chinese label or alias
 *                 (类型, 报表类型, 记录类型)
 *   period        quarter | half | year (周期, 报送周期; 季度, 半年, 年度)
 *   deadline_days days after the period ends, 0..RS_SCHED_MAX_DEADLINE_DAYS
 *                 (截止天数, 报送期限)
 *   townships     optional: all (全部, or empty), or division codes
 *                 separated by spaces, commas, ';', '、' or '|' (乡镇,
 *                 适用乡镇, 报送单位)
 *
 * The whole file is refused at the first bad line, with "name:line:
 * reason": an unknown or non-township type, an unknown period kind, an
 * impossible deadline, a bad or repeated township code, or a township
 * expected twice for one type (a duplicate line).
 *
 * Dates are YYYYMMDD.  A period ends on its last calendar day; the
 * deadline is that day plus deadline_days; a return is on time when it was
 * stored on or before the deadline, in China Standard Time (rs_date_cst).
 *
 * Ownership: a struct rs_schedule owns its lines and their township codes
 * (rs_schedule_free).  Everything here is pure and may run on any thread.
 *
 * Does not: read files (callers pass the bytes), store a schedule
 * (rs_store.h), or decide who has reported (server/year/).
 */
#ifndef RS_SCHEDULE_H
#define RS_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_status.h"

#define RS_SCHED_MAX_LINES 200           /* lines of one year's schedule */
#define RS_SCHED_MAX_TOWNSHIPS 1024      /* township codes on one line */
#define RS_SCHED_MAX_DEADLINE_DAYS 366
#define RS_SCHED_CODE_MAX 12             /* bytes of a township code */

struct rs_sched_line {
    Rs__RecordType type;                 /* a township type (not unspecified) */
    Rs__PeriodKind kind;
    uint32_t deadline_days;
    char (*townships)[RS_SCHED_CODE_MAX + 1];  /* malloc'd, in the order given */
    size_t ntownships;                   /* 0: every township office */
    uint32_t line;                       /* the CSV line, or the entry's 1-based number */
};

struct rs_schedule {
    uint32_t year;
    struct rs_sched_line *lines;         /* malloc'd */
    size_t n;
};

/*
 * Parses a schedule CSV (UTF-8, UTF-8 with BOM or GB18030; rs_csv.h) for
 * `year` into *out.  name is the file's name for messages.  RS_OK, or
 * RS_EINVAL / RS_EENCODING / RS_ETOOBIG with err "name:line: reason" (line
 * 1 for the header) and *out empty; RS_ENOMEM.  A file with a header and
 * no line is an empty schedule.  The result has passed rs_schedule_check.
 */
RS_NODISCARD rs_status rs_schedule_parse_csv(const char *name, const void *data, size_t len,
                                             uint32_t year, struct rs_schedule *out, char *err,
                                             size_t errlen);

/*
 * Checks s as the header describes: year 2000..2100, at most
 * RS_SCHED_MAX_LINES lines, each of a known RecordType and PeriodKind, a
 * deadline within 0..RS_SCHED_MAX_DEADLINE_DAYS, at most
 * RS_SCHED_MAX_TOWNSHIPS codes of 9 or 12 digits, none twice; no township
 * on two lines of one type (and a line for every township excludes any
 * other of its type).  RS_OK, or RS_EINVAL (RS_ETOOBIG past a cap) with
 * err "name:line: reason" (just "line N: reason" when name is NULL).
 */
RS_NODISCARD rs_status rs_schedule_check(const struct rs_schedule *s, const char *name, char *err,
                                         size_t errlen);

/*
 * Copies a ScheduleSet (year and entries) into *out, numbering the lines
 * 1, 2, ... in entry order, and checks it (rs_schedule_check with name
 * "entry").  Statuses as rs_schedule_check, RS_ENOMEM; *out is empty on
 * failure.
 */
RS_NODISCARD rs_status rs_schedule_from_wire(const Rs__ScheduleSet *m, struct rs_schedule *out,
                                             char *err, size_t errlen);

/*
 * The wire form of s: entries[0..n) and the pointer array ptrs, whose
 * township strings point into s (which must outlive it).  Free with
 * rs_schedule_wire_free.
 */
struct rs_schedule_wire {
    Rs__ScheduleEntry *entries;
    Rs__ScheduleEntry **ptrs;
    char **towns;                        /* one block: every entry's township pointers */
    size_t n;
};

/* Fills w from s.  RS_OK or RS_ENOMEM (w is then empty). */
RS_NODISCARD rs_status rs_schedule_to_wire(const struct rs_schedule *s,
                                           struct rs_schedule_wire *w);

/* Frees what rs_schedule_to_wire allocated; w may be zeroed. */
void rs_schedule_wire_free(struct rs_schedule_wire *w);

/*
 * Writes s as a schedule CSV that rs_schedule_parse_csv reads back to the
 * same schedule: the header "type,period,deadline_days,townships", then one
 * line per schedule line (English names, "all" or the codes separated by
 * spaces).  On RS_OK *out is malloc'd, NUL-terminated; RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_schedule_format_csv(const struct rs_schedule *s, char **out);

/*
 * The same in the Chinese names a clerk writes, which rs_schedule_parse_csv
 * reads back to the same schedule: "类型,周期,截止天数,乡镇", then 救助,年度,30,全部
 * and so on.  What `resettle schedule show` prints; the English form stays
 * the canonical one (the audit trail hashes it).
 */
RS_NODISCARD rs_status rs_schedule_format_csv_zh(const struct rs_schedule *s, char **out);

/* Frees the lines of s and empties it; s may be zeroed already. */
void rs_schedule_free(struct rs_schedule *s);

/* True if line l expects a return from township `code`. */
bool rs_sched_line_covers(const struct rs_sched_line *l, const char *code);

/* The periods of kind k, in order, into out; their number (0 for a kind
 * that is not one of the three). */
size_t rs_period_kind_periods(Rs__PeriodKind k, Rs__Period out[4]);

/* The English name of a period kind: "quarter", "half", "year"; "" if none. */
const char *rs_period_kind_name(Rs__PeriodKind k);

/* The last day (YYYYMMDD) of period p of year: q1 20230331 ... year
 * 20231231; 0 for PERIOD_UNSPECIFIED or an unknown value. */
uint32_t rs_period_last_day(uint32_t year, Rs__Period p);

/* The deadline (YYYYMMDD) of period p of year under a line of
 * deadline_days; 0 if p has no last day. */
uint32_t rs_period_deadline(uint32_t year, Rs__Period p, uint32_t deadline_days);

#endif

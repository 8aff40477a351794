/*
 * rs_compl.h - the completeness board: which township has reported what the
 * schedule expects, on time or late, and the reporting and timeliness rates.
 *
 * Pure: a schedule (rs_schedule.h), the township offices, what the store
 * says each division has stored (facts) and the time of the board go in; a
 * board comes out.  No SQLite, no clock, no I/O; any thread.
 *
 * The rules (docs/year.md states them for readers):
 *   - A cell is one township, one schedule line (a record type) and one
 *     period of the line's kind; its deadline is the period's last day plus
 *     the line's deadline_days (rs_period_deadline).
 *   - The township has reported the cell when a division whose code starts
 *     with the township's has a current record of that type and period, or
 *     a current nil return naming that type for that period (records count
 *     before a nil return).  Its time is the earliest time any version of
 *     those records (or of the nil return) was stored, so correcting a
 *     record does not make an on-time return late.
 *   - Reported on or before the deadline (China Standard Time dates) is on
 *     time; after it, late by the days between.  Not reported: missing once
 *     the deadline has passed on the board's date, else not due yet.
 *   - The board is of one moment: a fact stored after it is left out.
 *   - Expected returns are the cells that are due (deadline passed) or
 *     reported already.  Reporting rate = reported / expected; timeliness
 *     rate = reported on time / expected (DHIS2's reporting rate and
 *     reporting rate on time).  A nil return counts as reported.
 *
 * Ownership: a board owns everything it points to (rs_compl_board_free).
 *
 * Does not: read the store (the caller gathers the facts), render the board
 * (server/report/), or decide who may see it.
 */
#ifndef RS_COMPL_H
#define RS_COMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_rtype.h"
#include "rs_schedule.h"
#include "rs_status.h"

#define RS_COMPL_MAX_TOWNS 4096
#define RS_COMPL_MAX_CELLS 200000        /* townships x lines x periods */
#define RS_COMPL_CODE_MAX 15
#define RS_COMPL_NAME_MAX 127

/* A township office the board may expect returns from. */
struct rs_compl_town {
    char code[RS_COMPL_CODE_MAX + 1];
    char name[RS_COMPL_NAME_MAX + 1];
};

/* What the store has of one division, type and period. */
struct rs_compl_fact {
    char division[RS_COMPL_CODE_MAX + 1];
    rs_rtype type;               /* the record type; for a nil return, the type it names */
    Rs__Period period;
    bool nil;                    /* a nil return */
    bool current;                /* some version is current */
    int64_t first_at;            /* unix seconds: the earliest version stored */
};

enum rs_compl_state {
    RS_COMPL_ON_TIME,
    RS_COMPL_LATE,
    RS_COMPL_NIL_ON_TIME,        /* a nil return, on time */
    RS_COMPL_NIL_LATE,
    RS_COMPL_MISSING,            /* due and not reported */
    RS_COMPL_NOT_DUE             /* not reported, deadline not passed */
};

struct rs_compl_cell {
    size_t town;                 /* index into towns */
    size_t line;                 /* index into the schedule's lines */
    Rs__Period period;
    uint32_t deadline;           /* YYYYMMDD */
    enum rs_compl_state state;
    uint32_t reported_on;        /* YYYYMMDD (CST) of first_at; 0 if not reported */
    int64_t first_at;
    uint32_t days_late;          /* LATE, NIL_LATE */
};

/* Counts of one township, or of all. */
struct rs_compl_rate {
    uint32_t expected;           /* due or reported */
    uint32_t reported;           /* records or a nil return */
    uint32_t on_time;
    uint32_t missing;
    uint32_t late;
    uint32_t nil;
};

struct rs_compl_board {
    uint32_t year;
    uint32_t as_of;              /* YYYYMMDD (CST): the board's date */
    int64_t now;                 /* the board's moment: facts stored later are left out */
    Rs__Period period;           /* only this period; UNSPECIFIED: every period */
    struct rs_schedule sched;    /* a copy of the schedule's lines */
    struct rs_compl_town *towns; /* every township a line expects, by code */
    size_t ntowns;
    struct rs_compl_rate *rates; /* one per township */
    struct rs_compl_rate total;
    struct rs_compl_cell *cells; /* by township, then line, then period */
    size_t ncells;
};

/*
 * Builds the board of sched for the townships towns[0..ntowns) (each line
 * without a list expects all of them; a line's listed code missing from
 * towns is expected too, named by its code) from facts[0..nfacts), as of
 * now (unix seconds).  period: only cells of that period (UNSPECIFIED:
 * all).  only: if not NULL, only that township (others are left out of the
 * board).  On RS_OK *out is the caller's (rs_compl_board_free).  RS_ENOMEM;
 * RS_ETOOBIG past RS_COMPL_MAX_TOWNS or RS_COMPL_MAX_CELLS.
 */
RS_NODISCARD rs_status rs_compl_build(const struct rs_schedule *sched,
                                      const struct rs_compl_town *towns, size_t ntowns,
                                      const struct rs_compl_fact *facts, size_t nfacts,
                                      int64_t now, Rs__Period period, const char *only,
                                      struct rs_compl_board **out);

void rs_compl_board_free(struct rs_compl_board *b);

/* The record type of a board line (the body case). */
rs_rtype rs_compl_line_type(const struct rs_compl_board *b, size_t line);

/* "on_time", "late", "nil_on_time", "nil_late", "missing", "not_due". */
const char *rs_compl_state_name(enum rs_compl_state s);

/* True for the states that count as reported. */
bool rs_compl_reported(enum rs_compl_state s);

#endif

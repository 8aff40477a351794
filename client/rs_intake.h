/*
 * rs_intake.h - one file of a township's records into the outbox.
 *
 * The pipeline `resettle submit` runs for each file, for any caller that
 * has a file or its bytes (the command line, a console): the bytes are a
 * CSV file (UTF-8, UTF-8 with BOM or GB18030) or an Excel workbook (.xlsx:
 * it starts as a zip does, or its name says .xlsx); each row is mapped to
 * a record and validated (rs_rowmap.h), and the valid rows are added to
 * the outbox in one transaction of their own.  A workbook's visible sheets
 * whose header row is a record type are read (or the one opts->sheet
 * names), a template's sheet as the type its hidden sheet names, and its
 * hint row is skipped.
 *
 * What happened is a struct rs_intake_result: every problem (an invalid
 * row, a cell that cannot be read, a sheet or file that cannot be read) in
 * the order it was met, with its file, sheet, row, column and reason; each
 * sheet read or passed over; and the counts of what was queued.  Nothing
 * is printed: `resettle submit` prints the result (client/cmd_submit.c).
 * Every reason is in Chinese, for the clerk who fixes the file.  A problem
 * reads, as the command prints it,
 *
 *   file[:sheet][:row]: [column: ][单元格 REF: ]reason
 *
 * Ownership: the result owns every string in it; the caller passes a
 * struct to fill (its old contents are not read) and frees it with
 * rs_intake_result_free whatever the call returned.  opts and what it
 * points to are only read during the call.
 *
 * Threading: the outbox's rule (one thread at a time per struct
 * rs_outbox); nothing else is shared.
 *
 * Does not: open the outbox, send anything (rs_session.h), parse CSV
 * (rs_csv.h) or workbooks (rs_xlsx.h), map columns (rs_rowmap.h), or read
 * the district key (the caller passes its bytes).
 */
#ifndef RS_INTAKE_H
#define RS_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_outbox.h"
#include "rs_rowmap.h"
#include "rs_rtype.h"
#include "rs_status.h"

/* At most this many problems are kept per file; the rest are only counted. */
#define RS_INTAKE_MAX_PROBLEMS 10000u

/* How the rows of a file are read. */
struct rs_intake_opts {
    rs_rtype type;                   /* NOT_SET: each header says its type */
    const char *division_code;       /* the office's code, for rows without one; may be NULL */
    uint32_t year;                   /* 0: the file must have a year column */
    Rs__Period period;               /* 0: a period column, else the whole year */
    enum rs_money_unit money_unit;   /* money columns whose header gives no unit */
    const char *sheet;               /* a workbook: only this sheet; NULL: every record sheet */
    const uint8_t *district_key;     /* RS_DISTRICT_KEY_LEN bytes, or NULL (no keyed hashing) */
    const char *outbox_name;         /* how a message names the outbox; may be NULL */
};

/* One problem: a row or cell left out, or why a sheet or the file was not read. */
struct rs_intake_problem {
    char *sheet;        /* the workbook sheet; NULL for CSV or the whole file */
    uint32_t row;       /* CSV line or Excel row; 0 when the problem is not a row's */
    char *column;       /* the column's header (or field); NULL when no column is named */
    char cell[16];      /* the workbook cell that cannot be read ("C7"), else "" */
    char *reason;       /* never NULL */
};

enum rs_intake_sheet_state {
    RS_INTAKE_SHEET_READ,      /* its rows were read: type, rows and invalid say how */
    RS_INTAKE_SHEET_SKIPPED,   /* not a sheet of records, passed over: skip_reason says why */
    RS_INTAKE_SHEET_EMPTY,     /* no rows at all, passed over */
    RS_INTAKE_SHEET_FAILED     /* asked for or a template's, and not readable: see problems */
};

/*
 * One visible sheet of a workbook (or the one opts->sheet names) and what
 * became of it; hidden sheets and the template's own sheet are not listed.
 */
struct rs_intake_sheet {
    char *name;
    enum rs_intake_sheet_state state;
    rs_rtype type;                   /* READ: its record type */
    unsigned rows;                   /* READ: valid rows (queued or unchanged) */
    unsigned invalid;                /* READ: rows and cells left out */
    char *skip_reason;               /* SKIPPED: why its header is no record type */
    size_t problems_before;          /* problems[0..problems_before) came before its outcome */
};

struct rs_intake_result {
    char *file;                      /* the name the file was given as */
    bool is_workbook;
    bool queued;                     /* the transaction was committed */
    rs_rtype type;                   /* CSV: the file's record type */
    unsigned added;                  /* new records */
    unsigned versions;               /* changed records: new versions */
    unsigned unchanged;              /* already queued with this content */
    unsigned invalid;                /* rows and cells left out, and sheets that failed */
    struct rs_intake_problem *problems;
    size_t nproblems;
    size_t problems_omitted;         /* past RS_INTAKE_MAX_PROBLEMS, or no memory to keep */
    struct rs_intake_sheet *sheets;
    size_t nsheets;
};

/*
 * Reads the file at path whole, at most RS_CSV_MAX_BYTES.  RS_OK with
 * *out (the caller frees it) and *len; RS_EIO, RS_ETOOBIG or RS_ENOMEM
 * with err saying why (without the path).
 */
RS_NODISCARD rs_status rs_intake_read_file(const char *path, char **out, size_t *len, char *err,
                                           size_t errlen);

/*
 * Queues the valid rows of data[0..len), named name (in messages and in
 * each record's source, "name:line" or "name:sheet:row"), into ob in one
 * transaction.  RS_OK: the transaction was committed (res->problems may
 * list rows left out; res->nproblems == 0 and res->problems_omitted == 0
 * mean every row was queued).  Otherwise nothing was queued and
 * res->problems say why: RS_EINVAL (the file or a row refuses the whole
 * file: a header, an unknown money unit), RS_EIO or another outbox status
 * (the outbox failed), RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_intake_buffer(struct rs_outbox *ob, const char *name, const char *data,
                                        size_t len, const struct rs_intake_opts *opts,
                                        struct rs_intake_result *res);

/* rs_intake_read_file, then rs_intake_buffer; a file that cannot be read is a problem. */
RS_NODISCARD rs_status rs_intake_file(struct rs_outbox *ob, const char *path,
                                      const struct rs_intake_opts *opts,
                                      struct rs_intake_result *res);

/* Frees what res holds and zeroes it; NULL and a zeroed struct are fine. */
void rs_intake_result_free(struct rs_intake_result *res);

#endif

/*
 * rs_records.h - listing township records for review over a session
 * (RecordsRequest, proto/README.md "Listing records"), and writing a
 * listing as a clerk reads it (Chinese text) or as a program does (JSON).
 *
 * rs_records_fetch is the interface: one page of the listing, as the
 * server sent it.  rs_records_list pages through all of it and writes it,
 * for the command line.
 *
 * Threading: a session is used by one thread at a time; the writers touch
 * only their arguments.
 *
 * Does not: decide what an office may see (the server does), review a
 * record (ReviewRequest), or sign in (rs_session.h).
 */
#ifndef RS_RECORDS_H
#define RS_RECORDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "resettle.pb-c.h"
#include "rs_rtype.h"
#include "rs_session.h"
#include "rs_status.h"

#define RS_RECORDS_PAGE_MAX 500      /* the server's cap on RecordsRequest.limit */

/* What to list. */
struct rs_records_query {
    uint32_t year;               /* 2000..2100; may be 0 with record_id */
    const char *division;        /* NULL or "": the office's own scope */
    rs_rtype type;               /* a township type; RS__RECORD__BODY__NOT_SET: every one */
    Rs__ReviewState state;       /* RVS_UNSPECIFIED: any */
    const char *record_id;       /* NULL: the year's current records; else that record's
                                  * every stored version, oldest first */
    uint32_t offset;             /* items to skip */
    uint32_t limit;              /* 0: the server's default (100); at most RS_RECORDS_PAGE_MAX */
};

/*
 * Sends one RecordsRequest for q on s and waits for the reply.  On RS_OK
 * *out is the caller's (rs__records_reply__free_unpacked(*out, NULL)):
 * its items (each with the stored rs.Record, its version, batch, newest
 * review), total (over every page) and more (ask again from offset +
 * n_items).  An Error reply is its status with the server's words in err:
 * RS_EFORBIDDEN (outside the office's scope), RS_EINVAL (a bad year, type
 * or state, a unit-level record, no such record), RS_ETOOBIG (a limit over
 * 500, an id or division over its cap); a transport failure its status.
 * *out is NULL on failure.
 */
RS_NODISCARD
rs_status rs_records_fetch(struct rs_session *s, const struct rs_records_query *q,
                           Rs__RecordsReply **out, char *err, size_t errlen);

/*
 * Writes one item as a line of Chinese text: its label (or id), the type's
 * Chinese name, the division, the version, the review state and the
 * comment, and the record id.  With fields, the record's fields follow,
 * one a line, by their Chinese column names (money in 万元, dates as
 * YYYY-MM-DD, 未填 for a field not given).
 */
void rs_records_write_text(FILE *f, const Rs__RecordItem *it, bool fields);

/*
 * Writes one item as a JSON object: the item's values, and "fields" with
 * the record's fields by CSV column name (money in fen, key ending
 * "_fen"; quantities and scores in thousandths, "_milli"; enums by their
 * English names; dates as YYYYMMDD numbers; a field not given as null).
 */
void rs_records_write_json(FILE *f, const Rs__RecordItem *it);

/*
 * Fetches every page of q (q->offset, q->limit are ignored) and writes it
 * to f: json false, one text line per item (with its fields when
 * q->record_id is set) and a total line; json true, one JSON object
 * {"total": N, "items": [...]}.  Statuses as rs_records_fetch.
 */
RS_NODISCARD
rs_status rs_records_list(struct rs_session *s, const struct rs_records_query *q, bool json,
                          FILE *f, char *err, size_t errlen);

#endif

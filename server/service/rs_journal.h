/*
 * rs_journal.h - resettled's log lines sent to the systemd journal, with
 * their priority and the connection, peer and office as fields.
 *
 * Each line becomes one journal entry (sd_journal_sendv): MESSAGE is the
 * line as stderr would show it after the level ("conn=ID peer=ADDR
 * message"), PRIORITY the syslog level (debug 7, info 6, warn 4, error 3),
 * SYSLOG_IDENTIFIER=resettled, and CONN, PEER and OFFICE when the line has
 * them.  A line the journal does not take (its socket is gone) goes to
 * stderr in the one-line format instead (rs_log.h).
 *
 * Threads: the sink runs on whichever thread logs; sd_journal_sendv is
 * safe there.  rs_journal_setup is called once, before threads start.
 *
 * Does not: change the format on a terminal, or read the config file.
 */
#ifndef RS_JOURNAL_H
#define RS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "rs_log.h"

/* Where log lines go (the `log` key of the config file). */
enum rs_log_target {
    RS_LOG_TO_AUTO,             /* the journal when stderr is the journal's stream
                                 * (JOURNAL_STREAM names stderr's device and inode,
                                 * as systemd sets it), else stderr */
    RS_LOG_TO_STDERR,           /* the one-line format on stderr, always */
    RS_LOG_TO_JOURNAL           /* the journal (stderr for what it does not take) */
};

#define RS_JOURNAL_FIELDS 6     /* MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CONN, PEER, OFFICE */
#define RS_JOURNAL_BUF 1536     /* bytes for the fields of one line */

/*
 * True when lines should go to the journal for target t:
 * RS_LOG_TO_AUTO decides from journal_stream (the value of JOURNAL_STREAM,
 * "DEV:INODE", may be NULL) against the descriptor fd (stderr).
 */
bool rs_journal_wanted(enum rs_log_target t, const char *journal_stream, int fd);

/*
 * The journal fields of one line into iov (RS_JOURNAL_FIELDS entries),
 * their bytes in buf (RS_JOURNAL_BUF bytes); returns how many were filled.
 * Fields whose value is empty are left out; a value is cut so that all
 * fit.  Pure: any thread.
 */
size_t rs_journal_fields(enum rs_log_level lvl, uint64_t conn, const char *peer,
                         const char *office, const char *line, char *buf,
                         struct iovec iov[RS_JOURNAL_FIELDS]);

/*
 * Installs the journal sink (rs_log_set_sink) when rs_journal_wanted says
 * so for t and this process's stderr; returns whether it did.
 */
bool rs_journal_setup(enum rs_log_target t);

#endif

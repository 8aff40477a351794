/*
 * rs_journal.c - log lines to the systemd journal (see rs_journal.h).
 *
 * Does not: format the line itself (rs_log.c does), or fall back on its
 * own: a false return sends the line to stderr.
 */
#include "rs_journal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-journal.h>

bool rs_journal_wanted(enum rs_log_target t, const char *journal_stream, int fd)
{
    unsigned long long dev, ino;
    struct stat sb;
    int used = 0;

    if (t != RS_LOG_TO_AUTO)
        return t == RS_LOG_TO_JOURNAL;
    if (!journal_stream || sscanf(journal_stream, "%llu:%llu%n", &dev, &ino, &used) != 2 ||
        journal_stream[used] != '\0' || fstat(fd, &sb) != 0)
        return false;
    return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

/* Appends "NAME=value" (value cut to what is left) as one field. */
static size_t field(struct iovec *iov, size_t n, char *buf, size_t *used, const char *name,
                    const char *value)
{
    size_t left = RS_JOURNAL_BUF - *used;
    int k;

    if (!value || !value[0] || left < strlen(name) + 3)
        return n;
    k = snprintf(buf + *used, left, "%s=%s", name, value);
    if (k < 0)
        return n;
    if ((size_t)k >= left)
        k = (int)left - 1;
    iov[n].iov_base = buf + *used;
    iov[n].iov_len = (size_t)k;
    *used += (size_t)k + 1;
    return n + 1;
}

size_t rs_journal_fields(enum rs_log_level lvl, uint64_t conn, const char *peer,
                         const char *office, const char *line, char *buf,
                         struct iovec iov[RS_JOURNAL_FIELDS])
{
    static const char *const prio[] = {"7", "6", "4", "3"};
    char id[24];
    size_t n = 0, used = 0;

    /* The short fields first, so that a long message is what gets cut. */
    n = field(iov, n, buf, &used, "PRIORITY", prio[lvl <= RS_LOG_ERROR ? lvl : RS_LOG_ERROR]);
    n = field(iov, n, buf, &used, "SYSLOG_IDENTIFIER", "resettled");
    if (conn) {
        snprintf(id, sizeof(id), "%" PRIu64, conn);
        n = field(iov, n, buf, &used, "CONN", id);
    }
    n = field(iov, n, buf, &used, "PEER", peer);
    n = field(iov, n, buf, &used, "OFFICE", office);
    n = field(iov, n, buf, &used, "MESSAGE", line);
    return n;
}

static bool journal_sink(enum rs_log_level lvl, uint64_t conn, const char *peer,
                         const char *office, const char *line)
{
    char buf[RS_JOURNAL_BUF];
    struct iovec iov[RS_JOURNAL_FIELDS];
    size_t n = rs_journal_fields(lvl, conn, peer, office, line, buf, iov);

    return sd_journal_sendv(iov, (int)n) == 0;
}

bool rs_journal_setup(enum rs_log_target t)
{
    if (!rs_journal_wanted(t, getenv("JOURNAL_STREAM"), 2))
        return false;
    rs_log_set_sink(journal_sink);
    return true;
}

/*
 * rs_log.c - one line per event on stderr, or to the installed sink.
 *
 * Each line is formatted into a stack buffer and written with one write(2),
 * so lines from different threads never interleave.  The part after the
 * level ("conn=ID peer=ADDR message") is formatted once and is what a sink
 * receives as the line.
 *
 * Does not: know where a sink sends lines (server/service/rs_journal.c).
 */
#include "rs_log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 1024

static enum rs_log_level min_level = RS_LOG_INFO;
static rs_log_sink_fn sink;

void rs_log_set_level(enum rs_log_level lvl)
{
    min_level = lvl;
}

void rs_log_set_sink(rs_log_sink_fn fn)
{
    sink = fn;
}

static void vlog(enum rs_log_level lvl, uint64_t conn, const char *peer, const char *office,
                 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void vlog(enum rs_log_level lvl, uint64_t conn, const char *peer, const char *office,
                 const char *fmt, va_list ap)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    char line[LINE_MAX_BYTES], body[LINE_MAX_BYTES];
    struct timeval tv;
    struct tm tm;
    size_t n = 0;
    int k;

    if (lvl < min_level)
        return;
    /* body: "conn=ID peer=ADDR message", cut to fit one line with its prefix. */
    if (conn) {
        k = snprintf(body, sizeof(body), "conn=%" PRIu64 " ", conn);
        n += (size_t)k;
    }
    if (peer && *peer) {
        k = snprintf(body + n, sizeof(body) - n, "peer=%s ", peer);
        n = n + (size_t)k < sizeof(body) ? n + (size_t)k : sizeof(body) - 1;
    }
    k = vsnprintf(body + n, sizeof(body) - n, fmt, ap);
    if (k < 0)
        body[n] = '\0';
    if (sink && sink(lvl, conn, peer, office, body))
        return;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    k = snprintf(line + n, sizeof(line) - n, ".%03dZ %s ", (int)(tv.tv_usec / 1000),
                 names[lvl]);
    n += (size_t)k;
    k = snprintf(line + n, sizeof(line) - n - 1, "%s", body);
    n += (size_t)k < sizeof(line) - n - 1 ? (size_t)k : sizeof(line) - n - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}

void rs_log_office(enum rs_log_level lvl, uint64_t conn, const char *peer, const char *office,
                   const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(lvl, conn, peer, office, fmt, ap);
    va_end(ap);
}

void rs_log(enum rs_log_level lvl, uint64_t conn, const char *peer, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(lvl, conn, peer, NULL, fmt, ap);
    va_end(ap);
}

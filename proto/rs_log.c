/*
 * rs_log.c - one line per event on stderr.
 *
 * Each line is formatted into a stack buffer and written with one write(2),
 * so lines from different threads never interleave.
 */
#include "rs_log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum rs_log_level min_level = RS_LOG_INFO;

void rs_log_set_level(enum rs_log_level lvl)
{
    min_level = lvl;
}

void rs_log(enum rs_log_level lvl, uint64_t conn, const char *peer,
            const char *fmt, ...)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    char line[1024];
    struct timeval tv;
    struct tm tm;
    size_t n;
    int k;
    va_list ap;

    if (lvl < min_level)
        return;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    k = snprintf(line + n, sizeof(line) - n, ".%03dZ %s", (int)(tv.tv_usec / 1000),
                 names[lvl]);
    n += (size_t)k;
    if (conn) {
        k = snprintf(line + n, sizeof(line) - n, " conn=%" PRIu64, conn);
        n += (size_t)k;
    }
    if (peer && *peer) {
        k = snprintf(line + n, sizeof(line) - n, " peer=%s", peer);
        n = n + (size_t)k < sizeof(line) ? n + (size_t)k : sizeof(line) - 1;
    }
    line[n++] = ' ';
    va_start(ap, fmt);
    k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (k < 0)
        k = 0;
    n += (size_t)k < sizeof(line) - n - 1 ? (size_t)k : sizeof(line) - n - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}

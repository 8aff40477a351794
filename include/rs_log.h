/*
 * rs_log.h - one line per event on stderr.
 *
 * Format: "2026-11-24T19:30:01.123Z LEVEL conn=ID peer=ADDR message".
 * Connection id 0 and an empty peer are omitted.  Lines longer than 1 KiB
 * are cut.  Safe to call from any thread (one write(2) per line).
 *
 * Does not: rotate files, buffer, or filter by module.
 */
#ifndef RS_LOG_H
#define RS_LOG_H

#include <stdint.h>

enum rs_log_level { RS_LOG_DEBUG, RS_LOG_INFO, RS_LOG_WARN, RS_LOG_ERROR };

/* Lines below `lvl` are dropped.  Default RS_LOG_INFO. */
void rs_log_set_level(enum rs_log_level lvl);

void rs_log(enum rs_log_level lvl, uint64_t conn, const char *peer,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define RS_INFO(...) rs_log(RS_LOG_INFO, 0, NULL, __VA_ARGS__)
#define RS_WARN(...) rs_log(RS_LOG_WARN, 0, NULL, __VA_ARGS__)
#define RS_ERROR(...) rs_log(RS_LOG_ERROR, 0, NULL, __VA_ARGS__)

#endif

/*
 * rs_log.h - one line per event on stderr, or to a sink (the server's
 * journal).
 *
 * Format on stderr: "2026-11-24T19:30:01.123Z LEVEL conn=ID peer=ADDR
 * message".  Connection id 0 and an empty peer are omitted; the office is
 * not printed (messages that concern an office name it).  Lines longer
 * than 1 KiB are cut.  Safe to call from any thread (one write(2) per
 * line).
 *
 * With a sink installed (rs_log_set_sink), each line kept by the level is
 * offered to the sink first, with its parts apart; a line the sink does not
 * take goes to stderr as above.
 *
 * Does not: rotate files, buffer, or filter by module.
 */
#ifndef RS_LOG_H
#define RS_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum rs_log_level { RS_LOG_DEBUG, RS_LOG_INFO, RS_LOG_WARN, RS_LOG_ERROR };

/* Lines below `lvl` are dropped.  Default RS_LOG_INFO.  Call before threads start. */
void rs_log_set_level(enum rs_log_level lvl);

/*
 * A sink gets the level, the connection id (0: none), the peer and office
 * (NULL or "": none) and the line as stderr would print it after the level
 * ("conn=ID peer=ADDR message", at most 1 KiB).  It returns true when it
 * took the line.  It runs on the logging thread: it
 * must be safe to call from any thread and must not call rs_log.
 */
typedef bool (*rs_log_sink_fn)(enum rs_log_level lvl, uint64_t conn, const char *peer,
                               const char *office, const char *line);

/* Installs sink (NULL: stderr only).  Call before threads start. */
void rs_log_set_sink(rs_log_sink_fn sink);

/* Logs one line; office (may be NULL) goes to the sink only. */
void rs_log_office(enum rs_log_level lvl, uint64_t conn, const char *peer, const char *office,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void rs_log(enum rs_log_level lvl, uint64_t conn, const char *peer,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define RS_INFO(...) rs_log(RS_LOG_INFO, 0, NULL, __VA_ARGS__)
#define RS_WARN(...) rs_log(RS_LOG_WARN, 0, NULL, __VA_ARGS__)
#define RS_ERROR(...) rs_log(RS_LOG_ERROR, 0, NULL, __VA_ARGS__)

#endif

/*
 * rs_fwcheck.h - `resettled framework check FILE`: validates a framework
 * file, with the formula library and check file it names, and lists what it
 * defines.
 *
 * Does not: evaluate anything, or read the database.
 */
#ifndef RS_FWCHECK_H
#define RS_FWCHECK_H

#include <stdio.h>

/*
 * Loads the framework spec (a path, or a preset name looked up in dir; dir
 * NULL means the built-in preset folder) as the server would for a report.
 * On success prints to out the framework's name and SHA-256, its library's
 * and check file's names and hashes, its points (and the published table's,
 * for a partial framework), then one line per indicator: file line, code,
 * dimension, name, points, rule and parameters, formula code and its
 * expression.  On failure prints the loader's message to err
 * ("<file>:<line>[:<col>]: reason").  Returns the process exit status: 0
 * valid, 1 invalid or unreadable.  Main thread; blocking file reads.
 */
int rs_fwcheck_run(const char *dir, const char *spec, FILE *out, FILE *err);

#endif

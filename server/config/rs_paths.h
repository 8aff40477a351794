/*
 * rs_paths.h - where resettled finds what it ships with, relative to its
 * own executable, so no path of the machine that built it is compiled in.
 *
 * The framework presets are looked for, in this order:
 *   <dir of the executable>/frameworks             the build tree (CMake copies
 *                                                  server/frameworks/ there)
 *   <dir of the executable>/../share/resettle/frameworks
 *                                                  an installed tree
 *                                                  (<prefix>/sbin/resettled)
 * The config file's `frameworks` key and `serve --frameworks DIR` override
 * both (server/config/rs_config.h).
 *
 * Does not: read the framework files (rs_framework.h), or look at the
 * environment.
 */
#ifndef RS_PATHS_H
#define RS_PATHS_H

#include <stddef.h>

#include "rs_status.h"

/*
 * Writes the canonical path of the first of the folders above that exists
 * into out (len bytes).  The executable is read from /proc/self/exe.
 * RS_ENOTFOUND when neither exists (err names both), RS_EIO when the
 * executable's path cannot be read, RS_ETOOBIG when a path does not fit
 * len or PATH_MAX.  Any thread.
 */
RS_NODISCARD rs_status rs_paths_frameworks(char *out, size_t len, char *err, size_t errlen);

#endif

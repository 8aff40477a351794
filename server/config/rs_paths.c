/*
 * rs_paths.c - the framework folder found from the executable's own
 * location (see rs_paths.h).
 *
 * Does not: fall back to a compiled-in path or to the working directory.
 */
#include "rs_paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Relative to the executable's folder, in the order they are tried. */
static const char *const candidates[] = {"frameworks", "../share/resettle/frameworks"};

rs_status rs_paths_frameworks(char *out, size_t len, char *err, size_t errlen)
{
    char exe[PATH_MAX], cand[PATH_MAX], real[PATH_MAX];
    ssize_t n;
    char *slash;
    struct stat sb;

    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        snprintf(err, errlen, "cannot find the executable's folder (/proc/self/exe: %s); "
                              "give --frameworks DIR", n < 0 ? strerror(errno) : "empty");
        return RS_EIO;
    }
    if ((size_t)n >= sizeof(exe) - 1) {
        snprintf(err, errlen, "the executable's path is longer than %d bytes", PATH_MAX - 2);
        return RS_ETOOBIG;
    }
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (!slash) {
        snprintf(err, errlen, "the executable's path %s has no folder", exe);
        return RS_EIO;
    }
    *slash = '\0';
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        int k = snprintf(cand, sizeof(cand), "%s/%s", exe, candidates[i]);

        if (k < 0 || (size_t)k >= sizeof(cand))
            return RS_ETOOBIG;
        if (stat(cand, &sb) != 0 || !S_ISDIR(sb.st_mode) || !realpath(cand, real))
            continue;
        if (strlen(real) >= len) {
            snprintf(err, errlen, "framework folder %s: path too long", real);
            return RS_ETOOBIG;
        }
        memcpy(out, real, strlen(real) + 1);
        return RS_OK;
    }
    snprintf(err, errlen, "no framework folder: neither %s/%s nor %s/%s exists; give "
                          "--frameworks DIR or set frameworks in the config file",
             exe, candidates[0], exe, candidates[1]);
    return RS_ENOTFOUND;
}

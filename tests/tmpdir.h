/*
 * tmpdir.h - where tests make their files: under $TMPDIR when it is set
 * and not empty, else under /tmp.
 *
 * Does not: remove anything (the tests' teardowns do), or create the base
 * folder.
 */
#ifndef TMPDIR_H
#define TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

/* $TMPDIR when set and not empty, else "/tmp".  Never NULL. */
static inline const char *rs_test_tmp_base(void)
{
    const char *t = getenv("TMPDIR");

    return t && t[0] ? t : "/tmp";
}

/*
 * Makes a fresh folder "<base>/rs-<name>-XXXXXX" (mkdtemp) into out[0..n).
 * 0 on success; -1 if the path does not fit or mkdtemp fails (a message on
 * stderr says which).
 */
static inline int rs_test_mkdtemp(char *out, size_t n, const char *name)
{
    int len = snprintf(out, n, "%s/rs-%s-XXXXXX", rs_test_tmp_base(), name);

    if (len < 0 || (size_t)len >= n) {
        fprintf(stderr, "temporary folder name too long under %s\n", rs_test_tmp_base());
        return -1;
    }
    if (!mkdtemp(out)) {
        perror(out);
        return -1;
    }
    return 0;
}

#endif

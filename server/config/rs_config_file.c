/*
 * rs_config_file.c - the config file of `resettled serve`, read with
 * libinih (rs_config.h says what the file may hold).
 *
 * The file is read whole (at most RS_CONFIG_FILE_MAX bytes) and handed to
 * ini_parse_stream line by line through our own reader, which counts the
 * lines: the handler then knows the line of every key it refuses, and a
 * line too long for libinih's buffer is refused instead of being split.
 * Only the first error is reported.
 *
 * Does not: know any key's rule (rs_config.c) or look at the command line.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_config.h"

struct reader {
    const char *p, *end;        /* what is left of the file */
    uint32_t line;              /* lines handed to libinih so far */
    struct rs_config *cfg;
    const char *path;
    rs_status rc;               /* the first error */
    char *err;
    size_t errlen;
};

static void fail(struct reader *r, rs_status rc, uint32_t line, const char *why)
{
    if (r->rc != RS_OK)
        return;
    r->rc = rc;
    if (line)
        snprintf(r->err, r->errlen, "%s:%u: %s", r->path, line, why);
    else
        snprintf(r->err, r->errlen, "%s: %s", r->path, why);
}

/* fgets for libinih over the buffer; NULL at the end or at an over-long line. */
static char *read_line(char *str, int num, void *stream)
{
    struct reader *r = stream;
    const char *nl;
    size_t len;
    char why[96];

    if (r->p >= r->end || r->rc != RS_OK)
        return NULL;
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    len = nl ? (size_t)(nl - r->p) + 1 : (size_t)(r->end - r->p);
    r->line++;
    if (num < 2 || len > (size_t)num - 1 || len - (nl ? 1 : 0) > RS_CONFIG_LINE_MAX) {
        snprintf(why, sizeof(why), "line longer than %d bytes", RS_CONFIG_LINE_MAX);
        fail(r, RS_ETOOBIG, r->line, why);
        return NULL;
    }
    if (memchr(r->p, '\0', len)) {
        fail(r, RS_EINVAL, r->line, "a NUL byte in the line");
        return NULL;
    }
    memcpy(str, r->p, len);
    str[len] = '\0';
    r->p += len;
    return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct reader *r = user;
    char why[512];
    rs_status rc;

    if (section[0]) {
        snprintf(why, sizeof(why), "[%s]: this file has no sections; put keys at the top level",
                 section);
        fail(r, RS_EINVAL, r->line, why);
        return 0;
    }
    rc = rs_config_set(r->cfg, name, value, true, r->line, why, sizeof(why));
    if (rc) {
        fail(r, rc, r->line, why);
        return 0;
    }
    return 1;
}

rs_status rs_config_file(struct rs_config *c, const char *path, char *err, size_t errlen)
{
    struct reader r = {.cfg = c, .path = path, .err = err, .errlen = errlen};
    FILE *f = fopen(path, "rb");
    char *buf = NULL, why[320];
    size_t n;
    int line;

    if (!f) {
        snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
        fail(&r, RS_EIO, 0, why);
        return r.rc;
    }
    buf = malloc(RS_CONFIG_FILE_MAX + 1);
    if (!buf) {
        fail(&r, RS_ENOMEM, 0, "out of memory");
        goto out;
    }
    n = fread(buf, 1, RS_CONFIG_FILE_MAX + 1, f);
    if (ferror(f)) {
        snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
        fail(&r, RS_EIO, 0, why);
        goto out;
    }
    if (n > RS_CONFIG_FILE_MAX) {
        snprintf(why, sizeof(why), "larger than %d bytes", RS_CONFIG_FILE_MAX);
        fail(&r, RS_ETOOBIG, 0, why);
        goto out;
    }
    r.p = buf;
    r.end = buf + n;
    line = ini_parse_stream(read_line, &r, on_key, &r);
    if (line > 0)
        fail(&r, RS_EINVAL, (uint32_t)line, "not a \"key = value\" line");
    else if (line < 0)
        fail(&r, RS_ENOMEM, 0, "out of memory");
out:
    free(buf);
    fclose(f);
    return r.rc;
}

/*
 * rs_fwset.c - a folder of framework presets loaded as one set (see
 * rs_fwset.h).
 *
 * Does not: keep the folder open, or load anything but "*.csv".
 */
#include "rs_fwset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct rs_fwset {
    unsigned refs;
    size_t n;
    struct rs_framework *fw[RS_FWSET_MAX];     /* sorted by name */
};

static int by_name(const void *a, const void *b)
{
    const struct rs_framework *const *x = a, *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

rs_status rs_fwset_load(const char *dir, struct rs_fwset **out, char *err, size_t errlen)
{
    struct rs_fwset *s;
    struct dirent *ent;
    DIR *d;
    rs_status rv = RS_OK;

    *out = NULL;
    d = opendir(dir);
    if (!d) {
        rv = errno == ENOENT ? RS_ENOTFOUND : RS_EIO;
        snprintf(err, errlen, "framework folder %s: %s", dir, strerror(errno));
        return rv;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        closedir(d);
        snprintf(err, errlen, "out of memory");
        return RS_ENOMEM;
    }
    s->refs = 1;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        char path[4096];
        struct stat sb;
        int k;

        if (ent->d_name[0] == '.' || len < 5 || strcmp(ent->d_name + len - 4, ".csv") != 0)
            continue;
        k = snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
        if (k < 0 || (size_t)k >= sizeof(path) || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (s->n == RS_FWSET_MAX) {
            snprintf(err, errlen, "framework folder %s: more than %d presets", dir,
                     RS_FWSET_MAX);
            rv = RS_ETOOBIG;
            goto out;
        }
        rv = rs_framework_load(dir, ent->d_name, &s->fw[s->n], err, errlen);
        if (rv)
            goto out;
        s->n++;
    }
    qsort(s->fw, s->n, sizeof(s->fw[0]), by_name);
    if (!rs_fwset_find(s, NULL)) {
        snprintf(err, errlen, "framework folder %s has no %s.csv (the default preset)", dir,
                 RS_FRAMEWORK_DEFAULT);
        rv = RS_ENOTFOUND;
    }
out:
    closedir(d);
    if (rv) {
        rs_fwset_unref(s);
        return rv;
    }
    *out = s;
    return RS_OK;
}

const struct rs_framework *rs_fwset_find(const struct rs_fwset *s, const char *name)
{
    if (!s)
        return NULL;
    if (!name || !name[0])
        name = RS_FRAMEWORK_DEFAULT;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->fw[i]->name, name) == 0)
            return s->fw[i];
    return NULL;
}

void rs_fwset_names(const struct rs_fwset *s, char *out, size_t len)
{
    size_t o = 0;

    if (len)
        out[0] = '\0';
    for (size_t i = 0; s && i < s->n && o < len; i++) {
        int k = snprintf(out + o, len - o, "%s%s", i ? ", " : "", s->fw[i]->name);

        if (k < 0)
            return;
        o += (size_t)k;
    }
}

size_t rs_fwset_count(const struct rs_fwset *s)
{
    return s ? s->n : 0;
}

struct rs_fwset *rs_fwset_ref(struct rs_fwset *s)
{
    if (s)
        s->refs++;
    return s;
}

void rs_fwset_unref(struct rs_fwset *s)
{
    if (!s || --s->refs > 0)
        return;
    for (size_t i = 0; i < s->n; i++)
        rs_framework_free(s->fw[i]);
    free(s);
}

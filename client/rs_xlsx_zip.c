/*
 * rs_xlsx_zip.c - the zip container of a workbook, through libzip: opens it
 * from memory, checks the number of entries, and inflates one part at a
 * time into a caller's function, counting every byte against the caps on
 * one part and on all parts (the sizes in the zip directory are checked
 * too, but not trusted).  Also the part-name arithmetic of relationship
 * targets (OPC: a target is relative to its source part's folder).
 *
 * Only stored and deflated entries without encryption are read: that is
 * what Excel, LibreOffice and WPS write, and it keeps libzip's other
 * decompressors out of reach of a hostile file.  libzip checks each
 * entry's CRC when it has been read to its end.
 *
 * Does not: parse XML (rs_xlsx_xml.c) or know which parts a workbook has.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rs_xlsx_int.h"

#define CHUNK 65536

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

rs_status rs_xlsx_zip_open(struct rs_xlsx *x, const void *data, size_t n, char *err,
                           size_t errlen)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_int64_t entries;

    if (n > x->lim.max_file) {
        say(err, errlen, "文件超过%zu字节", x->lim.max_file);
        return RS_ETOOBIG;
    }
    zip_error_init(&ze);
    src = zip_source_buffer_create(n ? data : "", n, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        return RS_ENOMEM;
    }
    x->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!x->zip) {
        int code = zip_error_code_zip(&ze);

        say(err, errlen, "不是 xlsx 工作簿（无法作为 zip 压缩包打开）");
        zip_source_free(src);
        zip_error_fini(&ze);
        return code == ZIP_ER_MEMORY ? RS_ENOMEM : RS_EINVAL;
    }
    zip_error_fini(&ze);
    entries = zip_get_num_entries(x->zip, 0);
    if (entries < 0 || (zip_uint64_t)entries > x->lim.max_entries) {
        say(err, errlen, "压缩包中的条目超过%zu个", x->lim.max_entries);
        return RS_ETOOBIG;
    }
    return RS_OK;
}

void rs_xlsx_zip_close(struct rs_xlsx *x)
{
    if (x->zip)
        zip_discard(x->zip);
    x->zip = NULL;
}

bool rs_xlsx_zip_has(const struct rs_xlsx *x, const char *part)
{
    return zip_name_locate(x->zip, part, ZIP_FL_NOCASE) >= 0;
}

rs_status rs_xlsx_zip_stream(struct rs_xlsx *x, const char *part, rs_xlsx_feed_fn feed,
                             void *ud, char *err, size_t errlen)
{
    zip_int64_t idx = zip_name_locate(x->zip, part, ZIP_FL_NOCASE);
    zip_stat_t st;
    zip_file_t *f = NULL;
    size_t got = 0;
    rs_status rc = RS_OK;

    if (idx < 0) {
        say(err, errlen, "%s：缺少这一部件", part);
        return RS_ENOTFOUND;
    }
    if (zip_stat_index(x->zip, (zip_uint64_t)idx, 0, &st) != 0) {
        say(err, errlen, "%s：压缩条目无法读取", part);
        return RS_EINVAL;
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        say(err, errlen, "%s：已加密（请另存为不设密码的工作簿）", part);
        return RS_EINVAL;
    }
    if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE &&
        st.comp_method != ZIP_CM_DEFLATE) {
        say(err, errlen, "%s：不支持的压缩方式", part);
        return RS_EINVAL;
    }
    if ((st.valid & ZIP_STAT_SIZE) &&
        (st.size > x->lim.max_part || st.size > x->lim.max_total - x->total)) {
        say(err, errlen, "%s：解压后超过%zu字节%s", part,
            st.size > x->lim.max_part ? x->lim.max_part : x->lim.max_total,
            st.size > x->lim.max_part ? "" : "（所有部件合计）");
        return RS_ETOOBIG;
    }
    f = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0);
    if (!f) {
        say(err, errlen, "%s：无法打开压缩条目", part);
        return RS_EINVAL;
    }
    for (;;) {
        char chunk[CHUNK];
        zip_int64_t n = zip_fread(f, chunk, sizeof(chunk));

        if (n < 0) {
            say(err, errlen, "%s：压缩条目已损坏", part);
            rc = RS_EINVAL;
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        x->total += (size_t)n;
        if (got > x->lim.max_part || x->total > x->lim.max_total) {
            say(err, errlen, "%s：解压后超过%zu字节%s", part,
                got > x->lim.max_part ? x->lim.max_part : x->lim.max_total,
                got > x->lim.max_part ? "" : "（所有部件合计）");
            rc = RS_ETOOBIG;
            goto out;
        }
        rc = feed(ud, chunk, (size_t)n, false);
        if (rc)
            goto out;
    }
    rc = feed(ud, NULL, 0, true);
out:
    zip_fclose(f);
    return rc;
}

/* ---------------------------------------------------------------- part names */

rs_status rs_xlsx_part_resolve(const char *src, const char *target, char out[RS_XLSX_PART_MAX])
{
    char buf[2 * RS_XLSX_PART_MAX];
    size_t n = 0, base;
    const char *p;

    out[0] = '\0';
    if (!target || !target[0])
        return RS_EINVAL;
    if (target[0] == '/') {
        target++;
    } else {
        const char *slash = strrchr(src, '/');

        base = slash ? (size_t)(slash - src) + 1 : 0;
        if (base >= sizeof(buf))
            return RS_ETOOBIG;
        memcpy(buf, src, base);
        n = base;
    }
    /* Append target segment by segment, resolving "." and "..". */
    p = target;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t sl = e ? (size_t)(e - p) : strlen(p);

        if (sl == 0 || (sl == 1 && p[0] == '.')) {
            /* nothing */
        } else if (sl == 2 && p[0] == '.' && p[1] == '.') {
            if (n == 0)
                return RS_EINVAL;
            n--;                          /* the '/' that ends the last folder */
            while (n > 0 && buf[n - 1] != '/')
                n--;
        } else {
            if (n + sl + 2 > sizeof(buf))
                return RS_ETOOBIG;
            memcpy(buf + n, p, sl);
            n += sl;
            if (e)
                buf[n++] = '/';
        }
        p = e ? e + 1 : p + sl;
    }
    if (n == 0 || buf[n - 1] == '/')
        return RS_EINVAL;
    if (n >= RS_XLSX_PART_MAX)
        return RS_ETOOBIG;
    memcpy(out, buf, n);
    out[n] = '\0';
    return RS_OK;
}

rs_status rs_xlsx_rels_name(const char *src, char out[RS_XLSX_PART_MAX])
{
    const char *slash = strrchr(src, '/');
    size_t dir = slash ? (size_t)(slash - src) + 1 : 0;
    int len = snprintf(out, RS_XLSX_PART_MAX, "%.*s_rels/%s.rels", (int)dir, src, src + dir);

    if (len < 0 || len >= RS_XLSX_PART_MAX) {
        out[0] = '\0';
        return RS_ETOOBIG;
    }
    return RS_OK;
}

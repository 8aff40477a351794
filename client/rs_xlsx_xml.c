/*
 * rs_xlsx_xml.c - expat over one part of a workbook, streamed from the zip
 * container: namespace-aware parsing with the handlers seeing local names
 * ("c", "row", "t"), attribute lookup by local name, a text buffer capped
 * at max_text bytes, and error messages that name the part and the line.
 *
 * A document type declaration is refused outright, so no entity of a
 * hostile file is ever declared or expanded (expat's own billion-laughs
 * protection aside).
 *
 * Does not: know what any element means (rs_xlsx_book.c, rs_xlsx_sheet.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_xlsx_int.h"

#define NS_SEP '|'

static const char *local_name(const char *name)
{
    const char *sep = strrchr(name, NS_SEP);

    return sep ? sep + 1 : name;
}

void rs_xml_fail(struct rs_xml *xm, rs_status rc, const char *fmt, ...)
{
    va_list ap;

    if (xm->rc)
        return;
    xm->rc = rc;
    va_start(ap, fmt);
    vsnprintf(xm->msg, sizeof(xm->msg), fmt, ap);
    va_end(ap);
    XML_StopParser(xm->p, XML_FALSE);
}

bool rs_xml_failed(const struct rs_xml *xm)
{
    return xm->rc != RS_OK;
}

void rs_xml_text_reset(struct rs_xml *xm)
{
    xm->len = 0;
    if (xm->text)
        xm->text[0] = '\0';
}

const char *rs_xml_attr(const char **atts, const char *local, bool qualified)
{
    for (size_t i = 0; atts[i]; i += 2) {
        const char *sep = strrchr(atts[i], NS_SEP);
        const char *name = sep ? sep + 1 : atts[i];

        if ((sep != NULL) == qualified && strcmp(name, local) == 0)
            return atts[i + 1];
    }
    return NULL;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct rs_xml *xm = ud;

    if (!rs_xml_failed(xm) && xm->start)
        xm->start(xm, local_name(name), atts);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct rs_xml *xm = ud;

    if (!rs_xml_failed(xm) && xm->end)
        xm->end(xm, local_name(name));
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int n)
{
    struct rs_xml *xm = ud;
    size_t add = (size_t)n;

    if (!xm->collect || rs_xml_failed(xm) || n <= 0)
        return;
    if (xm->len + add > xm->max_text) {
        rs_xml_fail(xm, RS_ETOOBIG, "有文字超过%zu字节", xm->max_text);
        return;
    }
    if (xm->len + add + 1 > xm->cap) {
        size_t cap = xm->cap ? xm->cap : 256;
        char *t;

        while (cap < xm->len + add + 1)
            cap *= 2;
        t = realloc(xm->text, cap);
        if (!t) {
            rs_xml_fail(xm, RS_ENOMEM, "内存不足");
            return;
        }
        xm->text = t;
        xm->cap = cap;
    }
    memcpy(xm->text + xm->len, s, add);
    xm->len += add;
    xm->text[xm->len] = '\0';
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    struct rs_xml *xm = ud;

    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    rs_xml_fail(xm, RS_EINVAL, "不允许文档类型声明（DTD）");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
                              const XML_Char *value, int value_len, const XML_Char *base,
                              const XML_Char *sysid, const XML_Char *pubid,
                              const XML_Char *notation)
{
    struct rs_xml *xm = ud;

    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    rs_xml_fail(xm, RS_EINVAL, "不允许实体声明");
}

/* The zip reader's chunks go straight to expat. */
static rs_status feed(void *ud, const char *buf, size_t n, bool last)
{
    struct rs_xml *xm = ud;

    if (XML_Parse(xm->p, buf, (int)n, last) != XML_STATUS_OK)
        return xm->rc ? xm->rc : RS_EINVAL;
    return xm->rc;
}

rs_status rs_xml_parse(struct rs_xlsx *x, const char *part, struct rs_xml *xm, char *err,
                       size_t errlen)
{
    char zerr[256] = "";
    rs_status rc;

    xm->part = part;
    xm->rc = RS_OK;
    xm->msg[0] = '\0';
    xm->collect = false;
    xm->text = NULL;
    xm->len = xm->cap = 0;
    xm->max_text = x->lim.max_text;
    xm->p = XML_ParserCreateNS(NULL, NS_SEP);
    if (!xm->p)
        return RS_ENOMEM;
    XML_SetUserData(xm->p, xm);
    XML_SetElementHandler(xm->p, on_start, on_end);
    XML_SetCharacterDataHandler(xm->p, on_text);
    XML_SetStartDoctypeDeclHandler(xm->p, on_doctype);
    XML_SetEntityDeclHandler(xm->p, on_entity);
    rc = rs_xlsx_zip_stream(x, part, feed, xm, zerr, sizeof(zerr));
    if (rc && err && errlen) {
        unsigned long line = (unsigned long)XML_GetCurrentLineNumber(xm->p);

        if (xm->rc)
            snprintf(err, errlen, "%s 第%lu行：%s", part, line, xm->msg);
        else if (zerr[0])
            snprintf(err, errlen, "%s", zerr);
        else
            snprintf(err, errlen, "%s 第%lu行：不是有效的 XML", part, line);
    }
    XML_ParserFree(xm->p);
    xm->p = NULL;
    free(xm->text);
    xm->text = NULL;
    xm->len = xm->cap = 0;
    return rc;
}

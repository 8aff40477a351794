/*
 * rs_console_http.c - the console's HTTP side, through libmicrohttpd.
 *
 * Every request goes through the guard (rs_console_guard.h) on its first
 * call, before a byte of its body is read: 403 without the secret, with a
 * Host that is not the address served or an Origin from elsewhere.  The
 * first URL (?k=SECRET) sets the cookie (HttpOnly, SameSite=Strict) and
 * redirects to the page without the secret.  A body is read up to its cap
 * (a file to queue: the client's file cap; anything else 64 KiB) and a
 * larger one is answered 413.  Built-in files are served from
 * rs_console_asset_find, everything under /api/ by rs_console_api_handle.
 * Every answer forbids caching and framing by other pages; the report's
 * own page is served sandboxed (no script, nothing fetched).
 *
 * Does not: parse HTTP itself, or know what a route does.
 */
#include "rs_console_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "rs_csv.h"
#include "rs_xlsx.h"

#define UPLOAD_PATH "/api/upload"
#define UPLOAD_MAX (RS_CSV_MAX_BYTES > RS_XLSX_MAX_FILE ? RS_CSV_MAX_BYTES : RS_XLSX_MAX_FILE)

_Static_assert(UPLOAD_MAX <= (128u << 20), "an upload is held in memory");

static const char csp_page[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'self'; "
    "base-uri 'none'";
static const char csp_sandbox[] =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'";

/* One request's state between libmicrohttpd's calls. */
struct req {
    char *body;
    size_t len, cap, max;
    bool too_big;
};

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct rs_console_reply *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(r->len, r->body ? r->body : (void *)"",
                                           r->body ? MHD_RESPMEM_MUST_FREE
                                                   : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(r->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->type ? r->type : "text/plain; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "X-Frame-Options", "SAMEORIGIN");
    MHD_add_response_header(resp, "Content-Security-Policy", r->sandbox ? csp_sandbox : csp_page);
    if (r->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    ret = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct rs_console_reply r = {.status = status, .type = "text/plain; charset=utf-8"};

    r.body = strdup(text);
    if (!r.body)
        return MHD_NO;
    r.len = strlen(text);
    return send_reply(conn, &r);
}

static enum MHD_Result send_enter(struct MHD_Connection *conn, const struct rs_console_guard *g)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char cookie[sizeof(g->secret) + 96];

    resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    snprintf(cookie, sizeof(cookie), "%s=%s; HttpOnly; SameSite=Strict; Path=/",
             RS_CONSOLE_COOKIE, g->secret);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, "/");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    ret = MHD_queue_response(conn, MHD_HTTP_SEE_OTHER, resp);
    MHD_destroy_response(resp);
    return ret;
}

static const char *get_arg(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result serve(struct rs_console *c, struct MHD_Connection *conn, const char *url,
                             const char *method, struct req *rq)
{
    struct rs_console_reply r = {0};
    const struct rs_console_asset *a;

    if (strncmp(url, "/api/", 5) == 0) {
        struct rs_console_call q = {
            .method = method, .path = url, .arg = get_arg, .ctx = conn,
            .body = rq->body, .len = rq->len,
        };

        rs_console_api_handle(c, &q, &r);
        return send_reply(conn, &r);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "只能读取");
    a = rs_console_asset_find(strcmp(url, "/") == 0 ? "/index.html" : url);
    if (!a)
        return send_text(conn, MHD_HTTP_NOT_FOUND, "没有这个页面");
    r.status = MHD_HTTP_OK;
    r.type = a->type;
    r.body = malloc(a->len ? a->len : 1);
    if (!r.body)
        return MHD_NO;
    memcpy(r.body, a->data, a->len);
    r.len = a->len;
    return send_reply(conn, &r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    struct rs_console *c = cls;
    struct req *rq = *con_cls;

    (void)version;
    if (!rq) {
        struct rs_console_req g = {
            .method = method,
            .host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST),
            .origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin"),
            .cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, RS_CONSOLE_COOKIE),
            .key = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "k"),
        };
        const char *clen;

        switch (rs_console_guard_check(&c->guard, &g)) {
        case RS_CONSOLE_DENY:
            return send_text(conn, MHD_HTTP_FORBIDDEN, "403 禁止访问：请使用 resettle console "
                                                       "打印的地址打开本页面\n");
        case RS_CONSOLE_ENTER:
            return send_enter(conn, &c->guard);
        case RS_CONSOLE_ALLOW:
            break;
        }
        rq = calloc(1, sizeof(*rq));
        if (!rq)
            return MHD_NO;
        rq->max = strcmp(url, UPLOAD_PATH) == 0 ? UPLOAD_MAX : RS_CONSOLE_BODY_MAX;
        *con_cls = rq;
        clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                           MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* Refused before a byte of it is read; the daemon closes the connection after. */
        if (clen && strtoull(clen, NULL, 10) > rq->max)
            return send_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, rq->max == RS_CONSOLE_BODY_MAX
                                                                   ? "请求太大"
                                                                   : "文件太大（上限 64 MiB）");
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;

        *upload_size = 0;
        if (rq->too_big || n > rq->max - rq->len) {
            rq->too_big = true;
            return MHD_YES;
        }
        if (rq->len + n > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 65536;
            char *p;

            while (cap < rq->len + n)
                cap *= 2;
            if (cap > rq->max)
                cap = rq->max;
            p = realloc(rq->body, cap);
            if (!p)
                return MHD_NO;
            rq->body = p;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload, n);
        rq->len += n;
        return MHD_YES;
    }
    if (rq->too_big)
        return send_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, rq->max == RS_CONSOLE_BODY_MAX
                                                               ? "请求太大"
                                                               : "文件太大（上限 64 MiB）");
    return serve(c, conn, url, method, rq);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode why)
{
    struct req *rq = *con_cls;

    (void)cls;
    (void)conn;
    (void)why;
    if (rq) {
        free(rq->body);
        free(rq);
    }
    *con_cls = NULL;
}

struct MHD_Daemon *rs_console_http_start(struct rs_console *c, int fd, bool ipv6)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;

    if (ipv6)
        flags |= MHD_USE_IPv6;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, c,
                            MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)RS_CONSOLE_MAX_CONN,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, c,
                            MHD_OPTION_END);
}

void rs_console_http_stop(struct MHD_Daemon *d)
{
    if (d)
        MHD_stop_daemon(d);
}

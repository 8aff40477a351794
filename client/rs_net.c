/*
 * rs_net.c - TLS (or loopback-only plaintext) over TCP with poll(2)
 * deadlines, framed envelopes.
 *
 * The socket is non-blocking from connect on; OpenSSL runs on it through
 * SSL_set_fd, and every WANT_READ / WANT_WRITE waits in poll(2) for at most
 * the connection's timeout, so no call blocks longer than that.
 *
 * Does not: retry, read configuration or keep state beyond one connection.
 */
#include "rs_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "rs_wire.h"

/* Replies can carry a whole report. */
#define CLIENT_MAX_FRAME (RS_MAX_REPORT_BYTES + 65536)
#define NAME_MAX_LEN 256

/* What the verify callback saw first go wrong, for the error message. */
struct verify_note {
    int err;                    /* X509_V_OK if nothing failed */
    int depth;
    char subject[NAME_MAX_LEN];
    char issuer[NAME_MAX_LEN];
};

static rs_status wait_fd(int fd, short events, uint32_t timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int r;

    do {
        r = poll(&p, 1, (int)timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return RS_ETIMEDOUT;
    return r < 0 ? RS_EIO : RS_OK;
}

/* OpenSSL's oldest queued reason (or fallback); clears the queue. */
static void ssl_reason(char *out, size_t len, const char *fallback)
{
    unsigned long e = ERR_get_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    snprintf(out, len, "%s", r ? r : fallback);
    ERR_clear_error();
}

rs_status rs_net_ca_check(const char *path, char *err, size_t errlen)
{
    struct stat st;
    SSL_CTX *ctx;
    FILE *f;
    char why[256];
    rs_status rv = RS_OK;

    if (!path || stat(path, &st) != 0) {
        snprintf(err, errlen, "%s", path ? strerror(errno) : "没有给出文件名");
        return RS_EINVAL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "不是文件");
        return RS_EINVAL;
    }
    f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return RS_EINVAL;
    }
    fclose(f);
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "无法创建 TLS 上下文");
        return RS_ENOMEM;
    }
    if (SSL_CTX_load_verify_locations(ctx, path, NULL) != 1) {
        ssl_reason(why, sizeof(why), "其中没有证书");
        snprintf(err, errlen, "不是 PEM 证书文件（%s）", why);
        rv = RS_EINVAL;
    }
    SSL_CTX_free(ctx);
    return rv;
}

static void name_of(const X509_NAME *name, char *out, size_t len)
{
    BIO *b = BIO_new(BIO_s_mem());
    int n;

    snprintf(out, len, "?");
    if (!b)
        return;
    if (name && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        n = BIO_read(b, out, (int)len - 1);
        if (n > 0)
            out[n] = '\0';
    }
    BIO_free(b);
}

static void fingerprint_hex(const uint8_t md[32], char out[65])
{
    static const char hexd[] = "0123456789abcdef";

    for (int i = 0; i < 32; i++) {
        out[2 * i] = hexd[md[i] >> 4];
        out[2 * i + 1] = hexd[md[i] & 15];
    }
    out[64] = '\0';
}

rs_status rs_net_pin_parse(const char *pin, uint8_t out[32])
{
    size_t k = 0;
    int hi = -1;

    if (!pin || strncasecmp(pin, "sha256:", 7) != 0)
        return RS_EINVAL;
    for (const char *p = pin + 7; *p; p++) {
        int v;

        if (*p == ':' && hi < 0)
            continue;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            return RS_EINVAL;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (k == 32)
            return RS_EINVAL;
        out[k++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return k == 32 && hi < 0 ? RS_OK : RS_EINVAL;
}

static bool is_loopback_addr(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) ==
               127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
    return false;
}

static rs_status try_connect(const struct addrinfo *ai, uint32_t timeout_ms, int *out,
                             int *err_no)
{
    int fd, flags, soerr = 0, one = 1;
    socklen_t sl = sizeof(soerr);
    rs_status rc;

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        *err_no = errno;
        return RS_EIO;
    }
    flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            *err_no = errno;
            close(fd);
            return RS_EIO;
        }
        rc = wait_fd(fd, POLLOUT, timeout_ms);
        if (rc) {
            *err_no = rc == RS_ETIMEDOUT ? ETIMEDOUT : errno;
            close(fd);
            return rc;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            *err_no = soerr ? soerr : errno;
            close(fd);
            return RS_EIO;
        }
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *out = fd;
    return RS_OK;
}

/* Records the first certificate the chain check refused. */
static int verify_cb(int ok, X509_STORE_CTX *xs)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct verify_note *note = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *cert;

    if (ok || !note || note->err != X509_V_OK)
        return ok;
    note->err = X509_STORE_CTX_get_error(xs);
    note->depth = X509_STORE_CTX_get_error_depth(xs);
    cert = X509_STORE_CTX_get_current_cert(xs);
    name_of(cert ? X509_get_subject_name(cert) : NULL, note->subject, sizeof(note->subject));
    name_of(cert ? X509_get_issuer_name(cert) : NULL, note->issuer, sizeof(note->issuer));
    return ok;
}

static bool is_ip_literal(const char *host)
{
    struct in6_addr a6;
    struct in_addr a4;

    return inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
}

/* Sets up the TLS context for sec; RS_EINVAL with err for a bad configuration. */
static rs_status tls_context(struct rs_net *n, const struct rs_net_security *sec, char *err,
                             size_t errlen)
{
    char why[256];

    n->ctx = SSL_CTX_new(TLS_client_method());
    if (!n->ctx) {
        ssl_reason(why, sizeof(why), "无法创建 TLS 上下文");
        snprintf(err, errlen, "TLS: %s", why);
        return RS_ENOMEM;
    }
    SSL_CTX_set_min_proto_version(n->ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(n->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
                                    SSL_OP_NO_COMPRESSION);
    if (sec->ca_file) {
        if (SSL_CTX_load_verify_locations(n->ctx, sec->ca_file, NULL) != 1) {
            ssl_reason(why, sizeof(why), "其中没有证书");
            snprintf(err, errlen, "无法使用 CA 文件 %s：%s", sec->ca_file, why);
            return RS_EINVAL;
        }
        SSL_CTX_set_verify(n->ctx, SSL_VERIFY_PEER, verify_cb);
    } else {
        /* The pin, checked right after the handshake, is the whole trust. */
        SSL_CTX_set_verify(n->ctx, SSL_VERIFY_NONE, NULL);
    }
    return RS_OK;
}

/* Runs SSL_connect to the end within the timeout. */
static rs_status tls_handshake(struct rs_net *n, const char *hostport, const char *host,
                               const struct rs_net_security *sec, char *err, size_t errlen)
{
    struct verify_note note = {.err = X509_V_OK};
    char why[256];
    rs_status rc = RS_OK;

    n->ssl = SSL_new(n->ctx);
    if (!n->ssl || SSL_set_fd(n->ssl, n->fd) != 1) {
        snprintf(err, errlen, "TLS：无法建立会话");
        return RS_ENOMEM;
    }
    SSL_set_app_data(n->ssl, &note);
    if (!is_ip_literal(host))
        SSL_set_tlsext_host_name(n->ssl, host);
    if (sec->ca_file) {
        int ok = is_ip_literal(host)
                     ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(n->ssl), host)
                     : SSL_set1_host(n->ssl, host);

        if (ok != 1) {
            snprintf(err, errlen, "TLS：无法核对服务器名称 %s", host);
            rc = RS_EINVAL;
            goto out;
        }
    }
    for (;;) {
        int r, e;

        ERR_clear_error();
        r = SSL_connect(n->ssl);
        if (r == 1)
            break;
        e = SSL_get_error(n->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            rc = wait_fd(n->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, n->timeout_ms);
            if (rc) {
                snprintf(err, errlen, "与 %s 的 TLS 握手：%u 毫秒内没有应答", hostport,
                         n->timeout_ms);
                goto out;
            }
            continue;
        }
        if (note.err != X509_V_OK) {
            snprintf(err, errlen,
                     "TLS：服务器证书不可信：%s（证书主体“%s”，签发者“%s”，"
                     "链深度 %d；已对照 CA 文件 %s 和名称 %s 核验）",
                     X509_verify_cert_error_string(note.err), note.subject, note.issuer,
                     note.depth, sec->ca_file, host);
            rc = RS_EAUTH;
        } else if (e == SSL_ERROR_SSL) {
            ssl_reason(why, sizeof(why), "协议错误");
            snprintf(err, errlen,
                     "与 %s 的 TLS 握手失败：%s（该端口上的服务器是否使用 TLS？"
                     "不会退回到明文连接）",
                     hostport, why);
            rc = RS_EAUTH;
        } else {
            snprintf(err, errlen, "与 %s 的 TLS 握手：服务器关闭了连接", hostport);
            rc = RS_ECLOSED;
        }
        ERR_clear_error();
        goto out;
    }
out:
    SSL_set_app_data(n->ssl, NULL);
    return rc;
}

/* Compares the server certificate's SHA-256 with the pin. */
static rs_status check_pin(struct rs_net *n, const char *pin, char *err, size_t errlen)
{
    uint8_t want[32], got[32];
    unsigned int len = 0;
    char want_hex[65], got_hex[65], subject[NAME_MAX_LEN];
    X509 *cert = SSL_get1_peer_certificate(n->ssl);
    rs_status rc = RS_OK;

    if (rs_net_pin_parse(pin, want) != RS_OK) {
        snprintf(err, errlen, "指纹 %s 不是 sha256:<64 位十六进制数字>", pin);
        rc = RS_EINVAL;
        goto out;
    }
    if (!cert || X509_digest(cert, EVP_sha256(), got, &len) != 1 || len != 32) {
        snprintf(err, errlen, "TLS：服务器没有发送可与指纹核对的证书");
        rc = RS_EAUTH;
        goto out;
    }
    if (memcmp(want, got, 32) != 0) {
        fingerprint_hex(want, want_hex);
        fingerprint_hex(got, got_hex);
        name_of(X509_get_subject_name(cert), subject, sizeof(subject));
        snprintf(err, errlen,
                 "TLS：服务器证书与指纹不符：应为 sha256:%s，"
                 "实为 sha256:%s（证书主体“%s”）",
                 want_hex, got_hex, subject);
        rc = RS_EAUTH;
    }
out:
    X509_free(cert);
    ERR_clear_error();
    return rc;
}

rs_status rs_net_connect(struct rs_net *n, const char *hostport,
                         const struct rs_net_security *sec, uint32_t timeout_ms, char *err,
                         size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    char host[256];
    uint8_t pin[32];
    const char *colon = strrchr(hostport, ':');
    const char *h = hostport;
    size_t hl;
    int gai, err_no = 0;
    bool tried = false;
    rs_status rc = RS_EIO;

    memset(n, 0, sizeof(*n));
    n->fd = -1;
    n->timeout_ms = timeout_ms;
    rs_frame_rx_init(&n->rx, CLIENT_MAX_FRAME);
    if (!sec || (sec->plaintext && (sec->ca_file || sec->pin)) ||
        (!sec->plaintext && !sec->ca_file && !sec->pin)) {
        snprintf(err, errlen, "TLS 需要 CA 文件或证书指纹；或只用 plaintext（仅限本机）");
        return RS_EINVAL;
    }
    if (sec->pin && rs_net_pin_parse(sec->pin, pin) != RS_OK) {
        snprintf(err, errlen, "指纹“%s”不是 sha256:<64 位十六进制数字>", sec->pin);
        return RS_EINVAL;
    }
    if (!colon || colon == hostport || !colon[1]) {
        snprintf(err, errlen, "服务器地址“%s”不是 主机:端口", hostport);
        return RS_EINVAL;
    }
    hl = (size_t)(colon - hostport);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= sizeof(host)) {
        snprintf(err, errlen, "服务器主机名过长");
        return RS_EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "无法解析 %s：%s", hostport, gai_strerror(gai));
        return RS_EIO;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        if (sec->plaintext && !is_loopback_addr(ai->ai_addr))
            continue;
        tried = true;
        rc = try_connect(ai, timeout_ms, &n->fd, &err_no);
        if (rc == RS_OK)
            break;
    }
    freeaddrinfo(res);
    if (!tried) {
        snprintf(err, errlen, "明文连接只能连到本机上的服务器（127.0.0.0/8 或 ::1）；"
                              "%s 不是本机：请给出 --ca 文件 或 --pin", host);
        return RS_EINVAL;
    }
    if (rc) {
        snprintf(err, errlen, "无法连接 %s：%s", hostport, strerror(err_no));
        return rc;
    }
    if (sec->plaintext)
        return RS_OK;
    rc = tls_context(n, sec, err, errlen);
    if (rc == RS_OK)
        rc = tls_handshake(n, hostport, host, sec, err, errlen);
    if (rc == RS_OK && sec->pin)
        rc = check_pin(n, sec->pin, err, errlen);
    if (rc)
        rs_net_close(n);
    return rc;
}

/* Writes all of buf within the deadline, through TLS or straight to the socket. */
static rs_status write_all(struct rs_net *n, const uint8_t *buf, size_t len, char *err,
                           size_t errlen)
{
    size_t off = 0;
    rs_status rc = RS_OK;

    while (off < len) {
        short wait_for = POLLOUT;

        if (n->ssl) {
            size_t w = 0;
            int e;

            ERR_clear_error();
            if (SSL_write_ex(n->ssl, buf + off, len - off, &w) == 1) {
                off += w;
                continue;
            }
            e = SSL_get_error(n->ssl, 0);
            if (e == SSL_ERROR_WANT_READ) {
                wait_for = POLLIN;
            } else if (e != SSL_ERROR_WANT_WRITE) {
                snprintf(err, errlen, "发送失败：%s",
                         e == SSL_ERROR_SYSCALL && errno ? strerror(errno) : "TLS 错误");
                ERR_clear_error();
                return RS_EIO;
            }
        } else {
            ssize_t w = send(n->fd, buf + off, len - off, MSG_NOSIGNAL);

            if (w > 0) {
                off += (size_t)w;
                continue;
            }
            if (w < 0 && errno == EINTR)
                continue;
            if (!(w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) {
                snprintf(err, errlen, "发送失败：%s", strerror(errno));
                return RS_EIO;
            }
        }
        rc = wait_fd(n->fd, wait_for, n->timeout_ms);
        if (rc) {
            snprintf(err, errlen, "发送失败：%s",
                     rc == RS_ETIMEDOUT ? "超时" : strerror(errno));
            return rc;
        }
    }
    return RS_OK;
}

rs_status rs_net_send(struct rs_net *n, const Rs__Envelope *env, char *err, size_t errlen)
{
    uint8_t *buf;
    size_t len;
    rs_status rc = rs_wire_pack(env, RS_FRAME_MAX_DEFAULT, 0, &buf, &len);

    if (rc) {
        snprintf(err, errlen, "无法编码请求：%s", rs_status_zh(rc));
        return rc;
    }
    rc = write_all(n, buf, len, err, errlen);
    free(buf);
    return rc;
}

/*
 * Reads what is there into dst: > 0 bytes, 0 when the server closed, or
 * -1 with *wait_for set when the socket must be waited on, or -2 on an
 * error (err set, *st the status).
 */
static ssize_t read_some(struct rs_net *n, uint8_t *dst, size_t room, short *wait_for,
                         rs_status *st, char *err, size_t errlen)
{
    char why[256];

    if (n->ssl) {
        size_t got = 0;
        int e;

        ERR_clear_error();
        if (SSL_read_ex(n->ssl, dst, room, &got) == 1)
            return (ssize_t)got;
        e = SSL_get_error(n->ssl, 0);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            *wait_for = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
            return -1;
        }
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == ECONNRESET))
            return 0;
        ssl_reason(why, sizeof(why), e == SSL_ERROR_SYSCALL && errno ? strerror(errno)
                                                                     : "TLS 错误");
        snprintf(err, errlen, "接收失败：%s", why);
        *st = RS_EIO;
        return -2;
    }
    for (;;) {
        ssize_t r = recv(n->fd, dst, room, 0);

        if (r >= 0)
            return r;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            *wait_for = POLLIN;
            return -1;
        }
        if (errno == ECONNRESET)
            return 0;
        snprintf(err, errlen, "接收失败：%s", strerror(errno));
        *st = RS_EIO;
        return -2;
    }
}

rs_status rs_net_recv(struct rs_net *n, Rs__Envelope **env, char *err, size_t errlen)
{
    for (;;) {
        const uint8_t *p;
        uint8_t *dst;
        size_t len, room;
        ssize_t r;
        short wait_for = POLLIN;
        rs_status rc = rs_frame_rx_next(&n->rx, &p, &len);

        if (rc == RS_OK) {
            rc = rs_wire_unpack(p, len, env);
            rs_frame_rx_consume(&n->rx);
            if (rc)
                snprintf(err, errlen, "服务器的应答无法解析");
            return rc;
        }
        if (rc != RS_EAGAIN) {
            snprintf(err, errlen, "服务器应答的分帧格式有误");
            return rc;
        }
        rc = rs_frame_rx_reserve(&n->rx, 65536, &dst, &room);
        if (rc) {
            snprintf(err, errlen, "应答过大");
            return rc;
        }
        r = read_some(n, dst, room, &wait_for, &rc, err, errlen);
        if (r > 0) {
            /* A TLS record (alert 0x15 or handshake 0x16, version 3.x) on a
             * plaintext connection: the server wants TLS. */
            if (!n->ssl && !n->got_any && r >= 2 && (dst[0] == 0x15 || dst[0] == 0x16) &&
                dst[1] == 0x03) {
                snprintf(err, errlen, "服务器以 TLS 应答：请去掉 --plaintext，给出 "
                                      "--ca 文件 或 --pin sha256:十六进制");
                return RS_EPROTO;
            }
            n->got_any = true;
            rs_frame_rx_commit(&n->rx, (size_t)r);
            continue;
        }
        if (r == 0) {
            snprintf(err, errlen, "服务器关闭了连接");
            return RS_ECLOSED;
        }
        if (r == -2)
            return rc;
        rc = wait_fd(n->fd, wait_for, n->timeout_ms);
        if (rc) {
            snprintf(err, errlen, "服务器 %u 毫秒内没有应答", n->timeout_ms);
            return rc;
        }
    }
}

void rs_net_close(struct rs_net *n)
{
    if (n->ssl) {
        ERR_clear_error();
        (void)SSL_shutdown(n->ssl);     /* best effort; never waits */
        SSL_free(n->ssl);
    }
    SSL_CTX_free(n->ctx);
    ERR_clear_error();
    n->ssl = NULL;
    n->ctx = NULL;
    if (n->fd >= 0)
        close(n->fd);
    n->fd = -1;
    rs_frame_rx_free(&n->rx);
}

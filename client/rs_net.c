/*
 * rs_net.c - blocking TCP with poll(2) deadlines, framed envelopes.
 */
#include "rs_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rs_wire.h"

/* Replies can carry a whole report. */
#define CLIENT_MAX_FRAME (RS_MAX_REPORT_BYTES + 65536)

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

rs_status rs_net_connect(struct rs_net *n, const char *hostport, uint32_t timeout_ms,
                         char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    char host[256];
    const char *colon = strrchr(hostport, ':');
    const char *h = hostport;
    size_t hl;
    int gai, err_no = 0;
    rs_status rc = RS_EIO;

    n->fd = -1;
    n->timeout_ms = timeout_ms;
    rs_frame_rx_init(&n->rx, CLIENT_MAX_FRAME);
    if (!colon || colon == hostport || !colon[1]) {
        snprintf(err, errlen, "server address '%s' is not HOST:PORT", hostport);
        return RS_EINVAL;
    }
    hl = (size_t)(colon - hostport);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= sizeof(host)) {
        snprintf(err, errlen, "server host name too long");
        return RS_EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", hostport, gai_strerror(gai));
        return RS_EIO;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        rc = try_connect(ai, timeout_ms, &n->fd, &err_no);
        if (rc == RS_OK)
            break;
    }
    freeaddrinfo(res);
    if (rc)
        snprintf(err, errlen, "cannot connect to %s: %s", hostport, strerror(err_no));
    return rc;
}

rs_status rs_net_send(struct rs_net *n, const Rs__Envelope *env, char *err, size_t errlen)
{
    uint8_t *buf;
    size_t len, off = 0;
    rs_status rc = rs_wire_pack(env, RS_FRAME_MAX_DEFAULT, 0, &buf, &len);

    if (rc) {
        snprintf(err, errlen, "cannot encode request: %s", rs_status_str(rc));
        return rc;
    }
    while (off < len) {
        ssize_t w = send(n->fd, buf + off, len - off, MSG_NOSIGNAL);

        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            rc = wait_fd(n->fd, POLLOUT, n->timeout_ms);
            if (rc)
                break;
            continue;
        }
        rc = RS_EIO;
        break;
    }
    free(buf);
    if (rc)
        snprintf(err, errlen, "send failed: %s", rc == RS_ETIMEDOUT ? "timed out" : strerror(errno));
    return rc;
}

rs_status rs_net_recv(struct rs_net *n, Rs__Envelope **env, char *err, size_t errlen)
{
    for (;;) {
        const uint8_t *p;
        uint8_t *dst;
        size_t len, room;
        ssize_t r;
        rs_status rc = rs_frame_rx_next(&n->rx, &p, &len);

        if (rc == RS_OK) {
            rc = rs_wire_unpack(p, len, env);
            rs_frame_rx_consume(&n->rx);
            if (rc)
                snprintf(err, errlen, "unparsable reply from the server");
            return rc;
        }
        if (rc != RS_EAGAIN) {
            snprintf(err, errlen, "malformed reply framing from the server");
            return rc;
        }
        rc = rs_frame_rx_reserve(&n->rx, 65536, &dst, &room);
        if (rc) {
            snprintf(err, errlen, "reply too large");
            return rc;
        }
        r = recv(n->fd, dst, room, 0);
        if (r > 0) {
            rs_frame_rx_commit(&n->rx, (size_t)r);
            continue;
        }
        if (r == 0) {
            snprintf(err, errlen, "server closed the connection");
            return RS_ECLOSED;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            rc = wait_fd(n->fd, POLLIN, n->timeout_ms);
            if (rc) {
                snprintf(err, errlen, "no reply from the server within %u ms", n->timeout_ms);
                return rc;
            }
            continue;
        }
        snprintf(err, errlen, "receive failed: %s", strerror(errno));
        return errno == ECONNRESET ? RS_ECLOSED : RS_EIO;
    }
}

void rs_net_close(struct rs_net *n)
{
    if (n->fd >= 0)
        close(n->fd);
    n->fd = -1;
    rs_frame_rx_free(&n->rx);
}

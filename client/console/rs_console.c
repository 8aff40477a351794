/*
 * rs_console.c - `resettle console`: starts and stops the console.
 *
 * Binds the loopback address (so the guard knows its port before the first
 * request), makes the per-start secret, opens the outbox (refusing a
 * damaged one, as every other command does), starts the sending thread and
 * the HTTP daemon, prints the URL and, when a desktop is present (DISPLAY
 * or WAYLAND_DISPLAY set and xdg-open on PATH), opens it.  Then it waits
 * for SIGINT or SIGTERM and stops everything in the reverse order.
 *
 * Does not: serve requests (rs_console_http.c) or send (rs_console_sender.c).
 */
#include "rs_console.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rs_console_http.h"
#include "rs_console_int.h"

extern char **environ;

/* A listening socket on host:port; the port bound into *port.  -1 on failure. */
static int listen_on(const char *host, uint16_t *port, bool *ipv6)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, one = 1;

    memset(&ss, 0, sizeof(ss));
    *ipv6 = strchr(host, ':') != NULL;
    if (*ipv6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

        a->sin6_family = AF_INET6;
        a->sin6_port = htons(*port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return -1;
        sl = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;

        a->sin_family = AF_INET;
        a->sin_port = htons(*port);
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return -1;
        sl = sizeof(*a);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 32) != 0)
        goto fail;
    sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        goto fail;
    *port = ntohs(*ipv6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                        : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
fail:
    close(fd);
    return -1;
}

/* True when a desktop session is there to open a browser in. */
static bool desktop(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY"), *path = getenv("PATH");
    char dir[4096];

    if (!((x && *x) || (w && *w)) || !path)
        return false;
    while (*path) {
        size_t n = strcspn(path, ":");

        if (n > 0 && n + sizeof("/xdg-open") <= sizeof(dir)) {
            memcpy(dir, path, n);
            memcpy(dir + n, "/xdg-open", sizeof("/xdg-open"));
            if (access(dir, X_OK) == 0)
                return true;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

/* Starts xdg-open URL, signals unblocked; its exit is not waited for. */
static void open_browser(const char *url)
{
    posix_spawnattr_t at;
    sigset_t none;
    pid_t pid;
    char *argv[] = {"xdg-open", (char *)url, NULL};

    if (posix_spawnattr_init(&at) != 0)
        return;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    if (posix_spawnp(&pid, "xdg-open", NULL, &at, argv, environ) != 0)
        fprintf(stderr, "resettle: 无法启动 xdg-open；请自己在浏览器中打开该地址\n");
    posix_spawnattr_destroy(&at);
}

int rs_console_run(const struct rs_console_opts *o)
{
    struct rs_console *c;
    struct MHD_Daemon *d = NULL;
    char host[64], err[512], url[256];
    uint16_t port;
    sigset_t sigs;
    bool ipv6, mu = false;
    int fd = -1, sig, ret = 1;

    if (rs_console_listen_parse(o->listen, host, sizeof(host), &port) != RS_OK) {
        fprintf(stderr, "resettle: --listen 须为本机回环地址和端口，例如 "
                        "127.0.0.1:8420（操作台只为本机服务）\n");
        return 2;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return 1;
    c->o = *o;
    /* Every thread started from here on leaves these two to sigwait below. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    fd = listen_on(host, &port, &ipv6);
    if (fd < 0) {
        fprintf(stderr, "resettle: 无法在 %s 上监听：%s\n", o->listen, strerror(errno));
        goto out;
    }
    if (rs_console_guard_init(&c->guard, host, port) != RS_OK) {
        fprintf(stderr, "resettle: 无法取得随机数来生成操作台的密钥\n");
        goto out;
    }
    if (rs_outbox_open(o->outbox, &c->ob, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "resettle: %s\n", err);
        goto out;
    }
    if (rs_outbox_check(c->ob) != RS_OK) {
        fprintf(stderr, "resettle: 发件箱 %s %s\nresettle: 请把其中尚存的记录复制到新的发件箱，"
                        "改用新的发件箱：\n  resettle outbox salvage --from "
                        "%s --to 新发件箱.outbox\n", o->outbox, rs_outbox_errmsg(c->ob), o->outbox);
        goto out;
    }
    if (pthread_mutex_init(&c->ob_mu, NULL) != 0)
        goto out;
    mu = true;
    if (rs_sender_start(&c->sender, &c->o) != 0) {
        fprintf(stderr, "resettle: 无法启动发送线程\n");
        goto out;
    }
    d = rs_console_http_start(c, fd, ipv6);
    if (!d) {
        fprintf(stderr, "resettle: 无法启动操作台的 HTTP 服务\n");
        goto out;
    }
    fd = -1;             /* the daemon's now */
    snprintf(url, sizeof(url), "http://%s/?k=%s", c->guard.host, c->guard.secret);
    printf("console: %s\n", url);
    printf("控制台已启动，请用浏览器打开上面的地址（只在本机有效，按 Ctrl+C 退出）\n");
    fflush(stdout);
    if (o->open_browser && desktop())
        open_browser(url);
    while (sigwait(&sigs, &sig) != 0)
        ;
    printf("console: stopped (signal %d)\n", sig);
    ret = 0;
out:
    rs_console_http_stop(d);
    rs_sender_stop(&c->sender);
    if (fd >= 0)
        close(fd);
    if (mu)
        pthread_mutex_destroy(&c->ob_mu);
    rs_outbox_close(c->ob);
    explicit_bzero(&c->guard, sizeof(c->guard));
    free(c);
    return ret;
}

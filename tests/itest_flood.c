/*
 * itest_flood.c - what connections that never sign in may make the real
 * resettled hold, and whether a real township is served meanwhile.
 *
 * Prefix flood: 2,000 connections (from eight loopback addresses) each send
 * the length prefix of a frame of 1 MiB - 2 bytes, just under the frame
 * cap, and then all of its body but the last byte.  Before sign-in the cap
 * is what a Hello needs, so each is refused ERR_TOO_BIG from its prefix
 * and the server's resident memory stays where it was (the figures are
 * printed).
 *
 * Silent flood: connections that send nothing, from 127.0.0.2 and
 * 127.0.0.3, up to 6,000 held per address and reopened as soon as the
 * server closes them, while a real township (`resettle submit` from
 * 127.0.0.1) submits a new record every 200 ms.  Every submission must be
 * stored; the flood's figures and the township's success rate are
 * printed.  Once with the default caps (the per-address cap on connections
 * waiting to sign in holds the flood), once with a pool smaller than the
 * flood (--max-unauth 300), where the connection that waited longest is
 * closed for each newer one.
 *
 * Does not: test slow readers or hoarding signed-in clients (itest_exhaust.c)
 * or the failed-handshake limit (itest_handshake.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_harness.h"

#define CAP (1u << 20)                 /* the frame cap after sign-in */
#define N_PREFIX 2000                  /* connections of the prefix flood */
#define N_PREFIX_SRC 8                 /* their source addresses: 127.0.1.1 .. 127.0.1.8 */
#define FLOOD_PER_ADDR 6000            /* silent connections held per flooding address */
#define FLOOD_OPEN_PER_TICK 50         /* new ones per address per 50 ms tick: 1,000/s */
#define ROUND_GAP_MS 200
/* What the prefix flood may add to the server's memory: 16 MiB, or 64 MiB
 * under ASan, TSan or valgrind, whose shadow memory grows with the heap (one
 * TSan run measured 16.7 MiB).  Before the cap of 4 KiB before sign-in it
 * was 2 GiB. */
/* The township's submissions during a flood: 25, or 6 under valgrind or TSan
 * (each is a client process started under the tool). */
static int rounds(void)
{
    return it_slow() ? 6 : 25;
}

static long rss_growth_kb(void)
{
#ifdef __SANITIZE_ADDRESS__
    return 64 * 1024;
#else
    return it_slow() ? 64 * 1024 : 16 * 1024;
#endif
}

#define TOWN "430602001"

struct env {
    char dir[256];
    char db[512];
    char *tok;
    struct it_server srv;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    struct rlimit rl;

    if (!e)
        return -1;
    /* The flood and the server both need more descriptors than the default. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 16384) {
        rl.rlim_cur = rl.rlim_max < 16384 ? rl.rlim_max : 16384;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    it_tmpdir(e->dir, "flood");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    e->tok = it_office_add(e->dir, e->db, TOWN, "金鹗山街道", "township");
    if (!e->tok)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    if (e->srv.pid > 0 && it_alive(e->srv.pid))
        it_server_kill(&e->srv);
    free(e->tok);
    it_rmtree(e->dir);
    free(e);
    return 0;
}

/* The server's port, from "127.0.0.1:PORT". */
static uint16_t server_port(const struct env *e)
{
    const char *colon = strrchr(e->srv.addr, ':');

    return (uint16_t)atoi(colon ? colon + 1 : "0");
}

/* A non-blocking socket from src connecting to 127.0.0.1:port; -1 if it cannot start. */
static int connect_from(const char *src, uint16_t port)
{
    struct sockaddr_in from, to;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    memset(&from, 0, sizeof(from));
    from.sin_family = AF_INET;
    inet_pton(AF_INET, src, &from.sin_addr);
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0 ||
        (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Reads what fd holds into rx; returns the error code of a complete Error
 * frame (0 if none yet), and sets *eof when the server has closed.
 */
static int read_reply(int fd, struct rs_frame_rx *rx, bool *eof, char *msg, size_t msglen)
{
    for (;;) {
        const uint8_t *p;
        uint8_t *dst;
        size_t len, room;
        ssize_t r;

        if (rs_frame_rx_next(rx, &p, &len) == RS_OK) {
            Rs__Envelope *env = rs__envelope__unpack(NULL, len, p);
            int code = -1;

            rs_frame_rx_consume(rx);
            if (env && env->msg_case == RS__ENVELOPE__MSG_ERROR) {
                code = env->error->code;
                if (msg)
                    snprintf(msg, msglen, "%s", env->error->message ? env->error->message : "");
            }
            if (env)
                rs__envelope__free_unpacked(env, NULL);
            return code;
        }
        if (rs_frame_rx_reserve(rx, 4096, &dst, &room) != RS_OK)
            return -1;
        r = recv(fd, dst, room, MSG_DONTWAIT);
        if (r > 0) {
            rs_frame_rx_commit(rx, (size_t)r);
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            *eof = true;
        return 0;
    }
}

/* ------------------------------------------------------------ prefix flood */

struct pconn {
    int fd;
    struct rs_frame_rx rx;
    size_t sent;                   /* bytes of prefix and body written */
    int code;                      /* the Error's code, 0 none, -1 something else */
    bool done;
};

static void test_prefix_flood(void **state)
{
    struct env *e = *state;
    struct pconn *pc = calloc(N_PREFIX, sizeof(*pc));
    struct pollfd *pfd = calloc(N_PREFIX, sizeof(*pfd));
    uint8_t *frame = calloc(1, CAP);
    uint8_t pre[RS_VARINT_MAX];
    size_t np = rs_varint_encode(CAP - 2, pre), want;
    long rss0, rss1, hwm, t0, deadline;
    int open_n = 0, too_big = 0, busy = 0, other = 0, left;
    uint16_t port;

    assert_non_null(pc);
    assert_non_null(pfd);
    assert_non_null(frame);
    memcpy(frame, pre, np);
    want = np + CAP - 3;           /* everything but the frame's last byte */
    assert_int_equal(it_server_start(&e->srv, e->dir, e->db), 0);
    port = server_port(e);
    rss0 = it_proc_kb(e->srv.pid, "VmRSS");
    t0 = it_now_ms();
    for (int i = 0; i < N_PREFIX; i++) {
        char src[32];

        snprintf(src, sizeof(src), "127.0.1.%d", 1 + i % N_PREFIX_SRC);
        rs_frame_rx_init(&pc[i].rx, 1 << 16);
        pc[i].fd = connect_from(src, port);
        assert_true(pc[i].fd >= 0);
        open_n++;
    }
    deadline = it_now_ms() + (it_slow() ? 300000 : 60000);
    left = N_PREFIX;
    while (left > 0 && it_now_ms() < deadline) {
        for (int i = 0; i < N_PREFIX; i++) {
            pfd[i].fd = pc[i].done ? -1 : pc[i].fd;
            pfd[i].events = POLLIN | (pc[i].sent < want ? POLLOUT : 0);
            pfd[i].revents = 0;
        }
        if (poll(pfd, N_PREFIX, 100) < 0 && errno != EINTR)
            fail_msg("poll: %s", strerror(errno));
        for (int i = 0; i < N_PREFIX; i++) {
            struct pconn *c = &pc[i];
            bool eof = false;

            if (c->done || !pfd[i].revents)
                continue;
            if ((pfd[i].revents & POLLOUT) && c->sent < want) {
                ssize_t w = send(c->fd, frame + c->sent, want - c->sent,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);

                if (w > 0)
                    c->sent += (size_t)w;
            }
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                int code = read_reply(c->fd, &c->rx, &eof, NULL, 0);

                if (code != 0 && c->code == 0)
                    c->code = code;
            }
            if (eof) {
                c->done = true;
                left--;
            }
        }
    }
    hwm = it_proc_kb(e->srv.pid, "VmHWM");
    rss1 = it_proc_kb(e->srv.pid, "VmRSS");
    for (int i = 0; i < N_PREFIX; i++) {
        if (pc[i].code == RS__ERROR_CODE__ERR_TOO_BIG)
            too_big++;
        else if (pc[i].code == RS__ERROR_CODE__ERR_BUSY)
            busy++;
        else
            other++;
        close(pc[i].fd);
        rs_frame_rx_free(&pc[i].rx);
    }
    fprintf(stderr,
            "# prefix flood: %d connections from %d addresses, each a prefix of %u bytes and "
            "%zu body bytes offered: %d ERR_TOO_BIG, %d ERR_BUSY, %d other, %d still open "
            "after %ld ms; server VmRSS %ld kB before, %ld kB after, peak (VmHWM) %ld kB\n",
            open_n, N_PREFIX_SRC, CAP - 2, want - np, too_big, busy, other, left,
            it_now_ms() - t0, rss0, rss1, hwm);
    assert_int_equal(left, 0);
    assert_int_equal(other, 0);
    assert_true(too_big > 0);
    assert_true(hwm - rss0 < rss_growth_kb());
    /* Still serving: a township signs in and stores a record. */
    {
        char csv[600], outbox[600], out[600];
        const char *args[] = {"submit", csv, NULL};

        it_path(csv, sizeof(csv), e->dir, "after.csv");
        it_path(outbox, sizeof(outbox), e->dir, "after.outbox");
        it_path(out, sizeof(out), e->dir, "after.out");
        it_relief_csv(csv, TOWN, 1, 3, 600);
        assert_int_equal(it_client(e->dir, &e->srv, TOWN, e->tok, outbox, out, args), 0);
    }
    assert_int_equal(it_server_stop_logged(&e->srv), 0);
    free(frame);
    free(pfd);
    free(pc);
}

/* ------------------------------------------------------------ silent flood */

struct flood {
    int *fd;                       /* FLOOD_PER_ADDR slots per address, -1 free */
    struct rs_frame_rx *rx;
    struct pollfd *pfd;
    int *slot_of;                  /* pfd index -> slot */
    size_t n;                      /* slots */
    long opened, closed, busy, evicted, timeouts, held_max;
};

static void flood_init(struct flood *f, int naddr)
{
    memset(f, 0, sizeof(*f));
    f->n = (size_t)naddr * FLOOD_PER_ADDR;
    f->fd = malloc(f->n * sizeof(*f->fd));
    f->rx = calloc(f->n, sizeof(*f->rx));
    f->pfd = calloc(f->n, sizeof(*f->pfd));
    f->slot_of = calloc(f->n, sizeof(*f->slot_of));
    assert_non_null(f->fd);
    assert_non_null(f->rx);
    assert_non_null(f->pfd);
    assert_non_null(f->slot_of);
    for (size_t i = 0; i < f->n; i++) {
        f->fd[i] = -1;
        rs_frame_rx_init(&f->rx[i], 4096);
    }
}

static void flood_free(struct flood *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->fd[i] >= 0)
            close(f->fd[i]);
        rs_frame_rx_free(&f->rx[i]);
    }
    free(f->fd);
    free(f->rx);
    free(f->pfd);
    free(f->slot_of);
}

/* Opens up to FLOOD_OPEN_PER_TICK more silent connections from each address. */
static void flood_open(struct flood *f, const char *const *addrs, int naddr, uint16_t port)
{
    for (int a = 0; a < naddr; a++) {
        int opened = 0;

        for (size_t k = 0; k < FLOOD_PER_ADDR && opened < FLOOD_OPEN_PER_TICK; k++) {
            size_t i = (size_t)a * FLOOD_PER_ADDR + k;

            if (f->fd[i] >= 0)
                continue;
            f->fd[i] = connect_from(addrs[a], port);
            if (f->fd[i] < 0)
                return;            /* out of ports or descriptors for now */
            f->opened++;
            opened++;
        }
    }
}

/* Reads what the server said on every flood connection for up to ms; reopened later. */
static void flood_poll(struct flood *f, int ms)
{
    size_t n = 0;
    long held = 0;

    for (size_t i = 0; i < f->n; i++) {
        if (f->fd[i] < 0)
            continue;
        f->pfd[n].fd = f->fd[i];
        f->pfd[n].events = POLLIN;
        f->pfd[n].revents = 0;
        f->slot_of[n++] = (int)i;
        held++;
    }
    if (held > f->held_max)
        f->held_max = held;
    if (poll(f->pfd, n, ms) <= 0)
        return;
    for (size_t k = 0; k < n; k++) {
        size_t i = (size_t)f->slot_of[k];
        bool eof = false;
        char msg[200] = "";
        int code;

        if (!f->pfd[k].revents)
            continue;
        code = read_reply(f->fd[i], &f->rx[i], &eof, msg, sizeof(msg));
        if (code == RS__ERROR_CODE__ERR_BUSY) {
            f->busy++;
            if (strstr(msg, "waited longest"))
                f->evicted++;
        } else if (code == RS__ERROR_CODE__ERR_TIMEOUT) {
            f->timeouts++;
        }
        if (eof || (f->pfd[k].revents & (POLLHUP | POLLERR))) {
            close(f->fd[i]);
            f->fd[i] = -1;
            rs_frame_rx_free(&f->rx[i]);
            rs_frame_rx_init(&f->rx[i], 4096);
            f->closed++;
        }
    }
}

/*
 * The township: rounds() submissions of one new record each, ROUND_GAP_MS
 * apart, each a real `resettle submit` with its own outbox.  Runs in a
 * child; writes "ok N slowest MS" to result.
 */
static void township_rounds(struct env *e, const char *result)
{
    long slowest = 0;
    int ok = 0;
    FILE *f;

    for (int r = 0; r < rounds(); r++) {
        char csv[600], outbox[600], out[600], name[64];
        const char *args[] = {"submit", csv, NULL};
        long t0;
        int st;

        snprintf(name, sizeof(name), "round-%d.csv", r);
        it_path(csv, sizeof(csv), e->dir, name);
        snprintf(name, sizeof(name), "round-%d.outbox", r);
        it_path(outbox, sizeof(outbox), e->dir, name);
        snprintf(name, sizeof(name), "round-%d.out", r);
        it_path(out, sizeof(out), e->dir, name);
        it_relief_csv(csv, TOWN, 100 * r + 1, 1, 600);
        t0 = it_now_ms();
        st = it_client(e->dir, &e->srv, TOWN, e->tok, outbox, out, args);
        if (it_now_ms() - t0 > slowest)
            slowest = it_now_ms() - t0;
        if (st == 0) {
            ok++;
        } else {
            char *text = it_read_file(out);

            fprintf(stderr, "# round %d: resettle exit %d:\n%s", r, st, text);
            free(text);
        }
        it_sleep_ms(ROUND_GAP_MS);
    }
    f = fopen(result, "w");
    if (f) {
        fprintf(f, "ok %d slowest %ld\n", ok, slowest);
        fclose(f);
    }
}

static void flood_while_township_submits(struct env *e, const char *const *extra,
                                         const char *what, bool expect_evictions)
{
    static const char *const addrs[] = {"127.0.0.2", "127.0.0.3"};
    struct flood f;
    char result[600], *text;
    long t0, deadline;
    int ok = -1, st;
    long slowest = -1;
    uint16_t port;
    pid_t kid;

    assert_int_equal(it_server_start_args(&e->srv, e->dir, e->db, extra), 0);
    port = server_port(e);
    flood_init(&f, 2);
    t0 = it_now_ms();
    /* The flood first: a second to fill whatever it can. */
    while (it_now_ms() - t0 < 1000) {
        flood_open(&f, addrs, 2, port);
        flood_poll(&f, 50);
    }
    it_path(result, sizeof(result), e->dir, "township.result");
    unlink(result);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        township_rounds(e, result);
        _exit(0);
    }
    deadline = it_now_ms() + (it_slow() ? 600000 : 180000);
    st = -1000;
    while (it_now_ms() < deadline) {
        int wst;

        if (waitpid(kid, &wst, WNOHANG) == kid) {
            st = WIFEXITED(wst) ? WEXITSTATUS(wst) : -WTERMSIG(wst);
            break;
        }
        flood_open(&f, addrs, 2, port);
        flood_poll(&f, 50);
    }
    if (st == -1000)
        st = it_wait(kid, 1000);
    text = it_read_file(result);
    if (sscanf(text, "ok %d slowest %ld", &ok, &slowest) != 2)
        ok = -1;
    free(text);
    fprintf(stderr,
            "# silent flood (%s): %ld connections opened from 127.0.0.2 and 127.0.0.3, up to "
            "%ld held at once; %ld closed by the server (%ld ERR_BUSY, of which %ld closed as "
            "the longest waiting, %ld ERR_TIMEOUT); township: %d of %d submissions stored "
            "(%d%%), slowest %ld ms\n",
            what, f.opened, f.held_max, f.closed, f.busy, f.evicted, f.timeouts, ok, rounds(),
            ok < 0 ? 0 : 100 * ok / rounds(), slowest);
    if (expect_evictions)
        assert_true(f.evicted > 0);
    flood_free(&f);
    assert_int_equal(st, 0);
    assert_int_equal(ok, rounds());
    assert_int_equal(it_sql_int(e->db, "SELECT count(*) FROM records"), rounds());
    assert_int_equal(it_server_stop_logged(&e->srv), 0);
}

static void test_silent_flood_default_caps(void **state)
{
    flood_while_township_submits(*state, NULL, "default caps", false);
}

static void test_silent_flood_small_pool(void **state)
{
    static const char *const extra[] = {"--max-unauth", "300", NULL};

    flood_while_township_submits(*state, extra, "pool of 300", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prefix_flood, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_flood_default_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_flood_small_pool, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * itest_exhaust.c - caps on what one peer may make the real resettled
 * hold, and slow peers.
 *
 * Caps: a batch over the record cap, 500,000 empty records packed under the
 * frame cap (refused, the memory peak bounded), more batches pipelined
 * than may be in flight (all answered, in order).
 *
 * Then, on a server of its own, slow clients: 200 connections that dribble
 * a Hello one byte every 250 ms (cut at the 10 s handshake deadline with
 * ERR_TIMEOUT) and three signed-in connections that pipeline big batches
 * and never read their acks, while a normal client's submission must
 * finish within 5 s and the server's resident memory must stay within a
 * stated bound.
 *
 * Does not: fill the disk (itest_faults.c) or make allocations fail
 * (itest_nomem.c).
 *
 * The catalogue's server, its two well-behaved clients and the helpers are
 * itest_catalogue.h's.
 */
#define CATALOGUE_NAME "exhaust"
#include "itest_catalogue.h"

/* ------------------------------------------------------------ caps */

static void test_batch_over_cap(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec *x = calloc(1001, sizeof(*x));
    Rs__Record **recs = calloc(1001, sizeof(*recs));
    uint64_t rid;
    char msg[80];

    assert_non_null(x);
    assert_non_null(recs);
    for (int i = 0; i < 1001; i++) {
        rec_relief(e, &x[i], TOWN_A);
        recs[i] = &x[i].r;
    }
    login(e, &c, TOWN_A, e->tok_a);
    rid = ++e->rid;
    assert_int_equal(it_conn_submit(&c, rid, recs, 1001, T_REPLY), 0);
    snprintf(msg, sizeof(msg), "batch of 1001 records; the cap is 1000");
    expect_error(&c, &rid, RS__ERROR_CODE__ERR_TOO_BIG, msg, false);
    assert_int_equal(count_id(e, x[0].id), 0);
    assert_int_equal(count_id(e, x[1000].id), 0);
    /* The connection stays usable: the first 1000 as a batch are stored. */
    submit_ok(e, &c, recs, 1000);
    it_conn_close(&c);
    free(recs);
    free(x);
}

/*
 * 500,000 empty records packed into a frame under the 1 MiB cap: the batch
 * is refused as too big, the connection stays usable, and the server's
 * memory peak stays bounded.
 */
static void test_huge_repeated_field_under_cap(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct pb sb = {0}, env = {0};
    const size_t n = 500000;
    uint64_t rid = ++e->rid;
    long hwm0 = it_proc_kb(e->srv.pid, "VmHWM"), hwm1, t0;
    char msg[80];

    for (size_t i = 0; i < n; i++) {
        const uint8_t empty[2] = {0x12, 0x00};

        pb_put(&sb, empty, 2);
    }
    pb_key(&env, 1, 0);
    pb_varint(&env, rid);
    pb_bytes(&env, 5, sb.p, sb.n);
    assert_true(env.n < CAP);
    login(e, &c, TOWN_A, e->tok_a);
    t0 = it_now_ms();
    send_pb(&c, &env);
    snprintf(msg, sizeof(msg), "batch of %zu records; the cap is 1000", n);
    expect_error(&c, &rid, RS__ERROR_CODE__ERR_TOO_BIG, msg, false);
    hwm1 = it_proc_kb(e->srv.pid, "VmHWM");
    fprintf(stderr, "# 500000-record frame refused in %ld ms; server VmHWM %ld -> %ld kB\n",
            it_now_ms() - t0, hwm0, hwm1);
    still_usable(e, &c, TOWN_A);
    it_conn_close(&c);
    pb_free(&sb);
    pb_free(&env);
}

/* Ten batches written at once (more than max_in_flight): ten acks, in order. */
static void test_pipelined_past_in_flight(void **state)
{
    struct env *e = *state;
    struct it_conn c;
    struct rec x[10];
    uint64_t first = e->rid + 1;

    login(e, &c, TOWN_A, e->tok_a);
    for (int i = 0; i < 10; i++) {
        Rs__Record *one[1] = {&x[i].r};

        rec_relief(e, &x[i], TOWN_A);
        assert_int_equal(it_conn_submit(&c, ++e->rid, one, 1, T_REPLY), 0);
    }
    for (int i = 0; i < 10; i++) {
        Rs__Envelope *r = expect_ack(&c, first + (uint64_t)i, 1);

        assert_ack(r->ack->acks[0], x[i].id, RS__ACK_STATUS__ACK_STORED);
        rs__envelope__free_unpacked(r, NULL);
        assert_int_equal(count_id(e, x[i].id), 1);
    }
    it_conn_close(&c);
}

/* ------------------------------------------------------------ slow clients */

#define N_SLOW 200                     /* connections dribbling a Hello */
#define N_HOARD 3                      /* signed-in connections that never read */
#define HOARD_BATCH 1000               /* records per batch they send */
#define STALL_MS 12000                 /* at least this long, past the 10 s deadline */
#define STABLE_MS 2000                 /* hoarders throttled: nothing stored this long */
#define MIN_ACK_BYTES 42000            /* a 1000-record BatchAck is at least this big */
#define HOARD_RCVBUF (128 << 10)       /* SO_RCVBUF of a hoarder (the kernel doubles it) */
#ifdef __SANITIZE_ADDRESS__
#define RSS_BOUND_KB (128 * 1024)      /* growth allowed under ASan (see below) */
#else
#define RSS_BOUND_KB (48 * 1024)       /* growth allowed without it */
#endif

static const char *const hoard_office[N_HOARD] = {"430602011", "430602012", "430602013"};

struct slow {
    struct it_conn c;
    uint8_t *hello;
    size_t len, sent;
    long t_open, t_error;              /* when connected; when ERR_TIMEOUT came */
    int got;                           /* 1 ERR_TIMEOUT then EOF, -1 anything else */
};

struct hoard {
    struct it_conn c;
    struct pb frame;                   /* the frame being written */
    size_t off;
    int batches;                       /* frames fully written */
    int serial;
};

/* A framed SubmitBatch of HOARD_BATCH relief records of hoarder `who`. */
static void hoard_next(struct hoard *h, int who)
{
    struct rec *x = calloc(HOARD_BATCH, sizeof(*x));
    Rs__Record **recs = calloc(HOARD_BATCH, sizeof(*recs));
    ProtobufCBinaryData *bd = calloc(HOARD_BATCH, sizeof(*bd));
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    uint8_t *bytes;
    size_t len;

    assert_non_null(x);
    assert_non_null(recs);
    assert_non_null(bd);
    for (int i = 0; i < HOARD_BATCH; i++) {
        snprintf(x[i].hh, sizeof(x[i].hh), "HOARD-%d-%d", h->serial, i);
        it_relief_record(&x[i].r, &x[i].rel, x[i].id, hoard_office[who], x[i].hh);
        recs[i] = &x[i].r;
    }
    it_record_bytes(recs, HOARD_BATCH, bd);
    sb.batch_id = x[0].id;
    sb.n_record_bytes = HOARD_BATCH;
    sb.record_bytes = bd;
    env.has_request_id = 1;
    env.request_id = (uint64_t)++h->serial;
    env.msg_case = RS__ENVELOPE__MSG_SUBMIT;
    env.submit = &sb;
    assert_int_equal(rs_wire_pack(&env, CAP, 0, &bytes, &len), RS_OK);
    pb_free(&h->frame);
    pb_put(&h->frame, bytes, len);
    h->off = 0;
    free(bytes);
    it_record_bytes_free(bd, HOARD_BATCH);
    free(bd);
    free(recs);
    free(x);
}

/* Writes what the socket takes now; starts the next frame when one is done. */
static void hoard_push(struct hoard *h, int who)
{
    for (;;) {
        ssize_t w = send(h->c.fd, h->frame.p + h->off, h->frame.n - h->off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (w <= 0)
            return;
        h->off += (size_t)w;
        if (h->off == h->frame.n) {
            h->batches++;
            hoard_next(h, who);
        }
    }
}

/* Reads one ack of hoarder h: the next request id, HOARD_BATCH records stored. */
static void hoard_ack(struct it_conn *c, int *acked, long timeout_ms)
{
    Rs__Envelope *r = NULL;

    assert_int_equal(it_conn_recv(c, &r, timeout_ms), 0);
    assert_int_equal(r->msg_case, RS__ENVELOPE__MSG_ACK);
    assert_int_equal(r->request_id, (uint64_t)++*acked);
    assert_int_equal(r->ack->n_acks, HOARD_BATCH);
    for (size_t k = 0; k < r->ack->n_acks; k++)
        assert_int_equal(r->ack->acks[k]->status, RS__ACK_STATUS__ACK_STORED);
    rs__envelope__free_unpacked(r, NULL);
}

static long long office_count(const struct env *e, const char *office)
{
    char sql[200];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE office_code='%s'", office);
    return it_sql_int(e->db, sql);
}

/* The third number of /proc/sys/net/ipv4/tcp_wmem: how far a send buffer may grow. */
static long tcp_wmem_max(void)
{
    char *t = it_read_file("/proc/sys/net/ipv4/tcp_wmem");
    long a = 0, b = 0, c = 0;

    if (sscanf(t, "%ld %ld %ld", &a, &b, &c) != 3)
        c = 4L << 20;
    free(t);
    return c;
}

static int slow_setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    const char *old = getenv("ASAN_OPTIONS");
    char *saved = old ? strdup(old) : NULL;
    char opts[1024];
    int rc;

    if (!e)
        return -1;
    it_tmpdir(e->dir, "slow");
    it_db_path(e->db, sizeof(e->db), e->dir, "resettle.db");
    e->tok_a = it_office_add(e->dir, e->db, TOWN_A, "金鹗山街道", "township");
    e->tok_b = it_office_add(e->dir, e->db, TOWN_B, "王家河街道", "township");
    for (int i = 0; i < N_HOARD; i++) {
        e->tok_h[i] = it_office_add(e->dir, e->db, hoard_office[i], "hoarder", "township");
        if (!e->tok_h[i])
            return -1;
    }
    if (!e->tok_a || !e->tok_b)
        return -1;
    /* ASan keeps 256 MB of freed memory in quarantine by default; keep it
     * small so that resident memory measures the server, not the sanitizer. */
    snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=16", old ? old : "",
             old && old[0] ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    rc = it_server_start(&e->srv, e->dir, e->db);
    if (saved) {
        setenv("ASAN_OPTIONS", saved, 1);
        free(saved);
    } else {
        unsetenv("ASAN_OPTIONS");
    }
    if (rc != 0) {
        if (e->srv.pid > 0 && it_alive(e->srv.pid))
            it_server_kill(&e->srv);
        return -1;
    }
    *state = e;
    return 0;
}

static int slow_teardown(void **state)
{
    struct env *e = *state;
    int st = it_server_stop_logged(&e->srv);

    if (it_rmtree(e->dir) != 0)
        st = -1;
    free(e->tok_a);
    free(e->tok_b);
    for (int i = 0; i < N_HOARD; i++)
        free(e->tok_h[i]);
    free(e);
    return st == 0 ? 0 : -1;
}

/*
 * 200 connections dribble a Hello one byte per 250 ms; three signed-in
 * offices pipeline 1000-record batches as fast as the server takes them and
 * never read an ack.  Meanwhile a normal `resettle submit` of 500 rows must
 * finish within 5 s; every dribbler is cut at the 10 s handshake deadline
 * with ERR_TIMEOUT; the hoarders are throttled (the server stops reading
 * them once their replies pile up, so nothing more of theirs is stored);
 * and resident memory stays within the bound below.  Afterwards the
 * hoarders read: every batch they finished writing is acknowledged, in
 * order, and stored.
 *
 * Throttling bound, per hoarder: acks fill the kernel's send buffer (at
 * most tcp_wmem[2], 4 MiB here), the hoarder's receive buffer (SO_RCVBUF
 * 128 KiB, doubled by the kernel) and the server's write queue (1 MiB,
 * write_queue_high, plus up to max_in_flight acks already under way, say
 * 256 KiB); at >= 42,000 bytes per 1000-record ack that is at most
 * (tcp_wmem[2] + 256 KiB + 1 MiB + 256 KiB) / 42,000 + 8 batches.
 *
 * Memory bound: per hoarder one frame in reassembly (<= 1 MiB), the write
 * queue (<= 1 MiB + 4 acks of ~46 KB) and at most max_in_flight = 4 batches
 * held for the writer (unpacked records, packed bodies, acks: ~1.3 MB each
 * without ASan): < 8 MiB, 24 MiB for three; per dribbler a 16 KiB read
 * buffer and its connection: < 4 MiB for 200; the writer's group of at most
 * 14 batches copied into one array (~250 B each record): 4 MiB; SQLite's page
 * caches (3 x 2 MiB): 6 MiB.  About 40 MiB in all, so the test allows
 * 48 MiB above the warmed-up baseline (18 MiB measured).  Under ASan the
 * redzones roughly double the small allocations and its quarantine is
 * capped at 16 MiB above: 128 MiB allowed (71 MiB measured).  A server that
 * kept reading would not stabilise at all.
 */
static void test_slow_clients_do_not_starve_others(void **state)
{
    struct env *e = *state;
    struct slow *s = calloc(N_SLOW, sizeof(*s));
    struct hoard h[N_HOARD];
    Rs__Envelope henv = RS__ENVELOPE__INIT;
    Rs__Hello hello = RS__HELLO__INIT;
    char csv[512], ob[512], out[512];
    long t0, rss0, rss_max = 0, t_client = -1, t_client_start = 0, last_drip = 0;
    long last_sample = 0, last_change = 0, limit_ms = it_slow() ? 240000 : 60000;
    long long hoarded = -1, per[N_HOARD];
    long max_batches =
        (tcp_wmem_max() + 2L * HOARD_RCVBUF + (1L << 20) + (256L << 10)) / MIN_ACK_BYTES + 8;
    pid_t client = -1;
    int cut = 0, client_status = -1;

    assert_non_null(s);
    memset(h, 0, sizeof(h));
    it_path(csv, sizeof(csv), e->dir, "normal.csv");
    it_path(ob, sizeof(ob), e->dir, "normal.outbox");
    it_path(out, sizeof(out), e->dir, "normal.out");
    it_relief_csv(csv, TOWN_B, 1, 500, 300);

    /* Warm up: one ordinary submission, then the baseline. */
    {
        struct it_conn c;
        struct rec x;
        Rs__Record *one[1] = {&x.r};

        login(e, &c, TOWN_A, e->tok_a);
        rec_relief(e, &x, TOWN_A);
        submit_ok(e, &c, one, 1);
        it_conn_close(&c);
    }
    rss0 = it_proc_kb(e->srv.pid, "VmRSS");
    assert_true(rss0 > 0);

    hello.has_protocol_version = 1;
    hello.protocol_version = 1;
    hello.office_code = TOWN_A;
    hello.token = e->tok_a;
    henv.msg_case = RS__ENVELOPE__MSG_HELLO;
    henv.hello = &hello;
    for (int i = 0; i < N_SLOW; i++) {
        assert_int_equal(rs_wire_pack(&henv, CAP, 0, &s[i].hello, &s[i].len), RS_OK);
        raw_open(e, &s[i].c);
        s[i].t_open = it_now_ms();
    }
    for (int i = 0; i < N_HOARD; i++) {
        /* A modest receive window, so the acks pile up on the server's side. */
        assert_int_equal(it_conn_open_rcvbuf(&h[i].c, e->srv.addr, HOARD_RCVBUF), 0);
        assert_int_equal(it_conn_hello(&h[i].c, hoard_office[i], e->tok_h[i], NULL, T_REPLY),
                         0);
        hoard_next(&h[i], i);
    }

    t0 = it_now_ms();
    for (;;) {
        long now = it_now_ms();
        long rss = it_proc_kb(e->srv.pid, "VmRSS");

        if (rss > rss_max)
            rss_max = rss;
        if (now - t0 >= STALL_MS && t_client >= 0 &&
            (now - last_change >= STABLE_MS || it_slow()))
            break;
        if (now - t0 >= limit_ms)
            break;
        if (now - last_drip >= 250) {
            last_drip = now;
            for (int i = 0; i < N_SLOW; i++) {
                if (s[i].got == 0 && s[i].sent + 1 < s[i].len &&
                    send(s[i].c.fd, s[i].hello + s[i].sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
                    s[i].sent++;
            }
        }
        for (int i = 0; i < N_SLOW; i++) {
            struct pollfd pfd = {s[i].c.fd, POLLIN, 0};
            Rs__Envelope *r = NULL;
            int rc;

            if (s[i].got != 0 || poll(&pfd, 1, 0) != 1)
                continue;
            rc = it_conn_recv(&s[i].c, &r, 1000);
            s[i].t_error = it_now_ms();
            s[i].got = -1;
            if (rc == 0 && r->msg_case == RS__ENVELOPE__MSG_ERROR &&
                r->error->code == RS__ERROR_CODE__ERR_TIMEOUT && r->error->close &&
                r->error->message &&
                strcmp(r->error->message, "no Hello within the handshake timeout") == 0 &&
                it_conn_wait_eof(&s[i].c, 2000) == 0)
                s[i].got = 1;
            if (r)
                rs__envelope__free_unpacked(r, NULL);
        }
        for (int i = 0; i < N_HOARD; i++)
            hoard_push(&h[i], i);
        if (client < 0 && now - t0 >= 1500) {
            char *argv[] = {RS_CLIENT_BIN, "--plaintext", "--server", e->srv.addr,
                            "--office", TOWN_B, "--token", e->tok_b, "--outbox", ob,
                            "--timeout", "30", "submit", csv, NULL};

            t_client_start = it_now_ms();
            client = it_spawn(argv, out, out);
        }
        if (client > 0 && t_client < 0) {
            int st;

            if (waitpid(client, &st, WNOHANG) == client) {
                t_client = it_now_ms() - t_client_start;
                client_status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
            }
        }
        if (now - last_sample >= 500) {
            long long sum = 0;

            last_sample = now;
            for (int i = 0; i < N_HOARD; i++)
                sum += office_count(e, hoard_office[i]);
            if (sum != hoarded) {
                hoarded = sum;
                last_change = now;
            }
        }
        it_sleep_ms(20);
    }
    for (int i = 0; i < N_HOARD; i++)
        per[i] = office_count(e, hoard_office[i]);
    for (int i = 0; i < N_SLOW; i++) {
        if (s[i].got == 1) {
            long after = s[i].t_error - s[i].t_open;

            if (after >= 9500 && after <= (it_slow() ? 30000 : 12000))
                cut++;
        }
    }
    fprintf(stderr,
            "# normal client %ld ms (exit %d); %d/%d dribblers cut with ERR_TIMEOUT at 10 s; "
            "hoarders: %lld, %lld, %lld records stored, throttled after %ld ms (bound %ld "
            "batches each); VmRSS %ld kB -> max %ld kB (+%ld kB)\n",
            t_client, client_status, cut, N_SLOW, per[0], per[1], per[2], last_change - t0,
            max_batches, rss0, rss_max, rss_max - rss0);

    /* The normal client was served within 5 s, all its rows stored. */
    assert_true(t_client >= 0);
    assert_int_equal(client_status, 0);
    assert_int_equal(office_count(e, TOWN_B), 500);
    /* Every dribbler was cut at the handshake deadline. */
    assert_int_equal(cut, N_SLOW);
    for (int i = 0; i < N_HOARD; i++) {
        assert_true(per[i] > 0);
        assert_true(per[i] <= (long long)max_batches * HOARD_BATCH);
    }
    /* Under valgrind or TSan only correctness counts; times and memory do not. */
    if (!it_slow()) {
        assert_true(t_client < 5000);
        /* The hoarders were throttled: nothing of theirs stored for STABLE_MS. */
        assert_true(it_now_ms() - last_change >= STABLE_MS);
        assert_true(rss_max - rss0 < RSS_BOUND_KB);
    }

    /* Now the hoarders read: every batch they finished writing is acked, in order. */
    for (int i = 0; i < N_HOARD; i++) {
        int acked = 0;
        long deadline = it_now_ms() + 60000;

        /* Finish the frame in progress while reading, so neither side blocks. */
        while (h[i].off > 0 && h[i].off < h[i].frame.n && it_now_ms() < deadline) {
            struct pollfd pfd = {h[i].c.fd, POLLIN, 0};
            ssize_t w = send(h[i].c.fd, h[i].frame.p + h[i].off, h[i].frame.n - h[i].off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);

            if (w > 0)
                h[i].off += (size_t)w;
            if (poll(&pfd, 1, 20) == 1)
                hoard_ack(&h[i].c, &acked, 30000);
        }
        if (h[i].off == h[i].frame.n)
            h[i].batches++;
        while (acked < h[i].batches)
            hoard_ack(&h[i].c, &acked, 30000);
        assert_int_equal(office_count(e, hoard_office[i]), (long long)acked * HOARD_BATCH);
        it_conn_close(&h[i].c);
        pb_free(&h[i].frame);
    }
    for (int i = 0; i < N_SLOW; i++) {
        it_conn_close(&s[i].c);
        free(s[i].hello);
    }
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CATALOGUE_CASE(test_batch_over_cap),
        CATALOGUE_CASE(test_huge_repeated_field_under_cap),
        CATALOGUE_CASE(test_pipelined_past_in_flight),
        CATALOGUE_END,
        cmocka_unit_test_setup_teardown(test_slow_clients_do_not_starve_others, slow_setup,
                                        slow_teardown),
    };

    return cmocka_run_group_tests_name("exhaust", tests, NULL, NULL);
}

/*
 * bench.c - throughput, latency and memory benchmark of a real resettled.
 *
 *   bench [--scenario a|b|c|d|e|all] [--records N] [--seconds S] [--window W]
 *         [--idle N] [--ids v7|v8] [--proto 1|2] [--tls] [--dir DIR]
 *         [--perf PREFIX] [--perf-dwarf] [--server PATH] [--keep] [--pg]
 *
 * For each scenario it starts the built resettled (RS_SERVER_BIN) on a fresh
 * database in a new folder under DIR (default /tmp), registers 16 township
 * offices and one central office with `resettled office add`, starts
 * `resettled serve --listen 127.0.0.1:0 --plaintext` (or, with --tls, with a
 * throwaway certificate made by `openssl req`) and reads the port from its
 * "listening on" line.  It then drives the server over 127.0.0.1 with the
 * real protocol (Hello, SubmitBatch of valid relief records, BatchAck,
 * ReportRequest) and prints records/s acknowledged, ack latency
 * percentiles, the server's memory (VmHWM, VmRSS) and CPU time, and the
 * rate at which the same rows go straight into an in-memory SQLite database
 * with the server's schema and INSERT (rs_store_schema_create,
 * rs_store_sql_record_insert).  It speaks protocol version 2 (each record
 * as its bytes), or version 1 with --proto 1 (to compare with a server
 * that speaks only that).  docs/benchmark.md
 * explains each scenario and the targets.
 *
 * Load generator: one thread with a blocking socket per connection.  Each
 * connection packs its SubmitBatch once, before timing starts; per batch it
 * only rewrites the record ids in place (ids stay unique: a global counter,
 * shaped as time-ordered v7 ids, or scrambled by a bijective mix with
 * --ids v8) and builds a frame
 * header of a few bytes, then sends header and batch with one sendmsg().
 * Acks are checked with the field scanner (rs_pbscan.h: every record must
 * be ACK_STORED and the request ids must come back in order) instead of a
 * full unpack, so the generator stays lean on the 2 cores it shares with
 * the server.
 *
 * With --pg the scenarios a, b and e run again on PostgreSQL after SQLite,
 * in the same process run: the bench starts a throwaway PostgreSQL with
 * tests/pg/pg_server.sh (RS_PG_SCRIPT) in a new folder under DIR, makes a
 * database per scenario (`createdb`), runs resettled on its conninfo with
 * one front-end, and (a, b) with two front-ends on the same database, the
 * connections split between them, and prints each rate beside SQLite's.
 *
 * Does not: register with CTest, pass or fail a build, talk to anything but
 * 127.0.0.1, or run unbounded: every loop is capped in count and every wait
 * in time.  It never edits the server; it only measures it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sqlite3.h>

#include "resettle.pb-c.h"
#include "rs_frame.h"
#include "rs_pbscan.h"
#include "rs_status.h"
#include "rs_store.h"
#include "rs_util.h"
#include "rs_wire.h"

#ifndef RS_SERVER_BIN
#error "RS_SERVER_BIN must name the resettled binary (see tests/bench/CMakeLists.txt)"
#endif
#ifndef RS_PG_SCRIPT
#error "RS_PG_SCRIPT must name tests/pg/pg_server.sh (see tests/bench/CMakeLists.txt)"
#endif

#define N_TOWNS 16
#define CENTRAL_CODE "500101"
#define TOKEN_MAX 128
#define BENCH_YEAR 2023
#define SMALL_YEAR 2024
#define MAX_IDLE 19000                  /* idle connections (fd hard limit is 20,000) */
#define IDLE_CHUNK 250                  /* handshakes in flight at once in scenario d */
#define INMEM_CHUNK 1000                /* rows per transaction of the reference */
#define IO_TIMEOUT_S 60                 /* any single send or receive */
#define REPORT_TIMEOUT_S 300
#define REPORT_RUNS 4                   /* the first is the cold one */
#define AGG_RUNS 3
#define LOAD_CAP_S 1800.0               /* loading the database of scenario e */
#define CLIENT_MAX_FRAME (RS_MAX_REPORT_BYTES + 65536u)
#define ID_PLACEHOLDER "ffffffff-ffff-8fff-bfff-"
#define BATCH_PLACEHOLDER "eeeeeeee-eeee-8eee-beee-eeeeeeeeeeee"

/* ------------------------------------------------------------ options */

struct opts {
    char scenario[8];
    uint64_t records;           /* per ingest scenario; database size of e */
    double seconds;             /* cap on each timed ingest phase */
    uint32_t window_a;
    uint32_t idle;
    bool random_ids;                 /* --ids v8 */
    uint32_t proto;             /* --proto: the protocol version spoken */
    bool keep;
    bool perf_dwarf;            /* --call-graph dwarf instead of frame pointers */
    bool tls;                   /* serve with a throwaway certificate, talk TLS */
    const char *dir;
    const char *perf;
    const char *server_bin;     /* default RS_SERVER_BIN */
    bool pg;                    /* --pg: a, b, e again on PostgreSQL */
};

/*
 * The backend of the scenario being run.  SQLite runs first; with --pg the
 * same scenarios run again on PostgreSQL with one front-end (BK_PG1) and
 * (a, b) two (BK_PG2).  g_rate and the (e) figures keep each run's result
 * so the PostgreSQL lines can print SQLite's beside them.
 */
enum backend { BK_SQLITE, BK_PG1, BK_PG2, BK_COUNT };
static enum backend g_bk = BK_SQLITE;
static const char *const bk_label[BK_COUNT] = {"", " pg", " pg x2"};
static const char *const bk_name[BK_COUNT] = {"SQLite", "PostgreSQL, 1 front-end",
                                              "PostgreSQL, 2 front-ends"};
static char g_pg_dir[256];      /* the throwaway PostgreSQL's folder (--pg) */
static unsigned g_pg_dbs;       /* databases made so far: their names */
static double g_rate[BK_COUNT][2];              /* records/s of a, b */
static double g_rep_warm[BK_COUNT];             /* (e) warm report, s */
static uint64_t g_rep_hwm[BK_COUNT];            /* (e) VmHWM after the reports, KiB */

static struct opts g_opt;
static SSL_CTX *g_tls;          /* client context when --tls */

/* One line of the closing summary. */
struct verdict {
    char what[96];
    char value[64];
    char target[64];
    const char *result;         /* "met", "MISSED", "n/a" */
};

#define MAX_VERDICTS 48
static struct verdict g_verdicts[MAX_VERDICTS];
static size_t g_nverdicts;

__attribute__((format(printf, 4, 5)))
static void add_verdict(const char *what, const char *target, int met, const char *fmt, ...)
{
    struct verdict *v;
    va_list ap;

    if (g_nverdicts == MAX_VERDICTS)
        return;
    v = &g_verdicts[g_nverdicts++];
    snprintf(v->what, sizeof(v->what), "%s", what);
    snprintf(v->target, sizeof(v->target), "%s", target);
    va_start(ap, fmt);
    vsnprintf(v->value, sizeof(v->value), fmt, ap);
    va_end(ap);
    v->result = met < 0 ? "n/a" : met ? "met" : "MISSED";
}

/* ------------------------------------------------------------ small helpers */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static rs_status parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-')
        return RS_EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return RS_EINVAL;
    *out = (uint64_t)v;
    return RS_OK;
}

static rs_status parse_seconds(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s)
        return RS_EINVAL;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !(v >= 0.5 && v <= 3600.0))
        return RS_EINVAL;
    *out = v;
    return RS_OK;
}

/* Finds needle in hay[from..n); returns its offset or SIZE_MAX. */
static size_t find_bytes(const uint8_t *hay, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = from; i + k <= n; i++)
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, k) == 0)
            return i;
    return SIZE_MAX;
}

/* splitmix64's finaliser: a bijection on 64 bits. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static void put_hex(uint8_t *dst, uint64_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";

    for (int i = digits - 1; i >= 0; i--) {
        dst[i] = (uint8_t)hex[v & 0xf];
        v >>= 4;
    }
}

static uint64_t g_id_base_ms;        /* the v7 ids' time of record 0 */

/*
 * Writes the 36-byte id of record number g (no NUL).  By default the id is
 * shaped like the reference client's (rs_uuid_v7): version 7, a 48-bit time
 * of g_id_base_ms + g / 4096 ms and a 12-bit counter g % 4096, then 62 bits
 * of mix64(g); ids grow in the order the records were made, as an outbox's
 * do.  With --ids v8 the first 64 bits are mix64(g) around a version '8':
 * shaped like the name-based ids clients made before version-7 ids, they
 * land at random places in the server's unique index.
 */
static void write_id(uint8_t *dst, uint64_t g, bool random)
{
    uint64_t b = mix64(g ^ 0x5bd1e9955bd1e995ULL);

    if (random) {
        uint64_t a = mix64(g);

        put_hex(dst, a >> 32, 8);                 /* 32 bits */
        put_hex(dst + 9, (a >> 16) & 0xffff, 4);  /* 16 bits */
        dst[14] = '8';
        put_hex(dst + 15, (a >> 4) & 0xfff, 3);   /* 12 bits */
        put_hex(dst + 20, a & 0xf, 1);            /* the last 4 bits of a */
    } else {
        uint64_t ms = (g_id_base_ms + (g >> 12)) & 0xffffffffffffULL;

        put_hex(dst, ms >> 16, 8);
        put_hex(dst + 9, ms & 0xffff, 4);
        dst[14] = '7';
        put_hex(dst + 15, g & 0xfff, 3);
        put_hex(dst + 20, (b >> 60) & 0xf, 1);
    }
    dst[8] = '-';
    dst[13] = '-';
    dst[18] = '-';
    dst[19] = (uint8_t)"89ab"[b & 3];
    put_hex(dst + 21, (b >> 2) & 0xff, 2);
    dst[23] = '-';
    put_hex(dst + 24, b >> 16, 12);
}

/* ------------------------------------------------------------ batch templates */

/*
 * One SubmitBatch body (not the Envelope), packed once, in the protocol
 * version of --proto: each record as its bytes (record_bytes) or as a
 * message (records), which look alike but for the field number.  Each
 * record's id sits at id_off[i]; rec_off/rec_len locate the packed
 * rs.Record itself (what the server stores as the body).
 */
struct tmpl {
    uint8_t *buf;
    size_t len;
    size_t n;
    size_t batch_off;
    size_t *id_off;
    size_t *hh_off;                  /* the 10 digits of each household_ref */
    size_t *rec_off;
    size_t *rec_len;
};

static void tmpl_free(struct tmpl *t)
{
    free(t->buf);
    free(t->id_off);
    free(t->hh_off);
    free(t->rec_off);
    free(t->rec_len);
    memset(t, 0, sizeof(*t));
}

static const char *const villages[] = {"青山村", "柳溪村", "石门村", "新塘村",
                                       "龙潭村", "白沙村", "桃园村", "金竹村"};

/*
 * Packs n relief records of `division` for `year`.  Amounts, persons and
 * kinds vary by slot; ids and household references are placeholders until
 * patched (every record a household of its own, so no two records share a
 * natural key, as real submissions do not).
 */
static rs_status tmpl_build(struct tmpl *t, size_t n, const char *division, uint32_t year)
{
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    Rs__Record *recs = NULL;
    Rs__Relief *rel = NULL;
    Rs__Record **ptrs = NULL;
    ProtobufCBinaryData *bd = NULL;
    char (*ids)[40] = NULL, (*refs)[24] = NULL;
    char batch_id[] = BATCH_PLACEHOLDER;
    size_t pos = 0;
    rs_status rc = RS_ENOMEM;

    memset(t, 0, sizeof(*t));
    recs = calloc(n, sizeof(*recs));
    rel = calloc(n, sizeof(*rel));
    ptrs = calloc(n, sizeof(*ptrs));
    bd = calloc(n, sizeof(*bd));
    ids = calloc(n, sizeof(*ids));
    refs = calloc(n, sizeof(*refs));
    t->id_off = calloc(n, sizeof(*t->id_off));
    t->hh_off = calloc(n, sizeof(*t->hh_off));
    t->rec_off = calloc(n, sizeof(*t->rec_off));
    t->rec_len = calloc(n, sizeof(*t->rec_len));
    if (!recs || !rel || !ptrs || !bd || !ids || !refs || !t->id_off || !t->hh_off ||
        !t->rec_off || !t->rec_len)
        goto out;
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], sizeof(ids[i]), ID_PLACEHOLDER "%012zx", i);
        snprintf(refs[i], sizeof(refs[i]), "HH%010zu", n + i);
        rs__relief__init(&rel[i]);
        rel[i].household_ref = refs[i];
        rel[i].village = (char *)villages[i % 8];
        rel[i].has_reason = true;
        rel[i].reason = (Rs__ReliefReason)(1 + i % 5);
        rel[i].has_kind = true;
        rel[i].kind = (Rs__ReliefKind)(1 + i % 4);
        rel[i].has_persons = true;
        rel[i].persons = (uint32_t)(1 + i % 5);
        rel[i].has_amount_fen = true;
        rel[i].amount_fen = (int64_t)(100000 + (i % 50) * 10000);
        rel[i].approved_by = "民政办";
        rel[i].has_paid_date = true;
        rel[i].paid_date = year * 10000 + 1220;
        rs__record__init(&recs[i]);
        recs[i].id = ids[i];
        recs[i].division_code = (char *)division;
        recs[i].has_year = true;
        recs[i].year = year;
        recs[i].has_period = true;
        recs[i].period = RS__PERIOD__PERIOD_Q4;
        recs[i].submitted_by = "bench";
        recs[i].body_case = RS__RECORD__BODY_RELIEF;
        recs[i].relief = &rel[i];
        ptrs[i] = &recs[i];
        if (g_opt.proto != 1) {
            bd[i].len = rs__record__get_packed_size(&recs[i]);
            bd[i].data = malloc(bd[i].len);
            if (!bd[i].data)
                goto out;
            rs__record__pack(&recs[i], bd[i].data);
        }
    }
    sb.batch_id = batch_id;
    if (g_opt.proto == 1) {
        sb.n_records = n;
        sb.records = ptrs;
    } else {
        sb.n_record_bytes = n;
        sb.record_bytes = bd;
    }
    t->len = rs__submit_batch__get_packed_size(&sb);
    t->buf = malloc(t->len);
    if (!t->buf)
        goto out;
    rs__submit_batch__pack(&sb, t->buf);
    t->n = n;
    rc = RS_EINTERNAL;
    t->batch_off = find_bytes(t->buf, t->len, 0, BATCH_PLACEHOLDER);
    if (t->batch_off == SIZE_MAX)
        goto out;
    for (size_t i = 0; i < n; i++) {
        size_t rl = rs__record__get_packed_size(&recs[i]);

        pos = find_bytes(t->buf, t->len, pos, ids[i]);
        if (pos == SIZE_MAX)
            goto out;
        t->id_off[i] = pos;
        /* A record starts with its id (field 1: tag 0x0a, length 36). */
        if (pos < 2 || t->buf[pos - 2] != 0x0a || t->buf[pos - 1] != 36)
            goto out;
        t->rec_off[i] = pos - 2;
        t->rec_len[i] = rl;
        t->hh_off[i] = find_bytes(t->buf, t->len, pos, refs[i]);
        if (t->hh_off[i] == SIZE_MAX || t->hh_off[i] >= pos - 2 + rl)
            goto out;
        t->hh_off[i] += 2;
        pos += 36;
    }
    rc = RS_OK;
out:
    if (rc)
        tmpl_free(t);
    for (size_t i = 0; bd && i < n; i++)
        free(bd[i].data);
    free(bd);
    free(recs);
    free(rel);
    free(ptrs);
    free(ids);
    free(refs);
    return rc;
}

/* Gives the records of t the ids g0 .. g0 + n - 1 and households of the
 * same numbers, and the batch an id from g0. */
static void tmpl_patch(struct tmpl *t, uint64_t g0, bool random)
{
    for (size_t i = 0; i < t->n; i++) {
        uint64_t v = (g0 + i) % 10000000000ULL;

        write_id(t->buf + t->id_off[i], g0 + i, random);
        for (int k = 9; k >= 0; k--, v /= 10)
            t->buf[t->hh_off[i] + (size_t)k] = (uint8_t)('0' + v % 10);
    }
    write_id(t->buf + t->batch_off, g0 ^ 0x8000000000000000ULL, false);
}

/* The key of field `name` of d with wire type wt, as one byte (every field used here has a
 * number below 16). */
static uint8_t key_of(const ProtobufCMessageDescriptor *d, const char *name, unsigned wt)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(d, name);

    if (!fd || fd->id >= 16)
        abort();
    return (uint8_t)(fd->id << 3 | wt);
}

/* Frame header for an Envelope{request_id, submit = body of blen bytes}. */
static size_t frame_header(uint8_t hdr[40], uint64_t rid, size_t blen)
{
    uint8_t rv[RS_VARINT_MAX], bl[RS_VARINT_MAX];
    size_t nrv = rs_varint_encode(rid, rv), nbl = rs_varint_encode(blen, bl);
    size_t env = 1 + nrv + 1 + nbl + blen, k;

    k = rs_varint_encode(env, hdr);
    hdr[k++] = key_of(&rs__envelope__descriptor, "request_id", RS_PB_WT_VARINT);
    memcpy(hdr + k, rv, nrv);
    k += nrv;
    hdr[k++] = key_of(&rs__envelope__descriptor, "submit", RS_PB_WT_LEN);
    memcpy(hdr + k, bl, nbl);
    return k + nbl;
}

/* ------------------------------------------------------------ ack walker */

enum ack_kind { ACK_OK, ACK_IS_ERROR, ACK_MALFORMED, ACK_OTHER };

/* Whether f is the field `name` of d. */
static bool is_field(const ProtobufCMessageDescriptor *d, const char *name,
                     const struct rs_pb_field *f)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(d, f->num);

    return fd && strcmp(fd->name, name) == 0;
}

/* The ACK_STORED acks among the RecordAcks of a BatchAck's bytes; -1 if malformed. */
static long count_acks(const uint8_t *p, size_t len, size_t *nacks)
{
    struct rs_pb_scan s, a;
    struct rs_pb_field f, g;
    enum rs_pb_step st;
    long stored = 0;

    rs_pb_scan_init(&s, p, len);
    while ((st = rs_pb_next(&s, &f)) == RS_PB_FIELD) {
        uint64_t status = 0;

        if (!is_field(&rs__batch_ack__descriptor, "acks", &f) || f.wt != RS_PB_WT_LEN)
            continue;
        rs_pb_scan_init(&a, f.p, f.n);
        while ((st = rs_pb_next(&a, &g)) == RS_PB_FIELD)
            if (is_field(&rs__record_ack__descriptor, "status", &g) && g.wt == RS_PB_WT_VARINT)
                status = g.v;
        if (st != RS_PB_END)
            return -1;
        (*nacks)++;
        if (status == RS__ACK_STATUS__ACK_STORED)
            stored++;
    }
    return st == RS_PB_END ? stored : -1;
}

/* Counts the RecordAcks of a BatchAck envelope and how many are ACK_STORED. */
static enum ack_kind parse_ack(const uint8_t *p, size_t len, uint64_t *rid, size_t *nacks,
                               size_t *nstored)
{
    struct rs_pb_scan s;
    struct rs_pb_field f;
    enum rs_pb_step st;
    bool seen_ack = false;

    *rid = 0;
    *nacks = *nstored = 0;
    rs_pb_scan_init(&s, p, len);
    while ((st = rs_pb_next(&s, &f)) == RS_PB_FIELD) {
        if (is_field(&rs__envelope__descriptor, "request_id", &f) && f.wt == RS_PB_WT_VARINT) {
            *rid = f.v;
        } else if (f.num == RS__ENVELOPE__MSG_ERROR) {
            return ACK_IS_ERROR;
        } else if (f.num == RS__ENVELOPE__MSG_ACK && f.wt == RS_PB_WT_LEN) {
            long stored = count_acks(f.p, f.n, nacks);

            if (stored < 0)
                return ACK_MALFORMED;
            *nstored += (size_t)stored;
            seen_ack = true;
        }
    }
    if (st != RS_PB_END)
        return ACK_MALFORMED;
    return seen_ack ? ACK_OK : ACK_OTHER;
}

/* ------------------------------------------------------------ the server process */

static void reap(pid_t pid, int sig, double timeout_s, int *status);

struct server {
    pid_t pid;
    pid_t perf_pid;
    int out_fd;
    uint16_t port;
    pid_t pid2;                         /* the second front-end (BK_PG2), or -1 */
    int out_fd2;
    uint16_t port2;
    char dir[256];
    char db[700];                       /* a file, or a PostgreSQL conninfo */
    char log[300];
    char log2[300];
    char cert[300];
    char key[300];
    char town_code[N_TOWNS][16];
    char town_token[N_TOWNS][TOKEN_MAX + 1];
    char central_token[TOKEN_MAX + 1];
    uint64_t commits, committed;        /* from the server's closing log line */
};

/* Runs argv, collects its stdout into out (NUL-terminated); returns the exit status or -1. */
static int run_capture(char *const argv[], char *out, size_t outlen, bool quiet)
{
    int pfd[2], st = 0;
    size_t got = 0;
    pid_t pid;
    double deadline = now_s() + 60.0;

    out[0] = '\0';
    if (pipe(pfd) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        int nf = open("/dev/null", O_RDWR);

        if (nf < 0)
            _exit(127);
        dup2(nf, 0);
        dup2(pfd[1], 1);
        if (quiet)
            dup2(nf, 2);
        close(pfd[0]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    while (got + 1 < outlen && now_s() < deadline) {
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        ssize_t r;

        if (poll(&p, 1, 1000) <= 0)
            continue;
        r = read(pfd[0], out + got, outlen - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    out[got] = '\0';
    close(pfd[0]);
    while (now_s() < deadline) {
        pid_t r = waitpid(pid, &st, WNOHANG);

        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        sleep_ms(5);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

/*
 * Runs argv with its output into the file `log` and waits at most
 * timeout_s; returns the exit status or -1.  For pg_server.sh start and
 * stop, whose server inherits a pipe and would keep it open.
 */
static int run_logged(char *const argv[], const char *log, double timeout_s)
{
    int st = 0;
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        int nf = open("/dev/null", O_RDWR);
        int lf = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (nf < 0 || lf < 0)
            _exit(127);
        dup2(nf, 0);
        dup2(lf, 1);
        dup2(lf, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    reap(pid, 0, timeout_s, &st);
    return st;
}

static rs_status office_add(const struct server *s, const char *code, const char *name,
                            const char *role, char token[TOKEN_MAX + 1])
{
    char out[512];
    char *argv[] = {(char *)g_opt.server_bin, "office", "add", "--db", (char *)s->db, "--code",
                    (char *)code, "--name", (char *)name, "--role", (char *)role, NULL};
    size_t n;

    if (run_capture(argv, out, sizeof(out), false) != 0)
        return RS_EIO;
    n = strcspn(out, "\r\n");
    if (n == 0 || n > TOKEN_MAX)
        return RS_EIO;
    memcpy(token, out, n);
    token[n] = '\0';
    return RS_OK;
}

/* A fresh folder and database with 16 townships and the district office. */
static rs_status server_prepare(struct server *s, char *err, size_t errlen)
{
    char name[64];

    memset(s, 0, sizeof(*s));
    s->pid = -1;
    s->pid2 = -1;
    s->perf_pid = -1;
    s->out_fd = -1;
    s->out_fd2 = -1;
    snprintf(s->dir, sizeof(s->dir), "%s/rs-bench-XXXXXX", g_opt.dir);
    if (!mkdtemp(s->dir)) {
        snprintf(err, errlen, "cannot create a folder under %s: %s", g_opt.dir, strerror(errno));
        return RS_EIO;
    }
    snprintf(s->db, sizeof(s->db), "%s/resettle.db", s->dir);
    snprintf(s->log, sizeof(s->log), "%s/server.log", s->dir);
    snprintf(s->log2, sizeof(s->log2), "%s/server2.log", s->dir);
    if (g_bk != BK_SQLITE) {
        char dbname[32];
        char *argv[] = {"bash", RS_PG_SCRIPT, "createdb", g_pg_dir, dbname, NULL};
        size_t n;

        snprintf(dbname, sizeof(dbname), "bench_%u", ++g_pg_dbs);
        if (run_capture(argv, s->db, sizeof(s->db), false) != 0) {
            snprintf(err, errlen, "pg_server.sh createdb %s failed", dbname);
            return RS_EIO;
        }
        n = strcspn(s->db, "\r\n");
        s->db[n] = '\0';
        if (n == 0) {
            snprintf(err, errlen, "pg_server.sh createdb %s printed no conninfo", dbname);
            return RS_EIO;
        }
        printf("  database %s: %s\n", dbname, s->db);
    }
    snprintf(s->cert, sizeof(s->cert), "%s/cert.pem", s->dir);
    snprintf(s->key, sizeof(s->key), "%s/key.pem", s->dir);
    if (g_opt.tls) {
        char out[256];
        char *argv[] = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-keyout", s->key, "-out", s->cert, NULL};

        if (run_capture(argv, out, sizeof(out), true) != 0) {
            snprintf(err, errlen, "openssl req could not make a test certificate");
            return RS_EIO;
        }
    }
    if (office_add(s, CENTRAL_CODE, "区移民后期扶持办公室", "central", s->central_token)) {
        snprintf(err, errlen, "resettled office add %s failed", CENTRAL_CODE);
        return RS_EIO;
    }
    for (int i = 0; i < N_TOWNS; i++) {
        snprintf(s->town_code[i], sizeof(s->town_code[i]), "%s%03d", CENTRAL_CODE, i + 1);
        snprintf(name, sizeof(name), "第%d镇", i + 1);
        if (office_add(s, s->town_code[i], name, "township", s->town_token[i])) {
            snprintf(err, errlen, "resettled office add %s failed", s->town_code[i]);
            return RS_EIO;
        }
    }
    return RS_OK;
}

static pid_t perf_start(pid_t target, const char *tag)
{
    char pidstr[24], out[512];
    pid_t pid;

    snprintf(pidstr, sizeof(pidstr), "%d", (int)target);
    snprintf(out, sizeof(out), "%s-%s.data", g_opt.perf, tag);
    pid = fork();
    if (pid == 0) {
        int nf = open("/dev/null", O_RDWR);

        if (nf >= 0) {
            dup2(nf, 0);
            dup2(nf, 1);
            dup2(nf, 2);
        }
        if (g_opt.perf_dwarf)
            execlp("perf", "perf", "record", "--call-graph", "dwarf", "-p", pidstr, "-o", out,
                   (char *)NULL);
        else
            execlp("perf", "perf", "record", "-g", "-p", pidstr, "-o", out, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) {
        sleep_ms(700);      /* let perf attach before the timed phase */
        printf("  perf record %s -p %d -o %s\n", g_opt.perf_dwarf ? "--call-graph dwarf" : "-g",
               (int)target, out);
    }
    return pid;
}

static void reap(pid_t pid, int sig, double timeout_s, int *status)
{
    double deadline = now_s() + timeout_s;
    int st = 0;

    if (pid <= 0)
        return;
    if (sig)
        kill(pid, sig);
    while (now_s() < deadline) {
        pid_t r = waitpid(pid, &st, WNOHANG);

        if (r == pid) {
            if (status)
                *status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
            return;
        }
        sleep_ms(5);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    if (status)
        *status = -SIGKILL;
}

static void perf_stop(struct server *s)
{
    if (s->perf_pid > 0)
        reap(s->perf_pid, SIGINT, 120.0, NULL);
    s->perf_pid = -1;
}

/* Prints the last lines of the server's log (at most 2 KiB). */
static void print_log_tail(const struct server *s)
{
    char buf[2048];
    FILE *f = fopen(s->log, "r");
    long size;
    size_t n;

    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    printf("  server log (tail):\n%s\n", buf);
}

/*
 * Starts `resettled serve` and waits for its "listening on" line.  Newer
 * servers need --plaintext to serve 127.0.0.1 without TLS; a binary that
 * does not know the flag (exit status 2, usage) is started again without it.
 */
static rs_status spawn_server(struct server *s, const char *log, pid_t *pidp, int *fdp,
                               uint16_t *portp, char *err, size_t errlen)
{
    char *argv[] = {(char *)g_opt.server_bin, "serve", "--db", s->db, "--listen", "127.0.0.1:0",
                    "--plaintext", NULL, NULL, NULL, NULL};

    if (g_opt.tls) {
        argv[6] = "--tls-cert";
        argv[7] = s->cert;
        argv[8] = "--tls-key";
        argv[9] = s->key;
    }

    for (int attempt = 0; attempt < 2; attempt++) {
        char line[512];
        size_t got = 0;
        double deadline = now_s() + 20.0;
        int pfd[2], st = 0;

        if (pipe(pfd) != 0) {
            snprintf(err, errlen, "pipe: %s", strerror(errno));
            return RS_EIO;
        }
        fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
        *pidp = fork();
        if (*pidp < 0) {
            snprintf(err, errlen, "fork: %s", strerror(errno));
            close(pfd[0]);
            close(pfd[1]);
            return RS_EIO;
        }
        if (*pidp == 0) {
            int lf = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            int nf = open("/dev/null", O_RDONLY);

            if (lf < 0 || nf < 0)
                _exit(127);
            dup2(nf, 0);
            dup2(pfd[1], 1);
            dup2(lf, 2);
            close(pfd[0]);
            execv(argv[0], argv);
            _exit(127);
        }
        close(pfd[1]);
        *fdp = pfd[0];
        while (now_s() < deadline && got + 1 < sizeof(line)) {
            struct pollfd p = {.fd = *fdp, .events = POLLIN};
            ssize_t r;
            char *nl, *colon;

            if (poll(&p, 1, 200) <= 0)
                continue;
            r = read(*fdp, line + got, sizeof(line) - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            line[got] = '\0';
            nl = strchr(line, '\n');
            if (!nl)
                continue;
            *nl = '\0';
            colon = strrchr(line, ':');
            if (strncmp(line, "listening on ", 13) == 0 && colon) {
                uint64_t port;

                if (parse_u64(colon + 1, 1, 65535, &port) == RS_OK) {
                    *portp = (uint16_t)port;
                    printf("  server pid %d on 127.0.0.1:%u%s, folder %s\n", (int)*pidp,
                           (unsigned)*portp,
                           g_opt.tls ? " (TLS)" : argv[6] ? " (--plaintext)" : "", s->dir);
                    return RS_OK;
                }
            }
            break;
        }
        close(*fdp);
        *fdp = -1;
        reap(*pidp, SIGKILL, 5.0, &st);
        *pidp = -1;
        if (st != 2 || !argv[6] || g_opt.tls)
            break;
        argv[6] = NULL;         /* an older server: no --plaintext flag */
    }
    print_log_tail(s);
    snprintf(err, errlen, "resettled did not report a listening address");
    return RS_EIO;
}

/* Starts the front-end, and with BK_PG2 a second one on the same database. */
static rs_status server_start(struct server *s, char *err, size_t errlen)
{
    rs_status rc = spawn_server(s, s->log, &s->pid, &s->out_fd, &s->port, err, errlen);

    if (rc == RS_OK && g_bk == BK_PG2)
        rc = spawn_server(s, s->log2, &s->pid2, &s->out_fd2, &s->port2, err, errlen);
    return rc;
}

/* VmHWM and VmRSS of pid in KiB. */
static rs_status proc_mem(pid_t pid, uint64_t *hwm_kb, uint64_t *rss_kb)
{
    char path[64], line[256];
    FILE *f;

    *hwm_kb = *rss_kb = 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return RS_EIO;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmHWM:", 6) == 0)
            *hwm_kb = strtoull(line + 6, NULL, 10);
        else if (strncmp(line, "VmRSS:", 6) == 0)
            *rss_kb = strtoull(line + 6, NULL, 10);
    }
    fclose(f);
    return RS_OK;
}

/* User + system CPU seconds of pid (all its threads). */
static double proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    FILE *f;
    size_t n;
    char *p;
    unsigned long long ut, stt;
    long tck = sysconf(_SC_CLK_TCK);

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return 0.0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    if (!p || tck <= 0)
        return 0.0;
    p += 2;                                   /* field 3, the state */
    for (int field = 3; field < 14 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p)
        return 0.0;
    ut = strtoull(p, &p, 10);
    stt = strtoull(p, NULL, 10);
    return (double)(ut + stt) / (double)tck;
}

static double self_cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Adds "stopped: N group commits, M records" from a server's log. */
static void read_commit_stats(struct server *s, const char *log)
{
    FILE *f = fopen(log, "r");
    uint64_t commits = 0, committed = 0;
    char line[1100];

    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *p = strstr(line, "stopped: "), *end;

        if (!p)
            continue;
        commits = strtoull(p + 9, &end, 10);
        p = strstr(end, ", ");
        if (p)
            committed = strtoull(p + 2, NULL, 10);
    }
    fclose(f);
    s->commits += commits;
    s->committed += committed;
}

/*
 * SIGTERM, bounded wait; returns the exit status (0 is a clean stop; with
 * two front-ends the first non-zero one).
 */
static int server_stop(struct server *s)
{
    int st = -1, st2 = 0;

    perf_stop(s);
    if (s->pid2 > 0)
        kill(s->pid2, SIGTERM);
    if (s->pid > 0)
        reap(s->pid, SIGTERM, 60.0, &st);
    if (s->pid2 > 0)
        reap(s->pid2, 0, 60.0, &st2);
    s->pid = s->pid2 = -1;
    if (s->out_fd >= 0)
        close(s->out_fd);
    if (s->out_fd2 >= 0)
        close(s->out_fd2);
    s->out_fd = s->out_fd2 = -1;
    s->commits = s->committed = 0;
    read_commit_stats(s, s->log);
    read_commit_stats(s, s->log2);
    return st != 0 ? st : st2;
}

static void server_cleanup(struct server *s)
{
    static const char *const files[] = {"resettle.db", "resettle.db-wal", "resettle.db-shm",
                                        "server.log", "server2.log", "cert.pem", "key.pem"};
    char path[400];

    if (s->pid > 0 || s->pid2 > 0)
        server_stop(s);
    if (g_opt.keep || !s->dir[0]) {
        if (s->dir[0])
            printf("  kept %s\n", s->dir);
        return;
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", s->dir, files[i]);
        unlink(path);
    }
    rmdir(s->dir);
}

/* ------------------------------------------------------------ connections */

struct conn {
    int fd;
    SSL *ssl;                   /* NULL without --tls */
    struct rs_frame_rx rx;
};

static rs_status conn_open(struct conn *c, uint16_t port, int timeout_s)
{
    struct sockaddr_in sa;
    struct timeval tv = {timeout_s, 0};
    int one = 1;

    rs_frame_rx_init(&c->rx, CLIENT_MAX_FRAME);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return RS_EIO;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(c->fd);
        c->fd = -1;
        return RS_EIO;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->ssl = NULL;
    if (!g_tls)
        return RS_OK;
    c->ssl = SSL_new(g_tls);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_connect(c->ssl) != 1) {
        ERR_clear_error();
        SSL_free(c->ssl);
        c->ssl = NULL;
        close(c->fd);
        c->fd = -1;
        return RS_EIO;
    }
    return RS_OK;
}

static void conn_close(struct conn *c)
{
    SSL_free(c->ssl);
    c->ssl = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    rs_frame_rx_free(&c->rx);
}

/* Writes iov[0..n) through TLS as one record stream (one SSL_write when it fits 64 KiB). */
static rs_status tls_send(SSL *ssl, const struct iovec *iov, int n)
{
    uint8_t small[65536];
    size_t total = 0, off = 0, w;
    uint8_t *buf;
    rs_status rc = RS_OK;

    for (int i = 0; i < n; i++)
        total += iov[i].iov_len;
    buf = total <= sizeof(small) ? small : malloc(total);
    if (!buf)
        return RS_ENOMEM;
    for (int i = 0; i < n; i++) {
        memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    if (SSL_write_ex(ssl, buf, total, &w) != 1 || w != total) {
        ERR_clear_error();
        rc = RS_EIO;
    }
    if (buf != small)
        free(buf);
    return rc;
}

/* Sends every byte of iov[0..n) (n <= 4) on a plain socket; the iovecs are consumed. */
static rs_status send_iov(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        struct msghdr m;
        ssize_t w;
        size_t left;

        memset(&m, 0, sizeof(m));
        m.msg_iov = iov;
        m.msg_iovlen = (size_t)n;
        w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? RS_ETIMEDOUT : RS_EIO;
        }
        left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return RS_OK;
}

static rs_status conn_send(struct conn *c, struct iovec *iov, int n)
{
    return c->ssl ? tls_send(c->ssl, iov, n) : send_iov(c->fd, iov, n);
}

static rs_status send_bytes(struct conn *c, const uint8_t *p, size_t n)
{
    struct iovec iov = {(void *)p, n};

    return conn_send(c, &iov, 1);
}

/* Receives one frame; *p stays valid until the next call on c. */
static rs_status recv_frame(struct conn *c, const uint8_t **p, size_t *len)
{
    rs_frame_rx_consume(&c->rx);
    for (;;) {
        uint8_t *dst;
        size_t room;
        ssize_t r;
        rs_status rc = rs_frame_rx_next(&c->rx, p, len);

        if (rc != RS_EAGAIN)
            return rc;
        rc = rs_frame_rx_reserve(&c->rx, 65536, &dst, &room);
        if (rc)
            return rc;
        if (c->ssl) {
            size_t got = 0;

            if (SSL_read_ex(c->ssl, dst, room, &got) == 1) {
                rs_frame_rx_commit(&c->rx, got);
                continue;
            }
            rc = SSL_get_error(c->ssl, 0) == SSL_ERROR_ZERO_RETURN ? RS_ECLOSED
                 : errno == EAGAIN || errno == EWOULDBLOCK      ? RS_ETIMEDOUT
                                                                : RS_EIO;
            ERR_clear_error();
            return rc;
        }
        r = recv(c->fd, dst, room, 0);
        if (r > 0) {
            rs_frame_rx_commit(&c->rx, (size_t)r);
            continue;
        }
        if (r == 0)
            return RS_ECLOSED;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? RS_ETIMEDOUT : RS_EIO;
    }
}

/* Explains an Error envelope (or any unexpected reply) into err. */
static void describe_reply(const uint8_t *p, size_t len, char *err, size_t errlen)
{
    Rs__Envelope *env = NULL;

    if (rs_wire_unpack(p, len, &env) != RS_OK) {
        snprintf(err, errlen, "unparsable reply");
        return;
    }
    if (env->msg_case == RS__ENVELOPE__MSG_ERROR)
        snprintf(err, errlen, "server error %d: %s", (int)env->error->code,
                 env->error->message ? env->error->message : "");
    else
        snprintf(err, errlen, "unexpected reply (message %d)", (int)env->msg_case);
    rs__envelope__free_unpacked(env, NULL);
}

/* A packed Hello (frame with its length prefix); *out is malloc'd. */
static rs_status pack_hello(const char *code, const char *token, uint8_t **out, size_t *len)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__Hello h = RS__HELLO__INIT;

    h.has_protocol_version = true;
    h.protocol_version = g_opt.proto;
    h.office_code = (char *)code;
    h.token = (char *)token;
    h.client_version = "bench";
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    return rs_wire_pack(&env, RS_FRAME_MAX_DEFAULT, 0, out, len);
}

static rs_status expect_welcome(struct conn *c, char *err, size_t errlen)
{
    const uint8_t *p;
    size_t len;
    Rs__Envelope *env = NULL;
    rs_status rc = recv_frame(c, &p, &len);

    if (rc) {
        snprintf(err, errlen, "no Welcome: %s", rs_status_str(rc));
        return rc;
    }
    if (rs_wire_unpack(p, len, &env) != RS_OK) {
        snprintf(err, errlen, "unparsable Welcome");
        return RS_EPROTO;
    }
    rc = RS_OK;
    if (env->msg_case != RS__ENVELOPE__MSG_WELCOME) {
        describe_reply(p, len, err, errlen);
        rc = RS_EPROTO;
    }
    rs__envelope__free_unpacked(env, NULL);
    return rc;
}

static rs_status conn_hello(struct conn *c, const char *code, const char *token, char *err,
                            size_t errlen)
{
    uint8_t *buf;
    size_t len;
    rs_status rc = pack_hello(code, token, &buf, &len);

    if (rc) {
        snprintf(err, errlen, "cannot pack Hello");
        return rc;
    }
    rc = send_bytes(c, buf, len);
    free(buf);
    if (rc) {
        snprintf(err, errlen, "cannot send Hello: %s", rs_status_str(rc));
        return rc;
    }
    return expect_welcome(c, err, errlen);
}

/* ------------------------------------------------------------ load generation */

struct load {
    uint16_t port;
    uint32_t conns, batch, window, year;
    uint64_t quota;                     /* records per connection */
    uint64_t id_base;                   /* first record number of this load */
    bool random_ids;
    double t0, deadline;
    atomic_uint_least64_t next_id;
    pthread_mutex_t gate_mu;            /* workers wait here until t0 is set */
    pthread_cond_t gate_cv;
    bool gate_open;
};

struct worker {
    struct load *ld;
    struct conn c;
    struct tmpl t;
    pthread_t th;
    uint64_t sent, acked, batches_acked;
    uint32_t *lat_us;
    size_t nlat, lat_cap;
    double t_last;
    rs_status rc;
    char err[256];
};

struct load_result {
    uint64_t acked;
    double elapsed;
    double rate;
    double p50_ms, p99_ms, max_ms;
    size_t nlat;
    double server_cpu, gen_cpu;
    uint64_t hwm_kb, rss_kb;
    bool ok;
    char err[256];
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct load *ld = w->ld;
    double *t_sent = calloc(ld->window, sizeof(*t_sent));
    size_t head = 0, inflight = 0;
    uint64_t next_rid = 0;
    uint8_t hdr[40];

    pthread_mutex_lock(&ld->gate_mu);
    while (!ld->gate_open)
        pthread_cond_wait(&ld->gate_cv, &ld->gate_mu);
    pthread_mutex_unlock(&ld->gate_mu);
    if (!t_sent) {
        w->rc = RS_ENOMEM;
        snprintf(w->err, sizeof(w->err), "out of memory");
        return NULL;
    }
    for (;;) {
        const uint8_t *p;
        size_t len, nacks, nstored;
        uint64_t rid;
        enum ack_kind k;
        double t;

        while (inflight < ld->window && w->sent < ld->quota && now_s() < ld->deadline) {
            uint64_t g = atomic_fetch_add(&ld->next_id, (uint_least64_t)w->t.n);
            struct iovec iov[2];

            tmpl_patch(&w->t, g, ld->random_ids);
            iov[0].iov_base = hdr;
            iov[0].iov_len = frame_header(hdr, ++next_rid, w->t.len);
            iov[1].iov_base = w->t.buf;
            iov[1].iov_len = w->t.len;
            t_sent[(head + inflight) % ld->window] = now_s();
            w->rc = conn_send(&w->c, iov, 2);
            if (w->rc) {
                snprintf(w->err, sizeof(w->err), "send: %s", rs_status_str(w->rc));
                goto out;
            }
            inflight++;
            w->sent += w->t.n;
        }
        if (inflight == 0)
            break;
        w->rc = recv_frame(&w->c, &p, &len);
        if (w->rc) {
            snprintf(w->err, sizeof(w->err), "waiting for an ack: %s", rs_status_str(w->rc));
            goto out;
        }
        t = now_s();
        k = parse_ack(p, len, &rid, &nacks, &nstored);
        if (k != ACK_OK) {
            describe_reply(p, len, w->err, sizeof(w->err));
            w->rc = RS_EPROTO;
            goto out;
        }
        if (rid != w->batches_acked + 1 || nacks != w->t.n || nstored != w->t.n) {
            snprintf(w->err, sizeof(w->err),
                     "ack for request %" PRIu64 " (expected %" PRIu64 "): %zu acks, %zu stored",
                     rid, w->batches_acked + 1, nacks, nstored);
            w->rc = RS_EPROTO;
            goto out;
        }
        w->batches_acked++;
        w->acked += w->t.n;
        w->t_last = t;
        if (w->nlat < w->lat_cap) {
            double us = (t - t_sent[head]) * 1e6;

            w->lat_us[w->nlat++] = us > 4e9 ? UINT32_MAX : (uint32_t)us;
        }
        head = (head + 1) % ld->window;
        inflight--;
    }
out:
    free(t_sent);
    return NULL;
}

/*
 * Connects ld->conns township connections (connection i signs in as
 * township i % 16 and sends records of its division), then runs the timed
 * phase: at most ld->quota records per connection, at most `seconds`.
 */
static rs_status run_load(struct server *s, struct load *ld, uint64_t total, double seconds,
                          struct load_result *res)
{
    struct worker *w = NULL;
    uint32_t started = 0;
    uint32_t *all = NULL;
    size_t nall = 0;
    double cpu0, gcpu0, tmax;
    rs_status rc = RS_OK;

    memset(res, 0, sizeof(*res));
    ld->port = s->port;
    ld->quota = (total / ld->conns + ld->batch - 1) / ld->batch * ld->batch;
    if (ld->quota == 0)
        ld->quota = ld->batch;
    atomic_store(&ld->next_id, ld->id_base);
    pthread_mutex_init(&ld->gate_mu, NULL);
    pthread_cond_init(&ld->gate_cv, NULL);
    ld->gate_open = false;
    w = calloc(ld->conns, sizeof(*w));
    if (!w) {
        snprintf(res->err, sizeof(res->err), "out of memory");
        rc = RS_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < ld->conns; i++)
        w[i].c.fd = -1;
    for (uint32_t i = 0; i < ld->conns; i++) {
        int town = (int)(i % N_TOWNS);

        w[i].ld = ld;
        w[i].lat_cap = (size_t)(ld->quota / ld->batch) + 1;
        w[i].lat_us = malloc(w[i].lat_cap * sizeof(uint32_t));
        if (!w[i].lat_us || tmpl_build(&w[i].t, ld->batch, s->town_code[town], ld->year)) {
            snprintf(res->err, sizeof(res->err), "cannot build the batch template");
            rc = RS_ENOMEM;
            goto out;
        }
        uint16_t port = (i % 2 == 1 && s->port2) ? s->port2 : s->port;

        if (conn_open(&w[i].c, port, IO_TIMEOUT_S)) {
            snprintf(res->err, sizeof(res->err), "cannot connect to 127.0.0.1:%u",
                     (unsigned)port);
            rc = RS_EIO;
            goto out;
        }
        rc = conn_hello(&w[i].c, s->town_code[town], s->town_token[town], res->err,
                        sizeof(res->err));
        if (rc)
            goto out;
    }
    for (started = 0; started < ld->conns; started++) {
        if (pthread_create(&w[started].th, NULL, worker_main, &w[started]) != 0) {
            snprintf(res->err, sizeof(res->err), "cannot start a thread");
            rc = RS_ENOMEM;
            break;
        }
    }
    cpu0 = proc_cpu(s->pid) + (s->pid2 > 0 ? proc_cpu(s->pid2) : 0.0);
    gcpu0 = self_cpu();
    pthread_mutex_lock(&ld->gate_mu);
    ld->t0 = now_s();
    ld->deadline = rc ? ld->t0 : ld->t0 + seconds;
    ld->gate_open = true;
    pthread_cond_broadcast(&ld->gate_cv);
    pthread_mutex_unlock(&ld->gate_mu);
    for (uint32_t i = 0; i < started; i++)
        pthread_join(w[i].th, NULL);
    res->server_cpu = proc_cpu(s->pid) + (s->pid2 > 0 ? proc_cpu(s->pid2) : 0.0) - cpu0;
    res->gen_cpu = self_cpu() - gcpu0;
    proc_mem(s->pid, &res->hwm_kb, &res->rss_kb);
    if (s->pid2 > 0) {
        uint64_t hwm2, rss2;

        if (proc_mem(s->pid2, &hwm2, &rss2) == RS_OK) {
            res->hwm_kb += hwm2;
            res->rss_kb += rss2;
        }
    }
    tmax = ld->t0;
    for (uint32_t i = 0; i < started; i++) {
        res->acked += w[i].acked;
        if (w[i].t_last > tmax)
            tmax = w[i].t_last;
        nall += w[i].nlat;
        if (w[i].rc && rc == RS_OK) {
            rc = w[i].rc;
            snprintf(res->err, sizeof(res->err), "connection %u: %.200s", i, w[i].err);
        }
    }
    res->elapsed = tmax - ld->t0;
    res->rate = res->elapsed > 0 ? (double)res->acked / res->elapsed : 0.0;
    all = malloc((nall ? nall : 1) * sizeof(*all));
    if (all) {
        size_t k = 0;

        for (uint32_t i = 0; i < started; i++) {
            memcpy(all + k, w[i].lat_us, w[i].nlat * sizeof(*all));
            k += w[i].nlat;
        }
        qsort(all, nall, sizeof(*all), cmp_u32);
        if (nall > 0) {
            size_t i99 = (nall * 99 + 99) / 100;

            res->p50_ms = (double)all[(nall - 1) / 2] / 1000.0;
            res->p99_ms = (double)all[(i99 ? i99 : 1) - 1] / 1000.0;
            res->max_ms = (double)all[nall - 1] / 1000.0;
        }
        res->nlat = nall;
    }
    free(all);
out:
    for (uint32_t i = 0; w && i < ld->conns; i++) {
        conn_close(&w[i].c);
        tmpl_free(&w[i].t);
        free(w[i].lat_us);
    }
    free(w);
    pthread_cond_destroy(&ld->gate_cv);
    pthread_mutex_destroy(&ld->gate_mu);
    res->ok = rc == RS_OK;
    return rc;
}

/* ------------------------------------------------------------ in-memory reference */

/*
 * Inserts `rows` records with the ids 0 .. rows - 1 (the ids the scenario
 * sent) into ":memory:", INMEM_CHUNK rows per transaction, with one
 * prepared statement.  Only BEGIN .. COMMIT is timed: making the rows
 * (patching ids, SHA-256) happens before each chunk.
 */
static rs_status inmem_rate(uint64_t rows, const char *office, double *rate, char *err,
                            size_t errlen)
{
    struct tmpl t;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    uint8_t (*hash)[RS_SHA256_LEN] = NULL;
    char (*ids)[RS_UUID_LEN + 1] = NULL;
    double timed = 0.0;
    int64_t now = rs_now_unix();
    rs_status rc = RS_EIO;

    *rate = 0.0;
    if (tmpl_build(&t, INMEM_CHUNK, office, BENCH_YEAR)) {
        snprintf(err, errlen, "cannot build rows");
        return RS_ENOMEM;
    }
    hash = calloc(INMEM_CHUNK, sizeof(*hash));
    ids = calloc(INMEM_CHUNK, sizeof(*ids));
    if (!hash || !ids) {
        rc = RS_ENOMEM;
        goto out;
    }
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "in-memory database: %s", db ? sqlite3_errmsg(db) : "no memory");
        goto out;
    }
    /* The server's own schema, made by the store's own migrations. */
    if (rs_store_schema_create(db, err, errlen) != RS_OK)
        goto out;
    /* The server's own INSERT. */
    if (sqlite3_prepare_v2(db, rs_store_sql_record_insert, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "in-memory database: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (uint64_t g = 0; g < rows; g += INMEM_CHUNK) {
        size_t n = rows - g < INMEM_CHUNK ? (size_t)(rows - g) : INMEM_CHUNK;
        double t0;

        tmpl_patch(&t, g, g_opt.random_ids);
        for (size_t i = 0; i < n; i++) {
            memcpy(ids[i], t.buf + t.id_off[i], RS_UUID_LEN);
            ids[i][RS_UUID_LEN] = '\0';
            rs_sha256(t.buf + t.rec_off[i], t.rec_len[i], hash[i]);
        }
        t0 = now_s();
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        for (size_t i = 0; i < n; i++) {
            sqlite3_bind_text(st, 1, ids[i], RS_UUID_LEN, SQLITE_STATIC);
            sqlite3_bind_null(st, 2);
            sqlite3_bind_text(st, 3, office, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, office, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, RS__RECORD__BODY_RELIEF);
            sqlite3_bind_int64(st, 6, BENCH_YEAR);
            sqlite3_bind_int64(st, 7, RS__PERIOD__PERIOD_Q4);
            sqlite3_bind_blob(st, 8, hash[i], RS_SHA256_LEN, SQLITE_STATIC);
            sqlite3_bind_blob(st, 9, t.buf + t.rec_off[i], (int)t.rec_len[i], SQLITE_STATIC);
            sqlite3_bind_null(st, 10);
            sqlite3_bind_int64(st, 11, now);
            if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db) != 1)
                goto fail;
            sqlite3_reset(st);
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        timed += now_s() - t0;
    }
    *rate = timed > 0 ? (double)rows / timed : 0.0;
    rc = RS_OK;
    goto out;
fail:
    snprintf(err, errlen, "in-memory insert: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(hash);
    free(ids);
    tmpl_free(&t);
    return rc;
}

/* ------------------------------------------------------------ printing */

static void print_load(const char *label, const struct load *ld, const struct load_result *r)
{
    printf("  %s: %u conns x window %u x %u records/batch, ids %s\n", label, ld->conns,
           ld->window, ld->batch, ld->random_ids ? "random (v8-shaped)" : "time-ordered (v7)");
    if (!r->ok)
        printf("  ERROR: %s\n", r->err);
    printf("  acked records       %" PRIu64 " in %.2f s\n", r->acked, r->elapsed);
    printf("  records/s acked     %.0f\n", r->rate);
    printf("  ack latency ms      p50 %.2f  p99 %.2f  max %.2f  (%zu batches)\n", r->p50_ms,
           r->p99_ms, r->max_ms, r->nlat);
    printf("  server memory       VmHWM %.1f MiB  VmRSS %.1f MiB\n", (double)r->hwm_kb / 1024.0,
           (double)r->rss_kb / 1024.0);
    if (r->acked > 0)
        printf("  CPU                 server %.2f s (%.2f us/record), load generator %.2f s\n",
               r->server_cpu, r->server_cpu * 1e6 / (double)r->acked, r->gen_cpu);
}

static void print_commits(const struct server *s, int exit_status)
{
    printf("  server exit         %d%s", exit_status, exit_status == 0 ? " (clean)" : "");
    if (s->commits > 0)
        printf(", %" PRIu64 " group commits of %.1f records on average", s->commits,
               (double)s->committed / (double)s->commits);
    printf("\n");
}

static double print_inmem(uint64_t rows, double server_rate)
{
    char err[256];
    double rate = 0.0;

    if (rows == 0)
        return 0.0;
    if (inmem_rate(rows, "500101001", &rate, err, sizeof(err)) != RS_OK) {
        printf("  in-memory SQLite    ERROR: %s\n", err);
        return 0.0;
    }
    printf("  in-memory SQLite    %.0f rows/s (same %" PRIu64 " rows, %d rows/tx); "
           "server / in-memory = %.3f\n",
           rate, rows, INMEM_CHUNK, rate > 0 ? server_rate / rate : 0.0);
    return rate;
}

/* ------------------------------------------------------------ scenarios a, b, c */

static rs_status scen_ingest(char which)
{
    struct server s;
    struct load ld;
    struct load_result r;
    char err[256], label[128];
    double inmem;
    int st;
    rs_status rc;

    memset(&ld, 0, sizeof(ld));
    ld.year = BENCH_YEAR;
    ld.random_ids = g_opt.random_ids;
    switch (which) {
    case 'a':
        ld.conns = 16;
        ld.batch = 100;
        ld.window = g_opt.window_a;
        snprintf(label, sizeof(label), "(a) 16 connections, batches of 100, pipelined");
        break;
    case 'b':
        ld.conns = 16;
        ld.batch = 1;
        ld.window = 1;
        snprintf(label, sizeof(label), "(b) 16 connections, one record per batch, window 1");
        break;
    default:
        ld.conns = 1;
        ld.batch = 1000;
        ld.window = 4;
        snprintf(label, sizeof(label), "(c) one connection, window 4 x 1000 records");
        break;
    }
    if (g_bk == BK_SQLITE)
        printf("\n== scenario %s\n", label);
    else
        printf("\n== scenario %s, %s\n", label, bk_name[g_bk]);
    fflush(stdout);
    rc = server_prepare(&s, err, sizeof(err));
    if (rc == RS_OK)
        rc = server_start(&s, err, sizeof(err));
    if (rc) {
        printf("  ERROR: %s\n", err);
        server_cleanup(&s);
        return rc;
    }
    if (g_opt.perf) {
        char tag[16];

        snprintf(tag, sizeof(tag), "%c%s", which,
                 g_bk == BK_PG1 ? "-pg" : g_bk == BK_PG2 ? "-pg2" : "");
        s.perf_pid = perf_start(s.pid, tag);
    }
    rc = run_load(&s, &ld, g_opt.records, g_opt.seconds, &r);
    perf_stop(&s);
    st = server_stop(&s);
    print_load("load", &ld, &r);
    print_commits(&s, st);
    inmem = print_inmem(r.acked, r.rate);
    fflush(stdout);
    if (which != 'c')
        g_rate[g_bk][which - 'a'] = r.ok ? r.rate : 0.0;
    if (g_bk != BK_SQLITE && which != 'c') {
        double lite = g_rate[BK_SQLITE][which - 'a'], one = g_rate[BK_PG1][which - 'a'];
        char what[96];

        if (lite > 0)
            printf("  SQLite this run     %.0f records/s; %s / SQLite = %.3f\n", lite,
                   bk_name[g_bk], r.rate / lite);
        snprintf(what, sizeof(what), "(%c)%s records/s / SQLite's", which, bk_label[g_bk]);
        add_verdict(what, which == 'a' && g_bk == BK_PG1 ? ">= 0.50 x" : "(none)",
                    which == 'a' && g_bk == BK_PG1 ? (r.ok && lite > 0 && r.rate >= 0.5 * lite)
                                                   : -1,
                    "%.0f/s = %.3f x", r.rate, lite > 0 ? r.rate / lite : 0.0);
        if (g_bk == BK_PG2) {
            if (one > 0)
                printf("  1 front-end         %.0f records/s; 2 / 1 front-ends = %.3f\n", one,
                       r.rate / one);
            snprintf(what, sizeof(what), "(%c) pg 2 front-ends / 1 front-end", which);
            add_verdict(what, ">= 1.00 x", r.ok && one > 0 && r.rate >= one,
                        "%.3f x", one > 0 ? r.rate / one : 0.0);
        }
        server_cleanup(&s);
        return rc;
    }
    if (which == 'a') {
        add_verdict("(a) records/s vs in-memory insert", ">= 0.60", r.ok && inmem > 0 &&
                    r.rate >= 0.6 * inmem, "%.0f/s = %.3f x", r.rate,
                    inmem > 0 ? r.rate / inmem : 0.0);
        add_verdict("(a) ack latency p99", "<= 20 ms", r.ok && r.p99_ms <= 20.0, "%.2f ms",
                    r.p99_ms);
    } else if (which == 'b') {
        add_verdict("(b) records/s, 16 conns x 1 record", ">= 20,000/s", r.ok &&
                    r.rate >= 20000.0, "%.0f/s", r.rate);
        add_verdict("(b) ack latency p99", "<= 20 ms", r.ok && r.p99_ms <= 20.0, "%.2f ms",
                    r.p99_ms);
    } else {
        add_verdict("(c) records/s, 1 conn x 4 x 1000", "(none)", -1, "%.0f/s = %.3f x mem",
                    r.rate, inmem > 0 ? r.rate / inmem : 0.0);
    }
    server_cleanup(&s);
    return rc;
}

/* ------------------------------------------------------------ scenario d */

static uint64_t meminfo_slab_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    uint64_t v = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "Slab:", 5) == 0)
            v = strtoull(line + 5, NULL, 10);
    fclose(f);
    return v;
}

/*
 * Opens n connections and signs each in, IDLE_CHUNK at a time: connect (and
 * TLS handshake) each, send every Hello, then read every Welcome.  cs[i]
 * keeps the socket (and TLS state); receive buffers are released.
 */
static rs_status open_idle(const struct server *s, struct conn *cs, uint32_t n, uint8_t **hello,
                           size_t *hello_len, char *err, size_t errlen)
{
    rs_status rc = RS_OK;
    uint32_t done = 0;

    for (uint32_t i = 0; i < n; i++)
        cs[i].fd = -1;
    while (done < n && rc == RS_OK) {
        uint32_t k = n - done < IDLE_CHUNK ? n - done : IDLE_CHUNK, opened = 0;

        for (uint32_t i = 0; i < k && rc == RS_OK; i++, opened++) {
            struct conn *c = &cs[done + i];
            int town = (int)((done + i) % N_TOWNS);

            rc = conn_open(c, s->port, IO_TIMEOUT_S);
            if (rc) {
                snprintf(err, errlen, "connection %u: cannot connect: %s", done + i,
                         strerror(errno));
                break;
            }
            rc = send_bytes(c, hello[town], hello_len[town]);
            if (rc)
                snprintf(err, errlen, "connection %u: cannot send Hello", done + i);
        }
        for (uint32_t i = 0; i < opened; i++) {
            if (rc == RS_OK)
                rc = expect_welcome(&cs[done + i], err, errlen);
            rs_frame_rx_free(&cs[done + i].rx);     /* the connection stays open */
        }
        done += opened;
    }
    return rc;
}

/* Sends one record on an idle connection and checks its ack. */
static rs_status one_record(const struct server *s, struct conn *c, int town)
{
    struct tmpl t;
    uint8_t hdr[40];
    struct iovec iov[2];
    const uint8_t *p;
    size_t len, nacks, nstored;
    uint64_t rid;
    rs_status rc = tmpl_build(&t, 1, s->town_code[town], BENCH_YEAR);

    if (rc)
        return rc;
    tmpl_patch(&t, 42, false);
    iov[0].iov_base = hdr;
    iov[0].iov_len = frame_header(hdr, 1, t.len);
    iov[1].iov_base = t.buf;
    iov[1].iov_len = t.len;
    rc = conn_send(c, iov, 2);
    if (rc == RS_OK)
        rc = recv_frame(c, &p, &len);
    if (rc == RS_OK &&
        (parse_ack(p, len, &rid, &nacks, &nstored) != ACK_OK || nstored != 1))
        rc = RS_EPROTO;
    tmpl_free(&t);
    return rc;
}

static rs_status scen_idle(void)
{
    struct server s;
    struct conn warm = {.fd = -1};
    uint8_t *hello[N_TOWNS] = {NULL};
    size_t hello_len[N_TOWNS];
    struct conn *cs = NULL;
    uint32_t n = g_opt.idle;
    uint64_t hwm0, rss0, hwm1, rss1, slab0, slab1;
    double t0, t_open, per_conn = 0.0;
    char err[256];
    int st;
    rs_status rc;

    printf("\n== scenario (d) %u idle connections after the handshake%s\n", n,
           g_opt.tls ? " (TLS)" : "");
    fflush(stdout);
    rc = server_prepare(&s, err, sizeof(err));
    if (rc == RS_OK)
        rc = server_start(&s, err, sizeof(err));
    if (rc)
        goto out;
    cs = calloc(n, sizeof(*cs));
    if (!cs) {
        rc = RS_ENOMEM;
        snprintf(err, sizeof(err), "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        cs[i].fd = -1;
    for (int i = 0; i < N_TOWNS; i++) {
        rc = pack_hello(s.town_code[i], s.town_token[i], &hello[i], &hello_len[i]);
        if (rc) {
            snprintf(err, sizeof(err), "cannot pack Hello");
            goto out;
        }
    }
    /* One connection first, so the baseline includes the pool threads and
     * the token check's first use of SQLite. */
    rc = conn_open(&warm, s.port, IO_TIMEOUT_S);
    if (rc == RS_OK)
        rc = conn_hello(&warm, s.town_code[0], s.town_token[0], err, sizeof(err));
    if (rc)
        goto out;
    sleep_ms(500);
    proc_mem(s.pid, &hwm0, &rss0);
    slab0 = meminfo_slab_kb();
    t0 = now_s();
    rc = open_idle(&s, cs, n, hello, hello_len, err, sizeof(err));
    t_open = now_s() - t0;
    if (rc)
        goto out;
    sleep_ms(1500);
    proc_mem(s.pid, &hwm1, &rss1);
    slab1 = meminfo_slab_kb();
    per_conn = ((double)rss1 - (double)rss0) * 1024.0 / (double)n;
    printf("  handshakes          %u in %.2f s (%.0f/s)\n", n, t_open, (double)n / t_open);
    printf("  server VmRSS        %.1f MiB before, %.1f MiB with %u idle connections "
           "(VmHWM %.1f MiB)\n",
           (double)rss0 / 1024.0, (double)rss1 / 1024.0, n, (double)hwm1 / 1024.0);
    printf("  user space / conn   %.0f bytes (RSS growth / %u)\n", per_conn, n);
    printf("  kernel slab / conn  %.0f bytes (both socket ends, /proc/meminfo Slab growth)\n",
           ((double)slab1 - (double)slab0) * 1024.0 / (double)n);
    /* The last connection is still alive: one record through it. */
    rs_frame_rx_init(&cs[n - 1].rx, CLIENT_MAX_FRAME);
    rc = one_record(&s, &cs[n - 1], (int)((n - 1) % N_TOWNS));
    printf("  last idle conn      %s\n", rc == RS_OK ? "still answers (1 record stored)"
                                                    : "did NOT answer a batch");
    if (rc)
        snprintf(err, sizeof(err), "the last idle connection did not answer");
out:
    for (uint32_t i = 0; cs && i < n; i++)
        conn_close(&cs[i]);
    conn_close(&warm);
    if (rc)
        printf("  ERROR: %s\n", err);
    st = server_stop(&s);
    print_commits(&s, st);
    add_verdict(g_opt.tls ? "(d) user-space memory per idle TLS conn"
                          : "(d) user-space memory per idle conn",
                "<= 1024 B", rc == RS_OK && per_conn <= 1024.0, "%.0f B", per_conn);
    for (int i = 0; i < N_TOWNS; i++)
        free(hello[i]);
    free(cs);
    server_cleanup(&s);
    fflush(stdout);
    return rc;
}

/* ------------------------------------------------------------ scenario e */

/* Sends ReportRequest{year, markdown} and waits for the reply. */
static rs_status report_once(struct conn *c, uint64_t rid, uint32_t year, double *secs,
                             size_t *bytes, char *first_line, size_t fl_len, char *err,
                             size_t errlen)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__ReportRequest rq = RS__REPORT_REQUEST__INIT;
    uint8_t *buf;
    const uint8_t *p;
    size_t len;
    double t0;
    rs_status rc;

    rq.has_year = true;
    rq.year = year;
    rq.has_format = true;
    rq.format = RS__REPORT_FORMAT__FMT_MARKDOWN;
    env.has_request_id = true;
    env.request_id = rid;
    env.msg_case = RS__ENVELOPE__MSG_REPORT_REQUEST;
    env.report_request = &rq;
    rc = rs_wire_pack(&env, RS_FRAME_MAX_DEFAULT, 0, &buf, &len);
    if (rc)
        return rc;
    t0 = now_s();
    rc = send_bytes(c, buf, len);
    free(buf);
    if (rc == RS_OK)
        rc = recv_frame(c, &p, &len);
    *secs = now_s() - t0;
    if (rc) {
        snprintf(err, errlen, "no report reply: %s", rs_status_str(rc));
        return rc;
    }
    if (rs_wire_unpack(p, len, &reply) != RS_OK) {
        snprintf(err, errlen, "unparsable report reply");
        return RS_EPROTO;
    }
    if (reply->msg_case != RS__ENVELOPE__MSG_REPORT || !reply->report->has_body) {
        describe_reply(p, len, err, errlen);
        rc = RS_EPROTO;
    } else {
        size_t n = strcspn((const char *)reply->report->body.data, "\n");

        *bytes = reply->report->body.len;
        if (n > reply->report->body.len)
            n = reply->report->body.len;
        if (n >= fl_len)
            n = fl_len - 1;
        memcpy(first_line, reply->report->body.data, n);
        first_line[n] = '\0';
    }
    rs__envelope__free_unpacked(reply, NULL);
    return rc;
}

/* Times REPORT_RUNS reports of `year`; *warm is the median of all but the first. */
static rs_status time_reports(const struct server *s, uint32_t year, double *warm,
                              char *err, size_t errlen)
{
    struct conn c = {.fd = -1};
    double t[REPORT_RUNS];
    size_t bytes = 0;
    char first[200] = "";
    rs_status rc;

    *warm = 0.0;
    rc = conn_open(&c, s->port, REPORT_TIMEOUT_S);
    if (rc) {
        snprintf(err, errlen, "cannot connect");
        return rc;
    }
    rc = conn_hello(&c, CENTRAL_CODE, s->central_token, err, errlen);
    for (int i = 0; i < REPORT_RUNS && rc == RS_OK; i++) {
        rc = report_once(&c, (uint64_t)i + 1, year, &t[i], &bytes, first, sizeof(first), err,
                         errlen);
        if (rc == RS_OK)
            printf("  report %u run %d     %.3f s (%zu bytes)%s\n", year, i + 1, t[i], bytes,
                   i == 0 ? " first" : " warm");
        else
            printf("  report %u run %d     FAILED after %.3f s: %s\n", year, i + 1, t[i], err);
        fflush(stdout);
    }
    if (rc == RS_OK) {
        printf("  report first line   %s\n", first);
        *warm = median(t + 1, REPORT_RUNS - 1);
    }
    conn_close(&c);
    return rc;
}

struct agg_row {
    int64_t type, count, bytes;
};

/* The hand-written SQL aggregate, timed AGG_RUNS times; returns the median. */
static rs_status time_sql(const char *dbpath, uint32_t year, double *med, uint64_t *rows,
                          char *err, size_t errlen)
{
    static const char sql[] = "SELECT type, count(*), sum(length(body)) FROM records"
                              " WHERE year = ?1 AND superseded_by IS NULL GROUP BY type";
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    double t[AGG_RUNS];
    rs_status rc = RS_EIO;

    *rows = 0;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", dbpath, db ? sqlite3_errmsg(db) : "no memory");
        goto out;
    }
    for (int i = 0; i < AGG_RUNS; i++) {
        double t0 = now_s();
        uint64_t n = 0;
        int r;

        sqlite3_bind_int64(st, 1, year);
        while ((r = sqlite3_step(st)) == SQLITE_ROW)
            n += (uint64_t)sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
        t[i] = now_s() - t0;
        if (r != SQLITE_DONE) {
            snprintf(err, errlen, "aggregate: %s", sqlite3_errmsg(db));
            goto out;
        }
        *rows = n;
    }
    *med = median(t, AGG_RUNS);
    rc = RS_OK;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/*
 * What the report must do at least: read every current body of the year
 * (the report's own scan query, rs_store_sql_record_scan), unpack it with
 * rs__record__unpack and sum the amounts.
 */
static rs_status time_cloop(const char *dbpath, uint32_t year, double *med, uint64_t *rows,
                            int64_t *fen, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    double t[AGG_RUNS];
    rs_status rc = RS_EIO;

    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, rs_store_sql_record_scan, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", dbpath, db ? sqlite3_errmsg(db) : "no memory");
        goto out;
    }
    for (int i = 0; i < AGG_RUNS; i++) {
        double t0 = now_s();
        uint64_t n = 0;
        int64_t sum = 0;
        int r;

        sqlite3_bind_int64(st, 1, year);
        sqlite3_bind_null(st, 2);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            const uint8_t *b = sqlite3_column_blob(st, 0);
            Rs__Record *rec = rs__record__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0), b);

            if (!rec)
                continue;
            if (rec->body_case == RS__RECORD__BODY_RELIEF && rec->relief->has_amount_fen)
                sum += rec->relief->amount_fen;
            n++;
            rs__record__free_unpacked(rec, NULL);
        }
        sqlite3_reset(st);
        t[i] = now_s() - t0;
        if (r != SQLITE_DONE) {
            snprintf(err, errlen, "scan: %s", sqlite3_errmsg(db));
            goto out;
        }
        *rows = n;
        *fen = sum;
    }
    *med = median(t, AGG_RUNS);
    rc = RS_OK;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* Loads `total` records of `year` through the server: 4 conns x window 2 x 1000. */
static rs_status load_year(struct server *s, uint32_t year, uint64_t total, uint64_t id_base,
                           struct load_result *r)
{
    struct load ld;
    rs_status rc;

    memset(&ld, 0, sizeof(ld));
    ld.conns = 4;
    ld.batch = 1000;
    ld.window = 2;
    ld.year = year;
    ld.random_ids = g_opt.random_ids;
    ld.id_base = id_base;
    rc = run_load(s, &ld, total, LOAD_CAP_S, r);
    print_load(year == BENCH_YEAR ? "load (main year)" : "load (small year)", &ld, r);
    return rc;
}

static rs_status scen_report(void)
{
    struct server s;
    struct load_result r1, r2;
    uint64_t hwm, rss, sql_rows = 0, loop_rows = 0;
    int64_t fen = 0;
    double rep = 0.0, rep_small = 0.0, sql = 0.0, loop = 0.0, sql_small = 0.0;
    double loop_small = 0.0, t0;
    uint64_t small = g_opt.records / 10;
    char what[96];
    char err[256] = "";
    int st;
    rs_status rc, rc_rep;

    printf("\n== scenario (e) report over %" PRIu64 " current records of %d "
           "(plus %" PRIu64 " records of %d)%s%s\n",
           g_opt.records, BENCH_YEAR, small, SMALL_YEAR, g_bk == BK_SQLITE ? "" : ", ",
           g_bk == BK_SQLITE ? "" : bk_name[g_bk]);
    printf("  database loaded through the server (SubmitBatch, 4 connections x window 2 x "
           "1000 records)\n");
    fflush(stdout);
    rc = server_prepare(&s, err, sizeof(err));
    if (rc == RS_OK)
        rc = server_start(&s, err, sizeof(err));
    if (rc) {
        printf("  ERROR: %s\n", err);
        server_cleanup(&s);
        return rc;
    }
    t0 = now_s();
    rc = load_year(&s, BENCH_YEAR, g_opt.records, 0, &r1);
    if (rc == RS_OK)
        print_inmem(r1.acked, r1.rate);
    if (rc == RS_OK)
        rc = load_year(&s, SMALL_YEAR, small, (uint64_t)1 << 40, &r2);
    printf("  loading took        %.1f s\n", now_s() - t0);
    fflush(stdout);
    if (rc) {
        snprintf(err, sizeof(err), "%s", r1.ok ? r2.err : r1.err);
        goto out;
    }
    if (g_bk != BK_SQLITE) {
        /* The load leaves PostgreSQL a checkpoint of its 0.5 GB of WAL to
         * write and autovacuum's first pass over the new rows; either, when
         * it fell in the timed reports, made them 3-5 x slower (run to run
         * 1.2 to 5 s).  A district's reports run long after its records
         * came, so the bench lets both happen first. */
        char out[256];
        char *argv[] = {"psql", s.db, "-qAtX", "-c", "VACUUM (ANALYZE) records", "-c",
                        "CHECKPOINT", NULL};
        double t1 = now_s();

        if (run_capture(argv, out, sizeof(out), true) != 0) {
            snprintf(err, sizeof(err), "psql VACUUM (ANALYZE), CHECKPOINT failed: %.200s", out);
            rc = RS_EIO;
            goto out;
        }
        printf("  settled in          %.1f s (VACUUM (ANALYZE) records; CHECKPOINT)\n",
               now_s() - t1);
        fflush(stdout);
    }
    if (g_opt.perf)
        s.perf_pid = perf_start(s.pid, g_bk == BK_SQLITE ? "e" : "e-pg");
    rc_rep = time_reports(&s, BENCH_YEAR, &rep, err, sizeof(err));
    if (rc_rep == RS_OK)
        printf("  report warm median  %.3f s\n", rep);
    if (time_reports(&s, SMALL_YEAR, &rep_small, err, sizeof(err)) == RS_OK)
        printf("  report %d warm     %.3f s for %" PRIu64 " records (%.2f us/record; "
               "x %" PRIu64 " records = %.2f s if linear)\n",
               SMALL_YEAR, rep_small, r2.acked, rep_small * 1e6 / (double)r2.acked,
               g_opt.records, rep_small * (double)g_opt.records / (double)r2.acked);
    perf_stop(&s);
    proc_mem(s.pid, &hwm, &rss);
    printf("  server memory       VmHWM %.1f MiB  VmRSS %.1f MiB (after the reports)\n",
           (double)hwm / 1024.0, (double)rss / 1024.0);
    g_rep_warm[g_bk] = rc_rep == RS_OK ? rep : 0.0;
    g_rep_hwm[g_bk] = hwm;
    if (g_bk != BK_SQLITE) {
        double lite = g_rep_warm[BK_SQLITE];

        if (lite > 0 && rc_rep == RS_OK)
            printf("  SQLite this run     report warm %.3f s, VmHWM %.1f MiB; "
                   "PostgreSQL / SQLite = %.2f x time, %.2f x VmHWM\n",
                   lite, (double)g_rep_hwm[BK_SQLITE] / 1024.0, rep / lite,
                   g_rep_hwm[BK_SQLITE] ? (double)hwm / (double)g_rep_hwm[BK_SQLITE] : 0.0);
        add_verdict("(e) pg report warm / SQLite's", "<= 2.0 x",
                    rc_rep == RS_OK && lite > 0 && rep <= 2.0 * lite, "%.3f s = %.2f x", rep,
                    lite > 0 ? rep / lite : 0.0);
        add_verdict("(e) pg resettled VmHWM / SQLite's", "(none)", -1,
                    "%.0f / %.0f MiB", (double)hwm / 1024.0,
                    (double)g_rep_hwm[BK_SQLITE] / 1024.0);
        rc = rc_rep;
        goto out;
    }
    if (time_sql(s.db, BENCH_YEAR, &sql, &sql_rows, err, sizeof(err)) == RS_OK)
        printf("  SQL aggregate       %.3f s median of %d (%" PRIu64 " rows, GROUP BY type)\n",
               sql, AGG_RUNS, sql_rows);
    else
        printf("  SQL aggregate       ERROR: %s\n", err);
    if (time_cloop(s.db, BENCH_YEAR, &loop, &loop_rows, &fen, err, sizeof(err)) == RS_OK)
        printf("  C unpack loop       %.3f s median of %d (%" PRIu64 " bodies unpacked, "
               "%" PRId64 " fen)\n",
               loop, AGG_RUNS, loop_rows, fen);
    else
        printf("  C unpack loop       ERROR: %s\n", err);
    if (time_sql(s.db, SMALL_YEAR, &sql_small, &sql_rows, err, sizeof(err)) == RS_OK &&
        time_cloop(s.db, SMALL_YEAR, &loop_small, &loop_rows, &fen, err, sizeof(err)) == RS_OK)
        printf("  %d: SQL %.3f s, C unpack loop %.3f s, report %.3f s (%.1f x SQL, "
               "%.1f x C loop)\n",
               SMALL_YEAR, sql_small, loop_small, rep_small,
               sql_small > 0 ? rep_small / sql_small : 0.0,
               loop_small > 0 ? rep_small / loop_small : 0.0);
    if (rc_rep == RS_OK)
        printf("  report / SQL        %.2f x;  report / C loop %.2f x\n",
               sql > 0 ? rep / sql : 0.0, loop > 0 ? rep / loop : 0.0);
    if (rep_small > 0 && sql_small > 0) {
        snprintf(what, sizeof(what), "(e) report / SQL, %" PRIu64 " records", r2.acked);
        add_verdict(what, "<= 1.5 x", rep_small <= 1.5 * sql_small, "%.2f x (%.3f s)",
                    rep_small / sql_small, rep_small);
    }
    snprintf(what, sizeof(what), "(e) report warm, %" PRIu64 " records", g_opt.records);
    if (rc_rep == RS_OK) {
        add_verdict(what, "<= 0.3 s", rep <= 0.3, "%.3f s", rep);
        add_verdict("(e) report / hand-written SQL", "<= 1.5 x", sql > 0 && rep <= 1.5 * sql,
                    "%.2f x", sql > 0 ? rep / sql : 0.0);
    } else {
        add_verdict(what, "<= 0.3 s", 0, "failed");
        add_verdict("(e) report / hand-written SQL", "<= 1.5 x", 0, "failed");
    }
    rc = rc_rep;
out:
    if (rc && err[0])
        printf("  ERROR: %s\n", err);
    st = server_stop(&s);
    print_commits(&s, st);
    server_cleanup(&s);
    fflush(stdout);
    return rc;
}

/* ------------------------------------------------------------ main */

static const char usage[] =
    "usage: bench [--scenario a|b|c|d|e|all] [--records N] [--seconds S]\n"
    "             [--window W] [--idle N] [--ids v7|v8] [--proto 1|2] [--dir DIR]\n"
    "             [--perf PREFIX] [--keep] [--perf-dwarf] [--tls] [--server PATH] [--pg]\n"
    "  --records N    records per ingest scenario (a, b, c) and in the report year of e"
    " (default 1000000)\n"
    "  --seconds S    cap on each timed ingest phase of a, b, c (default 15)\n"
    "  --window W     batches in flight per connection in a (default 2, protocol max 4)\n"
    "  --idle N       idle connections in d (default 10000)\n"
    "  --ids v7|v8    time-ordered ids as the client makes them (default), or\n"
    "                 random name-based-looking ones that scatter over the index\n"
    "  --proto 1|2    the protocol version spoken (default 2: records as their bytes;\n"
    "                 1: as messages, for a server that speaks only version 1)\n"
    "  --dir DIR      where the temporary databases go (default /tmp)\n"
    "  --perf PREFIX  run `perf record -g` on the server: PREFIX-<scenario>.data\n"
    "  --perf-dwarf   with --perf: --call-graph dwarf (the server has no frame pointers)\n"
    "  --tls          serve TLS with a throwaway self-signed certificate (openssl req);\n"
    "                 the load generator speaks TLS 1.2+ without verifying it\n"
    "  --keep         keep the temporary folders\n"
    "  --server PATH  run this resettled instead of the one built alongside\n"
    "  --pg           then run a, b, e on a throwaway PostgreSQL (tests/pg/pg_server.sh),\n"
    "                 with one and (a, b) two front-ends, beside SQLite's rates\n";

static rs_status parse_args(int argc, char **argv)
{
    uint64_t v;

    memset(&g_opt, 0, sizeof(g_opt));
    snprintf(g_opt.scenario, sizeof(g_opt.scenario), "all");
    g_opt.records = 1000000;
    g_opt.seconds = 15.0;
    g_opt.window_a = 2;
    g_opt.idle = 10000;
    g_opt.proto = RS_PROTOCOL_VERSION;
    g_opt.dir = "/tmp";
    g_opt.server_bin = RS_SERVER_BIN;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--ids") == 0 && val &&
            (strcmp(val, "v7") == 0 || strcmp(val, "v8") == 0)) {
            g_opt.random_ids = strcmp(val, "v8") == 0;
            i++;
        } else if (strcmp(a, "--tls") == 0) {
            g_opt.tls = true;
        } else if (strcmp(a, "--perf-dwarf") == 0) {
            g_opt.perf_dwarf = true;
        } else if (strcmp(a, "--keep") == 0) {
            g_opt.keep = true;
        } else if (strcmp(a, "--pg") == 0 || (strcmp(a, "--backend") == 0 && val &&
                                              strcmp(val, "pg") == 0)) {
            g_opt.pg = true;
            i += a[2] == 'b';
        } else if (!val) {
            return RS_EINVAL;
        } else if (strcmp(a, "--scenario") == 0) {
            if (strcmp(val, "all") != 0 && (strlen(val) != 1 || !strchr("abcde", val[0])))
                return RS_EINVAL;
            snprintf(g_opt.scenario, sizeof(g_opt.scenario), "%s", val);
            i++;
        } else if (strcmp(a, "--records") == 0) {
            if (parse_u64(val, 1000, 100000000, &g_opt.records))
                return RS_EINVAL;
            i++;
        } else if (strcmp(a, "--seconds") == 0) {
            if (parse_seconds(val, &g_opt.seconds))
                return RS_EINVAL;
            i++;
        } else if (strcmp(a, "--window") == 0) {
            if (parse_u64(val, 1, 4, &v))
                return RS_EINVAL;
            g_opt.window_a = (uint32_t)v;
            i++;
        } else if (strcmp(a, "--idle") == 0) {
            if (parse_u64(val, 1, MAX_IDLE, &v))
                return RS_EINVAL;
            g_opt.idle = (uint32_t)v;
            i++;
        } else if (strcmp(a, "--proto") == 0) {
            if (parse_u64(val, RS_PROTOCOL_VERSION_MIN, RS_PROTOCOL_VERSION, &v))
                return RS_EINVAL;
            g_opt.proto = (uint32_t)v;
            i++;
        } else if (strcmp(a, "--dir") == 0) {
            g_opt.dir = val;
            i++;
        } else if (strcmp(a, "--server") == 0) {
            g_opt.server_bin = val;
            i++;
        } else if (strcmp(a, "--perf") == 0) {
            g_opt.perf = val;
            i++;
        } else {
            return RS_EINVAL;
        }
    }
    return RS_OK;
}

/* Share of CPU time the whole machine spent idle over ms milliseconds. */
static double machine_idle(long ms)
{
    unsigned long long a[2][8];

    for (int k = 0; k < 2; k++) {
        FILE *f = fopen("/proc/stat", "r");
        char line[512], *p;

        memset(a[k], 0, sizeof(a[k]));
        if (!f)
            return -1.0;
        if (!fgets(line, sizeof(line), f)) {
            fclose(f);
            return -1.0;
        }
        fclose(f);
        p = line + 3;                             /* "cpu  user nice system idle iowait ..." */
        for (int i = 0; i < 8; i++)
            a[k][i] = strtoull(p, &p, 10);
        if (k == 0)
            sleep_ms(ms);
    }
    {
        unsigned long long tot = 0, idle = (a[1][3] - a[0][3]) + (a[1][4] - a[0][4]);

        for (int i = 0; i < 8; i++)
            tot += a[1][i] - a[0][i];
        return tot ? (double)idle / (double)tot : -1.0;
    }
}

static void print_machine_state(const char *when)
{
    double idle = machine_idle(1000);
    double la[3] = {0, 0, 0};

    getloadavg(la, 3);
    printf("machine %s: %.0f%% idle over 1 s, load average %.2f %.2f %.2f%s\n", when,
           idle * 100.0, la[0], la[1], la[2],
           idle >= 0 && idle < 0.9 ? "  (WARNING: busy; figures are lower bounds)" : "");
}

/* Raises the fd limit to the hard limit; the server inherits it. */
static void raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("fd limit %llu (bench and server)\n", (unsigned long long)rl.rlim_cur);
    if (rl.rlim_cur < (rlim_t)g_opt.idle + 64)
        printf("WARNING: the fd limit is below %u idle connections + 64\n", g_opt.idle);
}

/* Starts the throwaway PostgreSQL of --pg in a new folder under --dir. */
static rs_status pg_start(void)
{
    char log[300];
    char *argv[] = {"bash", RS_PG_SCRIPT, "start", g_pg_dir, NULL};

    snprintf(g_pg_dir, sizeof(g_pg_dir), "%s/rs-bench-pg-XXXXXX", g_opt.dir);
    if (!mkdtemp(g_pg_dir)) {
        printf("\nERROR: cannot create a folder under %s: %s\n", g_opt.dir, strerror(errno));
        g_pg_dir[0] = '\0';
        return RS_EIO;
    }
    chmod(g_pg_dir, 0755);          /* pg_server.sh gives it to its user when run as root */
    printf("\n== PostgreSQL: pg_server.sh start %s\n", g_pg_dir);
    fflush(stdout);
    snprintf(log, sizeof(log), "%s.start.log", g_pg_dir);
    if (run_logged(argv, log, 180.0) != 0) {
        printf("  ERROR: pg_server.sh start failed, see %s\n", log);
        return RS_EIO;
    }
    unlink(log);
    return RS_OK;
}

/* Stops it; the folder goes unless --keep (the data was the bench's own). */
static rs_status pg_stop(void)
{
    char out[64], log[300];
    char *argv[] = {"bash", RS_PG_SCRIPT, "stop", g_pg_dir, NULL};
    char *rm[] = {"rm", "-rf", "--", g_pg_dir, NULL};
    int st;

    if (!g_pg_dir[0])
        return RS_OK;
    snprintf(log, sizeof(log), "%s.stop.log", g_pg_dir);
    st = run_logged(argv, log, 180.0);
    if (st != 0)
        printf("  ERROR: pg_server.sh stop exited %d, see %s\n", st, log);
    else
        unlink(log);
    if (g_opt.keep)
        printf("  kept %s\n", g_pg_dir);
    else if (st == 0 && run_capture(rm, out, sizeof(out), true) != 0)
        printf("  could not remove %s\n", g_pg_dir);
    return st == 0 ? RS_OK : RS_EIO;
}

static bool wants(char which)
{
    return strcmp(g_opt.scenario, "all") == 0 || g_opt.scenario[0] == which;
}

int main(int argc, char **argv)
{
    double t0 = now_s();
    int failures = 0;
    time_t wall = time(NULL);
    char when[64];

    if (parse_args(argc, argv) != RS_OK) {
        fputs(usage, stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&wall));
    printf("resettle bench, %s, %ld CPUs, SQLite %s\n", when, sysconf(_SC_NPROCESSORS_ONLN),
           sqlite3_libversion());
    printf("server %s\n", g_opt.server_bin);
    printf("scenario %s, --records %" PRIu64 ", --seconds %.1f, --window %u, --idle %u, "
           "ids %s, protocol %u\n",
           g_opt.scenario, g_opt.records, g_opt.seconds, g_opt.window_a, g_opt.idle,
           g_opt.random_ids ? "random (v8)" : "time-ordered (v7)", g_opt.proto);
    g_id_base_ms = rs_now_unix_ms();
    raise_nofile();
    if (g_opt.tls) {
        g_tls = SSL_CTX_new(TLS_client_method());
        if (!g_tls || !SSL_CTX_set_min_proto_version(g_tls, TLS1_2_VERSION)) {
            fprintf(stderr, "bench: cannot make a TLS client context\n");
            return 1;
        }
        SSL_CTX_set_verify(g_tls, SSL_VERIFY_NONE, NULL);
        printf("transport TLS (server certificate not verified: loopback benchmark)\n");
    }
    print_machine_state("before");
    if (wants('a') && scen_ingest('a') != RS_OK)
        failures++;
    if (wants('b') && scen_ingest('b') != RS_OK)
        failures++;
    if (wants('c') && scen_ingest('c') != RS_OK)
        failures++;
    if (wants('d') && scen_idle() != RS_OK)
        failures++;
    if (wants('e') && scen_report() != RS_OK)
        failures++;
    if (g_opt.pg && (wants('a') || wants('b') || wants('e'))) {
        if (pg_start() != RS_OK) {
            failures++;
        } else {
            for (g_bk = BK_PG1; g_bk <= BK_PG2; g_bk++) {
                if (wants('a') && scen_ingest('a') != RS_OK)
                    failures++;
                if (wants('b') && scen_ingest('b') != RS_OK)
                    failures++;
                if (g_bk == BK_PG1 && wants('e') && scen_report() != RS_OK)
                    failures++;
            }
            if (pg_stop() != RS_OK)
                failures++;
        }
        g_bk = BK_SQLITE;
    }
    printf("\n");
    print_machine_state("after");
    printf("\n== summary (targets from docs/benchmark.md; this machine: %ld CPUs)\n",
           sysconf(_SC_NPROCESSORS_ONLN));
    printf("  %-40s %-22s %-12s %s\n", "measure", "value", "target", "result");
    for (size_t i = 0; i < g_nverdicts; i++)
        printf("  %-40s %-22s %-12s %s\n", g_verdicts[i].what, g_verdicts[i].value,
               g_verdicts[i].target, g_verdicts[i].result);
    printf("  total time %.1f s, %d scenario(s) with errors\n", now_s() - t0, failures);
    SSL_CTX_free(g_tls);
    return failures ? 1 : 0;
}

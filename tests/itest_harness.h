/*
 * itest_harness.h - helpers for integration tests that run the real
 * resettled and resettle binaries on 127.0.0.1.
 *
 * Each test gets a fresh folder under $TMPDIR (else /tmp, tmpdir.h); the
 * server listens on port 0 and the harness reads the chosen address from
 * its "listening on" line.
 * Processes are started with fork/exec, their output goes to files in the
 * folder, and every wait is bounded.
 *
 * For hostile-input tests there is also a small raw protocol client
 * (it_conn_*): blocking sockets with poll(2) deadlines, frames read with
 * rs_frame_rx and decoded with protobuf-c, bytes written exactly as given.
 *
 * Servers started here listen on 127.0.0.1 in plaintext (--plaintext, which
 * the server allows only on loopback) unless the caller passes --tls-cert,
 * and with the failed-handshake limit raised to 1000 (--auth-fail-limit) so
 * that catalogues of refused handshakes are not rate limited (a test that
 * checks the limit passes its own --auth-fail-limit, which comes later).  Clients started with
 * it_client use --plaintext unless the caller passes --ca or --pin.
 *
 * With RS_VALGRIND=1 in the environment, every resettled and resettle
 * process is run under `valgrind --leak-check=full --error-exitcode=99`
 * (logs in $RS_VALGRIND_LOGDIR if set, else on the process's stderr).
 *
 * Does not: leave processes behind (it_server_kill/it_server_stop reap
 * them), or check replies (tests assert what they expect).
 */
#ifndef ITEST_HARNESS_H
#define ITEST_HARNESS_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "resettle.pb-c.h"
#include "rs_frame.h"
#include "rs_util.h"
#include "rs_wire.h"
#include "pgdb.h"
#include "tmpdir.h"

struct it_server {
    pid_t pid;
    char addr[64];
    char db[512];
    char out[512];
    char log[512];
};

static inline void it_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A fresh folder (tmpdir.h); dir must hold 256 bytes. */
static inline void it_tmpdir(char *dir, const char *name)
{
    if (rs_test_mkdtemp(dir, 256, name) != 0)
        abort();
}

static inline void it_path(char *out, size_t n, const char *dir, const char *file)
{
    snprintf(out, n, "%s/%s", dir, file);
}

/* The server's database: the file dir/file, or in a PostgreSQL variant
 * (pgdb.h) the conninfo of a fresh database of its own. */
static inline void it_db_path(char *out, size_t n, const char *dir, const char *file)
{
    if (rs_test_pg_wanted())
        rs_test_pg_db(out, n, file);
    else
        it_path(out, n, dir, file);
}

/* Whether db is a PostgreSQL conninfo rather than a file. */
static inline bool it_db_is_pg(const char *db)
{
    return strchr(db, '=') != NULL;
}

static inline void it_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

/* Reads a whole file into a malloc'd NUL-terminated buffer ("" if missing). */
static inline char *it_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        abort();
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/*
 * execv(argv), or, with RS_VALGRIND=1 and argv[0] one of our two binaries,
 * valgrind with argv appended.  Returns only if exec failed.
 */
static inline void it_exec(char *const argv[])
{
    const char *vg = getenv("RS_VALGRIND");
    const char *logdir = getenv("RS_VALGRIND_LOGDIR");
    char logopt[600];
    char *vargv[64];
    int n = 0;

    if (!vg || strcmp(vg, "1") != 0 ||
        (strcmp(argv[0], RS_SERVER_BIN) != 0 && strcmp(argv[0], RS_CLIENT_BIN) != 0)) {
        execv(argv[0], argv);
        return;
    }
    vargv[n++] = "valgrind";
    vargv[n++] = "--leak-check=full";
    vargv[n++] = "--error-exitcode=99";
    vargv[n++] = "--track-fds=no";
    if (logdir && logdir[0]) {
        snprintf(logopt, sizeof(logopt), "--log-file=%s/vg.%%p.log", logdir);
        vargv[n++] = logopt;
    }
    for (int i = 0; argv[i] && n < 63; i++)
        vargv[n++] = argv[i];
    vargv[n] = NULL;
    execvp("valgrind", vargv);
}

/*
 * True when the binaries are much slower and bigger than a plain build: run
 * under valgrind (RS_VALGRIND=1) or built with ThreadSanitizer
 * (RS_SLOW_BUILD=1, deploy/tsan.sh).  Tests then allow more time and memory
 * and do less work; what they assert stays the same.
 */
static inline int it_slow(void)
{
    const char *vg = getenv("RS_VALGRIND"), *slow = getenv("RS_SLOW_BUILD");

    return (vg && strcmp(vg, "1") == 0) || (slow && strcmp(slow, "1") == 0);
}

/* Starts argv with stdout and stderr redirected to files (NULL: /dev/null). */
static inline pid_t it_spawn(char *const argv[], const char *out, const char *err)
{
    pid_t pid = fork();

    if (pid < 0)
        abort();
    if (pid == 0) {
        int fo = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
        int fe = out && err && strcmp(out, err) == 0
                     ? dup(fo)
                     : open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
        int fi = open("/dev/null", O_RDONLY);

        if (fo < 0 || fe < 0 || fi < 0)
            _exit(127);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        it_exec(argv);
        _exit(127);
    }
    return pid;
}

/* Waits up to timeout_ms for pid; returns its exit status, or -signal, or -1000 on timeout. */
static inline int it_wait(pid_t pid, long timeout_ms)
{
    int st;

    for (long waited = 0; waited <= timeout_ms; waited += 10) {
        pid_t r = waitpid(pid, &st, WNOHANG);

        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
        it_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1000;
}

/* Runs argv to completion (60 s at most); returns the exit status. */
static inline int it_run(char *const argv[], const char *out, const char *err)
{
    return it_wait(it_spawn(argv, out, err), 60000);
}

/* Registers an office and returns its token (malloc'd, no newline). */
static inline char *it_office_add(const char *dir, const char *db, const char *code,
                                  const char *name, const char *role)
{
    char out[512], *tok;
    char *argv[] = {RS_SERVER_BIN, "office", "add", "--db", (char *)db, "--code", (char *)code,
                    "--name", (char *)name, "--role", (char *)role, NULL};

    snprintf(out, sizeof(out), "%s/token-%s", dir, code);
    if (it_run(argv, out, NULL) != 0)
        return NULL;
    tok = it_read_file(out);
    tok[strcspn(tok, "\r\n")] = '\0';
    return tok;
}

/* Starts resettled on db; fills s->addr.  Returns 0 on success. */
static inline int it_server_start(struct it_server *s, const char *dir, const char *db)
{
    char *argv[] = {RS_SERVER_BIN, "serve", "--db", (char *)db, "--listen", "127.0.0.1:0",
                    "--plaintext", "--auth-fail-limit", "1000", NULL};

    snprintf(s->db, sizeof(s->db), "%s", db);
    snprintf(s->out, sizeof(s->out), "%s/server.out", dir);
    snprintf(s->log, sizeof(s->log), "%s/server.log", dir);
    s->addr[0] = '\0';
    unlink(s->out);     /* never read a previous server's address */
    s->pid = it_spawn(argv, s->out, s->log);
    for (int i = 0; i < (it_slow() ? 6000 : 1000); i++) {
        char *text = it_read_file(s->out), *p = strstr(text, "listening on ");

        if (p && strchr(p, '\n')) {
            p += strlen("listening on ");
            p[strcspn(p, "\n")] = '\0';
            snprintf(s->addr, sizeof(s->addr), "%s", p);
            free(text);
            return 0;
        }
        free(text);
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
            return -1;
        it_sleep_ms(10);
    }
    return -1;
}

/* SIGTERM and wait; returns the exit status (0 for a clean stop). */
static inline int it_server_stop(struct it_server *s)
{
    kill(s->pid, SIGTERM);
    return it_wait(s->pid, 30000);
}

static inline void it_server_kill(struct it_server *s)
{
    kill(s->pid, SIGKILL);
    it_wait(s->pid, 30000);
}

/*
 * it_server_stop, and after an unclean stop (exit status not 0) the
 * server's log on stderr.  Returns the exit status.
 */
static inline int it_server_stop_logged(struct it_server *s)
{
    int st = it_server_stop(s);

    if (st != 0) {
        char *log = it_read_file(s->log);

        fprintf(stderr, "server exit %d; log:\n%s\n", st, log);
        free(log);
    }
    return st;
}

/* Removes dir and everything below it, without a shell.  0, or -1 if anything stayed. */
static inline int it_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    int rc = 0;

    if (!d)
        return errno == ENOENT ? 0 : -1;
    while ((ent = readdir(d)) != NULL) {
        char p[1024];
        struct stat st;
        int n;

        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        n = snprintf(p, sizeof(p), "%s/%s", dir, ent->d_name);
        if (n < 0 || (size_t)n >= sizeof(p))
            rc = -1;
        else if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rc |= it_rmtree(p);
        else if (unlink(p) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(dir) != 0)
        rc = -1;
    return rc;
}

/* Runs `resettle` for an office with its own outbox; returns the exit status. */
static inline int it_client(const char *dir, const struct it_server *s, const char *office,
                            const char *token, const char *outbox, const char *out_file,
                            const char *const *args)
{
    char *argv[32];
    int n = 0;

    argv[n++] = RS_CLIENT_BIN;
    argv[n++] = "--server";
    argv[n++] = (char *)s->addr;
    argv[n++] = "--office";
    argv[n++] = (char *)office;
    argv[n++] = "--token";
    argv[n++] = (char *)token;
    argv[n++] = "--outbox";
    argv[n++] = (char *)outbox;
    argv[n++] = "--timeout";
    argv[n++] = "10";
    {
        int tls = 0;

        for (int i = 0; args[i]; i++)
            if (strcmp(args[i], "--ca") == 0 || strcmp(args[i], "--pin") == 0)
                tls = 1;
        if (!tls)
            argv[n++] = "--plaintext";
    }
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    (void)dir;
    return it_run(argv, out_file, out_file);
}

/* Runs one integer-valued SQL query on a database file (read-only), or on
 * a PostgreSQL database given by its conninfo. */
static inline long long it_sql_int(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;

    if (it_db_is_pg(db))
        return rs_test_pg_int(db, sql);
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
out:
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/*
 * Column col of the first row of sql on db (an SQLite file or a PostgreSQL
 * conninfo) as bytes: text as stored, a blob/bytea as its bytes, into a
 * malloc'd *out (NUL-terminated, *n without the NUL; the caller frees).
 * 0, or -1 when the query fails or returns no row.
 */
static inline int it_sql_bytes(const char *db, const char *sql, int col, uint8_t **out,
                               size_t *n)
{
    const void *p = NULL;
    int rc = -1;

    *out = NULL;
    *n = 0;
    if (it_db_is_pg(db)) {
        PGconn *c = PQconnectdb(db);
        PGresult *r = NULL;

        if (PQstatus(c) == CONNECTION_OK)
            r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 1);
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
            col < PQnfields(r)) {
            *n = (size_t)PQgetlength(r, 0, col);
            p = PQgetvalue(r, 0, col);
            if ((*out = malloc(*n + 1)) != NULL) {
                memcpy(*out, p, *n);
                (*out)[*n] = 0;
                rc = 0;
            }
        }
        PQclear(r);
        PQfinish(c);
        return rc;
    }
    {
        sqlite3 *h = NULL;
        sqlite3_stmt *st = NULL;

        if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_busy_timeout(h, 5000) == SQLITE_OK &&
            sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            p = sqlite3_column_blob(st, col);
            *n = (size_t)sqlite3_column_bytes(st, col);
            if ((*out = malloc(*n + 1)) != NULL) {
                if (*n)
                    memcpy(*out, p, *n);
                (*out)[*n] = 0;
                rc = 0;
            }
        }
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
    return rc;
}

/*
 * On PostgreSQL: how many of the record ids the outbox ob holds in a state
 * of `states` (an SQL list such as "1,2") the server's records hold; -1 on
 * failure, 0 for an outbox without its table yet.  (On SQLite a test
 * ATTACHes the outbox instead.)
 */
static inline long long it_pg_outbox_present(const char *db, const char *ob, const char *states,
                                             long long *in_outbox)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    size_t cap = 1 << 21, len;
    char *sql = malloc(cap), q[128];
    long long v = -1;

    *in_outbox = 0;
    if (!sql || sqlite3_open_v2(ob, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        goto out;
    snprintf(q, sizeof(q), "SELECT record_id FROM outbox WHERE state IN (%s)", states);
    if (sqlite3_prepare_v2(h, q, -1, &st, NULL) != SQLITE_OK) {
        v = 0;               /* a client killed before it made its table */
        goto out;
    }
    len = (size_t)snprintf(sql, cap, "SELECT count(*) FROM records WHERE record_id IN (''");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);

        if (!id || strchr(id, '\'') || len + strlen(id) + 8 >= cap)
            goto out;
        len += (size_t)snprintf(sql + len, cap - len, ",'%s'", id);
        ++*in_outbox;
    }
    snprintf(sql + len, cap - len, ")");
    v = it_sql_int(db, sql);
out:
    sqlite3_finalize(st);
    sqlite3_close(h);
    free(sql);
    return v;
}

/* Writes a relief CSV of n rows for a township; households code-1 .. code-n. */
static inline void it_relief_csv(const char *path, const char *division, int first, int n,
                                 int amount_yuan)
{
    FILE *f = fopen(path, "wb");

    if (!f)
        abort();
    fprintf(f, "division_code,year,household_ref,village,kind,persons,amount_yuan,paid_date\n");
    for (int i = first; i < first + n; i++)
        fprintf(f, "%s,2023,HH-%s-%06d,village %d,hardship,3,%d,2023-12-20\n", division, division,
                i, i % 7, amount_yuan);
    if (fclose(f) != 0)
        abort();
}

/* ------------------------------------------------------------ processes */

/*
 * Starts `resettled serve` with extra options (NULL-terminated); like
 * it_server_start.  Plaintext unless extra has --tls-cert; the extras come
 * last, so they override the harness's --auth-fail-limit.
 */
static inline int it_server_start_args(struct it_server *s, const char *dir, const char *db,
                                       const char *const *extra)
{
    char *argv[32];
    int n = 0, tls = 0;

    for (int i = 0; extra && extra[i]; i++)
        if (strcmp(extra[i], "--tls-cert") == 0)
            tls = 1;
    argv[n++] = RS_SERVER_BIN;
    argv[n++] = "serve";
    argv[n++] = "--db";
    argv[n++] = (char *)db;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    if (!tls)
        argv[n++] = "--plaintext";
    argv[n++] = "--auth-fail-limit";
    argv[n++] = "1000";
    for (int i = 0; extra && extra[i] && n < 31; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    snprintf(s->db, sizeof(s->db), "%s", db);
    snprintf(s->out, sizeof(s->out), "%s/server.out", dir);
    snprintf(s->log, sizeof(s->log), "%s/server.log", dir);
    s->addr[0] = '\0';
    unlink(s->out);
    s->pid = it_spawn(argv, s->out, s->log);
    for (int i = 0; i < (it_slow() ? 6000 : 1000); i++) {
        char *text = it_read_file(s->out), *p = strstr(text, "listening on ");

        if (p && strchr(p, '\n')) {
            p += strlen("listening on ");
            p[strcspn(p, "\n")] = '\0';
            snprintf(s->addr, sizeof(s->addr), "%s", p);
            free(text);
            return 0;
        }
        free(text);
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
            return -1;
        it_sleep_ms(10);
    }
    return -1;
}

/* True while pid has not exited (it is not reaped here). */
static inline int it_alive(pid_t pid)
{
    int st;

    return waitpid(pid, &st, WNOHANG) == 0;
}

/* A field of /proc/PID/status in kB ("VmRSS", "VmHWM"); -1 if unreadable. */
static inline long it_proc_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    size_t fl = strlen(field);
    long v = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            char *end;

            v = strtol(line + fl + 1, &end, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/*
 * Sets the RLIMIT_FSIZE soft limit of a running process (prlimit(2)), the
 * hard limit left as it is; RLIM_INFINITY lifts it (up to the hard limit).
 * Writes past the limit then fail with EFBIG (the server ignores SIGXFSZ).
 * Returns 0 or -1 with errno.
 */
static inline int it_set_fsize_limit(pid_t pid, rlim_t bytes)
{
    struct rlimit old, rl;

    if (syscall(SYS_prlimit64, pid, RLIMIT_FSIZE, NULL, &old) != 0)
        return -1;
    rl.rlim_cur = bytes > old.rlim_max ? old.rlim_max : bytes;
    rl.rlim_max = old.rlim_max;
    return (int)syscall(SYS_prlimit64, pid, RLIMIT_FSIZE, &rl, NULL);
}

/* 1 if the two files exist and hold the same bytes. */
static inline int it_same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;

    while (same) {
        int x = fgetc(fa), y = fgetc(fb);

        if (x != y)
            same = 0;
        if (x == EOF || y == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* Copies a file byte for byte; 0 on success. */
static inline int it_copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    int rc = in && out ? 0 : -1;

    while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0) {
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    }
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

/* ------------------------------------------------------------ raw protocol client */

#define IT_REPLY_MAX (RS_MAX_REPORT_BYTES + 65536)
#define IT_EOF 1                /* it_conn_recv: the server closed the connection */
#define IT_ERR (-1)             /* it_conn_*: socket error (errno) or undecodable reply */
#define IT_TIMEOUT (-2)         /* it_conn_*: the deadline passed */

struct it_conn {
    int fd;
    struct rs_frame_rx rx;
};

static inline long it_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Connects to "127.0.0.1:PORT" (IPv4 only), with SO_RCVBUF set to rcvbuf
 * before connecting when rcvbuf > 0 (a client that wants a small receive
 * window).  0 on success.
 */
static inline int it_conn_open_rcvbuf(struct it_conn *c, const char *addr, int rcvbuf)
{
    struct sockaddr_in sa;
    const char *colon = strrchr(addr, ':');
    char host[64];
    long port;
    char *end;
    int one = 1;

    c->fd = -1;
    rs_frame_rx_init(&c->rx, IT_REPLY_MAX);
    if (!colon || (size_t)(colon - addr) >= sizeof(host))
        return -1;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    if (rcvbuf > 0)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

/* Connects to "127.0.0.1:PORT" (IPv4 only).  0 on success. */
static inline int it_conn_open(struct it_conn *c, const char *addr)
{
    return it_conn_open_rcvbuf(c, addr, 0);
}

static inline void it_conn_close(struct it_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    rs_frame_rx_free(&c->rx);
}

/* Writes all n bytes within timeout_ms.  0, IT_ERR (errno set) or IT_TIMEOUT. */
static inline int it_conn_write(struct it_conn *c, const void *p, size_t n, long timeout_ms)
{
    const uint8_t *b = p;
    long deadline = it_now_ms() + timeout_ms;

    while (n > 0) {
        ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);

        if (w > 0) {
            b += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return IT_ERR;
        {
            struct pollfd pfd = {c->fd, POLLOUT, 0};
            long left = deadline - it_now_ms();

            if (left <= 0)
                return IT_TIMEOUT;
            if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
                return IT_ERR;
        }
    }
    return 0;
}

/* Writes a varint length prefix of value len followed by the n bytes at p. */
static inline int it_conn_write_frame(struct it_conn *c, uint64_t len, const void *p, size_t n,
                                      long timeout_ms)
{
    uint8_t pre[RS_VARINT_MAX];
    size_t np = rs_varint_encode(len, pre);
    int rc = it_conn_write(c, pre, np, timeout_ms);

    return rc ? rc : it_conn_write(c, p, n, timeout_ms);
}

/* Sends one envelope, framed. */
static inline int it_conn_send(struct it_conn *c, const Rs__Envelope *env, long timeout_ms)
{
    uint8_t *bytes;
    size_t len;
    int rc;

    if (rs_wire_pack(env, 64u << 20, 0, &bytes, &len) != RS_OK)
        return IT_ERR;
    rc = it_conn_write(c, bytes, len, timeout_ms);
    free(bytes);
    return rc;
}

/*
 * Reads one envelope within timeout_ms.  0 with *env (free with
 * rs__envelope__free_unpacked); IT_EOF when the server closed (or reset) the
 * connection before a whole frame arrived; IT_ERR if the reply does not
 * decode; IT_TIMEOUT.
 */
static inline int it_conn_recv(struct it_conn *c, Rs__Envelope **env, long timeout_ms)
{
    long deadline = it_now_ms() + timeout_ms;

    *env = NULL;
    for (;;) {
        const uint8_t *p;
        size_t len;
        rs_status rc = rs_frame_rx_next(&c->rx, &p, &len);

        if (rc == RS_OK) {
            *env = rs__envelope__unpack(NULL, len, p);
            rs_frame_rx_consume(&c->rx);
            return *env ? 0 : IT_ERR;
        }
        if (rc != RS_EAGAIN)
            return IT_ERR;
        {
            struct pollfd pfd = {c->fd, POLLIN, 0};
            long left = deadline - it_now_ms();
            uint8_t *dst;
            size_t room;
            ssize_t r;

            if (left <= 0)
                return IT_TIMEOUT;
            if (poll(&pfd, 1, (int)left) < 0) {
                if (errno == EINTR)
                    continue;
                return IT_ERR;
            }
            if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (rs_frame_rx_reserve(&c->rx, RS_FRAME_CHUNK, &dst, &room) != RS_OK)
                return IT_ERR;
            r = recv(c->fd, dst, room, 0);
            if (r == 0)
                return IT_EOF;
            if (r < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    continue;
                if (errno == ECONNRESET)
                    return IT_EOF;
                return IT_ERR;
            }
            rs_frame_rx_commit(&c->rx, (size_t)r);
        }
    }
}

/*
 * Waits for the server to close the connection, discarding nothing: 0 on
 * EOF/reset with no further frame, 1 if another frame arrived, IT_TIMEOUT.
 */
static inline int it_conn_wait_eof(struct it_conn *c, long timeout_ms)
{
    Rs__Envelope *env = NULL;
    int rc = it_conn_recv(c, &env, timeout_ms);

    if (rc == 0) {
        rs__envelope__free_unpacked(env, NULL);
        return 1;
    }
    return rc == IT_EOF ? 0 : rc;
}

/*
 * Says Hello with protocol `version` and waits for the reply.  0 if it is a
 * Welcome; *reply (if not NULL) then or otherwise holds the reply (caller
 * frees).
 */
static inline int it_conn_hello_version(struct it_conn *c, uint32_t version, const char *office,
                                        const char *token, Rs__Envelope **reply,
                                        long timeout_ms)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *r = NULL;
    Rs__Hello h = RS__HELLO__INIT;
    int rc;

    h.has_protocol_version = 1;
    h.protocol_version = version;
    h.office_code = (char *)office;
    h.token = (char *)token;
    h.client_version = "itest";
    env.msg_case = RS__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    rc = it_conn_send(c, &env, timeout_ms);
    if (rc == 0)
        rc = it_conn_recv(c, &r, timeout_ms);
    if (rc == 0 && r->msg_case != RS__ENVELOPE__MSG_WELCOME)
        rc = IT_ERR;
    if (reply)
        *reply = r;
    else if (r)
        rs__envelope__free_unpacked(r, NULL);
    return rc;
}

/* it_conn_hello_version with this build's protocol version (2). */
static inline int it_conn_hello(struct it_conn *c, const char *office, const char *token,
                                Rs__Envelope **reply, long timeout_ms)
{
    return it_conn_hello_version(c, RS_PROTOCOL_VERSION, office, token, reply, timeout_ms);
}

/* Connects and signs in with protocol `version`; 0 on Welcome. */
static inline int it_conn_login_version(struct it_conn *c, uint32_t version, const char *addr,
                                        const char *office, const char *token)
{
    if (it_conn_open(c, addr) != 0)
        return -1;
    return it_conn_hello_version(c, version, office, token, NULL, it_slow() ? 60000 : 10000);
}

/* Connects and signs in with this build's protocol version; 0 on Welcome. */
static inline int it_conn_login(struct it_conn *c, const char *addr, const char *office,
                                const char *token)
{
    return it_conn_login_version(c, RS_PROTOCOL_VERSION, addr, office, token);
}

/*
 * Fills r and rel with a valid township relief record of division `div`,
 * with a fresh random id (written into id, >= 37 bytes) and a household
 * reference made from hh (which must outlive r).
 */
static inline void it_relief_record(Rs__Record *r, Rs__Relief *rel, char *id, const char *div,
                                    const char *hh)
{
    rs__record__init(r);
    rs__relief__init(rel);
    if (rs_uuid_random(id) != RS_OK)
        abort();
    r->id = id;
    r->division_code = (char *)div;
    r->has_year = 1;
    r->year = 2023;
    r->has_period = 1;
    r->period = RS__PERIOD__PERIOD_YEAR;
    r->body_case = RS__RECORD__BODY_RELIEF;
    r->relief = rel;
    rel->household_ref = (char *)hh;
    rel->has_kind = 1;
    rel->kind = RS__RELIEF_KIND__RKIND_HARDSHIP;
    rel->has_persons = 1;
    rel->persons = 3;
    rel->has_amount_fen = 1;
    rel->amount_fen = 60000;
    rel->has_paid_date = 1;
    rel->paid_date = 20231220;
}

/*
 * Packs recs[0..n) each into its own malloc'd bytes, as a version 2 client
 * sends them (SubmitBatch.record_bytes): bd[0..n) is the caller's; free
 * with it_record_bytes_free.
 */
static inline void it_record_bytes(Rs__Record *const *recs, size_t n, ProtobufCBinaryData *bd)
{
    for (size_t i = 0; i < n; i++) {
        bd[i].len = rs__record__get_packed_size(recs[i]);
        bd[i].data = malloc(bd[i].len ? bd[i].len : 1);
        if (!bd[i].data)
            abort();
        rs__record__pack(recs[i], bd[i].data);
    }
}

static inline void it_record_bytes_free(ProtobufCBinaryData *bd, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(bd[i].data);
}

/* SubmitBatch with request_id rid in version 1 (records) or 2 (record_bytes). */
static inline int it_conn_submit_version(struct it_conn *c, uint32_t version, uint64_t rid,
                                         Rs__Record **recs, size_t n, long timeout_ms)
{
    Rs__Envelope env = RS__ENVELOPE__INIT;
    Rs__SubmitBatch sb = RS__SUBMIT_BATCH__INIT;
    ProtobufCBinaryData *bd = NULL;
    char bid[RS_UUID_LEN + 1];
    int rc;

    if (rs_uuid_random(bid) != RS_OK)
        return IT_ERR;
    sb.batch_id = bid;
    if (version == 1) {
        sb.n_records = n;
        sb.records = recs;
    } else {
        bd = calloc(n ? n : 1, sizeof(*bd));
        if (!bd)
            return IT_ERR;
        it_record_bytes(recs, n, bd);
        sb.n_record_bytes = n;
        sb.record_bytes = bd;
    }
    env.has_request_id = 1;
    env.request_id = rid;
    env.msg_case = RS__ENVELOPE__MSG_SUBMIT;
    env.submit = &sb;
    rc = it_conn_send(c, &env, timeout_ms);
    if (bd)
        it_record_bytes_free(bd, n);
    free(bd);
    return rc;
}

/* Sends SubmitBatch with request_id rid as this build's protocol version does. */
static inline int it_conn_submit(struct it_conn *c, uint64_t rid, Rs__Record **recs, size_t n,
                                 long timeout_ms)
{
    return it_conn_submit_version(c, RS_PROTOCOL_VERSION, rid, recs, n, timeout_ms);
}

#endif

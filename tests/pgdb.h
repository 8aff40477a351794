/*
 * pgdb.h - a test's own PostgreSQL database, for the "_pg" variants of the
 * store and integration tests.
 *
 * A variant runs with RS_TEST_PG_FILE in its environment: the path of a
 * file holding the base conninfo of a PostgreSQL server the CTest fixture
 * started for the run (host=<socket folder> port=<port> user=<user>,
 * without dbname).  Each call of rs_test_pg_db creates a fresh database on
 * it, so tests run in parallel without seeing each other's rows.  When the
 * variable is set but the file cannot be read or the server does not
 * answer, the test aborts with a message: a PostgreSQL test never passes
 * without PostgreSQL.
 *
 * Does not: start or stop the server (the fixture does), or drop the
 * databases (the fixture's server is thrown away with its folder).
 */
#ifndef RS_TEST_PGDB_H
#define RS_TEST_PGDB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#define RS_TEST_PG_CONNINFO_MAX 400

/* Whether this run is a PostgreSQL variant. */
static inline bool rs_test_pg_wanted(void)
{
    const char *f = getenv("RS_TEST_PG_FILE");

    return f && f[0];
}

/* In a cmocka test (cmocka's skip() at the point of use): the tests of
 * what only SQLite has (the file, its pragmas, its older releases'
 * databases) skip themselves in the PostgreSQL variant, and the tests of
 * what only PostgreSQL has skip themselves in the SQLite run. */
#define SQLITE_ONLY()                                                                      \
    do {                                                                                   \
        if (rs_test_pg_wanted())                                                           \
            skip();                                                                        \
    } while (0)
#define PG_ONLY()                                                                          \
    do {                                                                                   \
        if (!rs_test_pg_wanted())                                                          \
            skip();                                                                        \
    } while (0)

static inline void rs_test_pg_die(const char *what, const char *why)
{
    fprintf(stderr, "PostgreSQL test: %s: %s\n", what, why ? why : "");
    fflush(stderr);
    abort();
}

/* The fixture's base conninfo into out (cap bytes), or abort. */
static inline void rs_test_pg_base(char *out, size_t cap)
{
    const char *path = getenv("RS_TEST_PG_FILE");
    FILE *f = path ? fopen(path, "r") : NULL;
    size_t n;

    if (!f)
        rs_test_pg_die("cannot read the conninfo file (did the pg fixture start?)", path);
    n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    if (n == 0)
        rs_test_pg_die("the conninfo file is empty", path);
}

/* Runs sql on the database of conninfo; -1 on failure, else the first
 * column of the first row as an integer (0 if the query returns none). */
static inline long long rs_test_pg_int(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r = NULL;
    long long v = -1;

    if (PQstatus(c) != CONNECTION_OK)
        goto out;
    r = PQexec(c, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        v = PQntuples(r) > 0 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    else if (PQresultStatus(r) == PGRES_COMMAND_OK)
        v = 0;
out:
    PQclear(r);
    PQfinish(c);
    return v;
}

/* A fresh database named after tag: its conninfo into out (cap bytes). */
static inline void rs_test_pg_db(char *out, size_t cap, const char *tag)
{
    static unsigned n;
    char base[RS_TEST_PG_CONNINFO_MAX], admin[RS_TEST_PG_CONNINFO_MAX + 32], sql[160],
        name[96];
    PGconn *c;
    PGresult *r;

    rs_test_pg_base(base, sizeof(base));
    snprintf(name, sizeof(name), "rs_%.40s_%ld_%u", tag, (long)getpid(), ++n);
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    snprintf(admin, sizeof(admin), "%s dbname=postgres", base);
    c = PQconnectdb(admin);
    if (PQstatus(c) != CONNECTION_OK)
        rs_test_pg_die("cannot connect to the fixture's server", PQerrorMessage(c));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rs_test_pg_die("CREATE DATABASE failed", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    if ((size_t)snprintf(out, cap, "%s dbname=%s", base, name) >= cap)
        rs_test_pg_die("the conninfo is too long", base);
}

#endif

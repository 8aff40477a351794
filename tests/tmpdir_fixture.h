/*
 * tmpdir_fixture.h - a cmocka fixture giving each test a fresh folder under
 * $TMPDIR (else /tmp, tmpdir.h) with a database path in it, removed (files
 * and folder) afterwards.
 *
 * Use: cmocka_unit_test_setup_teardown(test, tmpdir_setup, tmpdir_teardown);
 * the test's *state is a struct fixture.  A test built with RS_TEST_WITH_PG
 * and run as a PostgreSQL variant (pgdb.h) gets the conninfo of a fresh
 * database as its db instead.  Does not: recurse into subfolders (the
 * tests that use it create none).
 */
#ifndef TMPDIR_FIXTURE_H
#define TMPDIR_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmpdir.h"
#ifdef RS_TEST_WITH_PG
#include "pgdb.h"
#endif

struct fixture {
    char dir[128];
    char db[512];       /* dir + "/resettle.db", not created; or a conninfo */
};

static int tmpdir_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    if (rs_test_mkdtemp(f->dir, sizeof(f->dir), "test") != 0) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof(f->db), "%s/resettle.db", f->dir);
#ifdef RS_TEST_WITH_PG
    if (rs_test_pg_wanted())
        rs_test_pg_db(f->db, sizeof(f->db), "store");
#endif
    *state = f;
    return 0;
}

static int tmpdir_teardown(void **state)
{
    struct fixture *f = *state;
    struct dirent *e;
    char p[512];
    DIR *d = opendir(f->dir);

    if (d) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

#endif

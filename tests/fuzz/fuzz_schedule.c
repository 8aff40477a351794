/*
 * fuzz_schedule.c - libFuzzer target for the schedule file (rs_schedule.h):
 * the CSV a central office edits and `resettled schedule set` / `resettle
 * schedule set` read.
 *
 * The input is the file's bytes (UTF-8, BOM or GB18030, as the shared CSV
 * reader detects), parsed for year 2023.  Checked: the message is
 * NUL-terminated, not empty on failure and starts with "name:" (the
 * file:line form); a refused file leaves the schedule empty.  A schedule
 * that parses passes rs_schedule_check, stays within the caps, and round
 * trips three times to the same lines: through rs_schedule_format_csv and
 * rs_schedule_parse_csv again, the same through rs_schedule_format_csv_zh
 * (what `schedule show` prints reads back), and
 * through the wire form (rs_schedule_to_wire, rs_schedule_from_wire; what a
 * ScheduleSet carries).
 *
 * Does not: read files or touch the store.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz_schedule: check failed at %s:%d: %s\n", __FILE__, \
                    __LINE__, #cond);                                               \
            abort();                                                                \
        }                                                                           \
    } while (0)

#define ERR_LEN 512
#define NAME "plan.csv"

/* The same lines (line numbers aside: a reprint renumbers them). */
static bool same_lines(const struct rs_schedule *a, const struct rs_schedule *b)
{
    if (a->year != b->year || a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const struct rs_sched_line *x = &a->lines[i], *y = &b->lines[i];

        if (x->type != y->type || x->kind != y->kind || x->deadline_days != y->deadline_days ||
            x->ntownships != y->ntownships)
            return false;
        for (size_t k = 0; k < x->ntownships; k++)
            if (strcmp(x->townships[k], y->townships[k]) != 0)
                return false;
    }
    return true;
}

/* s printed in its English (zh false) or Chinese CSV form parses back to s. */
static void reads_back(const struct rs_schedule *s, bool zh)
{
    struct rs_schedule again;
    char err[ERR_LEN], *csv = NULL;
    rs_status rc = zh ? rs_schedule_format_csv_zh(s, &csv) : rs_schedule_format_csv(s, &csv);

    memset(&again, 0, sizeof(again));
    CHECK(rc == RS_OK || rc == RS_ENOMEM);
    if (rc != RS_OK)
        return;
    rc = rs_schedule_parse_csv("again.csv", csv, strlen(csv), 2023, &again, err, sizeof(err));
    if (rc != RS_OK)
        fprintf(stderr, "fuzz_schedule: the %s reprint does not read back: %s\n",
                zh ? "Chinese" : "English", err);
    CHECK(rc == RS_OK || rc == RS_ENOMEM);
    if (rc == RS_OK)
        CHECK(same_lines(s, &again));
    rs_schedule_free(&again);
    free(csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_schedule s, wired;
    struct rs_schedule_wire w;
    Rs__ScheduleSet set = RS__SCHEDULE_SET__INIT;
    char err[ERR_LEN];
    rs_status rc;

    memset(&s, 0, sizeof(s));
    memset(&wired, 0, sizeof(wired));
    memset(&w, 0, sizeof(w));
    memset(err, 'x', sizeof(err));
    rc = rs_schedule_parse_csv(NAME, data, size, 2023, &s, err, sizeof(err));
    CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    if (rc != RS_OK) {
        CHECK(rc == RS_EINVAL || rc == RS_EENCODING || rc == RS_ETOOBIG || rc == RS_ENOMEM);
        CHECK(s.n == 0 && s.lines == NULL);
        if (rc != RS_ENOMEM)
            CHECK(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
        return 0;
    }
    CHECK(s.year == 2023);
    CHECK(s.n <= RS_SCHED_MAX_LINES);
    for (size_t i = 0; i < s.n; i++) {
        CHECK(s.lines[i].deadline_days <= RS_SCHED_MAX_DEADLINE_DAYS);
        CHECK(s.lines[i].ntownships <= RS_SCHED_MAX_TOWNSHIPS);
        for (size_t k = 0; k < s.lines[i].ntownships; k++)
            CHECK(strlen(s.lines[i].townships[k]) <= RS_SCHED_CODE_MAX);
    }
    CHECK(rs_schedule_check(&s, NAME, err, sizeof(err)) == RS_OK);

    /* Both CSV forms read back to the same schedule: the canonical one and
     * the Chinese one `resettle schedule show` prints. */
    reads_back(&s, false);
    reads_back(&s, true);

    /* So does what a ScheduleSet carries. */
    rc = rs_schedule_to_wire(&s, &w);
    CHECK(rc == RS_OK || rc == RS_ENOMEM);
    if (rc == RS_OK) {
        set.has_year = true;
        set.year = s.year;
        set.n_entries = w.n;
        set.entries = w.ptrs;
        rc = rs_schedule_from_wire(&set, &wired, err, sizeof(err));
        CHECK(rc == RS_OK || rc == RS_ENOMEM);
        if (rc == RS_OK)
            CHECK(same_lines(&s, &wired));
    }
    rs_schedule_wire_free(&w);
    rs_schedule_free(&wired);
    rs_schedule_free(&s);
    return 0;
}

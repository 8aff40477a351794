/*
 * rs_compl.c - the completeness board, built from a schedule, the township
 * offices and the facts the store gathered.
 *
 * See rs_compl.h for the rules.  The board is laid out first (every cell a
 * line expects, by township, line and period), then each fact is placed:
 * its division is matched to the township whose code starts it (binary
 * search over the sorted codes), and the township's line for the fact's
 * type (a township appears on at most one line per type, rs_schedule.h)
 * gives the run of cells where its period is.  Then each cell is judged
 * and counted.  Cost: O(cells + facts log townships).
 *
 * Does not: read the store, render, or use the clock (now is given).
 */
#include "rs_compl.h"

#include <stdlib.h>
#include <string.h>

#include "rs_util.h"

/* What the facts say of one cell, before it is judged. */
struct seen {
    bool data, nil;              /* a current record, a current nil return */
    int64_t data_at, nil_at;     /* their earliest versions */
    bool has_data_at, has_nil_at;
};

void rs_compl_board_free(struct rs_compl_board *b)
{
    if (!b)
        return;
    rs_schedule_free(&b->sched);
    free(b->towns);
    free(b->rates);
    free(b->cells);
    free(b);
}

rs_rtype rs_compl_line_type(const struct rs_compl_board *b, size_t line)
{
    return line < b->sched.n ? rs_rtype_of_record_type(b->sched.lines[line].type)
                             : RS__RECORD__BODY__NOT_SET;
}

const char *rs_compl_state_name(enum rs_compl_state s)
{
    switch (s) {
    case RS_COMPL_ON_TIME: return "on_time";
    case RS_COMPL_LATE: return "late";
    case RS_COMPL_NIL_ON_TIME: return "nil_on_time";
    case RS_COMPL_NIL_LATE: return "nil_late";
    case RS_COMPL_MISSING: return "missing";
    case RS_COMPL_NOT_DUE: return "not_due";
    }
    return "unknown";
}

bool rs_compl_reported(enum rs_compl_state s)
{
    return s == RS_COMPL_ON_TIME || s == RS_COMPL_LATE || s == RS_COMPL_NIL_ON_TIME ||
           s == RS_COMPL_NIL_LATE;
}

static int town_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rs_compl_town *)a)->code,
                  ((const struct rs_compl_town *)b)->code);
}

/* The index of code in the sorted towns, or SIZE_MAX. */
static size_t town_find(const struct rs_compl_town *t, size_t n, const char *code)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t[mid].code, code);

        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

/* The township whose code starts division (the longest such), or SIZE_MAX. */
static size_t town_of(const struct rs_compl_town *t, size_t n, const char *division)
{
    char prefix[RS_COMPL_CODE_MAX + 1];
    size_t len = strlen(division);

    /* Division codes are 6, 9 or 12 digits: try the longest prefix first. */
    for (size_t cut = len; cut >= 6; cut -= 3) {
        size_t i;

        if (cut > RS_COMPL_CODE_MAX)
            continue;
        memcpy(prefix, division, cut);
        prefix[cut] = '\0';
        i = town_find(t, n, prefix);
        if (i != SIZE_MAX)
            return i;
        if (cut < 9)
            break;
    }
    return SIZE_MAX;
}

/* The townships of the board: towns (or only `only`) and every code a line lists, sorted. */
static rs_status board_towns(struct rs_compl_board *b, const struct rs_schedule *sched,
                             const struct rs_compl_town *towns, size_t ntowns, const char *only)
{
    size_t cap = ntowns + 1, n = 0, w = 0;

    for (size_t i = 0; i < sched->n; i++)
        cap += sched->lines[i].ntownships;
    b->towns = calloc(cap, sizeof(*b->towns));
    if (!b->towns)
        return RS_ENOMEM;
    for (size_t i = 0; i < ntowns; i++) {
        if (!only || strcmp(towns[i].code, only) == 0)
            b->towns[n++] = towns[i];
    }
    for (size_t i = 0; i < sched->n; i++) {
        for (size_t k = 0; k < sched->lines[i].ntownships; k++) {
            const char *c = sched->lines[i].townships[k];
            bool have = false;

            if (only && strcmp(c, only) != 0)
                continue;
            for (size_t j = 0; j < n && !have; j++)
                have = strcmp(b->towns[j].code, c) == 0;
            if (!have) {
                memset(&b->towns[n], 0, sizeof(b->towns[n]));
                memcpy(b->towns[n].code, c, strlen(c) + 1);
                memcpy(b->towns[n].name, c, strlen(c) + 1);
                n++;
            }
        }
    }
    if (n > RS_COMPL_MAX_TOWNS)
        return RS_ETOOBIG;
    qsort(b->towns, n, sizeof(*b->towns), town_cmp);
    /* The offices' codes are unique; a repeat given anyway counts once. */
    for (size_t i = 0; i < n; i++) {
        if (w > 0 && strcmp(b->towns[i].code, b->towns[w - 1].code) == 0)
            continue;
        b->towns[w++] = b->towns[i];
    }
    n = w;
    b->ntowns = n;
    return RS_OK;
}

/* A deep copy of sched's lines into b->sched. */
static rs_status copy_sched(struct rs_compl_board *b, const struct rs_schedule *sched)
{
    b->sched.year = sched->year;
    b->sched.lines = calloc(sched->n ? sched->n : 1, sizeof(*b->sched.lines));
    if (!b->sched.lines)
        return RS_ENOMEM;
    for (size_t i = 0; i < sched->n; i++) {
        const struct rs_sched_line *l = &sched->lines[i];
        struct rs_sched_line *c = &b->sched.lines[i];

        *c = *l;
        c->townships = NULL;
        b->sched.n = i + 1;
        if (l->ntownships) {
            c->townships = malloc(l->ntownships * sizeof(*c->townships));
            if (!c->townships) {
                c->ntownships = 0;
                return RS_ENOMEM;
            }
            memcpy(c->townships, l->townships, l->ntownships * sizeof(*c->townships));
        }
    }
    return RS_OK;
}

/* Lays out every cell; first[t * nrt + rt] is the first cell of township t's
 * line for RecordType rt (SIZE_MAX: none). */
static rs_status lay_out(struct rs_compl_board *b, size_t *first, size_t nrt)
{
    size_t n = 0, cap = 0;

    for (size_t t = 0; t < b->ntowns; t++) {
        for (size_t l = 0; l < b->sched.n; l++) {
            const struct rs_sched_line *ln = &b->sched.lines[l];
            Rs__Period ps[4];
            size_t np = rs_period_kind_periods(ln->kind, ps);

            if (!rs_sched_line_covers(ln, b->towns[t].code))
                continue;
            if ((size_t)ln->type < nrt)
                first[t * nrt + (size_t)ln->type] = n;
            for (size_t k = 0; k < np; k++) {
                struct rs_compl_cell *c;

                if (b->period != RS__PERIOD__PERIOD_UNSPECIFIED && ps[k] != b->period)
                    continue;
                if (n == RS_COMPL_MAX_CELLS)
                    return RS_ETOOBIG;
                if (n == cap) {
                    size_t ncap = cap ? cap * 2 : 64;
                    struct rs_compl_cell *v = realloc(b->cells, ncap * sizeof(*v));

                    if (!v)
                        return RS_ENOMEM;
                    b->cells = v;
                    cap = ncap;
                }
                c = &b->cells[n++];
                memset(c, 0, sizeof(*c));
                c->town = t;
                c->line = l;
                c->period = ps[k];
                c->deadline = rs_period_deadline(b->year, ps[k], ln->deadline_days);
                b->ncells = n;
            }
            if ((size_t)ln->type < nrt && first[t * nrt + (size_t)ln->type] == n)
                first[t * nrt + (size_t)ln->type] = SIZE_MAX;    /* no period kept */
        }
    }
    return RS_OK;
}

/* Places one fact on its cell's record of what was seen. */
static void place(const struct rs_compl_board *b, const size_t *first, size_t nrt,
                  struct seen *seen, const struct rs_compl_fact *f)
{
    Rs__RecordType rt = rs_record_type_of(f->type);
    size_t t = town_of(b->towns, b->ntowns, f->division), c;

    if (t == SIZE_MAX || (size_t)rt >= nrt || rt == RS__RECORD_TYPE__RT_UNSPECIFIED ||
        f->first_at > b->now)
        return;
    c = first[t * nrt + (size_t)rt];
    if (c == SIZE_MAX)
        return;
    for (; c < b->ncells && b->cells[c].town == t &&
           b->sched.lines[b->cells[c].line].type == rt;
         c++) {
        struct seen *s = &seen[c];

        if (b->cells[c].period != f->period)
            continue;
        if (f->nil) {
            s->nil = s->nil || f->current;
            if (!s->has_nil_at || f->first_at < s->nil_at)
                s->nil_at = f->first_at;
            s->has_nil_at = true;
        } else {
            s->data = s->data || f->current;
            if (!s->has_data_at || f->first_at < s->data_at)
                s->data_at = f->first_at;
            s->has_data_at = true;
        }
        return;
    }
}

static void judge(struct rs_compl_board *b, const struct seen *seen)
{
    for (size_t i = 0; i < b->ncells; i++) {
        struct rs_compl_cell *c = &b->cells[i];
        struct rs_compl_rate *r = &b->rates[c->town];
        const struct seen *s = &seen[i];
        bool nil = !s->data && s->nil;
        int64_t late;

        if (s->data || s->nil) {
            c->first_at = nil ? s->nil_at : s->data_at;
            c->reported_on = rs_date_cst(c->first_at);
            late = rs_date_days(c->reported_on) - rs_date_days(c->deadline);
            c->days_late = late > 0 ? (uint32_t)late : 0;
            c->state = late > 0 ? (nil ? RS_COMPL_NIL_LATE : RS_COMPL_LATE)
                                : (nil ? RS_COMPL_NIL_ON_TIME : RS_COMPL_ON_TIME);
        } else {
            c->state = b->as_of > c->deadline ? RS_COMPL_MISSING : RS_COMPL_NOT_DUE;
        }
        for (int pass = 0; pass < 2; pass++, r = &b->total) {
            if (c->state == RS_COMPL_NOT_DUE)
                break;
            r->expected++;
            r->reported += rs_compl_reported(c->state);
            r->on_time += c->state == RS_COMPL_ON_TIME || c->state == RS_COMPL_NIL_ON_TIME;
            r->late += c->state == RS_COMPL_LATE || c->state == RS_COMPL_NIL_LATE;
            r->nil += c->state == RS_COMPL_NIL_ON_TIME || c->state == RS_COMPL_NIL_LATE;
            r->missing += c->state == RS_COMPL_MISSING;
        }
    }
}

rs_status rs_compl_build(const struct rs_schedule *sched, const struct rs_compl_town *towns,
                         size_t ntowns, const struct rs_compl_fact *facts, size_t nfacts,
                         int64_t now, Rs__Period period, const char *only,
                         struct rs_compl_board **out)
{
    size_t nrt = rs__record_type__descriptor.n_values + 1;
    struct rs_compl_board *b;
    struct seen *seen = NULL;
    size_t *first = NULL;
    rs_status rv = RS_ENOMEM;

    *out = NULL;
    if (ntowns > RS_COMPL_MAX_TOWNS)
        return RS_ETOOBIG;
    b = calloc(1, sizeof(*b));
    if (!b)
        return RS_ENOMEM;
    b->year = sched->year;
    b->as_of = rs_date_cst(now);
    b->now = now;
    b->period = period;
    rv = copy_sched(b, sched);
    if (rv == RS_OK)
        rv = board_towns(b, sched, towns, ntowns, only);
    if (rv)
        goto out;
    rv = RS_ENOMEM;
    b->rates = calloc(b->ntowns ? b->ntowns : 1, sizeof(*b->rates));
    first = malloc((b->ntowns ? b->ntowns : 1) * nrt * sizeof(*first));
    if (!b->rates || !first)
        goto out;
    for (size_t i = 0; i < (b->ntowns ? b->ntowns : 1) * nrt; i++)
        first[i] = SIZE_MAX;
    rv = lay_out(b, first, nrt);
    if (rv)
        goto out;
    rv = RS_ENOMEM;
    seen = calloc(b->ncells ? b->ncells : 1, sizeof(*seen));
    if (!seen)
        goto out;
    for (size_t i = 0; i < nfacts; i++)
        place(b, first, nrt, seen, &facts[i]);
    judge(b, seen);
    rv = RS_OK;
out:
    free(seen);
    free(first);
    if (rv) {
        rs_compl_board_free(b);
        return rv;
    }
    *out = b;
    return RS_OK;
}

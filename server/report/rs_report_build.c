/*
 * rs_report_build.c - the report built from the store.
 *
 * See rs_report_build.h.  rs_report_build loads the framework, names the
 * divisions from the offices table, reads the current records of the year
 * that the evaluation counts with one scan of the store (read-only; nil
 * returns are left out, rs_store_scan_report), evaluates them (rs_eval_run) and
 * renders the result (rs_report_render).  It is the only file of the
 * report that touches the store, and the only one that starts a thread:
 * one helper that unpacks the scanned bodies while the scan goes on,
 * joined before it returns.
 *
 * Does not: compute figures or scores (rs_eval.h), render (rs_report.h),
 * or write anywhere but the caller's buffers.
 */
#include "rs_report_build.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "rs_eval.h"
#include "rs_framework.h"
#include "rs_report.h"
#include "rs_util.h"
#include "rs_year_build.h"

/*
 * The scan and the unpacking overlap.  The store's scan (this thread)
 * copies each body into a batch; one helper thread unpacks the batches into
 * the dataset in the order they were read.  PIPE_SLOTS batches of about
 * PIPE_BATCH bytes go round, so the copies stay in cache.  If the helper
 * cannot be started, this thread unpacks each body as it is read.
 */
#define PIPE_SLOTS 8
#define PIPE_BATCH ((size_t)128 << 10)

struct batch {
    uint8_t *buf;                      /* records: a uint32_t length, then the body */
    size_t len, cap;
};

struct scan {
    struct rs_eval_dataset *ds;        /* only the helper touches it while it runs */
    rs_status rv;                      /* why the scan was stopped */
    bool threaded;                     /* the helper runs */
    uv_thread_t thread;
    uv_mutex_t mu;
    uv_cond_t cv;                      /* a batch was filled or freed */
    struct batch b[PIPE_SLOTS];        /* batch i % PIPE_SLOTS */
    size_t head, tail;                 /* [head, tail) are full; tail is being filled */
    bool done;                         /* no batch will follow */
    rs_status urv;                     /* the helper's first failure */
};

/* Adds one body to the dataset; a body that no longer decodes is counted. */
static rs_status add_body(struct rs_eval_dataset *ds, const uint8_t *body, size_t len)
{
    rs_status rv = rs_eval_dataset_add_packed(ds, body, len);

    if (rv == RS_EINVAL) {
        /* The store holds only records that were validated and packed by
         * the server; one that no longer decodes is counted, not fatal. */
        ds->ignored++;
        rv = RS_OK;
    }
    return rv;
}

static rs_status unpack_batch(struct rs_eval_dataset *ds, const struct batch *b)
{
    size_t off = 0;

    while (off < b->len) {
        uint32_t n;
        rs_status rv;

        memcpy(&n, b->buf + off, sizeof n);
        off += sizeof n;
        rv = add_body(ds, b->buf + off, n);
        if (rv)
            return rv;
        off += n;
    }
    return RS_OK;
}

/* The helper: unpacks every batch until done; after a failure it only
 * drains them. */
static void unpacker(void *arg)
{
    struct scan *sc = arg;
    rs_status rv = RS_OK;

    uv_mutex_lock(&sc->mu);
    for (;;) {
        const struct batch *b;

        while (sc->head == sc->tail && !sc->done)
            uv_cond_wait(&sc->cv, &sc->mu);
        if (sc->head == sc->tail)
            break;
        b = &sc->b[sc->head % PIPE_SLOTS];
        uv_mutex_unlock(&sc->mu);
        if (rv == RS_OK)
            rv = unpack_batch(sc->ds, b);
        uv_mutex_lock(&sc->mu);
        if (rv && !sc->urv)
            sc->urv = rv;
        sc->head++;
        uv_cond_signal(&sc->cv);
    }
    uv_mutex_unlock(&sc->mu);
}

static void scan_start(struct scan *sc)
{
    if (uv_mutex_init(&sc->mu) != 0)
        return;
    if (uv_cond_init(&sc->cv) != 0) {
        uv_mutex_destroy(&sc->mu);
        return;
    }
    if (uv_thread_create(&sc->thread, unpacker, sc) != 0) {
        uv_cond_destroy(&sc->cv);
        uv_mutex_destroy(&sc->mu);
        return;
    }
    sc->threaded = true;
}

/* Hands the batch being filled to the helper and waits for a free one.
 * RS_OK, or the helper's failure (the batches may then still be in use). */
static rs_status publish(struct scan *sc)
{
    rs_status rv;

    uv_mutex_lock(&sc->mu);
    sc->tail++;
    uv_cond_signal(&sc->cv);
    while (sc->tail - sc->head == PIPE_SLOTS && !sc->urv)
        uv_cond_wait(&sc->cv, &sc->mu);
    rv = sc->urv;
    uv_mutex_unlock(&sc->mu);
    if (rv == RS_OK)
        sc->b[sc->tail % PIPE_SLOTS].len = 0;
    return rv;
}

/* Publishes the last batch, waits for the helper to finish and stops it.
 * The helper's failure, or RS_OK. */
static rs_status scan_finish(struct scan *sc)
{
    if (!sc->threaded)
        return RS_OK;
    uv_mutex_lock(&sc->mu);
    if (sc->rv == RS_OK && sc->b[sc->tail % PIPE_SLOTS].len)
        sc->tail++;
    sc->done = true;
    uv_cond_signal(&sc->cv);
    uv_mutex_unlock(&sc->mu);
    uv_thread_join(&sc->thread);
    uv_cond_destroy(&sc->cv);
    uv_mutex_destroy(&sc->mu);
    sc->threaded = false;
    return sc->urv;
}

static void scan_free(struct scan *sc)
{
    scan_finish(sc);
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        free(sc->b[i].buf);
}

static int on_record(const uint8_t *body, size_t len, void *arg)
{
    struct scan *sc = arg;
    struct batch *b;
    uint32_t n = (uint32_t)len;

    if (!sc->threaded) {
        sc->rv = add_body(sc->ds, body, len);
        return sc->rv != RS_OK;
    }
    sc->rv = RS_ETOOBIG;
    if (len > UINT32_MAX || len > SIZE_MAX - PIPE_BATCH)
        return 1;
    b = &sc->b[sc->tail % PIPE_SLOTS];
    if (b->len && sizeof n + len > b->cap - b->len) {
        sc->rv = publish(sc);
        if (sc->rv)
            return 1;
        b = &sc->b[sc->tail % PIPE_SLOTS];
    }
    if (sizeof n + len > b->cap - b->len) {
        /* An empty batch, too small for this body. */
        size_t cap = sizeof n + len > PIPE_BATCH ? sizeof n + len : PIPE_BATCH;
        uint8_t *p = realloc(b->buf, cap);

        sc->rv = RS_ENOMEM;
        if (!p)
            return 1;
        b->buf = p;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, &n, sizeof n);
    memcpy(b->buf + b->len + sizeof n, body, len);
    b->len += sizeof n + len;
    sc->rv = RS_OK;
    return 0;
}

static int on_office(const struct rs_office *o, void *arg)
{
    struct scan *sc = arg;

    sc->rv = rs_eval_dataset_office(sc->ds, o->code, o->name);
    return sc->rv != RS_OK;
}

/* The issues of req as the report names them, into is (nissues of them). */
static void issue_names(const struct rs_report_req *req, struct rs_report_issue *is)
{
    for (size_t i = 0; i < req->nissues; i++) {
        is[i].issue = req->issues[i].issue;
        is[i].issued_on = rs_date_cst(req->issues[i].closed_at);
        is[i].by = req->issues[i].closed_by_name;
        is[i].reason = req->issues[i].reason;
    }
}

/*
 * Loads, scans, evaluates and adds the year's parts, then renders each of
 * formats[0..nformats) into outs (bodies the caller's on RS_OK).
 */
static rs_status build(struct rs_store *store, const struct rs_report_req *req,
                       const Rs__ReportFormat *formats, size_t nformats,
                       struct rs_year_report *outs, char fw_name[64], char fw_hash[65],
                       char *err, size_t errlen)
{
    struct rs_framework *fw = NULL;      /* loaded here, freed here */
    const struct rs_framework *use;
    struct rs_eval_result *res = NULL;
    struct rs_compl_board *board = NULL;
    struct rs_report_issue *issues = NULL;
    struct rs_report_extra x;
    struct rs_store_scan_q q;
    struct scan sc;
    const char *dir = req->framework_dir;
    size_t k = 0;
    rs_status rv, urv;

    memset(&sc, 0, sizeof sc);
    memset(&x, 0, sizeof x);
    if (err && errlen)
        err[0] = '\0';
    if (!req->fw) {
        rv = rs_framework_load(dir, req->framework, &fw, err, errlen);
        if (rv)
            goto out;
    }
    use = req->fw ? req->fw : fw;
    snprintf(fw_name, 64, "%s", use->name);
    snprintf(fw_hash, 65, "%s", use->hash);
    rv = rs_eval_dataset_new(req->year, &sc.ds);
    if (rv)
        goto out;
    if (req->max_bytes)
        sc.ds->max_bytes = req->max_bytes;
    rv = rs_store_office_list(store, on_office, &sc);
    if (rv == RS_OK)
        rv = sc.rv;
    if (rv) {
        snprintf(err, errlen, "reading offices: %s", rs_store_errmsg(store));
        goto out;
    }
    scan_start(&sc);
    q.year = req->year;
    q.division = req->division;
    q.accepted_only = req->accepted_only;
    rv = rs_store_scan_report(store, &q, on_record, &sc);
    urv = scan_finish(&sc);
    if (rv == RS_OK)
        rv = sc.rv;
    if (rv == RS_OK)
        rv = urv;
    if (rv) {
        size_t cap = sc.ds->max_bytes;
        bool mib = cap % ((size_t)1 << 20) == 0;

        if (rv == RS_ETOOBIG && sc.ds->n + sc.ds->folded >= RS_EVAL_MAX_RECORDS)
            snprintf(err, errlen, "reading the records of %u: more than %u current records, "
                     "more than a report can hold", req->year, (unsigned)RS_EVAL_MAX_RECORDS);
        else if (rv == RS_ETOOBIG)
            snprintf(err, errlen, "reading the records of %u: after %zu records they take "
                     "more than the %zu %s a report can hold", req->year,
                     sc.ds->n + sc.ds->folded, cap >> (mib ? 20 : 10), mib ? "MiB" : "KiB");
        else
            snprintf(err, errlen, "reading the records of %u: %s", req->year,
                     rv == RS_ENOMEM ? "out of memory" : rs_store_errmsg(store));
        goto out;
    }
    rv = rs_eval_run(sc.ds, use, req->division, &res);
    if (rv)
        goto out;
    rv = rs_year_board(store, req->year, req->now ? req->now : rs_now_unix(),
                       RS__PERIOD__PERIOD_UNSPECIFIED, req->division, &board, err, errlen);
    if (rv == RS_OK)
        rv = rs_year_findings(store, board, res, err, errlen);
    if (rv)
        goto out;
    if (req->nissues) {
        issues = calloc(req->nissues, sizeof(*issues));
        rv = RS_ENOMEM;
        if (!issues)
            goto out;
        issue_names(req, issues);
    }
    x.board = board;
    x.issues = issues;
    x.nissues = req->nissues;
    x.accepted_only = req->accepted_only;
    for (k = 0; k < nformats; k++) {
        outs[k].format = formats[k];
        rv = rs_report_render_ex(res, &x, formats[k], &outs[k].body, &outs[k].len);
        if (rv)
            break;
    }
out:
    if (rv) {
        for (size_t i = 0; i < k && i < nformats; i++) {
            free(outs[i].body);
            outs[i].body = NULL;
        }
    }
    free(issues);
    rs_compl_board_free(board);
    scan_free(&sc);
    rs_eval_result_free(res);
    rs_eval_dataset_free(sc.ds);
    rs_framework_free(fw);
    return rv;
}

rs_status rs_report_build(struct rs_store *store, const struct rs_report_req *req, char **out,
                          size_t *outlen, char fw_name[64], char fw_hash[65], char *err,
                          size_t errlen)
{
    struct rs_year_report one = {req->format, NULL, 0};
    rs_status rv = build(store, req, &req->format, 1, &one, fw_name, fw_hash, err, errlen);

    *out = rv ? NULL : one.body;
    *outlen = rv ? 0 : one.len;
    return rv;
}

rs_status rs_report_build_all(struct rs_store *store, const struct rs_report_req *req,
                              struct rs_year_made *made, char *err, size_t errlen)
{
    const ProtobufCEnumDescriptor *ed = &rs__report_format__descriptor;
    Rs__ReportFormat formats[RS_YEAR_MAX_FORMATS];
    size_t n = 0;
    rs_status rv;

    memset(made, 0, sizeof(*made));
    for (unsigned i = 0; i < ed->n_values && n < RS_YEAR_MAX_FORMATS; i++) {
        if (ed->values[i].value != RS__REPORT_FORMAT__FMT_UNSPECIFIED)
            formats[n++] = (Rs__ReportFormat)ed->values[i].value;
    }
    rv = build(store, req, formats, n, made->reports, made->framework_name,
               made->framework_hash, err, errlen);
    if (rv == RS_OK)
        made->n = n;
    return rv;
}

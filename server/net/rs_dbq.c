/*
 * rs_dbq.c - one-job-at-a-time database queues on libuv's thread pool.
 */
#include "rs_dbq.h"

#include <stddef.h>

void rs_dbq_init(struct rs_dbq *q, uv_loop_t *loop, struct rs_store *store)
{
    q->loop = loop;
    q->store = store;
    q->running = NULL;
    q->head = q->tail = NULL;
    q->idle_cb = NULL;
    q->req.data = q;
}

static void start_next(struct rs_dbq *q);

static void on_work(uv_work_t *req)
{
    struct rs_dbq *q = req->data;

    q->running->work(q->running, q->store);
}

static void on_after_work(uv_work_t *req, int status)
{
    struct rs_dbq *q = req->data;
    struct rs_dbq_job *job = q->running;

    q->running = NULL;
    job->done(job, status == UV_ECANCELED);
    start_next(q);
    if (!rs_dbq_busy(q) && q->idle_cb)
        q->idle_cb(q);
}

static void start_next(struct rs_dbq *q)
{
    struct rs_dbq_job *job;

    if (q->running || !q->head)
        return;
    job = q->head;
    q->head = job->next;
    if (!q->head)
        q->tail = NULL;
    job->next = NULL;
    q->running = job;
    if (uv_queue_work(q->loop, &q->req, on_work, on_after_work) != 0) {
        /* uv_queue_work fails only for a NULL work_cb; treat as canceled. */
        q->running = NULL;
        job->done(job, true);
    }
}

void rs_dbq_push(struct rs_dbq *q, struct rs_dbq_job *job)
{
    job->next = NULL;
    if (q->tail)
        q->tail->next = job;
    else
        q->head = job;
    q->tail = job;
    start_next(q);
}

bool rs_dbq_busy(const struct rs_dbq *q)
{
    return q->running != NULL || q->head != NULL;
}

void rs_dbq_cancel_queued(struct rs_dbq *q)
{
    struct rs_dbq_job *job = q->head;

    q->head = q->tail = NULL;
    while (job) {
        struct rs_dbq_job *next = job->next;

        job->done(job, true);
        job = next;
    }
}

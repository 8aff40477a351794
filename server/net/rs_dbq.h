/*
 * rs_dbq.h - run database jobs off the libuv loop, one at a time per store.
 *
 * Each struct rs_dbq runs a FIFO of jobs against one struct rs_store (one
 * sqlite3 connection, borrowed from its owner) or against none (then work()
 * gets NULL).  At most one job per queue runs at a time, on libuv's thread
 * pool (uv_queue_work), so each sqlite3 connection is only ever used by one
 * thread at a time and never by the loop thread.  A job's work() runs on a
 * pool thread and may touch only its job and the store; done() runs on the
 * loop thread afterwards.
 *
 * Group commit is built on top (see rs_commit.c): while the writer job runs,
 * submissions from every connection gather on the loop side; the next job
 * commits them all in one transaction.
 *
 * Threading: the functions below run on the loop thread only.
 *
 * Does not: own jobs (the caller provides them and may free them in done()),
 * own the store, or cancel a job already running.
 */
#ifndef RS_DBQ_H
#define RS_DBQ_H

#include <stdbool.h>
#include <uv.h>

struct rs_store;
struct rs_dbq_job;

typedef void (*rs_dbq_work_fn)(struct rs_dbq_job *job, struct rs_store *store);
/* canceled is true if the job never ran (queue shut down before it started). */
typedef void (*rs_dbq_done_fn)(struct rs_dbq_job *job, bool canceled);

struct rs_dbq_job {
    struct rs_dbq_job *next;     /* queue link, owned by rs_dbq */
    rs_dbq_work_fn work;
    rs_dbq_done_fn done;
};

struct rs_dbq {
    uv_loop_t *loop;
    struct rs_store *store;      /* borrowed; closed by the owner after drain */
    uv_work_t req;
    struct rs_dbq_job *running;
    struct rs_dbq_job *head, *tail;
    void (*idle_cb)(struct rs_dbq *q);   /* called on the loop when the queue empties */
    void *data;                          /* the owner's, for idle_cb */
};

/* An empty queue on loop whose jobs get store (NULL: none); idle_cb and data unset. */
void rs_dbq_init(struct rs_dbq *q, uv_loop_t *loop, struct rs_store *store);

/* Appends job and starts it if nothing is running. */
void rs_dbq_push(struct rs_dbq *q, struct rs_dbq_job *job);

/* True if a job is running or queued. */
bool rs_dbq_busy(const struct rs_dbq *q);

/* Calls done(job, true) for every queued job that has not started. */
void rs_dbq_cancel_queued(struct rs_dbq *q);

#endif

/*
 * rs_console_sender.c - the console's sending thread.
 *
 * Sends the outbox through rs_session_sync, as `resettle sync` does, on a
 * thread of its own with its own outbox handle, so a page never waits for
 * the network.  An attempt runs when the thread starts, when a file was
 * queued or the clerk asks (rs_sender_kick), and after a failure to reach
 * the server on a back-off of 1, 2, 4 ... 60 s; a refusal (token,
 * certificate, role) waits for the clerk.  Each attempt signs in anew,
 * which also tells the console the office's role.
 *
 * Does not: queue records, or decide what the page says (the api does).
 */
#include "rs_console_int.h"

#include <stdio.h>
#include <string.h>

#define BACKOFF_MAX 60u

bool rs_console_unreachable(rs_status rc)
{
    return rc == RS_EIO || rc == RS_ETIMEDOUT || rc == RS_ECLOSED || rc == RS_ESTORAGE ||
           rc == RS_EBUSY;
}

/* One attempt; called without the lock. */
static void attempt(struct rs_sender *s, struct rs_outbox *ob)
{
    struct rs_sync_stats stats = {0};
    struct rs_outbox_counts k = {0};
    struct rs_session ss;
    char err[512] = "";
    rs_status rc;

    if (rs_outbox_counts(ob, &k) != RS_OK)
        k.pending = 0;
    pthread_mutex_lock(&s->mu);
    s->v.state = RS_SENDER_SENDING;
    s->v.batch_total = k.pending;
    pthread_mutex_unlock(&s->mu);

    rc = rs_session_open(&ss, s->o->server, s->o->sec, s->o->office, s->o->token,
                         s->o->timeout_ms, err, sizeof(err));
    if (rc == RS_OK) {
        pthread_mutex_lock(&s->mu);
        s->v.role = ss.role;
        snprintf(s->v.office_name, sizeof(s->v.office_name), "%s", ss.office_name);
        pthread_mutex_unlock(&s->mu);
        rc = rs_session_sync(&ss, ob, s->o->batch, &stats, err, sizeof(err));
        rs_session_close(&ss);
    }

    pthread_mutex_lock(&s->mu);
    if (rc == RS_OK) {
        s->v.state = RS_SENDER_IDLE;
        s->v.delay = 1;
        s->v.last_ok = time(NULL);
        s->v.last = stats;
        s->v.err[0] = '\0';
    } else if (!(rc == RS_EAUTH || rc == RS_EVERSION || rc == RS_EFORBIDDEN ||
                 rc == RS_EINVAL || (rc == RS_EPROTO && s->o->sec->plaintext))) {
        /* As `resettle sync`: anything but a refusal is tried again. */
        s->v.state = RS_SENDER_UNREACHABLE;
        s->v.next_try = time(NULL) + (time_t)s->v.delay;
        s->v.delay = s->v.delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : s->v.delay * 2;
        snprintf(s->v.err, sizeof(s->v.err), "%s", err);
    } else {
        s->v.state = RS_SENDER_REFUSED;
        snprintf(s->v.err, sizeof(s->v.err), "%s", err);
    }
    pthread_mutex_unlock(&s->mu);
}

static void *sender_main(void *arg)
{
    struct rs_sender *s = arg;
    struct rs_outbox *ob = NULL;
    char err[512];

    if (rs_outbox_open(s->o->outbox, &ob, err, sizeof(err)) != RS_OK) {
        pthread_mutex_lock(&s->mu);
        s->v.state = RS_SENDER_REFUSED;
        snprintf(s->v.err, sizeof(s->v.err), "%s", err);
        pthread_mutex_unlock(&s->mu);
        return NULL;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        time_t now = time(NULL);
        bool due = s->v.state == RS_SENDER_UNREACHABLE && now >= s->v.next_try;

        if (s->kick || due) {
            s->kick = false;
            pthread_mutex_unlock(&s->mu);
            attempt(s, ob);
            pthread_mutex_lock(&s->mu);
            continue;
        }
        {
            struct timespec until;

            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += s->v.state == RS_SENDER_UNREACHABLE && s->v.next_try > now
                                ? s->v.next_try - now
                                : BACKOFF_MAX;
            pthread_cond_timedwait(&s->cv, &s->mu, &until);
        }
    }
    pthread_mutex_unlock(&s->mu);
    rs_outbox_close(ob);
    return NULL;
}

int rs_sender_start(struct rs_sender *s, const struct rs_console_opts *o)
{
    memset(s, 0, sizeof(*s));
    s->o = o;
    s->v.delay = 1;
    s->kick = true;
    if (pthread_mutex_init(&s->mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        return -1;
    }
    if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        return -1;
    }
    s->started = true;
    return 0;
}

void rs_sender_kick(struct rs_sender *s)
{
    pthread_mutex_lock(&s->mu);
    s->kick = true;
    if (s->v.state == RS_SENDER_UNREACHABLE)
        s->v.delay = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void rs_sender_stop(struct rs_sender *s)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    s->started = false;
}

void rs_sender_snapshot(struct rs_sender *s, struct rs_sender_view *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->v;
    pthread_mutex_unlock(&s->mu);
}

/*
 * rs_reload.c - SIGHUP: the TLS certificate and key and the framework
 * presets read anew, without dropping a connection.
 *
 * The files are read and checked on libuv's pool (the loop thread never
 * touches the disk); the job gets copies of the paths, not the server.  On
 * the loop thread, a TLS context that loaded replaces the server's (new
 * connections use it; each existing connection's SSL holds its own
 * reference to the context it began with), and a preset set that loaded
 * replaces the server's (a report already queued keeps the set it took).
 * What failed is logged with its reason and the current one is kept.  The
 * service manager is told RELOADING=1 before and READY=1 after.
 *
 * Does not: re-read the config file (every other setting needs a
 * restart), or close connections.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_log.h"
#include "rs_net_int.h"

struct reload_job {
    uv_work_t req;
    struct rs_server *srv;      /* the loop thread's only */
    const char *cert, *key;     /* NULL: plaintext, nothing to reload */
    const char *fwdir;          /* NULL: no framework folder */
    struct rs_tls_ctx *tls;
    rs_status tls_rc;
    char tls_err[512];
    struct rs_fwset *fw;
    rs_status fw_rc;
    char fw_err[512];
};

static void notify(struct rs_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notify(struct rs_server *srv, const char *fmt, ...)
{
    char state[256];
    va_list ap;

    if (!srv->cfg.notify)
        return;
    va_start(ap, fmt);
    vsnprintf(state, sizeof(state), fmt, ap);
    va_end(ap);
    srv->cfg.notify(srv->cfg.notify_arg, state);
}

/* Pool thread: reads the files; touches only the job. */
static void reload_work(uv_work_t *req)
{
    struct reload_job *r = req->data;

    if (r->cert) {
        r->tls_rc = rs_tls_ctx_new(r->cert, r->key, &r->tls, r->tls_err, sizeof(r->tls_err));
        rs_tls_thread_stop();
    }
    if (r->fwdir)
        r->fw_rc = rs_fwset_load(r->fwdir, &r->fw, r->fw_err, sizeof(r->fw_err));
}

static void put_tls_in_place(struct rs_server *srv, struct reload_job *r)
{
    char fp[72];

    if (!r->cert)
        return;
    if (r->tls_rc != RS_OK) {
        rs_tls_ctx_fingerprint(srv->tls, fp);
        RS_ERROR("reload: %s; keeping the certificate loaded before (%s)", r->tls_err, fp);
        return;
    }
    rs_tls_ctx_free(srv->tls);
    srv->tls = r->tls;
    r->tls = NULL;
    rs_tls_ctx_fingerprint(srv->tls, fp);
    RS_INFO("reload: TLS certificate %s (%s) for new connections", r->cert, fp);
    fprintf(srv->cfg.ready_out, "tls certificate %s\n", fp);
    fflush(srv->cfg.ready_out);
}

static void put_presets_in_place(struct rs_server *srv, struct reload_job *r)
{
    char names[512];

    if (!r->fwdir)
        return;
    if (r->fw_rc != RS_OK) {
        rs_fwset_names(srv->fwset, names, sizeof(names));
        RS_ERROR("reload: %s; keeping the presets loaded before (%s)", r->fw_err, names);
        return;
    }
    rs_fwset_unref(srv->fwset);
    srv->fwset = r->fw;
    r->fw = NULL;
    rs_fwset_names(srv->fwset, names, sizeof(names));
    RS_INFO("reload: %zu framework presets from %s (%s)", rs_fwset_count(srv->fwset), r->fwdir,
            names);
}

static void reload_done(uv_work_t *req, int status)
{
    struct reload_job *r = req->data;
    struct rs_server *srv = r->srv;

    srv->reloading = false;
    if (status == 0 && !srv->stopping) {
        put_tls_in_place(srv, r);
        put_presets_in_place(srv, r);
        notify(srv, "READY=1\nSTATUS=reloaded");
    }
    rs_tls_ctx_free(r->tls);
    rs_fwset_unref(r->fw);
    free(r);
    if (srv->reload_again && !srv->stopping) {
        srv->reload_again = false;
        rs_reload_start(srv);
        return;
    }
    rs_listener_maybe_finish(srv);
}

void rs_reload_start(struct rs_server *srv)
{
    struct reload_job *r;

    if (srv->stopping)
        return;
    if (srv->reloading) {
        srv->reload_again = true;
        return;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        RS_ERROR("reload: out of memory; nothing reloaded");
        return;
    }
    r->req.data = r;
    r->srv = srv;
    if (srv->tls) {
        r->cert = srv->cfg.tls_cert;
        r->key = srv->cfg.tls_key;
    }
    r->fwdir = srv->cfg.framework_dir;
    RS_INFO("SIGHUP: reloading%s%s", r->cert ? " the TLS certificate and key" : "",
            r->fwdir ? (r->cert ? " and the framework presets" : " the framework presets") : "");
    notify(srv, "RELOADING=1");
    if (uv_queue_work(&srv->loop, &r->req, reload_work, reload_done) != 0) {
        RS_ERROR("reload: cannot queue the work; nothing reloaded");
        notify(srv, "READY=1");
        free(r);
        return;
    }
    srv->reloading = true;
}

/*
 * cmd_console.c - resettle console [--listen 127.0.0.1:PORT]: the clerks'
 * console in the browser (client/console/rs_console.h), with the same
 * configuration and outbox as every other command.
 *
 * Does not: serve anything itself; rs_console_run does, until a signal.
 */
#include <string.h>

#include "rs_cmd.h"
#include "rs_console.h"

int rs_cmd_console(struct config *c)
{
    struct rs_console_opts o = {0};
    struct rs_outbox *ob = NULL;
    int ret;

    if (rs_cmd_need_network(c))
        return RS_EXIT_USAGE;
    if (rs_cmd_load_district_key(c))
        return RS_EXIT_USAGE;
    /* Settles the outbox's path and refuses a damaged one, as every command does. */
    if (rs_cmd_open_outbox(c, &ob))
        return RS_EXIT_INVALID;
    rs_outbox_close(ob);
    o.listen = c->listen ? c->listen : "127.0.0.1:0";
    o.server = c->server;
    o.office = c->office;
    o.token = c->token;
    o.sec = &c->sec;
    o.outbox = c->outbox;
    o.timeout_ms = c->timeout_ms;
    o.batch = c->batch;
    o.district_key = c->has_key ? c->key : NULL;
    o.open_browser = true;
    ret = rs_console_run(&o);
    explicit_bzero(c->key, sizeof(c->key));
    return ret;
}

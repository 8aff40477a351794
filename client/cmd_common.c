/*
 * cmd_common.c - what several commands of resettle share: the exit status
 * of a failed request, a file read whole, a body written to --out or
 * stdout, and one request with its reply on a new session.
 *
 * Does not: settle the configuration (main.c) or know any one command's
 * messages or replies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_cmd.h"
#include "rs_intake.h"
#include "rs_session.h"

/* The exit status of a failed request: 3 when the server could not be
 * reached or could not commit, 1 when it refused. */
int rs_cmd_exit_of(rs_status rc)
{
    return rc == RS_EIO || rc == RS_ETIMEDOUT || rc == RS_ECLOSED || rc == RS_ESTORAGE ||
                   rc == RS_EBUSY
               ? RS_EXIT_UNREACHABLE
               : RS_EXIT_INVALID;
}

int rs_cmd_read_file(const char *path, char **out, size_t *len)
{
    char err[512];

    if (rs_intake_read_file(path, out, len, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    return 0;
}

/* Writes body to --out or stdout; 0 or RS_EXIT_INVALID. */
int rs_cmd_write_out(const struct config *c, const char *body, size_t len, const char *what)
{
    FILE *f = stdout;

    if (c->out && !(f = fopen(c->out, "wb"))) {
        fprintf(stderr, "resettle: %s: %s\n", c->out, strerror(errno));
        return RS_EXIT_INVALID;
    }
    if (fwrite(body, 1, len, f) != len || (c->out && fclose(f) != 0)) {
        fprintf(stderr, "resettle: 无法写出%s\n", what);
        return RS_EXIT_INVALID;
    }
    return 0;
}

/* Opens a signed-in session for a request command; 0 or the exit status. */
int rs_cmd_open_session(struct config *c, struct rs_session *s)
{
    char err[512];
    rs_status rc;

    if (rs_cmd_need_network(c))
        return RS_EXIT_USAGE;
    rc = rs_session_open(s, c->server, &c->sec, c->office, c->token, c->timeout_ms, err,
                         sizeof(err));
    if (rc) {
        fprintf(stderr, "resettle: %s\n", err);
        return rs_cmd_exit_of(rc);
    }
    return 0;
}

/* One request and its reply on a new session; 0 with *reply, or the exit status. */
int rs_cmd_call(struct config *c, Rs__Envelope *env, Rs__Envelope__MsgCase want,
                Rs__Envelope **reply)
{
    struct rs_session s;
    char err[512];
    rs_status rc;
    int ret = rs_cmd_open_session(c, &s);

    *reply = NULL;
    if (ret)
        return ret;
    rc = rs_session_call(&s, env, want, reply, err, sizeof(err));
    rs_session_close(&s);
    if (rc) {
        fprintf(stderr, "resettle: %s\n", err);
        return rs_cmd_exit_of(rc);
    }
    return 0;
}

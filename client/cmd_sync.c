/*
 * cmd_sync.c - `resettle sync` and `resettle status`, and the delivery
 * they share with submit: the outbox's pending records sent with back-off,
 * what was sent, and which records the central office returned (with the
 * file:line each came from, when this outbox queued it).
 *
 * Does not: speak the protocol (rs_session.c) or change records in the
 * outbox other than through the session's acknowledgements.
 */
#include <stdio.h>
#include <unistd.h>

#include "rs_cmd.h"
#include "rs_outbox.h"
#include "rs_rtype.h"
#include "rs_session.h"
#include "rs_util.h"

/* The Chinese label of a record type the server names ("relief": 救助), or the name. */
static const char *type_label(const char *name)
{
    rs_rtype t = rs_rtype_parse(name);

    if (!name)
        return "?";
    return t == RS__RECORD__BODY__NOT_SET ? name : rs_rtype_label(t);
}

/*
 * Asks the server which of the office's records the central office
 * returned, and prints each with its comment and, when this outbox queued
 * it, the file:line it came from.  ob may be NULL; year 0 asks for every
 * year.  RS_OK or the request's status (err says why).
 */
static rs_status show_returned(struct rs_session *s, struct rs_outbox *ob, uint32_t year,
                               char *err, size_t errlen)
{
    Rs__Envelope env = RS__ENVELOPE__INIT, *reply = NULL;
    Rs__StatusRequest rq = RS__STATUS_REQUEST__INIT;
    const Rs__StatusReply *st;
    size_t closed = 0;
    rs_status rc;

    if (year) {
        rq.has_year = true;
        rq.year = year;
    }
    env.msg_case = RS__ENVELOPE__MSG_STATUS_REQUEST;
    env.status_request = &rq;
    rc = rs_session_call(s, &env, RS__ENVELOPE__MSG_STATUS, &reply, err, errlen);
    if (rc)
        return rc;
    st = reply->status;
    for (size_t i = 0; i < st->n_records; i++)
        closed += st->records[i]->has_year_closed && st->records[i]->year_closed;
    if (st->returned == 0)
        printf("区中心退回：无（已审核通过 %u 条）\n", (unsigned)st->accepted);
    else if (closed && closed == st->n_records)
        printf("区中心退回：%u 条（已审核通过 %u 条）；所在年度已结账，改正须先请区中心重新开放：\n",
               (unsigned)st->returned, (unsigned)st->accepted);
    else
        printf("区中心退回：%u 条（已审核通过 %u 条）；请改正后重新报送该文件：\n",
               (unsigned)st->returned, (unsigned)st->accepted);
    for (size_t i = 0; i < st->n_records; i++) {
        const Rs__RecordReview *r = st->records[i];
        char source[RS_OUTBOX_TEXT_MAX + 1] = "", day[11] = "";
        bool found = false;

        if (ob && r->record_id &&
            rs_outbox_source(ob, r->record_id, source, sizeof(source), &found) != RS_OK)
            found = false;
        if (r->has_reviewed_at)
            rs_date_format(rs_date_cst(r->reviewed_at), day);
        printf("%s: 退回 %s%s%s（%s）：%s（%s，%s）%s\n", found && source[0] ? source : "-",
               type_label(r->record_type), r->label ? " " : "",
               r->label ? r->label : "", r->record_id ? r->record_id : "?",
               r->comment ? r->comment : "", r->reviewer_name ? r->reviewer_name : "",
               day,
               closed && closed < st->n_records && r->has_year_closed && r->year_closed
                   ? "；所在年度已结账，须区中心重新开放后才能改正"
                   : "");
    }
    if (st->has_more && st->more)
        printf("……另有 %u 条\n", (unsigned)st->more);
    rs__envelope__free_unpacked(reply, NULL);
    return RS_OK;
}

static void print_sent(const struct rs_sync_stats *stats)
{
    if (stats->sent)
        printf("已发送 %llu 条：入库 %llu，重复 %llu，冲突 %llu，被拒 %llu\n",
               (unsigned long long)stats->sent, (unsigned long long)stats->stored,
               (unsigned long long)stats->duplicate, (unsigned long long)stats->conflict,
               (unsigned long long)stats->rejected);
}

/* One delivery attempt after another, with back-off 1, 2, 4 ... 60 s. */
int rs_cmd_deliver(struct config *c, struct rs_outbox *ob)
{
    struct rs_sync_stats stats = {0};
    struct rs_outbox_counts counts;
    unsigned delay = 1;
    uint32_t attempt;
    char err[512];
    bool printed = false;
    rs_status rc = RS_EIO;

    for (attempt = 1; attempt <= c->attempts; attempt++) {
        struct rs_session s;

        rc = rs_session_open(&s, c->server, &c->sec, c->office, c->token, c->timeout_ms, err,
                             sizeof(err));
        if (rc == RS_OK) {
            rc = rs_session_sync(&s, ob, c->batch, &stats, err, sizeof(err));
            /* What the centre sent back is what the township acts on next. */
            if (rc == RS_OK && s.role == RS__ROLE__ROLE_TOWNSHIP) {
                print_sent(&stats);
                printed = true;
                if (show_returned(&s, ob, 0, err, sizeof(err)) != RS_OK)
                    fprintf(stderr, "resettle: 无法列出退回的记录：%s\n", err);
            }
            rs_session_close(&s);
        }
        if (rc == RS_OK)
            break;
        if (rc == RS_EAUTH || rc == RS_EVERSION || rc == RS_EFORBIDDEN || rc == RS_EINVAL ||
            (rc == RS_EPROTO && c->plaintext)) {
            fprintf(stderr, "resettle: %s\n", err);
            break;
        }
        fprintf(stderr, "resettle: 第 %u 次尝试（共 %u 次）：%s\n", attempt, c->attempts, err);
        if (attempt < c->attempts) {
            sleep(delay);
            delay = delay * 2 > 60 ? 60 : delay * 2;
        }
    }
    if (!printed)
        print_sent(&stats);
    if (rs_outbox_counts(ob, &counts) == RS_OK && counts.pending)
        printf("发件箱 %s 中有 %llu 条记录待发送\n", c->outbox,
               (unsigned long long)counts.pending);
    if (rc == RS_EAUTH || rc == RS_EVERSION || rc == RS_EFORBIDDEN ||
        (rc == RS_EPROTO && c->plaintext))
        return RS_EXIT_INVALID;
    if (rc != RS_OK)
        return RS_EXIT_UNREACHABLE;
    return stats.conflict || stats.rejected ? RS_EXIT_INVALID : 0;
}

static int print_failed(const char *id, const char *source, enum rs_outbox_state st,
                        const char *field, const char *reason, void *arg)
{
    (void)arg;
    printf("%s: %s %s: %s: %s\n", source ? source : "?",
           st == RS_OB_CONFLICT ? "冲突" : "被拒", id, field && *field ? field : "-",
           reason ? reason : "");
    return 0;
}

int rs_cmd_sync(struct config *c)
{
    struct rs_outbox *ob = NULL;
    int ret;

    if (rs_cmd_need_network(c))
        return RS_EXIT_USAGE;
    if (rs_cmd_open_outbox(c, &ob))
        return RS_EXIT_INVALID;
    ret = rs_cmd_deliver(c, ob);
    rs_outbox_close(ob);
    return ret;
}

/* status's question to the server: which records were returned. */
static int returned_status(struct config *c, struct rs_outbox *ob)
{
    struct rs_session s;
    char err[512];
    rs_status rc;

    if (rs_cmd_need_network(c))
        return RS_EXIT_USAGE;
    rc = rs_session_open(&s, c->server, &c->sec, c->office, c->token, c->timeout_ms, err,
                         sizeof(err));
    if (rc == RS_OK) {
        rc = show_returned(&s, ob, c->year, err, sizeof(err));
        rs_session_close(&s);
    }
    if (rc) {
        fprintf(stderr, "resettle: 无法向服务器查询哪些记录被退回：%s\n", err);
        return rs_cmd_exit_of(rc);
    }
    return 0;
}

int rs_cmd_status(struct config *c)
{
    struct rs_outbox *ob = NULL;
    struct rs_outbox_counts k;
    int ret;

    if (rs_cmd_open_outbox(c, &ob))
        return RS_EXIT_INVALID;
    if (rs_outbox_counts(ob, &k) != RS_OK) {
        rs_outbox_close(ob);
        fprintf(stderr, "resettle: 无法读取发件箱 %s\n", c->outbox);
        return RS_EXIT_INVALID;
    }
    printf("发件箱 %s\n待发送 %llu\n已入库 %llu\n重复 %llu\n冲突 %llu\n被拒 %llu\n",
           c->outbox, (unsigned long long)k.pending, (unsigned long long)k.stored,
           (unsigned long long)k.duplicate, (unsigned long long)k.conflict,
           (unsigned long long)k.rejected);
    {
        struct rs_outbox_receipt r;
        bool found = false;
        char hex[65];

        if (rs_outbox_last_receipt(ob, &r, &found) == RS_OK && found) {
            rs_hex(r.hash, sizeof(r.hash), hex);
            printf("最近回执：审计记录第 %llu 行 sha256 %s\n", (unsigned long long)r.seq, hex);
        }
    }
    if ((c->failed || k.conflict || k.rejected) &&
        rs_outbox_list_failed(ob, print_failed, NULL) != RS_OK) {
        fprintf(stderr, "resettle: 无法列出发件箱 %s 中被拒的记录：%s\n", c->outbox,
                rs_outbox_errmsg(ob));
        rs_outbox_close(ob);
        return RS_EXIT_INVALID;
    }
    ret = rs_cmd_network_configured(c) ? returned_status(c, ob) : 0;
    rs_outbox_close(ob);
    return ret;
}

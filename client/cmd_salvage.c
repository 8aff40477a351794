/*
 * cmd_salvage.c - `resettle outbox salvage --from DAMAGED --to NEW`: the
 * records a damaged outbox still holds, copied into a new one.
 *
 * Does not: read or repair the damaged file itself (rs_outbox_salvage.c
 * does), or send anything.
 */
#include <stdio.h>

#include "rs_cmd.h"
#include "rs_outbox.h"

/* resettle outbox salvage --from DAMAGED --to NEW: exit 0, 1 (nothing copied) or 2. */
int rs_cmd_salvage(struct config *c)
{
    struct rs_outbox_salvage sv;
    char err[512];
    rs_status rc;

    if (!c->from || !c->to)
        return rs_cmd_usage_error("outbox salvage 需要 --from 损坏的发件箱 和 --to 新发件箱");
    rc = rs_outbox_salvage(c->from, c->to, &sv, err, sizeof(err));
    if (rc != RS_OK) {
        fprintf(stderr, "resettle: 抢救发件箱：%s\n", err);
        return rc == RS_EDUP ? RS_EXIT_USAGE : RS_EXIT_INVALID;
    }
    printf("已从 %s 复制 %llu 条记录到 %s", c->from, (unsigned long long)sv.copied, c->to);
    if (sv.unreadable)
        printf("；第 %lld 行至第 %lld 行未能全部读出（%llu 处损坏）：其中的记录已不在发件箱中，"
               "请重新报送它们所在的文件",
               (long long)sv.first_lost, (long long)sv.last_lost,
               (unsigned long long)sv.unreadable);
    printf("\n");
    return 0;
}

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
        return rs_cmd_usage_error("outbox salvage needs --from DAMAGED and --to NEW");
    rc = rs_outbox_salvage(c->from, c->to, &sv, err, sizeof(err));
    if (rc != RS_OK) {
        fprintf(stderr, "resettle: outbox salvage: %s\n", err);
        return rc == RS_EDUP ? RS_EXIT_USAGE : RS_EXIT_INVALID;
    }
    printf("%llu records copied from %s to %s", (unsigned long long)sv.copied, c->from, c->to);
    if (sv.unreadable)
        printf("; rows %lld to %lld were not all readable (%llu damaged run%s): their records "
               "are lost from the outbox, submit their files again to queue them",
               (long long)sv.first_lost, (long long)sv.last_lost,
               (unsigned long long)sv.unreadable, sv.unreadable == 1 ? "" : "s");
    printf("\n");
    return 0;
}

/*
 * rs_fault.h - where the network layer's allocations may be made to fail:
 * the seam a test uses to prove what the server does when memory runs out.
 *
 * rs_fault.c defines rs_net_fault as a weak symbol that always answers
 * false, so in resettled nothing fails here that calloc or strdup did not
 * fail.  A test program that links rs_server_core and defines its own
 * rs_net_fault (tests/itest_nomem.c) decides which allocations fail.
 *
 * Threading: called on the loop thread only.
 *
 * Does not: fail allocations outside the network layer, or count them.
 */
#ifndef RS_FAULT_H
#define RS_FAULT_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rs_status.h"

enum rs_net_fault_site {
    RS_NET_FAULT_CONN,          /* a new connection's struct rs_conn (rs_conn.c) */
    RS_NET_FAULT_COMMIT,        /* a group commit's job (rs_commit.c) */
    RS_NET_FAULT_ACK_TEXT       /* a rejected record's field or reason (rs_submit.c) */
};

/* True if the allocation about to be made at site is to fail. */
RS_NODISCARD bool rs_net_fault(enum rs_net_fault_site site);

/* calloc(n, size), or NULL when rs_net_fault(site). */
RS_NODISCARD static inline void *rs_net_calloc(enum rs_net_fault_site site, size_t n, size_t size)
{
    return rs_net_fault(site) ? NULL : calloc(n, size);
}

/* strdup(s), or NULL when rs_net_fault(site). */
RS_NODISCARD static inline char *rs_net_strdup(enum rs_net_fault_site site, const char *s)
{
    return rs_net_fault(site) ? NULL : strdup(s);
}

#endif

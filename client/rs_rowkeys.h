/*
 * rs_rowkeys.h - the records one file (or one sheet) has queued, by natural
 * key, so that a second row of the same record in the same file is refused
 * instead of queued as a new version of the first.
 *
 * Two rows of one household, kind and date in one file are one record
 * written twice, not a correction: queued in turn, each would replace the
 * other, and every resubmission of the unchanged file would send both again.
 *
 * Does not: compare contents (a repeated identical row is refused too; the
 * first is kept), look at the outbox, or outlive the file.
 *
 * Ownership: the set owns copies of the keys; rs_rowkeys_free releases them.
 */
#ifndef RS_ROWKEYS_H
#define RS_ROWKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_status.h"

struct rs_rowkeys {
    char **key;           /* open addressing; NULL is empty */
    uint32_t *line;       /* the line or row of each key */
    size_t mask, n;
};

/*
 * Notes rec's natural key at line.  *first is 0 when the key is new in the
 * set, else the line that gave it first (and the set is unchanged).
 * RS_ENOMEM when the set cannot grow; RS_EINVAL when rec has no natural key
 * (the outbox refuses such a record with its own reason).
 */
rs_status rs_rowkeys_note(struct rs_rowkeys *s, const Rs__Record *rec, uint32_t line,
                          uint32_t *first);

/* Frees the keys; s may be reused after, as if zeroed. */
void rs_rowkeys_free(struct rs_rowkeys *s);

#endif

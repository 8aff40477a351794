/*
 * rs_rowkeys.c - the natural keys of the rows one file has queued (see
 * rs_rowkeys.h): an open-addressing set of copied keys, grown at 1/2 full.
 *
 * Does not: bound its own size; a file's rows are bounded by its reader
 * (rs_csv.h, rs_xlsx.h) and each key by RS_OUTBOX_NKEY_MAX.
 */
#include "rs_rowkeys.h"

#include <stdlib.h>
#include <string.h>

#include "rs_outbox.h"

static size_t key_hash(const char *k)
{
    uint64_t h = 14695981039346656037u;

    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211u;
    return (size_t)h;
}

static size_t slot_of(char *const *keys, size_t mask, const char *k)
{
    size_t h = key_hash(k) & mask;

    while (keys[h] && strcmp(keys[h], k) != 0)
        h = (h + 1) & mask;
    return h;
}

/* Doubles the table (or makes its first one of 64). */
static rs_status grow(struct rs_rowkeys *s)
{
    size_t cap = s->key ? (s->mask + 1) * 2 : 64;
    char **key = calloc(cap, sizeof(*key));
    uint32_t *line = calloc(cap, sizeof(*line));

    if (!key || !line) {
        free(key);
        free(line);
        return RS_ENOMEM;
    }
    for (size_t i = 0; s->key && i <= s->mask; i++) {
        if (s->key[i]) {
            size_t h = slot_of(key, cap - 1, s->key[i]);

            key[h] = s->key[i];
            line[h] = s->line[i];
        }
    }
    free(s->key);
    free(s->line);
    s->key = key;
    s->line = line;
    s->mask = cap - 1;
    return RS_OK;
}

rs_status rs_rowkeys_note(struct rs_rowkeys *s, const Rs__Record *rec, uint32_t line,
                          uint32_t *first)
{
    char k[RS_OUTBOX_NKEY_MAX];
    size_t h;
    rs_status rv;

    *first = 0;
    if (rs_outbox_nkey(rec, k, sizeof k) != RS_OK)
        return RS_EINVAL;
    if (!s->key || 2 * (s->n + 1) > s->mask + 1) {
        rv = grow(s);
        if (rv)
            return rv;
    }
    h = slot_of(s->key, s->mask, k);
    if (s->key[h]) {
        *first = s->line[h];
        return RS_OK;
    }
    s->key[h] = strdup(k);
    if (!s->key[h])
        return RS_ENOMEM;
    s->line[h] = line;
    s->n++;
    return RS_OK;
}

void rs_rowkeys_free(struct rs_rowkeys *s)
{
    for (size_t i = 0; s->key && i <= s->mask; i++)
        free(s->key[i]);
    free(s->key);
    free(s->line);
    memset(s, 0, sizeof(*s));
}

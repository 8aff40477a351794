/*
 * rs_fwset.h - the framework presets a server offers: every *.csv of its
 * framework folder, loaded and checked together, held in memory.
 *
 * A set is loaded once at start-up and again on SIGHUP; a report uses the
 * set that was current when it was asked for, so a reload never changes a
 * report under way and a folder with a broken file never replaces a good
 * set (the server keeps the old one and logs why).  The default preset
 * (RS_FRAMEWORK_DEFAULT) must be in the folder.
 *
 * Ownership and threads: a set is immutable once loaded.  rs_fwset_load
 * may run on any thread (it reads files: the server runs it before its
 * loop starts, or on libuv's pool).  The reference count is not atomic:
 * rs_fwset_ref and rs_fwset_unref are called on one thread only (the
 * server's loop thread); other threads may read a set (rs_fwset_find)
 * while they are handed a reference held for them.
 *
 * Does not: parse framework files (rs_framework.h), or watch the folder.
 */
#ifndef RS_FWSET_H
#define RS_FWSET_H

#include <stddef.h>

#include "rs_framework.h"
#include "rs_status.h"

#define RS_FWSET_MAX 32             /* presets in one folder */

struct rs_fwset;

/*
 * Loads every regular file "<name>.csv" of dir (names not starting with
 * '.') with rs_framework_load.  On RS_OK *out holds one reference.
 * RS_ENOTFOUND (dir missing, or no default preset in it), RS_EIO (dir or
 * a file unreadable), RS_EINVAL (a file that does not parse: err names
 * file and line), RS_ETOOBIG (more than RS_FWSET_MAX presets), RS_ENOMEM.
 */
RS_NODISCARD rs_status rs_fwset_load(const char *dir, struct rs_fwset **out, char *err,
                                     size_t errlen);

/* The preset called name (NULL or "": the default), or NULL if the set has none. */
const struct rs_framework *rs_fwset_find(const struct rs_fwset *s, const char *name);

/* "mof-project, unit-2023": the names in the set, sorted, into out (len bytes). */
void rs_fwset_names(const struct rs_fwset *s, char *out, size_t len);

/* The number of presets. */
size_t rs_fwset_count(const struct rs_fwset *s);

/* One more reference (s may be NULL); returns s. */
struct rs_fwset *rs_fwset_ref(struct rs_fwset *s);

/* Drops one reference; the last frees the set.  s may be NULL. */
void rs_fwset_unref(struct rs_fwset *s);

#endif

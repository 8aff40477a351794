/*
 * rs_config.h - the settings of `resettled serve`: their defaults, the
 * config file and the command line.
 *
 * Every setting is one key with one rule, and the same key is a flag:
 * `db = FILE` in the file is `--db FILE` on the command line.  The file
 * (deploy/resettled.conf is the sample, installed as
 * /etc/resettle/resettled.conf) has one `key = value` per line, `#` or `;`
 * comment lines and no [sections]; it is read with libinih.  Paths in the
 * file must be absolute (the service's working directory is not the
 * admin's).  A flag wins over the file; a value in the file that a flag
 * overrides is still checked.
 *
 * An unknown key, a value that breaks its rule, a key given twice, a line
 * that is not `key = value`, a line longer than RS_CONFIG_LINE_MAX bytes, a
 * file larger than RS_CONFIG_FILE_MAX bytes or a file that cannot be read
 * stops start-up; the message is "FILE:LINE: reason" (or "FILE: reason"
 * for the whole file).
 *
 * Threads: the functions here are called by main before the server starts;
 * a struct rs_config belongs to one thread.
 *
 * Does not: start anything, open the database, or read the environment.
 */
#ifndef RS_CONFIG_H
#define RS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_journal.h"
#include "rs_log.h"
#include "rs_server.h"
#include "rs_status.h"

#define RS_CONFIG_PATH_MAX 1023     /* bytes of a path value */
#define RS_CONFIG_FILE_MAX 65536    /* bytes of a config file */
#define RS_CONFIG_LINE_MAX 197      /* bytes of one line (libinih's buffer) */
#define RS_CONFIG_DEFAULT_LISTEN "127.0.0.1:7420"

/* One key of the table (rs_config.c): what `resettled serve --help` and the man page list. */
struct rs_config_key {
    const char *name;           /* "max-batch"; the flag is "--max-batch" */
    const char *arg;            /* "N", "FILE", ...; NULL for a yes/no flag */
    const char *help;           /* the rule and the default, one line */
};

struct rs_config {
    struct rs_server_config srv;    /* what rs_server_run takes; its strings point
                                     * into this struct (valid while it lives) */
    enum rs_log_level log_level;
    enum rs_log_target log_target;
    char listen[64];                /* HOST:PORT as given */
    char hostbuf[64];               /* srv.host, after rs_config_finish */
    char db[RS_CONFIG_PATH_MAX + 1];
    char tls_cert[RS_CONFIG_PATH_MAX + 1];
    char tls_key[RS_CONFIG_PATH_MAX + 1];
    char frameworks[RS_CONFIG_PATH_MAX + 1];
    char anchor[RS_CONFIG_PATH_MAX + 1];
    uint32_t from_args;             /* bit per key: given as a flag */
    uint32_t from_file;             /* bit per key: seen in the file */
    uint32_t line[32];              /* line of each key seen in the file */
};

/* The table of keys, in the order they are documented; *n gets its length. */
const struct rs_config_key *rs_config_keys(size_t *n);

/* Every setting at its default (db unset, listen RS_CONFIG_DEFAULT_LISTEN, ...). */
void rs_config_init(struct rs_config *c);

/*
 * Sets key to value as given on the command line (from_file false: it
 * wins over the file) or in the file (from_file true: ignored if the flag
 * was given, but still checked; line is its line for duplicate messages).
 * A yes/no key takes "yes|no|true|false|on|off|1|0".  RS_ENOTFOUND for an
 * unknown key, RS_EINVAL for a value that breaks the key's rule or a key
 * given twice in the file, RS_ETOOBIG for a value over its cap; err holds
 * the reason without file or line.
 */
RS_NODISCARD rs_status rs_config_set(struct rs_config *c, const char *key, const char *value,
                                     bool from_file, uint32_t line, char *err, size_t errlen);

/*
 * Parses the options of `serve` (argv[0] is "serve"; getopt_long, every key
 * as --KEY, plus --config FILE).  *config_file gets --config's value, or
 * NULL.  RS_EINVAL with err set for an unknown option, a missing argument,
 * a stray argument or a value rs_config_set refuses (a usage error).
 */
RS_NODISCARD rs_status rs_config_args(struct rs_config *c, int argc, char **argv,
                                      const char **config_file, char *err, size_t errlen);

/*
 * Reads the config file at path (see above) into c, after rs_config_args.
 * RS_EIO when it cannot be read, RS_EINVAL/RS_ENOTFOUND/RS_ETOOBIG for its
 * content; err holds "path:line: reason" or "path: reason".
 */
RS_NODISCARD rs_status rs_config_file(struct rs_config *c, const char *path, char *err,
                                      size_t errlen);

/*
 * Checks what needs every key at once (db given; tls-cert with tls-key;
 * plaintext without them), splits listen into srv.host and srv.port, and
 * fills frameworks from rs_paths_frameworks when no key set it.  RS_EINVAL
 * with err set for a missing or contradictory setting; what
 * rs_paths_frameworks returns when no framework folder is found.
 */
RS_NODISCARD rs_status rs_config_finish(struct rs_config *c, char *err, size_t errlen);

#endif

/*
 * rs_config_args.c - the options of `resettled serve`: every key of the
 * table as --KEY (rs_config.h), plus --config FILE.
 *
 * --framework-dir DIR is accepted as the older spelling of --frameworks.
 *
 * Does not: read the config file (rs_config_file.c) or decide defaults
 * (rs_config.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "rs_config.h"

#define OPT_CONFIG 1000
#define OPT_FRAMEWORK_DIR 1001

rs_status rs_config_args(struct rs_config *c, int argc, char **argv, const char **config_file,
                         char *err, size_t errlen)
{
    struct option opts[40];
    size_t n, no = 0;
    const struct rs_config_key *k = rs_config_keys(&n);
    int ch;
    rs_status rc;

    *config_file = NULL;
    if (n + 3 > sizeof(opts) / sizeof(opts[0])) {
        snprintf(err, errlen, "too many keys for the option table");
        return RS_EINTERNAL;
    }
    for (size_t i = 0; i < n; i++)
        opts[no++] = (struct option){k[i].name, k[i].arg ? required_argument : no_argument,
                                     NULL, (int)i};
    opts[no++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
    opts[no++] = (struct option){"framework-dir", required_argument, NULL, OPT_FRAMEWORK_DIR};
    opts[no] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *key, *value = optarg;

        if (ch == OPT_CONFIG) {
            *config_file = optarg;
            continue;
        }
        if (ch == OPT_FRAMEWORK_DIR) {
            key = "frameworks";
        } else if (ch >= 0 && (size_t)ch < n) {
            key = k[ch].name;
            if (!k[ch].arg)
                value = "yes";
        } else {
            snprintf(err, errlen, "unknown option, or one without its value: %s",
                     argv[optind - 1]);
            return RS_EINVAL;
        }
        rc = rs_config_set(c, key, value, false, 0, err, errlen);
        if (rc)
            return RS_EINVAL;
    }
    if (optind != argc) {
        snprintf(err, errlen, "unexpected argument %s", argv[optind]);
        return RS_EINVAL;
    }
    return RS_OK;
}

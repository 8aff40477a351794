/*
 * rs_eval_dataset.h - the records of one year that the evaluation reads.
 *
 * A dataset is what rs_eval_run (rs_eval.h) evaluates: the current records
 * of one year, added one packed record at a time, and the names of the
 * offices.  Adding is the only costly step of a report over a million
 * records, so the dataset keeps what the evaluation needs and no more (see
 * struct rs_eval_dataset).  Also here: the sizes of the generated enums the
 * evaluation indexes its arrays by, each checked against resettle.proto at
 * compile time and by test_eval against the enum descriptors.
 *
 * Does not: compute figures (rs_eval.h), read the store (rs_report_build.h),
 * or validate records (the server validated them before storing them).
 */
#ifndef RS_EVAL_DATASET_H
#define RS_EVAL_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resettle.pb-c.h"
#include "rs_status.h"

#define RS_EVAL_MAX_RECORDS 5000000    /* per dataset, kept and folded */
#define RS_EVAL_MAX_BYTES ((size_t)1 << 30)    /* per dataset: its arena and tables */
#define RS_EVAL_MAX_OFFICES 4096
#define RS_EVAL_CODE_MAX 15            /* bytes of a division code */
#define RS_EVAL_NAME_MAX 127           /* bytes of an office name */
#define RS_EVAL_MAX_REPEAT_GROUPS 256  /* (division, type) groups of repeats kept */

/* Sizes of the enums arrays are indexed by: one more than the largest value. */
#define RS_EVAL_NBODY 49               /* Rs__Record__BodyCase values 0..48 */
#define RS_EVAL_NCAT 12                /* ProjectCategory values 0..11 */
#define RS_EVAL_NLINES 8               /* BudgetLineKind values 0..7 */
#define RS_EVAL_NSANGONG 6             /* SanGongKind values 0..5 */
/* The parts of the budget and of 三公 are the kinds before their total. */
#define RS_EVAL_LINE_TOTAL ((size_t)RS__BUDGET_LINE_KIND__LINE_TOTAL)
#define RS_EVAL_SG_TOTAL ((size_t)RS__SAN_GONG_KIND__SG_TOTAL)
#define RS_EVAL_NRKIND 5               /* ReliefKind values 0..4 */

/* Each size against the largest value resettle.proto has today.  A value
 * added after it fails test_eval, which walks the enum descriptors. */
_Static_assert(RS__RECORD__BODY_STATED_FIGURE == RS_EVAL_NBODY - 1, "RS_EVAL_NBODY");
_Static_assert(RS__PROJECT_CATEGORY__CAT_OTHER == RS_EVAL_NCAT - 1, "RS_EVAL_NCAT");
_Static_assert(RS__BUDGET_LINE_KIND__LINE_TOTAL == RS_EVAL_NLINES - 1, "RS_EVAL_NLINES");
_Static_assert(RS__SAN_GONG_KIND__SG_TOTAL == RS_EVAL_NSANGONG - 1, "RS_EVAL_NSANGONG");
_Static_assert(RS__RELIEF_KIND__RKIND_OTHER == RS_EVAL_NRKIND - 1, "RS_EVAL_NRKIND");

struct rs_eval_office {
    char code[RS_EVAL_CODE_MAX + 1];
    char name[RS_EVAL_NAME_MAX + 1];
};

/*
 * Township records of one (division, type) whose natural key an earlier
 * record of the year already had: the same record stored twice under two
 * ids.  Counted once, with the content read last (rs_eval_dataset_add_packed).
 */
struct rs_eval_repeat {
    char division[RS_EVAL_CODE_MAX + 1];
    Rs__Record__BodyCase type;
    uint32_t same;                     /* with the same content (relief: the same amount) */
    uint32_t changed;                  /* with other content: the later one counts */
    char example[160];                 /* the first repeated record, labelled */
};

/* The records of one body type, in the order added. */
struct rs_eval_list {
    const Rs__Record **rec;            /* owned array; the records belong to the dataset */
    size_t n, cap;
};

struct rs_eval_mem;                    /* the dataset's memory (rs_eval_data.h) */

/*
 * The records of one year.  Fields are read-only for everyone but the
 * dataset's own files (rs_eval_data.h names them).
 *
 * Records are unpacked into the dataset's arena: large blocks that a bump
 * pointer fills and rs_eval_dataset_free releases at once, so holding a
 * million records costs neither a million mallocs nor a million frees.
 *
 * A relief record with a household_ref is not kept: its amount, kind and
 * delivery are added to its division's sums and its household to the set
 * of distinct (division, household_ref), which is all the evaluation reads
 * of it (counted in `folded`).  Relief records without a household_ref are
 * kept, for the checker names each one.  So a year of mostly relief costs
 * a few bytes per record, not hundreds.
 *
 * A township record whose natural key (division, type and rs_record_key)
 * an earlier record already had is the same record submitted again under a
 * new id (a file imported into a fresh outbox): it takes the earlier one's
 * place, so the key counts once with the content read last, and it is
 * listed in `repeats`.
 *
 * Caps: RS_EVAL_MAX_RECORDS records (kept and folded), and max_bytes of
 * arena and tables; past either, adding answers RS_ETOOBIG.
 */
struct rs_eval_dataset {
    uint32_t year;
    Rs__Record **rec;                  /* kept, in the order added (owned array; records in mem) */
    size_t n, cap;
    struct rs_eval_list by_body[RS_EVAL_NBODY];    /* the same records by r->body_case */
    size_t folded;                     /* relief records with a household_ref: summed, not kept */
    size_t repeated;                   /* records that took an earlier one's natural key */
    struct rs_eval_repeat *repeats;    /* owned; by (division, type), in order of appearance */
    size_t nrepeats;
    size_t repeats_dropped;            /* repeats of groups past RS_EVAL_MAX_REPEAT_GROUPS */
    struct rs_eval_office *offices;    /* owned */
    size_t noffices, offcap;
    size_t ignored;                    /* records of another year or no body */
    size_t max_bytes;                  /* RS_EVAL_MAX_BYTES unless lowered before adding */
    struct rs_eval_mem *mem;           /* owned */
};

/* A new empty dataset for `year`.  On RS_OK the caller owns *out and frees
 * it with rs_eval_dataset_free; RS_ENOMEM.  Any thread. */
RS_NODISCARD rs_status rs_eval_dataset_new(uint32_t year, struct rs_eval_dataset **out);

/* Frees the dataset, every record in it and its arena at once; NULL is
 * allowed.  Every pointer into the dataset dies with it. */
void rs_eval_dataset_free(struct rs_eval_dataset *ds);

/*
 * Unpacks the packed Rs__Record body[0..len) straight into the dataset's
 * arena (body stays the caller's).  A record of another year or without a
 * body is counted in ds->ignored and not kept (its arena bytes are given
 * back); a relief record with a household_ref is folded (see above).
 * RS_EINVAL if body does not decode (nothing counted), RS_ETOOBIG past
 * RS_EVAL_MAX_RECORDS or past ds->max_bytes, RS_ENOMEM; after a failure
 * the record is not in the dataset, which stays usable.  One thread at a
 * time per dataset.
 */
RS_NODISCARD rs_status rs_eval_dataset_add_packed(struct rs_eval_dataset *ds, const uint8_t *body,
                                                  size_t len);

/* The kept records whose r->body_case is `body`, in the order added (an
 * empty list for a body case out of range).  Borrowed from ds. */
const struct rs_eval_list *rs_eval_dataset_of(const struct rs_eval_dataset *ds,
                                              Rs__Record__BodyCase body);

/* Bytes the dataset holds against max_bytes: its arena and tables. */
size_t rs_eval_dataset_bytes(const struct rs_eval_dataset *ds);

/* Names a division (office code -> name); both copied, cut to their caps.
 * RS_EINVAL if either is NULL, RS_ETOOBIG past RS_EVAL_MAX_OFFICES,
 * RS_ENOMEM. */
RS_NODISCARD rs_status rs_eval_dataset_office(struct rs_eval_dataset *ds, const char *code,
                                              const char *name);

/* The division's display name from the offices ("金鹗山街道"), or the
 * code itself if no office names it.  Borrowed from ds or code. */
const char *rs_eval_division_name(const struct rs_eval_dataset *ds, const char *code);

#endif

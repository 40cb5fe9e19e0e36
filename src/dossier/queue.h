/* queue: the officers' lists of dossiers: new, due today, due soon,
 * overdue, waiting for a supplement, waiting for approval, assigned to me,
 * all active, all. Always limited to the units where the officer may read
 * dossiers (a role with dossier.read on the unit or above it): a dossier of
 * another commune is never listed or counted. */
#ifndef MOTCUA_QUEUE_H
#define MOTCUA_QUEUE_H

#include <jansson.h>
#include <stdint.h>

struct store;

/* Is view one of the known list names? */
int queue_view_valid(const char *view);

/* {"items":[...], "total":N, "counts":{view: N, ...}}, or NULL on error.
 * q (optional) matches the code or the applicant's name. */
json_t *queue_json(struct store *db, int64_t account_id, const char *view, const char *q,
                   int limit, int offset, int64_t now);

#define QUEUE_PATH_MAX 512

/* Optional filters, for the reports' drill-down: the dossiers behind a
 * figure. Every member is optional (NULL or 0). */
struct queue_filter {
    const char *unit_path; /* units.path: received by this unit or one below it */
    const char *channel;   /* "online", "desk", "post" */
    const char *result;    /* "early", "on_time", "late": finished with that result */
    int64_t from, to;      /* [from, to), Unix seconds: submitted in it, or finished in it
                            * when result is set */
};

/* Is result one of "early", "on_time", "late"? */
int queue_result_valid(const char *result);

/* queue_json with filters applied to the list and to the counts. */
json_t *queue_json_filtered(struct store *db, int64_t account_id, const char *view, const char *q,
                            const struct queue_filter *filter, int limit, int offset, int64_t now);

/* The officer's view of one dossier: the owner's view plus the applicant,
 * the state's title and clock, the first appointment, the unit holding it,
 * the assignee, and the units that held it. */
json_t *queue_dossier_json(struct store *db, int64_t dossier_id);

#endif

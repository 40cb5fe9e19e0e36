/* changes: what must happen in the same transaction whenever a dossier's
 * state changes (submission or a workflow step): the modules that keep
 * something up to date from dossier changes (statistics counters, payment
 * requests, ...) each add one call here, so the workflow code does not grow
 * a list of them. Runs inside the write job, after the dossier row and its
 * event are written. */
#ifndef MOTCUA_CHANGES_H
#define MOTCUA_CHANGES_H

#include <stdint.h>

struct store;

struct dossier_change {
    int64_t dossier_id;
    const char *action;     /* "submit", "accept", ... */
    const char *from_state; /* "draft" for a submission */
    const char *to_state;
    int from_status, to_status; /* national status codes (0 for a draft) */
    int64_t at;             /* Unix seconds */
    int64_t actor_id;       /* 0 for the system */
};

/* Returns 0, or a store error (the job then rolls back). */
int dossier_changed(struct store *db, const struct dossier_change *c);

#endif

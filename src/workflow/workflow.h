/* workflow: the dossier state machine, as data. Each procedure names a
 * workflow (data/workflows.json, stored in workflow_states and
 * workflow_transitions): its states map to the national status codes and
 * say whether the processing clock runs, is paused or has stopped; its
 * transitions say who may take each action (the owner, an officer holding a
 * permission on the dossier's unit or above: auth/permission.h, or the
 * system), and what the
 * step needs (a note, an assignee, a target unit).
 *
 * workflow_step_job applies one action as a writer job: it checks the actor
 * and the state, moves the clock (pausing keeps the working time left;
 * resuming gives a new appointment from it, and the first appointment is
 * kept), records the event, the unit holding the dossier and the audit
 * entry. */
#ifndef MOTCUA_WORKFLOW_H
#define MOTCUA_WORKFLOW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;
struct cal;
struct dossier;

/* Loads {"workflows":[...]} and {"roles":[...]}, checking them, replacing
 * what is stored under the same names. Inside the caller's transaction;
 * -1 with a reason in err. */
int workflow_load_json(struct store *db, const char *text, size_t len, char *err, size_t errlen);
int roles_load_json(struct store *db, const char *text, size_t len, char *err, size_t errlen);

enum actor_kind { ACTOR_OWNER, ACTOR_STAFF, ACTOR_SYSTEM };

/* Longest note of a step, in characters (the buffer holds it in UTF-8). */
#define WORKFLOW_NOTE_MAX 1000

struct workflow_step {
    int64_t dossier_id;
    char action[48];
    enum actor_kind actor;
    int64_t actor_id;          /* the account; 0 for the system */
    char note[WORKFLOW_NOTE_MAX * 4 + 1];
    char assignee[64];         /* login of the officer, for param "assignee" */
    char unit_code[64];        /* for param "unit" */
    const struct cal *cal;
    int64_t now;
    struct derr err;           /* OUT */
    char new_state[24];        /* OUT */
};

int workflow_step_job(struct store *db, void *arg);

/* Does the officers' step action, from the dossier's state now, sign the
 * result (its transition has signs_result)? 1 with the permission it needs
 * copied to permission, 0 (no such staff step, or one that signs nothing),
 * or a store error. Reads only: the handler asks before the step, to sign
 * first (docs/signatures.md). */
int workflow_step_signs(struct store *db, const struct dossier *d, const char *action,
                        char *permission, size_t cap);

/* The actions this actor may take on the dossier now:
 * [{action, title, needs_note, param}]. */
json_t *workflow_actions_json(struct store *db, const struct dossier *d, enum actor_kind actor,
                              int64_t actor_id);

/* Title and clock ("none", "running", "paused", "stopped") of a state of the
 * dossier's workflow. Returns STORE_ROW or STORE_DONE. */
int workflow_state_info(struct store *db, const struct dossier *d, const char *state,
                        char *title, size_t titlecap, char *clock, size_t clockcap);

#endif

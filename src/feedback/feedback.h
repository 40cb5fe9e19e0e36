/* feedback: complaints and suggestions (phản ánh, kiến nghị) from citizens
 * about a unit's handling of procedures, optionally about one of their
 * dossiers: received, assigned to an officer, answered within
 * FEEDBACK_WORKING_DAYS working days by the calendar, and rated by the
 * citizen. Write operations are writer jobs with their audit entry. */
#ifndef MOTCUA_FEEDBACK_H
#define MOTCUA_FEEDBACK_H

#include <jansson.h>
#include <stdint.h>

#include "base/derr.h"

struct store;
struct cal;

#define FEEDBACK_WORKING_DAYS 10
#define FEEDBACK_SUBJECT_MAX 200  /* characters */
#define FEEDBACK_CONTENT_MAX 4000 /* characters */

struct feedback_new {
    const char *kind;     /* "complaint" or "suggestion" */
    int64_t account_id, unit_id, dossier_id; /* dossier_id 0: none */
    char subject[FEEDBACK_SUBJECT_MAX * 4 + 1];
    char content[FEEDBACK_CONTENT_MAX * 4 + 1];
    const struct cal *cal;
    int64_t now;
    int64_t id;           /* OUT */
};
int feedback_create_job(struct store *db, void *arg);

/* An officer's step: assign (assignee_id set) or answer (answer set). */
struct feedback_step {
    int64_t id, officer_id;
    int64_t assignee_id;  /* assign */
    char answer[FEEDBACK_CONTENT_MAX * 4 + 1]; /* answer */
    int64_t now;
    struct derr err;      /* OUT */
};
int feedback_assign_job(struct store *db, void *arg);
int feedback_answer_job(struct store *db, void *arg);

/* The citizen rates the answer, once. */
struct feedback_rating {
    int64_t id, account_id;
    char level[24];
    int64_t now;
    struct derr err;      /* OUT */
};
int feedback_rate_job(struct store *db, void *arg);

/* The unit a feedback item is about (for scope checks); STORE_ROW or not. */
int feedback_unit(struct store *db, int64_t id, int64_t *unit_id, int64_t *account_id);

/* JSON: one item (with the answer and on_time; with_sender: the sender's
 * name, phone and e-mail, for officers), the citizen's list, and an
 * officer's list (with senders) of the items of the units they may read
 * (view "open", "overdue" or "all"). */
json_t *feedback_json(struct store *db, int64_t id, int with_sender);
json_t *feedback_list_json(struct store *db, int64_t account_id);
json_t *feedback_staff_list_json(struct store *db, int64_t officer_id, const char *view,
                                 int64_t now, int limit, int offset);

#endif

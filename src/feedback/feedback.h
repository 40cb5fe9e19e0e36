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

/* A citizen sends an item: stored with its answer date (due_at) and its
 * search key (subject, content and the sender's name, folded). */
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
    char assignee[64];    /* assign: the officer's login; refused (422
                             assignee_not_allowed) unless an enabled officer
                             with dossier.process on the item's unit */
    char answer[FEEDBACK_CONTENT_MAX * 4 + 1]; /* answer */
    int64_t now;
    struct derr err;      /* OUT */
};
int feedback_assign_job(struct store *db, void *arg);
/* Whether officer reaches item id (dossier.read on its unit or above) and,
 * unless permission is NULL, holds permission there: 0, or -1 with
 * not_found (404) or forbidden (403) in err. The steps' jobs check it
 * themselves; the officers' reads ask it first. */
int feedback_officer_check(struct store *db, int64_t id, int64_t officer,
                           const char *permission, struct derr *err);
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

/* JSON: one item (with the answer, on_time and answer_within_working_days;
 * with_sender: the sender's name, phone and e-mail, for officers) and the
 * citizen's list ({items, answer_within_working_days}). The caller owns
 * the result; NULL on a database error (feedback_json: or no such item). */
json_t *feedback_json(struct store *db, int64_t id, int with_sender);
json_t *feedback_list_json(struct store *db, int64_t account_id);

/* The officers' list, always limited to the units under one where the
 * officer holds dossier.read: items of another commune are never listed
 * nor counted. Views: "open" (not answered), "to_assign" (received, not
 * assigned), "mine" (assigned to the officer, not answered), "due_soon"
 * (not answered, due from now to the end of the local day after tomorrow),
 * "overdue" (not answered, past due), "answered", "all". */
#define FEEDBACK_Q_MAX 100 /* characters of a search */

struct feedback_query {
    int64_t officer_id;
    const char *view; /* one of the views above (feedback_view_valid) */
    const char *kind; /* "complaint", "suggestion", or NULL for both */
    const char *q;    /* NULL or "": no search; else folded (không dấu) and
                       * matched inside the subject, content or sender's
                       * name, inside the dossier's code as typed, or equal
                       * to the item's number when all digits */
    int limit, offset;
    int64_t now;
};

/* Is view one of the officers' views? */
int feedback_view_valid(const char *view);

/* {items, total, counts: {view: N for every view}, answer_within_working_days}:
 * the page [offset, offset + limit) of the view, sorted by due date (the
 * answered ones last, the latest answered first); kind and q apply to the
 * items, the total and every count; total is the view's count. The caller
 * owns the result; NULL on a database error. */
json_t *feedback_staff_list_json(struct store *db, const struct feedback_query *fq);

#endif

/* dossier: a citizen's dossier (hồ sơ) from draft to submission and
 * withdrawal: the e-form data, attachments, the dossier code
 * {unit code}-{yyMMdd}-{NNNN}, the appointment (ngày hẹn trả kết quả) and
 * the history of status changes. Write operations run as writer jobs (one
 * transaction with their audit entry); reads use any connection. */
#ifndef MOTCUA_DOSSIER_H
#define MOTCUA_DOSSIER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "dossier/status.h"

struct store;
struct cal;

#define DOSSIER_MAX_FILES 30
#define DOSSIER_MAX_BYTES (100 * 1024 * 1024)
#define DOSSIER_FILE_NAME_MAX 100

struct dossier {
    int64_t id;
    char code[96];        /* "" while a draft */
    int64_t procedure_id, unit_id, owner_id;
    char channel[8];
    char state[24];
    int status_code;      /* 0 for a draft */
    int64_t created_at, submitted_at, due_at;
    int64_t current_unit_id;  /* the unit holding it now (forwarding moves it) */
    int64_t assignee_id;      /* 0 if nobody */
    int64_t first_due_at;     /* the first appointment, kept when a new one is given */
    int64_t remaining_minutes; /* working time left while the clock is paused, or -1 */
    char resume_state[24];    /* where a paused dossier goes back to */
    int64_t finished_at;
    char workflow[32];
    int64_t received_by;      /* the officer who registered it at the desk, or 0 */
};

/* Finds a dossier by numeric id or by code. owner_id limits it to that
 * owner's dossiers (0: any). Returns STORE_ROW, STORE_DONE or an error. */
int dossier_find(struct store *db, const char *id_or_code, int64_t owner_id, struct dossier *out);

/* Checks a file name: [A-Za-z0-9._-]{1,100}, not starting with a dot. */
int dossier_file_name_valid(const char *name);

/* --- write jobs: each takes its argument struct ----------------------- */

/* A new draft. Refusals: unknown_procedure (404, "procedure_code"),
 * unknown_unit (404, "unit_code"; for a walk-in also a unit where the
 * officer does not hold dossier.walkin), unit_not_handling (422). */
struct dossier_create {
    const char *procedure_code, *unit_code;
    int64_t owner_id;       /* the citizen's account online; 0 for a walk-in */
    int64_t received_by;    /* the officer registering a walk-in, or 0 (online) */
    const char *channel;    /* "online", "desk" or "post" */
    /* A walk-in's applicant, as told at the desk (online: from the account).
     * The ID number is kept; it never links the dossier to the account
     * registered under it (see dossier_claim_job). */
    const char *applicant_id_number;
    const char *applicant_name, *applicant_phone, *applicant_email, *applicant_address;
    struct derr err; /* OUT */
    int64_t id;      /* OUT */
};
int dossier_create_job(struct store *db, void *arg);

/* A walk-in's applicant follows it online with the claim code printed on
 * the receipt (mã nhận hồ sơ): DOSSIER_CLAIM_LEN characters of an alphabet
 * without look-alikes, shown as XXXX-XXXX. Submission gives a walk-in
 * without an owner its code; claiming makes the claiming citizen its owner
 * and clears the code. A wrong dossier code, a wrong claim code and a
 * dossier already claimed are all refused alike: not_found (404). */
#define DOSSIER_CLAIM_LEN 8
struct dossier_claim {
    char code[96];        /* the dossier's code */
    char claim_code[32];  /* as typed: case, spaces and dashes do not count */
    int64_t account_id;   /* the citizen claiming it */
    int64_t id;           /* OUT: the dossier */
    struct derr err;      /* OUT */
};
int dossier_claim_job(struct store *db, void *arg);

/* The claim code of a walk-in not claimed yet, as printed ("ABCD-EFGH"),
 * into out (at least 10 bytes); "" if it has none. 0 or a store error. */
int dossier_claim_code(struct store *db, int64_t id, char *out, size_t cap);

/* Which draft a job works on and who acts: owner_id limits the dossier to
 * that owner (0: the caller checked access, e.g. an officer's walk-in
 * draft) and actor_id is who acts (0: the owner). A walk-in the desk is
 * registering (received_by set, no code yet) is the registering officer's
 * until it is submitted: anyone else, its linked citizen included, is
 * refused (409 desk_draft). */
struct dossier_target {
    int64_t id, owner_id, actor_id;
};

/* The first member of the draft jobs' arguments below: the target, by its
 * fields (a->id, a->owner_id, a->actor_id) or whole (a->to). */
#define DOSSIER_TARGET                                                                             \
    union {                                                                                        \
        struct dossier_target to;                                                                  \
        struct {                                                                                   \
            int64_t id, owner_id, actor_id;                                                        \
        };                                                                                         \
    }

struct dossier_save_form {
    DOSSIER_TARGET;
    json_t *form;       /* borrowed: already checked against the schema */
    struct derr err;    /* OUT */
};
int dossier_save_form_job(struct store *db, void *arg);

/* Adding a file: to a draft, or during a supplement request (a new name
 * only); document_key, if not "", must be one of the procedure's
 * documents (422 unknown_document). */
struct dossier_file_op {
    DOSSIER_TARGET;
    char name[DOSSIER_FILE_NAME_MAX + 1];
    char document_key[65];
    char content_type[32];
    int64_t size;
    char sha256[65];
    struct derr err;    /* OUT */
};
int dossier_add_file_job(struct store *db, void *arg);

/* Whether the file a describes (its name, document key and size so far)
 * may be added now: a draft the actor may change, or a dossier waiting for
 * a supplement (under a new name); a document its procedure lists; room
 * within the dossier's limits. Reads only: the upload handler asks before
 * the body comes, and dossier_add_file_job again in its transaction.
 * Returns 0 with OUT: *supplement_event (the open request's event id, or
 * 0), or -1 with the refusal in a->err. */
int dossier_file_admissible(struct store *db, struct dossier_file_op *a,
                            int64_t *supplement_event);

/* The two kinds of a dossier's files: what the applicant handed in
 * (dossier_files) and the result documents officers attach
 * (dossier_results, dossier/results.h). */
enum dossier_files { DOSSIER_FILES_HANDED_IN, DOSSIER_FILES_RESULTS };

/* Is there room on the dossier for one more file of this kind, of size
 * bytes, named name (a file of that name is replaced: it does not count)?
 * The limits: DOSSIER_MAX_FILES and DOSSIER_MAX_BYTES for what was handed
 * in, RESULTS_MAX_FILES and RESULTS_MAX_BYTES for results. Returns 0, or
 * -1 with the refusal in err: too_many_files (422), dossier_too_large or
 * results_too_large (413), internal. */
int dossier_files_room(struct store *db, enum dossier_files kind, int64_t id, const char *name,
                       int64_t size, struct derr *err);
int dossier_remove_file_job(struct store *db, void *arg);

/* Deletes the dossier's file of this kind and name. Returns 0, or -1 with
 * the refusal in err: not_found (404, no such file), internal. */
int dossier_file_delete(struct store *db, enum dossier_files kind, int64_t id, const char *name,
                        struct derr *err);

/* A file of the dossier by name, of one kind: OUT sha256 (65 bytes) and
 * content_type (32 bytes). Returns STORE_ROW, STORE_DONE or an error. */
int dossier_file_find(struct store *db, enum dossier_files kind, int64_t id, const char *name,
                      char *sha256, char *content_type);

/* How many dossiers have each national status (counts[0]: drafts), for
 * the metrics. OUT: counts. Returns 0 or a store error. */
int dossier_count_by_status(struct store *db, int64_t counts[STATUS_MAX + 1]);

struct dossier_submit {
    DOSSIER_TARGET;
    const struct cal *cal;
    int today_ymd;      /* for "today" limits in the form */
    int64_t now;        /* the time of receipt, Unix seconds */
    struct derr err;    /* OUT */
};
int dossier_submit_job(struct store *db, void *arg);

/* The dossier's e-form data: a new reference (the caller owns it), or
 * NULL if there is none or on error. */
json_t *dossier_form(struct store *db, int64_t id);

/* Appends an event to the dossier's history (its status changes). */
int dossier_add_event(struct store *db, int64_t id, int64_t at, const char *action,
                      const char *from_state, const char *state, int status, const char *note,
                      int64_t actor_id, int64_t unit_id);

/* --- JSON for the API -------------------------------------------------- */

/* The owner's view: everything, with form, files and history when full. */
json_t *dossier_json(struct store *db, const struct dossier *d, int full);
/* The owner's list, newest first. */
json_t *dossier_list_json(struct store *db, int64_t owner_id, int limit, int offset);
/* The public lookup: status, history, appointment, unit; no personal data.
 * NULL if the code is unknown or the dossier is still a draft. */
json_t *dossier_lookup_json(struct store *db, const char *code);


#endif

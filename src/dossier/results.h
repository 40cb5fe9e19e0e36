/* results: result documents officers attach to a dossier (kết quả giải
 * quyết: the signed decision, certificate or extract, as a PDF or a scan).
 * They are attached while the dossier is processed or done (national status
 * 4 or 9), never after the result was returned, and the applicant
 * downloads them once it was (status 10). Files live in the file store;
 * the table dossier_results (db/009_results.sql) names them. */
#ifndef MOTCUA_RESULTS_H
#define MOTCUA_RESULTS_H

#include <jansson.h>
#include <stdint.h>

#include "base/derr.h"
#include "dossier/dossier.h"

#define RESULTS_MAX_FILES 10
#define RESULTS_MAX_BYTES (50 * 1024 * 1024)

/* Adding (or replacing, by name) and removing a result file, as one
 * officer. The job checks that the officer sees the dossier (not_found),
 * may process or approve it where it is held (forbidden) and that its
 * status allows it (results_closed). */
struct result_file_op {
    int64_t dossier_id, actor_id;
    char name[DOSSIER_FILE_NAME_MAX + 1];
    char content_type[32];
    int64_t size;
    char sha256[65];
    int create_only;     /* refuse (409 file_exists) rather than replace a file of that name */
    int64_t uploaded_at; /* OUT */
    struct derr err;     /* OUT */
};
int result_add_job(struct store *db, void *arg);
/* What result_add_job checks before it writes (the officer, the status, a
 * name already taken when create_only, the room left for a->size bytes),
 * reading only: the upload handler asks before the body comes. 0, or -1
 * with the refusal in a->err. */
int result_admissible(struct store *db, struct result_file_op *a);
int result_remove_job(struct store *db, void *arg);

/* [{name, content_type, size, sha256, uploaded_at}] in the order first
 * attached (a replaced file keeps its place), or
 * NULL on a store error. */
json_t *results_json(struct store *db, int64_t dossier_id);

#endif

/* rating: the citizen's rating of the service after the result was returned
 * (status 10): Rất hài lòng, Hài lòng or Không hài lòng, with a comment;
 * once per dossier, by its owner. A rating counts into the satisfaction
 * figures of the reports (the stat_* counters) in the same transaction. */
#ifndef MOTCUA_RATING_H
#define MOTCUA_RATING_H

#include <jansson.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

#define RATING_COMMENT_MAX 1000 /* characters */

/* 1 if level is "rat_hai_long", "hai_long" or "khong_hai_long". */
int rating_level_valid(const char *level);

/* The Vietnamese name of a level ("Rất hài lòng", ...), or NULL. */
const char *rating_level_title(const char *level);

struct rating_job {
    int64_t dossier_id;
    int64_t owner_id;  /* the account rating: must own the dossier */
    char level[16];
    char comment[RATING_COMMENT_MAX * 4 + 1];
    int64_t now;
    struct derr err;   /* OUT */
};

/* Writer job: records the rating, its counters and its audit entry.
 * Refusals: not_found (not the owner's), not_returned (status is not 10),
 * already_rated. Returns 0 or -1 with err set. */
int rating_job(struct store *db, void *arg);

/* {"rating": {level, title, comment, rated_at} or null, "can_rate": bool}
 * for a dossier whose ownership the caller checked; NULL on a store error. */
json_t *rating_json(struct store *db, int64_t dossier_id);

#endif

/* rating: recording a citizen's rating and reading it back. */
#include "report/rating.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "calendar/calendar.h"
#include "dossier/status.h"
#include "report/stats.h"
#include "store/store.h"

static const struct {
    const char *level, *title;
    int fig;
} levels[] = {
    {"rat_hai_long", "Rất hài lòng", STAT_RATED_VERY},
    {"hai_long", "Hài lòng", STAT_RATED_OK},
    {"khong_hai_long", "Không hài lòng", STAT_RATED_NOT},
};

static int level_index(const char *level)
{
    for (int i = 0; i < 3; i++)
        if (level && strcmp(level, levels[i].level) == 0)
            return i;
    return -1;
}

int rating_level_valid(const char *level) { return level_index(level) >= 0; }

const char *rating_level_title(const char *level)
{
    int i = level_index(level);
    return i >= 0 ? levels[i].title : NULL;
}

int rating_job(struct store *db, void *arg)
{
    struct rating_job *j = arg;
    struct store_stmt *st;
    int li = level_index(j->level);
    if (li < 0)
        return derr_set(&j->err, DERR_INVALID, "invalid_level", "Mức đánh giá không hợp lệ",
                        "level");
    int rc = store_prepare_all(db,
                               "SELECT coalesce(d.owner_id, 0), coalesce(d.status_code, 0),"
                               " EXISTS (SELECT 1 FROM dossier_ratings r WHERE r.dossier_id = d.id)"
                               " FROM dossiers d WHERE d.id = ?",
                               &st, BIND_INT(j->dossier_id));
    if (rc)
        return derr_set(&j->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    int64_t owner = 0, status = 0, rated = 0;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        owner = store_col_int(st, 0);
        status = store_col_int(st, 1);
        rated = store_col_int(st, 2);
    }
    store_done(st);
    if (rc < 0)
        return derr_set(&j->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc != STORE_ROW || owner == 0 || owner != j->owner_id)
        return derr_set(&j->err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    if (rated)
        return derr_set(&j->err, DERR_STATE, "already_rated",
                        "Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần", NULL);
    if (status != STATUS_RETURNED)
        return derr_set(&j->err, DERR_STATE, "not_returned",
                        "Chỉ đánh giá được sau khi đã nhận kết quả giải quyết hồ sơ", NULL);

    rc = store_prepare(db,
                       "INSERT INTO dossier_ratings(dossier_id, level, comment, account_id,"
                       " rated_at) VALUES (?, ?, ?, ?, ?)",
                       &st);
    if (rc == 0) {
        store_bind_int(st, 1, j->dossier_id);
        store_bind_text(st, 2, levels[li].level);
        store_bind_text(st, 3, j->comment);
        store_bind_int(st, 4, j->owner_id);
        store_bind_int(st, 5, j->now);
        rc = store_step(st);
        store_done(st);
        rc = rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
    }
    if (rc == 0) {
        int64_t delta[STAT_NFIGS] = {0};
        delta[levels[li].fig] = 1;
        rc = stats_add_for_dossier(db, j->dossier_id, j->now, delta);
    }
    if (rc == 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"level\":\"%s\"}", levels[li].level);
        rc = audit_object(db, j->owner_id, "dossier.rate", "dossier", j->dossier_id, detail);
    }
    if (rc)
        return derr_set(&j->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return 0;
}

json_t *rating_json(struct store *db, int64_t dossier_id)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT coalesce(d.status_code, 0), r.level, r.comment, r.rated_at"
                          " FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id"
                          " WHERE d.id = ?",
                          &st, BIND_INT(dossier_id)))
        return NULL;
    int rc = store_step(st);
    json_t *o = NULL;
    if (rc == STORE_ROW) {
        int rated = !store_col_is_null(st, 1);
        json_t *r = json_null();
        if (rated) {
            const char *level = store_col_text(st, 1);
            const char *title = rating_level_title(level);
            r = json_pack("{s:s, s:s, s:s, s:o}", "level", level, "title", title ? title : "",
                          "comment", store_col_text(st, 2), "rated_at",
                          cal_json_iso(store_col_int(st, 3)));
        }
        o = json_pack("{s:o, s:b}", "rating", r, "can_rate",
                      !rated && store_col_int(st, 0) == 10);
    }
    store_done(st);
    return o;
}

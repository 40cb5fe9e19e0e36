/* results: the officers' result documents of a dossier. */
#include "dossier/results.h"

#include <stdio.h>
#include <stdlib.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
#include "store/store.h"


/* Results change while the dossier is processed (4) or done (9), by an
 * officer who sees it and may process or approve it where it is held. */
static int check_status(struct store *db, int64_t dossier_id, int64_t actor, struct derr *err)
{
    struct dossier d;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)dossier_id);
    if (dossier_find(db, key, 0, &d) != STORE_ROW || !d.code[0] ||
        permission_sees(db, actor, d.unit_id, d.current_unit_id) != 1)
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    if (permission_can(db, actor, "dossier.process", d.current_unit_id) != 1 &&
        permission_can(db, actor, "dossier.approve", d.current_unit_id) != 1)
        return derr_set(err, DERR_FORBIDDEN, "forbidden",
                        "Vai trò của bạn không được đính kèm kết quả", NULL);
    if (d.status_code != STATUS_PROCESSING && d.status_code != STATUS_DONE)
        return derr_set(err, DERR_STATE, "results_closed",
                        d.status_code == STATUS_RETURNED
                            ? "Kết quả đã trả cho người nộp, không thể thay đổi"
                            : "Chỉ đính kèm kết quả khi hồ sơ đang xử lý hoặc đã xử lý xong",
                        NULL);
    return 0;
}

static int audit_result(struct store *db, int64_t actor, const char *action, int64_t dossier_id,
                        const char *name, const char *sha256)
{
    return audit_object_json(db, actor, action, "dossier", dossier_id,
                             sha256 ? json_pack("{s:s, s:s}", "file", name, "sha256", sha256)
                                    : json_pack("{s:s}", "file", name));
}

int result_admissible(struct store *db, struct result_file_op *a)
{
    if (check_status(db, a->dossier_id, a->actor_id, &a->err))
        return -1;
    if (a->create_only) {
        char sha[65], ctype[32];
        int found = dossier_file_find(db, DOSSIER_FILES_RESULTS, a->dossier_id, a->name, sha,
                                      ctype);
        if (found < 0)
            return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        if (found == STORE_ROW)
            return derr_set(&a->err, DERR_STATE, "file_exists",
                            "Đã có tệp kết quả cùng tên; hãy đặt tên khác", a->name);
    }
    return dossier_files_room(db, DOSSIER_FILES_RESULTS, a->dossier_id, a->name, a->size, &a->err);
}

int result_add_job(struct store *db, void *arg)
{
    struct result_file_op *a = arg;
    if (result_admissible(db, a))
        return -1;
    a->uploaded_at = now_unix();
    int rc = store_exec_all(db,
                            "INSERT INTO dossier_results(dossier_id, name, content_type, size,"
                            " sha256, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                            " ON CONFLICT(dossier_id, name) DO UPDATE SET"
                            " content_type = excluded.content_type, size = excluded.size,"
                            " sha256 = excluded.sha256, uploaded_by = excluded.uploaded_by,"
                            " uploaded_at = excluded.uploaded_at",
                            BIND_INT(a->dossier_id), BIND_TEXT(a->name), BIND_TEXT(a->content_type),
                            BIND_INT(a->size), BIND_TEXT(a->sha256), BIND_INT(a->actor_id),
                            BIND_INT(a->uploaded_at));
    if (rc == 0)
        rc = audit_result(db, a->actor_id, "dossier.result.add", a->dossier_id, a->name,
                          a->sha256);
    if (rc)
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return rc;
}

int result_remove_job(struct store *db, void *arg)
{
    struct result_file_op *a = arg;
    if (check_status(db, a->dossier_id, a->actor_id, &a->err))
        return -1;
    if (dossier_file_delete(db, DOSSIER_FILES_RESULTS, a->dossier_id, a->name, &a->err))
        return -1;
    int rc = audit_result(db, a->actor_id, "dossier.result.remove", a->dossier_id, a->name, NULL);
    if (rc)
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return rc;
}

json_t *results_json(struct store *db, int64_t dossier_id)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT name, content_type, size, sha256, uploaded_at FROM dossier_results"
                          " WHERE dossier_id = ? ORDER BY id",
                          &st, BIND_INT(dossier_id)))
        return NULL;
    json_t *list = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s, s:o}", "name",
                                              store_col_text(st, 0), "content_type",
                                              store_col_text(st, 1), "size",
                                              (json_int_t)store_col_int(st, 2), "sha256",
                                              store_col_text(st, 3), "uploaded_at",
                                              cal_json_iso(store_col_int(st, 4))));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}


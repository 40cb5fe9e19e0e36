/* send_more: more exchange recipients for an issued document
 * (document/send_more.h). */
#include "document/send_more.h"

#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "document/corrections.h"
#include "document/document.h"
#include "exchange/outbox.h"
#include "store/store.h"

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
}

static int read_list(struct store_stmt *st, void *out)
{
    *(json_t **)out = json_loads(store_col_text(st, 0), 0, NULL);
    return STORE_ROW;
}

/* The document's recipients_exchange with codes appended (a new
 * reference), after checking none is there already. NULL with err. */
static json_t *merged(struct store *db, int64_t id, const json_t *codes, struct derr *err)
{
    json_t *list = NULL;
    if (store_one(db, "SELECT recipients_exchange FROM documents WHERE id = ?", read_list, &list,
                  BIND_INT(id)) != STORE_ROW ||
        !json_is_array(list)) {
        json_decref(list);
        db_err(err);
        return NULL;
    }
    size_t i, k;
    json_t *c, *old;
    json_array_foreach(codes, i, c) {
        json_array_foreach(list, k, old) {
            if (json_equal(c, old)) {
                json_decref(list);
                derr_set(err, DERR_INVALID, "recipient_already",
                         "Đơn vị này đã là nơi nhận của văn bản.", "recipients_exchange");
                return NULL;
            }
        }
    }
    json_array_foreach(codes, i, c) json_array_append(list, c);
    if (json_array_size(list) > EXCHANGE_MAX_RECIPIENTS) {
        json_decref(list);
        derr_set(err, DERR_INVALID, "too_many_recipients", "Văn bản có quá nhiều nơi nhận.",
                 "recipients_exchange");
        return NULL;
    }
    return list;
}

int document_send_more_job(struct store *db, void *arg)
{
    struct document_send_more *a = arg;
    struct document d;
    int rc = document_get(db, a->document_id, &d);
    if (rc < 0)
        return db_err(&a->err);
    if (rc != STORE_ROW || strcmp(d.direction, "out") != 0 ||
        !document_visible(db, a->actor_id, &d))
        return derr_set(&a->err, DERR_NOT_FOUND, "document_not_found",
                        "Không tìm thấy văn bản.", "");
    if (permission_can(db, a->actor_id, DOCUMENT_PERM_ISSUE, d.unit_id) != 1)
        return derr_set(&a->err, DERR_FORBIDDEN, "forbidden",
                        "Chỉ văn thư đơn vị ban hành mới được gửi thêm nơi nhận.", "");
    if (d.state != DOC_ISSUED)
        return derr_set(&a->err, DERR_STATE, "not_issued",
                        "Chỉ văn bản đã phát hành mới được gửi thêm nơi nhận.", "");
    rc = document_recalled(db, d.id);
    if (rc < 0)
        return db_err(&a->err);
    if (rc)
        return derr_set(&a->err, DERR_STATE, "document_recalled", "Văn bản đã bị thu hồi.", "");
    if (!json_is_array(a->codes) || json_array_size(a->codes) == 0)
        return derr_set(&a->err, DERR_INVALID, "recipient_unknown",
                        "Cần ít nhất một nơi nhận trong danh bạ liên thông.",
                        "recipients_exchange");
    if (exchange_check_recipients(db, a->codes, d.confidentiality, a->now, &a->err))
        return -1;
    json_t *list = merged(db, d.id, a->codes, &a->err);
    if (!list)
        return -1;
    char *text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    if (!text)
        return db_err(&a->err);
    /* The update first, to those queued before; then the document to the
     * new ones (the earlier keys are there: queued once). */
    rc = store_exec_all(db, "UPDATE documents SET recipients_exchange = ?, updated_at = ? WHERE id = ?",
                        BIND_TEXT(text), BIND_INT(a->now), BIND_INT(d.id));
    free(text);
    if (rc || exchange_queue_update(db, d.id, a->now, &a->updated) ||
        exchange_queue_document(db, d.id, a->now, &a->added) ||
        audit_object_json(db, a->actor_id, "document.send_more", "document", d.id,
                          json_pack("{sO si}", "added", a->codes, "updated", a->updated)))
        return db_err(&a->err);
    return 0;
}

/* corrections: replacing, correcting and recalling issued documents
 * (document/corrections.h, db/026_document_corrections.sql). */
#include "document/corrections.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/text.h"
#include "base/util.h"
#include "document/document.h"
#include "exchange/outbox.h"
#include "store/store.h"

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
}

/* Has document id a mark of kind? 1, 0, or a negative store error. */
static int has_mark(struct store *db, int64_t id, const char *kind)
{
    int64_t n = 0;
    int rc = store_int(db, "SELECT count(*) FROM document_marks WHERE document_id = ? AND kind = ?",
                       &n, BIND_INT(id), BIND_TEXT(kind));
    return rc == STORE_ROW ? n > 0 : rc < 0 ? rc : STORE_ERR;
}

int document_recalled(struct store *db, int64_t id)
{
    return has_mark(db, id, "recalled");
}

/* May the original o still be replaced or corrected? field names the
 * request's field for the refusals. Returns 0 or -1 with err. */
static int original_open(struct store *db, const struct document *o, const char *field,
                         struct derr *err)
{
    if (o->state != DOC_ISSUED)
        return derr_set(err, DERR_STATE, "not_issued",
                        "Chỉ văn bản đã phát hành mới được thay thế hoặc đính chính.", field);
    int rc = has_mark(db, o->id, "recalled");
    if (rc < 0)
        return db_err(err);
    if (rc)
        return derr_set(err, DERR_STATE, "document_recalled", "Văn bản đã bị thu hồi.", field);
    rc = has_mark(db, o->id, "replaced");
    if (rc < 0)
        return db_err(err);
    if (rc)
        return derr_set(err, DERR_STATE, "already_replaced",
                        "Văn bản đã được thay thế bằng một văn bản khác.", field);
    return 0;
}

int corrections_check_draft(struct store *db, int64_t actor_id, int64_t unit_id,
                            const char *type_code, int64_t replaces_id, int64_t corrects_id,
                            struct derr *err)
{
    struct document o;
    const char *field = replaces_id ? "replaces" : "corrects";
    int64_t id = replaces_id ? replaces_id : corrects_id;
    if (!id)
        return 0;
    if (replaces_id && corrects_id)
        return derr_set(err, DERR_INVALID, "invalid_correction",
                        "Một văn bản chỉ thay thế hoặc đính chính một văn bản khác, không cả hai.",
                        "corrects");
    int rc = document_get(db, id, &o);
    if (rc < 0)
        return db_err(err);
    /* Like every route: a document the officer cannot read does not exist. */
    if (rc != STORE_ROW || strcmp(o.direction, "out") != 0 ||
        !document_visible(db, actor_id, &o))
        return derr_set(err, DERR_NOT_FOUND, "document_not_found", "Không tìm thấy văn bản.",
                        field);
    if (o.unit_id != unit_id)
        return derr_set(err, DERR_INVALID, "other_unit",
                        "Chỉ đơn vị ban hành văn bản mới thay thế hoặc đính chính văn bản đó.",
                        field);
    if (corrects_id && strcmp(type_code, "cong_van") != 0)
        return derr_set(err, DERR_INVALID, "correction_type",
                        "Văn bản đính chính phải là công văn.", "type");
    return original_open(db, &o, field, err);
}

/* Marks document id and every incoming copy delivered of it. by: the
 * outgoing document that replaced or corrected it (0 for a recall); a
 * copy's mark points to its own unit's copy of by when one was delivered
 * with it, which its officers can open. */
static int mark(struct store *db, int64_t id, const char *kind, int64_t by, const char *notation,
                const char *reason, int64_t actor_id, int64_t now, int *ncopies)
{
    char day[11];
    int64_t n = 0;
    document_date(now, day);
    int rc = store_exec_all(db,
                            "INSERT INTO document_marks(document_id, kind, by_document_id,"
                            " notation, reason, account_id, marked_on, created_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            BIND_INT(id), BIND_TEXT(kind), BIND_ID(by), BIND_TEXT(notation),
                            BIND_TEXT(reason), BIND_ID(actor_id), BIND_TEXT(day), BIND_INT(now));
    if (!rc)
        rc = store_exec_all(db,
                            "INSERT INTO document_marks(document_id, kind, by_document_id,"
                            " notation, reason, account_id, marked_on, created_at)"
                            " SELECT c.id, ?2, CASE WHEN ?3 IS NULL THEN NULL ELSE"
                            " coalesce((SELECT n.id FROM documents n WHERE n.source_id = ?3"
                            " AND n.unit_id = c.unit_id), ?3) END, ?4, ?5, ?6, ?7, ?8"
                            " FROM documents c WHERE c.source_id = ?1 AND c.direction = 'in'"
                            " ORDER BY c.id",
                            BIND_INT(id), BIND_TEXT(kind), BIND_ID(by), BIND_TEXT(notation),
                            BIND_TEXT(reason), BIND_ID(actor_id), BIND_TEXT(day), BIND_INT(now));
    if (!rc)
        rc = store_exec_all(db,
                            "UPDATE documents SET updated_at = ? WHERE id = ?"
                            " OR (source_id = ? AND direction = 'in')",
                            BIND_INT(now), BIND_INT(id), BIND_INT(id));
    if (!rc && ncopies) {
        rc = store_int(db,
                       "SELECT count(*) FROM documents WHERE source_id = ? AND direction = 'in'",
                       &n, BIND_INT(id)) == STORE_ROW
                 ? 0
                 : -1;
        *ncopies = (int)n;
    }
    return rc;
}

int corrections_on_issue(struct store *db, const struct document *d, const char *notation,
                         int64_t actor_id, int64_t now, struct derr *err)
{
    struct document o;
    int64_t id = d->replaces_id ? d->replaces_id : d->corrects_id;
    const char *kind = d->replaces_id ? "replaced" : "corrected";
    if (!id)
        return 0;
    /* The draft was checked when it was made; since then the original may
     * have been recalled or replaced by another issue. */
    if (document_get(db, id, &o) != STORE_ROW)
        return db_err(err);
    if (original_open(db, &o, d->replaces_id ? "replaces" : "corrects", err))
        return -1;
    if (mark(db, id, kind, d->id, notation, "", actor_id, now, NULL) ||
        audit_object_json(db, actor_id, d->replaces_id ? "document.replaced" : "document.corrected",
                          "document", id,
                          json_pack("{sI ss}", "by", (json_int_t)d->id, "notation", notation)))
        return db_err(err);
    return 0;
}

int document_recall_job(struct store *db, void *arg)
{
    struct document_recall *a = arg;
    struct document d;
    int rc = document_get(db, a->document_id, &d);
    if (rc < 0)
        return db_err(&a->err);
    if (rc != STORE_ROW || strcmp(d.direction, "out") != 0 ||
        !document_visible(db, a->actor_id, &d))
        return derr_set(&a->err, DERR_NOT_FOUND, "document_not_found",
                        "Không tìm thấy văn bản.", "");
    if (permission_can(db, a->actor_id, DOCUMENT_PERM_SIGN, d.unit_id) != 1)
        return derr_set(&a->err, DERR_FORBIDDEN, "forbidden",
                        "Chỉ lãnh đạo đơn vị ban hành mới được thu hồi văn bản.", "");
    if (d.state != DOC_ISSUED)
        return derr_set(&a->err, DERR_STATE, "not_issued",
                        "Chỉ văn bản đã phát hành mới được thu hồi.", "");
    rc = has_mark(db, d.id, "recalled");
    if (rc < 0)
        return db_err(&a->err);
    if (rc)
        return derr_set(&a->err, DERR_STATE, "already_recalled", "Văn bản đã được thu hồi.", "");
    size_t n = a->reason ? text_utf8_chars(a->reason) : 0;
    if (n == 0 || n > DOCUMENT_RECALL_REASON_MAX)
        return derr_set(&a->err, DERR_INVALID, "reason_required",
                        "Cần lý do thu hồi (tối đa 1000 ký tự).", "reason");
    /* Copies on other nodes are taken back by a revoke envelope each. */
    if (mark(db, d.id, "recalled", 0, "", a->reason, a->actor_id, a->now, &a->ncopies) ||
        exchange_queue_revoke(db, d.id, a->now, NULL) ||
        audit_object_json(db, a->actor_id, "document.recall", "document", d.id,
                          json_pack("{ss si}", "reason", a->reason, "copies", a->ncopies)))
        return db_err(&a->err);
    return 0;
}

int document_mark_received(struct store *db, int64_t id, const char *kind, int64_t by,
                           const char *notation, const char *reason, int64_t now)
{
    int rc = has_mark(db, id, kind);
    if (rc)
        return rc < 0 ? rc : 0;
    char day[11];
    document_date(now, day);
    rc = store_exec_all(db,
                        "INSERT INTO document_marks(document_id, kind, by_document_id,"
                        " notation, reason, marked_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        BIND_INT(id), BIND_TEXT(kind), BIND_ID(by), BIND_TEXT(notation),
                        BIND_TEXT(reason), BIND_TEXT(day), BIND_INT(now));
    if (!rc)
        rc = store_exec_all(db, "UPDATE documents SET updated_at = ? WHERE id = ?", BIND_INT(now),
                            BIND_INT(id));
    return rc;
}

json_t *document_marks_json(struct store *db, int64_t id)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    if (!arr || store_prepare_all(db,
                                  "SELECT m.kind, m.by_document_id, m.notation, m.reason,"
                                  " m.account_id, coalesce(a.full_name, ''), m.marked_on,"
                                  " m.created_at FROM document_marks m"
                                  " LEFT JOIN accounts a ON a.id = m.account_id"
                                  " WHERE m.document_id = ? ORDER BY m.id",
                                  &st, BIND_INT(id))) {
        json_decref(arr);
        return NULL;
    }
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        json_t *by = store_col_is_null(st, 1)
                         ? json_null()
                         : json_pack("{sI ss}", "id", (json_int_t)store_col_int(st, 1),
                                     "notation", store_col_text(st, 2));
        json_t *who = store_col_is_null(st, 4)
                          ? json_null()
                          : json_pack("{sI ss}", "id", (json_int_t)store_col_int(st, 4), "name",
                                      store_col_text(st, 5));
        json_array_append_new(arr, json_pack("{ss s:o ss s:o ss sI}", "kind",
                                             store_col_text(st, 0), "by", by, "reason",
                                             store_col_text(st, 3), "account", who, "on",
                                             store_col_text(st, 6), "at",
                                             (json_int_t)store_col_int(st, 7)));
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* feedback: complaints and suggestions in the database. */
#include "feedback/feedback.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "store/store.h"

static int exec_done(struct store_stmt *st)
{
    int rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

static int audit_feedback(struct store *db, int64_t actor, const char *action, int64_t id)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    return audit_append(db, &(struct audit_entry){.actor_id = actor,
                                                  .action = action,
                                                  .object_type = "feedback",
                                                  .object_id = oid,
                                                  .detail = NULL});
}

int feedback_create_job(struct store *db, void *arg)
{
    struct feedback_new *f = arg;
    struct store_stmt *st;
    int64_t due = cal_due(f->cal, f->now, cal_days_to_minutes(FEEDBACK_WORKING_DAYS), -1);
    if (due < 0)
        return STORE_ERR;
    int rc = store_prepare(db,
                           "INSERT INTO feedback(kind, account_id, unit_id, dossier_id, subject,"
                           " content, state, received_at, due_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, 'received', ?, ?)",
                           &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, f->kind);
    store_bind_int(st, 2, f->account_id);
    store_bind_int(st, 3, f->unit_id);
    if (f->dossier_id)
        store_bind_int(st, 4, f->dossier_id);
    else
        store_bind_null(st, 4);
    store_bind_text(st, 5, f->subject);
    store_bind_text(st, 6, f->content);
    store_bind_int(st, 7, f->now);
    store_bind_int(st, 8, due);
    if ((rc = exec_done(st)))
        return rc;
    f->id = store_last_insert_id(db);
    return audit_feedback(db, f->account_id, "feedback.create", f->id);
}

/* The item's state, or an error in err. */
static int load_state(struct store *db, int64_t id, char *state, size_t cap, struct derr *err)
{
    struct store_stmt *st;
    if (store_prepare(db, "SELECT state FROM feedback WHERE id = ?", &st))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    store_bind_int(st, 1, id);
    int rc = store_step(st);
    if (rc == STORE_ROW)
        copy_str(state, cap, store_col_text(st, 0));
    store_done(st);
    if (rc != STORE_ROW)
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy phản ánh, kiến nghị",
                        NULL);
    return 0;
}

int feedback_assign_job(struct store *db, void *arg)
{
    struct feedback_step *s = arg;
    struct store_stmt *st;
    char state[16];
    if (load_state(db, s->id, state, sizeof state, &s->err))
        return -1;
    if (strcmp(state, "answered") == 0)
        return derr_set(&s->err, DERR_STATE, "already_answered", "Phản ánh đã được trả lời",
                        NULL);
    int rc = store_prepare(db, "UPDATE feedback SET state = 'assigned', assignee_id = ? WHERE id = ?",
                           &st);
    if (rc == 0) {
        store_bind_int(st, 1, s->assignee_id);
        store_bind_int(st, 2, s->id);
        rc = exec_done(st);
    }
    if (rc == 0)
        rc = audit_feedback(db, s->officer_id, "feedback.assign", s->id);
    if (rc)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return 0;
}

int feedback_answer_job(struct store *db, void *arg)
{
    struct feedback_step *s = arg;
    struct store_stmt *st;
    char state[16];
    if (load_state(db, s->id, state, sizeof state, &s->err))
        return -1;
    if (strcmp(state, "answered") == 0)
        return derr_set(&s->err, DERR_STATE, "already_answered", "Phản ánh đã được trả lời",
                        NULL);
    int rc = store_prepare(db,
                           "UPDATE feedback SET state = 'answered', answer = ?, answered_at = ?,"
                           " answered_by = ? WHERE id = ?",
                           &st);
    if (rc == 0) {
        store_bind_text(st, 1, s->answer);
        store_bind_int(st, 2, s->now);
        store_bind_int(st, 3, s->officer_id);
        store_bind_int(st, 4, s->id);
        rc = exec_done(st);
    }
    if (rc == 0)
        rc = audit_feedback(db, s->officer_id, "feedback.answer", s->id);
    if (rc)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return 0;
}

int feedback_rate_job(struct store *db, void *arg)
{
    struct feedback_rating *r = arg;
    struct store_stmt *st;
    int64_t unit = 0, owner = 0;
    if (feedback_unit(db, r->id, &unit, &owner) != STORE_ROW || owner != r->account_id)
        return derr_set(&r->err, DERR_NOT_FOUND, "not_found", "Không tìm thấy phản ánh, kiến nghị",
                        NULL);
    if (strcmp(r->level, "rat_hai_long") && strcmp(r->level, "hai_long") &&
        strcmp(r->level, "khong_hai_long"))
        return derr_set(&r->err, DERR_INVALID, "bad_level",
                        "Mức đánh giá phải là rat_hai_long, hai_long hoặc khong_hai_long",
                        "level");
    char state[16];
    if (load_state(db, r->id, state, sizeof state, &r->err))
        return -1;
    if (strcmp(state, "answered") != 0)
        return derr_set(&r->err, DERR_STATE, "not_answered", "Phản ánh chưa được trả lời", NULL);
    int rc = store_prepare(db,
                           "UPDATE feedback SET rating = ?, rated_at = ? WHERE id = ? AND"
                           " rating IS NULL",
                           &st);
    if (rc == 0) {
        store_bind_text(st, 1, r->level);
        store_bind_int(st, 2, r->now);
        store_bind_int(st, 3, r->id);
        rc = exec_done(st);
    }
    if (rc)
        return derr_set(&r->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (store_changes(db) == 0)
        return derr_set(&r->err, DERR_STATE, "already_rated", "Bạn đã đánh giá câu trả lời này",
                        NULL);
    if (audit_feedback(db, r->account_id, "feedback.rate", r->id))
        return derr_set(&r->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return 0;
}

int feedback_unit(struct store *db, int64_t id, int64_t *unit_id, int64_t *account_id)
{
    struct store_stmt *st;
    int rc = store_prepare(db, "SELECT unit_id, account_id FROM feedback WHERE id = ?", &st);
    if (rc)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st);
    if (rc == STORE_ROW) {
        *unit_id = store_col_int(st, 0);
        *account_id = store_col_int(st, 1);
    }
    store_done(st);
    return rc;
}

/* --- JSON ------------------------------------------------------------------ */

#define FB_COLS                                                                                    \
    "f.id, f.kind, u.code, u.name, coalesce(d.code, ''), f.subject, f.content, f.state,"          \
    " f.received_at, f.due_at, coalesce(f.answered_at, 0), coalesce(f.answer, ''),"              \
    " coalesce(f.rating, ''), coalesce(a.full_name, ''), c.full_name, c.phone, c.email"
#define FB_FROM                                                                                    \
    " FROM feedback f JOIN units u ON u.id = f.unit_id LEFT JOIN dossiers d ON d.id = f.dossier_id" \
    " LEFT JOIN accounts a ON a.id = f.assignee_id JOIN accounts c ON c.id = f.account_id"

/* One item; with_sender adds who sent it and how to reach them (for the
 * officers who answer, never in the citizen's own view). */
static json_t *row_json(struct store_stmt *st, int with_sender)
{
    int64_t due = store_col_int(st, 9), answered = store_col_int(st, 10);
    json_t *o = json_pack(
        "{s:I, s:s, s:{s:s, s:s}, s:s?, s:s, s:s, s:s, s:o, s:o, s:o, s:s?, s:s?, s:s?}", "id",
        (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1), "unit", "code",
        store_col_text(st, 2), "name", store_col_text(st, 3), "dossier_code",
        store_col_text(st, 4)[0] ? store_col_text(st, 4) : NULL, "subject", store_col_text(st, 5),
        "content", store_col_text(st, 6), "state", store_col_text(st, 7), "received_at",
        cal_json_iso(store_col_int(st, 8)), "due_at", cal_json_iso(due), "answered_at",
        cal_json_iso(answered), "answer", store_col_text(st, 11)[0] ? store_col_text(st, 11) : NULL,
        "rating", store_col_text(st, 12)[0] ? store_col_text(st, 12) : NULL, "assignee",
        store_col_text(st, 13)[0] ? store_col_text(st, 13) : NULL);
    json_object_set_new(o, "on_time", answered ? json_boolean(answered <= due) : json_null());
    if (with_sender)
        json_object_set_new(o, "sender",
                            json_pack("{s:s, s:s, s:s}", "name", store_col_text(st, 14), "phone",
                                      store_col_text(st, 15), "email", store_col_text(st, 16)));
    return o;
}

json_t *feedback_json(struct store *db, int64_t id, int with_sender)
{
    struct store_stmt *st;
    json_t *o = NULL;
    if (store_prepare(db, "SELECT " FB_COLS FB_FROM " WHERE f.id = ?", &st))
        return NULL;
    store_bind_int(st, 1, id);
    if (store_step(st) == STORE_ROW)
        o = row_json(st, with_sender);
    store_done(st);
    return o;
}

static json_t *list(struct store_stmt *st, int with_sender)
{
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(items, row_json(st, with_sender));
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o}", "items", items);
}

json_t *feedback_list_json(struct store *db, int64_t account_id)
{
    struct store_stmt *st;
    if (store_prepare(db, "SELECT " FB_COLS FB_FROM " WHERE f.account_id = ? ORDER BY f.id DESC LIMIT 200",
                      &st))
        return NULL;
    store_bind_int(st, 1, account_id);
    return list(st, 0);
}

json_t *feedback_staff_list_json(struct store *db, int64_t officer_id, const char *view,
                                 int64_t now, int limit, int offset)
{
    struct store_stmt *st;
    if (store_prepare(db,
                      "WITH scope(id) AS (SELECT u.id FROM staff_roles sr"
                      " JOIN role_permissions rp ON rp.role = sr.role AND"
                      " rp.permission = 'dossier.read' JOIN units su ON su.id = sr.unit_id"
                      " JOIN units u ON substr(u.path, 1, length(su.path)) = su.path"
                      " WHERE sr.account_id = ?1) SELECT " FB_COLS FB_FROM
                      " WHERE f.unit_id IN scope AND (?2 = 'all'"
                      " OR (?2 = 'open' AND f.state <> 'answered')"
                      " OR (?2 = 'overdue' AND f.state <> 'answered' AND f.due_at < ?3))"
                      " ORDER BY f.due_at, f.id LIMIT ?4 OFFSET ?5",
                      &st))
        return NULL;
    store_bind_int(st, 1, officer_id);
    store_bind_text(st, 2, view);
    store_bind_int(st, 3, now);
    store_bind_int(st, 4, limit);
    store_bind_int(st, 5, offset);
    return list(st, 1);
}

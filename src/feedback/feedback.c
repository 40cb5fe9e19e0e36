/* feedback: complaints and suggestions in the database. */
#include "feedback/feedback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/account.h"
#include "auth/permission.h"
#include "base/text.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "store/store.h"


static int audit_feedback(struct store *db, int64_t actor, const char *action, int64_t id)
{
    return audit_object(db, actor, action, "feedback", id, NULL);
}

/* Appends the folded text and a line feed at *len (folding never makes text
 * longer, nor leaves a line feed in it: see db/010_feedback_search.sql). */
static int fold_part(const char *text, char *out, size_t cap, size_t *len)
{
    int n = text_fold(text, out + *len, cap - *len);
    if (n < 0 || *len + (size_t)n + 2 > cap)
        return STORE_ERR;
    *len += (size_t)n;
    out[(*len)++] = '\n';
    out[*len] = '\0';
    return 0;
}

/* The search key of an item: subject, content and the sender's name, each
 * folded, joined by line feeds. OUT: *key, malloc'd, for the caller to free. */
static int search_key(struct store *db, const struct feedback_new *f, char **key)
{
    struct store_stmt *st;
    char *out = NULL;
    int rc = store_prepare_all(db, "SELECT full_name FROM accounts WHERE id = ?", &st,
                               BIND_INT(f->account_id));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        const char *name = store_col_text(st, 0);
        size_t cap = strlen(f->subject) + strlen(f->content) + strlen(name) + 4, len = 0;
        rc = STORE_ERR;
        out = malloc(cap);
        if (out && fold_part(f->subject, out, cap, &len) == 0 &&
            fold_part(f->content, out, cap, &len) == 0 && fold_part(name, out, cap, &len) == 0) {
            out[len - 1] = '\0'; /* no line feed after the last part */
            rc = 0;
        }
    } else if (rc == STORE_DONE) {
        rc = STORE_ERR;
    }
    store_done(st);
    if (rc) {
        free(out);
        return rc;
    }
    *key = out;
    return 0;
}

int feedback_create_job(struct store *db, void *arg)
{
    struct feedback_new *f = arg;
    struct store_stmt *st;
    char *key = NULL;
    int64_t due = cal_due(f->cal, f->now, cal_days_to_minutes(FEEDBACK_WORKING_DAYS), -1);
    if (due < 0)
        return STORE_ERR;
    int rc = search_key(db, f, &key);
    if (rc)
        return rc;
    rc = store_prepare(db,
                       "INSERT INTO feedback(kind, account_id, unit_id, dossier_id, subject,"
                       " content, state, received_at, due_at, search_folded)"
                       " VALUES (?, ?, ?, ?, ?, ?, 'received', ?, ?, ?)",
                       &st);
    if (rc)
        goto out;
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
    store_bind_text(st, 9, key);
    if ((rc = store_step_done(st)))
        goto out;
    f->id = store_last_insert_id(db);
    rc = audit_feedback(db, f->account_id, "feedback.create", f->id);
out:
    free(key);
    return rc;
}

/* The item's state, or an error in err. */
static int load_state(struct store *db, int64_t id, char *state, size_t cap, struct derr *err)
{
    struct store_stmt *st;
    if (store_prepare_all(db, "SELECT state FROM feedback WHERE id = ?", &st, BIND_INT(id)))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    int rc = store_step(st);
    if (rc == STORE_ROW)
        copy_str(state, cap, store_col_text(st, 0));
    store_done(st);
    if (rc != STORE_ROW)
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy phản ánh, kiến nghị",
                        NULL);
    return 0;
}

int feedback_officer_check(struct store *db, int64_t id, int64_t officer,
                           const char *permission, struct derr *err)
{
    int64_t unit = 0, owner = 0;
    int rc = feedback_unit(db, id, &unit, &owner);
    if (rc < 0)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc != STORE_ROW || permission_can(db, officer, "dossier.read", unit) != 1)
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy phản ánh, kiến nghị",
                        NULL);
    if (permission && permission_can(db, officer, permission, unit) != 1)
        return derr_set(err, DERR_FORBIDDEN, "forbidden",
                        "Vai trò của bạn không được thực hiện thao tác này", NULL);
    return 0;
}

/* An officer's step applies to an item the officer reaches with the
 * step's permission, not answered yet: 0, or -1 with the refusal in
 * s->err. */
static int unanswered_or_refuse(struct store *db, struct feedback_step *s,
                                const char *permission)
{
    if (feedback_officer_check(db, s->id, s->officer_id, permission, &s->err))
        return -1;
    char state[16];
    if (load_state(db, s->id, state, sizeof state, &s->err))
        return -1;
    if (strcmp(state, "answered") == 0)
        return derr_set(&s->err, DERR_STATE, "already_answered", "Phản ánh đã được trả lời",
                        NULL);
    return 0;
}

/* After an officer's update (rc): the audit entry, or the store error. */
static int finish_step(struct store *db, struct feedback_step *s, int rc, const char *action)
{
    if (rc == 0)
        rc = audit_feedback(db, s->officer_id, action, s->id);
    if (rc)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return 0;
}

int feedback_assign_job(struct store *db, void *arg)
{
    struct feedback_step *s = arg;
    int64_t unit = 0, owner = 0, assignee = 0;
    if (unanswered_or_refuse(db, s, "dossier.assign"))
        return -1;
    if (feedback_unit(db, s->id, &unit, &owner) != STORE_ROW ||
        account_id_by_login(db, s->assignee, "staff", ACCOUNT_ENABLED, &assignee) != STORE_ROW ||
        permission_can(db, assignee, "dossier.process", unit) != 1)
        return derr_set(&s->err, DERR_INVALID, "assignee_not_allowed",
                        "Cán bộ này không xử lý việc của đơn vị", "assignee");
    int rc = store_exec_all(db,
                            "UPDATE feedback SET state = 'assigned', assignee_id = ? WHERE id = ?",
                            BIND_INT(assignee), BIND_INT(s->id));
    return finish_step(db, s, rc, "feedback.assign");
}

int feedback_answer_job(struct store *db, void *arg)
{
    struct feedback_step *s = arg;
    if (unanswered_or_refuse(db, s, "dossier.process"))
        return -1;
    int rc = store_exec_all(db,
                            "UPDATE feedback SET state = 'answered', answer = ?, answered_at = ?,"
                            " answered_by = ? WHERE id = ?",
                            BIND_TEXT(s->answer), BIND_INT(s->now), BIND_INT(s->officer_id),
                            BIND_INT(s->id));
    return finish_step(db, s, rc, "feedback.answer");
}

int feedback_rate_job(struct store *db, void *arg)
{
    struct feedback_rating *r = arg;
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
    int rc = store_exec_all(db,
                            "UPDATE feedback SET rating = ?, rated_at = ? WHERE id = ? AND"
                            " rating IS NULL",
                            BIND_TEXT(r->level), BIND_INT(r->now), BIND_INT(r->id));
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
    int rc = store_prepare_all(db, "SELECT unit_id, account_id FROM feedback WHERE id = ?", &st,
                               BIND_INT(id));
    if (rc)
        return rc;
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
    if (store_prepare_all(db, "SELECT " FB_COLS FB_FROM " WHERE f.id = ?", &st, BIND_INT(id)))
        return NULL;
    if (store_step(st) == STORE_ROW)
        o = row_json(st, with_sender);
    store_done(st);
    if (o)
        json_object_set_new(o, "answer_within_working_days", json_integer(FEEDBACK_WORKING_DAYS));
    return o;
}

/* The rows as an array; NULL on a database error. */
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
    return items;
}

json_t *feedback_list_json(struct store *db, int64_t account_id)
{
    struct store_stmt *st;
    if (store_prepare_all(db, "SELECT " FB_COLS FB_FROM " WHERE f.account_id = ? ORDER BY f.id DESC LIMIT 200",
                          &st, BIND_INT(account_id)))
        return NULL;
    json_t *items = list(st, 0);
    return items ? json_pack("{s:o, s:i}", "items", items, "answer_within_working_days",
                             FEEDBACK_WORKING_DAYS)
                 : NULL;
}

/* --- the officers' list ------------------------------------------------------ */

static const char *const views[] = {"open",    "to_assign", "mine", "due_soon",
                                    "overdue", "answered",  "all"};

int feedback_view_valid(const char *view)
{
    for (size_t i = 0; i < ARRAY_LEN(views); i++)
        if (strcmp(view, views[i]) == 0)
            return 1;
    return 0;
}

/* The officers' statements share their parameters: ?1 the officer, ?2 kind
 * or NULL, ?3 the folded search as a LIKE pattern or NULL, ?4 the search as
 * typed as a LIKE pattern, ?5 the item's number or NULL, ?6 the view, ?7 now,
 * ?8 the end of "due soon"; the list adds ?9 limit and ?10 offset. The
 * units the officer may read are worked out once per statement. */
#define STAFF_SCOPE "WITH " PERMISSION_SCOPE("?1", "'dossier.read'") " "
#define STAFF_MATCH                                                                                \
    " WHERE f.unit_id IN scope AND (?2 IS NULL OR f.kind = ?2)"                                    \
    " AND (?3 IS NULL OR f.search_folded LIKE ?3 ESCAPE '\\' OR d.code LIKE ?4 ESCAPE '\\'"      \
    "  OR f.id = ?5)"
/* A view's items; the same conditions as the counts below, in the order
 * of views[]. */
#define STAFF_OPEN "f.state <> 'answered'"
#define STAFF_TO_ASSIGN "f.state = 'received'"
#define STAFF_MINE "(f.state = 'assigned' AND f.assignee_id = ?1)"
#define STAFF_DUE_SOON "(f.state <> 'answered' AND f.due_at >= ?7 AND f.due_at < ?8)"
#define STAFF_OVERDUE "(f.state <> 'answered' AND f.due_at < ?7)"
#define STAFF_ANSWERED "f.state = 'answered'"

struct staff_search {
    const char *kind;
    char folded[FEEDBACK_Q_MAX * 8 + 1];         /* NUL: no search */
    char folded_pattern[FEEDBACK_Q_MAX * 16 + 8];
    char typed_pattern[FEEDBACK_Q_MAX * 16 + 8];
    int64_t number;                              /* 0: not a number */
};

/* Local midnight after now, in Unix seconds. */
static int64_t end_of_local_day(int64_t now)
{
    int64_t local = now + CAL_TZ_OFFSET;
    return local - local % 86400 + 86400 - CAL_TZ_OFFSET;
}

static void bind_staff(struct store_stmt *st, const struct feedback_query *fq,
                       const struct staff_search *s)
{
    store_bind_int(st, 1, fq->officer_id);
    store_bind_text(st, 2, s->kind);
    store_bind_text(st, 3, s->folded[0] ? s->folded_pattern : NULL);
    store_bind_text(st, 4, s->folded[0] ? s->typed_pattern : NULL);
    if (s->folded[0] && s->number > 0)
        store_bind_int(st, 5, s->number);
    else
        store_bind_null(st, 5);
    store_bind_text(st, 6, fq->view);
    store_bind_int(st, 7, fq->now);
    store_bind_int(st, 8, end_of_local_day(fq->now) + 2 * 86400);
}

/* The search's patterns; no search (folded "") when q is empty or only
 * whitespace. Returns -1 if q is not valid UTF-8 or too long. */
static int make_search(const struct feedback_query *fq, struct staff_search *s)
{
    memset(s, 0, sizeof *s);
    s->kind = fq->kind;
    if (!fq->q || !fq->q[0])
        return 0;
    if (text_fold(fq->q, s->folded, sizeof s->folded) < 0 ||
        text_like_contains(s->folded, s->folded_pattern, sizeof s->folded_pattern) ||
        text_like_contains(fq->q, s->typed_pattern, sizeof s->typed_pattern))
        return -1;
    long n;
    if (s->folded[0] && strspn(s->folded, "0123456789") == strlen(s->folded) &&
        parse_long(s->folded, 1, 1L << 40, &n) == 0)
        s->number = n;
    return 0;
}

/* Every view's count, in the order of views[]; 0 or an error. */
static int staff_counts(struct store *db, const struct feedback_query *fq,
                        const struct staff_search *s, int64_t counts[])
{
    static const char *sql =
        STAFF_SCOPE "SELECT coalesce(sum(" STAFF_OPEN "), 0), coalesce(sum(" STAFF_TO_ASSIGN "), 0),"
        " coalesce(sum(" STAFF_MINE "), 0), coalesce(sum(" STAFF_DUE_SOON "), 0),"
        " coalesce(sum(" STAFF_OVERDUE "), 0), coalesce(sum(" STAFF_ANSWERED "), 0), count(*)"
        " FROM feedback f LEFT JOIN dossiers d ON d.id = f.dossier_id" STAFF_MATCH;
    struct store_stmt *st;
    int rc = store_prepare(db, sql, &st);
    if (rc)
        return rc;
    bind_staff(st, fq, s);
    rc = store_step(st);
    if (rc == STORE_ROW)
        for (size_t i = 0; i < ARRAY_LEN(views); i++)
            counts[i] = store_col_int(st, (int)i);
    store_done(st);
    return rc == STORE_ROW ? 0 : (rc < 0 ? rc : STORE_ERR);
}

json_t *feedback_staff_list_json(struct store *db, const struct feedback_query *fq)
{
    static const char *sql =
        STAFF_SCOPE "SELECT " FB_COLS FB_FROM STAFF_MATCH
        " AND (?6 = 'all' OR (?6 = 'open' AND " STAFF_OPEN ")"
        "  OR (?6 = 'to_assign' AND " STAFF_TO_ASSIGN ") OR (?6 = 'mine' AND " STAFF_MINE ")"
        "  OR (?6 = 'due_soon' AND " STAFF_DUE_SOON ") OR (?6 = 'overdue' AND " STAFF_OVERDUE ")"
        "  OR (?6 = 'answered' AND " STAFF_ANSWERED "))"
        /* the earliest due first; the answered ones after them, the latest first */
        " ORDER BY f.state = 'answered',"
        "  CASE WHEN f.state = 'answered' THEN -f.answered_at ELSE f.due_at END, f.id"
        " LIMIT ?9 OFFSET ?10";
    struct staff_search *s = malloc(sizeof *s);
    struct store_stmt *st;
    int64_t counts[ARRAY_LEN(views)];
    json_t *out = NULL, *items = NULL, *c;
    size_t v;
    if (!s || make_search(fq, s) || staff_counts(db, fq, s, counts))
        goto out;
    for (v = 0; v < ARRAY_LEN(views) && strcmp(views[v], fq->view) != 0; v++)
        ;
    if (v == ARRAY_LEN(views) || store_prepare(db, sql, &st))
        goto out;
    bind_staff(st, fq, s);
    store_bind_int(st, 9, fq->limit);
    store_bind_int(st, 10, fq->offset);
    if (!(items = list(st, 1)))
        goto out;
    c = json_object();
    for (size_t i = 0; i < ARRAY_LEN(views); i++)
        json_object_set_new(c, views[i], json_integer(counts[i]));
    out = json_pack("{s:o, s:I, s:o, s:i}", "items", items, "total", (json_int_t)counts[v],
                    "counts", c, "answer_within_working_days", FEEDBACK_WORKING_DAYS);
out:
    free(s);
    return out;
}

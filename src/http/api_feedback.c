/* api_feedback: complaints and suggestions (phản ánh, kiến nghị): citizens
 * send and rate them, officers of the unit concerned (or above it) assign
 * and answer them. Outside an officer's units, or another citizen's item,
 * the answer is 404. */
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/permission.h"
#include "base/text.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "dossier/dossier.h"
#include "feedback/feedback.h"
#include "http/http.h"
#include "http/router.h"
#include "store/store.h"

/* The item as its reader may see it: officers (on the staff routes) also
 * see who sent it. */
static void reply_item(struct req *r, int status, int64_t id)
{
    json_t *o = feedback_json(r->db, id, (r->route->flags & ROUTE_STAFF) != 0);
    if (!o) {
        reply_internal(r, "feedback read failed");
        return;
    }
    reply_json(r, status, o);
}

/* --- citizens ------------------------------------------------------------- */

static void created(struct req *r)
{
    struct feedback_new *f = r->data;
    if (r->wjob.rc) {
        reply_internal(r, "feedback write failed");
        return;
    }
    reply_item(r, 201, f->id);
}

static void feedback_create(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *kind, *unit_code, *dossier_code, *subject, *content;
    struct unit u;
    struct dossier d;
    if (req_string_or_reply(r, body, "kind", 1, 1, 16, &kind) ||
        req_string_or_reply(r, body, "unit_code", 1, 1, 60, &unit_code) ||
        req_string_or_reply(r, body, "dossier_code", 0, 0, 95, &dossier_code) ||
        req_string_or_reply(r, body, "subject", 1, 1, FEEDBACK_SUBJECT_MAX, &subject) ||
        req_text_or_reply(r, body, "content", 1, 1, FEEDBACK_CONTENT_MAX, &content))
        return;
    if (strcmp(kind, "complaint") != 0 && strcmp(kind, "suggestion") != 0) {
        reply_error(r, 422, "bad_kind", "Loại phải là complaint (phản ánh) hoặc suggestion (kiến nghị)",
                    "kind");
        return;
    }
    if (unit_by_code(r->db, unit_code, &u) != STORE_ROW) {
        reply_error(r, 404, "unknown_unit", "Không có đơn vị này", "unit_code");
        return;
    }
    d.id = 0;
    if (dossier_code && *dossier_code &&
        dossier_find(r->db, dossier_code, r->account.id, &d) != STORE_ROW) {
        reply_error(r, 404, "unknown_dossier", "Không tìm thấy hồ sơ này của bạn", "dossier_code");
        return;
    }
    struct feedback_new *f = req_state(r, sizeof *f, NULL);
    if (!f)
        return;
    f->kind = strcmp(kind, "complaint") == 0 ? "complaint" : "suggestion";
    f->account_id = r->account.id;
    f->unit_id = u.id;
    f->dossier_id = d.id;
    copy_str(f->subject, sizeof f->subject, subject);
    copy_str(f->content, sizeof f->content, content);
    f->cal = r->app->cal;
    f->now = now_unix();
    http_defer_write(r, feedback_create_job, f, created);
}

static void feedback_list(struct req *r)
{
    json_t *o = feedback_list_json(r->db, r->account.id);
    if (!o) {
        reply_internal(r, "feedback list failed");
        return;
    }
    reply_json(r, 200, o);
}

/* The id in the path if the item is the caller's; else 404. */
static int own_item_or_reply(struct req *r, long *id)
{
    int64_t unit, owner;
    if (req_long_or_reply(r, req_param(r, "id"), "id", 1, 1L << 40, 1, id))
        return -1;
    if (feedback_unit(r->db, *id, &unit, &owner) != STORE_ROW || owner != r->account.id) {
        reply_error(r, 404, "not_found", "Không tìm thấy phản ánh, kiến nghị", NULL);
        return -1;
    }
    return 0;
}

static void feedback_get(struct req *r)
{
    long id;
    if (own_item_or_reply(r, &id) == 0)
        reply_item(r, 200, id);
}

static void rated(struct req *r)
{
    struct feedback_rating *s = r->data;
    reply_item(r, 200, s->id);
}

static void feedback_rate(struct req *r)
{
    long id;
    const char *level;
    if (own_item_or_reply(r, &id))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    if (req_string_or_reply(r, body, "level", 1, 1, 20, &level))
        return;
    struct feedback_rating *s = req_state(r, sizeof *s, NULL);
    if (!s)
        return;
    s->id = id;
    s->account_id = r->account.id;
    copy_str(s->level, sizeof s->level, level);
    s->now = now_unix();
    http_defer_job(r, feedback_rate_job, s, &s->err, rated);
}

/* --- officers --------------------------------------------------------------- */

/* The id in the path if the officer holds permission on the item's unit
 * (or above); 404 when they may not even read it, 403 when they may read
 * but not do this. */
/* The item in the path, if the officer reaches it: 0, or -1 after the
 * refusal (404). */
static int staff_item_or_reply(struct req *r, long *id)
{
    struct derr err = {0};
    if (req_long_or_reply(r, req_param(r, "id"), "id", 1, 1L << 40, 1, id))
        return -1;
    if (feedback_officer_check(r->db, *id, r->account.id, NULL, &err)) {
        reply_derr(r, &err);
        return -1;
    }
    return 0;
}

/* GET /api/v1/staff/feedback: the same parameters as the dossier queue
 * (view, q, limit, offset), plus kind; a bad one is refused with its name. */
static void staff_list(struct req *r)
{
    const char *l = req_query(r, "limit"), *o = req_query(r, "offset");
    struct feedback_query fq = {.officer_id = r->account.id,
                                .view = req_query(r, "view"),
                                .kind = req_query(r, "kind"),
                                .q = req_query(r, "q"),
                                .now = now_unix()};
    long limit = 50, offset = 0;
    if (!fq.view)
        fq.view = "open";
    if (!feedback_view_valid(fq.view)) {
        reply_error(r, 400, "bad_parameter",
                    "view phải là open, to_assign, mine, due_soon, overdue, answered hoặc all",
                    "view");
        return;
    }
    if (fq.kind && strcmp(fq.kind, "complaint") != 0 && strcmp(fq.kind, "suggestion") != 0) {
        reply_error(r, 400, "bad_parameter",
                    "kind phải là complaint (phản ánh) hoặc suggestion (kiến nghị)", "kind");
        return;
    }
    if (fq.q && !text_utf8_valid(fq.q, strlen(fq.q))) {
        reply_error(r, 400, "bad_parameter", "Từ khóa không hợp lệ", "q");
        return;
    }
    if (fq.q && (strlen(fq.q) > FEEDBACK_Q_MAX * 4 || text_utf8_chars(fq.q) > FEEDBACK_Q_MAX)) {
        reply_error(r, 400, "bad_parameter", "Từ khóa quá dài (tối đa 100 ký tự)", "q");
        return;
    }
    if ((l && req_long_or_reply(r, l, "limit", 1, 200, 0, &limit)) ||
        (o && req_long_or_reply(r, o, "offset", 0, 1000000, 0, &offset)))
        return;
    fq.limit = (int)limit;
    fq.offset = (int)offset;
    json_t *j = feedback_staff_list_json(r->db, &fq);
    if (!j) {
        reply_internal(r, "feedback list failed");
        return;
    }
    reply_json(r, 200, j);
}

static void staff_get(struct req *r)
{
    long id;
    if (staff_item_or_reply(r, &id) == 0)
        reply_item(r, 200, id);
}

static void stepped(struct req *r)
{
    struct feedback_step *s = r->data;
    reply_item(r, 200, s->id);
}

/* New request state (req_state: on failure the 500 is sent). */
static struct feedback_step *new_step(struct req *r, long id)
{
    struct feedback_step *s = req_state(r, sizeof *s, NULL);
    if (!s)
        return NULL;
    s->id = id;
    s->officer_id = r->account.id;
    s->now = now_unix();
    return s;
}

/* An officer's step on an item: assignment (an officer's login) or the
 * answer (multi-line text); each takes one string member of the body,
 * copied into the job, which checks the officer's permission. */
struct staff_step_kind {
    const char *key;
    size_t max_chars;
    int multiline;
    size_t offset, cap; /* where the member goes in struct feedback_step */
    int (*job)(struct store *db, void *arg);
};

static const struct staff_step_kind assign_step = {
    "assignee", 63, 0, offsetof(struct feedback_step, assignee),
    sizeof ((struct feedback_step *)0)->assignee, feedback_assign_job};
static const struct staff_step_kind answer_step = {
    "answer", FEEDBACK_CONTENT_MAX, 1, offsetof(struct feedback_step, answer),
    sizeof ((struct feedback_step *)0)->answer, feedback_answer_job};

static void staff_step(struct req *r, const struct staff_step_kind *k)
{
    long id;
    const char *value;
    if (staff_item_or_reply(r, &id))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    struct feedback_step *s = NULL;
    if ((k->multiline ? req_text_or_reply : req_string_or_reply)(r, body, k->key, 1, 1,
                                                                  k->max_chars, &value) == 0 &&
        (s = new_step(r, id)) != NULL)
        copy_str((char *)s + k->offset, k->cap, value);
    if (s)
        http_defer_job(r, k->job, s, &s->err, stepped);
}

static void staff_assign(struct req *r) { staff_step(r, &assign_step); }
static void staff_answer(struct req *r) { staff_step(r, &answer_step); }

const struct route api_feedback_routes[] = {
    {"POST", "/api/v1/feedback", feedback_create, ROUTE_USER},
    {"GET", "/api/v1/feedback", feedback_list, ROUTE_USER},
    {"GET", "/api/v1/feedback/{id}", feedback_get, ROUTE_USER},
    {"POST", "/api/v1/feedback/{id}/rating", feedback_rate, ROUTE_USER},
    {"GET", "/api/v1/staff/feedback", staff_list, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/feedback/{id}", staff_get, ROUTE_OFFICER},
    {"POST", "/api/v1/staff/feedback/{id}/assign", staff_assign, ROUTE_OFFICER},
    {"POST", "/api/v1/staff/feedback/{id}/answer", staff_answer, ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};

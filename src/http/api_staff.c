/* api_staff: the officers' side: the desk's queue, a dossier with the
 * actions the officer may take, taking an action, attachments, and the
 * officers a dossier can be assigned to. Every route is scoped to the units
 * where the officer holds roles; anything outside answers 404, exactly as
 * if it did not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/permission.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "calendar/calendar.h"
#include "dossier/documents.h"
#include "dossier/dossier.h"
#include "dossier/filestore.h"
#include "dossier/queue.h"
#include "dossier/results.h"
#include "dossier/status.h"
#include "http/api_report.h"
#include "http/document_reply.h"
#include "http/dossier_access.h"
#include "http/http.h"
#include "http/receipt_reply.h"
#include "http/router.h"
#include "issued/issuing.h"
#include "store/store.h"
#include "workflow/workflow.h"

static void queue(struct req *r)
{
    const char *view = req_query(r, "view"), *q = req_query(r, "q");
    const char *l = req_query(r, "limit"), *o = req_query(r, "offset");
    long limit = 50, offset = 0;
    if (!view)
        view = "active";
    if (!queue_view_valid(view)) {
        reply_error(r, 400, "bad_parameter",
                    "view phải là new, due_today, due_soon, overdue, supplement, approval,"
                    " mine, active hoặc all",
                    "view");
        return;
    }
    if ((l && req_long_or_reply(r, l, "limit", 1, 200, 0, &limit)) ||
        (o && req_long_or_reply(r, o, "offset", 0, 1000000, 0, &offset)))
        return;
    if (q && strlen(q) > 100) {
        reply_error(r, 400, "bad_parameter", "Từ khóa quá dài (tối đa 100 ký tự)", "q");
        return;
    }
    struct queue_filter filter; /* the reports' drill-down: unit, from, to, result, channel */
    struct unit filter_unit;
    if (report_drill_filter_or_reply(r, &filter, &filter_unit))
        return;
    json_t *j = queue_json_filtered(r->db, r->account.id, view, q, &filter, (int)limit,
                                    (int)offset, now_unix());
    if (!j) {
        reply_internal(r, "queue failed");
        return;
    }
    reply_json(r, 200, j);
}

static json_t *staff_dossier(struct req *r, const struct dossier *d)
{
    json_t *o = queue_dossier_json(r->db, d->id);
    if (o) {
        json_object_set_new(o, "actions",
                            workflow_actions_json(r->db, d, ACTOR_STAFF, r->account.id));
        json_t *res = results_json(r->db, d->id);
        json_object_set_new(o, "results", res ? res : json_array());
        json_t *issued = issued_list_json(r->db, d->id);
        json_object_set_new(o, "issued", issued ? issued : json_array());
        json_object_set_new(o, "can_edit_results",
                            json_boolean((d->status_code == STATUS_PROCESSING || d->status_code == STATUS_DONE) &&
                                         staff_may_edit_results(r, d)));
    }
    return o;
}

static void dossier_get(struct req *r)
{
    struct dossier d;
    if (staff_dossier_or_reply(r, &d, ACCESS_DRAFTS))
        return;
    json_t *o = staff_dossier(r, &d);
    if (!o) {
        reply_internal(r, "dossier read failed");
        return;
    }
    reply_json(r, 200, o);
}

/* The officer's view of dossier id after a change; NULL if it cannot be
 * read or is no longer in the officer's units. */
static json_t *staff_dossier_after(struct req *r, int64_t id)
{
    struct dossier d;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return dossier_find(r->db, key, 0, &d) == STORE_ROW ? staff_dossier(r, &d) : NULL;
}

static void stepped(struct req *r)
{
    struct workflow_step *s = r->data;
    json_t *o = staff_dossier_after(r, s->dossier_id);
    if (!o) {
        /* Forwarded out of this officer's units: the step is done, the
         * dossier is simply no longer theirs to see. */
        reply_json(r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)s->dossier_id, "state",
                                     s->new_state));
        return;
    }
    reply_json(r, 200, o);
}

/* An optional member copied to out; multi-line text when multiline. */
static int optional_string(struct req *r, json_t *body, const char *key, size_t max, int multiline,
                           char *out, size_t cap)
{
    const char *v;
    if ((multiline ? req_text_or_reply : req_string_or_reply)(r, body, key, 0, 0, max, &v))
        return -1;
    copy_str(out, cap, v ? v : "");
    return 0;
}

/* The dossier in the path, seen by the officer, and the request's JSON
 * body (the caller frees it); NULL after replying. */
static json_t *dossier_and_body_or_reply(struct req *r, struct dossier *d)
{
    return staff_dossier_or_reply(r, d, ACCESS_DRAFTS) ? NULL : req_json_object_or_reply(r);
}

/* A step that signs the result (its transition has signs_result: the
 * leader's approval): sign first, then commit. The step's state comes
 * first so that stepped() reads it as a struct workflow_step. */
struct signing_step {
    struct workflow_step step;
    struct issued_approval a;
    struct issued_env env;
    const char *db_path;
    struct derr err; /* of the signing */
    int rc;
};

static void release_signing(void *p)
{
    struct signing_step *s = p;
    issued_approval_clear(&s->a);
    derr_clear(&s->err);
}

/* The write job: the step, then the documents it issues; a refused step
 * records nothing (the signed files left in the store are harmless, as
 * uploads that never got their row). */
static int signing_step_job(struct store *db, void *arg)
{
    struct signing_step *s = arg;
    if (workflow_step_job(db, &s->step))
        return -1;
    return issued_approval_record(db, &s->a, s->step.actor_id, s->step.now, &s->step.err);
}

static void sign_work(void *arg)
{
    struct signing_step *s = arg;
    struct store *db;
    char err[256];
    if (store_open(s->db_path, 1, &db, err, sizeof err)) {
        s->rc = derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
        return;
    }
    s->rc = issued_approval_prepare(db, &s->env, s->step.dossier_id, s->step.actor_id,
                                    s->step.now, &s->a, &s->err);
    store_close(db);
}

static void signed_result(struct req *r)
{
    struct signing_step *s = r->data;
    if (s->rc) {
        reply_derr(r, &s->err);
        return;
    }
    http_defer_job(r, signing_step_job, s, &s->step.err, stepped);
}

/* Does this step sign? 1 (then the officer may take it and the keys are
 * ready: signing starts), 0 (an ordinary step), or -1 after answering (a
 * key that may not sign: nothing changed). */
static int signing_step_or_reply(struct req *r, const struct dossier *d, const char *action)
{
    char perm[64];
    int signs = workflow_step_signs(r->db, d, action, perm, sizeof perm);
    if (signs < 0) {
        reply_internal(r, "workflow lookup failed");
        return -1;
    }
    /* Someone who may not take the step is refused by the step itself. */
    if (!signs || permission_can(r->db, r->account.id, perm, d->current_unit_id) != 1)
        return 0;
    struct issued_signature sigs[2];
    struct derr err = {0};
    issued_approval_signers(d->current_unit_id, r->account.id, sigs);
    if (issued_signers_ready(r->db, sigs, 2, now_unix(), &err)) {
        reply_derr(r, &err);
        derr_clear(&err);
        return -1;
    }
    return 1;
}

static void dossier_action(struct req *r)
{
    struct dossier d;
    json_t *body = dossier_and_body_or_reply(r, &d);
    if (!body)
        return;
    const char *action = req_param(r, "action");
    int signs = signing_step_or_reply(r, &d, action);
    if (signs < 0)
        return;
    struct signing_step *ss = NULL;
    struct workflow_step *s;
    if (signs) {
        ss = req_state(r, sizeof *ss, release_signing);
        s = ss ? &ss->step : NULL;
    } else {
        s = req_state(r, sizeof *s, NULL);
    }
    if (!s)
        return;
    if (optional_string(r, body, "note", WORKFLOW_NOTE_MAX, 1, s->note, sizeof s->note) ||
        optional_string(r, body, "assignee", 63, 0, s->assignee, sizeof s->assignee) ||
        optional_string(r, body, "unit", 63, 0, s->unit_code, sizeof s->unit_code))
        return;
    s->dossier_id = d.id;
    copy_str(s->action, sizeof s->action, action);
    s->actor = ACTOR_STAFF;
    s->actor_id = r->account.id;
    s->cal = r->app->cal;
    s->now = now_unix();
    if (!ss) {
        http_defer_job(r, workflow_step_job, s, &s->err, stepped);
        return;
    }
    ss->db_path = r->app->db_path;
    ss->env = (struct issued_env){.data_dir = r->app->data_dir, .files_dir = r->app->files_dir,
                                  .base_url = r->app->base_url, .stamp = r->app->stamp,
                                  .stamp_ctx = r->app->stamp_ctx};
    http_defer_work(r, sign_work, ss, signed_result);
}

static void apologized(struct req *r)
{
    struct apology_job *a = r->data;
    json_t *o = staff_dossier_after(r, a->dossier_id);
    if (!o) {
        reply_internal(r, "dossier read-back failed");
        return;
    }
    json_object_set_new(o, "apology", json_integer(a->n));
    reply_json(r, 201, o);
}

/* A late dossier: an apology letter with a new appointment. */
static void dossier_apologize(struct req *r)
{
    struct dossier d;
    json_t *body = dossier_and_body_or_reply(r, &d);
    if (!body)
        return;
    const char *when, *reason;
    int64_t new_due;
    if (req_string_or_reply(r, body, "new_due_at", 1, 16, 25, &when) ||
        req_string_or_reply(r, body, "reason", 1, 1, APOLOGY_REASON_MAX, &reason))
        return;
    if (cal_parse_local(when, &new_due) < 0) {
        reply_error(r, 422, "bad_date", "Ngày hẹn mới phải có dạng YYYY-MM-DDTHH:MM",
                    "new_due_at");
        return;
    }
    struct apology_job *a = req_state(r, sizeof *a, NULL);
    if (!a)
        return;
    a->dossier_id = d.id;
    a->officer_id = r->account.id;
    a->new_due_at = new_due;
    a->now = now_unix();
    copy_str(a->reason, sizeof a->reason, reason);
    http_defer_job(r, apology_record_job, a, &a->err, apologized);
}

/* Officers who may process dossiers of a unit (for assignment). */
static void officers(struct req *r)
{
    const char *code = req_query(r, "unit");
    struct unit u;
    if (!code || strlen(code) > 63 || unit_by_code(r->db, code, &u) != STORE_ROW ||
        permission_can(r->db, r->account.id, "dossier.read", u.id) != 1) {
        reply_error(r, 404, "not_found", "Không tìm thấy đơn vị", "unit");
        return;
    }
    json_t *items = permission_holders_json(r->db, "dossier.process", u.id);
    if (!items) {
        reply_internal(r, "officers failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "items", items));
}

const struct route api_staff_routes[] = {
    {"GET", "/api/v1/staff/dossiers", queue, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/dossiers/{id}", dossier_get, ROUTE_OFFICER},
    {"POST", "/api/v1/staff/dossiers/{id}/actions/{action}", dossier_action, ROUTE_OFFICER},
    {"POST", "/api/v1/staff/dossiers/{id}/apology", dossier_apologize, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/officers", officers, ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};

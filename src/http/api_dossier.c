/* api_dossier: a citizen's own dossiers (draft, form, files, submit,
 * withdraw, receipt) and the public lookup by code. Someone else's dossier
 * answers 404, exactly like a dossier that does not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "base/ratelimit.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "catalog/eform.h"
#include "catalog/forms.h"
#include "catalog/procedure.h"
#include "dossier/dossier.h"
#include "dossier/lookup_cache.h"
#include "dossier/status.h"
#include "http/document_reply.h"
#include "http/dossier_access.h"
#include "http/http.h"
#include "http/receipt_reply.h"
#include "http/router.h"
#include "http/upload.h"
#include "issued/issuing.h"
#include "store/store.h"
#include "workflow/workflow.h"

/* The dossier in the path, if the caller may work on it as a draft: a
 * citizen's own dossier, or the walk-in an officer is registering. Sets the
 * owner filter and the actor for the write jobs. */
static int editable_or_reply(struct req *r, struct dossier *d, struct dossier_target *to)
{
    int officer = r->route->flags & ROUTE_STAFF;
    if (!officer) {
        if (own_dossier_or_reply(r, d, ACCESS_DRAFTS))
            return -1;
    } else {
        int rc = dossier_find(r->db, req_param(r, "id"), 0, d);
        if (rc != STORE_ROW || d->received_by != r->account.id || d->code[0]) {
            if (rc < 0)
                reply_internal(r, "dossier lookup failed");
            else
                reply_error(r, 404, "not_found", "Không tìm thấy hồ sơ", NULL);
            return -1;
        }
    }
    *to = (struct dossier_target){.id = d->id,
                                  .owner_id = officer ? 0 : r->account.id,
                                  .actor_id = r->account.id};
    return 0;
}

/* The applicant's view of a dossier: the dossier, and what was issued
 * signed for it so far, each with its verification page's id. NULL on a
 * store error. */
static json_t *applicant_dossier_json(struct req *r, const struct dossier *d)
{
    json_t *o = dossier_json(r->db, d, 1);
    json_t *issued =
        o ? issued_applicant_json(r->db, d->id, d->status_code == STATUS_RETURNED) : NULL;
    if (!issued) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "issued", issued);
    return o;
}

static void reply_dossier(struct req *r, int status, int64_t id)
{
    struct dossier d;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    json_t *o = dossier_find(r->db, key, 0, &d) == STORE_ROW ? applicant_dossier_json(r, &d) : NULL;
    if (!o) {
        reply_internal(r, "dossier read-back failed");
        return;
    }
    reply_json(r, status, o);
}

/* --- create, list, get ------------------------------------------------ */

/* A new draft: the job checks the procedure and the unit; the strings it
 * borrows live in the request's body, which lives until the answer. */
static void created(struct req *r)
{
    struct dossier_create *job = r->data;
    reply_dossier(r, 201, job->id);
}

static void dossier_create(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *pcode, *ucode;
    struct dossier_create *job;
    if (req_string_or_reply(r, body, "procedure_code", 1, 1, 60, &pcode) ||
        req_string_or_reply(r, body, "unit_code", 1, 1, 60, &ucode) ||
        !(job = req_state(r, sizeof *job, NULL)))
        return;
    *job = (struct dossier_create){.procedure_code = pcode,
                                   .unit_code = ucode,
                                   .owner_id = r->account.id};
    http_defer_job(r, dossier_create_job, job, &job->err, created);
}

/* A walk-in (hồ sơ trực tiếp) or a dossier received by post, registered by
 * an officer of the desk: a draft the officer fills from the paper
 * declaration and the scanned documents, then submits (status 1 and at
 * once 2). The applicant's details follow data/forms/walkin.json. */
static const char *applicant_str(json_t *a, const char *key)
{
    const char *v = json_string_value(json_object_get(a, key));
    return v ? v : "";
}

static void walkin_create(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *pcode, *ucode, *channel;
    json_t *applicant = json_object_get(body, "applicant");
    struct dossier_create *job;
    if (req_string_or_reply(r, body, "procedure_code", 1, 1, 60, &pcode) ||
        req_string_or_reply(r, body, "unit_code", 1, 1, 60, &ucode) ||
        req_string_or_reply(r, body, "channel", 1, 1, 8, &channel))
        return;
    if (strcmp(channel, "desk") != 0 && strcmp(channel, "post") != 0) {
        reply_error(r, 422, "bad_channel", "Hình thức nhận phải là desk hoặc post", "channel");
        return;
    }
    if (!json_is_object(applicant)) {
        reply_error(r, 422, "required", "Thiếu thông tin người nộp hồ sơ", "applicant");
        return;
    }
    if (req_form_or_reply(r, forms_schema("data/forms/walkin.json"), applicant, 0) ||
        !(job = req_state(r, sizeof *job, NULL)))
        return;
    *job = (struct dossier_create){.procedure_code = pcode,
                                   .unit_code = ucode,
                                   .received_by = r->account.id,
                                   .channel = strcmp(channel, "post") == 0 ? "post" : "desk",
                                   .applicant_id_number = applicant_str(applicant, "citizen_id"),
                                   .applicant_name = applicant_str(applicant, "name"),
                                   .applicant_phone = applicant_str(applicant, "phone"),
                                   .applicant_email = applicant_str(applicant, "email"),
                                   .applicant_address = applicant_str(applicant, "address")};
    http_defer_job(r, dossier_create_job, job, &job->err, created);
}

/* A walk-in's applicant follows it online by claiming it with the code the
 * receipt gives (dossier_claim_job). Tries are limited per account and
 * address, so codes cannot be guessed. */
struct claim_state {
    struct dossier_claim job;
    char limit_key[128];
};

static void claimed(struct req *r)
{
    struct claim_state *s = r->data;
    ratelimit_reset(r->app->rl_claim, s->limit_key);
    reply_dossier(r, 200, s->job.id);
}

static void dossier_claim(struct req *r)
{
    if (strcmp(r->account.kind, "citizen") != 0) {
        reply_error(r, 403, "citizens_only", "Chỉ tài khoản công dân nhận được hồ sơ", NULL);
        return;
    }
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *code, *claim;
    struct claim_state *s = NULL;
    if (req_string_or_reply(r, body, "code", 1, 1, 95, &code) ||
        req_string_or_reply(r, body, "claim_code", 1, 1, 31, &claim) ||
        !(s = req_state(r, sizeof *s, NULL)))
        return;
    snprintf(s->limit_key, sizeof s->limit_key, "claim:%lld|%s", (long long)r->account.id,
             req_client_ip(r));
    if (req_limit_or_reply(r, r->app->rl_claim, s->limit_key, "too_many_attempts",
                           "Nhập sai mã nhiều lần, vui lòng thử lại sau"))
        return;
    copy_str(s->job.code, sizeof s->job.code, code);
    copy_str(s->job.claim_code, sizeof s->job.claim_code, claim);
    s->job.account_id = r->account.id;
    http_defer_job(r, dossier_claim_job, &s->job, &s->job.err, claimed);
}

static void dossier_list(struct req *r)
{
    long limit = 50, offset = 0;
    const char *l = req_query(r, "limit"), *o = req_query(r, "offset");
    if ((l && req_long_or_reply(r, l, "limit", 1, 200, 0, &limit)) ||
        (o && req_long_or_reply(r, o, "offset", 0, 1000000, 0, &offset)))
        return;
    json_t *j = dossier_list_json(r->db, r->account.id, (int)limit, (int)offset);
    if (!j) {
        reply_internal(r, "dossier list failed");
        return;
    }
    reply_json(r, 200, j);
}

static void dossier_get(struct req *r)
{
    struct dossier d;
    if (own_dossier_or_reply(r, &d, ACCESS_DRAFTS))
        return;
    json_t *o = applicant_dossier_json(r, &d);
    if (!o) {
        reply_internal(r, "dossier read failed");
        return;
    }
    reply_json(r, 200, o);
}

/* --- form --------------------------------------------------------------- */

static void form_saved(struct req *r)
{
    struct dossier_save_form *job = r->data;
    reply_dossier(r, 200, job->id);
}

static void dossier_put_form(struct req *r)
{
    struct dossier d;
    const struct procedure *p;
    struct dossier_target to;
    if (editable_or_reply(r, &d, &to))
        return;
    if (strcmp(d.state, "draft") != 0) {
        reply_error(r, 409, "not_a_draft", "Hồ sơ đã nộp, không thể sửa", NULL);
        return;
    }
    json_t *form = req_json_object_or_reply(r); /* the request's: it outlives the job */
    struct dossier_save_form *job;
    if (!form)
        return;
    if (!(p = procedure_cached(r->db, d.procedure_id))) {
        reply_internal(r, "procedure read failed");
        return;
    }
    if (req_form_or_reply(r, p->form, form, 1) || !(job = req_state(r, sizeof *job, NULL)))
        return;
    job->to = to;
    job->form = form;
    http_defer_job(r, dossier_save_form_job, job, &job->err, form_saved);
}

/* --- files -------------------------------------------------------------- */

struct file_state {
    struct dossier_file_op op;
    struct upload upload;
};

static void file_added(struct req *r)
{
    struct file_state *s = r->data;
    reply_json(r, 201,
               json_pack("{s:{s:s, s:s, s:I, s:s, s:s}}", "file", "name", s->op.name, "document",
                         s->op.document_key, "size", (json_int_t)s->op.size, "content_type",
                         s->op.content_type, "sha256", s->op.sha256));
}

static void dossier_put_file(struct req *r)
{
    struct dossier d;
    struct dossier_target to;
    if (editable_or_reply(r, &d, &to))
        return;
    const char *name = req_param(r, "name"), *doc_key = req_query(r, "document");
    if (doc_key && strlen(doc_key) > 64) {
        reply_error(r, 422, "unknown_document", "Thủ tục không có loại giấy tờ này", "document");
        return;
    }
    if (!dossier_file_name_valid(name)) {
        reply_error(r, 422, "bad_file_name",
                    "Tên tệp chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 100 ký tự)",
                    "name");
        return;
    }
    struct upload up = {0};
    if (upload_check_or_reply(r, name, &up))
        return;
    struct file_state *s = req_state(r, sizeof *s, NULL);
    if (!s)
        return;
    s->op.to = to;
    copy_str(s->op.name, sizeof s->op.name, name);
    copy_str(s->op.document_key, sizeof s->op.document_key, doc_key ? doc_key : "");
    copy_str(s->op.content_type, sizeof s->op.content_type, up.content_type);
    /* Refused from the head when it can be: the dossier's state, the
     * document key and the room left (the job checks again). */
    int64_t supplement_event;
    s->op.size = r->head.content_length > 0 ? r->head.content_length : 0;
    if (dossier_file_admissible(r->db, &s->op, &supplement_event)) {
        reply_derr(r, &s->op.err);
        return;
    }
    s->upload = up;
    upload_store_then(r, &s->upload, s->op.sha256, &s->op.size, dossier_add_file_job, &s->op,
                      &s->op.err,
                      file_added);
}

static void file_removed(struct req *r) { reply_empty(r, 204); }

static void dossier_delete_file(struct req *r)
{
    struct dossier d;
    struct dossier_target to;
    if (editable_or_reply(r, &d, &to))
        return;
    struct file_state *s = req_state(r, sizeof *s, NULL);
    if (!s)
        return;
    s->op.to = to;
    copy_str(s->op.name, sizeof s->op.name, req_param(r, "name"));
    http_defer_job(r, dossier_remove_file_job, &s->op, &s->op.err, file_removed);
}

/* The documents of a dossier below serve the citizen's routes and the
 * officers' twins (dossier_or_reply picks the access check by route). */

static void dossier_get_file(struct req *r)
{
    struct dossier d;
    if (dossier_or_reply(r, &d, ACCESS_DRAFTS))
        return;
    reply_dossier_file(r, &d, DOSSIER_FILES_HANDED_IN, req_param(r, "name"));
}

/* --- submit, withdraw ---------------------------------------------------- */

static void submitted(struct req *r)
{
    struct dossier_submit *s = r->data;
    reply_dossier(r, 200, s->id);
}

static void dossier_submit(struct req *r)
{
    struct dossier d;
    struct dossier_target to;
    if (editable_or_reply(r, &d, &to))
        return;
    struct dossier_submit *s = req_state(r, sizeof *s, NULL);
    if (!s)
        return;
    s->to = to;
    s->cal = r->app->cal;
    s->now = now_unix();
    s->today_ymd = cal_local_ymd(s->now);
    http_defer_job(r, dossier_submit_job, s, &s->err, submitted);
}

/* Owner actions (withdraw, supply) go through the workflow. */
static void stepped(struct req *r)
{
    struct workflow_step *s = r->data;
    reply_dossier(r, 200, s->dossier_id);
}

static void owner_step(struct req *r, const char *action)
{
    struct dossier d;
    if (own_dossier_or_reply(r, &d, ACCESS_DRAFTS))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *note;
    int withdraw = strcmp(action, "withdraw") == 0;
    struct workflow_step *s;
    if ((withdraw ? req_string_or_reply : req_text_or_reply)(r, body, withdraw ? "reason" : "note",
                                                             withdraw, withdraw, 500, &note) ||
        !(s = req_state(r, sizeof *s, NULL)))
        return;
    s->dossier_id = d.id;
    copy_str(s->action, sizeof s->action, action);
    s->actor = ACTOR_OWNER;
    s->actor_id = r->account.id;
    copy_str(s->note, sizeof s->note, note ? note : "");
    s->cal = r->app->cal;
    s->now = now_unix();
    http_defer_job(r, workflow_step_job, s, &s->err, stepped);
}

static void dossier_withdraw(struct req *r) { owner_step(r, "withdraw"); }

static void dossier_action(struct req *r)
{
    const char *action = req_param(r, "action");
    if (strcmp(action, "withdraw") != 0 && strcmp(action, "supply") != 0) {
        reply_error(r, 404, "unknown_action", "Không có thao tác này", NULL);
        return;
    }
    owner_step(r, action);
}

/* --- receipt and lookup --------------------------------------------------- */

/* The receipt: the applicant's copy, or the desk's to print. */
static void dossier_receipt(struct req *r)
{
    struct dossier d;
    if (dossier_or_reply(r, &d, ACCESS_DRAFTS))
        return;
    if (!d.code[0]) {
        reply_error(r, 409, "not_submitted", "Hồ sơ chưa nộp nên chưa có giấy tiếp nhận", NULL);
        return;
    }
    reply_receipt(r, &d);
}

/* The result document (the applicant's once the result is returned). */
static void dossier_result(struct req *r)
{
    struct dossier d;
    if (dossier_or_reply(r, &d, ACCESS_DRAFTS) || result_visible_or_reply(r, &d))
        return;
    reply_document(r, &d, DOCUMENT_RESULT, 0);
}

static void dossier_apology_letter(struct req *r)
{
    struct dossier d;
    long n;
    if (dossier_or_reply(r, &d, ACCESS_DRAFTS) ||
        req_long_or_reply(r, req_param(r, "n"), "n", 1, 1000, 1, &n))
        return;
    reply_document(r, &d, DOCUMENT_APOLOGY, (int)n);
}

/* Public: status only, never personal data. Answers come from the lookup
 * cache when they can (see dossier/lookup_cache.h). */
static void lookup(struct req *r)
{
    /* Per client address, so that codes cannot be tried in bulk; a code
     * that finds nothing costs five times as much. */
    const char *ip = req_client_ip(r);
    if (req_limit_or_reply(r, r->app->rl_lookup, ip, "too_many_lookups",
                           "Tra cứu quá nhiều lần, vui lòng thử lại sau"))
        return;
    const char *code = req_param(r, "code");
    char cached[8192];
    int n = lookup_cache_get(code, cached, sizeof cached);
    if (n >= 0) {
        reply_bytes(r, 200, "application/json; charset=utf-8", cached, (size_t)n);
        return;
    }
    uint64_t gen = lookup_cache_generation();
    json_t *o = strlen(code) < 96 ? dossier_lookup_json(r->db, code) : NULL;
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) {
        ratelimit_charge(r->app->rl_lookup, ip, 4, now_unix());
        reply_error(r, 404, "not_found", "Không tìm thấy hồ sơ có mã này", NULL);
        return;
    }
    lookup_cache_put(code, s, strlen(s), gen);
    reply_bytes(r, 200, "application/json; charset=utf-8", s, strlen(s));
    free(s);
}

const struct route api_dossier_routes[] = {
    {"POST", "/api/v1/dossiers", dossier_create, ROUTE_USER},
    {"POST", "/api/v1/dossiers/claim", dossier_claim, ROUTE_USER},
    {"GET", "/api/v1/dossiers", dossier_list, ROUTE_USER},
    {"GET", "/api/v1/dossiers/{id}", dossier_get, ROUTE_USER},
    {"PUT", "/api/v1/dossiers/{id}/form", dossier_put_form, ROUTE_USER},
    {"PUT", "/api/v1/dossiers/{id}/files/{name}", dossier_put_file, ROUTE_USER | ROUTE_UPLOAD},
    {"DELETE", "/api/v1/dossiers/{id}/files/{name}", dossier_delete_file, ROUTE_USER},
    {"GET", "/api/v1/dossiers/{id}/files/{name}", dossier_get_file, ROUTE_USER},
    {"POST", "/api/v1/dossiers/{id}/submit", dossier_submit, ROUTE_USER},
    {"POST", "/api/v1/dossiers/{id}/withdraw", dossier_withdraw, ROUTE_USER},
    {"POST", "/api/v1/dossiers/{id}/actions/{action}", dossier_action, ROUTE_USER},
    {"GET", "/api/v1/dossiers/{id}/receipt.pdf", dossier_receipt, ROUTE_USER},
    {"GET", "/api/v1/dossiers/{id}/result.pdf", dossier_result, ROUTE_USER},
    {"GET", "/api/v1/dossiers/{id}/apologies/{n}", dossier_apology_letter, ROUTE_USER},
    {"GET", "/api/v1/lookup/{code}", lookup, 0},
    /* Walk-in and postal dossiers, registered by an officer of the desk. */
    {"POST", "/api/v1/staff/dossiers", walkin_create, ROUTE_OFFICER},
    {"PUT", "/api/v1/staff/dossiers/{id}/form", dossier_put_form, ROUTE_OFFICER},
    {"PUT", "/api/v1/staff/dossiers/{id}/files/{name}", dossier_put_file,
     ROUTE_OFFICER | ROUTE_UPLOAD},
    {"DELETE", "/api/v1/staff/dossiers/{id}/files/{name}", dossier_delete_file, ROUTE_OFFICER},
    {"POST", "/api/v1/staff/dossiers/{id}/submit", dossier_submit, ROUTE_OFFICER},
    /* The documents, for officers who may see the dossier. */
    {"GET", "/api/v1/staff/dossiers/{id}/files/{name}", dossier_get_file, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/dossiers/{id}/receipt.pdf", dossier_receipt, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/dossiers/{id}/result.pdf", dossier_result, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/dossiers/{id}/apologies/{n}", dossier_apology_letter,
     ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};

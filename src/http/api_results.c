/* api_results: the result documents officers attach to a dossier (the
 * signed decision, certificate or extract as a PDF or a scan), and the
 * applicant's download once the result was returned. See dossier/results.h. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "calendar/calendar.h"
#include "dossier/dossier.h"
#include "dossier/results.h"
#include "dossier/status.h"
#include "http/document_reply.h"
#include "http/dossier_access.h"
#include "http/http.h"
#include "http/router.h"
#include "http/upload.h"

struct result_state {
    struct result_file_op op;
    struct upload upload;
};

/* The dossier, readable by the officer, that they may attach results to,
 * with a valid file name. Returns 0, or -1 after replying. */
static int editable_or_reply(struct req *r, struct dossier *d, const char **name)
{
    if (staff_dossier_or_reply(r, d, ACCESS_SUBMITTED))
        return -1;
    if (!staff_may_edit_results(r, d)) {
        reply_error(r, 403, "forbidden", "Vai trò của bạn không được đính kèm kết quả", NULL);
        return -1;
    }
    *name = req_param(r, "name");
    if (!dossier_file_name_valid(*name)) {
        reply_error(r, 422, "bad_file_name",
                    "Tên tệp chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 100 ký tự)",
                    "name");
        return -1;
    }
    return 0;
}

static struct result_state *new_state(struct req *r, const struct dossier *d, const char *name)
{
    struct result_state *s = req_state(r, sizeof *s, NULL);
    if (!s) {
        return NULL;
    }
    s->op.dossier_id = d->id;
    s->op.actor_id = r->account.id;
    copy_str(s->op.name, sizeof s->op.name, name);
    return s;
}

static void result_added(struct req *r)
{
    struct result_state *s = r->data;
    reply_json(r, 201, json_pack("{s:{s:s, s:s, s:I, s:s, s:o}}", "result", "name", s->op.name,
                                 "content_type", s->op.content_type, "size",
                                 (json_int_t)s->op.size, "sha256", s->op.sha256, "uploaded_at",
                                 cal_json_iso(s->op.uploaded_at)));
}

static void result_put(struct req *r)
{
    struct dossier d;
    const char *name;
    struct upload up = {0};
    if (editable_or_reply(r, &d, &name) || upload_check_or_reply(r, name, &up))
        return;
    struct result_state *s = new_state(r, &d, name);
    if (!s)
        return;
    copy_str(s->op.content_type, sizeof s->op.content_type, up.content_type);
    /* "If-None-Match: *": only if no result of that name exists yet (RFC 9110). */
    const char *inm = req_header(r, "If-None-Match");
    s->op.create_only = inm && strcmp(inm, "*") == 0;
    /* Refused from the head when it can be (the job checks again). */
    s->op.size = r->head.content_length > 0 ? r->head.content_length : 0;
    if (result_admissible(r->db, &s->op)) {
        reply_derr(r, &s->op.err);
        return;
    }
    s->upload = up;
    upload_store_then(r, &s->upload, s->op.sha256, &s->op.size, result_add_job, &s->op, &s->op.err,
                      result_added);
}

static void result_removed(struct req *r) { reply_empty(r, 204); }

static void result_delete(struct req *r)
{
    struct dossier d;
    const char *name;
    if (editable_or_reply(r, &d, &name))
        return;
    struct result_state *s = new_state(r, &d, name);
    if (s)
        http_defer_job(r, result_remove_job, &s->op, &s->op.err, result_removed);
}

/* A result document: officers' and the applicant's route (the applicant's
 * only once the result was returned). */
static void result_get(struct req *r)
{
    struct dossier d;
    if (dossier_or_reply(r, &d, ACCESS_SUBMITTED) || result_visible_or_reply(r, &d))
        return;
    reply_dossier_file(r, &d, DOSSIER_FILES_RESULTS, req_param(r, "name"));
}

const struct route api_results_routes[] = {
    {"PUT", "/api/v1/staff/dossiers/{id}/results/{name}", result_put, ROUTE_OFFICER | ROUTE_UPLOAD},
    {"DELETE", "/api/v1/staff/dossiers/{id}/results/{name}", result_delete, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/dossiers/{id}/results/{name}", result_get, ROUTE_OFFICER},
    {"GET", "/api/v1/dossiers/{id}/results/{name}", result_get, ROUTE_USER},
    {NULL, NULL, NULL, 0},
};

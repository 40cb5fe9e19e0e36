/* api_incoming_paper: incoming documents that arrive on paper
 * (document/paper_in.h, docs/documents.md "Paper documents"). The clerk
 * enters what the paper says, then uploads its scan (a PDF); from there it
 * is an incoming document like any other (api_incoming.c). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/permission.h"
#include "base/log.h"
#include "base/util.h"
#include "document/document.h"
#include "document/incoming.h"
#include "document/paper_in.h"
#include "dossier/filestore.h"
#include "http/http.h"
#include "http/router.h"
#include "http/upload.h"
#include "search/search.h"
#include "store/store.h"

#define MAX_SCAN_TEXT ((size_t)64 << 20) /* bytes of a scan read for its text layer */

struct paper_state {
    struct paper_entry entry;
    struct paper_scan scan;
    struct upload upload;
    char sha[65];
    char today[11];
    char *text; /* the scan's text layer (malloc'd), or NULL */
    size_t text_len;
};

static void release_state(void *p)
{
    struct paper_state *s = p;
    derr_clear(&s->entry.err);
    derr_clear(&s->scan.err);
    free(s->text);
}

/* The document id with its incoming side, as GET /api/v1/incoming/{id}. */
static void reply_document(struct req *r, int status, int64_t id)
{
    struct document d;
    json_t *j = document_get(r->db, id, &d) == STORE_ROW ? document_json(r->db, &d) : NULL;
    json_t *in = j ? incoming_json(r->db, &d) : NULL;
    if (!in) {
        json_decref(j);
        reply_internal(r, "paper document read-back failed");
        return;
    }
    json_object_set_new(j, "incoming", in);
    reply_json(r, status, json_pack("{s:o}", "document", j));
}

static void entered(struct req *r)
{
    struct paper_state *s = r->data;
    reply_document(r, 201, s->entry.id);
}

/* POST /api/v1/incoming/paper {unit_id, type, summary, notation, issued_on,
 * sender, priority?, confidentiality?}: a paper document the clerk enters,
 * state arrived, waiting for its scan. */
static void enter(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    json_t *unit = json_object_get(body, "unit_id");
    if (!json_is_integer(unit) || json_integer_value(unit) < 1 ||
        json_integer_value(unit) > INT32_MAX) {
        reply_error(r, 422, "required", "Chọn đơn vị nhận văn bản", "unit_id");
        return;
    }
    struct paper_state *s = req_state(r, sizeof *s, release_state);
    if (!s)
        return;
    struct paper_entry *e = &s->entry;
    if (req_string_or_reply(r, body, "type", 1, 1, 64, &e->type) ||
        req_string_or_reply(r, body, "summary", 1, 1, DOCUMENT_SUMMARY_MAX, &e->summary) ||
        req_string_or_reply(r, body, "notation", 1, 1, PAPER_NOTATION_MAX, &e->notation) ||
        req_string_or_reply(r, body, "issued_on", 1, 10, 10, &e->issued_on) ||
        req_string_or_reply(r, body, "sender", 1, 1, PAPER_SENDER_MAX, &e->sender) ||
        req_string_or_reply(r, body, "priority", 0, 1, 32, &e->priority) ||
        req_string_or_reply(r, body, "confidentiality", 0, 1, 32, &e->confidentiality))
        return;
    if (!e->priority)
        e->priority = "thuong";
    if (!e->confidentiality)
        e->confidentiality = "thuong";
    e->unit_id = json_integer_value(unit);
    e->actor_id = r->account.id;
    e->now = now_unix();
    document_date(e->now, s->today);
    e->today = s->today;
    http_defer_job(r, paper_entry_job, e, &e->err, entered);
}

static void scanned(struct req *r)
{
    struct paper_state *s = r->data;
    reply_document(r, 200, s->scan.document_id);
}

/* The upload's own step: the file is in the store; its text is read next,
 * then paper_scan_job records it. */
static int scan_kept(struct store *db, void *arg)
{
    (void)db;
    (void)arg;
    return 0;
}

/* On the pool: the scan's text layer, for search (a plain image scan has
 * none, which is no error). */
static void scan_read(void *arg)
{
    struct req *r = arg;
    struct paper_state *s = r->data;
    struct derr err = {0};
    size_t len = 0;
    unsigned char *pdf = filestore_read_all(r->app->files_dir, s->sha, MAX_SCAN_TEXT, &len);
    if (pdf && search_pdf_text(pdf, len, NULL, &s->text, &s->text_len, &err) < 0) {
        log_info("paper document %lld: scan indexed without text: %s",
                 (long long)s->scan.document_id, err.message);
        s->text = NULL;
        s->text_len = 0;
    }
    derr_clear(&err);
    free(pdf);
    s->scan.text = s->text;
    s->scan.text_len = s->text_len;
}

static void scan_text_read(struct req *r)
{
    struct paper_state *s = r->data;
    http_defer_job(r, paper_scan_job, &s->scan, &s->scan.err, scanned);
}

static void scan_stored(struct req *r) { http_defer_work(r, scan_read, r, scan_text_read); }

/* PUT /api/v1/incoming/{id}/scan/{name}: the scan of a paper document, a
 * PDF (raw bytes), before it is registered. Who may is checked from the
 * head, before the body comes; the job checks again. */
static void put_scan(struct req *r)
{
    long id;
    struct document d;
    struct upload up = {0};
    if (req_long_or_reply(r, req_param(r, "id"), "id", 1, INT32_MAX, 1, &id))
        return;
    int rc = document_get(r->db, id, &d);
    if (rc < 0) {
        reply_internal(r, "document read failed");
        return;
    }
    if (rc != STORE_ROW || strcmp(d.direction, "in") != 0 ||
        !document_visible(r->db, r->account.id, &d)) {
        reply_error(r, 404, "document_not_found", "Không tìm thấy văn bản", NULL);
        return;
    }
    if (permission_can(r->db, r->account.id, INCOMING_PERM_RECEIVE, d.unit_id) != 1) {
        reply_error(r, 403, "forbidden", "Bạn không có quyền thực hiện thao tác này", NULL);
        return;
    }
    if (d.source_id) {
        reply_error(r, 409, "wrong_state", "Văn bản nhận trên hệ thống đã có tệp của nơi gửi",
                    NULL);
        return;
    }
    if (upload_check_or_reply(r, req_param(r, "name"), &up))
        return;
    if (strcmp(up.content_type, "application/pdf") != 0) {
        reply_error(r, 415, "pdf_required", "Bản quét phải là tệp PDF", "name");
        return;
    }
    struct paper_state *s = req_state(r, sizeof *s, release_state);
    if (!s)
        return;
    s->scan = (struct paper_scan){.document_id = d.id, .actor_id = r->account.id,
                                  .sha256 = s->sha, .now = now_unix()};
    s->upload = up;
    upload_store_then(r, &s->upload, s->sha, &s->scan.size, scan_kept, NULL, &s->scan.err,
                      scan_stored);
}

const struct route api_incoming_paper_routes[] = {
    {"POST", "/api/v1/incoming/paper", enter, ROUTE_OFFICER},
    {"PUT", "/api/v1/incoming/{id}/scan/{name}", put_scan, ROUTE_OFFICER | ROUTE_UPLOAD},
    {NULL, NULL, NULL, 0},
};

/* api_copies: certified copies from originals (docs/certified-copies.md).
 * An officer who may certify issues a copy from the scans handed in with a
 * dossier of the certification procedure: the copy is made and signed on
 * the worker pool (copies/copy_pdf.h, issued/signing.h), then recorded with
 * its register number in one write job; a number another copy took
 * meanwhile makes it again with the next one. The holder lists their copies
 * and attaches one to a later dossier by its code; the desk does the same
 * for the applicant in front of it. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "auth/permission.h"
#include "base/log.h"
#include "base/ratelimit.h"
#include "base/util.h"
#include "copies/copies.h"
#include "copies/copy_pdf.h"
#include "dossier/dossier.h"
#include "dossier/filestore.h"
#include "http/dossier_access.h"
#include "http/http.h"
#include "http/router.h"
#include "issued/signing.h"
#include "store/store.h"

/* How many times a copy is made again when its number was taken meanwhile
 * (officers of one unit certifying at the same moment): each round one of
 * them gets its number, so this many at once all succeed. */
#define ISSUE_TRIES 16

#define DEFAULT_SIGNER_TITLE "NGƯỜI THỰC HIỆN CHỨNG THỰC"

struct issue_state {
    struct copies_issue job;
    char names[COPIES_MAX_SCANS][DOSSIER_FILE_NAME_MAX + 1];
    char verify_url[400];
    int tries;
    /* The pool's work: */
    int work_rc;              /* 0, or -1 with work_err, or a negative errno storing it */
    struct derr work_err;
    json_t *signers;          /* of the signed copy (owned) */
};

static void release_issue(void *p)
{
    struct issue_state *s = p;
    json_decref(s->signers);
    derr_clear(&s->work_err);
    derr_clear(&s->job.err);
}

/* On the pool: the copy made from the scans, signed by the officer then
 * the seal, and stored. Its own read-only connection reads the keys. */
static void make_copy(void *arg)
{
    struct req *r = arg;
    struct issue_state *s = r->data;
    struct copies_issue *a = &s->job;
    struct copies_scan scans[COPIES_MAX_SCANS];
    unsigned char *data[COPIES_MAX_SCANS] = {0};
    struct copies_pdf pdf = {0};
    struct issued_output out = {0};
    struct store *db = NULL;
    char why[256];
    s->work_rc = -1;
    for (int i = 0; i < a->nnames; i++) {
        size_t len = 0;
        data[i] = filestore_read_all(r->app->files_dir, a->sources[i].sha256, COPIES_MAX_BYTES, &len);
        if (!data[i]) {
            if (len > COPIES_MAX_BYTES)
                derr_set(&s->work_err, DERR_TOO_LARGE, "scan_too_large",
                         "Các tệp bản quét vượt quá 40 MiB", "files");
            else
                derr_set(&s->work_err, DERR_INTERNAL, "internal", "Không đọc được tệp đã lưu",
                         NULL);
            goto done;
        }
        scans[i] = (struct copies_scan){.name = a->sources[i].name, .data = data[i], .len = len,
                                        .content_type = a->sources[i].content_type};
    }
    struct copies_statement st = {.unit_name = a->unit_name, .number = a->number,
                                  .book = a->book, .when = a->now,
                                  .verify_url = s->verify_url};
    if (copies_make_pdf(scans, a->nnames, &st, &pdf, &s->work_err))
        goto done;
    if (store_open(r->app->db_path, 1, &db, why, sizeof why)) {
        derr_set(&s->work_err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        goto done;
    }
    struct issued_signature sigs[2] = {
        {.unit_id = a->unit_id,
         .account_id = a->officer_id,
         .title = a->signer_title[0] ? a->signer_title : DEFAULT_SIGNER_TITLE,
         .reason = "Chứng thực bản sao từ bản chính",
         .rect = pdf.official_rect,
         .statement = pdf.pdf_scan ? pdf.statement : NULL,
         .qr_text = pdf.pdf_scan ? s->verify_url : NULL},
        {.unit_id = a->unit_id,
         .reason = "Đóng dấu chứng thực bản sao",
         .rect = pdf.has_seal_rect ? pdf.seal_rect : NULL},
    };
    struct issued_signing in = {.data_dir = r->app->data_dir, .sigs = sigs, .nsigs = 2,
                                .location = a->unit_name, .stamp = r->app->stamp,
                                .stamp_ctx = r->app->stamp_ctx, .now = a->now};
    if (issued_sign_pdf(db, &in, pdf.pdf, pdf.len, &out, &s->work_err))
        goto done;
    int rc = issued_store_file(r->app->files_dir, out.pdf, out.len, a->sha256);
    if (rc) {
        s->work_rc = rc;
        goto done;
    }
    a->pages = pdf.pages;
    s->signers = out.signers;
    out.signers = NULL;
    a->signed_as = (struct issued_signed){.state = out.state, .sha256 = a->sha256,
                                          .size = (int64_t)out.len, .signers = s->signers};
    s->work_rc = 0;
done:
    for (int i = 0; i < a->nnames; i++)
        free(data[i]);
    copies_pdf_clear(&pdf);
    issued_output_clear(&out);
    store_close(db);
}

static void issue_recorded(struct req *r);

static void copy_made(struct req *r)
{
    struct issue_state *s = r->data;
    if (s->work_rc == -ENOSPC || s->work_rc == -EDQUOT) {
        reply_storage(r, 1);
        return;
    }
    if (s->work_rc == -EROFS || s->work_rc == -EIO || s->work_rc == -EACCES) {
        reply_storage(r, 0);
        return;
    }
    if (s->work_rc) {
        if (s->work_err.kind == DERR_NONE)
            reply_internal(r, "cannot store the certified copy");
        else
            reply_derr(r, &s->work_err);
        return;
    }
    http_defer_write(r, copies_issue_job, &s->job, issue_recorded);
}

static void issue_recorded(struct req *r)
{
    struct issue_state *s = r->data;
    struct copies_issue *a = &s->job;
    if (r->wjob.rc == 0) {
        struct copies_copy c;
        json_t *o = copies_get_in_dossier(r->db, a->dossier_id, a->copy_id, &c) == STORE_ROW
                        ? copies_copy_json(&c)
                        : NULL;
        if (!o) {
            reply_internal(r, "certified copy read-back failed");
            return;
        }
        json_object_set_new(o, "signers", json_incref(s->signers));
        reply_json(r, 201, json_pack("{s:o}", "copy", o));
        return;
    }
    if (a->err.kind == DERR_TAKEN && strcmp(a->err.code, "register_moved") == 0 &&
        ++s->tries < ISSUE_TRIES) {
        /* Another copy took the number: make this one again with the next. */
        derr_clear(&a->err);
        json_decref(s->signers);
        s->signers = NULL;
        if (copies_next_number(r->db, a->unit_id, a->year, &a->number)) {
            reply_internal(r, "register read failed");
            return;
        }
        log_info("certified copy: number taken meanwhile, making it again as %lld",
                 (long long)a->number);
        http_defer_work(r, make_copy, r, copy_made);
        return;
    }
    if (a->err.kind == DERR_TAKEN && strcmp(a->err.code, "register_moved") == 0)
        reply_error(r, 409, "register_busy",
                    "Nhiều bản sao đang được chứng thực cùng lúc; vui lòng thử lại", NULL);
    else if (a->err.kind == DERR_NONE)
        reply_internal(r, "recording the certified copy failed");
    else
        reply_derr(r, &a->err);
}

/* POST /api/v1/staff/dossiers/{id}/certified-copies
 * {files: [names], title, original_checked: true, signer_title?} */
static void issue(struct req *r)
{
    struct dossier d;
    if (staff_dossier_or_reply(r, &d, ACCESS_SUBMITTED))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *title, *signer_title;
    if (req_string_or_reply(r, body, "title", 1, 1, COPIES_TITLE_MAX, &title) ||
        req_string_or_reply(r, body, "signer_title", 0, 1, COPIES_SIGNER_TITLE_MAX,
                            &signer_title))
        return;
    /* The officer says they compared the scan with the paper original
     * (Decree 23/2015, art. 20): without it nothing is certified. */
    if (!json_is_true(json_object_get(body, "original_checked"))) {
        reply_error(r, 422, "original_not_checked",
                    "Cần xác nhận đã đối chiếu bản quét với bản chính", "original_checked");
        return;
    }
    json_t *files = json_object_get(body, "files");
    if (!json_is_array(files) || json_array_size(files) < 1 ||
        json_array_size(files) > COPIES_MAX_SCANS) {
        reply_error(r, 422, "invalid", "Chọn từ 1 đến 20 tệp bản quét của hồ sơ", "files");
        return;
    }
    struct issue_state *s = req_state(r, sizeof *s, release_issue);
    if (!s)
        return;
    struct copies_issue *a = &s->job;
    for (size_t i = 0; i < json_array_size(files); i++) {
        const char *name = json_string_value(json_array_get(files, i));
        if (!name || !dossier_file_name_valid(name)) {
            reply_error(r, 422, "scan_not_found", "Hồ sơ không có tệp bản quét này", "files");
            return;
        }
        copy_str(s->names[i], sizeof s->names[i], name);
        a->names[i] = s->names[i];
    }
    a->nnames = (int)json_array_size(files);
    a->dossier_id = d.id;
    a->officer_id = r->account.id;
    a->now = now_unix();
    copy_str(a->title, sizeof a->title, title);
    copy_str(a->signer_title, sizeof a->signer_title, signer_title ? signer_title : "");
    if (copies_issue_check(r->db, a)) {
        reply_derr(r, &a->err);
        return;
    }
    snprintf(s->verify_url, sizeof s->verify_url, "%s/xac-thuc/%s", r->app->base_url,
             a->public_id);
    http_defer_work(r, make_copy, r, copy_made);
}

/* GET /api/v1/staff/dossiers/{id}/certified-copies: the copies issued in
 * the dossier, and whether this officer may issue one here. */
static void dossier_copies(struct req *r)
{
    struct dossier d;
    if (staff_dossier_or_reply(r, &d, ACCESS_SUBMITTED))
        return;
    json_t *list = copies_dossier_json(r->db, d.id);
    int certifies = copies_dossier_certifies(r->db, d.id);
    int can = permission_can(r->db, r->account.id, COPIES_PERMISSION, d.current_unit_id);
    if (!list || can < 0 || certifies < 0) {
        json_decref(list);
        reply_internal(r, "certified copies read failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o, s:b, s:b}", "items", list, "certification",
                                 certifies == 1, "may_certify", certifies == 1 && can == 1));
}

static void reply_copy_file(struct req *r, const struct copies_copy *c)
{
    if (!c->sha256[0]) {
        reply_error(r, 404, "not_found", "Bản sao chưa được ký", NULL);
        return;
    }
    size_t size;
    int fd = filestore_open(r->app->files_dir, c->sha256, &size);
    if (fd < 0) {
        reply_internal(r, "stored certified copy missing");
        return;
    }
    char disp[160];
    snprintf(disp, sizeof disp, "attachment; filename=\"ban-sao-chung-thuc-%lld-%d.pdf\"",
             (long long)c->number, c->year);
    req_add_header(r, "Content-Disposition", disp);
    reply_file(r, 200, "application/pdf", fd, size);
}

/* GET /api/v1/staff/dossiers/{id}/certified-copies/{copy}/file */
static void staff_copy_file(struct req *r)
{
    struct dossier d;
    long id;
    if (staff_dossier_or_reply(r, &d, ACCESS_SUBMITTED) ||
        req_long_or_reply(r, req_param(r, "copy"), "copy", 1, INT32_MAX, 1, &id))
        return;
    struct copies_copy c;
    int rc = copies_get_in_dossier(r->db, d.id, id, &c);
    if (rc == STORE_DONE)
        reply_error(r, 404, "not_found", "Không tìm thấy bản sao", NULL);
    else if (rc != STORE_ROW)
        reply_internal(r, "certified copy read failed");
    else
        reply_copy_file(r, &c);
}

/* GET /api/v1/copies: the citizen's certified copies. */
static void my_copies(struct req *r)
{
    json_t *list = copies_owner_json(r->db, r->account.id);
    if (!list) {
        reply_internal(r, "certified copies read failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "items", list));
}

/* The key the code lookups of one account from one address count under:
 * the same limiter as the walk-in claim codes, apart by prefix. */
static void limit_key(struct req *r, char *out, size_t cap)
{
    snprintf(out, cap, "copy:%lld|%s", (long long)r->account.id, req_client_ip(r));
}

/* GET /api/v1/copies/{code}/file: the holder's copy. A code not theirs is
 * answered like an unknown one, and tries count. */
static void my_copy_file(struct req *r)
{
    char key[160];
    limit_key(r, key, sizeof key);
    if (req_limit_or_reply(r, r->app->rl_claim, key, "too_many_attempts",
                           "Nhập sai mã nhiều lần, vui lòng thử lại sau"))
        return;
    struct copies_copy c;
    int rc = copies_get_owned(r->db, req_param(r, "code"), r->account.id, &c);
    if (rc == STORE_DONE) {
        reply_error(r, 404, "copy_not_found",
                    "Không tìm thấy bản sao chứng thực có mã này trong các bản sao của bạn",
                    NULL);
        return;
    }
    ratelimit_give_back(r->app->rl_claim, key);
    if (rc != STORE_ROW)
        reply_internal(r, "certified copy read failed");
    else
        reply_copy_file(r, &c);
}

struct attach_state {
    struct copies_attach job;
    char limit_key[160];
};

static void attached(struct req *r)
{
    struct attach_state *s = r->data;
    ratelimit_give_back(r->app->rl_claim, s->limit_key);
    char sha[65] = "", ctype[32] = "";
    if (dossier_file_find(r->db, DOSSIER_FILES_HANDED_IN, s->job.dossier_id, s->job.file_name,
                          sha, ctype) != STORE_ROW) {
        reply_internal(r, "attached copy read-back failed");
        return;
    }
    reply_json(r, 201, json_pack("{s:{s:s, s:s, s:s, s:s, s:I}}", "file", "name",
                                 s->job.file_name, "document_key", s->job.document_key,
                                 "content_type", ctype, "sha256", sha, "size",
                                 (json_int_t)s->job.size));
}

/* POST /api/v1/dossiers/{id}/copy-attachments {code, document}: the
 * citizen's draft (or supplement); the staff twin: the walk-in draft the
 * officer is registering. */
static void attach(struct req *r)
{
    struct dossier d;
    int staff = (r->route->flags & ROUTE_STAFF) != 0;
    if (dossier_or_reply(r, &d, ACCESS_DRAFTS))
        return;
    if (staff && (d.received_by != r->account.id || d.code[0])) {
        reply_error(r, 404, "not_found", "Không tìm thấy hồ sơ", NULL);
        return;
    }
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *code, *document;
    struct attach_state *s;
    if (req_string_or_reply(r, body, "code", 1, 1, 40, &code) ||
        req_string_or_reply(r, body, "document", 1, 1, 64, &document) ||
        !(s = req_state(r, sizeof *s, NULL)))
        return;
    limit_key(r, s->limit_key, sizeof s->limit_key);
    if (req_limit_or_reply(r, r->app->rl_claim, s->limit_key, "too_many_attempts",
                           "Nhập sai mã nhiều lần, vui lòng thử lại sau"))
        return;
    s->job.dossier_id = d.id;
    s->job.actor_id = r->account.id;
    s->job.staff = staff;
    copy_str(s->job.code, sizeof s->job.code, code);
    copy_str(s->job.document_key, sizeof s->job.document_key, document);
    http_defer_job(r, copies_attach_job, &s->job, &s->job.err, attached);
}

const struct route api_copies_routes[] = {
    {"GET", "/api/v1/copies", my_copies, ROUTE_USER},
    {"GET", "/api/v1/copies/{code}/file", my_copy_file, ROUTE_USER},
    {"POST", "/api/v1/dossiers/{id}/copy-attachments", attach, ROUTE_USER},
    {"POST", "/api/v1/staff/dossiers/{id}/copy-attachments", attach, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/dossiers/{id}/certified-copies", dossier_copies, ROUTE_OFFICER},
    {"POST", "/api/v1/staff/dossiers/{id}/certified-copies", issue, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/dossiers/{id}/certified-copies/{copy}/file", staff_copy_file,
     ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};

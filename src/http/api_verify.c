/* api_verify: the public verification of the documents the platform issues
 * signed (the API of the page /xac-thuc/{public_id} their QR code opens).
 * No login, no CSRF token: nothing here changes anything.
 *
 *   GET  /api/v1/verify/{public_id}       the document, its signatures verified now
 *   GET  /api/v1/verify/{public_id}/file  the original PDF
 *   POST /api/v1/verify/{public_id}       a PDF body: is it that document, intact?
 *   POST /api/v1/verify                   a PDF body: which issued document is it?
 *
 * Lookups by id count against the public lookup limit (a miss costs five,
 * as for dossier codes); uploads against their own, stricter limit per
 * client address, checked from the head before a byte of the body is
 * read. Verification is CPU work anyone can ask for in bulk, so it runs on
 * the worker pool's bounded lane (503 beyond its short queue), never on a
 * loop. An upload goes to a temporary file as it arrives and is removed
 * once read; nothing is stored. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "base/dynbuf.h"
#include "base/ratelimit.h"
#include "base/util.h"
#include "dossier/filestore.h"
#include "http/conn.h"
#include "http/http.h"
#include "http/router.h"
#include "issued/issued.h"
#include "issued/public.h"
#include "store/store.h"

#define NOT_FOUND_MSG "Không tìm thấy văn bản có mã xác thực này"

struct verify_state {
    char pid[ISSUED_PUBLIC_ID_LEN + 1]; /* "" for POST /api/v1/verify */
    const char *db_path, *files_dir;
    struct filestore_tmp tmp; /* the upload on its way */
    json_t *out;              /* the answer, made on the pool */
    struct derr err;          /* or why there is none */
};

static void state_cleanup(void *data)
{
    struct verify_state *st = data;
    filestore_tmp_discard(&st->tmp);
    json_decref(st->out);
    derr_clear(&st->err);
}

static struct verify_state *new_state(struct req *r, const char *pid)
{
    struct verify_state *st = req_state(r, sizeof *st, state_cleanup);
    if (!st)
        return NULL;
    st->tmp.fd = -1;
    copy_str(st->pid, sizeof st->pid, pid ? pid : "");
    st->db_path = r->app->db_path;
    st->files_dir = r->app->files_dir;
    return st;
}

/* Counts a lookup for the client and finds the document of the path's id
 * (any case) on the loop's connection. OUT: *doc. Otherwise replies (429,
 * 404 — a miss costs five lookups — or 500) and returns -1. */
static int document_or_reply(struct req *r, struct issued_doc *doc)
{
    const char *ip = req_client_ip(r);
    char pid[ISSUED_PUBLIC_ID_LEN + 1];
    if (req_limit_or_reply(r, r->app->rl_lookup, ip, "too_many_lookups",
                           "Tra cứu quá nhiều lần, vui lòng thử lại sau"))
        return -1;
    int rc = issued_public_id_normalize(req_param(r, "public_id"), pid)
                 ? issued_get_public(r->db, pid, doc)
                 : STORE_DONE;
    if (rc == STORE_ROW)
        return 0;
    if (rc == STORE_DONE) {
        ratelimit_charge(r->app->rl_lookup, ip, 4, now_unix());
        reply_error(r, 404, "not_found", NOT_FOUND_MSG, NULL);
    } else {
        reply_internal(r, "issued document lookup failed");
    }
    return -1;
}

static int is_issued(const struct issued_doc *doc)
{
    return doc->state == ISSUED_SIGNED || doc->state == ISSUED_AWAITING_TIMESTAMP;
}

static void not_issued(struct req *r, const struct issued_doc *doc)
{
    reply_error(r, 409, "not_issued",
                doc->state == ISSUED_PENDING
                    ? "Văn bản đang được ký số. Vui lòng quay lại sau ít phút."
                    : "Văn bản chưa được phát hành nên chưa có bản gốc.",
                NULL);
}

/* Answers with what the pool made: the JSON, or the refusal. */
static void answered(struct req *r)
{
    struct verify_state *st = r->data;
    json_t *out = st->out;
    st->out = NULL;
    if (!out) {
        if (st->err.kind == DERR_NONE)
            derr_set(&st->err, DERR_INTERNAL, "internal", "verification failed", NULL);
        reply_derr(r, &st->err);
        return;
    }
    reply_json(r, 200, out);
}

static struct store *open_db(struct verify_state *st)
{
    struct store *db = NULL;
    char why[256];
    if (store_open(st->db_path, 1, &db, why, sizeof why)) {
        derr_set(&st->err, DERR_INTERNAL, "internal", "cannot open the database", NULL);
        return NULL;
    }
    return db;
}

/* --- GET: the document and its signatures -------------------------------- */

/* On the pool, with its own read-only connection. */
static void view_work(void *arg)
{
    struct verify_state *st = arg;
    struct store *db = open_db(st);
    if (!db)
        return;
    issued_public_get(db, st->files_dir, st->pid, 1, &st->out, &st->err);
    store_close(db);
}

static void verify_get(struct req *r)
{
    struct issued_doc doc;
    if (document_or_reply(r, &doc))
        return;
    struct verify_state *st = new_state(r, doc.public_id);
    if (st)
        http_defer_bounded(r, view_work, st, answered);
}

/* The original, inline, sent from the file store by the kernel. */
static void verify_file(struct req *r)
{
    struct issued_doc doc;
    size_t size;
    if (document_or_reply(r, &doc))
        return;
    if (!is_issued(&doc)) {
        not_issued(r, &doc);
        return;
    }
    int fd = filestore_open(r->app->files_dir, doc.sha256, &size);
    if (fd < 0) {
        reply_internal(r, "issued file missing from the file store");
        return;
    }
    char disp[80];
    snprintf(disp, sizeof disp, "inline; filename=\"%s.pdf\"", doc.public_id);
    req_add_header(r, "Content-Disposition", disp);
    reply_file(r, 200, "application/pdf", fd, size);
}

/* --- POST: an uploaded PDF ------------------------------------------------ */

/* On the pool: reads the upload, removes it, compares and verifies. */
static void check_work(void *arg)
{
    struct verify_state *st = arg;
    size_t len = 0;
    char *pdf = dynbuf_read_file(st->tmp.path, ISSUED_PUBLIC_UPLOAD_MAX, &len);
    filestore_tmp_discard(&st->tmp); /* read, or unreadable: either way not kept */
    if (!pdf) {
        derr_set(&st->err, DERR_INTERNAL, "internal", "cannot read the upload back", NULL);
        return;
    }
    struct store *db = open_db(st);
    if (db) {
        issued_public_check(db, st->files_dir, st->pid[0] ? st->pid : NULL,
                            (const unsigned char *)pdf, len, &st->out, &st->err);
        store_close(db);
    }
    free(pdf);
}

/* A failure to write the temporary file: a full or failing disk says so. */
static int store_failed(struct req *r, int err)
{
    if (err == -ENOSPC || err == -EDQUOT)
        reply_storage(r, 1);
    else if (err == -EROFS || err == -EIO || err == -EACCES)
        reply_storage(r, 0);
    else
        reply_internal(r, "cannot write the upload");
    return -1;
}

static int sink(struct req *r, const unsigned char *data, size_t len)
{
    struct verify_state *st = r->data;
    int err = st->tmp.fd < 0 ? filestore_tmp_open(r->app->files_dir, &st->tmp) : 0;
    if (!err)
        err = filestore_tmp_write(&st->tmp, data, len);
    return err ? store_failed(r, err) : 0;
}

static void received(struct req *r)
{
    struct verify_state *st = r->data;
    if (st->tmp.len == 0) {
        reply_error(r, 422, "empty_file", "Tệp rỗng", NULL);
        return;
    }
    const char *type = filestore_sniff(st->tmp.head, st->tmp.head_len);
    if (!type || strcmp(type, "application/pdf") != 0) {
        reply_error(r, 415, "not_pdf", "Tệp gửi lên không phải là tệp PDF", NULL);
        return;
    }
    http_defer_bounded(r, check_work, st, answered);
}

/* Whether the declared type is application/pdf (parameters and case
 * aside). A cross-site form cannot send it without a preflight, which
 * this server does not answer. */
static int is_pdf_type(const char *ct)
{
    static const char want[] = "application/pdf";
    size_t n = sizeof want - 1;
    if (!ct || strncasecmp(ct, want, n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

/* Everything is decided from the head: the type, the declared size, the
 * client's allowance; then the body comes to a temporary file. */
static void receive_upload(struct req *r, const char *pid)
{
    int64_t size = r->head.chunked ? -1 : r->head.content_length < 0 ? 0 : r->head.content_length;
    if (!is_pdf_type(req_header(r, "Content-Type"))) {
        reply_error(r, 415, "unsupported_file_type",
                    "Chỉ kiểm tra được tệp PDF (Content-Type: application/pdf)", NULL);
        return;
    }
    if (size == 0) {
        reply_error(r, 422, "empty_file", "Tệp rỗng", NULL);
        return;
    }
    if (size > ISSUED_PUBLIC_UPLOAD_MAX) {
        reply_error(r, 413, "file_too_large", "Tệp quá lớn: chỉ kiểm tra được tệp PDF đến 20 MB",
                    NULL);
        return;
    }
    if (req_limit_or_reply(r, r->app->rl_verify, req_client_ip(r), "too_many_checks",
                           "Bạn đã gửi quá nhiều tệp để kiểm tra, vui lòng thử lại sau"))
        return;
    struct verify_state *st = new_state(r, pid);
    if (st)
        conn_stream_body(r, ISSUED_PUBLIC_UPLOAD_MAX, sink, received);
}

static void verify_post(struct req *r)
{
    struct issued_doc doc;
    if (document_or_reply(r, &doc))
        return;
    if (!is_issued(&doc)) {
        not_issued(r, &doc);
        return;
    }
    receive_upload(r, doc.public_id);
}

static void verify_post_any(struct req *r) { receive_upload(r, NULL); }

const struct route api_verify_routes[] = {
    {"GET", "/api/v1/verify/{public_id}", verify_get, 0},
    {"GET", "/api/v1/verify/{public_id}/file", verify_file, 0},
    {"POST", "/api/v1/verify/{public_id}", verify_post, ROUTE_UPLOAD},
    {"POST", "/api/v1/verify", verify_post_any, ROUTE_UPLOAD},
    {NULL, NULL, NULL, 0},
};

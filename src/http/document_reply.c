/* document_reply: render off the loop thread, then reply. */
#include "http/document_reply.h"

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "dossier/documents.h"
#include "base/util.h"
#include "dossier/dossier.h"
#include "dossier/filestore.h"
#include "dossier/results.h"
#include "http/http.h"
#include "store/store.h"

struct doc_state {
    struct dossier d;
    enum document_kind kind;
    int n;
    const char *db_path, *base_url;
    unsigned char *pdf;
    size_t len;
    int rc;
};

static void release_doc(void *p)
{
    struct doc_state *s = p;
    free(s->pdf);
}

static void render_work(void *arg)
{
    struct doc_state *s = arg;
    struct store *db;
    char err[256];
    if (store_open(s->db_path, 1, &db, err, sizeof err)) {
        s->rc = -1;
        return;
    }
    s->rc = s->kind == DOCUMENT_RESULT
                ? result_document_pdf(db, &s->d, s->base_url, &s->pdf, &s->len)
                : apology_pdf(db, &s->d, s->n, &s->pdf, &s->len);
    store_close(db);
}

static void rendered(struct req *r)
{
    struct doc_state *s = r->data;
    if (s->rc == 1) {
        reply_error(r, s->kind == DOCUMENT_RESULT ? 409 : 404,
                    s->kind == DOCUMENT_RESULT ? "no_result" : "not_found",
                    s->kind == DOCUMENT_RESULT ? "Hồ sơ chưa có kết quả"
                                               : "Không có phiếu xin lỗi này",
                    NULL);
        return;
    }
    if (s->rc) {
        reply_internal(r, "document rendering failed");
        return;
    }
    char disp[200];
    snprintf(disp, sizeof disp, "inline; filename=\"%s-%s.pdf\"",
             s->kind == DOCUMENT_RESULT ? "ket-qua" : "phieu-xin-loi", s->d.code);
    req_add_header(r, "Content-Disposition", disp);
    reply_bytes(r, 200, "application/pdf", s->pdf, s->len);
}

void reply_document(struct req *r, const struct dossier *d, enum document_kind kind, int n)
{
    struct doc_state *s = req_state(r, sizeof *s, release_doc);
    if (!s)
        return;
    s->d = *d;
    s->kind = kind;
    s->n = n;
    s->db_path = r->app->db_path;
    s->base_url = r->app->base_url;
    http_defer_work(r, render_work, s, rendered);
}

/* A file of the file store as a download named name (checked by
 * dossier_file_name_valid when stored: no quotes in it). */
static void reply_stored_file(struct req *r, const char *sha, const char *ctype, const char *name)
{
    unsigned char *data;
    size_t len;
    if (filestore_get(r->app->files_dir, sha, HTTP_MAX_UPLOAD, &data, &len)) {
        reply_internal(r, "stored file missing");
        return;
    }
    char disp[200];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    req_add_header(r, "Content-Disposition", disp);
    reply_bytes(r, 200, ctype, data, len);
    free(data);
}

void reply_dossier_file(struct req *r, const struct dossier *d, enum dossier_files kind,
                        const char *name)
{
    char sha[65] = "", ctype[32] = "";
    int rc = dossier_file_find(r->db, kind, d->id, name, sha, ctype);
    if (rc == STORE_ROW)
        reply_stored_file(r, sha, ctype, name);
    else if (rc == STORE_DONE)
        reply_error(r, 404, "not_found", "Không tìm thấy tệp", NULL);
    else
        reply_internal(r, "file lookup failed");
}

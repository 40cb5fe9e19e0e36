/* document_reply: render off the loop thread, then reply. */
#include "http/document_reply.h"

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "audit/audit.h"
#include "dossier/documents.h"
#include "base/util.h"
#include "dossier/dossier.h"
#include "dossier/filestore.h"
#include "dossier/results.h"
#include "http/http.h"
#include "http/issued_reply.h"
#include "http/router.h"
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
    s->rc = result_document_pdf(db, &s->d, s->base_url, &s->pdf, &s->len);
    store_close(db);
}

static void rendered(struct req *r)
{
    struct doc_state *s = r->data;
    if (s->rc == 1) {
        reply_error(r, 409, "no_result", "Hồ sơ chưa có kết quả", NULL);
        return;
    }
    if (s->rc) {
        reply_internal(r, "document rendering failed");
        return;
    }
    char disp[200];
    snprintf(disp, sizeof disp, "inline; filename=\"ket-qua-%s.pdf\"", s->d.code);
    req_add_header(r, "Content-Disposition", disp);
    reply_bytes(r, 200, "application/pdf", s->pdf, s->len);
}

void reply_document(struct req *r, const struct dossier *d, enum document_kind kind, int n)
{
    char name[160], ref[24];
    if (kind == DOCUMENT_APOLOGY) {
        snprintf(name, sizeof name, "phieu-xin-loi-%s-%d.pdf", d->code, n);
        snprintf(ref, sizeof ref, "%d", n);
        reply_issued(r, d, ISSUED_APOLOGY, ref, name);
        return;
    }
    /* The result signed at approval; a dossier approved before results
     * were signed (or whose procedure has no template) gets the unsigned
     * rendering as before. */
    snprintf(name, sizeof name, "ket-qua-%s.pdf", d->code);
    if (reply_issued(r, d, ISSUED_RESULT, "", name) == 0)
        return;
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
 * dossier_file_name_valid when stored: no quotes in it), sent straight from
 * the file. */
static void reply_stored_file(struct req *r, const char *sha, const char *ctype, const char *name)
{
    size_t size;
    int fd = filestore_open(r->app->files_dir, sha, &size);
    if (fd < 0) {
        reply_internal(r, "stored file missing");
        return;
    }
    char disp[200];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    req_add_header(r, "Content-Disposition", disp);
    reply_file(r, 200, ctype, fd, size);
}

/* An officer's read of a dossier's file is audited before the file goes
 * out (who looked at a citizen's papers is part of the record). */
struct file_read {
    int64_t dossier_id, officer_id;
    enum dossier_files kind;
    char name[DOSSIER_FILE_NAME_MAX + 1], sha[65], ctype[32];
};

static int file_read_job(struct store *db, void *arg)
{
    struct file_read *f = arg;
    return audit_object_json(db, f->officer_id, "dossier.file.read", "dossier", f->dossier_id,
                             json_pack("{s:s, s:s}", "file", f->name, "kind",
                                       f->kind == DOSSIER_FILES_RESULTS ? "result" : "handed_in"));
}

static void file_read_recorded(struct req *r)
{
    struct file_read *f = r->data;
    if (r->wjob.rc) {
        reply_internal(r, "audit of a file read failed");
        return;
    }
    reply_stored_file(r, f->sha, f->ctype, f->name);
}

void reply_dossier_file(struct req *r, const struct dossier *d, enum dossier_files kind,
                        const char *name)
{
    char sha[65] = "", ctype[32] = "";
    int rc = dossier_file_find(r->db, kind, d->id, name, sha, ctype);
    if (rc == STORE_DONE) {
        reply_error(r, 404, "not_found", "Không tìm thấy tệp", NULL);
        return;
    }
    if (rc != STORE_ROW) {
        reply_internal(r, "file lookup failed");
        return;
    }
    if (!(r->route->flags & ROUTE_STAFF)) {
        reply_stored_file(r, sha, ctype, name);
        return;
    }
    struct file_read *f = req_state(r, sizeof *f, NULL);
    if (!f)
        return;
    f->dossier_id = d->id;
    f->officer_id = r->account.id;
    f->kind = kind;
    copy_str(f->name, sizeof f->name, name);
    copy_str(f->sha, sizeof f->sha, sha);
    copy_str(f->ctype, sizeof f->ctype, ctype);
    http_defer_write(r, file_read_job, f, file_read_recorded);
}

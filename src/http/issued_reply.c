/* issued_reply: stored signed documents, or issued now (see issued_reply.h). */
#include "http/issued_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "base/util.h"
#include "dossier/dossier.h"
#include "dossier/filestore.h"
#include "http/http.h"
#include "issued/issuing.h"
#include "store/store.h"

struct issue_req {
    struct issued_doc doc; /* the row, or the one to add */
    int has_row;
    int lost;              /* someone else recorded it first */
    const char *db_path;
    struct issued_env env;
    struct issued_made made;
    struct derr err;
    int rc;
    char filename[160];
};

static void release_issue(void *p)
{
    struct issue_req *s = p;
    issued_made_clear(&s->made);
    derr_clear(&s->err);
}

static void serve_file(struct req *r, const char *sha, const char *filename)
{
    size_t size;
    int fd = filestore_open(r->app->files_dir, sha, &size);
    if (fd < 0) {
        reply_internal(r, "stored document missing");
        return;
    }
    char disp[200];
    snprintf(disp, sizeof disp, "inline; filename=\"%s\"", filename);
    req_add_header(r, "Content-Disposition", disp);
    reply_file(r, 200, "application/pdf", fd, size);
}

static int issued_ready(const struct issued_doc *d)
{
    return d->state == ISSUED_SIGNED || d->state == ISSUED_AWAITING_TIMESTAMP;
}

static void make_work(void *arg)
{
    struct issue_req *s = arg;
    struct store *db;
    char err[256];
    if (store_open(s->db_path, 1, &db, err, sizeof err)) {
        s->rc = derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
        return;
    }
    s->rc = issued_make(db, &s->env, &s->doc, now_unix(), &s->made, &s->err);
    store_close(db);
}

static int record_job(struct store *db, void *arg)
{
    struct issue_req *s = arg;
    struct issued_signed sg = issued_made_signed(&s->made);
    int64_t now = now_unix();
    if (s->has_row) {
        int rc = issued_mark_signed(db, s->doc.id, &sg, now);
        if (rc == ISSUED_NOT_PENDING)
            s->lost = 1;
        return rc == ISSUED_NOT_PENDING ? 0 : rc;
    }
    struct issued_new n = {.kind = s->doc.kind, .unit_id = s->doc.unit_id,
                           .dossier_id = s->doc.dossier_id, .ref = s->doc.ref,
                           .title = issued_default_title(s->doc.kind),
                           .public_id = s->doc.public_id, .signed_as = &sg, .now = now};
    struct derr err = {0};
    int64_t id;
    if (issued_add(db, &n, &id, NULL, &err) == 0)
        return 0;
    if (err.kind == DERR_TAKEN) {
        s->lost = 1;
        return 0;
    }
    return STORE_ERR;
}

static void recorded(struct req *r)
{
    struct issue_req *s = r->data;
    if (r->wjob.rc) {
        reply_internal(r, "recording an issued document failed");
        return;
    }
    if (!s->lost) {
        serve_file(r, s->made.sha256, s->filename);
        return;
    }
    /* The worker or another download was first: theirs is the document. */
    struct issued_doc d;
    if (issued_get_for(r->db, s->doc.dossier_id, s->doc.kind, s->doc.ref, &d) == STORE_ROW &&
        issued_ready(&d)) {
        serve_file(r, d.sha256, s->filename);
        return;
    }
    reply_error(r, 409, "issuing", "Văn bản đang được phát hành, vui lòng thử lại sau giây lát",
                NULL);
}

static void made(struct req *r)
{
    struct issue_req *s = r->data;
    if (s->rc == 1) {
        reply_error(r, 404, "not_found", "Không có văn bản này", NULL);
        return;
    }
    if (s->rc) {
        reply_derr(r, &s->err);
        return;
    }
    http_defer_write(r, record_job, s, recorded);
}

int reply_issued(struct req *r, const struct dossier *d, enum issued_kind kind, const char *ref,
                 const char *filename)
{
    struct issued_doc doc;
    int rc = issued_get_for(r->db, d->id, kind, ref, &doc);
    if (rc == STORE_ROW && issued_ready(&doc)) {
        serve_file(r, doc.sha256, filename);
        return 0;
    }
    if (rc == STORE_DONE && kind == ISSUED_RESULT)
        return 1;
    if (rc != STORE_ROW && rc != STORE_DONE) {
        reply_internal(r, "issued document lookup failed");
        return 0;
    }
    struct issue_req *s = req_state(r, sizeof *s, release_issue);
    if (!s)
        return 0;
    if (rc == STORE_ROW) {
        s->doc = doc;
        s->has_row = 1;
    } else {
        s->doc.kind = kind;
        s->doc.unit_id = d->unit_id;
        s->doc.dossier_id = d->id;
        copy_str(s->doc.ref, sizeof s->doc.ref, ref);
        if (issued_new_public_id(s->doc.public_id)) {
            reply_internal(r, "no random bytes");
            return 0;
        }
    }
    copy_str(s->filename, sizeof s->filename, filename);
    s->db_path = r->app->db_path;
    s->env = (struct issued_env){.data_dir = r->app->data_dir, .files_dir = r->app->files_dir,
                                 .base_url = r->app->base_url, .stamp = r->app->stamp,
                                 .stamp_ctx = r->app->stamp_ctx};
    http_defer_work(r, make_work, s, made);
    return 0;
}

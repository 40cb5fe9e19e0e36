/* upload: checking an uploaded file and storing it before its write job. */
#include "http/upload.h"

#include <errno.h>

#include "app.h"
#include "dossier/filestore.h"
#include "http/http.h"

_Static_assert(HTTP_MAX_UPLOAD == FILESTORE_MAX_BYTES, "one upload limit");

int upload_check_or_reply(struct req *r, const char *name, struct upload *u)
{
    /* The answer for each refusal of filestore_check_upload. */
    static const struct {
        int status;
        const char *code;
    } answer[] = {
        [FILESTORE_BAD_NAME] = {422, "bad_file_name"},
        [FILESTORE_TOO_LARGE] = {413, "file_too_large"},
        [FILESTORE_EMPTY] = {422, "empty_file"},
        [FILESTORE_BAD_TYPE] = {415, "unsupported_file_type"},
        [FILESTORE_EXT_MISMATCH] = {422, "extension_mismatch"},
    };
    size_t len;
    const unsigned char *body = req_body(r, &len);
    const char *sniffed, *why;
    enum filestore_verdict v = filestore_check_upload(name, req_header(r, "Content-Type"), body,
                                                      len, len, &sniffed, &why);
    if (v != FILESTORE_OK) {
        reply_error(r, answer[v].status, answer[v].code, why,
                    v == FILESTORE_BAD_NAME ? "name" : name);
        return -1;
    }
    u->data = body;
    u->len = len;
    u->content_type = sniffed;
    return 0;
}

static void store_work(void *arg)
{
    struct req *r = arg;
    struct upload *u = r->upload;
    u->stored = filestore_put(r->app->files_dir, u->data, u->len, u->sha256_out);
}

static void stored(struct req *r)
{
    struct upload *u = r->upload;
    if (u->stored == -ENOSPC || u->stored == -EDQUOT) {
        reply_storage(r, 1);
        return;
    }
    if (u->stored == -EROFS || u->stored == -EIO) {
        reply_storage(r, 0);
        return;
    }
    if (u->stored) {
        reply_internal(r, "cannot store the file");
        return;
    }
    http_defer_job(r, u->job, u->job_arg, u->job_err, u->on_ok);
}

void upload_store_then(struct req *r, struct upload *u, char *sha256_out,
                       int (*job)(struct store *db, void *arg), void *job_arg,
                       struct derr *job_err, void (*on_ok)(struct req *r))
{
    u->sha256_out = sha256_out;
    u->job = job;
    u->job_arg = job_arg;
    u->job_err = job_err;
    u->on_ok = on_ok;
    r->upload = u;
    http_defer_work(r, store_work, r, stored);
}

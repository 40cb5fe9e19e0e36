/* upload: checking an uploaded file and storing it before its write job. */
#include "http/upload.h"

#include <strings.h>
#include <string.h>

#include "app.h"
#include "dossier/filestore.h"
#include "http/http.h"

int upload_check_or_reply(struct req *r, const char *name, struct upload *u)
{
    size_t len;
    const unsigned char *body = req_body(r, &len);
    if (len > HTTP_MAX_UPLOAD) {
        reply_error(r, 413, "file_too_large", "Tệp quá lớn (tối đa 10 MiB)", name);
        return -1;
    }
    if (len == 0) {
        reply_error(r, 422, "empty_file", "Tệp rỗng", name);
        return -1;
    }
    const char *declared = req_header(r, "Content-Type");
    const char *sniffed = filestore_sniff(body, len);
    /* The declared type must be exactly the one the content shows, optionally
     * followed by parameters ("application/pdf; name=x"). */
    size_t sl = sniffed ? strlen(sniffed) : 0;
    if (!sniffed || !declared || strncasecmp(declared, sniffed, sl) != 0 ||
        (declared[sl] != '\0' && declared[sl] != ';' && declared[sl] != ' ')) {
        reply_error(r, 415, "unsupported_file_type",
                    "Chỉ nhận tệp PDF, JPEG hoặc PNG, đúng với nội dung tệp", name);
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
    u->stored = filestore_put(r->app->files_dir, u->data, u->len, u->sha256_out) == 0;
}

static void stored(struct req *r)
{
    struct upload *u = r->upload;
    if (!u->stored) {
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

/* upload: checking an upload from its head, receiving its body into the
 * file store, checking it, then its write job. */
#include "http/upload.h"

#include <errno.h>
#include <string.h>

#include "app.h"
#include "http/conn.h"
#include "http/http.h"

_Static_assert(HTTP_MAX_UPLOAD == FILESTORE_MAX_BYTES, "one upload limit");

/* Answers a verdict of filestore_check_declared or filestore_check_upload. */
static int refuse(struct req *r, struct upload *u, enum filestore_verdict v, const char *why)
{
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
    reply_error(r, answer[v].status, answer[v].code, why,
                v == FILESTORE_BAD_NAME ? "name" : u->name);
    return -1;
}

int upload_check_or_reply(struct req *r, const char *name, struct upload *u)
{
    /* A chunked body's size is unknown (-1) until it has arrived; no
     * framing at all means no body. */
    int64_t size = r->head.chunked ? -1 : r->head.content_length < 0 ? 0 : r->head.content_length;
    const char *why;
    u->name = name;
    u->declared = req_header(r, "Content-Type");
    u->tmp.fd = -1;
    enum filestore_verdict v =
        filestore_check_declared(name, u->declared, size, &u->content_type, &why);
    return v == FILESTORE_OK ? 0 : refuse(r, u, v, why);
}

/* Answers a failure to write the file: a full or failing disk says so. */
static int store_failed(struct req *r, int err)
{
    if (err == -ENOSPC || err == -EDQUOT)
        reply_storage(r, 1);
    else if (err == -EROFS || err == -EIO || err == -EACCES)
        reply_storage(r, 0);
    else
        reply_internal(r, "cannot store the file");
    return -1;
}

static int sink(struct req *r, const unsigned char *data, size_t len)
{
    struct upload *u = r->upload;
    int err = u->tmp.fd < 0 ? filestore_tmp_open(r->app->files_dir, &u->tmp) : 0;
    if (!err)
        err = filestore_tmp_write(&u->tmp, data, len);
    return err ? store_failed(r, err) : 0;
}

static void adopt_work(void *arg)
{
    struct req *r = arg;
    struct upload *u = r->upload;
    *u->size_out = u->tmp.len;
    u->error = filestore_tmp_adopt(r->app->files_dir, &u->tmp, u->sha256_out);
}

static void stored(struct req *r)
{
    struct upload *u = r->upload;
    if (u->error) {
        store_failed(r, u->error);
        return;
    }
    http_defer_job(r, u->job, u->job_arg, u->job_err, u->on_ok);
}

static void received(struct req *r)
{
    struct upload *u = r->upload;
    const char *sniffed, *why;
    enum filestore_verdict v = filestore_check_upload(u->name, u->declared, u->tmp.head,
                                                      u->tmp.head_len, (size_t)u->tmp.len,
                                                      &sniffed, &why);
    if (v != FILESTORE_OK) {
        refuse(r, u, v, why);
        return;
    }
    http_defer_work(r, adopt_work, r, stored);
}

void upload_store_then(struct req *r, struct upload *u, char *sha256_out, int64_t *size_out,
                       int (*job)(struct store *db, void *arg), void *job_arg,
                       struct derr *job_err, void (*on_ok)(struct req *r))
{
    u->sha256_out = sha256_out;
    u->size_out = size_out;
    u->job = job;
    u->job_arg = job_arg;
    u->job_err = job_err;
    u->on_ok = on_ok;
    r->upload = u;
    conn_stream_body(r, HTTP_MAX_UPLOAD, sink, received);
}

void upload_release(struct upload *u) { filestore_tmp_discard(&u->tmp); }

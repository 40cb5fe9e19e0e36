/* upload: checking an upload from its head, receiving its body into the
 * file store, then its write job. */
#include "http/upload.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "http/conn.h"
#include "http/http.h"

static const char *const accepted[] = {"application/pdf", "image/jpeg", "image/png"};

/* The accepted type the declared one names ("application/pdf; name=x"
 * names application/pdf), or NULL. */
static const char *declared_type(const char *declared)
{
    if (!declared)
        return NULL;
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        size_t n = strlen(accepted[i]);
        if (strncasecmp(declared, accepted[i], n) == 0 &&
            (declared[n] == '\0' || declared[n] == ';' || declared[n] == ' '))
            return accepted[i];
    }
    return NULL;
}

static int unsupported_type(struct req *r, const char *name)
{
    reply_error(r, 415, "unsupported_file_type",
                "Chỉ nhận tệp PDF, JPEG hoặc PNG, đúng với nội dung tệp", name);
    return -1;
}

int upload_check_or_reply(struct req *r, const char *name, struct upload *u)
{
    int64_t declared_len = r->head.chunked ? -1 : r->head.content_length;
    if (declared_len > HTTP_MAX_UPLOAD) {
        reply_error(r, 413, "file_too_large", "Tệp quá lớn (tối đa 10 MiB)", name);
        return -1;
    }
    if (declared_len == 0 || (declared_len < 0 && !r->head.chunked)) {
        reply_error(r, 422, "empty_file", "Tệp rỗng", name);
        return -1;
    }
    const char *type = declared_type(req_header(r, "Content-Type"));
    if (!type)
        return unsupported_type(r, name);
    u->name = name;
    u->content_type = type;
    u->tmp.fd = -1;
    return 0;
}

/* Answers a failure to write the file: a full or read-only disk says so. */
static int store_failed(struct req *r, int err)
{
    if (err == ENOSPC || err == EDQUOT)
        reply_error(r, 507, "storage_full",
                    "Máy chủ hết dung lượng lưu trữ, vui lòng thử lại sau", NULL);
    else if (err == EROFS || err == EACCES || err == EPERM)
        reply_error(r, 503, "storage_read_only",
                    "Máy chủ không ghi được tệp (thư mục dữ liệu chỉ đọc)", NULL);
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
    if (u->tmp.fd < 0 || u->tmp.len == 0) {
        reply_error(r, 422, "empty_file", "Tệp rỗng", u->name);
        return;
    }
    const char *sniffed = filestore_sniff(u->tmp.head, u->tmp.head_len);
    if (!sniffed || strcmp(sniffed, u->content_type) != 0) {
        unsupported_type(r, u->name);
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

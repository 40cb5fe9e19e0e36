/* upload: a file sent as a request body (PUT .../NAME, raw bytes), checked,
 * written to the file store on the worker pool, then recorded by a write
 * job. Shared by the applicants' attachments and the officers' result
 * documents. */
#ifndef MOTCUA_UPLOAD_H
#define MOTCUA_UPLOAD_H

#include <stddef.h>

struct req;
struct store;
struct derr;

struct upload {
    const unsigned char *data;  /* the request body, alive until the reply */
    size_t len;
    const char *content_type;   /* as recognised from the content */
    char *sha256_out;           /* 65 bytes in the job's argument: filled once stored */
    int stored;                 /* filestore_put's result: 0 or -errno */
    int (*job)(struct store *db, void *arg);
    void *job_arg;
    struct derr *job_err;
    void (*on_ok)(struct req *r);
};

/* Checks the body of r as the file `name` with filestore_check_upload: a
 * valid name, not empty, at most HTTP_MAX_UPLOAD bytes, a PDF, JPEG or PNG
 * whose declared Content-Type is the one its content shows and whose name
 * has its extension. Fills u->data, len, content_type; otherwise replies
 * (422 bad_file_name, 413 file_too_large, 422 empty_file, 415
 * unsupported_file_type, 422 extension_mismatch; field: the file's name, or
 * "name" for a bad name) and returns -1. */
int upload_check_or_reply(struct req *r, const char *name, struct upload *u);

/* Writes u's data to the file store off the loop, puts its SHA-256 hex in
 * sha256_out, then runs job(db, job_arg) on the writer as http_defer_job
 * does (a refusal in *job_err is the answer, else on_ok answers). u must
 * live until the reply (inside r->data). */
void upload_store_then(struct req *r, struct upload *u, char *sha256_out,
                       int (*job)(struct store *db, void *arg), void *job_arg,
                       struct derr *job_err, void (*on_ok)(struct req *r));

#endif

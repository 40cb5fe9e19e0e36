/* upload: a file sent as a request body (PUT .../NAME, raw bytes), on a
 * route marked ROUTE_UPLOAD: the handler runs as soon as the head is in,
 * checks who may upload what from the head alone, and only then lets the
 * body come. The body goes to a temporary file as it arrives (hashed on the
 * way, never held in memory), its type is recognised from its first bytes,
 * the file is moved under its hash on the worker pool, and a write job
 * records it. Shared by the applicants' attachments and the officers'
 * result documents. */
#ifndef MOTCUA_UPLOAD_H
#define MOTCUA_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/filestore.h"

struct req;
struct store;
struct derr;

struct upload {
    const char *name;          /* the file's name, from the path */
    const char *content_type;  /* the declared type, one of those accepted */
    struct filestore_tmp tmp;  /* the body on its way */
    int error;                 /* errno of a failed store, or 0 */
    /* Filled once the file is stored: */
    char *sha256_out;          /* 65 bytes: SHA-256 hex */
    int64_t *size_out;         /* bytes */
    int (*job)(struct store *db, void *arg);
    void *job_arg;
    struct derr *job_err;
    void (*on_ok)(struct req *r);
};

/* Checks from the head of r that a body may come for the file `name`: a
 * declared Content-Type among PDF, JPEG and PNG, and a Content-Length (if
 * given) neither 0 nor over HTTP_MAX_UPLOAD. Fills u->name and
 * u->content_type; otherwise replies (413, 415 or 422, naming the file)
 * and returns -1. */
int upload_check_or_reply(struct req *r, const char *name, struct upload *u);

/* Receives the body into the file store, then runs job(db, job_arg) on
 * the writer as http_defer_job does (a refusal in *job_err is the answer,
 * else on_ok answers). Before the job runs, sha256_out and size_out hold
 * the stored file's hash and size. The body must be a non-empty file whose
 * content is of the declared type (else 422 or 415). u must live until the
 * reply (inside r->data). */
void upload_store_then(struct req *r, struct upload *u, char *sha256_out, int64_t *size_out,
                       int (*job)(struct store *db, void *arg), void *job_arg,
                       struct derr *job_err, void (*on_ok)(struct req *r));

/* Removes a file not yet stored (the request ended first). Called when
 * the request is freed. */
void upload_release(struct upload *u);

#endif

/* upload: a file sent as a request body (PUT .../NAME, raw bytes), on a
 * route marked ROUTE_UPLOAD: the handler runs as soon as the head is in,
 * checks who may upload what from the head alone, and only then lets the
 * body come. The body goes to a temporary file as it arrives (hashed on the
 * way, never held in memory), is checked once complete
 * (filestore_check_upload: its content must be of the declared type), is
 * moved under its hash on the worker pool, and a write job records it.
 * Shared by the applicants' attachments and the officers' result
 * documents. */
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
    const char *declared;      /* the Content-Type as sent */
    const char *content_type;  /* the declared type, one of those accepted */
    struct filestore_tmp tmp;  /* the body on its way */
    int error;                 /* a negative errno from storing it, or 0 */
    /* Filled once the file is stored: */
    char *sha256_out;          /* 65 bytes: SHA-256 hex */
    int64_t *size_out;         /* bytes */
    int (*job)(struct store *db, void *arg);
    void *job_arg;
    struct derr *job_err;
    void (*on_ok)(struct req *r);
};

/* Checks from the head of r what can be known before the body comes
 * (filestore_check_declared): a valid name, a declared Content-Type among
 * PDF, JPEG and PNG, and a Content-Length (if given) neither 0 nor over
 * HTTP_MAX_UPLOAD. The content, and the name's extension against it, are
 * checked once the body is in (filestore_check_upload). Fills u;
 * otherwise replies (422 bad_file_name, 413 file_too_large, 422
 * empty_file, 415 unsupported_file_type, 422 extension_mismatch; field:
 * the file's name, or "name" for a bad name) and returns -1. */
int upload_check_or_reply(struct req *r, const char *name, struct upload *u);

/* Receives the body into the file store, then runs job(db, job_arg) on
 * the writer as http_defer_job does (a refusal in *job_err is the answer,
 * else on_ok answers). Before the job runs, sha256_out and size_out hold
 * the stored file's hash and size. The body must be a file whose content
 * is of the declared type (else 415 or 422 as above; a full disk 507).
 * u must live until the reply (inside the request's state). */
void upload_store_then(struct req *r, struct upload *u, char *sha256_out, int64_t *size_out,
                       int (*job)(struct store *db, void *arg), void *job_arg,
                       struct derr *job_err, void (*on_ok)(struct req *r));

/* Removes a file not yet stored (the request ended first). Called when
 * the request is freed. */
void upload_release(struct upload *u);

#endif

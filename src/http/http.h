/* http: the request context every handler gets, and the helpers that read
 * the request and write the answer. A handler either answers at once
 * (reply_*) or defers work to the writer thread or the worker pool and
 * answers from the completion callback; every path ends in exactly one
 * reply, which also writes the access log and frees the request context.
 *
 * Errors always have one shape:
 *   {"error":{"code":"...","message":"...","field":"..."}}  */
#ifndef MOTCUA_HTTP_H
#define MOTCUA_HTTP_H

#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/account.h"
#include "base/derr.h"
#include "base/pool.h"
#include "http/parse.h"
#include "store/writer.h"

struct app;
struct conn;
struct evbuffer;
struct route;

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_JSON_BODY (64 * 1024)
#define HTTP_MAX_UPLOAD (10 * 1024 * 1024)

/* One per event-loop thread. */
struct http_loop {
    struct event_base *base;
    struct store *db; /* this thread's read-only connection */
    struct app *app;
    int index;
    struct conn *conns; /* open client connections (conn.c) */
};

struct req {
    struct conn *conn;
    struct http_loop *loop;
    struct app *app;
    struct store *db;          /* == loop->db, for reads */
    const char *method;        /* "GET", "POST", ... */
    char path[1024];           /* decoded path, without the query */
    const char *query_string;  /* raw, after the '?', or NULL */
    struct evkeyvalq query;
    char *head_buf;            /* the request head as received (owned) */
    struct http_head head;     /* its request line and fields, inside head_buf */
    unsigned char *body;       /* the body, when read into memory (owned) */
    json_t *json;              /* the body parsed by req_json_object_or_reply (owned) */
    size_t body_len;
    char peer[64];             /* the connection's remote address */
    struct evbuffer *out_headers; /* fields added with req_add_header */
    unsigned out_flags;        /* which default fields a handler replaced */
    const struct route *route;
    const char *param_names[HTTP_MAX_PARAMS];
    char params[HTTP_MAX_PARAMS][256];
    int nparams;
    int logged_in;
    struct account account;    /* valid when logged_in */
    char csrf_token[65];
    char session_token[65];    /* the cookie's token, when logged_in */
    int64_t start_usec;
    int status;

    /* Deferred work: one at a time. */
    struct write_job wjob;
    struct pool_task ptask;
    struct event *done_ev;
    void (*on_done)(struct req *r);
    void (*write_done)(struct req *r); /* http_defer_write: the caller's on_done */
    void *data; /* handler state, freed with free_data when the request ends */
    void (*free_data)(void *data);
    struct derr *job_err;          /* http_defer_job: the refusal, inside data */
    void (*job_ok)(struct req *r); /* http_defer_job: answers a job done */
    struct upload *upload;         /* upload_store_then: the file on its way */
};

/* Zeroed handler state of size bytes, owned by the request: it becomes
 * r->data and is freed when the request ends, after cleanup(state) if
 * cleanup is not NULL (cleanup releases what the state holds, not the
 * state itself). One per request. On failure replies 500 and returns NULL:
 * the handler just returns. */
void *req_state(struct req *r, size_t size, void (*cleanup)(void *state));

/* Path parameter by name ("id" for /dossiers/{id}); NULL if absent. */
const char *req_param(struct req *r, const char *name);
/* Query string parameter; NULL if absent. */
const char *req_query(struct req *r, const char *name);
/* Request header; NULL if absent. */
const char *req_header(struct req *r, const char *name);
/* The raw body; *len set. Not NUL-terminated. Empty for upload routes,
 * whose body goes to a file (http/upload.h). */
const unsigned char *req_body(struct req *r, size_t *len);
/* The client's address: the connection's peer, or, for a request through
 * the trusted reverse proxy, the address the proxy names in
 * X-Forwarded-For. */
const char *req_client_ip(struct req *r);
/* Whether the request comes straight from this machine (a loopback peer,
 * not relayed by a proxy for someone else). */
int req_from_loopback(struct req *r);

/* Parses the body as a JSON object (Content-Type application/json, at most
 * HTTP_MAX_JSON_BODY bytes). On failure replies 400/413/415 and returns
 * NULL. The request owns the result: it lives until the answer, and the
 * caller never frees it (nor uses it after answering). */
json_t *req_json_object_or_reply(struct req *r);

/* Validates form (a JSON object of field values) against an e-form schema
 * (catalog/eform.h) as of today; partial for a draft being filled in. On
 * errors replies 422 invalid_form naming every field (500 if the schema is
 * unusable) and returns -1. */
int req_form_or_reply(struct req *r, const json_t *schema, const json_t *form, int partial);

/* Reads a string member. Required and missing, wrong type, invalid UTF-8,
 * control characters, or length outside [minc, maxc] characters: replies
 * 422 naming the field and returns -1. Optional and missing: *out = NULL. */
int req_string_or_reply(struct req *r, json_t *obj, const char *key, int required, size_t minc,
                        size_t maxc, const char **out);

/* The same for multi-line text (jsonbody_check_text): line breaks and
 * tabs allowed. */
int req_text_or_reply(struct req *r, json_t *obj, const char *key, int required, size_t minc,
                      size_t maxc, const char **out);

/* Reads an integer path or query parameter within [min, max]; replies 400
 * (or 404 for a path parameter) and returns -1 otherwise. */
int req_long_or_reply(struct req *r, const char *value, const char *name, long min, long max,
                      int is_path, long *out);

/* Answers. Each finishes the request: access log, metrics, free. */
void reply_json(struct req *r, int status, json_t *body); /* steals body */
void reply_error(struct req *r, int status, const char *code, const char *message,
                 const char *field);
void reply_bytes(struct req *r, int status, const char *content_type, const void *data,
                 size_t len);
void reply_empty(struct req *r, int status);
/* The len bytes of the open file fd, sent by the kernel (never read into
 * memory). Takes fd: it is closed when the answer is sent or fails. */
void reply_file(struct req *r, int status, const char *content_type, int fd, size_t len);
/* Adds a response header before the reply. */
void req_add_header(struct req *r, const char *name, const char *value);

/* A domain refusal, with the status its kind maps to. Clears e. */
void reply_derr(struct req *r, struct derr *e);

/* 429 with the seconds to wait in Retry-After. */
void reply_too_many(struct req *r, int wait_seconds, const char *code, const char *message);
/* Counts an attempt for key on rl (base/ratelimit.h); if the key must wait
 * instead, answers reply_too_many and returns -1. */
struct ratelimit;
int req_limit_or_reply(struct req *r, struct ratelimit *rl, const char *key, const char *code,
                       const char *message);

/* Common errors. */
void reply_not_found(struct req *r);
void reply_internal(struct req *r, const char *what);
/* Nothing was written because the disk is full (full: 507 storage_full) or
 * cannot be written (503 storage_unavailable), with Retry-After. */
void reply_storage(struct req *r, int full);

/* Runs fn(db, arg) on the writer thread in a transaction, then on_done(r)
 * on this loop thread once committed; r->wjob.rc holds fn's result. */
void http_defer_write(struct req *r, int (*fn)(struct store *db, void *arg), void *arg,
                      void (*on_done)(struct req *r));
/* Like http_defer_write, for a job that gives the reason of a refusal in
 * *err (which lives in r->data, the handler's state): if fn fails, the
 * refusal is the answer (reply_derr; a store error without a reason is a
 * 500), else on_ok(r) answers. *err is cleared when the request ends. */
void http_defer_job(struct req *r, int (*fn)(struct store *db, void *arg), void *arg,
                    struct derr *err, void (*on_ok)(struct req *r));
/* Runs fn(arg) on the worker pool, then on_done(r) on this loop thread. */
void http_defer_work(struct req *r, void (*fn)(void *arg), void *arg,
                     void (*on_done)(struct req *r));
/* The same on the pool's bounded lane, for work anyone can ask for in bulk
 * (password hashing): when its queue is full the answer is 503 with
 * Retry-After, fn never runs, and -1 says the request was answered. */
int http_defer_bounded(struct req *r, void (*fn)(void *arg), void *arg,
                       void (*on_done)(struct req *r));

/* Parks r: nothing runs for it until http_resume(r), from any thread,
 * makes on_resume(r) run on r's loop. A parked request stays alive (its
 * client going away only drops the answer). Returns 0, or -1 when out of
 * memory (r is not parked). */
int http_park(struct req *r, void (*on_resume)(struct req *r));
void http_resume(struct req *r);

/* Requests being handled now, over all loops (for a graceful stop). */
extern _Atomic int http_active_requests;
/* Set when the server stops: answers close their connection. */
extern _Atomic int http_stopping;

/* --- for the connection layer (conn.c) ---------------------------------- */

/* A request whose head arrived on c: takes head_buf (h points into it).
 * NULL when out of memory. */
struct req *http_request_new(struct http_loop *loop, struct conn *c, char *head_buf,
                             const struct http_head *h, const char *peer);
/* Routes the request, checks its session and rights from the head, then
 * reads its body (or lets an upload handler stream it) and runs the
 * handler. */
void http_request_start(struct req *r);
/* The client went away before the request was handled: frees it. */
void http_request_abort(struct req *r);

#endif

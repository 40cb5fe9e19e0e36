/* http: request context, dispatch, request readers, replies, deferral. */
#include "http/http.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "base/log.h"
#include "base/ratelimit.h"
#include "base/text.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "catalog/eform.h"
#include "http/conn.h"
#include "http/jsonbody.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/static.h"
#include "http/upload.h"
#include "store/store.h"

/* req_state's block: the cleanup, then the state, suitably aligned. */
union state_head {
    void (*cleanup)(void *state);
    max_align_t align;
};

static void free_state(void *state)
{
    union state_head *h = (union state_head *)state - 1;
    if (h->cleanup)
        h->cleanup(state);
    free(h);
}

void *req_state(struct req *r, size_t size, void (*cleanup)(void *state))
{
    union state_head *h = size <= SIZE_MAX - sizeof *h ? calloc(1, sizeof *h + size) : NULL;
    if (!h) {
        reply_internal(r, "out of memory");
        return NULL;
    }
    h->cleanup = cleanup;
    r->data = h + 1;
    r->free_data = free_state;
    return r->data;
}

const char *req_param(struct req *r, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < r->nparams; i++)
        if (strncmp(r->param_names[i], name, n) == 0 && r->param_names[i][n] == '}')
            return r->params[i];
    return NULL;
}

const char *req_query(struct req *r, const char *name)
{
    return evhttp_find_header(&r->query, name);
}

const char *req_header(struct req *r, const char *name)
{
    size_t len;
    return http_head_field(&r->head, name, &len); /* NUL-terminated in head_buf */
}

const unsigned char *req_body(struct req *r, size_t *len)
{
    *len = r->body_len;
    return r->body ? r->body : (const unsigned char *)"";
}

static int is_loopback(const char *ip)
{
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
           strncmp(ip, "::ffff:127.", 11) == 0;
}

static int through_proxy(struct req *r)
{
    return r->app->trusted_proxy[0] && strcmp(r->peer, r->app->trusted_proxy) == 0 &&
           req_header(r, "X-Forwarded-For");
}

const char *req_client_ip(struct req *r)
{
    static _Thread_local char ip[64];
    if (!through_proxy(r))
        return r->peer;
    /* The proxy appends the address it saw: the last entry is the one it
     * vouches for; earlier ones are whatever the client claimed. */
    const char *fwd = req_header(r, "X-Forwarded-For");
    const char *last = strrchr(fwd, ',');
    last = last ? last + 1 : fwd;
    while (*last == ' ')
        last++;
    snprintf(ip, sizeof ip, "%.48s", last);
    return ip;
}

int req_from_loopback(struct req *r) { return is_loopback(r->peer) && !through_proxy(r); }

/* --- replies ---------------------------------------------------------- */

_Atomic int http_active_requests;
_Atomic int http_stopping;

enum { OUT_CACHE_CONTROL = 1, OUT_CSP = 2 };

static void req_free(struct req *r)
{
    atomic_fetch_sub(&http_active_requests, 1);
    if (r->upload)
        upload_release(r->upload);
    if (r->job_err)
        derr_clear(r->job_err);
    if (r->free_data)
        r->free_data(r->data);
    if (r->done_ev)
        event_free(r->done_ev);
    if (r->out_headers)
        evbuffer_free(r->out_headers);
    evhttp_clear_headers(&r->query);
    json_decref(r->json);
    free(r->head_buf);
    free(r->body);
    free(r);
}

static void access_log(struct req *r, size_t bytes)
{
    int64_t usec = now_usec() - r->start_usec;
    metrics_record(r->route ? router_index(r->route) : -1, r->status, usec);
    if (!log_info_enabled())
        return;
    char line[1400];
    const char *route = r->route ? r->route->pattern : "";
    char *path_json = NULL;
    json_t *p = json_string(r->path);
    if (p) {
        path_json = json_dumps(p, JSON_ENCODE_ANY);
        json_decref(p);
    }
    snprintf(line, sizeof line,
             "{\"t\":%lld,\"m\":\"%s\",\"path\":%s,\"route\":\"%s\",\"status\":%d,"
             "\"us\":%lld,\"bytes\":%zu,\"account\":%lld,\"client\":\"%s\"}",
             (long long)now_unix(), r->method, path_json ? path_json : "\"\"", route, r->status,
             (long long)usec, bytes, (long long)(r->logged_in ? r->account.id : 0), r->peer);
    free(path_json);
    log_info("%s", line);
}

/* A field name and value are added only if they cannot break the head. */
static int field_ok(const char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n')
            return 0;
    return 1;
}

void req_add_header(struct req *r, const char *name, const char *value)
{
    if (!field_ok(name) || !field_ok(value))
        return;
    if (!r->out_headers && !(r->out_headers = evbuffer_new()))
        return;
    if (strcasecmp(name, "Cache-Control") == 0)
        r->out_flags |= OUT_CACHE_CONTROL;
    if (strcasecmp(name, "Content-Security-Policy") == 0)
        r->out_flags |= OUT_CSP;
    evbuffer_add_printf(r->out_headers, "%s: %s\r\n", name, value);
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Status";
    }
}

/* The Date field's value, formatted once a second per thread. */
static const char *http_date(void)
{
    static _Thread_local time_t last;
    static _Thread_local char buf[40];
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        last = now;
    }
    return buf;
}

/* Pages may load scripts, styles, images and fonts from this server only,
 * and are never framed by another site. */
static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                          "object-src 'none'; base-uri 'self'; form-action 'self'; "
                          "frame-ancestors 'self'";

/* Sends the answer: the body is len bytes at body, or, when fd >= 0, the
 * len bytes of that open file (sent by the kernel, never read into memory;
 * the answer takes the descriptor). */
static void send_answer(struct req *r, int status, const char *ctype, const void *body,
                        size_t len, int fd)
{
    struct evbuffer *out = evbuffer_new();
    r->status = status;
    if (!out) { /* no memory for the answer: drop the connection */
        if (fd >= 0)
            close(fd);
        conn_send(r, NULL, 1);
        access_log(r, 0);
        req_free(r);
        return;
    }
    int keep = conn_keeps_alive(r);
    int bodiless = status == 204 || status == 304;
    evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, reason_phrase(status),
                        http_date());
    if (ctype)
        evbuffer_add_printf(out, "Content-Type: %s\r\n", ctype);
    if (!bodiless)
        evbuffer_add_printf(out, "Content-Length: %zu\r\n", len);
    if (!keep)
        evbuffer_add(out, "Connection: close\r\n", 19);
    else if (r->head.minor == 0)
        evbuffer_add(out, "Connection: keep-alive\r\n", 24);
    evbuffer_add_printf(out,
                        "X-Content-Type-Options: nosniff\r\nX-Frame-Options: SAMEORIGIN\r\n"
                        "Referrer-Policy: same-origin\r\nCross-Origin-Opener-Policy: same-origin\r\n"
                        "Cross-Origin-Resource-Policy: same-origin\r\n"
                        "Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n");
    if (!(r->out_flags & OUT_CSP))
        evbuffer_add_printf(out, "Content-Security-Policy: %s\r\n", csp);
    if (!(r->out_flags & OUT_CACHE_CONTROL))
        evbuffer_add(out, "Cache-Control: no-store\r\n", 25);
    if (r->app->secure_cookies)
        evbuffer_add_printf(out, "Strict-Transport-Security: max-age=31536000\r\n");
    if (r->out_headers)
        evbuffer_add_buffer(out, r->out_headers);
    evbuffer_add(out, "\r\n", 2);
    int with_body = len && !bodiless && strcmp(r->method, "HEAD") != 0;
    if (fd >= 0 && (!with_body || evbuffer_add_file(out, fd, 0, (ev_off_t)len) != 0))
        close(fd); /* not needed, or not taken */
    else if (with_body && fd < 0)
        evbuffer_add(out, body, len);
    conn_send(r, out, !keep);
    evbuffer_free(out);
    access_log(r, len);
    req_free(r);
}

void reply_bytes(struct req *r, int status, const char *content_type, const void *data,
                 size_t len)
{
    send_answer(r, status, content_type, data, len, -1);
}

void reply_file(struct req *r, int status, const char *content_type, int fd, size_t len)
{
    send_answer(r, status, content_type, NULL, len, fd);
}

void reply_json(struct req *r, int status, json_t *body)
{
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!s) {
        reply_bytes(r, 500, "application/json",
                    "{\"error\":{\"code\":\"internal\",\"message\":\"Lỗi hệ thống\"}}", 56);
        return;
    }
    reply_bytes(r, status, "application/json; charset=utf-8", s, strlen(s));
    free(s);
}

void reply_error(struct req *r, int status, const char *code, const char *message,
                 const char *field)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (field)
        json_object_set_new(e, "field", json_string(field));
    reply_json(r, status, json_pack("{s:o}", "error", e));
}

void reply_empty(struct req *r, int status) { send_answer(r, status, NULL, NULL, 0, -1); }

void reply_not_found(struct req *r)
{
    reply_error(r, 404, "not_found", "Không tìm thấy", NULL);
}

void reply_derr(struct req *r, struct derr *e)
{
    static const int status[] = {[DERR_NONE] = 500,     [DERR_NOT_FOUND] = 404,
                                 [DERR_STATE] = 409,    [DERR_INVALID] = 422,
                                 [DERR_TAKEN] = 409,    [DERR_TOO_LARGE] = 413,
                                 [DERR_FORBIDDEN] = 403, [DERR_INTERNAL] = 500};
    if (e->kind == DERR_NONE || e->kind == DERR_INTERNAL) {
        char what[300];
        snprintf(what, sizeof what, "%s", e->message[0] ? e->message : "write failed");
        derr_clear(e);
        reply_internal(r, what);
        return;
    }
    json_t *err = json_pack("{s:s, s:s}", "code", e->code, "message", e->message);
    if (e->field[0])
        json_object_set_new(err, "field", json_string(e->field));
    if (e->fields)
        json_object_set(err, "fields", e->fields);
    int st = status[e->kind];
    derr_clear(e);
    reply_json(r, st, json_pack("{s:o}", "error", err));
}

void reply_storage(struct req *r, int full)
{
    req_add_header(r, "Retry-After", "60");
    if (full)
        reply_error(r, 507, "storage_full",
                    "Máy chủ đã hết chỗ lưu trữ nên chưa ghi được yêu cầu của bạn; không có gì "
                    "bị ghi dở. Vui lòng thử lại sau.",
                    NULL);
    else
        reply_error(r, 503, "storage_unavailable",
                    "Máy chủ đang không ghi được dữ liệu (lỗi lưu trữ) nên chưa ghi được yêu cầu "
                    "của bạn; không có gì bị ghi dở. Vui lòng thử lại sau.",
                    NULL);
}

void reply_too_many(struct req *r, int wait_seconds, const char *code, const char *message)
{
    char retry[16];
    snprintf(retry, sizeof retry, "%d", wait_seconds);
    req_add_header(r, "Retry-After", retry);
    reply_error(r, 429, code, message, NULL);
}

int req_limit_or_reply(struct req *r, struct ratelimit *rl, const char *key, const char *code,
                       const char *message)
{
    int wait = ratelimit_take(rl, key, now_unix());
    if (!wait)
        return 0;
    reply_too_many(r, wait, code, message);
    return -1;
}

void reply_internal(struct req *r, const char *what)
{
    log_error("%s %s: %s", r->method, r->path, what);
    reply_error(r, 500, "internal", "Lỗi hệ thống, vui lòng thử lại sau", NULL);
}

/* --- request readers -------------------------------------------------- */

json_t *req_json_object_or_reply(struct req *r)
{
    const char *ct = req_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        reply_error(r, 415, "unsupported_media_type",
                    "Yêu cầu phải có Content-Type: application/json", NULL);
        return NULL;
    }
    size_t len;
    const unsigned char *body = req_body(r, &len);
    char msg[300];
    int status;
    json_t *j = jsonbody_parse_object((const char *)body, len, &status, msg, sizeof msg);
    if (!j) {
        reply_error(r, status, status == 413 ? "body_too_large" : "malformed_json", msg, NULL);
        return NULL;
    }
    json_decref(r->json);
    r->json = j;
    return j;
}

int req_form_or_reply(struct req *r, const json_t *schema, const json_t *form, int partial)
{
    struct eform_error errs[32];
    int n = schema ? eform_validate_checked(schema, form, partial, cal_local_ymd(now_unix()), errs,
                                            32)
                   : -1;
    if (n == 0)
        return 0;
    if (n < 0) {
        reply_internal(r, "form schema unusable");
        return -1;
    }
    json_t *fields = json_array();
    for (int i = 0; i < n && i < 32; i++)
        json_array_append_new(fields, json_pack("{s:s, s:s, s:s}", "field", errs[i].field, "code",
                                                errs[i].code, "message", errs[i].message));
    reply_json(r, 422,
               json_pack("{s:{s:s, s:s, s:s, s:o}}", "error", "code", "invalid_form", "message",
                         errs[0].message, "field", errs[0].field, "fields", fields));
    return -1;
}

static int string_or_reply(struct req *r, json_t *obj, const char *key, int required,
                           size_t minc, size_t maxc, int multiline, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (!required)
            return 0;
        reply_error(r, 422, "required", "Trường này là bắt buộc", key);
        return -1;
    }
    const char *why = multiline ? jsonbody_check_text(v, minc, maxc)
                                : jsonbody_check_string(v, minc, maxc);
    if (!why) {
        *out = json_string_value(v);
        return 0;
    }
    char msg[160];
    if (strcmp(why, "bad_type") == 0)
        snprintf(msg, sizeof msg, "Giá trị phải là chuỗi ký tự");
    else if (strcmp(why, "bad_text") == 0)
        snprintf(msg, sizeof msg, "Chuỗi ký tự không hợp lệ hoặc chứa ký tự điều khiển");
    else if (strcmp(why, "required") == 0)
        snprintf(msg, sizeof msg, "Trường này là bắt buộc");
    else
        snprintf(msg, sizeof msg, "Độ dài phải từ %zu đến %zu ký tự", minc, maxc);
    reply_error(r, 422, why, msg, key);
    return -1;
}

int req_string_or_reply(struct req *r, json_t *obj, const char *key, int required, size_t minc,
                        size_t maxc, const char **out)
{
    return string_or_reply(r, obj, key, required, minc, maxc, 0, out);
}

int req_text_or_reply(struct req *r, json_t *obj, const char *key, int required, size_t minc,
                      size_t maxc, const char **out)
{
    return string_or_reply(r, obj, key, required, minc, maxc, 1, out);
}

int req_long_or_reply(struct req *r, const char *value, const char *name, long min, long max,
                      int is_path, long *out)
{
    if (parse_long(value, min, max, out) == 0)
        return 0;
    if (is_path)
        reply_not_found(r);
    else
        reply_error(r, 400, "bad_parameter", "Tham số không hợp lệ", name);
    return -1;
}

/* --- deferral --------------------------------------------------------- */

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
    struct req *r = arg;
    r->on_done(r);
}

static int ensure_done_event(struct req *r)
{
    if (!r->done_ev)
        r->done_ev = event_new(r->loop->base, -1, 0, done_cb, r);
    return r->done_ev ? 0 : -1;
}

int http_park(struct req *r, void (*on_resume)(struct req *r))
{
    if (ensure_done_event(r))
        return -1;
    r->on_done = on_resume;
    return 0;
}

void http_resume(struct req *r) { event_active(r->done_ev, EV_WRITE, 1); }

static void write_notify(struct write_job *job)
{
    struct req *r = job->owner;
    event_active(r->done_ev, EV_WRITE, 1);
}

static void pool_notify(struct pool_task *t)
{
    struct req *r = t->owner;
    event_active(r->done_ev, EV_WRITE, 1);
}

/* A write lost to a full or unwritable disk is answered here, the same for
 * every route (the writer logs where); the handler sees only the rest. */
static void write_finished(struct req *r)
{
    if (r->wjob.rc == STORE_FULL || r->wjob.rc == STORE_IOERR) {
        reply_storage(r, r->wjob.rc == STORE_FULL);
        return;
    }
    r->write_done(r);
}

void http_defer_write(struct req *r, int (*fn)(struct store *db, void *arg), void *arg,
                      void (*on_done)(struct req *r))
{
    if (ensure_done_event(r)) {
        reply_internal(r, "cannot create event");
        return;
    }
    r->on_done = write_finished;
    r->write_done = on_done;
    r->wjob = (struct write_job){.fn = fn, .arg = arg, .notify = write_notify, .owner = r};
    if (writer_submit(r->app->writer, &r->wjob))
        reply_error(r, 503, "shutting_down", "Máy chủ đang dừng, vui lòng thử lại", NULL);
}

static void job_done(struct req *r)
{
    if (r->wjob.rc)
        reply_derr(r, r->job_err);
    else
        r->job_ok(r);
}

void http_defer_job(struct req *r, int (*fn)(struct store *db, void *arg), void *arg,
                    struct derr *err, void (*on_ok)(struct req *r))
{
    r->job_err = err;
    r->job_ok = on_ok;
    http_defer_write(r, fn, arg, job_done);
}

static int defer_work(struct req *r, void (*fn)(void *arg), void *arg,
                      void (*on_done)(struct req *r), enum pool_lane lane)
{
    if (ensure_done_event(r)) {
        reply_internal(r, "cannot create event");
        return -1;
    }
    r->on_done = on_done;
    r->ptask = (struct pool_task){.fn = fn, .arg = arg, .notify = pool_notify, .owner = r};
    int rc = pool_submit(r->app->pool, &r->ptask, lane);
    if (rc == -2) {
        req_add_header(r, "Retry-After", "5");
        reply_error(r, 503, "busy", "Máy chủ đang bận, vui lòng thử lại sau ít giây", NULL);
    } else if (rc) {
        reply_error(r, 503, "shutting_down", "Máy chủ đang dừng, vui lòng thử lại", NULL);
    }
    return rc ? -1 : 0;
}

void http_defer_work(struct req *r, void (*fn)(void *arg), void *arg,
                     void (*on_done)(struct req *r))
{
    defer_work(r, fn, arg, on_done, POOL_NORMAL);
}

int http_defer_bounded(struct req *r, void (*fn)(void *arg), void *arg,
                       void (*on_done)(struct req *r))
{
    return defer_work(r, fn, arg, on_done, POOL_BOUNDED);
}

/* --- dispatch --------------------------------------------------------- */

/* Reads the session cookie and, if it names a live session, the account. */
static void load_session(struct req *r)
{
    const char *cookie = req_header(r, "Cookie");
    if (!cookie)
        return;
    const char *p = strstr(cookie, "motcua_session=");
    /* The name must start the header or follow "; ". */
    while (p && p != cookie && p[-1] != ' ' && p[-1] != ';')
        p = strstr(p + 1, "motcua_session=");
    if (!p)
        return;
    p += strlen("motcua_session=");
    char token[65];
    size_t n = strcspn(p, ";");
    if (n != 64)
        return;
    memcpy(token, p, 64);
    token[64] = '\0';
    if (account_by_session(r->db, token, now_unix(), &r->account, r->csrf_token) == STORE_ROW) {
        r->logged_in = 1;
        memcpy(r->session_token, token, sizeof token);
    }
}

/* Constant-time comparison of two NUL-terminated tokens. */
static int token_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned diff = (unsigned)(la ^ lb);
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0 && la > 0;
}

static int is_state_changing(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

static const char *known_method(const char *m)
{
    static const char *const methods[] = {"GET",    "POST",    "PUT",  "DELETE",
                                          "HEAD",   "OPTIONS", "PATCH"};
    for (size_t i = 0; i < ARRAY_LEN(methods); i++)
        if (strcmp(m, methods[i]) == 0)
            return methods[i];
    return NULL;
}

struct req *http_request_new(struct http_loop *loop, struct conn *c, char *head_buf,
                             const struct http_head *h, const char *peer)
{
    struct req *r = calloc(1, sizeof *r);
    if (!r) {
        free(head_buf);
        return NULL;
    }
    atomic_fetch_add(&http_active_requests, 1);
    r->conn = c;
    r->loop = loop;
    r->app = loop->app;
    r->db = loop->db;
    r->start_usec = now_usec();
    r->head_buf = head_buf;
    r->head = *h;
    r->method = known_method(h->method);
    copy_str(r->peer, sizeof r->peer, peer);
    copy_str(r->path, sizeof r->path, "?");
    TAILQ_INIT(&r->query);
    return r;
}

void http_request_abort(struct req *r)
{
    r->status = 499; /* nginx's "client closed request" */
    access_log(r, 0);
    req_free(r);
}

static void run_handler(struct req *r) { r->route->handler(r); }

/* Splits the request target into the decoded path and the raw query.
 * Returns 0, or replies and returns -1. */
static int take_target(struct req *r)
{
    char *t = (char *)r->head.target; /* NUL-terminated, inside head_buf */
    /* The absolute form (a proxy's "http://host/path") names the same path. */
    if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
        char *slash = strchr(strstr(t, "//") + 2, '/');
        t = slash ? slash : (char *)"/";
    }
    if (*t != '/') {
        reply_error(r, 400, "bad_path", "Đường dẫn không hợp lệ", NULL);
        return -1;
    }
    char *q = strchr(t, '?');
    if (q) {
        *q = '\0';
        r->query_string = q + 1;
    }
    size_t dlen = 0;
    char *decoded = evhttp_uridecode(t, 0, &dlen);
    /* A decoded NUL ("%00") would cut the path short: refuse it. */
    if (!decoded || dlen >= sizeof r->path || strlen(decoded) != dlen) {
        free(decoded);
        reply_error(r, dlen >= sizeof r->path ? 414 : 400, "bad_path",
                    "Đường dẫn không hợp lệ", NULL);
        return -1;
    }
    copy_str(r->path, sizeof r->path, decoded);
    free(decoded);
    if (r->query_string && evhttp_parse_query_str(r->query_string, &r->query) != 0) {
        reply_error(r, 400, "bad_query", "Tham số truy vấn không hợp lệ", NULL);
        return -1;
    }
    return 0;
}

/* What another node may ask on the node listener: the inbox, the
 * data-sharing services and the directory (decoded path, exact). */
static int node_path(const char *path)
{
    static const char services[] = "/api/v1/exchange/services/";
    return strcmp(path, "/api/v1/exchange/inbox") == 0 ||
           strcmp(path, "/api/v1/exchange/directory") == 0 ||
           strncmp(path, services, sizeof services - 1) == 0;
}

void http_request_start(struct req *r)
{
    if (!r->method) {
        r->method = "OTHER";
        reply_error(r, 501, "method_not_implemented", "Phương thức không được hỗ trợ", NULL);
        return;
    }
    if (take_target(r))
        return;
    /* The node listener serves the node endpoints only (docs/exchange.md
     * "Transport"). */
    size_t peer_len;
    if (conn_peer_cert(r, &peer_len) && !node_path(r->path)) {
        reply_not_found(r);
        return;
    }
    int mismatch;
    r->route = router_match(r, r->method, r->path, &mismatch);
    if (!r->route) {
        if (mismatch) {
            char allow[64];
            router_allowed_methods(r->path, allow, sizeof allow);
            req_add_header(r, "Allow", allow);
            reply_error(r, 405, "method_not_allowed", "Phương thức không được hỗ trợ", NULL);
        } else if (strncmp(r->path, "/api/", 5) == 0) {
            reply_not_found(r);
        } else {
            static_serve(r);
        }
        return;
    }
    /* Everything below is decided from the head, before any body is read. */
    load_session(r);
    if ((r->route->flags & ROUTE_AUTH) && !r->logged_in) {
        reply_error(r, 401, "unauthenticated", "Vui lòng đăng nhập", NULL);
        return;
    }
    if ((r->route->flags & ROUTE_CSRF) && is_state_changing(r->method)) {
        const char *t = req_header(r, "X-CSRF-Token");
        if (!r->logged_in || !t || !token_equal(t, r->csrf_token)) {
            reply_error(r, 403, "csrf", "Thiếu hoặc sai mã chống giả mạo yêu cầu (CSRF)", NULL);
            return;
        }
    }
    if ((r->route->flags & ROUTE_STAFF) && strcmp(r->account.kind, "staff") != 0) {
        reply_not_found(r);
        return;
    }
    if (r->route->flags & ROUTE_UPLOAD)
        run_handler(r); /* it streams the body itself */
    else
        conn_read_body(r, HTTP_MAX_JSON_BODY, run_handler);
}

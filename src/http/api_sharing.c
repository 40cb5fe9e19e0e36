/* api_sharing: the data-sharing services between nodes over HTTP
 * (docs/exchange.md "Data-sharing services").
 *
 * POST /api/v1/exchange/call: an officer asks a service of another unit
 * through this node, as a unit they hold a role on. This node signs the
 * request with that unit's seal, POSTs it to the provider's node (from the
 * directory), verifies the signed answer, logs the call and answers the
 * result.
 *
 * POST /api/v1/exchange/services/{name}: what another node POSTs here. No
 * login: the request's signature decides (exchange/sharing.c); the answer
 * is signed with the provider unit's seal. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/permission.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "exchange/sharing.h"
#include "http/conn.h"
#include "http/http.h"
#include "http/router.h"
#include "store/store.h"

/* --- the consumer: POST /api/v1/exchange/call ------------------------- */

struct call_state {
    struct sharing_call call;
    char data_dir[1024];
    char as[32], organ[32], service[64];
    json_t *params; /* owned */
    struct derr err;
};

static void call_state_cleanup(void *data)
{
    struct call_state *st = data;
    sharing_call_free(&st->call);
    json_decref(st->params);
}

static int prepare_job(struct store *db, void *arg)
{
    struct call_state *st = arg;
    int64_t account = st->call.account_id;
    int rc = sharing_call_prepare(db, st->data_dir, st->as, st->organ, st->service, st->params,
                                  now_unix(), &st->call, &st->err);
    st->call.account_id = account;
    return rc;
}

static void send_work(void *arg)
{
    struct call_state *st = arg;
    sharing_call_send(&st->call, now_unix());
}

static int log_job(struct store *db, void *arg)
{
    struct call_state *st = arg;
    return sharing_call_log(db, &st->call, now_unix());
}

static void logged(struct req *r)
{
    struct call_state *st = r->data;
    struct sharing_call *c = &st->call;
    if (r->wjob.rc) {
        reply_internal(r, "the call could not be logged");
        return;
    }
    if (c->failed) {
        int status = c->err.kind == DERR_FORBIDDEN   ? 403
                     : c->err.kind == DERR_NOT_FOUND ? 404
                     : c->err.kind == DERR_STATE     ? 409
                     : c->err.kind == DERR_INVALID   ? 422
                     : c->err.kind == DERR_TOO_LARGE ? 413
                                                     : 502;
        reply_error(r, status, c->err.code ? c->err.code : "provider_failed", c->err.message,
                    NULL);
        return;
    }
    unsigned char md[32];
    char rh[65], ah[65];
    sha256(c->request, c->request_len, md);
    hex_encode(md, 32, rh);
    sha256(c->answer, c->answer_len, md);
    hex_encode(md, 32, ah);
    reply_json(r, 200,
               json_pack("{s:s,s:s,s:s,s:O,s:{s:s,s:s,s:s}}", "service", c->service, "organ",
                         c->to, "as", c->from, "result", c->result, "call", "nonce", c->nonce,
                         "request_sha256", rh, "answer_sha256", ah));
}

static void sent(struct req *r)
{
    struct call_state *st = r->data;
    http_defer_write(r, log_job, st, logged);
}

static void prepared(struct req *r)
{
    struct call_state *st = r->data;
    /* The provider may take seconds: never on a loop or the writer. */
    http_defer_work(r, send_work, st, sent);
}

static void call_post(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    const char *organ, *service;
    if (!body || req_string_or_reply(r, body, "organ", 1, 1, 31, &organ) ||
        req_string_or_reply(r, body, "service", 1, 1, 63, &service))
        return;
    json_t *params = json_object_get(body, "params");
    if (params && !json_is_null(params) && !json_is_object(params)) {
        reply_error(r, 422, "bad_params", "Tham số (params) phải là một đối tượng.", "params");
        return;
    }
    /* as: the unit the officer asks for, by id or by code. */
    json_t *as = json_object_get(body, "as");
    struct unit u;
    int found = json_is_integer(as)  ? unit_by_id(r->db, json_integer_value(as), &u)
                : json_is_string(as) ? unit_by_code(r->db, json_string_value(as), &u)
                                     : STORE_DONE;
    if (found != STORE_ROW) {
        reply_error(r, 422, "unknown_unit", "Cần đơn vị gọi dịch vụ (as): mã hoặc số hiệu đơn vị.",
                    "as");
        return;
    }
    /* The officer must work in that unit (or above it): reading its
     * dossiers or documents. */
    if (permission_can(r->db, r->account.id, "dossier.read", u.id) != 1 &&
        permission_can(r->db, r->account.id, "document.read", u.id) != 1) {
        reply_error(r, 403, "forbidden", "Cán bộ không thuộc đơn vị gọi dịch vụ.", "as");
        return;
    }
    struct call_state *st = req_state(r, sizeof *st, call_state_cleanup);
    if (!st)
        return;
    copy_str(st->data_dir, sizeof st->data_dir, r->app->data_dir);
    copy_str(st->as, sizeof st->as, u.code);
    copy_str(st->organ, sizeof st->organ, organ);
    copy_str(st->service, sizeof st->service, service);
    st->params = params && json_is_object(params) ? json_incref(params) : NULL;
    st->call.account_id = r->account.id;
    http_defer_job(r, prepare_job, st, &st->err, prepared);
}

/* --- the provider: POST /api/v1/exchange/services/{name} --------------- */

struct serve_state {
    char data_dir[1024];
    char service[64];
    const unsigned char *req; /* r->body, which lives until the answer */
    size_t len;
    unsigned char *peer; /* the node listener: the caller's certificate (DER, a copy) */
    size_t peer_len;
    struct sharing_served out;
};

static void serve_state_cleanup(void *data)
{
    struct serve_state *st = data;
    sharing_served_free(&st->out);
    free(st->peer);
}

static int serve_job(struct store *db, void *arg)
{
    struct serve_state *st = arg;
    return sharing_serve_peer(db, st->data_dir, st->service, st->req, st->len, now_unix(),
                              st->peer, st->peer_len, &st->out);
}

static void served(struct req *r)
{
    struct serve_state *st = r->data;
    if (r->wjob.rc) {
        reply_internal(r, "the service call could not be logged");
        return;
    }
    if (st->out.status == 200)
        reply_bytes(r, 200, "application/pkcs7-mime; smime-type=signed-data", st->out.answer,
                    st->out.answer_len);
    else
        reply_error(r, st->out.status, st->out.err.code, st->out.err.message, NULL);
}

static void request_read(struct req *r)
{
    struct serve_state *st = req_state(r, sizeof *st, serve_state_cleanup);
    if (!st)
        return;
    copy_str(st->data_dir, sizeof st->data_dir, r->app->data_dir);
    copy_str(st->service, sizeof st->service, req_param(r, "name"));
    st->req = req_body(r, &st->len);
    /* On the node listener the directory decides on the caller's node. */
    size_t plen;
    const unsigned char *peer = conn_peer_cert(r, &plen);
    if (peer) {
        if (!(st->peer = malloc(plen))) {
            reply_internal(r, "out of memory");
            return;
        }
        memcpy(st->peer, peer, plen);
        st->peer_len = plen;
    }
    http_defer_write(r, serve_job, st, served);
}

/* Runs once the head is in (ROUTE_UPLOAD): the body is read only up to
 * SHARING_MAX_REQUEST (413 beyond). */
static void services_post(struct req *r)
{
    const char *name = req_param(r, "name");
    if (!name || strlen(name) >= 64) {
        reply_error(r, 404, "unknown_service", "Máy chủ này không cung cấp dịch vụ này.", NULL);
        return;
    }
    conn_read_body(r, SHARING_MAX_REQUEST, request_read);
}

const struct route api_sharing_routes[] = {
    {"POST", "/api/v1/exchange/call", call_post, ROUTE_OFFICER},
    {"POST", "/api/v1/exchange/services/{name}", services_post, ROUTE_UPLOAD},
    {NULL, NULL, NULL, 0},
};

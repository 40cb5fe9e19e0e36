/* api_lgsp: the REST interface provincial eDoc hubs offer e-office
 * products, so a product that is not motcua can use this node as its LGSP
 * (docs/exchange.md "The LGSP interface"): sendDocument, getPendingDocIds,
 * getDocument, confirmReceived, getOrganizations, checkExistDocument under
 * /api/lgsp/. Every call names the organisation in the header `from` and
 * its secret in `token` (node/lgsp.h); answers are the hubs' JSON,
 * {"status": "OK" | "FAIL", "ErrorCode", "ErrorDesc", "data"}, a refusal
 * also with motcua's {"error": {code, message, field}}. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "base/ratelimit.h"
#include "base/util.h"
#include "dossier/filestore.h"
#include "exchange/directory.h"
#include "exchange/outbox.h"
#include "http/conn.h"
#include "http/http.h"
#include "http/router.h"
#include "node/inbox.h"
#include "node/lgsp.h"
#include "sign/keys.h"
#include "store/store.h"

/* --- answers -------------------------------------------------------------- */

static void ok(struct req *r, json_t *data)
{
    if (!data) {
        reply_internal(r, "lgsp: cannot build the answer");
        return;
    }
    reply_json(r, 200, json_pack("{ss ss ss so}", "status", "OK", "ErrorCode", "", "ErrorDesc",
                                 "", "data", data));
}

static void fail(struct req *r, int status, const char *code, const char *message,
                 const char *field)
{
    reply_json(r, status,
               json_pack("{ss ss ss s{ss ss ss}}", "status", "FAIL", "ErrorCode", code,
                         "ErrorDesc", message, "error", "code", code, "message", message, "field",
                         field ? field : ""));
}

/* e lives in the request's state, cleared with it: the answer frees the
 * state, so e is not touched after it. */
static void fail_derr(struct req *r, struct derr *e)
{
    static const int status[] = {[DERR_NONE] = 500,      [DERR_NOT_FOUND] = 404,
                                 [DERR_STATE] = 409,     [DERR_INVALID] = 422,
                                 [DERR_TAKEN] = 409,     [DERR_TOO_LARGE] = 413,
                                 [DERR_FORBIDDEN] = 403, [DERR_INTERNAL] = 500};
    if (e->kind == DERR_NONE || e->kind == DERR_INTERNAL || !e->code)
        reply_internal(r, "lgsp: a store or file error");
    else
        fail(r, status[e->kind], e->code, e->message, e->field);
}

static void job_done(struct req *r)
{
    struct derr *e = r->job_err;
    if (r->wjob.rc == 0)
        r->job_ok(r);
    else if (e->kind == DERR_NONE || e->kind == DERR_INTERNAL || !e->code)
        reply_derr(r, e); /* a store error: the server's usual answer (500, 507) */
    else
        fail_derr(r, e);
}

/* http_defer_job with the refusal in the hubs' shape. */
static void defer_job(struct req *r, int (*fn)(struct store *db, void *arg), void *arg,
                      struct derr *err, void (*on_ok)(struct req *r))
{
    r->job_err = err;
    r->job_ok = on_ok;
    http_defer_write(r, fn, arg, job_done);
}

/* --- credentials ------------------------------------------------------------ */

/* Checks the headers `from` and `token`; copies the organisation into
 * organ. Failures count against the client's address as failed logins do
 * (429 once over). Returns 0, or -1 after answering (401, 429 or 500),
 * with the refusal in *refusal when given (for the log of sendDocument). */
static int auth_or_reply(struct req *r, char organ[32], struct derr *refusal)
{
    const char *from = req_header(r, "from");
    const char *token = req_header(r, "token");
    const char *ip = req_client_ip(r);
    struct derr err = {0};
    if (r->app->rl_ip &&
        req_limit_or_reply(r, r->app->rl_ip, ip, "too_many_attempts",
                           "Quá nhiều lần xác thực sai từ địa chỉ này; vui lòng thử lại sau."))
        return -1;
    if (lgsp_auth(r->db, from, token, &err) == 0) {
        if (r->app->rl_ip)
            ratelimit_give_back(r->app->rl_ip, ip);
        copy_str(organ, 32, from);
        return 0;
    }
    if (err.kind == DERR_INTERNAL) {
        derr_clear(&err);
        reply_internal(r, "lgsp: cannot read the organisations");
        return -1;
    }
    if (refusal) {
        *refusal = err;
        return -1; /* the caller logs, then answers */
    }
    fail(r, 401, err.code, err.message, err.field);
    derr_clear(&err);
    return -1;
}

/* The docId a call names (header `docId`, or ?docId=); 0 after answering
 * 422. */
static int64_t doc_id_or_reply(struct req *r)
{
    const char *v = req_header(r, "docId");
    long id = 0;
    if (!v)
        v = req_query(r, "docId");
    if (!v || parse_long(v, 1, 9007199254740991L, &id)) {
        fail(r, 422, "bad_doc_id", "Thiếu hoặc sai mã văn bản (docId).", "docId");
        return 0;
    }
    return id;
}

/* --- sendDocument ------------------------------------------------------------ */

struct send_state {
    struct lgsp_send s;
    X509_STORE *anchors;
    struct directory d;
    int have_directory;
    char self[EXCHANGE_NODE_ID_MAX];
    int rc;
    struct derr refusal; /* what the product is answered after the refusal is logged */
    int refusal_status;
};

static void send_cleanup(void *p)
{
    struct send_state *st = p;
    exchange_inbox_clear(&st->s.in);
    X509_STORE_free(st->anchors);
    directory_free(&st->d);
    derr_clear(&st->refusal);
}

static void send_check(void *arg)
{
    struct send_state *st = arg;
    st->rc = lgsp_send_check(&st->s, st->anchors, st->have_directory ? &st->d : NULL, st->self);
}

static void send_done(struct req *r)
{
    struct send_state *st = r->data;
    const struct exchange_inbox *in = &st->s.in;
    const struct edxml *e = &in->e;
    json_t *to = json_array();
    int status = e->kind == EDXML_STATUS;
    size_t nto = status ? 1 : e->nto;
    for (size_t i = 0; to && i < nto; i++) {
        const char *code = status ? e->response_for.organ_id : e->to[i].organ_id;
        const char *result = NULL;
        for (int k = 0; k < in->nlocal && !result; k++)
            if (strcmp(in->local[k], code) == 0)
                result = "delivered";
        for (int k = 0; k < st->s.nremote && !result; k++)
            if (strcmp(st->s.remote[k], code) == 0)
                result = st->s.remote_code[k] ? st->s.remote_code[k] : "relayed";
        json_array_append_new(to, json_pack("{ss ss}", "OrganId", code, "result",
                                            result ? result : "not_delivered"));
    }
    ok(r, to ? json_pack("{ss ss si si so}", "DocumentId",
                         status ? e->response_for.document_id : e->document_id, "messagetype",
                         status ? "status" : "edoc", "created", in->created, "duplicates",
                         in->duplicates, "to", to)
             : NULL);
}

static void refusal_logged(struct req *r)
{
    struct send_state *st = r->data;
    fail(r, st->refusal_status, st->refusal.code, st->refusal.message, st->refusal.field);
}

/* Logs the refusal in st->s.in.err (exchange_messages, state refused), then
 * answers it with status. */
static void log_refusal(struct req *r, struct send_state *st, int status)
{
    st->refusal = st->s.in.err;
    st->refusal.fields = NULL;
    st->refusal_status = status;
    defer_job(r, exchange_inbox_refusal_job, &st->s.in, &st->s.in.err, refusal_logged);
}

static void send_checked(struct req *r)
{
    struct send_state *st = r->data;
    struct derr *e = &st->s.in.err;
    if (st->rc == 0) {
        defer_job(r, exchange_inbox_job, &st->s.in, e, send_done);
        return;
    }
    if (st->rc == 1) {
        send_done(r);
        return;
    }
    if (e->kind == DERR_INTERNAL) {
        fail_derr(r, e);
        return;
    }
    /* This node cannot take envelopes yet: the product tries again later. */
    if (e->kind == DERR_STATE) {
        req_add_header(r, "Retry-After", "60");
        fail(r, 503, e->code, e->message, NULL);
        return;
    }
    static const int status[] = {[DERR_NOT_FOUND] = 404, [DERR_STATE] = 409,
                                 [DERR_INVALID] = 422,   [DERR_TAKEN] = 409,
                                 [DERR_TOO_LARGE] = 413, [DERR_FORBIDDEN] = 403};
    log_refusal(r, st, e->kind <= DERR_FORBIDDEN && status[e->kind] ? status[e->kind] : 422);
}

static void send_read(struct req *r)
{
    struct send_state *st = req_state(r, sizeof *st, send_cleanup);
    if (!st)
        return;
    struct exchange_inbox *in = &st->s.in;
    struct derr err = {0};
    char province[32];
    in->data = req_body(r, &in->len);
    in->files_dir = r->app->files_dir;
    in->now = now_unix();
    if (auth_or_reply(r, st->s.caller, &in->err)) {
        if (in->err.kind != DERR_FORBIDDEN)
            return; /* answered */
        /* A call without good credentials is logged too, by its hash. */
        unsigned char md[32];
        sha256(in->data, in->len, md);
        hex_encode(md, sizeof md, in->envelope_sha);
        log_refusal(r, st, 401);
        return;
    }
    if (in->len == 0) {
        fail(r, 422, "not_xml", "Gói tin rỗng.", NULL);
        return;
    }
    st->anchors = keys_trust_store(r->db);
    if (!st->anchors || exchange_province(r->db, province) != STORE_ROW ||
        exchange_node_get(r->db, st->self) < 0) {
        reply_internal(r, "lgsp send: trust anchors or node unreadable");
        return;
    }
    st->have_directory = directory_load(r->db, province, in->now, &st->d, NULL, NULL, &err) == 0;
    derr_clear(&err);
    http_defer_bounded(r, send_check, st, send_checked);
}

/* POST /api/lgsp/sendDocument: the body is the signed edXML envelope (at
 * most EXCHANGE_INBOX_MAX bytes, as the inbox). */
static void send_post(struct req *r)
{
    conn_read_body(r, EXCHANGE_INBOX_MAX, send_read);
}

/* --- the queue ---------------------------------------------------------------- */

/* GET /api/lgsp/getPendingDocIds: header messagetype "edoc", "status" or
 * none (both). */
static void pending_get(struct req *r)
{
    char organ[32];
    if (auth_or_reply(r, organ, NULL))
        return;
    const char *mt = req_header(r, "messagetype");
    const char *kind = NULL;
    if (mt && mt[0]) {
        if (strcmp(mt, "edoc") == 0)
            kind = "document";
        else if (strcmp(mt, "status") == 0)
            kind = "status";
        else {
            fail(r, 422, "bad_messagetype", "Loại gói tin (messagetype) phải là edoc hoặc status.",
                 "messagetype");
            return;
        }
    }
    ok(r, lgsp_pending_json(r->db, organ, kind));
}

/* GET /api/lgsp/getDocument: the envelope docId as it was received. */
static void document_get(struct req *r)
{
    char organ[32], sha[65];
    int64_t size = 0;
    size_t fsize = 0;
    if (auth_or_reply(r, organ, NULL))
        return;
    int64_t id = doc_id_or_reply(r);
    if (!id)
        return;
    int rc = lgsp_envelope(r->db, organ, id, sha, &size);
    if (rc < 0) {
        reply_internal(r, "lgsp: cannot read the queue");
        return;
    }
    /* Another organisation's envelope is answered as one that does not
     * exist: ids say nothing about what others receive. */
    if (rc != STORE_ROW) {
        fail(r, 404, "not_found", "Không có văn bản này trong danh sách của đơn vị.", "docId");
        return;
    }
    int fd = filestore_open(r->app->files_dir, sha, &fsize);
    if (fd < 0 || (int64_t)fsize != size) {
        if (fd >= 0)
            close(fd);
        reply_internal(r, "lgsp: a held envelope is missing from the file store");
        return;
    }
    reply_file(r, 200, "application/xml", fd, fsize);
}

struct confirm_state {
    struct lgsp_confirm c;
    char organ[32];
};

static void confirm_cleanup(void *p)
{
    struct confirm_state *st = p;
    derr_clear(&st->c.err);
}

static void confirmed(struct req *r)
{
    struct confirm_state *st = r->data;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)st->c.doc_id);
    ok(r, json_pack("{ss sb}", "docId", id, "already", st->c.already));
}

/* POST /api/lgsp/confirmReceived: docId leaves the pending list. */
static void confirm_post(struct req *r)
{
    struct confirm_state *st = req_state(r, sizeof *st, confirm_cleanup);
    if (!st || auth_or_reply(r, st->organ, NULL))
        return;
    st->c.doc_id = doc_id_or_reply(r);
    if (!st->c.doc_id)
        return;
    st->c.organ = st->organ;
    st->c.now = now_unix();
    defer_job(r, lgsp_confirm_job, &st->c, &st->c.err, confirmed);
}

/* --- the directory, and what is known -------------------------------------- */

/* GET /api/lgsp/getOrganizations */
static void organizations_get(struct req *r)
{
    char organ[32], province[32];
    struct directory d;
    struct derr err = {0};
    if (auth_or_reply(r, organ, NULL))
        return;
    if (exchange_province(r->db, province) != STORE_ROW) {
        reply_internal(r, "lgsp: cannot read the province");
        return;
    }
    int have = directory_load(r->db, province, now_unix(), &d, NULL, NULL, &err) == 0;
    derr_clear(&err);
    json_t *list = lgsp_organizations_json(r->db, have ? &d : NULL);
    if (have)
        directory_free(&d);
    ok(r, list);
}

/* GET /api/lgsp/checkExistDocument: header documentid (the edXML
 * DocumentId), sent by the caller or to it. */
static void exist_get(struct req *r)
{
    char organ[32];
    if (auth_or_reply(r, organ, NULL))
        return;
    const char *id = req_header(r, "documentid");
    if (!id)
        id = req_query(r, "documentid");
    if (!id || !id[0] || strlen(id) > 2000) {
        fail(r, 422, "missing_field", "Thiếu mã văn bản (documentid).", "documentid");
        return;
    }
    int rc = lgsp_document_known(r->db, organ, id);
    if (rc < 0) {
        reply_internal(r, "lgsp: cannot read the message log");
        return;
    }
    ok(r, json_pack("{ss sb}", "DocumentId", id, "exists", rc));
}

const struct route api_lgsp_routes[] = {
    {"POST", "/api/lgsp/sendDocument", send_post, ROUTE_UPLOAD},
    {"GET", "/api/lgsp/getPendingDocIds", pending_get, 0},
    {"GET", "/api/lgsp/getDocument", document_get, 0},
    {"POST", "/api/lgsp/confirmReceived", confirm_post, 0},
    {"GET", "/api/lgsp/getOrganizations", organizations_get, 0},
    {"GET", "/api/lgsp/checkExistDocument", exist_get, 0},
    {NULL, NULL, NULL, 0},
};

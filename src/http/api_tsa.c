/* api_tsa: the built-in demo Time-Stamping Authority over HTTP (RFC 3161
 * section 3.4): POST /tsa with a DER TimeStampReq, answered with a DER
 * TimeStampResp. Only with `motcua serve --demo-tsa`; otherwise the route
 * answers 404 like a path that does not exist. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "http/conn.h"
#include "http/http.h"
#include "http/router.h"
#include "sign/tsa_server.h"

/* A TimeStampReq is a hash, a nonce and a few flags: some 60 to 100 bytes;
 * with a policy and extensions still far below this. */
#define TSA_MAX_REQUEST 4096

struct tsa_state {
    struct tsa_server *tsa;
    const unsigned char *req; /* r->body, which lives until the answer */
    size_t req_len;
    unsigned char *resp; /* DER TimeStampResp, or NULL if none could be made */
    size_t resp_len;
};

static void tsa_state_cleanup(void *data)
{
    struct tsa_state *st = data;
    free(st->resp);
}

/* Whether the Content-Type is application/timestamp-query (parameters and
 * case aside). */
static int is_query_type(const char *ct)
{
    static const char want[] = "application/timestamp-query";
    size_t n = sizeof want - 1;
    if (!ct || strncasecmp(ct, want, n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

/* On the worker pool: signing is too slow for a loop thread. */
static void respond_work(void *arg)
{
    struct tsa_state *st = arg;
    if (tsa_server_respond(st->tsa, st->req, st->req_len, &st->resp, &st->resp_len))
        st->resp = NULL;
}

static void responded(struct req *r)
{
    struct tsa_state *st = r->data;
    if (!st->resp) {
        reply_internal(r, "the demo TSA could not answer");
        return;
    }
    /* A rejection is an answer too: RFC 3161 carries it in the
     * TimeStampResp's status, with 200. */
    reply_bytes(r, 200, "application/timestamp-reply", st->resp, st->resp_len);
}

static void request_read(struct req *r)
{
    struct tsa_state *st = req_state(r, sizeof *st, tsa_state_cleanup);
    if (!st)
        return;
    st->tsa = r->app->demo_tsa;
    st->req = req_body(r, &st->req_len);
    /* The bounded lane: anyone may ask, so a flood waits in a short queue
     * (503 beyond it) and never takes the worker kept for documents. */
    http_defer_bounded(r, respond_work, st, responded);
}

/* Runs once the head is in (ROUTE_UPLOAD): everything but the body is
 * decided before a byte of it is read, and the body is read only up to
 * TSA_MAX_REQUEST (413 beyond, from the head when its length is given). */
static void tsa_post(struct req *r)
{
    if (!r->app->demo_tsa) {
        reply_not_found(r);
        return;
    }
    if (!is_query_type(req_header(r, "Content-Type"))) {
        reply_error(r, 415, "unsupported_media_type",
                    "Yêu cầu cấp dấu thời gian phải có kiểu application/timestamp-query", NULL);
        return;
    }
    conn_read_body(r, TSA_MAX_REQUEST, request_read);
}

const struct route api_tsa_routes[] = {
    {"POST", "/tsa", tsa_post, ROUTE_UPLOAD},
    {NULL, NULL, NULL, 0},
};

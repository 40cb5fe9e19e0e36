/* api_exchange: what a node offers other nodes over HTTP. The directory:
 * GET /api/v1/exchange/directory answers the signed directory this node
 * has installed (DATA/exchange/directory.cms, docs/exchange.md "Nodes and
 * the directory"), as it is, so other nodes fetch it from the hub. The
 * inbox: POST /api/v1/exchange/inbox takes a signed edXML envelope from
 * another node (docs/exchange.md "Sending and receiving"). No login for
 * either: the directory is signed, and an envelope is its own credential.
 * On the node listener (mutual TLS) the inbox also refuses a client
 * certificate the directory does not list, and a node that is neither the
 * sender's nor a hub (docs/exchange.md "Transport"). */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "base/ratelimit.h"
#include "base/util.h"
#include "exchange/directory.h"
#include "exchange/node_tls.h"
#include "node/inbox.h"
#include "exchange/outbox.h"
#include "http/conn.h"
#include "http/http.h"
#include "http/router.h"
#include "sign/keys.h"
#include "store/store.h"

static void directory_get(struct req *r)
{
    char path[1200];
    struct stat sb;
    int fd = -1;
    if (snprintf(path, sizeof path, "%s/exchange/directory.cms", r->app->data_dir) <
        (int)sizeof path)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        reply_error(r, 404, "no_directory", "Máy chủ này chưa cài đặt danh bạ nút liên thông.",
                    NULL);
        return;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
        (size_t)sb.st_size > DIRECTORY_MAX_SIZE) {
        close(fd);
        reply_internal(r, "the installed directory file cannot be served");
        return;
    }
    /* A node must see a new version as soon as the hub installs it. */
    req_add_header(r, "Cache-Control", "no-cache");
    reply_file(r, 200, "application/pkcs7-mime; smime-type=signed-data", fd, (size_t)sb.st_size);
}

/* --- the inbox ----------------------------------------------------------- */

struct inbox_state {
    struct exchange_inbox in;
    X509_STORE *anchors;
    struct directory d;
    int have_directory;
    char self[EXCHANGE_NODE_ID_MAX];
    const struct directory_node *peer; /* on the node listener: the caller's node (in d) */
    int rc;
    struct derr refusal; /* what the sender is answered after the refusal is logged */
};

static void inbox_cleanup(void *p)
{
    struct inbox_state *s = p;
    exchange_inbox_clear(&s->in);
    X509_STORE_free(s->anchors);
    directory_free(&s->d);
    derr_clear(&s->refusal);
}

/* On the pool: the signature, the parse, the directory's checks. */
static void inbox_check(void *arg)
{
    struct inbox_state *s = arg;
    s->rc = exchange_inbox_check(&s->in, s->anchors, s->have_directory ? &s->d : NULL, s->self);
}

static void inbox_received(struct req *r)
{
    struct inbox_state *s = r->data;
    const char *result = s->in.created ? "accepted" : "duplicate";
    reply_json(r, 200, json_pack("{ss si si}", "result", result, "created", s->in.created,
                                 "duplicates", s->in.duplicates));
}

static void refusal_logged(struct req *r)
{
    struct inbox_state *s = r->data;
    reply_derr(r, &s->refusal);
}

/* Only a refusal counts against the client's address (--exchange-refusals):
 * an envelope taken, or one this node could not take (a full disk, no
 * directory yet), gives its attempt back. */
static void not_refused(struct req *r)
{
    if (r->app->rl_exchange)
        ratelimit_give_back(r->app->rl_exchange, req_client_ip(r));
}

static void inbox_checked(struct req *r)
{
    struct inbox_state *s = r->data;
    if (s->rc != 0 && (s->in.err.kind == DERR_INTERNAL || s->in.err.kind == DERR_STATE))
        not_refused(r);
    if (s->rc == 0) {
        not_refused(r);
        http_defer_job(r, exchange_inbox_job, &s->in, &s->in.err, inbox_received);
        return;
    }
    struct derr *e = &s->in.err;
    /* A file not stored (a full disk, most often): 507 or 503 and
     * Retry-After as for any write lost so; the sender retries. */
    if (e->kind == DERR_INTERNAL && e->code &&
        (strcmp(e->code, "storage_full") == 0 || strcmp(e->code, "storage") == 0)) {
        reply_storage(r, strcmp(e->code, "storage_full") == 0);
        return;
    }
    if (e->kind == DERR_INTERNAL) {
        reply_derr(r, e);
        return;
    }
    /* This node cannot take envelopes yet: the sender keeps it and retries. */
    if (e->kind == DERR_STATE) {
        req_add_header(r, "Retry-After", "60");
        reply_error(r, 503, e->code, e->message, NULL);
        return;
    }
    /* A refusal is logged, then answered with its reason. */
    s->refusal = *e;
    s->refusal.fields = NULL;
    http_defer_job(r, exchange_inbox_refusal_job, &s->in, &s->in.err, refusal_logged);
}

static void inbox_read(struct req *r)
{
    struct inbox_state *s = req_state(r, sizeof *s, inbox_cleanup);
    if (!s)
        return;
    struct derr err = {0};
    char province[32];
    s->in.data = req_body(r, &s->in.len);
    s->in.files_dir = r->app->files_dir;
    s->in.now = now_unix();
    if (s->in.len == 0) {
        reply_error(r, 422, "not_xml", "Gói tin rỗng.", NULL);
        return;
    }
    s->anchors = keys_trust_store(r->db);
    if (!s->anchors || exchange_province(r->db, province) != STORE_ROW ||
        exchange_node_get(r->db, s->self) < 0) {
        reply_internal(r, "exchange inbox: trust anchors or node unreadable");
        return;
    }
    s->have_directory = directory_load(r->db, province, s->in.now, &s->d, NULL, NULL, &err) == 0;
    derr_clear(&err);
    /* The node listener: a client certificate the directory does not list
     * is refused before anything of the envelope is looked at. */
    size_t plen;
    const unsigned char *peer = conn_peer_cert(r, &plen);
    if (peer && s->have_directory && !(s->peer = node_tls_peer(&s->d, peer, plen, &s->in.err))) {
        unsigned char md[32];
        unsigned mdlen = 0;
        if (EVP_Digest(s->in.data, s->in.len, md, &mdlen, EVP_sha256(), NULL) && mdlen == 32)
            hex_encode(md, 32, s->in.envelope_sha);
        s->in.directory_version = s->d.version;
        s->rc = -1;
        inbox_checked(r);
        return;
    }
    s->in.peer = s->peer;
    /* The bounded lane: anyone may post, so a flood waits in a short queue. */
    http_defer_bounded(r, inbox_check, s, inbox_checked);
}

/* POST /api/v1/exchange/inbox: the body is the signed envelope (at most
 * EXCHANGE_INBOX_MAX bytes; 413 beyond, from the head when its length is
 * given). */
static void inbox_post(struct req *r)
{
    /* Anyone may post here; each refusal is checked and logged: an address
     * that has had too many refused answers 429 unread, unlogged, until its
     * window passes (a sender retries a 429 later). */
    if (r->app->rl_exchange &&
        req_limit_or_reply(r, r->app->rl_exchange, req_client_ip(r), "too_many_refusals",
                           "Quá nhiều gói tin bị từ chối từ địa chỉ này; vui lòng thử lại sau."))
        return;
    conn_read_body(r, EXCHANGE_INBOX_MAX, inbox_read);
}

const struct route api_exchange_routes[] = {
    {"GET", "/api/v1/exchange/directory", directory_get, 0},
    {"POST", "/api/v1/exchange/inbox", inbox_post, ROUTE_UPLOAD},
    {NULL, NULL, NULL, 0},
};

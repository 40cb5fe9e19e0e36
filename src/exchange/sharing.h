/* sharing: data-sharing services between nodes (issue 10, section 4).
 * A node offers named services (a small registry in code: name,
 * description, handler); an access list in the database says which
 * consumer units (OrganId) may call each. A consumer's node builds a
 * request {service, params, from, to, nonce, time}, signs it as an
 * attached CMS with the seal of the consumer unit, and POSTs it to the
 * provider's node found in the directory. The provider verifies it (trust
 * anchors, the signer is the seal of `from`, `from` is hosted by a node of
 * the directory, the time within five minutes, the nonce never seen),
 * checks the access list, runs the service and answers JSON signed with
 * the provider unit's seal. Both sides log every call with the signed
 * request and the signed answer. docs/exchange.md "Data-sharing services".
 *
 * Refusals are a struct derr with a Vietnamese message. */
#ifndef MOTCUA_EXCHANGE_SHARING_H
#define MOTCUA_EXCHANGE_SHARING_H

#include <jansson.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "exchange/node_tls.h"

struct store;

#define SHARING_MAX_REQUEST (64u * 1024)  /* a signed request */
#define SHARING_MAX_PARAMS 4096           /* the params, as JSON */
#define SHARING_MAX_ANSWER (1024u * 1024) /* a signed answer */
#define SHARING_WINDOW 300                /* seconds a request's time may differ */

/* A service a node offers. run answers for provider (a unit code of this
 * node) to consumer (the calling unit's code): OUT *result (caller
 * decrefs), or -1 with err (DERR_NOT_FOUND for "no such record"). */
struct sharing_service {
    const char *name;
    const char *description; /* Vietnamese */
    int (*run)(struct store *db, json_t *params, const char *provider, const char *consumer,
               json_t **result, struct derr *err);
};

#define SHARING_MAX_SERVICES 16

/* Offers service s on this node (s is borrowed for the process's life).
 * The services are defined where their data lives (dossier/, document/)
 * and offered by app_offer_services at start, before any thread runs:
 * this module is below them. Offering s again is fine; another service
 * with s's name, or more than SHARING_MAX_SERVICES: -1. Returns 0 or -1. */
int sharing_offer(const struct sharing_service *s);
/* The offered services, n in *n. */
const struct sharing_service *const *sharing_services(size_t *n);
/* The offered service named name, or NULL. */
const struct sharing_service *sharing_service_find(const char *name);

/* --- the access list ------------------------------------------------------ */

/* Allows organ (a unit code) to call service; allowing twice is fine.
 * Returns 0, or -1 with err: "unknown_service", "bad_organ", DERR_INTERNAL. */
int sharing_allow(struct store *db, const char *service, const char *organ, int64_t now,
                  struct derr *err);
/* Takes the right back. Returns 0, or -1 with err: "unknown_service",
 * DERR_NOT_FOUND "not_allowed" (it was not allowed), DERR_INTERNAL. */
int sharing_deny(struct store *db, const char *service, const char *organ, struct derr *err);
/* [{service, description, organs: [{organ, granted_at}]}] for every service,
 * or only service when not NULL. NULL on a store error. Caller decrefs. */
json_t *sharing_access_json(struct store *db, const char *service);

/* --- the consumer's side ------------------------------------------------ */

/* One outgoing call, from prepare to log. Owns its buffers. */
struct sharing_call {
    char service[64];
    char from[32], to[32];
    char nonce[33]; /* 16 random bytes, hex */
    int64_t time;
    int64_t account_id; /* the officer who asked, or 0 */
    char url[512];      /* the provider node's address + path */
    X509_STORE *anchors; /* this node's trust anchors, to check the answer */
    struct node_tls_client tls; /* an https provider: mutual TLS, its certificate pinned */
    unsigned char *request; /* the signed request (DER CMS) */
    size_t request_len;
    /* after sharing_call_send */
    long http_status;       /* the provider's status, 0 when none came */
    unsigned char *answer;  /* the provider's answer as it came */
    size_t answer_len;
    json_t *result;         /* the verified answer's result, on success */
    struct derr err;        /* why the call failed, when it did */
    int failed;
};

/* Builds and signs a request: as unit from (a unit of this node's catalog
 * with a seal), to unit to (found in the installed directory: its node's
 * address gives the URL), service with params (an object, or NULL for {}).
 * OUT: c (free with sharing_call_free). Returns 0, or -1 with err:
 * "bad_request" (service not 1-63 of [a-z0-9-], a malformed code),
 * "unknown_unit", "no_directory" and the directory's refusals,
 * "not_in_directory" (to or from hosted by no node), "bad_params",
 * the seal's refusals (keys_signer), "sign_failed". */
int sharing_call_prepare(struct store *db, const char *data_dir, const char *from,
                         const char *to, const char *service, json_t *params, int64_t now,
                         struct sharing_call *c, struct derr *err);

/* Sends c's request (POST, 10 s to connect, 30 s in all, the answer at
 * most SHARING_MAX_ANSWER) and verifies the answer: the provider's seal
 * (of c->to) chaining to c->anchors, the nonce and the request's SHA-256
 * echoed. Fills c's answer fields; c->failed and c->err say why not.
 * Needs no database: it runs on a worker thread. */
void sharing_call_send(struct sharing_call *c, int64_t now);

/* Logs c on the consumer's side (exchange_calls, side 'consumer'). Returns
 * 0 or a store error. */
int sharing_call_log(struct store *db, const struct sharing_call *c, int64_t now);

/* Frees what c owns. */
void sharing_call_free(struct sharing_call *c);

/* The newest limit rows of the call log, both sides, newest first:
 * [{id, side, service, from, to, nonce, request_time, at, status, result,
 * account_id, request_sha256, answer_sha256}] (the signed bytes stay in
 * the table). NULL on a store error. Caller decrefs. */
json_t *sharing_calls_json(struct store *db, int limit);

/* Signs a request exactly as sharing_call_prepare does but with the given
 * nonce and time at (for `motcua exchange request`, to test a provider).
 * OUT: *out (DER; free()), *len. Returns 0 or -1 with err. */
int sharing_request_sign(struct store *db, const char *data_dir, const char *from,
                         const char *to, const char *service, json_t *params,
                         const char *nonce, int64_t at, unsigned char **out, size_t *len,
                         struct derr *err);

/* --- the provider's side ------------------------------------------------ */

/* What the provider answers. */
struct sharing_served {
    int status;           /* HTTP status */
    unsigned char *answer; /* 200: the signed answer (DER CMS); free() */
    size_t answer_len;
    struct derr err;      /* otherwise: the refusal */
};

/* Serves one request for service (from the URL): verifies it, refuses a
 * replay, checks the access list, runs the service, signs the answer with
 * the seal of the request's `to`, and logs the call (side 'provider'),
 * refusals included. Runs inside the caller's transaction (the writer's):
 * the nonce and the log row are written together. Returns 0 with *out
 * filled (a refusal too: out->status and out->err), or a store error
 * (nothing to answer but 500). */
int sharing_serve(struct store *db, const char *data_dir, const char *service,
                  const void *req, size_t len, int64_t now, struct sharing_served *out);

/* The same on the node listener: peer_der is the calling node's TLS
 * certificate (DER), which the directory must list (403
 * "unknown_node_certificate", decided before the request is looked at),
 * and that node must host the request's `from` or be a hub (403
 * "wrong_node"). peer_der NULL: as sharing_serve. */
int sharing_serve_peer(struct store *db, const char *data_dir, const char *service,
                       const void *req, size_t len, int64_t now, const unsigned char *peer_der,
                       size_t peer_len, struct sharing_served *out);

void sharing_served_free(struct sharing_served *s);

#endif

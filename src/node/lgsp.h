/* lgsp: this node as the provincial hub (LGSP) of e-office products that
 * are not motcua. Such a product acts for organisations (OrganIds) the
 * directory lists on this node; each is registered here with a secret token
 * (lgsp_organ_add prints it once; only its SHA-256 is kept). The product
 * sends signed edXML envelopes (sendDocument: checked as the inbox checks
 * an envelope from another node, and From must be the caller), and fetches
 * what is addressed to its organisations from a queue (lgsp_pending): the
 * inbox holds there every envelope whose recipient is such an organisation
 * (lgsp_hold) instead of making an incoming document. docs/exchange.md
 * "The LGSP interface". */
#ifndef MOTCUA_NODE_LGSP_H
#define MOTCUA_NODE_LGSP_H

#include <jansson.h>
#include <openssl/x509.h>
#include <stdint.h>

#include "base/derr.h"
#include "node/inbox.h"

struct store;
struct directory;

#define LGSP_TOKEN_HEX 64     /* the token: 32 random bytes in hex */
#define LGSP_NAME_MAX 255     /* bytes of an organisation's name */
#define LGSP_PENDING_MAX 1000 /* ids answered by one getPendingDocIds */
#define LGSP_MAX_REMOTE 32    /* recipients on other nodes answered one by one */

/* Whether code may name an organisation: 1-31 characters of [0-9A-Z.], as
 * the directory's unit codes. 1 or 0. */
int lgsp_organ_valid(const char *code);

/* Registers organ (name: 1..LGSP_NAME_MAX bytes, no control characters)
 * with a fresh token, written to token (hex, NUL-terminated) for the caller
 * to print once. An organisation revoked before gets a new token and is
 * active again. Returns 0, or -1 with err: DERR_INVALID "bad_organ",
 * "bad_name"; DERR_TAKEN "organ_exists" (active: revoke it first);
 * DERR_INTERNAL. Run inside a transaction. */
int lgsp_organ_add(struct store *db, const char *organ, const char *name, int64_t now,
                   char token[LGSP_TOKEN_HEX + 1], struct derr *err);

/* Revokes organ's token: its calls are refused from now on; what waits for
 * it stays. Returns 0, or -1 with err: DERR_NOT_FOUND "unknown_organ" (not
 * registered or already revoked); DERR_INTERNAL. */
int lgsp_organ_revoke(struct store *db, const char *organ, int64_t now, struct derr *err);

/* The registered organisations: [{organ, name, created_at, revoked_at,
 * pending}]. Caller frees with json_decref; NULL on a store error. */
json_t *lgsp_organs_json(struct store *db);

/* Checks a call's credentials: organ is registered and active and token
 * hashes to its token's SHA-256 (compared in constant time). Returns 0, or
 * -1 with err DERR_FORBIDDEN "unauthorized" (the same for an unknown
 * organisation, a revoked one and a wrong token), DERR_INTERNAL. */
int lgsp_auth(struct store *db, const char *organ, const char *token, struct derr *err);

/* For the inbox's write job: when organ (a local recipient of in, checked
 * by exchange_inbox_check) is an active LGSP organisation, logs the
 * envelope for it (exchange_messages, direction in, received) and queues it
 * (lgsp_pending), unless the same key (DocumentId, From, To, business type;
 * the code for a status) was received before: counts in->created or
 * in->duplicates and returns 1. Returns 0 when organ is not one (the inbox
 * goes on as for a unit), -1 with in->err on a store error. */
int lgsp_hold(struct store *db, struct exchange_inbox *in, const char *organ);

/* sendDocument: the envelope in s->in (data, len, files_dir, now set by the
 * caller) sent by the product authenticated as s->caller. */
struct lgsp_send {
    struct exchange_inbox in;
    char caller[32];
    /* recipients not hosted by this node, with what became of each */
    char remote[LGSP_MAX_REMOTE][32];
    const char *remote_code[LGSP_MAX_REMOTE]; /* NULL relayed, else the refusal's code */
    int nremote;
};

/* Checks s on a worker thread: From is the caller (DERR_FORBIDDEN
 * "not_your_organ"), then exchange_inbox_check (same refusals, and the
 * envelope into the file store), From is hosted by this node in the
 * directory (DERR_FORBIDDEN "not_hosted_here"), then each recipient not
 * hosted here goes
 * to relay (today refused "relay_not_available"); when no recipient is
 * hosted here and none could be relayed: DERR_INVALID
 * "relay_not_available". Returns 0 (then run exchange_inbox_job on
 * &s->in), 1 (every recipient relayed: nothing to write here; not before
 * relaying is wired) or -1 with s->in.err. */
int lgsp_send_check(struct lgsp_send *s, X509_STORE *anchors, const struct directory *d,
                    const char *self);

/* The envelopes waiting for organ (kind "document", "status" or NULL for
 * both), oldest first, at most LGSP_PENDING_MAX: [{docId, DocumentId, from,
 * messagetype ("edoc" or "status"), created_time}]. Caller frees; NULL on a
 * store error. */
json_t *lgsp_pending_json(struct store *db, const char *organ, const char *kind);

/* The envelope docId held for organ (confirmed or not). OUT: sha (hex, in
 * the file store), *size. Returns STORE_ROW, STORE_DONE (no such id, or
 * another organisation's) or a store error. */
int lgsp_envelope(struct store *db, const char *organ, int64_t doc_id, char sha[65],
                  int64_t *size);

/* confirmReceived as a write job (arg: struct lgsp_confirm): the envelope
 * leaves organ's pending list; confirming again changes nothing. err:
 * DERR_NOT_FOUND "not_found" (no such id, or another organisation's). */
struct lgsp_confirm {
    const char *organ;
    int64_t doc_id;
    int64_t now;
    int already; /* OUT: 1 when it was confirmed before */
    struct derr err;
};
int lgsp_confirm_job(struct store *db, void *arg);

/* getOrganizations: every unit of the directory d (NULL: none installed)
 * with its node and its name (the catalog's, or the LGSP organisation's),
 * then the LGSP organisations the directory does not list: [{OrganId,
 * OrganName, node, lgsp}]. Caller frees; NULL on a store error. */
json_t *lgsp_organizations_json(struct store *db, const struct directory *d);

/* checkExistDocument: whether an envelope with DocumentId edxml_id was
 * received here (not refused) from organ or for organ. 1, 0, or a store
 * error. */
int lgsp_document_known(struct store *db, const char *organ, const char *edxml_id);

#endif

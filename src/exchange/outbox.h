/* outbox: documents between nodes, the database side. This server's node
 * id, the exchange recipients a draft may name (hosted by another node of
 * the installed directory), the outbox rows issuing writes (one per
 * exchange recipient, in the issuing's transaction), the status messages
 * the receiving side queues back, and what the sender sees per recipient.
 * The table exchange_messages is the message log and the outbox at once
 * (db/031_exchange_messages.sql; docs/exchange.md "Sending and
 * receiving"). The thread that sends is exchange/sender.h; the inbox is
 * exchange/inbox.h. */
#ifndef MOTCUA_EXCHANGE_OUTBOX_H
#define MOTCUA_EXCHANGE_OUTBOX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;
struct directory;

#define EXCHANGE_MAX_RECIPIENTS 200 /* exchange recipients of one document */
#define EXCHANGE_NODE_ID_MAX 64

/* This server's node id (`motcua exchange node`), into out. Returns
 * STORE_ROW, STORE_DONE when none is set, or a store error. */
int exchange_node_get(struct store *db, char out[EXCHANGE_NODE_ID_MAX]);

/* Sets this server's node id after checking the installed directory lists
 * it. Returns 0, or -1 with err (DERR_NOT_FOUND "no_directory",
 * DERR_INVALID "unknown_node", the directory's refusals). */
int exchange_node_set(struct store *db, const char *node_id, int64_t now, struct derr *err);

/* The province unit's code (the top of the catalog): the only issuer whose
 * directory this server accepts. Returns STORE_ROW or another store code. */
int exchange_province(struct store *db, char out[32]);

/* Checks the exchange recipients of a draft (inside its write job): at
 * most EXCHANGE_MAX_RECIPIENTS distinct codes, none for a "mat" document
 * (422 secret_exchange), each hosted by a node of the installed directory
 * other than this one (422 recipient_unknown). codes is a JSON array of
 * strings (NULL or empty: nothing to check). Returns 0 or -1 with err. */
int exchange_check_recipients(struct store *db, const json_t *codes, const char *confidentiality,
                              int64_t now, struct derr *err);

/* Inside the issuing's transaction: one pending outgoing row per exchange
 * recipient of document id (its recipients_exchange), with the edXML
 * DocumentId "{unit code},{yyyy/MM/dd},{notation}". Wakes the sender after
 * the commit. OUT: *n (may be NULL). Returns 0 or a store error. */
int exchange_queue_document(struct store *db, int64_t document_id, int64_t now, int *n);

/* Inside a write job: queues status code ("01".."16") about the incoming
 * document id back to its sender, when the document came from the
 * exchange (else does nothing). Queuing the same code twice queues once.
 * Returns 0 or a store error. */
int exchange_queue_status(struct store *db, int64_t document_id, const char *code, int64_t now);

/* The same for an answer to a revoke or an update (business 1 or 2; -1:
 * the document's own): the answers to each request count apart, so the
 * 15 of an update does not stand for the 15 of a later revoke. */
int exchange_queue_answer(struct store *db, int64_t document_id, const char *code, int business,
                          int64_t now);

/* Inside a write job: queues status code from local unit from to unit to
 * about edxml_id, when no incoming document stands for it (a revoke for a
 * copy this node never received is answered 16). Returns 0 or a store
 * error. */
int exchange_queue_status_to(struct store *db, const char *edxml_id, const char *from,
                             const char *to, const char *code, int64_t now);

/* Inside the recall's transaction: a revoke (business type 1) to every
 * recipient issued document id was queued for. OUT: *n (may be NULL).
 * Returns 0 or a store error. */
int exchange_queue_revoke(struct store *db, int64_t document_id, int64_t now, int *n);

/* The same with an update (business type 2, the recipients' list changed):
 * to every recipient queued so far. A recipient gets one update (the key
 * has no room for a second); later additions still reach the new units. */
int exchange_queue_update(struct store *db, int64_t document_id, int64_t now, int *n);

/* Inside a hub's receiving job: the envelope received (in the file store
 * as sha, size bytes) goes out again, unchanged, towards unit to (kind
 * "document" or "status"; code "" for a document). Queuing the same key
 * twice queues once. Returns 0 or a store error. */
int exchange_queue_relay(struct store *db, const char *kind, const char *edxml_id,
                         const char *from, const char *to, int business, const char *code,
                         const char *sha, int64_t size, int64_t now);

/* The exchange recipients of outgoing document id for the API: [{organ,
 * name, node, state, attempts, last_error, status_code, status_at,
 * delivered_at}]. A new reference, or NULL on a store error. */
json_t *exchange_deliveries_json(struct store *db, int64_t document_id);

/* The waker of the sender (base/waker.h): set by the sender; noted by the
 * queuing functions; fired after each commit by exchange_after_commit. */
void exchange_set_waker(void (*fn)(void *), void *arg);
void exchange_after_commit(void);

#endif

/* send_more: an issued document sent, afterwards, to more units on other
 * nodes (Decree 30 lets the issuing unit's clerk add recipients it
 * forgot). The new recipients get the document; those who had it already
 * get an update (edXML business type 2) naming the whole list of
 * recipients, so their copy says who else has it. docs/exchange.md
 * "Revoke, update and replace". */
#ifndef MOTCUA_DOCUMENT_SEND_MORE_H
#define MOTCUA_DOCUMENT_SEND_MORE_H

#include <jansson.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

/* The write job (arg: struct document_send_more). The document must be
 * an outgoing one the actor sees (404 document_not_found), the actor its
 * unit's clerk (403 forbidden), issued (409 not_issued), not recalled
 * (409 document_recalled); codes a JSON array of 1 to
 * EXCHANGE_MAX_RECIPIENTS unit codes, each hosted by another node of the
 * directory (422 recipient_unknown, secret_exchange) and not already a
 * recipient (422 recipient_already). Appends them to the document's
 * recipients_exchange, queues the update to the earlier recipients and
 * the document to the new ones, and audits. OUT: added, updated, err. */
struct document_send_more {
    int64_t document_id, actor_id;
    const json_t *codes;
    int64_t now;
    int added, updated; /* OUT: messages queued */
    struct derr err;
};
int document_send_more_job(struct store *db, void *arg);

#endif

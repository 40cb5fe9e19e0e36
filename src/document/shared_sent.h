/* shared_sent: the data-sharing service "documents-sent" (the official
 * documents a unit issued to the calling unit), offered to other nodes
 * through exchange/sharing. */
#ifndef MOTCUA_DOCUMENT_SHARED_SENT_H
#define MOTCUA_DOCUMENT_SHARED_SENT_H

#include "exchange/sharing.h"

/* No params; result {from, to, documents: [{notation, issued_on, type,
 * summary, delivery}]}, newest first, at most 200. */
extern const struct sharing_service documents_sent_service;

#endif

/* doc_search: official documents in the full-text search (search/search.h,
 * docs/search.md): each document indexed as kind "document" in the write
 * job of each step of the flow (the draft, a body, submit, review, the
 * signature, the issuing with the incoming copies it delivers), and the officer's scope for a query: the
 * paths of the units where they hold document.read. */
#ifndef MOTCUA_DOCUMENT_SEARCH_H
#define MOTCUA_DOCUMENT_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "search/search.h"

#define DOCUMENT_SEARCH_KIND "document"

/* Indexes document id (or replaces its entry), and each incoming copy
 * delivered from it (source_id = id), with body (the PDF's text,
 * body_len bytes; NULL for none): its unit and the unit's path, type
 * code, register ("đi" / "đến"), date (the issue date, else the day it
 * was drafted), signer's name, state, title = the type's name and the
 * summary, summary, number = the notation. Call inside the write job
 * that changed it. Returns 0, or -1 with err (search_index's, or
 * DERR_INTERNAL). */
int document_search_index(struct store *db, int64_t id, const char *body, size_t body_len,
                          struct derr *err);

/* The unit paths an account may search, the units where it holds
 * document.read (search takes the subtrees), at most SEARCH_SCOPE_MAX:
 * OUT paths[i] (each SEARCH_PATH_MAX bytes). Returns their count (0: the
 * account sees nothing), or a negative store error. */
int document_search_scope(struct store *db, int64_t account_id,
                          char paths[][SEARCH_PATH_MAX], int max);

#endif

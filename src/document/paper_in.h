/* paper_in: incoming documents that arrive on paper (Decree 30/2020 Art.
 * 21-22; docs/documents.md "Paper documents"). The clerk (văn thư) enters
 * what the paper says (type, its number and notation, its date, the
 * sending organisation, the summary, priority and confidentiality), then
 * uploads its scan; from there it is an incoming document like one
 * delivered in the platform (document/incoming.h): registered with the
 * unit's số đến, assigned, handled. It cannot be registered before its
 * scan is in. */
#ifndef MOTCUA_PAPER_IN_H
#define MOTCUA_PAPER_IN_H

#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

#define PAPER_NOTATION_MAX 64 /* characters of a notation as printed */
#define PAPER_SENDER_MAX 300  /* characters of the sending organisation's name */

/* The job of entering a paper document: actor_id needs document.receive
 * on unit_id (else 404 unit_not_found, as for a unit outside their own).
 * type a known type code; summary 1..DOCUMENT_SUMMARY_MAX characters;
 * notation 1..PAPER_NOTATION_MAX; issued_on a date YYYY-MM-DD not after
 * today; sender 1..PAPER_SENDER_MAX; priority and confidentiality as for
 * drafts ("mật" refused unless the unit allows it). OUT: id. Refusals are
 * DERR_INVALID naming the field, DERR_FORBIDDEN secret_not_allowed. Writes
 * the audit entry. The pointers are borrowed for the job's time. */
struct paper_entry {
    int64_t unit_id, actor_id;
    const char *type, *summary, *notation, *issued_on, *sender, *priority, *confidentiality;
    const char *today; /* YYYY-MM-DD, Vietnam time */
    int64_t now;
    int64_t id; /* OUT */
    struct derr err;
};
int paper_entry_job(struct store *db, void *arg);

/* The job of recording the scan (sha256, size, already in the file store)
 * of paper document document_id: actor_id needs document.receive on its
 * unit; the document must be a paper one (no source) not yet registered or
 * refused (else 409 wrong_state). A later scan replaces an earlier one.
 * 404 document_not_found for one the actor cannot see. Writes the audit
 * entry, and indexes the document for search with text (the scan's text
 * layer, text_len bytes; NULL when it has none). */
struct paper_scan {
    int64_t document_id, actor_id;
    const char *sha256;
    int64_t size;
    const char *text;
    size_t text_len;
    int64_t now;
    struct derr err;
};
int paper_scan_job(struct store *db, void *arg);

#endif

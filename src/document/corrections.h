/* corrections: what happens to an issued outgoing document after its issue
 * (Decree 30/2020/NĐ-CP, Art. 17; docs/documents.md "Corrections and
 * recall"): a replacing document for content errors (a draft with
 * replaces_id), a correcting công văn for form errors (a draft with
 * corrects_id), or a recall with a reason by the unit's leader. The
 * original keeps its number and register line; it and every incoming copy
 * delivered of it get a mark (db/026_document_corrections.sql,
 * document_marks). A recalled incoming copy refuses every further step of
 * the incoming flow (incoming_step_job). */
#ifndef MOTCUA_DOCUMENT_CORRECTIONS_H
#define MOTCUA_DOCUMENT_CORRECTIONS_H

#include <jansson.h>
#include <stdint.h>

#include "base/derr.h"

struct store;
struct document;

#define DOCUMENT_RECALL_REASON_MAX 1000 /* characters of a recall's reason */

/* The marks of document id as one line of text for the register's "ghi
 * chú" column, e.g. "Bị thay thế bởi văn bản số 5/QĐ-UBND; Thu hồi ngày
 * 07/12/2026: ...": an SQL expression over the documents row aliased `doc`,
 * NULL when it has no mark, the marks in the order they were made (the
 * subquery's order, which group_concat follows in SQLite; an ORDER BY
 * inside the aggregate needs SQLite 3.44, newer than Debian 12's). Used by
 * register_entries_json and document_register_rows. */
#define DOCUMENT_MARKS_NOTE_SQL(doc)                                                               \
    "(SELECT group_concat(CASE m.kind"                                                             \
    " WHEN 'replaced' THEN 'Bị thay thế bởi văn bản số ' || m.notation"                           \
    " WHEN 'corrected' THEN 'Được đính chính bởi công văn số ' || m.notation"                     \
    " ELSE 'Thu hồi ngày ' || substr(m.marked_on, 9, 2) || '/' || substr(m.marked_on, 6, 2)"      \
    " || '/' || substr(m.marked_on, 1, 4) || ': ' || m.reason END, '; ')"                         \
    " FROM (SELECT * FROM document_marks WHERE document_id = " doc ".id ORDER BY id) m)"

/* The checks of a new draft that replaces (replaces_id) or corrects
 * (corrects_id) an issued document, inside document_create_job: not both
 * (422 invalid_correction); the original exists, is outgoing and the actor
 * may read it (else 404 document_not_found, field replaces / corrects); it
 * belongs to the draft's unit (422 other_unit); it is issued (409
 * not_issued), not recalled (409 document_recalled), not already replaced
 * (409 already_replaced); a correcting document is a công văn (422
 * correction_type). Returns 0, or -1 with err. */
int corrections_check_draft(struct store *db, int64_t actor_id, int64_t unit_id,
                            const char *type_code, int64_t replaces_id, int64_t corrects_id,
                            struct derr *err);

/* Inside the issuing job of document d (its number and notation just
 * given): when d replaces or corrects another, the original is checked
 * again (issued, not recalled, not replaced: 409 as above; another issue
 * may have come first) and it and its incoming copies are marked, by
 * d's notation. Nothing to do otherwise. Returns 0, or -1 with err. */
int corrections_on_issue(struct store *db, const struct document *d, const char *notation,
                         int64_t actor_id, int64_t now, struct derr *err);

/* The recall of issued outgoing document_id by actor_id, a write job: the
 * actor reads it (else 404 document_not_found) and holds document.sign on
 * its unit, the leader's right (else 403 forbidden); it is issued (409
 * not_issued) and not yet recalled (409 already_recalled); the reason has
 * 1 to DOCUMENT_RECALL_REASON_MAX characters (422 reason_required). Marks
 * the original and each incoming copy recalled (who, when, why), writes
 * the audit entry and indexes the document again. OUT: ncopies, err. */
struct document_recall {
    int64_t document_id, actor_id;
    const char *reason;
    int64_t now;
    int ncopies; /* OUT: incoming copies marked */
    struct derr err;
};
int document_recall_job(struct store *db, void *arg);

/* Is document id (outgoing or an incoming copy) recalled? 1, 0, or a
 * negative store error. */
int document_recalled(struct store *db, int64_t id);

/* Inside a write job: marks incoming document id as its sender on another
 * node asked (kind "recalled" with reason, or "replaced" by incoming
 * document by with its notation), with no officer. A mark of that kind
 * already there is kept. Returns 0 or a store error. */
int document_mark_received(struct store *db, int64_t id, const char *kind, int64_t by,
                           const char *notation, const char *reason, int64_t now);

/* The marks of document id: [{kind, by: {id, notation} | null, reason,
 * account: {id, name} | null, on, at}], oldest first. A new reference, or
 * NULL on a store error. */
json_t *document_marks_json(struct store *db, int64_t id);

#endif

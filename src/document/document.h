/* document: official documents (văn bản, Decree 30/2020/NĐ-CP): their
 * types (data/document-types.json), the registers (sổ văn bản) of each
 * unit, year, direction and number series with their gap-free numbers
 * (prefix register_), the notation (số và ký hiệu), and the outgoing flow
 * as write jobs: draft, review, sign, issue (docs/documents.md).
 *
 * Write operations are writer jobs (one transaction with the audit entry);
 * reads take any connection. How the number is stamped on the PDF is in
 * document/stamp.h. */
#ifndef MOTCUA_DOCUMENT_H
#define MOTCUA_DOCUMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

#define DOCUMENT_SUMMARY_MAX 500       /* characters of trích yếu (edXML's Subject limit) */
#define DOCUMENT_EXTERNAL_MAX 1000     /* characters of the external recipients */
#define DOCUMENT_TITLE_MAX 80          /* characters of the signer's title */
#define DOCUMENT_DEPT_MAX 16           /* bytes of a department's abbreviation */
#define DOCUMENT_MAX_RECIPIENTS 200    /* internal recipient units */
#define DOCUMENT_NOTATION_MAX 96       /* bytes of "12/2026/QĐ-UBND" */
#define DOCUMENT_SERIES_MAX 40
#define DOCUMENT_COMMENT_MAX 1000      /* characters of a review comment */

#define DOCUMENT_PERM_READ "document.read"
#define DOCUMENT_PERM_DRAFT "document.draft"
#define DOCUMENT_PERM_REVIEW "document.review"
#define DOCUMENT_PERM_SIGN "document.sign"
#define DOCUMENT_PERM_ISSUE "document.issue"

/* Loads the types of data/document-types.json ({"types": [...]}) into
 * document_types (upsert). Returns 0, or -1 with "why" in err. */
int document_types_load_json(struct store *db, const char *text, size_t len, char *err,
                             size_t errlen);

/* Is code one of the priorities (thuong, khan, thuong_khan, hoa_toc,
 * hoa_toc_hen_gio) / confidentiality levels (thuong, mat)? Their
 * Vietnamese labels, or NULL for an unknown code. */
const char *document_priority_label(const char *code);
const char *document_confidentiality_label(const char *code);

/* One type, as document_types holds it. */
struct document_type {
    char code[48];
    char name[160];
    char abbreviation[16];
    char series[DOCUMENT_SERIES_MAX];
    int legal; /* a legal normative type: its own series, the year in the notation */
};
/* Returns STORE_ROW with *out, STORE_DONE, or a store error. */
int document_type_get(struct store *db, const char *code, struct document_type *out);

/* The notation (số, ký hiệu) of number in a unit:
 *   a type with an abbreviation   12/QĐ-UBND
 *   a legal normative type        12/2026/QĐ-UBND
 *   a type without (công văn)     345/UBND-VP (dept: the drafting department)
 * Numbers under 10 take a leading zero, as Decree 30 writes them from 01:
 * 01/QĐ-UBND, 09/UBND-VP, then 10. Writes it to out. Returns 0, or -1 (a missing unit abbreviation, a công
 * văn without department, no room). */
int document_notation(const struct document_type *t, int year, const char *unit_abbr,
                      const char *dept, int64_t number, char *out, size_t cap);

/* The year and the date (YYYY-MM-DD) of Unix time t in Vietnam. */
int document_year(int64_t t);
void document_date(int64_t t, char out[11]);

/* The place a unit's documents name (địa danh, Decree 30, Appendix I): a
 * commune's own name without "Xã", "Phường", "Thị trấn" or "Đặc khu"
 * (Hạc Thành); for others the province's (the words after the last
 * " tỉnh ": Thanh Hóa), else the unit's name. Writes it to out. */
void document_place(const char *unit_name, const char *level, char *out, size_t cap);

/* "Thanh Hóa, ngày 07 tháng 12 năm 2026" for Unix time t in Vietnam: days
 * under 10 and the months 1 and 2 written with a leading 0 (Decree 30,
 * Appendix I). Writes it to out. */
void document_date_line(const char *place, int64_t t, char *out, size_t cap);

/* --- registers ------------------------------------------------------------ */

/* Takes the next number of the register of unit_id, year, direction ("out"
 * or "in") and series, creating the register on its first number (1). Call
 * inside a write job's transaction: the number is the register's
 * last_number + 1, incremented by one UPDATE, so it never repeats, and a
 * job that is refused later rolls it back with everything else, so it
 * never gaps. A closed year refuses (DERR_STATE "register_closed").
 * OUT: *register_id, *number. Returns 0 or -1 with err. */
int register_take(struct store *db, int64_t unit_id, int year, const char *direction,
                  const char *series, int64_t now, int64_t *register_id, int64_t *number,
                  struct derr *err);

/* The number register_take would give now (1 for a register not yet
 * made), for a PDF stamped before its job: the job checks it is still the
 * next. OUT: *number. Returns 0, -1 with err (closed), or a store error. */
int register_peek(struct store *db, int64_t unit_id, int year, const char *direction,
                  const char *series, int64_t *number, struct derr *err);

/* Closes a year's register (creating it, empty, if needed): it refuses new
 * numbers from now on. Returns 0 or a store error. */
int register_close(struct store *db, int64_t unit_id, int year, const char *direction,
                   const char *series, int64_t now);

/* The lines of a register, by number: [{number, notation, date, summary,
 * document_id, signer, recipients, note}] (note: the document's marks,
 * DOCUMENT_MARKS_NOTE_SQL, "" for none). A new reference, or NULL. */
json_t *register_entries_json(struct store *db, int64_t unit_id, int year, const char *direction,
                              const char *series);

/* --- the outgoing flow ---------------------------------------------------- */

enum document_state { DOC_DRAFT, DOC_IN_REVIEW, DOC_RETURNED, DOC_APPROVED, DOC_SIGNED,
                      DOC_ISSUED, DOC_ARRIVED };
const char *document_state_name(enum document_state s);
int document_state_parse(const char *s); /* -1 for an unknown name */

/* One document as the database has it. */
struct document {
    int64_t id, unit_id;
    char direction[4];
    char type_code[48];
    char summary[DOCUMENT_SUMMARY_MAX * 4 + 1];
    char priority[20], confidentiality[12];
    enum document_state state;
    char department[DOCUMENT_DEPT_MAX];
    int64_t drafter_id, reviewer_id, signer_id;
    char signer_title[DOCUMENT_TITLE_MAX * 4 + 1];
    int64_t due_at;
    int64_t register_id, number;
    char notation[DOCUMENT_NOTATION_MAX];
    char issued_on[11];
    char sha256[65];
    int64_t size;
    int64_t source_id, signed_at, issued_at, created_at, updated_at;
    int64_t replaces_id, corrects_id; /* the document it replaces / corrects, or 0
                                         (document/corrections.h) */
    char series_code[33]; /* a board's series (document/series.h), or "" for the type's */
};
/* Returns STORE_ROW with *out, STORE_DONE, or a store error. */
int document_get(struct store *db, int64_t id, struct document *out);

/* May account see document d (document.read, or any document permission,
 * on its unit or above)? 1 or 0. Others are answered 404. */
int document_visible(struct store *db, int64_t account_id, const struct document *d);

/* A new outgoing draft, with its first body (already in the file store)
 * or without (sha256 NULL: the body comes with DOC_ACT_VERSION).
 * Checks: the drafter holds document.draft on unit_id (else 404
 * unit_not_found); the type exists; priority and confidentiality are
 * known; "mat" only where the unit allows it (403 secret_not_allowed);
 * a công văn names its department; the signer holds document.sign on the
 * unit (422 signer_invalid); every internal recipient unit exists.
 * OUT: id, err. */
struct document_draft {
    int64_t actor_id, unit_id;
    const char *type_code, *summary, *priority, *confidentiality, *department;
    int64_t signer_id;
    const char *signer_title;
    int64_t due_at;
    const int64_t *recipients;
    int nrecipients;
    const char *external;
    const char *sha256;
    int64_t size;
    int64_t replaces_id, corrects_id; /* an issued document of the unit it replaces
                                         (content) or corrects (form, a công văn): 0 for
                                         none; checked by corrections_check_draft */
    const char *series; /* a board's series of the unit (document/series.h), or NULL for
                           the type's; not for legal normative types (422 invalid_series) */
    /* exchange: units on other nodes (QĐ 20 codes, a JSON array of strings, or NULL),
       checked against the directory by exchange_check_recipients (422
       recipient_unknown, secret_exchange); sent by the exchange at issuing */
    const json_t *recipients_exchange;
    int64_t now;
    int64_t id; /* OUT */
    struct derr err;
};
int document_create_job(struct store *db, void *arg);

/* A step of the flow on document id by actor_id:
 *  DOC_ACT_VERSION  the drafter uploads a new body (draft, returned)
 *  DOC_ACT_SUBMIT   the drafter sends it for review (draft, returned;
 *                   409 body_required without a body)
 *  DOC_ACT_APPROVE  a holder of document.review approves (in_review)
 *  DOC_ACT_RETURN   ... or returns it with a comment (in_review)
 *  DOC_ACT_SIGN     the named signer's signed body is recorded (approved)
 *  DOC_ACT_ISSUE    a holder of document.issue issues it (signed): the
 *                   register's next number, which must be expect_number
 *                   (the one stamped on the PDF; else DERR_TAKEN
 *                   "register_moved" and nothing written), the issued
 *                   body, the register line, an incoming copy (state
 *                   arrived) to each internal recipient unit, and when it
 *                   replaces or corrects another, the marks on that one
 *                   and its copies (corrections_on_issue).
 * A document the actor cannot see is 404 document_not_found; a step the
 * state does not allow is 409 wrong_state; a permission missing on a
 * visible document is 403 forbidden. Every step writes an audit entry. */
enum document_action { DOC_ACT_VERSION, DOC_ACT_SUBMIT, DOC_ACT_APPROVE, DOC_ACT_RETURN,
                       DOC_ACT_SIGN, DOC_ACT_ISSUE };
struct document_step {
    int64_t document_id, actor_id;
    enum document_action action;
    const char *comment;      /* RETURN (required), APPROVE (optional) */
    const char *sha256;       /* VERSION, SIGN, ISSUE: the new body */
    int64_t size;
    const char *source_sha256; /* VERSION: the Word file the body was made from, kept in
                                  the file store; NULL for a PDF uploaded as such */
    int expect_state;         /* SIGN, ISSUE: the state seen when the PDF was made
                                 (checked with updated_at): -1 for none */
    int64_t expect_updated_at;
    int64_t expect_number;    /* ISSUE */
    const char *body_text;    /* the current body's text for the search index (read
                                 off the loop threads), body_len bytes; NULL for none */
    size_t body_len;
    int64_t now;
    /* OUT of ISSUE: */
    int64_t number;
    char notation[DOCUMENT_NOTATION_MAX];
    int ndelivered;
    struct derr err;
};
int document_step_job(struct store *db, void *arg);

/* What the issuing needs before the PDF is stamped and sealed (on the
 * loop's read-only connection): the document is signed and the actor may
 * issue it; fills the notation and date it will carry and the number
 * expected. Returns 0 or -1 with err. */
struct document_issue_plan {
    int64_t number;
    int year;
    char notation[DOCUMENT_NOTATION_MAX];
    char date[11];
    char unit_name[256];
};
int document_issue_prepare(struct store *db, const struct document *d, int64_t actor_id,
                           int64_t now, struct document_issue_plan *out, struct derr *err);

/* JSON of a document for the API: {id, unit, direction, type, type_name,
 * summary, priority, confidentiality, state, department, drafter,
 * reviewer, signer, signer_title, due_at, recipients_internal,
 * recipients_external, number, notation, issued_on, sha256, size,
 * versions: [{version, kind, by, comment, at, sha256, size, source_sha256}],
 * replaces and
 * corrects ({id, notation} or null), marks (document_marks_json), and for
 * an outgoing one deliveries (document/incoming.h)}. A new reference or NULL. */
json_t *document_json(struct store *db, const struct document *d);

/* The documents of the units where account holds a document permission,
 * newest first, at most limit: [{id, unit, direction, type, summary,
 * state, notation, updated_at}]. NULL on a store error. */
json_t *document_list_json(struct store *db, int64_t account_id, int limit);

#endif

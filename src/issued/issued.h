/* issued: the documents the platform issues signed (văn bản điện tử đã ký
 * số): receipts, approved results, apology letters, certified electronic
 * copies. Each has a public id, printed as a QR code to the public
 * verification page /xac-thuc/{public_id}, and a row in issued_documents
 * (db/017_issued_documents.sql) that says what it is, for which dossier and
 * unit, who signed it and where its file is. This header is the shared
 * record: reading rows, writing them; how a document is rendered and signed
 * is in the other files of issued/. */
#ifndef MOTCUA_ISSUED_H
#define MOTCUA_ISSUED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

/* A public id: 20 characters of the base32 alphabet [a-z2-7] (100 random
 * bits), so ids cannot be guessed or enumerated. */
#define ISSUED_PUBLIC_ID_LEN 20

#define ISSUED_REF_MAX 120    /* bytes of ref */
#define ISSUED_TITLE_MAX 300  /* bytes of title */

enum issued_kind { ISSUED_RECEIPT, ISSUED_RESULT, ISSUED_APOLOGY, ISSUED_CERTIFIED_COPY };
enum issued_state { ISSUED_PENDING, ISSUED_SIGNED, ISSUED_AWAITING_TIMESTAMP, ISSUED_FAILED };

/* One row of issued_documents. */
struct issued_doc {
    int64_t id;
    char public_id[ISSUED_PUBLIC_ID_LEN + 1];
    enum issued_kind kind;
    int64_t unit_id;
    int64_t dossier_id; /* 0: none (a certified copy made without a dossier) */
    char ref[ISSUED_REF_MAX + 1];
    char title[ISSUED_TITLE_MAX + 1];
    enum issued_state state;
    char sha256[65]; /* "" while pending */
    int64_t size;
    int64_t created_at, signed_at, timestamped_at; /* 0: not yet */
    int attempts;
    int64_t next_attempt_at;
};

/* The names stored in the kind and state columns ("receipt", ...), and
 * back: -1 for an unknown name. */
const char *issued_kind_name(enum issued_kind k);
const char *issued_state_name(enum issued_state s);
int issued_kind_parse(const char *s);
int issued_state_parse(const char *s);

/* A fresh public id (NUL-terminated). Returns 0, or -1 when no random
 * bytes could be had. */
int issued_new_public_id(char out[ISSUED_PUBLIC_ID_LEN + 1]);

/* Is s a well-formed public id? 1 or 0. Checked before any lookup. */
int issued_public_id_valid(const char *s);

/* Lookups. Each returns STORE_ROW with *out filled, STORE_DONE, or a store
 * error. */
int issued_get(struct store *db, int64_t id, struct issued_doc *out);
int issued_get_public(struct store *db, const char *public_id, struct issued_doc *out);
/* The document of a dossier of that kind and ref ("" for the receipt). */
int issued_get_for(struct store *db, int64_t dossier_id, enum issued_kind kind, const char *ref,
                   struct issued_doc *out);
/* The issued (not pending) document whose file has this SHA-256 (hex): the
 * newest if several. */
int issued_find_sha(struct store *db, const char *sha256, struct issued_doc *out);

/* The signers of an issued document, as stored: a JSON array (new
 * reference), or NULL on a store error or a document without row. */
json_t *issued_signers_json(struct store *db, int64_t id);

/* --- writing (inside a write job's transaction) -------------------------- */

/* A new issued document. With signed == NULL it is pending: the outbox
 * row of an event that issues one, to be signed by the issuing worker.
 * Otherwise it was rendered and signed before the event's job (the result
 * a leader approves, a certified copy): its file is already in the file
 * store. The public id is drawn here unless given (a document that prints
 * its QR before the row exists). Refuses (DERR_TAKEN "already_issued")
 * when the dossier already has that document. OUT: *id, public_id (may be
 * NULL). Returns 0 or -1 with err. */
struct issued_signed {
    enum issued_state state;  /* ISSUED_SIGNED or ISSUED_AWAITING_TIMESTAMP */
    const char *sha256;
    int64_t size;
    json_t *signers;          /* [{role, name, title, organisation, serial, at}]; borrowed */
};
struct issued_new {
    enum issued_kind kind;
    int64_t unit_id, dossier_id; /* dossier_id 0: none */
    const char *ref;             /* NULL = "" */
    const char *title;
    const char *public_id;       /* NULL: draw one */
    const struct issued_signed *signed_as; /* NULL: pending */
    int64_t now;
};
int issued_add(struct store *db, const struct issued_new *n, int64_t *id,
               char public_id[ISSUED_PUBLIC_ID_LEN + 1], struct derr *err);

/* What issued_mark_signed returns when no row of that id was pending,
 * awaiting its timestamp or failed: someone else finished it. (Not
 * STORE_DONE, which is 0 like a success.) */
#define ISSUED_NOT_PENDING 1

/* A pending (or awaiting timestamp, or failed: tried again on a download)
 * document is now signed as s. Returns 0, ISSUED_NOT_PENDING, or a store
 * error. */
int issued_mark_signed(struct store *db, int64_t id, const struct issued_signed *s, int64_t now);

/* A try to sign or timestamp document id failed for reason (shown to the
 * officers: the key store's Vietnamese message): attempts goes up and the next try is at
 * retry_at; failed_for_good moves a pending one to 'failed' (a key that
 * will not come back: revoked, expired). Returns 0 or a store error. */
int issued_mark_attempt(struct store *db, int64_t id, const char *reason, int64_t retry_at,
                        int failed_for_good);

#endif

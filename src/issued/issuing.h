/* issuing: how the documents of issued_documents come to be (docs/signatures.md).
 *
 *  - The result a leader approves is rendered and signed before the step
 *    commits (issued_approval_prepare on the worker pool, then
 *    issued_approval_record inside the step's write job).
 *  - Receipts and apology letters go through an outbox: issued_listener, a
 *    follower of dossier changes (dossier/changes.h), adds a pending row in
 *    the change's transaction when a dossier gets its code and when an
 *    apology is recorded; the issuing worker (issued/worker.h), or a
 *    download that cannot wait, makes them with issued_make: render with
 *    the verification QR, sign with the unit's seal, store.
 *  - A document signed while the timestamp authority was away is
 *    timestamped later by issued_add_timestamps.
 *
 * Rendering and signing read only; the functions that write say so. */
#ifndef MOTCUA_ISSUED_ISSUING_H
#define MOTCUA_ISSUED_ISSUING_H

#include <jansson.h>
#include <stdint.h>

#include "base/derr.h"
#include "dossier/changes.h"
#include "dossier/results.h"
#include "issued/issued.h"
#include "issued/signing.h"

struct store;

/* What making a document needs from the server. Strings borrowed. */
struct issued_env {
    const char *data_dir;  /* for the key store's master key */
    const char *files_dir; /* the file store */
    const char *base_url;  /* the public address: QR codes, links */
    issued_stamp_fn stamp; /* the timestamp source; NULL: none */
    void *stamp_ctx;
};

/* A document made: its file in the file store and how it stands. */
struct issued_made {
    char sha256[65];
    int64_t size;
    enum issued_state state; /* ISSUED_SIGNED or ISSUED_AWAITING_TIMESTAMP */
    json_t *signers;         /* owned; freed by issued_made_clear */
};
void issued_made_clear(struct issued_made *m);

/* The struct issued_signed that records m (borrows from m). */
struct issued_signed issued_made_signed(const struct issued_made *m);

/* Renders receipt or apology letter doc (its kind, dossier, ref: the
 * letter's number, and public_id for the QR), signs it with the seal of
 * doc->unit_id and stores it. Returns 0 with *out filled (clear it), 1
 * when the dossier has no such document (an apology letter that does not
 * exist), or -1 with err: the key store's refusals (issued_refusal_final
 * tells those that waiting does not cure), "sign_failed", "internal". */
int issued_make(struct store *db, const struct issued_env *env, const struct issued_doc *doc,
                int64_t now, struct issued_made *out, struct derr *err);

/* Is this refusal one that retrying later does not cure: no key, revoked,
 * expired, or a file that cannot be signed? 1 or 0. */
int issued_refusal_final(const struct derr *err);

/* The title a receipt's or apology letter's row carries ("Giấy tiếp nhận
 * hồ sơ và hẹn trả kết quả", ...). Static. */
const char *issued_default_title(enum issued_kind kind);

/* Seconds before try number attempts + 1 (30 s doubling, at most an hour). */
int64_t issued_backoff(int attempts);

/* Adds the missing signature timestamps of doc (awaiting its timestamp),
 * from env's source: in place when the signature lacking one is the last;
 * otherwise the file is cut back to that signature's revision, which is
 * timestamped, and the later signatures (seals: the server holds their
 * keys) are made again, timestamped. The new file is stored. Returns 0
 * with *out (state ISSUED_SIGNED, or still awaiting when the source failed
 * half-way), or -1 with err (the source is down: "timestamp_failed"; a
 * later signature that the server cannot make again: "cannot_restamp"). */
int issued_add_timestamps(struct store *db, const struct issued_env *env,
                          const struct issued_doc *doc, int64_t now, struct issued_made *out,
                          struct derr *err);

/* Records the timestamped file of doc (write, in the caller's transaction):
 * the row as m says, and the dossier's result files that pointed to the
 * old file now point to the new one. Returns 0, ISSUED_NOT_PENDING when the
 * row was no longer awaiting its timestamp, or a store error. */
int issued_record_timestamps(struct store *db, const struct issued_doc *doc,
                             const struct issued_made *m, int64_t retry_at, int64_t now);

/* The issued documents of a dossier, for the officers:
 * [{public_id, kind, ref, title, state, error, signed_at, timestamped_at}]
 * (times ISO or null), or NULL on a store error. */
json_t *issued_list_json(struct store *db, int64_t dossier_id);

/* The same for the applicant: the documents signed so far, the result only
 * when with_results (once it was returned), so that each can be checked on
 * the public verification page; no errors. NULL on a store error. */
json_t *issued_applicant_json(struct store *db, int64_t dossier_id, int with_results);

/* --- the outbox ---------------------------------------------------------- */

/* Adds pending rows: a receipt when a dossier gets its code, an apology
 * letter for each recorded apology without one. */
extern const struct dossier_listener issued_listener;

/* Who to wake after a commit that added pending rows (the issuing worker);
 * NULL: nobody. Thread-safe. */
void issued_set_waker(void (*fn)(void *), void *arg);

/* --- the result, signed at approval -------------------------------------- */

/* One document signed for an approval. */
struct issued_approval_doc {
    char public_id[ISSUED_PUBLIC_ID_LEN + 1];
    char ref[ISSUED_REF_MAX + 1]; /* "" for the rendered result; a result file's name */
    char title[ISSUED_TITLE_MAX + 1];
    char old_sha256[65];          /* a result file: the file that was signed */
    struct issued_made made;
};

struct issued_approval {
    int64_t dossier_id, unit_id, official_id;
    int n;
    struct issued_approval_doc docs[1 + RESULTS_MAX_FILES];
};
void issued_approval_clear(struct issued_approval *a);

/* The signers of an approval: official_id's personal key for unit_id, then
 * unit_id's seal. OUT: sigs[2]; title and reason are static strings. */
void issued_approval_signers(int64_t unit_id, int64_t official_id,
                             struct issued_signature sigs[2]);

/* On the worker pool, with a read-only connection: draws public ids,
 * renders the result document from the procedure's result_template (none
 * without one) with its QR to base_url/xac-thuc/{public_id} and the
 * official as signer, signs it and every PDF result file of the dossier
 * (the official, then the seal of the unit holding the dossier) and stores
 * the signed files. Files that are not PDF stay as they are. Returns 0
 * with *a filled (clear it), or -1 with err (the key store's refusals,
 * "token_failed", "sign_failed", "internal"). */
int issued_approval_prepare(struct store *db, const struct issued_env *env, int64_t dossier_id,
                            int64_t official_id, int64_t now, struct issued_approval *a,
                            struct derr *err);

/* Inside the approving step's write job, after the step: records each
 * document (issued_add, signed) and points each signed result file's row
 * of dossier_results to its signed version. Refuses ("results_changed",
 * DERR_STATE) when the dossier's PDF result files are no longer those that
 * were signed. Returns 0 or -1 with err. */
int issued_approval_record(struct store *db, const struct issued_approval *a, int64_t actor_id,
                           int64_t now, struct derr *err);

#endif

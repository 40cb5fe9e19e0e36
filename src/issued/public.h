/* issued/public: what anyone may learn about an issued document from its
 * public id (the QR code's /xac-thuc/{public_id}), without logging in:
 * what it is, which unit issued it, for which dossier (its code and
 * procedure, never the applicant or anything personal), when it was issued,
 * signed and timestamped, its SHA-256 and size, and what its signatures
 * are worth now (pdfv_verify of the stored file against the trust anchors,
 * with a verdict and a summary in Vietnamese for each signature). And the
 * comparison of a PDF someone uploads with it: the same file or not, and
 * the verification of the upload. Nothing here writes: reads only, on any
 * connection, from any thread. Prefix issued_public_. */
#ifndef MOTCUA_ISSUED_PUBLIC_H
#define MOTCUA_ISSUED_PUBLIC_H

#include <jansson.h>
#include <openssl/x509_vfy.h>
#include <stddef.h>

#include "base/derr.h"
#include "issued/issued.h"

struct store;

/* The largest PDF the public may upload for comparison. */
#define ISSUED_PUBLIC_UPLOAD_MAX (20 * 1024 * 1024)

/* The largest stored file verified (issued PDFs are far smaller). */
#define ISSUED_PUBLIC_FILE_MAX (64 * 1024 * 1024)

/* A public id as typed or scanned, lower-cased into out (QR codes in
 * alphanumeric mode carry upper case). Returns 1 if it is then a
 * well-formed public id, 0 if not (out is "" then). */
int issued_public_id_normalize(const char *in, char out[ISSUED_PUBLIC_ID_LEN + 1]);

/* Verifies pdf[0..len) against trust (NULL: no root is trusted) and says
 * so for the public: {verdict, valid, label, summary, timestamped,
 * file_size, signatures: [{kind, signer, organisation, serial, issuer,
 * signing_time, time_source, timestamp: {time, tsa} | null, reason,
 * location, revision, covered_bytes, whole_file, status, label, summary,
 * timestamp_label, detail}]}. verdict is pdfv_verify's ("valid",
 * "invalid", "modified", "untrusted", "unsigned"), or "unreadable" when the
 * bytes are not a PDF it can read; label and summary are Vietnamese
 * ("Hợp lệ", "Tệp đã bị sửa sau khi ký", "Chứng thư số không được tin
 * cậy", "Chữ ký không hợp lệ", ...); detail is pdfv's reason in English,
 * or null. Returns a new object (caller frees with json_decref), or NULL
 * when out of memory. */
json_t *issued_public_verification(const unsigned char *pdf, size_t len, X509_STORE *trust);

/* The public view of doc (a row read by issued_get*): {public_id, kind,
 * kind_name, title, unit: {code, name}, dossier: {code, procedure: {code,
 * name}} | null, state, state_label, message, issued_at, signed_at,
 * timestamped_at (ISO 8601 +07:00 or null), sha256, size (null while not
 * signed), file_url | null}. With verify, and when the document is signed,
 * also "verification": issued_public_verification of the stored file now,
 * against the trust anchors of db (keys_trust_store); a document awaiting
 * its timestamp says "Chưa có dấu thời gian" there. files_dir is the file
 * store's directory (DATA/files). Returns a new object (caller frees), or
 * NULL with err (DERR_INTERNAL: a store error, the stored file missing or
 * unreadable). */
json_t *issued_public_view(struct store *db, const char *files_dir, const struct issued_doc *doc,
                           int verify, struct derr *err);

/* The same by public id (any case): issued_public_view(..., verify). OUT:
 * *out (caller frees). Returns 0, or -1 with err: DERR_NOT_FOUND
 * "not_found" for an id that is malformed or names no document, or
 * DERR_INTERNAL. */
int issued_public_get(struct store *db, const char *files_dir, const char *public_id, int verify,
                      json_t **out, struct derr *err);

/* Compares an uploaded PDF (pdf[0..len), which nothing stores) with the
 * issued document public_id, or, with public_id NULL, with the document
 * whose file has the upload's SHA-256 (or, when the upload is an issued
 * file with bytes added after its last signature, the one whose file is
 * what that signature covers), and verifies the upload against the trust
 * anchors of db. OUT: *out (caller frees):
 *   {same_file: bool, relation: "same" | "earlier_version" (the issued file
 *    is the upload with later updates appended, e.g. its timestamp) |
 *    "extended" (the upload is the issued file with bytes added after it) |
 *    "different" | "unknown" (no issued document found), message
 *    (Vietnamese), upload: {sha256, size, verification}, document: the
 *    view without "verification", or null}.
 * Returns 0, or -1 with err: DERR_NOT_FOUND "not_found" (public_id names
 * no document), DERR_STATE "not_issued" (it is not signed yet, or its
 * signing failed), DERR_INVALID "unreadable_pdf" (the upload is not a PDF
 * that can be read), DERR_INTERNAL. */
int issued_public_check(struct store *db, const char *files_dir, const char *public_id,
                        const unsigned char *pdf, size_t len, json_t **out, struct derr *err);

#endif

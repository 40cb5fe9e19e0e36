/* signing: signs a PDF the platform issues with the keys of the key store
 * (sign/keys.h), one signature after another in the order of Decree 30:
 * the official's personal signature, then the organisation's seal over the
 * left third of it. Each signature gets a timestamp (PAdES B-T) when the
 * server has a timestamp source; when that source cannot be reached the
 * document is still signed, without timestamps, and is "awaiting
 * timestamp" (the issuing worker adds them later). CPU and network work:
 * run it on the worker pool, with a read-only connection of its own. */
#ifndef MOTCUA_ISSUED_SIGNING_H
#define MOTCUA_ISSUED_SIGNING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "issued/issued.h"

struct store;

/* Who signs, and how the signature shows. */
struct issued_signature {
    int64_t unit_id;
    int64_t account_id; /* 0: the unit's seal */
    const char *title;  /* an official's title shown above the signature
                           ("CHỦ TỊCH"); NULL for a seal */
    const char *reason; /* the signature's /Reason ("Phê duyệt kết quả"), may be NULL */
    /* Where it shows: page (1-based; 0 = the last) and rect (x0 y0 x1 y1,
     * pt; NULL = the default place, sign/pades.h). */
    int page;
    const double *rect;
    /* An official certifying a copy: the statement and the QR code's text
     * drawn with the signature (sign/pades.h); NULL for a plain one. */
    const char *statement;
    const char *qr_text;
};

#define ISSUED_MAX_SIGNATURES 4

/* The timestamp source: the callback pades_sign takes (sign/pades.h), or
 * NULL for none. */
typedef int (*issued_stamp_fn)(void *ctx, const unsigned char *sig_value, size_t len,
                               unsigned char **token, size_t *token_len);

struct issued_signing {
    const char *data_dir; /* for the master key (keys_signer) */
    const struct issued_signature *sigs;
    int nsigs;            /* 1..ISSUED_MAX_SIGNATURES */
    const char *location; /* /Location ("Thanh Hóa"), may be NULL */
    issued_stamp_fn stamp;
    void *stamp_ctx;
    int64_t now;
};

/* What came out: the signed file and how it stands. */
struct issued_output {
    unsigned char *pdf; /* malloc'd; free with issued_output_clear */
    size_t len;
    enum issued_state state; /* ISSUED_SIGNED or ISSUED_AWAITING_TIMESTAMP */
    json_t *signers;         /* [{role, name, title, organisation, serial, at}] (owned) */
};
void issued_output_clear(struct issued_output *o);

/* Is there a key that may sign now for each of sigs? For a write job that
 * must refuse (with keys_signer's Vietnamese reason: no_certificate,
 * certificate_expired, certificate_revoked...) before it commits anything.
 * Reads only. Returns 0 or -1 with err. */
int issued_signers_ready(struct store *db, const struct issued_signature *sigs, int nsigs,
                         int64_t now, struct derr *err);

/* Signs pdf[0..len) as in says. db is used to read keys and images only.
 * Returns 0 with *out filled, or -1 with err (the key store's refusals, as
 * above; "token_failed" when a token stops answering; "sign_failed" when
 * the PDF cannot be signed) and nothing in *out. */
int issued_sign_pdf(struct store *db, const struct issued_signing *in, const unsigned char *pdf,
                    size_t len, struct issued_output *out, struct derr *err);

/* Writes bytes to the file store (durably, under their SHA-256, whose hex
 * goes to sha). Returns 0 or a negative errno (logged). */
int issued_store_file(const char *files_dir, const unsigned char *p, size_t n, char sha[65]);

#endif

/* pades_stamp: adds a signature timestamp (PAdES B-T) to a signature made
 * without one, after the fact, in place. A signature's /ByteRange leaves
 * out its own /Contents hex string, so the CMS SignedData written there can
 * be replaced by the same SignedData with one more unsigned attribute
 * (id-aa-signatureTimeStampToken, RFC 3161 token over the signature value)
 * without touching any byte the signature covers: the signature stays
 * valid and the file keeps its length. The signed attributes and the
 * signature value are kept as they are.
 *
 * A later signature covers an earlier one's /Contents (it signs the whole
 * file as it stood), so only a signature that no later one covers can be
 * changed this way: in practice the last one. pades_signatures tells which
 * signatures need a timestamp and where each one's revision ends, so a
 * caller that holds the later signers' keys can cut the file back to an
 * earlier revision, timestamp it, and sign again after it. */
#ifndef MOTCUA_PADES_STAMP_H
#define MOTCUA_PADES_STAMP_H

#include <openssl/cms.h>
#include <stddef.h>

/* One CMS signature of a PDF (document timestamps are not listed). */
struct pades_sig_place {
    size_t contents_at;  /* byte offset of the '<' of its /Contents */
    size_t contents_len; /* bytes from '<' to '>' inclusive */
    size_t end;          /* where the bytes it covers end: its revision's end */
    int timestamped;     /* it has a signature timestamp */
    int covered;         /* a later signature (or document timestamp) covers its /Contents */
};

#define PADES_STAMP_MAX_SIGS 16

/* Lists the signatures of pdf[0..len) in the order of the form's fields
 * (the order they were made, for files motcua signs). OUT: out[0..*n).
 * Returns 0, or -1 with a reason in err (not a PDF, a signature whose
 * /ByteRange does not leave out exactly its /Contents, a /Contents that is
 * not a CMS SignedData, more than PADES_STAMP_MAX_SIGS). */
int pades_signatures(const unsigned char *pdf, size_t len, struct pades_sig_place *out, int *n,
                     char *err, size_t errlen);

/* The timestamp source, as pades_options.timestamp: a token over
 * sig_value[0..len). OUT: *token (malloc'd DER; freed here with free()),
 * *token_len. Returns 0 or non-zero. */
typedef int (*pades_stamp_fn)(void *ctx, const unsigned char *sig_value, size_t len,
                              unsigned char **token, size_t *token_len);

/* Asks fn for a token over the signature value sig[0..siglen) of si and
 * adds it to si as its signature timestamp (an unsigned attribute).
 * Returns 0, or -1 with a reason in err: the source failed, or gave
 * something that is not a token. Shared by pades_sign (at signing) and
 * pades_stamp (later). */
int pades_add_timestamp(CMS_SignerInfo *si, const unsigned char *sig, size_t siglen,
                        pades_stamp_fn fn, void *ctx, char *err, size_t errlen);

/* Timestamps, in place in pdf[0..len), every signature that has no
 * timestamp and that no later signature covers. OUT: *stamped (how many
 * were timestamped now) and *left (how many still have none because a
 * later signature covers them). Returns 0, or -1 with a reason in err: the
 * file cannot be read, the timestamp source failed or gave something that
 * is not a token, or the new SignedData does not fit in the /Contents room
 * ("... needs N bytes, the signature has room for M"). On failure pdf may
 * hold some signatures already timestamped (each one whole and valid); the
 * caller keeps the file only on success. */
int pades_stamp(unsigned char *pdf, size_t len, pades_stamp_fn fn, void *ctx, int *stamped,
                int *left, char *err, size_t errlen);

#endif

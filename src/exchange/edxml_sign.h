/* edxml_sign: the signature over an edXML envelope. An enveloped XMLDSig
 * (Reference URI="" over the whole envelope, attachments included;
 * exclusive c14n; RSA-SHA256 or ECDSA-SHA256 by the key; SHA-256 digest)
 * placed last in edXMLHeader, with the sender's certificate and chain in
 * KeyInfo/X509Data, so `xmlsec1 --verify` checks what motcua signs.
 * Verifying checks the signature with xmlsec, then the certificate's chain
 * to the trust anchors with OpenSSL. docs/exchange.md has the profile. */
#ifndef MOTCUA_EXCHANGE_EDXML_SIGN_H
#define MOTCUA_EXCHANGE_EDXML_SIGN_H

#include <openssl/x509.h>
#include <stddef.h>

#include "base/derr.h"
#include "sign/signer.h"

/* Signs the envelope data (parsed with edxml_read_doc's limits; it must be
 * an edXML envelope with an edXMLHeader) with s. Any Signature element
 * already in edXMLHeader is replaced. OUT: *out (caller frees with
 * free()), *len. Returns 0, or -1 with err ("not_edxml", the parser's
 * refusals, "sign_failed"). Thread-safe. */
int edxml_sign(const void *data, size_t len, const struct signer *s, char **out, size_t *outlen,
               struct derr *err);

/* What verification found. */
struct edxml_verdict {
    char algorithm[32];  /* "rsa-sha256", "ecdsa-sha256", "rsa-sha1", ... */
    char digest[16];     /* "sha256", "sha1", ... */
    int weak;            /* SHA-1 in the signature or the digest: accepted, reported */
    char signer[512];    /* the certificate's subject, RFC 2253, UTF-8 */
    char issuer[512];
    char serial[96];     /* hex */
    char organ_id[64];   /* the certificate's organizationIdentifier (a unit's code), or "" */
    int has_title;       /* the subject carries a title: an official's, not a unit's seal */
};

/* Verifies the envelope's signature: exactly one XMLDSig Signature, in
 * edXMLHeader, one Reference with URI="" (the whole envelope) and only the
 * enveloped and c14n transforms; the signature value and digest; then the
 * signing certificate (from KeyInfo, the other certificates there as the
 * chain) to one of anchors at the current time. No network, no other
 * reference. anchors may be NULL (then no certificate is trusted). OUT: *v
 * (filled as far as it got). Returns 0 when valid, or -1 with err:
 * DERR_INVALID "no_signature", "signature_not_xmldsig", "bad_signature_form",
 * "signature_invalid", "digest_mismatch", "untrusted", or the parser's
 * refusals. Thread-safe. */
int edxml_verify(const void *data, size_t len, X509_STORE *anchors, struct edxml_verdict *v,
                 struct derr *err);

#endif

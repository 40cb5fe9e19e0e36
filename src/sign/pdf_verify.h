/* pdf_verify: checks every signature of a PDF the way a careful reader
 * would, and says plainly what each one covers. For each signature field
 * with a value:
 *   - the /ByteRange starts at 0 and leaves out exactly the /Contents hex
 *     string of that signature dictionary, nothing else;
 *   - the CMS signature verifies over those bytes;
 *   - the ESS signing-certificate(-v2) attribute names the signer's
 *     certificate (required for ETSI.CAdES.detached);
 *   - a signature timestamp, when present, is over this signature's value
 *     and verifies against the same trusted roots; its time is the signing
 *     time, else the signing-time attribute, else /M (the signer's claim);
 *   - the signer's certificate chains to one of the trusted roots and was
 *     valid at the signing time, and allows signing (key usage).
 * A document timestamp (ETSI.RFC3161) is checked the same way, its token
 * over the covered bytes. Revocation is checked only with the data the
 * document carries (/DSS, PAdES B-LT: OCSP answers and CRLs, each verified
 * against the certificate's issuer): a signer revoked before the signing
 * time makes the signature invalid ("certificate revoked"); nothing is
 * fetched. The last signature must reach the end of the file, or be
 * followed only by updates that add long-term validation data (a /DSS in
 * the catalog and its objects, nothing else changed); otherwise it is
 * reported as not covering the whole file, with what was added after it.
 * Prefix pdfv_. */
#ifndef MOTCUA_PDF_VERIFY_H
#define MOTCUA_PDF_VERIFY_H

#include <jansson.h>
#include <openssl/x509_vfy.h>
#include <stddef.h>

/* Verifies pdf[0..len) against the roots in trust (NULL: none, so no chain
 * is trusted). OUT: *report, a JSON object (caller frees with json_decref):
 *   {"verdict": "valid" | "invalid" | "modified" | "untrusted" | "unsigned",
 *    "summary": plain English, "file_size": n, "revisions": n,
 *    "signatures": [{"field", "kind" ("signature" | "document timestamp"),
 *      "sub_filter", "signer", "organisation", "serial" (hex), "issuer",
 *      "signing_time" (ISO 8601, +07:00, or null), "time_source"
 *      ("timestamp" | "signing-time attribute" | "/M" | null),
 *      "timestamp": {"time", "tsa"} or null, "reason", "location",
 *      "byte_range": [4 numbers], "covered_bytes", "revision",
 *      "whole_file": bool, "status": "valid" | "invalid" | "untrusted",
 *      "problem": why, or null, "ltv": bool (the /DSS holds verified
 *      revocation data for the signer)}, ...]}  in the order of the revisions.
 * Returns 0 when every signature is valid and trusted and the last covers
 * the whole file; 1 otherwise (also for a file without signatures); -1
 * when the file cannot be read as a PDF (reason in err; *report NULL). */
int pdfv_verify(const unsigned char *pdf, size_t len, X509_STORE *trust, json_t **report,
                char *err, size_t errlen);

#endif

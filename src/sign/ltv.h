/* ltv: long-term validation data for a signed PDF (PAdES B-LT, ETSI EN
 * 319 142-1 and ISO 32000-2 12.8.4.3). Given a signed file, it collects
 * the certificates of the last signature (the signer's and its chain, and
 * the signature timestamp's signer and chain, from the CMS in /Contents
 * and the token in its unsigned attributes), asks for revocation data
 * where each certificate says where — an OCSP responder (authority
 * information access, http only), else the CRL of its distribution points
 * (http only, DER or PEM) — and appends an incremental update with a /DSS
 * dictionary in the catalog: /Certs, /OCSPs, /CRLs and a /VRI entry for
 * the signature. "Where available": a certificate that names no address,
 * or whose answer does not come or does not verify, is skipped and noted
 * in the result; it is never an error. When nothing was fetched and every
 * certificate is already in the CMS, no update is written. Everything is
 * bounded: LTV_MAX_CERTS certificates, LTV_TIMEOUT seconds and
 * LTV_MAX_ANSWER bytes per fetch, no fetch started after LTV_BUDGET seconds. Blocks on the network: call it off the
 * event loop (a worker thread, the command line). Prefix ltv_. */
#ifndef MOTCUA_LTV_H
#define MOTCUA_LTV_H

#include <openssl/x509.h>
#include <stddef.h>

#define LTV_MAX_CERTS 8                 /* certificates validated */
#define LTV_TIMEOUT 5                   /* seconds per fetch */
#define LTV_MAX_ANSWER ((size_t)1 << 20) /* bytes per answer */
#define LTV_BUDGET 20                   /* seconds for all fetches: none starts after */

/* Fetches url: a POST of body[0..body_len) with that Content-Type when
 * body is not NULL (OCSP), else a GET (a CRL). OUT: *answer (malloc'd; the
 * caller frees with free()) and *answer_len. Returns 0, or -1 with a
 * reason in err. Must respect LTV_TIMEOUT and LTV_MAX_ANSWER. */
typedef int (*ltv_fetch_fn)(void *ctx, const char *url, const unsigned char *body,
                            size_t body_len, const char *content_type, unsigned char **answer,
                            size_t *answer_len, char *err, size_t errlen);

struct ltv_options {
    ltv_fetch_fn fetch; /* NULL: ltv_http_fetch (libcurl) */
    void *fetch_ctx;
    /* More certificates to find issuers among (the signer's chain from
     * its PKCS#12 file, which may hold the root the CMS leaves out); may
     * be NULL. Borrowed. */
    STACK_OF(X509) *extra;
    int budget; /* seconds after which no fetch starts; 0 = LTV_BUDGET */
};

/* What ltv_add did, for logs and tests. */
struct ltv_result {
    int certs;     /* certificates examined */
    int ocsps;     /* OCSP answers embedded */
    int crls;      /* CRLs embedded */
    int skipped;   /* certificates without revocation data */
    int failed;    /* of them, those whose address was tried in vain */
    int written;   /* an update was appended */
    char notes[1024]; /* why each skipped one was skipped, "; "-separated, cut */
};

/* Adds the validation data of pdf[0..len)'s last signature (the one
 * covering the most bytes). o may be NULL. OUT: *out (the file with the
 * update; malloc'd, caller frees) and *out_len when an update was written,
 * else *out NULL (nothing to add: the file is fine as it is); *res.
 * Returns 0, or -1 with a reason in err (the file cannot be read, has no
 * CMS signature, out of memory); a fetch that fails is never -1. */
int ltv_add(const unsigned char *pdf, size_t len, const struct ltv_options *o,
            unsigned char **out, size_t *out_len, struct ltv_result *res, char *err,
            size_t errlen);

/* The default fetch (libcurl): http:// only, no redirects, LTV_TIMEOUT,
 * LTV_MAX_ANSWER, an HTTP status other than 200 is a failure. ctx unused.
 * Thread-safe. */
int ltv_http_fetch(void *ctx, const char *url, const unsigned char *body, size_t body_len,
                   const char *content_type, unsigned char **answer, size_t *answer_len,
                   char *err, size_t errlen);

#endif

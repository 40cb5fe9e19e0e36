/* tsa: the client of a Time-Stamping Authority (RFC 3161). A signature
 * reaches PAdES B-T when it carries a timestamp token over its signature
 * value (the unsigned attribute id-aa-signatureTimeStampToken); audit-log
 * checkpoints are timestamped the same way. The client hashes the data
 * (SHA-256), sends a TimeStampReq with a random nonce over HTTP, and keeps
 * the token only if the TSA granted it for this very request: the imprint
 * and the nonce are those sent, and, when a trust store is configured, the
 * token's signature and certificate chain verify (purpose timeStamping).
 * docs/timestamps.md says what is checked and why. */
#ifndef MOTCUA_TSA_H
#define MOTCUA_TSA_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#define TSA_HASH_LEN 32 /* SHA-256: the imprint the client asks for */

/* How to reach a TSA. Fill with tsa_config_init; read-only afterwards, so
 * one config serves several threads at once. */
struct tsa_config {
    char url[1024];       /* http:// or https:// */
    char label[300];      /* "scheme://host[:port]" for messages: no user or password */
    char userpwd[256];    /* "user:password" for HTTP basic auth, or "" */
    X509_STORE *trust;    /* owned; NULL: the token's signature is not checked */
    long connect_timeout; /* seconds to connect (default 10) */
    long timeout;         /* seconds for the whole exchange (default 30) */
    size_t max_response;  /* bytes of answer accepted (default 64 KiB) */
};

/* Sets c for url (http or https only) with the default limits, and takes a
 * reference to libcurl's global state: call it before other threads start
 * (libcurl's global init is not thread-safe everywhere). userpwd may be
 * NULL. Returns 0, or -1 with a reason in err (nothing to release then). */
int tsa_config_init(struct tsa_config *c, const char *url, const char *userpwd, char *err,
                    size_t errlen);

/* Trusts the certificates of the PEM file (the TSA's CA, or a self-signed
 * TSA certificate) for the token's signature. Returns 0, or -1 with a
 * reason in err. */
int tsa_config_trust_file(struct tsa_config *c, const char *pem_file, char *err, size_t errlen);

/* Frees the trust store and drops the libcurl reference. */
void tsa_config_release(struct tsa_config *c);

/* Timestamps data: its SHA-256 is sent to the TSA. OUT: *token, the token
 * as DER (a CMS ContentInfo holding SignedData over a TSTInfo: what is
 * embedded as id-aa-signatureTimeStampToken), *token_len; the caller frees
 * *token with free(). Returns 0, or -1 with a reason in err: the TSA
 * cannot be reached, did not answer within the timeout, answered an HTTP
 * error, too much, or not a TimeStampResp, refused the request (its status
 * and failure info), or answered for another imprint or nonce, or with a
 * signature that does not verify. Never blocks beyond c->timeout. */
int tsa_timestamp(const struct tsa_config *c, const unsigned char *data, size_t len,
                  unsigned char **token, size_t *token_len, char *err, size_t errlen);

/* The same for data already hashed with SHA-256 (a large file hashed as
 * it is read, an audit checkpoint's hash). */
int tsa_timestamp_hash(const struct tsa_config *c, const unsigned char hash[TSA_HASH_LEN],
                       unsigned char **token, size_t *token_len, char *err, size_t errlen);

/* The PDF signer's callback: ctx is a struct tsa_config *; the token is
 * over sig_value (the signature value's octets). OUT: as tsa_timestamp.
 * Returns 0, or -1 after logging why (base/log.h). */
int tsa_timestamp_cb(void *ctx, const unsigned char *sig_value, size_t len, unsigned char **token,
                     size_t *token_len);

/* --- the pieces of an exchange, for tests and for an in-process TSA ------ */

/* A DER TimeStampReq (version 1) for hash: SHA-256 message imprint, a
 * random 64-bit nonce, certReq true, no policy. OUT: *der (caller frees
 * with free()), *der_len. Returns 0, or -1 with a reason in err. */
int tsa_request_new(const unsigned char hash[TSA_HASH_LEN], unsigned char **der, size_t *der_len,
                    char *err, size_t errlen);

/* Checks resp (a DER TimeStampResp) as the answer to req (a DER request
 * from tsa_request_new): the whole input is one TimeStampResp, its status
 * is granted (or granted with modifications), it holds a token whose
 * TSTInfo is version 1 with req's imprint (SHA-256 and the same digest)
 * and req's nonce, and, if trust is not NULL, whose signature and chain
 * verify against trust. OUT: *token as tsa_timestamp. Returns 0, or -1
 * with a reason in err. */
int tsa_response_check(const unsigned char *req, size_t req_len, const unsigned char *resp,
                       size_t resp_len, X509_STORE *trust, unsigned char **token, size_t *token_len,
                       char *err, size_t errlen);

/* --- reading and checking a token later (verification reports) --------- */

struct tsa_token_info {
    int64_t gen_time;       /* genTime, Unix seconds (a fraction dropped) */
    char gen_time_text[32]; /* "2025-03-01T08:30:00Z" */
    char tsa_name[512];     /* the TSTInfo's tsa name, else the signer's subject
                               (RFC 2253, UTF-8); "" if neither is known */
    char serial[80];        /* the token's serial number, hex */
    char policy[128];       /* the TSA's policy OID, dotted */
    char hash_name[32];     /* the imprint's algorithm: "SHA256" */
    unsigned char imprint[64];
    size_t imprint_len;
};

/* Reads a token (DER ContentInfo). OUT: *out. Checks nothing about who
 * signed it. Returns 0, or -1 with a reason in err. */
int tsa_token_info(const unsigned char *token, size_t len, struct tsa_token_info *out, char *err,
                   size_t errlen);

/* Whether token timestamps the data whose SHA-256 is expected_hash: its
 * imprint is SHA-256 with that digest, and its signature and certificate
 * chain verify against trust (required; purpose timeStamping, at the
 * current time). Returns 0, or -1 with a reason in err. */
int tsa_token_verify(const unsigned char *token, size_t len,
                     const unsigned char expected_hash[TSA_HASH_LEN], X509_STORE *trust, char *err,
                     size_t errlen);

#endif

/* tsa_server: the built-in demo Time-Stamping Authority (RFC 3161), for the
 * demo and the tests (`motcua serve --demo-tsa`, POST /tsa). It answers a
 * DER TimeStampReq with a DER TimeStampResp made by OpenSSL's TS_RESP_CTX:
 * SHA-256 signatures, the demo policy TSA_DEMO_POLICY, accuracy 1 s, a
 * random 128-bit serial, ordering false, the TSA's name in the TSTInfo and
 * its certificate in the token when the request asks (certReq). Its key
 * lives in the server's memory and its clock is the machine's: no one
 * outside should rely on its tokens (docs/timestamps.md). */
#ifndef MOTCUA_TSA_SERVER_H
#define MOTCUA_TSA_SERVER_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>

/* The demo TSA's policy: under the arc {joint-iso-itu-t(2) example(999)}
 * that X.660 keeps for examples, so it can never be taken for a real
 * TSA's policy; 3161 after the RFC. */
#define TSA_DEMO_POLICY "2.999.3161.1"

struct tsa_server;

/* A TSA signing with key and cert (references taken; the caller keeps
 * its own); chain (may be NULL) holds certificates sent with the token
 * after cert, e.g. an intermediate CA. cert must be fit for time stamping
 * (extendedKeyUsage timeStamping, critical) and match key. OUT: *out
 * (free with tsa_server_free). Returns 0, or -1 with a reason in err. */
int tsa_server_new(EVP_PKEY *key, X509 *cert, STACK_OF(X509) * chain, struct tsa_server **out,
                   char *err, size_t errlen);

/* The demo TSA's identity, from one place (so that a certificate issued by
 * the demo CA can replace it here): with key_file and cert_file (PEM; the
 * key unencrypted; the cert file may hold the chain after the TSA's
 * certificate), those; with neither, a new P-256 key and a self-signed
 * certificate valid one year (CN "motcua demo TSA", extendedKeyUsage
 * timeStamping critical), and *generated is set. OUT: *out. Returns 0, or
 * -1 with a reason in err (one file without the other is an error). */
int tsa_server_open_demo(const char *key_file, const char *cert_file, struct tsa_server **out,
                         int *generated, char *err, size_t errlen);

/* A TSA with the data directory's own TSA key (kind 'tsa' in the key
 * store: the demo CA issues one), in this process. Returns 1 with *out set,
 * 0 when the store holds no usable TSA key, or -1 with a reason in err. */
struct store;
int tsa_server_from_keys(struct store *db, const char *data_dir, struct tsa_server **out,
                         char *err, size_t errlen);

/* The TSA certificate's subject and SHA-256 fingerprint, for the log:
 * "CN=...; SHA-256 AB:CD:...". */
void tsa_server_describe(const struct tsa_server *s, char *out, size_t cap);

/* The TSA certificate (borrowed; lives as long as s). */
X509 *tsa_server_cert(const struct tsa_server *s);

/* Answers req (DER TimeStampReq of len bytes) with a DER TimeStampResp:
 * granted with a token, or a rejection with its failure info: badDataFormat
 * for anything but exactly one well-formed TimeStampReq, badAlg for a hash
 * other than SHA-256, SHA-384 or SHA-512, unacceptedPolicy for another
 * policy, unacceptedExtension for any extension. OUT: *resp (caller frees
 * with free()), *resp_len. Returns 0, or -1 when no answer at all could be
 * made (out of memory). Safe from several threads at once. */
int tsa_server_respond(struct tsa_server *s, const unsigned char *req, size_t len,
                       unsigned char **resp, size_t *resp_len);

/* The PDF signer's timestamp callback served in-process, without HTTP:
 * ctx is a struct tsa_server *. It builds a request over sig_value as
 * tsa_timestamp does, answers it, and checks the answer with the same
 * checks (the TSA's own certificate as trust). OUT: *token (free()),
 * *token_len. Returns 0, or -1 after logging why. */
int tsa_server_timestamp_cb(void *ctx, const unsigned char *sig_value, size_t len,
                            unsigned char **token, size_t *token_len);

/* Frees s; NULL is fine. */
void tsa_server_free(struct tsa_server *s);

#endif

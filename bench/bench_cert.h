/* bench_cert: the certificates the in-process benchmarks make for
 * themselves (a root, an issuing CA, a seal), so that they sign and verify
 * as the server does without a data directory. */
#ifndef MOTCUA_BENCH_CERT_H
#define MOTCUA_BENCH_CERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A certificate for key (CN cn, O o, C=VN), valid from 30 days ago for a
 * year, issued by issuer with issuer_key (NULL: self-signed); ca: a CA,
 * else a signer (digitalSignature, nonRepudiation). NULL on failure. */
X509 *bench_cert(EVP_PKEY *key, const char *cn, const char *o, X509 *issuer,
                 EVP_PKEY *issuer_key, int ca);

#endif

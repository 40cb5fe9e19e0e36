/* p11: private keys and certificates on PKCS#11 tokens (USB tokens, HSMs,
 * SoftHSM in tests) through libp11's OpenSSL engine (Debian
 * libengine-pkcs11-openssl). One PKCS#11 module per process: the engine is
 * loaded once and keeps the module it was started with. Thread-safe. */
#ifndef MOTCUA_SIGN_P11_H
#define MOTCUA_SIGN_P11_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>

/* Loads the private key named by uri (RFC 7512, "pkcs11:token=...;
 * object=...;type=private") from the token behind module (the PKCS#11
 * library's path), logging in with pin (NULL: no PIN; the engine never
 * prompts). OUT: *key (caller frees with EVP_PKEY_free); signing with it
 * goes to the token. Returns 0, or -1 with the reason (English, with the
 * token's own words: "PIN incorrect", "object not found") in err. */
int p11_load_key(const char *module, const char *uri, const char *pin, EVP_PKEY **key, char *err,
                 size_t errlen);

/* Reads the certificate named by uri ("...;type=cert") from the token.
 * OUT: *cert (caller frees with X509_free). Returns 0 or -1 with the reason
 * in err. */
int p11_load_cert(const char *module, const char *uri, const char *pin, X509 **cert, char *err,
                  size_t errlen);

/* Is key held by a token (loaded by p11_load_key) rather than in memory? */
int p11_is_token_key(EVP_PKEY *key);

/* The newest OpenSSL error of this thread that came from the PKCS#11
 * engine or module ("PKCS#11 module: Object handle invalid"), into out;
 * the thread's error queue is cleared. Returns 1 if there was one, else 0
 * (out then holds the newest other error, or ""). */
int p11_last_error(char *out, size_t cap);

#endif

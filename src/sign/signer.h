/* signer: a signing identity, as every signing function takes it: a
 * private key (in memory, or on a PKCS#11 token behind OpenSSL), its X.509
 * certificate and the chain of intermediate certificates up to, but not
 * including, the root. sign/keys.c loads one for a unit's seal or an
 * official; tests and `pdf sign --p12` build one from a PKCS#12 file. */
#ifndef MOTCUA_SIGNER_H
#define MOTCUA_SIGNER_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct signer {
    EVP_PKEY *key;          /* owned */
    X509 *cert;             /* owned */
    STACK_OF(X509) *chain;  /* owned; may be NULL or empty */
    char name[256];         /* who signs, as shown: "UBND phường Hạc Thành", "Trịnh Văn Long" */
    char organisation[256]; /* the unit an official signs for; "" for a seal */
};

/* Frees everything s owns, and s itself. NULL is fine. */
void signer_free(struct signer *s);

/* Reads a PKCS#12 file's key, certificate and chain (password may be "").
 * OUT: *out (caller frees with signer_free). Returns 0, or -1 with a
 * reason in err (a wrong password says so). */
int signer_from_p12(const unsigned char *p12, size_t len, const char *password,
                    struct signer **out, char *err, size_t errlen);

#endif

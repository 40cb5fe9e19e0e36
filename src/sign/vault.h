/* vault: the master key of a data directory (DATA/keys/master.key, 32
 * random bytes, mode 0600) and what it protects at rest: the private keys
 * in the database (PKCS#8 PEM encrypted with AES-256) and the PINs of
 * PKCS#11 tokens (AES-256-GCM). Each use derives its own key from the
 * master key with HKDF-SHA256, so one derived key never serves two
 * purposes. See docs/keys.md for what this protects against and what not. */
#ifndef MOTCUA_SIGN_VAULT_H
#define MOTCUA_SIGN_VAULT_H

#include <openssl/evp.h>
#include <stddef.h>

#define VAULT_KEY_LEN 32
#define VAULT_FILE "keys/master.key" /* under the data directory */

/* Why vault_load refused (negative, like every failure here). */
enum {
    VAULT_ERR = -1,     /* cannot read it, or an OpenSSL failure */
    VAULT_MISSING = -2, /* no master key file */
    VAULT_EXPOSED = -3, /* other users may read or write it */
    VAULT_BAD = -4,     /* not a regular file of exactly 32 bytes */
};

/* Creates DATA/keys (0700) and DATA/keys/master.key (0600, 32 random
 * bytes, fsynced) unless the file exists; an existing file is left as it
 * is. Returns 1 when it created the key, 0 when one was there, or -1 with
 * the reason (English, for the operator) in err. */
int vault_create(const char *data_dir, char *err, size_t errlen);

/* Reads the master key into key. Refuses (and says why in err, English,
 * naming the file) a missing file, a file that group or others may read or
 * write, a symbolic link, or one of the wrong size. Returns 0 or one of the
 * VAULT_* codes. */
int vault_load(const char *data_dir, unsigned char key[VAULT_KEY_LEN], char *err, size_t errlen);

/* The private key as encrypted PKCS#8 PEM (PBES2, AES-256-CBC) under a
 * passphrase derived from master. Returns a new NUL-terminated string the
 * caller frees with free(), or NULL. */
char *vault_seal_key(EVP_PKEY *key, const unsigned char master[VAULT_KEY_LEN]);

/* Decrypts what vault_seal_key wrote. Returns a new key (caller frees with
 * EVP_PKEY_free), or NULL when pem is not such a key or master is not the
 * key it was sealed with. */
EVP_PKEY *vault_open_key(const char *pem, const unsigned char master[VAULT_KEY_LEN]);

/* A short secret (a token's PIN, at most 255 bytes) sealed with
 * AES-256-GCM under a key derived from master: "v1:" and base64 of nonce,
 * tag and ciphertext. Returns a new string (caller frees with free()) or
 * NULL. */
char *vault_seal_secret(const char *secret, const unsigned char master[VAULT_KEY_LEN]);

/* Opens what vault_seal_secret wrote into out (cap bytes, NUL-terminated).
 * Returns 0, or -1 when it was not sealed with this master key, was
 * altered, or does not fit. */
int vault_open_secret(const char *sealed, const unsigned char master[VAULT_KEY_LEN], char *out,
                      size_t cap);

#endif

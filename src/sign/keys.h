/* keys: the key store. Which key signs for whom (a unit's seal, an
 * official's personal key, the platform's system and time-stamping keys),
 * their certificates, where the private key lives (encrypted in the
 * database, or on a PKCS#11 token), the images a signature shows, and the
 * root certificates the server trusts. Units and accounts are ids here;
 * the CLI resolves codes and logins. Refusals are a struct derr with a
 * Vietnamese message. docs/keys.md has the whole picture.
 *
 * Functions that write run inside the caller's transaction (a write job,
 * or store_run in the CLI) and append their audit entry there. */
#ifndef MOTCUA_SIGN_KEYS_H
#define MOTCUA_SIGN_KEYS_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "sign/signer.h"
#include "sign/vault.h"

struct store;

/* kinds of key */
#define KEYS_SEAL "seal"         /* a unit's organisation key: its seal */
#define KEYS_OFFICIAL "official" /* an official's personal key, for one unit */
#define KEYS_SYSTEM "system"     /* the platform's: audit checkpoints */
#define KEYS_TSA "tsa"           /* the platform's built-in timestamp authority */
#define KEYS_CA "ca"             /* the demo CA that issues the demo keys */

/* One stored key, as lists and checks see it (never the private key). */
struct keys_info {
    int64_t id;
    int64_t unit_id;
    int64_t account_id; /* 0: the unit's own key */
    char kind[16];      /* KEYS_* */
    char source[16];    /* "p12", "pkcs11", "demo" */
    char subject[512];  /* RFC 2253, UTF-8: "CN=...,O=...,C=VN" */
    char issuer[512];
    char common_name[256];         /* the subject's CN: who signs, as shown */
    char serial[96];               /* hex, upper case */
    int64_t not_before, not_after; /* Unix seconds */
    int64_t created_at;
    int64_t revoked_at; /* 0: not revoked */
    char revoked_reason[256];
    char pkcs11_uri[512]; /* "" unless source is pkcs11 */
    int has_image;
};

enum keys_state { KEYS_VALID, KEYS_NOT_YET_VALID, KEYS_EXPIRED, KEYS_REVOKED };

/* What a key is at now: revoked beats expired beats not yet valid. */
enum keys_state keys_state_at(const struct keys_info *k, int64_t now);

/* --- loading a signer --------------------------------------------------- */

/* The key that signs now for unit_id: the unit's seal (account_id 0) or
 * the official account_id's personal key for that unit. Among keys not
 * revoked and valid at now, the one that became valid last. OUT: *out
 * (caller frees with signer_free). Refuses with err (kind DERR_STATE):
 * none ("no_certificate"), only expired ones ("certificate_expired":
 * "Chứng thư số của UBND phường Hạc Thành đã hết hạn ngày 07/12/2027."),
 * not yet valid ("certificate_not_yet_valid"), revoked
 * ("certificate_revoked"); and with DERR_INTERNAL when the master key
 * (data_dir/keys/master.key) is missing or readable by others
 * ("master_key_unavailable"), the stored key cannot be decrypted
 * ("key_undecryptable") or the token cannot be reached ("token_failed").
 * Returns 0 or -1. */
int keys_signer(struct store *db, const char *data_dir, int64_t unit_id, int64_t account_id,
                int64_t now, struct signer **out, struct derr *err);

/* The platform's current key of kind KEYS_SYSTEM or KEYS_TSA (held by the
 * province's unit), with the same rules and refusals as keys_signer. */
int keys_platform_signer(struct store *db, const char *data_dir, const char *kind, int64_t now,
                         struct signer **out, struct derr *err);

/* The key keys_signer would use (account_id 0: the seal), without loading
 * it: for its id and image. Returns 0 with *out filled, or -1 with err as
 * keys_signer. */
int keys_current(struct store *db, int64_t unit_id, int64_t account_id, const char *kind,
                 int64_t now, struct keys_info *out, struct derr *err);

/* Loads stored key id as a signer, whatever its state (keys_current
 * chooses). OUT: *out (caller frees with signer_free). Returns 0 or -1
 * with err. */
int keys_load(struct store *db, const char *data_dir, int64_t id, struct signer **out,
              struct derr *err);

/* The image stored with key id: the seal (a unit's key) or the
 * handwritten signature (an official's), PNG. OUT: *png (caller frees with
 * free()), *len. Returns STORE_ROW, STORE_DONE when the key has none or
 * does not exist, or a store error. */
int keys_image(struct store *db, int64_t id, unsigned char **png, size_t *len);

/* Explains why signing with s failed (EVP_DigestSign* returned an error),
 * from this thread's OpenSSL error queue, which it clears: a token that
 * stopped answering ("token_failed": "Thiết bị ký số ... không ký được:
 * ...") or any other failure ("sign_failed"). Always returns -1. */
int keys_sign_failure(const struct signer *s, struct derr *err);

/* For `serve` at start: when the store holds keys that need the master key
 * (not revoked, encrypted in the database or with a sealed PIN), the master
 * key must be usable, so a server that could not sign says so at once.
 * Returns 0, or -1 with the operator's reason (English, naming the file:
 * missing, readable by others) in err. */
int keys_ready(struct store *db, const char *data_dir, char *err, size_t errlen);

/* The root certificates the server trusts, as a new store for
 * X509_verify_cert (caller frees with X509_STORE_free). NULL on a store
 * or OpenSSL error. */
X509_STORE *keys_trust_store(struct store *db);

/* Does stored key id's certificate, with its stored chain, lead to one of
 * the trust anchors, checked at now? 1 if so, 0 if not (why, English, in
 * why: "unable to get local issuer certificate"), or -1 when the key is
 * unknown or cannot be read. Needs no private key. */
int keys_verify_chain(struct store *db, int64_t id, int64_t now, char *why, size_t cap);

/* --- adding, revoking, listing ------------------------------------------ */

/* Who a new key is for, and what comes with it. */
struct keys_new {
    int64_t unit_id;
    int64_t account_id;         /* KEYS_OFFICIAL only; else 0 */
    const char *kind;           /* KEYS_* */
    const unsigned char *image; /* PNG shown with the signature, or NULL */
    size_t image_len;
    int64_t now;
};

/* Imports a PKCS#12 file's key, certificate and chain. The certificate must
 * be valid at now and allow signing (keyUsage digitalSignature or
 * nonRepudiation; a KEYS_TSA key extendedKeyUsage timeStamping), the key
 * must match it, and the same certificate (issuer and serial) cannot be
 * imported twice. The private key is stored encrypted under the master
 * key. Refusals (nothing stored): "not_pkcs12", "wrong_password",
 * "key_mismatch", "certificate_expired", "certificate_not_yet_valid",
 * "not_for_signing", "already_imported", "bad_owner", "bad_image",
 * "master_key_unavailable". OUT: *id. Returns 0 or -1. */
int keys_import_p12(struct store *db, const char *data_dir, const struct keys_new *k,
                    const unsigned char *p12, size_t len, const char *password, int64_t *id,
                    struct derr *err);

/* A key on a PKCS#11 token. */
struct keys_token {
    const char *module;   /* absolute path of the PKCS#11 library */
    const char *uri;      /* "pkcs11:...;type=private"; no pin-value in it */
    const char *pin;      /* stored sealed with the master key; or NULL */
    const char *pin_env;  /* else: the environment variable holding it at
                             signing time (NAME of [A-Z0-9_]); or NULL */
    const char *cert_pem; /* the certificate; NULL: read from the token at
                             uri with type=cert */
};

/* Registers a key on a token: loads it with the PIN, reads the
 * certificate, signs a test digest on the token and verifies it with the
 * certificate, then applies the checks of keys_import_p12. Stores the
 * module, the URI and the PIN reference; the key never leaves the token.
 * Further refusals: "bad_uri", "token_failed". OUT: *id. Returns 0 or -1. */
int keys_import_pkcs11(struct store *db, const char *data_dir, const struct keys_new *k,
                       const struct keys_token *t, int64_t *id, struct derr *err);

/* Stores a key held in memory (the demo CA's keys; tests): encrypted
 * under master, with cert and chain (may be NULL), source "demo" or "p12".
 * Checks the owner and that key matches cert, not dates or usage. OUT:
 * *id. Returns 0 or -1 with err. */
int keys_add(struct store *db, const unsigned char master[VAULT_KEY_LEN], const struct keys_new *k,
             const char *source, EVP_PKEY *key, X509 *cert, STACK_OF(X509) * chain, int64_t *id,
             struct derr *err);

/* Revokes key id at now for reason (1-200 characters): it never signs
 * again. Refusals: "not_found", "already_revoked", "invalid". Returns 0 or
 * -1. */
int keys_revoke(struct store *db, int64_t id, const char *reason, int64_t now, struct derr *err);

/* Adds the self-signed CA certificate in pem (PEM text) to the trust
 * anchors; demo marks the demo root. Refusals: "not_certificate",
 * "not_root" (not self-signed or not a CA), "certificate_expired",
 * "already_trusted". OUT: *id. Returns 0 or -1. */
int keys_trust(struct store *db, const char *pem, size_t len, int demo, int64_t now, int64_t *id,
               struct derr *err);

/* Calls fn for each stored key of unit_id (0: all), ordered by unit,
 * kind, official and id; stops at fn's first non-zero return, which it
 * returns. Returns 0, fn's value or a store error. */
int keys_list(struct store *db, int64_t unit_id, int (*fn)(const struct keys_info *k, void *arg),
              void *arg);

/* Reads key id. Returns STORE_ROW, STORE_DONE or a store error. */
int keys_get(struct store *db, int64_t id, struct keys_info *out);

#endif

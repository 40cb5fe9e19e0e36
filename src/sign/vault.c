/* vault: the data directory's master key and encryption at rest of the
 * signing keys and token PINs. */
#include "sign/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

/* What each derived key is for (HKDF info): a key derived for one purpose
 * never decrypts another's data. */
#define INFO_KEYS "motcua signing keys at rest v1"
#define INFO_PIN "motcua pkcs11 pin at rest v1"

#define GCM_NONCE 12
#define GCM_TAG 16
#define SECRET_MAX 255

static int path_of(const char *data_dir, const char *rel, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", data_dir, rel);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int vault_create(const char *data_dir, char *err, size_t errlen)
{
    char dir[1100], path[1100];
    unsigned char key[VAULT_KEY_LEN];
    struct stat sb;
    int fd = -1, rc = -1;
    if (path_of(data_dir, "keys", dir, sizeof dir) ||
        path_of(data_dir, VAULT_FILE, path, sizeof path)) {
        snprintf(err, errlen, "the data directory's path is too long");
        return -1;
    }
    if (lstat(path, &sb) == 0)
        return 0;
    if (mkdir_p(dir)) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    /* O_EXCL: two inits at once cannot both write a key, and a link planted
     * at the path is not followed. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create the master key %s: %s", path, strerror(errno));
        return -1;
    }
    if (random_bytes(key, sizeof key)) {
        snprintf(err, errlen, "no random bytes for the master key");
        goto out;
    }
    if (write(fd, key, sizeof key) != (ssize_t)sizeof key || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write the master key %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 1;
out:
    explicit_bzero(key, sizeof key);
    if (close(fd) != 0 && rc == 1) {
        snprintf(err, errlen, "cannot write the master key %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        unlink(path);
    return rc;
}

int vault_load(const char *data_dir, unsigned char key[VAULT_KEY_LEN], char *err, size_t errlen)
{
    char path[1100];
    struct stat sb;
    int rc = VAULT_ERR;
    if (path_of(data_dir, VAULT_FILE, path, sizeof path)) {
        snprintf(err, errlen, "the data directory's path is too long");
        return VAULT_ERR;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            snprintf(err, errlen,
                     "the master key %s is missing (run: motcua init --data %s); without it "
                     "nothing can be signed",
                     path, data_dir);
            return VAULT_MISSING;
        }
        if (errno == ELOOP) {
            snprintf(err, errlen, "the master key %s is a symbolic link; refusing it", path);
            return VAULT_BAD;
        }
        snprintf(err, errlen, "cannot read the master key %s: %s", path, strerror(errno));
        return VAULT_ERR;
    }
    if (fstat(fd, &sb) != 0) {
        snprintf(err, errlen, "cannot read the master key %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size != VAULT_KEY_LEN) {
        snprintf(err, errlen, "the master key %s is not a file of %d bytes; refusing it", path,
                 VAULT_KEY_LEN);
        rc = VAULT_BAD;
        goto out;
    }
    /* Anyone else who can read it can decrypt every key in the database. */
    if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "the master key %s may be read or written by other users (mode %04o); refusing "
                 "to sign with it (chmod 600 %s)",
                 path, (unsigned)(sb.st_mode & 07777), path);
        rc = VAULT_EXPOSED;
        goto out;
    }
    if (read(fd, key, VAULT_KEY_LEN) != VAULT_KEY_LEN) {
        snprintf(err, errlen, "cannot read the master key %s", path);
        goto out;
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

/* HKDF-SHA256(master, info) into out[32]. */
static int derive(const unsigned char master[VAULT_KEY_LEN], const char *info,
                  unsigned char out[32])
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master, VAULT_KEY_LEN),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
        OSSL_PARAM_construct_end(),
    };
    int rc = ctx && EVP_KDF_derive(ctx, out, 32, params) == 1 ? 0 : -1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return rc;
}

/* The PEM passphrase: the derived key in hex. It is already 256 random
 * bits, so PBKDF2's iterations in PKCS#8 add nothing and cost little. */
static int passphrase(const unsigned char master[VAULT_KEY_LEN], char out[65])
{
    unsigned char k[32];
    if (derive(master, INFO_KEYS, k))
        return -1;
    hex_encode(k, sizeof k, out);
    explicit_bzero(k, sizeof k);
    return 0;
}

char *vault_seal_key(EVP_PKEY *key, const unsigned char master[VAULT_KEY_LEN])
{
    char pass[65];
    char *out = NULL, *data;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || passphrase(master, pass))
        goto out;
    if (PEM_write_bio_PKCS8PrivateKey(b, key, EVP_aes_256_cbc(), pass, (int)strlen(pass), NULL,
                                      NULL) != 1)
        goto out;
    long n = BIO_get_mem_data(b, &data);
    out = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (out) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
out:
    explicit_bzero(pass, sizeof pass);
    BIO_free(b);
    ERR_clear_error();
    return out;
}

EVP_PKEY *vault_open_key(const char *pem, const unsigned char master[VAULT_KEY_LEN])
{
    char pass[65];
    EVP_PKEY *k = NULL;
    /* Only an encrypted key is accepted: a plain one in the database means
     * someone put it there by hand, past this code. */
    if (!pem || !strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        return NULL;
    BIO *b = BIO_new_mem_buf(pem, -1);
    if (b && passphrase(master, pass) == 0)
        k = PEM_read_bio_PrivateKey(b, NULL, NULL, pass);
    explicit_bzero(pass, sizeof pass);
    BIO_free(b);
    ERR_clear_error();
    return k;
}

char *vault_seal_secret(const char *secret, const unsigned char master[VAULT_KEY_LEN])
{
    size_t n = strlen(secret);
    unsigned char k[32], raw[GCM_NONCE + GCM_TAG + SECRET_MAX];
    char *out = NULL;
    int len;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || n > SECRET_MAX || derive(master, INFO_PIN, k) || random_bytes(raw, GCM_NONCE))
        goto out;
    unsigned char *ct = raw + GCM_NONCE + GCM_TAG;
    if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k, raw) != 1 ||
        EVP_EncryptUpdate(c, ct, &len, (const unsigned char *)secret, (int)n) != 1 ||
        EVP_EncryptFinal_ex(c, ct + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG, raw + GCM_NONCE) != 1)
        goto out;
    size_t rawlen = GCM_NONCE + GCM_TAG + n;
    out = malloc(3 + 4 * ((rawlen + 2) / 3) + 1);
    if (out) {
        memcpy(out, "v1:", 3);
        EVP_EncodeBlock((unsigned char *)out + 3, raw, (int)rawlen);
    }
out:
    explicit_bzero(k, sizeof k);
    explicit_bzero(raw, sizeof raw);
    EVP_CIPHER_CTX_free(c);
    return out;
}

int vault_open_secret(const char *sealed, const unsigned char master[VAULT_KEY_LEN], char *out,
                      size_t cap)
{
    unsigned char k[32], raw[4 * ((GCM_NONCE + GCM_TAG + SECRET_MAX + 2) / 3) + 4];
    int rc = -1, len, fin;
    EVP_CIPHER_CTX *c = NULL;
    size_t blen = sealed ? strlen(sealed) : 0;
    if (blen < 3 || strncmp(sealed, "v1:", 3) != 0 || (blen - 3) % 4 != 0 ||
        (blen - 3) / 4 * 3 > sizeof raw)
        return -1;
    int n = EVP_DecodeBlock(raw, (const unsigned char *)sealed + 3, (int)(blen - 3));
    /* EVP_DecodeBlock counts the padding's zero bytes: take them off. */
    if (n > 0 && sealed[blen - 1] == '=')
        n -= sealed[blen - 2] == '=' ? 2 : 1;
    if (n < GCM_NONCE + GCM_TAG || (size_t)(n - GCM_NONCE - GCM_TAG) + 1 > cap)
        goto out;
    c = EVP_CIPHER_CTX_new();
    if (!c || derive(master, INFO_PIN, k))
        goto out;
    if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, k, raw) != 1 ||
        EVP_DecryptUpdate(c, (unsigned char *)out, &len, raw + GCM_NONCE + GCM_TAG,
                          n - GCM_NONCE - GCM_TAG) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG, raw + GCM_NONCE) != 1 ||
        EVP_DecryptFinal_ex(c, (unsigned char *)out + len, &fin) != 1) {
        explicit_bzero(out, cap);
        goto out;
    }
    out[len + fin] = '\0';
    rc = 0;
out:
    explicit_bzero(k, sizeof k);
    explicit_bzero(raw, sizeof raw);
    EVP_CIPHER_CTX_free(c);
    ERR_clear_error();
    return rc;
}

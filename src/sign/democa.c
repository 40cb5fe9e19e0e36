/* democa: making the demo CA hierarchy and the demo keys. */
#include "sign/democa.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "sign/keys.h"
#include "sign/stamp.h"
#include "sign/vault.h"

#define DEMO_OU "motcua DEMO (không dùng thật)"
#define YEAR (365 * 86400LL)
#define BACKDATE (2 * YEAR)
#define ROOT_LIFE (10 * YEAR)
#define ISSUER_LIFE (6 * YEAR)
#define LEAF_LIFE (2 * YEAR)

static EVP_PKEY *new_key(enum democa_alg alg)
{
    return alg == DEMOCA_RSA_2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
}

static int add_entry(X509_NAME *n, int nid, const char *value)
{
    if (!value || !*value)
        return 0;
    return X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)value, -1, -1,
                                      0) == 1
               ? 0
               : -1;
}

/* C=VN, O, OU (the demo mark), organizationIdentifier, title, CN. */
static X509_NAME *make_name(const char *cn, const char *org, const char *org_id, const char *title)
{
    X509_NAME *n = X509_NAME_new();
    if (!n || add_entry(n, NID_countryName, "VN") || add_entry(n, NID_organizationName, org) ||
        add_entry(n, NID_organizationalUnitName, DEMO_OU) ||
        add_entry(n, NID_organizationIdentifier, org_id) || add_entry(n, NID_title, title) ||
        add_entry(n, NID_commonName, cn)) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    int ok = e && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

enum cert_role { ROLE_ROOT, ROLE_ISSUER, ROLE_SIGNER, ROLE_TSA };

/* A certificate for key with subject name, signed by issuer_key (with
 * issuer's name; NULL issuer: self-signed), valid from not_before to
 * not_after, with the extensions of its role. */
static X509 *make_cert(EVP_PKEY *key, X509_NAME *name, X509 *issuer, EVP_PKEY *issuer_key,
                       int64_t not_before, int64_t not_after, enum cert_role role)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    X509V3_CTX ctx;
    int ok = 0;
    if (!x || random_bytes(serial, sizeof serial))
        goto out;
    serial[0] &= 0x7f; /* a positive serial of 16 bytes at most (RFC 5280) */
    serial[0] |= 0x40;
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (!bn || X509_set_version(x, X509_VERSION_3) != 1 ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
        !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) ||
        !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) ||
        X509_set_subject_name(x, name) != 1 ||
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
        X509_set_pubkey(x, key) != 1)
        goto out;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    switch (role) {
    case ROLE_ROOT:
        ok = !add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
             !add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") &&
             !add_ext(x, &ctx, NID_subject_key_identifier, "hash");
        break;
    case ROLE_ISSUER:
        ok = !add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
             !add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") &&
             !add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
             !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
        break;
    case ROLE_SIGNER:
    case ROLE_TSA:
        ok = !add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
             !add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation") &&
             !add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
             !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") &&
             (role != ROLE_TSA || !add_ext(x, &ctx, NID_ext_key_usage, "critical,timeStamping"));
        break;
    }
    if (ok)
        ok = X509_sign(x, issuer_key, EVP_sha256()) > 0;
out:
    BN_free(bn);
    if (!ok) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

/* The root (trusted, its key dropped) and the issuing CA (stored). OUT:
 * *ca (caller frees with signer_free). */
static int make_ca(struct store *db, const unsigned char master[VAULT_KEY_LEN], int64_t unit_id,
                   enum democa_alg alg, int64_t now, struct signer **ca, struct derr *err)
{
    EVP_PKEY *root_key = new_key(alg), *key = new_key(alg);
    X509_NAME *root_name = make_name(DEMOCA_ROOT_CN, "motcua DEMO", NULL, NULL);
    X509_NAME *name = make_name(DEMOCA_ISSUER_CN, "motcua DEMO", NULL, NULL);
    X509 *root = NULL, *cert = NULL;
    BIO *b = BIO_new(BIO_s_mem());
    char *pem;
    int64_t id;
    int rc = -1;
    struct signer *s = calloc(1, sizeof *s);
    if (!root_key || !key || !root_name || !name || !b || !s ||
        !(root = make_cert(root_key, root_name, NULL, root_key, now - BACKDATE, now + ROOT_LIFE,
                           ROLE_ROOT)) ||
        !(cert = make_cert(key, name, root, root_key, now - BACKDATE, now + ISSUER_LIFE,
                           ROLE_ISSUER)) ||
        PEM_write_bio_X509(b, root) != 1) {
        derr_set(err, DERR_INTERNAL, "internal", "Không tạo được CA thử nghiệm.", NULL);
        goto out;
    }
    long len = BIO_get_mem_data(b, &pem);
    if (keys_trust(db, pem, (size_t)len, 1, now, &id, err))
        goto out;
    struct keys_new k = {.unit_id = unit_id, .kind = KEYS_CA, .now = now};
    if (keys_add(db, master, &k, "demo", key, cert, NULL, &id, err))
        goto out;
    s->key = key;
    s->cert = cert;
    copy_str(s->name, sizeof s->name, DEMOCA_ISSUER_CN);
    key = NULL;
    cert = NULL;
    *ca = s;
    s = NULL;
    rc = 0;
out:
    signer_free(s);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(key);
    X509_NAME_free(root_name);
    X509_NAME_free(name);
    X509_free(root);
    X509_free(cert);
    BIO_free(b);
    ERR_clear_error();
    return rc;
}

/* The image a party's key shows: a drawn seal, a drawn signature, or none. */
static int party_image(const struct democa_party *p, unsigned char **png, size_t *len)
{
    *png = NULL;
    *len = 0;
    if (strcmp(p->kind, KEYS_SEAL) == 0)
        return stamp_seal_png(p->unit_name, p->unit_code, png, len);
    if (strcmp(p->kind, KEYS_OFFICIAL) == 0)
        return stamp_signature_png(p->name, png, len);
    return 0;
}

static int issue_one(struct store *db, const unsigned char master[VAULT_KEY_LEN],
                     const struct signer *ca, const struct democa_party *p, enum democa_alg alg,
                     int64_t now, struct derr *err)
{
    EVP_PKEY *key = new_key(alg);
    X509_NAME *name = make_name(p->name, p->unit_name, p->unit_code, p->title);
    X509 *cert = NULL;
    STACK_OF(X509) *chain = sk_X509_new_null();
    unsigned char *png = NULL;
    size_t png_len = 0;
    int64_t id, not_after = now + LEAF_LIFE;
    int rc = -1;
    /* A certificate never outlives its issuer's. */
    int64_t ca_end = 0;
    struct tm tm;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(ca->cert), &tm) == 1)
        ca_end = (int64_t)timegm(&tm);
    if (ca_end && not_after > ca_end)
        not_after = ca_end;
    enum cert_role role = strcmp(p->kind, KEYS_TSA) == 0 ? ROLE_TSA : ROLE_SIGNER;
    if (!key || !name || !chain || X509_up_ref(ca->cert) != 1) {
        derr_set(err, DERR_INTERNAL, "internal", "Không tạo được khóa thử nghiệm.", NULL);
        goto out;
    }
    if (!sk_X509_push(chain, ca->cert)) {
        X509_free(ca->cert);
        derr_set(err, DERR_INTERNAL, "internal", "Không tạo được khóa thử nghiệm.", NULL);
        goto out;
    }
    if (!(cert = make_cert(key, name, ca->cert, ca->key, now - BACKDATE, not_after, role)) ||
        party_image(p, &png, &png_len)) {
        derr_set(err, DERR_INTERNAL, "internal",
                 "Không tạo được chứng thư số hoặc ảnh con dấu thử nghiệm.", NULL);
        goto out;
    }
    struct keys_new k = {.unit_id = p->unit_id,
                         .account_id = p->account_id,
                         .kind = p->kind,
                         .image = png,
                         .image_len = png_len,
                         .now = now};
    rc = keys_add(db, master, &k, "demo", key, cert, chain, &id, err);
out:
    free(png);
    EVP_PKEY_free(key);
    X509_NAME_free(name);
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    ERR_clear_error();
    return rc;
}

int democa_issue(struct store *db, const char *data_dir, int64_t ca_unit_id,
                 const struct democa_party *parties, size_t n, enum democa_alg alg, int64_t now,
                 int *issued, struct derr *err)
{
    unsigned char master[VAULT_KEY_LEN];
    char why[512];
    struct signer *ca = NULL;
    struct keys_info k;
    struct derr ignored = {0};
    int rc = -1;
    *issued = 0;
    if (vault_load(data_dir, master, why, sizeof why)) {
        char msg[sizeof err->message];
        copy_str(msg, sizeof msg, why);
        return derr_set(err, DERR_INTERNAL, "master_key_unavailable", msg, NULL);
    }
    if (keys_current(db, 0, 0, KEYS_CA, now, &k, &ignored) == 0) {
        if (keys_load(db, data_dir, k.id, &ca, err))
            goto out;
    } else {
        if (make_ca(db, master, ca_unit_id, alg, now, &ca, err))
            goto out;
        ++*issued;
    }
    for (size_t i = 0; i < n; i++) {
        const struct democa_party *p = &parties[i];
        if (keys_current(db, p->unit_id, p->account_id, p->kind, now, &k, &ignored) == 0)
            continue;
        if (issue_one(db, master, ca, p, alg, now, err))
            goto out;
        ++*issued;
    }
    rc = 0;
out:
    explicit_bzero(master, sizeof master);
    signer_free(ca);
    derr_clear(&ignored);
    return rc;
}

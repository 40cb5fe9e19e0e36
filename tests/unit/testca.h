/* A tiny certificate authority for the key store's tests, written with
 * OpenSSL directly (not with sign/democa, which is under test): keys,
 * certificates with chosen dates and usages, PKCS#12 files.
 *
 *   EVP_PKEY *ca_key = tc_key();
 *   X509 *ca = tc_cert(ca_key, "Test Root", "Test", NULL, ca_key, t0, t1, TC_CA);
 *   X509 *leaf = tc_cert(key, "Phường X", "Phường X", ca, ca_key, t0, t1, TC_SIGN); */
#ifndef MOTCUA_TEST_TESTCA_H
#define MOTCUA_TEST_TESTCA_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum tc_usage {
    TC_CA,      /* basicConstraints CA:TRUE, keyCertSign */
    TC_SIGN,    /* keyUsage digitalSignature, nonRepudiation */
    TC_ENCRYPT, /* keyUsage keyEncipherment only: not for signing */
    TC_NONE,    /* no keyUsage extension at all */
};

static inline EVP_PKEY *tc_key(void)
{
    return EVP_EC_gen("P-256");
}

/* Unix seconds of a UTC date and time. */
static inline int64_t tc_utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm);
}

static inline int tc_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *v)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, v);
    int ok = e && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* A certificate for key, CN cn and O org (C=VN), signed by issuer_key
 * (issuer NULL: self-signed), valid from nb to na. Caller frees. */
static inline X509 *tc_cert(EVP_PKEY *key, const char *cn, const char *org, X509 *issuer,
                            EVP_PKEY *issuer_key, int64_t nb, int64_t na, enum tc_usage usage)
{
    static long serial = 1000;
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509V3_CTX ctx;
    int ok = x && n;
    ok = ok &&
         X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)"VN", -1, -1, 0);
    ok = ok &&
         X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
    ok = ok &&
         X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    ok = ok && X509_set_version(x, X509_VERSION_3) &&
         ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
         ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) &&
         ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) && X509_set_subject_name(x, n) &&
         X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n) &&
         X509_set_pubkey(x, key);
    if (ok) {
        X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
        switch (usage) {
        case TC_CA:
            ok = tc_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
                 tc_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
            break;
        case TC_SIGN:
            ok = tc_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation");
            break;
        case TC_ENCRYPT:
            ok = tc_ext(x, &ctx, NID_key_usage, "critical,keyEncipherment");
            break;
        case TC_NONE:
            break;
        }
    }
    ok = ok && X509_sign(x, issuer_key, EVP_sha256()) > 0;
    X509_NAME_free(n);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* A PKCS#12 file (DER) of key, cert and the CA certificate ca (may be
 * NULL), under password. OUT: *der (caller frees with OPENSSL_free). */
static inline int tc_p12(EVP_PKEY *key, X509 *cert, X509 *ca, const char *password,
                         unsigned char **der, size_t *len)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (ca)
        sk_X509_push(chain, ca);
    PKCS12 *p = PKCS12_create(password, "test", key, cert, chain, 0, 0, 0, 0, 0);
    sk_X509_free(chain);
    *der = NULL;
    int n = p ? i2d_PKCS12(p, der) : -1;
    PKCS12_free(p);
    if (n <= 0)
        return -1;
    *len = (size_t)n;
    return 0;
}

/* The certificate as PEM text (caller frees with free()). */
static inline char *tc_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p, *out = NULL;
    if (b && PEM_write_bio_X509(b, x) == 1) {
        long n = BIO_get_mem_data(b, &p);
        out = calloc(1, (size_t)n + 1);
        if (out)
            memcpy(out, p, (size_t)n);
    }
    BIO_free(b);
    return out;
}

/* Does sig over msg verify with cert's public key (SHA-256)? */
static inline int tc_verify(X509 *cert, const unsigned char *msg, size_t len,
                            const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, X509_get0_pubkey(cert)) == 1 &&
             EVP_DigestVerify(c, sig, siglen, msg, len) == 1;
    EVP_MD_CTX_free(c);
    return ok;
}

/* Signs msg with key (SHA-256). Returns 0 and the length in *siglen. */
static inline int tc_sign(EVP_PKEY *key, const unsigned char *msg, size_t len, unsigned char *sig,
                          size_t *siglen)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(c, sig, siglen, msg, len) == 1;
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* The certificates of the PDF-signing tests: for key, subject CN/O,
 * issued by issuer (NULL: self-signed), valid from nb to na; kind 0 a
 * signer (digitalSignature, nonRepudiation), 1 a CA, 2 a timestamp
 * authority (extendedKeyUsage timeStamping, critical); each with
 * basicConstraints and a subject key identifier. Caller frees. */
static inline X509 *tc_kind_cert(EVP_PKEY *key, const char *cn, const char *o, X509 *issuer,
                                 EVP_PKEY *issuer_key, int kind, time_t nb, time_t na)
{
    static long next_serial = 100;
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb);
    X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)o, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    const char *ext[][2] = {
        {"basicConstraints", kind == 1 ? "critical,CA:TRUE" : "critical,CA:FALSE"},
        {"keyUsage", kind == 1 ? "critical,keyCertSign,cRLSign"
                     : kind == 2 ? "critical,digitalSignature"
                                 : "critical,digitalSignature,nonRepudiation"},
        {"subjectKeyIdentifier", "hash"},
        {kind == 2 ? "extendedKeyUsage" : NULL, "critical,timeStamping"},
    };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        if (!ext[i][0])
            continue;
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, ext[i][0], ext[i][1]);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
    return x;
}

#endif

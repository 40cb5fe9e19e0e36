/* bench_cert: certificates for the in-process benchmarks (bench_cert.h). */
#include "bench_cert.h"

#include <openssl/x509v3.h>
#include <time.h>

#define DAY 86400

static long serial = 1;

/* A certificate for key (CN, O, C=VN) issued by issuer (NULL: itself);
 * ca: a CA, else a signer (digitalSignature, nonRepudiation). */
X509 *bench_cert(EVP_PKEY *key, const char *cn, const char *o, X509 *issuer,
                       EVP_PKEY *issuer_key, int ca)
{
    X509 *x = X509_new();
    time_t now = time(NULL), nb = now - 30 * DAY, na = now + 365 * DAY;
    if (!x)
        return NULL;
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb);
    X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)"VN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)o, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    const char *ext[][2] = {
        {"basicConstraints", ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
        {"keyUsage", ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation"},
        {"subjectKeyIdentifier", "hash"},
        {"authorityKeyIdentifier", "keyid"},
    };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, ext[i][0], ext[i][1]);
        if (e)
            X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* signer: freeing a signing identity, and reading one from PKCS#12. */
#include "sign/signer.h"

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

void signer_free(struct signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    sk_X509_pop_free(s->chain, X509_free);
    free(s);
}

/* The certificate's subject attribute nid as UTF-8 into out ("" if none). */
static void subject_field(X509 *cert, int nid, char *out, size_t cap)
{
    out[0] = '\0';
    X509_NAME *n = X509_get_subject_name(cert);
    int i = n ? X509_NAME_get_index_by_NID(n, nid, -1) : -1;
    if (i < 0)
        return;
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
    if (len >= 0) {
        snprintf(out, cap, "%.*s", len, utf8);
        OPENSSL_free(utf8);
    }
}

int signer_from_p12(const unsigned char *p12, size_t len, const char *password,
                    struct signer **out, char *err, size_t errlen)
{
    const unsigned char *p = p12;
    PKCS12 *pk = d2i_PKCS12(NULL, &p, (long)len);
    struct signer *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!pk || !s) {
        snprintf(err, errlen, "not a PKCS#12 file");
        goto fail;
    }
    if (!PKCS12_verify_mac(pk, password, -1)) {
        snprintf(err, errlen, "wrong password for the PKCS#12 file");
        goto fail;
    }
    if (!PKCS12_parse(pk, password, &s->key, &s->cert, &s->chain) || !s->key || !s->cert) {
        snprintf(err, errlen, "the PKCS#12 file holds no key with its certificate");
        goto fail;
    }
    if (X509_check_private_key(s->cert, s->key) != 1) {
        snprintf(err, errlen, "the PKCS#12 file's key does not match its certificate");
        goto fail;
    }
    subject_field(s->cert, NID_commonName, s->name, sizeof s->name);
    subject_field(s->cert, NID_organizationName, s->organisation, sizeof s->organisation);
    PKCS12_free(pk);
    ERR_clear_error();
    *out = s;
    return 0;
fail:
    PKCS12_free(pk);
    signer_free(s);
    ERR_clear_error();
    return -1;
}

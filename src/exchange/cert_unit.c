/* cert_unit: which unit a certificate names (exchange/cert_unit.h). */
#include "exchange/cert_unit.h"

#include <openssl/objects.h>
#include <string.h>

/* The certificate subject's organizationIdentifier (the unit's code, as
 * sign/democa writes it), into out; "" if none. Does the subject carry a
 * title (an official's personal certificate)? In *has_title. */
void cert_unit(X509 *x, char *out, size_t cap, int *has_title)
{
    X509_NAME *n = X509_get_subject_name(x);
    out[0] = 0;
    *has_title = X509_NAME_get_index_by_NID(n, NID_title, -1) >= 0;
    int i = X509_NAME_get_index_by_NID(n, NID_organizationIdentifier, -1);
    if (i < 0)
        return;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
    unsigned char *u = NULL;
    int l = ASN1_STRING_to_UTF8(&u, s);
    if (l > 0 && (size_t)l < cap && memchr(u, 0, (size_t)l) == NULL) {
        memcpy(out, u, (size_t)l);
        out[l] = 0;
    }
    OPENSSL_free(u);
}

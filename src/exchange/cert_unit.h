/* cert_unit: which unit a certificate names, and whether it is the unit's
 * seal or an official's, as sign/democa writes them. Used by the envelope
 * verifier and the directory; OpenSSL only, so the fuzz targets link it. */
#ifndef MOTCUA_CERT_UNIT_H
#define MOTCUA_CERT_UNIT_H

#include <openssl/x509.h>
#include <stddef.h>

/* The unit a certificate names: its subject's organizationIdentifier (the
 * unit's code) into out ("" if none or longer than cap - 1), and whether the
 * subject carries a title (an official's personal certificate) in
 * *has_title. A unit's seal: a code, no title. */
void cert_unit(X509 *x, char *out, size_t cap, int *has_title);

#endif

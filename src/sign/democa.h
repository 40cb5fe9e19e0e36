/* democa: the demo certificate authority of `motcua init --demo`. A root
 * "motcua DEMO Root CA (không dùng thật)" (a trust anchor of the data
 * directory; its private key is thrown away once it has signed) issues
 * "motcua DEMO Thanh Hóa CA" (kept as a key of kind 'ca'), which issues a
 * seal per unit, personal keys for the demo leaders, the system key and
 * the time-stamping key. Nothing it issues has any legal value; every
 * subject carries OU "motcua DEMO (không dùng thật)". */
#ifndef MOTCUA_SIGN_DEMOCA_H
#define MOTCUA_SIGN_DEMOCA_H

#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

#define DEMOCA_ROOT_CN "motcua DEMO Root CA (không dùng thật)"
#define DEMOCA_ISSUER_CN "motcua DEMO Thanh Hóa CA"

enum democa_alg { DEMOCA_EC_P256, DEMOCA_RSA_2048 };

/* Whom a demo key is for. Strings are borrowed. */
struct democa_party {
    int64_t unit_id;
    int64_t account_id;    /* KEYS_OFFICIAL only, else 0 */
    const char *kind;      /* KEYS_SEAL, KEYS_OFFICIAL, KEYS_SYSTEM, KEYS_TSA */
    const char *name;      /* the subject's CN: the unit's or the official's name */
    const char *unit_name; /* O */
    const char *unit_code; /* organizationIdentifier: "000.01.90.H56" */
    const char *title;     /* an official's title (T), or NULL */
};

/* Creates the demo CA if the data directory has no valid one (its issuing
 * CA belongs to ca_unit_id, the province), then issues a key, a
 * certificate and an image (the seal, or the official's signature) for
 * each party that has no valid key of its kind yet, so running it again
 * issues only what is missing. Keys are alg; certificates are valid from
 * two years before now (so the tests' fixed clocks and old dossiers fall
 * inside) until two years after it. Runs in the caller's transaction; the
 * master key must exist. OUT: *issued (keys made, the CA's included).
 * Returns 0 or -1 with err. */
int democa_issue(struct store *db, const char *data_dir, int64_t ca_unit_id,
                 const struct democa_party *parties, size_t n, enum democa_alg alg, int64_t now,
                 int *issued, struct derr *err);

#endif

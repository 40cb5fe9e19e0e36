/* directory: which node hosts which unit. The province publishes one JSON
 * document listing every node of the interconnection (its id, address,
 * level, hub flag, upstream node, certificate and the QĐ 20 codes of the
 * units it hosts), versioned, with an expiry, signed as an attached CMS
 * (SHA-256) with the province's seal so `openssl cms -verify` checks it.
 * Every node verifies it against its trust anchors, caches the newest
 * version it has accepted (never an older one), answers "which node hosts
 * this OrganId" and "which node does this certificate belong to", and
 * refuses traffic from a certificate it does not list. docs/exchange.md
 * "Nodes and the directory" has the format and the rules.
 *
 * Refusals are a struct derr with a Vietnamese message. */
#ifndef MOTCUA_EXCHANGE_DIRECTORY_H
#define MOTCUA_EXCHANGE_DIRECTORY_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "sign/signer.h"

struct store;

/* Limits on what a directory may hold; a document over any is refused. */
#define DIRECTORY_MAX_SIZE (4u * 1024 * 1024) /* the signed file and the JSON */
#define DIRECTORY_MAX_NODES 2000
#define DIRECTORY_MAX_UNITS_PER_NODE 5000
#define DIRECTORY_MAX_UNITS 20000 /* over all nodes */
#define DIRECTORY_MAX_PEM 16384   /* one node's certificate, PEM */

/* One node. */
struct directory_node {
    char id[64];       /* [a-z0-9][a-z0-9._-]{0,62} */
    char name[256];    /* UTF-8 */
    char address[256]; /* https://host[:port][/path]; http only on loopback */
    char level[16];    /* "national", "province", "department", "commune" */
    int hub;
    char upstream[64]; /* a node id, or "" */
    X509 *cert;        /* owned */
    unsigned char cert_sha256[32]; /* of the certificate's DER */
    char **units;      /* owned; QĐ 20 codes */
    size_t nunits;
};

/* A parsed directory. */
struct directory {
    int64_t version; /* >= 1 */
    int64_t issued_at, expires_at; /* Unix seconds */
    char issuer[32];               /* the province unit's code */
    struct directory_node *nodes;  /* owned */
    size_t nnodes;
};

/* Frees what d owns and zeroes it. A zeroed d is fine. */
void directory_free(struct directory *d);

/* Parses and checks a directory's JSON (no signature): the fields and
 * their shapes, the limits above, node ids unique, a unit listed by one
 * node only, a certificate listed by one node only, upstream naming another
 * node, issued_at before expires_at. Dates are "YYYY-MM-DDTHH:MM:SSZ".
 * OUT: *d (caller frees with directory_free; zeroed on failure). Returns 0,
 * or -1 with err: DERR_TOO_LARGE "too_large", DERR_INVALID "not_json",
 * "bad_field" (err.field names it), "duplicate_node", "duplicate_unit",
 * "duplicate_certificate", "bad_upstream". */
int directory_parse(const void *json, size_t len, struct directory *d, struct derr *err);

/* Signs the directory JSON src with s as an attached CMS SignedData
 * (SHA-256, the signer's certificate and chain included, binary content).
 * src must parse (directory_parse) and its issuer must be the unit named
 * in s's certificate (organizationIdentifier), which must be a seal (no
 * title). OUT: *out (DER; caller frees with free()), *outlen. Returns 0, or
 * -1 with err: the parser's refusals, "wrong_signer", "sign_failed". */
int directory_sign(const void *src, size_t len, const struct signer *s, unsigned char **out,
                   size_t *outlen, struct derr *err);

/* Who signed a directory, as verification found it. */
struct directory_verdict {
    char signer[512]; /* subject, RFC 2253, UTF-8 */
    char issuer[512];
    char serial[96];  /* hex */
};

/* Verifies a signed directory (DER CMS): exactly one signer, the
 * signature over the content, the signer's certificate chaining to anchors
 * at now (anchors NULL: nothing trusted), the content (directory_parse),
 * its issuer being province (the one unit whose directories this node
 * accepts; NULL: any, for reading only), the certificate being the seal of
 * that issuer (organizationIdentifier equal to it, no title), and not
 * expired at now. OUT: *d (caller frees with directory_free), *v (may be
 * NULL). Returns 0, or -1 with err: DERR_INVALID "not_cms",
 * "signature_invalid", "untrusted", "wrong_issuer", "wrong_signer",
 * "expired", "not_yet_issued", the parser's refusals; DERR_TOO_LARGE
 * "too_large". */
int directory_verify(const void *cms, size_t len, X509_STORE *anchors, const char *province,
                     int64_t now, struct directory *d, struct directory_verdict *v,
                     struct derr *err);

/* The node that hosts unit code, or NULL. Borrowed from d. */
const struct directory_node *directory_node_for_unit(const struct directory *d,
                                                     const char *code);

/* The node with id, or NULL. Borrowed from d. */
const struct directory_node *directory_node_by_id(const struct directory *d, const char *id);

/* Where node self sends a message for node dest (docs/exchange.md "Hubs"):
 * the nodes form a tree by their upstream. When dest is below self, the
 * next node down towards it; otherwise self's upstream (a commune's
 * province hub, the province's national one); a node without an upstream
 * (the top, or a flat directory with no hubs) sends to dest directly.
 * NULL when self is dest or either is unknown. Borrowed from d. */
const struct directory_node *directory_next_hop(const struct directory *d, const char *self,
                                                const struct directory_node *dest);

/* The node whose certificate is cert (DER or PEM bytes), or NULL when the
 * directory does not list it (then traffic from it is refused). Borrowed
 * from d. */
const struct directory_node *directory_node_for_cert(const struct directory *d,
                                                     const void *cert, size_t len);

/* --- the cache --------------------------------------------------------- */

/* What the cache holds. */
struct directory_cached {
    int64_t version;
    int64_t issued_at, expires_at;
    int64_t fetched_at; /* when this node accepted it */
    char issuer[32];
    char sha256[65];    /* of the signed file, hex */
    char source[256];   /* where it came from: a path or a URL */
};

/* Installs the signed directory cms: verifies it (directory_verify, with
 * the data directory's trust anchors, issued by province, at now), refuses a version not
 * greater than the cached one ("rollback"; the same version again:
 * "same_version"), then, in one transaction, records it in
 * exchange_directory (the signed bytes included: the database is the
 * truth) and writes data_dir/exchange/directory.cms (the copy the node
 * serves). source names where it came from. Nothing changes on a refusal.
 * OUT: *out (may be NULL). Returns 0, or -1 with err (DERR_INTERNAL for a
 * store or file failure). */
int directory_install(struct store *db, const char *data_dir, const char *province,
                      const void *cms, size_t len, const char *source, int64_t now,
                      struct directory_cached *out, struct derr *err);

/* Fetches the signed directory from url (a hub node's
 * GET /api/v1/exchange/directory: the address rules of a node, https, or
 * http to loopback; no redirect; 10 s to connect, 60 s in all, at most
 * DIRECTORY_MAX_SIZE bytes) and installs it as directory_install does,
 * with url as its source. The transport needs no trust: the signature
 * decides. Refusals, nothing changed: "bad_url", DERR_INTERNAL
 * "fetch_failed" (unreachable, a timeout, an HTTP status other than 200:
 * the message says which), DERR_TOO_LARGE "too_large", then
 * directory_install's. Returns 0 or -1. */
int directory_fetch(struct store *db, const char *data_dir, const char *province,
                    const char *url, int64_t now, struct directory_cached *out,
                    struct derr *err);

/* The same, from another node of the directory: via (may be NULL) gives
 * the TLS of the call (client_cert, client_key, pinned_peer of struct
 * fetch_request: this node's identity and the peer's listed certificate,
 * exchange/node_tls.h), which a node listener requires. */
struct fetch_request;
int directory_fetch_via(struct store *db, const char *data_dir, const char *province,
                        const char *url, const struct fetch_request *via, int64_t now,
                        struct directory_cached *out, struct derr *err);

/* The cached directory's record. Returns STORE_ROW, STORE_DONE (none yet)
 * or a store error. */
int directory_cached_get(struct store *db, struct directory_cached *out);

/* Loads the cached directory and verifies it again at now (it may have
 * expired since), as issued by province. OUT: *d (caller frees with directory_free); *cms, *len
 * when cms is not NULL (the signed bytes; caller frees with free()).
 * Returns 0, or -1 with err: DERR_NOT_FOUND "no_directory", the
 * verification's refusals, DERR_INTERNAL on a store failure. */
int directory_load(struct store *db, const char *province, int64_t now, struct directory *d,
                   unsigned char **cms, size_t *len, struct derr *err);

#endif

/* node_tls: mutual TLS between exchange nodes (docs/exchange.md
 * "Transport"). This node's TLS identity (its key and the certificate the
 * directory lists for it) lives in the data directory; a node presents it
 * when it calls a peer at an https address and pins the peer to the
 * certificate the directory lists for that peer; the node listener of
 * `motcua serve --node-listen` requires a client certificate, and the
 * directory decides which node it is and what that node may carry. */
#ifndef MOTCUA_EXCHANGE_NODE_TLS_H
#define MOTCUA_EXCHANGE_NODE_TLS_H

#include <openssl/types.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct directory;
struct directory_node;
struct fetch_request;
struct store;

/* Where the identity lives, under the data directory. */
#define NODE_TLS_KEY_FILE "exchange/node-tls.key"
#define NODE_TLS_CERT_FILE "exchange/node-tls.pem"

/* Checks and installs this node's TLS identity: key_path and cert_path are
 * PEM files; the key must be the certificate's, and the certificate must be
 * the one the installed directory lists for node id. Writes both (the key
 * mode 0600; each atomically) into data_dir. Sets the process umask for
 * the write: for the command line only. Returns 0, or -1 with err:
 * DERR_INVALID "bad_key", "bad_certificate", "key_mismatch",
 * "unknown_node", "certificate_not_listed"; the directory's refusals
 * ("no_directory", "expired", ...); DERR_INTERNAL "write_failed". */
int node_tls_install(struct store *db, const char *data_dir, const char *id,
                     const char *key_path, const char *cert_path, int64_t now, struct derr *err);

/* What a call to a peer node presents and accepts. */
struct node_tls_client {
    char key[1100], cert[1100]; /* this node's identity files ("" when not installed) */
    X509 *peer;                 /* the peer's certificate in the directory (owned) */
};

/* Prepares a call to peer's address from this node (data_dir). An http
 * address (loopback only, the directory's rule) leaves t empty. Returns 0,
 * or -1 when memory fails. Free with node_tls_client_free. */
int node_tls_client_init(struct node_tls_client *t, const char *data_dir,
                         const struct directory_node *peer);

/* Puts t into r (its client_cert, client_key, pinned_peer), which then
 * borrows t's strings and certificate. */
void node_tls_client_apply(const struct node_tls_client *t, struct fetch_request *r);

void node_tls_client_free(struct node_tls_client *t);

/* The TLS context of the node listener: data_dir's identity, TLS 1.2 at
 * least, a client certificate required (any chain is accepted at the
 * handshake: the directory decides afterwards, node_tls_peer). Returns the
 * context (SSL_CTX_free), or NULL with why. */
SSL_CTX *node_tls_server_ctx(const char *data_dir, char *why, size_t whylen);

/* The node of d whose certificate the peer presented (DER), or NULL with
 * err: DERR_FORBIDDEN "unknown_node_certificate". Borrowed from d. */
const struct directory_node *node_tls_peer(const struct directory *d, const unsigned char *der,
                                           size_t len, struct derr *err);

/* Whether peer may carry the traffic of unit (a unit code): peer hosts it,
 * or peer is a hub (hubs relay other nodes' traffic). Returns 0, or -1 with
 * err: DERR_FORBIDDEN "wrong_node". */
int node_tls_may_carry(const struct directory *d, const struct directory_node *peer,
                       const char *unit, struct derr *err);

#endif

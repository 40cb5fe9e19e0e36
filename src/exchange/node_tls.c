/* node_tls: see node_tls.h and docs/exchange.md "Transport". */
#include "exchange/node_tls.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "exchange/directory.h"
#include "exchange/outbox.h"
#include "sign/http_fetch.h"
#include "store/store.h"

/* An identity file's path under data_dir; 0, or -1 when it does not fit. */
static int path_of(char *out, size_t cap, const char *data_dir, const char *file)
{
    return snprintf(out, cap, "%s/%s", data_dir, file) < (int)cap ? 0 : -1;
}

/* The PEM of what write writes (a key or a certificate), malloc'd. */
static char *pem_bytes(int (*write)(BIO *, const void *), const void *what, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *copy = NULL;
    long n;
    if (b && write(b, what) && (n = BIO_get_mem_data(b, &data)) > 0 &&
        (copy = malloc((size_t)n))) {
        memcpy(copy, data, (size_t)n);
        *len = (size_t)n;
    }
    BIO_free(b);
    return copy;
}

static int write_key(BIO *b, const void *key)
{
    return PEM_write_bio_PrivateKey(b, (EVP_PKEY *)key, NULL, NULL, 0, NULL, NULL);
}

static int write_cert(BIO *b, const void *cert) { return PEM_write_bio_X509(b, (X509 *)cert); }

/* The first key or certificate of a PEM file; NULL if there is none. */
static EVP_PKEY *read_key(const char *path)
{
    BIO *b = BIO_new_file(path, "r");
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    return k;
}

static X509 *read_cert(const char *path)
{
    BIO *b = BIO_new_file(path, "r");
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    return x;
}

/* Writes data to path atomically with the given umask (the key: 077). */
static int write_with_mask(const char *path, const char *data, size_t len, mode_t mask)
{
    mode_t old = umask(mask);
    int rc = write_file_atomic(path, data, len);
    umask(old);
    return rc;
}

int node_tls_install(struct store *db, const char *data_dir, const char *id,
                     const char *key_path, const char *cert_path, int64_t now, struct derr *err)
{
    char province[32], kpath[1100], cpath[1100], dir[1100];
    struct directory d = {0};
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    char *kpem = NULL, *cpem = NULL;
    size_t klen = 0, clen = 0;
    int rc = -1;
    if (!(key = read_key(key_path))) {
        derr_set(err, DERR_INVALID, "bad_key",
                 "Không đọc được khóa bí mật TLS của nút (tệp PEM, không đặt mật khẩu).",
                 "tls-key");
        goto out;
    }
    if (!(cert = read_cert(cert_path))) {
        derr_set(err, DERR_INVALID, "bad_certificate",
                 "Không đọc được chứng thư TLS của nút (tệp PEM).", "tls-cert");
        goto out;
    }
    if (X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        derr_set(err, DERR_INVALID, "key_mismatch",
                 "Khóa bí mật không khớp với chứng thư TLS của nút.", "tls-key");
        goto out;
    }
    if (exchange_province(db, province) != STORE_ROW) {
        derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
        goto out;
    }
    if (directory_load(db, province, now, &d, NULL, NULL, err))
        goto out;
    const struct directory_node *n = NULL;
    for (size_t i = 0; i < d.nnodes && !n; i++)
        if (strcmp(d.nodes[i].id, id) == 0)
            n = &d.nodes[i];
    if (!n) {
        derr_set(err, DERR_INVALID, "unknown_node", "Danh bạ liên thông không có nút này.", "id");
        goto out;
    }
    /* The directory is the truth about which certificate a node presents:
     * another one would be refused by every peer. */
    if (X509_cmp(cert, n->cert) != 0) {
        derr_set(err, DERR_INVALID, "certificate_not_listed",
                 "Chứng thư TLS này không phải chứng thư danh bạ liên thông ghi cho nút này.",
                 "tls-cert");
        goto out;
    }
    if (!(kpem = pem_bytes(write_key, key, &klen)) ||
        !(cpem = pem_bytes(write_cert, cert, &clen)) ||
        path_of(kpath, sizeof kpath, data_dir, NODE_TLS_KEY_FILE) ||
        path_of(cpath, sizeof cpath, data_dir, NODE_TLS_CERT_FILE) ||
        path_of(dir, sizeof dir, data_dir, "exchange")) {
        derr_set(err, DERR_INTERNAL, "write_failed", "Không ghi được chứng thư TLS của nút.", "");
        goto out;
    }
    /* The key first: should the certificate's write then fail, the pair
     * does not match and serve refuses it, loudly, rather than serving the
     * old certificate with a new key unnoticed. */
    if ((mkdir(dir, 0750) != 0 && errno != EEXIST) ||
        write_with_mask(kpath, kpem, klen, 077) || write_with_mask(cpath, cpem, clen, 022)) {
        derr_set(err, DERR_INTERNAL, "write_failed", "Không ghi được chứng thư TLS của nút.", "");
        goto out;
    }
    rc = 0;
out:
    if (kpem)
        OPENSSL_cleanse(kpem, klen);
    free(kpem);
    free(cpem);
    EVP_PKEY_free(key);
    X509_free(cert);
    directory_free(&d);
    return rc;
}

int node_tls_client_init(struct node_tls_client *t, const char *data_dir,
                         const struct directory_node *peer)
{
    memset(t, 0, sizeof *t);
    if (strncmp(peer->address, "https://", 8) != 0)
        return 0;
    if (!X509_up_ref(peer->cert))
        return -1;
    t->peer = peer->cert;
    /* Without an identity installed the call goes without a client
     * certificate: the peer refuses it at the handshake, and the error
     * says so. */
    if (path_of(t->key, sizeof t->key, data_dir, NODE_TLS_KEY_FILE) ||
        path_of(t->cert, sizeof t->cert, data_dir, NODE_TLS_CERT_FILE) ||
        access(t->key, R_OK) != 0 || access(t->cert, R_OK) != 0)
        t->key[0] = t->cert[0] = '\0';
    return 0;
}

void node_tls_client_apply(const struct node_tls_client *t, struct fetch_request *r)
{
    if (!t->peer)
        return;
    r->pinned_peer = t->peer;
    if (t->key[0] && t->cert[0]) {
        r->client_key = t->key;
        r->client_cert = t->cert;
    }
}

void node_tls_client_free(struct node_tls_client *t)
{
    X509_free(t->peer);
    memset(t, 0, sizeof *t);
}

/* Any chain at the handshake: the peer's certificate is compared with the
 * directory's afterwards, which a CA chain could not say. */
static int accept_any(int ok, X509_STORE_CTX *ctx) { return 1; }

SSL_CTX *node_tls_server_ctx(const char *data_dir, char *why, size_t whylen)
{
    char kpath[1100], cpath[1100];
    SSL_CTX *ctx = NULL;
    why[0] = '\0';
    if (path_of(kpath, sizeof kpath, data_dir, NODE_TLS_KEY_FILE) ||
        path_of(cpath, sizeof cpath, data_dir, NODE_TLS_CERT_FILE)) {
        snprintf(why, whylen, "data directory path too long");
        return NULL;
    }
    if (!(ctx = SSL_CTX_new(TLS_server_method())) ||
        !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        SSL_CTX_use_certificate_chain_file(ctx, cpath) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, kpath, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        const char *reason = ERR_reason_error_string(ERR_peek_last_error());
        snprintf(why, whylen,
                 "this node's TLS identity (%s, %s) cannot be used: %s; install it with "
                 "motcua exchange node --tls-key --tls-cert",
                 kpath, cpath, reason ? reason : "unreadable");
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
    /* No session resumption: every connection shows its certificate in a
     * full handshake (a node opens one connection per message or call, so
     * little is lost), and no tickets are written after the handshake. */
    static const unsigned char sid[] = "motcua-node";
    SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    return ctx;
}

const struct directory_node *node_tls_peer(const struct directory *d, const unsigned char *der,
                                           size_t len, struct derr *err)
{
    const struct directory_node *n = der && len ? directory_node_for_cert(d, der, len) : NULL;
    if (!n)
        derr_set(err, DERR_FORBIDDEN, "unknown_node_certificate",
                 "Chứng thư TLS của nút gọi đến không có trong danh bạ liên thông: từ chối.", "");
    return n;
}

int node_tls_may_carry(const struct directory *d, const struct directory_node *peer,
                       const char *unit, struct derr *err)
{
    const struct directory_node *host = directory_node_for_unit(d, unit);
    if (peer->hub || host == peer)
        return 0;
    return derr_set(err, DERR_FORBIDDEN, "wrong_node",
                    "Nút gọi đến không phải nút của đơn vị gửi (và không phải nút trung chuyển).",
                    "");
}

/* tsa_server: the demo TSA: its identity (files, or a self-signed
 * certificate made at start) and its answers, one TS_RESP_CTX per request
 * (the context holds the request being answered, so it cannot be shared
 * between threads). */
#include "sign/tsa_server.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/derr.h"
#include "base/log.h"
#include "base/util.h"
#include "sign/keys.h"
#include "sign/signer.h"
#include "sign/tsa.h"

struct tsa_server {
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(X509) * chain; /* may be NULL */
    ASN1_OBJECT *policy;
    X509_STORE *trust; /* cert itself, for the in-process check */
};

void tsa_server_free(struct tsa_server *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    sk_X509_pop_free(s->chain, X509_free);
    ASN1_OBJECT_free(s->policy);
    X509_STORE_free(s->trust);
    free(s);
}

int tsa_server_new(EVP_PKEY *key, X509 *cert, STACK_OF(X509) * chain, struct tsa_server **out,
                   char *err, size_t errlen)
{
    struct tsa_server *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        goto oom;
    if (X509_check_private_key(cert, key) != 1) {
        snprintf(err, errlen, "the TSA's key does not match its certificate");
        goto fail;
    }
    /* What TS_RESP_CTX_set_signer_cert and every verifier demand. */
    if (X509_check_purpose(cert, X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
        snprintf(err, errlen,
                 "the TSA's certificate is not for time stamping (it needs "
                 "extendedKeyUsage timeStamping, critical, and nothing else)");
        goto fail;
    }
    if (!EVP_PKEY_up_ref(key))
        goto oom;
    s->key = key;
    if (!X509_up_ref(cert))
        goto oom;
    s->cert = cert;
    if (chain && !(s->chain = X509_chain_up_ref(chain)))
        goto oom;
    if (!(s->policy = OBJ_txt2obj(TSA_DEMO_POLICY, 1)))
        goto oom;
    /* The in-process check trusts this certificate itself, even when a CA
     * issued it (a partial chain ends at it). */
    if (!(s->trust = X509_STORE_new()) || X509_STORE_add_cert(s->trust, cert) != 1 ||
        X509_STORE_set_flags(s->trust, X509_V_FLAG_PARTIAL_CHAIN) != 1)
        goto oom;
    *out = s;
    ERR_clear_error();
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    tsa_server_free(s);
    ERR_clear_error();
    return -1;
}

/* --- the demo identity -------------------------------------------------- */

/* A random positive serial of 128 bits. Returns NULL on failure. */
static ASN1_INTEGER *random_serial128(void)
{
    unsigned char b[16];
    BIGNUM *bn = NULL;
    ASN1_INTEGER *serial = NULL;
    if (random_bytes(b, sizeof b) == 0) {
        b[15] |= 1; /* never zero */
        if ((bn = BN_bin2bn(b, sizeof b, NULL)))
            serial = BN_to_ASN1_INTEGER(bn, NULL);
    }
    BN_free(bn);
    return serial;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    int ok = e && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

/* A new P-256 key and a self-signed time-stamping certificate for it. */
static int self_signed(EVP_PKEY **key_out, X509 **cert_out, char *err, size_t errlen)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    ASN1_INTEGER *serial = random_serial128();
    int rc = -1;
    if (!key || !x || !name || !serial || !X509_set_version(x, X509_VERSION_3) ||
        !X509_set_serialNumber(x, serial) ||
        /* An hour back: a verifier whose clock lags a little still accepts it. */
        !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600) || !X509_set_pubkey(x, key) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    (const unsigned char *)"motcua demo TSA", -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                    (const unsigned char *)"motcua demo (not trusted)", -1, -1,
                                    0) ||
        !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name))
        goto out;
    /* RFC 3161 section 2.3: the only extended key usage, critical. No
     * keyUsage beyond digitalSignature, which a TSA certificate may not
     * exceed. */
    if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
        add_ext(x, NID_key_usage, "critical,digitalSignature") ||
        add_ext(x, NID_ext_key_usage, "critical,timeStamping") ||
        add_ext(x, NID_subject_key_identifier, "hash") ||
        add_ext(x, NID_authority_key_identifier, "keyid:always") ||
        X509_sign(x, key, EVP_sha256()) <= 0)
        goto out;
    *key_out = key;
    *cert_out = x;
    key = NULL;
    x = NULL;
    rc = 0;
out:
    if (rc)
        snprintf(err, errlen, "cannot make the demo TSA's certificate");
    EVP_PKEY_free(key);
    X509_free(x);
    X509_NAME_free(name);
    ASN1_INTEGER_free(serial);
    ERR_clear_error();
    return rc;
}

/* The key and certificates of PEM files. */
static int read_files(const char *key_file, const char *cert_file, EVP_PKEY **key_out,
                      X509 **cert_out, STACK_OF(X509) * *chain_out, char *err, size_t errlen)
{
    BIO *kb = BIO_new_file(key_file, "r"), *cb = NULL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL, *more;
    STACK_OF(X509) *chain = NULL;
    int rc = -1;
    if (!kb || !(key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL))) {
        snprintf(err, errlen, "cannot read an unencrypted private key from %s", key_file);
        goto out;
    }
    if (!(cb = BIO_new_file(cert_file, "r")) || !(cert = PEM_read_bio_X509(cb, NULL, NULL, NULL))) {
        snprintf(err, errlen, "cannot read a certificate from %s", cert_file);
        goto out;
    }
    while ((more = PEM_read_bio_X509(cb, NULL, NULL, NULL))) {
        if ((!chain && !(chain = sk_X509_new_null())) || !sk_X509_push(chain, more)) {
            X509_free(more);
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    *key_out = key;
    *cert_out = cert;
    *chain_out = chain;
    key = NULL;
    cert = NULL;
    chain = NULL;
    rc = 0;
out:
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    BIO_free(kb);
    BIO_free(cb);
    ERR_clear_error();
    return rc;
}

int tsa_server_open_demo(const char *key_file, const char *cert_file, struct tsa_server **out,
                         int *generated, char *err, size_t errlen)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *chain = NULL;
    int rc;
    *out = NULL;
    *generated = 0;
    if (!key_file != !cert_file) {
        snprintf(err, errlen, "the demo TSA needs both a key file and a certificate file");
        return -1;
    }
    if (key_file)
        rc = read_files(key_file, cert_file, &key, &cert, &chain, err, errlen);
    else
        rc = self_signed(&key, &cert, err, errlen);
    if (rc == 0)
        rc = tsa_server_new(key, cert, chain, out, err, errlen);
    if (rc == 0 && !key_file)
        *generated = 1;
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

int tsa_server_from_keys(struct store *db, const char *data_dir, struct tsa_server **out,
                         char *err, size_t errlen)
{
    struct signer *s = NULL;
    struct derr derr = {0};
    *out = NULL;
    if (keys_platform_signer(db, data_dir, KEYS_TSA, now_unix(), &s, &derr)) {
        derr_clear(&derr);
        return 0;
    }
    int rc = tsa_server_new(s->key, s->cert, s->chain, out, err, errlen);
    signer_free(s);
    return rc ? -1 : 1;
}

X509 *tsa_server_cert(const struct tsa_server *s) { return s->cert; }

void tsa_server_describe(const struct tsa_server *s, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char fp[3 * EVP_MAX_MD_SIZE + 1] = "", subject[256] = "";
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long len;
    if (b &&
        X509_NAME_print_ex(b, X509_get_subject_name(s->cert), 0,
                           XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
        (len = BIO_get_mem_data(b, &p)) > 0)
        snprintf(subject, sizeof subject, "%.*s", len > 255 ? 255 : (int)len, p);
    BIO_free(b);
    if (X509_digest(s->cert, EVP_sha256(), md, &n) == 1)
        for (unsigned int i = 0; i < n; i++) /* "AB", then ":CD" after it */
            snprintf(fp + (i ? 3 * i - 1 : 0), sizeof fp - (i ? 3 * i - 1 : 0), "%s%02X",
                     i ? ":" : "", md[i]);
    snprintf(out, cap, "%s; SHA-256 %s", subject, fp);
}

/* --- answers ------------------------------------------------------------ */

/* TS_serial_cb: a random 128-bit serial, so that no counter needs to be
 * kept (two servers or a restart never repeat one in practice). */
static ASN1_INTEGER *serial_cb(TS_RESP_CTX *ctx, void *data)
{
    ASN1_INTEGER *serial = random_serial128();
    if (!serial) {
        TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION,
                                    "Error during serial number generation.");
        TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
    }
    return serial;
}

static TS_RESP_CTX *context(struct tsa_server *s)
{
    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    if (!ctx || !TS_RESP_CTX_set_signer_cert(ctx, s->cert) ||
        !TS_RESP_CTX_set_signer_key(ctx, s->key) ||
        !TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) ||
        /* ESSCertIDv2 with SHA-256 (RFC 5816), not SHA-1. */
        !TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) ||
        !TS_RESP_CTX_set_def_policy(ctx, s->policy) ||
        (s->chain && !TS_RESP_CTX_set_certs(ctx, s->chain)) ||
        !TS_RESP_CTX_add_md(ctx, EVP_sha256()) || !TS_RESP_CTX_add_md(ctx, EVP_sha384()) ||
        !TS_RESP_CTX_add_md(ctx, EVP_sha512()) || !TS_RESP_CTX_set_accuracy(ctx, 1, 0, 0)) {
        TS_RESP_CTX_free(ctx);
        return NULL;
    }
    /* The TSA's name in the TSTInfo; ordering stays false (RFC 3161: only
     * a TSA that orders all its tokens may say true). */
    TS_RESP_CTX_add_flags(ctx, TS_TSA_NAME);
    TS_RESP_CTX_set_serial_cb(ctx, serial_cb, NULL);
    return ctx;
}

int tsa_server_respond(struct tsa_server *s, const unsigned char *req, size_t len,
                       unsigned char **resp, size_t *resp_len)
{
    const unsigned char *p = req;
    TS_REQ *parsed = len <= LONG_MAX ? d2i_TS_REQ(NULL, &p, (long)len) : NULL;
    TS_RESP_CTX *ctx = context(s);
    TS_RESP *rs = NULL;
    unsigned char *buf = NULL, *q;
    int n, rc = -1;
    *resp = NULL;
    /* Exactly one request and nothing after it. For anything else the
     * context is handed an empty input: it answers that the way RFC 3161
     * says (rejection, badDataFormat). */
    int whole = parsed && p == req + len && len <= INT_MAX;
    BIO *in = BIO_new_mem_buf(whole ? req : (const unsigned char *)"", whole ? (int)len : 0);
    if (!ctx || !in || !(rs = TS_RESP_create_response(ctx, in)))
        goto out;
    if ((n = i2d_TS_RESP(rs, NULL)) <= 0 || !(buf = malloc((size_t)n)))
        goto out;
    q = buf;
    if (i2d_TS_RESP(rs, &q) != n)
        goto out;
    *resp = buf;
    *resp_len = (size_t)n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    TS_RESP_free(rs);
    BIO_free(in);
    TS_RESP_CTX_free(ctx);
    TS_REQ_free(parsed);
    ERR_clear_error();
    return rc;
}

int tsa_server_timestamp_cb(void *ctx, const unsigned char *sig_value, size_t len,
                            unsigned char **token, size_t *token_len)
{
    struct tsa_server *s = ctx;
    unsigned char hash[TSA_HASH_LEN], *req = NULL, *resp = NULL;
    size_t req_len = 0, resp_len = 0;
    char err[400];
    int rc = -1;
    *token = NULL;
    sha256(sig_value, len, hash);
    if (tsa_request_new(hash, &req, &req_len, err, sizeof err))
        goto out;
    if (tsa_server_respond(s, req, req_len, &resp, &resp_len)) {
        snprintf(err, sizeof err, "the demo TSA could not answer (out of memory)");
        goto out;
    }
    if (tsa_response_check(req, req_len, resp, resp_len, s->trust, token, token_len, err,
                           sizeof err))
        goto out;
    rc = 0;
out:
    if (rc)
        log_warn("timestamp for a signature (demo TSA): %s", err);
    free(req);
    free(resp);
    return rc;
}

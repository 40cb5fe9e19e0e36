/* The TSA client's request and its checks of an answer (sign/tsa.c), and
 * the demo TSA's answers (sign/tsa_server.c). Answers are made here with
 * OpenSSL's TS_RESP_CTX directly, by a TSA identity this file makes itself,
 * so that a wrong imprint, nonce, status or signer is put there on purpose.
 * (The API tests check both against the openssl CLI: tests/api/tsa.test.mjs.) */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sign/tsa.h"
#include "sign/tsa_server.h"

/* SHA-256("abc"), FIPS 180-2 appendix B.1. */
static const unsigned char ABC_SHA256[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
/* Another digest: the same bytes reversed. */
static unsigned char OTHER_HASH[32];

/* 2025-01-01T00:00:00Z: 2024-01-01T00:00:00Z (1704067200) plus the 366
 * days of 2024, a leap year. */
#define FIXED_TIME 1735689600L
#define TEST_POLICY "1.2.3.4.5"

/* --- a TSA identity made here -------------------------------------------- */

struct ident {
    EVP_PKEY *key;
    X509 *cert;
};

static void ident_free(struct ident *id)
{
    EVP_PKEY_free(id->key);
    X509_free(id->cert);
}

/* A P-256 key and a self-signed certificate named cn, with extendedKeyUsage
 * timeStamping (critical) when for_tsa. Returns 0 or -1. */
static int ident_make(const char *cn, int for_tsa, struct ident *id)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext = NULL;
    id->key = EVP_EC_gen("P-256");
    id->cert = X509_new();
    if (!id->key || !id->cert)
        return -1;
    X509 *x = id->cert;
    X509_NAME *n = X509_get_subject_name(x);
    if (!X509_set_version(x, X509_VERSION_3) || !ASN1_INTEGER_set(X509_get_serialNumber(x), 7) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_set_pubkey(x, id->key) ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) ||
        !X509_set_issuer_name(x, n))
        return -1;
    if (for_tsa) {
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        ext = X509V3_EXT_nconf_nid(NULL, &v3, NID_ext_key_usage, "critical,timeStamping");
        if (!ext || !X509_add_ext(x, ext, -1)) {
            X509_EXTENSION_free(ext);
            return -1;
        }
        X509_EXTENSION_free(ext);
    }
    return X509_sign(x, id->key, EVP_sha256()) > 0 ? 0 : -1;
}

static X509_STORE *store_of(X509 *cert)
{
    X509_STORE *st = X509_STORE_new();
    if (st && X509_STORE_add_cert(st, cert) != 1) {
        X509_STORE_free(st);
        return NULL;
    }
    return st;
}

static struct ident tsa, stranger;

/* --- answers made with TS_RESP_CTX --------------------------------------- */

static ASN1_INTEGER *serial_42(TS_RESP_CTX *ctx, void *data)
{
    ASN1_INTEGER *s = ASN1_INTEGER_new();
    if (s)
        ASN1_INTEGER_set(s, 42);
    return s;
}

static int fixed_time(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
    *sec = FIXED_TIME;
    *usec = 0;
    return 1;
}

/* A DER TimeStampResp from signer to req, accepting only the hash md.
 * Caller frees with free(). NULL on failure. */
static unsigned char *respond(const struct ident *signer, const EVP_MD *md,
                              const unsigned char *req, size_t len, size_t *out_len)
{
    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    ASN1_OBJECT *policy = OBJ_txt2obj(TEST_POLICY, 1);
    BIO *in = BIO_new_mem_buf(req, (int)len);
    TS_RESP *r = NULL;
    unsigned char *out = NULL, *p;
    int n;
    if (!ctx || !policy || !in || !TS_RESP_CTX_set_signer_cert(ctx, signer->cert) ||
        !TS_RESP_CTX_set_signer_key(ctx, signer->key) ||
        !TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) ||
        !TS_RESP_CTX_set_def_policy(ctx, policy) || !TS_RESP_CTX_add_md(ctx, md))
        goto out;
    TS_RESP_CTX_add_flags(ctx, TS_TSA_NAME);
    TS_RESP_CTX_set_serial_cb(ctx, serial_42, NULL);
    TS_RESP_CTX_set_time_cb(ctx, fixed_time, NULL);
    if (!(r = TS_RESP_create_response(ctx, in)) || (n = i2d_TS_RESP(r, NULL)) <= 0 ||
        !(out = malloc((size_t)n)))
        goto out;
    p = out;
    i2d_TS_RESP(r, &p);
    *out_len = (size_t)n;
out:
    TS_RESP_free(r);
    BIO_free(in);
    ASN1_OBJECT_free(policy);
    TS_RESP_CTX_free(ctx);
    return out;
}

static TS_REQ *req_parse(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)len);
    if (r && p != der + len) {
        TS_REQ_free(r);
        return NULL;
    }
    return r;
}

static unsigned char *req_der(TS_REQ *r, size_t *len)
{
    int n = i2d_TS_REQ(r, NULL);
    unsigned char *out = n > 0 ? malloc((size_t)n) : NULL, *p = out;
    if (out) {
        i2d_TS_REQ(r, &p);
        *len = (size_t)n;
    }
    return out;
}

/* A request like der but whose imprint is hash (the nonce kept). */
static unsigned char *with_imprint(const unsigned char *der, size_t len, const unsigned char *hash,
                                   size_t *out_len)
{
    TS_REQ *r = req_parse(der, len);
    unsigned char *out = NULL;
    if (r && TS_MSG_IMPRINT_set_msg(TS_REQ_get_msg_imprint(r), (unsigned char *)hash, 32))
        out = req_der(r, out_len);
    TS_REQ_free(r);
    return out;
}

/* A request like der without its nonce: built anew with the same imprint. */
static unsigned char *without_nonce(const unsigned char *der, size_t len, size_t *out_len)
{
    TS_REQ *r = req_parse(der, len), *bare = TS_REQ_new();
    unsigned char *out = NULL;
    if (r && bare && TS_REQ_set_version(bare, 1) &&
        TS_REQ_set_msg_imprint(bare, TS_REQ_get_msg_imprint(r)) && TS_REQ_set_cert_req(bare, 1))
        out = req_der(bare, out_len);
    TS_REQ_free(r);
    TS_REQ_free(bare);
    return out;
}

static int contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* --- the request ---------------------------------------------------------- */

TEST(request_has_imprint_nonce_and_cert_req)
{
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    char err[200];
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &a, &alen, err, sizeof err), 0);
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &b, &blen, err, sizeof err), 0);
    TS_REQ *ra = a ? req_parse(a, alen) : NULL, *rb = b ? req_parse(b, blen) : NULL;
    CHECK(ra && rb);
    if (ra && rb) {
        CHECK_EQ_INT(TS_REQ_get_version(ra), 1);
        TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(ra);
        const ASN1_OBJECT *alg;
        X509_ALGOR_get0(&alg, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
        CHECK_EQ_INT(OBJ_obj2nid(alg), NID_sha256);
        ASN1_OCTET_STRING *d = TS_MSG_IMPRINT_get_msg(mi);
        CHECK_EQ_INT(ASN1_STRING_length(d), 32);
        CHECK(memcmp(ASN1_STRING_get0_data(d), ABC_SHA256, 32) == 0);
        CHECK_EQ_INT(TS_REQ_get_cert_req(ra), 1);
        CHECK(TS_REQ_get_policy_id(ra) == NULL);
        CHECK_EQ_INT(TS_REQ_get_ext_count(ra), 0);
        const ASN1_INTEGER *na = TS_REQ_get_nonce(ra), *nb = TS_REQ_get_nonce(rb);
        CHECK(na && nb);
        /* Random: two requests over the same data differ by their nonce. */
        CHECK(na && nb && ASN1_INTEGER_cmp(na, nb) != 0);
        CHECK(na && ASN1_INTEGER_get(na) != 0);
    }
    TS_REQ_free(ra);
    TS_REQ_free(rb);
    free(a);
    free(b);
}

/* --- the checks of an answer ------------------------------------------- */

TEST(granted_answer_gives_the_token)
{
    unsigned char *req = NULL, *resp = NULL, *token = NULL;
    size_t req_len = 0, resp_len = 0, token_len = 0;
    char err[300] = "";
    X509_STORE *trust = store_of(tsa.cert);
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    resp = req ? respond(&tsa, EVP_sha256(), req, req_len, &resp_len) : NULL;
    CHECK(resp != NULL);
    if (resp) {
        int rc = tsa_response_check(req, req_len, resp, resp_len, trust, &token, &token_len, err,
                                    sizeof err);
        CHECK_EQ_INT(rc, 0);
        if (rc)
            printf("  %s\n", err);
    }
    struct tsa_token_info info;
    if (token) {
        CHECK_EQ_INT(tsa_token_info(token, token_len, &info, err, sizeof err), 0);
        CHECK_EQ_INT(info.gen_time, FIXED_TIME);
        CHECK_EQ_STR(info.gen_time_text, "2025-01-01T00:00:00Z");
        CHECK_EQ_STR(info.serial, "2A");
        CHECK_EQ_STR(info.policy, TEST_POLICY);
        CHECK_EQ_STR(info.hash_name, "SHA256");
        CHECK_EQ_INT(info.imprint_len, 32);
        CHECK(memcmp(info.imprint, ABC_SHA256, 32) == 0);
        CHECK_EQ_STR(info.tsa_name, "CN=unit test TSA");
        /* The token is the ContentInfo: it verifies on its own. */
        CHECK_EQ_INT(tsa_token_verify(token, token_len, ABC_SHA256, trust, err, sizeof err), 0);
    }
    free(token);
    token = NULL;
    /* Without a trust store the signature is not checked, the rest is. */
    if (resp)
        CHECK_EQ_INT(tsa_response_check(req, req_len, resp, resp_len, NULL, &token, &token_len, err,
                                        sizeof err),
                     0);
    free(token);
    free(req);
    free(resp);
    X509_STORE_free(trust);
}

TEST(token_for_another_imprint_is_refused)
{
    unsigned char *req = NULL, *other = NULL, *resp = NULL, *token = NULL;
    size_t req_len = 0, other_len = 0, resp_len = 0, token_len = 0;
    char err[300] = "";
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    /* Same nonce, other data: only the imprint tells. */
    other = req ? with_imprint(req, req_len, OTHER_HASH, &other_len) : NULL;
    resp = other ? respond(&tsa, EVP_sha256(), other, other_len, &resp_len) : NULL;
    CHECK(resp != NULL);
    if (resp) {
        CHECK_EQ_INT(tsa_response_check(req, req_len, resp, resp_len, NULL, &token, &token_len, err,
                                        sizeof err),
                     -1);
        CHECK(contains(err, "imprint differs"));
        CHECK(token == NULL);
    }
    free(req);
    free(other);
    free(resp);
}

TEST(token_for_another_nonce_is_refused)
{
    unsigned char *req = NULL, *again = NULL, *bare = NULL, *resp = NULL, *token = NULL;
    size_t req_len = 0, again_len = 0, bare_len = 0, resp_len = 0, token_len = 0;
    char err[300] = "";
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    /* The same data asked again: a token for that request is a replay here. */
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &again, &again_len, err, sizeof err), 0);
    resp = again ? respond(&tsa, EVP_sha256(), again, again_len, &resp_len) : NULL;
    CHECK(resp != NULL);
    if (resp) {
        CHECK_EQ_INT(tsa_response_check(req, req_len, resp, resp_len, NULL, &token, &token_len, err,
                                        sizeof err),
                     -1);
        CHECK(contains(err, "nonce differs"));
        CHECK(token == NULL);
    }
    free(resp);
    /* A TSA that drops the nonce. */
    bare = req ? without_nonce(req, req_len, &bare_len) : NULL;
    resp = bare ? respond(&tsa, EVP_sha256(), bare, bare_len, &resp_len) : NULL;
    CHECK(resp != NULL);
    if (resp) {
        CHECK_EQ_INT(tsa_response_check(req, req_len, resp, resp_len, NULL, &token, &token_len, err,
                                        sizeof err),
                     -1);
        CHECK(contains(err, "nonce differs"));
    }
    free(req);
    free(again);
    free(bare);
    free(resp);
}

TEST(refusal_is_reported_with_status_and_failure_info)
{
    unsigned char *req = NULL, *resp = NULL, *token = NULL;
    size_t req_len = 0, resp_len = 0, token_len = 0;
    char err[300] = "";
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    /* A TSA that takes SHA-512 imprints only. */
    resp = req ? respond(&tsa, EVP_sha512(), req, req_len, &resp_len) : NULL;
    CHECK(resp != NULL);
    if (resp) {
        CHECK_EQ_INT(tsa_response_check(req, req_len, resp, resp_len, NULL, &token, &token_len, err,
                                        sizeof err),
                     -1);
        CHECK(contains(err, "refused the request: rejection (badAlg)"));
        CHECK(token == NULL);
    }
    free(req);
    free(resp);
}

TEST(garbage_and_trailing_bytes_are_refused)
{
    unsigned char *req = NULL, *resp = NULL, *token = NULL;
    size_t req_len = 0, resp_len = 0, token_len = 0;
    char err[300] = "";
    static const char html[] = "<html><body>502 Bad Gateway</body></html>";
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    CHECK_EQ_INT(tsa_response_check(req, req_len, (const unsigned char *)html, sizeof html - 1,
                                    NULL, &token, &token_len, err, sizeof err),
                 -1);
    CHECK(contains(err, "not a timestamp response"));
    CHECK_EQ_INT(tsa_response_check(req, req_len, (const unsigned char *)"", 0, NULL, &token,
                                    &token_len, err, sizeof err),
                 -1);
    CHECK(contains(err, "not a timestamp response"));
    resp = req ? respond(&tsa, EVP_sha256(), req, req_len, &resp_len) : NULL;
    CHECK(resp != NULL);
    if (resp) {
        unsigned char *longer = malloc(resp_len + 1);
        CHECK(longer != NULL);
        if (longer) {
            memcpy(longer, resp, resp_len);
            longer[resp_len] = 0;
            CHECK_EQ_INT(tsa_response_check(req, req_len, longer, resp_len + 1, NULL, &token,
                                            &token_len, err, sizeof err),
                         -1);
            CHECK(contains(err, "not a timestamp response"));
            /* Cut short. */
            CHECK_EQ_INT(tsa_response_check(req, req_len, longer, resp_len - 1, NULL, &token,
                                            &token_len, err, sizeof err),
                         -1);
            free(longer);
        }
    }
    CHECK(token == NULL);
    free(req);
    free(resp);
}

TEST(token_signed_by_another_key_is_refused)
{
    unsigned char *req = NULL, *resp = NULL, *token = NULL;
    size_t req_len = 0, resp_len = 0, token_len = 0;
    char err[300] = "";
    X509_STORE *trust = store_of(tsa.cert);
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    resp = req ? respond(&stranger, EVP_sha256(), req, req_len, &resp_len) : NULL;
    CHECK(resp != NULL);
    if (resp) {
        CHECK_EQ_INT(tsa_response_check(req, req_len, resp, resp_len, trust, &token, &token_len,
                                        err, sizeof err),
                     -1);
        CHECK(contains(err, "signature does not verify"));
        CHECK(token == NULL);
    }
    free(req);
    free(resp);
    X509_STORE_free(trust);
}

TEST(token_verify_checks_hash_and_signer)
{
    unsigned char *req = NULL, *resp = NULL, *token = NULL;
    size_t req_len = 0, resp_len = 0, token_len = 0;
    char err[300] = "";
    X509_STORE *trust = store_of(tsa.cert), *other = store_of(stranger.cert);
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    resp = req ? respond(&tsa, EVP_sha256(), req, req_len, &resp_len) : NULL;
    if (resp)
        CHECK_EQ_INT(tsa_response_check(req, req_len, resp, resp_len, NULL, &token, &token_len, err,
                                        sizeof err),
                     0);
    CHECK(token != NULL);
    if (token) {
        CHECK_EQ_INT(tsa_token_verify(token, token_len, ABC_SHA256, trust, err, sizeof err), 0);
        CHECK_EQ_INT(tsa_token_verify(token, token_len, OTHER_HASH, trust, err, sizeof err), -1);
        CHECK(contains(err, "imprint differs"));
        CHECK_EQ_INT(tsa_token_verify(token, token_len, ABC_SHA256, other, err, sizeof err), -1);
        CHECK(contains(err, "signature does not verify"));
        CHECK_EQ_INT(tsa_token_verify(token, token_len, ABC_SHA256, NULL, err, sizeof err), -1);
        CHECK(contains(err, "no trusted certificates"));
        /* One byte changed inside the signed content: the signature breaks. */
        unsigned char *bad = malloc(token_len);
        if (bad) {
            memcpy(bad, token, token_len);
            unsigned char *at = NULL;
            for (size_t i = 0; i + 32 <= token_len; i++)
                if (memcmp(bad + i, ABC_SHA256, 32) == 0)
                    at = bad + i;
            CHECK(at != NULL);
            if (at) {
                at[0] ^= 1;
                CHECK_EQ_INT(tsa_token_verify(bad, token_len, at, trust, err, sizeof err), -1);
                CHECK(contains(err, "signature does not verify"));
            }
            free(bad);
        }
    }
    CHECK_EQ_INT(
        tsa_token_verify((const unsigned char *)"junk", 4, ABC_SHA256, trust, err, sizeof err), -1);
    CHECK(contains(err, "not a timestamp token"));
    free(token);
    free(req);
    free(resp);
    X509_STORE_free(trust);
    X509_STORE_free(other);
}

/* --- the demo TSA ---------------------------------------------------------- */

/* The status and whether failure bit is set in a DER TimeStampResp; -1 if
 * it is not one. */
static long resp_status(const unsigned char *der, size_t len, int bit, int *has_bit)
{
    const unsigned char *p = der;
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)len);
    long st = -1;
    *has_bit = 0;
    if (r && p == der + len) {
        TS_STATUS_INFO *si = TS_RESP_get_status_info(r);
        const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
        st = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
        *has_bit = fi && ASN1_BIT_STRING_get_bit(fi, bit);
    }
    TS_RESP_free(r);
    return st;
}

TEST(demo_tsa_grants_with_its_policy_and_certificate)
{
    struct tsa_server *s = NULL;
    char err[300] = "";
    unsigned char *req = NULL, *resp = NULL;
    size_t req_len = 0, resp_len = 0;
    CHECK_EQ_INT(tsa_server_new(tsa.key, tsa.cert, NULL, &s, err, sizeof err), 0);
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    if (!s || !req)
        goto out;
    CHECK_EQ_INT(tsa_server_respond(s, req, req_len, &resp, &resp_len), 0);
    const unsigned char *p = resp;
    TS_RESP *r = resp ? d2i_TS_RESP(NULL, &p, (long)resp_len) : NULL;
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r))),
                     TS_STATUS_GRANTED);
        TS_TST_INFO *tst = TS_RESP_get_tst_info(r);
        char policy[64] = "";
        OBJ_obj2txt(policy, sizeof policy, TS_TST_INFO_get_policy_id(tst), 1);
        CHECK_EQ_STR(policy, "2.999.3161.1");
        TS_ACCURACY *acc = TS_TST_INFO_get_accuracy(tst);
        CHECK(acc && ASN1_INTEGER_get(TS_ACCURACY_get_seconds(acc)) == 1);
        CHECK_EQ_INT(TS_TST_INFO_get_ordering(tst), 0);
        CHECK(TS_TST_INFO_get_tsa(tst) != NULL);
        /* A 128-bit random serial takes 16 or 17 bytes (a leading zero). */
        const ASN1_INTEGER *serial = TS_TST_INFO_get_serial(tst);
        CHECK(serial && ASN1_STRING_length(serial) >= 9 && ASN1_STRING_length(serial) <= 17);
        /* certReq was true: the TSA's certificate travels in the token. */
        PKCS7 *tok = TS_RESP_get_token(r);
        STACK_OF(X509) *certs = tok ? tok->d.sign->cert : NULL;
        CHECK(certs && sk_X509_num(certs) == 1 && X509_cmp(sk_X509_value(certs, 0), tsa.cert) == 0);
        TS_RESP_free(r);
    }
    unsigned char *token = NULL;
    size_t token_len = 0;
    X509_STORE *trust = store_of(tsa.cert);
    CHECK_EQ_INT(tsa_response_check(req, req_len, resp, resp_len, trust, &token, &token_len, err,
                                    sizeof err),
                 0);
    free(token);
    X509_STORE_free(trust);
out:
    free(req);
    free(resp);
    tsa_server_free(s);
}

TEST(demo_tsa_rejects_malformed_requests)
{
    struct tsa_server *s = NULL;
    char err[300] = "";
    unsigned char *req = NULL, *resp = NULL;
    size_t req_len = 0, resp_len = 0;
    int bit;
    CHECK_EQ_INT(tsa_server_new(tsa.key, tsa.cert, NULL, &s, err, sizeof err), 0);
    CHECK_EQ_INT(tsa_request_new(ABC_SHA256, &req, &req_len, err, sizeof err), 0);
    if (!s || !req)
        goto out;
    static const char junk[] = "this is not DER";
    const struct {
        const unsigned char *data;
        size_t len;
    } cases[] = {
        {(const unsigned char *)"", 0},
        {(const unsigned char *)junk, sizeof junk - 1},
        {req, req_len - 1},                     /* cut short */
        {(const unsigned char *)"\x30\x80", 2}, /* indefinite length, nothing inside */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_EQ_INT(tsa_server_respond(s, cases[i].data, cases[i].len, &resp, &resp_len), 0);
        CHECK_EQ_INT(resp_status(resp, resp_len, TS_INFO_BAD_DATA_FORMAT, &bit),
                     TS_STATUS_REJECTION);
        CHECK(bit);
        free(resp);
        resp = NULL;
    }
    /* A whole request with a byte after it. */
    unsigned char *longer = malloc(req_len + 1);
    if (longer) {
        memcpy(longer, req, req_len);
        longer[req_len] = 0x00;
        CHECK_EQ_INT(tsa_server_respond(s, longer, req_len + 1, &resp, &resp_len), 0);
        CHECK_EQ_INT(resp_status(resp, resp_len, TS_INFO_BAD_DATA_FORMAT, &bit),
                     TS_STATUS_REJECTION);
        CHECK(bit);
        free(resp);
        resp = NULL;
        free(longer);
    }
    /* An imprint made with SHA-1: badAlg. */
    TS_REQ *r = req_parse(req, req_len);
    X509_ALGOR *sha1 = X509_ALGOR_new();
    if (r && sha1 && X509_ALGOR_set0(sha1, OBJ_nid2obj(NID_sha1), V_ASN1_NULL, NULL) &&
        TS_MSG_IMPRINT_set_algo(TS_REQ_get_msg_imprint(r), sha1) &&
        TS_MSG_IMPRINT_set_msg(TS_REQ_get_msg_imprint(r), (unsigned char *)ABC_SHA256, 20)) {
        size_t len = 0;
        unsigned char *der = req_der(r, &len);
        CHECK_EQ_INT(tsa_server_respond(s, der, len, &resp, &resp_len), 0);
        CHECK_EQ_INT(resp_status(resp, resp_len, TS_INFO_BAD_ALG, &bit), TS_STATUS_REJECTION);
        CHECK(bit);
        free(der);
        free(resp);
        resp = NULL;
    } else {
        CHECK(!"cannot build the SHA-1 request");
    }
    X509_ALGOR_free(sha1);
    TS_REQ_free(r);
out:
    free(req);
    tsa_server_free(s);
}

TEST(demo_tsa_in_process_callback_gives_a_verifiable_token)
{
    struct tsa_server *s = NULL;
    char err[300] = "";
    unsigned char *token = NULL;
    size_t token_len = 0;
    CHECK_EQ_INT(tsa_server_new(tsa.key, tsa.cert, NULL, &s, err, sizeof err), 0);
    if (!s)
        return;
    CHECK_EQ_INT(tsa_server_timestamp_cb(s, (const unsigned char *)"abc", 3, &token, &token_len),
                 0);
    X509_STORE *trust = store_of(tsa.cert);
    if (token)
        CHECK_EQ_INT(tsa_token_verify(token, token_len, ABC_SHA256, trust, err, sizeof err), 0);
    X509_STORE_free(trust);
    free(token);
    tsa_server_free(s);
}

TEST(demo_tsa_identity_checks)
{
    struct tsa_server *s = NULL;
    char err[300] = "";
    int generated = -1;
    /* A certificate without extendedKeyUsage timeStamping cannot stamp. */
    struct ident plain = {0};
    CHECK_EQ_INT(ident_make("not a TSA", 0, &plain), 0);
    CHECK_EQ_INT(tsa_server_new(plain.key, plain.cert, NULL, &s, err, sizeof err), -1);
    CHECK(contains(err, "not for time stamping"));
    /* A key that is not the certificate's. */
    CHECK_EQ_INT(tsa_server_new(plain.key, tsa.cert, NULL, &s, err, sizeof err), -1);
    CHECK(contains(err, "does not match"));
    ident_free(&plain);
    CHECK_EQ_INT(tsa_server_open_demo("key.pem", NULL, &s, &generated, err, sizeof err), -1);
    CHECK(s == NULL);
    CHECK_EQ_INT(tsa_server_open_demo("/nonexistent/key.pem", "/nonexistent/cert.pem", &s,
                                      &generated, err, sizeof err),
                 -1);
    CHECK(contains(err, "/nonexistent/key.pem"));
    /* Generated: fit for time stamping, and said so. */
    CHECK_EQ_INT(tsa_server_open_demo(NULL, NULL, &s, &generated, err, sizeof err), 0);
    CHECK_EQ_INT(generated, 1);
    if (s) {
        X509 *c = tsa_server_cert(s);
        CHECK_EQ_INT(X509_check_purpose(c, X509_PURPOSE_TIMESTAMP_SIGN, 0), 1);
        int crit = -1;
        EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c, NID_ext_key_usage, &crit, NULL);
        CHECK_EQ_INT(crit, 1);
        CHECK(eku && sk_ASN1_OBJECT_num(eku) == 1 &&
              OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) == NID_time_stamp);
        EXTENDED_KEY_USAGE_free(eku);
        char about[512];
        tsa_server_describe(s, about, sizeof about);
        CHECK(contains(about, "CN=motcua demo TSA"));
        CHECK(contains(about, "SHA-256 "));
        tsa_server_free(s);
    }
}

TEST(config_takes_http_and_https_only)
{
    struct tsa_config c;
    char err[200];
    CHECK_EQ_INT(tsa_config_init(&c, "ftp://tsa.example/", NULL, err, sizeof err), -1);
    CHECK_EQ_INT(tsa_config_init(&c, "file:///etc/passwd", NULL, err, sizeof err), -1);
    CHECK_EQ_INT(tsa_config_init(&c, "not a url", NULL, err, sizeof err), -1);
    CHECK_EQ_INT(
        tsa_config_init(&c, "https://user:secret@tsa.example:8443/tsr", "u:p", err, sizeof err), 0);
    /* The label for messages leaves the password out. */
    CHECK_EQ_STR(c.label, "https://tsa.example:8443");
    CHECK_EQ_INT(c.timeout, 30);
    CHECK_EQ_INT(tsa_config_trust_file(&c, "/nonexistent.pem", err, sizeof err), -1);
    tsa_config_release(&c);
}

int main(void)
{
    for (int i = 0; i < 32; i++)
        OTHER_HASH[i] = ABC_SHA256[31 - i];
    if (ident_make("unit test TSA", 1, &tsa) || ident_make("stranger TSA", 1, &stranger)) {
        printf("cannot make the test identities\n");
        return 1;
    }
    RUN(request_has_imprint_nonce_and_cert_req);
    RUN(granted_answer_gives_the_token);
    RUN(token_for_another_imprint_is_refused);
    RUN(token_for_another_nonce_is_refused);
    RUN(refusal_is_reported_with_status_and_failure_info);
    RUN(garbage_and_trailing_bytes_are_refused);
    RUN(token_signed_by_another_key_is_refused);
    RUN(token_verify_checks_hash_and_signer);
    RUN(demo_tsa_grants_with_its_policy_and_certificate);
    RUN(demo_tsa_rejects_malformed_requests);
    RUN(demo_tsa_in_process_callback_gives_a_verifiable_token);
    RUN(demo_tsa_identity_checks);
    RUN(config_takes_http_and_https_only);
    ident_free(&tsa);
    ident_free(&stranger);
    return harness_done();
}

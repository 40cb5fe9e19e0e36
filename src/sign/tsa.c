/* tsa: asking a Time-Stamping Authority for a token over HTTP (RFC 3161
 * section 3.4) and checking that the token answers the request sent. */
#include "sign/tsa.h"

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/dynbuf.h"
#include "base/log.h"
#include "base/util.h"
#include "sign/http_fetch.h"

#define TSA_NONCE_BYTES 8

/* --- configuration ------------------------------------------------------ */

/* "scheme://host[:port]" of url into label, if its scheme is http or
 * https. Returns 0 or -1. */
static int url_label(const char *url, char *label, size_t cap)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = -1;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto out;
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        goto out;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    int n = snprintf(label, cap, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    rc = n < 0 || (size_t)n >= cap ? -1 : 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

int tsa_config_init(struct tsa_config *c, const char *url, const char *userpwd, char *err,
                    size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (copy_str(c->url, sizeof c->url, url) || url_label(url, c->label, sizeof c->label)) {
        snprintf(err, errlen, "the TSA address must be an http:// or https:// URL");
        return -1;
    }
    if (userpwd && copy_str(c->userpwd, sizeof c->userpwd, userpwd)) {
        snprintf(err, errlen, "the TSA's user and password are too long");
        return -1;
    }
    c->connect_timeout = 10;
    c->timeout = 30;
    c->max_response = 64 * 1024;
    /* Reference-counted: released by tsa_config_release. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot start libcurl");
        return -1;
    }
    return 0;
}

int tsa_config_trust_file(struct tsa_config *c, const char *pem_file, char *err, size_t errlen)
{
    X509_STORE *st = X509_STORE_new();
    if (!st || X509_STORE_load_file(st, pem_file) != 1) {
        X509_STORE_free(st);
        ERR_clear_error();
        snprintf(err, errlen, "cannot read trusted certificates from %s", pem_file);
        return -1;
    }
    X509_STORE_free(c->trust);
    c->trust = st;
    return 0;
}

void tsa_config_release(struct tsa_config *c)
{
    X509_STORE_free(c->trust);
    c->trust = NULL;
    curl_global_cleanup(); /* pairs with tsa_config_init */
}

/* --- small helpers ------------------------------------------------------ */

/* The reason OpenSSL gave last, with its detail ("Verify error:..."), in
 * out; clears the error queue. */
static void openssl_reason(char *out, size_t cap)
{
    unsigned long e, last = 0;
    const char *data = NULL, *last_data = NULL;
    int flags;
    out[0] = '\0';
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        last = e;
        if (data && *data && (flags & ERR_TXT_STRING))
            last_data = data;
        if (last_data)
            break; /* the detail is the most telling part */
    }
    if (last) {
        const char *why = ERR_reason_error_string(last);
        snprintf(out, cap, "%s%s%s", why ? why : "unknown error", last_data ? ": " : "",
                 last_data ? last_data : "");
    } else {
        snprintf(out, cap, "unknown error");
    }
    ERR_clear_error();
}

/* Text a TSA sent, for a message: at most cap-1 bytes, control characters
 * replaced, so a hostile answer cannot forge log lines. */
static void printable(const unsigned char *s, int n, char *out, size_t cap)
{
    size_t j = 0;
    for (int i = 0; i < n && j + 1 < cap; i++)
        out[j++] = s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
    out[j] = '\0';
}

/* The DER of p7 in memory from malloc (the caller frees with free()).
 * Returns 0 or -1. */
static int token_der(PKCS7 *p7, unsigned char **out, size_t *out_len)
{
    int n = i2d_PKCS7(p7, NULL);
    unsigned char *buf, *p;
    if (n <= 0 || !(buf = malloc((size_t)n)))
        return -1;
    p = buf;
    if (i2d_PKCS7(p7, &p) != n) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = (size_t)n;
    return 0;
}

/* A whole DER token: one ContentInfo, nothing after it, signed data. */
static PKCS7 *token_parse(const unsigned char *der, size_t len, char *err, size_t errlen)
{
    const unsigned char *p = der;
    PKCS7 *p7 = len <= LONG_MAX ? d2i_PKCS7(NULL, &p, (long)len) : NULL;
    if (!p7 || p != der + len || !PKCS7_type_is_signed(p7)) {
        PKCS7_free(p7);
        ERR_clear_error();
        snprintf(err, errlen, "not a timestamp token (a CMS SignedData ContentInfo)");
        return NULL;
    }
    return p7;
}

/* tst's imprint is SHA-256 over hash. Returns 0, or -1 saying what differs. */
static int check_imprint(TS_TST_INFO *tst, const unsigned char hash[TSA_HASH_LEN], char *err,
                         size_t errlen)
{
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    const ASN1_OBJECT *alg = NULL;
    ASN1_OCTET_STRING *digest = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
    if (mi)
        X509_ALGOR_get0(&alg, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
    if (!alg || OBJ_obj2nid(alg) != NID_sha256) {
        snprintf(err, errlen, "the timestamp token's imprint is not a SHA-256 hash");
        return -1;
    }
    if (!digest || ASN1_STRING_length(digest) != TSA_HASH_LEN ||
        memcmp(ASN1_STRING_get0_data(digest), hash, TSA_HASH_LEN) != 0) {
        snprintf(err, errlen, "the timestamp token is for other data (its imprint differs)");
        return -1;
    }
    return 0;
}

/* The token's signature, the ESS signing certificate and the signer's
 * chain up to a certificate of trust, for the purpose timeStamping.
 * Returns 0, or -1 with the reason. */
static int check_signature(PKCS7 *token, X509_STORE *trust, char *err, size_t errlen)
{
    TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
    char why[256];
    int rc = -1;
    if (!ctx) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Before OpenSSL 3.4 the context frees the store it is given. */
    X509_STORE_up_ref(trust);
    TS_VERIFY_CTX_set_store(ctx, trust);
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION);
    if (TS_RESP_verify_token(ctx, token) == 1) {
        rc = 0;
    } else {
        openssl_reason(why, sizeof why);
        snprintf(err, errlen, "the timestamp token's signature does not verify (%s)", why);
    }
    TS_VERIFY_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

/* --- the request -------------------------------------------------------- */

int tsa_request_new(const unsigned char hash[TSA_HASH_LEN], unsigned char **der, size_t *der_len,
                    char *err, size_t errlen)
{
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *nonce = NULL;
    BIGNUM *bn = NULL;
    unsigned char rnd[TSA_NONCE_BYTES], *buf = NULL, *p;
    int rc = -1, n;
    *der = NULL;
    if (!req || !mi || !alg || random_bytes(rnd, sizeof rnd))
        goto out;
    rnd[0] |= 0x01; /* never zero; 64 bits, positive as BN_bin2bn reads them */
    if (!(bn = BN_bin2bn(rnd, sizeof rnd, NULL)) || !(nonce = BN_to_ASN1_INTEGER(bn, NULL)))
        goto out;
    /* Parameters absent, as RFC 5754 asks for SHA-2 identifiers. */
    if (!X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_UNDEF, NULL) ||
        !TS_MSG_IMPRINT_set_algo(mi, alg) ||
        !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)hash, TSA_HASH_LEN) ||
        !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
        !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1))
        goto out;
    /* certReq: the token carries the TSA's certificate, so it can be
     * verified years later without asking the TSA. */
    if ((n = i2d_TS_REQ(req, NULL)) <= 0 || !(buf = malloc((size_t)n)))
        goto out;
    p = buf;
    if (i2d_TS_REQ(req, &p) != n)
        goto out;
    *der = buf;
    *der_len = (size_t)n;
    buf = NULL;
    rc = 0;
out:
    if (rc)
        snprintf(err, errlen, "cannot build the timestamp request");
    free(buf);
    BN_free(bn);
    ASN1_INTEGER_free(nonce);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
    ERR_clear_error();
    return rc;
}

/* --- the response ------------------------------------------------------- */

static const char *const status_names[] = {"granted",           "grantedWithMods",
                                           "rejection",         "waiting",
                                           "revocationWarning", "revocationNotification"};

static const struct {
    int bit;
    const char *name;
} failure_names[] = {
    {TS_INFO_BAD_ALG, "badAlg"},
    {TS_INFO_BAD_REQUEST, "badRequest"},
    {TS_INFO_BAD_DATA_FORMAT, "badDataFormat"},
    {TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable"},
    {TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy"},
    {TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension"},
    {TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable"},
    {TS_INFO_SYSTEM_FAILURE, "systemFailure"},
};

/* A refusal's status, failure info and text, as one message. */
static void describe_refusal(TS_STATUS_INFO *si, long status, char *err, size_t errlen)
{
    char fail[160] = "", text[200] = "";
    size_t n = 0;
    const ASN1_BIT_STRING *bits = TS_STATUS_INFO_get0_failure_info(si);
    const STACK_OF(ASN1_UTF8STRING) *texts = TS_STATUS_INFO_get0_text(si);
    for (size_t i = 0; bits && i < ARRAY_LEN(failure_names); i++) {
        if (!ASN1_BIT_STRING_get_bit(bits, failure_names[i].bit))
            continue;
        int k = snprintf(fail + n, sizeof fail - n, "%s%s", n ? ", " : "", failure_names[i].name);
        if (k < 0 || (size_t)k >= sizeof fail - n)
            break;
        n += (size_t)k;
    }
    if (texts && sk_ASN1_UTF8STRING_num(texts) > 0) {
        const ASN1_UTF8STRING *t = sk_ASN1_UTF8STRING_value(texts, 0);
        printable(ASN1_STRING_get0_data(t), ASN1_STRING_length(t), text, sizeof text);
    }
    snprintf(err, errlen, "the TSA refused the request: %s%s%s%s%s%s",
             status >= 0 && status < (long)ARRAY_LEN(status_names) ? status_names[status]
                                                                   : "unknown status",
             fail[0] ? " (" : "", fail, fail[0] ? ")" : "", text[0] ? ": " : "", text);
}

int tsa_response_check(const unsigned char *req, size_t req_len, const unsigned char *resp,
                       size_t resp_len, X509_STORE *trust, unsigned char **token, size_t *token_len,
                       char *err, size_t errlen)
{
    const unsigned char *p = req;
    TS_REQ *rq = NULL;
    TS_RESP *rs = NULL;
    int rc = -1;
    *token = NULL;
    if (req_len > LONG_MAX || resp_len > LONG_MAX || !(rq = d2i_TS_REQ(NULL, &p, (long)req_len))) {
        snprintf(err, errlen, "not a timestamp request");
        goto out;
    }
    p = resp;
    rs = d2i_TS_RESP(NULL, &p, (long)resp_len);
    if (!rs || p != resp + resp_len) {
        snprintf(err, errlen, "the TSA's answer is not a timestamp response (RFC 3161)");
        goto out;
    }
    TS_STATUS_INFO *si = TS_RESP_get_status_info(rs);
    long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
    if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
        describe_refusal(si, status, err, errlen);
        goto out;
    }
    PKCS7 *tok = TS_RESP_get_token(rs);
    TS_TST_INFO *tst = TS_RESP_get_tst_info(rs);
    if (!tok || !tst) {
        snprintf(err, errlen, "the TSA granted the request but sent no token");
        goto out;
    }
    if (TS_TST_INFO_get_version(tst) != 1) {
        snprintf(err, errlen, "the timestamp token has an unknown version");
        goto out;
    }
    ASN1_OCTET_STRING *sent = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(rq));
    if (!sent || ASN1_STRING_length(sent) != TSA_HASH_LEN ||
        check_imprint(tst, ASN1_STRING_get0_data(sent), err, errlen))
        goto out;
    /* The nonce shows the token was made for this request, not replayed
     * from an earlier one over the same data. */
    const ASN1_INTEGER *want = TS_REQ_get_nonce(rq), *got = TS_TST_INFO_get_nonce(tst);
    if (want && (!got || ASN1_INTEGER_cmp(want, got) != 0)) {
        snprintf(err, errlen, "the timestamp token answers another request (its nonce differs)");
        goto out;
    }
    if (trust && check_signature(tok, trust, err, errlen))
        goto out;
    if (token_der(tok, token, token_len)) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    TS_RESP_free(rs);
    TS_REQ_free(rq);
    ERR_clear_error();
    return rc;
}

/* --- HTTP --------------------------------------------------------------- */

/* POSTs the request to the TSA. OUT: *resp (free()), *resp_len. Returns 0,
 * or -1 with a reason in err. */
static int post(const struct tsa_config *c, const unsigned char *req, size_t req_len,
                unsigned char **resp, size_t *resp_len, char *err, size_t errlen)
{
    static const char *const headers[] = {"Content-Type: application/timestamp-query",
                                          "Accept: application/timestamp-reply", "Expect:"};
    const struct fetch_request r = {.url = c->url, .protocols = "http,https", .body = req,
                                    .body_len = req_len, .headers = headers,
                                    .nheaders = ARRAY_LEN(headers),
                                    .connect_timeout = c->connect_timeout, .timeout = c->timeout,
                                    .max_answer = c->max_response, .userpwd = c->userpwd};
    char why[CURL_ERROR_SIZE];
    long code;
    switch (fetch_http(&r, resp, resp_len, &code, why, sizeof why)) {
    case FETCH_OK:
        return 0;
    case FETCH_TOO_LARGE:
        snprintf(err, errlen, "the TSA at %s answered more than %zu bytes", c->label,
                 c->max_response);
        break;
    case FETCH_TIMEOUT:
        snprintf(err, errlen, "no answer from the TSA at %s within %ld s (%s)", c->label,
                 c->timeout, why);
        break;
    case FETCH_UNREACHABLE:
        snprintf(err, errlen, "cannot reach the TSA at %s: %s", c->label, why);
        break;
    case FETCH_STATUS:
        snprintf(err, errlen, "the TSA at %s answered HTTP %ld", c->label, code);
        break;
    case FETCH_EMPTY:
        snprintf(err, errlen, "the TSA at %s answered nothing", c->label);
        break;
    case FETCH_FAILED:
        snprintf(err, errlen, "cannot ask the TSA at %s: out of memory", c->label);
        break;
    }
    return -1;
}

int tsa_timestamp_hash(const struct tsa_config *c, const unsigned char hash[TSA_HASH_LEN],
                       unsigned char **token, size_t *token_len, char *err, size_t errlen)
{
    unsigned char *req = NULL, *resp = NULL;
    size_t req_len = 0, resp_len = 0;
    char why[400];
    int rc = -1;
    *token = NULL;
    if (tsa_request_new(hash, &req, &req_len, err, errlen) ||
        post(c, req, req_len, &resp, &resp_len, err, errlen))
        goto out;
    if (tsa_response_check(req, req_len, resp, resp_len, c->trust, token, token_len, why,
                           sizeof why)) {
        snprintf(err, errlen, "%s (TSA %s)", why, c->label);
        goto out;
    }
    rc = 0;
out:
    free(req);
    free(resp);
    return rc;
}

int tsa_timestamp(const struct tsa_config *c, const unsigned char *data, size_t len,
                  unsigned char **token, size_t *token_len, char *err, size_t errlen)
{
    unsigned char hash[TSA_HASH_LEN];
    sha256(data, len, hash);
    return tsa_timestamp_hash(c, hash, token, token_len, err, errlen);
}

int tsa_timestamp_cb(void *ctx, const unsigned char *sig_value, size_t len, unsigned char **token,
                     size_t *token_len)
{
    char err[512];
    if (tsa_timestamp(ctx, sig_value, len, token, token_len, err, sizeof err) == 0)
        return 0;
    log_warn("timestamp for a signature: %s", err);
    return -1;
}

/* --- reading a token ---------------------------------------------------- */

/* name as RFC 2253 text in UTF-8 into out ("" on failure). */
static void name_text(const X509_NAME *name, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;
    out[0] = '\0';
    if (b && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
        (n = BIO_get_mem_data(b, &p)) > 0)
        printable((const unsigned char *)p, n > INT_MAX ? INT_MAX : (int)n, out, cap);
    BIO_free(b);
}

int tsa_token_info(const unsigned char *token, size_t len, struct tsa_token_info *out, char *err,
                   size_t errlen)
{
    PKCS7 *p7 = token_parse(token, len, err, errlen);
    TS_TST_INFO *tst = NULL;
    BIGNUM *bn = NULL;
    char *hex = NULL;
    STACK_OF(X509) *signers = NULL;
    struct tm tm;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (!p7)
        return -1;
    if (!(tst = PKCS7_to_TS_TST_INFO(p7))) {
        snprintf(err, errlen, "the token holds no TSTInfo");
        goto out;
    }
    const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);
    if (!gt || !ASN1_TIME_to_tm(gt, &tm)) {
        snprintf(err, errlen, "the token's time cannot be read");
        goto out;
    }
    out->gen_time = (int64_t)timegm(&tm);
    strftime(out->gen_time_text, sizeof out->gen_time_text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if ((bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL)) && (hex = BN_bn2hex(bn)))
        snprintf(out->serial, sizeof out->serial, "%s", hex);
    ASN1_OBJECT *policy = TS_TST_INFO_get_policy_id(tst);
    if (policy)
        OBJ_obj2txt(out->policy, sizeof out->policy, policy, 1);
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    const ASN1_OBJECT *alg = NULL;
    X509_ALGOR_get0(&alg, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
    const char *sn = alg ? OBJ_nid2sn(OBJ_obj2nid(alg)) : NULL;
    snprintf(out->hash_name, sizeof out->hash_name, "%s", sn ? sn : "unknown");
    ASN1_OCTET_STRING *digest = TS_MSG_IMPRINT_get_msg(mi);
    if (digest && (size_t)ASN1_STRING_length(digest) <= sizeof out->imprint) {
        out->imprint_len = (size_t)ASN1_STRING_length(digest);
        memcpy(out->imprint, ASN1_STRING_get0_data(digest), out->imprint_len);
    }
    /* Who stamped: the name the TSA gives in the TSTInfo, else the subject
     * of the certificate that signed (when the token carries it). */
    GENERAL_NAME *tsa = TS_TST_INFO_get_tsa(tst);
    if (tsa && tsa->type == GEN_DIRNAME)
        name_text(tsa->d.directoryName, out->tsa_name, sizeof out->tsa_name);
    if (!out->tsa_name[0] && (signers = PKCS7_get0_signers(p7, NULL, 0)) &&
        sk_X509_num(signers) > 0)
        name_text(X509_get_subject_name(sk_X509_value(signers, 0)), out->tsa_name,
                  sizeof out->tsa_name);
    rc = 0;
out:
    sk_X509_free(signers);
    OPENSSL_free(hex);
    BN_free(bn);
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    ERR_clear_error();
    return rc;
}

int tsa_token_verify(const unsigned char *token, size_t len,
                     const unsigned char expected_hash[TSA_HASH_LEN], X509_STORE *trust, char *err,
                     size_t errlen)
{
    PKCS7 *p7;
    TS_TST_INFO *tst = NULL;
    int rc = -1;
    if (!trust) {
        snprintf(err, errlen, "no trusted certificates to verify the timestamp with");
        return -1;
    }
    if (!(p7 = token_parse(token, len, err, errlen)))
        return -1;
    if (!(tst = PKCS7_to_TS_TST_INFO(p7))) {
        snprintf(err, errlen, "the token holds no TSTInfo");
        goto out;
    }
    if (TS_TST_INFO_get_version(tst) != 1) {
        snprintf(err, errlen, "the timestamp token has an unknown version");
        goto out;
    }
    if (check_imprint(tst, expected_hash, err, errlen) || check_signature(p7, trust, err, errlen))
        goto out;
    rc = 0;
out:
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    ERR_clear_error();
    return rc;
}

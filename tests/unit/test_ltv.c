/* Tests for src/sign/ltv (PAdES B-LT): a CA made here with OpenSSL whose
 * signers name an OCSP responder and a CRL distribution point; the
 * answers come from a fetch callback that plays the responder and the CRL
 * server with OpenSSL's own OCSP and CRL code (and, for the libcurl
 * fetch, from a tiny HTTP server on a thread); a timestamp authority whose
 * certificate names the CRL too. What ltv_add wrote is read
 * back independently: the /DSS found as text and with OpenSSL, the /VRI
 * key recomputed from the /Contents hex, the embedded OCSP answer parsed
 * and its status read, the original bytes untouched. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "pdf_gen.h"
#include "sign/ltv.h"
#include "sign/pades.h"
#include "sign/pdf_read.h"
#include "sign/pdf_verify.h"
#include "sign/signer.h"

/* Under LeakSanitizer: fontconfig's caches (see test_receipt.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

#define DAY 86400L
#define OCSP_URL "http://ocsp.test.invalid/"
#define CRL_URL "http://crl.test.invalid/ca.crl"

static EVP_PKEY *root_key, *other_key;
static X509 *root, *other, *tsa_cert;
static EVP_PKEY *tsa_key;
static long next_serial = 100;

/* A certificate issued by the root (or self-signed when issuer is NULL),
 * valid from a year back for two; ca: a CA; aia / cdp: the extensions'
 * values, or NULL. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int ca,
                       const char *aia, const char *cdp)
{
    X509 *x = X509_new();
    time_t now = time(NULL), nb = now - 365 * DAY, na = now + 365 * DAY;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb);
    X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    const char *ext[][2] = {
        {"basicConstraints", ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
        {"keyUsage", ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"},
        {aia ? "authorityInfoAccess" : NULL, aia},
        {cdp ? "crlDistributionPoints" : NULL, cdp},
    };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        if (!ext[i][0])
            continue;
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, ext[i][0], ext[i][1]);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
    return x;
}

static struct signer *make_signer(const char *cn, const char *aia, const char *cdp)
{
    struct signer *s = calloc(1, sizeof *s);
    s->key = EVP_EC_gen("P-256");
    s->cert = make_cert(s->key, cn, root, root_key, 0, aia, cdp);
    s->chain = sk_X509_new_null();
    X509_up_ref(root);
    sk_X509_push(s->chain, root);
    snprintf(s->name, sizeof s->name, "%s", cn);
    return s;
}

/* ---- the responder and the CRL server, as a fetch callback ----------- */

struct server {
    int revoked;       /* the answers say the signer is revoked */
    int ocsp_down;     /* the responder does not answer */
    int crl_down;      /* nor the CRL server */
    int ocsp_bad_key;  /* the OCSP answer is signed by another key (a root of the
                          same name) */
    int crl_pem;       /* the CRL is served as PEM */
    int ocsp_calls, crl_calls;
    char last_ctype[64];
};

static unsigned char *dup_mem(const unsigned char *p, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);
    memcpy(d, p, n);
    return d;
}

static int answer_ocsp(struct server *sv, const unsigned char *body, size_t len,
                       unsigned char **out, size_t *outlen)
{
    const unsigned char *p = body;
    OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)len);
    if (!req || OCSP_request_onereq_count(req) != 1)
        return -1;
    OCSP_CERTID *id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    ASN1_TIME *now = X509_gmtime_adj(NULL, 0), *rev = X509_gmtime_adj(NULL, -DAY);
    OCSP_basic_add1_status(bs, id, sv->revoked ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD,
                           sv->revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
                           sv->revoked ? rev : NULL, now, NULL);
    OCSP_basic_sign(bs, sv->ocsp_bad_key ? other : root, sv->ocsp_bad_key ? other_key : root_key, EVP_sha256(), NULL, 0);
    OCSP_RESPONSE *r = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
    unsigned char *der = NULL;
    int n = i2d_OCSP_RESPONSE(r, &der);
    *out = dup_mem(der, (size_t)n);
    *outlen = (size_t)n;
    OPENSSL_free(der);
    OCSP_RESPONSE_free(r);
    OCSP_BASICRESP_free(bs);
    ASN1_TIME_free(now);
    ASN1_TIME_free(rev);
    OCSP_REQUEST_free(req);
    return 0;
}

/* The root's CRL; revoked: it lists serial. */
static X509_CRL *make_crl(long serial, int revoked)
{
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(root));
    ASN1_TIME *t = X509_gmtime_adj(NULL, 0), *nx = X509_gmtime_adj(NULL, DAY),
              *rev = X509_gmtime_adj(NULL, -DAY); /* revoked a day before anything signed */
    X509_CRL_set1_lastUpdate(crl, t);
    X509_CRL_set1_nextUpdate(crl, nx);
    if (revoked) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *sn = ASN1_INTEGER_new();
        ASN1_INTEGER_set(sn, serial);
        X509_REVOKED_set_serialNumber(r, sn);
        X509_REVOKED_set_revocationDate(r, rev);
        X509_CRL_add0_revoked(crl, r);
        ASN1_INTEGER_free(sn);
    }
    X509_CRL_sort(crl);
    X509_CRL_sign(crl, root_key, EVP_sha256());
    ASN1_TIME_free(t);
    ASN1_TIME_free(nx);
    ASN1_TIME_free(rev);
    return crl;
}

static long signer_serial;

static int fake_fetch(void *ctx, const char *url, const unsigned char *body, size_t body_len,
                      const char *content_type, unsigned char **answer, size_t *answer_len,
                      char *err, size_t errlen)
{
    struct server *sv = ctx;
    if (strcmp(url, OCSP_URL) == 0) {
        sv->ocsp_calls++;
        snprintf(sv->last_ctype, sizeof sv->last_ctype, "%s", content_type ? content_type : "");
        if (sv->ocsp_down || !body) {
            snprintf(err, errlen, "Connection refused");
            return -1;
        }
        return answer_ocsp(sv, body, body_len, answer, answer_len);
    }
    if (strcmp(url, CRL_URL) == 0) {
        sv->crl_calls++;
        if (sv->crl_down || body) {
            snprintf(err, errlen, "Connection refused");
            return -1;
        }
        X509_CRL *crl = make_crl(signer_serial, sv->revoked);
        if (sv->crl_pem) {
            BIO *b = BIO_new(BIO_s_mem());
            PEM_write_bio_X509_CRL(b, crl);
            char *p;
            long n = BIO_get_mem_data(b, &p);
            *answer = dup_mem((unsigned char *)p, (size_t)n);
            *answer_len = (size_t)n;
            BIO_free(b);
        } else {
            unsigned char *der = NULL;
            int n = i2d_X509_CRL(crl, &der);
            *answer = dup_mem(der, (size_t)n);
            *answer_len = (size_t)n;
            OPENSSL_free(der);
        }
        X509_CRL_free(crl);
        return 0;
    }
    snprintf(err, errlen, "no such host");
    return -1;
}

/* ---- a timestamp authority whose certificate names a CRL ------------- */

static int tsa_stamp(void *ctx, const unsigned char *v, size_t n, unsigned char **tok,
                     size_t *toklen)
{
    unsigned char h[32];
    EVP_Digest(v, n, h, NULL, EVP_sha256(), NULL);
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
    TS_MSG_IMPRINT_set_algo(mi, alg);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_set_msg(mi, h, sizeof h);
    TS_REQ_set_version(req, 1);
    TS_REQ_set_msg_imprint(req, mi);
    TS_REQ_set_cert_req(req, 1);
    BIO *rb = BIO_new(BIO_s_mem());
    i2d_TS_REQ_bio(rb, req);
    TS_RESP_CTX *rc = TS_RESP_CTX_new();
    ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
    TS_RESP_CTX_set_signer_cert(rc, tsa_cert);
    TS_RESP_CTX_set_signer_key(rc, tsa_key);
    TS_RESP_CTX_set_def_policy(rc, policy);
    TS_RESP_CTX_add_md(rc, EVP_sha256());
    TS_RESP_CTX_set_signer_digest(rc, EVP_sha256());
    TS_RESP *resp = TS_RESP_create_response(rc, rb);
    int rcode = -1;
    unsigned char *der = NULL;
    int len = resp ? i2d_PKCS7(TS_RESP_get_token(resp), &der) : -1;
    if (len > 0) {
        *tok = dup_mem(der, (size_t)len);
        *toklen = (size_t)len;
        rcode = 0;
    }
    OPENSSL_free(der);
    TS_RESP_free(resp);
    TS_RESP_CTX_free(rc);
    ASN1_OBJECT_free(policy);
    BIO_free(rb);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
    return rcode;
}

/* ---- reading the result back ------------------------------------------ */

static unsigned char *signed_doc(struct signer *s, size_t *len)
{
    size_t n = 0;
    unsigned char *pdf = gen_pdf_classic("", "", "", &n), *out = NULL;
    char err[256] = "";
    struct pades_options o = {.role = PADES_SEAL, .name = "Test"};
    if (pades_sign(pdf, n, s, &o, &out, len, err, sizeof err)) {
        printf("  sign: %s\n", err);
        abort();
    }
    free(pdf);
    return out;
}

/* The SHA-1 of the DER in the last /Contents of the file, found as text
 * (hex-decoded, the padding cut where the DER ends), upper-case hex. */
static void vri_key_of(const unsigned char *p, size_t n, char out[41])
{
    const unsigned char *hit = NULL, *q = p;
    while ((q = memmem(q, n - (size_t)(q - p), "/Contents <", 11))) {
        hit = q + 11;
        q += 11;
    }
    size_t hex = 0;
    while (hit[hex] != '>')
        hex++;
    unsigned char *der = malloc(hex / 2);
    for (size_t i = 0; i < hex / 2; i++) {
        unsigned v;
        sscanf((const char *)hit + 2 * i, "%2x", &v);
        der[i] = (unsigned char)v;
    }
    const unsigned char *dp = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &dp, (long)(hex / 2));
    unsigned char md[20];
    SHA1(der, (size_t)(dp - der), md);
    for (int i = 0; i < 20; i++)
        snprintf(out + 2 * i, 3, "%02X", md[i]);
    CMS_ContentInfo_free(cms);
    free(der);
}

/* The /DSS of the file, read with motcua's reader: the number of items
 * of its arrays, and the stream data of the first /OCSPs and /CRLs. */
struct dss {
    int found, certs, ocsps, crls, vri_has_key, vri_ocsp, vri_crl, vri_cert;
    unsigned char ocsp[8192], crl[8192];
    size_t ocsp_len, crl_len;
};

static int arr_n(const struct pdfr_obj *a)
{
    return a && a->type == PDFR_ARRAY ? (int)a->u.a.n : -1;
}

static void read_dss(const unsigned char *p, size_t n, const char *key, struct dss *d)
{
    struct pdfr *f = NULL;
    char err[200];
    memset(d, 0, sizeof *d);
    if (pdfr_open(p, n, &f, err, sizeof err))
        return;
    uint32_t cn;
    uint16_t cg;
    const struct pdfr_obj *cat = pdfr_catalog(f, &cn, &cg);
    const struct pdfr_obj *dss = pdfr_dict_res(f, cat, "DSS");
    if (dss && dss->type == PDFR_DICT) {
        d->found = 1;
        d->certs = arr_n(pdfr_dict_res(f, dss, "Certs"));
        const struct pdfr_obj *o = pdfr_dict_res(f, dss, "OCSPs");
        const struct pdfr_obj *c = pdfr_dict_res(f, dss, "CRLs");
        d->ocsps = arr_n(o);
        d->crls = arr_n(c);
        const struct pdfr_obj *s;
        if (d->ocsps > 0 && (s = pdfr_resolve(f, o->u.a.items[0])) && s->type == PDFR_STREAM &&
            s->u.stm.len <= sizeof d->ocsp) {
            memcpy(d->ocsp, s->u.stm.data, s->u.stm.len);
            d->ocsp_len = s->u.stm.len;
        }
        if (d->crls > 0 && (s = pdfr_resolve(f, c->u.a.items[0])) && s->type == PDFR_STREAM &&
            s->u.stm.len <= sizeof d->crl) {
            memcpy(d->crl, s->u.stm.data, s->u.stm.len);
            d->crl_len = s->u.stm.len;
        }
        const struct pdfr_obj *vri = pdfr_dict_res(f, dss, "VRI");
        const struct pdfr_obj *e = vri ? pdfr_dict_res(f, vri, key) : NULL;
        if (e && e->type == PDFR_DICT) {
            d->vri_has_key = 1;
            d->vri_cert = arr_n(pdfr_dict_res(f, e, "Cert"));
            d->vri_ocsp = arr_n(pdfr_dict_res(f, e, "OCSP"));
            d->vri_crl = arr_n(pdfr_dict_res(f, e, "CRL"));
        }
    }
    pdfr_free(f);
}

/* The status the embedded OCSP answer gives for cert. */
static int ocsp_status(const unsigned char *p, size_t n, X509 *cert)
{
    const unsigned char *q = p;
    OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &q, (long)n);
    OCSP_BASICRESP *bs = r ? OCSP_response_get1_basic(r) : NULL;
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, cert, root);
    int status = -1, reason;
    ASN1_GENERALIZEDTIME *rev, *tu, *nu;
    if (!bs || !OCSP_resp_find_status(bs, id, &status, &reason, &rev, &tu, &nu))
        status = -1;
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(r);
    return status;
}

static int run_ltv(const unsigned char *p, size_t n, struct server *sv, unsigned char **out,
                   size_t *outlen, struct ltv_result *res)
{
    struct ltv_options o = {.fetch = fake_fetch, .fetch_ctx = sv};
    char err[256] = "";
    int rc = ltv_add(p, n, &o, out, outlen, res, err, sizeof err);
    if (rc)
        printf("  ltv: %s\n", err);
    return rc;
}

/* ---- tests ------------------------------------------------------------ */

static struct signer *with_both, *crl_only, *bare;

TEST(ocsp_answer_embedded)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = signed_doc(with_both, &n), *out = NULL;
    struct server sv = {0};
    struct ltv_result res;
    signer_serial = ASN1_INTEGER_get(X509_get0_serialNumber(with_both->cert));
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    CHECK(out != NULL);
    CHECK_EQ_INT(res.written, 1);
    CHECK_EQ_INT(res.ocsps, 1);
    CHECK_EQ_INT(res.crls, 0);
    CHECK_EQ_INT(sv.ocsp_calls, 1);
    CHECK_EQ_INT(sv.crl_calls, 0); /* OCSP first; the CRL only when it fails */
    CHECK_EQ_STR(sv.last_ctype, "application/ocsp-request");
    if (!out)
        goto done;
    CHECK(m > n && memcmp(out, pdf, n) == 0); /* an incremental update */
    CHECK(memmem(out + n, m - n, "/DSS ", 5) != NULL);
    char key[41];
    vri_key_of(out, m, key);
    struct dss d;
    read_dss(out, m, key, &d);
    CHECK(d.found);
    CHECK_EQ_INT(d.certs, 2); /* the signer and the root */
    CHECK_EQ_INT(d.ocsps, 1);
    CHECK_EQ_INT(d.crls, 0);
    CHECK(d.vri_has_key);
    CHECK_EQ_INT(d.vri_cert, 2);
    CHECK_EQ_INT(d.vri_ocsp, 1);
    CHECK_EQ_INT(d.vri_crl, 0);
    CHECK_EQ_INT(ocsp_status(d.ocsp, d.ocsp_len, with_both->cert), V_OCSP_CERTSTATUS_GOOD);
    /* The signature still covers its revision; the update is only /DSS. */
    json_t *rep = NULL;
    char err[200];
    X509_STORE *st = X509_STORE_new();
    X509_STORE_add_cert(st, root);
    pdfv_verify(out, m, st, &rep, err, sizeof err);
    json_t *s0 = json_array_get(json_object_get(rep, "signatures"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(s0, "status")), "valid");
    json_decref(rep);
    X509_STORE_free(st);
done:
    free(out);
    free(pdf);
}

TEST(revoked_answer_embedded_as_it_is)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = signed_doc(with_both, &n), *out = NULL;
    struct server sv = {.revoked = 1};
    struct ltv_result res;
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    char key[41];
    struct dss d = {0};
    if (out) {
        vri_key_of(out, m, key);
        read_dss(out, m, key, &d);
    }
    CHECK_EQ_INT(d.ocsps, 1);
    CHECK_EQ_INT(ocsp_status(d.ocsp, d.ocsp_len, with_both->cert), V_OCSP_CERTSTATUS_REVOKED);
    free(out);
    free(pdf);
}

TEST(crl_when_no_responder)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = signed_doc(crl_only, &n), *out = NULL;
    struct server sv = {0};
    struct ltv_result res;
    signer_serial = ASN1_INTEGER_get(X509_get0_serialNumber(crl_only->cert));
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    CHECK_EQ_INT(res.crls, 1);
    CHECK_EQ_INT(res.ocsps, 0);
    CHECK_EQ_INT(sv.ocsp_calls, 0);
    CHECK_EQ_INT(sv.crl_calls, 1);
    char key[41];
    struct dss d = {0};
    if (out) {
        vri_key_of(out, m, key);
        read_dss(out, m, key, &d);
    }
    CHECK_EQ_INT(d.crls, 1);
    CHECK_EQ_INT(d.vri_crl, 1);
    const unsigned char *q = d.crl;
    X509_CRL *crl = d2i_X509_CRL(NULL, &q, (long)d.crl_len);
    CHECK(crl != NULL && X509_CRL_verify(crl, root_key) == 1);
    X509_CRL_free(crl);
    free(out);
    free(pdf);
}

TEST(responder_down_falls_back_to_crl_in_pem)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = signed_doc(with_both, &n), *out = NULL;
    struct server sv = {.ocsp_down = 1, .crl_pem = 1};
    struct ltv_result res;
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    CHECK_EQ_INT(sv.ocsp_calls, 1);
    CHECK_EQ_INT(sv.crl_calls, 1);
    CHECK_EQ_INT(res.ocsps, 0);
    CHECK_EQ_INT(res.crls, 1);
    CHECK(strstr(res.notes, "Connection refused") != NULL);
    char key[41];
    struct dss d = {0};
    if (out) {
        vri_key_of(out, m, key);
        read_dss(out, m, key, &d);
    }
    /* Stored as DER whatever the server sent. */
    const unsigned char *q = d.crl;
    X509_CRL *crl = d.crl_len ? d2i_X509_CRL(NULL, &q, (long)d.crl_len) : NULL;
    CHECK(crl != NULL && q == d.crl + d.crl_len);
    X509_CRL_free(crl);
    free(out);
    free(pdf);
}

TEST(answer_signed_by_another_key_is_skipped)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = signed_doc(with_both, &n), *out = NULL;
    struct server sv = {.ocsp_bad_key = 1, .crl_down = 1};
    struct ltv_result res;
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    CHECK(out == NULL); /* nothing fetched, the chain already in the CMS */
    CHECK_EQ_INT(res.written, 0);
    CHECK_EQ_INT(res.skipped, 1);
    CHECK_EQ_INT(res.failed, 1);
    CHECK(strstr(res.notes, "does not verify") != NULL);
    free(out);
    free(pdf);
}

TEST(nothing_available_writes_nothing)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = signed_doc(bare, &n), *out = NULL;
    struct server sv = {0};
    struct ltv_result res;
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    CHECK(out == NULL);
    CHECK_EQ_INT(m, 0);
    CHECK_EQ_INT(res.written, 0);
    CHECK_EQ_INT(res.certs, 1); /* the signer; the root is not asked about */
    CHECK_EQ_INT(res.skipped, 1);
    CHECK_EQ_INT(res.failed, 0); /* nothing to try is not a failure */
    CHECK(strstr(res.notes, "no OCSP or CRL address") != NULL);
    CHECK_EQ_INT(sv.ocsp_calls + sv.crl_calls, 0);
    free(pdf);
}

/* pades_sign with the ltv option: the signature, then the /DSS update. */
TEST(pades_sign_with_ltv)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = gen_pdf_classic("", "", "", &n), *out = NULL;
    struct server sv = {0};
    struct ltv_result res;
    memset(&res, 0xff, sizeof res);
    struct pades_options o = {.role = PADES_SEAL, .name = "Test", .ltv = 1,
                              .ltv_fetch = fake_fetch, .ltv_fetch_ctx = &sv,
                              .ltv_result = &res};
    char err[256] = "";
    CHECK_EQ_INT(pades_sign(pdf, n, with_both, &o, &out, &m, err, sizeof err), 0);
    CHECK_EQ_INT(res.written, 1);
    CHECK_EQ_INT(res.ocsps, 1);
    CHECK_EQ_INT(sv.ocsp_calls, 1);
    char key[41];
    struct dss d = {0};
    if (out) {
        vri_key_of(out, m, key);
        read_dss(out, m, key, &d);
    }
    CHECK(d.vri_has_key);
    CHECK_EQ_INT(ocsp_status(d.ocsp, d.ocsp_len, with_both->cert), V_OCSP_CERTSTATUS_GOOD);
    free(out);
    /* Without the option: no fetch, no /DSS. */
    o.ltv = 0;
    out = NULL;
    CHECK_EQ_INT(pades_sign(pdf, n, with_both, &o, &out, &m, err, sizeof err), 0);
    CHECK_EQ_INT(sv.ocsp_calls, 1);
    CHECK(out && !memmem(out, m, "/DSS", 4));
    free(out);
    free(pdf);
}

static json_t *verify(const unsigned char *p, size_t n, int *rc)
{
    json_t *rep = NULL;
    char err[200] = "";
    X509_STORE *st = X509_STORE_new();
    X509_STORE_add_cert(st, root);
    *rc = pdfv_verify(p, n, st, &rep, err, sizeof err);
    X509_STORE_free(st);
    return rep;
}

static json_t *first_sig(json_t *rep)
{
    return json_array_get(json_object_get(rep, "signatures"), 0);
}

/* pdfv_verify: an update that only adds /DSS keeps the file valid, and
 * says ltv; an embedded revocation before the signing time makes it
 * invalid; an update that also changes something else is "modified". */
TEST(verification_reads_the_dss)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = signed_doc(with_both, &n), *out = NULL;
    struct server sv = {0};
    struct ltv_result res;
    int rc;
    json_t *rep = verify(pdf, n, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK(json_is_false(json_object_get(first_sig(rep), "ltv")));
    json_decref(rep);
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    rep = verify(out, m, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(rep, "verdict")), "valid");
    CHECK(json_is_true(json_object_get(first_sig(rep), "ltv")));
    CHECK(json_is_false(json_object_get(first_sig(rep), "whole_file")));
    json_decref(rep);

    /* The same update, then one more that changes the page: modified. */
    const char *page = strstr((const char *)pdf, "3 0 obj");
    CHECK(page != NULL);
    char extra[256];
    int k = snprintf(extra, sizeof extra, "3 0 obj\n<</Type /Page /Parent 2 0 R /MediaBox [0 0 10 "
                                          "10]>>\nendobj\n");
    unsigned char *bad = malloc(m + (size_t)k);
    memcpy(bad, out, m);
    memcpy(bad + m, extra, (size_t)k);
    /* Not a proper update (no xref): still more than /DSS after the
     * signature, so never "valid". */
    rep = verify(bad, m + (size_t)k, &rc);
    CHECK_EQ_INT(rc, 1);
    CHECK(strcmp(json_string_value(json_object_get(rep, "verdict")), "valid") != 0);
    json_decref(rep);
    free(bad);
    /* A proper update that changes the page (with its own xref). */
    struct pdfr *f = NULL;
    char err[200];
    CHECK_EQ_INT(pdfr_open(out, m, &f, err, sizeof err), 0);
    size_t prev = f ? pdfr_startxref(f) : 0;
    unsigned next = f ? pdfr_next_num(f) : 0;
    pdfr_free(f);
    char upd[512];
    int u = snprintf(upd, sizeof upd,
                     "%sxref\n3 1\n%010zu 00000 n \ntrailer\n<</Size %u /Prev %zu /Root 1 0 R>>\n"
                     "startxref\n%zu\n%%%%EOF\n",
                     extra, m, next, prev, m + (size_t)k);
    bad = malloc(m + (size_t)u);
    memcpy(bad, out, m);
    memcpy(bad + m, upd, (size_t)u);
    rep = verify(bad, m + (size_t)u, &rc);
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_STR(json_string_value(json_object_get(rep, "verdict")), "modified");
    json_decref(rep);
    free(bad);
    free(out);

    /* Revoked a day before signing: invalid, "certificate revoked". */
    sv.revoked = 1;
    out = NULL;
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    rep = verify(out, m, &rc);
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_STR(json_string_value(json_object_get(rep, "verdict")), "invalid");
    const char *why = json_string_value(json_object_get(first_sig(rep), "problem"));
    CHECK(why && strstr(why, "certificate revoked") != NULL);
    json_decref(rep);
    free(out);

    /* Revoked a day ago, signed (by /M) two days ago: still valid, which
     * is what the embedded data is kept for. */
    {
        size_t n2 = 0, m2 = 0;
        unsigned char *base = gen_pdf_classic("", "", "", &n2), *early = NULL, *lt = NULL;
        struct pades_options eo = {.role = PADES_SEAL, .name = "Test",
                                   .when = time(NULL) - 2 * DAY};
        CHECK_EQ_INT(pades_sign(base, n2, with_both, &eo, &early, &m2, err, sizeof err), 0);
        size_t m3 = 0;
        CHECK_EQ_INT(run_ltv(early, m2, &sv, &lt, &m3, &res), 0);
        CHECK_EQ_INT(res.ocsps, 1);
        rep = lt ? verify(lt, m3, &rc) : NULL;
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_STR(json_string_value(json_object_get(rep, "verdict")), "valid");
        CHECK(json_is_true(json_object_get(first_sig(rep), "ltv")));
        json_decref(rep);
        free(lt);
        free(early);
        free(base);
    }

    /* The same from a CRL. */
    sv.ocsp_down = 1;
    signer_serial = ASN1_INTEGER_get(X509_get0_serialNumber(with_both->cert));
    out = NULL;
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    CHECK_EQ_INT(res.crls, 1);
    rep = verify(out, m, &rc);
    CHECK_EQ_INT(rc, 1);
    why = json_string_value(json_object_get(first_sig(rep), "problem"));
    CHECK(why && strstr(why, "certificate revoked") != NULL);
    json_decref(rep);
    free(out);
    free(pdf);
}

/* A second run over a file that already has a /DSS keeps what it had. */
TEST(second_run_keeps_the_first_dss)
{
    size_t n = 0, m = 0, m2 = 0;
    unsigned char *pdf = signed_doc(with_both, &n), *out = NULL, *out2 = NULL;
    struct server sv = {.ocsp_down = 1};
    struct ltv_result res;
    signer_serial = 1; /* someone else's serial on the CRL */
    CHECK_EQ_INT(run_ltv(pdf, n, &sv, &out, &m, &res), 0);
    sv.ocsp_down = 0;
    CHECK(out != NULL);
    if (!out)
        return;
    CHECK_EQ_INT(run_ltv(out, m, &sv, &out2, &m2, &res), 0);
    char key[41];
    struct dss d = {0};
    if (out2) {
        vri_key_of(out2, m2, key);
        read_dss(out2, m2, key, &d);
    }
    CHECK_EQ_INT(d.certs, 4); /* the first update's two, the second's two */
    CHECK_EQ_INT(d.crls, 1);
    CHECK_EQ_INT(d.ocsps, 1);
    int rc;
    json_t *rep = verify(out2, m2, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(rep, "verdict")), "valid");
    json_decref(rep);
    free(out2);
    free(out);
    free(pdf);
}

/* The timestamp token's signer is checked too: its CRL joins the signer's
 * OCSP answer, and its certificate the /Certs. */
TEST(timestamp_signer_checked_too)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = gen_pdf_classic("", "", "", &n), *out = NULL;
    struct server sv = {0};
    struct ltv_result res;
    signer_serial = 1;
    struct pades_options o = {.role = PADES_SEAL, .name = "Test", .timestamp = tsa_stamp,
                              .ltv = 1, .ltv_fetch = fake_fetch, .ltv_fetch_ctx = &sv,
                              .ltv_result = &res};
    char err[256] = "";
    CHECK_EQ_INT(pades_sign(pdf, n, with_both, &o, &out, &m, err, sizeof err), 0);
    CHECK_EQ_INT(res.certs, 2); /* the signer and the TSA; the root is not asked about */
    CHECK_EQ_INT(res.ocsps, 1);
    CHECK_EQ_INT(res.crls, 1);
    CHECK_EQ_INT(sv.ocsp_calls, 1);
    CHECK_EQ_INT(sv.crl_calls, 1);
    char key[41];
    struct dss d = {0};
    if (out) {
        vri_key_of(out, m, key);
        read_dss(out, m, key, &d);
    }
    CHECK_EQ_INT(d.certs, 3); /* the signer, the root, the TSA */
    CHECK_EQ_INT(d.vri_ocsp, 1);
    CHECK_EQ_INT(d.vri_crl, 1);
    free(out);
    free(pdf);
}

static int slow_fetch(void *ctx, const char *url, const unsigned char *body, size_t body_len,
                      const char *content_type, unsigned char **answer, size_t *answer_len,
                      char *err, size_t errlen)
{
    usleep(1200 * 1000);
    return fake_fetch(ctx, url, body, body_len, content_type, answer, answer_len, err, errlen);
}

/* Past the time budget no fetch starts: the TSA's certificate, asked
 * about after the signer's slow answer, is skipped and noted. */
TEST(time_budget)
{
    size_t n = 0, m = 0;
    unsigned char *pdf = gen_pdf_classic("", "", "", &n), *out = NULL, *signed_pdf = NULL;
    struct server sv = {0};
    struct ltv_result res;
    char err[256] = "";
    struct pades_options o = {.role = PADES_SEAL, .name = "Test", .timestamp = tsa_stamp};
    CHECK_EQ_INT(pades_sign(pdf, n, with_both, &o, &signed_pdf, &m, err, sizeof err), 0);
    struct ltv_options lo = {.fetch = slow_fetch, .fetch_ctx = &sv, .budget = 1};
    size_t m2 = 0;
    CHECK_EQ_INT(ltv_add(signed_pdf, m, &lo, &out, &m2, &res, err, sizeof err), 0);
    CHECK_EQ_INT(sv.ocsp_calls, 1);
    CHECK_EQ_INT(sv.crl_calls, 0);
    CHECK_EQ_INT(res.ocsps, 1);
    CHECK_EQ_INT(res.crls, 0);
    CHECK_EQ_INT(res.failed, 1);
    CHECK(strstr(res.notes, "not asked") != NULL);
    CHECK(out != NULL); /* what was had is embedded */
    free(out);
    free(signed_pdf);
    free(pdf);
}

TEST(refused_inputs)
{
    struct ltv_result res;
    unsigned char *out = (unsigned char *)"x";
    size_t m = 1, n = 0;
    char err[200] = "";
    CHECK_EQ_INT(ltv_add((const unsigned char *)"hello", 5, NULL, &out, &m, &res, err,
                         sizeof err),
                 -1);
    CHECK(out == NULL && m == 0);
    unsigned char *pdf = gen_pdf_classic("", "", "", &n);
    CHECK_EQ_INT(ltv_add(pdf, n, NULL, &out, &m, &res, err, sizeof err), -1);
    CHECK(strstr(err, "no CMS signature") != NULL);
    CHECK(out == NULL);
    free(pdf);
}

/* ---- the libcurl fetch, against a one-shot HTTP server ---------------- */

struct http1 {
    int fd;
    char request[4096];
    size_t request_len;
    const char *reply;
    size_t reply_len;
};

static void *serve_once(void *arg)
{
    struct http1 *h = arg;
    int c = accept(h->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    /* Read the head and, with a Content-Length, the body. */
    for (;;) {
        ssize_t k = read(c, h->request + h->request_len, sizeof h->request - 1 - h->request_len);
        if (k <= 0)
            break;
        h->request_len += (size_t)k;
        h->request[h->request_len] = 0;
        char *end = strstr(h->request, "\r\n\r\n");
        if (!end)
            continue;
        char *cl = strcasestr(h->request, "Content-Length:");
        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
        if (h->request_len >= (size_t)(end + 4 - h->request) + want)
            break;
    }
    if (write(c, h->reply, h->reply_len) < 0)
        perror("write");
    close(c);
    return NULL;
}

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 1) ||
        getsockname(fd, (struct sockaddr *)&a, &al))
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

TEST(http_fetch)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    static const char notfound[] =
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    const char *replies[] = {ok, notfound};
    for (int i = 0; i < 2; i++) {
        struct http1 h = {.reply = replies[i], .reply_len = strlen(replies[i])};
        int port = 0;
        h.fd = listen_local(&port);
        CHECK(h.fd >= 0);
        pthread_t t;
        pthread_create(&t, NULL, serve_once, &h);
        char url[64], err[200] = "";
        snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);
        unsigned char *ans = NULL;
        size_t n = 0;
        int rc = ltv_http_fetch(NULL, url, (const unsigned char *)"\x30\x00", 2,
                                "application/ocsp-request", &ans, &n, err, sizeof err);
        pthread_join(t, NULL);
        close(h.fd);
        CHECK(strncmp(h.request, "POST /x ", 8) == 0);
        CHECK(strcasestr(h.request, "Content-Type: application/ocsp-request") != NULL);
        if (i == 0) {
            CHECK_EQ_INT(rc, 0);
            CHECK(n == 5 && ans && memcmp(ans, "hello", 5) == 0);
        } else {
            CHECK_EQ_INT(rc, -1);
            CHECK(strstr(err, "404") != NULL);
            CHECK(ans == NULL);
        }
        free(ans);
    }
    char err[200] = "";
    unsigned char *ans = NULL;
    size_t n = 0;
    CHECK_EQ_INT(ltv_http_fetch(NULL, "https://127.0.0.1:1/x", NULL, 0, NULL, &ans, &n, err,
                                sizeof err),
                 -1);
    CHECK(strstr(err, "http://") != NULL);
}

int main(void)
{
    root_key = EVP_EC_gen("P-256");
    other_key = EVP_EC_gen("P-256");
    root = make_cert(root_key, "motcua LTV test root", NULL, NULL, 1, NULL, NULL);
    other = make_cert(other_key, "motcua LTV test root", NULL, NULL, 1, NULL, NULL);
    tsa_key = EVP_EC_gen("P-256");
    tsa_cert = make_cert(tsa_key, "motcua LTV test TSA", root, root_key, 0, NULL, "URI:" CRL_URL);
    {
        /* A TSA's certificate is for time stamping only. */
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, root, tsa_cert, NULL, NULL, 0);
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, "extendedKeyUsage", "critical,timeStamping");
        X509_add_ext(tsa_cert, e, -1);
        X509_EXTENSION_free(e);
        X509_sign(tsa_cert, root_key, EVP_sha256());
    }
    with_both = make_signer("Both", "OCSP;URI:" OCSP_URL, "URI:" CRL_URL);
    crl_only = make_signer("CRL only", NULL, "URI:" CRL_URL);
    bare = make_signer("Bare", NULL, NULL);
    RUN(ocsp_answer_embedded);
    RUN(revoked_answer_embedded_as_it_is);
    RUN(crl_when_no_responder);
    RUN(responder_down_falls_back_to_crl_in_pem);
    RUN(answer_signed_by_another_key_is_skipped);
    RUN(nothing_available_writes_nothing);
    RUN(pades_sign_with_ltv);
    RUN(verification_reads_the_dss);
    RUN(timestamp_signer_checked_too);
    RUN(time_budget);
    RUN(second_run_keeps_the_first_dss);
    RUN(refused_inputs);
    RUN(http_fetch);
    signer_free(with_both);
    signer_free(crl_only);
    signer_free(bare);
    X509_free(root);
    X509_free(other);
    X509_free(tsa_cert);
    EVP_PKEY_free(tsa_key);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(other_key);
    return harness_done();
}

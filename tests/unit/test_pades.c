/* Tests for src/sign/pades and pdf_verify: a test CA made here with
 * OpenSSL (root -> intermediate -> signers, RSA-2048 and ECDSA P-256, and a
 * timestamp authority), PDFs made by cairo and by the generator in
 * pdf_gen.h (cross-reference streams, hybrid files), signed once and twice,
 * then checked by pdfv_verify and, independently of motcua's reader, by
 * OpenSSL's CMS_verify over the bytes the /ByteRange names. Tampering
 * (a flipped byte, bytes appended, a changed /ByteRange), untrusted roots,
 * expired certificates, timestamps good and bad, and refused inputs. */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pdf_gen.h"
#include "render/pdf.h"
#include "sign/pades.h"
#include "sign/pdf_read.h"
#include "sign/pdf_verify.h"
#include "sign/signer.h"
#include "testca.h"

/* Under LeakSanitizer: fontconfig's caches (see test_receipt.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

#define OFFICIAL_CN "Trịnh Văn Long"
#define UNIT_O "UBND phường Hạc Thành"
#define WHEN ((time_t)1772681400) /* 2026-03-05 03:30:00 UTC */
#define WHEN_ISO "2026-03-05T10:30:00+07:00"
#define DAY 86400L

static EVP_PKEY *root_key, *int_key, *tsa_key, *other_root_key;
static X509 *root, *inter, *tsa_cert, *other_root;

/* The signatures are dated WHEN (a fixed time, so that expected texts are
 * constants) or now (timestamps, expiry): the CA and the signers are valid
 * over both. */
static time_t valid_from(void)
{
    time_t now = time(NULL);
    return (now < WHEN ? now : WHEN) - 30 * DAY;
}

static time_t valid_to(void)
{
    time_t now = time(NULL);
    return (now > WHEN ? now : WHEN) + 365 * DAY;
}

static void make_ca(void)
{
    time_t nb = valid_from(), na = valid_to() + 365 * DAY;
    root_key = EVP_RSA_gen(2048);
    root = tc_kind_cert(root_key, "motcua test root", "motcua", NULL, NULL, 1, nb, na);
    int_key = EVP_RSA_gen(2048);
    inter = tc_kind_cert(int_key, "motcua test intermediate", "motcua", root, root_key, 1, nb, na);
    tsa_key = EVP_EC_gen("P-256");
    tsa_cert = tc_kind_cert(tsa_key, "motcua test TSA", "motcua", root, root_key, 2, nb, na);
    other_root_key = EVP_EC_gen("P-256");
    other_root = tc_kind_cert(other_root_key, "another root", "elsewhere", NULL, NULL, 1, nb, na);
}

/* A signer issued by the intermediate: rsa or ECDSA P-256, valid nb..na. */
static struct signer *make_signer(int rsa, const char *cn, const char *o, time_t nb, time_t na)
{
    struct signer *s = calloc(1, sizeof *s);
    s->key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    s->cert = tc_kind_cert(s->key, cn, o, inter, int_key, 0, nb, na);
    s->chain = sk_X509_new_null();
    X509_up_ref(inter);
    sk_X509_push(s->chain, inter);
    snprintf(s->name, sizeof s->name, "%s", cn);
    snprintf(s->organisation, sizeof s->organisation, "%s", o);
    return s;
}

static X509_STORE *store_of(X509 *x)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_add_cert(st, x);
    return st;
}

/* ---- a timestamp authority ------------------------------------------ */

struct tsa {
    int wrong_imprint; /* stamp other bytes than the signature value */
    int calls;
};

static int tsa_stamp(void *ctx, const unsigned char *v, size_t n, unsigned char **tok,
                     size_t *toklen)
{
    struct tsa *t = ctx;
    t->calls++;
    unsigned char h[32];
    unsigned char other[1] = {0};
    if (t->wrong_imprint)
        EVP_Digest(other, 1, h, NULL, EVP_sha256(), NULL);
    else
        EVP_Digest(v, n, h, NULL, EVP_sha256(), NULL);
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
    TS_MSG_IMPRINT_set_algo(mi, alg); /* copies alg */
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
    if (resp && ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))) ==
                    0) {
        unsigned char *der = NULL;
        int len = i2d_PKCS7(TS_RESP_get_token(resp), &der);
        if (len > 0) {
            *tok = malloc((size_t)len);
            memcpy(*tok, der, (size_t)len);
            *toklen = (size_t)len;
            rcode = 0;
        }
        OPENSSL_free(der);
    }
    TS_RESP_free(resp);
    TS_RESP_CTX_free(rc);
    ASN1_OBJECT_free(policy);
    BIO_free(rb);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
    return rcode;
}

static int tsa_refuse(void *ctx, const unsigned char *v, size_t n, unsigned char **tok,
                      size_t *toklen)
{
    return -1;
}

/* ---- helpers -------------------------------------------------------- */

/* A one-page document made by render/pdf (cairo + pango, Vietnamese). */
static unsigned char *document(size_t *len)
{
    struct pdf_doc *d;
    unsigned char *out = NULL;
    if (pdf_begin(&d, NULL) == 0) {
        pdf_text(d, NULL, "QUYẾT ĐỊNH về việc cấp giấy chứng nhận — bản thử nghiệm.");
        pdf_end(d, &out, len);
        pdf_free(d);
    }
    if (!out)
        abort();
    return out;
}

static int contains(const char *s, const char *part)
{
    return s && strstr(s, part) != NULL;
}

static json_t *sig_at(json_t *r, size_t i)
{
    return json_array_get(json_object_get(r, "signatures"), i);
}

static const char *sstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Verifies with trust; returns the verdict, the report in *rep. */
static int verify(const unsigned char *p, size_t n, X509_STORE *trust, json_t **rep)
{
    char err[256] = "";
    int rc = pdfv_verify(p, n, trust, rep, err, sizeof err);
    if (rc < 0)
        printf("  verify: %s\n", err);
    json_t *s;
    size_t i;
    json_array_foreach(json_object_get(*rep, "signatures"), i, s)
    {
        if (sstr(s, "problem"))
            printf("  # signature %zu: %s\n", i + 1, sstr(s, "problem"));
    }
    return rc;
}

/* Independently of motcua's reader: the last /ByteRange in the file,
 * found as text, and OpenSSL's CMS_verify over the two ranges against
 * root. Also checks the signed attributes PAdES asks for. */
static int openssl_checks(const unsigned char *p, size_t n)
{
    const unsigned char *hit = NULL, *q = p;
    while ((q = memmem(q, n - (size_t)(q - p), "/ByteRange [", 12))) {
        hit = q;
        q += 12;
    }
    size_t br[4];
    if (!hit || sscanf((const char *)hit + 12, "%zu %zu %zu %zu", &br[0], &br[1], &br[2], &br[3]) !=
                    4)
        return -1;
    if (br[0] != 0 || p[br[1]] != '<' || p[br[2] - 1] != '>' || br[2] + br[3] > n)
        return -2;
    size_t hexlen = br[2] - br[1] - 2;
    unsigned char *der = malloc(hexlen / 2);
    for (size_t i = 0; i < hexlen / 2; i++) {
        unsigned v;
        sscanf((const char *)p + br[1] + 1 + 2 * i, "%2x", &v);
        der[i] = (unsigned char)v;
    }
    const unsigned char *dp = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &dp, (long)(hexlen / 2));
    unsigned char *content = malloc(br[1] + br[3]);
    memcpy(content, p, br[1]);
    memcpy(content + br[1], p + br[2], br[3]);
    BIO *bio = BIO_new_mem_buf(content, (int)(br[1] + br[3]));
    X509_STORE *st = store_of(root);
    int rc = cms && CMS_verify(cms, NULL, st, bio, NULL, CMS_DETACHED | CMS_BINARY) == 1 ? 0 : -3;
    if (rc == 0) {
        CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
        if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0)
            rc = -4; /* PAdES puts the claimed time in /M, not here */
        if (CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1) < 0)
            rc = -5;
    }
    ERR_clear_error();
    X509_STORE_free(st);
    BIO_free(bio);
    free(content);
    CMS_ContentInfo_free(cms);
    free(der);
    return rc;
}

static int sign(const unsigned char *in, size_t len, const struct signer *s,
                const struct pades_options *o, unsigned char **out, size_t *outlen)
{
    char err[256] = "";
    int rc = pades_sign(in, len, s, o, out, outlen, err, sizeof err);
    if (rc)
        printf("  sign: %s\n", err);
    return rc;
}

static struct signer *official, *seal;

/* ---- tests ---------------------------------------------------------- */

TEST(sign_once_and_verify)
{
    size_t len, slen;
    unsigned char *pdf = document(&len), *out = NULL;
    struct pades_options o = {.reason = "Phê duyệt kết quả", .location = "Thanh Hóa",
                              .title = "CHỦ TỊCH", .when = WHEN};
    CHECK_EQ_INT(sign(pdf, len, official, &o, &out, &slen), 0);
    if (!out) {
        free(pdf);
        return;
    }
    /* An incremental update: the original bytes come first, unchanged. */
    CHECK(slen > len && memcmp(out, pdf, len) == 0);
    CHECK_EQ_INT(openssl_checks(out, slen), 0);
    X509_STORE *st = store_of(root);
    json_t *r = NULL;
    CHECK_EQ_INT(verify(out, slen, st, &r), 0);
    json_t *s = sig_at(r, 0);
    CHECK_EQ_STR(sstr(r, "verdict"), "valid");
    CHECK_EQ_INT(json_array_size(json_object_get(r, "signatures")), 1);
    CHECK_EQ_STR(sstr(s, "status"), "valid");
    CHECK_EQ_STR(sstr(s, "signer"), OFFICIAL_CN);
    CHECK_EQ_STR(sstr(s, "organisation"), UNIT_O);
    CHECK_EQ_STR(sstr(s, "sub_filter"), "ETSI.CAdES.detached");
    CHECK_EQ_STR(sstr(s, "field"), "Signature1");
    CHECK_EQ_STR(sstr(s, "signing_time"), WHEN_ISO);
    CHECK_EQ_STR(sstr(s, "time_source"), "/M");
    CHECK_EQ_STR(sstr(s, "reason"), "Phê duyệt kết quả");
    CHECK_EQ_STR(sstr(s, "location"), "Thanh Hóa");
    CHECK(contains(sstr(s, "issuer"), "CN=motcua test intermediate"));
    CHECK(json_is_null(json_object_get(s, "timestamp")));
    CHECK(json_is_true(json_object_get(s, "whole_file")));
    CHECK_EQ_INT(json_integer_value(json_object_get(s, "covered_bytes")), slen);
    json_decref(r);
    X509_STORE_free(st);
    free(out);
    free(pdf);
}

TEST(official_then_seal_both_valid)
{
    size_t len, l1, l2;
    unsigned char *pdf = document(&len), *s1 = NULL, *s2 = NULL;
    struct pades_options o1 = {.title = "CHỦ TỊCH", .when = WHEN};
    struct pades_options o2 = {.role = PADES_SEAL, .when = WHEN + 60};
    CHECK_EQ_INT(sign(pdf, len, official, &o1, &s1, &l1), 0);
    if (s1)
        CHECK_EQ_INT(sign(s1, l1, seal, &o2, &s2, &l2), 0);
    if (!s2) {
        free(s1);
        free(pdf);
        return;
    }
    CHECK(memcmp(s2, s1, l1) == 0);
    CHECK_EQ_INT(openssl_checks(s2, l2), 0);
    X509_STORE *st = store_of(root);
    json_t *r = NULL;
    CHECK_EQ_INT(verify(s2, l2, st, &r), 0);
    CHECK_EQ_STR(sstr(r, "verdict"), "valid");
    json_t *a = sig_at(r, 0), *b = sig_at(r, 1);
    CHECK_EQ_STR(sstr(a, "status"), "valid");
    CHECK_EQ_STR(sstr(b, "status"), "valid");
    CHECK_EQ_STR(sstr(a, "signer"), OFFICIAL_CN);
    CHECK_EQ_STR(sstr(b, "signer"), UNIT_O);
    CHECK_EQ_STR(sstr(b, "field"), "Signature2");
    /* The first covers only its revision: the file as it was after it. */
    CHECK(json_is_false(json_object_get(a, "whole_file")));
    CHECK_EQ_INT(json_integer_value(json_object_get(a, "covered_bytes")), l1);
    CHECK(json_is_true(json_object_get(b, "whole_file")));
    CHECK_EQ_INT(json_integer_value(json_object_get(a, "revision")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(b, "revision")), 3);
    json_decref(r);

    /* The seal sits over the left third of the official's widget. */
    struct pdfr *f;
    char err[256];
    struct pdfr_sigfield *fl = NULL;
    size_t nf = 0;
    CHECK_EQ_INT(pdfr_open(s2, l2, &f, err, sizeof err), 0);
    if (f && pdfr_sigfields(f, &fl, &nf) == 0 && nf == 2 && fl[0].rect && fl[1].rect) {
        double r1[4], r2[4];
        for (int i = 0; i < 4; i++) {
            pdfr_number(fl[0].rect->u.a.items[i], &r1[i]);
            pdfr_number(fl[1].rect->u.a.items[i], &r2[i]);
        }
        CHECK(r1[2] - r1[0] > 150); /* the official's default width, 180 pt */
        double third = r1[0] + (r1[2] - r1[0]) / 3;
        CHECK(r2[2] > third - 1 && r2[2] < third + 1);
        CHECK(r2[0] < r1[0]);
    } else {
        CHECK(0);
    }
    free(fl);
    pdfr_free(f);
    X509_STORE_free(st);
    free(s2);
    free(s1);
    free(pdf);
}

TEST(flipped_byte_is_invalid)
{
    size_t len, slen;
    unsigned char *pdf = document(&len), *out = NULL;
    struct pades_options o = {.when = WHEN};
    CHECK_EQ_INT(sign(pdf, len, official, &o, &out, &slen), 0);
    if (!out) {
        free(pdf);
        return;
    }
    /* A letter of the producer's name, in the signed original. */
    unsigned char *p = memmem(out, len, "cairo", 5);
    CHECK(p != NULL);
    if (p) {
        *p = 'C';
        X509_STORE *st = store_of(root);
        json_t *r = NULL;
        CHECK_EQ_INT(verify(out, slen, st, &r), 1);
        CHECK_EQ_STR(sstr(r, "verdict"), "invalid");
        CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "invalid");
        CHECK(contains(sstr(sig_at(r, 0), "problem"), "does not match the signed bytes"));
        CHECK(openssl_checks(out, slen) != 0);
        json_decref(r);
        X509_STORE_free(st);
    }
    free(out);
    free(pdf);
}

TEST(bytes_after_the_signature)
{
    size_t len, slen;
    unsigned char *pdf = document(&len), *out = NULL;
    struct pades_options o = {.when = WHEN};
    CHECK_EQ_INT(sign(pdf, len, official, &o, &out, &slen), 0);
    if (!out) {
        free(pdf);
        return;
    }
    static const char more[] = "% appended after signing\n";
    unsigned char *ext = malloc(slen + sizeof more);
    memcpy(ext, out, slen);
    memcpy(ext + slen, more, sizeof more - 1);
    X509_STORE *st = store_of(root);
    json_t *r = NULL;
    CHECK_EQ_INT(verify(ext, slen + sizeof more - 1, st, &r), 1);
    CHECK_EQ_STR(sstr(r, "verdict"), "modified");
    CHECK(contains(sstr(r, "summary"), "does not cover the whole file"));
    CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "valid"); /* its own bytes are intact */
    CHECK(json_is_false(json_object_get(sig_at(r, 0), "whole_file")));
    json_decref(r);
    free(ext);

    /* An incremental update that changes the document after signing. */
    const char *sx = NULL;
    for (const unsigned char *q = out; (q = memmem(q, slen - (size_t)(q - out), "startxref", 9));
         q += 9)
        sx = (const char *)q;
    long prev = sx ? strtol(sx + 10, NULL, 10) : 0;
    struct pdfr *f = NULL;
    char err[256];
    uint32_t root_num = 0;
    CHECK_EQ_INT(pdfr_open(out, slen, &f, err, sizeof err), 0);
    if (f)
        pdfr_catalog(f, &root_num, NULL);
    pdfr_free(f);
    static const char obj[] = "99 0 obj\n<< /Producer (changed later) >>\nendobj\n";
    char upd[512];
    int ul = snprintf(upd, sizeof upd,
                      "%sxref\n99 1\n%010zu 00000 n \ntrailer\n<< /Size 100 /Prev %ld "
                      "/Root %u 0 R /Info 99 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
                      obj, slen, prev, root_num, slen + strlen(obj));
    ext = malloc(slen + (size_t)ul);
    memcpy(ext, out, slen);
    memcpy(ext + slen, upd, (size_t)ul);
    r = NULL;
    CHECK_EQ_INT(verify(ext, slen + (size_t)ul, st, &r), 1);
    CHECK_EQ_STR(sstr(r, "verdict"), "modified");
    json_decref(r);
    free(ext);
    X509_STORE_free(st);
    free(out);
    free(pdf);
}

TEST(byte_range_changed_is_invalid)
{
    size_t len, slen;
    unsigned char *pdf = document(&len), *out = NULL;
    struct pades_options o = {.when = WHEN};
    CHECK_EQ_INT(sign(pdf, len, official, &o, &out, &slen), 0);
    unsigned char *p = out ? memmem(out, slen, "/ByteRange [0 ", 14) : NULL;
    CHECK(p != NULL);
    if (p) {
        p[12] = '1';
        X509_STORE *st = store_of(root);
        json_t *r = NULL;
        CHECK_EQ_INT(verify(out, slen, st, &r), 1);
        CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "invalid");
        CHECK(contains(sstr(sig_at(r, 0), "problem"), "does not start at the beginning"));
        json_decref(r);
        X509_STORE_free(st);
    }
    free(out);
    free(pdf);
}

TEST(trust)
{
    size_t len, slen;
    unsigned char *pdf = document(&len), *out = NULL;
    struct pades_options o = {.when = WHEN};
    CHECK_EQ_INT(sign(pdf, len, seal, &o, &out, &slen), 0);
    if (!out) {
        free(pdf);
        return;
    }
    X509_STORE *st = store_of(other_root);
    json_t *r = NULL;
    CHECK_EQ_INT(verify(out, slen, st, &r), 1);
    CHECK_EQ_STR(sstr(r, "verdict"), "untrusted");
    CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "untrusted");
    CHECK(contains(sstr(sig_at(r, 0), "problem"), "does not chain to a trusted root"));
    json_decref(r);
    r = NULL;
    CHECK_EQ_INT(verify(out, slen, NULL, &r), 1);
    CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "untrusted");
    CHECK(contains(sstr(sig_at(r, 0), "problem"), "no trusted root was given"));
    json_decref(r);
    X509_STORE_free(st);
    free(out);
    free(pdf);
}

TEST(certificate_validity_at_signing_time)
{
    /* Valid from 10 days ago to 2 days ago. */
    struct signer *old =
        make_signer(0, "Lê Thị Cũ", UNIT_O, time(NULL) - 10 * DAY, time(NULL) - 2 * DAY);
    size_t len, slen;
    unsigned char *pdf = document(&len), *out = NULL;
    struct pades_options o = {.when = time(NULL)};
    X509_STORE *st = store_of(root);
    json_t *r = NULL;
    CHECK_EQ_INT(sign(pdf, len, old, &o, &out, &slen), 0);
    if (out) {
        CHECK_EQ_INT(verify(out, slen, st, &r), 1);
        CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "invalid");
        CHECK(contains(sstr(sig_at(r, 0), "problem"), "not valid at the signing time"));
        json_decref(r);
        free(out);
        out = NULL;
    }
    o.when = time(NULL) - 5 * DAY; /* when the certificate was valid */
    CHECK_EQ_INT(sign(pdf, len, old, &o, &out, &slen), 0);
    if (out) {
        r = NULL;
        CHECK_EQ_INT(verify(out, slen, st, &r), 0);
        CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "valid");
        json_decref(r);
        free(out);
    }
    X509_STORE_free(st);
    free(pdf);
    signer_free(old);
}

TEST(timestamp_b_t)
{
    size_t len, slen;
    unsigned char *pdf = document(&len), *out = NULL;
    struct tsa t = {0};
    struct pades_options o = {.when = WHEN, .timestamp = tsa_stamp, .timestamp_ctx = &t};
    CHECK_EQ_INT(sign(pdf, len, official, &o, &out, &slen), 0);
    CHECK_EQ_INT(t.calls, 1);
    if (!out) {
        free(pdf);
        return;
    }
    CHECK_EQ_INT(openssl_checks(out, slen), 0);
    X509_STORE *st = store_of(root);
    json_t *r = NULL;
    CHECK_EQ_INT(verify(out, slen, st, &r), 0);
    json_t *s = sig_at(r, 0), *ts = json_object_get(s, "timestamp");
    CHECK_EQ_STR(sstr(s, "status"), "valid");
    CHECK_EQ_STR(sstr(s, "time_source"), "timestamp");
    CHECK(json_is_object(ts));
    CHECK_EQ_STR(sstr(ts, "tsa"), "motcua test TSA");
    /* The timestamp is the TSA's clock (now), not the claimed /M. */
    CHECK(sstr(s, "signing_time") && strcmp(sstr(s, "signing_time"), WHEN_ISO) != 0);
    CHECK_EQ_STR(sstr(s, "signing_time"), sstr(ts, "time"));
    json_decref(r);
    /* The TSA's root is not trusted: the signature is intact but untrusted. */
    X509_STORE *other = store_of(other_root);
    r = NULL;
    CHECK_EQ_INT(verify(out, slen, other, &r), 1);
    CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "untrusted");
    json_decref(r);
    X509_STORE_free(other);
    free(out);
    out = NULL;

    /* A token over other bytes than the signature value. */
    t.wrong_imprint = 1;
    CHECK_EQ_INT(sign(pdf, len, official, &o, &out, &slen), 0);
    if (out) {
        r = NULL;
        CHECK_EQ_INT(verify(out, slen, st, &r), 1);
        CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "invalid");
        CHECK(contains(sstr(sig_at(r, 0), "problem"), "not over this signature"));
        json_decref(r);
        free(out);
        out = NULL;
    }

    /* A TSA that does not answer: nothing is signed. */
    o.timestamp = tsa_refuse;
    char err[256] = "";
    out = (unsigned char *)"x";
    slen = 7;
    CHECK_EQ_INT(pades_sign(pdf, len, official, &o, &out, &slen, err, sizeof err), -1);
    CHECK(out == NULL && slen == 0);
    CHECK(contains(err, "timestamp authority gave no token"));
    X509_STORE_free(st);
    free(pdf);
}

/* Cross-reference streams: the update writes its section as a stream too;
 * hybrid files get a table. Signed twice, both signatures stay valid. */
TEST(xref_stream_and_hybrid_inputs)
{
    X509_STORE *st = store_of(root);
    for (int kind = 0; kind < 2; kind++) {
        size_t len, l1, l2;
        unsigned char *pdf = kind ? gen_pdf_hybrid(2, &len) : gen_pdf_xref_stream(2, &len);
        unsigned char *s1 = NULL, *s2 = NULL;
        struct pades_options o1 = {.when = WHEN}, o2 = {.role = PADES_SEAL, .when = WHEN};
        CHECK_EQ_INT(sign(pdf, len, official, &o1, &s1, &l1), 0);
        if (s1) {
            int has_stream = memmem(s1 + len, l1 - len, "/Type /XRef", 11) != NULL;
            int has_table = memmem(s1 + len, l1 - len, "\nxref\n", 6) != NULL;
            CHECK_EQ_INT(has_stream, kind == 0);
            CHECK_EQ_INT(has_table, kind == 1);
            CHECK_EQ_INT(sign(s1, l1, seal, &o2, &s2, &l2), 0);
        }
        if (s2) {
            CHECK_EQ_INT(openssl_checks(s2, l2), 0);
            json_t *r = NULL;
            CHECK_EQ_INT(verify(s2, l2, st, &r), 0);
            CHECK_EQ_INT(json_array_size(json_object_get(r, "signatures")), 2);
            CHECK_EQ_STR(sstr(sig_at(r, 0), "status"), "valid");
            CHECK_EQ_STR(sstr(sig_at(r, 1), "status"), "valid");
            json_decref(r);
        }
        free(s2);
        free(s1);
        free(pdf);
    }
    X509_STORE_free(st);
}

static cairo_status_t png_out(void *closure, const unsigned char *data, unsigned int n)
{
    return dynbuf_add(closure, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

TEST(image_page_and_rect)
{
    /* A blue stroke on a transparent background, as a scanned signature. */
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 300, 100);
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, 0, 0, 0.7);
    cairo_set_line_width(cr, 6);
    cairo_move_to(cr, 10, 80);
    cairo_curve_to(cr, 80, 0, 200, 100, 290, 20);
    cairo_stroke(cr);
    cairo_destroy(cr);
    struct dynbuf png;
    dynbuf_init(&png, 1 << 20);
    cairo_surface_write_to_png_stream(img, png_out, &png);
    cairo_surface_destroy(img);

    size_t len, slen;
    unsigned char *pdf = gen_pdf_cairo(3, &len), *out = NULL;
    struct pades_options o = {.image = (const unsigned char *)dynbuf_ptr(&png),
                              .image_len = dynbuf_len(&png), .page = 2, .has_rect = 1,
                              .rect = {100, 200, 250, 260}, .when = WHEN};
    CHECK_EQ_INT(sign(pdf, len, official, &o, &out, &slen), 0);
    struct pdfr *f = NULL;
    char err[256];
    struct pdfr_sigfield *fl = NULL;
    size_t nf = 0;
    struct pdfr_page pg;
    if (out && pdfr_open(out, slen, &f, err, sizeof err) == 0 &&
        pdfr_sigfields(f, &fl, &nf) == 0 && nf == 1 && fl[0].rect && pdfr_page(f, 1, &pg) == 0) {
        double r[4];
        for (int i = 0; i < 4; i++)
            pdfr_number(fl[0].rect->u.a.items[i], &r[i]);
        CHECK_EQ_INT((int)r[0], 100);
        CHECK_EQ_INT((int)r[1], 200);
        CHECK_EQ_INT((int)r[2], 250);
        CHECK_EQ_INT((int)r[3], 260);
        CHECK_EQ_INT(fl[0].page_num, pg.num); /* on page 2 */
    } else {
        CHECK(0);
    }
    free(fl);
    pdfr_free(f);
    free(out);
    out = NULL;

    /* Not a PNG. */
    o.image = (const unsigned char *)"not a png";
    o.image_len = 9;
    char e2[256] = "";
    CHECK_EQ_INT(pades_sign(pdf, len, official, &o, &out, &slen, e2, sizeof e2), -1);
    CHECK(out == NULL);
    CHECK(contains(e2, "not a readable PNG"));
    dynbuf_free(&png);
    free(pdf);
}

/* The image streams of a signed file's last update, in file order: where
 * each one's data starts and how long it is. Returns how many (at most max). */
static int image_streams(const unsigned char *p, size_t n, size_t from, size_t at[],
                         size_t len[], int max)
{
    int k = 0;
    const char *s = (const char *)p;
    for (size_t i = from; i + 32 < n && k < max; i++) {
        if (memcmp(s + i, "/Subtype /Image", 15) != 0)
            continue;
        const char *l = strstr(s + i, "/Length ");
        const char *st = l ? strstr(l, ">>\nstream\n") : NULL;
        if (!st)
            break;
        len[k] = strtoul(l + 8, NULL, 10);
        at[k] = (size_t)(st + 10 - s);
        i = at[k] + len[k];
        k++;
    }
    return k;
}

static int same_bytes(const unsigned char *a, size_t la, const unsigned char *b, size_t lb)
{
    return a && b && la == lb && memcmp(a, b, la) == 0;
}

/* pades_sign keeps the images of marks: a mark from the cache is the very
 * mark drawn afresh (RSA PKCS#1 v1.5 signatures are deterministic, so the
 * whole files compare), another name or another image is drawn anew, and
 * a seal's image stays while its band follows the signing time. */
TEST(mark_images_kept_for_reuse)
{
    size_t len, la = 0, lb = 0, lc = 0, ld = 0;
    unsigned char *pdf = document(&len), *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    struct pades_options o = {.title = "CHỦ TỊCH", .when = WHEN};
    pades_cache_clear();
    CHECK_EQ_INT(sign(pdf, len, official, &o, &a, &la), 0);
    CHECK_EQ_INT(sign(pdf, len, official, &o, &b, &lb), 0); /* from the cache */
    CHECK(same_bytes(a, la, b, lb));
    pades_cache_clear();
    CHECK_EQ_INT(sign(pdf, len, official, &o, &c, &lc), 0); /* drawn again */
    CHECK(same_bytes(a, la, c, lc));
    o.name = "Lê Thị Bình";
    CHECK_EQ_INT(sign(pdf, len, official, &o, &d, &ld), 0);
    CHECK(d && !same_bytes(a, la, d, ld));
    free(b);
    free(c);
    free(d);
    b = c = d = NULL;
    /* The name back: the first mark again, not the one just drawn. */
    o.name = NULL;
    CHECK_EQ_INT(sign(pdf, len, official, &o, &b, &lb), 0);
    CHECK(same_bytes(a, la, b, lb));
    free(a);
    free(b);
    a = b = NULL;

    /* The seal, one second apart: four images each (the seal and its mask,
     * the band and its mask); the seal's bytes are the same, the band's not. */
    struct pades_options s1 = {.role = PADES_SEAL, .when = WHEN};
    struct pades_options s2 = {.role = PADES_SEAL, .when = WHEN + 1};
    size_t at1[5], n1[5], at2[5], n2[5];
    CHECK_EQ_INT(sign(pdf, len, seal, &s1, &a, &la), 0);
    CHECK_EQ_INT(sign(pdf, len, seal, &s2, &b, &lb), 0);
    if (a && b) {
        CHECK_EQ_INT(image_streams(a, la, len, at1, n1, 5), 4);
        CHECK_EQ_INT(image_streams(b, lb, len, at2, n2, 5), 4);
        CHECK(same_bytes(a + at1[0], n1[0], b + at2[0], n2[0]));
        CHECK(same_bytes(a + at1[1], n1[1], b + at2[1], n2[1]));
        CHECK(!same_bytes(a + at1[2], n1[2], b + at2[2], n2[2]));
        X509_STORE *st = store_of(root);
        json_t *r = NULL;
        CHECK_EQ_INT(verify(b, lb, st, &r), 0);
        json_decref(r);
        X509_STORE_free(st);
    }
    free(a);
    free(b);
    free(pdf);
}

/* A certification's mark carries its own statement (register number) and
 * QR code: signing a second copy never shows the first one's. */
TEST(certification_marks_are_never_shared)
{
    size_t len, la = 0, lb = 0, at1[5], n1[5], at2[5], n2[5];
    unsigned char *pdf = document(&len), *a = NULL, *b = NULL;
    struct pades_options o = {.title = "CHỦ TỊCH", .when = WHEN,
                              .statement = "Chứng thực bản sao này đúng với bản chính.\nSố chứng thực: 1",
                              .qr_text = "https://example.vn/xac-thuc/aaaaaaaaaaaaaaaaaaaa"};
    pades_cache_clear();
    CHECK_EQ_INT(sign(pdf, len, official, &o, &a, &la), 0);
    o.statement = "Chứng thực bản sao này đúng với bản chính.\nSố chứng thực: 2";
    o.qr_text = "https://example.vn/xac-thuc/bbbbbbbbbbbbbbbbbbbb";
    CHECK_EQ_INT(sign(pdf, len, official, &o, &b, &lb), 0);
    if (a && b) {
        CHECK_EQ_INT(image_streams(a, la, len, at1, n1, 5), 2);
        CHECK_EQ_INT(image_streams(b, lb, len, at2, n2, 5), 2);
        CHECK(!same_bytes(a + at1[0], n1[0], b + at2[0], n2[0]));
    }
    free(a);
    free(b);
    free(pdf);
}

/* Inputs that cannot be signed: a clear reason, nothing produced, the
 * input untouched. */
TEST(refused_inputs)
{
    size_t len, clen;
    unsigned char *cairo_pdf = gen_pdf_cairo(1, &clen);
    unsigned char *enc = gen_pdf_classic("", "", "/Encrypt << /Filter /Standard >>", &len);
    size_t mlen;
    unsigned char *mdp = gen_pdf_classic("/Perms << /DocMDP << /Type /Sig /Reference [<< "
                                         "/TransformMethod /DocMDP /TransformParams << /P 1 >> "
                                         ">>] >> >>",
                                         "", "", &mlen);
    struct {
        const unsigned char *p;
        size_t len;
        int page;
        const char *why;
    } cases[] = {
        {(const unsigned char *)"%PDF-1.4 but nothing else", 25, 0, "truncated"},
        {(const unsigned char *)"<html>", 6, 0, "not a PDF"},
        {cairo_pdf, clen - 30, 0, "truncated"},
        {enc, len, 0, "encrypted"},
        {cairo_pdf, clen, 5, "no page 5"},
        {mdp, mlen, 0, "certified with no changes allowed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char *copy = malloc(cases[i].len);
        memcpy(copy, cases[i].p, cases[i].len);
        struct pades_options o = {.page = cases[i].page};
        unsigned char *out = (unsigned char *)"untouched";
        size_t olen = 99;
        char err[256] = "";
        CHECK_EQ_INT(pades_sign(copy, cases[i].len, official, &o, &out, &olen, err, sizeof err),
                     -1);
        CHECK(out == NULL && olen == 0);
        if (!contains(err, cases[i].why))
            printf("  case %zu: expected \"%s\" in: %s\n", i, cases[i].why, err);
        CHECK(contains(err, cases[i].why));
        CHECK(memcmp(copy, cases[i].p, cases[i].len) == 0);
        free(copy);
    }
    /* Certified with form filling and signing allowed (P 2): signs. */
    size_t m2len, olen2;
    unsigned char *mdp2 = gen_pdf_classic("/Perms << /DocMDP << /Type /Sig /Reference [<< "
                                          "/TransformMethod /DocMDP /TransformParams << /P 2 >> "
                                          ">>] >> >>",
                                          "", "", &m2len);
    unsigned char *o2 = NULL;
    CHECK_EQ_INT(sign(mdp2, m2len, official, NULL, &o2, &olen2), 0);
    free(o2);
    free(mdp2);
    /* A file without any signature does not verify. */
    json_t *r = NULL;
    CHECK_EQ_INT(verify(cairo_pdf, clen, NULL, &r), 1);
    CHECK_EQ_STR(sstr(r, "verdict"), "unsigned");
    json_decref(r);
    char err[256] = "";
    r = (json_t *)1;
    CHECK_EQ_INT(pdfv_verify((const unsigned char *)"<html>", 6, NULL, &r, err, sizeof err), -1);
    CHECK(r == NULL && contains(err, "not a PDF"));
    free(mdp);
    free(enc);
    free(cairo_pdf);
}

int main(void)
{
    make_ca();
    official = make_signer(1, OFFICIAL_CN, UNIT_O, valid_from(), valid_to());
    seal = make_signer(0, UNIT_O, UNIT_O, valid_from(), valid_to());
    RUN(sign_once_and_verify);
    RUN(official_then_seal_both_valid);
    RUN(flipped_byte_is_invalid);
    RUN(bytes_after_the_signature);
    RUN(byte_range_changed_is_invalid);
    RUN(trust);
    RUN(certificate_validity_at_signing_time);
    RUN(timestamp_b_t);
    RUN(xref_stream_and_hybrid_inputs);
    RUN(image_page_and_rect);
    RUN(mark_images_kept_for_reuse);
    RUN(certification_marks_are_never_shared);
    RUN(refused_inputs);
    signer_free(official);
    signer_free(seal);
    X509_free(root);
    X509_free(inter);
    X509_free(tsa_cert);
    X509_free(other_root);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(int_key);
    EVP_PKEY_free(tsa_key);
    EVP_PKEY_free(other_root_key);
    return harness_done();
}

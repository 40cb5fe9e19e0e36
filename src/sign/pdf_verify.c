/* pdf_verify: verification of a PDF's signatures. See pdf_verify.h. */
#include "sign/pdf_verify.h"

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sign/pdf_read.h"
#include "sign/sigtime.h"

enum status { ST_VALID, ST_UNTRUSTED, ST_INVALID };
static const char *const status_name[] = {"valid", "untrusted", "invalid"};

/* What one signature check found. */
struct check {
    enum status st;
    char problem[512];
    char signer[256], org[256], serial[128], issuer[512];
    time_t sign_time;
    const char *time_source; /* NULL: unknown */
    int has_ts;
    time_t ts_time;
    char tsa[256];
    int ltv; /* the document's /DSS holds verified revocation data for the signer */
};

/* The document's long-term validation data (/DSS, PAdES B-LT), parsed
 * once: what is not readable is left out. */
#define DSS_MAX 64 /* entries of each kind read */
struct dss {
    X509 *certs[DSS_MAX];
    OCSP_BASICRESP *ocsps[DSS_MAX];
    X509_CRL *crls[DSS_MAX];
    int ncerts, nocsps, ncrls;
};

/* Records a problem; a worse status replaces a milder one, and the first
 * problem of the worst status is the one told. */
static void problem(struct check *c, enum status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct check *c, enum status st, const char *fmt, ...)
{
    if (st < c->st || (st == c->st && c->problem[0]))
        return;
    c->st = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->problem, sizeof c->problem, fmt, ap);
    va_end(ap);
}

static const char *ossl_err(void)
{
    static _Thread_local char buf[200];
    unsigned long e = ERR_peek_last_error();
    buf[0] = 0;
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

static void name_field(const X509_NAME *n, int nid, char *out, size_t cap)
{
    out[0] = 0;
    int i = n ? X509_NAME_get_index_by_NID(n, nid, -1) : -1;
    if (i < 0)
        return;
    unsigned char *u = NULL;
    int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
    if (len >= 0) {
        snprintf(out, cap, "%.*s", len, u);
        OPENSSL_free(u);
    }
}

static void name_line(const X509_NAME *n, char *out, size_t cap)
{
    out[0] = 0;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    /* RFC 2253 order, UTF-8 kept as it is (Vietnamese names stay readable). */
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *p;
    long len = BIO_get_mem_data(b, &p);
    snprintf(out, cap, "%.*s", (int)(len > 0 ? len : 0), p);
    BIO_free(b);
}

static void cert_info(X509 *x, struct check *c)
{
    name_field(X509_get_subject_name(x), NID_commonName, c->signer, sizeof c->signer);
    name_field(X509_get_subject_name(x), NID_organizationName, c->org, sizeof c->org);
    name_line(X509_get_issuer_name(x), c->issuer, sizeof c->issuer);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    snprintf(c->serial, sizeof c->serial, "%s", hex ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
}

static int asn1_time(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return -1;
    *out = timegm(&tm);
    return 0;
}

/* A PDF date "D:YYYYMMDDHHmmSSOHH'mm'" (7.9.4), missing parts defaulted. */
static int pdf_date(const struct pdfr_obj *s, time_t *out)
{
    if (!s || s->type != PDFR_STRING)
        return -1;
    const char *p = (const char *)s->u.s.p;
    if (strncmp(p, "D:", 2) == 0)
        p += 2;
    int v[6] = {0, 1, 1, 0, 0, 0}, widths[6] = {4, 2, 2, 2, 2, 2};
    for (int i = 0; i < 6; i++) {
        int n = 0, k = 0;
        for (; k < widths[i] && p[k] >= '0' && p[k] <= '9'; k++)
            n = n * 10 + (p[k] - '0');
        if (k == 0 && i > 0)
            break;
        if (k != widths[i])
            return -1;
        v[i] = n;
        p += k;
    }
    long off = 0;
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, hh = 0, mm = 0;
        p++;
        if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') {
            hh = (p[0] - '0') * 10 + p[1] - '0';
            p += 2;
            if (*p == '\'')
                p++;
            if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9')
                mm = (p[0] - '0') * 10 + p[1] - '0';
        }
        off = sign * (hh * 3600L + mm * 60L);
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return -1;
    struct tm tm = {.tm_year = v[0] - 1900, .tm_mon = v[1] - 1, .tm_mday = v[2],
                    .tm_hour = v[3], .tm_min = v[4], .tm_sec = v[5]};
    *out = timegm(&tm) - off;
    return 0;
}

/* ---- timestamps ----------------------------------------------------- */

/* Checks an RFC 3161 token: its message imprint must be the hash of
 * data[0..len) (data2 appended when given), and it must verify against the
 * trusted roots. Fills has_ts, ts_time, tsa. */
static void check_token(PKCS7 *tok, const unsigned char *data, size_t len,
                        const unsigned char *data2, size_t len2, X509_STORE *trust,
                        struct check *c, const char *what)
{
    TS_TST_INFO *tst = PKCS7_to_TS_TST_INFO(tok);
    if (!tst) {
        problem(c, ST_INVALID, "the %s is not a timestamp token", what);
        ERR_clear_error();
        return;
    }
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    const ASN1_OBJECT *aobj;
    X509_ALGOR_get0(&aobj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
    const EVP_MD *md = EVP_get_digestbyobj(aobj);
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    int ok = md && mctx && EVP_DigestInit_ex(mctx, md, NULL) &&
             EVP_DigestUpdate(mctx, data, len) && (!data2 || EVP_DigestUpdate(mctx, data2, len2)) &&
             EVP_DigestFinal_ex(mctx, h, &hlen);
    EVP_MD_CTX_free(mctx);
    ASN1_OCTET_STRING *want = TS_MSG_IMPRINT_get_msg(mi);
    if (!ok || (int)hlen != ASN1_STRING_length(want) ||
        memcmp(h, ASN1_STRING_get0_data(want), hlen) != 0) {
        problem(c, ST_INVALID, "the %s is not over this %s", what,
                data2 ? "document" : "signature");
        TS_TST_INFO_free(tst);
        ERR_clear_error();
        return;
    }
    c->has_ts = 1;
    asn1_time(TS_TST_INFO_get_time(tst), &c->ts_time);
    GENERAL_NAME *gn = TS_TST_INFO_get_tsa(tst);
    if (gn && gn->type == GEN_DIRNAME)
        name_field(gn->d.directoryName, NID_commonName, c->tsa, sizeof c->tsa);
    if (!c->tsa[0]) {
        STACK_OF(X509) *ss = PKCS7_get0_signers(tok, NULL, 0);
        if (ss && sk_X509_num(ss) > 0)
            name_field(X509_get_subject_name(sk_X509_value(ss, 0)), NID_commonName, c->tsa,
                       sizeof c->tsa);
        sk_X509_free(ss);
    }
    TS_TST_INFO_free(tst);
    ERR_clear_error();
    TS_VERIFY_CTX *vctx = TS_VERIFY_CTX_new();
    X509_STORE *store = trust ? trust : X509_STORE_new();
    unsigned char *imp = OPENSSL_malloc(hlen);
    if (!vctx || !store || !imp) {
        problem(c, ST_INVALID, "out of memory");
        OPENSSL_free(imp);
        if (!trust)
            X509_STORE_free(store);
        TS_VERIFY_CTX_free(vctx);
        return;
    }
    memcpy(imp, h, hlen);
    if (trust)
        X509_STORE_up_ref(trust); /* the context frees the store it is given */
    TS_VERIFY_CTX_set_store(vctx, store);
    TS_VERIFY_CTX_set_imprint(vctx, imp, hlen);
    TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_SIGNER | TS_VFY_IMPRINT);
    if (TS_RESP_verify_token(vctx, tok) != 1) {
        unsigned long e = ERR_peek_last_error();
        if (ERR_GET_LIB(e) == ERR_LIB_TS && ERR_GET_REASON(e) == TS_R_CERTIFICATE_VERIFY_ERROR)
            problem(c, ST_UNTRUSTED, "the %s's authority (%s) does not chain to a trusted root",
                    what, c->tsa[0] ? c->tsa : "unnamed");
        else
            problem(c, ST_INVALID, "the %s does not verify (%s)", what, ossl_err());
    }
    TS_VERIFY_CTX_free(vctx);
    ERR_clear_error();
}

/* ---- long-term validation data (/DSS) -------------------------------- */

/* The data of the stream items of array key of the DSS, one by one. */
static int dss_streams(struct pdfr *f, const struct pdfr_obj *dss, const char *key,
                       const unsigned char **data, size_t *len, int cap)
{
    const struct pdfr_obj *a = pdfr_dict_res(f, dss, key);
    int n = 0;
    for (size_t i = 0; a && a->type == PDFR_ARRAY && i < a->u.a.n && n < cap; i++) {
        const struct pdfr_obj *st = pdfr_resolve(f, a->u.a.items[i]);
        /* Only unfiltered streams are read (motcua writes them so); a
         * compressed one is left out rather than decoded here. */
        if (!st || st->type != PDFR_STREAM || pdfr_dict_get(st->u.stm.dict, "Filter"))
            continue;
        data[n] = st->u.stm.data;
        len[n++] = st->u.stm.len;
    }
    return n;
}

static void dss_read(struct pdfr *f, struct dss *out)
{
    uint32_t num;
    uint16_t gen;
    const unsigned char *data[DSS_MAX];
    size_t len[DSS_MAX];
    memset(out, 0, sizeof *out);
    const struct pdfr_obj *cat = pdfr_catalog(f, &num, &gen);
    const struct pdfr_obj *dss = cat ? pdfr_dict_res(f, cat, "DSS") : NULL;
    if (!dss || dss->type != PDFR_DICT)
        return;
    int n = dss_streams(f, dss, "Certs", data, len, DSS_MAX);
    for (int i = 0; i < n; i++) {
        const unsigned char *p = data[i];
        X509 *x = d2i_X509(NULL, &p, (long)len[i]);
        if (x)
            out->certs[out->ncerts++] = x;
    }
    n = dss_streams(f, dss, "OCSPs", data, len, DSS_MAX);
    for (int i = 0; i < n; i++) {
        const unsigned char *p = data[i];
        OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)len[i]);
        OCSP_BASICRESP *bs = r && OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL
                                 ? OCSP_response_get1_basic(r)
                                 : NULL;
        if (bs)
            out->ocsps[out->nocsps++] = bs;
        OCSP_RESPONSE_free(r);
    }
    n = dss_streams(f, dss, "CRLs", data, len, DSS_MAX);
    for (int i = 0; i < n; i++) {
        const unsigned char *p = data[i];
        X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len[i]);
        if (crl)
            out->crls[out->ncrls++] = crl;
    }
    ERR_clear_error();
}

static void dss_free(struct dss *d)
{
    for (int i = 0; i < d->ncerts; i++)
        X509_free(d->certs[i]);
    for (int i = 0; i < d->nocsps; i++)
        OCSP_BASICRESP_free(d->ocsps[i]);
    for (int i = 0; i < d->ncrls; i++)
        X509_CRL_free(d->crls[i]);
    memset(d, 0, sizeof *d);
}

/* The issuer of x among the signature's certificates and the DSS's. */
static X509 *find_issuer(X509 *x, STACK_OF(X509) *certs, const struct dss *d)
{
    for (int i = 0; certs && i < sk_X509_num(certs); i++)
        if (X509_check_issued(sk_X509_value(certs, i), x) == X509_V_OK)
            return sk_X509_value(certs, i);
    for (int i = 0; i < d->ncerts; i++)
        if (X509_check_issued(d->certs[i], x) == X509_V_OK)
            return d->certs[i];
    return NULL;
}

/* What the DSS says of the signer's certificate: an OCSP answer about it
 * that its issuer (or a responder the issuer delegated to) signed, or a
 * CRL its issuer signed. Sets c->ltv when there is one; a revocation
 * before the signing time t makes the signature invalid (a revocation
 * after it does not: that is what the data is kept for). */
static void check_revocation(X509 *signer, STACK_OF(X509) *certs, const struct dss *d, time_t t,
                             struct check *c)
{
    X509 *issuer = find_issuer(signer, certs, d);
    if (!issuer || (!d->nocsps && !d->ncrls))
        return;
    time_t revoked_at = 0;
    int revoked = 0;
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, signer, issuer);
    X509_STORE *st = X509_STORE_new();
    STACK_OF(X509) *others = sk_X509_new_null();
    if (!id || !st || !others || !X509_STORE_add_cert(st, issuer))
        goto out;
    X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
    for (int i = 0; certs && i < sk_X509_num(certs); i++)
        sk_X509_push(others, sk_X509_value(certs, i));
    for (int i = 0; i < d->ncerts; i++)
        sk_X509_push(others, d->certs[i]);
    for (int i = 0; i < d->nocsps; i++) {
        int status, reason;
        ASN1_GENERALIZEDTIME *rev = NULL, *tu = NULL, *nu = NULL;
        if (!OCSP_resp_find_status(d->ocsps[i], id, &status, &reason, &rev, &tu, &nu))
            continue;
        /* The answer's own time is what it is checked at, not now: an
         * answer years old is what long-term validation keeps. */
        X509_VERIFY_PARAM *vp = X509_STORE_get0_param(st);
        time_t at;
        if (asn1_time(tu, &at) == 0)
            X509_VERIFY_PARAM_set_time(vp, at);
        if (OCSP_basic_verify(d->ocsps[i], others, st, 0) <= 0) {
            ERR_clear_error();
            continue;
        }
        c->ltv = 1;
        if (status == V_OCSP_CERTSTATUS_REVOKED && asn1_time(rev, &at) == 0 &&
            (!revoked || at < revoked_at)) {
            revoked = 1;
            revoked_at = at;
        }
    }
    EVP_PKEY *ik = X509_get0_pubkey(issuer);
    for (int i = 0; ik && i < d->ncrls; i++) {
        if (X509_NAME_cmp(X509_CRL_get_issuer(d->crls[i]), X509_get_subject_name(issuer)) != 0 ||
            X509_CRL_verify(d->crls[i], ik) != 1) {
            ERR_clear_error();
            continue;
        }
        c->ltv = 1;
        X509_REVOKED *r = NULL;
        time_t at;
        if (X509_CRL_get0_by_cert(d->crls[i], &r, signer) == 1 && r &&
            asn1_time(X509_REVOKED_get0_revocationDate(r), &at) == 0 &&
            (!revoked || at < revoked_at)) {
            revoked = 1;
            revoked_at = at;
        }
    }
    if (revoked && revoked_at <= t) {
        char when[40];
        sigtime_iso(revoked_at, when, sizeof when);
        problem(c, ST_INVALID,
                "certificate revoked: the signer's certificate was revoked on %s, before the "
                "signing time",
                when);
    }
out:
    sk_X509_free(others);
    X509_STORE_free(st);
    OCSP_CERTID_free(id);
    ERR_clear_error();
}

/* ---- one signature -------------------------------------------------- */

static int is_untrusted_error(int e)
{
    return e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || e == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
           e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
           e == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE || e == X509_V_ERR_CERT_UNTRUSTED;
}

/* The signer's chain at time t, against trust (NULL: no root). */
static void check_chain(X509 *signer, STACK_OF(X509) *certs, X509_STORE *trust, time_t t,
                        struct check *c)
{
    uint32_t ku = X509_get_key_usage(signer);
    if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
        problem(c, ST_INVALID, "the signer's certificate does not allow signing (key usage)");
    X509_STORE *store = trust ? trust : X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!store || !ctx || !X509_STORE_CTX_init(ctx, store, signer, certs)) {
        problem(c, ST_INVALID, "out of memory");
        goto out;
    }
    X509_STORE_CTX_set_time(ctx, 0, t);
    if (X509_verify_cert(ctx) != 1) {
        int e = X509_STORE_CTX_get_error(ctx);
        if (is_untrusted_error(e))
            problem(c, ST_UNTRUSTED,
                    trust ? "the signer's certificate does not chain to a trusted root (%s)"
                          : "no trusted root was given to check the signer's certificate (%s)",
                    X509_verify_cert_error_string(e));
        else if (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID)
            problem(c, ST_INVALID,
                    "a certificate of the signer's chain was not valid at the signing time (%s)",
                    X509_verify_cert_error_string(e));
        else
            problem(c, ST_INVALID, "the signer's certificate chain is not valid (%s)",
                    X509_verify_cert_error_string(e));
    }
out:
    X509_STORE_CTX_free(ctx);
    if (!trust)
        X509_STORE_free(store);
    ERR_clear_error();
}

/* The ESS signing-certificate attribute must name the signer's certificate;
 * CAdES (and so PAdES) requires it. */
static void check_ess(CMS_SignerInfo *si, X509 *signer, int required, struct check *c)
{
    ESS_SIGNING_CERT *v1 = NULL;
    ESS_SIGNING_CERT_V2 *v2 = NULL;
    ASN1_STRING *s1 = CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3, V_ASN1_SEQUENCE);
    ASN1_STRING *s2 = CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE);
    const unsigned char *p;
    if (s1) {
        p = ASN1_STRING_get0_data(s1);
        v1 = d2i_ESS_SIGNING_CERT(NULL, &p, ASN1_STRING_length(s1));
    }
    if (s2) {
        p = ASN1_STRING_get0_data(s2);
        v2 = d2i_ESS_SIGNING_CERT_V2(NULL, &p, ASN1_STRING_length(s2));
    }
    if (!v1 && !v2) {
        if (required || s1 || s2)
            problem(c, ST_INVALID, "the signature lacks a readable signing-certificate attribute "
                                   "(CAdES requires one)");
    } else {
        STACK_OF(X509) *chain = sk_X509_new_null();
        if (!chain || !sk_X509_push(chain, signer) ||
            OSSL_ESS_check_signing_certs(v1, v2, chain, 1) <= 0)
            problem(c, ST_INVALID, "the signing-certificate attribute does not name the "
                                   "signer's certificate");
        sk_X509_free(chain);
    }
    ESS_SIGNING_CERT_free(v1);
    ESS_SIGNING_CERT_V2_free(v2);
    ERR_clear_error();
}

/* A CMS signature over the covered bytes (content = a then b). */
static void check_cms(const unsigned char *der, size_t derlen, const unsigned char *a,
                      size_t alen, const unsigned char *b, size_t blen, int cades,
                      X509_STORE *trust, const struct pdfr_obj *m, const struct dss *dss,
                      struct check *c)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)derlen);
    unsigned char *content = NULL;
    BIO *bio = NULL;
    STACK_OF(X509) *certs = NULL, *signers = NULL;
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        problem(c, ST_INVALID, "/Contents is not a CMS signature");
        goto out;
    }
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    if (sk_CMS_SignerInfo_num(sis) != 1) {
        problem(c, ST_INVALID, "the CMS signature has %d signers, not one",
                sk_CMS_SignerInfo_num(sis));
        goto out;
    }
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
    time_t t;
    if (pdf_date(m, &t) == 0) { /* the signer's claim, until something better */
        c->sign_time = t;
        c->time_source = "/M";
    }
    if (!(content = malloc(alen + blen + 1))) {
        problem(c, ST_INVALID, "out of memory");
        goto out;
    }
    memcpy(content, a, alen);
    memcpy(content + alen, b, blen);
    bio = BIO_new_mem_buf(content, (int)(alen + blen));
    if (!bio || alen + blen > INT32_MAX) {
        problem(c, ST_INVALID, "out of memory");
        goto out;
    }
    /* The math first; the chain is checked below at the signing time,
     * which CMS_verify would not use. */
    if (CMS_verify(cms, NULL, NULL, bio, NULL,
                   CMS_DETACHED | CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        problem(c, ST_INVALID,
                "the signature does not match the signed bytes: the document was changed "
                "after signing, or the signature is damaged (%s)",
                ossl_err());
        ERR_clear_error();
        /* Still tell who claims to have signed. */
        signers = CMS_get0_signers(cms);
        if (!signers || sk_X509_num(signers) < 1) {
            certs = CMS_get1_certs(cms);
            X509 *x = NULL;
            if (certs)
                for (int i = 0; i < sk_X509_num(certs) && !x; i++)
                    if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
                        x = sk_X509_value(certs, i);
            if (x)
                cert_info(x, c);
        } else {
            cert_info(sk_X509_value(signers, 0), c);
        }
        goto out;
    }
    signers = CMS_get0_signers(cms);
    X509 *signer = signers && sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : NULL;
    if (!signer) {
        problem(c, ST_INVALID, "the signer's certificate is not in the signature");
        goto out;
    }
    cert_info(signer, c);
    check_ess(si, signer, cades, c);

    int ti = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
    if (ti >= 0) {
        ASN1_TYPE *at = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, ti), 0);
        const unsigned char *tp = at && at->type == V_ASN1_SEQUENCE
                                      ? ASN1_STRING_get0_data(at->value.sequence)
                                      : NULL;
        PKCS7 *tok = tp ? d2i_PKCS7(NULL, &tp, ASN1_STRING_length(at->value.sequence)) : NULL;
        ASN1_OCTET_STRING *sv = CMS_SignerInfo_get0_signature(si);
        if (!tok)
            problem(c, ST_INVALID, "the signature timestamp is not a timestamp token");
        else
            check_token(tok, ASN1_STRING_get0_data(sv), (size_t)ASN1_STRING_length(sv), NULL,
                        0, trust, c, "signature timestamp");
        PKCS7_free(tok);
    }
    ASN1_TYPE *st = NULL;
    int stl = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (stl >= 0)
        st = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, stl), 0);
    if (c->has_ts) {
        c->sign_time = c->ts_time;
        c->time_source = "timestamp";
    } else if (st && (st->type == V_ASN1_UTCTIME || st->type == V_ASN1_GENERALIZEDTIME) &&
               asn1_time((const ASN1_TIME *)st->value.asn1_string, &t) == 0) {
        c->sign_time = t;
        c->time_source = "signing-time attribute";
    }
    certs = CMS_get1_certs(cms);
    check_chain(signer, certs, trust, c->time_source ? c->sign_time : time(NULL), c);
    check_revocation(signer, certs, dss, c->time_source ? c->sign_time : time(NULL), c);
out:
    sk_X509_pop_free(certs, X509_free);
    sk_X509_free(signers);
    BIO_free(bio);
    free(content);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
}

/* The end of the revision each "%%EOF" closes: count of markers ending at
 * or before pos. */
static int revisions_upto(const unsigned char *d, size_t len, size_t pos)
{
    int n = 0;
    for (size_t i = 0; i + 5 <= len && i + 5 <= pos; i++)
        if (d[i] == '%' && memcmp(d + i, "%%EOF", 5) == 0)
            n++;
    return n;
}

struct sigrep {
    json_t *j;
    size_t end;
    enum status st;
};

static int cmp_rep(const void *a, const void *b)
{
    const struct sigrep *x = a, *y = b;
    return x->end < y->end ? -1 : x->end > y->end;
}

static json_t *iso_or_null(int have, time_t t)
{
    if (!have)
        return json_null();
    char buf[40];
    sigtime_iso(t, buf, sizeof buf);
    return json_string(buf);
}

static json_t *text_or_null(const struct pdfr_obj *o)
{
    char buf[512];
    if (!o || o->type != PDFR_STRING)
        return json_null();
    pdfr_text(o, buf, sizeof buf);
    return json_string(buf);
}

/* Checks one signature field's value; returns its report. */
static json_t *check_one(struct pdfr *f, const struct pdfr_sigfield *fl, X509_STORE *trust,
                         const struct dss *dss, size_t *end, enum status *st_out)
{
    const unsigned char *d = pdfr_data(f);
    size_t len = pdfr_len(f);
    const struct pdfr_obj *v = fl->value;
    struct check c = {.st = ST_VALID};
    int64_t br[4] = {0, 0, 0, 0};
    const struct pdfr_obj *sub = pdfr_dict_res(f, v, "SubFilter");
    const struct pdfr_obj *contents = pdfr_dict_get(v, "Contents");
    const struct pdfr_obj *bro = pdfr_dict_res(f, v, "ByteRange");
    char subname[64] = "";
    int doc_ts = pdfr_is_name(sub, "ETSI.RFC3161");
    if (sub && sub->type == PDFR_NAME)
        snprintf(subname, sizeof subname, "%s", (const char *)sub->u.s.p);
    *end = 0;

    int ok = bro && bro->type == PDFR_ARRAY && bro->u.a.n == 4;
    for (int i = 0; ok && i < 4; i++) {
        const struct pdfr_obj *x = bro->u.a.items[i];
        ok = x->type == PDFR_INT && x->u.i >= 0 && (uint64_t)x->u.i <= len;
        if (ok)
            br[i] = x->u.i;
    }
    if (!ok) {
        problem(&c, ST_INVALID, "the /ByteRange is missing or malformed");
    } else if (br[0] != 0) {
        problem(&c, ST_INVALID, "the /ByteRange does not start at the beginning of the file");
    } else if (br[1] < 2 || br[2] <= br[1] + 1 || (uint64_t)(br[2] + br[3]) > len) {
        problem(&c, ST_INVALID, "the /ByteRange is malformed or reaches past the file's end");
    } else {
        *end = (size_t)(br[2] + br[3]);
        /* The gap must be exactly this dictionary's /Contents string:
         * anything else left out of the signature could be changed. */
        int gap_ok = d[br[1]] == '<' && d[br[2] - 1] == '>';
        for (int64_t i = br[1] + 1; gap_ok && i < br[2] - 1; i++)
            gap_ok = (d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f') ||
                     (d[i] >= 'A' && d[i] <= 'F');
        if (!contents || contents->type != PDFR_STRING) {
            problem(&c, ST_INVALID, "the signature has no /Contents string");
        } else if (!contents->in_file) {
            problem(&c, ST_INVALID, "the signature dictionary is inside an object stream, so "
                                    "the bytes it leaves out cannot be checked");
        } else if (!gap_ok || contents->raw != d + br[1] ||
                   contents->raw_len != (size_t)(br[2] - br[1])) {
            problem(&c, ST_INVALID, "the /ByteRange leaves out more than the signature's "
                                    "/Contents string");
        } else if (doc_ts) {
            const unsigned char *tp = contents->u.s.p;
            PKCS7 *tok = d2i_PKCS7(NULL, &tp, (long)contents->u.s.len);
            if (!tok)
                problem(&c, ST_INVALID, "the document timestamp is not a timestamp token");
            else
                check_token(tok, d, (size_t)br[1], d + br[2], (size_t)br[3], trust, &c,
                            "document timestamp");
            PKCS7_free(tok);
            if (c.has_ts) {
                c.sign_time = c.ts_time;
                c.time_source = "timestamp";
            }
        } else if (pdfr_is_name(sub, "ETSI.CAdES.detached") ||
                   pdfr_is_name(sub, "adbe.pkcs7.detached")) {
            check_cms(contents->u.s.p, contents->u.s.len, d, (size_t)br[1], d + br[2],
                      (size_t)br[3], pdfr_is_name(sub, "ETSI.CAdES.detached"), trust,
                      pdfr_dict_res(f, v, "M"), dss, &c);
        } else {
            problem(&c, ST_INVALID, "the signature's /SubFilter (%s) is one motcua does not "
                                    "verify",
                    subname[0] ? subname : "none");
        }
    }
    int rev = *end ? revisions_upto(d, len, *end) : 0;
    json_t *ts = c.has_ts ? json_pack("{s:o, s:s}", "time", iso_or_null(1, c.ts_time), "tsa",
                                      c.tsa)
                          : json_null();
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:s?, s:o, s:o, s:o, s:[IIII], s:I, "
        "s:i, s:b, s:s, s:s?, s:b}",
        "field", fl->name, "kind", doc_ts ? "document timestamp" : "signature", "sub_filter",
        subname, "signer", c.signer[0] ? c.signer : NULL, "organisation",
        c.org[0] ? c.org : NULL, "serial", c.serial[0] ? c.serial : NULL, "issuer",
        c.issuer[0] ? c.issuer : NULL, "signing_time", iso_or_null(c.time_source != NULL,
                                                                    c.sign_time),
        "time_source", c.time_source, "timestamp", ts, "reason",
        text_or_null(pdfr_dict_res(f, v, "Reason")), "location",
        text_or_null(pdfr_dict_res(f, v, "Location")), "byte_range", (json_int_t)br[0],
        (json_int_t)br[1], (json_int_t)br[2], (json_int_t)br[3], "covered_bytes",
        (json_int_t)*end, "revision", rev, "whole_file", *end == len, "status",
        status_name[c.st], "problem", c.problem[0] ? c.problem : NULL, "ltv", c.ltv);
    *st_out = c.st;
    return j;
}

/* Are two objects the same (their text, and a stream's data)? */
static int same_obj(const struct pdfr_obj *a, const struct pdfr_obj *b)
{
    if (!a || !b || a->type != b->type || a->raw_len != b->raw_len ||
        memcmp(a->raw, b->raw, a->raw_len) != 0)
        return 0;
    if (a->type == PDFR_STREAM)
        return a->u.stm.len == b->u.stm.len &&
               memcmp(a->u.stm.data, b->u.stm.data, a->u.stm.len) == 0 &&
               same_obj(a->u.stm.dict, b->u.stm.dict);
    return 1;
}

/* Is o a reference to num? */
static int refers(const struct pdfr_obj *o, uint32_t num)
{
    return o && o->type == PDFR_REF && o->u.ref.num == num;
}

/* Does the array (or the reference to it) key of d name num? */
static int array_names(struct pdfr *f, const struct pdfr_obj *d, const char *key, uint32_t num)
{
    const struct pdfr_obj *k = pdfr_dict_get(d, key);
    if (refers(k, num))
        return 1;
    const struct pdfr_obj *a = pdfr_resolve(f, k);
    for (size_t i = 0; a && a->type == PDFR_ARRAY && i < a->u.a.n; i++)
        if (refers(a->u.a.items[i], num))
            return 1;
    return 0;
}

/* May object num, new or changed after the last signature, be there in an
 * update that only adds validation data? The new /DSS, its /VRI and their
 * entries, and the certificates, OCSP answers and CRLs they list. */
static int dss_part(struct pdfr *f, const struct pdfr_obj *cat, uint32_t num)
{
    const struct pdfr_obj *dref = pdfr_dict_get(cat, "DSS");
    const struct pdfr_obj *dss = pdfr_resolve(f, dref);
    if (!dss || dss->type != PDFR_DICT)
        return 0;
    if (refers(dref, num))
        return 1;
    static const char *const arrays[] = {"Certs", "OCSPs", "CRLs"};
    for (size_t i = 0; i < 3; i++)
        if (array_names(f, dss, arrays[i], num))
            return 1;
    const struct pdfr_obj *vref = pdfr_dict_get(dss, "VRI");
    const struct pdfr_obj *vri = pdfr_resolve(f, vref);
    if (refers(vref, num))
        return 1;
    for (size_t i = 0; vri && vri->type == PDFR_DICT && i < vri->u.d.n; i++) {
        const struct pdfr_obj *e = vri->u.d.items[i].val;
        if (refers(e, num))
            return 1;
        e = pdfr_resolve(f, e);
        static const char *const lists[] = {"Cert", "OCSP", "CRL"};
        for (size_t k = 0; e && e->type == PDFR_DICT && k < 3; k++)
            if (array_names(f, e, lists[k], num))
                return 1;
    }
    return 0;
}

static int is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' || ch == '\f' || ch == 0;
}

static size_t skip_ws(const unsigned char *d, size_t pos, size_t end)
{
    while (pos < end && is_ws(d[pos]))
        pos++;
    return pos;
}

static int word_at(const unsigned char *d, size_t pos, size_t end, const char *w)
{
    size_t n = strlen(w);
    return pos + n <= end && memcmp(d + pos, w, n) == 0;
}

/* An unsigned decimal at *pos (advanced past it). */
static int number_at(const unsigned char *d, size_t *pos, size_t end, uint64_t *v)
{
    size_t p = *pos;
    *v = 0;
    while (p < end && d[p] >= '0' && d[p] <= '9' && p - *pos < 12)
        *v = *v * 10 + (uint64_t)(d[p++] - '0');
    if (p == *pos)
        return -1;
    *pos = p;
    return 0;
}

/* "startxref N %%EOF" at *pos, then the end of the line. */
static int startxref_at(const unsigned char *d, size_t *pos, size_t end)
{
    uint64_t v;
    size_t p = *pos;
    if (!word_at(d, p, end, "startxref"))
        return -1;
    p = skip_ws(d, p + 9, end);
    if (number_at(d, &p, end, &v))
        return -1;
    p = skip_ws(d, p, end);
    if (!word_at(d, p, end, "%%EOF"))
        return -1;
    *pos = p + 5;
    return 0;
}

/* One update, from a to b (the end of its %%EOF): compared with the file
 * as it stood at a, the trailer keeps its /Root and /Info, the catalog
 * changes only in /DSS, no object is removed, and every other object that
 * is new or changed is a cross-reference stream or a part of the new /DSS
 * that did not exist before (the old /DSS's own object excepted); and the
 * update's bytes are those objects, each once, and its cross-reference
 * section, nothing else. */
static int dss_update(const unsigned char *pdf, size_t a, size_t b)
{
    struct pdfr *f = NULL, *g = NULL;
    char err[200];
    int ok = 0;
    uint32_t cn, gn;
    uint16_t cgen, ggen;
    unsigned char *seen = NULL;
    if (pdfr_open(pdf, b, &f, err, sizeof err) || pdfr_open(pdf, a, &g, err, sizeof err))
        goto out;
    const struct pdfr_obj *cat = pdfr_catalog(f, &cn, &cgen);
    const struct pdfr_obj *gcat = pdfr_catalog(g, &gn, &ggen);
    if (!cat || !gcat || cn != gn || !pdfr_dict_get(cat, "DSS"))
        goto out;
    static const char *const tkeys[] = {"Root", "Info"};
    for (size_t i = 0; i < 2; i++) {
        const struct pdfr_obj *x = pdfr_dict_get(pdfr_trailer(f), tkeys[i]);
        const struct pdfr_obj *y = pdfr_dict_get(pdfr_trailer(g), tkeys[i]);
        if ((x || y) && !same_obj(x, y))
            goto out;
    }
    /* The catalog: the same entries, /DSS aside. */
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < cat->u.d.n; i++) {
        if (strcmp(cat->u.d.items[i].key, "DSS") == 0)
            continue;
        na++;
        if (!same_obj(cat->u.d.items[i].val, pdfr_dict_get(gcat, cat->u.d.items[i].key)))
            goto out;
    }
    for (size_t i = 0; i < gcat->u.d.n; i++)
        nb += strcmp(gcat->u.d.items[i].key, "DSS") != 0;
    if (na != nb)
        goto out;
    const struct pdfr_obj *old_dss = pdfr_dict_get(gcat, "DSS");
    uint32_t next = pdfr_next_num(f);
    if (!(seen = calloc(next + 1, 1)))
        goto out;
    for (uint32_t num = 1; num < next; num++) {
        const struct pdfr_obj *now = pdfr_get(f, num), *then = pdfr_get(g, num);
        if (same_obj(now, then) || (!now && !then))
            continue; /* the catalog too, when only an indirect /DSS was rewritten */
        if (!now || !now->in_file || now->raw < pdf + a || now->raw + now->raw_len > pdf + b)
            goto out; /* removed, or pointed elsewhere than this update */
        seen[num] = 1; /* to be found in the update's bytes */
        if (num == cn)
            continue;
        int xref = now->type == PDFR_STREAM &&
                   pdfr_is_name(pdfr_dict_get(now->u.stm.dict, "Type"), "XRef");
        if (xref)
            continue;
        /* A new object of the /DSS, or the old /DSS rewritten in place. */
        if (!dss_part(f, cat, num) || (then && !refers(old_dss, num)))
            goto out;
    }
    /* The bytes: those objects, each once, then the cross-reference
     * section (a table and trailer, or a stream object), startxref, %%EOF. */
    size_t pos = a;
    for (;;) {
        pos = skip_ws(pdf, pos, b);
        if (pos >= b)
            break;
        uint64_t num, gen;
        if (word_at(pdf, pos, b, "xref")) {
            pos += 4;
            while (pos < b && (strchr("0123456789 nf\r\n", pdf[pos]) && pdf[pos]))
                pos++;
            if (!word_at(pdf, pos, b, "trailer"))
                goto out;
            /* The trailer's dictionary was read by pdfr_open as f's. */
            const unsigned char *sx = memmem(pdf + pos, b - pos, "startxref", 9);
            if (!sx)
                goto out;
            pos = (size_t)(sx - pdf);
            if (startxref_at(pdf, &pos, b))
                goto out;
            continue;
        }
        if (word_at(pdf, pos, b, "startxref")) {
            if (startxref_at(pdf, &pos, b))
                goto out;
            continue;
        }
        if (number_at(pdf, &pos, b, &num) || num >= next || !seen[num] || seen[num] == 2)
            goto out;
        pos = skip_ws(pdf, pos, b);
        if (number_at(pdf, &pos, b, &gen))
            goto out;
        pos = skip_ws(pdf, pos, b);
        if (!word_at(pdf, pos, b, "obj"))
            goto out;
        pos = skip_ws(pdf, pos + 3, b);
        const struct pdfr_obj *o = pdfr_get(f, (uint32_t)num);
        if (!o || o->raw != pdf + pos)
            goto out;
        pos = skip_ws(pdf, pos + o->raw_len, b);
        if (!word_at(pdf, pos, b, "endobj"))
            goto out;
        pos += 6;
        seen[num] = 2;
    }
    for (uint32_t num = 1; num < next; num++)
        if (seen[num] == 1)
            goto out;
    ok = 1;
out:
    free(seen);
    pdfr_free(g);
    pdfr_free(f);
    return ok;
}

/* Whether the bytes after end (the last signature's) are only updates
 * that add long-term validation data (dss_update, each up to its %%EOF).
 * Such updates are what PAdES B-LT appends; they change nothing a
 * signature is about. A "%%EOF" inside a stream there would cut an update
 * in two, and it would then count as modified: the safe side. */
static int dss_only_after(const unsigned char *pdf, size_t len, size_t end)
{
    size_t a = end;
    for (int steps = 0; a < len; steps++) {
        if (steps >= 16)
            return 0;
        const unsigned char *e = memmem(pdf + a, len - a, "%%EOF", 5);
        if (!e)
            return 0;
        size_t b = (size_t)(e - pdf) + 5;
        if (b < len && pdf[b] == '\r')
            b++;
        if (b < len && pdf[b] == '\n')
            b++;
        if (!dss_update(pdf, a, b))
            return 0;
        a = b;
    }
    return a == len && end < len;
}

int pdfv_verify(const unsigned char *pdf, size_t len, X509_STORE *trust, json_t **report,
                char *err, size_t errlen)
{
    struct pdfr *f = NULL;
    struct pdfr_sigfield *fl = NULL;
    struct sigrep *reps = NULL;
    struct dss dss;
    size_t nf = 0, nr = 0;
    int rc = -1;
    *report = NULL;
    memset(&dss, 0, sizeof dss);
    if (pdfr_open(pdf, len, &f, err, errlen))
        return -1;
    dss_read(f, &dss);
    if (pdfr_sigfields(f, &fl, &nf)) {
        snprintf(err, errlen, "%s", pdfr_error(f));
        goto out;
    }
    reps = calloc(nf + 1, sizeof *reps);
    if (!reps) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nf; i++) {
        int dup = 0;
        for (size_t k = 0; k < i && !dup; k++)
            dup = fl[k].value == fl[i].value;
        if (!fl[i].value || dup)
            continue; /* an empty field, or one value reached twice */
        reps[nr].j = check_one(f, &fl[i], trust, &dss, &reps[nr].end, &reps[nr].st);
        if (!reps[nr].j) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        nr++;
    }
    qsort(reps, nr, sizeof *reps, cmp_rep);
    size_t last_end = 0;
    int invalid = 0, untrusted = 0;
    json_t *arr = json_array();
    for (size_t i = 0; i < nr; i++) {
        if (reps[i].end > last_end)
            last_end = reps[i].end;
        invalid |= reps[i].st == ST_INVALID;
        untrusted |= reps[i].st == ST_UNTRUSTED;
        json_array_append_new(arr, reps[i].j);
        reps[i].j = NULL;
    }
    const char *verdict, *summary;
    char buf[256];
    if (nr == 0) {
        verdict = "unsigned";
        summary = "The file has no signature.";
    } else if (invalid) {
        verdict = "invalid";
        summary = "At least one signature is invalid.";
    } else if (last_end < len && !dss_only_after(pdf, len, last_end)) {
        verdict = "modified";
        snprintf(buf, sizeof buf,
                 "The file was changed after the last signature: a signature does not cover the "
                 "whole file (%zu bytes were added after it).",
                 len - last_end);
        summary = buf;
    } else if (untrusted) {
        verdict = "untrusted";
        summary = "Every signature is intact, but not every one chains to a trusted root.";
    } else if (last_end < len) {
        verdict = "valid";
        summary = nr == 1 ? "The signature is valid; after it, only long-term validation data "
                            "(/DSS) was added."
                          : "Every signature is valid; after the last, only long-term "
                            "validation data (/DSS) was added.";
    } else {
        verdict = "valid";
        summary = nr == 1 ? "The signature is valid and covers the whole file."
                          : "Every signature is valid and the last covers the whole file.";
    }
    *report = json_pack("{s:s, s:s, s:I, s:i, s:o}", "verdict", verdict, "summary", summary,
                        "file_size", (json_int_t)len, "revisions",
                        revisions_upto(pdf, len, len), "signatures", arr);
    if (!*report) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = strcmp(verdict, "valid") == 0 ? 0 : 1;
out:
    for (size_t i = 0; reps && i < nr; i++)
        json_decref(reps[i].j);
    free(reps);
    free(fl);
    dss_free(&dss);
    pdfr_free(f);
    return rc;
}

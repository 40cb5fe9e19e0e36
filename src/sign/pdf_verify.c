/* pdf_verify: verification of a PDF's signatures. See pdf_verify.h. */
#include "sign/pdf_verify.h"

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
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
                      X509_STORE *trust, const struct pdfr_obj *m, struct check *c)
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
                         size_t *end, enum status *st_out)
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
                      pdfr_dict_res(f, v, "M"), &c);
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
        "s:i, s:b, s:s, s:s?}",
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
        status_name[c.st], "problem", c.problem[0] ? c.problem : NULL);
    *st_out = c.st;
    return j;
}

int pdfv_verify(const unsigned char *pdf, size_t len, X509_STORE *trust, json_t **report,
                char *err, size_t errlen)
{
    struct pdfr *f = NULL;
    struct pdfr_sigfield *fl = NULL;
    struct sigrep *reps = NULL;
    size_t nf = 0, nr = 0;
    int rc = -1;
    *report = NULL;
    if (pdfr_open(pdf, len, &f, err, errlen))
        return -1;
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
        reps[nr].j = check_one(f, &fl[i], trust, &reps[nr].end, &reps[nr].st);
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
    } else if (last_end < len) {
        verdict = "modified";
        snprintf(buf, sizeof buf,
                 "The file was changed after the last signature: a signature does not cover the "
                 "whole file (%zu bytes were added after it).",
                 len - last_end);
        summary = buf;
    } else if (untrusted) {
        verdict = "untrusted";
        summary = "Every signature is intact, but not every one chains to a trusted root.";
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
    pdfr_free(f);
    return rc;
}

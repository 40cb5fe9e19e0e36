/* ltv: the validation data of a signed PDF (PAdES B-LT). See ltv.h.
 *
 * The update: one stream per certificate, OCSP answer and CRL (their DER),
 * the /DSS dictionary (with the /VRI entry of the signature, keyed by the
 * upper-case hex SHA-1 of the DER in its /Contents), the catalog with
 * /DSS added (every other entry copied byte for byte), then the
 * cross-reference section (sign/pdf_update.h). A /DSS already there keeps
 * its entries: the new one lists them too. */
#include "sign/ltv.h"

#include <limits.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/dynbuf.h"
#include "base/util.h"
#include "sign/http_fetch.h"
#include "sign/pdf_read.h"
#include "sign/pdf_update.h"

#define UPDATE_MAX ((size_t)32 << 20) /* bytes the update may add */
#define MAX_POOL 64                   /* certificates looked at to build chains */

/* ---- HTTP ------------------------------------------------------------ */

int ltv_http_fetch(void *ctx, const char *url, const unsigned char *body, size_t body_len,
                   const char *content_type, unsigned char **answer, size_t *answer_len,
                   char *err, size_t errlen)
{
    (void)ctx;
    char ctype[128], why[256];
    const char *headers[] = {ctype, "Expect:"};
    long code;
    *answer = NULL;
    *answer_len = 0;
    if (strncmp(url, "http://", 7) != 0) {
        snprintf(err, errlen, "not an http:// address");
        return -1;
    }
    snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type ? content_type : "");
    const struct fetch_request r = {.url = url, .protocols = "http", .body = body,
                                    .body_len = body_len, .headers = body ? headers : NULL,
                                    .nheaders = body ? ARRAY_LEN(headers) : 0,
                                    .connect_timeout = LTV_TIMEOUT, .timeout = LTV_TIMEOUT,
                                    .max_answer = LTV_MAX_ANSWER};
    switch (fetch_http(&r, answer, answer_len, &code, why, sizeof why)) {
    case FETCH_OK:
        return 0;
    case FETCH_TOO_LARGE:
        snprintf(err, errlen, "the answer is larger than %zu bytes", LTV_MAX_ANSWER);
        break;
    case FETCH_STATUS:
        snprintf(err, errlen, "HTTP status %ld", code);
        break;
    case FETCH_EMPTY:
        snprintf(err, errlen, "an empty answer");
        break;
    case FETCH_FAILED:
        snprintf(err, errlen, "out of memory");
        break;
    default:
        snprintf(err, errlen, "%s", why);
        break;
    }
    return -1;
}

/* ---- collecting ------------------------------------------------------ */

struct blob {
    unsigned char *p; /* malloc'd DER */
    size_t len;
    uint32_t num; /* its stream object */
};

struct work {
    const struct ltv_options *o;
    X509 *pool[MAX_POOL]; /* every certificate known (own references) */
    int in_cms[MAX_POOL]; /* it came from the signature (or its token) */
    int npool;
    X509 *chain[MAX_POOL]; /* the certificates to embed (borrowed from pool) */
    int nchain;
    struct blob ocsp[LTV_MAX_CERTS], crl[LTV_MAX_CERTS];
    int nocsp, ncrl;
    struct ltv_result *res;
    struct timespec start; /* CLOCK_MONOTONIC, for LTV_BUDGET */
};

static void note(struct work *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct work *w, const char *fmt, ...)
{
    char *n = w->res->notes;
    size_t used = strlen(n), cap = sizeof w->res->notes;
    if (used + 3 >= cap)
        return;
    if (used) {
        memcpy(n + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n + used, cap - used, fmt, ap);
    va_end(ap);
}

static void pool_add(struct work *w, X509 *x, int from_cms)
{
    for (int i = 0; i < w->npool; i++)
        if (X509_cmp(w->pool[i], x) == 0) {
            w->in_cms[i] |= from_cms;
            return;
        }
    if (w->npool < MAX_POOL && X509_up_ref(x)) {
        w->in_cms[w->npool] = from_cms;
        w->pool[w->npool++] = x;
    }
}

static void pool_add_all(struct work *w, STACK_OF(X509) * st, int from_cms)
{
    for (int i = 0; st && i < sk_X509_num(st); i++)
        pool_add(w, sk_X509_value(st, i), from_cms);
}

static int self_signed(X509 *x)
{
    return X509_check_issued(x, x) == X509_V_OK;
}

/* The issuer of x among the known certificates, or NULL. */
static X509 *issuer_of(struct work *w, X509 *x)
{
    if (self_signed(x))
        return NULL;
    for (int i = 0; i < w->npool; i++)
        if (w->pool[i] != x && X509_check_issued(w->pool[i], x) == X509_V_OK)
            return w->pool[i];
    return NULL;
}

/* Adds x and its issuers, as far as they are known, to the chain. */
static void add_chain(struct work *w, X509 *x)
{
    for (int depth = 0; x && depth < MAX_POOL; depth++) {
        int seen = 0;
        for (int i = 0; i < w->nchain && !seen; i++)
            seen = w->chain[i] == x;
        if (seen)
            return;
        if (w->nchain >= MAX_POOL)
            return;
        w->chain[w->nchain++] = x;
        x = issuer_of(w, x);
    }
}

/* The known certificate (from the pool) the SignerInfo names. */
static X509 *signer_cert(struct work *w, CMS_SignerInfo *si)
{
    for (int i = 0; i < w->npool; i++)
        if (CMS_SignerInfo_cert_cmp(si, w->pool[i]) == 0)
            return w->pool[i];
    return NULL;
}

/* The signature timestamp token in si's unsigned attributes, parsed, or
 * NULL. */
static CMS_ContentInfo *timestamp_token(CMS_SignerInfo *si)
{
    int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
    X509_ATTRIBUTE *at = idx >= 0 ? CMS_unsigned_get_attr(si, idx) : NULL;
    ASN1_TYPE *t = at ? X509_ATTRIBUTE_get0_type(at, 0) : NULL;
    if (!t || t->type != V_ASN1_SEQUENCE)
        return NULL;
    const unsigned char *p = ASN1_STRING_get0_data(t->value.sequence);
    return d2i_CMS_ContentInfo(NULL, &p, ASN1_STRING_length(t->value.sequence));
}

/* The first http:// address of a list, or NULL. */
static const char *first_http(STACK_OF(OPENSSL_STRING) * urls)
{
    for (int i = 0; urls && i < sk_OPENSSL_STRING_num(urls); i++) {
        const char *u = sk_OPENSSL_STRING_value(urls, i);
        if (strncmp(u, "http://", 7) == 0)
            return u;
    }
    return NULL;
}

/* The first http:// address of x's CRL distribution points (full names),
 * copied into out. Returns 0 or -1 (none). */
static int crl_url(X509 *x, char *out, size_t cap)
{
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    int rc = -1;
    for (int i = 0; dps && rc && i < sk_DIST_POINT_num(dps); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (!dp->distpoint || dp->distpoint->type != 0)
            continue;
        GENERAL_NAMES *names = dp->distpoint->name.fullname;
        for (int k = 0; rc && k < sk_GENERAL_NAME_num(names); k++) {
            GENERAL_NAME *g = sk_GENERAL_NAME_value(names, k);
            if (g->type != GEN_URI)
                continue;
            const char *u = (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
            int n = ASN1_STRING_length(g->d.uniformResourceIdentifier);
            if (n > 7 && (size_t)n < cap && memchr(u, 0, (size_t)n) == NULL &&
                strncmp(u, "http://", 7) == 0) {
                memcpy(out, u, (size_t)n);
                out[n] = 0;
                rc = 0;
            }
        }
    }
    sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
    return rc;
}

static void subject_cn(X509 *x, char *out, size_t cap)
{
    out[0] = 0;
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)cap);
    if (!out[0])
        snprintf(out, cap, "?");
}

/* Asks x's OCSP responder (at url) about x. Keeps the answer if it is
 * successful, its basic response verifies against the issuer and it
 * speaks of x. Returns 0 (kept) or -1 (noted). */
static int fetch_ocsp(struct work *w, X509 *x, X509 *issuer, const char *url, const char *cn)
{
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, x, issuer), *id2 = NULL;
    OCSP_RESPONSE *resp = NULL;
    OCSP_BASICRESP *bs = NULL;
    X509_STORE *st = NULL;
    STACK_OF(X509) *others = NULL;
    unsigned char *der = NULL, *ans = NULL;
    size_t anslen = 0;
    char why[200] = "";
    int rc = -1, n;
    if (!req || !id || !(id2 = OCSP_CERTID_dup(id)) || !OCSP_request_add0_id(req, id2)) {
        OCSP_CERTID_free(id2);
        snprintf(why, sizeof why, "cannot build the request");
        goto out;
    }
    /* No nonce: an answer the responder made ahead of time serves too. */
    if ((n = i2d_OCSP_REQUEST(req, &der)) <= 0) {
        snprintf(why, sizeof why, "cannot build the request");
        goto out;
    }
    if (w->o->fetch(w->o->fetch_ctx, url, der, (size_t)n, "application/ocsp-request", &ans,
                    &anslen, why, sizeof why))
        goto out;
    const unsigned char *p = ans;
    if (anslen > LONG_MAX || !(resp = d2i_OCSP_RESPONSE(NULL, &p, (long)anslen)) ||
        p != ans + anslen) {
        snprintf(why, sizeof why, "not an OCSP response");
        goto out;
    }
    if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        snprintf(why, sizeof why, "the responder answered %s",
                 OCSP_response_status_str(OCSP_response_status(resp)));
        goto out;
    }
    if (!(bs = OCSP_response_get1_basic(resp))) {
        snprintf(why, sizeof why, "no basic response");
        goto out;
    }
    /* The issuer is the anchor: the answer is signed by it or by a
     * responder it delegated to (OCSP_basic_verify checks which). */
    if (!(st = X509_STORE_new()) || !X509_STORE_add_cert(st, issuer) ||
        !(others = sk_X509_new_null())) {
        snprintf(why, sizeof why, "out of memory");
        goto out;
    }
    X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
    for (int i = 0; i < w->npool; i++)
        if (!sk_X509_push(others, w->pool[i]))
            break;
    if (OCSP_basic_verify(bs, others, st, 0) <= 0) {
        snprintf(why, sizeof why, "the answer's signature does not verify against the issuer");
        goto out;
    }
    int status = -1, reason = -1;
    ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
    if (!OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd)) {
        snprintf(why, sizeof why, "the answer does not speak of this certificate");
        goto out;
    }
    if (w->nocsp < LTV_MAX_CERTS) {
        w->ocsp[w->nocsp++] = (struct blob){ans, anslen, 0};
        ans = NULL;
    }
    rc = 0;
out:
    if (rc)
        note(w, "%s: OCSP %s: %s", cn, url, why);
    free(ans);
    OPENSSL_free(der);
    sk_X509_free(others);
    X509_STORE_free(st);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    OCSP_CERTID_free(id);
    OCSP_REQUEST_free(req);
    ERR_clear_error();
    return rc;
}

/* Fetches the CRL at url; keeps it (DER) if the issuer signed it. A CRL
 * already kept (several certificates of one CA) is not kept twice.
 * Returns 0 or -1 (noted). */
static int fetch_crl(struct work *w, X509 *issuer, const char *url, const char *cn)
{
    unsigned char *ans = NULL, *der = NULL;
    size_t anslen = 0;
    X509_CRL *crl = NULL;
    char why[200] = "";
    int rc = -1, n;
    if (w->o->fetch(w->o->fetch_ctx, url, NULL, 0, NULL, &ans, &anslen, why, sizeof why))
        goto out;
    const unsigned char *p = ans;
    if (anslen > LONG_MAX)
        goto bad;
    crl = d2i_X509_CRL(NULL, &p, (long)anslen);
    if (!crl || p != ans + anslen) {
        X509_CRL_free(crl);
        crl = NULL;
        BIO *b = anslen <= INT_MAX ? BIO_new_mem_buf(ans, (int)anslen) : NULL;
        crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    }
    if (!crl)
        goto bad;
    EVP_PKEY *k = X509_get0_pubkey(issuer);
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0 || !k ||
        X509_CRL_verify(crl, k) != 1) {
        snprintf(why, sizeof why, "the CRL is not signed by the certificate's issuer");
        goto out;
    }
    if ((n = i2d_X509_CRL(crl, &der)) <= 0) {
        snprintf(why, sizeof why, "out of memory");
        goto out;
    }
    for (int i = 0; i < w->ncrl; i++)
        if (w->crl[i].len == (size_t)n && memcmp(w->crl[i].p, der, (size_t)n) == 0) {
            rc = 0;
            goto out;
        }
    if (w->ncrl < LTV_MAX_CERTS) {
        unsigned char *copy = malloc((size_t)n);
        if (!copy) {
            snprintf(why, sizeof why, "out of memory");
            goto out;
        }
        memcpy(copy, der, (size_t)n);
        w->crl[w->ncrl++] = (struct blob){copy, (size_t)n, 0};
    }
    rc = 0;
    goto out;
bad:
    snprintf(why, sizeof why, "not a CRL (DER or PEM)");
out:
    if (rc)
        note(w, "%s: CRL %s: %s", cn, url, why);
    OPENSSL_free(der);
    X509_CRL_free(crl);
    free(ans);
    ERR_clear_error();
    return rc;
}

/* Revocation data for x: OCSP when it names a responder, else its CRL. */
static void fetch_for(struct work *w, X509 *x)
{
    char cn[128], url[1024];
    subject_cn(x, cn, sizeof cn);
    X509 *issuer = issuer_of(w, x);
    w->res->certs++;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int budget = w->o->budget > 0 ? w->o->budget : LTV_BUDGET;
    if (now.tv_sec - w->start.tv_sec >= budget) {
        /* Eight CAs that do not answer would hold a signing for minutes. */
        w->res->skipped++;
        w->res->failed++;
        note(w, "%s: not asked, %d s spent already", cn, budget);
        return;
    }
    if (!issuer) {
        w->res->skipped++;
        note(w, "%s: its issuer's certificate is not known", cn);
        return;
    }
    STACK_OF(OPENSSL_STRING) *ocsp = X509_get1_ocsp(x);
    const char *ou = first_http(ocsp);
    int got = -1;
    if (ou)
        got = fetch_ocsp(w, x, issuer, ou, cn);
    X509_email_free(ocsp);
    int tried_crl = 0;
    if (got && crl_url(x, url, sizeof url) == 0) {
        tried_crl = 1;
        got = fetch_crl(w, issuer, url, cn);
    }
    else if (got && !ou)
        note(w, "%s: no OCSP or CRL address", cn);
    if (got)
        w->res->skipped++;
    if (got && (ou || tried_crl))
        w->res->failed++;
}

/* ---- writing --------------------------------------------------------- */

struct update {
    struct dynbuf b;
    struct pdfu_obj *objs;
    int n, cap;
};

static int obj_begin(struct update *u, uint32_t num, uint16_t gen)
{
    if (u->n >= u->cap)
        return -1;
    u->objs[u->n++] = (struct pdfu_obj){num, gen, dynbuf_len(&u->b)};
    dynbuf_addf(&u->b, "%u %u obj\n", num, gen);
    return 0;
}

static int stream_obj(struct update *u, uint32_t num, const unsigned char *p, size_t len)
{
    if (obj_begin(u, num, 0))
        return -1;
    dynbuf_addf(&u->b, "<</Length %zu>>\nstream\n", len);
    dynbuf_add(&u->b, p, len);
    dynbuf_adds(&u->b, "\nendstream\nendobj\n");
    return 0;
}

/* "[" the raw items of the old array (resolved; may be NULL), then the
 * references first..first+n-1, "]". */
static void put_refs(struct dynbuf *b, const struct pdfr_obj *old, const struct blob *bl, int n)
{
    dynbuf_adds(b, "[");
    for (size_t i = 0; old && old->type == PDFR_ARRAY && i < old->u.a.n; i++) {
        dynbuf_add(b, old->u.a.items[i]->raw, old->u.a.items[i]->raw_len);
        dynbuf_adds(b, " ");
    }
    for (int i = 0; i < n; i++)
        dynbuf_addf(b, "%s%u 0 R", i ? " " : "", bl[i].num);
    dynbuf_adds(b, "]");
}

/* The whole file: the original, then the update. */
static int write_update(struct work *w, struct pdfr *f, const char vri_key[41],
                        const struct blob *certs, int ncerts, unsigned char **out,
                        size_t *out_len, char *err, size_t errlen)
{
    const unsigned char *data = pdfr_data(f);
    size_t len = pdfr_len(f);
    uint32_t cat_num;
    uint16_t cat_gen;
    const struct pdfr_obj *cat = pdfr_catalog(f, &cat_num, &cat_gen);
    if (!cat) {
        snprintf(err, errlen, "%s", pdfr_error(f));
        return -1;
    }
    uint32_t next = pdfr_next_num(f);
    if (next > PDFR_MAX_OBJECTS) {
        snprintf(err, errlen, "the PDF has too many objects");
        return -1;
    }
    struct update u = {.cap = ncerts + w->nocsp + w->ncrl + 2};
    u.objs = calloc((size_t)u.cap, sizeof *u.objs);
    if (!u.objs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    dynbuf_init(&u.b, len + UPDATE_MAX);
    dynbuf_add(&u.b, data, len);
    if (len && data[len - 1] != '\n' && data[len - 1] != '\r')
        dynbuf_adds(&u.b, "\n");
    struct blob *groups[3] = {(struct blob *)certs, w->ocsp, w->crl};
    int counts[3] = {ncerts, w->nocsp, w->ncrl};
    for (int g = 0; g < 3; g++)
        for (int i = 0; i < counts[g]; i++) {
            groups[g][i].num = next++;
            stream_obj(&u, groups[g][i].num, groups[g][i].p, groups[g][i].len);
        }
    const struct pdfr_obj *old = pdfr_dict_res(f, cat, "DSS");
    if (old && old->type != PDFR_DICT)
        old = NULL;
    uint32_t dss = next++;
    obj_begin(&u, dss, 0);
    dynbuf_adds(&u.b, "<</Certs ");
    put_refs(&u.b, old ? pdfr_dict_res(f, old, "Certs") : NULL, certs, ncerts);
    dynbuf_adds(&u.b, "\n/OCSPs ");
    put_refs(&u.b, old ? pdfr_dict_res(f, old, "OCSPs") : NULL, w->ocsp, w->nocsp);
    dynbuf_adds(&u.b, "\n/CRLs ");
    put_refs(&u.b, old ? pdfr_dict_res(f, old, "CRLs") : NULL, w->crl, w->ncrl);
    dynbuf_adds(&u.b, "\n/VRI <<");
    const struct pdfr_obj *ov = old ? pdfr_dict_res(f, old, "VRI") : NULL;
    for (size_t i = 0; ov && ov->type == PDFR_DICT && i < ov->u.d.n; i++) {
        if (strcmp(ov->u.d.items[i].key, vri_key) == 0)
            continue; /* this signature's entry is written anew */
        dynbuf_adds(&u.b, "\n");
        pdfu_put_name(&u.b, ov->u.d.items[i].key);
        dynbuf_adds(&u.b, " ");
        dynbuf_add(&u.b, ov->u.d.items[i].val->raw, ov->u.d.items[i].val->raw_len);
    }
    dynbuf_addf(&u.b, "\n/%s <</Cert ", vri_key);
    put_refs(&u.b, NULL, certs, ncerts);
    dynbuf_adds(&u.b, " /OCSP ");
    put_refs(&u.b, NULL, w->ocsp, w->nocsp);
    dynbuf_adds(&u.b, " /CRL ");
    put_refs(&u.b, NULL, w->crl, w->ncrl);
    dynbuf_adds(&u.b, ">>>>>>\nendobj\n");
    obj_begin(&u, cat_num, cat_gen);
    dynbuf_adds(&u.b, "<<");
    for (size_t i = 0; i < cat->u.d.n; i++) {
        if (strcmp(cat->u.d.items[i].key, "DSS") == 0)
            continue;
        dynbuf_adds(&u.b, "\n");
        pdfu_put_name(&u.b, cat->u.d.items[i].key);
        dynbuf_adds(&u.b, " ");
        dynbuf_add(&u.b, cat->u.d.items[i].val->raw, cat->u.d.items[i].val->raw_len);
    }
    dynbuf_addf(&u.b, "\n/DSS %u 0 R>>\nendobj\n", dss);
    int rc = pdfu_xref(&u.b, f, u.objs, u.n, next);
    if (rc || dynbuf_failed(&u.b) || !(*out = (unsigned char *)dynbuf_take(&u.b, out_len))) {
        snprintf(err, errlen, "the file would be too large");
        rc = -1;
    }
    dynbuf_free(&u.b);
    free(u.objs);
    return rc;
}

/* ---- the whole -------------------------------------------------------- */

/* The value of the signature covering the most bytes: its dictionary. */
static const struct pdfr_obj *last_signature(struct pdfr *f, char *err, size_t errlen)
{
    struct pdfr_sigfield *fl = NULL;
    size_t n = 0;
    const struct pdfr_obj *best = NULL;
    double best_end = -1;
    if (pdfr_sigfields(f, &fl, &n)) {
        snprintf(err, errlen, "%s", pdfr_error(f));
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!fl[i].value)
            continue;
        const struct pdfr_obj *br = pdfr_dict_res(f, fl[i].value, "ByteRange");
        const struct pdfr_obj *sf = pdfr_dict_res(f, fl[i].value, "SubFilter");
        double b2, b3;
        if (!br || br->type != PDFR_ARRAY || br->u.a.n != 4 ||
            pdfr_number(br->u.a.items[2], &b2) || pdfr_number(br->u.a.items[3], &b3) ||
            !(pdfr_is_name(sf, "ETSI.CAdES.detached") || pdfr_is_name(sf, "adbe.pkcs7.detached")))
            continue;
        if (b2 + b3 > best_end) {
            best_end = b2 + b3;
            best = fl[i].value;
        }
    }
    free(fl);
    if (!best)
        snprintf(err, errlen, "the PDF has no CMS signature");
    return best;
}

int ltv_add(const unsigned char *pdf, size_t len, const struct ltv_options *o,
            unsigned char **out, size_t *out_len, struct ltv_result *res, char *err,
            size_t errlen)
{
    static const struct ltv_options defaults;
    struct work w = {0};
    struct pdfr *f = NULL;
    CMS_ContentInfo *cms = NULL, *tok = NULL;
    STACK_OF(X509) *certs = NULL, *tcerts = NULL;
    struct blob cb[MAX_POOL];
    int ncb = 0, rc = -1;
    *out = NULL;
    *out_len = 0;
    memset(res, 0, sizeof *res);
    struct ltv_options opts = o ? *o : defaults;
    if (!opts.fetch)
        opts.fetch = ltv_http_fetch;
    w.o = &opts;
    w.res = res;
    clock_gettime(CLOCK_MONOTONIC, &w.start);
    if (pdfr_open(pdf, len, &f, err, errlen))
        return -1;
    const struct pdfr_obj *sig = last_signature(f, err, errlen);
    const struct pdfr_obj *contents = sig ? pdfr_dict_res(f, sig, "Contents") : NULL;
    if (!sig)
        goto out;
    if (!contents || contents->type != PDFR_STRING || contents->u.s.len > LONG_MAX) {
        snprintf(err, errlen, "the signature has no /Contents");
        goto out;
    }
    const unsigned char *p = contents->u.s.p;
    if (!(cms = d2i_CMS_ContentInfo(NULL, &p, (long)contents->u.s.len))) {
        snprintf(err, errlen, "the signature's /Contents is not a CMS signature");
        goto out;
    }
    /* The /VRI key: SHA-1 of the signature's DER, without the padding. */
    unsigned char md[20];
    char vri_key[41];
    if (!EVP_Digest(contents->u.s.p, (size_t)(p - contents->u.s.p), md, NULL, EVP_sha1(), NULL)) {
        snprintf(err, errlen, "cannot hash the signature");
        goto out;
    }
    for (int i = 0; i < 20; i++)
        snprintf(vri_key + 2 * i, 3, "%02X", md[i]);
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    CMS_SignerInfo *si = sis && sk_CMS_SignerInfo_num(sis) == 1 ? sk_CMS_SignerInfo_value(sis, 0)
                                                                : NULL;
    if (!si) {
        snprintf(err, errlen, "the signature does not have one signer");
        goto out;
    }
    certs = CMS_get1_certs(cms);
    pool_add_all(&w, certs, 1);
    if ((tok = timestamp_token(si))) {
        tcerts = CMS_get1_certs(tok);
        pool_add_all(&w, tcerts, 1);
    }
    pool_add_all(&w, opts.extra, 0);
    X509 *signer = signer_cert(&w, si);
    if (!signer) {
        snprintf(err, errlen, "the signer's certificate is not in the signature");
        goto out;
    }
    add_chain(&w, signer);
    STACK_OF(CMS_SignerInfo) *tsis = tok ? CMS_get0_SignerInfos(tok) : NULL;
    if (tsis && sk_CMS_SignerInfo_num(tsis) == 1) {
        X509 *tsa = signer_cert(&w, sk_CMS_SignerInfo_value(tsis, 0));
        if (tsa)
            add_chain(&w, tsa);
    }
    int outside = 0;
    for (int i = 0; i < w.nchain; i++) {
        int k = 0;
        while (w.pool[k] != w.chain[i])
            k++;
        outside |= !w.in_cms[k];
        if (self_signed(w.chain[i]))
            continue; /* a root is trusted as it is: nothing to ask about */
        if (res->certs >= LTV_MAX_CERTS) {
            note(&w, "more than %d certificates: the rest are not checked", LTV_MAX_CERTS);
            break;
        }
        fetch_for(&w, w.chain[i]);
    }
    res->ocsps = w.nocsp;
    res->crls = w.ncrl;
    if (w.nocsp + w.ncrl == 0 && !outside) {
        rc = 0; /* nothing the signature does not already carry */
        goto out;
    }
    for (int i = 0; i < w.nchain; i++) {
        unsigned char *d = NULL;
        int n = i2d_X509(w.chain[i], &d);
        if (n <= 0) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        cb[ncb++] = (struct blob){d, (size_t)n, 0};
    }
    if (write_update(&w, f, vri_key, cb, ncb, out, out_len, err, errlen))
        goto out;
    res->written = 1;
    rc = 0;
out:
    for (int i = 0; i < ncb; i++)
        OPENSSL_free(cb[i].p);
    for (int i = 0; i < w.nocsp; i++)
        free(w.ocsp[i].p);
    for (int i = 0; i < w.ncrl; i++)
        free(w.crl[i].p);
    for (int i = 0; i < w.npool; i++)
        X509_free(w.pool[i]);
    sk_X509_pop_free(certs, X509_free);
    sk_X509_pop_free(tcerts, X509_free);
    CMS_ContentInfo_free(tok);
    CMS_ContentInfo_free(cms);
    pdfr_free(f);
    ERR_clear_error();
    return rc;
}

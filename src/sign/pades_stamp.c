/* pades_stamp: signature timestamps added in place. See pades_stamp.h. */
#include "sign/pades_stamp.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "sign/pdf_read.h"

/* The byte ranges a signature dictionary covers: [0, a) and [b, end). */
struct span {
    size_t a, b, end;
    int cms; /* a CMS signature (else a document timestamp) */
};

/* The span of signature field fl's value, checked as pdf_verify checks it:
 * the gap is exactly the dictionary's /Contents hex string. */
static int span_of(struct pdfr *f, const struct pdfr_sigfield *fl, struct span *sp, char *err,
                   size_t errlen)
{
    const unsigned char *d = pdfr_data(f);
    size_t len = pdfr_len(f);
    const struct pdfr_obj *bro = pdfr_dict_res(f, fl->value, "ByteRange");
    const struct pdfr_obj *contents = pdfr_dict_get(fl->value, "Contents");
    const struct pdfr_obj *sub = pdfr_dict_res(f, fl->value, "SubFilter");
    int64_t br[4];
    int ok = bro && bro->type == PDFR_ARRAY && bro->u.a.n == 4;
    for (int i = 0; ok && i < 4; i++) {
        const struct pdfr_obj *x = bro->u.a.items[i];
        ok = x->type == PDFR_INT && x->u.i >= 0 && (uint64_t)x->u.i <= len;
        if (ok)
            br[i] = x->u.i;
    }
    ok = ok && br[0] == 0 && br[1] >= 2 && br[2] > br[1] + 1 && (uint64_t)(br[2] + br[3]) <= len &&
         contents && contents->type == PDFR_STRING && contents->in_file &&
         contents->raw == d + br[1] && contents->raw_len == (size_t)(br[2] - br[1]) &&
         d[br[1]] == '<' && d[br[2] - 1] == '>';
    for (int64_t i = ok ? br[1] + 1 : 0; ok && i < br[2] - 1; i++)
        ok = hex_value((char)d[i]) >= 0;
    if (!ok) {
        snprintf(err, errlen, "signature %s: its /ByteRange does not leave out exactly its "
                              "/Contents", fl->name);
        return -1;
    }
    sp->a = (size_t)br[1];
    sp->b = (size_t)br[2];
    sp->end = (size_t)(br[2] + br[3]);
    sp->cms = !pdfr_is_name(sub, "ETSI.RFC3161");
    return 0;
}

/* The SignedData in the hex string pdf[at..at+n) ('<' to '>'). NULL if it
 * is not one. */
static CMS_ContentInfo *cms_at(const unsigned char *pdf, size_t at, size_t n)
{
    size_t nbytes = (n - 2) / 2;
    unsigned char *der = malloc(nbytes ? nbytes : 1);
    CMS_ContentInfo *cms = NULL;
    if (!der)
        return NULL;
    for (size_t i = 0; i < nbytes; i++)
        der[i] = (unsigned char)(hex_value((char)pdf[at + 1 + 2 * i]) << 4 | hex_value((char)pdf[at + 2 + 2 * i]));
    const unsigned char *p = der;
    /* The hex string is padded with zeros after the DER: d2i reads the
     * DER's own length. */
    cms = d2i_CMS_ContentInfo(NULL, &p, (long)nbytes);
    if (cms && OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        CMS_ContentInfo_free(cms);
        cms = NULL;
    }
    free(der);
    return cms;
}

/* The one SignerInfo of cms, or NULL. Borrowed from cms. */
static CMS_SignerInfo *only_signer(CMS_ContentInfo *cms)
{
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    return sis && sk_CMS_SignerInfo_num(sis) == 1 ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
}

int pades_signatures(const unsigned char *pdf, size_t len, struct pades_sig_place *out, int *n,
                     char *err, size_t errlen)
{
    struct pdfr *f = NULL;
    struct pdfr_sigfield *fl = NULL;
    struct span spans[PADES_STAMP_MAX_SIGS];
    size_t nf = 0;
    int ns = 0, rc = -1;
    *n = 0;
    if (pdfr_open(pdf, len, &f, err, errlen))
        return -1;
    if (pdfr_sigfields(f, &fl, &nf)) {
        snprintf(err, errlen, "%s", pdfr_error(f));
        goto out;
    }
    for (size_t i = 0; i < nf; i++) {
        if (!fl[i].value)
            continue; /* an empty field */
        if (ns == PADES_STAMP_MAX_SIGS) {
            snprintf(err, errlen, "more than %d signatures", PADES_STAMP_MAX_SIGS);
            goto out;
        }
        if (span_of(f, &fl[i], &spans[ns], err, errlen))
            goto out;
        ns++;
    }
    for (int i = 0; i < ns; i++) {
        if (!spans[i].cms)
            continue;
        struct pades_sig_place *p = &out[*n];
        memset(p, 0, sizeof *p);
        p->contents_at = spans[i].a;
        p->contents_len = spans[i].b - spans[i].a;
        p->end = spans[i].end;
        /* Covered: another signature's ranges include this /Contents. */
        for (int k = 0; k < ns; k++)
            if (k != i && (p->contents_at < spans[k].a ||
                           (p->contents_at >= spans[k].b && p->contents_at < spans[k].end)))
                p->covered = 1;
        CMS_ContentInfo *cms = cms_at(pdf, p->contents_at, p->contents_len);
        CMS_SignerInfo *si = cms ? only_signer(cms) : NULL;
        if (!si) {
            CMS_ContentInfo_free(cms);
            snprintf(err, errlen, "signature %d is not a CMS SignedData with one signer", i + 1);
            goto out;
        }
        p->timestamped = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0;
        CMS_ContentInfo_free(cms);
        (*n)++;
    }
    rc = 0;
out:
    free(fl);
    pdfr_free(f);
    ERR_clear_error();
    return rc;
}

int pades_add_timestamp(CMS_SignerInfo *si, const unsigned char *sig, size_t siglen,
                        pades_stamp_fn fn, void *ctx, char *err, size_t errlen)
{
    unsigned char *token = NULL;
    size_t toklen = 0;
    PKCS7 *p7 = NULL;
    int rc = -1;
    if (fn(ctx, sig, siglen, &token, &toklen) || !token || toklen == 0 || toklen > INT32_MAX) {
        snprintf(err, errlen, "the timestamp authority gave no token");
        goto out;
    }
    const unsigned char *tp = token;
    p7 = d2i_PKCS7(NULL, &tp, (long)toklen);
    if (!p7 || !PKCS7_type_is_signed(p7) || tp != token + toklen) {
        snprintf(err, errlen, "the timestamp authority's answer is not a token");
        goto out;
    }
    if (!CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                       token, (int)toklen)) {
        snprintf(err, errlen, "cannot add the timestamp token");
        goto out;
    }
    rc = 0;
out:
    free(token);
    PKCS7_free(p7);
    return rc;
}

/* Timestamps the signature whose /Contents is pdf[at..at+n). */
static int stamp_one(unsigned char *pdf, size_t at, size_t n, pades_stamp_fn fn, void *ctx,
                     char *err, size_t errlen)
{
    static const char hexdig[] = "0123456789ABCDEF";
    unsigned char *der = NULL;
    int rc = -1;
    CMS_ContentInfo *cms = cms_at(pdf, at, n);
    CMS_SignerInfo *si = cms ? only_signer(cms) : NULL;
    ASN1_OCTET_STRING *sig = si ? CMS_SignerInfo_get0_signature(si) : NULL;
    if (!sig) {
        snprintf(err, errlen, "the signature is not a CMS SignedData with one signer");
        goto out;
    }
    if (pades_add_timestamp(si, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), fn,
                            ctx, err, errlen))
        goto out;
    int dlen = i2d_CMS_ContentInfo(cms, &der);
    if (dlen <= 0) {
        snprintf(err, errlen, "cannot encode the signature with its timestamp");
        goto out;
    }
    size_t room = (n - 2) / 2;
    if ((size_t)dlen > room) {
        snprintf(err, errlen,
                 "the signature with its timestamp needs %d bytes, the signature has room for "
                 "%zu: it cannot be timestamped in place",
                 dlen, room);
        goto out;
    }
    /* The whole hex string is rewritten: the new DER, then zeros. */
    for (size_t i = 0; i < room; i++) {
        unsigned char b = i < (size_t)dlen ? der[i] : 0;
        pdf[at + 1 + 2 * i] = (unsigned char)hexdig[b >> 4];
        pdf[at + 2 + 2 * i] = (unsigned char)hexdig[b & 15];
    }
    rc = 0;
out:
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return rc;
}

int pades_stamp(unsigned char *pdf, size_t len, pades_stamp_fn fn, void *ctx, int *stamped,
                int *left, char *err, size_t errlen)
{
    struct pades_sig_place sigs[PADES_STAMP_MAX_SIGS];
    int n;
    *stamped = *left = 0;
    if (pades_signatures(pdf, len, sigs, &n, err, errlen))
        return -1;
    for (int i = 0; i < n; i++) {
        if (sigs[i].timestamped)
            continue;
        if (sigs[i].covered) {
            (*left)++;
            continue;
        }
        if (stamp_one(pdf, sigs[i].contents_at, sigs[i].contents_len, fn, ctx, err, errlen))
            return -1;
        (*stamped)++;
    }
    return 0;
}

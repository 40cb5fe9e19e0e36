/* pades: PAdES signing by incremental update. See pades.h.
 *
 * The update, in order: the signature dictionary, the widget (merged with
 * its field), the appearance form, the appearance image and its soft mask,
 * the page with the widget added to /Annots, the interactive form (the
 * existing /AcroForm object rewritten under its own number, or a new one
 * and the catalog pointing to it), then the cross-reference section and the
 * trailer with /Prev. Dictionaries that are updated keep every entry they
 * had, copied byte for byte from the original. */
#include "sign/pades.h"

#include <math.h>
#include <openssl/asn1t.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/dynbuf.h"
#include "base/text.h"
#include "sign/appearance.h"
#include "sign/pades_stamp.h"
#include "sign/pdf_read.h"
#include "sign/pdf_update.h"
#include "sign/sigtime.h"

#define MM (72.0 / 25.4)
#define UPDATE_MAX ((size_t)48 << 20) /* bytes the update may add */
#define BR_WIDTH 44                   /* characters kept for "[0 a b c]" */
#define MAX_OBJS 10                   /* objects one update writes */
#define MAX_IMGS 2                    /* images of one mark */
#define TS_ROOM 12288                 /* bytes kept for a timestamp token */

/* The signed attributes are signed as a DER SET OF (RFC 5652, 5.4), the
 * encoding OpenSSL gives them in the SignerInfo too. */
typedef STACK_OF(X509_ATTRIBUTE) PADES_ATTRS;
ASN1_ITEM_TEMPLATE(PADES_ATTRS) = ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SET_OF, 0, PADES_ATTRS,
                                                        X509_ATTRIBUTE)
static_ASN1_ITEM_TEMPLATE_END(PADES_ATTRS)

/* ---- writing PDF syntax --------------------------------------------- */

/* A number with at most two decimals, whatever the C locale says. */
static void put_num(struct dynbuf *b, double v)
{
    long long c = llround(v * 100);
    const char *sign = c < 0 ? "-" : "";
    if (c < 0)
        c = -c;
    if (c % 100 == 0)
        dynbuf_addf(b, "%s%lld", sign, c / 100);
    else
        dynbuf_addf(b, "%s%lld.%02lld", sign, c / 100, c % 100);
}

/* A text string: literal when plain ASCII, else UTF-16BE with its BOM (the
 * encoding every reader takes for Vietnamese). Returns -1 on invalid UTF-8. */
static int put_text(struct dynbuf *b, const char *s)
{
    size_t len = strlen(s);
    int ascii = 1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e || strchr("()\\", s[i]))
            ascii = 0;
    if (ascii) {
        dynbuf_addf(b, "(%s)", s);
        return 0;
    }
    dynbuf_adds(b, "<FEFF");
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int n = text_utf8_decode(s + i, len - i, &cp);
        if (n <= 0)
            return -1;
        i += (size_t)n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            dynbuf_addf(b, "%04X%04X", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
        } else {
            dynbuf_addf(b, "%04X", cp);
        }
    }
    dynbuf_adds(b, ">");
    return 0;
}

static void put_raw(struct dynbuf *b, const struct pdfr_obj *o)
{
    dynbuf_add(b, o->raw, o->raw_len);
}

/* "<<" and every entry of d but those named in skip (NULL-terminated),
 * values copied as they stand; the caller adds its entries and ">>". */
static void put_dict_except(struct dynbuf *b, const struct pdfr_obj *d, const char *const *skip)
{
    dynbuf_adds(b, "<<");
    for (size_t i = 0; d && d->type == PDFR_DICT && i < d->u.d.n; i++) {
        const struct pdfr_kv *kv = &d->u.d.items[i];
        int skipped = 0;
        for (const char *const *s = skip; *s && !skipped; s++)
            skipped = strcmp(*s, kv->key) == 0;
        if (skipped)
            continue;
        dynbuf_adds(b, "\n");
        pdfu_put_name(b, kv->key);
        dynbuf_adds(b, " ");
        put_raw(b, kv->val);
    }
}

/* An array of arr's items (arr resolved, or NULL for none) and one more
 * reference at its end. */
static void put_array_plus(struct dynbuf *b, const struct pdfr_obj *arr, uint32_t num)
{
    dynbuf_adds(b, "[");
    for (size_t i = 0; arr && arr->type == PDFR_ARRAY && i < arr->u.a.n; i++) {
        put_raw(b, arr->u.a.items[i]);
        dynbuf_adds(b, " ");
    }
    dynbuf_addf(b, "%u 0 R]", num);
}

/* ---- the plan of one update ----------------------------------------- */

/* One image of the mark: its compressed samples and soft mask, and where
 * it goes in the appearance's space (pt, origin at the lower left). */
struct pimg {
    unsigned char *z, *mask_z; /* owned */
    size_t zlen, mask_zlen;
    int w, h; /* pixels */
    double x, y, wd, ht;
    uint32_t num, mask_num;
};

struct plan {
    struct pdfr *f;
    const struct pades_options *o;
    const struct signer *s;
    struct pdfr_page page;
    double rect[4];  /* the mark, in the page's shown space (pdf_read.h): as displayed */
    double wrect[4]; /* the widget's /Rect: rect in the default user space */
    const struct pdfr_obj *catalog;
    uint32_t cat_num;
    uint16_t cat_gen;
    const struct pdfr_obj *form; /* the existing form dictionary, or NULL */
    int form_indirect;           /* it is object form_num, rewritten in place */
    uint32_t form_num;
    uint16_t form_gen;
    uint32_t n_sig, n_widget, n_ap, n_form, n_next;
    char field[64];
    char when_pdf[80];
    const char *shown_name;
    struct pimg img[MAX_IMGS];
    int nimg;
};

struct out {
    struct dynbuf b;
    struct pdfu_obj objs[MAX_OBJS];
    int n;
};

static void obj_begin(struct out *w, uint32_t num, uint16_t gen)
{
    /* MAX_OBJS covers every object one update writes (asserted by count). */
    if (w->n < MAX_OBJS)
        w->objs[w->n++] = (struct pdfu_obj){num, gen, dynbuf_len(&w->b)};
    dynbuf_addf(&w->b, "%u %u obj\n", num, gen);
}

static void stream_obj(struct out *w, uint32_t num, const char *dict_head,
                       const unsigned char *data, size_t len)
{
    obj_begin(w, num, 0);
    dynbuf_addf(&w->b, "<<%s /Length %zu>>\nstream\n", dict_head, len);
    dynbuf_add(&w->b, data, len);
    dynbuf_adds(&w->b, "\nendstream\nendobj\n");
}

/* The appearance's /Matrix on a page shown turned by rotate degrees
 * clockwise: the form is drawn upright in its box [0 0 wd ht] and the
 * matrix turns it counter-clockwise by as much, translated so that the
 * turned box starts at the origin again. A reader fits the turned box to
 * the widget's /Rect (ISO 32000-1, 12.5.5), whose sides are ht x wd at 90
 * and 270; the page's turn then shows it upright. Nothing at 0. */
static void put_matrix(struct dynbuf *b, int rotate, double wd, double ht)
{
    static const char *const turn[] = {"0 1 -1 0", "-1 0 0 -1", "0 -1 1 0"};
    if (rotate != 90 && rotate != 180 && rotate != 270)
        return;
    dynbuf_addf(b, " /Matrix [%s ", turn[rotate / 90 - 1]);
    put_num(b, rotate == 270 ? 0 : rotate == 90 ? ht : wd);
    dynbuf_adds(b, " ");
    put_num(b, rotate == 90 ? 0 : rotate == 180 ? ht : wd);
    dynbuf_adds(b, "]");
}

/* Writes the whole file for a /Contents of cap bytes: the original, then
 * the update. OUT: offsets of the /ByteRange array and of the '<' of
 * /Contents. */
static int assemble(const struct plan *p, size_t cap, struct out *w, size_t *br_at,
                    size_t *contents_at)
{
    const unsigned char *data = pdfr_data(p->f);
    size_t len = pdfr_len(p->f);
    struct dynbuf *b = &w->b;
    dynbuf_init(b, len + UPDATE_MAX);
    w->n = 0;
    dynbuf_add(b, data, len);
    if (len && data[len - 1] != '\n' && data[len - 1] != '\r')
        dynbuf_adds(b, "\n");
    const struct pades_options *o = p->o;
    double wd = p->rect[2] - p->rect[0], ht = p->rect[3] - p->rect[1];

    /* The signature dictionary. */
    obj_begin(w, p->n_sig, 0);
    dynbuf_adds(b, "<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n"
                   "/ByteRange ");
    *br_at = dynbuf_len(b);
    for (int i = 0; i < BR_WIDTH; i++)
        dynbuf_adds(b, " ");
    dynbuf_adds(b, "\n/Contents ");
    *contents_at = dynbuf_len(b);
    dynbuf_adds(b, "<");
    char zeros[256];
    memset(zeros, '0', sizeof zeros);
    for (size_t left = 2 * cap; left > 0;) {
        size_t n = left < sizeof zeros ? left : sizeof zeros;
        dynbuf_add(b, zeros, n);
        left -= n;
    }
    dynbuf_addf(b, ">\n/M (%s)", p->when_pdf);
    int bad = 0;
    if (p->s->name[0]) {
        dynbuf_adds(b, " /Name ");
        bad |= put_text(b, p->s->name);
    }
    if (o->reason && o->reason[0]) {
        dynbuf_adds(b, " /Reason ");
        bad |= put_text(b, o->reason);
    }
    if (o->location && o->location[0]) {
        dynbuf_adds(b, " /Location ");
        bad |= put_text(b, o->location);
    }
    dynbuf_adds(b, "\n/Prop_Build <</App <</Name /motcua>> /Filter <</Name /Adobe.PPKLite>>>>"
                   ">>\nendobj\n");

    /* The field and its widget, one dictionary. */
    obj_begin(w, p->n_widget, 0);
    dynbuf_addf(b, "<</Type /Annot /Subtype /Widget /FT /Sig /F 4 /T (%s) /V %u 0 R /P %u %u R"
                   " /Rect [",
                p->field, p->n_sig, p->page.num, p->page.gen);
    for (int i = 0; i < 4; i++) {
        put_num(b, p->wrect[i]);
        dynbuf_adds(b, i < 3 ? " " : "]");
    }
    dynbuf_addf(b, " /AP <</N %u 0 R>>>>\nendobj\n", p->n_ap);

    /* The appearance: the mark's images, each over its part of the widget. */
    struct dynbuf ap;
    dynbuf_init(&ap, 512);
    char head[256];
    struct dynbuf h;
    dynbuf_init(&h, 512);
    dynbuf_adds(&h, "/Type /XObject /Subtype /Form /BBox [0 0 ");
    put_num(&h, wd);
    dynbuf_adds(&h, " ");
    put_num(&h, ht);
    dynbuf_adds(&h, "]");
    put_matrix(&h, p->page.rotate, wd, ht);
    dynbuf_adds(&h, " /Resources <</XObject <<");
    for (int i = 0; i < p->nimg; i++) {
        const struct pimg *im = &p->img[i];
        dynbuf_addf(&ap, "%sq ", i ? " " : "");
        put_num(&ap, im->wd);
        dynbuf_adds(&ap, " 0 0 ");
        put_num(&ap, im->ht);
        dynbuf_adds(&ap, " ");
        put_num(&ap, im->x);
        dynbuf_adds(&ap, " ");
        put_num(&ap, im->y);
        dynbuf_addf(&ap, " cm /Im%d Do Q", i);
        dynbuf_addf(&h, "%s/Im%d %u 0 R", i ? " " : "", i, im->num);
    }
    dynbuf_adds(&h, ">>>>");
    bad |= dynbuf_failed(&ap) || dynbuf_failed(&h);
    stream_obj(w, p->n_ap, dynbuf_ptr(&h), (const unsigned char *)dynbuf_ptr(&ap),
               dynbuf_len(&ap));
    dynbuf_free(&ap);
    dynbuf_free(&h);
    for (int i = 0; i < p->nimg; i++) {
        const struct pimg *im = &p->img[i];
        snprintf(head, sizeof head,
                 "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                 "/BitsPerComponent 8 /Filter /FlateDecode /SMask %u 0 R",
                 im->w, im->h, im->mask_num);
        stream_obj(w, im->num, head, im->z, im->zlen);
        snprintf(head, sizeof head,
                 "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                 "/BitsPerComponent 8 /Filter /FlateDecode",
                 im->w, im->h);
        stream_obj(w, im->mask_num, head, im->mask_z, im->mask_zlen);
    }

    /* The page, with the widget added to its annotations. */
    static const char *const page_skip[] = {"Annots", NULL};
    obj_begin(w, p->page.num, p->page.gen);
    put_dict_except(b, p->page.dict, page_skip);
    dynbuf_adds(b, "\n/Annots ");
    put_array_plus(b, pdfr_dict_res(p->f, p->page.dict, "Annots"), p->n_widget);
    dynbuf_adds(b, ">>\nendobj\n");

    /* The form: its fields plus this one; SigFlags 3 = signatures exist,
     * append only. NeedAppearances is dropped: a reader that regenerates
     * appearances would change a signed file's look. */
    static const char *const form_skip[] = {"Fields", "SigFlags", "NeedAppearances", NULL};
    if (p->form_indirect)
        obj_begin(w, p->form_num, p->form_gen);
    else
        obj_begin(w, p->n_form, 0);
    put_dict_except(b, p->form, form_skip);
    dynbuf_adds(b, "\n/Fields ");
    put_array_plus(b, p->form ? pdfr_dict_res(p->f, p->form, "Fields") : NULL, p->n_widget);
    dynbuf_adds(b, "\n/SigFlags 3>>\nendobj\n");
    if (!p->form_indirect) {
        static const char *const cat_skip[] = {"AcroForm", NULL};
        obj_begin(w, p->cat_num, p->cat_gen);
        put_dict_except(b, p->catalog, cat_skip);
        dynbuf_addf(b, "\n/AcroForm %u 0 R>>\nendobj\n", p->n_form);
    }
    /* A table after a table, a stream after a stream (pdf_update.h). */
    int xrc = pdfu_xref(b, p->f, w->objs, w->n, p->n_next);
    if (bad)
        return -2;
    return xrc || dynbuf_failed(b) ? -1 : 0;
}

/* ---- CMS ------------------------------------------------------------ */

static void ossl_reason(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char buf[160] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    snprintf(err, errlen, "%s%s%s", what, buf[0] ? ": " : "", buf);
    ERR_clear_error();
}

/* The CMS SignedData over a content whose SHA-256 is md: CAdES signed
 * attributes (content type, message digest, ESS signing-certificate-v2),
 * no signing-time attribute (EN 319 142-1 puts the claimed time in /M),
 * the certificate and chain, and the timestamp token when asked for. The
 * signature over the attributes is made here rather than by CMS_final,
 * which would add a signing-time attribute. OUT: *der (OPENSSL_free). */
static int cms_build(const struct signer *s, const unsigned char *md, size_t mdlen,
                     const struct pades_options *o, unsigned char **der, size_t *derlen,
                     char *err, size_t errlen)
{
    int rc = -1;
    unsigned char *abuf = NULL, *sig = NULL;
    size_t siglen = 0;
    PADES_ATTRS *attrs = NULL;
    EVP_MD_CTX *mctx = NULL;
    int base = EVP_PKEY_get_base_id(s->key);
    if (base != EVP_PKEY_RSA && base != EVP_PKEY_EC) {
        snprintf(err, errlen, "the signing key is neither RSA nor ECDSA");
        return -1;
    }
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL,
                                    CMS_DETACHED | CMS_BINARY | CMS_PARTIAL);
    CMS_SignerInfo *si = NULL;
    if (!cms || !CMS_set_detached(cms, 1) ||
        !(si = CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(),
                               CMS_BINARY | CMS_PARTIAL | CMS_CADES | CMS_NOSMIMECAP))) {
        ossl_reason(err, errlen, "cannot start the CMS signature");
        goto out;
    }
    for (int i = 0; s->chain && i < sk_X509_num(s->chain); i++)
        if (CMS_add1_cert(cms, sk_X509_value(s->chain, i)) <= 0)
            ERR_clear_error(); /* the signer's own certificate twice: fine */
    if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                     OBJ_nid2obj(NID_pkcs7_data), -1) ||
        !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md,
                                     (int)mdlen)) {
        ossl_reason(err, errlen, "cannot add the signed attributes");
        goto out;
    }
    attrs = sk_X509_ATTRIBUTE_new_null();
    for (int i = 0; attrs && i < CMS_signed_get_attr_count(si); i++)
        if (!sk_X509_ATTRIBUTE_push(attrs, CMS_signed_get_attr(si, i)))
            break;
    int alen = attrs ? ASN1_item_i2d((ASN1_VALUE *)attrs, &abuf, ASN1_ITEM_rptr(PADES_ATTRS))
                     : -1;
    if (alen <= 0 || !(mctx = EVP_MD_CTX_new()) ||
        EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, s->key) != 1 ||
        EVP_DigestSign(mctx, NULL, &siglen, abuf, (size_t)alen) != 1 ||
        !(sig = OPENSSL_malloc(siglen)) ||
        EVP_DigestSign(mctx, sig, &siglen, abuf, (size_t)alen) != 1 ||
        !ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)siglen)) {
        ossl_reason(err, errlen, "the key could not sign");
        goto out;
    }
    if (o->timestamp &&
        pades_add_timestamp(si, sig, siglen, o->timestamp, o->timestamp_ctx, err, errlen))
        goto out;
    int n = i2d_CMS_ContentInfo(cms, der);
    if (n <= 0) {
        ossl_reason(err, errlen, "cannot encode the CMS signature");
        goto out;
    }
    *derlen = (size_t)n;
    rc = 0;
out:
    OPENSSL_free(sig);
    OPENSSL_free(abuf);
    sk_X509_ATTRIBUTE_free(attrs); /* the attributes belong to si */
    EVP_MD_CTX_free(mctx);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return rc;
}

/* ---- placing and drawing -------------------------------------------- */

static void clamp_rect(double r[4], const double box[4])
{
    double w = r[2] - r[0], h = r[3] - r[1];
    if (w > box[2] - box[0])
        w = box[2] - box[0];
    if (h > box[3] - box[1])
        h = box[3] - box[1];
    if (r[0] < box[0])
        r[0] = box[0];
    if (r[1] < box[1])
        r[1] = box[1];
    if (r[0] + w > box[2])
        r[0] = box[2] - w;
    if (r[1] + h > box[3])
        r[1] = box[3] - h;
    r[2] = r[0] + w;
    r[3] = r[1] + h;
}

/* The widget of the page's latest signature, for the seal to overlap. */
static int last_sig_rect(struct pdfr *f, const struct pdfr_sigfield *fl, size_t n,
                         const struct pdfr_page *pg, double out[4])
{
    const struct pdfr_obj *annots = pdfr_dict_res(f, pg->dict, "Annots");
    for (size_t i = n; i-- > 0;) {
        if (!fl[i].value || !fl[i].rect || fl[i].rect->u.a.n != 4)
            continue;
        int on_page = fl[i].page_num == pg->num;
        for (size_t k = 0; !on_page && fl[i].page_num == 0 && annots &&
                           annots->type == PDFR_ARRAY && k < annots->u.a.n;
             k++) {
            const struct pdfr_obj *a = annots->u.a.items[k];
            on_page = a->type == PDFR_REF && a->u.ref.num == fl[i].field_num;
        }
        if (!on_page)
            continue;
        double r[4];
        int ok = 1;
        for (int k = 0; k < 4; k++)
            ok &= pdfr_number(pdfr_resolve(f, fl[i].rect->u.a.items[k]), &r[k]) == 0;
        if (!ok)
            continue;
        out[0] = fmin(r[0], r[2]);
        out[1] = fmin(r[1], r[3]);
        out[2] = fmax(r[0], r[2]);
        out[3] = fmax(r[1], r[3]);
        if (out[2] - out[0] < 1 || out[3] - out[1] < 1)
            continue;
        return 0;
    }
    return -1;
}

/* The default place, in the shown space: the page as the reader sees it,
 * whatever its /Rotate. */
static void place(struct plan *p, const struct pdfr_sigfield *fl, size_t n)
{
    double box[4];
    pdfr_page_shown_box(&p->page, box);
    const struct pades_options *o = p->o;
    double prev_user[4], prev[4];
    if (o->role == PADES_SEAL) {
        double d = SIGAPP_SEAL_PT, band = SIGAPP_SEAL_TEXT_PT;
        if (last_sig_rect(p->f, fl, n, &p->page, prev_user) == 0) {
            /* Its left third as displayed: the widget seen from the reader. */
            pdfr_page_to_shown(&p->page, prev_user, prev);
            /* Appendix I: the seal covers about the left third of the
             * official's signature, to its left. */
            double cy = (prev[1] + prev[3]) / 2;
            p->rect[2] = prev[0] + (prev[2] - prev[0]) / 3;
            p->rect[0] = p->rect[2] - d;
            p->rect[3] = cy + d / 2;
            p->rect[1] = cy - d / 2 - band;
        } else {
            p->rect[2] = box[2] - 15 * MM;
            p->rect[0] = p->rect[2] - d;
            p->rect[1] = box[1] + 20 * MM;
            p->rect[3] = p->rect[1] + d + band;
        }
    } else {
        p->rect[2] = box[2] - 15 * MM;
        p->rect[0] = p->rect[2] - PADES_OFFICIAL_W;
        p->rect[1] = box[1] + 20 * MM;
        p->rect[3] = p->rect[1] + PADES_OFFICIAL_H;
    }
    clamp_rect(p->rect, box);
}

/* Level 6 (zlib's default): within 1% of level 9's size on these images
 * at less than half its time (level 9 was two thirds of a signature's
 * time before the cache below). */
#define DEFLATE_LEVEL 6

static int deflate_buf(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen)
{
    uLongf n = compressBound((uLong)len);
    unsigned char *b = malloc(n);
    if (!b || compress2(b, &n, in, (uLong)len, DEFLATE_LEVEL) != Z_OK) {
        free(b);
        return -1;
    }
    *out = b;
    *outlen = n;
    return 0;
}

/* ---- the images of marks, kept for reuse ----------------------------- */

/* Drawing a mark and compressing it took nine tenths of a signature's
 * time, yet a unit's seal and an official's signature look the same on
 * every document they sign. So the compressed images are kept in a small
 * cache shared by the process's threads, under everything that makes them:
 * the SHA-256 of the struct sigapp's fields, the scale and the compression
 * level, and the given PNG itself, kept and compared byte for byte (hashing
 * it each time cost as much as hashing the document). A seal's band, which
 * shows the signing time, is its own image and is drawn again each new
 * second. */
#define CACHE_SLOTS 64
#define CACHE_MAX_BYTES ((size_t)32 << 20) /* compressed bytes kept at most */
#define CACHE_ENTRY_MAX ((size_t)2 << 20)  /* a larger image is not kept */

struct cached_img {
    unsigned char key[32];
    unsigned char *data; /* the samples, the mask, the given PNG; NULL: empty */
    size_t zlen, mask_zlen, png_len;
    int w, h;
    uint64_t used; /* when last used, on the cache's clock */
};

static struct {
    pthread_mutex_t lock;
    struct cached_img slot[CACHE_SLOTS];
    size_t bytes;
    uint64_t clock;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void key_field(EVP_MD_CTX *md, const void *p, size_t len)
{
    uint64_t n = len;
    EVP_DigestUpdate(md, &n, sizeof n); /* length-prefixed: fields cannot run together */
    if (len)
        EVP_DigestUpdate(md, p, len);
}

static void key_text(EVP_MD_CTX *md, const char *s)
{
    key_field(md, s ? "t" : "n", 1); /* NULL apart from "" */
    key_field(md, s ? s : "", s ? strlen(s) : 0);
}

static int cache_key(const struct sigapp *a, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int fields[] = {(int)a->kind, (int)a->part, SIGAPP_SCALE, DEFLATE_LEVEL};
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    if (ok) {
        key_field(md, "motcua mark v1", 14);
        key_field(md, fields, sizeof fields);
        key_field(md, &a->width, sizeof a->width);
        key_field(md, &a->height, sizeof a->height);
        key_text(md, a->name);
        key_text(md, a->title);
        key_text(md, a->time_text);
        key_text(md, a->statement);
        key_text(md, a->qr_text);
        key_field(md, a->png ? "png" : "drawn", a->png ? 3 : 5);
        key_field(md, &a->png_len, sizeof a->png_len);
        ok = EVP_DigestFinal_ex(md, key, &n) && n == 32;
    }
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

static int same_entry(const struct cached_img *c, const unsigned char key[32],
                      const struct sigapp *a)
{
    size_t png_len = a->png ? a->png_len : 0;
    return c->data && memcmp(c->key, key, 32) == 0 && c->png_len == png_len &&
           (png_len == 0 || memcmp(c->data + c->zlen + c->mask_zlen, a->png, png_len) == 0);
}

/* Copies the image kept for a (key: its fields' hash) into im. Returns 1
 * if there was one. */
static int cache_get(const unsigned char key[32], const struct sigapp *a, struct pimg *im)
{
    int found = 0;
    pthread_mutex_lock(&cache.lock);
    for (int i = 0; i < CACHE_SLOTS && !found; i++) {
        struct cached_img *c = &cache.slot[i];
        if (!same_entry(c, key, a))
            continue;
        im->z = malloc(c->zlen);
        im->mask_z = malloc(c->mask_zlen);
        if (im->z && im->mask_z) {
            memcpy(im->z, c->data, c->zlen);
            memcpy(im->mask_z, c->data + c->zlen, c->mask_zlen);
            im->zlen = c->zlen;
            im->mask_zlen = c->mask_zlen;
            im->w = c->w;
            im->h = c->h;
            c->used = ++cache.clock;
            found = 1;
        } else {
            free(im->z);
            free(im->mask_z);
            im->z = im->mask_z = NULL;
        }
        break;
    }
    pthread_mutex_unlock(&cache.lock);
    return found;
}

static void slot_clear(struct cached_img *c)
{
    if (c->data)
        cache.bytes -= c->zlen + c->mask_zlen + c->png_len;
    free(c->data);
    memset(c, 0, sizeof *c);
}

/* Keeps a copy of im, drawn for a (key: its fields' hash), making room by
 * dropping the images used least recently. Out of memory, it keeps
 * nothing. */
static void cache_put(const unsigned char key[32], const struct sigapp *a, const struct pimg *im)
{
    size_t png_len = a->png ? a->png_len : 0;
    size_t size = im->zlen + im->mask_zlen + png_len;
    if (size > CACHE_ENTRY_MAX)
        return;
    unsigned char *data = malloc(size);
    if (!data)
        return;
    memcpy(data, im->z, im->zlen);
    memcpy(data + im->zlen, im->mask_z, im->mask_zlen);
    if (png_len)
        memcpy(data + im->zlen + im->mask_zlen, a->png, png_len);
    pthread_mutex_lock(&cache.lock);
    for (;;) {
        struct cached_img *oldest = NULL, *empty = NULL;
        for (int i = 0; i < CACHE_SLOTS; i++) {
            struct cached_img *c = &cache.slot[i];
            if (same_entry(c, key, a)) {
                /* Another thread drew the same image meanwhile. */
                pthread_mutex_unlock(&cache.lock);
                free(data);
                return;
            }
            if (!c->data && !empty)
                empty = c;
            if (c->data && (!oldest || c->used < oldest->used))
                oldest = c;
        }
        if (empty && cache.bytes + size <= CACHE_MAX_BYTES) {
            memcpy(empty->key, key, 32);
            empty->data = data;
            empty->zlen = im->zlen;
            empty->mask_zlen = im->mask_zlen;
            empty->png_len = png_len;
            empty->w = im->w;
            empty->h = im->h;
            empty->used = ++cache.clock;
            cache.bytes += size;
            break;
        }
        slot_clear(oldest); /* full, or over the byte budget: oldest is set */
    }
    pthread_mutex_unlock(&cache.lock);
}

void pades_cache_clear(void)
{
    pthread_mutex_lock(&cache.lock);
    for (int i = 0; i < CACHE_SLOTS; i++)
        slot_clear(&cache.slot[i]);
    cache.bytes = 0;
    pthread_mutex_unlock(&cache.lock);
}

/* The compressed image of the part of the mark a names: from the cache,
 * else drawn, compressed and kept. OUT: im's samples, mask and size. */
static int mark_image(const struct sigapp *a, struct pimg *im, char *err, size_t errlen)
{
    unsigned char key[32];
    /* A certification's mark is drawn once per copy: not worth a slot. */
    int keyed = !a->statement && cache_key(a, key) == 0;
    if (keyed && cache_get(key, a, im))
        return 0;
    struct sigapp_raster r;
    if (sigapp_render(a, &r, err, errlen))
        return -1;
    int rc = deflate_buf(r.rgb, (size_t)r.w * (size_t)r.h * 3, &im->z, &im->zlen) ||
             deflate_buf(r.alpha, (size_t)r.w * (size_t)r.h, &im->mask_z, &im->mask_zlen);
    im->w = r.w;
    im->h = r.h;
    sigapp_raster_free(&r);
    if (rc) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (keyed)
        cache_put(key, a, im);
    return 0;
}

/* The mark's images: an official's in one; a seal's in two, the seal above
 * and the band with the name and the signing time under it (the seal is
 * then the same image on every signature of the unit). */
static int draw(struct plan *p, time_t when, char *err, size_t errlen)
{
    const struct pades_options *o = p->o;
    char iso[40];
    sigtime_iso(when, iso, sizeof iso);
    double wd = p->rect[2] - p->rect[0], ht = p->rect[3] - p->rect[1];
    struct sigapp a = {
        .kind = o->role == PADES_SEAL ? SIGAPP_SEAL
                : o->statement        ? SIGAPP_CERTIFICATION
                                      : SIGAPP_OFFICIAL,
        .width = wd,
        .height = ht,
        .name = p->shown_name,
        .title = o->title,
        .png = o->image,
        .png_len = o->image_len,
        .statement = o->role == PADES_SEAL ? NULL : o->statement,
        .qr_text = o->role == PADES_SEAL ? NULL : o->qr_text,
        .part = SIGAPP_STILL,
    };
    double band = sigapp_band_height(&a);
    if (mark_image(&a, &p->img[0], err, errlen))
        return -1;
    p->img[0].x = 0;
    p->img[0].y = band;
    p->img[0].wd = wd;
    p->img[0].ht = ht - band;
    if (p->nimg < 2)
        return 0;
    a.part = SIGAPP_BAND;
    a.time_text = iso;
    if (mark_image(&a, &p->img[1], err, errlen))
        return -1;
    p->img[1].x = 0;
    p->img[1].y = 0;
    p->img[1].wd = wd;
    p->img[1].ht = band;
    return 0;
}

/* ---- signing -------------------------------------------------------- */

static size_t room_for_cms(const struct signer *s, const struct pades_options *o)
{
    size_t n = (size_t)i2d_X509(s->cert, NULL) + (size_t)EVP_PKEY_get_size(s->key);
    for (int i = 0; s->chain && i < sk_X509_num(s->chain); i++)
        n += (size_t)i2d_X509(sk_X509_value(s->chain, i), NULL);
    n += 2048; /* the attributes, the issuer's name twice, the structure */
    if (o->timestamp || o->timestamp_room)
        n += TS_ROOM;
    return (n + 1023) / 1024 * 1024;
}

/* A certification signature (catalog /Perms /DocMDP) whose transform
 * parameters say P 1 forbids any change, a new signature included
 * (ISO 32000-1, 12.8.2.2). P is 2 when absent. */
static int certified_no_changes(struct pdfr *f, const struct pdfr_obj *catalog)
{
    const struct pdfr_obj *perms = pdfr_dict_res(f, catalog, "Perms");
    const struct pdfr_obj *sig = perms ? pdfr_dict_res(f, perms, "DocMDP") : NULL;
    const struct pdfr_obj *refs = sig ? pdfr_dict_res(f, sig, "Reference") : NULL;
    for (size_t i = 0; refs && refs->type == PDFR_ARRAY && i < refs->u.a.n; i++) {
        const struct pdfr_obj *r = pdfr_resolve(f, refs->u.a.items[i]);
        if (!pdfr_is_name(pdfr_dict_res(f, r, "TransformMethod"), "DocMDP"))
            continue;
        const struct pdfr_obj *params = pdfr_dict_res(f, r, "TransformParams");
        const struct pdfr_obj *pv = params ? pdfr_dict_res(f, params, "P") : NULL;
        if (pv && pv->type == PDFR_INT && pv->u.i == 1)
            return 1;
    }
    return 0;
}

static int prepare(struct plan *p, char *err, size_t errlen)
{
    const struct pades_options *o = p->o;
    if (pdfr_page(p->f, o->page > 0 ? o->page - 1 : -1, &p->page)) {
        snprintf(err, errlen, "%s", pdfr_error(p->f));
        return -1;
    }
    if (!(p->catalog = pdfr_catalog(p->f, &p->cat_num, &p->cat_gen))) {
        snprintf(err, errlen, "%s", pdfr_error(p->f));
        return -1;
    }
    if (certified_no_changes(p->f, p->catalog)) {
        snprintf(err, errlen, "the PDF is certified with no changes allowed (DocMDP P=1): it "
                              "cannot take another signature");
        return -1;
    }
    struct pdfr_sigfield *fl = NULL;
    size_t nf = 0;
    if (pdfr_sigfields(p->f, &fl, &nf)) {
        snprintf(err, errlen, "%s", pdfr_error(p->f));
        return -1;
    }
    const struct pdfr_obj *fe = pdfr_dict_get(p->catalog, "AcroForm");
    p->form = pdfr_resolve(p->f, fe);
    if (p->form && p->form->type != PDFR_DICT)
        p->form = NULL;
    if (p->form && fe->type == PDFR_REF) {
        p->form_indirect = 1;
        p->form_num = fe->u.ref.num;
        p->form_gen = fe->u.ref.gen;
    }
    /* A field name no other signature field has. */
    for (size_t k = nf + 1;; k++) {
        snprintf(p->field, sizeof p->field, "Signature%zu", k);
        int taken = 0;
        for (size_t i = 0; i < nf && !taken; i++)
            taken = strcmp(fl[i].name, p->field) == 0;
        if (!taken)
            break;
    }
    if (o->has_rect) {
        for (int i = 0; i < 4; i++)
            p->rect[i] = o->rect[i];
        if (!(isfinite(p->rect[0]) && isfinite(p->rect[1]) && isfinite(p->rect[2]) &&
              isfinite(p->rect[3]) && p->rect[2] > p->rect[0] && p->rect[3] > p->rect[1])) {
            free(fl);
            snprintf(err, errlen, "the signature rectangle is not a rectangle");
            return -1;
        }
    } else {
        place(p, fl, nf);
    }
    pdfr_page_to_user(&p->page, p->rect, p->wrect);
    free(fl);
    uint32_t next = pdfr_next_num(p->f);
    if (next > PDFR_MAX_OBJECTS) {
        snprintf(err, errlen, "the PDF has too many objects to add a signature");
        return -1;
    }
    p->nimg = o->role == PADES_SEAL ? 2 : 1;
    uint32_t n = next;
    p->n_sig = n++;
    p->n_widget = n++;
    p->n_ap = n++;
    for (int i = 0; i < p->nimg; i++) {
        p->img[i].num = n++;
        p->img[i].mask_num = n++;
    }
    p->n_form = p->form_indirect ? 0 : n++;
    p->n_next = n;
    if (pdfr_xref_is_stream(p->f))
        p->n_next++; /* the update's cross-reference stream is an object too */
    if (o->role == PADES_SEAL)
        p->shown_name = o->name ? o->name : p->s->organisation[0] ? p->s->organisation
                                                                  : p->s->name;
    else
        p->shown_name = o->name ? o->name : p->s->name;
    return 0;
}

/* Appends the validation data of the signature just made to *out, when
 * there is some. Anything that goes wrong leaves *out as it was: the
 * signature is whole without it. */
static void add_ltv(const struct signer *s, const struct pades_options *o, unsigned char **out,
                    size_t *out_len)
{
    struct ltv_options lo = {.fetch = o->ltv_fetch, .fetch_ctx = o->ltv_fetch_ctx,
                             .extra = s->chain};
    struct ltv_result res;
    unsigned char *lt = NULL;
    size_t lt_len = 0;
    char why[256];
    int rc = ltv_add(*out, *out_len, &lo, &lt, &lt_len, &res, why, sizeof why);
    if (rc)
        snprintf(res.notes, sizeof res.notes, "%s", why);
    if (o->ltv_result)
        *o->ltv_result = res;
    if (rc || !lt)
        return;
    free(*out);
    *out = lt;
    *out_len = lt_len;
}

static const char hexdig[] = "0123456789ABCDEF";

int pades_sign(const unsigned char *pdf, size_t len, const struct signer *s,
               const struct pades_options *o, unsigned char **out, size_t *out_len, char *err,
               size_t errlen)
{
    static const struct pades_options defaults;
    struct plan p = {0};
    struct out w = {0};
    unsigned char *der = NULL;
    size_t derlen = 0;
    int rc = -1;
    *out = NULL;
    *out_len = 0;
    err[0] = 0;
    if (!o)
        o = &defaults;
    p.o = o;
    p.s = s;
    if (!s || !s->key || !s->cert) {
        snprintf(err, errlen, "no signing key");
        return -1;
    }
    if (pdfr_open(pdf, len, &p.f, err, errlen))
        return -1;
    time_t when = o->when ? o->when : time(NULL);
    sigtime_pdf(when, p.when_pdf, sizeof p.when_pdf);
    if (prepare(&p, err, errlen) || draw(&p, when, err, errlen))
        goto done;
    size_t cap = room_for_cms(s, o);
    /* Twice at most: when the signature turns out larger than the room
     * kept for it, the file is assembled again with enough room. */
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t br_at, c_at;
        int arc = assemble(&p, cap, &w, &br_at, &c_at);
        if (arc) {
            snprintf(err, errlen, arc == -2 ? "a text of the signature is not valid UTF-8"
                                            : "the signed file would be too large");
            goto done;
        }
        unsigned char *buf = (unsigned char *)w.b.p;
        size_t total = dynbuf_len(&w.b), gap_end = c_at + 2 * cap + 2;
        char br[BR_WIDTH + 1];
        int n = snprintf(br, sizeof br, "[0 %zu %zu %zu]", c_at, gap_end, total - gap_end);
        if (n <= 0 || n > BR_WIDTH) {
            snprintf(err, errlen, "the signed file would be too large");
            goto done;
        }
        memcpy(buf + br_at, br, (size_t)n);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        int ok = mctx && EVP_DigestInit_ex(mctx, EVP_sha256(), NULL) &&
                 EVP_DigestUpdate(mctx, buf, c_at) &&
                 EVP_DigestUpdate(mctx, buf + gap_end, total - gap_end) &&
                 EVP_DigestFinal_ex(mctx, md, &mdlen);
        EVP_MD_CTX_free(mctx);
        if (!ok) {
            snprintf(err, errlen, "cannot hash the document");
            goto done;
        }
        OPENSSL_free(der);
        der = NULL;
        if (cms_build(s, md, mdlen, o, &der, &derlen, err, errlen))
            goto done;
        if (derlen <= cap) {
            for (size_t i = 0; i < derlen; i++) {
                buf[c_at + 1 + 2 * i] = (unsigned char)hexdig[der[i] >> 4];
                buf[c_at + 2 + 2 * i] = (unsigned char)hexdig[der[i] & 15];
            }
            *out = (unsigned char *)dynbuf_take(&w.b, out_len);
            if (!*out) {
                snprintf(err, errlen, "out of memory");
                goto done;
            }
            if (o->ltv)
                add_ltv(s, o, out, out_len);
            rc = 0;
            goto done;
        }
        dynbuf_free(&w.b);
        cap = (derlen + (o->timestamp ? 4096 : o->timestamp_room ? TS_ROOM : 512) + 1023) / 1024 *
              1024;
    }
    snprintf(err, errlen, "the signature does not fit in the room kept for it");
done:
    OPENSSL_free(der);
    dynbuf_free(&w.b);
    for (int i = 0; i < MAX_IMGS; i++) {
        free(p.img[i].z);
        free(p.img[i].mask_z);
    }
    pdfr_free(p.f);
    return rc;
}

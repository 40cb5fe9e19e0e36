/* edxml_sign: XMLDSig over edXML envelopes with xmlsec (OpenSSL backend).
 * xmlsec is set up once per process with no I/O callbacks at all, so no
 * reference or key can make it read a file or the network. */
#include "exchange/edxml_sign.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509_vfy.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>

#include "base/util.h"
#include "exchange/cert_unit.h"
#include "exchange/edxml.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;

/* xmlsec reports through one global callback, innermost first: the first
 * reason of an operation, per thread, is the one the message gives. */
static __thread char last_error[200];

static void on_error(const char *file, int line, const char *func, const char *object,
                     const char *subject, int reason, const char *msg)
{
    const char *why = NULL;
    if (last_error[0])
        return;
    for (xmlSecSize i = 0; xmlSecErrorsGetMsg(i); i++)
        if (xmlSecErrorsGetCode(i) == reason) {
            why = xmlSecErrorsGetMsg(i);
            break;
        }
    snprintf(last_error, sizeof last_error, "%s: %s%s%s", func ? func : "xmlsec",
             why ? why : "error", msg && *msg ? "; " : "", msg ? msg : "");
}

static void init(void)
{
    xmlInitParser();
    if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(NULL) < 0 ||
        xmlSecCryptoInit() < 0) {
        init_failed = 1;
        return;
    }
    /* No xmlsec I/O: same-document references only. */
    xmlSecIOCleanupCallbacks();
    xmlSecErrorsSetCallback(on_error);
}

static int ready(struct derr *err)
{
    pthread_once(&init_once, init);
    last_error[0] = 0;
    if (init_failed)
        return derr_set(err, DERR_INTERNAL, "xmlsec_unavailable",
                        "Không khởi tạo được thư viện chữ ký XML (xmlsec).", "");
    return 0;
}

static int is_edxml(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           strcmp((const char *)n->ns->href, EDXML_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr first_child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_edxml(c, name))
            return c;
    return NULL;
}

static xmlNodePtr header_of(xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!is_edxml(root, "edXML"))
        return NULL;
    return first_child(first_child(root, "edXMLEnvelope"), "edXMLHeader");
}

int edxml_sign(const void *data, size_t len, const struct signer *s, char **out, size_t *outlen,
               struct derr *err)
{
    xmlDocPtr doc = NULL;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlChar *mem = NULL;
    int n = 0, rc = -1;

    *out = NULL;
    *outlen = 0;
    if (ready(err) || edxml_read_doc(data, len, &doc, err))
        return -1;
    xmlNodePtr header = header_of(doc);
    if (!header) {
        derr_set(err, DERR_INVALID, "not_edxml",
                 "Không phải gói tin edXML (thiếu edXML/edXMLEnvelope/edXMLHeader).", "");
        goto out;
    }
    /* An earlier signature (a relayed envelope, a sample) goes: ours is the
     * only one. */
    for (xmlNodePtr c = header->children, next; c; c = next) {
        next = c->next;
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "Signature") == 0) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    int base = EVP_PKEY_get_base_id(s->key);
    xmlSecTransformId method = base == EVP_PKEY_EC ? xmlSecTransformEcdsaSha256Id
                                                   : xmlSecTransformRsaSha256Id;
    if (base != EVP_PKEY_EC && base != EVP_PKEY_RSA) {
        derr_set(err, DERR_INVALID, "sign_failed", "Khóa ký phải là RSA hoặc ECDSA.", "");
        goto out;
    }
    xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId, method, NULL);
    if (!sig || !xmlAddChild(header, sig))
        goto fail;
    xmlNodePtr ref =
        xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
        !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId))
        goto fail;
    xmlNodePtr x509 = xmlSecTmplKeyInfoAddX509Data(xmlSecTmplSignatureEnsureKeyInfo(sig, NULL));
    if (!x509 || !xmlSecTmplX509DataAddCertificate(x509))
        goto fail;

    ctx = xmlSecDSigCtxCreate(NULL);
    if (!ctx || !(ctx->signKey = xmlSecKeyCreate()))
        goto fail;
    if (!EVP_PKEY_up_ref(s->key))
        goto fail;
    xmlSecKeyDataPtr kv = xmlSecOpenSSLEvpKeyAdopt(s->key);
    if (!kv) {
        EVP_PKEY_free(s->key);
        goto fail;
    }
    if (xmlSecKeySetValue(ctx->signKey, kv) < 0) {
        xmlSecKeyDataDestroy(kv);
        goto fail;
    }
    /* The certificate as the key's own, and every certificate (it, then
     * the chain) for X509Data, as xmlsec's own loader does. */
    xmlSecKeyDataPtr xd = xmlSecKeyDataCreate(xmlSecOpenSSLKeyDataX509Id);
    if (!xd || xmlSecKeyAdoptData(ctx->signKey, xd) < 0) {
        xmlSecKeyDataDestroy(xd);
        goto fail;
    }
    X509 *c1 = X509_dup(s->cert), *c2 = X509_dup(s->cert);
    if (!c1 || xmlSecOpenSSLKeyDataX509AdoptKeyCert(xd, c1) < 0) {
        X509_free(c1);
        X509_free(c2);
        goto fail;
    }
    if (!c2 || xmlSecOpenSSLKeyDataX509AdoptCert(xd, c2) < 0) {
        X509_free(c2);
        goto fail;
    }
    for (int i = 0; s->chain && i < sk_X509_num(s->chain); i++) {
        X509 *c = X509_dup(sk_X509_value(s->chain, i));
        if (!c || xmlSecOpenSSLKeyDataX509AdoptCert(xd, c) < 0) {
            X509_free(c);
            goto fail;
        }
    }
    if (xmlSecDSigCtxSign(ctx, sig) < 0)
        goto fail;
    /* No reformatting: the bytes are what was signed. */
    xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
    if (!mem || n <= 0 || !(*out = malloc((size_t)n + 1)))
        goto fail;
    memcpy(*out, mem, (size_t)n);
    (*out)[n] = 0;
    *outlen = (size_t)n;
    rc = 0;
    goto out;
fail: {
    char msg[256];
    snprintf(msg, sizeof msg, "Không ký được gói tin edXML: %.180s",
             last_error[0] ? last_error : "lỗi thư viện xmlsec");
    derr_set(err, DERR_INTERNAL, "sign_failed", msg, "");
}
out:
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    xmlFree(mem);
    xmlFreeDoc(doc);
    return rc;
}

/* Every element called Signature: in the XMLDSig namespace (*dsig) or
 * not (*other); the first of the former in *first. */
static void find_signatures(xmlNodePtr n, int *dsig, int *other, xmlNodePtr *first)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, "Signature") == 0) {
            if (n->ns && strcmp((const char *)n->ns->href, (const char *)xmlSecDSigNs) == 0) {
                if (!*first)
                    *first = n;
                (*dsig)++;
            } else {
                (*other)++;
            }
        }
        find_signatures(n->children, dsig, other, first);
    }
}

static void name_of(xmlSecTransformPtr t, char *out, size_t cap)
{
    const char *href = t && t->id && t->id->href ? (const char *)t->id->href : "";
    const char *hash = strrchr(href, '#');
    const char *name = hash ? hash + 1 : (strrchr(href, '/') ? strrchr(href, '/') + 1 : href);
    snprintf(out, cap, "%s", name);
}

static int allow(xmlSecDSigCtxPtr ctx)
{
    xmlSecTransformId c14n[] = {xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId,
                                xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId};
    xmlSecTransformId sig[] = {xmlSecTransformRsaSha1Id,   xmlSecTransformRsaSha256Id,
                               xmlSecTransformRsaSha384Id, xmlSecTransformRsaSha512Id,
                               xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
                               xmlSecTransformEcdsaSha512Id};
    xmlSecTransformId dig[] = {xmlSecTransformSha1Id, xmlSecTransformSha256Id,
                               xmlSecTransformSha384Id, xmlSecTransformSha512Id};
    for (size_t i = 0; i < sizeof c14n / sizeof *c14n; i++)
        if (xmlSecDSigCtxEnableSignatureTransform(ctx, c14n[i]) < 0 ||
            xmlSecDSigCtxEnableReferenceTransform(ctx, c14n[i]) < 0)
            return -1;
    for (size_t i = 0; i < sizeof sig / sizeof *sig; i++)
        if (xmlSecDSigCtxEnableSignatureTransform(ctx, sig[i]) < 0)
            return -1;
    for (size_t i = 0; i < sizeof dig / sizeof *dig; i++)
        if (xmlSecDSigCtxEnableReferenceTransform(ctx, dig[i]) < 0)
            return -1;
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0)
        return -1;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS; /* only SignedInfo's reference counts */
    ctx->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
    /* xmlsec only picks the signing certificate out of X509Data; the
     * chain is checked below with OpenSSL, for a reason one can read. */
    ctx->keyInfoReadCtx.flags |= XMLSEC_KEYINFO_FLAGS_X509DATA_DONT_VERIFY_CERTS;
    return 0;
}

static int refuse(struct derr *err, const char *code, const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s", fmt);
    if (arg) {
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof msg - l, "%.200s", arg);
    }
    return derr_set(err, DERR_INVALID, code, msg, "Signature");
}

/* The signing certificate against the anchors, the other X509Data
 * certificates as intermediates, now. */
static int check_chain(xmlSecKeyDataPtr xd, X509 *leaf, X509_STORE *anchors, struct derr *err)
{
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *sc = X509_STORE_CTX_new();
    int rc = -1;
    if (!anchors) {
        rc = refuse(err, "untrusted",
                    "Chứng thư số của chữ ký không được tin cậy: không có chứng thư gốc nào.",
                    NULL);
        goto out;
    }
    if (!untrusted || !sc) {
        rc = derr_set(err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
        goto out;
    }
    for (xmlSecSize i = 0; i < xmlSecOpenSSLKeyDataX509GetCertsSize(xd); i++) {
        X509 *c = xmlSecOpenSSLKeyDataX509GetCert(xd, i);
        if (c && !sk_X509_push(untrusted, c))
            goto out;
    }
    if (!X509_STORE_CTX_init(sc, anchors, leaf, untrusted))
        goto out;
    if (X509_verify_cert(sc) != 1) {
        rc = refuse(err, "untrusted", "Chứng thư số của chữ ký không được tin cậy: ",
                    X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)));
        goto out;
    }
    rc = 0;
out:
    X509_STORE_CTX_free(sc);
    sk_X509_free(untrusted); /* the certificates stay xmlsec's */
    return rc;
}

/* The keys manager of the calling thread, made at its first verification
 * and kept until the thread ends. xmlsec needs one to read X509Data (trust
 * is decided by check_chain, not by it), and making one loads the system's
 * whole CA bundle into its certificate store (X509_STORE_set_default_paths,
 * unconditional in xmlsec): ~40 ms, nine tenths of a 140 KB envelope's
 * verification when it was made per call. A verification only reads it
 * (the certificates of X509Data go to the context's key), so one per
 * thread is reused as is. NULL when xmlsec cannot make one. */
static pthread_key_t mngr_key;
static pthread_once_t mngr_once = PTHREAD_ONCE_INIT;
static int mngr_key_failed;

static void mngr_destroy(void *m) { xmlSecKeysMngrDestroy(m); }

static void mngr_key_init(void)
{
    mngr_key_failed = pthread_key_create(&mngr_key, mngr_destroy) != 0;
}

static xmlSecKeysMngrPtr thread_mngr(void)
{
    pthread_once(&mngr_once, mngr_key_init);
    if (mngr_key_failed)
        return NULL;
    xmlSecKeysMngrPtr m = pthread_getspecific(mngr_key);
    if (m)
        return m;
    m = xmlSecKeysMngrCreate();
    if (!m || xmlSecCryptoAppDefaultKeysMngrInit(m) < 0 || pthread_setspecific(mngr_key, m)) {
        if (m)
            xmlSecKeysMngrDestroy(m);
        return NULL;
    }
    return m;
}

int edxml_verify(const void *data, size_t len, X509_STORE *anchors, struct edxml_verdict *v,
                 struct derr *err)
{
    xmlDocPtr doc = NULL;
    xmlSecKeysMngrPtr mngr = NULL;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlNodePtr sig = NULL;
    int ndsig = 0, nother = 0, rc = -1;

    memset(v, 0, sizeof *v);
    if (ready(err) || edxml_read_doc(data, len, &doc, err))
        return -1;
    xmlNodePtr header = header_of(doc);
    if (!header) {
        derr_set(err, DERR_INVALID, "not_edxml",
                 "Không phải gói tin edXML (thiếu edXML/edXMLEnvelope/edXMLHeader).", "");
        goto out;
    }
    find_signatures(xmlDocGetRootElement(doc), &ndsig, &nother, &sig);
    if (ndsig == 0 && nother > 0) {
        refuse(err, "signature_not_xmldsig",
               "Phần tử Signature không thuộc không gian tên XMLDSig "
               "(http://www.w3.org/2000/09/xmldsig#): chữ ký không kiểm tra được.",
               NULL);
        goto out;
    }
    if (ndsig == 0) {
        refuse(err, "no_signature", "Gói tin edXML không có chữ ký số.", NULL);
        goto out;
    }
    if (ndsig + nother > 1 || sig->parent != header) {
        refuse(err, "bad_signature_form",
               "Gói tin edXML phải có đúng một chữ ký, đặt trong edXMLHeader.", NULL);
        goto out;
    }
    mngr = thread_mngr();
    if (!mngr)
        goto internal;
    ctx = xmlSecDSigCtxCreate(mngr);
    if (!ctx || allow(ctx))
        goto internal;
    if (xmlSecDSigCtxVerify(ctx, sig) < 0) {
        refuse(err, "bad_signature_form", "Chữ ký không đọc được hoặc không được phép: ",
               last_error[0] ? last_error : "xmlsec");
        goto out;
    }
    if (ctx->signMethod)
        name_of(ctx->signMethod, v->algorithm, sizeof v->algorithm);
    if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1) {
        refuse(err, "bad_signature_form",
               "Chữ ký phải có đúng một Reference, URI=\"\" (toàn bộ gói tin).", NULL);
        goto out;
    }
    xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0);
    if (!ref || !ref->uri || ref->uri[0] != 0) {
        refuse(err, "bad_signature_form",
               "Chữ ký phải có đúng một Reference, URI=\"\" (toàn bộ gói tin).", NULL);
        goto out;
    }
    if (ref->digestMethod)
        name_of(ref->digestMethod, v->digest, sizeof v->digest);
    v->weak = strstr(v->algorithm, "sha1") != NULL || strcmp(v->digest, "sha1") == 0;
    xmlSecKeyDataPtr xd =
        ctx->signKey ? xmlSecKeyGetData(ctx->signKey, xmlSecOpenSSLKeyDataX509Id) : NULL;
    X509 *leaf = xd ? xmlSecOpenSSLKeyDataX509GetKeyCert(xd) : NULL;
    if (leaf) {
        BIO *b = BIO_new(BIO_s_mem());
        char *p;
        long l;
        if (b && X509_NAME_print_ex(b, X509_get_subject_name(leaf), 0,
                                    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
            l = BIO_get_mem_data(b, &p);
            snprintf(v->signer, sizeof v->signer, "%.*s", (int)(l < 511 ? l : 511), p);
        }
        BIO_free(b);
        b = BIO_new(BIO_s_mem());
        if (b && X509_NAME_print_ex(b, X509_get_issuer_name(leaf), 0,
                                    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
            l = BIO_get_mem_data(b, &p);
            snprintf(v->issuer, sizeof v->issuer, "%.*s", (int)(l < 511 ? l : 511), p);
        }
        BIO_free(b);
        cert_unit(leaf, v->organ_id, sizeof v->organ_id, &v->has_title);
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
        char *hex = bn ? BN_bn2hex(bn) : NULL;
        if (hex)
            snprintf(v->serial, sizeof v->serial, "%s", hex);
        OPENSSL_free(hex);
        BN_free(bn);
    }
    if (ctx->status != xmlSecDSigStatusSucceeded) {
        if (ref->status != xmlSecDSigStatusSucceeded)
            refuse(err, "digest_mismatch",
                   "Gói tin edXML đã bị thay đổi sau khi ký (giá trị băm không khớp).", NULL);
        else
            refuse(err, "signature_invalid", "Chữ ký số của gói tin edXML không hợp lệ.", NULL);
        goto out;
    }
    /* The key that verified must be the certificate's: a KeyValue read
     * before X509Data would otherwise stand beside someone else's
     * certificate. */
    xmlSecKeyDataPtr kv = ctx->signKey ? xmlSecKeyGetValue(ctx->signKey) : NULL;
    EVP_PKEY *used = kv ? xmlSecOpenSSLEvpKeyDataGetEvp(kv) : NULL;
    if (!leaf || !used || EVP_PKEY_eq(used, X509_get0_pubkey(leaf)) != 1) {
        refuse(err, "untrusted", "Chữ ký không kèm chứng thư số của người ký (X509Data).", NULL);
        goto out;
    }
    if (check_chain(xd, leaf, anchors, err))
        goto out;
    rc = 0;
    goto out;
internal:
    derr_set(err, DERR_INTERNAL, "xmlsec_unavailable",
             "Không khởi tạo được việc kiểm tra chữ ký XML.", "");
out:
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    xmlFreeDoc(doc);
    return rc;
}

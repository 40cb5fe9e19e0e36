/* edxml: reading and writing edXML envelopes (QCVN 102:2016). Elements
 * are matched by local name in the edXML namespace; order does not matter
 * and unknown elements are skipped, as real senders add their own. */
#include "exchange/edxml.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlsave.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/util.h"

/* --- memory the struct owns ------------------------------------------------ */

void *edxml_alloc(struct edxml *e, size_t n)
{
    if (e->nallocs == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        void **p = realloc(e->allocs, cap * sizeof *p);
        if (!p)
            return NULL;
        e->allocs = p;
        e->cap = cap;
    }
    void *p = calloc(1, n ? n : 1);
    if (p)
        e->allocs[e->nallocs++] = p;
    return p;
}

char *edxml_strdup(struct edxml *e, const char *s)
{
    size_t n = strlen(s);
    char *p = edxml_alloc(e, n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

void edxml_free(struct edxml *e)
{
    for (size_t i = 0; i < e->nallocs; i++)
        free(e->allocs[i]);
    free(e->allocs);
    memset(e, 0, sizeof *e);
}

/* --- the safe parser ----------------------------------------------------- */

/* A DOCTYPE is where entities (billion laughs) and external subsets
 * (file and network reads) come from: envelopes never need one, so the
 * parse stops at the first sign of it. The flag is the thread's own, so
 * nothing of ours rides on the parser context. */
static __thread int saw_doctype;

static void refuse_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                          const xmlChar *sys_id)
{
    saw_doctype = 1;
    xmlStopParser((xmlParserCtxtPtr)ctx);
}

static void refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                          const xmlChar *system_id, xmlChar *content)
{
    saw_doctype = 1;
    xmlStopParser((xmlParserCtxtPtr)ctx);
}

static int depth_ok(xmlNodePtr n, int depth, long *count)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (depth > EDXML_MAX_DEPTH || ++*count > EDXML_MAX_ELEMENTS)
            return 0;
        if (!depth_ok(n->children, depth + 1, count))
            return 0;
    }
    return 1;
}

int edxml_read_doc(const void *data, size_t len, xmlDocPtr *out, struct derr *err)
{
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    int rc = -1;
    long count = 0;

    *out = NULL;
    if (len > EDXML_MAX_SIZE)
        return derr_set(err, DERR_TOO_LARGE, "too_large",
                        "Gói tin edXML vượt quá 64 MiB.", "");
    if (len > INT32_MAX)
        return derr_set(err, DERR_TOO_LARGE, "too_large", "Gói tin edXML quá lớn.", "");
    xmlInitParser();
    ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return derr_set(err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ để đọc gói tin.", "");
    saw_doctype = 0;
    ctxt->sax->internalSubset = refuse_subset;
    ctxt->sax->externalSubset = refuse_subset;
    ctxt->sax->entityDecl = refuse_entity;
    /* No XML_PARSE_NOENT (entities stay unsubstituted), no DTDLOAD, no HUGE. */
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, "edxml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_NOCDATA);
    if (saw_doctype) {
        derr_set(err, DERR_INVALID, "doctype_refused",
                 "Gói tin edXML có khai báo DOCTYPE (DTD, thực thể): không được chấp nhận.", "");
        goto out;
    }
    if (!doc || !ctxt->wellFormed || !xmlDocGetRootElement(doc)) {
        const xmlError *x = xmlCtxtGetLastError(ctxt);
        char msg[256];
        snprintf(msg, sizeof msg, "Gói tin không phải XML hợp lệ (dòng %d: %.150s).",
                 x ? x->line : 0, x && x->message ? x->message : "không đọc được");
        msg[strcspn(msg, "\n")] = 0;
        derr_set(err, DERR_INVALID, "not_xml", msg, "");
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        derr_set(err, DERR_INVALID, "doctype_refused",
                 "Gói tin edXML có khai báo DOCTYPE (DTD, thực thể): không được chấp nhận.", "");
        goto out;
    }
    if (!depth_ok(xmlDocGetRootElement(doc), 1, &count)) {
        derr_set(err, DERR_INVALID, "too_deep",
                 "Gói tin edXML lồng quá sâu hoặc có quá nhiều phần tử.", "");
        goto out;
    }
    *out = doc;
    doc = NULL;
    rc = 0;
out:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

/* --- reading elements ---------------------------------------------------- */

static int is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, EDXML_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* The first child element of n called name (in the edXML namespace). */
static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    if (!n)
        return NULL;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* The standard spells it "Bussiness"; "Business" is accepted too. */
static xmlNodePtr child2(xmlNodePtr n, const char *a, const char *b)
{
    xmlNodePtr c = child(n, a);
    return c ? c : child(n, b);
}

struct rd {
    struct edxml *e;
    struct derr *err;
};

/* The text of element name under n, trimmed, checked for length (max
 * bytes, or characters when chars) and copied into e. "" when absent.
 * NULL after setting err. */
static char *text_of(struct rd *r, xmlNodePtr n, const char *name, size_t max, int chars)
{
    xmlNodePtr c = name ? child(n, name) : n;
    char msg[200];
    if (!c)
        return edxml_strdup(r->e, "");
    for (xmlNodePtr k = c->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE || k->type == XML_ENTITY_REF_NODE) {
            snprintf(msg, sizeof msg, "Phần tử %s phải chỉ chứa văn bản.", c->name);
            derr_set(r->err, DERR_INVALID, "bad_field", msg, (const char *)c->name);
            return NULL;
        }
    xmlChar *t = xmlNodeGetContent(c);
    if (!t) {
        derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
        return NULL;
    }
    const char *s = (const char *)t;
    size_t n0 = strlen(s);
    while (n0 && strchr(" \t\r\n", s[n0 - 1]))
        n0--;
    while (n0 && strchr(" \t\r\n", *s)) {
        s++;
        n0--;
    }
    char *out = NULL;
    size_t measure = chars ? 0 : n0;
    if (!text_utf8_valid(s, n0)) {
        snprintf(msg, sizeof msg, "Phần tử %s không phải UTF-8 hợp lệ.", c->name);
        derr_set(r->err, DERR_INVALID, "bad_field", msg, (const char *)c->name);
        goto out;
    }
    if (chars)
        for (size_t i = 0; i < n0; i++)
            measure += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (measure > max) {
        snprintf(msg, sizeof msg, "Phần tử %s dài quá %zu %s.", c->name, max,
                 chars ? "ký tự" : "byte");
        derr_set(r->err, DERR_TOO_LARGE, "field_too_long", msg, (const char *)c->name);
        goto out;
    }
    out = edxml_alloc(r->e, n0 + 1);
    if (!out) {
        derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
        goto out;
    }
    memcpy(out, s, n0);
out:
    xmlFree(t);
    return out;
}

#define TEXT(dst, node, name)                                                                \
    do {                                                                                     \
        if (!((dst) = text_of(r, (node), (name), EDXML_MAX_FIELD, 0)))                       \
            return -1;                                                                       \
    } while (0)

__attribute__((format(printf, 4, 5))) static int bad(struct rd *r, const char *code,
                                                     const char *field, const char *fmt, ...)
{
    va_list ap;
    char msg[256];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return derr_set(r->err, DERR_INVALID, code, msg, field);
}

/* The integer in element c (named label in messages): -1 when absent or
 * empty; refused when not a number in [0, max]. */
static int int_node(struct rd *r, xmlNodePtr c, const char *label, long max, int *out)
{
    char *s;
    long v;
    *out = -1;
    if (!c)
        return 0;
    TEXT(s, c, NULL);
    if (!*s)
        return 0;
    if (parse_long(s, 0, max, &v))
        return bad(r, "bad_number", label, "Phần tử %s phải là một số hợp lệ.", label);
    *out = (int)v;
    return 0;
}

static int int_of(struct rd *r, xmlNodePtr n, const char *name, long max, int *out)
{
    return int_node(r, child(n, name), name, max, out);
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int edxml_date(const char *s, char out[11])
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (strlen(s) != 10)
        return -1;
    if (s[2] == '/' && s[5] == '/') { /* dd/MM/yyyy */
        if (digits(s, 2, &d) || digits(s + 3, 2, &m) || digits(s + 6, 4, &y))
            return -1;
    } else if ((s[4] == '/' && s[7] == '/') || (s[4] == '-' && s[7] == '-')) {
        if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
            return -1;
    } else {
        return -1;
    }
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y)))
        return -1;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = out[7] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = 0;
    return 0;
}

/* A date element into ISO; "" when absent or empty. */
static int date_of(struct rd *r, xmlNodePtr n, const char *name, char out[11])
{
    char *s;
    TEXT(s, n, name);
    out[0] = 0;
    if (*s && edxml_date(s, out))
        return bad(r, "bad_date", name,
                   "Phần tử %s không phải ngày hợp lệ (dd/MM/yyyy hoặc yyyy/MM/dd).", name);
    return 0;
}

/* "yyyy/MM/dd HH:mm:ss" or "dd/MM/yyyy HH:mm:ss" (or with a "T") into
 * ISO; "" when absent. */
static int time_of(struct rd *r, xmlNodePtr n, const char *name, char out[20])
{
    char *s, day[11], date[11];
    int h, mi, se;
    TEXT(s, n, name);
    out[0] = 0;
    if (!*s)
        return 0;
    if (strlen(s) != 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se) || h > 23 ||
        mi > 59 || se > 60)
        goto fail;
    memcpy(day, s, 10);
    day[10] = 0;
    if (edxml_date(day, date))
        goto fail;
    snprintf(out, 20, "%sT%02d:%02d:%02d", date, h, mi, se);
    return 0;
fail:
    return bad(r, "bad_time", name,
               "Phần tử %s không phải thời điểm hợp lệ (yyyy/MM/dd HH:mm:ss).", name);
}

static int organ(struct rd *r, xmlNodePtr n, struct edxml_organ *o)
{
    TEXT(o->organ_id, n, "OrganId");
    TEXT(o->organization_in_charge, n, "OrganizationInCharge");
    TEXT(o->organ_name, n, "OrganName");
    TEXT(o->organ_add, n, "OrganAdd");
    TEXT(o->email, n, "Email");
    TEXT(o->telephone, n, "Telephone");
    TEXT(o->fax, n, "Fax");
    TEXT(o->website, n, "Website");
    return 0;
}

static int staff(struct rd *r, xmlNodePtr n, struct edxml_staff *s)
{
    TEXT(s->department, n, "Department");
    TEXT(s->staff, n, "Staff");
    TEXT(s->email, n, "Email");
    TEXT(s->mobile, n, "Mobile");
    return 0;
}

/* Counts the children of n named name; refuses more than max. */
static long count_of(struct rd *r, xmlNodePtr n, const char *name, long max)
{
    long k = 0;
    if (!n)
        return 0;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (is_el(c, name))
            k++;
    if (k > max) {
        char msg[160];
        snprintf(msg, sizeof msg, "Gói tin có quá nhiều phần tử %s (tối đa %ld).", name, max);
        derr_set(r->err, DERR_TOO_LARGE, "too_many", msg, name);
        return -1;
    }
    return k;
}

/* Every child of n named name, as strings. */
static int list_of(struct rd *r, xmlNodePtr n, const char *name, long max, char ***out,
                   size_t *nout)
{
    long k = count_of(r, n, name, max);
    if (k < 0)
        return -1;
    *nout = 0;
    if (!(*out = edxml_alloc(r->e, (size_t)(k ? k : 1) * sizeof **out)))
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_el(c, name)) {
            char *s;
            if (!(s = text_of(r, c, NULL, EDXML_MAX_FIELD, 0)))
                return -1;
            if (*s) /* senders write an empty <Appendix/> for none */
                (*out)[(*nout)++] = s;
        }
    return 0;
}

/* "{OrganId},{yyyy/MM/dd},{number/notation}": its parts, the date ISO. */
static int document_id(struct rd *r, const char *id, const char *field)
{
    const char *c1 = strchr(id, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    char day[11];
    struct edxml *e = r->e;
    if (!c1 || !c2 || c1 == id || c2 - c1 - 1 != 10 || !c2[1])
        goto fail;
    memcpy(day, c1 + 1, 10);
    day[10] = 0;
    if (day[4] != '/' || edxml_date(day, e->doc_date))
        goto fail;
    if (!(e->doc_organ_id = edxml_alloc(e, (size_t)(c1 - id) + 1)))
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    memcpy(e->doc_organ_id, id, (size_t)(c1 - id));
    if (!(e->doc_number = edxml_strdup(e, c2 + 1)))
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    return 0;
fail:
    return bad(r, "bad_document_id", field,
               "DocumentId \"%.120s\" không đúng dạng {Mã cơ quan},{yyyy/MM/dd},{số/ký hiệu}.",
               id);
}

/* Strict base64 (RFC 4648 alphabet, padding where due); whitespace
 * between characters is skipped as senders wrap lines. OUT: *out (owned by
 * e), *len. */
static int base64_decode(struct rd *r, const char *s, size_t n, const char *field,
                         unsigned char **out, size_t *len)
{
    unsigned char *p = edxml_alloc(r->e, n / 4 * 3 + 3);
    unsigned int acc = 0;
    size_t k = 0, o = 0, pad = 0;
    if (!p)
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad)
            goto fail; /* data after padding */
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            goto fail;
        acc = acc << 6 | (unsigned)v;
        if (++k == 4) {
            p[o++] = (unsigned char)(acc >> 16);
            p[o++] = (unsigned char)(acc >> 8);
            p[o++] = (unsigned char)acc;
            acc = 0;
            k = 0;
        }
    }
    if (k == 1 || (k == 0 && pad) || (k && k + pad != 4))
        goto fail;
    if (k == 2) {
        if (acc & 0xF)
            goto fail;
        p[o++] = (unsigned char)(acc >> 4);
    } else if (k == 3) {
        if (acc & 0x3)
            goto fail;
        p[o++] = (unsigned char)(acc >> 10);
        p[o++] = (unsigned char)(acc >> 2);
    }
    *out = p;
    *len = o;
    return 0;
fail:
    return bad(r, "bad_base64", field, "Tệp đính kèm %.150s không phải base64 hợp lệ.", field);
}

static int attachments(struct rd *r, xmlNodePtr root)
{
    struct edxml *e = r->e;
    xmlNodePtr enc = child(root, "AttachmentEncoded");
    long k = count_of(r, enc, "Attachment", EDXML_MAX_ATTACHMENTS);
    size_t total = 0;
    if (k < 0)
        return -1;
    if (!(e->attachments = edxml_alloc(e, (size_t)(k ? k : 1) * sizeof *e->attachments)))
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    for (xmlNodePtr c = enc ? enc->children : NULL; c; c = c->next) {
        if (!is_el(c, "Attachment"))
            continue;
        struct edxml_attachment *a = &e->attachments[e->nattachments++];
        TEXT(a->content_id, c, "ContentId");
        TEXT(a->attachment_name, c, "AttachmentName");
        TEXT(a->description, c, "Description");
        TEXT(a->content_type, c, "ContentType");
        xmlNodePtr b = child(c, "ContentTransferEncoded");
        const char *field = *a->attachment_name ? a->attachment_name : "Attachment";
        if (!b)
            return bad(r, "missing_field", "ContentTransferEncoded",
                       "Tệp đính kèm %.150s thiếu nội dung (ContentTransferEncoded).", field);
        xmlChar *t = xmlNodeGetContent(b);
        if (!t)
            return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
        size_t n = strlen((const char *)t);
        int rc = 0;
        if (n / 4 * 3 > EDXML_MAX_ATTACHMENT + 3)
            rc = derr_set(r->err, DERR_TOO_LARGE, "attachment_too_large",
                          "Tệp đính kèm vượt quá 7 MiB.", field);
        else
            rc = base64_decode(r, (const char *)t, n, field, &a->data, &a->len);
        xmlFree(t);
        if (rc)
            return -1;
        if (a->len > EDXML_MAX_ATTACHMENT)
            return derr_set(r->err, DERR_TOO_LARGE, "attachment_too_large",
                            "Tệp đính kèm vượt quá 7 MiB.", field);
        total += a->len;
        if (total > EDXML_MAX_SIZE)
            return derr_set(r->err, DERR_TOO_LARGE, "too_large",
                            "Các tệp đính kèm vượt quá 64 MiB.", "");
    }
    return 0;
}

static int manifest(struct rd *r, xmlNodePtr env)
{
    struct edxml *e = r->e;
    xmlNodePtr m = child(child(env, "edXMLBody"), "edXMLManifest");
    long k = count_of(r, m, "Reference", EDXML_MAX_ATTACHMENTS);
    if (k < 0)
        return -1;
    if (!(e->manifest = edxml_alloc(e, (size_t)(k ? k : 1) * sizeof *e->manifest)))
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    for (xmlNodePtr c = m ? m->children : NULL; c; c = c->next) {
        if (!is_el(c, "Reference"))
            continue;
        struct edxml_reference *f = &e->manifest[e->nmanifest++];
        TEXT(f->content_id, c, "ContentId");
        TEXT(f->content_type, c, "ContentType");
        TEXT(f->description, c, "Description");
        TEXT(f->attachment_name, c, "AttachmentName");
    }
    return 0;
}

static int traces(struct rd *r, xmlNodePtr header)
{
    struct edxml *e = r->e;
    xmlNodePtr list = child(header, "TraceHeaderList");
    long k = count_of(r, list, "TraceHeader", EDXML_MAX_TRACES);
    if (k < 0)
        return -1;
    if (!(e->traces = edxml_alloc(e, (size_t)(k ? k : 1) * sizeof *e->traces)))
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    for (xmlNodePtr c = list ? list->children : NULL; c; c = c->next) {
        if (!is_el(c, "TraceHeader"))
            continue;
        struct edxml_trace *t = &e->traces[e->ntraces++];
        TEXT(t->organ_id, c, "OrganId");
        if (time_of(r, c, "Timestamp", t->timestamp))
            return -1;
    }
    struct edxml_business *b = &e->business;
    xmlNodePtr bn = child2(list, "Bussiness", "Business");
    /* No Bussiness at all reads as a new document, every field absent. */
    b->present = bn != NULL;
    TEXT(b->document_id, bn, "DocumentId");
    if (int_node(r, child2(bn, "BussinessDocType", "BusinessDocType"), "BussinessDocType", 3,
                 &b->type))
        return -1;
    if (b->type < 0)
        b->type = EDXML_NEW;
    if (!(b->reason = text_of(r, child2(bn, "BussinessDocReason", "BusinessDocReason"), NULL,
                              EDXML_MAX_FIELD, 0)))
        return -1;
    if (int_of(r, bn, "Paper", 1, &b->paper))
        return -1;
    xmlNodePtr info = child2(bn, "BussinessDocumentInfo", "BusinessDocumentInfo");
    if (int_of(r, info, "DocumentInfo", 9, &b->document_info) ||
        int_of(r, info, "DocumentReceiver", 9, &b->document_receiver))
        return -1;
    xmlNodePtr rl = child(info, "ReceiverList");
    k = count_of(r, rl, "Receiver", EDXML_MAX_TO);
    if (k < 0)
        return -1;
    if (!(b->receivers = edxml_alloc(e, (size_t)(k ? k : 1) * sizeof *b->receivers)))
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    for (xmlNodePtr c = rl ? rl->children : NULL; c; c = c->next) {
        if (!is_el(c, "Receiver"))
            continue;
        struct edxml_receiver *v = &b->receivers[b->nreceivers++];
        TEXT(v->organ_id, c, "OrganId");
        if (int_of(r, c, "ReceiverType", 9, &v->receiver_type))
            return -1;
        if (!*v->organ_id)
            return bad(r, "missing_field", "Receiver", "%s thiếu OrganId.", "Receiver");
    }
    if (b->type == EDXML_UPDATE && b->document_receiver == 1 && b->nreceivers == 0)
        return bad(r, "missing_field", "ReceiverList",
                   "%s: văn bản cập nhật nơi nhận phải có danh sách nơi nhận.", "ReceiverList");
    return staff(r, child(bn, "StaffInfo"), &b->staff);
}

static int other_info(struct rd *r, xmlNodePtr mh)
{
    struct edxml *e = r->e;
    xmlNodePtr o = child(mh, "OtherInfo");
    char *dir;
    if (int_of(r, o, "Priority", 9, &e->priority))
        return -1;
    TEXT(e->sphere_of_promulgation, o, "SphereOfPromulgation");
    TEXT(e->typer_notation, o, "TyperNotation");
    if (int_of(r, o, "PromulgationAmount", 1000000, &e->promulgation_amount) ||
        int_of(r, o, "PageAmount", 1000000, &e->page_amount))
        return -1;
    TEXT(dir, o, "Direction");
    e->direction = !*dir ? -1 : strcmp(dir, "true") == 0 || strcmp(dir, "1") == 0 ? 1
                            : strcmp(dir, "false") == 0 || strcmp(dir, "0") == 0 ? 0
                                                                                   : -2;
    if (e->direction == -2)
        return bad(r, "bad_field", "Direction", "Phần tử %s phải là true hoặc false.",
                   "Direction");
    return list_of(r, child(o, "Appendixes"), "Appendix", EDXML_MAX_TO, &e->appendixes,
                   &e->nappendixes);
}

static int missing(struct rd *r, const char *field)
{
    return bad(r, "missing_field", field, "Gói tin edXML thiếu phần tử bắt buộc %s.", field);
}

static int response_for(struct rd *r, xmlNodePtr mh)
{
    struct edxml_response_for *f = &r->e->response_for;
    xmlNodePtr n = child(mh, "ResponseFor");
    f->present = n != NULL;
    TEXT(f->organ_id, n, "OrganId");
    TEXT(f->code, n, "Code");
    TEXT(f->document_id, n, "DocumentId");
    return date_of(r, n, "PromulgationDate", f->promulgation_date);
}

static int status_message(struct rd *r, xmlNodePtr mh)
{
    struct edxml *e = r->e;
    char *code;
    e->kind = EDXML_STATUS;
    if (response_for(r, mh) || staff(r, child(mh, "StaffInfo"), &e->staff))
        return -1;
    TEXT(code, mh, "StatusCode");
    if (strlen(code) != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9')
        return bad(r, "bad_status", "StatusCode", "Mã trạng thái \"%.20s\" không hợp lệ.", code);
    memcpy(e->status_code, code, 3);
    if (!(e->description = text_of(r, mh, "Description", EDXML_MAX_FIELD, 0)))
        return -1;
    if (time_of(r, mh, "Timestamp", e->timestamp))
        return -1;
    if (!*e->response_for.document_id)
        return missing(r, "ResponseFor/DocumentId");
    if (!*e->timestamp)
        return missing(r, "Timestamp");
    return 0;
}

static int document_header(struct rd *r, xmlNodePtr mh)
{
    struct edxml *e = r->e;
    long k = count_of(r, mh, "To", EDXML_MAX_TO);
    if (k < 0)
        return -1;
    if (k == 0)
        return missing(r, "To");
    if (!(e->to = edxml_alloc(e, (size_t)k * sizeof *e->to)))
        return derr_set(r->err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ.", "");
    for (xmlNodePtr c = mh->children; c; c = c->next)
        if (is_el(c, "To")) {
            if (organ(r, c, &e->to[e->nto]))
                return -1;
            if (!*e->to[e->nto++].organ_id)
                return missing(r, "To/OrganId");
        }
    TEXT(e->document_id, mh, "DocumentId");
    if (!*e->document_id)
        return missing(r, "DocumentId");
    if (document_id(r, e->document_id, "DocumentId"))
        return -1;
    xmlNodePtr code = child(mh, "Code");
    if (!code)
        return missing(r, "Code");
    TEXT(e->code_number, code, "CodeNumber");
    TEXT(e->code_notation, code, "CodeNotation");
    xmlNodePtr pi = child(mh, "PromulgationInfo");
    TEXT(e->place, pi, "Place");
    if (date_of(r, pi, "PromulgationDate", e->promulgation_date))
        return -1;
    if (!*e->promulgation_date)
        return missing(r, "PromulgationInfo/PromulgationDate");
    xmlNodePtr dt = child(mh, "DocumentType");
    if (int_of(r, dt, "Type", 999, &e->type) || int_of(r, dt, "TypeDetail", 999, &e->type_detail))
        return -1;
    TEXT(e->type_name, dt, "TypeName");
    if (!(e->subject = text_of(r, mh, "Subject", EDXML_MAX_SUBJECT, 1)) ||
        !(e->content = text_of(r, mh, "Content", EDXML_MAX_CONTENT, 0)))
        return -1;
    if (!*e->subject)
        return missing(r, "Subject");
    xmlNodePtr si = child(mh, "SignerInfo");
    TEXT(e->signer_competence, si, "Competence");
    TEXT(e->signer_position, si, "Position");
    TEXT(e->signer_full_name, si, "FullName");
    if (date_of(r, mh, "DueDate", e->due_date))
        return -1;
    if (list_of(r, child(mh, "ToPlaces"), "Place", EDXML_MAX_TO, &e->to_places, &e->nto_places))
        return -1;
    if (other_info(r, mh) || int_of(r, mh, "SteeringType", 9, &e->steering_type))
        return -1;
    return response_for(r, mh);
}

int edxml_parse_doc(xmlDocPtr doc, struct edxml *out, struct derr *err)
{
    struct rd r = {out, err};
    xmlNodePtr root = xmlDocGetRootElement(doc);
    memset(out, 0, sizeof *out);
    if (!is_el(root, "edXML"))
        return bad(&r, "not_edxml", "edXML",
                   "Phần tử gốc không phải edXML trong không gian tên %s.", EDXML_NS);
    xmlNodePtr env = child(root, "edXMLEnvelope");
    xmlNodePtr header = child(env, "edXMLHeader");
    xmlNodePtr mh = child(header, "MessageHeader");
    if (!mh)
        return missing(&r, "edXMLEnvelope/edXMLHeader/MessageHeader");
    for (xmlNodePtr c = header->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "Signature") == 0)
            out->has_signature = 1;
    xmlNodePtr from = child(mh, "From");
    if (!from)
        return missing(&r, "From");
    if (organ(&r, from, &out->from))
        return -1;
    if (!*out->from.organ_id)
        return missing(&r, "From/OrganId");
    out->priority = out->type = out->type_detail = out->steering_type = -1;
    out->promulgation_amount = out->page_amount = out->direction = -1;
    int rc = child(mh, "StatusCode") ? status_message(&r, mh) : document_header(&r, mh);
    if (rc)
        return -1;
    if (out->kind == EDXML_DOCUMENT && (traces(&r, header) || manifest(&r, env)))
        return -1;
    if (attachments(&r, root))
        return -1;
    /* every decoded attachment is named by the manifest, and the reverse */
    for (size_t i = 0; i < out->nattachments; i++) {
        size_t j = 0;
        while (j < out->nmanifest &&
               strcmp(out->manifest[j].content_id, out->attachments[i].content_id) != 0)
            j++;
        if (j == out->nmanifest)
            return bad(&r, "manifest_mismatch", "edXMLManifest",
                       "Tệp đính kèm %.150s không có trong edXMLManifest.",
                       out->attachments[i].attachment_name);
    }
    if (out->nmanifest != out->nattachments)
        return bad(&r, "manifest_mismatch", "edXMLManifest",
                   "%s không khớp với các tệp đính kèm.", "edXMLManifest");
    return 0;
}

int edxml_parse(const void *data, size_t len, struct edxml *out, struct derr *err)
{
    xmlDocPtr doc;
    memset(out, 0, sizeof *out);
    if (edxml_read_doc(data, len, &doc, err))
        return -1;
    int rc = edxml_parse_doc(doc, out, err);
    xmlFreeDoc(doc);
    return rc;
}

/* --- writing ------------------------------------------------------------- */

struct wr {
    xmlNsPtr ns;
    struct derr *err;
    int failed;
};

/* Adds <edXML:name>text</edXML:name> (escaped) under parent; NULL or ""
 * text writes an empty element when always, else nothing. */
static xmlNodePtr add(struct wr *w, xmlNodePtr parent, const char *name, const char *text)
{
    xmlNodePtr n = xmlNewTextChild(parent, w->ns, BAD_CAST name, BAD_CAST(text ? text : ""));
    if (!n)
        w->failed = 1;
    return n;
}

static xmlNodePtr node(struct wr *w, xmlNodePtr parent, const char *name)
{
    xmlNodePtr n = xmlNewChild(parent, w->ns, BAD_CAST name, NULL);
    if (!n)
        w->failed = 1;
    return n;
}

static void add_int(struct wr *w, xmlNodePtr parent, const char *name, int v)
{
    char buf[16];
    if (v < 0)
        return;
    snprintf(buf, sizeof buf, "%d", v);
    add(w, parent, name, buf);
}

/* ISO "YYYY-MM-DD" as the standard writes it, "yyyy/MM/dd". */
static void add_date(struct wr *w, xmlNodePtr parent, const char *name, const char *iso)
{
    char buf[11] = "";
    if (iso && strlen(iso) == 10) {
        snprintf(buf, sizeof buf, "%s", iso);
        buf[4] = buf[7] = '/';
    }
    add(w, parent, name, buf);
}

static void add_time(struct wr *w, xmlNodePtr parent, const char *name, const char *iso)
{
    char buf[20] = "";
    if (iso && strlen(iso) == 19) {
        snprintf(buf, sizeof buf, "%s", iso);
        buf[4] = buf[7] = '/';
        buf[10] = ' ';
    }
    add(w, parent, name, buf);
}

static void add_organ(struct wr *w, xmlNodePtr parent, const char *name,
                      const struct edxml_organ *o)
{
    xmlNodePtr n = node(w, parent, name);
    add(w, n, "OrganId", o->organ_id);
    add(w, n, "OrganizationInCharge", o->organization_in_charge);
    add(w, n, "OrganName", o->organ_name);
    add(w, n, "OrganAdd", o->organ_add);
    add(w, n, "Email", o->email);
    add(w, n, "Telephone", o->telephone);
    add(w, n, "Fax", o->fax);
    add(w, n, "Website", o->website);
}

static void add_staff(struct wr *w, xmlNodePtr parent, const struct edxml_staff *s)
{
    xmlNodePtr n = node(w, parent, "StaffInfo");
    add(w, n, "Department", s->department);
    add(w, n, "Staff", s->staff);
    add(w, n, "Email", s->email);
    add(w, n, "Mobile", s->mobile);
}

static int nonempty(const char *s)
{
    return s && *s;
}

/* What the builder refuses before writing: what the parser would refuse. */
static int check_build(const struct edxml *e, struct derr *err)
{
    if (!nonempty(e->from.organ_id))
        return derr_set(err, DERR_INVALID, "missing_field", "Thiếu mã cơ quan gửi (From).",
                        "From/OrganId");
    if (e->kind == EDXML_STATUS) {
        if (!nonempty(e->response_for.document_id) || strlen(e->status_code) != 2 ||
            strlen(e->timestamp) != 19)
            return derr_set(err, DERR_INVALID, "missing_field",
                            "Thông điệp trạng thái thiếu ResponseFor, StatusCode hoặc Timestamp.",
                            "StatusCode");
        return 0;
    }
    if (e->nto == 0 || e->nto > EDXML_MAX_TO)
        return derr_set(err, DERR_INVALID, "missing_field",
                        "Văn bản phải có từ 1 đến 500 nơi nhận.", "To");
    for (size_t i = 0; i < e->nto; i++)
        if (!nonempty(e->to[i].organ_id))
            return derr_set(err, DERR_INVALID, "missing_field", "Nơi nhận thiếu mã cơ quan.",
                            "To/OrganId");
    if (!nonempty(e->document_id) || !nonempty(e->subject) || strlen(e->promulgation_date) != 10)
        return derr_set(err, DERR_INVALID, "missing_field",
                        "Văn bản thiếu DocumentId, Subject hoặc ngày ban hành.", "DocumentId");
    if (text_utf8_chars(e->subject) > EDXML_MAX_SUBJECT)
        return derr_set(err, DERR_TOO_LARGE, "field_too_long", "Trích yếu dài quá 500 ký tự.",
                        "Subject");
    if (e->nattachments > EDXML_MAX_ATTACHMENTS)
        return derr_set(err, DERR_TOO_LARGE, "too_many", "Quá nhiều tệp đính kèm.", "Attachment");
    for (size_t i = 0; i < e->nattachments; i++)
        if (e->attachments[i].len > EDXML_MAX_ATTACHMENT)
            return derr_set(err, DERR_TOO_LARGE, "attachment_too_large",
                            "Tệp đính kèm vượt quá 7 MiB.", "Attachment");
    return 0;
}

static void build_document(struct wr *w, const struct edxml *e, xmlNodePtr root,
                           xmlNodePtr header, xmlNodePtr mh)
{
    add_organ(w, mh, "From", &e->from);
    for (size_t i = 0; i < e->nto; i++)
        add_organ(w, mh, "To", &e->to[i]);
    add(w, mh, "DocumentId", e->document_id);
    xmlNodePtr n = node(w, mh, "Code");
    add(w, n, "CodeNumber", e->code_number);
    add(w, n, "CodeNotation", e->code_notation);
    n = node(w, mh, "PromulgationInfo");
    add(w, n, "Place", e->place);
    add_date(w, n, "PromulgationDate", e->promulgation_date);
    n = node(w, mh, "DocumentType");
    add_int(w, n, "Type", e->type);
    add_int(w, n, "TypeDetail", e->type_detail);
    add(w, n, "TypeName", e->type_name);
    add(w, mh, "Subject", e->subject);
    add(w, mh, "Content", e->content);
    n = node(w, mh, "SignerInfo");
    add(w, n, "Competence", e->signer_competence);
    add(w, n, "Position", e->signer_position);
    add(w, n, "FullName", e->signer_full_name);
    add_date(w, mh, "DueDate", e->due_date);
    n = node(w, mh, "OtherInfo");
    add_int(w, n, "Priority", e->priority);
    add(w, n, "SphereOfPromulgation", e->sphere_of_promulgation);
    add(w, n, "TyperNotation", e->typer_notation);
    add_int(w, n, "PromulgationAmount", e->promulgation_amount);
    add_int(w, n, "PageAmount", e->page_amount);
    if (e->direction >= 0)
        add(w, n, "Direction", e->direction ? "true" : "false");
    xmlNodePtr ap = node(w, n, "Appendixes");
    for (size_t i = 0; i < e->nappendixes; i++)
        add(w, ap, "Appendix", e->appendixes[i]);
    add_int(w, mh, "SteeringType", e->steering_type);
    n = node(w, mh, "ToPlaces");
    for (size_t i = 0; i < e->nto_places; i++)
        add(w, n, "Place", e->to_places[i]);
    if (e->response_for.present) {
        n = node(w, mh, "ResponseFor");
        add(w, n, "OrganId", e->response_for.organ_id);
        add(w, n, "Code", e->response_for.code);
        add_date(w, n, "PromulgationDate", e->response_for.promulgation_date);
        add(w, n, "DocumentId", e->response_for.document_id);
    }

    xmlNodePtr tl = node(w, header, "TraceHeaderList");
    for (size_t i = 0; i < e->ntraces; i++) {
        n = node(w, tl, "TraceHeader");
        add(w, n, "OrganId", e->traces[i].organ_id);
        add_time(w, n, "Timestamp", e->traces[i].timestamp);
    }
    const struct edxml_business *b = &e->business;
    xmlNodePtr bn = node(w, tl, "Bussiness");
    add(w, bn, "DocumentId", b->document_id ? b->document_id : e->document_id);
    add_int(w, bn, "BussinessDocType", b->type < 0 ? EDXML_NEW : b->type);
    add(w, bn, "BussinessDocReason", b->reason);
    add_int(w, bn, "Paper", b->paper < 0 ? 0 : b->paper);
    if (b->nreceivers || b->document_info >= 0 || b->document_receiver >= 0) {
        xmlNodePtr info = node(w, bn, "BussinessDocumentInfo");
        add_int(w, info, "DocumentInfo", b->document_info);
        add_int(w, info, "DocumentReceiver", b->document_receiver);
        xmlNodePtr rl = node(w, info, "ReceiverList");
        for (size_t i = 0; i < b->nreceivers; i++) {
            xmlNodePtr rv = node(w, rl, "Receiver");
            add(w, rv, "OrganId", b->receivers[i].organ_id);
            add_int(w, rv, "ReceiverType", b->receivers[i].receiver_type);
        }
    }
    add_staff(w, bn, &b->staff);

    xmlNodePtr env = header->parent;
    xmlNodePtr m = node(w, node(w, env, "edXMLBody"), "edXMLManifest");
    xmlNewProp(m, BAD_CAST "version", BAD_CAST "1.0");
    for (size_t i = 0; i < e->nattachments; i++) {
        const struct edxml_attachment *a = &e->attachments[i];
        n = node(w, m, "Reference");
        add(w, n, "ContentId", a->content_id);
        add(w, n, "ContentType", a->content_type);
        add(w, n, "Description", a->description);
        add(w, n, "AttachmentName", a->attachment_name);
    }
    if (!e->nattachments)
        return;
    xmlNodePtr enc = node(w, root, "AttachmentEncoded");
    for (size_t i = 0; i < e->nattachments && !w->failed; i++) {
        const struct edxml_attachment *a = &e->attachments[i];
        n = node(w, enc, "Attachment");
        add(w, n, "ContentId", a->content_id);
        add(w, n, "AttachmentName", a->attachment_name);
        add(w, n, "Description", a->description);
        add(w, n, "ContentType", a->content_type);
        char *b64 = malloc(4 * ((a->len + 2) / 3) + 1);
        if (!b64) {
            w->failed = 1;
            break;
        }
        EVP_EncodeBlock((unsigned char *)b64, a->data, (int)a->len);
        add(w, n, "ContentTransferEncoded", b64);
        free(b64);
    }
}

int edxml_build(const struct edxml *e, char **out, size_t *len, struct derr *err)
{
    struct wr w = {NULL, err, 0};
    xmlDocPtr doc = NULL;
    xmlChar *mem = NULL;
    int n = 0, rc = -1;

    *out = NULL;
    *len = 0;
    if (check_build(e, err))
        return -1;
    doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "edXML", NULL) : NULL;
    if (!root)
        goto oom;
    xmlDocSetRootElement(doc, root);
    /* One prefix everywhere, declared on the root: c14n and xmlsec1 see
     * the same namespaces wherever a part is looked at. */
    w.ns = xmlNewNs(root, BAD_CAST EDXML_NS, BAD_CAST "edXML");
    if (!w.ns)
        goto oom;
    xmlSetNs(root, w.ns);
    xmlNodePtr env = node(&w, root, "edXMLEnvelope");
    xmlNodePtr header = node(&w, env, "edXMLHeader");
    xmlNodePtr mh = node(&w, header, "MessageHeader");
    if (w.failed)
        goto oom;
    if (e->kind == EDXML_STATUS) {
        add_organ(&w, mh, "From", &e->from);
        xmlNodePtr n2 = node(&w, mh, "ResponseFor");
        add(&w, n2, "OrganId", e->response_for.organ_id);
        add(&w, n2, "Code", e->response_for.code);
        add_date(&w, n2, "PromulgationDate", e->response_for.promulgation_date);
        add(&w, n2, "DocumentId", e->response_for.document_id);
        add_staff(&w, mh, &e->staff);
        add(&w, mh, "StatusCode", e->status_code);
        add(&w, mh, "Description", e->description);
        add_time(&w, mh, "Timestamp", e->timestamp);
    } else {
        build_document(&w, e, root, header, mh);
    }
    if (w.failed)
        goto oom;
    xmlDocDumpFormatMemoryEnc(doc, &mem, &n, "UTF-8", 1);
    if (!mem || n <= 0)
        goto oom;
    if (!(*out = malloc((size_t)n + 1)))
        goto oom;
    memcpy(*out, mem, (size_t)n);
    (*out)[n] = 0;
    *len = (size_t)n;
    rc = 0;
    goto out;
oom:
    derr_set(err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ để tạo gói tin edXML.", "");
out:
    xmlFree(mem);
    xmlFreeDoc(doc);
    return rc;
}

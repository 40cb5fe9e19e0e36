/* edxml: the envelope documents and status messages travel in between
 * units (edXML, QCVN 102:2016/BTTTT): reading one into a struct, with
 * limits on every size and no DTD or entity of any kind, and writing one
 * from a struct. The signature over the envelope is edxml_sign.h's.
 * docs/exchange.md describes the fields, the limits and the spellings real
 * senders use that are accepted here. */
#ifndef MOTCUA_EXCHANGE_EDXML_H
#define MOTCUA_EXCHANGE_EDXML_H

#include <libxml/tree.h>
#include <stddef.h>

#include "base/derr.h"

#define EDXML_NS "http://www.mic.gov.vn/TBT/QCVN_102_2016"

/* Limits. The envelope as received; libxml2 without XML_PARSE_HUGE keeps a
 * text node under 10,000,000 bytes, so an attachment's base64 must fit
 * there: 7 MiB decoded. */
#define EDXML_MAX_SIZE ((size_t)64 << 20)
#define EDXML_MAX_ATTACHMENT ((size_t)7 << 20)
#define EDXML_MAX_ATTACHMENTS 50
#define EDXML_MAX_TO 500        /* To elements, ReceiverList entries, ToPlaces */
#define EDXML_MAX_TRACES 100    /* TraceHeader elements */
#define EDXML_MAX_FIELD 2000    /* bytes of any text field but these two: */
#define EDXML_MAX_SUBJECT 500   /* characters of Subject (the standard's limit) */
#define EDXML_MAX_CONTENT 65536 /* bytes of Content */
#define EDXML_MAX_DEPTH 24      /* element nesting */
#define EDXML_MAX_ELEMENTS 20000

enum edxml_kind { EDXML_DOCUMENT, EDXML_STATUS };

/* Business types (BussinessDocType: the standard spells it so). */
enum { EDXML_NEW = 0, EDXML_REVOKE = 1, EDXML_UPDATE = 2, EDXML_REPLACE = 3 };

/* Strings below are NUL-terminated UTF-8 owned by the struct edxml (freed
 * by edxml_free); an absent element reads as "" (never NULL once parsed,
 * except the fields of the other kind: a status message leaves the
 * document's NULL, and the reverse). Integers absent read as -1. Dates are
 * ISO "YYYY-MM-DD" ("" if absent), times "YYYY-MM-DDTHH:MM:SS". */

/* A unit: From, To. */
struct edxml_organ {
    char *organ_id; /* QĐ 20 code: "000.00.00.G22" */
    char *organization_in_charge;
    char *organ_name;
    char *organ_add;
    char *email, *telephone, *fax, *website;
};

/* StaffInfo: who handled it. */
struct edxml_staff {
    char *department, *staff, *email, *mobile;
};

struct edxml_receiver {
    char *organ_id;
    int receiver_type; /* ReceiverType */
};

/* TraceHeader: a node the envelope passed. */
struct edxml_trace {
    char *organ_id;
    char timestamp[20];
};

/* Bussiness: what the envelope does to the document. */
struct edxml_business {
    int present;
    char *document_id;
    int type; /* EDXML_NEW ... EDXML_REPLACE */
    char *reason;
    int paper;
    int document_info, document_receiver; /* BussinessDocumentInfo */
    struct edxml_receiver *receivers;     /* ReceiverList (updates) */
    size_t nreceivers;
    struct edxml_staff staff;
};

/* ResponseFor: the document a status (or an answer) is about. */
struct edxml_response_for {
    int present;
    char *organ_id, *code, *document_id;
    char promulgation_date[11];
};

/* edXMLManifest/Reference. */
struct edxml_reference {
    char *content_id, *content_type, *description, *attachment_name;
};

/* AttachmentEncoded/Attachment, decoded. */
struct edxml_attachment {
    char *content_id, *attachment_name, *description, *content_type;
    unsigned char *data; /* the bytes (owned by the struct edxml) */
    size_t len;
};

struct edxml {
    enum edxml_kind kind;
    struct edxml_organ from;
    struct edxml_organ *to; /* one or more for a document */
    size_t nto;

    /* a document */
    char *document_id;          /* "{OrganId},{yyyy/MM/dd},{number/notation}" */
    char *doc_organ_id;         /* its three parts */
    char doc_date[11];
    char *doc_number;
    char *code_number, *code_notation; /* Code */
    char *place;                       /* PromulgationInfo */
    char promulgation_date[11];
    int type, type_detail; /* DocumentType */
    char *type_name;
    char *subject, *content;
    char *signer_competence, *signer_position, *signer_full_name; /* SignerInfo */
    char due_date[11];
    char **to_places;
    size_t nto_places;
    int priority; /* OtherInfo */
    char *sphere_of_promulgation, *typer_notation;
    int promulgation_amount, page_amount;
    int direction; /* "true" 1, "false" 0, absent -1 */
    char **appendixes;
    size_t nappendixes;
    int steering_type;
    struct edxml_response_for response_for;
    struct edxml_trace *traces;
    size_t ntraces;
    struct edxml_business business;
    struct edxml_reference *manifest;
    size_t nmanifest;
    struct edxml_attachment *attachments;
    size_t nattachments;

    /* a status message */
    struct edxml_staff staff;
    char status_code[3]; /* "01".."16" */
    char *description;
    char timestamp[20];

    int has_signature; /* a Signature element is present (verified or not) */

    void **allocs; /* everything above that is allocated */
    size_t nallocs, cap;
};

/* Parses the safe way: no network, no DTD (a DOCTYPE is refused), no
 * entity substitution, no XML_PARSE_HUGE, at most EDXML_MAX_SIZE bytes and
 * EDXML_MAX_DEPTH levels. OUT: *out (caller frees with xmlFreeDoc).
 * Returns 0, or -1 with err (DERR_INVALID "not_xml", "doctype_refused",
 * "too_deep"; DERR_TOO_LARGE "too_large"). For edxml_sign too. */
int edxml_read_doc(const void *data, size_t len, xmlDocPtr *out, struct derr *err);

/* Parses an envelope: a document (new, revoke, update, replace) or a status
 * message (a MessageHeader with StatusCode). Missing required fields, bad
 * dates, bad base64, a field past its limit are refused with err
 * (DERR_INVALID or DERR_TOO_LARGE; a Vietnamese message, field = the
 * element at fault). The signature is not checked (edxml_verify).
 * OUT: *out filled (free with edxml_free, also after a failure).
 * Returns 0 or -1. */
int edxml_parse(const void *data, size_t len, struct edxml *out, struct derr *err);

/* The same, from a parsed document. */
int edxml_parse_doc(xmlDocPtr doc, struct edxml *out, struct derr *err);

/* Frees what e owns and zeroes it. */
void edxml_free(struct edxml *e);

/* Copies s into memory e owns (for filling a struct to build). NULL when
 * out of memory. */
char *edxml_strdup(struct edxml *e, const char *s);

/* Allocates n zeroed bytes e owns. NULL when out of memory. */
void *edxml_alloc(struct edxml *e, size_t n);

/* Writes e as an envelope (kind EDXML_DOCUMENT: MessageHeader,
 * TraceHeaderList, manifest and attachments; EDXML_STATUS: a status
 * message), UTF-8, unsigned. NULL strings are written as absent. Refuses
 * (err) what edxml_parse would refuse: missing required fields, sizes past
 * the limits. OUT: *out (caller frees with free()), *len. Returns 0 or -1. */
int edxml_build(const struct edxml *e, char **out, size_t *len, struct derr *err);

/* Parses "dd/MM/yyyy", "yyyy/MM/dd" or "yyyy-MM-dd" (a real calendar
 * date) into ISO "YYYY-MM-DD". Returns 0 or -1. */
int edxml_date(const char *s, char out[11]);

#endif

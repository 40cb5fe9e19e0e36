/* pades: signs a PDF the way any PDF reader verifies it (PAdES, ETSI EN
 * 319 142-1): the original bytes stay as they are and an incremental update
 * is appended with a signature dictionary (/SubFilter /ETSI.CAdES.detached),
 * a signature field whose widget shows the Decree 30 appearance, the
 * updated page and form, a new cross-reference section and trailer. The
 * CMS SignedData (SHA-256, the ESS signing-certificate-v2 attribute, the
 * signer's certificate and chain) covers every byte but the /Contents hex
 * string that holds it. With a timestamp callback the signature gets an RFC
 * 3161 token over its value (PAdES B-T); without, it is PAdES B-B. Signing a
 * signed file adds one more revision; earlier signatures stay valid. */
#ifndef MOTCUA_PADES_H
#define MOTCUA_PADES_H

#include <stddef.h>
#include <time.h>

#include "sign/ltv.h"
#include "sign/signer.h"

enum pades_role {
    PADES_OFFICIAL, /* a person: handwritten signature, title and name */
    PADES_SEAL,     /* the organisation: its seal, name and the signing time */
};

struct pades_options {
    const char *reason;   /* /Reason ("Phê duyệt kết quả"), may be NULL */
    const char *location; /* /Location ("Thanh Hóa"), may be NULL */
    enum pades_role role;
    const char *title;    /* an official's title shown above the signature, may be NULL */
    const char *name;     /* the name shown; NULL = the signer's name (for a seal:
                             its organisation, else its name) */
    const unsigned char *image; /* PNG of the handwritten signature or the seal, on a
                                   transparent background; NULL draws one */
    size_t image_len;
    int page;             /* 1-based; 0 = the last page */
    int has_rect;         /* rect is given; else the default place (see below) */
    double rect[4];       /* x0 y0 x1 y1, pt, on the page as displayed: its shown
                             space (sign/pdf_read.h), which is the default user
                             space on a page without /Rotate */
    time_t when;          /* the signing time; 0 = now */
    /* An official certifying a copy (SIGAPP_CERTIFICATION): the statement
     * and the QR code's text drawn with the signature, for a page the
     * platform cannot draw on. NULL: a plain signature. Give a rect. */
    const char *statement;
    const char *qr_text;
    /* Asks a timestamp authority for a token over the signature value
     * (sig_value[0..len)). OUT: *token (DER of a TimeStampToken, malloc'd;
     * pades_sign frees it with free()) and *token_len. Returns 0, or
     * non-zero to make the signing fail. NULL: no timestamp (PAdES B-B). */
    int (*timestamp)(void *ctx, const unsigned char *sig_value, size_t len,
                     unsigned char **token, size_t *token_len);
    void *timestamp_ctx;
    /* Keep room in /Contents for a timestamp token added later in place
     * (sign/pades_stamp.h), when there is no timestamp now. */
    int timestamp_room;
    /* PAdES B-LT: once signed, add this signature's validation data
     * (sign/ltv.h: the chains, OCSP answers or CRLs where the certificates
     * say where to ask) in one more update. Blocks on the network (5 s
     * per fetch at most): off the event loop. Where nothing can be had the
     * file stays as signed; that is never a failure. ltv_fetch NULL: over
     * HTTP (ltv_http_fetch). */
    int ltv;
    ltv_fetch_fn ltv_fetch;
    void *ltv_fetch_ctx;
    struct ltv_result *ltv_result; /* OUT when not NULL: what ltv found */
};

/* The default places: an official signs at the bottom right of the page,
 * above the bottom margin (Decree 30: 20 mm bottom, 15 mm right); the seal
 * goes over the left third of the page's last signature widget (Appendix
 * I), or, on a page without one, where the official's would go. All as the
 * page is displayed: on a page with /Rotate, the corner the reader sees,
 * and the mark drawn upright for the reader. */
#define PADES_OFFICIAL_W 180.0 /* pt */
#define PADES_OFFICIAL_H 80.0

/* Signs pdf[0..len) as s with the options o (NULL = defaults). The input
 * is not changed. OUT: *out (the signed file: the input, then the update;
 * malloc'd, caller frees) and *out_len. Returns 0, or -1 with a reason in
 * err (the input is refused by the reader: not a PDF, truncated, broken,
 * encrypted, too large or too complex; no such page; a bad option; the
 * key cannot sign; the timestamp callback failed). Nothing is written to
 * *out on failure. */
int pades_sign(const unsigned char *pdf, size_t len, const struct signer *s,
               const struct pades_options *o, unsigned char **out, size_t *out_len, char *err,
               size_t errlen);

/* pades_sign keeps the compressed images of the marks it draws (a unit's
 * seal, an official's signature: the same on every document) in a cache
 * of the process, shared by its threads and bounded (64 images, 32 MiB),
 * keyed by the SHA-256 of everything that makes an image. This empties it
 * (tests; a process that wants the memory back). Thread-safe. */
void pades_cache_clear(void);

#endif

/* copy_pdf: the PDF of a certified copy, before it is signed. Image scans
 * (JPEG, PNG) become A4 pages (portrait or landscape, as the image is),
 * a JPEG embedded as it came, a PNG losslessly; the last page keeps a band
 * at the bottom for the certification statement (lời chứng, Decree
 * 23/2015, Circular 01/2020/TT-BTP), drawn as text, with the QR code of the
 * public verification page, and the place of the official's signature
 * beside it. A PDF scan is kept byte for byte (it is signed by incremental
 * update): its statement and QR code are drawn by the official's signature
 * itself, at the bottom of its last page (sign/appearance.h,
 * SIGAPP_CERTIFICATION). Pure CPU work: run it on the worker pool. */
#ifndef MOTCUA_COPY_PDF_H
#define MOTCUA_COPY_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

#define COPIES_MAX_PAGES 500                     /* pages of a copy (the form's limit) */
#define COPIES_MAX_PIXELS (40L * 1000 * 1000)    /* an image scan: A4 at 600 dpi is 35M */
#define COPIES_MIN_SIDE 100                      /* pixels: anything smaller is no scan */
#define COPIES_MAX_BYTES ((size_t)40 << 20)      /* the scans together, and the copy */

/* One scan, as stored. */
struct copies_scan {
    const char *name;          /* for messages */
    const unsigned char *data;
    size_t len;
    const char *content_type;  /* application/pdf, image/jpeg or image/png */
};

/* What the statement says. */
struct copies_statement {
    const char *unit_name;   /* the certifying unit: the date line's place */
    int64_t number;          /* số chứng thực */
    const char *book;        /* quyển số */
    int64_t when;            /* the date of certification */
    const char *verify_url;  /* the QR code: BASE_URL/xac-thuc/{public_id} */
};

/* The copy to sign and where its signatures go. */
struct copies_pdf {
    unsigned char *pdf;      /* malloc'd; copies_pdf_clear frees it */
    size_t len;
    int pages;
    int pdf_scan;            /* 1: the scan kept as it is: the statement goes
                                with the official's signature */
    double official_rect[4]; /* on the last page, x0 y0 x1 y1 in pt, as the page
                                is displayed (pades_options.rect) */
    int has_seal_rect;       /* else the seal's default place (over the left
                                third of the official's signature) */
    double seal_rect[4];
    char statement[512];     /* the statement's lines, for the appearance */
};
void copies_pdf_clear(struct copies_pdf *p);

/* The statement's lines ("Chứng thực bản sao này đúng với bản chính.",
 * the number and book, the place and date). OUT: out. Returns 0, or -1 if
 * it does not fit cap. */
int copies_statement_text(const struct copies_statement *st, char *out, size_t cap);

/* Makes the copy of scans[0..n) (one PDF, or images) with the statement.
 * Returns 0 with *out filled, or -1 with err: scan_unreadable (422: a
 * damaged or unsupported file, or a PDF the reader refuses), scan_too_small
 * (422), scan_too_large (413: more than COPIES_MAX_PIXELS, or the scans or
 * the copy over COPIES_MAX_BYTES), too_many_pages (413); the field is
 * "files". Nothing is left in *out on failure. */
int copies_make_pdf(const struct copies_scan *scans, int n, const struct copies_statement *st,
                    struct copies_pdf *out, struct derr *err);

#endif

/* stamp: writes an issued document's number and date ("Số: 12/QĐ-UBND",
 * "Thanh Hóa, ngày 07 tháng 12 năm 2026") into the header area of page one
 * of a signed PDF, by an incremental update, before the organisation's
 * seal signs it.
 *
 * The official's signature must stay valid, so nothing of the signed
 * revision is touched: each line is a locked, printed stamp annotation
 * (/Subtype /Stamp, /F Print|Locked) whose appearance is the text drawn as
 * an image (cairo and pango, so Vietnamese shows right in any reader and no
 * font is embedded), added to the page's /Annots in a new revision. Adding
 * annotations is a change an approval signature allows (ISO 32000-1,
 * 12.8.2.2: only DocMDP or FieldMDP restrict it), and the seal that follows
 * covers the annotations, so they cannot be removed without breaking it. */
#ifndef MOTCUA_DOCUMENT_STAMP_H
#define MOTCUA_DOCUMENT_STAMP_H

#include <stddef.h>

/* One line and where it goes: rect is x0 y0 x1 y1 in points in page one's
 * default user space; all zero = the default place (the left column of
 * Decree 30's header for the first line, the right column for the second,
 * on the fourth row: 105..125 pt under the top of the page). */
struct stamp_line {
    const char *text; /* UTF-8, at most 200 bytes */
    int italic;       /* Decree 30: the place and date are italic */
    double rect[4];
};

/* Appends to pdf[0..len) a revision with the lines (1 or 2) drawn on page
 * one. OUT: *out (malloc'd; the caller frees it with free()), *outlen.
 * Returns 0, or -1 with a reason (English) in err: not a readable PDF (see
 * sign/pdf_read.h), a certified PDF (/Perms /DocMDP), no page, text too
 * long, out of memory. */
int stamp_pdf_header(const unsigned char *pdf, size_t len, const struct stamp_line *lines,
                     int nlines, unsigned char **out, size_t *outlen, char *err, size_t errlen);

#endif

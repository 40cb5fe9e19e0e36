/* pdf_update: the cross-reference section and trailer that end an
 * incremental update, shared by the writers of updates (sign/pades.c for a
 * signature, sign/ltv.c for the validation data). Prefix pdfu_. */
#ifndef MOTCUA_PDF_UPDATE_H
#define MOTCUA_PDF_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "sign/pdf_read.h"

/* One object the update wrote: its number, generation and byte offset in
 * the whole file (the original and the update). */
struct pdfu_obj {
    uint32_t num;
    uint16_t gen;
    size_t off;
};

/* Appends the PDF name n to b: "/" and its bytes, with #XX for any byte
 * outside ! to ~ and for the delimiters ()<>[]{}/%#. */
void pdfu_put_name(struct dynbuf *b, const char *n);

/* Appends to b (the whole file so far: the original f, then the update's
 * objs[0..n)) the update's cross-reference section and trailer (/Size,
 * /Prev, and /Root, /Info, /ID carried over from f's trailer), then
 * startxref and %%EOF. It takes the form of f's last section: a classic
 * table after a table (or a hybrid file), a cross-reference stream
 * (uncompressed, /W [1 4 2]) after a stream. next is the first object
 * number the update leaves free: the table's /Size; a stream is object
 * next itself (/Size next + 1). Returns 0, or -1 out of memory. */
int pdfu_xref(struct dynbuf *b, struct pdfr *f, const struct pdfu_obj *objs, int n,
              uint32_t next);

#endif

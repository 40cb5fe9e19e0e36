/* PDFs for the tests of sign/: written here, byte by byte, so that the
 * reader is tested on the structures motcua does not produce itself:
 *   gen_pdf_xref_stream(): the catalog, page tree and pages inside an
 *     object stream, the cross-reference information in a FlateDecode
 *     stream with the PNG Up predictor (the way qpdf --object-streams writes);
 *   gen_pdf_hybrid(): a classic table for the uncompressed objects and a
 *     /XRefStm stream for the compressed ones (PDF 1.5 hybrid files);
 *   gen_pdf_classic(): a plain file with a classic table and any catalog
 *     and page dictionaries the test gives (for malformed variants);
 *   gen_pdf_cairo(): pages drawn by cairo (what render/ produces).
 * Each returns a malloc'd buffer (caller frees) and its length. */
#ifndef MOTCUA_TEST_PDF_GEN_H
#define MOTCUA_TEST_PDF_GEN_H

#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/dynbuf.h"

#define GEN_MAX ((size_t)4 << 20)

static inline unsigned char *gen_take(struct dynbuf *b, size_t *len)
{
    unsigned char *p = (unsigned char *)dynbuf_take(b, len);
    if (!p)
        abort();
    return p;
}

static inline unsigned char *gen_deflate(const unsigned char *in, size_t n, size_t *outlen)
{
    uLongf cap = compressBound((uLong)n);
    unsigned char *out = malloc(cap);
    if (!out || compress2(out, &cap, in, (uLong)n, 9) != Z_OK)
        abort();
    *outlen = cap;
    return out;
}

/* Rows of width w bytes, each prefixed with PNG filter 2 (Up). */
static inline unsigned char *gen_png_up(const unsigned char *rows, size_t nrows, size_t w,
                                 size_t *outlen)
{
    unsigned char *o = malloc(nrows * (w + 1));
    for (size_t r = 0; r < nrows; r++) {
        o[r * (w + 1)] = 2;
        for (size_t i = 0; i < w; i++)
            o[r * (w + 1) + 1 + i] =
                (unsigned char)(rows[r * w + i] - (r ? rows[(r - 1) * w + i] : 0));
    }
    *outlen = nrows * (w + 1);
    return o;
}

static inline void gen_row(unsigned char *r, int type, size_t f2, unsigned f3)
{
    r[0] = (unsigned char)type;
    for (int k = 0; k < 4; k++)
        r[1 + k] = (unsigned char)(f2 >> (8 * (3 - k)));
    r[5] = (unsigned char)(f3 >> 8);
    r[6] = (unsigned char)f3;
}

static const char gen_content[] = "0 0 1 rg 100 100 200 150 re f";

/* The object stream: catalog 2, pages 3, pages 5..5+npages-1. */
static inline void gen_objstm(struct dynbuf *b, int npages)
{
    struct dynbuf objs, head;
    dynbuf_init(&objs, GEN_MAX);
    dynbuf_init(&head, GEN_MAX);
    size_t offs[40];
    int nums[40], n = 0;
    nums[n] = 2;
    offs[n++] = dynbuf_len(&objs);
    dynbuf_adds(&objs, "<</Type /Catalog /Pages 3 0 R>>\n");
    nums[n] = 3;
    offs[n++] = dynbuf_len(&objs);
    dynbuf_adds(&objs, "<</Type /Pages /Kids [");
    for (int i = 0; i < npages; i++)
        dynbuf_addf(&objs, "%d 0 R ", 5 + i);
    dynbuf_addf(&objs, "] /Count %d>>\n", npages);
    for (int i = 0; i < npages; i++) {
        nums[n] = 5 + i;
        offs[n++] = dynbuf_len(&objs);
        dynbuf_adds(&objs, "<</Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                           "/Resources <<>>>>\n");
    }
    for (int i = 0; i < n; i++)
        dynbuf_addf(&head, "%d %zu ", nums[i], offs[i]);
    size_t first = dynbuf_len(&head);
    dynbuf_add(&head, dynbuf_ptr(&objs), dynbuf_len(&objs));
    size_t zlen;
    unsigned char *z = gen_deflate((const unsigned char *)dynbuf_ptr(&head), dynbuf_len(&head),
                                   &zlen);
    dynbuf_addf(b, "1 0 obj\n<</Type /ObjStm /N %d /First %zu /Filter /FlateDecode /Length %zu>>"
                   "\nstream\n",
                n, first, zlen);
    dynbuf_add(b, z, zlen);
    dynbuf_adds(b, "\nendstream\nendobj\n");
    free(z);
    dynbuf_free(&objs);
    dynbuf_free(&head);
}

static inline unsigned char *gen_pdf_xref_stream(int npages, size_t *len)
{
    struct dynbuf b;
    dynbuf_init(&b, GEN_MAX);
    dynbuf_adds(&b, "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n");
    size_t off1 = dynbuf_len(&b);
    gen_objstm(&b, npages);
    size_t off4 = dynbuf_len(&b);
    dynbuf_addf(&b, "4 0 obj\n<</Length %zu>>\nstream\n%s\nendstream\nendobj\n",
                strlen(gen_content), gen_content);
    int x = 5 + npages, size = x + 1;
    size_t offx = dynbuf_len(&b);
    unsigned char rows[64 * 7];
    gen_row(rows, 0, 0, 65535);
    gen_row(rows + 7, 1, off1, 0);
    gen_row(rows + 14, 2, 1, 0);
    gen_row(rows + 21, 2, 1, 1);
    gen_row(rows + 28, 1, off4, 0);
    for (int i = 0; i < npages; i++)
        gen_row(rows + (5 + i) * 7, 2, 1, (unsigned)(2 + i));
    gen_row(rows + x * 7, 1, offx, 0);
    size_t plen, zlen;
    unsigned char *pred = gen_png_up(rows, (size_t)size, 7, &plen);
    unsigned char *z = gen_deflate(pred, plen, &zlen);
    dynbuf_addf(&b, "%d 0 obj\n<</Type /XRef /Size %d /W [1 4 2] /Root 2 0 R "
                    "/ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] "
                    "/Filter /FlateDecode /DecodeParms <</Predictor 12 /Columns 7>> /Length %zu>>"
                    "\nstream\n",
                x, size, zlen);
    dynbuf_add(&b, z, zlen);
    dynbuf_addf(&b, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", offx);
    free(pred);
    free(z);
    return gen_take(&b, len);
}

static inline unsigned char *gen_pdf_hybrid(int npages, size_t *len)
{
    struct dynbuf b;
    dynbuf_init(&b, GEN_MAX);
    dynbuf_adds(&b, "%PDF-1.5\n");
    size_t off1 = dynbuf_len(&b);
    gen_objstm(&b, npages);
    size_t off4 = dynbuf_len(&b);
    dynbuf_addf(&b, "4 0 obj\n<</Length %zu>>\nstream\n%s\nendstream\nendobj\n",
                strlen(gen_content), gen_content);
    /* The stream lists the compressed objects only: 2, 3 and the pages. */
    int x = 5 + npages;
    unsigned char rows[64 * 7];
    gen_row(rows, 2, 1, 0);
    gen_row(rows + 7, 2, 1, 1);
    for (int i = 0; i < npages; i++)
        gen_row(rows + (2 + i) * 7, 2, 1, (unsigned)(2 + i));
    size_t offx = dynbuf_len(&b);
    dynbuf_addf(&b, "%d 0 obj\n<</Type /XRef /Size %d /W [1 4 2] /Index [2 2 5 %d] /Length %d>>"
                    "\nstream\n",
                x, x + 1, npages, (2 + npages) * 7);
    dynbuf_add(&b, rows, (size_t)(2 + npages) * 7);
    dynbuf_adds(&b, "\nendstream\nendobj\n");
    size_t offt = dynbuf_len(&b);
    dynbuf_addf(&b, "xref\n0 2\n0000000000 65535 f \n%010zu 00000 n \n4 1\n%010zu 00000 n \n"
                    "%d 1\n%010zu 00000 n \n",
                off1, off4, x, offx);
    dynbuf_addf(&b, "trailer\n<</Size %d /Root 2 0 R /XRefStm %zu>>\nstartxref\n%zu\n%%%%EOF\n",
                x + 1, offx, offt);
    return gen_take(&b, len);
}

/* A classic one-page file: 1 catalog, 2 pages, 3 page, 4 content; the
 * catalog's and page's extra entries and the trailer's are given by the
 * test (may be ""). */
static inline unsigned char *gen_pdf_classic(const char *catalog_extra, const char *page_extra,
                                      const char *trailer_extra, size_t *len)
{
    struct dynbuf b;
    dynbuf_init(&b, GEN_MAX);
    size_t off[5];
    dynbuf_adds(&b, "%PDF-1.4\n");
    off[1] = dynbuf_len(&b);
    dynbuf_addf(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R %s >>\nendobj\n", catalog_extra);
    off[2] = dynbuf_len(&b);
    dynbuf_adds(&b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    off[3] = dynbuf_len(&b);
    dynbuf_addf(&b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                    "/Contents 4 0 R %s >>\nendobj\n",
                page_extra);
    off[4] = dynbuf_len(&b);
    dynbuf_addf(&b, "4 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
                strlen(gen_content), gen_content);
    size_t x = dynbuf_len(&b);
    dynbuf_adds(&b, "xref\n0 5\n0000000000 65535 f \n");
    for (int i = 1; i <= 4; i++)
        dynbuf_addf(&b, "%010zu 00000 n \n", off[i]);
    dynbuf_addf(&b, "trailer\n<< /Size 5 /Root 1 0 R %s >>\nstartxref\n%zu\n%%%%EOF\n",
                trailer_extra, x);
    return gen_take(&b, len);
}

/* A classic file of the given object bodies (object i + 1 is objs[i]),
 * correct offsets, /Root 1 0 R, and trailer_extra in the trailer. */
static inline unsigned char *gen_pdf_objects(const char *const *objs, int n, const char *trailer_extra,
                                      size_t *len)
{
    struct dynbuf b;
    size_t off[64];
    dynbuf_init(&b, GEN_MAX);
    dynbuf_adds(&b, "%PDF-1.4\n");
    for (int i = 0; i < n && i < 64; i++) {
        off[i] = dynbuf_len(&b);
        dynbuf_addf(&b, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    size_t x = dynbuf_len(&b);
    dynbuf_addf(&b, "xref\n0 %d\n0000000000 65535 f \n", n + 1);
    for (int i = 0; i < n && i < 64; i++)
        dynbuf_addf(&b, "%010zu 00000 n \n", off[i]);
    dynbuf_addf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%zu\n%%%%EOF\n", n + 1,
                trailer_extra, x);
    return gen_take(&b, len);
}

static inline cairo_status_t gen_cairo_write(void *closure, const unsigned char *data, unsigned int n)
{
    return dynbuf_add(closure, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* npages A4 pages with a rectangle and a line of text each. */
static inline unsigned char *gen_pdf_cairo(int npages, size_t *len)
{
    struct dynbuf b;
    dynbuf_init(&b, GEN_MAX);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(gen_cairo_write, &b, 595, 842);
    cairo_t *cr = cairo_create(s);
    for (int i = 0; i < npages; i++) {
        cairo_rectangle(cr, 72, 72 + 20 * i, 200, 100);
        cairo_fill(cr);
        cairo_move_to(cr, 72, 300);
        cairo_show_text(cr, "motcua test page");
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
    return gen_take(&b, len);
}

#endif

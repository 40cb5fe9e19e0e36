/* stamp: the number and date of an issued document drawn on page one as
 * stamp annotations in a new revision. See stamp.h. */
#include "document/stamp.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/dynbuf.h"
#include "sign/pdf_read.h"
#include "sign/pdf_update.h"

#define FONT "Noto Serif"
#define FONT_PT 13.0      /* Decree 30, Appendix I: number and date in 13 pt */
#define SCALE 3.0         /* pixels per point of the drawn text */
#define MAX_LINES 2
#define MAX_TEXT 200
#define OBJS_PER_LINE 4   /* image, soft mask, appearance, annotation */
#define MAX_OBJS (MAX_LINES * OBJS_PER_LINE + 1) /* + the page */

/* The drawn text of one line: RGB and alpha, both deflated. */
struct drawn {
    unsigned char *rgb_z, *alpha_z;
    size_t rgb_zlen, alpha_zlen;
    int w, h;
};

static int deflate_all(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen)
{
    uLongf n = compressBound((uLong)len);
    unsigned char *b = malloc(n);
    if (!b || compress2(b, &n, in, (uLong)len, 6) != Z_OK) {
        free(b);
        return -1;
    }
    *out = b;
    *outlen = n;
    return 0;
}

/* Draws text centred (vertically too) in a box of w x h points. */
static int draw_line(const char *text, int italic, double w, double h, struct drawn *d)
{
    int pw = (int)(w * SCALE + 0.5), ph = (int)(h * SCALE + 0.5), rc = -1;
    unsigned char *rgb = NULL, *alpha = NULL;
    if (pw < 1 || ph < 1 || pw > 4000 || ph > 1000)
        return -1;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    cairo_t *cr = cairo_create(s);
    PangoLayout *lay = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, FONT);
    pango_font_description_set_absolute_size(fd, FONT_PT * SCALE * PANGO_SCALE);
    pango_font_description_set_style(fd, italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(lay, text, -1);
    pango_layout_set_width(lay, pw * PANGO_SCALE);
    pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
    pango_layout_set_ellipsize(lay, PANGO_ELLIPSIZE_END);
    int lw, lh;
    pango_layout_get_pixel_size(lay, &lw, &lh);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, 0, (ph - lh) / 2.0);
    pango_cairo_show_layout(cr, lay);
    g_object_unref(lay);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        goto out;
    rgb = malloc((size_t)pw * ph * 3);
    alpha = malloc((size_t)pw * ph);
    if (!rgb || !alpha)
        goto out;
    const unsigned char *px = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < ph; y++)
        for (int x = 0; x < pw; x++) {
            uint32_t v;
            memcpy(&v, px + (size_t)y * stride + (size_t)x * 4, 4);
            unsigned a = v >> 24, i = (size_t)y * pw + x;
            /* Cairo's samples are premultiplied: undo it for the soft mask. */
            for (int c = 0; c < 3; c++) {
                unsigned pc = (v >> (8 * (2 - c))) & 0xff;
                rgb[i * 3 + c] = (unsigned char)(a ? (pc * 255 + a / 2) / a : 0);
            }
            alpha[i] = (unsigned char)a;
        }
    if (deflate_all(rgb, (size_t)pw * ph * 3, &d->rgb_z, &d->rgb_zlen) ||
        deflate_all(alpha, (size_t)pw * ph, &d->alpha_z, &d->alpha_zlen))
        goto out;
    d->w = pw;
    d->h = ph;
    rc = 0;
out:
    free(rgb);
    free(alpha);
    cairo_surface_destroy(s);
    return rc;
}

struct writer {
    struct dynbuf b;
    struct pdfu_obj objs[MAX_OBJS];
    int n;
};

static void obj_begin(struct writer *w, uint32_t num)
{
    if (w->n < MAX_OBJS)
        w->objs[w->n++] = (struct pdfu_obj){.num = num, .gen = 0, .off = dynbuf_len(&w->b)};
    dynbuf_addf(&w->b, "%u 0 obj\n", num);
}

static void put_stream(struct writer *w, uint32_t num, const char *head, const unsigned char *p,
                       size_t n)
{
    obj_begin(w, num);
    dynbuf_addf(&w->b, "<<%s /Length %zu>>\nstream\n", head, n);
    dynbuf_add(&w->b, p, n);
    dynbuf_adds(&w->b, "\nendstream\nendobj\n");
}

int stamp_pdf_header(const unsigned char *pdf, size_t len, const struct stamp_line *lines,
                     int nlines, unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
    struct pdfr *f = NULL;
    struct pdfr_page page;
    struct drawn d[MAX_LINES];
    struct writer w;
    double rects[MAX_LINES][4];
    int rc = -1;
    memset(d, 0, sizeof d);
    dynbuf_init(&w.b, len + ((size_t)8 << 20));
    w.n = 0;
    *out = NULL;
    *outlen = 0;
    if (nlines < 1 || nlines > MAX_LINES) {
        snprintf(err, errlen, "1 or 2 lines");
        goto out;
    }
    if (pdfr_open(pdf, len, &f, err, errlen))
        goto out;
    /* A certified document (/Perms /DocMDP) may forbid new annotations:
     * refused rather than risk breaking its certification. */
    uint32_t cat_num;
    uint16_t cat_gen;
    const struct pdfr_obj *cat = pdfr_catalog(f, &cat_num, &cat_gen);
    const struct pdfr_obj *perms = cat ? pdfr_dict_res(f, cat, "Perms") : NULL;
    if (perms && pdfr_dict_get(perms, "DocMDP")) {
        snprintf(err, errlen, "the PDF is certified (DocMDP): no annotation may be added");
        goto out;
    }
    if (pdfr_page(f, 0, &page)) {
        snprintf(err, errlen, "no first page: %s", pdfr_error(f));
        goto out;
    }
    double top = page.box[3], left = page.box[0], right = page.box[2];
    for (int i = 0; i < nlines; i++) {
        const struct stamp_line *l = &lines[i];
        if (!l->text || !l->text[0] || strlen(l->text) > MAX_TEXT) {
            snprintf(err, errlen, "line %d: empty or longer than %d bytes", i + 1, MAX_TEXT);
            goto out;
        }
        double *r = rects[i];
        if (l->rect[0] == 0 && l->rect[1] == 0 && l->rect[2] == 0 && l->rect[3] == 0) {
            /* Decree 30's header is two columns under the top margin (20
             * mm): the issuing body and then the number on the left (from
             * the 30 mm left margin), the national title, the motto and
             * then the place and date on the right. */
            double mid = left + (right - left) * 0.42;
            r[0] = i == 0 ? left + 57 : mid;
            r[2] = i == 0 ? mid - 6 : right - 28;
            r[1] = top - 125;
            r[3] = top - 105;
        } else {
            memcpy(r, l->rect, sizeof rects[i]);
        }
        if (r[2] - r[0] < 10 || r[3] - r[1] < 8 ||
            draw_line(l->text, l->italic, r[2] - r[0], r[3] - r[1], &d[i])) {
            snprintf(err, errlen, "line %d cannot be drawn", i + 1);
            goto out;
        }
    }
    uint32_t next = pdfr_next_num(f);
    uint32_t annots[MAX_LINES];
    dynbuf_add(&w.b, pdf, len);
    if (len && pdf[len - 1] != '\n')
        dynbuf_adds(&w.b, "\n");
    for (int i = 0; i < nlines; i++) {
        uint32_t img = next++, mask = next++, ap = next++, an = next++;
        double *r = rects[i];
        double wd = r[2] - r[0], ht = r[3] - r[1];
        char head[200];
        annots[i] = an;
        snprintf(head, sizeof head,
                 "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
                 " /BitsPerComponent 8 /Filter /FlateDecode",
                 d[i].w, d[i].h);
        put_stream(&w, mask, head, d[i].alpha_z, d[i].alpha_zlen);
        snprintf(head, sizeof head,
                 "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
                 " /BitsPerComponent 8 /Filter /FlateDecode /SMask %u 0 R",
                 d[i].w, d[i].h, mask);
        put_stream(&w, img, head, d[i].rgb_z, d[i].rgb_zlen);
        char content[160];
        int clen = snprintf(content, sizeof content, "q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q", wd, ht);
        snprintf(head, sizeof head,
                 "/Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f]"
                 " /Resources <</XObject <</Im0 %u 0 R>>>>",
                 wd, ht, img);
        put_stream(&w, ap, head, (const unsigned char *)content, (size_t)clen);
        obj_begin(&w, an);
        /* Print (4) + Locked (128): printed, and a reader does not let it
         * be moved or deleted. */
        dynbuf_addf(&w.b,
                    "<</Type /Annot /Subtype /Stamp /Rect [%.2f %.2f %.2f %.2f] /F 132"
                    " /P %u %u R /NM (motcua-so-%d) /AP <</N %u 0 R>>>>\nendobj\n",
                    r[0], r[1], r[2], r[3], page.num, (unsigned)page.gen, i + 1, ap);
    }
    /* The page, every entry kept byte for byte, with the annotations added. */
    if (page.gen != 0) {
        snprintf(err, errlen, "page one has generation %u", (unsigned)page.gen);
        goto out;
    }
    obj_begin(&w, page.num);
    dynbuf_adds(&w.b, "<<");
    const struct pdfr_obj *pd = page.dict;
    for (size_t i = 0; pd && pd->type == PDFR_DICT && i < pd->u.d.n; i++) {
        const struct pdfr_kv *kv = &pd->u.d.items[i];
        if (strcmp(kv->key, "Annots") == 0)
            continue;
        dynbuf_adds(&w.b, "\n");
        pdfu_put_name(&w.b, kv->key);
        dynbuf_adds(&w.b, " ");
        dynbuf_add(&w.b, kv->val->raw, kv->val->raw_len);
    }
    dynbuf_adds(&w.b, "\n/Annots [");
    const struct pdfr_obj *old = pdfr_dict_res(f, pd, "Annots");
    for (size_t i = 0; old && old->type == PDFR_ARRAY && i < old->u.a.n; i++) {
        dynbuf_add(&w.b, old->u.a.items[i]->raw, old->u.a.items[i]->raw_len);
        dynbuf_adds(&w.b, " ");
    }
    for (int i = 0; i < nlines; i++)
        dynbuf_addf(&w.b, "%s%u 0 R", i ? " " : "", annots[i]);
    dynbuf_adds(&w.b, "]>>\nendobj\n");
    if (w.n > MAX_OBJS || pdfu_xref(&w.b, f, w.objs, w.n, next)) {
        snprintf(err, errlen, "too many objects, or out of memory");
        goto out;
    }
    char *p = dynbuf_take(&w.b, outlen);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    *out = (unsigned char *)p;
    rc = 0;
out:
    if (rc)
        dynbuf_free(&w.b);
    for (int i = 0; i < MAX_LINES; i++) {
        free(d[i].rgb_z);
        free(d[i].alpha_z);
    }
    pdfr_free(f);
    return rc;
}

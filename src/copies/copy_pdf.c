/* copy_pdf: the certified copy's PDF before signing (see copy_pdf.h). */
#include "copies/copy_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <jpeglib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"
#include "render/pdf.h"
#include "render/qr.h"
#include "sign/appearance.h"
#include "sign/pades.h"
#include "sign/pdf_read.h"

#define A4_SHORT 595.28
#define A4_LONG 841.89
#define MARGIN (10 * PDF_MM)
#define BAND 185.0          /* the statement's band at the bottom of the last page, pt */
#define OFFICIAL_H 120.0    /* the official's signature in the band */
#define CERT_W 400.0        /* a PDF scan: the certification's widget */
#define CERT_H 200.0
#define FONT "Noto Serif"

void copies_pdf_clear(struct copies_pdf *p)
{
    free(p->pdf);
    memset(p, 0, sizeof *p);
}

int copies_statement_text(const struct copies_statement *st, char *out, size_t cap)
{
    char date[64];
    if (pdf_vn_time(st->when, 1, date, sizeof date))
        return -1;
    int n = snprintf(out, cap,
                     "Chứng thực bản sao này đúng với bản chính.\n"
                     "Số chứng thực: %lld, Quyển số: %s\n"
                     "%s, %s",
                     (long long)st->number, st->book, st->unit_name, date);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* A refusal about the scans (field "files"), its message formatted. */
static int refuse(struct derr *err, enum derr_kind kind, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(struct derr *err, enum derr_kind kind, const char *code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return derr_set(err, kind, code, msg, "files");
}

#define UNREADABLE(err, name)                                                                      \
    refuse(err, DERR_INVALID, "scan_unreadable",                                                   \
           "Tệp bản quét %s bị hỏng hoặc không đọc được; hãy quét lại", name)
#define TOO_LARGE(err, name)                                                                       \
    refuse(err, DERR_TOO_LARGE, "scan_too_large",                                                  \
           "Ảnh bản quét %s quá lớn (tối đa 40 triệu điểm ảnh); hãy quét ở độ phân giải thấp hơn", \
           name)
#define TOO_SMALL(err, name)                                                                       \
    refuse(err, DERR_INVALID, "scan_too_small",                                                    \
           "Ảnh bản quét %s quá nhỏ để đọc được (tối thiểu 100 điểm ảnh mỗi cạnh)", name)

/* --- images -------------------------------------------------------------- */

/* A PNG's size from its header, before anything is decoded. 0 or -1. */
static int png_size(const unsigned char *p, size_t len, long *w, long *h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 24 || memcmp(p, sig, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0)
        return -1;
    *w = (long)p[16] << 24 | (long)p[17] << 16 | (long)p[18] << 8 | (long)p[19];
    *h = (long)p[20] << 24 | (long)p[21] << 16 | (long)p[22] << 8 | (long)p[23];
    return 0;
}

struct png_reader {
    const unsigned char *p;
    size_t len, pos;
};

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int n)
{
    struct png_reader *r = closure;
    if (r->len - r->pos < n)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p + r->pos, n);
    r->pos += n;
    return CAIRO_STATUS_SUCCESS;
}

static int size_ok(long w, long h, const char *name, struct derr *err)
{
    if (w <= 0 || h <= 0)
        return UNREADABLE(err, name);
    if (w < COPIES_MIN_SIDE || h < COPIES_MIN_SIDE)
        return TOO_SMALL(err, name);
    if (w > COPIES_MAX_PIXELS / h)
        return TOO_LARGE(err, name);
    return 0;
}

static int load_png(const struct copies_scan *s, cairo_surface_t **out, struct derr *err)
{
    long w, h;
    if (png_size(s->data, s->len, &w, &h))
        return UNREADABLE(err, s->name);
    if (size_ok(w, h, s->name, err))
        return -1;
    struct png_reader r = {s->data, s->len, 0};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(png_read, &r);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return UNREADABLE(err, s->name);
    }
    *out = img;
    return 0;
}

/* libjpeg reports errors by calling error_exit, which must not return. */
struct jpeg_fail {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int warnings;
};

static void jpeg_fail_exit(j_common_ptr c)
{
    struct jpeg_fail *f = (struct jpeg_fail *)(void *)c->err;
    longjmp(f->jump, 1);
}

/* Warnings (level -1) are damaged data that libjpeg would paper over with
 * grey: a scan like that is refused. Trace messages are ignored. */
static void jpeg_message(j_common_ptr c, int level)
{
    struct jpeg_fail *f = (struct jpeg_fail *)(void *)c->err;
    if (level < 0)
        f->warnings++;
}

/* Decodes the JPEG (which also checks it) into an RGB24 surface that
 * carries the original bytes as its JPEG mime data, so that the PDF embeds
 * the file as it came (DCTDecode), not a re-encoding. */
static int load_jpeg(const struct copies_scan *s, cairo_surface_t **out, struct derr *err)
{
    struct jpeg_decompress_struct ci;
    struct jpeg_fail jf;
    cairo_surface_t *volatile img = NULL;
    unsigned char *volatile row = NULL;
    volatile int rc = -1, started = 0;
    ci.err = jpeg_std_error(&jf.pub);
    jf.pub.error_exit = jpeg_fail_exit;
    jf.pub.emit_message = jpeg_message;
    jf.warnings = 0;
    if (setjmp(jf.jump)) {
        UNREADABLE(err, s->name);
        goto done;
    }
    jpeg_create_decompress(&ci);
    started = 1;
    jpeg_mem_src(&ci, s->data, (unsigned long)s->len);
    if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK) {
        UNREADABLE(err, s->name);
        goto done;
    }
    if (ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK) {
        refuse(err, DERR_INVALID, "scan_unreadable",
               "Ảnh %s dùng hệ màu CMYK, chưa dùng được; hãy quét ở chế độ màu hoặc đen trắng",
               s->name);
        goto done;
    }
    if (size_ok((long)ci.image_width, (long)ci.image_height, s->name, err))
        goto done;
    ci.out_color_space = JCS_RGB;
    jpeg_start_decompress(&ci);
    int w = (int)ci.output_width, h = (int)ci.output_height;
    img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    row = malloc((size_t)w * 3);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS || !row) {
        derr_set(err, DERR_INTERNAL, "internal", "Không đủ bộ nhớ để đọc bản quét", NULL);
        goto done;
    }
    cairo_surface_flush(img);
    unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW rows[1] = {row};
        unsigned y = ci.output_scanline;
        if (jpeg_read_scanlines(&ci, rows, 1) != 1)
            break;
        uint32_t *dst = (uint32_t *)(void *)(px + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++)
            dst[x] = (uint32_t)row[x * 3] << 16 | (uint32_t)row[x * 3 + 1] << 8 | row[x * 3 + 2];
    }
    jpeg_finish_decompress(&ci);
    if (jf.warnings || ci.output_scanline != ci.output_height) {
        UNREADABLE(err, s->name);
        goto done;
    }
    cairo_surface_mark_dirty(img);
    unsigned char *copy = malloc(s->len);
    if (!copy) {
        derr_set(err, DERR_INTERNAL, "internal", "Không đủ bộ nhớ để đọc bản quét", NULL);
        goto done;
    }
    memcpy(copy, s->data, s->len);
    if (cairo_surface_set_mime_data(img, CAIRO_MIME_TYPE_JPEG, copy, s->len, free, copy) !=
        CAIRO_STATUS_SUCCESS) {
        free(copy);
        derr_set(err, DERR_INTERNAL, "internal", "Không đủ bộ nhớ để đọc bản quét", NULL);
        goto done;
    }
    *out = img;
    img = NULL;
    rc = 0;
done:
    if (started)
        jpeg_destroy_decompress(&ci);
    free(row);
    if (img)
        cairo_surface_destroy(img);
    return rc;
}

/* --- the pages ----------------------------------------------------------- */

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int length)
{
    struct dynbuf *b = closure;
    return dynbuf_add(b, data, length) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static PangoLayout *text_layout(PangoContext *pc, const char *text, double size, int bold,
                                double width)
{
    PangoLayout *lay = pango_layout_new(pc);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, FONT);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(lay, text, -1);
    pango_layout_set_width(lay, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    return lay;
}

/* Draws text at (x, y), wrapped at width; returns its height. */
static double show(cairo_t *cr, PangoContext *pc, const char *text, double size, int bold,
                   double x, double y, double width)
{
    PangoLayout *lay = text_layout(pc, text, size, bold, width);
    int w, h;
    pango_layout_get_size(lay, &w, &h);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, lay);
    g_object_unref(lay);
    return h / (double)PANGO_SCALE;
}

/* Paints img scaled to fit the box, centred, aspect kept. */
static void paint_fit(cairo_t *cr, cairo_surface_t *img, double x, double y, double w, double h)
{
    int iw = cairo_image_surface_get_width(img), ih = cairo_image_surface_get_height(img);
    double s = fmin(w / iw, h / ih);
    cairo_save(cr);
    cairo_translate(cr, x + (w - iw * s) / 2, y + (h - ih * s) / 2);
    cairo_scale(cr, s, s);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
}

/* The statement's band of the last page (pw x ph), top at y: the
 * statement and the QR code on the left; the official signs on the right
 * (out->official_rect, in PDF coordinates: origin at the bottom left). */
static int draw_band(cairo_t *cr, PangoContext *pc, const struct copies_statement *st,
                     double pw, double ph, double y, struct copies_pdf *out)
{
    double width = pw - 2 * MARGIN, left = width * 0.54;
    char text[512];
    if (copies_statement_text(st, text, sizeof text))
        return -1;
    snprintf(out->statement, sizeof out->statement, "%s", text);
    cairo_set_source_rgb(cr, 0, 0, 0);
    double used = show(cr, pc, text, 11, 0, MARGIN, y, left);
    double q = 76, qy = y + used + 8;
    if (qy + q > ph - MARGIN)
        q = fmax(40, ph - MARGIN - qy);
    if (qr_draw(cr, st->verify_url, MARGIN - 4, qy, q))
        return -1;
    cairo_set_source_rgb(cr, 0, 0, 0);
    char cap[600];
    snprintf(cap, sizeof cap, "Quét mã QR để kiểm tra bản sao điện tử này tại\n%s",
             st->verify_url);
    show(cr, pc, cap, 7.5, 0, MARGIN + q, qy + 8, left - q);
    double x0 = MARGIN + width * 0.58, x1 = pw - MARGIN;
    out->official_rect[0] = x0;
    out->official_rect[2] = x1;
    out->official_rect[3] = ph - y;
    out->official_rect[1] = ph - y - OFFICIAL_H;
    return 0;
}

static int load_image(const struct copies_scan *s, cairo_surface_t **img, struct derr *err)
{
    if (strcmp(s->content_type, "image/png") == 0)
        return load_png(s, img, err);
    if (strcmp(s->content_type, "image/jpeg") == 0)
        return load_jpeg(s, img, err);
    return UNREADABLE(err, s->name);
}

static int make_from_images(const struct copies_scan *scans, int n,
                            const struct copies_statement *st, struct copies_pdf *out,
                            struct derr *err)
{
    struct dynbuf b;
    dynbuf_init(&b, COPIES_MAX_BYTES);
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(write_cb, &b, A4_SHORT, A4_LONG);
    cairo_t *cr = cairo_create(pdf);
    PangoContext *pc = pango_cairo_create_context(cr);
    cairo_font_options_t *fo = cairo_font_options_create();
    int rc = -1;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS || !pc || !fo) {
        derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
        goto done;
    }
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "motcua");
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE,
                                   "Bản sao chứng thực từ bản chính");
    pango_cairo_context_set_resolution(pc, 72);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pc, fo);
    long pixels = 0;
    for (int i = 0; i < n; i++) {
        cairo_surface_t *img = NULL;
        if (load_image(&scans[i], &img, err))
            goto done;
        pixels += (long)cairo_image_surface_get_width(img) * cairo_image_surface_get_height(img);
        if (pixels > 3 * COPIES_MAX_PIXELS) {
            cairo_surface_destroy(img);
            derr_set(err, DERR_TOO_LARGE, "scan_too_large",
                     "Các ảnh bản quét quá lớn (tối đa 120 triệu điểm ảnh cho một bản sao)",
                     "files");
            goto done;
        }
        /* The page turns with the image: a landscape diploma on landscape A4. */
        int landscape = cairo_image_surface_get_width(img) > cairo_image_surface_get_height(img);
        double pw = landscape ? A4_LONG : A4_SHORT, ph = landscape ? A4_SHORT : A4_LONG;
        cairo_pdf_surface_set_size(pdf, pw, ph);
        int last = i == n - 1;
        double area = ph - 2 * MARGIN - (last ? BAND + 8 : 0);
        paint_fit(cr, img, MARGIN, MARGIN, pw - 2 * MARGIN, area);
        cairo_surface_destroy(img);
        if (last && draw_band(cr, pc, st, pw, ph, ph - MARGIN - BAND, out)) {
            derr_set(err, DERR_INTERNAL, "internal", "Không vẽ được lời chứng", NULL);
            goto done;
        }
        cairo_show_page(cr);
        /* Each page's images go out now, so memory holds one at a time. */
        cairo_surface_flush(pdf);
        if (dynbuf_failed(&b)) {
            derr_set(err, DERR_TOO_LARGE, "scan_too_large",
                     "Bản sao vượt quá 40 MiB; hãy quét ở độ phân giải thấp hơn", "files");
            goto done;
        }
    }
    cairo_surface_finish(pdf);
    if (dynbuf_failed(&b) || cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS) {
        derr_set(err, DERR_TOO_LARGE, "scan_too_large",
                 "Bản sao vượt quá 40 MiB; hãy quét ở độ phân giải thấp hơn", "files");
        goto done;
    }
    out->pdf = (unsigned char *)dynbuf_take(&b, &out->len);
    if (!out->pdf) {
        derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
        goto done;
    }
    out->pages = n;
    rc = 0;
done:
    if (fo)
        cairo_font_options_destroy(fo);
    if (pc)
        g_object_unref(pc);
    cairo_destroy(cr);
    cairo_surface_destroy(pdf);
    dynbuf_free(&b);
    return rc;
}

/* --- a PDF scan ---------------------------------------------------------- */

static int make_from_pdf(const struct copies_scan *s, const struct copies_statement *st,
                         struct copies_pdf *out, struct derr *err)
{
    struct pdfr *f = NULL;
    struct pdfr_page pg;
    char why[256];
    if (pdfr_open(s->data, s->len, &f, why, sizeof why))
        return UNREADABLE(err, s->name);
    int rc = pdfr_page(f, -1, &pg);
    pdfr_free(f);
    if (rc)
        return UNREADABLE(err, s->name);
    if (pg.count > COPIES_MAX_PAGES)
        return refuse(err, DERR_TOO_LARGE, "too_many_pages",
                      "Bản quét %s có quá 500 trang; hãy tách thành nhiều bản sao", s->name);
    /* Placed on the page as displayed (a scan often has /Rotate): the
     * signatures' rectangles are in its shown space (sign/pdf_read.h),
     * which pades_sign turns into the page's own. */
    double shown[4];
    pdfr_page_shown_box(&pg, shown);
    double bw = shown[2] - shown[0], bh = shown[3] - shown[1];
    double w = fmin(CERT_W, bw - 2 * MARGIN), h = fmin(CERT_H, bh * 0.45);
    if (w < 200 || h < 100)
        return refuse(err, DERR_INVALID, "scan_too_small",
                      "Trang cuối của bản quét %s quá nhỏ để ghi lời chứng", s->name);
    if (copies_statement_text(st, out->statement, sizeof out->statement))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    /* Bottom right of the last page, inside a 10 mm margin. */
    double *r = out->official_rect;
    r[2] = shown[2] - MARGIN;
    r[0] = r[2] - w;
    r[1] = shown[1] + MARGIN;
    r[3] = r[1] + h;
    /* The seal over the left third of the official's block, as Appendix I
     * of Decree 30 places it, clear of the QR code. */
    double box[4];
    sigapp_certification_signature_box(w, h, box);
    double sx0 = r[0] + box[0], sx1 = r[0] + box[2];
    double cy = r[3] - (box[1] + box[3]) / 2, d = SIGAPP_SEAL_PT, band = SIGAPP_SEAL_TEXT_PT;
    out->seal_rect[2] = sx0 + (sx1 - sx0) / 3;
    out->seal_rect[0] = out->seal_rect[2] - d;
    out->seal_rect[3] = cy + d / 2;
    out->seal_rect[1] = cy - d / 2 - band;
    out->has_seal_rect = 1;
    out->pdf = malloc(s->len);
    if (!out->pdf)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    memcpy(out->pdf, s->data, s->len);
    out->len = s->len;
    out->pages = pg.count;
    out->pdf_scan = 1;
    return 0;
}

int copies_make_pdf(const struct copies_scan *scans, int n, const struct copies_statement *st,
                    struct copies_pdf *out, struct derr *err)
{
    memset(out, 0, sizeof *out);
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += scans[i].len;
    if (n < 1)
        return derr_set(err, DERR_INVALID, "invalid", "Chưa chọn tệp bản quét", "files");
    if (total > COPIES_MAX_BYTES)
        return derr_set(err, DERR_TOO_LARGE, "scan_too_large",
                        "Các tệp bản quét vượt quá 40 MiB", "files");
    if (n > COPIES_MAX_PAGES)
        return derr_set(err, DERR_TOO_LARGE, "too_many_pages", "Bản sao có quá nhiều trang",
                        "files");
    int rc = strcmp(scans[0].content_type, "application/pdf") == 0
                 ? (n == 1 ? make_from_pdf(&scans[0], st, out, err)
                           : derr_set(err, DERR_INVALID, "mixed_scans",
                                      "Bản quét là một tệp PDF, hoặc một hay nhiều ảnh", "files"))
                 : make_from_images(scans, n, st, out, err);
    if (rc)
        copies_pdf_clear(out);
    return rc;
}

/* appearance: draws a signature's visible mark into a raster with cairo and
 * pango. See appearance.h. */
#include "sign/appearance.h"

#include <cairo.h>
#include <glib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "render/qr.h"

#define FONT "Noto Serif"
#define SCRIPT_FONT "Noto Serif Display" /* its italic is the nearest to a pen */
#define BLUE 0.05, 0.20, 0.65            /* ink of a signature */
#define RED 0.85, 0.05, 0.05             /* ink of a seal */

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

/* A layout of text in font (family, weight, style) at size pt, wrapped at
 * width pt and centred; at most max_lines lines, the last cut with an
 * ellipsis. */
static PangoLayout *layout(PangoContext *pc, const char *text, const char *family, int bold,
                           int italic, double size, double width, int max_lines)
{
    PangoLayout *lay = pango_layout_new(pc);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, family);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(fd, italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(lay, text, -1);
    pango_layout_set_width(lay, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
    if (max_lines > 0) {
        pango_layout_set_ellipsize(lay, PANGO_ELLIPSIZE_END);
        pango_layout_set_height(lay, -max_lines);
    }
    return lay;
}

static double layout_height(PangoLayout *lay)
{
    int w, h;
    pango_layout_get_size(lay, &w, &h);
    return h / (double)PANGO_SCALE;
}

/* Draws text centred in the band x..x+w, top at y; returns its height. */
static double text_at(cairo_t *cr, PangoContext *pc, const char *text, int bold, double size,
                      double x, double y, double w, int max_lines)
{
    PangoLayout *lay = layout(pc, text, FONT, bold, 0, size, w, max_lines);
    double h = layout_height(lay);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, lay);
    g_object_unref(lay);
    return h;
}

/* Paints a PNG scaled to fit the box (x, y, w, h), centred, aspect kept. */
static int paint_png(cairo_t *cr, const unsigned char *png, size_t len, double x, double y,
                     double w, double h, char *err, size_t errlen)
{
    struct png_reader r = {png, len, 0};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(png_read, &r);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        snprintf(err, errlen, "the signature image is not a readable PNG");
        return -1;
    }
    int iw = cairo_image_surface_get_width(img), ih = cairo_image_surface_get_height(img);
    if (iw <= 0 || ih <= 0) {
        cairo_surface_destroy(img);
        snprintf(err, errlen, "the signature image is empty");
        return -1;
    }
    double s = fmin(w / iw, h / ih);
    cairo_save(cr);
    cairo_translate(cr, x + (w - iw * s) / 2, y + (h - ih * s) / 2);
    cairo_scale(cr, s, s);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    return 0;
}

/* The official's name in a pen-like italic, blue, as large as fits the box. */
static void draw_script(cairo_t *cr, PangoContext *pc, const char *name, double x, double y,
                        double w, double h)
{
    double size = h * 0.75;
    PangoLayout *lay = NULL;
    int lw, lh;
    for (int i = 0; i < 40; i++) {
        if (lay)
            g_object_unref(lay);
        lay = layout(pc, name, SCRIPT_FONT, 0, 1, size, -1, 0);
        pango_layout_set_width(lay, -1);
        pango_layout_get_size(lay, &lw, &lh);
        if (lw / (double)PANGO_SCALE <= w && lh / (double)PANGO_SCALE <= h)
            break;
        size *= 0.9;
    }
    cairo_save(cr);
    cairo_set_source_rgb(cr, BLUE);
    cairo_move_to(cr, x + (w - lw / (double)PANGO_SCALE) / 2,
                  y + (h - lh / (double)PANGO_SCALE) / 2);
    pango_cairo_show_layout(cr, lay);
    /* A stroke under the name, as a hand ends a signature. */
    cairo_set_line_width(cr, fmax(0.8, size / 22));
    double ux = x + (w - lw / (double)PANGO_SCALE) / 2, uy = y + h * 0.88;
    cairo_move_to(cr, ux, uy);
    cairo_curve_to(cr, ux + lw / (double)PANGO_SCALE * 0.4, uy + 2,
                   ux + lw / (double)PANGO_SCALE * 0.7, uy - 3, ux + lw / (double)PANGO_SCALE,
                   uy - 1);
    cairo_stroke(cr);
    cairo_restore(cr);
    g_object_unref(lay);
}

/* A seal drawn for the demo: two red circles and the organisation's name,
 * upper-cased, inside. cx, cy: the centre; d: the diameter. */
static void draw_seal(cairo_t *cr, PangoContext *pc, const char *name, double cx, double cy,
                      double d)
{
    cairo_save(cr);
    cairo_set_source_rgb(cr, RED);
    cairo_set_line_width(cr, d * 0.025);
    cairo_arc(cr, cx, cy, d / 2 - d * 0.02, 0, 2 * M_PI);
    cairo_stroke(cr);
    cairo_set_line_width(cr, d * 0.012);
    cairo_arc(cr, cx, cy, d * 0.40, 0, 2 * M_PI);
    cairo_stroke(cr);
    /* A five-pointed star above the name, as on state seals. */
    double r = d * 0.07, sy = cy - d * 0.24;
    for (int i = 0; i < 10; i++) {
        double a = -M_PI / 2 + i * M_PI / 5, rr = i % 2 ? r * 0.4 : r;
        if (i == 0)
            cairo_move_to(cr, cx + rr * cos(a), sy + rr * sin(a));
        else
            cairo_line_to(cr, cx + rr * cos(a), sy + rr * sin(a));
    }
    cairo_close_path(cr);
    cairo_fill(cr);
    char *up = g_utf8_strup(name, -1);
    double box = d * 0.62, size = d * 0.11;
    PangoLayout *lay = NULL;
    for (int i = 0; i < 30; i++) {
        if (lay)
            g_object_unref(lay);
        lay = layout(pc, up, FONT, 1, 0, size, box, 4);
        if (layout_height(lay) <= d * 0.42 || size < 3)
            break;
        size *= 0.9;
    }
    double h = layout_height(lay);
    cairo_move_to(cr, cx - box / 2, cy - d * 0.12 + (d * 0.42 - h) / 2);
    pango_cairo_show_layout(cr, lay);
    g_object_unref(lay);
    g_free(up);
    cairo_restore(cr);
}

/* The official's block in the box (x, y, w, h): the title, the signature
 * (the image, or the name drawn as a pen would), the name. */
static int draw_official(cairo_t *cr, PangoContext *pc, const struct sigapp *a, double x,
                         double y, double w, double h, char *err, size_t errlen)
{
    double top = y, bottom = y + h;
    if (a->title && a->title[0])
        top += text_at(cr, pc, a->title, 1, fmin(11, h / 7), x, y, w, 2) + 2;
    if (a->name && a->name[0]) {
        PangoLayout *lay = layout(pc, a->name, FONT, 1, 0, fmin(11, h / 7), w, 1);
        double nh = layout_height(lay);
        g_object_unref(lay);
        bottom -= nh;
        text_at(cr, pc, a->name, 1, fmin(11, h / 7), x, bottom, w, 1);
        bottom -= 2;
    }
    if (bottom - top < 4)
        return 0; /* no room for the signature itself: the texts say it */
    if (a->png)
        return paint_png(cr, a->png, a->png_len, x, top, w, bottom - top, err, errlen);
    draw_script(cr, pc, a->name && a->name[0] ? a->name : "~", x, top, w, bottom - top);
    return 0;
}

void sigapp_certification_signature_box(double w, double h, double box[4])
{
    box[0] = w * 0.45;
    box[1] = h * 0.40;
    box[2] = w;
    box[3] = h;
}

/* A certification: a white backing (the box lies over a scanned page),
 * the statement, left-aligned, shrunk until it fits the top 40%; the QR
 * code at the bottom left; the official's block at the right. */
static int draw_certification(cairo_t *cr, PangoContext *pc, const struct sigapp *a, char *err,
                              size_t errlen)
{
    double w = a->width, h = a->height, box[4];
    sigapp_certification_signature_box(w, h, box);
    cairo_save(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (a->statement && a->statement[0]) {
        double size = fmin(10, h / 14);
        PangoLayout *lay = NULL;
        for (int i = 0; i < 30; i++) {
            if (lay)
                g_object_unref(lay);
            lay = layout(pc, a->statement, FONT, 0, 0, size, w - 4, 0);
            pango_layout_set_alignment(lay, PANGO_ALIGN_LEFT);
            if (layout_height(lay) <= box[1] - 4 || size < 4)
                break;
            size *= 0.92;
        }
        cairo_move_to(cr, 2, 2);
        pango_cairo_show_layout(cr, lay);
        g_object_unref(lay);
    }
    if (a->qr_text && a->qr_text[0]) {
        double q = fmin(h - box[1] - 4, w * 0.30);
        if (q >= 20 && qr_draw(cr, a->qr_text, 2, box[1] + 2, q)) {
            snprintf(err, errlen, "the QR code cannot be drawn");
            return -1;
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
    }
    return draw_official(cr, pc, a, box[0], box[1], box[2] - box[0], box[3] - box[1], err,
                         errlen);
}

double sigapp_band_height(const struct sigapp *a)
{
    if (a->kind != SIGAPP_SEAL)
        return 0;
    return a->height > 3 * SIGAPP_SEAL_TEXT_PT ? SIGAPP_SEAL_TEXT_PT : a->height / 3;
}

static int draw(cairo_t *cr, PangoContext *pc, const struct sigapp *a, char *err, size_t errlen)
{
    double w = a->width, h = a->height;
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (a->kind == SIGAPP_OFFICIAL)
        return draw_official(cr, pc, a, 0, 0, w, h, err, errlen);
    if (a->kind == SIGAPP_CERTIFICATION)
        return draw_certification(cr, pc, a, err, errlen);
    /* The seal: the image (or a drawn seal) on top, then the organisation's
     * name and the time in the band under it. */
    double band = sigapp_band_height(a);
    double d = fmin(w, h - band);
    if (a->part != SIGAPP_BAND) {
        if (a->png) {
            if (paint_png(cr, a->png, a->png_len, (w - d) / 2, 0, d, d, err, errlen))
                return -1;
        } else {
            draw_seal(cr, pc, a->name ? a->name : "", w / 2, d / 2, d);
        }
    }
    if (a->part == SIGAPP_STILL)
        return 0;
    cairo_set_source_rgb(cr, RED);
    double size = band / 2.6, y = h - band + 1;
    if (a->name && a->name[0])
        y += text_at(cr, pc, a->name, 1, size, 0, y, w, 1);
    if (a->time_text && a->time_text[0])
        text_at(cr, pc, a->time_text, 0, size, 0, y, w, 1);
    return 0;
}

static int text_ok(const char *s)
{
    return !s || text_utf8_valid(s, strlen(s));
}

int sigapp_render(const struct sigapp *a, struct sigapp_raster *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!(a->width >= 8 && a->height >= 8 && a->width <= SIGAPP_MAX_PT &&
          a->height <= SIGAPP_MAX_PT)) {
        snprintf(err, errlen, "the signature box must be between 8 and %d points a side",
                 SIGAPP_MAX_PT);
        return -1;
    }
    if (!text_ok(a->name) || !text_ok(a->title) || !text_ok(a->time_text) ||
        !text_ok(a->statement) || !text_ok(a->qr_text)) {
        snprintf(err, errlen, "a text of the signature is not valid UTF-8");
        return -1;
    }
    if (a->png && a->png_len > SIGAPP_MAX_PNG) {
        snprintf(err, errlen, "the signature image is larger than %zu MiB", SIGAPP_MAX_PNG >> 20);
        return -1;
    }
    if (a->part == SIGAPP_BAND && a->kind != SIGAPP_SEAL) {
        snprintf(err, errlen, "only a seal's mark has a band");
        return -1;
    }
    /* The part's rows of the mark: [top, top + height) points from its top. */
    double band = sigapp_band_height(a), top = 0, height = a->height;
    if (a->part == SIGAPP_STILL)
        height -= band;
    else if (a->part == SIGAPP_BAND) {
        top = a->height - band;
        height = band;
    }
    int pw = (int)ceil(a->width * SIGAPP_SCALE), ph = (int)ceil(height * SIGAPP_SCALE);
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    cairo_t *cr = cairo_create(surf);
    PangoContext *pc = NULL;
    cairo_font_options_t *fo = NULL;
    int rc = -1;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    cairo_scale(cr, SIGAPP_SCALE, SIGAPP_SCALE);
    cairo_translate(cr, 0, -top);
    pc = pango_cairo_create_context(cr);
    pango_cairo_context_set_resolution(pc, 72);
    fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pc, fo);
    if (draw(cr, pc, a, err, errlen))
        goto out;
    cairo_surface_flush(surf);
    out->w = pw;
    out->h = ph;
    out->rgb = malloc((size_t)pw * (size_t)ph * 3);
    out->alpha = malloc((size_t)pw * (size_t)ph);
    if (!out->rgb || !out->alpha) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* cairo keeps premultiplied native-endian ARGB; PDF wants plain RGB and
     * the alpha as a separate soft mask. */
    const unsigned char *px = cairo_image_surface_get_data(surf);
    int stride = cairo_image_surface_get_stride(surf);
    for (int yy = 0; yy < ph; yy++) {
        const uint32_t *row = (const uint32_t *)(const void *)(px + (size_t)yy * (size_t)stride);
        for (int xx = 0; xx < pw; xx++) {
            uint32_t v = row[xx];
            unsigned al = v >> 24, c[3] = {(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};
            size_t i = (size_t)yy * (size_t)pw + (size_t)xx;
            unsigned char *dst = out->rgb + i * 3;
            out->alpha[i] = (unsigned char)al;
            if (al == 0) { /* most of a mark: white under a transparent mask */
                dst[0] = dst[1] = dst[2] = 255;
                continue;
            }
            for (int k = 0; k < 3; k++) {
                unsigned u = al == 255 ? c[k] : (c[k] * 255 + al / 2) / al;
                dst[k] = (unsigned char)(u > 255 ? 255 : u);
            }
        }
    }
    rc = 0;
out:
    if (rc)
        sigapp_raster_free(out);
    if (fo)
        cairo_font_options_destroy(fo);
    if (pc)
        g_object_unref(pc);
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    return rc;
}

void sigapp_raster_free(struct sigapp_raster *r)
{
    free(r->rgb);
    free(r->alpha);
    r->rgb = r->alpha = NULL;
    r->w = r->h = 0;
}

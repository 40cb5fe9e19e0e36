/* stamp: drawing the seal and signature images with cairo and pango. */
#include "sign/stamp.h"

#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"

#define PNG_MAX (2 * 1024 * 1024)
#define NAME_MAX_BYTES 1024

/* Seal red and signature blue, as on paper. */
static const double RED[3] = {0.80, 0.07, 0.09};
static const double BLUE[3] = {0.06, 0.16, 0.62};

static void png_write(png_structp png, png_bytep data, size_t len)
{
    if (dynbuf_add(png_get_io_ptr(png), data, len))
        png_error(png, "out of memory");
}

static void png_flush(png_structp png)
{
    (void)png;
}

/* The surface, drawn in the one colour ink[] (anti-aliasing changes only
 * the alpha), as PNG into *out: an indexed image whose palette is ink at
 * the 256 levels of opacity, so the pixel is its alpha and nothing is
 * lost. A quarter of the bytes of RGBA to compress, and less than half the
 * size (a seal is ~27 KB at zlib level 3 instead of ~60 KB from cairo's
 * writer, in a fifth of the time), which matters because every seal is
 * stored with its key and a demo seals every unit. libpng directly:
 * cairo's writer knows only RGBA. */
static int finish_png(cairo_surface_t *s, const double ink[3], unsigned char **out, size_t *len)
{
    struct dynbuf b;
    int width = cairo_image_surface_get_width(s), height = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    unsigned char *row = malloc((size_t)width);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_color palette[256];
    png_byte alpha[256];
    for (int i = 0; i < 256; i++) {
        palette[i].red = (png_byte)(ink[0] * 255 + 0.5);
        palette[i].green = (png_byte)(ink[1] * 255 + 0.5);
        palette[i].blue = (png_byte)(ink[2] * 255 + 0.5);
        alpha[i] = (png_byte)i;
    }
    cairo_surface_flush(s);
    dynbuf_init(&b, PNG_MAX);
    if (!row || !info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(row);
        free(dynbuf_take(&b, NULL));
        return -1;
    }
    const unsigned char *data = cairo_image_surface_get_data(s);
    png_set_write_fn(png, &b, png_write, png_flush);
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_set_PLTE(png, info, palette, 256);
    png_set_tRNS(png, info, alpha, 256, NULL);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) {
        const uint32_t *px = (const uint32_t *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < width; x++)
            row[x] = (unsigned char)(px[x] >> 24);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    *out = (unsigned char *)dynbuf_take(&b, len);
    return *out ? 0 : -1;
}

static PangoLayout *layout(cairo_t *cr, const char *family, int bold, int italic, double px)
{
    PangoLayout *lay = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, family);
    pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(fd, italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    return lay;
}

/* Width in pixels of text in lay. */
static double text_width(PangoLayout *lay, const char *text, int n)
{
    int w, h;
    pango_layout_set_text(lay, text, n);
    pango_layout_get_pixel_size(lay, &w, &h);
    return w;
}

/* A five-pointed star of outer radius r centred on (cx, cy), point up. */
static void star(cairo_t *cr, double cx, double cy, double r)
{
    double inner = r * 0.382; /* the regular star's inner radius */
    for (int i = 0; i < 10; i++) {
        double a = -M_PI / 2 + i * M_PI / 5, rr = i % 2 ? inner : r;
        if (i == 0)
            cairo_move_to(cr, cx + rr * cos(a), cy + rr * sin(a));
        else
            cairo_line_to(cr, cx + rr * cos(a), cy + rr * sin(a));
    }
    cairo_close_path(cr);
    cairo_fill(cr);
}

/* Draws text around a circle of radius r centred on c, reading clockwise,
 * centred on the top. Each character is laid out alone and turned to the
 * tangent; the font size shrinks until the text fits 330 degrees. */
static void ring_text(cairo_t *cr, const char *text, double c, double r, double px)
{
    PangoLayout *lay = layout(cr, "Noto Sans", 1, 0, px);
    const double room = 2 * M_PI * r * (330.0 / 360.0);
    double total = text_width(lay, text, -1);
    if (total > room) {
        g_object_unref(lay);
        px *= room / total;
        lay = layout(cr, "Noto Sans", 1, 0, px);
        total = text_width(lay, text, -1);
    }
    /* Spread the letters a little when the name is short. */
    glong nchars = g_utf8_strlen(text, -1);
    double gap = 0;
    if (nchars > 1 && total < room * 0.8)
        gap = fmin((room * 0.8 - total) / (double)(nchars - 1), px * 0.35);
    double span = (total + gap * (double)(nchars - 1)) / r;
    double angle = -M_PI / 2 - span / 2;
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        int n = (int)(g_utf8_next_char(p) - p);
        int w, h;
        pango_layout_set_text(lay, p, n);
        pango_layout_get_pixel_size(lay, &w, &h);
        double mid = angle + (w / 2.0) / r;
        cairo_save(cr);
        cairo_translate(cr, c + r * cos(mid), c + r * sin(mid));
        cairo_rotate(cr, mid + M_PI / 2);
        cairo_move_to(cr, -w / 2.0, -h / 2.0);
        pango_cairo_show_layout(cr, lay);
        cairo_restore(cr);
        angle += (w + gap) / r;
    }
    g_object_unref(lay);
}

int stamp_seal_png(const char *unit_name, const char *code, unsigned char **png, size_t *len)
{
    int rc = -1;
    const double size = STAMP_SEAL_PX, c = size / 2;
    char *upper = NULL, *nfc = NULL;
    *png = NULL;
    if (!unit_name || strlen(unit_name) > NAME_MAX_BYTES || !g_utf8_validate(unit_name, -1, NULL))
        return -1;
    cairo_surface_t *s =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, STAMP_SEAL_PX, STAMP_SEAL_PX);
    cairo_t *cr = cairo_create(s);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        goto out;
    /* One code point per letter: Vietnamese in NFC has its marks composed,
     * so a letter is never split from its tone mark on the ring. */
    nfc = g_utf8_normalize(unit_name, -1, G_NORMALIZE_NFC);
    upper = nfc ? g_utf8_strup(nfc, -1) : NULL;
    if (!upper)
        goto out;
    cairo_set_source_rgb(cr, RED[0], RED[1], RED[2]);
    cairo_set_line_width(cr, size * 0.022);
    cairo_arc(cr, c, c, size * 0.475, 0, 2 * M_PI);
    cairo_stroke(cr);
    cairo_set_line_width(cr, size * 0.007);
    cairo_arc(cr, c, c, size * 0.445, 0, 2 * M_PI);
    cairo_stroke(cr);
    cairo_arc(cr, c, c, size * 0.305, 0, 2 * M_PI);
    cairo_stroke(cr);
    ring_text(cr, upper, c, size * 0.375, size * 0.075);
    star(cr, c, c - size * 0.03, size * 0.14);
    if (code && *code) {
        PangoLayout *lay = layout(cr, "Noto Sans", 1, 0, size * 0.045);
        double w = text_width(lay, code, -1);
        cairo_move_to(cr, c - w / 2, c + size * 0.13);
        pango_cairo_show_layout(cr, lay);
        g_object_unref(lay);
    }
    rc = finish_png(s, RED, png, len);
out:
    g_free(upper);
    g_free(nfc);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return rc;
}

int stamp_signature_png(const char *name, unsigned char **png, size_t *len)
{
    int rc = -1;
    *png = NULL;
    if (!name || strlen(name) > NAME_MAX_BYTES || !g_utf8_validate(name, -1, NULL))
        return -1;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, STAMP_SIG_W, STAMP_SIG_H);
    cairo_t *cr = cairo_create(s);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        goto out;
    cairo_set_source_rgb(cr, BLUE[0], BLUE[1], BLUE[2]);
    double px = STAMP_SIG_H * 0.30;
    PangoLayout *lay = layout(cr, "Noto Serif", 0, 1, px);
    double w = text_width(lay, name, -1), room = STAMP_SIG_W * 0.86;
    if (w > room) {
        g_object_unref(lay);
        px *= room / w;
        lay = layout(cr, "Noto Serif", 0, 1, px);
        w = text_width(lay, name, -1);
    }
    /* A hand writes uphill and slanted: rotate a little and shear. */
    cairo_save(cr);
    cairo_translate(cr, STAMP_SIG_W / 2.0, STAMP_SIG_H * 0.42);
    cairo_rotate(cr, -0.07);
    cairo_matrix_t shear = {1, 0, -0.18, 1, 0, 0};
    cairo_transform(cr, &shear);
    cairo_move_to(cr, -w / 2, -px * 0.75);
    pango_cairo_show_layout(cr, lay);
    cairo_restore(cr);
    g_object_unref(lay);
    /* The flourish under the name. */
    double x0 = STAMP_SIG_W / 2.0 - w / 2, x1 = STAMP_SIG_W / 2.0 + w / 2;
    double y = STAMP_SIG_H * 0.74;
    cairo_set_line_width(cr, 3.2);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_move_to(cr, x0 - 10, y + 8);
    cairo_curve_to(cr, x0 + w * 0.3, y - 18, x0 + w * 0.6, y + 26, x1 + 14, y - 14);
    cairo_stroke(cr);
    rc = finish_png(s, BLUE, png, len);
out:
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return rc;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int stamp_png_ok(const unsigned char *data, size_t len)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /* signature, IHDR length and type, width, height */
    if (!data || len < 33 || memcmp(data, sig, 8) != 0 || be32(data + 8) != 13 ||
        memcmp(data + 12, "IHDR", 4) != 0)
        return 0;
    uint32_t w = be32(data + 16), h = be32(data + 20);
    return w > 0 && h > 0 && w <= 4096 && h <= 4096;
}

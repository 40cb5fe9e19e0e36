/* appearance: the visible mark of a signature on the page (Decree 30/2020,
 * Appendix I): for an official, the handwritten signature in blue between
 * the title and the name; for an organisation, the red seal at real size
 * with the organisation's name and the signing time. It is drawn with cairo
 * and pango into an RGB raster with an alpha channel, which the PDF paints
 * as an image: no font is embedded and Vietnamese is always drawn right. */
#ifndef MOTCUA_SIGN_APPEARANCE_H
#define MOTCUA_SIGN_APPEARANCE_H

#include <stddef.h>

#define SIGAPP_SCALE 3        /* pixels per point (216 dpi) */
#define SIGAPP_MAX_PT 600     /* the largest side of an appearance, pt */
#define SIGAPP_MAX_PNG ((size_t)4 << 20) /* bytes of a given image */
#define SIGAPP_SEAL_PT 102.0  /* the drawn seal's diameter: 36 mm, a commune's seal */
#define SIGAPP_SEAL_TEXT_PT 20.0 /* the band under the seal for name and time */

enum sigapp_kind {
    SIGAPP_OFFICIAL, /* a person: title, signature image, name */
    SIGAPP_SEAL,     /* an organisation: seal image, name, signing time */
    /* A person certifying a copy (lời chứng, Decree 23/2015) on a page the
     * platform cannot draw on (a scanned PDF kept as it is): the statement
     * across the top 40% of the box on a white backing, then the QR code of
     * qr_text at the bottom left and the official's block (title, signature,
     * name) in the box sigapp_certification_signature_box gives. */
    SIGAPP_CERTIFICATION,
};

/* What part of the mark to draw. A seal's mark is the seal (the same on
 * every signature of the unit) above a band with the name and the signing
 * time (new each second): drawn apart, the seal can be kept and reused. */
enum sigapp_part {
    SIGAPP_ALL,   /* the whole mark */
    SIGAPP_STILL, /* all but a seal's band: the seal; an official's whole mark */
    SIGAPP_BAND,  /* a seal's band only: the name and the signing time */
};

struct sigapp {
    enum sigapp_kind kind;
    double width, height; /* the widget's size, pt */
    const char *name;     /* the official's name, or the organisation's (UTF-8) */
    const char *title;    /* the official's title ("CHỦ TỊCH"), may be NULL */
    const char *time_text; /* the signing time as shown (ISO 8601, +07:00); the
                              seal prints it, may be NULL */
    const unsigned char *png; /* the handwritten signature or the seal as PNG
                                 (transparent background), or NULL to draw one */
    size_t png_len;
    const char *statement; /* SIGAPP_CERTIFICATION: the statement's lines ("\n") */
    const char *qr_text;   /* SIGAPP_CERTIFICATION: what its QR code says, or NULL */
    enum sigapp_part part; /* SIGAPP_ALL unless set */
};

/* Where a certification's official block (title, signature, name) sits in
 * a box of w x h pt, as x0 y0 x1 y1 from the box's top left corner: the
 * seal that follows goes over its left third, clear of the QR code. */
void sigapp_certification_signature_box(double w, double h, double box[4]);

/* The height of a seal's band under the seal, pt (0 for an official's
 * mark): SIGAPP_STILL covers the top height - band points of the widget,
 * SIGAPP_BAND the bottom band points. */
double sigapp_band_height(const struct sigapp *a);

/* An image: w x h pixels, rows top to bottom. */
struct sigapp_raster {
    int w, h;
    unsigned char *rgb;   /* 3 bytes a pixel, not premultiplied */
    unsigned char *alpha; /* 1 byte a pixel */
};

/* Draws the appearance, or the part a->part names (its raster covers that
 * part only, at the same scale). OUT: *out (free with sigapp_raster_free).
 * Returns 0, or -1 with a reason in err (a size out of bounds, a PNG that
 * cannot be read, text that is not UTF-8, the band of an official's mark). */
int sigapp_render(const struct sigapp *a, struct sigapp_raster *out, char *err, size_t errlen);

void sigapp_raster_free(struct sigapp_raster *r);

#endif

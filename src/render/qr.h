/* qr: QR codes for receipts and verification links. libqrencode computes the
 * modules; they are drawn as filled cairo rectangles, so the code stays a
 * crisp vector in a PDF and pixel-exact on an image surface. */
#ifndef MOTCUA_RENDER_QR_H
#define MOTCUA_RENDER_QR_H

#include <cairo.h>

#define QR_MAX_TEXT 2048 /* bytes; longer input is refused */
#define QR_QUIET 4       /* quiet zone around the code, in modules */

/* Returns the number of modules per side (quiet zone excluded) that `text`
 * needs at error-correction level M, or a negative errno: -EINVAL for NULL,
 * empty or over-long text, -ENOMEM, -ERANGE if it does not fit a QR code. */
int qr_modules(const char *text);

/* Draws `text` (bytes, encoded in 8-bit mode, level M) as a QR code filling
 * the square at (x, y) with side `size`, quiet zone included and painted
 * white. The cairo state is saved and restored. Returns 0, or -EINVAL,
 * -ENOMEM, -ERANGE as qr_modules(), or -EIO if cairo is in an error state. */
int qr_draw(cairo_t *cr, const char *text, double x, double y, double size);

#endif

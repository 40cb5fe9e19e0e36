/* qr: QR codes from libqrencode, drawn as cairo rectangles (see qr.h). */
#include "render/qr.h"

#include <errno.h>
#include <qrencode.h>
#include <string.h>

static int encode(const char *text, QRcode **out)
{
    size_t n;

    *out = NULL;
    if (!text)
        return -EINVAL;
    n = strnlen(text, QR_MAX_TEXT + 1);
    if (n == 0 || n > QR_MAX_TEXT)
        return -EINVAL;
    errno = 0;
    *out = QRcode_encodeData((int)n, (const unsigned char *)text, 0,
                             QR_ECLEVEL_M);
    if (!*out) {
        if (errno == ENOMEM)
            return -ENOMEM;
        if (errno == ERANGE)
            return -ERANGE;
        return -EINVAL;
    }
    return 0;
}

int qr_modules(const char *text)
{
    QRcode *qr;
    int rc = encode(text, &qr);

    if (rc)
        return rc;
    rc = qr->width;
    QRcode_free(qr);
    return rc;
}

int qr_draw(cairo_t *cr, const char *text, double x, double y, double size)
{
    QRcode *qr = NULL;
    double m;
    int rc, w, r, c;

    if (!cr || !(size > 0))
        return -EINVAL;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return -EIO;
    rc = encode(text, &qr);
    if (rc)
        goto out;
    w = qr->width;
    m = size / (w + 2 * QR_QUIET);

    cairo_save(cr);
    cairo_new_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, size, size);
    cairo_fill(cr);

    /* One rectangle per horizontal run of dark modules, all filled as a
     * single path: no hairline seams between neighbouring modules. */
    for (r = 0; r < w; r++) {
        const unsigned char *row = qr->data + (size_t)r * (size_t)w;
        for (c = 0; c < w;) {
            int c0;
            if (!(row[c] & 1)) {
                c++;
                continue;
            }
            c0 = c;
            while (c < w && (row[c] & 1))
                c++;
            cairo_rectangle(cr, x + (QR_QUIET + c0) * m,
                            y + (QR_QUIET + r) * m, (c - c0) * m, m);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_fill(cr);
    cairo_restore(cr);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        rc = -EIO;
out:
    if (qr)
        QRcode_free(qr);
    return rc;
}

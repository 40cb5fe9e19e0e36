/* Tests for the visible signature on pages with /Rotate (src/sign/pades,
 * the shown space of src/sign/pdf_read): one-page PDFs turned 0, 90, 180
 * and 270 degrees, signed by an official then by the seal at their default
 * places and at a given rectangle, then checked by tools motcua did not
 * write: pdftoppm (poppler) renders the page as a reader displays it, and
 * the marks' blue ink and red seal must sit where docs/signatures.md puts
 * them on the displayed page (bottom right, 15 mm from the right, 20 mm
 * from the bottom; the seal over the left third of the official's mark)
 * and look the same as on the unturned page (upright); pdfsig finds both
 * signatures valid, and so does motcua's verifier. The widgets' /Rect are
 * compared with values worked out by hand for a 595 x 842 page. */
#include <math.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pdf_gen.h"
#include "sign/pades.h"
#include "sign/pdf_read.h"
#include "sign/pdf_verify.h"
#include "sign/signer.h"
#include "testca.h"

/* Under LeakSanitizer: fontconfig's caches (see test_receipt.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

#define OFFICIAL_CN "Trịnh Văn Long"
#define UNIT_O "UBND phường Hạc Thành"
#define WHEN ((time_t)1772681400) /* 2026-03-05 03:30:00 UTC */
#define PAGE_W 595.0
#define PAGE_H 842.0
#define MM (72.0 / 25.4)
/* docs/signatures.md: the official's mark, 180 x 80 pt, 15 mm from the
 * right and 20 mm from the bottom; the seal 102 pt with a 20 pt band. */
#define OFF_W 180.0
#define OFF_H 80.0
#define SEAL_D 102.0
#define SEAL_BAND 20.0
#define TOL 3 /* pixels (1 pt at 72 dpi) around an expected rectangle */

static EVP_PKEY *root_key;
static X509 *root;
static struct signer *official, *seal;

static struct signer *make_signer(const char *cn, const char *o)
{
    struct signer *s = calloc(1, sizeof *s);
    int64_t now = (int64_t)time(NULL);
    int64_t nb = (now < WHEN ? now : WHEN) - 86400 * 30, na = now + 86400 * 365;
    s->key = tc_key();
    s->cert = tc_cert(s->key, cn, o, root, root_key, nb, na, TC_SIGN);
    snprintf(s->name, sizeof s->name, "%s", cn);
    snprintf(s->organisation, sizeof s->organisation, "%s", o);
    return s;
}

static void signer_drop(struct signer *s)
{
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    free(s);
}

/* One A4 portrait page turned by rot, with a grey square in its content. */
static unsigned char *rotated_pdf(int rot, size_t *len)
{
    char page[200];
    snprintf(page, sizeof page,
             "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate %d "
             "/Contents 4 0 R >>",
             rot);
    const char content[] = "<< /Length 24 >>\nstream\n0.5 g 250 400 40 40 re f\nendstream";
    const char *objs[] = {"<< /Type /Catalog /Pages 2 0 R >>",
                          "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, content};
    return gen_pdf_objects(objs, 4, "", len);
}

/* A rectangle in displayed points (origin at the displayed page's lower
 * left), for checks on the rendered image. */
struct drect {
    double x0, y0, x1, y1;
};

/* The official's default place on a displayed page of width w. */
static struct drect official_place(double w)
{
    double x1 = w - 15 * MM, y0 = 20 * MM;
    return (struct drect){x1 - OFF_W, y0, x1, y0 + OFF_H};
}

/* The seal over the left third of the official's mark at r. */
static struct drect seal_place(struct drect r)
{
    double x1 = r.x0 + (r.x1 - r.x0) / 3, cy = (r.y0 + r.y1) / 2;
    return (struct drect){x1 - SEAL_D, cy - SEAL_D / 2 - SEAL_BAND, x1, cy + SEAL_D / 2};
}

static int sign_as(const unsigned char *in, size_t len, const struct signer *s,
                   enum pades_role role, const double *rect, unsigned char **out, size_t *n)
{
    struct pades_options o = {.role = role, .when = WHEN, .title = "CHỦ TỊCH"};
    if (rect) {
        o.has_rect = 1;
        memcpy(o.rect, rect, sizeof o.rect);
    }
    char err[256] = "";
    int rc = pades_sign(in, len, s, &o, out, n, err, sizeof err);
    if (rc)
        printf("  sign: %s\n", err);
    return rc;
}

/* ---- the rendered page ---------------------------------------------- */

struct image {
    int w, h;
    unsigned char *rgb;
};

static int write_temp(const unsigned char *p, size_t n, char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/motcua-rotate-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        return -1;
    }
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Page one rendered by pdftoppm at 72 dpi (a pixel a point), as a reader
 * displays it (pdftoppm follows /Rotate). Returns 0 or -1. */
static int render(const unsigned char *pdf, size_t n, struct image *im)
{
    char path[64], cmd[256], ppm[80];
    memset(im, 0, sizeof *im);
    if (write_temp(pdf, n, path, sizeof path))
        return -1;
    snprintf(cmd, sizeof cmd, "pdftoppm -r 72 -f 1 -l 1 -singlefile '%s' '%s' 2>/dev/null",
             path, path);
    snprintf(ppm, sizeof ppm, "%s.ppm", path);
    int rc = system(cmd) == 0 ? 0 : -1;
    FILE *f = rc ? NULL : fopen(ppm, "rb");
    int maxv = 0;
    if (!f || fscanf(f, "P6 %d %d %d", &im->w, &im->h, &maxv) != 3 || maxv != 255 ||
        im->w <= 0 || im->h <= 0 || im->w > 4000 || im->h > 4000 || fgetc(f) == EOF)
        rc = -1;
    size_t sz = rc ? 0 : (size_t)im->w * (size_t)im->h * 3;
    if (rc == 0 && (!(im->rgb = malloc(sz)) || fread(im->rgb, 1, sz, f) != sz))
        rc = -1;
    if (f)
        fclose(f);
    unlink(ppm);
    unlink(path);
    return rc;
}

static int is_blue(const unsigned char *p)
{
    return p[2] > 110 && p[2] > p[0] + 60 && p[2] > p[1] + 40;
}

static int is_red(const unsigned char *p)
{
    return p[0] > 150 && p[0] > p[1] + 80 && p[0] > p[2] + 80;
}

/* Pixels of a colour inside r (displayed points, with TOL) and outside it. */
struct count {
    long in, out;
    double cx, cy; /* the centroid of those inside, displayed points */
};

static struct count count_in(const struct image *im, int (*is)(const unsigned char *),
                             struct drect r)
{
    struct count c = {0};
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++) {
            if (!is(im->rgb + ((size_t)y * (size_t)im->w + (size_t)x) * 3))
                continue;
            double px = x + 0.5, py = im->h - y - 0.5; /* lower left origin */
            if (px >= r.x0 - TOL && px <= r.x1 + TOL && py >= r.y0 - TOL && py <= r.y1 + TOL) {
                c.in++;
                c.cx += px;
                c.cy += py;
            } else {
                c.out++;
            }
        }
    if (c.in) {
        c.cx /= (double)c.in;
        c.cy /= (double)c.in;
    }
    return c;
}

/* The horizontal extent (points) of the pixels of a colour in a band of
 * rows of r, from y0 to y1 (displayed points); 0 if none. */
static double span_in(const struct image *im, int (*is)(const unsigned char *), struct drect r,
                      double y0, double y1)
{
    int lo = im->w, hi = -1;
    for (int y = 0; y < im->h; y++) {
        double py = im->h - y - 0.5;
        if (py < y0 || py > y1)
            continue;
        for (int x = 0; x < im->w; x++) {
            double px = x + 0.5;
            if (px < r.x0 - TOL || px > r.x1 + TOL ||
                !is(im->rgb + ((size_t)y * (size_t)im->w + (size_t)x) * 3))
                continue;
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
    }
    return hi < lo ? 0 : hi - lo + 1;
}

/* The mean absolute difference of two images over the area r (displayed
 * points, anchored at each image's lower left), or 255 if r does not fit. */
static double diff_in(const struct image *a, const struct image *b, struct drect ra,
                      struct drect rb)
{
    int w = (int)(ra.x1 - ra.x0), h = (int)(ra.y1 - ra.y0);
    int ax = (int)lround(ra.x0), ay = a->h - (int)lround(ra.y0) - h;
    int bx = (int)lround(rb.x0), by = b->h - (int)lround(rb.y0) - h;
    if (ax < 0 || ay < 0 || bx < 0 || by < 0 || ax + w > a->w || ay + h > a->h ||
        bx + w > b->w || by + h > b->h)
        return 255;
    double sum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 3; k++) {
                int va = a->rgb[((size_t)(ay + y) * (size_t)a->w + (size_t)(ax + x)) * 3 + k];
                int vb = b->rgb[((size_t)(by + y) * (size_t)b->w + (size_t)(bx + x)) * 3 + k];
                sum += abs(va - vb);
            }
    return sum / ((double)w * h * 3);
}

/* ---- checks by other tools ------------------------------------------ */

/* pdfsig's count of "Signature is Valid." (no certificate check: the test
 * root is not in any NSS database). */
static int pdfsig_valid(const unsigned char *pdf, size_t n)
{
    char path[64], cmd[200], line[512];
    if (write_temp(pdf, n, path, sizeof path))
        return -1;
    snprintf(cmd, sizeof cmd, "pdfsig -nocert '%s' 2>&1", path);
    FILE *p = popen(cmd, "r");
    int valid = 0;
    while (p && fgets(line, sizeof line, p))
        if (strstr(line, "Signature Validation: Signature is Valid."))
            valid++;
    if (p)
        pclose(p);
    unlink(path);
    return valid;
}

static int motcua_valid(const unsigned char *pdf, size_t n, int want)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_add_cert(st, root);
    json_t *rep = NULL;
    char err[256] = "";
    int rc = pdfv_verify(pdf, n, st, &rep, err, sizeof err);
    json_t *sigs = json_object_get(rep, "signatures");
    const char *verdict = json_string_value(json_object_get(rep, "verdict"));
    int ok = rc >= 0 && json_array_size(sigs) == (size_t)want && verdict &&
             strcmp(verdict, "valid") == 0;
    if (!ok)
        printf("  verify: rc %d, %s, %s\n", rc, err, verdict ? verdict : "(no verdict)");
    json_decref(rep);
    X509_STORE_free(st);
    return ok;
}

/* The /Rect of the document's signature fields, in order. */
static int widget_rects(const unsigned char *pdf, size_t n, double rects[][4], size_t max)
{
    struct pdfr *f = NULL;
    struct pdfr_sigfield *fl = NULL;
    size_t nf = 0;
    char err[256];
    int got = -1;
    if (pdfr_open(pdf, n, &f, err, sizeof err) || pdfr_sigfields(f, &fl, &nf))
        goto done;
    got = 0;
    for (size_t i = 0; i < nf && (size_t)got < max; i++, got++)
        for (int k = 0; k < 4; k++)
            if (!fl[i].rect || pdfr_number(pdfr_resolve(f, fl[i].rect->u.a.items[k]),
                                           &rects[got][k]))
                rects[got][k] = NAN;
done:
    free(fl);
    pdfr_free(f);
    return got;
}

static int near(double a, double b)
{
    return fabs(a - b) < 0.02;
}

/* ---- the tests ------------------------------------------------------ */

static struct image upright; /* the unturned page, signed at the defaults */

/* Signs the page turned rot at the default places; checks the rendering,
 * the signatures and the widgets' rectangles. */
static void default_places(int rot)
{
    size_t len, n1, n2;
    unsigned char *doc = rotated_pdf(rot, &len), *one = NULL, *two = NULL;
    CHECK_EQ_INT(sign_as(doc, len, official, PADES_OFFICIAL, NULL, &one, &n1), 0);
    if (one)
        CHECK_EQ_INT(sign_as(one, n1, seal, PADES_SEAL, NULL, &two, &n2), 0);
    if (!two)
        goto done;
    CHECK_EQ_INT(pdfsig_valid(two, n2), 2);
    CHECK(motcua_valid(two, n2, 2));

    struct image im;
    CHECK_EQ_INT(render(two, n2, &im), 0);
    int turned = rot == 90 || rot == 270;
    CHECK_EQ_INT(im.w, turned ? 842 : 595);
    CHECK_EQ_INT(im.h, turned ? 595 : 842);
    if (!im.rgb)
        goto done;
    struct drect off = official_place(im.w), sl = seal_place(off);
    /* The blue ink of the signature inside the official's place and nowhere
     * else (the seal covers a little of it, so it is not counted there). */
    struct count blue = count_in(&im, is_blue, off);
    CHECK(blue.in > 300);
    CHECK_EQ_INT(blue.out, 0);
    /* The red seal inside its place, over the official's left third. */
    struct count red = count_in(&im, is_red, sl);
    CHECK(red.in > 1500);
    CHECK_EQ_INT(red.out, 0);
    CHECK(red.cx < blue.cx);
    CHECK(red.cx > off.x0 - SEAL_D / 2 && red.cx < off.x0 + OFF_W / 3);
    /* Upright: the seal's band (name and time, about 95 pt wide) is under
     * the seal, whose top is a narrow arc (a chord of under 50 pt in its
     * top 6 pt). */
    double bottom = span_in(&im, is_red, sl, sl.y0, sl.y0 + 6);
    double top = span_in(&im, is_red, sl, sl.y1 - 6, sl.y1);
    if (!(bottom > 80 && top > 10 && top < 55))
        printf("  rotate %d: red spans %.0f at the bottom, %.0f at the top\n", rot, bottom, top);
    CHECK(bottom > 80);
    CHECK(top > 10 && top < 55);
    /* And the marks look as on the unturned page, pixel for pixel within
     * the rounding of a render. */
    if (rot != 0 && upright.rgb) {
        struct drect u = official_place(upright.w), us = seal_place(u);
        struct drect area = {us.x0, us.y0, u.x1, fmax(u.y1, us.y1)};
        struct drect uarea = area;
        double dx = im.w - upright.w;
        area.x0 += dx;
        area.x1 += dx;
        double d = diff_in(&im, &upright, area, uarea);
        if (d >= 4)
            printf("  rotate %d: mean difference %.2f\n", rot, d);
        CHECK(d < 4);
    }

    /* The widgets in the page's own space, worked out by hand: the
     * displayed rectangle (u0 v0 u1 v1) turned back. */
    double rects[2][4];
    CHECK_EQ_INT(widget_rects(two, n2, rects, 2), 2);
    struct drect want[2] = {off, sl};
    for (int i = 0; i < 2; i++) {
        struct drect r = want[i];
        double e[4];
        switch (rot) {
        case 90: /* x = 595 - v, y = u */
            e[0] = PAGE_W - r.y1, e[1] = r.x0, e[2] = PAGE_W - r.y0, e[3] = r.x1;
            break;
        case 180: /* x = 595 - u, y = 842 - v */
            e[0] = PAGE_W - r.x1, e[1] = PAGE_H - r.y1, e[2] = PAGE_W - r.x0,
            e[3] = PAGE_H - r.y0;
            break;
        case 270: /* x = v, y = 842 - u */
            e[0] = r.y0, e[1] = PAGE_H - r.x1, e[2] = r.y1, e[3] = PAGE_H - r.x0;
            break;
        default:
            e[0] = r.x0, e[1] = r.y0, e[2] = r.x1, e[3] = r.y1;
        }
        for (int k = 0; k < 4; k++)
            if (!near(rects[i][k], e[k])) {
                printf("  rotate %d widget %d [%d]: %.2f, expected %.2f\n", rot, i, k,
                       rects[i][k], e[k]);
                CHECK(near(rects[i][k], e[k]));
            }
    }
    if (rot == 0)
        upright = im;
    else
        free(im.rgb);
done:
    free(doc);
    free(one);
    free(two);
}

TEST(rotate_0) { default_places(0); }
TEST(rotate_90) { default_places(90); }
TEST(rotate_180) { default_places(180); }
TEST(rotate_270) { default_places(270); }

/* A given rectangle is meant on the page as displayed: the lower left
 * corner the reader sees, whatever /Rotate says. */
TEST(given_rect_is_displayed)
{
    static const int rots[] = {0, 90, 180, 270};
    const double rect[4] = {40, 50, 220, 130};
    struct image first = {0}; /* the unturned page's */
    for (size_t i = 0; i < sizeof rots / sizeof rots[0]; i++) {
        size_t len, n;
        unsigned char *doc = rotated_pdf(rots[i], &len), *out = NULL;
        CHECK_EQ_INT(sign_as(doc, len, official, PADES_OFFICIAL, rect, &out, &n), 0);
        struct image im = {0};
        if (out) {
            CHECK_EQ_INT(render(out, n, &im), 0);
            CHECK_EQ_INT(pdfsig_valid(out, n), 1);
        }
        if (im.rgb) {
            struct count blue = count_in(&im, is_blue, (struct drect){40, 50, 220, 130});
            CHECK(blue.in > 300);
            CHECK_EQ_INT(blue.out, 0);
            if (first.rgb) {
                /* Upright: as on the unturned page. */
                struct drect r = {40, 50, 220, 130};
                double d = diff_in(&im, &first, r, r);
                if (d >= 4)
                    printf("  rotate %d: mean difference %.2f\n", rots[i], d);
                CHECK(d < 4);
            }
        }
        if (rots[i] == 0)
            first = im;
        else
            free(im.rgb);
        free(doc);
        free(out);
    }
    free(first.rgb);
}

/* The shown space of a page whose visible area does not start at 0 0. */
TEST(shown_space_offset_box)
{
    struct pdfr_page pg = {.box = {10, 20, 410, 620}, .rotate = 90};
    double box[4], u[4], back[4];
    pdfr_page_shown_box(&pg, box);
    CHECK(near(box[0], 10) && near(box[1], 20) && near(box[2], 610) && near(box[3], 420));
    /* The displayed lower left 100 x 50 is the page's lower right, on its
     * side: x from 410 - 50 to 410, y from 20 to 120. */
    const double r[4] = {10, 20, 110, 70};
    pdfr_page_to_user(&pg, r, u);
    CHECK(near(u[0], 360) && near(u[1], 20) && near(u[2], 410) && near(u[3], 120));
    pdfr_page_to_shown(&pg, u, back);
    for (int k = 0; k < 4; k++)
        CHECK(near(back[k], r[k]));
    pg.rotate = 270;
    pdfr_page_to_user(&pg, r, u); /* the page's upper left corner */
    CHECK(near(u[0], 10) && near(u[1], 520) && near(u[2], 60) && near(u[3], 620));
    pg.rotate = 0;
    pdfr_page_to_user(&pg, r, u);
    for (int k = 0; k < 4; k++)
        CHECK(near(u[k], r[k]));
}

int main(void)
{
    int64_t now = (int64_t)time(NULL);
    root_key = tc_key();
    root = tc_cert(root_key, "motcua rotate root", "motcua", NULL, root_key,
                   (now < WHEN ? now : WHEN) - 86400 * 60, now + 86400 * 730, TC_CA);
    official = make_signer(OFFICIAL_CN, UNIT_O);
    seal = make_signer(UNIT_O, UNIT_O);
    RUN(shown_space_offset_box);
    RUN(rotate_0);
    RUN(rotate_90);
    RUN(rotate_180);
    RUN(rotate_270);
    RUN(given_rect_is_displayed);
    free(upright.rgb);
    signer_drop(official);
    signer_drop(seal);
    X509_free(root);
    EVP_PKEY_free(root_key);
    return harness_done();
}

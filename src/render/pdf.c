/* pdf: flowing A4 layout on cairo + pango, written into a bounded memory
 * buffer (see pdf.h). All positions are in PDF points; pango runs at 72 dpi
 * so that font sizes in points are points on the page. */
#include "render/pdf.h"

#include <errno.h>
#include <glib.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/dynbuf.h"
#include "render/qr.h"

#define A4_W (210.0 * PDF_MM)
#define A4_H (297.0 * PDF_MM)
#define MAX_COLS 12 /* a register of incoming or outgoing documents has 10 */
#define MAX_LINES 64 /* lines per column of a pdf_columns() block */
#define CELL_PAD 3.0
#define RULE_W 0.6
#define EPS 0.01

/* The PDF as cairo writes it; a failed append is either the document
 * passing its maximum size (overflow) or memory running out. */
struct outbuf {
    struct dynbuf b;
    int overflow;
};

struct pdf_doc {
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *pctx;
    struct outbuf out;
    char *family;
    double size;
    double pw, ph; /* page size: A4 upright or turned (landscape) */
    double ml, mr, mt, mb;
    double y;    /* cursor, from the top of the page */
    int page;    /* 1-based */
    int number_pages;
    int rc;      /* first error, sticky */
    int ended;
};

static cairo_status_t write_cb(void *closure, const unsigned char *data,
                               unsigned int length)
{
    struct outbuf *o = closure;
    if (dynbuf_failed(&o->b))
        return CAIRO_STATUS_WRITE_ERROR;
    if (length > o->b.max - dynbuf_len(&o->b))
        o->overflow = 1;
    return dynbuf_add(&o->b, data, length) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static int fail(struct pdf_doc *d, int rc)
{
    if (rc && !d->rc)
        d->rc = rc;
    return rc;
}

/* Maps a cairo error to our codes. The write callback's own flags are
 * checked first and regardless of cairo's status: cairo 1.16 drops a write
 * error raised while it finishes the surface (font subsets are written
 * then) and reports success for a truncated file. */
static int cairo_rc(struct pdf_doc *d)
{
    cairo_status_t st = cairo_status(d->cr);

    if (d->out.overflow)
        return fail(d, -EFBIG);
    if (dynbuf_failed(&d->out.b))
        return fail(d, -ENOMEM);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(d->surface);
    if (st == CAIRO_STATUS_SUCCESS)
        return 0;
    if (st == CAIRO_STATUS_NO_MEMORY)
        return fail(d, -ENOMEM);
    return fail(d, -EIO);
}

static int usable(const struct pdf_doc *d)
{
    if (!d)
        return -EINVAL;
    if (d->rc)
        return d->rc;
    return d->ended ? -EINVAL : 0;
}

static double text_width(const struct pdf_doc *d)
{
    return d->pw - d->ml - d->mr;
}

static double bottom(const struct pdf_doc *d)
{
    return d->ph - d->mb;
}

static double body_height(const struct pdf_doc *d)
{
    return bottom(d) - d->mt;
}

static int at_top(const struct pdf_doc *d)
{
    return d->y <= d->mt + EPS;
}

static double pt(int pango_units)
{
    return pango_units / (double)PANGO_SCALE;
}

static PangoAlignment pango_align(enum pdf_align a)
{
    switch (a) {
    case PDF_ALIGN_CENTER:
        return PANGO_ALIGN_CENTER;
    case PDF_ALIGN_RIGHT:
        return PANGO_ALIGN_RIGHT;
    default:
        return PANGO_ALIGN_LEFT;
    }
}

/* Builds a wrapped layout of `text` in `width` points. OUT: *out, unref with
 * g_object_unref(). */
static int make_layout(struct pdf_doc *d, const struct pdf_style *st,
                       const char *text, double width, PangoLayout **out)
{
    static const struct pdf_style plain;
    PangoLayout *lay = NULL;
    PangoFontDescription *fd = NULL;
    PangoAttrList *attrs = NULL;
    char *nfc = NULL, *up = NULL, *stripped = NULL;
    const char *s;
    double size;
    int rc = 0;

    *out = NULL;
    if (!st)
        st = &plain;
    if (!text)
        text = "";
    if (strnlen(text, PDF_MAX_TEXT + 1) > PDF_MAX_TEXT || !(width > 1)) {
        rc = -EINVAL;
        goto out;
    }
    if (!g_utf8_validate(text, -1, NULL)) {
        rc = -EINVAL;
        goto out;
    }
    /* Decomposed input (e.g. from macOS) would otherwise come back out of
     * the PDF decomposed; one form everywhere. */
    nfc = g_utf8_normalize(text, -1, G_NORMALIZE_NFC);
    if (!nfc) {
        rc = -EINVAL;
        goto out;
    }
    s = nfc;
    if ((st->flags & PDF_UPPER) && !(st->flags & PDF_MARKUP)) {
        up = g_utf8_strup(nfc, -1);
        s = up;
    }
    lay = pango_layout_new(d->pctx);
    if (!lay) {
        rc = -ENOMEM;
        goto out;
    }
    if (st->flags & PDF_MARKUP) {
        if (!pango_parse_markup(s, -1, 0, &attrs, &stripped, NULL, NULL)) {
            rc = -EINVAL;
            goto out;
        }
        pango_layout_set_text(lay, stripped, -1);
        pango_layout_set_attributes(lay, attrs);
    } else {
        pango_layout_set_text(lay, s, -1);
    }
    size = st->size > 0 ? st->size : d->size;
    fd = pango_font_description_new();
    pango_font_description_set_family(fd, d->family);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_font_description_set_weight(
        fd, (st->flags & PDF_BOLD) ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(
        fd, (st->flags & PDF_ITALIC) ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    pango_layout_set_font_description(lay, fd);
    pango_layout_set_width(lay, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(lay, pango_align(st->align));
    pango_layout_set_justify(lay, st->align == PDF_ALIGN_JUSTIFY);
    if (st->first_indent != 0)
        pango_layout_set_indent(lay, (int)(st->first_indent * PANGO_SCALE));
    if (st->tab > 0 && st->tab < width) {
        PangoTabArray *tabs = pango_tab_array_new_with_positions(
            1, FALSE, PANGO_TAB_LEFT, (int)(st->tab * PANGO_SCALE));
        pango_layout_set_tabs(lay, tabs);
        pango_tab_array_free(tabs);
    }
    if (st->line_spacing > 0)
        pango_layout_set_line_spacing(lay, (float)st->line_spacing);
    if (st->max_lines > 0) {
        /* A negative height counts lines; the ellipsis shows text was cut. */
        pango_layout_set_ellipsize(lay, PANGO_ELLIPSIZE_END);
        pango_layout_set_height(lay, -st->max_lines);
    }
    *out = lay;
    lay = NULL;
out:
    if (lay)
        g_object_unref(lay);
    if (fd)
        pango_font_description_free(fd);
    if (attrs)
        pango_attr_list_unref(attrs);
    g_free(stripped);
    g_free(up);
    g_free(nfc);
    return rc ? fail(d, rc) : 0;
}

static double layout_height(PangoLayout *lay)
{
    PangoRectangle log;

    pango_layout_get_extents(lay, NULL, &log);
    return pt(log.y + log.height);
}

/* Draws the lines of `lay` whose logical boxes lie between layout offsets
 * `from` and `from + avail`, with offset `from` placed at page position
 * (x, y). With force, the first line is drawn even if it does not fit (at
 * the top of a page there is nowhere better). Returns the number of lines
 * drawn; OUT: *next, the offset of the first line left, or -1 if none. */
static int draw_lines(cairo_t *cr, PangoLayout *lay, double x, double y,
                      double from, double avail, int force, double *next)
{
    PangoLayoutIter *it = pango_layout_get_iter(lay);
    int drawn = 0;

    *next = -1;
    do {
        PangoRectangle log;
        double top, bot, base;

        pango_layout_iter_get_line_extents(it, NULL, &log);
        top = pt(log.y);
        bot = pt(log.y + log.height);
        if (top < from - EPS)
            continue;
        if (bot - from > avail + EPS && !(force && !drawn)) {
            *next = top;
            break;
        }
        base = pt(pango_layout_iter_get_baseline(it));
        cairo_move_to(cr, x + pt(log.x), y + base - from);
        pango_cairo_show_layout_line(cr, pango_layout_iter_get_line_readonly(it));
        drawn++;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    return drawn;
}

static void draw_page_number(struct pdf_doc *d)
{
    PangoLayout *lay;
    struct pdf_style st = {.size = d->size - 1, .align = PDF_ALIGN_CENTER};
    char num[16];

    snprintf(num, sizeof num, "%d", d->page);
    if (make_layout(d, &st, num, text_width(d), &lay))
        return;
    cairo_move_to(d->cr, d->ml, (d->mt - layout_height(lay)) / 2);
    pango_cairo_show_layout(d->cr, lay);
    g_object_unref(lay);
}

int pdf_new_page(struct pdf_doc *d)
{
    int rc = usable(d);

    if (rc)
        return rc;
    cairo_show_page(d->cr);
    d->page++;
    d->y = d->mt;
    if (d->number_pages)
        draw_page_number(d);
    return cairo_rc(d);
}

int pdf_need(struct pdf_doc *d, double h)
{
    int rc = usable(d);

    if (rc)
        return rc;
    if (d->y + h > bottom(d) + EPS && !at_top(d))
        return pdf_new_page(d);
    return 0;
}

int pdf_space(struct pdf_doc *d, double h)
{
    int rc = usable(d);

    if (rc)
        return rc;
    if (h < 0)
        return fail(d, -EINVAL);
    d->y += h;
    if (d->y > bottom(d))
        d->y = bottom(d);
    return 0;
}

double pdf_text_width(const struct pdf_doc *d)
{
    return d ? text_width(d) : 0;
}

int pdf_begin(struct pdf_doc **out, const struct pdf_options *opt)
{
    static const struct pdf_options defaults;
    struct pdf_doc *d = NULL;
    cairo_font_options_t *fo = NULL;
    int rc = 0;

    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!opt)
        opt = &defaults;
    d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->family = g_strdup(opt->family ? opt->family : "Noto Serif");
    d->size = opt->size > 0 ? opt->size : 12;
    d->mt = opt->margin_top > 0 ? opt->margin_top : 20 * PDF_MM;
    d->mb = opt->margin_bottom > 0 ? opt->margin_bottom : 20 * PDF_MM;
    d->ml = opt->margin_left > 0 ? opt->margin_left : 30 * PDF_MM;
    d->mr = opt->margin_right > 0 ? opt->margin_right : 15 * PDF_MM;
    d->number_pages = opt->number_pages;
    d->pw = opt->landscape ? A4_H : A4_W;
    d->ph = opt->landscape ? A4_W : A4_H;
    d->page = 1;
    dynbuf_init(&d->out.b, opt->max_bytes && opt->max_bytes < PDF_MAX_BYTES ? opt->max_bytes
                                                                             : PDF_MAX_BYTES);
    d->y = d->mt;
    if (d->size > 200 || text_width(d) < 72 || body_height(d) < 72) {
        rc = -EINVAL;
        goto out;
    }
    d->surface = cairo_pdf_surface_create_for_stream(write_cb, &d->out, d->pw,
                                                     d->ph);
    d->cr = cairo_create(d->surface);
    if (cairo_status(d->cr) != CAIRO_STATUS_SUCCESS) {
        rc = -ENOMEM;
        goto out;
    }
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR,
                                   "motcua");
    if (opt->title && g_utf8_validate(opt->title, -1, NULL))
        cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE,
                                       opt->title);
    d->pctx = pango_cairo_create_context(d->cr);
    if (!d->pctx) {
        rc = -ENOMEM;
        goto out;
    }
    pango_cairo_context_set_resolution(d->pctx, 72);
    /* Unhinted metrics: the layout is the same at any zoom and in print. */
    fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(d->pctx, fo);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    *out = d;
    d = NULL;
out:
    if (fo)
        cairo_font_options_destroy(fo);
    pdf_free(d);
    return rc;
}

int pdf_text(struct pdf_doc *d, const struct pdf_style *st, const char *text)
{
    static const struct pdf_style plain;
    PangoLayout *lay = NULL;
    double from = 0, h, x, w;
    int rc = usable(d);

    if (rc)
        return rc;
    if (!st)
        st = &plain;
    if (st->indent < 0 || st->indent >= text_width(d) - 36)
        return fail(d, -EINVAL);
    x = d->ml + st->indent;
    w = text_width(d) - st->indent;
    rc = make_layout(d, st, text, w, &lay);
    if (rc)
        goto out;
    if (!at_top(d))
        pdf_space(d, st->space_before);
    h = layout_height(lay);
    for (;;) {
        double next;
        draw_lines(d->cr, lay, x, d->y, from, bottom(d) - d->y, at_top(d),
                   &next);
        if (next < 0) {
            d->y += h - from;
            break;
        }
        from = next;
        rc = pdf_new_page(d);
        if (rc)
            goto out;
    }
    pdf_space(d, st->space_after);
    rc = cairo_rc(d);
out:
    if (lay)
        g_object_unref(lay);
    return rc;
}

int pdf_textf(struct pdf_doc *d, const struct pdf_style *st, const char *fmt,
              ...)
{
    struct pdf_style ms = {0};
    va_list ap;
    char *s;
    int rc = usable(d);

    if (rc)
        return rc;
    if (!fmt)
        return fail(d, -EINVAL);
    if (st)
        ms = *st;
    ms.flags |= PDF_MARKUP;
    va_start(ap, fmt);
    s = g_markup_vprintf_escaped(fmt, ap);
    va_end(ap);
    if (!s)
        return fail(d, -ENOMEM);
    rc = pdf_text(d, &ms, s);
    g_free(s);
    return rc;
}

/* Height a column line takes, rule included. */
static double line_height(const struct pdf_line *ln, PangoLayout *lay)
{
    double h = lay ? layout_height(lay) : 0;

    if (lay && ln->rule > 0)
        h += RULE_W + 5;
    return h + ln->style.space_after;
}

static double column_height(const struct pdf_column *col, PangoLayout **lays)
{
    double h = 0;

    for (int i = 0; i < col->nlines; i++)
        h += line_height(&col->lines[i], lays[i]);
    return h;
}

/* A column taller than the page (user data such as a name of a hundred very
 * wide glyphs): texts that fit an equal share of the height left by the
 * gaps and rules keep it; the others share what remains, cut with an
 * ellipsis (pango keeps at least one line of each). Returns the new
 * height. */
static double squeeze_column(struct pdf_doc *d, const struct pdf_column *col,
                             PangoLayout **lays)
{
    double room = body_height(d), share, tall_room;
    int ntext = 0, ntall = 0, i;

    for (i = 0; i < col->nlines; i++) {
        room -= line_height(&col->lines[i], lays[i]);
        if (lays[i]) {
            room += layout_height(lays[i]);
            ntext++;
        }
    }
    if (ntext == 0 || room <= 0)
        return column_height(col, lays);
    share = room / ntext;
    tall_room = room;
    for (i = 0; i < col->nlines; i++) {
        if (!lays[i])
            continue;
        if (layout_height(lays[i]) > share)
            ntall++;
        else
            tall_room -= layout_height(lays[i]);
    }
    for (i = 0; ntall && i < col->nlines; i++) {
        if (lays[i] && layout_height(lays[i]) > share) {
            pango_layout_set_ellipsize(lays[i], PANGO_ELLIPSIZE_END);
            pango_layout_set_height(lays[i], (int)(tall_room / ntall * PANGO_SCALE));
        }
    }
    return column_height(col, lays);
}

static void draw_rule(cairo_t *cr, double x0, double x1, double y)
{
    cairo_save(cr);
    cairo_set_line_width(cr, RULE_W);
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
    cairo_restore(cr);
}

int pdf_columns(struct pdf_doc *d, const struct pdf_column *cols, int ncols)
{
    PangoLayout *lays[MAX_COLS][MAX_LINES] = {{0}};
    double hmax = 0, tw;
    int rc = usable(d), c, i;

    if (rc)
        return rc;
    if (!cols || ncols < 1 || ncols > MAX_COLS)
        return fail(d, -EINVAL);
    tw = text_width(d);
    for (c = 0; c < ncols; c++) {
        const struct pdf_column *col = &cols[c];
        double h;
        if (col->nlines < 0 || col->nlines > MAX_LINES ||
            (col->nlines && !col->lines) || col->x < 0 || col->width <= 0 ||
            col->x + col->width > 1 + EPS) {
            rc = fail(d, -EINVAL);
            goto out;
        }
        for (i = 0; i < col->nlines; i++) {
            const struct pdf_line *ln = &col->lines[i];
            if (ln->text) {
                rc = make_layout(d, &ln->style, ln->text, col->width * tw,
                                 &lays[c][i]);
                if (rc)
                    goto out;
            }
        }
        h = column_height(col, lays[c]);
        if (h > body_height(d) + EPS)
            h = squeeze_column(d, col, lays[c]);
        if (h > hmax)
            hmax = h;
    }
    if (hmax > body_height(d) + EPS) {
        rc = fail(d, -EMSGSIZE);
        goto out;
    }
    rc = pdf_need(d, hmax);
    if (rc)
        goto out;
    for (c = 0; c < ncols; c++) {
        const struct pdf_column *col = &cols[c];
        double x = d->ml + col->x * tw, y = d->y;
        for (i = 0; i < col->nlines; i++) {
            const struct pdf_line *ln = &col->lines[i];
            PangoLayout *lay = lays[c][i];
            if (lay) {
                cairo_move_to(d->cr, x, y);
                pango_cairo_show_layout(d->cr, lay);
                if (ln->rule > 0) {
                    PangoRectangle log;
                    double mid, half, ry;
                    pango_layout_get_extents(lay, NULL, &log);
                    mid = x + pt(log.x) + pt(log.width) / 2;
                    half = pt(log.width) * (ln->rule > 1 ? 1 : ln->rule) / 2;
                    ry = y + layout_height(lay) + 2.5;
                    draw_rule(d->cr, mid - half, mid + half, ry);
                }
            }
            y += line_height(ln, lay);
        }
    }
    d->y += hmax;
    if (d->y > bottom(d))
        d->y = bottom(d);
    rc = cairo_rc(d);
out:
    for (c = 0; c < MAX_COLS; c++)
        for (i = 0; i < MAX_LINES; i++)
            if (lays[c][i])
                g_object_unref(lays[c][i]);
    return rc;
}

static void stroke_box(cairo_t *cr, double x, double y, double w, double h)
{
    cairo_save(cr);
    cairo_set_line_width(cr, 0.5);
    cairo_rectangle(cr, x, y, w, h);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* What table_row() lays out: the cells of a data row, the header, or the
 * row of column numbers under the header. */
enum row_kind { ROW_CELLS, ROW_HEADER, ROW_NUMBERS };

/* Lays out one table row (the header from cols, else the texts of `cells`). OUT:
 * lays[ncols], *h the row height with padding. */
static int table_row(struct pdf_doc *d, const struct pdf_table_col *cols,
                     int ncols, enum row_kind kind, const char *const *cells,
                     PangoLayout **lays, double *h)
{
    double tw = text_width(d);
    int rc, c;

    *h = 0;
    for (c = 0; c < ncols; c++) {
        struct pdf_style st = {.align = cols[c].align};
        const char *text = kind == ROW_HEADER ? cols[c].header : cells[c];
        double ch;
        if (kind != ROW_CELLS) {
            st.flags = kind == ROW_HEADER ? PDF_BOLD : PDF_ITALIC;
            st.align = PDF_ALIGN_CENTER;
        }
        rc = make_layout(d, &st, text, cols[c].width * tw - 2 * CELL_PAD,
                         &lays[c]);
        if (rc)
            return rc;
        ch = layout_height(lays[c]) + 2 * CELL_PAD;
        if (ch > *h)
            *h = ch;
    }
    return 0;
}

static void free_row(PangoLayout **lays, int ncols)
{
    for (int c = 0; c < ncols; c++) {
        if (lays[c])
            g_object_unref(lays[c]);
        lays[c] = NULL;
    }
}

/* Draws a row that fits at the cursor, cells centred vertically. */
static void draw_row(struct pdf_doc *d, const struct pdf_table_col *cols,
                     int ncols, PangoLayout **lays, double h)
{
    double x = d->ml, tw = text_width(d);

    for (int c = 0; c < ncols; c++) {
        double w = cols[c].width * tw;
        double off = (h - layout_height(lays[c])) / 2;
        stroke_box(d->cr, x, d->y, w, h);
        cairo_move_to(d->cr, x + CELL_PAD, d->y + off);
        pango_cairo_show_layout(d->cr, lays[c]);
        x += w;
    }
    d->y += h;
}

/* The header, and the row of column numbers if there are numbers, kept on
 * one page with min_after points below them. */
static int draw_header(struct pdf_doc *d, const struct pdf_table_col *cols,
                       int ncols, const char *const *numbers, double min_after)
{
    PangoLayout *lays[MAX_COLS] = {0}, *nums[MAX_COLS] = {0};
    double h, nh = 0;
    int rc;

    rc = table_row(d, cols, ncols, ROW_HEADER, NULL, lays, &h);
    if (rc == 0 && numbers)
        rc = table_row(d, cols, ncols, ROW_NUMBERS, numbers, nums, &nh);
    if (rc)
        goto out;
    rc = pdf_need(d, h + nh + min_after);
    if (rc)
        goto out;
    draw_row(d, cols, ncols, lays, h);
    if (nh > 0)
        draw_row(d, cols, ncols, nums, nh);
out:
    free_row(lays, ncols);
    free_row(nums, ncols);
    return rc;
}

/* A row taller than what is left of the page: each cell's lines are drawn
 * as far as they fit, the rest continues on the next page. */
static int split_row(struct pdf_doc *d, const struct pdf_table_col *cols,
                     int ncols, const char *const *numbers, PangoLayout **lays)
{
    double from[MAX_COLS] = {0}, tw = text_width(d);
    int left = 1, rc = 0, c;

    while (left) {
        double avail = bottom(d) - d->y - 2 * CELL_PAD, part = 0, x = d->ml;
        double next[MAX_COLS];
        left = 0;
        for (c = 0; c < ncols; c++) {
            double used;
            next[c] = -1;
            if (from[c] >= 0) {
                draw_lines(d->cr, lays[c], x + CELL_PAD, d->y + CELL_PAD,
                           from[c], avail, 1, &next[c]);
                used = next[c] >= 0 ? next[c] - from[c]
                                    : layout_height(lays[c]) - from[c];
                if (used > part)
                    part = used;
            }
            x += cols[c].width * tw;
        }
        x = d->ml;
        for (c = 0; c < ncols; c++) {
            stroke_box(d->cr, x, d->y, cols[c].width * tw,
                       part + 2 * CELL_PAD);
            x += cols[c].width * tw;
            if (from[c] >= 0)
                from[c] = next[c];
            if (from[c] >= 0)
                left = 1;
        }
        d->y += part + 2 * CELL_PAD;
        if (left) {
            rc = pdf_new_page(d);
            if (rc)
                return rc;
            rc = draw_header(d, cols, ncols, numbers, 0);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int pdf_table(struct pdf_doc *d, const struct pdf_table_col *cols, int ncols,
              const char *const *cells, int nrows)
{
    return pdf_table_numbered(d, cols, ncols, NULL, cells, nrows);
}

int pdf_table_numbered(struct pdf_doc *d, const struct pdf_table_col *cols, int ncols,
                       const char *const *numbers, const char *const *cells, int nrows)
{
    PangoLayout *lays[MAX_COLS] = {0};
    double wsum = 0, line = 0;
    int rc = usable(d), r, c;

    if (rc)
        return rc;
    if (!cols || ncols < 1 || ncols > MAX_COLS || nrows < 0 ||
        (nrows && !cells))
        return fail(d, -EINVAL);
    for (c = 0; c < ncols; c++) {
        if (!(cols[c].width > 0) ||
            cols[c].width * text_width(d) < 2 * CELL_PAD + 12)
            return fail(d, -EINVAL);
        wsum += cols[c].width;
    }
    if (wsum > 1 + EPS)
        return fail(d, -EINVAL);
    line = d->size * 1.4 + 2 * CELL_PAD; /* keep the header with one row */
    rc = draw_header(d, cols, ncols, numbers, nrows ? line : 0);
    if (rc)
        goto out;
    for (r = 0; r < nrows; r++) {
        double h;
        rc = table_row(d, cols, ncols, ROW_CELLS, cells + (size_t)r * (size_t)ncols,
                       lays, &h);
        if (rc)
            goto out;
        if (d->y + h <= bottom(d) + EPS) {
            draw_row(d, cols, ncols, lays, h);
        } else if (h <= body_height(d) / 2) {
            rc = pdf_new_page(d);
            if (!rc)
                rc = draw_header(d, cols, ncols, numbers, h);
            if (rc)
                goto out;
            draw_row(d, cols, ncols, lays, h);
        } else {
            /* Tall row: start it here if a few lines fit, else on a new
             * page, and split it. */
            if (bottom(d) - d->y < 3 * line) {
                rc = pdf_new_page(d);
                if (!rc)
                    rc = draw_header(d, cols, ncols, numbers, 0);
                if (rc)
                    goto out;
            }
            rc = split_row(d, cols, ncols, numbers, lays);
            if (rc)
                goto out;
        }
        free_row(lays, ncols);
    }
    rc = cairo_rc(d);
out:
    free_row(lays, ncols);
    return rc;
}

int pdf_qr(struct pdf_doc *d, const char *text, double size,
           enum pdf_align where, const struct pdf_style *cap,
           const char *caption)
{
    PangoLayout *lay = NULL;
    double tw, gap = 8, capw, h, qx, cx, cy;
    int rc = usable(d);

    if (rc)
        return rc;
    tw = text_width(d);
    if (!(size >= 18) || size > tw || size > body_height(d) / 2)
        return fail(d, -EINVAL);
    capw = where == PDF_ALIGN_CENTER ? tw : tw - size - gap;
    if (caption) {
        struct pdf_style st = {0};
        if (cap)
            st = *cap;
        if (where == PDF_ALIGN_CENTER)
            st.align = PDF_ALIGN_CENTER;
        else if (where == PDF_ALIGN_RIGHT)
            st.align = PDF_ALIGN_RIGHT;
        if (capw < 36)
            return fail(d, -EINVAL);
        rc = make_layout(d, &st, caption, capw, &lay);
        if (rc)
            goto out;
    }
    h = size;
    if (lay) {
        double ch = layout_height(lay);
        if (where == PDF_ALIGN_CENTER)
            h += 2 + ch;
        else if (ch > h)
            h = ch;
    }
    if (h > body_height(d)) {
        rc = fail(d, -EMSGSIZE);
        goto out;
    }
    rc = pdf_need(d, h);
    if (rc)
        goto out;
    switch (where) {
    case PDF_ALIGN_CENTER:
        qx = d->ml + (tw - size) / 2;
        cx = d->ml;
        cy = d->y + size + 2;
        break;
    case PDF_ALIGN_RIGHT:
        qx = d->ml + tw - size;
        cx = d->ml;
        cy = d->y + (lay ? (h - layout_height(lay)) / 2 : 0);
        break;
    default:
        qx = d->ml;
        cx = d->ml + size + gap;
        cy = d->y + (lay ? (h - layout_height(lay)) / 2 : 0);
        break;
    }
    rc = qr_draw(d->cr, text, qx, d->y + (where == PDF_ALIGN_CENTER
                                              ? 0
                                              : (h - size) / 2),
                 size);
    if (rc) {
        fail(d, rc);
        goto out;
    }
    if (lay) {
        cairo_move_to(d->cr, cx, cy);
        pango_cairo_show_layout(d->cr, lay);
    }
    d->y += h;
    rc = cairo_rc(d);
out:
    if (lay)
        g_object_unref(lay);
    return rc;
}

int pdf_rule(struct pdf_doc *d, double x, double width)
{
    double tw, y;
    int rc = usable(d);

    if (rc)
        return rc;
    if (x < 0 || width <= 0 || x + width > 1 + EPS)
        return fail(d, -EINVAL);
    rc = pdf_need(d, RULE_W);
    if (rc)
        return rc;
    tw = text_width(d);
    y = d->y + RULE_W / 2;
    draw_rule(d->cr, d->ml + x * tw, d->ml + (x + width) * tw, y);
    d->y += RULE_W;
    return cairo_rc(d);
}

int pdf_end(struct pdf_doc *d, unsigned char **out, size_t *len)
{
    int rc;

    if (!d || !out || !len)
        return -EINVAL;
    *out = NULL;
    *len = 0;
    rc = usable(d);
    if (rc)
        return rc;
    cairo_surface_finish(d->surface);
    d->ended = 1;
    rc = cairo_rc(d);
    if (rc)
        return rc;
    if (dynbuf_len(&d->out.b) == 0)
        return fail(d, -EIO);
    *out = (unsigned char *)dynbuf_take(&d->out.b, len);
    return *out ? 0 : fail(d, -ENOMEM);
}

void pdf_free(struct pdf_doc *d)
{
    if (!d)
        return;
    if (d->pctx)
        g_object_unref(d->pctx);
    if (d->cr)
        cairo_destroy(d->cr);
    if (d->surface)
        cairo_surface_destroy(d->surface);
    dynbuf_free(&d->out.b);
    g_free(d->family);
    free(d);
}

int pdf_vn_time(int64_t t, int date_only, char *buf, size_t n)
{
    /* Vietnam has been UTC+7 without daylight saving since 1975. */
    const int64_t off = 7 * 3600, lim = (int64_t)1 << 40;
    struct tm tm;
    time_t tt;
    int w;

    if (!buf || n == 0)
        return -EINVAL;
    buf[0] = '\0';
    if (t < -lim || t > lim)
        return -EINVAL;
    tt = (time_t)(t + off);
    if (!gmtime_r(&tt, &tm))
        return -EINVAL;
    if (date_only)
        w = snprintf(buf, n, "ngày %02d tháng %02d năm %d", tm.tm_mday,
                     tm.tm_mon + 1, tm.tm_year + 1900);
    else
        w = snprintf(buf, n, "%02d giờ %02d phút, ngày %02d tháng %02d năm %d",
                     tm.tm_hour, tm.tm_min, tm.tm_mday, tm.tm_mon + 1,
                     tm.tm_year + 1900);
    if (w < 0 || (size_t)w >= n) {
        buf[0] = '\0';
        return -ENOSPC;
    }
    return 0;
}

int pdf_official_header(struct pdf_doc *d, double size, const char *parent, const char *agency,
                        const char *office, const char *number_line)
{
    if (size <= 0)
        size = 12;
    struct pdf_line left[4], right[2];
    const struct pdf_style up = {.size = size, .flags = PDF_UPPER, .align = PDF_ALIGN_CENTER};
    const struct pdf_style upb = {.size = size,
                                  .flags = PDF_UPPER | PDF_BOLD,
                                  .align = PDF_ALIGN_CENTER,
                                  .space_after = 6};
    const struct pdf_style plain = {.size = size, .align = PDF_ALIGN_CENTER};
    int n = 0;
    if (parent && *parent)
        left[n++] = (struct pdf_line){.text = parent, .style = up};
    if (office && *office) {
        left[n++] = (struct pdf_line){.text = agency, .style = up};
        left[n++] = (struct pdf_line){.text = office, .style = upb, .rule = 0.35};
    } else {
        left[n++] = (struct pdf_line){.text = agency, .style = upb, .rule = 0.35};
    }
    if (number_line && *number_line)
        left[n++] = (struct pdf_line){.text = number_line, .style = plain};
    right[0] = (struct pdf_line){
        .text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        .style = {.size = size, .flags = PDF_BOLD, .align = PDF_ALIGN_CENTER}};
    right[1] = (struct pdf_line){
        .text = "Độc lập - Tự do - Hạnh phúc",
        .style = {.size = size + 1, .flags = PDF_BOLD, .align = PDF_ALIGN_CENTER},
        .rule = 1.0};
    struct pdf_column cols[2] = {
        {.x = 0, .width = 0.46, .lines = left, .nlines = n},
        {.x = 0.46, .width = 0.54, .lines = right, .nlines = 2},
    };
    return pdf_columns(d, cols, 2);
}

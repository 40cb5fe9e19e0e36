/* pdf: a small flowing-layout helper on cairo + pango for the documents the
 * platform prints (receipts, result certificates, apology letters). A cursor
 * moves down an A4 page; text wraps and breaks onto new pages, tables repeat
 * their header, blocks that must stay together move to the next page whole.
 * The PDF is written into a bounded in-memory buffer. Not thread-safe per
 * document; separate documents may be built on separate threads. */
#ifndef MOTCUA_RENDER_PDF_H
#define MOTCUA_RENDER_PDF_H

#include <stddef.h>
#include <stdint.h>

#define PDF_MAX_BYTES ((size_t)20 << 20) /* output past this fails, -EFBIG */
#define PDF_MAX_TEXT 65536                /* bytes in one text item */
#define PDF_MM (72.0 / 25.4)              /* points per millimetre */

struct pdf_doc; /* opaque */

enum pdf_align {
    PDF_ALIGN_LEFT,
    PDF_ALIGN_CENTER,
    PDF_ALIGN_RIGHT,
    PDF_ALIGN_JUSTIFY, /* last line of a paragraph stays left-aligned */
};

/* Style flags. PDF_UPPER upper-cases plain text (Vietnamese-aware); it is
 * ignored with PDF_MARKUP, where the text is Pango markup (<b>, <i>, <span
 * size=...>) and user data must be escaped (pdf_textf does it). */
enum {
    PDF_BOLD = 1 << 0,
    PDF_ITALIC = 1 << 1,
    PDF_UPPER = 1 << 2,
    PDF_MARKUP = 1 << 3,
};

struct pdf_options {
    const char *family;   /* fontconfig family; NULL = "Noto Serif" */
    double size;          /* base font size, pt; 0 = 12 */
    double margin_top, margin_bottom, margin_left, margin_right; /* pt; 0 = the
                             Decree 30/2020 defaults: 20, 20, 30, 15 mm */
    int number_pages;     /* page number centred at the top from page 2 on */
    const char *title;    /* PDF metadata, may be NULL */
    size_t max_bytes;     /* output limit; 0 or more than PDF_MAX_BYTES =
                             PDF_MAX_BYTES */
    int landscape;        /* A4 turned: 297 x 210 mm (a register's wide table) */
};

struct pdf_style {
    double size;          /* pt; 0 = the document's base size */
    int flags;            /* PDF_BOLD | PDF_ITALIC | PDF_UPPER | PDF_MARKUP */
    enum pdf_align align;
    double indent;        /* left indent of the whole paragraph, pt */
    double first_indent;  /* extra indent of the first line, pt (may be < 0) */
    double space_before, space_after; /* pt */
    double line_spacing;  /* factor; 0 = the font's own (1.0) */
    double tab;           /* > 0: left tab stop for "\t", pt from the
                             paragraph's left edge; a tab past it wraps */
    int max_lines;        /* > 0: at most this many lines, the last one cut
                             with an ellipsis (for user data in fixed blocks) */
};

/* One line (or wrapped paragraph) of a column block. text NULL makes an
 * empty gap of `space_after` points (e.g. room for a signature). */
struct pdf_line {
    const char *text;
    struct pdf_style style; /* indent/first_indent/space_before ignored */
    double rule;            /* > 0: a rule under the text, this fraction of
                               the text's width, centred under it */
};

/* A column of a side-by-side block; x and width are fractions (0..1) of the
 * text width between the margins. */
struct pdf_column {
    double x, width;
    const struct pdf_line *lines;
    int nlines;
};

/* A table column: header text (bold, centred), width as a fraction of the
 * text width, alignment of its cells. */
struct pdf_table_col {
    const char *header;
    double width;
    enum pdf_align align;
};

/* Starts a document of A4 pages. opt may be NULL for the defaults.
 * OUT: *out, free with pdf_free(). Returns 0, -EINVAL, -ENOMEM or -EIO. */
int pdf_begin(struct pdf_doc **out, const struct pdf_options *opt);

/* Flows a paragraph at the cursor, wrapping at the margins and breaking onto
 * new pages between lines. Text is UTF-8 (normalised to NFC); invalid UTF-8
 * or bad markup gives -EINVAL. "\n" starts a new line. */
int pdf_text(struct pdf_doc *d, const struct pdf_style *st, const char *text);

/* Like pdf_text with PDF_MARKUP forced: fmt is Pango markup and every %s
 * argument is escaped, so user data can never inject markup. */
int pdf_textf(struct pdf_doc *d, const struct pdf_style *st, const char *fmt,
              ...) __attribute__((format(printf, 3, 4)));

/* Draws columns side by side (the two-column header of an official
 * document, the signature blocks) starting at the cursor, and moves the
 * cursor below the tallest. The block is kept on one page: a column that
 * would be taller than a whole page has its texts cut with an ellipsis to
 * share the page's height (a name of very wide glyphs must not stop the
 * document); -EMSGSIZE only if even one line of each does not fit. */
int pdf_columns(struct pdf_doc *d, const struct pdf_column *cols, int ncols);

/* Draws a bordered table at the cursor: a header row, then nrows rows of
 * ncols plain-text cells (cells[row * ncols + col], NULL = empty). Cells
 * wrap; a row that does not fit moves to the next page, where the header is
 * repeated; a row taller than a page is split between pages. */
int pdf_table(struct pdf_doc *d, const struct pdf_table_col *cols, int ncols,
              const char *const *cells, int nrows);

/* pdf_table with a row of column numbers under the header (numbers[col]:
 * "(1)", "(2)", ...; italic, centred; NULL = empty), repeated with the
 * header on every page, as the registers of Decree 30/2020 number their
 * columns. numbers NULL is pdf_table. */
int pdf_table_numbered(struct pdf_doc *d, const struct pdf_table_col *cols, int ncols,
                       const char *const *numbers, const char *const *cells, int nrows);

/* Draws a QR code of `text` (side `size` pt, quiet zone included) at the
 * cursor with a caption (may be NULL, style cap may be NULL): LEFT puts the
 * code at the left margin and the caption on its right, RIGHT the mirror,
 * CENTER the caption under the code. Kept on one page. */
int pdf_qr(struct pdf_doc *d, const char *text, double size,
           enum pdf_align where, const struct pdf_style *cap,
           const char *caption);

/* A horizontal rule at the cursor from x to x + width (fractions of the text
 * width), 0.6 pt thick; the cursor moves down by 0.6 pt. */
int pdf_rule(struct pdf_doc *d, double x, double width);

/* Moves the cursor down by pt points (never past the page end: at most to
 * the bottom margin; the next item then starts a new page). */
int pdf_space(struct pdf_doc *d, double pt);

/* Starts a new page unless pt points are left above the bottom margin. */
int pdf_need(struct pdf_doc *d, double pt);

/* Ends the page and starts a new one. */
int pdf_new_page(struct pdf_doc *d);

/* Width of the text area between the margins, pt. */
double pdf_text_width(const struct pdf_doc *d);

/* Finishes the document and hands over the PDF bytes. Any earlier error is
 * sticky and returned here. OUT: *out (malloc'd, caller frees) and *len.
 * Returns 0, -EFBIG past the output limit, -ENOMEM, -EIO, or the first error of
 * an earlier call. The document must still be freed with pdf_free(). */
int pdf_end(struct pdf_doc *d, unsigned char **out, size_t *len);

/* Formats Unix seconds as Vietnam time (UTC+7, no DST; no TZ lookup) the way
 * official forms print it: "08 giờ 05 phút, ngày 27 tháng 10 năm 2023", or
 * with date_only "ngày 27 tháng 10 năm 2023". OUT: buf (NUL-terminated).
 * Returns 0, -EINVAL for a time out of range, -ENOSPC if buf is too small
 * (64 bytes are always enough). */
int pdf_vn_time(int64_t t, int date_only, char *buf, size_t n);

/* The heading of an official document (Decree 30/2020 layout): on the left
 * the parent agency (may be NULL), the agency, and optionally the office
 * inside it (bold, underlined; may be NULL), then a line such as "Số: ..."
 * or "Mã hồ sơ: ..." (may be NULL); on the right the national name and
 * motto. size in pt (0: 12; the motto fits its column up to about 12). */
int pdf_official_header(struct pdf_doc *d, double size, const char *parent, const char *agency,
                        const char *office, const char *number_line);

/* Frees the document and everything it holds; NULL is a no-op. */
void pdf_free(struct pdf_doc *d);

#endif

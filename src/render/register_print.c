/* register_print: the outgoing and incoming registers of Decree 30/2020,
 * Appendix IV, as PDF, XLSX and CSV, and the rows read back from CSV (see
 * register_print.h). */
#include "render/register_print.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/dynbuf.h"
#include "render/pdf.h"

/* --- the columns of the two registers ------------------------------------------ */

enum field {
    F_NUMBER, F_DATE, F_SUMMARY, F_SIGNER, F_RECIPIENTS, F_FILE_COPY_TO, F_COPIES, F_SENT_ON,
    F_ARRIVAL_DATE, F_ARRIVAL_NUMBER, F_AUTHOR, F_HANDLER, F_SIGN, F_NOTE,
};

struct column {
    enum field f;
    const char *key;   /* the CSV field name: the member of struct regprint_row */
    const char *title; /* the appendix's column title */
    double width;      /* fraction of the PDF's text width */
    double chars;      /* XLSX column width, characters */
    enum pdf_align align;
};

/* Mẫu sổ đăng ký văn bản đi. */
static const struct column out_cols[] = {
    {F_NUMBER, "number", "Số, ký hiệu văn bản", 0.10, 14, PDF_ALIGN_LEFT},
    {F_DATE, "date", "Ngày tháng văn bản", 0.09, 12, PDF_ALIGN_CENTER},
    {F_SUMMARY, "summary", "Tên loại và trích yếu nội dung văn bản", 0.235, 48, PDF_ALIGN_LEFT},
    {F_SIGNER, "signer", "Người ký", 0.09, 18, PDF_ALIGN_LEFT},
    {F_RECIPIENTS, "recipients", "Nơi nhận văn bản", 0.115, 24, PDF_ALIGN_LEFT},
    {F_FILE_COPY_TO, "file_copy_to", "Đơn vị, người nhận bản lưu", 0.10, 20, PDF_ALIGN_LEFT},
    {F_COPIES, "copies", "Số lượng bản", 0.055, 9, PDF_ALIGN_CENTER},
    {F_SENT_ON, "sent_on", "Ngày chuyển", 0.09, 12, PDF_ALIGN_CENTER},
    {F_SIGN, "sign", "Ký nhận", 0.055, 12, PDF_ALIGN_CENTER},
    {F_NOTE, "note", "Ghi chú", 0.07, 14, PDF_ALIGN_LEFT},
};

/* Mẫu sổ đăng ký văn bản đến. */
static const struct column in_cols[] = {
    {F_ARRIVAL_DATE, "arrival_date", "Ngày đến", 0.09, 12, PDF_ALIGN_CENTER},
    {F_ARRIVAL_NUMBER, "arrival_number", "Số đến", 0.06, 9, PDF_ALIGN_CENTER},
    {F_AUTHOR, "author", "Tác giả", 0.125, 24, PDF_ALIGN_LEFT},
    {F_NUMBER, "number", "Số, ký hiệu", 0.10, 14, PDF_ALIGN_LEFT},
    {F_DATE, "date", "Ngày tháng văn bản", 0.09, 12, PDF_ALIGN_CENTER},
    {F_SUMMARY, "summary", "Tên loại và trích yếu nội dung", 0.27, 52, PDF_ALIGN_LEFT},
    {F_HANDLER, "handler", "Đơn vị hoặc người nhận", 0.12, 22, PDF_ALIGN_LEFT},
    {F_SIGN, "sign", "Ký nhận", 0.06, 12, PDF_ALIGN_CENTER},
    {F_NOTE, "note", "Ghi chú", 0.085, 14, PDF_ALIGN_LEFT},
};

#define OUT_NCOLS (sizeof out_cols / sizeof out_cols[0])
#define IN_NCOLS (sizeof in_cols / sizeof in_cols[0])
#define MAX_NCOLS 10
_Static_assert(OUT_NCOLS <= MAX_NCOLS && IN_NCOLS <= MAX_NCOLS, "MAX_NCOLS");

static const char *const out_keys[] = {"number",  "date",    "summary", "signer",
                                       "recipients", "file_copy_to", "copies",
                                       "sent_on", "sign",    "note"};
static const char *const in_keys[] = {"arrival_date", "arrival_number", "author",
                                      "number",       "date",           "summary",
                                      "handler",      "sign",           "note"};
_Static_assert(sizeof out_keys / sizeof out_keys[0] == OUT_NCOLS, "one key per column");
_Static_assert(sizeof in_keys / sizeof in_keys[0] == IN_NCOLS, "one key per column");

/* The appendix numbers its columns under their titles. */
static const char *const col_numbers[MAX_NCOLS] = {"(1)", "(2)", "(3)", "(4)", "(5)",
                                                   "(6)", "(7)", "(8)", "(9)", "(10)"};

static const struct column *columns(enum regprint_direction dir, size_t *n)
{
    *n = dir == REGPRINT_IN ? IN_NCOLS : OUT_NCOLS;
    return dir == REGPRINT_IN ? in_cols : out_cols;
}

size_t regprint_columns(enum regprint_direction dir, const char *const **names)
{
    *names = dir == REGPRINT_IN ? in_keys : out_keys;
    return dir == REGPRINT_IN ? IN_NCOLS : OUT_NCOLS;
}

static const char **slot(struct regprint_row *row, enum field f)
{
    switch (f) {
    case F_NUMBER: return &row->number;
    case F_DATE: return &row->date;
    case F_SUMMARY: return &row->summary;
    case F_SIGNER: return &row->signer;
    case F_RECIPIENTS: return &row->recipients;
    case F_FILE_COPY_TO: return &row->file_copy_to;
    case F_COPIES: return &row->copies;
    case F_SENT_ON: return &row->sent_on;
    case F_ARRIVAL_DATE: return &row->arrival_date;
    case F_ARRIVAL_NUMBER: return &row->arrival_number;
    case F_AUTHOR: return &row->author;
    case F_HANDLER: return &row->handler;
    case F_SIGN: return &row->sign;
    case F_NOTE: return &row->note;
    }
    return &row->note; /* not reached: every field is listed */
}

/* The cell's text, "" for none. */
static const char *cell(const struct regprint_row *row, enum field f)
{
    const char *s = *slot((struct regprint_row *)row, f);
    return s ? s : "";
}

static const char *title_of(enum regprint_direction dir)
{
    return dir == REGPRINT_IN ? "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" : "SỔ ĐĂNG KÝ VĂN BẢN ĐI";
}

/* --- checks -------------------------------------------------------------------- */

/* Text that every format can carry: bounded, valid UTF-8, and no control
 * characters but tab and line breaks (an XLSX cannot hold them, and they
 * print as nothing). Returns NULL or why not. */
static const char *bad_text(const char *s, size_t max)
{
    size_t n;

    if (!s)
        return NULL;
    n = strnlen(s, max + 1);
    if (n > max)
        return "quá dài";
    if (!g_utf8_validate(s, (gssize)n, NULL))
        return "không phải văn bản UTF-8 hợp lệ";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return "chứa ký tự điều khiển";
    }
    return NULL;
}

int regprint_check(const struct regprint_register *r, struct derr *err)
{
    const struct column *cols;
    size_t ncols;
    char msg[256];

    if (!r || (r->direction != REGPRINT_OUT && r->direction != REGPRINT_IN))
        return derr_set(err, DERR_INVALID, "bad_direction", "Sổ đăng ký phải là sổ văn bản đi "
                        "hoặc văn bản đến.", "direction");
    if (!r->unit_name || !*r->unit_name)
        return derr_set(err, DERR_INVALID, "unit_name_required",
                        "Thiếu tên cơ quan, tổ chức đăng ký văn bản.", "unit_name");
    const struct {
        const char *s, *what, *field;
    } names[] = {
        {r->parent_name, "Tên cơ quan cấp trên", "parent_name"},
        {r->unit_name, "Tên cơ quan, tổ chức", "unit_name"},
        {r->series, "Tên loại sổ", "series"},
        {r->volume, "Quyển số", "volume"},
        {r->from_date, "Từ ngày", "from_date"},
        {r->to_date, "Đến ngày", "to_date"},
        {r->from_number, "Từ số", "from_number"},
        {r->to_number, "Đến số", "to_number"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *why = bad_text(names[i].s, REGPRINT_MAX_NAME);
        if (!why && names[i].s && strpbrk(names[i].s, "\r\n\t"))
            why = "phải nằm trên một dòng";
        if (why) {
            snprintf(msg, sizeof msg, "%s %s.", names[i].what, why);
            return derr_set(err, DERR_INVALID, "bad_name", msg, names[i].field);
        }
    }
    if (r->year < 2000 || r->year > 2199)
        return derr_set(err, DERR_INVALID, "bad_year", "Năm của sổ phải từ 2000 đến 2199.",
                        "year");
    if (r->nrows > REGPRINT_MAX_ROWS) {
        snprintf(msg, sizeof msg, "Sổ có %zu văn bản, quá %d văn bản một lần in: hãy in theo "
                 "từng khoảng thời gian.", r->nrows, REGPRINT_MAX_ROWS);
        return derr_set(err, DERR_TOO_LARGE, "too_many_rows", msg, "rows");
    }
    if (r->nrows && !r->rows)
        return derr_set(err, DERR_INVALID, "no_rows", "Thiếu các dòng của sổ.", "rows");
    cols = columns(r->direction, &ncols);
    for (size_t i = 0; i < r->nrows; i++) {
        for (size_t c = 0; c < ncols; c++) {
            const char *why = bad_text(*slot((struct regprint_row *)&r->rows[i], cols[c].f),
                                       REGPRINT_MAX_CELL);
            if (why) {
                char where[64];
                snprintf(msg, sizeof msg, "Dòng %zu, cột \"%s\": nội dung %s.", i + 1,
                         cols[c].title, why);
                snprintf(where, sizeof where, "rows[%zu].%s", i, cols[c].key);
                return derr_set(err, DERR_INVALID, "bad_cell", msg, where);
            }
        }
    }
    return 0;
}

/* --- the cover's ranges --------------------------------------------------------- */

#define DOTS "…………"

/* The number of a document without its notation: "12" of "12/QĐ-UBND".
 * Returns a g_malloc'd string, or NULL for an empty one. */
static char *bare_number(const char *s)
{
    size_t n;

    if (!s || !*s)
        return NULL;
    n = strcspn(s, "/");
    while (n && (s[n - 1] == ' '))
        n--;
    return n ? g_strndup(s, n) : NULL;
}

struct ranges {
    char *from_date, *to_date, *from_number, *to_number; /* g_malloc'd or NULL */
};

static void ranges_of(const struct regprint_register *r, struct ranges *g)
{
    const struct regprint_row *first = r->nrows ? &r->rows[0] : NULL;
    const struct regprint_row *last = r->nrows ? &r->rows[r->nrows - 1] : NULL;
    enum field fd = r->direction == REGPRINT_IN ? F_ARRIVAL_DATE : F_DATE;

    memset(g, 0, sizeof *g);
    if (r->from_date && *r->from_date)
        g->from_date = g_strdup(r->from_date);
    else if (first && *cell(first, fd))
        g->from_date = g_strdup(cell(first, fd));
    if (r->to_date && *r->to_date)
        g->to_date = g_strdup(r->to_date);
    else if (last && *cell(last, fd))
        g->to_date = g_strdup(cell(last, fd));
    if (r->from_number && *r->from_number)
        g->from_number = g_strdup(r->from_number);
    else if (first)
        g->from_number = r->direction == REGPRINT_IN ? bare_number(first->arrival_number)
                                                     : bare_number(first->number);
    if (r->to_number && *r->to_number)
        g->to_number = g_strdup(r->to_number);
    else if (last)
        g->to_number = r->direction == REGPRINT_IN ? bare_number(last->arrival_number)
                                                   : bare_number(last->number);
}

static void ranges_free(struct ranges *g)
{
    g_free(g->from_date);
    g_free(g->to_date);
    g_free(g->from_number);
    g_free(g->to_number);
}

static const char *or_dots(const char *s)
{
    return s && *s ? s : DOTS;
}

/* --- PDF ------------------------------------------------------------------------ */

#define TABLE_SIZE 10.0 /* pt: ten columns on a landscape page */

static int cover(struct pdf_doc *d, const struct regprint_register *r)
{
    const struct pdf_style parent = {.size = 13, .flags = PDF_UPPER, .align = PDF_ALIGN_CENTER};
    const struct pdf_style unit = {.size = 13, .flags = PDF_UPPER | PDF_BOLD,
                                   .align = PDF_ALIGN_CENTER, .space_after = 4};
    const struct pdf_style title = {.size = 26, .flags = PDF_BOLD, .align = PDF_ALIGN_CENTER,
                                    .space_after = 10};
    const struct pdf_style series = {.size = 16, .flags = PDF_BOLD, .align = PDF_ALIGN_CENTER,
                                     .space_after = 6};
    const struct pdf_style year = {.size = 18, .flags = PDF_BOLD, .align = PDF_ALIGN_CENTER,
                                   .space_after = 30};
    const struct pdf_style line = {.size = 15, .align = PDF_ALIGN_CENTER, .space_after = 10};
    struct ranges g;
    int rc = 0;

    ranges_of(r, &g);
    if (r->parent_name && *r->parent_name)
        rc = pdf_text(d, &parent, r->parent_name);
    if (!rc)
        rc = pdf_text(d, &unit, r->unit_name);
    if (!rc)
        rc = pdf_rule(d, 0.42, 0.16);
    if (!rc)
        rc = pdf_space(d, 100);
    if (!rc)
        rc = pdf_text(d, &title, title_of(r->direction));
    if (!rc && r->series && *r->series)
        rc = pdf_textf(d, &series, "%s", r->series);
    if (!rc)
        rc = pdf_textf(d, &year, "Năm %d", r->year);
    if (!rc)
        rc = pdf_textf(d, &line, "Từ ngày %s đến ngày %s", or_dots(g.from_date),
                       or_dots(g.to_date));
    if (!rc)
        rc = pdf_textf(d, &line, "Từ số %s đến số %s", or_dots(g.from_number),
                       or_dots(g.to_number));
    if (!rc)
        rc = pdf_textf(d, &line, "Quyển số: %s", or_dots(r->volume));
    ranges_free(&g);
    return rc;
}

static int pdf_fail(int rc, struct derr *err)
{
    if (rc == -EFBIG)
        return derr_set(err, DERR_TOO_LARGE, "pdf_too_large",
                        "Sổ quá lớn để in thành một tệp PDF: hãy in theo từng khoảng thời gian "
                        "ngắn hơn.", "rows");
    return derr_set(err, DERR_INTERNAL, "pdf_failed", "Không tạo được tệp PDF của sổ.", "");
}

int regprint_pdf(const struct regprint_register *r, unsigned char **out, size_t *len,
                 struct derr *err)
{
    struct pdf_table_col tcols[MAX_NCOLS];
    const char **cells = NULL;
    struct pdf_doc *d = NULL;
    const struct column *cols;
    size_t ncols;
    char doc_title[400];
    int rc;

    *out = NULL;
    *len = 0;
    if (regprint_check(r, err))
        return -1;
    cols = columns(r->direction, &ncols);
    for (size_t c = 0; c < ncols; c++) {
        tcols[c] = (struct pdf_table_col){cols[c].title, cols[c].width, cols[c].align};
    }
    /* rows <= REGPRINT_MAX_ROWS: the product cannot overflow. */
    cells = calloc(r->nrows ? r->nrows * ncols : 1, sizeof *cells);
    if (!cells) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < r->nrows; i++)
        for (size_t c = 0; c < ncols; c++)
            cells[i * ncols + c] = cell(&r->rows[i], cols[c].f);
    snprintf(doc_title, sizeof doc_title, "Sổ đăng ký văn bản %s năm %d – %s",
             r->direction == REGPRINT_IN ? "đến" : "đi", r->year, r->unit_name);
    /* Landscape margins: the binding edge (left) wider, as in Decree 30. */
    rc = pdf_begin(&d, &(struct pdf_options){.size = TABLE_SIZE,
                                             .margin_top = 18 * PDF_MM,
                                             .margin_bottom = 15 * PDF_MM,
                                             .margin_left = 25 * PDF_MM,
                                             .margin_right = 12 * PDF_MM,
                                             .number_pages = 1,
                                             .title = doc_title,
                                             .landscape = 1});
    if (rc)
        goto out;
    rc = cover(d, r);
    if (!rc)
        rc = pdf_new_page(d);
    if (!rc)
        rc = pdf_table_numbered(d, tcols, (int)ncols, col_numbers, cells, (int)r->nrows);
    if (!rc)
        rc = pdf_end(d, out, len);
out:
    pdf_free(d);
    free(cells);
    if (rc) {
        free(*out);
        *out = NULL;
        *len = 0;
        return pdf_fail(rc, err);
    }
    return 0;
}

/* --- CSV ------------------------------------------------------------------------ */

/* Appends one field, quoted when it holds a comma, a quote or a line
 * break (RFC 4180), in NFC so that every program shows the same letters. */
static void csv_field(struct dynbuf *b, const char *s, int first)
{
    char *nfc = g_utf8_normalize(s, -1, G_NORMALIZE_NFC);
    const char *t = nfc ? nfc : s;

    if (!first)
        dynbuf_adds(b, ",");
    if (strpbrk(t, ",\"\r\n")) {
        dynbuf_adds(b, "\"");
        for (const char *q = t; *q; q++)
            dynbuf_add(b, *q == '"' ? "\"\"" : q, *q == '"' ? 2 : 1);
        dynbuf_adds(b, "\"");
    } else {
        dynbuf_adds(b, t);
    }
    g_free(nfc);
}

int regprint_csv(const struct regprint_register *r, char **out, size_t *len, struct derr *err)
{
    const struct column *cols;
    struct dynbuf b;
    size_t ncols;

    *out = NULL;
    *len = 0;
    if (regprint_check(r, err))
        return -1;
    cols = columns(r->direction, &ncols);
    /* Quoting at most doubles a cell: the rows fit well under this. */
    dynbuf_init(&b, (size_t)REGPRINT_MAX_ROWS * 2 * REGPRINT_MAX_CELL);
    dynbuf_adds(&b, "\xEF\xBB\xBF");
    for (size_t c = 0; c < ncols; c++)
        csv_field(&b, cols[c].title, c == 0);
    dynbuf_adds(&b, "\r\n");
    for (size_t i = 0; i < r->nrows; i++) {
        for (size_t c = 0; c < ncols; c++)
            csv_field(&b, cell(&r->rows[i], cols[c].f), c == 0);
        dynbuf_adds(&b, "\r\n");
    }
    if (dynbuf_failed(&b)) {
        dynbuf_free(&b);
        return derr_set(err, DERR_INTERNAL, "csv_failed", "Không đủ bộ nhớ để tạo tệp CSV.", "");
    }
    *out = dynbuf_take(&b, len);
    if (!*out)
        return derr_set(err, DERR_INTERNAL, "csv_failed", "Không đủ bộ nhớ để tạo tệp CSV.", "");
    return 0;
}

/* --- XLSX ----------------------------------------------------------------------- */

static lxw_format *xfmt(lxw_workbook *wb, int bold, double size, int border)
{
    lxw_format *f = workbook_add_format(wb);

    format_set_font_name(f, "Times New Roman");
    format_set_font_size(f, size);
    if (bold)
        format_set_bold(f);
    if (border)
        format_set_border(f, LXW_BORDER_THIN);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(f);
    return f;
}

/* Writes a cell's text in NFC, or a blank cell keeping the borders. */
static lxw_error put(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                     lxw_format *f)
{
    char *nfc;
    lxw_error e;

    if (!s || !*s)
        return worksheet_write_blank(ws, row, col, f);
    nfc = g_utf8_normalize(s, -1, G_NORMALIZE_NFC);
    if (!nfc)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    e = worksheet_write_string(ws, row, col, nfc, f);
    g_free(nfc);
    return e;
}

static int read_back(const char *path, unsigned char **out, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *data = NULL;
    long size;
    int rc = -EIO;

    if (!fp)
        return -EIO;
    if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) <= 0 || fseek(fp, 0, SEEK_SET) != 0)
        goto out;
    if ((size_t)size > REGPRINT_MAX_XLSX) {
        rc = -EFBIG;
        goto out;
    }
    data = malloc((size_t)size);
    if (!data) {
        rc = -ENOMEM;
        goto out;
    }
    if (fread(data, 1, (size_t)size, fp) != (size_t)size)
        goto out;
    *out = data;
    *len = (size_t)size;
    data = NULL;
    rc = 0;
out:
    free(data);
    fclose(fp);
    return rc;
}

/* s in capitals and NFC, as the PDF prints the names (g_free it), or NULL. */
static char *upper_nfc(const char *s)
{
    char *nfc = g_utf8_normalize(s, -1, G_NORMALIZE_NFC), *up = NULL;

    if (nfc) {
        up = g_utf8_strup(nfc, -1);
        g_free(nfc);
    }
    if (up) {
        nfc = g_utf8_normalize(up, -1, G_NORMALIZE_NFC);
        g_free(up);
        up = nfc;
    }
    return up;
}

/* Fills the sheet. Returns the first write error, LXW_NO_ERROR if none. */
static lxw_error fill_sheet(lxw_workbook *wb, lxw_worksheet *ws,
                            const struct regprint_register *r)
{
    const struct column *cols;
    size_t ncols;
    lxw_format *name = xfmt(wb, 0, 12, 0), *unit = xfmt(wb, 1, 12, 0);
    lxw_format *title = xfmt(wb, 1, 14, 0), *sub = xfmt(wb, 0, 12, 0);
    lxw_format *head = xfmt(wb, 1, 11, 1), *num = xfmt(wb, 0, 10, 1);
    lxw_format *text = xfmt(wb, 0, 11, 1), *center = xfmt(wb, 0, 11, 1);
    lxw_error e = LXW_NO_ERROR;
    struct ranges g;
    char line[1000];
    lxw_row_t row = 0;
    lxw_col_t last;

    cols = columns(r->direction, &ncols);
    last = (lxw_col_t)(ncols - 1);
    format_set_align(name, LXW_ALIGN_CENTER);
    format_set_align(unit, LXW_ALIGN_CENTER);
    format_set_align(title, LXW_ALIGN_CENTER);
    format_set_align(sub, LXW_ALIGN_CENTER);
    format_set_italic(sub);
    format_set_align(head, LXW_ALIGN_CENTER);
    format_set_bg_color(head, 0xDDEBF7);
    format_set_align(num, LXW_ALIGN_CENTER);
    format_set_italic(num);
    format_set_align(center, LXW_ALIGN_CENTER);
    for (size_t c = 0; c < ncols; c++)
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].chars, NULL);

    /* The title rows: the body, the register's name and year, its range. */
    if (r->parent_name && *r->parent_name) {
        char *up = upper_nfc(r->parent_name);
        worksheet_merge_range(ws, row, 0, row, 3, up ? up : r->parent_name, name);
        g_free(up);
        row++;
    }
    {
        char *up = upper_nfc(r->unit_name);
        worksheet_merge_range(ws, row, 0, row, 3, up ? up : r->unit_name, unit);
        g_free(up);
        row += 2;
    }
    if (r->series && *r->series)
        snprintf(line, sizeof line, "%s – %s – NĂM %d", title_of(r->direction), r->series,
                 r->year);
    else
        snprintf(line, sizeof line, "%s NĂM %d", title_of(r->direction), r->year);
    worksheet_merge_range(ws, row, 0, row, last, line, title);
    worksheet_set_row(ws, row, 22, NULL);
    row++;
    ranges_of(r, &g);
    snprintf(line, sizeof line, "Từ ngày %s đến ngày %s; từ số %s đến số %s%s%s",
             or_dots(g.from_date), or_dots(g.to_date), or_dots(g.from_number),
             or_dots(g.to_number), r->volume && *r->volume ? "; quyển số " : "",
             r->volume && *r->volume ? r->volume : "");
    ranges_free(&g);
    worksheet_merge_range(ws, row, 0, row, last, line, sub);
    row += 2;

    /* The header and the column numbers, repeated on every printed page. */
    lxw_row_t head_row = row;
    for (size_t c = 0; c < ncols && !e; c++)
        e = worksheet_write_string(ws, row, (lxw_col_t)c, cols[c].title, head);
    worksheet_set_row(ws, row, 45, NULL);
    row++;
    for (size_t c = 0; c < ncols && !e; c++)
        e = worksheet_write_string(ws, row, (lxw_col_t)c, col_numbers[c], num);
    row++;
    worksheet_freeze_panes(ws, row, 0);
    for (size_t i = 0; i < r->nrows && !e; i++, row++)
        for (size_t c = 0; c < ncols && !e; c++)
            e = put(ws, row, (lxw_col_t)c, cell(&r->rows[i], cols[c].f),
                    cols[c].align == PDF_ALIGN_CENTER ? center : text);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, head_row, head_row + 1);
    worksheet_set_margins(ws, 0.5, 0.4, 0.6, 0.6);
    worksheet_set_footer(ws, "&CTrang &P/&N");
    return e;
}

int regprint_xlsx(const struct regprint_register *r, unsigned char **out, size_t *len,
                  struct derr *err)
{
    const char *tmp = getenv("TMPDIR");
    char path[1024], doc_title[400], company[REGPRINT_MAX_NAME + 1], author[] = "motcua";
    lxw_workbook *wb;
    lxw_error e;
    int fd, rc;

    *out = NULL;
    *len = 0;
    if (regprint_check(r, err))
        return -1;
    if (!tmp || !*tmp || strlen(tmp) > 900)
        tmp = "/tmp";
    snprintf(path, sizeof path, "%s/motcua-register-XXXXXX", tmp);
    fd = mkstemp(path);
    if (fd < 0)
        return derr_set(err, DERR_INTERNAL, "xlsx_failed",
                        "Không tạo được tệp tạm để ghi bảng tính.", "");
    close(fd);
    wb = workbook_new(path);
    if (!wb) {
        unlink(path);
        return derr_set(err, DERR_INTERNAL, "xlsx_failed", "Không tạo được bảng tính.", "");
    }
    snprintf(doc_title, sizeof doc_title, "Sổ đăng ký văn bản %s năm %d",
             r->direction == REGPRINT_IN ? "đến" : "đi", r->year);
    snprintf(company, sizeof company, "%s", r->unit_name);
    lxw_doc_properties props = {.title = doc_title, .author = author, .company = company};
    workbook_set_properties(wb, &props);
    lxw_worksheet *ws =
        workbook_add_worksheet(wb, r->direction == REGPRINT_IN ? "Văn bản đến" : "Văn bản đi");
    e = ws ? fill_sheet(wb, ws, r) : LXW_ERROR_MEMORY_MALLOC_FAILED;
    /* workbook_close frees the workbook whatever happened. */
    if (workbook_close(wb) != LXW_NO_ERROR && !e)
        e = LXW_ERROR_CREATING_XLSX_FILE;
    rc = e ? -EIO : read_back(path, out, len);
    unlink(path);
    if (rc == -EFBIG)
        return derr_set(err, DERR_TOO_LARGE, "xlsx_too_large",
                        "Sổ quá lớn để ghi thành một bảng tính: hãy in theo từng khoảng thời "
                        "gian ngắn hơn.", "rows");
    if (rc)
        return derr_set(err, DERR_INTERNAL, "xlsx_failed", "Không ghi được bảng tính của sổ.",
                        "");
    return 0;
}

/* --- reading rows back from CSV -------------------------------------------------- */

void regprint_rows_free(struct regprint_rows *rows)
{
    if (!rows)
        return;
    free(rows->rows);
    free(rows->text);
    memset(rows, 0, sizeof *rows);
}

/* A cursor over the CSV text, parsed in place: fields are copied down to
 * `w` (never past the read position) and NUL-terminated there. */
struct reader {
    char *p, *end, *w;
    size_t line; /* 1-based, of the read position */
};

enum { REC_END, REC_MORE, REC_EOF }; /* what follows a field */

/* Reads one field. OUT: *field (in the buffer), *next. Returns 0, or -1
 * with err set. */
static int read_field(struct reader *rd, char **field, int *next, struct derr *err)
{
    char msg[256];
    char *start = rd->w;
    size_t line0 = rd->line;

    if (rd->p < rd->end && *rd->p == '"') {
        rd->p++;
        for (;;) {
            if (rd->p >= rd->end) {
                snprintf(msg, sizeof msg, "Dòng %zu: thiếu dấu \" đóng trường.", line0);
                return derr_set(err, DERR_INVALID, "bad_csv", msg, "rows");
            }
            if (*rd->p == '"') {
                if (rd->p + 1 < rd->end && rd->p[1] == '"') {
                    *rd->w++ = '"';
                    rd->p += 2;
                    continue;
                }
                rd->p++;
                break;
            }
            if (*rd->p == '\n')
                rd->line++;
            *rd->w++ = *rd->p++;
        }
    } else {
        while (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n' && *rd->p != '\r') {
            if (*rd->p == '"') {
                snprintf(msg, sizeof msg, "Dòng %zu: dấu \" giữa một trường không đặt trong "
                         "ngoặc kép.", rd->line);
                return derr_set(err, DERR_INVALID, "bad_csv", msg, "rows");
            }
            *rd->w++ = *rd->p++;
        }
    }
    if ((size_t)(rd->w - start) > REGPRINT_MAX_CELL) {
        snprintf(msg, sizeof msg, "Dòng %zu: một ô dài quá %d byte.", line0, REGPRINT_MAX_CELL);
        return derr_set(err, DERR_TOO_LARGE, "cell_too_long", msg, "rows");
    }
    if (rd->p >= rd->end) {
        *next = REC_EOF;
    } else if (*rd->p == ',') {
        rd->p++;
        *next = REC_MORE;
    } else if (*rd->p == '\n' || (*rd->p == '\r' && rd->p + 1 < rd->end && rd->p[1] == '\n')) {
        rd->p += *rd->p == '\r' ? 2 : 1;
        rd->line++;
        *next = REC_END;
    } else {
        snprintf(msg, sizeof msg, "Dòng %zu: sau dấu \" đóng trường phải là dấu phẩy hoặc "
                 "xuống dòng.", rd->line);
        return derr_set(err, DERR_INVALID, "bad_csv", msg, "rows");
    }
    /* The read position is past at least the field's delimiter or at the
     * end, where the buffer has its extra byte. */
    *rd->w++ = '\0';
    *field = start;
    return 0;
}

/* Reads one record into fields (at most max). OUT: *n fields, *eof.
 * Returns 0, or -1 with err set. */
static int read_record(struct reader *rd, char **fields, size_t max, size_t *n, int *eof,
                       struct derr *err)
{
    int next = REC_MORE;
    char msg[256];

    *n = 0;
    while (next == REC_MORE) {
        char *f;
        if (read_field(rd, &f, &next, err))
            return -1;
        if (*n >= max) {
            snprintf(msg, sizeof msg, "Dòng %zu: nhiều hơn %zu cột.",
                     rd->line - (next == REC_END), max);
            return derr_set(err, DERR_INVALID, "bad_csv", msg, "rows");
        }
        fields[(*n)++] = f;
    }
    *eof = next == REC_EOF || rd->p >= rd->end;
    return 0;
}

/* Which column a header names: its field name or its Vietnamese title (the
 * header regprint_csv writes), surrounding spaces ignored. */
static int header_column(const struct column *cols, size_t ncols, const char *name)
{
    size_t n = strlen(name);

    while (*name == ' ')
        name++, n--;
    while (n && name[n - 1] == ' ')
        n--;
    for (size_t c = 0; c < ncols; c++)
        if ((strlen(cols[c].key) == n && memcmp(cols[c].key, name, n) == 0) ||
            (strlen(cols[c].title) == n && memcmp(cols[c].title, name, n) == 0))
            return (int)c;
    return -1;
}

int regprint_rows_parse(enum regprint_direction dir, const char *text, size_t len,
                        struct regprint_rows *out, struct derr *err)
{
    const struct column *cols;
    size_t ncols, n, cap = 0;
    char *fields[MAX_NCOLS + 1], msg[256];
    int map[MAX_NCOLS], seen[MAX_NCOLS] = {0}, eof = 0;
    struct reader rd;

    memset(out, 0, sizeof *out);
    if (dir != REGPRINT_OUT && dir != REGPRINT_IN)
        return derr_set(err, DERR_INVALID, "bad_direction", "Sổ đăng ký phải là sổ văn bản đi "
                        "hoặc văn bản đến.", "direction");
    if (len > REGPRINT_MAX_CSV) {
        snprintf(msg, sizeof msg, "Tệp CSV lớn quá %zu MiB.", REGPRINT_MAX_CSV >> 20);
        return derr_set(err, DERR_TOO_LARGE, "csv_too_large", msg, "rows");
    }
    if (!text || !g_utf8_validate(text, (gssize)len, NULL))
        return derr_set(err, DERR_INVALID, "bad_csv",
                        "Tệp CSV không phải văn bản UTF-8 hợp lệ (hãy lưu tệp với mã UTF-8).",
                        "rows");
    cols = columns(dir, &ncols);
    out->text = malloc(len + 1);
    if (!out->text)
        goto nomem;
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    rd = (struct reader){.p = out->text, .end = out->text + len, .w = out->text, .line = 1};
    if (len >= 3 && memcmp(rd.p, "\xEF\xBB\xBF", 3) == 0)
        rd.p += 3;
    if (rd.p >= rd.end) {
        regprint_rows_free(out);
        return derr_set(err, DERR_INVALID, "bad_csv_header",
                        "Tệp CSV trống: dòng đầu phải là tên các cột.", "rows");
    }

    /* The header. */
    if (read_record(&rd, fields, MAX_NCOLS + 1, &n, &eof, err))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        int c = header_column(cols, ncols, fields[i]);
        if (c < 0) {
            snprintf(msg, sizeof msg, "Dòng tiêu đề: cột \"%.80s\" không có trong sổ đăng ký "
                     "văn bản %s.", fields[i], dir == REGPRINT_IN ? "đến" : "đi");
            derr_set(err, DERR_INVALID, "bad_csv_header", msg, "rows");
            goto fail;
        }
        if (seen[c]++) {
            snprintf(msg, sizeof msg, "Dòng tiêu đề: cột \"%s\" có hai lần.", cols[c].key);
            derr_set(err, DERR_INVALID, "bad_csv_header", msg, "rows");
            goto fail;
        }
        map[i] = c;
    }
    for (size_t c = 0; c < ncols; c++) {
        if (!seen[c]) {
            snprintf(msg, sizeof msg, "Dòng tiêu đề: thiếu cột \"%s\" (%s).", cols[c].key,
                     cols[c].title);
            derr_set(err, DERR_INVALID, "bad_csv_header", msg, "rows");
            goto fail;
        }
    }

    /* The rows; a blank line (one empty field) is skipped. */
    while (!eof) {
        size_t line = rd.line, got;
        struct regprint_row *row;
        if (read_record(&rd, fields, MAX_NCOLS + 1, &got, &eof, err))
            goto fail;
        if (got == 1 && fields[0][0] == '\0')
            continue;
        if (got != ncols) {
            snprintf(msg, sizeof msg, "Dòng %zu có %zu cột, cần %zu cột như dòng tiêu đề.",
                     line, got, ncols);
            derr_set(err, DERR_INVALID, "bad_csv", msg, "rows");
            goto fail;
        }
        if (out->nrows >= REGPRINT_MAX_ROWS) {
            snprintf(msg, sizeof msg, "Tệp CSV có hơn %d dòng: hãy in theo từng khoảng thời "
                     "gian.", REGPRINT_MAX_ROWS);
            derr_set(err, DERR_TOO_LARGE, "too_many_rows", msg, "rows");
            goto fail;
        }
        if (out->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct regprint_row *grown;
            if (ncap > REGPRINT_MAX_ROWS)
                ncap = REGPRINT_MAX_ROWS;
            grown = realloc(out->rows, ncap * sizeof *grown);
            if (!grown)
                goto nomem;
            out->rows = grown;
            cap = ncap;
        }
        row = &out->rows[out->nrows++];
        memset(row, 0, sizeof *row);
        for (size_t i = 0; i < got; i++)
            *slot(row, cols[map[i]].f) = fields[i];
    }
    return 0;
nomem:
    derr_set(err, DERR_INTERNAL, "no_memory", "Không đủ bộ nhớ để đọc tệp CSV.", "rows");
fail:
    regprint_rows_free(out);
    return -1;
}

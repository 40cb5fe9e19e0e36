/* register_print: the registers of official documents printed in the layout
 * of Decree 30/2020/NĐ-CP, Appendix IV: the outgoing register (sổ đăng ký văn
 * bản đi) and the incoming register (sổ đăng ký văn bản đến), as a PDF (A4
 * landscape: a cover page, then the table with its numbered column headers on
 * every page), an XLSX workbook and a CSV file. The module knows nothing of
 * the database: the caller hands it the rows, as text, in register order. */
#ifndef MOTCUA_RENDER_REGISTER_PRINT_H
#define MOTCUA_RENDER_REGISTER_PRINT_H

#include <stddef.h>

#include "base/derr.h"

#define REGPRINT_MAX_ROWS 100000          /* rows of one printout */
#define REGPRINT_MAX_CELL 4000            /* bytes of one cell (a summary) */
#define REGPRINT_MAX_NAME 300             /* bytes of a unit's or series' name */
#define REGPRINT_MAX_CSV ((size_t)64 << 20) /* bytes of a rows CSV read back */
#define REGPRINT_MAX_XLSX ((size_t)256 << 20) /* bytes of a workbook */

enum regprint_direction {
    REGPRINT_OUT, /* đi: documents the unit issues */
    REGPRINT_IN,  /* đến: documents the unit receives */
};

/* One entry of a register. Every field is UTF-8 text as it is to be printed
 * (dates "dd/mm/yyyy"), NULL or "" for an empty cell, at most
 * REGPRINT_MAX_CELL bytes. The outgoing register uses the fields marked out,
 * the incoming one those marked in; the others are ignored. The numbers in
 * brackets are the columns of the appendix. */
struct regprint_row {
    const char *number;         /* số, ký hiệu văn bản: "12/QĐ-UBND" (out 1, in 4) */
    const char *date;           /* ngày tháng văn bản (out 2, in 5) */
    const char *summary;        /* tên loại và trích yếu nội dung (out 3, in 6) */
    const char *signer;         /* người ký (out 4) */
    const char *recipients;     /* nơi nhận văn bản (out 5) */
    const char *file_copy_to;   /* đơn vị, người nhận bản lưu (out 6) */
    const char *copies;         /* số lượng bản (out 7) */
    const char *sent_on;        /* ngày chuyển (out 8) */
    const char *arrival_date;   /* ngày đến (in 1) */
    const char *arrival_number; /* số đến (in 2) */
    const char *author;         /* tác giả: the issuing body (in 3) */
    const char *handler;        /* đơn vị hoặc người nhận (in 7) */
    const char *sign;           /* ký nhận: left blank to sign on paper (out 9, in 8) */
    const char *note;           /* ghi chú (out 10, in 9) */
};

/* A register to print. Strings are borrowed for the call. */
struct regprint_register {
    enum regprint_direction direction;
    const char *parent_name; /* tên cơ quan, tổ chức cấp trên; NULL or "" for none */
    const char *unit_name;   /* tên cơ quan, tổ chức: required */
    int year;                /* 2000..2199 */
    const char *series;      /* the register's series ("Quyết định"); NULL = the
                                unit's general register */
    const char *volume;      /* quyển số; NULL = left to fill in by hand */
    /* The cover's "Từ ngày ... đến ngày ..." and "Từ số ... đến số ...";
     * NULL = the first and last row's (the date and the number before its
     * "/" out, the arrival date and number in), dots when there are none. */
    const char *from_date, *to_date, *from_number, *to_number;
    const struct regprint_row *rows;
    size_t nrows;            /* at most REGPRINT_MAX_ROWS */
};

/* Checks a register before printing: the names, the year, the direction,
 * every string bounded and valid UTF-8. Returns 0, or -1 with err set
 * (DERR_INVALID, or DERR_TOO_LARGE past REGPRINT_MAX_ROWS), the message in
 * Vietnamese naming the row (1-based) and column. */
int regprint_check(const struct regprint_register *r, struct derr *err);

/* The register as a PDF: A4 landscape; a cover page (the parent body and the
 * unit, "SỔ ĐĂNG KÝ VĂN BẢN ĐI|ĐẾN", the series, "Năm ...", the dates and
 * numbers it runs from and to, the volume), then the table, its header and
 * the row of column numbers (1), (2), ... repeated on every page, long texts
 * wrapped in their cell, page numbers at the top from page 2.
 * OUT: *out (malloc'd, caller frees) and *len. Returns 0, or -1 with err
 * set: the checks of regprint_check, DERR_TOO_LARGE when the file would pass
 * PDF_MAX_BYTES (print a shorter period), DERR_INTERNAL otherwise. */
int regprint_pdf(const struct regprint_register *r, unsigned char **out, size_t *len,
                 struct derr *err);

/* The register as an XLSX workbook of one sheet: a title row (the
 * register's name and year, the unit), the header and the column numbers,
 * one row per entry with wrapped text and set column widths, printing on A4
 * landscape with the header repeated. OUT, returns and errors as
 * regprint_pdf (DERR_TOO_LARGE past REGPRINT_MAX_XLSX). Writes a temporary
 * file under $TMPDIR (or /tmp) and removes it. */
int regprint_xlsx(const struct regprint_register *r, unsigned char **out, size_t *len,
                  struct derr *err);

/* The register as CSV (RFC 4180: CRLF, fields with a comma, quote or line
 * break quoted, quotes doubled), UTF-8 with a byte order mark so spreadsheet
 * programs read Vietnamese right, the header row the appendix's column
 * titles in Vietnamese. OUT, returns and errors as regprint_pdf. */
int regprint_csv(const struct regprint_register *r, char **out, size_t *len, struct derr *err);

/* Rows read from a CSV file (regprint_rows_parse). */
struct regprint_rows {
    struct regprint_row *rows; /* nrows entries, pointing into text */
    size_t nrows;
    char *text;                /* the fields' storage */
};

/* Reads the rows of a register of the given direction from CSV text (RFC
 * 4180; a byte order mark, CRLF or LF, line breaks inside quoted fields).
 * The header row names every column of the direction once, in any order,
 * either by the field names of struct regprint_row (number, date, summary,
 * ...) or by the Vietnamese titles regprint_csv writes, so a printed CSV
 * can be read back; no other column. At most REGPRINT_MAX_CSV bytes and
 * REGPRINT_MAX_ROWS rows. OUT: *out (free with regprint_rows_free). Returns
 * 0, or -1 with err set (DERR_INVALID naming the line and column,
 * DERR_TOO_LARGE). */
int regprint_rows_parse(enum regprint_direction dir, const char *text, size_t len,
                        struct regprint_rows *out, struct derr *err);

/* Frees what regprint_rows_parse allocated; the struct is left empty. */
void regprint_rows_free(struct regprint_rows *rows);

/* The CSV field names of the direction's columns, in the appendix's order.
 * OUT: *names (static). Returns their count. */
size_t regprint_columns(enum regprint_direction dir, const char *const **names);

#endif

/* export: a report as CSV (the table by unit, for spreadsheets and other
 * programs) and as an XLSX workbook laid out the way offices file reports
 * (libxlsxwriter): the heading, the summary of figures, the table by unit
 * with grouped Vietnamese headers, the series over time and the QĐ 766
 * indicators, with number formats for counts and percentages. */
#ifndef MOTCUA_EXPORT_H
#define MOTCUA_EXPORT_H

#include <stddef.h>

struct report;

#define REPORT_XLSX_MAX (32 * 1024 * 1024) /* bytes of a workbook read back */

/* CSV (UTF-8 with a byte order mark, CRLF lines, RFC 4180): a header row,
 * the unit's own row, one row per direct child, and the total. Rates are
 * percentages with two decimals, empty when there is nothing to measure.
 * OUT: *out (malloc'd, NUL-terminated, the caller frees), *len.
 * Returns 0 or -1 (out of memory). */
int report_csv(const struct report *r, char **out, size_t *len);

/* The XLSX workbook. Written to a temporary file under $TMPDIR (or /tmp),
 * read back and removed. OUT: *out (malloc'd, the caller frees), *len.
 * Returns 0 or -1. */
int report_xlsx(const struct report *r, unsigned char **out, size_t *len);

/* The file name a download should carry: "bao-cao-CODE-FROM-TO.EXT". */
void report_file_name(const struct report *r, const char *ext, char *buf, size_t cap);

#endif

/* csv: splits one line of RFC 4180 CSV (quoted fields, "" for a quote)
 * into fields, in place. */
#ifndef MOTCUA_CSV_H
#define MOTCUA_CSV_H

#include <stddef.h>

/* Splits line (modified in place) into at most max fields. Returns the
 * number of fields, or -1 on an unterminated quote or too many fields. */
int csv_split(char *line, char **fields, int max);

/* Iterates over lines of text: returns the next line (NUL-terminated, in a
 * copy the caller frees) and advances *pos; NULL at the end. Strips \r\n. */
char *csv_next_line(const char *text, size_t len, size_t *pos);

#endif

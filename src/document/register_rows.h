/* register_rows: a unit's register of documents (sổ đăng ký văn bản đi /
 * đến) read from the database as the rows render/register_print.h prints:
 * for "motcua document register" (docs/documents.md, "Printing the
 * registers"). Only reads: any connection will do. */
#ifndef MOTCUA_DOCUMENT_REGISTER_ROWS_H
#define MOTCUA_DOCUMENT_REGISTER_ROWS_H

#include "base/derr.h"
#include "render/register_print.h"

struct store;

/* A register ready to print: reg points into the strings this struct owns
 * (free with document_register_rows_free). */
struct document_register_rows {
    struct regprint_register reg;
    struct regprint_row *rows;
    size_t nrows;
    char **strings; /* every string the rows and reg point to */
    size_t nstrings, capstrings;
};

/* Reads the register of unit_code, year, direction ("out" or "in") and
 * series (the type's number series: "hanh_chinh" for the administrative
 * documents, a legal type's own code; NULL for the direction's default:
 * "hanh_chinh" out, the one incoming series INCOMING_SERIES in) in number
 * order, and fills out:
 * the unit's and its parent's names, the series' name (NULL for
 * hanh_chinh), one row per line, dates as dd/mm/yyyy.
 *   out: number = notation, date, summary = type name + trích yếu, signer,
 *        recipients (nơi nhận), file_copy_to = the drafting department,
 *        sent_on = the date when copies were delivered in the platform;
 *   in:  arrival_date and arrival_number (the register's date and number),
 *        author = the unit that issued it (the platform's sending unit),
 *        number = its notation, date = its issue date, summary, handler = the
 *        lead officer (or unit) the leader named;
 *   both: note = the document's marks (document/corrections.h).
 * A register without lines gives zero rows (the cover is still printed).
 * Returns 0, or -1 with err: DERR_NOT_FOUND "unit_not_found" for an
 * unknown unit, DERR_INVALID "series_unknown", DERR_TOO_LARGE past
 * REGPRINT_MAX_ROWS, DERR_INTERNAL on a store error. */
int document_register_rows(struct store *db, const char *unit_code, int year,
                           const char *direction, const char *series,
                           struct document_register_rows *out, struct derr *err);

/* Frees what document_register_rows allocated; out is left empty. */
void document_register_rows_free(struct document_register_rows *out);

#endif

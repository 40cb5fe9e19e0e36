/* series: the number series of a unit's own boards (Decree 30/2020 Art.
 * 15.2; docs/documents.md "Series"). A council, board or team that issues
 * in its own name with the unit's seal numbers its documents apart, from 01
 * each year, with its own abbreviation in the notation (05/QĐ-HĐTĐKT). The
 * unit's head (document.sign on the unit) sets a series up; a draft of an
 * administrative type may name one. The table is db/029_document_series.sql. */
#ifndef MOTCUA_DOCUMENT_SERIES_H
#define MOTCUA_DOCUMENT_SERIES_H

#include <jansson.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

#define SERIES_CODE_MAX 32   /* bytes of a series' code */
#define SERIES_NAME_MAX 200  /* characters of its name */
#define SERIES_ABBR_MAX 20   /* characters of its abbreviation */
#define SERIES_PER_UNIT 50

struct document_series {
    char code[SERIES_CODE_MAX + 1];
    char name[SERIES_NAME_MAX * 4 + 1];
    char abbreviation[SERIES_ABBR_MAX * 4 + 1];
};

/* The job of adding series code to unit_id: actor_id needs document.sign
 * on the unit (else 404 unit_not_found). code is 2..32 of [a-z0-9_] and
 * names no type's series, "hanh_chinh" or the incoming one (422
 * invalid_code); a second series of the same code is 409 series_exists;
 * name 1..200 characters (invalid_name); abbreviation 1..20 letters (with
 * Vietnamese ones) and digits (invalid_abbreviation); at most
 * SERIES_PER_UNIT a unit (409 too_many_series). Writes the audit entry. */
struct series_add {
    int64_t unit_id, actor_id;
    const char *code, *name, *abbreviation;
    int64_t now;
    struct derr err;
};
int series_add_job(struct store *db, void *arg);

/* Series code of unit_id into *out: STORE_ROW, STORE_DONE (none), or a
 * store error. */
int series_get(struct store *db, int64_t unit_id, const char *code, struct document_series *out);

/* [{code, name, abbreviation}] of unit_id by code; NULL on a store error. */
json_t *series_list_json(struct store *db, int64_t unit_id);

#endif

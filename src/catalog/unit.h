/* unit: the tree of agencies (đơn vị), of any depth, each with its
 * electronic identifier code (QĐ 20/2020/QĐ-TTg, e.g. 000.00.00.H56).
 * Every unit stores the path of ids from the root ("/1/5/"), so "this unit
 * and everything under it" is one prefix match. */
#ifndef MOTCUA_UNIT_H
#define MOTCUA_UNIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The short name a unit's document numbers carry (12/QĐ-UBND), in bytes. */
#define UNIT_ABBREVIATION_MAX 24

struct unit {
    int64_t id;
    char code[64];
    char name[256];
    char level[32];
    char parent_code[64];
    char path[512];
    char abbreviation[UNIT_ABBREVIATION_MAX + 1]; /* "UBND", "STC"; may be empty */
    char kind[32]; /* "so", "tram_y_te" (unit_kind_label); "" when not classified */
};

/* The Vietnamese label of a unit kind ("so" -> "Sở"), or NULL if kind is
 * not one motcua knows ("" is not a kind). The string is static. */
const char *unit_kind_label(const char *kind);

/* Every kind as [{kind, label}], in a fixed order. A new reference. */
json_t *unit_kinds_json(void);

/* Checks the QĐ 20/2020 shape: "DDD.DD.DD.XNN" (level-1 code a letter A–K
 * and two digits). Returns 1 if it looks right. */
int unit_code_valid(const char *code);

/* Imports units from CSV text with the header code,name,level,parent_code
 * [,demo_code[,abbreviation[,kind]]]. An abbreviation is letters and digits only
 * (Vietnamese letters too), at most UNIT_ABBREVIATION_MAX bytes; a kind is
 * one of unit_kind_label's. A line without one (or with it empty) keeps what
 * the unit had. Parents must come before children (or already exist).
 * Existing codes are updated. Runs inside the caller's transaction; on any
 * bad line returns -1 with "line N: why" in err (the caller rolls back). */
int unit_import_csv(struct store *db, const char *text, size_t len, int *imported, char *err,
                    size_t errlen);

/* Finds a unit by code. Returns STORE_ROW, STORE_DONE or an error. */
int unit_by_code(struct store *db, const char *code, struct unit *out);
int unit_by_id(struct store *db, int64_t id, struct unit *out);

/* {code, name, level, parent_code} */
json_t *unit_json(const struct unit *u);

/* unit_json with the unit's kind and its label (null when not classified),
 * for the catalog's unit routes. A new reference. */
json_t *unit_catalog_json(const struct unit *u);

/* The rows of st (columns code, name, level, and with with_id the unit's
 * id fourth) as [{code, name, level[, id]}]; st is stepped to its end and
 * done with. A new reference, or NULL on a store error. */
struct store_stmt;
json_t *unit_rows_json(struct store_stmt *st, int with_id);

/* The units on which the officer holds permission directly (each covers
 * its subtree), by path: [{code, name, level, id}]. A new reference (the caller
 * owns it), or NULL on a store error. */
json_t *unit_list_permitted_json(struct store *db, int64_t account_id, const char *permission);

/* What unit_list_json selects; NULL (or "") members do not filter. */
struct unit_filter {
    const char *level;     /* "commune" */
    const char *kind;      /* "tram_y_te" */
    const char *q;         /* words of the name, diacritics optional */
    const char *parent;    /* code of the parent: its direct children */
    const char *under;     /* code of a unit: it and every unit below it */
    const char *procedure; /* procedure code: the units that handle it */
};

/* Lists units matching every member of f, by level then name; paged. Each
 * filter but the name words uses an index, so a page costs the same at a
 * few hundred or a few thousand units. Returns {"items":[unit_catalog_json],
 * "total":N} (a new reference) or NULL on a store error. */
json_t *unit_list_json(struct store *db, const struct unit_filter *f, int limit, int offset);

#endif

/* procedure: administrative procedures (thủ tục hành chính): code, name,
 * field, online level, processing time, fee, cut-off hour, required
 * documents, the e-form schema, and the units that handle them. Loaded from
 * data/procedures.json (docs/eform.md describes the form schema). */
#ifndef MOTCUA_PROCEDURE_H
#define MOTCUA_PROCEDURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;

struct procedure {
    int64_t id;
    char code[64];
    char name[512];
    int time_amount;
    char time_unit[8];   /* "day" or "hour" */
    int cutoff;          /* minutes since midnight, -1 if none */
    int64_t fee;
    json_t *documents;   /* owned: [{key,name,originals,copies,required,online_form?}] */
    json_t *form;        /* owned: e-form schema */
    json_t *applicant;   /* owned: {"name":"field", "address":"field", ...} */
    json_t *result_template; /* owned: how the result document is drawn, or {} */
    char result_type[256];
};

/* Loads {"procedures":[...]} (the data/procedures.json shape), checking
 * every entry and its form schema; inserts or updates by code. Runs inside
 * the caller's transaction; on error returns -1 with the procedure's code
 * and the reason in err. */
int procedure_load_json(struct store *db, const char *text, size_t len, int *loaded, char *err,
                        size_t errlen);

/* Recomputes which units handle which procedure: the codes listed in
 * handling_units, else every unit whose level is handling_level. */
int procedure_attach_units(struct store *db);

/* Finds a procedure by code (with documents, form and applicant loaded).
 * Returns STORE_ROW, STORE_DONE or an error. Free with procedure_clear. */
int procedure_by_code(struct store *db, const char *code, struct procedure *out);
int procedure_by_id(struct store *db, int64_t id, struct procedure *out);

/* Only the id of the procedure with this code (nothing parsed): OUT *id.
 * Returns STORE_ROW, STORE_DONE or an error. */
int procedure_id_by_code(struct store *db, const char *code, int64_t *id);
void procedure_clear(struct procedure *p);

/* The procedure with this id from a per-thread cache of parsed procedures
 * whose form schemas have passed eform_check_schema (so callers may use
 * eform_validate_checked). The cache follows the catalog version that
 * procedure_load_json bumps. NULL if unknown or on error. Valid until the
 * next call on this thread; do not clear it. */
const struct procedure *procedure_cached(struct store *db, int64_t id);

/* Working minutes the procedure allows (8 hours per working day). */
int64_t procedure_working_minutes(const struct procedure *p);

/* Does the procedure list this document key? 1 or 0. */
int procedure_has_document(const struct procedure *p, const char *key);

/* Does unit_id handle procedure_id? 1 yes, 0 no, <0 error. */
int procedure_handled_by(struct store *db, int64_t procedure_id, int64_t unit_id);

/* JSON for the API: the summary (list) or everything (detail). NULL if the
 * code is unknown (*found = 0) or on error. */
json_t *procedure_detail_json(struct store *db, const char *code, int *found);
json_t *procedure_search_json(struct store *db, const char *q, const char *field, int limit,
                              int offset);
json_t *procedure_units_json(struct store *db, const char *code, int *found);

#endif

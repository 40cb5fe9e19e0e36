/* eform: e-form schemas (tờ khai điện tử: the form a citizen fills for a
 * procedure) and the validation of submitted data against them.
 * The schema format is described in docs/eform.md. */
#ifndef MOTCUA_EFORM_H
#define MOTCUA_EFORM_H

#include <jansson.h>
#include <stddef.h>

#define EFORM_ESCHEMA (-1) /* the schema is not a valid e-form schema */
#define EFORM_EINVAL (-2)  /* bad argument (NULL, today_ymd not a date) */

/* Bounds on schemas. */
#define EFORM_MAX_SECTIONS 50
#define EFORM_MAX_FIELDS 300     /* over all sections */
#define EFORM_MAX_OPTIONS 500    /* per select field */
#define EFORM_MAX_NAME 64        /* field names: [a-z0-9_]{1,64} */
#define EFORM_MAX_LABEL 300      /* characters in titles, labels, option labels */
#define EFORM_MAX_HELP 2000      /* characters in help and placeholder texts */
#define EFORM_MAX_LENGTH_CAP 20000 /* highest max_length a schema may set */
/* Default max_length when the schema sets none. */
#define EFORM_TEXT_MAX 500
#define EFORM_TEXTAREA_MAX 4000

/* Checks that schema is a well-formed e-form schema: known keys and types,
 * unique field names matching [a-z0-9_]{1,64}, constraints that fit the field
 * type, limits above. Returns 0, or EFORM_ESCHEMA with an English message for
 * the developer (naming the path, e.g. "sections[0].fields[2].type: ...")
 * written to err (if err and errlen > 0). */
int eform_check_schema(const json_t *schema, char *err, size_t errlen);

/* One validation error: field is the field name ("" for the whole form),
 * code a static English code ("required", "too_long", "bad_type", ...),
 * message a Vietnamese sentence for the user. */
struct eform_error {
    char field[EFORM_MAX_NAME + 1];
    const char *code;
    char message[256];
};

/* Validates data, a flat JSON object {name: value}, against schema.
 * partial = 1 when saving a draft: "required" is not enforced, everything
 * else is; partial = 0 when submitting. today_ymd is today's date as
 * YYYYMMDD (e.g. 20261127): it resolves "today" limits, and its year bounds
 * citizen numbers. Unknown fields and values of the wrong JSON type are
 * errors. Errors come in schema order, then unknown fields.
 * Stores at most max_errs errors in errs (errs may be NULL if max_errs is 0)
 * and returns the total number of errors found (0 = valid), which may be more
 * than max_errs. Returns EFORM_ESCHEMA if schema fails eform_check_schema,
 * EFORM_EINVAL on a bad argument. */
int eform_validate(const json_t *schema, const json_t *data, int partial,
                   int today_ymd, struct eform_error *errs /* OUT */,
                   int max_errs);

/* eform_validate for a schema that already passed eform_check_schema (e.g.
 * one held in the procedure cache): the same checks of the data, without
 * checking the schema again. */
int eform_validate_checked(const json_t *schema, const json_t *data, int partial,
                           int today_ymd, struct eform_error *errs, int max_errs);

#endif

/* forms: the server's own e-forms, shipped in data/forms/ (the walk-in
 * applicant as the desk records it, a citizen's registration), parsed and
 * checked once and then shared by every thread. Kept apart from eform.c,
 * which the fuzzer builds alone. */
#ifndef MOTCUA_FORMS_H
#define MOTCUA_FORMS_H

#include <jansson.h>

/* The schema at path (e.g. "data/forms/walkin.json"), parsed and checked by
 * eform_check_schema once per process, for eform_validate_checked.
 * Borrowed: it lives as long as the process; the caller must not change or
 * free it. NULL if the asset is missing or invalid (a build error: the unit
 * tests check every shipped form). Thread-safe. */
const json_t *forms_schema(const char *path);

#endif

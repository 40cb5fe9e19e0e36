/* derr: why a domain operation refused, independent of HTTP. The HTTP layer
 * maps the kind to a status (not_found 404, state 409, invalid 422, taken
 * 409, too_large 413, forbidden 403, internal 500). Messages are Vietnamese, for people. */
#ifndef MOTCUA_DERR_H
#define MOTCUA_DERR_H

#include <jansson.h>
#include <stdio.h>

enum derr_kind { DERR_NONE, DERR_NOT_FOUND, DERR_STATE, DERR_INVALID, DERR_TAKEN,
                 DERR_TOO_LARGE, DERR_FORBIDDEN, DERR_INTERNAL };

struct derr {
    enum derr_kind kind;
    const char *code;  /* snake_case, e.g. "not_a_draft" */
    char message[256];
    char field[128];   /* the field or document at fault, or "" */
    json_t *fields;    /* owned: [{field, code, message}] for form errors, or NULL */
};

/* Sets kind, code, message and field; returns -1 so callers can
 * `return derr_set(...)`. */
static inline int derr_set(struct derr *e, enum derr_kind kind, const char *code,
                           const char *message, const char *field)
{
    e->kind = kind;
    e->code = code;
    snprintf(e->message, sizeof e->message, "%s", message);
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    return -1;
}

static inline void derr_clear(struct derr *e)
{
    json_decref(e->fields);
    e->fields = NULL;
    e->kind = DERR_NONE;
}

#endif

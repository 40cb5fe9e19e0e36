/* audit: the append-only, hash-chained log of every change of state. Each
 * entry's hash covers the previous entry's hash and the entry's own fields,
 * so editing or deleting any entry breaks the chain from there on. Entries
 * are appended by the same write job (same transaction) as the change. */
#ifndef MOTCUA_AUDIT_H
#define MOTCUA_AUDIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;

struct audit_entry {
    int64_t actor_id;        /* account id, 0 for the system */
    const char *action;      /* e.g. "dossier.submit" */
    const char *object_type; /* e.g. "dossier" */
    const char *object_id;   /* e.g. the dossier code or id */
    const char *detail;      /* compact JSON object, or NULL for "{}" */
};

/* Appends one entry inside the caller's transaction. Returns 0 or a store error. */
int audit_append(struct store *db, const struct audit_entry *e);

/* audit_append for an object known by its numeric id (a dossier, an
 * account, a payment, ...): object_id is written in decimal. detail is
 * compact JSON or NULL. */
int audit_object(struct store *db, int64_t actor_id, const char *action, const char *object_type,
                 int64_t object_id, const char *detail);

/* The same with the detail as a JSON object, written compact with sorted
 * keys. Steals detail (NULL: out of memory, which fails). */
int audit_object_json(struct store *db, int64_t actor_id, const char *action,
                      const char *object_type, int64_t object_id, json_t *detail);

/* Checks the whole chain. Returns 0 when intact (count in *checked), 1 when
 * broken with the first bad entry's id in *bad_id and a reason in why, or a
 * negative store error. */
int audit_verify(struct store *db, int64_t *checked, int64_t *bad_id, char *why, size_t whylen);

#endif

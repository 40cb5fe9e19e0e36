/* lookup_cache: the public lookup answer (GET /api/v1/lookup/{code}) kept in
 * memory by dossier code, because that page is what everybody refreshes.
 *
 * Correctness: a change to a dossier invalidates its code twice: inside the
 * write job (before commit) and again after the batch commits. Both come
 * from lookup_cache_listener, registered with the change hub
 * (dossier/changes.h), so write jobs only announce their changes. A reader notes the generation before it reads the
 * database and only stores its answer if no invalidation happened since, so
 * an answer read before a commit is never kept after it. Entries also
 * expire after a short time, which bounds staleness when several servers
 * share one database. Thread-safe. */
#ifndef MOTCUA_LOOKUP_CACHE_H
#define MOTCUA_LOOKUP_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define LOOKUP_CACHE_TTL_USEC (2 * 1000000)

/* Copies the cached answer for code into out (up to cap bytes); returns its
 * length, or -1 on a miss (or if it does not fit). */
int lookup_cache_get(const char *code, char *out, size_t cap);

/* The generation to pass to lookup_cache_put: read it BEFORE reading the
 * database. */
uint64_t lookup_cache_generation(void);

/* Stores an answer read at generation gen, unless something was
 * invalidated since. */
void lookup_cache_put(const char *code, const char *json, size_t len, uint64_t gen);

/* Drops code's answer now and again after the current batch commits (the
 * listener calls it for every announced change). */
void lookup_cache_invalidate(const char *code);

/* Applies the invalidations of the batch: the listener's after-commit hook. */
void lookup_cache_after_commit(void);

/* The dossier-change listener (dossier/changes.h): invalidates the changed
 * dossier's code inside the job and again after the batch commits. */
struct dossier_listener;
extern const struct dossier_listener lookup_cache_listener;

#endif

/* jsonload: reading the reference data files (the JSON files in data/) that hold one
 * list under a key, {"KEY": [...]}, with the same checks and messages for
 * every loader (workflows, roles, procedures). */
#ifndef MOTCUA_JSONLOAD_H
#define MOTCUA_JSONLOAD_H

#include <jansson.h>
#include <stddef.h>

/* Parses text (duplicate keys refused) and finds the array under key in its
 * top-level object, of at most max entries. Returns the document (the
 * caller frees it with json_decref) with *list borrowed from it, or NULL
 * with "line N: why" or "expected {"key": [...]} ..." in err. */
json_t *jsonload_list(const char *text, size_t len, const char *key, size_t max, json_t **list,
                      char *err, size_t errlen);

#endif

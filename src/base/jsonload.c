/* jsonload: {"KEY": [...]} reference data. */
#include "base/jsonload.h"

#include <stdio.h>

json_t *jsonload_list(const char *text, size_t len, const char *key, size_t max, json_t **list,
                      char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "line %d: %s", jerr.line, jerr.text);
        return NULL;
    }
    *list = json_object_get(root, key);
    if (!json_is_array(*list) || json_array_size(*list) > max) {
        snprintf(err, errlen, "expected {\"%s\": [...]} with at most %zu entries", key, max);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* forms: schemas from data/forms/, parsed once. */
#include "catalog/forms.h"

#include <pthread.h>
#include <string.h>

#include "base/assets.h"
#include "catalog/eform.h"

/* Parsed once and kept: a few small forms, never freed. */
#define ASSET_SCHEMAS_MAX 8
static struct {
    const char *path; /* the asset's own path string */
    json_t *schema;
} asset_schemas[ASSET_SCHEMAS_MAX];
static pthread_mutex_t asset_schemas_lock = PTHREAD_MUTEX_INITIALIZER;

const json_t *forms_schema(const char *path)
{
    json_t *found = NULL;
    pthread_mutex_lock(&asset_schemas_lock);
    int i;
    for (i = 0; i < ASSET_SCHEMAS_MAX && asset_schemas[i].path; i++) {
        if (strcmp(asset_schemas[i].path, path) == 0) {
            found = asset_schemas[i].schema;
            goto out;
        }
    }
    const struct asset *a = asset_find(path);
    if (i == ASSET_SCHEMAS_MAX || !a)
        goto out;
    json_t *s = json_loadb((const char *)a->data, a->len, JSON_REJECT_DUPLICATES, NULL);
    if (!s || eform_check_schema(s, NULL, 0) != 0) {
        json_decref(s);
        goto out;
    }
    asset_schemas[i].path = a->path;
    asset_schemas[i].schema = found = s;
out:
    pthread_mutex_unlock(&asset_schemas_lock);
    return found;
}

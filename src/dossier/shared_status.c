/* shared_status: the data-sharing service "dossier-status" a node offers
 * other nodes (docs/exchange.md "Data-sharing services"): the public lookup
 * of a one-stop dossier by its code, only for a dossier received by the
 * provider unit or a unit below it. */
#include "dossier/shared_status.h"

#include <string.h>

#include "catalog/unit.h"
#include "dossier/dossier.h"
#include "store/store.h"

/* Is unit code `code` provider or a unit below it? 1, 0, or -1 on a store
 * error. Paths of ids ("/1/5/") make "below" a prefix. */
static int unit_within(struct store *db, const char *code, const char *provider)
{
    struct unit u, p;
    int r = unit_by_code(db, code, &u);
    if (r == STORE_DONE)
        return 0;
    if (r != STORE_ROW || unit_by_code(db, provider, &p) != STORE_ROW)
        return -1;
    return strncmp(u.path, p.path, strlen(p.path)) == 0;
}

/* dossier-status: the public lookup of a one-stop dossier (status,
 * history, appointment, unit; no personal data), only for a dossier
 * received by the provider or a unit below it. params: {code}. */
static int run_dossier_status(struct store *db, json_t *params, const char *provider,
                              const char *consumer, json_t **result, struct derr *err)
{
    (void)consumer;
    json_t *code = json_object_get(params, "code");
    if (!json_is_string(code) || json_string_length(code) == 0 ||
        json_string_length(code) > 64)
        return derr_set(err, DERR_INVALID, "bad_params",
                        "Cần mã hồ sơ (params.code) để tra cứu tình trạng.", "params.code");
    json_t *o = dossier_lookup_json(db, json_string_value(code));
    const char *unit = o ? json_string_value(json_object_get(json_object_get(o, "unit"), "code"))
                         : NULL;
    int within = unit ? unit_within(db, unit, provider) : 0;
    if (within < 0) {
        json_decref(o);
        return derr_set(err, DERR_INTERNAL, "internal", "Không đọc được hồ sơ.", NULL);
    }
    if (!within) {
        /* Another unit's dossier is as unknown as no dossier: a consumer
         * learns nothing about what this provider does not hold. */
        json_decref(o);
        return derr_set(err, DERR_NOT_FOUND, "not_found",
                        "Đơn vị cung cấp không có hồ sơ với mã này.", "params.code");
    }
    *result = o;
    return 0;
}

const struct sharing_service dossier_status_service = {
    "dossier-status", "Tình trạng giải quyết hồ sơ thủ tục hành chính (theo mã hồ sơ)",
    run_dossier_status};

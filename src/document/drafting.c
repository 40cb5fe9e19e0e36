/* drafting: see drafting.h. */
#include "document/drafting.h"

#include "auth/permission.h"
#include "document/document.h"
#include "document/series.h"
#include "store/store.h"

/* The officials who may sign for unit_id: [{id, name, title}], or NULL. */
static json_t *signers_json(struct store *db, int64_t unit_id)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT a.id, a.full_name, min(coalesce(r.title, '')) FROM accounts a"
                          " JOIN staff_roles sr ON sr.account_id = a.id"
                          " JOIN role_permissions rp ON rp.role = sr.role"
                          "  AND rp.permission = '" DOCUMENT_PERM_SIGN "'"
                          " JOIN roles r ON r.name = sr.role"
                          " JOIN units su ON su.id = sr.unit_id JOIN units du ON du.id = ?1"
                          " WHERE a.disabled = 0 AND" PERMISSION_SUBTREE("su", "du")
                          " GROUP BY a.id ORDER BY a.full_name LIMIT 100",
                          &st, BIND_INT(unit_id)))
        return NULL;
    json_t *list = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(list, json_pack("{s:I, s:s, s:s}", "id",
                                              (json_int_t)store_col_int(st, 0), "name",
                                              store_col_text(st, 1), "title",
                                              store_col_text(st, 2)));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

json_t *document_drafting_json(struct store *db, int64_t account_id)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT DISTINCT u.id, u.code, u.name, u.abbreviation FROM units u"
                          " JOIN " PERMISSION_GRANTS("'" DOCUMENT_PERM_DRAFT "'")
                          " g ON g.unit_id = u.id WHERE g.account_id = ?1 ORDER BY u.name LIMIT ?2",
                          &st, BIND_INT(account_id), BIND_INT(DRAFTING_MAX_UNITS)))
        return NULL;
    json_t *units = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(units, json_pack("{s:I, s:s, s:s, s:s}", "id",
                                               (json_int_t)store_col_int(st, 0), "code",
                                               store_col_text(st, 1), "name",
                                               store_col_text(st, 2), "abbreviation",
                                               store_col_text(st, 3)));
    store_done(st);
    /* The signers after the units' statement is done with. */
    for (size_t i = 0; rc == STORE_DONE && i < json_array_size(units); i++) {
        json_t *u = json_array_get(units, i);
        int64_t id = json_integer_value(json_object_get(u, "id"));
        json_t *signers = signers_json(db, id), *series = series_list_json(db, id);
        if (!signers || !series) {
            json_decref(signers);
            json_decref(series);
            rc = STORE_ERR;
        } else {
            json_object_set_new(u, "signers", signers);
            json_object_set_new(u, "series", series);
        }
    }
    if (rc != STORE_DONE) {
        json_decref(units);
        return NULL;
    }
    return json_pack("{s:o}", "units", units);
}

/* permission: the role/permission join and the unit-subtree rule. */
#include "auth/permission.h"

#include "store/store.h"

int permission_can(struct store *db, int64_t account_id, const char *permission, int64_t unit_id)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT 1 FROM " PERMISSION_GRANTS("?1") " g"
                               " JOIN units su ON su.id = g.unit_id JOIN units du ON du.id = ?2"
                               " WHERE g.account_id = ?3 AND" PERMISSION_SUBTREE("su", "du") " LIMIT 1",
                               &st, BIND_TEXT(permission), BIND_INT(unit_id), BIND_INT(account_id));
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    return rc == STORE_ROW ? 1 : (rc == STORE_DONE ? 0 : rc);
}

int permission_sees(struct store *db, int64_t account_id, int64_t unit_id,
                    int64_t current_unit_id)
{
    int rc = permission_can(db, account_id, "dossier.read", current_unit_id);
    if (rc == 0 && current_unit_id != unit_id)
        rc = permission_can(db, account_id, "dossier.read", unit_id);
    return rc;
}

json_t *permission_holders_json(struct store *db, const char *permission, int64_t unit_id)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT DISTINCT a.login, a.full_name FROM accounts a"
                          " JOIN " PERMISSION_GRANTS("?2") " g ON g.account_id = a.id"
                          " JOIN units su ON su.id = g.unit_id JOIN units du ON du.id = ?1"
                          " WHERE a.disabled = 0 AND" PERMISSION_SUBTREE("su", "du") " ORDER BY a.full_name",
                          &st, BIND_INT(unit_id), BIND_TEXT(permission)))
        return NULL;
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(items, json_pack("{s:s, s:s}", "login", store_col_text(st, 0),
                                               "full_name", store_col_text(st, 1)));
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return items;
}

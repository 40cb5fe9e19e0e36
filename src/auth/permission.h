/* permission: what an officer may do where. Roles are data (data/roles.json
 * -> roles, role_permissions); an officer holds a role on a unit
 * (staff_roles) and through it on every unit below it: units keep their
 * path of ids ("/1/5/23/"), so "the unit or one above it" is a prefix match
 * of paths. This file owns that rule: the one join of staff_roles with
 * role_permissions, and the subtree match. Other modules ask through the
 * functions below, or embed PERMISSION_SCOPE in a statement of their own
 * when the check must run inside a larger query (officers' lists). */
#ifndef MOTCUA_PERMISSION_H
#define MOTCUA_PERMISSION_H

#include <jansson.h>
#include <stdint.h>

struct store;

/* The grants of one permission: rows (account_id, unit_id), one per role
 * an officer holds on a unit that carries permission PERM (an SQL
 * expression: a quoted literal or a parameter). For the macros below and
 * for statements that list grants themselves (catalog's unit lists);
 * subtree checks go through PERMISSION_SCOPE or the functions. */
#define PERMISSION_GRANTS(perm)                                                                   \
    "(SELECT sr.account_id, sr.unit_id FROM staff_roles sr"                                        \
    " JOIN role_permissions rp ON rp.role = sr.role AND rp.permission = " perm ")"

/* "Unit ABOVE is BELOW or one of its ancestors" for two joined units
 * (table aliases): ABOVE's path is a prefix of BELOW's. */
#define PERMISSION_SUBTREE(above, below)                                                         \
    " substr(" below ".path, 1, length(" above ".path)) = " above ".path"

/* A common table expression "scope(id)": every unit where the account
 * ACCOUNT (an SQL expression, e.g. "?1") holds PERM, with the units below
 * them. Put it after WITH and test "x IN scope". SQLite builds the set once
 * per statement instead of checking each row. */
#define PERMISSION_SCOPE(account, perm)                                                            \
    "scope(id) AS (SELECT u.id FROM " PERMISSION_GRANTS(perm) " g"                                \
    " JOIN units su ON su.id = g.unit_id"                                                          \
    " JOIN units u ON" PERMISSION_SUBTREE("su", "u")                                              \
    " WHERE g.account_id = " account ")"

/* Does the officer hold permission on unit_id (through a role on that unit
 * or one above it)? 1, 0, or a negative store error. */
int permission_can(struct store *db, int64_t account_id, const char *permission, int64_t unit_id);

/* May the officer see a dossier received by unit_id and held now by
 * current_unit_id (dossier.read on either)? 1, 0, or a negative error. */
int permission_sees(struct store *db, int64_t account_id, int64_t unit_id,
                    int64_t current_unit_id);

/* The enabled officers who hold permission on unit_id (on it or above),
 * by full name: [{login, full_name}]. A new reference (the caller owns
 * it), or NULL on a store error. */
json_t *permission_holders_json(struct store *db, const char *permission, int64_t unit_id);

#endif

/* Tests of auth/permission: a role held on a unit covers that unit and every
 * unit below it, never the units above or beside it (including a unit whose
 * id merely starts with the same digits: /1/5/ is not above /1/50/), and
 * only for the permissions the role carries; the scope expression, the
 * holders list and the visibility of a dossier follow the same rule. */
#include "auth/permission.h"

#include "auth/account.h"
#include "catalog/unit.h"
#include "fixture.h"
#include "harness.h"

static int64_t reception, specialist, admin, province, commune, commune2;

/* A new officer holding role on the unit with this id. */
static int64_t officer_on(const char *login, const char *role, int64_t unit_id)
{
    struct account a = {0};
    snprintf(a.kind, sizeof a.kind, "staff");
    snprintf(a.login, sizeof a.login, "%s", login);
    snprintf(a.full_name, sizeof a.full_name, "Cán bộ kiểm thử");
    if (store_begin(fx_db) || account_create(fx_db, &a, "x") ||
        account_grant_role(fx_db, a.id, role, unit_id) || store_commit(fx_db))
        return 0;
    return a.id;
}

TEST(a_role_covers_its_unit_and_what_is_below)
{
    /* The province administrator holds every permission on the root. */
    CHECK_EQ_INT(permission_can(fx_db, admin, "dossier.read", province), 1);
    CHECK_EQ_INT(permission_can(fx_db, admin, "dossier.read", commune), 1);
    CHECK_EQ_INT(permission_can(fx_db, admin, "dossier.approve", commune2), 1);
    /* The commune's reception: its unit only. */
    CHECK_EQ_INT(permission_can(fx_db, reception, "dossier.read", commune), 1);
    CHECK_EQ_INT(permission_can(fx_db, reception, "dossier.walkin", commune), 1);
    CHECK_EQ_INT(permission_can(fx_db, reception, "dossier.read", commune2), 0); /* beside */
    CHECK_EQ_INT(permission_can(fx_db, reception, "dossier.read", province), 0); /* above */
    /* Only what the role carries (data/roles.json). */
    CHECK_EQ_INT(permission_can(fx_db, reception, "dossier.process", commune), 0);
    CHECK_EQ_INT(permission_can(fx_db, specialist, "dossier.process", commune), 1);
    CHECK_EQ_INT(permission_can(fx_db, specialist, "dossier.receive", commune), 0);
    CHECK_EQ_INT(permission_can(fx_db, specialist, "no.such.permission", commune), 0);
    /* Nobody and nothing. */
    CHECK_EQ_INT(permission_can(fx_db, 999999, "dossier.read", commune), 0);
    CHECK_EQ_INT(permission_can(fx_db, reception, "dossier.read", 999999), 0);
}

TEST(a_nested_unit_is_covered_and_a_similar_path_is_not)
{
    /* A unit under the commune (a ward office, say). */
    static const char csv[] = "code,name,level,parent_code\n"
                              "900.01.90.H56,Tổ một cửa Phường Hạc Thành,commune," FX_COMMUNE "\n";
    int n = 0;
    char err[200] = "";
    CHECK_EQ_INT(store_begin(fx_db), 0);
    CHECK_EQ_INT(unit_import_csv(fx_db, csv, sizeof csv - 1, &n, err, sizeof err), 0);
    CHECK_EQ_INT(store_commit(fx_db), 0);
    int64_t child = fx_unit("900.01.90.H56");
    CHECK(child > 0);
    CHECK_EQ_INT(permission_can(fx_db, reception, "dossier.read", child), 1);
    CHECK_EQ_INT(permission_can(fx_db, admin, "dossier.read", child), 1);
    /* A role on the child does not reach its parent. */
    int64_t local = officer_on("canbo.to", "reception", child);
    CHECK(local > 0);
    CHECK_EQ_INT(permission_can(fx_db, local, "dossier.read", child), 1);
    CHECK_EQ_INT(permission_can(fx_db, local, "dossier.read", commune), 0);

    /* Paths are "/1/5/" and "/1/50/": a prefix of digits is not a parent. */
    int64_t five = fx_int("SELECT id FROM units WHERE id = 5 AND parent_id = 1", NULL);
    int64_t fifty = fx_int("SELECT id FROM units WHERE id = 50 AND parent_id = 1", NULL);
    CHECK_EQ_INT(five, 5);
    CHECK_EQ_INT(fifty, 50);
    int64_t on5 = officer_on("canbo.nam", "leader", 5);
    CHECK_EQ_INT(permission_can(fx_db, on5, "dossier.read", 5), 1);
    CHECK_EQ_INT(permission_can(fx_db, on5, "dossier.read", 50), 0);
    CHECK_EQ_INT(permission_can(fx_db, on5, "dossier.read", 51), 0);
}

/* How many units the scope expression gives for an account and permission. */
static int64_t scope_size(int64_t account, const char *permission)
{
    struct store_stmt *st;
    int64_t n = -1;
    if (store_prepare_all(fx_db,
                          "WITH " PERMISSION_SCOPE("?1", "?2") " SELECT count(*) FROM scope",
                          &st, BIND_INT(account), BIND_TEXT(permission)) == 0) {
        if (store_step(st) == STORE_ROW)
            n = store_col_int(st, 0);
        store_done(st);
    }
    return n;
}

TEST(the_scope_expression_follows_the_same_rule)
{
    int64_t all = fx_int("SELECT count(*) FROM units", NULL);
    int64_t below_commune = fx_int("SELECT count(*) FROM units WHERE path LIKE"
                                   " (SELECT path FROM units WHERE code = ?) || '%'",
                                   FX_COMMUNE);
    CHECK(all > 100);
    /* the commune, its schools and stations, and the unit added above */
    CHECK(below_commune >= 2 && below_commune < all);
    CHECK_EQ_INT(scope_size(admin, "dossier.read"), all);
    CHECK_EQ_INT(scope_size(reception, "dossier.read"), below_commune);
    CHECK_EQ_INT(scope_size(reception, "dossier.process"), 0);
    CHECK_EQ_INT(scope_size(999999, "dossier.read"), 0);
}

TEST(who_sees_a_dossier_and_who_may_process_it)
{
    /* Received by the commune, now held by the other commune: either unit
     * lets its readers see it. */
    int64_t other = officer_on("tiepnhan.xakhac", "reception", commune2);
    CHECK_EQ_INT(permission_sees(fx_db, reception, commune, commune2), 1);
    CHECK_EQ_INT(permission_sees(fx_db, other, commune, commune2), 1);
    CHECK_EQ_INT(permission_sees(fx_db, other, commune, commune), 0);
    CHECK_EQ_INT(permission_sees(fx_db, admin, commune2, commune2), 1);

    json_t *h = permission_holders_json(fx_db, "dossier.process", commune);
    CHECK(h != NULL);
    int found_specialist = 0, found_admin = 0, found_reception = 0;
    size_t i;
    json_t *o;
    json_array_foreach(h, i, o)
    {
        const char *login = json_string_value(json_object_get(o, "login"));
        found_specialist |= strcmp(login, FX_SPECIALIST) == 0;
        found_admin |= strcmp(login, FX_ADMIN) == 0;
        found_reception |= strcmp(login, FX_RECEPTION) == 0;
    }
    CHECK(found_specialist && found_admin && !found_reception);
    json_decref(h);
}

int main(void)
{
    if (fx_open("permission"))
        return 1;
    reception = fx_account(FX_RECEPTION);
    specialist = fx_account(FX_SPECIALIST);
    admin = fx_account(FX_ADMIN);
    province = fx_unit(FX_PROVINCE);
    commune = fx_unit(FX_COMMUNE);
    commune2 = fx_unit(FX_COMMUNE2);
    RUN(a_role_covers_its_unit_and_what_is_below);
    RUN(a_nested_unit_is_covered_and_a_similar_path_is_not);
    RUN(the_scope_expression_follows_the_same_rule);
    RUN(who_sees_a_dossier_and_who_may_process_it);
    fx_close();
    return harness_done();
}

/* account: accounts and sessions in the database. */
#include "auth/account.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/totp.h"
#include "base/util.h"
#include "store/store.h"

#define ACCOUNT_COLS "a.id, a.kind, a.login, a.full_name, a.phone, a.email, a.totp_secret IS NOT NULL"

static void read_account(struct store_stmt *st, struct account *a)
{
    a->id = store_col_int(st, 0);
    copy_str(a->kind, sizeof a->kind, store_col_text(st, 1));
    copy_str(a->login, sizeof a->login, store_col_text(st, 2));
    copy_str(a->full_name, sizeof a->full_name, store_col_text(st, 3));
    copy_str(a->phone, sizeof a->phone, store_col_text(st, 4));
    copy_str(a->email, sizeof a->email, store_col_text(st, 5));
    a->has_totp = (int)store_col_int(st, 6);
}

static void token_hash(const char *token, char out[65])
{
    unsigned char md[32];
    sha256(token, strlen(token), md);
    hex_encode(md, sizeof md, out);
}

int account_by_session(struct store *db, const char *token, int64_t now, struct account *out,
                       char *csrf)
{
    char th[65];
    struct store_stmt *st;
    token_hash(token, th);
    int rc = store_prepare_all(db,
                               "SELECT " ACCOUNT_COLS ", s.csrf_token FROM sessions s"
                               " JOIN accounts a ON a.id = s.account_id"
                               " WHERE s.token_hash = ? AND s.expires_at > ? AND a.disabled = 0",
                               &st, BIND_TEXT(th), BIND_INT(now));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        read_account(st, out);
        copy_str(csrf, 65, store_col_text(st, 7));
    }
    store_done(st);
    return rc;
}

int account_id_by_login(struct store *db, const char *login, const char *kind,
                        enum account_state state, int64_t *id)
{
    return store_int(db,
                     "SELECT id FROM accounts WHERE login = ?1 AND (?2 IS NULL OR kind = ?2)"
                     " AND (?3 = 1 OR disabled = 0)",
                     id, BIND_TEXT(login), BIND_TEXT(kind), BIND_INT(state == ACCOUNT_ANY_STATE));
}

int account_by_login(struct store *db, const char *login, struct account *out, char *hash,
                     size_t hashcap, char *totp, int64_t *totp_last)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT " ACCOUNT_COLS ", a.password_hash, coalesce(a.totp_secret, ''),"
                               " a.totp_last_step FROM accounts a WHERE a.login = ? AND a.disabled = 0",
                               &st, BIND_TEXT(login));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        read_account(st, out);
        copy_str(hash, hashcap, store_col_text(st, 7));
        copy_str(totp, TOTP_SECRET_B32_MAX + 1, store_col_text(st, 8));
        *totp_last = store_col_int(st, 9);
    }
    store_done(st);
    return rc;
}

int account_create(struct store *db, struct account *a, const char *password_hash)
{
    int rc = store_exec_all(db,
                            "INSERT INTO accounts(kind, login, full_name, phone, email,"
                            " password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            BIND_TEXT(a->kind), BIND_TEXT(a->login), BIND_TEXT(a->full_name),
                            BIND_TEXT(a->phone), BIND_TEXT(a->email), BIND_TEXT(password_hash),
                            BIND_INT(now_unix()));
    if (rc)
        return rc;
    a->id = store_last_insert_id(db);
    return audit_object(db, a->id, "account.create", "account", a->id, NULL);
}

int session_create(struct store *db, int64_t account_id, int64_t now, char *token, char *csrf)
{
    unsigned char raw[32], raw2[32];
    char th[65];
    if (random_bytes(raw, sizeof raw) || random_bytes(raw2, sizeof raw2))
        return STORE_ERR;
    hex_encode(raw, sizeof raw, token);
    hex_encode(raw2, sizeof raw2, csrf);
    token_hash(token, th);
    int rc = store_exec_all(db,
                            "INSERT INTO sessions(token_hash, account_id, csrf_token, created_at,"
                            " expires_at) VALUES (?, ?, ?, ?, ?)",
                            BIND_TEXT(th), BIND_INT(account_id), BIND_TEXT(csrf), BIND_INT(now),
                            BIND_INT(now + SESSION_TTL));
    if (rc)
        return rc;
    /* Expired sessions of this account are dropped as it logs in again. */
    return store_exec_all(db, "DELETE FROM sessions WHERE account_id = ? AND expires_at <= ?",
                          BIND_INT(account_id), BIND_INT(now));
}

int session_delete(struct store *db, const char *token)
{
    char th[65];
    struct store_stmt *st;
    token_hash(token, th);
    int rc = store_prepare_all(db, "DELETE FROM sessions WHERE token_hash = ?", &st, BIND_TEXT(th));
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? 0 : STORE_ERR;
}

json_t *account_json(const struct account *a)
{
    int citizen = strcmp(a->kind, "citizen") == 0;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)a->id, "kind", a->kind,
                          "full_name", a->full_name, "phone", a->phone, "email", a->email);
    json_object_set_new(o, citizen ? "citizen_id" : "username", json_string(a->login));
    return o;
}


int account_use_totp_step(struct store *db, int64_t account_id, int64_t step)
{
    int rc = store_exec_all(db,
                            "UPDATE accounts SET totp_last_step = ? WHERE id = ? AND"
                            " totp_last_step < ?",
                            BIND_INT(step), BIND_INT(account_id), BIND_INT(step));
    if (rc)
        return rc;
    return store_changes(db) == 1 ? 0 : 1;
}

int account_set_totp(struct store *db, int64_t account_id, const char *b32_secret)
{
    return store_exec_all(db, "UPDATE accounts SET totp_secret = ? WHERE id = ?",
                          BIND_TEXT(b32_secret), BIND_INT(account_id));
}

int account_grant_role(struct store *db, int64_t account_id, const char *role, int64_t unit_id)
{
    int rc = store_exec_all(db,
                            "INSERT OR IGNORE INTO staff_roles(account_id, role, unit_id)"
                            " VALUES (?, ?, ?)",
                            BIND_INT(account_id), BIND_TEXT(role), BIND_INT(unit_id));
    if (rc)
        return rc;
    return audit_object_json(db, 0, "account.grant_role", "account", account_id,
                             json_pack("{s:s, s:I}", "role", role, "unit_id", (json_int_t)unit_id));
}

json_t *account_roles_json(struct store *db, int64_t account_id)
{
    struct store_stmt *st;
    json_t *list = json_array();
    if (store_prepare_all(db,
                          "SELECT r.name, r.title, u.code, u.name FROM staff_roles sr"
                          " JOIN roles r ON r.name = sr.role JOIN units u ON u.id = sr.unit_id"
                          " WHERE sr.account_id = ? ORDER BY u.path, r.name",
                          &st, BIND_INT(account_id)))
        return list;
    while (store_step(st) == STORE_ROW)
        json_array_append_new(list, json_pack("{s:s, s:s, s:{s:s, s:s}}", "role",
                                              store_col_text(st, 0), "title",
                                              store_col_text(st, 1), "unit", "code",
                                              store_col_text(st, 2), "name",
                                              store_col_text(st, 3)));
    store_done(st);
    return list;
}

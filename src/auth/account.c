/* account: accounts and sessions in the database. */
#include "auth/account.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/util.h"
#include "store/store.h"

#define ACCOUNT_COLS "a.id, a.kind, a.login, a.full_name, a.phone, a.email, coalesce(a.unit_id, 0), coalesce(a.role, '')"

static void read_account(struct store_stmt *st, struct account *a)
{
    a->id = store_col_int(st, 0);
    copy_str(a->kind, sizeof a->kind, store_col_text(st, 1));
    copy_str(a->login, sizeof a->login, store_col_text(st, 2));
    copy_str(a->full_name, sizeof a->full_name, store_col_text(st, 3));
    copy_str(a->phone, sizeof a->phone, store_col_text(st, 4));
    copy_str(a->email, sizeof a->email, store_col_text(st, 5));
    a->unit_id = store_col_int(st, 6);
    copy_str(a->role, sizeof a->role, store_col_text(st, 7));
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
    int rc = store_prepare(db,
                           "SELECT " ACCOUNT_COLS ", s.csrf_token FROM sessions s"
                           " JOIN accounts a ON a.id = s.account_id"
                           " WHERE s.token_hash = ? AND s.expires_at > ? AND a.disabled = 0",
                           &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, th);
    store_bind_int(st, 2, now);
    rc = store_step(st);
    if (rc == STORE_ROW) {
        read_account(st, out);
        copy_str(csrf, 65, store_col_text(st, 8));
    }
    store_done(st);
    return rc;
}

int account_by_login(struct store *db, const char *login, struct account *out, char *hash,
                     size_t hashcap)
{
    struct store_stmt *st;
    int rc = store_prepare(db,
                           "SELECT " ACCOUNT_COLS ", a.password_hash FROM accounts a"
                           " WHERE a.login = ? AND a.disabled = 0",
                           &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, login);
    rc = store_step(st);
    if (rc == STORE_ROW) {
        read_account(st, out);
        copy_str(hash, hashcap, store_col_text(st, 8));
    }
    store_done(st);
    return rc;
}

int account_create(struct store *db, struct account *a, const char *password_hash)
{
    struct store_stmt *st;
    int rc = store_prepare(db,
                           "INSERT INTO accounts(kind, login, full_name, phone, email,"
                           " password_hash, unit_id, role, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, a->kind);
    store_bind_text(st, 2, a->login);
    store_bind_text(st, 3, a->full_name);
    store_bind_text(st, 4, a->phone);
    store_bind_text(st, 5, a->email);
    store_bind_text(st, 6, password_hash);
    if (a->unit_id)
        store_bind_int(st, 7, a->unit_id);
    else
        store_bind_null(st, 7);
    store_bind_text(st, 8, a->role[0] ? a->role : NULL);
    store_bind_int(st, 9, now_unix());
    rc = store_step(st);
    store_done(st);
    if (rc != STORE_DONE)
        return rc < 0 ? rc : STORE_ERR;
    a->id = store_last_insert_id(db);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    return audit_append(db, &(struct audit_entry){.actor_id = a->id,
                                                  .action = "account.create",
                                                  .object_type = "account",
                                                  .object_id = id,
                                                  .detail = NULL});
}

int session_create(struct store *db, int64_t account_id, int64_t now, char *token, char *csrf)
{
    unsigned char raw[32], raw2[32];
    char th[65];
    struct store_stmt *st;
    if (random_bytes(raw, sizeof raw) || random_bytes(raw2, sizeof raw2))
        return STORE_ERR;
    hex_encode(raw, sizeof raw, token);
    hex_encode(raw2, sizeof raw2, csrf);
    token_hash(token, th);
    int rc = store_prepare(db,
                           "INSERT INTO sessions(token_hash, account_id, csrf_token, created_at,"
                           " expires_at) VALUES (?, ?, ?, ?, ?)",
                           &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, th);
    store_bind_int(st, 2, account_id);
    store_bind_text(st, 3, csrf);
    store_bind_int(st, 4, now);
    store_bind_int(st, 5, now + SESSION_TTL);
    rc = store_step(st);
    store_done(st);
    if (rc != STORE_DONE)
        return rc < 0 ? rc : STORE_ERR;
    /* Expired sessions of this account are dropped as it logs in again. */
    rc = store_prepare(db, "DELETE FROM sessions WHERE account_id = ? AND expires_at <= ?", &st);
    if (rc)
        return rc;
    store_bind_int(st, 1, account_id);
    store_bind_int(st, 2, now);
    rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? 0 : STORE_ERR;
}

int session_delete(struct store *db, const char *token)
{
    char th[65];
    struct store_stmt *st;
    token_hash(token, th);
    int rc = store_prepare(db, "DELETE FROM sessions WHERE token_hash = ?", &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, th);
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
    if (!citizen)
        json_object_set_new(o, "role", json_string(a->role));
    return o;
}

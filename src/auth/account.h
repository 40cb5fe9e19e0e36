/* account: citizens' and officers' accounts and their login sessions.
 * A session cookie carries a random token; the database keeps only its
 * SHA-256, so a stolen database copy cannot be used to log in. */
#ifndef MOTCUA_ACCOUNT_H
#define MOTCUA_ACCOUNT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define SESSION_TTL (12 * 3600)

struct account {
    int64_t id;
    char kind[16];       /* "citizen" or "staff" */
    char login[64];      /* citizen ID number or staff user name */
    char full_name[256];
    char phone[32];
    char email[256];
    int has_totp;        /* officers: a one-time code is required at login */
};

/* Finds the account of a live session token. Returns STORE_ROW and fills
 * out and csrf (65 bytes), STORE_DONE if unknown or expired, or an error. */
int account_by_session(struct store *db, const char *token, int64_t now, struct account *out,
                       char *csrf);

/* Finds an enabled account by login. Copies the password hash into hash and
 * the TOTP secret (or "") into totp (TOTP_SECRET_B32_MAX + 1 bytes), and
 * the last used TOTP step into *totp_last. Returns STORE_ROW, STORE_DONE,
 * or an error. */
int account_by_login(struct store *db, const char *login, struct account *out, char *hash,
                     size_t hashcap, char *totp, int64_t *totp_last);

/* Which accounts account_id_by_login finds. */
enum account_state { ACCOUNT_ENABLED, ACCOUNT_ANY_STATE };

/* The id of the account with this login, of kind ("citizen", "staff"; NULL:
 * either), enabled only or in any state. Returns STORE_ROW and sets *id,
 * STORE_DONE if there is none, or a store error. */
int account_id_by_login(struct store *db, const char *login, const char *kind,
                        enum account_state state, int64_t *id);

/* Records the TOTP step just used, only if it is newer than the stored one
 * (write job). Returns 0, 1 if the step was already used, or an error. */
int account_use_totp_step(struct store *db, int64_t account_id, int64_t step);

/* Sets an account's TOTP secret (write job). */
int account_set_totp(struct store *db, int64_t account_id, const char *b32_secret);

/* Gives an officer a role on a unit (write job). */
int account_grant_role(struct store *db, int64_t account_id, const char *role, int64_t unit_id);

/* [{role, title, unit:{code,name}}] of an officer. */
json_t *account_roles_json(struct store *db, int64_t account_id);

/* Inserts a citizen account (write job). Returns 0, STORE_CONSTRAINT if the
 * login is taken, or another error. Sets a->id. */
int account_create(struct store *db, struct account *a, const char *password_hash);

/* Creates a session (write job): token and csrf are 64 hex chars + NUL. */
int session_create(struct store *db, int64_t account_id, int64_t now, char *token, char *csrf);

/* Deletes a session by its cookie token (write job). */
int session_delete(struct store *db, const char *token);

/* {id, kind, citizen_id|username, full_name, phone, email} */
json_t *account_json(const struct account *a);

#endif

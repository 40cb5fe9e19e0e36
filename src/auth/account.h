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
    int64_t unit_id;     /* staff only */
    char role[32];       /* staff only */
};

/* Finds the account of a live session token. Returns STORE_ROW and fills
 * out and csrf (65 bytes), STORE_DONE if unknown or expired, or an error. */
int account_by_session(struct store *db, const char *token, int64_t now, struct account *out,
                       char *csrf);

/* Finds an enabled account by login. Copies the password hash into hash.
 * Returns STORE_ROW, STORE_DONE, or an error. */
int account_by_login(struct store *db, const char *login, struct account *out, char *hash,
                     size_t hashcap);

/* Inserts a citizen account (write job). Returns 0, STORE_CONSTRAINT if the
 * login is taken, or another error. Sets a->id. */
int account_create(struct store *db, struct account *a, const char *password_hash);

/* Creates a session (write job): token and csrf are 64 hex chars + NUL. */
int session_create(struct store *db, int64_t account_id, int64_t now, char *token, char *csrf);

/* Deletes a session by its cookie token (write job). */
int session_delete(struct store *db, const char *token);

/* {id, kind, citizen_id|username, full_name, phone, email, ...} */
json_t *account_json(const struct account *a);

#endif

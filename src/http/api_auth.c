/* api_auth: citizen registration, login, logout, the current session.
 * Password hashing runs on the worker pool; sessions are written by the
 * writer thread; the answer goes out once the session is committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "audit/audit.h"
#include "auth/account.h"
#include "auth/citizen_id.h"
#include "auth/password.h"
#include "base/ratelimit.h"
#include "auth/totp.h"
#include "base/util.h"
#include "catalog/eform.h"
#include "catalog/forms.h"
#include "http/http.h"
#include "http/router.h"
#include "store/store.h"

struct auth_state {
    struct account acc;
    char password[PASSWORD_MAX_CHARS * 4 + 1];
    char hash[PASSWORD_HASH_MAX];
    char totp_secret[TOTP_SECRET_B32_MAX + 1];
    char totp_code[8];
    int64_t totp_last, totp_step;
    int totp_reused;
    char typed_login[64];            /* as sent, for the audit of a failure */
    const char *fail_code, *fail_message;
    char token[65], csrf[65];
    char ip[64];
    char limit_key[160];
    int found, ok;
};

static void wipe_state(void *p)
{
    struct auth_state *s = p;
    explicit_bzero(s->password, sizeof s->password);
}

static struct auth_state *new_state(struct req *r)
{
    struct auth_state *s = req_state(r, sizeof *s, wipe_state);
    if (!s)
        return NULL;
    snprintf(s->ip, sizeof s->ip, "ip:%s", req_client_ip(r));
    return s;
}

static void set_session_cookie(struct req *r, const char *token, int64_t max_age)
{
    char cookie[256];
    snprintf(cookie, sizeof cookie, "motcua_session=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax%s",
             token, (long long)max_age, r->app->secure_cookies ? "; Secure" : "");
    req_add_header(r, "Set-Cookie", cookie);
}

/* {account, csrf_token, roles (officers)} */
static json_t *session_json(struct store *db, const struct account *a, const char *csrf)
{
    json_t *o = json_pack("{s:o, s:s}", "account", account_json(a), "csrf_token", csrf);
    if (strcmp(a->kind, "staff") == 0)
        json_object_set_new(o, "roles", account_roles_json(db, a->id));
    return o;
}

static void reply_session(struct req *r, int status, struct auth_state *s)
{
    set_session_cookie(r, s->token, SESSION_TTL);
    reply_json(r, status, session_json(r->db, &s->acc, s->csrf));
}

static int create_account_job(struct store *db, void *arg)
{
    struct auth_state *s = arg;
    int rc = account_create(db, &s->acc, s->hash);
    if (rc == 0)
        rc = session_create(db, s->acc.id, now_unix(), s->token, s->csrf);
    return rc;
}

static void register_committed(struct req *r)
{
    struct auth_state *s = r->data;
    if (r->wjob.rc == STORE_CONSTRAINT) {
        reply_error(r, 409, "citizen_id_taken", "Số định danh này đã có tài khoản", "citizen_id");
        return;
    }
    if (r->wjob.rc) {
        reply_internal(r, "register: write failed");
        return;
    }
    reply_session(r, 201, s);
}

static void hash_password_work(void *arg)
{
    struct auth_state *s = arg;
    s->ok = password_hash(s->password, s->hash, sizeof s->hash) == 0;
    explicit_bzero(s->password, sizeof s->password);
}

static void register_hashed(struct req *r)
{
    struct auth_state *s = r->data;
    if (!s->ok) {
        reply_internal(r, "register: hashing failed");
        return;
    }
    http_defer_write(r, create_account_job, s, register_committed);
}

static void auth_register(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    /* The registration form is checked by the e-form validator, like any
     * form (data/forms/register.json); the password is not part of it. */
    const char *password, *weak;
    json_t *form = json_object();
    const char *keys[] = {"citizen_id", "full_name", "phone", "email"};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        json_t *v = json_object_get(body, keys[i]);
        if (v && !(json_is_string(v) && json_string_length(v) == 0 && i == 3))
            json_object_set(form, keys[i], v);
    }
    if (req_form_or_reply(r, forms_schema("data/forms/register.json"), form, 0) ||
        req_string_or_reply(r, body, "password", 1, PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS,
                            &password))
        goto out;
    const char *citizen_id = json_string_value(json_object_get(form, "citizen_id"));
    const char *full_name = json_string_value(json_object_get(form, "full_name"));
    if ((weak = password_weakness(password, citizen_id, full_name))) {
        reply_error(r, 422, "weak_password", weak, "password");
        goto out;
    }
    struct auth_state *s = new_state(r);
    if (!s || req_limit_or_reply(r, r->app->rl_register, s->ip, "too_many_registrations",
                                 "Đã đăng ký nhiều tài khoản từ địa chỉ này, vui lòng thử lại sau"))
        goto out;
    copy_str(s->acc.kind, sizeof s->acc.kind, "citizen");
    copy_str(s->acc.login, sizeof s->acc.login, citizen_id);
    copy_str(s->acc.full_name, sizeof s->acc.full_name, full_name);
    copy_str(s->acc.phone, sizeof s->acc.phone, json_string_value(json_object_get(form, "phone")));
    const char *email = json_string_value(json_object_get(form, "email"));
    copy_str(s->acc.email, sizeof s->acc.email, email ? email : "");
    copy_str(s->password, sizeof s->password, password);
    json_decref(form);
    /* Refused as busy (r and s are gone then): the attempt does not count. */
    struct app *app = r->app;
    char ip[sizeof s->ip];
    memcpy(ip, s->ip, sizeof ip);
    if (http_defer_bounded(r, hash_password_work, s, register_hashed))
        ratelimit_give_back(app->rl_register, ip);
    return;
out:
    json_decref(form);
}

/* --- login ------------------------------------------------------------ */

static void verify_password_work(void *arg)
{
    struct auth_state *s = arg;
    s->ok = password_verify(s->password, s->found ? s->hash : password_dummy_hash()) && s->found;
    explicit_bzero(s->password, sizeof s->password);
}

static int create_session_job(struct store *db, void *arg)
{
    struct auth_state *s = arg;
    if (s->totp_step) {
        int rc = account_use_totp_step(db, s->acc.id, s->totp_step);
        if (rc) {
            s->totp_reused = rc == 1;
            return rc;
        }
    }
    int rc = session_create(db, s->acc.id, now_unix(), s->token, s->csrf);
    if (rc == 0)
        rc = audit_object_json(db, s->acc.id, "auth.login", "account", s->acc.id,
                               json_pack("{s:s, s:b}", "client", s->ip + 3, "totp",
                                         s->totp_step > 0));
    return rc;
}

/* A failed login joins the audit log (who tried which account from where),
 * before the refusal is answered. */
static int login_failure_job(struct store *db, void *arg)
{
    struct auth_state *s = arg;
    json_t *detail = json_pack("{s:s, s:s}", "client", s->ip + 3, "reason", s->fail_code);
    if (s->found)
        return audit_object_json(db, 0, "auth.login_failed", "account", s->acc.id, detail);
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    int rc = text ? audit_append(db, &(struct audit_entry){.action = "auth.login_failed",
                                                          .object_type = "login",
                                                          .object_id = s->typed_login,
                                                          .detail = text})
                  : STORE_ERR;
    free(text);
    return rc;
}

static void login_failure_recorded(struct req *r)
{
    struct auth_state *s = r->data;
    if (r->wjob.rc) {
        reply_internal(r, "login: audit of a failure failed");
        return;
    }
    reply_error(r, 401, s->fail_code, s->fail_message, NULL);
}

static void login_failed(struct req *r, struct auth_state *s, const char *code,
                         const char *message)
{
    /* The attempt was counted when it started (ratelimit_take). */
    s->fail_code = code;
    s->fail_message = message;
    http_defer_write(r, login_failure_job, s, login_failure_recorded);
}

static void login_committed(struct req *r)
{
    struct auth_state *s = r->data;
    if (s->totp_reused) {
        login_failed(r, s, "bad_totp", "Mã xác thực đã được dùng, vui lòng chờ mã mới");
        return;
    }
    if (r->wjob.rc) {
        reply_internal(r, "login: session write failed");
        return;
    }
    reply_session(r, 200, r->data);
}

static void login_verified(struct req *r)
{
    struct auth_state *s = r->data;
    if (!s->ok) {
        login_failed(r, s, "bad_credentials", "Sai tên đăng nhập hoặc mật khẩu");
        return;
    }
    /* Officers also need the one-time code from their authenticator app. */
    if (s->totp_secret[0]) {
        if (!s->totp_code[0]) {
            /* The password was right: asking for the code costs no attempt. */
            ratelimit_give_back(r->app->rl_login, s->limit_key);
            ratelimit_give_back(r->app->rl_ip, s->ip);
            reply_error(r, 401, "totp_required", "Nhập mã xác thực 6 số từ ứng dụng xác thực",
                        "totp");
            return;
        }
        s->totp_step = totp_check(s->totp_secret, s->totp_code, now_unix(), s->totp_last);
        if (s->totp_step <= 0) {
            login_failed(r, s, "bad_totp", "Mã xác thực không đúng hoặc đã hết hạn");
            return;
        }
    }
    ratelimit_reset(r->app->rl_login, s->limit_key);
    ratelimit_give_back(r->app->rl_ip, s->ip);
    http_defer_write(r, create_session_job, s, login_committed);
}

static void auth_login(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *login, *password, *totp;
    if (req_string_or_reply(r, body, "login", 1, 1, 63, &login) ||
        req_string_or_reply(r, body, "password", 1, 1, PASSWORD_MAX_CHARS, &password) ||
        req_string_or_reply(r, body, "totp", 0, 0, 6, &totp))
        return;
    struct auth_state *s = new_state(r);
    if (!s)
        return;
    /* Guesses slow down per login name AND address: whoever guesses from
     * one address waits there, and the owner elsewhere never does. One
     * address guessing many names is limited on its own. */
    snprintf(s->limit_key, sizeof s->limit_key, "login:%s|%s", login, s->ip);
    int64_t now = now_unix();
    int wait = ratelimit_take(r->app->rl_login, s->limit_key, now);
    int wait_ip = wait ? 0 : ratelimit_take(r->app->rl_ip, s->ip, now);
    if (wait_ip)
        ratelimit_give_back(r->app->rl_login, s->limit_key);
    if (wait || wait_ip) {
        reply_too_many(r, wait > wait_ip ? wait : wait_ip, "too_many_attempts",
                       "Đăng nhập sai nhiều lần, vui lòng thử lại sau ít phút");
        return;
    }
    copy_str(s->typed_login, sizeof s->typed_login, login);
    int rc = account_by_login(r->db, login, &s->acc, s->hash, sizeof s->hash, s->totp_secret,
                              &s->totp_last);
    s->found = rc == STORE_ROW;
    copy_str(s->password, sizeof s->password, password);
    copy_str(s->totp_code, sizeof s->totp_code, totp ? totp : "");
    if (rc < 0) {
        reply_internal(r, "login: account lookup failed");
        return;
    }
    /* Refused as busy (r and s are gone then): the attempt does not count. */
    struct app *app = r->app;
    char ip[sizeof s->ip], key[sizeof s->limit_key];
    memcpy(ip, s->ip, sizeof ip);
    memcpy(key, s->limit_key, sizeof key);
    if (http_defer_bounded(r, verify_password_work, s, login_verified)) {
        ratelimit_give_back(app->rl_login, key);
        ratelimit_give_back(app->rl_ip, ip);
    }
}

/* --- logout, me ------------------------------------------------------- */

static int delete_session_job(struct store *db, void *arg)
{
    struct req *r = arg;
    int rc = session_delete(db, r->session_token);
    if (rc == 0)
        rc = audit_object(db, r->account.id, "auth.logout", "account", r->account.id, NULL);
    return rc;
}

static void logout_committed(struct req *r)
{
    if (r->wjob.rc) {
        reply_internal(r, "logout: write failed");
        return;
    }
    set_session_cookie(r, "", 0);
    reply_empty(r, 204);
}

static void auth_logout(struct req *r)
{
    http_defer_write(r, delete_session_job, r, logout_committed);
}

static void auth_me(struct req *r)
{
    reply_json(r, 200, session_json(r->db, &r->account, r->csrf_token));
}

const struct route api_auth_routes[] = {
    {"POST", "/api/v1/auth/register", auth_register, 0},
    {"POST", "/api/v1/auth/login", auth_login, 0},
    {"POST", "/api/v1/auth/logout", auth_logout, ROUTE_AUTH | ROUTE_CSRF},
    {"GET", "/api/v1/auth/me", auth_me, ROUTE_AUTH},
    {NULL, NULL, NULL, 0},
};

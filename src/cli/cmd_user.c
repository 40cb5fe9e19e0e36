/* cmd_user: creates accounts, grants officers' roles, lists accounts. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/account.h"
#include "auth/citizen_id.h"
#include "auth/password.h"
#include "auth/totp.h"
#include "base/text.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua user add --data DIR --login LOGIN --name NAME\n"
    "                       (--password PW | --password-stdin)\n"
    "                       [--kind citizen|staff] [--role ROLE --unit CODE] [--no-totp]\n"
    "                       [--phone PHONE] [--email EMAIL]\n"
    "       motcua user grant --data DIR --login LOGIN --role ROLE --unit CODE\n"
    "       motcua user list --data DIR\n"
    "       motcua user totp-code --data DIR --login LOGIN\n"
    "  A citizen's login is their 12-digit personal identification number.\n"
    "  Passwords that are easy to guess (common ones, sequences, the login or the name)\n"
    "  are refused, as at registration.\n"
    "  An officer (--kind staff) gets --role on --unit (e.g. 000.00.00.H56) and every unit\n"
    "  below it, and a one-time-code secret for an authenticator app (printed once) unless\n"
    "  --no-totp. Roles: reception, specialist, leader, unit_admin, province_admin.\n"
    "  totp-code prints an officer's current one-time code (for demos and tests; whoever\n"
    "  can read DIR can do this, so protect DIR).\n";

struct add_job {
    struct account a;
    char hash[PASSWORD_HASH_MAX];
    char totp[TOTP_SECRET_B32_MAX + 1];
    const char *role;
    const char *unit_code;
    char err[200];
};

static int grant(struct store *db, struct add_job *j)
{
    struct unit u;
    int64_t known = 0;
    if (unit_by_code(db, j->unit_code, &u) != STORE_ROW) {
        snprintf(j->err, sizeof j->err, "unknown unit %s", j->unit_code);
        return -1;
    }
    if (store_query_int(db, "SELECT count(*) FROM roles WHERE name = ?", j->role, &known) !=
            STORE_ROW ||
        !known) {
        snprintf(j->err, sizeof j->err, "unknown role %s", j->role);
        return -1;
    }
    return account_grant_role(db, j->a.id, j->role, u.id);
}

static int add_job(struct store *db, void *arg)
{
    struct add_job *j = arg;
    int rc = account_create(db, &j->a, j->hash);
    if (rc == STORE_CONSTRAINT)
        snprintf(j->err, sizeof j->err, "login %s already exists", j->a.login);
    if (rc == 0 && j->role)
        rc = grant(db, j);
    if (rc == 0 && j->totp[0])
        rc = account_set_totp(db, j->a.id, j->totp);
    return rc;
}

static int grant_job(struct store *db, void *arg)
{
    struct add_job *j = arg;
    if (account_id_by_login(db, j->a.login, "staff", ACCOUNT_ANY_STATE, &j->a.id) != STORE_ROW) {
        snprintf(j->err, sizeof j->err, "no officer with login %s", j->a.login);
        return -1;
    }
    return grant(db, j);
}

static int read_password(const char *arg, int from_stdin, char *pw, size_t cap)
{
    if (from_stdin) {
        if (!fgets(pw, (int)cap, stdin)) {
            fprintf(stderr, "motcua user add: no password on standard input\n");
            return -1;
        }
        pw[strcspn(pw, "\r\n")] = '\0';
    } else if (!arg || copy_str(pw, cap, arg)) {
        fprintf(stderr, "motcua user add: --password or --password-stdin is required\n");
        return -1;
    }
    size_t chars = text_utf8_chars(pw);
    if (chars < PASSWORD_MIN_CHARS || chars > PASSWORD_MAX_CHARS) {
        fprintf(stderr, "motcua user add: the password needs %d to %d characters\n",
                PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS);
        return -1;
    }
    return 0;
}

static int check_login(const struct account *a)
{
    if (strcmp(a->kind, "citizen") == 0) {
        const char *why = NULL;
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        if (citizen_id_check(a->login, tm.tm_year + 1900, NULL, &why)) {
            fprintf(stderr, "motcua user add: --login: %s\n", why ? why : "invalid");
            return -1;
        }
        return 0;
    }
    size_t n = strlen(a->login);
    if (n < 3 || n > 63 || strspn(a->login, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n) {
        fprintf(stderr, "motcua user add: --login: 3-63 of a-z 0-9 . _ -\n");
        return -1;
    }
    return 0;
}

static int run_job(const char *data, int (*fn)(struct store *, void *), struct add_job *j,
                   const char *what)
{
    struct store *db;
    if (cli_open_data(data, &db))
        return 1;
    int rc = store_run(db, fn, j);
    if (rc)
        fprintf(stderr, "motcua user %s: %s\n", what, j->err[0] ? j->err : store_errmsg(db));
    store_close(db);
    return rc ? 1 : 0;
}

static int do_add(const char *data, struct add_job *j, const char *password, int pw_stdin,
                  int no_totp)
{
    char pw[PASSWORD_MAX_CHARS * 4 + 2];
    if (read_password(password, pw_stdin, pw, sizeof pw) || check_login(&j->a))
        return 2;
    const char *weak = password_weakness(pw, j->a.login, j->a.full_name);
    if (weak) {
        explicit_bzero(pw, sizeof pw);
        fprintf(stderr, "motcua user add: the password is refused: %s\n", weak);
        return 2;
    }
    int rc = password_hash(pw, j->hash, sizeof j->hash);
    explicit_bzero(pw, sizeof pw);
    if (rc == 0 && strcmp(j->a.kind, "staff") == 0 && !no_totp)
        rc = totp_new_secret(j->totp, sizeof j->totp);
    if (rc) {
        fprintf(stderr, "motcua user add: cannot hash the password\n");
        return 1;
    }
    if ((rc = run_job(data, add_job, j, "add")))
        return rc;
    printf("created %s account %s (id %lld)\n", j->a.kind, j->a.login, (long long)j->a.id);
    if (j->totp[0]) {
        char uri[300];
        totp_uri(j->totp, j->a.login, uri, sizeof uri);
        printf("one-time-code secret (add it to an authenticator app; shown once):\n  %s\n  %s\n",
               j->totp, uri);
    }
    return 0;
}

static int do_totp_code(const char *data, const char *login)
{
    struct store *db;
    struct store_stmt *st;
    char secret[TOTP_SECRET_B32_MAX + 1] = "", code[7];
    if (!login) {
        fprintf(stderr, "motcua user totp-code: --login is required\n");
        return 2;
    }
    if (cli_open_data(data, &db))
        return 1;
    if (store_prepare(db, "SELECT coalesce(totp_secret, '') FROM accounts WHERE login = ?",
                      &st) == 0) {
        store_bind_text(st, 1, login);
        if (store_step(st) == STORE_ROW)
            copy_str(secret, sizeof secret, store_col_text(st, 0));
        store_done(st);
    }
    store_close(db);
    if (!secret[0] || totp_code(secret, now_unix(), code)) {
        fprintf(stderr, "motcua user totp-code: %s has no one-time-code secret\n", login);
        return 1;
    }
    printf("%s\n", code);
    return 0;
}

static int do_list(const char *data)
{
    struct store *db;
    struct store_stmt *st;
    if (cli_open_data(data, &db))
        return 1;
    if (store_prepare(db,
                      "SELECT a.id, a.kind, a.login, a.full_name,"
                      " coalesce(group_concat(sr.role || '@' || u.code, ' '), '')"
                      " FROM accounts a LEFT JOIN staff_roles sr ON sr.account_id = a.id"
                      " LEFT JOIN units u ON u.id = sr.unit_id GROUP BY a.id ORDER BY a.id",
                      &st) == 0) {
        while (store_step(st) == STORE_ROW)
            printf("%lld\t%s\t%s\t%s\t%s\n", (long long)store_col_int(st, 0),
                   store_col_text(st, 1), store_col_text(st, 2), store_col_text(st, 3),
                   store_col_text(st, 4));
        store_done(st);
    }
    store_close(db);
    return 0;
}

int cmd_user(int argc, char **argv)
{
    const char *data = NULL, *login = NULL, *name = NULL, *password = NULL, *kind = "citizen";
    const char *role = NULL, *unit = NULL, *phone = "", *email = "", *pos[1];
    int pw_stdin = 0, no_totp = 0, npos = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL},
                                   {"--login", 1, &login, NULL},
                                   {"--name", 1, &name, NULL},
                                   {"--password", 1, &password, NULL},
                                   {"--password-stdin", 0, NULL, &pw_stdin},
                                   {"--kind", 1, &kind, NULL},
                                   {"--role", 1, &role, NULL},
                                   {"--unit", 1, &unit, NULL},
                                   {"--no-totp", 0, NULL, &no_totp},
                                   {"--phone", 1, &phone, NULL},
                                   {"--email", 1, &email, NULL},
                                   {0}};
    int rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data || npos != 1) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(pos[0], "list") == 0)
        return do_list(data);
    if (strcmp(pos[0], "totp-code") == 0)
        return do_totp_code(data, login);
    struct add_job j;
    memset(&j, 0, sizeof j);
    j.role = role;
    j.unit_code = unit;
    if (strcmp(pos[0], "grant") == 0) {
        if (!login || !role || !unit || copy_str(j.a.login, sizeof j.a.login, login)) {
            fprintf(stderr, "motcua user grant: --login, --role and --unit are required\n");
            return 2;
        }
        rc = run_job(data, grant_job, &j, "grant");
        if (rc == 0)
            printf("granted %s on %s to %s\n", role, unit, login);
        return rc;
    }
    if (strcmp(pos[0], "add") != 0) {
        fputs(usage, stderr);
        return 2;
    }
    if (!login || !name || (strcmp(kind, "citizen") && strcmp(kind, "staff"))) {
        fprintf(stderr, "motcua user add: --login, --name and a --kind of citizen|staff\n");
        return 2;
    }
    if (strcmp(kind, "staff") == 0 ? (!role || !unit) : (role || unit)) {
        fprintf(stderr, "motcua user add: officers need --role and --unit; citizens have none\n");
        return 2;
    }
    if (copy_str(j.a.kind, sizeof j.a.kind, kind) || copy_str(j.a.login, sizeof j.a.login, login) ||
        copy_str(j.a.full_name, sizeof j.a.full_name, name) ||
        copy_str(j.a.phone, sizeof j.a.phone, phone) ||
        copy_str(j.a.email, sizeof j.a.email, email)) {
        fprintf(stderr, "motcua user add: a value is too long\n");
        return 2;
    }
    return do_add(data, &j, password, pw_stdin, no_totp);
}

/* cmd_user: creates and lists accounts from the command line. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/account.h"
#include "auth/citizen_id.h"
#include "auth/password.h"
#include "base/text.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua user add --data DIR --login LOGIN --name NAME\n"
    "                       (--password PW | --password-stdin)\n"
    "                       [--kind citizen|staff] [--role ROLE] [--unit CODE]\n"
    "                       [--phone PHONE] [--email EMAIL]\n"
    "       motcua user list --data DIR\n"
    "  A citizen's login is their 12-digit personal identification number.\n"
    "  Staff need --role and --unit (the unit code, e.g. 000.00.00.H56).\n";

struct add_job {
    struct account a;
    char hash[PASSWORD_HASH_MAX];
};

static int add_job(struct store *db, void *arg)
{
    struct add_job *j = arg;
    return account_create(db, &j->a, j->hash);
}

static int read_password_stdin(char *out, size_t cap)
{
    if (!fgets(out, (int)cap, stdin))
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
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

static int do_add(const char *data, struct add_job *j, const char *password, int pw_stdin,
                  const char *unit_code)
{
    char pw[PASSWORD_MAX_CHARS * 4 + 2];
    if (pw_stdin) {
        if (read_password_stdin(pw, sizeof pw)) {
            fprintf(stderr, "motcua user add: no password on standard input\n");
            return 2;
        }
    } else if (!password || copy_str(pw, sizeof pw, password)) {
        fprintf(stderr, "motcua user add: --password or --password-stdin is required\n");
        return 2;
    }
    size_t chars = text_utf8_chars(pw);
    if (chars < PASSWORD_MIN_CHARS || chars > PASSWORD_MAX_CHARS) {
        fprintf(stderr, "motcua user add: the password needs %d to %d characters\n",
                PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS);
        return 2;
    }
    if (check_login(&j->a))
        return 2;
    struct store *db;
    if (cli_open_data(data, &db))
        return 1;
    int rc = 0;
    if (unit_code) {
        struct unit u;
        if (unit_by_code(db, unit_code, &u) != STORE_ROW) {
            fprintf(stderr, "motcua user add: unknown unit %s\n", unit_code);
            rc = 1;
        }
        j->a.unit_id = u.id;
    }
    if (rc == 0 && password_hash(pw, j->hash, sizeof j->hash))
        rc = 1;
    explicit_bzero(pw, sizeof pw);
    if (rc == 0) {
        rc = store_run(db, add_job, j);
        if (rc == STORE_CONSTRAINT)
            fprintf(stderr, "motcua user add: login %s already exists\n", j->a.login);
        else if (rc)
            fprintf(stderr, "motcua user add: %s\n", store_errmsg(db));
        rc = rc ? 1 : 0;
    }
    store_close(db);
    if (rc == 0)
        printf("created %s account %s (id %lld)\n", j->a.kind, j->a.login, (long long)j->a.id);
    return rc;
}

static int do_list(const char *data)
{
    struct store *db;
    struct store_stmt *st;
    if (cli_open_data(data, &db))
        return 1;
    if (store_prepare(db,
                      "SELECT a.id, a.kind, a.login, a.full_name, coalesce(a.role, ''),"
                      " coalesce(u.code, '') FROM accounts a LEFT JOIN units u"
                      " ON u.id = a.unit_id ORDER BY a.id",
                      &st) == 0) {
        while (store_step(st) == STORE_ROW)
            printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)store_col_int(st, 0),
                   store_col_text(st, 1), store_col_text(st, 2), store_col_text(st, 3),
                   store_col_text(st, 4), store_col_text(st, 5));
        store_done(st);
    }
    store_close(db);
    return 0;
}

int cmd_user(int argc, char **argv)
{
    const char *data = NULL, *login = NULL, *name = NULL, *password = NULL, *kind = "citizen";
    const char *role = NULL, *unit = NULL, *phone = "", *email = "", *pos[1];
    int pw_stdin = 0, npos = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL},
                                   {"--login", 1, &login, NULL},
                                   {"--name", 1, &name, NULL},
                                   {"--password", 1, &password, NULL},
                                   {"--password-stdin", 0, NULL, &pw_stdin},
                                   {"--kind", 1, &kind, NULL},
                                   {"--role", 1, &role, NULL},
                                   {"--unit", 1, &unit, NULL},
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
    if (strcmp(pos[0], "add") != 0) {
        fputs(usage, stderr);
        return 2;
    }
    if (!login || !name || (strcmp(kind, "citizen") && strcmp(kind, "staff"))) {
        fprintf(stderr, "motcua user add: --login, --name and a --kind of citizen|staff\n");
        return 2;
    }
    if (strcmp(kind, "staff") == 0 && (!role || !unit)) {
        fprintf(stderr, "motcua user add: staff need --role and --unit\n");
        return 2;
    }
    struct add_job j;
    memset(&j, 0, sizeof j);
    if (copy_str(j.a.kind, sizeof j.a.kind, kind) || copy_str(j.a.login, sizeof j.a.login, login) ||
        copy_str(j.a.full_name, sizeof j.a.full_name, name) ||
        copy_str(j.a.phone, sizeof j.a.phone, phone) ||
        copy_str(j.a.email, sizeof j.a.email, email) ||
        copy_str(j.a.role, sizeof j.a.role, role ? role : "")) {
        fprintf(stderr, "motcua user add: a value is too long\n");
        return 2;
    }
    return do_add(data, &j, password, pw_stdin, unit);
}

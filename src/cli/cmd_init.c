/* cmd_init: creates a data directory: database, schema, reference data
 * (procedures), and with --demo the Thanh Hóa units and demo accounts.
 * Running it again updates reference data and keeps everything else. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/account.h"
#include "auth/password.h"
#include "base/assets.h"
#include "base/csv.h"
#include "base/util.h"
#include "catalog/procedure.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "document/document.h"
#include "sign/vault.h"
#include "store/migrate.h"
#include "store/store.h"
#include "workflow/workflow.h"

static const char usage[] =
    "usage: motcua init --data DIR [--demo]\n"
    "  Creates DIR with the database (DIR/motcua.db) and attachment store,\n"
    "  applies migrations and loads the procedure catalog.\n"
    "  --demo  also loads the Thanh Hóa units (demo codes) and demo accounts, and\n"
    "          makes the demo CA and its keys (motcua key demo; docs/keys.md).\n"
    "  Creates DIR/keys/master.key (mode 0600), which encrypts the signing keys.\n";

struct init_job {
    int demo;
    int procedures, units, accounts;
    char err[512];
};

/* The demo's units: the province, its departments and communes (kept by
 * hand), then the units under them that tools/gen-units.mjs generates
 * (data/README.md). */
static int load_asset_units(struct store *db, struct init_job *j)
{
    static const char *files[] = {"data/units-thanh-hoa.csv", "data/units-thanh-hoa-don-vi.csv"};
    j->units = 0;
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        const struct asset *a = asset_find(files[i]);
        char why[400];
        int n = 0;
        if (!a) {
            snprintf(j->err, sizeof j->err, "%s is missing from the build", files[i]);
            return -1;
        }
        if (unit_import_csv(db, (const char *)a->data, a->len, &n, why, sizeof why)) {
            snprintf(j->err, sizeof j->err, "units: %s: %s", files[i], why);
            return -1;
        }
        j->units += n;
    }
    return 0;
}

/* One demo account line:
 * kind,login,full_name,phone,email,password,role,unit_code,totp_secret */
static int demo_account(struct store *db, char *line, struct init_job *j)
{
    char *f[9];
    if (csv_split(line, f, 9) != 9)
        return -1;
    int64_t existing;
    int rc = account_id_by_login(db, f[1], NULL, ACCOUNT_ANY_STATE, &existing);
    if (rc < 0)
        return -1;
    if (rc == STORE_ROW)
        return 0;
    struct account a;
    memset(&a, 0, sizeof a);
    copy_str(a.kind, sizeof a.kind, f[0]);
    copy_str(a.login, sizeof a.login, f[1]);
    copy_str(a.full_name, sizeof a.full_name, f[2]);
    copy_str(a.phone, sizeof a.phone, f[3]);
    copy_str(a.email, sizeof a.email, f[4]);
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(f[5], hash, sizeof hash) || account_create(db, &a, hash))
        return -1;
    if (strcmp(a.kind, "staff") == 0) {
        struct unit u;
        if (unit_by_code(db, f[7], &u) != STORE_ROW ||
            account_grant_role(db, a.id, f[6], u.id) ||
            (f[8][0] && account_set_totp(db, a.id, f[8])))
            return -1;
    }
    j->accounts++;
    return 0;
}

static int load_demo_accounts(struct store *db, struct init_job *j)
{
    const struct asset *a = asset_find("data/demo-accounts.csv");
    size_t pos = 0;
    char *line;
    int lineno = 0;
    if (!a)
        return -1;
    while ((line = csv_next_line((const char *)a->data, a->len, &pos))) {
        int rc = ++lineno > 1 && line[0] ? demo_account(db, line, j) : 0;
        free(line);
        if (rc) {
            snprintf(j->err, sizeof j->err, "data/demo-accounts.csv line %d is invalid", lineno);
            return -1;
        }
    }
    return 0;
}

/* Loads one embedded JSON file with its loader. */
static int load_json_asset(struct store *db, struct init_job *j, const char *path,
                           int (*load)(struct store *, const char *, size_t, char *, size_t))
{
    const struct asset *a = asset_find(path);
    char why[400] = "";
    if (!a || load(db, (const char *)a->data, a->len, why, sizeof why)) {
        snprintf(j->err, sizeof j->err, "%s: %s", path, a ? why : "missing from the build");
        return -1;
    }
    return 0;
}

static int init_job(struct store *db, void *arg)
{
    struct init_job *j = arg;
    const struct asset *a = asset_find("data/procedures.json");
    char why[400];
    if (load_json_asset(db, j, "data/roles.json", roles_load_json) ||
        load_json_asset(db, j, "data/workflows.json", workflow_load_json) ||
        load_json_asset(db, j, "data/document-types.json", document_types_load_json))
        return -1;
    if (!a) {
        snprintf(j->err, sizeof j->err, "data/procedures.json is missing from the build");
        return -1;
    }
    if (procedure_load_json(db, (const char *)a->data, a->len, &j->procedures, why, sizeof why)) {
        snprintf(j->err, sizeof j->err, "procedures: %s", why);
        return -1;
    }
    if (j->demo && (load_asset_units(db, j) || load_demo_accounts(db, j)))
        return -1;
    if (procedure_attach_units(db)) {
        snprintf(j->err, sizeof j->err, "cannot attach procedures to units: %s",
                 store_errmsg(db));
        return -1;
    }
    return 0;
}

int cmd_init(int argc, char **argv)
{
    const char *data = NULL;
    int demo = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL}, {"--demo", 0, NULL, &demo}, {0}};
    int rc = cli_parse(argc, argv, opts, usage, NULL, 0, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data) {
        fprintf(stderr, "motcua init: --data DIR is required\n%s", usage);
        return 2;
    }
    char files[1100], path[1100], err[512];
    snprintf(files, sizeof files, "%s/files", data);
    snprintf(path, sizeof path, "%s/motcua.db", data);
    if (mkdir_p(data) || mkdir_p(files)) {
        int e = errno;
        if (e == EROFS)
            fprintf(stderr, "motcua init: cannot create the data directory %s: it is on a "
                            "read-only file system\n",
                    data);
        else if (e == ENOSPC)
            fprintf(stderr, "motcua init: no space left on device while creating %s\n", data);
        else
            fprintf(stderr, "motcua init: cannot create the data directory %s: %s\n", data,
                    strerror(e));
        return 1;
    }
    if (cli_check_data_dir("init", data, CLI_DIR_WRITABLE | CLI_DIR_SPACE))
        return 1;
    struct store *db;
    if ((rc = store_open(path, 0, &db, err, sizeof err))) {
        cli_print_store_failure("init", data, rc, err);
        return 1;
    }
    if ((rc = migrate_apply(db, err, sizeof err))) {
        int io = store_take_io_error(db);
        cli_print_store_failure("init", data, io ? io : rc, err);
        store_close(db);
        return 1;
    }
    struct init_job j = {.demo = demo};
    int keys = 0;
    rc = store_run(db, init_job, &j);
    /* The master key of the key store (docs/keys.md); the demo's keys. */
    if (rc == 0 && vault_create(data, j.err, sizeof j.err) < 0)
        rc = -1;
    else if (rc == 0 && demo && cli_key_demo(db, data, 0, &keys, j.err, sizeof j.err))
        rc = -1;
    /* A job turns store errors into its own message; a full disk is said
     * as such. */
    int io = rc ? store_take_io_error(db) : 0;
    store_close(db);
    if (rc) {
        cli_print_store_failure("init", data, io ? io : rc, j.err[0] ? j.err : "failed");
        return 1;
    }
    printf("motcua: data directory %s ready (schema %d, %d procedures", data, migrate_latest(),
           j.procedures);
    if (demo)
        printf(", %d units, %d new demo accounts, %d new demo keys", j.units, j.accounts, keys);
    printf(")\n");
    return 0;
}

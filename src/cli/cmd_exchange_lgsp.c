/* cmd_exchange_lgsp: the organisations of e-office products that use this
 * node as their LGSP (docs/exchange.md "The LGSP interface"): `add`
 * registers one and prints its token once, `list` shows them, `revoke`
 * takes a token back. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/derr.h"
#include "base/util.h"
#include "cli/cli.h"
#include "node/lgsp.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua exchange lgsp add --data DIR --organ CODE --name NAME\n"
    "       motcua exchange lgsp list --data DIR\n"
    "       motcua exchange lgsp revoke --data DIR --organ CODE\n"
    "  add     register organisation CODE (its OrganId; the directory must list\n"
    "          it on this node) for an e-office product and print its token,\n"
    "          once: only its SHA-256 is kept. Again after revoke: a new token.\n"
    "  list    the organisations, with their envelopes waiting, as JSON.\n"
    "  revoke  refuse the organisation's calls from now on.\n"
    "Exit 0 done, 1 refused (the reason on stderr), 2 usage error, 3 unreadable.\n";

struct add_args {
    const char *organ, *name;
    char token[LGSP_TOKEN_HEX + 1];
    struct derr err;
};

static int add_job(struct store *db, void *arg)
{
    struct add_args *a = arg;
    return lgsp_organ_add(db, a->organ, a->name, now_unix(), a->token, &a->err);
}

struct revoke_args {
    const char *organ;
    struct derr err;
};

static int revoke_job(struct store *db, void *arg)
{
    struct revoke_args *a = arg;
    return lgsp_organ_revoke(db, a->organ, now_unix(), &a->err);
}

static int refused(const char *verb, struct derr *err)
{
    if (!err->code || err->kind == DERR_INTERNAL) {
        fprintf(stderr, "motcua exchange lgsp %s: cannot write the database\n", verb);
        derr_clear(err);
        return 3;
    }
    fprintf(stderr, "motcua exchange lgsp %s: %s (%s)\n", verb, err->message, err->code);
    derr_clear(err);
    return 1;
}

int cmd_exchange_lgsp(int argc, char **argv)
{
    const char *data_dir = NULL, *organ = NULL, *name = NULL;
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL},
                                   {"--organ", 1, &organ, NULL},
                                   {"--name", 1, &name, NULL},
                                   {0}};
    struct store *db = NULL;
    int npos = 0, rc;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *verb = argv[1];
    int add = strcmp(verb, "add") == 0, list = strcmp(verb, "list") == 0,
        revoke = strcmp(verb, "revoke") == 0;
    rc = cli_parse(argc - 1, argv + 1, opts, usage, NULL, 0, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if ((!add && !list && !revoke) || npos != 0 || !data_dir || (add && (!organ || !name)) ||
        (revoke && !organ) || (list && (organ || name)) || (revoke && name)) {
        fputs(usage, stderr);
        return 2;
    }
    if (cli_open_data(data_dir, &db))
        return 3;
    if (list) {
        json_t *j = lgsp_organs_json(db);
        store_close(db);
        if (!j) {
            fprintf(stderr, "motcua exchange lgsp list: cannot read the database\n");
            return 3;
        }
        rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0;
        fputc('\n', stdout);
        json_decref(j);
        return rc ? 3 : 0;
    }
    if (add) {
        struct add_args a = {.organ = organ, .name = name};
        rc = store_run(db, add_job, &a);
        store_close(db);
        if (rc)
            return refused(verb, &a.err);
        /* The only time the token is seen: the product's operator keeps it. */
        printf("%s\n", a.token);
        return 0;
    }
    struct revoke_args a = {.organ = organ};
    rc = store_run(db, revoke_job, &a);
    store_close(db);
    if (rc)
        return refused(verb, &a.err);
    printf("revoked %s\n", organ);
    return 0;
}

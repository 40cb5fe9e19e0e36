/* cmd_exchange_service: the data-sharing services from the command line:
 * which consumer units may call which service this node offers (allow,
 * deny, list), a signed request made by hand (request), to test a
 * provider or to call one with curl, and the call log (calls). docs/exchange.md "Data-sharing
 * services". */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "base/derr.h"
#include "base/util.h"
#include "cli/cli.h"
#include "exchange/sharing.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua exchange service allow --data DIR --service NAME --organ CODE\n"
    "       motcua exchange service deny --data DIR --service NAME --organ CODE\n"
    "       motcua exchange service list --data DIR [--service NAME]\n"
    "       motcua exchange request --data DIR --as CODE --organ CODE --service NAME\n"
    "                               [--params JSON] [--nonce HEX32] [--time UNIX] OUT\n"
    "       motcua exchange calls --data DIR [--limit N]\n"
    "  allow    let the unit CODE (a consumer's OrganId) call service NAME here.\n"
    "  deny     take that right back.\n"
    "  list     the services this node offers and who may call each, as JSON.\n"
    "  request  sign a request to service NAME of unit --organ with the seal of\n"
    "           unit --as (a fresh nonce and now unless given) and write it to OUT,\n"
    "           as a node sends it to POST /api/v1/exchange/services/NAME.\n"
    "  calls    the newest N calls logged here (default 50), both sides, as JSON;\n"
    "           the signed request and answer of each stay in exchange_calls.\n"
    "Exit 0 done, 1 refused (the reason on stderr), 2 usage error, 3 unreadable.\n";

static int refused(const char *cmd, struct derr *err)
{
    fprintf(stderr, "motcua exchange %s: %s (%s)\n", cmd, err->message,
            err->code ? err->code : "");
    int rc = err->kind == DERR_INTERNAL ? 3 : 1;
    derr_clear(err);
    return rc;
}

static int do_access(const char *verb, int argc, char **argv)
{
    const char *data_dir = NULL, *service = NULL, *organ = NULL;
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL},
                                   {"--service", 1, &service, NULL},
                                   {"--organ", 1, &organ, NULL},
                                   {0}};
    struct derr err = {0};
    struct store *db = NULL;
    int list = strcmp(verb, "list") == 0, npos = 0;
    int rc = cli_parse(argc, argv, opts, usage, NULL, 0, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data_dir || (!list && (!service || !organ))) {
        fputs(usage, stderr);
        return 2;
    }
    if (cli_open_data(data_dir, &db))
        return 3;
    if (list) {
        json_t *j = sharing_access_json(db, service);
        store_close(db);
        if (!j) {
            fprintf(stderr, "motcua exchange service list: cannot read the database\n");
            return 3;
        }
        rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0;
        fputc('\n', stdout);
        json_decref(j);
        return rc ? 3 : 0;
    }
    if (strcmp(verb, "allow") == 0)
        rc = store_begin(db) || sharing_allow(db, service, organ, now_unix(), &err);
    else
        rc = store_begin(db) || sharing_deny(db, service, organ, &err);
    if (rc) {
        store_rollback(db);
        store_close(db);
        if (!err.code) {
            fprintf(stderr, "motcua exchange service %s: cannot write the database\n", verb);
            return 3;
        }
        return refused(verb, &err);
    }
    if (store_commit(db)) {
        store_close(db);
        fprintf(stderr, "motcua exchange service %s: cannot write the database\n", verb);
        return 3;
    }
    store_close(db);
    printf("%s %s %s\n", verb, service, organ);
    return 0;
}

static int do_request(int argc, char **argv)
{
    const char *data_dir = NULL, *as = NULL, *organ = NULL, *service = NULL, *params = NULL,
               *nonce = NULL, *when = NULL, *pos[1];
    const struct cli_opt opts[] = {
        {"--data", 1, &data_dir, NULL}, {"--as", 1, &as, NULL},
        {"--organ", 1, &organ, NULL},   {"--service", 1, &service, NULL},
        {"--params", 1, &params, NULL}, {"--nonce", 1, &nonce, NULL},
        {"--time", 1, &when, NULL},     {0}};
    struct derr err = {0};
    struct store *db = NULL;
    json_t *p = NULL;
    unsigned char *out = NULL, raw[16];
    size_t len = 0;
    char fresh[33];
    long t = 0;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 1 || !data_dir || !as || !organ || !service ||
        (when && parse_long(when, 0, 4102444800L, &t))) {
        fputs(usage, stderr);
        return 2;
    }
    if (params) {
        json_error_t je;
        p = json_loads(params, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(p)) {
            json_decref(p);
            fprintf(stderr, "motcua exchange request: --params must be a JSON object\n");
            return 2;
        }
    }
    if (!nonce) {
        if (random_bytes(raw, sizeof raw)) {
            json_decref(p);
            return 3;
        }
        hex_encode(raw, sizeof raw, fresh);
        nonce = fresh;
    }
    if (cli_open_data(data_dir, &db)) {
        json_decref(p);
        return 3;
    }
    rc = sharing_request_sign(db, data_dir, as, organ, service, p, nonce,
                              when ? (int64_t)t : now_unix(), &out, &len, &err);
    store_close(db);
    json_decref(p);
    if (rc)
        return refused("request", &err);
    FILE *fp = fopen(pos[0], "wb");
    int ok = fp && fwrite(out, 1, len, fp) == len;
    ok = fp && fclose(fp) == 0 && ok;
    free(out);
    if (!ok) {
        fprintf(stderr, "motcua exchange request: cannot write %s\n", pos[0]);
        return 3;
    }
    printf("nonce %s\n", nonce);
    return 0;
}

static int do_calls(int argc, char **argv)
{
    const char *data_dir = NULL, *limit = NULL;
    const struct cli_opt opts[] = {
        {"--data", 1, &data_dir, NULL}, {"--limit", 1, &limit, NULL}, {0}};
    struct store *db = NULL;
    long n = 50;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, NULL, 0, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data_dir || (limit && parse_long(limit, 1, 10000, &n))) {
        fputs(usage, stderr);
        return 2;
    }
    if (cli_open_data(data_dir, &db))
        return 3;
    json_t *j = sharing_calls_json(db, (int)n);
    store_close(db);
    if (!j) {
        fprintf(stderr, "motcua exchange calls: cannot read the database\n");
        return 3;
    }
    rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0;
    fputc('\n', stdout);
    json_decref(j);
    return rc ? 3 : 0;
}

int cmd_exchange_service(int argc, char **argv)
{
    if (app_offer_services()) {
        fprintf(stderr, "motcua exchange: cannot offer the services\n");
        return 3;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "service") == 0 && argc >= 3 &&
        (strcmp(argv[2], "allow") == 0 || strcmp(argv[2], "deny") == 0 ||
         strcmp(argv[2], "list") == 0))
        return do_access(argv[2], argc - 2, argv + 2);
    if (strcmp(argv[1], "request") == 0)
        return do_request(argc - 1, argv + 1);
    if (strcmp(argv[1], "calls") == 0)
        return do_calls(argc - 1, argv + 1);
    fprintf(stderr, "motcua exchange: unknown subcommand '%s'\n%s", argv[1], usage);
    return 2;
}

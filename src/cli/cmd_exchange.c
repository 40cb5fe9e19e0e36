/* cmd_exchange: the exchange of documents between nodes from the command
 * line. `motcua exchange node` names the node of the directory this server
 * is (docs/exchange.md "Sending and receiving") and installs its TLS
 * identity for mutual TLS between nodes ("Transport"); the data-sharing
 * subcommands are passed to cmd_exchange_service.c, `lgsp` to
 * cmd_exchange_lgsp.c. */
#include <stdio.h>
#include <string.h>

#include "base/derr.h"
#include "base/util.h"
#include "cli/cli.h"
#include "exchange/node_tls.h"
#include "exchange/outbox.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua exchange node --data DIR [--id NODE_ID\n"
    "                                         [--tls-key KEY.pem --tls-cert CERT.pem]]\n"
    "       motcua exchange service|request|calls ... (data-sharing services:\n"
    "                                          motcua exchange service --help)\n"
    "       motcua exchange lgsp add|list|revoke ... (e-office products using this\n"
    "                                          node as their LGSP: motcua exchange lgsp --help)\n"
    "  node     with --id: this server is node NODE_ID of the installed\n"
    "           directory (which must list it); without: prints the node id.\n"
    "           --tls-key, --tls-cert: this node's TLS identity for mutual TLS\n"
    "           between nodes (serve --node-listen, https peers): the key must\n"
    "           be the certificate's and the certificate the one the directory\n"
    "           lists for NODE_ID; copied into DIR/exchange (the key mode 0600).\n"
    "Exit 0 done, 1 refused (the reason on stderr), 2 usage error, 3 unreadable.\n";

static int do_node(int argc, char **argv)
{
    const char *data_dir = NULL, *id = NULL, *tls_key = NULL, *tls_cert = NULL;
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL},
                                   {"--id", 1, &id, NULL},
                                   {"--tls-key", 1, &tls_key, NULL},
                                   {"--tls-cert", 1, &tls_cert, NULL},
                                   {0}};
    struct store *db = NULL;
    struct derr err = {0};
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, NULL, 0, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 0 || !data_dir || (!tls_key != !tls_cert) || (tls_key && !id)) {
        fputs(usage, stderr);
        return 2;
    }
    if (cli_open_data(data_dir, &db))
        return 3;
    if (!id) {
        char self[EXCHANGE_NODE_ID_MAX];
        rc = exchange_node_get(db, self);
        store_close(db);
        if (rc != STORE_ROW) {
            fprintf(stderr, "motcua exchange node: %s\n",
                    rc == STORE_DONE ? "Máy chủ này chưa được đặt mã nút liên thông."
                                     : "cannot read the database");
            return rc == STORE_DONE ? 1 : 3;
        }
        printf("%s\n", self);
        return 0;
    }
    /* The identity first: a refused one leaves the node id as it was. */
    rc = tls_key ? node_tls_install(db, data_dir, id, tls_key, tls_cert, now_unix(), &err) : 0;
    if (rc == 0)
        rc = exchange_node_set(db, id, now_unix(), &err);
    store_close(db);
    if (rc) {
        fprintf(stderr, "motcua exchange node: %s (%s)\n", err.message, err.code);
        rc = err.kind == DERR_INTERNAL ? 3 : 1;
        derr_clear(&err);
        return rc;
    }
    printf("%s\n", id);
    return 0;
}

int cmd_exchange(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "node") == 0)
        return do_node(argc - 1, argv + 1);
    if (strcmp(argv[1], "retention") == 0 || strcmp(argv[1], "purge") == 0)
        return cmd_exchange_log(argc, argv);
    /* The data-sharing services have their own (cmd_exchange_service.c). */
    if (strcmp(argv[1], "service") == 0 || strcmp(argv[1], "request") == 0 ||
        strcmp(argv[1], "calls") == 0)
        return cmd_exchange_service(argc, argv);
    /* The organisations of e-office products (cmd_exchange_lgsp.c). */
    if (strcmp(argv[1], "lgsp") == 0)
        return cmd_exchange_lgsp(argc - 1, argv + 1);
    fprintf(stderr, "motcua exchange: unknown subcommand '%s'\n%s", argv[1], usage);
    return 2;
}

/* cmd_exchange_log: the exchange message log's retention from the command
 * line (docs/exchange.md "The message log"). `motcua exchange retention`
 * shows or sets how many years the province keeps the log; `motcua
 * exchange purge` removes the rows older than that (the server also does
 * it daily), never an outgoing message still to send. */
#include <stdio.h>
#include <string.h>

#include "base/derr.h"
#include "base/util.h"
#include "cli/cli.h"
#include "node/msglog.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua exchange retention --data DIR [--years N]\n"
    "       motcua exchange purge --data DIR [--dry-run]\n"
    "  retention  with --years: keep the exchange message log N years (1 to 100);\n"
    "             without: prints the retention in years (default 10).\n"
    "  purge      removes the log rows older than the retention, and their\n"
    "             envelope files no other row names; never a message still\n"
    "             pending or sending. --dry-run only counts. The server does\n"
    "             the same once a day.\n"
    "Exit 0 done, 1 refused (the reason on stderr), 2 usage error, 3 unreadable.\n";

static int do_retention(int argc, char **argv)
{
    const char *data_dir = NULL, *years_s = NULL;
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL}, {"--years", 1, &years_s, NULL},
                                   {0}};
    struct store *db = NULL;
    struct derr err = {0};
    long years;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, NULL, 0, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 0 || !data_dir) {
        fputs(usage, stderr);
        return 2;
    }
    if (years_s && parse_long(years_s, MSGLOG_RETENTION_MIN, MSGLOG_RETENTION_MAX, &years)) {
        fprintf(stderr, "motcua exchange retention: Thời hạn lưu nhật ký liên thông phải từ 1 "
                        "đến 100 năm. (bad_retention)\n");
        return 1;
    }
    if (cli_open_data(data_dir, &db))
        return 3;
    if (!years_s) {
        int y;
        rc = msglog_retention_get(db, &y);
        store_close(db);
        if (rc < 0) {
            fprintf(stderr, "motcua exchange retention: cannot read the database\n");
            return 3;
        }
        printf("%d\n", y);
        return 0;
    }
    rc = msglog_retention_set(db, years, now_unix(), &err);
    store_close(db);
    if (rc) {
        int internal = err.kind == DERR_INTERNAL;
        fprintf(stderr, "motcua exchange retention: %s (%s)\n", err.message, err.code);
        derr_clear(&err);
        return internal ? 3 : 1;
    }
    printf("%ld\n", years);
    return 0;
}

static int do_purge(int argc, char **argv)
{
    const char *data_dir = NULL;
    int dry = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL}, {"--dry-run", 0, NULL, &dry},
                                   {0}};
    struct store *db = NULL;
    struct msglog_purge p;
    char err[512], files[1100];
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, NULL, 0, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 0 || !data_dir) {
        fputs(usage, stderr);
        return 2;
    }
    if (snprintf(files, sizeof files, "%s/files", data_dir) >= (int)sizeof files) {
        fprintf(stderr, "motcua exchange purge: the data directory's path is too long\n");
        return 2;
    }
    if (cli_open_data(data_dir, &db))
        return 3;
    rc = msglog_purge(db, files, now_unix(), dry, &p, err, sizeof err);
    store_close(db);
    if (rc) {
        fprintf(stderr, "motcua exchange purge: %s\n", err);
        return 3;
    }
    printf("%s%lld rows older than %d years, %lld envelope files\n",
           dry ? "would remove " : "removed ", (long long)p.rows, p.years, (long long)p.files);
    return 0;
}

int cmd_exchange_log(int argc, char **argv)
{
    if (strcmp(argv[1], "retention") == 0)
        return do_retention(argc - 1, argv + 1);
    return do_purge(argc - 1, argv + 1);
}

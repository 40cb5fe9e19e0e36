/* cli: option parsing shared by the subcommands. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/migrate.h"
#include "store/store.h"

int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char *usage,
              const char **pos, int maxpos, int *npos)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (n >= maxpos) {
                fprintf(stderr, "motcua %s: unexpected argument '%s'\n%s", argv[0], a, usage);
                return 2;
            }
            pos[n++] = a;
            continue;
        }
        const struct cli_opt *o = opts;
        while (o && o->name && strcmp(o->name, a) != 0)
            o++;
        if (!o || !o->name) {
            fprintf(stderr, "motcua %s: unknown option '%s'\n%s", argv[0], a, usage);
            return 2;
        }
        if (o->takes_value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "motcua %s: %s needs a value\n", argv[0], a);
                return 2;
            }
            *o->value = argv[++i];
        } else {
            *o->flag = 1;
        }
    }
    if (npos)
        *npos = n;
    return 0;
}

int cli_open_data(const char *dir, struct store **out)
{
    char path[1100], err[512];
    struct stat sb;
    snprintf(path, sizeof path, "%s/motcua.db", dir);
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "motcua: no database at %s (run: motcua init --data %s)\n", path, dir);
        return -1;
    }
    if (store_open(path, 0, out, err, sizeof err)) {
        fprintf(stderr, "motcua: %s\n", err);
        return -1;
    }
    if (migrate_apply(*out, err, sizeof err)) {
        fprintf(stderr, "motcua: %s\n", err);
        store_close(*out);
        return -1;
    }
    return 0;
}

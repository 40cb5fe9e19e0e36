/* cmd_audit: checks the hash chain of the audit log. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "store/store.h"

/* Exit statuses: an auditor's script must tell a broken chain (evidence of
 * tampering) from a database it could not read (a wrong path, a damaged
 * file), so they differ. */
enum { AUDIT_INTACT = 0, AUDIT_BROKEN = 1, AUDIT_USAGE = 2, AUDIT_UNREADABLE = 3 };

static const char usage[] =
    "usage: motcua audit verify --data DIR\n"
    "  Recomputes every audit entry's hash and prints the first broken entry.\n"
    "  The database is opened read-only: verifying changes nothing.\n"
    "  Exit status: 0 the chain is intact; 1 the chain is broken (the first broken\n"
    "  entry is named); 2 usage error; 3 the database or its audit log cannot be\n"
    "  opened or read.\n";

int cmd_audit(int argc, char **argv)
{
    const char *data = NULL, *pos[1];
    int npos = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL}, {0}};
    int rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? AUDIT_INTACT : AUDIT_USAGE;
    if (npos != 1 || strcmp(pos[0], "verify") != 0 || !data) {
        fputs(usage, stderr);
        return AUDIT_USAGE;
    }
    char path[1100], err[512];
    struct stat sb;
    struct store *db;
    if (snprintf(path, sizeof path, "%s/motcua.db", data) >= (int)sizeof path) {
        fprintf(stderr, "motcua audit: the path %s is too long\n", data);
        return AUDIT_UNREADABLE;
    }
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "motcua audit: cannot read %s: %s\n", path, strerror(errno));
        return AUDIT_UNREADABLE;
    }
    if (store_open(path, 1, &db, err, sizeof err)) {
        fprintf(stderr, "motcua audit: cannot open %s: %s\n", path, err);
        return AUDIT_UNREADABLE;
    }
    int64_t checked = 0, bad = 0;
    char why[256] = "";
    rc = audit_verify(db, &checked, &bad, why, sizeof why);
    if (rc < 0)
        fprintf(stderr, "motcua audit: cannot read the audit log in %s: %s\n", path,
                store_errmsg(db));
    store_close(db);
    if (rc < 0)
        return AUDIT_UNREADABLE;
    if (rc == 1) {
        printf("audit chain BROKEN at entry %lld: %s (%lld entries before it are intact)\n",
               (long long)bad, why, (long long)checked);
        return AUDIT_BROKEN;
    }
    printf("audit chain intact: %lld entries\n", (long long)checked);
    return AUDIT_INTACT;
}

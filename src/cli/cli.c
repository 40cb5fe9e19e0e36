/* cli: option parsing shared by the subcommands. */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "sign/keys.h"
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

/* "motcua serve" or, for a command left unnamed, "motcua". */
static void prefix(char *out, size_t cap, const char *cmd)
{
    snprintf(out, cap, "motcua%s%s", cmd && *cmd ? " " : "", cmd ? cmd : "");
}

int cli_check_data_dir(const char *cmd, const char *dir, int flags)
{
    char who[64];
    struct stat sb;
    struct statvfs vfs;
    prefix(who, sizeof who, cmd);
    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT)
            fprintf(stderr, "%s: the data directory %s does not exist (create it: motcua init "
                            "--data %s)\n",
                    who, dir, dir);
        else
            fprintf(stderr, "%s: cannot reach the data directory %s: %s\n", who, dir,
                    strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "%s: the data directory %s is not a directory\n", who, dir);
        return -1;
    }
    /* access() reports a read-only file system even to root, for whom
     * permission bits do not count. */
    if ((flags & CLI_DIR_WRITABLE) && access(dir, W_OK | X_OK) != 0) {
        if (errno == EROFS)
            fprintf(stderr, "%s: the data directory %s is read-only (it is on a read-only file "
                            "system)\n",
                    who, dir);
        else
            fprintf(stderr, "%s: the data directory %s is read-only for this user: %s\n", who,
                    dir, strerror(errno));
        return -1;
    }
    if ((flags & CLI_DIR_SPACE) && statvfs(dir, &vfs) == 0 &&
        (unsigned long long)vfs.f_bavail * vfs.f_frsize < CLI_MIN_FREE) {
        fprintf(stderr, "%s: no space left on the device holding the data directory %s (%llu "
                        "KiB free, at least %d KiB needed)\n",
                who, dir, (unsigned long long)vfs.f_bavail * vfs.f_frsize / 1024,
                CLI_MIN_FREE / 1024);
        return -1;
    }
    return 0;
}

void cli_print_store_failure(const char *cmd, const char *dir, int rc, const char *err)
{
    char who[64];
    struct statvfs vfs;
    prefix(who, sizeof who, cmd);
    /* SQLite says "disk I/O error" when it cannot even create its -wal or
     * -shm file on a full disk: look at the device before saying which. */
    if (rc == STORE_IOERR && statvfs(dir, &vfs) == 0 &&
        (unsigned long long)vfs.f_bavail * vfs.f_frsize < CLI_MIN_FREE)
        rc = STORE_FULL;
    if (rc == STORE_IOERR && access(dir, W_OK) != 0 && errno == EROFS) {
        fprintf(stderr, "%s: the data directory %s is read-only (it is on a read-only file "
                        "system)\n",
                who, dir);
        return;
    }
    if (rc == STORE_FULL)
        fprintf(stderr, "%s: no space left on device while writing %s/motcua.db (%s); free "
                        "some space and run the command again\n",
                who, dir, err);
    else if (rc == STORE_IOERR)
        fprintf(stderr, "%s: cannot write %s/motcua.db: I/O error (%s)\n", who, dir, err);
    else
        fprintf(stderr, "%s: %s\n", who, err);
}

int cli_open_data(const char *dir, struct store **out)
{
    char path[1100], err[512];
    struct stat sb;
    int rc;
    if (cli_check_data_dir("", dir, CLI_DIR_WRITABLE))
        return -1;
    snprintf(path, sizeof path, "%s/motcua.db", dir);
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "motcua: no database at %s (run: motcua init --data %s)\n", path, dir);
        return -1;
    }
    if ((rc = store_open(path, 0, out, err, sizeof err))) {
        cli_print_store_failure("", dir, rc, err);
        return -1;
    }
    if ((rc = migrate_apply(*out, err, sizeof err))) {
        int io = store_take_io_error(*out);
        cli_print_store_failure("", dir, io ? io : rc, err);
        store_close(*out);
        return -1;
    }
    return 0;
}

int cli_open_data_ro(const char *cmd, const char *dir, struct store **out)
{
    char path[1100], err[512];
    if (snprintf(path, sizeof path, "%s/motcua.db", dir) >= (int)sizeof path ||
        access(path, R_OK) != 0) {
        fprintf(stderr, "motcua %s: no readable database in %s\n", cmd, dir);
        return -1;
    }
    if (store_open(path, 1, out, err, sizeof err)) {
        fprintf(stderr, "motcua %s: cannot open %s: %s\n", cmd, path, err);
        return -1;
    }
    return 0;
}

unsigned char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "motcua %s: cannot read %s: %s\n", cmd, path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(sb.st_mode)) {
        fprintf(stderr, "motcua %s: %s is not a regular file\n", cmd, path);
        return NULL;
    }
    if ((size_t)sb.st_size > max) {
        fprintf(stderr, "motcua %s: %s is larger than %zu MiB\n", cmd, path, max >> 20);
        return NULL;
    }
    unsigned char *p = (unsigned char *)dynbuf_read_file(path, max, len);
    if (!p)
        fprintf(stderr, "motcua %s: cannot read %s\n", cmd, path);
    return p;
}

int cli_unit_seal(const char *cmd, struct store *db, const char *data_dir, const char *unit_code,
                  int64_t *unit_id, struct signer **out)
{
    struct unit u;
    struct derr err = {0};
    int r = unit_by_code(db, unit_code, &u);
    if (r != STORE_ROW) {
        fprintf(stderr, "motcua %s: %s %s\n", cmd,
                r == STORE_DONE ? "unknown unit" : "cannot read the unit", unit_code);
        return r == STORE_DONE ? 1 : 3;
    }
    *unit_id = u.id;
    if (keys_signer(db, data_dir, u.id, 0, now_unix(), out, &err)) {
        fprintf(stderr, "motcua %s: %s (%s)\n", cmd, err.message, err.code ? err.code : "");
        int rc = err.kind == DERR_INTERNAL ? 3 : 1;
        derr_clear(&err);
        return rc;
    }
    return 0;
}

int cli_seal_file(const char *cmd, int argc, char **argv, const char *usage, size_t max,
                  cli_seal_fn *seal)
{
    const char *data_dir = NULL, *unit_code = NULL, *pos[2];
    const struct cli_opt opts[] = {
        {"--data", 1, &data_dir, NULL}, {"--unit", 1, &unit_code, NULL}, {0}};
    struct derr err = {0};
    struct store *db = NULL;
    struct signer *s = NULL;
    unsigned char *out = NULL, *data = NULL;
    size_t len, outlen;
    int64_t unit_id;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, pos, 2, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 2 || !data_dir || !unit_code) {
        fputs(usage, stderr);
        return 2;
    }
    if (!(data = cli_read_file(cmd, pos[0], max, &len)))
        return 3;
    if (cli_open_data_ro(cmd, data_dir, &db)) {
        rc = 3;
        goto out;
    }
    if ((rc = cli_unit_seal(cmd, db, data_dir, unit_code, &unit_id, &s)))
        goto out;
    rc = 1;
    if (seal(data, len, s, &out, &outlen, &err)) {
        fprintf(stderr, "motcua %s: %s: %s (%s)\n", cmd, pos[0], err.message,
                err.code ? err.code : "");
        rc = err.kind == DERR_INTERNAL ? 3 : 1;
        goto out;
    }
    if (write_file_atomic(pos[1], out, outlen)) {
        fprintf(stderr, "motcua %s: cannot write %s\n", cmd, pos[1]);
        goto out;
    }
    rc = 0;
out:
    derr_clear(&err);
    signer_free(s);
    free(out);
    free(data);
    if (db)
        store_close(db);
    return rc;
}

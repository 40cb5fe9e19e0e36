/* migrate: numbered migrations from db/NNN_name.sql. */
#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assets.h"
#include "base/util.h"
#include "store/store.h"

/* Version of a path like "db/001_init.sql", or -1 if it is not a migration. */
static int version_of(const char *path)
{
    if (strncmp(path, "db/", 3) != 0)
        return -1;
    const char *p = path + 3;
    int v = 0, digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 6) {
        v = v * 10 + (*p++ - '0');
        digits++;
    }
    if (digits == 0 || *p != '_' || !strstr(p, ".sql"))
        return -1;
    return v;
}

int migrate_latest(void)
{
    int latest = 0;
    for (const struct asset *a = motcua_assets; a->path; a++) {
        int v = version_of(a->path);
        if (v > latest)
            latest = v;
    }
    return latest;
}

static const struct asset *find_version(int v)
{
    for (const struct asset *a = motcua_assets; a->path; a++)
        if (version_of(a->path) == v)
            return a;
    return NULL;
}

int migrate_apply(struct store *db, char *err, size_t errlen)
{
    int64_t current = 0;
    int rc = store_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
                            " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    if (rc == 0)
        rc = store_query_int(db, "SELECT coalesce(max(version), 0) FROM schema_version", NULL,
                             &current);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read schema version: %s", store_errmsg(db));
        return rc;
    }
    int latest = migrate_latest();
    if (current > latest) {
        snprintf(err, errlen, "database schema %lld is newer than this motcua (%d)",
                 (long long)current, latest);
        return STORE_ERR;
    }
    for (int v = (int)current + 1; v <= latest; v++) {
        const struct asset *a = find_version(v);
        if (!a) {
            snprintf(err, errlen, "migration %03d is missing", v);
            return STORE_ERR;
        }
        struct store_stmt *st;
        rc = store_begin(db);
        if (rc == 0)
            rc = store_exec(db, (const char *)a->data);
        if (rc == 0)
            rc = store_prepare(db, "INSERT INTO schema_version(version, applied_at) VALUES (?, ?)",
                               &st);
        if (rc == 0) {
            store_bind_int(st, 1, v);
            store_bind_int(st, 2, now_unix());
            rc = store_step(st) == STORE_DONE ? 0 : STORE_ERR;
            store_done(st);
        }
        if (rc == 0)
            rc = store_commit(db);
        if (rc) {
            snprintf(err, errlen, "migration %s failed: %s", a->path, store_errmsg(db));
            store_rollback(db);
            return rc;
        }
    }
    return 0;
}

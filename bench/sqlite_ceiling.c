/* sqlite_ceiling: the storage ceiling for durable submissions: raw SQLite
 * inserts, one transaction (and so one fsync) per row, with the pragmas the
 * server uses (WAL, synchronous=FULL). Also runs one-column queries for
 * bench/run (row counts, the list of dossier codes) without needing the
 * sqlite3 shell. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: sqlite_ceiling inserts DB ROW_BYTES SECONDS MAX_ROWS\n"
    "         insert rows of about ROW_BYTES into a fresh table of DB, one commit\n"
    "         per row, for SECONDS or MAX_ROWS rows; print the rate\n"
    "       sqlite_ceiling query DB SQL\n"
    "         print the first column of every result row (read-only)\n";

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static int cmd_inserts(const char *path, const char *bytes_s, const char *secs_s,
                       const char *max_s)
{
    long bytes, secs, max;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    char *payload = NULL;
    int rc = 1;
    if (parse_long(bytes_s, 1, 1 << 20, &bytes) || parse_long(secs_s, 1, 600, &secs) ||
        parse_long(max_s, 1, 100000000, &max)) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    payload = malloc((size_t)bytes + 1);
    if (!payload)
        goto out;
    /* Text that does not compress to nothing: the row really is this big. */
    for (long i = 0; i < bytes; i++)
        payload[i] = (char)('a' + (i * 7 + i / 26) % 26);
    payload[bytes] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: cannot open %s\n", path);
        goto out;
    }
    sqlite3_busy_timeout(db, 10000);
    /* The same setup as the server's write connection (src/store). */
    if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;") ||
        exec(db, "DROP TABLE IF EXISTS ceiling;"
                 "CREATE TABLE ceiling (id INTEGER PRIMARY KEY, code TEXT UNIQUE, "
                 "state TEXT NOT NULL, created_at INTEGER NOT NULL, payload TEXT NOT NULL)"))
        goto out;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO ceiling(code, state, created_at, payload) "
                           "VALUES (?, 'submitted', ?, ?)",
                           -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    double t0 = now_sec(), end = t0 + (double)secs, t1 = t0;
    long n = 0;
    while (n < max && (t1 = now_sec()) < end) {
        char code[64];
        snprintf(code, sizeof code, "000.00.00.H56-000000-%08ld", n + 1);
        if (exec(db, "BEGIN IMMEDIATE"))
            goto out;
        sqlite3_bind_text(ins, 1, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)time(NULL));
        sqlite3_bind_text(ins, 3, payload, (int)bytes, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "sqlite_ceiling: insert: %s\n", sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(ins);
        if (exec(db, "COMMIT"))
            goto out;
        n++;
    }
    t1 = now_sec();
    printf("ceiling rows=%ld row_bytes=%ld seconds=%.3f rate=%.1f\n", n, bytes, t1 - t0,
           (double)n / (t1 - t0));
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_close(db);
    free(payload);
    return rc;
}

static int cmd_query(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 1, s;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: cannot open %s\n", path);
        goto out;
    }
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        printf("%s\n", v ? (const char *)v : "");
    }
    if (s != SQLITE_DONE) {
        fprintf(stderr, "sqlite_ceiling: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "inserts") == 0)
        return cmd_inserts(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 4 && strcmp(argv[1], "query") == 0)
        return cmd_query(argv[2], argv[3]);
    fprintf(stderr, "%s", usage);
    return 2;
}

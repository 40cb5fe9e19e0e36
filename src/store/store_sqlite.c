/* store_sqlite: the embedded SQLite backend. WAL mode, synchronous=FULL,
 * foreign keys on; read-only connections are query_only so that a bug in a
 * loop thread cannot write behind the writer's back. */
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 512

struct sq_db;

struct sq_stmt {
    const struct store_ops *ops; /* first: see store_stmt_base */
    struct sq_db *db;
    sqlite3_stmt *s;
    const char *key; /* SQL text pointer, the cache key */
    int cached;
};

struct sq_db {
    const struct store_ops *ops; /* first: see store_base */
    sqlite3 *h;
    struct sq_stmt *cache[CACHE_SLOTS];
    int io_rc; /* STORE_FULL or STORE_IOERR seen since store_take_io_error */
};

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
        return 0;
    case SQLITE_CONSTRAINT:
        return STORE_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_BUSY;
    case SQLITE_FULL:
        return STORE_FULL;
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
        return STORE_IOERR;
    default:
        return STORE_ERR;
    }
}

/* Remembers a storage failure on the connection (a full disk wins over an
 * I/O error: it says what to do). Returns rc. */
static int note_io(struct sq_db *db, int rc)
{
    if (rc == STORE_FULL || (rc == STORE_IOERR && db->io_rc != STORE_FULL))
        db->io_rc = rc;
    return rc;
}

static void sq_close(struct store *db_)
{
    struct sq_db *db = (struct sq_db *)db_;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (db->cache[i]) {
            sqlite3_finalize(db->cache[i]->s);
            free(db->cache[i]);
        }
    }
    sqlite3_close(db->h);
    free(db);
}

static int sq_exec(struct store *db_, const char *sql)
{
    struct sq_db *db = (struct sq_db *)db_;
    return note_io(db, map_rc(sqlite3_exec(db->h, sql, NULL, NULL, NULL)));
}

static int sq_open(const char *path, int readonly, struct store **out, char *err, size_t errlen)
{
    struct sq_db *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERR;
    }
    db->ops = &store_sqlite_ops;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (readonly ? 0 : SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &db->h, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        sqlite3_close(db->h);
        free(db);
        return map_rc(rc) ? map_rc(rc) : STORE_ERR;
    }
    sqlite3_busy_timeout(db->h, 10000);
    sqlite3_extended_result_codes(db->h, 1);
    const char *setup = readonly ? "PRAGMA foreign_keys=ON; PRAGMA query_only=1;"
                                 : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                   " PRAGMA foreign_keys=ON;";
    rc = sqlite3_exec(db->h, setup, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot set up %s: %s", path, sqlite3_errmsg(db->h));
        sq_close((struct store *)db);
        return map_rc(rc) ? map_rc(rc) : STORE_ERR;
    }
    *out = (struct store *)db;
    return 0;
}

static unsigned slot_of(const char *key)
{
    uintptr_t p = (uintptr_t)key;
    return (unsigned)((p >> 3) ^ (p >> 12)) % CACHE_SLOTS;
}

static int sq_prepare(struct store *db_, const char *sql, struct store_stmt **out)
{
    struct sq_db *db = (struct sq_db *)db_;
    unsigned slot = slot_of(sql);
    int free_slot = -1;
    for (unsigned i = 0; i < 8; i++) {
        unsigned k = (slot + i) % CACHE_SLOTS;
        if (!db->cache[k]) {
            if (free_slot < 0)
                free_slot = (int)k;
            continue;
        }
        if (db->cache[k]->key == sql) {
            *out = (struct store_stmt *)db->cache[k];
            return 0;
        }
    }
    struct sq_stmt *st = calloc(1, sizeof *st);
    if (!st)
        return STORE_ERR;
    st->ops = &store_sqlite_ops;
    st->db = db;
    st->key = sql;
    int rc = sqlite3_prepare_v3(db->h, sql, -1, free_slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0,
                                &st->s, NULL);
    if (rc != SQLITE_OK) {
        free(st);
        return note_io(db, map_rc(rc) ? map_rc(rc) : STORE_ERR);
    }
    if (free_slot >= 0) {
        st->cached = 1;
        db->cache[free_slot] = st;
    }
    *out = (struct store_stmt *)st;
    return 0;
}

#define S(st) (((struct sq_stmt *)(st))->s)

static int sq_bind_int(struct store_stmt *st, int idx, int64_t v)
{
    return map_rc(sqlite3_bind_int64(S(st), idx, v));
}

static int sq_bind_text(struct store_stmt *st, int idx, const char *s, int len)
{
    return map_rc(sqlite3_bind_text(S(st), idx, s, len, SQLITE_TRANSIENT));
}

static int sq_bind_blob(struct store_stmt *st, int idx, const void *p, int len)
{
    return map_rc(sqlite3_bind_blob(S(st), idx, p, len, SQLITE_TRANSIENT));
}

static int sq_bind_null(struct store_stmt *st, int idx)
{
    return map_rc(sqlite3_bind_null(S(st), idx));
}

static int sq_step(struct store_stmt *st)
{
    int rc = sqlite3_step(S(st));
    if (rc == SQLITE_ROW)
        return STORE_ROW;
    if (rc == SQLITE_DONE)
        return STORE_DONE;
    rc = map_rc(rc);
    return note_io(((struct sq_stmt *)st)->db, rc ? rc : STORE_ERR);
}

static void sq_done(struct store_stmt *st_)
{
    struct sq_stmt *st = (struct sq_stmt *)st_;
    if (st->cached) {
        sqlite3_reset(st->s);
        sqlite3_clear_bindings(st->s);
    } else {
        sqlite3_finalize(st->s);
        free(st);
    }
}

static int sq_col_is_null(struct store_stmt *st, int i)
{
    return sqlite3_column_type(S(st), i) == SQLITE_NULL;
}

static int64_t sq_col_int(struct store_stmt *st, int i) { return sqlite3_column_int64(S(st), i); }

static const char *sq_col_text(struct store_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(S(st), i);
    return t ? (const char *)t : "";
}

static const void *sq_col_blob(struct store_stmt *st, int i, int *len)
{
    const void *p = sqlite3_column_blob(S(st), i);
    *len = sqlite3_column_bytes(S(st), i);
    return p;
}

static int64_t sq_last_insert_id(struct store *db)
{
    return sqlite3_last_insert_rowid(((struct sq_db *)db)->h);
}

static int sq_changes(struct store *db) { return sqlite3_changes(((struct sq_db *)db)->h); }

static const char *sq_errmsg(struct store *db) { return sqlite3_errmsg(((struct sq_db *)db)->h); }

static int sq_take_io_error(struct store *db_)
{
    struct sq_db *db = (struct sq_db *)db_;
    int rc = db->io_rc;
    db->io_rc = 0;
    return rc;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .done = sq_done,
    .col_is_null = sq_col_is_null,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .last_insert_id = sq_last_insert_id,
    .changes = sq_changes,
    .errmsg = sq_errmsg,
    .take_io_error = sq_take_io_error,
};

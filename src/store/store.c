/* store: dispatch to the connection's backend, plus helpers built on the
 * backend operations. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define OPS(db) (((struct store_base *)(db))->ops)

/* Statements begin with a pointer back to their connection's ops table, so
 * the statement calls can dispatch too. */
struct store_stmt_base {
    const struct store_ops *ops;
};
#define SOPS(st) (((struct store_stmt_base *)(st))->ops)

int store_open(const char *path, int readonly, struct store **out, char *err, size_t errlen)
{
    /* Only SQLite for now; a "postgresql://" prefix will pick libpq. */
    return store_sqlite_ops.open(path, readonly, out, err, errlen);
}

void store_close(struct store *db)
{
    if (db)
        OPS(db)->close(db);
}

int store_exec(struct store *db, const char *sql) { return OPS(db)->exec(db, sql); }

int store_prepare(struct store *db, const char *sql, struct store_stmt **out)
{
    return OPS(db)->prepare(db, sql, out);
}

int store_bind_int(struct store_stmt *st, int idx, int64_t v)
{
    return SOPS(st)->bind_int(st, idx, v);
}

int store_bind_text(struct store_stmt *st, int idx, const char *s)
{
    return s ? SOPS(st)->bind_text(st, idx, s, -1) : SOPS(st)->bind_null(st, idx);
}

int store_bind_textn(struct store_stmt *st, int idx, const char *s, int len)
{
    return SOPS(st)->bind_text(st, idx, s, len);
}

int store_bind_blob(struct store_stmt *st, int idx, const void *p, int len)
{
    return SOPS(st)->bind_blob(st, idx, p, len);
}

int store_bind_null(struct store_stmt *st, int idx) { return SOPS(st)->bind_null(st, idx); }
int store_step(struct store_stmt *st) { return SOPS(st)->step(st); }

void store_done(struct store_stmt *st)
{
    if (st)
        SOPS(st)->done(st);
}

int store_col_is_null(struct store_stmt *st, int i) { return SOPS(st)->col_is_null(st, i); }
int64_t store_col_int(struct store_stmt *st, int i) { return SOPS(st)->col_int(st, i); }
const char *store_col_text(struct store_stmt *st, int i) { return SOPS(st)->col_text(st, i); }

const void *store_col_blob(struct store_stmt *st, int i, int *len)
{
    return SOPS(st)->col_blob(st, i, len);
}

int64_t store_last_insert_id(struct store *db) { return OPS(db)->last_insert_id(db); }
int store_changes(struct store *db) { return OPS(db)->changes(db); }
const char *store_errmsg(struct store *db) { return OPS(db)->errmsg(db); }
int store_take_io_error(struct store *db) { return OPS(db)->take_io_error(db); }

int store_begin(struct store *db) { return store_exec(db, "BEGIN IMMEDIATE"); }
int store_commit(struct store *db) { return store_exec(db, "COMMIT"); }
int store_rollback(struct store *db) { return store_exec(db, "ROLLBACK"); }

int store_run(struct store *db, int (*fn)(struct store *db, void *arg), void *arg)
{
    int rc = store_begin(db);
    if (rc)
        return rc;
    rc = fn(db, arg);
    if (rc) {
        store_rollback(db);
        return rc;
    }
    rc = store_commit(db);
    if (rc)
        store_rollback(db);
    return rc;
}

int store_query_int(struct store *db, const char *sql, const char *text_arg, int64_t *out)
{
    struct store_stmt *st;
    int rc = store_prepare(db, sql, &st);
    if (rc)
        return rc;
    if (text_arg)
        store_bind_text(st, 1, text_arg);
    rc = store_step(st);
    if (rc == STORE_ROW)
        *out = store_col_int(st, 0);
    store_done(st);
    return rc;
}

int store_ping(struct store *db)
{
    int64_t one = 0;
    int rc = store_query_int(db, "SELECT 1", NULL, &one);
    return rc == STORE_ROW && one == 1 ? 0 : (rc < 0 ? rc : STORE_ERR);
}

int store_bind_args(struct store_stmt *st, const struct store_arg *args, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        int idx = (int)k + 1, rc;
        const struct store_arg *a = &args[k];
        if (a->kind == STORE_ARG_TEXT)
            rc = store_bind_text(st, idx, a->s);
        else if (a->kind == STORE_ARG_BLOB)
            rc = a->s ? store_bind_blob(st, idx, a->s, (int)a->i) : store_bind_null(st, idx);
        else if (a->kind == STORE_ARG_ID && a->i == 0)
            rc = store_bind_null(st, idx);
        else
            rc = store_bind_int(st, idx, a->i);
        if (rc)
            return rc;
    }
    return 0;
}

int store_prepare_args(struct store *db, const char *sql, struct store_stmt **out,
                       const struct store_arg *args, size_t n)
{
    int rc = store_prepare(db, sql, out);
    if (rc == 0 && (rc = store_bind_args(*out, args, n))) {
        store_done(*out);
        *out = NULL;
    }
    return rc;
}

int store_step_done(struct store_stmt *st)
{
    int rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

int store_exec_args(struct store *db, const char *sql, const struct store_arg *args, size_t n)
{
    struct store_stmt *st;
    int rc = store_prepare_args(db, sql, &st, args, n);
    return rc ? rc : store_step_done(st);
}

int store_one_args(struct store *db, const char *sql,
                   int (*read)(struct store_stmt *st, void *out), void *out,
                   const struct store_arg *args, size_t n)
{
    struct store_stmt *st;
    int rc = store_prepare_args(db, sql, &st, args, n);
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW)
        rc = read(st, out);
    store_done(st);
    return rc;
}

int store_read_blob(struct store_stmt *st, void *out)
{
    struct store_blob *b = out;
    int n = 0;
    const void *p = store_col_blob(st, 0, &n);
    if (!p || n <= 0)
        return STORE_DONE;
    b->p = malloc((size_t)n);
    if (!b->p)
        return STORE_ERR;
    memcpy(b->p, p, (size_t)n);
    b->len = (size_t)n;
    return STORE_ROW;
}

static int read_int0(struct store_stmt *st, void *out)
{
    *(int64_t *)out = store_col_int(st, 0);
    return STORE_ROW;
}

int store_int_args(struct store *db, const char *sql, int64_t *out,
                   const struct store_arg *args, size_t n)
{
    return store_one_args(db, sql, read_int0, out, args, n);
}

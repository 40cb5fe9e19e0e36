/* store: the database interface every other module uses. A connection is an
 * opaque struct store; a backend (SQLite today, PostgreSQL later) fills a
 * struct store_ops table. SQL is written with '?' placeholders and kept
 * portable. Statements are cached per connection: store_prepare on the same
 * SQL text returns the cached statement, and store_done() resets it for reuse.
 *
 * A connection is used by one thread at a time. */
#ifndef MOTCUA_STORE_H
#define MOTCUA_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_stmt;

enum {
    STORE_DONE = 0,      /* store_step: no (more) rows */
    STORE_ROW = 1,       /* store_step: a row is ready */
    STORE_ERR = -1,      /* generic failure; see store_errmsg */
    STORE_CONSTRAINT = -2, /* a UNIQUE/FOREIGN KEY/CHECK constraint failed */
    STORE_BUSY = -3,     /* the database is locked */
    STORE_FULL = -4,     /* no space left on the device (or quota) */
    STORE_IOERR = -5,    /* cannot write: a read-only file system or an I/O error */
};

struct store_ops {
    const char *name;
    int (*open)(const char *path, int readonly, struct store **out, char *err, size_t errlen);
    void (*close)(struct store *db);
    int (*exec)(struct store *db, const char *sql);
    int (*prepare)(struct store *db, const char *sql, struct store_stmt **out);
    int (*bind_int)(struct store_stmt *st, int idx, int64_t v);
    int (*bind_text)(struct store_stmt *st, int idx, const char *s, int len);
    int (*bind_blob)(struct store_stmt *st, int idx, const void *p, int len);
    int (*bind_null)(struct store_stmt *st, int idx);
    int (*step)(struct store_stmt *st);
    void (*done)(struct store_stmt *st);
    int (*col_is_null)(struct store_stmt *st, int i);
    int64_t (*col_int)(struct store_stmt *st, int i);
    const char *(*col_text)(struct store_stmt *st, int i);
    const void *(*col_blob)(struct store_stmt *st, int i, int *len);
    int64_t (*last_insert_id)(struct store *db);
    int (*changes)(struct store *db);
    const char *(*errmsg)(struct store *db);
    int (*take_io_error)(struct store *db);
};

/* Every connection starts with its backend's table. */
struct store_base {
    const struct store_ops *ops;
};

extern const struct store_ops store_sqlite_ops;

/* Opens a connection to the database at path (a file for SQLite). readonly
 * connections serve the HTTP loops; the writer has the one read-write one.
 * On failure returns STORE_FULL, STORE_IOERR or STORE_ERR with a message in
 * err. */
int store_open(const char *path, int readonly, struct store **out, char *err, size_t errlen);
void store_close(struct store *db);

/* Runs SQL without parameters or results (may hold several statements). */
int store_exec(struct store *db, const char *sql);

/* Returns a ready statement for sql (cached; sql must be a string literal
 * or otherwise outlive the connection). Bind indexes start at 1, columns at
 * 0. Call store_done when finished with it. */
int store_prepare(struct store *db, const char *sql, struct store_stmt **out);
int store_bind_int(struct store_stmt *st, int idx, int64_t v);
int store_bind_text(struct store_stmt *st, int idx, const char *s); /* NULL binds NULL */
int store_bind_textn(struct store_stmt *st, int idx, const char *s, int len);
int store_bind_blob(struct store_stmt *st, int idx, const void *p, int len);
int store_bind_null(struct store_stmt *st, int idx);
int store_step(struct store_stmt *st);
void store_done(struct store_stmt *st);
int store_col_is_null(struct store_stmt *st, int i);
int64_t store_col_int(struct store_stmt *st, int i);
/* Valid until the next step or done; "" for NULL. */
const char *store_col_text(struct store_stmt *st, int i);
const void *store_col_blob(struct store_stmt *st, int i, int *len);
int64_t store_last_insert_id(struct store *db);
int store_changes(struct store *db);
const char *store_errmsg(struct store *db);

/* STORE_FULL or STORE_IOERR if a statement on db failed for lack of space
 * or an I/O error since the last call (the job that hit it may have turned
 * the code into its own), else 0. Clears it. */
int store_take_io_error(struct store *db);

/* --- binding many parameters at once ------------------------------------ */

#define STORE_MUST_CHECK __attribute__((warn_unused_result))

/* One statement parameter, typed by the macro that makes it, so a call
 * site cannot pass an int where text is expected: */
struct store_arg {
    enum { STORE_ARG_INT, STORE_ARG_TEXT, STORE_ARG_ID, STORE_ARG_BLOB } kind;
    int64_t i;
    const char *s;
};
#define BIND_INT(v) ((struct store_arg){.kind = STORE_ARG_INT, .i = (int64_t)(v)})
/* Text; a NULL pointer binds NULL. */
#define BIND_TEXT(v) ((struct store_arg){.kind = STORE_ARG_TEXT, .s = (v)})
#define BIND_NULL ((struct store_arg){.kind = STORE_ARG_TEXT, .s = NULL})
/* An optional row id: 0 binds NULL (e.g. no assignee, the system). */
#define BIND_ID(v) ((struct store_arg){.kind = STORE_ARG_ID, .i = (int64_t)(v)})
/* n bytes at p (a NULL p binds NULL). */
#define BIND_BLOB(p, n)                                                                            \
    ((struct store_arg){.kind = STORE_ARG_BLOB, .s = (const char *)(p), .i = (int64_t)(n)})

/* The argument list of the *_all macros below: an array and its length. */
#define STORE_ARGS(...)                                                                            \
    (const struct store_arg[]){__VA_ARGS__},                                                       \
        sizeof((const struct store_arg[]){__VA_ARGS__}) / sizeof(struct store_arg)

/* Binds args to parameters 1..n. Returns 0 or the first error. */
int store_bind_args(struct store_stmt *st, const struct store_arg *args, size_t n) STORE_MUST_CHECK;
#define store_bind_all(st, ...) store_bind_args(st, STORE_ARGS(__VA_ARGS__))

/* store_prepare, then store_bind_args. On an error *out is done with and
 * NULL. */
int store_prepare_args(struct store *db, const char *sql, struct store_stmt **out,
                       const struct store_arg *args, size_t n) STORE_MUST_CHECK;
#define store_prepare_all(db, sql, out, ...) store_prepare_args(db, sql, out, STORE_ARGS(__VA_ARGS__))

/* Runs one statement that returns no rows (INSERT, UPDATE, DELETE) with
 * these parameters: prepare, bind, step to the end, done. Returns 0 or an
 * error (STORE_ERR if it returned a row). */
int store_exec_args(struct store *db, const char *sql, const struct store_arg *args,
                    size_t n) STORE_MUST_CHECK;
#define store_exec_all(db, sql, ...) store_exec_args(db, sql, STORE_ARGS(__VA_ARGS__))

/* A query that returns at most one row: prepare, bind, step, and on a row
 * read(st, out), which copies what it needs and returns STORE_ROW (or an
 * error). Returns STORE_ROW, STORE_DONE or an error. */
int store_one_args(struct store *db, const char *sql,
                   int (*read)(struct store_stmt *st, void *out), void *out,
                   const struct store_arg *args, size_t n) STORE_MUST_CHECK;
#define store_one(db, sql, read, out, ...)                                                         \
    store_one_args(db, sql, read, out, STORE_ARGS(__VA_ARGS__))

/* A reader for store_one: a copy of the non-empty BLOB in column 0 into
 * struct store_blob (p malloc'd, the caller frees). STORE_DONE for NULL or
 * empty, STORE_ERR when out of memory. */
struct store_blob {
    unsigned char *p;
    size_t len;
};
int store_read_blob(struct store_stmt *st, void *out);

/* The same for a query whose answer is the integer in column 0 of its
 * one row: OUT *out. Returns STORE_ROW, STORE_DONE or an error. */
int store_int_args(struct store *db, const char *sql, int64_t *out,
                   const struct store_arg *args, size_t n) STORE_MUST_CHECK;
#define store_int(db, sql, out, ...) store_int_args(db, sql, out, STORE_ARGS(__VA_ARGS__))

/* Steps a statement that returns no rows and is done with it: 0 or an
 * error (STORE_ERR if it returned a row). */
int store_step_done(struct store_stmt *st) STORE_MUST_CHECK;

/* Transactions. begin takes the write lock at once (SQLite: IMMEDIATE). */
int store_begin(struct store *db);
int store_commit(struct store *db);
int store_rollback(struct store *db);

/* Runs fn(db, arg) in its own transaction: commits on 0, rolls back on any
 * other return, which is passed through. For the CLI and tests; the server
 * goes through the writer thread (store/writer.h). */
int store_run(struct store *db, int (*fn)(struct store *db, void *arg), void *arg);

/* Does the database answer a trivial query? 0 if so, else an error. For
 * the health check. */
int store_ping(struct store *db);

/* Convenience: prepare, bind one text or int, step once, read column 0 as an
 * integer. Returns STORE_ROW, STORE_DONE or an error. */
int store_query_int(struct store *db, const char *sql, const char *text_arg, int64_t *out);

#endif

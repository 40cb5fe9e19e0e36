/* msglog: timestamps, retention and the officers' queries over the exchange
 * message log (exchange_messages, db/031 and db/033). */
#include "node/msglog.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/permission.h"
#include "base/log.h"
#include "base/util.h"
#include "dossier/filestore.h"
#include "exchange/directory.h"
#include "exchange/edxml.h"
#include "exchange/outbox.h"
#include "sign/tsa.h"
#include "store/store.h"

/* --- retention ------------------------------------------------------------ */

int msglog_retention_get(struct store *db, int *years)
{
    int64_t v = 0;
    int rc = store_int(db, "SELECT years FROM exchange_retention WHERE id = ?", &v, BIND_INT(1));
    *years = rc == STORE_ROW ? (int)v : MSGLOG_RETENTION_DEFAULT;
    return rc;
}

int msglog_retention_set(struct store *db, long years, int64_t now, struct derr *err)
{
    if (years < MSGLOG_RETENTION_MIN || years > MSGLOG_RETENTION_MAX)
        return derr_set(err, DERR_INVALID, "bad_retention",
                        "Thời hạn lưu nhật ký liên thông phải từ 1 đến 100 năm.", "years");
    if (store_exec_all(db,
                       "INSERT INTO exchange_retention(id, years, set_at) VALUES (1, ?, ?)"
                       " ON CONFLICT(id) DO UPDATE SET years = excluded.years,"
                       " set_at = excluded.set_at",
                       BIND_INT(years), BIND_INT(now)))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    return 0;
}

/* --- purge ---------------------------------------------------------------- */

/* Rows the purge takes: older than the cutoff and not an outgoing message
 * still to send (pending, sending: the outbox). */
#define PURGE_WHERE " created_at < ?1 AND state NOT IN ('pending', 'sending')"

/* The envelope files of the purged rows that no remaining row names. */
struct sha_list {
    char (*sha)[65];
    size_t n, cap;
};

static int sha_list_add(struct sha_list *l, const char *sha)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *p = realloc(l->sha, cap * sizeof *l->sha);
        if (!p)
            return -1;
        l->sha = p;
        l->cap = cap;
    }
    return copy_str(l->sha[l->n++], 65, sha);
}

/* Is sha a 64-hex SHA-256 (so it can be a file name under files_dir)? */
static int sha_ok(const char *sha)
{
    size_t i;
    for (i = 0; sha[i]; i++)
        if (hex_value(sha[i]) < 0 || (sha[i] >= 'A' && sha[i] <= 'F'))
            return 0;
    return i == 64;
}

int msglog_purge(struct store *db, const char *files_dir, int64_t now, int dry_run,
                 struct msglog_purge *out, char *err, size_t errlen)
{
    struct sha_list gone = {0};
    struct store_stmt *st = NULL;
    int years, rc, began = 0;
    memset(out, 0, sizeof *out);
    if (msglog_retention_get(db, &years) < 0)
        goto fail;
    out->years = years;
    out->cutoff = now - (int64_t)years * MSGLOG_YEAR;
    if (store_begin(db))
        goto fail;
    began = 1;
    if (store_int(db, "SELECT count(*) FROM exchange_messages WHERE" PURGE_WHERE, &out->rows,
                  BIND_INT(out->cutoff)) != STORE_ROW)
        goto fail;
    /* The envelopes only purged rows name: once the rows go, nothing does. */
    if (store_prepare_all(db,
                          "SELECT DISTINCT envelope_sha256 FROM exchange_messages m WHERE"
                          " envelope_sha256 IS NOT NULL AND" PURGE_WHERE
                          " AND NOT EXISTS (SELECT 1 FROM exchange_messages k WHERE"
                          " k.envelope_sha256 = m.envelope_sha256 AND NOT (k.created_at < ?1"
                          " AND k.state NOT IN ('pending', 'sending')))",
                          &st, BIND_INT(out->cutoff)))
        goto fail;
    while ((rc = store_step(st)) == STORE_ROW)
        if (sha_ok(store_col_text(st, 0)) && sha_list_add(&gone, store_col_text(st, 0))) {
            store_done(st);
            goto fail;
        }
    store_done(st);
    if (rc != STORE_DONE)
        goto fail;
    out->files = (int64_t)gone.n;
    if (dry_run) {
        store_rollback(db);
        free(gone.sha);
        return 0;
    }
    if (store_exec_all(db, "DELETE FROM exchange_messages WHERE" PURGE_WHERE,
                       BIND_INT(out->cutoff)) ||
        store_commit(db))
        goto fail;
    /* After the commit: a crash here leaves a file no row names, never a
     * row whose envelope is gone. */
    for (size_t i = 0; i < gone.n; i++) {
        char path[1300];
        if (snprintf(path, sizeof path, "%s/%.2s/%s", files_dir, gone.sha[i], gone.sha[i]) >=
            (int)sizeof path)
            continue;
        if (unlink(path) != 0 && errno != ENOENT) {
            log_warn("exchange log purge: cannot remove %s: %s", path, strerror(errno));
            out->files--;
        }
    }
    free(gone.sha);
    return 0;
fail:
    snprintf(err, errlen, "exchange log purge: %s", store_errmsg(db));
    if (began)
        store_rollback(db);
    free(gone.sha);
    return -1;
}

/* --- timestamps ----------------------------------------------------------- */

/* Stamps one envelope: reads it, asks for a token, stores it on every row
 * naming that envelope. Returns 1 stamped, 0 failed (kept on the rows), or
 * -1 on a store error. */
static int stamp_one(struct store *db, const char *files_dir, msglog_stamp_fn stamp, void *ctx,
                     const char *sha, int64_t now)
{
    char why[256] = "";
    size_t len = 0, toklen = 0;
    unsigned char *tok = NULL;
    struct tsa_token_info info;
    unsigned char *env = sha_ok(sha) ? filestore_read_all(files_dir, sha, EDXML_MAX_SIZE, &len)
                                     : NULL;
    if (!env)
        snprintf(why, sizeof why, "the envelope %s cannot be read from the file store", sha);
    else if (stamp(ctx, env, len, &tok, &toklen) != 0)
        snprintf(why, sizeof why, "the timestamping authority gave no token (see the log)");
    else if (tsa_token_info(tok, toklen, &info, why, sizeof why) != 0 && !why[0])
        snprintf(why, sizeof why, "the token cannot be read");
    free(env);
    if (why[0]) {
        free(tok);
        log_warn("exchange log: envelope %.16s... not timestamped: %s", sha, why);
        return store_exec_all(db,
                              "UPDATE exchange_messages SET tsa_tried_at = ?, tsa_error = ?"
                              " WHERE envelope_sha256 = ? AND tsa_token IS NULL AND state <> 'refused'",
                              BIND_INT(now), BIND_TEXT(why), BIND_TEXT(sha))
                   ? -1
                   : 0;
    }
    int rc = store_exec_all(db,
                            "UPDATE exchange_messages SET tsa_token = ?, tsa_time = ?,"
                            " tsa_name = ?, tsa_error = '', tsa_tried_at = NULL"
                            " WHERE envelope_sha256 = ? AND tsa_token IS NULL AND state <> 'refused'",
                            BIND_BLOB(tok, toklen), BIND_INT(info.gen_time),
                            BIND_TEXT(info.tsa_name), BIND_TEXT(sha));
    free(tok);
    return rc ? -1 : 1;
}

int msglog_stamp_missing(struct store *db, const char *files_dir, msglog_stamp_fn stamp,
                         void *ctx, int64_t now, int max, int64_t retry_after, char *err,
                         size_t errlen)
{
    char (*todo)[65] = calloc((size_t)(max > 0 ? max : 1), sizeof *todo);
    struct store_stmt *st = NULL;
    int n = 0, done = 0, rc = STORE_DONE;
    if (!todo) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (store_prepare_all(db,
                          "SELECT envelope_sha256 FROM exchange_messages WHERE tsa_token IS NULL"
                          " AND envelope_sha256 IS NOT NULL AND state <> 'refused' AND"
                          " (tsa_tried_at IS NULL OR"
                          " tsa_tried_at <= ?) GROUP BY envelope_sha256 ORDER BY min(id) LIMIT ?",
                          &st, BIND_INT(now - retry_after), BIND_INT(max)))
        goto fail;
    while (n < max && (rc = store_step(st)) == STORE_ROW)
        copy_str(todo[n++], 65, store_col_text(st, 0));
    store_done(st);
    if (n < max && rc != STORE_DONE)
        goto fail;
    for (int i = 0; i < n; i++) {
        rc = stamp_one(db, files_dir, stamp, ctx, todo[i], now);
        if (rc < 0)
            goto fail;
        done += rc;
    }
    free(todo);
    return done;
fail:
    snprintf(err, errlen, "exchange log timestamps: %s", store_errmsg(db));
    free(todo);
    return -1;
}

/* --- the officers' queries ------------------------------------------------ */

/* "scope": the units where ?1 holds document.read, with those below;
 * "adm": one row when ?1 holds unit.admin on the top unit (the province). */
#define LOG_WITH                                                                                   \
    "WITH " PERMISSION_SCOPE("?1", "'document.read'") ","                                         \
    " adm(x) AS (SELECT 1 FROM " PERMISSION_GRANTS("'unit.admin'") " g"                           \
    " JOIN units au ON au.id = g.unit_id WHERE g.account_id = ?1 AND au.parent_id IS NULL) "

/* A row is visible through its local unit: From going out, To coming in. */
#define LOG_VISIBLE                                                                                \
    " (EXISTS (SELECT 1 FROM adm) OR (SELECT lu.id FROM units lu WHERE lu.code ="                 \
    " CASE m.direction WHEN 'out' THEN m.from_organ ELSE m.to_organ END) IN scope)"

#define LOG_COLUMNS                                                                                \
    "m.id, m.direction, m.kind, m.edxml_id, m.from_organ, coalesce(fu.name, ''), m.to_organ,"     \
    " coalesce(tu.name, ''), m.business, m.status_code, m.document_id, coalesce(d.notation, ''),"  \
    " coalesce(d.summary, ''), m.node_id, coalesce(m.envelope_sha256, ''), m.envelope_size,"      \
    " m.verdict, m.signer, m.directory_version, m.state, m.attempts, m.last_error,"                \
    " m.last_status, m.last_status_at, m.created_at, m.updated_at, m.tsa_time, m.tsa_name,"        \
    " m.tsa_error"

#define LOG_FROM                                                                                   \
    " FROM exchange_messages m LEFT JOIN units fu ON fu.code = m.from_organ"                       \
    " LEFT JOIN units tu ON tu.code = m.to_organ LEFT JOIN documents d ON d.id = m.document_id"

/* The filters: ?2 direction, ?3 kind, ?4 state, ?5 organ (either side),
 * ?6 <= created_at < ?7 (0: no bound; the index on created_at serves), ?8
 * text. */
#define LOG_FILTER                                                                                 \
    " AND (?2 = '' OR m.direction = ?2) AND (?3 = '' OR m.kind = ?3)"                              \
    " AND (?4 = '' OR m.state = ?4) AND (?5 = '' OR m.from_organ = ?5 OR m.to_organ = ?5)"        \
    " AND m.created_at >= ?6 AND (?7 = 0 OR m.created_at < ?7)"                                    \
    " AND (?8 = '' OR instr(lower(m.edxml_id), lower(?8)) > 0"                                     \
    " OR instr(lower(coalesce(d.notation, '')), lower(?8)) > 0"                                    \
    " OR instr(coalesce(d.summary, ''), ?8) > 0)"

static json_t *opt_int(struct store_stmt *st, int i)
{
    return store_col_is_null(st, i) ? json_null() : json_integer(store_col_int(st, i));
}

static json_t *opt_text(struct store_stmt *st, int i)
{
    const char *s = store_col_text(st, i);
    return s[0] ? json_string(s) : json_null();
}

/* One row of LOG_COLUMNS as JSON. */
static json_t *row_json(struct store_stmt *st)
{
    json_t *ts = store_col_is_null(st, 26)
                     ? json_null()
                     : json_pack("{sI ss}", "time", (json_int_t)store_col_int(st, 26), "tsa",
                                 store_col_text(st, 27));
    return json_pack(
        "{sI ss ss ss ss ss ss ss sI s:o s:o s:o s:o ss s:o s:o ss ss s:o ss sI ss s:o s:o sI sI"
        " s:o s:o}",
        "id", (json_int_t)store_col_int(st, 0), "direction", store_col_text(st, 1), "kind",
        store_col_text(st, 2), "edxml_id", store_col_text(st, 3), "from_organ",
        store_col_text(st, 4), "from_name", store_col_text(st, 5), "to_organ",
        store_col_text(st, 6), "to_name", store_col_text(st, 7), "business",
        (json_int_t)store_col_int(st, 8), "status_code", opt_text(st, 9), "document_id",
        opt_int(st, 10), "notation", opt_text(st, 11), "summary", opt_text(st, 12), "node",
        store_col_text(st, 13), "envelope_sha256", opt_text(st, 14), "envelope_size",
        opt_int(st, 15), "verdict", store_col_text(st, 16), "signer", store_col_text(st, 17),
        "directory_version", opt_int(st, 18), "state", store_col_text(st, 19), "attempts",
        (json_int_t)store_col_int(st, 20), "last_error", store_col_text(st, 21), "last_status",
        opt_text(st, 22), "last_status_at", opt_int(st, 23), "created_at",
        (json_int_t)store_col_int(st, 24), "updated_at", (json_int_t)store_col_int(st, 25),
        "timestamp", ts ? ts : json_null(), "timestamp_error", opt_text(st, 28));
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

json_t *msglog_list_json(struct store *db, int64_t account_id, const struct msglog_filter *f)
{
    struct store_stmt *st;
    int64_t total = 0;
    int rc;
#define ARGS                                                                                       \
    BIND_INT(account_id), BIND_TEXT(nz(f->direction)), BIND_TEXT(nz(f->kind)),                     \
        BIND_TEXT(nz(f->state)), BIND_TEXT(nz(f->organ)), BIND_INT(f->since),                      \
        BIND_INT(f->before), BIND_TEXT(nz(f->text))
    if (store_int(db, LOG_WITH "SELECT count(*)" LOG_FROM " WHERE" LOG_VISIBLE LOG_FILTER, &total,
                  ARGS) != STORE_ROW)
        return NULL;
    json_t *items = json_array();
    if (!items || store_prepare_all(db,
                                    LOG_WITH "SELECT " LOG_COLUMNS LOG_FROM " WHERE" LOG_VISIBLE
                                        LOG_FILTER " ORDER BY m.created_at DESC, m.id DESC"
                                                   " LIMIT ?9 OFFSET ?10",
                                    &st, ARGS, BIND_INT(f->limit), BIND_INT(f->offset))) {
        json_decref(items);
        return NULL;
    }
#undef ARGS
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(items, row_json(st));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{so sI si si}", "items", items, "total", (json_int_t)total, "limit",
                     f->limit, "offset", f->offset);
}

static int read_row(struct store_stmt *st, void *out)
{
    json_t **j = out;
    *j = row_json(st);
    return *j ? STORE_ROW : STORE_ERR;
}

int msglog_get_json(struct store *db, int64_t account_id, int64_t id, json_t **out)
{
    *out = NULL;
    return store_one(db,
                     LOG_WITH "SELECT " LOG_COLUMNS LOG_FROM " WHERE" LOG_VISIBLE " AND m.id = ?2",
                     read_row, out, BIND_INT(account_id), BIND_INT(id));
}

static int read_sha(struct store_stmt *st, void *out)
{
    copy_str(out, 65, store_col_text(st, 0));
    return STORE_ROW;
}

int msglog_envelope_sha(struct store *db, int64_t account_id, int64_t id, char sha[65])
{
    sha[0] = 0;
    int rc = store_one(db,
                       LOG_WITH "SELECT m.envelope_sha256 FROM exchange_messages m WHERE"
                                LOG_VISIBLE " AND m.id = ?2 AND m.envelope_sha256 IS NOT NULL",
                       read_sha, sha, BIND_INT(account_id), BIND_INT(id));
    if (rc == STORE_ROW && !sha_ok(sha))
        return STORE_DONE;
    return rc;
}

int msglog_token(struct store *db, int64_t account_id, int64_t id, unsigned char **token,
                 size_t *len)
{
    struct store_blob b = {0};
    int rc = store_one(db,
                       LOG_WITH "SELECT m.tsa_token FROM exchange_messages m WHERE" LOG_VISIBLE
                                " AND m.id = ?2 AND m.tsa_token IS NOT NULL",
                       store_read_blob, &b, BIND_INT(account_id), BIND_INT(id));
    *token = b.p;
    *len = b.len;
    return rc;
}

/* --- the units of other nodes --------------------------------------------- */

int msglog_units_json(struct store *db, int64_t now, json_t **out)
{
    char province[32], self[EXCHANGE_NODE_ID_MAX] = "";
    struct directory d = {0};
    struct derr err = {0};
    json_t *arr = json_array();
    *out = NULL;
    if (!arr)
        return -1;
    int rc = exchange_province(db, province);
    if (rc == STORE_ROW && exchange_node_get(db, self) < 0)
        rc = STORE_ERR;
    if (rc < 0) {
        json_decref(arr);
        return -1;
    }
    if (rc != STORE_ROW || directory_load(db, province, now, &d, NULL, NULL, &err) != 0) {
        int internal = err.kind == DERR_INTERNAL;
        derr_clear(&err);
        if (internal) {
            json_decref(arr);
            return -1;
        }
        *out = arr; /* no usable directory: nothing to offer */
        return 0;
    }
    for (size_t i = 0; i < d.nnodes; i++) {
        const struct directory_node *n = &d.nodes[i];
        if (strcmp(n->id, self) == 0)
            continue;
        for (size_t k = 0; k < n->nunits; k++) {
            char name[512];
            struct store_stmt *st;
            copy_str(name, sizeof name, n->units[k]);
            if (store_prepare_all(db, "SELECT name FROM units WHERE code = ?", &st,
                                  BIND_TEXT(n->units[k])) == 0) {
                if (store_step(st) == STORE_ROW)
                    copy_str(name, sizeof name, store_col_text(st, 0));
                store_done(st);
            }
            json_array_append_new(arr, json_pack("{ss ss ss ss}", "code", n->units[k], "name",
                                                 name, "node", n->id, "node_name", n->name));
        }
    }
    directory_free(&d);
    *out = arr;
    return 0;
}

/* --- the worker ----------------------------------------------------------- */

#define RETRY_AFTER 600     /* seconds before a failed envelope is tried again */
#define STAMP_BATCH 16      /* envelopes per look */
#define PURGE_EVERY 86400   /* seconds between purges */

struct msglog_worker {
    struct msglog_worker_config c;
    char db_path[1100], files_dir[1100];
    struct store *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
    int64_t purged_at;
};

static int stopping(struct msglog_worker *w)
{
    pthread_mutex_lock(&w->lock);
    int s = w->stopping;
    pthread_mutex_unlock(&w->lock);
    return s;
}

static void run_once(struct msglog_worker *w)
{
    char err[512];
    int64_t now = now_unix();
    if (w->c.stamp) {
        int n;
        do {
            n = msglog_stamp_missing(w->db, w->files_dir, w->c.stamp, w->c.stamp_ctx, now,
                                     STAMP_BATCH, RETRY_AFTER, err, sizeof err);
            if (n < 0)
                log_error("%s", err);
        } while (n == STAMP_BATCH && !stopping(w)); /* a backlog, batch after batch */
    }
    if (now - w->purged_at >= PURGE_EVERY) {
        struct msglog_purge p;
        w->purged_at = now;
        if (msglog_purge(w->db, w->files_dir, now, 0, &p, err, sizeof err))
            log_error("%s", err);
        else if (p.rows)
            log_info("exchange log: %lld rows older than %d years purged, %lld envelopes removed",
                     (long long)p.rows, p.years, (long long)p.files);
    }
}

static void *worker_main(void *arg)
{
    struct msglog_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        pthread_mutex_unlock(&w->lock);
        run_once(w);
        pthread_mutex_lock(&w->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += w->c.tick;
        while (!w->stopping && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int msglog_worker_start(const struct msglog_worker_config *c, struct msglog_worker **out,
                        char *err, size_t errlen)
{
    struct msglog_worker *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->c = *c;
    if (w->c.tick < 1)
        w->c.tick = 1;
    if (copy_str(w->db_path, sizeof w->db_path, c->db_path) ||
        copy_str(w->files_dir, sizeof w->files_dir, c->files_dir)) {
        snprintf(err, errlen, "exchange log: a path is too long");
        free(w);
        return -1;
    }
    if (store_open(w->db_path, 0, &w->db, err, errlen)) {
        free(w);
        return -1;
    }
    if (!w->c.stamp)
        log_warn("exchange log: no timestamping authority (no --tsa-url and no TSA key in the "
                 "data directory): envelopes are logged without a timestamp");
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w)) {
        snprintf(err, errlen, "cannot start the exchange log thread");
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        store_close(w->db);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void msglog_worker_stop(struct msglog_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    store_close(w->db);
    free(w);
}

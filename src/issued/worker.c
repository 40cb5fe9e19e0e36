/* worker: the issuing worker's thread (see worker.h). */
#include "issued/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"
#include "store/store.h"

#define MAX_SLEEP_SEC 30 /* look again at least this often */

struct issued_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int woken, stopping; /* under lock */
    struct store *db;
    char data_dir[1024], files_dir[1100], base_url[256];
    struct issued_env env;
};

void issued_worker_wake(struct issued_worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->woken = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void wake_cb(void *arg) { issued_worker_wake(arg); }

static int read_id(struct store_stmt *st, void *arg)
{
    *(int64_t *)arg = store_col_int(st, 0);
    return STORE_ROW;
}

/* The next due row: STORE_ROW with *doc, STORE_DONE, or an error. */
static int next_due(struct issued_worker *w, int64_t now, struct issued_doc *doc)
{
    int64_t id = 0;
    int rc = store_one(w->db,
                       "SELECT id FROM issued_documents WHERE state IN ('pending',"
                       " 'awaiting_timestamp') AND next_attempt_at <= ?"
                       " ORDER BY next_attempt_at, id LIMIT 1",
                       read_id, &id, BIND_INT(now));
    if (rc != STORE_ROW)
        return rc;
    return issued_get(w->db, id, doc);
}

/* Records what became of doc in a transaction of the worker's connection:
 * m made, or err. Returns 0, or -1 when it could not (logged). */
static int record(struct issued_worker *w, const struct issued_doc *doc,
                   const struct issued_made *m, const struct derr *err, int64_t now)
{
    int rc = store_begin(w->db);
    if (rc == 0) {
        if (m && doc->state == ISSUED_PENDING) {
            struct issued_signed s = issued_made_signed(m);
            rc = issued_mark_signed(w->db, doc->id, &s, now);
        } else if (m) {
            rc = issued_record_timestamps(w->db, doc, m, now + issued_backoff(doc->attempts),
                                          now);
        } else {
            int final = doc->state == ISSUED_PENDING && issued_refusal_final(err);
            rc = issued_mark_attempt(w->db, doc->id, err->message,
                                     now + issued_backoff(doc->attempts), final);
        }
    }
    if (rc == ISSUED_NOT_PENDING) {
        /* A download finished it first: its file stands. */
        store_rollback(w->db);
        return 0;
    }
    if (rc || store_commit(w->db)) {
        log_error("issuing worker: cannot record document %s: %s", doc->public_id,
                  store_errmsg(w->db));
        store_rollback(w->db);
        return -1;
    }
    return 0;
}

static void run_due(struct issued_worker *w)
{
    for (;;) {
        pthread_mutex_lock(&w->lock);
        int stop = w->stopping;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            return;
        struct issued_doc doc;
        int64_t now = now_unix();
        int rc = next_due(w, now, &doc);
        if (rc == STORE_DONE)
            return;
        if (rc != STORE_ROW) {
            log_error("issuing worker: %s", store_errmsg(w->db));
            return;
        }
        struct issued_made m;
        struct derr err = {0};
        int made = doc.state == ISSUED_PENDING
                       ? issued_make(w->db, &w->env, &doc, now, &m, &err)
                       : issued_add_timestamps(w->db, &w->env, &doc, now, &m, &err);
        if (made == 1) /* the document it names is gone: nothing to issue */
            derr_set(&err, DERR_STATE, "sign_failed", "Không có văn bản này", NULL);
        int recorded;
        if (made == 0) {
            recorded = record(w, &doc, &m, NULL, now);
            log_info("issued %s %s (%s)", issued_kind_name(doc.kind), doc.public_id,
                     issued_state_name(m.state));
            issued_made_clear(&m);
        } else {
            log_warn("issuing worker: %s %s: %s", issued_kind_name(doc.kind), doc.public_id,
                     err.message);
            recorded = record(w, &doc, NULL, &err, now);
        }
        derr_clear(&err);
        if (recorded) /* the database refuses: try again at the next wake-up, not at once */
            return;
    }
}

static void *worker_main(void *arg)
{
    struct issued_worker *w = arg;
    for (;;) {
        run_due(w);
        pthread_mutex_lock(&w->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += MAX_SLEEP_SEC;
        while (!w->stopping && !w->woken &&
               pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
            ;
        w->woken = 0;
        int stop = w->stopping;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            break;
    }
    return NULL;
}

int issued_worker_start(const char *db_path, const struct issued_env *env,
                        struct issued_worker **out, char *err, size_t errlen)
{
    struct issued_worker *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    copy_str(w->data_dir, sizeof w->data_dir, env->data_dir);
    copy_str(w->files_dir, sizeof w->files_dir, env->files_dir);
    copy_str(w->base_url, sizeof w->base_url, env->base_url);
    w->env = (struct issued_env){.data_dir = w->data_dir, .files_dir = w->files_dir,
                                 .base_url = w->base_url, .stamp = env->stamp,
                                 .stamp_ctx = env->stamp_ctx};
    if (store_open(db_path, 0, &w->db, err, errlen)) {
        free(w);
        return -1;
    }
    /* Everything still to do is due now. */
    if (store_exec_all(w->db,
                       "UPDATE issued_documents SET next_attempt_at = ?"
                       " WHERE state IN ('pending', 'awaiting_timestamp')",
                       BIND_INT(now_unix()))) {
        snprintf(err, errlen, "cannot read the issued documents: %s", store_errmsg(w->db));
        store_close(w->db);
        free(w);
        return -1;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    int rc = thread_start(&w->thread, worker_main, w);
    if (rc) {
        snprintf(err, errlen, "cannot start the issuing thread");
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        store_close(w->db);
        free(w);
        return -1;
    }
    issued_set_waker(wake_cb, w);
    *out = w;
    return 0;
}

void issued_worker_stop(struct issued_worker *w)
{
    if (!w)
        return;
    issued_set_waker(NULL, NULL);
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    store_close(w->db);
    free(w);
}

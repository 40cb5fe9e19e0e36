/* checkpoint_worker: a thread that wakes once a minute, or when stopped. */
#include "sign/checkpoint_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/derr.h"
#include "base/log.h"
#include "base/util.h"
#include "sign/keys.h"
#include "sign/signer.h"
#include "store/store.h"

/* How often the worker looks at most (seconds). */
#define TICK 60

struct checkpoint_worker {
    struct checkpoint_worker_config c;
    char db_path[1100], data_dir[1024];
    struct store *db;
    struct signer *system;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
    int64_t started; /* a first checkpoint waits one interval after the start */
};

/* Is a checkpoint due? 1, 0, or -1 on a store error. */
static int due(struct checkpoint_worker *w, int64_t now)
{
    int64_t last_entry = 0, last_at = 0, newest = 0;
    if (store_query_int(w->db, "SELECT coalesce(max(last_entry), 0) FROM audit_checkpoints", NULL,
                        &last_entry) != STORE_ROW ||
        store_query_int(w->db, "SELECT coalesce(max(created_at), 0) FROM audit_checkpoints",
                        NULL, &last_at) != STORE_ROW ||
        store_query_int(w->db, "SELECT coalesce(max(id), 0) FROM audit_log", NULL, &newest) !=
            STORE_ROW)
        return -1;
    if (newest <= last_entry)
        return 0;
    int64_t since = last_at > w->started ? last_at : w->started;
    return newest - last_entry >= w->c.entries_max || now - since >= w->c.interval;
}

static void run_once(struct checkpoint_worker *w)
{
    char err[512];
    int64_t now = now_unix();
    if (w->c.timestamp &&
        checkpoint_timestamp_missing(w->db, w->c.timestamp, w->c.timestamp_ctx, err,
                                     sizeof err) < 0)
        log_warn("audit checkpoints: %s", err);
    int d = due(w, now);
    if (d <= 0) {
        if (d < 0)
            log_error("audit checkpoints: %s", store_errmsg(w->db));
        return;
    }
    struct checkpoint c;
    int rc = checkpoint_build(w->db, w->system, w->c.timestamp, w->c.timestamp_ctx, now, &c, err,
                              sizeof err);
    if (rc < 0) {
        log_error("audit checkpoints: %s", err);
        return;
    }
    if (rc == 0)
        return;
    if (store_begin(w->db) || checkpoint_store(w->db, &c) || store_commit(w->db)) {
        log_error("audit checkpoints: cannot store one: %s", store_errmsg(w->db));
        store_rollback(w->db);
    } else {
        log_info("audit checkpoint of entries %lld to %lld%s", (long long)c.first,
                 (long long)c.last, c.timestamp ? ", timestamped" : ", without a timestamp yet");
    }
    checkpoint_clear(&c);
}

static void *worker_main(void *arg)
{
    struct checkpoint_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        pthread_mutex_unlock(&w->lock);
        run_once(w);
        pthread_mutex_lock(&w->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += w->c.interval < TICK ? w->c.interval : TICK;
        while (!w->stopping && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int checkpoint_worker_start(const struct checkpoint_worker_config *c,
                            struct checkpoint_worker **out, char *err, size_t errlen)
{
    struct checkpoint_worker *w = calloc(1, sizeof *w);
    struct derr derr = {0};
    *out = NULL;
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->c = *c;
    w->started = now_unix();
    if (w->c.interval < 1)
        w->c.interval = 1;
    copy_str(w->db_path, sizeof w->db_path, c->db_path);
    copy_str(w->data_dir, sizeof w->data_dir, c->data_dir);
    w->c.db_path = w->db_path;
    w->c.data_dir = w->data_dir;
    if (store_open(w->db_path, 0, &w->db, err, errlen)) {
        free(w);
        return -1;
    }
    if (keys_platform_signer(w->db, w->data_dir, KEYS_SYSTEM, now_unix(), &w->system, &derr)) {
        log_warn("audit checkpoints off: no usable system key (%s)", derr.message);
        derr_clear(&derr);
        store_close(w->db);
        free(w);
        return 0;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w)) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        signer_free(w->system);
        store_close(w->db);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void checkpoint_worker_stop(struct checkpoint_worker *w)
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
    signer_free(w->system);
    store_close(w->db);
    free(w);
}

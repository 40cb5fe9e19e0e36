/* writer: group commit on one write connection. */
#include "store/writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "base/log.h"
#include "store/store.h"

#define MAX_BATCH 512

struct writer {
    struct store *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct write_job *head, *tail;
    int stopping;
    struct writer_stats stats;
    void (*after_commit)(void);
    char path[1024]; /* the database, for messages */
};

/* Runs a statement without parameters through the connection's statement
 * cache: the batch's BEGIN, COMMIT and savepoints are parsed once, not per
 * job. */
static int run_cached(struct store *db, const char *sql)
{
    struct store_stmt *st;
    int rc = store_prepare(db, sql, &st);
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

/* Runs one job inside its own savepoint. A job that failed because the
 * disk is full or cannot be written gets STORE_FULL or STORE_IOERR as its
 * result, whatever it returned: the HTTP layer answers those itself (507,
 * 503). *io keeps the first such failure of the batch. */
static void run_job(struct store *db, struct write_job *job, int *io)
{
    store_take_io_error(db);
    if (run_cached(db, "SAVEPOINT job")) {
        int e = store_take_io_error(db);
        job->rc = e ? e : STORE_ERR;
        if (e && !*io)
            *io = e;
        return;
    }
    job->rc = job->fn(db, job->arg);
    if (job->rc) {
        int e = store_take_io_error(db);
        if (e) {
            job->rc = e;
            if (!*io)
                *io = e;
        }
        run_cached(db, "ROLLBACK TO job");
    }
    run_cached(db, "RELEASE job");
}

/* SQLite reports some writes on a full disk (growing its -shm or -wal
 * file) as I/O errors: with (nearly) no space left, say "full". */
static int refine_io(const struct writer *w, int rc)
{
    char dir[1024];
    struct statvfs vfs;
    char *slash;
    if (rc != STORE_IOERR)
        return rc;
    snprintf(dir, sizeof dir, "%s", w->path);
    slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
    if (statvfs(dir, &vfs) == 0 && (unsigned long long)vfs.f_bavail * vfs.f_frsize < 64 * 1024)
        return STORE_FULL;
    return rc;
}

/* Says plainly what went wrong and where, once per failed batch. */
static void log_batch_failure(struct writer *w, const char *what, int rc)
{
    if (rc == STORE_FULL)
        log_error("writer: no space left on device while writing %s (%s failed: %s); nothing "
                  "of this batch was written",
                  w->path, what, store_errmsg(w->db));
    else if (rc == STORE_IOERR)
        log_error("writer: cannot write %s: read-only file system or I/O error (%s failed: "
                  "%s); nothing of this batch was written",
                  w->path, what, store_errmsg(w->db));
    else
        log_error("writer: %s failed: %s", what, store_errmsg(w->db));
}

static void run_batch(struct writer *w, struct write_job *batch)
{
    int io = 0;
    int rc = run_cached(w->db, "BEGIN IMMEDIATE");
    int n = 0, failed = 0;
    for (struct write_job *j = batch; j; j = j->next) {
        n++;
        if (rc) {
            j->rc = rc;
            continue;
        }
        run_job(w->db, j, &io);
        failed += j->rc != 0;
    }
    if (rc == 0) {
        rc = run_cached(w->db, "COMMIT");
        /* SQLite may have rolled the whole transaction back when a job hit a
         * full disk; the COMMIT then fails for that reason. */
        if (rc && io)
            rc = io;
        rc = refine_io(w, rc);
        io = refine_io(w, io);
        if (rc) {
            log_batch_failure(w, "commit", rc);
            store_rollback(w->db);
        } else if (io) {
            log_batch_failure(w, "a job", io);
        }
    } else {
        rc = refine_io(w, rc);
        log_batch_failure(w, "begin", rc);
    }
    store_take_io_error(w->db);
    pthread_mutex_lock(&w->lock);
    w->stats.jobs += (uint64_t)n;
    w->stats.batches++;
    w->stats.failed_jobs += (uint64_t)failed;
    w->stats.failed_commits += rc != 0;
    pthread_mutex_unlock(&w->lock);

    if (w->after_commit)
        w->after_commit();
    /* notify may free the job: read next first. */
    for (struct write_job *j = batch, *next; j; j = next) {
        next = j->next;
        if (rc && j->rc == 0)
            j->rc = rc;
        j->rc = refine_io(w, j->rc);
        j->notify(j);
    }
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!w->head && w->stopping) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        /* Take up to MAX_BATCH jobs; the rest wait for the next batch. */
        struct write_job *batch = w->head, *last = w->head;
        for (int n = 1; n < MAX_BATCH && last->next; n++)
            last = last->next;
        w->head = last->next;
        if (!w->head)
            w->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&w->lock);
        run_batch(w, batch);
    }
    return NULL;
}

int writer_start(const char *path, struct writer **out, char *err, size_t errlen)
{
    struct writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (store_open(path, 0, &w->db, err, errlen)) {
        free(w);
        return -1;
    }
    snprintf(w->path, sizeof w->path, "%s", path);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w)) {
        snprintf(err, errlen, "cannot start the writer thread");
        store_close(w->db);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

int writer_submit(struct writer *w, struct write_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&w->lock);
    if (w->stopping) {
        pthread_mutex_unlock(&w->lock);
        return -1;
    }
    if (w->tail)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void writer_stop(struct writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    store_close(w->db);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}

void writer_set_after_commit(struct writer *w, void (*fn)(void)) { w->after_commit = fn; }

void writer_get_stats(struct writer *w, struct writer_stats *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
}

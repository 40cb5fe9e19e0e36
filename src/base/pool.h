/* pool: a few worker threads for CPU-heavy work (password hashing, PDF
 * rendering, hashing uploads) so the HTTP loops never block on it. */
#ifndef MOTCUA_POOL_H
#define MOTCUA_POOL_H

struct pool;

struct pool_task {
    void (*fn)(void *arg);                 /* runs on a worker thread */
    void *arg;
    void (*notify)(struct pool_task *t);   /* runs on the worker after fn */
    void *owner;
    struct pool_task *next;
};

int pool_start(int nthreads, struct pool **out);
/* Queues a task. Thread-safe. Returns -1 once the pool is stopping. */
int pool_submit(struct pool *p, struct pool_task *t);
/* Finishes queued tasks and joins the threads. */
void pool_stop(struct pool *p);

#endif

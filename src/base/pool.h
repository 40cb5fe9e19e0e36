/* pool: a few worker threads for CPU-heavy work (password hashing, PDF
 * rendering, storing uploads) so the HTTP loops never block on it.
 *
 * Work anyone can ask for cheaply and in bulk (hashing a password costs
 * tens of milliseconds for one request) goes to the bounded lane: its queue
 * has a limit, beyond which it is refused at once, and it never takes the
 * last worker, which stays for the other lane (documents, uploads). So a
 * flood of registrations slows registrations, not receipts. */
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

enum pool_lane { POOL_NORMAL, POOL_BOUNDED };

/* Starts nthreads workers; the bounded lane queues at most bounded_max
 * tasks. */
int pool_start(int nthreads, int bounded_max, struct pool **out);
/* Queues a task. Thread-safe. Returns 0, -1 once the pool is stopping, or
 * -2 when the bounded lane is full (nothing queued). */
int pool_submit(struct pool *p, struct pool_task *t, enum pool_lane lane);
/* Finishes queued tasks and joins the threads. */
void pool_stop(struct pool *p);

#endif

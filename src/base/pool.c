/* pool: a fixed set of worker threads over two FIFO queues. */
#include "base/pool.h"

#include <pthread.h>
#include <stdlib.h>

#define MAX_THREADS 16

struct queue {
    struct pool_task *head, *tail;
    int queued;
};

struct pool {
    pthread_t threads[MAX_THREADS];
    int nthreads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct queue lanes[2];
    int bounded_max;     /* tasks the bounded lane may queue */
    int bounded_running; /* bounded tasks on a worker now */
    int stopping;
};

static struct pool_task *pop(struct queue *q)
{
    struct pool_task *t = q->head;
    if (t) {
        q->head = t->next;
        if (!q->head)
            q->tail = NULL;
        q->queued--;
    }
    return t;
}

/* The next task a worker may take: the normal lane first; the bounded one
 * only while another worker stays free for the normal lane. Lock held. */
static struct pool_task *next_task(struct pool *p, int *bounded)
{
    struct pool_task *t = pop(&p->lanes[POOL_NORMAL]);
    *bounded = 0;
    if (!t && p->bounded_running < (p->nthreads > 1 ? p->nthreads - 1 : 1) &&
        (t = pop(&p->lanes[POOL_BOUNDED]))) {
        *bounded = 1;
        p->bounded_running++;
    }
    return t;
}

static void *worker_main(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        int bounded;
        struct pool_task *t = next_task(p, &bounded);
        if (!t) {
            if (p->stopping && !p->lanes[POOL_NORMAL].head && !p->lanes[POOL_BOUNDED].head)
                break;
            pthread_cond_wait(&p->wake, &p->lock);
            continue;
        }
        pthread_mutex_unlock(&p->lock);
        t->fn(t->arg);
        t->notify(t);
        pthread_mutex_lock(&p->lock);
        if (bounded) {
            p->bounded_running--;
            pthread_cond_broadcast(&p->wake); /* a bounded task may go now */
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int pool_start(int nthreads, int bounded_max, struct pool **out)
{
    struct pool *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
    p->bounded_max = bounded_max;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p))
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int pool_submit(struct pool *p, struct pool_task *t, enum pool_lane lane)
{
    t->next = NULL;
    pthread_mutex_lock(&p->lock);
    struct queue *q = &p->lanes[lane];
    int rc = p->stopping ? -1 : lane == POOL_BOUNDED && q->queued >= p->bounded_max ? -2 : 0;
    if (rc == 0) {
        if (q->tail)
            q->tail->next = t;
        else
            q->head = t;
        q->tail = t;
        q->queued++;
        pthread_cond_signal(&p->wake);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void pool_stop(struct pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
}

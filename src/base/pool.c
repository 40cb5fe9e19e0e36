/* pool: a fixed set of worker threads over one FIFO queue. */
#include "base/pool.h"

#include <pthread.h>
#include <stdlib.h>

#define MAX_THREADS 16

struct pool {
    pthread_t threads[MAX_THREADS];
    int nthreads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct pool_task *head, *tail;
    int stopping;
};

static void *worker_main(void *arg)
{
    struct pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->wake, &p->lock);
        struct pool_task *t = p->head;
        if (!t) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        p->head = t->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->lock);
        t->fn(t->arg);
        t->notify(t);
    }
}

int pool_start(int nthreads, struct pool **out)
{
    struct pool *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
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

int pool_submit(struct pool *p, struct pool_task *t)
{
    t->next = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    return 0;
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

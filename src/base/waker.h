/* waker: tells a background worker that a committed batch left it work.
 * A listener that queues rows calls waker_note inside the write job; the
 * after-commit hook calls waker_fire, which calls the worker's wake
 * function once, and only when something was noted since the last fire
 * (so a batch that queued nothing costs one atomic exchange). The wake
 * function is set when the worker starts and cleared when it stops.
 * Define one per outbox: static struct waker w = WAKER_INIT; */
#ifndef MOTCUA_WAKER_H
#define MOTCUA_WAKER_H

#include <pthread.h>
#include <stdatomic.h>

struct waker {
    atomic_int noted;
    pthread_mutex_t lock; /* guards fn and arg against a worker stopping */
    void (*fn)(void *);
    void *arg;
};

#define WAKER_INIT {0, PTHREAD_MUTEX_INITIALIZER, NULL, NULL}

/* Sets (or, with fn NULL, clears) what waker_fire calls. Thread-safe. */
void waker_set(struct waker *w, void (*fn)(void *), void *arg);

/* Something was queued for the worker (inside a write job). */
void waker_note(struct waker *w);

/* After a commit: wakes the worker if something was noted. Thread-safe. */
void waker_fire(struct waker *w);

#endif

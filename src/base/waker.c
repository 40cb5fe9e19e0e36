/* waker: see waker.h. */
#include "base/waker.h"

void waker_set(struct waker *w, void (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&w->lock);
    w->fn = fn;
    w->arg = arg;
    pthread_mutex_unlock(&w->lock);
}

void waker_note(struct waker *w)
{
    atomic_store(&w->noted, 1);
}

void waker_fire(struct waker *w)
{
    if (!atomic_exchange(&w->noted, 0))
        return;
    pthread_mutex_lock(&w->lock);
    if (w->fn)
        w->fn(w->arg);
    pthread_mutex_unlock(&w->lock);
}

/* lane: one request at a time per key (http/lane.h). */
#include "http/lane.h"

#include <pthread.h>
#include <stddef.h>

#include "http/http.h"

struct lane {
    int64_t key;
    int used;
    struct req *waiting[LANE_WAIT]; /* a ring, oldest at head */
    int head, count;
};

static struct lane lanes[LANE_KEYS];
static pthread_mutex_t lanes_mu = PTHREAD_MUTEX_INITIALIZER;

static struct lane *find(int64_t key)
{
    for (int i = 0; i < LANE_KEYS; i++)
        if (lanes[i].used && lanes[i].key == key)
            return &lanes[i];
    return NULL;
}

enum lane_entry lane_enter(int64_t key, struct req *r, void (*on_turn)(struct req *r))
{
    enum lane_entry e = LANE_NONE;
    pthread_mutex_lock(&lanes_mu);
    struct lane *l = find(key);
    if (!l) {
        for (int i = 0; i < LANE_KEYS && !l; i++)
            if (!lanes[i].used)
                l = &lanes[i];
        if (l) {
            *l = (struct lane){.key = key, .used = 1};
            e = LANE_TAKEN;
        }
    } else if (l->count == LANE_WAIT || http_park(r, on_turn)) {
        e = LANE_FULL;
    } else {
        l->waiting[(l->head + l->count) % LANE_WAIT] = r;
        l->count++;
        e = LANE_PARKED;
    }
    pthread_mutex_unlock(&lanes_mu);
    return e;
}

void lane_leave(int64_t key)
{
    struct req *next = NULL;
    pthread_mutex_lock(&lanes_mu);
    struct lane *l = find(key);
    if (l && l->count) {
        next = l->waiting[l->head];
        l->head = (l->head + 1) % LANE_WAIT;
        l->count--;
    } else if (l) {
        l->used = 0;
    }
    pthread_mutex_unlock(&lanes_mu);
    /* Outside the lock: the next holder's loop may run it at once. */
    if (next)
        http_resume(next);
}

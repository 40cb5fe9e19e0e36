/* ratelimit: a fixed-size table of (key hash, window start, failures).
 * When the table is full the oldest window is replaced: an attacker can at
 * most make us forget old failures, never block a key it does not hit. */
#include "auth/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096

struct slot {
    uint64_t key;
    int64_t start;
    int failures; /* attempts counted in this window */
};

struct ratelimit {
    pthread_mutex_t lock;
    int max_failures, window;
    struct slot slots[SLOTS];
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

struct ratelimit *ratelimit_new(int max_failures, int window_seconds)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->lock, NULL);
    rl->max_failures = max_failures;
    rl->window = window_seconds;
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* Finds the key's slot; with create, claims a slot for it: an empty one,
 * else an expired one, else the oldest. Lock held. */
static struct slot *find(struct ratelimit *rl, uint64_t k, int64_t now, int create)
{
    unsigned base = (unsigned)(k % SLOTS);
    struct slot *victim = NULL;
    for (unsigned i = 0; i < 16; i++) {
        struct slot *s = &rl->slots[(base + i) % SLOTS];
        if (s->key == k)
            return s;
        int free_now = s->key == 0 || s->start + rl->window <= now;
        int victim_free = victim && (victim->key == 0 || victim->start + rl->window <= now);
        if (!victim || (free_now && !victim_free) || (!victim_free && s->start < victim->start))
            victim = s;
    }
    if (!create)
        return NULL;
    victim->key = k;
    victim->start = now;
    victim->failures = 0;
    return victim;
}

int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now)
{
    int wait = 0;
    pthread_mutex_lock(&rl->lock);
    struct slot *s = find(rl, hash_key(key), now, 1);
    if (s->start + rl->window <= now) {
        s->start = now;
        s->failures = 0;
    }
    if (s->failures >= rl->max_failures)
        wait = (int)(s->start + rl->window - now);
    else
        s->failures++;
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void ratelimit_give_back(struct ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->lock);
    struct slot *s = find(rl, hash_key(key), 0, 0);
    if (s && s->failures > 0)
        s->failures--;
    pthread_mutex_unlock(&rl->lock);
}

void ratelimit_reset(struct ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->lock);
    struct slot *s = find(rl, hash_key(key), 0, 0);
    if (s)
        memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&rl->lock);
}

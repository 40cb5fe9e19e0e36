/* ratelimit: a fixed-size table of (key hash, counts) under one lock. */
#include "base/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define PROBE 16

enum policy { WINDOW, BACKOFF, BUCKET };

struct slot {
    uint64_t key;
    int64_t start; /* WINDOW: window start; BACKOFF, BUCKET: last attempt */
    double n;      /* WINDOW, BACKOFF: attempts; BUCKET: tokens left */
};

struct ratelimit {
    pthread_mutex_t lock;
    enum policy policy;
    int max, window;                  /* WINDOW */
    int free_attempts, first_delay, max_delay, forget; /* BACKOFF */
    double per_second, burst;         /* BUCKET */
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

static struct ratelimit *make(enum policy p)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->lock, NULL);
    rl->policy = p;
    return rl;
}

struct ratelimit *ratelimit_new(int max, int window_seconds)
{
    struct ratelimit *rl = make(WINDOW);
    if (rl) {
        rl->max = max;
        rl->window = window_seconds;
    }
    return rl;
}

struct ratelimit *ratelimit_new_backoff(int free_attempts, int first_delay, int max_delay,
                                        int forget_seconds)
{
    struct ratelimit *rl = make(BACKOFF);
    if (rl) {
        rl->free_attempts = free_attempts;
        rl->first_delay = first_delay;
        rl->max_delay = max_delay;
        rl->forget = forget_seconds;
    }
    return rl;
}

struct ratelimit *ratelimit_new_bucket(int per_minute, int burst)
{
    struct ratelimit *rl = make(BUCKET);
    if (rl) {
        rl->per_second = per_minute / 60.0;
        rl->burst = burst;
    }
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* Whether a slot no longer holds anything worth keeping at now. */
static int stale(const struct ratelimit *rl, const struct slot *s, int64_t now)
{
    if (s->key == 0)
        return 1;
    switch (rl->policy) {
    case WINDOW: return s->start + rl->window <= now;
    case BACKOFF: return s->start + rl->forget <= now;
    default: return s->n + (double)(now - s->start) * rl->per_second >= rl->burst;
    }
}

static void fresh(const struct ratelimit *rl, struct slot *s, uint64_t k, int64_t now)
{
    s->key = k;
    s->start = now;
    s->n = rl->policy == BUCKET ? rl->burst : 0;
}

/* Finds the key's slot; with create, claims one for it: a stale slot, else
 * the one touched longest ago. A stale slot of the key starts afresh. Lock
 * held. */
static struct slot *find(struct ratelimit *rl, uint64_t k, int64_t now, int create)
{
    unsigned base = (unsigned)(k % SLOTS);
    struct slot *victim = NULL;
    int victim_stale = 0;
    for (unsigned i = 0; i < PROBE; i++) {
        struct slot *s = &rl->slots[(base + i) % SLOTS];
        if (s->key == k) {
            if (create && stale(rl, s, now))
                fresh(rl, s, k, now);
            return s;
        }
        int st = stale(rl, s, now);
        if (!victim || (st && !victim_stale) || (st == victim_stale && s->start < victim->start)) {
            victim = s;
            victim_stale = st;
        }
    }
    if (!create)
        return NULL;
    fresh(rl, victim, k, now);
    return victim;
}

/* Seconds key must still wait; 0 if it may try now. Lock held. */
static int wait_of(const struct ratelimit *rl, struct slot *s, int64_t now)
{
    switch (rl->policy) {
    case WINDOW:
        return s->n >= rl->max ? (int)(s->start + rl->window - now) : 0;
    case BACKOFF: {
        int over = (int)s->n - rl->free_attempts;
        if (over < 0)
            return 0;
        int64_t delay = rl->first_delay;
        while (over-- > 0 && delay < rl->max_delay)
            delay *= 2;
        if (delay > rl->max_delay)
            delay = rl->max_delay;
        return s->start + delay > now ? (int)(s->start + delay - now) : 0;
    }
    default: {
        /* Refill by the time passed, then see whether a whole token is there. */
        s->n += (double)(now - s->start) * rl->per_second;
        if (s->n > rl->burst)
            s->n = rl->burst;
        s->start = now;
        if (s->n >= 1)
            return 0;
        double secs = (1 - s->n) / rl->per_second;
        return secs < 1 ? 1 : (int)(secs + 0.999);
    }
    }
}

static void count(const struct ratelimit *rl, struct slot *s, double n, int64_t now)
{
    if (rl->policy == BUCKET) {
        s->n -= n;
        if (s->n < -rl->burst) /* a debt, bounded */
            s->n = -rl->burst;
    } else {
        s->n += n;
        if (rl->policy == BACKOFF)
            s->start = now;
    }
}

int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now)
{
    pthread_mutex_lock(&rl->lock);
    struct slot *s = find(rl, hash_key(key), now, 1);
    int wait = wait_of(rl, s, now);
    if (wait <= 0) {
        wait = 0;
        count(rl, s, 1, now);
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void ratelimit_charge(struct ratelimit *rl, const char *key, int n, int64_t now)
{
    pthread_mutex_lock(&rl->lock);
    struct slot *s = find(rl, hash_key(key), now, 1);
    count(rl, s, n, now);
    pthread_mutex_unlock(&rl->lock);
}

void ratelimit_give_back(struct ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->lock);
    struct slot *s = find(rl, hash_key(key), 0, 0);
    if (s && rl->policy == BUCKET && s->n + 1 <= rl->burst)
        s->n += 1;
    else if (s && rl->policy != BUCKET && s->n >= 1)
        s->n -= 1;
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

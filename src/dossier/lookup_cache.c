/* lookup_cache: sharded hash tables of code -> JSON, under rwlocks. */
#include "dossier/lookup_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "dossier/changes.h"

#define SHARDS 16
#define SLOTS 1024 /* per shard; a full shard is simply emptied */
#define MAX_CODE 96
#define MAX_JSON 8192
#define MAX_PENDING 1024

struct entry {
    int occupied;       /* stays set after invalidation: no holes in probe runs */
    char code[MAX_CODE];
    char *json;         /* NULL once invalidated */
    size_t len;
    int64_t expires;
};

struct shard {
    pthread_rwlock_t lock;
    struct entry slots[SLOTS];
    int used;
};

static struct shard shards[SHARDS] = {
    [0 ... SHARDS - 1] = {.lock = PTHREAD_RWLOCK_INITIALIZER},
};
static _Atomic uint64_t generation;

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static char pending[MAX_PENDING][MAX_CODE];
static int npending, pending_overflow;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Slot holding code, or the empty slot where it would go; NULL if the probe
 * finds neither. Lock held. */
static struct entry *probe(struct shard *sh, const char *code, uint64_t h)
{
    for (unsigned i = 0; i < 16; i++) {
        struct entry *e = &sh->slots[(h / SHARDS + i) % SLOTS];
        if (!e->occupied || strcmp(e->code, code) == 0)
            return e;
    }
    return NULL;
}

int lookup_cache_get(const char *code, char *out, size_t cap)
{
    if (strlen(code) >= MAX_CODE)
        return -1;
    uint64_t h = hash(code);
    struct shard *sh = &shards[h % SHARDS];
    int n = -1;
    pthread_rwlock_rdlock(&sh->lock);
    struct entry *e = probe(sh, code, h);
    if (e && e->json && e->expires > now_usec() && e->len <= cap) {
        memcpy(out, e->json, e->len);
        n = (int)e->len;
    }
    pthread_rwlock_unlock(&sh->lock);
    return n;
}

uint64_t lookup_cache_generation(void) { return atomic_load(&generation); }

static void empty_shard(struct shard *sh)
{
    for (int i = 0; i < SLOTS; i++)
        free(sh->slots[i].json);
    memset(sh->slots, 0, sizeof sh->slots);
    sh->used = 0;
}

void lookup_cache_put(const char *code, const char *json, size_t len, uint64_t gen)
{
    if (strlen(code) >= MAX_CODE || len > MAX_JSON)
        return;
    char *copy = malloc(len);
    if (!copy)
        return;
    memcpy(copy, json, len);
    uint64_t h = hash(code);
    struct shard *sh = &shards[h % SHARDS];
    pthread_rwlock_wrlock(&sh->lock);
    if (atomic_load(&generation) != gen) {
        pthread_rwlock_unlock(&sh->lock);
        free(copy);
        return;
    }
    struct entry *e = probe(sh, code, h);
    if (!e || sh->used >= SLOTS * 3 / 4) {
        empty_shard(sh);
        e = probe(sh, code, h);
    }
    if (!e->occupied)
        sh->used++;
    free(e->json);
    e->occupied = 1;
    copy_str(e->code, sizeof e->code, code);
    e->json = copy;
    e->len = len;
    e->expires = now_usec() + LOOKUP_CACHE_TTL_USEC;
    pthread_rwlock_unlock(&sh->lock);
}

static void drop(const char *code)
{
    uint64_t h = hash(code);
    struct shard *sh = &shards[h % SHARDS];
    atomic_fetch_add(&generation, 1);
    pthread_rwlock_wrlock(&sh->lock);
    struct entry *e = probe(sh, code, h);
    if (e && e->occupied) {
        free(e->json);
        e->json = NULL;
        e->expires = 0;
    }
    pthread_rwlock_unlock(&sh->lock);
}

static void drop_all(void)
{
    atomic_fetch_add(&generation, 1);
    for (int i = 0; i < SHARDS; i++) {
        pthread_rwlock_wrlock(&shards[i].lock);
        empty_shard(&shards[i]);
        pthread_rwlock_unlock(&shards[i].lock);
    }
}

void lookup_cache_invalidate(const char *code)
{
    if (strlen(code) >= MAX_CODE)
        return;
    drop(code);
    pthread_mutex_lock(&pending_lock);
    if (npending < MAX_PENDING)
        copy_str(pending[npending++], MAX_CODE, code);
    else
        pending_overflow = 1;
    pthread_mutex_unlock(&pending_lock);
}

static int lookup_cache_changed(struct store *db, const struct dossier_change *c)
{
    (void)db;
    if (c->code && c->code[0])
        lookup_cache_invalidate(c->code);
    return 0;
}

const struct dossier_listener lookup_cache_listener = {
    .name = "lookup_cache",
    .changed = lookup_cache_changed,
    .after_commit = lookup_cache_after_commit,
};

void lookup_cache_after_commit(void)
{
    pthread_mutex_lock(&pending_lock);
    if (pending_overflow) {
        drop_all();
    } else {
        for (int i = 0; i < npending; i++)
            drop(pending[i]);
    }
    npending = 0;
    pending_overflow = 0;
    pthread_mutex_unlock(&pending_lock);
}

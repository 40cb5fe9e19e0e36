/* ratelimit: counts login attempts per key (the login name, and the client
 * address) in fixed windows, in memory. An attempt is counted when it
 * starts, so concurrent guesses cannot slip past the limit; a successful one
 * is given back. After max attempts the key is refused until its window
 * ends. Thread-safe. */
#ifndef MOTCUA_RATELIMIT_H
#define MOTCUA_RATELIMIT_H

#include <stdint.h>

struct ratelimit;

/* max_failures within window_seconds per key. */
struct ratelimit *ratelimit_new(int max_failures, int window_seconds);
void ratelimit_free(struct ratelimit *rl);

/* Counts an attempt for key and returns 0, or, if the key has used up its
 * attempts in this window, counts nothing and returns the seconds to wait. */
int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now);
/* Gives back one attempt (the attempt succeeded). */
void ratelimit_give_back(struct ratelimit *rl, const char *key);
/* Forgets the key (e.g. its owner logged in). */
void ratelimit_reset(struct ratelimit *rl, const char *key);

#endif

/* ratelimit: counts failed logins per key (the login name, and the client
 * address) in fixed windows, in memory. After too many failures the key is
 * refused until its window ends. Thread-safe. */
#ifndef MOTCUA_RATELIMIT_H
#define MOTCUA_RATELIMIT_H

#include <stdint.h>

struct ratelimit;

/* max_failures within window_seconds per key. */
struct ratelimit *ratelimit_new(int max_failures, int window_seconds);
void ratelimit_free(struct ratelimit *rl);

/* Returns the seconds to wait if key is blocked now, else 0. */
int ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now);
void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now);
void ratelimit_reset(struct ratelimit *rl, const char *key);

#endif

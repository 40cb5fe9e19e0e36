/* ratelimit: attempts counted per key (a client address; a login name from
 * an address) in memory, under one of three policies chosen at creation:
 *
 *  - a fixed window: at most max attempts per window; then the key waits
 *    until the window ends (registrations, failed logins per address);
 *  - growing delays: the first few attempts are free, then each further one
 *    must wait twice as long after the previous as the one before it did,
 *    up to a ceiling (failed logins per login name and address: whoever
 *    guesses from one address slows down there only, and the owner
 *    elsewhere is never kept out);
 *  - a token bucket: a steady rate per minute with a burst (public lookups).
 *
 * An attempt is counted when it starts, so concurrent attempts cannot slip
 * past a limit; one that succeeds may be given back. The table has a fixed
 * size: when full the stalest key is forgotten, so an attacker can at most
 * make us forget old counts, never block a key it does not hit.
 * Thread-safe. */
#ifndef MOTCUA_RATELIMIT_H
#define MOTCUA_RATELIMIT_H

#include <stdint.h>

struct ratelimit;

/* At most max attempts per key within window_seconds. */
struct ratelimit *ratelimit_new(int max, int window_seconds);
/* free_attempts without delay; then first_delay seconds, doubling up to
 * max_delay; a key is forgotten after forget_seconds without attempts. */
struct ratelimit *ratelimit_new_backoff(int free_attempts, int first_delay, int max_delay,
                                        int forget_seconds);
/* per_minute attempts per key on average, burst at once. */
struct ratelimit *ratelimit_new_bucket(int per_minute, int burst);
void ratelimit_free(struct ratelimit *rl);

/* Counts an attempt for key and returns 0, or, if the key must wait,
 * counts nothing and returns the seconds to wait (at least 1). */
int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now);
/* Counts n more attempts for key at once, without refusing (e.g. a lookup
 * that missed costs more than one that found its dossier). */
void ratelimit_charge(struct ratelimit *rl, const char *key, int n, int64_t now);
/* Gives back one attempt (the attempt succeeded, or cost nothing). */
void ratelimit_give_back(struct ratelimit *rl, const char *key);
/* Forgets the key (e.g. its owner logged in). */
void ratelimit_reset(struct ratelimit *rl, const char *key);

#endif

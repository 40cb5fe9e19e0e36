/* util: small checked helpers shared by every layer: number parsing, time,
 * random tokens, hashing, hex, starting quiet threads. */
#ifndef MOTCUA_UTIL_H
#define MOTCUA_UTIL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Parses a whole decimal integer within [min, max]. Returns 0, or -1 on junk,
 * empty input or a value out of range. */
int parse_long(const char *s, long min, long max, long *out);

/* Unix seconds now. */
int64_t now_unix(void);
/* Monotonic clock in microseconds, for durations. */
int64_t now_usec(void);

/* Fills buf with cryptographically random bytes (OpenSSL). Returns 0 or -1. */
int random_bytes(void *buf, size_t n);

/* Writes 2*n hex digits and a NUL into out (cap >= 2*n+1). */
void hex_encode(const void *data, size_t n, char *out);

/* The value of a hex digit (either case), or -1. */
int hex_value(char c);

/* SHA-256 of data into out[32]. */
void sha256(const void *data, size_t n, unsigned char out[32]);

/* Copies at most cap-1 bytes and always terminates; a cut never splits a
 * UTF-8 sequence. Returns -1 if truncated. */
int copy_str(char *dst, size_t cap, const char *src);

/* Creates a directory and its parents (mode 0700 for new ones). */
int mkdir_p(const char *path);

/* Writes len bytes of data to path whole or not at all: into a new file
 * beside it (mode 0666 less the umask), synced, then renamed over path.
 * Returns 0, or a negative errno (nothing at path changed; the temporary
 * file removed). */
int write_file_atomic(const char *path, const void *data, size_t len);

/* Starts a background thread that never receives SIGINT, SIGTERM or
 * SIGPIPE: those belong to the main thread's sigwait. Returns
 * pthread_create's result (0 or an errno). */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif

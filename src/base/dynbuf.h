/* dynbuf: a growable byte buffer with a ceiling, for building answers,
 * messages and files in memory. Every buffer has a maximum size set at
 * init; an append that would pass it (or runs out of memory) fails, and the
 * buffer remembers the failure: later appends fail too and dynbuf_take
 * returns NULL, so a caller may append a series and check once at the end.
 * The content is always NUL-terminated (the NUL is not counted in the
 * length nor in the maximum). Not thread-safe; a buffer has one owner. */
#ifndef MOTCUA_DYNBUF_H
#define MOTCUA_DYNBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>

struct dynbuf {
    char *p;         /* the content, or NULL while empty */
    size_t len, cap; /* bytes used, bytes allocated */
    size_t max;      /* most bytes the content may reach */
    int failed;      /* an append failed: the content is incomplete */
};

/* An empty buffer whose content may reach max bytes (max < SIZE_MAX).
 * Allocates nothing. */
void dynbuf_init(struct dynbuf *b, size_t max);

/* Appends n bytes of data. Returns 0, or -1 (past the maximum, out of
 * memory, or an earlier failure). */
int dynbuf_add(struct dynbuf *b, const void *data, size_t n);

/* Appends a NUL-terminated string. */
int dynbuf_adds(struct dynbuf *b, const char *s);

/* Appends printf-formatted text. */
int dynbuf_addf(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dynbuf_vaddf(struct dynbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Appends everything f has left to read. Returns 0, or -1 on a read error
 * or when it would pass the maximum. */
int dynbuf_add_file(struct dynbuf *b, FILE *f);

/* Reads the whole file at path, of at most max bytes: a new NUL-terminated
 * string that the caller frees with free(), its length in *len. NULL if
 * the file cannot be read or is larger. */
char *dynbuf_read_file(const char *path, size_t max, size_t *len)
    __attribute__((warn_unused_result));

/* The content ("" while empty; borrowed: valid until the next append,
 * take or free) and its length. */
const char *dynbuf_ptr(const struct dynbuf *b);
size_t dynbuf_len(const struct dynbuf *b);

/* Did an append fail? */
int dynbuf_failed(const struct dynbuf *b);

/* Hands the content over: the caller owns the result and frees it with
 * free(). OUT: *len (may be NULL). An empty buffer gives a new "" string.
 * Returns NULL if an append failed or memory runs out; either way the
 * buffer is empty afterwards (same maximum) and may be used again. */
char *dynbuf_take(struct dynbuf *b, size_t *len) __attribute__((warn_unused_result));

/* Frees the content; the buffer is empty and usable again. */
void dynbuf_free(struct dynbuf *b);

#endif

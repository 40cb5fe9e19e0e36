/* dynbuf: a growable buffer with a ceiling. */
#include "base/dynbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void dynbuf_init(struct dynbuf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = 0;
}

/* Makes room for n more bytes and the NUL. */
static int grow(struct dynbuf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (n > b->max - b->len) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    /* Doubling keeps appends cheap; the ceiling caps the last step. */
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap <= SIZE_MAX / 2 ? cap * 2 : need;
    if (cap - 1 > b->max)
        cap = b->max + 1;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

int dynbuf_add(struct dynbuf *b, const void *data, size_t n)
{
    if (grow(b, n))
        return -1;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    if (b->p)
        b->p[b->len] = '\0';
    return 0;
}

int dynbuf_adds(struct dynbuf *b, const char *s)
{
    return dynbuf_add(b, s, strlen(s));
}

int dynbuf_vaddf(struct dynbuf *b, const char *fmt, va_list ap)
{
    va_list again;
    char small[256];
    if (b->failed)
        return -1;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(again);
        b->failed = 1;
        return -1;
    }
    int rc;
    if ((size_t)n < sizeof small) {
        rc = dynbuf_add(b, small, (size_t)n);
    } else if ((rc = grow(b, (size_t)n)) == 0) {
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int dynbuf_addf(struct dynbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = dynbuf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int dynbuf_add_file(struct dynbuf *b, FILE *f)
{
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (dynbuf_add(b, chunk, n))
            return -1;
    if (ferror(f)) {
        b->failed = 1;
        return -1;
    }
    return b->failed ? -1 : 0;
}

char *dynbuf_read_file(const char *path, size_t max, size_t *len)
{
    struct dynbuf b;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    dynbuf_init(&b, max);
    dynbuf_add_file(&b, f);
    fclose(f);
    return dynbuf_take(&b, len);
}

const char *dynbuf_ptr(const struct dynbuf *b)
{
    return b->p ? b->p : "";
}

size_t dynbuf_len(const struct dynbuf *b)
{
    return b->len;
}

int dynbuf_failed(const struct dynbuf *b)
{
    return b->failed;
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
    char *p = b->failed ? NULL : (b->p ? b->p : strdup(""));
    size_t n = b->len;
    if (b->failed)
        free(b->p);
    dynbuf_init(b, b->max);
    if (len)
        *len = p ? n : 0;
    return p;
}

void dynbuf_free(struct dynbuf *b)
{
    free(b->p);
    dynbuf_init(b, b->max);
}

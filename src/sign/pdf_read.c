/* pdf_read: a bounded reader of PDF structure (cross-reference information,
 * indirect objects, object streams, page tree, form fields) for signing by
 * incremental update and for finding signatures. See pdf_read.h. */
#include "sign/pdf_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/util.h"

#define MAX_ARENA ((size_t)128 << 20) /* parsed objects of one file */
#define MAX_ITEMS 200000              /* entries of one array or dictionary */
#define MAX_NAME 255                  /* bytes of a name (the spec says 127) */
#define MAX_RESOLVE 24                /* objects being read inside each other */
#define MAX_OBJSTM_N 100000           /* objects in one object stream */
#define MAX_PAGE_NODES (2 * PDFR_MAX_PAGES)
#define TAIL 1024 /* startxref and %%EOF are looked for in the last bytes */

enum { XE_NONE, XE_FREE, XE_OFF, XE_STM };

struct xent {
    uint8_t type;
    uint8_t busy;   /* being read: a reference back to it is a cycle */
    uint8_t failed; /* reading it failed once; not tried again */
    uint16_t gen;
    uint32_t idx;   /* index inside its object stream */
    uint64_t where; /* byte offset, or the number of its object stream */
    uint32_t mark;  /* last walk that visited it (page tree, fields) */
    struct pdfr_obj *obj;
};

struct objstm {
    uint32_t num;
    const unsigned char *data;
    size_t len, first;
    uint32_t n;
    size_t *offs; /* in the arena */
    uint32_t *nums;
    struct objstm *next;
};

struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char mem[];
};

struct pdfr {
    const unsigned char *data;
    size_t len;
    struct block *blocks;
    size_t arena;
    struct xent *x;
    uint32_t nx, xcap; /* entries in use (highest number + 1), allocated */
    uint32_t size;     /* the newest trailer's /Size */
    size_t startxref;
    int xref_stream;
    struct pdfr_obj *trailer;
    size_t inflated;
    struct objstm *stms;
    uint32_t mark;
    int depth; /* objects being read inside each other */
    char err[256];
};

static void fail(struct pdfr *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct pdfr *f, const char *fmt, ...)
{
    if (f->err[0])
        return; /* the first (innermost) reason is the useful one */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err, sizeof f->err, fmt, ap);
    va_end(ap);
}

/* ---- arena ---------------------------------------------------------- */

static void *arena_alloc(struct pdfr *f, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct block *b = f->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        if (f->arena + cap > MAX_ARENA) {
            fail(f, "the PDF is too complex to read safely (more than %zu MiB of objects)",
                 MAX_ARENA >> 20);
            return NULL;
        }
        b = malloc(sizeof *b + cap);
        if (!b) {
            fail(f, "out of memory");
            return NULL;
        }
        b->cap = cap;
        b->used = 0;
        b->next = f->blocks;
        f->blocks = b;
        f->arena += cap;
    }
    void *p = b->mem + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

static struct pdfr_obj *new_obj(struct pdfr *f, enum pdfr_type t)
{
    struct pdfr_obj *o = arena_alloc(f, sizeof *o);
    if (o)
        o->type = t;
    return o;
}

/* ---- lexer ---------------------------------------------------------- */

struct lex {
    struct pdfr *f;
    const unsigned char *base, *p, *end;
    int in_file;
};

static int is_ws(int c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int is_delim(int c)
{
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '/' || c == '%';
}

static int is_regular(int c)
{
    return !is_ws(c) && !is_delim(c);
}

static void skip_ws(struct lex *l)
{
    while (l->p < l->end) {
        if (is_ws(*l->p)) {
            l->p++;
        } else if (*l->p == '%') {
            while (l->p < l->end && *l->p != '\n' && *l->p != '\r')
                l->p++;
        } else {
            break;
        }
    }
}

/* Is the keyword kw next (after white space), as a whole token? Consumes it
 * if so. */
static int keyword(struct lex *l, const char *kw)
{
    skip_ws(l);
    size_t n = strlen(kw);
    if ((size_t)(l->end - l->p) < n || memcmp(l->p, kw, n) != 0)
        return 0;
    if ((size_t)(l->end - l->p) > n && is_regular(l->p[n]))
        return 0;
    l->p += n;
    return 1;
}

/* An unsigned decimal integer of at most 19 digits. */
static int uint_tok(struct lex *l, uint64_t *out)
{
    skip_ws(l);
    const unsigned char *s = l->p;
    uint64_t v = 0;
    int n = 0;
    while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
        if (++n > 19)
            return -1;
        v = v * 10 + (uint64_t)(*l->p - '0');
        l->p++;
    }
    if (n == 0 || (l->p < l->end && is_regular(*l->p))) {
        l->p = s;
        return -1;
    }
    *out = v;
    return 0;
}

static struct pdfr_obj *parse_obj(struct lex *l, int depth);

static struct pdfr_obj *parse_number(struct lex *l)
{
    int neg = 0, dot = 0, digits = 0, frac = 0, sign = 0;
    int64_t iv = 0;
    double dv = 0, scale = 1;
    if (*l->p == '+' || *l->p == '-') {
        neg = *l->p == '-';
        sign = 1;
        l->p++;
    }
    for (; l->p < l->end && is_regular(*l->p); l->p++) {
        int c = *l->p;
        if (c == '.' && !dot) {
            dot = 1;
        } else if (c >= '0' && c <= '9') {
            digits++;
            if (dot) {
                if (frac < 18) {
                    scale /= 10;
                    dv += (c - '0') * scale;
                    frac++;
                }
            } else {
                if (iv > (INT64_MAX - 9) / 10) {
                    fail(l->f, "a number in the PDF is out of range");
                    return NULL;
                }
                iv = iv * 10 + (c - '0');
            }
        } else {
            fail(l->f, "a malformed number in the PDF");
            return NULL;
        }
    }
    if (!digits) {
        fail(l->f, "a malformed number in the PDF");
        return NULL;
    }
    struct pdfr_obj *o;
    if (dot) {
        if (!(o = new_obj(l->f, PDFR_REAL)))
            return NULL;
        o->u.r = ((double)iv + dv) * (neg ? -1 : 1);
    } else {
        /* "num gen R" is a reference: look ahead for the two other tokens. */
        const unsigned char *after = l->p;
        uint64_t gen;
        if (!sign && uint_tok(l, &gen) == 0 && gen <= 65535 && keyword(l, "R")) {
            if ((uint64_t)iv > UINT32_MAX) {
                fail(l->f, "an object number in the PDF is out of range");
                return NULL;
            }
            if (!(o = new_obj(l->f, PDFR_REF)))
                return NULL;
            o->u.ref.num = (uint32_t)iv;
            o->u.ref.gen = (uint16_t)gen;
        } else {
            l->p = after;
            if (!(o = new_obj(l->f, PDFR_INT)))
                return NULL;
            o->u.i = neg ? -iv : iv;
        }
    }
    return o;
}

static struct pdfr_obj *parse_name(struct lex *l)
{
    l->p++; /* '/' */
    unsigned char buf[MAX_NAME + 1];
    size_t n = 0;
    while (l->p < l->end && is_regular(*l->p)) {
        int c = *l->p++;
        if (c == '#' && l->end - l->p >= 2 && hex_value((char)l->p[0]) >= 0 && hex_value((char)l->p[1]) >= 0) {
            c = hex_value((char)l->p[0]) * 16 + hex_value((char)l->p[1]);
            l->p += 2;
            if (c == 0) {
                fail(l->f, "a PDF name holds a NUL byte");
                return NULL;
            }
        }
        if (n >= MAX_NAME) {
            fail(l->f, "a PDF name is longer than %d bytes", MAX_NAME);
            return NULL;
        }
        buf[n++] = (unsigned char)c;
    }
    struct pdfr_obj *o = new_obj(l->f, PDFR_NAME);
    if (!o || !(o->u.s.p = arena_alloc(l->f, n + 1)))
        return NULL;
    memcpy(o->u.s.p, buf, n);
    o->u.s.len = n;
    return o;
}

/* (literal string): balanced parentheses, backslash escapes, end-of-line
 * markers read as LF (7.3.4.2). Decoded bytes are never more than raw ones. */
static struct pdfr_obj *parse_literal(struct lex *l)
{
    const unsigned char *s = ++l->p;
    int nest = 1;
    /* First pass: find the end. */
    while (l->p < l->end) {
        int c = *l->p++;
        if (c == '\\') {
            if (l->p < l->end)
                l->p++;
        } else if (c == '(') {
            nest++;
        } else if (c == ')') {
            if (--nest == 0)
                break;
        }
    }
    if (nest) {
        fail(l->f, "a PDF string is not closed");
        return NULL;
    }
    const unsigned char *e = l->p - 1; /* the closing ')' */
    struct pdfr_obj *o = new_obj(l->f, PDFR_STRING);
    unsigned char *out = o ? arena_alloc(l->f, (size_t)(e - s) + 1) : NULL;
    if (!out)
        return NULL;
    size_t n = 0;
    for (const unsigned char *q = s; q < e;) {
        int c = *q++;
        if (c == '\r') {
            if (q < e && *q == '\n')
                q++;
            out[n++] = '\n';
        } else if (c != '\\') {
            out[n++] = (unsigned char)c;
        } else if (q < e) {
            c = *q++;
            switch (c) {
            case 'n': out[n++] = '\n'; break;
            case 'r': out[n++] = '\r'; break;
            case 't': out[n++] = '\t'; break;
            case 'b': out[n++] = '\b'; break;
            case 'f': out[n++] = '\f'; break;
            case '\r':
                if (q < e && *q == '\n')
                    q++;
                break; /* a line continuation */
            case '\n': break;
            default:
                if (c >= '0' && c <= '7') {
                    int v = c - '0';
                    for (int k = 0; k < 2 && q < e && *q >= '0' && *q <= '7'; k++)
                        v = v * 8 + (*q++ - '0');
                    out[n++] = (unsigned char)(v & 0xff);
                } else {
                    out[n++] = (unsigned char)c; /* \( \) \\ and unknown escapes */
                }
            }
        }
    }
    out[n] = 0;
    o->u.s.p = out;
    o->u.s.len = n;
    return o;
}

static struct pdfr_obj *parse_hex(struct lex *l)
{
    const unsigned char *s = ++l->p;
    while (l->p < l->end && *l->p != '>')
        l->p++;
    if (l->p >= l->end) {
        fail(l->f, "a PDF hex string is not closed");
        return NULL;
    }
    const unsigned char *e = l->p++;
    struct pdfr_obj *o = new_obj(l->f, PDFR_STRING);
    unsigned char *out = o ? arena_alloc(l->f, (size_t)(e - s) / 2 + 2) : NULL;
    if (!out)
        return NULL;
    size_t n = 0;
    int hi = -1;
    for (const unsigned char *q = s; q < e; q++) {
        if (is_ws(*q))
            continue;
        int v = hex_value((char)*q);
        if (v < 0) {
            fail(l->f, "a PDF hex string holds a non-hex character");
            return NULL;
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (unsigned char)(hi * 16 + v);
            hi = -1;
        }
    }
    if (hi >= 0)
        out[n++] = (unsigned char)(hi * 16); /* an odd last digit is followed by 0 */
    out[n] = 0;
    o->u.s.p = out;
    o->u.s.len = n;
    return o;
}

/* Items of an array or a dictionary, collected before they go to the arena. */
struct vec {
    void *p;
    size_t n, cap, size;
};

static int vec_push(struct lex *l, struct vec *v, const void *item)
{
    if (v->n >= MAX_ITEMS) {
        fail(l->f, "an array or dictionary in the PDF has more than %d entries", MAX_ITEMS);
        return -1;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void *p = realloc(v->p, cap * v->size);
        if (!p) {
            fail(l->f, "out of memory");
            return -1;
        }
        v->p = p;
        v->cap = cap;
    }
    memcpy((char *)v->p + v->n * v->size, item, v->size);
    v->n++;
    return 0;
}

static void *vec_to_arena(struct lex *l, struct vec *v)
{
    void *out = arena_alloc(l->f, v->n * v->size + 1);
    if (out && v->n)
        memcpy(out, v->p, v->n * v->size);
    return out;
}

static struct pdfr_obj *parse_array(struct lex *l, int depth)
{
    l->p++; /* '[' */
    struct vec v = {.size = sizeof(struct pdfr_obj *)};
    struct pdfr_obj *o = NULL;
    for (;;) {
        skip_ws(l);
        if (l->p >= l->end) {
            fail(l->f, "a PDF array is not closed");
            goto out;
        }
        if (*l->p == ']') {
            l->p++;
            break;
        }
        struct pdfr_obj *item = parse_obj(l, depth + 1);
        if (!item || vec_push(l, &v, &item))
            goto out;
    }
    if (!(o = new_obj(l->f, PDFR_ARRAY)) || !(o->u.a.items = vec_to_arena(l, &v))) {
        o = NULL;
        goto out;
    }
    o->u.a.n = v.n;
out:
    free(v.p);
    return o;
}

static struct pdfr_obj *parse_dict(struct lex *l, int depth)
{
    l->p += 2; /* "<<" */
    struct vec v = {.size = sizeof(struct pdfr_kv)};
    struct pdfr_obj *o = NULL;
    for (;;) {
        skip_ws(l);
        if (l->p >= l->end) {
            fail(l->f, "a PDF dictionary is not closed");
            goto out;
        }
        if (*l->p == '>') {
            if (l->end - l->p < 2 || l->p[1] != '>') {
                fail(l->f, "a malformed PDF dictionary");
                goto out;
            }
            l->p += 2;
            break;
        }
        if (*l->p != '/') {
            fail(l->f, "a PDF dictionary key is not a name");
            goto out;
        }
        struct pdfr_obj *key = parse_name(l);
        if (!key)
            goto out;
        struct pdfr_obj *val = parse_obj(l, depth + 1);
        if (!val)
            goto out;
        /* A key given twice means different things to different readers
         * (what one viewer shows, another signs): refused. */
        struct pdfr_kv *items = v.p;
        for (size_t i = 0; i < v.n; i++) {
            if (strcmp(items[i].key, (const char *)key->u.s.p) == 0) {
                fail(l->f, "a PDF dictionary gives the key /%s twice", items[i].key);
                goto out;
            }
        }
        struct pdfr_kv kv = {(const char *)key->u.s.p, val};
        if (vec_push(l, &v, &kv))
            goto out;
    }
    if (!(o = new_obj(l->f, PDFR_DICT)) || !(o->u.d.items = vec_to_arena(l, &v))) {
        o = NULL;
        goto out;
    }
    o->u.d.n = v.n;
out:
    free(v.p);
    return o;
}

/* One object at the lexer's position (no "obj" wrapper, no stream). */
static struct pdfr_obj *parse_obj(struct lex *l, int depth)
{
    if (depth > PDFR_MAX_DEPTH) {
        fail(l->f, "the PDF nests arrays and dictionaries deeper than %d levels",
             PDFR_MAX_DEPTH);
        return NULL;
    }
    skip_ws(l);
    if (l->p >= l->end) {
        fail(l->f, "the PDF ends inside an object");
        return NULL;
    }
    const unsigned char *start = l->p;
    struct pdfr_obj *o;
    int c = *l->p;
    if (c == '/') {
        o = parse_name(l);
    } else if (c == '(') {
        o = parse_literal(l);
    } else if (c == '<') {
        o = l->end - l->p >= 2 && l->p[1] == '<' ? parse_dict(l, depth) : parse_hex(l);
    } else if (c == '[') {
        o = parse_array(l, depth);
    } else if (c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9')) {
        o = parse_number(l);
    } else if (keyword(l, "true") || keyword(l, "false")) {
        if ((o = new_obj(l->f, PDFR_BOOL)))
            o->u.b = start[0] == 't';
    } else if (keyword(l, "null")) {
        o = new_obj(l->f, PDFR_NULL);
    } else {
        fail(l->f, "an unexpected token in the PDF at byte %zu",
             l->in_file ? (size_t)(start - l->base) : (size_t)0);
        return NULL;
    }
    if (o) {
        o->raw = start;
        o->raw_len = (size_t)(l->p - start);
        o->in_file = l->in_file;
    }
    return o;
}

/* ---- accessors ------------------------------------------------------ */

const struct pdfr_obj *pdfr_dict_get(const struct pdfr_obj *d, const char *key)
{
    if (d && d->type == PDFR_STREAM)
        d = d->u.stm.dict;
    if (!d || d->type != PDFR_DICT)
        return NULL;
    for (size_t i = 0; i < d->u.d.n; i++)
        if (strcmp(d->u.d.items[i].key, key) == 0)
            return d->u.d.items[i].val;
    return NULL;
}

int pdfr_is_name(const struct pdfr_obj *o, const char *name)
{
    return o && o->type == PDFR_NAME && strcmp((const char *)o->u.s.p, name) == 0;
}

int pdfr_number(const struct pdfr_obj *o, double *out)
{
    *out = 0;
    if (o && o->type == PDFR_INT) {
        *out = (double)o->u.i;
        return 0;
    }
    if (o && o->type == PDFR_REAL) {
        *out = o->u.r;
        return 0;
    }
    return -1;
}

const char *pdfr_error(const struct pdfr *f)
{
    return f->err;
}

const unsigned char *pdfr_data(const struct pdfr *f)
{
    return f->data;
}

size_t pdfr_len(const struct pdfr *f)
{
    return f->len;
}

uint32_t pdfr_next_num(const struct pdfr *f)
{
    return f->size > f->nx ? f->size : f->nx;
}

size_t pdfr_startxref(const struct pdfr *f)
{
    return f->startxref;
}

int pdfr_xref_is_stream(const struct pdfr *f)
{
    return f->xref_stream;
}

const struct pdfr_obj *pdfr_trailer(const struct pdfr *f)
{
    return f->trailer;
}

/* ---- streams -------------------------------------------------------- */

static const struct pdfr_obj *get_obj(struct pdfr *f, uint32_t num);

static const struct pdfr_obj *resolve(struct pdfr *f, const struct pdfr_obj *o)
{
    for (int hops = 0; o && o->type == PDFR_REF; hops++) {
        if (hops >= MAX_RESOLVE) {
            fail(f, "a chain of references in the PDF is too long");
            return NULL;
        }
        o = get_obj(f, o->u.ref.num);
    }
    return o;
}

/* A non-negative integer value (resolved) no larger than max. */
static int int_value(struct pdfr *f, const struct pdfr_obj *o, int64_t max, int64_t *out)
{
    o = resolve(f, o);
    if (!o || o->type != PDFR_INT || o->u.i < 0 || o->u.i > max)
        return -1;
    *out = o->u.i;
    return 0;
}

static int inflate_all(struct pdfr *f, const unsigned char *in, size_t inlen,
                       unsigned char **out, size_t *outlen)
{
    size_t budget = PDFR_MAX_INFLATE - f->inflated;
    size_t cap = inlen * 4 + 1024, n = 0;
    if (cap > budget)
        cap = budget;
    unsigned char *buf = malloc(cap ? cap : 1);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!buf || inflateInit(&z) != Z_OK) {
        free(buf);
        fail(f, "out of memory");
        return -1;
    }
    z.next_in = (unsigned char *)in;
    int zrc = Z_OK;
    size_t fed = 0;
    for (;;) {
        if (z.avail_in == 0 && fed < inlen) {
            size_t chunk = inlen - fed > (1u << 30) ? (1u << 30) : inlen - fed;
            z.next_in = (unsigned char *)in + fed;
            z.avail_in = (uInt)chunk;
            fed += chunk;
        }
        if (n == cap) {
            if (cap >= budget) {
                fail(f, "the PDF's compressed streams expand past %zu MiB",
                     PDFR_MAX_INFLATE >> 20);
                goto bad;
            }
            size_t ncap = cap * 2 > budget ? budget : cap * 2;
            unsigned char *p = realloc(buf, ncap);
            if (!p) {
                fail(f, "out of memory");
                goto bad;
            }
            buf = p;
            cap = ncap;
        }
        size_t room = cap - n > (1u << 30) ? (1u << 30) : cap - n;
        z.next_out = buf + n;
        z.avail_out = (uInt)room;
        zrc = inflate(&z, Z_NO_FLUSH);
        n += room - z.avail_out;
        if (zrc == Z_STREAM_END)
            break;
        if (zrc == Z_BUF_ERROR && z.avail_in == 0 && fed == inlen) {
            fail(f, "a compressed stream in the PDF is truncated");
            goto bad;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            fail(f, "a compressed stream in the PDF is damaged");
            goto bad;
        }
    }
    inflateEnd(&z);
    f->inflated += n;
    *out = buf;
    *outlen = n;
    return 0;
bad:
    inflateEnd(&z);
    free(buf);
    return -1;
}

/* Undoes PNG row predictors (/Predictor 10..15) in place into a new
 * buffer; each row is one filter-type byte and rowlen bytes. */
static int png_unpredict(struct pdfr *f, unsigned char *in, size_t len, size_t rowlen,
                         size_t bpp, unsigned char **out, size_t *outlen)
{
    size_t rows = len / (rowlen + 1);
    unsigned char *o = malloc(rows * rowlen + 1);
    if (!o) {
        fail(f, "out of memory");
        return -1;
    }
    for (size_t r = 0; r < rows; r++) {
        const unsigned char *src = in + r * (rowlen + 1);
        unsigned char *dst = o + r * rowlen;
        const unsigned char *up = r ? dst - rowlen : NULL;
        int type = src[0];
        src++;
        for (size_t i = 0; i < rowlen; i++) {
            int a = i >= bpp ? dst[i - bpp] : 0;
            int b = up ? up[i] : 0;
            int c = up && i >= bpp ? up[i - bpp] : 0;
            int x = src[i], v;
            switch (type) {
            case 0: v = x; break;
            case 1: v = x + a; break;
            case 2: v = x + b; break;
            case 3: v = x + (a + b) / 2; break;
            case 4: {
                int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
                v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                break;
            }
            default:
                free(o);
                fail(f, "a PDF stream uses an unknown PNG predictor (%d)", type);
                return -1;
            }
            dst[i] = (unsigned char)v;
        }
    }
    *out = o;
    *outlen = rows * rowlen;
    return 0;
}

/* The decoded bytes of a stream (FlateDecode with optional PNG predictor,
 * or no filter), in the arena. */
static int decode_stream(struct pdfr *f, const struct pdfr_obj *s, const unsigned char **out,
                         size_t *outlen)
{
    const struct pdfr_obj *filter = resolve(f, pdfr_dict_get(s, "Filter"));
    const struct pdfr_obj *parms = resolve(f, pdfr_dict_get(s, "DecodeParms"));
    if (filter && filter->type == PDFR_ARRAY) {
        if (filter->u.a.n > 1) {
            fail(f, "a PDF structure stream uses more than one filter");
            return -1;
        }
        filter = filter->u.a.n ? resolve(f, filter->u.a.items[0]) : NULL;
    }
    if (parms && parms->type == PDFR_ARRAY)
        parms = parms->u.a.n ? resolve(f, parms->u.a.items[0]) : NULL;
    if (!filter || filter->type == PDFR_NULL) {
        *out = s->u.stm.data;
        *outlen = s->u.stm.len;
        return 0;
    }
    if (!pdfr_is_name(filter, "FlateDecode")) {
        fail(f, "a PDF structure stream uses a filter motcua does not read");
        return -1;
    }
    unsigned char *raw = NULL, *dec = NULL;
    size_t rawlen = 0, declen = 0;
    if (inflate_all(f, s->u.stm.data, s->u.stm.len, &raw, &rawlen))
        return -1;
    int64_t pred = 1, colors = 1, bpc = 8, columns = 1;
    if (parms && parms->type == PDFR_DICT) {
        const struct pdfr_obj *v;
        if (((v = pdfr_dict_get(parms, "Predictor")) && int_value(f, v, 15, &pred)) ||
            ((v = pdfr_dict_get(parms, "Colors")) && int_value(f, v, 32, &colors)) ||
            ((v = pdfr_dict_get(parms, "BitsPerComponent")) && int_value(f, v, 16, &bpc)) ||
            ((v = pdfr_dict_get(parms, "Columns")) && int_value(f, v, 1 << 20, &columns))) {
            free(raw);
            fail(f, "a PDF stream has malformed decoding parameters");
            return -1;
        }
    }
    int rc = 0;
    if (pred >= 10) {
        if (colors < 1 || columns < 1 || !(bpc == 1 || bpc == 2 || bpc == 4 || bpc == 8 || bpc == 16)) {
            free(raw);
            fail(f, "a PDF stream has malformed decoding parameters");
            return -1;
        }
        size_t bits = (size_t)colors * (size_t)bpc;
        size_t bpp = bits / 8 ? bits / 8 : 1;
        size_t rowlen = (bits * (size_t)columns + 7) / 8;
        rc = png_unpredict(f, raw, rawlen, rowlen, bpp, &dec, &declen);
        free(raw);
        raw = NULL;
    } else if (pred != 1) {
        free(raw);
        fail(f, "a PDF stream uses a predictor motcua does not read (%lld)", (long long)pred);
        return -1;
    } else {
        dec = raw;
        declen = rawlen;
    }
    if (rc)
        return -1;
    unsigned char *a = arena_alloc(f, declen + 1);
    if (a && declen)
        memcpy(a, dec, declen);
    free(dec);
    if (!a)
        return -1;
    *out = a;
    *outlen = declen;
    return 0;
}

/* ---- indirect objects ----------------------------------------------- */

/* "num gen obj" at off, then the object and, for a stream, its data.
 * want_num < 0 accepts any number (a cross-reference stream found through
 * startxref); *got_num gets the number read. */
static struct pdfr_obj *parse_indirect(struct pdfr *f, size_t off, int64_t want_num,
                                       int want_gen, uint32_t *got_num)
{
    if (off >= f->len) {
        fail(f, "the PDF's cross-reference table points past the end of the file");
        return NULL;
    }
    struct lex l = {f, f->data, f->data + off, f->data + f->len, 1};
    uint64_t num, gen;
    if (uint_tok(&l, &num) || uint_tok(&l, &gen) || !keyword(&l, "obj") ||
        (want_num >= 0 && (num != (uint64_t)want_num || (int64_t)gen != want_gen))) {
        if (want_num >= 0)
            fail(f, "the PDF's cross-reference table is broken: object %lld is not at "
                    "byte %zu",
                 (long long)want_num, off);
        else
            fail(f, "the PDF's cross-reference table is broken: no object at byte %zu", off);
        return NULL;
    }
    if (num > UINT32_MAX || gen > 65535) {
        fail(f, "an object number in the PDF is out of range");
        return NULL;
    }
    if (got_num)
        *got_num = (uint32_t)num;
    struct pdfr_obj *o = parse_obj(&l, 0);
    if (!o)
        return NULL;
    const unsigned char *before = l.p;
    if (!keyword(&l, "stream")) {
        l.p = before;
        return o;
    }
    if (o->type != PDFR_DICT) {
        fail(f, "a PDF stream without a dictionary (object %llu)", (unsigned long long)num);
        return NULL;
    }
    /* The data starts after CR LF or LF (a lone CR is tolerated). */
    if (l.p < l.end && *l.p == '\r')
        l.p++;
    if (l.p < l.end && *l.p == '\n')
        l.p++;
    size_t data_off = (size_t)(l.p - f->data);
    int64_t length;
    if (int_value(f, pdfr_dict_get(o, "Length"), (int64_t)(f->len - data_off), &length)) {
        fail(f, "the /Length of stream object %llu is missing or wrong",
             (unsigned long long)num);
        return NULL;
    }
    l.p += length;
    if (!keyword(&l, "endstream")) {
        fail(f, "the /Length of stream object %llu is wrong (no endstream after it)",
             (unsigned long long)num);
        return NULL;
    }
    struct pdfr_obj *s = new_obj(f, PDFR_STREAM);
    if (!s)
        return NULL;
    s->u.stm.dict = o;
    s->u.stm.data = f->data + data_off;
    s->u.stm.len = (size_t)length;
    s->raw = o->raw;
    s->raw_len = (size_t)(l.p - o->raw);
    s->in_file = 1;
    return s;
}

static struct objstm *objstm_get(struct pdfr *f, uint32_t num)
{
    for (struct objstm *s = f->stms; s; s = s->next)
        if (s->num == num)
            return s;
    if (num >= f->nx || f->x[num].type != XE_OFF) {
        fail(f, "object stream %u is missing or itself compressed", num);
        return NULL;
    }
    const struct pdfr_obj *so = get_obj(f, num);
    int64_t n, first;
    if (!so || so->type != PDFR_STREAM || !pdfr_is_name(pdfr_dict_get(so, "Type"), "ObjStm") ||
        int_value(f, pdfr_dict_get(so, "N"), MAX_OBJSTM_N, &n) ||
        int_value(f, pdfr_dict_get(so, "First"), INT64_MAX, &first)) {
        fail(f, "object %u is not a readable object stream", num);
        return NULL;
    }
    struct objstm *s = arena_alloc(f, sizeof *s);
    if (!s || decode_stream(f, so, &s->data, &s->len))
        return NULL;
    if ((uint64_t)first > s->len) {
        fail(f, "object stream %u is malformed (/First)", num);
        return NULL;
    }
    s->num = num;
    s->n = (uint32_t)n;
    s->first = (size_t)first;
    s->offs = arena_alloc(f, (size_t)n * sizeof *s->offs + 1);
    s->nums = arena_alloc(f, (size_t)n * sizeof *s->nums + 1);
    if (!s->offs || !s->nums)
        return NULL;
    struct lex l = {f, s->data, s->data, s->data + s->first, 0};
    for (int64_t i = 0; i < n; i++) {
        uint64_t on, oo;
        if (uint_tok(&l, &on) || uint_tok(&l, &oo) || on > UINT32_MAX ||
            oo > s->len - s->first) {
            fail(f, "object stream %u is malformed (its table of objects)", num);
            return NULL;
        }
        s->nums[i] = (uint32_t)on;
        s->offs[i] = s->first + (size_t)oo;
    }
    s->next = f->stms;
    f->stms = s;
    return s;
}

static struct pdfr_obj *parse_in_objstm(struct pdfr *f, uint32_t stmnum, uint32_t idx,
                                        uint32_t num)
{
    struct objstm *s = objstm_get(f, stmnum);
    if (!s)
        return NULL;
    if (idx >= s->n || s->nums[idx] != num) {
        fail(f, "the PDF's cross-reference table is broken: object %u is not in object "
                "stream %u",
             num, stmnum);
        return NULL;
    }
    struct lex l = {f, s->data, s->data + s->offs[idx], s->data + s->len, 0};
    struct pdfr_obj *o = parse_obj(&l, 0);
    if (o && (o->type == PDFR_REF)) {
        fail(f, "object %u in an object stream is a bare reference", num);
        return NULL;
    }
    return o;
}

static const struct pdfr_obj *get_obj(struct pdfr *f, uint32_t num)
{
    if (num >= f->nx)
        return NULL; /* an absent object is null (7.3.10) */
    struct xent *e = &f->x[num];
    if (e->obj)
        return e->obj;
    if (e->failed || (e->type != XE_OFF && e->type != XE_STM))
        return NULL;
    if (e->busy) {
        fail(f, "object %u of the PDF refers to itself while it is read", num);
        return NULL;
    }
    if (f->depth >= MAX_RESOLVE) {
        fail(f, "the PDF's objects depend on each other too deeply");
        return NULL;
    }
    e->busy = 1;
    f->depth++;
    struct pdfr_obj *o = e->type == XE_OFF
                             ? parse_indirect(f, (size_t)e->where, num, e->gen, NULL)
                             : parse_in_objstm(f, (uint32_t)e->where, e->idx, num);
    f->depth--;
    e = &f->x[num]; /* the table does not move after opening, but be plain about it */
    e->busy = 0;
    if (!o)
        e->failed = 1;
    e->obj = o;
    return o;
}

const struct pdfr_obj *pdfr_get(struct pdfr *f, uint32_t num)
{
    f->err[0] = 0;
    return get_obj(f, num);
}

const struct pdfr_obj *pdfr_resolve(struct pdfr *f, const struct pdfr_obj *o)
{
    f->err[0] = 0;
    return resolve(f, o);
}

const struct pdfr_obj *pdfr_dict_res(struct pdfr *f, const struct pdfr_obj *d, const char *key)
{
    return pdfr_resolve(f, pdfr_dict_get(d, key));
}

/* ---- cross-reference information ------------------------------------ */

static int set_entry(struct pdfr *f, uint64_t num, int type, uint64_t gen, uint64_t where,
                     uint64_t idx)
{
    if (num >= PDFR_MAX_OBJECTS) {
        fail(f, "the PDF has more than %d objects", PDFR_MAX_OBJECTS);
        return -1;
    }
    if (num >= f->xcap) {
        uint32_t cap = f->xcap ? f->xcap : 64;
        while (cap <= num)
            cap *= 2;
        if (cap > PDFR_MAX_OBJECTS)
            cap = PDFR_MAX_OBJECTS;
        struct xent *x = realloc(f->x, (size_t)cap * sizeof *x);
        if (!x) {
            fail(f, "out of memory");
            return -1;
        }
        memset(x + f->xcap, 0, (size_t)(cap - f->xcap) * sizeof *x);
        f->x = x;
        f->xcap = cap;
    }
    struct xent *e = &f->x[num];
    if (e->type != XE_NONE)
        return 0; /* a newer section already said where it is */
    e->type = (uint8_t)type;
    e->gen = gen > 65535 ? 65535 : (uint16_t)gen;
    e->where = where;
    e->idx = idx > UINT32_MAX ? UINT32_MAX : (uint32_t)idx;
    if (type != XE_FREE && num + 1 > f->nx)
        f->nx = (uint32_t)num + 1;
    return 0;
}

/* A classic table: "xref", subsections "first count" of 20-byte entries,
 * then "trailer" and its dictionary. */
static int read_xref_table(struct pdfr *f, struct lex *l, struct pdfr_obj **trailer)
{
    for (;;) {
        if (keyword(l, "trailer"))
            break;
        uint64_t first, count;
        if (uint_tok(l, &first) || uint_tok(l, &count)) {
            fail(f, "the PDF's cross-reference table is broken (a subsection header)");
            return -1;
        }
        /* Each entry takes 20 bytes (7.5.4); a count the rest of the file
         * cannot hold is a lie. */
        if (count > (uint64_t)(l->end - l->p) / 18 || first + count > PDFR_MAX_OBJECTS) {
            fail(f, "the PDF's cross-reference table is broken (a subsection too long)");
            return -1;
        }
        for (uint64_t i = 0; i < count; i++) {
            uint64_t off, gen;
            if (uint_tok(l, &off) || uint_tok(l, &gen)) {
                fail(f, "the PDF's cross-reference table is broken (an entry)");
                return -1;
            }
            skip_ws(l);
            if (l->p >= l->end || (*l->p != 'n' && *l->p != 'f')) {
                fail(f, "the PDF's cross-reference table is broken (an entry)");
                return -1;
            }
            int used = *l->p++ == 'n';
            if (set_entry(f, first + i, used ? XE_OFF : XE_FREE, gen, off, 0))
                return -1;
        }
    }
    struct pdfr_obj *t = parse_obj(l, 0);
    if (!t || t->type != PDFR_DICT) {
        fail(f, "the PDF's trailer is missing or not a dictionary");
        return -1;
    }
    *trailer = t;
    return 0;
}

static uint64_t be_field(const unsigned char *p, int w)
{
    uint64_t v = 0;
    for (int i = 0; i < w; i++)
        v = v << 8 | p[i];
    return v;
}

/* A cross-reference stream at off (7.5.8). OUT: *trailer, its dictionary. */
static int read_xref_stream(struct pdfr *f, size_t off, struct pdfr_obj **trailer)
{
    struct pdfr_obj *s = parse_indirect(f, off, -1, 0, NULL);
    if (!s)
        return -1;
    if (s->type != PDFR_STREAM || !pdfr_is_name(pdfr_dict_get(s, "Type"), "XRef")) {
        fail(f, "the PDF's cross-reference table is broken (byte %zu holds neither a table "
                "nor a cross-reference stream)",
             off);
        return -1;
    }
    const struct pdfr_obj *w = resolve(f, pdfr_dict_get(s, "W"));
    const struct pdfr_obj *index = resolve(f, pdfr_dict_get(s, "Index"));
    int64_t size, wv[3];
    if (int_value(f, pdfr_dict_get(s, "Size"), PDFR_MAX_OBJECTS, &size) || !w ||
        w->type != PDFR_ARRAY || w->u.a.n != 3) {
        fail(f, "the PDF's cross-reference stream is malformed (/Size or /W)");
        return -1;
    }
    for (int i = 0; i < 3; i++)
        if (int_value(f, w->u.a.items[i], 8, &wv[i])) {
            fail(f, "the PDF's cross-reference stream is malformed (/W)");
            return -1;
        }
    size_t rec = (size_t)(wv[0] + wv[1] + wv[2]);
    if (rec == 0 || (index && (index->type != PDFR_ARRAY || index->u.a.n % 2))) {
        fail(f, "the PDF's cross-reference stream is malformed (/W or /Index)");
        return -1;
    }
    const unsigned char *d;
    size_t dlen;
    if (decode_stream(f, s, &d, &dlen))
        return -1;
    size_t npairs = index ? index->u.a.n / 2 : 1, pos = 0;
    for (size_t k = 0; k < npairs; k++) {
        int64_t first = 0, count = size;
        if (index && (int_value(f, index->u.a.items[2 * k], PDFR_MAX_OBJECTS, &first) ||
                      int_value(f, index->u.a.items[2 * k + 1], PDFR_MAX_OBJECTS, &count))) {
            fail(f, "the PDF's cross-reference stream is malformed (/Index)");
            return -1;
        }
        if ((size_t)count > (dlen - pos) / rec) {
            fail(f, "the PDF's cross-reference stream is shorter than its /Index says");
            return -1;
        }
        for (int64_t i = 0; i < count; i++, pos += rec) {
            const unsigned char *r = d + pos;
            uint64_t type = wv[0] ? be_field(r, (int)wv[0]) : 1;
            uint64_t f2 = be_field(r + wv[0], (int)wv[1]);
            uint64_t f3 = be_field(r + wv[0] + wv[1], (int)wv[2]);
            int rc = 0;
            if (type == 0)
                rc = set_entry(f, (uint64_t)(first + i), XE_FREE, f3, 0, 0);
            else if (type == 1)
                rc = set_entry(f, (uint64_t)(first + i), XE_OFF, f3, f2, 0);
            else if (type == 2)
                rc = set_entry(f, (uint64_t)(first + i), XE_STM, 0, f2, f3);
            /* other types are reserved: treated as null objects (7.5.8.3) */
            if (rc)
                return -1;
        }
    }
    if (trailer)
        *trailer = s->u.stm.dict;
    return 0;
}

static int read_xref_chain(struct pdfr *f, size_t off)
{
    size_t seen[PDFR_MAX_SECTIONS];
    int nseen = 0;
    for (;;) {
        for (int i = 0; i < nseen; i++)
            if (seen[i] == off) {
                fail(f, "the PDF's cross-reference sections loop (/Prev)");
                return -1;
            }
        if (nseen == PDFR_MAX_SECTIONS) {
            fail(f, "the PDF has more than %d cross-reference sections", PDFR_MAX_SECTIONS);
            return -1;
        }
        seen[nseen++] = off;
        if (off >= f->len) {
            fail(f, "the PDF's cross-reference table is broken (startxref or /Prev points "
                    "past the end)");
            return -1;
        }
        struct lex l = {f, f->data, f->data + off, f->data + f->len, 1};
        struct pdfr_obj *trailer = NULL;
        int is_stream = 0;
        if (keyword(&l, "xref")) {
            if (read_xref_table(f, &l, &trailer))
                return -1;
            /* A hybrid file's table names a stream with the objects it
             * compressed; they belong to this section, before /Prev. */
            const struct pdfr_obj *xs = pdfr_dict_get(trailer, "XRefStm");
            int64_t xoff;
            if (xs && (int_value(f, xs, (int64_t)f->len, &xoff) ||
                       read_xref_stream(f, (size_t)xoff, NULL)))
                return -1;
        } else {
            if (read_xref_stream(f, off, &trailer))
                return -1;
            is_stream = 1;
        }
        if (pdfr_dict_get(trailer, "Encrypt")) {
            fail(f, "the PDF is encrypted; motcua signs only unencrypted files");
            return -1;
        }
        if (nseen == 1) {
            int64_t size;
            if (int_value(f, pdfr_dict_get(trailer, "Size"), PDFR_MAX_OBJECTS, &size)) {
                fail(f, "the PDF's trailer has no valid /Size");
                return -1;
            }
            f->size = (uint32_t)size;
            f->trailer = trailer;
            f->xref_stream = is_stream;
        }
        const struct pdfr_obj *prev = pdfr_dict_get(trailer, "Prev");
        if (!prev)
            return 0;
        int64_t p;
        if (int_value(f, prev, (int64_t)f->len, &p)) {
            fail(f, "the PDF's trailer has a malformed /Prev");
            return -1;
        }
        off = (size_t)p;
    }
}

/* The offset after the last "startxref", which must be followed by %%EOF. */
static int find_startxref(struct pdfr *f, size_t *off)
{
    size_t from = f->len > TAIL ? f->len - TAIL : 0;
    const unsigned char *hit = NULL;
    for (size_t i = from; i + 9 <= f->len; i++)
        if (memcmp(f->data + i, "startxref", 9) == 0)
            hit = f->data + i;
    if (!hit) {
        fail(f, "the PDF is truncated or damaged (no startxref at its end)");
        return -1;
    }
    struct lex l = {f, f->data, hit + 9, f->data + f->len, 1};
    uint64_t v;
    if (uint_tok(&l, &v) || v >= f->len) {
        fail(f, "the PDF's startxref is malformed");
        return -1;
    }
    /* "%%EOF" is a comment to the lexer: looked for by hand. */
    l.p = hit + 9;
    while (l.p < l.end && (is_ws(*l.p) || (*l.p >= '0' && *l.p <= '9')))
        l.p++;
    if (l.end - l.p < 5 || memcmp(l.p, "%%EOF", 5) != 0) {
        fail(f, "the PDF is truncated (no %%%%EOF after startxref)");
        return -1;
    }
    *off = (size_t)v;
    return 0;
}

const struct pdfr_obj *pdfr_catalog(struct pdfr *f, uint32_t *num, uint16_t *gen)
{
    const struct pdfr_obj *root = pdfr_dict_get(f->trailer, "Root");
    if (!root || root->type != PDFR_REF) {
        fail(f, "the PDF's trailer has no /Root reference");
        return NULL;
    }
    const struct pdfr_obj *c = get_obj(f, root->u.ref.num);
    if (!c || c->type != PDFR_DICT || root->u.ref.gen != f->x[root->u.ref.num].gen) {
        fail(f, "the PDF's catalog (/Root) is missing or not a dictionary");
        return NULL;
    }
    if (num)
        *num = root->u.ref.num;
    if (gen)
        *gen = root->u.ref.gen;
    return c;
}

int pdfr_open(const unsigned char *data, size_t len, struct pdfr **out, char *err,
              size_t errlen)
{
    *out = NULL;
    if (len > PDFR_MAX_FILE) {
        snprintf(err, errlen, "the PDF is larger than %zu MiB", PDFR_MAX_FILE >> 20);
        return -1;
    }
    if (len < 8 || memcmp(data, "%PDF-", 5) != 0) {
        snprintf(err, errlen, "not a PDF file (no %%PDF- header)");
        return -1;
    }
    struct pdfr *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->data = data;
    f->len = len;
    size_t off;
    if (find_startxref(f, &off) || read_xref_chain(f, off) || !pdfr_catalog(f, NULL, NULL)) {
        snprintf(err, errlen, "%s", f->err[0] ? f->err : "the PDF cannot be read");
        pdfr_free(f);
        return -1;
    }
    f->startxref = off;
    *out = f;
    return 0;
}

void pdfr_free(struct pdfr *f)
{
    if (!f)
        return;
    while (f->blocks) {
        struct block *b = f->blocks;
        f->blocks = b->next;
        free(b);
    }
    free(f->x);
    free(f);
}

/* ---- the page tree -------------------------------------------------- */

struct inherit {
    const struct pdfr_obj *media, *crop, *rotate;
};

struct page_walk {
    int want, seen, nodes;
    struct pdfr_page *out;
    int found;
};

static int read_box(struct pdfr *f, const struct pdfr_obj *o, double box[4])
{
    o = resolve(f, o);
    if (!o || o->type != PDFR_ARRAY || o->u.a.n != 4)
        return -1;
    for (int i = 0; i < 4; i++)
        if (pdfr_number(resolve(f, o->u.a.items[i]), &box[i]))
            return -1;
    double t;
    if (box[0] > box[2]) {
        t = box[0];
        box[0] = box[2];
        box[2] = t;
    }
    if (box[1] > box[3]) {
        t = box[1];
        box[1] = box[3];
        box[3] = t;
    }
    return 0;
}

static int walk_pages(struct pdfr *f, const struct pdfr_obj *ref, int depth, struct inherit inh,
                      struct page_walk *w)
{
    if (!ref || ref->type != PDFR_REF) {
        fail(f, "the PDF's page tree holds a node that is not an indirect object");
        return -1;
    }
    if (depth > PDFR_MAX_DEPTH || ++w->nodes > MAX_PAGE_NODES) {
        fail(f, "the PDF's page tree is too deep or too large");
        return -1;
    }
    uint32_t num = ref->u.ref.num;
    const struct pdfr_obj *node = get_obj(f, num);
    if (!node || node->type != PDFR_DICT) {
        fail(f, "the PDF's page tree has a missing or broken node (object %u)", num);
        return -1;
    }
    if (f->x[num].mark == f->mark) {
        fail(f, "the PDF's page tree loops (object %u)", num);
        return -1;
    }
    f->x[num].mark = f->mark;
    const struct pdfr_obj *v;
    if ((v = pdfr_dict_get(node, "MediaBox")))
        inh.media = v;
    if ((v = pdfr_dict_get(node, "CropBox")))
        inh.crop = v;
    if ((v = pdfr_dict_get(node, "Rotate")))
        inh.rotate = v;
    const struct pdfr_obj *kids = pdfr_dict_get(node, "Kids");
    if (kids && !pdfr_is_name(pdfr_dict_get(node, "Type"), "Page")) {
        kids = resolve(f, kids);
        if (!kids || kids->type != PDFR_ARRAY) {
            fail(f, "the PDF's page tree has a node with broken /Kids (object %u)", num);
            return -1;
        }
        for (size_t i = 0; i < kids->u.a.n; i++)
            if (walk_pages(f, kids->u.a.items[i], depth + 1, inh, w))
                return -1;
        return 0;
    }
    if (w->seen >= PDFR_MAX_PAGES) {
        fail(f, "the PDF has more than %d pages", PDFR_MAX_PAGES);
        return -1;
    }
    if (w->want < 0 || w->seen == w->want) {
        struct pdfr_page *p = w->out;
        double media[4] = {0, 0, 612, 792}, crop[4];
        if (inh.media && read_box(f, inh.media, media)) {
            fail(f, "page %d of the PDF has a malformed /MediaBox", w->seen + 1);
            return -1;
        }
        memcpy(p->box, media, sizeof media);
        if (inh.crop && read_box(f, inh.crop, crop) == 0) {
            /* The visible area is the crop box clipped to the media box. */
            p->box[0] = crop[0] > media[0] ? crop[0] : media[0];
            p->box[1] = crop[1] > media[1] ? crop[1] : media[1];
            p->box[2] = crop[2] < media[2] ? crop[2] : media[2];
            p->box[3] = crop[3] < media[3] ? crop[3] : media[3];
            if (p->box[0] >= p->box[2] || p->box[1] >= p->box[3])
                memcpy(p->box, media, sizeof media);
        }
        int64_t rot = 0;
        const struct pdfr_obj *r = resolve(f, inh.rotate);
        if (r && r->type == PDFR_INT && r->u.i % 90 == 0)
            rot = ((r->u.i % 360) + 360) % 360;
        p->rotate = (int)rot;
        p->num = num;
        p->gen = ref->u.ref.gen;
        p->dict = node;
        p->index = w->seen;
        w->found = 1;
    }
    w->seen++;
    return 0;
}

int pdfr_page(struct pdfr *f, int index, struct pdfr_page *page)
{
    f->err[0] = 0;
    memset(page, 0, sizeof *page);
    const struct pdfr_obj *cat = pdfr_catalog(f, NULL, NULL);
    if (!cat)
        return -1;
    struct page_walk w = {.want = index, .out = page};
    struct inherit inh = {0};
    f->mark++;
    if (walk_pages(f, pdfr_dict_get(cat, "Pages"), 0, inh, &w))
        return -1;
    if (!w.found) {
        if (w.seen)
            fail(f, "the PDF has no page %d (it has %d)", index + 1, w.seen);
        else
            fail(f, "the PDF has no pages");
        return -1;
    }
    page->count = w.seen;
    return 0;
}

void pdfr_page_shown_box(const struct pdfr_page *page, double out[4])
{
    const double *b = page->box;
    int turned = page->rotate == 90 || page->rotate == 270;
    out[0] = b[0];
    out[1] = b[1];
    out[2] = b[0] + (turned ? b[3] - b[1] : b[2] - b[0]);
    out[3] = b[1] + (turned ? b[2] - b[0] : b[3] - b[1]);
}

/* One point: shown (u, v) to user (*x, *y). The display turns the page
 * clockwise, so e.g. at 90 the user space's lower right corner is shown at
 * the lower left and its y axis runs to the right. */
static void shown_point_to_user(const struct pdfr_page *page, double u, double v, double *x,
                                double *y)
{
    const double *b = page->box;
    double a = u - b[0], c = v - b[1];
    switch (page->rotate) {
    case 90:
        *x = b[2] - c;
        *y = b[1] + a;
        break;
    case 180:
        *x = b[2] - a;
        *y = b[3] - c;
        break;
    case 270:
        *x = b[0] + c;
        *y = b[3] - a;
        break;
    default:
        *x = b[0] + a;
        *y = b[1] + c;
    }
}

/* The inverse of shown_point_to_user. */
static void user_point_to_shown(const struct pdfr_page *page, double x, double y, double *u,
                                double *v)
{
    const double *b = page->box;
    double a, c;
    switch (page->rotate) {
    case 90:
        a = y - b[1];
        c = b[2] - x;
        break;
    case 180:
        a = b[2] - x;
        c = b[3] - y;
        break;
    case 270:
        a = b[3] - y;
        c = x - b[0];
        break;
    default:
        a = x - b[0];
        c = y - b[1];
    }
    *u = b[0] + a;
    *v = b[1] + c;
}

/* Two opposite corners mapped, then normalised: a quarter turn keeps a
 * rectangle a rectangle. */
static void map_rect(const struct pdfr_page *page, const double in[4], double out[4], int to_user)
{
    double x0, y0, x1, y1;
    if (to_user) {
        shown_point_to_user(page, in[0], in[1], &x0, &y0);
        shown_point_to_user(page, in[2], in[3], &x1, &y1);
    } else {
        user_point_to_shown(page, in[0], in[1], &x0, &y0);
        user_point_to_shown(page, in[2], in[3], &x1, &y1);
    }
    out[0] = x0 < x1 ? x0 : x1;
    out[1] = y0 < y1 ? y0 : y1;
    out[2] = x0 < x1 ? x1 : x0;
    out[3] = y0 < y1 ? y1 : y0;
}

void pdfr_page_to_user(const struct pdfr_page *page, const double shown[4], double user[4])
{
    map_rect(page, shown, user, 1);
}

void pdfr_page_to_shown(const struct pdfr_page *page, const double user[4], double shown[4])
{
    map_rect(page, user, shown, 0);
}

/* ---- form fields ---------------------------------------------------- */

struct field_walk {
    struct pdfr_sigfield *v;
    size_t n, cap;
    int visited;
};

static int walk_fields(struct pdfr *f, const struct pdfr_obj *ref, int depth,
                       const char *parent, const struct pdfr_obj *ft, struct field_walk *w)
{
    if (depth > PDFR_MAX_DEPTH || ++w->visited > PDFR_MAX_FIELDS) {
        fail(f, "the PDF's form is too deep or has more than %d fields", PDFR_MAX_FIELDS);
        return -1;
    }
    uint32_t num = 0;
    if (ref && ref->type == PDFR_REF) {
        num = ref->u.ref.num;
        if (num < f->nx) {
            if (f->x[num].mark == f->mark) {
                fail(f, "the PDF's form fields loop (object %u)", num);
                return -1;
            }
            f->x[num].mark = f->mark;
        }
    }
    const struct pdfr_obj *fd = resolve(f, ref);
    if (!fd || fd->type != PDFR_DICT)
        return 0; /* a null or broken entry names no field */
    char name[256], t[200];
    const struct pdfr_obj *tv = resolve(f, pdfr_dict_get(fd, "T"));
    if (tv && tv->type == PDFR_STRING) {
        pdfr_text(tv, t, sizeof t);
        snprintf(name, sizeof name, "%s%s%s", parent, parent[0] ? "." : "", t);
    } else {
        snprintf(name, sizeof name, "%s", parent);
    }
    const struct pdfr_obj *myft = pdfr_dict_get(fd, "FT");
    if (myft)
        ft = resolve(f, myft);
    const struct pdfr_obj *kids = resolve(f, pdfr_dict_get(fd, "Kids"));
    int has_field_kids = 0;
    if (kids && kids->type == PDFR_ARRAY) {
        for (size_t i = 0; i < kids->u.a.n && !has_field_kids; i++) {
            const struct pdfr_obj *k = resolve(f, kids->u.a.items[i]);
            has_field_kids = k && k->type == PDFR_DICT && pdfr_dict_get(k, "T");
        }
    }
    if (has_field_kids) {
        for (size_t i = 0; i < kids->u.a.n; i++)
            if (walk_fields(f, kids->u.a.items[i], depth + 1, name, ft, w))
                return -1;
        return 0;
    }
    if (!pdfr_is_name(ft, "Sig"))
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        struct pdfr_sigfield *v = realloc(w->v, cap * sizeof *v);
        if (!v) {
            fail(f, "out of memory");
            return -1;
        }
        w->v = v;
        w->cap = cap;
    }
    struct pdfr_sigfield *s = &w->v[w->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->field = fd;
    s->field_num = num;
    const struct pdfr_obj *vref = pdfr_dict_get(fd, "V");
    s->value = resolve(f, vref);
    if (s->value && s->value->type != PDFR_DICT)
        s->value = NULL;
    s->value_num = vref && vref->type == PDFR_REF ? vref->u.ref.num : 0;
    const struct pdfr_obj *widget = fd;
    if (!pdfr_dict_get(fd, "Rect") && kids && kids->type == PDFR_ARRAY && kids->u.a.n)
        widget = resolve(f, kids->u.a.items[0]);
    const struct pdfr_obj *rect = resolve(f, pdfr_dict_get(widget, "Rect"));
    s->rect = rect && rect->type == PDFR_ARRAY ? rect : NULL;
    const struct pdfr_obj *p = pdfr_dict_get(widget, "P");
    s->page_num = p && p->type == PDFR_REF ? p->u.ref.num : 0;
    return 0;
}

int pdfr_sigfields(struct pdfr *f, struct pdfr_sigfield **fields, size_t *n)
{
    f->err[0] = 0;
    *fields = NULL;
    *n = 0;
    const struct pdfr_obj *cat = pdfr_catalog(f, NULL, NULL);
    if (!cat)
        return -1;
    const struct pdfr_obj *form = resolve(f, pdfr_dict_get(cat, "AcroForm"));
    const struct pdfr_obj *list = form ? resolve(f, pdfr_dict_get(form, "Fields")) : NULL;
    if (!list || list->type != PDFR_ARRAY)
        return f->err[0] ? -1 : 0;
    struct field_walk w = {0};
    f->mark++;
    for (size_t i = 0; i < list->u.a.n; i++) {
        if (walk_fields(f, list->u.a.items[i], 0, "", NULL, &w)) {
            free(w.v);
            return -1;
        }
    }
    *fields = w.v;
    *n = w.n;
    return 0;
}

/* ---- text strings --------------------------------------------------- */

/* PDFDocEncoding 0x80..0xA0 (Annex D); the rest of 0xA1..0xFF is Latin-1. */
static const uint16_t pdfdoc_high[33] = {
    0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, 0x2039, 0x203A, 0x2212,
    0x2030, 0x201E, 0x201C, 0x201D, 0x2018, 0x2019, 0x201A, 0x2122, 0xFB01, 0xFB02, 0x0141,
    0x0152, 0x0160, 0x0178, 0x017D, 0x0131, 0x0142, 0x0153, 0x0161, 0x017E, 0xFFFD, 0x20AC,
};

/* Appends code point cp as UTF-8 if it fits whole (keeping room for NUL). */
static void put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
    unsigned char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    if (*n + k + 1 > cap)
        return;
    memcpy(out + *n, b, k);
    *n += k;
}

void pdfr_text(const struct pdfr_obj *s, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = 0;
    if (!s || (s->type != PDFR_STRING && s->type != PDFR_NAME))
        return;
    const unsigned char *p = s->u.s.p;
    size_t len = s->u.s.len, n = 0;
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        for (size_t i = 2; i + 1 < len && n + 1 < cap; i += 2) {
            uint32_t u = (uint32_t)p[i] << 8 | p[i + 1];
            if (u >= 0xD800 && u < 0xDC00 && i + 3 < len) {
                uint32_t lo = (uint32_t)p[i + 2] << 8 | p[i + 3];
                if (lo >= 0xDC00 && lo < 0xE000) {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                } else {
                    u = 0xFFFD;
                }
            } else if (u >= 0xD800 && u < 0xE000) {
                u = 0xFFFD;
            }
            put_utf8(out, cap, &n, u ? u : 0xFFFD);
        }
    } else if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        /* UTF-8 (PDF 2.0): copied whole characters only, invalid bytes as U+FFFD. */
        for (size_t i = 3; i < len;) {
            uint32_t c = p[i];
            size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
            int ok = k && i + k <= len && c;
            for (size_t j = 1; ok && j < k; j++)
                ok = (p[i + j] & 0xC0) == 0x80;
            if (!ok) {
                put_utf8(out, cap, &n, 0xFFFD);
                i++;
                continue;
            }
            uint32_t cp = k == 1 ? c : c & (0x7F >> k);
            for (size_t j = 1; j < k; j++)
                cp = cp << 6 | (p[i + j] & 0x3F);
            put_utf8(out, cap, &n, cp);
            i += k;
        }
    } else {
        for (size_t i = 0; i < len; i++) {
            uint32_t c = p[i];
            if (c >= 0x80 && c <= 0xA0)
                c = pdfdoc_high[c - 0x80];
            else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                c = 0xFFFD;
            else if (c == 0x7F || c == 0xAD)
                c = 0xFFFD;
            put_utf8(out, cap, &n, c);
        }
    }
    out[n] = 0;
}

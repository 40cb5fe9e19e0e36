/* parse: the HTTP/1.1 request head (RFC 9112 sections 2-7) and chunked
 * bodies (section 7.1). */
#include "http/parse.h"

#include <string.h>
#include <strings.h>

#include "base/util.h"

/* tchar (RFC 9110 5.6.2): the characters of methods and field names. */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field value's bytes: HTAB, SP, visible ASCII and obs-text. */
static int is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int fail(struct http_parse_error *err, int status, const char *code, const char *reason)
{
    err->status = status;
    err->code = code;
    err->reason = reason;
    return HTTP_PARSE_ERROR;
}

/* Finds the end of the line starting at p: returns the offset of its LF,
 * or -1 if none before end. *content_end is where the line's content ends
 * (before CR LF or LF). A CR anywhere but just before the LF is an error
 * (*bad_cr). */
static long line_end(const char *p, const char *end, const char **content_end, int *bad_cr)
{
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    if (!lf)
        return -1;
    const char *ce = lf;
    if (ce > p && ce[-1] == '\r')
        ce--;
    *bad_cr = memchr(p, '\r', (size_t)(ce - p)) != NULL;
    *content_end = ce;
    return lf - p;
}

static int eq_nocase(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    return alen == blen && strncasecmp(a, b, blen) == 0;
}

/* Whether the comma-separated token list v contains token (any case). */
static int list_has(const char *v, size_t len, const char *token)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t stop = i;
        while (stop > start && (v[stop - 1] == ' ' || v[stop - 1] == '\t'))
            stop--;
        if (stop > start && eq_nocase(v + start, stop - start, token))
            return 1;
    }
    return 0;
}

static int parse_request_line(const char *p, const char *ce, struct http_head *h,
                              struct http_parse_error *err)
{
    const char *s = p;
    while (s < ce && is_tchar((unsigned char)*s))
        s++;
    if (s == p || s == ce || *s != ' ' || s - p > 16)
        return fail(err, 400, "bad_request_line", "malformed method");
    h->method = p;
    h->method_len = (size_t)(s - p);
    const char *t = ++s;
    while (s < ce && (unsigned char)*s > 0x20 && (unsigned char)*s < 0x7f)
        s++;
    if (s == t || s == ce || *s != ' ')
        return fail(err, 400, "bad_request_line", "malformed request target");
    if (s - t > HTTP_MAX_TARGET)
        return fail(err, 414, "uri_too_long", "request target too long");
    h->target = t;
    h->target_len = (size_t)(s - t);
    s++;
    if (ce - s != 8 || memcmp(s, "HTTP/", 5) != 0 || s[6] != '.' || s[5] < '0' || s[5] > '9' ||
        s[7] < '0' || s[7] > '9')
        return fail(err, 400, "bad_request_line", "malformed HTTP version");
    if (s[5] != '1' || (s[7] != '0' && s[7] != '1'))
        return fail(err, 505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1");
    h->minor = s[7] - '0';
    return 0;
}

static int parse_field(const char *p, const char *ce, struct http_head *h,
                       struct http_parse_error *err)
{
    if (*p == ' ' || *p == '\t')
        return fail(err, 400, "bad_header", "folded header line");
    const char *s = p;
    while (s < ce && is_tchar((unsigned char)*s))
        s++;
    /* "Name :" (space before the colon) must be refused, not trimmed. */
    if (s == p || s == ce || *s != ':')
        return fail(err, 400, "bad_header", "malformed header name");
    if (h->nfields == HTTP_MAX_HEADERS)
        return fail(err, 431, "headers_too_large", "too many header fields");
    struct http_field *f = &h->fields[h->nfields++];
    f->name = p;
    f->name_len = (size_t)(s - p);
    s++;
    while (s < ce && (*s == ' ' || *s == '\t'))
        s++;
    const char *ve = ce;
    while (ve > s && (ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
    for (const char *v = s; v < ve; v++)
        if (!is_value_char((unsigned char)*v))
            return fail(err, 400, "bad_header", "control character in a header value");
    f->value = s;
    f->value_len = (size_t)(ve - s);
    return 0;
}

static int parse_length(const char *v, size_t len, int64_t *out)
{
    if (len == 0 || len > 18)
        return -1;
    int64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        n = n * 10 + (v[i] - '0');
    }
    *out = n;
    return 0;
}

/* Reads the framing and connection fields once the head is complete. */
static int interpret(struct http_head *h, struct http_parse_error *err)
{
    int lengths = 0, codings = 0, hosts = 0;
    h->content_length = -1;
    h->keep_alive = h->minor == 1;
    for (int i = 0; i < h->nfields; i++) {
        const struct http_field *f = &h->fields[i];
        if (eq_nocase(f->name, f->name_len, "Content-Length")) {
            if (++lengths > 1)
                return fail(err, 400, "duplicate_content_length", "Content-Length given twice");
            if (parse_length(f->value, f->value_len, &h->content_length))
                return fail(err, 400, "bad_content_length", "malformed Content-Length");
        } else if (eq_nocase(f->name, f->name_len, "Transfer-Encoding")) {
            if (++codings > 1)
                return fail(err, 400, "bad_transfer_encoding", "Transfer-Encoding given twice");
            if (!eq_nocase(f->value, f->value_len, "chunked"))
                return fail(err, 501, "unsupported_transfer_encoding",
                            "only the chunked transfer coding is supported");
            h->chunked = 1;
        } else if (eq_nocase(f->name, f->name_len, "Host")) {
            hosts++;
        } else if (eq_nocase(f->name, f->name_len, "Connection")) {
            if (list_has(f->value, f->value_len, "close"))
                h->keep_alive = 0;
            else if (h->minor == 0 && list_has(f->value, f->value_len, "keep-alive"))
                h->keep_alive = 1;
        } else if (eq_nocase(f->name, f->name_len, "Expect")) {
            if (!eq_nocase(f->value, f->value_len, "100-continue"))
                return fail(err, 417, "expectation_failed", "unknown expectation");
            h->expect_continue = 1;
        }
    }
    if (h->chunked && (lengths || h->minor == 0))
        return fail(err, 400, "bad_transfer_encoding",
                    "Transfer-Encoding with Content-Length, or in HTTP/1.0");
    if (hosts > 1 || (h->minor == 1 && hosts == 0))
        return fail(err, 400, "bad_host", "HTTP/1.1 needs exactly one Host field");
    return 0;
}

int http_parse_head(const char *buf, size_t len, size_t max_head, struct http_head *h,
                    struct http_parse_error *err)
{
    const char *p = buf, *end = buf + (len < max_head ? len : max_head);
    const char *ce;
    int bad_cr, empty_lines = 0;
    memset(h, 0, sizeof *h);
    /* A client may send a stray line break between requests (RFC 9112 2.2). */
    for (;;) {
        long n = line_end(p, end, &ce, &bad_cr);
        if (n < 0) {
            if (len >= max_head)
                return fail(err, (size_t)(end - p) > HTTP_MAX_TARGET ? 414 : 431,
                            (size_t)(end - p) > HTTP_MAX_TARGET ? "uri_too_long"
                                                                 : "headers_too_large",
                            "request head too long");
            return HTTP_PARSE_MORE;
        }
        if (bad_cr)
            return fail(err, 400, "bad_request_line", "stray carriage return");
        if (ce != p) {
            if (parse_request_line(p, ce, h, err))
                return HTTP_PARSE_ERROR;
            p += n + 1;
            break;
        }
        if (++empty_lines > 4)
            return fail(err, 400, "bad_request_line", "empty lines instead of a request");
        p += n + 1;
    }
    for (;;) {
        long n = line_end(p, end, &ce, &bad_cr);
        if (n < 0) {
            if (len >= max_head)
                return fail(err, 431, "headers_too_large", "request head too long");
            return HTTP_PARSE_MORE;
        }
        if (bad_cr)
            return fail(err, 400, "bad_header", "stray carriage return");
        if (ce == p) { /* the blank line ends the head */
            h->head_len = (size_t)(p + n + 1 - buf);
            return interpret(h, err) ? HTTP_PARSE_ERROR : HTTP_PARSE_DONE;
        }
        if (parse_field(p, ce, h, err))
            return HTTP_PARSE_ERROR;
        p += n + 1;
    }
}

const char *http_head_field(const struct http_head *h, const char *name, size_t *value_len)
{
    for (int i = 0; i < h->nfields; i++)
        if (eq_nocase(h->fields[i].name, h->fields[i].name_len, name)) {
            *value_len = h->fields[i].value_len;
            return h->fields[i].value;
        }
    return NULL;
}

/* --- chunked bodies ---------------------------------------------------- */

enum { C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF, C_TRAILER, C_TRAILER_LF, C_DONE };

#define MAX_SIZE_LINE 256
#define MAX_TRAILER 4096
#define MAX_CHUNK (UINT64_C(1) << 40)

int http_chunked_step(struct http_chunked *c, const char *in, size_t len, size_t *used,
                      const char **data, size_t *data_len)
{
    size_t i = 0;
    *data = NULL;
    *data_len = 0;
    while (i < len) {
        char ch = in[i];
        switch (c->state) {
        case C_SIZE: {
            int v = hex_value(ch);
            if (v >= 0) {
                if (c->remaining >= MAX_CHUNK / 16)
                    goto bad;
                c->remaining = c->remaining * 16 + (uint64_t)v;
                c->line_len++;
            } else if (c->line_len > 0 && (ch == ';' || ch == ' ' || ch == '\t')) {
                c->state = C_EXT;
            } else if (c->line_len > 0 && ch == '\r') {
                c->state = C_SIZE_LF;
            } else {
                goto bad;
            }
            break;
        }
        case C_EXT: /* chunk extensions: ignored, bounded */
            if (ch == '\r')
                c->state = C_SIZE_LF;
            else if (ch == '\n' || (unsigned char)ch < 0x20 || ++c->line_len > MAX_SIZE_LINE)
                goto bad;
            break;
        case C_SIZE_LF:
            if (ch != '\n')
                goto bad;
            c->line_len = 0;
            c->state = c->remaining ? C_DATA : C_TRAILER;
            break;
        case C_DATA: {
            size_t n = len - i;
            if (n > c->remaining)
                n = (size_t)c->remaining;
            c->remaining -= n;
            if (!c->remaining)
                c->state = C_DATA_CR;
            *data = in + i;
            *data_len = n;
            *used = i + n;
            return HTTP_CHUNK_DATA;
        }
        case C_DATA_CR:
            if (ch != '\r')
                goto bad;
            c->state = C_DATA_LF;
            break;
        case C_DATA_LF:
            if (ch != '\n')
                goto bad;
            c->state = C_SIZE;
            break;
        case C_TRAILER: /* trailer fields until an empty line: ignored */
            if (++c->trailer_len > MAX_TRAILER)
                goto bad;
            if (ch == '\r') {
                c->state = C_TRAILER_LF;
            } else if (ch == '\n' || ((unsigned char)ch < 0x20 && ch != '\t')) {
                goto bad;
            } else {
                c->line_len++;
            }
            break;
        case C_TRAILER_LF:
            if (ch != '\n')
                goto bad;
            if (c->line_len == 0) {
                c->state = C_DONE;
                *used = i + 1;
                return HTTP_CHUNK_DONE;
            }
            c->line_len = 0;
            c->state = C_TRAILER;
            break;
        default:
            goto bad;
        }
        i++;
    }
    *used = i;
    return HTTP_CHUNK_MORE;
bad:
    *used = i;
    return HTTP_CHUNK_ERROR;
}

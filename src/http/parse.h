/* parse: HTTP/1.1 request heads and chunked request bodies, as pure
 * functions over bytes (no I/O, no allocation), so they can be tested and
 * fuzzed on their own.
 *
 * Strict where leniency lets two parsers read one message differently
 * (request smuggling, RFC 9112 section 11.2): whitespace between a field
 * name and its colon, folded header lines, a repeated Content-Length,
 * Content-Length together with Transfer-Encoding, and any transfer coding
 * other than "chunked" are refused rather than guessed at. */
#ifndef MOTCUA_HTTP_PARSE_H
#define MOTCUA_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_TARGET 8192 /* request-target bytes; longer is 414 */

struct http_field {
    const char *name, *value; /* inside the parsed buffer, not terminated */
    size_t name_len, value_len;
};

struct http_head {
    const char *method, *target; /* inside the buffer, not terminated */
    size_t method_len, target_len;
    int minor;                   /* HTTP/1.minor: 0 or 1 */
    struct http_field fields[HTTP_MAX_HEADERS];
    int nfields;
    size_t head_len;             /* bytes up to and including the blank line */
    int64_t content_length;      /* -1: none given */
    int chunked;                 /* Transfer-Encoding: chunked */
    int keep_alive;              /* the client allows another request after this one */
    int expect_continue;         /* Expect: 100-continue */
};

/* Why a head was refused: the status to answer, a snake_case code and a
 * short English reason for the log. */
struct http_parse_error {
    int status;
    const char *code;
    const char *reason;
};

enum { HTTP_PARSE_ERROR = -1, HTTP_PARSE_MORE = 0, HTTP_PARSE_DONE = 1 };

/* Parses the request head at the start of buf[0..len) (which may hold
 * more, e.g. a body or a pipelined request). A head longer than max_head
 * bytes is refused (431; 414 when the request line alone is too long).
 * Returns HTTP_PARSE_DONE with *h filled, HTTP_PARSE_MORE if the head is
 * not complete yet, or HTTP_PARSE_ERROR with *err set. */
int http_parse_head(const char *buf, size_t len, size_t max_head, struct http_head *h,
                    struct http_parse_error *err);

/* Case-insensitive lookup of the first field named name; NULL if absent.
 * *value_len is set when found. */
const char *http_head_field(const struct http_head *h, const char *name, size_t *value_len);

/* --- chunked request bodies ------------------------------------------ */

struct http_chunked {
    int state;
    uint64_t remaining; /* bytes left in the current chunk */
    size_t line_len;    /* bytes of the size line or trailer seen so far */
    size_t trailer_len;
};

enum { HTTP_CHUNK_MORE, HTTP_CHUNK_DATA, HTTP_CHUNK_DONE, HTTP_CHUNK_ERROR };

/* Decodes the chunked body from in[0..len), one step at a time. Sets
 * *used to the bytes consumed. Returns HTTP_CHUNK_DATA with *data and
 * *data_len naming body bytes inside in; HTTP_CHUNK_MORE when all of in
 * was consumed without data; HTTP_CHUNK_DONE after the last chunk and its
 * trailer; HTTP_CHUNK_ERROR on malformed framing. Start from a zeroed
 * struct http_chunked. */
int http_chunked_step(struct http_chunked *c, const char *in, size_t len, size_t *used,
                      const char **data, size_t *data_len);

#endif

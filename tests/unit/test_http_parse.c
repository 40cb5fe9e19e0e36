/* Tests of src/http/parse.c: request heads and chunked bodies, including
 * the framing tricks request smuggling relies on. */
#include <string.h>

#include "harness.h"
#include "http/parse.h"

#define MAX_HEAD 16384

static int parse(const char *text, struct http_head *h, struct http_parse_error *e)
{
    return http_parse_head(text, strlen(text), MAX_HEAD, h, e);
}

/* The status a head is refused with, or 0 if accepted. */
static int refused(const char *text)
{
    struct http_head h;
    struct http_parse_error e = {0};
    int rc = parse(text, &h, &e);
    return rc == HTTP_PARSE_ERROR ? e.status : 0;
}

TEST(simple_get)
{
    struct http_head h;
    struct http_parse_error e;
    const char *t = "GET /api/v1/lookup/X?a=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\nrest";
    CHECK_EQ_INT(parse(t, &h, &e), HTTP_PARSE_DONE);
    CHECK_EQ_INT(h.head_len, strlen(t) - 4);
    CHECK(h.method_len == 3 && memcmp(h.method, "GET", 3) == 0);
    CHECK(h.target_len == 20 && memcmp(h.target, "/api/v1/lookup/X?a=1", 20) == 0);
    CHECK_EQ_INT(h.minor, 1);
    CHECK_EQ_INT(h.nfields, 2);
    CHECK_EQ_INT(h.content_length, -1);
    CHECK_EQ_INT(h.keep_alive, 1);
    size_t len;
    const char *v = http_head_field(&h, "accept", &len);
    CHECK(v && len == 3 && memcmp(v, "*/*", 3) == 0);
}

TEST(incomplete_heads_wait)
{
    struct http_head h;
    struct http_parse_error e;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\n", &h, &e), HTTP_PARSE_MORE);
    CHECK_EQ_INT(parse("GET / HTT", &h, &e), HTTP_PARSE_MORE);
    CHECK_EQ_INT(parse("", &h, &e), HTTP_PARSE_MORE);
}

TEST(value_whitespace_trimmed_and_bare_lf)
{
    struct http_head h;
    struct http_parse_error e;
    CHECK_EQ_INT(parse("POST /x HTTP/1.1\nHost: x\nContent-Length:  12 \t\n\n", &h, &e),
                 HTTP_PARSE_DONE);
    CHECK_EQ_INT(h.content_length, 12);
}

TEST(two_content_lengths_refused)
{
    /* The first would frame the body, the second be read as a new request. */
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                         "Content-Length: 40\r\n\r\n"),
                 400);
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                         "content-length: 5\r\n\r\n"),
                 400);
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"),
                 400);
}

TEST(space_before_colon_refused)
{
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"),
                 400);
    CHECK_EQ_INT(refused("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400);
}

TEST(transfer_encodings)
{
    struct http_head h;
    struct http_parse_error e;
    CHECK_EQ_INT(parse("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n", &h, &e),
                 HTTP_PARSE_DONE);
    CHECK_EQ_INT(h.chunked, 1);
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
                 501);
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                         "Content-Length: 3\r\n\r\n"),
                 400);
    CHECK_EQ_INT(refused("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n"),
                 400);
    CHECK_EQ_INT(refused("POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

TEST(malformed_lines_refused)
{
    CHECK_EQ_INT(refused("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("GET / HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("GET / HTTP/1.1 \r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
    CHECK_EQ_INT(refused("GET / FTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(refused("GET / HTTP/1.1\r\n\r\n"), 400);                       /* no Host */
    CHECK_EQ_INT(refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400); /* two */
    CHECK_EQ_INT(refused("GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n"), 417);
}

TEST(limits)
{
    char big[MAX_HEAD + 100];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    struct http_head h;
    struct http_parse_error e;
    CHECK_EQ_INT(http_parse_head(big, sizeof big, MAX_HEAD, &h, &e), HTTP_PARSE_ERROR);
    CHECK_EQ_INT(e.status, 414);
    /* A long header block without its end. */
    char fields[MAX_HEAD + 100];
    size_t n = (size_t)snprintf(fields, sizeof fields, "GET / HTTP/1.1\r\nHost: x\r\n");
    while (n + 10 < sizeof fields)
        n += (size_t)snprintf(fields + n, sizeof fields - n, "A: b\r\n");
    CHECK_EQ_INT(http_parse_head(fields, n, MAX_HEAD, &h, &e), HTTP_PARSE_ERROR);
    CHECK_EQ_INT(e.status, 431);
    /* Too many fields, even in a short head. */
    char many[4096];
    n = (size_t)snprintf(many, sizeof many, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS + 1; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "A%d: b\r\n", i);
    n += (size_t)snprintf(many + n, sizeof many - n, "\r\n");
    CHECK_EQ_INT(http_parse_head(many, n, MAX_HEAD, &h, &e), HTTP_PARSE_ERROR);
    CHECK_EQ_INT(e.status, 431);
}

TEST(connection_and_expect)
{
    struct http_head h;
    struct http_parse_error e;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, close\r\n\r\n", &h, &e),
                 HTTP_PARSE_DONE);
    CHECK_EQ_INT(h.keep_alive, 0);
    CHECK_EQ_INT(parse("GET / HTTP/1.0\r\n\r\n", &h, &e), HTTP_PARSE_DONE);
    CHECK_EQ_INT(h.keep_alive, 0);
    CHECK_EQ_INT(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &h, &e), HTTP_PARSE_DONE);
    CHECK_EQ_INT(h.keep_alive, 1);
    CHECK_EQ_INT(parse("PUT /f HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n"
                       "Expect: 100-continue\r\n\r\n",
                       &h, &e),
                 HTTP_PARSE_DONE);
    CHECK_EQ_INT(h.expect_continue, 1);
}

/* Decodes a whole chunked body; returns the decoded length, or -1. */
static long decode(const char *in, size_t len, char *out, size_t cap, size_t step)
{
    struct http_chunked c = {0};
    size_t off = 0, n = 0;
    while (off < len) {
        size_t give = len - off < step ? len - off : step, used;
        const char *data;
        size_t dlen;
        int rc = http_chunked_step(&c, in + off, give, &used, &data, &dlen);
        off += used;
        if (rc == HTTP_CHUNK_ERROR)
            return -1;
        if (rc == HTTP_CHUNK_DATA) {
            if (n + dlen > cap)
                return -1;
            memcpy(out + n, data, dlen);
            n += dlen;
        }
        if (rc == HTTP_CHUNK_DONE)
            return off == len ? (long)n : -1;
    }
    return -2; /* not finished */
}

TEST(chunked_bodies)
{
    const char *body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n";
    char out[64];
    for (size_t step = 1; step <= strlen(body); step++) {
        long n = decode(body, strlen(body), out, sizeof out, step);
        CHECK_EQ_INT(n, 12);
        CHECK(n == 12 && memcmp(out, "hello, world", 12) == 0);
    }
    CHECK_EQ_INT(decode("0\r\n\r\n", 5, out, sizeof out, 5), 0);
    CHECK_EQ_INT(decode("5\r\nhelloX\r\n0\r\n\r\n", 16, out, sizeof out, 16), -1);
    CHECK_EQ_INT(decode("g\r\n", 3, out, sizeof out, 3), -1);
    CHECK_EQ_INT(decode("\r\n", 2, out, sizeof out, 2), -1);
    CHECK_EQ_INT(decode("5\nhello\r\n0\r\n\r\n", 15, out, sizeof out, 15), -1);
    CHECK_EQ_INT(decode("fffffffffffffffff\r\n", 19, out, sizeof out, 19), -1);
    CHECK_EQ_INT(decode("5\r\nhel", 6, out, sizeof out, 6), -2);
}

int main(void)
{
    RUN(simple_get);
    RUN(incomplete_heads_wait);
    RUN(value_whitespace_trimmed_and_bare_lf);
    RUN(two_content_lengths_refused);
    RUN(space_before_colon_refused);
    RUN(transfer_encodings);
    RUN(malformed_lines_refused);
    RUN(limits);
    RUN(connection_and_expect);
    RUN(chunked_bodies);
    return harness_done();
}

/* libFuzzer target for http/parse: arbitrary bytes as a request head and,
 * after it, as a chunked body fed in pieces of varying size. Checks the
 * parser's promises: a parsed head lies inside the input, its slices lie
 * inside the head, framing is never ambiguous, and chunked decoding never
 * yields more bytes than it was given. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const char *p, size_t len, const char *base, size_t blen)
{
    return p >= base && p + len <= base + blen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct http_head h;
    struct http_parse_error e;
    int rc = http_parse_head(buf, size, 4096, &h, &e);
    if (rc == HTTP_PARSE_ERROR) {
        assert(e.status >= 400 && e.status < 600 && e.code);
        return 0;
    }
    if (rc != HTTP_PARSE_DONE)
        return 0;
    assert(h.head_len <= size && h.head_len <= 4096);
    assert(inside(h.method, h.method_len, buf, h.head_len));
    assert(inside(h.target, h.target_len, buf, h.head_len));
    for (int i = 0; i < h.nfields; i++) {
        assert(inside(h.fields[i].name, h.fields[i].name_len, buf, h.head_len));
        assert(inside(h.fields[i].value, h.fields[i].value_len, buf, h.head_len));
        assert(h.fields[i].name_len > 0);
    }
    assert(!(h.chunked && h.content_length >= 0)); /* one framing, never two */

    /* The rest as a chunked body, in pieces sized by the first byte. */
    const char *body = buf + h.head_len;
    size_t left = size - h.head_len, step = left ? (unsigned char)body[0] % 17 + 1 : 1;
    struct http_chunked c = {0};
    size_t total = 0, off = 0;
    while (off < left) {
        size_t give = left - off < step ? left - off : step, used;
        const char *d;
        size_t dlen;
        int r = http_chunked_step(&c, body + off, give, &used, &d, &dlen);
        assert(used <= give);
        if (r == HTTP_CHUNK_DATA) {
            assert(inside(d, dlen, body + off, give) && dlen > 0);
            total += dlen;
        }
        if (r == HTTP_CHUNK_ERROR || r == HTTP_CHUNK_DONE)
            break;
        if (r == HTTP_CHUNK_MORE)
            assert(used == give);
        off += used;
    }
    assert(total <= left);
    return 0;
}

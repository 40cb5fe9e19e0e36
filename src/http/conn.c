/* conn: client connections: admission, reading heads and bodies, writing
 * answers, deadlines, keep-alive and lingering close. Everything of one
 * connection runs on its loop's thread; only the counters are shared. */
#include "http/conn.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "base/util.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/parse.h"

struct http_limits http_limits = {
    .max_connections = 4096,
    .max_per_ip = 256,
    .max_head = 16 * 1024,
    .memory_budget = 64u << 20,
    .idle_ms = 30000,
    .head_ms = 10000,
    .body_ms = 30000,
    .body_min_rate = 8 * 1024,
    .write_ms = 60000,
    .linger_ms = 2000,
};

static _Atomic int open_conns;
static _Atomic size_t memory_in_use;

int conn_count(void) { return atomic_load(&open_conns); }
size_t conn_memory_in_use(void) { return atomic_load(&memory_in_use); }

/* --- admission: connections in total and per client address ----------- */

#define IP_BUCKETS 1024

struct ip_count {
    char ip[64];
    int n;
    struct ip_count *next;
};

static pthread_mutex_t ip_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ip_count *ip_table[IP_BUCKETS];

static unsigned ip_bucket(const char *ip)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *ip; ip++)
        h = (h ^ (unsigned char)*ip) * 16777619u;
    return h % IP_BUCKETS;
}

/* Adds delta to ip's count; with a positive delta, refuses (-1) beyond the
 * limit. Lock held by the caller. */
static int ip_add(const char *ip, int delta)
{
    struct ip_count **pp = &ip_table[ip_bucket(ip)], *e;
    while ((e = *pp) && strcmp(e->ip, ip) != 0)
        pp = &e->next;
    if (!e) {
        if (delta < 0)
            return 0;
        if (!(e = calloc(1, sizeof *e)))
            return -1;
        copy_str(e->ip, sizeof e->ip, ip);
        *pp = e;
    }
    if (delta > 0 && e->n + delta > http_limits.max_per_ip)
        return -1;
    e->n += delta;
    if (e->n <= 0) {
        *pp = e->next;
        free(e);
    }
    return 0;
}

int conn_admit(const char *ip, int exempt)
{
    if (atomic_fetch_add(&open_conns, 1) >= http_limits.max_connections) {
        atomic_fetch_sub(&open_conns, 1);
        return -1;
    }
    if (exempt)
        return 0;
    pthread_mutex_lock(&ip_lock);
    int rc = ip_add(ip, 1);
    pthread_mutex_unlock(&ip_lock);
    if (rc)
        atomic_fetch_sub(&open_conns, 1);
    return rc;
}

void conn_release(const char *ip, int exempt)
{
    atomic_fetch_sub(&open_conns, 1);
    if (exempt)
        return;
    pthread_mutex_lock(&ip_lock);
    ip_add(ip, -1);
    pthread_mutex_unlock(&ip_lock);
}

/* --- the connection ---------------------------------------------------- */

enum state {
    S_IDLE,     /* between requests: waiting for the next one's first byte */
    S_HEAD,     /* reading a request head */
    S_BODY,     /* reading the body for the handler */
    S_HANDLING, /* the handler has the request; nothing is read meanwhile */
    S_WRITING,  /* the answer is going out */
    S_LINGER,   /* after a refusal: reading and dropping what still comes */
};

enum body_mode { B_MEMORY, B_STREAM };

struct conn {
    struct conn *prev, *next; /* in loop->conns */
    struct bufferevent *bev;
    struct http_loop *loop;
    struct event *timer;
    char ip[64];
    int exempt;
    enum state state;
    size_t scanned;  /* S_HEAD: bytes searched for the end of the head */
    struct req *req; /* the request being read or handled */
    int keep_alive;
    int close_after;
    int gone;        /* the socket failed while a handler had the request */
    int must_linger; /* the client may still be sending: linger after the answer */
    int in_process;  /* inside process(): body reading starts from there */
    /* The node listener (TLS): the client's certificate, DER, taken once the
     * handshake is done; NULL on the plain listener. */
    int tls;
    unsigned char *peer_der;
    size_t peer_der_len;
    /* The request's body. */
    int chunked, expect_continue, continue_sent;
    int64_t left;    /* Content-Length bytes still unread (not chunked) */
    int body_done;   /* the body was read to its end */
    struct http_chunked chunk;
    enum body_mode mode;
    size_t max, received, charged, cap;
    int (*sink)(struct req *r, const unsigned char *data, size_t len);
    void (*done)(struct req *r);
};

static void process(struct conn *c);

static void arm(struct conn *c, int64_t ms)
{
    if (ms <= 0) {
        evtimer_del(c->timer);
        return;
    }
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_add(c->timer, &tv);
}

static void uncharge(struct conn *c)
{
    if (c->charged)
        atomic_fetch_sub(&memory_in_use, c->charged);
    c->charged = 0;
}

/* Charges n more bytes of body memory to the shared budget. */
static int charge(struct conn *c, size_t n)
{
    size_t before = atomic_fetch_add(&memory_in_use, n);
    if (before + n > http_limits.memory_budget) {
        atomic_fetch_sub(&memory_in_use, n);
        return -1;
    }
    c->charged += n;
    return 0;
}

static void conn_free(struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        c->loop->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    uncharge(c);
    if (c->timer)
        event_free(c->timer);
    if (c->bev)
        bufferevent_free(c->bev); /* closes the socket (and frees the TLS state) */
    conn_release(c->ip, c->exempt);
    OPENSSL_free(c->peer_der);
    free(c);
}

/* An answer written by the connection itself, before or without a request
 * (malformed head, head timeout): the JSON error shape of the API, then
 * the connection closes. */
static void fail_raw(struct conn *c, int status, const char *code, const char *message)
{
    static const struct {
        int status;
        const char *text;
    } texts[] = {{400, "Bad Request"},     {403, "Forbidden"},
                 {408, "Request Timeout"},   {413, "Content Too Large"}, {414, "URI Too Long"},
                 {417, "Expectation Failed"}, {431, "Request Header Fields Too Large"},
                 {501, "Not Implemented"}, {503, "Service Unavailable"},
                 {505, "HTTP Version Not Supported"}};
    const char *text = "Error";
    for (size_t i = 0; i < ARRAY_LEN(texts); i++)
        if (texts[i].status == status)
            text = texts[i].text;
    char body[400];
    int blen = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                        code, message);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
                        "Content-Length: %d\r\nConnection: close\r\n"
                        "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n",
                        status, text, blen);
    evbuffer_add(out, body, (size_t)blen);
    metrics_record(-1, status, 0);
    log_info("{\"t\":%lld,\"client\":\"%s\",\"status\":%d,\"error\":\"%s\"}",
             (long long)now_unix(), c->ip, status, code);
    c->state = S_WRITING;
    c->close_after = 1;
    c->must_linger = 1;
    /* Whatever else the client sends is dropped after the answer. */
    struct evbuffer *in = bufferevent_get_input(c->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
    bufferevent_disable(c->bev, EV_READ);
    arm(c, 0);
}

/* --- heads -------------------------------------------------------------- */

/* Where the head ends (the blank line), searching from c->scanned; 0 if
 * not in buf yet. */
static size_t find_head_end(struct conn *c, const char *buf, size_t len)
{
    size_t i = c->scanned > 2 ? c->scanned - 2 : 0;
    for (; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    c->scanned = len;
    return 0;
}

/* Points the head's slices into the copy, each now a NUL-terminated
 * string: the byte after every slice (a space, a colon, CR or LF, or the
 * trailing whitespace of a value) is no longer needed once parsed. */
static void rebase(struct http_head *h, const char *from, char *to)
{
#define MOVE(ptr, len)                                                                             \
    do {                                                                                           \
        char *p_ = to + ((ptr) - from);                                                            \
        p_[len] = '\0';                                                                            \
        (ptr) = p_;                                                                                \
    } while (0)
    MOVE(h->method, h->method_len);
    MOVE(h->target, h->target_len);
    for (int i = 0; i < h->nfields; i++) {
        MOVE(h->fields[i].name, h->fields[i].name_len);
        MOVE(h->fields[i].value, h->fields[i].value_len);
    }
#undef MOVE
}

/* The node listener: keeps the client's certificate (the handshake, which
 * required one, is over once request bytes arrive). Returns 0, or -1 when
 * the connection is finishing. */
static int take_peer_cert(struct conn *c)
{
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    X509 *x = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
    int len = x ? i2d_X509(x, &c->peer_der) : 0;
    X509_free(x);
    if (len <= 0) { /* cannot be: the handshake required one */
        c->peer_der = NULL;
        fail_raw(c, 403, "no_client_certificate", "Cần chứng thư TLS của nút gọi đến");
        return -1;
    }
    c->peer_der_len = (size_t)len;
    return 0;
}

/* Reads a head if a whole one is there. Returns 1 when a request started,
 * 0 to wait for more, -1 when the connection is finishing. */
static int read_head(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    /* Line breaks between requests are allowed (RFC 9112 2.2), a few. */
    for (int i = 0; i < 8; i++) {
        unsigned char two[2];
        ev_ssize_t got = evbuffer_copyout(in, two, 2);
        if (got >= 1 && two[0] == '\n')
            evbuffer_drain(in, 1);
        else if (got == 2 && two[0] == '\r' && two[1] == '\n')
            evbuffer_drain(in, 2);
        else
            break;
    }
    size_t n = evbuffer_get_length(in);
    if (n == 0)
        return 0;
    if (c->tls && !c->peer_der && take_peer_cert(c))
        return -1;
    size_t look = n < http_limits.max_head ? n : http_limits.max_head;
    const char *buf = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
    if (!buf)
        return 0;
    /* Parse only once the blank line is there: a client trickling a head
     * byte by byte costs one scan of each byte, not a parse per byte. */
    size_t end = find_head_end(c, buf, look);
    if (!end && look < http_limits.max_head)
        return 0;
    struct http_head h;
    struct http_parse_error e;
    int rc = http_parse_head(buf, end ? end : look, http_limits.max_head, &h, &e);
    if (rc == HTTP_PARSE_MORE) { /* cannot be, with the blank line found */
        rc = HTTP_PARSE_ERROR;
        e = (struct http_parse_error){400, "bad_request", "incomplete head"};
    }
    if (rc != HTTP_PARSE_DONE) {
        static const struct {
            int status;
            const char *message;
        } messages[] = {
            {400, "Yêu cầu HTTP không hợp lệ"},
            {414, "Địa chỉ yêu cầu quá dài"},
            {417, "Không hỗ trợ trường Expect này"},
            {431, "Phần đầu yêu cầu quá lớn"},
            {501, "Không hỗ trợ cách truyền dữ liệu này"},
            {505, "Chỉ hỗ trợ HTTP/1.0 và HTTP/1.1"},
        };
        const char *msg = "Yêu cầu HTTP không hợp lệ";
        for (size_t i = 0; i < ARRAY_LEN(messages); i++)
            if (messages[i].status == e.status)
                msg = messages[i].message;
        fail_raw(c, e.status, e.code, msg);
        return -1;
    }
    char *copy = malloc(h.head_len + 1);
    if (!copy) {
        fail_raw(c, 503, "overloaded", "Máy chủ đang quá tải, vui lòng thử lại");
        return -1;
    }
    memcpy(copy, buf, h.head_len);
    copy[h.head_len] = '\0';
    rebase(&h, buf, copy);
    evbuffer_drain(in, h.head_len);
    c->scanned = 0;
    c->keep_alive = h.keep_alive;
    c->close_after = 0;
    c->chunked = h.chunked;
    c->left = h.content_length > 0 ? h.content_length : 0;
    c->body_done = !h.chunked && c->left == 0;
    c->expect_continue = h.expect_continue;
    c->continue_sent = 0;
    memset(&c->chunk, 0, sizeof c->chunk);
    c->received = 0;
    c->state = S_HANDLING;
    arm(c, 0);
    struct req *r = http_request_new(c->loop, c, copy, &h, c->ip);
    if (!r) {
        fail_raw(c, 503, "overloaded", "Máy chủ đang quá tải, vui lòng thử lại");
        return -1;
    }
    c->req = r;
    http_request_start(r);
    return 1;
}

/* --- bodies ------------------------------------------------------------- */

int conn_body_pending(const struct req *r) { return !r->conn->body_done; }

const unsigned char *conn_peer_cert(const struct req *r, size_t *len)
{
    *len = r->conn->peer_der_len;
    return r->conn->peer_der;
}

int conn_keeps_alive(const struct req *r)
{
    return r->conn->keep_alive && r->conn->body_done && !http_stopping;
}

static int64_t body_deadline_ms(const struct conn *c)
{
    int64_t size = c->chunked ? (int64_t)c->max : c->left;
    int64_t rate = http_limits.body_min_rate > 0 ? http_limits.body_min_rate : 1;
    return http_limits.body_ms + size * 1000 / rate;
}

static void begin_body(struct conn *c)
{
    c->state = S_BODY;
    arm(c, body_deadline_ms(c));
    if (c->expect_continue && !c->continue_sent) {
        evbuffer_add(bufferevent_get_output(c->bev), "HTTP/1.1 100 Continue\r\n\r\n", 25);
        c->continue_sent = 1;
    }
    bufferevent_enable(c->bev, EV_READ);
    if (!c->in_process)
        process(c);
}

/* The body was not read: the answer says so and the connection closes. */
static int too_large(struct req *r)
{
    reply_error(r, 413, "body_too_large", "Nội dung yêu cầu quá lớn", NULL);
    return -1;
}

/* The start of reading a body either way: with nothing to read done runs
 * at once, one announced over max is answered 413. Returns 1 if the body
 * is to be read. */
static int body_wanted(struct req *r, size_t max, void (*done)(struct req *r))
{
    struct conn *c = r->conn;
    if (c->body_done) {
        done(r);
        return 0;
    }
    if (!c->chunked && (uint64_t)c->left > max) {
        too_large(r);
        return 0;
    }
    return 1;
}

void conn_read_body(struct req *r, size_t max, void (*done)(struct req *r))
{
    struct conn *c = r->conn;
    if (!body_wanted(r, max, done))
        return;
    size_t want = c->chunked ? (max < 4096 ? max : 4096) : (size_t)c->left;
    if (charge(c, want) || !(r->body = malloc(want ? want : 1))) {
        req_add_header(r, "Retry-After", "2");
        reply_error(r, 503, "overloaded", "Máy chủ đang quá tải, vui lòng thử lại", NULL);
        return;
    }
    c->cap = want;
    c->mode = B_MEMORY;
    c->max = max;
    c->done = done;
    begin_body(c);
}

void conn_stream_body(struct req *r, size_t max,
                      int (*sink)(struct req *r, const unsigned char *data, size_t len),
                      void (*done)(struct req *r))
{
    struct conn *c = r->conn;
    if (!body_wanted(r, max, done))
        return;
    c->mode = B_STREAM;
    c->max = max;
    c->sink = sink;
    c->done = done;
    begin_body(c);
}

/* Takes len body bytes. Returns 0, or -1 once the request was answered. */
static int take(struct conn *c, const unsigned char *data, size_t len)
{
    struct req *r = c->req;
    if (c->received + len > c->max)
        return too_large(r);
    if (c->mode == B_STREAM) {
        c->received += len;
        return c->sink(r, data, len);
    }
    if (c->received + len > c->cap) { /* chunked: grows, charged as it grows */
        size_t cap = c->cap ? c->cap * 2 : 4096;
        while (cap < c->received + len)
            cap *= 2;
        if (cap > c->max)
            cap = c->max;
        unsigned char *p = NULL;
        /* A charge without its memory is given back when the request ends. */
        if (charge(c, cap - c->cap) || !(p = realloc(r->body, cap))) {
            req_add_header(r, "Retry-After", "2");
            reply_error(r, 503, "overloaded", "Máy chủ đang quá tải, vui lòng thử lại", NULL);
            return -1;
        }
        r->body = p;
        c->cap = cap;
    }
    memcpy(r->body + c->received, data, len);
    c->received += len;
    r->body_len = c->received;
    return 0;
}

/* Consumes what the input holds of the body. Returns 1 when the body is
 * complete (the handler runs), 0 to wait, -1 when the request was
 * answered. */
static int read_body(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t n = evbuffer_get_length(in);
    if (!c->chunked) {
        size_t want = n < (uint64_t)c->left ? n : (size_t)c->left;
        const unsigned char *p = evbuffer_pullup(in, (ev_ssize_t)want);
        if (want && take(c, p, want))
            return -1;
        evbuffer_drain(in, want);
        c->left -= (int64_t)want;
        if (c->left > 0)
            return 0;
    } else {
        const char *p = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
        size_t off = 0;
        int rc = HTTP_CHUNK_MORE;
        while (off < n) {
            size_t used;
            const char *data;
            size_t dlen;
            rc = http_chunked_step(&c->chunk, p + off, n - off, &used, &data, &dlen);
            off += used;
            if (rc == HTTP_CHUNK_DATA && take(c, (const unsigned char *)data, dlen)) {
                evbuffer_drain(in, off);
                return -1;
            }
            if (rc == HTTP_CHUNK_ERROR) {
                evbuffer_drain(in, off);
                reply_error(c->req, 400, "bad_chunked_body", "Nội dung yêu cầu bị lỗi định dạng",
                            NULL);
                return -1;
            }
            if (rc == HTTP_CHUNK_DONE)
                break;
        }
        evbuffer_drain(in, off);
        if (rc != HTTP_CHUNK_DONE)
            return 0;
    }
    c->body_done = 1;
    c->state = S_HANDLING;
    arm(c, 0);
    bufferevent_disable(c->bev, EV_READ);
    c->done(c->req);
    return 1;
}

/* --- answers ------------------------------------------------------------ */

void conn_send(struct req *r, struct evbuffer *resp, int close_after)
{
    struct conn *c = r->conn;
    c->req = NULL;
    uncharge(c);
    if (c->gone || !resp) {
        conn_free(c);
        return;
    }
    c->close_after = close_after || !c->keep_alive || !c->body_done || http_stopping;
    /* Unread body bytes may still be on their way, unless the client waits
     * for "100 Continue" and so never sent them. */
    c->must_linger = !c->body_done && !(c->expect_continue && !c->continue_sent);
    c->state = S_WRITING;
    arm(c, 0);
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_write_buffer(c->bev, resp);
    bufferevent_enable(c->bev, EV_WRITE);
}

static void linger(struct conn *c)
{
    /* Closing a socket with unread input sends a reset, which can destroy
     * the answer before the client reads it: stop writing, read and drop
     * what still comes for a little while, then close. */
    shutdown(bufferevent_getfd(c->bev), SHUT_WR);
    c->state = S_LINGER;
    arm(c, http_limits.linger_ms);
    bufferevent_enable(c->bev, EV_READ);
    process(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->state != S_WRITING)
        return;
    if (c->close_after) {
        if (c->must_linger)
            linger(c);
        else
            conn_free(c);
        return;
    }
    c->state = S_IDLE;
    arm(c, http_limits.idle_ms);
    bufferevent_enable(c->bev, EV_READ);
    process(c); /* a pipelined request may be waiting */
}

/* --- events ------------------------------------------------------------- */

static void process(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    c->in_process = 1;
    for (;;) {
        size_t n = evbuffer_get_length(in);
        if (c->state == S_IDLE && n) {
            c->state = S_HEAD;
            arm(c, http_limits.head_ms);
        }
        if (c->state == S_HEAD && n) {
            if (read_head(c) != 1)
                break;
            continue;
        }
        if (c->state == S_BODY && n) {
            if (read_body(c) != 1)
                break;
            continue;
        }
        if (c->state == S_LINGER)
            evbuffer_drain(in, n);
        break;
    }
    c->in_process = 0;
}

static void on_read(struct bufferevent *bev, void *arg) { process(arg); }

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    if (what & BEV_EVENT_CONNECTED)
        return; /* the node listener's TLS handshake is done: requests follow */
    int eof = (what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR);
    if (c->state == S_HANDLING && eof) {
        /* The client stopped sending (a half close): answer it anyway. */
        bufferevent_disable(c->bev, EV_READ);
        return;
    }
    if (c->state == S_HANDLING) {
        /* The handler still has the request: the answer will be dropped. */
        bufferevent_free(c->bev);
        c->bev = NULL;
        c->gone = 1;
        return;
    }
    if (c->state == S_BODY && c->req) {
        struct req *r = c->req;
        c->req = NULL;
        http_request_abort(r);
    }
    conn_free(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    switch (c->state) {
    case S_HEAD:
        if (evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
            conn_free(c); /* never said anything: close quietly */
            return;
        }
        fail_raw(c, 408, "request_timeout", "Hết thời gian chờ yêu cầu");
        return;
    case S_BODY:
        reply_error(c->req, 408, "request_timeout", "Hết thời gian chờ nội dung yêu cầu", NULL);
        return;
    default: /* idle keep-alive, lingering: close */
        conn_free(c);
    }
}

void conn_start(struct http_loop *loop, evutil_socket_t fd, const char *ip, int exempt)
{
    conn_start_tls(loop, fd, ip, exempt, NULL);
}

void conn_start_tls(struct http_loop *loop, evutil_socket_t fd, const char *ip, int exempt,
                    SSL_CTX *tls)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        evutil_closesocket(fd);
        conn_release(ip, exempt);
        return;
    }
    copy_str(c->ip, sizeof c->ip, ip);
    c->exempt = exempt;
    c->loop = loop;
    c->next = loop->conns;
    if (c->next)
        c->next->prev = c;
    loop->conns = c;
    c->body_done = 1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!tls) {
        c->bev = bufferevent_socket_new(loop->base, fd, BEV_OPT_CLOSE_ON_FREE);
    } else {
        SSL *ssl = SSL_new(tls);
        c->tls = 1;
        /* ssl is freed with the bufferevent (BEV_OPT_CLOSE_ON_FREE). */
        c->bev = ssl ? bufferevent_openssl_socket_new(loop->base, fd, ssl,
                                                      BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE)
                     : NULL;
        /* A client closing without close_notify is an ordinary end (the
         * answer was complete by its length). */
        if (c->bev)
            bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    }
    c->timer = evtimer_new(loop->base, on_timer, c);
    if (!c->bev || !c->timer) {
        if (!c->bev)
            evutil_closesocket(fd);
        conn_free(c);
        return;
    }
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, HTTP_READ_WINDOW);
    struct timeval wt = {.tv_sec = http_limits.write_ms / 1000,
                         .tv_usec = (http_limits.write_ms % 1000) * 1000};
    bufferevent_set_timeouts(c->bev, NULL, &wt);
    c->state = S_HEAD;
    arm(c, http_limits.head_ms);
    bufferevent_enable(c->bev, EV_READ);
}

void conn_close_all(struct http_loop *loop)
{
    struct conn *c = loop->conns, *next;
    for (; c; c = next) {
        next = c->next;
        if (c->req && c->state == S_HANDLING)
            continue;
        if (c->req) {
            struct req *r = c->req;
            c->req = NULL;
            http_request_abort(r);
        }
        conn_free(c);
    }
}

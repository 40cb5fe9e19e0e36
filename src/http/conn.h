/* conn: one client connection on a loop thread. It reads request heads and
 * bodies within limits and deadlines, hands each request to http.c, writes
 * the answer, then keeps the connection for the next request or closes it.
 *
 * Memory is bounded: the input buffer of a connection never holds more
 * than HTTP_READ_WINDOW bytes (libevent stops reading beyond it), request
 * bodies held in memory are charged to one budget shared by all loops, and
 * uploads go to their sink (a temporary file) as they arrive. Time is
 * bounded too: a head must arrive whole within head_ms of its first byte
 * (or of the connect), a body within body_ms plus its size at
 * body_min_rate; trickling one byte at a time does not extend either. */
#ifndef MOTCUA_HTTP_CONN_H
#define MOTCUA_HTTP_CONN_H

#include <event2/util.h>
#include <openssl/types.h>
#include <stddef.h>
#include <stdint.h>

struct conn;
struct evbuffer;
struct http_loop;
struct req;

/* Bytes libevent may buffer from one connection before we consume them. */
#define HTTP_READ_WINDOW (32 * 1024)

struct http_limits {
    int max_connections;  /* client connections open at once, in total */
    int max_per_ip;       /* per client address (the trusted proxy is exempt) */
    size_t max_head;      /* request line and header fields, bytes */
    size_t memory_budget; /* request bodies held in memory, all connections */
    int idle_ms;          /* keep-alive: waiting for the next request */
    int head_ms;          /* a whole request head */
    int body_ms;          /* a body: this, plus its size at body_min_rate */
    int body_min_rate;    /* bytes per second */
    int write_ms;         /* an answer that makes no progress */
    int linger_ms;        /* reading what a client still sends after a refusal */
};

/* The limits in force; set before serving and not changed after. */
extern struct http_limits http_limits;

/* Counts a new connection from ip. Returns 0 if it may be served (then
 * conn_start or conn_release must follow), or -1 when the total or the
 * address's limit is reached (exempt: no per-address limit). */
int conn_admit(const char *ip, int exempt);
/* Gives back what conn_admit counted, for a connection never started. */
void conn_release(const char *ip, int exempt);

/* Serves the admitted connection fd from ip on loop. Takes the fd. */
void conn_start(struct http_loop *loop, evutil_socket_t fd, const char *ip, int exempt);

/* The same on the node listener (docs/exchange.md "Transport"): TLS with
 * tls (the server's side; a client certificate required), the client's
 * certificate then given to handlers by conn_peer_cert. tls NULL: plain,
 * as conn_start. */
void conn_start_tls(struct http_loop *loop, evutil_socket_t fd, const char *ip, int exempt,
                    SSL_CTX *tls);

/* After the loop stopped: closes its connections, but those whose request
 * a handler still holds (their work may still complete). */
void conn_close_all(struct http_loop *loop);

/* Open client connections now (for metrics). */
int conn_count(void);
/* Bytes of request bodies held in memory now (for metrics). */
size_t conn_memory_in_use(void);

/* --- used by http.c for the request being handled -------------------- */

/* Reads the request's body into memory (r->body, r->body_len), at most
 * max bytes, then calls done(r). A body over max is answered 413, and one
 * that would overrun the memory budget 503, without calling done. */
void conn_read_body(struct req *r, size_t max, void (*done)(struct req *r));

/* Passes the request's body to sink as it arrives (sink returns 0, or -1
 * after answering the request itself to stop), at most max bytes (413
 * beyond), then calls done(r). */
void conn_stream_body(struct req *r, size_t max,
                      int (*sink)(struct req *r, const unsigned char *data, size_t len),
                      void (*done)(struct req *r));

/* The client certificate of the request's connection (DER, borrowed: valid
 * while the request lives) and its length, or NULL on the plain listener. */
const unsigned char *conn_peer_cert(const struct req *r, size_t *len);

/* Whether the request still has body bytes the server has not read. */
int conn_body_pending(const struct req *r);

/* Whether the connection stays open after the answer to r (the client
 * allows it and the body was read). */
int conn_keeps_alive(const struct req *r);

/* Queues the whole answer (status line, fields, body) and ends the
 * request on the connection; the connection closes after it when close_after
 * is set or the request's body was not read. Takes resp's contents. */
void conn_send(struct req *r, struct evbuffer *resp, int close_after);

#endif

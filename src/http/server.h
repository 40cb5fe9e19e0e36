/* server: the HTTP front. One libevent loop per thread, each with its own
 * listening socket on the same port (SO_REUSEPORT: the kernel spreads the
 * connections) and its own read-only database connection. */
#ifndef MOTCUA_SERVER_H
#define MOTCUA_SERVER_H

struct app;

/* Serves until SIGINT or SIGTERM, then stops accepting, lets requests in
 * flight finish (a few seconds at most) and returns 0. listen is
 * "HOST:PORT". node_listen, when not NULL ("HOST:PORT" or "PORT" on
 * listen's host), opens the node listener besides: mutual TLS with this
 * node's identity, the node endpoints only (docs/exchange.md "Transport").
 * Returns -1 with a message on stderr if it cannot start. */
int server_run(struct app *app, const char *listen, const char *node_listen, int nloops);

#endif

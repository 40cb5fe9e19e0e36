/* server: the HTTP front. One libevent loop per thread, each with its own
 * listening socket on the same port (SO_REUSEPORT: the kernel spreads the
 * connections) and its own read-only database connection. */
#ifndef MOTCUA_SERVER_H
#define MOTCUA_SERVER_H

struct app;

/* Serves until SIGINT or SIGTERM, then stops accepting, lets requests in
 * flight finish (a few seconds at most) and returns 0. listen is
 * "HOST:PORT". Returns -1 with a message on stderr if it cannot start. */
int server_run(struct app *app, const char *listen, int nloops);

#endif

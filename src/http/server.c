/* server: loop threads, listening sockets, graceful stop. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app.h"
#include "base/log.h"
#include "base/util.h"
#include "http/http.h"
#include "store/store.h"

#define MAX_LOOPS 32
/* Above the API's own limits (64 KiB JSON, 10 MiB upload) so that those are
 * answered with a JSON error; beyond this libevent refuses the body itself. */
#define HARD_BODY_LIMIT (16 * 1024 * 1024)

struct loop_thread {
    struct http_loop loop;
    pthread_t thread;
    evutil_socket_t fd;
    struct evhttp_bound_socket *bound;
};

static int split_listen(const char *listen, char *host, size_t hostcap, char *port, size_t portcap)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || !colon[1])
        return -1;
    size_t hl = (size_t)(colon - listen);
    if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']') { /* [::1]:8080 */
        listen++;
        hl -= 2;
    }
    if (hl >= hostcap || strlen(colon + 1) >= portcap)
        return -1;
    memcpy(host, listen, hl);
    host[hl] = '\0';
    snprintf(port, portcap, "%s", colon + 1);
    return 0;
}

static evutil_socket_t open_listener(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        log_error("cannot resolve %s:%s: %s", host, port, gai_strerror(rc));
        return -1;
    }
    evutil_socket_t fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0)
            break;
        log_error("cannot listen on %s:%s: %s", host, port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static void *loop_main(void *arg)
{
    struct loop_thread *t = arg;
    event_base_dispatch(t->loop.base);
    return NULL;
}

static int setup_loop(struct loop_thread *t, struct app *app, int index, evutil_socket_t listener)
{
    char err[512];
    t->loop.app = app;
    t->loop.index = index;
    t->fd = dup(listener);
    if (t->fd < 0)
        return -1;
    if (store_open(app->db_path, 1, &t->loop.db, err, sizeof err)) {
        log_error("%s", err);
        return -1;
    }
    /* The changelist folds the add/del of a connection's events into one
     * epoll_ctl per loop pass: about half the system calls per request. Each
     * loop has its own dup of the listener, so no fd is shared in a base. */
    struct event_config *cfg = event_config_new();
    if (cfg) {
        event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        t->loop.base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    t->loop.http = t->loop.base ? evhttp_new(t->loop.base) : NULL;
    if (!t->loop.http)
        return -1;
    evhttp_set_max_headers_size(t->loop.http, 16 * 1024);
    evhttp_set_max_body_size(t->loop.http, HARD_BODY_LIMIT);
    evhttp_set_timeout(t->loop.http, 60);
    evhttp_set_allowed_methods(t->loop.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                                 EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
                                                 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(t->loop.http, http_dispatch, &t->loop);
    t->bound = evhttp_accept_socket_with_handle(t->loop.http, t->fd);
    if (!t->bound)
        return -1;
    t->fd = -1; /* evhttp owns and closes it now */
    return 0;
}

/* Runs on the loop's own thread: stop taking new connections. */
static void stop_accepting(evutil_socket_t fd, short what, void *arg)
{
    struct loop_thread *t = arg;
    if (t->bound)
        evhttp_del_accept_socket(t->loop.http, t->bound);
    t->bound = NULL;
}

static void free_loop(struct loop_thread *t)
{
    if (t->loop.http)
        evhttp_free(t->loop.http);
    if (t->loop.base)
        event_base_free(t->loop.base);
    store_close(t->loop.db);
}

int server_run(struct app *app, const char *listen_addr, int nloops)
{
    char host[256], port[16];
    if (split_listen(listen_addr, host, sizeof host, port, sizeof port)) {
        log_error("--listen must be HOST:PORT, got '%s'", listen_addr);
        return -1;
    }
    if (nloops < 1)
        nloops = 1;
    if (nloops > MAX_LOOPS)
        nloops = MAX_LOOPS;
    evthread_use_pthreads();

    /* Signals are taken by sigwait below, never by the loop threads. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct loop_thread *loops = calloc((size_t)nloops, sizeof *loops);
    if (!loops)
        return -1;
    int started = 0, rc = 0;
    for (int i = 0; i < nloops; i++)
        loops[i].fd = -1;
    /* Without SO_REUSEPORT: a second server on the same port fails here
     * instead of silently sharing the connections. */
    evutil_socket_t listener = open_listener(host, port);
    if (listener < 0)
        rc = -1;
    for (int i = 0; rc == 0 && i < nloops; i++) {
        if (setup_loop(&loops[i], app, i, listener)) {
            rc = -1;
            break;
        }
    }
    if (listener >= 0)
        close(listener);
    for (int i = 0; rc == 0 && i < nloops; i++) {
        if (pthread_create(&loops[i].thread, NULL, loop_main, &loops[i])) {
            rc = -1;
            break;
        }
        started++;
    }
    if (rc == 0) {
        log_info("motcua serving on http://%s:%s/ (%d loops)", host, port, nloops);
        printf("motcua: listening on http://%s:%s/\n", host, port);
        fflush(stdout);
        int sig;
        sigwait(&sigs, &sig);
        log_info("signal %d: stopping", sig);
    }
    /* Stop accepting, let requests in flight finish (2 s at most), then
     * stop the loops. */
    struct timeval now_tv = {0, 0};
    for (int i = 0; i < started; i++)
        event_base_once(loops[i].loop.base, -1, EV_TIMEOUT, stop_accepting, &loops[i], &now_tv);
    for (int waited = 0; waited < 200 && atomic_load(&http_active_requests) > 0; waited++)
        usleep(10000);
    for (int i = 0; i < started; i++)
        event_base_loopbreak(loops[i].loop.base);
    for (int i = 0; i < started; i++)
        pthread_join(loops[i].thread, NULL);
    for (int i = 0; i < nloops; i++) {
        free_loop(&loops[i]);
        if (loops[i].fd >= 0)
            close(loops[i].fd);
    }
    free(loops);
    return rc;
}

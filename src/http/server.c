/* server: loop threads, listening sockets, graceful stop. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app.h"
#include "base/log.h"
#include "base/util.h"
#include "exchange/node_tls.h"
#include "http/conn.h"
#include "http/http.h"
#include "store/store.h"

#define MAX_LOOPS 32
/* Accepting pauses this long when descriptors run out. */
#define ACCEPT_PAUSE_MS 100

struct loop_thread {
    struct http_loop loop;
    pthread_t thread;
    evutil_socket_t fd;      /* this loop's dup of the listening socket */
    struct event *accept_ev; /* readable listener */
    struct event *resume_ev; /* accepting again after a pause */
    int reserve_fd;          /* kept open to accept-and-close when out of descriptors */
    struct event *trim_ev;   /* gives freed memory back to the system */
    /* The node listener (mutual TLS, docs/exchange.md "Transport"), if any. */
    evutil_socket_t node_fd;
    struct event *node_accept_ev;
    SSL_CTX *tls; /* shared by the loops */
};

static struct log_limit accept_log, refuse_log;

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

static void resume_accepting(evutil_socket_t fd, short what, void *arg)
{
    struct loop_thread *t = arg;
    if (!atomic_load(&http_stopping)) {
        event_add(t->accept_ev, NULL);
        if (t->node_accept_ev)
            event_add(t->node_accept_ev, NULL);
    }
}

static void pause_accepting(struct loop_thread *t)
{
    struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};
    event_del(t->accept_ev);
    if (t->node_accept_ev)
        event_del(t->node_accept_ev);
    evtimer_add(t->resume_ev, &tv);
}

/* Out of descriptors: the kernel keeps the connection queued and the
 * listener readable, so without this the loop would spin. Free the reserve
 * descriptor, accept one waiting connection and close it at once (the
 * client learns at once instead of waiting), take the reserve back, and
 * pause accepting while descriptors are short. */
static void shed_one(struct loop_thread *t, evutil_socket_t lfd)
{
    if (t->reserve_fd >= 0) {
        close(t->reserve_fd);
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            close(fd);
        t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    pause_accepting(t);
}

static void address_of(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    const void *a = ss->ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                                              : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
    if (!inet_ntop(ss->ss_family, a, out, (socklen_t)cap))
        copy_str(out, cap, "?");
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
    struct loop_thread *t = arg;
    /* A bounded batch per wake-up keeps this loop's other connections served. */
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
                return;
            long held = log_limit_pass(&accept_log, 10);
            if (held >= 0)
                log_error("accept: %s (%ld more like this held back); pausing new connections",
                          strerror(errno), held);
            if (errno == EMFILE || errno == ENFILE)
                shed_one(t, lfd);
            else
                pause_accepting(t);
            return;
        }
        char ip[64];
        address_of(&ss, ip, sizeof ip);
        int exempt = t->loop.app->trusted_proxy[0] && strcmp(ip, t->loop.app->trusted_proxy) == 0;
        if (conn_admit(ip, exempt)) {
            long held = log_limit_pass(&refuse_log, 10);
            if (held >= 0)
                log_warn("refusing a connection from %s: connection limit reached (%d in all, "
                         "%d per address; %ld more refusals held back)",
                         ip, http_limits.max_connections, http_limits.max_per_ip, held);
            close(fd);
            continue;
        }
        conn_start_tls(&t->loop, fd, ip, exempt, lfd == t->node_fd ? t->tls : NULL);
    }
}

/* glibc keeps freed memory in its arenas; after a burst (large bodies,
 * PDFs) give it back so the resident size falls again. */
static void trim_memory(evutil_socket_t fd, short what, void *arg) { malloc_trim(0); }

static int setup_loop(struct loop_thread *t, struct app *app, int index, evutil_socket_t listener,
                      evutil_socket_t node_listener, SSL_CTX *tls)
{
    char err[512];
    t->loop.app = app;
    t->loop.index = index;
    t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    t->fd = dup(listener);
    if (t->fd < 0 || t->reserve_fd < 0)
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
    if (!t->loop.base)
        return -1;
    t->accept_ev = event_new(t->loop.base, t->fd, EV_READ | EV_PERSIST, on_accept, t);
    t->resume_ev = evtimer_new(t->loop.base, resume_accepting, t);
    if (index == 0)
        t->trim_ev = event_new(t->loop.base, -1, EV_PERSIST, trim_memory, NULL);
    if (!t->accept_ev || !t->resume_ev || (index == 0 && !t->trim_ev))
        return -1;
    if (node_listener >= 0) {
        t->tls = tls;
        if ((t->node_fd = dup(node_listener)) < 0 ||
            !(t->node_accept_ev = event_new(t->loop.base, t->node_fd, EV_READ | EV_PERSIST,
                                            on_accept, t)) ||
            event_add(t->node_accept_ev, NULL))
            return -1;
    }
    struct timeval ten = {10, 0};
    if (t->trim_ev)
        event_add(t->trim_ev, &ten);
    return event_add(t->accept_ev, NULL);
}

/* Runs on the loop's own thread: stop taking new connections. */
static void stop_accepting(evutil_socket_t fd, short what, void *arg)
{
    struct loop_thread *t = arg;
    event_del(t->accept_ev);
    event_del(t->resume_ev);
    if (t->node_accept_ev)
        event_del(t->node_accept_ev);
}

static void free_loop(struct loop_thread *t)
{
    /* The TLS bufferevents (the node listener) run their callbacks
     * deferred, each holding a reference until it runs: one still queued
     * when the loop stopped would keep its connection's memory forever.
     * The connections are closed by now (no callback reaches them): run
     * what is queued, once, without waiting. */
    if (t->loop.base && t->tls)
        event_base_loop(t->loop.base, EVLOOP_NONBLOCK);
    if (t->accept_ev)
        event_free(t->accept_ev);
    if (t->resume_ev)
        event_free(t->resume_ev);
    if (t->trim_ev)
        event_free(t->trim_ev);
    if (t->node_accept_ev)
        event_free(t->node_accept_ev);
    if (t->loop.base)
        event_base_free(t->loop.base);
    store_close(t->loop.db);
    if (t->fd >= 0)
        close(t->fd);
    if (t->reserve_fd >= 0)
        close(t->reserve_fd);
    if (t->node_fd >= 0)
        close(t->node_fd);
}

/* Raises the descriptor limit as far as allowed and keeps the connection
 * limit below it, leaving room for the database, uploads in progress
 * (one temporary file each) and the reserve. */
static void fit_connections_to_descriptors(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
        if (want > rl.rlim_cur) {
            struct rlimit nr = {want, rl.rlim_max};
            if (setrlimit(RLIMIT_NOFILE, &nr) == 0)
                rl.rlim_cur = want;
        }
    }
    long fds = rl.rlim_cur == RLIM_INFINITY ? 65536 : (long)rl.rlim_cur;
    long room = fds <= 256 ? (fds - 24) / 2 : (fds - 128) / 2;
    if (room < 4)
        room = 4;
    if (http_limits.max_connections > room) {
        log_warn("descriptor limit %ld: at most %ld connections at once", fds, room);
        http_limits.max_connections = (int)room;
    }
}

int server_run(struct app *app, const char *listen_addr, const char *node_listen, int nloops)
{
    char host[256], port[16], nhost[256] = "", nport[16] = "", why[512];
    if (split_listen(listen_addr, host, sizeof host, port, sizeof port)) {
        log_error("--listen must be HOST:PORT, got '%s'", listen_addr);
        return -1;
    }
    /* The node listener: HOST:PORT, or PORT on --listen's host. */
    if (node_listen && !strchr(node_listen, ':')) {
        copy_str(nhost, sizeof nhost, host);
        copy_str(nport, sizeof nport, node_listen);
    } else if (node_listen && split_listen(node_listen, nhost, sizeof nhost, nport, sizeof nport)) {
        log_error("--node-listen must be HOST:PORT or PORT, got '%s'", node_listen);
        return -1;
    }
    SSL_CTX *tls = NULL;
    if (node_listen && !(tls = node_tls_server_ctx(app->data_dir, why, sizeof why))) {
        log_error("--node-listen: %s", why);
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
    if (!loops) {
        SSL_CTX_free(tls);
        return -1;
    }
    int started = 0, rc = 0;
    for (int i = 0; i < nloops; i++)
        loops[i].fd = loops[i].reserve_fd = loops[i].node_fd = -1;
    fit_connections_to_descriptors();
    /* Without SO_REUSEPORT: a second server on the same port fails here
     * instead of silently sharing the connections. */
    evutil_socket_t listener = open_listener(host, port), node_listener = -1;
    if (listener < 0 || (tls && (node_listener = open_listener(nhost, nport)) < 0))
        rc = -1;
    for (int i = 0; rc == 0 && i < nloops; i++) {
        if (setup_loop(&loops[i], app, i, listener, node_listener, tls)) {
            rc = -1;
            break;
        }
    }
    if (listener >= 0)
        close(listener);
    if (node_listener >= 0)
        close(node_listener);
    for (int i = 0; rc == 0 && i < nloops; i++) {
        if (pthread_create(&loops[i].thread, NULL, loop_main, &loops[i])) {
            rc = -1;
            break;
        }
        started++;
    }
    if (rc == 0) {
        log_info("motcua serving on http://%s:%s/ (%d loops)", host, port, nloops);
        if (tls) {
            log_info("motcua serving the exchange nodes on https://%s:%s/ (mutual TLS)", nhost,
                     nport);
            printf("motcua: node listener on https://%s:%s/\n", nhost, nport);
        }
        printf("motcua: listening on http://%s:%s/\n", host, port);
        fflush(stdout);
        int sig;
        sigwait(&sigs, &sig);
        log_info("signal %d: stopping", sig);
    }
    atomic_store(&http_stopping, 1);
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
        conn_close_all(&loops[i].loop);
        free_loop(&loops[i]);
    }
    free(loops);
    SSL_CTX_free(tls);
    return rc;
}

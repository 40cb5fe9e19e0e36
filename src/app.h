/* app: what the server shares between its threads: configuration, the
 * writer, the worker pool, the calendar and the login rate limiter. Owned by
 * the serve command; read-only after start except through their own locks.
 * Also the one place that wires the domain modules together (the listeners
 * of dossier changes): app sits above every domain module and below http/
 * and cli/. */
#ifndef MOTCUA_APP_H
#define MOTCUA_APP_H

#include <stddef.h>

struct writer;
struct pool;
struct cal;
struct ratelimit;
struct notify_worker;
struct issued_worker;
struct exchange_sender;
struct tsa_config;
struct tsa_server;

struct app {
    char data_dir[1024];
    char db_path[1100];
    char files_dir[1100];
    char base_url[256];  /* public address, for QR codes and links */
    char web_dir[1024];  /* serve pages from here; "" = the embedded copy */
    int secure_cookies;  /* add Secure to cookies (behind TLS) */
    char trusted_proxy[64]; /* a reverse proxy's address: its X-Forwarded-For is believed */
    char metrics_token[128]; /* lets non-loopback clients read /metrics; "" = loopback only */
    struct writer *writer;
    struct pool *pool;
    struct cal *cal;
    struct ratelimit *rl_login;    /* login attempts per login name and address: delays */
    struct ratelimit *rl_ip;       /* failed logins per client address */
    struct ratelimit *rl_register; /* registrations per client address */
    struct ratelimit *rl_lookup;   /* public lookups per client address */
    struct ratelimit *rl_claim;    /* walk-in claim codes tried per account and address */
    struct ratelimit *rl_verify;   /* PDFs uploaded for public verification per address */
    struct ratelimit *rl_exchange; /* envelopes refused by the exchange inbox per address */
    struct notify_worker *notifier; /* delivers the notification outbox */
    struct issued_worker *issuer;   /* signs the outbox of issued documents */
    struct exchange_sender *exchanger; /* sends the exchange outbox to other nodes */
    struct tsa_config *tsa;       /* the TSA that timestamps signatures (--tsa-url); NULL: none */
    struct tsa_server *demo_tsa;  /* the built-in demo TSA at POST /tsa (--demo-tsa); NULL: off */
    struct tsa_server *own_tsa;   /* the data directory's TSA key, in this process (demo CA) */
    /* Where the server's own signatures get their timestamps: the TSA of
     * --tsa-url, else own_tsa, else none (stamp NULL). */
    int (*stamp)(void *ctx, const unsigned char *data, size_t len, unsigned char **token,
                 size_t *token_len);
    void *stamp_ctx;
};

/* Fills the paths from data_dir: DIR/motcua.db, DIR/files. */
int app_set_data_dir(struct app *app, const char *dir);

/* Registers every module's dossier-change listener with the hub
 * (dossier/changes.h), in the order they run: notifications, report
 * counters, payment requests, the outbox of issued documents, the public
 * lookup cache. Call once before
 * any write job runs (serve, and commands or tests that change dossiers);
 * calling it again adds nothing. Not thread-safe. Returns 0 or -1. */
int app_listen_all(void);

/* Offers this node's data-sharing services (exchange/sharing.h):
 * dossier-status and documents-sent. Call once at start, before threads
 * (serve, and the commands that name services); again adds nothing.
 * Returns 0 or -1. */
int app_offer_services(void);

#endif

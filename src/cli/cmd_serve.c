/* cmd_serve: runs the server: the writer thread, the worker pool, the
 * calendar, and the HTTP loops, until SIGINT or SIGTERM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include "app.h"
#include "base/ratelimit.h"
#include "base/log.h"
#include "base/pool.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "cli/cli.h"
#include "dossier/changes.h"
#include "dossier/filestore.h"
#include "node/sender.h"
#include "http/conn.h"
#include "http/server.h"
#include "issued/worker.h"
#include "notify/notify.h"
#include "notify/notify_worker.h"
#include "payment/payment.h"
#include "sign/checkpoint_worker.h"
#include "node/msglog.h"
#include "sign/keys.h"
#include "sign/tsa.h"
#include "sign/tsa_server.h"
#include "store/store.h"
#include "store/writer.h"

static const char usage[] =
    "usage: motcua serve --data DIR [--listen HOST:PORT] [--node-listen [HOST:]PORT]\n"
    "                    [--loops N] [--base-url URL]\n"
    "                    [--web DIR] [--secure-cookies] [--trusted-proxy ADDR] [--quiet]\n"
    "                    [--smtp-url URL] [--smtp-from ADDRESS] [--sms-url URL]\n"
    "                    [--payment-config FILE] [--payment-secret KEY] [--test-gateway]\n"
    "                    [--max-connections N] [--max-per-address N] [--head-timeout S]\n"
    "                    [--body-timeout S] [--idle-timeout S] [--metrics-token TOKEN]\n"
    "                    [--register-limit N] [--lookup-rate N] [--verify-rate N]\n"
    "                    [--exchange-refusals N]\n"
    "                    [--body-memory MIB]\n"
    "                    [--tsa-url URL] [--tsa-trust FILE] [--demo-tsa]\n"
    "                    [--demo-tsa-key FILE --demo-tsa-cert FILE]\n"
    "                    [--checkpoint-every SECONDS] [--checkpoint-entries N]\n"
    "  --listen          address to listen on (default 127.0.0.1:8080)\n"
    "  --node-listen     also listen for other exchange nodes with mutual TLS\n"
    "                    (this node's identity: motcua exchange node --tls-key);\n"
    "                    only the node endpoints there; PORT alone: --listen's host\n"
    "  --loops           event-loop threads (default: number of cores)\n"
    "  --base-url        public address used in QR codes and links\n"
    "                    (default http://LISTEN)\n"
    "  --web             serve web pages from DIR instead of the built-in copy\n"
    "  --secure-cookies  mark cookies Secure (when served behind TLS)\n"
    "  --trusted-proxy   address of the reverse proxy (e.g. 127.0.0.1) whose\n"
    "                    X-Forwarded-For names the client for login limits\n"
    "  --quiet           no access log\n"
    "  --smtp-url        send e-mail notifications through this SMTP server\n"
    "                    (smtp://HOST:PORT or smtps://...; default: e-mail stays queued)\n"
    "  --smtp-from       sender of notifications, ADDRESS or \"Name <ADDRESS>\"\n"
    "                    (default no-reply@localhost)\n"
    "  --sms-url         SMS gateway: POST JSON {to, text} (default: no SMS)\n"
    "  --payment-config  bank account and gateway settings (default: the built-in\n"
    "                    data/payment.json, a demo account)\n"
    "  --payment-secret  the gateway's HMAC key (better: MOTCUA_PAYMENT_SECRET);\n"
    "                    without one, online payment is off\n"
    "  --test-gateway    serve the local test gateway under /test-gateway/ (tests\n"
    "                    and demo only: no money moves)\n"
    "  --max-connections client connections at once (default 4096, and always\n"
    "                    below what the descriptor limit allows)\n"
    "  --max-per-address client connections at once from one address (default 256;\n"
    "                    the --trusted-proxy is not limited)\n"
    "  --head-timeout    seconds a request head may take to arrive (default 10)\n"
    "  --body-timeout    seconds a request body may take, plus one per 8 KiB\n"
    "                    (default 30)\n"
    "  --idle-timeout    seconds a kept-alive connection may wait (default 30)\n"
    "  --body-memory     MiB of request bodies held in memory at once, over all\n"
    "                    connections (default 64; uploads go to disk instead)\n"
    "  --register-limit  new accounts per client address per hour (default 20)\n"
    "  --lookup-rate     public lookups per client address per minute (default\n"
    "                    60, bursts of twice that; a code not found costs 5)\n"
    "  --verify-rate     PDFs the public may upload for verification, per client\n"
    "                    address per minute (default 6, bursts of twice that)\n"
    "  --exchange-refusals  envelopes refused to one client address in 15 minutes\n"
    "                    before its posts to the exchange inbox get 429 (default 100)\n"
    "  --metrics-token   GET /metrics answers other than loopback clients only\n"
    "                    with \"Authorization: Bearer TOKEN\" (better:\n"
    "                    MOTCUA_METRICS_TOKEN)\n"
    "  --tsa-url         Time-Stamping Authority (RFC 3161) that timestamps\n"
    "                    signatures; MOTCUA_TSA_AUTH=user:password for basic auth\n"
    "  --tsa-trust       PEM certificates the TSA's tokens must verify against\n"
    "  --demo-tsa        serve a demo TSA at POST /tsa (demo and tests only: its\n"
    "                    tokens prove nothing to anyone else)\n"
    "  --demo-tsa-key    the demo TSA's key and certificate (PEM); without them a\n"
    "  --demo-tsa-cert   self-signed certificate is made at start\n"
    "  --checkpoint-every  sign an audit checkpoint this often, when there are new\n"
    "                    entries (default 600 seconds; 0: never)\n"
    "  --checkpoint-entries  and whenever this many entries are new (default 1000)\n";

static void tsa_teardown(struct app *app)
{
    if (app->tsa)
        tsa_config_release(app->tsa);
    if (app->demo_tsa != app->own_tsa)
        tsa_server_free(app->demo_tsa);
    tsa_server_free(app->own_tsa);
    app->tsa = NULL;
    app->demo_tsa = app->own_tsa = NULL;
    app->stamp = NULL;
}

/* The TSA client and the demo TSA, as the options say. Returns 0, or 2
 * (bad option) or 1 (cannot start) after saying why; on failure nothing is
 * left to release. */
static int tsa_setup(struct app *app, const char *url, const char *trust, int demo,
                     const char *demo_key, const char *demo_cert)
{
    static struct tsa_config config;
    char err[512], about[512];
    int generated;
    if ((demo_key || demo_cert) && !demo) {
        fprintf(stderr, "motcua serve: --demo-tsa-key and --demo-tsa-cert go with --demo-tsa\n");
        return 2;
    }
    if (trust && !url) {
        fprintf(stderr, "motcua serve: --tsa-trust goes with --tsa-url\n");
        return 2;
    }
    if (url) {
        if (tsa_config_init(&config, url, getenv("MOTCUA_TSA_AUTH"), err, sizeof err)) {
            fprintf(stderr, "motcua serve: --tsa-url: %s\n", err);
            return 2;
        }
        if (trust && tsa_config_trust_file(&config, trust, err, sizeof err)) {
            tsa_config_release(&config);
            fprintf(stderr, "motcua serve: --tsa-trust: %s\n", err);
            return 2;
        }
        app->tsa = &config;
    }
    /* The data directory's own TSA key (the demo CA issues one). */
    struct store *db = NULL;
    int own = 0;
    if (store_open(app->db_path, 1, &db, err, sizeof err) == 0) {
        own = tsa_server_from_keys(db, app->data_dir, &app->own_tsa, err, sizeof err);
        store_close(db);
    }
    if (own < 0)
        log_warn("the data directory's TSA key cannot be used: %s", err);
    if (demo) {
        /* The one place the demo TSA's identity comes from: key files, else
         * the data directory's TSA key, else a self-signed one made now. */
        if (!demo_key && app->own_tsa) {
            app->demo_tsa = app->own_tsa;
            generated = 0;
        } else if (tsa_server_open_demo(demo_key, demo_cert, &app->demo_tsa, &generated, err,
                                        sizeof err)) {
            fprintf(stderr, "motcua serve: demo TSA: %s\n", err);
            tsa_teardown(app);
            return 1;
        }
        tsa_server_describe(app->demo_tsa, about, sizeof about);
        if (generated)
            log_warn("demo TSA at POST /tsa with a self-signed certificate made now (demo only; "
                     "its tokens verify only against this certificate, until the server "
                     "stops): %s",
                     about);
        else
            log_info("demo TSA at POST /tsa: %s", about);
    }
    if (app->tsa) {
        app->stamp = tsa_timestamp_cb;
        app->stamp_ctx = app->tsa;
    } else if (app->own_tsa) {
        app->stamp = tsa_server_timestamp_cb;
        app->stamp_ctx = app->own_tsa;
    }
    return 0;
}


/* Reads an optional numeric option into *out (times scale). Returns 0, or
 * 2 after saying what is wrong. */
static int number_option(const char *value, const char *name, long min, long max,
                              int scale, int *out)
{
    long v;
    if (!value)
        return 0;
    if (parse_long(value, min, max, &v)) {
        fprintf(stderr, "motcua serve: %s must be a whole number from %ld to %ld\n", name, min,
                max);
        return 2;
    }
    *out = (int)(v * scale);
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    const char *data = NULL, *listen = "127.0.0.1:8080", *loops_s = NULL, *base_url = NULL;
    const char *node_listen = NULL;
    const char *web = NULL, *proxy = NULL, *smtp_url = NULL, *smtp_from = NULL, *sms_url = NULL;
    const char *pay_config = NULL, *pay_secret = NULL, *metrics_token = NULL;
    const char *tsa_url = NULL, *tsa_trust = NULL, *demo_tsa_key = NULL, *demo_tsa_cert = NULL;
    const char *max_conn_s = NULL, *max_ip_s = NULL, *head_s = NULL, *body_s = NULL,
               *idle_s = NULL, *register_s = NULL, *lookup_s = NULL, *verify_s = NULL,
               *memory_s = NULL, *ck_every_s = NULL, *ck_entries_s = NULL, *refusals_s = NULL;
    int quiet = 0, secure = 0, test_gateway = 0, register_limit = 20, lookup_rate = 60,
        verify_rate = 6, body_memory_mib = 64, demo_tsa = 0, checkpoint_every = 600,
        checkpoint_entries = 1000, exchange_refusals = 100;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL},
                                   {"--listen", 1, &listen, NULL},
                                   {"--node-listen", 1, &node_listen, NULL},
                                   {"--loops", 1, &loops_s, NULL},
                                   {"--base-url", 1, &base_url, NULL},
                                   {"--web", 1, &web, NULL},
                                   {"--secure-cookies", 0, NULL, &secure},
                                   {"--trusted-proxy", 1, &proxy, NULL},
                                   {"--quiet", 0, NULL, &quiet},
                                   {"--smtp-url", 1, &smtp_url, NULL},
                                   {"--smtp-from", 1, &smtp_from, NULL},
                                   {"--sms-url", 1, &sms_url, NULL},
                                   {"--payment-config", 1, &pay_config, NULL},
                                   {"--payment-secret", 1, &pay_secret, NULL},
                                   {"--test-gateway", 0, NULL, &test_gateway},
                                   {"--max-connections", 1, &max_conn_s, NULL},
                                   {"--max-per-address", 1, &max_ip_s, NULL},
                                   {"--head-timeout", 1, &head_s, NULL},
                                   {"--body-timeout", 1, &body_s, NULL},
                                   {"--idle-timeout", 1, &idle_s, NULL},
                                   {"--metrics-token", 1, &metrics_token, NULL},
                                   {"--register-limit", 1, &register_s, NULL},
                                   {"--lookup-rate", 1, &lookup_s, NULL},
                                   {"--verify-rate", 1, &verify_s, NULL},
                                   {"--exchange-refusals", 1, &refusals_s, NULL},
                                   {"--body-memory", 1, &memory_s, NULL},
                                   {"--tsa-url", 1, &tsa_url, NULL},
                                   {"--tsa-trust", 1, &tsa_trust, NULL},
                                   {"--demo-tsa", 0, NULL, &demo_tsa},
                                   {"--demo-tsa-key", 1, &demo_tsa_key, NULL},
                                   {"--demo-tsa-cert", 1, &demo_tsa_cert, NULL},
                                   {"--checkpoint-every", 1, &ck_every_s, NULL},
                                   {"--checkpoint-entries", 1, &ck_entries_s, NULL},
                                   {0}};
    int rc = cli_parse(argc, argv, opts, usage, NULL, 0, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data) {
        fprintf(stderr, "motcua serve: --data DIR is required\n%s", usage);
        return 2;
    }
    long nloops = sysconf(_SC_NPROCESSORS_ONLN);
    if (loops_s && parse_long(loops_s, 1, 32, &nloops)) {
        fprintf(stderr, "motcua serve: --loops must be 1..32\n");
        return 2;
    }
    if (nloops < 1)
        nloops = 1;
    if (number_option(max_conn_s, "--max-connections", 1, 1000000, 1,
                           &http_limits.max_connections) ||
        number_option(max_ip_s, "--max-per-address", 1, 1000000, 1,
                           &http_limits.max_per_ip) ||
        number_option(head_s, "--head-timeout", 1, 3600, 1000, &http_limits.head_ms) ||
        number_option(body_s, "--body-timeout", 1, 3600, 1000, &http_limits.body_ms) ||
        number_option(idle_s, "--idle-timeout", 1, 3600, 1000, &http_limits.idle_ms) ||
        number_option(register_s, "--register-limit", 1, 1000000, 1, &register_limit) ||
        number_option(lookup_s, "--lookup-rate", 1, 100000000, 1, &lookup_rate) ||
        number_option(verify_s, "--verify-rate", 1, 100000, 1, &verify_rate) ||
        number_option(refusals_s, "--exchange-refusals", 1, 1000000, 1, &exchange_refusals) ||
        number_option(memory_s, "--body-memory", 1, 65536, 1, &body_memory_mib) ||
        number_option(ck_every_s, "--checkpoint-every", 0, 86400 * 7, 1, &checkpoint_every) ||
        number_option(ck_entries_s, "--checkpoint-entries", 1, 100000, 1,
                           &checkpoint_entries))
        return 2;
    http_limits.memory_budget = (size_t)body_memory_mib << 20;
    log_set_quiet(quiet);

    /* Block SIGINT and SIGTERM before any thread starts, so that every
     * thread inherits the mask and only server_run's sigwait takes them: a
     * signal landing on the writer would otherwise end the process without
     * a graceful stop. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    /* One server per data directory: a second one would fight over the
     * writer role. The lock goes away with the process. */
    char lock_path[1100];
    if (cli_check_data_dir("serve", data, CLI_DIR_WRITABLE | CLI_DIR_SPACE))
        return 1;
    snprintf(lock_path, sizeof lock_path, "%s/motcua.lock", data);
    int lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0) {
        fprintf(stderr, "motcua serve: cannot create %s: %s\n", lock_path, strerror(errno));
        return 1;
    }
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "motcua serve: %s is in use by another motcua server\n", data);
        return 1;
    }

    /* Apply pending migrations before any thread opens the database. */
    struct store *db;
    char err[512];
    if (cli_open_data(data, &db))
        return 1;
    /* A server that holds keys it cannot open would accept dossiers and
     * fail at the first signature: refuse to start, naming the file. */
    if (keys_ready(db, data, err, sizeof err)) {
        fprintf(stderr, "motcua serve: cannot start: %s\n", err);
        store_close(db);
        return 1;
    }
    store_close(db);

    struct app app;
    memset(&app, 0, sizeof app);
    app_set_data_dir(&app, data);
    snprintf(app.base_url, sizeof app.base_url, "%s", base_url ? base_url : "");
    if (!base_url)
        snprintf(app.base_url, sizeof app.base_url, "http://%s", listen);
    size_t bl = strlen(app.base_url);
    if (bl && app.base_url[bl - 1] == '/')
        app.base_url[bl - 1] = '\0';
    if (web)
        copy_str(app.web_dir, sizeof app.web_dir, web);
    app.secure_cookies = secure;
    if (!metrics_token)
        metrics_token = getenv("MOTCUA_METRICS_TOKEN");
    if (metrics_token && copy_str(app.metrics_token, sizeof app.metrics_token, metrics_token)) {
        fprintf(stderr, "motcua serve: --metrics-token is too long\n");
        return 2;
    }
    if (!pay_secret)
        pay_secret = getenv("MOTCUA_PAYMENT_SECRET");
    if (payment_configure(pay_config, pay_secret, test_gateway, app.base_url, err, sizeof err)) {
        fprintf(stderr, "motcua serve: %s\n", err);
        return 2;
    }
    if (proxy && copy_str(app.trusted_proxy, sizeof app.trusted_proxy, proxy)) {
        fprintf(stderr, "motcua serve: --trusted-proxy is too long\n");
        return 2;
    }
    if ((rc = tsa_setup(&app, tsa_url, tsa_trust, demo_tsa, demo_tsa_key, demo_tsa_cert)))
        return rc;
    app.cal = cal_new_default();
    /* Failed logins: 5 free per login name and address, then 30 s doubling
     * up to 15 min; 50 per address in 15 min whatever the names. */
    app.rl_login = ratelimit_new_backoff(5, 30, 15 * 60, 24 * 3600);
    app.rl_ip = ratelimit_new(50, 15 * 60);
    app.rl_register = ratelimit_new(register_limit, 3600);
    app.rl_lookup = ratelimit_new_bucket(lookup_rate, 2 * lookup_rate);
    app.rl_verify = ratelimit_new_bucket(verify_rate, 2 * verify_rate);
    /* Claim codes: 5 free tries per account and address, then growing delays. */
    app.rl_claim = ratelimit_new_backoff(5, 30, 15 * 60, 24 * 3600);
    app.rl_exchange = ratelimit_new(exchange_refusals, 15 * 60);
    /* Password hashing may queue 16 per worker it may use; the last worker
     * stays for documents and uploads. */
    int workers = nloops > 2 ? (int)nloops : 2;
    if (!app.cal || !app.rl_login || !app.rl_ip || !app.rl_register || !app.rl_lookup ||
        !app.rl_claim || !app.rl_verify || !app.rl_exchange ||
        pool_start(workers, 16 * (workers - 1), &app.pool)) {
        fprintf(stderr, "motcua serve: cannot start (out of memory?)\n");
        return 1;
    }
    if (app_listen_all() || app_offer_services()) {
        fprintf(stderr, "motcua serve: too many dossier-change listeners or shared services\n");
        return 1;
    }
    filestore_tmp_sweep(app.files_dir); /* uploads cut short by a stop */
    if (writer_start(app.db_path, &app.writer, err, sizeof err)) {
        fprintf(stderr, "motcua serve: %s\n", err);
        return 1;
    }
    /* The listeners' after-commit hooks: the lookup cache's second
     * invalidation, the notification and issuing workers' wake-ups. */
    writer_set_after_commit(app.writer, dossier_changes_after_commit);
    if (notify_serve_start(app.db_path, app.base_url, smtp_url, smtp_from, sms_url,
                           &app.notifier, err, sizeof err)) {
        fprintf(stderr, "motcua serve: %s\n", err);
        writer_stop(app.writer);
        return 1;
    }
    struct issued_env ienv = {.data_dir = app.data_dir, .files_dir = app.files_dir,
                              .base_url = app.base_url, .stamp = app.stamp,
                              .stamp_ctx = app.stamp_ctx};
    if (issued_worker_start(app.db_path, &ienv, &app.issuer, err, sizeof err)) {
        fprintf(stderr, "motcua serve: %s\n", err);
        notify_worker_stop(app.notifier);
        writer_stop(app.writer);
        return 1;
    }
    if (exchange_sender_start(app.db_path, app.data_dir, app.files_dir, &app.exchanger, err,
                              sizeof err)) {
        fprintf(stderr, "motcua serve: %s\n", err);
        issued_worker_stop(app.issuer);
        notify_worker_stop(app.notifier);
        writer_stop(app.writer);
        return 1;
    }
    struct checkpoint_worker *checkpoints = NULL;
    if (checkpoint_every > 0) {
        struct checkpoint_worker_config cc = {.db_path = app.db_path,
                                              .data_dir = app.data_dir,
                                              .entries_max = checkpoint_entries,
                                              .interval = checkpoint_every,
                                              .timestamp = app.stamp,
                                              .timestamp_ctx = app.stamp_ctx};
        if (checkpoint_worker_start(&cc, &checkpoints, err, sizeof err))
            log_error("audit checkpoints off: %s", err);
    }
    /* The exchange log: timestamps on logged envelopes, the daily purge. */
    struct msglog_worker *msglog = NULL;
    struct msglog_worker_config mc = {.db_path = app.db_path, .files_dir = app.files_dir,
                                      .stamp = app.stamp, .stamp_ctx = app.stamp_ctx, .tick = 2};
    if (msglog_worker_start(&mc, &msglog, err, sizeof err))
        log_error("exchange log timestamps and purge off: %s", err);
    rc = server_run(&app, listen, node_listen, (int)nloops);
    msglog_worker_stop(msglog);
    checkpoint_worker_stop(checkpoints);
    exchange_sender_stop(app.exchanger);
    issued_worker_stop(app.issuer);
    notify_worker_stop(app.notifier);
    pool_stop(app.pool);
    writer_stop(app.writer);
    cal_free(app.cal);
    ratelimit_free(app.rl_login);
    ratelimit_free(app.rl_ip);
    ratelimit_free(app.rl_register);
    ratelimit_free(app.rl_lookup);
    ratelimit_free(app.rl_claim);
    ratelimit_free(app.rl_verify);
    ratelimit_free(app.rl_exchange);
    tsa_teardown(&app);
    return rc ? 1 : 0;
}

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
#include "auth/ratelimit.h"
#include "base/log.h"
#include "base/pool.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "cli/cli.h"
#include "dossier/changes.h"
#include "http/server.h"
#include "notify/notify.h"
#include "notify/notify_worker.h"
#include "payment/payment.h"
#include "store/store.h"
#include "store/writer.h"

static const char usage[] =
    "usage: motcua serve --data DIR [--listen HOST:PORT] [--loops N] [--base-url URL]\n"
    "                    [--web DIR] [--secure-cookies] [--trusted-proxy ADDR] [--quiet]\n"
    "                    [--smtp-url URL] [--smtp-from ADDRESS] [--sms-url URL]\n"
    "                    [--payment-config FILE] [--payment-secret KEY] [--test-gateway]\n"
    "  --listen          address to listen on (default 127.0.0.1:8080)\n"
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
    "                    and demo only: no money moves)\n";

int cmd_serve(int argc, char **argv)
{
    const char *data = NULL, *listen = "127.0.0.1:8080", *loops_s = NULL, *base_url = NULL;
    const char *web = NULL, *proxy = NULL, *smtp_url = NULL, *smtp_from = NULL, *sms_url = NULL;
    const char *pay_config = NULL, *pay_secret = NULL;
    int quiet = 0, secure = 0, test_gateway = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL},
                                   {"--listen", 1, &listen, NULL},
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
    if (cli_open_data(data, &db))
        return 1;
    store_close(db);

    struct app app;
    memset(&app, 0, sizeof app);
    char err[512];
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
    app.cal = cal_new_default();
    app.rl = ratelimit_new(5, 15 * 60);
    app.rl_ip = ratelimit_new(50, 15 * 60);
    if (!app.cal || !app.rl || !app.rl_ip || pool_start(2, &app.pool)) {
        fprintf(stderr, "motcua serve: cannot start (out of memory?)\n");
        return 1;
    }
    if (app_listen_all()) {
        fprintf(stderr, "motcua serve: too many dossier-change listeners\n");
        return 1;
    }
    if (writer_start(app.db_path, &app.writer, err, sizeof err)) {
        fprintf(stderr, "motcua serve: %s\n", err);
        return 1;
    }
    /* The listeners' after-commit hooks: the lookup cache's second
     * invalidation, the notification worker's wake-up. */
    writer_set_after_commit(app.writer, dossier_changes_after_commit);
    if (notify_serve_start(app.db_path, app.base_url, smtp_url, smtp_from, sms_url,
                           &app.notifier, err, sizeof err)) {
        fprintf(stderr, "motcua serve: %s\n", err);
        writer_stop(app.writer);
        return 1;
    }
    rc = server_run(&app, listen, (int)nloops);
    notify_worker_stop(app.notifier);
    pool_stop(app.pool);
    writer_stop(app.writer);
    cal_free(app.cal);
    ratelimit_free(app.rl);
    ratelimit_free(app.rl_ip);
    return rc ? 1 : 0;
}

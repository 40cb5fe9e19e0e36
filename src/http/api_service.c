/* api_service: health check and Prometheus metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "app.h"
#include "base/dynbuf.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
#include "http/conn.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/router.h"
#include "store/store.h"
#include "store/writer.h"

static void healthz(struct req *r)
{
    if (store_ping(r->db) != 0) {
        reply_error(r, 503, "unhealthy", "Cơ sở dữ liệu không phản hồi", NULL);
        return;
    }
    reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* The whole page stays far below this (a few lines per route). */
#define METRICS_MAX (1024 * 1024)

/* /metrics tells about the server's load and traffic: loopback clients
 * (the local Prometheus) may read it; others only with the configured
 * token. Elsewhere the page does not exist (404). */
static int metrics_allowed_or_reply(struct req *r)
{
    const char *auth = req_header(r, "Authorization");
    const char *token = r->app->metrics_token;
    size_t n = strlen(token);
    if (req_from_loopback(r) || (n && auth && strncmp(auth, "Bearer ", 7) == 0 &&
                                 strlen(auth + 7) == n && CRYPTO_memcmp(auth + 7, token, n) == 0))
        return 0;
    reply_not_found(r);
    return -1;
}

static void metrics(struct req *r)
{
    if (metrics_allowed_or_reply(r))
        return;
    struct dynbuf out;
    struct writer_stats ws;
    int64_t counts[STATUS_MAX + 1];
    dynbuf_init(&out, METRICS_MAX);
    metrics_render_requests(&out);
    writer_get_stats(r->app->writer, &ws);
    dynbuf_addf(&out,
                "# HELP motcua_writer_jobs_total Write jobs run by the writer.\n"
                "# TYPE motcua_writer_jobs_total counter\n"
                "motcua_writer_jobs_total %llu\n"
                "# HELP motcua_writer_batches_total Transactions committed (group commit).\n"
                "# TYPE motcua_writer_batches_total counter\n"
                "motcua_writer_batches_total %llu\n"
                "# HELP motcua_http_connections Client connections open now.\n"
                "# TYPE motcua_http_connections gauge\n"
                "motcua_http_connections %d\n"
                "# HELP motcua_http_body_memory_bytes Request bodies held in memory now.\n"
                "# TYPE motcua_http_body_memory_bytes gauge\n"
                "motcua_http_body_memory_bytes %zu\n"
                "# HELP motcua_dossiers Dossiers by national status code (0 = draft).\n"
                "# TYPE motcua_dossiers gauge\n",
                (unsigned long long)ws.jobs, (unsigned long long)ws.batches, conn_count(),
                conn_memory_in_use());
    if (dossier_count_by_status(r->db, counts) == 0) {
        for (int status = STATUS_DRAFT; status <= STATUS_MAX; status++)
            if (counts[status])
                dynbuf_addf(&out, "motcua_dossiers{status=\"%d\"} %lld\n", status,
                            (long long)counts[status]);
    }
    size_t len;
    char *text = dynbuf_take(&out, &len);
    if (!text) {
        reply_internal(r, "metrics too large");
        return;
    }
    reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}

const struct route api_service_routes[] = {
    {"GET", "/healthz", healthz, 0},
    {"GET", "/metrics", metrics, 0},
    {NULL, NULL, NULL, 0},
};

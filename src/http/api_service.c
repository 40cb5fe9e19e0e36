/* api_service: health check and Prometheus metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "app.h"
#include "http/conn.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/router.h"
#include "store/store.h"
#include "store/writer.h"

static void healthz(struct req *r)
{
    int64_t one = 0;
    if (store_query_int(r->db, "SELECT 1", NULL, &one) != STORE_ROW || one != 1) {
        reply_error(r, 503, "unhealthy", "Cơ sở dữ liệu không phản hồi", NULL);
        return;
    }
    reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* /metrics tells about the server's load and traffic: loopback clients
 * (the local Prometheus) may read it; others only with the configured
 * token. Elsewhere the page does not exist (404). */
static int metrics_allowed_or_reply(struct req *r)
{
    const char *auth = req_header(r, "Authorization");
    const char *token = r->app->metrics_token;
    if (req_from_loopback(r) ||
        (token[0] && auth && strncmp(auth, "Bearer ", 7) == 0 && strlen(auth + 7) == strlen(token) &&
         CRYPTO_memcmp(auth + 7, token, strlen(token)) == 0))
        return 0;
    reply_not_found(r);
    return -1;
}

static void metrics(struct req *r)
{
    if (metrics_allowed_or_reply(r))
        return;
    char *reqs = metrics_render_requests();
    size_t cap = (reqs ? strlen(reqs) : 0) + 4096;
    char *out = malloc(cap);
    if (!out) {
        free(reqs);
        reply_internal(r, "out of memory");
        return;
    }
    size_t len = (size_t)snprintf(out, cap, "%s", reqs ? reqs : "");
    free(reqs);

    struct writer_stats ws;
    writer_get_stats(r->app->writer, &ws);
    len += (size_t)snprintf(out + len, cap - len,
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
                            (unsigned long long)ws.jobs, (unsigned long long)ws.batches,
                            conn_count(), conn_memory_in_use());
    struct store_stmt *st;
    if (store_prepare(r->db,
                      "SELECT coalesce(status_code, 0), count(*) FROM dossiers GROUP BY 1"
                      " ORDER BY 1",
                      &st) == 0) {
        while (store_step(st) == STORE_ROW && len < cap - 100)
            len += (size_t)snprintf(out + len, cap - len, "motcua_dossiers{status=\"%lld\"} %lld\n",
                                    (long long)store_col_int(st, 0),
                                    (long long)store_col_int(st, 1));
        store_done(st);
    }
    reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", out, len);
    free(out);
}

const struct route api_service_routes[] = {
    {"GET", "/healthz", healthz, 0},
    {"GET", "/metrics", metrics, 0},
    {NULL, NULL, NULL, 0},
};

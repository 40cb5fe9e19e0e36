/* api_service: health check and Prometheus metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "base/dynbuf.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
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

static void metrics(struct req *r)
{
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
                "# HELP motcua_dossiers Dossiers by national status code (0 = draft).\n"
                "# TYPE motcua_dossiers gauge\n",
                (unsigned long long)ws.jobs, (unsigned long long)ws.batches);
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

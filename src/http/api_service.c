/* api_service: health check and Prometheus metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "dossier/dossier.h"
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

static void metrics(struct req *r)
{
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
                            "# HELP motcua_dossiers Dossiers by national status code (0 = draft).\n"
                            "# TYPE motcua_dossiers gauge\n",
                            (unsigned long long)ws.jobs, (unsigned long long)ws.batches);
    int64_t counts[11];
    if (dossier_count_by_status(r->db, counts) == 0) {
        for (int status = 0; status <= 10; status++)
            if (counts[status])
                len += (size_t)snprintf(out + len, cap - len,
                                        "motcua_dossiers{status=\"%d\"} %lld\n", status,
                                        (long long)counts[status]);
    }
    reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", out, len);
    free(out);
}

const struct route api_service_routes[] = {
    {"GET", "/healthz", healthz, 0},
    {"GET", "/metrics", metrics, 0},
    {NULL, NULL, NULL, 0},
};

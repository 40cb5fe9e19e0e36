/* metrics: fixed arrays of atomic counters, no locks on the request path. */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"
#include "http/router.h"

/* More than the routes there are (router_count(); `motcua routes`): a route
 * beyond it would be counted as "static". The service test checks every
 * route is counted under its own pattern. */
#define MAX_ROUTES 512
#define CLASSES 5 /* 1xx..5xx */

static const double bucket_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (sizeof bucket_le / sizeof bucket_le[0])

static _Atomic uint64_t requests[MAX_ROUTES + 1][CLASSES];
static _Atomic uint64_t buckets[NBUCKETS];
static _Atomic uint64_t count, sum_usec;
static _Atomic uint64_t restamps;

void metrics_document_restamp(void) { atomic_fetch_add_explicit(&restamps, 1, memory_order_relaxed); }

void metrics_record(int route_index, int status, int64_t usec)
{
    int slot = route_index >= 0 && route_index < MAX_ROUTES ? route_index : MAX_ROUTES;
    int cls = status / 100 - 1;
    if (cls < 0 || cls >= CLASSES)
        cls = CLASSES - 1;
    atomic_fetch_add_explicit(&requests[slot][cls], 1, memory_order_relaxed);
    double s = (double)usec / 1e6;
    for (size_t i = 0; i < NBUCKETS; i++)
        if (s <= bucket_le[i])
            atomic_fetch_add_explicit(&buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_usec, (uint64_t)(usec > 0 ? usec : 0), memory_order_relaxed);
}

struct route_ctx {
    struct dynbuf *o;
    int i;
};

static void route_line(const struct route *rt, void *arg)
{
    struct route_ctx *c = arg;
    for (int k = 0; k < CLASSES && c->i < MAX_ROUTES; k++) {
        uint64_t v = atomic_load_explicit(&requests[c->i][k], memory_order_relaxed);
        if (v)
            dynbuf_addf(c->o, "motcua_http_requests_total{method=\"%s\",route=\"%s\",code=\"%dxx\"} %llu\n",
                rt->method, rt->pattern, k + 1, (unsigned long long)v);
    }
    c->i++;
}

int metrics_render_requests(struct dynbuf *o)
{
    dynbuf_adds(o, "# HELP motcua_http_requests_total HTTP requests by route and status class.\n"
            "# TYPE motcua_http_requests_total counter\n");
    struct route_ctx c = {o, 0};
    router_each(route_line, &c);
    for (int k = 0; k < CLASSES; k++) {
        uint64_t v = atomic_load_explicit(&requests[MAX_ROUTES][k], memory_order_relaxed);
        if (v)
            dynbuf_addf(o, "motcua_http_requests_total{method=\"\",route=\"static\",code=\"%dxx\"} %llu\n",
                k + 1, (unsigned long long)v);
    }
    dynbuf_addf(o, "# HELP motcua_http_request_duration_seconds Time to answer a request.\n"
            "# TYPE motcua_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < NBUCKETS; i++)
        dynbuf_addf(o, "motcua_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bucket_le[i],
            (unsigned long long)atomic_load(&buckets[i]));
    uint64_t n = atomic_load(&count);
    dynbuf_addf(o, "motcua_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
        (unsigned long long)n);
    dynbuf_addf(o, "motcua_http_request_duration_seconds_sum %.6f\n",
        (double)atomic_load(&sum_usec) / 1e6);
    dynbuf_addf(o, "motcua_http_request_duration_seconds_count %llu\n", (unsigned long long)n);
    dynbuf_addf(o, "# HELP motcua_document_restamps_total Issues stamped and sealed again because"
            " another took their number.\n# TYPE motcua_document_restamps_total counter\n"
            "motcua_document_restamps_total %llu\n", (unsigned long long)atomic_load(&restamps));
    return dynbuf_failed(o) ? -1 : 0;
}

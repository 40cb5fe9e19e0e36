/* metrics: request counters and latency histograms, kept with atomics and
 * printed in the Prometheus text format by GET /metrics. */
#ifndef MOTCUA_METRICS_H
#define MOTCUA_METRICS_H

#include <stdint.h>


/* Records one finished request. route_index is router_index() or -1 for
 * static files and unmatched paths. */
void metrics_record(int route_index, int status, int64_t usec);

/* Appends the request metrics to out (malloc'd string, caller frees). */
char *metrics_render_requests(void);

#endif

/* metrics: request counters and latency histograms, kept with atomics and
 * printed in the Prometheus text format by GET /metrics. */
#ifndef MOTCUA_METRICS_H
#define MOTCUA_METRICS_H

#include <stdint.h>

struct dynbuf;
/* Records one finished request. route_index is router_index() or -1 for
 * static files and unmatched paths. */
void metrics_record(int route_index, int status, int64_t usec);

/* Counts an official document's issue stamped and sealed again because
 * another issue took its number meanwhile (http/lane.h keeps it at 0 on one
 * server). */
void metrics_document_restamp(void);

/* Appends the request metrics to out. Returns 0, or -1 if out is full
 * (or was already failed). */
int metrics_render_requests(struct dynbuf *out);

#endif

/* api_report: the reports' routes (api_report_routes in router.h), and the
 * drill-down filters other handlers accept to list the dossiers behind a
 * figure. */
#ifndef MOTCUA_API_REPORT_H
#define MOTCUA_API_REPORT_H

#include "catalog/unit.h"
#include "dossier/queue.h"

struct req;

/* Reads the optional query parameters unit (a unit code: received by it or
 * below), from and to (YYYY-MM-DD, local days, inclusive), result (early,
 * on_time, late) and channel (online, desk, post) into f. unit_buf holds
 * the unit f->unit_path points into. On a bad value replies 400 naming the
 * parameter and returns -1. */
int report_drill_filter_or_reply(struct req *r, struct queue_filter *f, struct unit *unit_buf);

#endif

/* router: the table of API routes. Each api_*.c file exports its part of the
 * table; router.c joins them. Patterns use {name} for one path segment. The
 * same table prints as `motcua routes`, which the OpenAPI test compares
 * with docs/openapi.yaml. */
#ifndef MOTCUA_ROUTER_H
#define MOTCUA_ROUTER_H

#include <stddef.h>

struct req;

enum {
    ROUTE_AUTH = 1,  /* a logged-in account is required (401 otherwise) */
    ROUTE_CSRF = 2,  /* X-CSRF-Token must match the session's token (403) */
    ROUTE_STAFF = 4, /* the account must be staff (answers 404 otherwise) */
    ROUTE_UPLOAD = 8, /* the handler runs once the head is in and streams the
                         body itself (http/upload.h), or reads it under its own
                         limit (conn_read_body: api_tsa.c); others get it in
                         memory */
};
/* The usual sets: any logged-in account (a citizen's routes), an officer. */
#define ROUTE_USER (ROUTE_AUTH | ROUTE_CSRF)
#define ROUTE_OFFICER (ROUTE_AUTH | ROUTE_CSRF | ROUTE_STAFF)

struct route {
    const char *method;
    const char *pattern;
    void (*handler)(struct req *r);
    unsigned flags;
};

/* Each area's table ends with a {NULL} entry. */
extern const struct route api_service_routes[];
extern const struct route api_auth_routes[];
extern const struct route api_catalog_routes[];
extern const struct route api_dossier_routes[];
extern const struct route api_staff_routes[];
extern const struct route api_feedback_routes[];
extern const struct route api_report_routes[];
extern const struct route api_payment_routes[];
extern const struct route api_results_routes[];
extern const struct route api_tsa_routes[];
extern const struct route api_verify_routes[];
extern const struct route api_copies_routes[];
extern const struct route api_documents_routes[];
extern const struct route api_incoming_routes[];
extern const struct route api_registers_routes[];
extern const struct route api_incoming_paper_routes[];
extern const struct route api_documents_batch_routes[];
extern const struct route api_records_routes[];
extern const struct route api_exchange_routes[];
extern const struct route api_exchange_log_routes[];
extern const struct route api_sharing_routes[];
extern const struct route api_lgsp_routes[];

/* Finds the route for method and path; fills r's params. Returns NULL if no
 * pattern matches; sets *method_mismatch when a pattern matched the path
 * with another method (405). */
const struct route *router_match(struct req *r, const char *method, const char *path,
                                 int *method_mismatch);

/* The methods routes accept for path, e.g. "GET, POST" (for Allow). */
void router_allowed_methods(const char *path, char *out, size_t cap);

/* Calls fn for every route, in table order. */
void router_each(void (*fn)(const struct route *rt, void *arg), void *arg);

/* A small, stable index per route, for metrics. */
int router_index(const struct route *rt);
int router_count(void);

#endif

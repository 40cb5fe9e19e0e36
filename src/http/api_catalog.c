/* api_catalog: public reads of procedures and units. */
#include <string.h>

#include "catalog/procedure.h"
#include "catalog/unit.h"
#include "http/http.h"
#include "http/router.h"

/* Reads limit and offset (defaults 20 and 0, limit at most 200). */
static int paging_or_reply(struct req *r, long *limit, long *offset)
{
    const char *l = req_query(r, "limit"), *o = req_query(r, "offset");
    *limit = 20;
    *offset = 0;
    if (l && req_long_or_reply(r, l, "limit", 1, 200, 0, limit))
        return -1;
    if (o && req_long_or_reply(r, o, "offset", 0, 1000000, 0, offset))
        return -1;
    return 0;
}

/* Query strings are bounded so that folding and LIKE patterns stay small. */
static int short_query_or_reply(struct req *r, const char *name, const char **out)
{
    *out = req_query(r, name);
    if (*out && strlen(*out) > 200) {
        reply_error(r, 400, "bad_parameter", "Tham số quá dài (tối đa 200 ký tự)", name);
        return -1;
    }
    return 0;
}

static void procedures_search(struct req *r)
{
    long limit, offset;
    const char *q, *field;
    if (paging_or_reply(r, &limit, &offset) || short_query_or_reply(r, "q", &q) ||
        short_query_or_reply(r, "field", &field))
        return;
    json_t *o = procedure_search_json(r->db, q, field && *field ? field : NULL, (int)limit,
                                      (int)offset);
    if (!o) {
        reply_internal(r, "procedure search failed");
        return;
    }
    reply_json(r, 200, o);
}

static void procedure_get(struct req *r)
{
    int found;
    json_t *o = procedure_detail_json(r->db, req_param(r, "code"), &found);
    if (!found) {
        reply_not_found(r);
        return;
    }
    if (!o) {
        reply_internal(r, "procedure read failed");
        return;
    }
    reply_json(r, 200, o);
}

static void procedure_units(struct req *r)
{
    int found;
    json_t *o = procedure_units_json(r->db, req_param(r, "code"), &found);
    if (!found) {
        reply_not_found(r);
        return;
    }
    if (!o) {
        reply_internal(r, "procedure units read failed");
        return;
    }
    reply_json(r, 200, o);
}

/* A page of units; every filter is optional and uses an index (unit.h), so
 * the pickers search here instead of loading the whole tree. */
static void units_list(struct req *r)
{
    long limit, offset;
    struct unit_filter f = {0};
    if (paging_or_reply(r, &limit, &offset) || short_query_or_reply(r, "q", &f.q) ||
        short_query_or_reply(r, "level", &f.level) ||
        short_query_or_reply(r, "kind", &f.kind) ||
        short_query_or_reply(r, "parent", &f.parent) ||
        short_query_or_reply(r, "under", &f.under) ||
        short_query_or_reply(r, "procedure", &f.procedure))
        return;
    json_t *o = unit_list_json(r->db, &f, (int)limit, (int)offset);
    if (!o) {
        reply_internal(r, "unit list failed");
        return;
    }
    reply_json(r, 200, o);
}

/* The kinds of unit and their labels, for the pickers' filters. */
static void unit_kinds(struct req *r)
{
    reply_json(r, 200, json_pack("{s:o}", "items", unit_kinds_json()));
}

static void unit_get(struct req *r)
{
    struct unit u;
    int rc = unit_by_code(r->db, req_param(r, "code"), &u);
    if (rc == 0) {
        reply_not_found(r);
        return;
    }
    if (rc < 0) {
        reply_internal(r, "unit read failed");
        return;
    }
    reply_json(r, 200, unit_catalog_json(&u));
}

const struct route api_catalog_routes[] = {
    {"GET", "/api/v1/procedures", procedures_search, 0},
    {"GET", "/api/v1/procedures/{code}", procedure_get, 0},
    {"GET", "/api/v1/procedures/{code}/units", procedure_units, 0},
    {"GET", "/api/v1/units", units_list, 0},
    {"GET", "/api/v1/unit-kinds", unit_kinds, 0},
    {"GET", "/api/v1/units/{code}", unit_get, 0},
    {NULL, NULL, NULL, 0},
};

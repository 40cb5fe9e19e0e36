/* router: matches "/api/v1/dossiers/12/files/a.pdf" against patterns like
 * "/api/v1/dossiers/{id}/files/{name}", segment by segment. */
#include "http/router.h"

#include <string.h>

#include "base/util.h"
#include "http/http.h"

static const struct route *const tables[] = {
    api_service_routes,
    api_auth_routes,
    api_catalog_routes,
    api_dossier_routes,
    api_staff_routes,
    api_feedback_routes,
    api_report_routes,
    api_payment_routes,
    api_results_routes,
    api_tsa_routes,
    api_verify_routes,
    api_copies_routes,
    api_registers_routes,
    api_documents_routes,
    api_incoming_routes,
    api_incoming_paper_routes,
    api_documents_batch_routes,
    api_records_routes,
    api_exchange_routes,
    api_exchange_log_routes,
    api_sharing_routes,
    api_lgsp_routes,
};

/* Matches one pattern; on success stores the parameters in r. */
static int match(const char *pattern, const char *path, struct req *r)
{
    const char *p = pattern, *s = path;
    int n = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *seg_end = strchr(s, '/');
            size_t len = seg_end ? (size_t)(seg_end - s) : strlen(s);
            if (!close || len == 0 || n >= HTTP_MAX_PARAMS || len >= sizeof r->params[0])
                return 0;
            if (r) {
                memcpy(r->params[n], s, len);
                r->params[n][len] = '\0';
                r->param_names[n] = p + 1; /* compared up to '}' in req_param */
            }
            n++;
            p = close + 1;
            s += len;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    if (*p || *s)
        return 0;
    if (r)
        r->nparams = n;
    return 1;
}

const struct route *router_match(struct req *r, const char *method, const char *path,
                                 int *method_mismatch)
{
    *method_mismatch = 0;
    for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
        for (const struct route *rt = tables[t]; rt->method; rt++) {
            if (!match(rt->pattern, path, NULL))
                continue;
            if (strcmp(rt->method, method) != 0 &&
                !(strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
                *method_mismatch = 1;
                continue;
            }
            match(rt->pattern, path, r);
            return rt;
        }
    }
    return NULL;
}

void router_allowed_methods(const char *path, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const struct route *rt = tables[t]; rt->method; rt++)
            if (match(rt->pattern, path, NULL) && !strstr(out, rt->method)) {
                int k = snprintf(out + n, cap - n, "%s%s", n ? ", " : "", rt->method);
                if (k < 0 || (size_t)k >= cap - n)
                    return;
                n += (size_t)k;
            }
}

void router_each(void (*fn)(const struct route *rt, void *arg), void *arg)
{
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const struct route *rt = tables[t]; rt->method; rt++)
            fn(rt, arg);
}

int router_index(const struct route *rt)
{
    int i = 0;
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const struct route *x = tables[t]; x->method; x++, i++)
            if (x == rt)
                return i;
    return -1;
}

int router_count(void)
{
    int i = 0;
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const struct route *x = tables[t]; x->method; x++)
            i++;
    return i;
}

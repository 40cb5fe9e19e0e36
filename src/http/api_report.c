/* api_report: the province's figures for officers holding report.read on a
 * unit (that unit's subtree only; any other unit answers 404, exactly as if
 * it did not exist), as JSON, CSV or XLSX; and the citizen's rating of a
 * dossier after its result was returned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/permission.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "dossier/dossier.h"
#include "http/api_report.h"
#include "http/dossier_access.h"
#include "http/http.h"
#include "http/router.h"
#include "report/export.h"
#include "report/rating.h"
#include "report/report.h"
#include "store/store.h"

/* --- reports -------------------------------------------------------------------- */

/* The units where the officer may read reports (each covers its subtree). */
static void report_units(struct req *r)
{
    json_t *items = unit_list_permitted_json(r->db, r->account.id, "report.read");
    if (!items) {
        reply_internal(r, "report units failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* The unit's ancestors, root first, each marked readable when the officer
 * may open its report (for the dashboard's breadcrumb). */
static json_t *ancestors_json(struct req *r, const struct unit *u)
{
    json_t *list = json_array();
    const char *p = u->path;
    int64_t ids[64];
    int n = 0;
    while (*p == '/' && n < 64) {
        char *end;
        long long id = strtoll(p + 1, &end, 10);
        if (end == p + 1 || *end != '/')
            break;
        if (id != u->id)
            ids[n++] = id;
        p = end;
    }
    for (int i = 0; i < n; i++) {
        struct unit a;
        if (unit_by_id(r->db, ids[i], &a) != STORE_ROW)
            continue;
        json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "code", a.code, "name", a.name,
                                              "readable",
                                              permission_can(r->db, r->account.id, "report.read",
                                                        a.id) == 1));
    }
    return list;
}

struct xlsx_state {
    struct report rep;
    unsigned char *data;
    size_t len;
    int rc;
};

static void release_xlsx(void *p)
{
    struct xlsx_state *s = p;
    report_free(&s->rep);
    free(s->data);
}

static void xlsx_work(void *arg)
{
    struct xlsx_state *s = arg;
    s->rc = report_xlsx(&s->rep, &s->data, &s->len);
}

static void attachment(struct req *r, const struct report *rep, const char *ext)
{
    char name[200], disp[260];
    report_file_name(rep, ext, name, sizeof name);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    req_add_header(r, "Content-Disposition", disp);
}

static void xlsx_done(struct req *r)
{
    struct xlsx_state *s = r->data;
    if (s->rc) {
        reply_internal(r, "xlsx failed");
        return;
    }
    attachment(r, &s->rep, "xlsx");
    reply_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                s->data, s->len);
}

static int date_or_reply(struct req *r, const char *name, int *ymd)
{
    const char *v = req_query(r, name);
    if (!v) {
        reply_error(r, 400, "required", "Thiếu ngày (YYYY-MM-DD)", name);
        return -1;
    }
    if (report_parse_date(v, ymd)) {
        reply_error(r, 400, "bad_parameter", "Ngày không hợp lệ (YYYY-MM-DD, năm 2000–2199)",
                    name);
        return -1;
    }
    return 0;
}

static void report_summary(struct req *r)
{
    const char *code = req_query(r, "unit"), *format = req_query(r, "format");
    int from, to;
    char why[160];
    if (!format)
        format = "json";
    if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "xlsx")) {
        reply_error(r, 400, "bad_parameter", "format phải là json, csv hoặc xlsx", "format");
        return;
    }
    if (!code) {
        reply_error(r, 400, "required", "Thiếu mã đơn vị", "unit");
        return;
    }
    if (date_or_reply(r, "from", &from) || date_or_reply(r, "to", &to))
        return;
    if (report_check_period(from, to, why, sizeof why)) {
        reply_error(r, 400, "bad_period", why, "to");
        return;
    }
    struct unit u;
    int can = 0;
    if (strlen(code) < sizeof u.code && unit_by_code(r->db, code, &u) == STORE_ROW)
        can = permission_can(r->db, r->account.id, "report.read", u.id);
    if (can < 0) {
        reply_internal(r, "permission check failed");
        return;
    }
    if (can != 1) {
        reply_error(r, 404, "not_found", "Không tìm thấy đơn vị", "unit");
        return;
    }
    struct xlsx_state *s = req_state(r, sizeof *s, release_xlsx);
    if (!s)
        return;
    if (report_build(r->db, &u, from, to, now_unix(), REPORT_COUNTERS, &s->rep)) {
        reply_internal(r, "report failed");
        return;
    }
    if (strcmp(format, "xlsx") == 0) {
        http_defer_work(r, xlsx_work, s, xlsx_done);
        return;
    }
    if (strcmp(format, "csv") == 0) {
        char *csv;
        size_t len;
        if (report_csv(&s->rep, &csv, &len)) {
            reply_internal(r, "csv failed");
            return;
        }
        attachment(r, &s->rep, "csv");
        reply_bytes(r, 200, "text/csv; charset=utf-8", csv, len);
        free(csv);
        return;
    }
    json_t *o = report_json(&s->rep);
    if (o)
        json_object_set_new(o, "ancestors", ancestors_json(r, &u));
    /* Rates print as 0.9854, not 0.98540000000000005. */
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(o);
    if (!text) {
        reply_internal(r, "report json failed");
        return;
    }
    reply_bytes(r, 200, "application/json; charset=utf-8", text, strlen(text));
    free(text);
}

/* --- drill-down ---------------------------------------------------------------- */

int report_drill_filter_or_reply(struct req *r, struct queue_filter *f, struct unit *u)
{
    const char *unit = req_query(r, "unit"), *from = req_query(r, "from"), *to = req_query(r, "to");
    int ymd;
    memset(f, 0, sizeof *f);
    f->result = req_query(r, "result");
    f->channel = req_query(r, "channel");
    if (unit) {
        if (strlen(unit) >= sizeof u->code || unit_by_code(r->db, unit, u) != STORE_ROW) {
            reply_error(r, 400, "bad_parameter", "Không có đơn vị này", "unit");
            return -1;
        }
        f->unit_path = u->path;
    }
    if (from) {
        if (report_parse_date(from, &ymd)) {
            reply_error(r, 400, "bad_parameter", "Ngày không hợp lệ (YYYY-MM-DD)", "from");
            return -1;
        }
        f->from = report_local_midnight(ymd);
    }
    if (to) {
        if (report_parse_date(to, &ymd)) {
            reply_error(r, 400, "bad_parameter", "Ngày không hợp lệ (YYYY-MM-DD)", "to");
            return -1;
        }
        f->to = report_local_midnight(ymd) + 86400;
    }
    if (f->result && !queue_result_valid(f->result)) {
        reply_error(r, 400, "bad_parameter", "result phải là early, on_time hoặc late", "result");
        return -1;
    }
    if (f->channel && stat_channel_index(f->channel) < 0) {
        reply_error(r, 400, "bad_parameter", "channel phải là online, desk hoặc post", "channel");
        return -1;
    }
    return 0;
}

/* --- the citizen's rating ---------------------------------------------------- */

static void rating_get(struct req *r)
{
    struct dossier d;
    if (own_dossier_or_reply(r, &d, ACCESS_SUBMITTED))
        return;
    json_t *o = rating_json(r->db, d.id);
    if (!o) {
        reply_internal(r, "rating read failed");
        return;
    }
    reply_json(r, 200, o);
}

static void rated(struct req *r)
{
    struct rating_job *j = r->data;
    json_t *o = rating_json(r->db, j->dossier_id);
    if (!o) {
        reply_internal(r, "rating read failed");
        return;
    }
    reply_json(r, 201, o);
}

static void rating_post(struct req *r)
{
    struct dossier d;
    if (own_dossier_or_reply(r, &d, ACCESS_SUBMITTED))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *level, *comment;
    if (req_string_or_reply(r, body, "level", 1, 1, 20, &level) ||
        req_text_or_reply(r, body, "comment", 0, 0, RATING_COMMENT_MAX, &comment))
        return;
    if (!rating_level_valid(level)) {
        reply_error(r, 422, "invalid_level",
                    "Mức đánh giá phải là rat_hai_long, hai_long hoặc khong_hai_long", "level");
        return;
    }
    struct rating_job *j = req_state(r, sizeof *j, NULL);
    if (!j)
        return;
    j->dossier_id = d.id;
    j->owner_id = r->account.id;
    copy_str(j->level, sizeof j->level, level);
    copy_str(j->comment, sizeof j->comment, comment ? comment : "");
    j->now = now_unix();
    http_defer_job(r, rating_job, j, &j->err, rated);
}

const struct route api_report_routes[] = {
    {"GET", "/api/v1/reports/units", report_units, ROUTE_OFFICER},
    {"GET", "/api/v1/reports/summary", report_summary, ROUTE_OFFICER},
    {"GET", "/api/v1/dossiers/{id}/rating", rating_get, ROUTE_USER},
    {"POST", "/api/v1/dossiers/{id}/rating", rating_post, ROUTE_USER},
    {NULL, NULL, NULL, 0},
};

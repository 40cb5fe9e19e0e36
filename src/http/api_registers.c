/* api_registers: the number series of a unit's boards (document/series.h),
 * and a unit's register of official documents as a file to download, in the layout of Decree 30/2020, Appendix IV (docs/registers.md):
 * the clerk's printout of the outgoing or incoming register of a year, as
 * PDF, XLSX or CSV. The same rows and printing as `motcua document
 * register`; the reading and the printing run on the worker pool with the
 * pool's own read-only connection, since a register may hold 100,000 lines. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "base/util.h"
#include "auth/permission.h"
#include "catalog/unit.h"
#include "document/document.h"
#include "document/register_rows.h"
#include "document/series.h"
#include "http/http.h"
#include "http/router.h"
#include "render/register_print.h"
#include "store/store.h"

enum print_format { PRINT_PDF, PRINT_XLSX, PRINT_CSV };

static const struct {
    const char *name, *content_type;
} formats[] = {
    [PRINT_PDF] = {"pdf", "application/pdf"},
    [PRINT_XLSX] = {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    [PRINT_CSV] = {"csv", "text/csv; charset=utf-8"},
};

struct print_state {
    char unit_code[64];
    int year, in;
    enum print_format format;
    unsigned char *file; /* the pool's answer (malloc'd), or NULL with err */
    size_t len;
    size_t nrows;
    struct derr err;
};

static void release_state(void *p)
{
    struct print_state *s = p;
    free(s->file);
    derr_clear(&s->err);
}

/* On the pool: the register's rows, then the file. */
static void print_work(void *arg)
{
    struct req *r = arg;
    struct print_state *s = r->data;
    struct document_register_rows rows = {0};
    struct store *db = NULL;
    char why[256];
    int fail;

    if (store_open(r->app->db_path, 1, &db, why, sizeof why)) {
        derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        return;
    }
    if (document_register_rows(db, s->unit_code, s->year, s->in ? "in" : "out", NULL, &rows,
                               &s->err))
        goto done;
    s->nrows = rows.nrows;
    if (s->format == PRINT_PDF)
        fail = regprint_pdf(&rows.reg, &s->file, &s->len, &s->err);
    else if (s->format == PRINT_XLSX)
        fail = regprint_xlsx(&rows.reg, &s->file, &s->len, &s->err);
    else
        fail = regprint_csv(&rows.reg, (char **)&s->file, &s->len, &s->err);
    if (fail) {
        free(s->file);
        s->file = NULL;
    }
done:
    document_register_rows_free(&rows);
    store_close(db);
}

static void printed(struct req *r)
{
    struct print_state *s = r->data;
    char disp[128];
    if (!s->file) {
        if (s->err.kind == DERR_NONE)
            reply_internal(r, "register printing failed");
        else
            reply_derr(r, &s->err);
        return;
    }
    /* so-van-ban-di-2026.pdf: the name a clerk files it under. */
    snprintf(disp, sizeof disp, "attachment; filename=\"so-van-ban-%s-%d.%s\"",
             s->in ? "den" : "di", s->year, formats[s->format].name);
    req_add_header(r, "Content-Disposition", disp);
    reply_bytes(r, 200, formats[s->format].content_type, s->file, s->len);
}

/* GET /api/v1/documents/registers/print?unit_id=&year=&direction=out|in
 * &format=pdf|xlsx|csv: the register of the administrative series (out) or
 * the unit's one incoming register (in), for an officer who may read the
 * unit's documents; 404 unit_not_found otherwise, like an unknown unit. */
static void print_register(struct req *r)
{
    long unit_id, year;
    const char *dir = req_query(r, "direction"), *fmt = req_query(r, "format");
    struct unit u;
    size_t f;

    if (req_long_or_reply(r, req_query(r, "unit_id"), "unit_id", 1, INT32_MAX, 0, &unit_id) ||
        req_long_or_reply(r, req_query(r, "year"), "year", 2000, 2199, 0, &year))
        return;
    if (!dir || (strcmp(dir, "out") != 0 && strcmp(dir, "in") != 0)) {
        reply_error(r, 400, "invalid", "Chọn sổ văn bản đi (out) hoặc đến (in)", "direction");
        return;
    }
    for (f = 0; f < sizeof formats / sizeof formats[0]; f++)
        if (fmt && strcmp(fmt, formats[f].name) == 0)
            break;
    if (f == sizeof formats / sizeof formats[0]) {
        reply_error(r, 400, "invalid", "Định dạng là pdf, xlsx hoặc csv", "format");
        return;
    }
    int can = permission_can(r->db, r->account.id, DOCUMENT_PERM_READ, unit_id);
    int found = can == 1 ? unit_by_id(r->db, unit_id, &u) : can;
    if (can < 0 || found < 0) {
        reply_internal(r, "unit read failed");
        return;
    }
    if (can != 1 || found != STORE_ROW) {
        reply_error(r, 404, "unit_not_found", "Không tìm thấy đơn vị", NULL);
        return;
    }
    struct print_state *s = req_state(r, sizeof *s, release_state);
    if (!s)
        return;
    snprintf(s->unit_code, sizeof s->unit_code, "%s", u.code);
    s->year = (int)year;
    s->in = strcmp(dir, "in") == 0;
    s->format = (enum print_format)f;
    http_defer_work(r, print_work, r, printed);
}

/* GET /api/v1/documents/registers/units: the units whose registers the
 * officer may read (document.read granted on them), for the registers
 * page's choice. */
static void register_units(struct req *r)
{
    json_t *items = unit_list_permitted_json(r->db, r->account.id, DOCUMENT_PERM_READ);
    if (!items) {
        reply_internal(r, "register units failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/documents/series?unit_id=: the unit's boards' number series
 * (document/series.h), for an officer who reads its documents. */
static void series_list(struct req *r)
{
    long unit_id;
    if (req_long_or_reply(r, req_query(r, "unit_id"), "unit_id", 1, INT32_MAX, 0, &unit_id))
        return;
    int can = permission_can(r->db, r->account.id, DOCUMENT_PERM_READ, unit_id);
    if (can < 0) {
        reply_internal(r, "permission read failed");
        return;
    }
    if (can != 1) {
        reply_error(r, 404, "unit_not_found", "Không tìm thấy đơn vị", NULL);
        return;
    }
    json_t *items = series_list_json(r->db, unit_id);
    if (!items) {
        reply_internal(r, "series read failed");
        return;
    }
    reply_json(r, 200, json_pack("{sI s:o}", "unit_id", (json_int_t)unit_id, "items", items));
}

static void series_added(struct req *r)
{
    struct series_add *a = r->data;
    json_t *items = series_list_json(r->db, a->unit_id);
    if (!items) {
        reply_internal(r, "series read failed");
        return;
    }
    reply_json(r, 201, json_pack("{sI s:o}", "unit_id", (json_int_t)a->unit_id, "items", items));
}

static void release_series(void *p) { derr_clear(&((struct series_add *)p)->err); }

/* POST /api/v1/documents/series {unit_id, code, name, abbreviation}: the
 * unit's head sets up a board's series. */
static void series_add(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    json_t *unit = json_object_get(body, "unit_id");
    if (!json_is_integer(unit) || json_integer_value(unit) < 1 ||
        json_integer_value(unit) > INT32_MAX) {
        reply_error(r, 422, "required", "Chọn đơn vị", "unit_id");
        return;
    }
    struct series_add *a = req_state(r, sizeof *a, release_series);
    if (!a)
        return;
    if (req_string_or_reply(r, body, "code", 1, 1, SERIES_CODE_MAX, &a->code) ||
        req_string_or_reply(r, body, "name", 1, 1, SERIES_NAME_MAX, &a->name) ||
        req_string_or_reply(r, body, "abbreviation", 1, 1, SERIES_ABBR_MAX, &a->abbreviation))
        return;
    a->unit_id = json_integer_value(unit);
    a->actor_id = r->account.id;
    a->now = now_unix();
    http_defer_job(r, series_add_job, a, &a->err, series_added);
}

const struct route api_registers_routes[] = {
    {"GET", "/api/v1/documents/series", series_list, ROUTE_OFFICER},
    {"POST", "/api/v1/documents/series", series_add, ROUTE_OFFICER},
    {"GET", "/api/v1/documents/registers/units", register_units, ROUTE_OFFICER},
    {"GET", "/api/v1/documents/registers/print", print_register, ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};

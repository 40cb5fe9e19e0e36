/* api_records: work records (hồ sơ công việc, docs/records.md). A unit's
 * yearly list of records is drafted by its officers and approved by its
 * leader; records are opened from the approved list (or outside it, with a
 * reason), documents of the unit and finished one-stop dossiers are filed
 * into them, they are closed (drafts taken out, retention re-checked) and
 * handed over to the unit's archive within a year. Every change is a write
 * job (document/work_record.h); a record or unit outside the officer's
 * units is 404. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "base/util.h"
#include "document/document.h"
#include "document/work_record.h"
#include "http/http.h"
#include "http/router.h"
#include "store/store.h"

struct rec_state {
    struct record_entry_add entry;
    struct record_list_approve approve;
    struct record_open open;
    struct record_item item;
    struct record_close close;
    struct record_handover handover;
    int64_t unit_id;
    int year;
};

static void release_state(void *p)
{
    struct rec_state *s = p;
    derr_clear(&s->entry.err);
    derr_clear(&s->approve.err);
    derr_clear(&s->open.err);
    derr_clear(&s->item.err);
    derr_clear(&s->close.err);
    derr_clear(&s->handover.err);
}

static struct rec_state *new_state(struct req *r)
{
    return req_state(r, sizeof(struct rec_state), release_state);
}

/* A required positive id member of body; replies 422 and returns -1
 * otherwise. */
static int body_id_or_reply(struct req *r, json_t *body, const char *key, int required,
                            int64_t *out)
{
    json_t *v = json_object_get(body, key);
    *out = 0;
    if ((!v || json_is_null(v)) && !required)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > INT32_MAX) {
        reply_error(r, 422, v ? "invalid" : "required",
                    v ? "Mã không hợp lệ" : "Trường này là bắt buộc", key);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/* The retention member: a number of years 1..70, or "vinh_vien"
 * (permanent, 0). *out is -1 when absent and not required. */
static int retention_or_reply(struct req *r, json_t *body, int required, int *out)
{
    json_t *v = json_object_get(body, "retention");
    *out = -1;
    if ((!v || json_is_null(v)) && !required)
        return 0;
    if (json_is_string(v) && strcmp(json_string_value(v), "vinh_vien") == 0) {
        *out = 0;
        return 0;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 1 &&
        json_integer_value(v) <= RECORD_RETENTION_MAX) {
        *out = (int)json_integer_value(v);
        return 0;
    }
    reply_error(r, 422, "invalid_retention",
                "Thời hạn bảo quản là số năm từ 1 đến 70, hoặc \"vinh_vien\" (vĩnh viễn)",
                "retention");
    return -1;
}

/* The year member or query parameter: 2000..2199. */
static int year_ok(json_int_t y)
{
    return y >= 2000 && y <= 2199;
}

/* ?unit_id= (required, a unit where the officer holds a record
 * permission, else 404) and ?year= (default this year). */
static int unit_year_or_reply(struct req *r, int64_t *unit, int *year)
{
    const char *u = req_query(r, "unit_id"), *y = req_query(r, "year");
    long lu, ly = document_year(now_unix());
    if (!u) {
        reply_error(r, 400, "bad_parameter", "Cần chọn đơn vị", "unit_id");
        return -1;
    }
    if (req_long_or_reply(r, u, "unit_id", 1, INT32_MAX, 0, &lu) ||
        (y && req_long_or_reply(r, y, "year", 2000, 2199, 0, &ly)))
        return -1;
    if (!record_unit_visible(r->db, r->account.id, lu)) {
        reply_error(r, 404, "unit_not_found", "Không tìm thấy đơn vị", "unit_id");
        return -1;
    }
    *unit = lu;
    *year = (int)ly;
    return 0;
}

/* The record {id} the officer may see; else replies 404 and returns -1. */
static int record_or_reply(struct req *r, int64_t *id)
{
    long v;
    int64_t unit = 0;
    if (req_long_or_reply(r, req_param(r, "id"), "id", 1, INT32_MAX, 1, &v))
        return -1;
    int rc = record_unit_of(r->db, v, &unit);
    if (rc < 0) {
        reply_internal(r, "record read failed");
        return -1;
    }
    if (rc != STORE_ROW || !record_unit_visible(r->db, r->account.id, unit)) {
        reply_error(r, 404, "record_not_found", "Không tìm thấy hồ sơ công việc", NULL);
        return -1;
    }
    *id = v;
    return 0;
}

static void reply_record(struct req *r, int status, int64_t id)
{
    json_t *j = record_json(r->db, id);
    if (!j) {
        reply_internal(r, "record read-back failed");
        return;
    }
    reply_json(r, status, json_pack("{s:o}", "record", j));
}

static void reply_list(struct req *r, int status, int64_t unit, int year)
{
    json_t *j = record_list_json(r->db, unit, year);
    if (!j) {
        reply_internal(r, "record list read failed");
        return;
    }
    reply_json(r, status, json_pack("{s:o sI si}", "list", j, "unit_id", (json_int_t)unit,
                                    "year", year));
}

/* GET /api/v1/records/units: the units where the officer keeps records. */
static void units(struct req *r)
{
    json_t *j = record_units_json(r->db, r->account.id);
    if (!j) {
        reply_internal(r, "record units failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o si}", "items", j, "year", document_year(now_unix())));
}

/* GET /api/v1/records/lists?unit_id=&year= */
static void list_show(struct req *r)
{
    int64_t unit;
    int year;
    if (unit_year_or_reply(r, &unit, &year) == 0)
        reply_list(r, 200, unit, year);
}

static void entry_added(struct req *r)
{
    struct rec_state *s = r->data;
    reply_list(r, 201, s->entry.unit_id, s->entry.year);
}

/* POST /api/v1/records/lists/entries {unit_id, year, code, title,
 * retention, owner_id?} */
static void entry_add(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *code, *title;
    int64_t unit, owner;
    int retention;
    json_t *y = json_object_get(body, "year");
    if (body_id_or_reply(r, body, "unit_id", 1, &unit) ||
        body_id_or_reply(r, body, "owner_id", 0, &owner) ||
        req_string_or_reply(r, body, "code", 1, 1, RECORD_CODE_MAX, &code) ||
        req_string_or_reply(r, body, "title", 1, 1, RECORD_TITLE_MAX, &title) ||
        retention_or_reply(r, body, 1, &retention))
        return;
    if (!json_is_integer(y) || !year_ok(json_integer_value(y))) {
        reply_error(r, 422, "invalid_year", "Năm không hợp lệ", "year");
        return;
    }
    struct rec_state *s = new_state(r);
    if (!s)
        return;
    s->entry = (struct record_entry_add){.actor_id = r->account.id, .unit_id = unit,
                                         .year = (int)json_integer_value(y), .code = code,
                                         .title = title, .retention_years = retention,
                                         .owner_id = owner, .now = now_unix()};
    http_defer_job(r, record_entry_add_job, &s->entry, &s->entry.err, entry_added);
}

static void approved(struct req *r)
{
    struct rec_state *s = r->data;
    reply_list(r, 200, s->approve.unit_id, s->approve.year);
}

/* POST /api/v1/records/lists/approve {unit_id, year} */
static void list_approve(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    int64_t unit;
    json_t *y = json_object_get(body, "year");
    if (body_id_or_reply(r, body, "unit_id", 1, &unit))
        return;
    if (!json_is_integer(y) || !year_ok(json_integer_value(y))) {
        reply_error(r, 422, "invalid_year", "Năm không hợp lệ", "year");
        return;
    }
    struct rec_state *s = new_state(r);
    if (!s)
        return;
    s->approve = (struct record_list_approve){.actor_id = r->account.id, .unit_id = unit,
                                              .year = (int)json_integer_value(y),
                                              .now = now_unix()};
    http_defer_job(r, record_list_approve_job, &s->approve, &s->approve.err, approved);
}

/* GET /api/v1/records?unit_id=&year=&state= */
static void records(struct req *r)
{
    int64_t unit;
    int year;
    const char *state = req_query(r, "state");
    if (unit_year_or_reply(r, &unit, &year))
        return;
    if (state && strcmp(state, "open") != 0 && strcmp(state, "closed") != 0 &&
        strcmp(state, "handed_over") != 0) {
        reply_error(r, 400, "bad_parameter", "Trạng thái phải là open, closed hoặc handed_over",
                    "state");
        return;
    }
    json_t *items = record_records_json(r->db, unit, year, state);
    if (!items) {
        reply_internal(r, "records read failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o sI si}", "items", items, "unit_id", (json_int_t)unit,
                                 "year", year));
}

static void opened(struct req *r)
{
    struct rec_state *s = r->data;
    reply_record(r, 201, s->open.id);
}

/* POST /api/v1/records {unit_id, entry_id?, code?, title?, retention?,
 * reason?, owner_id?, start_date?} */
static void open_record(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *code, *title, *reason, *start;
    int64_t unit, entry, owner;
    int retention;
    if (body_id_or_reply(r, body, "unit_id", 1, &unit) ||
        body_id_or_reply(r, body, "entry_id", 0, &entry) ||
        body_id_or_reply(r, body, "owner_id", 0, &owner) ||
        req_string_or_reply(r, body, "code", 0, 1, RECORD_CODE_MAX, &code) ||
        req_string_or_reply(r, body, "title", 0, 1, RECORD_TITLE_MAX, &title) ||
        req_text_or_reply(r, body, "reason", 0, 0, RECORD_REASON_MAX, &reason) ||
        req_string_or_reply(r, body, "start_date", 0, 10, 10, &start) ||
        retention_or_reply(r, body, 0, &retention))
        return;
    struct rec_state *s = new_state(r);
    if (!s)
        return;
    s->open = (struct record_open){.actor_id = r->account.id, .unit_id = unit,
                                   .entry_id = entry, .code = code, .title = title,
                                   .reason = reason, .start_date = start,
                                   .retention_years = retention, .owner_id = owner,
                                   .now = now_unix()};
    http_defer_job(r, record_open_job, &s->open, &s->open.err, opened);
}

/* GET /api/v1/records/{id} */
static void show(struct req *r)
{
    int64_t id;
    if (record_or_reply(r, &id) == 0)
        reply_record(r, 200, id);
}

static void item_done(struct req *r)
{
    struct rec_state *s = r->data;
    reply_record(r, s->item.action == RECORD_ITEM_REMOVE ? 200 : 201, s->item.record_id);
}

/* POST /api/v1/records/{id}/items: one of {document_id}, {notation},
 * {dossier_id}, {dossier_code}. */
static void item_add(struct req *r)
{
    int64_t id, doc, dossier;
    const char *notation, *code;
    if (record_or_reply(r, &id))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    if (body_id_or_reply(r, body, "document_id", 0, &doc) ||
        body_id_or_reply(r, body, "dossier_id", 0, &dossier) ||
        req_string_or_reply(r, body, "notation", 0, 1, DOCUMENT_NOTATION_MAX - 1, &notation) ||
        req_string_or_reply(r, body, "dossier_code", 0, 1, 95, &code))
        return;
    int given = (doc != 0) + (dossier != 0) + (notation != NULL) + (code != NULL);
    if (given != 1) {
        reply_error(r, 400, "item_required",
                    "Cần đúng một trong: văn bản (document_id hoặc notation) hoặc hồ sơ một cửa"
                    " (dossier_id hoặc dossier_code)",
                    "document_id");
        return;
    }
    struct rec_state *s = new_state(r);
    if (!s)
        return;
    s->item = (struct record_item){
        .actor_id = r->account.id, .record_id = id,
        .action = doc || notation ? RECORD_ITEM_ADD_DOCUMENT : RECORD_ITEM_ADD_DOSSIER,
        .document_id = doc, .dossier_id = dossier, .notation = notation,
        .dossier_code = code, .now = now_unix()};
    http_defer_job(r, record_item_job, &s->item, &s->item.err, item_done);
}

/* DELETE /api/v1/records/{id}/items/{item} */
static void item_remove(struct req *r)
{
    int64_t id;
    long item;
    if (record_or_reply(r, &id) ||
        req_long_or_reply(r, req_param(r, "item"), "item", 1, INT32_MAX, 1, &item))
        return;
    struct rec_state *s = new_state(r);
    if (!s)
        return;
    s->item = (struct record_item){.actor_id = r->account.id, .record_id = id,
                                   .action = RECORD_ITEM_REMOVE, .item_id = item,
                                   .now = now_unix()};
    http_defer_job(r, record_item_job, &s->item, &s->item.err, item_done);
}

static void closed(struct req *r)
{
    struct rec_state *s = r->data;
    reply_record(r, 200, s->close.record_id);
}

/* POST /api/v1/records/{id}/close {retention?, end_date?} */
static void close_record(struct req *r)
{
    int64_t id;
    const char *end = NULL;
    int retention = -1;
    if (record_or_reply(r, &id))
        return;
    if (r->body_len) {
        json_t *body = req_json_object_or_reply(r);
        if (!body || req_string_or_reply(r, body, "end_date", 0, 10, 10, &end) ||
            retention_or_reply(r, body, 0, &retention))
            return;
    }
    struct rec_state *s = new_state(r);
    if (!s)
        return;
    s->close = (struct record_close){.actor_id = r->account.id, .record_id = id,
                                     .retention_years = retention, .end_date = end,
                                     .now = now_unix()};
    http_defer_job(r, record_close_job, &s->close, &s->close.err, closed);
}

static void handed_over(struct req *r)
{
    struct rec_state *s = r->data;
    reply_record(r, 200, s->handover.record_id);
}

/* POST /api/v1/records/{id}/handover */
static void handover(struct req *r)
{
    int64_t id;
    if (record_or_reply(r, &id))
        return;
    struct rec_state *s = new_state(r);
    if (!s)
        return;
    s->handover = (struct record_handover){.actor_id = r->account.id, .record_id = id,
                                           .now = now_unix()};
    http_defer_job(r, record_handover_job, &s->handover, &s->handover.err, handed_over);
}

/* GET /api/v1/records/handover-due?unit_id=: closed records not yet
 * handed over, with their due date and whether it passed. */
static void handover_due(struct req *r)
{
    const char *u = req_query(r, "unit_id");
    long unit = 0;
    char today[11];
    if (u && req_long_or_reply(r, u, "unit_id", 1, INT32_MAX, 0, &unit))
        return;
    if (unit && !record_unit_visible(r->db, r->account.id, unit)) {
        reply_error(r, 404, "unit_not_found", "Không tìm thấy đơn vị", "unit_id");
        return;
    }
    document_date(now_unix(), today);
    json_t *items = record_handover_due_json(r->db, r->account.id, unit, today);
    if (!items) {
        reply_internal(r, "handover list failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o ss}", "items", items, "today", today));
}

const struct route api_records_routes[] = {
    {"GET", "/api/v1/records/units", units, ROUTE_OFFICER},
    {"GET", "/api/v1/records/lists", list_show, ROUTE_OFFICER},
    {"POST", "/api/v1/records/lists/entries", entry_add, ROUTE_OFFICER},
    {"POST", "/api/v1/records/lists/approve", list_approve, ROUTE_OFFICER},
    {"GET", "/api/v1/records/handover-due", handover_due, ROUTE_OFFICER},
    {"GET", "/api/v1/records", records, ROUTE_OFFICER},
    {"POST", "/api/v1/records", open_record, ROUTE_OFFICER},
    {"GET", "/api/v1/records/{id}", show, ROUTE_OFFICER},
    {"POST", "/api/v1/records/{id}/items", item_add, ROUTE_OFFICER},
    {"DELETE", "/api/v1/records/{id}/items/{item}", item_remove, ROUTE_OFFICER},
    {"POST", "/api/v1/records/{id}/close", close_record, ROUTE_OFFICER},
    {"POST", "/api/v1/records/{id}/handover", handover, ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};

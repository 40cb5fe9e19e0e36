/* api_incoming: official documents received (docs/documents.md "The
 * incoming flow"). The clerk (văn thư) of the recipient unit lists what
 * arrived, checks the signatures of its PDF against the data directory's
 * trust anchors (on the worker pool), registers it with the unit's
 * incoming number or refuses it back with a reason; the leader names the
 * lead officer or unit, the supporting ones, the instruction and the
 * deadline; the lead marks it being handled and completes it. Every step
 * is a write job (document/incoming.h). A document outside the officer's
 * units, or not incoming, is 404. */
#include <errno.h>
#include <jansson.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "auth/permission.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "document/document.h"
#include "document/followup.h"
#include "document/incoming.h"
#include "dossier/filestore.h"
#include "http/http.h"
#include "http/router.h"
#include "issued/public.h"
#include "sign/keys.h"
#include "store/store.h"

struct inc_state {
    struct document doc;
    struct incoming_step step;
    int64_t support_accounts[INCOMING_MAX_SUPPORT], support_units[INCOMING_MAX_SUPPORT];
    char deadline[11];
    X509_STORE *trust;   /* verification: taken on the loop, freed by the pool */
    json_t *verification; /* verification: the pool's answer */
};

static void release_state(void *p)
{
    struct inc_state *s = p;
    derr_clear(&s->step.err);
    json_decref(s->verification);
    if (s->trust)
        X509_STORE_free(s->trust);
}

/* The incoming document {id} as the officer may see it; else replies 404
 * (also for one outside their units, or an outgoing one) and returns -1. */
static int incoming_or_reply(struct req *r, struct document *d)
{
    long id;
    if (req_long_or_reply(r, req_param(r, "id"), "id", 1, INT32_MAX, 1, &id))
        return -1;
    int rc = document_get(r->db, id, d);
    if (rc < 0) {
        reply_internal(r, "document read failed");
        return -1;
    }
    if (rc != STORE_ROW || strcmp(d->direction, "in") != 0 ||
        !document_visible(r->db, r->account.id, d)) {
        reply_error(r, 404, "document_not_found", "Không tìm thấy văn bản", NULL);
        return -1;
    }
    return 0;
}

static void reply_incoming(struct req *r, int64_t id)
{
    struct document d;
    json_t *j = document_get(r->db, id, &d) == STORE_ROW ? document_json(r->db, &d) : NULL;
    json_t *in = j ? incoming_json(r->db, &d) : NULL;
    if (!in) {
        json_decref(j);
        reply_internal(r, "incoming document read-back failed");
        return;
    }
    json_object_set_new(j, "incoming", in);
    reply_json(r, 200, json_pack("{s:o}", "document", j));
}

/* GET /api/v1/incoming?box=arrived|registered|to_assign|to_handle|overdue
 * &unit_id=&limit=&offset= */
static void list(struct req *r)
{
    const char *name = req_query(r, "box"), *u = req_query(r, "unit_id");
    const char *l = req_query(r, "limit"), *o = req_query(r, "offset");
    long unit = 0, limit = 20, offset = 0;
    int box = incoming_box_parse(name ? name : "arrived");
    if (box < 0) {
        reply_error(r, 400, "bad_parameter",
                    "Danh sách phải là arrived, registered, to_assign, to_handle hoặc overdue",
                    "box");
        return;
    }
    if ((u && req_long_or_reply(r, u, "unit_id", 1, INT32_MAX, 0, &unit)) ||
        (l && req_long_or_reply(r, l, "limit", 1, 200, 0, &limit)) ||
        (o && req_long_or_reply(r, o, "offset", 0, 1000000, 0, &offset)))
        return;
    if (unit && permission_can(r->db, r->account.id,
                               incoming_box_permission((enum incoming_box)box), unit) != 1) {
        reply_error(r, 404, "unit_not_found", "Không tìm thấy đơn vị", "unit_id");
        return;
    }
    char today[11];
    document_date(now_unix(), today);
    json_t *j = incoming_list_json(r->db, r->account.id, (enum incoming_box)box, unit, today,
                                   (int)limit, (int)offset);
    if (!j) {
        reply_internal(r, "incoming list failed");
        return;
    }
    json_object_set_new(j, "box", json_string(name ? name : "arrived"));
    reply_json(r, 200, j);
}

/* GET /api/v1/incoming/{id}: the document, its incoming side and history. */
static void show(struct req *r)
{
    struct document d;
    if (incoming_or_reply(r, &d) == 0)
        reply_incoming(r, d.id);
}

/* On the pool: the stored PDF's signatures against the trust anchors. */
static void verify_work(void *arg)
{
    struct req *r = arg;
    struct inc_state *s = r->data;
    size_t size = 0;
    unsigned char *buf =
        filestore_read_all(r->app->files_dir, s->doc.sha256, ISSUED_PUBLIC_FILE_MAX, &size);
    if (buf)
        s->verification = issued_public_verification(buf, size, s->trust);
    free(buf);
}

static void verified(struct req *r)
{
    struct inc_state *s = r->data;
    if (!s->verification) {
        reply_internal(r, "incoming verification failed");
        return;
    }
    reply_json(r, 200, json_pack("{sI s:O}", "document_id", (json_int_t)s->doc.id,
                                 "verification", s->verification));
}

/* GET /api/v1/incoming/{id}/verification: are the PDF's signatures valid
 * and from a trusted root? The verdict and each signature, in the words of
 * the public verification page (issued/public.h). */
static void verification(struct req *r)
{
    struct document d;
    if (incoming_or_reply(r, &d))
        return;
    if (!d.sha256[0]) {
        reply_error(r, 404, "no_body", "Văn bản chưa có nội dung", NULL);
        return;
    }
    struct inc_state *s = req_state(r, sizeof *s, release_state);
    if (!s)
        return;
    s->doc = d;
    if (!(s->trust = keys_trust_store(r->db))) {
        reply_internal(r, "trust store failed");
        return;
    }
    http_defer_work(r, verify_work, r, verified);
}

static void stepped(struct req *r)
{
    struct inc_state *s = r->data;
    reply_incoming(r, s->step.document_id);
}

/* The step's state for document d; NULL when the request was answered. */
static struct inc_state *step_state(struct req *r, const struct document *d,
                                    enum incoming_action action)
{
    struct inc_state *s = req_state(r, sizeof *s, release_state);
    if (!s)
        return NULL;
    s->doc = *d;
    s->step = (struct incoming_step){.document_id = d->id, .actor_id = r->account.id,
                                     .action = action, .now = now_unix()};
    return s;
}

/* A step whose body is at most one text field (name), optional or not. */
static void text_step(struct req *r, enum incoming_action action, const char *name,
                      int required)
{
    struct document d;
    const char *text = NULL;
    if (incoming_or_reply(r, &d))
        return;
    if (r->body_len) {
        json_t *body = req_json_object_or_reply(r);
        if (!body || req_text_or_reply(r, body, name, required, required, INCOMING_TEXT_MAX,
                                       &text))
            return;
    } else if (required) {
        reply_error(r, 422, "required", "Trường này là bắt buộc", name);
        return;
    }
    struct inc_state *s = step_state(r, &d, action);
    if (!s)
        return;
    s->step.text = text;
    http_defer_job(r, incoming_step_job, &s->step, &s->step.err, stepped);
}

/* POST /api/v1/incoming/{id}/refuse {reason}: sent back to the sender. */
static void refuse(struct req *r)
{
    text_step(r, INC_ACT_REFUSE, "reason", 1);
}

/* POST /api/v1/incoming/{id}/register: the incoming number. */
static void register_in(struct req *r)
{
    struct document d;
    if (incoming_or_reply(r, &d))
        return;
    struct inc_state *s = step_state(r, &d, INC_ACT_REGISTER);
    if (s)
        http_defer_job(r, incoming_step_job, &s->step, &s->step.err, stepped);
}

/* POST /api/v1/incoming/{id}/start {note?}: being handled. */
static void start(struct req *r)
{
    text_step(r, INC_ACT_START, "note", 0);
}

/* POST /api/v1/incoming/{id}/complete {note?}: done. */
static void complete(struct req *r)
{
    text_step(r, INC_ACT_COMPLETE, "note", 0);
}

/* Reads an optional array of ids (at most INCOMING_MAX_SUPPORT) into out;
 * replies 422 and returns -1 for anything else. */
static int ids_or_reply(struct req *r, json_t *body, const char *key, int64_t *out, int *n)
{
    json_t *a = json_object_get(body, key), *v;
    size_t i;
    *n = 0;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a) || json_array_size(a) > INCOMING_MAX_SUPPORT) {
        reply_error(r, 422, "invalid_support", "Danh sách phối hợp không hợp lệ", key);
        return -1;
    }
    json_array_foreach(a, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            reply_error(r, 422, "invalid_support", "Danh sách phối hợp không hợp lệ", key);
            return -1;
        }
        out[(*n)++] = json_integer_value(v);
    }
    return 0;
}

/* An optional positive id field: 0 when absent or null; -1 replied. */
static int id_or_reply(struct req *r, json_t *body, const char *key, int64_t *out)
{
    json_t *v = json_object_get(body, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        reply_error(r, 422, "lead_invalid", "Nơi chủ trì không hợp lệ", key);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/* POST /api/v1/incoming/{id}/assign {lead_account_id?, lead_unit_id?,
 * support_account_ids?, support_unit_ids?, instruction?, deadline} */
static void assign(struct req *r)
{
    struct document d;
    if (incoming_or_reply(r, &d))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *instruction, *deadline;
    int64_t lead, lead_unit;
    if (id_or_reply(r, body, "lead_account_id", &lead) ||
        id_or_reply(r, body, "lead_unit_id", &lead_unit))
        return;
    /* The instruction must name who leads: without it the request is
     * malformed, before any other check. */
    if (!lead && !lead_unit) {
        reply_error(r, 400, "lead_required", "Cần chọn cán bộ hoặc đơn vị chủ trì xử lý",
                    "lead_account_id");
        return;
    }
    if (req_text_or_reply(r, body, "instruction", 0, 0, INCOMING_TEXT_MAX, &instruction) ||
        req_string_or_reply(r, body, "deadline", 1, 10, 10, &deadline))
        return;
    struct inc_state *s = step_state(r, &d, INC_ACT_ASSIGN);
    if (!s || ids_or_reply(r, body, "support_account_ids", s->support_accounts,
                           &s->step.nsupport_accounts) ||
        ids_or_reply(r, body, "support_unit_ids", s->support_units, &s->step.nsupport_units))
        return;
    copy_str(s->deadline, sizeof s->deadline, deadline);
    s->step.lead_account_id = lead;
    s->step.lead_unit_id = lead_unit;
    s->step.support_accounts = s->support_accounts;
    s->step.support_units = s->support_units;
    s->step.text = instruction;
    s->step.deadline = s->deadline;
    http_defer_job(r, incoming_step_job, &s->step, &s->step.err, stepped);
}

/* --- the follow-up board ------------------------------------------------- */

/* A date bound of the board: absent ("") or YYYY-MM-DD (digits in place;
 * compared as text). 0, or -1 replied 400. */
static int date_or_reply(struct req *r, const char *name, const char **out)
{
    const char *v = req_query(r, name);
    *out = "";
    if (!v || !*v)
        return 0;
    int ok = strlen(v) == 10 && v[4] == '-' && v[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        ok = i == 4 || i == 7 || (v[i] >= '0' && v[i] <= '9');
    if (!ok) {
        reply_error(r, 400, "bad_parameter", "Ngày phải có dạng YYYY-MM-DD", name);
        return -1;
    }
    *out = v;
    return 0;
}

/* The board's filters from the query: from, to, state; today filled by
 * the caller. 0, or -1 replied 400. */
static int filter_or_reply(struct req *r, struct followup_filter *f)
{
    const char *state = req_query(r, "state");
    f->state = -1;
    if (date_or_reply(r, "from", &f->from) || date_or_reply(r, "to", &f->to))
        return -1;
    if (state && *state && (f->state = followup_state_parse(state)) < 0) {
        reply_error(r, 400, "bad_parameter",
                    "Trạng thái phải là assigned, handling, overdue, on_time hoặc late", "state");
        return -1;
    }
    return 0;
}

/* GET /api/v1/incoming/board?from=&to=&state=: per lead unit of the
 * officer's units (document.read, with the units below), the documents
 * assigned, being handled, overdue, completed on time and late, from the
 * counters kept by the incoming steps (document/followup.h). */
static void board(struct req *r)
{
    struct followup_filter f;
    char today[11];
    if (filter_or_reply(r, &f))
        return;
    document_date(now_unix(), today);
    f.today = today;
    json_t *j = followup_board_json(r->db, r->account.id, &f);
    if (!j) {
        reply_internal(r, "follow-up board failed");
        return;
    }
    json_object_set_new(j, "today", json_string(today));
    json_object_set_new(j, "from", f.from[0] ? json_string(f.from) : json_null());
    json_object_set_new(j, "to", f.to[0] ? json_string(f.to) : json_null());
    json_object_set_new(j, "state", f.state < 0 ? json_null()
                                                : json_string(followup_state_name(f.state)));
    reply_json(r, 200, j);
}

/* GET /api/v1/incoming/board/{unit}?state=&from=&to=&limit=&offset=: the
 * documents behind a figure of lead unit {unit}; 404 for a unit outside
 * the officer's board. */
static void board_unit(struct req *r)
{
    struct followup_filter f;
    const char *l = req_query(r, "limit"), *o = req_query(r, "offset");
    long unit, limit = 20, offset = 0;
    char today[11];
    struct unit u;
    if (req_long_or_reply(r, req_param(r, "unit"), "unit", 1, INT32_MAX, 1, &unit) ||
        filter_or_reply(r, &f) ||
        (l && req_long_or_reply(r, l, "limit", 1, 200, 0, &limit)) ||
        (o && req_long_or_reply(r, o, "offset", 0, 1000000, 0, &offset)))
        return;
    if (permission_can(r->db, r->account.id, DOCUMENT_PERM_READ, unit) != 1 ||
        unit_by_id(r->db, unit, &u) != STORE_ROW) {
        reply_error(r, 404, "unit_not_found", "Không tìm thấy đơn vị", "unit");
        return;
    }
    document_date(now_unix(), today);
    f.today = today;
    json_t *j = followup_unit_json(r->db, unit, &f, (int)limit, (int)offset);
    if (!j) {
        reply_internal(r, "follow-up list failed");
        return;
    }
    json_object_set_new(j, "unit", json_pack("{sI ss ss}", "id", (json_int_t)u.id, "code", u.code,
                                             "name", u.name));
    json_object_set_new(j, "state", f.state < 0 ? json_null()
                                                : json_string(followup_state_name(f.state)));
    json_object_set_new(j, "today", json_string(today));
    reply_json(r, 200, j);
}

/* GET /api/v1/incoming/{id}/assignees: whom the leader's form offers as
 * the lead or the support (document/followup.h); for those who assign. */
static void assignees(struct req *r)
{
    struct document d;
    if (incoming_or_reply(r, &d))
        return;
    if (permission_can(r->db, r->account.id, INCOMING_PERM_ASSIGN, d.unit_id) != 1) {
        reply_error(r, 403, "forbidden", "Bạn không có quyền thực hiện thao tác này", NULL);
        return;
    }
    json_t *j = followup_assignees_json(r->db, d.unit_id);
    if (!j) {
        reply_internal(r, "assignees failed");
        return;
    }
    reply_json(r, 200, j);
}

const struct route api_incoming_routes[] = {
    /* Before {id}, which would take "board" for an id. */
    {"GET", "/api/v1/incoming/board", board, ROUTE_OFFICER},
    {"GET", "/api/v1/incoming/board/{unit}", board_unit, ROUTE_OFFICER},
    {"GET", "/api/v1/incoming", list, ROUTE_OFFICER},
    {"GET", "/api/v1/incoming/{id}", show, ROUTE_OFFICER},
    {"GET", "/api/v1/incoming/{id}/verification", verification, ROUTE_OFFICER},
    {"GET", "/api/v1/incoming/{id}/assignees", assignees, ROUTE_OFFICER},
    {"POST", "/api/v1/incoming/{id}/refuse", refuse, ROUTE_OFFICER},
    {"POST", "/api/v1/incoming/{id}/register", register_in, ROUTE_OFFICER},
    {"POST", "/api/v1/incoming/{id}/assign", assign, ROUTE_OFFICER},
    {"POST", "/api/v1/incoming/{id}/start", start, ROUTE_OFFICER},
    {"POST", "/api/v1/incoming/{id}/complete", complete, ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};

/* api_exchange_log: the exchange message log for officers (docs/exchange.md
 * "The message log"), so that a unit can prove what it sent to whom and
 * when, and what it received:
 *   GET /api/v1/exchange/messages             the log, filtered, paged
 *   GET /api/v1/exchange/messages/{id}        one message
 *   GET /api/v1/exchange/messages/{id}/envelope   the signed envelope as stored
 *   GET /api/v1/exchange/messages/{id}/timestamp  its RFC 3161 token (DER)
 *   GET /api/v1/exchange/units                units hosted by other nodes
 * An officer sees the messages of the units where they hold document.read
 * (node/msglog.h); another message is 404, as if it did not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "base/util.h"
#include "dossier/filestore.h"
#include "http/http.h"
#include "http/router.h"
#include "node/msglog.h"
#include "store/store.h"

/* Is the query parameter name absent, or one of the allowed values? Else
 * replies 400 and returns -1. */
static int one_of_or_reply(struct req *r, const char *name, const char *const *allowed,
                           const char *message)
{
    const char *v = req_query(r, name);
    if (!v || !v[0])
        return 0;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(v, allowed[i]) == 0)
            return 0;
    reply_error(r, 400, "bad_parameter", message, name);
    return -1;
}

/* A date parameter (YYYY-MM-DD, a real day) as the Unix time its day
 * starts in Vietnam (UTC+7 all year), plus days; *out 0 when absent. Else
 * replies 400 and returns -1. */
static int date_or_reply(struct req *r, const char *name, int days, int64_t *out)
{
    const char *v = req_query(r, name);
    struct tm tm = {0};
    *out = 0;
    if (!v || !v[0])
        return 0;
    int ok = strlen(v) == 10 && v[4] == '-' && v[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
            ok = 0;
    if (ok) {
        tm.tm_year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + v[3] - '0';
        tm.tm_mon = (v[5] - '0') * 10 + v[6] - '0' - 1;
        tm.tm_mday = (v[8] - '0') * 10 + v[9] - '0';
        int y = tm.tm_year, m = tm.tm_mon, d = tm.tm_mday;
        tm.tm_year -= 1900;
        time_t t = timegm(&tm);
        /* timegm normalises 2026-02-30 to March: such a day is refused. */
        ok = y >= 2000 && tm.tm_year == y - 1900 && tm.tm_mon == m && tm.tm_mday == d;
        *out = (int64_t)t - 7 * 3600 + (int64_t)days * 86400;
    }
    if (!ok) {
        reply_error(r, 400, "bad_parameter", "Ngày phải có dạng YYYY-MM-DD", name);
        return -1;
    }
    return 0;
}

/* GET /api/v1/exchange/messages?direction=&kind=&state=&organ=&from=&to=&q=
 * &limit=&offset= */
static void list(struct req *r)
{
    static const char *const directions[] = {"out", "in", NULL};
    static const char *const kinds[] = {"document", "status", NULL};
    static const char *const states[] = {"pending", "sending", "delivered", "failed",
                                         "received", "refused", NULL};
    const char *l = req_query(r, "limit"), *o = req_query(r, "offset");
    const char *q = req_query(r, "q"), *organ = req_query(r, "organ");
    long limit = 20, offset = 0;
    int64_t since, before;
    if (one_of_or_reply(r, "direction", directions, "Chiều phải là out hoặc in") ||
        one_of_or_reply(r, "kind", kinds, "Loại phải là document hoặc status") ||
        one_of_or_reply(r, "state", states, "Trạng thái không hợp lệ") ||
        date_or_reply(r, "from", 0, &since) || date_or_reply(r, "to", 1, &before) ||
        (l && req_long_or_reply(r, l, "limit", 1, 200, 0, &limit)) ||
        (o && req_long_or_reply(r, o, "offset", 0, 1000000, 0, &offset)))
        return;
    if ((q && strlen(q) > 200) || (organ && strlen(organ) > 64)) {
        reply_error(r, 400, "bad_parameter", "Từ khóa quá dài",
                    q && strlen(q) > 200 ? "q" : "organ");
        return;
    }
    struct msglog_filter f = {.direction = req_query(r, "direction"),
                              .kind = req_query(r, "kind"),
                              .state = req_query(r, "state"),
                              .organ = organ,
                              .since = since,
                              .before = before,
                              .text = q,
                              .limit = (int)limit,
                              .offset = (int)offset};
    json_t *j = msglog_list_json(r->db, r->account.id, &f);
    if (!j) {
        reply_internal(r, "exchange log list failed");
        return;
    }
    int years;
    if (msglog_retention_get(r->db, &years) >= 0)
        json_object_set_new(j, "retention_years", json_integer(years));
    reply_json(r, 200, j);
}

/* The {id} of the path; replies 404 on a malformed one. */
static int id_or_reply(struct req *r, long *id)
{
    return req_long_or_reply(r, req_param(r, "id"), "id", 1, INT32_MAX, 1, id);
}

static void not_found(struct req *r)
{
    reply_error(r, 404, "message_not_found", "Không tìm thấy thông điệp liên thông", NULL);
}

/* GET /api/v1/exchange/messages/{id} */
static void show(struct req *r)
{
    long id;
    json_t *j = NULL;
    if (id_or_reply(r, &id))
        return;
    int rc = msglog_get_json(r->db, r->account.id, id, &j);
    if (rc == STORE_DONE) {
        not_found(r);
        return;
    }
    if (rc != STORE_ROW) {
        reply_internal(r, "exchange log read failed");
        return;
    }
    reply_json(r, 200, json_pack("{so}", "message", j));
}

static void attachment(struct req *r, const char *name, long id, const char *ext)
{
    char v[128];
    snprintf(v, sizeof v, "attachment; filename=\"%s-%ld.%s\"", name, id, ext);
    req_add_header(r, "Content-Disposition", v);
}

/* GET /api/v1/exchange/messages/{id}/envelope: the bytes as stored, which
 * the token's imprint is the SHA-256 of. */
static void envelope(struct req *r)
{
    long id;
    char sha[65];
    size_t size = 0;
    if (id_or_reply(r, &id))
        return;
    int rc = msglog_envelope_sha(r->db, r->account.id, id, sha);
    if (rc == STORE_DONE) {
        not_found(r);
        return;
    }
    if (rc != STORE_ROW) {
        reply_internal(r, "exchange log read failed");
        return;
    }
    int fd = filestore_open(r->app->files_dir, sha, &size);
    if (fd < 0) {
        reply_error(r, 404, "envelope_missing", "Không còn tệp gói tin trong kho lưu trữ", NULL);
        return;
    }
    attachment(r, "edxml", id, "xml");
    reply_file(r, 200, "application/xml", fd, size);
}

/* GET /api/v1/exchange/messages/{id}/timestamp: the token (a DER CMS
 * ContentInfo): `openssl ts -verify -token_in -in FILE -data ENVELOPE`. */
static void timestamp(struct req *r)
{
    long id;
    unsigned char *tok = NULL;
    size_t len = 0;
    if (id_or_reply(r, &id))
        return;
    int rc = msglog_token(r->db, r->account.id, id, &tok, &len);
    if (rc == STORE_DONE) {
        reply_error(r, 404, "no_timestamp", "Thông điệp này chưa có dấu thời gian", NULL);
        return;
    }
    if (rc != STORE_ROW) {
        reply_internal(r, "exchange log read failed");
        return;
    }
    attachment(r, "edxml", id, "tst");
    reply_bytes(r, 200, "application/octet-stream", tok, len);
    free(tok);
}

/* GET /api/v1/exchange/units: the draft form's exchange recipients. */
static void units(struct req *r)
{
    json_t *j = NULL;
    if (msglog_units_json(r->db, now_unix(), &j)) {
        reply_internal(r, "exchange units failed");
        return;
    }
    reply_json(r, 200, json_pack("{so}", "units", j));
}

const struct route api_exchange_log_routes[] = {
    {"GET", "/api/v1/exchange/messages", list, ROUTE_OFFICER},
    {"GET", "/api/v1/exchange/messages/{id}", show, ROUTE_OFFICER},
    {"GET", "/api/v1/exchange/messages/{id}/envelope", envelope, ROUTE_OFFICER},
    {"GET", "/api/v1/exchange/messages/{id}/timestamp", timestamp, ROUTE_OFFICER},
    {"GET", "/api/v1/exchange/units", units, ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};

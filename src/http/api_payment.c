/* api_payment: fees and payments. The citizen's payment of a dossier
 * (amount, VietQR for bank transfer, online checkout), the gateway's signed
 * server-to-server notification and the browser's return, the officers'
 * payment request, desk confirmation and reconciliation report, and the
 * local test gateway's pages (only with `motcua serve --test-gateway`).
 * docs/payments.md describes the protocol. */
#include <event2/http.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "auth/permission.h"
#include "base/dynbuf.h"
#include "base/log.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
#include "http/dossier_access.h"
#include "calendar/calendar.h"
#include "http/http.h"
#include "http/router.h"
#include "payment/gateway.h"
#include "payment/payment.h"
#include "payment/testgw.h"
#include "payment/vietqr.h"
#include "store/store.h"

#define QR_PX 264

/* --- shared ------------------------------------------------------------------- */

static json_t *dossier_brief(const struct dossier *d)
{
    const char *name = status_name(d->status_code);
    return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)d->id, "code", d->code, "state",
                     d->state, "status",
                     name ? json_pack("{s:i, s:s}", "code", d->status_code, "name", name)
                          : json_null());
}

/* What the procedure charges this dossier: the amount (per unit times the
 * units the form asks for), the per-unit amount and count, the note. */
static json_t *fee_json(struct store *db, int64_t dossier_id)
{
    struct payment_fee f;
    if (payment_fee(db, dossier_id, &f) != STORE_ROW)
        return json_null();
    return json_pack("{s:I, s:I, s:I, s:s?, s:s, s:b}", "amount", (json_int_t)f.amount,
                     "unit_amount", (json_int_t)f.unit_amount, "quantity", (json_int_t)f.quantity,
                     "per_field", f.per_field[0] ? f.per_field : NULL, "note", f.note, "exempt",
                     f.unit_amount == 0);
}

static int online_available(void)
{
    const struct payment_config *c = payment_config();
    return c->secret[0] && c->gateway_url[0] && gateway_find(c->gateway);
}

/* Everything the payment page needs. */
static json_t *payment_view(struct store *db, const struct dossier *d)
{
    const struct payment_config *c = payment_config();
    struct payment p;
    int rc = payment_for_dossier(db, d->id, &p);
    if (rc < 0)
        return NULL;
    json_t *o = json_pack("{s:o, s:o, s:o}", "dossier", dossier_brief(d), "fee",
                          fee_json(db, d->id), "payment",
                          rc == STORE_ROW ? payment_json(&p) : json_null());
    int pending = rc == STORE_ROW && strcmp(p.status, "pending") == 0;
    char payload[VIETQR_MAX];
    if (pending && c->bank_bin[0] && payment_vietqr(&p, payload, sizeof payload) > 0) {
        char *png = payment_qr_png_data_url(payload, QR_PX);
        json_object_set_new(o, "bank",
                            json_pack("{s:s, s:s, s:s, s:s, s:b}", "bin", c->bank_bin,
                                      "bank_name", c->bank_name, "account", c->account,
                                      "account_name", c->account_name, "demo", c->bank_demo));
        json_object_set_new(o, "vietqr",
                            json_pack("{s:s, s:s, s:s?}", "payload", payload, "content",
                                      p.reference, "image", png));
        free(png);
    } else {
        json_object_set_new(o, "bank", json_null());
        json_object_set_new(o, "vietqr", json_null());
    }
    json_object_set_new(o, "online",
                        json_pack("{s:b, s:s}", "available", pending && online_available(),
                                  "gateway", c->gateway));
    return o;
}

/* The notify and return routes answer gateways: status by refusal code. */
static void reply_gateway_refusal(struct req *r, struct derr *e)
{
    int status = e->kind == DERR_NOT_FOUND  ? 404
                 : e->kind == DERR_INVALID ? 400
                 : e->kind == DERR_STATE   ? 409
                                           : 500;
    if (status == 500) {
        reply_derr(r, e);
        return;
    }
    /* e lives in the request's data, freed by the reply: copy it out first. */
    json_t *err = json_pack("{s:s, s:s}", "code", e->code, "message", e->message);
    if (err && e->field[0])
        json_object_set_new(err, "field", json_string(e->field));
    derr_clear(e);
    reply_json(r, status, json_pack("{s:o}", "error", err));
}

/* Reads a gateway's parameters; replies 403/400/503 and returns -1 unless
 * they are signed, for our merchant, and well formed. */
static int gateway_result_or_reply(struct req *r, const char *text, size_t len,
                                   struct gateway_result *res)
{
    const struct payment_config *c = payment_config();
    const struct payment_gateway *gw = gateway_find(c->gateway);
    struct gateway_config gc = payment_gateway_config();
    struct gw_params *ps;
    if (!gw || !c->secret[0]) {
        reply_error(r, 503, "payment_unavailable", "Chưa cấu hình thanh toán trực tuyến", NULL);
        return -1;
    }
    if (len > GW_MAX_BODY) {
        reply_error(r, 413, "body_too_large", "Dữ liệu quá lớn", NULL);
        return -1;
    }
    if (!(ps = malloc(sizeof *ps))) {
        reply_internal(r, "out of memory");
        return -1;
    }
    int rc = gw_params_parse(text, len, ps) ? GW_MALFORMED : gw->read_result(&gc, ps, res);
    free(ps);
    if (rc == GW_BAD_SIGNATURE)
        reply_error(r, 403, "bad_signature", "Chữ ký không hợp lệ", "secure_hash");
    else if (rc == GW_WRONG_MERCHANT)
        reply_error(r, 403, "wrong_merchant", "Sai mã đơn vị chấp nhận thanh toán", "merchant");
    else if (rc != GW_OK)
        reply_error(r, 400, "malformed", "Tham số không hợp lệ", NULL);
    return rc == GW_OK ? 0 : -1;
}

/* --- the citizen ---------------------------------------------------------------- */

/* The dossier's payment: the citizen's route and the officers'. */
static void dossier_payment(struct req *r)
{
    struct dossier d;
    if (dossier_or_reply(r, &d, ACCESS_SUBMITTED))
        return;
    json_t *o = payment_view(r->db, &d);
    if (!o) {
        reply_internal(r, "payment read failed");
        return;
    }
    reply_json(r, 200, o);
}

static void citizen_checkout(struct req *r)
{
    const struct payment_config *c = payment_config();
    struct dossier d;
    struct payment p;
    char url[4096], ret[512], info[200];
    if (own_dossier_or_reply(r, &d, ACCESS_SUBMITTED))
        return;
    int rc = payment_for_dossier(r->db, d.id, &p);
    if (rc < 0) {
        reply_internal(r, "payment read failed");
        return;
    }
    if (rc != STORE_ROW || strcmp(p.status, "pending") != 0) {
        reply_error(r, 409, "no_pending_payment",
                    "Hồ sơ không có khoản phí, lệ phí nào đang chờ nộp", NULL);
        return;
    }
    if (!online_available()) {
        reply_error(r, 503, "payment_unavailable",
                    "Chưa hỗ trợ thanh toán trực tuyến; vui lòng chuyển khoản hoặc nộp tại quầy",
                    NULL);
        return;
    }
    int64_t now = now_unix();
    struct gateway_config gc = payment_gateway_config();
    /* Gateways want ASCII descriptions; the dossier code is ASCII. */
    snprintf(info, sizeof info, "Thanh toan phi le phi ho so %s", d.code);
    snprintf(ret, sizeof ret, "%s/api/v1/payments/return", c->base_url);
    struct gateway_order o = {.txn_ref = p.reference, .amount = p.amount, .order_info = info,
                              .return_url = ret, .now = now,
                              .expire_at = now + 60LL * c->checkout_minutes};
    if (gateway_find(c->gateway)->checkout_url(&gc, &o, url, sizeof url)) {
        reply_internal(r, "checkout URL failed");
        return;
    }
    reply_json(r, 200,
               json_pack("{s:s, s:s, s:I, s:s, s:o}", "redirect_url", url, "reference",
                         p.reference, "amount", (json_int_t)p.amount, "gateway", c->gateway,
                         "expires_at", cal_json_iso(o.expire_at)));
}

/* --- the gateway ------------------------------------------------------------------- */

struct notify_state {
    struct payment_confirm job;
};

static void clear_notify(void *p)
{
    struct notify_state *s = p;
    derr_clear(&s->job.err);
}

static void notified(struct req *r)
{
    struct notify_state *s = r->data;
    static const char *const outcome[] = {[PAYMENT_CONFIRMED] = "confirmed",
                                          [PAYMENT_ALREADY] = "already_confirmed",
                                          [PAYMENT_NOT_PAID] = "not_paid"};
    if (r->wjob.rc) {
        reply_gateway_refusal(r, &s->job.err);
        return;
    }
    reply_json(r, 200, json_pack("{s:s, s:s}", "result", outcome[s->job.outcome], "reference",
                                 s->job.r.txn_ref));
}

static void gateway_notify(struct req *r)
{
    const char *ct = req_header(r, "Content-Type");
    size_t len;
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        reply_error(r, 415, "unsupported_media_type",
                    "Yêu cầu phải có Content-Type: application/x-www-form-urlencoded", NULL);
        return;
    }
    const char *body = (const char *)req_body(r, &len);
    struct notify_state *s = req_state(r, sizeof *s, clear_notify);
    if (!s)
        return;
    if (gateway_result_or_reply(r, body, len, &s->job.r))
        return;
    /* A repeat of what is already confirmed needs no write. */
    struct payment p;
    if (s->job.r.paid && payment_by_reference(r->db, s->job.r.txn_ref, &p) == STORE_ROW &&
        strcmp(p.status, "paid") == 0 && strcmp(p.method, "gateway") == 0 &&
        strcmp(p.gateway, payment_config()->gateway) == 0 &&
        strcmp(p.gateway_txn, s->job.r.gateway_txn) == 0 && p.amount == s->job.r.amount) {
        s->job.outcome = PAYMENT_ALREADY;
        r->wjob.rc = 0;
        notified(r);
        return;
    }
    copy_str(s->job.gateway, sizeof s->job.gateway, payment_config()->gateway);
    s->job.cal = r->app->cal;
    s->job.now = now_unix();
    http_defer_write(r, payment_confirm_job, &s->job, notified);
}

/* The browser comes back from the gateway: nothing changes here (the
 * notification does that); the signature is checked and the browser sent
 * to the dossier's page. */
static void gateway_return(struct req *r)
{
    const char *q = r->query_string;
    struct gateway_result res;
    struct payment p;
    char loc[128];
    if (gateway_result_or_reply(r, q ? q : "", q ? strlen(q) : 0, &res))
        return;
    int rc = payment_by_reference(r->db, res.txn_ref, &p);
    if (rc != STORE_ROW) {
        if (rc < 0)
            reply_internal(r, "payment read failed");
        else
            reply_error(r, 404, "unknown_payment", "Không có khoản thanh toán này", "txn_ref");
        return;
    }
    snprintf(loc, sizeof loc, "/ho-so?id=%lld&thanh-toan=%s", (long long)p.dossier_id,
             res.paid ? "thanh-cong" : "khong-thanh-cong");
    req_add_header(r, "Location", loc);
    reply_empty(r, 303);
}

/* --- officers ------------------------------------------------------------------------ */

/* After a staff job: the payment and the dossier as they are now. */
static void reply_payment_done(struct req *r, int status, int64_t dossier_id)
{
    struct dossier d;
    struct payment p;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)dossier_id);
    if (dossier_find(r->db, key, 0, &d) != STORE_ROW ||
        payment_for_dossier(r->db, d.id, &p) != STORE_ROW) {
        reply_internal(r, "payment read-back failed");
        return;
    }
    reply_json(r, status, json_pack("{s:o, s:o}", "payment", payment_json(&p), "dossier",
                                    dossier_brief(&d)));
}

static void requested(struct req *r)
{
    struct payment_request *s = r->data;
    reply_payment_done(r, 201, s->dossier_id);
}

static void staff_request(struct req *r)
{
    struct dossier d;
    const char *note;
    if (staff_dossier_or_reply(r, &d, ACCESS_SUBMITTED))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    json_t *amount = json_object_get(body, "amount");
    int64_t amt = -1;
    if (amount && !json_is_null(amount)) {
        if (!json_is_integer(amount) || json_integer_value(amount) < 1 ||
            json_integer_value(amount) > PAYMENT_MAX_AMOUNT) {
            reply_error(r, 422, "bad_amount",
                        "Số tiền phải là số nguyên dương (đồng), tối đa 999.999.999.999",
                        "amount");
            return;
        }
        amt = json_integer_value(amount);
    }
    if (req_string_or_reply(r, body, "note", 1, 1, PAYMENT_NOTE_MAX, &note))
        return;
    struct payment_request *s = req_state(r, sizeof *s, NULL);
    if (!s)
        return;
    s->dossier_id = d.id;
    s->actor_id = r->account.id;
    s->amount = amt;
    copy_str(s->note, sizeof s->note, note);
    s->cal = r->app->cal;
    s->now = now_unix();
    http_defer_job(r, payment_request_job, s, &s->err, requested);
}

static void desk_confirmed(struct req *r)
{
    struct payment_desk *s = r->data;
    reply_payment_done(r, 200, s->dossier_id);
}

static void staff_confirm_desk(struct req *r)
{
    struct dossier d;
    const char *method, *note;
    if (staff_dossier_or_reply(r, &d, ACCESS_SUBMITTED))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    if (req_string_or_reply(r, body, "method", 0, 1, 15, &method) ||
        req_string_or_reply(r, body, "note", 0, 0, PAYMENT_NOTE_MAX, &note))
        return;
    struct payment_desk *s = req_state(r, sizeof *s, NULL);
    if (!s)
        return;
    s->dossier_id = d.id;
    s->actor_id = r->account.id;
    copy_str(s->method, sizeof s->method, method ? method : "desk");
    copy_str(s->note, sizeof s->note, note ? note : "");
    s->cal = r->app->cal;
    s->now = now_unix();
    http_defer_job(r, payment_desk_job, s, &s->err, desk_confirmed);
}

/* "YYYY-MM-DD" -> Unix seconds of that local midnight; -1 if invalid. */
static int64_t local_day(const char *s)
{
    int y, m, d;
    char extra;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
        s[4] != '-' || s[7] != '-' || y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 ||
        d > 31)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_mday != d) /* 2026-02-30 */
        return -1;
    return (int64_t)t - 7 * 3600;
}

static void reconciliation(struct req *r)
{
    const char *code = req_query(r, "unit"), *from_s = req_query(r, "from");
    const char *to_s = req_query(r, "to");
    struct unit u;
    int64_t from = local_day(from_s), to = local_day(to_s);
    if (from < 0) {
        reply_error(r, 400, "bad_parameter", "from phải là ngày dạng YYYY-MM-DD", "from");
        return;
    }
    if (to < 0 || to < from || to - from > 366LL * 86400) {
        reply_error(r, 400, "bad_parameter",
                    "to phải là ngày dạng YYYY-MM-DD, không trước from, cách from tối đa 366 ngày",
                    "to");
        return;
    }
    if (!code || strlen(code) > 63 || unit_by_code(r->db, code, &u) != STORE_ROW ||
        permission_can(r->db, r->account.id, "report.read", u.id) != 1) {
        reply_error(r, 404, "not_found", "Không tìm thấy đơn vị", "unit");
        return;
    }
    json_t *o = payment_reconciliation_json(r->db, u.id, from, to + 86400, !u.parent_code[0]);
    if (!o) {
        reply_internal(r, "reconciliation failed");
        return;
    }
    json_object_set_new(o, "unit", unit_json(&u));
    json_object_set_new(o, "from", json_string(from_s));
    json_object_set_new(o, "to", json_string(to_s));
    reply_json(r, 200, o);
}

/* --- the local test gateway's pages ------------------------------------------------------ */

/* A bounded growing HTML text. */
/* The test gateway's pages are small. */
#define HTML_MAX (64 * 1024)

/* Appends text with HTML's special characters escaped. */
static void html_text(struct dynbuf *h, const char *s)
{
    while (*s) {
        size_t plain = strcspn(s, "&<>\"'");
        dynbuf_add(h, s, plain);
        s += plain;
        switch (*s) {
        case '&': dynbuf_adds(h, "&amp;"); break;
        case '<': dynbuf_adds(h, "&lt;"); break;
        case '>': dynbuf_adds(h, "&gt;"); break;
        case '"': dynbuf_adds(h, "&quot;"); break;
        case '\'': dynbuf_adds(h, "&#39;"); break;
        default: continue; /* the end of s */
        }
        s++;
    }
}

/* 1234567 -> "1.234.567" */
static void format_vnd(int64_t v, char *out, size_t cap)
{
    char digits[32], tmp[48];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            tmp[o++] = '.';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    copy_str(out, cap, tmp);
}

static void html_page_start(struct dynbuf *h, const char *title)
{
    dynbuf_adds(h, "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>");
    html_text(h, title);
    dynbuf_adds(h, "</title><style>body{font-family:system-ui,sans-serif;background:#eef2f6;"
                   "margin:0;color:#1b2430}main{max-width:480px;margin:40px auto;background:#fff;"
                   "border-radius:8px;padding:24px 28px;box-shadow:0 2px 8px #0002}"
                   "h1{font-size:1.3rem;margin:0 0 4px}.test{background:#fff4ce;border:1px solid"
                   " #e0b400;padding:8px 12px;border-radius:6px;font-size:.9rem}"
                   "dl{display:grid;grid-template-columns:auto 1fr;gap:6px 16px}dt{color:#566}"
                   "dd{margin:0;font-weight:600}.amount{font-size:1.4rem;color:#0b5}"
                   ".btns{display:flex;gap:12px;margin-top:20px}button{font-size:1rem;"
                   "padding:10px 18px;border-radius:6px;border:1px solid #0a58ca;cursor:pointer}"
                   "#approve{background:#0a58ca;color:#fff}#deny{background:#fff;color:#a31d1d;"
                   "border-color:#a31d1d}</style></head><body><main>");
}

static void reply_html(struct req *r, int status, struct dynbuf *h)
{
    dynbuf_adds(h, "</main></body></html>");
    size_t len;
    char *page = dynbuf_take(h, &len);
    if (!page) {
        reply_internal(r, "page too large");
        return;
    }
    req_add_header(r, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    reply_bytes(r, status, "text/html; charset=utf-8", page, len);
    free(page);
}

static void testgw_message(struct req *r, int status, const char *title, const char *text)
{
    struct dynbuf h;
    dynbuf_init(&h, HTML_MAX);
    html_page_start(&h, title);
    dynbuf_adds(&h, "<h1>");
    html_text(&h, title);
    dynbuf_adds(&h, "</h1><p>");
    html_text(&h, text);
    dynbuf_adds(&h, "</p>");
    reply_html(r, status, &h);
}

/* Reads and checks a checkout; on failure answers with a page. */
static int checkout_or_page(struct req *r, struct gw_params *ps, struct testgw_order *o)
{
    struct gateway_config gc = payment_gateway_config();
    int rc = testgw_read_checkout(&gc, ps, now_unix(), o);
    if (rc == GW_OK)
        return 0;
    if (rc == GW_BAD_SIGNATURE || rc == GW_WRONG_MERCHANT)
        testgw_message(r, 403, "Yêu cầu thanh toán không hợp lệ",
                       "Chữ ký của đơn vị chấp nhận thanh toán không đúng.");
    else if (rc == TESTGW_EXPIRED)
        testgw_message(r, 410, "Yêu cầu thanh toán đã hết hạn",
                       "Vui lòng quay lại trang hồ sơ và bấm thanh toán lại.");
    else
        testgw_message(r, 400, "Yêu cầu thanh toán không hợp lệ", "Thiếu hoặc sai tham số.");
    return -1;
}

static int test_gateway_on_or_reply(struct req *r)
{
    if (payment_config()->test_gateway && payment_config()->secret[0])
        return 0;
    reply_not_found(r);
    return -1;
}

static void testgw_page(struct req *r)
{
    const char *q = r->query_string;
    struct testgw_order o;
    struct gw_params *ps;
    char amount[32];
    if (test_gateway_on_or_reply(r))
        return;
    if (!(ps = malloc(sizeof *ps))) {
        reply_internal(r, "out of memory");
        return;
    }
    if (!q || gw_params_parse(q, strlen(q), ps)) {
        free(ps);
        testgw_message(r, 400, "Yêu cầu thanh toán không hợp lệ", "Thiếu hoặc sai tham số.");
        return;
    }
    if (checkout_or_page(r, ps, &o)) {
        free(ps);
        return;
    }
    format_vnd(o.amount, amount, sizeof amount);
    struct dynbuf h;
    dynbuf_init(&h, HTML_MAX);
    html_page_start(&h, "Cổng thanh toán thử nghiệm");
    dynbuf_adds(&h, "<h1>Cổng thanh toán thử nghiệm</h1><p class=\"test\">Đây là cổng thanh toán"
                    " giả lập của motcua, chỉ dùng cho kiểm thử và trình diễn. Không có tiền thật"
                    " được chuyển.</p><dl><dt>Đơn vị nhận</dt><dd>");
    html_text(&h, o.merchant);
    dynbuf_adds(&h, "</dd><dt>Mã giao dịch</dt><dd id=\"txn-ref\">");
    html_text(&h, o.txn_ref);
    dynbuf_adds(&h, "</dd><dt>Nội dung</dt><dd>");
    html_text(&h, o.order_info);
    dynbuf_addf(&h, "</dd><dt>Số tiền</dt><dd class=\"amount\" id=\"amount\">%s ₫</dd></dl>"
                    "<form method=\"post\" action=\"/test-gateway/pay\">",
             amount);
    for (int i = 0; i < ps->n; i++) {
        dynbuf_adds(&h, "<input type=\"hidden\" name=\"");
        html_text(&h, ps->p[i].name);
        dynbuf_adds(&h, "\" value=\"");
        html_text(&h, ps->p[i].value);
        dynbuf_adds(&h, "\">");
    }
    dynbuf_adds(&h, "<div class=\"btns\"><button id=\"approve\" name=\"decision\" value=\"approve\">"
                    "Đồng ý thanh toán</button><button id=\"deny\" name=\"decision\""
                    " value=\"deny\">Hủy giao dịch</button></div></form>");
    free(ps);
    reply_html(r, 200, &h);
}

struct testgw_state {
    struct testgw_order order;
    struct testgw_record rec;
    int paid;
    struct gw_params result;
    char body[GW_MAX_BODY];
    char notify_url[400];
    long status;
    char err[200];
};

static void testgw_notified(struct req *r)
{
    struct testgw_state *s = r->data;
    char *loc = malloc(sizeof s->order.return_url + GW_MAX_BODY + 2);
    if (s->err[0] || s->status != 200)
        log_warn("test gateway: notification of %s answered %ld %s", s->order.txn_ref,
                 s->status, s->err);
    if (!loc) {
        reply_internal(r, "out of memory");
        return;
    }
    snprintf(loc, sizeof s->order.return_url + GW_MAX_BODY + 2, "%s%c%s", s->order.return_url,
             strchr(s->order.return_url, '?') ? '&' : '?', s->body);
    req_add_header(r, "Location", loc);
    free(loc);
    reply_empty(r, 303);
}

/* On the worker pool: the server-to-server notification. */
static void testgw_send(void *arg)
{
    struct testgw_state *s = arg;
    if (testgw_post(s->notify_url, s->body, &s->status, s->err, sizeof s->err))
        s->status = 0;
}

static void testgw_notify(struct req *r)
{
    struct testgw_state *s = r->data;
    struct gateway_config gc = payment_gateway_config();
    if (r->wjob.rc) {
        reply_internal(r, "test gateway record failed");
        return;
    }
    if (testgw_result_params(&gc, &s->order, s->rec.gateway_txn, s->paid,
                             s->paid ? s->rec.paid_at : now_unix(), &s->result) ||
        gw_encode(&s->result, s->body, sizeof s->body) < 0) {
        reply_internal(r, "test gateway result failed");
        return;
    }
    snprintf(s->notify_url, sizeof s->notify_url, "%s/api/v1/payments/notify",
             payment_config()->base_url);
    http_defer_work(r, testgw_send, s, testgw_notified);
}

static void testgw_decide(struct req *r)
{
    struct gw_params *ps = NULL, *form = NULL;
    const char *ct = req_header(r, "Content-Type");
    size_t len;
    if (test_gateway_on_or_reply(r))
        return;
    const char *body = (const char *)req_body(r, &len);
    struct testgw_state *s = req_state(r, sizeof *s, NULL);
    if (!s)
        return;
    if (!(ps = calloc(1, sizeof *ps)) || !(form = malloc(sizeof *form))) {
        free(ps);
        reply_internal(r, "out of memory");
        return;
    }
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
        gw_params_parse(body, len, form)) {
        testgw_message(r, 400, "Yêu cầu thanh toán không hợp lệ", "Thiếu hoặc sai tham số.");
        goto out;
    }
    /* The decision is the page's button; the rest is the signed checkout. */
    const char *decision = gw_params_get(form, "decision");
    for (int i = 0; i < form->n; i++)
        if (strcmp(form->p[i].name, "decision") != 0)
            gw_params_add(ps, form->p[i].name, form->p[i].value);
    if (!decision || (strcmp(decision, "approve") && strcmp(decision, "deny"))) {
        testgw_message(r, 400, "Yêu cầu thanh toán không hợp lệ", "Chưa chọn đồng ý hay hủy.");
        goto out;
    }
    if (checkout_or_page(r, ps, &s->order))
        goto out;
    s->paid = strcmp(decision, "approve") == 0;
    if (testgw_new_txn(s->rec.gateway_txn)) {
        reply_internal(r, "no random bytes");
        goto out;
    }
    if (!s->paid) {
        r->wjob.rc = 0;
        testgw_notify(r);
        goto out;
    }
    copy_str(s->rec.txn_ref, sizeof s->rec.txn_ref, s->order.txn_ref);
    s->rec.amount = s->order.amount;
    s->rec.now = now_unix();
    http_defer_write(r, testgw_record_job, &s->rec, testgw_notify);
out:
    free(ps);
    free(form);
}

const struct route api_payment_routes[] = {
    {"GET", "/api/v1/dossiers/{id}/payment", dossier_payment, ROUTE_USER},
    {"POST", "/api/v1/dossiers/{id}/payment/checkout", citizen_checkout, ROUTE_USER},
    {"POST", "/api/v1/payments/notify", gateway_notify, 0},
    {"GET", "/api/v1/payments/return", gateway_return, 0},
    {"GET", "/api/v1/staff/dossiers/{id}/payment", dossier_payment, ROUTE_OFFICER},
    {"POST", "/api/v1/staff/dossiers/{id}/payment-request", staff_request, ROUTE_OFFICER},
    {"POST", "/api/v1/staff/dossiers/{id}/payment/confirm-desk", staff_confirm_desk, ROUTE_OFFICER},
    {"GET", "/api/v1/staff/payments/reconciliation", reconciliation, ROUTE_OFFICER},
    {"GET", "/test-gateway/pay", testgw_page, 0},
    {"POST", "/test-gateway/pay", testgw_decide, 0},
    {NULL, NULL, NULL, 0},
};

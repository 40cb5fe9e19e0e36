/* payment: the payments table, configuration, VietQR, the request, gateway
 * and desk confirmation jobs, the dossier-change listener and the
 * reconciliation report. */
#include "payment/payment.h"

#include <cairo.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/permission.h"
#include "audit/audit.h"
#include "base/assets.h"
#include "base/dynbuf.h"
#include "base/log.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "dossier/changes.h"
#include "dossier/dossier.h"
#include "payment/testgw.h"
#include "payment/vietqr.h"
#include "render/qr.h"
#include "report/stats.h"
#include "store/store.h"
#include "workflow/workflow.h"

#define CONFIG_MAX (64 * 1024)

static struct payment_config cfg;

/* --- configuration ------------------------------------------------------------- */

const struct payment_config *payment_config(void) { return &cfg; }

struct gateway_config payment_gateway_config(void)
{
    return (struct gateway_config){.merchant = cfg.merchant, .secret = cfg.secret,
                                   .url = cfg.gateway_url};
}

/* Copies a required string member; -1 if missing or too long. */
static int member(json_t *o, const char *key, char *out, size_t cap)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v && v[0] ? copy_str(out, cap, v) : -1;
}

static int load_config(const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *bank = json_object_get(root, "bank"), *gw = json_object_get(root, "gateway");
    char payload[VIETQR_MAX], url[sizeof cfg.gateway_url];
    const char *why = NULL;
    int rc = -1;
    if (!root) {
        snprintf(err, errlen, "payment configuration, line %d: %s", jerr.line, jerr.text);
        return -1;
    }
    if (!json_is_object(bank) || member(bank, "bin", cfg.bank_bin, sizeof cfg.bank_bin) ||
        member(bank, "bank_name", cfg.bank_name, sizeof cfg.bank_name) ||
        member(bank, "account", cfg.account, sizeof cfg.account) ||
        member(bank, "account_name", cfg.account_name, sizeof cfg.account_name)) {
        snprintf(err, errlen, "payment configuration: bank needs bin, bank_name, account and"
                              " account_name");
        goto out;
    }
    cfg.bank_demo = json_is_true(json_object_get(bank, "demo"));
    /* The account must make a valid VietQR. */
    if (vietqr_payload(&(struct vietqr){.bank_bin = cfg.bank_bin, .account = cfg.account,
                                        .amount = 1000, .purpose = "MC000001"},
                       payload, sizeof payload, &why) < 0) {
        snprintf(err, errlen, "payment configuration: %s", why);
        goto out;
    }
    json_t *minutes = json_object_get(gw, "checkout_minutes");
    if (!json_is_object(gw) || member(gw, "name", cfg.gateway, sizeof cfg.gateway) ||
        !gateway_find(cfg.gateway) || member(gw, "merchant", cfg.merchant, sizeof cfg.merchant) ||
        member(gw, "url", url, sizeof url) ||
        (minutes && (!json_is_integer(minutes) || json_integer_value(minutes) < 1 ||
                     json_integer_value(minutes) > 24 * 60))) {
        snprintf(err, errlen, "payment configuration: gateway needs a known name (testgw),"
                              " merchant, url and checkout_minutes 1..1440");
        goto out;
    }
    cfg.checkout_minutes = minutes ? (int)json_integer_value(minutes) : 15;
    /* A relative gateway URL is on this server (the test gateway). */
    int n = url[0] == '/' ? snprintf(cfg.gateway_url, sizeof cfg.gateway_url, "%s%s",
                                     cfg.base_url, url)
                          : snprintf(cfg.gateway_url, sizeof cfg.gateway_url, "%s", url);
    if (n < 0 || (size_t)n >= sizeof cfg.gateway_url) {
        snprintf(err, errlen, "payment configuration: gateway url too long");
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int payment_configure(const char *config_path, const char *secret, int test_gateway,
                      const char *base_url, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int rc = -1;
    memset(&cfg, 0, sizeof cfg);
    if (copy_str(cfg.base_url, sizeof cfg.base_url, base_url ? base_url : "")) {
        snprintf(err, errlen, "base URL too long");
        return -1;
    }
    if (config_path) {
        if (!(text = dynbuf_read_file(config_path, CONFIG_MAX, &len))) {
            snprintf(err, errlen, "cannot read %s (at most 64 KiB)", config_path);
            return -1;
        }
        rc = load_config(text, len, err, errlen);
        free(text);
    } else {
        const struct asset *a = asset_find("data/payment.json");
        if (!a) {
            snprintf(err, errlen, "data/payment.json is missing from the build");
            return -1;
        }
        rc = load_config((const char *)a->data, a->len, err, errlen);
    }
    if (rc)
        return rc;
    if (secret && secret[0]) {
        if (strlen(secret) < 16 || copy_str(cfg.secret, sizeof cfg.secret, secret)) {
            snprintf(err, errlen, "the payment secret must have 16 to 255 characters");
            return -1;
        }
    } else if (test_gateway) {
        /* The test gateway lives in this process: any secret will do. */
        unsigned char raw[32];
        if (random_bytes(raw, sizeof raw)) {
            snprintf(err, errlen, "no random bytes");
            return -1;
        }
        hex_encode(raw, sizeof raw, cfg.secret);
    }
    cfg.test_gateway = test_gateway;
    if (test_gateway && testgw_init()) {
        snprintf(err, errlen, "cannot start libcurl for the test gateway");
        return -1;
    }
    return 0;
}

/* --- reads ------------------------------------------------------------------------ */

/* A payment's columns, with the name of the officer who confirmed it. */
#define PAY_COLS                                                                              \
    "p.id, p.dossier_id, coalesce(p.reference, ''), p.amount, p.purpose, p.status,"            \
    " coalesce(p.method, ''), coalesce(p.gateway, ''), coalesce(p.gateway_txn, ''), p.note,"   \
    " coalesce(p.requested_by, 0), coalesce(p.confirmed_by, 0), p.created_at,"                 \
    " coalesce(p.paid_at, 0), coalesce(p.cancelled_at, 0), p.paid_note,"                       \
    " coalesce(a.full_name, '')"                                                               \
    " FROM payments p LEFT JOIN accounts a ON a.id = p.confirmed_by"

static int read_row(struct store_stmt *st, void *out)
{
    struct payment *p = out;
    memset(p, 0, sizeof *p);
    p->id = store_col_int(st, 0);
    p->dossier_id = store_col_int(st, 1);
    copy_str(p->reference, sizeof p->reference, store_col_text(st, 2));
    p->amount = store_col_int(st, 3);
    copy_str(p->purpose, sizeof p->purpose, store_col_text(st, 4));
    copy_str(p->status, sizeof p->status, store_col_text(st, 5));
    copy_str(p->method, sizeof p->method, store_col_text(st, 6));
    copy_str(p->gateway, sizeof p->gateway, store_col_text(st, 7));
    copy_str(p->gateway_txn, sizeof p->gateway_txn, store_col_text(st, 8));
    copy_str(p->note, sizeof p->note, store_col_text(st, 9));
    p->requested_by = store_col_int(st, 10);
    p->confirmed_by = store_col_int(st, 11);
    p->created_at = store_col_int(st, 12);
    p->paid_at = store_col_int(st, 13);
    p->cancelled_at = store_col_int(st, 14);
    copy_str(p->paid_note, sizeof p->paid_note, store_col_text(st, 15));
    copy_str(p->confirmed_by_name, sizeof p->confirmed_by_name, store_col_text(st, 16));
    return STORE_ROW;
}

int payment_for_dossier(struct store *db, int64_t dossier_id, struct payment *out)
{
    return store_one(db,
                     "SELECT " PAY_COLS " WHERE p.dossier_id = ?"
                     " ORDER BY p.status = 'pending' DESC, p.id DESC LIMIT 1",
                     read_row, out, BIND_INT(dossier_id));
}

int payment_by_reference(struct store *db, const char *reference, struct payment *out)
{
    return store_one(db, "SELECT " PAY_COLS " WHERE p.reference = ?", read_row, out,
                     BIND_TEXT(reference));
}

void payment_reference(int64_t id, char out[PAYMENT_REF_MAX])
{
    snprintf(out, PAYMENT_REF_MAX, "MC%06lld", (long long)id);
}

int payment_vietqr(const struct payment *p, char *out, size_t cap)
{
    const char *why;
    if (!cfg.bank_bin[0])
        return -1;
    return vietqr_payload(&(struct vietqr){.bank_bin = cfg.bank_bin, .account = cfg.account,
                                           .amount = p->amount, .purpose = p->reference},
                          out, cap, &why);
}

/* A QR code's PNG stays far below this. */
#define QR_PNG_MAX (1024 * 1024)

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len)
{
    return dynbuf_add(closure, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

char *payment_qr_png_data_url(const char *payload, int size_px)
{
    static const char prefix[] = "data:image/png;base64,";
    struct dynbuf b;
    char *url = NULL;
    cairo_surface_t *s = NULL;
    cairo_t *cr = NULL;
    if (size_px < 64 || size_px > 1024)
        return NULL;
    dynbuf_init(&b, QR_PNG_MAX);
    s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size_px, size_px);
    cr = cairo_create(s);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    if (qr_draw(cr, payload, 0, 0, size_px) != 0)
        goto out;
    cairo_surface_flush(s);
    if (cairo_surface_write_to_png_stream(s, png_write, &b) != CAIRO_STATUS_SUCCESS)
        goto out;
    size_t enc = 4 * ((dynbuf_len(&b) + 2) / 3);
    if (!(url = malloc(sizeof prefix + enc + 1)))
        goto out;
    memcpy(url, prefix, sizeof prefix - 1);
    EVP_EncodeBlock((unsigned char *)url + sizeof prefix - 1,
                    (const unsigned char *)dynbuf_ptr(&b), (int)dynbuf_len(&b));
out:
    if (cr)
        cairo_destroy(cr);
    if (s)
        cairo_surface_destroy(s);
    dynbuf_free(&b);
    return url;
}

json_t *payment_json(const struct payment *p)
{
    /* By an officer: desk or bank transfer (a gateway's payment has neither). */
    int by_officer = p->confirmed_by != 0;
    return json_pack("{s:I, s:s, s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:o, s:o, s:o, s:s?,"
                     " s:s?}",
                     "id", (json_int_t)p->id, "reference", p->reference, "amount",
                     (json_int_t)p->amount, "purpose", p->purpose, "status", p->status,
                     "method", p->method[0] ? p->method : NULL, "gateway",
                     p->gateway[0] ? p->gateway : NULL, "gateway_txn",
                     p->gateway_txn[0] ? p->gateway_txn : NULL, "note", p->note, "created_at",
                     cal_json_iso(p->created_at), "paid_at", cal_json_iso(p->paid_at),
                     "cancelled_at", cal_json_iso(p->cancelled_at), "paid_note",
                     by_officer ? p->paid_note : NULL, "confirmed_by",
                     by_officer && p->confirmed_by_name[0] ? p->confirmed_by_name : NULL);
}

/* --- shared pieces of the write jobs -------------------------------------------- */


static int audit_payment(struct store *db, int64_t actor, const char *action,
                         const struct payment *p, const char *extra_key, const char *extra)
{
    return audit_object_json(
        db, actor, action, "payment", p->id,
        json_pack("{s:I, s:s, s:I, s:s?, s:s?, s:s?}", "dossier_id", (json_int_t)p->dossier_id,
                  "reference", p->reference, "amount", (json_int_t)p->amount, "method",
                  p->method[0] ? p->method : NULL, "gateway_txn",
                  p->gateway_txn[0] ? p->gateway_txn : NULL, extra_key ? extra_key : "note",
                  extra && extra[0] ? extra : NULL));
}

/* How many units a per-unit fee counts in the form (the integer field
 * named per_field), at least 1: a form without a usable number pays one. */
static int64_t fee_quantity(const char *form_text, const char *per_field)
{
    if (!per_field[0])
        return 1;
    json_t *form = json_loads(form_text, 0, NULL);
    json_t *v = json_object_get(form, per_field);
    int64_t n = json_is_integer(v) ? json_integer_value(v) : 1;
    json_decref(form);
    return n >= 1 && n <= 1000 ? n : 1;
}

static int read_fee(struct store_stmt *st, void *arg)
{
    struct payment_fee *out = arg;
    memset(out, 0, sizeof *out);
    out->unit_amount = store_col_int(st, 0);
    copy_str(out->procedure_name, sizeof out->procedure_name, store_col_text(st, 1));
    copy_str(out->note, sizeof out->note, store_col_text(st, 2));
    copy_str(out->per_field, sizeof out->per_field, store_col_text(st, 3));
    out->quantity = fee_quantity(store_col_text(st, 4), out->per_field);
    out->amount = out->unit_amount * out->quantity;
    if (out->amount > PAYMENT_MAX_AMOUNT)
        out->amount = PAYMENT_MAX_AMOUNT;
    return STORE_ROW;
}

int payment_fee(struct store *db, int64_t dossier_id, struct payment_fee *out)
{
    return store_one(db,
                     "SELECT p.fee, p.name, p.fee_note, p.fee_per_field, coalesce(d.form, '')"
                     " FROM dossiers d JOIN procedures p ON p.id = d.procedure_id WHERE d.id = ?",
                     read_fee, out, BIND_INT(dossier_id));
}

static int has_pending(struct store *db, int64_t dossier_id)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT 1 FROM payments WHERE dossier_id = ? AND status = 'pending'",
                               &st, BIND_INT(dossier_id));
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    return rc == STORE_ROW ? 1 : rc;
}

/* Inserts a pending payment and gives it its reference. OUT: *p. */
static int insert_payment(struct store *db, int64_t dossier_id, int64_t amount,
                          const char *purpose, const char *note, int64_t actor, int64_t now,
                          struct payment *p)
{
    struct store_stmt *st;
    int rc = store_exec_all(db,
                            "INSERT INTO payments(dossier_id, amount, purpose, note, requested_by,"
                            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                            BIND_INT(dossier_id), BIND_INT(amount), BIND_TEXT(purpose),
                            BIND_TEXT(note), BIND_ID(actor), BIND_INT(now));
    if (rc)
        return rc;
    memset(p, 0, sizeof *p);
    p->id = store_last_insert_id(db);
    p->dossier_id = dossier_id;
    p->amount = amount;
    copy_str(p->purpose, sizeof p->purpose, purpose);
    copy_str(p->note, sizeof p->note, note);
    copy_str(p->status, sizeof p->status, "pending");
    p->requested_by = actor;
    p->created_at = now;
    payment_reference(p->id, p->reference);
    if ((rc = store_prepare_all(db, "UPDATE payments SET reference = ? WHERE id = ?", &st,
                                BIND_TEXT(p->reference), BIND_INT(p->id))))
        return rc;
    if ((rc = store_step_done(st)))
        return rc;
    return audit_payment(db, actor, "payment.request", p, NULL, NULL);
}

static void fee_purpose(const char *procedure_name, char *out, size_t cap)
{
    snprintf(out, cap, "Phí, lệ phí: %s", procedure_name);
}

/* Marks the pending payment paid. 0, 1 if it was not pending any more, or
 * a store error (STORE_CONSTRAINT: the gateway transaction was used). */
static int mark_paid(struct store *db, struct payment *p, const char *method, const char *gateway,
                     const char *gateway_txn, int64_t confirmed_by, const char *note,
                     int64_t paid_at)
{
    int rc = store_exec_all(db,
                            "UPDATE payments SET status = 'paid', method = ?, gateway = ?,"
                            " gateway_txn = ?, confirmed_by = ?, paid_at = ?, paid_note = ?"
                            " WHERE id = ? AND status = 'pending'",
                            BIND_TEXT(method), BIND_TEXT(gateway), BIND_TEXT(gateway_txn),
                            BIND_ID(confirmed_by), BIND_INT(paid_at),
                            BIND_TEXT(note ? note : ""), BIND_INT(p->id));
    if (rc)
        return rc;
    if (store_changes(db) != 1)
        return 1;
    copy_str(p->status, sizeof p->status, "paid");
    copy_str(p->method, sizeof p->method, method);
    copy_str(p->gateway, sizeof p->gateway, gateway ? gateway : "");
    copy_str(p->gateway_txn, sizeof p->gateway_txn, gateway_txn ? gateway_txn : "");
    p->paid_at = paid_at;
    p->confirmed_by = confirmed_by;
    copy_str(p->paid_note, sizeof p->paid_note, note ? note : "");
    /* The fee counts in the reports on its day, in the same transaction. */
    int64_t delta[STAT_NFIGS] = {0};
    int fig = stat_payment_fig(method);
    if (fig >= 0) {
        delta[fig] = 1;
        if ((rc = stats_add_for_dossier(db, p->dossier_id, paid_at, delta)))
            return rc;
    }
    return audit_payment(db, confirmed_by, "payment.paid", p, "note", note);
}

/* Takes the system step confirm_payment if the dossier waits for payment. */
static int resume_dossier(struct store *db, int64_t dossier_id, int64_t actor,
                          const struct cal *cal, int64_t now, struct derr *err)
{
    struct dossier d;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)dossier_id);
    int rc = dossier_find(db, key, 0, &d);
    if (rc != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (strcmp(d.state, "payment") != 0)
        return 0;
    struct workflow_step *s = calloc(1, sizeof *s);
    if (!s)
        return derr_set(err, DERR_INTERNAL, "internal", "Hết bộ nhớ", NULL);
    s->dossier_id = dossier_id;
    copy_str(s->action, sizeof s->action, "confirm_payment");
    s->actor = ACTOR_SYSTEM;
    s->actor_id = actor;
    s->cal = cal;
    s->now = now;
    rc = workflow_step_job(db, s);
    if (rc) {
        *err = s->err; /* takes its fields */
        s->err.fields = NULL;
    }
    free(s);
    return rc ? -1 : 0;
}

/* Loads the dossier for an officer: 404 unless visible, 403 without the
 * permission on the unit holding it. */
static int staff_dossier(struct store *db, int64_t dossier_id, int64_t actor,
                         const char *permission, struct dossier *d, struct derr *err)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)dossier_id);
    int rc = dossier_find(db, key, 0, d);
    if (rc < 0)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc != STORE_ROW || !d->code[0] ||
        permission_sees(db, actor, d->unit_id, d->current_unit_id) != 1)
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    rc = permission_can(db, actor, permission, d->current_unit_id);
    if (rc < 0)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc == 0)
        return derr_set(err, DERR_FORBIDDEN, "forbidden",
                        "Vai trò của bạn không được thực hiện thao tác này", NULL);
    return 0;
}

/* --- jobs ----------------------------------------------------------------------------- */

int payment_request_job(struct store *db, void *arg)
{
    struct payment_request *s = arg;
    struct dossier d;
    struct payment p;
    char name[512], purpose[600];
    struct payment_fee fee;
    if (staff_dossier(db, s->dossier_id, s->actor_id, "payment.request", &d, &s->err))
        return -1;
    if (!s->note[0])
        return derr_set(&s->err, DERR_INVALID, "required",
                        "Vui lòng ghi rõ khoản phí, lệ phí phải nộp", "note");
    if (payment_fee(db, d.id, &fee) != STORE_ROW)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    copy_str(name, sizeof name, fee.procedure_name);
    int64_t amount = s->amount >= 0 ? s->amount : fee.amount;
    if (amount <= 0)
        return derr_set(&s->err, DERR_INVALID, "fee_exempt",
                        "Thủ tục này được miễn phí, lệ phí; chỉ nhập số tiền khi hồ sơ phải nộp"
                        " (ví dụ đăng ký quá hạn)",
                        "amount");
    if (amount > PAYMENT_MAX_AMOUNT)
        return derr_set(&s->err, DERR_INVALID, "bad_amount", "Số tiền không hợp lệ", "amount");
    int pending = has_pending(db, d.id);
    if (pending < 0)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (pending)
        return derr_set(&s->err, DERR_STATE, "payment_pending",
                        "Hồ sơ đang chờ nộp một khoản phí, lệ phí khác", NULL);
    int in_payment = strcmp(d.state, "payment") == 0;
    /* The payment first: the step's listener then finds it and adds none. */
    fee_purpose(name, purpose, sizeof purpose);
    if (insert_payment(db, d.id, amount, purpose, s->note, s->actor_id, s->now, &p))
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    s->payment_id = p.id;
    if (in_payment)
        return 0;
    struct workflow_step *w = calloc(1, sizeof *w);
    if (!w)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Hết bộ nhớ", NULL);
    w->dossier_id = d.id;
    copy_str(w->action, sizeof w->action, "request_payment");
    w->actor = ACTOR_STAFF;
    w->actor_id = s->actor_id;
    copy_str(w->note, sizeof w->note, s->note);
    w->cal = s->cal;
    w->now = s->now;
    int rc = workflow_step_job(db, w);
    if (rc) {
        s->err = w->err; /* the payment is rolled back with the job */
        w->err.fields = NULL;
    }
    free(w);
    return rc ? -1 : 0;
}

int payment_confirm_job(struct store *db, void *arg)
{
    struct payment_confirm *s = arg;
    struct payment p;
    int rc = payment_by_reference(db, s->r.txn_ref, &p);
    if (rc < 0)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc != STORE_ROW)
        return derr_set(&s->err, DERR_NOT_FOUND, "unknown_payment",
                        "Không có khoản thanh toán này", "txn_ref");
    s->dossier_id = p.dossier_id;
    if (s->r.amount != p.amount)
        return derr_set(&s->err, DERR_INVALID, "amount_mismatch",
                        "Số tiền không khớp với khoản phải nộp", "amount");
    if (!s->r.paid) {
        s->outcome = PAYMENT_NOT_PAID;
        return 0;
    }
    if (strcmp(p.status, "paid") == 0) {
        if (strcmp(p.method, "gateway") == 0 && strcmp(p.gateway, s->gateway) == 0 &&
            strcmp(p.gateway_txn, s->r.gateway_txn) == 0) {
            s->outcome = PAYMENT_ALREADY;
            return 0;
        }
        return derr_set(&s->err, DERR_STATE, "already_paid",
                        "Khoản này đã được thanh toán bằng giao dịch khác", NULL);
    }
    if (strcmp(p.status, "pending") != 0)
        return derr_set(&s->err, DERR_STATE, "payment_cancelled", "Khoản thanh toán đã bị hủy",
                        NULL);
    /* The gateway's time of payment, unless it is implausible (a wrong clock):
     * reconciliation compares periods by it. */
    int64_t paid_at = s->r.paid_at;
    if (paid_at > s->now + 86400 || paid_at < s->now - 90LL * 86400)
        paid_at = s->now;
    rc = mark_paid(db, &p, "gateway", s->gateway, s->r.gateway_txn, 0, NULL, paid_at);
    if (rc == STORE_CONSTRAINT)
        return derr_set(&s->err, DERR_STATE, "txn_used",
                        "Giao dịch này đã được dùng cho khoản thanh toán khác", "gateway_txn");
    if (rc)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (resume_dossier(db, p.dossier_id, 0, s->cal, s->now, &s->err))
        return -1;
    s->outcome = PAYMENT_CONFIRMED;
    return 0;
}

int payment_desk_job(struct store *db, void *arg)
{
    struct payment_desk *s = arg;
    struct dossier d;
    struct payment p;
    if (strcmp(s->method, "desk") != 0 && strcmp(s->method, "bank_transfer") != 0)
        return derr_set(&s->err, DERR_INVALID, "bad_method",
                        "Hình thức nộp phải là desk (tại quầy) hoặc bank_transfer (chuyển khoản)",
                        "method");
    if (staff_dossier(db, s->dossier_id, s->actor_id, "dossier.receive", &d, &s->err))
        return -1;
    int rc = payment_for_dossier(db, d.id, &p);
    if (rc < 0)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc != STORE_ROW || strcmp(p.status, "pending") != 0)
        return derr_set(&s->err, DERR_STATE, "no_pending_payment",
                        "Hồ sơ không có khoản phí, lệ phí nào đang chờ nộp", NULL);
    rc = mark_paid(db, &p, s->method, NULL, NULL, s->actor_id, s->note, s->now);
    if (rc)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    s->payment_id = p.id;
    return resume_dossier(db, d.id, s->actor_id, s->cal, s->now, &s->err);
}

/* --- the dossier-change listener ---------------------------------------------------- */

static int payment_dossier_changed(struct store *db, const struct dossier_change *c)
{
    int entering = strcmp(c->to_state, "payment") == 0 && strcmp(c->from_state, "payment") != 0;
    int leaving = strcmp(c->from_state, "payment") == 0 && strcmp(c->to_state, "payment") != 0;
    if (entering) {
        struct payment_fee fee;
        char purpose[600];
        struct payment p;
        int rc = has_pending(db, c->dossier_id);
        if (rc)
            return rc < 0 ? rc : 0;
        if ((rc = payment_fee(db, c->dossier_id, &fee)) != STORE_ROW)
            return rc < 0 ? rc : STORE_ERR;
        if (fee.amount <= 0) /* exempt: the officer names an amount through payment-request */
            return 0;
        fee_purpose(fee.procedure_name, purpose, sizeof purpose);
        return insert_payment(db, c->dossier_id, fee.amount, purpose, "", c->actor_id, c->at,
                              &p);
    }
    if (leaving) {
        struct payment p;
        int rc = payment_for_dossier(db, c->dossier_id, &p);
        if (rc != STORE_ROW)
            return rc < 0 ? rc : 0;
        if (strcmp(p.status, "pending") != 0)
            return 0;
        struct store_stmt *st;
        if ((rc = store_prepare_all(db,
                                    "UPDATE payments SET status = 'cancelled', cancelled_at = ?"
                                    " WHERE id = ? AND status = 'pending'",
                                    &st, BIND_INT(c->at), BIND_INT(p.id))))
            return rc;
        if ((rc = store_step_done(st)))
            return rc;
        copy_str(p.status, sizeof p.status, "cancelled");
        return audit_payment(db, c->actor_id, "payment.cancel", &p, "action", c->action);
    }
    return 0;
}

const struct dossier_listener payment_listener = {
    .name = "payment",
    .changed = payment_dossier_changed,
};

/* --- reconciliation --------------------------------------------------------------------- */

/* One list of the report: its first PAYMENT_RECON_LIST_MAX entries and how
 * many there were. */
struct recon_list {
    const char *name;
    json_t *items;
    int count;
};

static void add_item(struct recon_list *l, json_t *item)
{
    l->count++;
    if (item && json_array_size(l->items) < PAYMENT_RECON_LIST_MAX)
        json_array_append_new(l->items, item);
    else
        json_decref(item);
}

/* Adds one paid payment to the totals per method. */
static void count_method(json_t *methods, const char *method, int64_t amount)
{
    json_t *m = json_object_get(methods, method);
    if (!m) {
        m = json_pack("{s:I, s:I}", "count", (json_int_t)0, "total", (json_int_t)0);
        json_object_set_new(methods, method, m);
    }
    json_object_set_new(m, "count",
                        json_integer(json_integer_value(json_object_get(m, "count")) + 1));
    json_object_set_new(m, "total",
                        json_integer(json_integer_value(json_object_get(m, "total")) + amount));
}

enum { L_MATCHED, L_MISSING_GW, L_MISSING_HERE, L_MISMATCHED, L_NON_GATEWAY, L_COUNT };

json_t *payment_reconciliation_json(struct store *db, int64_t unit_id, int64_t from, int64_t to,
                                    int include_unknown)
{
    struct store_stmt *st;
    struct recon_list lists[L_COUNT] = {
        [L_MATCHED] = {.name = "matched"},
        [L_MISSING_GW] = {.name = "missing_at_gateway"},
        [L_MISSING_HERE] = {.name = "missing_locally"},
        [L_MISMATCHED] = {.name = "mismatched"},
        [L_NON_GATEWAY] = {.name = "non_gateway"},
    };
    json_t *methods = json_object(), *cut = json_array(), *out = NULL;
    int64_t count = 0, total = 0;
    int rc;
    for (int i = 0; i < L_COUNT; i++)
        lists[i].items = json_array();
    rc = store_prepare_all(db,
                           "SELECT p.reference, p.amount, p.method, coalesce(p.gateway, ''),"
                           " coalesce(p.gateway_txn, ''), p.paid_at, d.code, gr.id IS NOT NULL,"
                           " coalesce(gr.amount, 0), p.paid_note, coalesce(a.full_name, '')"
                           " FROM payments p JOIN dossiers d ON d.id = p.dossier_id"
                           " JOIN units du ON du.id = d.unit_id JOIN units su ON su.id = ?"
                           " LEFT JOIN gateway_records gr ON gr.gateway = p.gateway"
                           "  AND gr.gateway_txn = p.gateway_txn"
                           " LEFT JOIN accounts a ON a.id = p.confirmed_by"
                           " WHERE p.status = 'paid' AND p.paid_at >= ? AND p.paid_at < ?"
                           " AND" PERMISSION_SUBTREE("su", "du") " ORDER BY p.paid_at, p.id",
                           &st, BIND_INT(unit_id), BIND_INT(from), BIND_INT(to));
    if (rc)
        goto out;
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *method = store_col_text(st, 2), *who = store_col_text(st, 10);
        int64_t amount = store_col_int(st, 1), gw_amount = store_col_int(st, 8);
        count_method(methods, method, amount);
        count++;
        total += amount;
        if (strcmp(method, "gateway") != 0) {
            /* Desk and bank transfer: confirmed by an officer, listed as recorded. */
            add_item(&lists[L_NON_GATEWAY],
                     json_pack("{s:s, s:s, s:I, s:s, s:o, s:s?, s:s}", "reference",
                               store_col_text(st, 0), "dossier_code", store_col_text(st, 6),
                               "amount", (json_int_t)amount, "method", method, "paid_at",
                               cal_json_iso(store_col_int(st, 5)), "confirmed_by",
                               who[0] ? who : NULL, "paid_note", store_col_text(st, 9)));
            continue;
        }
        json_t *item = json_pack("{s:s, s:s, s:I, s:s, s:s, s:o}", "reference",
                                 store_col_text(st, 0), "dossier_code", store_col_text(st, 6),
                                 "amount", (json_int_t)amount, "gateway", store_col_text(st, 3),
                                 "gateway_txn", store_col_text(st, 4), "paid_at",
                                 cal_json_iso(store_col_int(st, 5)));
        if (!store_col_int(st, 7)) {
            add_item(&lists[L_MISSING_GW], item);
        } else if (gw_amount != amount) {
            json_object_set_new(item, "gateway_amount", json_integer(gw_amount));
            add_item(&lists[L_MISMATCHED], item);
        } else {
            add_item(&lists[L_MATCHED], item);
        }
    }
    store_done(st);
    if (rc < 0)
        goto out;
    /* What the gateway collected and no paid payment here accounts for. */
    rc = store_prepare_all(db,
                           "SELECT gr.gateway, gr.gateway_txn, gr.txn_ref, gr.amount, gr.paid_at,"
                           " coalesce(p.status, ''), coalesce(d.code, '')"
                           " FROM gateway_records gr"
                           " LEFT JOIN payments p ON p.reference = gr.txn_ref"
                           " LEFT JOIN dossiers d ON d.id = p.dossier_id"
                           " LEFT JOIN units du ON du.id = d.unit_id"
                           " JOIN units su ON su.id = ?"
                           " WHERE gr.paid_at >= ? AND gr.paid_at < ?"
                           " AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.gateway = gr.gateway"
                           "  AND q.gateway_txn = gr.gateway_txn AND q.status = 'paid')"
                           " AND ((p.id IS NOT NULL AND" PERMISSION_SUBTREE("su", "du") ")"
                           "  OR (p.id IS NULL AND ? = 1))"
                           " ORDER BY gr.paid_at, gr.id",
                           &st, BIND_INT(unit_id), BIND_INT(from), BIND_INT(to),
                           BIND_INT(include_unknown ? 1 : 0));
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *status = store_col_text(st, 5), *code = store_col_text(st, 6);
        add_item(&lists[L_MISSING_HERE],
                 json_pack("{s:s, s:s, s:s, s:I, s:o, s:s?, s:s?}", "gateway",
                           store_col_text(st, 0), "gateway_txn", store_col_text(st, 1),
                           "reference", store_col_text(st, 2), "gateway_amount",
                           (json_int_t)store_col_int(st, 3), "paid_at",
                           cal_json_iso(store_col_int(st, 4)), "local_status",
                           status[0] ? status : NULL, "dossier_code", code[0] ? code : NULL));
    }
    store_done(st);
    if (rc < 0)
        goto out;
    for (int i = 0; i < L_COUNT; i++)
        if ((size_t)lists[i].count > json_array_size(lists[i].items))
            json_array_append_new(cut, json_string(lists[i].name));
    out = json_pack("{s:{s:I, s:I, s:O, s:i, s:i, s:i, s:i, s:i}, s:O, s:O, s:O, s:O, s:O,"
                    " s:b, s:O}",
                    "summary", "payments", (json_int_t)count, "total", (json_int_t)total,
                    "by_method", methods, "matched", lists[L_MATCHED].count,
                    "missing_at_gateway", lists[L_MISSING_GW].count, "missing_locally",
                    lists[L_MISSING_HERE].count, "mismatched", lists[L_MISMATCHED].count,
                    "non_gateway", lists[L_NON_GATEWAY].count, "matched",
                    lists[L_MATCHED].items, "missing_at_gateway", lists[L_MISSING_GW].items,
                    "missing_locally", lists[L_MISSING_HERE].items, "mismatched",
                    lists[L_MISMATCHED].items, "non_gateway", lists[L_NON_GATEWAY].items,
                    "truncated", json_array_size(cut) > 0, "truncated_lists", cut);
out:
    for (int i = 0; i < L_COUNT; i++)
        json_decref(lists[i].items);
    json_decref(methods);
    json_decref(cut);
    return out;
}

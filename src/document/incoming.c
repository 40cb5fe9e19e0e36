/* incoming: the incoming flow of official documents (document/incoming.h,
 * docs/documents.md "The incoming flow", db/024_incoming.sql). */
#include "document/incoming.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/text.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "document/corrections.h"
#include "document/document.h"
#include "document/followup.h"
#include "exchange/outbox.h" /* exchange: statuses back to the sender */
#include "store/store.h"

static const char *const status_names[] = {"arrived",  "refused",  "registered",
                                           "assigned", "handling", "completed"};
static const char *const status_codes[] = {"01", "02", "03", "04", "05", "06"};
#define NSTATUS (int)(sizeof status_names / sizeof status_names[0])

const char *incoming_status_name(enum incoming_status s)
{
    return (int)s >= 0 && (int)s < NSTATUS ? status_names[s] : "";
}

const char *incoming_status_code(enum incoming_status s)
{
    return (int)s >= 0 && (int)s < NSTATUS ? status_codes[s] : "";
}

static int status_parse(const char *s)
{
    for (int i = 0; s && i < NSTATUS; i++)
        if (strcmp(s, status_names[i]) == 0)
            return i;
    return -1;
}

/* The code of a status name as the database holds it (NULL: no row yet,
 * arrived). */
static const char *code_of(const char *name)
{
    int s = name ? status_parse(name) : INC_ARRIVED;
    return s < 0 ? "" : status_codes[s];
}

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
}

static int wrong_state(struct derr *err)
{
    return derr_set(err, DERR_STATE, "wrong_state",
                    "Văn bản đến không ở bước cho phép thao tác này.", "");
}

static int forbidden(struct derr *err)
{
    return derr_set(err, DERR_FORBIDDEN, "forbidden", "Bạn không có quyền thực hiện thao tác này.",
                    "");
}

/* The row of document_incoming a step reads. */
struct incoming_row {
    int status; /* enum incoming_status */
    int64_t lead_account_id, lead_unit_id;
    char support_accounts[2048];
};

static int read_row(struct store_stmt *st, void *out)
{
    struct incoming_row *w = out;
    w->status = status_parse(store_col_text(st, 0));
    w->lead_account_id = store_col_int(st, 1);
    w->lead_unit_id = store_col_int(st, 2);
    copy_str(w->support_accounts, sizeof w->support_accounts, store_col_text(st, 3));
    return STORE_ROW;
}

/* Is unit_id the unit `top` or one below it? 1 or 0. */
static int unit_within(struct store *db, int64_t unit_id, int64_t top)
{
    int64_t v = 0;
    int rc = store_int(db,
                       "SELECT count(*) FROM units u, units t WHERE u.id = ? AND t.id = ?"
                       " AND" PERMISSION_SUBTREE("t", "u"),
                       &v, BIND_INT(unit_id), BIND_INT(top));
    return rc == STORE_ROW && v == 1;
}

static int history(struct store *db, int64_t doc, enum incoming_status s, int64_t actor,
                   const char *note, int64_t now)
{
    int rc = store_exec_all(db,
                            "INSERT INTO document_incoming_history(document_id, status, account_id,"
                            " note, created_at) VALUES (?, ?, ?, ?, ?)",
                            BIND_INT(doc), BIND_TEXT(status_codes[s]), BIND_ID(actor),
                            BIND_TEXT(note ? note : ""), BIND_INT(now));
    /* exchange: a document that came from another node tells its sender
     * (nothing for one delivered on this server). */
    return rc ? rc : exchange_queue_status(db, doc, status_codes[s], now);
}

/* The JSON array text of ids[0..n), for the support columns. */
static void ids_text(const int64_t *ids, int n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    used += (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%lld", i ? "," : "",
                                 (long long)ids[i]);
    if (used < cap)
        snprintf(out + used, cap - used, "]");
}

/* Does the text of a step fit: at most INCOMING_TEXT_MAX characters,
 * and not empty when required? */
static int text_ok(const char *s, int required)
{
    size_t n = s ? text_utf8_chars(s) : 0;
    return n <= INCOMING_TEXT_MAX && (!required || n > 0);
}

/* Is s a real calendar date YYYY-MM-DD? */
static int date_ok(const char *s)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 2000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

static int do_register(struct store *db, struct incoming_step *a, const struct document *d)
{
    int64_t reg, number;
    char date[11], signer[256] = "";
    struct store_stmt *st;
    /* A paper document is registered with its scan: the register points
     * to a file, like every other line. */
    if (!d->source_id && !d->sha256[0])
        return derr_set(&a->err, DERR_STATE, "scan_required",
                        "Cần tải lên bản quét của văn bản giấy trước khi vào sổ.", "");
    if (register_take(db, d->unit_id, document_year(a->now), "in", INCOMING_SERIES, a->now, &reg,
                      &number, &a->err))
        return -1;
    document_date(a->now, date);
    if (d->signer_id &&
        store_prepare_all(db, "SELECT full_name FROM accounts WHERE id = ?", &st,
                          BIND_INT(d->signer_id)) == 0) {
        if (store_step(st) == STORE_ROW)
            copy_str(signer, sizeof signer, store_col_text(st, 0));
        store_done(st);
    }
    /* The register line names the sender's unit where the outgoing
     * register names the recipients: for a register of incoming documents
     * that is the other party (nơi gửi). */
    if (store_exec_all(db,
                       "INSERT INTO document_incoming(document_id, status, register_id, number,"
                       " registered_by, registered_at, updated_at)"
                       " VALUES (?, 'registered', ?, ?, ?, ?, ?)",
                       BIND_INT(d->id), BIND_INT(reg), BIND_INT(number), BIND_INT(a->actor_id),
                       BIND_INT(a->now), BIND_INT(a->now)) ||
        store_exec_all(db,
                       "INSERT INTO document_register_entries(register_id, number, document_id,"
                       " notation, entered_on, summary, signer_name, recipients, created_by,"
                       " created_at) SELECT ?, ?, d.id, coalesce(d.notation, ''), ?, d.summary,"
                       " ?, coalesce((SELECT u.name FROM documents s JOIN units u"
                       " ON u.id = s.unit_id WHERE s.id = d.source_id), d.sender_name), ?, ?"
                       " FROM documents d WHERE d.id = ?",
                       BIND_INT(reg), BIND_INT(number), BIND_TEXT(date), BIND_TEXT(signer),
                       BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(d->id)))
        return db_err(&a->err);
    a->number = number;
    return 0;
}

static int do_assign(struct store *db, struct incoming_step *a, const struct document *d)
{
    char sa[INCOMING_MAX_SUPPORT * 22 + 4], su[INCOMING_MAX_SUPPORT * 22 + 4];
    if (!a->lead_account_id && !a->lead_unit_id)
        return derr_set(&a->err, DERR_INVALID, "lead_required",
                        "Cần chọn cán bộ hoặc đơn vị chủ trì xử lý.", "lead_account_id");
    if (a->lead_account_id &&
        permission_can(db, a->lead_account_id, INCOMING_PERM_HANDLE, d->unit_id) != 1)
        return derr_set(&a->err, DERR_INVALID, "lead_invalid",
                        "Cán bộ chủ trì không thuộc đơn vị xử lý văn bản.", "lead_account_id");
    if (a->lead_unit_id && !unit_within(db, a->lead_unit_id, d->unit_id))
        return derr_set(&a->err, DERR_INVALID, "lead_invalid",
                        "Đơn vị chủ trì không thuộc đơn vị nhận văn bản.", "lead_unit_id");
    if (a->nsupport_accounts > INCOMING_MAX_SUPPORT || a->nsupport_units > INCOMING_MAX_SUPPORT)
        return derr_set(&a->err, DERR_INVALID, "invalid_support", "Quá nhiều nơi phối hợp.",
                        "support_account_ids");
    for (int i = 0; i < a->nsupport_accounts; i++)
        if (permission_can(db, a->support_accounts[i], DOCUMENT_PERM_READ, d->unit_id) != 1)
            return derr_set(&a->err, DERR_INVALID, "invalid_support",
                            "Cán bộ phối hợp không thuộc đơn vị nhận văn bản.",
                            "support_account_ids");
    for (int i = 0; i < a->nsupport_units; i++)
        if (!unit_within(db, a->support_units[i], d->unit_id))
            return derr_set(&a->err, DERR_INVALID, "invalid_support",
                            "Đơn vị phối hợp không thuộc đơn vị nhận văn bản.",
                            "support_unit_ids");
    if (!text_ok(a->text, 0))
        return derr_set(&a->err, DERR_INVALID, "invalid_instruction",
                        "Ý kiến chỉ đạo tối đa 2000 ký tự.", "instruction");
    if (!date_ok(a->deadline))
        return derr_set(&a->err, DERR_INVALID, "invalid_deadline",
                        "Hạn xử lý phải là một ngày (YYYY-MM-DD).", "deadline");
    ids_text(a->support_accounts, a->nsupport_accounts, sa, sizeof sa);
    ids_text(a->support_units, a->nsupport_units, su, sizeof su);
    if (store_exec_all(db,
                       "UPDATE document_incoming SET status = 'assigned', lead_account_id = ?,"
                       " lead_unit_id = ?, support_accounts = ?, support_units = ?,"
                       " instruction = ?, deadline = ?, assigned_by = ?, assigned_at = ?,"
                       " updated_at = ? WHERE document_id = ?",
                       BIND_ID(a->lead_account_id), BIND_ID(a->lead_unit_id), BIND_TEXT(sa),
                       BIND_TEXT(su), BIND_TEXT(a->text ? a->text : ""), BIND_TEXT(a->deadline),
                       BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(a->now),
                       BIND_INT(d->id)))
        return db_err(&a->err);
    return 0;
}

/* Is the actor the one leading the handling: the lead officer, or an
 * officer with document.handle on the lead unit? */
static int leads(struct store *db, const struct incoming_row *w, int64_t actor)
{
    if (w->lead_account_id)
        return w->lead_account_id == actor;
    return w->lead_unit_id &&
           permission_can(db, actor, INCOMING_PERM_HANDLE, w->lead_unit_id) == 1;
}

static const char *action_name(enum incoming_action a)
{
    static const char *const n[] = {"document.refuse", "document.register", "document.assign",
                                    "document.handle", "document.complete"};
    return (int)a >= 0 && (int)a < 5 ? n[a] : "";
}

int incoming_step_job(struct store *db, void *arg)
{
    struct incoming_step *a = arg;
    struct document d;
    struct incoming_row w = {.status = INC_ARRIVED};
    const char *perm;
    enum incoming_status next;
    int rc = document_get(db, a->document_id, &d);
    if (rc < 0)
        return db_err(&a->err);
    if (rc != STORE_ROW || strcmp(d.direction, "in") != 0 ||
        !document_visible(db, a->actor_id, &d))
        return derr_set(&a->err, DERR_NOT_FOUND, "document_not_found",
                        "Không tìm thấy văn bản.", "");
    /* The sender withdrew it (document/corrections.h): nothing more is
     * done with the copy; it stays in the lists, marked. */
    rc = document_recalled(db, d.id);
    if (rc < 0)
        return db_err(&a->err);
    if (rc)
        return derr_set(&a->err, DERR_STATE, "document_recalled",
                        "Văn bản đã bị đơn vị ban hành thu hồi; không thể xử lý tiếp.", "");
    rc = store_one(db,
                   "SELECT status, lead_account_id, lead_unit_id, support_accounts"
                   " FROM document_incoming WHERE document_id = ?",
                   read_row, &w, BIND_INT(d.id));
    if (rc < 0 || w.status < 0)
        return db_err(&a->err);
    switch (a->action) {
    case INC_ACT_REFUSE:
    case INC_ACT_REGISTER:
        perm = INCOMING_PERM_RECEIVE;
        if (a->action == INC_ACT_REGISTER && w.status >= INC_REGISTERED)
            return derr_set(&a->err, DERR_STATE, "already_registered",
                            "Văn bản đến đã được vào sổ.", "");
        if (w.status != INC_ARRIVED)
            return wrong_state(&a->err);
        next = a->action == INC_ACT_REFUSE ? INC_REFUSED : INC_REGISTERED;
        break;
    case INC_ACT_ASSIGN:
        perm = INCOMING_PERM_ASSIGN;
        if (w.status != INC_REGISTERED && w.status != INC_ASSIGNED)
            return wrong_state(&a->err);
        next = INC_ASSIGNED;
        break;
    case INC_ACT_START:
    case INC_ACT_COMPLETE:
        perm = INCOMING_PERM_HANDLE;
        if (w.status != INC_ASSIGNED &&
            !(a->action == INC_ACT_COMPLETE && w.status == INC_HANDLING))
            return wrong_state(&a->err);
        next = a->action == INC_ACT_START ? INC_HANDLING : INC_COMPLETED;
        break;
    default:
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    }
    if (permission_can(db, a->actor_id, perm, d.unit_id) != 1 ||
        ((a->action == INC_ACT_START || a->action == INC_ACT_COMPLETE) && !leads(db, &w, a->actor_id)))
        return forbidden(&a->err);
    /* The follow-up board's counters leave the document's old place here
     * and take its new one after the write, in this transaction. */
    if (followup_count(db, d.id, -1))
        return db_err(&a->err);
    switch (a->action) {
    case INC_ACT_REFUSE:
        if (!text_ok(a->text, 1))
            return derr_set(&a->err, DERR_INVALID, "reason_required",
                            "Cần lý do trả lại (tối đa 2000 ký tự).", "reason");
        rc = store_exec_all(db,
                            "INSERT INTO document_incoming(document_id, status, refused_reason,"
                            " updated_at) VALUES (?, 'refused', ?, ?)",
                            BIND_INT(d.id), BIND_TEXT(a->text), BIND_INT(a->now));
        break;
    case INC_ACT_REGISTER:
        if (do_register(db, a, &d))
            return -1;
        rc = 0;
        break;
    case INC_ACT_ASSIGN:
        if (do_assign(db, a, &d))
            return -1;
        rc = 0;
        break;
    case INC_ACT_START:
    case INC_ACT_COMPLETE:
        if (!text_ok(a->text, 0))
            return derr_set(&a->err, DERR_INVALID, "invalid_note", "Ghi chú tối đa 2000 ký tự.",
                            "note");
        rc = store_exec_all(db,
                            "UPDATE document_incoming SET status = ?, handled_by = ?,"
                            " note = ?, completed_at = ?, updated_at = ? WHERE document_id = ?",
                            BIND_TEXT(status_names[next]), BIND_INT(a->actor_id),
                            BIND_TEXT(a->text ? a->text : ""),
                            next == INC_COMPLETED ? BIND_INT(a->now) : BIND_NULL,
                            BIND_INT(a->now), BIND_INT(d.id));
        break;
    }
    if (rc ||
        store_exec_all(db, "UPDATE documents SET updated_at = ? WHERE id = ?", BIND_INT(a->now),
                       BIND_INT(d.id)) ||
        followup_count(db, d.id, 1) ||
        history(db, d.id, next, a->actor_id, a->text, a->now) ||
        audit_object_json(db, a->actor_id, action_name(a->action), "document", d.id,
                          a->action == INC_ACT_REGISTER
                              ? json_pack("{sI}", "number", (json_int_t)a->number)
                              : json_pack("{ss}", "status", status_codes[next])))
        return db_err(&a->err);
    return 0;
}

/* --- reading ------------------------------------------------------------- */

static json_t *account_ref(struct store *db, int64_t id)
{
    struct store_stmt *st;
    json_t *v = NULL;
    if (id && store_prepare_all(db, "SELECT full_name FROM accounts WHERE id = ?", &st,
                                BIND_INT(id)) == 0) {
        if (store_step(st) == STORE_ROW)
            v = json_pack("{sI ss}", "id", (json_int_t)id, "name", store_col_text(st, 0));
        store_done(st);
    }
    return v ? v : json_null();
}

static json_t *unit_ref(struct store *db, int64_t id)
{
    struct unit u;
    if (!id || unit_by_id(db, id, &u) != STORE_ROW)
        return json_null();
    return json_pack("{sI ss ss}", "id", (json_int_t)u.id, "code", u.code, "name", u.name);
}

/* [{code, status, by, note, at}] of document doc, after the delivery's 01
 * at arrived_at. */
static json_t *history_json(struct store *db, int64_t doc, int64_t arrived_at, int with_detail)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    if (!arr || store_prepare_all(db,
                                  "SELECT status, account_id, note, created_at"
                                  " FROM document_incoming_history WHERE document_id = ?"
                                  " ORDER BY id",
                                  &st, BIND_INT(doc))) {
        json_decref(arr);
        return NULL;
    }
    json_array_append_new(arr, json_pack("{ss ss sI}", "code", "01", "status", "arrived", "at",
                                         (json_int_t)arrived_at));
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *code = store_col_text(st, 0);
        int s = code[0] == '0' && code[1] >= '1' && code[1] <= '6' ? code[1] - '1' : 0;
        json_t *h = json_pack("{ss ss sI}", "code", code, "status", status_names[s], "at",
                              (json_int_t)store_col_int(st, 3));
        if (h && with_detail) {
            json_object_set_new(h, "by_id", json_integer(store_col_int(st, 1)));
            json_object_set_new(h, "note", json_string(store_col_text(st, 2)));
        }
        json_array_append_new(arr, h);
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    /* The names after the statement is done: account_ref reuses statements. */
    size_t i;
    json_t *h;
    json_array_foreach(arr, i, h)
    {
        json_t *by = json_object_get(h, "by_id");
        if (by) {
            json_object_set_new(h, "by", account_ref(db, json_integer_value(by)));
            json_object_del(h, "by_id");
        } else if (with_detail) {
            json_object_set_new(h, "by", json_null());
        }
    }
    return arr;
}

json_t *incoming_json(struct store *db, const struct document *d)
{
    struct store_stmt *st;
    json_t *j = NULL;
    int64_t ids[6] = {0};
    char sa[2048] = "[]", su[2048] = "[]";
    int rc = store_prepare_all(db,
                               "SELECT status, number, registered_by, registered_at,"
                               " refused_reason, lead_account_id, lead_unit_id,"
                               " support_accounts, support_units, instruction, deadline,"
                               " assigned_by, assigned_at, note, completed_at"
                               " FROM document_incoming WHERE document_id = ?",
                               &st, BIND_INT(d->id));
    if (rc)
        return NULL;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        const char *name = store_col_text(st, 0);
        j = json_pack("{ss ss s:o s:o ss ss s:o ss}", "status", name, "code", code_of(name),
                      "number",
                      store_col_is_null(st, 1) ? json_null() : json_integer(store_col_int(st, 1)),
                      "registered_at",
                      store_col_is_null(st, 3) ? json_null() : json_integer(store_col_int(st, 3)),
                      "refused_reason", store_col_text(st, 4), "instruction",
                      store_col_text(st, 9), "deadline",
                      store_col_is_null(st, 10) ? json_null() : json_string(store_col_text(st, 10)),
                      "note", store_col_text(st, 13));
        if (j) {
            json_object_set_new(j, "assigned_at", store_col_is_null(st, 12)
                                                      ? json_null()
                                                      : json_integer(store_col_int(st, 12)));
            json_object_set_new(j, "completed_at", store_col_is_null(st, 14)
                                                       ? json_null()
                                                       : json_integer(store_col_int(st, 14)));
        }
        ids[0] = store_col_int(st, 2);
        ids[1] = store_col_int(st, 5);
        ids[2] = store_col_int(st, 6);
        ids[3] = store_col_int(st, 11);
        copy_str(sa, sizeof sa, store_col_text(st, 7));
        copy_str(su, sizeof su, store_col_text(st, 8));
    } else if (rc == STORE_DONE) {
        j = json_pack("{ss ss s:n s:n ss ss s:n ss s:n s:n}", "status", "arrived", "code", "01",
                      "number", "registered_at", "refused_reason", "", "instruction", "",
                      "deadline", "note", "", "assigned_at", "completed_at");
    }
    store_done(st);
    if (!j)
        return NULL;
    json_object_set_new(j, "registered_by", account_ref(db, ids[0]));
    json_object_set_new(j, "lead", account_ref(db, ids[1]));
    json_object_set_new(j, "lead_unit", unit_ref(db, ids[2]));
    json_object_set_new(j, "assigned_by", account_ref(db, ids[3]));
    json_t *a = json_loads(sa, 0, NULL), *u = json_loads(su, 0, NULL);
    json_t *support_accounts = json_array(), *support_units = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) json_array_append_new(support_accounts,
                                                      account_ref(db, json_integer_value(v)));
    json_array_foreach(u, i, v) json_array_append_new(support_units,
                                                      unit_ref(db, json_integer_value(v)));
    json_decref(a);
    json_decref(u);
    json_object_set_new(j, "support_accounts", support_accounts);
    json_object_set_new(j, "support_units", support_units);
    struct document src;
    if (d->source_id && document_get(db, d->source_id, &src) == STORE_ROW)
        json_object_set_new(j, "sender",
                            json_pack("{sI s:o}", "document_id", (json_int_t)src.id, "unit",
                                      unit_ref(db, src.unit_id)));
    else if (store_prepare_all(db, "SELECT sender_name FROM documents WHERE id = ?", &st,
                               BIND_INT(d->id)) == 0) {
        /* From outside the platform (paper): the organisation's name only. */
        rc = store_step(st);
        json_object_set_new(j, "sender",
                            rc == STORE_ROW && store_col_text(st, 0)[0]
                                ? json_pack("{s:n s:n ss}", "document_id", "unit", "name",
                                            store_col_text(st, 0))
                                : json_null());
        store_done(st);
    } else {
        json_object_set_new(j, "sender", json_null());
    }
    json_t *h = history_json(db, d->id, d->created_at, 1);
    if (!h) {
        json_decref(j);
        return NULL;
    }
    json_object_set_new(j, "history", h);
    return j;
}

json_t *incoming_deliveries_json(struct store *db, int64_t source_id)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    if (!arr || store_prepare_all(db,
                                  "SELECT d.id, d.unit_id, i.status, i.number,"
                                  " coalesce(i.refused_reason, ''), d.created_at"
                                  " FROM documents d LEFT JOIN document_incoming i"
                                  " ON i.document_id = d.id"
                                  " WHERE d.source_id = ? AND d.direction = 'in' ORDER BY d.id",
                                  &st, BIND_INT(source_id))) {
        json_decref(arr);
        return NULL;
    }
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *name = store_col_is_null(st, 2) ? NULL : store_col_text(st, 2);
        json_array_append_new(
            arr, json_pack("{sI sI ss ss s:o ss sI}", "document_id",
                           (json_int_t)store_col_int(st, 0), "unit_id",
                           (json_int_t)store_col_int(st, 1), "status", name ? name : "arrived",
                           "code", code_of(name), "number",
                           store_col_is_null(st, 3) ? json_null()
                                                    : json_integer(store_col_int(st, 3)),
                           "reason", store_col_text(st, 4), "arrived_at",
                           (json_int_t)store_col_int(st, 5)));
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    /* The units' names and the histories once the list's statement is done. */
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_int_t doc = json_integer_value(json_object_get(e, "document_id"));
        json_t *h = history_json(db, doc,
                                 json_integer_value(json_object_get(e, "arrived_at")), 0);
        json_object_set_new(e, "unit", unit_ref(db, json_integer_value(json_object_get(e, "unit_id"))));
        json_object_del(e, "unit_id");
        if (!h) {
            json_decref(arr);
            return NULL;
        }
        json_object_set_new(e, "history", h);
    }
    return arr;
}

/* --- lists --------------------------------------------------------------- */

static const char *const box_names[] = {"arrived", "registered", "to_assign", "to_handle",
                                        "overdue"};

int incoming_box_parse(const char *s)
{
    for (int i = 0; s && i < (int)(sizeof box_names / sizeof box_names[0]); i++)
        if (strcmp(s, box_names[i]) == 0)
            return i;
    return -1;
}

const char *incoming_box_permission(enum incoming_box b)
{
    switch (b) {
    case INC_BOX_ARRIVED:
    case INC_BOX_REGISTERED:
        return INCOMING_PERM_RECEIVE;
    case INC_BOX_TO_ASSIGN:
        return INCOMING_PERM_ASSIGN;
    case INC_BOX_TO_HANDLE:
        return INCOMING_PERM_HANDLE;
    default:
        return DOCUMENT_PERM_READ;
    }
}

/* The lists' statements, one pair (count, page) per box, as literals:
 * statements are cached by their text's address (store/store.h). ?1 the
 * account, ?2 the unit (0: all), ?3 today (in the CTE p, so that every
 * statement declares it), ?4 ?5 the page. */
#define LIST_HEAD(perm)                                                                            \
    "WITH p(today) AS (SELECT ?3), " PERMISSION_SCOPE("?1", "'" perm "'") " SELECT "
#define LIST_FROM                                                                                  \
    " FROM documents d LEFT JOIN document_incoming i ON i.document_id = d.id"                      \
    " WHERE d.direction = 'in' AND d.unit_id IN (SELECT id FROM scope)"                            \
    " AND (?2 = 0 OR d.unit_id = ?2)"
#define LIST_COLUMNS                                                                               \
    "d.id, d.unit_id, d.summary, coalesce(d.notation, ''), d.priority, i.status, i.number,"       \
    " i.deadline, d.created_at, coalesce((SELECT u.name FROM documents s JOIN units u"            \
    " ON u.id = s.unit_id WHERE s.id = d.source_id), d.sender_name),"                            \
    " EXISTS (SELECT 1 FROM document_marks m WHERE m.document_id = d.id"                          \
    " AND m.kind = 'recalled')"
#define LIST_PAGE " LIMIT ?4 OFFSET ?5"
#define LIST_NEWEST " ORDER BY d.created_at DESC, d.id DESC"
#define LIST_BOX(perm, where, order)                                                               \
    {LIST_HEAD(perm) "count(*)" LIST_FROM where,                                                   \
     LIST_HEAD(perm) LIST_COLUMNS LIST_FROM where order LIST_PAGE}

static const struct {
    const char *count, *page;
} list_sql[] = {
    [INC_BOX_ARRIVED] = LIST_BOX(INCOMING_PERM_RECEIVE, " AND i.status IS NULL", LIST_NEWEST),
    [INC_BOX_REGISTERED] = LIST_BOX(INCOMING_PERM_RECEIVE, " AND i.number IS NOT NULL",
                                    " ORDER BY i.registered_at DESC, d.id DESC"),
    [INC_BOX_TO_ASSIGN] = LIST_BOX(INCOMING_PERM_ASSIGN, " AND i.status = 'registered'",
                                   LIST_NEWEST),
    /* The lead officer, an officer of the lead unit, or a supporting one. */
    [INC_BOX_TO_HANDLE] = LIST_BOX(
        INCOMING_PERM_HANDLE,
        " AND i.status IN ('assigned', 'handling') AND (i.lead_account_id = ?1"
        " OR (i.lead_account_id IS NULL AND i.lead_unit_id IN (SELECT id FROM scope))"
        " OR ?1 IN (SELECT value FROM json_each(i.support_accounts)))",
        " ORDER BY i.deadline, d.id"),
    /* The deadline is the last day: overdue from the day after. */
    [INC_BOX_OVERDUE] = LIST_BOX(DOCUMENT_PERM_READ,
                                 " AND i.status IN ('assigned', 'handling')"
                                 " AND i.deadline < (SELECT today FROM p)",
                                 " ORDER BY i.deadline, d.id"),
};

json_t *incoming_list_json(struct store *db, int64_t account_id, enum incoming_box box,
                           int64_t unit_id, const char *today, int limit, int offset)
{
    struct store_stmt *st;
    int64_t total = 0;
    int rc;
    if ((int)box < 0 || (int)box > INC_BOX_OVERDUE)
        return NULL;
    rc = store_int(db, list_sql[box].count, &total, BIND_INT(account_id), BIND_INT(unit_id),
                   BIND_TEXT(today));
    if (rc != STORE_ROW)
        return NULL;
    json_t *items = json_array();
    if (!items || store_prepare_all(db, list_sql[box].page, &st, BIND_INT(account_id),
                                    BIND_INT(unit_id), BIND_TEXT(today), BIND_INT(limit), BIND_INT(offset))) {
        json_decref(items);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *name = store_col_is_null(st, 5) ? NULL : store_col_text(st, 5);
        json_t *item =
            json_pack("{sI sI ss ss ss ss ss s:o s:o ss sI}", "id",
                      (json_int_t)store_col_int(st, 0), "unit_id",
                      (json_int_t)store_col_int(st, 1), "summary", store_col_text(st, 2),
                      "notation", store_col_text(st, 3), "priority", store_col_text(st, 4),
                      "status", name ? name : "arrived", "code", code_of(name), "number",
                      store_col_is_null(st, 6) ? json_null() : json_integer(store_col_int(st, 6)),
                      "deadline",
                      store_col_is_null(st, 7) ? json_null() : json_string(store_col_text(st, 7)),
                      "sender", store_col_text(st, 9), "arrived_at",
                      (json_int_t)store_col_int(st, 8));
        /* A copy its sender recalled stays in the lists, marked. */
        if (item)
            json_object_set_new(item, "recalled", json_boolean(store_col_int(st, 10)));
        json_array_append_new(items, item);
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o sI si si}", "items", items, "total", (json_int_t)total, "limit",
                     limit, "offset", offset);
}

/* documents: result documents and apology letters. */
#include "dossier/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "catalog/procedure.h"
#include "catalog/unit.h"
#include "dossier/changes.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
#include "render/letter.h"
#include "render/pdf.h"
#include "store/store.h"

#define MAX_FIELDS 60

/* Communes are headed "UBND <name>"; other units print their own name. */
static void unit_title(const struct unit *u, char *out, size_t cap)
{
    if (strcmp(u->level, "commune") == 0)
        snprintf(out, cap, "UBND %s", u->name);
    else
        copy_str(out, cap, u->name);
}

/* The place in the place-and-date line: the commune's name without its
 * kind ("Phường Hạc Thành" -> "Hạc Thành"). */
static void place_of(const struct unit *u, char *out, size_t cap)
{
    const char *n = u->name;
    static const char *const kinds[] = {"Phường ", "Xã ", "Thị trấn "};
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
        if (strncmp(n, kinds[i], strlen(kinds[i])) == 0)
            n += strlen(kinds[i]);
    copy_str(out, cap, n);
}

/* Finds a field's schema entry to show a select's label. */
static const json_t *schema_field(const json_t *schema, const char *name)
{
    const json_t *secs = json_object_get(schema, "sections");
    for (size_t i = 0; i < json_array_size(secs); i++) {
        const json_t *fields = json_object_get(json_array_get(secs, i), "fields");
        for (size_t k = 0; k < json_array_size(fields); k++) {
            const json_t *f = json_array_get(fields, k);
            if (strcmp(json_string_value(json_object_get(f, "name")), name) == 0)
                return f;
        }
    }
    return NULL;
}

/* A form value as printed: dates as dd/mm/yyyy, selects by their label. */
static void printable(const json_t *schema, const char *name, const json_t *v, char *out,
                      size_t cap)
{
    const json_t *f = schema_field(schema, name);
    const char *type = f ? json_string_value(json_object_get(f, "type")) : "";
    out[0] = '\0';
    if (json_is_integer(v)) {
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    } else if (json_is_string(v) && type && strcmp(type, "date") == 0 &&
               json_string_length(v) == 10) {
        const char *s = json_string_value(v);
        snprintf(out, cap, "%.2s/%.2s/%.4s", s + 8, s + 5, s);
    } else if (json_is_string(v) && type && strcmp(type, "select") == 0) {
        const json_t *opts = json_object_get(f, "options");
        copy_str(out, cap, json_string_value(v));
        for (size_t i = 0; i < json_array_size(opts); i++) {
            const json_t *o = json_array_get(opts, i);
            if (json_equal(json_object_get(o, "value"), (json_t *)v))
                copy_str(out, cap, json_string_value(json_object_get(o, "label")));
        }
    } else if (json_is_string(v)) {
        copy_str(out, cap, json_string_value(v));
    }
}

/* The officer who took the dossier's last step of the given action. */
static void actor_of(struct store *db, int64_t id, const char *action, char *out, size_t cap)
{
    struct store_stmt *st;
    out[0] = '\0';
    if (store_prepare_all(db,
                          "SELECT a.full_name FROM dossier_events e JOIN accounts a"
                          " ON a.id = e.actor_id WHERE e.dossier_id = ? AND e.action = ?"
                          " ORDER BY e.id DESC LIMIT 1",
                          &st, BIND_INT(id), BIND_TEXT(action)))
        return;
    if (store_step(st) == STORE_ROW)
        copy_str(out, cap, store_col_text(st, 0));
    store_done(st);
}

int result_document_pdf(struct store *db, const struct dossier *d, const char *base_url,
                        unsigned char **out, size_t *len)
{
    if (d->status_code != STATUS_DONE && d->status_code != STATUS_RETURNED)
        return 1;
    return result_document_render(db, d, base_url, NULL, NULL, 0, out, len);
}

int result_document_render(struct store *db, const struct dossier *d, const char *base_url,
                           const char *verify_url, const char *signer_name, int need_template,
                           unsigned char **out, size_t *len)
{
    struct procedure p;
    struct unit u, parent;
    char unit_name[300], parent_name[300] = "", place[200], number[160], url[400];
    char signer[256], finished[64], values[MAX_FIELDS][1280]; /* form values: 300 characters */
    struct letter_field fields[MAX_FIELDS];
    int n = 0, rc = -1;
    json_t *form = NULL;
    if (procedure_by_id(db, d->procedure_id, &p) != STORE_ROW)
        return -1;
    if (need_template && json_array_size(json_object_get(p.result_template, "fields")) == 0) {
        rc = 1;
        goto out;
    }
    if (unit_by_id(db, d->unit_id, &u) != STORE_ROW || !(form = dossier_form(db, d->id)))
        goto out;
    unit_title(&u, unit_name, sizeof unit_name);
    if (u.parent_code[0] && unit_by_code(db, u.parent_code, &parent) == STORE_ROW)
        unit_title(&parent, parent_name, sizeof parent_name);
    place_of(&u, place, sizeof place);
    snprintf(number, sizeof number, "Số: %s", d->code);
    snprintf(url, sizeof url, "%s/tra-cuu?ma=%s", base_url, d->code);
    if (signer_name)
        copy_str(signer, sizeof signer, signer_name);
    else
        actor_of(db, d->id, "approve", signer, sizeof signer);
    pdf_vn_time(d->finished_at ? d->finished_at : now_unix(), 1, finished, sizeof finished);

    const json_t *tmpl = p.result_template;
    const json_t *tf = json_object_get(tmpl, "fields");
    for (size_t i = 0; i < json_array_size(tf) && n < MAX_FIELDS; i++) {
        const json_t *f = json_array_get(tf, i);
        const char *label = json_string_value(json_object_get(f, "label"));
        const char *field = json_string_value(json_object_get(f, "field"));
        const char *value = json_string_value(json_object_get(f, "value"));
        if (!label)
            continue;
        if (field)
            printable(p.form, field, json_object_get(form, field), values[n], sizeof values[n]);
        else if (value && strcmp(value, "@unit") == 0)
            copy_str(values[n], sizeof values[n], unit_name);
        else if (value && strcmp(value, "@finished_date") == 0)
            copy_str(values[n], sizeof values[n], finished);
        else
            copy_str(values[n], sizeof values[n], value ? value : "");
        fields[n] = (struct letter_field){.label = label, .value = values[n]};
        n++;
    }
    /* A procedure without a template still gets a plain result notice. */
    if (n == 0) {
        fields[n++] = (struct letter_field){.label = "Thủ tục", .value = p.name};
        fields[n++] = (struct letter_field){.label = "Mã hồ sơ", .value = d->code};
        fields[n++] = (struct letter_field){.label = "Kết quả", .value = p.result_type};
        fields[n++] = (struct letter_field){.label = "Ngày giải quyết xong", .value = finished};
    }
    const char *title = json_string_value(json_object_get(tmpl, "title"));
    const char *signer_title = json_string_value(json_object_get(tmpl, "signer_title"));
    struct letter_result l = {
        .parent_name = parent_name[0] ? parent_name : NULL,
        .unit_name = unit_name,
        .number_line = number,
        .title = title ? title : "Kết quả giải quyết thủ tục hành chính",
        .subtitle = json_string_value(json_object_get(tmpl, "subtitle")),
        .fields = fields,
        .nfields = n,
        .issued_at = d->finished_at ? d->finished_at : now_unix(),
        .place = place,
        .signer_title = signer_title ? signer_title : "Thủ trưởng cơ quan",
        .signer_name = signer,
        .lookup_url = url,
        .verify_url = verify_url,
    };
    rc = letter_result_pdf(&l, out, len);
out:
    json_decref(form);
    procedure_clear(&p);
    return rc;
}

/* --- apologies ------------------------------------------------------------ */

int apology_record_job(struct store *db, void *arg)
{
    struct apology_job *a = arg;
    struct dossier d;
    struct store_stmt *st;
    char key[24], clock[16], title[128];
    snprintf(key, sizeof key, "%lld", (long long)a->dossier_id);
    if (dossier_find(db, key, 0, &d) != STORE_ROW || !d.code[0] ||
        permission_sees(db, a->officer_id, d.unit_id, d.current_unit_id) != 1)
        return derr_set(&a->err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    if (permission_can(db, a->officer_id, "dossier.apologize", d.current_unit_id) != 1)
        return derr_set(&a->err, DERR_FORBIDDEN, "forbidden",
                        "Vai trò của bạn không được thực hiện thao tác này", NULL);
    if (store_prepare_all(db, "SELECT clock, title FROM workflow_states WHERE workflow = ? AND state = ?",
                          &st, BIND_TEXT(d.workflow), BIND_TEXT(d.state)))
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    clock[0] = '\0';
    if (store_step(st) == STORE_ROW) {
        copy_str(clock, sizeof clock, store_col_text(st, 0));
        copy_str(title, sizeof title, store_col_text(st, 1));
    }
    store_done(st);
    if (strcmp(clock, "running") && strcmp(clock, "paused"))
        return derr_set(&a->err, DERR_STATE, "not_open", "Hồ sơ đã kết thúc xử lý", NULL);
    if (d.due_at - a->now > 86400)
        return derr_set(&a->err, DERR_STATE, "not_late",
                        "Chỉ xin lỗi và hẹn lại khi hồ sơ đã hoặc sắp quá hạn (trong 1 ngày)",
                        NULL);
    if (a->new_due_at <= a->now || a->new_due_at <= d.due_at)
        return derr_set(&a->err, DERR_INVALID, "bad_new_due",
                        "Ngày hẹn mới phải sau ngày hẹn hiện tại và sau thời điểm này",
                        "new_due_at");
    int64_t n = 1;
    if (store_prepare_all(db, "SELECT coalesce(max(n), 0) + 1 FROM dossier_apologies WHERE dossier_id = ?",
                          &st, BIND_INT(d.id)))
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (store_step(st) == STORE_ROW)
        n = store_col_int(st, 0);
    store_done(st);
    int rc = store_prepare(db,
                           "INSERT INTO dossier_apologies(dossier_id, n, old_due_at, new_due_at,"
                           " reason, officer_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           &st);
    if (rc == 0) {
        store_bind_int(st, 1, d.id);
        store_bind_int(st, 2, n);
        store_bind_int(st, 3, d.due_at);
        store_bind_int(st, 4, a->new_due_at);
        store_bind_text(st, 5, a->reason);
        store_bind_int(st, 6, a->officer_id);
        store_bind_int(st, 7, a->now);
        rc = store_step(st) == STORE_DONE ? 0 : STORE_ERR;
        store_done(st);
    }
    if (rc == 0 && (rc = store_prepare(db, "UPDATE dossiers SET due_at = ?, updated_at = ? WHERE id = ?",
                                       &st)) == 0) {
        store_bind_int(st, 1, a->new_due_at);
        store_bind_int(st, 2, a->now);
        store_bind_int(st, 3, d.id);
        rc = store_step(st) == STORE_DONE ? 0 : STORE_ERR;
        store_done(st);
    }
    char note[APOLOGY_REASON_MAX * 4 + 160], when[40];
    /* "16:00 ngày 01/12/2026", as people write it. */
    cal_format_local(a->new_due_at, when, sizeof when); /* YYYY-MM-DDTHH:MM */
    snprintf(note, sizeof note,
             "Xin lỗi và hẹn lại ngày trả kết quả: %.5s ngày %.2s/%.2s/%.4s. Lý do: %s",
             when + 11, when + 8, when + 5, when, a->reason);
    if (rc == 0)
        rc = dossier_add_event(db, d.id, a->now, "apology", d.state, d.state, d.status_code,
                               note, a->officer_id, d.current_unit_id);
    if (rc == 0) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"n\":%lld,\"old_due_at\":%lld,\"new_due_at\":%lld}",
                 (long long)n, (long long)d.due_at, (long long)a->new_due_at);
        rc = audit_object(db, a->officer_id, "dossier.apology", "dossier", d.id, detail);
    }
    if (rc == 0) {
        /* A new appointment without a status change: announced all the same,
         * so the public lookup and any other follower hear of it. */
        struct dossier_change ch = {.dossier_id = d.id,
                                    .code = d.code,
                                    .action = "apology",
                                    .from_state = d.state,
                                    .to_state = d.state,
                                    .from_status = d.status_code,
                                    .to_status = d.status_code,
                                    .at = a->now,
                                    .actor_id = a->officer_id};
        rc = dossier_changed(db, &ch);
    }
    if (rc)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    a->n = (int)n;
    return 0;
}

int apology_pdf(struct store *db, const struct dossier *d, int n, const char *base_url,
                const char *verify_url, unsigned char **out, size_t *len)
{
    struct store_stmt *st;
    struct unit u, parent;
    char unit_name[300], parent_name[300] = "", place[200], signer[256] = "", url[400];
    char reason[APOLOGY_REASON_MAX * 4 + 1] = "", applicant[512] = "", procedure[512] = "";
    int64_t new_due = 0, at = 0;
    if (store_prepare_all(db,
                          "SELECT ap.new_due_at, ap.reason, ap.at, a.full_name, d.applicant_name,"
                          " p.name FROM dossier_apologies ap JOIN accounts a ON a.id = ap.officer_id"
                          " JOIN dossiers d ON d.id = ap.dossier_id"
                          " JOIN procedures p ON p.id = d.procedure_id"
                          " WHERE ap.dossier_id = ? AND ap.n = ?",
                          &st, BIND_INT(d->id), BIND_INT(n)))
        return -1;
    int found = store_step(st) == STORE_ROW;
    if (found) {
        new_due = store_col_int(st, 0);
        copy_str(reason, sizeof reason, store_col_text(st, 1));
        at = store_col_int(st, 2);
        copy_str(signer, sizeof signer, store_col_text(st, 3));
        copy_str(applicant, sizeof applicant, store_col_text(st, 4));
        copy_str(procedure, sizeof procedure, store_col_text(st, 5));
    }
    store_done(st);
    if (!found)
        return 1;
    if (unit_by_id(db, d->unit_id, &u) != STORE_ROW)
        return -1;
    unit_title(&u, unit_name, sizeof unit_name);
    if (u.parent_code[0] && unit_by_code(db, u.parent_code, &parent) == STORE_ROW)
        unit_title(&parent, parent_name, sizeof parent_name);
    place_of(&u, place, sizeof place);
    snprintf(url, sizeof url, "%s/tra-cuu?ma=%s", base_url ? base_url : "", d->code);
    struct letter_apology l = {
        .parent_name = parent_name[0] ? parent_name : NULL,
        .unit_name = unit_name,
        .code = d->code,
        .applicant_name = applicant,
        .procedure_name = procedure,
        .received_at = d->submitted_at,
        .first_due_at = d->first_due_at,
        .new_due_at = new_due,
        .issued_at = at,
        .reason = reason,
        .place = place,
        .signer_title = "Người đại diện",
        .signer_name = signer,
        .lookup_url = base_url ? url : NULL,
        .verify_url = verify_url,
    };
    return letter_apology_pdf(&l, out, len);
}

json_t *apologies_json(struct store *db, int64_t dossier_id)
{
    struct store_stmt *st;
    json_t *list = json_array();
    char a[CAL_ISO_LEN], b[CAL_ISO_LEN], c[CAL_ISO_LEN];
    if (store_prepare_all(db,
                          "SELECT n, old_due_at, new_due_at, reason, at FROM dossier_apologies"
                          " WHERE dossier_id = ? ORDER BY n",
                          &st, BIND_INT(dossier_id)))
        return list;
    while (store_step(st) == STORE_ROW) {
        cal_format_iso(store_col_int(st, 1), a, sizeof a);
        cal_format_iso(store_col_int(st, 2), b, sizeof b);
        cal_format_iso(store_col_int(st, 4), c, sizeof c);
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s}", "n",
                                              (json_int_t)store_col_int(st, 0), "old_due_at", a,
                                              "new_due_at", b, "reason", store_col_text(st, 3),
                                              "at", c));
    }
    store_done(st);
    return list;
}

/* dossier: drafts, attachments, submission, withdrawal, and their JSON. */
#include "dossier/dossier.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "auth/account.h"
#include "auth/permission.h"
#include "base/text.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "catalog/eform.h"
#include "catalog/procedure.h"
#include "catalog/unit.h"
#include "dossier/changes.h"
#include "dossier/documents.h"
#include "dossier/filestore.h"
#include "dossier/results.h"
#include "dossier/status.h"
#include "store/store.h"

#define FIND_COLS "d.id, coalesce(d.code, ''), d.procedure_id, d.unit_id, coalesce(d.owner_id, 0), d.channel, d.state, coalesce(d.status_code, 0), d.created_at, coalesce(d.submitted_at, 0), coalesce(d.due_at, 0), coalesce(d.current_unit_id, d.unit_id), coalesce(d.assignee_id, 0), coalesce(d.first_due_at, 0), coalesce(d.remaining_minutes, -1), coalesce(d.resume_state, ''), coalesce(d.finished_at, 0), p.workflow, coalesce(d.received_by, 0) FROM dossiers d JOIN procedures p ON p.id = d.procedure_id"

static int is_all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19;
}

int dossier_find(struct store *db, const char *key, int64_t owner_id, struct dossier *d)
{
    struct store_stmt *st;
    int by_id = is_all_digits(key);
    int rc = store_prepare(db,
                           by_id ? "SELECT " FIND_COLS " WHERE d.id = ?1"
                                   " AND (?2 = 0 OR d.owner_id = ?2)"
                                 : "SELECT " FIND_COLS " WHERE d.code = ?1"
                                   " AND (?2 = 0 OR d.owner_id = ?2)",
                           &st);
    if (rc)
        return rc;
    if (by_id)
        store_bind_int(st, 1, strtoll(key, NULL, 10));
    else
        store_bind_text(st, 1, key);
    store_bind_int(st, 2, owner_id);
    rc = store_step(st);
    if (rc == STORE_ROW) {
        memset(d, 0, sizeof *d);
        d->id = store_col_int(st, 0);
        copy_str(d->code, sizeof d->code, store_col_text(st, 1));
        d->procedure_id = store_col_int(st, 2);
        d->unit_id = store_col_int(st, 3);
        d->owner_id = store_col_int(st, 4);
        copy_str(d->channel, sizeof d->channel, store_col_text(st, 5));
        copy_str(d->state, sizeof d->state, store_col_text(st, 6));
        d->status_code = (int)store_col_int(st, 7);
        d->created_at = store_col_int(st, 8);
        d->submitted_at = store_col_int(st, 9);
        d->due_at = store_col_int(st, 10);
        d->current_unit_id = store_col_int(st, 11);
        d->assignee_id = store_col_int(st, 12);
        d->first_due_at = store_col_int(st, 13);
        d->remaining_minutes = store_col_int(st, 14);
        copy_str(d->resume_state, sizeof d->resume_state, store_col_text(st, 15));
        d->finished_at = store_col_int(st, 16);
        copy_str(d->workflow, sizeof d->workflow, store_col_text(st, 17));
        d->received_by = store_col_int(st, 18);
    }
    store_done(st);
    return rc;
}

_Static_assert(DOSSIER_FILE_NAME_MAX == FILESTORE_NAME_MAX, "one file name rule");

int dossier_file_name_valid(const char *name)
{
    return filestore_name_valid(name);
}

#define ACTOR(a) ((a)->actor_id ? (a)->actor_id : (a)->owner_id)


/* Finds the caller's draft inside a write job; fills err otherwise. A
 * walk-in the desk is registering belongs to its officer until submitted:
 * the citizen it is linked to may follow it, not change it. */
static int find_draft(struct store *db, int64_t id, int64_t owner, int64_t actor,
                      struct dossier *d, struct derr *err)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    int rc = dossier_find(db, key, owner, d);
    if (rc == STORE_DONE)
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    if (rc < 0)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (d->received_by && !d->code[0] && actor != d->received_by)
        return derr_set(err, DERR_STATE, "desk_draft",
                        "Hồ sơ đang được bộ phận một cửa tiếp nhận, chưa thể sửa", NULL);
    if (strcmp(d->state, "draft") != 0)
        return derr_set(err, DERR_STATE, "not_a_draft", "Hồ sơ đã nộp, không thể sửa", NULL);
    return 0;
}

/* --- write jobs ------------------------------------------------------- */

/* The procedure and unit of a new draft, checked: OUT *procedure_id,
 * *unit_id; -1 with the refusal in a->err. */
static int check_create(struct store *db, struct dossier_create *a, int64_t *procedure_id,
                        int64_t *unit_id)
{
    struct unit u;
    int rc = procedure_id_by_code(db, a->procedure_code ? a->procedure_code : "", procedure_id);
    if (rc < 0)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc != STORE_ROW)
        return derr_set(&a->err, DERR_NOT_FOUND, "unknown_procedure", "Không có thủ tục này",
                        "procedure_code");
    rc = unit_by_code(db, a->unit_code ? a->unit_code : "", &u);
    /* An officer registers walk-ins only for units in their reach; a unit
     * out of reach is answered like one that does not exist. */
    if (rc == STORE_ROW && a->received_by) {
        int can = permission_can(db, a->received_by, "dossier.walkin", u.id);
        rc = can == 1 ? STORE_ROW : (can < 0 ? can : STORE_DONE);
    }
    if (rc < 0)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc != STORE_ROW)
        return derr_set(&a->err, DERR_NOT_FOUND, "unknown_unit",
                        a->received_by ? "Không có đơn vị này trong phạm vi của bạn"
                                       : "Không có đơn vị này",
                        "unit_code");
    *unit_id = u.id;
    rc = procedure_handled_by(db, *procedure_id, u.id);
    if (rc < 0)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (rc != 1)
        return derr_set(&a->err, DERR_INVALID, "unit_not_handling",
                        "Đơn vị này không giải quyết thủ tục đã chọn", "unit_code");
    return 0;
}

int dossier_create_job(struct store *db, void *arg)
{
    struct dossier_create *a = arg;
    struct store_stmt *st;
    int64_t now = now_unix(), procedure_id, unit_id, owner = a->owner_id;
    if (check_create(db, a, &procedure_id, &unit_id))
        return -1;
    /* A walk-in is never linked to the account registered under the
     * applicant's ID number: the number was only typed in there, by anyone.
     * The applicant claims it with the receipt's code instead. */
    const char *idn = a->applicant_id_number;
    int rc = store_prepare_all(db,
                               "INSERT INTO dossiers(procedure_id, unit_id, owner_id, received_by,"
                               " channel, state, created_at, updated_at, applicant_name,"
                               " applicant_phone, applicant_email, applicant_address,"
                               " applicant_id_number)"
                               " VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
                               &st,
                               BIND_INT(procedure_id), BIND_INT(unit_id), BIND_ID(owner),
                               BIND_ID(a->received_by),
                               BIND_TEXT(a->channel ? a->channel : "online"), BIND_INT(now),
                               BIND_INT(now), BIND_TEXT(a->applicant_name ? a->applicant_name : ""),
                               BIND_TEXT(a->applicant_phone ? a->applicant_phone : ""),
                               BIND_TEXT(a->applicant_email ? a->applicant_email : ""),
                               BIND_TEXT(a->applicant_address ? a->applicant_address : ""),
                               BIND_TEXT(idn && *idn ? idn : NULL));
    if (rc)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if ((rc = store_step_done(st)) == 0) {
        a->id = store_last_insert_id(db);
        rc = audit_object(db, a->received_by ? a->received_by : owner, "dossier.create",
                          "dossier", a->id, NULL);
    }
    if (rc)
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return rc;
}

int dossier_save_form_job(struct store *db, void *arg)
{
    struct dossier_save_form *a = arg;
    struct dossier d;
    if (find_draft(db, a->id, a->owner_id, ACTOR(a), &d, &a->err))
        return -1;
    char *form = json_dumps(a->form, JSON_COMPACT | JSON_SORT_KEYS);
    if (!form)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Hết bộ nhớ", NULL);
    int rc = store_exec_all(db, "UPDATE dossiers SET form = ?, updated_at = ? WHERE id = ?",
                            BIND_TEXT(form), BIND_INT(now_unix()), BIND_INT(a->id));
    free(form);
    if (rc == 0)
        rc = audit_object(db, ACTOR(a), "dossier.form", "dossier", a->id, NULL);
    if (rc)
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return rc;
}

/* Is there already a file of this name on the dossier? */
static int has_file(struct store *db, int64_t id, const char *name)
{
    struct store_stmt *st;
    int found = 0;
    if (store_prepare_all(db, "SELECT 1 FROM dossier_files WHERE dossier_id = ? AND name = ?", &st,
                          BIND_INT(id), BIND_TEXT(name)))
        return -1;
    found = store_step(st) == STORE_ROW;
    store_done(st);
    return found;
}

int dossier_files_room(struct store *db, enum dossier_files kind, int64_t id, const char *name,
                       int64_t size, struct derr *err)
{
    static const struct {
        const char *sql;
        int64_t max_files, max_bytes;
        const char *too_many, *too_large_code, *too_large;
    } kinds[] = {
        [DOSSIER_FILES_HANDED_IN] = {"SELECT count(*), coalesce(sum(size), 0) FROM dossier_files"
                                     " WHERE dossier_id = ? AND name <> ?",
                                     DOSSIER_MAX_FILES, DOSSIER_MAX_BYTES,
                                     "Hồ sơ đã có tối đa 30 tệp đính kèm", "dossier_too_large",
                                     "Tổng dung lượng tệp của hồ sơ vượt quá 100 MiB"},
        [DOSSIER_FILES_RESULTS] = {"SELECT count(*), coalesce(sum(size), 0) FROM dossier_results"
                                   " WHERE dossier_id = ? AND name <> ?",
                                   RESULTS_MAX_FILES, RESULTS_MAX_BYTES,
                                   "Hồ sơ đã có tối đa 10 tệp kết quả", "results_too_large",
                                   "Tổng dung lượng tệp kết quả vượt quá 50 MiB"},
    };
    struct store_stmt *st;
    int64_t count = 0, bytes = 0;
    int rc = store_prepare_all(db, kinds[kind].sql, &st, BIND_INT(id), BIND_TEXT(name));
    if (rc == 0 && (rc = store_step(st)) == STORE_ROW) {
        count = store_col_int(st, 0);
        bytes = store_col_int(st, 1);
    }
    store_done(st);
    if (rc != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (count >= kinds[kind].max_files)
        return derr_set(err, DERR_INVALID, "too_many_files", kinds[kind].too_many, name);
    if (bytes + size > kinds[kind].max_bytes)
        return derr_set(err, DERR_TOO_LARGE, kinds[kind].too_large_code, kinds[kind].too_large,
                        name);
    return 0;
}

int dossier_file_delete(struct store *db, enum dossier_files kind, int64_t id, const char *name,
                        struct derr *err)
{
    static const char *const sql[] = {
        [DOSSIER_FILES_HANDED_IN] = "DELETE FROM dossier_files WHERE dossier_id = ? AND name = ?",
        [DOSSIER_FILES_RESULTS] = "DELETE FROM dossier_results WHERE dossier_id = ? AND name = ?",
    };
    if (store_exec_all(db, sql[kind], BIND_INT(id), BIND_TEXT(name)))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (store_changes(db) == 0)
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy tệp", name);
    return 0;
}

int dossier_file_find(struct store *db, enum dossier_files kind, int64_t id, const char *name,
                      char *sha256, char *content_type)
{
    static const char *const sql[] = {
        [DOSSIER_FILES_HANDED_IN] = "SELECT sha256, content_type FROM dossier_files"
                                    " WHERE dossier_id = ? AND name = ?",
        [DOSSIER_FILES_RESULTS] = "SELECT sha256, content_type FROM dossier_results"
                                  " WHERE dossier_id = ? AND name = ?",
    };
    struct store_stmt *st;
    int rc = store_prepare_all(db, sql[kind], &st, BIND_INT(id), BIND_TEXT(name));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        copy_str(sha256, 65, store_col_text(st, 0));
        copy_str(content_type, 32, store_col_text(st, 1));
    }
    store_done(st);
    return rc;
}

int dossier_count_by_status(struct store *db, int64_t counts[STATUS_MAX + 1])
{
    struct store_stmt *st;
    memset(counts, 0, (STATUS_MAX + 1) * sizeof counts[0]);
    int rc = store_prepare(db,
                           "SELECT coalesce(status_code, 0), count(*) FROM dossiers GROUP BY 1",
                           &st);
    if (rc)
        return rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t status = store_col_int(st, 0);
        if (status >= STATUS_DRAFT && status <= STATUS_MAX)
            counts[status] = store_col_int(st, 1);
    }
    store_done(st);
    return rc < 0 ? rc : 0;
}

/* The event id of the dossier's latest supplement request, 0 if none,
 * negative on a store error. */
static int64_t open_supplement_event(struct store *db, int64_t id)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT coalesce(max(id), 0) FROM dossier_events WHERE dossier_id = ?"
                               " AND action = 'request_supplement'",
                               &st, BIND_INT(id));
    if (rc)
        return rc;
    int64_t ev = store_step(st) == STORE_ROW ? store_col_int(st, 0) : -1;
    store_done(st);
    return ev;
}

int dossier_file_admissible(struct store *db, struct dossier_file_op *a,
                            int64_t *supplement_event)
{
    struct dossier d;
    /* Files are added to a draft, or while the desk waits for a supplement;
     * a supplement adds files, it never replaces what was handed in. */
    *supplement_event = 0;
    if (find_draft(db, a->id, a->owner_id, ACTOR(a), &d, &a->err)) {
        if (a->err.kind != DERR_STATE || strcmp(d.state, "supplement") != 0)
            return -1;
        derr_clear(&a->err);
        if (has_file(db, a->id, a->name) != 0)
            return derr_set(&a->err, DERR_STATE, "file_exists",
                            "Đã có tệp cùng tên; hãy đặt tên khác cho tệp bổ sung", a->name);
        if ((*supplement_event = open_supplement_event(db, a->id)) < 0)
            return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    }
    if (a->document_key[0]) {
        const struct procedure *p = procedure_cached(db, d.procedure_id);
        if (!p)
            return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        if (!procedure_has_document(p, a->document_key))
            return derr_set(&a->err, DERR_INVALID, "unknown_document",
                            "Thủ tục không có loại giấy tờ này", "document");
    }
    return dossier_files_room(db, DOSSIER_FILES_HANDED_IN, a->id, a->name, a->size, &a->err);
}

int dossier_add_file_job(struct store *db, void *arg)
{
    struct dossier_file_op *a = arg;
    int64_t supplement_event;
    if (dossier_file_admissible(db, a, &supplement_event))
        return -1;
    int rc = store_exec_all(db,
                            "INSERT INTO dossier_files(dossier_id, name, document_key, content_type,"
                            " size, sha256, uploaded_at, supplement_event_id)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                            " ON CONFLICT(dossier_id, name) DO UPDATE SET"
                            " document_key = excluded.document_key,"
                            " content_type = excluded.content_type, size = excluded.size,"
                            " sha256 = excluded.sha256, uploaded_at = excluded.uploaded_at",
                            BIND_INT(a->id), BIND_TEXT(a->name), BIND_TEXT(a->document_key),
                            BIND_TEXT(a->content_type), BIND_INT(a->size), BIND_TEXT(a->sha256),
                            BIND_INT(now_unix()), BIND_ID(supplement_event));
    if (rc == 0)
        rc = audit_object_json(db, ACTOR(a), "dossier.file.add", "dossier", a->id,
                               json_pack("{s:s, s:s, s:I}", "file", a->name, "sha256", a->sha256,
                                         "size", (json_int_t)a->size));
    if (rc)
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return rc;
}

/* Was the file sent with the open supplement request (1), handed in
 * before it (0), or is there no such file (2)? Negative on a store error. */
static int added_in_supplement(struct store *db, int64_t id, const char *name)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT coalesce(f.supplement_event_id = (SELECT max(e.id)"
                               " FROM dossier_events e WHERE e.dossier_id = f.dossier_id"
                               " AND e.action = 'request_supplement'), 0)"
                               " FROM dossier_files f WHERE f.dossier_id = ? AND f.name = ?",
                               &st, BIND_INT(id), BIND_TEXT(name));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW)
        rc = store_col_int(st, 0) ? 1 : 0;
    else if (rc == STORE_DONE)
        rc = 2;
    store_done(st);
    return rc;
}

int dossier_remove_file_job(struct store *db, void *arg)
{
    struct dossier_file_op *a = arg;
    struct dossier d;
    /* A draft's files, or during a supplement the files sent with it: what
     * was handed in before stays. */
    if (find_draft(db, a->id, a->owner_id, ACTOR(a), &d, &a->err)) {
        if (a->err.kind != DERR_STATE || strcmp(d.state, "supplement") != 0)
            return -1;
        derr_clear(&a->err);
        int fresh = added_in_supplement(db, a->id, a->name);
        if (fresh < 0)
            return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        if (fresh == 0)
            return derr_set(&a->err, DERR_STATE, "file_locked",
                            "Tệp đã nộp trước khi có yêu cầu bổ sung, không thể gỡ", a->name);
    }
    if (dossier_file_delete(db, DOSSIER_FILES_HANDED_IN, a->id, a->name, &a->err))
        return -1;
    return audit_object_json(db, ACTOR(a), "dossier.file.remove", "dossier", a->id,
                             json_pack("{s:s}", "file", a->name));
}

/* Which document keys have at least one file. */
static int document_has_file(struct store *db, int64_t id, const char *key)
{
    int64_t n = 0;
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT count(*) FROM dossier_files WHERE dossier_id = ? AND"
                          " document_key = ?",
                          &st, BIND_INT(id), BIND_TEXT(key)))
        return -1;
    if (store_step(st) == STORE_ROW)
        n = store_col_int(st, 0);
    store_done(st);
    return n > 0;
}

/* Checks the form in full and the required documents. */
static int check_complete(struct store *db, struct dossier_submit *a, const struct procedure *p,
                          json_t *form)
{
    struct eform_error errs[16];
    int n = eform_validate_checked(p->form, form, 0, a->today_ymd, errs, 16);
    if (n < 0)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Biểu mẫu của thủ tục không hợp lệ",
                        NULL);
    if (n > 0) {
        a->err.fields = json_array();
        for (int i = 0; i < n && i < 16; i++)
            json_array_append_new(a->err.fields,
                                  json_pack("{s:s, s:s, s:s}", "field", errs[i].field, "code",
                                            errs[i].code, "message", errs[i].message));
        return derr_set(&a->err, DERR_INVALID, "invalid_form", errs[0].message, errs[0].field);
    }
    size_t i;
    json_t *doc;
    json_array_foreach(p->documents, i, doc)
    {
        const char *key = json_string_value(json_object_get(doc, "key"));
        if (!json_is_true(json_object_get(doc, "required")) ||
            json_is_true(json_object_get(doc, "online_form")))
            continue;
        int has = document_has_file(db, a->id, key);
        if (has < 0)
            return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        if (!has) {
            char msg[256];
            snprintf(msg, sizeof msg, "Thiếu giấy tờ: %s",
                     json_string_value(json_object_get(doc, "name")));
            return derr_set(&a->err, DERR_INVALID, "missing_documents", msg, key);
        }
    }
    return 0;
}

/* Next number of the day for the unit: 1, 2, ... */
static int next_counter(struct store *db, int64_t unit_id, const char *day, int64_t *out)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "INSERT INTO dossier_counters(unit_id, day, last) VALUES (?, ?, 1)"
                               " ON CONFLICT(unit_id, day) DO UPDATE SET last = last + 1"
                               " RETURNING last",
                               &st, BIND_INT(unit_id), BIND_TEXT(day));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW)
        *out = store_col_int(st, 0);
    /* Step to the end so the statement completes before reset. */
    if (rc == STORE_ROW)
        rc = store_step(st) == STORE_DONE ? 0 : STORE_ERR;
    store_done(st);
    return rc;
}

/* The applicant: the form fields the procedure names, else the account. */
static void applicant_field(const struct procedure *p, json_t *form, const char *role,
                            const char *fallback, char *out, size_t cap)
{
    const char *field = json_string_value(json_object_get(p->applicant, role));
    const char *v = field ? json_string_value(json_object_get(form, field)) : NULL;
    copy_str(out, cap, v && *v ? v : fallback);
}

int dossier_add_event(struct store *db, int64_t id, int64_t at, const char *action,
                      const char *from_state, const char *state, int status, const char *note,
                      int64_t actor_id, int64_t unit_id)
{
    return store_exec_all(db,
                          "INSERT INTO dossier_events(dossier_id, at, action, from_state, state,"
                          " status_code, note, actor_id, unit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          BIND_INT(id), BIND_INT(at), BIND_TEXT(action), BIND_TEXT(from_state),
                          BIND_TEXT(state), BIND_INT(status), BIND_TEXT(note),
                          BIND_ID(actor_id), BIND_ID(unit_id));
}

/* The receiving unit holds a dossier from its submission. */
static int open_hold(struct store *db, int64_t id, int64_t now)
{
    return store_exec_all(db,
                          "INSERT INTO dossier_holds(dossier_id, unit_id, from_at)"
                          " SELECT id, unit_id, ? FROM dossiers WHERE id = ?",
                          BIND_INT(now), BIND_INT(id));
}

json_t *dossier_form(struct store *db, int64_t id)
{
    struct store_stmt *st;
    json_t *form = NULL;
    if (store_prepare_all(db, "SELECT form FROM dossiers WHERE id = ?", &st, BIND_INT(id)))
        return NULL;
    if (store_step(st) == STORE_ROW)
        form = json_loads(store_col_text(st, 0), 0, NULL);
    store_done(st);
    return form;
}

/* Room for the longest values the forms accept (a name of 100 and an
 * address of 300 characters, up to 4 bytes each), so nothing is cut. */
struct applicant {
    char name[512], address[1280], phone[32], email[256];
};

/* Online: status 1, waiting for the desk. A walk-in was checked by the
 * officer at the desk who registers it: status 1 and at once 2 (received). */
static int mark_submitted(struct store *db, struct dossier_submit *a, const struct dossier *d,
                          const char *code, int64_t due, const struct applicant *ap)
{
    struct store_stmt *st;
    int walkin = d->received_by != 0;
    int rc = store_prepare(db,
                           "UPDATE dossiers SET code = ?, state = ?, status_code = ?,"
                           " submitted_at = ?, due_at = ?5, first_due_at = ?5, updated_at = ?,"
                           " applicant_name = ?, applicant_address = ?, applicant_phone = ?,"
                           " applicant_email = ?, current_unit_id = unit_id, applicant_folded = ?"
                           " WHERE id = ?",
                           &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, walkin ? "received" : "submitted");
    store_bind_int(st, 3, walkin ? STATUS_ACCEPTED : STATUS_SUBMITTED);
    store_bind_int(st, 4, a->now);
    store_bind_int(st, 5, due);
    store_bind_int(st, 6, a->now);
    store_bind_text(st, 7, ap->name);
    store_bind_text(st, 8, ap->address);
    store_bind_text(st, 9, ap->phone);
    store_bind_text(st, 10, ap->email);
    char folded[512];
    store_bind_text(st, 11, text_fold(ap->name, folded, sizeof folded) >= 0 ? folded : "");
    store_bind_int(st, 12, a->id);
    rc = store_step_done(st);
    const char *how = !walkin                           ? "Nộp hồ sơ trực tuyến"
                      : strcmp(d->channel, "post") == 0 ? "Tiếp nhận hồ sơ qua bưu chính"
                                                        : "Tiếp nhận hồ sơ trực tiếp tại quầy";
    if (rc == 0)
        rc = dossier_add_event(db, a->id, a->now, "submit", "draft", "submitted", 1, how,
                               ACTOR(a), 0);
    if (rc == 0 && walkin)
        rc = dossier_add_event(db, a->id, a->now, "accept", "submitted", "received", 2, "",
                               ACTOR(a), d->unit_id);
    if (rc == 0)
        rc = open_hold(db, a->id, a->now);
    return rc;
}

/* Who to write to, if the form does not say: what the desk recorded for a
 * walk-in, else the owner's account. */
static int default_contact(struct store *db, const struct dossier *d, struct applicant *ap)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT coalesce(nullif(d.applicant_name, ''), a.full_name, ''),"
                               " coalesce(nullif(d.applicant_phone, ''), a.phone, ''),"
                               " coalesce(nullif(d.applicant_email, ''), a.email, ''),"
                               " d.applicant_address FROM dossiers d"
                               " LEFT JOIN accounts a ON a.id = d.owner_id WHERE d.id = ?",
                               &st, BIND_INT(d->id));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        copy_str(ap->name, sizeof ap->name, store_col_text(st, 0));
        copy_str(ap->phone, sizeof ap->phone, store_col_text(st, 1));
        copy_str(ap->email, sizeof ap->email, store_col_text(st, 2));
        copy_str(ap->address, sizeof ap->address, store_col_text(st, 3));
    }
    store_done(st);
    return rc == STORE_ROW ? 0 : STORE_ERR;
}

/* The claim code alphabet: no 0/O, 1/I/L, so it reads back unambiguously. */
static const char claim_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

static int give_claim_code(struct store *db, int64_t id)
{
    unsigned char rnd[DOSSIER_CLAIM_LEN];
    char code[DOSSIER_CLAIM_LEN + 1];
    if (random_bytes(rnd, sizeof rnd))
        return STORE_ERR;
    /* 31 letters: the bias of a byte modulo 31 is under 3% per letter,
     * and 31^8 (8.5e11) codes with claims limited per account. */
    for (size_t i = 0; i < sizeof rnd; i++)
        code[i] = claim_alphabet[rnd[i] % (sizeof claim_alphabet - 1)];
    code[DOSSIER_CLAIM_LEN] = '\0';
    return store_exec_all(db, "UPDATE dossiers SET claim_code = ? WHERE id = ?", BIND_TEXT(code),
                          BIND_INT(id));
}

int dossier_submit_job(struct store *db, void *arg)
{
    struct dossier_submit *a = arg;
    struct dossier d;
    const struct procedure *p;
    struct unit u;
    json_t *form = NULL;
    int rc = -1;
    if (find_draft(db, a->id, a->owner_id, ACTOR(a), &d, &a->err))
        return -1;
    if (!(p = procedure_cached(db, d.procedure_id)) || unit_by_id(db, d.unit_id, &u) != STORE_ROW ||
        !(form = dossier_form(db, d.id))) {
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        goto out;
    }
    if (check_complete(db, a, p, form))
        goto out;

    int64_t due = cal_due(a->cal, a->now, procedure_working_minutes(p), p->cutoff);
    if (due < 0) {
        derr_set(&a->err, DERR_INTERNAL, "internal", "Không tính được ngày hẹn trả", NULL);
        goto out;
    }
    char day[8], code[96];
    int ymd = cal_local_ymd(a->now);
    int64_t n = 0;
    snprintf(day, sizeof day, "%06d", ymd % 1000000);
    if (next_counter(db, d.unit_id, day, &n)) {
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        goto out;
    }
    snprintf(code, sizeof code, "%s-%s-%04lld", u.code, day, (long long)n);

    struct applicant acc, ap;
    memset(&acc, 0, sizeof acc);
    memset(&ap, 0, sizeof ap);
    if (default_contact(db, &d, &acc)) {
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        goto out;
    }
    applicant_field(p, form, "name", acc.name, ap.name, sizeof ap.name);
    applicant_field(p, form, "address", acc.address, ap.address, sizeof ap.address);
    applicant_field(p, form, "phone", acc.phone, ap.phone, sizeof ap.phone);
    applicant_field(p, form, "email", acc.email, ap.email, sizeof ap.email);
    rc = mark_submitted(db, a, &d, code, due, &ap);
    if (rc == 0 && d.received_by && !d.owner_id)
        rc = give_claim_code(db, d.id);
    if (rc == 0) {
        char detail[200];
        snprintf(detail, sizeof detail, "{\"code\":\"%s\",\"due_at\":%lld}", code,
                 (long long)due);
        rc = audit_object(db, ACTOR(a), "dossier.submit", "dossier", d.id, detail);
    }
    if (rc == 0) {
        struct dossier_change ch = {.dossier_id = d.id,
                                    .code = code,
                                    .action = "submit",
                                    .from_state = "draft",
                                    .to_state = d.received_by ? "received" : "submitted",
                                    .from_status = 0,
                                    .to_status = d.received_by ? STATUS_ACCEPTED : STATUS_SUBMITTED,
                                    .at = a->now,
                                    .actor_id = ACTOR(a)};
        rc = dossier_changed(db, &ch);
    }
    if (rc)
        derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
out:
    json_decref(form);
    return rc;
}

/* --- JSON --------------------------------------------------------------- */


static json_t *status_json(int code)
{
    const char *name = status_name(code);
    return name ? json_pack("{s:i, s:s}", "code", code, "name", name) : json_null();
}

#define ROW_COLS "d.id, d.code, d.state, coalesce(d.status_code, 0), p.code, p.name, u.code, u.name, d.channel, d.created_at, coalesce(d.submitted_at, 0), coalesce(d.due_at, 0)"
#define ROW_FROM " FROM dossiers d JOIN procedures p ON p.id = d.procedure_id JOIN units u ON u.id = d.unit_id"

static json_t *row_json(struct store_stmt *st)
{
    return json_pack("{s:I, s:o, s:s, s:o, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:o, s:o, s:o}", "id",
                     (json_int_t)store_col_int(st, 0), "code",
                     store_col_is_null(st, 1) ? json_null() : json_string(store_col_text(st, 1)),
                     "state", store_col_text(st, 2), "status",
                     status_json((int)store_col_int(st, 3)), "procedure", "code",
                     store_col_text(st, 4), "name", store_col_text(st, 5), "unit", "code",
                     store_col_text(st, 6), "name", store_col_text(st, 7), "channel",
                     store_col_text(st, 8), "created_at", cal_json_iso(store_col_int(st, 9)),
                     "submitted_at", cal_json_iso(store_col_int(st, 10)), "due_at",
                     cal_json_iso(store_col_int(st, 11)));
}

static json_t *history_json(struct store *db, int64_t id, int with_notes)
{
    struct store_stmt *st;
    json_t *list = json_array();
    if (store_prepare_all(db,
                          "SELECT at, coalesce(status_code, 0), note FROM dossier_events"
                          " WHERE dossier_id = ? AND public = 1 ORDER BY id",
                          &st, BIND_INT(id)))
        return list;
    while (store_step(st) == STORE_ROW) {
        json_t *e = json_pack("{s:o, s:o}", "at", cal_json_iso(store_col_int(st, 0)), "status",
                              status_json((int)store_col_int(st, 1)));
        if (with_notes)
            json_object_set_new(e, "note", json_string(store_col_text(st, 2)));
        json_array_append_new(list, e);
    }
    store_done(st);
    return list;
}

static json_t *files_json(struct store *db, int64_t id)
{
    struct store_stmt *st;
    json_t *list = json_array();
    if (store_prepare_all(db,
                          "SELECT name, document_key, size, content_type, sha256, uploaded_at,"
                          " supplement_event_id IS NOT NULL"
                          " FROM dossier_files WHERE dossier_id = ? ORDER BY id",
                          &st, BIND_INT(id)))
        return list;
    while (store_step(st) == STORE_ROW)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:I, s:s, s:s, s:o, s:b}", "name", store_col_text(st, 0),
                            "document", store_col_text(st, 1), "size",
                            (json_int_t)store_col_int(st, 2), "content_type",
                            store_col_text(st, 3), "sha256", store_col_text(st, 4),
                            "uploaded_at", cal_json_iso(store_col_int(st, 5)),
                            "with_supplement", (int)store_col_int(st, 6)));
    store_done(st);
    return list;
}

json_t *dossier_json(struct store *db, const struct dossier *d, int full)
{
    struct store_stmt *st;
    json_t *o = NULL;
    if (store_prepare_all(db, "SELECT " ROW_COLS ", d.form" ROW_FROM " WHERE d.id = ?", &st,
                          BIND_INT(d->id)))
        return NULL;
    if (store_step(st) == STORE_ROW) {
        o = row_json(st);
        if (full) {
            json_t *form = json_loads(store_col_text(st, 12), 0, NULL);
            json_object_set_new(o, "form", form ? form : json_object());
        }
    }
    store_done(st);
    if (o && full) {
        json_object_set_new(o, "files", files_json(db, d->id));
        json_object_set_new(o, "history", history_json(db, d->id, 1));
        json_object_set_new(o, "first_due_at", cal_json_iso(d->first_due_at));
        json_object_set_new(o, "apologies", apologies_json(db, d->id));
        /* A walk-in not claimed yet (so only officers see it): the code the
         * desk hands over. */
        char claim[16];
        if (d->received_by && !d->owner_id && dossier_claim_code(db, d->id, claim, sizeof claim) == 0 &&
            claim[0])
            json_object_set_new(o, "claim_code", json_string(claim));
        /* The officers' result documents, for the applicant once returned. */
        if (d->status_code == STATUS_RETURNED) {
            json_t *res = results_json(db, d->id);
            json_object_set_new(o, "results", res ? res : json_array());
        }
    }
    return o;
}

json_t *dossier_list_json(struct store *db, int64_t owner_id, int limit, int offset)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT " ROW_COLS ROW_FROM " WHERE d.owner_id = ? ORDER BY d.id DESC"
                          " LIMIT ? OFFSET ?",
                          &st, BIND_INT(owner_id), BIND_INT(limit), BIND_INT(offset)))
        return NULL;
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(items, row_json(st));
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o}", "items", items);
}

json_t *dossier_lookup_json(struct store *db, const char *code)
{
    struct store_stmt *st;
    if (store_prepare_all(db, "SELECT " ROW_COLS ROW_FROM " WHERE d.code = ?", &st,
                          BIND_TEXT(code)))
        return NULL;
    json_t *o = NULL;
    int64_t id = 0;
    if (store_step(st) == STORE_ROW) {
        id = store_col_int(st, 0);
        o = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:o, s:o}", "code",
                      store_col_text(st, 1), "procedure", "code", store_col_text(st, 4), "name",
                      store_col_text(st, 5), "unit", "code", store_col_text(st, 6), "name",
                      store_col_text(st, 7), "status", status_json((int)store_col_int(st, 3)),
                      "submitted_at", cal_json_iso(store_col_int(st, 10)), "due_at",
                      cal_json_iso(store_col_int(st, 11)));
    }
    store_done(st);
    if (o)
        json_object_set_new(o, "history", history_json(db, id, 0));
    return o;
}

/* --- claim codes --------------------------------------------------------- */

int dossier_claim_code(struct store *db, int64_t id, char *out, size_t cap)
{
    struct store_stmt *st;
    out[0] = '\0';
    int rc = store_prepare_all(db,
                               "SELECT coalesce(claim_code, '') FROM dossiers WHERE id = ?"
                               " AND owner_id IS NULL",
                               &st, BIND_INT(id));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        const char *c = store_col_text(st, 0);
        if (strlen(c) == DOSSIER_CLAIM_LEN)
            snprintf(out, cap, "%.4s-%.4s", c, c + 4);
    }
    store_done(st);
    return rc < 0 ? rc : 0;
}

/* The code as typed, without case, spaces or dashes; 0 if it has the
 * right length of letters of the alphabet. */
static int normalize_claim(const char *in, char *out)
{
    size_t n = 0;
    for (; *in; in++) {
        char c = *in >= 'a' && *in <= 'z' ? (char)(*in - 'a' + 'A') : *in;
        if (c == ' ' || c == '-')
            continue;
        if (n == DOSSIER_CLAIM_LEN || !strchr(claim_alphabet, c))
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == DOSSIER_CLAIM_LEN ? 0 : -1;
}

int dossier_claim_job(struct store *db, void *arg)
{
    struct dossier_claim *a = arg;
    char want[DOSSIER_CLAIM_LEN + 1], have[DOSSIER_CLAIM_LEN + 1] = "";
    struct store_stmt *st;
    int64_t id = 0;
    if (normalize_claim(a->claim_code, want))
        return derr_set(&a->err, DERR_NOT_FOUND, "not_found",
                        "Mã hồ sơ hoặc mã nhận hồ sơ không đúng", NULL);
    int rc = store_prepare_all(db,
                               "SELECT id, coalesce(claim_code, '') FROM dossiers WHERE code = ?"
                               " AND owner_id IS NULL",
                               &st, BIND_TEXT(a->code));
    if (rc)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if ((rc = store_step(st)) == STORE_ROW) {
        id = store_col_int(st, 0);
        copy_str(have, sizeof have, store_col_text(st, 1));
    }
    store_done(st);
    if (rc < 0)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    /* Compared in constant time, so the time taken tells nothing. */
    if (!id || strlen(have) != DOSSIER_CLAIM_LEN ||
        CRYPTO_memcmp(have, want, DOSSIER_CLAIM_LEN) != 0)
        return derr_set(&a->err, DERR_NOT_FOUND, "not_found",
                        "Mã hồ sơ hoặc mã nhận hồ sơ không đúng", NULL);
    rc = store_exec_all(db,
                        "UPDATE dossiers SET owner_id = ?, claim_code = NULL, updated_at = ?"
                        " WHERE id = ? AND owner_id IS NULL",
                        BIND_INT(a->account_id), BIND_INT(now_unix()), BIND_INT(id));
    if (rc == 0)
        rc = audit_object(db, a->account_id, "dossier.claim", "dossier", id, NULL);
    if (rc)
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    a->id = id;
    return 0;
}

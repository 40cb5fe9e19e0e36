/* work_record: the yearly list of records, records, what is filed in them,
 * closing and handover (document/work_record.h, docs/records.md,
 * db/025_work_records.sql). */
#include "document/work_record.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/text.h"
#include "base/util.h"
#include "document/document.h"
#include "dossier/dossier.h"
#include "store/store.h"

void record_retention_label(int years, char *out, size_t cap)
{
    if (years == 0)
        snprintf(out, cap, "Vĩnh viễn");
    else
        snprintf(out, cap, "%d năm", years);
}

int record_retention_valid(long years)
{
    return years >= 0 && years <= RECORD_RETENTION_MAX;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int record_date_valid(const char *s)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !leap(y));
}

void record_handover_due(int64_t closed_at, char out[11])
{
    char day[11];
    int y = 2000, m = 1, d = 1;
    document_date(closed_at, day);
    if (sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3) {
        copy_str(out, 11, day);
        return;
    }
    y++;
    /* A year after 29 February is the last day of February. */
    if (m == 2 && d == 29 && !leap(y))
        d = 28;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

/* --- refusals --------------------------------------------------------------- */

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
}

static int forbidden(struct derr *err)
{
    return derr_set(err, DERR_FORBIDDEN, "forbidden", "Bạn không có quyền thực hiện thao tác này.",
                    "");
}

static int unit_not_found(struct derr *err)
{
    return derr_set(err, DERR_NOT_FOUND, "unit_not_found", "Không tìm thấy đơn vị.", "unit_id");
}

static int record_not_found(struct derr *err)
{
    return derr_set(err, DERR_NOT_FOUND, "record_not_found", "Không tìm thấy hồ sơ công việc.",
                    "");
}

/* Does text s fit: at most max characters, and when required not empty
 * nor only blanks (a code of spaces would name nothing)? */
static int text_fits(const char *s, size_t max, int required)
{
    size_t n = s ? text_utf8_chars(s) : 0;
    if (n > max)
        return 0;
    if (!required)
        return 1;
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 1;
    return 0;
}

int record_unit_visible(struct store *db, int64_t account_id, int64_t unit_id)
{
    return permission_can(db, account_id, RECORD_PERM_MANAGE, unit_id) == 1 ||
           permission_can(db, account_id, RECORD_PERM_APPROVE, unit_id) == 1;
}

int record_unit_of(struct store *db, int64_t id, int64_t *unit_id)
{
    return store_int(db, "SELECT unit_id FROM work_records WHERE id = ?", unit_id, BIND_INT(id));
}

/* The owner of a list entry or record: an officer holding record.manage on
 * the unit. */
static int owner_ok(struct store *db, int64_t owner, int64_t unit_id)
{
    return permission_can(db, owner, RECORD_PERM_MANAGE, unit_id) == 1;
}

/* --- the yearly list -------------------------------------------------------- */

struct list_row {
    int64_t id;
    char state[12];
};

static int read_list(struct store_stmt *st, void *out)
{
    struct list_row *l = out;
    l->id = store_col_int(st, 0);
    copy_str(l->state, sizeof l->state, store_col_text(st, 1));
    return STORE_ROW;
}

static int list_get(struct store *db, int64_t unit_id, int year, struct list_row *out)
{
    return store_one(db, "SELECT id, state FROM record_lists WHERE unit_id = ? AND year = ?",
                     read_list, out, BIND_INT(unit_id), BIND_INT(year));
}

int record_entry_add_job(struct store *db, void *arg)
{
    struct record_entry_add *a = arg;
    struct list_row l = {0};
    int64_t n = 0;
    int this_year = document_year(a->now);
    if (permission_can(db, a->actor_id, RECORD_PERM_MANAGE, a->unit_id) != 1)
        return unit_not_found(&a->err);
    if (a->year != this_year && a->year != this_year + 1)
        return derr_set(&a->err, DERR_INVALID, "invalid_year",
                        "Danh mục hồ sơ chỉ lập cho năm nay hoặc năm sau.", "year");
    if (!text_fits(a->code, RECORD_CODE_MAX, 1))
        return derr_set(&a->err, DERR_INVALID, "invalid_code",
                        "Ký hiệu hồ sơ là bắt buộc, tối đa 40 ký tự.", "code");
    if (!text_fits(a->title, RECORD_TITLE_MAX, 1))
        return derr_set(&a->err, DERR_INVALID, "invalid_title",
                        "Tiêu đề hồ sơ là bắt buộc, tối đa 500 ký tự.", "title");
    if (!record_retention_valid(a->retention_years))
        return derr_set(&a->err, DERR_INVALID, "invalid_retention",
                        "Thời hạn bảo quản là số năm từ 1 đến 70, hoặc vĩnh viễn.", "retention");
    if (!a->owner_id)
        a->owner_id = a->actor_id;
    if (!owner_ok(db, a->owner_id, a->unit_id))
        return derr_set(&a->err, DERR_INVALID, "owner_invalid",
                        "Người lập hồ sơ phải là cán bộ của đơn vị.", "owner_id");
    int rc = list_get(db, a->unit_id, a->year, &l);
    if (rc < 0)
        return db_err(&a->err);
    if (rc == STORE_DONE) {
        if (store_exec_all(db,
                           "INSERT INTO record_lists(unit_id, year, state, created_by, created_at)"
                           " VALUES (?, ?, 'draft', ?, ?)",
                           BIND_INT(a->unit_id), BIND_INT(a->year), BIND_INT(a->actor_id),
                           BIND_INT(a->now)))
            return db_err(&a->err);
        l.id = store_last_insert_id(db);
        copy_str(l.state, sizeof l.state, "draft");
    }
    if (strcmp(l.state, "draft") != 0)
        return derr_set(&a->err, DERR_STATE, "list_approved",
                        "Danh mục hồ sơ đã được phê duyệt, không thể thêm.", "");
    if (store_int(db, "SELECT count(*) FROM record_list_entries WHERE list_id = ?", &n,
                  BIND_INT(l.id)) != STORE_ROW)
        return db_err(&a->err);
    if (n >= RECORD_LIST_MAX_ENTRIES)
        return derr_set(&a->err, DERR_TOO_LARGE, "too_many_entries",
                        "Danh mục hồ sơ đã đủ 500 mục.", "");
    if (store_int(db, "SELECT count(*) FROM record_list_entries WHERE list_id = ? AND code = ?",
                  &n, BIND_INT(l.id), BIND_TEXT(a->code)) != STORE_ROW)
        return db_err(&a->err);
    if (n)
        return derr_set(&a->err, DERR_TAKEN, "code_taken",
                        "Ký hiệu hồ sơ đã có trong danh mục.", "code");
    if (store_exec_all(db,
                       "INSERT INTO record_list_entries(list_id, code, title, retention_years,"
                       " owner_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       BIND_INT(l.id), BIND_TEXT(a->code), BIND_TEXT(a->title),
                       BIND_INT(a->retention_years), BIND_INT(a->owner_id), BIND_INT(a->now)))
        return db_err(&a->err);
    a->list_id = l.id;
    a->entry_id = store_last_insert_id(db);
    if (audit_object_json(db, a->actor_id, "record.list_entry", "record_list", l.id,
                          json_pack("{sI ss}", "entry_id", (json_int_t)a->entry_id, "code",
                                    a->code)))
        return db_err(&a->err);
    return 0;
}

int record_list_approve_job(struct store *db, void *arg)
{
    struct record_list_approve *a = arg;
    struct list_row l = {0};
    int64_t n = 0;
    if (!record_unit_visible(db, a->actor_id, a->unit_id))
        return unit_not_found(&a->err);
    if (permission_can(db, a->actor_id, RECORD_PERM_APPROVE, a->unit_id) != 1)
        return forbidden(&a->err);
    int rc = list_get(db, a->unit_id, a->year, &l);
    if (rc < 0)
        return db_err(&a->err);
    if (rc == STORE_DONE)
        return derr_set(&a->err, DERR_NOT_FOUND, "list_not_found",
                        "Đơn vị chưa lập danh mục hồ sơ năm này.", "");
    if (strcmp(l.state, "draft") != 0)
        return derr_set(&a->err, DERR_STATE, "already_approved",
                        "Danh mục hồ sơ đã được phê duyệt.", "");
    if (store_int(db, "SELECT count(*) FROM record_list_entries WHERE list_id = ?", &n,
                  BIND_INT(l.id)) != STORE_ROW)
        return db_err(&a->err);
    if (n == 0)
        return derr_set(&a->err, DERR_INVALID, "list_empty", "Danh mục hồ sơ chưa có mục nào.",
                        "");
    if (store_exec_all(db,
                       "UPDATE record_lists SET state = 'approved', approved_by = ?,"
                       " approved_at = ? WHERE id = ?",
                       BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(l.id)) ||
        audit_object_json(db, a->actor_id, "record.list_approve", "record_list", l.id,
                          json_pack("{sI si sI}", "unit_id", (json_int_t)a->unit_id, "year",
                                    a->year, "entries", (json_int_t)n)))
        return db_err(&a->err);
    return 0;
}

/* --- records ---------------------------------------------------------------- */

struct entry_row {
    int64_t unit_id, owner_id;
    int year, retention_years, approved;
    char code[RECORD_CODE_MAX * 4 + 1];
    char title[RECORD_TITLE_MAX * 4 + 1];
};

static int read_entry(struct store_stmt *st, void *out)
{
    struct entry_row *e = out;
    e->unit_id = store_col_int(st, 0);
    e->year = (int)store_col_int(st, 1);
    e->approved = strcmp(store_col_text(st, 2), "approved") == 0;
    copy_str(e->code, sizeof e->code, store_col_text(st, 3));
    copy_str(e->title, sizeof e->title, store_col_text(st, 4));
    e->retention_years = (int)store_col_int(st, 5);
    e->owner_id = store_col_int(st, 6);
    return STORE_ROW;
}

int record_open_job(struct store *db, void *arg)
{
    struct record_open *a = arg;
    struct entry_row e = {0};
    char today[11];
    const char *start = a->start_date, *code = a->code, *title = a->title;
    int retention = a->retention_years, year;
    int64_t owner = a->owner_id, n = 0;
    if (permission_can(db, a->actor_id, RECORD_PERM_MANAGE, a->unit_id) != 1)
        return unit_not_found(&a->err);
    document_date(a->now, today);
    if (!start)
        start = today;
    if (!record_date_valid(start))
        return derr_set(&a->err, DERR_INVALID, "invalid_date",
                        "Ngày bắt đầu phải là một ngày (YYYY-MM-DD).", "start_date");
    if (a->entry_id) {
        int rc = store_one(db,
                           "SELECT l.unit_id, l.year, l.state, e.code, e.title,"
                           " e.retention_years, coalesce(e.owner_id, 0)"
                           " FROM record_list_entries e JOIN record_lists l ON l.id = e.list_id"
                           " WHERE e.id = ?",
                           read_entry, &e, BIND_INT(a->entry_id));
        if (rc < 0)
            return db_err(&a->err);
        if (rc != STORE_ROW || e.unit_id != a->unit_id)
            return derr_set(&a->err, DERR_NOT_FOUND, "entry_not_found",
                            "Không tìm thấy mục này trong danh mục hồ sơ của đơn vị.",
                            "entry_id");
        if (!e.approved)
            return derr_set(&a->err, DERR_STATE, "list_not_approved",
                            "Danh mục hồ sơ chưa được lãnh đạo phê duyệt.", "entry_id");
        code = e.code;
        title = e.title;
        retention = e.retention_years;
        year = e.year;
        if (!owner)
            owner = e.owner_id;
    } else {
        if (!text_fits(a->reason, RECORD_REASON_MAX, 1))
            return derr_set(&a->err, DERR_INVALID, "reason_required",
                            "Hồ sơ ngoài danh mục cần lý do (tối đa 1000 ký tự).", "reason");
        if (!text_fits(code, RECORD_CODE_MAX, 1))
            return derr_set(&a->err, DERR_INVALID, "invalid_code",
                            "Ký hiệu hồ sơ là bắt buộc, tối đa 40 ký tự.", "code");
        if (!text_fits(title, RECORD_TITLE_MAX, 1))
            return derr_set(&a->err, DERR_INVALID, "invalid_title",
                            "Tiêu đề hồ sơ là bắt buộc, tối đa 500 ký tự.", "title");
        if (!record_retention_valid(retention))
            return derr_set(&a->err, DERR_INVALID, "invalid_retention",
                            "Thời hạn bảo quản là số năm từ 1 đến 70, hoặc vĩnh viễn.",
                            "retention");
        if (sscanf(start, "%4d", &year) != 1)
            year = document_year(a->now);
    }
    if (!owner)
        owner = a->actor_id;
    if (!owner_ok(db, owner, a->unit_id))
        return derr_set(&a->err, DERR_INVALID, "owner_invalid",
                        "Người lập hồ sơ phải là cán bộ của đơn vị.", "owner_id");
    if (store_int(db,
                  "SELECT count(*) FROM work_records WHERE unit_id = ? AND year = ? AND code = ?",
                  &n, BIND_INT(a->unit_id), BIND_INT(year), BIND_TEXT(code)) != STORE_ROW)
        return db_err(&a->err);
    if (n)
        return derr_set(&a->err, DERR_TAKEN, "code_taken",
                        "Đơn vị đã mở hồ sơ có ký hiệu này trong năm.", "code");
    if (store_exec_all(db,
                       "INSERT INTO work_records(unit_id, year, entry_id, reason, code, title,"
                       " retention_years, owner_id, start_date, state, created_by, created_at,"
                       " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
                       BIND_INT(a->unit_id), BIND_INT(year), BIND_ID(a->entry_id),
                       BIND_TEXT(a->entry_id ? "" : a->reason), BIND_TEXT(code),
                       BIND_TEXT(title), BIND_INT(retention), BIND_INT(owner), BIND_TEXT(start),
                       BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(a->now)))
        return db_err(&a->err);
    a->id = store_last_insert_id(db);
    if (audit_object_json(db, a->actor_id, "record.open", "work_record", a->id,
                          json_pack("{ss sI si}", "code", code, "entry_id",
                                    (json_int_t)a->entry_id, "retention_years", retention)))
        return db_err(&a->err);
    return 0;
}

struct record_row {
    int64_t unit_id;
    char state[16];
    char start_date[11];
    int retention_years;
};

static int read_record(struct store_stmt *st, void *out)
{
    struct record_row *w = out;
    w->unit_id = store_col_int(st, 0);
    copy_str(w->state, sizeof w->state, store_col_text(st, 1));
    copy_str(w->start_date, sizeof w->start_date, store_col_text(st, 2));
    w->retention_years = (int)store_col_int(st, 3);
    return STORE_ROW;
}

/* Record id for a change by actor: visible (else 404) and with
 * record.manage on its unit (else 403). Returns 0 or -1 with err. */
static int record_for_change(struct store *db, int64_t id, int64_t actor, struct record_row *w,
                             struct derr *err)
{
    int rc = store_one(db,
                       "SELECT unit_id, state, start_date, retention_years FROM work_records"
                       " WHERE id = ?",
                       read_record, w, BIND_INT(id));
    if (rc < 0)
        return db_err(err);
    if (rc != STORE_ROW || !record_unit_visible(db, actor, w->unit_id))
        return record_not_found(err);
    if (permission_can(db, actor, RECORD_PERM_MANAGE, w->unit_id) != 1)
        return forbidden(err);
    return 0;
}

static int not_open(struct derr *err)
{
    return derr_set(err, DERR_STATE, "record_not_open",
                    "Hồ sơ đã đóng, không thể thay đổi văn bản trong hồ sơ.", "");
}

/* The one document of unit_id with this notation; 0 when none, -2 when
 * several, a negative store error. */
static int64_t document_by_notation(struct store *db, int64_t unit_id, const char *notation)
{
    struct store_stmt *st;
    int64_t id = 0;
    int rc, n = 0;
    if (store_prepare_all(db, "SELECT id FROM documents WHERE unit_id = ? AND notation = ?"
                              " ORDER BY id LIMIT 2",
                          &st, BIND_INT(unit_id), BIND_TEXT(notation)))
        return -1;
    while ((rc = store_step(st)) == STORE_ROW) {
        id = store_col_int(st, 0);
        n++;
    }
    store_done(st);
    if (rc != STORE_DONE)
        return -1;
    return n > 1 ? -2 : id;
}

static int already_filed(struct store *db, const char *column_sql, int64_t id, struct derr *err)
{
    int64_t n = 0;
    if (store_int(db, column_sql, &n, BIND_INT(id)) != STORE_ROW)
        return db_err(err);
    if (n)
        return derr_set(err, DERR_TAKEN, "already_filed", "Đã được đưa vào một hồ sơ công việc.",
                        "");
    return 0;
}

static int add_document(struct store *db, struct record_item *a, const struct record_row *w)
{
    struct document d;
    int64_t id = a->document_id;
    if (!id && a->notation) {
        id = document_by_notation(db, w->unit_id, a->notation);
        if (id == -2)
            return derr_set(&a->err, DERR_INVALID, "notation_ambiguous",
                            "Có nhiều văn bản cùng số, ký hiệu này; hãy chọn văn bản cụ thể.",
                            "notation");
        if (id < 0)
            return db_err(&a->err);
    }
    int rc = id > 0 ? document_get(db, id, &d) : STORE_DONE;
    if (rc < 0)
        return db_err(&a->err);
    /* Found by notation only within the record's unit; by id, a document
     * the officer cannot read is answered as missing. */
    if (rc != STORE_ROW || !document_visible(db, a->actor_id, &d))
        return derr_set(&a->err, DERR_NOT_FOUND, "document_not_found", "Không tìm thấy văn bản.",
                        a->notation && !a->document_id ? "notation" : "document_id");
    if (d.unit_id != w->unit_id)
        return derr_set(&a->err, DERR_INVALID, "document_other_unit",
                        "Chỉ đưa vào hồ sơ văn bản của đơn vị lập hồ sơ.", "document_id");
    if (already_filed(db,
                      "SELECT count(*) FROM work_record_items WHERE document_id = ?"
                      " AND removed_at IS NULL",
                      d.id, &a->err))
        return -1;
    a->document_id = d.id;
    return store_exec_all(db,
                          "INSERT INTO work_record_items(record_id, document_id, added_by,"
                          " added_at) VALUES (?, ?, ?, ?)",
                          BIND_INT(a->record_id), BIND_INT(d.id), BIND_INT(a->actor_id),
                          BIND_INT(a->now))
               ? db_err(&a->err)
               : 0;
}

/* The national statuses where a dossier's handling has ended (the
 * workflow's clock stopped for good): refused, withdrawn, stopped, done,
 * returned. */
static int dossier_finished(int status)
{
    return status == STATUS_REFUSED || status == STATUS_WITHDRAWN || status == STATUS_STOPPED ||
           status == STATUS_DONE || status == STATUS_RETURNED;
}

static int add_dossier(struct store *db, struct record_item *a, const struct record_row *w)
{
    struct dossier d;
    char key[32];
    const char *find = a->dossier_code;
    if (!find) {
        snprintf(key, sizeof key, "%lld", (long long)a->dossier_id);
        find = key;
    }
    int rc = dossier_find(db, find, 0, &d);
    if (rc < 0)
        return db_err(&a->err);
    if (rc != STORE_ROW || !d.code[0] ||
        permission_sees(db, a->actor_id, d.unit_id, d.current_unit_id) != 1)
        return derr_set(&a->err, DERR_NOT_FOUND, "dossier_not_found", "Không tìm thấy hồ sơ.",
                        a->dossier_code ? "dossier_code" : "dossier_id");
    if (d.unit_id != w->unit_id && d.current_unit_id != w->unit_id)
        return derr_set(&a->err, DERR_INVALID, "dossier_other_unit",
                        "Hồ sơ một cửa không do đơn vị lập hồ sơ công việc tiếp nhận hoặc giải"
                        " quyết.",
                        "dossier_id");
    if (!dossier_finished(d.status_code))
        return derr_set(&a->err, DERR_STATE, "dossier_not_finished",
                        "Hồ sơ một cửa chưa giải quyết xong, chưa thể lập vào hồ sơ công việc.",
                        "dossier_id");
    if (already_filed(db,
                      "SELECT count(*) FROM work_record_items WHERE dossier_id = ?"
                      " AND removed_at IS NULL",
                      d.id, &a->err))
        return -1;
    a->dossier_id = d.id;
    return store_exec_all(db,
                          "INSERT INTO work_record_items(record_id, dossier_id, added_by,"
                          " added_at) VALUES (?, ?, ?, ?)",
                          BIND_INT(a->record_id), BIND_INT(d.id), BIND_INT(a->actor_id),
                          BIND_INT(a->now))
               ? db_err(&a->err)
               : 0;
}

int record_item_job(struct store *db, void *arg)
{
    struct record_item *a = arg;
    struct record_row w;
    int64_t n = 0;
    if (record_for_change(db, a->record_id, a->actor_id, &w, &a->err))
        return -1;
    if (strcmp(w.state, "open") != 0)
        return not_open(&a->err);
    switch (a->action) {
    case RECORD_ITEM_ADD_DOCUMENT:
    case RECORD_ITEM_ADD_DOSSIER:
        if (store_int(db,
                      "SELECT count(*) FROM work_record_items WHERE record_id = ?"
                      " AND removed_at IS NULL",
                      &n, BIND_INT(a->record_id)) != STORE_ROW)
            return db_err(&a->err);
        if (n >= RECORD_MAX_ITEMS)
            return derr_set(&a->err, DERR_TOO_LARGE, "too_many_items",
                            "Hồ sơ đã có quá nhiều văn bản.", "");
        if ((a->action == RECORD_ITEM_ADD_DOCUMENT ? add_document : add_dossier)(db, a, &w))
            return -1;
        a->item_id = store_last_insert_id(db);
        break;
    case RECORD_ITEM_REMOVE:
        if (store_int(db,
                      "SELECT count(*) FROM work_record_items WHERE id = ? AND record_id = ?"
                      " AND removed_at IS NULL",
                      &n, BIND_INT(a->item_id), BIND_INT(a->record_id)) != STORE_ROW)
            return db_err(&a->err);
        if (!n)
            return derr_set(&a->err, DERR_NOT_FOUND, "item_not_found",
                            "Không tìm thấy văn bản này trong hồ sơ.", "");
        if (store_exec_all(db,
                           "UPDATE work_record_items SET removed_by = ?, removed_at = ?,"
                           " removed_reason = 'manual' WHERE id = ?",
                           BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(a->item_id)))
            return db_err(&a->err);
        break;
    default:
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    }
    if (store_exec_all(db, "UPDATE work_records SET updated_at = ? WHERE id = ?",
                       BIND_INT(a->now), BIND_INT(a->record_id)) ||
        audit_object_json(db, a->actor_id,
                          a->action == RECORD_ITEM_REMOVE ? "record.item_remove" : "record.item_add",
                          "work_record", a->record_id,
                          json_pack("{sI sI sI}", "item_id", (json_int_t)a->item_id,
                                    "document_id", (json_int_t)a->document_id, "dossier_id",
                                    (json_int_t)a->dossier_id)))
        return db_err(&a->err);
    return 0;
}

/* Which filed documents are drafts at closing: an outgoing one not issued,
 * an incoming one not registered (no số đến: arrived, or refused back). */
#define DRAFT_ITEMS                                                                               \
    " FROM work_record_items i JOIN documents d ON d.id = i.document_id"                          \
    " LEFT JOIN document_incoming di ON di.document_id = d.id"                                    \
    " WHERE i.record_id = ? AND i.removed_at IS NULL"                                             \
    " AND ((d.direction = 'out' AND d.state <> 'issued')"                                         \
    "  OR (d.direction = 'in' AND di.number IS NULL))"

int record_close_job(struct store *db, void *arg)
{
    struct record_close *a = arg;
    struct record_row w;
    char today[11];
    const char *end = a->end_date;
    int64_t n = 0;
    if (record_for_change(db, a->record_id, a->actor_id, &w, &a->err))
        return -1;
    if (strcmp(w.state, "open") != 0)
        return derr_set(&a->err, DERR_STATE, "record_not_open", "Hồ sơ đã được đóng.", "");
    document_date(a->now, today);
    if (!end)
        end = today;
    if (!record_date_valid(end) || strcmp(end, w.start_date) < 0)
        return derr_set(&a->err, DERR_INVALID, "invalid_date",
                        "Ngày kết thúc phải là một ngày (YYYY-MM-DD), không trước ngày bắt đầu.",
                        "end_date");
    if (a->retention_years != -1 && !record_retention_valid(a->retention_years))
        return derr_set(&a->err, DERR_INVALID, "invalid_retention",
                        "Thời hạn bảo quản là số năm từ 1 đến 70, hoặc vĩnh viễn.", "retention");
    int retention = a->retention_years == -1 ? w.retention_years : a->retention_years;
    if (store_int(db, "SELECT count(*)" DRAFT_ITEMS, &n, BIND_INT(a->record_id)) != STORE_ROW)
        return db_err(&a->err);
    a->nremoved = (int)n;
    if (store_exec_all(db,
                       "UPDATE work_record_items SET removed_by = ?1, removed_at = ?2,"
                       " removed_reason = 'draft' WHERE id IN (SELECT i.id" DRAFT_ITEMS ")",
                       BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(a->record_id)) ||
        store_exec_all(db,
                       "UPDATE work_records SET state = 'closed', end_date = ?,"
                       " retention_before = CASE WHEN retention_years <> ? THEN retention_years"
                       " END, retention_years = ?, closed_by = ?, closed_at = ?, updated_at = ?"
                       " WHERE id = ?",
                       BIND_TEXT(end), BIND_INT(retention), BIND_INT(retention),
                       BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(a->now),
                       BIND_INT(a->record_id)) ||
        audit_object_json(db, a->actor_id, "record.close", "work_record", a->record_id,
                          json_pack("{ss si si sI}", "end_date", end, "retention_years",
                                    retention, "retention_before", w.retention_years, "removed",
                                    (json_int_t)n)))
        return db_err(&a->err);
    return 0;
}

int record_handover_job(struct store *db, void *arg)
{
    struct record_handover *a = arg;
    struct record_row w;
    if (record_for_change(db, a->record_id, a->actor_id, &w, &a->err))
        return -1;
    if (strcmp(w.state, "handed_over") == 0)
        return derr_set(&a->err, DERR_STATE, "already_handed_over",
                        "Hồ sơ đã được nộp vào lưu trữ cơ quan.", "");
    if (strcmp(w.state, "closed") != 0)
        return derr_set(&a->err, DERR_STATE, "record_not_closed",
                        "Hồ sơ chưa đóng, chưa thể nộp lưu.", "");
    if (store_exec_all(db,
                       "UPDATE work_records SET state = 'handed_over', handed_over_by = ?,"
                       " handed_over_at = ?, updated_at = ? WHERE id = ?",
                       BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(a->now),
                       BIND_INT(a->record_id)) ||
        audit_object_json(db, a->actor_id, "record.handover", "work_record", a->record_id,
                          json_pack("{}")))
        return db_err(&a->err);
    return 0;
}

/* --- reading ---------------------------------------------------------------- */

static json_t *retention_json(int years)
{
    char label[32];
    record_retention_label(years, label, sizeof label);
    return json_string(label);
}

static json_t *int_or_null(struct store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

static json_t *text_or_null(struct store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

/* {id, name} of the account in columns col (id) and col + 1 (name), or
 * null. */
static json_t *account_at(struct store_stmt *st, int col)
{
    if (store_col_is_null(st, col))
        return json_null();
    return json_pack("{sI ss}", "id", (json_int_t)store_col_int(st, col), "name",
                     store_col_text(st, col + 1));
}

json_t *record_units_json(struct store *db, int64_t account_id)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    int rc;
    if (!arr || store_prepare_all(
                    db,
                    "SELECT u.id, u.code, u.name,"
                    " max(rp.permission = '" RECORD_PERM_MANAGE "'),"
                    " max(rp.permission = '" RECORD_PERM_APPROVE "')"
                    " FROM staff_roles sr JOIN role_permissions rp ON rp.role = sr.role"
                    " JOIN units u ON u.id = sr.unit_id WHERE sr.account_id = ?"
                    " AND rp.permission IN ('" RECORD_PERM_MANAGE "', '" RECORD_PERM_APPROVE "')"
                    " GROUP BY u.id ORDER BY u.name",
                    &st, BIND_INT(account_id))) {
        json_decref(arr);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(arr, json_pack("{sI ss ss sb sb}", "id",
                                             (json_int_t)store_col_int(st, 0), "code",
                                             store_col_text(st, 1), "name", store_col_text(st, 2),
                                             "can_manage", (int)store_col_int(st, 3),
                                             "can_approve", (int)store_col_int(st, 4)));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *entries_json(struct store *db, int64_t list_id, int64_t unit_id, int year)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    int rc;
    if (!arr || store_prepare_all(db,
                                  "SELECT e.id, e.code, e.title, e.retention_years, e.owner_id,"
                                  " a.full_name, (SELECT r.id FROM work_records r"
                                  "  WHERE r.entry_id = e.id AND r.unit_id = ? AND r.year = ?"
                                  "  ORDER BY r.id LIMIT 1)"
                                  " FROM record_list_entries e"
                                  " LEFT JOIN accounts a ON a.id = e.owner_id"
                                  " WHERE e.list_id = ? ORDER BY e.code, e.id",
                                  &st, BIND_INT(unit_id), BIND_INT(year), BIND_INT(list_id))) {
        json_decref(arr);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        int years = (int)store_col_int(st, 3);
        json_array_append_new(
            arr, json_pack("{sI ss ss si s:o s:o s:o}", "id", (json_int_t)store_col_int(st, 0),
                           "code", store_col_text(st, 1), "title", store_col_text(st, 2),
                           "retention_years", years, "retention", retention_json(years), "owner",
                           account_at(st, 4), "record_id", int_or_null(st, 6)));
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

json_t *record_list_json(struct store *db, int64_t unit_id, int year)
{
    struct store_stmt *st;
    json_t *j = NULL;
    int64_t id = 0;
    int rc = store_prepare_all(db,
                               "SELECT l.id, l.state, l.created_at, l.approved_by, a.full_name,"
                               " l.approved_at FROM record_lists l"
                               " LEFT JOIN accounts a ON a.id = l.approved_by"
                               " WHERE l.unit_id = ? AND l.year = ?",
                               &st, BIND_INT(unit_id), BIND_INT(year));
    if (rc)
        return NULL;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        id = store_col_int(st, 0);
        j = json_pack("{sI sI si ss sI s:o s:o}", "id", (json_int_t)id, "unit_id",
                      (json_int_t)unit_id, "year", year, "state", store_col_text(st, 1),
                      "created_at", (json_int_t)store_col_int(st, 2), "approved_by",
                      account_at(st, 3), "approved_at", int_or_null(st, 5));
    } else if (rc == STORE_DONE) {
        j = json_null();
    }
    store_done(st);
    if (j && id) {
        json_t *e = entries_json(db, id, unit_id, year);
        if (!e) {
            json_decref(j);
            return NULL;
        }
        json_object_set_new(j, "entries", e);
    }
    return j;
}

#define RECORD_COLS                                                                               \
    "r.id, r.code, r.title, r.state, r.retention_years, r.owner_id, o.full_name, r.start_date,"  \
    " r.end_date, (SELECT count(*) FROM work_record_items i WHERE i.record_id = r.id"            \
    " AND i.removed_at IS NULL), r.closed_at, r.handed_over_at"

/* The columns of RECORD_COLS as {id, code, title, state, retention_years,
 * retention, owner, start_date, end_date, items, closed_at,
 * handed_over_at}. */
static json_t *record_brief(struct store_stmt *st)
{
    int years = (int)store_col_int(st, 4);
    return json_pack("{sI ss ss ss si s:o s:o ss s:o sI s:o s:o}", "id",
                     (json_int_t)store_col_int(st, 0), "code", store_col_text(st, 1), "title",
                     store_col_text(st, 2), "state", store_col_text(st, 3), "retention_years",
                     years, "retention", retention_json(years), "owner", account_at(st, 5),
                     "start_date", store_col_text(st, 7), "end_date", text_or_null(st, 8),
                     "items", (json_int_t)store_col_int(st, 9), "closed_at", int_or_null(st, 10),
                     "handed_over_at", int_or_null(st, 11));
}

json_t *record_records_json(struct store *db, int64_t unit_id, int year, const char *state)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    int rc;
    if (!arr || store_prepare_all(db,
                                  "SELECT " RECORD_COLS " FROM work_records r"
                                  " JOIN accounts o ON o.id = r.owner_id"
                                  " WHERE r.unit_id = ? AND r.year = ?"
                                  " AND (?3 IS NULL OR r.state = ?3) ORDER BY r.code, r.id",
                                  &st, BIND_INT(unit_id), BIND_INT(year), BIND_TEXT(state))) {
        json_decref(arr);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(arr, record_brief(st));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* The items of record id, those in it (removed 0) or those taken out as
 * drafts on closing (removed 1): [{id, kind, document | dossier, added_at,
 * added_by}]. */
static json_t *items_json(struct store *db, int64_t id, int removed)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    int rc;
    if (!arr ||
        store_prepare_all(
            db,
            "SELECT i.id, i.document_id, d.direction, d.type_code, t.name, d.summary, d.state,"
            " d.notation, d.issued_on, di.status, di.number, i.dossier_id, s.code, s.state,"
            " s.status_code, p.name, i.added_at, i.added_by, a.full_name"
            " FROM work_record_items i"
            " LEFT JOIN documents d ON d.id = i.document_id"
            " LEFT JOIN document_types t ON t.code = d.type_code"
            " LEFT JOIN document_incoming di ON di.document_id = d.id"
            " LEFT JOIN dossiers s ON s.id = i.dossier_id"
            " LEFT JOIN procedures p ON p.id = s.procedure_id"
            " LEFT JOIN accounts a ON a.id = i.added_by"
            " WHERE i.record_id = ? AND (CASE WHEN ?2 THEN i.removed_reason = 'draft'"
            " ELSE i.removed_at IS NULL END) ORDER BY i.id",
            &st, BIND_INT(id), BIND_INT(removed))) {
        json_decref(arr);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        json_t *it;
        if (!store_col_is_null(st, 1)) {
            const char *dir = store_col_text(st, 2);
            /* An incoming copy's own state is its incoming status. */
            const char *state = strcmp(dir, "in") == 0 && !store_col_is_null(st, 9)
                                    ? store_col_text(st, 9)
                                    : store_col_text(st, 6);
            it = json_pack("{sI ss s:{sI ss ss ss ss ss s:o s:o s:o}}", "id",
                           (json_int_t)store_col_int(st, 0), "kind", "document", "document", "id",
                           (json_int_t)store_col_int(st, 1), "direction", dir, "type",
                           store_col_text(st, 3), "type_name", store_col_text(st, 4), "summary",
                           store_col_text(st, 5), "state", state, "notation",
                           text_or_null(st, 7), "issued_on", text_or_null(st, 8),
                           "incoming_number", int_or_null(st, 10));
        } else {
            it = json_pack("{sI ss s:{sI ss ss si ss}}", "id", (json_int_t)store_col_int(st, 0),
                           "kind", "dossier", "dossier", "id", (json_int_t)store_col_int(st, 11),
                           "code", store_col_text(st, 12), "state", store_col_text(st, 13),
                           "status_code", (int)store_col_int(st, 14), "procedure",
                           store_col_text(st, 15));
        }
        if (it) {
            json_object_set_new(it, "added_at", json_integer(store_col_int(st, 16)));
            json_object_set_new(it, "added_by", account_at(st, 17));
        }
        json_array_append_new(arr, it);
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

json_t *record_json(struct store *db, int64_t id)
{
    struct store_stmt *st;
    json_t *j = NULL;
    int rc = store_prepare_all(
        db,
        "SELECT " RECORD_COLS ", r.unit_id, u.code, u.name, r.year, r.entry_id, r.reason,"
        " r.retention_before, r.closed_by, c.full_name, r.handed_over_by, h.full_name"
        " FROM work_records r JOIN accounts o ON o.id = r.owner_id"
        " JOIN units u ON u.id = r.unit_id"
        " LEFT JOIN accounts c ON c.id = r.closed_by"
        " LEFT JOIN accounts h ON h.id = r.handed_over_by WHERE r.id = ?",
        &st, BIND_INT(id));
    if (rc)
        return NULL;
    if (store_step(st) == STORE_ROW && (j = record_brief(st))) {
        json_object_set_new(j, "unit", json_pack("{sI ss ss}", "id",
                                                 (json_int_t)store_col_int(st, 12), "code",
                                                 store_col_text(st, 13), "name",
                                                 store_col_text(st, 14)));
        json_object_set_new(j, "year", json_integer(store_col_int(st, 15)));
        json_object_set_new(j, "entry_id", int_or_null(st, 16));
        json_object_set_new(j, "reason", json_string(store_col_text(st, 17)));
        json_object_set_new(j, "retention_before", int_or_null(st, 18));
        json_object_set_new(j, "closed_by", account_at(st, 19));
        json_object_set_new(j, "handed_over_by", account_at(st, 21));
        if (!store_col_is_null(st, 10)) {
            char due[11];
            record_handover_due(store_col_int(st, 10), due);
            json_object_set_new(j, "handover_due", json_string(due));
        } else {
            json_object_set_new(j, "handover_due", json_null());
        }
    }
    store_done(st);
    if (!j)
        return NULL;
    json_t *items = items_json(db, id, 0), *removed = items ? items_json(db, id, 1) : NULL;
    if (!items || !removed) {
        json_decref(items);
        json_decref(j);
        return NULL;
    }
    json_object_set_new(j, "items", items);
    json_object_set_new(j, "removed", removed);
    return j;
}

json_t *record_handover_due_json(struct store *db, int64_t account_id, int64_t unit_id,
                                 const char *today)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    int rc;
    if (!arr ||
        store_prepare_all(db,
                          "WITH " PERMISSION_SCOPE("?1", "'" RECORD_PERM_MANAGE "'")
                          " SELECT r.id, r.unit_id, u.name, r.code, r.title, r.closed_at,"
                          " r.end_date, r.year FROM work_records r JOIN units u"
                          " ON u.id = r.unit_id WHERE r.state = 'closed'"
                          " AND r.unit_id IN scope AND (?2 = 0 OR r.unit_id = ?2)"
                          " ORDER BY r.closed_at, r.id LIMIT 1000",
                          &st, BIND_INT(account_id), BIND_INT(unit_id))) {
        json_decref(arr);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        char due[11];
        record_handover_due(store_col_int(st, 5), due);
        json_array_append_new(
            arr, json_pack("{sI s:{sI ss} ss ss sI ss sI ss sb}", "id",
                           (json_int_t)store_col_int(st, 0), "unit", "id",
                           (json_int_t)store_col_int(st, 1), "name", store_col_text(st, 2),
                           "code", store_col_text(st, 3), "title", store_col_text(st, 4),
                           "closed_at", (json_int_t)store_col_int(st, 5), "end_date",
                           store_col_text(st, 6), "year", (json_int_t)store_col_int(st, 7),
                           "due", due, "overdue", strcmp(due, today) < 0));
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

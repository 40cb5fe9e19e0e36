/* document: types, registers and numbering, notation, and the outgoing
 * flow's write jobs. See document.h and docs/documents.md. */
#include "document/document.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/jsonload.h"
#include "base/text.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "catalog/unit.h"
#include "document/corrections.h"
#include "document/doc_search.h"
#include "document/series.h"
#include "document/incoming.h"
#include "exchange/outbox.h" /* exchange: recipients on other nodes */
#include "store/store.h"

/* --- types ------------------------------------------------------------------ */

#define MAX_TYPES 200

static const char *const priorities[][2] = {
    {"thuong", "Thường"},   {"khan", "Khẩn"},         {"thuong_khan", "Thượng khẩn"},
    {"hoa_toc", "Hỏa tốc"}, {"hoa_toc_hen_gio", "Hỏa tốc hẹn giờ"},
};
static const char *const secrecy[][2] = {{"thuong", "Thường"}, {"mat", "Mật"}};

static const char *label_of(const char *const (*t)[2], size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(t[i][0], code) == 0)
            return t[i][1];
    return NULL;
}

const char *document_priority_label(const char *code)
{
    return label_of(priorities, sizeof priorities / sizeof priorities[0], code);
}

const char *document_confidentiality_label(const char *code)
{
    return label_of(secrecy, sizeof secrecy / sizeof secrecy[0], code);
}

/* A code: lower-case ASCII letters, digits and '_', 1..47 bytes. */
static int code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 47)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

int document_types_load_json(struct store *db, const char *text, size_t len, char *err,
                             size_t errlen)
{
    json_t *list, *t;
    json_t *root = jsonload_list(text, len, "types", MAX_TYPES, &list, err, errlen);
    size_t i;
    int rc = 0;
    if (!root)
        return -1;
    json_array_foreach(list, i, t)
    {
        const char *code = json_string_value(json_object_get(t, "code"));
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *abbr = json_string_value(json_object_get(t, "abbreviation"));
        const char *kind = json_string_value(json_object_get(t, "kind"));
        const char *series = json_string_value(json_object_get(t, "series"));
        if (!code_ok(code) || !name || !name[0] || !abbr || strlen(abbr) >= 16 || !kind ||
            (strcmp(kind, "administrative") != 0 && strcmp(kind, "legal") != 0) ||
            !code_ok(series) || (abbr[0] == '\0' && strcmp(kind, "legal") == 0)) {
            snprintf(err, errlen, "types[%zu]: code, name, abbreviation, kind (administrative"
                                  " or legal) and series are required",
                     i);
            rc = -1;
            break;
        }
        rc = store_exec_all(db,
                            "INSERT INTO document_types(code, name, abbreviation, kind, series)"
                            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET"
                            " name = excluded.name, abbreviation = excluded.abbreviation,"
                            " kind = excluded.kind, series = excluded.series",
                            BIND_TEXT(code), BIND_TEXT(name), BIND_TEXT(abbr), BIND_TEXT(kind),
                            BIND_TEXT(series));
        if (rc) {
            snprintf(err, errlen, "types[%zu]: %s", i, store_errmsg(db));
            break;
        }
    }
    json_decref(root);
    return rc ? -1 : 0;
}

static int read_type(struct store_stmt *st, void *out)
{
    struct document_type *t = out;
    copy_str(t->code, sizeof t->code, store_col_text(st, 0));
    copy_str(t->name, sizeof t->name, store_col_text(st, 1));
    copy_str(t->abbreviation, sizeof t->abbreviation, store_col_text(st, 2));
    t->legal = strcmp(store_col_text(st, 3), "legal") == 0;
    copy_str(t->series, sizeof t->series, store_col_text(st, 4));
    return STORE_ROW;
}

int document_type_get(struct store *db, const char *code, struct document_type *out)
{
    memset(out, 0, sizeof *out);
    return store_one(db,
                     "SELECT code, name, abbreviation, kind, series FROM document_types"
                     " WHERE code = ?",
                     read_type, out, BIND_TEXT(code));
}

int document_notation(const struct document_type *t, int year, const char *unit_abbr,
                      const char *dept, int64_t number, char *out, size_t cap)
{
    int n;
    out[0] = '\0';
    if (!unit_abbr || !unit_abbr[0] || number < 1)
        return -1;
    if (t->abbreviation[0] == '\0') {
        /* Công văn (and thư công): {number}/{unit}-{department}. */
        if (!dept || !dept[0])
            return -1;
        n = snprintf(out, cap, "%02lld/%s-%s", (long long)number, unit_abbr, dept);
    } else if (t->legal) {
        n = snprintf(out, cap, "%02lld/%d/%s-%s", (long long)number, year, t->abbreviation,
                     unit_abbr);
    } else {
        n = snprintf(out, cap, "%02lld/%s-%s", (long long)number, t->abbreviation, unit_abbr);
    }
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int document_year(int64_t t)
{
    return cal_local_ymd(t) / 10000;
}

void document_date(int64_t t, char out[11])
{
    unsigned ymd = (unsigned)cal_local_ymd(t);
    snprintf(out, 11, "%04u-%02u-%02u", ymd / 10000 % 10000, ymd / 100 % 100, ymd % 100);
}

void document_place(const char *unit_name, const char *level, char *out, size_t cap)
{
    static const char *const prefixes[] = {"Xã ", "Phường ", "Thị trấn ", "Đặc khu "};
    const char *p = unit_name;
    if (strcmp(level, "commune") == 0) {
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
            if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0) {
                p += strlen(prefixes[i]);
                break;
            }
    } else {
        const char *t = p, *last = NULL;
        while ((t = strstr(t, " tỉnh ")) != NULL) {
            last = t;
            t++;
        }
        if (last)
            p = last + strlen(" tỉnh ");
    }
    copy_str(out, cap, p);
}

void document_date_line(const char *place, int64_t t, char *out, size_t cap)
{
    unsigned ymd = (unsigned)cal_local_ymd(t), m = ymd / 100 % 100, d = ymd % 100;
    snprintf(out, cap, "%s, ngày %s%u tháng %s%u năm %u", place, d < 10 ? "0" : "", d,
             m < 3 ? "0" : "", m, ymd / 10000 % 10000);
}

/* --- registers ------------------------------------------------------------- */

struct taken {
    int64_t id, number;
};

static int read_taken(struct store_stmt *st, void *out)
{
    struct taken *t = out;
    t->id = store_col_int(st, 0);
    t->number = store_col_int(st, 1);
    return STORE_ROW;
}

int register_take(struct store *db, int64_t unit_id, int year, const char *direction,
                  const char *series, int64_t now, int64_t *register_id, int64_t *number,
                  struct derr *err)
{
    struct taken t = {0, 0};
    int rc = store_exec_all(db,
                            "INSERT INTO document_registers(unit_id, year, direction, series,"
                            " created_at) VALUES (?, ?, ?, ?, ?)"
                            " ON CONFLICT(unit_id, year, direction, series) DO NOTHING",
                            BIND_INT(unit_id), BIND_INT(year), BIND_TEXT(direction),
                            BIND_TEXT(series), BIND_INT(now));
    if (rc)
        return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
    /* One UPDATE reads and moves the counter: inside the writer's
     * transaction nothing else can run between the read and the write. */
    rc = store_one(db,
                   "UPDATE document_registers SET last_number = last_number + 1"
                   " WHERE unit_id = ? AND year = ? AND direction = ? AND series = ?"
                   " AND closed_at IS NULL RETURNING id, last_number",
                   read_taken, &t, BIND_INT(unit_id), BIND_INT(year), BIND_TEXT(direction),
                   BIND_TEXT(series));
    if (rc == STORE_DONE)
        return derr_set(err, DERR_STATE, "register_closed",
                        "Sổ văn bản của năm này đã khóa, không thể cấp số.", "");
    if (rc != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
    *register_id = t.id;
    *number = t.number;
    return 0;
}

struct peeked {
    int64_t last;
    int closed;
};

static int read_peeked(struct store_stmt *st, void *out)
{
    struct peeked *p = out;
    p->last = store_col_int(st, 0);
    p->closed = !store_col_is_null(st, 1);
    return STORE_ROW;
}

int register_peek(struct store *db, int64_t unit_id, int year, const char *direction,
                  const char *series, int64_t *number, struct derr *err)
{
    struct peeked p = {0, 0};
    int rc = store_one(db,
                       "SELECT last_number, closed_at FROM document_registers"
                       " WHERE unit_id = ? AND year = ? AND direction = ? AND series = ?",
                       read_peeked, &p, BIND_INT(unit_id), BIND_INT(year), BIND_TEXT(direction),
                       BIND_TEXT(series));
    if (rc < 0)
        return rc;
    if (p.closed)
        return derr_set(err, DERR_STATE, "register_closed",
                        "Sổ văn bản của năm này đã khóa, không thể cấp số.", "");
    *number = p.last + 1;
    return 0;
}

int register_close(struct store *db, int64_t unit_id, int year, const char *direction,
                   const char *series, int64_t now)
{
    return store_exec_all(db,
                          "INSERT INTO document_registers(unit_id, year, direction, series,"
                          " closed_at, created_at) VALUES (?, ?, ?, ?, ?, ?)"
                          " ON CONFLICT(unit_id, year, direction, series) DO UPDATE SET"
                          " closed_at = coalesce(closed_at, excluded.closed_at)",
                          BIND_INT(unit_id), BIND_INT(year), BIND_TEXT(direction),
                          BIND_TEXT(series), BIND_INT(now), BIND_INT(now));
}

json_t *register_entries_json(struct store *db, int64_t unit_id, int year, const char *direction,
                              const char *series)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    int rc = store_prepare_all(db,
                               "SELECT e.number, e.notation, e.entered_on, e.summary,"
                               " e.document_id, e.signer_name, e.recipients,"
                               " coalesce(" DOCUMENT_MARKS_NOTE_SQL("d") ", '')"
                               " FROM document_register_entries e"
                               " JOIN document_registers r ON r.id = e.register_id"
                               " JOIN documents d ON d.id = e.document_id"
                               " WHERE r.unit_id = ? AND r.year = ? AND r.direction = ?"
                               " AND r.series = ? ORDER BY e.number",
                               &st, BIND_INT(unit_id), BIND_INT(year), BIND_TEXT(direction),
                               BIND_TEXT(series));
    if (rc || !arr) {
        json_decref(arr);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(
            arr, json_pack("{sI ss ss ss sI ss ss ss}", "number",
                           (json_int_t)store_col_int(st, 0), "notation", store_col_text(st, 1),
                           "date", store_col_text(st, 2), "summary", store_col_text(st, 3),
                           "document_id", (json_int_t)store_col_int(st, 4), "signer",
                           store_col_text(st, 5), "recipients", store_col_text(st, 6), "note",
                           store_col_text(st, 7)));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* --- documents -------------------------------------------------------------- */

static const char *const state_names[] = {"draft",  "in_review", "returned", "approved",
                                          "signed", "issued",    "arrived"};
#define NSTATES (int)(sizeof state_names / sizeof state_names[0])

const char *document_state_name(enum document_state s)
{
    return (int)s >= 0 && (int)s < NSTATES ? state_names[s] : "";
}

int document_state_parse(const char *s)
{
    for (int i = 0; s && i < NSTATES; i++)
        if (strcmp(state_names[i], s) == 0)
            return i;
    return -1;
}

#define DOC_COLUMNS                                                                                \
    "id, unit_id, direction, type_code, summary, priority, confidentiality, state, department,"    \
    " drafter_id, reviewer_id, signer_id, signer_title, due_at, register_id, number, notation,"    \
    " issued_on, sha256, size, source_id, signed_at, issued_at, created_at, updated_at,"         \
    " replaces_id, corrects_id, coalesce(series_code, '')"

static int read_doc(struct store_stmt *st, void *out)
{
    struct document *d = out;
    int i = 0;
    d->id = store_col_int(st, i++);
    d->unit_id = store_col_int(st, i++);
    copy_str(d->direction, sizeof d->direction, store_col_text(st, i++));
    copy_str(d->type_code, sizeof d->type_code, store_col_text(st, i++));
    copy_str(d->summary, sizeof d->summary, store_col_text(st, i++));
    copy_str(d->priority, sizeof d->priority, store_col_text(st, i++));
    copy_str(d->confidentiality, sizeof d->confidentiality, store_col_text(st, i++));
    int s = document_state_parse(store_col_text(st, i++));
    if (s < 0)
        return STORE_ERR;
    d->state = (enum document_state)s;
    copy_str(d->department, sizeof d->department, store_col_text(st, i++));
    d->drafter_id = store_col_int(st, i++);
    d->reviewer_id = store_col_int(st, i++);
    d->signer_id = store_col_int(st, i++);
    copy_str(d->signer_title, sizeof d->signer_title, store_col_text(st, i++));
    d->due_at = store_col_int(st, i++);
    d->register_id = store_col_int(st, i++);
    d->number = store_col_int(st, i++);
    copy_str(d->notation, sizeof d->notation, store_col_text(st, i++));
    copy_str(d->issued_on, sizeof d->issued_on, store_col_text(st, i++));
    copy_str(d->sha256, sizeof d->sha256, store_col_text(st, i++));
    d->size = store_col_int(st, i++);
    d->source_id = store_col_int(st, i++);
    d->signed_at = store_col_int(st, i++);
    d->issued_at = store_col_int(st, i++);
    d->created_at = store_col_int(st, i++);
    d->updated_at = store_col_int(st, i++);
    d->replaces_id = store_col_int(st, i++);
    d->corrects_id = store_col_int(st, i++);
    copy_str(d->series_code, sizeof d->series_code, store_col_text(st, i++));
    return STORE_ROW;
}

int document_get(struct store *db, int64_t id, struct document *out)
{
    memset(out, 0, sizeof *out);
    return store_one(db, "SELECT " DOC_COLUMNS " FROM documents WHERE id = ?", read_doc, out,
                     BIND_INT(id));
}

int document_visible(struct store *db, int64_t account_id, const struct document *d)
{
    return permission_can(db, account_id, DOCUMENT_PERM_READ, d->unit_id) == 1;
}

static int allows_secret(struct store *db, int64_t unit_id)
{
    int64_t v = 0;
    int rc = store_int(db, "SELECT allows_secret FROM document_unit_settings WHERE unit_id = ?",
                       &v, BIND_INT(unit_id));
    return rc == STORE_ROW && v == 1;
}

static int add_version(struct store *db, int64_t doc, const char *kind, const char *sha,
                       int64_t size, int64_t actor, const char *comment, int64_t now)
{
    return store_exec_all(db,
                          "INSERT INTO document_versions(document_id, version, sha256, size,"
                          " kind, account_id, comment, created_at) VALUES (?1,"
                          " (SELECT coalesce(max(version), 0) + 1 FROM document_versions"
                          "  WHERE document_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7)",
                          BIND_INT(doc), BIND_TEXT(sha), BIND_INT(size), BIND_TEXT(kind),
                          BIND_ID(actor), BIND_TEXT(comment ? comment : ""), BIND_INT(now));
}

static int sha_ok(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
}

int document_create_job(struct store *db, void *arg)
{
    struct document_draft *a = arg;
    struct document_type t;
    struct unit u;
    int rc;
    size_t n;
    if (permission_can(db, a->actor_id, DOCUMENT_PERM_DRAFT, a->unit_id) != 1 ||
        unit_by_id(db, a->unit_id, &u) != STORE_ROW)
        return derr_set(&a->err, DERR_NOT_FOUND, "unit_not_found",
                        "Không tìm thấy đơn vị.", "unit_id");
    rc = document_type_get(db, a->type_code, &t);
    if (rc != STORE_ROW)
        return rc < 0 ? db_err(&a->err)
                      : derr_set(&a->err, DERR_INVALID, "invalid_type",
                                 "Loại văn bản không hợp lệ.", "type");
    n = a->summary ? text_utf8_chars(a->summary) : 0;
    if (n == 0 || n > DOCUMENT_SUMMARY_MAX)
        return derr_set(&a->err, DERR_INVALID, "invalid_summary",
                        "Trích yếu phải có từ 1 đến 500 ký tự.", "summary");
    if (!document_priority_label(a->priority))
        return derr_set(&a->err, DERR_INVALID, "invalid_priority", "Độ khẩn không hợp lệ.",
                        "priority");
    if (!document_confidentiality_label(a->confidentiality))
        return derr_set(&a->err, DERR_INVALID, "invalid_confidentiality",
                        "Độ mật không hợp lệ.", "confidentiality");
    if (strcmp(a->confidentiality, "mat") == 0 && !allows_secret(db, a->unit_id))
        return derr_set(&a->err, DERR_FORBIDDEN, "secret_not_allowed",
                        "Đơn vị chưa được phép xử lý văn bản mật trên hệ thống.",
                        "confidentiality");
    if (!u.abbreviation[0])
        return derr_set(&a->err, DERR_STATE, "no_unit_abbreviation",
                        "Đơn vị chưa có tên viết tắt nên chưa thể cấp số văn bản.", "unit_id");
    if (t.abbreviation[0] == '\0') {
        const char *d = a->department;
        size_t len = d ? strlen(d) : 0;
        int ok = len > 0 && len < DOCUMENT_DEPT_MAX && text_utf8_valid(d, len);
        for (size_t i = 0; ok && i < len; i++)
            ok = (unsigned char)d[i] >= 0x80 || (d[i] >= 'A' && d[i] <= 'Z') ||
                 (d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' && d[i] <= '9');
        if (!ok)
            return derr_set(&a->err, DERR_INVALID, "department_required",
                            "Công văn cần tên viết tắt của đơn vị soạn thảo (ví dụ VP).",
                            "department");
    }
    if (!a->signer_id || permission_can(db, a->signer_id, DOCUMENT_PERM_SIGN, a->unit_id) != 1)
        return derr_set(&a->err, DERR_INVALID, "signer_invalid",
                        "Người ký phải là lãnh đạo có thẩm quyền ký văn bản của đơn vị.",
                        "signer_id");
    if (a->signer_title && text_utf8_chars(a->signer_title) > DOCUMENT_TITLE_MAX)
        return derr_set(&a->err, DERR_INVALID, "invalid_signer_title",
                        "Chức danh người ký quá dài.", "signer_title");
    if (a->external && text_utf8_chars(a->external) > DOCUMENT_EXTERNAL_MAX)
        return derr_set(&a->err, DERR_INVALID, "invalid_recipients",
                        "Nơi nhận ngoài hệ thống quá dài.", "recipients_external");
    if (a->nrecipients < 0 || a->nrecipients > DOCUMENT_MAX_RECIPIENTS)
        return derr_set(&a->err, DERR_INVALID, "invalid_recipients", "Quá nhiều nơi nhận.",
                        "recipients_internal");
    if (corrections_check_draft(db, a->actor_id, a->unit_id, t.code, a->replaces_id,
                                a->corrects_id, &a->err))
        return -1;
    if (a->series) {
        struct document_series bs;
        rc = series_get(db, a->unit_id, a->series, &bs);
        if (rc < 0)
            return db_err(&a->err);
        if (rc != STORE_ROW || t.legal)
            return derr_set(&a->err, DERR_INVALID, "invalid_series",
                            rc != STORE_ROW
                                ? "Đơn vị không có hệ thống số này."
                                : "Văn bản quy phạm pháp luật theo hệ thống số riêng của loại.",
                            "series");
    }
    /* exchange: recipients on other nodes must be in the directory. */
    if (exchange_check_recipients(db, a->recipients_exchange, a->confidentiality, a->now,
                                  &a->err))
        return -1;
    json_t *rec = json_array();
    if (!rec)
        return db_err(&a->err);
    for (int i = 0; i < a->nrecipients; i++) {
        struct unit r;
        int twice = 0;
        for (int k = 0; k < i; k++)
            twice |= a->recipients[k] == a->recipients[i];
        if (twice || a->recipients[i] == a->unit_id ||
            unit_by_id(db, a->recipients[i], &r) != STORE_ROW) {
            json_decref(rec);
            return derr_set(&a->err, DERR_INVALID, "invalid_recipients",
                            "Nơi nhận phải là các đơn vị khác nhau trên hệ thống,"
                            " khác đơn vị ban hành.",
                            "recipients_internal");
        }
        json_array_append_new(rec, json_integer(a->recipients[i]));
    }
    char *rec_text = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    if (!rec_text || (a->sha256 && (!sha_ok(a->sha256) || a->size <= 0))) {
        free(rec_text);
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    }
    rc = store_exec_all(db,
                        "INSERT INTO documents(unit_id, direction, type_code, summary, priority,"
                        " confidentiality, state, department, drafter_id, signer_id,"
                        " signer_title, due_at, recipients_internal, recipients_external,"
                        " sha256, size, replaces_id, corrects_id, series_code, created_at,"
                        " updated_at)"
                        " VALUES (?, 'out', ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        " ?, ?, ?)",
                        BIND_INT(a->unit_id), BIND_TEXT(t.code), BIND_TEXT(a->summary),
                        BIND_TEXT(a->priority), BIND_TEXT(a->confidentiality),
                        BIND_TEXT(t.abbreviation[0] ? "" : a->department), BIND_INT(a->actor_id),
                        BIND_INT(a->signer_id), BIND_TEXT(a->signer_title ? a->signer_title : ""),
                        BIND_ID(a->due_at), BIND_TEXT(rec_text),
                        BIND_TEXT(a->external ? a->external : ""), BIND_TEXT(a->sha256),
                        a->sha256 ? BIND_INT(a->size) : BIND_NULL, BIND_ID(a->replaces_id),
                        BIND_ID(a->corrects_id), BIND_TEXT(a->series), BIND_INT(a->now),
                        BIND_INT(a->now));
    free(rec_text);
    if (rc)
        return db_err(&a->err);
    a->id = store_last_insert_id(db);
    /* exchange: the recipients on other nodes, kept for the issuing. */
    if (a->recipients_exchange && json_array_size(a->recipients_exchange)) {
        char *ex = json_dumps(a->recipients_exchange, JSON_COMPACT);
        rc = ex ? store_exec_all(db, "UPDATE documents SET recipients_exchange = ? WHERE id = ?",
                                 BIND_TEXT(ex), BIND_INT(a->id))
                : STORE_ERR;
        free(ex);
        if (rc)
            return db_err(&a->err);
    }
    json_t *detail = json_pack("{ss ss?}", "type", t.code, "sha256", a->sha256);
    if (detail && a->replaces_id)
        json_object_set_new(detail, "replaces", json_integer(a->replaces_id));
    if (detail && a->corrects_id)
        json_object_set_new(detail, "corrects", json_integer(a->corrects_id));
    if (a->sha256 && add_version(db, a->id, "draft", a->sha256, a->size, a->actor_id, "", a->now)) {
        json_decref(detail);
        return db_err(&a->err);
    }
    if (audit_object_json(db, a->actor_id, "document.draft", "document", a->id, detail))
        return db_err(&a->err);
    return document_search_index(db, a->id, NULL, 0, &a->err);
}

/* --- the flow's steps -------------------------------------------------------- */

static const char *action_name(enum document_action a)
{
    static const char *const n[] = {"document.version", "document.submit", "document.approve",
                                    "document.return",  "document.sign",   "document.issue"};
    return (int)a >= 0 && (int)a < 6 ? n[a] : "";
}

static int wrong_state(struct derr *err)
{
    return derr_set(err, DERR_STATE, "wrong_state",
                    "Văn bản không ở bước cho phép thao tác này.", "");
}

static int forbidden(struct derr *err)
{
    return derr_set(err, DERR_FORBIDDEN, "forbidden", "Bạn không có quyền thực hiện thao tác này.",
                    "");
}

/* Delivers an incoming copy of the issued document d to each internal
 * recipient unit: a row 'in', 'arrived', the same type, summary, notation
 * and file. OUT: *n. */
static int deliver(struct store *db, const struct document *d, int64_t now, int *n)
{
    struct store_stmt *st;
    int64_t ids[DOCUMENT_MAX_RECIPIENTS];
    int k = 0, rc;
    rc = store_prepare_all(db,
                           "SELECT j.value FROM documents d, json_each(d.recipients_internal) j"
                           " WHERE d.id = ?",
                           &st, BIND_INT(d->id));
    if (rc)
        return rc;
    while ((rc = store_step(st)) == STORE_ROW && k < DOCUMENT_MAX_RECIPIENTS)
        ids[k++] = store_col_int(st, 0);
    store_done(st);
    if (rc < 0)
        return rc;
    for (int i = 0; i < k; i++) {
        rc = store_exec_all(db,
                            "INSERT INTO documents(unit_id, direction, type_code, summary,"
                            " priority, confidentiality, state, signer_id, signer_title, due_at,"
                            " notation, issued_on, sha256, size, source_id, issued_at,"
                            " created_at, updated_at)"
                            " SELECT ?, 'in', type_code, summary, priority, confidentiality,"
                            " 'arrived', signer_id, signer_title, due_at, notation, issued_on,"
                            " sha256, size, id, issued_at, ?, ? FROM documents WHERE id = ?",
                            BIND_INT(ids[i]), BIND_INT(now), BIND_INT(now), BIND_INT(d->id));
        if (rc)
            return rc;
    }
    *n = k;
    return 0;
}

/* The register series and the issuing body's abbreviation of d: a board's
 * own (document/series.h) when the draft named one, else the type's series
 * and the unit's abbreviation. OUT: *series (points into t or bs), abbr. */
static int issuing_body(struct store *db, const struct document *d, const struct document_type *t,
                        const struct unit *u, struct document_series *bs, const char **series,
                        const char **abbr)
{
    *series = t->series;
    *abbr = u->abbreviation;
    if (!d->series_code[0])
        return 0;
    if (series_get(db, d->unit_id, d->series_code, bs) != STORE_ROW)
        return -1;
    *series = bs->code;
    *abbr = bs->abbreviation;
    return 0;
}

static int issue(struct store *db, struct document_step *a, const struct document *d)
{
    struct document_type t;
    struct unit u;
    int64_t reg, number;
    int year = document_year(a->now);
    char date[11], notation[DOCUMENT_NOTATION_MAX];
    struct document_series bs;
    const char *series, *abbr;
    if (document_type_get(db, d->type_code, &t) != STORE_ROW ||
        unit_by_id(db, d->unit_id, &u) != STORE_ROW ||
        issuing_body(db, d, &t, &u, &bs, &series, &abbr))
        return db_err(&a->err);
    if (register_take(db, d->unit_id, year, "out", series, a->now, &reg, &number, &a->err))
        return -1;
    if (number != a->expect_number)
        return derr_set(&a->err, DERR_TAKEN, "register_moved",
                        "Số văn bản vừa được cấp cho văn bản khác; hãy thử lại.", "");
    if (document_notation(&t, year, abbr, d->department, number, notation, sizeof notation))
        return derr_set(&a->err, DERR_STATE, "no_unit_abbreviation",
                        "Đơn vị chưa có tên viết tắt nên chưa thể cấp số văn bản.", "");
    document_date(a->now, date);
    char signer[256] = "";
    struct store_stmt *st;
    if (store_prepare_all(db, "SELECT full_name FROM accounts WHERE id = ?", &st,
                          BIND_INT(d->signer_id)) == 0) {
        if (store_step(st) == STORE_ROW)
            copy_str(signer, sizeof signer, store_col_text(st, 0));
        store_done(st);
    }
    if (store_exec_all(db,
                       "UPDATE documents SET state = 'issued', register_id = ?, number = ?,"
                       " notation = ?, issued_on = ?, sha256 = ?, size = ?, issued_at = ?,"
                       " updated_at = ? WHERE id = ?",
                       BIND_INT(reg), BIND_INT(number), BIND_TEXT(notation), BIND_TEXT(date),
                       BIND_TEXT(a->sha256), BIND_INT(a->size), BIND_INT(a->now),
                       BIND_INT(a->now), BIND_INT(d->id)) ||
        add_version(db, d->id, "issued", a->sha256, a->size, a->actor_id, "", a->now) ||
        store_exec_all(db,
                       "INSERT INTO document_register_entries(register_id, number, document_id,"
                       " notation, entered_on, summary, signer_name, recipients, created_by,"
                       " created_at) SELECT ?, ?, id, ?, ?, summary, ?, recipients_external,"
                       " ?, ? FROM documents WHERE id = ?",
                       BIND_INT(reg), BIND_INT(number), BIND_TEXT(notation), BIND_TEXT(date),
                       BIND_TEXT(signer), BIND_INT(a->actor_id), BIND_INT(a->now),
                       BIND_INT(d->id)))
        return db_err(&a->err);
    struct document now_d = *d;
    now_d.issued_at = a->now;
    if (deliver(db, &now_d, a->now, &a->ndelivered))
        return db_err(&a->err);
    /* exchange: one outbox row per recipient on another node, in this transaction. */
    if (exchange_queue_document(db, d->id, a->now, NULL))
        return db_err(&a->err);
    /* After the deliveries: a recipient's mark points to its copy of d. */
    if (corrections_on_issue(db, d, notation, a->actor_id, a->now, &a->err))
        return -1;
    a->number = number;
    copy_str(a->notation, sizeof a->notation, notation);
    return 0;
}

int document_step_job(struct store *db, void *arg)
{
    struct document_step *a = arg;
    struct document d;
    const char *perm = DOCUMENT_PERM_READ;
    int rc = document_get(db, a->document_id, &d);
    if (rc < 0)
        return db_err(&a->err);
    if (rc != STORE_ROW || strcmp(d.direction, "out") != 0 ||
        !document_visible(db, a->actor_id, &d))
        return derr_set(&a->err, DERR_NOT_FOUND, "document_not_found",
                        "Không tìm thấy văn bản.", "");
    switch (a->action) {
    case DOC_ACT_VERSION:
    case DOC_ACT_SUBMIT:
        if (d.state != DOC_DRAFT && d.state != DOC_RETURNED)
            return wrong_state(&a->err);
        if (d.drafter_id != a->actor_id)
            return forbidden(&a->err);
        perm = DOCUMENT_PERM_DRAFT;
        break;
    case DOC_ACT_APPROVE:
    case DOC_ACT_RETURN:
        if (d.state != DOC_IN_REVIEW)
            return wrong_state(&a->err);
        perm = DOCUMENT_PERM_REVIEW;
        break;
    case DOC_ACT_SIGN:
        if (d.state != DOC_APPROVED)
            return wrong_state(&a->err);
        if (d.signer_id != a->actor_id)
            return forbidden(&a->err);
        perm = DOCUMENT_PERM_SIGN;
        break;
    case DOC_ACT_ISSUE:
        if (d.state == DOC_ISSUED)
            return derr_set(&a->err, DERR_STATE, "already_issued", "Văn bản đã được phát hành.",
                            "");
        if (d.state != DOC_SIGNED)
            return wrong_state(&a->err);
        perm = DOCUMENT_PERM_ISSUE;
        break;
    default:
        return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    }
    if (permission_can(db, a->actor_id, perm, d.unit_id) != 1)
        return forbidden(&a->err);
    /* The signed or issued PDF was made from the body as it stood: a change
     * since (another step) refuses rather than record a stale file. */
    if (a->expect_state >= 0 &&
        ((int)d.state != a->expect_state || d.updated_at != a->expect_updated_at))
        return derr_set(&a->err, DERR_STATE, "document_changed",
                        "Văn bản vừa được thay đổi; hãy thử lại.", "");
    const char *sql_state = NULL;
    rc = 0;
    switch (a->action) {
    case DOC_ACT_VERSION:
        if (!sha_ok(a->sha256) || a->size <= 0)
            return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
        rc = store_exec_all(db,
                            "UPDATE documents SET sha256 = ?, size = ?, updated_at = ?"
                            " WHERE id = ?",
                            BIND_TEXT(a->sha256), BIND_INT(a->size), BIND_INT(a->now),
                            BIND_INT(d.id)) ||
             add_version(db, d.id, "draft", a->sha256, a->size, a->actor_id, "", a->now);
        /* A Word file's PDF: the original stays known beside it. */
        if (!rc && a->source_sha256) {
            if (!sha_ok(a->source_sha256))
                return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
            rc = store_exec_all(db,
                                "UPDATE document_versions SET source_sha256 = ?"
                                " WHERE document_id = ? AND version = (SELECT max(version)"
                                " FROM document_versions WHERE document_id = ?)",
                                BIND_TEXT(a->source_sha256), BIND_INT(d.id), BIND_INT(d.id));
        }
        break;
    case DOC_ACT_SUBMIT:
        if (!d.sha256[0])
            return derr_set(&a->err, DERR_STATE, "body_required",
                            "Cần tải lên nội dung văn bản (PDF) trước khi trình duyệt.", "");
        sql_state = "in_review";
        break;
    case DOC_ACT_APPROVE:
    case DOC_ACT_RETURN: {
        size_t n = a->comment ? text_utf8_chars(a->comment) : 0;
        if (n > DOCUMENT_COMMENT_MAX || (a->action == DOC_ACT_RETURN && n == 0))
            return derr_set(&a->err, DERR_INVALID, "comment_required",
                            "Cần ý kiến (tối đa 1000 ký tự) khi trả lại dự thảo.", "comment");
        rc = store_exec_all(db,
                            "UPDATE documents SET state = ?, reviewer_id = ?, updated_at = ?"
                            " WHERE id = ?",
                            BIND_TEXT(a->action == DOC_ACT_APPROVE ? "approved" : "returned"),
                            BIND_INT(a->actor_id), BIND_INT(a->now), BIND_INT(d.id));
        /* The comment belongs to the version it was made on. */
        if (!rc && n)
            rc = store_exec_all(db,
                                "UPDATE document_versions SET comment = ? WHERE document_id = ?"
                                " AND version = (SELECT max(version) FROM document_versions"
                                " WHERE document_id = ?)",
                                BIND_TEXT(a->comment), BIND_INT(d.id), BIND_INT(d.id));
        break;
    }
    case DOC_ACT_SIGN:
        if (!sha_ok(a->sha256) || a->size <= 0)
            return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
        rc = store_exec_all(db,
                            "UPDATE documents SET state = 'signed', sha256 = ?, size = ?,"
                            " signed_at = ?, updated_at = ? WHERE id = ?",
                            BIND_TEXT(a->sha256), BIND_INT(a->size), BIND_INT(a->now),
                            BIND_INT(a->now), BIND_INT(d.id)) ||
             add_version(db, d.id, "signed", a->sha256, a->size, a->actor_id, "", a->now);
        break;
    case DOC_ACT_ISSUE:
        if (!sha_ok(a->sha256) || a->size <= 0)
            return derr_set(&a->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
        if (issue(db, a, &d))
            return -1;
        break;
    }
    if (!rc && sql_state)
        rc = store_exec_all(db, "UPDATE documents SET state = ?, updated_at = ? WHERE id = ?",
                            BIND_TEXT(sql_state), BIND_INT(a->now), BIND_INT(d.id));
    if (rc ||
        audit_object_json(db, a->actor_id, action_name(a->action), "document", d.id,
                          a->action == DOC_ACT_ISSUE
                              ? json_pack("{sI ss}", "number", (json_int_t)a->number,
                                          "notation", a->notation)
                              : json_object()))
        return db_err(&a->err);
    /* Search finds the document as this step left it (its state, a new
     * body, the number and the copies the issuing delivered): indexed in
     * the same transaction. */
    return document_search_index(db, d.id, a->body_text, a->body_len, &a->err);
}

int document_issue_prepare(struct store *db, const struct document *d, int64_t actor_id,
                           int64_t now, struct document_issue_plan *out, struct derr *err)
{
    struct document_type t;
    struct unit u;
    memset(out, 0, sizeof *out);
    if (d->state == DOC_ISSUED)
        return derr_set(err, DERR_STATE, "already_issued", "Văn bản đã được phát hành.", "");
    if (d->state != DOC_SIGNED)
        return wrong_state(err);
    if (permission_can(db, actor_id, DOCUMENT_PERM_ISSUE, d->unit_id) != 1)
        return forbidden(err);
    struct document_series bs;
    const char *series, *abbr;
    if (document_type_get(db, d->type_code, &t) != STORE_ROW ||
        unit_by_id(db, d->unit_id, &u) != STORE_ROW ||
        issuing_body(db, d, &t, &u, &bs, &series, &abbr))
        return db_err(err);
    out->year = document_year(now);
    int rc = register_peek(db, d->unit_id, out->year, "out", series, &out->number, err);
    if (rc)
        return rc < 0 && err->kind == DERR_NONE ? db_err(err) : -1;
    if (document_notation(&t, out->year, abbr, d->department, out->number, out->notation,
                          sizeof out->notation))
        return derr_set(err, DERR_STATE, "no_unit_abbreviation",
                        "Đơn vị chưa có tên viết tắt nên chưa thể cấp số văn bản.", "");
    document_date(now, out->date);
    copy_str(out->unit_name, sizeof out->unit_name, u.name);
    return 0;
}

/* --- reading -------------------------------------------------------------------- */

static json_t *versions_json(struct store *db, int64_t id)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    int rc = store_prepare_all(db,
                               "SELECT v.version, v.kind, coalesce(a.full_name, ''), v.comment,"
                               " v.created_at, v.sha256, v.size, v.source_sha256"
                               " FROM document_versions v"
                               " LEFT JOIN accounts a ON a.id = v.account_id"
                               " WHERE v.document_id = ? ORDER BY v.version",
                               &st, BIND_INT(id));
    if (rc || !arr) {
        json_decref(arr);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(
            arr, json_pack("{sI ss ss ss sI ss sI s:o}", "version",
                           (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1), "by",
                           store_col_text(st, 2), "comment", store_col_text(st, 3), "at",
                           (json_int_t)store_col_int(st, 4), "sha256", store_col_text(st, 5),
                           "size", (json_int_t)store_col_int(st, 6), "source_sha256",
                           store_col_is_null(st, 7) ? json_null()
                                                    : json_string(store_col_text(st, 7))));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *name_of(struct store *db, int64_t account_id)
{
    struct store_stmt *st;
    json_t *v = json_null();
    if (!account_id)
        return v;
    if (store_prepare_all(db, "SELECT full_name FROM accounts WHERE id = ?", &st,
                          BIND_INT(account_id)) == 0) {
        if (store_step(st) == STORE_ROW) {
            json_decref(v);
            v = json_pack("{sI ss}", "id", (json_int_t)account_id, "name", store_col_text(st, 0));
        }
        store_done(st);
    }
    return v;
}

/* {id, notation} of document id, or null (0, or not found). */
static json_t *link_json(struct store *db, int64_t id)
{
    struct document o;
    if (!id || document_get(db, id, &o) != STORE_ROW)
        return json_null();
    return json_pack("{sI s:o}", "id", (json_int_t)o.id, "notation",
                     o.notation[0] ? json_string(o.notation) : json_null());
}

json_t *document_json(struct store *db, const struct document *d)
{
    struct document_type t;
    struct unit u;
    char rec[4096] = "[]", ext[DOCUMENT_EXTERNAL_MAX * 4 + 1] = "";
    struct store_stmt *st;
    if (document_type_get(db, d->type_code, &t) != STORE_ROW ||
        unit_by_id(db, d->unit_id, &u) != STORE_ROW)
        return NULL;
    if (store_prepare_all(db,
                          "SELECT recipients_internal, recipients_external FROM documents"
                          " WHERE id = ?",
                          &st, BIND_INT(d->id)) == 0) {
        if (store_step(st) == STORE_ROW) {
            copy_str(rec, sizeof rec, store_col_text(st, 0));
            copy_str(ext, sizeof ext, store_col_text(st, 1));
        }
        store_done(st);
    }
    json_t *versions = versions_json(db, d->id);
    json_t *recipients = json_loads(rec, 0, NULL);
    json_t *j = json_pack("{sI s{sI ss ss} ss ss ss ss ss ss ss ss ss}", "id", (json_int_t)d->id,
                          "unit", "id", (json_int_t)u.id, "code", u.code, "name", u.name,
                          "direction", d->direction, "type", t.code, "type_name", t.name,
                          "summary", d->summary, "priority", d->priority, "priority_name",
                          document_priority_label(d->priority), "confidentiality",
                          d->confidentiality, "state", document_state_name(d->state),
                          "department", d->department);
    if (j) {
        json_object_set_new(j, "drafter", name_of(db, d->drafter_id));
        json_object_set_new(j, "reviewer", name_of(db, d->reviewer_id));
        json_object_set_new(j, "signer", name_of(db, d->signer_id));
        json_object_set_new(j, "signer_title", json_string(d->signer_title));
        json_object_set_new(j, "due_at", d->due_at ? json_integer(d->due_at) : json_null());
        json_object_set_new(j, "recipients_internal", recipients ? recipients : json_array());
        recipients = NULL;
        json_object_set_new(j, "recipients_external", json_string(ext));
        /* exchange: the units on other nodes the draft names. */
        json_t *rx = NULL;
        struct store_stmt *xst;
        if (store_prepare_all(db, "SELECT recipients_exchange FROM documents WHERE id = ?", &xst,
                              BIND_INT(d->id)) == 0) {
            if (store_step(xst) == STORE_ROW)
                rx = json_loads(store_col_text(xst, 0), 0, NULL);
            store_done(xst);
        }
        json_object_set_new(j, "recipients_exchange", rx ? rx : json_array());
        json_object_set_new(j, "number", d->number ? json_integer(d->number) : json_null());
        json_object_set_new(j, "notation",
                            d->notation[0] ? json_string(d->notation) : json_null());
        json_object_set_new(j, "issued_on",
                            d->issued_on[0] ? json_string(d->issued_on) : json_null());
        json_object_set_new(j, "sha256", d->sha256[0] ? json_string(d->sha256) : json_null());
        json_object_set_new(j, "size", json_integer(d->size));
        json_object_set_new(j, "source_id",
                            d->source_id ? json_integer(d->source_id) : json_null());
        json_object_set_new(j, "versions", versions ? json_incref(versions) : json_null());
        json_object_set_new(j, "replaces", link_json(db, d->replaces_id));
        json_object_set_new(j, "corrects", link_json(db, d->corrects_id));
        struct document_series bs;
        json_object_set_new(j, "series",
                            d->series_code[0] &&
                                    series_get(db, d->unit_id, d->series_code, &bs) == STORE_ROW
                                ? json_pack("{ss ss ss}", "code", bs.code, "name", bs.name,
                                            "abbreviation", bs.abbreviation)
                                : json_null());
        json_t *marks = document_marks_json(db, d->id);
        json_object_set_new(j, "marks", marks ? marks : json_null());
        /* The sender follows its deliveries (status 01 arrived ... 06 completed). */
        if (strcmp(d->direction, "out") == 0)
            json_object_set_new(j, "deliveries", incoming_deliveries_json(db, d->id));
        /* exchange: the recipients on other nodes and their latest status. */
        if (strcmp(d->direction, "out") == 0)
            json_object_set_new(j, "deliveries_exchange", exchange_deliveries_json(db, d->id));
    }
    json_decref(recipients);
    json_decref(versions);
    return j;
}

json_t *document_list_json(struct store *db, int64_t account_id, int limit)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    int rc = store_prepare_all(db,
                               "WITH " PERMISSION_SCOPE("?1", "'" DOCUMENT_PERM_READ "'")
                               " SELECT d.id, d.unit_id, d.direction, d.type_code, d.summary,"
                               " d.state, coalesce(d.notation, ''), d.updated_at"
                               " FROM documents d WHERE d.unit_id IN (SELECT id FROM scope)"
                               " ORDER BY d.updated_at DESC, d.id DESC LIMIT ?2",
                               &st, BIND_INT(account_id), BIND_INT(limit));
    if (rc || !arr) {
        json_decref(arr);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(
            arr, json_pack("{sI sI ss ss ss ss ss sI}", "id", (json_int_t)store_col_int(st, 0),
                           "unit_id", (json_int_t)store_col_int(st, 1), "direction",
                           store_col_text(st, 2), "type", store_col_text(st, 3), "summary",
                           store_col_text(st, 4), "state", store_col_text(st, 5), "notation",
                           store_col_text(st, 6), "updated_at",
                           (json_int_t)store_col_int(st, 7)));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

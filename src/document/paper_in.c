/* paper_in: incoming documents that arrive on paper (document/paper_in.h,
 * db/028_incoming_paper.sql). */
#include "document/paper_in.h"

#include <jansson.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/text.h"
#include "document/doc_search.h"
#include "document/document.h"
#include "document/incoming.h"
#include "store/store.h"

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
}

/* Is s between 1 and max characters of valid UTF-8 with no control
 * character (a line of print)? */
static int line_ok(const char *s, size_t max)
{
    size_t len = s ? strlen(s) : 0, n;
    if (len == 0 || !text_utf8_valid(s, len))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    n = text_utf8_chars(s);
    return n >= 1 && n <= max;
}

/* Is s a real date YYYY-MM-DD from 1945 up to today (both as text, which
 * orders like the dates)? A paper cannot come from the future. */
static int date_ok(const char *s, const char *today)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1945 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return strcmp(s, today) <= 0;
}

static int secret_allowed(struct store *db, int64_t unit_id)
{
    int64_t v = 0;
    int rc = store_int(db, "SELECT allows_secret FROM document_unit_settings WHERE unit_id = ?",
                       &v, BIND_INT(unit_id));
    return rc == STORE_ROW && v == 1;
}

int paper_entry_job(struct store *db, void *arg)
{
    struct paper_entry *a = arg;
    struct document_type t;
    if (permission_can(db, a->actor_id, INCOMING_PERM_RECEIVE, a->unit_id) != 1)
        return derr_set(&a->err, DERR_NOT_FOUND, "unit_not_found", "Không tìm thấy đơn vị.",
                        "unit_id");
    int rc = a->type ? document_type_get(db, a->type, &t) : STORE_DONE;
    if (rc < 0)
        return db_err(&a->err);
    if (rc != STORE_ROW)
        return derr_set(&a->err, DERR_INVALID, "invalid_type", "Loại văn bản không hợp lệ.",
                        "type");
    if (!line_ok(a->summary, DOCUMENT_SUMMARY_MAX))
        return derr_set(&a->err, DERR_INVALID, "invalid_summary",
                        "Trích yếu phải có từ 1 đến 500 ký tự.", "summary");
    if (!line_ok(a->notation, PAPER_NOTATION_MAX))
        return derr_set(&a->err, DERR_INVALID, "invalid_notation",
                        "Số, ký hiệu ghi như trên văn bản, từ 1 đến 64 ký tự.", "notation");
    if (!date_ok(a->issued_on, a->today))
        return derr_set(&a->err, DERR_INVALID, "invalid_issued_on",
                        "Ngày văn bản phải là một ngày có thật, không sau hôm nay.", "issued_on");
    if (!line_ok(a->sender, PAPER_SENDER_MAX))
        return derr_set(&a->err, DERR_INVALID, "invalid_sender",
                        "Cần tên cơ quan, tổ chức gửi văn bản (tối đa 300 ký tự).", "sender");
    if (!a->priority || !document_priority_label(a->priority))
        return derr_set(&a->err, DERR_INVALID, "invalid_priority", "Độ khẩn không hợp lệ.",
                        "priority");
    if (!a->confidentiality || !document_confidentiality_label(a->confidentiality))
        return derr_set(&a->err, DERR_INVALID, "invalid_confidentiality",
                        "Độ mật không hợp lệ.", "confidentiality");
    if (strcmp(a->confidentiality, "mat") == 0 && !secret_allowed(db, a->unit_id))
        return derr_set(&a->err, DERR_FORBIDDEN, "secret_not_allowed",
                        "Đơn vị chưa được phép xử lý văn bản mật trên hệ thống.",
                        "confidentiality");
    if (store_exec_all(db,
                       "INSERT INTO documents(unit_id, direction, type_code, summary, priority,"
                       " confidentiality, state, notation, issued_on, sender_name, created_at,"
                       " updated_at) VALUES (?, 'in', ?, ?, ?, ?, 'arrived', ?, ?, ?, ?, ?)",
                       BIND_INT(a->unit_id), BIND_TEXT(a->type), BIND_TEXT(a->summary),
                       BIND_TEXT(a->priority), BIND_TEXT(a->confidentiality),
                       BIND_TEXT(a->notation), BIND_TEXT(a->issued_on), BIND_TEXT(a->sender),
                       BIND_INT(a->now), BIND_INT(a->now)))
        return db_err(&a->err);
    a->id = store_last_insert_id(db);
    if (audit_object_json(db, a->actor_id, "document.paper_enter", "document", a->id,
                          json_pack("{ss ss}", "notation", a->notation, "sender", a->sender)))
        return db_err(&a->err);
    return document_search_index(db, a->id, NULL, 0, &a->err);
}

int paper_scan_job(struct store *db, void *arg)
{
    struct paper_scan *a = arg;
    struct document d;
    int64_t steps = 0;
    int rc = document_get(db, a->document_id, &d);
    if (rc < 0)
        return db_err(&a->err);
    if (rc != STORE_ROW || strcmp(d.direction, "in") != 0 ||
        !document_visible(db, a->actor_id, &d))
        return derr_set(&a->err, DERR_NOT_FOUND, "document_not_found", "Không tìm thấy văn bản.",
                        "");
    if (permission_can(db, a->actor_id, INCOMING_PERM_RECEIVE, d.unit_id) != 1)
        return derr_set(&a->err, DERR_FORBIDDEN, "forbidden",
                        "Bạn không có quyền thực hiện thao tác này.", "");
    if (store_int(db, "SELECT count(*) FROM document_incoming WHERE document_id = ?", &steps,
                  BIND_INT(d.id)) != STORE_ROW)
        return db_err(&a->err);
    if (d.source_id || steps)
        return derr_set(&a->err, DERR_STATE, "wrong_state",
                        d.source_id ? "Văn bản nhận trên hệ thống đã có tệp của nơi gửi."
                                    : "Văn bản đã vào sổ hoặc đã trả lại; không thay bản quét.",
                        "");
    if (store_exec_all(db, "UPDATE documents SET sha256 = ?, size = ?, updated_at = ? WHERE id = ?",
                       BIND_TEXT(a->sha256), BIND_INT(a->size), BIND_INT(a->now),
                       BIND_INT(d.id)) ||
        audit_object_json(db, a->actor_id, "document.paper_scan", "document", d.id,
                          json_pack("{ss sI}", "sha256", a->sha256, "size", (json_int_t)a->size)))
        return db_err(&a->err);
    return document_search_index(db, d.id, a->text, a->text_len, &a->err);
}
